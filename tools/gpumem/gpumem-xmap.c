// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gpumem-xmap: hold dom0's mapping of one frontend page, as a device model
 * or a toolstack does, so that the differential scenario can STEAL a page
 * another domain maps: a foreign mapping (xenforeignmemory_map, Xen's
 * privcmd) is the ABI's -EMLINK, a mapped grant (xengnttab_map_grant_ref,
 * Xen's gntdev) its -EACCES (include/xen/interface/gpumem.h).
 *
 *   gpumem-xmap --domid N GFN [PAGES]
 *   gpumem-xmap --domid N --grant REF
 *
 * Maps the page read-only, prints "xmap: d<N> gfn <GFN> mapped, byte 0x<b>"
 * (or "grant <REF>"; the page's first byte), and holds the mapping until
 * SIGTERM or SIGINT, then unmaps it and prints "xmap: unmapped".  Exit 1
 * when the mapping fails, 2 on bad arguments.  With PAGES (make
 * xen-bench), the foreign mapping covers PAGES frontend pages from GFN and
 * both lines end with the time the call took: ", PAGES pages in <ns> ns"
 * and " in <ns> ns".
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xenforeignmemory.h>
#include <xengnttab.h>

/*
 * checkpatch's VOLATILE does not apply: volatile sig_atomic_t is the one
 * type ISO C lets a signal handler write and the program then read.
 */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static int parse(const char *what, const char *arg, unsigned long long max,
		 unsigned long long *val)
{
	char *end;

	errno = 0;
	*val = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || *val > max) {
		fprintf(stderr, "gpumem-xmap: bad %s %s\n", what, arg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	xenforeignmemory_handle *fmem = NULL;
	xengnttab_handle *xgt = NULL;
	unsigned long long domid, gfn = 0, ref = 0, pages = 1, i, t;
	xen_pfn_t *pfn = NULL;
	int grant, err = 0, *errs = NULL;
	void *p = NULL;

	grant = argc == 5 && !strcmp(argv[3], "--grant");
	if ((argc != 4 && argc != 5) || strcmp(argv[1], "--domid")) {
		fprintf(stderr, "usage: gpumem-xmap --domid N GFN [PAGES]\n"
			"       gpumem-xmap --domid N --grant REF\n");
		return 2;
	}
	if (parse("domid", argv[2], 0x7fef, &domid) ||
	    (grant ? parse("grant reference", argv[4], UINT32_MAX, &ref) :
		     parse("gfn", argv[3], (1ULL << 52) - 1, &gfn)) ||
	    (!grant && argc == 5 &&
	     parse("pages", argv[4], 1ULL << 20, &pages)) || !pages)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	if (grant) {
		xgt = xengnttab_open(NULL, 0);
		p = xgt ? xengnttab_map_grant_ref(xgt, domid, ref, PROT_READ) :
			  NULL;
		if (!p)
			err = errno;
	} else {
		fmem = xenforeignmemory_open(NULL, 0);
		pfn = calloc(pages, sizeof(*pfn));
		errs = calloc(pages, sizeof(*errs));
		for (i = 0; pfn && i < pages; i++)
			pfn[i] = gfn + i;
		t = now_ns();
		p = fmem && pfn && errs ?
		    xenforeignmemory_map(fmem, domid, PROT_READ, pages, pfn,
					 errs) : NULL;
		t = now_ns() - t;
		if (!p)
			err = errno ? errno : ENOMEM;
		for (i = 0; p && i < pages && !err; i++)
			err = -errs[i];
	}
	if (!p || err) {
		fprintf(stderr, "gpumem-xmap: d%llu %s %#llx: %s\n", domid,
			grant ? "grant" : "gfn", grant ? ref : gfn,
			strerror(err));
		if (p)
			xenforeignmemory_unmap(fmem, p, pages);
		goto out;
	}
	printf("xmap: d%llu %s %#llx mapped, byte %#x", domid,
	       grant ? "grant" : "gfn", grant ? ref : gfn,
	       *(unsigned char *)p);
	if (argc == 5 && !grant)
		printf(", %llu pages in %llu ns", pages, t);
	printf("\n");
	while (!stop)
		pause();
	t = now_ns();
	if (grant)
		xengnttab_unmap(xgt, p, 1);
	else
		xenforeignmemory_unmap(fmem, p, pages);
	t = now_ns() - t;
	if (argc == 5 && !grant)
		printf("xmap: unmapped in %llu ns\n", t);
	else
		printf("xmap: unmapped\n");
out:
	free(pfn);
	free(errs);
	if (xgt)
		xengnttab_close(xgt);
	if (fmem)
		xenforeignmemory_close(fmem);
	return p && !err ? 0 : 1;
}
