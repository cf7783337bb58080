// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hvsim-debugfs: readers of hvsim's debugfs state (hvsim-debugfs.h).
 *
 * Style: as libgpumem.c.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvsim-debugfs.h"

#define HVSIM_DBG_PAGE_SIZE	4096ul

static FILE *hvsim_dbg_open(const char *name, const char *mode)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", HVSIM_DBG_DIR, name);
	return fopen(path, mode);
}

int hvsim_dbg_access(uint32_t domid, uint64_t gfn, void *buf, size_t len,
		     int write)
{
	ssize_t n;
	FILE *f;

	f = hvsim_dbg_open("mem_domid", "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%u\n", domid) < 0 || fclose(f))
		return -EIO;
	/* Unbuffered: pread/pwrite on the stream's descriptor. */
	f = hvsim_dbg_open("mem", "r+e");
	if (!f)
		return -errno;
	n = write ? pwrite(fileno(f), buf, len, gfn * HVSIM_DBG_PAGE_SIZE) :
		    pread(fileno(f), buf, len, gfn * HVSIM_DBG_PAGE_SIZE);
	if (n < 0)
		n = -errno;
	fclose(f);
	return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

int hvsim_dbg_p2m(struct hvsim_dbg_p2m *p2m)
{
	struct hvsim_dbg_p2m_dom *dom = NULL;
	size_t cap = 0;
	char line[256];
	int rc = 0;
	FILE *f;

	memset(p2m, 0, sizeof(*p2m));
	f = hvsim_dbg_open("p2m", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct hvsim_dbg_p2m_run run = { 0 };
		struct hvsim_dbg_p2m_dom d;

		if (sscanf(line, "d%" SCNu32 " tot_pages %" SCNu64
			   " max_pages %" SCNu64,
			   &d.domid, &d.tot_pages, &d.max_pages) == 3) {
			if (p2m->nr_doms == HVSIM_DBG_P2M_MAX_DOMS) {
				rc = -E2BIG;
				break;
			}
			dom = &p2m->doms[p2m->nr_doms++];
			*dom = d;
			continue;
		}
		if (!dom || sscanf(line, " gfn %" SCNx64 "+%" SCNu64 " %11s"
				   " frame %" SCNx64 " flags %" SCNx32,
				   &run.gfn, &run.nr, run.type, &run.frame,
				   &run.flags) != 5) {
			rc = -EPROTO;
			break;
		}
		run.domid = dom->domid;
		if (p2m->nr_runs == cap) {
			struct hvsim_dbg_p2m_run *n;

			cap = cap ? 2 * cap : 64;
			n = realloc(p2m->runs, cap * sizeof(*n));
			if (!n) {
				rc = -ENOMEM;
				break;
			}
			p2m->runs = n;
		}
		p2m->runs[p2m->nr_runs++] = run;
	}
	fclose(f);
	if (rc)
		hvsim_dbg_p2m_free(p2m);
	return rc;
}

void hvsim_dbg_p2m_free(struct hvsim_dbg_p2m *p2m)
{
	free(p2m->runs);
	memset(p2m, 0, sizeof(*p2m));
}

void hvsim_dbg_p2m_lookup(const struct hvsim_dbg_p2m *p2m, uint32_t domid,
			  uint64_t gfn, struct hvsim_dbg_p2m_entry *e)
{
	size_t i;

	for (i = 0; i < p2m->nr_runs; i++) {
		const struct hvsim_dbg_p2m_run *r = &p2m->runs[i];

		if (r->domid != domid || gfn < r->gfn || gfn - r->gfn >= r->nr)
			continue;
		e->type = r->type;
		e->frame = r->frame + (gfn - r->gfn);
		e->flags = r->flags;
		return;
	}
	e->type = "hole";
	e->frame = 0;
	e->flags = 0;
}

const struct hvsim_dbg_p2m_dom *
hvsim_dbg_p2m_dom(const struct hvsim_dbg_p2m *p2m, uint32_t domid)
{
	unsigned int i;

	for (i = 0; i < p2m->nr_doms; i++)
		if (p2m->doms[i].domid == domid)
			return &p2m->doms[i];
	return NULL;
}

int hvsim_dbg_stats(struct hvsim_dbg_stats *st)
{
	char line[256];
	int rc = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	f = hvsim_dbg_open("stats", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct hvsim_dbg_op op;

		if (!strncmp(line, "op ", 3))
			continue;
		if (sscanf(line, "faults %" SCNu64, &st->faults) == 1)
			continue;
		if (sscanf(line, "%7s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
			   op.name, &op.calls, &op.extents, &op.frames,
			   &op.failures) != 5 ||
		    st->nr_ops == HVSIM_DBG_MAX_OPS) {
			rc = -EPROTO;
			break;
		}
		st->ops[st->nr_ops++] = op;
	}
	fclose(f);
	return rc;
}

const struct hvsim_dbg_op *
hvsim_dbg_op(const struct hvsim_dbg_stats *st, const char *name)
{
	static const struct hvsim_dbg_op none;
	unsigned int i;

	for (i = 0; i < st->nr_ops; i++)
		if (!strcmp(st->ops[i].name, name))
			return &st->ops[i];
	return &none;
}
