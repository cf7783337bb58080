#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# debian-root.sh: a minimal Debian system, bookworm (12) or trixie (13),
# made by mmdebstrap from Debian's archive and installed by its own apt and
# dpkg (maintainer scripts run), for the project's packages to be installed
# in as on a user's machine: DKMS, the compiler its kernel's headers want
# (gcc-12 for Debian 12's, gcc-14 for Debian 13's), pkgconf, and the 6.12
# kernel's headers (bookworm's: the newest installed here, whose image the
# Debian 12 guests boot); trixie's also has that kernel's image and modules
# (linux-image-KVER), which the Debian 13 dom0 of scripts/xen-e2e.sh boots.
# The root is made again when what it was made with (suite, kernel,
# packages) changes; it is never changed after: runs use an overlay of it.
#
#   scripts/debian-root.sh SUITE             make the root if needed, print
#                                            its path (the kernel release is
#                                            in its .kver)
#   scripts/debian-root.sh SUITE DIR CMD...  run CMD chrooted in a writable
#                                            overlay of the root (its changes
#                                            dropped when CMD ends), with DIR
#                                            at /build, /proc, /sys and /dev
#                                            mounted and the host's DNS; the
#                                            mounts live in a private mount
#                                            namespace (unshare)
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem); the
#                      roots are $XEN_GPUMEM_CACHE/debian-root/SUITE
#   TRIXIE_KVER        trixie's kernel (default: what trixie's linux-headers-amd64
#                      depends on, e.g. 6.12.118+deb13-amd64)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" debian-root

suite=${1:-}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
root=$cache/debian-root/$suite
[ "$suite" = bookworm ] || [ "$suite" = trixie ] ||
	fail "usage: debian-root.sh bookworm|trixie [DIR CMD...]"

# A run in the root as it was made (its maker, below, is the one to check
# that it is current: scripts/debs.sh calls it first).
if [ $# -gt 1 ]; then
	[ $# -ge 3 ] || fail "usage: debian-root.sh SUITE [DIR CMD...]"
	dir=$(cd "$2" && pwd) || fail "no directory $2"
	shift 2
	mkdir -p "$cache/debian-root"
	exec {lock}> "$cache/debian-root-$suite.lock"	# hold's, below
	flock -s "$lock"	# runs share the root; making it takes turns with them
	[ -s "$root/.made-with" ] || fail "no root in $root: run scripts/debian-root.sh $suite"
	ovl=$(mktemp -d "$cache/debian-root/$suite-overlay.XXXXXX")
	rc=0
	# shellcheck disable=SC2016 # the inner bash expands them
	unshare --mount --propagation private -- bash -c '
		set -e
		root=$1 ovl=$2 dir=$3
		shift 3
		mkdir "$ovl/upper" "$ovl/work" "$ovl/merged"
		mount -t overlay overlay \
			-o "lowerdir=$root,upperdir=$ovl/upper,workdir=$ovl/work" "$ovl/merged"
		mount -t proc proc "$ovl/merged/proc"
		mount -t sysfs sysfs "$ovl/merged/sys"
		mount --rbind /dev "$ovl/merged/dev"
		mkdir -p "$ovl/merged/build"
		mount --bind "$dir" "$ovl/merged/build"
		cp -L /etc/resolv.conf "$ovl/merged/etc/resolv.conf"
		exec chroot "$ovl/merged" /usr/bin/env -i PATH=/usr/sbin:/usr/bin \
			HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"' \
		debian-root "$root" "$ovl" "$dir" "$@" || rc=$?
	rm -rf "$ovl"
	exit "$rc"
fi

# The root to make, or to reuse if made with the same suite, kernel and
# packages.
case $suite in
bookworm)
	kver=$(newest_kver "")	# this host's
	[ -n "$kver" ] || fail "no linux-headers-6.12.*-amd64 here: run scripts/install-deps.sh"
	include=(gcc-12 "linux-headers-$kver")
	mirrors=("deb http://deb.debian.org/debian bookworm main"
		"deb http://deb.debian.org/debian bookworm-updates main"
		"deb http://deb.debian.org/debian-security bookworm-security main")
	;;
trixie)
	if [ -n "${TRIXIE_KVER:-}" ]; then
		kver=$TRIXIE_KVER
	else
		kver=$("$top/scripts/apt-trixie.sh" show -o APT::Cache::AllVersions=0 \
			linux-headers-amd64 |
			sed -n 's/^Depends: linux-headers-\([^ ]*\) (=.*/\1/p')
	fi
	[ -n "$kver" ] || fail "no linux-headers-amd64 in trixie"
	include=(gcc-14 "linux-headers-$kver" "linux-image-$kver")
	mirrors=("deb http://deb.debian.org/debian trixie main"
		"deb http://deb.debian.org/debian-security trixie-security main")
	;;
esac
include+=(dkms make gcc libc6-dev pkgconf xz-utils kmod)
made_with="$suite $kver ${include[*]}"

hold "debian-root-$suite"
if [ "$(cat "$root/.made-with" 2>/dev/null)" = "$made_with" ]; then
	echo "debian-root: reused $suite with $kver, $(du -sh "$root" | cut -f1)" >&2
	echo "$root"
	exit 0
fi
command -v mmdebstrap > /dev/null || fail "no mmdebstrap: run scripts/install-deps.sh"
[ -s "$keyring" ] || fail "no $keyring: apt-get install debian-archive-keyring"
t=$(now)
rm -rf "$root"
mkdir -p "$cache/debian-root"
log=$cache/debian-root/$suite.log
# --variant=apt: the Essential packages and apt, then --include with apt,
# without recommends (mmdebstrap's default).
mmdebstrap --variant=apt --keyring="$keyring" \
	--include="$(IFS=,; echo "${include[*]}")" \
	"$suite" "$root" "${mirrors[@]}" > "$log" 2>&1 ||
	{ tail -20 "$log" >&2; rm -rf "$root"; fail "mmdebstrap $suite (log: $log)"; }
[ -d "$root/usr/src/linux-headers-$kver" ] || fail "no linux-headers-$kver in $root"
[ "$suite" = bookworm ] || [ -f "$root/boot/vmlinuz-$kver" ] ||
	fail "no vmlinuz-$kver in $root"
echo "$kver" > "$root/.kver"
echo "$made_with" > "$root/.made-with"
echo "debian-root: $suite with $kver made in $(took "$t")s, $(du -sh "$root" | cut -f1)" >&2
echo "$root"
