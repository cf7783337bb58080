// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The gpumem dm_op numbers against Xen's own public headers (libxen-dev):
 * no sub-op collides with an upstream XEN_DMOP_*, ours lie above all of
 * them, and struct xen_dm_op_gpumem shares struct xen_dm_op's prefix so that
 * Xen's generic dm_op dispatch reads it.  Output is TAP.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xen/xen.h>
#include <xen/hvm/dm_op.h>

#include "gpumem.h"

static const struct {
	const char *name;
	unsigned int nr;
} upstream[] = {
#define X(name, nr) { #name, nr },
#include "upstream_ops.h"	/* generated from <xen/hvm/dm_op.h> */
#undef X
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NR_UPSTREAM ARRAY_SIZE(upstream)

static_assert(offsetof(struct xen_dm_op, op) ==
	       offsetof(struct xen_dm_op_gpumem, op), "op");
static_assert(offsetof(struct xen_dm_op, pad) ==
	       offsetof(struct xen_dm_op_gpumem, pad), "pad");
static_assert(offsetof(struct xen_dm_op, u) ==
	       offsetof(struct xen_dm_op_gpumem, u), "u");
/* The module's existence probe (gpumem-hv-xen.c) issues op 20. */
static_assert(XEN_DMOP_nr_vcpus == 20, "nr_vcpus");

int main(void)
{
	static const unsigned int ours[] = {
		XEN_DMOP_gpumem_query, XEN_DMOP_gpumem_map,
		XEN_DMOP_gpumem_revoke, XEN_DMOP_gpumem_steal,
		XEN_DMOP_gpumem_return,
	};
	unsigned int i, j, max = 0, test = 0, failed = 0;

	printf("TAP version 13\n1..%zu\n",
	       ARRAY_SIZE(ours) + 2);
	for (i = 0; i < NR_UPSTREAM; i++)
		if (upstream[i].nr > max)
			max = upstream[i].nr;
	printf("%s %u - %zu upstream XEN_DMOP_* ops read, highest %u\n",
	       NR_UPSTREAM >= 20 ? "ok" : "not ok", ++test, NR_UPSTREAM, max);
	failed += NR_UPSTREAM < 20;
	for (i = 0; i < ARRAY_SIZE(ours); i++) {
		const char *clash = NULL;

		for (j = 0; j < NR_UPSTREAM; j++)
			if (upstream[j].nr == ours[i])
				clash = upstream[j].name;
		printf("%s %u - gpumem op %u collides with %s\n",
		       clash ? "not ok" : "ok", ++test, ours[i],
		       clash ? clash : "nothing");
		failed += !!clash;
	}
	printf("%s %u - gpumem ops start above upstream (%u > %u)\n",
	       XEN_DMOP_gpumem_first > max ? "ok" : "not ok", ++test,
	       XEN_DMOP_gpumem_first, max);
	failed += XEN_DMOP_gpumem_first <= max;
	return failed ? 1 : 0;
}
