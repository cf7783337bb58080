// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hvsim: the simulated hypervisor.
 *
 * It models what the gpumem dm_ops touch in Xen: domains with a p2m, the
 * ownership and references of machine frames, page counts and limits, and
 * the backend's MMIO permissions.  Machine frames are Linux PFNs: frontend
 * RAM is made of real pages the simulator allocates, so data written by the
 * "frontend" can be read by the backend after a STEAL and the other way
 * round; backend RAM is any online Linux page, named by its PFN
 * as a PVH dom0 names its own GFNs.
 *
 * Locking: sim->lock is the hypervisor's lock.  It is a leaf spinlock: every
 * simulated hypercall and every state accessor takes it, nothing else is
 * taken under it but the xarrays' internal locks, and nothing under it sleeps.
 * Allocations under it are GFP_ATOMIC and only on the MAP and STEAL paths;
 * REVOKE never allocates, as the contract requires of a hypercall issued from
 * an mmu notifier.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": hvsim: " fmt

#include <linux/bits.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <kunit/visibility.h>

#include <uapi/xen/gpumem.h>

#include "gpumem.h"
#include "hvsim.h"

#define HVSIM_NR_OPS		(XEN_DMOP_gpumem_last - XEN_DMOP_gpumem_first + 1)
#define HVSIM_ALL_OPS		(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_last + 1) - 1)
#define HVSIM_MAX_IOMEM		8
/* Largest simulated frontend physmap: 16 GiB of GFNs. */
#define HVSIM_MAX_GFNS		BIT_ULL(22)

/* A page the simulator owns: frontend RAM, possibly stolen since. */
struct hvsim_frame {
	struct page *page;
	domid_t owner;
	domid_t stolen_from;
	unsigned int lent;
	unsigned int uses[HVSIM_NR_USES];
};

struct hvsim_domain {
	domid_t domid;
	u64 instance;
	u64 nr_gfns;
	u64 tot_pages;
	u64 max_pages;
	struct hvsim_entry *p2m;
};

struct hvsim_range {
	u64 first;
	u64 nr;
};

struct hvsim {
	struct gpumem_hv hv;
	spinlock_t lock;	/* the hypervisor lock: all state below */
	u32 ops;
	u32 max_extent_frames;
	/* doms[0] is the backend; it has no p2m array of its own. */
	struct hvsim_domain *doms[HVSIM_MAX_DOMAINS];
	struct xarray frames;		/* PFN -> struct hvsim_frame */
	struct xarray backend_lent;	/* backend RAM PFN -> lent count */
	struct xarray landing;		/* backend GFN -> stolen PFN */
	struct xarray slots;		/* landing slots given out */
	u64 nr_slots;
	u64 instances;			/* domains created so far */
	struct hvsim_range iomem[HVSIM_MAX_IOMEM];
	unsigned int nr_iomem;
	struct hvsim_op_stats stats[HVSIM_NR_OPS];
	u64 faults;
	struct dentry *debugfs;
	u16 mem_domid;			/* the frontend debugfs "mem" shows */
#ifdef CONFIG_FAULT_INJECTION
	struct fault_attr fail;		/* hypercalls that fail (tests) */
#endif
};

/*
 * Fault injection: a hypercall that fails with -ENOMEM before it looks at
 * anything, as Xen's does when it cannot allocate.  Only a task's fail-nth
 * counter triggers it (probability 0), so the KUnit suites can make each
 * hypercall of an operation fail in turn, as they do each allocation.
 */
static bool hvsim_should_fail(struct hvsim *sim)
{
#ifdef CONFIG_FAULT_INJECTION
	return should_fail(&sim->fail, 1);
#else
	return false;
#endif
}

static struct hvsim_domain *hvsim_dom(struct hvsim *sim, domid_t domid)
{
	unsigned int i;

	lockdep_assert_held(&sim->lock);
	for (i = 1; i < HVSIM_MAX_DOMAINS; i++)
		if (sim->doms[i] && sim->doms[i]->domid == domid)
			return sim->doms[i];
	return NULL;
}

/* Xen's rcu_lock_remote_domain_by_id(): the caller itself is refused. */
static int hvsim_target(struct hvsim *sim, domid_t domid,
			struct hvsim_domain **d)
{
	if (domid == HVSIM_BACKEND_DOMID)
		return -EPERM;
	*d = hvsim_dom(sim, domid);
	return *d ? 0 : -ESRCH;
}

static struct hvsim_frame *hvsim_frame(struct hvsim *sim, u64 pfn)
{
	lockdep_assert_held(&sim->lock);
	return xa_load(&sim->frames, pfn);
}

/*
 * Backend RAM by identity: any online page, as Xen counts every page of
 * dom0's memory map, reserved kernel pages (the zero page) included.
 */
static bool hvsim_pfn_is_ram(u64 pfn)
{
	return pfn <= ULONG_MAX && pfn_to_online_page(pfn);
}

/* Translate a backend GFN to the RAM frame behind it (the backend's p2m). */
static int hvsim_backend_ram(struct hvsim *sim, u64 gfn, u64 *mfn)
{
	void *slot = xa_load(&sim->landing, gfn);

	lockdep_assert_held(&sim->lock);
	if (slot) {
		*mfn = xa_to_value(slot);
		return 0;
	}
	/*
	 * A simulator page is only in the backend's physmap at a landing GFN;
	 * an empty landing slot is unpopulated.
	 */
	if (hvsim_frame(sim, gfn) || xa_load(&sim->slots, gfn) ||
	    !hvsim_pfn_is_ram(gfn))
		return -EPERM;
	*mfn = gfn;
	return 0;
}

static bool hvsim_iomem_permitted(struct hvsim *sim, u64 mfn)
{
	unsigned int i;

	for (i = 0; i < sim->nr_iomem; i++)
		if (mfn - sim->iomem[i].first < sim->iomem[i].nr)
			return true;
	return false;
}

/* MAP's page reference on a RAM frame. */
static int hvsim_lent_get(struct hvsim *sim, u64 mfn)
{
	struct hvsim_frame *f = hvsim_frame(sim, mfn);
	void *cur;

	if (f) {
		f->lent++;
		return 0;
	}
	cur = xa_load(&sim->backend_lent, mfn);
	return xa_err(xa_store(&sim->backend_lent, mfn,
			       xa_mk_value((cur ? xa_to_value(cur) : 0) + 1),
			       GFP_ATOMIC));
}

/* Drop it; never allocates (a store over a present entry reuses its slot). */
static void hvsim_lent_put(struct hvsim *sim, u64 mfn)
{
	struct hvsim_frame *f = hvsim_frame(sim, mfn);
	unsigned long n;
	void *cur;

	if (f) {
		if (!WARN_ON(!f->lent))
			f->lent--;
		return;
	}
	cur = xa_load(&sim->backend_lent, mfn);
	if (WARN_ON(!cur))
		return;
	n = xa_to_value(cur);
	if (n == 1)
		xa_erase(&sim->backend_lent, mfn);
	else
		xa_store(&sim->backend_lent, mfn, xa_mk_value(n - 1), GFP_NOWAIT);
}

/* Remove lent entries at [gfn, gfn + nr); others are left alone. */
static void hvsim_unlend(struct hvsim *sim, struct hvsim_domain *d, u64 gfn,
			 u64 nr)
{
	u64 i;

	for (i = gfn; i < gfn + nr; i++) {
		struct hvsim_entry *e = &d->p2m[i];

		if (e->type != HVSIM_P2M_LENT)
			continue;
		if (!(e->flags & XEN_GPUMEM_EXT_MMIO))
			hvsim_lent_put(sim, e->frame);
		*e = (struct hvsim_entry){ .type = HVSIM_P2M_HOLE };
	}
}

static int hvsim_check_extent(struct hvsim *sim, struct hvsim_domain *d,
			      unsigned int op,
			      const struct xen_dm_op_gpumem_extent *e)
{
	u64 end;

	if (e->pad || !e->nr_frames || e->nr_frames > sim->max_extent_frames)
		return -EINVAL;
	if (check_add_overflow(e->gfn, (u64)e->nr_frames, &end) ||
	    end > d->nr_gfns)
		return -EINVAL;
	if (check_add_overflow(e->frame, (u64)e->nr_frames, &end))
		return -EINVAL;
	if (op != XEN_DMOP_gpumem_map)
		return e->flags ? -EINVAL : 0;
	if (e->flags & ~XEN_GPUMEM_EXT_MAP_FLAGS)
		return -EINVAL;
	if ((e->flags & XEN_GPUMEM_EXT_CACHE_MASK) >> XEN_GPUMEM_EXT_CACHE_SHIFT >
	    XEN_GPUMEM_CACHE_UC)
		return -EINVAL;
	/* Cacheable MMIO is never lent (XSA-154's class of bug). */
	if ((e->flags & XEN_GPUMEM_EXT_MMIO) &&
	    !(e->flags & XEN_GPUMEM_EXT_CACHE_MASK))
		return -EOPNOTSUPP;
	return 0;
}

static int hvsim_map(struct hvsim *sim, struct hvsim_domain *d,
		     const struct xen_dm_op_gpumem_extent *e)
{
	bool mmio = e->flags & XEN_GPUMEM_EXT_MMIO;
	u64 i, mfn;
	int rc = 0;

	for (i = 0; i < e->nr_frames; i++) {
		struct hvsim_entry *pe = &d->p2m[e->gfn + i];

		if (pe->type != HVSIM_P2M_HOLE) {
			rc = -EEXIST;
			break;
		}
		if (mmio) {
			mfn = e->frame + i;
			if (hvsim_pfn_is_ram(mfn))
				rc = -EINVAL;
			else if (!hvsim_iomem_permitted(sim, mfn))
				rc = -EPERM;
		} else {
			rc = hvsim_backend_ram(sim, e->frame + i, &mfn);
			if (!rc)
				rc = hvsim_lent_get(sim, mfn);
		}
		if (rc)
			break;
		*pe = (struct hvsim_entry){
			.frame = mfn, .type = HVSIM_P2M_LENT, .flags = e->flags,
		};
	}
	if (rc)
		hvsim_unlend(sim, d, e->gfn, i);
	return rc;
}

static int hvsim_revoke(struct hvsim *sim, struct hvsim_domain *d,
			const struct xen_dm_op_gpumem_extent *e)
{
	u64 i;

	if (e->frame)
		return -EINVAL;
	for (i = e->gfn; i < e->gfn + e->nr_frames; i++)
		if (d->p2m[i].type != HVSIM_P2M_HOLE &&
		    d->p2m[i].type != HVSIM_P2M_LENT)
			return -EPERM;
	hvsim_unlend(sim, d, e->gfn, e->nr_frames);
	return 0;
}

/* Why a frontend GFN cannot be stolen, or 0. */
static int hvsim_steal_refusal(struct hvsim *sim, struct hvsim_domain *d,
			       const struct hvsim_entry *pe)
{
	struct hvsim_frame *f;

	switch (pe->type) {
	case HVSIM_P2M_RAM:
		break;
	case HVSIM_P2M_MMIO:
		return -ENXIO;
	case HVSIM_P2M_GRANT_MAP:
	case HVSIM_P2M_FOREIGN:
	case HVSIM_P2M_LENT:
		return -EXDEV;
	default:
		return -ENOENT;
	}
	f = hvsim_frame(sim, pe->frame);
	if (!f || f->owner != d->domid)
		return -ENOENT;
	if (f->uses[HVSIM_USE_GRANT])
		return -EACCES;
	if (f->uses[HVSIM_USE_FOREIGN])
		return -EMLINK;
	if (f->uses[HVSIM_USE_HYPERCALL] || f->lent)
		return -EBUSY;
	return 0;
}

/* Unpopulated: a slot hvsim_hv_slots_alloc() gave out, or no RAM at all. */
static bool hvsim_backend_gfn_free(struct hvsim *sim, u64 gfn)
{
	return !xa_load(&sim->landing, gfn) &&
	       (xa_load(&sim->slots, gfn) || !hvsim_pfn_is_ram(gfn));
}

static int hvsim_steal(struct hvsim *sim, struct hvsim_domain *d,
		       const struct xen_dm_op_gpumem_extent *e)
{
	struct hvsim_domain *be = sim->doms[0];
	u64 i;
	int rc;

	for (i = 0; i < e->nr_frames; i++) {
		rc = hvsim_steal_refusal(sim, d, &d->p2m[e->gfn + i]);
		if (rc)
			return rc;
		if (!hvsim_backend_gfn_free(sim, e->frame + i))
			return -EEXIST;
	}
	if (be->tot_pages + e->nr_frames > be->max_pages)
		return -ENOSPC;

	for (i = 0; i < e->nr_frames; i++) {
		rc = xa_insert(&sim->landing, e->frame + i,
			       xa_mk_value(d->p2m[e->gfn + i].frame), GFP_ATOMIC);
		if (rc) {
			while (i--)
				xa_erase(&sim->landing, e->frame + i);
			return rc;
		}
	}
	for (i = 0; i < e->nr_frames; i++) {
		struct hvsim_entry *pe = &d->p2m[e->gfn + i];
		struct hvsim_frame *f = hvsim_frame(sim, pe->frame);

		f->owner = HVSIM_BACKEND_DOMID;
		f->stolen_from = d->domid;
		f->lent = 1;
		pe->type = HVSIM_P2M_LENT;
		pe->flags = 0;
	}
	d->tot_pages -= e->nr_frames;
	be->tot_pages += e->nr_frames;
	return 0;
}

static int hvsim_return_refusal(struct hvsim *sim, struct hvsim_domain *d,
				u64 landing_gfn, const struct hvsim_entry *pe)
{
	void *slot = xa_load(&sim->landing, landing_gfn);
	struct hvsim_frame *f;
	bool lent_here;

	if (!slot)
		return -EPERM;
	f = hvsim_frame(sim, xa_to_value(slot));
	if (WARN_ON(!f) || f->stolen_from != d->domid)
		return -EPERM;
	lent_here = pe->type == HVSIM_P2M_LENT && pe->frame == xa_to_value(slot);
	if (pe->type != HVSIM_P2M_HOLE && !lent_here)
		return -EEXIST;
	if (f->lent != lent_here || f->uses[HVSIM_USE_GRANT] ||
	    f->uses[HVSIM_USE_FOREIGN] || f->uses[HVSIM_USE_HYPERCALL])
		return -EBUSY;
	return 0;
}

static int hvsim_return(struct hvsim *sim, struct hvsim_domain *d,
			const struct xen_dm_op_gpumem_extent *e)
{
	struct hvsim_domain *be = sim->doms[0];
	u64 i;
	int rc;

	for (i = 0; i < e->nr_frames; i++) {
		rc = hvsim_return_refusal(sim, d, e->frame + i,
					  &d->p2m[e->gfn + i]);
		if (rc)
			return rc;
	}
	if (d->tot_pages + e->nr_frames > d->max_pages)
		return -ENOSPC;

	for (i = 0; i < e->nr_frames; i++) {
		u64 mfn = xa_to_value(xa_erase(&sim->landing, e->frame + i));
		struct hvsim_frame *f = hvsim_frame(sim, mfn);

		f->owner = d->domid;
		f->stolen_from = DOMID_INVALID;
		f->lent = 0;
		d->p2m[e->gfn + i] = (struct hvsim_entry){
			.frame = mfn, .type = HVSIM_P2M_RAM,
		};
	}
	d->tot_pages += e->nr_frames;
	be->tot_pages -= e->nr_frames;
	return 0;
}

static int hvsim_apply(struct hvsim *sim, struct hvsim_domain *d,
		       unsigned int op, const struct xen_dm_op_gpumem_extent *e)
{
	int rc;

	rc = hvsim_check_extent(sim, d, op, e);
	if (rc)
		return rc;
	switch (op) {
	case XEN_DMOP_gpumem_map:
		return hvsim_map(sim, d, e);
	case XEN_DMOP_gpumem_revoke:
		return hvsim_revoke(sim, d, e);
	case XEN_DMOP_gpumem_steal:
		return hvsim_steal(sim, d, e);
	default:
		return hvsim_return(sim, d, e);
	}
}

static struct hvsim *to_hvsim(struct gpumem_hv *hv)
{
	return container_of(hv, struct hvsim, hv);
}

static int hvsim_hv_batch(struct gpumem_hv *hv, domid_t domid, u64 instance,
			  unsigned int op, struct xen_dm_op_gpumem_extent *ext,
			  unsigned int nr, unsigned int *done)
{
	struct hvsim *sim = to_hvsim(hv);
	u64 t0 = ktime_get_ns();
	struct hvsim_op_stats *st;
	unsigned int i;
	int rc = 0;

	*done = 0;
	if (op <= XEN_DMOP_gpumem_query || op > XEN_DMOP_gpumem_last)
		return -EOPNOTSUPP;
	if (hvsim_should_fail(sim))
		return -ENOMEM;
	st = &sim->stats[op - XEN_DMOP_gpumem_first];

	spin_lock(&sim->lock);
	st->calls++;
	if (!(sim->ops & XEN_GPUMEM_OP_BIT(op)))
		rc = -EOPNOTSUPP;
	else if (nr > HVSIM_MAX_EXTENTS)
		rc = -E2BIG;
	spin_unlock(&sim->lock);

	/*
	 * Like Xen's continuations, the lock is dropped between extents, and
	 * the domain is looked up again each time: a frontend that is gone
	 * fails the call with -ESRCH before the extent is looked at, so that
	 * its status is not written (the differential test caught hvsim
	 * writing it where the reference Xen's dm_op does not).
	 */
	for (i = 0; !rc && i < nr; i++) {
		struct hvsim_domain *d;

		spin_lock(&sim->lock);
		rc = hvsim_target(sim, domid, &d);
		/* The domid names another domain now: as if destroyed. */
		if (!rc && d->instance != instance)
			rc = -ESRCH;
		if (!rc) {
			rc = hvsim_apply(sim, d, op, &ext[i]);
			ext[i].status = rc;
			st->extents++;
			if (!rc)
				st->frames += ext[i].nr_frames;
		}
		spin_unlock(&sim->lock);
		if (rc)
			break;
	}

	spin_lock(&sim->lock);
	if (rc)
		st->failures++;
	st->ns += ktime_get_ns() - t0;
	spin_unlock(&sim->lock);
	*done = i;
	return rc;
}

static int hvsim_hv_query(struct gpumem_hv *hv, domid_t domid,
			  struct xen_dm_op_gpumem_query *q)
{
	struct hvsim *sim = to_hvsim(hv);
	struct hvsim_op_stats *st = &sim->stats[0];
	struct hvsim_domain *d;
	int rc;

	spin_lock(&sim->lock);
	st->calls++;
	rc = hvsim_target(sim, domid, &d);
	if (!rc && !(sim->ops & XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_query)))
		rc = -EOPNOTSUPP;
	if (!rc)
		*q = (struct xen_dm_op_gpumem_query){
			.version = XEN_GPUMEM_INTERFACE_VERSION,
			.ops = sim->ops,
			.max_extents = HVSIM_MAX_EXTENTS,
			.max_extent_frames = sim->max_extent_frames,
			.instance = d->instance,
		};
	else
		st->failures++;
	spin_unlock(&sim->lock);
	return rc;
}

static void hvsim_hv_destroy(struct gpumem_hv *hv)
{
	hvsim_destroy(to_hvsim(hv));
}

/*
 * Landing slots.  A real PVH dom0 gets GFNs with nothing behind them from
 * xen_alloc_unpopulated_pages().  The simulator hands out pages of its own
 * and treats their PFNs as unpopulated backend GFNs, so that the module
 * handles the same struct page * slots either way.
 */
static int hvsim_hv_slots_alloc(struct gpumem_hv *hv, unsigned int nr,
				struct page **slots)
{
	struct hvsim *sim = to_hvsim(hv);
	unsigned int i;
	int rc = 0;

	if (hvsim_should_fail(sim))
		return -ENOMEM;
	for (i = 0; !rc && i < nr; i++) {
		slots[i] = alloc_page(GFP_KERNEL);
		rc = slots[i] ? xa_insert(&sim->slots, page_to_pfn(slots[i]),
					  xa_mk_value(0), GFP_KERNEL) : -ENOMEM;
		if (rc && slots[i])
			__free_page(slots[i]);
	}
	if (rc) {
		/* slots[i - 1] failed and is gone: undo the ones before it. */
		for (i--; i > 0; i--) {
			xa_erase(&sim->slots, page_to_pfn(slots[i - 1]));
			__free_page(slots[i - 1]);
		}
		return rc;
	}
	spin_lock(&sim->lock);
	sim->nr_slots += nr;
	spin_unlock(&sim->lock);
	return 0;
}

static void hvsim_hv_slots_free(struct gpumem_hv *hv, unsigned int nr,
				struct page **slots)
{
	struct hvsim *sim = to_hvsim(hv);
	unsigned int i;

	for (i = 0; i < nr; i++) {
		/* A slot must be unpopulated again before it is freed. */
		WARN_ON(xa_load(&sim->landing, page_to_pfn(slots[i])));
		WARN_ON(!xa_erase(&sim->slots, page_to_pfn(slots[i])));
		__free_page(slots[i]);
	}
	spin_lock(&sim->lock);
	sim->nr_slots -= nr;
	spin_unlock(&sim->lock);
}

/* This kernel's memory cannot be remapped: answer the page behind it. */
static struct page *hvsim_hv_slot_page(struct gpumem_hv *hv, struct page *slot)
{
	struct hvsim *sim = to_hvsim(hv);
	void *mfn;

	spin_lock(&sim->lock);
	mfn = xa_load(&sim->landing, page_to_pfn(slot));
	spin_unlock(&sim->lock);
	return mfn ? pfn_to_page(xa_to_value(mfn)) : NULL;
}

/* XENMEM_decrease_reservation of stolen pages at landing slots. */
static int hvsim_hv_slots_release(struct gpumem_hv *hv, unsigned int nr,
				  struct page **slots, unsigned int *done)
{
	struct hvsim *sim = to_hvsim(hv);
	struct hvsim_frame *f;
	unsigned int i;
	int rc = 0;
	void *mfn;

	spin_lock(&sim->lock);
	for (i = 0; i < nr; i++) {
		mfn = xa_load(&sim->landing, page_to_pfn(slots[i]));
		f = mfn ? hvsim_frame(sim, xa_to_value(mfn)) : NULL;
		if (!f || f->owner != HVSIM_BACKEND_DOMID || f->lent) {
			rc = -EBUSY;
			break;
		}
		xa_erase(&sim->landing, page_to_pfn(slots[i]));
		xa_erase(&sim->frames, xa_to_value(mfn));
		__free_page(f->page);
		kfree(f);
		sim->doms[0]->tot_pages--;
	}
	spin_unlock(&sim->lock);
	*done = i;
	return rc;
}

static const struct gpumem_hv_ops hvsim_hv_ops = {
	.query = hvsim_hv_query,
	.batch = hvsim_hv_batch,
	.slots_alloc = hvsim_hv_slots_alloc,
	.slots_free = hvsim_hv_slots_free,
	.slot_page = hvsim_hv_slot_page,
	.slots_release = hvsim_hv_slots_release,
	.destroy = hvsim_hv_destroy,
};

/**
 * hvsim_create() - create a simulated hypervisor with only the backend
 * @backend_max_pages: how many stolen pages the backend may hold.
 *
 * All ops are implemented, no MMIO is permitted and no frontend exists.
 *
 * Return: the simulator or an ERR_PTR().
 */
struct hvsim *hvsim_create(u64 backend_max_pages)
{
	struct hvsim *sim = kzalloc(sizeof(*sim), GFP_KERNEL);

	if (!sim)
		return ERR_PTR(-ENOMEM);
	sim->doms[0] = kzalloc(sizeof(*sim->doms[0]), GFP_KERNEL);
	if (!sim->doms[0]) {
		kfree(sim);
		return ERR_PTR(-ENOMEM);
	}
	sim->doms[0]->domid = HVSIM_BACKEND_DOMID;
	sim->doms[0]->max_pages = backend_max_pages;
	sim->hv.ops = &hvsim_hv_ops;
	sim->hv.backend = GPUMEM_BACKEND_HVSIM;
	sim->ops = HVSIM_ALL_OPS;
	sim->max_extent_frames = XEN_GPUMEM_MAX_EXTENT_FRAMES;
	spin_lock_init(&sim->lock);
	sim->mem_domid = 1;
#ifdef CONFIG_FAULT_INJECTION
	sim->fail = (struct fault_attr)FAULT_ATTR_INITIALIZER;
	sim->fail.verbose = 0;
#endif
	xa_init(&sim->frames);
	xa_init(&sim->backend_lent);
	xa_init(&sim->landing);
	xa_init(&sim->slots);
	return sim;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_create);

static void hvsim_domain_free(struct hvsim_domain *d)
{
	kvfree(d->p2m);
	kfree(d);
}

/* Undo hvsim_domain_create()'s allocation of the pages it did not publish. */
static void hvsim_frames_free(struct hvsim *sim, struct hvsim_domain *d,
			      u64 nr_ram)
{
	u64 gfn;

	for (gfn = 0; gfn < nr_ram; gfn++) {
		struct hvsim_frame *f;

		if (d->p2m[gfn].type != HVSIM_P2M_RAM)
			break;
		f = xa_erase(&sim->frames, d->p2m[gfn].frame);
		__free_page(f->page);
		kfree(f);
	}
}

/**
 * hvsim_domain_create() - create a frontend domain
 * @sim: the simulator.
 * @domid: its id, 1 .. DOMID_FIRST_RESERVED - 1.
 * @nr_gfns: size of its physmap.
 * @nr_ram: GFNs [0, @nr_ram) are populated with zeroed RAM pages it owns.
 * @max_pages: its page limit (RETURN cannot exceed it).
 *
 * Return: 0, -EINVAL, -EEXIST (domid in use), -ENOSPC (no domain slot) or
 * -ENOMEM.
 */
int hvsim_domain_create(struct hvsim *sim, domid_t domid, u64 nr_gfns,
			u64 nr_ram, u64 max_pages)
{
	struct hvsim_domain *d;
	unsigned int slot;
	u64 gfn;
	int rc;

	if (domid == HVSIM_BACKEND_DOMID || domid >= DOMID_FIRST_RESERVED ||
	    !nr_gfns || nr_gfns > HVSIM_MAX_GFNS || nr_ram > nr_gfns ||
	    nr_ram > max_pages)
		return -EINVAL;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->p2m = kvcalloc(nr_gfns, sizeof(*d->p2m), GFP_KERNEL);
	if (!d->p2m) {
		kfree(d);
		return -ENOMEM;
	}
	d->domid = domid;
	d->nr_gfns = nr_gfns;
	d->max_pages = max_pages;
	d->tot_pages = nr_ram;

	for (gfn = 0; gfn < nr_ram; gfn++) {
		struct hvsim_frame *f = kzalloc(sizeof(*f), GFP_KERNEL);

		if (f)
			f->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		rc = f && f->page ? 0 : -ENOMEM;
		if (!rc) {
			f->owner = domid;
			f->stolen_from = DOMID_INVALID;
			rc = xa_insert(&sim->frames, page_to_pfn(f->page), f,
				       GFP_KERNEL);
		}
		if (rc) {
			if (f && f->page)
				__free_page(f->page);
			kfree(f);
			goto fail;
		}
		d->p2m[gfn] = (struct hvsim_entry){
			.frame = page_to_pfn(f->page), .type = HVSIM_P2M_RAM,
		};
	}

	spin_lock(&sim->lock);
	rc = hvsim_dom(sim, domid) ? -EEXIST : -ENOSPC;
	for (slot = 1; rc == -ENOSPC && slot < HVSIM_MAX_DOMAINS; slot++) {
		if (!sim->doms[slot]) {
			sim->doms[slot] = d;
			/* Like Xen's count of domains created: never reused. */
			d->instance = ++sim->instances;
			rc = 0;
		}
	}
	spin_unlock(&sim->lock);
	if (!rc)
		return 0;
fail:
	hvsim_frames_free(sim, d, nr_ram);
	hvsim_domain_free(d);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_domain_create);

/* Tear down a detached domain's p2m, as Xen's domain destruction does. */
static void hvsim_domain_teardown(struct hvsim *sim, struct hvsim_domain *d)
{
	unsigned long pfn;
	struct hvsim_frame *f;
	u64 gfn;

	lockdep_assert_held(&sim->lock);
	for (gfn = 0; gfn < d->nr_gfns; gfn++) {
		struct hvsim_entry *pe = &d->p2m[gfn];

		if (pe->type == HVSIM_P2M_LENT) {
			hvsim_unlend(sim, d, gfn, 1);
		} else if (pe->type == HVSIM_P2M_RAM) {
			f = xa_erase(&sim->frames, pe->frame);
			__free_page(f->page);
			kfree(f);
		}
	}
	/* Pages stolen from it stay the backend's; none can go back to it. */
	xa_for_each(&sim->frames, pfn, f)
		if (f->stolen_from == d->domid)
			f->stolen_from = DOMID_INVALID;
}

/**
 * hvsim_domain_destroy() - destroy a frontend domain
 * @sim: the simulator.
 * @domid: the domain.
 *
 * Drops every lent entry and its page reference and frees the domain's own
 * RAM.  Pages stolen from it remain the backend's.
 *
 * Return: 0 or -ESRCH.
 */
int hvsim_domain_destroy(struct hvsim *sim, domid_t domid)
{
	struct hvsim_domain *d = NULL;
	unsigned int slot;

	spin_lock(&sim->lock);
	for (slot = 1; slot < HVSIM_MAX_DOMAINS; slot++) {
		if (sim->doms[slot] && sim->doms[slot]->domid == domid) {
			d = sim->doms[slot];
			sim->doms[slot] = NULL;
			hvsim_domain_teardown(sim, d);
			break;
		}
	}
	spin_unlock(&sim->lock);
	if (!d)
		return -ESRCH;
	hvsim_domain_free(d);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_domain_destroy);

/**
 * hvsim_destroy() - destroy every domain and free the simulator
 * @sim: the simulator.
 *
 * Pages stolen and never returned are freed here: the backend owns them.
 */
void hvsim_destroy(struct hvsim *sim)
{
	struct hvsim_frame *f;
	unsigned long pfn;
	unsigned int slot;

	debugfs_remove_recursive(sim->debugfs);
	for (slot = 1; slot < HVSIM_MAX_DOMAINS; slot++)
		if (sim->doms[slot])
			hvsim_domain_destroy(sim, sim->doms[slot]->domid);
	xa_for_each(&sim->frames, pfn, f) {
		__free_page(f->page);
		kfree(f);
	}
	WARN_ON(!xa_empty(&sim->backend_lent));
	/* The module frees every landing slot it allocated. */
	WARN_ON(!xa_empty(&sim->slots));
	xa_destroy(&sim->slots);
	xa_destroy(&sim->frames);
	xa_destroy(&sim->backend_lent);
	xa_destroy(&sim->landing);
	kfree(sim->doms[0]);
	kfree(sim);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_destroy);

/**
 * hvsim_hv() - the simulator as a hypervisor backend
 * @sim: the simulator.
 *
 * Return: its struct gpumem_hv; its destroy op frees @sim.
 */
struct gpumem_hv *hvsim_hv(struct hvsim *sim)
{
	return &sim->hv;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_hv);

/**
 * hvsim_from_hv() - the simulator behind a backend
 * @hv: a backend.
 *
 * Return: the simulator, or NULL when @hv is not hvsim.
 */
struct hvsim *hvsim_from_hv(struct gpumem_hv *hv)
{
	return hv->ops == &hvsim_hv_ops ? to_hvsim(hv) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_from_hv);

/**
 * hvsim_iomem_permit() - let the backend map MMIO frames
 * @sim: the simulator.
 * @first: first MFN.
 * @nr: number of MFNs.
 *
 * Return: 0, -EINVAL or -ENOSPC when the table of ranges is full.
 */
int hvsim_iomem_permit(struct hvsim *sim, u64 first, u64 nr)
{
	u64 end;
	int rc = 0;

	if (!nr || check_add_overflow(first, nr, &end))
		return -EINVAL;
	spin_lock(&sim->lock);
	if (sim->nr_iomem == HVSIM_MAX_IOMEM)
		rc = -ENOSPC;
	else
		sim->iomem[sim->nr_iomem++] = (struct hvsim_range){ first, nr };
	spin_unlock(&sim->lock);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_iomem_permit);

/**
 * hvsim_set_ops() - choose which ops the simulated hypervisor implements
 * @sim: the simulator.
 * @ops: XEN_GPUMEM_OP_BIT()s; 0 models a Xen without the gpumem ops.
 */
void hvsim_set_ops(struct hvsim *sim, u32 ops)
{
	spin_lock(&sim->lock);
	sim->ops = ops & HVSIM_ALL_OPS;
	spin_unlock(&sim->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_set_ops);

/**
 * hvsim_set_max_extent_frames() - model a hypervisor with smaller extents
 * @sim: the simulator.
 * @frames: 1 .. XEN_GPUMEM_MAX_EXTENT_FRAMES, reported by QUERY and
 *          enforced (-EINVAL) by every batched op.
 */
void hvsim_set_max_extent_frames(struct hvsim *sim, u32 frames)
{
	spin_lock(&sim->lock);
	sim->max_extent_frames = clamp_t(u32, frames, 1,
					 XEN_GPUMEM_MAX_EXTENT_FRAMES);
	spin_unlock(&sim->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_set_max_extent_frames);

/**
 * hvsim_set_max_pages() - change a domain's page limit (Xen's max_mem)
 * @sim: the simulator.
 * @domid: a frontend, or HVSIM_BACKEND_DOMID (the limit on stolen pages).
 * @max_pages: the new limit; pages it already owns are not taken away.
 *
 * Return: 0 or -ESRCH.
 */
int hvsim_set_max_pages(struct hvsim *sim, domid_t domid, u64 max_pages)
{
	struct hvsim_domain *d;
	int rc;

	spin_lock(&sim->lock);
	if (domid == HVSIM_BACKEND_DOMID) {
		d = sim->doms[0];
		rc = 0;
	} else {
		rc = hvsim_target(sim, domid, &d);
	}
	if (!rc)
		d->max_pages = max_pages;
	spin_unlock(&sim->lock);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_set_max_pages);

/**
 * hvsim_set_entry() - give a frontend GFN a foreign kind of entry
 * @sim: the simulator.
 * @domid: the frontend.
 * @gfn: an unpopulated GFN.
 * @type: HVSIM_P2M_MMIO, HVSIM_P2M_GRANT_MAP or HVSIM_P2M_FOREIGN.
 * @frame: the frame it maps.
 *
 * Models what other parts of Xen do to a frontend (passthrough, grant
 * mapping, foreign mapping), so tests can check how the ops treat it.
 *
 * Return: 0, -ESRCH, -EINVAL, or -EEXIST if @gfn is populated.
 */
int hvsim_set_entry(struct hvsim *sim, domid_t domid, u64 gfn, u32 type,
		    u64 frame)
{
	struct hvsim_domain *d;
	int rc;

	if (type != HVSIM_P2M_MMIO && type != HVSIM_P2M_GRANT_MAP &&
	    type != HVSIM_P2M_FOREIGN)
		return -EINVAL;
	spin_lock(&sim->lock);
	rc = hvsim_target(sim, domid, &d);
	if (!rc && gfn >= d->nr_gfns)
		rc = -EINVAL;
	if (!rc && d->p2m[gfn].type != HVSIM_P2M_HOLE)
		rc = -EEXIST;
	if (!rc)
		d->p2m[gfn] = (struct hvsim_entry){ .frame = frame, .type = type };
	spin_unlock(&sim->lock);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_set_entry);

/**
 * hvsim_frame_use() - count a use of a frontend's own page
 * @sim: the simulator.
 * @domid: the frontend.
 * @gfn: a GFN holding its own RAM.
 * @use: the kind of use.
 * @delta: +1 to start one, -1 to end one.
 *
 * Return: 0, -ESRCH, -EINVAL (not own RAM, or the count would go negative).
 */
int hvsim_frame_use(struct hvsim *sim, domid_t domid, u64 gfn,
		    enum hvsim_frame_use use, int delta)
{
	struct hvsim_frame *f = NULL;
	struct hvsim_domain *d;
	int rc;

	if (use >= HVSIM_NR_USES)
		return -EINVAL;
	spin_lock(&sim->lock);
	rc = hvsim_target(sim, domid, &d);
	if (!rc && gfn < d->nr_gfns && d->p2m[gfn].type == HVSIM_P2M_RAM)
		f = hvsim_frame(sim, d->p2m[gfn].frame);
	if (!rc && (!f || (delta < 0 && f->uses[use] < -delta)))
		rc = -EINVAL;
	if (!rc)
		f->uses[use] += delta;
	spin_unlock(&sim->lock);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_frame_use);

/**
 * hvsim_frontend_access() - read or write memory as the frontend would
 * @sim: the simulator.
 * @domid: the frontend.
 * @gfn: the GFN it touches.
 * @offset: byte offset in the page.
 * @buf: data to write, or room for data read.
 * @len: bytes; @offset + @len must stay within the page.
 * @write: write instead of read.
 *
 * Return: 0; -EFAULT for an unpopulated GFN (the access faults to the
 * backend and is counted); -EACCES for a write to a read-only entry; -EIO for
 * frames the simulator does not back with RAM (MMIO, grants, foreign);
 * -ESRCH or -EINVAL.
 */
int hvsim_frontend_access(struct hvsim *sim, domid_t domid, u64 gfn,
			  unsigned int offset, void *buf, size_t len,
			  bool write)
{
	struct hvsim_domain *d;
	struct hvsim_entry *pe;
	void *va;
	int rc;

	if (offset >= PAGE_SIZE || len > PAGE_SIZE - offset)
		return -EINVAL;
	spin_lock(&sim->lock);
	rc = hvsim_target(sim, domid, &d);
	if (rc)
		goto out;
	rc = -EINVAL;
	if (gfn >= d->nr_gfns)
		goto out;
	pe = &d->p2m[gfn];
	rc = -EFAULT;
	if (pe->type == HVSIM_P2M_HOLE) {
		sim->faults++;
		goto out;
	}
	rc = -EIO;
	if ((pe->type != HVSIM_P2M_RAM && pe->type != HVSIM_P2M_LENT) ||
	    (pe->flags & XEN_GPUMEM_EXT_MMIO) || !pfn_valid(pe->frame))
		goto out;
	rc = -EACCES;
	if (write && (pe->flags & XEN_GPUMEM_EXT_RO))
		goto out;
	va = kmap_local_page(pfn_to_page(pe->frame));
	if (write)
		memcpy(va + offset, buf, len);
	else
		memcpy(buf, va + offset, len);
	kunmap_local(va);
	rc = 0;
out:
	spin_unlock(&sim->lock);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_frontend_access);

/**
 * hvsim_lookup() - read one p2m entry
 * @sim: the simulator.
 * @domid: a frontend, or HVSIM_BACKEND_DOMID for a landing GFN.
 * @gfn: the GFN.
 * @out: the entry.
 *
 * Return: 0, -ESRCH or -EINVAL (GFN beyond the physmap).
 */
int hvsim_lookup(struct hvsim *sim, domid_t domid, u64 gfn,
		 struct hvsim_entry *out)
{
	struct hvsim_domain *d;
	void *slot;
	int rc = 0;

	spin_lock(&sim->lock);
	if (domid == HVSIM_BACKEND_DOMID) {
		slot = xa_load(&sim->landing, gfn);
		*out = (struct hvsim_entry){
			.frame = slot ? xa_to_value(slot) : 0,
			.type = slot ? HVSIM_P2M_STOLEN : HVSIM_P2M_HOLE,
		};
	} else {
		rc = hvsim_target(sim, domid, &d);
		if (!rc && gfn >= d->nr_gfns)
			rc = -EINVAL;
		if (!rc)
			*out = d->p2m[gfn];
	}
	spin_unlock(&sim->lock);
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_lookup);

/**
 * hvsim_slots_in_use() - landing slots given out and not freed
 * @sim: the simulator.
 *
 * Return: their number.
 */
u64 hvsim_slots_in_use(struct hvsim *sim)
{
	u64 n;

	spin_lock(&sim->lock);
	n = sim->nr_slots;
	spin_unlock(&sim->lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_slots_in_use);

/**
 * hvsim_domain_info() - page accounting and entry counts of a domain
 * @sim: the simulator.
 * @domid: a frontend, or HVSIM_BACKEND_DOMID.
 * @out: the information.
 *
 * Return: 0 or -ESRCH.
 */
int hvsim_domain_info(struct hvsim *sim, domid_t domid,
		      struct hvsim_domain_info *out)
{
	struct hvsim_domain *d;
	u64 gfn;

	memset(out, 0, sizeof(*out));
	spin_lock(&sim->lock);
	d = domid == HVSIM_BACKEND_DOMID ? sim->doms[0] : hvsim_dom(sim, domid);
	if (d) {
		out->nr_gfns = d->nr_gfns;
		out->instance = d->instance;
		out->tot_pages = d->tot_pages;
		out->max_pages = d->max_pages;
		for (gfn = 0; gfn < d->nr_gfns; gfn++)
			out->entries[d->p2m[gfn].type]++;
		if (d == sim->doms[0])
			out->entries[HVSIM_P2M_STOLEN] = d->tot_pages;
	}
	spin_unlock(&sim->lock);
	return d ? 0 : -ESRCH;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_domain_info);

/**
 * hvsim_frame_info() - ownership and references of a machine frame
 * @sim: the simulator.
 * @frame: the frame.
 * @out: the information.
 */
void hvsim_frame_info(struct hvsim *sim, u64 frame,
		      struct hvsim_frame_info *out)
{
	struct hvsim_frame *f;
	void *cur;

	memset(out, 0, sizeof(*out));
	spin_lock(&sim->lock);
	f = hvsim_frame(sim, frame);
	if (f) {
		out->owner = f->owner;
		out->stolen_from = f->stolen_from;
		out->lent = f->lent;
		memcpy(out->uses, f->uses, sizeof(out->uses));
	} else {
		cur = xa_load(&sim->backend_lent, frame);
		out->owner = DOMID_INVALID;
		out->stolen_from = DOMID_INVALID;
		out->lent = cur ? xa_to_value(cur) : 0;
	}
	spin_unlock(&sim->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_frame_info);

/**
 * hvsim_op_stats() - counters of one op
 * @sim: the simulator.
 * @op: XEN_DMOP_gpumem_*.
 * @out: the counters (zero for an unknown op).
 */
void hvsim_op_stats(struct hvsim *sim, unsigned int op,
		    struct hvsim_op_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (op < XEN_DMOP_gpumem_first || op > XEN_DMOP_gpumem_last)
		return;
	spin_lock(&sim->lock);
	*out = sim->stats[op - XEN_DMOP_gpumem_first];
	spin_unlock(&sim->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_op_stats);

/**
 * hvsim_faults() - frontend accesses that faulted on an unpopulated GFN
 * @sim: the simulator.
 *
 * Return: the count.
 */
u64 hvsim_faults(struct hvsim *sim)
{
	u64 n;

	spin_lock(&sim->lock);
	n = sim->faults;
	spin_unlock(&sim->lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_faults);

/* ---- debugfs ---- */

static const char *const hvsim_type_names[HVSIM_P2M_NR_TYPES] = {
	"hole", "ram", "mmio", "grant_map", "foreign", "lent", "stolen",
};

static int hvsim_stats_show(struct seq_file *m, void *unused)
{
	struct hvsim *sim = m->private;
	unsigned int i;

	seq_puts(m, "op      calls extents frames failures\n");
	spin_lock(&sim->lock);
	for (i = 0; i < HVSIM_NR_OPS; i++)
		seq_printf(m, "%-7s %llu %llu %llu %llu\n",
			   gpumem_hv_op_name(XEN_DMOP_gpumem_first + i),
			   sim->stats[i].calls, sim->stats[i].extents,
			   sim->stats[i].frames, sim->stats[i].failures);
	seq_printf(m, "faults %llu\n", sim->faults);
	spin_unlock(&sim->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvsim_stats);

/* One line per run of GFNs with one type and consecutive frames. */
static int hvsim_p2m_show(struct seq_file *m, void *unused)
{
	struct hvsim *sim = m->private;
	unsigned int slot;
	u64 gfn, run;

	spin_lock(&sim->lock);
	for (slot = 0; slot < HVSIM_MAX_DOMAINS; slot++) {
		struct hvsim_domain *d = sim->doms[slot];

		if (!d)
			continue;
		seq_printf(m, "d%u tot_pages %llu max_pages %llu\n", d->domid,
			   d->tot_pages, d->max_pages);
		for (gfn = 0; gfn < d->nr_gfns; gfn += run) {
			struct hvsim_entry *pe = &d->p2m[gfn];

			for (run = 1; gfn + run < d->nr_gfns; run++) {
				struct hvsim_entry *n = &d->p2m[gfn + run];

				if (n->type != pe->type || n->flags != pe->flags ||
				    (pe->type != HVSIM_P2M_HOLE &&
				     n->frame != pe->frame + run))
					break;
			}
			if (pe->type != HVSIM_P2M_HOLE)
				seq_printf(m, "  gfn %#llx+%llu %s frame %#llx flags %#x\n",
					   gfn, run, hvsim_type_names[pe->type],
					   pe->frame, pe->flags);
		}
	}
	spin_unlock(&sim->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvsim_p2m);

/*
 * "mem": the physmap of frontend "mem_domid" as that frontend sees it.  The
 * byte at file offset gfn * PAGE_SIZE + offset is hvsim_frontend_access()'s:
 * an access to an unpopulated GFN fails with EFAULT (it faulted to the
 * backend, and the fault is counted), one beyond the physmap with EINVAL.
 * A transfer stops at the first page that fails.  Reads go to @dst, writes
 * come from @src; the other is NULL.
 */
static ssize_t hvsim_mem_rw(struct file *file, char __user *dst,
			    const char __user *src, size_t len, loff_t *ppos)
{
	bool write = src;
	struct hvsim *sim = file->private_data;
	loff_t pos = *ppos;
	size_t done = 0;
	int rc = 0;
	void *buf;

	if (pos < 0)
		return -EINVAL;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		unsigned int off = offset_in_page(pos);
		size_t n = min_t(size_t, len - done, PAGE_SIZE - off);

		if (write && copy_from_user(buf, src + done, n)) {
			rc = -EFAULT;
			break;
		}
		rc = hvsim_frontend_access(sim, READ_ONCE(sim->mem_domid),
					   pos >> PAGE_SHIFT, off, buf, n,
					   write);
		if (!rc && !write && copy_to_user(dst + done, buf, n))
			rc = -EFAULT;
		if (rc)
			break;
		done += n;
		pos += n;
	}
	kfree(buf);
	*ppos = pos;
	return done ? done : rc;
}

static ssize_t hvsim_mem_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	return hvsim_mem_rw(file, ubuf, NULL, len, ppos);
}

static ssize_t hvsim_mem_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	return hvsim_mem_rw(file, NULL, ubuf, len, ppos);
}

static const struct file_operations hvsim_mem_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = hvsim_mem_read,
	.write = hvsim_mem_write,
	.llseek = default_llseek,
};

/* "destroy": writing a domid destroys that frontend, as "xl destroy" does. */
static ssize_t hvsim_destroy_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct hvsim *sim = file->private_data;
	u16 domid;
	int rc;

	rc = kstrtou16_from_user(ubuf, len, 0, &domid);
	if (!rc)
		rc = hvsim_domain_destroy(sim, domid);
	return rc ?: len;
}

static const struct file_operations hvsim_destroy_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hvsim_destroy_write,
	.llseek = noop_llseek,
};

/*
 * "use": another domain starts or ends a use of a page of frontend
 * "mem_domid", as hvsim_frame_use() counts it: "<kind> <gfn> <+1|-1>", kind
 * one of grant, foreign, hypercall.  What dom0's grant mapping, foreign
 * mapping or hypercall would do on Xen (the differential scenario).
 */
static const char *const hvsim_use_names[HVSIM_NR_USES] = {
	[HVSIM_USE_GRANT] = "grant",
	[HVSIM_USE_FOREIGN] = "foreign",
	[HVSIM_USE_HYPERCALL] = "hypercall",
};

static ssize_t hvsim_use_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct hvsim *sim = file->private_data;
	char buf[48], kind[12];
	int use, delta, rc;
	u64 gfn;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%11s %llx %d", kind, &gfn, &delta) != 3 ||
	    (delta != 1 && delta != -1))
		return -EINVAL;
	use = match_string(hvsim_use_names, HVSIM_NR_USES, kind);
	if (use < 0)
		return use;
	rc = hvsim_frame_use(sim, READ_ONCE(sim->mem_domid), gfn, use, delta);
	return rc ?: len;
}

static const struct file_operations hvsim_use_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hvsim_use_write,
	.llseek = noop_llseek,
};

/**
 * hvsim_debugfs_init() - expose the simulator's state
 * @sim: the simulator.
 * @parent: directory to create "hvsim" in.
 *
 * Files: stats (per-op counters, faults), p2m (every populated run of every
 * domain), mem and mem_domid (a frontend's accesses), use (another domain's
 * use of a frontend page), destroy (a frontend's end).  Removed by
 * hvsim_destroy().
 */
void hvsim_debugfs_init(struct hvsim *sim, struct dentry *parent)
{
	sim->debugfs = debugfs_create_dir("hvsim", parent);
	debugfs_create_file("stats", 0400, sim->debugfs, sim,
			    &hvsim_stats_fops);
	debugfs_create_file("p2m", 0400, sim->debugfs, sim, &hvsim_p2m_fops);
	debugfs_create_file("mem", 0600, sim->debugfs, sim, &hvsim_mem_fops);
	debugfs_create_u16("mem_domid", 0600, sim->debugfs, &sim->mem_domid);
	debugfs_create_file("use", 0200, sim->debugfs, sim, &hvsim_use_fops);
	debugfs_create_file("destroy", 0200, sim->debugfs, sim,
			    &hvsim_destroy_fops);
}
