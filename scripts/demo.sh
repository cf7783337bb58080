#!/usr/bin/env bash
# `make demo`: the end-to-end story in QEMU, told as it happens.
#  1. Debian's 6.12 kernel boots with xen-gpumem and the simulated
#     hypervisor, installed from the project's packages; gpumem_test plays
#     the device model: memory mapped into the frontend and revoked by
#     munmap, udmabuf and vgem buffers imported, a bochs framebuffer mapped
#     from VRAM, evicted by TTM (revoked) and populated again from system
#     RAM, guest pages stolen and returned, faults served.
#  2. The reference Xen (xen/) boots the same kernel as a PVH dom0 and xl
#     creates a PVH domU: the domU reads the buffer dom0 lends, dom0's
#     munmap revokes it and the domU's next access is served by the module
#     in the kernel, a locked-increment loop in the domU keeps its exact
#     count across revokes, guest pages are stolen and returned, and the
#     domU is destroyed with nothing left.
# Each part is a stage of make test (scripts/distro-test.sh,
# scripts/xen-e2e.sh --patched); the demo prints their story, not their
# checks of refusals.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" demo

t0=$(date +%s)
section=demo what="make demo"
cache_empty && section=demo-empty-cache what="make demo, from an empty cache"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
say() { printf '%s\n' "$*"; }
fail() { say "demo: FAIL: $*" >&2; exit 1; }

say "== 1. Debian's kernel under QEMU: xen-gpumem from its packages, with the simulated hypervisor"
"$top/scripts/distro-test.sh" > "$out" 2>&1 ||
	{ cat "$out" >&2; fail "the distro-kernel scenario failed"; }
# The story's cases of gpumem_test, told (the others check refusals).
declare -A story=(
	[map_va_memfd]="a memfd's pages lent to the frontend; munmap revokes them, POPULATE maps the new ones"
	[map_va_anon]="the same with anonymous memory"
	[dmabuf_udmabuf]="a udmabuf imported: the frontend sees the memfd's pages"
	[dmabuf_vgem]="a vgem buffer imported"
	[bochs_vram_evict]="a bochs framebuffer lent from VRAM, evicted by TTM (revoked), populated again from system RAM, back in VRAM"
	[steal_return]="frontend pages stolen into dom0, written there, returned with dom0's bytes"
	[fault_kernel_served]="the frontend's reads and writes of a lazy region served in the kernel, nothing for the device model"
	[fault_map_ahead]="map-ahead: a 6 MiB region mapped whole by two faults"
	[fault_user_retry]="a fault handed to the device model, which maps a page there and retries"
	[close_revokes_all]="close revokes everything"
)
while read -r _ _ _ name; do
	[ -n "${story[$name]:-}" ] && say "   ${story[$name]}"
done < <(grep -E '^ok [0-9]+ - ' "$out")
grep -E '^distro-test: [0-9]+/' "$out" | sed 's/^distro-test: /   /'

t1=$(date +%s)
say "== 2. The reference Xen under QEMU: a PVH dom0 lends its memory to a PVH domU"
"$top/scripts/xen-e2e.sh" --patched > "$out" 2>&1 ||
	{ cat "$out" >&2; fail "the reference-Xen scenario failed"; }
log=$(sed -n 's/.*(log: \(.*\))$/\1/p' "$out" | tail -1)
[ -f "$log" ] || fail "no log of the reference-Xen run"
grep -E '^domU ready' "$log" | sed -E 's/: .*//; s/^/   /'
# The scenario's story: its sections and what each showed, without the
# checks of the operations' refusals (which end in the errno expected).
awk '
	/^=== / {
		sec = substr($0, 5)
		show = sec ~ /^(MAP_VA: |munmap: |POPULATE: |STEAL and RETURN|the kernel.s fault loop|a locked increment loop|the frontend destroyed)/
		if (show)
			print "   " sec
		next
	}
	show && /^ok: / && !/(: E[A-Z]+$|refused|EMLINK|EACCES|ENOENT|ESRCH|unmapped$)/ {
		print "     " substr($0, 5)
	}
' "$log"
grep -E '^ok: (xen-gpumem unloaded|dom0 healthy)' "$log" | sed 's/^ok: /   /'
grep -E '^xen-e2e: PASS' "$out" | sed 's/^xen-e2e: /   /'

t2=$(date +%s)
printf '%-58s %5s s\n' "1. Debian's kernel with hvsim (scripts/distro-test.sh)" $((t1 - t0)) \
	"2. the reference Xen with a domU (scripts/xen-e2e.sh --patched)" $((t2 - t1)) \
	total $((t2 - t0)) | "$top/scripts/figures.sh" "$section" "$what" > /dev/null
say "demo: SUCCESS in $((t2 - t0)) s: memory lent to a real domU, revoked on munmap and on a TTM eviction, served again in the kernel on the guest's next access, guest pages stolen and returned, the domU destroyed with nothing left"
