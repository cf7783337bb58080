// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: STEAL and RETURN, frontend RAM pages made the backend's for a
 * while, and the VMM's mapping of them.
 *
 * Steal.  Landing slots, unpopulated GFNs of the backend's physmap, come
 * first (Xen: xen_alloc_unpopulated_pages(), so no dom0 RAM is given up);
 * XEN_DMOP_gpumem_steal then moves the frontend's pages behind them and
 * leaves lent entries of the same pages at the frontend's GFNs.  The range
 * becomes a region of the context whose frames are the landing GFNs, so
 * REVOKE and POPULATE treat it like any other region.  If the hypervisor
 * refuses a page, the pages already moved are given back: all or nothing.
 *
 * Use.  The VMM mmaps the pages at the steal's offset of its context file;
 * the fault handler inserts them one by one as ordinary pages (no PFNMAP),
 * which get_user_pages() and hmm_range_fault() accept, so the VA range can
 * be handed to a host GPU driver's userptr path.  Offsets are unique in the
 * module: every open file of the device shares one address_space, and
 * unmap_mapping_range() must reach no other steal.
 *
 * Return.  The steal stops serving faults (@live cleared under the steal
 * table's xa_lock, under which the fault handler also looks the page up and
 * takes its reference), every user mapping is zapped, and then each page
 * must be held by its owner alone: reference count 1 (the seam's promise for
 * slot_page(), true of a ZONE_DEVICE slot and of hvsim's pages), not mapped,
 * not DMA-pinned.  Any other reference is a pin or a GUP reference through
 * which dom0 could still write or DMA, and the call fails with -EBUSY,
 * leaving the steal live.  A racing fault either took its reference before
 * (and is counted) or finds the steal not live (SIGBUS).  Then
 * XEN_DMOP_gpumem_return, then the slots are freed.
 *
 * Orphans.  Closing the context gives every steal back.  One whose pages
 * are still held elsewhere in dom0, or that the hypervisor refuses, cannot
 * go back yet: it becomes an orphan, owned by the module (which then stays
 * loaded) and retried from a delayed work until it can.  Pages whose
 * frontend no longer exists (-ESRCH, and only that) are scrubbed and handed
 * to the hypervisor instead (slots_release), and their slots freed.  A
 * frontend can refuse its pages for ever (it fills its memory limit, or
 * populates a GFN it had revoked): after GPUMEM_ORPHAN_MAX_REFUSALS
 * refusals by the hypervisor the pages are forfeit: revoked from the
 * frontend, scrubbed and handed to the hypervisor like a dead frontend's.
 * A dom0 holder (-EBUSY before the hypercall) is waited for, however long:
 * those pages cannot be freed while dom0 uses them.
 *
 * Locks: ctx->lock around a steal's changes (STEAL, RETURN, populate); the
 * steal table's xa_lock (a spinlock) for @live, @ctx and the fault lookup; a
 * steal is in the table only once STEAL has succeeded (its id is reserved
 * before), so nothing can name a steal being set up.  gpumem_orphans_lock
 * for orphans, which have no context.  See gpumem-ctx.c for the order.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <kunit/visibility.h>

#include "gpumem-priv.h"

/* A steal's window of the mmap offset space, in pages: 2^32. */
#define GPUMEM_STEAL_SHIFT	32
/* Steal ids: offsets, id << (GPUMEM_STEAL_SHIFT + PAGE_SHIFT), stay < 2^63. */
#define GPUMEM_STEAL_MAX_ID	((1u << (63 - GPUMEM_STEAL_SHIFT - PAGE_SHIFT)) - 1)
/* Pages per STEAL or RETURN hypercall batch built at once. */
#define GPUMEM_STEAL_CHUNK	4096u
/* How often orphans are retried. */
#define GPUMEM_ORPHAN_RETRY	HZ

/**
 * struct gpumem_steal - frontend pages held in landing slots
 * @ctx: the context, NULL once orphaned (and the xa_lock of gpumem_steals).
 * @region: its region in @ctx, NULL once orphaned.
 * @hv: the hypervisor.
 * @domid: the frontend.
 * @instance: its instance (QUERY's).
 * @gfn: its first GFN.
 * @max_extents: extents per hypercall.
 * @max_extent_frames: frames per extent.
 * @id: name in gpumem_steals; the mmap offset is derived from it.
 * @live: userspace may map the pages (the xa_lock of gpumem_steals).
 * @nr_pages: pages asked for, and landing slots allocated.
 * @nr_stolen: pages [0, @nr_stolen) were stolen.
 * @nr_returned: pages [0, @nr_returned) are no longer the backend's.
 * @frontend_gone: the hypervisor answered -ESRCH for @domid (kept for an
 *                 orphan, which has no context to carry it).
 * @refusals: RETURN hypercalls the hypervisor refused.
 * @mapped: bit i set: the frontend's GFN @gfn + i holds the lent entry of
 *          page i.  The region's bitmap (ctx->notifier_lock) while there
 *          is a region; the orphan's own afterwards.
 * @slots: landing slots, in PFN order.
 * @pages: the page dom0 reaches behind each slot.
 * @orphan: in gpumem_orphans.
 *
 * @nr_stolen and @nr_returned change only while not @live.
 */
struct gpumem_steal {
	struct gpumem_ctx *ctx;
	struct gpumem_region *region;
	struct gpumem_hv *hv;
	domid_t domid;
	u64 instance;
	u64 gfn;
	unsigned int max_extents;
	unsigned int max_extent_frames;
	u32 id;
	bool live;
	u64 nr_pages;
	u64 nr_stolen;
	u64 nr_returned;
	bool frontend_gone;
	unsigned int refusals;
	unsigned long *mapped;
	struct page **slots;
	struct page **pages;
	struct list_head orphan;
};

static DEFINE_XARRAY_ALLOC1(gpumem_steals);
static u32 gpumem_steal_next_id;

static LIST_HEAD(gpumem_orphans);
static DEFINE_MUTEX(gpumem_orphans_lock);
static void gpumem_orphans_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(gpumem_orphans_work, gpumem_orphans_work_fn);

static u64 gpumem_steal_offset(const struct gpumem_steal *s)
{
	return (u64)s->id << (GPUMEM_STEAL_SHIFT + PAGE_SHIFT);
}

static void gpumem_steal_set_live(struct gpumem_steal *s, bool live)
{
	xa_lock(&gpumem_steals);
	s->live = live;
	xa_unlock(&gpumem_steals);
}

/* Extents for pages [first, first + n): runs of consecutive slots. */
static unsigned int gpumem_steal_extents(const struct gpumem_steal *s,
					 u64 first, u64 n,
					 struct xen_dm_op_gpumem_extent *ext)
{
	struct xen_dm_op_gpumem_extent *cur = NULL;
	unsigned int nr_ext = 0;
	u64 i;

	for (i = first; i < first + n; i++) {
		u64 frame = page_to_pfn(s->slots[i]);

		if (cur && cur->frame + cur->nr_frames == frame &&
		    cur->nr_frames < s->max_extent_frames) {
			cur->nr_frames++;
			continue;
		}
		cur = &ext[nr_ext++];
		*cur = (struct xen_dm_op_gpumem_extent){
			.frame = frame, .gfn = s->gfn + i, .nr_frames = 1,
		};
	}
	return nr_ext;
}

/*
 * Issue @op (STEAL or RETURN) for pages [first, end), in batches; *@pos ends
 * after the last page the hypervisor applied.
 */
static int gpumem_steal_call(struct gpumem_steal *s, unsigned int op,
			     u64 first, u64 end,
			     struct xen_dm_op_gpumem_extent *ext, u64 *pos)
{
	unsigned int nr_ext, done, i;
	int rc = 0;

	for (*pos = first; !rc && *pos < end; cond_resched()) {
		nr_ext = gpumem_steal_extents(s, *pos,
					      min_t(u64, end - *pos,
						    GPUMEM_STEAL_CHUNK), ext);
		rc = gpumem_hv_batch(s->hv, s->domid, s->instance, op, ext,
				     nr_ext, s->max_extents, &done);
		for (i = 0; i < done; i++)
			*pos += ext[i].nr_frames;
	}
	return rc;
}

/* Pages up to @pos have been returned: the frontend maps none as lent. */
static void gpumem_steal_returned(struct gpumem_steal *s, u64 pos)
{
	u64 nr = pos > s->nr_returned ? pos - s->nr_returned : 0;

	if (nr && s->region) {
		mutex_lock(&s->ctx->notifier_lock);
		gpumem_region_clear_mapped_locked(s->region, s->nr_returned, nr);
		mutex_unlock(&s->ctx->notifier_lock);
	} else if (nr) {
		/* An orphan's: the bitmap outlived its region. */
		bitmap_clear(s->mapped, s->nr_returned, nr);
	}
	s->nr_returned = pos;
}

/* Does anything in dom0 but the page's owner still hold a page? */
static bool gpumem_steal_busy(const struct gpumem_steal *s)
{
	u64 i;

	for (i = s->nr_returned; i < s->nr_stolen; i++) {
		struct page *page = s->pages[i];

		if (page_ref_count(page) != 1 || page_mapped(page) ||
		    folio_maybe_dma_pinned(page_folio(page)))
			return true;
	}
	return false;
}

/* The frontend is destroyed: the context's, or an orphan's, knowledge. */
static bool gpumem_steal_frontend_gone(struct gpumem_steal *s)
{
	if (s->ctx && READ_ONCE(s->ctx->frontend_gone))
		s->frontend_gone = true;
	return s->frontend_gone;
}

/*
 * Hand the pages still held to the hypervisor: scrubbed first, since Xen
 * does not scrub what a live domain gives back, and the frontend's data
 * must not reach whoever gets the memory next.
 */
static int gpumem_steal_release_pages(struct gpumem_steal *s)
{
	unsigned int done = 0;
	u64 i;
	int rc;

	for (i = s->nr_returned; i < s->nr_stolen; i++)
		clear_highpage(s->pages[i]);
	rc = s->hv->ops->slots_release(s->hv, s->nr_stolen - s->nr_returned,
				       s->slots + s->nr_returned, &done);
	/* What was released is gone, even if the rest was refused. */
	gpumem_steal_returned(s, s->nr_returned + done);
	return rc;
}

/*
 * Give every page still held back to the frontend, or to the hypervisor if
 * the frontend is gone.  On failure the steal is live again (if it has a
 * context) and what was given back stays given back.
 */
static int gpumem_steal_give_back(struct gpumem_steal *s)
{
	struct gpumem_ctx *ctx = s->ctx;
	struct xen_dm_op_gpumem_extent *ext;
	struct address_space *mapping;
	u64 pos = s->nr_returned;
	int rc;

	if (ctx)
		lockdep_assert_held(&ctx->lock);
	/*
	 * Nothing held (a STEAL refused at its first page): nothing to zap.
	 * unmap_mapping_range() would take a length of 0 for "to the end of
	 * the file" and zap every later steal of every context.
	 */
	if (s->nr_returned == s->nr_stolen)
		return 0;
	gpumem_steal_set_live(s, false);
	mapping = ctx ? READ_ONCE(ctx->mapping) : NULL;
	if (mapping)
		unmap_mapping_range(mapping, gpumem_steal_offset(s) +
				    (s->nr_returned << PAGE_SHIFT),
				    (s->nr_stolen - s->nr_returned) <<
				    PAGE_SHIFT, 1);
	rc = -EBUSY;
	if (gpumem_steal_busy(s))
		goto out;
	rc = -ENOMEM;
	ext = kvmalloc_array(GPUMEM_STEAL_CHUNK, sizeof(*ext), GFP_KERNEL);
	if (!ext)
		goto out;
	rc = gpumem_steal_frontend_gone(s) ? -ESRCH :
		gpumem_steal_call(s, XEN_DMOP_gpumem_return, s->nr_returned,
				  s->nr_stolen, ext, &pos);
	kvfree(ext);
	if (rc && rc != -ESRCH)
		s->refusals++;
	gpumem_steal_returned(s, pos);
	/*
	 * The frontend is destroyed: its pages are the backend's for good.
	 * Any other refusal (the frontend's limit, an XSM denial) leaves
	 * them stolen, to be retried.
	 */
	if (rc == -ESRCH) {
		s->frontend_gone = true;
		if (ctx)
			WRITE_ONCE(ctx->frontend_gone, true);
		rc = gpumem_steal_release_pages(s);
	}
out:
	if (rc && ctx)
		gpumem_steal_set_live(s, true);
	return rc;
}

/*
 * The frontend has refused its pages too often: take them.  Its lent
 * entries of them are revoked (the bitmap is exact: only the backend
 * changes lent entries, and an orphan's region is gone), then the pages
 * go to the hypervisor as a dead frontend's do.
 */
static int gpumem_steal_forfeit(struct gpumem_steal *s)
{
	struct gpumem_revoke_batch b = {
		.hv = s->hv, .domid = s->domid, .instance = s->instance,
		.cap = GPUMEM_STEAL_CHUNK,
		.max_extents = s->max_extents,
		.max_extent_frames = s->max_extent_frames,
		.gone = s->frontend_gone,
	};
	u64 nr = s->nr_stolen - s->nr_returned;

	b.ext = kvmalloc_array(b.cap, sizeof(*b.ext), GFP_KERNEL);
	if (!b.ext)
		return -ENOMEM;
	gpumem_hv_revoke_bitmap(&b, s->mapped, s->gfn, s->nr_returned, nr);
	kvfree(b.ext);
	bitmap_clear(s->mapped, s->nr_returned, nr);
	s->frontend_gone |= b.gone;
	pr_warn("d%u: refused %u times to take back %llu stolen pages at gfn %#llx: revoked, and handed to the hypervisor\n",
		s->domid, s->refusals, nr, s->gfn + s->nr_returned);
	return gpumem_steal_release_pages(s);
}

/* Free a steal that holds no page any more. */
static void gpumem_steal_free(struct gpumem_steal *s)
{
	s->hv->ops->slots_free(s->hv, s->nr_pages, s->slots);
	xa_erase(&gpumem_steals, s->id);
	if (!s->region)
		kvfree(s->mapped);
	kvfree(s->pages);
	kvfree(s->slots);
	kfree(s);
}

static int gpumem_page_cmp(const void *a, const void *b)
{
	unsigned long pa = page_to_pfn(*(struct page * const *)a);
	unsigned long pb = page_to_pfn(*(struct page * const *)b);

	return pa < pb ? -1 : pa > pb;
}

static struct gpumem_steal *gpumem_steal_alloc(struct gpumem_ctx *ctx,
					       u64 gfn, u64 nr_pages)
{
	struct gpumem_hv *hv = ctx->gdev->hv;
	struct gpumem_steal *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int rc = -ENOMEM;

	if (!s)
		return ERR_PTR(-ENOMEM);
	s->ctx = ctx;
	s->hv = hv;
	s->domid = ctx->domid;
	s->instance = ctx->hvq.instance;
	s->gfn = gfn;
	s->max_extents = ctx->max_extents;
	s->max_extent_frames = ctx->max_extent_frames;
	s->nr_pages = nr_pages;
	s->slots = kvcalloc(nr_pages, sizeof(*s->slots), GFP_KERNEL);
	s->pages = kvcalloc(nr_pages, sizeof(*s->pages), GFP_KERNEL);
	if (!s->slots || !s->pages)
		goto err;
	/*
	 * Reserve the id only: the steal is stored, and can be named, once
	 * STEAL has succeeded.  Cyclic: a stale mapping's offset is not soon
	 * another steal's.
	 */
	rc = xa_alloc_cyclic(&gpumem_steals, &s->id, NULL,
			     XA_LIMIT(1, GPUMEM_STEAL_MAX_ID),
			     &gpumem_steal_next_id, GFP_KERNEL);
	if (rc < 0)
		goto err;
	rc = hv->ops->slots_alloc(hv, nr_pages, s->slots);
	if (!rc) {
		/* Consecutive slots make multi-frame extents (the pool is LIFO). */
		sort(s->slots, nr_pages, sizeof(*s->slots), gpumem_page_cmp,
		     NULL);
		return s;
	}
	xa_erase(&gpumem_steals, s->id);
err:
	kvfree(s->pages);
	kvfree(s->slots);
	kfree(s);
	return ERR_PTR(rc);
}

static const struct gpumem_region_ops gpumem_steal_region_ops;

static void gpumem_steal_orphan(struct gpumem_steal *s, int rc)
{
	/* The bitmap outlives the region, which is being freed. */
	s->region->mapped = NULL;
	pr_warn("d%u: %llu stolen pages at gfn %#llx cannot be given back yet (%d); retrying until they can\n",
		s->domid, s->nr_stolen - s->nr_returned, s->gfn + s->nr_returned,
		rc);
	/* Nothing maps them any more: the context's file is being released. */
	gpumem_steal_frontend_gone(s);
	xa_lock(&gpumem_steals);
	s->ctx = NULL;
	xa_unlock(&gpumem_steals);
	s->region = NULL;
	s->refusals = 0;
	__module_get(THIS_MODULE);
	mutex_lock(&gpumem_orphans_lock);
	list_add_tail(&s->orphan, &gpumem_orphans);
	mutex_unlock(&gpumem_orphans_lock);
	mod_delayed_work(system_wq, &gpumem_orphans_work, GPUMEM_ORPHAN_RETRY);
}

/* Give back a steal, or, failing that, make it an orphan; then it is gone. */
static void gpumem_steal_dispose(struct gpumem_steal *s)
{
	int rc = gpumem_steal_give_back(s);

	if (rc)
		gpumem_steal_orphan(s, rc);
	else
		gpumem_steal_free(s);
}

/**
 * gpumem_steal_create() - steal frontend pages into landing slots
 * @ctx: a bound context whose hypervisor has every gpumem op.
 * @gfn: first frontend GFN.
 * @nr_pages: pages, 1 .. U32_MAX.
 * @offset: out: the steal's mmap offset and name.
 *
 * Return: 0; -E2BIG (max_stolen_pages, max_regions), -EEXIST (GFNs in a
 * region), -ENOMEM, -ESRCH, or the hypervisor's refusal of a page (then no
 * page is stolen).
 */
int gpumem_steal_create(struct gpumem_ctx *ctx, u64 gfn, u64 nr_pages,
			u64 *offset)
{
	struct gpumem_hv *hv = ctx->gdev->hv;
	struct xen_dm_op_gpumem_extent *ext;
	struct gpumem_region *r;
	struct gpumem_steal *s;
	u64 pos = 0, i;
	int rc;

	r = gpumem_region_alloc(ctx, GPUMEM_REGION_STOLEN,
				&gpumem_steal_region_ops, nr_pages, gfn, 0);
	if (IS_ERR(r))
		return PTR_ERR(r);
	ext = kvmalloc_array(min_t(u64, nr_pages, GPUMEM_STEAL_CHUNK),
			     sizeof(*ext), GFP_KERNEL);
	s = ext ? gpumem_steal_alloc(ctx, gfn, nr_pages) : ERR_PTR(-ENOMEM);
	if (IS_ERR(s)) {
		kvfree(ext);
		gpumem_region_abort(r);
		return PTR_ERR(s);
	}
	r->steal = s;
	s->region = r;
	s->mapped = r->mapped;

	mutex_lock(&ctx->lock);
	rc = gpumem_region_link_locked(r);
	if (!rc)
		rc = READ_ONCE(ctx->frontend_gone) ? -ESRCH :
			gpumem_steal_call(s, XEN_DMOP_gpumem_steal, 0,
					  nr_pages, ext, &pos);
	kvfree(ext);
	if (rc == -ESRCH)
		WRITE_ONCE(ctx->frontend_gone, true);
	s->nr_stolen = pos;
	for (i = 0; i < pos; i++)
		s->pages[i] = hv->ops->slot_page(hv, s->slots[i]);
	/* The frontend maps what was stolen, as lent entries. */
	mutex_lock(&ctx->notifier_lock);
	gpumem_region_set_mapped_locked(r, 0, pos);
	mutex_unlock(&ctx->notifier_lock);
	if (!rc) {
		/* Into the reserved entry: no allocation. */
		xa_lock(&gpumem_steals);
		__xa_store(&gpumem_steals, s->id, s, GFP_ATOMIC);
		s->live = true;
		xa_unlock(&gpumem_steals);
		*offset = gpumem_steal_offset(s);
		mutex_unlock(&ctx->lock);
		return 0;
	}
	if (r->id)
		gpumem_region_unlink_locked(ctx, r);
	/* All or nothing: what was stolen goes back. */
	gpumem_steal_dispose(s);
	mutex_unlock(&ctx->lock);
	gpumem_region_abort(r);
	return rc;
}

static struct gpumem_steal *gpumem_steal_lookup(struct gpumem_ctx *ctx,
						u64 offset)
{
	u64 id = offset >> (GPUMEM_STEAL_SHIFT + PAGE_SHIFT);
	struct gpumem_steal *s;

	lockdep_assert_held(&ctx->lock);
	if (offset & (BIT_ULL(GPUMEM_STEAL_SHIFT + PAGE_SHIFT) - 1) ||
	    id > GPUMEM_STEAL_MAX_ID)
		return NULL;
	/* Only ctx->lock, held here, frees or orphans a steal of @ctx. */
	xa_lock(&gpumem_steals);
	s = xa_load(&gpumem_steals, id);
	if (s && s->ctx != ctx)
		s = NULL;
	xa_unlock(&gpumem_steals);
	return s;
}

/**
 * gpumem_steal_return() - give a steal's pages back to the frontend
 * @ctx: the context.
 * @offset: the steal's offset.
 *
 * Return: 0; -ENOENT (no such steal), -EBUSY (a page is still referenced in
 * dom0), -ENOMEM, or the hypervisor's refusal (the steal stays, minus the
 * pages given back before it).
 */
int gpumem_steal_return(struct gpumem_ctx *ctx, u64 offset)
{
	struct gpumem_region *r = NULL;
	struct gpumem_steal *s;
	int rc = -ENOENT;

	mutex_lock(&ctx->lock);
	s = gpumem_steal_lookup(ctx, offset);
	if (s)
		rc = gpumem_steal_give_back(s);
	if (s && !rc) {
		r = s->region;
		gpumem_region_unlink_locked(ctx, r);
		gpumem_steal_free(s);
	}
	mutex_unlock(&ctx->lock);
	if (r)
		gpumem_region_abort(r);
	return rc;
}

/* A steal that RETURN left part-way is only RETURN's to continue. */
static int gpumem_steal_fill_begin(struct gpumem_region *r)
{
	lockdep_assert_held(&r->ctx->lock);
	return r->steal->nr_returned ? -EBUSY : 0;
}

/* The stolen pages sit at their landing slots' GFNs. */
static int gpumem_steal_fill(struct gpumem_region *r, u64 first, u64 n,
			     struct gpumem_fill_buf *buf)
{
	struct gpumem_steal *s = r->steal;
	u64 i;

	for (i = 0; i < n; i++)
		buf->frames[i] = (struct gpumem_frame){
			.frame = page_to_pfn(s->slots[first + i]),
		};
	return gpumem_region_commit(r, first, n, buf);
}

/*
 * The context is closing: give the steal back (RETURN takes its lent
 * entries back itself: nothing to revoke first).  What cannot be given
 * back now becomes an orphan, retried later.
 */
static void gpumem_steal_release(struct gpumem_region *r)
{
	struct gpumem_ctx *ctx = r->ctx;

	mutex_lock(&ctx->lock);
	gpumem_steal_dispose(r->steal);
	mutex_unlock(&ctx->lock);
}

static const struct gpumem_region_ops gpumem_steal_region_ops = {
	.fill_begin = gpumem_steal_fill_begin,
	.fill = gpumem_steal_fill,
	.release = gpumem_steal_release,
};

static vm_fault_t gpumem_steal_fault(struct vm_fault *vmf)
{
	struct gpumem_ctx *ctx = vmf->vma->vm_file->private_data;
	u64 idx = vmf->pgoff & (BIT_ULL(GPUMEM_STEAL_SHIFT) - 1);
	struct gpumem_steal *s;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	/* A copy that fork() made after MADV_DOFORK: not the VMM's. */
	if (vmf->vma->vm_private_data != vmf->vma->vm_mm)
		return VM_FAULT_SIGBUS;
	xa_lock(&gpumem_steals);
	s = xa_load(&gpumem_steals, vmf->pgoff >> GPUMEM_STEAL_SHIFT);
	if (s && s->ctx == ctx && s->live && idx >= s->nr_returned &&
	    idx < s->nr_stolen) {
		vmf->page = s->pages[idx];
		get_page(vmf->page);
		ret = 0;
	}
	xa_unlock(&gpumem_steals);
	return ret;
}

static const struct vm_operations_struct gpumem_steal_vm_ops = {
	.fault = gpumem_steal_fault,
};

/**
 * gpumem_steal_mmap() - map a steal's pages into the caller
 * @ctx: the context of the file being mapped.
 * @vma: a MAP_SHARED mapping inside one live steal.
 *
 * Return: 0 or -EINVAL.
 */
int gpumem_steal_mmap(struct gpumem_ctx *ctx, struct vm_area_struct *vma)
{
	u64 idx = vma->vm_pgoff & (BIT_ULL(GPUMEM_STEAL_SHIFT) - 1);
	struct gpumem_steal *s;
	bool ok;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	xa_lock(&gpumem_steals);
	s = xa_load(&gpumem_steals, vma->vm_pgoff >> GPUMEM_STEAL_SHIFT);
	ok = s && s->ctx == ctx && s->live && idx >= s->nr_returned &&
	     idx < s->nr_stolen && vma_pages(vma) <= s->nr_stolen - idx;
	xa_unlock(&gpumem_steals);
	if (!ok)
		return -EINVAL;
	WRITE_ONCE(ctx->mapping, vma->vm_file->f_mapping);
	/*
	 * Not inherited, not grown, not dumped: the pages are the guest's.
	 * MADV_DOFORK can clear VM_DONTCOPY, so the mapping also remembers
	 * the address space it was made in, and the fault handler serves no
	 * other: a child's copy has no PTEs (a shared file mapping's are not
	 * copied by fork) and every access to it raises SIGBUS.
	 */
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = vma->vm_mm;
	vma->vm_ops = &gpumem_steal_vm_ops;
	return 0;
}

/* Retry every orphan; the number left. */
static unsigned int gpumem_orphans_run(void)
{
	struct gpumem_steal *s, *tmp;
	unsigned int left = 0;

	mutex_lock(&gpumem_orphans_lock);
	list_for_each_entry_safe(s, tmp, &gpumem_orphans, orphan) {
		int rc = gpumem_steal_give_back(s);

		if (rc && s->refusals >= GPUMEM_ORPHAN_MAX_REFUSALS)
			rc = gpumem_steal_forfeit(s);
		if (rc) {
			left++;
			continue;
		}
		pr_info("d%u: orphaned stolen pages at gfn %#llx given back\n",
			s->domid, s->gfn);
		list_del(&s->orphan);
		gpumem_steal_free(s);
		module_put(THIS_MODULE);
	}
	if (left)
		mod_delayed_work(system_wq, &gpumem_orphans_work,
				 GPUMEM_ORPHAN_RETRY);
	mutex_unlock(&gpumem_orphans_lock);
	return left;
}

static void gpumem_orphans_work_fn(struct work_struct *work)
{
	gpumem_orphans_run();
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * gpumem_steal_orphans() - how many steals wait to be given back (tests)
 *
 * Return: the number of orphans.
 */
unsigned int gpumem_steal_orphans(void)
{
	unsigned int n;

	mutex_lock(&gpumem_orphans_lock);
	n = list_count_nodes(&gpumem_orphans);
	mutex_unlock(&gpumem_orphans_lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_steal_orphans);

/**
 * gpumem_steal_orphans_retry() - retry the orphans now (tests)
 *
 * Return: the number of orphans left.
 */
unsigned int gpumem_steal_orphans_retry(void)
{
	cancel_delayed_work_sync(&gpumem_orphans_work);
	return gpumem_orphans_run();
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_steal_orphans_retry);

/**
 * gpumem_steal_set_next_id() - the id the next steal is given (tests)
 * @id: 1 .. the largest steal id.
 *
 * Lets a test place steals at chosen mmap offsets.
 */
void gpumem_steal_set_next_id(u32 id)
{
	xa_lock(&gpumem_steals);
	gpumem_steal_next_id = id;
	xa_unlock(&gpumem_steals);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_steal_set_next_id);
#endif

/**
 * gpumem_steal_exit() - module unload: no orphan can exist (each holds a
 * module reference), so only the retry work may be left to stop.
 */
void gpumem_steal_exit(void)
{
	cancel_delayed_work_sync(&gpumem_orphans_work);
}
