// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: fault injection.  Each operation of the uAPI runs once per failure
 * site it reaches, with that site failing (gpumem_test_fail_each(): every
 * slab allocation and every hvsim hypercall, in turn).  After each run the
 * simulated hypervisor's state must show the operation whole or not at
 * all: no lent entry, stolen page or landing slot left by a failed call, a
 * failed POPULATE's mapped pages all tracked, and a REVOKE that fails only
 * ever as the documented fatal path (gpumem_revoke_refused(), stubbed and
 * counted here).  kmemleak's suite, which runs last, finds nothing left.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/uaccess.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

#define FE		ENV_FE
#define FE_RAM		64
#define FE_GFNS		8192
#define NPAGES		8
#define GFN0		1024	/* regions: far above the frontend's RAM */
#define STEAL_GFN	8	/* steals: in it */

static const struct gpumem_limits fault_limits = {
	.max_extents = 2,	/* several hypercalls per operation */
	.max_regions = 64,
	.max_pages = 4096,
	.max_stolen_pages = 32,
};

struct fault_fixture {
	struct gpumem_test_env env;
	unsigned long addr;	/* NPAGES of written anonymous memory */
	u64 gfn;		/* where the next region goes */
	u64 region;		/* the region a step works on */
	u64 offset;		/* the steal a step works on */
	unsigned int sites;	/* injected over the case */
};

GPUMEM_TEST_FIXTURE(struct fault_fixture);

static void fault_refused(domid_t domid,
			  const struct xen_dm_op_gpumem_extent *ext, int rc)
{
	struct fault_fixture *fx = kunit_get_current_test()->priv;

	fx->env.refused++;
}

static int fault_test_init(struct kunit *test)
{
	struct fault_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	struct gpumem_bind b = { .domid = FE };
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, fx);
	test->priv = fx;
	fx->env.fe_ram = FE_RAM;
	gpumem_test_env_init(test, &fx->env, &fault_limits, FE_GFNS);
	/* One frame per extent: every operation takes several hypercalls. */
	hvsim_set_max_extent_frames(fx->env.sim, 1);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_BIND, &b,
						sizeof(b)), 0);
	kunit_activate_static_stub(test, gpumem_revoke_refused, fault_refused);
	fx->addr = kunit_vm_mmap(test, NULL, 0, NPAGES << PAGE_SHIFT,
				 PROT_READ | PROT_WRITE,
				 MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !fx->addr || IS_ERR_VALUE(fx->addr));
	/* Faulted in now, so that the steps fault no page in. */
	for (i = 0; i < NPAGES; i++)
		KUNIT_ASSERT_EQ(test, put_user((u8)i, (u8 __user *)fx->addr +
					       (i << PAGE_SHIFT)), 0);
	fx->gfn = GFN0;
	return 0;
}

static void fault_test_exit(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	kunit_info(test, "%u failure sites injected\n", fx->sites);
	if (fx->env.ctx)
		gpumem_ctx_destroy(fx->env.ctx);
	fx->env.ctx = NULL;
	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans_retry(), 0);
	gpumem_test_env_fini(&fx->env);
}

/*
 * Lent entries of the current region's GFNs (a REVOKE the fatal-path stub
 * let through leaves its GFNs lent: the next region goes elsewhere).
 */
static u64 region_lent(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;
	u64 gfn, n = 0;

	for (gfn = fx->gfn; gfn < fx->gfn + NPAGES; gfn++)
		n += gpumem_test_entry(test, &fx->env, gfn).type ==
		     HVSIM_P2M_LENT;
	return n;
}

/* Pages of the frontend's RAM it owns; landing slots given out. */
static void expect_nothing_stolen(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;
	struct hvsim_domain_info info;

	KUNIT_ASSERT_EQ(test, hvsim_domain_info(fx->env.sim, FE, &info), 0);
	KUNIT_EXPECT_EQ(test, info.tot_pages, FE_RAM);
	KUNIT_EXPECT_EQ(test, info.entries[HVSIM_P2M_RAM], FE_RAM);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), 0);
}

/*
 * Whether a run failed; if it did, the failure must be the injected one,
 * answered with the errno of memory running out, and no REVOKE refused.
 */
static bool failed(struct kunit *test, long rc, bool injected)
{
	struct fault_fixture *fx = test->priv;

	KUNIT_EXPECT_EQ(test, fx->env.refused, 0);
	if (!rc)
		return false;
	KUNIT_EXPECT_EQ_MSG(test, rc, -ENOMEM, "answered %ld", rc);
	KUNIT_EXPECT_TRUE(test, injected);
	return true;
}

/* MAP_VA: all or nothing. */
static long step_map_va(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	return gpumem_test_map_va(test, &fx->env, fx->addr, NPAGES, fx->gfn, 0,
				  &fx->region);
}

static void check_map_va(struct kunit *test, long rc, bool injected)
{
	struct fault_fixture *fx = test->priv;

	if (failed(test, rc, injected)) {
		KUNIT_EXPECT_EQ(test, lent(test), 0);
		KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
		return;
	}
	KUNIT_EXPECT_EQ(test, region_lent(test), NPAGES);
	KUNIT_EXPECT_EQ(test, gpumem_test_unmap(test, &fx->env, fx->region),
			0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

/* POPULATE: what it mapped before failing stays mapped and tracked. */
static long step_populate(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	return gpumem_test_populate(test, &fx->env, fx->gfn, NPAGES);
}

static u64 tracked(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;
	struct gpumem_region *r = xa_load(&fx->env.ctx->region_ids,
					  fx->region);

	KUNIT_ASSERT_NOT_NULL(test, r);
	return bitmap_weight(r->mapped, r->nr_pages);
}

static void check_populate(struct kunit *test, long rc, bool injected)
{
	struct fault_fixture *fx = test->priv;
	struct gpumem_revoke a = { .gfn = fx->gfn, .nr_pages = NPAGES,
				   .domid = FE };

	if (!failed(test, rc, injected))
		KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
	KUNIT_EXPECT_EQ(test, tracked(test), lent(test));
	/* Back to nothing mapped, for the next run. */
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_REVOKE, &a,
						sizeof(a)), 0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

/* UNMAP cannot fail: only its REVOKE can, and that is the fatal path. */
static long step_unmap(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	return gpumem_test_unmap(test, &fx->env, fx->region);
}

static void check_unmap(struct kunit *test, long rc, bool injected)
{
	struct fault_fixture *fx = test->priv;

	KUNIT_EXPECT_EQ(test, rc, 0);
	KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
	if (fx->env.refused) {
		/* The revoke the stub let through is still lent: move on. */
		KUNIT_EXPECT_TRUE(test, injected);
		KUNIT_EXPECT_EQ(test, fx->env.refused, 1);
		KUNIT_EXPECT_GT(test, region_lent(test), 0);
		fx->env.refused = 0;
		fx->gfn += NPAGES;
	} else {
		KUNIT_EXPECT_EQ(test, region_lent(test), 0);
	}
	if (!injected)
		return;
	KUNIT_ASSERT_EQ(test, step_map_va(test), 0);
}

/* STEAL: all or nothing. */
static long step_steal(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	return gpumem_test_steal(test, &fx->env, STEAL_GFN, NPAGES,
				 &fx->offset);
}

static void check_steal(struct kunit *test, long rc, bool injected)
{
	struct fault_fixture *fx = test->priv;

	if (!failed(test, rc, injected)) {
		KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
		KUNIT_EXPECT_EQ(test, gpumem_test_return(test, &fx->env,
							 fx->offset), 0);
	}
	KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
	expect_nothing_stolen(test);
}

/* RETURN: a refusal leaves the steal whole, and a retry succeeds. */
static long step_return(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	return gpumem_test_return(test, &fx->env, fx->offset);
}

static void check_return(struct kunit *test, long rc, bool injected)
{
	struct fault_fixture *fx = test->priv;

	if (failed(test, rc, injected)) {
		struct hvsim_domain_info be;

		/* Pages given back before the refusal stay given back. */
		KUNIT_ASSERT_EQ(test, hvsim_domain_info(fx->env.sim,
							HVSIM_BACKEND_DOMID,
							&be), 0);
		KUNIT_EXPECT_GT(test, be.tot_pages, 0);
		KUNIT_EXPECT_EQ(test, lent(test), be.tot_pages);
		KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), NPAGES);
		KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 1);
		KUNIT_EXPECT_EQ(test, gpumem_test_return(test, &fx->env,
							 fx->offset), 0);
	}
	expect_nothing_stolen(test);
	KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
	if (injected)
		KUNIT_ASSERT_EQ(test, step_steal(test), 0);
}

/*
 * Close with a region and a steal: it cannot fail.  A refused REVOKE is
 * the fatal path; a refused RETURN leaves an orphan that is retried.
 */
static long step_close(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	gpumem_ctx_destroy(fx->env.ctx);
	fx->env.ctx = NULL;
	return 0;
}

static void close_setup(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;
	struct gpumem_bind b = { .domid = FE };

	fx->env.ctx = gpumem_ctx_create(&fx->env.gdev);
	KUNIT_ASSERT_NOT_NULL(test, fx->env.ctx);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_BIND, &b,
						sizeof(b)), 0);
	KUNIT_ASSERT_EQ(test, step_map_va(test), 0);
	KUNIT_ASSERT_EQ(test, step_steal(test), 0);
}

static void check_close(struct kunit *test, long rc, bool injected)
{
	struct fault_fixture *fx = test->priv;

	/* A RETURN that failed left an orphan: it goes back on retry. */
	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans_retry(), 0);
	expect_nothing_stolen(test);
	KUNIT_EXPECT_LE(test, fx->env.refused, 1);
	if (fx->env.refused) {
		KUNIT_EXPECT_TRUE(test, injected);
		fx->env.refused = 0;
		fx->gfn += NPAGES;
	} else {
		KUNIT_EXPECT_EQ(test, region_lent(test), 0);
	}
	if (injected)
		close_setup(test);
}

static void setup_lazy_region(struct kunit *test);

/*
 * FAULT_ENABLE: a server with its window, or none at all; then the first
 * fault is served (in the worker, where nothing is injected).
 */
static long step_fault_enable(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;
	struct gpumem_fault_enable a = {
		.gfn = fx->gfn, .nr_pages = NPAGES, .domid = FE,
		.flags = GPUMEM_FAULT_KERNEL,
	};

	return gpumem_test_ioctl(test, &fx->env, GPUMEM_IOCTL_FAULT_ENABLE,
				 &a, sizeof(a));
}

static void check_fault_enable(struct kunit *test, long rc, bool injected)
{
	struct fault_fixture *fx = test->priv;
	struct gpumem_bind b = { .domid = FE };
	u8 v = 0xff;

	if (failed(test, rc, injected)) {
		KUNIT_EXPECT_FALSE(test, hvsim_fault_claimed(fx->env.sim, FE,
							     fx->gfn));
		KUNIT_EXPECT_NULL(test, fx->env.ctx->fault);
		return;
	}
	KUNIT_EXPECT_TRUE(test, hvsim_fault_claimed(fx->env.sim, FE, fx->gfn));
	KUNIT_EXPECT_EQ(test, hvsim_frontend_access(fx->env.sim, FE,
						    fx->gfn + 3, 0, &v, 1,
						    false), 0);
	KUNIT_EXPECT_EQ(test, v, 3);
	/* Closed: neither claim nor mapping is left; a new context. */
	gpumem_ctx_destroy(fx->env.ctx);
	KUNIT_EXPECT_FALSE(test, hvsim_fault_claimed(fx->env.sim, FE, fx->gfn));
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	fx->env.ctx = gpumem_ctx_create(&fx->env.gdev);
	KUNIT_ASSERT_NOT_NULL(test, fx->env.ctx);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_BIND, &b,
						sizeof(b)), 0);
	setup_lazy_region(test);
}

/* What each case sets up before its step runs. */
static void setup_lazy_region(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	KUNIT_ASSERT_EQ(test, gpumem_test_map_va(test, &fx->env, fx->addr,
						 NPAGES, fx->gfn,
						 GPUMEM_MAP_LAZY,
						 &fx->region), 0);
}

static void setup_region(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, step_map_va(test), 0);
}

static void setup_steal(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, step_steal(test), 0);
}

static void setup_close(struct kunit *test)
{
	struct fault_fixture *fx = test->priv;

	gpumem_ctx_destroy(fx->env.ctx);
	close_setup(test);
}

struct fault_case {
	const char *name;
	void (*setup)(struct kunit *test);
	long (*step)(struct kunit *test);
	void (*check)(struct kunit *test, long rc, bool injected);
};

static const struct fault_case fault_cases_list[] = {
	{ "MAP_VA", NULL, step_map_va, check_map_va },
	{ "POPULATE", setup_lazy_region, step_populate, check_populate },
	{ "UNMAP", setup_region, step_unmap, check_unmap },
	{ "STEAL", NULL, step_steal, check_steal },
	{ "RETURN", setup_steal, step_return, check_return },
	{ "close", setup_close, step_close, check_close },
	{ "FAULT_ENABLE", setup_lazy_region, step_fault_enable,
	  check_fault_enable },
};

static void fault_case_desc(const struct fault_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fault_case, fault_cases_list, fault_case_desc);

/* One operation, with each of its failure sites failing in turn. */
static void fault_each_site(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct fault_fixture *fx = test->priv;

	if (c->setup)
		c->setup(test);
	fx->sites = gpumem_test_fail_each(test, &fx->env, c->step, c->check);
	KUNIT_EXPECT_GT(test, fx->sites, 0);
}

static struct kunit_case fault_cases[] = {
	KUNIT_CASE_PARAM(fault_each_site, fault_case_gen_params),
	{}
};

static struct kunit_suite fault_suite = {
	.name = "xen_gpumem_faults",
	.init = fault_test_init,
	.exit = fault_test_exit,
	.test_cases = fault_cases,
};

kunit_test_suite(fault_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
