/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hvsim-debugfs: readers of the simulated hypervisor's debugfs state
 * (/sys/kernel/debug/xen-gpumem/hvsim/, module loaded with backend=hvsim),
 * so that tests and demos can see what the frontend sees.  A test helper,
 * linked into gpumem_test and the gpumem CLI; not part of libgpumem.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef HVSIM_DEBUGFS_H
#define HVSIM_DEBUGFS_H

#include <stddef.h>
#include <stdint.h>

#define HVSIM_DBG_DIR		"/sys/kernel/debug/xen-gpumem/hvsim"

/* Extent flags as hvsim's p2m prints them (include/xen/interface/gpumem.h). */
#define HVSIM_DBG_P2M_MMIO	(1u << 0)
#define HVSIM_DBG_P2M_RO	(1u << 1)
#define HVSIM_DBG_P2M_CACHE(f)	(((f) >> 2) & 3u)	/* 0 WB, 1 WC, 2 UC */

/**
 * struct hvsim_dbg_p2m_run - one run of hvsim's p2m
 * @domid: the domain.
 * @gfn: first GFN.
 * @nr: GFNs in the run, all of @type, at consecutive frames.
 * @frame: the first GFN's frame.
 * @flags: HVSIM_DBG_P2M_*.
 * @type: ram, mmio, grant_map, foreign, lent, stolen.
 */
struct hvsim_dbg_p2m_run {
	uint32_t domid;
	uint64_t gfn;
	uint64_t nr;
	uint64_t frame;
	uint32_t flags;
	char type[12];
};

/**
 * struct hvsim_dbg_p2m_dom - one domain of hvsim's p2m
 * @domid: the domain.
 * @tot_pages: pages it owns.
 * @max_pages: its limit.
 */
struct hvsim_dbg_p2m_dom {
	uint32_t domid;
	uint64_t tot_pages;
	uint64_t max_pages;
};

#define HVSIM_DBG_P2M_MAX_DOMS	8

/**
 * struct hvsim_dbg_p2m - hvsim's p2m, as read by hvsim_dbg_p2m()
 * @nr_doms: entries of @doms.
 * @doms: the domains.
 * @nr_runs: entries of @runs.
 * @runs: the runs, in the file's order.
 */
struct hvsim_dbg_p2m {
	unsigned int nr_doms;
	struct hvsim_dbg_p2m_dom doms[HVSIM_DBG_P2M_MAX_DOMS];
	size_t nr_runs;
	struct hvsim_dbg_p2m_run *runs;
};

/**
 * struct hvsim_dbg_p2m_entry - what one GFN holds
 * @type: the run's type, or "hole" when unpopulated.
 * @frame: its frame (0 for a hole).
 * @flags: HVSIM_DBG_P2M_* (0 for a hole).
 */
struct hvsim_dbg_p2m_entry {
	const char *type;
	uint64_t frame;
	uint32_t flags;
};

/**
 * hvsim_dbg_p2m() - read hvsim's p2m
 * @p2m: out; free with hvsim_dbg_p2m_free().
 *
 * Return: 0, -errno if the file cannot be read, -EPROTO on a line that is
 * not in the format of hvsim_p2m_show(), -E2BIG for too many domains.
 */
int hvsim_dbg_p2m(struct hvsim_dbg_p2m *p2m);

/**
 * hvsim_dbg_p2m_free() - free what hvsim_dbg_p2m() read
 * @p2m: the p2m; zeroed.
 */
void hvsim_dbg_p2m_free(struct hvsim_dbg_p2m *p2m);

/**
 * hvsim_dbg_p2m_lookup() - what one GFN of a domain holds
 * @p2m: from hvsim_dbg_p2m().
 * @domid: the domain.
 * @gfn: the GFN.
 * @e: out: type ("hole" if no run covers it), frame and flags.
 */
void hvsim_dbg_p2m_lookup(const struct hvsim_dbg_p2m *p2m, uint32_t domid,
			  uint64_t gfn, struct hvsim_dbg_p2m_entry *e);

/**
 * hvsim_dbg_p2m_dom() - one domain's page counts
 * @p2m: from hvsim_dbg_p2m().
 * @domid: the domain.
 *
 * Return: its entry, or NULL when the p2m has no such domain.
 */
const struct hvsim_dbg_p2m_dom *
hvsim_dbg_p2m_dom(const struct hvsim_dbg_p2m *p2m, uint32_t domid);

/**
 * struct hvsim_dbg_op - hvsim's counters of one hypercall op
 * @name: query, map, revoke, steal, return.
 * @calls: calls made.
 * @extents: extents processed.
 * @frames: frames processed.
 * @failures: calls that failed.
 */
struct hvsim_dbg_op {
	char name[8];
	uint64_t calls, extents, frames, failures;
};

#define HVSIM_DBG_MAX_OPS	8

/**
 * struct hvsim_dbg_stats - hvsim's debugfs stats
 * @nr_ops: entries of @ops.
 * @ops: per-op counters, in the order query..return.
 * @faults: frontend accesses to GFNs with nothing mapped.
 */
struct hvsim_dbg_stats {
	unsigned int nr_ops;
	struct hvsim_dbg_op ops[HVSIM_DBG_MAX_OPS];
	uint64_t faults;
};

/**
 * hvsim_dbg_stats() - read hvsim's per-op counters
 * @st: out.
 *
 * Return: 0, -errno, or -EPROTO on a line not in hvsim_stats_show()'s format.
 */
int hvsim_dbg_stats(struct hvsim_dbg_stats *st);

/**
 * hvsim_dbg_op() - one op's counters
 * @st: from hvsim_dbg_stats().
 * @name: the op's name.
 *
 * Return: its counters, or all zeroes for an op @st does not have; never
 * NULL.
 */
const struct hvsim_dbg_op *hvsim_dbg_op(const struct hvsim_dbg_stats *st,
					const char *name);

/**
 * hvsim_dbg_access() - read or write frontend memory as hvsim's frontend
 * @domid: the frontend.
 * @gfn: first GFN.
 * @buf: data to write, or room for what is read.
 * @len: bytes from the start of @gfn.
 * @write: write instead of read.
 *
 * Return: 0; -EFAULT when a GFN has nothing mapped (the access faulted to
 * the backend); -EIO when the transfer stopped short; another -errno.
 */
int hvsim_dbg_access(uint32_t domid, uint64_t gfn, void *buf, size_t len,
		     int write);

#endif /* HVSIM_DEBUGFS_H */
