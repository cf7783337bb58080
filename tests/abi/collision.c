// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The gpumem op numbers against Xen's own public headers (libxen-dev): no
 * sub-op collides with an upstream XEN_DMOP_*, ours lie above all of them,
 * and struct xen_dm_op_gpumem shares struct xen_dm_op's prefix so that Xen's
 * generic dm_op dispatch reads it (QUERY is a dm_op); XENMEM_gpumem_op, the
 * memory_op command of the batched ops, collides with no upstream XENMEM_*
 * number (read from <xen/memory.h> as installed), lies above all of them,
 * and fits the 6-bit command field (Xen's MEMOP_EXTENT_SHIFT).
 * IOREQ_TYPE_GPUMEM_FAULT collides with no upstream IOREQ_TYPE_* (read from
 * <xen/hvm/ioreq.h> as installed) and lies above all of them, and
 * XEN_DMOP_gpumem_fault_range's arguments do not grow struct
 * xen_dm_op_gpumem's union.  Output is TAP.
 */
#include <assert.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/hvm/dm_op.h>
#include <xen/memory.h>

#ifndef XEN_MEMORY_H
#define XEN_MEMORY_H "/usr/include/xen/memory.h"
#endif

#include "gpumem.h"

static const struct {
	const char *name;
	unsigned int nr;
} upstream[] = {
#define X(name, nr) { #name, nr },
#include "upstream_ops.h"	/* generated from <xen/hvm/dm_op.h> */
#undef X
};

static const struct {
	const char *name;
	unsigned int nr;
} upstream_ioreq[] = {
#define X(name, nr) { #name, nr },
#include "upstream_ioreq_types.h"	/* generated from <xen/hvm/ioreq.h> */
#undef X
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NR_UPSTREAM ARRAY_SIZE(upstream)
#define NR_UPSTREAM_IOREQ ARRAY_SIZE(upstream_ioreq)

static_assert(offsetof(struct xen_dm_op, op) ==
	       offsetof(struct xen_dm_op_gpumem, op), "op");
static_assert(offsetof(struct xen_dm_op, pad) ==
	       offsetof(struct xen_dm_op_gpumem, pad), "pad");
static_assert(offsetof(struct xen_dm_op, u) ==
	       offsetof(struct xen_dm_op_gpumem, u), "u");
/* FAULT_RANGE's arguments fit the union QUERY sizes (buffer 0 unchanged). */
static_assert(sizeof(struct xen_dm_op_gpumem_fault_range) <=
	      sizeof(struct xen_dm_op_gpumem_query), "fault_range grows the union");
static_assert(sizeof(struct xen_dm_op_gpumem) ==
	      offsetof(struct xen_dm_op_gpumem, u) +
	      sizeof(struct xen_dm_op_gpumem_query), "union size");
/* ioreq_t.type is a uint8_t. */
static_assert(IOREQ_TYPE_GPUMEM_FAULT <= 0xff, "ioreq type beyond uint8_t");
/* The batched ops end below the last op; FAULT_RANGE is not one of them. */
static_assert(XEN_DMOP_gpumem_batch_last == XEN_DMOP_gpumem_return &&
	      XEN_DMOP_gpumem_fault_range > XEN_DMOP_gpumem_batch_last &&
	      XEN_DMOP_gpumem_last == XEN_DMOP_gpumem_fault_range,
	      "op ranges");
/* Every op's bit fits xen_dm_op_gpumem_query.ops. */
static_assert(XEN_DMOP_gpumem_last - XEN_DMOP_gpumem_first < 32, "ops bits");
/* The module's existence probe (gpumem-hv-xen.c) issues op 20. */
static_assert(XEN_DMOP_nr_vcpus == 20, "nr_vcpus");
/* Xen reads the memory_op command from bits 0-5 (MEMOP_CMD_MASK). */
static_assert(XENMEM_gpumem_op < 64, "XENMEM_gpumem_op beyond MEMOP_CMD_MASK");
static_assert(XENMEM_gpumem_op != XENMEM_acquire_resource &&
	      XENMEM_gpumem_op != XENMEM_reserved_device_memory_map,
	      "XENMEM_gpumem_op");

/*
 * Every "#define XENMEM_<lower-case name> <number>" of the installed
 * <xen/memory.h> (the sed of the Makefile for XEN_DMOP_*); sub-op numbers
 * (XENMEM_paging_op_*, ...) come along and are small.  Returns how many,
 * and the highest in *max; the name of one equal to ours in *clash.
 */
static unsigned int xenmem_numbers(unsigned int ours, unsigned int *max,
				   char *clash, size_t clash_len)
{
	static const char pattern[] =
		"^#define[[:space:]]+(XENMEM_[a-z][a-z0-9_]*)[[:space:]]+([0-9]+)[[:space:]]*$";
	regex_t re;
	regmatch_t m[3];
	char line[512];
	unsigned int n = 0;
	FILE *f = fopen(XEN_MEMORY_H, "r");

	*max = 0;
	if (!f)
		return 0;
	if (regcomp(&re, pattern, REG_EXTENDED)) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned int nr;

		line[strcspn(line, "\n")] = 0;
		if (regexec(&re, line, 3, m, 0))
			continue;
		nr = (unsigned int)strtoul(line + m[2].rm_so, NULL, 10);
		n++;
		if (nr > *max)
			*max = nr;
		if (nr == ours)
			snprintf(clash, clash_len, "%.*s",
				 (int)(m[1].rm_eo - m[1].rm_so),
				 line + m[1].rm_so);
	}
	regfree(&re);
	fclose(f);
	return n;
}

int main(void)
{
	static const unsigned int ours[] = {
		XEN_DMOP_gpumem_query, XEN_DMOP_gpumem_map,
		XEN_DMOP_gpumem_revoke, XEN_DMOP_gpumem_steal,
		XEN_DMOP_gpumem_return, XEN_DMOP_gpumem_fault_range,
	};
	unsigned int i, j, max = 0, test = 0, failed = 0, nmem, memmax;
	unsigned int iomax = 0;
	const char *ioclash = NULL;
	char memclash[64] = "";

	printf("TAP version 13\n1..%zu\n",
	       ARRAY_SIZE(ours) + 6);
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

	nmem = xenmem_numbers(XENMEM_gpumem_op, &memmax, memclash,
			      sizeof(memclash));
	printf("%s %u - %u upstream XENMEM_* numbers read from %s, highest %u\n",
	       nmem >= 20 ? "ok" : "not ok", ++test, nmem, XEN_MEMORY_H,
	       memmax);
	failed += nmem < 20;
	printf("%s %u - XENMEM_gpumem_op %u collides with %s, lies above %u\n",
	       !memclash[0] && XENMEM_gpumem_op > memmax ? "ok" : "not ok",
	       ++test, XENMEM_gpumem_op, memclash[0] ? memclash : "nothing",
	       memmax);
	failed += memclash[0] || XENMEM_gpumem_op <= memmax;

	for (i = 0; i < NR_UPSTREAM_IOREQ; i++) {
		if (upstream_ioreq[i].nr > iomax)
			iomax = upstream_ioreq[i].nr;
		if (upstream_ioreq[i].nr == IOREQ_TYPE_GPUMEM_FAULT)
			ioclash = upstream_ioreq[i].name;
	}
	/* PIO, COPY, PCI_CONFIG, TIMEOFFSET, INVALIDATE in Xen 4.17. */
	printf("%s %u - %zu upstream IOREQ_TYPE_* read, highest %u\n",
	       NR_UPSTREAM_IOREQ >= 5 ? "ok" : "not ok", ++test,
	       NR_UPSTREAM_IOREQ, iomax);
	failed += NR_UPSTREAM_IOREQ < 5;
	printf("%s %u - IOREQ_TYPE_GPUMEM_FAULT %#x collides with %s, lies above %u\n",
	       !ioclash && IOREQ_TYPE_GPUMEM_FAULT > iomax ? "ok" : "not ok",
	       ++test, IOREQ_TYPE_GPUMEM_FAULT, ioclash ? ioclash : "nothing",
	       iomax);
	failed += ioclash || IOREQ_TYPE_GPUMEM_FAULT <= iomax;
	return failed ? 1 : 0;
}
