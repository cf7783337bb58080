#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# make test: every stage CI runs, in order, stopping at the first failure;
# each stage's wall-clock time goes to FIGURES.md (section make-test, or
# make-test-empty-cache for a run that began with nothing in the cache).
#   scripts/test.sh KDIR     KDIR: Debian's 6.12 headers (the Makefile's)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" test

kdir=${1:?usage: scripts/test.sh <Debian 6.12 headers>}
stages=(
	"scripts/check.sh $kdir"
	"make -C tests/abi run"
	"scripts/kunit.sh"
	"scripts/distro-test.sh"
	"scripts/qemu-build.sh"
	"scripts/xen-test.sh"
	"scripts/xen-e2e.sh"
	"env XEN_VERSION=4.20 scripts/xen-e2e.sh"
	"scripts/xen-e2e.sh --patched"
	"scripts/diff-test.sh"
)
cd "$top"
section=make-test what="make test"
cache_empty && section=make-test-empty-cache what="make test, from an empty cache"
t_all=$(now)
times=()
for s in "${stages[@]}"; do
	echo "$s"
	t=$(now)
	# shellcheck disable=SC2086 # a stage is a command and its words
	$s || fail "stage failed: $s"
	times+=("$(printf '%-40s %6s s' "${s/$kdir/KDIR}" "$(took "$t")")")
done
total=$(took "$t_all")
printf '%s\n' "${times[@]}" "$(printf '%-40s %6s s' total "$total")" |
	"$top/scripts/figures.sh" "$section" "$what"
echo "test: all ${#stages[@]} stages passed in $total s"
