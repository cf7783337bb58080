#!/usr/bin/env bash
# make bench: build a KUnit kernel without debug options (own cached build
# directory) and run only the xen_gpumem_bench suite under QEMU; print its
# figures (backend=hvsim: the module's init path runs, as in make test).
# Timings under TCG are emulated: read them as ratios within one
# run, and the counts (hypercalls, extents, bytes) as exact.  The figures
# also go into FIGURES.md (scripts/figures.sh), the one place they live.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" bench

hold linux-tree	# the Linux tree overlay.sh writes
build=$cache/bench-build
src=$("$top/scripts/linux-tree.sh")
"$top/scripts/overlay.sh" "$src"
rsync -c "$top/tests/kunit/bench.kunitconfig" "$src/drivers/xen/gpumem/bench.kunitconfig"

cd "$src"
./tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig=drivers/xen/gpumem/bench.kunitconfig \
	--build_dir="$build" --jobs="$(nproc)" --timeout=3000 \
	--kernel_args=xen_gpumem.backend=hvsim \
	--kernel_args=panic=-1 \
	--qemu_args="-m 3072 -smp 2" 'xen_gpumem_bench' > "$cache/bench.out" 2>&1 ||
	{ tail -40 "$cache/bench.out" >&2; echo "bench: FAIL" >&2; exit 1; }
figures=$(grep -o 'bench: .*' "$build/test.log" | sed 's/^bench: //' || true)
[ -n "$figures" ] || { echo "bench: FAIL: no figures in $build/test.log" >&2; exit 1; }
sed 's/^/  /' <<<"$figures"
grep -E 'Testing complete' "$cache/bench.out" | tail -1
"$top/scripts/figures.sh" bench "make bench" <<<"$figures"
