// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem selftests: what a device model's own address space does to
 * the frontend, through the syscalls that do it (madvise, mprotect,
 * mremap, fork), which KUnit cannot make.
 *
 * Needs xen-gpumem loaded with backend=hvsim (a build with HVSIM=y),
 * root, and debugfs at /sys/kernel/debug: after every step a case reads
 * what the simulated frontend sees there (hvsim's p2m, and its memory
 * through "mem") and compares it with /proc/self/pagemap.
 *
 * Style: kernel style, checked with checkpatch --strict, except what C99
 * userspace needs: <inttypes.h>'s PRIx64 (CAMELCASE), as in the kernel's
 * own tools/.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xen/gpumem.h>

#include "kselftest_harness.h"

#define PAGE		4096ul
#define NPAGES		16
#define HVSIM		"/sys/kernel/debug/xen-gpumem/hvsim"
#define PARAMS		"/sys/module/xen_gpumem/parameters"

static unsigned long param(const char *name)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "/%s", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strtoul(buf, NULL, 0);
}

/* The frame dom0 knows @p by (its PFN; root reads it), or 0. */
static uint64_t pfn_of(const void *p)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent),
		  (uintptr_t)p / PAGE * sizeof(ent)) != sizeof(ent))
		ent = 0;
	close(fd);
	return (ent >> 63) ? ent & ((1ull << 55) - 1) : 0;
}

/* hvsim's p2m entry of the frontend's @gfn: its type and frame. */
static int p2m_entry(unsigned int domid, uint64_t gfn, char *type,
		     uint64_t *frame)
{
	char line[256], t[16];
	unsigned int d = ~0u;
	uint64_t start, run, f;
	unsigned int flags;
	FILE *p2m = fopen(HVSIM "/p2m", "r");

	if (!p2m)
		return -errno;
	snprintf(type, 16, "hole");
	*frame = 0;
	while (fgets(line, sizeof(line), p2m)) {
		if (sscanf(line, "d%u ", &d) == 1)
			continue;
		if (d != domid ||
		    sscanf(line, " gfn %" SCNx64 "+%" SCNu64 " %15s frame %"
			   SCNx64 " flags %x", &start, &run, t, &f,
			   &flags) != 5)
			continue;
		if (gfn >= start && gfn < start + run) {
			snprintf(type, 16, "%s", t);
			*frame = f + (gfn - start);
			break;
		}
	}
	fclose(p2m);
	return 0;
}

static uint64_t p2m_frame(unsigned int domid, uint64_t gfn)
{
	uint64_t frame = 0;
	char type[16];

	p2m_entry(domid, gfn, type, &frame);
	return frame;
}

/* REVOKE calls hvsim counted so far. */
static uint64_t revoke_calls(void)
{
	char line[128], op[16];
	uint64_t calls = 0, n;
	FILE *st = fopen(HVSIM "/stats", "r");

	if (!st)
		return 0;
	while (fgets(line, sizeof(line), st))
		if (sscanf(line, "%15s %" SCNu64, op, &n) == 2 &&
		    !strcmp(op, "revoke"))
			calls = n;
	fclose(st);
	return calls;
}

/* FIXTURE_DATA(gpumem), named as a type for the helpers below. */
FIXTURE(gpumem) {
	int fd;		/* a context bound to the frontend */
	int mem;	/* the frontend's memory, as it sees it */
	unsigned int domid;
	uint64_t gfn0;	/* above the frontend's RAM */
	unsigned char *addr;
};

FIXTURE_SETUP(gpumem)
{
	struct gpumem_query q = {};
	struct gpumem_bind b = {};

	self->fd = open("/dev/xen/gpumem", O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "/dev/xen/gpumem: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, GPUMEM_IOCTL_QUERY, &q));
	if (q.backend != GPUMEM_BACKEND_HVSIM)
		SKIP(return, "needs the module loaded with backend=hvsim");
	self->mem = open(HVSIM "/mem", O_RDWR | O_CLOEXEC);
	if (self->mem < 0)
		SKIP(return, HVSIM "/mem: %s", strerror(errno));
	self->domid = param("hvsim_domid");
	self->gfn0 = param("hvsim_ram") + 512;
	b.domid = self->domid;
	ASSERT_EQ(0, ioctl(self->fd, GPUMEM_IOCTL_BIND, &b));
	self->addr = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->addr);
}

FIXTURE_TEARDOWN(gpumem)
{
	/* Closing the context revokes and frees every region. */
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem >= 0)
		close(self->mem);
}

static int map_va(struct _test_data_gpumem *self, unsigned char *addr,
		  unsigned long n, uint64_t gfn, uint32_t flags)
{
	struct gpumem_map_va a = {
		.hva = (uintptr_t)addr, .len = n * PAGE, .gfn = gfn,
		.domid = self->domid, .flags = flags,
	};

	return ioctl(self->fd, GPUMEM_IOCTL_MAP_VA, &a) ? -errno : 0;
}

static int populate(struct _test_data_gpumem *self, uint64_t gfn,
		    unsigned long n)
{
	struct gpumem_populate a = {
		.gfn = gfn, .nr_pages = n, .domid = self->domid,
	};

	return ioctl(self->fd, GPUMEM_IOCTL_POPULATE, &a) ? -errno : 0;
}

/* Byte 0 of page i of the range holds tag + i. */
static void tag_pages(unsigned char *addr, unsigned long n,
		      unsigned char tag)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		addr[i * PAGE] = tag + i;
}

/* What the frontend reads at byte 0 of @gfn: 0..255, or -errno. */
static int fe_read(struct _test_data_gpumem *self, uint64_t gfn)
{
	unsigned char v;

	if (pread(self->mem, &v, 1, gfn * PAGE) != 1)
		return -errno;
	return v;
}

static int fe_write(struct _test_data_gpumem *self, uint64_t gfn,
		    unsigned char v)
{
	return pwrite(self->mem, &v, 1, gfn * PAGE) == 1 ? 0 : -errno;
}

/*
 * GFNs [gfn, gfn + n) are lent entries of the pages at @addr, and the
 * frontend reads tag + i at page i.
 */
#define EXPECT_MAPPED(gfn, addr, n, tag) do {				\
	unsigned long __i;						\
	for (__i = 0; __i < (n); __i++) {				\
		char __t[16];						\
		uint64_t __f;						\
		ASSERT_EQ(0, p2m_entry(self->domid, (gfn) + __i, __t,	\
				       &__f));				\
		EXPECT_STREQ("lent", __t) TH_LOG("gfn +%lu", __i);	\
		EXPECT_EQ(pfn_of((addr) + __i * PAGE), __f)		\
			TH_LOG("gfn +%lu", __i);			\
		EXPECT_EQ((unsigned char)((tag) + __i),			\
			  fe_read(self, (gfn) + __i))			\
			TH_LOG("gfn +%lu", __i);			\
	}								\
} while (0)

/* GFNs [gfn, gfn + n) are holes again: a frontend access faults. */
#define EXPECT_REVOKED(gfn, n) do {					\
	unsigned long __i;						\
	for (__i = 0; __i < (n); __i++) {				\
		char __t[16];						\
		uint64_t __f;						\
		ASSERT_EQ(0, p2m_entry(self->domid, (gfn) + __i, __t,	\
				       &__f));				\
		EXPECT_STREQ("hole", __t) TH_LOG("gfn +%lu", __i);	\
		EXPECT_EQ(-EFAULT, fe_read(self, (gfn) + __i))		\
			TH_LOG("gfn +%lu", __i);			\
	}								\
} while (0)

/* MADV_DONTNEED frees the pages; populate maps the new, zeroed ones. */
TEST_F(gpumem, dontneed_then_populate)
{
	uint64_t g = self->gfn0;

	tag_pages(self->addr, NPAGES, 0x50);
	ASSERT_EQ(0, map_va(self, self->addr, NPAGES, g, 0));
	EXPECT_MAPPED(g, self->addr, NPAGES, 0x50);

	ASSERT_EQ(0, madvise(self->addr + 2 * PAGE, 4 * PAGE, MADV_DONTNEED));
	EXPECT_MAPPED(g, self->addr, 2, 0x50);
	EXPECT_REVOKED(g + 2, 4);
	EXPECT_MAPPED(g + 6, self->addr + 6 * PAGE, NPAGES - 6, 0x56);

	ASSERT_EQ(0, populate(self, g + 2, 4));
	/* New pages, zeroed. */
	EXPECT_EQ(0, fe_read(self, g + 2));
	EXPECT_EQ(0, fe_read(self, g + 5));
	EXPECT_EQ(pfn_of(self->addr + 2 * PAGE), p2m_frame(self->domid, g + 2));
	/* And the frontend sees what the backend writes there now. */
	tag_pages(self->addr + 2 * PAGE, 4, 0x70);
	EXPECT_MAPPED(g + 2, self->addr + 2 * PAGE, 4, 0x70);
}

/* Losing write access revokes a writable region, and only that part. */
TEST_F(gpumem, mprotect_writable)
{
	uint64_t g = self->gfn0;

	tag_pages(self->addr, NPAGES, 0x11);
	ASSERT_EQ(0, map_va(self, self->addr, NPAGES, g, 0));
	ASSERT_EQ(0, mprotect(self->addr + 4 * PAGE, 4 * PAGE, PROT_READ));
	EXPECT_MAPPED(g, self->addr, 4, 0x11);
	EXPECT_REVOKED(g + 4, 4);
	EXPECT_MAPPED(g + 8, self->addr + 8 * PAGE, 8, 0x19);
	/* Read-only now: a writable region cannot map it again... */
	EXPECT_EQ(-EACCES, populate(self, g + 4, 4));
	/* ...PROT_NONE revokes too, and writable again maps again. */
	ASSERT_EQ(0, mprotect(self->addr, 2 * PAGE, PROT_NONE));
	EXPECT_REVOKED(g, 2);
	EXPECT_EQ(-EFAULT, populate(self, g, 2));
	ASSERT_EQ(0, mprotect(self->addr, NPAGES * PAGE,
			      PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, populate(self, g, NPAGES));
	EXPECT_MAPPED(g, self->addr, NPAGES, 0x11);
}

/* A read-only region keeps its frames through protection changes. */
TEST_F(gpumem, mprotect_read_only)
{
	uint64_t g = self->gfn0, before;

	tag_pages(self->addr, 4, 0x21);
	ASSERT_EQ(0, map_va(self, self->addr, 4, g, GPUMEM_MAP_RO));
	before = revoke_calls();
	ASSERT_EQ(0, mprotect(self->addr, 4 * PAGE, PROT_READ));
	ASSERT_EQ(0, mprotect(self->addr, 4 * PAGE, PROT_NONE));
	ASSERT_EQ(0, mprotect(self->addr, 4 * PAGE, PROT_READ));
	EXPECT_MAPPED(g, self->addr, 4, 0x21);
	EXPECT_EQ(before, revoke_calls());
	/* The frontend may not write a read-only region. */
	EXPECT_EQ(-EACCES, fe_write(self, g, 0xff));
}

/* mremap moves the pages away from the region's range: all revoked. */
TEST_F(gpumem, mremap_revokes_old_range)
{
	uint64_t g = self->gfn0;
	unsigned char *to;

	tag_pages(self->addr, NPAGES, 0x31);
	ASSERT_EQ(0, map_va(self, self->addr, NPAGES, g, 0));
	to = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, to);
	ASSERT_EQ(to, mremap(self->addr, NPAGES * PAGE, NPAGES * PAGE,
			     MREMAP_MAYMOVE | MREMAP_FIXED, to));
	EXPECT_REVOKED(g, NPAGES);
	EXPECT_EQ(-EFAULT, populate(self, g, 1));
	/* The pages themselves moved intact. */
	EXPECT_EQ(0x31 + 5, to[5 * PAGE]);
}

/*
 * fork() write-protects the parent's private pages for copy-on-write: a
 * writable region is revoked, so the frontend cannot write a page the child
 * shares; populate then maps the parent's own pages, and a frontend write
 * reaches the parent and not the child.
 */
TEST_F(gpumem, fork_cow)
{
	uint64_t g = self->gfn0;
	int pipefd[2], status;
	char go = 0;
	pid_t pid;

	tag_pages(self->addr, NPAGES, 0x51);
	ASSERT_EQ(0, map_va(self, self->addr, NPAGES, g, 0));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		/* Hold the copy until the parent has written through it. */
		close(pipefd[1]);
		if (read(pipefd[0], &go, 1) != 1)
			_exit(2);
		_exit(self->addr[2 * PAGE] == 0x53 ? 0 : 1);
	}
	close(pipefd[0]);
	EXPECT_REVOKED(g, NPAGES);
	ASSERT_EQ(0, populate(self, g, NPAGES));
	EXPECT_MAPPED(g, self->addr, NPAGES, 0x51);
	ASSERT_EQ(0, fe_write(self, g + 2, 0xee));
	EXPECT_EQ(0xee, self->addr[2 * PAGE]);
	ASSERT_EQ(1, write(pipefd[1], &go, 1));
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* The child still saw its own copy. */
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_HARNESS_MAIN
