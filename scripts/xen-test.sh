#!/usr/bin/env bash
# The real-Xen boot: Debian's Xen 4.17 hypervisor (xen-hypervisor-4.17-amd64,
# fetched with apt-get download and unpacked into the cache, not installed)
# boots Debian's 6.12 kernel as a PVH dom0 under QEMU TCG; the initramfs
# loads xen-gpumem.ko with its real backend (backend=xen) and asks for a
# frontend.  No released Xen implements the gpumem ops and no domU exists,
# so the module must load, take (and give back) a landing slot from
# xen_alloc_unpopulated_pages(), probe the hypervisor through real dm_op
# hypercalls, answer BIND with "no such domain", and leave the system
# healthy: no splat, the device still answering afterwards.
#
# QEMU: -machine q35 -device intel-iommu,intremap=on -cpu max,-rdtscp,-pku
# -smp 1 with Xen args dom0=pvh iommu=1 spec-ctrl=eager-fpu (one CPU and
# eager FPU: scripts/xen-boot.sh).  PKU must be off: with it, Xen 4.17 under
# TCG hands dom0 a signal frame its init cannot return from (measured:
# busybox dies in rt_sigreturn, "bad frame").
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem);
#                      everything goes to $XEN_GPUMEM_CACHE/xen
#   KVER               dom0 kernel release (default: the newest 6.12 headers)
#   BOOT_TIMEOUT       seconds QEMU may run per boot (default 300)
#   XEN_TEST_TRIES     boots allowed when TCG breaks one (default 4; see
#                      scripts/xen-boot.sh)
#   XEN_ELF            boot this hypervisor ELF instead of Debian's, e.g.
#                      the reference Xen of scripts/xen-build.sh; --patched
#                      builds that one (or reuses its cache) and boots it
#   QEMU_ACCEL, QEMU_CPU, DOM0_APPEND  see scripts/xen-boot.sh
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" xen-test

hold xen
work=$cache/xen
boot_timeout=${BOOT_TIMEOUT:-300}
t_all=$(date +%s.%N)

# 0. The hypervisor.
mkdir -p "$work"
# shellcheck source=scripts/xen-boot.sh
. "$top/scripts/xen-boot.sh"
xen_hypervisor "${1:-}"

# 1-3. Module, tools, initramfs (from the packages, the module as DKMS
# built it): the module alone, real backend.
GUEST_MODULES=()
# shellcheck source=scripts/guest-image.sh
. "$top/scripts/guest-image.sh" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "=== dom0: $(uname -r), hypervisor $(cat /sys/hypervisor/type 2>/dev/null) $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)"
echo "=== insmod xen-gpumem.ko (backend=xen)"
insmod /lib/modules/xen-gpumem.ko
echo "insmod: exit $?"
echo "=== gpumem info --domid 1 (no such domain)"
gpumem info --domid 1
echo "gpumem info: exit $?"
echo "=== gpumem info --domid 1, again: the device still answers"
gpumem info --domid 1
echo "gpumem info: exit $?"
echo "=== rmmod xen-gpumem"
rmmod xen-gpumem
echo "rmmod: exit $?"
echo "=== module log"
dmesg | grep -E 'xen_gpumem|xen-gpumem'
echo "=== done"
poweroff -f
EOF

# 4. Xen, then dom0, under TCG.
dom0_mem=1024M
tries=${XEN_TEST_TRIES:-4}
xen_boot xen-test

# 5. The verdict.
sed -n '/^=== dom0/,/^=== done/p' "$log" | sed 's/^/  /'
grep -q '^insmod: exit 0' "$log" || fail "xen-gpumem did not load"
grep -q 'xen:xen_gpumem: /dev/xen/gpumem ready, xen backend' "$log" ||
	fail "no load line of the xen backend"
grep -q 'xen:xen_gpumem: landing slots from unpopulated memory' "$log" ||
	fail "no landing slot from xen_alloc_unpopulated_pages()"
[ "$(grep -c '^gpumem: BIND d1: no such domain' "$log")" -eq 2 ] ||
	fail "BIND of a missing domain did not answer ESRCH twice"
grep -q '^rmmod: exit 0' "$log" || fail "xen-gpumem did not unload"
# dom0's splats; Xen's own lines are judged apart (it warns that PVH dom0
# is experimental, which is not a failure).
if grep -v '^(XEN)' "$log" | xen_kernel_splat >&2; then
	fail "kernel splat in $log"
fi
echo "xen-test: $xen_what booted $(basename "$vmlinuz") as PVH dom0; xen-gpumem loaded with the real backend, took a landing slot from unpopulated memory, BIND answered ESRCH through the hypervisor, unloaded cleanly"
echo "xen-test: times: module ${t_module}s, tools ${t_tools}s, initramfs ${t_initramfs}s, Xen+dom0 boot and checks ${t_boot}s, total $(took "$t_all")s"
