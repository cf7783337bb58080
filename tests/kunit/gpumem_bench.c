// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Benchmarks of the VA-range path, of the fault loop and of STEAL, run by `make bench` (never by
 * `make test`).  They print figures, each beside its baseline from the same
 * run; they assert only that the operations succeeded, never a time.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

#define FE		ENV_FE
#define GFN0		0x100000ul	/* 4 GiB: 2 MiB-aligned */
#define BAR_PFN		0x800000ul	/* 32 GiB: 2 MiB-aligned, no RAM */
#define GIB_PAGES	(1ul << (30 - PAGE_SHIFT))
#define MIB_PAGES	(1ul << (20 - PAGE_SHIFT))
#define STEAL_PAGES	(64 * MIB_PAGES)	/* frontend RAM, from GFN 0 */

static const struct gpumem_limits bench_limits = {
	.max_extents = 256,
	.max_regions = 200000,
	.max_pages = 1ul << 20,
	.max_stolen_pages = STEAL_PAGES,
};

static int bench_init(struct kunit *test)
{
	struct gpumem_test_env *env = kunit_kzalloc(test, sizeof(*env),
						    GFP_KERNEL);
	struct gpumem_bind b = { .domid = FE };

	KUNIT_ASSERT_NOT_NULL(test, env);
	test->priv = env;
	env->fe_ram = STEAL_PAGES;
	gpumem_test_env_init(test, env, &bench_limits, GFN0 + GIB_PAGES);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
	return 0;
}

static void bench_exit(struct kunit *test)
{
	gpumem_test_env_fini(test->priv);
}

static long map_va(struct kunit *test, unsigned long addr, u64 n, u64 gfn,
		   u32 flags)
{
	return gpumem_test_map_va(test, test->priv, addr, n, gfn, flags,
				  NULL);
}

static unsigned long populated_pages(struct kunit *test, unsigned long n)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, n << PAGE_SHIFT,
					   PROT_READ | PROT_WRITE,
					   MAP_ANONYMOUS | MAP_PRIVATE |
					   MAP_POPULATE, 0);

	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	return addr;
}

/*
 * The VFIO way to hand pages to a device: pin_user_pages_fast(FOLL_LONGTERM)
 * of [addr, addr + n pages); returns its time, and the unpin's in *@unpin.
 */
static u64 pin_ns(struct kunit *test, unsigned long addr, unsigned long n,
		  u64 *unpin)
{
	struct page **pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	ktime_t t;
	long pinned;
	u64 ns;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	t = ktime_get();
	pinned = pin_user_pages_fast(addr, n, FOLL_WRITE | FOLL_LONGTERM,
				     pages);
	ns = ktime_to_ns(ktime_sub(ktime_get(), t));
	KUNIT_ASSERT_EQ(test, pinned, (long)n);
	t = ktime_get();
	unpin_user_pages(pages, pinned);
	*unpin = ktime_to_ns(ktime_sub(ktime_get(), t));
	kvfree(pages);
	return ns;
}

/* a / b as "x.yy". */
static void ratio(char *buf, size_t len, u64 a, u64 b)
{
	u64 r = b ? div64_u64(a * 100, b) : 0;

	snprintf(buf, len, "%llu.%02llu", r / 100, r % 100);
}

/*
 * Map 1 GiB of populated anonymous memory through MAP_VA against pinning it
 * the VFIO way; then munmap it against munmapping 1 GiB nobody mapped.
 */
static void bench_map_1g_vs_pin(struct kunit *test)
{
	unsigned long n = GIB_PAGES, addr, base;
	struct hvsim_op_stats map, rev;
	u64 t_pin, t_unpin, t_map, t_unmapped, t_mapped;
	char r1[16], r2[16];
	ktime_t t;

	base = populated_pages(test, n);
	t = ktime_get();
	KUNIT_ASSERT_EQ(test, vm_munmap(base, n << PAGE_SHIFT), 0);
	t_unmapped = ktime_to_ns(ktime_sub(ktime_get(), t));

	addr = populated_pages(test, n);
	t_pin = pin_ns(test, addr, n, &t_unpin);

	t = ktime_get();
	KUNIT_ASSERT_EQ(test, map_va(test, addr, n, GFN0, 0), 0);
	t_map = ktime_to_ns(ktime_sub(ktime_get(), t));
	map = stats(test, XEN_DMOP_gpumem_map);

	t = ktime_get();
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, n << PAGE_SHIFT), 0);
	t_mapped = ktime_to_ns(ktime_sub(ktime_get(), t));
	rev = stats(test, XEN_DMOP_gpumem_revoke);

	/* The module's side: without the time spent inside hvsim. */
	ratio(r1, sizeof(r1), t_map - map.ns, t_pin);
	ratio(r2, sizeof(r2), t_mapped - rev.ns, t_unmapped);
	kunit_info(test, "bench: map 1 GiB anon: MAP_VA %llu ns/page module side (+%llu in hvsim), pin_user_pages_fast(FOLL_LONGTERM) %llu ns/page, ratio %s\n",
		   div64_u64(t_map - map.ns, n), div64_u64(map.ns, n),
		   div64_u64(t_pin, n), r1);
	kunit_info(test, "bench: munmap 1 GiB: mapped into the frontend %llu ns/page module side (+%llu in hvsim), not mapped %llu ns/page, ratio %s\n",
		   div64_u64(t_mapped - rev.ns, n), div64_u64(rev.ns, n),
		   div64_u64(t_unmapped, n), r2);
	kunit_info(test, "bench: 4 KiB-fragmented anon source: %llu MAP extents in %llu calls for 1024 MiB (%llu.%02llu extents/MiB, %llu.%02llu calls/MiB); revoke: %llu extents in %llu calls\n",
		   map.extents, map.calls, map.extents / 1024,
		   map.extents % 1024 * 100 / 1024, map.calls / 1024,
		   map.calls % 1024 * 100 / 1024, rev.extents, rev.calls);
}

/* A 2 MiB-aligned contiguous source: one extent per 2 MiB. */
static void bench_contiguous_source(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long n = 64 * MIB_PAGES, addr;
	struct gpumem_test_bo *bo;
	struct hvsim_op_stats map, rev;

	bo = gpumem_test_bo_create(test, BAR_PFN, n, false);
	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(env->sim, BAR_PFN, n), 0);
	addr = gpumem_test_bo_mmap(test, bo);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, n, GFN0, 0), 0);
	map = stats(test, XEN_DMOP_gpumem_map);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, n << PAGE_SHIFT), 0);
	rev = stats(test, XEN_DMOP_gpumem_revoke);
	kunit_info(test, "bench: 2 MiB-contiguous source (BAR, 64 MiB): %llu MAP extents in %llu calls (%llu.%02llu extents/MiB); revoke: %llu extents in %llu calls\n",
		   map.extents, map.calls, map.extents / 64,
		   map.extents % 64 * 100 / 64, rev.extents, rev.calls);
}

/*
 * Invalidation and populate cost per page with @nr one-page regions in one
 * context: 1000 MADV_DONTNEED (each revokes one page), then 1000 populates.
 */
static void bench_regions(struct kunit *test, unsigned long nr, u64 *t_inv,
			  u64 *t_pop)
{
	unsigned long addr = populated_pages(test, nr), i, step = nr / 1000;
	u64 inv = 0, pop = 0;
	ktime_t t;

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, map_va(test, addr + (i << PAGE_SHIFT), 1,
					     GFN0 + i, 0), 0);
	for (i = 0; i < nr; i += step) {
		t = ktime_get();
		KUNIT_ASSERT_EQ(test, do_madvise(current->mm,
						 addr + (i << PAGE_SHIFT),
						 PAGE_SIZE, MADV_DONTNEED), 0);
		inv += ktime_to_ns(ktime_sub(ktime_get(), t));
		t = ktime_get();
		KUNIT_ASSERT_EQ(test, populate(test, GFN0 + i, 1), 0);
		pop += ktime_to_ns(ktime_sub(ktime_get(), t));
	}
	*t_inv = div64_u64(inv, nr / step);
	*t_pop = div64_u64(pop, nr / step);
}

static void bench_invalidate_scaling(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	u64 inv_small, pop_small, inv_big, pop_big;
	char r1[16], r2[16];

	bench_regions(test, 1000, &inv_small, &pop_small);
	gpumem_ctx_destroy(env->ctx);
	env->ctx = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&(struct gpumem_bind){ .domid = FE },
						sizeof(struct gpumem_bind)), 0);
	bench_regions(test, 100000, &inv_big, &pop_big);
	ratio(r1, sizeof(r1), inv_big, inv_small);
	ratio(r2, sizeof(r2), pop_big, pop_small);
	kunit_info(test, "bench: invalidate (MADV_DONTNEED of a mapped page): %llu ns with 10^3 regions, %llu ns with 10^5, ratio %s\n",
		   inv_small, inv_big, r1);
	kunit_info(test, "bench: populate (region lookup and map of one page): %llu ns with 10^3 regions, %llu ns with 10^5, ratio %s\n",
		   pop_small, pop_big, r2);
}

/* Bookkeeping per mapped page: the region and its bitmap. */
static void bench_bookkeeping(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long n = GIB_PAGES;
	struct gpumem_region *r;
	u64 bytes;

	KUNIT_ASSERT_EQ(test, map_va(test, populated_pages(test, n), n, GFN0,
				     GPUMEM_MAP_LAZY), 0);
	r = xa_load(&env->ctx->region_ids, 1);
	KUNIT_ASSERT_NOT_NULL(test, r);
	bytes = ksize(r) + BITS_TO_LONGS(n) * sizeof(long);
	kunit_info(test, "bench: bookkeeping for a 1 GiB region: %llu bytes, %llu.%03llu bytes per 4 KiB page (region %zu, bitmap %lu); per context %zu bytes + %u revoke extents of %zu\n",
		   bytes, bytes / n, (bytes % n) * 1000 / n, ksize(r),
		   BITS_TO_LONGS(n) * sizeof(long), sizeof(*env->ctx),
		   bench_limits.max_extents,
		   sizeof(struct xen_dm_op_gpumem_extent));
}

/*
 * STEAL 64 MiB of frontend RAM and RETURN it, against pinning and unpinning
 * 64 MiB of the device model's own memory, the other way to hand a host
 * driver pages.  The landing slots' own cost (hvsim allocates a page per
 * slot; Xen takes them from its unpopulated pool) is measured apart, by
 * allocating and freeing as many through the seam.
 */
static void bench_steal_vs_pin(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	struct gpumem_steal s = { .nr_pages = STEAL_PAGES, .domid = FE };
	struct gpumem_return ret = { .domid = FE };
	unsigned long n = STEAL_PAGES, addr;
	struct hvsim_op_stats st, rt;
	u64 t_pin, t_unpin, t_steal, t_ret, t_slots;
	struct page **pages;
	char r1[16];
	ktime_t t;

	addr = populated_pages(test, n);
	t_pin = pin_ns(test, addr, n, &t_unpin);
	t_pin += t_unpin;

	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	t = ktime_get();
	KUNIT_ASSERT_EQ(test, env->gdev.hv->ops->slots_alloc(env->gdev.hv, n,
							     pages), 0);
	env->gdev.hv->ops->slots_free(env->gdev.hv, n, pages);
	t_slots = ktime_to_ns(ktime_sub(ktime_get(), t));
	kvfree(pages);

	t = ktime_get();
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_STEAL,
						&s, sizeof(s)), 0);
	t_steal = ktime_to_ns(ktime_sub(ktime_get(), t));
	st = stats(test, XEN_DMOP_gpumem_steal);
	ret.offset = s.offset;
	t = ktime_get();
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_RETURN,
						&ret, sizeof(ret)), 0);
	t_ret = ktime_to_ns(ktime_sub(ktime_get(), t));
	rt = stats(test, XEN_DMOP_gpumem_return);

	/* The module's side: without hvsim's hypercalls and slot pages. */
	t_steal -= st.ns;
	t_ret -= rt.ns;
	ratio(r1, sizeof(r1), t_steal + t_ret - t_slots, t_pin);
	kunit_info(test, "bench: steal+return 64 MiB: STEAL %llu ns/page, RETURN %llu ns/page outside the hypercalls (+%llu, +%llu in hvsim), of which hvsim's slot pages %llu ns/page; module alone %llu ns/page against pin+unpin_user_pages(FOLL_LONGTERM) %llu ns/page, ratio %s; STEAL %llu extents in %llu calls, RETURN %llu extents in %llu calls\n",
		   div64_u64(t_steal, n), div64_u64(t_ret, n),
		   div64_u64(st.ns, n), div64_u64(rt.ns, n),
		   div64_u64(t_slots, n),
		   div64_u64(t_steal + t_ret - t_slots, n),
		   div64_u64(t_pin, n), r1, st.extents, st.calls, rt.extents,
		   rt.calls);
}

static long fault_enable(struct kunit *test, u64 gfn, u64 nr, u32 flags)
{
	struct gpumem_fault_enable a = {
		.gfn = gfn, .nr_pages = nr, .domid = FE, .flags = flags,
	};

	return gpumem_test_ioctl(test, test->priv, GPUMEM_IOCTL_FAULT_ENABLE,
				 &a, sizeof(a));
}

static long revoke(struct kunit *test, u64 gfn, u64 n)
{
	struct gpumem_revoke a = { .gfn = gfn, .nr_pages = n, .domid = FE };

	return gpumem_test_ioctl(test, test->priv, GPUMEM_IOCTL_REVOKE, &a,
				 sizeof(a));
}

/*
 * A device model in a thread, through the uAPI as a VMM would: block in
 * read() for a fault record, POPULATE its GFN, complete RETRY; until told
 * to stop (it sees that after serving the fault that wakes it).
 */
struct bench_dm {
	struct gpumem_ctx *ctx;
	struct mm_struct *mm;
	void __user *arg;	/* a page of the test's memory */
	unsigned int served;
	bool stop;
	struct completion done;
};

static int bench_dm_fn(void *data)
{
	struct bench_dm *dm = data;
	struct gpumem_fault_record rec;
	struct gpumem_populate p = { .nr_pages = 1, .domid = FE };
	struct gpumem_fault_complete c = { .domid = FE };

	kthread_use_mm(dm->mm);
	while (!READ_ONCE(dm->stop)) {
		if (gpumem_fault_read(dm->ctx, dm->arg, sizeof(rec), false) !=
		    sizeof(rec) || copy_from_user(&rec, dm->arg, sizeof(rec)))
			break;
		p.gfn = rec.gfn;
		if (copy_to_user(dm->arg, &p, sizeof(p)) ||
		    gpumem_ctx_ioctl(dm->ctx, GPUMEM_IOCTL_POPULATE, dm->arg))
			break;
		c.seq = rec.seq;
		if (copy_to_user(dm->arg, &c, sizeof(c)) ||
		    gpumem_ctx_ioctl(dm->ctx, GPUMEM_IOCTL_FAULT_COMPLETE,
				     dm->arg))
			break;
		dm->served++;
	}
	kthread_unuse_mm(dm->mm);
	complete(&dm->done);
	return 0;
}

/* @n faults on revoked pages of [GFN0, GFN0 + 512): the time of each read. */
static u64 fault_reads_ns(struct kunit *test, unsigned int n)
{
	struct gpumem_test_env *env = test->priv;
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 gfn = GFN0 + i % 512;
		ktime_t t;
		u8 v;

		KUNIT_ASSERT_EQ(test, revoke(test, gfn, 1), 0);
		t = ktime_get();
		KUNIT_ASSERT_EQ(test, hvsim_frontend_access(env->sim, FE, gfn,
							    0, &v, 1, false),
				0);
		total += ktime_to_ns(ktime_sub(ktime_get(), t));
	}
	return total;
}

/*
 * One fault served in the kernel against the same fault handed to a device
 * model thread (read, POPULATE, FAULT_COMPLETE), 1000 of each; each revoked
 * just before, so that map-ahead finds only it to map.
 */
static void bench_fault_kernel_vs_user(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long addr = populated_pages(test, 512);
	struct bench_dm dm = { .mm = current->mm };
	struct gpumem_bind b = { .domid = FE };
	const unsigned int n = 1000;
	struct task_struct *t;
	u64 t_kernel, t_user;
	char r[16];

	KUNIT_ASSERT_EQ(test, map_va(test, addr, 512, GFN0, 0), 0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, 512,
					   GPUMEM_FAULT_KERNEL), 0);
	t_kernel = fault_reads_ns(test, n);

	/* A second context on the same pages, its faults handed over. */
	gpumem_ctx_destroy(env->ctx);
	env->ctx = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, 512, GFN0, 0), 0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, 512, GPUMEM_FAULT_USER),
			0);
	dm.ctx = env->ctx;
	dm.arg = (void __user *)populated_pages(test, 1);
	init_completion(&dm.done);
	t = kthread_run(bench_dm_fn, &dm, "bench-dm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	t_user = fault_reads_ns(test, n);
	WRITE_ONCE(dm.stop, true);
	fault_reads_ns(test, 1);	/* wakes the thread to see stop */
	wait_for_completion(&dm.done);
	KUNIT_EXPECT_EQ(test, dm.served, n + 1);

	ratio(r, sizeof(r), t_user, t_kernel);
	kunit_info(test, "bench: fault on a revoked page: served in the kernel %llu ns, by a device model thread (read + POPULATE + FAULT_COMPLETE) %llu ns, ratio %s\n",
		   div64_u64(t_kernel, n), div64_u64(t_user, n), r);
}

/*
 * A sequential read of every page of a revoked 64 MiB region, served by
 * faults with map-ahead, against the same read after a prefaulting MAP_VA.
 */
static void bench_fault_sequential(struct kunit *test)
{
	struct gpumem_test_env *env = test->priv;
	unsigned long n = 64 * MIB_PAGES, i;
	unsigned long addr = populated_pages(test, n);
	struct hvsim_fault_stats fs;
	u64 t_prefault, t_fault;
	char r[16];
	ktime_t t;
	u8 v;

	t = ktime_get();
	KUNIT_ASSERT_EQ(test, map_va(test, addr, n, GFN0, 0), 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, hvsim_frontend_access(env->sim, FE,
							    GFN0 + i, 0, &v, 1,
							    false), 0);
	t_prefault = ktime_to_ns(ktime_sub(ktime_get(), t));

	KUNIT_ASSERT_EQ(test, revoke(test, GFN0, n), 0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, n, GPUMEM_FAULT_KERNEL),
			0);
	t = ktime_get();
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, hvsim_frontend_access(env->sim, FE,
							    GFN0 + i, 0, &v, 1,
							    false), 0);
	t_fault = ktime_to_ns(ktime_sub(ktime_get(), t));
	hvsim_fault_stats(env->sim, &fs);

	ratio(r, sizeof(r), t_fault, t_prefault);
	kunit_info(test, "bench: sequential read of a revoked 64 MiB region: %llu faults (%llu.%02llu per MiB) with map-ahead, %llu ns/page against MAP_VA + read %llu ns/page, ratio %s\n",
		   fs.raised, fs.raised / 64, fs.raised % 64 * 100 / 64,
		   div64_u64(t_fault, n), div64_u64(t_prefault, n), r);
}

static struct kunit_case bench_cases[] = {
	KUNIT_CASE_SLOW(bench_map_1g_vs_pin),
	KUNIT_CASE_SLOW(bench_contiguous_source),
	KUNIT_CASE_SLOW(bench_invalidate_scaling),
	KUNIT_CASE_SLOW(bench_bookkeeping),
	KUNIT_CASE_SLOW(bench_steal_vs_pin),
	KUNIT_CASE_SLOW(bench_fault_kernel_vs_user),
	KUNIT_CASE_SLOW(bench_fault_sequential),
	{}
};

static struct kunit_suite bench_suite = {
	.name = "xen_gpumem_bench",
	.init = bench_init,
	.exit = bench_exit,
	.test_cases = bench_cases,
};

kunit_test_suite(bench_suite);
