/* SPDX-License-Identifier: MIT */
/*
 * gpumem.h: device-model operations that let a backend domain lend its
 * memory (system RAM or PCI BAR pages) to a frontend domain, take it back,
 * and take over frontend RAM for the backend's own use.
 *
 * Two entry points (interface version 2):
 *
 * - XEN_DMOP_gpumem_query is a sub-operation of HYPERVISOR_dm_op on the
 *   target (frontend) domain, subject to XSM_DM_PRIV like every dm_op.  It
 *   only reports what the hypervisor implements.
 *
 * - XEN_DMOP_gpumem_fault_range, also a dm_op, routes the frontend's
 *   accesses to empty GFNs of a range to one of its IOREQ servers as
 *   IOREQ_TYPE_GPUMEM_FAULT requests, answered without emulation: like
 *   XEN_DMOP_map_io_range_to_ioreq_server it changes only where the
 *   frontend's own faults go, so a device model confined to its frontend
 *   may issue it.
 *
 * - MAP, REVOKE, STEAL and RETURN (the batched ops) are issued with
 *   HYPERVISOR_memory_op(XENMEM_gpumem_op, struct xen_gpumem_op *), each
 *   checked by an XSM hook of its own (xsm_gpumem_map, _revoke, _steal,
 *   _return; by default XSM_DM_PRIV: the control domain or the target's
 *   device-model domain).  As dm_op sub-operations they answer -EOPNOTSUPP.
 *   The op numbers (XEN_DMOP_gpumem_*) keep their historical names: they are
 *   the values of struct xen_dm_op_gpumem.op in either entry point.
 *
 * Threat model: why the batched ops are not dm_ops.  These ops change the
 * *caller's* memory: MAP lends the caller's RAM or MMIO, STEAL adds pages
 * to the caller's physmap, RETURN removes them, REVOKE drops references to
 * the caller's pages.  A dm_op is what a deprivileged device model may
 * issue: Linux privcmd's restricted mode (IOCTL_PRIVCMD_RESTRICT) lets a
 * dom0 process issue HYPERVISOR_dm_op for its one target domid with any
 * sub-op, and no other hypercall.  Xen sees dom0 either way and no XSM
 * check on domains can tell that process from dom0's kernel: as dm_ops, a
 * device model confined to its guest could have lent that guest any dom0
 * GFN, or any MMIO dom0 may touch, or emptied dom0's landing GFNs.  As a
 * memory_op sub-op they are refused by restricted privcmd
 * (IOCTL_PRIVCMD_HYPERCALL) and reachable only by the backend's kernel or an
 * unrestricted (root) privcmd user of it.  Residual risks: (1) a process
 * with unrestricted privcmd in the backend can still issue them, as it can
 * any hypercall of that domain; (2) a device model running in a stub domain
 * lends its own memory, and MMIO only within both its own and its target's
 * iomem permissions (below); (3) any other kernel path of the backend that
 * forwards arbitrary memory_op sub-ops for userspace would reopen the hole
 * (Linux has none).  MMIO is checked as XEN_DOMCTL_memory_mapping checks it:
 * the range must be in the iomem permissions of the caller and of the
 * target (xl's iomem=, as for passthrough) and allowed by
 * xsm_iomem_mapping() for the target.
 *
 * Numbers: the dm_op sub-ops start well above the last upstream one
 * (XEN_DMOP_nr_vcpus, 20) and XENMEM_gpumem_op lies above every upstream
 * XENMEM_* number and below MEMOP_EXTENT_SHIFT's bit, so that upstream
 * growth does not collide with them; the project proves the absence of
 * collision against the Xen public headers at build time.
 *
 * Buffer 0 of every call holds a struct xen_dm_op_gpumem.  Batched ops
 * take an array of struct xen_dm_op_gpumem_extent in buffer 1.
 *
 * Errors are negative Xen errno values (public/errno.h).
 *
 * Style: like every Xen public header (and Linux's copies of them under
 * include/xen/interface/), this one uses C99 integer types and plain shifts
 * so that the same text can be carried by Xen; the project's checkpatch run
 * exempts it from PREFER_KERNEL_TYPES and BIT_MACRO for that reason.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef __XEN_PUBLIC_HVM_GPUMEM_H__
#define __XEN_PUBLIC_HVM_GPUMEM_H__

#define XEN_DMOP_gpumem_query   64
#define XEN_DMOP_gpumem_map     65
#define XEN_DMOP_gpumem_revoke  66
#define XEN_DMOP_gpumem_steal   67
#define XEN_DMOP_gpumem_return  68
#define XEN_DMOP_gpumem_fault_range 69

#define XEN_DMOP_gpumem_first   XEN_DMOP_gpumem_query
#define XEN_DMOP_gpumem_last    XEN_DMOP_gpumem_fault_range
/* The batched ops are XEN_DMOP_gpumem_map .. XEN_DMOP_gpumem_batch_last. */
#define XEN_DMOP_gpumem_batch_last XEN_DMOP_gpumem_return

/* Bit for op in xen_dm_op_gpumem_query.ops. */
#define XEN_GPUMEM_OP_BIT(op)   (1u << ((op) - XEN_DMOP_gpumem_first))

#define XEN_GPUMEM_INTERFACE_VERSION 2

/*
 * HYPERVISOR_memory_op command of the batched ops.  Xen's continuation of a
 * call sets bit 6 (MEMOP_EXTENT_SHIFT) of the command; callers issue the
 * bare command.  32-bit callers are not supported (-ENOSYS).
 */
#define XENMEM_gpumem_op 48

/**
 * struct xen_gpumem_op - argument of HYPERVISOR_memory_op(XENMEM_gpumem_op)
 * @domid: IN: the target (frontend) domain.
 * @pad: must be 0.
 * @op: IN: address of buffer 0, a struct xen_dm_op_gpumem (IN/OUT).
 * @op_size: IN: its size in bytes.
 * @ext: IN: address of buffer 1, the extent array (IN/OUT).
 * @ext_size: IN: its size in bytes.
 *
 * The two buffers are the ones a dm_op would have taken, addresses in the
 * caller's own (virtual) address space.  -ESRCH: no such domain; -EINVAL:
 * not an HVM domain, or pad != 0; -EPERM: the caller may not act on it.
 */
struct xen_gpumem_op {
	uint16_t domid;
	uint16_t pad[3];
	uint64_t op;
	uint64_t op_size;
	uint64_t ext;
	uint64_t ext_size;
};

/*
 * Frames one extent may cover: one 2 MiB superpage.  Bounds the work Xen does
 * per extent; continuations are taken between extents.
 */
#define XEN_GPUMEM_MAX_EXTENT_FRAMES 512

/* Extent flags (xen_dm_op_gpumem_extent.flags). */
#define XEN_GPUMEM_EXT_MMIO        (1u << 0) /* frame is an MFN of MMIO */
#define XEN_GPUMEM_EXT_RO          (1u << 1) /* frontend may only read */
#define XEN_GPUMEM_EXT_CACHE_SHIFT 2
#define XEN_GPUMEM_EXT_CACHE_MASK  (3u << XEN_GPUMEM_EXT_CACHE_SHIFT)
#define  XEN_GPUMEM_CACHE_WB       0u /* write-back */
#define  XEN_GPUMEM_CACHE_WC       1u /* write-combining */
#define  XEN_GPUMEM_CACHE_UC       2u /* uncached; 3 is reserved */
#define XEN_GPUMEM_EXT_CACHE(c)    ((c) << XEN_GPUMEM_EXT_CACHE_SHIFT)
/* Flags MAP accepts; every other op requires flags == 0. */
#define XEN_GPUMEM_EXT_MAP_FLAGS   (XEN_GPUMEM_EXT_MMIO | XEN_GPUMEM_EXT_RO | \
				    XEN_GPUMEM_EXT_CACHE_MASK)

/**
 * struct xen_dm_op_gpumem_extent - one run of contiguous frames
 * @frame: IN: first backend frame.  MAP: a backend GFN (RAM, translated
 *         through the backend's own p2m) or, with XEN_GPUMEM_EXT_MMIO, an
 *         MFN of MMIO.  STEAL and RETURN: the first backend landing GFN.
 *         REVOKE: must be 0.
 * @gfn: IN: first frontend GFN.
 * @nr_frames: IN: 1 .. XEN_GPUMEM_MAX_EXTENT_FRAMES frames at consecutive
 *             frames and consecutive GFNs.
 * @flags: IN: XEN_GPUMEM_EXT_* (MAP only; 0 for the other ops).  The cache
 *         type is honoured: RAM takes only XEN_GPUMEM_CACHE_WB, MMIO only
 *         XEN_GPUMEM_CACHE_UC or _WC; the other combinations answer
 *         -EOPNOTSUPP, the reserved type 3 -EINVAL.
 * @status: OUT: 0, or the negative errno that stopped the batch here.
 *          Xen writes it for every extent it processes.
 * @pad: must be 0.
 *
 * Each extent is atomic: it is applied whole or not at all.
 */
struct xen_dm_op_gpumem_extent {
	uint64_t frame;
	uint64_t gfn;
	uint32_t nr_frames;
	uint32_t flags;
	int32_t status;
	uint32_t pad;
};

/**
 * struct xen_dm_op_gpumem_batch - header of MAP, REVOKE, STEAL and RETURN
 * @nr: IN: number of extents in buffer 1 (at most query.max_extents).
 * @done: IN/OUT: extents completed.  Must be 0 on entry (-EINVAL
 *        otherwise: Xen tells its own continuation, which resumes at @done,
 *        by the command, see XENMEM_gpumem_op).  Xen advances it across
 *        continuations.  On success it equals @nr; on failure it is the index
 *        of the extent that failed, whose status holds the error, and extents
 *        [0, done) have been applied.
 * @flags: IN: must be 0.
 * @pad: must be 0.
 * @instance: IN: the target's instance, as XEN_DMOP_gpumem_query reported
 *            it.  If the domid now names another domain, the call fails
 *            with -ESRCH before any extent is looked at, as for a
 *            destroyed domain.
 */
struct xen_dm_op_gpumem_batch {
	uint32_t nr;
	uint32_t done;
	uint32_t flags;
	uint32_t pad;
	uint64_t instance;
};

/**
 * struct xen_dm_op_gpumem_query - what the hypervisor implements
 * @version: OUT: XEN_GPUMEM_INTERFACE_VERSION.
 * @ops: OUT: XEN_GPUMEM_OP_BIT() of every implemented op.
 * @max_extents: OUT: largest batch.nr accepted.
 * @max_extent_frames: OUT: largest extent.nr_frames accepted.
 * @flags: IN: must be 0.
 * @pad: must be 0.
 * @instance: OUT: the target's instance: a number the hypervisor gives each
 *            domain when it is created and never gives another (Xen: a
 *            64-bit count of domains created), so that a domid reused by a
 *            new domain is told apart from the domain it named before.
 *            Never 0.
 */
struct xen_dm_op_gpumem_query {
	uint32_t version;
	uint32_t ops;
	uint32_t max_extents;
	uint32_t max_extent_frames;
	uint32_t flags;
	uint32_t pad;
	uint64_t instance;
};

/* xen_dm_op_gpumem_fault_range.flags */
#define XEN_GPUMEM_FAULT_CLAIM  (1u << 0) /* claim; without it: release */

/**
 * struct xen_dm_op_gpumem_fault_range - claim or release a fault range
 * @id: IN: the IOREQ server (ioservid_t) the faults go to.
 * @flags: IN: XEN_GPUMEM_FAULT_CLAIM, or 0 to release.
 * @pad: must be 0.
 * @first_gfn: IN: first frontend GFN of the range.
 * @last_gfn: IN: last frontend GFN of the range (inclusive).
 * @instance: IN: the target's instance, as QUERY reported it (-ESRCH if
 *            the domid names another domain now).
 *
 * Claim: -EEXIST if any GFN of the range is claimed already, by this or
 * another server of the domain.  Release: the range must be exactly one
 * range this server claimed (-ENOENT otherwise).  -ENOENT also for an
 * unknown server, -EPERM when the caller is not the server's emulator,
 * -EINVAL for pad, unknown flags, first_gfn > last_gfn or a GFN beyond the
 * frontend's physmap limit.
 */
struct xen_dm_op_gpumem_fault_range {
	uint16_t id;
	uint16_t flags;
	uint32_t pad;
	uint64_t first_gfn;
	uint64_t last_gfn;
	uint64_t instance;
};

/*
 * IOREQ_TYPE_GPUMEM_FAULT: what a server that claimed a fault range gets
 * for a frontend access to an empty GFN of it.  The value lies far above
 * upstream's IOREQ_TYPE_* (0 .. 8) so that upstream growth cannot collide.
 *
 *   ioreq_t.addr         IN  the faulting guest-physical address
 *   ioreq_t.size         IN  8
 *   ioreq_t.count        IN  the attempt: 1 for the first fault of this
 *                            access, n for its nth (at most
 *                            XEN_GPUMEM_FAULT_MAX_TRIES)
 *   ioreq_t.dir          IN  IOREQ_READ
 *   ioreq_t.data_is_ptr  IN  0
 *   ioreq_t.data         IN  XEN_GPUMEM_FAULT_R | _W | _X: the access
 *                        OUT the answer, XEN_GPUMEM_FAULT_RETRY ...
 *   the vCPU             the slot of the ioreq page it arrives in
 */
#define IOREQ_TYPE_GPUMEM_FAULT 0x40

#define XEN_GPUMEM_FAULT_R      (1u << 0) /* read */
#define XEN_GPUMEM_FAULT_W      (1u << 1) /* write */
#define XEN_GPUMEM_FAULT_X      (1u << 2) /* instruction fetch */

#define XEN_GPUMEM_FAULT_RETRY   0 /* re-execute the access */
#define XEN_GPUMEM_FAULT_EMULATE 1 /* this once, the path of no claim */
#define XEN_GPUMEM_FAULT_CRASH   2 /* crash the frontend */

/* Faults of one access before Xen answers EMULATE itself. */
#define XEN_GPUMEM_FAULT_MAX_TRIES 8

/**
 * struct xen_dm_op_gpumem - buffer 0 of every gpumem dm_op
 * @op: XEN_DMOP_gpumem_*.
 * @pad: must be 0.
 * @u: the op's arguments.
 * @u.query: XEN_DMOP_gpumem_query.
 * @u.batch: the four batched ops.
 * @u.fault_range: XEN_DMOP_gpumem_fault_range.
 *
 * The layout of @op, @pad and @u is that of struct xen_dm_op, so Xen's
 * generic dm_op dispatch reads it unchanged.
 */
struct xen_dm_op_gpumem {
	uint32_t op;
	uint32_t pad;
	union {
		struct xen_dm_op_gpumem_query query;
		struct xen_dm_op_gpumem_batch batch;
		struct xen_dm_op_gpumem_fault_range fault_range;
	} u;
};

/*
 * The contract each op must implement.
 *
 * Terms: "backend" is the calling domain, "frontend" the target.  A
 * "lent" frontend entry is one created by MAP or left by STEAL: a p2m type of
 * its own that the frontend cannot grant, cannot have foreign-mapped, cannot
 * pass as a hypercall buffer (hypercalls that read or write through the GFN
 * treat it as if it were not populated), and that is never in the frontend's
 * IOMMU.  The frontend's own memory operations (populate_physmap,
 * decrease_reservation, add_to_physmap, remove_from_physmap and the like)
 * must refuse a lent GFN rather than replace or remove it: only the backend
 * changes lent entries, so a REVOKE can never find its entry replaced and
 * fail because of anything the frontend did.
 *
 * Domain identity: a domid alone does not name a domain for long, since Xen
 * gives the number of a destroyed domain to a new one.  QUERY reports the
 * target's instance, which no other domain ever has; every batched op
 * carries it, and the hypervisor answers -ESRCH, before looking at any
 * extent, when the domid now names a domain of another instance.  So a
 * backend whose frontend was destroyed and its domid reused, even before
 * the backend issued any op, never touches the new domain: its REVOKEs
 * answer -ESRCH, as they do for a destroyed domain.  A backend must stop
 * naming the domid once any op has answered -ESRCH for it.
 *
 * XEN_DMOP_gpumem_query
 *   Fills struct xen_dm_op_gpumem_query.  Never changes state.
 *
 * XEN_DMOP_gpumem_map
 *   For each extent, map frames [frame, frame + nr_frames) at frontend GFNs
 *   [gfn, gfn + nr_frames) as lent entries.
 *   - RAM (no XEN_GPUMEM_EXT_MMIO): every frame is a GFN of the backend that
 *     is backend-owned RAM; Xen takes a page reference held until REVOKE, so
 *     the page cannot be freed or reallocated while the frontend maps it.
 *     Else -EPERM.
 *     A backend that is not auto-translated (PV) is refused (-EOPNOTSUPP):
 *     its writable lent page could later be validated as one of its page
 *     tables that the frontend writes.
 *   - MMIO: every frame must be in the iomem permissions of the backend and
 *     of the frontend, and allowed by XSM for the frontend (-EPERM), and
 *     must not be RAM (-EINVAL).
 *   - Every target GFN must be unpopulated: -EEXIST otherwise.
 *   - XEN_GPUMEM_EXT_RO: frontend writes fault.
 *   - Cache type, honoured whatever the frontend's MTRRs or PAT say: RAM
 *     is lent write-back (XEN_GPUMEM_CACHE_WB; WC or UC: -EOPNOTSUPP, an
 *     uncached alias of RAM everyone else maps write-back); MMIO is lent
 *     uncached (UC) or write-combining (WC), never cacheable (WB:
 *     -EOPNOTSUPP).
 *   - Aligned 2 MiB runs may be mapped as superpages.
 *   Malformed extents (nr_frames 0 or too large, unknown or reserved flags,
 *   GFN beyond the frontend's physmap limit, pad != 0): -EINVAL.
 *
 * XEN_DMOP_gpumem_revoke
 *   For each extent, remove the lent entries at [gfn, gfn + nr_frames),
 *   drop their page references, and flush every TLB that may cache them
 *   before the call returns.  Afterwards no operation by or on the frontend
 *   can reach those frames, and a frontend access faults to the backend's
 *   IOREQ server.
 *   - Idempotent: an unpopulated GFN is success.
 *   - Infallible for a valid request: it fails only for a malformed extent
 *     (-EINVAL) or a GFN that holds anything other than a lent entry or
 *     nothing (-EPERM): the backend never revokes what it did not lend.
 *   - On a dying frontend it succeeds, with the same meaning: when it
 *     returns, the extent's lent entries are gone and their references
 *     dropped (by this REVOKE, or by the frontend's teardown before it);
 *     only the -EPERM check is skipped.  On a destroyed frontend the call
 *     answers -ESRCH, and nothing maps the frames any more.
 *   - Bounded time per call; continuations between extents.
 *   A backend treats any failure as a fatal invariant breach.
 *
 * XEN_DMOP_gpumem_steal
 *   For each extent, take frontend RAM pages at [gfn, gfn + nr_frames) and
 *   make them backend-owned: the page owner becomes the backend, the
 *   frontend's entries become lent entries of the same pages (the frontend
 *   keeps seeing them, as if MAPped), and the backend's landing GFNs
 *   [frame, frame + nr_frames), which must be unpopulated (-EEXIST), map them
 *   in the backend's p2m and in its IOMMU, so that its devices may DMA to
 *   them (the point of a userptr).
 *   Contents are preserved.  The frontend's page count drops and the
 *   backend's rises by nr_frames; the backend's limit is enforced (-ENOSPC).
 *   Refusals, one errno per reason:
 *     -ENOENT  GFN unpopulated, or not RAM owned by the frontend
 *     -ENXIO   GFN is MMIO
 *     -EXDEV   GFN maps a page another domain provided (MAP, grant, foreign)
 *     -EACCES  page is granted to another domain
 *     -EMLINK  page is foreign-mapped by another domain
 *     -EBUSY   page is in use by a hypercall or otherwise referenced
 *   Xen remembers which frontend each stolen page came from.
 *
 * XEN_DMOP_gpumem_return
 *   For each extent, give pages at backend landing GFNs [frame, ...) back to
 *   the frontend as its own RAM at [gfn, ...).
 *     -EPERM   landing GFN does not hold a page stolen from this frontend
 *     -EEXIST  frontend GFN holds anything but nothing or a lent entry of
 *              this same page
 *     -EBUSY   page is lent at another frontend GFN or otherwise referenced
 *     -ENOSPC  the frontend's memory limit would be exceeded
 *   The landing GFN is removed from the backend's p2m and IOMMU, and every
 *   TLB and IOTLB that may cache it is flushed, before the page changes
 *   owner: no backend CPU or device access can reach it afterwards.  On
 *   success the landing GFN is unpopulated, the page is frontend-owned RAM
 *   at gfn, and the page counts move back.
 */

#endif /* __XEN_PUBLIC_HVM_GPUMEM_H__ */
