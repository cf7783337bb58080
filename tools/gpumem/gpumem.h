/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libgpumem: a thin C library over /dev/xen/gpumem.
 *
 * Every call returns 0 or a negative errno; gpumem_strerror() gives the
 * meaning the documentation (Documentation/userspace-api/xen-gpumem.rst)
 * assigns to an errno for a given ioctl.  The gpumem_hvsim_*() helpers read
 * the simulated hypervisor's debugfs files (module loaded with
 * backend=hvsim) so that tests and demos can see what the frontend sees.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef LIBGPUMEM_H
#define LIBGPUMEM_H

#include <stddef.h>
#include <stdint.h>

#include <xen/gpumem.h>

#define GPUMEM_DEV_PATH		"/dev/xen/gpumem"
#define GPUMEM_HVSIM_DIR	"/sys/kernel/debug/xen-gpumem/hvsim"
#define GPUMEM_PAGE_SIZE	4096ul

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* Extent flags as hvsim's p2m prints them (include/xen/interface/gpumem.h). */
#define GPUMEM_P2M_MMIO		(1u << 0)
#define GPUMEM_P2M_RO		(1u << 1)
#define GPUMEM_P2M_CACHE(f)	(((f) >> 2) & 3u)	/* 0 WB, 1 WC, 2 UC */

/**
 * struct gpumem_ctx - an open /dev/xen/gpumem context
 * @fd: the descriptor (also what the steal windows are mmapped from).
 * @domid: the bound frontend, or GPUMEM_DOMID_NONE.
 */
struct gpumem_ctx {
	int fd;
	uint32_t domid;
};

int gpumem_open(struct gpumem_ctx *ctx, const char *path);
void gpumem_close(struct gpumem_ctx *ctx);
int gpumem_bind(struct gpumem_ctx *ctx, uint32_t domid);
int gpumem_query(struct gpumem_ctx *ctx, struct gpumem_query *q);
int gpumem_map_va(struct gpumem_ctx *ctx, void *hva, uint64_t len,
		  uint64_t gfn, uint32_t flags, uint64_t *region);
int gpumem_map_dmabuf(struct gpumem_ctx *ctx, int dmabuf_fd, uint64_t offset,
		      uint64_t len, uint64_t gfn, uint32_t flags,
		      uint32_t attach_sbdf, uint64_t *region);
int gpumem_populate(struct gpumem_ctx *ctx, uint64_t gfn, uint64_t nr_pages);
int gpumem_revoke(struct gpumem_ctx *ctx, uint64_t gfn, uint64_t nr_pages);
int gpumem_unmap(struct gpumem_ctx *ctx, uint64_t region);
int gpumem_steal(struct gpumem_ctx *ctx, uint64_t gfn, uint64_t nr_pages,
		 uint64_t *offset);
int gpumem_return(struct gpumem_ctx *ctx, uint64_t offset);

/* Raw ioctl: 0 or -errno, for callers that build the argument themselves. */
int gpumem_ioctl(struct gpumem_ctx *ctx, unsigned long cmd, void *arg);

const char *gpumem_strerror(unsigned long ioctl_cmd, int err);
const char *gpumem_ioctl_name(unsigned long ioctl_cmd);
unsigned long gpumem_ioctl_by_name(const char *name);

/* hvsim's debugfs p2m: one run of GFNs with one type and consecutive frames. */
struct gpumem_p2m_run {
	uint32_t domid;
	uint64_t gfn;
	uint64_t nr;
	uint64_t frame;
	uint32_t flags;
	char type[12];		/* ram, mmio, grant_map, foreign, lent, stolen */
};

struct gpumem_p2m_dom {
	uint32_t domid;
	uint64_t tot_pages;
	uint64_t max_pages;
};

#define GPUMEM_P2M_MAX_DOMS	8

struct gpumem_p2m {
	unsigned int nr_doms;
	struct gpumem_p2m_dom doms[GPUMEM_P2M_MAX_DOMS];
	size_t nr_runs;
	struct gpumem_p2m_run *runs;
};

/* What one GFN holds: type "hole" when unpopulated. */
struct gpumem_p2m_entry {
	const char *type;
	uint64_t frame;
	uint32_t flags;
};

int gpumem_hvsim_p2m(struct gpumem_p2m *p2m);
void gpumem_p2m_free(struct gpumem_p2m *p2m);
void gpumem_p2m_lookup(const struct gpumem_p2m *p2m, uint32_t domid,
		       uint64_t gfn, struct gpumem_p2m_entry *e);
const struct gpumem_p2m_dom *gpumem_p2m_dom(const struct gpumem_p2m *p2m,
					    uint32_t domid);

/* hvsim's debugfs stats: per-op counters, in the order query..return. */
struct gpumem_hvsim_op {
	char name[8];
	uint64_t calls, extents, frames, failures;
};

#define GPUMEM_HVSIM_MAX_OPS	8

struct gpumem_hvsim_stats {
	unsigned int nr_ops;
	struct gpumem_hvsim_op ops[GPUMEM_HVSIM_MAX_OPS];
	uint64_t faults;
};

int gpumem_hvsim_stats(struct gpumem_hvsim_stats *st);
int gpumem_hvsim_access(uint32_t domid, uint64_t gfn, void *buf, size_t len,
			int write);
const struct gpumem_hvsim_op *
gpumem_hvsim_op(const struct gpumem_hvsim_stats *st, const char *name);

/* A module parameter of xen_gpumem from sysfs, or -errno. */
int gpumem_module_param(const char *name, unsigned long *val);

#endif /* LIBGPUMEM_H */
