// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gpumem-xmap: hold a foreign mapping of one frontend GFN, as a device
 * model or a toolstack does (xenforeignmemory_map, Xen's privcmd), so that
 * the differential scenario can STEAL a page another domain foreign-maps:
 * the ABI's -EMLINK (include/xen/interface/gpumem.h).
 *
 *   gpumem-xmap --domid N GFN
 *
 * Maps the page read-only, prints "xmap: d<N> gfn <GFN> mapped, byte 0x<b>"
 * (its first byte), and holds the mapping until SIGTERM or SIGINT, then
 * unmaps it and prints "xmap: unmapped".  Exit 1 when the mapping fails.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenforeignmemory.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	xenforeignmemory_handle *fmem;
	unsigned long long gfn;
	xen_pfn_t pfn;
	uint32_t domid;
	char *end;
	int err = 0;
	void *p;

	if (argc != 4 || strcmp(argv[1], "--domid")) {
		fprintf(stderr, "usage: gpumem-xmap --domid N GFN\n");
		return 2;
	}
	errno = 0;
	domid = strtoul(argv[2], &end, 0);
	if (errno || *end || domid >= 0x7ff0) {
		fprintf(stderr, "gpumem-xmap: bad domid %s\n", argv[2]);
		return 2;
	}
	gfn = strtoull(argv[3], &end, 0);
	if (errno || *end || gfn >= (1ULL << 52)) {
		fprintf(stderr, "gpumem-xmap: bad gfn %s\n", argv[3]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	fmem = xenforeignmemory_open(NULL, 0);
	if (!fmem) {
		perror("gpumem-xmap: xenforeignmemory_open");
		return 1;
	}
	pfn = gfn;
	p = xenforeignmemory_map(fmem, domid, PROT_READ, 1, &pfn, &err);
	if (!p || err) {
		fprintf(stderr, "gpumem-xmap: d%u gfn %#llx: %s\n", domid, gfn,
			strerror(p ? -err : errno));
		if (p)
			xenforeignmemory_unmap(fmem, p, 1);
		xenforeignmemory_close(fmem);
		return 1;
	}
	printf("xmap: d%u gfn %#llx mapped, byte %#x\n", domid, gfn,
	       *(volatile unsigned char *)p);
	while (!stop)
		pause();
	xenforeignmemory_unmap(fmem, p, 1);
	xenforeignmemory_close(fmem);
	printf("xmap: unmapped\n");
	return 0;
}
