#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# apt-trixie.sh APT-GET-ARGS...: apt-get against Debian 13 (trixie) through
# a private configuration, never the host's own sources: its sources list,
# package lists and caches live in $XEN_GPUMEM_CACHE/apt-trixie, signed by
# the debian-archive-keyring package's keyring.  For what the project takes
# from trixie without installing it: apt-get download (the Xen 4.20
# toolstack and its libraries) and apt-get source (Xen 4.20's source).
# The lists are refreshed when older than a day; the command runs in the
# current directory.
#
#   scripts/apt-trixie.sh download xen-utils-4.20
#   scripts/apt-trixie.sh source --download-only xen=4.20.4+63-g7abfd2bce2-0+deb13u1
#   scripts/apt-trixie.sh policy xen-utils-4.20   (apt-cache, not apt-get)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" apt-trixie

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
dir=$cache/apt-trixie
[ -s "$keyring" ] || fail "no $keyring: apt-get install debian-archive-keyring"
mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
sources="deb [signed-by=$keyring] http://deb.debian.org/debian trixie main
deb-src [signed-by=$keyring] http://deb.debian.org/debian trixie main
deb [signed-by=$keyring] http://deb.debian.org/debian-security trixie-security main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security trixie-security main"
[ "$(cat "$dir/sources.list" 2>/dev/null)" = "$sources" ] ||
	printf '%s\n' "$sources" > "$dir/sources.list"
opts=(-o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=-
      -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache"
      -o APT::Get::List-Cleanup=0 -q)

(
	# One refresh at a time; readers wait for it.
	flock 9
	if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
		apt-get "${opts[@]}" update >&2 || fail "apt-get update (trixie)"
	fi
) 9> "$dir/.lock"

if [ "${1:-}" = policy ] || [ "${1:-}" = show ] || [ "${1:-}" = showsrc ] ||
   [ "${1:-}" = madison ]; then
	exec apt-cache "${opts[@]}" "$@"
fi
exec apt-get "${opts[@]}" "$@"
