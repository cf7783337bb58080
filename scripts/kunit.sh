#!/usr/bin/env bash
# The KUnit stage of `make test`: overlay the project onto Debian's Linux 6.12
# source, build a KUnit kernel with lockdep, KASAN and friends, run it under
# QEMU, and fail on any failed, crashed or missing test and on any kernel
# splat in the log.
#
# Cached outside the repo (XEN_GPUMEM_CACHE, default /var/cache/xen-gpumem):
# the unpacked tree and the build directory, so reruns are incremental.
# XEN_GPUMEM_KVM=auto|0|1 chooses KVM; auto uses it only if the kernel just
# built boots to its end under KVM within 20 s.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" kunit

hold linux-tree	# the Linux tree overlay.sh writes, and kunit-build
build=$cache/kunit-build
min_tests=${XEN_GPUMEM_MIN_TESTS:-40}
suites=(xen_gpumem_uapi xen_gpumem_hvsim xen_gpumem_xen xen_gpumem_xen_fault xen_gpumem_region
	xen_gpumem_dmabuf xen_gpumem_exporters xen_gpumem_ttm xen_gpumem_steal xen_gpumem_errno
	xen_gpumem_faults xen_gpumem_pagefault xen_gpumem_leaks)
t0=$(date +%s)

# 1. Debian's 6.12 source, unpacked once per package version.
src=$("$top/scripts/linux-tree.sh")

# 2. The project, in tree.
"$top/scripts/overlay.sh" "$src"

# 3. Build.
cd "$src"
kunit=(./tools/testing/kunit/kunit.py)
common=(--arch=x86_64 --kunitconfig=drivers/xen/gpumem
	--kunitconfig=drivers/xen/gpumem/tests/checks.kunitconfig
	--build_dir="$build")
rc=0
"${kunit[@]}" build "${common[@]}" --jobs="$(nproc)" 2>&1 | tee "$cache/kunit.out" ||
	rc=$?
[ "$rc" -eq 0 ] || { echo "kunit: FAIL: build" >&2; exit 1; }
# The project's own files compile without a warning (check.sh holds the
# module to W=1; this holds the tests to the kernel's default warnings).
if grep -E 'drivers/xen/gpumem/.*: warning:' "$cache/kunit.out" >&2; then
	echo "kunit: FAIL: compiler warnings in the project's files" >&2
	exit 1
fi

# The suites are tristate: as a module they could use only what the kernel
# and xen-gpumem export, so every symbol they take from outside their own
# objects must be in vmlinux's export table (CONFIG_MODULES is on for that).
# Two exceptions: the linker's table of built-in suites, which the leak
# suite reads only when built in (THIS_MODULE's table otherwise), and the
# keys of static calls (cond_resched()), which built-in code calls inline
# where a module calls their exported trampolines.
# The objects linked into this kernel, as the thin archive lists them: an
# object of a test file that is gone (the build directory is shared and
# incremental) is not one.
tests_o=$(cd "$build" && ar t drivers/xen/gpumem/tests/built-in.a | sed "s|^|$build/|")
[ -n "$tests_o" ] || fail "no test objects in $build/drivers/xen/gpumem/tests/built-in.a"
unexported=$(comm -23 \
	<(nm -u $tests_o | awk 'NF == 2 && $2 !~ /^__SCK__/ { print $2 }' | sort -u) \
	<({ nm --defined-only $tests_o | awk 'NF == 3 { print $3 }'
	    nm "$build/vmlinux" | sed -n 's/.* __ksymtab_//p'
	    printf '%s\n' __kunit_suites_start __kunit_suites_end; } | sort -u))
if [ -n "$unexported" ]; then
	echo "$unexported" >&2
	echo "kunit: FAIL: the tests use symbols no module could (above)" >&2
	exit 1
fi
echo "kunit: the tests use only exported symbols ($(nm -u $tests_o | awk 'NF == 2' | sort -u | wc -l) distinct): they can be a module"

# 4. KVM only behind a probe: the kernel just built must boot to its
#    no-root-filesystem panic under KVM within 20 s (on some hosts a KVM
#    guest hangs early in boot).  Otherwise TCG.
kvm_works() {
	[ -w /dev/kvm ] || return 1
	timeout 20 qemu-system-x86_64 -enable-kvm -cpu host -nodefaults \
		-m 512 -kernel "$build/arch/x86/boot/bzImage" \
		-append 'console=ttyS0 kunit.enable=0 panic=-1' -no-reboot \
		-nographic -serial stdio </dev/null 2>/dev/null |
		grep -q 'Kernel panic'
}
qemu_args=(-m 2048 -smp 2)
case ${XEN_GPUMEM_KVM:-auto} in
1) qemu_args+=(-enable-kvm -cpu host) ;;
0) ;;
*) if kvm_works; then qemu_args+=(-enable-kvm -cpu host); fi ;;
esac
accel=TCG
[[ " ${qemu_args[*]} " == *" -enable-kvm "* ]] && accel=KVM
echo "kunit: QEMU with $accel"

# 5. Run.  backend=hvsim also runs the module's init path; panic=-1 with
# kunit.py's -no-reboot ends QEMU at a crash instead of at the timeout.
"${kunit[@]}" exec "${common[@]}" --timeout=1800 \
	--kernel_args=xen_gpumem.backend=hvsim \
	--kernel_args=panic=-1 \
	--qemu_args="${qemu_args[*]}" 2>&1 | tee -a "$cache/kunit.out" || rc=$?
log=$build/test.log

# 6. Verdict: kunit.py's own, then what it does not look at.
[ "$rc" -eq 0 ] || fail "kunit.py exited with $rc"
[ -s "$log" ] || fail "no kernel log at $log"
for s in "${suites[@]}"; do
	grep -q "# Subtest: $s\$" "$log" || fail "suite $s did not run"
done
summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$cache/kunit.out" | tail -1)
ran=$(sed -E 's/.*Ran ([0-9]+) tests.*/\1/' <<<"$summary")
[ -n "$ran" ] || fail "no KUnit summary"
[ "$ran" -ge "$min_tests" ] || fail "only $ran tests ran, expected at least $min_tests"
splat='BUG:|WARNING:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|KASAN|UBSAN|general protection fault|Kernel panic|Call Trace:|INFO: task .* blocked'
if grep -E "$splat" "$log" >/dev/null; then
	grep -n -E -B2 -A20 "$splat" "$log" | head -80 >&2
	fail "kernel splat in $log"
fi
grep -E 'xen-gpumem|xen_gpumem' "$log" | grep -v '^ *\(ok\|#\)' | head -5 || true
secs=$(( $(date +%s) - t0 ))
echo "kunit: $summary; no splat; $secs s"
# The figures of this run, into FIGURES.md (the one place they live).
"$top/scripts/figures.sh" kunit scripts/kunit.sh <<EOF
$summary
suites: ${suites[*]}
QEMU with $accel; build and run: $secs s
EOF
