# Sourced by dom0's /init (tests/xen-e2e/dom0-init.sh) for make xen-bench,
# in place of the scenario: the fault loop on the reference Xen, timed in
# the PVH domU (gpumem_domu's "touch" reads byte 0 of each page of its bench
# window in order, between two ktime_get_ns()).  Lines that start "bench: "
# are the figures, which scripts/xen-e2e.sh --bench puts in FIGURES.md.
# Under TCG the times are emulated: read the ratios, within this one run,
# and the counts, which are exact.

# Then the same 256 MiB of dom0 memory shown to the domU with gpumem's
# MAP_VA and with grants (gntalloc in dom0, gntalloc-bench; the domU's
# gnttab_map_refs, gpumem_domu's "gmap"), 64 MiB of dom0 huge pages
# MAPped as 2 MiB entries and as 4k ones, and STEAL+RETURN of 64 MiB of the
# domU's RAM against dom0's foreign mapping of it (gpumem-xmap); the
# entries counted with Xen's debug key 'Y', the hypercalls from the
# module's tracepoints.

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

# dom0_ns: from the trace, the mean time from a fault's arrival in dom0 to
# its answer (xen_gpumem:gpumem_fault_raise and _answer), in ns.
dom0_ns() {
	awk '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+\.[0-9]+:$/)
				t = substr($i, 1, length($i) - 1)
	}
	/ gpumem_fault_raise: / { start[$NF] = t }
	/ gpumem_fault_answer: / {
		v = $(NF - 2)
		if (v in start) { sum += t - start[v]; n++; delete start[v] }
	}
	END { printf "%d", n ? sum / n * 1e9 : 0 }' "$tracefs/trace"
}

# touch BYTE PAGES: the domU reads the first PAGES pages of its bench window
# and expects byte 0 of page i to be BYTE + i; $touch_ns, $touch_bad.
touch_win() {
	touch_ns=0 touch_bad=$2
	domu touch "$1" "$2" || return 1
	set -- $answer		# touch <pages> <ns> <bad>
	touch_ns=$3 touch_bad=$4
}

# fs_touch ARGS: gpumem fault-serve (with ARGS) shows the first $one GFNs
# of the window, one lazy region a page, then the domU touches them: one
# fault a page, each served by the kernel or by the process.  $served:
# the faults the process served; $hc_faults: those the kernel served.
fs_touch() {
	gpumem fault-serve --domid "$domid" "$bench_gfn" "$one" 10 \
		--page-regions --quiet "$@" > /tmp/fs.out 2>&1 &
	fs_pid=$!
	started "$fs_pid" /tmp/fs.out '^ok fault-serve' "gpumem fault-serve $*" ||
		return 1
	hc_quiet
	touch_win 10 "$one"
	svc_ns=$(dom0_ns)
	hc_quiet
	kill "$fs_pid"
	wait "$fs_pid"
	served=$(sed -n 's/^ok close: served //p' /tmp/fs.out)
	grep -v '^ok ' /tmp/fs.out | head -5
}

domu_wait=1200		# domu: up to 120 s for one touch
one=256
seq_nr=16384		# 64 MiB
[ "$bench_nr" -ge "$seq_nr" ] ||
	bad "the domU's bench window has $bench_nr pages, not $seq_nr"
hc_start
for ev in gpumem_fault_raise gpumem_fault_answer; do
	echo 1 > "$tracefs/events/xen_gpumem/$ev/enable" ||
		bad "no tracepoint xen_gpumem:$ev"
done

rounds=3
echo "=== bench: one fault, served in the kernel or by a device-model process ($one one-page regions at gfn $bench_gfn, $rounds rounds of each, alternating)"
k_ns=0 k_svc=0 u_ns=0 u_svc=0
for r in $(seq "$rounds"); do
	fs_touch --kernel
	k_ns=$((k_ns + touch_ns)) k_svc=$((k_svc + svc_ns))
	[ "$touch_bad" = 0 ] && [ "$hc_faults" = "$one" ] && [ "$served" = 0 ] &&
		ok "round $r, in the kernel: $one faults, every page read dom0's bytes" ||
		bad "round $r, in the kernel: $touch_bad pages wrong, $hc_faults faults served in the kernel, ${served:-?} by the process"
	fs_touch
	u_ns=$((u_ns + touch_ns)) u_svc=$((u_svc + svc_ns))
	[ "$touch_bad" = 0 ] && [ "$hc_faults" = 0 ] && [ "$served" = "$one" ] &&
		ok "round $r, by the process: $one faults, every page read dom0's bytes" ||
		bad "round $r, by the process: $touch_bad pages wrong, $hc_faults faults served in the kernel, ${served:-?} by the process"
done
n=$((one * rounds))
echo "bench: fault on an empty GFN (reference Xen, PVH domU, one-page regions, $n of each): served in the kernel $((k_ns / n)) ns, by a device-model process (poll + read + POPULATE + FAULT_COMPLETE, gpumem fault-serve) $((u_ns / n)) ns, ratio $(ratio "$u_ns" "$k_ns"); dom0's part (arrival to answer) $((k_svc / rounds)) ns and $((u_svc / rounds)) ns, ratio $(ratio "$u_svc" "$k_svc")"

echo "=== bench: a sequential read of a revoked 64 MiB buffer, served in the kernel with map-ahead, against the same buffer prefaulted"
dm_start
dm map "$bench_gfn" "$seq_nr" 0x20
expect "MAP_VA of 64 MiB" "${reply%% region*}" "ok map"
dm elapsed
m_ns=${reply#ok elapsed }
hc_quiet
touch_win 20 "$seq_nr"
p_ns=$touch_ns
hc_quiet
[ "$touch_bad" = 0 ] && [ "$hc_faults" = 0 ] &&
	ok "prefaulted: every page read dom0's bytes, no fault" ||
	bad "prefaulted: $touch_bad pages wrong, $hc_faults faults"
dm fault "$bench_gfn" "$seq_nr" 1
expect "FAULT_ENABLE(GPUMEM_FAULT_KERNEL)" "${reply%% gfn*}" "ok fault"
dm munmap
dm remap 0x30
hc_quiet
touch_win 30 "$seq_nr"
f_ns=$touch_ns
hc_quiet
f_faults=$hc_faults
[ "$touch_bad" = 0 ] && [ "$f_faults" -gt 0 ] &&
	ok "revoked and remapped: every page read the new bytes, through $f_faults faults served in the kernel" ||
	bad "revoked and remapped: $touch_bad pages wrong, $f_faults faults served in the kernel"
dm close
dm_stop
echo "bench: sequential read of a revoked 64 MiB buffer (reference Xen, PVH domU): $f_faults faults ($(ratio "$f_faults" 64) per MiB) served in the kernel with map-ahead, $((f_ns / seq_nr)) ns/page; the same read of the buffer prefaulted $((p_ns / seq_nr)) ns/page, ratio $(ratio "$f_ns" "$p_ns"); with its MAP_VA in dom0 $(((m_ns + p_ns) / seq_nr)) ns/page, ratio $(ratio "$f_ns" $((m_ns + p_ns)))"

# lent: from Xen's debug key 'Y' (reference series, patch 0010), the
# domU's lent p2m entries now: $lent_2m 2 MiB ones, $lent_4k 4k ones.
lent() {
	xl debug-keys Y
	l=$(xl dmesg | tac | sed "/'Y' pressed -> dumping gpumem/q" |
		grep "d$domid: gpumem: " | tail -1)
	lent_2m=$(echo "$l" | sed -n 's/.*: \([0-9]*\) 2M entries.*/\1/p')
	lent_4k=$(echo "$l" | sed -n 's/.* \([0-9]*\) 4k entries.*/\1/p')
	lent_2m=${lent_2m:-0} lent_4k=${lent_4k:-0}
}

# calls EVENT: from the trace since the last hc_quiet, the extents of the
# module's EVENT (gpumem_map or gpumem_revoke: each one gpumem_hv_batch(),
# or one revoke batch of them) in $ext, and the hypercalls they took (at
# most the context's max_extents a call, gpumem info's) in $calls.
max_ext=$(sed -n 's/^max_extents *//p' /tmp/info)
[ -n "$max_ext" ] || max_ext=$(cat /sys/module/xen_gpumem/parameters/max_extents)
calls() {
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(awk -v ev=" $1: " -v m="$max_ext" 'index($0, ev) {
		for (i = 1; i < NF; i++)
			if ($i == "extents") {
				x += $(i + 1)
				c += int(($(i + 1) + m - 1) / m)
			}
	} END { printf "%d %d", x, c }' "$tracefs/trace")
	ext=$1 calls=$2
}
ms() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'; }

# gt: from Xen's debug key 'g', dom0's grant-table frames in $gt_d0 and
# the domU's maptrack frames in $gt_mt (dumped before any grant is active,
# so that the dump is these lines and no entry).
gt() {
	xl debug-keys g
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(xl dmesg | tac | sed "/gnttab_usage_print_all \[ key 'g' pressed/q" |
		tac | awk -v d="d$domid" '
		/grant-table for remote d[0-9]+ / {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^d[0-9]+$/)
					cur = $i
			next
		}
		/ frames \(.* maptrack frames / {
			for (i = 2; i <= NF; i++) {
				if ($i == "frames" && $(i - 1) ~ /^[0-9]+$/)
					f = $(i - 1)
				if ($i == "maptrack")
					m = $(i - 1)
			}
			if (cur == "d0")
				d0 = f
			if (cur == d)
				mt = m
		}
		END { printf "%s %s", d0 == "" ? "?" : d0, mt == "" ? "?" : mt }')
	gt_d0=$1 gt_mt=$2
}

big=65536		# 256 MiB
domu_wait=3000		# domu: up to 300 s for one gmap
echo "=== bench: $((big / 256)) MiB of dom0 memory shown to the domU: gpumem MAP_VA against dom0's grants mapped by the domU"
for ev in gpumem_map gpumem_revoke; do
	echo 1 > "$tracefs/events/xen_gpumem/$ev/enable" ||
		bad "no tracepoint xen_gpumem:$ev"
done
if [ "$bench_nr" -lt "$big" ] || [ "${grant_nr:-0}" -lt "$big" ]; then
	bad "the domU's bench window has $bench_nr pages and $grant_nr for grants, not $big"
fi
# gm_run THP: gpumem's MAP_VA of $big pages of anonymous memory, with
# dom0's transparent huge pages set to THP (always: 2 MiB pages, which a
# PVH dom0 has machine-contiguous, so MAP makes 2 MiB entries; never: 4k
# pages), the domU's read, then the revoke by munmap; the figures in
# gm_<THP>, "<map ns> <extents> <calls> <2M> <4k> <read ns> <revoke ns>
# <extents> <calls>".
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp0=$(sed 's/.*\[\(.*\)\].*/\1/' "$thp")
gm_run() {
	echo "$1" > "$thp" || bad "transparent huge pages: $1"
	dm_start
	hc_quiet
	dm map "$bench_gfn" "$big" 0x40
	expect "MAP_VA of $((big / 256)) MiB (THP $1)" "${reply%% region*}" "ok map"
	dm elapsed
	m=${reply#ok elapsed }
	calls gpumem_map
	m="$m $ext $calls"
	hc_quiet
	lent
	touch_win 40 "$big"
	hc_quiet
	[ "$touch_bad" = 0 ] && [ "$hc_faults" = 0 ] &&
		ok "MAP_VA (THP $1): the domU read every page of the $((big / 256)) MiB, no fault" ||
		bad "MAP_VA (THP $1): $touch_bad pages wrong, $hc_faults faults"
	m="$m $lent_2m $lent_4k $touch_ns"
	dm munmap
	dm elapsed
	m="$m ${reply#ok elapsed }"
	calls gpumem_revoke
	m="$m $ext $calls"
	hc_quiet
	lent
	[ "$lent_2m" = 0 ] && [ "$lent_4k" = 0 ] &&
		ok "munmap (THP $1) revoked every lent entry" ||
		bad "after munmap (THP $1): $lent_2m 2M and $lent_4k 4k entries left"
	dm close
	dm_stop
	eval "gm_$1=\"\$m\""
}
gm_run always
gm_run never
echo "$thp0" > "$thp"

echo "$big" > /sys/module/xen_gntalloc/parameters/limit ||
	bad "xen_gntalloc's limit"
rm -f /tmp/ga.in /tmp/ga.out
mkfifo /tmp/ga.in
: > /tmp/ga.out
gntalloc-bench /tmp/refs < /tmp/ga.in > /tmp/ga.out 2>&1 &
ga_pid=$!
exec 4> /tmp/ga.in
# ga CMD: one command to gntalloc-bench, its answer in $reply.
ga_lines=0
ga() {
	echo "$*" >&4
	ga_lines=$((ga_lines + 1))
	k=0
	while [ "$(wc -l < /tmp/ga.out)" -lt "$ga_lines" ]; do
		k=$((k + 1))
		[ "$k" -le 1200 ] || { reply="(no answer)"; break; }
		sleep 0.1
	done
	[ "$k" -gt 1200 ] || reply=$(sed -n "${ga_lines}p" /tmp/ga.out)
	echo "gntalloc-bench $*: $reply"
}
gt
gt_d0a=$gt_d0 gt_mta=$gt_mt
ga alloc "$domid" "$big" 0x50
set -- $reply
gr_alloc=0 gr_ranges=0
if [ "$1 $2" = "ok alloc" ]; then
	gr_alloc=$3 gr_ranges=$4
	ok "gntalloc: $big grants to d$domid, references in $gr_ranges range(s)"
else
	bad "gntalloc: $reply"
fi
xenstore-write "$dir/refs" "$(cat /tmp/refs)" ||
	bad "xenstore-write of $gr_ranges ranges of references"
gr_map=0 gr_read=0 gr_calls=0 gr_un=0 gr_ucalls=0
if domu gmap 50 "$big"; then
	set -- $answer		# gmap <pages> <map ns> <read ns> <bad> <calls> <failed>
	gr_map=$3 gr_read=$4 gr_calls=$6
	[ "$2" = "$big" ] && [ "$5" = 0 ] && [ "$7" = 0 ] &&
		ok "grants: the domU mapped and read every page of the $((big / 256)) MiB" ||
		bad "grants: $2 pages mapped, $5 wrong, $7 maps failed"
	if domu gunmap; then
		set -- $answer	# gunmap <pages> <ns> <calls> <failed>
		gr_un=$3 gr_ucalls=$4
		[ "$2" = "$big" ] && [ "$5" = 0 ] &&
			ok "grants: the domU unmapped every page" ||
			bad "grants: $2 pages unmapped, $5 failed"
	fi
fi
gt
ga dealloc
set -- $reply
gr_munmap=${3:-0} gr_dealloc=${4:-0}
[ "$1 $2" = "ok dealloc" ] && ok "gntalloc: grants ended" ||
	bad "gntalloc dealloc: $reply"
exec 4>&-
wait "$ga_pid"
gr_total=$((gr_alloc + gr_map + gr_read))
gr_rv=$((gr_un + gr_munmap + gr_dealloc))
grants="grants $(ms "$gr_total") ms (dom0's gntalloc ALLOC_GREF $(ms "$gr_alloc") ms: its pages allocated and $big grant entries written, references in $gr_ranges range(s); the domU's map $(ms "$gr_map") ms: $big grant maps in $gr_calls GNTTABOP_map_grant_ref hypercalls of up to 512, a 4k p2m entry each; its read $(ms "$gr_read") ms; per debug key 'g', dom0's grant table grew from $gt_d0a to $gt_d0 frames, one XENMEM_add_to_physmap each, and the domU's maptrack from $gt_mta to $gt_mt frames)"
for t in always never; do
	eval "set -- \$gm_$t"
	gm_total=$(($1 + $6))
	echo "bench: $((big / 256)) MiB of dom0 memory until the domU has read every page (reference Xen, PVH domU, $big pages, dom0's THP $t): gpumem $(ms "$gm_total") ms (dom0's MAP_VA $(ms "$1") ms: buffer made before, untimed; $2 extents in $3 hypercall(s), $4 2M + $5 4k lent entries per debug key 'Y'; the domU's read $(ms "$6") ms); $grants; ratio grants/gpumem $(ratio "$gr_total" "$gm_total")"
	echo "bench: taking the same $((big / 256)) MiB back (dom0's THP $t): gpumem's revoke by munmap $(ms "$7") ms ($8 extents in $9 hypercall(s), the pages freed with it); ungranting $(ms "$gr_rv") ms (the domU's unmap $(ms "$gr_un") ms in $gr_ucalls GNTTABOP_unmap_grant_ref hypercalls, dom0's munmap $(ms "$gr_munmap") ms and DEALLOC_GREF $(ms "$gr_dealloc") ms); ratio $(ratio "$gr_rv" "$7")"
done

hnr=16384		# 64 MiB
echo "=== bench: MAP of $((hnr / 256)) MiB of dom0 huge pages (2 MiB-contiguous): at an aligned GFN (2 MiB entries) against an unaligned one (4k entries)"
echo $((hnr / 512 + 8)) > /proc/sys/vm/nr_hugepages
echo "dom0 huge pages: $(cat /proc/sys/vm/nr_hugepages)"
dm_start
for at in 0 1; do
	g=$(printf '%#x' $((bench_gfn + at)))
	hc_quiet
	dm maphuge "$g" "$hnr" 0x60
	expect "MAP_VA of $((hnr / 256)) MiB of huge pages at gfn $g" "${reply%% region*}" "ok map"
	dm elapsed
	h_map=${reply#ok elapsed }
	calls gpumem_map
	h_ext=$ext h_calls=$calls
	hc_quiet
	lent
	h_2m=$lent_2m h_4k=$lent_4k
	dm munmap
	dm elapsed
	h_rv=${reply#ok elapsed }
	calls gpumem_revoke
	h_rext=$ext h_rcalls=$calls
	hc_quiet
	dm unmap
	eval "h${at}=\"\$h_map \$h_ext \$h_calls \$h_2m \$h_4k \$h_rv \$h_rext \$h_rcalls\""
done
dm close
dm_stop
# shellcheck disable=SC2086 # the fields, split on purpose
set -- $h0 $h1
[ "$4" = $((hnr / 512)) ] && [ "$5" = 0 ] &&
	ok "aligned: $4 2 MiB entries" || bad "aligned: $4 2M and $5 4k entries"
[ "${12}" = 0 ] && [ "${13}" = "$hnr" ] &&
	ok "unaligned: $hnr 4k entries" || bad "unaligned: ${12} 2M and ${13} 4k entries"
echo "bench: MAP_VA of $((hnr / 256)) MiB of dom0 huge pages (reference Xen, PVH domU): at a 2 MiB-aligned GFN $(ms "$1") ms ($2 extents in $3 hypercall(s), $4 2M + $5 4k lent entries), at GFN+1 $(ms "$9") ms (${10} extents in ${11} hypercall(s), ${12} 2M + ${13} 4k lent entries), ratio $(ratio "$9" "$1"), entries $(ratio $((${12} + ${13})) $(($4 + $5)))x fewer; revoke by munmap $(ms "$6") ms ($7 extents in $8 hypercall(s)) against $(ms "${14}") ms (${15} extents in ${16} hypercall(s)), ratio $(ratio "${14}" "$6")"

snr=16384		# 64 MiB
sgfn=$sbench_gfn	# what the domU set aside (0: nothing)
[ "$((sgfn))" != 0 ] || bad "the domU set no $snr pages aside for STEAL"
echo "=== bench: STEAL+RETURN of $((snr / 256)) MiB of the domU's RAM (gfn $sgfn) against dom0's foreign mapping of the same pages (privcmd; Xen holds a reference to each page while mapped)"
dm_start
hc_quiet
dm steal "$sgfn" "$snr"
expect "STEAL of $((snr / 256)) MiB" "${reply%% *}" "ok"
dm elapsed
st_ns=${reply#ok elapsed }
st_ext=$(grep -c 'gpumem_hv_extent: steal .* rc 0$' "$tracefs/trace")
hc_quiet
domu sread && ok "the domU still reads its own pages: $answer" || bad "sread"
dm return
expect "RETURN of $((snr / 256)) MiB" "$reply" "ok return"
dm elapsed
rt_ns=${reply#ok elapsed }
rt_ext=$(grep -c 'gpumem_hv_extent: return .* rc 0$' "$tracefs/trace")
hc_quiet
dm close
dm_stop
gpumem-xmap --domid "$domid" "$sgfn" "$snr" > /tmp/xmap.out 2>&1 &
xmap_pid=$!
started "$xmap_pid" /tmp/xmap.out '^xmap: d' "gpumem-xmap of $snr pages" 3000
xm_ns=$(sed -n 's/^xmap: d.* pages in \([0-9]*\) ns$/\1/p' /tmp/xmap.out)
kill "$xmap_pid"
k=0
while kill -0 "$xmap_pid" 2>/dev/null && [ "$k" -lt 3000 ]; do
	k=$((k + 1))
	sleep 0.1
done
wait "$xmap_pid" && ok "gpumem-xmap: $snr pages foreign-mapped and unmapped" ||
	bad "gpumem-xmap: exit $?: $(cat /tmp/xmap.out)"
xu_ns=$(sed -n 's/^xmap: unmapped in \([0-9]*\) ns$/\1/p' /tmp/xmap.out)
xm_ns=${xm_ns:-0} xu_ns=${xu_ns:-0}
echo "bench: $((snr / 256)) MiB of the domU's RAM for dom0 (reference Xen, PVH domU): STEAL $(ms "$st_ns") ms + RETURN $(ms "$rt_ns") ms ($st_ext and $rt_ext extents) against a foreign mapping (xenforeignmemory_map, one XENMEM_add_to_physmap_range a page in a PVH dom0) $(ms "$xm_ns") ms + its unmap (one XENMEM_remove_from_physmap a page) $(ms "$xu_ns") ms; ratio $(ratio $((xm_ns + xu_ns)) $((st_ns + rt_ns)))"
echo "=== bench: end"
