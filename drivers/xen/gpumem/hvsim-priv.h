/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hvsim: the simulated hypervisor's state, shared by its files:
 *  - hvsim-p2m.c: the rules of MAP, REVOKE, STEAL and RETURN on one extent;
 *  - hvsim-hv.c: the gpumem_hv seam (hypercalls, landing slots) and
 *    gpumem_hvsim_create(), the backend=hvsim constructor;
 *  - hvsim-domain.c: domains' lives and the state accessors tests read;
 *  - hvsim-fault.c: the frontend's accesses, and the fault servers they
 *    reach on an empty GFN (XEN_DMOP_gpumem_fault_range);
 *  - hvsim-debugfs.c: the same state and controls under debugfs.
 *
 * It models what the gpumem ops touch in Xen: domains with a p2m, the
 * ownership and references of machine frames, page counts and limits, and
 * the backend's MMIO permissions.  Machine frames are Linux PFNs: frontend
 * RAM is made of real pages the simulator allocates, so data written by the
 * "frontend" can be read by the backend after a STEAL and the other way
 * round; backend RAM is any online Linux page, named by its PFN as a PVH
 * dom0 names its own GFNs.
 *
 * Locking: sim->lock is the hypervisor's lock.  It is a leaf spinlock: every
 * simulated hypercall and every state accessor takes it, nothing else is
 * taken under it but the xarrays' internal locks, and nothing under it
 * sleeps.  Allocations under it are GFP_ATOMIC and only on the MAP and STEAL
 * paths (Xen allocates p2m pages there too); REVOKE never allocates, as the
 * contract requires of a hypercall issued from an mmu notifier.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef _XEN_GPUMEM_HVSIM_PRIV_H
#define _XEN_GPUMEM_HVSIM_PRIV_H

#include <linux/fault-inject.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "gpumem-priv.h"
#include "hvsim.h"

#define HVSIM_NR_OPS		(XEN_DMOP_gpumem_last - XEN_DMOP_gpumem_first + 1)
#define HVSIM_ALL_OPS		(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_last + 1) - 1)
#define HVSIM_MAX_IOMEM		8
/* Fault servers at once (Xen: MAX_NR_IOREQ_SERVERS per domain). */
#define HVSIM_MAX_SERVERS	8
/* Claimed ranges per fault server. */
#define HVSIM_MAX_CLAIMS	8
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

struct hvsim_fault_srv;

/*
 * debugfs "inc": a frontend vCPU's loop of locked increments.  @lock
 * serializes its start and stop; the loop itself writes @done and @rc.
 */
struct hvsim_inc {
	struct mutex lock;		/* start and stop */
	struct task_struct *task;	/* the loop, NULL when stopped */
	domid_t domid;
	u64 gfn;
	u64 done;			/* increments completed */
	int rc;				/* what ended the loop, 0 if stopped */
};

/* What a frontend vCPU's access does. */
enum hvsim_access {
	HVSIM_READ,
	HVSIM_WRITE,
	HVSIM_INC,	/* a locked increment of a u32 */
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
	struct hvsim_fault_srv *fault_srvs[HVSIM_MAX_SERVERS];
	struct hvsim_fault_stats fault;
	spinlock_t fault_lock;		/* leaf, irqsave: the servers' slots */
	wait_queue_head_t fault_wq;	/* paused vCPUs, closing servers */
	struct dentry *debugfs;
	u16 mem_domid;			/* the frontend debugfs "mem" shows */
	struct hvsim_inc inc;
#ifdef CONFIG_FAULT_INJECTION
	struct fault_attr fail;		/* hypercalls that fail (tests) */
#endif
};

static inline struct hvsim *to_hvsim(struct gpumem_hv *hv)
{
	return container_of(hv, struct hvsim, hv);
}

bool hvsim_should_fail(struct hvsim *sim);
struct hvsim_domain *hvsim_dom(struct hvsim *sim, domid_t domid);
int hvsim_target(struct hvsim *sim, domid_t domid, struct hvsim_domain **d);
struct hvsim_frame *hvsim_frame(struct hvsim *sim, u64 pfn);
void hvsim_unlend(struct hvsim *sim, struct hvsim_domain *d, u64 gfn, u64 nr);
int hvsim_apply(struct hvsim *sim, struct hvsim_domain *d, unsigned int op,
		const struct xen_dm_op_gpumem_extent *e);
extern const struct gpumem_hv_ops hvsim_hv_ops;
int hvsim_hv_fault_open(struct gpumem_hv *hv, domid_t domid, u64 instance,
			gpumem_fault_fn *fn, void *data,
			struct gpumem_fault_srv **srv, unsigned int *nr_vcpus);
int hvsim_hv_fault_claim(struct gpumem_fault_srv *srv, u64 first, u64 last,
			 bool claim);
void hvsim_hv_fault_answer(struct gpumem_fault_srv *srv, unsigned int vcpu,
			   u32 answer);
void hvsim_hv_fault_close(struct gpumem_fault_srv *srv);

#endif /* _XEN_GPUMEM_HVSIM_PRIV_H */
