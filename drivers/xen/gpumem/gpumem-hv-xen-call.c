// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: the hypercalls the Xen backend issues itself, one function
 * per hypercall, each a KUnit static stub: HYPERVISOR_dm_op (and the
 * batched ops' XENMEM_gpumem_op), HYPERVISOR_memory_op and
 * HYPERVISOR_event_channel_op.  Both halves of the backend use them: the
 * memory ops (gpumem-hv-xen.c) and the fault server
 * (gpumem-hv-xen-fault.c), which is why they live below both.
 *
 * Every call passes kernel buffers.  Xen's errno values are Linux's on x86.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/types.h>

#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <asm/xen/hypercall.h>
#include <xen/interface/hvm/dm_op.h>

#include "gpumem-priv.h"

/**
 * gpumem_xen_dm_op() - the module's dm_ops and batched ops
 * @domid: target domain.
 * @nr_bufs: number of buffers.
 * @bufs: the buffers, as a dm_op takes them.
 *
 * A batched op (two buffers, buffer 0's op MAP .. RETURN) goes to Xen as
 * XENMEM_gpumem_op with the same two buffers; everything else (QUERY,
 * FAULT_RANGE, the IOREQ server ops, XEN_DMOP_nr_vcpus) as
 * HYPERVISOR_dm_op.  Buffer 0 of every call starts with its u32 op.
 *
 * Return: Xen's answer.
 */
int gpumem_xen_dm_op(domid_t domid, unsigned int nr_bufs,
		     struct xen_dm_op_buf *bufs)
{
	u32 op;

	KUNIT_STATIC_STUB_REDIRECT(gpumem_xen_dm_op, domid, nr_bufs, bufs);
	op = *(const u32 *)bufs[0].h;
	if (nr_bufs == 2 && op >= XEN_DMOP_gpumem_map &&
	    op <= XEN_DMOP_gpumem_return) {
		struct xen_gpumem_op mop = {
			.domid = domid,
			.op = (uintptr_t)bufs[0].h,
			.op_size = bufs[0].size,
			.ext = (uintptr_t)bufs[1].h,
			.ext_size = bufs[1].size,
		};

		return HYPERVISOR_memory_op(XENMEM_gpumem_op, &mop);
	}
	return HYPERVISOR_dm_op(domid, nr_bufs, bufs);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_xen_dm_op);

/**
 * gpumem_xen_memory_op() - HYPERVISOR_memory_op of the fault server
 * @cmd: XENMEM_acquire_resource or XENMEM_remove_from_physmap.
 * @arg: its argument, in kernel memory.
 *
 * Return: Xen's answer.
 */
int gpumem_xen_memory_op(unsigned int cmd, void *arg)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_xen_memory_op, cmd, arg);
	return HYPERVISOR_memory_op(cmd, arg);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_xen_memory_op);

/**
 * gpumem_xen_evtchn_op() - HYPERVISOR_event_channel_op of the fault server
 * @cmd: EVTCHNOP_bind_interdomain, _status, _close or _send.
 * @arg: its argument, in kernel memory.
 *
 * Never sleeps: EVTCHNOP_send is issued from interrupt context.
 *
 * Return: Xen's answer.
 */
int gpumem_xen_evtchn_op(unsigned int cmd, void *arg)
{
	KUNIT_STATIC_STUB_REDIRECT(gpumem_xen_evtchn_op, cmd, arg);
	return HYPERVISOR_event_channel_op(cmd, arg);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_xen_evtchn_op);
