# Sourced by tests/xen-e2e/dom0-init.sh in scripts/xen-e2e.sh --qemu: the
# domU is an HVM guest (tests/xen-e2e/domu-hvm.cfg) whose device model is
# the project's QEMU, with an ivshmem-plain device on /run/ivshmem, a file
# of dom0's tmpfs.  QEMU lends that memory to the guest with MAP_VA at
# BAR2's GFNs; the guest's gpumem_domu.ko reads and writes BAR2 (its
# window); the reference Xen's debug key 'Y' says what is lent.
#   qemu_prepare    before xl create: the file, with pattern a0
#   qemu_scenario   once gpumem_domu is ready: the checks, then xl destroy

qemu_file=/run/ivshmem
qemu_log=/var/log/xen/qemu-dm-domu.log

. /etc/xen-e2e-ivshmem.sh

# qemu_fill BYTE: the first 8 bytes of page i of the file become BYTE + i.
qemu_fill() {
	ivshmem_fill "$qemu_file" "$1" "$win_nr"
}

# qemu_expect BYTE: gpumem_domu's answer to "read" once the guest's window
# shows what qemu_fill BYTE wrote (or what its "write BYTE" did).
qemu_expect() {
	expect="read"
	for i in $(seq 0 $((win_nr - 1))); do
		x=$(printf '%02x' $((($1 + i) & 255)))
		expect="$expect $x$x$x$x$x$x$x$x"
	done
}

# qemu_file_pages: the first 8 bytes of each page of the file, in that form.
qemu_file_pages() {
	pages="read"
	for i in $(seq 0 $((win_nr - 1))); do
		pages="$pages $(ivshmem_word "$qemu_file" "$i" 0)"
	done
}

# qemu_traces EVENT: how many EVENT lines QEMU's log holds.
qemu_traces() {
	grep -c "$1" "$qemu_log"
}

qemu_prepare() {
	echo "=== QEMU: /run/ivshmem, 4 MiB, pattern a0 in its first $DOMU_NR pages"
	win_nr=$DOMU_NR
	truncate -s 4M "$qemu_file" || bad "truncate $qemu_file"
	qemu_fill 0xa0
}

qemu_scenario() {
	echo "=== QEMU: the device model of d$domid"
	qpid=$(pidof qemu-system-i386)
	[ -n "$qpid" ] && ok "QEMU runs (pid $qpid): $(tr '\0' ' ' < "/proc/$qpid/cmdline" | cut -c1-160)..." ||
		bad "no qemu-system-i386 process"
	grep 'xen_gpumem' "$qemu_log"
	bar=$(printf '%#x' $((win_gfn << 12)))
	grep -q "xen_gpumem_bound domid $domid " "$qemu_log" &&
		ok "QEMU bound d$domid with libgpumem" || bad "no xen_gpumem_bound of d$domid"
	grep -q "xen_gpumem_fault_window 0xf0000000 size 0xc000000" "$qemu_log" &&
		ok "QEMU enabled its fault window" || bad "no xen_gpumem_fault_window"
	grep -q "xen_gpumem_map .* $bar size 0x400000 ro 0 region " "$qemu_log" &&
		ok "QEMU lent ivshmem's BAR2 ($bar, 4 MiB) with MAP_VA" ||
		bad "no xen_gpumem_map of BAR2 at $bar"
	if lent "$domid" && echo "$lent_line" | grep -q ": 1024 lent GFNs:"; then
		ok "Xen: $lent_line"
	else
		bad "Xen's lent entries of d$domid: '$lent_line'"
	fi

	echo "=== the differential: what the guest wrote through /dev/mem at boot"
	ivshmem_host_reads "$qemu_file"
	echo "=== the guest reads BAR2: dom0's bytes"
	populated=$(qemu_traces xen_gpumem_populate)
	faults=$(qemu_traces xen_gpumem_fault\ )
	qemu_expect 0xa0
	domu read && [ "$answer" = "$expect" ] &&
		ok "the guest reads what dom0 wrote into the file" ||
		bad "guest read '$answer', expected '$expect'"
	domu write 0x5a
	qemu_file_pages
	qemu_expect 0x5a
	[ "$pages" = "$expect" ] && ok "dom0 reads what the guest wrote: $pages" ||
		bad "file after the guest's write: '$pages', expected '$expect'"
	[ "$(qemu_traces xen_gpumem_populate)" = "$populated" ] &&
		[ "$(qemu_traces xen_gpumem_fault\ )" = "$faults" ] &&
		ok "no access reached QEMU (no POPULATE, no fault record)" ||
		bad "QEMU served accesses to lent memory"

	echo "=== dom0 truncates the file: revoke; the guest's access is served in the kernel"
	truncate -s 0 "$qemu_file" && truncate -s 4M "$qemu_file" ||
		bad "truncate $qemu_file"
	if lent "$domid" && [ -z "$lent_line" ]; then
		ok "Xen: d$domid has nothing lent (the driver revoked on QEMU's invalidated mapping)"
	else
		bad "Xen's lent entries of d$domid after the truncate: '$lent_line'"
	fi
	qemu_fill 0xc0
	qemu_expect 0xc0
	domu read && [ "$answer" = "$expect" ] &&
		ok "the guest reads dom0's new bytes after the revoke" ||
		bad "guest read '$answer' after the revoke, expected '$expect'"
	[ "$(qemu_traces xen_gpumem_populate)" = "$populated" ] &&
		[ "$(qemu_traces xen_gpumem_fault\ )" = "$faults" ] &&
		ok "the faults were served in the kernel (none reached QEMU)" ||
		bad "QEMU served the faults after the revoke"
	# The first fault maps ahead the empty 2 MiB block around it, which
	# holds every page the guest read: 512 entries, no more faults.
	if lent "$domid" && echo "$lent_line" | grep -q ": 512 lent GFNs:"; then
		ok "Xen, after the faults: $lent_line"
	else
		bad "d$domid after the guest's read: '$lent_line', want 512 lent GFNs"
	fi
	dmesg | grep -E 'xen_gpumem|xen-gpumem' | tail -3

	echo "=== device_del ivs0"
	# The guest's PCI enumeration toggled BAR2's decoding at boot: each
	# toggle mapped a new region and unmapped it.  Wait for the unmap of
	# the region lent now (the last map's), not an earlier one.
	region=$(grep "xen_gpumem_map .* $bar size 0x400000 " "$qemu_log" |
		tail -1 | sed 's/.* region //')
	xl qemu-monitor-command "$domid" "device_del ivs0"
	k=0
	until grep -q "xen_gpumem_unmap $bar size 0x400000 region $region: 0" "$qemu_log"; do
		k=$((k + 1))
		[ "$k" -le 600 ] || break
		sleep 0.1
	done
	grep -q "xen_gpumem_unmap $bar size 0x400000 region $region: 0" "$qemu_log" &&
		ok "QEMU unmapped BAR2 (region $region) when the guest ejected the device" ||
		bad "no xen_gpumem_unmap of BAR2 in 60 s"
	if lent "$domid" && [ -z "$lent_line" ]; then
		ok "Xen: d$domid has nothing lent after device_del"
	else
		bad "Xen's lent entries of d$domid after device_del: '$lent_line'"
	fi

	echo "=== xl destroy $domid: QEMU exits"
	xl destroy "$domid" && ok "xl destroy" || bad "xl destroy"
	k=0
	while kill -0 "$qpid" 2> /dev/null; do
		k=$((k + 1))
		[ "$k" -le 100 ] || break
		sleep 0.1
	done
	kill -0 "$qpid" 2> /dev/null && bad "QEMU (pid $qpid) still runs" ||
		ok "QEMU exited"
}
