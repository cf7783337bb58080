/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * xen-gpumem tracepoints: what was mapped into and revoked from which
 * frontend, in how many extents, and why.
 *
 *   echo 1 > /sys/kernel/tracing/events/xen_gpumem/enable
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM xen_gpumem

#if !defined(_XEN_GPUMEM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XEN_GPUMEM_TRACE_H

#include <linux/tracepoint.h>
#include <xen/interface/gpumem.h>

DECLARE_EVENT_CLASS(gpumem_extents,
		    TP_PROTO(u16 domid, u64 gfn, u64 nr_pages,
			     unsigned int extents, int why),
		    TP_ARGS(domid, gfn, nr_pages, extents, why),
		    TP_STRUCT__entry(__field(u16, domid)
				     __field(u64, gfn)
				     __field(u64, nr_pages)
				     __field(unsigned int, extents)
				     __field(int, why)),
		    TP_fast_assign(__entry->domid = domid;
				   __entry->gfn = gfn;
				   __entry->nr_pages = nr_pages;
				   __entry->extents = extents;
				   __entry->why = why;),
		    TP_printk("d%u gfn %#llx+%llu extents %u rc %d",
			      __entry->domid, __entry->gfn, __entry->nr_pages,
			      __entry->extents, __entry->why)
);

/* why: the hypercall's result. */
DEFINE_EVENT(gpumem_extents, gpumem_map,
	     TP_PROTO(u16 domid, u64 gfn, u64 nr_pages, unsigned int extents,
		      int why),
	     TP_ARGS(domid, gfn, nr_pages, extents, why)
);

/*
 * why: the mmu_notifier_event, or GPUMEM_REVOKE_*: -1 UNMAP or close, -2 a
 * dmabuf move_notify, -3 GPUMEM_IOCTL_REVOKE.
 */
DEFINE_EVENT_PRINT(gpumem_extents, gpumem_revoke,
		   TP_PROTO(u16 domid, u64 gfn, u64 nr_pages,
			    unsigned int extents, int why),
		   TP_ARGS(domid, gfn, nr_pages, extents, why),
		   TP_printk("d%u gfn %#llx+%llu extents %u event %d",
			     __entry->domid, __entry->gfn, __entry->nr_pages,
			     __entry->extents, __entry->why)
);

TRACE_EVENT(gpumem_populate,
	    TP_PROTO(u16 domid, u64 gfn, u64 nr_pages, int rc),
	    TP_ARGS(domid, gfn, nr_pages, rc),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u64, gfn)
			     __field(u64, nr_pages)
			     __field(int, rc)),
	    TP_fast_assign(__entry->domid = domid;
			   __entry->gfn = gfn;
			   __entry->nr_pages = nr_pages;
			   __entry->rc = rc;),
	    TP_printk("d%u gfn %#llx+%llu rc %d", __entry->domid, __entry->gfn,
		      __entry->nr_pages, __entry->rc)
);

/*
 * A frontend fault served in the kernel: rc 0 when the GFN is mapped now,
 * else why the module could not map it (the fault then goes to the device
 * model, or is answered EMULATE).
 */
TRACE_EVENT(gpumem_fault,
	    TP_PROTO(u16 domid, u64 gfn, u32 access, u32 vcpu, u32 attempt,
		     int rc),
	    TP_ARGS(domid, gfn, access, vcpu, attempt, rc),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u64, gfn)
			     __field(u32, access)
			     __field(u32, vcpu)
			     __field(u32, attempt)
			     __field(int, rc)),
	    TP_fast_assign(__entry->domid = domid;
			   __entry->gfn = gfn;
			   __entry->access = access;
			   __entry->vcpu = vcpu;
			   __entry->attempt = attempt;
			   __entry->rc = rc;),
	    TP_printk("d%u gfn %#llx access %#x vcpu %u attempt %u rc %d",
		      __entry->domid, __entry->gfn, __entry->access,
		      __entry->vcpu, __entry->attempt, __entry->rc)
);

/*
 * A fault's arrival from the hypervisor (hard interrupt context) and its
 * answer to the vCPU, whoever served it: the time between the two is what
 * dom0 spends on the fault (make xen-bench).
 */
TRACE_EVENT(gpumem_fault_raise,
	    TP_PROTO(u16 domid, u64 gfn, u32 vcpu),
	    TP_ARGS(domid, gfn, vcpu),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u64, gfn)
			     __field(u32, vcpu)),
	    TP_fast_assign(__entry->domid = domid;
			   __entry->gfn = gfn;
			   __entry->vcpu = vcpu;),
	    TP_printk("d%u gfn %#llx vcpu %u", __entry->domid, __entry->gfn,
		      __entry->vcpu)
);

TRACE_EVENT(gpumem_fault_answer,
	    TP_PROTO(u16 domid, u32 vcpu, u32 answer),
	    TP_ARGS(domid, vcpu, answer),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u32, vcpu)
			     __field(u32, answer)),
	    TP_fast_assign(__entry->domid = domid;
			   __entry->vcpu = vcpu;
			   __entry->answer = answer;),
	    TP_printk("d%u vcpu %u answer %u", __entry->domid, __entry->vcpu,
		      __entry->answer)
);

/*
 * One extent of a MAP, REVOKE, STEAL or RETURN call as the hypervisor
 * answered it: every extent it applied (rc 0), and the one at which a
 * failed call stopped (rc the call's error).  status is the extent's field
 * as the hypervisor left it: the error of an extent it refused, untouched
 * when it refused the whole call (a frontend gone, an op missing).  The
 * differential test (scripts/diff-test.sh) compares these between hvsim and
 * the reference Xen.
 */
TRACE_EVENT(gpumem_hv_extent,
	    TP_PROTO(u16 domid, unsigned int op,
		     const struct xen_dm_op_gpumem_extent *e, int rc),
	    TP_ARGS(domid, op, e, rc),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(unsigned int, op)
			     __field(u64, gfn)
			     __field(u32, nr_frames)
			     __field(u32, flags)
			     __field(s32, status)
			     __field(int, rc)),
	    TP_fast_assign(__entry->domid = domid;
			   __entry->op = op;
			   __entry->gfn = e->gfn;
			   __entry->nr_frames = e->nr_frames;
			   __entry->flags = e->flags;
			   __entry->status = e->status;
			   __entry->rc = rc;),
	    TP_printk("%s d%u gfn %#llx+%u flags %#x status %d rc %d",
		      __print_symbolic(__entry->op,
				       { XEN_DMOP_gpumem_map, "map" },
				       { XEN_DMOP_gpumem_revoke, "revoke" },
				       { XEN_DMOP_gpumem_steal, "steal" },
				       { XEN_DMOP_gpumem_return, "return" }),
		      __entry->domid, __entry->gfn, __entry->nr_frames,
		      __entry->flags, __entry->status, __entry->rc)
);

#endif /* _XEN_GPUMEM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE gpumem_trace
#include <trace/define_trace.h>
