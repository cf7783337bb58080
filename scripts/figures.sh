#!/usr/bin/env bash
# figures.sh SECTION COMMAND < BODY
#
# Rewrite one section of FIGURES.md, the one place the project's measured
# figures live: the section named SECTION gets BODY (as a literal block),
# the command that produced it and the date and machine of the measurement.
# Other sections are left alone; a missing one is appended.  Called by the
# scripts that measure (scripts/bench.sh, scripts/kunit.sh).
set -euo pipefail

id=${1:?usage: figures.sh SECTION COMMAND < BODY}
cmd=${2:?usage: figures.sh SECTION COMMAND < BODY}
top=$(cd "$(dirname "$0")/.." && pwd)
file=$top/FIGURES.md
body=$(cat)
new=$(mktemp)
trap 'rm -f "$new"' EXIT

{
	echo "<!-- figures:$id -->"
	echo "## \`$cmd\`"
	echo
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`$cmd\`, on $(nproc) cores, host kernel $(uname -r)."
	echo
	echo '```'
	printf '%s\n' "$body"
	echo '```'
	echo "<!-- /figures:$id -->"
} > "$new.section"

if grep -q "^<!-- figures:$id -->\$" "$file" 2>/dev/null; then
	awk -v id="$id" -v sec="$new.section" '
		$0 == "<!-- figures:" id " -->" {
			while ((getline l < sec) > 0) print l
			skip = 1; next
		}
		skip && $0 == "<!-- /figures:" id " -->" { skip = 0; next }
		!skip { print }
	' "$file" > "$new"
else
	{ cat "$file" 2>/dev/null; echo; cat "$new.section"; } > "$new"
fi
rm -f "$new.section"
cat "$new" > "$file"
echo "figures: FIGURES.md section $id updated"
