# SPDX-License-Identifier: GPL-2.0 OR MIT
# The ivshmem-plain file's pattern and read-back, shared by dom0's
# tests/xen-e2e/qemu.sh (busybox sh) and the host's differential in
# scripts/xen-e2e.sh --qemu (bash), so that both halves of the
# differential write and read the file the same way.

# ivshmem_fill FILE BYTE NR: the first 8 bytes of page i (i < NR) of FILE
# become BYTE + i.
ivshmem_fill() {
	for i in $(seq 0 $(($3 - 1))); do
		x=$(printf '\\x%02x' $((($2 + i) & 255)))
		# shellcheck disable=SC2059 # the format is the 8 bytes
		printf "$x$x$x$x$x$x$x$x" |
			dd of="$1" bs=8 seek=$((i * 512)) count=1 conv=notrunc 2> /dev/null
	done
}

# ivshmem_word FILE PAGE WORD: the 8 bytes at word WORD of page PAGE of
# FILE, in hex.
ivshmem_word() {
	dd if="$1" bs=8 skip=$(($2 * 512 + $3)) count=1 2> /dev/null |
		od -A n -t x1 | tr -d ' \n'
}

# ivshmem_host_reads FILE: the host's half of the differential, the word
# at offset 8 of each of the first 4 pages of FILE (tests/xen-e2e/
# domu-init.sh's guest writes it through /dev/mem).
ivshmem_host_reads() {
	for i in 0 1 2 3; do
		echo "T: host reads page $i offset 8: $(ivshmem_word "$1" "$i" 1)"
	done
}
