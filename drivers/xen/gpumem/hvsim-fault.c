// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hvsim: what the frontend sees when it touches its memory, and the fault
 * servers (XEN_DMOP_gpumem_fault_range, IOREQ_TYPE_GPUMEM_FAULT) such an
 * access reaches when it finds nothing mapped.
 *
 * A simulated frontend access is made by a thread of this kernel standing
 * for one of the frontend's vCPUs.  On an empty GFN that a server claims it
 * does what Xen does: it raises one fault on that vCPU's slot, delivers it
 * to the server's handler in hard interrupt context (an irq_work, as Xen's
 * event channel upcall would), and waits, "paused", for the answer.  RETRY
 * re-executes the access from the start, EMULATE takes the path of no
 * claim (the access faults as before: -EFAULT), CRASH destroys the
 * frontend.  An access faulting XEN_GPUMEM_FAULT_MAX_TRIES times is
 * answered EMULATE by the simulator itself.
 *
 * Locking: claims and the server table are under sim->lock, like every
 * other piece of hypervisor state.  A slot's state and answer are under
 * sim->fault_lock, a leaf spinlock taken with interrupts off: the servers'
 * handlers answer from hard interrupt context.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/highmem.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <kunit/visibility.h>

#include "hvsim-priv.h"

/* How long a paused vCPU waits for its answer before giving up. */
#define HVSIM_FAULT_TIMEOUT	(10 * HZ)

enum hvsim_slot_state {
	HVSIM_SLOT_IDLE,
	HVSIM_SLOT_WAITING,
	HVSIM_SLOT_ANSWERED,
};

struct hvsim_fault_srv;

/* One vCPU's ioreq slot of a server. */
struct hvsim_fault_slot {
	struct hvsim_fault_srv *srv;
	struct irq_work upcall;
	struct gpumem_fault_event ev;
	enum hvsim_slot_state state;	/* sim->fault_lock */
	u32 answer;			/* sim->fault_lock */
};

/**
 * struct hvsim_fault_srv - a simulated fault server
 * @srv: what the module holds.
 * @sim: the simulator.
 * @domid: the frontend.
 * @instance: its instance.
 * @fn: the module's handler.
 * @data: its argument.
 * @claims: claimed GFN ranges (sim->lock).
 * @nr_claims: how many.
 * @busy: vCPUs between raising a fault here and taking its answer
 *        (sim->lock).
 * @slots: one per vCPU.
 */
struct hvsim_fault_srv {
	struct gpumem_fault_srv srv;
	struct hvsim *sim;
	domid_t domid;
	u64 instance;
	gpumem_fault_fn *fn;
	void *data;
	struct hvsim_range claims[HVSIM_MAX_CLAIMS];
	unsigned int nr_claims;
	unsigned int busy;
	struct hvsim_fault_slot slots[HVSIM_NR_VCPUS];
};

static struct hvsim_fault_srv *to_hvsim_srv(struct gpumem_fault_srv *srv)
{
	return container_of(srv, struct hvsim_fault_srv, srv);
}

/* The "event channel": the handler runs in hard interrupt context. */
static void hvsim_fault_upcall(struct irq_work *work)
{
	struct hvsim_fault_slot *slot = container_of(work, struct hvsim_fault_slot,
						     upcall);

	slot->srv->fn(slot->srv->data, &slot->ev);
}

/* The server that claims @gfn of @d, if any. */
static struct hvsim_fault_srv *hvsim_fault_claimant(struct hvsim *sim,
						    struct hvsim_domain *d,
						    u64 gfn)
{
	unsigned int i, c;

	lockdep_assert_held(&sim->lock);
	for (i = 0; i < HVSIM_MAX_SERVERS; i++) {
		struct hvsim_fault_srv *s = sim->fault_srvs[i];

		if (!s || s->domid != d->domid || s->instance != d->instance)
			continue;
		for (c = 0; c < s->nr_claims; c++)
			if (gfn >= s->claims[c].first &&
			    gfn - s->claims[c].first < s->claims[c].nr)
				return s;
	}
	return NULL;
}

/*
 * One execution of the access, under sim->lock (so an increment is atomic
 * against every other frontend access); -EFAULT on a hole.
 */
static int hvsim_access_locked(struct hvsim *sim, struct hvsim_domain *d,
			       u64 gfn, unsigned int offset, void *buf,
			       size_t len, enum hvsim_access kind)
{
	struct hvsim_entry *pe;
	void *va;

	lockdep_assert_held(&sim->lock);
	if (gfn >= d->nr_gfns)
		return -EINVAL;
	pe = &d->p2m[gfn];
	if (pe->type == HVSIM_P2M_HOLE) {
		sim->faults++;
		return -EFAULT;
	}
	if ((pe->type != HVSIM_P2M_RAM && pe->type != HVSIM_P2M_LENT) ||
	    (pe->flags & XEN_GPUMEM_EXT_MMIO) || !pfn_valid(pe->frame))
		return -EIO;
	if (kind != HVSIM_READ && (pe->flags & XEN_GPUMEM_EXT_RO))
		return -EACCES;
	va = kmap_local_page(pfn_to_page(pe->frame));
	switch (kind) {
	case HVSIM_READ:
		memcpy(buf, va + offset, len);
		break;
	case HVSIM_WRITE:
		memcpy(va + offset, buf, len);
		break;
	case HVSIM_INC:
		atomic_inc((atomic_t *)(va + offset));
		break;
	}
	kunmap_local(va);
	return 0;
}

/* Put @vcpu's slot of @s in the waiting state for @ev. */
static int hvsim_fault_arm(struct hvsim *sim, struct hvsim_fault_srv *s,
			   const struct gpumem_fault_event *ev)
{
	struct hvsim_fault_slot *slot = &s->slots[ev->vcpu];
	unsigned long flags;
	int rc = 0;

	lockdep_assert_held(&sim->lock);
	spin_lock_irqsave(&sim->fault_lock, flags);
	if (slot->state == HVSIM_SLOT_IDLE) {
		slot->state = HVSIM_SLOT_WAITING;
		slot->ev = *ev;
	} else {
		/* A vCPU is paused on one fault at a time. */
		rc = -EBUSY;
	}
	spin_unlock_irqrestore(&sim->fault_lock, flags);
	if (!rc) {
		s->busy++;
		sim->fault.raised++;
	}
	return rc;
}

/* Deliver the armed fault of @vcpu and wait, paused, for the answer. */
static int hvsim_fault_wait(struct hvsim *sim, struct hvsim_fault_srv *s,
			    unsigned int vcpu, u32 *answer)
{
	struct hvsim_fault_slot *slot = &s->slots[vcpu];
	unsigned long flags;
	long left;

	irq_work_queue(&slot->upcall);
	left = wait_event_timeout(sim->fault_wq,
				  READ_ONCE(slot->state) == HVSIM_SLOT_ANSWERED,
				  HVSIM_FAULT_TIMEOUT);

	spin_lock(&sim->lock);
	spin_lock_irqsave(&sim->fault_lock, flags);
	*answer = slot->answer;
	if (!left && slot->state != HVSIM_SLOT_ANSWERED)
		*answer = XEN_GPUMEM_FAULT_EMULATE;
	slot->state = HVSIM_SLOT_IDLE;
	spin_unlock_irqrestore(&sim->fault_lock, flags);
	s->busy--;
	if (!left)
		sim->fault.timeouts++;
	spin_unlock(&sim->lock);
	/* hvsim_hv_fault_close() waits for busy to drop. */
	wake_up_all(&sim->fault_wq);
	return left ? 0 : -ETIMEDOUT;
}

/* The access of hvsim_frontend_vcpu_access(), of any kind. */
static int hvsim_vcpu_access(struct hvsim *sim, domid_t domid,
			     unsigned int vcpu, u64 gfn, unsigned int offset,
			     void *buf, size_t len, enum hvsim_access kind)
{
	/* An increment reads and writes: x86 reports it as a write. */
	struct gpumem_fault_event ev = {
		.gfn = gfn, .vcpu = vcpu,
		.access = kind == HVSIM_READ ? XEN_GPUMEM_FAULT_R :
					       XEN_GPUMEM_FAULT_W,
	};
	struct hvsim_fault_srv *s;
	struct hvsim_domain *d;
	u32 answer;
	int rc;

	if (offset >= PAGE_SIZE || len > PAGE_SIZE - offset ||
	    vcpu >= HVSIM_NR_VCPUS)
		return -EINVAL;
	for (;;) {
		spin_lock(&sim->lock);
		rc = hvsim_target(sim, domid, &d);
		if (!rc)
			rc = hvsim_access_locked(sim, d, gfn, offset, buf, len,
						 kind);
		s = rc == -EFAULT ? hvsim_fault_claimant(sim, d, gfn) : NULL;
		if (s && ++ev.attempt > XEN_GPUMEM_FAULT_MAX_TRIES) {
			/* No progress: EMULATE, as Xen decides itself. */
			sim->fault.bounded++;
			s = NULL;
		}
		if (s)
			rc = hvsim_fault_arm(sim, s, &ev);
		spin_unlock(&sim->lock);
		if (!s || rc)
			return rc;
		rc = hvsim_fault_wait(sim, s, vcpu, &answer);
		if (rc)
			return rc;
		if (answer == XEN_GPUMEM_FAULT_RETRY) {
			if (ev.attempt > 1) {
				spin_lock(&sim->lock);
				sim->fault.retried++;
				spin_unlock(&sim->lock);
			}
			continue;
		}
		if (answer == XEN_GPUMEM_FAULT_CRASH) {
			spin_lock(&sim->lock);
			sim->fault.crashed++;
			spin_unlock(&sim->lock);
			hvsim_domain_destroy(sim, domid);
			return -ESRCH;
		}
		spin_lock(&sim->lock);
		sim->fault.emulated++;
		spin_unlock(&sim->lock);
		return -EFAULT;
	}
}

/**
 * hvsim_frontend_vcpu_access() - read or write memory as a frontend vCPU
 * @sim: the simulator.
 * @domid: the frontend.
 * @vcpu: the vCPU, below HVSIM_NR_VCPUS; one access at a time each.
 * @gfn: the GFN it touches.
 * @offset: byte offset in the page.
 * @buf: data to write, or room for data read.
 * @len: bytes; @offset + @len must stay within the page.
 * @write: write instead of read.
 *
 * On an unpopulated GFN claimed by a fault server, the vCPU is paused on a
 * fault until the server answers, as under Xen; may sleep then.
 *
 * Return: 0; -EFAULT for an unpopulated GFN that no server serves (the
 * access faults to the backend and is counted), or that the server answered
 * EMULATE, or after XEN_GPUMEM_FAULT_MAX_TRIES faults; -ESRCH when the
 * server answered CRASH (the frontend is destroyed) or there is no such
 * frontend; -ETIMEDOUT when no answer came; -EBUSY when @vcpu is paused
 * already; -EACCES for a write to a read-only entry; -EIO for frames the
 * simulator does not back with RAM (MMIO, grants, foreign); -EINVAL.
 */
int hvsim_frontend_vcpu_access(struct hvsim *sim, domid_t domid,
			       unsigned int vcpu, u64 gfn,
			       unsigned int offset, void *buf, size_t len,
			       bool write)
{
	return hvsim_vcpu_access(sim, domid, vcpu, gfn, offset, buf, len,
				 write ? HVSIM_WRITE : HVSIM_READ);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_frontend_vcpu_access);

/**
 * hvsim_frontend_access() - hvsim_frontend_vcpu_access() on vCPU 0
 * @sim: the simulator.
 * @domid: the frontend.
 * @gfn: the GFN it touches.
 * @offset: byte offset in the page.
 * @buf: data to write, or room for data read.
 * @len: bytes; @offset + @len must stay within the page.
 * @write: write instead of read.
 *
 * Return: as hvsim_frontend_vcpu_access().
 */
int hvsim_frontend_access(struct hvsim *sim, domid_t domid, u64 gfn,
			  unsigned int offset, void *buf, size_t len,
			  bool write)
{
	return hvsim_frontend_vcpu_access(sim, domid, 0, gfn, offset, buf, len,
					  write);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_frontend_access);

/**
 * hvsim_frontend_vcpu_inc() - a locked increment by a frontend vCPU
 * @sim: the simulator.
 * @domid: the frontend.
 * @vcpu: the vCPU, below HVSIM_NR_VCPUS; one access at a time each.
 * @gfn: the GFN of the counter.
 * @offset: byte offset of the 32-bit counter in the page, 4-aligned.
 *
 * x86's ``lock incl`` on the frontend's memory: read, add one and write
 * back as one access, atomic against every other frontend access.  On a
 * GFN with nothing mapped it faults (a write access) like
 * hvsim_frontend_vcpu_access(), and is executed again after a RETRY, never
 * emulated: a count of increments that each returned 0 is the counter's.
 *
 * Return: as hvsim_frontend_vcpu_access(); -EINVAL for a misaligned
 * @offset.
 */
int hvsim_frontend_vcpu_inc(struct hvsim *sim, domid_t domid,
			    unsigned int vcpu, u64 gfn, unsigned int offset)
{
	if (!IS_ALIGNED(offset, sizeof(u32)))
		return -EINVAL;
	return hvsim_vcpu_access(sim, domid, vcpu, gfn, offset, NULL,
				 sizeof(u32), HVSIM_INC);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_frontend_vcpu_inc);

int hvsim_hv_fault_open(struct gpumem_hv *hv, domid_t domid, u64 instance,
			gpumem_fault_fn *fn, void *data,
			struct gpumem_fault_srv **srv, unsigned int *nr_vcpus)
{
	struct hvsim *sim = to_hvsim(hv);
	struct hvsim_fault_srv *s;
	struct hvsim_domain *d;
	unsigned int i, free = HVSIM_MAX_SERVERS, mine = 0;
	int rc;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->srv.hv = hv;
	s->sim = sim;
	s->domid = domid;
	s->instance = instance;
	s->fn = fn;
	s->data = data;
	for (i = 0; i < HVSIM_NR_VCPUS; i++) {
		s->slots[i].srv = s;
		/* Hard interrupt context, as an event channel upcall. */
		s->slots[i].upcall = IRQ_WORK_INIT_HARD(hvsim_fault_upcall);
	}

	spin_lock(&sim->lock);
	rc = hvsim_target(sim, domid, &d);
	if (!rc && d->instance != instance)
		rc = -ESRCH;
	if (!rc && !(sim->ops & XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_fault_range)))
		rc = -EOPNOTSUPP;
	if (!rc && hvsim_should_fail(sim))
		rc = -ENOMEM;
	for (i = 0; !rc && i < HVSIM_MAX_SERVERS; i++) {
		if (!sim->fault_srvs[i])
			free = min(free, i);
		else if (sim->fault_srvs[i]->domid == domid)
			mine++;
	}
	/* Xen's MAX_NR_IOREQ_SERVERS, per domain. */
	if (!rc && (free == HVSIM_MAX_SERVERS || mine >= HVSIM_MAX_SERVERS))
		rc = -ENOSPC;
	if (!rc)
		sim->fault_srvs[free] = s;
	spin_unlock(&sim->lock);
	if (rc) {
		kfree(s);
		return rc;
	}
	*srv = &s->srv;
	*nr_vcpus = HVSIM_NR_VCPUS;
	return 0;
}

int hvsim_hv_fault_claim(struct gpumem_fault_srv *srv, u64 first, u64 last,
			 bool claim)
{
	struct hvsim_fault_srv *s = to_hvsim_srv(srv);
	struct hvsim *sim = s->sim;
	struct hvsim_domain *d;
	unsigned int i, c;
	int rc;

	spin_lock(&sim->lock);
	rc = hvsim_target(sim, s->domid, &d);
	if (!rc && d->instance != s->instance)
		rc = -ESRCH;
	if (!rc && (first > last || last >= d->nr_gfns))
		rc = -EINVAL;
	if (rc)
		goto out;
	if (!claim) {
		rc = -ENOENT;
		for (c = 0; c < s->nr_claims; c++) {
			if (s->claims[c].first != first ||
			    s->claims[c].nr != last - first + 1)
				continue;
			s->claims[c] = s->claims[--s->nr_claims];
			rc = 0;
			break;
		}
		goto out;
	}
	/* Xen allocates rangeset nodes for a claim. */
	if (hvsim_should_fail(sim)) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < HVSIM_MAX_SERVERS; i++) {
		struct hvsim_fault_srv *o = sim->fault_srvs[i];

		for (c = 0; o && o->domid == s->domid && c < o->nr_claims; c++)
			if (first < o->claims[c].first + o->claims[c].nr &&
			    o->claims[c].first <= last)
				rc = -EEXIST;
	}
	if (!rc && s->nr_claims == HVSIM_MAX_CLAIMS)
		rc = -ENOSPC;
	if (!rc)
		s->claims[s->nr_claims++] = (struct hvsim_range){
			.first = first, .nr = last - first + 1,
		};
out:
	spin_unlock(&sim->lock);
	return rc;
}

void hvsim_hv_fault_answer(struct gpumem_fault_srv *srv, unsigned int vcpu,
			   u32 answer)
{
	struct hvsim_fault_srv *s = to_hvsim_srv(srv);
	struct hvsim *sim = s->sim;
	unsigned long flags;
	bool woke = false;

	if (WARN_ON_ONCE(vcpu >= HVSIM_NR_VCPUS))
		return;
	spin_lock_irqsave(&sim->fault_lock, flags);
	if (!WARN_ON_ONCE(s->slots[vcpu].state != HVSIM_SLOT_WAITING)) {
		s->slots[vcpu].answer = answer;
		WRITE_ONCE(s->slots[vcpu].state, HVSIM_SLOT_ANSWERED);
		woke = true;
	}
	spin_unlock_irqrestore(&sim->fault_lock, flags);
	if (woke)
		wake_up_all(&sim->fault_wq);
}

void hvsim_hv_fault_close(struct gpumem_fault_srv *srv)
{
	struct hvsim_fault_srv *s = to_hvsim_srv(srv);
	struct hvsim *sim = s->sim;
	unsigned int i;

	/* Its claims go with it: no new fault reaches it. */
	spin_lock(&sim->lock);
	for (i = 0; i < HVSIM_MAX_SERVERS; i++)
		if (sim->fault_srvs[i] == s)
			sim->fault_srvs[i] = NULL;
	spin_unlock(&sim->lock);
	for (i = 0; i < HVSIM_NR_VCPUS; i++) {
		unsigned long flags;

		irq_work_sync(&s->slots[i].upcall);
		/* What the module left unanswered is answered EMULATE. */
		spin_lock_irqsave(&sim->fault_lock, flags);
		if (s->slots[i].state == HVSIM_SLOT_WAITING) {
			s->slots[i].answer = XEN_GPUMEM_FAULT_EMULATE;
			WRITE_ONCE(s->slots[i].state, HVSIM_SLOT_ANSWERED);
		}
		spin_unlock_irqrestore(&sim->fault_lock, flags);
	}
	wake_up_all(&sim->fault_wq);
	/* busy drops under sim->lock before the waiter wakes the queue. */
	wait_event(sim->fault_wq, !READ_ONCE(s->busy));
	kfree(s);
}

/**
 * hvsim_fault_stats() - the simulator's fault counters
 * @sim: the simulator.
 * @out: the counters.
 */
void hvsim_fault_stats(struct hvsim *sim, struct hvsim_fault_stats *out)
{
	spin_lock(&sim->lock);
	*out = sim->fault;
	spin_unlock(&sim->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_fault_stats);

/**
 * hvsim_fault_claimed() - whether a fault server claims a frontend GFN
 * @sim: the simulator.
 * @domid: the frontend.
 * @gfn: the GFN.
 *
 * Return: true if one does.
 */
bool hvsim_fault_claimed(struct hvsim *sim, domid_t domid, u64 gfn)
{
	struct hvsim_domain *d;
	bool claimed = false;

	spin_lock(&sim->lock);
	if (!hvsim_target(sim, domid, &d))
		claimed = hvsim_fault_claimant(sim, d, gfn);
	spin_unlock(&sim->lock);
	return claimed;
}
EXPORT_SYMBOL_IF_KUNIT(hvsim_fault_claimed);
