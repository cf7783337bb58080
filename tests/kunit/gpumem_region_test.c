// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: a range of the backend's address space mapped into the frontend
 * and revoked by real mm events (munmap, MADV_DONTNEED, process exit),
 * through the ioctls, with hvsim's p2m checked after every step.
 *
 * Every case ends with a check in region_test_exit(): once the context is
 * closed, whatever the case left behind, the frontend maps nothing.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/uaccess.h>

#include <asm/ptrace.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

#define FE		ENV_FE
#define GFN0		256	/* where the tests map, above the frontend's RAM */
#define NPAGES		16
#define BAR_PFN		0x800000ul	/* 32 GiB: no RAM there under QEMU */

static const struct gpumem_limits region_limits = {
	.max_extents = 8,	/* small, so that batches are split */
	.max_regions = 8,
	.max_pages = 2048,
	.max_stolen_pages = 0,
};

static int region_test_init(struct kunit *test)
{
	struct gpumem_test_env *env = kunit_kzalloc(test, sizeof(*env),
						    GFP_KERNEL);
	struct gpumem_bind b = { .domid = FE };

	KUNIT_ASSERT_NOT_NULL(test, env);
	test->priv = env;
	gpumem_test_env_init(test, env, &region_limits, 8192);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
	return 0;
}

static void region_test_exit(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;

	if (env->ctx)
		gpumem_ctx_destroy(env->ctx);
	env->ctx = NULL;
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_LENT), 0);
	gpumem_test_env_fini(env);
}

static unsigned long user_pages(struct kunit *test, unsigned long n,
				unsigned long prot)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, n << PAGE_SHIFT, prot,
					   MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	return addr;
}

/* Byte 0 of page i of the range holds tag + i. */
static void tag_pages(struct kunit *test, unsigned long addr, unsigned long n,
		      u8 tag)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		u8 v = tag + i;

		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr +
						   (i << PAGE_SHIFT), &v, 1), 0);
	}
}

static int fe_read(struct kunit *test, u64 gfn, u8 *v)
{
	struct gpumem_test_env *env = test->priv;

	return hvsim_frontend_access(env->sim, FE, gfn, 0, v, 1, false);
}

static u8 fe_byte(struct kunit *test, u64 gfn)
{
	u8 v = 0;

	KUNIT_EXPECT_EQ(test, fe_read(test, gfn, &v), 0);
	return v;
}

static long map_va(struct kunit *test, unsigned long addr, u64 n, u64 gfn,
		   u32 flags, u64 *region)
{
	return gpumem_test_map_va(test, test->priv, addr, n, gfn, flags,
				  region);
}

static long unmap(struct kunit *test, u64 region)
{
	struct gpumem_unmap a = { .region = region, .domid = FE };

	return gpumem_test_ioctl(test, test->priv, GPUMEM_IOCTL_UNMAP, &a,
				 sizeof(a));
}

/* GFNs [gfn, gfn + n) are lent and show the tags of the backing pages. */
static void expect_mapped(struct kunit *test, u64 gfn, u64 n, u8 tag)
{
	u64 i;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, fe_entry(test, gfn + i).type,
				HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, fe_byte(test, gfn + i), (u8)(tag + i));
	}
}

static void expect_revoked(struct kunit *test, u64 gfn, u64 n)
{
	u64 i;
	u8 v;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, fe_entry(test, gfn + i).type,
				HVSIM_P2M_HOLE);
		KUNIT_EXPECT_EQ(test, fe_read(test, gfn + i, &v), -EFAULT);
	}
}

static unsigned long mapped_range(struct kunit *test, u8 tag)
{
	unsigned long addr = user_pages(test, NPAGES, PROT_READ | PROT_WRITE);
	u64 region = 0;

	tag_pages(test, addr, NPAGES, tag);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, &region), 0);
	KUNIT_EXPECT_GT(test, region, 0);
	return addr;
}

static void region_map_prefaults(struct kunit *test)
{
	struct hvsim_op_stats st;

	mapped_range(test, 0x10);
	expect_mapped(test, GFN0, NPAGES, 0x10);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
	st = stats(test, XEN_DMOP_gpumem_map);
	KUNIT_EXPECT_EQ(test, st.frames, NPAGES);
	KUNIT_EXPECT_LE(test, st.extents, NPAGES);
	/* Never more calls than batches of max_extents. */
	KUNIT_EXPECT_LE(test, st.calls,
			DIV_ROUND_UP(st.extents, region_limits.max_extents));
	KUNIT_EXPECT_EQ(test, fe_entry(test, GFN0 - 1).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, fe_entry(test, GFN0 + NPAGES).type,
			HVSIM_P2M_HOLE);
}

static void region_frontend_writes_reach_backend(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = mapped_range(test, 0);
	u8 v = 0x99, back = 0;

	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(env->sim, FE, GFN0 + 3, 7,
						    &v, 1, true), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&back, (void __user *)addr +
					     3 * PAGE_SIZE + 7, 1), 0);
	KUNIT_EXPECT_EQ(test, back, 0x99);
}

static void region_munmap_whole(struct kunit *test)
{
	unsigned long addr = mapped_range(test, 0x20);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, NPAGES << PAGE_SHIFT), 0);
	expect_revoked(test, GFN0, NPAGES);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).frames,
			NPAGES);
}

static void region_munmap_middle(struct kunit *test)
{
	unsigned long addr = mapped_range(test, 0x30);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 4 * PAGE_SIZE, 8 * PAGE_SIZE),
			0);
	expect_mapped(test, GFN0, 4, 0x30);
	expect_revoked(test, GFN0 + 4, 8);
	expect_mapped(test, GFN0 + 12, 4, 0x30 + 12);
	/* One run of mapped pages, one extent. */
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).extents, 1);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).frames, 8);
}

static void region_munmap_edges(struct kunit *test)
{
	unsigned long addr = mapped_range(test, 0x40);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + (NPAGES - 1) * PAGE_SIZE,
					PAGE_SIZE), 0);
	expect_revoked(test, GFN0, 1);
	expect_mapped(test, GFN0 + 1, NPAGES - 2, 0x41);
	expect_revoked(test, GFN0 + NPAGES - 1, 1);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES - 2);
}

/* munmap, then new memory at the same address: populate maps it. */
static void region_populate_maps_new_memory(struct kunit *test)
{
	unsigned long addr = mapped_range(test, 0x60), again;

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, NPAGES << PAGE_SHIFT), 0);
	expect_revoked(test, GFN0, NPAGES);
	KUNIT_EXPECT_EQ(test, populate(test, GFN0, NPAGES), -EFAULT);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	again = vm_mmap(NULL, addr, NPAGES << PAGE_SHIFT,
			PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ(test, again, addr);
	tag_pages(test, addr, NPAGES, 0xa0);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0, NPAGES), 0);
	expect_mapped(test, GFN0, NPAGES, 0xa0);
}

static void region_lazy_and_populate(struct kunit *test)
{
	unsigned long addr = user_pages(test, NPAGES, PROT_READ | PROT_WRITE);
	u64 frames;

	tag_pages(test, addr, NPAGES, 0x80);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, GPUMEM_MAP_LAZY,
				     NULL), 0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).calls, 0);

	KUNIT_ASSERT_EQ(test, populate(test, GFN0, 4), 0);
	expect_mapped(test, GFN0, 4, 0x80);
	frames = stats(test, XEN_DMOP_gpumem_map).frames;
	KUNIT_EXPECT_EQ(test, frames, 4);
	/* Mapped GFNs are left alone. */
	KUNIT_ASSERT_EQ(test, populate(test, GFN0, 4), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).frames, 4);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0 + 2, 8), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).frames, 10);
	expect_mapped(test, GFN0, 10, 0x80);
	/* Outside, or partly outside, the region: nothing happens. */
	KUNIT_EXPECT_EQ(test, populate(test, GFN0 + NPAGES, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, populate(test, GFN0 + 14, 4), -ENOENT);
	KUNIT_EXPECT_EQ(test, populate(test, GFN0 - 1, 2), -ENOENT);
	KUNIT_EXPECT_EQ(test, lent(test), 10);
}

static void region_populate_spans_regions(struct kunit *test)
{
	unsigned long a = user_pages(test, 4, PROT_READ | PROT_WRITE);
	unsigned long b = user_pages(test, 4, PROT_READ | PROT_WRITE);

	tag_pages(test, a, 4, 0x10);
	tag_pages(test, b, 4, 0x20);
	KUNIT_ASSERT_EQ(test, map_va(test, a, 4, GFN0, GPUMEM_MAP_LAZY, NULL),
			0);
	KUNIT_ASSERT_EQ(test, map_va(test, b, 4, GFN0 + 4, GPUMEM_MAP_LAZY,
				     NULL), 0);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0 + 2, 4), 0);
	expect_mapped(test, GFN0 + 2, 2, 0x12);
	expect_mapped(test, GFN0 + 4, 2, 0x20);
	KUNIT_EXPECT_EQ(test, lent(test), 4);
}

static void region_unmap(struct kunit *test)
{
	unsigned long addr = user_pages(test, NPAGES, PROT_READ | PROT_WRITE);
	u64 region;

	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, &region), 0);
	KUNIT_ASSERT_EQ(test, unmap(test, region), 0);
	expect_revoked(test, GFN0, NPAGES);
	KUNIT_EXPECT_EQ(test, unmap(test, region), -ENOENT);
	KUNIT_EXPECT_EQ(test, unmap(test, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, unmap(test, 1ull << 32), -ENOENT);
	/* The GFNs are free again. */
	KUNIT_EXPECT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, NULL), 0);
}

static void region_close_with_live_regions(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = mapped_range(test, 0);
	u64 frame = fe_entry(test, GFN0).frame;
	struct hvsim_frame_info fi;
	u64 calls;

	KUNIT_ASSERT_EQ(test, map_va(test, user_pages(test, 4, PROT_READ |
						      PROT_WRITE), 4,
				     GFN0 + NPAGES, 0, NULL), 0);
	hvsim_frame_info(env->sim, frame, &fi);
	KUNIT_EXPECT_EQ(test, fi.lent, 1);
	gpumem_ctx_destroy(env->ctx);
	env->ctx = NULL;
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).frames,
			NPAGES + 4);
	hvsim_frame_info(env->sim, frame, &fi);
	KUNIT_EXPECT_EQ(test, fi.lent, 0);
	/* The notifiers are gone too: this munmap reaches no region. */
	calls = stats(test, XEN_DMOP_gpumem_revoke).calls;
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, NPAGES << PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).calls, calls);
}

/*
 * The device model exits with live regions: its mm goes away
 * (MMU_NOTIFY_RELEASE) while the context, passed to another process or not
 * yet closed, keeps the regions.
 */
static void region_exit_with_live_regions(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	struct mm_struct *mm = current->mm;
	unsigned int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, map_va(test, user_pages(test, 4, PROT_READ |
							      PROT_WRITE), 4,
					     GFN0 + 8 * i, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, lent(test), 12);
	/* What exit does to this thread's mm, here, so it is observable. */
	kthread_unuse_mm(mm);
	mmput(mm);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).frames, 12);
	KUNIT_EXPECT_EQ(test, env->ctx->nr_regions, 3);
	/* Nothing can be mapped from a gone address space. */
	KUNIT_EXPECT_EQ(test, gpumem_region_populate(env->ctx, GFN0, 4),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

static void region_overlap_refused(struct kunit *test)
{
	unsigned long other = user_pages(test, 8, PROT_READ | PROT_WRITE);

	mapped_range(test, 0);
	KUNIT_EXPECT_EQ(test, map_va(test, other, 8, GFN0 + 8, 0, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, map_va(test, other, 8, GFN0 - 4, 0, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, map_va(test, other, 1, GFN0 + NPAGES - 1, 0,
				     NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
	KUNIT_EXPECT_EQ(test, map_va(test, other, 8, GFN0 + NPAGES, 0, NULL),
			0);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES + 8);
}

static void region_limits_enforced(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long big = user_pages(test, region_limits.max_pages + 1,
				       PROT_READ | PROT_WRITE);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, map_va(test, big, region_limits.max_pages + 1,
				     GFN0, GPUMEM_MAP_LAZY, NULL), -E2BIG);
	for (i = 0; i < region_limits.max_regions; i++)
		KUNIT_ASSERT_EQ(test, map_va(test, big + i * PAGE_SIZE, 1,
					     GFN0 + i, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, map_va(test, big + i * PAGE_SIZE, 1, GFN0 + i, 0,
				     NULL), -E2BIG);
	KUNIT_EXPECT_EQ(test, env->ctx->nr_regions, region_limits.max_regions);
	KUNIT_EXPECT_EQ(test, lent(test), region_limits.max_regions);
}

struct bad_map {
	const char *name;
	u64 hva;	/* 0: the test's pages, plus hva_off */
	u64 hva_off;
	u64 len;
	u64 gfn;
	u32 domid;
	u32 flags;
	u64 region;
	int err;
};

static const struct bad_map bad_maps[] = {
	{ "unaligned address", 0, 1, PAGE_SIZE, GFN0, FE, 0, 0, -EINVAL },
	{ "unaligned length", 0, 0, 100, GFN0, FE, 0, 0, -EINVAL },
	{ "zero length", 0, 0, 0, GFN0, FE, 0, 0, -EINVAL },
	{ "unknown flag", 0, 0, PAGE_SIZE, GFN0, FE, 1u << 2, 0, -EINVAL },
	{ "region set on input", 0, 0, PAGE_SIZE, GFN0, FE, 0, 7, -EINVAL },
	{ "another domain", 0, 0, PAGE_SIZE, GFN0, ENV_FE_OTHER, 0, 0, -EPERM },
	{ "gfn wraps", 0, 0, 2 * PAGE_SIZE, U64_MAX, FE, 0, 0, -EOVERFLOW },
	{ "gfn beyond 52 bits", 0, 0, PAGE_SIZE, 1ull << 40, FE, 0, 0,
	  -EOVERFLOW },
	{ "address wraps", -PAGE_SIZE, 0, 2 * PAGE_SIZE, GFN0, FE, 0, 0,
	  -EOVERFLOW },
	{ "address beyond user space", 1ull << 57, 0, PAGE_SIZE, GFN0, FE, 0,
	  0, -EOVERFLOW },
	{ "gfns beyond the frontend", 0, 0, PAGE_SIZE, 8192, FE, 0, 0, -EINVAL },
};

static void bad_map_desc(const struct bad_map *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_map, bad_maps, bad_map_desc);

static void region_bad_map(struct kunit *test)
{
	const struct bad_map *b = test->param_value;
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = user_pages(test, 2, PROT_READ | PROT_WRITE);
	struct gpumem_map_va a = {
		.hva = (b->hva ?: addr) + b->hva_off, .len = b->len,
		.gfn = b->gfn,
		.domid = b->domid, .flags = b->flags, .region = b->region,
	};

	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_MAP_VA,
						&a, sizeof(a)), b->err);
	KUNIT_EXPECT_EQ(test, env->ctx->nr_regions, 0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

/* A hole in the backing range fails the map and leaves nothing behind. */
static void region_unmapped_address(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = user_pages(test, NPAGES, PROT_READ | PROT_WRITE);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 9 * PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, NULL),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, env->ctx->nr_regions, 0);
	/* Resolving failed before any MAP was issued. */
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).calls, 0);
}

static void region_read_only(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long ro = user_pages(test, 4, PROT_READ);
	u8 v = 1;

	KUNIT_EXPECT_EQ(test, map_va(test, ro, 4, GFN0, 0, NULL), -EACCES);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_ASSERT_EQ(test, map_va(test, ro, 4, GFN0, GPUMEM_MAP_RO, NULL), 0);
	KUNIT_EXPECT_EQ(test, lent(test), 4);
	KUNIT_EXPECT_TRUE(test, fe_entry(test, GFN0).flags & XEN_GPUMEM_EXT_RO);
	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 1), 0);
	KUNIT_EXPECT_EQ(test, hvsim_frontend_access(env->sim, FE, GFN0, 0, &v,
						    1, true), -EACCES);
}

static void region_needs_bound_context_and_ops(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = user_pages(test, 1, PROT_READ | PROT_WRITE);
	struct gpumem_ctx *bound = env->ctx;
	struct gpumem_bind b = { .domid = FE };

	env->ctx = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	KUNIT_EXPECT_EQ(test, map_va(test, addr, 1, GFN0, 0, NULL), -EBADFD);
	KUNIT_EXPECT_EQ(test, populate(test, GFN0, 1), -EBADFD);
	KUNIT_EXPECT_EQ(test, unmap(test, 1), -EBADFD);
	hvsim_set_ops(env->sim, XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_query));
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
	KUNIT_EXPECT_EQ(test, map_va(test, addr, 1, GFN0, 0, NULL),
			-EOPNOTSUPP);
	gpumem_ctx_destroy(env->ctx);
	env->ctx = bound;
	hvsim_set_ops(env->sim, GPUMEM_HV_OP_QUERY | GPUMEM_HV_OP_MAP |
			       GPUMEM_HV_OP_REVOKE | GPUMEM_HV_OP_STEAL |
			       GPUMEM_HV_OP_RETURN);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

/* A non-blockable invalidation gives up only when it cannot take the lock. */
static void region_non_blockable_invalidate(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = mapped_range(test, 0);
	struct gpumem_region *r = xa_load(&env->ctx->region_ids, 1);
	struct mmu_notifier_range range = {
		.mm = current->mm, .start = addr, .end = addr + PAGE_SIZE,
		.event = MMU_NOTIFY_CLEAR, .flags = 0,	/* not blockable */
	};
	struct mmu_interval_notifier *mn;
	unsigned long seq;

	KUNIT_ASSERT_NOT_NULL(test, r);
	mn = &r->va.notifier;
	seq = READ_ONCE(mn->invalidate_seq);
	mutex_lock(&env->ctx->notifier_lock);
	KUNIT_EXPECT_FALSE(test, mn->ops->invalidate(mn, &range, seq));
	mutex_unlock(&env->ctx->notifier_lock);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
	KUNIT_EXPECT_TRUE(test, mn->ops->invalidate(mn, &range, seq));
	expect_revoked(test, GFN0, 1);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES - 1);
}

/* shmem (memfd) backing: punching a hole revokes exactly the hole. */
static void region_shmem_hole_punch(struct kunit *test)
{
	struct file *f = shmem_file_setup("gpumem-test", NPAGES << PAGE_SHIFT,
					  0);
	unsigned long addr;

	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	addr = kunit_vm_mmap(test, f, 0, NPAGES << PAGE_SHIFT,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	tag_pages(test, addr, NPAGES, 0x41);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, NULL), 0);
	expect_mapped(test, GFN0, NPAGES, 0x41);

	shmem_truncate_range(file_inode(f), 4 << PAGE_SHIFT,
			     (12 << PAGE_SHIFT) - 1);
	fput(f);
	expect_mapped(test, GFN0, 4, 0x41);
	expect_revoked(test, GFN0 + 4, 8);
	expect_mapped(test, GFN0 + 12, 4, 0x41 + 12);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0 + 4, 8), 0);
	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 4), 0);
	tag_pages(test, addr + 4 * PAGE_SIZE, 8, 0x61);
	expect_mapped(test, GFN0 + 4, 8, 0x61);
}

static void region_pfnmap_bar_then_evicted(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	u32 wc = XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WC);
	struct gpumem_test_bo *bo;
	unsigned long addr;
	unsigned int i;

	bo = gpumem_test_bo_create(test, BAR_PFN, NPAGES, true);
	for (i = 0; i < NPAGES; i++)
		*(u8 *)page_address(bo->sys[i]) = 0x71 + i;
	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(env->sim, BAR_PFN, NPAGES), 0);
	addr = gpumem_test_bo_mmap(test, bo);

	/* In VRAM: MMIO frames of the BAR, write-combining, one extent. */
	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, NULL), 0);
	for (i = 0; i < NPAGES; i++) {
		struct hvsim_entry e = fe_entry(test, GFN0 + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame, BAR_PFN + i);
		KUNIT_EXPECT_EQ(test, e.flags, XEN_GPUMEM_EXT_MMIO | wc);
	}
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).extents, 1);

	/* Evicted: the zap revokes all; populate maps the system pages. */
	gpumem_test_bo_evict(test, bo, addr);
	expect_revoked(test, GFN0, NPAGES);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0, NPAGES), 0);
	for (i = 0; i < NPAGES; i++) {
		struct hvsim_entry e = fe_entry(test, GFN0 + i);

		KUNIT_EXPECT_EQ(test, e.frame, page_to_pfn(bo->sys[i]));
		KUNIT_EXPECT_FALSE(test, e.flags & XEN_GPUMEM_EXT_MMIO);
	}
	expect_mapped(test, GFN0, NPAGES, 0x71);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, NPAGES << PAGE_SHIFT), 0);
	expect_revoked(test, GFN0, NPAGES);
}

struct racer {
	struct file *file;
	unsigned long addr;
	atomic_t stop;
	atomic_long_t rounds;
	struct completion started;
};

static int racer_fn(void *data)
{
	struct racer *rc = data;

	/* As MADV_DONTNEED does: the pages go, the mapping stays. */
	while (!atomic_read(&rc->stop)) {
		shmem_truncate_range(file_inode(rc->file), 0,
				     (NPAGES << PAGE_SHIFT) - 1);
		if (atomic_long_inc_return(&rc->rounds) == 1)
			complete(&rc->started);
		cond_resched();
	}
	return 0;
}

/*
 * Invalidations racing with populate, from another thread, never leave a
 * frontend entry on a page that no longer backs the address.  The backing
 * is shmem, whose pages another thread can drop while the mapping stays.
 */
static void region_race_invalidate_vs_populate(struct kunit *test)
{
	struct racer rc = {};
	unsigned int phase, i, populated = 0;
	long overlapped = 0, start;
	struct task_struct *t;
	u64 gfn;

	rc.file = shmem_file_setup("gpumem-race", NPAGES << PAGE_SHIFT, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rc.file));
	rc.addr = kunit_vm_mmap(test, rc.file, 0, NPAGES << PAGE_SHIFT,
				PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	fput(rc.file);
	KUNIT_ASSERT_FALSE(test, !rc.addr || IS_ERR_VALUE(rc.addr));
	KUNIT_ASSERT_EQ(test, map_va(test, rc.addr, NPAGES, GFN0,
				     GPUMEM_MAP_LAZY, NULL), 0);
	for (phase = 0; phase < 3; phase++) {
		atomic_set(&rc.stop, 0);
		atomic_long_set(&rc.rounds, 0);
		init_completion(&rc.started);
		t = kthread_run(racer_fn, &rc, "gpumem-racer");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		get_task_struct(t);
		wait_for_completion(&rc.started);
		start = atomic_long_read(&rc.rounds);
		/*
		 * At least 50 populates, overlapping at least 20 rounds; the
		 * pauses let the racer in (back to back, it starved here).
		 */
		for (i = 0; i < 50 || (i < 1000 &&
				       atomic_long_read(&rc.rounds) < start + 20);
		     i++) {
			long r = populate(test, GFN0, NPAGES);

			KUNIT_EXPECT_TRUE(test, !r || r == -EAGAIN);
			populated += !r;
			usleep_range(50, 100);
		}
		overlapped += atomic_long_read(&rc.rounds) - start;
		atomic_set(&rc.stop, 1);
		kthread_stop(t);
		put_task_struct(t);

		/* Whatever is still mapped must be the current pages. */
		tag_pages(test, rc.addr, NPAGES, 0xc0 + 16 * phase);
		for (gfn = GFN0; gfn < GFN0 + NPAGES; gfn++)
			if (fe_entry(test, gfn).type == HVSIM_P2M_LENT)
				KUNIT_EXPECT_EQ(test, fe_byte(test, gfn),
						(u8)(0xc0 + 16 * phase + gfn -
						     GFN0));
	}
	kunit_info(test, "%u populates succeeded, %ld invalidation rounds during them, %llu revoke calls",
		   populated, overlapped,
		   stats(test, XEN_DMOP_gpumem_revoke).calls);
	KUNIT_EXPECT_GT(test, populated, 0);
	KUNIT_EXPECT_GT(test, overlapped, 0);
	KUNIT_EXPECT_GT(test, stats(test, XEN_DMOP_gpumem_revoke).calls, 0);
}

static void region_count_refusal(domid_t domid,
				 const struct xen_dm_op_gpumem_extent *e, int rc)
{
	struct gpumem_test_env *env = kunit_get_current_test()->priv;

	env->refused++;
}

/* A fresh context, bound after the hypervisor was configured. */
static void rebind(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	struct gpumem_bind b = { .domid = FE };

	gpumem_ctx_destroy(env->ctx);
	env->ctx = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
}

/*
 * After the hypervisor or the module was configured: a fresh context whose
 * QUERY reports @extent_pages, and 128 BAR pages mapped at GFN 2048.
 */
static unsigned long map_bar_rebound(struct kunit *test, u32 extent_pages)
{
	struct gpumem_test_env *env = test->priv;
	struct gpumem_query q = {};
	struct gpumem_test_bo *bo;
	unsigned long addr;

	rebind(test);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_QUERY,
						&q, sizeof(q)), 0);
	KUNIT_EXPECT_EQ(test, q.max_extent_pages, extent_pages);
	bo = gpumem_test_bo_create(test, BAR_PFN, 128, false);
	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(env->sim, BAR_PFN, 128), 0);
	addr = gpumem_test_bo_mmap(test, bo);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, 128, 2048, 0, NULL), 0);
	return addr;
}

/*
 * A VM_PFNMAP range whose frames have a memmap but are not dom0's own
 * memory (ZONE_DEVICE, as a PVH dom0's grant and foreign mappings are) is
 * refused: its dom0 GFN is no MFN, so it must not be lent as MMIO.
 */
static void region_foreign_pfnmap_refused(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long pfn = gpumem_test_zone_device_pfn(test);
	struct gpumem_test_bo *bo = gpumem_test_bo_create(test, pfn, NPAGES,
							  false);
	unsigned long addr;

	KUNIT_EXPECT_EQ(test, gpumem_pfn_kind(pfn), GPUMEM_PFN_FOREIGN);
	KUNIT_EXPECT_EQ(test, gpumem_pfn_kind(BAR_PFN), GPUMEM_PFN_MMIO);
	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(env->sim, pfn, NPAGES), 0);
	addr = gpumem_test_bo_mmap(test, bo);
	KUNIT_EXPECT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, NULL),
			-EXDEV);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, env->ctx->nr_regions, 0);
	KUNIT_EXPECT_EQ(test, map_va(test, addr, NPAGES, GFN0,
				     GPUMEM_MAP_LAZY, NULL), 0);
	KUNIT_EXPECT_EQ(test, populate(test, GFN0, NPAGES), -EXDEV);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

/* A hypervisor with 64-frame extents gets no longer ones, MAP or REVOKE. */
static void region_honours_hypervisor_extent_limit(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr;

	hvsim_set_max_extent_frames(env->sim, 64);
	addr = map_bar_rebound(test, 64);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).extents, 2);
	KUNIT_EXPECT_EQ(test, lent(test), 128);
	kunit_activate_static_stub(test, gpumem_revoke_refused,
				   region_count_refusal);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, 128 << PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).extents, 2);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).failures, 0);
	KUNIT_EXPECT_EQ(test, env->refused, 0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

/*
 * The module's own cap (max_extent_frames=16) splits a contiguous 128-page
 * BAR mapping into 8 extents, for MAP and for REVOKE, and QUERY says so.
 */
static void region_honours_module_extent_limit(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr;

	env->gdev.limits.max_extent_frames = 16;
	addr = map_bar_rebound(test, 16);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).extents, 8);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).frames, 128);
	KUNIT_EXPECT_EQ(test, lent(test), 128);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, 128 << PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).extents, 8);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

/*
 * The frontend dies, and its domid goes to a new domain whose RAM sits at
 * the old GFNs: the context must never touch that domain.
 */
static void region_frontend_gone_and_domid_reused(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = mapped_range(test, 0);
	u64 maps = stats(test, XEN_DMOP_gpumem_map).calls, revokes;

	KUNIT_ASSERT_EQ(test, hvsim_domain_destroy(env->sim, FE), 0);
	kunit_activate_static_stub(test, gpumem_revoke_refused,
				   region_count_refusal);
	/* The first invalidation learns that the frontend is gone... */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, env->ctx->frontend_gone);
	revokes = stats(test, XEN_DMOP_gpumem_revoke).calls;
	/* ...then the domid is reused, RAM where the lent GFNs were. */
	KUNIT_ASSERT_EQ(test, hvsim_domain_create(env->sim, FE, 8192,
						  GFN0 + NPAGES, 8192), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 4 * PAGE_SIZE,
					(NPAGES - 4) << PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).calls,
			revokes);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_RAM),
			GFN0 + NPAGES);
	KUNIT_EXPECT_EQ(test, populate(test, GFN0, 1), -ESRCH);
	KUNIT_EXPECT_EQ(test, map_va(test, user_pages(test, 1, PROT_READ |
						      PROT_WRITE), 1,
				     GFN0 + NPAGES, 0, NULL), -ESRCH);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).calls, maps);
	KUNIT_EXPECT_EQ(test, env->refused, 0);
}

static struct gpumem_region *fake_region(struct kunit *test, u64 gfn, u64 n)
{
	struct gpumem_test_env *env = test->priv;
	struct gpumem_region *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->mapped = kunit_kcalloc(test, BITS_TO_LONGS(n), sizeof(long),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->mapped);
	r->ctx = env->ctx;
	r->nr_pages = n;
	r->gfns.start = gfn;
	r->gfns.last = gfn + n - 1;
	return r;
}

/* Extents: contiguous runs, cut at 2 MiB GFN boundaries and flag changes. */
static void region_extent_building(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	const u64 n = 1536;
	struct gpumem_region *r = fake_region(test, 1024, n);
	struct xen_dm_op_gpumem_extent *ext;
	struct gpumem_frame *f;
	unsigned int nr;
	u64 i;

	f = kunit_kcalloc(test, n, sizeof(*f), GFP_KERNEL);
	ext = kunit_kcalloc(test, n, sizeof(*ext), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_NOT_NULL(test, ext);
	for (i = 0; i < n; i++)
		f[i].frame = 0x200000 + i;
	mutex_lock(&env->ctx->notifier_lock);

	/* 2 MiB-aligned and contiguous: three superpage extents. */
	nr = gpumem_map_extents(r, 0, n, f, ext);
	KUNIT_EXPECT_EQ(test, nr, 3);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, ext[i].nr_frames, 512);
		KUNIT_EXPECT_EQ(test, ext[i].gfn, 1024 + 512 * i);
		KUNIT_EXPECT_EQ(test, ext[i].frame, 0x200000 + 512 * i);
	}
	/* Starting off the boundary: cut where the GFNs cross it. */
	nr = gpumem_map_extents(r, 100, 600, f + 100, ext);
	KUNIT_EXPECT_EQ(test, nr, 2);
	KUNIT_EXPECT_EQ(test, ext[0].nr_frames, 412);
	KUNIT_EXPECT_EQ(test, ext[1].nr_frames, 188);
	/* 4 KiB fragments: one extent per page. */
	for (i = 0; i < 16; i++)
		f[i].frame = 0x300000 + 2 * i;
	KUNIT_EXPECT_EQ(test, gpumem_map_extents(r, 0, 16, f, ext), 16);
	/* A change of flags cuts; mapped pages are skipped. */
	for (i = 0; i < 16; i++)
		f[i].frame = 0x300000 + i;
	f[8].flags = XEN_GPUMEM_EXT_MMIO;
	bitmap_set(r->mapped, 4, 2);
	nr = gpumem_map_extents(r, 0, 16, f, ext);
	KUNIT_EXPECT_EQ(test, nr, 4);
	KUNIT_EXPECT_EQ(test, ext[0].nr_frames, 4);
	KUNIT_EXPECT_EQ(test, ext[1].gfn, 1024 + 6);
	KUNIT_EXPECT_EQ(test, ext[1].nr_frames, 2);
	KUNIT_EXPECT_EQ(test, ext[2].flags, XEN_GPUMEM_EXT_MMIO);
	KUNIT_EXPECT_EQ(test, ext[3].nr_frames, 7);

	mutex_unlock(&env->ctx->notifier_lock);
}

/*
 * The frontend dies and a new domain takes its domid before the context
 * issues another op: the first munmap's REVOKE names the old domain's
 * instance, the hypervisor answers -ESRCH, and the new domain (RAM where
 * the lent GFNs were) is never touched; no refusal reaches the fatal path.
 * A MAP after the reuse is -ESRCH too.
 */
static void region_domid_reused_before_next_op(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = mapped_range(test, 0);
	u64 maps;

	kunit_activate_static_stub(test, gpumem_revoke_refused,
				   region_count_refusal);
	KUNIT_ASSERT_EQ(test, hvsim_domain_destroy(env->sim, FE), 0);
	KUNIT_ASSERT_EQ(test, hvsim_domain_create(env->sim, FE, 8192,
						  GFN0 + NPAGES, 8192), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, NPAGES << PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, env->refused, 0);
	KUNIT_EXPECT_TRUE(test, env->ctx->frontend_gone);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, env, HVSIM_P2M_RAM),
			GFN0 + NPAGES);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	maps = stats(test, XEN_DMOP_gpumem_map).frames;
	KUNIT_EXPECT_EQ(test, map_va(test, user_pages(test, 1, PROT_READ |
						      PROT_WRITE), 1,
				     GFN0 + NPAGES, 0, NULL), -ESRCH);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).frames, maps);
}

static struct kunit_case region_cases[] = {
	KUNIT_CASE(region_map_prefaults),
	KUNIT_CASE(region_frontend_writes_reach_backend),
	KUNIT_CASE(region_munmap_whole),
	KUNIT_CASE(region_munmap_middle),
	KUNIT_CASE(region_munmap_edges),
	KUNIT_CASE(region_populate_maps_new_memory),
	KUNIT_CASE(region_shmem_hole_punch),
	KUNIT_CASE(region_pfnmap_bar_then_evicted),
	KUNIT_CASE(region_lazy_and_populate),
	KUNIT_CASE(region_populate_spans_regions),
	KUNIT_CASE(region_unmap),
	KUNIT_CASE(region_close_with_live_regions),
	KUNIT_CASE(region_exit_with_live_regions),
	KUNIT_CASE(region_overlap_refused),
	KUNIT_CASE(region_limits_enforced),
	KUNIT_CASE_PARAM(region_bad_map, bad_map_gen_params),
	KUNIT_CASE(region_unmapped_address),
	KUNIT_CASE(region_read_only),
	KUNIT_CASE(region_needs_bound_context_and_ops),
	KUNIT_CASE(region_non_blockable_invalidate),
	KUNIT_CASE(region_race_invalidate_vs_populate),
	KUNIT_CASE(region_extent_building),
	KUNIT_CASE(region_foreign_pfnmap_refused),
	KUNIT_CASE(region_domid_reused_before_next_op),
	KUNIT_CASE(region_honours_hypervisor_extent_limit),
	KUNIT_CASE(region_honours_module_extent_limit),
	KUNIT_CASE(region_frontend_gone_and_domid_reused),
	{}
};

static struct kunit_suite region_suite = {
	.name = "xen_gpumem_region",
	.init = region_test_init,
	.exit = region_test_exit,
	.test_cases = region_cases,
};

kunit_test_suite(region_suite);
