// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The shared KUnit environment of the /dev/xen/gpumem suites.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/anon_inodes.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/memremap.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include <drm/drm_kunit_helpers.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

/**
 * gpumem_test_env_init() - hvsim with two frontends, a device, a context
 * @test: the test.
 * @env: filled in.
 * @limits: the device's limits.
 * @fe_gfns: physmap size of each frontend; its first @env->fe_ram GFNs (4
 *           if the caller left it 0) are its RAM.
 */
void gpumem_test_env_init(struct kunit *test, struct gpumem_test_env *env,
			  const struct gpumem_limits *limits, u64 fe_gfns)
{
	unsigned long addr;

	u64 ram = env->fe_ram ? env->fe_ram : 4;

	/* The backend may hold as many stolen pages as a context may steal. */
	env->sim = hvsim_create(limits->max_stolen_pages);
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->sim));
	KUNIT_ASSERT_EQ(test, hvsim_domain_create(env->sim, ENV_FE, fe_gfns,
						  ram, fe_gfns), 0);
	KUNIT_ASSERT_EQ(test, hvsim_domain_create(env->sim, ENV_FE_OTHER,
						  fe_gfns, ram, fe_gfns), 0);
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
 * gpumem_test_env_bind_dma() - a DMA device for dmabuf imports, then BIND
 * @test: the test; the device goes with it.
 * @env: the environment; bound to ENV_FE.
 *
 * The module's device becomes a KUnit device whose DMA is direct with a
 * 64-bit mask, so DMA addresses are frames.
 */
void gpumem_test_env_bind_dma(struct kunit *test, struct gpumem_test_env *env)
{
	struct gpumem_bind b = { .domid = ENV_FE };
	struct device *dev = drm_kunit_helper_alloc_device(test);

	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev,
							   DMA_BIT_MASK(64)), 0);
	env->gdev.dma_dev = dev;
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, env, GPUMEM_IOCTL_BIND,
						&b, sizeof(b)), 0);
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
 * gpumem_test_file_ioctl() - another driver's ioctl, as from userspace
 * @test: the test.
 * @env: the environment, whose user page carries the argument.
 * @file: an open file of the driver.
 * @cmd: the command.
 * @arg: the argument, copied in, and back out afterwards.
 * @size: its size, at most a page.
 *
 * Return: what the driver's unlocked_ioctl returned.
 */
long gpumem_test_file_ioctl(struct kunit *test, struct gpumem_test_env *env,
			    struct file *file, unsigned int cmd, void *arg,
			    size_t size)
{
	long rc;

	KUNIT_ASSERT_EQ(test, copy_to_user(env->arg, arg, size), 0);
	rc = file->f_op->unlocked_ioctl(file, cmd, (unsigned long)env->arg);
	KUNIT_ASSERT_EQ(test, copy_from_user(arg, env->arg, size), 0);
	return rc;
}

/**
 * gpumem_test_open_in() - open a file in a private mount of a filesystem
 * @fstype: "devtmpfs" or "debugfs": filesystems with one superblock, so
 *          a new mount shows what the kernel has already put there.
 * @path: the file, relative to the filesystem's root.
 * @flags: O_* flags.
 *
 * KUnit runs at boot, before anything mounts /dev or debugfs.  The mount
 * is never attached anywhere; the file keeps it alive.
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *gpumem_test_open_in(const char *fstype, const char *path,
				 int flags)
{
	struct file_system_type *type = get_fs_type(fstype);
	struct vfsmount *mnt;
	struct file *f;

	if (!type)
		return ERR_PTR(-ENODEV);
	mnt = vfs_kern_mount(type, 0, fstype, NULL);
	module_put(type->owner);	/* put_filesystem(), not exported */
	if (IS_ERR(mnt))
		return ERR_CAST(mnt);
	f = file_open_root_mnt(mnt, path, flags, 0);
	mntput(mnt);
	return f;
}

/**
 * gpumem_test_file_write() - write a file through its own ->write
 * @f: the file.
 * @buf: user memory.
 * @len: bytes.
 * @pos: the position.
 *
 * What vfs_write() does after its checks.  debugfs attributes and kmemleak
 * have no write_iter, so kernel_write() cannot reach them, and vfs_write()
 * is not exported to a test module.
 *
 * Return: as the file's ->write, or -EINVAL without one.
 */
ssize_t gpumem_test_file_write(struct file *f, const char __user *buf,
			       size_t len, loff_t *pos)
{
	return f->f_op->write ? f->f_op->write(f, buf, len, pos) : -EINVAL;
}

/**
 * gpumem_test_file_read() - read a file through its own ->read
 * @f: the file.
 * @buf: user memory.
 * @len: bytes.
 * @pos: the position.
 *
 * As gpumem_test_file_write(), for seq_file files (kmemleak's report).
 *
 * Return: as the file's ->read, or -EINVAL without one.
 */
ssize_t gpumem_test_file_read(struct file *f, char __user *buf, size_t len,
			      loff_t *pos)
{
	return f->f_op->read ? f->f_op->read(f, buf, len, pos) : -EINVAL;
}

/* Write @val to the debugfs file @path, through the user page. */
static void gpumem_test_debugfs_write(struct kunit *test,
				      struct gpumem_test_env *env,
				      const char *path, const char *val)
{
	struct file *f = gpumem_test_open_in("debugfs", path, O_WRONLY);
	size_t len = strlen(val);
	loff_t pos = 0;

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f), "%s: %ld", path, PTR_ERR(f));
	KUNIT_ASSERT_EQ(test, copy_to_user(env->arg, val, len), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_file_write(f, env->arg, len, &pos),
			(ssize_t)len);
	fput(f);
}

/**
 * gpumem_test_fail_each() - make each failure site of a step fail, in turn
 * @test: the test.
 * @env: the environment, whose user page carries debugfs writes.
 * @step: the step (an ioctl or another call into the module): its result.
 * @check: after each run, with @step's result and whether a failure was
 *         injected; it asserts the outcome and undoes a success.
 *
 * Runs @step with the Nth fault-injection site it reaches failing, for
 * N = 1, 2, ... until a run reaches fewer than N sites.  The sites are
 * those current->fail_nth counts: every slab allocation (failslab, told
 * here to fail sleeping allocations too, and to be quiet) and every hvsim
 * hypercall.  A failure that a fallback absorbs (kvmalloc's vmalloc,
 * kmemleak's object pool) shows as an injected run that succeeded.
 *
 * Return: the number of sites injected.
 */
unsigned int gpumem_test_fail_each(struct kunit *test,
				   struct gpumem_test_env *env,
				   long (*step)(struct kunit *test),
				   void (*check)(struct kunit *test, long rc,
						 bool injected))
{
#ifdef CONFIG_FAULT_INJECTION
	unsigned int n;
	bool injected;
	long rc;

	gpumem_test_debugfs_write(test, env, "failslab/ignore-gfp-wait", "N");
	gpumem_test_debugfs_write(test, env, "failslab/verbose", "0");
	for (n = 1; n <= 100000; n++) {
		WRITE_ONCE(current->fail_nth, n);
		rc = step(test);
		injected = !READ_ONCE(current->fail_nth);
		WRITE_ONCE(current->fail_nth, 0);
		check(test, rc, injected);
		if (!injected)
			break;
	}
	gpumem_test_debugfs_write(test, env, "failslab/ignore-gfp-wait", "Y");
	KUNIT_EXPECT_LE(test, n, 100000);
	return n - 1;
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	return 0;
#endif
}

#ifdef CONFIG_ZONE_DEVICE
struct gpumem_test_zdev {
	struct dev_pagemap pgmap;
	struct resource *res;
};

static void gpumem_test_zdev_free(void *data)
{
	struct gpumem_test_zdev *z = data;

	memunmap_pages(&z->pgmap);
	release_mem_region(z->res->start, resource_size(z->res));
}
#endif

/**
 * gpumem_test_zone_device_pfn() - a frame with a memmap that is not online
 * @test: the test; the memory goes with it.
 *
 * What a PVH dom0's grant and foreign mappings, and its unpopulated
 * ranges, are made of: ZONE_DEVICE pages of free physical address space
 * (xen_alloc_unpopulated_pages() makes them the same way).
 *
 * Return: the first of a section's worth of such frames.
 */
unsigned long gpumem_test_zone_device_pfn(struct kunit *test)
{
#ifdef CONFIG_ZONE_DEVICE
	struct gpumem_test_zdev *z = kunit_kzalloc(test, sizeof(*z),
						   GFP_KERNEL);
	void *va;

	KUNIT_ASSERT_NOT_NULL(test, z);
	z->res = request_free_mem_region(&iomem_resource, SZ_128M,
					 "gpumem-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(z->res));
	z->pgmap.type = MEMORY_DEVICE_GENERIC;
	z->pgmap.range.start = z->res->start;
	z->pgmap.range.end = z->res->end;
	z->pgmap.nr_range = 1;
	va = memremap_pages(&z->pgmap, NUMA_NO_NODE);
	if (IS_ERR(va)) {
		release_mem_region(z->res->start, resource_size(z->res));
		KUNIT_FAIL_AND_ABORT(test, "memremap_pages: %ld", PTR_ERR(va));
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							gpumem_test_zdev_free,
							z), 0);
	return PHYS_PFN(z->res->start);
#else
	kunit_skip(test, "needs CONFIG_ZONE_DEVICE");
	return 0;
#endif
}

/**
 * gpumem_test_unmap() - GPUMEM_IOCTL_UNMAP for the bound frontend
 * @test: the test.
 * @env: the environment.
 * @region: the region's id.
 *
 * Return: what the ioctl returned.
 */
long gpumem_test_unmap(struct kunit *test, struct gpumem_test_env *env,
		       u64 region)
{
	struct gpumem_unmap a = { .region = region, .domid = ENV_FE };

	return gpumem_test_ioctl(test, env, GPUMEM_IOCTL_UNMAP, &a, sizeof(a));
}

/**
 * gpumem_test_steal() - GPUMEM_IOCTL_STEAL from the bound frontend
 * @test: the test.
 * @env: the environment.
 * @gfn: first GFN.
 * @n: pages.
 * @offset: out: the steal's offset, if not NULL.
 *
 * Return: what the ioctl returned.
 */
long gpumem_test_steal(struct kunit *test, struct gpumem_test_env *env,
		       u64 gfn, u64 n, u64 *offset)
{
	struct gpumem_steal a = { .gfn = gfn, .nr_pages = n, .domid = ENV_FE };
	long rc = gpumem_test_ioctl(test, env, GPUMEM_IOCTL_STEAL, &a,
				    sizeof(a));

	if (offset)
		*offset = a.offset;
	return rc;
}

/**
 * gpumem_test_return() - GPUMEM_IOCTL_RETURN to the bound frontend
 * @test: the test.
 * @env: the environment.
 * @offset: the steal's offset.
 *
 * Return: what the ioctl returned.
 */
long gpumem_test_return(struct kunit *test, struct gpumem_test_env *env,
			u64 offset)
{
	struct gpumem_return a = { .offset = offset, .domid = ENV_FE };

	return gpumem_test_ioctl(test, env, GPUMEM_IOCTL_RETURN, &a, sizeof(a));
}

/**
 * gpumem_test_populate() - GPUMEM_IOCTL_POPULATE of the bound frontend
 * @test: the test.
 * @env: the environment.
 * @gfn: first GFN.
 * @n: number of GFNs.
 *
 * Return: what the ioctl returned.
 */
long gpumem_test_populate(struct kunit *test, struct gpumem_test_env *env,
			  u64 gfn, u64 n)
{
	struct gpumem_populate a = {
		.gfn = gfn, .nr_pages = n, .domid = ENV_FE,
	};

	return gpumem_test_ioctl(test, env, GPUMEM_IOCTL_POPULATE, &a,
				 sizeof(a));
}

/**
 * gpumem_test_entry() - the bound frontend's p2m entry at a GFN
 * @test: the test.
 * @env: the environment.
 * @gfn: the GFN.
 *
 * Return: the entry.
 */
struct hvsim_entry gpumem_test_entry(struct kunit *test,
				     struct gpumem_test_env *env, u64 gfn)
{
	struct hvsim_entry e;

	KUNIT_ASSERT_EQ(test, hvsim_lookup(env->sim, ENV_FE, gfn, &e), 0);
	return e;
}

/**
 * gpumem_test_stats() - hvsim's counters of one op so far
 * @env: the environment.
 * @op: XEN_DMOP_gpumem_*.
 *
 * Return: the counters.
 */
struct hvsim_op_stats gpumem_test_stats(struct gpumem_test_env *env,
					unsigned int op)
{
	struct hvsim_op_stats st;

	hvsim_op_stats(env->sim, op, &st);
	return st;
}

/**
 * gpumem_test_map_va() - GPUMEM_IOCTL_MAP_VA for the bound frontend
 * @test: the test.
 * @env: the environment.
 * @addr: first address of the range in the test's mm.
 * @n: pages.
 * @gfn: first frontend GFN.
 * @flags: GPUMEM_MAP_*.
 * @region: out: the region's id, if not NULL.
 *
 * Return: what the ioctl returned.
 */
long gpumem_test_map_va(struct kunit *test, struct gpumem_test_env *env,
			unsigned long addr, u64 n, u64 gfn, u32 flags,
			u64 *region)
{
	struct gpumem_map_va a = {
		.hva = addr, .len = n << PAGE_SHIFT, .gfn = gfn,
		.domid = ENV_FE, .flags = flags,
	};
	long rc = gpumem_test_ioctl(test, env, GPUMEM_IOCTL_MAP_VA, &a,
				    sizeof(a));

	if (region)
		*region = a.region;
	return rc;
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

static vm_fault_t gpumem_test_bo_fault(struct vm_fault *vmf)
{
	struct gpumem_test_bo *bo = vmf->vma->vm_private_data;
	unsigned long pfn = bo->in_vram ? bo->bar_pfn + vmf->pgoff :
			    page_to_pfn(bo->sys[vmf->pgoff]);

	return vmf_insert_pfn_prot(vmf->vma, vmf->address, pfn,
				   vmf->vma->vm_page_prot);
}

static const struct vm_operations_struct gpumem_test_bo_vm_ops = {
	.fault = gpumem_test_bo_fault,
};

static int gpumem_test_bo_mmap_op(struct file *file, struct vm_area_struct *vma)
{
	struct gpumem_test_bo *bo = file->private_data;

	vma->vm_private_data = bo;
	vma->vm_ops = &gpumem_test_bo_vm_ops;
	vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	/* Reserves write-combining for the BAR range, as a driver does. */
	return remap_pfn_range(vma, vma->vm_start, bo->bar_pfn + vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static const struct file_operations gpumem_test_bo_fops = {
	.mmap = gpumem_test_bo_mmap_op,
};

static void gpumem_test_bo_free(void *data)
{
	struct gpumem_test_bo *bo = data;
	unsigned long i;

	for (i = 0; bo->sys && i < bo->npages; i++)
		if (bo->sys[i])
			__free_page(bo->sys[i]);
}

/**
 * gpumem_test_bo_create() - a BO in "VRAM"
 * @test: the test; the BO is freed with it.
 * @bar_pfn: first BAR frame (not RAM).
 * @npages: size.
 * @evictable: give it zeroed system pages to be evicted to.
 *
 * Return: the BO.
 */
struct gpumem_test_bo *gpumem_test_bo_create(struct kunit *test,
					     unsigned long bar_pfn,
					     unsigned long npages,
					     bool evictable)
{
	struct gpumem_test_bo *bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, bo);
	bo->in_vram = true;
	bo->bar_pfn = bar_pfn;
	bo->npages = npages;
	if (!evictable)
		return bo;
	bo->sys = kunit_kcalloc(test, npages, sizeof(*bo->sys), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo->sys);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gpumem_test_bo_free,
							bo), 0);
	for (i = 0; i < npages; i++) {
		bo->sys[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, bo->sys[i]);
	}
	return bo;
}

/**
 * gpumem_test_bo_mmap() - map the whole BO into the test's mm
 * @test: the test.
 * @bo: the BO.
 *
 * Return: the address.
 */
unsigned long gpumem_test_bo_mmap(struct kunit *test, struct gpumem_test_bo *bo)
{
	struct file *f;
	unsigned long addr;

	f = anon_inode_getfile("gpumem-test-bo", &gpumem_test_bo_fops, bo,
			       O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	addr = kunit_vm_mmap(test, f, 0, bo->npages << PAGE_SHIFT,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	fput(f);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	return addr;
}

/**
 * gpumem_test_bo_evict() - move the BO to system memory, zapping its mmap
 * @test: the test.
 * @bo: the BO.
 * @addr: where it is mapped.
 */
void gpumem_test_bo_evict(struct kunit *test, struct gpumem_test_bo *bo,
			  unsigned long addr)
{
	struct vm_area_struct *vma;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	if (vma && bo->sys) {
		bo->in_vram = false;
		zap_vma_ptes(vma, vma->vm_start, vma->vm_end - vma->vm_start);
	}
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);
}

MODULE_DESCRIPTION("KUnit tests for xen-gpumem");
MODULE_LICENSE("Dual MIT/GPL");
