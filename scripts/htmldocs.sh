#!/usr/bin/env bash
# The project's documentation, built by the kernel's own Sphinx setup
# (Documentation/conf.py, kernel-doc, the C domain, automarkup):
#
#  1. a private copy of Debian's 6.12 source in $XEN_GPUMEM_CACHE/docs-tree
#     (made once per source version and reused; the tree that kunit.sh
#     overlays is only read);
#  2. scripts/overlay.sh on that copy (the rst files, the uAPI header, the
#     index entries);
#  3. the kernel's `make SPHINXDIRS=... htmldocs` there.
#
#   htmldocs.sh          the check of `make test` (scripts/check.sh): a book
#                        of the project's two rst files alone
#                        (Documentation/xen-gpumem/ in the copy), built with
#                        SPHINXDIRS=xen-gpumem; fails on any warning at all.
#   htmldocs.sh --full   the books the files belong to, as a reader gets
#                        them: SPHINXDIRS="userspace-api driver-api".  Fails
#                        on any warning that names one of the project's
#                        files; the rest of those books has warnings of its
#                        own under Debian's Sphinx, which are counted, not
#                        fatal.  Many minutes on two cores the first time.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" htmldocs

case ${1:-} in
--full) full=1; dirs="userspace-api driver-api" ;;
'') full=0; dirs=xen-gpumem ;;
*) echo "usage: htmldocs.sh [--full]" >&2; exit 2 ;;
esac

[ -x /usr/bin/sphinx-build ] ||
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

# The book of the check: the two rst files under one index.
book=$tree/Documentation/xen-gpumem
mkdir -p "$book"
rsync -c "$top/Documentation/userspace-api/xen-gpumem.rst" "$book/userspace-api.rst"
rsync -c "$top/Documentation/driver-api/xen-gpumem.rst" "$book/driver-api.rst"
cat > "$book/index.rst.new" <<'EOF'
.. SPDX-License-Identifier: GPL-2.0 OR MIT

=====================================
xen-gpumem: documentation build check
=====================================

.. toctree::
   :maxdepth: 1

   userspace-api
   driver-api
EOF
if cmp -s "$book/index.rst.new" "$book/index.rst"; then
	rm "$book/index.rst.new"
else
	mv "$book/index.rst.new" "$book/index.rst"
fi

# Sphinx rebuilds incrementally and warns only about the documents it
# reads again: the project's are read on every run (the check's book from
# scratch, which takes seconds; in the full books, its two files touched),
# so a warning cannot pass unseen on a rerun.
out=$tree/Documentation/output
if [ "$full" = 0 ]; then
	rm -rf "$out/xen-gpumem" "$out/.doctrees/xen-gpumem"
else
	touch "$tree/Documentation/userspace-api/xen-gpumem.rst" \
		"$tree/Documentation/driver-api/xen-gpumem.rst"
fi

log=$cache/htmldocs.log
[ "$full" = 0 ] || log=$cache/htmldocs-full.log
rc=0
make -C "$tree" -j"$(nproc)" SPHINXDIRS="$dirs" htmldocs > "$log" 2>&1 || rc=$?
t1=$(date +%s)
[ "$rc" -eq 0 ] || { tail -40 "$log" >&2; fail "make htmldocs (log: $log)"; }

warn='WARNING|ERROR|CRITICAL|SEVERE|[Ww]arning:|[Ee]rror:'
if [ "$full" = 0 ]; then
	if grep -E "$warn" "$log" >&2; then
		fail "warnings in the project's documentation (log: $log)"
	fi
	for f in index userspace-api driver-api; do
		[ -s "$out/xen-gpumem/$f.html" ] || fail "no $out/xen-gpumem/$f.html"
	done
	echo "htmldocs: the project's rst built by the kernel's make htmldocs (SPHINXDIRS=$dirs) in $((t1 - t0)) s: no warning"
	echo "htmldocs: $out/xen-gpumem/index.html"
	exit 0
fi

# The project's files, and the three the overlay edits (a warning there is
# the overlay's); not the cache's path, which holds "xen-gpumem" too.
ours='Documentation/(userspace-api|driver-api)/xen-gpumem\.rst|include/uapi/xen/gpumem\.h'
ours+='|Documentation/(userspace-api|driver-api)/index\.rst|ioctl/ioctl-number\.rst'
if grep -E "$warn" "$log" | grep -E "$ours" >&2; then
	fail "warnings in the project's documentation (log: $log)"
fi
for f in userspace-api/xen-gpumem driver-api/xen-gpumem; do
	[ -s "$out/$f.html" ] || fail "no $out/$f.html"
done
other=$(grep -cE "$warn" "$log" || true)
echo "htmldocs: SPHINXDIRS=\"$dirs\" built in $((t1 - t0)) s, no warning in the project's files ($other elsewhere, in the documents Sphinx read again; see $log)"
echo "htmldocs: $out/userspace-api/xen-gpumem.html, $out/driver-api/xen-gpumem.html"
