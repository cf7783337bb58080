// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The size and every field offset of both ABIs' structs, as data: each
 * value N becomes a global array of N + 1 bytes named after what it
 * measures.  The file is only compiled, once for x86_64 and once for i386,
 * and `nm -S` reads the values back from each object's symbol table, so no
 * 32-bit code is ever executed (a kernel without IA32 emulation cannot run
 * it).  The two listings must be identical.
 */
#include <stddef.h>
#include <stdint.h>

#include <xen/gpumem.h>		/* uAPI */
#include "gpumem.h"		/* hypercall ABI */

#define S(s)	char layout__##s##__size[sizeof(struct s) + 1]
#define F(s, f)	char layout__##s##__##f[offsetof(struct s, f) + 1]

S(gpumem_bind); F(gpumem_bind, domid); F(gpumem_bind, flags);
S(gpumem_query); F(gpumem_query, flags); F(gpumem_query, api_version);
F(gpumem_query, backend); F(gpumem_query, domid);
F(gpumem_query, features); F(gpumem_query, hv_version);
F(gpumem_query, hv_ops); F(gpumem_query, max_extents);
F(gpumem_query, max_extent_pages); F(gpumem_query, max_regions);
F(gpumem_query, pad); F(gpumem_query, max_pages);
F(gpumem_query, max_stolen_pages); F(gpumem_query, max_pinned_pages);
F(gpumem_query, reserved);
S(gpumem_map_va); F(gpumem_map_va, hva); F(gpumem_map_va, len);
F(gpumem_map_va, gfn); F(gpumem_map_va, domid); F(gpumem_map_va, flags);
F(gpumem_map_va, region);
S(gpumem_map_dmabuf); F(gpumem_map_dmabuf, fd);
F(gpumem_map_dmabuf, flags); F(gpumem_map_dmabuf, offset);
F(gpumem_map_dmabuf, len); F(gpumem_map_dmabuf, gfn);
F(gpumem_map_dmabuf, domid); F(gpumem_map_dmabuf, attach_sbdf);
F(gpumem_map_dmabuf, region);
S(gpumem_populate); F(gpumem_populate, gfn);
F(gpumem_populate, nr_pages); F(gpumem_populate, domid);
F(gpumem_populate, flags);
S(gpumem_unmap); F(gpumem_unmap, region); F(gpumem_unmap, domid);
F(gpumem_unmap, flags);
S(gpumem_steal); F(gpumem_steal, gfn); F(gpumem_steal, nr_pages);
F(gpumem_steal, domid); F(gpumem_steal, flags);
F(gpumem_steal, offset);
S(gpumem_return); F(gpumem_return, offset); F(gpumem_return, domid);
F(gpumem_return, flags);
S(gpumem_revoke); F(gpumem_revoke, gfn); F(gpumem_revoke, nr_pages);
F(gpumem_revoke, domid); F(gpumem_revoke, flags);
S(xen_dm_op_gpumem_extent); F(xen_dm_op_gpumem_extent, frame);
F(xen_dm_op_gpumem_extent, gfn); F(xen_dm_op_gpumem_extent, nr_frames);
F(xen_dm_op_gpumem_extent, flags); F(xen_dm_op_gpumem_extent, status);
F(xen_dm_op_gpumem_extent, pad);
S(xen_dm_op_gpumem_batch); F(xen_dm_op_gpumem_batch, nr);
F(xen_dm_op_gpumem_batch, done); F(xen_dm_op_gpumem_batch, flags);
F(xen_dm_op_gpumem_batch, pad); F(xen_dm_op_gpumem_batch, instance);
S(xen_dm_op_gpumem_query); F(xen_dm_op_gpumem_query, version);
F(xen_dm_op_gpumem_query, ops); F(xen_dm_op_gpumem_query, max_extents);
F(xen_dm_op_gpumem_query, max_extent_frames);
F(xen_dm_op_gpumem_query, flags); F(xen_dm_op_gpumem_query, pad);
F(xen_dm_op_gpumem_query, instance);
S(xen_dm_op_gpumem); F(xen_dm_op_gpumem, op); F(xen_dm_op_gpumem, pad);
F(xen_dm_op_gpumem, u);
S(xen_gpumem_op); F(xen_gpumem_op, domid); F(xen_gpumem_op, op);
F(xen_gpumem_op, op_size); F(xen_gpumem_op, ext); F(xen_gpumem_op, ext_size);
S(xen_dm_op_gpumem_fault_range); F(xen_dm_op_gpumem_fault_range, id);
F(xen_dm_op_gpumem_fault_range, flags); F(xen_dm_op_gpumem_fault_range, pad);
F(xen_dm_op_gpumem_fault_range, first_gfn);
F(xen_dm_op_gpumem_fault_range, last_gfn);
F(xen_dm_op_gpumem_fault_range, instance);
S(gpumem_fault_enable); F(gpumem_fault_enable, gfn);
F(gpumem_fault_enable, nr_pages); F(gpumem_fault_enable, domid);
F(gpumem_fault_enable, flags); F(gpumem_fault_enable, max_pending);
F(gpumem_fault_enable, nr_vcpus);
S(gpumem_fault_record); F(gpumem_fault_record, seq);
F(gpumem_fault_record, gfn); F(gpumem_fault_record, access);
F(gpumem_fault_record, vcpu); F(gpumem_fault_record, attempt);
F(gpumem_fault_record, reason); F(gpumem_fault_record, region);
F(gpumem_fault_record, lost); F(gpumem_fault_record, pad);
S(gpumem_fault_complete); F(gpumem_fault_complete, seq);
F(gpumem_fault_complete, domid); F(gpumem_fault_complete, answer);
