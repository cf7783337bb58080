// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libgpumem: /dev/xen/gpumem ioctls and their documented errno meanings
 * (libgpumem.h).
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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libgpumem.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct libgpumem_handle {
	int fd;
	uint32_t domid;	/* the bound frontend, or GPUMEM_DOMID_NONE */
};

struct libgpumem_handle *libgpumem_open(const char *path)
{
	struct libgpumem_handle *h = malloc(sizeof(*h));
	int err;

	if (!h)
		return NULL;
	h->domid = GPUMEM_DOMID_NONE;
	h->fd = open(path ? path : LIBGPUMEM_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		err = errno;
		free(h);
		errno = err;
		return NULL;
	}
	return h;
}

void libgpumem_close(struct libgpumem_handle *h)
{
	if (!h)
		return;
	close(h->fd);
	free(h);
}

int libgpumem_fd(const struct libgpumem_handle *h)
{
	return h->fd;
}

uint32_t libgpumem_domid(const struct libgpumem_handle *h)
{
	return h->domid;
}

/*
 * Like libdrm's drmIoctl(), an ioctl interrupted by a signal (EINTR: a
 * dmabuf's reservation lock is taken interruptibly) is issued again with
 * the same argument: no ioctl leaves anything half-done when it fails (what
 * it did is undone, or stays tracked and is skipped by the next call, as
 * the documentation says), so issuing it again is what the caller meant.
 *
 * Unlike drmIoctl(), EAGAIN is not retried: MAP_VA and POPULATE answer it
 * when invalidations kept racing with the map ("retry", says the
 * documentation), a result for the caller to act on -- retry at once, after
 * letting the racing work settle, or give up -- which a loop here would
 * hide and could spin on.
 */
int libgpumem_ioctl(struct libgpumem_handle *h, unsigned long cmd, void *arg)
{
	int rc;

	do {
		rc = ioctl(h->fd, cmd, arg);
	} while (rc == -1 && errno == EINTR);
	return rc ? -errno : 0;
}

int libgpumem_bind(struct libgpumem_handle *h, uint32_t domid)
{
	struct gpumem_bind b = { .domid = domid };
	int rc = libgpumem_ioctl(h, GPUMEM_IOCTL_BIND, &b);

	if (!rc)
		h->domid = domid;
	return rc;
}

int libgpumem_query(struct libgpumem_handle *h, struct gpumem_query *q)
{
	memset(q, 0, sizeof(*q));
	return libgpumem_ioctl(h, GPUMEM_IOCTL_QUERY, q);
}

int libgpumem_map_va(struct libgpumem_handle *h, void *hva, uint64_t len,
		     uint64_t gfn, uint32_t flags, uint64_t *region)
{
	struct gpumem_map_va m = {
		.hva = (uintptr_t)hva, .len = len, .gfn = gfn,
		.domid = h->domid, .flags = flags,
	};
	int rc = libgpumem_ioctl(h, GPUMEM_IOCTL_MAP_VA, &m);

	if (!rc && region)
		*region = m.region;
	return rc;
}

int libgpumem_map_dmabuf(struct libgpumem_handle *h, int dmabuf_fd,
			 uint64_t offset, uint64_t len, uint64_t gfn,
			 uint32_t flags, uint32_t attach_sbdf,
			 uint64_t *region)
{
	struct gpumem_map_dmabuf m = {
		.fd = dmabuf_fd, .flags = flags, .offset = offset, .len = len,
		.gfn = gfn, .domid = h->domid, .attach_sbdf = attach_sbdf,
	};
	int rc = libgpumem_ioctl(h, GPUMEM_IOCTL_MAP_DMABUF, &m);

	if (!rc && region)
		*region = m.region;
	return rc;
}

int libgpumem_populate(struct libgpumem_handle *h, uint64_t gfn,
		       uint64_t nr_pages)
{
	struct gpumem_populate p = {
		.gfn = gfn, .nr_pages = nr_pages, .domid = h->domid,
	};

	return libgpumem_ioctl(h, GPUMEM_IOCTL_POPULATE, &p);
}

int libgpumem_revoke(struct libgpumem_handle *h, uint64_t gfn,
		     uint64_t nr_pages)
{
	struct gpumem_revoke r = {
		.gfn = gfn, .nr_pages = nr_pages, .domid = h->domid,
	};

	return libgpumem_ioctl(h, GPUMEM_IOCTL_REVOKE, &r);
}

int libgpumem_unmap(struct libgpumem_handle *h, uint64_t region)
{
	struct gpumem_unmap u = { .region = region, .domid = h->domid };

	return libgpumem_ioctl(h, GPUMEM_IOCTL_UNMAP, &u);
}

int libgpumem_steal(struct libgpumem_handle *h, uint64_t gfn,
		    uint64_t nr_pages, uint64_t *offset)
{
	struct gpumem_steal s = {
		.gfn = gfn, .nr_pages = nr_pages, .domid = h->domid,
	};
	int rc = libgpumem_ioctl(h, GPUMEM_IOCTL_STEAL, &s);

	if (!rc && offset)
		*offset = s.offset;
	return rc;
}

int libgpumem_return(struct libgpumem_handle *h, uint64_t offset)
{
	struct gpumem_return r = { .offset = offset, .domid = h->domid };

	return libgpumem_ioctl(h, GPUMEM_IOCTL_RETURN, &r);
}

int libgpumem_fault_enable(struct libgpumem_handle *h, uint64_t gfn,
			   uint64_t nr_pages, uint32_t flags,
			   uint32_t max_pending, uint32_t *nr_vcpus)
{
	struct gpumem_fault_enable f = {
		.gfn = gfn, .nr_pages = nr_pages, .domid = h->domid,
		.flags = flags, .max_pending = max_pending,
	};
	int rc = libgpumem_ioctl(h, GPUMEM_IOCTL_FAULT_ENABLE, &f);

	if (!rc && nr_vcpus)
		*nr_vcpus = f.nr_vcpus;
	return rc;
}

/*
 * A blocking read interrupted by a signal is issued again, as
 * libgpumem_ioctl() issues an interrupted ioctl again: nothing was
 * dequeued.  EAGAIN (an O_NONBLOCK descriptor) is the caller's.
 */
int libgpumem_fault_read(struct libgpumem_handle *h,
			 struct gpumem_fault_record *recs, unsigned int nr)
{
	size_t max = SSIZE_MAX / sizeof(*recs);
	ssize_t n;

	if (nr > max)
		nr = max;
	do {
		n = read(h->fd, recs, nr * sizeof(*recs));
	} while (n == -1 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (!n || n % sizeof(*recs))
		return -EPROTO;
	return n / sizeof(*recs);
}

int libgpumem_fault_complete(struct libgpumem_handle *h, uint64_t seq,
			     uint32_t answer)
{
	struct gpumem_fault_complete c = {
		.seq = seq, .domid = h->domid, .answer = answer,
	};

	return libgpumem_ioctl(h, GPUMEM_IOCTL_FAULT_COMPLETE, &c);
}

/*
 * Errno meanings, per ioctl, from the tables and lists of
 * Documentation/userspace-api/xen-gpumem.rst.  A code not listed for an
 * ioctl falls back to the rules common to every ioctl, then to strerror().
 */
struct libgpumem_errmsg {
	int err;
	const char *msg;
};

#define LIBGPUMEM_ERR_END { 0, NULL }

static const struct libgpumem_errmsg libgpumem_err_bind[] = {
	{ EPERM,
	  "caller lacks CAP_SYS_ADMIN, or Xen refuses dm_op on the domain" },
	{ EINVAL, "flags != 0, or domid 0 or reserved (>= 0x7ff0)" },
	{ EBUSY, "already bound to another domain" },
	{ ESRCH, "no such domain" },
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_query[] = {
	{ EINVAL, "non-zero input field" },
	LIBGPUMEM_ERR_END
};

/* What MAP_VA and MAP_DMABUF share, after their own entries. */
static const struct libgpumem_errmsg libgpumem_err_map[] = {
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
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_map_va[] = {
	{ EINVAL,
	  "unaligned hva or len, len 0, unknown flags, region not 0, or the hypervisor refused an extent as malformed (GFNs beyond the frontend's physmap)" },
	{ EFAULT,
	  "an address in the range is not mapped, or mapped without access (PROT_NONE)" },
	{ EOPNOTSUPP,
	  "the hypervisor lacks MAP or REVOKE, or the range maps MMIO write-back" },
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_map_dmabuf[] = {
	{ EINTR,
	  "a signal arrived while waiting for the buffer's reservation or its fences: retry" },
	{ EBADF, "fd is not a dmabuf" },
	{ ERANGE, "offset+len past the buffer" },
	{ EINVAL,
	  "unaligned offset or len, len 0, unknown flags, region not 0, attach_sbdf without GPUMEM_MAP_PCI_ATTACH, or an extent refused as malformed" },
	{ ENODEV,
	  "no such PCI device, or the module's device still being set up" },
	{ E2BIG,
	  "the pin (GPUMEM_MAP_PIN: the whole buffer) would exceed max_pinned_pages, or max_regions or max_pages of the context would be exceeded, or more than 2^32-1 pages" },
	{ EOPNOTSUPP,
	  "a dynamic exporter without CONFIG_DMABUF_MOVE_NOTIFY and without GPUMEM_MAP_PIN, a PCI device whose DMA goes through DMA ops or an IOMMU, DMA addresses that are not the buffer's pages, or the hypervisor lacks MAP or REVOKE" },
	{ EIO, "the exporter's mapping has unaligned or too few segments" },
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_populate[] = {
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
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_unmap[] = {
	{ ENOENT, "unknown region" },
	{ EINVAL, "flags not 0, or the region is a steal (use RETURN)" },
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_steal[] = {
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
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_return[] = {
	{ ENOENT, "no such steal in this context" },
	{ EBUSY,
	  "a page is still referenced in dom0 (pin, GUP): retry after the holder lets go" },
	{ ENOSPC,
	  "the frontend's limit (part returned; RETURN again continues)" },
	{ EINVAL, "flags not 0" },
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_revoke[] = {
	{ ENOENT, "a GFN in no region" },
	{ EINVAL, "flags not 0, or nr_pages 0" },
	{ EOVERFLOW, "the GFN range overflows" },
	{ ESRCH, "the frontend no longer exists" },
	LIBGPUMEM_ERR_END
};

/* The fault tables are the documentation's rows, word for word. */
static const struct libgpumem_errmsg libgpumem_err_fault_enable[] = {
	{ EFAULT, "argument not readable" },
	{ EINVAL,
	  "flags 0 or unknown, nr_vcpus not 0; or nr_pages 0; or the hypervisor refused the window (GFNs beyond the frontend's physmap)" },
	{ EBADFD, "context not bound" },
	{ EPERM, "domid is not the bound domain" },
	{ EOPNOTSUPP,
	  "the hypervisor lacks the fault range (GPUMEM_HV_OP_FAULT not in QUERY's hv_ops), MAP or REVOKE, or the backend runs no fault servers" },
	{ EOVERFLOW, "the GFN range wraps, or a GFN is 2^40 or more" },
	{ EBUSY, "FAULT_ENABLE was done on this context already" },
	{ ENOSPC,
	  "the frontend has no room for another IOREQ server (Xen allows 8 per domain)" },
	{ EEXIST,
	  "the window overlaps a window claimed by another context or another IOREQ server of the frontend" },
	{ ESRCH, "the frontend no longer exists" },
	{ ENOMEM, "out of memory, in dom0 or in the hypervisor" },
	LIBGPUMEM_ERR_END
};

/* read() of fault records: not an ioctl, so no common rule applies. */
static const struct libgpumem_errmsg libgpumem_err_fault_read[] = {
	{ EINVAL, "count is less than one record (48 bytes)" },
	{ ENXIO,
	  "FAULT_ENABLE with GPUMEM_FAULT_USER was not done on this context" },
	{ EAGAIN, "O_NONBLOCK, and no record is queued" },
	{ EINTR, "a signal arrived while waiting for a record" },
	{ EFAULT,
	  "buf is not writable; the record stays queued, and the next read() returns it" },
	LIBGPUMEM_ERR_END
};

static const struct libgpumem_errmsg libgpumem_err_fault_complete[] = {
	{ EFAULT, "argument not readable" },
	{ EINVAL, "answer is not GPUMEM_FAULT_RETRY, _EMULATE or _CRASH" },
	{ EBADFD, "context not bound" },
	{ EPERM, "domid is not the bound domain" },
	{ ENXIO,
	  "FAULT_ENABLE with GPUMEM_FAULT_USER was not done on this context" },
	{ ENOENT,
	  "seq names no pending record read from this context: never read, already completed, or unknown" },
	LIBGPUMEM_ERR_END
};

/* "Rules common to every ioctl". */
static const struct libgpumem_errmsg libgpumem_err_common[] = {
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
	LIBGPUMEM_ERR_END
};

static const struct {
	unsigned long cmd;
	const char *name;
	const struct libgpumem_errmsg *errs;
	const struct libgpumem_errmsg *shared;	/* looked up after errs */
} libgpumem_ioctls[] = {
	{ GPUMEM_IOCTL_BIND, "BIND", libgpumem_err_bind, NULL },
	{ GPUMEM_IOCTL_QUERY, "QUERY", libgpumem_err_query, NULL },
	{ GPUMEM_IOCTL_MAP_VA, "MAP_VA", libgpumem_err_map_va,
	  libgpumem_err_map },
	{ GPUMEM_IOCTL_MAP_DMABUF, "MAP_DMABUF", libgpumem_err_map_dmabuf,
	  libgpumem_err_map },
	{ GPUMEM_IOCTL_POPULATE, "POPULATE", libgpumem_err_populate, NULL },
	{ GPUMEM_IOCTL_UNMAP, "UNMAP", libgpumem_err_unmap, NULL },
	{ GPUMEM_IOCTL_STEAL, "STEAL", libgpumem_err_steal, NULL },
	{ GPUMEM_IOCTL_RETURN, "RETURN", libgpumem_err_return, NULL },
	{ GPUMEM_IOCTL_REVOKE, "REVOKE", libgpumem_err_revoke, NULL },
	{ GPUMEM_IOCTL_FAULT_ENABLE, "FAULT_ENABLE",
	  libgpumem_err_fault_enable, NULL },
	{ LIBGPUMEM_FAULT_READ, "FAULT_READ", libgpumem_err_fault_read, NULL },
	{ GPUMEM_IOCTL_FAULT_COMPLETE, "FAULT_COMPLETE",
	  libgpumem_err_fault_complete, NULL },
};

#define LIBGPUMEM_NR_IOCTLS ARRAY_SIZE(libgpumem_ioctls)

static const char *libgpumem_errmsg_find(const struct libgpumem_errmsg *t,
					 int err)
{
	for (; t && t->msg; t++)
		if (t->err == err)
			return t->msg;
	return NULL;
}

const char *libgpumem_ioctl_name(unsigned long ioctl_cmd)
{
	size_t i;

	for (i = 0; i < LIBGPUMEM_NR_IOCTLS; i++)
		if (libgpumem_ioctls[i].cmd == ioctl_cmd)
			return libgpumem_ioctls[i].name;
	return "?";
}

unsigned long libgpumem_ioctl_by_name(const char *name)
{
	size_t i;

	if (!strncasecmp(name, "GPUMEM_IOCTL_", 13))
		name += 13;
	for (i = 0; i < LIBGPUMEM_NR_IOCTLS; i++)
		if (!strcasecmp(name, libgpumem_ioctls[i].name))
			return libgpumem_ioctls[i].cmd;
	return 0;
}

const char *libgpumem_strerror(unsigned long ioctl_cmd, int err)
{
	const char *msg = NULL;
	size_t i;

	if (err < 0)
		err = -err;
	if (!err)
		return "success";
	for (i = 0; i < LIBGPUMEM_NR_IOCTLS && !msg; i++) {
		if (libgpumem_ioctls[i].cmd != ioctl_cmd)
			continue;
		msg = libgpumem_errmsg_find(libgpumem_ioctls[i].errs, err);
		if (!msg)
			msg = libgpumem_errmsg_find(libgpumem_ioctls[i].shared,
						    err);
	}
	if (!msg && ioctl_cmd != LIBGPUMEM_FAULT_READ)
		msg = libgpumem_errmsg_find(libgpumem_err_common, err);
	return msg ? msg : strerror(err);
}

int libgpumem_module_param(const char *name, unsigned long *val)
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
