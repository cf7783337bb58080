#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# trixie-root.sh: a private, minimal Debian 13 (trixie) root to build
# modules in for Debian 13's kernel, whose configuration needs trixie's
# gcc-14 (Debian 12's gcc-12 rejects -fmin-function-alignment).  Debian 12
# cannot install trixie's packages, so nothing is installed: the packages
# DKMS needs (dkms, gcc-14, make, libc6-dev, binutils, kmod, the shell
# tools kbuild runs and the kernel's linux-headers-*, -common and
# linux-kbuild-*) are resolved by a simulated install against an empty
# package database (scripts/apt-trixie.sh, the private apt configuration),
# fetched with apt-get download and unpacked with dpkg-deb -x into
# $XEN_GPUMEM_CACHE/trixie-root; no maintainer script runs (base-files
# brings the /bin -> usr/bin links; the awk alternative is made by hand).
# The root is made again only when that list of packages and versions
# changes.
#
#   scripts/trixie-root.sh            make the root if needed, print its path
#   scripts/trixie-root.sh DIR CMD... run CMD chrooted in the root, with DIR
#                                     at /build, /proc and /dev mounted; the
#                                     mounts live in a private mount
#                                     namespace (unshare) and end with CMD,
#                                     however it ends
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem)
#   TRIXIE_KVER        the kernel's headers (default: what trixie's
#                      linux-headers-amd64 depends on, e.g.
#                      6.12.118+deb13-amd64)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" trixie-root

root=$cache/trixie-root
apt=("$top/scripts/apt-trixie.sh")

if [ $# -gt 0 ]; then
	[ $# -ge 2 ] || fail "usage: trixie-root.sh [DIR CMD...]"
	dir=$(cd "$1" && pwd) || fail "no directory $1"
	shift
	mkdir -p "$cache"
	exec {lock}> "$cache/trixie-root.lock"
	flock -s "$lock"	# runs share the root; making it takes turns with them
	[ -s "$root/.packages" ] || fail "no root in $root: run scripts/trixie-root.sh"
	# shellcheck disable=SC2016 # the inner bash expands them
	exec unshare --mount --propagation private -- bash -c '
		set -e
		root=$1 dir=$2
		shift 2
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount --bind "$dir" "$root/build"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin \
			HOME=/root LC_ALL=C "$@"' trixie-root "$root" "$dir" "$@"
fi

hold trixie-root
# The kernel and its version (which the headers pin the image to).
show=("${apt[@]}" show -o APT::Cache::AllVersions=0)
if [ -n "${TRIXIE_KVER:-}" ]; then
	kver=$TRIXIE_KVER
	kvers=$("${show[@]}" "linux-headers-$kver" | sed -n 's/^Version: //p')
else
	read -r kver kvers < <("${show[@]}" linux-headers-amd64 |
		sed -n 's/^Depends: linux-headers-\([^ ]*\) (= \([^)]*\)).*/\1 \2/p')
fi
[ -n "${kvers:-}" ] || fail "no linux-headers-${kver:-amd64} in trixie"
wanted=(dkms gcc-14 make libc6-dev binutils kmod coreutils bash dash sed grep
	gawk findutils diffutils tar gzip xz-utils "linux-headers-$kver")

# The closure, as apt would install it on an empty system where the kernel
# image (which the headers depend on, and DKMS does not need) is installed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "Package: linux-image-$kver" "Status: install ok installed" \
	"Version: $kvers" \
	"Architecture: amd64" "Maintainer: none" "Description: not unpacked" "" \
	> "$tmp/status"
: > "$tmp/extended_states"
"${apt[@]}" install -s --no-install-recommends -o Dir::State::status="$tmp/status" \
	-o Dir::State::extended_states="$tmp/extended_states" "${wanted[@]}" \
	> "$tmp/resolve.log" 2>&1 || { cat "$tmp/resolve.log" >&2; fail "resolving ${wanted[*]}"; }
sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1=\2/p' "$tmp/resolve.log" | LC_ALL=C sort > "$tmp/packages"
n=$(wc -l < "$tmp/packages")
[ "$n" -gt 0 ] || fail "apt resolved no packages (log: $tmp/resolve.log)"
if cmp -s "$tmp/packages" "$root/.packages"; then
	echo "trixie-root: reused, $n packages for $kver, $(du -sh "$root" | cut -f1)" >&2
	echo "$root"
	exit 0
fi

t=$(now)
rm -rf "$root"
mkdir -p "$root" "$tmp/debs"
mapfile -t packages < "$tmp/packages"
(cd "$tmp/debs" && "${apt[@]}" download "${packages[@]}") > "$tmp/download.log" 2>&1 ||
	{ tail -20 "$tmp/download.log" >&2; fail "apt-get download"; }
# base-files first: it brings the merged-/usr links the others rely on.
base=$(ls "$tmp"/debs/base-files_*.deb)
dpkg-deb -x "$base" "$root" || fail "dpkg-deb -x $base"
for deb in "$tmp"/debs/*.deb; do
	[ "$deb" = "$base" ] || dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x $deb"
done
for d in bin lib lib64 sbin; do
	[ -L "$root/$d" ] || fail "$root/$d is not a link into usr/"
done
ln -sf gawk "$root/usr/bin/awk"	# gawk's postinst: update-alternatives
mkdir -p "$root/build"
[ -d "$root/usr/src/linux-headers-$kver" ] || fail "no linux-headers-$kver in the root"
cp "$tmp/packages" "$root/.packages"
echo "trixie-root: $n packages for $kver unpacked in $(took "$t")s, $(du -sh "$root" | cut -f1)" >&2
echo "$root"
