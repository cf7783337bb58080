// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gpumem_test: /dev/xen/gpumem from userspace, against hvsim.
 *
 * Needs the module loaded with backend=hvsim, root, and debugfs mounted:
 * every case asserts its outcome by reading hvsim's p2m and stats after
 * each step.  Prints TAP 13, kselftest style.  The dmabuf cases need
 * /dev/udmabuf and the vgem driver; the VRAM case needs a bochs display
 * (QEMU -device bochs-display) driven by the bochs DRM driver.
 *
 * Style: kernel style, checked with checkpatch --strict, except what C99
 * userspace and its messages need: <inttypes.h>'s PRIu64/PRIx64
 * (CAMELCASE), as in the kernel's own tools/, user-visible strings kept
 * whole (LONG_LINE), so that they can be grepped for, and assertion macros
 * that end the case (MACRO_WITH_FLOW_CONTROL), as kselftest_harness.h's.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/udmabuf.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>

#include "libgpumem.h"
#include "hvsimfs.h"

#define PAGE	LIBGPUMEM_PAGE_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum { PASS, FAIL, SKIP };

static struct libgpumem_handle *h;
static uint32_t domid;
static unsigned long ram_pages;
static char skip_reason[256];

static void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
}

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		diag("%s:%d: failed: %s", __func__, __LINE__, #cond);	\
		diag(__VA_ARGS__);					\
		return FAIL;						\
	}								\
} while (0)

/* An ioctl's result against the errno the documentation promises. */
#define CHECK_RC(expr, cmd, want) do {					\
	int __rc = (expr);						\
	if (__rc != (want)) {						\
		diag("%s:%d: %s", __func__, __LINE__, #expr);		\
		diag("  got %d (%s), want %d (%s)", __rc,		\
		     libgpumem_strerror(cmd, __rc), (want),		\
		     libgpumem_strerror(cmd, (want)));			\
		return FAIL;						\
	}								\
} while (0)

#define SKIP_IF(cond, ...) do {						\
	if (cond) {							\
		snprintf(skip_reason, sizeof(skip_reason), __VA_ARGS__); \
		return SKIP;						\
	}								\
} while (0)

/* Whether @pfn lies in a top-level "System RAM" range of /proc/iomem. */
static bool pfn_is_system_ram(uint64_t pfn)
{
	uint64_t addr = pfn * PAGE, start, end;
	char line[256];
	bool ram = false;
	FILE *f = fopen("/proc/iomem", "re");

	if (!f)
		return false;
	while (!ram && fgets(line, sizeof(line), f)) {
		if (line[0] == ' ' || !strstr(line, ": System RAM"))
			continue;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 &&
		    addr >= start && addr + PAGE - 1 <= end)
			ram = true;
	}
	fclose(f);
	return ram;
}

/*
 * The p2m entries of [gfn, gfn + nr) of the frontend: @frames (may be NULL)
 * gets their frames.  Checks every entry has @type and, for "lent", the
 * MMIO flag iff @mmio; lent RAM frames must be System RAM of this kernel.
 */
static int expect_p2m(uint64_t gfn, uint64_t nr, const char *type, bool mmio,
		      uint64_t *frames, uint32_t *flags)
{
	struct hvsimfs_p2m p2m;
	int rc = hvsimfs_p2m(&p2m);
	uint64_t i;

	CHECK(!rc, "reading hvsim's p2m: %s", strerror(-rc));
	for (i = 0; i < nr; i++) {
		struct hvsimfs_p2m_entry e;

		hvsimfs_p2m_lookup(&p2m, domid, gfn + i, &e);
		if (strcmp(e.type, type) ||
		    (!strcmp(type, "lent") &&
		     !!(e.flags & HVSIMFS_P2M_MMIO) != mmio) ||
		    (!strcmp(type, "lent") && !mmio &&
		     !pfn_is_system_ram(e.frame))) {
			diag("gfn %#" PRIx64 ": %s frame %#" PRIx64 " flags %#x, want %s%s",
			     gfn + i, e.type, e.frame, e.flags, type,
			     strcmp(type, "lent") ? "" :
			     mmio ? " MMIO" : " System RAM");
			hvsimfs_p2m_free(&p2m);
			return FAIL;
		}
		if (frames)
			frames[i] = e.frame;
		if (flags)
			flags[i] = e.flags;
	}
	hvsimfs_p2m_free(&p2m);
	return PASS;
}

#define EXPECT_P2M(...) do {						\
	if (expect_p2m(__VA_ARGS__) != PASS) {				\
		diag("%s:%d: p2m check failed", __func__, __LINE__);	\
		return FAIL;						\
	}								\
} while (0)

static uint64_t tot_pages(void)
{
	const struct hvsimfs_p2m_dom *d;
	struct hvsimfs_p2m p2m;
	uint64_t n = 0;

	if (hvsimfs_p2m(&p2m))
		return 0;
	d = hvsimfs_p2m_dom(&p2m, domid);
	if (d)
		n = d->tot_pages;
	hvsimfs_p2m_free(&p2m);
	return n;
}

static struct hvsimfs_op hv_op(const char *name)
{
	struct hvsimfs_stats st;

	if (hvsimfs_stats(&st))
		memset(&st, 0, sizeof(st));
	return *hvsimfs_op(&st, name);
}

/* Backing memory for MAP_VA: a memfd or anonymous, at @at if not NULL. */
static void *map_source(bool memfd, void *at, size_t len)
{
	int flags = at ? MAP_FIXED : 0;
	void *p;
	int fd;

	if (!memfd)
		return mmap(at, len, PROT_READ | PROT_WRITE,
			    flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = memfd_create("gpumem-test", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, len))
		return MAP_FAILED;
	p = mmap(at, len, PROT_READ | PROT_WRITE, flags | MAP_SHARED, fd, 0);
	close(fd);
	return p;
}

/* GFNs well above the frontend's RAM, one window per case. */
static uint64_t gfn_window(unsigned int n)
{
	return ram_pages + 0x1000 + n * 0x400ull;
}

static int test_query_bind(void)
{
	struct gpumem_query q;

	CHECK_RC(libgpumem_query(h, &q), GPUMEM_IOCTL_QUERY, 0);
	CHECK(q.domid == GPUMEM_DOMID_NONE && !q.features,
	      "unbound: domid %#x features %#llx", q.domid,
	      (unsigned long long)q.features);
	CHECK(q.backend == GPUMEM_BACKEND_HVSIM, "backend %u", q.backend);
	CHECK_RC(libgpumem_bind(h, domid), GPUMEM_IOCTL_BIND, 0);
	CHECK_RC(libgpumem_bind(h, domid), GPUMEM_IOCTL_BIND, 0);
	CHECK_RC(libgpumem_query(h, &q), GPUMEM_IOCTL_QUERY, 0);
	CHECK(q.api_version == GPUMEM_API_VERSION && q.domid == domid,
	      "api %u domid %u", q.api_version, q.domid);
	CHECK((q.features & 7) == 7 && (q.hv_ops & 0x1f) == 0x1f,
	      "features %#llx hv_ops %#x",
	      (unsigned long long)q.features, q.hv_ops);
	diag("d%u: hv_version %u hv_ops %#x features %#llx max_extents %u",
	     domid, q.hv_version, q.hv_ops, (unsigned long long)q.features,
	     q.max_extents);
	diag("dynamic dmabuf exporters: %s; max_pinned_pages %llu",
	     q.features & GPUMEM_FEAT_MOVE_NOTIFY ?
	     "imported without a pin (move_notify)" :
	     "only with GPUMEM_MAP_PIN (no move_notify in this kernel)",
	     (unsigned long long)q.max_pinned_pages);
	return PASS;
}

/*
 * MAP_VA of a memfd or anonymous range: lent RAM frames; munmap revokes;
 * a new mapping at the same address is mapped by POPULATE.
 */
static int map_va_case(bool memfd, uint64_t gfn)
{
	const size_t n = 16, len = n * PAGE;
	struct hvsimfs_op rv0, rv1;
	uint64_t f0[16], f1[16], region;
	void *p, *q;

	p = map_source(memfd, NULL, len);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 0xa5, len);
	CHECK_RC(libgpumem_map_va(h, p, len, gfn, 0, &region),
		 GPUMEM_IOCTL_MAP_VA, 0);
	EXPECT_P2M(gfn, n, "lent", false, f0, NULL);
	diag("%s: gfn %#" PRIx64 "+%zu lent, frames %#" PRIx64 "...",
	     memfd ? "memfd" : "anon", gfn, n, f0[0]);

	rv0 = hv_op("revoke");
	CHECK(!munmap(p, len), "munmap");
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	rv1 = hv_op("revoke");
	CHECK(rv1.calls > rv0.calls && rv1.frames >= rv0.frames + n,
	      "revoke calls %" PRIu64 "->%" PRIu64 " frames %" PRIu64 "->%" PRIu64,
	      rv0.calls, rv1.calls, rv0.frames, rv1.frames);

	q = map_source(memfd, p, len);
	CHECK(q == p, "mmap at %p: %s", p, strerror(errno));
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	CHECK_RC(libgpumem_populate(h, gfn, n), GPUMEM_IOCTL_POPULATE, 0);
	EXPECT_P2M(gfn, n, "lent", false, f1, NULL);
	diag("new range populated: frames %#" PRIx64 "...", f1[0]);

	CHECK_RC(libgpumem_unmap(h, region), GPUMEM_IOCTL_UNMAP, 0);
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	munmap(q, len);
	return PASS;
}

static int test_map_va_memfd(void)
{
	return map_va_case(true, gfn_window(0));
}

static int test_map_va_anon(void)
{
	return map_va_case(false, gfn_window(1));
}

static int test_map_va_errors(void)
{
	uint64_t gfn = gfn_window(2), region, r2;
	struct libgpumem_handle *unbound;
	struct gpumem_populate pop = {
		.gfn = gfn, .nr_pages = 1, .domid = domid + 1,
	};
	struct gpumem_map_va m = { .len = PAGE, .gfn = gfn, .domid = domid };
	void *p, *ro;

	p = map_source(false, NULL, 4 * PAGE);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_RC(libgpumem_map_va(h, (char *)p + 1, PAGE, gfn, 0, NULL),
		 GPUMEM_IOCTL_MAP_VA, -EINVAL);
	CHECK_RC(libgpumem_map_va(h, p, 0, gfn, 0, NULL),
		 GPUMEM_IOCTL_MAP_VA, -EINVAL);
	CHECK_RC(libgpumem_map_va(h, p, PAGE, gfn, 0x80, NULL),
		 GPUMEM_IOCTL_MAP_VA, -EINVAL);
	CHECK_RC(libgpumem_map_va(h, p, PAGE, ~0ull - 1, 0, NULL),
		 GPUMEM_IOCTL_MAP_VA, -EOVERFLOW);

	/* Past 52-bit address space; beyond the physmap ("malformed"). */
	CHECK_RC(libgpumem_map_va(h, p, PAGE, 1ull << 40, 0, NULL),
		 GPUMEM_IOCTL_MAP_VA, -EOVERFLOW);
	CHECK_RC(libgpumem_map_va(h, p, PAGE, 1ull << 30, 0, NULL),
		 GPUMEM_IOCTL_MAP_VA, -EINVAL);

	CHECK_RC(libgpumem_map_va(h, p, 2 * PAGE, gfn, 0, &region),
		 GPUMEM_IOCTL_MAP_VA, 0);
	CHECK_RC(libgpumem_map_va(h, (char *)p + 2 * PAGE, 2 * PAGE, gfn + 1,
				  0, NULL), GPUMEM_IOCTL_MAP_VA, -EEXIST);

	/* A hole in the range. */
	CHECK(!munmap((char *)p + 3 * PAGE, PAGE), "munmap");
	CHECK_RC(libgpumem_map_va(h, (char *)p + 2 * PAGE, 2 * PAGE, gfn + 8,
				  0, NULL), GPUMEM_IOCTL_MAP_VA, -EFAULT);
	EXPECT_P2M(gfn + 8, 2, "hole", false, NULL, NULL);

	/* Read-only memory: EACCES unless the region is read-only. */
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED, "mmap");
	CHECK_RC(libgpumem_map_va(h, ro, PAGE, gfn + 16, 0, NULL),
		 GPUMEM_IOCTL_MAP_VA, -EACCES);
	CHECK_RC(libgpumem_map_va(h, ro, PAGE, gfn + 16, GPUMEM_MAP_RO, &r2),
		 GPUMEM_IOCTL_MAP_VA, 0);
	{
		uint32_t fl;

		EXPECT_P2M(gfn + 16, 1, "lent", false, NULL, &fl);
		CHECK(fl & HVSIMFS_P2M_RO, "read-only region: flags %#x", fl);
	}
	CHECK_RC(libgpumem_unmap(h, r2), GPUMEM_IOCTL_UNMAP, 0);

	CHECK_RC(libgpumem_populate(h, gfn + 100, 1), GPUMEM_IOCTL_POPULATE,
		 -ENOENT);
	CHECK_RC(libgpumem_populate(h, gfn, 0), GPUMEM_IOCTL_POPULATE,
		 -EINVAL);
	CHECK_RC(libgpumem_revoke(h, gfn + 100, 1), GPUMEM_IOCTL_REVOKE,
		 -ENOENT);
	CHECK_RC(libgpumem_revoke(h, gfn, 2), GPUMEM_IOCTL_REVOKE, 0);
	EXPECT_P2M(gfn, 2, "hole", false, NULL, NULL);
	CHECK_RC(libgpumem_populate(h, gfn, 2), GPUMEM_IOCTL_POPULATE, 0);
	EXPECT_P2M(gfn, 2, "lent", false, NULL, NULL);
	CHECK_RC(libgpumem_unmap(h, region + 1000), GPUMEM_IOCTL_UNMAP,
		 -ENOENT);
	CHECK_RC(libgpumem_unmap(h, region), GPUMEM_IOCTL_UNMAP, 0);
	CHECK_RC(libgpumem_unmap(h, region), GPUMEM_IOCTL_UNMAP, -ENOENT);

	/* The bind latch, the domid check, an unbound context. */
	CHECK_RC(libgpumem_bind(h, domid + 1), GPUMEM_IOCTL_BIND, -EBUSY);
	CHECK_RC(libgpumem_ioctl(h, GPUMEM_IOCTL_POPULATE, &pop),
		 GPUMEM_IOCTL_POPULATE, -EPERM);
	unbound = libgpumem_open(NULL);
	CHECK(unbound, "open: %s", strerror(errno));
	m.hva = (uintptr_t)p;
	CHECK_RC(libgpumem_ioctl(unbound, GPUMEM_IOCTL_MAP_VA, &m),
		 GPUMEM_IOCTL_MAP_VA, -EBADFD);
	CHECK_RC(libgpumem_bind(unbound, 0), GPUMEM_IOCTL_BIND, -EINVAL);
	CHECK_RC(libgpumem_bind(unbound, 0x7ff0), GPUMEM_IOCTL_BIND, -EINVAL);
	libgpumem_close(unbound);
	CHECK_RC(libgpumem_ioctl(h, _IO(GPUMEM_IOCTL_MAGIC, 0x0f), NULL), 0,
		 -ENOTTY);

	/* A descriptor that is not a dmabuf. */
	{
		int fd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);

		CHECK_RC(libgpumem_map_dmabuf(h, fd, 0, PAGE, gfn, 0, 0, NULL),
			 GPUMEM_IOCTL_MAP_DMABUF, -EBADF);
		close(fd);
	}
	CHECK(strstr(libgpumem_strerror(GPUMEM_IOCTL_STEAL, -EXDEV),
		     "another domain"), "strerror(STEAL, EXDEV)");
	munmap(p, 2 * PAGE);
	munmap(ro, PAGE);
	return PASS;
}

/*
 * A static exporter's dmabuf: lent RAM frames (@want, if not NULL, must
 * match them); closing the fd keeps them; UNMAP revokes.
 */
static int dmabuf_case(int buf, uint64_t len, uint64_t gfn, const uint64_t *want)
{
	const uint64_t n = len / PAGE;
	uint64_t frames[64], region, pinned, i;

	CHECK(n <= 64, "too long");
	CHECK_RC(libgpumem_map_dmabuf(h, buf, 0, len, gfn, 0, 0, &region),
		 GPUMEM_IOCTL_MAP_DMABUF, 0);
	EXPECT_P2M(gfn, n, "lent", false, frames, NULL);
	for (i = 0; want && i < n; i++)
		CHECK(frames[i] == want[i], "page %" PRIu64 ": frame %#" PRIx64
		      ", the source maps %#" PRIx64, i, frames[i], want[i]);
	diag("dmabuf: gfn %#" PRIx64 "+%" PRIu64 " lent, frames %#" PRIx64 "...",
	     gfn, n, frames[0]);
	CHECK_RC(libgpumem_map_dmabuf(h, buf, len, PAGE, gfn + n, 0, 0, NULL),
		 GPUMEM_IOCTL_MAP_DMABUF, -ERANGE);
	/* A static exporter is pinned by the core: GPUMEM_MAP_PIN is a no-op. */
	CHECK_RC(libgpumem_map_dmabuf(h, buf, 0, PAGE, gfn + n, GPUMEM_MAP_PIN,
				      0, &pinned), GPUMEM_IOCTL_MAP_DMABUF, 0);
	EXPECT_P2M(gfn + n, 1, "lent", false, NULL, NULL);
	CHECK_RC(libgpumem_unmap(h, pinned), GPUMEM_IOCTL_UNMAP, 0);
	close(buf);
	EXPECT_P2M(gfn, n, "lent", false, NULL, NULL);
	CHECK_RC(libgpumem_unmap(h, region), GPUMEM_IOCTL_UNMAP, 0);
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	return PASS;
}

static int test_dmabuf_udmabuf(void)
{
	const uint64_t n = 16, len = n * PAGE, gfn = gfn_window(3);
	struct udmabuf_create create = {
		.flags = UDMABUF_FLAGS_CLOEXEC, .size = len,
	};
	uint64_t frames[16], region;
	int mfd, dev, buf, rc;
	void *p;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	SKIP_IF(dev < 0, "no /dev/udmabuf: %s", strerror(errno));
	mfd = memfd_create("gpumem-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(mfd >= 0 && !ftruncate(mfd, len) &&
	      !fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK), "memfd: %s",
	      strerror(errno));
	create.memfd = mfd;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	CHECK(buf >= 0, "UDMABUF_CREATE: %s", strerror(errno));
	close(dev);

	/* The memfd's own pages, through MAP_VA, are the udmabuf's. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_RC(libgpumem_map_va(h, p, len, gfn + 0x100, 0, &region),
		 GPUMEM_IOCTL_MAP_VA, 0);
	EXPECT_P2M(gfn + 0x100, n, "lent", false, frames, NULL);
	CHECK_RC(libgpumem_unmap(h, region), GPUMEM_IOCTL_UNMAP, 0);
	munmap(p, len);

	rc = dmabuf_case(buf, len, gfn, frames);
	close(mfd);
	return rc;
}

/* The DRM card whose driver is @name, or -1. */
static int drm_open(const char *name, int *minor)
{
	char path[64], drv[32];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v = { .name = drv, .name_len = sizeof(drv) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(drv, 0, sizeof(drv));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(drv, name)) {
			if (minor)
				*minor = i;
			return fd;
		}
		close(fd);
	}
	return -1;
}

struct dumb {
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
	uint32_t fb;
};

static int dumb_create(int fd, uint32_t w, uint32_t h, struct dumb *d)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };

	if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	d->handle = c.handle;
	d->pitch = c.pitch;
	d->size = c.size;
	d->fb = 0;
	return 0;
}

static void *dumb_mmap(int fd, const struct dumb *d)
{
	struct drm_mode_map_dumb m = { .handle = d->handle };

	if (ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		return MAP_FAILED;
	return mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    m.offset);
}

static int test_dmabuf_vgem(void)
{
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_gem_close gc = { 0 };
	struct dumb d;
	int fd, rc;

	fd = drm_open("vgem", NULL);
	SKIP_IF(fd < 0, "no vgem card (modprobe vgem)");
	CHECK(!dumb_create(fd, 1024, 16, &d), "CREATE_DUMB: %s",
	      strerror(errno));
	CHECK(d.size == 16 * PAGE, "dumb size %" PRIu64, (uint64_t)d.size);
	prime.handle = d.handle;
	CHECK(!ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime),
	      "PRIME_HANDLE_TO_FD: %s", strerror(errno));
	/* Only the dmabuf keeps the object alive from here on. */
	gc.handle = d.handle;
	CHECK(!ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), "GEM_CLOSE");
	rc = dmabuf_case(prime.fd, d.size, gfn_window(4), NULL);
	close(fd);
	return rc;
}

static int test_steal_return(void)
{
	const uint64_t n = 8, len = n * PAGE, gfn = ram_pages / 2;
	uint64_t before[8], frames[8], off, tot0;
	unsigned char *p;
	uint64_t i;

	SKIP_IF(ram_pages < 64, "hvsim_ram=%lu: too little frontend RAM",
		ram_pages);
	EXPECT_P2M(gfn, n, "ram", false, before, NULL);
	tot0 = tot_pages();
	CHECK_RC(libgpumem_steal(h, gfn, n, &off), GPUMEM_IOCTL_STEAL, 0);
	EXPECT_P2M(gfn, n, "lent", false, frames, NULL);
	for (i = 0; i < n; i++)
		CHECK(frames[i] == before[i], "gfn %#" PRIx64 ": frame %#"
		      PRIx64 " became %#" PRIx64, gfn + i, before[i], frames[i]);
	CHECK(tot_pages() == tot0 - n, "tot_pages %" PRIu64 " -> %" PRIu64,
	      tot0, tot_pages());
	diag("stole gfn %#" PRIx64 "+%" PRIu64 " (frames %#" PRIx64 "...): "
	     "offset %#" PRIx64 ", tot_pages %" PRIu64 " -> %" PRIu64,
	     gfn, n, frames[0], off, tot0, tot_pages());

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, libgpumem_fd(h), off);
	CHECK(p != MAP_FAILED, "mmap of the steal: %s", strerror(errno));
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	CHECK_RC(libgpumem_return(h, off), GPUMEM_IOCTL_RETURN, 0);
	EXPECT_P2M(gfn, n, "ram", false, frames, NULL);
	CHECK(!memcmp(frames, before, sizeof(frames)), "frames changed");
	CHECK(tot_pages() == tot0, "tot_pages %" PRIu64 " after RETURN, want %"
	      PRIu64, tot_pages(), tot0);
	munmap(p, len);

	/* The frontend kept the bytes: steal again and read them back. */
	CHECK_RC(libgpumem_steal(h, gfn, n, &off), GPUMEM_IOCTL_STEAL, 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, libgpumem_fd(h), off);
	CHECK(p != MAP_FAILED, "mmap of the steal: %s", strerror(errno));
	for (i = 0; i < len; i++)
		CHECK(p[i] == (unsigned char)(i * 7 + 3),
		      "byte %" PRIu64 ": %#x", i, p[i]);
	CHECK_RC(libgpumem_return(h, off), GPUMEM_IOCTL_RETURN, 0);
	EXPECT_P2M(gfn, n, "ram", false, NULL, NULL);
	CHECK(tot_pages() == tot0, "tot_pages");
	munmap(p, len);
	return PASS;
}

/*
 * A child's access to a mapping of stolen pages ends in @sig: SIGSEGV when
 * fork() left the mapping out (VM_DONTCOPY), SIGBUS when MADV_DOFORK had
 * it copied (the fault handler serves only the address space that mmapped).
 */
static int child_access(volatile unsigned char *p, int sig)
{
	int status;
	pid_t pid = fork();

	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		p[0] = 0x5a;
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig,
	      "child's access: status %#x, want signal %d", status, sig);
	return PASS;
}

/* Stolen pages are not inherited by fork(), MADV_DOFORK or not. */
static int test_steal_fork(void)
{
	const uint64_t gfn = ram_pages / 2 + 24;
	unsigned char *p;
	uint64_t off;

	SKIP_IF(ram_pages < 64, "hvsim_ram=%lu: too little frontend RAM",
		ram_pages);
	CHECK_RC(libgpumem_steal(h, gfn, 1, &off), GPUMEM_IOCTL_STEAL, 0);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, libgpumem_fd(h), off);
	CHECK(p != MAP_FAILED, "mmap of the steal: %s", strerror(errno));
	p[0] = 0xa5;
	CHECK(child_access(p, SIGSEGV) == PASS, "without MADV_DOFORK");
	CHECK(madvise(p, PAGE, MADV_DOFORK) == 0, "MADV_DOFORK: %s",
	      strerror(errno));
	CHECK(child_access(p, SIGBUS) == PASS, "with MADV_DOFORK");
	CHECK(p[0] == 0xa5, "the child wrote the page: %#x", p[0]);
	munmap(p, PAGE);
	CHECK_RC(libgpumem_return(h, off), GPUMEM_IOCTL_RETURN, 0);
	EXPECT_P2M(gfn, 1, "ram", false, NULL, NULL);
	return PASS;
}

/* RETURN while a pipe holds a page (vmsplice takes page references). */
static int test_return_busy(void)
{
	const uint64_t gfn = ram_pages / 2 + 16;
	unsigned char *p, buf[PAGE];
	struct iovec iov;
	int pfd[2];
	uint64_t off;

	CHECK_RC(libgpumem_steal(h, gfn, 1, &off), GPUMEM_IOCTL_STEAL, 0);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, libgpumem_fd(h), off);
	CHECK(p != MAP_FAILED, "mmap of the steal: %s", strerror(errno));
	memset(p, 0x5c, PAGE);
	CHECK(!pipe(pfd), "pipe");
	iov.iov_base = p;
	iov.iov_len = PAGE;
	CHECK(vmsplice(pfd[1], &iov, 1, 0) == (ssize_t)PAGE, "vmsplice: %s",
	      strerror(errno));
	CHECK_RC(libgpumem_return(h, off), GPUMEM_IOCTL_RETURN, -EBUSY);
	EXPECT_P2M(gfn, 1, "lent", false, NULL, NULL);
	/* The steal stays whole and usable: the mapping faults back in. */
	CHECK(p[10] == 0x5c, "mapping after EBUSY: %#x", p[10]);
	CHECK(read(pfd[0], buf, PAGE) == (ssize_t)PAGE && buf[0] == 0x5c,
	      "draining the pipe");
	close(pfd[0]);
	close(pfd[1]);
	CHECK_RC(libgpumem_return(h, off), GPUMEM_IOCTL_RETURN, 0);
	EXPECT_P2M(gfn, 1, "ram", false, NULL, NULL);
	munmap(p, PAGE);
	return PASS;
}

static int test_steal_errors(void)
{
	const uint64_t gfn = ram_pages / 2 + 32;
	struct gpumem_steal s = { .gfn = gfn, .nr_pages = 1, .domid = domid };
	struct gpumem_return r = { .domid = domid };
	struct libgpumem_handle *other, *unbound;
	struct gpumem_query q;
	uint64_t off, region;
	void *p;

	CHECK_RC(libgpumem_query(h, &q), GPUMEM_IOCTL_QUERY, 0);
	s.flags = 1;
	CHECK_RC(libgpumem_ioctl(h, GPUMEM_IOCTL_STEAL, &s),
		 GPUMEM_IOCTL_STEAL, -EINVAL);
	s.flags = 0;
	s.offset = PAGE;
	CHECK_RC(libgpumem_ioctl(h, GPUMEM_IOCTL_STEAL, &s),
		 GPUMEM_IOCTL_STEAL, -EINVAL);
	s.offset = 0;
	s.domid = domid + 1;
	CHECK_RC(libgpumem_ioctl(h, GPUMEM_IOCTL_STEAL, &s),
		 GPUMEM_IOCTL_STEAL, -EPERM);
	CHECK_RC(libgpumem_steal(h, gfn, 0, NULL), GPUMEM_IOCTL_STEAL, -EINVAL);
	CHECK_RC(libgpumem_steal(h, ~0ull - 1, 4, NULL), GPUMEM_IOCTL_STEAL,
		 -EOVERFLOW);
	CHECK_RC(libgpumem_steal(h, 0, q.max_stolen_pages + 1, NULL),
		 GPUMEM_IOCTL_STEAL, -E2BIG);
	CHECK_RC(libgpumem_steal(h, ram_pages + 10, 1, NULL),
		 GPUMEM_IOCTL_STEAL, -ENOENT);

	/* All or nothing: two RAM pages, then two holes. */
	CHECK_RC(libgpumem_steal(h, ram_pages - 2, 4, NULL),
		 GPUMEM_IOCTL_STEAL, -ENOENT);
	EXPECT_P2M(ram_pages - 2, 2, "ram", false, NULL, NULL);

	/* Overlapping a steal of this context. */
	CHECK_RC(libgpumem_steal(h, gfn, 2, &off), GPUMEM_IOCTL_STEAL, 0);
	CHECK_RC(libgpumem_steal(h, gfn + 1, 2, NULL), GPUMEM_IOCTL_STEAL,
		 -EEXIST);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, libgpumem_fd(h),
		 off);
	CHECK(p == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE: %s",
	      strerror(errno));
	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, libgpumem_fd(h),
		 off);
	CHECK(p == MAP_FAILED && errno == EINVAL, "longer than the steal: %s",
	      strerror(errno));
	r.flags = 1;
	r.offset = off;
	CHECK_RC(libgpumem_ioctl(h, GPUMEM_IOCTL_RETURN, &r),
		 GPUMEM_IOCTL_RETURN, -EINVAL);
	CHECK_RC(libgpumem_return(h, off + PAGE), GPUMEM_IOCTL_RETURN, -ENOENT);
	CHECK_RC(libgpumem_return(h, off), GPUMEM_IOCTL_RETURN, 0);
	CHECK_RC(libgpumem_return(h, off), GPUMEM_IOCTL_RETURN, -ENOENT);
	EXPECT_P2M(gfn, 2, "ram", false, NULL, NULL);

	/* A page another context lent to the frontend is not its RAM. */
	other = libgpumem_open(NULL);
	CHECK(other && !libgpumem_bind(other, domid), "second context");
	p = map_source(false, NULL, PAGE);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK_RC(libgpumem_map_va(other, p, PAGE, gfn_window(5), 0, &region),
		 GPUMEM_IOCTL_MAP_VA, 0);
	CHECK_RC(libgpumem_steal(h, gfn_window(5), 1, NULL),
		 GPUMEM_IOCTL_STEAL, -EXDEV);
	libgpumem_close(other);
	EXPECT_P2M(gfn_window(5), 1, "hole", false, NULL, NULL);
	munmap(p, PAGE);

	unbound = libgpumem_open(NULL);
	CHECK(unbound, "open: %s", strerror(errno));
	s.domid = domid;
	CHECK_RC(libgpumem_ioctl(unbound, GPUMEM_IOCTL_STEAL, &s),
		 GPUMEM_IOCTL_STEAL, -EBADFD);
	libgpumem_close(unbound);
	return PASS;
}

/* bochs: a KMS card with one CRTC and one connector. */
struct kms {
	int fd;
	uint32_t crtc;
	uint32_t conn;
	struct drm_mode_modeinfo mode;
};

static int kms_setup(struct kms *k)
{
	struct drm_mode_card_res res = { 0 };
	struct drm_mode_get_connector gc = { 0 };
	struct drm_mode_modeinfo modes[64];
	uint32_t crtcs[4], conns[4], i;

	if (ioctl(k->fd, DRM_IOCTL_MODE_GETRESOURCES, &res) ||
	    !res.count_crtcs || !res.count_connectors)
		return -ENODEV;
	res.count_fbs = 0;
	res.count_encoders = 0;
	res.count_crtcs = res.count_crtcs > 4 ? 4 : res.count_crtcs;
	res.count_connectors = res.count_connectors > 4 ? 4 :
			       res.count_connectors;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)conns;
	if (ioctl(k->fd, DRM_IOCTL_MODE_GETRESOURCES, &res))
		return -errno;
	k->crtc = crtcs[0];
	k->conn = conns[0];

	gc.connector_id = k->conn;
	if (ioctl(k->fd, DRM_IOCTL_MODE_GETCONNECTOR, &gc) || !gc.count_modes)
		return -ENODEV;
	gc.count_modes = gc.count_modes > 64 ? 64 : gc.count_modes;
	gc.modes_ptr = (uintptr_t)modes;
	gc.count_props = 0;
	gc.count_encoders = 0;
	if (ioctl(k->fd, DRM_IOCTL_MODE_GETCONNECTOR, &gc))
		return -errno;
	k->mode = modes[0];
	for (i = 0; i < gc.count_modes; i++)
		if (modes[i].hdisplay == 1024 && modes[i].vdisplay == 768) {
			k->mode = modes[i];
			break;
		}
	return 0;
}

static int kms_fb(struct kms *k, struct dumb *d)
{
	struct drm_mode_fb_cmd2 f = {
		.width = k->mode.hdisplay, .height = k->mode.vdisplay,
		.pixel_format = DRM_FORMAT_XRGB8888,
	};
	int rc = dumb_create(k->fd, f.width, f.height, d);

	if (rc)
		return rc;
	f.handles[0] = d->handle;
	f.pitches[0] = d->pitch;
	if (ioctl(k->fd, DRM_IOCTL_MODE_ADDFB2, &f))
		return -errno;
	d->fb = f.fb_id;
	return 0;
}

static int kms_scanout(struct kms *k, const struct dumb *d)
{
	struct drm_mode_crtc c = {
		.set_connectors_ptr = (uintptr_t)&k->conn,
		.count_connectors = 1,
		.crtc_id = k->crtc,
		.fb_id = d->fb,
		.mode_valid = 1,
		.mode = k->mode,
	};

	return ioctl(k->fd, DRM_IOCTL_MODE_SETCRTC, &c) ? -errno : 0;
}

/* The first BAR of DRM card @minor, from sysfs. */
static int card_bar0(int minor, uint64_t *start, uint64_t *end)
{
	char path[80];
	uint64_t fl;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/class/drm/card%d/device/resource",
		 minor);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%" SCNx64 " %" SCNx64 " %" SCNx64, start, end, &fl);
	fclose(f);
	return n == 3 && *end > *start ? 0 : -EPROTO;
}

/* x86 PAT's reservations over [start, end], from debugfs. */
static void diag_pat(uint64_t start, uint64_t end)
{
	FILE *f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "re");
	uint64_t s, e;
	char line[160];

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "PAT: [mem %" SCNx64 "-%" SCNx64 "]", &s, &e) == 2 &&
		    s <= end && e > start) {
			line[strcspn(line, "\n")] = 0;
			diag("  %s", line);
		}
	}
	if (f)
		fclose(f);
}

#define BOCHS_MAX_FBS	16

/*
 * A dumb BO of bochs (GEM VRAM helper, TTM) scanned out, then replaced:
 * it stays in VRAM, and its mmap is BAR pages, mapped as MMIO.  Further
 * scanouts evict it from VRAM: the p2m loses it, POPULATE maps its new
 * system pages.
 */
static int test_bochs_vram(void)
{
	struct hvsimfs_op rv0, rv1;
	uint64_t bar0, bar1, gfn = gfn_window(8), region, i, n, f0, fl;
	struct dumb fbs[BOCHS_MAX_FBS];
	uint64_t *frames;
	uint32_t *flags;
	struct kms k;
	uint32_t *px;
	int minor, nfb, rc;

	k.fd = drm_open("bochs-drm", &minor);
	SKIP_IF(k.fd < 0, "no bochs-drm card (QEMU -device bochs-display)");
	CHECK(!card_bar0(minor, &bar0, &bar1), "card%d BAR0", minor);
	CHECK(!(rc = kms_setup(&k)), "KMS resources: %s", strerror(-rc));
	diag("bochs card%d: BAR0 %#" PRIx64 "-%#" PRIx64 " (%" PRIu64 " MiB), mode %ux%u",
	     minor, bar0, bar1, (bar1 - bar0 + 1) >> 20, k.mode.hdisplay,
	     k.mode.vdisplay);

	/* A: scanned out, then replaced by B. */
	for (nfb = 0; nfb < 2; nfb++) {
		CHECK(!(rc = kms_fb(&k, &fbs[nfb])), "framebuffer: %s",
		      strerror(-rc));
		CHECK(!(rc = kms_scanout(&k, &fbs[nfb])), "SETCRTC: %s",
		      strerror(-rc));
	}
	n = fbs[0].size / PAGE;
	frames = calloc(n, sizeof(*frames));
	flags = calloc(n, sizeof(*flags));
	CHECK(frames && flags, "calloc");
	px = dumb_mmap(k.fd, &fbs[0]);
	CHECK(px != MAP_FAILED, "MAP_DUMB/mmap: %s", strerror(errno));
	for (i = 0; i < fbs[0].size / 4; i++)
		px[i] = (uint32_t)i ^ 0x5a5a5a5a;

	CHECK_RC(libgpumem_map_va(h, px, fbs[0].size, gfn, 0, &region),
		 GPUMEM_IOCTL_MAP_VA, 0);
	EXPECT_P2M(gfn, n, "lent", true, frames, flags);
	for (i = 0; i < n; i++)
		CHECK(frames[i] * PAGE >= bar0 && frames[i] * PAGE + PAGE - 1 <= bar1,
		      "page %" PRIu64 ": frame %#" PRIx64 " outside BAR0", i,
		      frames[i]);
	f0 = frames[0];
	fl = flags[0];
	diag("A (%" PRIu64 " pages) in VRAM: gfn %#" PRIx64 "+%" PRIu64
	     " lent MMIO frames %#" PRIx64 "-%#" PRIx64
	     " (VRAM offset %#" PRIx64 "), flags %#x (%s)",
	     n, gfn, n, frames[0], frames[n - 1], f0 * PAGE - bar0, flags[0],
	     HVSIMFS_P2M_CACHE(fl) == 1 ? "MMIO|WC" :
	     HVSIMFS_P2M_CACHE(fl) == 2 ? "MMIO|UC" : "MMIO|WB");
	diag("PAT memtypes over BAR0 (the PTE's cache mode comes from them):");
	diag_pat(bar0, bar1);

	/* Further scanouts until TTM evicts A from VRAM. */
	rv0 = hv_op("revoke");
	for (; nfb < BOCHS_MAX_FBS; nfb++) {
		struct hvsimfs_p2m_entry e;
		struct hvsimfs_p2m p2m;

		CHECK(!(rc = kms_fb(&k, &fbs[nfb])), "framebuffer %d: %s",
		      nfb, strerror(-rc));
		CHECK(!(rc = kms_scanout(&k, &fbs[nfb])), "SETCRTC %d: %s",
		      nfb, strerror(-rc));
		CHECK(!hvsimfs_p2m(&p2m), "p2m");
		hvsimfs_p2m_lookup(&p2m, domid, gfn, &e);
		hvsimfs_p2m_free(&p2m);
		if (!strcmp(e.type, "hole"))
			break;
	}
	CHECK(nfb < BOCHS_MAX_FBS, "A still in VRAM after %d framebuffers",
	      nfb);
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	rv1 = hv_op("revoke");
	CHECK(rv1.frames >= rv0.frames + n, "revoke frames %" PRIu64 " -> %"
	      PRIu64, rv0.frames, rv1.frames);
	diag("evicted when framebuffer %d was scanned out: gfn %#" PRIx64
	     "+%" PRIu64 " revoked (revoke calls %" PRIu64 " -> %" PRIu64
	     ", frames %" PRIu64 " -> %" PRIu64 ")",
	     nfb + 1, gfn, n, rv0.calls, rv1.calls, rv0.frames, rv1.frames);

	CHECK_RC(libgpumem_populate(h, gfn, n), GPUMEM_IOCTL_POPULATE, 0);
	EXPECT_P2M(gfn, n, "lent", false, frames, flags);
	diag("POPULATE: gfn %#" PRIx64 "+%" PRIu64
	     " lent System RAM frames %#" PRIx64 "..., flags %#x",
	     gfn, n, frames[0], flags[0]);
	for (i = 0; i < fbs[0].size / 4; i++)
		CHECK(px[i] == ((uint32_t)i ^ 0x5a5a5a5a),
		      "A's word %" PRIu64 " after eviction: %#x", i, px[i]);

	/* Scanning A out again moves it back into VRAM: BAR frames again. */
	rv0 = hv_op("revoke");
	CHECK(!(rc = kms_scanout(&k, &fbs[0])), "SETCRTC A: %s", strerror(-rc));
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	rv1 = hv_op("revoke");
	CHECK(rv1.frames >= rv0.frames + n, "revoke frames %" PRIu64 " -> %"
	      PRIu64, rv0.frames, rv1.frames);
	CHECK_RC(libgpumem_populate(h, gfn, n), GPUMEM_IOCTL_POPULATE, 0);
	EXPECT_P2M(gfn, n, "lent", true, frames, flags);
	for (i = 0; i < n; i++)
		CHECK(frames[i] * PAGE >= bar0 && frames[i] * PAGE + PAGE - 1 <= bar1,
		      "page %" PRIu64 ": frame %#" PRIx64 " outside BAR0", i,
		      frames[i]);
	diag("A scanned out again: revoked, POPULATE maps MMIO frames %#"
	     PRIx64 "-%#" PRIx64 " (VRAM offset %#" PRIx64 "), flags %#x",
	     frames[0], frames[n - 1], frames[0] * PAGE - bar0, flags[0]);
	for (i = 0; i < fbs[0].size / 4; i++)
		CHECK(px[i] == ((uint32_t)i ^ 0x5a5a5a5a),
		      "A's word %" PRIu64 " back in VRAM: %#x", i, px[i]);

	CHECK_RC(libgpumem_unmap(h, region), GPUMEM_IOCTL_UNMAP, 0);
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	munmap(px, fbs[0].size);
	free(frames);
	free(flags);
	close(k.fd);
	return PASS;
}

/*
 * The contexts a fault case opens, closed by main() after the case if it
 * ended early: a window left claimed would hold one of the frontend's
 * fault servers, and a region a GFN, for the cases after it.
 */
static struct libgpumem_handle *tracked[8];

static struct libgpumem_handle *track(struct libgpumem_handle *c)
{
	size_t i;

	for (i = 0; c && i < ARRAY_SIZE(tracked); i++) {
		if (!tracked[i]) {
			tracked[i] = c;
			break;
		}
	}
	return c;
}

static void ctx_close(struct libgpumem_handle *c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tracked); i++)
		if (tracked[i] == c)
			tracked[i] = NULL;
	libgpumem_close(c);
}

static void close_tracked(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tracked); i++) {
		if (tracked[i])
			libgpumem_close(tracked[i]);
		tracked[i] = NULL;
	}
}

/* A second context bound to the frontend, for the fault cases. */
static struct libgpumem_handle *fault_ctx(void)
{
	struct libgpumem_handle *c = track(libgpumem_open(NULL));

	if (c && libgpumem_bind(c, domid)) {
		ctx_close(c);
		return NULL;
	}
	return c;
}

/* poll() of a context: its revents after at most @ms milliseconds. */
static short ctx_poll(struct libgpumem_handle *c, int ms)
{
	struct pollfd p = { .fd = libgpumem_fd(c), .events = POLLIN };

	return poll(&p, 1, ms) < 0 ? -1 : p.revents;
}

/*
 * FAULT_ENABLE's errno, in the documented order, and what QUERY reports.
 * Needs no fault: nothing touches the frontend.
 */
static int test_fault_enable_errors(void)
{
	const uint64_t gfn = gfn_window(9);
	struct gpumem_fault_enable f = {
		.gfn = gfn, .nr_pages = 16, .domid = domid,
		.flags = GPUMEM_FAULT_USER,
	};
	struct libgpumem_handle *c, *c2, *unbound;
	struct gpumem_query q;
	uint32_t nr_vcpus = 0;

	unbound = track(libgpumem_open(NULL));
	CHECK(unbound, "open: %s", strerror(errno));
	/* EINVAL (flags) comes before EBADFD (unbound). */
	f.flags = 0;
	CHECK_RC(libgpumem_ioctl(unbound, GPUMEM_IOCTL_FAULT_ENABLE, &f),
		 GPUMEM_IOCTL_FAULT_ENABLE, -EINVAL);
	f.flags = GPUMEM_FAULT_USER;
	CHECK_RC(libgpumem_ioctl(unbound, GPUMEM_IOCTL_FAULT_ENABLE, &f),
		 GPUMEM_IOCTL_FAULT_ENABLE, -EBADFD);
	ctx_close(unbound);

	c = fault_ctx();
	CHECK(c, "second context: %s", strerror(errno));
	CHECK_RC(libgpumem_query(c, &q), GPUMEM_IOCTL_QUERY, 0);
	CHECK((q.features & GPUMEM_FEAT_FAULT) &&
	      (q.hv_ops & GPUMEM_HV_OP_FAULT),
	      "features %#llx hv_ops %#x: no fault",
	      (unsigned long long)q.features, q.hv_ops);
	CHECK_RC(libgpumem_fault_enable(c, gfn, 16, 0, 0, NULL),
		 GPUMEM_IOCTL_FAULT_ENABLE, -EINVAL);
	CHECK_RC(libgpumem_fault_enable(c, gfn, 16, 1u << 2, 0, NULL),
		 GPUMEM_IOCTL_FAULT_ENABLE, -EINVAL);
	f.nr_vcpus = 1;
	CHECK_RC(libgpumem_ioctl(c, GPUMEM_IOCTL_FAULT_ENABLE, &f),
		 GPUMEM_IOCTL_FAULT_ENABLE, -EINVAL);
	f.nr_vcpus = 0;
	f.domid = domid + 1;
	CHECK_RC(libgpumem_ioctl(c, GPUMEM_IOCTL_FAULT_ENABLE, &f),
		 GPUMEM_IOCTL_FAULT_ENABLE, -EPERM);
	/* EPERM (domid) comes before EINVAL (nr_pages 0). */
	f.nr_pages = 0;
	CHECK_RC(libgpumem_ioctl(c, GPUMEM_IOCTL_FAULT_ENABLE, &f),
		 GPUMEM_IOCTL_FAULT_ENABLE, -EPERM);
	f.domid = domid;
	CHECK_RC(libgpumem_ioctl(c, GPUMEM_IOCTL_FAULT_ENABLE, &f),
		 GPUMEM_IOCTL_FAULT_ENABLE, -EINVAL);
	CHECK_RC(libgpumem_fault_enable(c, ~0ull - 1, 4, GPUMEM_FAULT_USER, 0,
					NULL), GPUMEM_IOCTL_FAULT_ENABLE,
		 -EOVERFLOW);
	CHECK_RC(libgpumem_fault_enable(c, 1ull << 40, 1, GPUMEM_FAULT_USER, 0,
					NULL), GPUMEM_IOCTL_FAULT_ENABLE,
		 -EOVERFLOW);
	/* Beyond the physmap: the hypervisor refuses the claim. */
	CHECK_RC(libgpumem_fault_enable(c, 1ull << 30, 1, GPUMEM_FAULT_USER, 0,
					NULL), GPUMEM_IOCTL_FAULT_ENABLE,
		 -EINVAL);

	CHECK_RC(libgpumem_fault_enable(c, gfn, 16, GPUMEM_FAULT_USER, 0,
					&nr_vcpus), GPUMEM_IOCTL_FAULT_ENABLE, 0);
	CHECK(nr_vcpus >= 1, "nr_vcpus %u", nr_vcpus);
	diag("window gfn %#" PRIx64 "+16: frontend d%u has %u vCPU(s)", gfn,
	     domid, nr_vcpus);
	/* Once per context, whatever the window. */
	CHECK_RC(libgpumem_fault_enable(c, gfn + 0x100, 16, GPUMEM_FAULT_USER,
					0, NULL), GPUMEM_IOCTL_FAULT_ENABLE,
		 -EBUSY);
	/* Another context: an overlapping window is taken, a disjoint one not. */
	c2 = fault_ctx();
	CHECK(c2, "third context: %s", strerror(errno));
	CHECK_RC(libgpumem_fault_enable(c2, gfn + 15, 4, GPUMEM_FAULT_KERNEL,
					0, NULL), GPUMEM_IOCTL_FAULT_ENABLE,
		 -EEXIST);
	CHECK_RC(libgpumem_fault_enable(c2, gfn + 16, 4, GPUMEM_FAULT_KERNEL,
					0, NULL), GPUMEM_IOCTL_FAULT_ENABLE, 0);
	ctx_close(c2);
	/* Closing releases the window: another context may claim it. */
	ctx_close(c);
	c = fault_ctx();
	CHECK(c, "context: %s", strerror(errno));
	CHECK_RC(libgpumem_fault_enable(c, gfn, 16, GPUMEM_FAULT_KERNEL, 0,
					NULL), GPUMEM_IOCTL_FAULT_ENABLE, 0);
	ctx_close(c);
	return PASS;
}

/*
 * read(), poll() and FAULT_COMPLETE before and after FAULT_ENABLE, with no
 * fault queued.
 */
static int test_fault_read_errors(void)
{
	const uint64_t gfn = gfn_window(10);
	struct gpumem_fault_complete fc = {
		.seq = 1, .domid = domid, .answer = 3,
	};
	struct gpumem_fault_record rec[2];
	struct libgpumem_handle *c, *unbound;
	short ev;
	int fl;

	unbound = track(libgpumem_open(NULL));
	CHECK(unbound, "open: %s", strerror(errno));
	CHECK_RC(libgpumem_fault_read(unbound, rec, 1), LIBGPUMEM_FAULT_READ,
		 -ENXIO);
	CHECK(ctx_poll(unbound, 0) & POLLERR, "poll of an unbound context");
	/* EINVAL (answer) comes before EBADFD (unbound). */
	CHECK_RC(libgpumem_ioctl(unbound, GPUMEM_IOCTL_FAULT_COMPLETE, &fc),
		 GPUMEM_IOCTL_FAULT_COMPLETE, -EINVAL);
	fc.answer = GPUMEM_FAULT_RETRY;
	CHECK_RC(libgpumem_ioctl(unbound, GPUMEM_IOCTL_FAULT_COMPLETE, &fc),
		 GPUMEM_IOCTL_FAULT_COMPLETE, -EBADFD);
	ctx_close(unbound);

	c = fault_ctx();
	CHECK(c, "second context: %s", strerror(errno));
	ev = ctx_poll(c, 0);
	CHECK(ev > 0 && (ev & POLLERR) && !(ev & POLLIN),
	      "poll before FAULT_ENABLE: revents %#x", ev);
	CHECK_RC(libgpumem_fault_read(c, rec, 1), LIBGPUMEM_FAULT_READ, -ENXIO);
	CHECK_RC(libgpumem_fault_complete(c, 1, GPUMEM_FAULT_RETRY),
		 GPUMEM_IOCTL_FAULT_COMPLETE, -ENXIO);

	/* GPUMEM_FAULT_KERNEL alone: nothing for read() or COMPLETE. */
	CHECK_RC(libgpumem_fault_enable(c, gfn, 16, GPUMEM_FAULT_KERNEL, 0,
					NULL), GPUMEM_IOCTL_FAULT_ENABLE, 0);
	CHECK(ctx_poll(c, 0) & POLLERR, "poll, GPUMEM_FAULT_KERNEL alone");
	CHECK_RC(libgpumem_fault_read(c, rec, 1), LIBGPUMEM_FAULT_READ, -ENXIO);
	CHECK_RC(libgpumem_fault_complete(c, 1, GPUMEM_FAULT_RETRY),
		 GPUMEM_IOCTL_FAULT_COMPLETE, -ENXIO);
	ctx_close(c);

	c = fault_ctx();
	CHECK(c, "context: %s", strerror(errno));
	CHECK_RC(libgpumem_fault_enable(c, gfn, 16,
					GPUMEM_FAULT_KERNEL | GPUMEM_FAULT_USER,
					0, NULL), GPUMEM_IOCTL_FAULT_ENABLE, 0);
	ev = ctx_poll(c, 0);
	CHECK(ev == 0, "poll with nothing queued: revents %#x", ev);
	/* O_NONBLOCK first, so that a wrong answer cannot hang the suite. */
	fl = fcntl(libgpumem_fd(c), F_GETFL);
	CHECK(fl >= 0 && !fcntl(libgpumem_fd(c), F_SETFL, fl | O_NONBLOCK),
	      "O_NONBLOCK: %s", strerror(errno));
	CHECK(read(libgpumem_fd(c), rec, sizeof(rec[0]) - 1) == -1 &&
	      errno == EINVAL, "read of 47 bytes: %s", strerror(errno));
	CHECK_RC(libgpumem_fault_read(c, rec, 2), LIBGPUMEM_FAULT_READ, -EAGAIN);
	CHECK_RC(libgpumem_fault_complete(c, 12345, GPUMEM_FAULT_RETRY),
		 GPUMEM_IOCTL_FAULT_COMPLETE, -ENOENT);
	fc.seq = 12345;
	fc.answer = GPUMEM_FAULT_CRASH + 1;
	CHECK_RC(libgpumem_ioctl(c, GPUMEM_IOCTL_FAULT_COMPLETE, &fc),
		 GPUMEM_IOCTL_FAULT_COMPLETE, -EINVAL);
	fc.answer = GPUMEM_FAULT_EMULATE;
	fc.domid = domid + 1;
	CHECK_RC(libgpumem_ioctl(c, GPUMEM_IOCTL_FAULT_COMPLETE, &fc),
		 GPUMEM_IOCTL_FAULT_COMPLETE, -EPERM);
	ctx_close(c);
	return PASS;
}

/* The frontend's access, made by a thread: it blocks while the vCPU is paused. */
struct fe_access {
	pthread_t thread;
	uint64_t gfn;
	unsigned char bytes[64];
	int rc;
	int done;	/* the access returned (atomic) */
	bool joined;
};

static void *fe_access_thread(void *arg)
{
	struct fe_access *a = arg;

	a->rc = hvsimfs_access(domid, a->gfn, a->bytes, sizeof(a->bytes), 0);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Start the frontend's read of @gfn in a thread: 0 or an errno. */
static int fe_access_start(struct fe_access *a, uint64_t gfn)
{
	memset(a, 0, sizeof(*a));
	a->gfn = gfn;
	return pthread_create(&a->thread, NULL, fe_access_thread, a);
}

/* Wait at most @s seconds for the access thread; 0 once it is joined. */
static int fe_access_join(struct fe_access *a, int s)
{
	struct timespec ts;

	if (a->joined)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += s;
	a->joined = !pthread_timedjoin_np(a->thread, NULL, &ts);
	return a->joined ? 0 : -ETIMEDOUT;
}

/*
 * The steps of fault_user_retry, on context @c with its window enabled and
 * @a's access to an empty window GFN under way.
 */
static int fault_user_retry_steps(struct libgpumem_handle *c,
				  struct fe_access *a, unsigned char *page,
				  uint32_t nr_vcpus)
{
	struct gpumem_fault_record rec[2];
	uint64_t region;
	short ev;
	int n;

	ev = ctx_poll(c, 10000);
	CHECK(ev > 0 && (ev & POLLIN) && !(ev & POLLERR),
	      "poll for the fault: revents %#x", ev);
	n = libgpumem_fault_read(c, rec, 2);
	CHECK(n == 1, "read: %d (%s)", n,
	      n < 0 ? libgpumem_strerror(LIBGPUMEM_FAULT_READ, n) : "records");
	diag("record: seq %" PRIu64 " gfn %#" PRIx64 " access %#x vcpu %u attempt %u reason %d region %#" PRIx64 " lost %u",
	     (uint64_t)rec[0].seq, (uint64_t)rec[0].gfn, rec[0].access,
	     rec[0].vcpu, rec[0].attempt, rec[0].reason,
	     (uint64_t)rec[0].region, rec[0].lost);
	CHECK(rec[0].gfn == a->gfn, "gfn %#" PRIx64, (uint64_t)rec[0].gfn);
	CHECK(rec[0].access == GPUMEM_FAULT_ACCESS_R, "access %#x",
	      rec[0].access);
	CHECK(rec[0].vcpu < nr_vcpus, "vcpu %u of %u", rec[0].vcpu, nr_vcpus);
	CHECK(rec[0].attempt == 1, "attempt %u", rec[0].attempt);
	CHECK(rec[0].reason == -ENOENT, "reason %d", rec[0].reason);
	CHECK(rec[0].region == GPUMEM_FAULT_NO_REGION, "region %#" PRIx64,
	      (uint64_t)rec[0].region);
	CHECK(!rec[0].lost && !rec[0].pad, "lost %u pad %u", rec[0].lost,
	      rec[0].pad);
	/* The vCPU stays paused while the fault is pending. */
	CHECK(ctx_poll(c, 0) == 0, "poll after the read");
	usleep(100000);
	CHECK(!__atomic_load_n(&a->done, __ATOMIC_ACQUIRE),
	      "the access ended before the fault was completed: %s",
	      strerror(-a->rc));
	EXPECT_P2M(a->gfn, 1, "hole", false, NULL, NULL);

	CHECK_RC(libgpumem_map_va(c, page, PAGE, a->gfn, 0, &region),
		 GPUMEM_IOCTL_MAP_VA, 0);
	EXPECT_P2M(a->gfn, 1, "lent", false, NULL, NULL);
	CHECK_RC(libgpumem_fault_complete(c, rec[0].seq, GPUMEM_FAULT_RETRY),
		 GPUMEM_IOCTL_FAULT_COMPLETE, 0);
	CHECK_RC(libgpumem_fault_complete(c, rec[0].seq, GPUMEM_FAULT_RETRY),
		 GPUMEM_IOCTL_FAULT_COMPLETE, -ENOENT);
	CHECK(!fe_access_join(a, 10), "the access did not end after RETRY");
	CHECK(!a->rc, "the frontend's access: %s", strerror(-a->rc));
	CHECK(!memcmp(a->bytes, page, sizeof(a->bytes)),
	      "the frontend read %02x%02x%02x%02x, the page holds %02x%02x%02x%02x",
	      a->bytes[0], a->bytes[1], a->bytes[2], a->bytes[3], page[0],
	      page[1], page[2], page[3]);
	CHECK_RC(libgpumem_unmap(c, region), GPUMEM_IOCTL_UNMAP, 0);
	return PASS;
}

/*
 * The user fault loop: the frontend reads an empty GFN of the window, in a
 * thread that blocks; the record comes to read(), the test MAP_VAs a page
 * there and completes RETRY, and the frontend's read returns the page.
 */
static int test_fault_user_retry(void)
{
	/* Static: a thread that never returns must not outlive its struct. */
	static struct fe_access a;
	struct libgpumem_handle *c;
	uint32_t nr_vcpus = 0;
	unsigned char *page;
	int rc, i;

	page = map_source(false, NULL, PAGE);
	CHECK(page != MAP_FAILED, "mmap");
	for (i = 0; i < (int)PAGE; i++)
		page[i] = (unsigned char)(i * 13 + 7);
	c = fault_ctx();
	CHECK(c, "second context: %s", strerror(errno));
	CHECK_RC(libgpumem_fault_enable(c, gfn_window(11), 16,
					GPUMEM_FAULT_KERNEL | GPUMEM_FAULT_USER,
					0, &nr_vcpus),
		 GPUMEM_IOCTL_FAULT_ENABLE, 0);
	EXPECT_P2M(gfn_window(11) + 5, 1, "hole", false, NULL, NULL);
	rc = fe_access_start(&a, gfn_window(11) + 5);
	if (rc) {
		ctx_close(c);
		CHECK(!rc, "pthread_create: %s", strerror(rc));
	}

	rc = fault_user_retry_steps(c, &a, page, nr_vcpus);
	/*
	 * Closing answers a fault still pending RETRY, without the window: a
	 * thread left blocked by a failed step ends (the access faults).
	 */
	ctx_close(c);
	if (fe_access_join(&a, 10)) {
		diag("the frontend's access still blocked after close");
		rc = FAIL;
	}
	EXPECT_P2M(a.gfn, 1, "hole", false, NULL, NULL);
	munmap(page, PAGE);
	return rc;
}

/*
 * GPUMEM_FAULT_KERNEL: the frontend's read and write of a lazy region's
 * GFNs are served by the module; nothing reaches read().
 */
static int test_fault_kernel_served(void)
{
	const uint64_t gfn = gfn_window(12), n = 4;
	struct libgpumem_handle *c;
	unsigned char got[64], put[PAGE];
	unsigned char *p;
	uint64_t region, i;
	int rc;

	p = map_source(true, NULL, n * PAGE);
	CHECK(p != MAP_FAILED, "mmap");
	for (i = 0; i < n; i++)
		memset(p + i * PAGE, 0xc0 + i, PAGE);
	c = fault_ctx();
	CHECK(c, "second context: %s", strerror(errno));
	CHECK_RC(libgpumem_map_va(c, p, n * PAGE, gfn, GPUMEM_MAP_LAZY,
				  &region), GPUMEM_IOCTL_MAP_VA, 0);
	CHECK_RC(libgpumem_fault_enable(c, gfn, 16,
					GPUMEM_FAULT_KERNEL | GPUMEM_FAULT_USER,
					0, NULL), GPUMEM_IOCTL_FAULT_ENABLE, 0);
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);

	/* A read: served in the kernel, so it returns (hvsim waits 10 s). */
	rc = hvsimfs_access(domid, gfn + 2, got, sizeof(got), 0);
	CHECK(!rc, "the frontend's read of gfn %#" PRIx64 ": %s", gfn + 2,
	      strerror(-rc));
	CHECK(got[0] == 0xc2 && got[63] == 0xc2, "read %02x, want c2", got[0]);
	EXPECT_P2M(gfn + 2, 1, "lent", false, NULL, NULL);
	/* A write lands in dom0's page. */
	memset(put, 0x5e, sizeof(put));
	rc = hvsimfs_access(domid, gfn + 3, put, sizeof(put), 1);
	CHECK(!rc, "the frontend's write: %s", strerror(-rc));
	CHECK(p[3 * PAGE] == 0x5e && p[4 * PAGE - 1] == 0x5e,
	      "dom0 reads %02x after the frontend's write", p[3 * PAGE]);
	CHECK(ctx_poll(c, 0) == 0, "a record was queued for a served fault");
	/* The first fault mapped its 2 MiB block: the whole region. */
	EXPECT_P2M(gfn, n, "lent", false, NULL, NULL);
	ctx_close(c);
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	munmap(p, n * PAGE);
	return PASS;
}

/* GFNs of [gfn, gfn + n) hvsim's p2m shows lent, or -1. */
static int64_t count_lent(uint64_t gfn, uint64_t n)
{
	struct hvsimfs_p2m_entry e;
	struct hvsimfs_p2m p2m;
	int64_t lent = 0;
	uint64_t i;

	if (hvsimfs_p2m(&p2m))
		return -1;
	for (i = 0; i < n; i++) {
		hvsimfs_p2m_lookup(&p2m, domid, gfn + i, &e);
		lent += !strcmp(e.type, "lent");
	}
	hvsimfs_p2m_free(&p2m);
	return lent;
}

/*
 * Map-ahead: a fault maps the aligned 2 MiB block around its GFN (what of
 * it the region covers); the next fault in sequence, the block after it
 * of twice the size.  A 6 MiB region is mapped whole by two faults.
 */
static int test_fault_map_ahead(void)
{
	const uint64_t gfn = gfn_window(16), n = 1536, block = 512;
	struct libgpumem_handle *c;
	unsigned char got[8];
	int64_t lent;
	uint64_t region;
	void *p;
	int rc;

	CHECK(!(gfn % block), "gfn %#" PRIx64 " not 2 MiB aligned", gfn);
	p = map_source(true, NULL, n * PAGE);
	CHECK(p != MAP_FAILED, "mmap");
	c = fault_ctx();
	CHECK(c, "second context: %s", strerror(errno));
	CHECK_RC(libgpumem_map_va(c, p, n * PAGE, gfn, GPUMEM_MAP_LAZY,
				  &region), GPUMEM_IOCTL_MAP_VA, 0);
	CHECK_RC(libgpumem_fault_enable(c, gfn, n, GPUMEM_FAULT_KERNEL, 0,
					NULL), GPUMEM_IOCTL_FAULT_ENABLE, 0);

	rc = hvsimfs_access(domid, gfn + 5, got, sizeof(got), 0);
	CHECK(!rc, "the frontend's read of gfn %#" PRIx64 ": %s", gfn + 5,
	      strerror(-rc));
	lent = count_lent(gfn, n);
	diag("fault at +5: %" PRId64 " GFNs mapped", lent);
	CHECK(lent == (int64_t)block, "%" PRId64 " GFNs mapped, want the 2 MiB block (%" PRIu64 ")",
	      lent, block);
	EXPECT_P2M(gfn, block, "lent", false, NULL, NULL);

	rc = hvsimfs_access(domid, gfn + block + 7, got, sizeof(got), 0);
	CHECK(!rc, "the frontend's read of gfn %#" PRIx64 ": %s",
	      gfn + block + 7, strerror(-rc));
	lent = count_lent(gfn, n);
	diag("fault at +%" PRIu64 ": %" PRId64 " GFNs mapped", block + 7, lent);
	CHECK(lent == (int64_t)n, "%" PRId64 " GFNs mapped, want %" PRIu64 " (the next block, of 4 MiB)",
	      lent, n);
	ctx_close(c);
	EXPECT_P2M(gfn, n, "hole", false, NULL, NULL);
	munmap(p, n * PAGE);
	return PASS;
}

/* Read @a's record from @c: poll first, so a missing one cannot hang. */
static int read_one(struct libgpumem_handle *c, const struct fe_access *a,
		    struct gpumem_fault_record *rec)
{
	short ev = ctx_poll(c, 10000);
	int n;

	CHECK(ev > 0 && (ev & POLLIN), "poll for the fault: revents %#x", ev);
	n = libgpumem_fault_read(c, rec, 1);
	CHECK(n == 1, "read: %d", n);
	CHECK(rec->gfn == a->gfn && rec->reason == 0 &&
	      rec->region == GPUMEM_FAULT_NO_REGION,
	      "gfn %#" PRIx64 " reason %d region %#" PRIx64,
	      (uint64_t)rec->gfn, rec->reason, (uint64_t)rec->region);
	return PASS;
}

/*
 * GPUMEM_FAULT_USER alone: EMULATE ends the access on the path of no
 * window (in hvsim, a fault: -EFAULT); so does close() of a context with a
 * fault read and not completed, which answers it RETRY after releasing
 * the window.
 */
static int test_fault_emulate_close(void)
{
	static struct fe_access a;
	const uint64_t gfn = gfn_window(13);
	struct gpumem_fault_record rec;
	struct libgpumem_handle *c;
	int rc;

	c = fault_ctx();
	CHECK(c, "second context: %s", strerror(errno));
	CHECK_RC(libgpumem_fault_enable(c, gfn, 16, GPUMEM_FAULT_USER, 0,
					NULL), GPUMEM_IOCTL_FAULT_ENABLE, 0);
	rc = fe_access_start(&a, gfn + 1);
	if (rc) {
		ctx_close(c);
		CHECK(!rc, "pthread_create: %s", strerror(rc));
	}
	rc = read_one(c, &a, &rec);
	if (rc == PASS) {
		rc = libgpumem_fault_complete(c, rec.seq, GPUMEM_FAULT_EMULATE);
		if (rc)
			diag("COMPLETE EMULATE: %s",
			     libgpumem_strerror(GPUMEM_IOCTL_FAULT_COMPLETE, rc));
		rc = rc ? FAIL : PASS;
	}
	if (rc != PASS)
		ctx_close(c);
	CHECK(!fe_access_join(&a, 10), "the access did not end");
	CHECK(rc == PASS, "the EMULATE step failed");
	if (a.rc != -EFAULT) {
		ctx_close(c);
		CHECK(a.rc == -EFAULT,
		      "the emulated access: %d (%s), want -EFAULT", a.rc,
		      strerror(-a.rc));
	}

	rc = fe_access_start(&a, gfn + 2);
	if (rc) {
		ctx_close(c);
		CHECK(!rc, "pthread_create: %s", strerror(rc));
	}
	rc = read_one(c, &a, &rec);
	ctx_close(c);
	CHECK(!fe_access_join(&a, 8), "the access did not end at close");
	CHECK(rc == PASS, "no record of the second access");
	CHECK(a.rc == -EFAULT, "the access after close: %d (%s), want -EFAULT",
	      a.rc, strerror(-a.rc));
	return PASS;
}

/* Closing the context revokes what is left: no lent GFN, all RAM back. */
static int test_close(void)
{
	struct hvsimfs_p2m p2m;
	size_t i;
	int rc;

	libgpumem_close(h);
	h = NULL;
	rc = hvsimfs_p2m(&p2m);
	CHECK(!rc, "p2m: %s", strerror(-rc));
	for (i = 0; i < p2m.nr_runs; i++)
		CHECK(p2m.runs[i].domid != domid || !strcmp(p2m.runs[i].type, "ram"),
		      "left after close: gfn %#" PRIx64 "+%" PRIu64 " %s",
		      p2m.runs[i].gfn, p2m.runs[i].nr, p2m.runs[i].type);
	hvsimfs_p2m_free(&p2m);
	CHECK(tot_pages() == ram_pages, "tot_pages %" PRIu64 ", want %lu",
	      tot_pages(), ram_pages);
	return PASS;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "query_bind", test_query_bind },
	{ "map_va_memfd", test_map_va_memfd },
	{ "map_va_anon", test_map_va_anon },
	{ "map_va_errors", test_map_va_errors },
	{ "dmabuf_udmabuf", test_dmabuf_udmabuf },
	{ "dmabuf_vgem", test_dmabuf_vgem },
	{ "steal_return", test_steal_return },
	{ "steal_not_inherited", test_steal_fork },
	{ "return_busy_vmsplice", test_return_busy },
	{ "steal_errors", test_steal_errors },
	{ "bochs_vram_evict", test_bochs_vram },
	{ "fault_enable_errors", test_fault_enable_errors },
	{ "fault_read_errors", test_fault_read_errors },
	{ "fault_user_retry", test_fault_user_retry },
	{ "fault_kernel_served", test_fault_kernel_served },
	{ "fault_map_ahead", test_fault_map_ahead },
	{ "fault_emulate_close", test_fault_emulate_close },
	{ "close_revokes_all", test_close },
};

#define NR_TESTS ARRAY_SIZE(tests)

int main(void)
{
	unsigned int i, pass = 0, fail = 0, skip = 0;
	unsigned long v;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", NR_TESTS);
	rc = libgpumem_module_param("hvsim_domid", &v);
	domid = rc ? 1 : v;
	rc = libgpumem_module_param("hvsim_ram", &v);
	ram_pages = rc ? 1024 : v;
	h = libgpumem_open(NULL);
	rc = h ? 0 : -errno;
	if (rc)
		diag("open %s: %s", LIBGPUMEM_DEV_PATH, strerror(-rc));
	diag("frontend d%u, %lu RAM pages from GFN 0", domid, ram_pages);

	for (i = 0; i < NR_TESTS; i++) {
		int r = rc ? FAIL : tests[i].fn();

		close_tracked();

		if (r == PASS) {
			printf("ok %u - %s\n", i + 1, tests[i].name);
			pass++;
		} else if (r == SKIP) {
			printf("ok %u - %s # SKIP %s\n", i + 1, tests[i].name,
			       skip_reason);
			skip++;
		} else {
			printf("not ok %u - %s\n", i + 1, tests[i].name);
			fail++;
		}
	}
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       pass, fail, skip);
	libgpumem_close(h);
	return fail ? 1 : 0;
}
