# Helpers of the differential scenario (tests/scenario/scenario.sh), shared
# by both sides: dom0's /init on a real Xen (tests/xen-e2e/dom0-init.sh) and
# the distro-kernel guest's /init with hvsim (scripts/distro-test.sh).
#
# The side defines: ok, bad (verdict lines), fe OP [BYTE] (the frontend's
# access, setting $items), fe_inc start|stop (the frontend's loop of locked
# increments of the 32-bit counter at W+0; stop sets $inc_done, the
# increments done), fe_destroy (the frontend's end), fe_xmap GFN /
# fe_xunmap and fe_gmap GFN / fe_gunmap (dom0's foreign mapping of, and
# its mapping of the frontend's grant of, a frontend page), and domid,
# win_gfn, win_nr, steal_gfn, steal_nr.  Every line the two sides must
# print identically starts with "T: " (the transcript); scripts/diff-test.sh
# compares them.

# pat BYTE PAGES: the first 8 bytes of pages filled with BYTE + page.
pat() {
	p=
	for x in $(seq 0 $(($2 - 1))); do
		b=$(printf %02x $((($1 + x) & 255)))
		p="$p${p:+ }$b$b$b$b$b$b$b$b"
	done
	echo "$p"
}
# rep WORD N: WORD N times.
rep() {
	r=
	for _ in $(seq "$2"); do r="$r${r:+ }$1"; done
	echo "$r"
}
expect() {	# expect WHAT GOT WANT
	[ "$2" = "$3" ] && ok "$1" || bad "$1: got '$2', want '$3'"
}

# The device model: `gpumem dm` (tools/gpumem) reading commands from a FIFO;
# dm CMD sends one and puts its answer line in $reply.
dm_start() {
	rm -f /tmp/dm.in /tmp/dm.out
	mkfifo /tmp/dm.in
	gpumem dm --domid "$domid" < /tmp/dm.in > /tmp/dm.out 2>&1 &
	dm_pid=$!
	exec 3> /tmp/dm.in
	dm_lines=0
	dm_next && echo "dm: $reply"
}
dm_next() {
	dm_lines=$((dm_lines + 1))
	k=0
	while [ "$(wc -l < /tmp/dm.out)" -lt "$dm_lines" ]; do
		k=$((k + 1))
		[ "$k" -le 200 ] || { reply="(no answer)"; return 1; }
		sleep 0.1
	done
	reply=$(sed -n "${dm_lines}p" /tmp/dm.out)
}
dm() {
	echo "$*" >&3
	dm_next
	echo "dm $*: $reply"
}
dm_stop() {
	exec 3>&-
	wait "$dm_pid"
	echo "dm: exit $?"
}

# The transcript.
t() { echo "T: $*"; }

# sym GFN: W+i inside the window's 64 GFNs, S+i inside the frontend's
# buffer, else the number: the two sides place the buffer differently.
sym() {
	g=$(($1))
	if [ "$g" -ge $((win_gfn)) ] && [ "$g" -lt $((win_gfn + 64)) ]; then
		echo "W+$((g - win_gfn))"
	elif [ "$g" -ge $((steal_gfn)) ] && [ "$g" -lt $((steal_gfn + steal_nr)) ]; then
		echo "S+$((g - steal_gfn))"
	else
		printf '%#x\n' "$g"
	fi
}

# Hypercall extents, from the module's tracepoint xen_gpumem:gpumem_hv_extent:
# every extent a call applied (rc 0), one transcript line per GFN; and the
# extent a failed call stopped at, one line at its first GFN (the two sides
# may cut extents differently) with the call's error and the extent's status
# as the hypervisor left it (untouched when it refused the whole call).
tracefs=/sys/kernel/tracing
hc_start() {
	mount -t tracefs nodev "$tracefs" 2>/dev/null
	echo 0 > "$tracefs/tracing_on"
	echo > "$tracefs/trace"
	echo 1 > "$tracefs/events/xen_gpumem/gpumem_hv_extent/enable" ||
		bad "no tracepoint xen_gpumem:gpumem_hv_extent"
	echo 1 > "$tracefs/events/xen_gpumem/gpumem_fault/enable" ||
		bad "no tracepoint xen_gpumem:gpumem_fault"
	echo 1 > "$tracefs/tracing_on"
}
# hc: the extents since the last hc, one transcript line per GFN, and the
# faults the module served in the kernel (xen_gpumem:gpumem_fault), one
# line each with the GFN, the attempt and the answer (the vCPU and the
# access bits are the hardware's: SVM reports every fault as a read).
hc() {
	sed -n 's/.*\(gpumem_hv_extent\|gpumem_fault\): /\1 /p' "$tracefs/trace" > /tmp/hc
	echo > "$tracefs/trace"
	while read -r ev line; do
		# shellcheck disable=SC2086 # the fields, split on purpose
		set -- $line
		if [ "$ev" = gpumem_fault ]; then
			# d<domid> gfn G access A vcpu V attempt N rc R
			t "  fault $1 $(sym "$3") attempt $9 rc ${11}"
			continue
		fi
		# <op> d<domid> gfn <first>+<nr> flags F status S rc R
		op=$1 d=$2 run=$4 flags=$6 status=$8 rc=${10}
		g=${run%+*}
		if [ "$rc" != 0 ]; then
			t "  $op $d $(sym "$g") stopped the call: rc $rc, status $status"
			continue
		fi
		i=0
		while [ "$i" -lt "${run#*+}" ]; do
			t "  $op $d $(sym $((g + i))) flags $flags status $status"
			i=$((i + 1))
		done
	done < /tmp/hc
}
# hc_quiet: forget the extents since the last hc, where their order depends
# on timing; $hc_faults: the faults served in the kernel among them.
hc_quiet() {
	hc_faults=$(grep -c 'gpumem_fault: .* rc 0$' "$tracefs/trace" || true)
	echo > "$tracefs/trace"
}

# D LABEL CMD...: a device-model command; LABEL names it in the transcript.
D() {
	label=$1
	shift
	dm "$@"
	t "dm $label: $reply"
	hc
}
# F OP [BYTE]: a frontend access; $items is what it saw, page by page.
F() {
	fe "$@"
	t "fe $*: $items"
	hc
}
