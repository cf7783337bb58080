// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: the Xen backend's fault server (gpumem-hv-xen-fault.c) against a
 * fake Xen.  Every hypercall and kernel Xen helper it uses is a static stub
 * that logs one word and acts as Xen and the event core would: the IOREQ
 * server, its ioreq page (a real page, so that the slots can be read and
 * written as Xen does), the event channels and their interrupts, whose
 * handler the tests call themselves, interrupts off, as an event would.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/resource.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/string.h>

#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/hvm/dm_op.h>
#include <xen/interface/hvm/ioreq.h>
#include <xen/interface/memory.h>
#include <xen/interface/xen.h>
#include <xen/page.h>

#include "../gpumem-priv.h"

#define FE		7
#define INSTANCE	0xfeed0001ull
#define SERVER_ID	3
#define MAX_VCPUS	4
#define REMOTE_PORT(v)	(100 + (v))	/* Xen's vp_eport of vCPU v */
#define LOCAL_PORT(v)	(200 + (v))	/* the local port bound to it */
/* Interrupt numbers no descriptor has: enable_irq() ignores them. */
#define IRQ(v)		(0x10000000 + (v))
#define FAULT_OPS	(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_query) | \
			 XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_fault_range))

struct fake {
	char log[768];
	/* The first call that logs this word fails with fail_rc. */
	const char *fail;
	int fail_rc;
	bool failed;
	/* A failed interrupt binding closed its channel (request_irq()). */
	bool irq_fail_closes;
	/* Every dm_op answers -ESRCH: the frontend is destroyed. */
	bool gone;
	u32 ops;
	u64 instance;
	u64 instance_later;	/* QUERY's instance after the first, if set */
	unsigned int queries;
	u32 nr_vcpus;
	/* Xen */
	bool server;
	bool enabled;
	bool mapped;
	bool acquired;		/* the ioreq frame was mapped at some point */
	struct page *page;
	bool page_freed;
	unsigned long ports;	/* open local ports, bit per vCPU */
	unsigned long irqs;	/* bound interrupts, bit per vCPU */
	irq_handler_t handler;
	void *dev_id[MAX_VCPUS];
	unsigned int sends[MAX_VCPUS];
	unsigned int eois, spurious_eois;
	/* Requests Xen sends as the server is enabled, before any binding. */
	struct ioreq at_enable[MAX_VCPUS];
	/* The last FAULT_RANGE as Xen read it. */
	struct xen_dm_op_gpumem fault_range;
	unsigned int fault_ranges;
	/* The core */
	struct gpumem_fault_srv *srv;
	struct gpumem_fault_event events[8];
	unsigned int nr_events;
	int answer_in_fn;	/* -1: fn does not answer */
};

static struct fake *fake(void)
{
	return kunit_get_current_test()->priv;
}

/* Log @word (printf-style); true if this call is the one to fail. */
static __printf(1, 2) bool step(const char *fmt, ...)
{
	struct fake *fx = fake();
	size_t len = strlen(fx->log);
	char word[24];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(word, sizeof(word), fmt, ap);
	va_end(ap);
	snprintf(fx->log + len, sizeof(fx->log) - len, "%s%s", len ? " " : "",
		 word);
	if (fx->fail && !fx->failed && !strcmp(word, fx->fail)) {
		fx->failed = true;
		return true;
	}
	return false;
}

static struct ioreq *slot(struct fake *fx, unsigned int v)
{
	return (struct ioreq *)page_to_virt(fx->page) + v;
}

/* A slot's state (a bitfield, which KUNIT_EXPECT_EQ() cannot take). */
static unsigned int state(struct fake *fx, unsigned int v)
{
	return slot(fx, v)->state;
}

/* What Xen does to send a request to vCPU @v's slot. */
static void post(struct fake *fx, unsigned int v, const struct ioreq *r)
{
	struct ioreq *s = slot(fx, v);

	s->addr = r->addr;
	s->data = r->data;
	s->count = r->count;
	s->size = r->size;
	s->dir = r->dir;
	s->data_is_ptr = r->data_is_ptr;
	s->type = r->type;
	/* The request before its state, as Xen writes them. */
	virt_wmb();
	s->state = STATE_IOREQ_READY;
}

static struct ioreq fault_req(u64 gfn, u32 access, u32 attempt)
{
	return (struct ioreq){
		.addr = (gfn << XEN_PAGE_SHIFT) | 0x7f8, .data = access,
		.count = attempt, .size = 8, .dir = IOREQ_READ,
		.type = IOREQ_TYPE_GPUMEM_FAULT,
	};
}

static const struct ioreq invalidate_req = {
	.data = ~0ull, .size = 4, .dir = IOREQ_WRITE,
	.type = IOREQ_TYPE_INVALIDATE,
};

static int fake_dm_op(domid_t domid, unsigned int nr_bufs,
		      struct xen_dm_op_buf *bufs)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *fx = fake();
	void *h = bufs[0].h;
	u32 op = *(u32 *)h;

	KUNIT_EXPECT_EQ(test, domid, FE);
	KUNIT_EXPECT_EQ(test, nr_bufs, 1);
	KUNIT_EXPECT_EQ(test, ((u32 *)h)[1], 0);	/* pad */
	switch (op) {
	case XEN_DMOP_gpumem_query: {
		struct xen_dm_op_gpumem *q = h;

		KUNIT_EXPECT_EQ(test, bufs[0].size, sizeof(*q));
		if (step("query"))
			return fx->fail_rc;
		if (fx->gone)
			return -ESRCH;
		q->u.query.version = XEN_GPUMEM_INTERFACE_VERSION;
		q->u.query.ops = fx->ops;
		q->u.query.instance = fx->queries++ && fx->instance_later ?
				      fx->instance_later : fx->instance;
		return 0;
	}
	case GPUMEM_XEN_DMOP_NR_VCPUS: {
		struct gpumem_xen_dmop_nr_vcpus *n = h;

		KUNIT_EXPECT_EQ(test, bufs[0].size, sizeof(*n));
		if (step("nr_vcpus"))
			return fx->fail_rc;
		if (fx->gone)
			return -ESRCH;
		n->vcpus = fx->nr_vcpus;
		return 0;
	}
	case GPUMEM_XEN_DMOP_CREATE_IOREQ_SERVER: {
		struct gpumem_xen_dmop_create_ioreq_server *c = h;

		KUNIT_EXPECT_GE(test, bufs[0].size, 8 + 6);
		/* Synchronous requests only: no buffered ring. */
		KUNIT_EXPECT_EQ(test, c->handle_bufioreq, 0);
		KUNIT_EXPECT_EQ(test, c->pad1[0] | c->pad1[1] | c->pad1[2], 0);
		if (step("create"))
			return fx->fail_rc;
		if (fx->gone)
			return -ESRCH;
		KUNIT_EXPECT_FALSE(test, fx->server);
		fx->server = true;
		c->id = SERVER_ID;
		return 0;
	}
	case GPUMEM_XEN_DMOP_SET_IOREQ_SERVER_STATE: {
		struct gpumem_xen_dmop_set_ioreq_server_state *s = h;
		unsigned int v;

		KUNIT_EXPECT_GE(test, bufs[0].size, 8 + 4);
		KUNIT_EXPECT_EQ(test, s->id, SERVER_ID);
		KUNIT_EXPECT_EQ(test, s->pad1, 0);
		if (step(s->enabled ? "enable" : "disable"))
			return fx->fail_rc;
		if (fx->gone)
			return -ESRCH;
		KUNIT_EXPECT_TRUE(test, fx->server);
		fx->enabled = s->enabled;
		if (!s->enabled || !fx->mapped)
			return 0;
		/* Xen writes the ports as it enables the server. */
		for (v = 0; v < fx->nr_vcpus && v < MAX_VCPUS; v++) {
			slot(fx, v)->vp_eport = REMOTE_PORT(v);
			if (fx->at_enable[v].type || fx->at_enable[v].size)
				post(fx, v, &fx->at_enable[v]);
		}
		return 0;
	}
	case GPUMEM_XEN_DMOP_DESTROY_IOREQ_SERVER: {
		struct gpumem_xen_dmop_destroy_ioreq_server *d = h;

		KUNIT_EXPECT_GE(test, bufs[0].size, 8 + 4);
		KUNIT_EXPECT_EQ(test, d->id, SERVER_ID);
		KUNIT_EXPECT_EQ(test, d->pad1, 0);
		if (step("destroy"))
			return fx->fail_rc;
		if (fx->gone)
			return -ESRCH;
		KUNIT_EXPECT_TRUE(test, fx->server);
		/* Once mapped, the page holds the domain until destroyed. */
		KUNIT_EXPECT_EQ(test, fx->mapped, fx->acquired);
		fx->server = false;
		fx->enabled = false;
		return 0;
	}
	case XEN_DMOP_gpumem_fault_range: {
		struct xen_dm_op_gpumem *f = h;

		KUNIT_EXPECT_EQ(test, bufs[0].size, sizeof(*f));
		fx->fault_range = *f;
		fx->fault_ranges++;
		if (step(f->u.fault_range.flags ? "claim" : "release"))
			return fx->fail_rc;
		return fx->gone ? -ESRCH : 0;
	}
	}
	KUNIT_FAIL(test, "unexpected dm_op %u", op);
	return -EOPNOTSUPP;
}

static int fake_memory_op(unsigned int cmd, void *arg)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *fx = fake();

	switch (cmd) {
	case XENMEM_acquire_resource: {
		struct xen_mem_acquire_resource *x = arg;
		xen_pfn_t *gfn;
		bool fail = step("acquire");

		KUNIT_EXPECT_EQ(test, x->domid, FE);
		KUNIT_EXPECT_EQ(test, x->type, XENMEM_resource_ioreq_server);
		KUNIT_EXPECT_EQ(test, x->id, SERVER_ID);
		KUNIT_EXPECT_EQ(test, x->nr_frames, 1);
		KUNIT_EXPECT_EQ(test, x->flags, 0);
		KUNIT_EXPECT_EQ(test, x->frame,
				XENMEM_resource_ioreq_server_frame_ioreq(0));
		gfn = x->frame_list;
		KUNIT_ASSERT_NOT_NULL(test, gfn);
		KUNIT_EXPECT_EQ(test, *gfn, page_to_xen_pfn(fx->page));
		KUNIT_EXPECT_TRUE(test, fx->server);
		/* -EIO: the frames were mapped in part, here the one. */
		if (fail && fx->fail_rc != -EIO)
			return fx->fail_rc;
		fx->mapped = true;
		fx->acquired = true;
		return fail ? fx->fail_rc : 0;
	}
	case XENMEM_remove_from_physmap: {
		struct xen_remove_from_physmap *x = arg;

		KUNIT_EXPECT_EQ(test, x->domid, DOMID_SELF);
		KUNIT_EXPECT_EQ(test, x->gpfn, page_to_xen_pfn(fx->page));
		if (step("unmap"))
			return fx->fail_rc;
		KUNIT_EXPECT_TRUE(test, fx->mapped);
		fx->mapped = false;
		return 0;
	}
	}
	KUNIT_FAIL(test, "unexpected memory_op %u", cmd);
	return -EINVAL;
}

static int fake_evtchn_op(unsigned int cmd, void *arg)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *fx = fake();

	switch (cmd) {
	case EVTCHNOP_bind_interdomain: {
		struct evtchn_bind_interdomain *b = arg;
		unsigned int v = b->remote_port - REMOTE_PORT(0);

		KUNIT_EXPECT_EQ(test, b->remote_dom, FE);
		KUNIT_ASSERT_LT(test, v, fx->nr_vcpus);
		/* Bound only once Xen has published the port. */
		KUNIT_EXPECT_TRUE(test, fx->enabled);
		if (step("bind%u", v))
			return fx->fail_rc;
		KUNIT_EXPECT_FALSE(test, test_bit(v, &fx->ports));
		__set_bit(v, &fx->ports);
		b->local_port = LOCAL_PORT(v);
		return 0;
	}
	case EVTCHNOP_status: {
		struct evtchn_status *s = arg;
		unsigned int v = s->port - LOCAL_PORT(0);

		KUNIT_EXPECT_EQ(test, s->dom, DOMID_SELF);
		step("status%u", v);
		s->status = EVTCHNSTAT_closed;
		if (v < MAX_VCPUS && test_bit(v, &fx->ports)) {
			s->status = EVTCHNSTAT_interdomain;
			s->u.interdomain.dom = FE;
			s->u.interdomain.port = REMOTE_PORT(v);
		}
		return 0;
	}
	case EVTCHNOP_close: {
		struct evtchn_close *c = arg;
		unsigned int v = c->port - LOCAL_PORT(0);

		step("close%u", v);
		KUNIT_EXPECT_TRUE(test, v < MAX_VCPUS && test_bit(v, &fx->ports));
		__clear_bit(v, &fx->ports);
		return 0;
	}
	case EVTCHNOP_send: {
		struct evtchn_send *s = arg;
		unsigned int v = s->port - LOCAL_PORT(0);

		step("send%u", v);
		KUNIT_ASSERT_LT(test, v, MAX_VCPUS);
		KUNIT_EXPECT_TRUE(test, test_bit(v, &fx->ports));
		fx->sends[v]++;
		return 0;
	}
	}
	KUNIT_FAIL(test, "unexpected event_channel_op %u", cmd);
	return -EINVAL;
}

static void free_page_action(void *page)
{
	__free_page(page);
}

static int fake_page_alloc(struct page **page)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *fx = fake();

	if (step("alloc")) {
		*page = (void *)0x5a5a;	/* what a failure may leave */
		return fx->fail_rc;
	}
	fx->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, fx->page);
	/* Freed at the end, so that the slots can be read after close. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_page_action,
							fx->page), 0);
	*page = fx->page;
	return 0;
}

static void fake_page_free(struct page *page)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *fx = fake();

	step("free");
	KUNIT_EXPECT_PTR_EQ(test, page, fx->page);
	KUNIT_EXPECT_FALSE(test, fx->page_freed);
	KUNIT_EXPECT_FALSE(test, fx->mapped);
	fx->page_freed = true;
}

static int fake_bind_irq(evtchn_port_t port, irq_handler_t handler,
			 const char *name, void *dev_id)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *fx = fake();
	unsigned int v = port - LOCAL_PORT(0);

	KUNIT_ASSERT_LT(test, v, MAX_VCPUS);
	KUNIT_EXPECT_TRUE(test, test_bit(v, &fx->ports));
	KUNIT_EXPECT_STREQ(test, name, "gpumem-fault-d7");
	if (step("irq%u", v)) {
		if (fx->irq_fail_closes)
			__clear_bit(v, &fx->ports);
		return fx->fail_rc;
	}
	fx->handler = handler;
	fx->dev_id[v] = dev_id;
	__set_bit(v, &fx->irqs);
	return IRQ(v);
}

static void fake_unbind_irq(int irq, void *dev_id)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *fx = fake();
	unsigned int v = irq - IRQ(0);

	step("unirq%u", v);
	KUNIT_ASSERT_LT(test, v, MAX_VCPUS);
	KUNIT_EXPECT_TRUE(test, test_bit(v, &fx->irqs));
	KUNIT_EXPECT_PTR_EQ(test, dev_id, fx->dev_id[v]);
	__clear_bit(v, &fx->irqs);
	/* unbind_from_irqhandler() closes the channel. */
	__clear_bit(v, &fx->ports);
}

static void fake_eoi(int irq, unsigned int flags)
{
	struct fake *fx = fake();

	fx->eois++;
	if (flags & XEN_EOI_FLAG_SPURIOUS)
		fx->spurious_eois++;
}

static struct gpumem_hv *xen(void)
{
	return &gpumem_hv_xen;
}

static void fake_fn(void *data, const struct gpumem_fault_event *ev)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *fx = data;

	KUNIT_EXPECT_PTR_EQ(test, fx, fake());
	/* Hard interrupt context, as the event core calls it. */
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	KUNIT_ASSERT_LT(test, fx->nr_events, ARRAY_SIZE(fx->events));
	fx->events[fx->nr_events++] = *ev;
	if (fx->answer_in_fn >= 0)
		xen()->ops->fault_answer(fx->srv, ev->vcpu, fx->answer_in_fn);
}

static int fault_test_init(struct kunit *test)
{
	struct fake *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->ops = FAULT_OPS;
	fx->instance = INSTANCE;
	fx->nr_vcpus = 2;
	fx->answer_in_fn = -1;
	test->priv = fx;
	kunit_activate_static_stub(test, gpumem_xen_dm_op, fake_dm_op);
	kunit_activate_static_stub(test, gpumem_xen_memory_op, fake_memory_op);
	kunit_activate_static_stub(test, gpumem_xen_evtchn_op, fake_evtchn_op);
	kunit_activate_static_stub(test, gpumem_xen_fault_page_alloc,
				   fake_page_alloc);
	kunit_activate_static_stub(test, gpumem_xen_fault_page_free,
				   fake_page_free);
	kunit_activate_static_stub(test, gpumem_xen_fault_bind_irq,
				   fake_bind_irq);
	kunit_activate_static_stub(test, gpumem_xen_fault_unbind_irq,
				   fake_unbind_irq);
	kunit_activate_static_stub(test, gpumem_xen_fault_eoi, fake_eoi);
	return 0;
}

static int open_srv(struct kunit *test, unsigned int *nr_vcpus)
{
	struct fake *fx = test->priv;
	unsigned int n = 0;
	int rc;

	rc = xen()->ops->fault_open(xen(), FE, INSTANCE, fake_fn, fx, &fx->srv,
				    &n);
	if (nr_vcpus)
		*nr_vcpus = n;
	return rc;
}

static void close_srv(struct kunit *test)
{
	struct fake *fx = test->priv;

	xen()->ops->fault_close(fx->srv);
	fx->srv = NULL;
}

/* Nothing of the server is left, in Xen or in this kernel. */
static void expect_nothing_left(struct kunit *test)
{
	struct fake *fx = test->priv;

	KUNIT_EXPECT_FALSE(test, fx->server);
	KUNIT_EXPECT_FALSE(test, fx->enabled);
	KUNIT_EXPECT_FALSE(test, fx->mapped);
	KUNIT_EXPECT_EQ(test, fx->ports, 0);
	KUNIT_EXPECT_EQ(test, fx->irqs, 0);
	KUNIT_EXPECT_EQ(test, !!fx->page, fx->page_freed);
}

/* Raise vCPU @v's event: its handler, interrupts off. */
static irqreturn_t fire(struct kunit *test, unsigned int v)
{
	struct fake *fx = test->priv;
	irqreturn_t ret;

	KUNIT_EXPECT_TRUE(test, test_bit(v, &fx->irqs));
	local_irq_disable();
	ret = fx->handler(IRQ(v), fx->dev_id[v]);
	local_irq_enable();
	return ret;
}

static void clear_log(struct fake *fx)
{
	fx->log[0] = '\0';
}

static void xen_fault_open_close_sequence(struct kunit *test)
{
	struct fake *fx = test->priv;
	unsigned int nr_vcpus;

	KUNIT_ASSERT_EQ(test, open_srv(test, &nr_vcpus), 0);
	KUNIT_EXPECT_EQ(test, nr_vcpus, 2);
	KUNIT_EXPECT_STREQ(test, fx->log,
			   "query nr_vcpus alloc create acquire query enable bind0 irq0 bind1 irq1");
	KUNIT_EXPECT_TRUE(test, fx->enabled && fx->mapped);
	KUNIT_EXPECT_EQ(test, fx->ports, 3);
	KUNIT_EXPECT_EQ(test, fx->irqs, 3);
	KUNIT_EXPECT_EQ(test, fx->eois, 0);

	clear_log(fx);
	close_srv(test);
	/*
	 * Off, interrupts gone with their channels, the server destroyed
	 * while the page still holds the domain, then the page.
	 */
	KUNIT_EXPECT_STREQ(test, fx->log,
			   "disable unirq1 unirq0 destroy unmap free");
	expect_nothing_left(test);
}

struct open_failure {
	const char *step;
	int rc;
	bool irq_fail_closes;
	int expect;
	const char *log;
};

#define OPEN_PREFIX "query nr_vcpus alloc create acquire query enable "

static const struct open_failure open_failures[] = {
	{ "query", -ESRCH, false, -ESRCH, "query" },
	{ "query", -EOPNOTSUPP, false, -EOPNOTSUPP, "query" },
	{ "nr_vcpus", -ESRCH, false, -ESRCH, "query nr_vcpus" },
	{ "alloc", -ENOMEM, false, -ENOMEM, "query nr_vcpus alloc" },
	{ "alloc", -EBUSY, false, -ENOMEM, "query nr_vcpus alloc" },
	{ "create", -ENOSPC, false, -ENOSPC,
	  "query nr_vcpus alloc create free" },
	{ "create", -EPERM, false, -EPERM, "query nr_vcpus alloc create free" },
	{ "acquire", -EINVAL, false, -EINVAL,
	  "query nr_vcpus alloc create acquire destroy free" },
	/* Mapped in part: the page is unmapped before it is freed. */
	{ "acquire", -EIO, false, -EIO,
	  "query nr_vcpus alloc create acquire destroy unmap free" },
	{ "enable", -ENOENT, false, -ENOENT,
	  OPEN_PREFIX "destroy unmap free" },
	{ "bind0", -EINVAL, false, -EINVAL,
	  OPEN_PREFIX "bind0 disable destroy unmap free" },
	/* request_irq() failed: the event core closed the channel. */
	{ "irq0", -EBUSY, true, -EBUSY,
	  OPEN_PREFIX "bind0 irq0 status0 disable destroy unmap free" },
	/* No irq for it: the channel is still open, and closed here. */
	{ "irq0", -ENOMEM, false, -ENOMEM,
	  OPEN_PREFIX "bind0 irq0 status0 close0 disable destroy unmap free" },
	{ "bind1", -ESRCH, false, -ESRCH,
	  OPEN_PREFIX "bind0 irq0 bind1 disable unirq0 destroy unmap free" },
	{ "irq1", -ENOMEM, false, -ENOMEM,
	  OPEN_PREFIX "bind0 irq0 bind1 irq1 status1 close1 disable unirq0 destroy unmap free" },
};

static void open_failure_desc(const struct open_failure *f, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %d%s", f->step, f->rc,
		 f->irq_fail_closes ? " closed" : "");
}

KUNIT_ARRAY_PARAM(open_failure, open_failures, open_failure_desc);

/* Each step of open failing: its error, and everything before undone. */
static void xen_fault_open_unwinds(struct kunit *test)
{
	const struct open_failure *f = test->param_value;
	struct fake *fx = test->priv;

	fx->fail = f->step;
	fx->fail_rc = f->rc;
	fx->irq_fail_closes = f->irq_fail_closes;
	KUNIT_EXPECT_EQ(test, open_srv(test, NULL), f->expect);
	KUNIT_EXPECT_TRUE(test, fx->failed);
	KUNIT_EXPECT_STREQ(test, fx->log, f->log);
	expect_nothing_left(test);
}

static void xen_fault_open_refusals(struct kunit *test)
{
	struct fake *fx = test->priv;

	/* A Xen without FAULT_RANGE: nothing created. */
	fx->ops = FAULT_OPS & ~XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_fault_range);
	KUNIT_EXPECT_EQ(test, open_srv(test, NULL), -EOPNOTSUPP);
	KUNIT_EXPECT_STREQ(test, fx->log, "query");

	/* The domid names another domain now. */
	clear_log(fx);
	fx->ops = FAULT_OPS;
	fx->instance = INSTANCE + 1;
	KUNIT_EXPECT_EQ(test, open_srv(test, NULL), -ESRCH);
	KUNIT_EXPECT_STREQ(test, fx->log, "query");

	/* ... or came to, between the first QUERY and the page's mapping. */
	clear_log(fx);
	fx->instance = INSTANCE;
	fx->queries = 0;
	fx->instance_later = INSTANCE + 1;
	KUNIT_EXPECT_EQ(test, open_srv(test, NULL), -ESRCH);
	KUNIT_EXPECT_STREQ(test, fx->log,
			   "query nr_vcpus alloc create acquire query destroy unmap free");
	expect_nothing_left(test);

	/* More vCPUs than one ioreq page has slots, or none. */
	fx->instance_later = 0;
	fx->nr_vcpus = XEN_PAGE_SIZE / sizeof(struct ioreq) + 1;
	clear_log(fx);
	KUNIT_EXPECT_EQ(test, open_srv(test, NULL), -EOPNOTSUPP);
	KUNIT_EXPECT_STREQ(test, fx->log, "query nr_vcpus");
	fx->nr_vcpus = 0;
	clear_log(fx);
	KUNIT_EXPECT_EQ(test, open_srv(test, NULL), -EOPNOTSUPP);
	KUNIT_EXPECT_STREQ(test, fx->log, "query nr_vcpus");
}

static void xen_fault_claim_marshalling(struct kunit *test)
{
	struct fake *fx = test->priv;
	struct xen_dm_op_gpumem expect = {
		.op = XEN_DMOP_gpumem_fault_range,
		.u.fault_range = {
			.id = SERVER_ID, .flags = XEN_GPUMEM_FAULT_CLAIM,
			.first_gfn = 0x100000, .last_gfn = 0x1003ff,
			.instance = INSTANCE,
		},
	};

	KUNIT_ASSERT_EQ(test, open_srv(test, NULL), 0);
	KUNIT_EXPECT_EQ(test, xen()->ops->fault_claim(fx->srv, 0x100000,
						      0x1003ff, true), 0);
	KUNIT_EXPECT_MEMEQ(test, &fx->fault_range, &expect, sizeof(expect));
	expect.u.fault_range.flags = 0;
	KUNIT_EXPECT_EQ(test, xen()->ops->fault_claim(fx->srv, 0x100000,
						      0x1003ff, false), 0);
	KUNIT_EXPECT_MEMEQ(test, &fx->fault_range, &expect, sizeof(expect));
	/* Xen's refusals are passed on. */
	fx->fail = "claim";
	fx->fail_rc = -EEXIST;
	KUNIT_EXPECT_EQ(test, xen()->ops->fault_claim(fx->srv, 5, 5, true),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, fx->fault_ranges, 3);
	close_srv(test);
	expect_nothing_left(test);
}

static void xen_fault_delivered_and_answered(struct kunit *test)
{
	struct fake *fx = test->priv;
	struct ioreq r = fault_req(0x123456, XEN_GPUMEM_FAULT_W, 1);

	KUNIT_ASSERT_EQ(test, open_srv(test, NULL), 0);
	post(fx, 1, &r);
	KUNIT_EXPECT_EQ(test, fire(test, 1), IRQ_HANDLED);
	KUNIT_ASSERT_EQ(test, fx->nr_events, 1);
	KUNIT_EXPECT_EQ(test, fx->events[0].gfn, 0x123456);
	KUNIT_EXPECT_EQ(test, fx->events[0].access, XEN_GPUMEM_FAULT_W);
	KUNIT_EXPECT_EQ(test, fx->events[0].vcpu, 1);
	KUNIT_EXPECT_EQ(test, fx->events[0].attempt, 1);
	/* With the core now; the channel is open again, nothing sent. */
	KUNIT_EXPECT_EQ(test, state(fx, 1), STATE_IOREQ_INPROCESS);
	KUNIT_EXPECT_EQ(test, fx->eois, 1);
	KUNIT_EXPECT_EQ(test, fx->spurious_eois, 0);
	KUNIT_EXPECT_EQ(test, fx->sends[1], 0);

	/* Its event again (a spurious one): nothing twice. */
	KUNIT_EXPECT_EQ(test, fire(test, 1), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, fx->nr_events, 1);
	KUNIT_EXPECT_EQ(test, fx->spurious_eois, 1);

	xen()->ops->fault_answer(fx->srv, 1, XEN_GPUMEM_FAULT_RETRY);
	KUNIT_EXPECT_EQ(test, state(fx, 1), STATE_IORESP_READY);
	KUNIT_EXPECT_EQ(test, slot(fx, 1)->data, XEN_GPUMEM_FAULT_RETRY);
	KUNIT_EXPECT_EQ(test, fx->sends[1], 1);
	KUNIT_EXPECT_EQ(test, fx->sends[0], 0);

	/* Xen takes the answer; the access faults again, answered EMULATE. */
	slot(fx, 1)->state = STATE_IOREQ_NONE;
	r = fault_req(0x123456, XEN_GPUMEM_FAULT_R | XEN_GPUMEM_FAULT_X, 2);
	post(fx, 1, &r);
	KUNIT_EXPECT_EQ(test, fire(test, 1), IRQ_HANDLED);
	KUNIT_ASSERT_EQ(test, fx->nr_events, 2);
	KUNIT_EXPECT_EQ(test, fx->events[1].access,
			XEN_GPUMEM_FAULT_R | XEN_GPUMEM_FAULT_X);
	KUNIT_EXPECT_EQ(test, fx->events[1].attempt, 2);
	xen()->ops->fault_answer(fx->srv, 1, XEN_GPUMEM_FAULT_EMULATE);
	KUNIT_EXPECT_EQ(test, slot(fx, 1)->data, XEN_GPUMEM_FAULT_EMULATE);
	KUNIT_EXPECT_EQ(test, fx->sends[1], 2);

	clear_log(fx);
	close_srv(test);
	/* Nothing outstanding: close sends nothing. */
	KUNIT_EXPECT_STREQ(test, fx->log,
			   "disable unirq1 unirq0 destroy unmap free");
	expect_nothing_left(test);
}

/* fn may answer before it returns, from the interrupt. */
static void xen_fault_answered_in_fn(struct kunit *test)
{
	struct fake *fx = test->priv;
	struct ioreq r = fault_req(42, XEN_GPUMEM_FAULT_R, 1);

	KUNIT_ASSERT_EQ(test, open_srv(test, NULL), 0);
	fx->answer_in_fn = XEN_GPUMEM_FAULT_CRASH;
	post(fx, 0, &r);
	KUNIT_EXPECT_EQ(test, fire(test, 0), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, fx->nr_events, 1);
	KUNIT_EXPECT_EQ(test, state(fx, 0), STATE_IORESP_READY);
	KUNIT_EXPECT_EQ(test, slot(fx, 0)->data, XEN_GPUMEM_FAULT_CRASH);
	KUNIT_EXPECT_EQ(test, fx->sends[0], 1);
	close_srv(test);
	expect_nothing_left(test);
}

/* Requests that are not faults are answered at once, fn never called. */
static void xen_fault_other_requests(struct kunit *test)
{
	struct fake *fx = test->priv;
	struct ioreq pio = {
		.addr = 0xcf8, .size = 4, .count = 1, .dir = IOREQ_READ,
		.type = IOREQ_TYPE_PIO,
	};

	KUNIT_ASSERT_EQ(test, open_srv(test, NULL), 0);
	post(fx, 0, &invalidate_req);
	KUNIT_EXPECT_EQ(test, fire(test, 0), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, state(fx, 0), STATE_IORESP_READY);
	KUNIT_EXPECT_EQ(test, fx->sends[0], 1);
	/* A read no device answers reads all ones. */
	post(fx, 1, &pio);
	KUNIT_EXPECT_EQ(test, fire(test, 1), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, state(fx, 1), STATE_IORESP_READY);
	KUNIT_EXPECT_EQ(test, slot(fx, 1)->data, ~0ull);
	KUNIT_EXPECT_EQ(test, fx->sends[1], 1);
	KUNIT_EXPECT_EQ(test, fx->nr_events, 0);
	KUNIT_EXPECT_EQ(test, fx->eois, 2);
	KUNIT_EXPECT_EQ(test, fx->spurious_eois, 0);
	/* An event with nothing in the slot is spurious. */
	slot(fx, 0)->state = STATE_IOREQ_NONE;
	KUNIT_EXPECT_EQ(test, fire(test, 0), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, fx->spurious_eois, 1);
	KUNIT_EXPECT_EQ(test, fx->sends[0], 1);
	close_srv(test);
	expect_nothing_left(test);
}

/*
 * Requests Xen sent between the server's enabling and the binding of
 * their channels raised no event: open answers them itself, and a fault
 * (no claim could have made one yet) is answered EMULATE, not delivered.
 */
static void xen_fault_requests_before_binding(struct kunit *test)
{
	struct fake *fx = test->priv;

	fx->at_enable[0] = invalidate_req;
	fx->at_enable[1] = fault_req(9, XEN_GPUMEM_FAULT_R, 1);
	KUNIT_ASSERT_EQ(test, open_srv(test, NULL), 0);
	KUNIT_EXPECT_STREQ(test, fx->log,
			   "query nr_vcpus alloc create acquire query enable bind0 irq0 bind1 irq1 send0 send1");
	KUNIT_EXPECT_EQ(test, state(fx, 0), STATE_IORESP_READY);
	KUNIT_EXPECT_EQ(test, state(fx, 1), STATE_IORESP_READY);
	KUNIT_EXPECT_EQ(test, slot(fx, 1)->data, XEN_GPUMEM_FAULT_EMULATE);
	KUNIT_EXPECT_EQ(test, fx->nr_events, 0);
	close_srv(test);
	expect_nothing_left(test);
}

/*
 * Open failing after the server was enabled answers what Xen sent to the
 * slots it could bind: a vCPU blocked on a slot wakes only on its channel.
 */
static void xen_fault_open_unwind_answers(struct kunit *test)
{
	struct fake *fx = test->priv;

	fx->at_enable[0] = invalidate_req;
	fx->fail = "bind1";
	fx->fail_rc = -ENOMEM;
	KUNIT_EXPECT_EQ(test, open_srv(test, NULL), -ENOMEM);
	KUNIT_EXPECT_STREQ(test, fx->log,
			   OPEN_PREFIX "bind0 irq0 bind1 disable send0 unirq0 destroy unmap free");
	KUNIT_EXPECT_EQ(test, state(fx, 0), STATE_IORESP_READY);
	expect_nothing_left(test);
}

/*
 * Close answers what is outstanding, EMULATE, before the channels go:
 * a fault with the core, and one Xen sent whose event was not taken yet.
 */
static void xen_fault_close_answers_outstanding(struct kunit *test)
{
	struct fake *fx = test->priv;
	struct ioreq r0 = fault_req(100, XEN_GPUMEM_FAULT_R, 1);
	struct ioreq r1 = fault_req(101, XEN_GPUMEM_FAULT_W, 3);

	KUNIT_ASSERT_EQ(test, open_srv(test, NULL), 0);
	post(fx, 0, &r0);
	KUNIT_EXPECT_EQ(test, fire(test, 0), IRQ_HANDLED);
	post(fx, 1, &r1);
	clear_log(fx);
	close_srv(test);
	KUNIT_EXPECT_STREQ(test, fx->log,
			   "disable send0 send1 unirq1 unirq0 destroy unmap free");
	KUNIT_EXPECT_EQ(test, fx->nr_events, 1);
	KUNIT_EXPECT_EQ(test, state(fx, 0), STATE_IORESP_READY);
	KUNIT_EXPECT_EQ(test, slot(fx, 0)->data, XEN_GPUMEM_FAULT_EMULATE);
	KUNIT_EXPECT_EQ(test, state(fx, 1), STATE_IORESP_READY);
	KUNIT_EXPECT_EQ(test, slot(fx, 1)->data, XEN_GPUMEM_FAULT_EMULATE);
	expect_nothing_left(test);
}

/* The frontend was destroyed: Xen's side is gone, this kernel's freed. */
static void xen_fault_close_after_frontend_died(struct kunit *test)
{
	struct fake *fx = test->priv;

	KUNIT_ASSERT_EQ(test, open_srv(test, NULL), 0);
	fx->gone = true;
	KUNIT_EXPECT_EQ(test, xen()->ops->fault_claim(fx->srv, 1, 2, true),
			-ESRCH);
	/* What Xen's teardown of the domain did. */
	fx->server = false;
	fx->enabled = false;
	clear_log(fx);
	close_srv(test);
	KUNIT_EXPECT_STREQ(test, fx->log,
			   "disable unirq1 unirq0 destroy unmap free");
	expect_nothing_left(test);
}

static struct kunit_case xen_fault_cases[] = {
	KUNIT_CASE(xen_fault_open_close_sequence),
	KUNIT_CASE_PARAM(xen_fault_open_unwinds, open_failure_gen_params),
	KUNIT_CASE(xen_fault_open_refusals),
	KUNIT_CASE(xen_fault_claim_marshalling),
	KUNIT_CASE(xen_fault_delivered_and_answered),
	KUNIT_CASE(xen_fault_answered_in_fn),
	KUNIT_CASE(xen_fault_other_requests),
	KUNIT_CASE(xen_fault_requests_before_binding),
	KUNIT_CASE(xen_fault_open_unwind_answers),
	KUNIT_CASE(xen_fault_close_answers_outstanding),
	KUNIT_CASE(xen_fault_close_after_frontend_died),
	{}
};

static struct kunit_suite xen_fault_suite = {
	.name = "xen_gpumem_xen_fault",
	.init = fault_test_init,
	.test_cases = xen_fault_cases,
};

kunit_test_suite(xen_fault_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
