// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: regions, frontend GFN ranges backed by backend memory: the
 * core every source shares (gpumem-va.c: a range of an address space;
 * gpumem-dmabuf.c: a range of a dmabuf; gpumem-steal.c: stolen frontend
 * pages).
 *
 * A region tracks which of its pages the frontend maps (->mapped, under
 * ctx->notifier_lock, changed only here), lives in its context's GFN
 * interval tree and id table (ctx->lock), and reaches its source through
 * struct gpumem_region_ops: the core calls down through them only, and the
 * sources call up into the functions below.
 *
 * Map.  A fill walks a range in chunks of GPUMEM_FILL_CHUNK pages: the
 * source resolves what backs each page now, then, under ctx->notifier_lock,
 * gpumem_region_commit_locked() issues MAP in extents: runs of consecutive
 * frames with the same flags, cut at 2 MiB GFN boundaries so that an
 * aligned 2 MiB run is one 512-frame extent the hypervisor can map as a
 * superpage.
 *
 * Revoke.  gpumem_region_revoke_locked() revokes exactly the mapped pages
 * of a range, one extent per run of mapped pages, from extents
 * preallocated per context, and returns only once the hypervisor has
 * removed them: sources call it from invalidate and move_notify callbacks.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/bitmap.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include <uapi/xen/gpumem.h>

#include "gpumem-priv.h"

#include "gpumem_trace.h"

/* Revokes of @ctx's frontend, from the context's preallocated extents. */
static struct gpumem_revoke_batch gpumem_region_revoke_batch(struct gpumem_ctx *ctx)
{
	lockdep_assert_held(&ctx->notifier_lock);
	return (struct gpumem_revoke_batch){
		.hv = ctx->gdev->hv, .domid = ctx->domid,
		.instance = ctx->hvq.instance,
		.ext = ctx->revoke_ext, .cap = ctx->gdev->limits.max_extents,
		.max_extents = ctx->max_extents,
		.max_extent_frames = ctx->max_extent_frames,
		/* Its domid may name another domain now: never revoke there. */
		.gone = ctx->frontend_gone,
	};
}

/**
 * gpumem_region_revoke_locked() - revoke the mapped pages of a range
 * @r: the region.
 * @first: first page index.
 * @nr: number of pages.
 * @event: why, for the tracepoint: an mmu_notifier_event or GPUMEM_REVOKE_*.
 *
 * Never sleeps on anything but the hypervisor and never allocates: called
 * from invalidate and move_notify callbacks.
 */
void gpumem_region_revoke_locked(struct gpumem_region *r, u64 first, u64 nr,
				 int event)
{
	struct gpumem_ctx *ctx = r->ctx;
	struct gpumem_revoke_batch b = gpumem_region_revoke_batch(ctx);

	gpumem_hv_revoke_bitmap(&b, r->mapped, r->gfns.start, first, nr);
	if (b.gone)
		WRITE_ONCE(ctx->frontend_gone, true);
	if (!b.extents)
		return;
	bitmap_clear(r->mapped, first, nr);
	trace_gpumem_revoke(ctx->domid, r->gfns.start + first, b.pages,
			    b.extents, event);
}

/**
 * gpumem_region_set_mapped_locked() - pages the frontend now maps
 * @r: the region.
 * @first: first page index.
 * @nr: number of pages.
 *
 * For a source whose hypercall lent the pages itself (STEAL leaves lent
 * entries behind): they are revoked like any other from now on.
 */
void gpumem_region_set_mapped_locked(struct gpumem_region *r, u64 first,
				     u64 nr)
{
	lockdep_assert_held(&r->ctx->notifier_lock);
	bitmap_set(r->mapped, first, nr);
}

/**
 * gpumem_region_clear_mapped_locked() - pages the frontend no longer maps
 * @r: the region.
 * @first: first page index.
 * @nr: number of pages.
 *
 * For a source whose hypercall took the lent entries back itself (RETURN).
 */
void gpumem_region_clear_mapped_locked(struct gpumem_region *r, u64 first,
				       u64 nr)
{
	lockdep_assert_held(&r->ctx->notifier_lock);
	bitmap_clear(r->mapped, first, nr);
}

/**
 * gpumem_map_extents() - MAP extents for the unmapped pages of a range
 * @r: the region.
 * @first: first page index.
 * @n: number of pages.
 * @f: what backs each page.
 * @ext: out: up to @n extents.
 *
 * Return: the number of extents.
 */
VISIBLE_IF_KUNIT unsigned int
gpumem_map_extents(const struct gpumem_region *r, u64 first, u64 n,
		   const struct gpumem_frame *f,
		   struct xen_dm_op_gpumem_extent *ext)
{
	u32 ro = r->flags & GPUMEM_MAP_RO ? XEN_GPUMEM_EXT_RO : 0;
	struct xen_dm_op_gpumem_extent *cur = NULL;
	unsigned int nr_ext = 0;
	u64 i;

	lockdep_assert_held(&r->ctx->notifier_lock);
	for (i = 0; i < n; i++) {
		u64 gfn = r->gfns.start + first + i;
		u32 flags = f[i].flags | ro;

		if (test_bit(first + i, r->mapped)) {
			cur = NULL;
			continue;
		}
		if (cur && cur->frame + cur->nr_frames == f[i].frame &&
		    cur->flags == flags &&
		    cur->nr_frames < r->ctx->max_extent_frames &&
		    gfn % XEN_GPUMEM_MAX_EXTENT_FRAMES) {
			cur->nr_frames++;
			continue;
		}
		cur = &ext[nr_ext++];
		*cur = (struct xen_dm_op_gpumem_extent){
			.frame = f[i].frame, .gfn = gfn, .nr_frames = 1,
			.flags = flags,
		};
	}
	return nr_ext;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_map_extents);

/**
 * gpumem_region_commit_locked() - map what resolved frames back, and track it
 * @r: the region.
 * @first: first page index.
 * @n: number of pages.
 * @frames: what backs each page, current under the caller's protocol.
 * @ext: room for @n extents.
 *
 * MAP in extents of the pages not mapped yet; on success their bits are
 * set; on failure what this call mapped is revoked again.
 *
 * Return: 0, -ESRCH (frontend gone) or the hypercall's error.
 */
int gpumem_region_commit_locked(struct gpumem_region *r, u64 first, u64 n,
				const struct gpumem_frame *frames,
				struct xen_dm_op_gpumem_extent *ext)
{
	struct gpumem_ctx *ctx = r->ctx;
	unsigned int nr_ext, done = 0, i;
	int rc = -ESRCH;

	lockdep_assert_held(&ctx->notifier_lock);
	nr_ext = gpumem_map_extents(r, first, n, frames, ext);
	if (!ctx->frontend_gone)
		rc = gpumem_hv_batch(ctx->gdev->hv, ctx->domid,
				     ctx->hvq.instance, XEN_DMOP_gpumem_map,
				     ext, nr_ext, ctx->max_extents, &done);
	if (rc == -ESRCH) {
		WRITE_ONCE(ctx->frontend_gone, true);
	} else if (rc) {
		struct gpumem_revoke_batch b = gpumem_region_revoke_batch(ctx);

		/* Take back what this call mapped; earlier mappings stay. */
		for (i = 0; i < done; i++) {
			ext[i].frame = 0;
			ext[i].flags = 0;
		}
		b.ext = ext;
		gpumem_hv_revoke_batch_flush(&b, done);
		if (b.gone)
			WRITE_ONCE(ctx->frontend_gone, true);
	} else {
		for (i = 0; i < nr_ext; i++)
			bitmap_set(r->mapped, ext[i].gfn - r->gfns.start,
				   ext[i].nr_frames);
	}
	trace_gpumem_map(ctx->domid, r->gfns.start + first, n, nr_ext, rc);
	return rc;
}

/**
 * gpumem_region_commit() - gpumem_region_commit_locked() under the lock
 * @r: the region.
 * @first: first page index.
 * @n: number of pages.
 * @buf: @buf->frames resolved by the source; @buf->ext is room for extents.
 *
 * For sources whose frames cannot go stale while their fill holds what
 * fill_begin took (a dmabuf's reservation, a steal's slots).
 *
 * Return: as gpumem_region_commit_locked().
 */
int gpumem_region_commit(struct gpumem_region *r, u64 first, u64 n,
			 struct gpumem_fill_buf *buf)
{
	int rc;

	mutex_lock(&r->ctx->notifier_lock);
	rc = gpumem_region_commit_locked(r, first, n, buf->frames, buf->ext);
	mutex_unlock(&r->ctx->notifier_lock);
	return rc;
}

/* Map the unmapped pages of [first, first + nr) as they are backed now. */
static int gpumem_region_fill_buf(struct gpumem_region *r, u64 first, u64 nr,
				  struct gpumem_fill_buf *buf)
{
	const struct gpumem_region_ops *ops = r->ops;
	u64 pos, n;
	int rc;

	lockdep_assert_held(&r->ctx->lock);
	rc = ops->fill_begin ? ops->fill_begin(r) : 0;
	if (rc)
		return rc;
	for (pos = first; !rc && pos < first + nr; pos += n) {
		n = min_t(u64, first + nr - pos, GPUMEM_FILL_CHUNK);
		rc = ops->fill(r, pos, n, buf);
		/* A 4 GiB region is 256 chunks: let others run between. */
		cond_resched();
	}
	if (ops->fill_end)
		ops->fill_end(r);
	return rc;
}

/**
 * gpumem_fill_buf_alloc() - room for chunks of up to @n pages
 * @buf: the buffer.
 * @n: pages, at most GPUMEM_FILL_CHUNK are used.
 *
 * Return: 0 or -ENOMEM (nothing allocated then).
 */
int gpumem_fill_buf_alloc(struct gpumem_fill_buf *buf, u64 n)
{
	n = min_t(u64, n, GPUMEM_FILL_CHUNK);
	buf->frames = kvmalloc_array(n, sizeof(*buf->frames), GFP_KERNEL);
	buf->scratch = kvmalloc_array(n, sizeof(*buf->scratch), GFP_KERNEL);
	buf->ext = kvmalloc_array(n, sizeof(*buf->ext), GFP_KERNEL);
	if (buf->frames && buf->scratch && buf->ext)
		return 0;
	gpumem_fill_buf_free(buf);
	return -ENOMEM;
}

/**
 * gpumem_fill_buf_free() - free what gpumem_fill_buf_alloc() allocated
 * @buf: the buffer.
 */
void gpumem_fill_buf_free(struct gpumem_fill_buf *buf)
{
	kvfree(buf->ext);
	kvfree(buf->scratch);
	kvfree(buf->frames);
	*buf = (struct gpumem_fill_buf){};
}

static int gpumem_region_fill(struct gpumem_region *r, u64 first, u64 nr)
{
	struct gpumem_fill_buf buf;
	int rc;

	rc = gpumem_fill_buf_alloc(&buf, nr);
	if (rc)
		return rc;
	rc = gpumem_region_fill_buf(r, first, nr, &buf);
	gpumem_fill_buf_free(&buf);
	return rc;
}

/*
 * Narrow [*lo, *hi] (page indexes of @r, around @idx) to the run of pages
 * not mapped that contains @idx: map-ahead resolves only what is empty, and
 * a fault on one revoked page of a mapped region costs one page.  What is
 * mapped may change once the lock is dropped; the fill maps only the pages
 * still empty then, and a page revoked since faults again.
 */
static void gpumem_region_empty_run(struct gpumem_region *r, u64 idx,
				    u64 *lo, u64 *hi)
{
	unsigned long next, prev;

	mutex_lock(&r->ctx->notifier_lock);
	if (test_bit(idx, r->mapped)) {
		*lo = idx;
		*hi = idx;
	} else {
		next = find_next_bit(r->mapped, *hi + 1, idx);
		*hi = next - 1;
		prev = idx ? find_last_bit(r->mapped, idx) : idx;
		if (prev < idx && prev >= *lo)
			*lo = prev + 1;
	}
	mutex_unlock(&r->ctx->notifier_lock);
}

/**
 * gpumem_region_fault_fill() - map what backs a faulting GFN, and around it
 * @ctx: a bound context.
 * @gfn: the GFN the frontend faulted on.
 * @first: first GFN of the window to map with it; must contain @gfn.
 * @nr: GFNs in the window.
 * @buf: room for chunks of GPUMEM_FILL_CHUNK pages.
 * @region: out: the id of the region covering @gfn, or
 *          GPUMEM_FAULT_NO_REGION.
 *
 * Maps the run of unmapped pages around @gfn within the window and the
 * region that covers @gfn; if that fails, only @gfn, so that the answer is
 * the page's own.
 *
 * Return: 0 (@gfn is mapped); -ENOENT (no region covers it), -ESRCH, or
 * what gpumem_region_populate() answers for @gfn.
 */
int gpumem_region_fault_fill(struct gpumem_ctx *ctx, u64 gfn, u64 first,
			     u64 nr, struct gpumem_fill_buf *buf, u64 *region)
{
	struct interval_tree_node *it;
	struct gpumem_region *r;
	u64 lo, hi;
	int rc;

	*region = GPUMEM_FAULT_NO_REGION;
	if (READ_ONCE(ctx->frontend_gone))
		return -ESRCH;
	mutex_lock(&ctx->lock);
	it = interval_tree_iter_first(&ctx->regions, gfn, gfn);
	if (!it) {
		rc = -ENOENT;
		goto out;
	}
	r = container_of(it, struct gpumem_region, gfns);
	*region = r->id;
	lo = max_t(u64, first, it->start) - it->start;
	hi = min_t(u64, first + nr - 1, it->last) - it->start;
	gpumem_region_empty_run(r, gfn - it->start, &lo, &hi);
	rc = gpumem_region_fill_buf(r, lo, hi - lo + 1, buf);
	if (rc && rc != -ESRCH && hi > lo)
		rc = gpumem_region_fill_buf(r, gfn - it->start, 1, buf);
out:
	mutex_unlock(&ctx->lock);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_region_fault_fill);

/**
 * gpumem_region_at() - the region covering a GFN
 * @ctx: the context.
 * @gfn: the GFN.
 *
 * Return: its id, or GPUMEM_FAULT_NO_REGION.
 */
u64 gpumem_region_at(struct gpumem_ctx *ctx, u64 gfn)
{
	struct interval_tree_node *it;
	u64 id = GPUMEM_FAULT_NO_REGION;

	mutex_lock(&ctx->lock);
	it = interval_tree_iter_first(&ctx->regions, gfn, gfn);
	if (it)
		id = container_of(it, struct gpumem_region, gfns)->id;
	mutex_unlock(&ctx->lock);
	return id;
}

/**
 * gpumem_region_unlink_locked() - take a region out of its context
 * @ctx: the context.
 * @r: a region linked by gpumem_region_link_locked().
 */
void gpumem_region_unlink_locked(struct gpumem_ctx *ctx,
				 struct gpumem_region *r)
{
	lockdep_assert_held(&ctx->lock);
	interval_tree_remove(&r->gfns, &ctx->regions);
	xa_erase(&ctx->region_ids, r->id);
	if (r->kind == GPUMEM_REGION_STOLEN)
		ctx->nr_stolen -= r->nr_pages;
	else
		ctx->nr_pages -= r->nr_pages;
	ctx->nr_pinned -= r->nr_pinned;
	ctx->nr_regions--;
}

/* Revoke everything and stop the source; @r must be unlinked. */
static void gpumem_region_free(struct gpumem_region *r)
{
	r->ops->release(r);
	gpumem_region_abort(r);
}

/* The context's page limit for regions of @kind. */
static u64 gpumem_region_limit(const struct gpumem_ctx *ctx,
			       enum gpumem_region_kind kind)
{
	const struct gpumem_limits *lim = &ctx->gdev->limits;

	return kind == GPUMEM_REGION_STOLEN ? lim->max_stolen_pages :
					      lim->max_pages;
}

/**
 * gpumem_region_alloc() - a region with no source yet
 * @ctx: the context.
 * @kind: where its frames will come from.
 * @ops: its source's operations.
 * @nr_pages: pages, 1 .. U32_MAX.
 * @gfn: first frontend GFN.
 * @flags: GPUMEM_MAP_*.
 *
 * Return: the region, ERR_PTR(-E2BIG) beyond the context's page limit for
 * @kind or ERR_PTR(-ESRCH) once the frontend is gone (cheap refusals before
 * allocating; exact checks are in gpumem_region_link_locked()), or
 * ERR_PTR(-ENOMEM).
 */
struct gpumem_region *gpumem_region_alloc(struct gpumem_ctx *ctx,
					  enum gpumem_region_kind kind,
					  const struct gpumem_region_ops *ops,
					  u64 nr_pages, u64 gfn, u32 flags)
{
	struct gpumem_region *r;

	if (nr_pages > gpumem_region_limit(ctx, kind))
		return ERR_PTR(-E2BIG);
	if (READ_ONCE(ctx->frontend_gone))
		return ERR_PTR(-ESRCH);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->mapped = kvcalloc(BITS_TO_LONGS(nr_pages), sizeof(long), GFP_KERNEL);
	if (!r->mapped) {
		kfree(r);
		return ERR_PTR(-ENOMEM);
	}
	r->ctx = ctx;
	r->kind = kind;
	r->ops = ops;
	r->nr_pages = nr_pages;
	r->flags = flags;
	r->gfns.start = gfn;
	r->gfns.last = gfn + nr_pages - 1;
	return r;
}

/**
 * gpumem_region_abort() - free a region whose source is not set up
 * @r: the region, never linked, or unlinked and released.
 */
void gpumem_region_abort(struct gpumem_region *r)
{
	kvfree(r->mapped);
	kfree(r);
}

/**
 * gpumem_region_link_locked() - give a region its GFNs in the context
 * @r: the region, not linked yet.
 *
 * Checks the context's limits and GFN overlaps and gives the region an id.
 *
 * Return: 0; -E2BIG (max_regions, the page limit of its kind,
 * max_pinned_pages), -EEXIST (GFNs overlap a region) or -ENOMEM.
 */
int gpumem_region_link_locked(struct gpumem_region *r)
{
	struct gpumem_ctx *ctx = r->ctx;
	bool stolen = r->kind == GPUMEM_REGION_STOLEN;
	u64 used = stolen ? ctx->nr_stolen : ctx->nr_pages;
	int rc;

	lockdep_assert_held(&ctx->lock);
	if (ctx->nr_regions >= ctx->gdev->limits.max_regions ||
	    r->nr_pages > gpumem_region_limit(ctx, r->kind) - used ||
	    r->nr_pinned > ctx->gdev->limits.max_pinned_pages - ctx->nr_pinned)
		return -E2BIG;
	if (interval_tree_iter_first(&ctx->regions, r->gfns.start,
				     r->gfns.last))
		return -EEXIST;
	/* Cyclic: an id given out is not soon given to another region. */
	rc = xa_alloc_cyclic(&ctx->region_ids, &r->id, r, xa_limit_32b,
			     &ctx->next_region_id, GFP_KERNEL);
	if (rc < 0)
		return rc;
	interval_tree_insert(&r->gfns, &ctx->regions);
	if (stolen)
		ctx->nr_stolen += r->nr_pages;
	else
		ctx->nr_pages += r->nr_pages;
	ctx->nr_pinned += r->nr_pinned;
	ctx->nr_regions++;
	return 0;
}

/**
 * gpumem_region_publish() - make a region with its source set up live
 * @r: the region.
 * @id: out: its id.
 *
 * Links the region and, unless GPUMEM_MAP_LAZY, maps every page.  On any
 * error nothing remains mapped and @r, source included, is freed.
 *
 * Return: 0; as gpumem_region_link_locked(), or an error of the map.
 */
int gpumem_region_publish(struct gpumem_region *r, u32 *id)
{
	struct gpumem_ctx *ctx = r->ctx;
	int rc;

	mutex_lock(&ctx->lock);
	rc = gpumem_region_link_locked(r);
	if (rc)
		goto err_unlock;
	if (!(r->flags & GPUMEM_MAP_LAZY)) {
		rc = gpumem_region_fill(r, 0, r->nr_pages);
		if (rc) {
			gpumem_region_unlink_locked(ctx, r);
			goto err_unlock;
		}
	}
	*id = r->id;
	mutex_unlock(&ctx->lock);
	return 0;

err_unlock:
	mutex_unlock(&ctx->lock);
	gpumem_region_free(r);
	return rc;
}

/*
 * Apply @fn to the part of each region that [@gfn, @gfn + @nr_pages) covers,
 * in GFN order, stopping at the first error.  Every GFN must be in a region.
 */
static int gpumem_regions_apply(struct gpumem_ctx *ctx, u64 gfn, u64 nr_pages,
				int (*fn)(struct gpumem_region *r, u64 first,
					  u64 nr))
{
	u64 last = gfn + nr_pages - 1, next = gfn;
	struct interval_tree_node *it;
	int rc = 0;

	lockdep_assert_held(&ctx->lock);
	/* Regions do not overlap and come in GFN order: look for a gap. */
	for (it = interval_tree_iter_first(&ctx->regions, gfn, last);
	     it && it->start <= next && next <= last;
	     it = interval_tree_iter_next(it, gfn, last))
		next = (u64)it->last + 1;
	if (next <= last)
		return -ENOENT;
	for (it = interval_tree_iter_first(&ctx->regions, gfn, last);
	     it && !rc; it = interval_tree_iter_next(it, gfn, last)) {
		struct gpumem_region *r = container_of(it, struct gpumem_region,
						       gfns);
		u64 first = max_t(u64, gfn, it->start) - it->start;

		rc = fn(r, first,
			min(last, (u64)it->last) - it->start + 1 - first);
	}
	return rc;
}

/**
 * gpumem_region_populate() - map what backs frontend GFNs now
 * @ctx: a bound context.
 * @gfn: first GFN.
 * @nr_pages: number of GFNs, at least 1.
 *
 * Every GFN must be in a region; GFNs already mapped are left alone.  On an
 * error after some pages were mapped, those stay mapped and tracked.
 *
 * Return: 0; -ENOENT (a GFN in no region), or what the source's fill
 * answers (as gpumem_va_region_create() and gpumem_dmabuf_region_create()).
 */
int gpumem_region_populate(struct gpumem_ctx *ctx, u64 gfn, u64 nr_pages)
{
	int rc;

	/* Only ever goes from false to true: a stale false is caught later. */
	if (READ_ONCE(ctx->frontend_gone))
		return -ESRCH;
	mutex_lock(&ctx->lock);
	rc = gpumem_regions_apply(ctx, gfn, nr_pages, gpumem_region_fill);
	trace_gpumem_populate(ctx->domid, gfn, nr_pages, rc);
	mutex_unlock(&ctx->lock);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_region_populate);

static int gpumem_region_revoke_part(struct gpumem_region *r, u64 first,
				     u64 nr)
{
	mutex_lock(&r->ctx->notifier_lock);
	gpumem_region_revoke_locked(r, first, nr, GPUMEM_REVOKE_IOCTL);
	mutex_unlock(&r->ctx->notifier_lock);
	return 0;
}

/**
 * gpumem_region_revoke() - revoke frontend GFNs and keep their regions
 * @ctx: a bound context.
 * @gfn: first GFN.
 * @nr_pages: number of GFNs, at least 1.
 *
 * Every GFN must be in a region; the mapped ones are revoked, and
 * gpumem_region_populate() maps them again.
 *
 * Return: 0, -ENOENT (a GFN in no region) or -ESRCH (frontend gone).
 */
int gpumem_region_revoke(struct gpumem_ctx *ctx, u64 gfn, u64 nr_pages)
{
	int rc;

	mutex_lock(&ctx->lock);
	rc = gpumem_regions_apply(ctx, gfn, nr_pages,
				  gpumem_region_revoke_part);
	mutex_unlock(&ctx->lock);
	return rc ? rc : READ_ONCE(ctx->frontend_gone) ? -ESRCH : 0;
}

/**
 * gpumem_region_unmap() - revoke a region and free it
 * @ctx: the context.
 * @id: the region's id.
 *
 * Return: 0, -ENOENT, or -EINVAL for a region of stolen pages (those go
 * with GPUMEM_IOCTL_RETURN).
 */
int gpumem_region_unmap(struct gpumem_ctx *ctx, u32 id)
{
	struct gpumem_region *r;
	int rc = 0;

	mutex_lock(&ctx->lock);
	r = xa_load(&ctx->region_ids, id);
	if (!r)
		rc = -ENOENT;
	else if (r->kind == GPUMEM_REGION_STOLEN)
		rc = -EINVAL;
	else
		gpumem_region_unlink_locked(ctx, r);
	mutex_unlock(&ctx->lock);
	if (rc)
		return rc;
	gpumem_region_free(r);
	return 0;
}

/**
 * gpumem_regions_destroy() - revoke and free every region of a context
 * @ctx: the context, being released.
 */
void gpumem_regions_destroy(struct gpumem_ctx *ctx)
{
	struct gpumem_region *r;
	unsigned long id;

	xa_for_each(&ctx->region_ids, id, r) {
		mutex_lock(&ctx->lock);
		gpumem_region_unlink_locked(ctx, r);
		mutex_unlock(&ctx->lock);
		gpumem_region_free(r);
	}
}
