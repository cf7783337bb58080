// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gpumem: command-line view of /dev/xen/gpumem, for device-model authors.
 *
 *   gpumem info [--domid N]      bind a context and print QUERY
 *   gpumem p2m [--domid N]       hvsim's p2m, one line per run
 *   gpumem stats                 hvsim's per-op counters
 *   gpumem strerror IOCTL ERRNO  the documented meaning of an errno
 *   gpumem dm --domid N          a scripted device model: one command a
 *                                line on stdin, one answer a line on stdout
 *                                (see cmd_dm(); used by scripts/xen-e2e.sh)
 *   gpumem fault-serve --domid N GFN PAGES BYTE [--kernel] [--count K]
 *                      [--page-regions] [--quiet]
 *                                a device model that serves the frontend's
 *                                faults on a window (see cmd_fault_serve())
 *
 * Style: kernel style, checked with checkpatch --strict, except what C99
 * userspace needs: <inttypes.h>'s PRIu64/PRIx64 (CAMELCASE), as in the
 * kernel's own tools/.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define _GNU_SOURCE		/* memfd_create() */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libgpumem.h"
#include "hvsimfs.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define E(x) { #x, x }
static const struct {
	const char *name;
	int err;
} errnames[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EIO), E(ENXIO), E(E2BIG), E(EBADF),
	E(EAGAIN), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV),
	E(ENODEV), E(EINVAL), E(ENOTTY), E(ENOSPC), E(EMLINK), E(ERANGE),
	E(EOVERFLOW), E(EBADFD), E(EOPNOTSUPP), E(EINTR), E(ENOMEM),
};

#undef E

static int usage(void)
{
	fputs("usage: gpumem info [--domid N]\n"
	      "       gpumem p2m [--domid N]\n"
	      "       gpumem stats\n"
	      "       gpumem strerror IOCTL ERRNO   (e.g. STEAL EXDEV, MAP_VA 14)\n"
	      "       gpumem dm --domid N           commands on stdin (see gpumem-cli.c)\n"
	      "       gpumem fault-serve --domid N GFN PAGES BYTE [--kernel] [--count K]\n"
	      "                          [--page-regions] [--quiet]\n"
	      "                                     serve the frontend's faults on\n"
	      "                                     [GFN, GFN+PAGES) from a buffer\n"
	      "                                     like dm's map; one line a fault\n"
	      "       gpumem fe --domid N read GFN PAGES\n"
	      "       gpumem fe --domid N write GFN PAGES BYTE\n"
	      "                                     hvsim's frontend: first 8 bytes of\n"
	      "                                     each page, or fill page i with\n"
	      "                                     BYTE + i; \"fault\" where nothing\n"
	      "                                     is mapped\n",
	      stderr);
	return 2;
}

static uint32_t default_domid(void)
{
	unsigned long v;

	return libgpumem_module_param("hvsim_domid", &v) ? 1 : (uint32_t)v;
}

static void print_flags(uint32_t fl)
{
	static const char *const cache[] = { "WB", "WC", "UC", "cache3" };

	printf("%s%s%s", fl & HVSIMFS_P2M_MMIO ? "MMIO " : "",
	       fl & HVSIMFS_P2M_RO ? "RO " : "", cache[HVSIMFS_P2M_CACHE(fl)]);
}

static int cmd_info(uint32_t domid)
{
	struct libgpumem_handle *h;
	struct gpumem_query q;
	int rc;

	h = libgpumem_open(NULL);
	if (!h) {
		fprintf(stderr, "gpumem: %s: %s\n", LIBGPUMEM_DEV_PATH,
			strerror(errno));
		return 1;
	}
	rc = libgpumem_bind(h, domid);
	if (rc) {
		fprintf(stderr, "gpumem: BIND d%u: %s\n", domid,
			libgpumem_strerror(GPUMEM_IOCTL_BIND, rc));
		return 1;
	}
	rc = libgpumem_query(h, &q);
	if (rc) {
		fprintf(stderr, "gpumem: QUERY: %s\n",
			libgpumem_strerror(GPUMEM_IOCTL_QUERY, rc));
		return 1;
	}
	printf("domid            %u\n", q.domid);
	printf("api_version      %u\n", q.api_version);
	printf("backend          %s\n", q.backend == GPUMEM_BACKEND_XEN ? "xen" :
	       q.backend == GPUMEM_BACKEND_HVSIM ? "hvsim" : "?");
	printf("hv_version       %u\n", q.hv_version);
	printf("hv_ops           %#x:%s%s%s%s%s%s\n", q.hv_ops,
	       q.hv_ops & GPUMEM_HV_OP_QUERY ? " query" : "",
	       q.hv_ops & GPUMEM_HV_OP_MAP ? " map" : "",
	       q.hv_ops & GPUMEM_HV_OP_REVOKE ? " revoke" : "",
	       q.hv_ops & GPUMEM_HV_OP_STEAL ? " steal" : "",
	       q.hv_ops & GPUMEM_HV_OP_RETURN ? " return" : "",
	       q.hv_ops & GPUMEM_HV_OP_FAULT ? " fault" : "");
	printf("features         %#llx:%s%s%s%s%s\n",
	       (unsigned long long)q.features,
	       q.features & GPUMEM_FEAT_MAP_VA ? " map_va" : "",
	       q.features & GPUMEM_FEAT_MAP_DMABUF ? " map_dmabuf" : "",
	       q.features & GPUMEM_FEAT_STEAL ? " steal" : "",
	       q.features & GPUMEM_FEAT_FAULT ? " fault" : "",
	       q.features & GPUMEM_FEAT_MOVE_NOTIFY ? " move_notify" : "");
	printf("max_extents      %u\n", q.max_extents);
	printf("max_extent_pages %u\n", q.max_extent_pages);
	printf("max_regions      %u\n", q.max_regions);
	printf("max_pages        %llu\n", (unsigned long long)q.max_pages);
	printf("max_stolen_pages %llu\n", (unsigned long long)q.max_stolen_pages);
	printf("max_pinned_pages %llu\n", (unsigned long long)q.max_pinned_pages);
	libgpumem_close(h);
	return 0;
}

static int cmd_p2m(int only)
{
	struct hvsimfs_p2m p2m;
	unsigned int d;
	size_t i;
	int rc;

	rc = hvsimfs_p2m(&p2m);
	if (rc) {
		fprintf(stderr, "gpumem: %s/p2m: %s (load with backend=hvsim, mount debugfs)\n",
			HVSIMFS_DIR, strerror(-rc));
		return 1;
	}
	for (d = 0; d < p2m.nr_doms; d++) {
		const struct hvsimfs_p2m_dom *dom = &p2m.doms[d];

		if (only >= 0 && dom->domid != (uint32_t)only)
			continue;
		printf("d%u: %" PRIu64 " pages (max %" PRIu64 ")\n", dom->domid,
		       dom->tot_pages, dom->max_pages);
		printf("  %-23s %8s  %-9s %-23s %s\n", "gfns", "pages", "type",
		       "frames", "flags");
		for (i = 0; i < p2m.nr_runs; i++) {
			const struct hvsimfs_p2m_run *r = &p2m.runs[i];
			char g[32], f[32];

			if (r->domid != dom->domid)
				continue;
			snprintf(g, sizeof(g), "%#" PRIx64 "-%#" PRIx64, r->gfn,
				 r->gfn + r->nr - 1);
			snprintf(f, sizeof(f), "%#" PRIx64 "-%#" PRIx64, r->frame,
				 r->frame + r->nr - 1);
			printf("  %-23s %8" PRIu64 "  %-9s %-23s ", g, r->nr,
			       r->type, f);
			print_flags(r->flags);
			putchar('\n');
		}
	}
	hvsimfs_p2m_free(&p2m);
	return 0;
}

static int cmd_stats(void)
{
	struct hvsimfs_stats st;
	unsigned int i;
	int rc;

	rc = hvsimfs_stats(&st);
	if (rc) {
		fprintf(stderr, "gpumem: %s/stats: %s\n", HVSIMFS_DIR,
			strerror(-rc));
		return 1;
	}
	printf("%-7s %10s %10s %10s %8s\n", "op", "calls", "extents", "frames",
	       "failures");
	for (i = 0; i < st.nr_ops; i++)
		printf("%-7s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %8" PRIu64 "\n",
		       st.ops[i].name, st.ops[i].calls, st.ops[i].extents,
		       st.ops[i].frames, st.ops[i].failures);
	printf("frontend faults %" PRIu64 "\n", st.faults);
	return 0;
}

static int cmd_strerror(const char *ioc, const char *err)
{
	unsigned long cmd = libgpumem_ioctl_by_name(ioc);
	size_t i;
	int e;

	if (!cmd) {
		fprintf(stderr, "gpumem: unknown ioctl %s\n", ioc);
		return 2;
	}
	e = atoi(err);
	for (i = 0; !e && i < ARRAY_SIZE(errnames); i++)
		if (!strcasecmp(err, errnames[i].name))
			e = errnames[i].err;
	if (!e) {
		fprintf(stderr, "gpumem: unknown errno %s\n", err);
		return 2;
	}
	printf("%s %s: %s\n", libgpumem_ioctl_name(cmd), err,
	       libgpumem_strerror(cmd, e));
	return 0;
}

/*
 * gpumem dm: a device model driven line by line, for end-to-end tests.  It
 * keeps one bound context, one MAP_VA buffer and one steal; every command
 * gets one line: "ok <command> ..." or "err <command>: <meaning of errno>".
 * Page contents are shown as the first 8 bytes of each page, in hex (of
 * the first 16 pages, then "+<pages left>").
 *
 *   map GFN PAGES BYTE  anonymous buffer, page i filled with BYTE + i,
 *                       MAP_VA at GFN
 *   mapfd GFN PAGES BYTE  the same with a memfd's pages, mapped shared
 *   maphuge GFN PAGES BYTE  the same with 2 MiB huge pages (MAP_HUGETLB;
 *                       dom0 must have them reserved)
 *   refix               mmap the memfd again over the buffer (MAP_FIXED):
 *                       munmap and mmap of the same pages in one call, so
 *                       the notifier revokes and the address never has a
 *                       hole
 *   count               the 32-bit counter at the buffer's first byte
 *   munmap              munmap the buffer (the notifier revokes the GFNs),
 *                       timed as a call is ("elapsed")
 *   remap BYTE          a new anonymous mapping at the buffer's address,
 *                       page i filled with BYTE + i (nothing mapped yet)
 *   populate            POPULATE the buffer's GFNs
 *   peek                the buffer's pages
 *   unmap               UNMAP the buffer's region
 *   steal GFN PAGES     STEAL, then mmap the pages; shows them
 *   speek               the stolen pages
 *   spoke BYTE          fill stolen page i with BYTE + i
 *   return              RETURN the steal, then munmap it
 *   query               hv_ops and features
 *   fault GFN PAGES FLAGS  FAULT_ENABLE over [GFN, GFN + PAGES) with FLAGS
 *                       (GPUMEM_FAULT_KERNEL 1, _USER 2)
 *   elapsed             the time the last call on the context took, in ns
 *   close               close the context (returns what is still stolen)
 */
struct dm_state {
	struct libgpumem_handle *h;	/* NULL once closed */
	unsigned char *buf;
	int memfd;			/* the buffer's memfd (mapfd), or -1 */
	uint64_t gfn, pages, region;
	unsigned char *stolen;
	uint64_t sgfn, spages, offset;
	uint64_t call_ns;		/* the last call's time ("elapsed") */
};

static uint64_t dm_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/*
 * A call on the context, timed; after "close", EBADF, as a closed
 * descriptor.
 */
#define DM_CALL(s, call) ({					\
	struct dm_state *s_ = (s);				\
	uint64_t t0_ = dm_now();				\
	int rc_ = s_->h ? (call) : -EBADF;			\
								\
	s_->call_ns = dm_now() - t0_;				\
	rc_;							\
})

/* The first DM_SHOW_MAX pages, then "+<pages left>" if more. */
#define DM_SHOW_MAX 16

static void dm_show(const char *what, const unsigned char *p, uint64_t pages)
{
	uint64_t i;
	int b;

	printf("ok %s", what);
	for (i = 0; i < pages && i < DM_SHOW_MAX; i++) {
		putchar(' ');
		for (b = 0; b < 8; b++)
			printf("%02x", p[i * LIBGPUMEM_PAGE_SIZE + b]);
	}
	if (pages > DM_SHOW_MAX)
		printf(" +%" PRIu64, pages - DM_SHOW_MAX);
	putchar('\n');
}

static void dm_fill(unsigned char *p, uint64_t pages, unsigned int byte)
{
	uint64_t i;

	for (i = 0; i < pages; i++)
		memset(p + i * LIBGPUMEM_PAGE_SIZE, (byte + i) & 0xff,
		       LIBGPUMEM_PAGE_SIZE);
}

/* Anonymous memory (fd -1) or the memfd @fd's pages, at @at if not NULL. */
static void *dm_mmap(void *at, uint64_t pages, int fd)
{
	int flags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED;
	void *p = mmap(at, pages * LIBGPUMEM_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       flags | (at ? MAP_FIXED : 0), fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int dm_line(struct dm_state *s, char *line)
{
	char op[16] = "";
	unsigned long long a = 0, b = 0, c = 0;
	unsigned long cmd = 0;
	struct gpumem_query q;
	int n, rc = 0;

	n = sscanf(line, "%15s %lli %lli %lli", op, &a, &b, &c);
	if (n < 1)
		return 0;
	if ((!strcmp(op, "map") || !strcmp(op, "mapfd") ||
	     !strcmp(op, "maphuge")) && n == 4 && b && b < (1ULL << 30)) {
		int fd = -1;
		unsigned char *p;
		uint64_t region;

		cmd = GPUMEM_IOCTL_MAP_VA;
		if (!strcmp(op, "mapfd")) {
			fd = memfd_create("gpumem-dm", MFD_CLOEXEC);
			if (fd < 0 || ftruncate(fd, b * LIBGPUMEM_PAGE_SIZE)) {
				printf("err map: memfd: %s\n", strerror(errno));
				if (fd >= 0)
					close(fd);
				return 0;
			}
		}
		if (!strcmp(op, "maphuge")) {
			p = mmap(NULL, b * LIBGPUMEM_PAGE_SIZE,
				 PROT_READ | PROT_WRITE, MAP_PRIVATE |
				 MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
			if (p == MAP_FAILED)
				p = NULL;
		} else {
			p = dm_mmap(NULL, b, fd);
		}
		if (!p) {
			printf("err map: mmap: %s\n", strerror(errno));
			if (fd >= 0)
				close(fd);
			return 0;
		}
		dm_fill(p, b, c);
		rc = DM_CALL(s, libgpumem_map_va(s->h, p,
						 b * LIBGPUMEM_PAGE_SIZE, a, 0,
						 &region));
		if (rc) {
			/* The buffer mapped before, if any, stays current. */
			munmap(p, b * LIBGPUMEM_PAGE_SIZE);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		if (s->memfd >= 0)
			close(s->memfd);
		s->memfd = fd;
		s->buf = p;
		s->gfn = a;
		s->pages = b;
		s->region = region;
		printf("ok map region %llu gfn %#llx pages %llu\n",
		       (unsigned long long)region, a, b);
	} else if (!strcmp(op, "munmap") && s->buf) {
		uint64_t t0 = dm_now();

		munmap(s->buf, s->pages * LIBGPUMEM_PAGE_SIZE);
		s->call_ns = dm_now() - t0;
		printf("ok munmap\n");
	} else if (!strcmp(op, "remap") && n == 2 && s->buf) {
		if (!dm_mmap(s->buf, s->pages, -1)) {
			printf("err remap: mmap: %s\n", strerror(errno));
			return 0;
		}
		dm_fill(s->buf, s->pages, a);
		printf("ok remap\n");
	} else if (!strcmp(op, "refix") && s->buf && s->memfd >= 0) {
		if (!dm_mmap(s->buf, s->pages, s->memfd)) {
			printf("err refix: mmap: %s\n", strerror(errno));
			return 0;
		}
		printf("ok refix\n");
	} else if (!strcmp(op, "elapsed")) {
		printf("ok elapsed %" PRIu64 "\n", s->call_ns);
	} else if (!strcmp(op, "count") && s->buf) {
		uint32_t v;

		memcpy(&v, s->buf, sizeof(v));
		printf("ok count %" PRIu32 "\n", v);
	} else if (!strcmp(op, "populate") && s->buf) {
		cmd = GPUMEM_IOCTL_POPULATE;
		rc = DM_CALL(s, libgpumem_populate(s->h, s->gfn, s->pages));
		if (!rc)
			printf("ok populate\n");
	} else if (!strcmp(op, "peek") && s->buf) {
		dm_show("peek", s->buf, s->pages);
	} else if (!strcmp(op, "unmap") && s->buf) {
		cmd = GPUMEM_IOCTL_UNMAP;
		rc = DM_CALL(s, libgpumem_unmap(s->h, s->region));
		if (!rc)
			printf("ok unmap\n");
	} else if (!strcmp(op, "steal") && n == 3) {
		void *p;

		cmd = GPUMEM_IOCTL_STEAL;
		rc = DM_CALL(s, libgpumem_steal(s->h, a, b, &s->offset));
		if (rc)
			goto out;
		p = mmap(NULL, b * LIBGPUMEM_PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED, libgpumem_fd(s->h), s->offset);
		if (p == MAP_FAILED) {
			printf("err steal: mmap: %s\n", strerror(errno));
			return 0;
		}
		s->stolen = p;
		s->sgfn = a;
		s->spages = b;
		dm_show("steal", s->stolen, b);
	} else if (!strcmp(op, "speek") && s->stolen) {
		dm_show("speek", s->stolen, s->spages);
	} else if (!strcmp(op, "spoke") && n == 2 && s->stolen) {
		dm_fill(s->stolen, s->spages, a);
		printf("ok spoke\n");
	} else if (!strcmp(op, "return") && s->stolen) {
		cmd = GPUMEM_IOCTL_RETURN;
		rc = DM_CALL(s, libgpumem_return(s->h, s->offset));
		if (!rc) {
			munmap(s->stolen, s->spages * LIBGPUMEM_PAGE_SIZE);
			s->stolen = NULL;
			printf("ok return\n");
		}
	} else if (!strcmp(op, "query")) {
		cmd = GPUMEM_IOCTL_QUERY;
		rc = DM_CALL(s, libgpumem_query(s->h, &q));
		if (!rc)
			printf("ok query hv_ops %#x features %#llx\n", q.hv_ops,
			       (unsigned long long)q.features);
	} else if (!strcmp(op, "fault") && n == 4) {
		struct gpumem_fault_enable fe = {
			.gfn = a, .nr_pages = b, .flags = c,
		};

		cmd = GPUMEM_IOCTL_FAULT_ENABLE;
		fe.domid = s->h ? libgpumem_domid(s->h) : 0;
		rc = DM_CALL(s, libgpumem_ioctl(s->h, cmd, &fe));
		if (!rc)
			printf("ok fault gfn %#llx pages %llu\n", a, b);
	} else if (!strcmp(op, "close")) {
		libgpumem_close(s->h);
		s->h = NULL;
		printf("ok close\n");
	} else {
		printf("err %s: not understood here\n", op);
	}
out:
	if (rc)
		printf("err %s: %s (%s)\n", op, libgpumem_strerror(cmd, rc),
		       strerror(-rc));
	return 0;
}

static int cmd_dm(uint32_t domid)
{
	struct dm_state s = { .memfd = -1 };
	char line[256];
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	s.h = libgpumem_open(NULL);
	rc = s.h ? libgpumem_bind(s.h, domid) : -errno;
	if (rc) {
		printf("err bind: %s\n", libgpumem_strerror(GPUMEM_IOCTL_BIND, rc));
		return 1;
	}
	printf("ok bind d%u\n", domid);
	while (fgets(line, sizeof(line), stdin))
		dm_line(&s, line);
	return 0;
}

/*
 * gpumem fe: hvsim's frontend touching its GFNs (debugfs hvsim/mem), printed
 * as gpumem_domu prints a real domU's accesses: "read" then the first 8
 * bytes of each page in hex, or "write BYTE" then "ok" for each page; a
 * page with nothing mapped shows "fault" instead.
 */
static int cmd_fe(uint32_t domid, int argc, char **argv)
{
	unsigned long long gfn, pages, byte = 0, i;
	static unsigned char page[LIBGPUMEM_PAGE_SIZE];
	int write, rc, b;

	write = argc == 4 && !strcmp(argv[0], "write");
	if (!write && (argc != 3 || strcmp(argv[0], "read")))
		return usage();
	gfn = strtoull(argv[1], NULL, 0);
	pages = strtoull(argv[2], NULL, 0);
	if (write)
		byte = strtoull(argv[3], NULL, 16);
	if (!pages || pages > 4096 || byte > 0xff)
		return usage();
	printf(write ? "write %02llx" : "read", byte);
	for (i = 0; i < pages; i++) {
		if (write)
			memset(page, (byte + i) & 0xff, sizeof(page));
		rc = hvsimfs_access(domid, gfn + i, page,
				    write ? sizeof(page) : 8, write);
		if (rc == -EFAULT) {
			printf(" fault");
			continue;
		}
		if (rc) {
			printf("\n");
			fprintf(stderr, "gpumem: fe gfn %#llx: %s\n", gfn + i,
				strerror(-rc));
			return 1;
		}
		if (write) {
			printf(" ok");
			continue;
		}
		putchar(' ');
		for (b = 0; b < 8; b++)
			printf("%02x", page[b]);
	}
	printf("\n");
	return 0;
}

/*
 * gpumem fault-serve: a device model that serves the frontend's faults
 * itself.  It makes what "dm"'s map makes -- an anonymous buffer of PAGES
 * pages, page i filled with BYTE + i -- but shows it to the frontend with
 * GPUMEM_MAP_LAZY at GFN, so nothing is mapped until a fault, then enables
 * faults on [GFN, GFN + PAGES): GPUMEM_FAULT_USER, and GPUMEM_FAULT_KERNEL
 * with --kernel (the module then serves the region's faults, and only those
 * it cannot serve are read here).  Answers, one line each, as "dm":
 *
 *   ok fault-serve d1 gfn 0x10000 pages 4 vcpus 2
 *   fault seq 1 gfn 0x10002 r vcpu 0 attempt 1 reason 0 region 0 lost 0: populate, retry
 *   fault seq 2 gfn 0x10003 w vcpu 1 attempt 1 reason EFAULT region 0 lost 0: populate: <meaning> (<strerror>), emulate
 *   ok close: served 2
 *
 * --page-regions shows each page as a region of its own (map-ahead then
 * maps one page a fault: make xen-bench's cost of one fault); --quiet
 * prints no line per fault.  The policy: a fault in the region is
 * POPULATEd (that one GFN) and answered GPUMEM_FAULT_RETRY; one that POPULATE refuses, or in no region,
 * is answered GPUMEM_FAULT_EMULATE.  It stops after K faults (--count), or
 * at SIGINT or SIGTERM, and closes the context, which answers every fault
 * still paused GPUMEM_FAULT_RETRY.
 */
/* volatile sig_atomic_t: what ISO C lets a signal handler write. */
static volatile sig_atomic_t fs_stop;

static void fs_on_signal(int sig)
{
	(void)sig;
	fs_stop = 1;
}

static const char *errname(int err)
{
	static char num[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(num, sizeof(num), "%d", err);
	return num;
}

/*
 * Answer one fault by the policy above; print its line (with @quiet, only
 * when it is not populated and retried).
 */
static int fs_serve(struct libgpumem_handle *h,
		    const struct gpumem_fault_record *r, bool quiet)
{
	uint32_t answer = GPUMEM_FAULT_EMULATE;
	char region[24], head[192], what[160] = "no region, ";
	int n, rc;

	if (r->region == GPUMEM_FAULT_NO_REGION)
		snprintf(region, sizeof(region), "none");
	else
		snprintf(region, sizeof(region), "%" PRIu64, (uint64_t)r->region);
	n = snprintf(head, sizeof(head),
		     "fault seq %" PRIu64 " gfn %#" PRIx64 " %s%s%s vcpu %u ",
		     (uint64_t)r->seq, (uint64_t)r->gfn,
		     r->access & GPUMEM_FAULT_ACCESS_R ? "r" : "",
		     r->access & GPUMEM_FAULT_ACCESS_W ? "w" : "",
		     r->access & GPUMEM_FAULT_ACCESS_X ? "x" : "", r->vcpu);
	snprintf(head + n, sizeof(head) - n,
		 "attempt %u reason %s region %s lost %u: ", r->attempt,
		 r->reason ? errname(-r->reason) : "0", region, r->lost);
	if (r->region != GPUMEM_FAULT_NO_REGION) {
		rc = libgpumem_populate(h, r->gfn, 1);
		if (rc)
			snprintf(what, sizeof(what), "populate: %s (%s), ",
				 libgpumem_strerror(GPUMEM_IOCTL_POPULATE, rc),
				 strerror(-rc));
		else
			snprintf(what, sizeof(what), "populate, ");
		answer = rc ? GPUMEM_FAULT_EMULATE : GPUMEM_FAULT_RETRY;
	}
	rc = libgpumem_fault_complete(h, r->seq, answer);
	if (rc) {
		printf("%s%scomplete: %s (%s)\n", head, what,
		       libgpumem_strerror(GPUMEM_IOCTL_FAULT_COMPLETE, rc),
		       strerror(-rc));
		return rc;
	}
	if (!quiet || answer != GPUMEM_FAULT_RETRY)
		printf("%s%s%s\n", head, what,
		       answer == GPUMEM_FAULT_RETRY ? "retry" : "emulate");
	return 0;
}

static int cmd_fault_serve(uint32_t domid, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = fs_on_signal };
	unsigned long long gfn, pages, byte, count = 0, served = 0;
	uint32_t flags = GPUMEM_FAULT_USER, nr_vcpus = 0;
	struct gpumem_fault_record recs[16];
	bool page_regions = false, quiet = false;
	struct libgpumem_handle *h;
	unsigned long long p;
	unsigned char *buf;
	int i, n, rc;

	if (argc < 3)
		return usage();
	gfn = strtoull(argv[0], NULL, 0);
	pages = strtoull(argv[1], NULL, 0);
	byte = strtoull(argv[2], NULL, 16);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--kernel"))
			flags |= GPUMEM_FAULT_KERNEL;
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--page-regions"))
			page_regions = true;
		else if (!strcmp(argv[i], "--quiet"))
			quiet = true;
		else
			return usage();
	}
	if (!pages || pages >= (1ULL << 30) || byte > 0xff)
		return usage();

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	h = libgpumem_open(NULL);
	rc = h ? libgpumem_bind(h, domid) : -errno;
	if (rc) {
		printf("err bind: %s\n", libgpumem_strerror(GPUMEM_IOCTL_BIND, rc));
		return 1;
	}
	buf = dm_mmap(NULL, pages, -1);
	if (!buf) {
		printf("err fault-serve: mmap: %s\n", strerror(errno));
		return 1;
	}
	dm_fill(buf, pages, byte);
	if (page_regions)
		for (p = 0, rc = 0; p < pages && !rc; p++)
			rc = libgpumem_map_va(h, buf + p * LIBGPUMEM_PAGE_SIZE,
					      LIBGPUMEM_PAGE_SIZE, gfn + p,
					      GPUMEM_MAP_LAZY, NULL);
	else
		rc = libgpumem_map_va(h, buf, pages * LIBGPUMEM_PAGE_SIZE,
				      gfn, GPUMEM_MAP_LAZY, NULL);
	if (rc) {
		printf("err map: %s (%s)\n",
		       libgpumem_strerror(GPUMEM_IOCTL_MAP_VA, rc), strerror(-rc));
		return 1;
	}
	rc = libgpumem_fault_enable(h, gfn, pages, flags, 0, &nr_vcpus);
	if (rc) {
		printf("err fault_enable: %s (%s)\n",
		       libgpumem_strerror(GPUMEM_IOCTL_FAULT_ENABLE, rc),
		       strerror(-rc));
		return 1;
	}
	printf("ok fault-serve d%u gfn %#llx pages %llu vcpus %u\n", domid, gfn,
	       pages, nr_vcpus);

	while (!fs_stop && (!count || served < count)) {
		struct pollfd p = { .fd = libgpumem_fd(h), .events = POLLIN };

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			printf("err poll: %s\n", strerror(errno));
			break;
		}
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			printf("err poll: revents %#x\n", p.revents);
			break;
		}
		/* POLLIN: records are queued, and this is their one reader. */
		n = libgpumem_fault_read(h, recs, ARRAY_SIZE(recs));
		if (n < 0) {
			printf("err fault_read: %s (%s)\n",
			       libgpumem_strerror(LIBGPUMEM_FAULT_READ, n),
			       strerror(-n));
			break;
		}
		for (i = 0; i < n; i++, served++)
			if (fs_serve(h, &recs[i], quiet))
				break;
		if (i < n)
			break;
	}
	/* Every fault read and not answered above is answered RETRY. */
	libgpumem_close(h);
	printf("ok close: served %llu\n", served);
	munmap(buf, pages * LIBGPUMEM_PAGE_SIZE);
	return fs_stop || (count && served >= count) ? 0 : 1;
}

int main(int argc, char **argv)
{
	int domid = -1;

	if (argc < 2)
		return usage();
	if (argc >= 6 && !strcmp(argv[1], "fe") && !strcmp(argv[2], "--domid"))
		return cmd_fe(strtoul(argv[3], NULL, 0), argc - 4, argv + 4);
	if (argc >= 7 && !strcmp(argv[1], "fault-serve") &&
	    !strcmp(argv[2], "--domid"))
		return cmd_fault_serve(strtoul(argv[3], NULL, 0), argc - 4,
				       argv + 4);
	if (argc == 4 && !strcmp(argv[2], "--domid"))
		domid = atoi(argv[3]);
	else if (argc != 2 && strcmp(argv[1], "strerror"))
		return usage();

	if (!strcmp(argv[1], "info"))
		return cmd_info(domid < 0 ? default_domid() : (uint32_t)domid);
	if (!strcmp(argv[1], "dm") && domid >= 0)
		return cmd_dm(domid);
	if (!strcmp(argv[1], "p2m"))
		return cmd_p2m(domid);
	if (!strcmp(argv[1], "stats") && argc == 2)
		return cmd_stats();
	if (!strcmp(argv[1], "strerror") && argc == 4)
		return cmd_strerror(argv[2], argv[3]);
	return usage();
}
