// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: the fault loop.  A frontend access to an empty GFN of the window
 * pauses the (simulated) vCPU; the module maps what backs the GFN now and
 * the access is re-executed, or the fault reaches the device model through
 * read() and GPUMEM_IOCTL_FAULT_COMPLETE.  After each step hvsim's p2m and
 * fault counters, and the context's, are checked.
 *
 * Accesses that must wait for the test itself (faults handed to userspace)
 * are made by a kthread standing for the vCPU.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/shmem_fs.h>
#include <linux/uaccess.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

#define FE		ENV_FE
#define GFN0		256	/* regions start here, above the RAM */
#define NPAGES		16
#define WIN_NR		4096	/* the fault window: [GFN0, GFN0 + WIN_NR) */
#define BAR_PFN		0x800000ul	/* 32 GiB: no RAM there under QEMU */
#define SEQ_PAGES	16384	/* 64 MiB, for the map-ahead case */
#define FE_GFNS		(GFN0 + SEQ_PAGES + 1024)

static const struct gpumem_limits pf_limits = {
	.max_extents = 64,
	.max_regions = 16,
	.max_pages = SEQ_PAGES + 64,
	.max_stolen_pages = 16,
};

struct pf_fixture {
	struct gpumem_test_env env;
};

GPUMEM_TEST_FIXTURE(struct pf_fixture);

static int pf_test_init(struct kunit *test)
{
	struct pf_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	struct gpumem_bind b = { .domid = FE };

	KUNIT_ASSERT_NOT_NULL(test, fx);
	test->priv = fx;
	fx->env.fe_ram = 16;
	gpumem_test_env_init(test, &fx->env, &pf_limits, FE_GFNS);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_BIND, &b,
						sizeof(b)), 0);
	return 0;
}

static void pf_test_exit(struct kunit *test)
{
	struct gpumem_test_env *env = test_env(test);

	if (env->ctx)
		gpumem_ctx_destroy(env->ctx);
	env->ctx = NULL;
	/* Closing released the window and revoked everything. */
	KUNIT_EXPECT_FALSE(test, hvsim_fault_claimed(env->sim, FE, GFN0));
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	gpumem_test_env_fini(env);
}

static long fault_enable(struct kunit *test, u64 gfn, u64 nr, u32 flags,
			 u32 max_pending)
{
	struct gpumem_fault_enable a = {
		.gfn = gfn, .nr_pages = nr, .domid = FE, .flags = flags,
		.max_pending = max_pending,
	};
	long rc = gpumem_test_ioctl(test, test_env(test),
				    GPUMEM_IOCTL_FAULT_ENABLE, &a, sizeof(a));

	if (!rc)
		KUNIT_EXPECT_EQ(test, a.nr_vcpus, HVSIM_NR_VCPUS);
	return rc;
}

static long fault_complete(struct kunit *test, u64 seq, u32 answer)
{
	struct gpumem_fault_complete a = {
		.seq = seq, .domid = FE, .answer = answer,
	};

	return gpumem_test_ioctl(test, test_env(test),
				 GPUMEM_IOCTL_FAULT_COMPLETE, &a, sizeof(a));
}

static ssize_t fault_read(struct kunit *test, struct gpumem_fault_record *rec,
			  bool nonblock)
{
	struct gpumem_test_env *env = test_env(test);
	ssize_t n = gpumem_fault_read(env->ctx, env->arg, sizeof(*rec),
				      nonblock);

	if (n == sizeof(*rec))
		KUNIT_ASSERT_EQ(test, copy_from_user(rec, env->arg,
						     sizeof(*rec)), 0);
	return n;
}

static struct gpumem_fault_stats ctx_stats(struct kunit *test)
{
	struct gpumem_fault_stats st;

	gpumem_fault_stats(test_env(test)->ctx, &st);
	return st;
}

static struct hvsim_fault_stats sim_stats(struct kunit *test)
{
	struct hvsim_fault_stats st;

	hvsim_fault_stats(test_env(test)->sim, &st);
	return st;
}

static unsigned long user_pages(struct kunit *test, unsigned long n)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, n << PAGE_SHIFT,
					   PROT_READ | PROT_WRITE,
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

static long map_va(struct kunit *test, unsigned long addr, u64 n, u64 gfn,
		   u32 flags, u64 *region)
{
	return gpumem_test_map_va(test, test_env(test), addr, n, gfn, flags,
				  region);
}

static int fe_read(struct kunit *test, u64 gfn, u8 *v)
{
	return hvsim_frontend_access(test_env(test)->sim, FE, gfn, 0, v, 1,
				     false);
}

/* The frontend reads byte 0 of @gfn: the access must succeed. */
static u8 fe_byte(struct kunit *test, u64 gfn)
{
	u8 v = 0;

	KUNIT_EXPECT_EQ(test, fe_read(test, gfn, &v), 0);
	return v;
}

/* MAP_VA of NPAGES tagged pages at GFN0, then munmap: all revoked. */
static unsigned long mapped_then_unmapped(struct kunit *test, u8 tag,
					  u64 *region)
{
	unsigned long addr = user_pages(test, NPAGES);

	tag_pages(test, addr, NPAGES, tag);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, region), 0);
	KUNIT_ASSERT_EQ(test, lent(test), NPAGES);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, NPAGES << PAGE_SHIFT), 0);
	KUNIT_ASSERT_EQ(test, lent(test), 0);
	return addr;
}

/* New memory at @addr, tagged. */
static void remap_at(struct kunit *test, unsigned long addr, u8 tag)
{
	unsigned long again = vm_mmap(NULL, addr, NPAGES << PAGE_SHIFT,
				      PROT_READ | PROT_WRITE,
				      MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED,
				      0);

	KUNIT_ASSERT_EQ(test, again, addr);
	tag_pages(test, addr, NPAGES, tag);
}

/*
 * munmap and new memory at the same address: the frontend's read is served
 * in the kernel with the new bytes, no POPULATE, and the whole region is
 * mapped by the one fault (map-ahead).
 */
static void pf_munmap_remap_served(struct kunit *test)
{
	unsigned long addr = mapped_then_unmapped(test, 0x10, NULL);
	u64 calls = stats(test, XEN_DMOP_gpumem_map).calls;
	u64 i;

	remap_at(test, addr, 0xa0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_KERNEL, 0), 0);
	KUNIT_EXPECT_TRUE(test, hvsim_fault_claimed(test_env(test)->sim, FE,
						    GFN0 + WIN_NR - 1));
	KUNIT_EXPECT_FALSE(test, hvsim_fault_claimed(test_env(test)->sim, FE,
						     GFN0 + WIN_NR));
	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 3), 0xa3);
	KUNIT_EXPECT_EQ(test, sim_stats(test).raised, 1);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).served_kernel, 1);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).handed_user, 0);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
	KUNIT_EXPECT_GT(test, stats(test, XEN_DMOP_gpumem_map).calls, calls);
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + i), (u8)(0xa0 + i));
	/* No further fault: every page came with the first. */
	KUNIT_EXPECT_EQ(test, sim_stats(test).raised, 1);
}

/* Writes of a served access land in the new memory. */
static void pf_write_lands_in_new_memory(struct kunit *test)
{
	unsigned long addr = mapped_then_unmapped(test, 0x10, NULL);
	u8 v = 0x5a, back = 0;

	remap_at(test, addr, 0xb0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_KERNEL, 0), 0);
	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(test_env(test)->sim, FE,
						    GFN0 + 5, 9, &v, 1, true),
			0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&back, (void __user *)addr +
					     5 * PAGE_SIZE + 9, 1), 0);
	KUNIT_EXPECT_EQ(test, back, 0x5a);
}

static void pf_fput(void *file)
{
	fput(file);
}

/*
 * A hole punched in a shared memfd-like mapping (shmem pages dropped, the
 * mapping stays, as MADV_DONTNEED does to anonymous memory): the frontend's
 * next read is served with the new zero page, and what dom0 writes there
 * afterwards is what the frontend reads: the page mapped is the one behind
 * the VA now, not the one dropped.
 */
static void pf_hole_punch_served(struct kunit *test)
{
	struct file *file = shmem_file_setup("gpumem-hole", NPAGES << PAGE_SHIFT,
					     0);
	unsigned long addr;
	u8 v = 0x77;

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pf_fput, file),
			0);
	addr = kunit_vm_mmap(test, file, 0, NPAGES << PAGE_SHIFT,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	tag_pages(test, addr, NPAGES, 0x40);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_KERNEL, 0), 0);
	shmem_truncate_range(file_inode(file), 4 << PAGE_SHIFT,
			     (8 << PAGE_SHIFT) - 1);
	KUNIT_ASSERT_EQ(test, lent(test), NPAGES - 4);
	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 3), 0x43);
	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 6), 0);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).served_kernel, 1);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr + 6 * PAGE_SIZE,
					   &v, 1), 0);
	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 6), 0x77);
	KUNIT_EXPECT_EQ(test, sim_stats(test).raised, 1);
}

/*
 * A BO's mmap shows BAR frames; the BO is evicted (its mmap zapped, system
 * pages behind it now): the frontend's next read is served with the system
 * page's bytes.
 */
static void pf_bo_eviction_served(struct kunit *test)
{
	struct gpumem_test_bo *bo = gpumem_test_bo_create(test, BAR_PFN,
							  NPAGES, true);
	unsigned long addr = gpumem_test_bo_mmap(test, bo);
	struct hvsim_entry e;
	u8 *va;

	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(test_env(test)->sim, BAR_PFN,
						 NPAGES), 0);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, NULL), 0);
	e = fe_entry(test, GFN0 + 2);
	KUNIT_EXPECT_EQ(test, e.frame, BAR_PFN + 2);
	KUNIT_EXPECT_TRUE(test, e.flags & XEN_GPUMEM_EXT_MMIO);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_KERNEL, 0), 0);

	gpumem_test_bo_evict(test, bo, addr);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	va = page_address(bo->sys[2]);
	va[0] = 0x77;
	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 2), 0x77);
	e = fe_entry(test, GFN0 + 2);
	KUNIT_EXPECT_EQ(test, e.frame, page_to_pfn(bo->sys[2]));
	KUNIT_EXPECT_FALSE(test, e.flags & XEN_GPUMEM_EXT_MMIO);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).served_kernel, 1);
}

/* REVOKE of stolen pages: the frontend's next read maps them back. */
static void pf_stolen_revoke_served(struct kunit *test)
{
	struct gpumem_revoke r = { .gfn = 2, .nr_pages = 4, .domid = FE };
	u8 v = 0x42;

	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(test_env(test)->sim, FE, 3,
						    0, &v, 1, true), 0);
	KUNIT_ASSERT_EQ(test, gpumem_test_steal(test, test_env(test), 2, 4,
						NULL), 0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, 0, 16, GPUMEM_FAULT_KERNEL,
					   0), 0);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, test_env(test),
						GPUMEM_IOCTL_REVOKE, &r,
						sizeof(r)), 0);
	KUNIT_EXPECT_EQ(test, fe_entry(test, 3).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, fe_byte(test, 3), 0x42);
	KUNIT_EXPECT_EQ(test, fe_entry(test, 3).type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).served_kernel, 1);
}

/* Without GPUMEM_FAULT_USER, a fault the module cannot serve is EMULATE. */
static void pf_unserved_is_emulate(struct kunit *test)
{
	u8 v;

	mapped_then_unmapped(test, 0x10, NULL);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_KERNEL, 0), 0);
	/* The VA is gone (-EFAULT), and GFN0 + NPAGES is in no region. */
	KUNIT_EXPECT_EQ(test, fe_read(test, GFN0, &v), -EFAULT);
	KUNIT_EXPECT_EQ(test, fe_read(test, GFN0 + NPAGES, &v), -EFAULT);
	KUNIT_EXPECT_EQ(test, sim_stats(test).raised, 2);
	KUNIT_EXPECT_EQ(test, sim_stats(test).emulated, 2);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).emulated, 2);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	/* Outside the window nothing is raised. */
	KUNIT_EXPECT_EQ(test, fe_read(test, GFN0 + WIN_NR, &v), -EFAULT);
	KUNIT_EXPECT_EQ(test, sim_stats(test).raised, 2);
}

/* A vCPU, a kthread making one frontend access. */
struct pf_vcpu {
	struct hvsim *sim;
	unsigned int vcpu;
	u64 gfn;
	u8 val;
	int rc;
	struct completion done;
	struct task_struct *task;
};

static int pf_vcpu_fn(void *data)
{
	struct pf_vcpu *c = data;

	c->rc = hvsim_frontend_vcpu_access(c->sim, FE, c->vcpu, c->gfn, 0,
					   &c->val, 1, false);
	complete(&c->done);
	return 0;
}

static struct pf_vcpu *pf_vcpu_start(struct kunit *test, unsigned int vcpu,
				     u64 gfn)
{
	struct pf_vcpu *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->sim = test_env(test)->sim;
	c->vcpu = vcpu;
	c->gfn = gfn;
	init_completion(&c->done);
	c->task = kthread_run(pf_vcpu_fn, c, "pf-vcpu%u", vcpu);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->task));
	return c;
}

static int pf_vcpu_wait(struct kunit *test, struct pf_vcpu *c)
{
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&c->done, 20 * HZ),
			0);
	return c->rc;
}

/* Wait until @n faults in all were handed to userspace. */
static void wait_handed(struct kunit *test, u64 n)
{
	int i;

	for (i = 0; i < 500 && ctx_stats(test).handed_user < n; i++)
		usleep_range(5000, 10000);
	KUNIT_ASSERT_EQ(test, ctx_stats(test).handed_user, n);
}

/*
 * A GFN in no region reaches read(); the device model maps memory there
 * and completes RETRY; the paused access then reads it.
 */
static void pf_no_region_to_user(struct kunit *test)
{
	unsigned long addr = user_pages(test, 1);
	struct gpumem_fault_record rec;
	struct pf_vcpu *c;

	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_KERNEL |
					   GPUMEM_FAULT_USER, 0), 0);
	KUNIT_EXPECT_EQ(test, fault_read(test, &rec, true), -EAGAIN);
	c = pf_vcpu_start(test, 2, GFN0 + 40);
	wait_handed(test, 1);
	KUNIT_ASSERT_EQ(test, fault_read(test, &rec, false), sizeof(rec));
	KUNIT_EXPECT_EQ(test, rec.gfn, GFN0 + 40);
	KUNIT_EXPECT_EQ(test, rec.vcpu, 2);
	KUNIT_EXPECT_EQ(test, rec.access, GPUMEM_FAULT_ACCESS_R);
	KUNIT_EXPECT_EQ(test, rec.attempt, 1);
	KUNIT_EXPECT_EQ(test, rec.reason, -ENOENT);
	KUNIT_EXPECT_EQ(test, rec.region, GPUMEM_FAULT_NO_REGION);
	KUNIT_EXPECT_EQ(test, rec.lost, 0);
	/* Still paused. */
	KUNIT_EXPECT_FALSE(test, completion_done(&c->done));

	tag_pages(test, addr, 1, 0xc4);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, 1, GFN0 + 40, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, fault_complete(test, rec.seq + 1,
					     GPUMEM_FAULT_RETRY), -ENOENT);
	KUNIT_ASSERT_EQ(test, fault_complete(test, rec.seq, GPUMEM_FAULT_RETRY),
			0);
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, c), 0);
	KUNIT_EXPECT_EQ(test, c->val, 0xc4);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).completed, 1);
	/* Completed once only. */
	KUNIT_EXPECT_EQ(test, fault_complete(test, rec.seq, GPUMEM_FAULT_RETRY),
			-ENOENT);
}

/* USER alone: a region's fault is handed over too, with its region id. */
static void pf_user_only(struct kunit *test)
{
	unsigned long addr;
	struct gpumem_fault_record rec;
	struct pf_vcpu *c;
	u64 region = 0;

	addr = mapped_then_unmapped(test, 0x10, &region);
	remap_at(test, addr, 0x30);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_USER, 0), 0);
	c = pf_vcpu_start(test, 0, GFN0 + 1);
	wait_handed(test, 1);
	KUNIT_ASSERT_EQ(test, fault_read(test, &rec, false), sizeof(rec));
	KUNIT_EXPECT_EQ(test, rec.reason, 0);
	KUNIT_EXPECT_EQ(test, rec.region, region);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0, NPAGES), 0);
	KUNIT_ASSERT_EQ(test, fault_complete(test, rec.seq, GPUMEM_FAULT_RETRY),
			0);
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, c), 0);
	KUNIT_EXPECT_EQ(test, c->val, 0x31);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).served_kernel, 0);
}

/*
 * max_pending 1: with one fault queued, another vCPU's fault is answered
 * EMULATE at once, and the next record read reports it lost.
 */
static void pf_queue_overflow(struct kunit *test)
{
	struct gpumem_fault_record rec;
	struct pf_vcpu *a, *b;

	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_USER, 1), 0);
	a = pf_vcpu_start(test, 0, GFN0 + 1);
	wait_handed(test, 1);
	b = pf_vcpu_start(test, 1, GFN0 + 2);
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, b), -EFAULT);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).lost, 1);
	KUNIT_ASSERT_EQ(test, fault_read(test, &rec, false), sizeof(rec));
	KUNIT_EXPECT_EQ(test, rec.vcpu, 0);
	KUNIT_EXPECT_EQ(test, rec.lost, 1);
	KUNIT_ASSERT_EQ(test, fault_complete(test, rec.seq,
					     GPUMEM_FAULT_EMULATE), 0);
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, a), -EFAULT);
	KUNIT_EXPECT_EQ(test, sim_stats(test).emulated, 2);
}

/*
 * read() into a buffer it cannot write: EFAULT, and the record stays
 * queued (its vCPU paused, its lost count kept) for the next read.
 */
static void pf_read_efault_keeps_record(struct kunit *test)
{
	struct gpumem_test_env *env = test_env(test);
	struct gpumem_fault_record rec;
	struct pf_vcpu *a;

	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_USER, 0), 0);
	a = pf_vcpu_start(test, 0, GFN0 + 1);
	wait_handed(test, 1);
	KUNIT_EXPECT_EQ(test, gpumem_fault_read(env->ctx,
						(char __user *)TASK_SIZE_MAX,
						sizeof(rec), true), -EFAULT);
	KUNIT_ASSERT_EQ(test, fault_read(test, &rec, true), sizeof(rec));
	KUNIT_EXPECT_EQ(test, rec.vcpu, 0);
	KUNIT_EXPECT_EQ(test, rec.gfn, GFN0 + 1);
	KUNIT_EXPECT_EQ(test, fault_read(test, &rec, true), -EAGAIN);
	KUNIT_ASSERT_EQ(test, fault_complete(test, rec.seq,
					     GPUMEM_FAULT_EMULATE), 0);
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, a), -EFAULT);
}

/* Close with a fault read but not completed: the vCPU resumes. */
static void pf_close_with_fault_pending(struct kunit *test)
{
	struct gpumem_test_env *env = test_env(test);
	struct gpumem_fault_record rec;
	struct pf_vcpu *a, *b;

	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_USER, 0), 0);
	a = pf_vcpu_start(test, 0, GFN0 + 1);
	wait_handed(test, 1);
	KUNIT_ASSERT_EQ(test, fault_read(test, &rec, false), sizeof(rec));
	b = pf_vcpu_start(test, 3, GFN0 + 9);
	wait_handed(test, 2);
	gpumem_ctx_destroy(env->ctx);
	env->ctx = NULL;
	/* RETRY, and the window is gone: the access faults as without one. */
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, a), -EFAULT);
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, b), -EFAULT);
	KUNIT_EXPECT_EQ(test, sim_stats(test).timeouts, 0);
	KUNIT_EXPECT_EQ(test, sim_stats(test).raised, 2);
}

/*
 * The hypervisor's bound: answered RETRY with nothing mapped, the access
 * faults again, XEN_GPUMEM_FAULT_MAX_TRIES times, then is EMULATEd.
 */
static void pf_no_progress_bounded(struct kunit *test)
{
	struct gpumem_fault_record rec;
	struct pf_vcpu *c;
	u32 i;

	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_USER, 0), 0);
	c = pf_vcpu_start(test, 1, GFN0 + 7);
	for (i = 1; i <= XEN_GPUMEM_FAULT_MAX_TRIES; i++) {
		wait_handed(test, i);
		KUNIT_ASSERT_EQ(test, fault_read(test, &rec, false),
				sizeof(rec));
		KUNIT_EXPECT_EQ(test, rec.attempt, i);
		KUNIT_ASSERT_EQ(test, fault_complete(test, rec.seq,
						     GPUMEM_FAULT_RETRY), 0);
	}
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, c), -EFAULT);
	KUNIT_EXPECT_EQ(test, sim_stats(test).bounded, 1);
	KUNIT_EXPECT_EQ(test, sim_stats(test).retried,
			XEN_GPUMEM_FAULT_MAX_TRIES - 1);
}

/* A fault the kernel keeps serving without progress goes to userspace. */
static void pf_kernel_no_progress_to_user(struct kunit *test)
{
	struct gpumem_fault_record rec = {};
	struct pf_vcpu *c;
	u64 n;

	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_KERNEL |
					   GPUMEM_FAULT_USER, 0), 0);
	c = pf_vcpu_start(test, 1, GFN0 + 7);
	/* No region: -ENOENT each time; RETRY without mapping. */
	for (n = 1; n < XEN_GPUMEM_FAULT_MAX_TRIES; n++) {
		wait_handed(test, n);
		KUNIT_ASSERT_EQ(test, fault_read(test, &rec, false),
				sizeof(rec));
		KUNIT_EXPECT_EQ(test, rec.reason,
				rec.attempt >= XEN_GPUMEM_FAULT_MAX_TRIES - 1 ?
				-EAGAIN : -ENOENT);
		KUNIT_ASSERT_EQ(test, fault_complete(test, rec.seq,
						     rec.attempt <
						     XEN_GPUMEM_FAULT_MAX_TRIES - 1 ?
						     GPUMEM_FAULT_RETRY :
						     GPUMEM_FAULT_EMULATE), 0);
	}
	KUNIT_EXPECT_EQ(test, rec.attempt, XEN_GPUMEM_FAULT_MAX_TRIES - 1);
	KUNIT_EXPECT_EQ(test, rec.reason, -EAGAIN);
	KUNIT_EXPECT_EQ(test, pf_vcpu_wait(test, c), -EFAULT);
}

/*
 * A sequential touch of a revoked 64 MiB region costs a few faults:
 * map-ahead windows of 2 MiB, doubling up to 16 MiB.
 */
static void pf_map_ahead_sequential(struct kunit *test)
{
	unsigned long addr = user_pages(test, SEQ_PAGES);
	u64 region = 0, i, raised;
	struct gpumem_unmap u = { .domid = FE };
	u8 v;

	KUNIT_ASSERT_EQ(test, map_va(test, addr, SEQ_PAGES, GFN0,
				     GPUMEM_MAP_LAZY, &region), 0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, SEQ_PAGES,
					   GPUMEM_FAULT_KERNEL, 0), 0);
	for (i = 0; i < SEQ_PAGES; i++)
		KUNIT_ASSERT_EQ(test, fe_read(test, GFN0 + i, &v), 0);
	raised = sim_stats(test).raised;
	kunit_info(test, "%u pages touched in order: %llu faults (%llu.%02llu per MiB)\n",
		   SEQ_PAGES, raised, raised * 256 / SEQ_PAGES,
		   raised * 25600 / SEQ_PAGES % 100);
	/* 512 + 1024 + 2048 + 4096 * 3 + 512: 7 faults. */
	KUNIT_EXPECT_LE(test, raised, 8);
	KUNIT_EXPECT_EQ(test, lent(test), SEQ_PAGES);
	u.region = region;
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, test_env(test),
						GPUMEM_IOCTL_UNMAP, &u,
						sizeof(u)), 0);
}

/*
 * Map-ahead maps the run of empty pages around the fault, not every empty
 * page of its block: with pages 4 and 8..11 of a mapped region revoked, a
 * fault on 4 maps 4 alone (3 and 5 are mapped), one on 9 maps 8..11.
 */
static void pf_map_ahead_empty_run(struct kunit *test)
{
	unsigned long addr = user_pages(test, NPAGES);
	struct gpumem_revoke r = { .gfn = GFN0 + 4, .nr_pages = 1, .domid = FE };
	struct hvsim_fault_stats st;

	tag_pages(test, addr, NPAGES, 0x30);
	KUNIT_ASSERT_EQ(test, map_va(test, addr, NPAGES, GFN0, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, NPAGES,
					   GPUMEM_FAULT_KERNEL, 0), 0);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, test_env(test),
						GPUMEM_IOCTL_REVOKE, &r,
						sizeof(r)), 0);
	r.gfn = GFN0 + 8;
	r.nr_pages = 4;
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, test_env(test),
						GPUMEM_IOCTL_REVOKE, &r,
						sizeof(r)), 0);
	KUNIT_ASSERT_EQ(test, lent(test), NPAGES - 5);

	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 4), 0x34);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES - 4);
	KUNIT_EXPECT_EQ(test, fe_entry(test, GFN0 + 8).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, fe_byte(test, GFN0 + 9), 0x39);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
	st = sim_stats(test);
	KUNIT_EXPECT_EQ(test, st.raised, 2);
	KUNIT_EXPECT_EQ(test, ctx_stats(test).served_kernel, 2);
}

/*
 * Faults racing invalidations: a kthread keeps replacing the memory (munmap
 * + new mapping, each generation tagged) while the frontend reads through
 * faults.  A read never returns a generation older than the one current
 * when it started.
 */
struct pf_churn {
	struct mm_struct *mm;
	unsigned long addr;
	atomic_t gen;
	bool stop;
	struct completion done;
};

static int pf_churn_fn(void *data)
{
	struct pf_churn *ch = data;

	kthread_use_mm(ch->mm);
	while (!READ_ONCE(ch->stop)) {
		u8 tag = atomic_read(&ch->gen) + 1;
		unsigned long a;

		if (vm_munmap(ch->addr, NPAGES << PAGE_SHIFT))
			break;
		a = vm_mmap(NULL, ch->addr, NPAGES << PAGE_SHIFT,
			    PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED, 0);
		if (a != ch->addr)
			break;
		if (copy_to_user((void __user *)a, &tag, 1))
			break;
		atomic_set(&ch->gen, tag);
		usleep_range(50, 200);
	}
	kthread_unuse_mm(ch->mm);
	complete(&ch->done);
	return 0;
}

static void pf_race_with_invalidation(struct kunit *test)
{
	unsigned long addr = mapped_then_unmapped(test, 0, NULL);
	struct pf_churn ch = { .mm = current->mm, .addr = addr };
	unsigned long end = jiffies + 10 * HZ;
	unsigned int i, stale = 0, served = 0;
	struct task_struct *t;

	remap_at(test, addr, 0);
	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, WIN_NR,
					   GPUMEM_FAULT_KERNEL, 0), 0);
	init_completion(&ch.done);
	t = kthread_run(pf_churn_fn, &ch, "pf-churn");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/* Until 100 generations went by, or 10 s. */
	for (i = 0; atomic_read(&ch.gen) < 100 && time_before(jiffies, end);
	     i++) {
		u8 before = atomic_read(&ch.gen), v = 0;
		int rc = fe_read(test, GFN0, &v);

		/* -EFAULT: the hole between munmap and mmap (EMULATE). */
		if (rc)
			continue;
		served++;
		if ((s8)(v - before) < 0)
			stale++;
		cond_resched();
	}
	WRITE_ONCE(ch.stop, true);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&ch.done, 20 * HZ),
			0);
	kunit_info(test, "%u reads, %u served, %u generations, %llu faults\n",
		   i, served, atomic_read(&ch.gen), sim_stats(test).raised);
	KUNIT_EXPECT_EQ(test, stale, 0);
	KUNIT_EXPECT_GT(test, served, 0);
	/* The reads did race the churn: many were served by a fault. */
	KUNIT_EXPECT_GE(test, atomic_read(&ch.gen), 100);
	KUNIT_EXPECT_GT(test, sim_stats(test).raised, 10);
}

/* FAULT_ENABLE's errors, in the documented order. */
static void pf_enable_errors(struct kunit *test)
{
	struct gpumem_test_env *env = test_env(test);
	struct gpumem_fault_enable a = {
		.gfn = GFN0, .nr_pages = 1, .domid = FE,
		.flags = GPUMEM_FAULT_KERNEL, .nr_vcpus = 1,
	};
	struct gpumem_ctx *other;
	struct gpumem_bind b = { .domid = FE };

	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, env,
						GPUMEM_IOCTL_FAULT_ENABLE, &a,
						sizeof(a)), -EINVAL);
	KUNIT_EXPECT_EQ(test, fault_enable(test, GFN0, 1, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, fault_enable(test, GFN0, 1, 4, 0), -EINVAL);
	a.nr_vcpus = 0;
	a.domid = ENV_FE_OTHER;
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, env,
						GPUMEM_IOCTL_FAULT_ENABLE, &a,
						sizeof(a)), -EPERM);
	KUNIT_EXPECT_EQ(test, fault_enable(test, GFN0, 0, GPUMEM_FAULT_USER,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, fault_enable(test, U64_MAX, 2, GPUMEM_FAULT_USER,
					   0), -EOVERFLOW);
	/* Beyond the frontend's physmap: the hypervisor's EINVAL. */
	KUNIT_EXPECT_EQ(test, fault_enable(test, FE_GFNS, 1, GPUMEM_FAULT_USER,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, fault_read(test, NULL, true), -ENXIO);
	KUNIT_EXPECT_EQ(test, fault_complete(test, 1, GPUMEM_FAULT_RETRY),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, fault_complete(test, 1, 3), -EINVAL);

	KUNIT_ASSERT_EQ(test, fault_enable(test, GFN0, 8, GPUMEM_FAULT_USER,
					   0), 0);
	KUNIT_EXPECT_EQ(test, fault_enable(test, GFN0 + 8, 8,
					   GPUMEM_FAULT_USER, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, gpumem_fault_read(env->ctx, env->arg, 47, true),
			-EINVAL);

	/* Another context: the overlapping window is taken. */
	other = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_EQ(test, copy_to_user(env->arg, &b, sizeof(b)), 0);
	KUNIT_ASSERT_EQ(test, gpumem_ctx_ioctl(other, GPUMEM_IOCTL_BIND,
					       env->arg), 0);
	a = (struct gpumem_fault_enable){
		.gfn = GFN0 + 7, .nr_pages = 2, .domid = FE,
		.flags = GPUMEM_FAULT_USER,
	};
	KUNIT_ASSERT_EQ(test, copy_to_user(env->arg, &a, sizeof(a)), 0);
	KUNIT_EXPECT_EQ(test, gpumem_ctx_ioctl(other, GPUMEM_IOCTL_FAULT_ENABLE,
					       env->arg), -EEXIST);
	a.gfn = GFN0 + 8;
	KUNIT_ASSERT_EQ(test, copy_to_user(env->arg, &a, sizeof(a)), 0);
	KUNIT_EXPECT_EQ(test, gpumem_ctx_ioctl(other, GPUMEM_IOCTL_FAULT_ENABLE,
					       env->arg), 0);
	gpumem_ctx_destroy(other);
}

/* No room for another server; a hypervisor without the op. */
static void pf_enable_hypervisor_refusals(struct kunit *test)
{
	struct gpumem_test_env *env = test_env(test);
	struct gpumem_ctx *ctxs[HVSIM_MAX_DOMAINS];
	struct gpumem_bind b = { .domid = FE };
	struct gpumem_query q = {};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_QUERY,
						&q, sizeof(q)), 0);
	KUNIT_EXPECT_TRUE(test, q.features & GPUMEM_FEAT_FAULT);
	KUNIT_EXPECT_TRUE(test, q.hv_ops & GPUMEM_HV_OP_FAULT);
	/* Eight servers: the ninth is refused. */
	for (i = 0; i < 8; i++) {
		struct gpumem_fault_enable a = {
			.gfn = GFN0 + i, .nr_pages = 1, .domid = FE,
			.flags = GPUMEM_FAULT_USER,
		};
		long rc;

		ctxs[i] = gpumem_ctx_create(&env->gdev);
		KUNIT_ASSERT_NOT_NULL(test, ctxs[i]);
		KUNIT_ASSERT_EQ(test, copy_to_user(env->arg, &b, sizeof(b)), 0);
		KUNIT_ASSERT_EQ(test, gpumem_ctx_ioctl(ctxs[i],
						       GPUMEM_IOCTL_BIND,
						       env->arg), 0);
		KUNIT_ASSERT_EQ(test, copy_to_user(env->arg, &a, sizeof(a)), 0);
		rc = gpumem_ctx_ioctl(ctxs[i], GPUMEM_IOCTL_FAULT_ENABLE,
				      env->arg);
		KUNIT_EXPECT_EQ(test, rc, 0);
	}
	KUNIT_EXPECT_EQ(test, fault_enable(test, GFN0 + 100, 1,
					   GPUMEM_FAULT_USER, 0), -ENOSPC);
	for (i = 0; i < 8; i++)
		gpumem_ctx_destroy(ctxs[i]);
	KUNIT_EXPECT_FALSE(test, hvsim_fault_claimed(env->sim, FE, GFN0));

	/* A hypervisor without the op: a context bound now cannot. */
	hvsim_set_ops(env->sim, XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_fault_range) - 1);
	gpumem_ctx_destroy(env->ctx);
	env->ctx = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
	memset(&q, 0, sizeof(q));
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_QUERY,
						&q, sizeof(q)), 0);
	KUNIT_EXPECT_FALSE(test, q.features & GPUMEM_FEAT_FAULT);
	KUNIT_EXPECT_EQ(test, fault_enable(test, GFN0, 1, GPUMEM_FAULT_USER,
					   0), -EOPNOTSUPP);
}

/* Unbound: EBADFD after the argument checks. */
static void pf_enable_unbound(struct kunit *test)
{
	struct gpumem_test_env *env = test_env(test);

	gpumem_ctx_destroy(env->ctx);
	env->ctx = gpumem_ctx_create(&env->gdev);
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	KUNIT_EXPECT_EQ(test, fault_enable(test, GFN0, 1, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, fault_enable(test, GFN0, 1, GPUMEM_FAULT_USER,
					   0), -EBADFD);
	KUNIT_EXPECT_EQ(test, fault_complete(test, 1, GPUMEM_FAULT_RETRY),
			-EBADFD);
}

static struct kunit_case pf_cases[] = {
	KUNIT_CASE(pf_munmap_remap_served),
	KUNIT_CASE(pf_write_lands_in_new_memory),
	KUNIT_CASE(pf_hole_punch_served),
	KUNIT_CASE(pf_bo_eviction_served),
	KUNIT_CASE(pf_stolen_revoke_served),
	KUNIT_CASE(pf_unserved_is_emulate),
	KUNIT_CASE(pf_no_region_to_user),
	KUNIT_CASE(pf_user_only),
	KUNIT_CASE(pf_queue_overflow),
	KUNIT_CASE(pf_read_efault_keeps_record),
	KUNIT_CASE(pf_close_with_fault_pending),
	KUNIT_CASE(pf_no_progress_bounded),
	KUNIT_CASE(pf_kernel_no_progress_to_user),
	KUNIT_CASE_SLOW(pf_map_ahead_sequential),
	KUNIT_CASE(pf_map_ahead_empty_run),
	KUNIT_CASE(pf_race_with_invalidation),
	KUNIT_CASE(pf_enable_errors),
	KUNIT_CASE(pf_enable_hypervisor_refusals),
	KUNIT_CASE(pf_enable_unbound),
	{}
};

static struct kunit_suite pf_suite = {
	.name = "xen_gpumem_pagefault",
	.init = pf_test_init,
	.exit = pf_test_exit,
	.test_cases = pf_cases,
};

kunit_test_suite(pf_suite);
