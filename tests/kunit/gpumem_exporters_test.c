// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: MAP_DMABUF of buffers made by the kernel's own static exporters,
 * reached the way a device model reaches them: udmabuf from a sealed memfd
 * (/dev/udmabuf), and a vgem dumb buffer exported with PRIME
 * (/dev/dri/card*).  KUnit runs before anything mounts /dev, so the nodes
 * are opened in a private mount of devtmpfs, and every ioctl takes its
 * arguments from user memory, as from a process.  hvsim's p2m
 * and the frontend's view of the bytes are read after every step.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/udmabuf.h>

#include <drm/drm.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mode.h>

#include <uapi/xen/gpumem.h>

#include "gpumem_test_env.h"

MODULE_IMPORT_NS(DMA_BUF);

#define FE		ENV_FE
#define GFN0		256
#define NPAGES		16
#define BUF_SIZE	(NPAGES << PAGE_SHIFT)
#define MAX_CARDS	8

struct exp_fixture {
	struct gpumem_test_env env;
	int fd;				/* the dmabuf, -1 once closed */
	struct dma_buf *dmabuf;		/* the test's own reference */
	unsigned long uaddr;		/* a CPU mapping of the buffer */
	unsigned long pfns[NPAGES];	/* what backs it */
	/* udmabuf */
	int memfd;
	struct file *memfile;
	struct page *pages[NPAGES];	/* referenced */
	/* vgem */
	struct file *card;
	struct drm_gem_object *obj;	/* referenced */
};

GPUMEM_TEST_FIXTURE(struct exp_fixture);

/**
 * struct exporter - one real exporter, as a device model drives it
 * @name: for the parameter's description.
 * @create: make the buffer: set @fd, and @uaddr to a mapping of its
 *          memory other than the dmabuf's own, if it has one.
 * @frames: once imported, fill @pfns with the frames of its pages.
 * @close: close what the exporter side still holds open.
 * @expect_released: after the last dmabuf reference went away.
 */
struct exporter {
	const char *name;
	void (*create)(struct kunit *test, struct exp_fixture *fx);
	void (*frames)(struct kunit *test, struct exp_fixture *fx);
	void (*close)(struct exp_fixture *fx);
	void (*expect_released)(struct kunit *test, struct exp_fixture *fx);
};

/*
 * What memfd_create(MFD_ALLOW_SEALING), ftruncate() and F_ADD_SEALS of
 * F_SEAL_SHRINK make, without their syscalls: a shmem file of BUF_SIZE
 * whose only seal is F_SEAL_SHRINK, installed as a descriptor.
 */
static void memfd_create_sealed(struct kunit *test, struct exp_fixture *fx)
{
	struct file *f = shmem_file_setup("memfd:gpumem", BUF_SIZE, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	SHMEM_I(file_inode(f))->seals = F_SEAL_SHRINK;
	fx->memfd = get_unused_fd_flags(O_CLOEXEC);
	if (fx->memfd < 0)
		fput(f);
	KUNIT_ASSERT_GE(test, fx->memfd, 0);
	fd_install(fx->memfd, f);
	fx->memfile = get_file(f);
}

/* A memfd of BUF_SIZE that may not shrink, wrapped by /dev/udmabuf. */
static void udmabuf_create(struct kunit *test, struct exp_fixture *fx)
{
	struct udmabuf_create c = {
		.flags = UDMABUF_FLAGS_CLOEXEC, .size = BUF_SIZE,
	};
	struct file *dev;

	if (!IS_ENABLED(CONFIG_UDMABUF))
		kunit_skip(test, "needs CONFIG_UDMABUF");
	memfd_create_sealed(test, fx);
	fx->uaddr = kunit_vm_mmap(test, fx->memfile, 0, BUF_SIZE,
				  PROT_READ | PROT_WRITE, MAP_SHARED, 0);

	dev = gpumem_test_open_in("devtmpfs", "udmabuf", O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	c.memfd = fx->memfd;
	fx->fd = gpumem_test_file_ioctl(test, &fx->env, dev, UDMABUF_CREATE,
					&c, sizeof(c));
	fput(dev);
	KUNIT_ASSERT_GE(test, fx->fd, 0);
}

/* The memfd's own pages, which udmabuf pins for the dmabuf's life. */
static void udmabuf_frames(struct kunit *test, struct exp_fixture *fx)
{
	unsigned int i;

	for (i = 0; i < NPAGES; i++) {
		struct page *p;

		p = shmem_read_mapping_page(fx->memfile->f_mapping, i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(p));
		fx->pages[i] = p;
		fx->pfns[i] = page_to_pfn(p);
		KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(p)));
	}
}

static void udmabuf_close(struct exp_fixture *fx)
{
	if (fx->memfile)
		fput(fx->memfile);
	fx->memfile = NULL;
	if (fx->memfd >= 0)
		close_fd(fx->memfd);
	fx->memfd = -1;
}

static void udmabuf_expect_released(struct kunit *test, struct exp_fixture *fx)
{
	unsigned int i;

	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_FALSE(test,
				   folio_maybe_dma_pinned(page_folio(fx->pages[i])));
}

/* The first DRM card whose driver is vgem, open. */
static struct file *open_vgem(struct kunit *test, struct gpumem_test_env *env)
{
	char __user *uname = (char __user *)env->arg + 256;
	char path[16], name[8];
	unsigned int i;

	for (i = 0; i < MAX_CARDS; i++) {
		struct drm_version v = {
			.name_len = sizeof(name), .name = uname,
		};
		struct file *f;

		snprintf(path, sizeof(path), "dri/card%u", i);
		f = gpumem_test_open_in("devtmpfs", path, O_RDWR);
		if (IS_ERR(f))
			continue;
		if (!gpumem_test_file_ioctl(test, env, f, DRM_IOCTL_VERSION,
					    &v, sizeof(v)) &&
		    v.name_len == 4 && !copy_from_user(name, uname, 4) &&
		    !memcmp(name, "vgem", 4))
			return f;
		fput(f);
	}
	return NULL;
}

/* A dumb buffer of BUF_SIZE on vgem, exported with PRIME. */
static void vgem_create(struct kunit *test, struct exp_fixture *fx)
{
	struct drm_mode_create_dumb dumb = {
		.width = PAGE_SIZE / 4, .height = NPAGES, .bpp = 32,
	};
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };

	if (!IS_ENABLED(CONFIG_DRM_VGEM))
		kunit_skip(test, "needs CONFIG_DRM_VGEM");
	fx->card = open_vgem(test, &fx->env);
	KUNIT_ASSERT_NOT_NULL(test, fx->card);
	KUNIT_ASSERT_EQ(test, gpumem_test_file_ioctl(test, &fx->env, fx->card,
						     DRM_IOCTL_MODE_CREATE_DUMB,
						     &dumb, sizeof(dumb)), 0);
	KUNIT_ASSERT_EQ(test, dumb.size, BUF_SIZE);
	prime.handle = dumb.handle;
	KUNIT_ASSERT_EQ(test, gpumem_test_file_ioctl(test, &fx->env, fx->card,
						     DRM_IOCTL_PRIME_HANDLE_TO_FD,
						     &prime, sizeof(prime)), 0);
	fx->fd = prime.fd;
}

/* The GEM object's shmem pages, pinned by the attachment. */
static void vgem_frames(struct kunit *test, struct exp_fixture *fx)
{
	struct drm_gem_shmem_object *shmem;
	unsigned int i;

	fx->obj = fx->dmabuf->priv;
	drm_gem_object_get(fx->obj);
	shmem = to_drm_gem_shmem_obj(fx->obj);
	KUNIT_ASSERT_NOT_NULL(test, shmem->pages);
	for (i = 0; i < NPAGES; i++)
		fx->pfns[i] = page_to_pfn(shmem->pages[i]);
}

static void vgem_close(struct exp_fixture *fx)
{
	if (fx->card)
		fput(fx->card);
	fx->card = NULL;
}

/* The dmabuf let the object go, and nothing holds its pages any more. */
static void vgem_expect_released(struct kunit *test, struct exp_fixture *fx)
{
	KUNIT_EXPECT_EQ(test, kref_read(&fx->obj->refcount), 1);
	KUNIT_EXPECT_EQ(test, to_drm_gem_shmem_obj(fx->obj)->pages_use_count,
			0);
}

static const struct exporter exporters[] = {
	{
		.name = "udmabuf",
		.create = udmabuf_create,
		.frames = udmabuf_frames,
		.close = udmabuf_close,
		.expect_released = udmabuf_expect_released,
	}, {
		.name = "vgem",
		.create = vgem_create,
		.frames = vgem_frames,
		.close = vgem_close,
		.expect_released = vgem_expect_released,
	},
};

static void exporter_desc(const struct exporter *ex, char *desc)
{
	strscpy(desc, ex->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(exporter, exporters, exporter_desc);

static int exp_test_init(struct kunit *test)
{
	struct exp_fixture *fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->fd = -1;
	fx->memfd = -1;
	test->priv = fx;
	gpumem_test_env_init(test, &fx->env, &(struct gpumem_limits){
		.max_extents = 8, .max_regions = 8, .max_pages = 1024,
	}, 1024);
	gpumem_test_env_bind_dma(test, &fx->env);
	return 0;
}

static void exp_test_exit(struct kunit *test)
{
	struct exp_fixture *fx = test->priv;
	unsigned int i;

	udmabuf_close(fx);
	vgem_close(fx);
	if (fx->fd >= 0)
		close_fd(fx->fd);
	if (fx->env.ctx)
		gpumem_ctx_destroy(fx->env.ctx);
	fx->env.ctx = NULL;
	if (fx->dmabuf)
		dma_buf_put(fx->dmabuf);
	/* From a kthread the last fput is deferred: wait for it. */
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, &fx->env,
						  HVSIM_P2M_LENT), 0);
	gpumem_test_env_fini(&fx->env);
	for (i = 0; i < NPAGES; i++)
		if (fx->pages[i])
			put_page(fx->pages[i]);
	if (fx->obj)
		drm_gem_object_put(fx->obj);
}

static u8 tag(unsigned int page)
{
	return 0xa0 + page;
}

/* The frontend sees the buffer's frames, RAM, with each page's tag. */
static void expect_buffer(struct kunit *test, u8 *scratch)
{
	struct exp_fixture *fx = test->priv;
	unsigned int i;

	for (i = 0; i < NPAGES; i++) {
		struct hvsim_entry e = gpumem_test_entry(test, &fx->env,
							 GFN0 + i);

		KUNIT_EXPECT_EQ(test, e.type, HVSIM_P2M_LENT);
		KUNIT_EXPECT_EQ(test, e.frame, fx->pfns[i]);
		KUNIT_EXPECT_EQ(test, e.flags,
				XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WB));
		KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->env.sim, FE,
							    GFN0 + i, 0,
							    scratch, PAGE_SIZE,
							    false), 0);
		KUNIT_EXPECT_NULL(test, memchr_inv(scratch, tag(i), PAGE_SIZE));
	}
}

/*
 * Bytes written through a CPU mapping reach the frontend and back; the
 * region keeps the buffer once every fd and mapping of it is closed;
 * UNMAP lets it go, and the exporter then releases it.
 */
static void exporters_static_import(struct kunit *test)
{
	const struct exporter *ex = test->param_value;
	u8 *scratch = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct exp_fixture *fx = test->priv;
	struct gpumem_unmap u = { .domid = FE };
	struct gpumem_map_dmabuf a = {
		.len = BUF_SIZE, .gfn = GFN0, .domid = FE,
	};
	void __user *cpu;
	unsigned int i;
	u8 v;

	KUNIT_ASSERT_NOT_NULL(test, scratch);
	ex->create(test, fx);
	fx->dmabuf = dma_buf_get(fx->fd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->dmabuf));
	if (!fx->uaddr)
		fx->uaddr = kunit_vm_mmap(test, fx->dmabuf->file, 0, BUF_SIZE,
					  PROT_READ | PROT_WRITE, MAP_SHARED,
					  0);
	KUNIT_ASSERT_FALSE(test, !fx->uaddr || IS_ERR_VALUE(fx->uaddr));
	cpu = (void __user *)fx->uaddr;
	for (i = 0; i < NPAGES; i++) {
		memset(scratch, tag(i), PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, copy_to_user(cpu + (i << PAGE_SHIFT),
						   scratch, PAGE_SIZE), 0);
	}

	a.fd = fx->fd;
	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_MAP_DMABUF, &a,
						sizeof(a)), 0);
	u.region = a.region;
	ex->frames(test, fx);
	expect_buffer(test, scratch);
	/* The frontend writes; the CPU mapping sees it. */
	v = 0x5e;
	KUNIT_ASSERT_EQ(test, hvsim_frontend_access(fx->env.sim, FE, GFN0 + 3,
						    9, &v, 1, true), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&v, cpu + 3 * PAGE_SIZE + 9, 1),
			0);
	KUNIT_EXPECT_EQ(test, v, 0x5e);
	v = tag(3);
	KUNIT_ASSERT_EQ(test, copy_to_user(cpu + 3 * PAGE_SIZE + 9, &v, 1), 0);

	/* Every fd and mapping closed: the region's reference and ours. */
	vm_munmap(fx->uaddr, BUF_SIZE);
	ex->close(fx);
	close_fd(fx->fd);
	fx->fd = -1;
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, file_count(fx->dmabuf->file), 2);
	expect_buffer(test, scratch);

	KUNIT_ASSERT_EQ(test, gpumem_test_ioctl(test, &fx->env,
						GPUMEM_IOCTL_UNMAP, &u,
						sizeof(u)), 0);
	KUNIT_EXPECT_EQ(test, gpumem_test_entries(test, &fx->env,
						  HVSIM_P2M_LENT), 0);
	KUNIT_EXPECT_EQ(test, file_count(fx->dmabuf->file), 1);
	dma_buf_put(fx->dmabuf);
	fx->dmabuf = NULL;
	flush_delayed_fput();
	ex->expect_released(test, fx);
}

static struct kunit_case exporters_cases[] = {
	KUNIT_CASE_PARAM(exporters_static_import, exporter_gen_params),
	{}
};

static struct kunit_suite exporters_suite = {
	.name = "xen_gpumem_exporters",
	.init = exp_test_init,
	.exit = exp_test_exit,
	.test_cases = exporters_cases,
};

kunit_test_suite(exporters_suite);
