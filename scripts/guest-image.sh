#!/usr/bin/env bash
# Build what a QEMU guest of the project boots besides Debian's kernel, from
# the project's packages (scripts/debs.sh, for this kernel): xen-gpumem.ko,
# gpumem-tools and libgpumem0 as apt installed them in the Debian system of
# that kernel (/usr/bin/gpumem,
# gpumem-ioreq, gpumem-xmap, /usr/lib/xen-gpumem/gpumem_test,
# /usr/lib/x86_64-linux-gnu/libgpumem.so.0) with the host's shared
# libraries they load, the selftests of tools/testing/selftests/xen-gpumem
# (static, from the tree: not packaged), and a busybox initramfs holding
# them, the distro modules named in GUEST_MODULES (with their dependencies,
# decompressed, in load order, listed in /modules.list), and the /init read
# from standard input.
# The module: with GUEST_HVSIM=y a test build (HVSIM=y, the simulated
# hypervisor) of the sources xen-gpumem-dkms ships, against the kernel's
# headers; otherwise the module DKMS built from that package for the kernel
# (a production build, as a dom0 that installed the package loads it).
# Sourced by scripts/distro-test.sh, scripts/xen-test.sh and
# scripts/xen-e2e.sh, which set:
#   top, work (output directory), GUEST_MODULES (array), fail()
# and get: kver, vmlinuz, ko, root (the initramfs's tree), guest_bins (the
# packaged executables in it), initramfs, t_module, t_tools, t_initramfs.
# KVER picks the kernel release; by default the newest 6.12 headers that
# linux-headers-6.12-amd64 installed, whose image linux-image-6.12-amd64
# installed (scripts/install-deps.sh).  GUEST_KROOT: a root holding the
# kernel instead (its /boot/vmlinuz-KVER, /lib/modules/KVER and headers:
# Debian 13's, scripts/debian-root.sh trixie); not with GUEST_HVSIM=y,
# whose test build of the module needs the kernel's compiler here.

kroot=${GUEST_KROOT:-}
kver=${KVER:-$(newest_kver "$kroot")}
[ -n "$kver" ] || fail "no linux-headers-6.12.*-amd64: run scripts/install-deps.sh"
[ -z "$kroot" ] || [ "${GUEST_HVSIM:-}" != y ] ||
	fail "GUEST_HVSIM=y builds against this host's kernel headers: not with GUEST_KROOT"
vmlinuz=$kroot/boot/vmlinuz-$kver
kdir=$kroot/usr/src/linux-headers-$kver
moddir=$kroot/lib/modules/$kver
for f in "$kdir/Makefile" "$vmlinuz" "$moddir/modules.dep" /bin/busybox; do
	[ -e "$f" ] || fail "$f missing: run scripts/install-deps.sh"
done
! ldd /bin/busybox > /dev/null 2>&1 ||
	fail "/bin/busybox is not static: install busybox-static"
mkdir -p "$work"

# 1. The module, from the packages made for this kernel.
t=$(now)
mapfile -t guest_pkgs < <(KVER=$kver "$top/scripts/debs.sh" "$work/debs")
# guest_pkg GLOB: the one file of scripts/debs.sh's whose name matches GLOB.
guest_pkg() {
	local d
	for d in "${guest_pkgs[@]}"; do
		# shellcheck disable=SC2053
		[[ $(basename "$d") == $1 ]] && { echo "$d"; return; }
	done
	fail "no $1 from scripts/debs.sh"
}
# unko KO OUT: the module KO, decompressed (busybox's insmod takes no .xz).
unko() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac > "$2"
}
ko=$work/xen-gpumem.ko
rm -f "$ko"
if [ "${GUEST_HVSIM:-}" = y ]; then
	oot=$work/oot
	rm -rf "$oot"
	mkdir -p "$oot"
	dpkg-deb -x "$(guest_pkg 'xen-gpumem-dkms_*')" "$work/dkms-root"
	cp -a "$work"/dkms-root/usr/src/xen-gpumem-*/. "$oot/"
	rm -rf "$work/dkms-root"
	make -C "$kdir" M="$oot" HVSIM=y modules > "$work/module-build.log" 2>&1 ||
		{ cat "$work/module-build.log" >&2; fail "module build against $kdir"; }
	cp "$oot/drivers/xen/gpumem/xen-gpumem.ko" "$ko"
else
	unko "$(guest_pkg 'xen-gpumem.ko*')" "$ko"
fi
[ -s "$ko" ] || fail "no $ko"
modinfo "$ko" | grep -q "^vermagic: *$kver " || fail "$ko is not for $kver"
t_module=$(took "$t")

# 2. The selftests, static.
t=$(now)
make -s -C "$top/tools/testing/selftests/xen-gpumem" O="$work/selftests" \
	> "$work/selftests-build.log" 2>&1 ||
	{ cat "$work/selftests-build.log" >&2; fail "selftests build"; }
t_tools=$(took "$t")

# 3. The initramfs.
t=$(now)
root=$work/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/"
cp "$work/selftests/gpumem_mm_test" "$root/bin/"
# gpumem-tools and libgpumem0 as installed, with the host's libraries they
# load (the installed libgpumem.so.0 first); no udev in the initramfs, so
# xen-gpumem-dkms's udev rule has nothing to do here: devtmpfs makes
# /dev/xen/gpumem when the module registers it, root's, mode 0600 (the
# module's own), and /init runs as root.
tar -C "$root" -xf "$(guest_pkg installed.tar)"
guest_bins=("$root"/usr/bin/* "$root"/usr/lib/xen-gpumem/*)
mkdir -p "$root/lib/x86_64-linux-gnu" "$root/lib64"
shlibs /lib64/ld-linux-x86-64.so.2 "$root/usr/lib/x86_64-linux-gnu" "${guest_bins[@]}" |
	awk -v r="$root/" 'index($0, r) != 1' | xargs -r cp -L -t "$root/lib/x86_64-linux-gnu/"
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
mkdir -p "$root/etc/gpumem"
cp "$top"/tests/scenario/*.sh "$root/etc/gpumem/"
cp "$ko" "$root/lib/modules/"
mods=()
need=("${GUEST_MODULES[@]}")
for dep in $(modinfo -F depends "$ko" | tr , ' '); do
	need+=("$dep")
done
for m in "${need[@]}"; do
	while read -r cmd path _; do
		[ "$cmd" = insmod ] || continue
		name=$(basename "$path" | sed -E 's/\.ko(\.xz|\.zst|\.gz)?$//')
		[[ " ${mods[*]} " == *" $name "* ]] && continue
		unko "$path" "$root/lib/modules/$name.ko"
		mods+=("$name")
	done < <(modprobe ${kroot:+-d "$kroot"} -S "$kver" --show-depends "$m")
done
printf '%s\n' "${mods[@]}" > "$root/modules.list"
cat > "$root/init"
chmod +x "$root/init"
initramfs=$work/initramfs.cpio.gz
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) \
	> "$initramfs"
t_initramfs=$(took "$t")
