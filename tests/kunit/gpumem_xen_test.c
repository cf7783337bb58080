// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: the Xen backend's hypercall marshalling.  gpumem_xen_dm_op() is
 * redirected to a fake Xen that records the exact buffers it is handed and
 * answers from a script.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <xen/interface/xen.h>
#include <xen/interface/hvm/dm_op.h>
#include <uapi/xen/gpumem.h>

#include "../gpumem-priv.h"

#define FAKE_CALLS	8
#define INSTANCE	0x1234567890ull
#define FE		5

struct fake_call {
	domid_t domid;
	unsigned int nr_bufs;
	u8 buf0[64];
	size_t size0;
	void *h1;
	size_t size1;
};

struct fake_xen {
	struct fake_call calls[FAKE_CALLS];
	unsigned int nr_calls;
	/* Script, per call: the return value and, for batches, done. */
	int rc[FAKE_CALLS];
	u32 done[FAKE_CALLS];
	struct xen_dm_op_gpumem_query answer;
	/* gpumem_revoke_refused() calls */
	unsigned int refused;
	const struct xen_dm_op_gpumem_extent *refused_ext;
	int refused_rc;
	/* gpumem_hv_misreported() calls, and the last one's arguments */
	unsigned int misreported;
	unsigned int misreported_done;
	int misreported_rc;
};

static int fake_dm_op(domid_t domid, unsigned int nr_bufs,
		      struct xen_dm_op_buf *bufs)
{
	struct kunit *test = kunit_get_current_test();
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem *op = bufs[0].h;
	unsigned int i = fx->nr_calls++;
	struct fake_call *c;

	KUNIT_ASSERT_LT(test, i, FAKE_CALLS);
	c = &fx->calls[i];
	c->domid = domid;
	c->nr_bufs = nr_bufs;
	c->size0 = bufs[0].size;
	memcpy(c->buf0, bufs[0].h, min_t(size_t, bufs[0].size, sizeof(c->buf0)));
	if (nr_bufs > 1) {
		c->h1 = bufs[1].h;
		c->size1 = bufs[1].size;
	}
	if (op->op == XEN_DMOP_gpumem_query && !fx->rc[i])
		op->u.query = fx->answer;
	else if (op->op > XEN_DMOP_gpumem_query && op->op <= XEN_DMOP_gpumem_batch_last)
		op->u.batch.done = fx->done[i];
	return fx->rc[i];
}

static void fake_refused(domid_t domid, const struct xen_dm_op_gpumem_extent *e,
			 int rc)
{
	struct fake_xen *fx = kunit_get_current_test()->priv;

	fx->refused++;
	fx->refused_ext = e;
	fx->refused_rc = rc;
}

static void fake_misreported(domid_t domid, unsigned int op,
			     unsigned int done, unsigned int nr, int rc)
{
	struct fake_xen *fx = kunit_get_current_test()->priv;

	fx->misreported++;
	fx->misreported_done = done;
	fx->misreported_rc = rc;
}

static int xen_test_init(struct kunit *test)
{
	struct fake_xen *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->answer = (struct xen_dm_op_gpumem_query){
		.version = XEN_GPUMEM_INTERFACE_VERSION,
		.ops = 0x1f,
		.max_extents = 128,
		.max_extent_frames = XEN_GPUMEM_MAX_EXTENT_FRAMES,
	};
	test->priv = fx;
	kunit_activate_static_stub(test, gpumem_xen_dm_op, fake_dm_op);
	kunit_activate_static_stub(test, gpumem_revoke_refused, fake_refused);
	kunit_activate_static_stub(test, gpumem_hv_misreported,
				   fake_misreported);
	return 0;
}

static struct gpumem_hv *xen(void)
{
	return &gpumem_hv_xen;
}

/* Buffer 0 as Xen reads it. */
static const struct xen_dm_op_gpumem *op0(struct fake_xen *fx, unsigned int i)
{
	return (const struct xen_dm_op_gpumem *)fx->calls[i].buf0;
}

static void xen_query_marshalling(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem expect = { .op = XEN_DMOP_gpumem_query };
	struct xen_dm_op_gpumem_query q;

	KUNIT_ASSERT_EQ(test, xen()->ops->query(xen(), FE, &q), 0);
	KUNIT_ASSERT_EQ(test, fx->nr_calls, 1);
	KUNIT_EXPECT_EQ(test, fx->calls[0].domid, FE);
	KUNIT_EXPECT_EQ(test, fx->calls[0].nr_bufs, 1);
	KUNIT_EXPECT_EQ(test, fx->calls[0].size0, sizeof(expect));
	/* op 64, pad 0, every argument byte 0. */
	KUNIT_EXPECT_MEMEQ(test, fx->calls[0].buf0, &expect, sizeof(expect));
	KUNIT_EXPECT_MEMEQ(test, &q, &fx->answer, sizeof(q));
}

static void xen_query_tells_missing_ops_from_missing_domain(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem_query q;
	u32 nr_vcpus_op[3] = { 20, 0, 0 };

	fx->rc[0] = -EOPNOTSUPP;
	KUNIT_EXPECT_EQ(test, xen()->ops->query(xen(), FE, &q), -EOPNOTSUPP);
	KUNIT_ASSERT_EQ(test, fx->nr_calls, 2);
	/* The second call is XEN_DMOP_nr_vcpus on the same domain. */
	KUNIT_EXPECT_EQ(test, fx->calls[1].domid, FE);
	KUNIT_EXPECT_EQ(test, fx->calls[1].nr_bufs, 1);
	KUNIT_EXPECT_EQ(test, fx->calls[1].size0, sizeof(nr_vcpus_op));
	KUNIT_EXPECT_MEMEQ(test, fx->calls[1].buf0, nr_vcpus_op,
			   sizeof(nr_vcpus_op));

	fx->nr_calls = 0;
	fx->rc[1] = -ESRCH;
	KUNIT_EXPECT_EQ(test, xen()->ops->query(xen(), FE, &q), -ESRCH);
	KUNIT_EXPECT_EQ(test, fx->nr_calls, 2);

	fx->nr_calls = 0;
	fx->rc[0] = -EPERM;	/* XSM: not our domain to drive */
	KUNIT_EXPECT_EQ(test, xen()->ops->query(xen(), FE, &q), -EPERM);
	KUNIT_EXPECT_EQ(test, fx->nr_calls, 1);
}

static const unsigned int batch_ops[] = {
	XEN_DMOP_gpumem_map, XEN_DMOP_gpumem_revoke, XEN_DMOP_gpumem_steal,
	XEN_DMOP_gpumem_return,
};

static void batch_op_desc(const unsigned int *op, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", gpumem_hv_op_name(*op));
}

KUNIT_ARRAY_PARAM(batch_op, batch_ops, batch_op_desc);

static void xen_batch_marshalling(struct kunit *test)
{
	const unsigned int *op = test->param_value;
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[3] = {};
	struct xen_dm_op_gpumem expect = {
		.op = *op, .u.batch = { .nr = 3, .instance = INSTANCE },
	};
	unsigned int done;

	fx->done[0] = 3;
	KUNIT_EXPECT_EQ(test, xen()->ops->batch(xen(), FE, INSTANCE, *op, e,
						3, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 3);
	KUNIT_ASSERT_EQ(test, fx->nr_calls, 1);
	KUNIT_EXPECT_EQ(test, fx->calls[0].domid, FE);
	KUNIT_EXPECT_EQ(test, fx->calls[0].nr_bufs, 2);
	KUNIT_EXPECT_EQ(test, fx->calls[0].size0, sizeof(expect));
	/* op, pad 0, nr 3, done 0 on entry, flags 0, pad 0, the instance. */
	KUNIT_EXPECT_MEMEQ(test, fx->calls[0].buf0, &expect, sizeof(expect));
	/* The extents are passed in place, not copied. */
	KUNIT_EXPECT_PTR_EQ(test, fx->calls[0].h1, (void *)e);
	KUNIT_EXPECT_EQ(test, fx->calls[0].size1, sizeof(e));
}

static void xen_batch_error_progress(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[3] = {};
	unsigned int done;

	fx->rc[0] = -EEXIST;
	fx->done[0] = 1;
	KUNIT_EXPECT_EQ(test, gpumem_hv_batch(xen(), FE, INSTANCE, XEN_DMOP_gpumem_map, e,
					      3, 128, &done), -EEXIST);
	KUNIT_EXPECT_EQ(test, done, 1);
	KUNIT_EXPECT_EQ(test, fx->nr_calls, 1);
}

/* A hypervisor that misreports progress is not believed. */
/*
 * A hypervisor that misreports a call's progress has broken the contract:
 * the module cannot know what the frontend maps, so each kind of lie is
 * the fatal breach (gpumem_hv_misreported(), stubbed here), never an
 * error the caller would answer by undoing only the claimed progress.
 */
static void xen_batch_misreported_progress(struct kunit *test)
{
	static const struct {
		int rc;
		u32 done;
	} lies[] = {
		{ 0, 2 },		/* success, but only 2 of 3 */
		{ 0, 9 },		/* more than asked */
		{ -EEXIST, 3 },		/* a failure, yet all done */
		{ -EEXIST, 4 },		/* a failure past the end */
	};
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[3] = {};
	unsigned int done, i;

	for (i = 0; i < ARRAY_SIZE(lies); i++) {
		fx->nr_calls = 0;
		fx->rc[0] = lies[i].rc;
		fx->done[0] = lies[i].done;
		KUNIT_EXPECT_EQ(test, gpumem_hv_batch(xen(), FE, INSTANCE,
						      XEN_DMOP_gpumem_map, e,
						      3, 128, &done), -EIO);
		KUNIT_EXPECT_EQ(test, fx->misreported, i + 1);
		KUNIT_EXPECT_EQ(test, fx->misreported_done, lies[i].done);
		KUNIT_EXPECT_EQ(test, fx->misreported_rc, lies[i].rc);
		/* Should the breach return, the index is still valid. */
		KUNIT_EXPECT_EQ(test, done, 2);
	}
	/* Truthful answers are no breach: full success, a stop at 1. */
	fx->nr_calls = 0;
	fx->rc[0] = 0;
	fx->done[0] = 3;
	KUNIT_EXPECT_EQ(test, gpumem_hv_batch(xen(), FE, INSTANCE, XEN_DMOP_gpumem_map,
					      e, 3, 128, &done), 0);
	fx->nr_calls = 0;
	fx->rc[0] = -EEXIST;
	fx->done[0] = 1;
	KUNIT_EXPECT_EQ(test, gpumem_hv_batch(xen(), FE, INSTANCE, XEN_DMOP_gpumem_map,
					      e, 3, 128, &done), -EEXIST);
	KUNIT_EXPECT_EQ(test, done, 1);
	KUNIT_EXPECT_EQ(test, fx->misreported, ARRAY_SIZE(lies));
}

static void xen_revoke_in_chunks(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[7] = {};
	unsigned int i;

	fx->done[0] = 3;
	fx->done[1] = 3;
	fx->done[2] = 1;
	gpumem_hv_revoke(xen(), FE, INSTANCE, e, ARRAY_SIZE(e), 3);
	KUNIT_ASSERT_EQ(test, fx->nr_calls, 3);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, op0(fx, i)->op, XEN_DMOP_gpumem_revoke);
		KUNIT_EXPECT_EQ(test, op0(fx, i)->u.batch.nr, i < 2 ? 3 : 1);
		KUNIT_EXPECT_EQ(test, op0(fx, i)->u.batch.done, 0);
		KUNIT_EXPECT_PTR_EQ(test, fx->calls[i].h1, (void *)&e[3 * i]);
		KUNIT_EXPECT_EQ(test, fx->calls[i].size1,
				(i < 2 ? 3 : 1) * sizeof(e[0]));
	}
	KUNIT_EXPECT_EQ(test, fx->refused, 0);
}

static void xen_revoke_refusal_is_fatal(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[4] = {};

	fx->done[0] = 3;
	fx->rc[1] = -EPERM;
	fx->done[1] = 0;
	gpumem_hv_revoke(xen(), FE, INSTANCE, e, ARRAY_SIZE(e), 3);
	KUNIT_EXPECT_EQ(test, fx->nr_calls, 2);
	KUNIT_EXPECT_EQ(test, fx->refused, 1);
	KUNIT_EXPECT_PTR_EQ(test, fx->refused_ext, &e[3]);
	KUNIT_EXPECT_EQ(test, fx->refused_rc, -EPERM);
}

static void xen_revoke_on_destroyed_domain(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[2] = {};

	/* -ESRCH is the one refusal that is not fatal: it is passed on. */
	fx->rc[0] = -ESRCH;
	KUNIT_EXPECT_EQ(test, gpumem_hv_revoke(xen(), FE, INSTANCE, e, ARRAY_SIZE(e), 16),
			-ESRCH);
	KUNIT_EXPECT_EQ(test, fx->nr_calls, 1);
	KUNIT_EXPECT_EQ(test, fx->refused, 0);
	/* A successful revoke answers 0, a refused one is fatal. */
	fx->nr_calls = 0;
	fx->rc[0] = 0;
	fx->done[0] = 2;
	KUNIT_EXPECT_EQ(test, gpumem_hv_revoke(xen(), FE, INSTANCE, e, ARRAY_SIZE(e), 16),
			0);
	fx->nr_calls = 0;
	fx->rc[0] = -EPERM;
	fx->done[0] = 1;
	KUNIT_EXPECT_EQ(test, gpumem_hv_revoke(xen(), FE, INSTANCE, e, ARRAY_SIZE(e), 16),
			0);
	KUNIT_EXPECT_EQ(test, fx->refused, 1);
	KUNIT_EXPECT_EQ(test, fx->refused_rc, -EPERM);
}

/* The whole bind path over the Xen backend, through the ioctl. */
static long xen_bind_and_query(struct kunit *test, struct gpumem_query *q)
{
	struct gpumem_dev gdev = {
		.hv = xen(),
		.limits = { .max_extents = 256, .max_regions = 1 },
	};
	struct gpumem_bind b = { .domid = FE };
	struct gpumem_ctx *ctx = gpumem_ctx_create(&gdev);
	void __user *u;
	long rc;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	u = (void __user *)kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					 PROT_READ | PROT_WRITE,
					 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NOT_NULL(test, (void __force *)u);
	KUNIT_ASSERT_EQ(test, copy_to_user(u, &b, sizeof(b)), 0);
	rc = gpumem_ctx_ioctl(ctx, GPUMEM_IOCTL_BIND, u);
	memset(q, 0, sizeof(*q));
	KUNIT_ASSERT_EQ(test, copy_to_user(u, q, sizeof(*q)), 0);
	KUNIT_EXPECT_EQ(test, gpumem_ctx_ioctl(ctx, GPUMEM_IOCTL_QUERY, u), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(q, u, sizeof(*q)), 0);
	gpumem_ctx_destroy(ctx);
	return rc;
}

static void xen_bind(struct kunit *test)
{
	struct gpumem_query q;

	KUNIT_EXPECT_EQ(test, xen_bind_and_query(test, &q), 0);
	KUNIT_EXPECT_EQ(test, q.backend, GPUMEM_BACKEND_XEN);
	KUNIT_EXPECT_EQ(test, q.domid, FE);
	KUNIT_EXPECT_EQ(test, q.hv_version, XEN_GPUMEM_INTERFACE_VERSION);
	KUNIT_EXPECT_EQ(test, q.hv_ops, 0x1f);
	/* The hypervisor's 128 caps the module's 256. */
	KUNIT_EXPECT_EQ(test, q.max_extents, 128);
}

static void xen_bind_unpatched_xen(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct gpumem_query q;

	fx->rc[0] = -EOPNOTSUPP;	/* gpumem_query unknown, domain exists */
	KUNIT_EXPECT_EQ(test, xen_bind_and_query(test, &q), 0);
	KUNIT_EXPECT_EQ(test, q.domid, FE);
	KUNIT_EXPECT_EQ(test, q.hv_ops, 0);
	KUNIT_EXPECT_EQ(test, q.hv_version, 0);
}

static void xen_bind_missing_domain(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct gpumem_query q;

	fx->rc[0] = -EOPNOTSUPP;
	fx->rc[1] = -ESRCH;
	KUNIT_EXPECT_EQ(test, xen_bind_and_query(test, &q), -ESRCH);
	KUNIT_EXPECT_EQ(test, q.domid, GPUMEM_DOMID_NONE);
}

static void xen_bind_other_interface_version(struct kunit *test)
{
	struct fake_xen *fx = test->priv;
	struct gpumem_query q;

	fx->answer.version = XEN_GPUMEM_INTERFACE_VERSION + 1;
	KUNIT_EXPECT_EQ(test, xen_bind_and_query(test, &q), 0);
	KUNIT_EXPECT_EQ(test, q.domid, FE);
	KUNIT_EXPECT_EQ(test, q.hv_ops, 0);
	KUNIT_EXPECT_EQ(test, q.hv_version, 0);
}

static struct kunit_case xen_cases[] = {
	KUNIT_CASE(xen_query_marshalling),
	KUNIT_CASE(xen_query_tells_missing_ops_from_missing_domain),
	KUNIT_CASE_PARAM(xen_batch_marshalling, batch_op_gen_params),
	KUNIT_CASE(xen_batch_error_progress),
	KUNIT_CASE(xen_batch_misreported_progress),
	KUNIT_CASE(xen_revoke_in_chunks),
	KUNIT_CASE(xen_revoke_refusal_is_fatal),
	KUNIT_CASE(xen_revoke_on_destroyed_domain),
	KUNIT_CASE(xen_bind),
	KUNIT_CASE(xen_bind_unpatched_xen),
	KUNIT_CASE(xen_bind_missing_domain),
	KUNIT_CASE(xen_bind_other_interface_version),
	{}
};

static struct kunit_suite xen_suite = {
	.name = "xen_gpumem_xen",
	.init = xen_test_init,
	.test_cases = xen_cases,
};

kunit_test_suite(xen_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
