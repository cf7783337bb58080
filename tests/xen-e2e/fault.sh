# Sourced by dom0's /init (tests/xen-e2e/dom0-init.sh) on a hypervisor with
# the gpumem ops, before the differential scenario: the fault loop
# (XEN_DMOP_gpumem_fault_range, IOREQ_TYPE_GPUMEM_FAULT) end to end.
# gpumem-ioreq --fault claims the domU's window W (nothing mapped) as a
# fault range and answers by its policy (tools/gpumem/gpumem-ioreq.c): a
# read of W+0 is mapped (its page of 0xf0) and retried, W+1 retried once
# with nothing mapped then mapped (0xf1), W+2 always retried with nothing
# mapped until Xen answers EMULATE itself after XEN_GPUMEM_FAULT_MAX_TRIES,
# W+3 answered EMULATE; a write is always mapped.  Not part of the
# differential scenario (hvsim has no fault loop of its own here).

if [ "$win_nr" -lt 4 ]; then
	echo "=== the fault loop: skipped (window of $win_nr pages, 4 needed)"
else
	echo "=== the fault loop: gpumem-ioreq --fault claims W = $win_gfn+$win_nr"
	ft0=$(cut -d' ' -f1 /proc/uptime)
	g() { printf %#x $((win_gfn + $1)); }
	gpumem-ioreq --domid "$domid" --fault "$win_gfn" "$win_nr" > /tmp/fault.out 2>&1 &
	fault_pid=$!
	k=0
	until grep -q '^ioreq: server' /tmp/fault.out; do
		k=$((k + 1))
		if [ "$k" -gt 50 ] || ! kill -0 "$fault_pid" 2>/dev/null; then
			bad "gpumem-ioreq --fault did not start: $(cat /tmp/fault.out)"
			break
		fi
		sleep 0.1
	done
	head -1 /tmp/fault.out
	rest=
	for _ in $(seq 5 "$win_nr"); do rest="$rest ffffffffffffffff"; done
	domu read
	expect "fault loop: the domU reads the server's pages at W+0 and W+1, W+2 and W+3 emulated (all-ones)" \
		"$answer" "read f0f0f0f0f0f0f0f0 f1f1f1f1f1f1f1f1 ffffffffffffffff ffffffffffffffff$rest"
	# fl PATTERN: the server's fault-range lines so far that match.
	fl() { grep -c "^fault-range $1" /tmp/fault.out; }
	expect "W+0: one fault, attempt 1, mapped and retried" \
		"$(fl "read gfn $(g 0) ")/$(fl "read gfn $(g 0) attempt 1: mapped, retry")" "1/1"
	expect "W+1: attempt 1 retried with nothing mapped, attempt 2 mapped" \
		"$(fl "read gfn $(g 1) attempt 1: nothing mapped, retry")/$(fl "read gfn $(g 1) attempt 2: mapped, retry")/$(fl "read gfn $(g 1) ")" "1/1/2"
	n2=$(fl "read gfn $(g 2) attempt [1-8]: nothing mapped, retry")
	expect "W+2: attempts 1..8 (XEN_GPUMEM_FAULT_MAX_TRIES) retried, then Xen emulates: the MMIO range's read" \
		"$n2/$(fl "read gfn $(g 2) ")/$(grep -c "^fault read gfn $(g 2) " /tmp/fault.out)" "8/8/1"
	expect "W+3: answered EMULATE once, then the MMIO range's read" \
		"$(fl "read gfn $(g 3) attempt 1: emulate")/$(fl "read gfn $(g 3) ")/$(grep -c "^fault read gfn $(g 3) " /tmp/fault.out)" "1/1/1"
	domu write 40
	expect "a write to W+2 and W+3 faults once each and is mapped; W+0 and W+1 are mapped already" \
		"$(fl "write gfn $(g 2) attempt 1: mapped, retry")/$(fl "write gfn $(g 3) attempt 1: mapped, retry")/$(fl "write gfn")/$(grep -c '^fault write' /tmp/fault.out)" "1/1/$((win_nr - 2))/0"
	domu read
	expect "the domU reads what it wrote, in the server's pages" \
		"$answer" "read $(pat 0x40 "$win_nr")"
	kill "$fault_pid"
	wait "$fault_pid"
	rc=$?
	sed 's/^/gpumem-ioreq --fault| /' /tmp/fault.out | grep -v '^gpumem-ioreq --fault| fault read gfn .* offset' | tail -40
	expect "gpumem-ioreq --fault exits 0 and releases its claim" \
		"$rc/$(grep -c '^ioreq: release of the fault range: ok' /tmp/fault.out)" "0/1"
	want=
	got=
	for i in $(seq 0 $((win_nr - 1))); do
		want="$want$(g "$i"):$(pat $((0x40 + i)) 1) "
		got="$got$(sed -n "s/^fault-range page gfn $(g "$i"): //p" /tmp/fault.out | sed "s/^/$(g "$i"):/") "
	done
	expect "the server's own pages hold what the domU wrote" "$got" "$want"
	domu read
	expect "the server gone (claim released, its pages revoked), the window reads all-ones again" \
		"$answer" "read$ones"
	xl dmesg | grep 'gpumem: gfn' | tail -2
	echo "fault loop: $(grep -cE '^fault-range (read|write|exec) ' /tmp/fault.out) fault-range lines, $(awk -v t0="$ft0" '{ printf "%.1f", $1 - t0 }' /proc/uptime) s"
fi
