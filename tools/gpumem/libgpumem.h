/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libgpumem: a thin C library over /dev/xen/gpumem, for device models.
 *
 * In the shape of Xen's xendevicemodel.h: libgpumem_open() gives an opaque
 * handle, one open context of the device, and every call takes it;
 * libgpumem_close() ends it.  Every call that issues an ioctl returns 0 or
 * a negative errno, and libgpumem_strerror() gives the meaning the
 * documentation (Documentation/userspace-api/xen-gpumem.rst) assigns to an
 * errno for that ioctl.  The library's own symbols are prefixed libgpumem_
 * (LIBGPUMEM_ for macros); the uAPI's are gpumem_ and GPUMEM_.
 *
 * Readers of the simulated hypervisor's debugfs state are not part of the
 * library: they are a test helper, hvsimfs.h.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef LIBGPUMEM_H
#define LIBGPUMEM_H

#include <stdint.h>

#include <xen/gpumem.h>

/* The device node libgpumem_open() opens when given no path. */
#define LIBGPUMEM_DEV_PATH	"/dev/xen/gpumem"

/* The page size of GFNs and of the uAPI's lengths and offsets. */
#define LIBGPUMEM_PAGE_SIZE	4096ul

/* An open /dev/xen/gpumem context; opaque. */
struct libgpumem_handle;

/**
 * libgpumem_open() - open a context of the device
 * @path: the device node, or NULL for LIBGPUMEM_DEV_PATH.
 *
 * The context is unbound until libgpumem_bind().  Its descriptor is
 * close-on-exec.
 *
 * Return: the handle, or NULL with errno set (open(2)'s errors, ENOMEM).
 */
struct libgpumem_handle *libgpumem_open(const char *path);

/**
 * libgpumem_close() - close a context
 * @h: the handle, or NULL (nothing is done).
 *
 * The module releases the fault window, answers every fault not yet
 * answered with GPUMEM_FAULT_RETRY, revokes and drops every region of the
 * context and returns every steal (see the documentation of close).  @h is
 * freed.
 */
void libgpumem_close(struct libgpumem_handle *h);

/**
 * libgpumem_fd() - the context's descriptor
 * @h: the handle.
 *
 * What stolen pages are mmap()ed from (at the offset STEAL answered), and
 * what poll or a raw ioctl needs.  It stays owned by @h: do not close it.
 *
 * Return: the descriptor.
 */
int libgpumem_fd(const struct libgpumem_handle *h);

/**
 * libgpumem_domid() - the frontend the context is bound to
 * @h: the handle.
 *
 * Every call below that names a domain names this one.
 *
 * Return: the domid, or GPUMEM_DOMID_NONE before a successful
 * libgpumem_bind().
 */
uint32_t libgpumem_domid(const struct libgpumem_handle *h);

/**
 * libgpumem_ioctl() - issue one ioctl on the context
 * @h: the handle.
 * @cmd: GPUMEM_IOCTL_* (or any command: the module answers -ENOTTY).
 * @arg: its argument, built by the caller.
 *
 * For callers that build the argument themselves (the calls below build it
 * for them).  An ioctl interrupted by a signal (EINTR) is issued again, as
 * libdrm's drmIoctl() does; EAGAIN is returned, since MAP_VA and POPULATE
 * answer it as a real result (see libgpumem.c).
 *
 * Return: 0, or the negative errno the module answered.
 */
int libgpumem_ioctl(struct libgpumem_handle *h, unsigned long cmd, void *arg);

/**
 * libgpumem_bind() - GPUMEM_IOCTL_BIND: bind the context to a frontend
 * @h: the handle.
 * @domid: the frontend domain.
 *
 * Needs CAP_SYS_ADMIN.  On success the handle names @domid in every later
 * call.
 *
 * Return: 0 or -errno (see GPUMEM_IOCTL_BIND in the documentation).
 */
int libgpumem_bind(struct libgpumem_handle *h, uint32_t domid);

/**
 * libgpumem_query() - GPUMEM_IOCTL_QUERY: versions, features, limits
 * @h: the handle, bound or not.
 * @q: out: the answer (zeroed before the call, as the ioctl requires).
 *
 * Return: 0 or -errno.
 */
int libgpumem_query(struct libgpumem_handle *h, struct gpumem_query *q);

/**
 * libgpumem_map_va() - GPUMEM_IOCTL_MAP_VA: show memory to the frontend
 * @h: the handle, bound.
 * @hva: page-aligned start of the range in the caller's address space.
 * @len: page-aligned length in bytes, not 0.
 * @gfn: first frontend GFN.
 * @flags: GPUMEM_MAP_RO, GPUMEM_MAP_LAZY.
 * @region: out, may be NULL: the region's id, for libgpumem_unmap().
 *
 * Return: 0 or -errno (-EAGAIN: invalidations kept racing; retry).
 */
int libgpumem_map_va(struct libgpumem_handle *h, void *hva, uint64_t len,
		     uint64_t gfn, uint32_t flags, uint64_t *region);

/**
 * libgpumem_map_dmabuf() - GPUMEM_IOCTL_MAP_DMABUF: show a dmabuf range
 * @h: the handle, bound.
 * @dmabuf_fd: the dmabuf.
 * @offset: page-aligned byte offset in the buffer.
 * @len: page-aligned length in bytes, not 0.
 * @gfn: first frontend GFN.
 * @flags: GPUMEM_MAP_RO, GPUMEM_MAP_LAZY, GPUMEM_MAP_PCI_ATTACH,
 *         GPUMEM_MAP_PIN.
 * @attach_sbdf: with GPUMEM_MAP_PCI_ATTACH, GPUMEM_PCI_SBDF() of the device
 *               to attach with; else 0.
 * @region: out, may be NULL: the region's id, for libgpumem_unmap().
 *
 * Return: 0 or -errno.
 */
int libgpumem_map_dmabuf(struct libgpumem_handle *h, int dmabuf_fd,
			 uint64_t offset, uint64_t len, uint64_t gfn,
			 uint32_t flags, uint32_t attach_sbdf,
			 uint64_t *region);

/**
 * libgpumem_populate() - GPUMEM_IOCTL_POPULATE: map what backs GFNs now
 * @h: the handle, bound.
 * @gfn: first frontend GFN (typically where the frontend faulted).
 * @nr_pages: number of GFNs, not 0; each must lie in a region.
 *
 * Return: 0 or -errno (-EAGAIN: invalidations kept racing; retry).
 */
int libgpumem_populate(struct libgpumem_handle *h, uint64_t gfn,
		       uint64_t nr_pages);

/**
 * libgpumem_revoke() - GPUMEM_IOCTL_REVOKE: take GFNs back, keep regions
 * @h: the handle, bound.
 * @gfn: first frontend GFN.
 * @nr_pages: number of GFNs, not 0; each must lie in a region.
 *
 * Return: 0 or -errno.
 */
int libgpumem_revoke(struct libgpumem_handle *h, uint64_t gfn,
		     uint64_t nr_pages);

/**
 * libgpumem_unmap() - GPUMEM_IOCTL_UNMAP: revoke a region and drop it
 * @h: the handle, bound.
 * @region: from libgpumem_map_va() or libgpumem_map_dmabuf().
 *
 * Return: 0 or -errno.
 */
int libgpumem_unmap(struct libgpumem_handle *h, uint64_t region);

/**
 * libgpumem_steal() - GPUMEM_IOCTL_STEAL: make frontend RAM the backend's
 * @h: the handle, bound.
 * @gfn: first frontend GFN.
 * @nr_pages: number of GFNs, 1 .. max_stolen_pages.
 * @offset: out, may be NULL: where to mmap() the pages on libgpumem_fd()
 *          (MAP_SHARED), and the steal's name for libgpumem_return().
 *
 * Return: 0 or -errno; on an error nothing is stolen.
 */
int libgpumem_steal(struct libgpumem_handle *h, uint64_t gfn,
		    uint64_t nr_pages, uint64_t *offset);

/**
 * libgpumem_return() - GPUMEM_IOCTL_RETURN: give stolen pages back
 * @h: the handle, bound.
 * @offset: from libgpumem_steal().
 *
 * Return: 0 or -errno (-EBUSY: a page is still held in dom0; retry after
 * the holder lets go).
 */
int libgpumem_return(struct libgpumem_handle *h, uint64_t offset);

/**
 * libgpumem_fault_enable() - GPUMEM_IOCTL_FAULT_ENABLE: serve a GFN window
 * @h: the handle, bound.
 * @gfn: first frontend GFN of the window.
 * @nr_pages: GFNs in the window, not 0.
 * @flags: GPUMEM_FAULT_KERNEL (the module serves faults on the context's
 *         regions), GPUMEM_FAULT_USER (libgpumem_fault_read() gets the
 *         others), or both.
 * @max_pending: records queued for reading at once; 0 for one per vCPU.
 * @nr_vcpus: out, may be NULL: the frontend's vCPUs.
 *
 * Once per context.  Closing the context releases the window and answers
 * every fault not yet answered with GPUMEM_FAULT_RETRY.
 *
 * Return: 0 or -errno (see GPUMEM_IOCTL_FAULT_ENABLE in the documentation).
 */
int libgpumem_fault_enable(struct libgpumem_handle *h, uint64_t gfn,
			   uint64_t nr_pages, uint32_t flags,
			   uint32_t max_pending, uint32_t *nr_vcpus);

/**
 * libgpumem_fault_read() - read() fault records from the context
 * @h: the handle, with FAULT_ENABLE(GPUMEM_FAULT_USER) done.
 * @recs: room for @nr records.
 * @nr: records @recs has room for, at least 1.
 *
 * Blocks until a fault is queued, unless libgpumem_fd() was made
 * O_NONBLOCK (fcntl): then -EAGAIN when none is.  A wait interrupted by a
 * signal (EINTR) is begun again, as every call of the library retries an
 * interrupted ioctl; a caller that must see signals while it waits polls
 * libgpumem_fd() for POLLIN itself, and reads when it is readable.  Every
 * record read must be answered with libgpumem_fault_complete(): its vCPU
 * stays paused until then.
 *
 * Return: the number of records read (1 .. @nr), or -errno (see read() of
 * fault records in the documentation; libgpumem_strerror() knows them as
 * LIBGPUMEM_FAULT_READ); -EPROTO if the module answered a partial record.
 */
int libgpumem_fault_read(struct libgpumem_handle *h,
			 struct gpumem_fault_record *recs, unsigned int nr);

/**
 * libgpumem_fault_complete() - GPUMEM_IOCTL_FAULT_COMPLETE: answer a fault
 * @h: the handle.
 * @seq: the record's seq.
 * @answer: GPUMEM_FAULT_RETRY (typically after libgpumem_map_va() or
 *          libgpumem_populate() of the GFN), GPUMEM_FAULT_EMULATE or
 *          GPUMEM_FAULT_CRASH.
 *
 * Return: 0 or -errno (-ENOENT: @seq is not pending on this context).
 */
int libgpumem_fault_complete(struct libgpumem_handle *h, uint64_t seq,
			     uint32_t answer);

/*
 * libgpumem_strerror()'s name for read() of fault records, which has an
 * errno table of its own but no ioctl number.  Not an ioctl: every
 * GPUMEM_IOCTL_* has GPUMEM_IOCTL_MAGIC in bits 8-15, this has 0.
 */
#define LIBGPUMEM_FAULT_READ	1ul

/**
 * libgpumem_strerror() - what an errno means for one ioctl
 * @ioctl_cmd: GPUMEM_IOCTL_*, or LIBGPUMEM_FAULT_READ for read().
 * @err: the errno, positive or negative (as the calls return it).
 *
 * The tables follow the documentation's: the ioctl's own, then the rules
 * common to every ioctl (not for read()).
 *
 * Return: the documented meaning, or strerror()'s text for a code the
 * documentation does not list for that ioctl; never NULL.
 */
const char *libgpumem_strerror(unsigned long ioctl_cmd, int err);

/**
 * libgpumem_ioctl_name() - the short name of an ioctl
 * @ioctl_cmd: GPUMEM_IOCTL_*, or LIBGPUMEM_FAULT_READ.
 *
 * Return: "BIND", "MAP_VA", ..., "FAULT_READ"; "?" for an unknown command.
 */
const char *libgpumem_ioctl_name(unsigned long ioctl_cmd);

/**
 * libgpumem_ioctl_by_name() - an ioctl from its name
 * @name: "MAP_VA" or "GPUMEM_IOCTL_MAP_VA", in any case; "FAULT_READ".
 *
 * Return: GPUMEM_IOCTL_* (LIBGPUMEM_FAULT_READ), or 0 for an unknown name.
 */
unsigned long libgpumem_ioctl_by_name(const char *name);

/**
 * libgpumem_module_param() - a module parameter of xen_gpumem
 * @name: the parameter, as in /sys/module/xen_gpumem/parameters/.
 * @val: out: its value, read as an unsigned number.
 *
 * Return: 0, -errno when it cannot be read (module not loaded), -EPROTO
 * when it is not a number.
 */
int libgpumem_module_param(const char *name, unsigned long *val);

#endif /* LIBGPUMEM_H */
