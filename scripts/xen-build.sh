#!/usr/bin/env bash
# The reference Xen: Debian's Xen 4.17 source with the project's patch series
# (xen/patches/*.patch, in name order) applied, hypervisor only.
#
#   scripts/xen-build.sh            build (or reuse) and print the ELF's path
#
# Inputs:
#   XEN_GPUMEM_CACHE  cache directory (default /var/cache/xen-gpumem)
#   XEN_SRC_VERSION   Debian source version (default 4.17.5+72-g01140da4e8-1,
#                     the one bookworm's archive serves)
#   JOBS              make -j (default 2)
# Outputs (everything under $XEN_GPUMEM_CACHE):
#   xen-src/          the Debian source package, fetched once with
#                     apt-get source, and pristine/, its unpacked tree
#   xen-build/xen-<key>.gz  the hypervisor as Debian installs it (/boot)
#   xen-build/xen-<key>     the uncompressed ELF, for QEMU's multiboot -kernel
#   xen-build/xen           symlink to the newest ELF
#   xen-build/build.log     the last build's output
# <key> is a hash of the source version, Debian's hypervisor config and every
# patch: a changed series rebuilds from a fresh copy of pristine/, an
# unchanged one reuses the cached ELF.  The last line on stdout is the ELF's
# path; everything else goes to stderr.
#
# Needs root once (a deb-src entry in /etc/apt/sources.list.d and apt-get
# update) and the build tools of scripts/install-deps.sh.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" xen-build

version=${XEN_SRC_VERSION:-4.17.5+72-g01140da4e8-1}
jobs=${JOBS:-2}
hold xen-build
src=$cache/xen-src
out=$cache/xen-build
list=/etc/apt/sources.list.d/xen-gpumem-src.list
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
log() { echo "xen-build: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

mkdir -p "$src" "$out"
exec 9> "$out/.lock"
flock 9

# 1. The source package, once.
dsc=$src/xen_$version.dsc
if [ ! -s "$src/pristine/.version" ] ||
   [ "$(cat "$src/pristine/.version")" != "$version" ]; then
	want="deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main"
	if [ ! -f "$list" ] || [ "$(cat "$list")" != "$want" ]; then
		[ "$(id -u)" -eq 0 ] || fail "need root to write $list"
		printf '%s\n' "$want" > "$list"
		log "apt-get update (deb-src entries in $list)"
		apt-get update -q >&2
	fi
	if [ ! -s "$dsc" ]; then
		log "apt-get source xen=$version"
		(cd "$src" && apt-get source -q --download-only "xen=$version" >&2) ||
			{ apt-get update -q >&2 &&
			  (cd "$src" && apt-get source -q --download-only "xen=$version" >&2); } ||
			fail "apt-get source xen=$version"
	fi
	rm -rf "$src/pristine" "$src/pristine.tmp"
	dpkg-source --no-check -x "$dsc" "$src/pristine.tmp" >&2
	echo "$version" > "$src/pristine.tmp/.version"
	mv "$src/pristine.tmp" "$src/pristine"
fi

# 2. The key of this build.
shopt -s nullglob
patches=("$top"/xen/patches/*.patch)	# name order: the glob sorts
shopt -u nullglob
[ ${#patches[@]} -gt 0 ] || fail "no patches in $top/xen/patches"
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
for p in "${patches[@]}"; do
	log "apply $(basename "$p")"
	patch -d "$tree" -p1 --quiet --no-backup-if-mismatch < "$p" ||
		fail "$(basename "$p") does not apply to xen $version"
done
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
