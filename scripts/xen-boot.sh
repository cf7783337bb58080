#!/usr/bin/env bash
# Boot a Xen hypervisor with Debian's kernel as a PVH dom0 under QEMU TCG,
# retrying boots that TCG broke.  Sourced by scripts/xen-test.sh and
# scripts/xen-e2e.sh, which set:
#   work, xen (the hypervisor ELF), vmlinuz, initramfs, boot_timeout,
#   tries, dom0_mem (Xen's dom0_mem=), and fail(), now(), took()
# and may set xen_version before sourcing it (4.17 by default: Debian 12's
# Xen, from the host's apt sources; or 4.20: Debian 13's, through
# scripts/apt-trixie.sh, never the host's sources), whose packages
# xen_candidate and xen_debs fetch, and QEMU_ACCEL, QEMU_CPU, QEMU_SMP
# (-accel, -cpu, -smp),
# XEN_APPEND (more of Xen's command line) and DOM0_APPEND (more of dom0's)
# for experiments, and call xen_boot NAME, which leaves the serial log in
# $log ($work/NAME.log; earlier attempts in $log.N) and sets attempt,
# retried and t_boot.
#
# Nested virtualisation under TCG is not reliable with two vCPUs: QEMU
# 7.2's emulated SVM loses register state (README, "The real-Xen end-to-end
# scenario"), the module nowhere in sight.  Measured on 2026-11-21, e2e
# boots with -smp 2: 5 of 7 broke with Xen's lazy FPU, 5 of 18 with
# spec-ctrl=eager-fpu; with -smp 1 (one emulated CPU, one TCG thread), none
# of 26 (14 on the reference Xen, 12 on Debian's, 6 of them with lazy FPU).
# So: -smp 1, and eager FPU (Xen restores a vCPU's FPU state when
# it schedules it instead of on the #NM of its first FPU instruction: the
# path on which dom0's processes ran on another context's vector
# registers).  What is left is retried: a boot that timed out, crashed with
# one of the signatures measured here, or never reached the end of dom0's
# /init ("=== done") boots again, up to $tries boots.  A hypervisor crash
# is never retried: that is a finding.  A boot whose log shows a flake
# signature (or a crashed dom0, which Xen's noreboot leaves halted) is cut
# short instead of waiting for the timeout: its outcome is decided (another
# boot, or a failure) the moment the line appears.  A hypervisor splat is
# given a few seconds more for the rest of Xen's report.
# -cpu max,-rdtscp,-pku: with PKU on, Xen 4.17 under TCG hands dom0 a signal
# frame its init cannot return from (measured: rt_sigreturn "bad frame").
# watchdog_thresh=60: dom0's soft-lockup detector fires after 120 s instead
# of 20 s; under nested TCG on a loaded machine, xl's teardown of a 50 MiB
# privcmd mapping (one hypercall per page) took over 75 s (measured).
# -xsave as well for Xen 4.20: its CPUID leaf 0xD reports the size of the
# XSAVE area for the XCR0 it saw the vCPU set, and QEMU 7.2's TCG runs a
# nested guest's XSETBV without SVM's intercept, so Xen never sees it: dom0
# and the domU read a size of 0 and warn "XSAVE consistency problem" at boot
# (measured; 4.17 does not).  Without XSAVE, Xen and both kernels use
# FXSAVE.

xen_version=${xen_version:-4.17}
case $xen_version in
4.17)
	xen_sources="the apt sources"
	xen_cpu=max,-rdtscp,-pku
	;;
4.20)
	xen_sources="Debian 13's apt sources (scripts/apt-trixie.sh)"
	xen_cpu=max,-rdtscp,-pku,-xsave
	;;
*) fail "XEN_VERSION=$xen_version: Debian's 4.17 or 4.20 only" ;;
esac

# xen_apt policy|download ARGS...: apt-cache or apt-get of $xen_version's
# Debian release.
xen_apt() {
	if [ "$xen_version" = 4.20 ]; then
		"$top/scripts/apt-trixie.sh" "$@"
	elif [ "$1" = policy ]; then
		apt-cache "$@"
	else
		apt-get "$@"
	fi
}

# xen_candidate PKG: the version of PKG that xen_apt would download.
xen_candidate() {
	local version
	version=$(xen_apt policy "$1" | sed -n 's/^ *Candidate: *//p')
	if [ -z "$version" ] || [ "$version" = "(none)" ]; then
		fail "no $1 in $xen_sources"
	fi
	echo "$version"
}

# xen_debs ROOT PKG[=VERSION]...: download the packages (not installed)
# and unpack them into ROOT.
xen_debs() {
	local root=$1 debs=$1.debs p deb
	shift
	rm -rf "$debs"
	mkdir -p "$debs" "$root"
	(cd "$debs" && { xen_apt download -q "$@" 2>&1 | grep -v '^W:' || true; })
	for p in "${@%%=*}"; do
		deb=$(ls "$debs/${p}"_*.deb 2>/dev/null) ||
			fail "apt-get download $p failed"
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$debs"
}

xen_hypervisor() {
	local version pkg=xen-hypervisor-$xen_version-amd64

	[ "${1:-}" = --patched ] &&
		XEN_ELF=$(XEN_SERIES=$xen_version "$top/scripts/xen-build.sh" | tail -1)
	if [ -n "${XEN_ELF:-}" ]; then
		[ -s "$XEN_ELF" ] || fail "XEN_ELF=$XEN_ELF: no such file"
		head -c 4 "$XEN_ELF" | grep -q 'ELF' ||
			fail "XEN_ELF=$XEN_ELF is not an ELF (QEMU's multiboot loader needs the ELF, not the gzip)"
		xen=$XEN_ELF
		xen_what="the reference Xen $(basename "$XEN_ELF")"
		return
	fi
	version=$(xen_candidate "$pkg")
	xen=$work/xen-$version
	xen_what="Debian's Xen $version"
	[ -s "$xen" ] && return
	rm -rf "$work/deb"
	xen_debs "$work/deb/root" "$pkg=$version"
	# QEMU's multiboot loader takes the ELF, not the gzip.
	zcat "$work/deb/root/boot/xen-$xen_version-amd64.gz" > "$xen.tmp"
	mv "$xen.tmp" "$xen"
	rm -rf "$work/deb"
}

# The user-space face of the lost FPU state: glibc's heap checks abort a
# process whose vector registers changed under it (measured: xl, after
# creating a domU that worked, "corrupted double-linked list").  The log is
# read with NULs dropped and grep -a: a crash can leave binary bytes in it.
xen_flake='^Illegal instruction|Bad FPU state detected|Triple fault|stack guard page was hit'
xen_flake+='|^(corrupted double-linked list|corrupted size vs\. prev_size|double free or corruption|malloc\(\): |free\(\): )'
# And xl (Xen's toolstack, not ours) killed by a signal, SIGSEGV included
# (measured with Debian's Xen as with the reference one): dom0-init.sh.
xen_flake+='|^xl: killed by signal'
# dom0 crashed and Xen, told noreboot, stays up: nothing more will come.
xen_dom0_dead='^\(XEN\) Hardware Dom0 crashed'
# Xen's own failures; '(XEN) Hardware Dom0 crashed' is dom0's, judged as a
# boot that did not finish.
xen_splat='FATAL|Assertion|Panic on CPU|Xen BUG|Xen WARN'

# A kernel splat in the lines of a kernel log (stdin): dom0's or a domU's.
# A user process's trap ("traps: exe[186] general protection fault ... in
# busybox") is not one: TCG corrupts a user process's state now and then
# (measured), and the scenario's own checks catch one that did not do its
# work.
xen_kernel_splat() {
	grep -vE '^(domu\| )?\[ *[0-9.]+\] traps: ' |
		grep -nE 'WARNING:|BUG:|Call Trace:|Oops|general protection fault|Kernel panic'
}

# Any line of Xen's own (not dom0's) that reports a hypervisor failure.
xen_hv_splat() {
	grep -aE '^\(XEN\)' "$1" | grep -nE "$xen_splat"
}

# One QEMU run of Xen and dom0, its serial output in $work/serial.log; stops
# it early once the log decides the boot (see above).  Sets rc and cut.
xen_qemu() {
	local qpid grace=
	: > "$work/serial.log"
	timeout "$boot_timeout" qemu-system-x86_64 -accel "${QEMU_ACCEL:-tcg}" \
		-machine q35 -device intel-iommu,intremap=on \
		-cpu "${QEMU_CPU:-$xen_cpu}" \
		-m 2048 -smp "${QEMU_SMP:-1}" -kernel "$xen" \
		-append "dom0=pvh iommu=1 console=com1 com1=115200,8n1 dom0_mem=$dom0_mem noreboot spec-ctrl=eager-fpu${XEN_APPEND:+ $XEN_APPEND}" \
		-initrd "$vmlinuz console=hvc0 loglevel=5 panic=-1 watchdog_thresh=60${DOM0_APPEND:+ $DOM0_APPEND},$initramfs" \
		-display none -vga none -serial file:"$work/serial.log" \
		-monitor none -no-reboot &
	qpid=$!
	cut=
	while kill -0 "$qpid" 2> /dev/null; do
		sleep 2
		if [ -n "$grace" ]; then
			grace=$((grace - 1))
			[ "$grace" -gt 0 ] && continue
			cut=yes
			kill "$qpid" 2> /dev/null || true
			break
		fi
		if tr -d '\r\0' < "$work/serial.log" |
			grep -aqE "$xen_flake|$xen_dom0_dead"; then
			grace=1
		elif xen_hv_splat "$work/serial.log" > /dev/null; then
			grace=3
		fi
	done
	rc=0
	wait "$qpid" || rc=$?
}

xen_boot() {
	local name=$1 why t
	t=$(now)
	log=$work/$name.log
	attempt=1
	retried=
	rm -f "$log".*
	while :; do
		xen_qemu
		tr -d '\r\0' < "$work/serial.log" > "$log"
		why=
		if xen_hv_splat "$log" > /dev/null; then
			break
		elif [ "$rc" -eq 124 ]; then
			why="QEMU timed out after ${boot_timeout}s"
		elif grep -aqE "$xen_flake" "$log"; then
			why="crashed: $(grep -a -m1 -oE "$xen_flake" "$log")"
		elif grep -aqE "$xen_dom0_dead" "$log"; then
			why="dom0 crashed"
		elif ! grep -aq '^=== done' "$log"; then
			why="dom0's /init did not finish"
		fi
		[ -n "$why" ] && [ "$attempt" -lt "$tries" ] || break
		[ -n "$cut" ] && why+=", stopped early"
		mv "$log" "$log.$attempt"
		echo "$name: boot $attempt of $tries: $why (log: $log.$attempt); booting again"
		retried+="${retried:+; }boot $attempt: $why"
		attempt=$((attempt + 1))
	done
	t_boot=$(took "$t")
	if xen_hv_splat "$log" >&2; then
		fail "hypervisor splat in $log"
	fi
	[ "$rc" -eq 124 ] && fail "QEMU timed out after ${boot_timeout}s (log: $log)"
	if grep -aqE "$xen_flake" "$log"; then
		fail "boot $attempt of $tries $why, like the others (log: $log)"
	fi
	grep -aq '^=== done' "$log" || fail "dom0's /init did not finish (log: $log)"
	# 4.17 warns that a PVH dom0 is experimental; 4.20 no longer does, and
	# its default log level shows the line of the dom0 build instead.
	grep -aqE '^\(XEN\) (WARNING: PVH is an experimental mode|\*\*\* Building a PVH Dom0 \*\*\*)' "$log" ||
		fail "Xen did not build a PVH dom0"
}
