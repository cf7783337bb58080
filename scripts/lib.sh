#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# What the scripts of scripts/ share; sourced first, with the script's name
# (the prefix of its messages):   . "$(dirname "$0")/lib.sh" NAME
# Gives: strict mode; top (the project's root); cache (XEN_GPUMEM_CACHE,
# default /var/cache/xen-gpumem); fail MSG (print "NAME: FAIL: MSG" on
# stderr, exit 1); now (wall-clock seconds); took T (seconds since T, one
# decimal); hold NAME (an exclusive lock on the shared cache NAME, held
# until the script exits: two trees' runs of a stage take turns instead of
# overlaying one Linux tree or one build directory at the same time);
# newest_kver [ROOT] (the release of the newest linux-headers-6.12.*-amd64
# under ROOT/usr/src, default /, or nothing); shlibs LDSO DIRS FILE... (the
# shared libraries FILE... load, as the dynamic loader LDSO resolves them
# with the search path DIRS first: one absolute path a line, sorted, the
# loader itself left out); qemu_src_version (the Debian source version of
# QEMU the project builds, QEMU_SRC_VERSION, and whose data packages it
# takes).  A script may define its own fail after sourcing.
set -euo pipefail

gpumem_script=${1:?usage: . lib.sh NAME}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${XEN_GPUMEM_CACHE:-/var/cache/xen-gpumem}
qemu_src_version=${QEMU_SRC_VERSION:-1:10.0.13+ds-0+deb13u1}
fail() { echo "$gpumem_script: FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
took() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }
newest_kver() {
	find "${1:-}/usr/src" -maxdepth 1 -name 'linux-headers-6.12.*-amd64' -printf '%f\n' |
		sort -V | tail -1 | sed 's/^linux-headers-//'
}
# apply_series DIR WHAT PATCH...: the patches, in order, with patch -p1.
apply_series() {
	local dir=$1 what=$2 p
	shift 2
	for p; do
		echo "$gpumem_script: apply $(basename "$p")" >&2
		patch -d "$dir" -p1 --quiet --no-backup-if-mismatch < "$p" ||
			fail "$(basename "$p") does not apply to $what"
	done
}
shlibs() {
	local ldso=$1 dirs=$2 f
	shift 2
	for f; do
		"$ldso" --library-path "$dirs" --list "$f"
	done 2>/dev/null | awk '$1 !~ /^\// && $2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u
}
# cache_empty: the cache holds nothing yet (a first run on this machine,
# whose figures are those of an empty cache).
cache_empty() {
	[ -z "$(ls -A "$cache" 2>/dev/null)" ]
}
hold() {
	mkdir -p "$cache"
	exec {gpumem_lock_fd}> "$cache/$1.lock"
	if ! flock -n "$gpumem_lock_fd"; then
		echo "$gpumem_script: waiting for $cache/$1.lock (another run uses it)" >&2
		flock "$gpumem_lock_fd"
	fi
}
