# Sourced by dom0's /init (tests/xen-e2e/dom0-init.sh) for make xen-bench,
# in place of the scenario: the fault loop on the reference Xen, timed in
# the PVH domU (gpumem_domu's "touch" reads byte 0 of each page of its bench
# window in order, between two ktime_get_ns()).  Lines that start "bench: "
# are the figures, which scripts/xen-e2e.sh --bench puts in FIGURES.md.
# Under TCG the times are emulated: read the ratios, within this one run,
# and the counts, which are exact.

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
echo "=== bench: end"
