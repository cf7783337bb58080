#!/usr/bin/env bash
# `make demo`: the end-to-end story in QEMU, told as it happens.
#  1. Debian's 6.12 kernel boots with xen-gpumem and the simulated
#     hypervisor; tools/gpumem/gpumem_test plays the device model: memory
#     mapped into the frontend and revoked by munmap, udmabuf and vgem
#     buffers imported, a bochs framebuffer mapped from VRAM, evicted by TTM
#     (revoked) and populated again from system RAM, guest pages stolen and
#     returned.
#  2. Debian's Xen 4.17 boots the same kernel as a PVH dom0, and the module
#     meets the real hypervisor.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" demo

t0=$(date +%s)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
say() { printf '%s\n' "$*"; }
fail() { say "demo: FAIL: $*" >&2; exit 1; }

say "== 1. Debian's kernel under QEMU, xen-gpumem with the simulated hypervisor"
"$top/scripts/distro-test.sh" > "$out" 2>&1 ||
	{ cat "$out" >&2; fail "the distro-kernel scenario failed"; }
# The device model's narrative: the test's comment lines, then each result.
sed -n '/^TAP version/,/^# Totals/p' "$out" |
	sed -E -n 's/^# (.*)$/     \1/p; s/^ok [0-9]+ - (.*)$/   ok: \1/p'
grep -E '^distro-test: (times|[0-9]+/)' "$out" | sed 's/^distro-test: /   /'

say "== 2. Xen 4.17 boots the same kernel as a PVH dom0; the module's real backend"
"$top/scripts/xen-test.sh" > "$out" 2>&1 ||
	{ cat "$out" >&2; fail "the real-Xen boot failed"; }
grep -E '^  (gpumem|insmod|rmmod|\[.*xen_gpumem)' "$out" | sed 's/^  /     /'
grep -E '^xen-test: ' "$out" | sed 's/^xen-test: /   /'

say "demo: SUCCESS in $(( $(date +%s) - t0 )) s: memory lent, revoked on munmap and on a real TTM eviction, re-populated, guest pages stolen and returned, and the module loaded in a real PVH dom0"
