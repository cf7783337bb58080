#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# qemu-build.sh: Debian 13's QEMU 10.0 with the project's series
# (qemu/patches), built as the Xen device model a VMM author would run with
# xen-gpumem: qemu-system-i386, Xen only, the xen-gpumem feature on.
#
#  1. The source package, once: `apt-get source` through the private trixie
#     configuration (scripts/apt-trixie.sh), Debian's patches applied by
#     dpkg-source, in $XEN_GPUMEM_CACHE/qemu-src/pristine.
#  2. meson 1.7 from trixie's meson package, unpacked there, not installed
#     (QEMU 10.0 needs meson >= 1.5; Debian 12 has 1.0, and the +ds source
#     drops QEMU's bundled wheel): PYTHONPATH.
#  3. libgpumem through pkg-config, from the project's own libgpumem0 and
#     libgpumem-dev packages (scripts/debs.sh), unpacked into a sysroot with
#     their libgpumem.pc relocated (PKG_CONFIG_SYSROOT_DIR would relocate
#     glib and Xen's too).
#  4. A fresh tree, qemu/patches/*.patch in name order with patch -p1, then
#     configure and ninja.  Cached by a key (the source version, the
#     configure line, the series, libgpumem's header and .pc template): an
#     unchanged series is reused.
#
# The last line on stdout is the binary's path.  Needs what
# scripts/install-deps.sh installs (libxen-dev, libglib2.0-dev, libfdt-dev,
# ninja-build, python3-venv, dpkg-dev).
#   QEMU_SRC_VERSION  Debian source version (default: 1:10.0.13+ds-0+deb13u1)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" qemu-build

version=$qemu_src_version
upstream=${version#*:}
upstream=${upstream%%+*}
jobs=${JOBS:-$(nproc)}
src=$cache/qemu-src
out=$cache/qemu-build
log() { echo "qemu-build: $*" >&2; }
hold qemu-build
mkdir -p "$src" "$out"

# 1. The source package, once.
if [ "$(cat "$src/pristine/.version" 2>/dev/null)" != "$version" ]; then
	log "apt-get source qemu=$version (trixie)"
	rm -rf "$src/dl" "$src/pristine" "$src/pristine.tmp"
	mkdir -p "$src/dl"
	(cd "$src/dl" && "$top/scripts/apt-trixie.sh" source --download-only \
		"qemu=$version" >&2) || fail "apt-get source qemu=$version (trixie)"
	dpkg-source --no-check -x "$src"/dl/qemu_*.dsc "$src/pristine.tmp" >&2 ||
		fail "dpkg-source -x qemu $version"
	echo "$version" > "$src/pristine.tmp/.version"
	mv "$src/pristine.tmp" "$src/pristine"
	rm -rf "$src/dl"
fi

# 2. meson, unpacked.
meson_root=$src/meson
if [ ! -e "$meson_root/.complete" ]; then
	log "meson from trixie, unpacked"
	rm -rf "$meson_root" "$src/meson-dl"
	mkdir -p "$src/meson-dl"
	(cd "$src/meson-dl" && "$top/scripts/apt-trixie.sh" download meson >&2) ||
		fail "apt-get download meson (trixie)"
	dpkg-deb -x "$src"/meson-dl/meson_*_all.deb "$meson_root"
	rm -rf "$src/meson-dl"
	touch "$meson_root/.complete"
fi
export PYTHONPATH=$meson_root/usr/lib/python3/dist-packages

# 3. libgpumem from the project's packages.
# Copies of the packages, which another tree's scripts/debs.sh cannot remove.
mapfile -t debs < <("$top/scripts/debs.sh" "$out/debs" |
	grep -E '/libgpumem(0|-dev)_[^/]*\.deb$')
[ ${#debs[@]} -eq 2 ] || fail "scripts/debs.sh made no libgpumem0 and libgpumem-dev"
sysroot=$out/sysroot
rm -rf "$sysroot"
for d in "${debs[@]}"; do
	dpkg-deb -x "$d" "$sysroot"
done
pc=$(find "$sysroot" -name libgpumem.pc)
[ -n "$pc" ] || fail "no libgpumem.pc in ${debs[*]}"
mkdir -p "$out/pkgconfig"
sed -E "s#^(prefix|libdir|includedir)=/usr#\\1=$sysroot/usr#" "$pc" \
	> "$out/pkgconfig/libgpumem.pc"
export PKG_CONFIG_PATH=$out/pkgconfig
unset PKG_CONFIG_SYSROOT_DIR

# 4. The key, then a fresh tree and the build.
shopt -s nullglob
patches=("$top"/qemu/patches/*.patch)
shopt -u nullglob
[ ${#patches[@]} -gt 0 ] || fail "no patches in $top/qemu/patches"
# VNC because libxl passes "-vnc none" to every HVM device model (no
# display configured is not no -vnc); it needs pixman.
config=(--target-list=i386-softmmu
	--enable-xen --enable-xen-gpumem --disable-xen-pci-passthrough
	--disable-kvm --disable-tcg --without-default-features --enable-vnc --enable-pixman
	--enable-trace-backends=log --disable-docs --disable-install-blobs
	--python=/usr/bin/python3 --prefix=/usr/lib/xen-gpumem/qemu)
key=$( { echo "$version" "${config[*]}"; cat "$top/tools/gpumem/libgpumem.h" \
	 "$top/tools/gpumem/libgpumem.pc.in";
	 for p in "${patches[@]}"; do basename "$p"; cat "$p"; done; } |
	sha256sum | cut -c1-16)
bin=$out/qemu-system-i386-$key
if [ -x "$bin" ]; then
	log "cached: series $key (${#patches[@]} patches)"
	echo "$bin"
	exit 0
fi
# A tree of this key (its build failed) is configured and built again
# without copying and patching; any other tree is made afresh.
tree=$out/tree
t0=$(now)
if [ "$(cat "$tree/.key" 2>/dev/null)" != "$key" ]; then
	rm -rf "$tree"
	cp -a "$src/pristine" "$tree"
	apply_series "$tree" "qemu $version" "${patches[@]}"
	echo "$key" > "$tree/.key"
fi
log "configure; ninja qemu-system-i386 (log: $out/build.log)"
if ! { cd "$tree" &&
       ./configure "${config[@]}" &&
       make -C build -j"$jobs" qemu-system-i386; } > "$out/build.log" 2>&1; then
	tail -30 "$out/build.log" >&2
	fail "build failed (log: $out/build.log)"
fi
grep -q '^#define CONFIG_XEN_GPUMEM\b' "$tree/build/config-host.h" ||
	fail "configured without CONFIG_XEN_GPUMEM (log: $out/build.log)"
# The series' own files warn nothing (QEMU's other files may: Debian's
# configuration leaves, e.g., TPM helpers of xen-pvh-common.c unused).
! grep -E 'xen-gpumem\.[ch]:[0-9]+:[0-9]+: warning:' "$out/build.log" >&2 ||
	fail "the series' files warn (log: $out/build.log)"
warnings=$(grep -c 'warning:' "$out/build.log" || true)
# It runs, and its Xen accelerator has the series' properties.
printf '%s\n' '{"execute":"qmp_capabilities"}' \
	'{"execute":"qom-list-properties","arguments":{"typename":"xen-accel"}}' \
	'{"execute":"quit"}' |
	timeout 60 "$tree/build/qemu-system-i386" -machine none -accel qtest \
		-qmp stdio -nographic -nodefaults 2>&1 |
	grep -q '"name": "gpumem-fault-base"' ||
	fail "qemu-system-i386 lists no gpumem-fault-base property of xen-accel"
cp "$tree/build/qemu-system-i386" "$bin.tmp"
mv "$bin.tmp" "$bin"
log "built series $key in $(took "$t0")s ($warnings compiler warnings, none in the series' files; upstream $upstream)"
echo "$bin"
