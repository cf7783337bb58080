// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gntalloc-bench REFS: the stock way for dom0 to show its memory to a domU,
 * for make xen-bench (tests/xen-e2e/bench.sh): Linux's gntalloc
 * (/dev/xen/gntalloc) allocates pages and grants each to the domU.  Driven
 * line by line from standard input, one answer line each:
 *
 *   alloc DOMID PAGES BYTE  IOCTL_GNTALLOC_ALLOC_GREF of PAGES writable
 *                           grants to DOMID, timed; then mmap them and fill
 *                           page i with BYTE + i; the references go to the
 *                           file REFS as ranges "<first>+<count>" separated
 *                           by spaces (what gpumem_domu's "gmap" reads from
 *                           xenstore): "ok alloc <ns> <ranges>"
 *   dealloc                 munmap the pages, then IOCTL_GNTALLOC_DEALLOC_GREF
 *                           (the grants end, the pages are freed once the
 *                           domU has unmapped them), each timed: "ok dealloc
 *                           <munmap ns> <dealloc ns>"
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <xen/gntalloc.h>

#define PAGE 4096UL

static __u64 now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The references as ranges of consecutive ones, to @path; their number. */
static unsigned int write_ranges(const char *path, const __u32 *ref,
				 unsigned int n)
{
	unsigned int i, first = 0, ranges = 0;
	FILE *f = fopen(path, "w");

	if (!f)
		return 0;
	for (i = 1; i <= n; i++) {
		if (i < n && ref[i] == ref[i - 1] + 1)
			continue;
		fprintf(f, "%s%u+%u", ranges ? " " : "", ref[first], i - first);
		ranges++;
		first = i;
	}
	fclose(f);
	return ranges;
}

int main(int argc, char **argv)
{
	struct ioctl_gntalloc_alloc_gref *op = NULL;
	unsigned long domid, pages = 0, byte, i;
	unsigned char *buf = NULL;
	char line[128], cmd[16];
	__u64 t;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: gntalloc-bench REFS\n");
		return 2;
	}
	fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("err open /dev/xen/gntalloc: %s\n", strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%15s", cmd) != 1)
			continue;
		if (!strcmp(cmd, "alloc") && !op &&
		    sscanf(line, "%*s %lu %lu %li", &domid, &pages, &byte) == 3 &&
		    pages && pages <= (1UL << 20)) {
			op = calloc(1, sizeof(*op) + pages * sizeof(__u32));
			if (!op) {
				printf("err alloc: %s\n", strerror(errno));
				continue;
			}
			op->domid = domid;
			op->flags = GNTALLOC_FLAG_WRITABLE;
			op->count = pages;
			t = now();
			if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op)) {
				printf("err alloc: %s\n", strerror(errno));
				free(op);
				op = NULL;
				continue;
			}
			t = now() - t;
			buf = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, op->index);
			if (buf == MAP_FAILED) {
				printf("err alloc: mmap: %s\n", strerror(errno));
				buf = NULL;
				continue;
			}
			for (i = 0; i < pages; i++)
				memset(buf + i * PAGE, (byte + i) & 0xff, PAGE);
			printf("ok alloc %llu %u\n", (unsigned long long)t,
			       write_ranges(argv[1], op->gref_ids, pages));
		} else if (!strcmp(cmd, "dealloc") && op && buf) {
			struct ioctl_gntalloc_dealloc_gref d = {
				.index = op->index, .count = op->count,
			};
			__u64 t2;

			t = now();
			munmap(buf, pages * PAGE);
			t = now() - t;
			t2 = now();
			if (ioctl(fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d)) {
				printf("err dealloc: %s\n", strerror(errno));
				continue;
			}
			t2 = now() - t2;
			printf("ok dealloc %llu %llu\n", (unsigned long long)t,
			       (unsigned long long)t2);
			free(op);
			op = NULL;
			buf = NULL;
		} else {
			printf("err %s: not understood here\n", cmd);
		}
	}
	close(fd);
	return 0;
}
