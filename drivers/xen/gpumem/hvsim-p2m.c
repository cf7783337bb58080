// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hvsim: the rules of the gpumem ops on one extent, as the reference Xen
 * applies them to a domain's p2m and to the frames it names (hvsim-priv.h
 * for the model and its lock).
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

#include "hvsim-priv.h"

/*
 * Fault injection: a hypercall that fails with -ENOMEM before it looks at
 * anything, as Xen's does when it cannot allocate.  Only a task's fail-nth
 * counter triggers it (probability 0), so the KUnit suites can make each
 * hypercall of an operation fail in turn, as they do each allocation.
 */
bool hvsim_should_fail(struct hvsim *sim)
{
#ifdef CONFIG_FAULT_INJECTION
	return should_fail(&sim->fail, 1);
#else
	return false;
#endif
}

struct hvsim_domain *hvsim_dom(struct hvsim *sim, domid_t domid)
{
	unsigned int i;

	lockdep_assert_held(&sim->lock);
	for (i = 1; i < HVSIM_MAX_DOMAINS; i++)
		if (sim->doms[i] && sim->doms[i]->domid == domid)
			return sim->doms[i];
	return NULL;
}

/* Xen's rcu_lock_remote_domain_by_id(): the caller itself is refused. */
int hvsim_target(struct hvsim *sim, domid_t domid, struct hvsim_domain **d)
{
	if (domid == HVSIM_BACKEND_DOMID)
		return -EPERM;
	*d = hvsim_dom(sim, domid);
	return *d ? 0 : -ESRCH;
}

struct hvsim_frame *hvsim_frame(struct hvsim *sim, u64 pfn)
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
void hvsim_unlend(struct hvsim *sim, struct hvsim_domain *d, u64 gfn, u64 nr)
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

int hvsim_apply(struct hvsim *sim, struct hvsim_domain *d, unsigned int op,
		const struct xen_dm_op_gpumem_extent *e)
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
