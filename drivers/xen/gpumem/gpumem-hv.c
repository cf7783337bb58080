// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: batching over the hypervisor seam, and the one thing the
 * module never tolerates: a refused revoke.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/panic.h>
#include <linux/printk.h>

#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include "gpumem-priv.h"
#include "gpumem_trace.h"

/**
 * gpumem_hv_op_name() - short name of a gpumem dm_op, for messages
 * @op: XEN_DMOP_gpumem_*.
 *
 * Return: the name, or "?" for another number.
 */
const char *gpumem_hv_op_name(unsigned int op)
{
	static const char *const names[] = {
		"query", "map", "revoke", "steal", "return", "fault_range",
	};

	if (op < XEN_DMOP_gpumem_first || op > XEN_DMOP_gpumem_last)
		return "?";
	return names[op - XEN_DMOP_gpumem_first];
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_hv_op_name);

/* Trace one call: the extents it applied, and the one it stopped at. */
static void gpumem_hv_trace(domid_t domid, unsigned int op,
			    const struct xen_dm_op_gpumem_extent *ext,
			    unsigned int applied, int rc)
{
	unsigned int i;

	for (i = 0; i < applied; i++)
		trace_gpumem_hv_extent(domid, op, &ext[i], 0);
	if (rc)
		trace_gpumem_hv_extent(domid, op, &ext[applied], rc);
}

/**
 * gpumem_hv_misreported() - the hypervisor misreported a call's progress
 * @domid: the frontend.
 * @op: the op.
 * @done: the progress it reported.
 * @nr: extents in the call.
 * @rc: its return code.
 *
 * Success with fewer extents done than asked, failure with all of them
 * done, or more done than asked: the hypervisor broke the contract of
 * struct xen_dm_op_gpumem_batch, and the module no longer knows which
 * frontend GFNs name backend memory (MAP), or which pages changed owner
 * (STEAL, RETURN).  Undoing only what it claims to have done could leave
 * the frontend an entry for a page Linux then frees; REVOKE cannot help
 * either, since the same hypervisor would answer it.  Like a refused
 * revoke, this is fatal.  (Tests redirect this function.)
 */
void gpumem_hv_misreported(domid_t domid, unsigned int op, unsigned int done,
			   unsigned int nr, int rc)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_hv_misreported, domid, op, done, nr,
				   rc);
	panic("xen-gpumem: hypervisor reported %u of %u extents done (error %d) for %s on d%u; the frontend's entries are unknown\n",
	      done, nr, rc, gpumem_hv_op_name(op), domid);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_hv_misreported);

/**
 * gpumem_hv_batch() - issue a batched op in as many calls as it takes
 * @hv: the hypervisor backend.
 * @domid: the frontend.
 * @instance: its instance (QUERY's).
 * @op: XEN_DMOP_gpumem_map, _revoke, _steal or _return.
 * @ext: the extents; their status fields are written.
 * @nr: number of extents.
 * @max_extents: most extents per call, at least 1.
 * @done: out: extents applied.
 *
 * Neither sleeps nor allocates, so that it may revoke from an invalidate
 * callback.  Each extent applied, and the one a failed call stopped at, is
 * traced (xen_gpumem:gpumem_hv_extent).  A hypervisor that claims more
 * progress than it was asked for, or success without full progress, or
 * failure after full progress, is a fatal breach (gpumem_hv_misreported());
 * should that return (tests only), the call is answered with -EIO.
 *
 * Return: 0 with *@done == @nr, or the first error with *@done < @nr the
 * index of the extent that failed; extents before it have been applied.
 */
int gpumem_hv_batch(struct gpumem_hv *hv, domid_t domid, u64 instance,
		    unsigned int op, struct xen_dm_op_gpumem_extent *ext,
		    unsigned int nr, unsigned int max_extents,
		    unsigned int *done)
{
	unsigned int pos = 0;
	int rc = 0;

	while (!rc && pos < nr) {
		unsigned int n = min(nr - pos, max_extents);
		unsigned int call_done = 0;

		rc = hv->ops->batch(hv, domid, instance, op, ext + pos, n,
				    &call_done);
		/* Success means all done; failure, the index of the failed one. */
		if (rc ? call_done >= n : call_done != n) {
			gpumem_hv_misreported(domid, op, call_done, n, rc);
			call_done = min(call_done, n - 1);
			rc = -EIO;
		}
		if (trace_gpumem_hv_extent_enabled())
			gpumem_hv_trace(domid, op, ext + pos, call_done, rc);
		pos += call_done;
	}
	*done = pos;
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_hv_batch);

/**
 * gpumem_revoke_refused() - the hypervisor refused a revoke: stop the system
 * @domid: the frontend.
 * @ext: the extent that failed.
 * @rc: the error.
 *
 * Revoke runs because the backend is about to free or reuse the frames.  If
 * the frontend keeps them mapped, returning from the notifier would hand
 * memory that another domain can reach to the page allocator: a memory
 * safety breach no error code can contain.  Only a buggy backend or
 * hypervisor gets here, and the seed of the design asks the backend to
 * panic.  (Tests redirect this function to observe the call.)
 */
void gpumem_revoke_refused(domid_t domid,
			   const struct xen_dm_op_gpumem_extent *ext, int rc)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_revoke_refused, domid, ext, rc);
	panic("xen-gpumem: hypervisor refused to revoke d%u gfn %#llx+%u (error %d); the frontend could reach memory the backend is about to reuse\n",
	      domid, ext->gfn, ext->nr_frames, rc);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_revoke_refused);

/**
 * gpumem_hv_revoke() - revoke extents; cannot fail and return
 * @hv: the hypervisor backend.
 * @domid: the frontend.
 * @instance: its instance (QUERY's).
 * @ext: the extents (frame and flags 0).
 * @nr: number of extents.
 * @max_extents: most extents per call.
 *
 * Safe in an invalidate or move_notify callback: no sleep, no allocation.
 * -ESRCH means the frontend has been destroyed (its domid may name another
 * domain now, which the call did not touch) and maps nothing any more; any
 * other error is fatal (gpumem_revoke_refused()).
 *
 * Return: 0, or -ESRCH: the caller must never name the domid again.
 */
int gpumem_hv_revoke(struct gpumem_hv *hv, domid_t domid, u64 instance,
		     struct xen_dm_op_gpumem_extent *ext, unsigned int nr,
		     unsigned int max_extents)
{
	unsigned int done;
	int rc;

	rc = gpumem_hv_batch(hv, domid, instance, XEN_DMOP_gpumem_revoke, ext,
			     nr, max_extents, &done);
	if (rc && rc != -ESRCH)
		gpumem_revoke_refused(domid, &ext[done], rc);
	return rc == -ESRCH ? rc : 0;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_hv_revoke);

/**
 * gpumem_hv_revoke_batch_flush() - issue the extents built in a batch
 * @b: the batch.
 * @n: extents at @b->ext.
 *
 * Nothing is issued once the frontend is gone.
 */
void gpumem_hv_revoke_batch_flush(struct gpumem_revoke_batch *b,
				  unsigned int n)
{
	b->extents += n;
	if (!b->gone &&
	    gpumem_hv_revoke(b->hv, b->domid, b->instance, b->ext, n,
			     b->max_extents) == -ESRCH)
		b->gone = true;
}

/**
 * gpumem_hv_revoke_bitmap() - revoke the GFNs whose bits are set
 * @b: where the extents go; its counters are advanced.
 * @mapped: bit i set: GFN @gfn + i holds a lent entry.
 * @gfn: the GFN of bit 0.
 * @first: first bit.
 * @nr: number of bits.
 *
 * One extent per run of set bits, cut at @b->max_extent_frames, issued
 * whenever @b->cap are built and at the end.  Once the frontend is found
 * gone (@b->gone) nothing more is issued, but the runs are still counted.
 * Neither sleeps nor allocates; the bits are left to the caller.
 */
void gpumem_hv_revoke_bitmap(struct gpumem_revoke_batch *b,
			     const unsigned long *mapped, u64 gfn, u64 first,
			     u64 nr)
{
	unsigned long s = first, e, pos, len;
	unsigned int n = 0;

	for_each_set_bitrange_from(s, e, mapped, first + nr) {
		for (pos = s; pos < e; pos += len) {
			len = min_t(unsigned long, e - pos,
				    b->max_extent_frames);
			b->ext[n++] = (struct xen_dm_op_gpumem_extent){
				.gfn = gfn + pos, .nr_frames = len,
			};
			b->pages += len;
			if (n == b->cap) {
				gpumem_hv_revoke_batch_flush(b, n);
				n = 0;
			}
		}
	}
	if (n)
		gpumem_hv_revoke_batch_flush(b, n);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_hv_revoke_bitmap);
