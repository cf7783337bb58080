#!/usr/bin/env bash
# Build what a QEMU guest of the project boots besides Debian's kernel:
# xen-gpumem.ko out of tree against Debian's 6.12 headers, the static tools
# (tools/gpumem) and selftests (tools/testing/selftests/xen-gpumem), and a
# busybox initramfs holding them, the distro modules
# named in GUEST_MODULES (with their dependencies, decompressed, in load
# order, listed in /modules.list), and the /init read from standard input.
# Sourced by scripts/distro-test.sh and scripts/xen-test.sh, which set:
#   top, work (output directory), GUEST_MODULES (array), fail()
# and get: kver, vmlinuz, ko, initramfs, t_module, t_tools, t_initramfs.
# With GUEST_PACKAGES=y the guest gets the project's packages instead
# (scripts/debs.sh): the module built from the sources xen-gpumem-dkms
# ships, gpumem-tools and libgpumem0 unpacked into the initramfs with the
# shared libraries they need.
# KVER picks the kernel release; by default the newest 6.12 headers that
# linux-headers-6.12-amd64 installed, whose image linux-image-6.12-amd64
# installed (scripts/install-deps.sh).

kver=${KVER:-$(newest_kver)}
[ -n "$kver" ] || fail "no linux-headers-6.12.*-amd64: run scripts/install-deps.sh"
vmlinuz=/boot/vmlinuz-$kver
kdir=/usr/src/linux-headers-$kver
moddir=/lib/modules/$kver
for f in "$kdir/Makefile" "$vmlinuz" "$moddir/modules.dep" /bin/busybox; do
	[ -e "$f" ] || fail "$f missing: run scripts/install-deps.sh"
done
! ldd /bin/busybox > /dev/null 2>&1 ||
	fail "/bin/busybox is not static: install busybox-static"
mkdir -p "$work"

# 1. The module, in a copy of the tree (the work tree stays clean), or of
# the sources the DKMS package ships.
t=$(now)
oot=$work/oot
rm -rf "$oot"
mkdir -p "$oot"
if [ "${GUEST_PACKAGES:-}" = y ]; then
	mapfile -t guest_debs < <("$top/scripts/debs.sh")
	guest_deb() {
		local d
		for d in "${guest_debs[@]}"; do
			[[ $(basename "$d") == "$1"_* ]] && { echo "$d"; return; }
		done
		fail "no package $1 from scripts/debs.sh"
	}
	dpkg-deb -x "$(guest_deb xen-gpumem-dkms)" "$work/dkms-root"
	cp -a "$work"/dkms-root/usr/src/xen-gpumem-*/. "$oot/"
	rm -rf "$work/dkms-root"
else
	(cd "$top" && git ls-files -co --exclude-standard -z) |
		(cd "$top" && rsync -a --from0 --files-from=- . "$oot/")
fi
make -C "$kdir" M="$oot" HVSIM=y modules > "$work/module-build.log" 2>&1 ||
	{ cat "$work/module-build.log" >&2; fail "module build against $kdir"; }
ko=$oot/drivers/xen/gpumem/xen-gpumem.ko
[ -f "$ko" ] || fail "no $ko"
t_module=$(took "$t")

# 2. The tools, static (unless they come from the packages).
t=$(now)
rm -rf "$work/tools"
if [ "${GUEST_PACKAGES:-}" != y ]; then
	make -s -C "$top/tools/gpumem" O="$work/tools" > "$work/tools-build.log" 2>&1 ||
		{ cat "$work/tools-build.log" >&2; fail "tools build"; }
fi
make -s -C "$top/tools/testing/selftests/xen-gpumem" O="$work/selftests" \
	> "$work/selftests-build.log" 2>&1 ||
	{ cat "$work/selftests-build.log" >&2; fail "selftests build"; }
t_tools=$(took "$t")

# 3. The initramfs.
t=$(now)
root=$work/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/"
cp "$work/selftests/gpumem_mm_test" "$root/bin/"
if [ "${GUEST_PACKAGES:-}" = y ]; then
	# As installed: /usr/bin, /usr/lib/xen-gpumem, libgpumem.so.0, and
	# the host's libraries they link (ldd, the unpacked ones first).
	dpkg-deb -x "$(guest_deb gpumem-tools)" "$root"
	dpkg-deb -x "$(guest_deb libgpumem0)" "$root"
	ln -s /usr/lib/xen-gpumem/gpumem_test "$root/bin/gpumem_test"
	for b in gpumem gpumem-ioreq gpumem-xmap; do
		ln -s "/usr/bin/$b" "$root/bin/$b"
	done
	mkdir -p "$root/lib/x86_64-linux-gnu" "$root/lib64"
	LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu ldd \
		"$root"/usr/bin/gpumem* "$root/usr/lib/xen-gpumem/gpumem_test" |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
		while read -r lib; do
			[[ $lib == "$root"/* ]] || cp -L "$lib" "$root/lib/x86_64-linux-gnu/"
		done
	cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
else
	cp "$work/tools/gpumem" "$work/tools/gpumem_test" "$work/tools/gpumem-ioreq" \
		"$work/tools/gpumem-xmap" "$root/bin/"
fi
mkdir -p "$root/etc/gpumem"
cp "$top"/tests/scenario/*.sh "$root/etc/gpumem/"
cp "$ko" "$root/lib/modules/"
mods=()
need=("${GUEST_MODULES[@]}")
for dep in $(modinfo -F depends "$ko" | tr , ' '); do
	need+=("$dep")
done
for m in "${need[@]}"; do
	while read -r cmd path _; do
		[ "$cmd" = insmod ] || continue
		name=$(basename "$path" | sed -E 's/\.ko(\.xz|\.zst|\.gz)?$//')
		[[ " ${mods[*]} " == *" $name "* ]] && continue
		case $path in
		*.xz) xz -dc "$path" ;;
		*.zst) zstd -dc "$path" ;;
		*.gz) gzip -dc "$path" ;;
		*) cat "$path" ;;
		esac > "$root/lib/modules/$name.ko"
		mods+=("$name")
	done < <(modprobe -S "$kver" --show-depends "$m")
done
printf '%s\n' "${mods[@]}" > "$root/modules.list"
cat > "$root/init"
chmod +x "$root/init"
initramfs=$work/initramfs.cpio.gz
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) \
	> "$initramfs"
t_initramfs=$(took "$t")
