// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: the real hypervisor backend, over HYPERVISOR_dm_op (QUERY and
 * the existence probe) and HYPERVISOR_memory_op(XENMEM_gpumem_op) (MAP,
 * REVOKE, STEAL, RETURN: not dm_ops, so that a device model confined by
 * privcmd's restricted mode cannot issue them; see the threat model in
 * include/xen/interface/gpumem.h), both through gpumem_xen_dm_op()
 * (gpumem-hv-xen-call.c).  The fault server, an IOREQ server served in
 * the kernel, is gpumem-hv-xen-fault.c; this file holds the backend's
 * table.
 *
 * Every call passes kernel buffers: buffer 0 is a struct xen_dm_op_gpumem,
 * buffer 1 the extents.  Xen's errno values are Linux's on x86.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/printk.h>

#include <kunit/visibility.h>

#include <xen/features.h>
#include <xen/interface/xen.h>
#include <xen/interface/hvm/dm_op.h>
#include <xen/mem-reservation.h>
#include <xen/page.h>
#include <xen/xen.h>

#include <uapi/xen/gpumem.h>

#include "gpumem-priv.h"

/*
 * XEN_DMOP_nr_vcpus, answered by every Xen since 4.13, tells a missing
 * domain from a hypervisor that lacks the gpumem ops.
 */
static int gpumem_xen_domain_exists(domid_t domid)
{
	struct gpumem_xen_dmop_nr_vcpus op = { .op = GPUMEM_XEN_DMOP_NR_VCPUS };
	struct xen_dm_op_buf buf;

	set_xen_guest_handle(buf.h, &op);
	buf.size = sizeof(op);
	return gpumem_xen_dm_op(domid, 1, &buf);
}

static int gpumem_xen_query(struct gpumem_hv *hv, domid_t domid,
			    struct xen_dm_op_gpumem_query *q)
{
	struct xen_dm_op_gpumem op = { .op = XEN_DMOP_gpumem_query };
	struct xen_dm_op_buf buf;
	int rc;

	set_xen_guest_handle(buf.h, &op);
	buf.size = sizeof(op);
	rc = gpumem_xen_dm_op(domid, 1, &buf);
	if (!rc) {
		*q = op.u.query;
		return 0;
	}
	if (rc != -EOPNOTSUPP)
		return rc;
	/* Xen rejects an unknown op only after finding the domain. */
	rc = gpumem_xen_domain_exists(domid);
	return rc ? rc : -EOPNOTSUPP;
}

static int gpumem_xen_batch(struct gpumem_hv *hv, domid_t domid,
			    u64 instance, unsigned int op,
			    struct xen_dm_op_gpumem_extent *ext,
			    unsigned int nr, unsigned int *done)
{
	struct xen_dm_op_gpumem dop = {
		.op = op, .u.batch.nr = nr, .u.batch.instance = instance,
	};
	struct xen_dm_op_buf bufs[2];
	int rc;

	set_xen_guest_handle(bufs[0].h, &dop);
	bufs[0].size = sizeof(dop);
	set_xen_guest_handle(bufs[1].h, ext);
	bufs[1].size = array_size(nr, sizeof(*ext));
	rc = gpumem_xen_dm_op(domid, ARRAY_SIZE(bufs), bufs);
	*done = dop.u.batch.done;
	return rc;
}

static int gpumem_xen_slots_alloc(struct gpumem_hv *hv, unsigned int nr,
				  struct page **slots)
{
	return xen_alloc_unpopulated_pages(nr, slots);
}

static void gpumem_xen_slots_free(struct gpumem_hv *hv, unsigned int nr,
				  struct page **slots)
{
	xen_free_unpopulated_pages(nr, slots);
}

/* The p2m maps the stolen frame at the slot's GFN: the slot is the page. */
static struct page *gpumem_xen_slot_page(struct gpumem_hv *hv,
					 struct page *slot)
{
	return slot;
}

static int gpumem_xen_slots_release(struct gpumem_hv *hv, unsigned int nr,
				    struct page **slots, unsigned int *done)
{
	xen_pfn_t frames[64];
	unsigned int j, n;
	int rc;

	for (*done = 0; *done < nr; *done += rc) {
		n = min_t(unsigned int, nr - *done, ARRAY_SIZE(frames));
		for (j = 0; j < n; j++)
			frames[j] = page_to_xen_pfn(slots[*done + j]);
		/* Xen releases a prefix of the list: its length, or < 0. */
		rc = xenmem_reservation_decrease(n, frames);
		if (rc < 0)
			return rc;
		if ((unsigned int)rc < n) {
			*done += rc;
			return -EBUSY;
		}
	}
	return 0;
}

static const struct gpumem_hv_ops gpumem_xen_ops = {
	.query = gpumem_xen_query,
	.batch = gpumem_xen_batch,
	.slots_alloc = gpumem_xen_slots_alloc,
	.slots_free = gpumem_xen_slots_free,
	.slot_page = gpumem_xen_slot_page,
	.slots_release = gpumem_xen_slots_release,
	.fault_open = gpumem_xen_fault_open,
	.fault_claim = gpumem_xen_fault_claim,
	.fault_answer = gpumem_xen_fault_answer,
	.fault_close = gpumem_xen_fault_close,
};

/*
 * One instance serves every context; its only state, no_slots, is set once
 * by gpumem_hv_xen_create().
 */
struct gpumem_hv gpumem_hv_xen = {
	.ops = &gpumem_xen_ops,
	.backend = GPUMEM_BACKEND_XEN,
};
EXPORT_SYMBOL_IF_KUNIT(gpumem_hv_xen);

/**
 * gpumem_hv_xen_create() - the Xen backend, if this domain can use it
 *
 * The gpumem ops need an auto-translated backend (PVH dom0 or an HVM/PVH
 * device-model domain): landing GFNs and BAR frames are physmap addresses
 * there.  Whether Xen implements the ops can only be asked of an existing
 * target domain, so that probe happens at GPUMEM_IOCTL_BIND.
 *
 * Landing slots for STEAL come from xen_alloc_unpopulated_pages(); one is
 * taken and given back here, so that a dom0 without unpopulated memory
 * says so at load (and withholds STEAL) rather than at the first steal.
 *
 * Return: the backend, or ERR_PTR(-ENODEV) with one log line saying why.
 */
struct gpumem_hv *gpumem_hv_xen_create(void)
{
	struct page *slot;

	if (!xen_domain()) {
		pr_info("not running on Xen; backend=hvsim selects the simulated hypervisor\n");
		return ERR_PTR(-ENODEV);
	}
	if (!xen_feature(XENFEAT_auto_translated_physmap)) {
		pr_err("a PV domain cannot lend memory: boot this domain as PVH (dom0=pvh)\n");
		return ERR_PTR(-ENODEV);
	}
	gpumem_hv_xen.no_slots = xen_alloc_unpopulated_pages(1, &slot);
	if (gpumem_hv_xen.no_slots) {
		pr_warn("no unpopulated memory for landing slots: STEAL and RETURN are withheld\n");
	} else {
		pr_info("landing slots from unpopulated memory (first at gfn %#lx)\n",
			page_to_pfn(slot));
		xen_free_unpopulated_pages(1, &slot);
	}
	return &gpumem_hv_xen;
}
