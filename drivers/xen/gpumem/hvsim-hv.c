// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hvsim: the simulated hypervisor as a gpumem backend: the seam's ops
 * (batched hypercalls in extents, the way Xen continues them; landing
 * slots) and gpumem_hvsim_create(), the twin of gpumem_hv_xen_create()
 * that backend=hvsim loads.
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
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <xen/xen.h>

#include <kunit/visibility.h>

#include <uapi/xen/gpumem.h>

#include "hvsim-priv.h"

static unsigned int hvsim_domid = 1;
module_param(hvsim_domid, uint, 0444);
MODULE_PARM_DESC(hvsim_domid, "hvsim: domid of the simulated frontend (default 1)");

static unsigned long hvsim_gfns = 1UL << 16;
module_param(hvsim_gfns, ulong, 0444);
MODULE_PARM_DESC(hvsim_gfns, "hvsim: physmap size of the frontend in pages (default 65536)");

static unsigned long hvsim_ram = 1024;
module_param(hvsim_ram, ulong, 0444);
MODULE_PARM_DESC(hvsim_ram, "hvsim: RAM pages the frontend owns at GFN 0 (default 1024)");

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
	if (op <= XEN_DMOP_gpumem_query || op > XEN_DMOP_gpumem_batch_last)
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
	 * fails the call with -ESRCH before the extent is looked at, and its
	 * status is not written, as the reference Xen's op leaves it.
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
	hvsim_debugfs_fini(to_hvsim(hv));
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

const struct gpumem_hv_ops hvsim_hv_ops = {
	.query = hvsim_hv_query,
	.batch = hvsim_hv_batch,
	.slots_alloc = hvsim_hv_slots_alloc,
	.slots_free = hvsim_hv_slots_free,
	.slot_page = hvsim_hv_slot_page,
	.slots_release = hvsim_hv_slots_release,
	.fault_open = hvsim_hv_fault_open,
	.fault_claim = hvsim_hv_fault_claim,
	.fault_answer = hvsim_hv_fault_answer,
	.fault_close = hvsim_hv_fault_close,
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
	spin_lock_init(&sim->fault_lock);
	init_waitqueue_head(&sim->fault_wq);
	mutex_init(&sim->inc.lock);
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
 * gpumem_hvsim_create() - the simulated hypervisor, as backend=hvsim loads it
 * @backend_max_pages: how many stolen pages the backend may hold.
 * @debugfs: the module's debugfs directory; "hvsim" is created in it.
 *
 * One frontend, hvsim_domid, with hvsim_gfns GFNs of which the first
 * hvsim_ram are RAM; the backend may map any MMIO, as Xen's dom0 may.  The
 * twin of gpumem_hv_xen_create().
 *
 * Return: the backend, or an ERR_PTR(): -EPERM on a real Xen domain,
 * -EINVAL for a bad parameter, -ENOMEM.
 */
struct gpumem_hv *gpumem_hvsim_create(u64 backend_max_pages,
				      struct dentry *debugfs)
{
	struct hvsim *sim;
	int rc;

	if (xen_domain()) {
		pr_err("backend=hvsim refused on a real Xen domain: use backend=xen\n");
		return ERR_PTR(-EPERM);
	}
	if (!hvsim_domid || hvsim_domid >= DOMID_FIRST_RESERVED) {
		pr_err("hvsim_domid=%u: must be 1..%u\n", hvsim_domid,
		       DOMID_FIRST_RESERVED - 1);
		return ERR_PTR(-EINVAL);
	}
	sim = hvsim_create(backend_max_pages);
	if (IS_ERR(sim))
		return ERR_CAST(sim);
	rc = hvsim_domain_create(sim, hvsim_domid, hvsim_gfns, hvsim_ram,
				 hvsim_gfns);
	if (rc) {
		pr_err("cannot create d%u with %lu GFNs, %lu RAM pages: %d\n",
		       hvsim_domid, hvsim_gfns, hvsim_ram, rc);
		hvsim_destroy(sim);
		return ERR_PTR(rc);
	}
	/* Any MMIO, as for Xen's dom0 (RAM frames are still refused as MMIO). */
	rc = hvsim_iomem_permit(sim, 0, 1ULL << (52 - PAGE_SHIFT));
	if (rc) {
		hvsim_destroy(sim);
		return ERR_PTR(rc);
	}
	hvsim_debugfs_init(sim, debugfs);
	pr_warn("simulated hypervisor with frontend d%u: no real guest shares memory with this kernel\n",
		hvsim_domid);
	return hvsim_hv(sim);
}
