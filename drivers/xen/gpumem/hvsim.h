/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hvsim: a simulated hypervisor that implements the gpumem dm_ops and
 * enforces their contract (include/xen/interface/gpumem.h).
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef _XEN_GPUMEM_HVSIM_H
#define _XEN_GPUMEM_HVSIM_H

#include <linux/types.h>

#include <xen/interface/xen.h>

struct dentry;
struct gpumem_hv;
struct hvsim;

/* The backend (calling) domain of every simulated hypercall. */
#define HVSIM_BACKEND_DOMID	0
/* Domains the simulator holds at once, the backend included. */
#define HVSIM_MAX_DOMAINS	8
/* vCPUs of every simulated frontend. */
#define HVSIM_NR_VCPUS		4
/* Extents per call it accepts. */
#define HVSIM_MAX_EXTENTS	512

/**
 * enum hvsim_p2m_type - what a GFN of a simulated domain holds
 * @HVSIM_P2M_HOLE: nothing (unpopulated).
 * @HVSIM_P2M_RAM: the domain's own RAM.
 * @HVSIM_P2M_MMIO: MMIO passed through to the domain.
 * @HVSIM_P2M_GRANT_MAP: another domain's page, mapped through a grant.
 * @HVSIM_P2M_FOREIGN: another domain's page, foreign-mapped.
 * @HVSIM_P2M_LENT: a backend frame lent by MAP, or a page left by STEAL.
 * @HVSIM_P2M_STOLEN: (backend only) landing GFN of a stolen page.
 */
enum hvsim_p2m_type {
	HVSIM_P2M_HOLE,
	HVSIM_P2M_RAM,
	HVSIM_P2M_MMIO,
	HVSIM_P2M_GRANT_MAP,
	HVSIM_P2M_FOREIGN,
	HVSIM_P2M_LENT,
	HVSIM_P2M_STOLEN,
	HVSIM_P2M_NR_TYPES
};

/**
 * struct hvsim_entry - one p2m entry
 * @frame: the machine frame (for simulated RAM: the Linux PFN).
 * @type: enum hvsim_p2m_type.
 * @flags: XEN_GPUMEM_EXT_* of a lent entry.
 */
struct hvsim_entry {
	u64 frame;
	u32 type;
	u32 flags;
};

/**
 * enum hvsim_frame_use - uses of a frontend page that forbid STEAL
 * @HVSIM_USE_GRANT: granted to another domain.
 * @HVSIM_USE_FOREIGN: foreign-mapped by another domain.
 * @HVSIM_USE_HYPERCALL: held by an in-flight hypercall.
 */
enum hvsim_frame_use {
	HVSIM_USE_GRANT,
	HVSIM_USE_FOREIGN,
	HVSIM_USE_HYPERCALL,
	HVSIM_NR_USES
};

/**
 * struct hvsim_frame_info - state of one machine frame
 * @owner: owning domain; DOMID_INVALID for frames the simulator does not
 *         own (backend RAM by identity, MMIO).
 * @stolen_from: frontend a stolen page came from, else DOMID_INVALID.
 * @lent: lent p2m entries referencing the frame (MAP's page references).
 * @uses: counts per enum hvsim_frame_use.
 */
struct hvsim_frame_info {
	domid_t owner;
	domid_t stolen_from;
	unsigned int lent;
	unsigned int uses[HVSIM_NR_USES];
};

/**
 * struct hvsim_domain_info - page accounting of one domain
 * @nr_gfns: size of its physmap (frontends; 0 for the backend).
 * @instance: what QUERY reports for it: unique to this domain (0 for the
 *            backend).
 * @tot_pages: pages it owns (backend: pages it stole and holds).
 * @max_pages: its limit.
 * @entries: p2m entries per enum hvsim_p2m_type.
 */
struct hvsim_domain_info {
	u64 nr_gfns;
	u64 instance;
	u64 tot_pages;
	u64 max_pages;
	u64 entries[HVSIM_P2M_NR_TYPES];
};

/**
 * struct hvsim_op_stats - counters of one op
 * @calls: hypercalls.
 * @extents: extents processed (the failed one included).
 * @frames: frames of the extents applied.
 * @failures: hypercalls that returned an error.
 * @ns: time spent inside the simulated hypervisor, so that benchmarks can
 *      tell the module's own cost from the simulation's.
 */
struct hvsim_op_stats {
	u64 calls;
	u64 extents;
	u64 frames;
	u64 failures;
	u64 ns;
};

/**
 * struct hvsim_fault_stats - what the fault servers saw
 * @raised: faults sent to a server.
 * @retried: faults of an access a server had answered RETRY before.
 * @emulated: accesses a server answered EMULATE.
 * @crashed: accesses a server answered CRASH.
 * @bounded: accesses answered EMULATE after XEN_GPUMEM_FAULT_MAX_TRIES.
 * @timeouts: faults no answer came for.
 */
struct hvsim_fault_stats {
	u64 raised;
	u64 retried;
	u64 emulated;
	u64 crashed;
	u64 bounded;
	u64 timeouts;
};

struct hvsim *hvsim_create(u64 backend_max_pages);
void hvsim_destroy(struct hvsim *sim);
struct gpumem_hv *hvsim_hv(struct hvsim *sim);
struct hvsim *hvsim_from_hv(struct gpumem_hv *hv);
void hvsim_debugfs_init(struct hvsim *sim, struct dentry *parent);
void hvsim_debugfs_fini(struct hvsim *sim);

/* Configuration of the simulated machine. */
int hvsim_domain_create(struct hvsim *sim, domid_t domid, u64 nr_gfns,
			u64 nr_ram, u64 max_pages);
int hvsim_domain_destroy(struct hvsim *sim, domid_t domid);
int hvsim_iomem_permit(struct hvsim *sim, u64 first, u64 nr);
void hvsim_set_ops(struct hvsim *sim, u32 ops);
void hvsim_set_max_extent_frames(struct hvsim *sim, u32 frames);
int hvsim_set_max_pages(struct hvsim *sim, domid_t domid, u64 max_pages);
int hvsim_set_entry(struct hvsim *sim, domid_t domid, u64 gfn, u32 type,
		    u64 frame);
int hvsim_frame_use(struct hvsim *sim, domid_t domid, u64 gfn,
		    enum hvsim_frame_use use, int delta);

/* What the frontend sees. */
int hvsim_frontend_access(struct hvsim *sim, domid_t domid, u64 gfn,
			  unsigned int offset, void *buf, size_t len,
			  bool write);
int hvsim_frontend_vcpu_access(struct hvsim *sim, domid_t domid,
			       unsigned int vcpu, u64 gfn,
			       unsigned int offset, void *buf, size_t len,
			       bool write);
int hvsim_frontend_vcpu_inc(struct hvsim *sim, domid_t domid,
			    unsigned int vcpu, u64 gfn, unsigned int offset);
bool hvsim_fault_claimed(struct hvsim *sim, domid_t domid, u64 gfn);
void hvsim_fault_stats(struct hvsim *sim, struct hvsim_fault_stats *out);

/* State, for tests and debugfs. */
int hvsim_lookup(struct hvsim *sim, domid_t domid, u64 gfn,
		 struct hvsim_entry *out);
int hvsim_domain_info(struct hvsim *sim, domid_t domid,
		      struct hvsim_domain_info *out);
void hvsim_frame_info(struct hvsim *sim, u64 frame,
		      struct hvsim_frame_info *out);
void hvsim_op_stats(struct hvsim *sim, unsigned int op,
		    struct hvsim_op_stats *out);
u64 hvsim_faults(struct hvsim *sim);
u64 hvsim_slots_in_use(struct hvsim *sim);

#endif /* _XEN_GPUMEM_HVSIM_H */
