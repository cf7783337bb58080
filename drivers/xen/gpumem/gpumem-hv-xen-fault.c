// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: the Xen backend's fault server.  An IOREQ server of the
 * frontend, created, mapped and served by this kernel: Xen routes the
 * frontend's accesses to empty GFNs this server claims
 * (XEN_DMOP_gpumem_fault_range) to it as IOREQ_TYPE_GPUMEM_FAULT requests,
 * one slot of the server's ioreq page per vCPU, each slot with its event
 * channel; the channel's interrupt hands the fault to the module core
 * (gpumem_fault_fn), which answers it later with fault_answer.
 *
 * The steps, as QEMU takes them for its own server (and as privcmd maps an
 * IOREQ server's page for an auto-translated caller):
 *
 *   open   XEN_DMOP_create_ioreq_server (no buffered ring),
 *          XENMEM_acquire_resource of the ioreq frame into an unpopulated
 *          page of this domain's physmap, XEN_DMOP_set_ioreq_server_state
 *          on, then, per vCPU, EVTCHNOP_bind_interdomain to the slot's
 *          vp_eport (Xen writes the ports into the page only once the
 *          server is enabled) and a lateeoi interrupt on the local port.
 *   fault  the vCPU's slot turns STATE_IOREQ_READY; the handler marks it
 *          STATE_IOREQ_INPROCESS and calls fn; any other request type
 *          (the IOREQ_TYPE_INVALIDATE that Xen broadcasts to every
 *          enabled server) is answered at once.
 *   answer the answer in the slot's data, STATE_IORESP_READY, EVTCHNOP_send.
 *   close  server off, interrupts off, every outstanding request answered
 *          (faults EMULATE), channels closed, XEN_DMOP_destroy_ioreq_server
 *          (Xen drops the server's claims with it), the page unmapped
 *          (XENMEM_remove_from_physmap) and freed.
 *
 * Domain identity: the IOREQ server ops carry no instance (only
 * XEN_DMOP_gpumem_fault_range does).  The ioreq page belongs to the
 * frontend and counts in its pages, so while this domain maps it the
 * frontend cannot be fully destroyed and its domid cannot name another
 * domain.  Open therefore checks the instance again once the page is
 * mapped, and close issues every IOREQ server op before it unmaps the page.
 *
 * Context and locks:
 *  - open, claim and close may sleep; the caller serialises them on one
 *    server (close is never concurrent with open or claim of it).
 *  - The interrupt handler runs in hard interrupt context, one per vCPU
 *    channel; the irq core never runs one channel's handler twice at once,
 *    and the channel stays masked until the handler's xen_irq_lateeoi().
 *    It takes no lock: a slot in STATE_IOREQ_READY is the handler's alone,
 *    since Xen writes it again only after the answer.  fn is called with
 *    no lock of this file held and may call fault_answer.
 *  - fault_answer runs in any context.  srv->lock (a spinlock, taken with
 *    interrupts off) orders it against close's sweep of the slots; it is a
 *    leaf: nothing but EVTCHNOP_send is issued under it.
 *  - fn is never called before open has returned: a fault needs a claim,
 *    and claims are made through the server open returns.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/interrupt.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <asm/barrier.h>
#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/hvm/dm_op.h>
#include <xen/interface/hvm/ioreq.h>
#include <xen/interface/memory.h>
#include <xen/page.h>
#include <xen/xen.h>

#include "gpumem-priv.h"

/* One ioreq page is all Xen 4.17 has: one 32-byte slot per vCPU. */
#define GPUMEM_XEN_FAULT_MAX_VCPUS	(XEN_PAGE_SIZE / sizeof(struct ioreq))

/**
 * struct gpumem_xen_fault_port - one vCPU's slot and event channel
 * @srv: the server.
 * @vcpu: the vCPU, the index of its slot.
 * @port: the local event channel bound to the slot's vp_eport.
 * @irq: its interrupt.
 */
struct gpumem_xen_fault_port {
	struct gpumem_xen_fault_srv *srv;
	unsigned int vcpu;
	evtchn_port_t port;
	int irq;
};

/**
 * struct gpumem_xen_fault_srv - a fault server of the Xen backend
 * @common: what the core holds (its backend).
 * @domid: the frontend.
 * @instance: its instance (QUERY's), for FAULT_RANGE.
 * @id: the IOREQ server (ioservid_t).
 * @fn: the core's handler.
 * @data: its argument.
 * @page: the unpopulated page of this domain's physmap that maps the ioreq
 *        frame, or NULL.
 * @ioreq: the slots, @page's kernel address.
 * @created: the IOREQ server exists.
 * @mapped: @page maps the ioreq frame.
 * @enabled: the server is enabled.
 * @closed: close has answered the outstanding requests: answers are
 *          ignored from then on (@lock).
 * @lock: orders fault_answer against close's sweep.
 * @name: the interrupts' name.
 * @nr_bound: @ports bound to an interrupt so far, the first ones.
 * @nr_vcpus: the frontend's vCPUs.
 * @ports: one per vCPU.
 */
struct gpumem_xen_fault_srv {
	struct gpumem_fault_srv common;
	domid_t domid;
	u64 instance;
	u16 id;
	gpumem_fault_fn *fn;
	void *data;
	struct page *page;
	struct ioreq *ioreq;
	bool created;
	bool mapped;
	bool enabled;
	bool closed;
	spinlock_t lock;	/* see above */
	char name[24];
	unsigned int nr_bound;
	unsigned int nr_vcpus;
	struct gpumem_xen_fault_port ports[] __counted_by(nr_vcpus);
};

static struct gpumem_xen_fault_srv *
to_xen_fault_srv(struct gpumem_fault_srv *common)
{
	return container_of(common, struct gpumem_xen_fault_srv, common);
}

/*
 * What the fault server takes from the kernel's Xen support, each a KUnit
 * static stub, so that the tests can run it without Xen.
 */

/**
 * gpumem_xen_fault_page_alloc() - a page of this domain's physmap with
 * nothing behind it, for the ioreq frame
 * @page: OUT: the page.
 *
 * Return: 0 or xen_alloc_unpopulated_pages()'s error.
 */
VISIBLE_IF_KUNIT int gpumem_xen_fault_page_alloc(struct page **page)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_xen_fault_page_alloc, page);
	return xen_alloc_unpopulated_pages(1, page);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_xen_fault_page_alloc);

/**
 * gpumem_xen_fault_page_free() - give back a page of
 * gpumem_xen_fault_page_alloc(), unpopulated again
 * @page: the page.
 */
VISIBLE_IF_KUNIT void gpumem_xen_fault_page_free(struct page *page)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_xen_fault_page_free, page);
	xen_free_unpopulated_pages(1, &page);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_xen_fault_page_free);

/**
 * gpumem_xen_fault_bind_irq() - a lateeoi interrupt on a local event channel
 * @port: the channel.
 * @handler: its handler.
 * @name: the interrupt's name.
 * @dev_id: the handler's argument.
 *
 * The interrupt is left disabled (IRQF_NO_AUTOEN) until open enables it.
 *
 * Return: the interrupt, or a negative errno (the channel may or may not
 * have been closed).
 */
VISIBLE_IF_KUNIT int gpumem_xen_fault_bind_irq(evtchn_port_t port,
					       irq_handler_t handler,
					       const char *name, void *dev_id)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_xen_fault_bind_irq, port, handler,
				   name, dev_id);
	return bind_evtchn_to_irqhandler_lateeoi(port, handler, IRQF_NO_AUTOEN,
						 name, dev_id);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_xen_fault_bind_irq);

/**
 * gpumem_xen_fault_unbind_irq() - free the interrupt, close its channel
 * @irq: from gpumem_xen_fault_bind_irq().
 * @dev_id: its handler's argument.
 */
VISIBLE_IF_KUNIT void gpumem_xen_fault_unbind_irq(int irq, void *dev_id)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_xen_fault_unbind_irq, irq, dev_id);
	unbind_from_irqhandler(irq, dev_id);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_xen_fault_unbind_irq);

/**
 * gpumem_xen_fault_eoi() - unmask the channel after its handler ran
 * @irq: the interrupt.
 * @flags: XEN_EOI_FLAG_SPURIOUS when the event found nothing to do.
 */
VISIBLE_IF_KUNIT void gpumem_xen_fault_eoi(int irq, unsigned int flags)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_xen_fault_eoi, irq, flags);
	xen_irq_lateeoi(irq, flags);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_xen_fault_eoi);

static int gpumem_xen_fault_dmop(domid_t domid, void *op, size_t size)
{
	struct xen_dm_op_buf buf;

	set_xen_guest_handle(buf.h, op);
	buf.size = size;
	return gpumem_xen_dm_op(domid, 1, &buf);
}

/*
 * XEN_DMOP_gpumem_query: the hypervisor has FAULT_RANGE, and @domid still
 * names the domain of @instance.
 */
static int gpumem_xen_fault_check(domid_t domid, u64 instance)
{
	struct xen_dm_op_gpumem op = { .op = XEN_DMOP_gpumem_query };
	int rc;

	rc = gpumem_xen_fault_dmop(domid, &op, sizeof(op));
	if (rc)
		return rc;
	if (!(op.u.query.ops & XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_fault_range)))
		return -EOPNOTSUPP;
	return op.u.query.instance == instance ? 0 : -ESRCH;
}

static int gpumem_xen_fault_set_state(struct gpumem_xen_fault_srv *srv,
				      bool enabled)
{
	struct gpumem_xen_dmop_set_ioreq_server_state op = {
		.op = GPUMEM_XEN_DMOP_SET_IOREQ_SERVER_STATE,
		.id = srv->id,
		.enabled = enabled,
	};

	return gpumem_xen_fault_dmop(srv->domid, &op, sizeof(op));
}

/* Publish the slot's answer and wake the vCPU. */
static void gpumem_xen_fault_respond(struct gpumem_xen_fault_port *p,
				     struct ioreq *req)
{
	struct evtchn_send send = { .port = p->port };

	/* Xen reads the answer once it sees the state. */
	virt_wmb();
	req->state = STATE_IORESP_READY;
	gpumem_xen_evtchn_op(EVTCHNOP_send, &send);
}

/*
 * A request that is not a fault: answered as no device would, reads with
 * all ones (never through a pointer: the server reads no guest memory).
 */
static void gpumem_xen_fault_respond_other(struct gpumem_xen_fault_port *p,
					   struct ioreq *req)
{
	if (req->dir == IOREQ_READ && !req->data_is_ptr)
		req->data = ~0ull;
	gpumem_xen_fault_respond(p, req);
}

/*
 * Serve @p's slot if it holds a new request; true if it did.  @deliver:
 * faults go to fn; otherwise (open's first look, before any claim could
 * have made one) they are answered EMULATE, the path of no claim.
 */
static bool gpumem_xen_fault_slot(struct gpumem_xen_fault_port *p,
				  bool deliver)
{
	struct gpumem_xen_fault_srv *srv = p->srv;
	struct ioreq *req = &srv->ioreq[p->vcpu];
	struct gpumem_fault_event ev;

	if (req->state != STATE_IOREQ_READY)
		return false;
	/* Xen writes the request before its state. */
	virt_rmb();
	if (req->type != IOREQ_TYPE_GPUMEM_FAULT) {
		gpumem_xen_fault_respond_other(p, req);
		return true;
	}
	if (!deliver) {
		req->data = XEN_GPUMEM_FAULT_EMULATE;
		gpumem_xen_fault_respond(p, req);
		return true;
	}
	ev.gfn = req->addr >> XEN_PAGE_SHIFT;
	ev.access = (u32)req->data;
	ev.vcpu = p->vcpu;
	ev.attempt = req->count;
	/*
	 * Xen does not look at the slot again until the answer; the state
	 * says, to Xen and to close, that the fault is with the core now,
	 * which may answer it before fn even returns.
	 */
	req->state = STATE_IOREQ_INPROCESS;
	srv->fn(srv->data, &ev);
	return true;
}

static irqreturn_t gpumem_xen_fault_interrupt(int irq, void *dev_id)
{
	struct gpumem_xen_fault_port *p = dev_id;
	bool served = gpumem_xen_fault_slot(p, true);

	/*
	 * The channel stays masked until the EOI; a spurious one lets the
	 * event core delay the next, so an event storm cannot hold a CPU.
	 */
	gpumem_xen_fault_eoi(irq, served ? 0 : XEN_EOI_FLAG_SPURIOUS);
	return served ? IRQ_HANDLED : IRQ_NONE;
}

/*
 * A local port whose interrupt could not be bound: the event core closes it
 * on some of its failures and not on others, so close it if it is still
 * ours, connected to the slot's channel.
 */
static void gpumem_xen_fault_close_port(domid_t domid, evtchn_port_t local,
					evtchn_port_t remote)
{
	struct evtchn_status status = { .dom = DOMID_SELF, .port = local };
	struct evtchn_close close = { .port = local };

	if (gpumem_xen_evtchn_op(EVTCHNOP_status, &status) ||
	    status.status != EVTCHNSTAT_interdomain ||
	    status.u.interdomain.dom != domid ||
	    status.u.interdomain.port != remote)
		return;
	if (gpumem_xen_evtchn_op(EVTCHNOP_close, &close))
		pr_warn("d%u: could not close event channel %u\n", domid, local);
}

static int gpumem_xen_fault_bind(struct gpumem_xen_fault_srv *srv, unsigned int i)
{
	struct gpumem_xen_fault_port *p = &srv->ports[i];
	struct evtchn_bind_interdomain bind = {
		.remote_dom = srv->domid,
		.remote_port = READ_ONCE(srv->ioreq[i].vp_eport),
	};
	int rc;

	rc = gpumem_xen_evtchn_op(EVTCHNOP_bind_interdomain, &bind);
	if (rc)
		return rc;
	p->srv = srv;
	p->vcpu = i;
	p->port = bind.local_port;
	rc = gpumem_xen_fault_bind_irq(p->port, gpumem_xen_fault_interrupt,
				       srv->name, p);
	if (rc < 0) {
		gpumem_xen_fault_close_port(srv->domid, p->port,
					    bind.remote_port);
		return rc;
	}
	p->irq = rc;
	return 0;
}

/*
 * Undo what open did, as far as it got (close: all of it).  Every IOREQ
 * server op comes before the page is unmapped (see the top of the file).
 */
static void gpumem_xen_fault_teardown(struct gpumem_xen_fault_srv *srv)
{
	struct xen_remove_from_physmap xrfp = { .domid = DOMID_SELF };
	unsigned long flags;
	unsigned int i;
	int rc;

	/*
	 * Off first: with the frontend paused, Xen stops sending requests
	 * here, so none is in flight once it returns; those sent before
	 * wait in their slots.
	 */
	if (srv->enabled) {
		rc = gpumem_xen_fault_set_state(srv, false);
		if (rc && rc != -ESRCH)
			pr_warn("d%u: IOREQ server %u not disabled: %d\n",
				srv->domid, srv->id, rc);
		srv->enabled = false;
	}
	/* Then no handler runs, and fn is never called again. */
	for (i = 0; i < srv->nr_bound; i++)
		disable_irq(srv->ports[i].irq);
	/* Every request still waiting is answered: faults EMULATE. */
	spin_lock_irqsave(&srv->lock, flags);
	srv->closed = true;
	for (i = 0; i < srv->nr_bound; i++) {
		struct gpumem_xen_fault_port *p = &srv->ports[i];
		struct ioreq *req = &srv->ioreq[i];

		if (gpumem_xen_fault_slot(p, false))
			continue;
		if (req->state == STATE_IOREQ_INPROCESS) {
			req->data = XEN_GPUMEM_FAULT_EMULATE;
			gpumem_xen_fault_respond(p, req);
		}
	}
	spin_unlock_irqrestore(&srv->lock, flags);
	/* Closes the channels too. */
	while (srv->nr_bound) {
		struct gpumem_xen_fault_port *p = &srv->ports[--srv->nr_bound];

		gpumem_xen_fault_unbind_irq(p->irq, p);
	}
	/* Xen releases the server's claims with it. */
	if (srv->created) {
		struct gpumem_xen_dmop_destroy_ioreq_server op = {
			.op = GPUMEM_XEN_DMOP_DESTROY_IOREQ_SERVER,
			.id = srv->id,
		};

		rc = gpumem_xen_fault_dmop(srv->domid, &op, sizeof(op));
		if (rc && rc != -ESRCH)
			pr_warn("d%u: IOREQ server %u not destroyed: %d\n",
				srv->domid, srv->id, rc);
		srv->created = false;
	}
	if (srv->mapped) {
		xrfp.gpfn = page_to_xen_pfn(srv->page);
		rc = gpumem_xen_memory_op(XENMEM_remove_from_physmap, &xrfp);
		if (rc) {
			/* Still a foreign frame: never handed out again. */
			pr_err("d%u: ioreq page at gfn %#llx not unmapped (%d): leaked\n",
			       srv->domid, (unsigned long long)xrfp.gpfn, rc);
			srv->page = NULL;
		}
		srv->mapped = false;
	}
	if (srv->page)
		gpumem_xen_fault_page_free(srv->page);
	kfree(srv);
}

/* The ioreq frame of the server, mapped at @srv->page's GFN. */
static int gpumem_xen_fault_map(struct gpumem_xen_fault_srv *srv)
{
	xen_pfn_t gfn = page_to_xen_pfn(srv->page);
	struct xen_mem_acquire_resource xmar = {
		.domid = srv->domid,
		.type = XENMEM_resource_ioreq_server,
		.id = srv->id,
		.nr_frames = 1,
		.frame = XENMEM_resource_ioreq_server_frame_ioreq(0),
	};
	int rc;

	set_xen_guest_handle(xmar.frame_list, &gfn);
	rc = gpumem_xen_memory_op(XENMEM_acquire_resource, &xmar);
	/* -EIO: mapped in part, which for one frame means that frame. */
	srv->mapped = !rc || rc == -EIO;
	if (rc)
		return rc;
	srv->ioreq = page_to_virt(srv->page);
	return 0;
}

/**
 * gpumem_xen_fault_open() - an IOREQ server for the frontend's faults
 * @hv: the Xen backend.
 * @domid: the frontend.
 * @instance: its instance, as QUERY reported it.
 * @fn: called in hard interrupt context for each fault on a claimed GFN.
 * @data: @fn's first argument.
 * @srv: OUT: the server.
 * @nr_vcpus: OUT: the frontend's vCPUs.
 *
 * The fault_open of struct gpumem_hv_ops.  A frontend with more vCPUs than
 * one ioreq page has slots (128) is refused rather than served in part: a
 * vCPU without a slot would wait forever on its first fault.  Never more
 * than Xen's HVM limit anyway.  May sleep.
 *
 * Return: 0; -EOPNOTSUPP when Xen lacks XEN_DMOP_gpumem_fault_range or the
 * frontend has too many vCPUs; -ESRCH when @domid is gone or names another
 * domain; -ENOSPC when the frontend has no room for another IOREQ server
 * (Xen's eight); -ENOMEM; or Xen's error of a step.  Nothing is left of
 * the server on error.
 */
int gpumem_xen_fault_open(struct gpumem_hv *hv, domid_t domid, u64 instance,
			  gpumem_fault_fn *fn, void *data,
			  struct gpumem_fault_srv **srv,
			  unsigned int *nr_vcpus)
{
	struct gpumem_xen_dmop_nr_vcpus nr = { .op = GPUMEM_XEN_DMOP_NR_VCPUS };
	struct gpumem_xen_dmop_create_ioreq_server create = {
		.op = GPUMEM_XEN_DMOP_CREATE_IOREQ_SERVER,
	};
	struct gpumem_xen_fault_srv *s;
	unsigned int i;
	int rc;

	rc = gpumem_xen_fault_check(domid, instance);
	if (rc)
		return rc;
	rc = gpumem_xen_fault_dmop(domid, &nr, sizeof(nr));
	if (rc)
		return rc;
	if (!nr.vcpus || nr.vcpus > GPUMEM_XEN_FAULT_MAX_VCPUS) {
		pr_warn("d%u: %u vCPUs: a fault server serves 1..%zu\n", domid,
			nr.vcpus, GPUMEM_XEN_FAULT_MAX_VCPUS);
		return -EOPNOTSUPP;
	}

	s = kzalloc(struct_size(s, ports, nr.vcpus), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->nr_vcpus = nr.vcpus;
	s->domid = domid;
	s->instance = instance;
	s->fn = fn;
	s->data = data;
	spin_lock_init(&s->lock);
	snprintf(s->name, sizeof(s->name), "gpumem-fault-d%u", domid);
	rc = gpumem_xen_fault_page_alloc(&s->page);
	if (rc) {
		s->page = NULL;
		rc = -ENOMEM;
		goto err;
	}

	rc = gpumem_xen_fault_dmop(domid, &create, sizeof(create));
	if (rc)
		goto err;
	s->created = true;
	s->id = create.id;
	rc = gpumem_xen_fault_map(s);
	if (rc)
		goto err;
	/* The mapped page holds the domain: is it still the one named? */
	rc = gpumem_xen_fault_check(domid, instance);
	if (rc)
		goto err;
	rc = gpumem_xen_fault_set_state(s, true);
	if (rc)
		goto err;
	s->enabled = true;

	for (i = 0; i < s->nr_vcpus; i++) {
		rc = gpumem_xen_fault_bind(s, i);
		if (rc)
			goto err;
		s->nr_bound++;
	}
	/*
	 * A request sent between the server's enabling and its channel's
	 * binding raised no event: serve it before the interrupt takes over
	 * (with interrupts off, as the handler runs).  One sent later is an
	 * event pending on the masked channel, delivered by enable_irq().
	 */
	for (i = 0; i < s->nr_vcpus; i++) {
		unsigned long flags;

		local_irq_save(flags);
		gpumem_xen_fault_slot(&s->ports[i], false);
		local_irq_restore(flags);
		enable_irq(s->ports[i].irq);
	}

	s->common.hv = hv;
	*srv = &s->common;
	*nr_vcpus = s->nr_vcpus;
	return 0;

err:
	gpumem_xen_fault_teardown(s);
	return rc;
}

/**
 * gpumem_xen_fault_claim() - claim or release a GFN range for a server
 * @common: the server.
 * @first: first frontend GFN.
 * @last: last frontend GFN (inclusive).
 * @claim: claim, or release a range claimed before.
 *
 * XEN_DMOP_gpumem_fault_range.  May sleep.
 *
 * Return: 0, or the op's error: -EEXIST (claimed already), -ENOENT (no such
 * claim to release), -ESRCH (the frontend is gone), -EINVAL.
 */
int gpumem_xen_fault_claim(struct gpumem_fault_srv *common, u64 first,
			   u64 last, bool claim)
{
	struct gpumem_xen_fault_srv *srv = to_xen_fault_srv(common);
	struct xen_dm_op_gpumem op = {
		.op = XEN_DMOP_gpumem_fault_range,
		.u.fault_range = {
			.id = srv->id,
			.flags = claim ? XEN_GPUMEM_FAULT_CLAIM : 0,
			.first_gfn = first,
			.last_gfn = last,
			.instance = srv->instance,
		},
	};

	return gpumem_xen_fault_dmop(srv->domid, &op, sizeof(op));
}

/**
 * gpumem_xen_fault_answer() - complete a vCPU's fault
 * @common: the server.
 * @vcpu: the vCPU, as the fault event named it.
 * @answer: XEN_GPUMEM_FAULT_RETRY, _EMULATE or _CRASH.
 *
 * Any context, fn included.  An answer for a vCPU without a fault in
 * process is a bug of the caller's and is dropped with a warning; after
 * close has swept the slots it is dropped silently.
 */
void gpumem_xen_fault_answer(struct gpumem_fault_srv *common,
			     unsigned int vcpu, u32 answer)
{
	struct gpumem_xen_fault_srv *srv = to_xen_fault_srv(common);
	struct ioreq *req;
	unsigned long flags;

	if (WARN_ON_ONCE(vcpu >= srv->nr_vcpus ||
			 answer > XEN_GPUMEM_FAULT_CRASH))
		return;
	req = &srv->ioreq[vcpu];
	spin_lock_irqsave(&srv->lock, flags);
	if (!srv->closed &&
	    !WARN_ON_ONCE(req->state != STATE_IOREQ_INPROCESS ||
			  req->type != IOREQ_TYPE_GPUMEM_FAULT)) {
		req->data = answer;
		gpumem_xen_fault_respond(&srv->ports[vcpu], req);
	}
	spin_unlock_irqrestore(&srv->lock, flags);
}

/**
 * gpumem_xen_fault_close() - destroy a fault server
 * @common: the server.
 *
 * Faults not answered yet are answered EMULATE; when it returns fn is not
 * running and is never called again, and the server, its claims, channels
 * and page are gone.  May sleep.
 */
void gpumem_xen_fault_close(struct gpumem_fault_srv *common)
{
	gpumem_xen_fault_teardown(to_xen_fault_srv(common));
}
