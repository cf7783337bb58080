/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * /dev/xen/gpumem: lend GPU memory from a Xen backend to a frontend domain.
 *
 * Each open file is a context bound, once, to one frontend domain.  Every
 * struct below has the same layout for 32- and 64-bit userspace; every
 * padding, reserved or OUT-only field must be zero on entry, and unknown
 * flags are refused with -EINVAL.
 *
 * The whole ioctl set is documented in Documentation/userspace-api/
 * xen-gpumem.rst; this header carries what the module implements.
 */

#ifndef _UAPI_XEN_GPUMEM_H
#define _UAPI_XEN_GPUMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define GPUMEM_IOCTL_MAGIC	0xB9

#define GPUMEM_API_VERSION	1

/* gpumem_query.domid of a context that is not bound yet. */
#define GPUMEM_DOMID_NONE	0xffffffffu

/* gpumem_query.backend */
#define GPUMEM_BACKEND_XEN	1	/* the real hypervisor */
#define GPUMEM_BACKEND_HVSIM	2	/* the simulated hypervisor (tests) */

/*
 * gpumem_query.hv_ops: hypervisor operations available for the bound domain
 * (bit n is hypercall ABI op XEN_DMOP_gpumem_query + n).
 */
#define GPUMEM_HV_OP_QUERY	(1u << 0)
#define GPUMEM_HV_OP_MAP	(1u << 1)
#define GPUMEM_HV_OP_REVOKE	(1u << 2)
#define GPUMEM_HV_OP_STEAL	(1u << 3)
#define GPUMEM_HV_OP_RETURN	(1u << 4)
#define GPUMEM_HV_OP_FAULT	(1u << 5)

/*
 * gpumem_query.features: ioctls this module implements and the hypervisor
 * supports for the bound domain.
 */
#define GPUMEM_FEAT_MAP_VA	(1ull << 0)	/* MAP_VA, POPULATE, REVOKE, UNMAP */
#define GPUMEM_FEAT_MAP_DMABUF	(1ull << 1)	/* MAP_DMABUF */
#define GPUMEM_FEAT_STEAL	(1ull << 2)	/* STEAL, RETURN */
#define GPUMEM_FEAT_FAULT	(1ull << 3)	/* FAULT_ENABLE, read, FAULT_COMPLETE */
/*
 * With GPUMEM_FEAT_MAP_DMABUF: MAP_DMABUF imports a dynamic exporter's
 * buffer (amdgpu, xe) without pinning it, the kernel has
 * CONFIG_DMABUF_MOVE_NOTIFY.  Without it such a buffer is imported only
 * with GPUMEM_MAP_PIN.
 */
#define GPUMEM_FEAT_MOVE_NOTIFY	(1ull << 4)

/**
 * struct gpumem_bind - bind the context to its frontend domain
 * @domid: IN: frontend domain, 1 .. 0x7fef.
 * @flags: IN: must be 0.
 *
 * Needs CAP_SYS_ADMIN.  Binding is a one-way latch: binding again to the
 * same domain succeeds, to another one fails with -EBUSY.
 */
struct gpumem_bind {
	__u32 domid;
	__u32 flags;
};

/**
 * struct gpumem_query - what this context can do, and its limits
 * @flags: IN: must be 0.
 * @api_version: OUT: GPUMEM_API_VERSION.
 * @backend: OUT: GPUMEM_BACKEND_*.
 * @domid: OUT: bound domain, or GPUMEM_DOMID_NONE.
 * @features: OUT: GPUMEM_FEAT_* usable on this context (0 until bound).
 * @hv_version: OUT: hypervisor interface version (0 until bound, or when
 *              the hypervisor lacks the ops).
 * @hv_ops: OUT: GPUMEM_HV_OP_* the hypervisor implements for the domain.
 * @max_extents: OUT: extents per hypercall the module issues.
 * @max_extent_pages: OUT: pages per extent.
 * @max_regions: OUT: regions per context (module parameter).
 * @pad: must be 0.
 * @max_pages: OUT: pages mapped per context (module parameter).
 * @max_stolen_pages: OUT: pages stolen per context (module parameter).
 * @max_pinned_pages: OUT: pages of dmabufs pinned with GPUMEM_MAP_PIN per
 *                    context (module parameter).
 * @reserved: must be 0.
 *
 * Every field must be zero on entry.
 */
struct gpumem_query {
	__u32 flags;
	__u32 api_version;
	__u32 backend;
	__u32 domid;
	__u64 features;
	__u32 hv_version;
	__u32 hv_ops;
	__u32 max_extents;
	__u32 max_extent_pages;
	__u32 max_regions;
	__u32 pad;
	__u64 max_pages;
	__u64 max_stolen_pages;
	__u64 max_pinned_pages;
	__u64 reserved;
};

/* gpumem_map_va.flags */
#define GPUMEM_MAP_RO		(1u << 0)	/* the frontend may only read */
#define GPUMEM_MAP_LAZY		(1u << 1)	/* map nothing until POPULATE */
#define GPUMEM_MAP_PCI_ATTACH	(1u << 2)	/* MAP_DMABUF: see attach_sbdf */
#define GPUMEM_MAP_PIN		(1u << 3)	/* MAP_DMABUF: pin the buffer */

/* gpumem_map_dmabuf.attach_sbdf of PCI device seg:bus:dev.fn */
#define GPUMEM_PCI_SBDF(seg, bus, dev, fn) \
	(((__u32)(seg) & 0xffff) << 16 | ((__u32)(bus) & 0xff) << 8 | \
	 ((__u32)(dev) & 0x1f) << 3 | ((__u32)(fn) & 0x7))

/**
 * struct gpumem_map_va - show a range of the caller's memory to the frontend
 * @hva: IN: page-aligned start in the caller's address space.
 * @len: IN: page-aligned length, not 0.
 * @gfn: IN: first frontend GFN; the region covers len / 4096 GFNs.
 * @domid: IN: the bound domain.
 * @flags: IN: GPUMEM_MAP_RO, GPUMEM_MAP_LAZY.
 * @region: OUT: the region's id, for GPUMEM_IOCTL_UNMAP.
 *
 * No page is pinned.  Whenever the range's pages are invalidated in the
 * caller's address space (munmap, MADV_DONTNEED, migration, reclaim, a
 * write-protection of a writable range, process exit), the module revokes
 * the affected GFNs before the pages can be reused; a frontend access to
 * them then faults to the device model, which calls GPUMEM_IOCTL_POPULATE.
 */
struct gpumem_map_va {
	__u64 hva;
	__u64 len;
	__u64 gfn;
	__u32 domid;
	__u32 flags;
	__u64 region;
};

/**
 * struct gpumem_map_dmabuf - show a range of a dmabuf to the frontend
 * @fd: IN: the dmabuf.
 * @flags: IN: GPUMEM_MAP_RO, GPUMEM_MAP_LAZY, GPUMEM_MAP_PCI_ATTACH,
 *         GPUMEM_MAP_PIN.
 * @offset: IN: page-aligned byte offset in the buffer.
 * @len: IN: page-aligned length, not 0.
 * @gfn: IN: first frontend GFN.
 * @domid: IN: the bound domain.
 * @attach_sbdf: IN: with GPUMEM_MAP_PCI_ATTACH, the PCI device to attach
 *               with (GPUMEM_PCI_SBDF()); else 0.  Naming the exporting GPU
 *               itself lets a peer-to-peer aware exporter (amdgpu, xe) hand
 *               out VRAM as BAR addresses instead of migrating the buffer to
 *               system memory.
 * @region: OUT: the region's id, for GPUMEM_IOCTL_UNMAP.
 *
 * The module attaches as a dynamic importer and does not pin: when the
 * exporter moves the buffer (move_notify) the GFNs are revoked, and
 * GPUMEM_IOCTL_POPULATE maps them where the buffer now lives.  With
 * GPUMEM_MAP_PIN it pins a dynamic exporter's buffer until UNMAP or close
 * (counted against max_pinned_pages): the only way to import one on a
 * kernel without move_notify (QUERY's GPUMEM_FEAT_MOVE_NOTIFY unset).  The
 * region keeps its own reference to the buffer until UNMAP or close.
 */
struct gpumem_map_dmabuf {
	__s32 fd;
	__u32 flags;
	__u64 offset;
	__u64 len;
	__u64 gfn;
	__u32 domid;
	__u32 attach_sbdf;
	__u64 region;
};

/**
 * struct gpumem_populate - map what backs a GFN range now
 * @gfn: IN: first frontend GFN.
 * @nr_pages: IN: number of GFNs, not 0.
 * @domid: IN: the bound domain.
 * @flags: IN: must be 0.
 *
 * Every GFN must lie in a region.  GFNs already mapped are left alone.
 */
struct gpumem_populate {
	__u64 gfn;
	__u64 nr_pages;
	__u32 domid;
	__u32 flags;
};

/**
 * struct gpumem_unmap - revoke a whole region and forget it
 * @region: IN: id from GPUMEM_IOCTL_MAP_VA.
 * @domid: IN: the bound domain.
 * @flags: IN: must be 0.
 */
struct gpumem_unmap {
	__u64 region;
	__u32 domid;
	__u32 flags;
};

/**
 * struct gpumem_revoke - take GFNs back from the frontend, keep the regions
 * @gfn: IN: first frontend GFN.
 * @nr_pages: IN: number of GFNs, not 0.
 * @domid: IN: the bound domain.
 * @flags: IN: must be 0.
 *
 * Every GFN must lie in a region.  The mapped ones are revoked (a frontend
 * access then faults to the device model); GPUMEM_IOCTL_POPULATE maps them
 * again.  The VMM's own counterpart of an invalidation.
 */
struct gpumem_revoke {
	__u64 gfn;
	__u64 nr_pages;
	__u32 domid;
	__u32 flags;
};

/**
 * struct gpumem_steal - make frontend RAM pages the backend's
 * @gfn: IN: first frontend GFN.
 * @nr_pages: IN: number of GFNs, 1 .. max_stolen_pages.
 * @domid: IN: the bound domain.
 * @flags: IN: must be 0.
 * @offset: OUT: where to mmap() the pages on this context's descriptor
 *          (MAP_SHARED, at this offset, at most @nr_pages pages); also the
 *          steal's name for GPUMEM_IOCTL_RETURN.  Must be 0 on entry.
 *
 * The pages keep their contents and the frontend keeps seeing them at the
 * same GFNs, now as a region of the context: GPUMEM_IOCTL_REVOKE and
 * GPUMEM_IOCTL_POPULATE work on it like on any region.  The mapping at
 * @offset is an ordinary page mapping: a host GPU driver's userptr path
 * (get_user_pages, hmm_range_fault) can use it.  All or nothing: if any page
 * is refused, those already taken are given back.
 */
struct gpumem_steal {
	__u64 gfn;
	__u64 nr_pages;
	__u32 domid;
	__u32 flags;
	__u64 offset;
};

/**
 * struct gpumem_return - give stolen pages back to the frontend
 * @offset: IN: from GPUMEM_IOCTL_STEAL.
 * @domid: IN: the bound domain.
 * @flags: IN: must be 0.
 *
 * Every mapping of the pages in this process and others is removed first;
 * if anything in the backend still holds a page (a driver's pin, a
 * get_user_pages reference) the call fails with -EBUSY and the steal stays
 * whole and usable.  On success the frontend owns the pages again at the
 * GFNs it had them, with what the backend wrote into them.
 */
struct gpumem_return {
	__u64 offset;
	__u32 domid;
	__u32 flags;
};

/* gpumem_fault_enable.flags */
#define GPUMEM_FAULT_KERNEL	(1u << 0)	/* serve faults on regions here */
#define GPUMEM_FAULT_USER	(1u << 1)	/* hand the others to read() */

/**
 * struct gpumem_fault_enable - serve the frontend's faults on a GFN window
 * @gfn: IN: first frontend GFN of the window.
 * @nr_pages: IN: GFNs in the window, not 0.
 * @domid: IN: the bound domain.
 * @flags: IN: GPUMEM_FAULT_KERNEL, GPUMEM_FAULT_USER, or both.
 * @max_pending: IN: records queued for read() at once (records read and not
 *               completed do not count), 0 for one per vCPU.
 * @nr_vcpus: OUT: the frontend's vCPUs (at most one fault each is in
 *            flight).  Must be 0 on entry.
 *
 * From now on a frontend access to a GFN of the window that maps nothing
 * (never populated, or revoked) pauses the vCPU and comes to this context.
 * With GPUMEM_FAULT_KERNEL the module maps what backs the GFN now if a
 * region covers it (and the empty GFNs next to it in the region, within
 * the aligned 2 MiB block around it, or, for faults in sequence, the next
 * block of up to 16 MiB), without a round trip to userspace, and the vCPU
 * re-executes the access.  Faults it cannot serve,
 * or all of them without GPUMEM_FAULT_KERNEL, are queued as struct
 * gpumem_fault_record for read() when GPUMEM_FAULT_USER is set, and
 * answered GPUMEM_FAULT_EMULATE otherwise.  Once per context.
 */
struct gpumem_fault_enable {
	__u64 gfn;
	__u64 nr_pages;
	__u32 domid;
	__u32 flags;
	__u32 max_pending;
	__u32 nr_vcpus;
};

/* gpumem_fault_record.access */
#define GPUMEM_FAULT_ACCESS_R	(1u << 0)	/* read */
#define GPUMEM_FAULT_ACCESS_W	(1u << 1)	/* write */
#define GPUMEM_FAULT_ACCESS_X	(1u << 2)	/* instruction fetch */

/* gpumem_fault_record.region of a GFN in no region */
#define GPUMEM_FAULT_NO_REGION	(~0ull)

/**
 * struct gpumem_fault_record - a fault handed to the device model
 * @seq: the fault's name for GPUMEM_IOCTL_FAULT_COMPLETE.
 * @gfn: the frontend GFN accessed.
 * @access: GPUMEM_FAULT_ACCESS_*.
 * @vcpu: the frontend vCPU, paused until the fault is completed.
 * @attempt: 1 for the first fault of this access, n for its nth.
 * @reason: why the module did not serve it: 0 (GPUMEM_FAULT_KERNEL is not
 *          set), -ENOENT (no region covers @gfn), -EAGAIN (the access keeps
 *          faulting), or the error the region's POPULATE would answer.
 * @region: the region covering @gfn, or GPUMEM_FAULT_NO_REGION.
 * @lost: faults answered GPUMEM_FAULT_EMULATE because the queue was full,
 *        since the previous record read.
 * @pad: 0.
 */
struct gpumem_fault_record {
	__u64 seq;
	__u64 gfn;
	__u32 access;
	__u32 vcpu;
	__u32 attempt;
	__s32 reason;
	__u64 region;
	__u32 lost;
	__u32 pad;
};

/* gpumem_fault_complete.answer: what the paused vCPU does */
#define GPUMEM_FAULT_RETRY	0	/* re-execute the access */
#define GPUMEM_FAULT_EMULATE	1	/* as if no window: all-ones or MMIO */
#define GPUMEM_FAULT_CRASH	2	/* crash the frontend */

/**
 * struct gpumem_fault_complete - answer a fault read from the context
 * @seq: IN: gpumem_fault_record.seq.
 * @domid: IN: the bound domain.
 * @answer: IN: GPUMEM_FAULT_RETRY, GPUMEM_FAULT_EMULATE or
 *          GPUMEM_FAULT_CRASH.
 *
 * Typically after GPUMEM_IOCTL_MAP_VA or GPUMEM_IOCTL_POPULATE of the GFN,
 * with GPUMEM_FAULT_RETRY.
 */
struct gpumem_fault_complete {
	__u64 seq;
	__u32 domid;
	__u32 answer;
};

#define GPUMEM_IOCTL_BIND	_IOW(GPUMEM_IOCTL_MAGIC, 0x00, struct gpumem_bind)
#define GPUMEM_IOCTL_QUERY	_IOWR(GPUMEM_IOCTL_MAGIC, 0x01, struct gpumem_query)
#define GPUMEM_IOCTL_MAP_VA	_IOWR(GPUMEM_IOCTL_MAGIC, 0x02, struct gpumem_map_va)
#define GPUMEM_IOCTL_MAP_DMABUF	_IOWR(GPUMEM_IOCTL_MAGIC, 0x03, struct gpumem_map_dmabuf)
#define GPUMEM_IOCTL_POPULATE	_IOW(GPUMEM_IOCTL_MAGIC, 0x04, struct gpumem_populate)
#define GPUMEM_IOCTL_UNMAP	_IOW(GPUMEM_IOCTL_MAGIC, 0x05, struct gpumem_unmap)
#define GPUMEM_IOCTL_STEAL	_IOWR(GPUMEM_IOCTL_MAGIC, 0x06, struct gpumem_steal)
#define GPUMEM_IOCTL_RETURN	_IOW(GPUMEM_IOCTL_MAGIC, 0x07, struct gpumem_return)
#define GPUMEM_IOCTL_REVOKE	_IOW(GPUMEM_IOCTL_MAGIC, 0x08, struct gpumem_revoke)
#define GPUMEM_IOCTL_FAULT_ENABLE _IOWR(GPUMEM_IOCTL_MAGIC, 0x09, struct gpumem_fault_enable)
#define GPUMEM_IOCTL_FAULT_COMPLETE _IOW(GPUMEM_IOCTL_MAGIC, 0x0A, struct gpumem_fault_complete)

#endif /* _UAPI_XEN_GPUMEM_H */
