#!/usr/bin/env bash
# Print the path of Debian's Linux 6.12 source tree, unpacked once per package
# version into the cache (XEN_GPUMEM_CACHE, default /var/cache/xen-gpumem).
# A new version also drops the KUnit build directory made from the old one.
set -euo pipefail

cache=${XEN_GPUMEM_CACHE:-/var/cache/xen-gpumem}
src=$cache/linux-source-6.12
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
if [ "$(cat "$cache/.source-version" 2>/dev/null)" != "$version" ] ||
   [ ! -f "$src/Makefile" ]; then
	echo "linux-tree: unpacking linux-source-6.12 $version into $cache" >&2
	rm -rf "$src" "$cache/kunit-build"
	mkdir -p "$cache"
	tar -C "$cache" -xf /usr/src/linux-source-6.12.tar.xz
	echo "$version" > "$cache/.source-version"
fi
echo "$src"
