// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: dmabuf regions (MAP_DMABUF) with two fake exporters: a dynamic
 * one whose buffer lives in a BAR ("VRAM") or in system pages and moves with
 * move_notify, and a static one.  hvsim's p2m is read after every step.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fdtable.h>
#include <linux/pci.h>
#include <linux/file.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_kunit_helpers.h>
#include <drm/drm_prime.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

MODULE_IMPORT_NS(DMA_BUF);

#define FE		ENV_FE
#define GFN0		256
#define NPAGES		16
#define BAR_PFN		0x800000ul
/* A large VRAM buffer, in uneven segments, spanning two 4096-page chunks. */
#define BIG_PAGES	8192
static const unsigned int big_segs[] = { 1000, 5000, 2192 };

struct fake_buf {
	bool in_vram;
	bool big;
	bool refuse_attach;
	struct device *attach_dev;	/* what the last attach came with */
	bool peer2peer;
	bool dma_iova;		/* system pages' DMA addresses: 4 GiB off */
	bool dma_bounce;	/* ... or another of the buffer's pages */
	unsigned long vram_pfn;	/* its VRAM, if not BAR_PFN */
	struct page *sys[NPAGES];
	unsigned int pins, maps, releases;
};

static int fake_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *a)
{
	struct fake_buf *fb = dmabuf->priv;

	fb->attach_dev = a->dev;
	fb->peer2peer = a->peer2peer;
	return fb->refuse_attach ? -EPERM : 0;
}

static int fake_pin(struct dma_buf_attachment *a)
{
	((struct fake_buf *)a->dmabuf->priv)->pins++;
	return 0;
}

static void fake_unpin(struct dma_buf_attachment *a)
{
	((struct fake_buf *)a->dmabuf->priv)->pins--;
}

/* In VRAM: one segment of BAR addresses, no pages.  Else: system pages. */
static struct sg_table *fake_map(struct dma_buf_attachment *a,
				 enum dma_data_direction dir)
{
	struct fake_buf *fb = a->dmabuf->priv;
	struct sg_table *sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	struct scatterlist *sg;
	unsigned int i;

	if (!sgt || sg_alloc_table(sgt, fb->big ? ARRAY_SIZE(big_segs) :
				   fb->in_vram ? 1 : NPAGES, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	if (fb->big) {
		unsigned long pfn = BAR_PFN;

		for_each_sgtable_sg(sgt, sg, i) {
			sg_dma_address(sg) = PFN_PHYS(pfn);
			sg_dma_len(sg) = big_segs[i] << PAGE_SHIFT;
			pfn += big_segs[i];
		}
	} else if (fb->in_vram) {
		sg_dma_address(sgt->sgl) = PFN_PHYS(fb->vram_pfn ?: BAR_PFN);
		sg_dma_len(sgt->sgl) = NPAGES << PAGE_SHIFT;
	} else {
		for_each_sgtable_sg(sgt, sg, i) {
			sg_set_page(sg, fb->sys[i], PAGE_SIZE, 0);
			sg_dma_address(sg) = fb->dma_iova ?
				page_to_phys(fb->sys[i]) + SZ_4G :
				page_to_phys(fb->sys[(i + fb->dma_bounce) %
						      NPAGES]);
			sg_dma_len(sg) = PAGE_SIZE;
		}
	}
	fb->maps++;
	return sgt;
}

static void fake_unmap(struct dma_buf_attachment *a, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	sg_free_table(sgt);
	kfree(sgt);
}

static void fake_release(struct dma_buf *dmabuf)
{
	((struct fake_buf *)dmabuf->priv)->releases++;
}

static const struct dma_buf_ops fake_dynamic_ops = {
	.attach = fake_attach,
	.pin = fake_pin,
	.unpin = fake_unpin,
	.map_dma_buf = fake_map,
	.unmap_dma_buf = fake_unmap,
	.release = fake_release,
};

static const struct dma_buf_ops fake_static_ops = {
	.attach = fake_attach,
	.map_dma_buf = fake_map,
	.unmap_dma_buf = fake_unmap,
	.release = fake_release,
};

struct dmabuf_fixture {
	struct gpumem_test_env env;
	struct fake_buf fb;
	struct dma_buf *dmabuf;
	int fd;
};

GPUMEM_TEST_FIXTURE(struct dmabuf_fixture);

static void fake_buf_free(void *data)
{
	struct fake_buf *fb = data;
	unsigned int i;

	for (i = 0; i < NPAGES; i++)
		if (fb->sys[i])
			__free_page(fb->sys[i]);
}

/* Export a buffer and install an fd for it; the fd is the test's to close. */
static void export(struct kunit *test, const struct dma_buf_ops *ops,
		   bool in_vram)
{
	struct dmabuf_fixture *fx = test->priv;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	unsigned int i;

	fx->fb.in_vram = in_vram;
	for (i = 0; i < NPAGES; i++) {
		fx->fb.sys[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, fx->fb.sys[i]);
		*(u8 *)page_address(fx->fb.sys[i]) = 0x81 + i;
	}
	info.ops = ops;
	info.size = (fx->fb.big ? BIG_PAGES : NPAGES) << PAGE_SHIFT;
	info.flags = O_RDWR;
	info.priv = &fx->fb;
	fx->dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->dmabuf));
	fx->fd = dma_buf_fd(fx->dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fx->fd, 0);
}

/* From a kthread the last fput is deferred: wait for it. */
static void settle(void)
{
	flush_delayed_fput();
}

static void close_buf_fd(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;

	if (fx->fd >= 0)
		close_fd(fx->fd);
	fx->fd = -1;
	settle();
}

static int dmabuf_test_init(struct kunit *test)
{
	struct dmabuf_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->fd = -1;
	test->priv = fx;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_buf_free,
							&fx->fb), 0);
	gpumem_test_env_init(test, &fx->env, &(struct gpumem_limits){
		.max_extents = 8, .max_regions = 8, .max_pages = 2 * BIG_PAGES,
		.max_pinned_pages = 2 * NPAGES,
	}, 2 * BIG_PAGES);
	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(fx->env.sim, BAR_PFN,
						 BIG_PAGES), 0);
	gpumem_test_env_bind_dma(test, &fx->env);
	return 0;
}

static void dmabuf_test_exit(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;

	close_buf_fd(test);
	if (fx->env.ctx)
		gpumem_ctx_destroy(fx->env.ctx);
	fx->env.ctx = NULL;
	settle();
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, &fx->env,
						  HVSIM_P2M_LENT), 0);
	/* Nothing keeps the buffer once the fd and the context are gone. */
	if (fx->dmabuf)
		KUNIT_EXPECT_EQ(test, fx->fb.releases, 1);
	gpumem_test_env_fini(&fx->env);
}

static long map_dmabuf(struct kunit *test, int fd, u64 off_pages, u64 n,
		       u64 gfn, u32 flags, u64 *region)
{
	struct dmabuf_fixture *fx = test->priv;
	struct gpumem_map_dmabuf a = {
		.fd = fd, .flags = flags, .offset = off_pages << PAGE_SHIFT,
		.len = n << PAGE_SHIFT, .gfn = gfn, .domid = FE,
	};
	long rc = gpumem_test_ioctl(test, &fx->env, GPUMEM_IOCTL_MAP_DMABUF,
				    &a, sizeof(a));

	if (region)
		*region = a.region;
	return rc;
}

/* GFNs show BAR frames @first.. as MMIO write-combining. */
static void expect_bar(struct kunit *test, u64 gfn, u64 n, u64 first)
{
	u64 i;

	for (i = 0; i < n; i++) {
		struct hvsim_entry e = fe_entry(test, gfn + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame, BAR_PFN + first + i);
		KUNIT_EXPECT_EQ(test, e.flags, XEN_GPUMEM_EXT_MMIO |
				XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WC));
	}
}

/* GFNs show the system pages @first.. with their bytes. */
static void expect_sys(struct kunit *test, u64 gfn, u64 n, u64 first)
{
	struct dmabuf_fixture *fx = test->priv;
	u64 i;
	u8 v;

	for (i = 0; i < n; i++) {
		struct hvsim_entry e = fe_entry(test, gfn + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame,
				page_to_pfn(fx->fb.sys[first + i]));
		KUNIT_EXPECT_FALSE(test, e.flags & XEN_GPUMEM_EXT_MMIO);
		KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->env.sim, FE,
							    gfn + i, 0, &v, 1,
							    false), 0);
		KUNIT_EXPECT_EQ(test, v, (u8)(0x81 + first + i));
	}
}

/* VRAM BO mapped as BAR frames; moved to system memory; populate. */
static void dmabuf_vram_moved_to_system(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;
	struct hvsim_op_stats st;

	export(test, &fake_dynamic_ops, true);
	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0,
					 NULL), 0);
	expect_bar(test, GFN0, NPAGES, 0);
	hvsim_op_stats(fx->env.sim, XEN_DMOP_gpumem_map, &st);
	KUNIT_EXPECT_EQ(test, st.extents, 1);
	/* A dynamic exporter is never pinned by the importer. */
	KUNIT_EXPECT_EQ(test, fx->fb.pins, 0);

	dma_resv_lock(fx->dmabuf->resv, NULL);
	fx->fb.in_vram = false;
	dma_buf_move_notify(fx->dmabuf);
	dma_resv_unlock(fx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, fe_entry(test, GFN0).type, HVSIM_P2M_HOLE);

	KUNIT_ASSERT_EQ(test, populate(test, GFN0, NPAGES), 0);
	expect_sys(test, GFN0, NPAGES, 0);
	KUNIT_EXPECT_EQ(test, fx->fb.maps, 2);
	KUNIT_EXPECT_EQ(test, fx->fb.pins, 0);
}

static long unmap_region(struct kunit *test, u64 region)
{
	struct dmabuf_fixture *fx = test->priv;
	struct gpumem_unmap u = { .region = region, .domid = FE };

	return gpumem_test_ioctl(test, &fx->env, GPUMEM_IOCTL_UNMAP, &u,
				 sizeof(u));
}

/*
 * GPUMEM_MAP_PIN: the dynamic exporter's pin callback runs at MAP and its
 * unpin at UNMAP; each pin counts the whole buffer against
 * max_pinned_pages (here two of its 16 pages), and a pin beyond it is
 * refused with nothing left pinned or mapped.  Where move_notify is off
 * the core also pins the buffer while it is mapped (@core), and QUERY
 * says which.
 */
static void dmabuf_pin(struct kunit *test)
{
	unsigned int core = !IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY);
	struct dmabuf_fixture *fx = test->priv;
	struct gpumem_query q = {};
	u64 r1, r2, r3;

	export(test, &fake_dynamic_ops, true);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_QUERY, &q,
						sizeof(q)), 0);
	KUNIT_EXPECT_EQ(test, !!(q.features & GPUMEM_FEAT_MOVE_NOTIFY), !core);
	KUNIT_EXPECT_EQ(test, q.max_pinned_pages, 2 * NPAGES);

	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 0, 1, GFN0,
					 GPUMEM_MAP_PIN, &r1), 0);
	KUNIT_EXPECT_EQ(test, fx->fb.pins, 1 + core);
	expect_bar(test, GFN0, 1, 0);
	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 1, 1, GFN0 + 1,
					 GPUMEM_MAP_PIN, &r2), 0);
	KUNIT_EXPECT_EQ(test, fx->fb.pins, 2 + 2 * core);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 2, 1, GFN0 + 2,
					 GPUMEM_MAP_PIN, NULL), -E2BIG);
	KUNIT_EXPECT_EQ(test, fx->fb.pins, 2 + 2 * core);
	KUNIT_EXPECT_EQ(test, fe_entry(test, GFN0 + 2).type, HVSIM_P2M_HOLE);
	KUNIT_EXPECT_EQ(test, lent(test), 2);

	/* Without the flag: refused where the core would pin, else free. */
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 2, 1, GFN0 + 2, 0, &r3),
			core ? -EOPNOTSUPP : 0);
	KUNIT_EXPECT_EQ(test, fx->fb.pins, 2 + 2 * core);
	if (!core)
		KUNIT_EXPECT_EQ(test, unmap_region(test, r3), 0);

	KUNIT_EXPECT_EQ(test, unmap_region(test, r1), 0);
	KUNIT_EXPECT_EQ(test, fx->fb.pins, 1 + core);
	KUNIT_EXPECT_EQ(test, unmap_region(test, r2), 0);
	KUNIT_EXPECT_EQ(test, fx->fb.pins, 0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

/* Segments and 4096-page chunks that do not line up: one walk, no gap. */
static void dmabuf_large_multi_segment(struct kunit *test)
{
	static const u64 probe[] = {
		0, 999, 1000, 4095, 4096, 5999, 6000, BIG_PAGES - 1,
	};
	struct dmabuf_fixture *fx = test->priv;
	struct hvsim_op_stats st;
	unsigned int i;

	fx->fb.big = true;
	export(test, &fake_dynamic_ops, true);
	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 0, BIG_PAGES, 512, 0,
					 NULL), 0);
	KUNIT_EXPECT_EQ(test, lent(test), BIG_PAGES);
	for (i = 0; i < ARRAY_SIZE(probe); i++)
		KUNIT_EXPECT_EQ(test, fe_entry(test, 512 + probe[i]).frame,
				BAR_PFN + probe[i]);
	/* Contiguous and 2 MiB-aligned: one extent per 512 frames. */
	hvsim_op_stats(fx->env.sim, XEN_DMOP_gpumem_map, &st);
	KUNIT_EXPECT_EQ(test, st.extents, BIG_PAGES / 512);
	KUNIT_EXPECT_EQ(test, st.frames, BIG_PAGES);
}

static void dmabuf_offset_into_buffer(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;

	export(test, &fake_dynamic_ops, true);
	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 4, 4, GFN0, 0, NULL), 0);
	expect_bar(test, GFN0, 4, 4);
	KUNIT_EXPECT_EQ(test, lent(test), 4);
	dma_resv_lock(fx->dmabuf->resv, NULL);
	fx->fb.in_vram = false;
	dma_buf_move_notify(fx->dmabuf);
	dma_resv_unlock(fx->dmabuf->resv);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0 + 1, 2), 0);
	expect_sys(test, GFN0 + 1, 2, 5);
	KUNIT_EXPECT_EQ(test, lent(test), 2);
}

static void dmabuf_lazy(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;

	export(test, &fake_dynamic_ops, false);
	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0,
					 GPUMEM_MAP_LAZY, NULL), 0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, fx->fb.maps, 0);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0 + 8, 8), 0);
	expect_sys(test, GFN0 + 8, 8, 8);
	KUNIT_EXPECT_EQ(test, lent(test), 8);
}

/* A static exporter: mapped for the attachment's life, fd closable. */
static void dmabuf_static_exporter(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;
	struct gpumem_unmap u = { .domid = FE };

	export(test, &fake_static_ops, false);
	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0,
					 &u.region), 0);
	expect_sys(test, GFN0, NPAGES, 0);
	close_buf_fd(test);
	/* The region keeps its reference: still mapped, not released. */
	KUNIT_EXPECT_EQ(test, fx->fb.releases, 0);
	expect_sys(test, GFN0, NPAGES, 0);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_UNMAP, &u,
						sizeof(u)), 0);
	settle();
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, fx->fb.releases, 1);
}

/*
 * An attachment whose DMA addresses are not the buffer's pages is refused:
 * the frontend would be shown other memory.  An IOMMU's I/O virtual
 * addresses (here 4 GiB off: not RAM) and a swiotlb bounce buffer (here
 * other RAM pages) alike.  Nothing is lent and no region is left; the same
 * buffer mapped 1:1 is accepted.
 */
static void dmabuf_addresses_not_pages(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;

	fx->fb.dma_iova = true;
	export(test, &fake_dynamic_ops, false);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0,
					 NULL), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
	fx->fb.dma_iova = false;
	fx->fb.dma_bounce = true;
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0,
					 NULL), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
	fx->fb.dma_bounce = false;
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0,
					 NULL), 0);
	expect_sys(test, GFN0, NPAGES, 0);
}

/*
 * Pages with a memmap that are not dom0's own memory (ZONE_DEVICE: what a
 * PVH dom0's grant and foreign mappings are made of) are never lent: their
 * dom0 GFN is no MFN.
 */
static void dmabuf_foreign_pages_refused(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;

	fx->fb.vram_pfn = gpumem_test_zone_device_pfn(test);
	export(test, &fake_dynamic_ops, true);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0,
					 NULL), -EXDEV);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
}

/* MAP_DMABUF with each allocation and hypercall failing in turn. */
static long step_map_dmabuf(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;

	return map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0, NULL);
}

static void check_map_dmabuf(struct kunit *test, long rc, bool injected)
{
	struct dmabuf_fixture *fx = test->priv;
	struct gpumem_unmap u = { .domid = FE, .region = 0 };
	struct gpumem_region *r;
	unsigned long id;

	if (rc) {
		KUNIT_EXPECT_EQ_MSG(test, rc, -ENOMEM, "failed with %ld", rc);
		KUNIT_EXPECT_TRUE(test, injected);
		KUNIT_EXPECT_EQ(test, lent(test), 0);
		KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
		return;
	}
	expect_sys(test, GFN0, NPAGES, 0);
	xa_for_each(&fx->env.ctx->region_ids, id, r)
		u.region = id;
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_UNMAP, &u,
						sizeof(u)), 0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
}

static void dmabuf_fault_injection(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;
	unsigned int sites;

	export(test, &fake_dynamic_ops, false);
	sites = gpumem_test_fail_each(test, &fx->env, step_map_dmabuf,
				      check_map_dmabuf);
	kunit_info(test, "%u failure sites injected\n", sites);
	KUNIT_EXPECT_GT(test, sites, 0);
}

/* drm_gem_prime_export() needs the driver's fops (for their owner). */
static const struct file_operations gem_test_fops = {
	.owner = THIS_MODULE,
};

static const struct drm_driver gem_test_driver = {
	.driver_features = DRIVER_GEM,
	.fops = &gem_test_fops,
	.name = "gpumem-test",
};

/*
 * A real static exporter: a GEM shmem object exported through
 * drm_gem_prime_export(), the path vgem and every GEM-shmem-helper driver
 * take.  The core maps it at attach time; the region keeps it after its fd
 * is closed.
 */
static void dmabuf_gem_shmem_exporter(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;
	struct gpumem_unmap u = { .domid = FE };
	struct drm_gem_shmem_object *shmem;
	struct dma_buf *dmabuf;
	struct drm_device *drm;
	unsigned int i;
	u8 v;

	drm = __drm_kunit_helper_alloc_drm_device_with_driver(test,
							      fx->env.gdev.dma_dev,
							      sizeof(*drm), 0,
							      &gem_test_driver);
	KUNIT_ASSERT_FALSE(test, IS_ERR(drm));
	shmem = drm_gem_shmem_create(drm, NPAGES << PAGE_SHIFT);
	KUNIT_ASSERT_FALSE(test, IS_ERR(shmem));
	dmabuf = drm_gem_prime_export(&shmem->base, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));
	fx->fd = dma_buf_fd(dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fx->fd, 0);

	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0,
					 &u.region), 0);
	KUNIT_ASSERT_NOT_NULL(test, shmem->pages);
	for (i = 0; i < NPAGES; i++) {
		struct hvsim_entry e = fe_entry(test, GFN0 + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame, page_to_pfn(shmem->pages[i]));
		KUNIT_EXPECT_FALSE(test, e.flags & XEN_GPUMEM_EXT_MMIO);
	}
	/* The frontend writes; the object's page has it. */
	v = 0x5e;
	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->env.sim, FE, GFN0 + 3,
						    9, &v, 1, true), 0);
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(shmem->pages[3]))[9], 0x5e);

	close_buf_fd(test);
	KUNIT_EXPECT_EQ(test, lent(test), NPAGES);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_UNMAP, &u,
						sizeof(u)), 0);
	settle();
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	drm_gem_object_put(&shmem->base);
}

static void dmabuf_close_context_with_import(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;

	export(test, &fake_dynamic_ops, true);
	KUNIT_ASSERT_EQ(test, map_dmabuf(test, fx->fd, 0, NPAGES, GFN0, 0,
					 NULL), 0);
	close_buf_fd(test);
	KUNIT_EXPECT_EQ(test, fx->fb.releases, 0);
	gpumem_ctx_destroy(fx->env.ctx);
	fx->env.ctx = NULL;
	settle();
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, fx->fb.releases, 1);
}

/* An fd that is not a dmabuf. */
static const struct file_operations notbuf_fops;

/*
 * Attach with a PCI device the device model names (the exporting GPU, on
 * real hardware), so a P2P-aware exporter can hand out BAR addresses.
 */
static void dmabuf_pci_attach(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;
	struct pci_dev *pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, NULL);
	struct gpumem_map_dmabuf a = {
		.flags = GPUMEM_MAP_PCI_ATTACH, .len = NPAGES << PAGE_SHIFT,
		.gfn = GFN0, .domid = FE,
	};

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	a.attach_sbdf = GPUMEM_PCI_SBDF(pci_domain_nr(pdev->bus),
					pdev->bus->number,
					PCI_SLOT(pdev->devfn),
					PCI_FUNC(pdev->devfn));
	export(test, &fake_dynamic_ops, true);
	a.fd = fx->fd;
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_MAP_DMABUF, &a,
						sizeof(a)), 0);
	KUNIT_EXPECT_PTR_EQ(test, fx->fb.attach_dev, &pdev->dev);
	KUNIT_EXPECT_TRUE(test, fx->fb.peer2peer);
	expect_bar(test, GFN0, NPAGES, 0);
	pci_dev_put(pdev);
}

static void dmabuf_bad_input(struct kunit *test)
{
	struct dmabuf_fixture *fx = test->priv;
	struct gpumem_map_dmabuf a;
	int notbuf;

	export(test, &fake_dynamic_ops, true);
	notbuf = anon_inode_getfd("gpumem-test-notbuf", &notbuf_fops, NULL,
				  O_RDWR);
	KUNIT_ASSERT_GE(test, notbuf, 0);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, -1, 0, 1, GFN0, 0, NULL), -EBADF);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, notbuf, 0, 1, GFN0, 0, NULL),
			-EBADF);
	close_fd(notbuf);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 8, NPAGES, GFN0, 0,
					 NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, (U64_MAX >> PAGE_SHIFT),
					 2, GFN0, 0, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 0, 0, GFN0, 0, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 0, 1, GFN0, 1u << 5,
					 NULL), -EINVAL);
	a = (struct gpumem_map_dmabuf){
		.fd = fx->fd, .offset = 100, .len = PAGE_SIZE, .gfn = GFN0,
		.domid = FE,
	};
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_MAP_DMABUF, &a,
						sizeof(a)), -EINVAL);
	a.offset = 0;
	a.attach_sbdf = 1;	/* without GPUMEM_MAP_PCI_ATTACH */
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_MAP_DMABUF, &a,
						sizeof(a)), -EINVAL);
	a.flags = GPUMEM_MAP_PCI_ATTACH;
	a.attach_sbdf = GPUMEM_PCI_SBDF(0, 0xfe, 31, 7);	/* no device */
	KUNIT_EXPECT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_MAP_DMABUF, &a,
						sizeof(a)), -ENODEV);
	fx->fb.refuse_attach = true;
	KUNIT_EXPECT_EQ(test, map_dmabuf(test, fx->fd, 0, 1, GFN0, 0, NULL),
			-EPERM);
	KUNIT_EXPECT_EQ(test, fx->env.ctx->nr_regions, 0);
	KUNIT_EXPECT_EQ(test, lent(test), 0);
	KUNIT_EXPECT_EQ(test, fx->fb.maps, 0);
}

static struct kunit_case dmabuf_cases[] = {
	KUNIT_CASE(dmabuf_vram_moved_to_system),
	KUNIT_CASE(dmabuf_pin),
	KUNIT_CASE(dmabuf_large_multi_segment),
	KUNIT_CASE(dmabuf_offset_into_buffer),
	KUNIT_CASE(dmabuf_lazy),
	KUNIT_CASE(dmabuf_static_exporter),
	KUNIT_CASE(dmabuf_gem_shmem_exporter),
	KUNIT_CASE(dmabuf_close_context_with_import),
	KUNIT_CASE(dmabuf_pci_attach),
	KUNIT_CASE(dmabuf_bad_input),
	KUNIT_CASE(dmabuf_addresses_not_pages),
	KUNIT_CASE(dmabuf_foreign_pages_refused),
	KUNIT_CASE(dmabuf_fault_injection),
	{}
};

static struct kunit_suite dmabuf_suite = {
	.name = "xen_gpumem_dmabuf",
	.init = dmabuf_test_init,
	.exit = dmabuf_test_exit,
	.test_cases = dmabuf_cases,
};

kunit_test_suite(dmabuf_suite);
