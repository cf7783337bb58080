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
echo "=== domU: $(uname -r), $(sed -n 's/MemTotal: *//p' /proc/meminfo) RAM; insmod gpumem_domu.ko $params"
# shellcheck disable=SC2086
insmod /gpumem_domu.ko $params
echo "domU insmod: exit $?"
while :; do sleep 3600; done
