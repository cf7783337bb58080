#!/usr/bin/env bash
# The differential check of issue #7: the scenario of tests/scenario/ run
# against hvsim (Debian's kernel under QEMU, scripts/distro-test.sh) and
# against the reference Xen with a real PVH domU (scripts/xen-e2e.sh
# --patched) must print the same transcript: the device model's answers,
# every hypercall extent's status per GFN, what the frontend read and
# whether its accesses faulted to the backend.  A transcript is reused when
# it was made from the files as they are now (scripts/tree-stamp.sh), as
# after stages 4 and 7 of make test; otherwise its script runs first.
#
#   XEN_GPUMEM_CACHE   cache directory (default /var/cache/xen-gpumem)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" diff-test

stamp=$("$top/scripts/tree-stamp.sh")
hvsim=$cache/distro/scenario-hvsim.txt
xen=$cache/xen-e2e/scenario-xen.txt
fresh() { [ -f "$1" ] && [ "$(head -1 "$1")" = "# tree $stamp" ]; }

fresh "$hvsim" || "$top/scripts/distro-test.sh"
fresh "$xen" || "$top/scripts/xen-e2e.sh" --patched
fresh "$hvsim" || fail "no hvsim transcript for tree $stamp"
fresh "$xen" || fail "no reference-Xen transcript for tree $stamp"

lines=$(sed 1d "$xen" | wc -l)
[ "$lines" -ge 40 ] || fail "the reference Xen's transcript has $lines lines"
if ! diff -u --label hvsim --label xen <(sed 1d "$hvsim") <(sed 1d "$xen") \
	> "$cache/diff-test.diff"; then
	cat "$cache/diff-test.diff" >&2
	fail "hvsim and the reference Xen differ ($cache/diff-test.diff)"
fi
echo "diff-test: PASS: hvsim and the reference Xen print the same $lines transcript lines ($(grep -c '^T:   ' "$xen") hypercall extent lines, $(grep -c '^T: fe ' "$xen") frontend accesses, $(grep -c '^T: dm ' "$xen") device-model commands)"
