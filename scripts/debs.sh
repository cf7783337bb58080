#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# make debs: the project's Debian packages, built with Debian's own tooling
# (dpkg-buildpackage, debhelper) from a copy of the files git tracks, so
# that the tree stays clean; then DKMS builds the module from the
# xen-gpumem-dkms package's sources, in private DKMS trees, without
# installing anything: for Debian 12's 6.12 kernel (the newest
# linux-headers-6.12.*-amd64 installed), and for Debian 13's, whose
# configuration needs trixie's gcc-14, with trixie's dkms chrooted in a
# private trixie root of the packages DKMS needs (scripts/trixie-root.sh,
# fetched with scripts/apt-trixie.sh, unpacked, never installed).  Each build
# is checked: the module's vermagic is the kernel's, and it has no hvsim
# parameters.  Packages made from the files as they are now
# (scripts/tree-stamp.sh) for the same KVER are reused, as by the suites
# that install them (scripts/guest-image.sh).
#
#   scripts/debs.sh [DIR]    prints the .deb paths, one a line, then the
#                            module DKMS built for Debian 12's kernel
#                            (xen-gpumem.ko.xz: what the Xen dom0 images load);
#                            with DIR, of copies made there (emptied first)
#                            under the lock: the suites' own, which another
#                            tree's run of this script cannot remove while
#                            they use them
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem);
#                      the packages go to $XEN_GPUMEM_CACHE/debs/
#   KVER               Debian 12's kernel DKMS builds for (default: the
#                      newest 6.12 headers)
#   TRIXIE_KVER        Debian 13's (default: what trixie's
#                      linux-headers-amd64 depends on; scripts/trixie-root.sh)
#   JOBS               dkms build -j (default: dkms's, the number of CPUs)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" debs

hold debs
work=$cache/debs
src=$work/src/xen-gpumem
kver=${KVER:-$(newest_kver)}
[ -d "/usr/src/linux-headers-$kver" ] || fail "no /usr/src/linux-headers-$kver"
stamp="$("$top/scripts/tree-stamp.sh") $kver"
# What it prints: the packages, then the module DKMS built for $kver, or
# their copies in DIR.
out=${1:-}
made() {
	local files f
	mapfile -t files < <(ls "$work"/*.deb
		find "$work/dkms-tree/xen-gpumem" -path "*/$kver/*" -name 'xen-gpumem.ko*')
	if [ -z "$out" ]; then
		printf '%s\n' "${files[@]}"
		return
	fi
	rm -rf "$out"
	mkdir -p "$out"
	cp "${files[@]}" "$out/"
	for f in "${files[@]}"; do
		echo "$out/${f##*/}"
	done
}
if [ "$(cat "$work/stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "debs: reused, made from tree and kernel $stamp" >&2
	made
	exit 0
fi
rm -rf "$work"
mkdir -p "$src"

# 1. The sources as git has them (tracked and new files, not ignored ones).
(cd "$top" && git ls-files -co --exclude-standard -z) |
	(cd "$top" && xargs -0 cp --parents -t "$src" 2>/dev/null) ||
	fail "copying the sources"
t=$(now)
(cd "$src" && dpkg-buildpackage -b -us -uc) > "$work/build.log" 2>&1 ||
	{ tail -30 "$work/build.log" >&2; fail "dpkg-buildpackage (log: $work/build.log)"; }
mapfile -t debs < <(ls "$work"/src/*.deb)
[ ${#debs[@]} -ge 4 ] || fail "dpkg-buildpackage made ${#debs[@]} packages"
mv "${debs[@]}" "$work/"
echo "debs: ${#debs[@]} packages in $(took "$t")s" >&2

# 2. DKMS from the package's sources, in private trees: for Debian 12's
# kernel here, then for Debian 13's in trixie's root (scripts/trixie-root.sh),
# where $work is /build.
dkms_deb=$(ls "$work"/xen-gpumem-dkms_*_all.deb)
dpkg-deb -x "$dkms_deb" "$work/dkms-root"
ver=$(dpkg-deb -f "$dkms_deb" Version)
# dkms_build KVER TREE AT [RUN...]: dkms add and build for KVER, in the DKMS
# tree $work/TREE (logged to $work/TREE.log), with RUN... running dkms, which
# sees $work as AT; then check the module.
dkms_build() {
	local kver=$1 tree=$2 at=$3 t ko
	shift 3
	local dkms=(dkms --dkmstree "$at/$tree" --sourcetree "$at/dkms-root/usr/src"
		-m xen-gpumem -v "$ver" -k "$kver" --kernelsourcedir "/usr/src/linux-headers-$kver"
		${JOBS:+-j "$JOBS"})
	mkdir -p "$work/$tree"
	t=$(now)
	{ "$@" "${dkms[@]}" add && "$@" "${dkms[@]}" build; } > "$work/$tree.log" 2>&1 ||
		{ tail -30 "$work/$tree.log" >&2
		  cat "$work/$tree/xen-gpumem/$ver/build/make.log" >&2 2>/dev/null
		  fail "dkms build for $kver (log: $work/$tree.log)"; }
	ko=$(find "$work/$tree/xen-gpumem/$ver/$kver" -name 'xen-gpumem.ko*' | head -1)
	[ -n "$ko" ] || fail "dkms built no xen-gpumem.ko for $kver"
	modinfo "$ko" | grep -q "^vermagic: *$kver " || fail "$ko is not for $kver"
	if modinfo "$ko" | grep -q '^parm: *hvsim'; then
		fail "the DKMS module has hvsim parameters: not a production build"
	fi
	echo "debs: DKMS built xen-gpumem $ver for $kver in $(took "$t")s ($ko)" >&2
}
dkms_build "$kver" dkms-tree "$work"
t=$(now)
trixie=$("$top/scripts/trixie-root.sh")
echo "debs: Debian 13 root in $(took "$t")s ($trixie)" >&2
dkms_build "$(newest_kver "$trixie")" dkms-tree-trixie /build "$top/scripts/trixie-root.sh" "$work"
echo "$stamp" > "$work/stamp"
made
