// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: what backs a range of a backend address space, without
 * pinning it.
 *
 * Ordinary pages come from hmm_range_fault(); VM_PFNMAP / VM_IO ranges (a
 * GPU BO mmap, BAR pages) from follow_pfnmap_start().  Neither takes a
 * reference: the caller must check mmu_interval_read_retry() under the lock
 * its invalidate callback takes before it uses the frames.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/hmm.h>
#include <linux/memremap.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>

#include <asm/memtype.h>
#include <asm/pgtable_types.h>

#include <uapi/xen/gpumem.h>

#include "gpumem.h"

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

/**
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
int gpumem_va_resolve(struct gpumem_region *r, struct mm_struct *mm,
		      unsigned long seq, u64 first, u64 nr,
		      struct gpumem_frame *frames, unsigned long *scratch)
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
