// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: hvsim enforces every rule of the gpumem hypercall contract.
 *
 * After each step the tests read the simulated hypervisor's state: p2m
 * entries, frame owners and references, page counts and op counters.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "../gpumem-priv.h"
#include "../hvsim.h"

#define FE		1	/* the frontend */
#define FE2		2	/* a second frontend, for cross-domain cases */
#define FE_GFNS		1024
#define FE_RAM		64	/* GFNs [0, 64) are its own RAM */
#define FE_MAX		128
#define BE_MAX		8	/* stolen pages the backend may hold */
#define BE_PAGES	4	/* contiguous backend RAM pages per test */
#define LANDING		0x100000000ull	/* backend GFNs without RAM */
#define MMIO_MFN	0xfe000ull	/* below 4 GiB, not RAM under QEMU */

struct hv_fixture {
	struct hvsim *sim;
	struct gpumem_hv *hv;
	struct page *be;
	u64 be_pfn;
	u32 hv_ops;		/* what hvsim_set_ops() last gave, all at first */
	unsigned int refused;
	domid_t refused_domid;
	u64 refused_gfn;
	int refused_rc;
};

static int hv_test_init(struct kunit *test)
{
	struct hv_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->sim = hvsim_create(BE_MAX);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->sim));
	fx->hv = hvsim_hv(fx->sim);
	fx->hv_ops = ~0u;
	KUNIT_ASSERT_EQ(test, hvsim_domain_create(fx->sim, FE, FE_GFNS, FE_RAM,
						  FE_MAX), 0);
	fx->be = alloc_pages(GFP_KERNEL | __GFP_ZERO, ilog2(BE_PAGES));
	KUNIT_ASSERT_NOT_NULL(test, fx->be);
	fx->be_pfn = page_to_pfn(fx->be);
	test->priv = fx;
	return 0;
}

static void hv_test_exit(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;

	hvsim_destroy(fx->sim);
	__free_pages(fx->be, ilog2(BE_PAGES));
}

static struct xen_dm_op_gpumem_extent ext(u64 frame, u64 gfn, u32 nr,
					  u32 flags)
{
	return (struct xen_dm_op_gpumem_extent){
		.frame = frame, .gfn = gfn, .nr_frames = nr, .flags = flags,
	};
}

/* What QUERY reports as @domid's instance now; 0 for no such domain. */
static u64 inst(struct kunit *test, domid_t domid)
{
	struct hv_fixture *fx = test->priv;
	struct hvsim_domain_info info;

	return hvsim_domain_info(fx->sim, domid, &info) ? 0 : info.instance;
}

/* One single-extent call; returns the extent's status after checking rc. */
static int one(struct kunit *test, domid_t domid, unsigned int op, u64 frame,
	       u64 gfn, u32 nr, u32 flags)
{
	struct hv_fixture *fx = test->priv;
	struct xen_dm_op_gpumem_extent e = ext(frame, gfn, nr, flags);
	unsigned int done = 99;
	int rc;

	e.status = 12345;
	rc = fx->hv->ops->batch(fx->hv, domid, inst(test, domid), op, &e, 1,
				&done);
	KUNIT_EXPECT_EQ(test, done, rc ? 0u : 1u);
	/*
	 * A call refused as a whole (op missing, domain gone) leaves the
	 * extent's status alone, as dm_op does; -EPERM is either, and so is
	 * -EOPNOTSUPP (an op missing, or cacheable MMIO in the extent).
	 */
	if (rc == -ESRCH ||
	    (rc == -EOPNOTSUPP && !(fx->hv_ops & XEN_GPUMEM_OP_BIT(op))))
		KUNIT_EXPECT_EQ(test, e.status, 12345);
	else if (rc != -EPERM)
		KUNIT_EXPECT_EQ(test, e.status, rc);
	return rc;
}

static struct hvsim_entry entry(struct kunit *test, domid_t domid, u64 gfn)
{
	struct hv_fixture *fx = test->priv;
	struct hvsim_entry e;

	KUNIT_ASSERT_EQ(test, hvsim_lookup(fx->sim, domid, gfn, &e), 0);
	return e;
}

static struct hvsim_domain_info dom(struct kunit *test, domid_t domid)
{
	struct hv_fixture *fx = test->priv;
	struct hvsim_domain_info info;

	KUNIT_ASSERT_EQ(test, hvsim_domain_info(fx->sim, domid, &info), 0);
	return info;
}

static struct hvsim_frame_info frame(struct kunit *test, u64 mfn)
{
	struct hv_fixture *fx = test->priv;
	struct hvsim_frame_info info;

	hvsim_frame_info(fx->sim, mfn, &info);
	return info;
}

static struct hvsim_op_stats stats(struct kunit *test, unsigned int op)
{
	struct hv_fixture *fx = test->priv;
	struct hvsim_op_stats st;

	hvsim_op_stats(fx->sim, op, &st);
	return st;
}

/* The frontend's p2m holds exactly its RAM and @lent lent entries. */
static void expect_fe(struct kunit *test, u64 ram, u64 lent, u64 tot)
{
	struct hvsim_domain_info d = dom(test, FE);

	KUNIT_EXPECT_EQ(test, d.entries[HVSIM_P2M_RAM], ram);
	KUNIT_EXPECT_EQ(test, d.entries[HVSIM_P2M_LENT], lent);
	KUNIT_EXPECT_EQ(test, d.tot_pages, tot);
}

static void hv_domain_created(struct kunit *test)
{
	struct hvsim_domain_info d = dom(test, FE);
	struct hvsim_entry e = entry(test, FE, FE_RAM - 1);

	KUNIT_EXPECT_EQ(test, d.nr_gfns, FE_GFNS);
	KUNIT_EXPECT_EQ(test, d.max_pages, FE_MAX);
	KUNIT_EXPECT_EQ(test, d.entries[HVSIM_P2M_HOLE], FE_GFNS - FE_RAM);
	expect_fe(test, FE_RAM, 0, FE_RAM);
	KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_RAM);
	KUNIT_EXPECT_EQ(test, frame(test, e.frame).owner, FE);
	KUNIT_EXPECT_EQ(test, entry(test, FE, FE_RAM).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 0);
	KUNIT_EXPECT_EQ(test, hvsim_domain_create(((struct hv_fixture *)test->priv)->sim,
						  FE, 8, 0, 8), -EEXIST);
}

static void hv_map_ram(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	u32 wc = XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WC);
	struct hvsim_op_stats st;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, BE_PAGES, wc), 0);
	for (i = 0; i < BE_PAGES; i++) {
		struct hvsim_entry e = entry(test, FE, 100 + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame, fx->be_pfn + i);
		KUNIT_EXPECT_EQ(test, e.flags, wc);
		KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn + i).lent, 1);
	}
	KUNIT_EXPECT_EQ(test, entry(test, FE, 99).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100 + BE_PAGES).type,
			HVSIM_P2M_HOLE);
	expect_fe(test, FE_RAM, BE_PAGES, FE_RAM);
	st = stats(test, XEN_DMOP_gpumem_map);
	KUNIT_EXPECT_EQ(test, st.calls, 1);
	KUNIT_EXPECT_EQ(test, st.extents, 1);
	KUNIT_EXPECT_EQ(test, st.frames, BE_PAGES);
	KUNIT_EXPECT_EQ(test, st.failures, 0);
}

static void hv_map_counts_references(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 1, 0), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  200, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 2);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 100, 1,
				  0), 0);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 1);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 200).frame, fx->be_pfn);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 200, 1,
				  0), 0);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 0);
	expect_fe(test, FE_RAM, 0, FE_RAM);
}

/* A conflict on the last frame undoes the first ones: extents are atomic. */
static void hv_map_occupied_is_atomic(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map,
				  fx->be_pfn + 3, 103, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, BE_PAGES, 0), -EEXIST);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, entry(test, FE, 100 + i).type,
				HVSIM_P2M_HOLE);
		KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn + i).lent, 0);
	}
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn + 3).lent, 1);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn, 0,
				  1, 0), -EEXIST);
	expect_fe(test, FE_RAM, 1, FE_RAM);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).failures, 2);
}

static void hv_batch_stops_at_failure(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[3] = {
		ext(fx->be_pfn, 300, 1, 0),
		ext(fx->be_pfn + 1, 5, 1, 0),	/* own RAM: occupied */
		ext(fx->be_pfn + 2, 302, 1, 0),
	};
	unsigned int done;

	e[2].status = 777;
	KUNIT_EXPECT_EQ(test, fx->hv->ops->batch(fx->hv, FE, inst(test, FE), XEN_DMOP_gpumem_map,
						 e, 3, &done), -EEXIST);
	KUNIT_EXPECT_EQ(test, done, 1);
	KUNIT_EXPECT_EQ(test, e[0].status, 0);
	KUNIT_EXPECT_EQ(test, e[1].status, -EEXIST);
	KUNIT_EXPECT_EQ(test, e[2].status, 777);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 300).type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 302).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn + 2).lent, 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).extents, 2);
}

static void hv_map_frontend_page_refused(struct kunit *test)
{
	u64 fe_frame = entry(test, FE, 3).frame;

	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fe_frame, 100,
				  1, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, frame(test, fe_frame).lent, 0);
	KUNIT_EXPECT_EQ(test, frame(test, fe_frame).owner, FE);
	expect_fe(test, FE_RAM, 0, FE_RAM);
}

static void hv_map_mmio(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	u32 uc = XEN_GPUMEM_EXT_MMIO | XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_UC);
	u8 byte;

	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, MMIO_MFN, 100,
				  2, uc), -EPERM);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).type, HVSIM_P2M_HOLE);
	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(fx->sim, MMIO_MFN, 1), 0);
	/* Cacheable MMIO is refused, however permitted. */
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, MMIO_MFN, 100,
				  1, XEN_GPUMEM_EXT_MMIO), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).type, HVSIM_P2M_HOLE);
	/* The second frame is outside the permitted range. */
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, MMIO_MFN, 100,
				  2, uc), -EPERM);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).type, HVSIM_P2M_HOLE);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, MMIO_MFN, 100,
				  1, uc), 0);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).frame, MMIO_MFN);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).flags, uc);
	/* MMIO has no page to reference. */
	KUNIT_EXPECT_EQ(test, frame(test, MMIO_MFN).lent, 0);
	KUNIT_EXPECT_EQ(test, hvsim_frontend_access(fx->sim, FE, 100, 0, &byte,
						    1, false), -EIO);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 100, 1,
				  0), 0);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).type, HVSIM_P2M_HOLE);
}

static void hv_map_mmio_flag_on_ram(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;

	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(fx->sim, fx->be_pfn, 1), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 1, XEN_GPUMEM_EXT_MMIO |
				  XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_UC)),
			-EINVAL);
	/* And RAM flags on a frame that is not backend RAM. */
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, MMIO_MFN, 100,
				  1, 0), -EPERM);
	expect_fe(test, FE_RAM, 0, FE_RAM);
}

struct bad_extent {
	const char *name;
	u64 frame;	/* 0: the backend page */
	u64 gfn;
	u32 nr;
	u32 flags;
	u32 pad;
};

static const struct bad_extent bad_extents[] = {
	{ "zero frames", 0, 100, 0, 0, 0 },
	{ "too many frames", 0, 100, XEN_GPUMEM_MAX_EXTENT_FRAMES + 1, 0, 0 },
	{ "pad", 0, 100, 1, 0, 1 },
	{ "unknown flag", 0, 100, 1, 1u << 4, 0 },
	{ "reserved cacheability", 0, 100, 1, XEN_GPUMEM_EXT_CACHE(3), 0 },
	{ "past the physmap", 0, FE_GFNS - 2, 4, 0, 0 },
	{ "gfn overflow", 0, U64_MAX, 2, 0, 0 },
	{ "frame overflow", U64_MAX, 100, 2, 0, 0 },
};

static void bad_extent_desc(const struct bad_extent *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_extent, bad_extents, bad_extent_desc);

static void hv_map_bad_extent(struct kunit *test)
{
	const struct bad_extent *b = test->param_value;
	struct hv_fixture *fx = test->priv;
	struct xen_dm_op_gpumem_extent e = ext(b->frame ?: fx->be_pfn, b->gfn,
					       b->nr, b->flags);
	unsigned int done;

	e.pad = b->pad;
	KUNIT_EXPECT_EQ(test, fx->hv->ops->batch(fx->hv, FE, inst(test, FE), XEN_DMOP_gpumem_map,
						 &e, 1, &done), -EINVAL);
	KUNIT_EXPECT_EQ(test, e.status, -EINVAL);
	KUNIT_EXPECT_EQ(test, done, 0);
	expect_fe(test, FE_RAM, 0, FE_RAM);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 0);
}

static void hv_revoke(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	struct hvsim_op_stats st;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, BE_PAGES, 0), 0);
	/* Revoke the middle two only. */
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 101, 2,
				  0), 0);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 101).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 102).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 103).type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn + 1).lent, 0);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn + 3).lent, 1);
	expect_fe(test, FE_RAM, 2, FE_RAM);
	st = stats(test, XEN_DMOP_gpumem_revoke);
	KUNIT_EXPECT_EQ(test, st.calls, 1);
	KUNIT_EXPECT_EQ(test, st.frames, 2);
}

static void hv_revoke_idempotent(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 98, 8,
				  0), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 98, 8,
				  0), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 500,
				  XEN_GPUMEM_MAX_EXTENT_FRAMES, 0), 0);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 0);
	expect_fe(test, FE_RAM, 0, FE_RAM);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).failures, 0);
}

/* Revoke never touches what the backend did not lend. */
static void hv_revoke_refuses_other_entries(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	u64 ram_frame = entry(test, FE, 7).frame;

	KUNIT_ASSERT_EQ(test, hvsim_set_entry(fx->sim, FE, 400, HVSIM_P2M_MMIO,
					      MMIO_MFN), 0);
	KUNIT_ASSERT_EQ(test, hvsim_set_entry(fx->sim, FE, 401,
					      HVSIM_P2M_GRANT_MAP, 0x1234), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 7, 1, 0),
			-EPERM);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 399, 2,
				  0), -EPERM);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 401, 1,
				  0), -EPERM);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 7).type, HVSIM_P2M_RAM);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 7).frame, ram_frame);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 400).type, HVSIM_P2M_MMIO);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 401).type, HVSIM_P2M_GRANT_MAP);
	KUNIT_EXPECT_EQ(test, dom(test, FE).tot_pages, FE_RAM);
}

static void hv_revoke_bad_extent(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 1, 100, 1,
				  0), -EINVAL);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 100, 1,
				  XEN_GPUMEM_EXT_RO), -EINVAL);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 1);
}

static void fill(struct page *page, u8 val)
{
	void *va = kmap_local_page(page);

	memset(va, val, PAGE_SIZE);
	kunmap_local(va);
}

static u8 peek(struct page *page, unsigned int off)
{
	u8 *va = kmap_local_page(page);
	u8 v = va[off];

	kunmap_local(va);
	return v;
}

static void hv_frontend_reads_and_faults(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	u8 buf[8], ones[8];

	fill(fx->be, 0x5a);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 1, XEN_GPUMEM_EXT_RO), 0);
	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->sim, FE, 100, 16, buf,
						    sizeof(buf), false), 0);
	memset(ones, 0x5a, sizeof(ones));
	KUNIT_EXPECT_MEMEQ(test, buf, ones, sizeof(buf));
	memset(buf, 0xa5, sizeof(buf));
	KUNIT_EXPECT_EQ(test, hvsim_frontend_access(fx->sim, FE, 100, 16, buf,
						    sizeof(buf), true), -EACCES);
	KUNIT_EXPECT_EQ(test, peek(fx->be, 16), 0x5a);
	KUNIT_EXPECT_EQ(test, hvsim_faults(fx->sim), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 100, 1,
				  0), 0);
	KUNIT_EXPECT_EQ(test, hvsim_frontend_access(fx->sim, FE, 100, 16, buf,
						    sizeof(buf), false), -EFAULT);
	KUNIT_EXPECT_EQ(test, hvsim_faults(fx->sim), 1);
}

static void hv_frontend_writes_reach_backend(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	u8 buf[4] = { 1, 2, 3, 4 };

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 2, 0), 0);
	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->sim, FE, 101, 100, buf,
						    sizeof(buf), true), 0);
	KUNIT_EXPECT_EQ(test, peek(fx->be + 1, 100), 1);
	KUNIT_EXPECT_EQ(test, peek(fx->be + 1, 103), 4);
	KUNIT_EXPECT_EQ(test, peek(fx->be, 100), 0);
}

static void hv_steal(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	struct hvsim_entry before = entry(test, FE, 10), after, landing;
	struct hvsim_frame_info fi;
	u8 buf[4] = { 0xde, 0xad, 0xbe, 0xef }, out[4];

	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->sim, FE, 10, 64, buf,
						    sizeof(buf), true), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 10,
				  1, 0), 0);
	after = entry(test, FE, 10);
	KUNIT_EXPECT_EQ(test, after.type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, after.frame, before.frame);
	KUNIT_EXPECT_EQ(test, after.flags, 0);
	landing = entry(test, HVSIM_BACKEND_DOMID, LANDING);
	KUNIT_EXPECT_EQ(test, landing.type, HVSIM_P2M_STOLEN);
	KUNIT_EXPECT_EQ(test, landing.frame, before.frame);
	fi = frame(test, before.frame);
	KUNIT_EXPECT_EQ(test, fi.owner, HVSIM_BACKEND_DOMID);
	KUNIT_EXPECT_EQ(test, fi.stolen_from, FE);
	KUNIT_EXPECT_EQ(test, fi.lent, 1);
	/* Quota moved. */
	expect_fe(test, FE_RAM - 1, 1, FE_RAM - 1);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 1);
	/* Contents preserved, seen by both sides. */
	KUNIT_EXPECT_EQ(test, peek(pfn_to_page(landing.frame), 64), 0xde);
	KUNIT_EXPECT_EQ(test, peek(pfn_to_page(landing.frame), 67), 0xef);
	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->sim, FE, 10, 64, out,
						    sizeof(out), false), 0);
	KUNIT_EXPECT_MEMEQ(test, out, buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_steal).frames, 1);
}

struct steal_refusal {
	const char *name;
	int (*setup)(struct kunit *test, u64 gfn);
	u64 gfn;
	int err;
};

static int setup_nothing(struct kunit *test, u64 gfn)
{
	return 0;
}

static int setup_mmio(struct kunit *test, u64 gfn)
{
	struct hv_fixture *fx = test->priv;

	return hvsim_set_entry(fx->sim, FE, gfn, HVSIM_P2M_MMIO, MMIO_MFN);
}

static int setup_grant_map(struct kunit *test, u64 gfn)
{
	struct hv_fixture *fx = test->priv;

	return hvsim_set_entry(fx->sim, FE, gfn, HVSIM_P2M_GRANT_MAP, 0x1234);
}

static int setup_foreign_entry(struct kunit *test, u64 gfn)
{
	struct hv_fixture *fx = test->priv;

	return hvsim_set_entry(fx->sim, FE, gfn, HVSIM_P2M_FOREIGN, 0x1234);
}

static int setup_lent(struct kunit *test, u64 gfn)
{
	struct hv_fixture *fx = test->priv;

	return one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn, gfn, 1, 0);
}

static int setup_granted(struct kunit *test, u64 gfn)
{
	struct hv_fixture *fx = test->priv;

	return hvsim_frame_use(fx->sim, FE, gfn, HVSIM_USE_GRANT, 1);
}

static int setup_foreign_mapped(struct kunit *test, u64 gfn)
{
	struct hv_fixture *fx = test->priv;

	return hvsim_frame_use(fx->sim, FE, gfn, HVSIM_USE_FOREIGN, 1);
}

static int setup_in_hypercall(struct kunit *test, u64 gfn)
{
	struct hv_fixture *fx = test->priv;

	return hvsim_frame_use(fx->sim, FE, gfn, HVSIM_USE_HYPERCALL, 1);
}

static int setup_landing_taken(struct kunit *test, u64 gfn)
{
	return one(test, FE, XEN_DMOP_gpumem_steal, LANDING, gfn + 1, 1, 0);
}

static const struct steal_refusal steal_refusals[] = {
	{ "unpopulated", setup_nothing, 500, -ENOENT },
	{ "mmio", setup_mmio, 501, -ENXIO },
	{ "grant-mapped from another domain", setup_grant_map, 502, -EXDEV },
	{ "foreign entry", setup_foreign_entry, 503, -EXDEV },
	{ "lent by the backend", setup_lent, 504, -EXDEV },
	{ "granted to another domain", setup_granted, 5, -EACCES },
	{ "foreign-mapped by another domain", setup_foreign_mapped, 6, -EMLINK },
	{ "in a hypercall", setup_in_hypercall, 7, -EBUSY },
	{ "landing slot in use", setup_landing_taken, 8, -EEXIST },
};

static void steal_refusal_desc(const struct steal_refusal *r, char *desc)
{
	strscpy(desc, r->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(steal_refusal, steal_refusals, steal_refusal_desc);

static void hv_steal_refused(struct kunit *test)
{
	const struct steal_refusal *r = test->param_value;
	struct hvsim_domain_info fe_before, be_before;
	struct hvsim_entry before;

	KUNIT_ASSERT_EQ(test, r->setup(test, r->gfn), 0);
	fe_before = dom(test, FE);
	be_before = dom(test, HVSIM_BACKEND_DOMID);
	before = entry(test, FE, r->gfn);

	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING,
				  r->gfn, 1, 0), r->err);
	KUNIT_EXPECT_EQ(test, entry(test, FE, r->gfn).type, before.type);
	KUNIT_EXPECT_EQ(test, entry(test, FE, r->gfn).frame, before.frame);
	KUNIT_EXPECT_EQ(test, dom(test, FE).tot_pages, fe_before.tot_pages);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages,
			be_before.tot_pages);
	if (before.type == HVSIM_P2M_RAM)
		KUNIT_EXPECT_EQ(test, frame(test, before.frame).owner, FE);
}

static void hv_steal_quota(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < BE_MAX; i++)
		KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal,
					  LANDING + i, 20 + i, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal,
				  LANDING + BE_MAX, 20 + BE_MAX, 1, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 20 + BE_MAX).type, HVSIM_P2M_RAM);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, BE_MAX);
	expect_fe(test, FE_RAM - BE_MAX, BE_MAX, FE_RAM - BE_MAX);
}

static void hv_steal_extent_is_atomic(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, hvsim_frame_use(fx->sim, FE, 22, HVSIM_USE_GRANT,
					      1), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 20,
				  4, 0), -EACCES);
	for (i = 0; i < 4; i++) {
		struct hvsim_entry e = entry(test, FE, 20 + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_RAM);
		KUNIT_EXPECT_EQ(test, frame(test, e.frame).owner, FE);
		KUNIT_EXPECT_EQ(test, entry(test, HVSIM_BACKEND_DOMID,
					    LANDING + i).type, HVSIM_P2M_HOLE);
	}
	/* Ending the grant makes the same request succeed. */
	KUNIT_ASSERT_EQ(test, hvsim_frame_use(fx->sim, FE, 22, HVSIM_USE_GRANT,
					      -1), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 20,
				  4, 0), 0);
	expect_fe(test, FE_RAM - 4, 4, FE_RAM - 4);
}

static void hv_steal_partial_batch(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[2] = {
		ext(LANDING, 30, 2, 0),
		ext(LANDING + 2, 600, 1, 0),	/* unpopulated */
	};
	unsigned int done;

	KUNIT_EXPECT_EQ(test, fx->hv->ops->batch(fx->hv, FE, inst(test, FE),
						 XEN_DMOP_gpumem_steal, e, 2,
						 &done), -ENOENT);
	KUNIT_EXPECT_EQ(test, done, 1);
	KUNIT_EXPECT_EQ(test, e[1].status, -ENOENT);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 30).type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 31).type, HVSIM_P2M_LENT);
	KUNIT_EXPECT_EQ(test, entry(test, HVSIM_BACKEND_DOMID, LANDING + 2).type,
			HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 2);
}

/* A stolen page behaves as if MAPped: revoke, then map it elsewhere. */
static void hv_stolen_revoke_and_remap(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	u64 pfn = entry(test, FE, 11).frame;
	u8 v = 0x77, out = 0;

	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->sim, FE, 11, 0, &v, 1,
						    true), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 11,
				  1, 0), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 11, 1,
				  0), 0);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 11).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, frame(test, pfn).lent, 0);
	KUNIT_EXPECT_EQ(test, frame(test, pfn).owner, HVSIM_BACKEND_DOMID);
	/* The backend names it by its landing GFN, not by the frame. */
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, pfn, 300, 1,
				  0), -EPERM);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, LANDING, 300,
				  1, 0), 0);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 300).frame, pfn);
	KUNIT_EXPECT_EQ(test, frame(test, pfn).lent, 1);
	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->sim, FE, 300, 0, &out,
						    1, false), 0);
	KUNIT_EXPECT_EQ(test, out, 0x77);
}

static void hv_return(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	u64 pfn = entry(test, FE, 12).frame;
	struct hvsim_frame_info fi;
	u8 out = 0;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 12,
				  1, 0), 0);
	fill(pfn_to_page(pfn), 0x3c);	/* the backend writes */
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING, 12,
				  1, 0), 0);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 12).type, HVSIM_P2M_RAM);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 12).frame, pfn);
	KUNIT_EXPECT_EQ(test, entry(test, HVSIM_BACKEND_DOMID, LANDING).type,
			HVSIM_P2M_HOLE);
	fi = frame(test, pfn);
	KUNIT_EXPECT_EQ(test, fi.owner, FE);
	KUNIT_EXPECT_EQ(test, fi.stolen_from, DOMID_INVALID);
	KUNIT_EXPECT_EQ(test, fi.lent, 0);
	expect_fe(test, FE_RAM, 0, FE_RAM);
	KUNIT_EXPECT_EQ(test, dom(test, HVSIM_BACKEND_DOMID).tot_pages, 0);
	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->sim, FE, 12, 9, &out, 1,
						    false), 0);
	KUNIT_EXPECT_EQ(test, out, 0x3c);
	/* It is the frontend's own RAM again, so it can be stolen again. */
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 12,
				  1, 0), 0);
}

static void hv_return_to_another_gfn(struct kunit *test)
{
	u64 pfn = entry(test, FE, 13).frame;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 13,
				  1, 0), 0);
	/* Still lent at 13: it may only go back there, or to a hole once revoked. */
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING,
				  400, 1, 0), -EBUSY);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 13, 1,
				  0), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING,
				  400, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 400).type, HVSIM_P2M_RAM);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 400).frame, pfn);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 13).type, HVSIM_P2M_HOLE);
	expect_fe(test, FE_RAM, 0, FE_RAM);
}

static void hv_return_refused(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 15,
				  1, 0), 0);
	/* Not a landing GFN of a stolen page. */
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING + 5,
				  15, 1, 0), -EPERM);
	/* Frontend GFN holds its own RAM. */
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING, 14,
				  1, 0), -EEXIST);
	/* Also lent at a second GFN. */
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, LANDING, 301,
				  1, 0), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING, 15,
				  1, 0), -EBUSY);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 301, 1,
				  0), 0);
	/* The frontend's limit. */
	KUNIT_ASSERT_EQ(test, hvsim_set_max_pages(fx->sim, FE, FE_RAM - 1), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING, 15,
				  1, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, entry(test, HVSIM_BACKEND_DOMID, LANDING).type,
			HVSIM_P2M_STOLEN);
	expect_fe(test, FE_RAM - 1, 1, FE_RAM - 1);
	KUNIT_ASSERT_EQ(test, hvsim_set_max_pages(fx->sim, FE, FE_MAX), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING, 15,
				  1, 0), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_return).failures, 4);
}

static void hv_return_to_wrong_domain(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;

	KUNIT_ASSERT_EQ(test, hvsim_domain_create(fx->sim, FE2, 64, 4, 64), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE2, XEN_DMOP_gpumem_steal, LANDING, 0,
				  1, 0), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE2, XEN_DMOP_gpumem_revoke, 0, 0, 1,
				  0), 0);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING,
				  500, 1, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 500).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, dom(test, FE2).tot_pages, 3);
	KUNIT_EXPECT_EQ(test, one(test, FE2, XEN_DMOP_gpumem_return, LANDING, 0,
				  1, 0), 0);
	KUNIT_EXPECT_EQ(test, dom(test, FE2).tot_pages, 4);
}

static void hv_domain_death(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	u64 stolen = entry(test, FE, 16).frame, old = inst(test, FE);
	struct hvsim_frame_info fi;
	unsigned int op;

	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 2, 0), 0);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_steal, LANDING, 16,
				  1, 0), 0);
	KUNIT_ASSERT_EQ(test, hvsim_domain_destroy(fx->sim, FE), 0);

	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 0);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn + 1).lent, 0);
	fi = frame(test, stolen);
	KUNIT_EXPECT_EQ(test, fi.owner, HVSIM_BACKEND_DOMID);
	KUNIT_EXPECT_EQ(test, fi.stolen_from, DOMID_INVALID);
	KUNIT_EXPECT_EQ(test, fi.lent, 0);
	KUNIT_EXPECT_EQ(test, entry(test, HVSIM_BACKEND_DOMID, LANDING).type,
			HVSIM_P2M_STOLEN);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 100, 2,
				  0), -ESRCH);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING, 16,
				  1, 0), -ESRCH);
	KUNIT_EXPECT_EQ(test, hvsim_domain_destroy(fx->sim, FE), -ESRCH);
	/* A new domain reusing the domid cannot claim the old one's page. */
	KUNIT_ASSERT_EQ(test, hvsim_domain_create(fx->sim, FE, 64, 0, 64), 0);
	KUNIT_EXPECT_NE(test, inst(test, FE), old);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_return, LANDING, 16,
				  1, 0), -EPERM);
	/* Ops naming the old domain's instance never reach the new one. */
	for (op = XEN_DMOP_gpumem_map; op <= XEN_DMOP_gpumem_return; op++) {
		struct xen_dm_op_gpumem_extent e = ext(op == XEN_DMOP_gpumem_map ?
						       fx->be_pfn : 0, 10, 1, 0);
		unsigned int done = 99;

		e.status = 12345;
		KUNIT_EXPECT_EQ(test, fx->hv->ops->batch(fx->hv, FE, old, op, &e,
							 1, &done), -ESRCH);
		KUNIT_EXPECT_EQ(test, done, 0);
		KUNIT_EXPECT_EQ(test, e.status, 12345);
	}
	KUNIT_EXPECT_EQ(test, entry(test, FE, 10).type, HVSIM_P2M_HOLE);
}

static void hv_query(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	struct xen_dm_op_gpumem_query q;

	KUNIT_ASSERT_EQ(test, fx->hv->ops->query(fx->hv, FE, &q), 0);
	KUNIT_EXPECT_EQ(test, q.version, XEN_GPUMEM_INTERFACE_VERSION);
	KUNIT_EXPECT_EQ(test, q.ops, 0x3f);
	KUNIT_EXPECT_EQ(test, q.max_extents, HVSIM_MAX_EXTENTS);
	KUNIT_EXPECT_EQ(test, q.max_extent_frames, XEN_GPUMEM_MAX_EXTENT_FRAMES);
	KUNIT_EXPECT_EQ(test, fx->hv->ops->query(fx->hv, 9, &q), -ESRCH);
	KUNIT_EXPECT_EQ(test, fx->hv->ops->query(fx->hv, HVSIM_BACKEND_DOMID,
						 &q), -EPERM);
	hvsim_set_ops(fx->sim, 0);
	KUNIT_EXPECT_EQ(test, fx->hv->ops->query(fx->hv, FE, &q), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_query).calls, 4);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_query).failures, 3);
}

static void hv_unimplemented_op(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;

	fx->hv_ops = XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_query) |
		     XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_revoke);
	hvsim_set_ops(fx->sim, fx->hv_ops);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 1, 0), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 100).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, one(test, FE, XEN_DMOP_gpumem_revoke, 0, 100, 1,
				  0), 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).failures, 1);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).extents, 0);
}

static void hv_too_many_extents(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	unsigned int nr = HVSIM_MAX_EXTENTS + 1, done, i;
	struct xen_dm_op_gpumem_extent *e;

	e = kunit_kcalloc(test, nr, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	for (i = 0; i < nr; i++)
		e[i] = ext(0, 100 + i, 1, 0);
	KUNIT_EXPECT_EQ(test, fx->hv->ops->batch(fx->hv, FE, inst(test, FE),
						 XEN_DMOP_gpumem_revoke, e, nr,
						 &done), -E2BIG);
	KUNIT_EXPECT_EQ(test, done, 0);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).extents, 0);
	/* Through the seam helper, the same batch is split and succeeds. */
	KUNIT_EXPECT_EQ(test, gpumem_hv_batch(fx->hv, FE, inst(test, FE), XEN_DMOP_gpumem_revoke,
					      e, nr, HVSIM_MAX_EXTENTS, &done), 0);
	KUNIT_EXPECT_EQ(test, done, nr);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).calls, 3);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_revoke).extents, nr);
}

static void hv_batch_chunks_report_global_progress(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[10];
	unsigned int done, i;

	for (i = 0; i < ARRAY_SIZE(e); i++)
		e[i] = ext(fx->be_pfn, 100 + i, 1, 0);
	e[7].gfn = 3;	/* own RAM */
	KUNIT_EXPECT_EQ(test, gpumem_hv_batch(fx->hv, FE, inst(test, FE), XEN_DMOP_gpumem_map,
					      e, ARRAY_SIZE(e), 3, &done),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, done, 7);
	KUNIT_EXPECT_EQ(test, e[7].status, -EEXIST);
	KUNIT_EXPECT_EQ(test, stats(test, XEN_DMOP_gpumem_map).calls, 3);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 7);
	expect_fe(test, FE_RAM, 7, FE_RAM);
	KUNIT_EXPECT_EQ(test, gpumem_hv_batch(fx->hv, FE, inst(test, FE), XEN_DMOP_gpumem_revoke,
					      (struct xen_dm_op_gpumem_extent[]){
						      ext(0, 100, 7, 0) }, 1, 3,
					      &done), 0);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 0);
}

static void hv_record_refusal(domid_t domid,
			      const struct xen_dm_op_gpumem_extent *e, int rc)
{
	struct kunit *test = kunit_get_current_test();
	struct hv_fixture *fx = test->priv;

	fx->refused++;
	fx->refused_domid = domid;
	fx->refused_gfn = e->gfn;
	fx->refused_rc = rc;
}

static void hv_refused_revoke_is_fatal(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	struct xen_dm_op_gpumem_extent e[2] = {
		ext(0, 100, 1, 0), ext(0, 9, 1, 0),	/* 9: own RAM */
	};

	kunit_activate_static_stub(test, gpumem_revoke_refused,
				   hv_record_refusal);
	gpumem_hv_revoke(fx->hv, FE, inst(test, FE), e, 2, 16);
	KUNIT_EXPECT_EQ(test, fx->refused, 1);
	KUNIT_EXPECT_EQ(test, fx->refused_domid, FE);
	KUNIT_EXPECT_EQ(test, fx->refused_gfn, 9);
	KUNIT_EXPECT_EQ(test, fx->refused_rc, -EPERM);
	KUNIT_EXPECT_EQ(test, entry(test, FE, 9).type, HVSIM_P2M_RAM);
}

static void hv_revoke_on_dead_domain_is_quiet(struct kunit *test)
{
	struct hv_fixture *fx = test->priv;
	struct xen_dm_op_gpumem_extent e = ext(0, 100, 1, 0);

	kunit_activate_static_stub(test, gpumem_revoke_refused,
				   hv_record_refusal);
	KUNIT_ASSERT_EQ(test, one(test, FE, XEN_DMOP_gpumem_map, fx->be_pfn,
				  100, 1, 0), 0);
	KUNIT_ASSERT_EQ(test, hvsim_domain_destroy(fx->sim, FE), 0);
	gpumem_hv_revoke(fx->hv, FE, inst(test, FE), &e, 1, 16);
	KUNIT_EXPECT_EQ(test, fx->refused, 0);
	KUNIT_EXPECT_EQ(test, frame(test, fx->be_pfn).lent, 0);
}

static struct kunit_case hvsim_cases[] = {
	KUNIT_CASE(hv_domain_created),
	KUNIT_CASE(hv_map_ram),
	KUNIT_CASE(hv_map_counts_references),
	KUNIT_CASE(hv_map_occupied_is_atomic),
	KUNIT_CASE(hv_batch_stops_at_failure),
	KUNIT_CASE(hv_map_frontend_page_refused),
	KUNIT_CASE(hv_map_mmio),
	KUNIT_CASE(hv_map_mmio_flag_on_ram),
	KUNIT_CASE_PARAM(hv_map_bad_extent, bad_extent_gen_params),
	KUNIT_CASE(hv_revoke),
	KUNIT_CASE(hv_revoke_idempotent),
	KUNIT_CASE(hv_revoke_refuses_other_entries),
	KUNIT_CASE(hv_revoke_bad_extent),
	KUNIT_CASE(hv_frontend_reads_and_faults),
	KUNIT_CASE(hv_frontend_writes_reach_backend),
	KUNIT_CASE(hv_steal),
	KUNIT_CASE_PARAM(hv_steal_refused, steal_refusal_gen_params),
	KUNIT_CASE(hv_steal_quota),
	KUNIT_CASE(hv_steal_extent_is_atomic),
	KUNIT_CASE(hv_steal_partial_batch),
	KUNIT_CASE(hv_stolen_revoke_and_remap),
	KUNIT_CASE(hv_return),
	KUNIT_CASE(hv_return_to_another_gfn),
	KUNIT_CASE(hv_return_refused),
	KUNIT_CASE(hv_return_to_wrong_domain),
	KUNIT_CASE(hv_domain_death),
	KUNIT_CASE(hv_query),
	KUNIT_CASE(hv_unimplemented_op),
	KUNIT_CASE(hv_too_many_extents),
	KUNIT_CASE(hv_batch_chunks_report_global_progress),
	KUNIT_CASE(hv_refused_revoke_is_fatal),
	KUNIT_CASE(hv_revoke_on_dead_domain_is_quiet),
	{}
};

static struct kunit_suite hvsim_suite = {
	.name = "xen_gpumem_hvsim",
	.init = hv_test_init,
	.exit = hv_test_exit,
	.test_cases = hvsim_cases,
};

kunit_test_suite(hvsim_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
