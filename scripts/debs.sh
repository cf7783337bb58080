#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# make debs: the project's Debian packages, built with Debian's own tooling
# (dpkg-buildpackage, debhelper) from a copy of the files git tracks, so
# that the tree stays clean; then installed as a user installs them, with
# apt-get in a Debian 12 and a Debian 13 system (scripts/debian-root.sh:
# mmdebstrap's roots, each with its 6.12 kernel's headers; changes to them
# dropped after), where xen-gpumem-dkms's postinst has DKMS build and
# install the module for that kernel; tests/packages/install-test.sh checks
# what each package installed (the module where modprobe finds it, a
# production build of the kernel's vermagic; the device's group and udev
# rule; a device model built with pkg-config against libgpumem; the tools
# and their manuals), purges them and checks that nothing is left.
# Packages made from the files as they are now (scripts/tree-stamp.sh) for
# the same kernels are reused, as by the suites that install them
# (scripts/guest-image.sh).
#
#   scripts/debs.sh [DIR]    prints the .deb paths, one a line, then what
#                            was installed for the kernel KVER (default
#                            Debian 12's; Debian 13's TRIXIE_KVER for the
#                            Debian 13 dom0): the module DKMS installed
#                            (xen-gpumem.ko.xz, what the Xen dom0 images
#                            load) and installed.tar (the files and links
#                            dpkg installed of gpumem-tools and libgpumem0,
#                            what every guest image carries); with DIR,
#                            of copies made there (emptied first) under the
#                            lock: the suites' own, which another tree's
#                            run of this script cannot remove while they
#                            use them
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem);
#                      the packages go to $XEN_GPUMEM_CACHE/debs/
#   KVER               the kernel whose module is printed (default: the
#                      newest 6.12 headers, Debian 12's)
#   TRIXIE_KVER        Debian 13's kernel (scripts/debian-root.sh)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" debs

hold debs
work=$cache/debs
src=$work/src/xen-gpumem
# The Debian systems, and the kernel of each (Debian 12's is this host's).
kver12=$(cat "$("$top/scripts/debian-root.sh" bookworm)/.kver")
kver13=$(cat "$("$top/scripts/debian-root.sh" trixie)/.kver")
kver=${KVER:-$kver12}
stamp="$("$top/scripts/tree-stamp.sh") $kver12 $kver13"
# What it prints: the packages, then the module DKMS installed for $kver,
# or their copies in DIR.
out=${1:-}
made() {
	local files f ko
	ko=$(find "$work/installed/$kver" -name 'xen-gpumem.ko*' 2>/dev/null)
	[ -n "$ko" ] || fail "nothing installed for $kver (only for $kver12 and $kver13)"
	mapfile -t files < <(ls "$work"/*.deb; echo "$ko"; echo "$work/installed/$kver/installed.tar")
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

# 2. Installed in Debian 12 and Debian 13 (scripts/debian-root.sh):
# apt-get install, DKMS's build for the root's kernel, the checks, purge.
for suite in bookworm trixie; do
	t=$(now)
	inst=$work/install-$suite
	mkdir -p "$inst/debs"
	cp "$work"/*.deb "$inst/debs/"
	cp "$top/tests/packages/install-test.sh" "$inst/"
	k=$(cat "$cache/debian-root/$suite/.kver")
	"$top/scripts/debian-root.sh" "$suite" "$inst" bash /build/install-test.sh "$k" \
		> "$inst/install-test.log" 2>&1 ||
		{ cat "$inst/install-test.log" >&2
		  fail "the packages installed in $suite (log: $inst/install-test.log)"; }
	ko=$(find "$inst/out/$k" -name 'xen-gpumem.ko*' | head -1)
	[ -n "$ko" ] || fail "no module DKMS installed for $k in $suite"
	[ -s "$inst/out/$k/installed.tar" ] || fail "no installed.tar from $suite"
	mkdir -p "$work/installed/$k"
	cp "$ko" "$inst/out/$k/installed.tar" "$work/installed/$k/"
	rm -rf "$inst/debs"
	echo "debs: installed in $suite ($(grep -c '^ok: ' "$inst/install-test.log") checks, DKMS built xen-gpumem for $k) in $(took "$t")s" >&2
done
echo "$stamp" > "$work/stamp"
made
