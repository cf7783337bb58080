// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hvsimfs: readers of hvsim's debugfs state (hvsimfs.h).
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

#include "hvsimfs.h"

#define HVSIMFS_PAGE_SIZE	4096ul

static FILE *hvsimfs_open(const char *name, const char *mode)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", HVSIMFS_DIR, name);
	return fopen(path, mode);
}

int hvsimfs_access(uint32_t domid, uint64_t gfn, void *buf, size_t len,
		   int write)
{
	ssize_t n;
	FILE *f;

	f = hvsimfs_open("mem_domid", "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%u\n", domid) < 0 || fclose(f))
		return -EIO;
	/* Unbuffered: pread/pwrite on the stream's descriptor. */
	f = hvsimfs_open("mem", "r+e");
	if (!f)
		return -errno;
	n = write ? pwrite(fileno(f), buf, len, gfn * HVSIMFS_PAGE_SIZE) :
		    pread(fileno(f), buf, len, gfn * HVSIMFS_PAGE_SIZE);
	if (n < 0)
		n = -errno;
	fclose(f);
	return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

int hvsimfs_p2m(struct hvsimfs_p2m *p2m)
{
	struct hvsimfs_p2m_dom *dom = NULL;
	size_t cap = 0;
	char line[256];
	int rc = 0;
	FILE *f;

	memset(p2m, 0, sizeof(*p2m));
	f = hvsimfs_open("p2m", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct hvsimfs_p2m_run run = { 0 };
		struct hvsimfs_p2m_dom d;

		if (sscanf(line, "d%" SCNu32 " tot_pages %" SCNu64
			   " max_pages %" SCNu64,
			   &d.domid, &d.tot_pages, &d.max_pages) == 3) {
			if (p2m->nr_doms == HVSIMFS_P2M_MAX_DOMS) {
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
			struct hvsimfs_p2m_run *n;

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
		hvsimfs_p2m_free(p2m);
	return rc;
}

void hvsimfs_p2m_free(struct hvsimfs_p2m *p2m)
{
	free(p2m->runs);
	memset(p2m, 0, sizeof(*p2m));
}

void hvsimfs_p2m_lookup(const struct hvsimfs_p2m *p2m, uint32_t domid,
			uint64_t gfn, struct hvsimfs_p2m_entry *e)
{
	size_t i;

	for (i = 0; i < p2m->nr_runs; i++) {
		const struct hvsimfs_p2m_run *r = &p2m->runs[i];

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

const struct hvsimfs_p2m_dom *
hvsimfs_p2m_dom(const struct hvsimfs_p2m *p2m, uint32_t domid)
{
	unsigned int i;

	for (i = 0; i < p2m->nr_doms; i++)
		if (p2m->doms[i].domid == domid)
			return &p2m->doms[i];
	return NULL;
}

int hvsimfs_stats(struct hvsimfs_stats *st)
{
	char line[256];
	int rc = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	f = hvsimfs_open("stats", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct hvsimfs_op op;

		if (!strncmp(line, "op ", 3))
			continue;
		if (sscanf(line, "faults %" SCNu64, &st->faults) == 1 ||
		    !strncmp(line, "fault_servers ", 14))
			continue;
		if (sscanf(line, "%7s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
			   op.name, &op.calls, &op.extents, &op.frames,
			   &op.failures) != 5 ||
		    st->nr_ops == HVSIMFS_MAX_OPS) {
			rc = -EPROTO;
			break;
		}
		st->ops[st->nr_ops++] = op;
	}
	fclose(f);
	return rc;
}

const struct hvsimfs_op *
hvsimfs_op(const struct hvsimfs_stats *st, const char *name)
{
	static const struct hvsimfs_op none;
	unsigned int i;

	for (i = 0; i < st->nr_ops; i++)
		if (!strcmp(st->ops[i].name, name))
			return &st->ops[i];
	return &none;
}
