#!/usr/bin/env bash
# The distro-kernel suite, from the project's packages (scripts/debs.sh):
# xen-gpumem.ko built out of tree against Debian's 6.12 headers from the
# sources xen-gpumem-dkms ships (a test build, HVSIM=y), loaded with
# backend=hvsim into Debian's own kernel image (/boot/vmlinuz-$KVER) under
# QEMU (TCG), with udmabuf, vgem and a bochs display (bochs DRM driver: GEM
# VRAM helper, TTM) as real exporters; gpumem-tools and libgpumem0 as apt
# installed them (gpumem, gpumem_test, libgpumem.so.0), and the selftests of
# tools/testing/selftests/xen-gpumem (what needs real syscalls: madvise,
# mprotect, mremap, fork), run from a busybox initramfs.
#
# Fails unless every TAP case is ok (none skipped), the module's load lines
# are in the log, and the log holds no kernel splat.
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem);
#                      everything goes to $XEN_GPUMEM_CACHE/distro
#   KVER               kernel release (default: the newest 6.12 headers)
#   HVSIM_RAM          frontend RAM pages (default 4096)
#   BOOT_TIMEOUT       seconds QEMU may run (default 600)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" distro-test

hold distro
work=$cache/distro
hvsim_ram=${HVSIM_RAM:-4096}
boot_timeout=${BOOT_TIMEOUT:-600}
t_all=$(date +%s.%N)
stamp=$("$top/scripts/tree-stamp.sh")

# 1-3. Module, tools, initramfs with the real exporters' drivers.
GUEST_MODULES=(bochs vgem)
GUEST_HVSIM=y
# shellcheck source=scripts/guest-image.sh
. "$top/scripts/guest-image.sh" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
for m in \$(cat /modules.list); do
	insmod /lib/modules/\$m.ko || echo "init: insmod \$m failed"
done
t0=\$(cut -d' ' -f1 /proc/uptime)
insmod /lib/modules/xen-gpumem.ko backend=hvsim hvsim_ram=$hvsim_ram ||
	echo "init: insmod xen-gpumem failed"
echo "init: modules loaded at \$t0 s: \$(cat /modules.list | tr '\n' ' ')xen-gpumem"
echo "=== gpumem info"
gpumem info
echo "=== gpumem_test (started at \$(cut -d' ' -f1 /proc/uptime) s)"
/usr/lib/xen-gpumem/gpumem_test > /tmp/tap 2>&1
rc=\$?
echo "=== TAP begin"
cat /tmp/tap
echo "=== TAP end: exit \$rc at \$(cut -d' ' -f1 /proc/uptime) s"
echo "=== selftests begin"
gpumem_mm_test 2>&1
echo "=== selftests end: exit \$?"
echo "=== gpumem p2m (runs other than the frontend's own RAM)"
gpumem p2m | grep -v ' ram  '
echo "=== gpumem stats"
gpumem stats
echo "=== differential scenario, hvsim side"
. /etc/gpumem/hvsim.sh
echo "=== done"
poweroff -f
EOF

# 4. Boot Debian's kernel under TCG (KVM hangs on this project's machines).
t=$(now)
log=$work/serial.log
rc=0
timeout "$boot_timeout" qemu-system-x86_64 -accel tcg -m 1024 -smp 2 \
	-kernel "$vmlinuz" -initrd "$initramfs" \
	-append "console=ttyS0 panic=-1 rdinit=/init" \
	-vga none -device bochs-display,vgamem=16M \
	-display none -serial file:"$log" -monitor none -no-reboot ||
	rc=$?
t_boot=$(took "$t")
[ "$rc" -eq 124 ] && fail "QEMU timed out after ${boot_timeout}s (log: $log)"
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc (log: $log)"
tr -d '\r' < "$log" > "$log.txt"
log=$log.txt

# 5. The verdict.
echo "distro-test: module log lines:"
grep -E 'xen_gpumem|xen-gpumem' "$log" | grep -v '^init:' | sed 's/^/  /' || true
grep -q 'xen:xen_gpumem: /dev/xen/gpumem ready, hvsim backend' "$log" ||
	fail "no load line of the module in $log"
grep -q 'xen:xen_gpumem: hvsim: simulated hypervisor' "$log" ||
	fail "no hvsim line of the module in $log"
grep -E '^init: ' "$log" | sed 's/^/  /'
echo "distro-test: gpumem info:"
sed -n '/^=== gpumem info/,/^=== gpumem_test/p' "$log" | sed '1d;$d;s/^/  /'
tap=$(sed -n '/^=== TAP begin/,/^=== TAP end/p' "$log" | sed '1d;$d')
[ -n "$tap" ] || fail "no TAP output in $log"
echo "$tap"
sed -n '/^=== TAP end/p' "$log"
plan=$(echo "$tap" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
oks=$(echo "$tap" | grep -cE '^ok [0-9]+ - ' || true)
[ -n "$plan" ] || fail "no TAP plan"
if echo "$tap" | grep -E '^not ok|# SKIP' >&2; then
	fail "TAP: a case failed or was skipped"
fi
[ "$oks" -eq "$plan" ] || fail "TAP: $oks ok of $plan planned"
# The selftests (kselftest_harness.h): every case passed, none skipped.
kst=$(sed -n '/^=== selftests begin/,/^=== selftests end/p' "$log")
echo "$kst" | sed '1d;$d;s/^/  /'
echo "$kst" | grep -q '^=== selftests end: exit 0$' ||
	fail "selftests: gpumem_mm_test failed"
if echo "$kst" | grep -E '^not ok|# SKIP' >&2; then
	fail "selftests: a case failed or was skipped"
fi
kst_ok=$(echo "$kst" | grep -cE '^ok [0-9]+ ' || true)
[ "$kst_ok" -ge 6 ] || fail "selftests: $kst_ok cases ok, want 6"
splat='WARNING:|BUG:|Call Trace:|KASAN|UBSAN|lockdep|possible circular|Oops|general protection fault|Kernel panic|RCU stall|hung_task|blocked for more than'
if grep -nE "$splat" "$log" >&2; then
	fail "kernel splat in $log"
fi
grep -q '^=== done' "$log" || fail "/init did not finish"
# The hvsim side of the differential scenario: its checks, its transcript
# (compared with the reference Xen's by scripts/diff-test.sh).
grep -q '^=== scenario (hvsim): 0 failure(s)' "$log" ||
	{ grep -E '^FAIL: |^=== scenario' "$log" >&2; fail "the differential scenario failed on hvsim"; }
{ echo "# tree $stamp"; grep '^T: ' "$log"; } > "$work/scenario-hvsim.txt"
echo "distro-test: differential scenario on hvsim: $(grep -c '^ok: ' "$log") checks, $(grep -c '^T: ' "$log") transcript lines ($work/scenario-hvsim.txt)"
echo "distro-test: $oks/$plan cases ok, selftests $kst_ok ok, no splat, on $(basename "$vmlinuz")"
echo "distro-test: times: module ${t_module}s, tools ${t_tools}s, initramfs ${t_initramfs}s, QEMU boot+tests ${t_boot}s, total $(took "$t_all")s"
