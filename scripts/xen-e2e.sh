#!/usr/bin/env bash
# The real-Xen end-to-end scenario of issue #7: Xen 4.17 or 4.20 (Debian's,
# or XEN_ELF) under QEMU TCG with Debian's 6.12 kernel as a PVH dom0 that
# runs Xen's own toolstack (xenstored, xenconsoled, xl from Debian's
# xen-utils-4.17 or -4.20, fetched with apt-get download or
# scripts/apt-trixie.sh download) and the project's packages
# (scripts/debs.sh: xen-gpumem.ko as DKMS built it from xen-gpumem-dkms,
# gpumem-tools and libgpumem0 as installed), loads xen-gpumem.ko with its
# real backend and creates a PVH domU (the same kernel, 128 MiB, a busybox
# initramfs with tests/xen-e2e/domu/gpumem_domu.ko).  dom0's /init
# is tests/xen-e2e/dom0-init.sh; against a hypervisor that implements MAP it
# also starts the device model's IOREQ server (gpumem-ioreq)
# and runs the differential scenario (tests/scenario/scenario.sh: map,
# revoke, populate, steal, return, destroy with live mappings), whose
# transcript scripts/diff-test.sh compares with hvsim's.  See README, "The
# real-Xen end-to-end scenario" and "The differential check".
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem);
#                      everything goes to $XEN_GPUMEM_CACHE/xen-e2e
#                      (xen-e2e-4.20 with XEN_VERSION=4.20)
#   XEN_VERSION        4.17 (default): Debian 12's Xen and toolstack;
#                      4.20: Debian 13's (scripts/apt-trixie.sh), the
#                      toolstack with Debian 13's libc and the libraries it
#                      needs, all unpacked from Debian 13's packages, and
#                      Debian 13's 6.12 kernel as dom0, with the module
#                      DKMS installed in Debian 13 (scripts/debs.sh); the
#                      domU's kernel stays Debian 12's
#   XEN_ELF            a hypervisor ELF to boot instead of Debian's (of
#                      XEN_VERSION: its toolstack runs in dom0)
#   --patched          boot the reference Xen of scripts/xen-build.sh (built
#                      or reused), its series XEN_VERSION's (4.20's needs
#                      XEN_SRC_GIT: see scripts/xen-build.sh)
#   --qemu             the reference Xen, and in place of the scenario, an
#                      HVM domU whose device model is the project's QEMU
#                      (scripts/qemu-build.sh) with an ivshmem-plain device
#                      on a file dom0 writes: tests/xen-e2e/qemu.sh
#   --bench            make xen-bench: the reference Xen, and in place of
#                      the scenario tests/xen-e2e/bench.sh, the fault loop
#                      timed in the domU, then 256 MiB shown to it by MAP_VA
#                      and by grants (dom0's gntalloc, with Xen's
#                      gnttab_max_frames=256), and huge pages as 2 MiB and
#                      4k entries, and STEAL+RETURN of 64 MiB against a
#                      foreign mapping; its figures go to FIGURES.md
#   KVER               kernel release of the domU, and of dom0 with 4.17
#                      (default: the newest 6.12 headers)
#   BOOT_TIMEOUT       seconds one boot may run (default 180; a boot takes
#                      25-50 s; --qemu: 1500, --bench: 900)
#   XEN_E2E_TRIES      boots allowed when one crashes under TCG (default 4;
#                      --qemu: 2)
#   QEMU_ACCEL, QEMU_CPU  override -accel tcg, -cpu max,-rdtscp,-pku
#                      (max,-rdtscp,-pku,-xsave with XEN_VERSION=4.20)
#   DOM0_APPEND        more of dom0's kernel command line (experiments)
#   DOMU_TIMEOUT       seconds dom0 waits for gpumem_domu (default 300)
#   DOMU_GFN, DOMU_NR  the domU's window: first GFN, pages (0x10000, 4)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" xen-e2e

xen_version=${XEN_VERSION:-4.17}
# shellcheck source=scripts/xen-boot.sh
. "$top/scripts/xen-boot.sh"
name="xen-e2e"
[ "$xen_version" = 4.17 ] || name=xen-e2e-$xen_version
[ "${1:-}" != --qemu ] || name="xen-e2e-qemu"
hold "$name"
work=$cache/$name
boot_timeout=${BOOT_TIMEOUT:-180}
tries=${XEN_E2E_TRIES:-4}
domu_timeout=${DOMU_TIMEOUT:-300}
domu_gfn=${DOMU_GFN:-0x10000}
domu_nr=${DOMU_NR:-4}
mode=${1:-}
e2e=$top/tests/xen-e2e
bench=
bench_nr=0
grant_nr=0
steal_bench_nr=0
domu_mem=128
run="xen-e2e"
qemu=
domu_cfg=$e2e/domu.cfg
domu_kind="a PVH"
if [ "$mode" = --qemu ]; then
	qemu=1
	run="xen-e2e-qemu"
	domu_cfg=$e2e/domu-hvm.cfg
	domu_kind="an HVM"
	# Measured: the guest ready 755 s after xl create (its SeaBIOS,
	# SYSLINUX and kernel read through QEMU's IDE emulation), the whole
	# boot 797 s; three boots of the same day ran past 900 s.
	boot_timeout=${BOOT_TIMEOUT:-1500}
	domu_timeout=${DOMU_TIMEOUT:-1400}
	tries=${XEN_E2E_TRIES:-2}
	# hvmloader's and SeaBIOS's progress on Xen's console.
	XEN_APPEND="guest_loglvl=all${XEN_APPEND:+ $XEN_APPEND}"
	# One emulated CPU runs Xen, dom0 with QEMU, and the HVM guest, whose
	# every port and MMIO access is a round trip through dom0's QEMU
	# under TCG: measured, dom0's vCPU went 21 s (RCU's default) without
	# a quiescent state while the guest's SeaBIOS read its disk, and RCU
	# printed a stall with the idle task's stack.  RCU's longest timeout,
	# so that a stall it still reports is one worth failing on.
	DOM0_APPEND="rcupdate.rcu_cpu_stall_timeout=300${DOM0_APPEND:+ $DOM0_APPEND}"
	mode=--patched
elif [ "$mode" = --bench ]; then
	bench=1
	run="xen-bench"
	# 256 MiB at GFN 0x20000 (512 MiB), above the domU's RAM, and as many
	# pages to map dom0's grants at; 65536 grants of dom0 take 128 frames
	# of its grant table, beyond Xen's default of 64.
	bench_nr=65536
	grant_nr=65536
	# 64 MiB of the domU's RAM set aside for a STEAL: a domU of 384 MiB,
	# and its window above that RAM.
	steal_bench_nr=16384
	domu_mem=384
	domu_gfn=${DOMU_GFN:-0x40000}
	XEN_APPEND="gnttab_max_frames=256${XEN_APPEND:+ $XEN_APPEND}"
	boot_timeout=${BOOT_TIMEOUT:-900}
	mode=--patched
fi
# 4.20's reference Xen (XEN_SERIES=4.20 of scripts/xen-build.sh) runs the
# scenario; the benchmark and the QEMU run are 4.17's.
[ "$xen_version" = 4.17 ] || [ "$run" = xen-e2e ] ||
	fail "--bench and --qemu boot the 4.17 reference Xen: not with XEN_VERSION=$xen_version"
t_all=$(date +%s.%N)
stamp=$("$top/scripts/tree-stamp.sh")
mkdir -p "$work"

# 0. The hypervisor: XEN_ELF, --patched, or Debian's.
t0=$(date +%s.%N)
xen_hypervisor "$mode"

# 1. The toolstack: Debian's xen-utils-$xen_version and the Xen libraries,
# the version the apt sources offer (the hypervisor's), unpacked once.  For
# 4.20, Debian 13's libc and the rest of the toolstack's closure go with it
# (sysroot): its binaries need Debian 13's glibc, and none of them may load
# one of the host's Debian 12 libraries; 4.17's run on the host's.
ts_pkgs=("xen-utils-$xen_version" xen-utils-common xenstore-utils
	"libxenmisc$xen_version" libxencall1 libxenevtchn1 libxenforeignmemory1
	libxengnttab1 libxenstore4 libxentoollog1 libxentoolcore1
	libxendevicemodel1 libxenhypfs1 libyajl2)
ts_version=$(xen_candidate "xen-utils-$xen_version")
troot=$work/toolstack-$ts_version
sysroot=
if [ "$xen_version" = 4.20 ]; then
	ts_pkgs+=(libc6 libgcc-s1 zlib1g liblzma5 libzstd1 libuuid1)
	sysroot=$troot
fi
if [ ! -e "$troot/.complete" ]; then
	rm -rf "$troot"
	xen_debs "$troot" "${ts_pkgs[@]}"
	touch "$troot/.complete"
fi
# --qemu: the device model (scripts/qemu-build.sh, built or reused) and the
# firmware an HVM guest boots with: hvmloader (xen-utils, above), SeaBIOS
# as libxl loads it (Debian 12's seabios: /usr/share/seabios/bios-256k.bin),
# and VNC's default keymap, from Debian 13's qemu-system-data of the same
# version as the QEMU source.
if [ -n "$qemu" ]; then
	qemu_bin=$("$top/scripts/qemu-build.sh" | tail -1)
	[ -x "$qemu_bin" ] || fail "scripts/qemu-build.sh made no QEMU binary"
	qemu_data_version=$qemu_src_version
	froot=$work/firmware-${qemu_data_version#*:}
	if [ ! -e "$froot/.complete" ]; then
		rm -rf "$froot" "$froot.debs"
		xen_debs "$froot" seabios
		mkdir -p "$froot.debs"
		(cd "$froot.debs" && "$top/scripts/apt-trixie.sh" download \
			"qemu-system-data=$qemu_data_version" >&2) ||
			fail "apt-get download qemu-system-data=$qemu_data_version (trixie)"
		dpkg-deb -x "$froot.debs"/qemu-system-data_*.deb "$froot"
		rm -rf "$froot.debs"
		touch "$froot/.complete"
	fi
fi
t_fetch=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")

# 2. Module, tools, dom0's busybox initramfs (scripts/guest-image.sh: from
# the packages, the module as DKMS built it), with the Xen dom0 drivers the
# toolstack needs.  The domU's kernel is Debian 12's (KVER); so is dom0's
# with 4.17, while with 4.20 dom0 is Debian 13's whole: its kernel from
# the Debian 13 root the packages were installed in (scripts/debian-root.sh
# trixie), with the module DKMS built there.
GUEST_MODULES=(xenfs xen-evtchn xen-gntdev xen-privcmd)
[ -z "$bench" ] || GUEST_MODULES+=(xen-gntalloc)
domu_kver=${KVER:-$(newest_kver)}
domu_kdir=/usr/src/linux-headers-$domu_kver
domu_vmlinuz=/boot/vmlinuz-$domu_kver
if [ "$xen_version" = 4.20 ]; then
	GUEST_KROOT=$("$top/scripts/debian-root.sh" trixie)
	KVER=$(cat "$GUEST_KROOT/.kver")
fi
# shellcheck source=scripts/guest-image.sh
. "$top/scripts/guest-image.sh" < "$e2e/dom0-init.sh"

# 3. The domU: gpumem_domu.ko and its initramfs.
t=$(now)
doot=$work/domu-oot
rm -rf "$doot"
mkdir -p "$doot"
cp "$e2e/domu/Kbuild" "$e2e/domu/gpumem_domu.c" "$doot/"
make -C "$domu_kdir" M="$doot" modules > "$work/domu-build.log" 2>&1 ||
	{ cat "$work/domu-build.log" >&2; fail "gpumem_domu build against $domu_kdir"; }
droot=$work/domu-initramfs
rm -rf "$droot"
mkdir -p "$droot"/{bin,dev,proc,sys}
cp /bin/busybox "$droot/bin/"
cp "$doot/gpumem_domu.ko" "$droot/"
install -m 755 "$e2e/domu-init.sh" "$droot/init"
(cd "$droot" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) \
	> "$work/domu.cpio.gz"
domu_params="gpumem_domu.gfn=$domu_gfn gpumem_domu.nr=$domu_nr gpumem_domu.bench_nr=$bench_nr gpumem_domu.grant_nr=$grant_nr gpumem_domu.steal_bench_nr=$steal_bench_nr"
# --qemu: the HVM domain boots from a disk, as HVM guests do (xl's
# kernel= for HVM is QEMU's -kernel, which needs SeaBIOS to run QEMU's
# linuxboot ROM from fw_cfg: not relied on).  A FAT image with SYSLINUX,
# the kernel and the initramfs, which QEMU shows as an IDE disk.  RCU's
# stall timeout as dom0's (above): the guest shares the one emulated CPU.
if [ -n "$qemu" ]; then
	img=$work/domu-hvm.img
	rm -f "$img"
	mkfs.fat -C -n GPUMEM "$img" \
		$(( ($(stat -c %s "$domu_vmlinuz") + $(stat -c %s "$work/domu.cpio.gz")) / 1024 + 1024 )) \
		> /dev/null || fail "mkfs.fat $img"
	syslinux --install "$img" || fail "syslinux --install $img"
	printf 'DEFAULT linux\nLABEL linux\n  KERNEL vmlinuz\n  INITRD domu.gz\n  APPEND %s\n' \
		"console=ttyS0 loglevel=7 panic=-1 rcupdate.rcu_cpu_stall_timeout=300 gpumem_e2e.ivshmem=1 $domu_params" \
		> "$work/syslinux.cfg"
	mcopy -i "$img" "$domu_vmlinuz" ::vmlinuz &&
		mcopy -i "$img" "$work/domu.cpio.gz" ::domu.gz &&
		mcopy -i "$img" "$work/syslinux.cfg" ::syslinux.cfg ||
		fail "mcopy into $img"
fi
t_domu=$(took "$t")

# 4. What dom0 adds to guest-image.sh's initramfs, as a second cpio
# appended to it: the toolstack with its shared libraries (the unpacked
# packages first, then the sysroot's libc, zlib, ...: the host's Debian 12
# ones for 4.17, Debian 13's unpacked ones for 4.20), the libraries of the
# project's packaged tools (guest_bins) resolved the same way, the domU's
# kernel, initramfs and xl config.  A file of the second cpio replaces
# guest-image.sh's of the same name when the kernel unpacks them.
t=$(now)
xroot=$work/dom0-extra
rm -rf "$xroot"
xbin=usr/lib/xen-$xen_version/bin
mkdir -p "$xroot"/{boot,etc/xen,lib64,lib/x86_64-linux-gnu,usr/bin,"$xbin",var/lib/xenstored}
ln -s /run "$xroot/var/run"
bins=("$xbin"/{xl,xenstored,xenconsoled,xen-init-dom0,libxl-save-helper}
	usr/bin/xenstore-{read,write,ls,rm,list,exists,watch})
for b in "${bins[@]}"; do
	[ -f "$troot/$b" ] || fail "$b not in xen-utils-$xen_version/xenstore-utils"
	cp "$troot/$b" "$xroot/$b"
done
# sysfile REL: the sysroot's REL or usr/REL (Debian 13's packages are
# /usr-merged).
sysfile() {
	local f
	for f in "$sysroot/$1" "$sysroot/usr/$1"; do
		[ -e "$f" ] && { echo "$f"; return; }
	done
	fail "no $1 in ${sysroot:-the host}"
}
# The sysroot's ld.so lists every binary's libraries (as ldd does), the
# unpacked libraries first, libgpumem.so.0 (already in guest-image.sh's
# part) left out.  So with 4.20, the tools of gpumem-tools and libgpumem0,
# built on Debian 12 (glibc 2.36; they need GLIBC_2.34 at the most), run
# against Debian 13's glibc 2.41 and its ld.so, and gpumem-ioreq and
# gpumem-xmap against Xen 4.20's libxendevicemodel.so.1 and the other
# stable libraries of the same sonames: as on a Debian 13 dom0 that
# installed them, and not one Debian 12 library is left in that dom0 (the
# checks below: none of these comes from the host, and each library
# guest-image.sh took from the host is replaced by its Debian 13 namesake).
# With 4.17 they are the host's, as guest-image.sh took them.
ldso=$(sysfile lib64/ld-linux-x86-64.so.2)
dm_bins=()
if [ -n "$qemu" ]; then
	qdir=usr/lib/xen-gpumem/qemu
	mkdir -p "$xroot/$qdir/bin" "$xroot/$qdir/share/qemu" \
		"$xroot/usr/share/seabios" "$xroot/usr/lib/xen-$xen_version/boot"
	cp "$qemu_bin" "$xroot/$qdir/bin/qemu-system-i386"
	dm_bins=("$qemu_bin")
	mkdir -p "$xroot/$qdir/share/qemu/keymaps"
	# "-vnc none" (libxl's) loads the default keymap all the same.
	cp "$froot/usr/share/qemu/keymaps/en-us" "$xroot/$qdir/share/qemu/keymaps/"
	cp "$froot/usr/share/seabios/bios-256k.bin" "$xroot/usr/share/seabios/"
	cp "$troot/usr/lib/xen-$xen_version/boot/hvmloader" \
		"$xroot/usr/lib/xen-$xen_version/boot/"
fi
# QEMU's RUNPATH names the build's libgpumem (the same package's): dom0
# has the installed one.
shlibs "$ldso" "$troot/usr/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu" \
	"${bins[@]/#/$troot/}" "${guest_bins[@]}" "${dm_bins[@]}" |
	awk -v r="$root/" 'index($0, r) != 1' |
	grep -v "^$cache/qemu-build/sysroot/" > "$work/dom0-libs.txt"
# glibc dlopen()s libgcc_s for pthread_cancel (xl's children need it).
sysfile lib/x86_64-linux-gnu/libgcc_s.so.1 >> "$work/dom0-libs.txt"
if [ -n "$sysroot" ] && grep -v "^$sysroot/" "$work/dom0-libs.txt" >&2; then
	fail "libraries above not from the unpacked packages: add theirs to ts_pkgs"
fi
while read -r lib; do
	cp -L "$lib" "$xroot/lib/x86_64-linux-gnu/"
done < "$work/dom0-libs.txt"
cp -L "$ldso" "$xroot/lib64/"
if [ -n "$sysroot" ]; then
	for lib in "$root"/lib/x86_64-linux-gnu/* "$root"/lib64/*; do
		[ -e "$xroot/${lib#"$root"/}" ] ||
			fail "${lib#"$root"/}: the host's, not replaced by Debian 13's"
	done
fi
cp "$troot/etc/xen/xl.conf" "$xroot/etc/xen/"
grep -c "^$troot" "$work/dom0-libs.txt" > /dev/null ||
	fail "no library taken from the unpacked packages"
sed -e "s|@DOMU_PARAMS@|$domu_params|" \
	-e "s/^\(memory\|maxmem\) = 128\$/\1 = $domu_mem/" \
	"$domu_cfg" > "$xroot/etc/xen/domu.cfg"
printf 'DOMU_TIMEOUT=%s\nBENCH=%s\nXEN_VERSION=%s\nQEMU=%s\nDOMU_NR=%s\n' \
	"$domu_timeout" "$bench" "$xen_version" "$qemu" "$domu_nr" > "$xroot/etc/xen-e2e.conf"
cp "$e2e/qemu.sh" "$xroot/etc/xen-e2e-qemu.sh"
cp "$e2e/ivshmem.sh" "$xroot/etc/xen-e2e-ivshmem.sh"
cp "$e2e/bench.sh" "$xroot/etc/xen-e2e-bench.sh"
cp "$e2e/frontend.sh" "$xroot/etc/xen-e2e-frontend.sh"
cp "$e2e/fault.sh" "$xroot/etc/xen-e2e-fault.sh"
# The permission and ABI checks of the batched ops (libc only: dom0 has it).
gcc -O2 -Wall -Wextra -Werror -I"$top/include/xen/interface" \
	-o "$xroot/usr/bin/gpumem-check" "$e2e/gpumem-check.c" ||
	fail "gpumem-check build"
if [ -n "$bench" ]; then
	gcc -O2 -Wall -Wextra -Werror -o "$xroot/usr/bin/gntalloc-bench" \
		"$e2e/gntalloc-bench.c" || fail "gntalloc-bench build"
fi
if [ -n "$qemu" ]; then
	cp "$img" "$xroot/boot/domu-hvm.img"
else
	cp "$domu_vmlinuz" "$xroot/boot/vmlinuz-domu"
	cp "$work/domu.cpio.gz" "$xroot/boot/domu.cpio.gz"
fi
(cd "$xroot" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) \
	>> "$initramfs"
t_dom0=$(took "$t")
echo "xen-e2e: initramfs $(du -h "$initramfs" | cut -f1) (domU initramfs $(du -h "$work/domu.cpio.gz" | cut -f1)); booting $xen_what under TCG"

# 5. Xen, dom0, the domU, under TCG; dom0 may grow by what it steals, so
# its limit is above its memory (by 128 MiB for the bench, which steals
# 64 MiB at once).
dom0_mem=1024M,max:1088M
[ -z "$bench" ] || dom0_mem=1024M,max:1152M
xen_boot "$run"

# 6. The verdict.
sed -n '/^=== dom0/,/^=== done/p' "$log" | sed 's/^/  /'
grep -q '^domU created: domid [0-9]' "$log" || fail "xl create made no domU"
grep -qE '^domu\| \[ *[0-9.]+\] gpumem_domu: ready: ' "$log" ||
	fail "no ready line of gpumem_domu on the domU's console"
if [ -n "$bench" ]; then
	grep -q '^=== bench: end' "$log" || fail "the benchmark did not finish (log: $log)"
	figures=$(grep '^bench: ' "$log" | sed 's/^bench: //')
	[ -n "$figures" ] || fail "no figures in $log"
	verdict="benchmark: $(grep -c '^ok: ' "$log") checks passed"
elif [ -n "$qemu" ]; then
	grep -q '^=== xl destroy [0-9]*: QEMU exits' "$log" ||
		fail "the QEMU scenario did not finish"
	verdict="the project's QEMU as the HVM domU's device model: $(grep -c '^ok: ' "$log") checks passed"
elif grep -q '^=== stock hypervisor' "$log"; then
	grep -q '^ok: probe line: ' "$log" || fail "no probe line of xen-gpumem"
	verdict="stock hypervisor: BIND of the domU bound without ops, as documented"
else
	grep -q '^=== the hypervisor implements MAP' "$log" ||
		fail "neither the stock nor the MAP scenario ran"
	grep -q '^=== scenario: end' "$log" ||
		fail "the differential scenario did not finish"
	grep -q '^=== the fault loop: gpumem-ioreq --fault' "$log" ||
		fail "the fault loop's checks did not run"
	# Its transcript, compared with hvsim's by scripts/diff-test.sh.
	{ echo "# tree $stamp"; grep '^T: ' "$log"; } > "$work/scenario-xen.txt"
	verdict="MAP scenario: $(grep -c '^ok: ' "$log") checks passed, $(grep -c '^T: ' "$log") transcript lines ($work/scenario-xen.txt)"
fi
grep -q '^=== done: 0 failure(s)' "$log" ||
	{ grep '^FAIL: ' "$log" >&2; fail "dom0's scenario failed (log: $log)"; }
if grep -v '^(XEN)' "$log" | grep -v '^domu| ' | grep -v '^=== dom0 splats' |
	xen_kernel_splat >&2; then
	fail "dom0 kernel splat in $log"
fi
if grep '^domu| ' "$log" | xen_kernel_splat >&2; then
	fail "domU kernel splat in $log"
fi
# dom0 ran the kernel meant (Debian 13's with 4.20) and its DKMS module.
grep -q "^=== dom0: $kver, hypervisor" "$log" ||
	fail "dom0 did not run $kver (log: $log)"
echo "xen-e2e: PASS: $xen_what, PVH dom0 ($kver) with xl created $domu_kind domU ($domu_kver); $verdict${retried:+ (on boot $attempt; $retried)}"
# 7. --qemu's differential: the same guest (kernel, initramfs, /init's
# reads and writes of BAR2 through /dev/mem) under plain QEMU TCG, where
# guest memory is host memory and ivshmem-plain's BAR is the file mapped by
# QEMU, prints the same lines as under Xen, where the driver lends the file.
if [ -n "$qemu" ]; then
	t=$(now)
	plain=$work/plain-ivshmem
	# shellcheck source=tests/xen-e2e/ivshmem.sh
	. "$e2e/ivshmem.sh"
	truncate -s 0 "$plain" && truncate -s 4M "$plain"
	ivshmem_fill "$plain" 0xa0 "$domu_nr"	# as dom0's qemu_prepare
	timeout 300 qemu-system-x86_64 -accel tcg -M pc -m 128 -display none \
		-no-reboot -kernel "$domu_vmlinuz" -initrd "$work/domu.cpio.gz" \
		-append "console=ttyS0 panic=-1 gpumem_e2e.ivshmem=1" \
		-object "memory-backend-file,id=shm0,size=4M,mem-path=$plain,share=on" \
		-device ivshmem-plain,memdev=shm0 -serial "file:$work/plain.log" ||
		fail "plain QEMU: exit $? (log: $work/plain.log)"
	# guest_lines: the guest's transcript lines of a console (stdin).  The
	# kernel's printk shares that console and may start in the middle of
	# one (measured: a clocksource watchdog line after a guest read): cut
	# it off; the splat checks read the console whole.
	guest_lines() {
		tr -d '\r' | grep '^T: ' | sed 's/\[ *[0-9]*\.[0-9]*\] .*$//'
	}
	{
		guest_lines < "$work/plain.log"
		ivshmem_host_reads "$plain"
	} > "$work/transcript-plain.txt"
	{
		sed -n 's/^domu| //p' "$log" | guest_lines
		grep '^T: host reads' "$log"
	} > "$work/transcript-xen.txt"
	grep -q '^T: guest wrote BAR2' "$work/transcript-plain.txt" ||
		fail "plain QEMU: the guest printed no transcript (log: $work/plain.log)"
	diff -u "$work/transcript-plain.txt" "$work/transcript-xen.txt" ||
		fail "the guest's transcript differs under plain QEMU and under Xen with the driver"
	echo "xen-e2e: differential: plain QEMU TCG and Xen print the same $(wc -l < "$work/transcript-xen.txt") lines ($(took "$t") s)"
fi
if [ -n "$bench" ]; then
	sed 's/^/  /' <<<"$figures"
	"$top/scripts/figures.sh" xen-bench "make xen-bench" <<<"$figures"
fi
echo "xen-e2e: times: fetch ${t_fetch}s, module ${t_module}s, tools ${t_tools}s, dom0 initramfs ${t_initramfs}s, domU ${t_domu}s, dom0 extras ${t_dom0}s, boot and scenario ${t_boot}s, total $(took "$t_all")s (log: $log)"
