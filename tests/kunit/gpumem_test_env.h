/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the KUnit suites that drive /dev/xen/gpumem share: a simulated
 * hypervisor with frontends, a device and a context on it, and a page of
 * user memory that carries ioctl arguments.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef _XEN_GPUMEM_TEST_ENV_H
#define _XEN_GPUMEM_TEST_ENV_H

#include <kunit/test.h>

struct file;

#include "../gpumem-priv.h"
#include "../hvsim.h"

#define ENV_FE		1	/* the frontend the context binds */
#define ENV_FE_OTHER	2	/* another frontend */

struct gpumem_test_env {
	struct hvsim *sim;
	struct gpumem_dev gdev;
	struct gpumem_ctx *ctx;
	void __user *arg;
	u64 fe_ram;	/* RAM pages of each frontend (0: 4), set before init */
	unsigned int refused;	/* calls of a stubbed gpumem_revoke_refused() */
};

void gpumem_test_env_init(struct kunit *test, struct gpumem_test_env *env,
			  const struct gpumem_limits *limits, u64 fe_gfns);
void gpumem_test_env_fini(struct gpumem_test_env *env);
void gpumem_test_env_bind_dma(struct kunit *test, struct gpumem_test_env *env);
long gpumem_test_ioctl(struct kunit *test, struct gpumem_test_env *env,
		       unsigned int cmd, void *arg, size_t size);
long gpumem_test_file_ioctl(struct kunit *test, struct gpumem_test_env *env,
			    struct file *file, unsigned int cmd, void *arg,
			    size_t size);
struct file *gpumem_test_open_in(const char *fstype, const char *path,
				 int flags);
ssize_t gpumem_test_file_write(struct file *f, const char __user *buf,
			       size_t len, loff_t *pos);
ssize_t gpumem_test_file_read(struct file *f, char __user *buf, size_t len,
			      loff_t *pos);
unsigned int gpumem_test_fail_each(struct kunit *test,
				   struct gpumem_test_env *env,
				   long (*step)(struct kunit *test),
				   void (*check)(struct kunit *test, long rc,
						 bool injected));
unsigned long gpumem_test_zone_device_pfn(struct kunit *test);
struct hvsim_op_stats gpumem_test_stats(struct gpumem_test_env *env,
					unsigned int op);
long gpumem_test_map_va(struct kunit *test, struct gpumem_test_env *env,
			unsigned long addr, u64 n, u64 gfn, u32 flags,
			u64 *region);
long gpumem_test_populate(struct kunit *test, struct gpumem_test_env *env,
			  u64 gfn, u64 n);
long gpumem_test_unmap(struct kunit *test, struct gpumem_test_env *env,
		       u64 region);
long gpumem_test_steal(struct kunit *test, struct gpumem_test_env *env,
		       u64 gfn, u64 n, u64 *offset);
long gpumem_test_return(struct kunit *test, struct gpumem_test_env *env,
			u64 offset);
struct hvsim_entry gpumem_test_entry(struct kunit *test,
				     struct gpumem_test_env *env, u64 gfn);
u64 gpumem_test_entries(struct kunit *test, struct gpumem_test_env *env,
			u32 type);

/**
 * struct gpumem_test_bo - a VM_PFNMAP "GPU buffer object"
 * @in_vram: its mmap shows BAR frames (write-combining), else @sys.
 * @bar_pfn: first BAR frame.
 * @npages: size.
 * @sys: its system pages once evicted (NULL if it cannot be).
 *
 * Like a TTM BO: eviction zaps the mmap, and the fault handler then
 * inserts the pages of the new placement.
 */
struct gpumem_test_bo {
	bool in_vram;
	unsigned long bar_pfn;
	unsigned long npages;
	struct page **sys;
};

struct gpumem_test_bo *gpumem_test_bo_create(struct kunit *test,
					     unsigned long bar_pfn,
					     unsigned long npages,
					     bool evictable);
unsigned long gpumem_test_bo_mmap(struct kunit *test,
				  struct gpumem_test_bo *bo);
void gpumem_test_bo_evict(struct kunit *test, struct gpumem_test_bo *bo,
			  unsigned long addr);

/*
 * The accessors of the running case.  Every suite's fixture (test->priv)
 * begins with its struct gpumem_test_env (GPUMEM_TEST_FIXTURE() checks it),
 * so they take the test alone.
 */
#define GPUMEM_TEST_FIXTURE(type) \
	static_assert(offsetof(type, env) == 0, #type " must begin with env")

static inline struct gpumem_test_env *test_env(struct kunit *test)
{
	return test->priv;
}

/* GPUMEM_IOCTL_POPULATE of [gfn, gfn + n) for the bound frontend. */
static inline long populate(struct kunit *test, u64 gfn, u64 n)
{
	return gpumem_test_populate(test, test_env(test), gfn, n);
}

/* The bound frontend's p2m entry at @gfn. */
static inline struct hvsim_entry fe_entry(struct kunit *test, u64 gfn)
{
	return gpumem_test_entry(test, test_env(test), gfn);
}

/* How many lent entries the bound frontend has. */
static inline u64 lent(struct kunit *test)
{
	return gpumem_test_entries(test, test_env(test), HVSIM_P2M_LENT);
}

/* hvsim's counters of @op. */
static inline struct hvsim_op_stats stats(struct kunit *test, unsigned int op)
{
	return gpumem_test_stats(test_env(test), op);
}

#ifndef MODULE
/*
 * The linker's table of built-in suites, which no header declares (the
 * leak suite's; a test module reads THIS_MODULE's instead).
 */
extern struct kunit_suite * const __kunit_suites_start[];
extern struct kunit_suite * const __kunit_suites_end[];
#endif

#endif /* _XEN_GPUMEM_TEST_ENV_H */
