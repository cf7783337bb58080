// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hvsim: domains, created and destroyed as a toolstack would, and the
 * accessors through which tests and debugfs read and set the simulated
 * hypervisor's state (hvsim.h).
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": hvsim: " fmt

#include <linux/bits.h>
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
