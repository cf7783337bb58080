// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: module parameters, the backend choice and /dev/xen/gpumem.
 *
 * Who may use the device: the node is created 0600 root:root (a udev rule
 * may hand it to a device-model group).  Opening needs only that file
 * permission; GPUMEM_IOCTL_BIND needs CAP_SYS_ADMIN.  A privileged launcher
 * can therefore open and bind, then pass the descriptor to a deprivileged
 * device model, which can act on that one frontend and no other.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include <xen/xen.h>

#include <kunit/visibility.h>

#include <uapi/xen/gpumem.h>

#include "gpumem-priv.h"

static char *backend = "xen";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend,
		 "Hypervisor backend: xen (default) or hvsim, the simulated hypervisor for tests (only in a build with CONFIG_XEN_GPUMEM_HVSIM; refused on a real Xen domain)");

static unsigned int max_extents = 256;
module_param(max_extents, uint, 0444);
MODULE_PARM_DESC(max_extents, "Extents per hypercall, 1..512 (default 256)");

static unsigned int max_extent_frames = XEN_GPUMEM_MAX_EXTENT_FRAMES;
module_param(max_extent_frames, uint, 0444);
MODULE_PARM_DESC(max_extent_frames,
		 "Frames per extent, 1..512 (default 512)");

static unsigned int max_regions = 4096;
module_param(max_regions, uint, 0444);
MODULE_PARM_DESC(max_regions, "Regions per context (default 4096)");

static unsigned long max_pages = 1UL << 20;
module_param(max_pages, ulong, 0444);
MODULE_PARM_DESC(max_pages, "Pages mapped per context (default 1048576, 4 GiB)");

static unsigned long max_stolen_pages = 1UL << 18;
module_param(max_stolen_pages, ulong, 0444);
MODULE_PARM_DESC(max_stolen_pages,
		 "Pages stolen per context (default 262144, 1 GiB)");

static unsigned long max_pinned_pages = 1UL << 18;
module_param(max_pinned_pages, ulong, 0444);
MODULE_PARM_DESC(max_pinned_pages,
		 "Pages of dmabufs pinned with GPUMEM_MAP_PIN per context (default 262144, 1 GiB)");

static struct gpumem_dev gpumem_dev;
static struct dentry *gpumem_debugfs;

static int gpumem_open(struct inode *inode, struct file *file)
{
	struct gpumem_ctx *ctx = gpumem_ctx_create(&gpumem_dev);

	if (!ctx)
		return -ENOMEM;
	file->private_data = ctx;
	return nonseekable_open(inode, file);
}

static int gpumem_release(struct inode *inode, struct file *file)
{
	gpumem_ctx_destroy(file->private_data);
	return 0;
}

static long gpumem_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	return gpumem_ctx_ioctl(file->private_data, cmd, (void __user *)arg);
}

static int gpumem_mmap(struct file *file, struct vm_area_struct *vma)
{
	return gpumem_steal_mmap(file->private_data, vma);
}

static ssize_t gpumem_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	return gpumem_fault_read(file->private_data, buf, count,
				 file->f_flags & O_NONBLOCK);
}

static __poll_t gpumem_poll(struct file *file, poll_table *wait)
{
	return gpumem_fault_poll(file->private_data, file, wait);
}

static const struct file_operations gpumem_fops = {
	.owner = THIS_MODULE,
	.open = gpumem_open,
	.release = gpumem_release,
	.unlocked_ioctl = gpumem_ioctl,
	.mmap = gpumem_mmap,
	.read = gpumem_read,
	.poll = gpumem_poll,
	/* Every uAPI struct has one layout for 32- and 64-bit callers. */
	.compat_ioctl = compat_ptr_ioctl,
};

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * gpumem_ctx_file_create() - a file of the device's for a context (tests)
 * @ctx: the context; the file's release destroys it.
 *
 * The device's own file operations (mmap, release) on an anonymous inode,
 * which every such file shares, as every open of /dev/xen/gpumem shares
 * the device's inode and so its address_space.
 *
 * Return: the file or an ERR_PTR().
 */
struct file *gpumem_ctx_file_create(struct gpumem_ctx *ctx)
{
	return anon_inode_getfile("[xen-gpumem]", &gpumem_fops, ctx, O_RDWR);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_ctx_file_create);
#endif

static struct miscdevice gpumem_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xen/gpumem",
	.fops = &gpumem_fops,
	.mode = 0600,
};

/* Freeze both ABIs: moving or resizing any field breaks the build. */
static void __init gpumem_check_layouts(void)
{
	BUILD_BUG_ON(sizeof(struct gpumem_bind) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_bind, domid) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_bind, flags) != 4);

	BUILD_BUG_ON(sizeof(struct gpumem_query) != 80);
	BUILD_BUG_ON(offsetof(struct gpumem_query, flags) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_query, api_version) != 4);
	BUILD_BUG_ON(offsetof(struct gpumem_query, backend) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_query, domid) != 12);
	BUILD_BUG_ON(offsetof(struct gpumem_query, features) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_query, hv_version) != 24);
	BUILD_BUG_ON(offsetof(struct gpumem_query, hv_ops) != 28);
	BUILD_BUG_ON(offsetof(struct gpumem_query, max_extents) != 32);
	BUILD_BUG_ON(offsetof(struct gpumem_query, max_extent_pages) != 36);
	BUILD_BUG_ON(offsetof(struct gpumem_query, max_regions) != 40);
	BUILD_BUG_ON(offsetof(struct gpumem_query, pad) != 44);
	BUILD_BUG_ON(offsetof(struct gpumem_query, max_pages) != 48);
	BUILD_BUG_ON(offsetof(struct gpumem_query, max_stolen_pages) != 56);
	BUILD_BUG_ON(offsetof(struct gpumem_query, max_pinned_pages) != 64);
	BUILD_BUG_ON(offsetof(struct gpumem_query, reserved) != 72);

	BUILD_BUG_ON(sizeof(struct gpumem_map_va) != 40);
	BUILD_BUG_ON(offsetof(struct gpumem_map_va, hva) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_map_va, len) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_map_va, gfn) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_map_va, domid) != 24);
	BUILD_BUG_ON(offsetof(struct gpumem_map_va, flags) != 28);
	BUILD_BUG_ON(offsetof(struct gpumem_map_va, region) != 32);

	BUILD_BUG_ON(sizeof(struct gpumem_map_dmabuf) != 48);
	BUILD_BUG_ON(offsetof(struct gpumem_map_dmabuf, fd) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_map_dmabuf, flags) != 4);
	BUILD_BUG_ON(offsetof(struct gpumem_map_dmabuf, offset) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_map_dmabuf, len) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_map_dmabuf, gfn) != 24);
	BUILD_BUG_ON(offsetof(struct gpumem_map_dmabuf, domid) != 32);
	BUILD_BUG_ON(offsetof(struct gpumem_map_dmabuf, attach_sbdf) != 36);
	BUILD_BUG_ON(offsetof(struct gpumem_map_dmabuf, region) != 40);

	BUILD_BUG_ON(sizeof(struct gpumem_populate) != 24);
	BUILD_BUG_ON(offsetof(struct gpumem_populate, gfn) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_populate, nr_pages) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_populate, domid) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_populate, flags) != 20);

	BUILD_BUG_ON(sizeof(struct gpumem_fault_enable) != 32);
	BUILD_BUG_ON(offsetof(struct gpumem_fault_enable, domid) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_fault_enable, nr_vcpus) != 28);
	BUILD_BUG_ON(sizeof(struct gpumem_fault_record) != 48);
	BUILD_BUG_ON(offsetof(struct gpumem_fault_record, reason) != 28);
	BUILD_BUG_ON(offsetof(struct gpumem_fault_record, region) != 32);
	BUILD_BUG_ON(offsetof(struct gpumem_fault_record, lost) != 40);
	BUILD_BUG_ON(sizeof(struct gpumem_fault_complete) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_fault_complete, answer) != 12);
	BUILD_BUG_ON(sizeof(struct xen_dm_op_gpumem_fault_range) >
		     sizeof(struct xen_dm_op_gpumem_query));

	BUILD_BUG_ON(sizeof(struct gpumem_unmap) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_unmap, region) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_unmap, domid) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_unmap, flags) != 12);

	/* Read as struct gpumem_populate by gpumem_ioctl_gfn_range(). */
	BUILD_BUG_ON(sizeof(struct gpumem_revoke) != 24);
	BUILD_BUG_ON(offsetof(struct gpumem_revoke, gfn) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_revoke, nr_pages) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_revoke, domid) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_revoke, flags) != 20);

	BUILD_BUG_ON(sizeof(struct gpumem_steal) != 32);
	BUILD_BUG_ON(offsetof(struct gpumem_steal, gfn) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_steal, nr_pages) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_steal, domid) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_steal, flags) != 20);
	BUILD_BUG_ON(offsetof(struct gpumem_steal, offset) != 24);

	BUILD_BUG_ON(sizeof(struct gpumem_return) != 16);
	BUILD_BUG_ON(offsetof(struct gpumem_return, offset) != 0);
	BUILD_BUG_ON(offsetof(struct gpumem_return, domid) != 8);
	BUILD_BUG_ON(offsetof(struct gpumem_return, flags) != 12);

	BUILD_BUG_ON(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_query) !=
		     GPUMEM_HV_OP_QUERY);
	BUILD_BUG_ON(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_map) !=
		     GPUMEM_HV_OP_MAP);
	BUILD_BUG_ON(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_revoke) !=
		     GPUMEM_HV_OP_REVOKE);
	BUILD_BUG_ON(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_steal) !=
		     GPUMEM_HV_OP_STEAL);
	BUILD_BUG_ON(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_return) !=
		     GPUMEM_HV_OP_RETURN);

	BUILD_BUG_ON(sizeof(struct xen_dm_op_gpumem_extent) != 32);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_extent, frame) != 0);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_extent, gfn) != 8);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_extent, nr_frames) != 16);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_extent, flags) != 20);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_extent, status) != 24);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_extent, pad) != 28);

	BUILD_BUG_ON(sizeof(struct xen_dm_op_gpumem_batch) != 24);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_batch, nr) != 0);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_batch, done) != 4);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_batch, flags) != 8);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_batch, pad) != 12);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_batch, instance) != 16);

	BUILD_BUG_ON(sizeof(struct xen_dm_op_gpumem_query) != 32);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_query, version) != 0);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_query, ops) != 4);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_query, max_extents) != 8);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_query, max_extent_frames) != 12);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_query, flags) != 16);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_query, pad) != 20);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem_query, instance) != 24);

	BUILD_BUG_ON(sizeof(struct xen_dm_op_gpumem) != 40);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem, op) != 0);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem, pad) != 4);
	BUILD_BUG_ON(offsetof(struct xen_dm_op_gpumem, u) != 8);
}

static int __init gpumem_init(void)
{
	struct gpumem_hv *hv;
	int rc;

	gpumem_check_layouts();

	if (!max_extents || max_extents > XEN_GPUMEM_MAX_EXTENT_FRAMES) {
		pr_err("max_extents=%u: must be 1..%u\n", max_extents,
		       XEN_GPUMEM_MAX_EXTENT_FRAMES);
		return -EINVAL;
	}
	if (!max_extent_frames ||
	    max_extent_frames > XEN_GPUMEM_MAX_EXTENT_FRAMES) {
		pr_err("max_extent_frames=%u: must be 1..%u\n",
		       max_extent_frames, XEN_GPUMEM_MAX_EXTENT_FRAMES);
		return -EINVAL;
	}
	rc = gpumem_fault_init();
	if (rc)
		return rc;
	gpumem_debugfs = debugfs_create_dir("xen-gpumem", NULL);
	if (!strcmp(backend, "xen")) {
		hv = gpumem_hv_xen_create();
	} else if (!strcmp(backend, "hvsim")) {
		hv = gpumem_hvsim_create(max_stolen_pages, gpumem_debugfs);
	} else {
		pr_err("backend=%s: must be xen or hvsim\n", backend);
		hv = ERR_PTR(-EINVAL);
	}
	if (IS_ERR(hv)) {
		debugfs_remove_recursive(gpumem_debugfs);
		gpumem_fault_exit();
		return PTR_ERR(hv);
	}

	gpumem_dev = (struct gpumem_dev){
		.hv = hv,
		.limits = {
			.max_extents = max_extents,
			.max_extent_frames = max_extent_frames,
			.max_regions = max_regions,
			.max_pages = max_pages,
			.max_stolen_pages = max_stolen_pages,
			.max_pinned_pages = max_pinned_pages,
		},
	};

	rc = misc_register(&gpumem_miscdev);
	if (rc) {
		pr_err("cannot register /dev/%s: %d\n", gpumem_miscdev.name, rc);
		goto err;
	}
	/* dmabufs are attached with it: direct DMA, as in a PVH dom0. */
	rc = dma_coerce_mask_and_coherent(gpumem_miscdev.this_device,
					  DMA_BIT_MASK(64));
	if (rc) {
		misc_deregister(&gpumem_miscdev);
		goto err;
	}
	WRITE_ONCE(gpumem_dev.dma_dev, gpumem_miscdev.this_device);
	pr_info("/dev/%s ready, %s backend\n", gpumem_miscdev.name, backend);
	return 0;

err:
	if (hv->ops->destroy)
		hv->ops->destroy(hv);
	debugfs_remove_recursive(gpumem_debugfs);
	gpumem_fault_exit();
	return rc;
}

static void __exit gpumem_exit(void)
{
	struct gpumem_hv *hv = gpumem_dev.hv;

	misc_deregister(&gpumem_miscdev);
	gpumem_steal_exit();
	if (hv->ops->destroy)
		hv->ops->destroy(hv);
	debugfs_remove_recursive(gpumem_debugfs);
	gpumem_fault_exit();
}

module_init(gpumem_init);
module_exit(gpumem_exit);

MODULE_DESCRIPTION("Xen: lend GPU memory (RAM and VRAM BAR pages) to virtio-GPU frontends");
MODULE_AUTHOR("The xen-gpumem authors");
MODULE_LICENSE("Dual MIT/GPL");
