// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: STEAL and RETURN through the ioctls, with the VMM's mapping of the
 * stolen pages, against hvsim's state after every step: who owns each page,
 * what the frontend's p2m holds, the domains' page counts, landing slots.
 *
 * The frontend has RAM at GFNs [0, FE_RAM).  Every case ends in
 * steal_test_exit(): once the context is closed and the orphans are
 * retried, the frontend owns its RAM again, the backend holds no page and
 * no landing slot is left.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

#define FE		ENV_FE
#define FE_RAM		64
#define FE_GFNS		4096
#define MAX_STOLEN	32

static const struct gpumem_limits steal_limits = {
	.max_extents = 4,	/* small, so that batches are split */
	.max_regions = 8,
	.max_pages = 64,
	.max_stolen_pages = MAX_STOLEN,
};

struct steal_fixture {
	struct gpumem_test_env env;
	struct file *file;	/* a file of the context, to mmap */
};

GPUMEM_TEST_FIXTURE(struct steal_fixture);

static int steal_test_init(struct kunit *test)
{
	struct steal_fixture *fx = kunit_kzalloc(test, sizeof(*fx),
						 GFP_KERNEL);
	struct gpumem_bind b = { .domid = FE };

	KUNIT_ASSERT_NOT_NULL(test, fx);
	test->priv = fx;
	fx->env.fe_ram = FE_RAM;
	gpumem_test_env_init(test, &fx->env, &steal_limits, FE_GFNS);
	/* One frame per extent: a refusal stops a batch at an exact page. */
	hvsim_set_max_extent_frames(fx->env.sim, 1);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_BIND, &b,
						sizeof(b)), 0);
	/* The device's own mmap and release, as a VMM's open file has. */
	fx->file = gpumem_ctx_file_create(fx->env.ctx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->file));
	return 0;
}

static struct hvsim_domain_info dom(struct kunit *test, domid_t domid)
{
	struct steal_fixture *fx = test->priv;
	struct hvsim_domain_info info;

	KUNIT_ASSERT_EQ(test, hvsim_domain_info(fx->env.sim, domid, &info), 0);
	return info;
}

/* Every frontend RAM GFN is its own RAM again; nothing stolen, no slot. */
static void expect_all_returned(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	u64 gfn;

	for (gfn = 0; gfn < FE_RAM; gfn++)
		KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, &fx->env,
							gfn).type,
				HVSIM_P2M_RAM);
	KUNIT_EXPECT_EQ(test, dom(test, FE).tot_pages, FE_RAM);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 0);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), 0);
}

/* The VMM closes its descriptor (or exits): the context goes. */
static void vmm_close(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;

	/*
	 * The file's release destroys the context: the last reference, once
	 * a kthread's deferred fputs of its unmapped VMAs have run.
	 */
	if (fx->file) {
		flush_delayed_fput();
		__fput_sync(fx->file);
	} else if (fx->env.ctx) {
		gpumem_ctx_destroy(fx->env.ctx);
	}
	fx->file = NULL;
	fx->env.ctx = NULL;
}

static void steal_test_exit(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	bool fe_alive = !IS_ERR_OR_NULL(fx->env.sim) &&
			hvsim_lookup(fx->env.sim, FE, 0,
				     &(struct hvsim_entry){}) == 0;

	vmm_close(test);
	/*
	 * An orphan left behind would be retried against this simulator after
	 * it is gone: fail the case, and leave the simulator to leak.
	 */
	if (gpumem_steal_orphans_retry()) {
		KUNIT_FAIL(test, "steals left as orphans");
		return;
	}
	if (fe_alive)
		expect_all_returned(test);
	gpumem_test_env_fini(&fx->env);
}

static long steal(struct kunit *test, u64 gfn, u64 n, u64 *offset)
{
	return gpumem_test_steal(test, test->priv, gfn, n, offset);
}

static long steal_return(struct kunit *test, u64 offset)
{
	return gpumem_test_return(test, test->priv, offset);
}

static long revoke(struct kunit *test, u64 gfn, u64 n)
{
	struct steal_fixture *fx = test->priv;
	struct gpumem_revoke a = { .gfn = gfn, .nr_pages = n, .domid = FE };

	return gpumem_test_ioctl(test, &fx->env, GPUMEM_IOCTL_REVOKE, &a,
				 sizeof(a));
}

/* The VMM maps a steal: @n pages at @offset of its context file. */
static unsigned long vmm_map(struct kunit *test, u64 offset, u64 n)
{
	struct steal_fixture *fx = test->priv;
	unsigned long addr = vm_mmap(fx->file, 0, n << PAGE_SHIFT,
				     PROT_READ | PROT_WRITE, MAP_SHARED,
				     offset);

	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return addr;
}

/* What the frontend writes to, and reads from, its GFN (a u64 at 128). */
static void fe_write(struct kunit *test, u64 gfn, u64 val)
{
	struct steal_fixture *fx = test->priv;

	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->env.sim, FE, gfn, 128,
						    &val, sizeof(val), true),
			0);
}

static u64 fe_read(struct kunit *test, u64 gfn)
{
	struct steal_fixture *fx = test->priv;
	u64 val = 0;

	KUNIT_EXPECT_EQ(test, hvsim_frontend_access(fx->env.sim, FE, gfn, 128,
						    &val, sizeof(val), false),
			0);
	return val;
}

static u64 vmm_read(struct kunit *test, unsigned long addr, u64 page)
{
	u64 val = 0;

	KUNIT_EXPECT_EQ(test, copy_from_user(&val, (void __user *)addr +
					     (page << PAGE_SHIFT) + 128,
					     sizeof(val)), 0);
	return val;
}

static void vmm_write(struct kunit *test, unsigned long addr, u64 page,
		      u64 val)
{
	KUNIT_EXPECT_EQ(test, copy_to_user((void __user *)addr +
					   (page << PAGE_SHIFT) + 128,
					   &val, sizeof(val)), 0);
}

#define GFN0	8
#define N	8

/*
 * The whole flow: the frontend's bytes are what the VMM reads; the pages
 * are shared while stolen; the VMM's bytes are the frontend's after RETURN.
 */
static void steal_data_integrity(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	u64 frames[N], offset, i;
	unsigned long addr;
	struct gpumem_query q = {};

	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_QUERY, &q,
						sizeof(q)), 0);
	KUNIT_EXPECT_TRUE(test, q.features & GPUMEM_FEAT_STEAL);
	for (i = 0; i < N; i++) {
		fe_write(test, GFN0 + i, 0xf0f0000000ull + i);
		frames[i] = gpumem_test_entry(test, &fx->env, GFN0 + i).frame;
	}

	KUNIT_ASSERT_EQ(test, steal(test, GFN0, N, &offset), 0);
	KUNIT_EXPECT_NE(test, offset, 0);
	/* The frontend keeps the same pages at the same GFNs, now lent. */
	for (i = 0; i < N; i++) {
		struct hvsim_entry e = gpumem_test_entry(test, &fx->env,
							 GFN0 + i);
		struct hvsim_frame_info fi;

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame, frames[i]);
		hvsim_frame_info(fx->env.sim, frames[i], &fi);
		KUNIT_EXPECT_EQ(test, fi.owner, HVSIM_BACKEND_DOMID);
		KUNIT_EXPECT_EQ(test, fi.stolen_from, FE);
	}
	/* The quota moved with the pages. */
	KUNIT_EXPECT_EQ(test, dom(test, FE).tot_pages, FE_RAM - N);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, N);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), N);
	KUNIT_EXPECT_EQ(test, gpumem_test_stats(&fx->env,
						XEN_DMOP_gpumem_steal).frames,
			N);

	addr = vmm_map(test, offset, N);
	for (i = 0; i < N; i++)
		KUNIT_EXPECT_EQ(test, vmm_read(test, addr, i),
				0xf0f0000000ull + i);
	/* Shared while stolen, both ways. */
	vmm_write(test, addr, 1, 0xabcdef);
	KUNIT_EXPECT_EQ(test, fe_read(test, GFN0 + 1), 0xabcdef);
	fe_write(test, GFN0 + 2, 0x123456);
	KUNIT_EXPECT_EQ(test, vmm_read(test, addr, 2), 0x123456);
	for (i = 0; i < N; i++)
		vmm_write(test, addr, i, 0x5eed000000ull + i);

	KUNIT_ASSERT_EQ(test, steal_return(test, offset), 0);
	for (i = 0; i < N; i++) {
		struct hvsim_entry e = gpumem_test_entry(test, &fx->env,
							 GFN0 + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_RAM);
		KUNIT_EXPECT_EQ(test, fe_read(test, GFN0 + i),
				0x5eed000000ull + i);
	}
	expect_all_returned(test);
	/* The VMM's mapping was removed and cannot come back. */
	{
		u64 val;

		KUNIT_EXPECT_NE(test, copy_from_user(&val, (void __user *)addr,
						     sizeof(val)), 0);
	}
	vm_munmap(addr, N << PAGE_SHIFT);
	/* The name is gone with the steal. */
	KUNIT_EXPECT_EQ(test, steal_return(test, offset), -ENOENT);
}

/*
 * What makes the page at @gfn refusable: a p2m entry other than RAM (past
 * the frontend's RAM, where GFNs are holes), a use of its frame, or the
 * backend at its page limit.
 */
struct steal_refusal {
	const char *name;
	u64 gfn;
	u32 type;		/* HVSIM_P2M_HOLE: leave the entry alone */
	int use;		/* enum hvsim_frame_use, or -1 */
	bool backend_full;
	int err;
};

/* Refused pages sit at index 5 of an 8-page batch (one frame per extent). */
static const struct steal_refusal steal_refusals[] = {
	{ "unpopulated", FE_RAM, HVSIM_P2M_HOLE, -1, false, -ENOENT },
	{ "MMIO", FE_RAM, HVSIM_P2M_MMIO, -1, false, -ENXIO },
	{ "grant-mapped from another domain", FE_RAM, HVSIM_P2M_GRANT_MAP, -1,
	  false, -EXDEV },
	{ "foreign-mapped from another domain", FE_RAM, HVSIM_P2M_FOREIGN, -1,
	  false, -EXDEV },
	{ "granted to another domain", 21, HVSIM_P2M_HOLE, HVSIM_USE_GRANT,
	  false, -EACCES },
	{ "foreign-mapped by another domain", 21, HVSIM_P2M_HOLE,
	  HVSIM_USE_FOREIGN, false, -EMLINK },
	{ "in a hypercall", 21, HVSIM_P2M_HOLE, HVSIM_USE_HYPERCALL, false,
	  -EBUSY },
	{ "backend at its page limit", 21, HVSIM_P2M_HOLE, -1, true, -ENOSPC },
};

/* Make the refusal happen (@on), or stop it. */
static void steal_refusal_set(struct kunit *test,
			      const struct steal_refusal *r, bool on)
{
	struct hvsim *sim = ((struct steal_fixture *)test->priv)->env.sim;

	if (on && r->type != HVSIM_P2M_HOLE)
		KUNIT_ASSERT_EQ(test, hvsim_set_entry(sim, FE, r->gfn, r->type,
						      0x800000), 0);
	if (r->use >= 0)
		KUNIT_ASSERT_EQ(test, hvsim_frame_use(sim, FE, r->gfn, r->use,
						      on ? 1 : -1), 0);
	/* Room for 5 pages: the sixth of the batch is refused. */
	if (r->backend_full)
		KUNIT_ASSERT_EQ(test, hvsim_set_max_pages(sim,
							  HVSIM_BACKEND_DOMID,
							  on ? 5 : MAX_STOLEN),
				0);
}

static void steal_refusal_desc(const struct steal_refusal *r, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s: %d", r->name, r->err);
}

KUNIT_ARRAY_PARAM(steal_refusal, steal_refusals, steal_refusal_desc);

static void steal_refused_batch_undone(struct kunit *test)
{
	const struct steal_refusal *r = test->param_value;
	struct steal_fixture *fx = test->priv;
	u64 first = r->gfn - 5, frames[N], i;

	for (i = 0; i < N; i++) {
		if (first + i < FE_RAM)
			fe_write(test, first + i, 0xda7a00 + i);
		frames[i] = gpumem_test_entry(test, &fx->env, first + i).frame;
	}
	steal_refusal_set(test, r, true);

	KUNIT_EXPECT_EQ(test, steal(test, first, N, NULL), r->err);
	/* Five pages were stolen, then given back: nothing half-stolen. */
	KUNIT_EXPECT_EQ(test, gpumem_test_stats(&fx->env,
						XEN_DMOP_gpumem_steal).frames,
			5);
	KUNIT_EXPECT_EQ(test, gpumem_test_stats(&fx->env,
						XEN_DMOP_gpumem_return).frames,
			5);
	for (i = 0; i < 5; i++) {
		struct hvsim_entry e = gpumem_test_entry(test, &fx->env,
							 first + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_RAM);
		KUNIT_EXPECT_EQ(test, e.frame, frames[i]);
		KUNIT_EXPECT_EQ(test, fe_read(test, first + i), 0xda7a00 + i);
	}
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 0);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), 0);
	/* The GFNs are free again: the refused page, once fixed, goes too. */
	steal_refusal_set(test, r, false);
	if (r->gfn < FE_RAM) {
		u64 offset;

		KUNIT_ASSERT_EQ(test, steal(test, first, N, &offset), 0);
		KUNIT_EXPECT_EQ(test, steal_return(test, offset), 0);
	}
}

/* A page pinned by another holder in dom0 never goes back. */
static void steal_return_while_pinned(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	struct page *pinned;
	unsigned long addr;
	u64 offset;

	fe_write(test, GFN0 + 3, 0x1111);
	KUNIT_ASSERT_EQ(test, steal(test, GFN0, 4, &offset), 0);
	addr = vmm_map(test, offset, 4);
	/* A host driver's userptr pin through the VMM's mapping. */
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr + 3 * PAGE_SIZE, 1,
						  FOLL_WRITE | FOLL_LONGTERM,
						  &pinned), 1);

	KUNIT_EXPECT_EQ(test, steal_return(test, offset), -EBUSY);
	/* Nothing moved: still stolen, still lent, and the VMM still maps. */
	KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, &fx->env,
						GFN0 + 3).type,
			HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 4);
	KUNIT_EXPECT_EQ(test, gpumem_test_stats(&fx->env,
						XEN_DMOP_gpumem_return).calls,
			0);
	KUNIT_EXPECT_EQ(test, vmm_read(test, addr, 3), 0x1111);
	vmm_write(test, addr, 3, 0x2222);

	unpin_user_page(pinned);
	/* A plain get_user_pages() reference (+1) is refused as well. */
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr + PAGE_SIZE, 1,
						  FOLL_WRITE, &pinned), 1);
	KUNIT_EXPECT_EQ(test, steal_return(test, offset), -EBUSY);
	put_page(pinned);
	KUNIT_EXPECT_EQ(test, steal_return(test, offset), 0);
	KUNIT_EXPECT_EQ(test, fe_read(test, GFN0 + 3), 0x2222);
	vm_munmap(addr, 4 << PAGE_SHIFT);
}

/*
 * The frontend's limit stops a RETURN part-way: what went back stays back,
 * the rest stays stolen and mapped, and RETURN finishes once it can.
 */
static void steal_return_partial(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	unsigned long addr;
	u64 offset, i;

	KUNIT_ASSERT_EQ(test, steal(test, GFN0, N, &offset), 0);
	addr = vmm_map(test, offset, N);
	for (i = 0; i < N; i++)
		vmm_write(test, addr, i, 0xbeef00 + i);
	/* Room for three pages more. */
	KUNIT_ASSERT_EQ(test, hvsim_set_max_pages(fx->env.sim, FE,
						  FE_RAM - N + 3), 0);

	KUNIT_EXPECT_EQ(test, steal_return(test, offset), -ENOSPC);
	for (i = 0; i < N; i++)
		KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, &fx->env,
							GFN0 + i).type,
				i < 3 ? HVSIM_P2M_RAM : HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, N - 3);
	/* The rest is still the VMM's; the returned part is not. */
	KUNIT_EXPECT_EQ(test, vmm_read(test, addr, 5), 0xbeef05);
	{
		u64 val;

		KUNIT_EXPECT_NE(test, copy_from_user(&val, (void __user *)addr,
						     sizeof(val)), 0);
	}
	/* Only RETURN may continue a steal that is partly back. */
	KUNIT_EXPECT_EQ(test, revoke(test, GFN0 + 4, 1), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_populate(test, &fx->env, GFN0 + 4,
						   1), -EBUSY);
	KUNIT_EXPECT_EQ(test, steal_return(test, offset), -ENOSPC);

	KUNIT_ASSERT_EQ(test, hvsim_set_max_pages(fx->env.sim, FE, FE_GFNS),
			0);
	KUNIT_EXPECT_EQ(test, steal_return(test, offset), 0);
	for (i = 0; i < N; i++)
		KUNIT_EXPECT_EQ(test, fe_read(test, GFN0 + i), 0xbeef00 + i);
	vm_munmap(addr, N << PAGE_SHIFT);
}

/* A stolen range is a region: revoked and mapped again like any other. */
static void steal_revoke_and_populate(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	struct hvsim_entry before, after;
	u64 offset, val;

	fe_write(test, GFN0 + 2, 0x77);
	KUNIT_ASSERT_EQ(test, steal(test, GFN0, N, &offset), 0);
	before = gpumem_test_entry(test, &fx->env, GFN0 + 2);

	KUNIT_ASSERT_EQ(test, revoke(test, GFN0 + 1, 3), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, &fx->env,
						  HVSIM_P2M_LENT), N - 3);
	KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, &fx->env,
						GFN0 + 2).type,
			HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, hvsim_frontend_access(fx->env.sim, FE, GFN0 + 2,
						    0, &val, 1, false),
			-EFAULT);
	/* Still the backend's: revoking does not give pages back. */
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, N);

	KUNIT_ASSERT_EQ(test, gpumem_test_populate(test, &fx->env, GFN0 + 2,
						   1), 0);
	after = gpumem_test_entry(test, &fx->env, GFN0 + 2);
	KUNIT_EXPECT_EQ(test, after.type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, after.frame, before.frame);
	KUNIT_EXPECT_EQ(test, fe_read(test, GFN0 + 2), 0x77);
	/* RETURN takes revoked and mapped pages alike. */
	KUNIT_EXPECT_EQ(test, steal_return(test, offset), 0);
	KUNIT_EXPECT_EQ(test, fe_read(test, GFN0 + 2), 0x77);
}

static void steal_quota(struct kunit *test)
{
	u64 a, b;

	KUNIT_ASSERT_EQ(test, steal(test, 0, MAX_STOLEN - 4, &a), 0);
	KUNIT_EXPECT_EQ(test, steal(test, 40, 5, NULL), -E2BIG);
	KUNIT_ASSERT_EQ(test, steal(test, 40, 4, &b), 0);
	KUNIT_EXPECT_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, steal(test, 50, 1, NULL), -E2BIG);
	KUNIT_EXPECT_EQ(test, dom(test, FE).tot_pages, FE_RAM - MAX_STOLEN);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages,
			MAX_STOLEN);
	KUNIT_EXPECT_EQ(test, steal_return(test, b), 0);
	KUNIT_EXPECT_EQ(test, steal(test, 50, 4, NULL), 0);
	/* The rest is given back by closing the context (exit checks). */
}

/* Closing the context gives every steal back. */
static void steal_close_returns(struct kunit *test)
{
	unsigned long addr;
	u64 offset;

	fe_write(test, 30, 0x3030);
	KUNIT_ASSERT_EQ(test, steal(test, GFN0, N, NULL), 0);
	KUNIT_ASSERT_EQ(test, steal(test, 30, 2, &offset), 0);
	KUNIT_ASSERT_EQ(test, revoke(test, GFN0, 2), 0);
	addr = vmm_map(test, offset, 2);
	vmm_write(test, addr, 0, 0x3131);
	/* The VMM exits: its mappings go, then its descriptor. */
	vm_munmap(addr, 2 << PAGE_SHIFT);
	vmm_close(test);
	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans(), 0);
	expect_all_returned(test);
	KUNIT_EXPECT_EQ(test, fe_read(test, 30), 0x3131);
}

/*
 * Closing with a page still pinned: it cannot go back, so the steal waits
 * as an orphan, and goes back once the holder lets go.
 */
static void steal_close_while_pinned(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	struct page *pinned;
	unsigned long addr;
	u64 offset;

	KUNIT_ASSERT_EQ(test, steal(test, GFN0, 4, &offset), 0);
	addr = vmm_map(test, offset, 4);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1,
						  FOLL_WRITE | FOLL_LONGTERM,
						  &pinned), 1);
	vm_munmap(addr, 4 << PAGE_SHIFT);
	vmm_close(test);

	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans(), 1);
	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans_retry(), 1);
	KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, &fx->env, GFN0).type,
			HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 4);
	unpin_user_page(pinned);
	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans_retry(), 0);
	expect_all_returned(test);
}

/*
 * The frontend dies with stolen pages: they cannot go back, so they go to
 * the hypervisor; nothing stays mapped, owned or allocated.
 */
static void steal_frontend_dies(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	unsigned long addr;
	u64 a, b;

	KUNIT_ASSERT_EQ(test, steal(test, GFN0, N, &a), 0);
	KUNIT_ASSERT_EQ(test, steal(test, 30, 2, &b), 0);
	addr = vmm_map(test, a, N);
	KUNIT_EXPECT_EQ(test, vmm_read(test, addr, 0), 0);
	KUNIT_ASSERT_EQ(test, hvsim_domain_destroy(fx->env.sim, FE), 0);
	/* Stolen pages survive their frontend: they are the backend's. */
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, N + 2);

	/* RETURN finds the frontend gone and releases the pages. */
	KUNIT_EXPECT_EQ(test, steal_return(test, a), 0);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 2);
	vm_munmap(addr, N << PAGE_SHIFT);
	/* Closing releases the other one. */
	vmm_close(test);
	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans(), 0);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 0);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), 0);
}

/*
 * A STEAL refused at its first page, by a context that has mapped steals
 * before, gives nothing back and zaps nothing: a later steal of another
 * context (every file of the device shares one address_space) keeps its
 * PTEs.  Offsets are placed so that the other steal lies after the
 * refused one, where a zap "to the end of the file" would reach it.
 */
static void steal_failed_keeps_other_mappings(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	struct gpumem_ctx *ctx_a = fx->env.ctx, *ctx_b;
	struct gpumem_bind b = { .domid = FE };
	struct gpumem_steal st = { .nr_pages = 2, .domid = FE };
	struct file *file_b;
	struct page *page;
	unsigned long addr_a, addr_b;
	u64 off_a;

	/* Context A has mapped a steal: its mapping is known. */
	KUNIT_ASSERT_EQ(test, steal(test, GFN0, 1, &off_a), 0);
	addr_a = vmm_map(test, off_a, 1);
	KUNIT_EXPECT_EQ(test, vmm_read(test, addr_a, 0), 0);
	vm_munmap(addr_a, PAGE_SIZE);

	/* Context B steals at a high offset and maps it. */
	ctx_b = gpumem_ctx_create(&fx->env.gdev);
	KUNIT_ASSERT_NOT_NULL(test, ctx_b);
	file_b = gpumem_ctx_file_create(ctx_b);
	if (IS_ERR(file_b))
		gpumem_ctx_destroy(ctx_b);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file_b));
	KUNIT_EXPECT_EQ(test, gpumem_test_file_ioctl(test, &fx->env, file_b,
						     GPUMEM_IOCTL_BIND, &b,
						     sizeof(b)), 0);
	gpumem_steal_set_next_id(1000);
	st.gfn = 40;
	KUNIT_EXPECT_EQ(test, gpumem_test_file_ioctl(test, &fx->env, file_b,
						     GPUMEM_IOCTL_STEAL, &st,
						     sizeof(st)), 0);
	addr_b = vm_mmap(file_b, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED, st.offset);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr_b));
	vmm_write(test, addr_b, 1, 0x4141);
	page = pfn_to_page(gpumem_test_entry(test, &fx->env, 41).frame);
	KUNIT_ASSERT_TRUE(test, page_mapped(page));

	/* A refuses a STEAL at its first page (not populated). */
	gpumem_steal_set_next_id(500);
	KUNIT_EXPECT_EQ(test, steal(test, FE_RAM + 8, 1, NULL), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, fx->env.ctx, ctx_a);
	KUNIT_EXPECT_TRUE(test, page_mapped(page));
	KUNIT_EXPECT_EQ(test, fe_read(test, 41), 0x4141);

	vm_munmap(addr_b, 2 * PAGE_SIZE);
	flush_delayed_fput();
	__fput_sync(file_b);
	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans(), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, &fx->env, 41).type,
			HVSIM_P2M_RAM);
}

/* Another thread of the VMM, taking GUP references on a stolen page. */
struct gup_racer {
	struct mm_struct *mm;
	struct hvsim *sim;
	unsigned long addr;
	atomic_t stop;
	unsigned int got, refused, violations;
	struct completion done;
};

static int gup_racer_fn(void *data)
{
	struct gup_racer *g = data;
	struct hvsim_frame_info fi;
	struct page *page;

	kthread_use_mm(g->mm);
	while (!atomic_read(&g->stop)) {
		if (get_user_pages_fast(g->addr, 1, FOLL_WRITE, &page) != 1) {
			g->refused++;
			cond_resched();
			continue;
		}
		g->got++;
		/* Held by dom0: must still be the backend's, start to end. */
		hvsim_frame_info(g->sim, page_to_pfn(page), &fi);
		g->violations += fi.owner != HVSIM_BACKEND_DOMID;
		/* Hold it a while, so that RETURN meets it now and then. */
		usleep_range(10, 20);
		hvsim_frame_info(g->sim, page_to_pfn(page), &fi);
		g->violations += fi.owner != HVSIM_BACKEND_DOMID;
		put_page(page);
	}
	kthread_unuse_mm(g->mm);
	complete(&g->done);
	return 0;
}

/*
 * RETURN against another thread that faults the page in and takes GUP
 * references in a loop: RETURN either sees a reference (EBUSY) or wins,
 * after which the thread gets nothing; never does a page change owner
 * while dom0 holds it.
 */
static void steal_return_races_gup(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	struct gup_racer g = { .mm = current->mm, .sim = fx->env.sim };
	struct task_struct *t;
	unsigned int busy = 0, i;
	u64 offset;
	long rc;

	KUNIT_ASSERT_EQ(test, steal(test, GFN0, 1, &offset), 0);
	g.addr = vmm_map(test, offset, 1);
	vmm_write(test, g.addr, 0, 0x5151);
	init_completion(&g.done);
	mmget(g.mm);
	t = kthread_run(gup_racer_fn, &g, "gpumem-gup-racer");
	if (IS_ERR(t))
		mmput(g.mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < 1000 && READ_ONCE(g.got) < 50; i++)
		usleep_range(1000, 2000);
	for (i = 0; i < 100000; i++) {
		rc = steal_return(test, offset);
		if (rc != -EBUSY)
			break;
		busy++;
		cond_resched();
	}
	KUNIT_EXPECT_EQ(test, rc, 0);
	/* Returned: the thread's next faults are refused. */
	g.refused = 0;
	for (i = 0; i < 1000 && !READ_ONCE(g.refused); i++)
		usleep_range(1000, 2000);
	atomic_set(&g.stop, 1);
	wait_for_completion(&g.done);
	mmput(g.mm);
	kunit_info(test, "%u GUP references, %u RETURNs answered EBUSY\n",
		   g.got, busy);
	KUNIT_EXPECT_GT(test, g.got, 0);
	KUNIT_EXPECT_GT(test, g.refused, 0);
	KUNIT_EXPECT_EQ(test, g.violations, 0);
	KUNIT_EXPECT_EQ(test, fe_read(test, GFN0), 0x5151);
	vm_munmap(g.addr, PAGE_SIZE);
}

/*
 * A frontend that never takes its pages back (here it keeps its memory
 * limit full) pins neither them nor the module for ever: after
 * GPUMEM_ORPHAN_MAX_REFUSALS refused retries the orphan's pages are
 * revoked from the frontend (only the GFNs still lent: a revoked one is
 * left alone) and handed to the hypervisor.
 */
static void steal_orphan_forfeit(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, steal(test, GFN0, 4, NULL), 0);
	KUNIT_ASSERT_EQ(test, revoke(test, GFN0 + 1, 1), 0);
	KUNIT_ASSERT_EQ(test, hvsim_set_max_pages(fx->env.sim, FE, FE_RAM - 4),
			0);
	vmm_close(test);
	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans(), 1);
	for (i = 1; i < GPUMEM_ORPHAN_MAX_REFUSALS; i++)
		KUNIT_ASSERT_EQ(test, gpumem_steal_orphans_retry(), 1);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, &fx->env,
						  HVSIM_P2M_LENT), 3);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 4);

	KUNIT_EXPECT_EQ(test, gpumem_steal_orphans_retry(), 0);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, gpumem_test_entry(test, &fx->env,
							GFN0 + i).type,
				HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 0);
	KUNIT_EXPECT_EQ(test, dom(test, FE).tot_pages, FE_RAM - 4);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), 0);
	/* The frontend lost the pages: it is not whole again at the end. */
	KUNIT_ASSERT_EQ(test, hvsim_domain_destroy(fx->env.sim, FE), 0);
}

static void steal_bad_input(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	struct gpumem_steal a = { .gfn = GFN0, .nr_pages = 1, .domid = FE };
	struct gpumem_return ret = { .domid = FE };
	unsigned long addr;
	u64 offset, region;

#define STEAL_WITH(field, val, err) do {				\
		struct gpumem_steal t = a;				\
									\
		t.field = (val);					\
		KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,	\
				GPUMEM_IOCTL_STEAL, &t, sizeof(t)), err); \
	} while (0)
	STEAL_WITH(flags, 1, -EINVAL);
	STEAL_WITH(offset, 1, -EINVAL);
	STEAL_WITH(nr_pages, 0, -EINVAL);
	STEAL_WITH(gfn, U64_MAX, -EOVERFLOW);
	STEAL_WITH(nr_pages, 1ull << 32, -E2BIG);
	STEAL_WITH(domid, ENV_FE_OTHER, -EPERM);
	STEAL_WITH(nr_pages, MAX_STOLEN + 1, -E2BIG);
#undef STEAL_WITH
	/* GFNs inside another region. */
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_EQ(test, gpumem_test_map_va(test, &fx->env, addr, 1, 200,
						 0, &region), 0);
	KUNIT_EXPECT_EQ(test, steal(test, 199, 2, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), 0);

	KUNIT_ASSERT_EQ(test, steal(test, GFN0, 2, &offset), 0);
	ret.offset = offset + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_RETURN, &ret,
						sizeof(ret)), -ENOENT);
	ret.offset = offset;
	ret.flags = 1;
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_RETURN, &ret,
						sizeof(ret)), -EINVAL);
	/* A steal is released by RETURN, not by UNMAP, and only whole. */
	KUNIT_EXPECT_EQ(test, steal(test, GFN0 + 1, 1, NULL), -EEXIST);
	/* mmap: shared only, and within the steal. */
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(vm_mmap(fx->file, 0, PAGE_SIZE,
						     PROT_READ, MAP_PRIVATE,
						     offset)));
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(vm_mmap(fx->file, 0,
						     3 * PAGE_SIZE, PROT_READ,
						     MAP_SHARED, offset)));
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(vm_mmap(fx->file, 0, PAGE_SIZE,
						     PROT_READ, MAP_SHARED,
						     offset + 3 * PAGE_SIZE)));
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(vm_mmap(fx->file, 0, PAGE_SIZE,
						     PROT_READ, MAP_SHARED,
						     offset + (1ull << 44))));
	/* REVOKE: GFNs outside every region. */
	KUNIT_EXPECT_EQ(test, revoke(test, GFN0, 3), -ENOENT);
	KUNIT_EXPECT_EQ(test, steal_return(test, offset), 0);
}

/* Without the steal ops, the ioctls say so. */
static void steal_unsupported(struct kunit *test)
{
	struct steal_fixture *fx = test->priv;
	struct gpumem_bind b = { .domid = FE };

	gpumem_ctx_destroy(fx->env.ctx);
	hvsim_set_ops(fx->env.sim, XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_query) |
				   XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_map) |
				   XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_revoke));
	fx->env.ctx = gpumem_ctx_create(&fx->env.gdev);
	KUNIT_ASSERT_NOT_NULL(test, fx->env.ctx);
	fx->file->private_data = fx->env.ctx;
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_BIND, &b,
						sizeof(b)), 0);
	KUNIT_EXPECT_EQ(test, steal(test, GFN0, 1, NULL), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, steal_return(test, 1ull << 44), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, hvsim_slots_in_use(fx->env.sim), 0);
}

static struct kunit_case steal_cases[] = {
	KUNIT_CASE(steal_data_integrity),
	KUNIT_CASE_PARAM(steal_refused_batch_undone,
			 steal_refusal_gen_params),
	KUNIT_CASE(steal_return_while_pinned),
	KUNIT_CASE(steal_return_partial),
	KUNIT_CASE(steal_revoke_and_populate),
	KUNIT_CASE(steal_quota),
	KUNIT_CASE(steal_close_returns),
	KUNIT_CASE(steal_close_while_pinned),
	KUNIT_CASE(steal_frontend_dies),
	KUNIT_CASE(steal_failed_keeps_other_mappings),
	KUNIT_CASE(steal_orphan_forfeit),
	KUNIT_CASE(steal_return_races_gup),
	KUNIT_CASE(steal_bad_input),
	KUNIT_CASE(steal_unsupported),
	{}
};

static struct kunit_suite steal_suite = {
	.name = "xen_gpumem_steal",
	.init = steal_test_init,
	.exit = steal_test_exit,
	.test_cases = steal_cases,
};

kunit_test_suite(steal_suite);
