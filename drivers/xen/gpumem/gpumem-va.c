// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: the VA source of regions (GPUMEM_IOCTL_MAP_VA), a range of a
 * backend address space kept in step by an mmu interval notifier, and what
 * backs a backend frame (gpumem_pfn_kind(), shared with the dmabuf source).
 *
 * Resolve, without pinning.  Ordinary pages come from hmm_range_fault();
 * VM_PFNMAP / VM_IO ranges (a GPU BO mmap, BAR pages) from
 * follow_pfnmap_start().  Neither takes a reference: a chunk's frames are
 * used only if mmu_interval_read_retry() says no invalidation ran since
 * mmu_interval_read_begin(), checked under ctx->notifier_lock, which the
 * invalidate callback takes too.  An invalidation that races with a map
 * either bumps the sequence before that check (the chunk starts over) or
 * waits for ctx->notifier_lock and then revokes what was just mapped.
 *
 * Revoke.  The invalidate callback revokes exactly the mapped pages that
 * intersect the invalidated range before it returns.  Which events need it:
 *  - UNMAP, CLEAR, MIGRATE, RELEASE, EXCLUSIVE: the page at the address goes
 *    away or changes.  Always.
 *  - PROTECTION_VMA, PROTECTION_PAGE, SOFT_DIRTY: the page stays but loses
 *    write access (mprotect, fork's copy-on-write protection, NUMA hinting,
 *    soft-dirty tracking).  A writable frontend mapping would keep writing a
 *    page that may now be shared with a child or must be tracked, so
 *    writable regions are revoked (NUMA hinting costs them a refault);
 *    read-only regions keep their mappings: the frames do not change, and if
 *    they later do, UNMAP, CLEAR or MIGRATE follows.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/hmm.h>
#include <linux/memremap.h>
#include <linux/memory_hotplug.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <asm/memtype.h>
#include <asm/pgtable_types.h>

#include <kunit/visibility.h>

#include <uapi/xen/gpumem.h>

#include "gpumem-priv.h"

/* Cacheability of a PFN mapping, from its PTE cache bits. */
static u32 gpumem_pgprot_cache(pgprot_t prot)
{
	unsigned long cache = pgprot_val(prot) & _PAGE_CACHE_MASK;

	if (cache == cachemode2protval(_PAGE_CACHE_MODE_WB))
		return XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WB);
	if (cache == cachemode2protval(_PAGE_CACHE_MODE_WC))
		return XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WC);
	return XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_UC);
}

/**
 * gpumem_pfn_kind() - what a backend frame is, for lending it
 * @pfn: a frame of the backend's physmap, as its page tables or a DMA
 *       mapping name it.
 *
 * RAM is any online page of the backend's memory map: lent by GFN, which
 * the hypervisor translates through the backend's p2m.  A frame without a
 * memmap is MMIO (a PCI BAR), which a PVH dom0 maps 1:1, so that the GFN is
 * the MFN the hypervisor checks against the backend's iomem permissions;
 * so is a BAR page with a memmap for peer-to-peer DMA.  Any other page with
 * a memmap but not online (ZONE_DEVICE: grant or foreign mappings and
 * unpopulated ranges; offline memory) is no memory of the backend's own:
 * its GFN is no MFN, and lending it is refused.
 *
 * Return: GPUMEM_PFN_RAM, GPUMEM_PFN_MMIO or GPUMEM_PFN_FOREIGN.
 */
enum gpumem_pfn_kind gpumem_pfn_kind(unsigned long pfn)
{
	if (pfn_to_online_page(pfn))
		return GPUMEM_PFN_RAM;
	if (!pfn_valid(pfn) || is_pci_p2pdma_page(pfn_to_page(pfn)))
		return GPUMEM_PFN_MMIO;
	return GPUMEM_PFN_FOREIGN;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_pfn_kind);

/**
 * gpumem_frame_set() - what backs one page, from its frame
 * @out: the page's entry.
 * @pfn: the frame.
 * @mmio_cache: XEN_GPUMEM_EXT_CACHE() for the frame if it is MMIO; RAM is
 *              always lent write-back.
 *
 * Return: 0, or -EXDEV for a frame that is not the backend's own memory
 * (gpumem_pfn_kind()).
 */
int gpumem_frame_set(struct gpumem_frame *out, unsigned long pfn,
		     u32 mmio_cache)
{
	switch (gpumem_pfn_kind(pfn)) {
	case GPUMEM_PFN_RAM:
		out->flags = XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WB);
		break;
	case GPUMEM_PFN_MMIO:
		out->flags = XEN_GPUMEM_EXT_MMIO | mmio_cache;
		break;
	default:
		return -EXDEV;
	}
	out->frame = pfn;
	return 0;
}

static int gpumem_va_pfnmap(struct mm_struct *mm, struct vm_area_struct *vma,
			    unsigned long addr, unsigned long end, bool write,
			    struct gpumem_frame *out)
{
	for (; addr < end; addr += PAGE_SIZE, out++) {
		struct follow_pfnmap_args args = { .vma = vma, .address = addr };
		bool unlocked = false;
		int rc;

		if (follow_pfnmap_start(&args)) {
			rc = fixup_user_fault(mm, addr,
					      write ? FAULT_FLAG_WRITE : 0,
					      &unlocked);
			if (rc)
				return rc;
			/* mmap_lock was dropped: vma may be stale, start over. */
			if (unlocked)
				return -EAGAIN;
			if (follow_pfnmap_start(&args))
				return -EFAULT;
		}
		if (write && !args.writable) {
			follow_pfnmap_end(&args);
			if (!(vma->vm_flags & VM_WRITE))
				return -EACCES;
			/* Write-notify: let the driver make it writable. */
			rc = fixup_user_fault(mm, addr, FAULT_FLAG_WRITE,
					      &unlocked);
			return rc ? rc : -EAGAIN;
		}
		/* A PMD/PUD leaf keeps PAT at the large-page bit position. */
		rc = gpumem_frame_set(out, args.pfn,
				      gpumem_pgprot_cache(args.ptep ? args.pgprot :
							  pgprot_large_2_4k(args.pgprot)));
		follow_pfnmap_end(&args);
		if (rc)
			return rc;
	}
	return 0;
}

static int gpumem_va_hmm(struct gpumem_region *r, unsigned long seq,
			 unsigned long addr, unsigned long end, bool write,
			 struct gpumem_frame *out, unsigned long *pfns)
{
	struct hmm_range range = {
		.notifier = &r->va.notifier,
		.notifier_seq = seq,
		.start = addr,
		.end = end,
		.hmm_pfns = pfns,
		.default_flags = HMM_PFN_REQ_FAULT |
				 (write ? HMM_PFN_REQ_WRITE : 0),
	};
	unsigned long i, n = (end - addr) >> PAGE_SHIFT;
	int rc;

	rc = hmm_range_fault(&range);
	if (rc)
		return rc == -EPERM ? -EACCES : rc;
	for (i = 0; i < n; i++) {
		rc = gpumem_frame_set(&out[i],
				      page_to_pfn(hmm_pfn_to_page(pfns[i])),
				      XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_UC));
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * gpumem_va_resolve() - frames backing pages [first, first + nr) of a region
 * @r: the region.
 * @mm: its address space, held with mmap_read_lock().
 * @seq: from mmu_interval_read_begin() on @r's notifier.
 * @first: first page index in the region.
 * @nr: number of pages.
 * @frames: out: one entry per page.
 * @scratch: @nr longs for hmm_range_fault().
 *
 * Faults pages in as the frontend will use them: for writing unless the
 * region is read-only.
 *
 * Return: 0; -EBUSY or -EAGAIN when an invalidation or a dropped mmap_lock
 * requires starting over from mmu_interval_read_begin(); -EFAULT for an
 * unmapped address; -EACCES when the range is not writable enough; -EXDEV
 * for a page that is not the backend's own memory (gpumem_pfn_kind()); or
 * another error from the fault path.
 */
static int gpumem_va_resolve(struct gpumem_region *r, struct mm_struct *mm,
			     unsigned long seq, u64 first, u64 nr,
			     struct gpumem_frame *frames,
			     unsigned long *scratch)
{
	unsigned long addr = r->va.hva + (first << PAGE_SHIFT);
	unsigned long end = addr + (nr << PAGE_SHIFT);
	bool write = !(r->flags & GPUMEM_MAP_RO);

	mmap_assert_locked(mm);
	while (addr < end) {
		struct vm_area_struct *vma = vma_lookup(mm, addr);
		unsigned long seg_end;
		struct gpumem_frame *out;
		int rc;

		if (!vma)
			return -EFAULT;
		seg_end = min(end, vma->vm_end);
		out = frames + ((addr - r->va.hva) >> PAGE_SHIFT) - first;
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			rc = gpumem_va_pfnmap(mm, vma, addr, seg_end, write, out);
		else
			rc = gpumem_va_hmm(r, seq, addr, seg_end, write, out,
					   scratch);
		if (rc)
			return rc;
		addr = seg_end;
	}
	return 0;
}

static bool gpumem_va_event_needs_revoke(const struct gpumem_region *r,
					 const struct mmu_notifier_range *range)
{
	switch (range->event) {
	case MMU_NOTIFY_PROTECTION_VMA:
	case MMU_NOTIFY_PROTECTION_PAGE:
	case MMU_NOTIFY_SOFT_DIRTY:
		return !(r->flags & GPUMEM_MAP_RO);
	default:
		return true;
	}
}

static bool gpumem_va_invalidate(struct mmu_interval_notifier *mn,
				 const struct mmu_notifier_range *range,
				 unsigned long cur_seq)
{
	struct gpumem_region *r = container_of(mn, struct gpumem_region,
					       va.notifier);
	unsigned long r_end = r->va.hva + (r->nr_pages << PAGE_SHIFT);
	unsigned long start = max(range->start, r->va.hva) & PAGE_MASK;
	/* MMU_NOTIFY_RELEASE ends at ULONG_MAX: clip before rounding up. */
	unsigned long end = range->end < r_end ? PAGE_ALIGN(range->end) : r_end;
	struct gpumem_ctx *ctx = r->ctx;

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&ctx->notifier_lock);
	else if (!mutex_trylock(&ctx->notifier_lock))
		return false;
	mmu_interval_set_seq(mn, cur_seq);
	if (start < end && gpumem_va_event_needs_revoke(r, range))
		gpumem_region_revoke_locked(r, (start - r->va.hva) >> PAGE_SHIFT,
					    (end - start) >> PAGE_SHIFT,
					    range->event);
	mutex_unlock(&ctx->notifier_lock);
	return true;
}

static const struct mmu_interval_notifier_ops gpumem_va_mn_ops = {
	.invalidate = gpumem_va_invalidate,
};

/* The address space is gone: its exit revoked everything. */
static int gpumem_va_fill_begin(struct gpumem_region *r)
{
	return mmget_not_zero(r->va.notifier.mm) ? 0 : -EFAULT;
}

static void gpumem_va_fill_end(struct gpumem_region *r)
{
	mmput(r->va.notifier.mm);
}

static int gpumem_va_fill(struct gpumem_region *r, u64 first, u64 n,
			  struct gpumem_fill_buf *buf)
{
	unsigned long timeout = jiffies +
				msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct mm_struct *mm = r->va.notifier.mm;
	struct gpumem_ctx *ctx = r->ctx;
	unsigned long seq;
	int rc;

	for (;;) {
		seq = mmu_interval_read_begin(&r->va.notifier);
		mmap_read_lock(mm);
		rc = gpumem_va_resolve(r, mm, seq, first, n, buf->frames,
				       buf->scratch);
		mmap_read_unlock(mm);
		if (!rc) {
			mutex_lock(&ctx->notifier_lock);
			if (!mmu_interval_read_retry(&r->va.notifier, seq))
				break;
			mutex_unlock(&ctx->notifier_lock);
		} else if (rc != -EBUSY && rc != -EAGAIN) {
			return rc;
		}
		if (time_after(jiffies, timeout))
			return -EAGAIN;
		cond_resched();
	}

	rc = gpumem_region_commit_locked(r, first, n, buf->frames, buf->ext);
	mutex_unlock(&ctx->notifier_lock);
	return rc;
}

/*
 * Revoke everything, then stop the notifier: in the other order an
 * invalidation between the two would free pages the frontend still maps.
 */
static void gpumem_va_release(struct gpumem_region *r)
{
	struct gpumem_ctx *ctx = r->ctx;

	mutex_lock(&ctx->notifier_lock);
	gpumem_region_revoke_locked(r, 0, r->nr_pages, GPUMEM_REVOKE_UNMAP);
	mutex_unlock(&ctx->notifier_lock);
	mmu_interval_notifier_remove(&r->va.notifier);
}

static const struct gpumem_region_ops gpumem_va_region_ops = {
	.fill_begin = gpumem_va_fill_begin,
	.fill = gpumem_va_fill,
	.fill_end = gpumem_va_fill_end,
	.release = gpumem_va_release,
};

/**
 * gpumem_va_region_create() - a region backed by the caller's address space
 * @ctx: a bound context.
 * @hva: page-aligned start in current->mm.
 * @nr_pages: pages, 1 .. U32_MAX.
 * @gfn: first frontend GFN.
 * @flags: GPUMEM_MAP_*.
 * @id: out: the region's id.
 *
 * Unless GPUMEM_MAP_LAZY is given every page is mapped before return; on
 * any error nothing remains mapped and the region does not exist.
 *
 * Return: 0; as gpumem_region_publish(), or -EFAULT (range not mapped, or
 * without access), -EACCES (not writable and not GPUMEM_MAP_RO), -EXDEV
 * (not the backend's own memory), -EAGAIN, -ENOMEM, -ESRCH.
 */
int gpumem_va_region_create(struct gpumem_ctx *ctx, unsigned long hva,
			    u64 nr_pages, u64 gfn, u32 flags, u32 *id)
{
	struct gpumem_region *r;
	int rc;

	r = gpumem_region_alloc(ctx, GPUMEM_REGION_VA, &gpumem_va_region_ops,
				nr_pages, gfn, flags);
	if (IS_ERR(r))
		return PTR_ERR(r);
	r->va.hva = hva;
	rc = mmu_interval_notifier_insert(&r->va.notifier, current->mm, hva,
					  nr_pages << PAGE_SHIFT,
					  &gpumem_va_mn_ops);
	if (rc) {
		gpumem_region_abort(r);
		return rc;
	}
	return gpumem_region_publish(r, id);
}
