// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: the errnos Documentation/userspace-api/xen-gpumem.rst promises
 * where several could apply: the order in which MAP_VA checks its
 * arguments, the context, the range and the hypervisor ("Errno
 * precedence"), LAZY regions over GFNs the hypervisor will refuse, pages
 * without access, and STEAL of GFNs a context lent.  Each case also checks
 * that the refusal left the simulated hypervisor as it was.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

#define FE	ENV_FE
#define FE_RAM	4	/* the frontend's RAM: GFNs 0 .. 3 */
#define GFN0	256	/* above it: holes the module may lend into */

static const struct gpumem_limits errno_limits = {
	.max_extents = 16,
	.max_regions = 2,
	.max_pages = 64,
	.max_stolen_pages = 16,
};

static int errno_test_init(struct kunit *test)
{
	struct gpumem_test_env *env = kunit_kzalloc(test, sizeof(*env),
						    GFP_KERNEL);
	struct gpumem_bind b = { .domid = FE };

	KUNIT_ASSERT_NOT_NULL(test, env);
	test->priv = env;
	env->fe_ram = FE_RAM;
	gpumem_test_env_init(test, env, &errno_limits, 1024);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
	return 0;
}

static void errno_test_exit(struct kunit *test)
{
	gpumem_test_env_fini(test->priv);
}

static unsigned long pages(struct kunit *test, unsigned long n,
			   unsigned long prot)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, n << PAGE_SHIFT, prot,
					   MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	return addr;
}

static long map_va(struct kunit *test, unsigned long addr, u64 n, u64 gfn,
		   u32 flags, u64 *region)
{
	return gpumem_test_map_va(test, test->priv, addr, n, gfn, flags,
				  region);
}

static long map_va_args(struct kunit *test, struct gpumem_map_va *a)
{
	return gpumem_test_ioctl(test, test->priv, GPUMEM_IOCTL_MAP_VA, a,
				 sizeof(*a));
}

/* Nothing is lent, no region exists, and no MAP reached the hypervisor. */
static void expect_untouched(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;

	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_LENT),
			0);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_RAM),
			FE_RAM);
	KUNIT_EXPECT_EQ(test, env->ctx->nr_regions, 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_stats(env, XEN_DMOP_gpumem_map).calls,
			0);
}

/*
 * Step 1 to 3 of the precedence: argument errors before the context's,
 * the context's before the ranges', ranges before limits and overlaps.
 */
static void errno_arguments_then_context_then_range(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = pages(test, 2, PROT_READ | PROT_WRITE);
	struct gpumem_ctx *bound = env->ctx;
	struct gpumem_map_va a;

	/* Unbound: a bad flag is EINVAL, a good call EBADFD. */
	env->ctx = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	a = (struct gpumem_map_va){ .hva = addr, .len = PAGE_SIZE,
				    .gfn = U64_MAX, .domid = FE + 1,
				    .flags = 1u << 31 };
	KUNIT_EXPECT_EQ(test, map_va_args(test, &a), -EINVAL);
	a.flags = 0;
	KUNIT_EXPECT_EQ(test, map_va_args(test, &a), -EBADFD);
	gpumem_ctx_destroy(env->ctx);
	env->ctx = bound;

	/* Bound: another domid is EPERM before the GFN range's EOVERFLOW. */
	KUNIT_EXPECT_EQ(test, map_va_args(test, &a), -EPERM);
	a.domid = FE;
	KUNIT_EXPECT_EQ(test, map_va_args(test, &a), -EOVERFLOW);
	/* More pages than a region holds, before the address range. */
	a.gfn = GFN0;
	a.hva = TASK_SIZE - PAGE_SIZE;
	a.len = (u64)U32_MAX * PAGE_SIZE + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, map_va_args(test, &a), -E2BIG);
	a.len = 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, map_va_args(test, &a), -EOVERFLOW);
	expect_untouched(test);

	/* Limits before overlaps: max_regions is 2. */
	KUNIT_ASSERT_EQ(test, map_va(test, addr, 1, GFN0, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, map_va(test, addr + PAGE_SIZE, 1, GFN0 + 1, 0,
				     NULL), 0);
	KUNIT_EXPECT_EQ(test, map_va(test, addr, 1, GFN0, 0, NULL), -E2BIG);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_LENT),
			2);
	KUNIT_EXPECT_EQ(test, gpumem_test_stats(env, XEN_DMOP_gpumem_map).calls,
			2);
}

/*
 * Step 4: the address range is resolved before the hypervisor sees it, so
 * a read-only range over the frontend's RAM is EACCES, not EEXIST.
 */
static void errno_address_range_before_hypervisor(struct kunit *test)
{
	unsigned long ro = pages(test, 2, PROT_READ);

	KUNIT_EXPECT_EQ(test, map_va(test, ro, 2, 0, 0, NULL), -EACCES);
	expect_untouched(test);
	/* Resolvable, the hypervisor answers: GFN 0 is the frontend's RAM. */
	KUNIT_EXPECT_EQ(test, map_va(test, ro, 2, 0, GPUMEM_MAP_RO, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, test->priv,
						  HVSIM_P2M_LENT), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, test->priv, 0).type,
			HVSIM_P2M_RAM);
}

/*
 * Within the address range, the first page that cannot be resolved, in
 * address order, names the error.
 */
static void errno_first_bad_page_decides(struct kunit *test)
{
	unsigned long a = pages(test, 4, PROT_READ | PROT_WRITE);

	/* [rw, ro, hole, rw]: EACCES. */
	KUNIT_ASSERT_EQ(test, vm_munmap(a + PAGE_SIZE, 2 * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, kunit_vm_mmap(test, NULL, a + PAGE_SIZE,
					    PAGE_SIZE, PROT_READ,
					    MAP_ANONYMOUS | MAP_PRIVATE |
					    MAP_FIXED, 0), a + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, map_va(test, a, 4, GFN0, 0, NULL), -EACCES);
	expect_untouched(test);

	/* [rw, hole, ro, rw]: EFAULT. */
	KUNIT_ASSERT_EQ(test, vm_munmap(a + PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, kunit_vm_mmap(test, NULL, a + 2 * PAGE_SIZE,
					    PAGE_SIZE, PROT_READ,
					    MAP_ANONYMOUS | MAP_PRIVATE |
					    MAP_FIXED, 0), a + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, map_va(test, a, 4, GFN0, 0, NULL), -EFAULT);
	expect_untouched(test);
}

/* PROT_NONE pages are EFAULT, writable or not: there is nothing to read. */
static void errno_prot_none_is_efault(struct kunit *test)
{
	unsigned long none = pages(test, 2, PROT_NONE);

	KUNIT_EXPECT_EQ(test, map_va(test, none, 2, GFN0, 0, NULL), -EFAULT);
	KUNIT_EXPECT_EQ(test, map_va(test, none, 2, GFN0, GPUMEM_MAP_RO, NULL),
			-EFAULT);
	expect_untouched(test);
}

/*
 * GPUMEM_MAP_LAZY checks neither the pages nor the hypervisor: a region
 * over the frontend's own RAM is created, and each POPULATE of it answers
 * EEXIST, leaving the frontend's RAM as it was.  UNMAP removes it.
 */
static void errno_lazy_defers_to_populate(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = pages(test, 2, PROT_READ | PROT_WRITE);
	u64 region;

	KUNIT_EXPECT_EQ(test, map_va(test, addr, 2, FE_RAM - 1, 0, NULL),
			-EEXIST);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, 2, FE_RAM - 1,
				     GPUMEM_MAP_LAZY, &region), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_populate(test, env, FE_RAM - 1, 2),
			-EEXIST);
	/* The GFN after the RAM is a hole: the refusal undid nothing there. */
	KUNIT_EXPECT_EQ(test, gpumem_test_populate(test, env, FE_RAM, 1), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_populate(test, env, FE_RAM - 1, 1),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, env, FE_RAM - 1).type,
			HVSIM_P2M_RAM);
	KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, env, FE_RAM).type,
			HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_RAM),
			FE_RAM);
	KUNIT_EXPECT_EQ(test, gpumem_test_unmap(test, env, region), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_LENT),
			0);
}

/*
 * STEAL of GFNs a region of this context covers is EEXIST, checked before
 * the hypervisor; of GFNs another context lent, the hypervisor's EXDEV (a
 * page the frontend does not own).  Nothing moves either way.
 */
static void errno_steal_of_lent_gfns(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = pages(test, 1, PROT_READ | PROT_WRITE);
	struct gpumem_ctx *first = env->ctx, *other;
	struct gpumem_bind b = { .domid = FE };
	u64 region;

	KUNIT_ASSERT_EQ(test, map_va(test, addr, 1, GFN0, 0, &region), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_steal(test, env, GFN0, 1, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, gpumem_test_stats(env, XEN_DMOP_gpumem_steal).calls,
			0);

	other = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, other);
	env->ctx = other;
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_steal(test, env, GFN0, 1, NULL),
			-EXDEV);
	KUNIT_EXPECT_EQ(test, other->nr_regions, 0);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(env->sim), 0);
	gpumem_ctx_destroy(other);
	env->ctx = first;

	KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, env, GFN0).type,
			HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_RAM),
			FE_RAM);
	KUNIT_EXPECT_EQ(test, gpumem_test_unmap(test, env, region), 0);
}

static struct kunit_case errno_cases[] = {
	KUNIT_CASE(errno_arguments_then_context_then_range),
	KUNIT_CASE(errno_address_range_before_hypervisor),
	KUNIT_CASE(errno_first_bad_page_decides),
	KUNIT_CASE(errno_prot_none_is_efault),
	KUNIT_CASE(errno_lazy_defers_to_populate),
	KUNIT_CASE(errno_steal_of_lent_gfns),
	{}
};

static struct kunit_suite errno_suite = {
	.name = "xen_gpumem_errno",
	.init = errno_test_init,
	.exit = errno_test_exit,
	.test_cases = errno_cases,
};

kunit_test_suite(errno_suite);
