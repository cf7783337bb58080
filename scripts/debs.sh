#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# make debs: the project's Debian packages, built with Debian's own tooling
# (dpkg-buildpackage, debhelper) from a copy of the files git tracks, so
# that the tree stays clean; then DKMS builds the module from the
# xen-gpumem-dkms package's sources for Debian 12's 6.12 kernel (the newest
# linux-headers-6.12.*-amd64 installed), in a private DKMS tree, without
# installing anything.  Packages made from the files as they are now
# (scripts/tree-stamp.sh) are reused, as by the suites that install them
# (scripts/guest-image.sh with GUEST_PACKAGES=y).
#
#   scripts/debs.sh          prints the .deb paths, one a line
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem);
#                      the packages go to $XEN_GPUMEM_CACHE/debs/
#   KVER               the kernel DKMS builds for (default: the newest 6.12
#                      headers)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" debs

hold debs
work=$cache/debs
src=$work/src/xen-gpumem
stamp=$("$top/scripts/tree-stamp.sh")
if [ "$(cat "$work/stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "debs: reused, made from tree $stamp" >&2
	ls "$work"/*.deb
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

# 2. DKMS from the package's sources, in a private tree.
kver=${KVER:-$(find /usr/src -maxdepth 1 -name 'linux-headers-6.12.*-amd64' -printf '%f\n' |
	sort -V | tail -1 | sed 's/^linux-headers-//')}
[ -d "/usr/src/linux-headers-$kver" ] || fail "no /usr/src/linux-headers-$kver"
dkms_deb=$(ls "$work"/xen-gpumem-dkms_*_all.deb)
dpkg-deb -x "$dkms_deb" "$work/dkms-root"
ver=$(dpkg-deb -f "$dkms_deb" Version)
mkdir -p "$work/dkms-tree"
dkms=(dkms --dkmstree "$work/dkms-tree" --sourcetree "$work/dkms-root/usr/src"
      -m xen-gpumem -v "$ver" -k "$kver"
      --kernelsourcedir "/usr/src/linux-headers-$kver")
t=$(now)
{ "${dkms[@]}" add && "${dkms[@]}" build; } > "$work/dkms.log" 2>&1 ||
	{ tail -30 "$work/dkms.log" >&2
	  cat "$work/dkms-tree/xen-gpumem/$ver/build/make.log" >&2 2>/dev/null
	  fail "dkms build for $kver (log: $work/dkms.log)"; }
ko=$(find "$work/dkms-tree/xen-gpumem/$ver/$kver" -name 'xen-gpumem.ko*' | head -1)
[ -n "$ko" ] || fail "dkms built no xen-gpumem.ko for $kver"
modinfo "$ko" | grep -q "^vermagic: *$kver " || fail "$ko is not for $kver"
if modinfo "$ko" | grep -q '^parm: *hvsim'; then
	fail "the DKMS module has hvsim parameters: not a production build"
fi
echo "debs: DKMS built xen-gpumem $ver for $kver in $(took "$t")s ($ko)" >&2
echo "$stamp" > "$work/stamp"
ls "$work"/*.deb
