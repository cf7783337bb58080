#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# What the scripts of scripts/ share; sourced first, with the script's name
# (the prefix of its messages):   . "$(dirname "$0")/lib.sh" NAME
# Gives: strict mode; top (the project's root); cache (XEN_GPUMEM_CACHE,
# default /var/cache/xen-gpumem); fail MSG (print "NAME: FAIL: MSG" on
# stderr, exit 1); now (wall-clock seconds); took T (seconds since T, one
# decimal).  A script may define its own fail after sourcing.
set -euo pipefail

gpumem_script=${1:?usage: . lib.sh NAME}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${XEN_GPUMEM_CACHE:-/var/cache/xen-gpumem}
fail() { echo "$gpumem_script: FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
took() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }
