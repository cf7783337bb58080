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

# same LABEL FILE: FILE's transcript is hvsim's; its lines in $lines.
same() {
	local out=$cache/diff-test${1#xen}.diff

	lines=$(sed 1d "$2" | wc -l)
	[ "$lines" -ge 40 ] || fail "$1's transcript has $lines lines"
	if ! diff -u --label hvsim --label "$1" <(sed 1d "$hvsim") \
		<(sed 1d "$2") > "$out"; then
		cat "$out" >&2
		fail "hvsim and $1 differ ($out)"
	fi
}

same xen "$xen"
echo "diff-test: PASS: hvsim and the reference Xen print the same $lines transcript lines ($(grep -c '^T:   ' "$xen") hypercall extent lines, $(grep -c '^T: fe ' "$xen") frontend accesses, $(grep -c '^T: dm ' "$xen") device-model commands)"
# 4.20's reference Xen (XEN_VERSION=4.20 scripts/xen-e2e.sh --patched, not
# a stage of make test): compared too when its transcript is of this tree.
xen420=$cache/xen-e2e-4.20/scenario-xen.txt
if fresh "$xen420"; then
	same xen-4.20 "$xen420"
	echo "diff-test: PASS: and 4.20's reference Xen prints the same $lines lines"
fi
