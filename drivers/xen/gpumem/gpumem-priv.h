/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * xen-gpumem: structures shared by the files of the module.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef _XEN_GPUMEM_PRIV_H
#define _XEN_GPUMEM_PRIV_H

#include <linux/interrupt.h>
#include <linux/interval_tree.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <xen/interface/xen.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/gpumem.h>

struct address_space;
struct dentry;
struct file;
struct poll_table_struct;
struct dma_buf_attachment;
struct gpumem_fault;
struct gpumem_fault_srv;
struct gpumem_hv;
struct gpumem_steal;
struct page;
struct pci_dev;
struct sg_table;
struct xen_dm_op_buf;

/**
 * struct gpumem_fault_event - a frontend access to an empty claimed GFN
 * @gfn: the GFN.
 * @access: XEN_GPUMEM_FAULT_R, _W or _X.
 * @vcpu: the frontend vCPU, paused until the fault is answered.
 * @attempt: 1 for the first fault of this access, n for its nth.
 */
struct gpumem_fault_event {
	u64 gfn;
	u32 access;
	u32 vcpu;
	u32 attempt;
};

/**
 * struct gpumem_fault_srv - a fault server, as the module holds it
 * @hv: the backend that opened it; each backend embeds this in its own.
 */
struct gpumem_fault_srv {
	struct gpumem_hv *hv;
};

/*
 * A fault server's handler: called in atomic context (Xen: the event
 * channel's hard interrupt), at most once per vCPU until that vCPU's fault
 * is answered with gpumem_hv_ops.fault_answer.
 */
typedef void gpumem_fault_fn(void *data, const struct gpumem_fault_event *ev);

/**
 * struct gpumem_hv_ops - the hypervisor seam
 * @query: XEN_DMOP_gpumem_query on @domid.  Returns -ESRCH when the domain
 *         does not exist and -EOPNOTSUPP when the hypervisor lacks the ops.
 * @batch: one batched op (XEN_DMOP_gpumem_map .. _return) of @nr extents,
 *         @nr <= the query's max_extents, on the frontend @domid of
 *         @instance (the query's): -ESRCH if @domid names no domain of that
 *         instance any more.  Returns 0 with *@done == @nr, or
 *         the error with *@done the index of the extent that failed.  Never
 *         sleeps.  REVOKE never allocates either: it is issued from mmu
 *         notifier and move_notify callbacks; MAP and STEAL may allocate
 *         atomically (hvsim does, where Xen allocates p2m pages).
 * @slots_alloc: @nr landing slots for STEAL: pages of the backend's physmap
 *               with nothing behind them (Xen: xen_alloc_unpopulated_pages()).
 *               May sleep.
 * @slots_free: give back unpopulated landing slots.  May sleep.
 * @slot_page: the page the backend reaches at a landing slot that holds a
 *             stolen page, for mapping it to userspace.  Xen: the slot
 *             itself (the p2m now maps the stolen frame behind it).  hvsim
 *             cannot remap this kernel's memory and answers the frontend's
 *             page it lent behind the slot.  Either way the page's reference
 *             count is 1 while nothing in dom0 maps or holds it.
 * @slots_release: hand the pages at landing slots (stolen from a frontend
 *                 that no longer exists) back to the hypervisor, leaving the
 *                 slots unpopulated (Xen: XENMEM_decrease_reservation).
 *                 Returns 0, or the error with *@done slots released.
 * @fault_open: a fault server for the frontend @domid of @instance
 *              (XEN_DMOP_gpumem_fault_range): @fn(@data, event) is called
 *              for each fault on a GFN it claims.  Returns 0 with *@srv and
 *              *@nr_vcpus, -EOPNOTSUPP without the op, -ENOSPC when the
 *              frontend has no room for another server, -ESRCH.  May sleep.
 *              Optional: without it no fault is ever served.
 * @fault_claim: claim (@claim) or release GFNs [@first, @last] for @srv:
 *               the op's errors.  May sleep; never called from invalidate
 *               or move_notify callbacks.
 * @fault_answer: complete @vcpu's fault with XEN_GPUMEM_FAULT_RETRY,
 *                _EMULATE or _CRASH.  Never sleeps.
 * @fault_close: destroy @srv, releasing its claims; @fn is not running and
 *               never called again once it returns.  Faults not answered
 *               by then are answered EMULATE.  May sleep.
 * @destroy: free the backend.
 *
 * Every code path that reaches the hypervisor goes through this table; the
 * two implementations are the real Xen (gpumem-hv-xen.c) and the simulated
 * hypervisor (hvsim-*.c).
 */
struct gpumem_hv_ops {
	int (*query)(struct gpumem_hv *hv, domid_t domid,
		     struct xen_dm_op_gpumem_query *q);
	int (*batch)(struct gpumem_hv *hv, domid_t domid, u64 instance,
		     unsigned int op, struct xen_dm_op_gpumem_extent *ext,
		     unsigned int nr, unsigned int *done);
	int (*slots_alloc)(struct gpumem_hv *hv, unsigned int nr,
			   struct page **slots);
	void (*slots_free)(struct gpumem_hv *hv, unsigned int nr,
			   struct page **slots);
	struct page *(*slot_page)(struct gpumem_hv *hv, struct page *slot);
	int (*slots_release)(struct gpumem_hv *hv, unsigned int nr,
			     struct page **slots, unsigned int *done);
	int (*fault_open)(struct gpumem_hv *hv, domid_t domid, u64 instance,
			  gpumem_fault_fn *fn, void *data,
			  struct gpumem_fault_srv **srv,
			  unsigned int *nr_vcpus);
	int (*fault_claim)(struct gpumem_fault_srv *srv, u64 first, u64 last,
			   bool claim);
	void (*fault_answer)(struct gpumem_fault_srv *srv, unsigned int vcpu,
			     u32 answer);
	void (*fault_close)(struct gpumem_fault_srv *srv);
	void (*destroy)(struct gpumem_hv *hv);
};

/**
 * struct gpumem_hv - one hypervisor backend
 * @ops: its operations.
 * @backend: GPUMEM_BACKEND_* as reported to userspace.
 * @no_slots: landing slots cannot be had, so STEAL is withheld.
 */
struct gpumem_hv {
	const struct gpumem_hv_ops *ops;
	u32 backend;
	bool no_slots;
};

/**
 * struct gpumem_limits - bounds on what one context may ask for
 * @max_extents: extents per hypercall.
 * @max_extent_frames: frames per extent, at most
 *                     XEN_GPUMEM_MAX_EXTENT_FRAMES; 0 means that many.
 * @max_regions: regions per context.
 * @max_pages: pages mapped per context.
 * @max_stolen_pages: pages stolen per context.
 * @max_pinned_pages: pages of dmabufs pinned (GPUMEM_MAP_PIN) per context.
 */
struct gpumem_limits {
	unsigned int max_extents;
	unsigned int max_extent_frames;
	unsigned int max_regions;
	u64 max_pages;
	u64 max_stolen_pages;
	u64 max_pinned_pages;
};

/**
 * struct gpumem_dev - what the contexts of one device share
 * @hv: the hypervisor backend.
 * @limits: limits, fixed when the device is created.
 * @dma_dev: the device dmabufs are attached with; its DMA must be a direct
 *           1:1 map, so that DMA addresses are physical addresses.
 */
struct gpumem_dev {
	struct gpumem_hv *hv;
	struct gpumem_limits limits;
	struct device *dma_dev;
};

/**
 * struct gpumem_ctx - one open /dev/xen/gpumem
 * @gdev: the device.
 * @lock: the bind latch and the set of regions; held while regions are
 *        created, populated and destroyed.
 * @domid: bound frontend, DOMID_INVALID until GPUMEM_IOCTL_BIND.
 * @hvq: the hypervisor's answer to XEN_DMOP_gpumem_query for @domid; all
 *       zero while unbound or when the hypervisor lacks the ops.  Its
 *       instance goes with every op: a domid reused by another domain is
 *       never touched.
 * @max_extents: extents per hypercall: the smaller of the module's and the
 *               hypervisor's limit.
 * @max_extent_frames: frames per extent: the smaller of the ABI's 512 and
 *                     the hypervisor's limit (@notifier_lock to change).
 * @frontend_gone: the hypervisor answered -ESRCH: the frontend is destroyed,
 *                 nothing of it maps anything, and its domid may be reused
 *                 by another domain, so no op may name it again
 *                 (@notifier_lock).
 * @next_region_id: for cyclic region ids (@lock).
 * @regions: regions by frontend GFN range (@lock).
 * @region_ids: regions by id (@lock).
 * @nr_pages: pages in all regions (@lock).
 * @nr_regions: number of regions (@lock).
 * @nr_stolen: pages in regions of stolen pages (@lock).
 * @nr_pinned: pages of the dmabufs its regions pinned (@lock).
 * @mapping: the address space userspace mappings of stolen pages live in
 *           (set by mmap), for unmap_mapping_range() before RETURN.
 * @notifier_lock: taken by invalidate callbacks; protects every region's
 *                 @mapped bitmap and @revoke_ext.  Nothing allocates while
 *                 holding it.
 * @revoke_ext: preallocated extents for revokes from invalidate callbacks,
 *              gdev->limits.max_extents of them.
 * @fault: the fault loop, from GPUMEM_IOCTL_FAULT_ENABLE on (set once under
 *         @lock; read with smp_load_acquire()).
 */
struct gpumem_ctx {
	struct gpumem_dev *gdev;
	struct mutex lock;	/* see above */
	domid_t domid;
	struct xen_dm_op_gpumem_query hvq;
	unsigned int max_extents;
	unsigned int max_extent_frames;
	bool frontend_gone;
	u32 next_region_id;
	struct rb_root_cached regions;
	struct xarray region_ids;
	u64 nr_pages;
	unsigned int nr_regions;
	u64 nr_stolen;
	u64 nr_pinned;
	struct address_space *mapping;
	struct mutex notifier_lock;	/* see above */
	struct xen_dm_op_gpumem_extent *revoke_ext;
	struct gpumem_fault *fault;
};

/**
 * enum gpumem_region_kind - where a region's frames come from
 * @GPUMEM_REGION_VA: a range of a backend address space (MAP_VA).
 * @GPUMEM_REGION_DMABUF: a range of a dmabuf (MAP_DMABUF).
 * @GPUMEM_REGION_STOLEN: frontend pages stolen into landing slots (STEAL).
 */
enum gpumem_region_kind {
	GPUMEM_REGION_VA,
	GPUMEM_REGION_DMABUF,
	GPUMEM_REGION_STOLEN,
};

struct gpumem_region;

/**
 * struct gpumem_frame - what backs one page right now
 * @frame: backend GFN (RAM) or MFN (MMIO).
 * @flags: XEN_GPUMEM_EXT_MMIO and cacheability.
 */
struct gpumem_frame {
	u64 frame;
	u32 flags;
};

/* Pages a source resolves and maps per gpumem_region_ops.fill(): 16 MiB. */
#define GPUMEM_FILL_CHUNK	4096u

/**
 * struct gpumem_fill_buf - room for one chunk of a fill
 * @frames: what backs each page, GPUMEM_FILL_CHUNK entries at most.
 * @scratch: as many longs, for the source's own use (hmm_range_fault()).
 * @ext: as many extents, for gpumem_region_commit_locked().
 */
struct gpumem_fill_buf {
	struct gpumem_frame *frames;
	unsigned long *scratch;
	struct xen_dm_op_gpumem_extent *ext;
};

/**
 * struct gpumem_region_ops - what a region's source does for the core
 * @fill_begin: optional: take what every chunk of a fill needs (the
 *              address space, the buffer's reservation); on error nothing
 *              is held and the fill fails with it.
 * @fill: resolve what backs pages [first, first + n) now (n at most
 *        GPUMEM_FILL_CHUNK) into @buf->frames and map them with
 *        gpumem_region_commit(), or gpumem_region_commit_locked() where
 *        the source must check under ctx->notifier_lock that they are
 *        still current (VA).
 * @fill_end: optional: let go of what @fill_begin took.
 * @release: the region is unlinked: revoke every page it maps and stop the
 *           source (notifier, attachment, steal), in that order.
 *
 * Called with ctx->lock held, but @release.  The core (gpumem-region.c)
 * calls down through these only; sources call up into the core.
 */
struct gpumem_region_ops {
	int (*fill_begin)(struct gpumem_region *r);
	int (*fill)(struct gpumem_region *r, u64 first, u64 n,
		    struct gpumem_fill_buf *buf);
	void (*fill_end)(struct gpumem_region *r);
	void (*release)(struct gpumem_region *r);
};

/**
 * struct gpumem_sg_cursor - where a walk of a dmabuf's DMA segments stands
 * @sg: current segment, NULL before the first.
 * @left: segments after it.
 * @seg_start: its byte offset in the buffer.
 */
struct gpumem_sg_cursor {
	struct scatterlist *sg;
	unsigned int left;
	u64 seg_start;
};

/**
 * struct gpumem_region - frontend GFNs backed by backend memory
 * @gfns: frontend GFNs [start, last], a node of ctx->regions.
 * @ctx: the context.
 * @nr_pages: pages in the region.
 * @nr_pinned: pages of its dmabuf it pinned (GPUMEM_MAP_PIN), counted in
 *             the context's nr_pinned while linked; else 0.
 * @id: id given to userspace.
 * @flags: GPUMEM_MAP_*.
 * @kind: enum gpumem_region_kind.
 * @ops: its source's operations.
 * @mapped: bit per page, set while the frontend maps it (notifier_lock).
 * @attach: the dmabuf attachment of a dmabuf region, else NULL.
 * @steal: the steal of a stolen region, else NULL.
 * @va: source of a VA region (MAP_VA).
 * @va.hva: first backing address.
 * @va.notifier: interval notifier on the backing range.
 * @buf: source of a dmabuf region (MAP_DMABUF).
 * @buf.offset: byte offset of the region in the buffer.
 * @buf.sgt: the attachment's mapping while the region may use it, NULL
 *           after move_notify until the next populate (the buffer's resv).
 * @buf.pdev: the PCI device attached with (GPUMEM_MAP_PCI_ATTACH), held
 *            until the region is freed; NULL for the module's own device.
 * @buf.cur: the walk of @buf.sgt from one chunk of a fill to the next.
 */
struct gpumem_region {
	struct interval_tree_node gfns;
	struct gpumem_ctx *ctx;
	u64 nr_pages;
	u64 nr_pinned;
	u32 id;
	u32 flags;
	enum gpumem_region_kind kind;
	const struct gpumem_region_ops *ops;
	unsigned long *mapped;
	struct dma_buf_attachment *attach;
	struct gpumem_steal *steal;
	union {
		struct {
			unsigned long hva;
			struct mmu_interval_notifier notifier;
		} va;
		struct {
			u64 offset;
			struct sg_table *sgt;
			struct pci_dev *pdev;
			struct gpumem_sg_cursor cur;
		} buf;
	};
};

/* gpumem-main.c */
#if IS_ENABLED(CONFIG_KUNIT)
struct file *gpumem_ctx_file_create(struct gpumem_ctx *ctx);
#endif

/* gpumem-ctx.c */
struct gpumem_ctx *gpumem_ctx_create(struct gpumem_dev *gdev);
void gpumem_ctx_destroy(struct gpumem_ctx *ctx);
long gpumem_ctx_ioctl(struct gpumem_ctx *ctx, unsigned int cmd,
		      void __user *uarg);

/* trace_gpumem_revoke() events that are not an mmu_notifier_event. */
#define GPUMEM_REVOKE_UNMAP	-1	/* UNMAP or close */
#define GPUMEM_REVOKE_MOVE	-2	/* dmabuf move_notify */
#define GPUMEM_REVOKE_IOCTL	-3	/* GPUMEM_IOCTL_REVOKE */

/* gpumem-region.c */
struct gpumem_region *gpumem_region_alloc(struct gpumem_ctx *ctx,
					  enum gpumem_region_kind kind,
					  const struct gpumem_region_ops *ops,
					  u64 nr_pages, u64 gfn, u32 flags);
void gpumem_region_abort(struct gpumem_region *r);
int gpumem_region_link_locked(struct gpumem_region *r);
void gpumem_region_unlink_locked(struct gpumem_ctx *ctx,
				 struct gpumem_region *r);
int gpumem_region_publish(struct gpumem_region *r, u32 *id);
int gpumem_region_commit_locked(struct gpumem_region *r, u64 first, u64 n,
				const struct gpumem_frame *frames,
				struct xen_dm_op_gpumem_extent *ext);
int gpumem_region_commit(struct gpumem_region *r, u64 first, u64 n,
			 struct gpumem_fill_buf *buf);
void gpumem_region_revoke_locked(struct gpumem_region *r, u64 first, u64 nr,
				 int event);
void gpumem_region_set_mapped_locked(struct gpumem_region *r, u64 first,
				     u64 nr);
void gpumem_region_clear_mapped_locked(struct gpumem_region *r, u64 first,
				       u64 nr);
int gpumem_fill_buf_alloc(struct gpumem_fill_buf *buf, u64 n);
void gpumem_fill_buf_free(struct gpumem_fill_buf *buf);
int gpumem_region_fault_fill(struct gpumem_ctx *ctx, u64 gfn, u64 first,
			     u64 nr, struct gpumem_fill_buf *buf, u64 *region);
u64 gpumem_region_at(struct gpumem_ctx *ctx, u64 gfn);
int gpumem_region_populate(struct gpumem_ctx *ctx, u64 gfn, u64 nr_pages);
int gpumem_region_revoke(struct gpumem_ctx *ctx, u64 gfn, u64 nr_pages);
int gpumem_region_unmap(struct gpumem_ctx *ctx, u32 id);
void gpumem_regions_destroy(struct gpumem_ctx *ctx);
#if IS_ENABLED(CONFIG_KUNIT)
unsigned int gpumem_map_extents(const struct gpumem_region *r, u64 first,
				u64 n, const struct gpumem_frame *f,
				struct xen_dm_op_gpumem_extent *ext);
#endif

/* gpumem-fault.c */
/* vCPUs a fault loop serves: the ioreq slots of one page (Xen). */
#define GPUMEM_FAULT_MAX_VCPUS	128

/**
 * struct gpumem_fault_stats - what one context's fault loop did
 * @raised: faults the hypervisor sent.
 * @served_kernel: faults served by mapping in the kernel.
 * @retried: of those, faults of an access served before (it faulted again).
 * @handed_user: faults queued for read().
 * @completed: faults the device model completed.
 * @lost: faults answered EMULATE on a full queue.
 * @emulated: faults answered EMULATE otherwise (no GPUMEM_FAULT_USER, the
 *            frontend gone).
 */
struct gpumem_fault_stats {
	u64 raised;
	u64 served_kernel;
	u64 retried;
	u64 handed_user;
	u64 completed;
	u64 lost;
	u64 emulated;
};

int gpumem_fault_init(void);
void gpumem_fault_exit(void);
int gpumem_fault_enable(struct gpumem_ctx *ctx, u64 gfn, u64 nr, u32 flags,
			u32 max_pending, u32 *nr_vcpus);
void gpumem_fault_disable(struct gpumem_ctx *ctx);
ssize_t gpumem_fault_read(struct gpumem_ctx *ctx, char __user *buf,
			  size_t count, bool nonblock);
__poll_t gpumem_fault_poll(struct gpumem_ctx *ctx, struct file *file,
			   struct poll_table_struct *wait);
int gpumem_fault_complete(struct gpumem_ctx *ctx, u64 seq, u32 answer);
void gpumem_fault_stats(struct gpumem_ctx *ctx, struct gpumem_fault_stats *out);

/* gpumem-dmabuf.c */
int gpumem_dmabuf_region_create(struct gpumem_ctx *ctx, int fd, u64 offset,
				u64 nr_pages, u64 gfn, u32 flags, u32 sbdf,
				u32 *id);

/* gpumem-steal.c */
/* Refusals by the hypervisor after which an orphan's pages are forfeit. */
#define GPUMEM_ORPHAN_MAX_REFUSALS	60
int gpumem_steal_create(struct gpumem_ctx *ctx, u64 gfn, u64 nr_pages,
			u64 *offset);
int gpumem_steal_return(struct gpumem_ctx *ctx, u64 offset);
int gpumem_steal_mmap(struct gpumem_ctx *ctx, struct vm_area_struct *vma);
void gpumem_steal_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
unsigned int gpumem_steal_orphans(void);
unsigned int gpumem_steal_orphans_retry(void);
void gpumem_steal_set_next_id(u32 id);
#endif

/**
 * enum gpumem_pfn_kind - what a backend frame is (gpumem_pfn_kind())
 * @GPUMEM_PFN_RAM: the backend's own RAM, lent by GFN.
 * @GPUMEM_PFN_MMIO: MMIO, lent by MFN (the same number in a PVH dom0).
 * @GPUMEM_PFN_FOREIGN: neither (a grant or foreign mapping, an unpopulated
 *                      or offline range): never lent.
 */
enum gpumem_pfn_kind {
	GPUMEM_PFN_RAM,
	GPUMEM_PFN_MMIO,
	GPUMEM_PFN_FOREIGN,
};

/* gpumem-va.c */
enum gpumem_pfn_kind gpumem_pfn_kind(unsigned long pfn);
int gpumem_frame_set(struct gpumem_frame *out, unsigned long pfn,
		     u32 mmio_cache);
int gpumem_va_region_create(struct gpumem_ctx *ctx, unsigned long hva,
			    u64 nr_pages, u64 gfn, u32 flags, u32 *id);

/**
 * struct gpumem_revoke_batch - revokes built from runs of a bitmap
 * @hv: the hypervisor backend.
 * @domid: the frontend.
 * @instance: its instance (QUERY's).
 * @ext: room for @cap extents (preallocated: revokes never allocate).
 * @cap: extents built before they are issued.
 * @max_extents: extents per hypercall.
 * @max_extent_frames: frames per extent.
 * @gone: in: the frontend is known to be gone, so nothing is issued; out:
 *        a revoke answered -ESRCH.
 * @extents: out: extents built.
 * @pages: out: pages in them.
 */
struct gpumem_revoke_batch {
	struct gpumem_hv *hv;
	domid_t domid;
	u64 instance;
	struct xen_dm_op_gpumem_extent *ext;
	unsigned int cap;
	unsigned int max_extents;
	unsigned int max_extent_frames;
	bool gone;
	unsigned int extents;
	u64 pages;
};

/* gpumem-hv.c */
const char *gpumem_hv_op_name(unsigned int op);
int gpumem_hv_batch(struct gpumem_hv *hv, domid_t domid, u64 instance,
		    unsigned int op, struct xen_dm_op_gpumem_extent *ext,
		    unsigned int nr, unsigned int max_extents,
		    unsigned int *done);
int gpumem_hv_revoke(struct gpumem_hv *hv, domid_t domid, u64 instance,
		     struct xen_dm_op_gpumem_extent *ext, unsigned int nr,
		     unsigned int max_extents);
void gpumem_revoke_refused(domid_t domid,
			   const struct xen_dm_op_gpumem_extent *ext, int rc);
void gpumem_hv_misreported(domid_t domid, unsigned int op, unsigned int done,
			   unsigned int nr, int rc);
void gpumem_hv_revoke_batch_flush(struct gpumem_revoke_batch *b,
				  unsigned int n);
void gpumem_hv_revoke_bitmap(struct gpumem_revoke_batch *b,
			     const unsigned long *mapped, u64 gfn, u64 first,
			     u64 nr);

/* gpumem-hv-xen.c */
extern struct gpumem_hv gpumem_hv_xen;
struct gpumem_hv *gpumem_hv_xen_create(void);
#if IS_ENABLED(CONFIG_XEN_GPUMEM_HVSIM)
struct gpumem_hv *gpumem_hvsim_create(u64 backend_max_pages,
				      struct dentry *debugfs);
#else
static inline struct gpumem_hv *gpumem_hvsim_create(u64 backend_max_pages,
						    struct dentry *debugfs)
{
	pr_err("backend=hvsim: built without CONFIG_XEN_GPUMEM_HVSIM\n");
	return ERR_PTR(-EINVAL);
}
#endif

/*
 * The upstream dm_ops the Xen backend issues, from Xen's public/hvm/dm_op.h,
 * of which Linux carries only struct xen_dm_op_buf: buffer 0 as Xen reads
 * it, struct xen_dm_op's op and pad, then the op's own struct.
 */
#define GPUMEM_XEN_DMOP_CREATE_IOREQ_SERVER	1
#define GPUMEM_XEN_DMOP_SET_IOREQ_SERVER_STATE	5
#define GPUMEM_XEN_DMOP_DESTROY_IOREQ_SERVER	6
#define GPUMEM_XEN_DMOP_NR_VCPUS		20

struct gpumem_xen_dmop_nr_vcpus {
	u32 op;
	u32 pad;
	u32 vcpus;		/* OUT */
};

struct gpumem_xen_dmop_create_ioreq_server {
	u32 op;
	u32 pad;
	u8 handle_bufioreq;	/* IN: 0, HVM_IOREQSRV_BUFIOREQ_OFF */
	u8 pad1[3];
	u16 id;			/* OUT: ioservid_t */
};

struct gpumem_xen_dmop_set_ioreq_server_state {
	u32 op;
	u32 pad;
	u16 id;
	u8 enabled;
	u8 pad1;
};

struct gpumem_xen_dmop_destroy_ioreq_server {
	u32 op;
	u32 pad;
	u16 id;
	u16 pad1;
};

/* gpumem-hv-xen-call.c */
int gpumem_xen_dm_op(domid_t domid, unsigned int nr_bufs,
		     struct xen_dm_op_buf *bufs);
int gpumem_xen_memory_op(unsigned int cmd, void *arg);
int gpumem_xen_evtchn_op(unsigned int cmd, void *arg);

/* gpumem-hv-xen-fault.c */
int gpumem_xen_fault_open(struct gpumem_hv *hv, domid_t domid, u64 instance,
			  gpumem_fault_fn *fn, void *data,
			  struct gpumem_fault_srv **srv,
			  unsigned int *nr_vcpus);
int gpumem_xen_fault_claim(struct gpumem_fault_srv *srv, u64 first, u64 last,
			   bool claim);
void gpumem_xen_fault_answer(struct gpumem_fault_srv *srv, unsigned int vcpu,
			     u32 answer);
void gpumem_xen_fault_close(struct gpumem_fault_srv *srv);
#if IS_ENABLED(CONFIG_KUNIT)
int gpumem_xen_fault_page_alloc(struct page **page);
void gpumem_xen_fault_page_free(struct page *page);
int gpumem_xen_fault_bind_irq(evtchn_port_t port, irq_handler_t handler,
			      const char *name, void *dev_id);
void gpumem_xen_fault_unbind_irq(int irq, void *dev_id);
void gpumem_xen_fault_eoi(int irq, unsigned int flags);
#endif

#endif /* _XEN_GPUMEM_PRIV_H */
