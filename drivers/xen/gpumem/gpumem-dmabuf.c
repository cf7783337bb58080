// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: regions sourced from a dmabuf (GPUMEM_IOCTL_MAP_DMABUF).
 *
 * The module attaches as a dynamic importer that allows peer-to-peer.
 * move_notify runs with the buffer's reservation held: it revokes the
 * region's GFNs, synchronously and from preallocated extents, then drops
 * the attachment's mapping; the next populate maps the buffer where it now
 * lives, after waiting for the exporter's kernel fences (its move or clear).
 * The buffer is not pinned by the module unless the VMM asks for it
 * (GPUMEM_MAP_PIN): a pin keeps a VRAM BO where it is, or moves it to
 * system memory, for as long as it lasts.  A kernel without
 * CONFIG_DMABUF_MOVE_NOTIFY (Debian's, most distributions') pins a dynamic
 * exporter's buffer whenever it is mapped, so there a dynamic exporter is
 * imported only with GPUMEM_MAP_PIN, which makes the pin explicit (from
 * MAP to UNMAP) and counts the buffer's pages against max_pinned_pages.  A
 * static exporter (no pin/unpin ops) is mapped, and so pinned, by the
 * dma-buf core for the attachment's whole life, GPUMEM_MAP_PIN or not; its
 * pages count against max_pages like every region's, and the region holds
 * its dmabuf reference until UNMAP or close, whatever userspace does with
 * the fd.
 *
 * Frames come from sg_dma_address() through the attach device, whose DMA
 * must be a direct 1:1 map (a PVH dom0 without an IOMMU in front of dom0),
 * never from sg_page(), which is NULL for peer-to-peer segments.  Every
 * segment with pages must map exactly those pages (no IOMMU address, no
 * swiotlb bounce buffer): the frontend is shown the buffer itself or
 * nothing.  Frames that are not RAM are BAR pages: mapped MMIO and
 * write-combining; pages that are neither (grant or foreign mappings) are
 * refused (gpumem_pfn_kind()).
 *
 * Lock order: the buffer's dma_resv -> ctx->notifier_lock (see
 * gpumem-ctx.c); populate takes ctx->lock before the dma_resv.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/swiotlb.h>

#include <uapi/xen/gpumem.h>

#include "gpumem-priv.h"

MODULE_IMPORT_NS(DMA_BUF);

/*
 * Revoke every GFN of @r, then drop the attachment's mapping.  Clearing
 * buf.sgt under the resv is what keeps a later move_notify, which can come
 * until dma_buf_detach(), from unmapping it twice.
 */
static void gpumem_dmabuf_revoke_unmap_locked(struct gpumem_region *r,
					      int event)
{
	struct gpumem_ctx *ctx = r->ctx;

	dma_resv_assert_held(r->attach->dmabuf->resv);
	mutex_lock(&ctx->notifier_lock);
	gpumem_region_revoke_locked(r, 0, r->nr_pages, event);
	mutex_unlock(&ctx->notifier_lock);
	if (r->buf.sgt) {
		dma_buf_unmap_attachment(r->attach, r->buf.sgt,
					 DMA_BIDIRECTIONAL);
		r->buf.sgt = NULL;
	}
}

static void gpumem_dmabuf_move_notify(struct dma_buf_attachment *attach)
{
	gpumem_dmabuf_revoke_unmap_locked(attach->importer_priv,
					  GPUMEM_REVOKE_MOVE);
}

static const struct dma_buf_attach_ops gpumem_dmabuf_attach_ops = {
	.allow_peer2peer = true,
	.move_notify = gpumem_dmabuf_move_notify,
};

/*
 * Whether a DMA segment's addresses are its pages' physical addresses.  A
 * segment with pages must map them 1:1: an IOMMU's I/O virtual address or
 * a swiotlb bounce buffer (a device with a small DMA mask) names other
 * memory, which the frontend must never be shown.  A segment without pages
 * is a peer-to-peer BAR range; its frames are checked as MMIO.
 */
static bool gpumem_dmabuf_seg_is_phys(struct device *dev,
				      struct scatterlist *sg)
{
	phys_addr_t phys = dma_to_phys(dev, sg_dma_address(sg));

	if (swiotlb_find_pool(dev, phys))
		return false;
	return !sg_page(sg) ||
	       (page_to_phys(sg_page(sg)) + sg->offset == phys &&
		sg_dma_len(sg) == sg->length);
}

/*
 * Frames of pages [first, first + n) of @r, from the DMA addresses.  The
 * cursor carries the walk over from the previous, lower, chunk, so a large
 * buffer costs one pass over its segments.
 */
static int gpumem_dmabuf_frames(struct gpumem_region *r, u64 first, u64 n,
				struct gpumem_sg_cursor *cur,
				struct gpumem_frame *out)
{
	u64 want = r->buf.offset + (first << PAGE_SHIFT), k = 0;
	struct device *dev = r->attach->dev;

	dma_resv_assert_held(r->attach->dmabuf->resv);
	if (!cur->sg) {
		cur->sg = r->buf.sgt->sgl;
		cur->left = r->buf.sgt->nents;
		cur->seg_start = 0;
	}
	for (; cur->left; cur->seg_start += sg_dma_len(cur->sg),
	     cur->sg = sg_next(cur->sg), cur->left--) {
		dma_addr_t addr = sg_dma_address(cur->sg);
		u64 len = sg_dma_len(cur->sg);
		bool pages = sg_page(cur->sg);

		if (!PAGE_ALIGNED(addr) || !PAGE_ALIGNED(len))
			return -EIO;
		if (k < n && want < cur->seg_start + len &&
		    !gpumem_dmabuf_seg_is_phys(dev, cur->sg))
			return -EOPNOTSUPP;
		for (; k < n && want < cur->seg_start + len;
		     k++, want += PAGE_SIZE) {
			unsigned long pfn;
			int rc;

			if (want < cur->seg_start)
				return -EIO;
			pfn = PHYS_PFN(dma_to_phys(dev, addr + want -
						   cur->seg_start));
			rc = gpumem_frame_set(&out[k], pfn,
					      XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WC));
			if (rc)
				return rc;
			/* A segment of pages holds RAM; one without, BAR pages. */
			if (pages != !(out[k].flags & XEN_GPUMEM_EXT_MMIO))
				return -EOPNOTSUPP;
		}
		if (k == n)
			return 0;
	}
	/* The exporter's mapping is shorter than the buffer. */
	return -EIO;
}

/*
 * A fill of a dmabuf region runs under the buffer's reservation: the
 * exporter cannot move it meanwhile, and a move that happened since the
 * last fill (move_notify dropped the mapping) is mapped anew.  The frontend
 * must not see a buffer whose move is in flight: the exporter's kernel
 * fences are waited for.
 */
static int gpumem_dmabuf_fill_begin(struct gpumem_region *r)
{
	struct dma_resv *resv = r->attach->dmabuf->resv;
	struct sg_table *sgt;
	long wait;
	int rc;

	lockdep_assert_held(&r->ctx->lock);
	rc = dma_resv_lock_interruptible(resv, NULL);
	if (rc)
		return rc;
	if (!r->buf.sgt) {
		sgt = dma_buf_map_attachment(r->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt)) {
			rc = PTR_ERR(sgt);
			goto err;
		}
		r->buf.sgt = sgt;
	}
	wait = dma_resv_wait_timeout(resv, DMA_RESV_USAGE_KERNEL, true,
				     MAX_SCHEDULE_TIMEOUT);
	if (wait < 0) {
		rc = wait;
		goto err;
	}
	r->buf.cur = (struct gpumem_sg_cursor){};
	return 0;
err:
	dma_resv_unlock(resv);
	return rc;
}

static void gpumem_dmabuf_fill_end(struct gpumem_region *r)
{
	dma_resv_unlock(r->attach->dmabuf->resv);
}

/*
 * Pages [first, first + n) from the attachment's DMA addresses.  Return: 0;
 * -EIO (unaligned or too few segments), -EOPNOTSUPP (DMA addresses that are
 * not the pages), -EXDEV (pages that are not the backend's own memory), or
 * as gpumem_region_commit_locked().
 */
static int gpumem_dmabuf_fill(struct gpumem_region *r, u64 first, u64 n,
			      struct gpumem_fill_buf *buf)
{
	int rc;

	dma_resv_assert_held(r->attach->dmabuf->resv);
	rc = gpumem_dmabuf_frames(r, first, n, &r->buf.cur, buf->frames);
	return rc ? rc : gpumem_region_commit(r, first, n, buf);
}

/* Revoke a dmabuf region, then let the buffer go. */
static void gpumem_dmabuf_release(struct gpumem_region *r)
{
	struct dma_buf *dmabuf = r->attach->dmabuf;

	dma_resv_lock(dmabuf->resv, NULL);
	gpumem_dmabuf_revoke_unmap_locked(r, GPUMEM_REVOKE_UNMAP);
	if (r->nr_pinned)
		dma_buf_unpin(r->attach);
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, r->attach);
	dma_buf_put(dmabuf);
	pci_dev_put(r->buf.pdev);
}

static const struct gpumem_region_ops gpumem_dmabuf_region_ops = {
	.fill_begin = gpumem_dmabuf_fill_begin,
	.fill = gpumem_dmabuf_fill,
	.fill_end = gpumem_dmabuf_fill_end,
	.release = gpumem_dmabuf_release,
};

/* 6.12's dma-iommu sets no dma_ops: a device behind it says so itself. */
static bool gpumem_dev_uses_iommu(struct device *dev)
{
#ifdef CONFIG_IOMMU_DMA
	return dev->dma_iommu;
#else
	return false;
#endif
}

/*
 * The PCI device named by @sbdf, referenced, if DMA through it is a direct
 * map (no IOMMU, no DMA ops): DMA addresses must be frames.  Bounce
 * buffering cannot be ruled out per device; every segment is checked when
 * it is used (gpumem_dmabuf_seg_is_phys()).
 */
static struct pci_dev *gpumem_dmabuf_attach_pci(u32 sbdf)
{
	struct pci_dev *pdev;

	pdev = pci_get_domain_bus_and_slot(sbdf >> 16, (sbdf >> 8) & 0xff,
					   sbdf & 0xff);
	if (!pdev)
		return ERR_PTR(-ENODEV);
	if (get_dma_ops(&pdev->dev) || gpumem_dev_uses_iommu(&pdev->dev)) {
		pci_dev_put(pdev);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return pdev;
}

/*
 * GPUMEM_MAP_PIN of a dynamic exporter's buffer: pinned where the exporter
 * keeps it (for a peer-to-peer attachment of amdgpu, VRAM), until release.
 * A static exporter is pinned by the core already: nothing to count.
 */
static int gpumem_dmabuf_pin(struct gpumem_region *r)
{
	struct dma_buf *dmabuf = r->attach->dmabuf;
	int rc;

	if (!dma_buf_is_dynamic(dmabuf))
		return 0;
	rc = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (rc)
		return rc;
	rc = dma_buf_pin(r->attach);
	dma_resv_unlock(dmabuf->resv);
	if (!rc)
		r->nr_pinned = dmabuf->size >> PAGE_SHIFT;
	return rc;
}

/**
 * gpumem_dmabuf_region_create() - a region backed by a dmabuf
 * @ctx: a bound context.
 * @fd: the dmabuf.
 * @offset: page-aligned byte offset in the buffer.
 * @nr_pages: pages, 1 .. U32_MAX.
 * @gfn: first frontend GFN.
 * @flags: GPUMEM_MAP_*.
 * @sbdf: PCI device to attach with, or U32_MAX for the module's device.
 * @id: out: the region's id.
 *
 * Return: 0; -ENODEV (no such PCI device), -EOPNOTSUPP (its DMA is not
 * direct), -EBADF (not a dmabuf), -ERANGE (past the buffer),
 * -EOPNOTSUPP (a dynamic exporter on a kernel without
 * CONFIG_DMABUF_MOVE_NOTIFY, without GPUMEM_MAP_PIN), -E2BIG (its pin
 * beyond max_pinned_pages), -ENODEV (device not ready), the exporter's
 * attach or pin error, or as gpumem_region_publish().
 */
int gpumem_dmabuf_region_create(struct gpumem_ctx *ctx, int fd, u64 offset,
				u64 nr_pages, u64 gfn, u32 flags, u32 sbdf,
				u32 *id)
{
	struct device *dev = READ_ONCE(ctx->gdev->dma_dev);
	struct pci_dev *pdev = NULL;
	struct gpumem_region *r;
	struct dma_buf *dmabuf;
	u64 end;
	int rc;

	/* The module's device is set once, right after it appears. */
	if (!dev)
		return -ENODEV;
	if (sbdf != U32_MAX) {
		pdev = gpumem_dmabuf_attach_pci(sbdf);
		if (IS_ERR(pdev))
			return PTR_ERR(pdev);
		dev = &pdev->dev;
	}
	dmabuf = dma_buf_get(fd);
	rc = -EBADF;
	if (IS_ERR(dmabuf))
		goto err_pdev;
	/*
	 * Without move notification the core pins a dynamic exporter's buffer
	 * for as long as it is mapped: only when the VMM asks for a pin, which
	 * is then counted.
	 */
	rc = -EOPNOTSUPP;
	if (!IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) &&
	    dma_buf_is_dynamic(dmabuf) && !(flags & GPUMEM_MAP_PIN))
		goto err_put;
	rc = -ERANGE;
	if (check_add_overflow(offset, nr_pages << PAGE_SHIFT, &end) ||
	    end > dmabuf->size)
		goto err_put;
	/* Cheap refusal before pinning; the exact check is at link. */
	rc = -E2BIG;
	if ((flags & GPUMEM_MAP_PIN) && dma_buf_is_dynamic(dmabuf) &&
	    dmabuf->size >> PAGE_SHIFT > ctx->gdev->limits.max_pinned_pages)
		goto err_put;
	r = gpumem_region_alloc(ctx, GPUMEM_REGION_DMABUF,
				&gpumem_dmabuf_region_ops, nr_pages, gfn, flags);
	if (IS_ERR(r)) {
		rc = PTR_ERR(r);
		goto err_put;
	}
	r->buf.offset = offset;
	r->attach = dma_buf_dynamic_attach(dmabuf, dev,
					   &gpumem_dmabuf_attach_ops, r);
	if (IS_ERR(r->attach)) {
		rc = PTR_ERR(r->attach);
		gpumem_region_abort(r);
		goto err_put;
	}
	if (flags & GPUMEM_MAP_PIN) {
		rc = gpumem_dmabuf_pin(r);
		if (rc) {
			dma_buf_detach(dmabuf, r->attach);
			gpumem_region_abort(r);
			goto err_put;
		}
	}
	/* From here the region owns the dmabuf and PCI device references. */
	r->buf.pdev = pdev;
	return gpumem_region_publish(r, id);

err_put:
	dma_buf_put(dmabuf);
err_pdev:
	pci_dev_put(pdev);
	return rc;
}
