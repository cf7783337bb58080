// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: the per-open context and its ioctls.
 *
 * Lock order of the module, outermost first:
 *
 *   ctx->lock (mutex: bind latch, the set of regions, steals)
 *     -> gpumem_orphans_lock (mutex: steals whose context is gone; also
 *        taken alone by the orphans' retry work)
 *     -> mmap_lock of a region's mm, or a dmabuf's dma_resv (resolving
 *        frames), or i_mmap_rwsem of the device's address_space (RETURN
 *        zaps the VMM's mappings of stolen pages)
 *       -> ctx->notifier_lock (mutex: what is mapped; also taken by the
 *          invalidate callbacks, which the core mm calls under mmap_lock,
 *          i_mmap_rwsem or fs_reclaim, and by move_notify under the
 *          dma_resv, so nothing allocates under it)
 *         -> the hypervisor backend (hvsim: sim->lock, a leaf spinlock;
 *            Xen: a hypercall, which takes no Linux lock)
 *
 * The steal table's xa_lock (gpumem-steal.c) is a leaf spinlock: the page
 * fault handler of stolen pages takes it under mmap_lock.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <kunit/visibility.h>

#include <uapi/xen/gpumem.h>

#include "gpumem-priv.h"

/* What STEAL needs: stolen pages are a region, revoked and mapped too. */
#define GPUMEM_STEAL_OPS \
	(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_map) | \
	 XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_revoke) | \
	 XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_steal) | \
	 XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_return))

/* What FAULT_ENABLE needs: faults are served by mapping. */
#define GPUMEM_FAULT_OPS \
	(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_map) | \
	 XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_revoke) | \
	 XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_fault_range))

/**
 * gpumem_ctx_create() - a new, unbound context
 * @gdev: the device it belongs to.
 *
 * Return: the context or NULL.
 */
struct gpumem_ctx *gpumem_ctx_create(struct gpumem_dev *gdev)
{
	struct gpumem_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return NULL;
	ctx->revoke_ext = kvcalloc(gdev->limits.max_extents,
				   sizeof(*ctx->revoke_ext), GFP_KERNEL);
	if (!ctx->revoke_ext) {
		kfree(ctx);
		return NULL;
	}
	ctx->gdev = gdev;
	ctx->domid = DOMID_INVALID;
	ctx->max_extents = gdev->limits.max_extents;
	ctx->max_extent_frames = gdev->limits.max_extent_frames ?:
				 XEN_GPUMEM_MAX_EXTENT_FRAMES;
	ctx->regions = RB_ROOT_CACHED;
	xa_init_flags(&ctx->region_ids, XA_FLAGS_ALLOC1);
	mutex_init(&ctx->lock);
	mutex_init(&ctx->notifier_lock);
	return ctx;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_ctx_create);

/**
 * gpumem_ctx_destroy() - release a context
 * @ctx: the context.
 */
void gpumem_ctx_destroy(struct gpumem_ctx *ctx)
{
	/* Paused vCPUs resume before their GFNs' regions go. */
	gpumem_fault_disable(ctx);
	gpumem_regions_destroy(ctx);
	xa_destroy(&ctx->region_ids);
	mutex_destroy(&ctx->notifier_lock);
	mutex_destroy(&ctx->lock);
	kvfree(ctx->revoke_ext);
	kfree(ctx);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_ctx_destroy);

/*
 * Keep what the hypervisor answered if it is usable, and say once per bind,
 * in one line, what it lacks.  A hypervisor that cannot revoke must not map.
 */
static void gpumem_ctx_accept_query(struct gpumem_ctx *ctx, domid_t domid,
				    const struct xen_dm_op_gpumem_query *q)
{
	char missing[64] = "";
	unsigned int op;
	u32 ops;

	lockdep_assert_held(&ctx->lock);
	if (q->version != XEN_GPUMEM_INTERFACE_VERSION || !q->max_extents ||
	    !q->max_extent_frames) {
		pr_warn("d%u: hypervisor answered gpumem interface version %u (max %u extents of %u frames); this module speaks version %u: no op is used\n",
			domid, q->version, q->max_extents, q->max_extent_frames,
			XEN_GPUMEM_INTERFACE_VERSION);
		return;
	}
	ops = q->ops;
	if (!(ops & XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_revoke)))
		ops &= ~XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_map);
	/* Without landing slots, nothing can be stolen into the backend. */
	if (ctx->gdev->hv->no_slots)
		ops &= ~(XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_steal) |
			 XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_return));
	for (op = XEN_DMOP_gpumem_first; op <= XEN_DMOP_gpumem_last; op++) {
		if (ops & XEN_GPUMEM_OP_BIT(op))
			continue;
		strlcat(missing, " ", sizeof(missing));
		strlcat(missing, gpumem_hv_op_name(op), sizeof(missing));
	}
	if (missing[0])
		pr_notice("d%u: hypervisor lacks gpumem ops:%s\n", domid,
			  missing);
	ctx->hvq = *q;
	ctx->hvq.ops = ops;
	ctx->max_extents = min(ctx->max_extents, q->max_extents);
	/* Every extent the module builds, MAP or REVOKE, honours this. */
	ctx->max_extent_frames = min(ctx->max_extent_frames,
				     q->max_extent_frames);
}

static int gpumem_ioctl_bind(struct gpumem_ctx *ctx,
			     struct gpumem_bind __user *ubind)
{
	struct gpumem_hv *hv = ctx->gdev->hv;
	struct xen_dm_op_gpumem_query q;
	struct gpumem_bind b;
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&b, ubind, sizeof(b)))
		return -EFAULT;
	if (b.flags || !b.domid || b.domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;

	mutex_lock(&ctx->lock);
	if (ctx->domid != DOMID_INVALID) {
		rc = ctx->domid == b.domid ? 0 : -EBUSY;
		goto out;
	}
	rc = hv->ops->query(hv, b.domid, &q);
	if (rc == -EOPNOTSUPP) {
		pr_notice("d%u: hypervisor does not implement XEN_DMOP_gpumem_query (dm_op %u): bound without map, revoke, steal or return\n",
			  b.domid, XEN_DMOP_gpumem_query);
		rc = 0;
	} else if (!rc) {
		gpumem_ctx_accept_query(ctx, b.domid, &q);
	}
	if (!rc)
		ctx->domid = b.domid;
out:
	mutex_unlock(&ctx->lock);
	return rc;
}

static int gpumem_ioctl_query(struct gpumem_ctx *ctx,
			      struct gpumem_query __user *uq)
{
	const struct gpumem_limits *lim = &ctx->gdev->limits;
	struct gpumem_query q;

	if (copy_from_user(&q, uq, sizeof(q)))
		return -EFAULT;
	if (memchr_inv(&q, 0, sizeof(q)))
		return -EINVAL;

	q.api_version = GPUMEM_API_VERSION;
	q.backend = ctx->gdev->hv->backend;
	q.max_regions = lim->max_regions;
	q.max_pages = lim->max_pages;
	q.max_stolen_pages = lim->max_stolen_pages;
	q.max_pinned_pages = lim->max_pinned_pages;

	mutex_lock(&ctx->lock);
	q.domid = ctx->domid == DOMID_INVALID ? GPUMEM_DOMID_NONE : ctx->domid;
	q.hv_version = ctx->hvq.version;
	q.hv_ops = ctx->hvq.ops;
	q.max_extents = ctx->max_extents;
	q.max_extent_pages = ctx->max_extent_frames;
	if (ctx->hvq.ops & XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_map)) {
		q.features |= GPUMEM_FEAT_MAP_VA | GPUMEM_FEAT_MAP_DMABUF;
		if (IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY))
			q.features |= GPUMEM_FEAT_MOVE_NOTIFY;
	}
	if ((ctx->hvq.ops & GPUMEM_STEAL_OPS) == GPUMEM_STEAL_OPS)
		q.features |= GPUMEM_FEAT_STEAL;
	if ((ctx->hvq.ops & GPUMEM_FAULT_OPS) == GPUMEM_FAULT_OPS &&
	    ctx->gdev->hv->ops->fault_open)
		q.features |= GPUMEM_FEAT_FAULT;
	mutex_unlock(&ctx->lock);

	return copy_to_user(uq, &q, sizeof(q)) ? -EFAULT : 0;
}

/* Highest frontend GFN the module accepts: 52-bit physical addresses. */
#define GPUMEM_MAX_GFN	((1ull << (52 - PAGE_SHIFT)) - 1)

/*
 * No flag beyond @allowed, the context is bound, to @domid, and the
 * hypervisor has every op of @ops (XEN_GPUMEM_OP_BIT()s).
 */
static int gpumem_ctx_check_ops(struct gpumem_ctx *ctx, u32 domid, u32 flags,
				u32 allowed, u32 ops)
{
	int rc = 0;

	if (flags & ~allowed)
		return -EINVAL;
	mutex_lock(&ctx->lock);
	if (ctx->domid == DOMID_INVALID)
		rc = -EBADFD;
	else if (ctx->domid != domid)
		rc = -EPERM;
	else if ((ctx->hvq.ops & ops) != ops)
		rc = -EOPNOTSUPP;
	mutex_unlock(&ctx->lock);
	return rc;
}

/* As gpumem_ctx_check_ops(), for the ops of regions. */
static int gpumem_ctx_check_map(struct gpumem_ctx *ctx, u32 domid, u32 flags,
				u32 allowed)
{
	return gpumem_ctx_check_ops(ctx, domid, flags, allowed,
				    XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_map));
}

/* [gfn, gfn + nr) is a valid, non-empty frontend GFN range. */
static int gpumem_check_gfns(u64 gfn, u64 nr)
{
	u64 end;

	if (!nr)
		return -EINVAL;
	if (check_add_overflow(gfn, nr, &end) || end - 1 > GPUMEM_MAX_GFN)
		return -EOVERFLOW;
	return 0;
}

/*
 * What both map ioctls check of a new region: its flags against @allowed,
 * the context, and the GFN range; @len is already page-aligned.
 */
static int gpumem_check_new_region(struct gpumem_ctx *ctx, u32 domid,
				   u32 flags, u32 allowed, u64 gfn, u64 len)
{
	int rc = gpumem_ctx_check_map(ctx, domid, flags, allowed);

	if (!rc)
		rc = gpumem_check_gfns(gfn, len >> PAGE_SHIFT);
	if (!rc && (len >> PAGE_SHIFT) > U32_MAX)
		rc = -E2BIG;
	return rc;
}

/* Hand a new region's id back; if that fails, the region goes. */
static int gpumem_put_region_id(struct gpumem_ctx *ctx, u32 id,
				__u64 __user *uid)
{
	if (!put_user(id, uid))
		return 0;
	gpumem_region_unmap(ctx, id);
	return -EFAULT;
}

static int gpumem_ioctl_map_va(struct gpumem_ctx *ctx,
			       struct gpumem_map_va __user *ua)
{
	struct gpumem_map_va a;
	unsigned long end;
	u32 id;
	int rc;

	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	if (a.region || !PAGE_ALIGNED(a.hva) || !PAGE_ALIGNED(a.len))
		return -EINVAL;
	rc = gpumem_check_new_region(ctx, a.domid, a.flags,
				     GPUMEM_MAP_RO | GPUMEM_MAP_LAZY, a.gfn,
				     a.len);
	if (rc)
		return rc;
	if (check_add_overflow(a.hva, a.len, &end) || end > TASK_SIZE)
		return -EOVERFLOW;

	rc = gpumem_va_region_create(ctx, a.hva, a.len >> PAGE_SHIFT, a.gfn,
				     a.flags, &id);
	return rc ? rc : gpumem_put_region_id(ctx, id, &ua->region);
}

static int gpumem_ioctl_map_dmabuf(struct gpumem_ctx *ctx,
				   struct gpumem_map_dmabuf __user *ua)
{
	struct gpumem_map_dmabuf a;
	u32 id;
	int rc;

	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	if (a.region || !PAGE_ALIGNED(a.offset) || !PAGE_ALIGNED(a.len) ||
	    (a.attach_sbdf && !(a.flags & GPUMEM_MAP_PCI_ATTACH)))
		return -EINVAL;
	rc = gpumem_check_new_region(ctx, a.domid, a.flags,
				     GPUMEM_MAP_RO | GPUMEM_MAP_LAZY |
				     GPUMEM_MAP_PCI_ATTACH | GPUMEM_MAP_PIN,
				     a.gfn, a.len);
	if (rc)
		return rc;

	rc = gpumem_dmabuf_region_create(ctx, a.fd, a.offset,
					 a.len >> PAGE_SHIFT, a.gfn, a.flags,
					 a.flags & GPUMEM_MAP_PCI_ATTACH ?
					 a.attach_sbdf : U32_MAX, &id);
	return rc ? rc : gpumem_put_region_id(ctx, id, &ua->region);
}

/*
 * POPULATE and REVOKE take the same arguments, a GFN range of regions: both
 * are read as struct gpumem_populate (identical layouts, checked in
 * gpumem_check_layouts()).
 */
static int gpumem_ioctl_gfn_range(struct gpumem_ctx *ctx, void __user *ua,
				  int (*fn)(struct gpumem_ctx *ctx, u64 gfn,
					    u64 nr_pages))
{
	struct gpumem_populate a;
	int rc;

	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	rc = gpumem_ctx_check_map(ctx, a.domid, a.flags, 0);
	if (!rc)
		rc = gpumem_check_gfns(a.gfn, a.nr_pages);
	return rc ? rc : fn(ctx, a.gfn, a.nr_pages);
}

static int gpumem_ioctl_unmap(struct gpumem_ctx *ctx,
			      struct gpumem_unmap __user *ua)
{
	struct gpumem_unmap a;
	int rc;

	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	rc = gpumem_ctx_check_map(ctx, a.domid, a.flags, 0);
	if (rc)
		return rc;
	if (!a.region || a.region > U32_MAX)
		return -ENOENT;
	return gpumem_region_unmap(ctx, a.region);
}

static int gpumem_ioctl_steal(struct gpumem_ctx *ctx,
			      struct gpumem_steal __user *ua)
{
	struct gpumem_steal a;
	u64 offset;
	int rc;

	/* A 32-bit caller could not mmap the answer: offsets need 64 bits. */
	if (in_compat_syscall())
		return -EOPNOTSUPP;
	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	if (a.offset)
		return -EINVAL;
	rc = gpumem_ctx_check_ops(ctx, a.domid, a.flags, 0, GPUMEM_STEAL_OPS);
	if (!rc)
		rc = gpumem_check_gfns(a.gfn, a.nr_pages);
	if (!rc && a.nr_pages > U32_MAX)
		rc = -E2BIG;
	if (!rc)
		rc = gpumem_steal_create(ctx, a.gfn, a.nr_pages, &offset);
	if (rc || !put_user(offset, &ua->offset))
		return rc;
	/* Best effort; what stays is returned at close. */
	gpumem_steal_return(ctx, offset);
	return -EFAULT;
}

static int gpumem_ioctl_return(struct gpumem_ctx *ctx,
			       struct gpumem_return __user *ua)
{
	struct gpumem_return a;
	int rc;

	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	rc = gpumem_ctx_check_ops(ctx, a.domid, a.flags, 0, GPUMEM_STEAL_OPS);
	return rc ? rc : gpumem_steal_return(ctx, a.offset);
}

static int gpumem_ioctl_fault_enable(struct gpumem_ctx *ctx,
				     struct gpumem_fault_enable __user *ua)
{
	struct gpumem_fault_enable a;
	u32 nr_vcpus;
	int rc;

	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	if (a.nr_vcpus || !(a.flags & (GPUMEM_FAULT_KERNEL | GPUMEM_FAULT_USER)))
		return -EINVAL;
	rc = gpumem_ctx_check_ops(ctx, a.domid, a.flags,
				  GPUMEM_FAULT_KERNEL | GPUMEM_FAULT_USER,
				  GPUMEM_FAULT_OPS);
	if (!rc)
		rc = gpumem_check_gfns(a.gfn, a.nr_pages);
	if (!rc)
		rc = gpumem_fault_enable(ctx, a.gfn, a.nr_pages, a.flags,
					 a.max_pending, &nr_vcpus);
	if (rc)
		return rc;
	/* The window stays open: close() is what ends it. */
	return put_user(nr_vcpus, &ua->nr_vcpus) ? -EFAULT : 0;
}

static int gpumem_ioctl_fault_complete(struct gpumem_ctx *ctx,
				       struct gpumem_fault_complete __user *ua)
{
	struct gpumem_fault_complete a;
	int rc;

	if (copy_from_user(&a, ua, sizeof(a)))
		return -EFAULT;
	if (a.answer > GPUMEM_FAULT_CRASH)
		return -EINVAL;
	rc = gpumem_ctx_check_ops(ctx, a.domid, 0, 0, 0);
	return rc ? rc : gpumem_fault_complete(ctx, a.seq, a.answer);
}

/**
 * gpumem_ctx_ioctl() - dispatch one ioctl of a context
 * @ctx: the context.
 * @cmd: GPUMEM_IOCTL_*.
 * @uarg: its userspace argument.
 *
 * Return: 0 or a negative errno; -ENOTTY for an unknown command.
 */
long gpumem_ctx_ioctl(struct gpumem_ctx *ctx, unsigned int cmd,
		      void __user *uarg)
{
	switch (cmd) {
	case GPUMEM_IOCTL_BIND:
		return gpumem_ioctl_bind(ctx, uarg);
	case GPUMEM_IOCTL_QUERY:
		return gpumem_ioctl_query(ctx, uarg);
	case GPUMEM_IOCTL_MAP_VA:
		return gpumem_ioctl_map_va(ctx, uarg);
	case GPUMEM_IOCTL_MAP_DMABUF:
		return gpumem_ioctl_map_dmabuf(ctx, uarg);
	case GPUMEM_IOCTL_POPULATE:
		return gpumem_ioctl_gfn_range(ctx, uarg, gpumem_region_populate);
	case GPUMEM_IOCTL_UNMAP:
		return gpumem_ioctl_unmap(ctx, uarg);
	case GPUMEM_IOCTL_STEAL:
		return gpumem_ioctl_steal(ctx, uarg);
	case GPUMEM_IOCTL_RETURN:
		return gpumem_ioctl_return(ctx, uarg);
	case GPUMEM_IOCTL_REVOKE:
		return gpumem_ioctl_gfn_range(ctx, uarg, gpumem_region_revoke);
	case GPUMEM_IOCTL_FAULT_ENABLE:
		return gpumem_ioctl_fault_enable(ctx, uarg);
	case GPUMEM_IOCTL_FAULT_COMPLETE:
		return gpumem_ioctl_fault_complete(ctx, uarg);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_ctx_ioctl);
