#!/usr/bin/env bash
# Print a short hash of the project's files as they are now (tracked and
# untracked, not ignored): what a saved test transcript was made from.
# scripts/diff-test.sh reuses a transcript only with the current stamp.
# FIGURES.md, which the measuring scripts rewrite, is not part of it.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -co --exclude-standard -z |
	while IFS= read -r -d '' f; do
		[ -f "$f" ] && [ "$f" != FIGURES.md ] && printf '%s\0' "$f"
	done | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
