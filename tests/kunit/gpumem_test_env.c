// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The shared KUnit environment of the /dev/xen/gpumem suites.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/mman.h>
#include <linux/uaccess.h>

#include "gpumem_test_env.h"

/**
 * gpumem_test_env_init() - hvsim with two frontends, a device, a context
 * @test: the test.
 * @env: filled in.
 * @limits: the device's limits.
 * @fe_gfns: physmap size of each frontend; the first 4 GFNs are its RAM.
 */
void gpumem_test_env_init(struct kunit *test, struct gpumem_test_env *env,
			  const struct gpumem_limits *limits, u64 fe_gfns)
{
	unsigned long addr;

	env->sim = hvsim_create(0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->sim));
	KUNIT_ASSERT_EQ(test, hvsim_domain_create(env->sim, ENV_FE, fe_gfns, 4,
						  fe_gfns), 0);
	KUNIT_ASSERT_EQ(test, hvsim_domain_create(env->sim, ENV_FE_OTHER,
						  fe_gfns, 4, fe_gfns), 0);
	env->gdev.hv = hvsim_hv(env->sim);
	env->gdev.limits = *limits;
	env->ctx = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, addr, 0);
	env->arg = (void __user *)addr;
}

/**
 * gpumem_test_env_fini() - close the context, then destroy the simulator
 * @env: the environment; its context may already be gone (NULL).
 */
void gpumem_test_env_fini(struct gpumem_test_env *env)
{
	if (env->ctx)
		gpumem_ctx_destroy(env->ctx);
	if (!IS_ERR_OR_NULL(env->sim))
		hvsim_destroy(env->sim);
}

/**
 * gpumem_test_ioctl() - one ioctl with its argument in user memory
 * @test: the test.
 * @env: the environment.
 * @cmd: the command.
 * @arg: the argument, copied in, and back out afterwards.
 * @size: its size, at most a page.
 *
 * Return: what the ioctl returned.
 */
long gpumem_test_ioctl(struct kunit *test, struct gpumem_test_env *env,
		       unsigned int cmd, void *arg, size_t size)
{
	long rc;

	KUNIT_ASSERT_EQ(test, copy_to_user(env->arg, arg, size), 0);
	rc = gpumem_ctx_ioctl(env->ctx, cmd, env->arg);
	KUNIT_ASSERT_EQ(test, copy_from_user(arg, env->arg, size), 0);
	return rc;
}

/**
 * gpumem_test_calls() - hypercalls of one op so far
 * @env: the environment.
 * @op: XEN_DMOP_gpumem_*.
 *
 * Return: the count.
 */
u64 gpumem_test_calls(struct gpumem_test_env *env, unsigned int op)
{
	struct hvsim_op_stats st;

	hvsim_op_stats(env->sim, op, &st);
	return st.calls;
}

/**
 * gpumem_test_entries() - p2m entries of one type in the bound frontend
 * @test: the test.
 * @env: the environment.
 * @type: enum hvsim_p2m_type.
 *
 * Return: the count.
 */
u64 gpumem_test_entries(struct kunit *test, struct gpumem_test_env *env,
			u32 type)
{
	struct hvsim_domain_info info;

	KUNIT_ASSERT_EQ(test, hvsim_domain_info(env->sim, ENV_FE, &info), 0);
	return info.entries[type];
}
