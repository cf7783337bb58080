#!/bin/busybox sh
# /init of the domU that scripts/xen-e2e.sh creates: load gpumem_domu with
# the parameters given on the kernel command line (gpumem_domu.gfn=...),
# then stay up; dom0 drives the module through xenstore.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
params=$(tr " " "\n" < /proc/cmdline | sed -n "s/^gpumem_domu\.//p" | tr "\n" " ")
# An HVM domain of scripts/xen-e2e.sh --qemu: the window is BAR2 (the
# shared memory) of the ivshmem-plain device, wherever hvmloader put it.
if grep -q gpumem_e2e.ivshmem /proc/cmdline; then
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1110 ] || continue
		set -- $(sed -n 3p "$d/resource")
		echo "=== domU: ivshmem-plain at ${d##*/}, BAR2 $1-$2"
		params="$params gfn=$(printf '%#x' $(($1 >> 12)))"
		# The differential's guest half, through /dev/mem as any
		# program would: what the first 4 pages hold, then a word of
		# ours at offset 8 of each, which the host reads back.
		for i in 0 1 2 3; do
			a=$(($1 + i * 4096))
			echo "T: guest reads BAR2 page $i: $(devmem "$a" 64)"
			devmem $((a + 8)) 64 $(((0x30 + i) * 0x0101010101010101))
		done
		echo "T: guest wrote BAR2"
	done
	# Plain QEMU, no Xen (scripts/xen-e2e.sh --qemu's differential): done.
	[ "$(cat /sys/hypervisor/type 2> /dev/null)" = xen ] || poweroff -f
fi
echo "=== domU: $(uname -r), $(sed -n 's/MemTotal: *//p' /proc/meminfo) RAM; insmod gpumem_domu.ko $params"
# shellcheck disable=SC2086
insmod /gpumem_domu.ko $params
echo "domU insmod: exit $?"
while :; do sleep 3600; done
