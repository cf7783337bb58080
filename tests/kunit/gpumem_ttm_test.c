// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: a TTM buffer object exported as a dmabuf, mapped into the
 * frontend while in VRAM (BAR frames), evicted to system memory and moved
 * back, the way amdgpu and xe drive an importer: the driver's move callback
 * calls dma_buf_move_notify() under the BO's reservation before it moves.
 *
 * The test driver has its own ttm_device whose VRAM range manager is seen
 * through a BAR window (io_mem_reserve), and a dynamic exporter that hands
 * out BAR addresses for VRAM and page addresses for system memory.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/scatterlist.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_kunit_helpers.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_range_manager.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_tt.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

MODULE_IMPORT_NS(DMA_BUF);

#define FE		ENV_FE
#define GFN0		512
#define VRAM_PAGES	64
#define BO_PAGES	16
#define BAR_PFN		0x800000ul	/* where VRAM shows through the BAR */

static const struct ttm_place vram_place = { .mem_type = TTM_PL_VRAM };
static const struct ttm_place sys_place = { .mem_type = TTM_PL_SYSTEM };

static struct ttm_placement vram_placement = {
	.num_placement = 1, .placement = &vram_place,
};

static struct ttm_placement sys_placement = {
	.num_placement = 1, .placement = &sys_place,
};

struct test_bo {
	struct ttm_buffer_object tbo;
	struct dma_buf *dmabuf;
	unsigned int moves, pins;
};

static struct test_bo *to_test_bo(struct ttm_buffer_object *bo)
{
	return container_of(bo, struct test_bo, tbo);
}

static struct ttm_tt *test_tt_create(struct ttm_buffer_object *bo,
				     u32 page_flags)
{
	struct ttm_tt *tt = kzalloc(sizeof(*tt), GFP_KERNEL);

	if (tt && ttm_tt_init(tt, bo, page_flags, ttm_cached, 0)) {
		kfree(tt);
		return NULL;
	}
	return tt;
}

static void test_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt)
{
	ttm_tt_fini(tt);
	kfree(tt);
}

/* As amdgpu and xe: importers hear of a move before it happens. */
static int test_move(struct ttm_buffer_object *bo, bool evict,
		     struct ttm_operation_ctx *ctx, struct ttm_resource *new_mem,
		     struct ttm_place *hop)
{
	struct test_bo *b = to_test_bo(bo);

	dma_resv_assert_held(bo->base.resv);
	if (b->dmabuf && bo->resource)
		dma_buf_move_notify(b->dmabuf);
	b->moves++;
	ttm_bo_move_null(bo, new_mem);
	return 0;
}

static int test_io_mem_reserve(struct ttm_device *bdev,
			       struct ttm_resource *mem)
{
	if (mem->mem_type == TTM_PL_VRAM) {
		mem->bus.offset = PFN_PHYS(BAR_PFN + mem->start);
		mem->bus.is_iomem = true;
		mem->bus.caching = ttm_write_combined;
	}
	return 0;
}

static void test_evict_flags(struct ttm_buffer_object *bo,
			     struct ttm_placement *placement)
{
	*placement = sys_placement;
}

static const struct ttm_device_funcs test_ttm_funcs = {
	.ttm_tt_create = test_tt_create,
	.ttm_tt_destroy = test_tt_destroy,
	.move = test_move,
	.io_mem_reserve = test_io_mem_reserve,
	.eviction_valuable = ttm_bo_eviction_valuable,
	.evict_flags = test_evict_flags,
};

static int test_pin(struct dma_buf_attachment *attach)
{
	to_test_bo(attach->dmabuf->priv)->pins++;
	return 0;
}

static void test_unpin(struct dma_buf_attachment *attach)
{
	to_test_bo(attach->dmabuf->priv)->pins--;
}

/* VRAM: one segment of BAR addresses; system memory: its pages. */
static struct sg_table *test_map(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir)
{
	struct ttm_buffer_object *bo = attach->dmabuf->priv;
	struct ttm_operation_ctx ctx = {};
	struct sg_table *sgt;
	struct scatterlist *sg;
	unsigned int i;
	bool vram;
	int rc;

	dma_resv_assert_held(bo->base.resv);
	vram = bo->resource->mem_type == TTM_PL_VRAM;
	if (!vram) {
		rc = ttm_tt_populate(bo->bdev, bo->ttm, &ctx);
		if (rc)
			return ERR_PTR(rc);
	}
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt || sg_alloc_table(sgt, vram ? 1 : BO_PAGES, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	if (vram) {
		sg_dma_address(sgt->sgl) = PFN_PHYS(BAR_PFN +
						    bo->resource->start);
		sg_dma_len(sgt->sgl) = BO_PAGES << PAGE_SHIFT;
	} else {
		for_each_sgtable_sg(sgt, sg, i) {
			sg_set_page(sg, bo->ttm->pages[i], PAGE_SIZE, 0);
			sg_dma_address(sg) = page_to_phys(bo->ttm->pages[i]);
			sg_dma_len(sg) = PAGE_SIZE;
		}
	}
	return sgt;
}

static void test_unmap(struct dma_buf_attachment *attach,
		       struct sg_table *sgt, enum dma_data_direction dir)
{
	sg_free_table(sgt);
	kfree(sgt);
}

static void test_release(struct dma_buf *dmabuf)
{
}

static const struct dma_buf_ops test_dmabuf_ops = {
	.pin = test_pin,
	.unpin = test_unpin,
	.map_dma_buf = test_map,
	.unmap_dma_buf = test_unmap,
	.release = test_release,
};

struct ttm_fixture {
	struct gpumem_test_env env;
	struct ttm_device bdev;
	struct test_bo *bo;
	int fd;
};

GPUMEM_TEST_FIXTURE(struct ttm_fixture);

static void test_bo_destroy(struct ttm_buffer_object *bo)
{
	drm_gem_object_release(&bo->base);
	kfree(to_test_bo(bo));
}

static int ttm_test_init(struct kunit *test)
{
	struct ttm_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	struct gpumem_bind b = { .domid = FE };
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct drm_device *drm;
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->fd = -1;
	test->priv = fx;

	dev = drm_kunit_helper_alloc_device(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev,
							   DMA_BIT_MASK(64)), 0);
	drm = __drm_kunit_helper_alloc_drm_device(test, dev, sizeof(*drm), 0,
						  DRIVER_GEM);
	KUNIT_ASSERT_FALSE(test, IS_ERR(drm));
	KUNIT_ASSERT_EQ(test, ttm_device_init(&fx->bdev, &test_ttm_funcs, dev,
					      drm->anon_inode->i_mapping,
					      drm->vma_offset_manager, false,
					      false), 0);
	KUNIT_ASSERT_EQ(test, ttm_range_man_init(&fx->bdev, TTM_PL_VRAM, false,
						 VRAM_PAGES), 0);

	fx->bo = kzalloc(sizeof(*fx->bo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fx->bo);
	KUNIT_ASSERT_EQ(test, drm_gem_object_init(drm, &fx->bo->tbo.base,
						  BO_PAGES << PAGE_SHIFT), 0);
	KUNIT_ASSERT_EQ(test, ttm_bo_init_validate(&fx->bdev, &fx->bo->tbo,
						   ttm_bo_type_kernel,
						   &vram_placement, PAGE_SIZE,
						   false, NULL, NULL,
						   test_bo_destroy), 0);

	info.ops = &test_dmabuf_ops;
	info.size = BO_PAGES << PAGE_SHIFT;
	info.flags = O_RDWR;
	info.resv = fx->bo->tbo.base.resv;	/* one lock for moves and maps */
	info.priv = &fx->bo->tbo;
	fx->bo->dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->bo->dmabuf));
	fx->fd = dma_buf_fd(fx->bo->dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fx->fd, 0);

	gpumem_test_env_init(test, &fx->env, &(struct gpumem_limits){
		.max_extents = 8, .max_regions = 8, .max_pages = 1024,
	}, 1024);
	fx->env.gdev.dma_dev = dev;
	KUNIT_ASSERT_EQ(test, hvsim_iomem_permit(fx->env.sim, BAR_PFN,
						 VRAM_PAGES), 0);
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_BIND, &b,
						sizeof(b)), 0);
	return 0;
}

static void ttm_test_exit(struct kunit *test)
{
	struct ttm_fixture *fx = test->priv;

	if (fx->env.ctx)
		gpumem_ctx_destroy(fx->env.ctx);
	fx->env.ctx = NULL;
	if (fx->fd >= 0)
		close_fd(fx->fd);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, &fx->env,
						  HVSIM_P2M_LENT), 0);
	gpumem_test_env_fini(&fx->env);
	if (fx->bo && fx->bo->tbo.bdev) {
		fx->bo->dmabuf = NULL;
		ttm_bo_put(&fx->bo->tbo);
	}
	if (fx->bdev.funcs) {
		ttm_range_man_fini(&fx->bdev, TTM_PL_VRAM);
		ttm_device_fini(&fx->bdev);
	}
}

static void validate(struct kunit *test, struct ttm_placement *placement)
{
	struct ttm_fixture *fx = test->priv;
	struct ttm_operation_ctx ctx = {};

	dma_resv_lock(fx->bo->tbo.base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_bo_validate(&fx->bo->tbo, placement, &ctx),
			0);
	dma_resv_unlock(fx->bo->tbo.base.resv);
}

/* The BO is in VRAM: its frames are those of the BAR at its offset. */
static void expect_in_bar(struct kunit *test)
{
	struct ttm_fixture *fx = test->priv;
	u64 start = fx->bo->tbo.resource->start, i;

	KUNIT_ASSERT_EQ(test, fx->bo->tbo.resource->mem_type, TTM_PL_VRAM);
	for (i = 0; i < BO_PAGES; i++) {
		struct hvsim_entry e = fe_entry(test, GFN0 + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame, BAR_PFN + start + i);
		KUNIT_EXPECT_EQ(test, e.flags, XEN_GPUMEM_EXT_MMIO |
				XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WC));
	}
}

static void expect_revoked(struct kunit *test)
{
	struct ttm_fixture *fx = test->priv;

	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, &fx->env,
						  HVSIM_P2M_LENT), 0);
}

static void ttm_vram_evicted_and_back(struct kunit *test)
{
	struct ttm_fixture *fx = test->priv;
	struct gpumem_map_dmabuf a = {
		.fd = fx->fd, .len = BO_PAGES << PAGE_SHIFT, .gfn = GFN0,
		.domid = FE,
	};
	u64 i;

	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_MAP_DMABUF, &a,
						sizeof(a)), 0);
	expect_in_bar(test);
	KUNIT_EXPECT_EQ(test, fx->bo->pins, 0);

	/* Evicted to system memory: move_notify revokes, populate remaps. */
	validate(test, &sys_placement);
	expect_revoked(test);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0, BO_PAGES), 0);
	KUNIT_ASSERT_EQ(test, fx->bo->tbo.resource->mem_type, TTM_PL_SYSTEM);
	for (i = 0; i < BO_PAGES; i++) {
		struct hvsim_entry e = fe_entry(test, GFN0 + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame,
				page_to_pfn(fx->bo->tbo.ttm->pages[i]));
		KUNIT_EXPECT_FALSE(test, e.flags & XEN_GPUMEM_EXT_MMIO);
	}

	/* Back into VRAM: revoked again, then BAR frames again. */
	validate(test, &vram_placement);
	expect_revoked(test);
	KUNIT_ASSERT_EQ(test, populate(test, GFN0, BO_PAGES), 0);
	expect_in_bar(test);
	KUNIT_EXPECT_EQ(test, fx->bo->pins, 0);
	KUNIT_EXPECT_GE(test, fx->bo->moves, 3);
}

/* An eviction between populates, never a stale entry, for many rounds. */
static void ttm_evictions_between_populates(struct kunit *test)
{
	struct ttm_fixture *fx = test->priv;
	struct gpumem_map_dmabuf a = {
		.fd = fx->fd, .len = BO_PAGES << PAGE_SHIFT, .gfn = GFN0,
		.domid = FE, .flags = GPUMEM_MAP_LAZY,
	};
	unsigned int round;

	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_MAP_DMABUF, &a,
						sizeof(a)), 0);
	for (round = 0; round < 20; round++) {
		bool vram = round & 1;

		validate(test, vram ? &vram_placement : &sys_placement);
		expect_revoked(test);
		KUNIT_ASSERT_EQ(test, populate(test, GFN0 + round % 4, 4), 0);
		KUNIT_EXPECT_EQ(test, fe_entry(test, GFN0 + round % 4).frame,
				vram ? BAR_PFN + fx->bo->tbo.resource->start +
				       round % 4 :
				       page_to_pfn(fx->bo->tbo.ttm->pages[round % 4]));
	}
}

struct evictor {
	struct ttm_buffer_object *bo;
	atomic_t stop;
	atomic_long_t moves;
	struct completion started;
};

static int evictor_fn(void *data)
{
	struct evictor *ev = data;
	struct ttm_operation_ctx ctx = {};
	bool vram = false;

	while (!atomic_read(&ev->stop)) {
		dma_resv_lock(ev->bo->base.resv, NULL);
		if (!ttm_bo_validate(ev->bo, vram ? &vram_placement :
				     &sys_placement, &ctx))
			vram = !vram;
		dma_resv_unlock(ev->bo->base.resv);
		if (atomic_long_inc_return(&ev->moves) == 1)
			complete(&ev->started);
		usleep_range(20, 50);
	}
	return 0;
}

/*
 * Another thread moves the BO between VRAM and system memory while the
 * test populates: whatever stays mapped matches where the BO is.
 */
static void ttm_evict_during_populate(struct kunit *test)
{
	struct ttm_fixture *fx = test->priv;
	struct gpumem_map_dmabuf a = {
		.fd = fx->fd, .len = BO_PAGES << PAGE_SHIFT, .gfn = GFN0,
		.domid = FE, .flags = GPUMEM_MAP_LAZY,
	};
	struct evictor ev = { .bo = &fx->bo->tbo };
	struct task_struct *t;
	unsigned int i, ok = 0;
	u64 gfn;

	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_MAP_DMABUF, &a,
						sizeof(a)), 0);
	init_completion(&ev.started);
	t = kthread_run(evictor_fn, &ev, "gpumem-evictor");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wait_for_completion(&ev.started);
	for (i = 0; i < 100; i++) {
		ok += !populate(test, GFN0, BO_PAGES);
		usleep_range(20, 50);
	}
	atomic_set(&ev.stop, 1);
	kthread_stop(t);
	put_task_struct(t);

	dma_resv_lock(fx->bo->tbo.base.resv, NULL);
	for (gfn = GFN0; gfn < GFN0 + BO_PAGES; gfn++) {
		struct hvsim_entry e = fe_entry(test, gfn);
		struct ttm_resource *res = fx->bo->tbo.resource;

		if (e.type != HVSIM_P2M_LENT)
			continue;
		KUNIT_EXPECT_EQ(test, e.frame, res->mem_type == TTM_PL_VRAM ?
				BAR_PFN + res->start + gfn - GFN0 :
				page_to_pfn(fx->bo->tbo.ttm->pages[gfn - GFN0]));
	}
	dma_resv_unlock(fx->bo->tbo.base.resv);
	kunit_info(test, "%u of 100 populates succeeded against %ld moves\n",
		   ok, atomic_long_read(&ev.moves));
	KUNIT_EXPECT_GT(test, ok, 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&ev.moves), 1);
}

static struct kunit_case ttm_cases[] = {
	KUNIT_CASE(ttm_vram_evicted_and_back),
	KUNIT_CASE(ttm_evictions_between_populates),
	KUNIT_CASE(ttm_evict_during_populate),
	{}
};

static struct kunit_suite ttm_suite = {
	.name = "xen_gpumem_ttm",
	.init = ttm_test_init,
	.exit = ttm_test_exit,
	.test_cases = ttm_cases,
};

kunit_test_suite(ttm_suite);
