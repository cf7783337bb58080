#!/usr/bin/env bash
# The reference Xen: Debian's Xen source with the project's patch series for
# that version (xen/patches/<series>/*.patch, in name order) applied,
# hypervisor only.  Two series: 4.17 (Debian 12's Xen, the default) and 4.20
# (Debian 13's).
#
#   scripts/xen-build.sh            build (or reuse) and print the ELF's path
#
# Inputs:
#   XEN_SERIES        4.17 (default) or 4.20
#   XEN_GPUMEM_CACHE  cache directory (default /var/cache/xen-gpumem)
#   XEN_SRC_VERSION   Debian source version (default: 4.17.5+72-g01140da4e8-1,
#                     the one bookworm's archive serves; for 4.20,
#                     4.20.4+63-g7abfd2bce2-0+deb13u1, trixie's)
#   XEN_SRC_GIT       4.20 only (4.17 ignores it): a git repository of
#                     upstream Xen (a clone of xen-project/xen) whose
#                     XEN_SRC_REF (default RELEASE-4.20.4) stands in for
#                     Debian 13's source package, which this machine's
#                     mirror answers 404 for (xen/patches/4.20/
#                     PORTING.md), with the hypervisor config of Debian
#                     13's xen-hypervisor-4.20-amd64 of the version above;
#                     not used by make test
#   JOBS              make -j (default 2)
# Outputs (everything under $XEN_GPUMEM_CACHE):
#   xen-src/          4.17's Debian source package, fetched once with
#                     apt-get source, and pristine/, its unpacked tree;
#                     xen-src-trixie/ the same for 4.20, fetched through
#                     scripts/apt-trixie.sh (a private apt configuration);
#                     xen-src-upstream/ with XEN_SRC_GIT
#   xen-build/xen-<key>.gz  the hypervisor as Debian installs it (/boot)
#   xen-build/xen-<key>     the uncompressed ELF, for QEMU's multiboot -kernel
#   xen-build/xen           symlink to the newest ELF
#   xen-build/build.log     the last build's output
# <key> is a hash of the source version, Debian's hypervisor config and every
# patch: a changed series rebuilds from a fresh copy of pristine/, an
# unchanged one reuses the cached ELF.  The last line on stdout is the ELF's
# path; everything else goes to stderr.
#
# 4.17 needs root once (a bookworm deb-src entry in /etc/apt/sources.list.d
# and apt-get update); both need the build tools of scripts/install-deps.sh.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" xen-build

series=${XEN_SERIES:-4.17}
case $series in
4.17)	version=${XEN_SRC_VERSION:-4.17.5+72-g01140da4e8-1}
	src=$cache/xen-src ;;
4.20)	version=${XEN_SRC_VERSION:-4.20.4+63-g7abfd2bce2-0+deb13u1}
	src=$cache/xen-src-trixie ;;
*)	echo "xen-build: FAIL: XEN_SERIES=$series: 4.17 or 4.20" >&2; exit 1 ;;
esac
upstream=
[ "$series" != 4.20 ] || upstream=${XEN_SRC_GIT:-}
if [ -n "$upstream" ]; then
	ref=${XEN_SRC_REF:-RELEASE-4.20.4}
	commit=$(git -C "$upstream" rev-parse --verify -q "$ref^{commit}") || {
		echo "xen-build: FAIL: no commit $ref in $upstream" >&2
		exit 1
	}
	config_version=$version
	version="upstream $ref ($commit), Debian $config_version's config"
	src=$cache/xen-src-upstream
fi
jobs=${JOBS:-2}
hold xen-build
out=$cache/xen-build
list=/etc/apt/sources.list.d/xen-gpumem-src.list
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
log() { echo "xen-build: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

mkdir -p "$src" "$out"
exec 9> "$out/.lock"
flock 9

# The source package into $src, once: 4.17's from bookworm's deb-src (an
# entry in the host's sources.list.d), 4.20's from trixie through the
# private apt configuration of scripts/apt-trixie.sh.
fetch_source() {
	local want

	[ -s "$dsc" ] && return
	log "apt-get source xen=$version"
	if [ "$series" = 4.20 ]; then
		(cd "$src" && "$top/scripts/apt-trixie.sh" source --download-only \
			"xen=$version" >&2) || fail "apt-get source xen=$version (trixie)"
		return
	fi
	want="deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main"
	if [ ! -f "$list" ] || [ "$(cat "$list")" != "$want" ]; then
		[ "$(id -u)" -eq 0 ] || fail "need root to write $list"
		printf '%s\n' "$want" > "$list"
		log "apt-get update (deb-src entries in $list)"
		apt-get update -q >&2
	fi
	(cd "$src" && apt-get source -q --download-only "xen=$version" >&2) ||
		{ apt-get update -q >&2 &&
		  (cd "$src" && apt-get source -q --download-only "xen=$version" >&2); } ||
		fail "apt-get source xen=$version"
}

# XEN_SRC_GIT's tree into $1, and as its debian/xen-kconfig the config
# Debian 13's hypervisor package installs in /boot.
unpack_upstream() {
	local deb=$src/debs

	log "git archive $ref of $upstream; the config of xen-hypervisor-4.20-amd64=$config_version"
	mkdir -p "$1/debian" "$deb"
	git -C "$upstream" archive --format=tar "$commit" | tar -x -C "$1" ||
		fail "git archive $ref of $upstream"
	rm -f "$deb"/*.deb
	(cd "$deb" && "$top/scripts/apt-trixie.sh" download \
		"xen-hypervisor-4.20-amd64=$config_version" >&2) ||
		fail "apt-get download xen-hypervisor-4.20-amd64=$config_version (trixie)"
	dpkg-deb --fsys-tarfile "$deb"/xen-hypervisor-4.20-amd64_*.deb |
		tar -xO ./boot/xen-4.20-amd64.config > "$1/debian/xen-kconfig"
	[ -s "$1/debian/xen-kconfig" ] ||
		fail "no /boot/xen-4.20-amd64.config in xen-hypervisor-4.20-amd64"
}

# 1. The source package (or XEN_SRC_GIT's tree), once.
dsc=$src/xen_$version.dsc
if [ ! -s "$src/pristine/.version" ] ||
   [ "$(cat "$src/pristine/.version")" != "$version" ]; then
	rm -rf "$src/pristine" "$src/pristine.tmp"
	if [ -n "$upstream" ]; then
		unpack_upstream "$src/pristine.tmp"
	else
		fetch_source
		dpkg-source --no-check -x "$dsc" "$src/pristine.tmp" >&2
	fi
	echo "$version" > "$src/pristine.tmp/.version"
	mv "$src/pristine.tmp" "$src/pristine"
fi

# 2. The key of this build.
shopt -s nullglob
patches=("$top/xen/patches/$series"/*.patch)	# name order: the glob sorts
shopt -u nullglob
[ ${#patches[@]} -gt 0 ] || fail "no patches in $top/xen/patches/$series"
key=$( { echo "$version"; cat "$src/pristine/debian/xen-kconfig";
	 for p in "${patches[@]}"; do basename "$p"; cat "$p"; done; } |
	sha256sum | cut -c1-16)
elf=$out/xen-$key
if [ -s "$elf" ] && [ -s "$elf.gz" ]; then
	log "cached: series ${key} (${#patches[@]} patches)"
	ln -sfn "$(basename "$elf")" "$out/xen"
	echo "$elf"
	exit 0
fi

# 3. A fresh tree, the series, Debian's config, the hypervisor.
tree=$out/tree
t0=$(date +%s)
rm -rf "$tree"
cp -a "$src/pristine" "$tree"
apply_series "$tree" "xen $version" "${patches[@]}"
cmp -s "$top/include/xen/interface/gpumem.h" \
	"$tree/xen/include/public/hvm/gpumem.h" ||
	fail "xen/include/public/hvm/gpumem.h differs from include/xen/interface/gpumem.h: regenerate patch 0001"
cp "$tree/debian/xen-kconfig" "$tree/xen/.config"
log "make -C xen olddefconfig; make -C xen -j$jobs (log: $out/build.log)"
if ! { make -C "$tree/xen" olddefconfig &&
       make -C "$tree/xen" -j"$jobs" XEN_TARGET_ARCH=x86_64; } > "$out/build.log" 2>&1; then
	tail -30 "$out/build.log" >&2
	fail "build failed (log: $out/build.log)"
fi
cp "$tree/xen/xen.gz" "$elf.gz.tmp"
cp "$tree/xen/xen" "$elf.tmp"
mv "$elf.gz.tmp" "$elf.gz"
mv "$elf.tmp" "$elf"
ln -sfn "$(basename "$elf")" "$out/xen"
log "built series ${key} in $(($(date +%s) - t0))s"
echo "$elf"
