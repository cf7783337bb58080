/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hvsimfs: readers of the simulated hypervisor's debugfs state
 * (/sys/kernel/debug/xen-gpumem/hvsim/, module loaded with backend=hvsim),
 * so that tests and demos can see what the frontend sees.  A test helper,
 * linked into gpumem_test and the gpumem CLI; not part of libgpumem.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef HVSIMFS_H
#define HVSIMFS_H

#include <stddef.h>
#include <stdint.h>

#define HVSIMFS_DIR		"/sys/kernel/debug/xen-gpumem/hvsim"

/* Extent flags as hvsim's p2m prints them (include/xen/interface/gpumem.h). */
#define HVSIMFS_P2M_MMIO	(1u << 0)
#define HVSIMFS_P2M_RO	(1u << 1)
#define HVSIMFS_P2M_CACHE(f)	(((f) >> 2) & 3u)	/* 0 WB, 1 WC, 2 UC */

/**
 * struct hvsimfs_p2m_run - one run of hvsim's p2m
 * @domid: the domain.
 * @gfn: first GFN.
 * @nr: GFNs in the run, all of @type, at consecutive frames.
 * @frame: the first GFN's frame.
 * @flags: HVSIMFS_P2M_*.
 * @type: ram, mmio, grant_map, foreign, lent, stolen.
 */
struct hvsimfs_p2m_run {
	uint32_t domid;
	uint64_t gfn;
	uint64_t nr;
	uint64_t frame;
	uint32_t flags;
	char type[12];
};

/**
 * struct hvsimfs_p2m_dom - one domain of hvsim's p2m
 * @domid: the domain.
 * @tot_pages: pages it owns.
 * @max_pages: its limit.
 */
struct hvsimfs_p2m_dom {
	uint32_t domid;
	uint64_t tot_pages;
	uint64_t max_pages;
};

#define HVSIMFS_P2M_MAX_DOMS	8

/**
 * struct hvsimfs_p2m - hvsim's p2m, as read by hvsimfs_p2m()
 * @nr_doms: entries of @doms.
 * @doms: the domains.
 * @nr_runs: entries of @runs.
 * @runs: the runs, in the file's order.
 */
struct hvsimfs_p2m {
	unsigned int nr_doms;
	struct hvsimfs_p2m_dom doms[HVSIMFS_P2M_MAX_DOMS];
	size_t nr_runs;
	struct hvsimfs_p2m_run *runs;
};

/**
 * struct hvsimfs_p2m_entry - what one GFN holds
 * @type: the run's type, or "hole" when unpopulated.
 * @frame: its frame (0 for a hole).
 * @flags: HVSIMFS_P2M_* (0 for a hole).
 */
struct hvsimfs_p2m_entry {
	const char *type;
	uint64_t frame;
	uint32_t flags;
};

/**
 * hvsimfs_p2m() - read hvsim's p2m
 * @p2m: out; free with hvsimfs_p2m_free().
 *
 * Return: 0, -errno if the file cannot be read, -EPROTO on a line that is
 * not in the format of hvsim_p2m_show(), -E2BIG for too many domains.
 */
int hvsimfs_p2m(struct hvsimfs_p2m *p2m);

/**
 * hvsimfs_p2m_free() - free what hvsimfs_p2m() read
 * @p2m: the p2m; zeroed.
 */
void hvsimfs_p2m_free(struct hvsimfs_p2m *p2m);

/**
 * hvsimfs_p2m_lookup() - what one GFN of a domain holds
 * @p2m: from hvsimfs_p2m().
 * @domid: the domain.
 * @gfn: the GFN.
 * @e: out: type ("hole" if no run covers it), frame and flags.
 */
void hvsimfs_p2m_lookup(const struct hvsimfs_p2m *p2m, uint32_t domid,
			uint64_t gfn, struct hvsimfs_p2m_entry *e);

/**
 * hvsimfs_p2m_dom() - one domain's page counts
 * @p2m: from hvsimfs_p2m().
 * @domid: the domain.
 *
 * Return: its entry, or NULL when the p2m has no such domain.
 */
const struct hvsimfs_p2m_dom *
hvsimfs_p2m_dom(const struct hvsimfs_p2m *p2m, uint32_t domid);

/**
 * struct hvsimfs_op - hvsim's counters of one hypercall op
 * @name: query, map, revoke, steal, return.
 * @calls: calls made.
 * @extents: extents processed.
 * @frames: frames processed.
 * @failures: calls that failed.
 */
struct hvsimfs_op {
	char name[8];
	uint64_t calls, extents, frames, failures;
};

#define HVSIMFS_MAX_OPS	8

/**
 * struct hvsimfs_stats - hvsim's debugfs stats
 * @nr_ops: entries of @ops.
 * @ops: per-op counters, in the order query..return.
 * @faults: frontend accesses to GFNs with nothing mapped.
 */
struct hvsimfs_stats {
	unsigned int nr_ops;
	struct hvsimfs_op ops[HVSIMFS_MAX_OPS];
	uint64_t faults;
};

/**
 * hvsimfs_stats() - read hvsim's per-op counters
 * @st: out.
 *
 * Return: 0, -errno, or -EPROTO on a line not in hvsim_stats_show()'s format.
 */
int hvsimfs_stats(struct hvsimfs_stats *st);

/**
 * hvsimfs_op() - one op's counters
 * @st: from hvsimfs_stats().
 * @name: the op's name.
 *
 * Return: its counters, or all zeroes for an op @st does not have; never
 * NULL.
 */
const struct hvsimfs_op *hvsimfs_op(const struct hvsimfs_stats *st,
				    const char *name);

/**
 * hvsimfs_access() - read or write frontend memory as hvsim's frontend
 * @domid: the frontend.
 * @gfn: first GFN.
 * @buf: data to write, or room for what is read.
 * @len: bytes from the start of @gfn.
 * @write: write instead of read.
 *
 * Return: 0; -EFAULT when a GFN has nothing mapped (the access faulted to
 * the backend); -EIO when the transfer stopped short; another -errno.
 */
int hvsimfs_access(uint32_t domid, uint64_t gfn, void *buf, size_t len,
		   int write);

#endif /* HVSIMFS_H */
