// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libgpumem: /dev/xen/gpumem ioctls, their documented errno meanings, and
 * readers of hvsim's debugfs state.
 *
 * Style: kernel style, checked with checkpatch --strict, except what C99
 * userspace and its messages need: <inttypes.h>'s PRIu64/PRIx64
 * (CAMELCASE), as in the kernel's own tools/, and user-visible strings
 * kept whole (LONG_LINE), so that they can be grepped for.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gpumem.h"

int gpumem_open(struct gpumem_ctx *ctx, const char *path)
{
	ctx->domid = GPUMEM_DOMID_NONE;
	ctx->fd = open(path ? path : GPUMEM_DEV_PATH, O_RDWR | O_CLOEXEC);
	return ctx->fd < 0 ? -errno : 0;
}

void gpumem_close(struct gpumem_ctx *ctx)
{
	if (ctx->fd >= 0)
		close(ctx->fd);
	ctx->fd = -1;
	ctx->domid = GPUMEM_DOMID_NONE;
}

int gpumem_ioctl(struct gpumem_ctx *ctx, unsigned long cmd, void *arg)
{
	return ioctl(ctx->fd, cmd, arg) ? -errno : 0;
}

int gpumem_bind(struct gpumem_ctx *ctx, uint32_t domid)
{
	struct gpumem_bind b = { .domid = domid };
	int rc = gpumem_ioctl(ctx, GPUMEM_IOCTL_BIND, &b);

	if (!rc)
		ctx->domid = domid;
	return rc;
}

int gpumem_query(struct gpumem_ctx *ctx, struct gpumem_query *q)
{
	memset(q, 0, sizeof(*q));
	return gpumem_ioctl(ctx, GPUMEM_IOCTL_QUERY, q);
}

int gpumem_map_va(struct gpumem_ctx *ctx, void *hva, uint64_t len,
		  uint64_t gfn, uint32_t flags, uint64_t *region)
{
	struct gpumem_map_va m = {
		.hva = (uintptr_t)hva, .len = len, .gfn = gfn,
		.domid = ctx->domid, .flags = flags,
	};
	int rc = gpumem_ioctl(ctx, GPUMEM_IOCTL_MAP_VA, &m);

	if (!rc && region)
		*region = m.region;
	return rc;
}

int gpumem_map_dmabuf(struct gpumem_ctx *ctx, int dmabuf_fd, uint64_t offset,
		      uint64_t len, uint64_t gfn, uint32_t flags,
		      uint32_t attach_sbdf, uint64_t *region)
{
	struct gpumem_map_dmabuf m = {
		.fd = dmabuf_fd, .flags = flags, .offset = offset, .len = len,
		.gfn = gfn, .domid = ctx->domid, .attach_sbdf = attach_sbdf,
	};
	int rc = gpumem_ioctl(ctx, GPUMEM_IOCTL_MAP_DMABUF, &m);

	if (!rc && region)
		*region = m.region;
	return rc;
}

int gpumem_populate(struct gpumem_ctx *ctx, uint64_t gfn, uint64_t nr_pages)
{
	struct gpumem_populate p = {
		.gfn = gfn, .nr_pages = nr_pages, .domid = ctx->domid,
	};

	return gpumem_ioctl(ctx, GPUMEM_IOCTL_POPULATE, &p);
}

int gpumem_revoke(struct gpumem_ctx *ctx, uint64_t gfn, uint64_t nr_pages)
{
	struct gpumem_revoke r = {
		.gfn = gfn, .nr_pages = nr_pages, .domid = ctx->domid,
	};

	return gpumem_ioctl(ctx, GPUMEM_IOCTL_REVOKE, &r);
}

int gpumem_unmap(struct gpumem_ctx *ctx, uint64_t region)
{
	struct gpumem_unmap u = { .region = region, .domid = ctx->domid };

	return gpumem_ioctl(ctx, GPUMEM_IOCTL_UNMAP, &u);
}

int gpumem_steal(struct gpumem_ctx *ctx, uint64_t gfn, uint64_t nr_pages,
		 uint64_t *offset)
{
	struct gpumem_steal s = {
		.gfn = gfn, .nr_pages = nr_pages, .domid = ctx->domid,
	};
	int rc = gpumem_ioctl(ctx, GPUMEM_IOCTL_STEAL, &s);

	if (!rc && offset)
		*offset = s.offset;
	return rc;
}

int gpumem_return(struct gpumem_ctx *ctx, uint64_t offset)
{
	struct gpumem_return r = { .offset = offset, .domid = ctx->domid };

	return gpumem_ioctl(ctx, GPUMEM_IOCTL_RETURN, &r);
}

/*
 * Errno meanings, per ioctl, from the tables and lists of
 * Documentation/userspace-api/xen-gpumem.rst.  A code not listed for an
 * ioctl falls back to the rules common to every ioctl, then to strerror().
 */
struct gpumem_errmsg {
	int err;
	const char *msg;
};

#define GPUMEM_ERR_END { 0, NULL }

static const struct gpumem_errmsg gpumem_err_bind[] = {
	{ EPERM,
	  "caller lacks CAP_SYS_ADMIN, or Xen refuses dm_op on the domain" },
	{ EINVAL, "flags != 0, or domid 0 or reserved (>= 0x7ff0)" },
	{ EBUSY, "already bound to another domain" },
	{ ESRCH, "no such domain" },
	GPUMEM_ERR_END
};

static const struct gpumem_errmsg gpumem_err_query[] = {
	{ EINVAL, "non-zero input field" },
	GPUMEM_ERR_END
};

/* What MAP_VA and MAP_DMABUF share, after their own entries. */
static const struct gpumem_errmsg gpumem_err_map[] = {
	{ EOVERFLOW,
	  "hva+len or the GFN range wraps or leaves user space, or a GFN is 2^40 or more (52-bit physical addresses)" },
	{ E2BIG,
	  "max_regions or max_pages of the context would be exceeded, or more than 2^32-1 pages" },
	{ EEXIST,
	  "the GFN range overlaps a region of this context, or the hypervisor found a GFN populated" },
	{ EXDEV,
	  "a page of the range is not dom0's own memory (grant or foreign mapping, unpopulated range)" },
	{ EACCES, "the range is not writable and GPUMEM_MAP_RO was not given" },
	{ EAGAIN, "invalidations kept racing with the map for too long; retry" },
	{ ESRCH,
	  "the frontend no longer exists: destroyed, or its domid now names another domain" },
	GPUMEM_ERR_END
};

static const struct gpumem_errmsg gpumem_err_map_va[] = {
	{ EINVAL,
	  "unaligned hva or len, len 0, unknown flags, region not 0, or the hypervisor refused an extent as malformed (GFNs beyond the frontend's physmap)" },
	{ EFAULT,
	  "an address in the range is not mapped, or mapped without access (PROT_NONE)" },
	{ EOPNOTSUPP,
	  "the hypervisor lacks MAP or REVOKE, or the range maps MMIO write-back" },
	GPUMEM_ERR_END
};

static const struct gpumem_errmsg gpumem_err_map_dmabuf[] = {
	{ EBADF, "fd is not a dmabuf" },
	{ ERANGE, "offset+len past the buffer" },
	{ EINVAL,
	  "unaligned offset or len, len 0, unknown flags, region not 0, attach_sbdf without GPUMEM_MAP_PCI_ATTACH, or an extent refused as malformed" },
	{ ENODEV,
	  "no such PCI device, or the module's device still being set up" },
	{ EOPNOTSUPP,
	  "a dynamic exporter without CONFIG_DMABUF_MOVE_NOTIFY, a PCI device whose DMA goes through DMA ops or an IOMMU, DMA addresses that are not the buffer's pages, or the hypervisor lacks MAP or REVOKE" },
	{ EIO, "the exporter's mapping has unaligned or too few segments" },
	GPUMEM_ERR_END
};

static const struct gpumem_errmsg gpumem_err_populate[] = {
	{ ENOENT, "a GFN in no region" },
	{ EFAULT,
	  "backing range no longer mapped or PROT_NONE, or its process has exited" },
	{ EEXIST,
	  "the hypervisor found a GFN populated (a LAZY region over the frontend's own RAM)" },
	{ EACCES, "the range is not writable and the region is not read-only" },
	{ EXDEV,
	  "a page of the range is not dom0's own memory (grant or foreign mapping, unpopulated range)" },
	{ EAGAIN, "invalidations kept racing with the map for too long; retry" },
	{ EINVAL,
	  "flags not 0, nr_pages 0, or an extent the hypervisor refused as malformed" },
	{ EOVERFLOW, "the GFN range overflows" },
	{ EBUSY, "a steal that RETURN left part-way (frontend's limit)" },
	{ ESRCH,
	  "the frontend no longer exists: destroyed, or its domid now names another domain" },
	GPUMEM_ERR_END
};

static const struct gpumem_errmsg gpumem_err_unmap[] = {
	{ ENOENT, "unknown region" },
	{ EINVAL, "flags not 0, or the region is a steal (use RETURN)" },
	GPUMEM_ERR_END
};

static const struct gpumem_errmsg gpumem_err_steal[] = {
	{ ENOENT, "a page is not populated, or not RAM the frontend owns" },
	{ ENXIO, "a page is MMIO" },
	{ EXDEV,
	  "a page was provided by another domain (grant map, foreign map), or is lent by MAP of another context" },
	{ EACCES, "a page is granted to another domain" },
	{ EMLINK, "a page is foreign-mapped by another domain" },
	{ EBUSY, "a page is in use by a hypercall" },
	{ ENOSPC, "the backend's page limit would be exceeded" },
	{ E2BIG, "max_stolen_pages (or max_regions) would be exceeded" },
	{ EEXIST,
	  "the GFNs overlap a region of the context (GFNs it lent included)" },
	{ EINVAL, "flags, offset or nr_pages 0" },
	{ EOVERFLOW, "the GFN range overflows" },
	{ EOPNOTSUPP, "the hypervisor lacks MAP, REVOKE, STEAL or RETURN" },
	{ ESRCH, "the frontend no longer exists" },
	GPUMEM_ERR_END
};

static const struct gpumem_errmsg gpumem_err_return[] = {
	{ ENOENT, "no such steal in this context" },
	{ EBUSY,
	  "a page is still referenced in dom0 (pin, GUP): retry after the holder lets go" },
	{ ENOSPC,
	  "the frontend's limit (part returned; RETURN again continues)" },
	{ EINVAL, "flags not 0" },
	GPUMEM_ERR_END
};

static const struct gpumem_errmsg gpumem_err_revoke[] = {
	{ ENOENT, "a GFN in no region" },
	{ EINVAL, "flags not 0, or nr_pages 0" },
	{ EOVERFLOW, "the GFN range overflows" },
	{ ESRCH, "the frontend no longer exists" },
	GPUMEM_ERR_END
};

/* "Rules common to every ioctl". */
static const struct gpumem_errmsg gpumem_err_common[] = {
	{ EPERM, "domid is not the bound domain" },
	{ EBADFD, "context not bound" },
	{ EOPNOTSUPP, "the hypervisor does not implement this ioctl's ops" },
	{ ENOTTY,
	  "unknown command, or a known number with another size or direction" },
	{ EFAULT, "argument not readable or not writable" },
	{ EINVAL,
	  "padding, reserved or OUT-only field not zero, or unknown flags" },
	{ E2BIG, "a request exceeds a module parameter" },
	{ ENOMEM, "out of memory, in dom0 or in the hypervisor" },
	GPUMEM_ERR_END
};

static const struct {
	unsigned long cmd;
	const char *name;
	const struct gpumem_errmsg *errs;
	const struct gpumem_errmsg *shared;	/* looked up after errs */
} gpumem_ioctls[] = {
	{ GPUMEM_IOCTL_BIND, "BIND", gpumem_err_bind, NULL },
	{ GPUMEM_IOCTL_QUERY, "QUERY", gpumem_err_query, NULL },
	{ GPUMEM_IOCTL_MAP_VA, "MAP_VA", gpumem_err_map_va, gpumem_err_map },
	{ GPUMEM_IOCTL_MAP_DMABUF, "MAP_DMABUF", gpumem_err_map_dmabuf,
	  gpumem_err_map },
	{ GPUMEM_IOCTL_POPULATE, "POPULATE", gpumem_err_populate, NULL },
	{ GPUMEM_IOCTL_UNMAP, "UNMAP", gpumem_err_unmap, NULL },
	{ GPUMEM_IOCTL_STEAL, "STEAL", gpumem_err_steal, NULL },
	{ GPUMEM_IOCTL_RETURN, "RETURN", gpumem_err_return, NULL },
	{ GPUMEM_IOCTL_REVOKE, "REVOKE", gpumem_err_revoke, NULL },
};

#define GPUMEM_NR_IOCTLS ARRAY_SIZE(gpumem_ioctls)

static const char *gpumem_errmsg_find(const struct gpumem_errmsg *t, int err)
{
	for (; t && t->msg; t++)
		if (t->err == err)
			return t->msg;
	return NULL;
}

const char *gpumem_ioctl_name(unsigned long ioctl_cmd)
{
	size_t i;

	for (i = 0; i < GPUMEM_NR_IOCTLS; i++)
		if (gpumem_ioctls[i].cmd == ioctl_cmd)
			return gpumem_ioctls[i].name;
	return "?";
}

/* GPUMEM_IOCTL_<name> from "<name>" or "GPUMEM_IOCTL_<name>", any case; or 0. */
unsigned long gpumem_ioctl_by_name(const char *name)
{
	size_t i;

	if (!strncasecmp(name, "GPUMEM_IOCTL_", 13))
		name += 13;
	for (i = 0; i < GPUMEM_NR_IOCTLS; i++)
		if (!strcasecmp(name, gpumem_ioctls[i].name))
			return gpumem_ioctls[i].cmd;
	return 0;
}

/**
 * gpumem_strerror() - what an errno means for one ioctl
 * @ioctl_cmd: GPUMEM_IOCTL_*.
 * @err: the errno, positive or negative (as the library returns it).
 *
 * Return: the documented meaning, or strerror()'s text for a code the
 * documentation does not list for that ioctl; never NULL.
 */
const char *gpumem_strerror(unsigned long ioctl_cmd, int err)
{
	const char *msg = NULL;
	size_t i;

	if (err < 0)
		err = -err;
	if (!err)
		return "success";
	for (i = 0; i < GPUMEM_NR_IOCTLS && !msg; i++) {
		if (gpumem_ioctls[i].cmd != ioctl_cmd)
			continue;
		msg = gpumem_errmsg_find(gpumem_ioctls[i].errs, err);
		if (!msg)
			msg = gpumem_errmsg_find(gpumem_ioctls[i].shared, err);
	}
	if (!msg)
		msg = gpumem_errmsg_find(gpumem_err_common, err);
	return msg ? msg : strerror(err);
}

/* hvsim's debugfs files. */

static FILE *gpumem_hvsim_open(const char *name, const char *mode)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", GPUMEM_HVSIM_DIR, name);
	return fopen(path, mode);
}

/**
 * gpumem_hvsim_access() - read or write frontend memory as hvsim's frontend
 * @domid: the frontend.
 * @gfn: first GFN.
 * @buf: data to write, or room for what is read.
 * @len: bytes from the start of @gfn.
 * @write: write instead of read.
 *
 * Return: 0; -EFAULT when a GFN has nothing mapped (the access faulted to
 * the backend); -EIO when the transfer stopped short; another -errno.
 */
int gpumem_hvsim_access(uint32_t domid, uint64_t gfn, void *buf, size_t len,
			int write)
{
	ssize_t n;
	FILE *f;

	f = gpumem_hvsim_open("mem_domid", "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%u\n", domid) < 0 || fclose(f))
		return -EIO;
	/* Unbuffered: pread/pwrite on the stream's descriptor. */
	f = gpumem_hvsim_open("mem", "r+e");
	if (!f)
		return -errno;
	n = write ? pwrite(fileno(f), buf, len, gfn * GPUMEM_PAGE_SIZE) :
		    pread(fileno(f), buf, len, gfn * GPUMEM_PAGE_SIZE);
	if (n < 0)
		n = -errno;
	fclose(f);
	return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

/**
 * gpumem_hvsim_p2m() - read hvsim's p2m
 * @p2m: out; free with gpumem_p2m_free().
 *
 * Return: 0, -errno if the file cannot be read, -EPROTO on a line that is
 * not in the format of hvsim_p2m_show().
 */
int gpumem_hvsim_p2m(struct gpumem_p2m *p2m)
{
	struct gpumem_p2m_dom *dom = NULL;
	size_t cap = 0;
	char line[256];
	int rc = 0;
	FILE *f;

	memset(p2m, 0, sizeof(*p2m));
	f = gpumem_hvsim_open("p2m", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct gpumem_p2m_run run = { 0 };
		struct gpumem_p2m_dom d;

		if (sscanf(line, "d%" SCNu32 " tot_pages %" SCNu64
			   " max_pages %" SCNu64,
			   &d.domid, &d.tot_pages, &d.max_pages) == 3) {
			if (p2m->nr_doms == GPUMEM_P2M_MAX_DOMS) {
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
			struct gpumem_p2m_run *n;

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
		gpumem_p2m_free(p2m);
	return rc;
}

void gpumem_p2m_free(struct gpumem_p2m *p2m)
{
	free(p2m->runs);
	memset(p2m, 0, sizeof(*p2m));
}

/**
 * gpumem_p2m_lookup() - what one GFN of a domain holds
 * @p2m: from gpumem_hvsim_p2m().
 * @domid: the domain.
 * @gfn: the GFN.
 * @e: out: type ("hole" if no run covers it), frame and flags.
 */
void gpumem_p2m_lookup(const struct gpumem_p2m *p2m, uint32_t domid,
		       uint64_t gfn, struct gpumem_p2m_entry *e)
{
	size_t i;

	for (i = 0; i < p2m->nr_runs; i++) {
		const struct gpumem_p2m_run *r = &p2m->runs[i];

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

const struct gpumem_p2m_dom *gpumem_p2m_dom(const struct gpumem_p2m *p2m,
					    uint32_t domid)
{
	unsigned int i;

	for (i = 0; i < p2m->nr_doms; i++)
		if (p2m->doms[i].domid == domid)
			return &p2m->doms[i];
	return NULL;
}

/**
 * gpumem_hvsim_stats() - read hvsim's per-op counters
 * @st: out.
 *
 * Return: 0, -errno, or -EPROTO on a line not in hvsim_stats_show()'s format.
 */
int gpumem_hvsim_stats(struct gpumem_hvsim_stats *st)
{
	char line[256];
	int rc = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	f = gpumem_hvsim_open("stats", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct gpumem_hvsim_op op;

		if (!strncmp(line, "op ", 3))
			continue;
		if (sscanf(line, "faults %" SCNu64, &st->faults) == 1)
			continue;
		if (sscanf(line, "%7s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
			   op.name, &op.calls, &op.extents, &op.frames,
			   &op.failures) != 5 ||
		    st->nr_ops == GPUMEM_HVSIM_MAX_OPS) {
			rc = -EPROTO;
			break;
		}
		st->ops[st->nr_ops++] = op;
	}
	fclose(f);
	return rc;
}

const struct gpumem_hvsim_op *
gpumem_hvsim_op(const struct gpumem_hvsim_stats *st, const char *name)
{
	static const struct gpumem_hvsim_op none;
	unsigned int i;

	for (i = 0; i < st->nr_ops; i++)
		if (!strcmp(st->ops[i].name, name))
			return &st->ops[i];
	return &none;
}

int gpumem_module_param(const char *name, unsigned long *val)
{
	char path[128];
	int rc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/xen_gpumem/parameters/%s",
		 name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%lu", val) != 1)
		rc = -EPROTO;
	fclose(f);
	return rc;
}
