#!/usr/bin/env bash
# The project's documentation, built by the kernel's own Sphinx setup:
#
#  1. a private copy of Debian's 6.12 source in $XEN_GPUMEM_CACHE/docs-tree
#     (made once per source version, reused afterwards; the tree that
#     kunit.sh overlays is never written to);
#  2. scripts/overlay.sh on that copy (our rst files, headers and index
#     entries);
#  3. `make SPHINXDIRS="userspace-api driver-api" htmldocs` there.
#
# Fails on any Sphinx or kernel-doc warning that names one of the project's
# files (Documentation/*/xen-gpumem.rst, include/uapi/xen/gpumem.h) and on a
# failed build.  The rest of the two books has warnings of its own under
# Debian's Sphinx 5.3 that are not ours to fix: they are counted and kept in
# the log, not fatal.  HTMLDOCS_DIRS overrides the SPHINXDIRS.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XEN_GPUMEM_CACHE:-/var/cache/xen-gpumem}
dirs=${HTMLDOCS_DIRS:-userspace-api driver-api}
fail() { echo "htmldocs: FAIL: $*" >&2; exit 1; }

command -v /usr/bin/sphinx-build > /dev/null ||
	fail "no sphinx-build: scripts/install-deps.sh installs python3-sphinx"
# Debian's Python, which has Debian's Sphinx and PyYAML, whatever else
# comes first in PATH.
export PATH=/usr/bin:$PATH

src=$("$top/scripts/linux-tree.sh")
tree=$cache/docs-tree
version=$(cat "$cache/.source-version" 2>/dev/null || echo unknown)
t0=$(date +%s)
if [ "$(cat "$tree/.docs-tree-version" 2>/dev/null)" != "$version" ]; then
	echo "htmldocs: copying $src into $tree"
	rm -rf "$tree"
	mkdir -p "$tree"
	rsync -a --exclude .git --exclude '*.o' --exclude '.*.cmd' \
		--exclude '*.ko' --exclude '*.a' "$src/" "$tree/"
	echo "$version" > "$tree/.docs-tree-version"
fi
"$top/scripts/overlay.sh" "$tree"

log=$cache/htmldocs.log
rc=0
make -C "$tree" -j"$(nproc)" SPHINXDIRS="$dirs" htmldocs > "$log" 2>&1 || rc=$?
t1=$(date +%s)
[ "$rc" -eq 0 ] || { tail -40 "$log" >&2; fail "make htmldocs (log: $log)"; }

ours='xen-gpumem|uapi/xen/gpumem\.h'
warn='WARNING|ERROR|CRITICAL|[Ww]arning:|[Ee]rror:'
if grep -E "$warn" "$log" | grep -E "$ours" >&2; then
	fail "warnings in the project's documentation (log: $log)"
fi
for d in $dirs; do
	for f in userspace-api/xen-gpumem driver-api/xen-gpumem; do
		case $f in "$d"/*) ;; *) continue ;; esac
		html=$tree/Documentation/output/$d/${f#"$d"/}.html
		[ -s "$html" ] || fail "no $html"
	done
done
other=$(grep -cE "$warn" "$log" || true)
echo "htmldocs: SPHINXDIRS=\"$dirs\" built in $((t1 - t0)) s, no warning in the project's files ($other elsewhere in those books, see $log)"
echo "htmldocs: $tree/Documentation/output/userspace-api/xen-gpumem.html"
