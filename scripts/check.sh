#!/usr/bin/env bash
# Static checks of `make test`:
#  - xen-gpumem.ko builds out of tree against Debian's 6.12 headers with W=1
#    and sparse (C=2) and not one warning;
#    (HVSIM=y: the simulated hypervisor is checked too);
#  - modinfo shows the licence, the description and every parameter, and a
#    production build (no HVSIM=y) has no hvsim code or parameter;
#  - no import circle among the module's files (scripts/import-graph.py);
#  - checkpatch.pl --strict is clean on every C file and header;
#  - libgpumem's errno tables of the fault calls are the uAPI manual's rows
#    (scripts/errno-tables.py);
#  - the documentation builds with the kernel's make htmldocs without a
#    warning in the project's files (scripts/htmldocs.sh).
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" check

kdir=${1:-}
[ -n "$kdir" ] || kdir=/usr/src/linux-headers-$(newest_kver)
src=$("$top/scripts/linux-tree.sh")

# Build in a copy, so the work tree stays free of build products.
copy_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	(cd "$top" && git ls-files -co --exclude-standard -z 2>/dev/null ||
		find . -type f -print0) | (cd "$top" && rsync -a --from0 --files-from=- . "$1/")
}
hold oot	# oot/ and oot-production/: another tree's check takes turns
work=$cache/oot
copy_tree "$work"
log=$work/build.log
make -C "$kdir" M="$work" HVSIM=y W=1 C=2 CHECK=sparse modules > "$log" 2>&1 ||
	{ cat "$log" >&2; fail "out-of-tree build against $kdir"; }
if grep -E 'warning:|error:' "$log" >&2; then
	fail "warnings in the W=1/sparse build"
fi
ko=$work/drivers/xen/gpumem/xen-gpumem.ko
[ -f "$ko" ] || fail "no $ko"
for field in license description; do
	[ -n "$(modinfo -F "$field" "$ko")" ] || fail "modinfo: no $field"
done
for p in backend max_extents max_regions max_pages max_stolen_pages; do
	modinfo -F parm "$ko" | grep -q "^$p:" || fail "modinfo: no parameter $p"
done
echo "check: $(basename "$ko") built against $(basename "$kdir"), W=1 + sparse: no warning"
modinfo -F parm "$ko" | grep -q '^hvsim_ram:' || fail "modinfo: the HVSIM=y build has no hvsim parameter"
"$top/scripts/import-graph.py" "$work/drivers/xen/gpumem" ||
	fail "the module's files call each other in a circle"

# A production build, from a fresh copy of the sources (kbuild's clean
# would descend into the tests/ directory the Makefile names, which only an
# overlaid tree has): no simulated hypervisor in it at all.
prod=$cache/oot-production
copy_tree "$prod"
make -C "$kdir" M="$prod" modules > "$prod/build.log" 2>&1 ||
	{ cat "$prod/build.log" >&2; fail "production build against $kdir"; }
pko=$prod/drivers/xen/gpumem/xen-gpumem.ko
if modinfo -F parm "$pko" | grep '^hvsim' >&2 ||
   nm "$pko" | grep -w -e hvsim_create -e gpumem_hvsim_create >&2; then
	fail "the production build (no HVSIM=y) carries hvsim"
fi
echo "check: production build (no HVSIM=y): no hvsim parameter or symbol"
modinfo "$ko" | grep -E '^(license|description|vermagic|parm):' | sed 's/^/check:   /'

# checkpatch.  The Xen public header keeps Xen's C99 types and shifts so the
# same text can live in Xen (see the comment at its top).
cp="$src/scripts/checkpatch.pl --strict --no-tree --terse --show-types"
cd "$top"
files=$(git ls-files -co --exclude-standard 'drivers/*.[ch]' 'include/uapi/*.h' 'tests/*.[ch]' 2>/dev/null |
	grep -v '\.mod\.c$')
out=$($cp -f $files 2>&1 | grep -E ': (ERROR|WARNING|CHECK):' || true)
out+=$($cp --ignore PREFER_KERNEL_TYPES,BIT_MACRO -f include/xen/interface/gpumem.h 2>&1 |
	grep -E ': (ERROR|WARNING|CHECK):' || true)
# The userspace tools, with what C99 userspace needs (see their headers):
# <inttypes.h> macros (CAMELCASE, and formats assembled from them,
# SPLIT_STRING), shifts where userspace has no BIT() (BIT_MACRO),
# messages kept whole (LONG_LINE), the usage text naming
# its command (EMBEDDED_FUNCTION_NAME), and TAP assertion macros that
# return from the case, as kselftest_harness.h's do
# (MACRO_WITH_FLOW_CONTROL, MACRO_ARG_REUSE), and the one flag a signal
# handler may set, which C requires to be volatile sig_atomic_t (VOLATILE).
tools=$(git ls-files -co --exclude-standard 'tools/*.[ch]')
out+=$($cp --ignore CAMELCASE,SPLIT_STRING,BIT_MACRO,LONG_LINE,EMBEDDED_FUNCTION_NAME,MACRO_WITH_FLOW_CONTROL,MACRO_ARG_REUSE,VOLATILE \
	-f $tools 2>&1 | grep -E ': (ERROR|WARNING|CHECK):' || true)
[ -z "$out" ] || { echo "$out" >&2; fail "checkpatch --strict"; }
echo "check: checkpatch --strict clean on $(echo $files | wc -w) files, the Xen ABI header and $(echo $tools | wc -w) tools files"

# libgpumem_strerror()'s texts, where they copy the manual's tables.
"$top/scripts/errno-tables.py" "$top" || fail "libgpumem's errno tables differ from the uAPI manual"

# The documentation, with the kernel's Sphinx (cached copy of the tree).
"$top/scripts/htmldocs.sh"
