// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: the /dev/xen/gpumem uAPI — ioctl numbers, input validation, the
 * bind latch and what QUERY reports, with real user memory.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/test.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

#define FE		ENV_FE
#define FE_OTHER	ENV_FE_OTHER
/* QUERY's bit for this kernel's dma-buf core. */
#define FEAT_MOVE_NOTIFY \
	(IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? GPUMEM_FEAT_MOVE_NOTIFY : 0)

static const struct gpumem_limits uapi_limits = {
	.max_extents = 64,
	.max_regions = 16,
	.max_pages = 4096,
	.max_stolen_pages = 128,
	.max_pinned_pages = 64,
};

static int uapi_test_init(struct kunit *test)
{
	struct gpumem_test_env *env = kunit_kzalloc(test, sizeof(*env),
						    GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, env);
	test->priv = env;
	gpumem_test_env_init(test, env, &uapi_limits, 64);
	return 0;
}

static void uapi_test_exit(struct kunit *test)
{
	gpumem_test_env_fini(test->priv);
}

static long uapi_bind(struct kunit *test, u32 domid, u32 flags)
{
	struct gpumem_bind b = { .domid = domid, .flags = flags };

	return gpumem_test_ioctl(test, test->priv, GPUMEM_IOCTL_BIND, &b,
				 sizeof(b));
}

/* QUERY with @in as input; the answer lands in @out. */
static long query_with(struct kunit *test, const struct gpumem_query *in,
		       struct gpumem_query *out)
{
	*out = *in;
	return gpumem_test_ioctl(test, test->priv, GPUMEM_IOCTL_QUERY, out,
				 sizeof(*out));
}

static struct gpumem_query query(struct kunit *test)
{
	struct gpumem_query in = {}, out;

	KUNIT_EXPECT_EQ(test, query_with(test, &in, &out), 0);
	return out;
}

static u64 query_calls(struct kunit *test)
{
	return gpumem_test_stats(test->priv, XEN_DMOP_gpumem_query).calls;
}

static void uapi_ioctl_numbers(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, _IOC_TYPE(GPUMEM_IOCTL_BIND), 0xB9);
	KUNIT_EXPECT_EQ(test, _IOC_NR(GPUMEM_IOCTL_BIND), 0);
	KUNIT_EXPECT_EQ(test, _IOC_DIR(GPUMEM_IOCTL_BIND), _IOC_WRITE);
	KUNIT_EXPECT_EQ(test, _IOC_SIZE(GPUMEM_IOCTL_BIND), 8);
	KUNIT_EXPECT_EQ(test, _IOC_TYPE(GPUMEM_IOCTL_QUERY), 0xB9);
	KUNIT_EXPECT_EQ(test, _IOC_NR(GPUMEM_IOCTL_QUERY), 1);
	KUNIT_EXPECT_EQ(test, _IOC_DIR(GPUMEM_IOCTL_QUERY),
			_IOC_READ | _IOC_WRITE);
	KUNIT_EXPECT_EQ(test, _IOC_SIZE(GPUMEM_IOCTL_QUERY), 80);
}

static void uapi_query_unbound(struct kunit *test)
{
	struct gpumem_query q = query(test);

	KUNIT_EXPECT_EQ(test, q.api_version, GPUMEM_API_VERSION);
	KUNIT_EXPECT_EQ(test, q.backend, GPUMEM_BACKEND_HVSIM);
	KUNIT_EXPECT_EQ(test, q.domid, GPUMEM_DOMID_NONE);
	KUNIT_EXPECT_EQ(test, q.features, 0);
	KUNIT_EXPECT_EQ(test, q.hv_version, 0);
	KUNIT_EXPECT_EQ(test, q.hv_ops, 0);
	KUNIT_EXPECT_EQ(test, q.max_extents, uapi_limits.max_extents);
	KUNIT_EXPECT_EQ(test, q.max_extent_pages, XEN_GPUMEM_MAX_EXTENT_FRAMES);
	KUNIT_EXPECT_EQ(test, q.max_regions, uapi_limits.max_regions);
	KUNIT_EXPECT_EQ(test, q.max_pages, uapi_limits.max_pages);
	KUNIT_EXPECT_EQ(test, q.max_stolen_pages, uapi_limits.max_stolen_pages);
	KUNIT_EXPECT_EQ(test, q.max_pinned_pages, uapi_limits.max_pinned_pages);
	KUNIT_EXPECT_EQ(test, q.flags, 0);
	KUNIT_EXPECT_EQ(test, q.pad, 0);
	/* Answered by the module alone. */
	KUNIT_EXPECT_EQ(test, query_calls(test), 0);
}

static void uapi_bind_then_query(struct kunit *test)
{
	struct gpumem_query q;

	KUNIT_ASSERT_EQ(test, uapi_bind(test, FE, 0), 0);
	KUNIT_EXPECT_EQ(test, query_calls(test), 1);
	q = query(test);
	KUNIT_EXPECT_EQ(test, q.domid, FE);
	KUNIT_EXPECT_EQ(test, q.hv_version, XEN_GPUMEM_INTERFACE_VERSION);
	KUNIT_EXPECT_EQ(test, q.hv_ops, GPUMEM_HV_OP_QUERY | GPUMEM_HV_OP_MAP |
			GPUMEM_HV_OP_REVOKE | GPUMEM_HV_OP_STEAL |
			GPUMEM_HV_OP_RETURN | GPUMEM_HV_OP_FAULT);
	/* The module's limit is below hvsim's 512. */
	KUNIT_EXPECT_EQ(test, q.max_extents, uapi_limits.max_extents);
	KUNIT_EXPECT_EQ(test, q.features,
			GPUMEM_FEAT_MAP_VA | GPUMEM_FEAT_MAP_DMABUF |
			GPUMEM_FEAT_STEAL | GPUMEM_FEAT_FAULT | FEAT_MOVE_NOTIFY);
	KUNIT_EXPECT_EQ(test, query_calls(test), 1);
}

static void uapi_bind_is_a_latch(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, uapi_bind(test, FE, 0), 0);
	KUNIT_EXPECT_EQ(test, uapi_bind(test, FE, 0), 0);
	KUNIT_EXPECT_EQ(test, uapi_bind(test, FE_OTHER, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, query(test).domid, FE);
	/* The latch answers without asking the hypervisor again. */
	KUNIT_EXPECT_EQ(test, query_calls(test), 1);
}

static const u32 bad_domids[] = {
	0, DOMID_FIRST_RESERVED, DOMID_SELF, DOMID_IO, DOMID_INVALID,
	DOMID_IDLE, 0x8000, 0x10001, 0xffffffff,
};

static void bad_domid_desc(const u32 *d, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "domid %#x", *d);
}

KUNIT_ARRAY_PARAM(bad_domid, bad_domids, bad_domid_desc);

static void uapi_bind_bad_domid(struct kunit *test)
{
	const u32 *domid = test->param_value;

	KUNIT_EXPECT_EQ(test, uapi_bind(test, *domid, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, query(test).domid, GPUMEM_DOMID_NONE);
	KUNIT_EXPECT_EQ(test, query_calls(test), 0);
}

static const u32 bad_bind_flags[] = { 1u << 0, 1u << 1, 1u << 16, 1u << 31 };

static void bad_flag_desc(const u32 *f, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "flags %#x", *f);
}

KUNIT_ARRAY_PARAM(bad_bind_flag, bad_bind_flags, bad_flag_desc);

static void uapi_bind_bad_flags(struct kunit *test)
{
	const u32 *flags = test->param_value;

	KUNIT_EXPECT_EQ(test, uapi_bind(test, FE, *flags), -EINVAL);
	KUNIT_EXPECT_EQ(test, query(test).domid, GPUMEM_DOMID_NONE);
	KUNIT_EXPECT_EQ(test, query_calls(test), 0);
}

static void uapi_bind_missing_domain(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, uapi_bind(test, 7, 0), -ESRCH);
	KUNIT_EXPECT_EQ(test, query(test).domid, GPUMEM_DOMID_NONE);
	/* A failed bind does not close the latch. */
	KUNIT_EXPECT_EQ(test, uapi_bind(test, FE, 0), 0);
	KUNIT_EXPECT_EQ(test, query(test).domid, FE);
}

static void uapi_bind_needs_cap_sys_admin(struct kunit *test)
{
	const struct cred *old;
	struct cred *cred;
	long rc;

	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cap_lower(cred->cap_effective, CAP_SYS_ADMIN);
	old = override_creds(cred);
	rc = uapi_bind(test, FE, 0);
	revert_creds(old);
	put_cred(cred);

	KUNIT_EXPECT_EQ(test, rc, -EPERM);
	KUNIT_EXPECT_EQ(test, query(test).domid, GPUMEM_DOMID_NONE);
	KUNIT_EXPECT_EQ(test, query_calls(test), 0);
}

static void uapi_bind_without_hypervisor_ops(struct kunit *test)
{
	struct gpumem_test_env *fx = test->priv;
	struct gpumem_query q;

	hvsim_set_ops(fx->sim, 0);
	KUNIT_ASSERT_EQ(test, uapi_bind(test, FE, 0), 0);
	q = query(test);
	KUNIT_EXPECT_EQ(test, q.domid, FE);
	KUNIT_EXPECT_EQ(test, q.hv_version, 0);
	KUNIT_EXPECT_EQ(test, q.hv_ops, 0);
	KUNIT_EXPECT_EQ(test, q.features, 0);
	KUNIT_EXPECT_EQ(test, q.max_extents, uapi_limits.max_extents);
}

/* Without revoke, map is withheld: nothing could ever be taken back. */
static void uapi_bind_without_revoke(struct kunit *test)
{
	struct gpumem_test_env *fx = test->priv;

	hvsim_set_ops(fx->sim, XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_query) |
			       XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_map) |
			       XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_steal) |
			       XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_return));
	KUNIT_ASSERT_EQ(test, uapi_bind(test, FE, 0), 0);
	KUNIT_EXPECT_EQ(test, query(test).hv_ops, GPUMEM_HV_OP_QUERY |
			GPUMEM_HV_OP_STEAL | GPUMEM_HV_OP_RETURN);
	/* Stolen pages are a region: STEAL needs MAP and REVOKE too. */
	KUNIT_EXPECT_EQ(test, query(test).features, 0);
}

/* A backend without landing slots withholds STEAL and RETURN. */
static void uapi_bind_without_slots(struct kunit *test)
{
	struct gpumem_test_env *fx = test->priv;
	struct gpumem_steal s = { .gfn = 0, .nr_pages = 1, .domid = FE };

	fx->gdev.hv->no_slots = true;
	KUNIT_ASSERT_EQ(test, uapi_bind(test, FE, 0), 0);
	KUNIT_EXPECT_EQ(test, query(test).hv_ops, GPUMEM_HV_OP_QUERY |
			GPUMEM_HV_OP_MAP | GPUMEM_HV_OP_REVOKE |
			GPUMEM_HV_OP_FAULT);
	KUNIT_EXPECT_EQ(test, query(test).features,
			GPUMEM_FEAT_MAP_VA | GPUMEM_FEAT_MAP_DMABUF |
			GPUMEM_FEAT_FAULT | FEAT_MOVE_NOTIFY);
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, fx, GPUMEM_IOCTL_STEAL,
						&s, sizeof(s)), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->sim), 0);
}

/* Every field of QUERY's input must be zero: each offset in turn. */
static const unsigned int query_offsets[] = {
	offsetof(struct gpumem_query, flags),
	offsetof(struct gpumem_query, api_version),
	offsetof(struct gpumem_query, domid),
	offsetof(struct gpumem_query, features) + 7,
	offsetof(struct gpumem_query, pad),
	offsetof(struct gpumem_query, max_stolen_pages),
	offsetof(struct gpumem_query, max_pinned_pages),
	offsetof(struct gpumem_query, reserved),
	sizeof(struct gpumem_query) - 1,
};

static void query_offset_desc(const unsigned int *off, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "byte %u", *off);
}

KUNIT_ARRAY_PARAM(query_offset, query_offsets, query_offset_desc);

static void uapi_query_rejects_nonzero_input(struct kunit *test)
{
	const unsigned int *off = test->param_value;
	struct gpumem_query in = {}, out;

	((u8 *)&in)[*off] = 1;
	KUNIT_EXPECT_EQ(test, query_with(test, &in, &out), -EINVAL);
	/* Nothing was written back. */
	KUNIT_EXPECT_MEMEQ(test, &out, &in, sizeof(in));
}

static void uapi_unknown_ioctls(struct kunit *test)
{
	struct gpumem_test_env *fx = test->priv;
	unsigned int cmds[] = {
		_IO(GPUMEM_IOCTL_MAGIC, 0x7f),
		_IOW(GPUMEM_IOCTL_MAGIC, 0x00, __u64[2]),	/* BIND, wrong size */
		_IOR(GPUMEM_IOCTL_MAGIC, 0x01, struct gpumem_query),
		_IOW('G', 0x00, struct gpumem_bind),		/* gntdev's magic */
		0,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		KUNIT_EXPECT_EQ(test, gpumem_ctx_ioctl(fx->ctx, cmds[i],
						       fx->arg), -ENOTTY);
	KUNIT_EXPECT_EQ(test, query(test).domid, GPUMEM_DOMID_NONE);
}

static void uapi_bad_user_pointer(struct kunit *test)
{
	struct gpumem_test_env *fx = test->priv;

	KUNIT_EXPECT_EQ(test, gpumem_ctx_ioctl(fx->ctx, GPUMEM_IOCTL_BIND, NULL),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, gpumem_ctx_ioctl(fx->ctx, GPUMEM_IOCTL_QUERY,
					       NULL), -EFAULT);
	/* The struct straddles the end of the mapping. */
	KUNIT_EXPECT_EQ(test, gpumem_ctx_ioctl(fx->ctx, GPUMEM_IOCTL_QUERY,
					       fx->arg + PAGE_SIZE - 8),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, query(test).domid, GPUMEM_DOMID_NONE);
	KUNIT_EXPECT_EQ(test, query_calls(test), 0);
}

static struct kunit_case uapi_cases[] = {
	KUNIT_CASE(uapi_ioctl_numbers),
	KUNIT_CASE(uapi_query_unbound),
	KUNIT_CASE(uapi_bind_then_query),
	KUNIT_CASE(uapi_bind_is_a_latch),
	KUNIT_CASE_PARAM(uapi_bind_bad_domid, bad_domid_gen_params),
	KUNIT_CASE_PARAM(uapi_bind_bad_flags, bad_bind_flag_gen_params),
	KUNIT_CASE(uapi_bind_missing_domain),
	KUNIT_CASE(uapi_bind_needs_cap_sys_admin),
	KUNIT_CASE(uapi_bind_without_hypervisor_ops),
	KUNIT_CASE(uapi_bind_without_revoke),
	KUNIT_CASE(uapi_bind_without_slots),
	KUNIT_CASE_PARAM(uapi_query_rejects_nonzero_input,
			 query_offset_gen_params),
	KUNIT_CASE(uapi_unknown_ioctls),
	KUNIT_CASE(uapi_bad_user_pointer),
	{}
};

static struct kunit_suite uapi_suite = {
	.name = "xen_gpumem_uapi",
	.init = uapi_test_init,
	.exit = uapi_test_exit,
	.test_cases = uapi_cases,
};

kunit_test_suite(uapi_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
