// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gpumem: command-line view of /dev/xen/gpumem, for device-model authors.
 *
 *   gpumem info [--domid N]      bind a context and print QUERY
 *   gpumem p2m [--domid N]       hvsim's p2m, one line per run
 *   gpumem stats                 hvsim's per-op counters
 *   gpumem strerror IOCTL ERRNO  the documented meaning of an errno
 *
 * Style: kernel style, checked with checkpatch --strict, except what C99
 * userspace needs: <inttypes.h>'s PRIu64/PRIx64 (CAMELCASE), as in the
 * kernel's own tools/.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gpumem.h"

#define E(x) { #x, x }
static const struct {
	const char *name;
	int err;
} errnames[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EIO), E(ENXIO), E(E2BIG), E(EBADF),
	E(EAGAIN), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV),
	E(ENODEV), E(EINVAL), E(ENOTTY), E(ENOSPC), E(EMLINK), E(ERANGE),
	E(EOVERFLOW), E(EBADFD), E(EOPNOTSUPP),
};

#undef E

static int usage(void)
{
	fputs("usage: gpumem info [--domid N]\n"
	      "       gpumem p2m [--domid N]\n"
	      "       gpumem stats\n"
	      "       gpumem strerror IOCTL ERRNO   (e.g. STEAL EXDEV, MAP_VA 14)\n",
	      stderr);
	return 2;
}

static uint32_t default_domid(void)
{
	unsigned long v;

	return gpumem_module_param("hvsim_domid", &v) ? 1 : (uint32_t)v;
}

static void print_flags(uint32_t fl)
{
	static const char *const cache[] = { "WB", "WC", "UC", "cache3" };

	printf("%s%s%s", fl & GPUMEM_P2M_MMIO ? "MMIO " : "",
	       fl & GPUMEM_P2M_RO ? "RO " : "", cache[GPUMEM_P2M_CACHE(fl)]);
}

static int cmd_info(uint32_t domid)
{
	struct gpumem_ctx ctx;
	struct gpumem_query q;
	int rc;

	rc = gpumem_open(&ctx, NULL);
	if (rc) {
		fprintf(stderr, "gpumem: %s: %s\n", GPUMEM_DEV_PATH, strerror(-rc));
		return 1;
	}
	rc = gpumem_bind(&ctx, domid);
	if (rc) {
		fprintf(stderr, "gpumem: BIND d%u: %s\n", domid,
			gpumem_strerror(GPUMEM_IOCTL_BIND, rc));
		return 1;
	}
	rc = gpumem_query(&ctx, &q);
	if (rc) {
		fprintf(stderr, "gpumem: QUERY: %s\n",
			gpumem_strerror(GPUMEM_IOCTL_QUERY, rc));
		return 1;
	}
	printf("domid            %u\n", q.domid);
	printf("api_version      %u\n", q.api_version);
	printf("backend          %s\n", q.backend == GPUMEM_BACKEND_XEN ? "xen" :
	       q.backend == GPUMEM_BACKEND_HVSIM ? "hvsim" : "?");
	printf("hv_version       %u\n", q.hv_version);
	printf("hv_ops           %#x:%s%s%s%s%s\n", q.hv_ops,
	       q.hv_ops & GPUMEM_HV_OP_QUERY ? " query" : "",
	       q.hv_ops & GPUMEM_HV_OP_MAP ? " map" : "",
	       q.hv_ops & GPUMEM_HV_OP_REVOKE ? " revoke" : "",
	       q.hv_ops & GPUMEM_HV_OP_STEAL ? " steal" : "",
	       q.hv_ops & GPUMEM_HV_OP_RETURN ? " return" : "");
	printf("features         %#llx:%s%s%s\n", (unsigned long long)q.features,
	       q.features & GPUMEM_FEAT_MAP_VA ? " map_va" : "",
	       q.features & GPUMEM_FEAT_MAP_DMABUF ? " map_dmabuf" : "",
	       q.features & GPUMEM_FEAT_STEAL ? " steal" : "");
	printf("max_extents      %u\n", q.max_extents);
	printf("max_extent_pages %u\n", q.max_extent_pages);
	printf("max_regions      %u\n", q.max_regions);
	printf("max_pages        %llu\n", (unsigned long long)q.max_pages);
	printf("max_stolen_pages %llu\n", (unsigned long long)q.max_stolen_pages);
	gpumem_close(&ctx);
	return 0;
}

static int cmd_p2m(int only)
{
	struct gpumem_p2m p2m;
	unsigned int d;
	size_t i;
	int rc;

	rc = gpumem_hvsim_p2m(&p2m);
	if (rc) {
		fprintf(stderr, "gpumem: %s/p2m: %s (load with backend=hvsim, mount debugfs)\n",
			GPUMEM_HVSIM_DIR, strerror(-rc));
		return 1;
	}
	for (d = 0; d < p2m.nr_doms; d++) {
		const struct gpumem_p2m_dom *dom = &p2m.doms[d];

		if (only >= 0 && dom->domid != (uint32_t)only)
			continue;
		printf("d%u: %" PRIu64 " pages (max %" PRIu64 ")\n", dom->domid,
		       dom->tot_pages, dom->max_pages);
		printf("  %-23s %8s  %-9s %-23s %s\n", "gfns", "pages", "type",
		       "frames", "flags");
		for (i = 0; i < p2m.nr_runs; i++) {
			const struct gpumem_p2m_run *r = &p2m.runs[i];
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
	gpumem_p2m_free(&p2m);
	return 0;
}

static int cmd_stats(void)
{
	struct gpumem_hvsim_stats st;
	unsigned int i;
	int rc;

	rc = gpumem_hvsim_stats(&st);
	if (rc) {
		fprintf(stderr, "gpumem: %s/stats: %s\n", GPUMEM_HVSIM_DIR,
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
	unsigned long cmd = gpumem_ioctl_by_name(ioc);
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
	printf("%s %s: %s\n", gpumem_ioctl_name(cmd), err,
	       gpumem_strerror(cmd, e));
	return 0;
}

int main(int argc, char **argv)
{
	int domid = -1;

	if (argc < 2)
		return usage();
	if (argc == 4 && !strcmp(argv[2], "--domid"))
		domid = atoi(argv[3]);
	else if (argc != 2 && strcmp(argv[1], "strerror"))
		return usage();

	if (!strcmp(argv[1], "info"))
		return cmd_info(domid < 0 ? default_domid() : (uint32_t)domid);
	if (!strcmp(argv[1], "p2m"))
		return cmd_p2m(domid);
	if (!strcmp(argv[1], "stats") && argc == 2)
		return cmd_stats();
	if (!strcmp(argv[1], "strerror") && argc == 4)
		return cmd_strerror(argv[2], argv[3]);
	return usage();
}
