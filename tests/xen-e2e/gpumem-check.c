// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gpumem-check DOMID GFN: the permission model and ABI checks of the
 * reference Xen (xen/README.md, "Review fixes"), run by dom0's /init
 * (tests/xen-e2e/dom0-init.sh) against the PVH domU DOMID, whose GFN is
 * unpopulated and unused by the scenario.  Prints "ok: " and "FAIL: " lines;
 * exits 1 if any check failed.
 *
 * It talks to Xen through /dev/xen/privcmd, not through xen-gpumem.ko:
 *  - a privcmd file restricted to DOMID (IOCTL_PRIVCMD_RESTRICT, what a
 *    deprivileged device model holds) may QUERY as a dm_op, but MAP as a
 *    dm_op answers -EOPNOTSUPP and XENMEM_gpumem_op is refused by privcmd
 *    (-EPERM): the batched ops that touch the caller's memory are out of
 *    its reach;
 *  - with an unrestricted file, XENMEM_gpumem_op refuses a first call with
 *    done != 0 (-EINVAL), MMIO outside the frontend's iomem permissions
 *    (-EPERM: legacy VGA, which dom0 may touch and the domU may not),
 *    cacheable MMIO (-EOPNOTSUPP), an op naming another instance of the
 *    domid than QUERY reported (-ESRCH: what a reused domid looks like),
 *    and lends a dom0 RAM page
 *    write-combining (the memory type is honoured) and revokes it; then
 *    lends BATCH pages in BATCH one-frame extents (a batch Xen may preempt
 *    and continue) at GFN + 64 ... and revokes them in one extent;
 *  - 2 MiB entries: 512 frames of a dom0 huge page MAPped write-back at an
 *    aligned GFN (SUPER_GFN) make one 2 MiB entry, as Xen's debug key 'Y'
 *    reports; a REVOKE of one of its frames splits it (511 4k entries
 *    left); write-combining, or an unaligned GFN, makes 4k entries; one
 *    2 MiB entry is left for the domU's teardown to drop;
 *  - XEN_DMOP_gpumem_fault_range: QUERY reports it; a restricted file may
 *    claim for an IOREQ server it created (a dm_op, as map_io_range); a
 *    claim overlapping any server's claim answers -EEXIST, a release must
 *    be exactly one claim (-ENOENT; two adjacent claims stay two), and the
 *    op's -EINVAL, -ESRCH and -ENOENT; as a batched op it answers
 *    -EOPNOTSUPP.  Its GFNs are GFN + 32 ... + 39.
 *
 * gpumem-check --stock DOMID: on a hypervisor without the ops (Debian's
 * Xen), QUERY and FAULT_RANGE as dm_ops answer -EOPNOTSUPP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/types.h>

/* Xen's public dm_op.h (libxen-dev): XEN_DMOP_create_ioreq_server. */
#define __XEN_TOOLS__ 1
#include <xen/xen.h>
#include <xen/hvm/dm_op.h>

#include "gpumem.h"	/* include/xen/interface/gpumem.h */

/* Linux's include/uapi/xen/privcmd.h (its header needs kernel headers). */
struct privcmd_hypercall {
	__u64 op;
	__u64 arg[5];
};

struct privcmd_dm_op_buf {
	void *uptr;
	size_t size;
};

struct privcmd_dm_op {
	__u16 dom;
	__u16 num;
	const struct privcmd_dm_op_buf *ubufs;
};

#define IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define IOCTL_PRIVCMD_DM_OP \
	_IOC(_IOC_NONE, 'P', 5, sizeof(struct privcmd_dm_op))
#define IOCTL_PRIVCMD_RESTRICT \
	_IOC(_IOC_NONE, 'P', 6, sizeof(__u16))

#define HYPERVISOR_memory_op 12
#define BATCH 256
#define SUPER_NR 512		/* frames of a 2 MiB entry */
#define SUPER_GFN 0x30000	/* 768 MiB: above the domU's RAM and windows */

static int failures;
static __u64 instance;	/* the domU's, as QUERY reported it */

static void check(int cond, const char *fmt, const char *what, int got,
		  int want)
{
	printf("%s: %s: ", cond ? "ok" : "FAIL", what);
	printf(fmt, got, want);
	printf("\n");
	failures += !cond;
}

/* An ioctl's answer as a negative errno, or its non-negative result. */
static int ioc(int fd, unsigned long cmd, void *arg)
{
	int rc = ioctl(fd, cmd, arg);

	return rc < 0 ? -errno : rc;
}

static int dm_op(int fd, __u16 dom, struct xen_dm_op_gpumem *op,
		 struct xen_dm_op_gpumem_extent *ext, unsigned int nr)
{
	struct privcmd_dm_op_buf bufs[2] = {
		{ op, sizeof(*op) }, { ext, nr * sizeof(*ext) },
	};
	struct privcmd_dm_op d = { .dom = dom, .num = ext ? 2 : 1,
				   .ubufs = bufs };

	return ioc(fd, IOCTL_PRIVCMD_DM_OP, &d);
}

static int gpumem_op(int fd, __u16 dom, struct xen_dm_op_gpumem *op,
		     struct xen_dm_op_gpumem_extent *ext, unsigned int nr)
{
	struct xen_gpumem_op x;

	if (op->op != XEN_DMOP_gpumem_query && !op->u.batch.instance)
		op->u.batch.instance = instance;
	x = (struct xen_gpumem_op){
		.domid = dom,
		.op = (uintptr_t)op, .op_size = sizeof(*op),
		.ext = (uintptr_t)ext, .ext_size = nr * sizeof(*ext),
	};
	struct privcmd_hypercall h = {
		.op = HYPERVISOR_memory_op,
		.arg = { XENMEM_gpumem_op, (uintptr_t)&x },
	};

	return ioc(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
}

/* An upstream dm_op (struct xen_dm_op) on @dom through privcmd. */
static int xen_dm_op(int fd, __u16 dom, struct xen_dm_op *op)
{
	struct privcmd_dm_op_buf buf = { op, sizeof(*op) };
	struct privcmd_dm_op d = { .dom = dom, .num = 1, .ubufs = &buf };

	return ioc(fd, IOCTL_PRIVCMD_DM_OP, &d);
}

/* An IOREQ server for @dom, disabled; its id, or a negative errno. */
static int ioreq_server(int fd, __u16 dom, int destroy, ioservid_t id)
{
	struct xen_dm_op op = {
		.op = destroy ? XEN_DMOP_destroy_ioreq_server :
				XEN_DMOP_create_ioreq_server,
	};
	int rc;

	if (destroy)
		op.u.destroy_ioreq_server.id = id;
	rc = xen_dm_op(fd, dom, &op);
	if (rc || destroy)
		return rc;
	return op.u.create_ioreq_server.id;
}

/* XEN_DMOP_gpumem_fault_range of [first, last] for server @id. */
static int fault_range(int fd, __u16 dom, int id, __u16 flags, __u64 first,
		       __u64 last)
{
	struct xen_dm_op_gpumem op = { .op = XEN_DMOP_gpumem_fault_range };

	op.u.fault_range = (struct xen_dm_op_gpumem_fault_range){
		.id = (__u16)id, .flags = flags, .first_gfn = first,
		.last_gfn = last, .instance = instance,
	};
	return dm_op(fd, dom, &op, NULL, 0);
}

#define CLAIM XEN_GPUMEM_FAULT_CLAIM

/* XEN_DMOP_gpumem_fault_range's rules, on GFNs g .. g + 7 of @dom. */
static void fault_checks(__u16 dom, __u64 g)
{
	struct xen_dm_op_gpumem op = { .op = XEN_DMOP_gpumem_query };
	struct xen_dm_op_gpumem_extent ext = { .gfn = g, .nr_frames = 1 };
	int fd, a, b, rc;

	fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0 || ioc(fd, IOCTL_PRIVCMD_RESTRICT, &dom)) {
		printf("FAIL: restricted privcmd: %s\n", strerror(errno));
		failures++;
		return;
	}
	rc = dm_op(fd, dom, &op, NULL, 0);
	check(rc == 0 && (op.u.query.ops &
			  XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_fault_range)),
	      "rc %d, ops %#x", "QUERY reports FAULT_RANGE (op 69)", rc,
	      (int)op.u.query.ops);
	a = ioreq_server(fd, dom, 0, 0);
	b = ioreq_server(fd, dom, 0, 0);
	check(a >= 0 && b >= 0, "servers %d and %d",
	      "restricted: two IOREQ servers created", a, b);
	if (a < 0 || b < 0)
		goto out;

	rc = fault_range(fd, dom, a, CLAIM, g, g + 3);
	check(rc == 0, "rc %d, want %d",
	      "restricted: FAULT_RANGE claims G+0..3 for server A", rc, 0);
	rc = fault_range(fd, dom, b, CLAIM, g + 3, g + 4);
	check(rc == -EEXIST, "rc %d, want %d",
	      "a claim of G+3..4 for server B, overlapping A's: EEXIST", rc,
	      -EEXIST);
	rc = fault_range(fd, dom, a, CLAIM, g + 2, g + 2);
	check(rc == -EEXIST, "rc %d, want %d",
	      "a claim of G+2 for A again: EEXIST", rc, -EEXIST);
	rc = fault_range(fd, dom, a, CLAIM, g + 4, g + 7);
	check(rc == 0, "rc %d, want %d", "an adjacent claim G+4..7 for A", rc,
	      0);
	rc = fault_range(fd, dom, a, 0, g + 4, g + 5);
	check(rc == -ENOENT, "rc %d, want %d",
	      "release of part of a claim (G+4..5): ENOENT", rc, -ENOENT);
	rc = fault_range(fd, dom, a, 0, g, g + 7);
	check(rc == -ENOENT, "rc %d, want %d",
	      "release of two adjacent claims as one (G+0..7): ENOENT", rc,
	      -ENOENT);
	rc = fault_range(fd, dom, b, 0, g, g + 3);
	check(rc == -ENOENT, "rc %d, want %d",
	      "release of A's claim by B: ENOENT", rc, -ENOENT);
	rc = fault_range(fd, dom, a, 0, g, g + 3);
	check(rc == 0, "rc %d, want %d", "release of exactly G+0..3", rc, 0);
	rc = fault_range(fd, dom, a, 0, g, g + 3);
	check(rc == -ENOENT, "rc %d, want %d", "released again: ENOENT", rc,
	      -ENOENT);
	rc = fault_range(fd, dom, b, CLAIM, g + 1, g + 2);
	check(rc == 0, "rc %d, want %d", "B claims G+1..2, free again", rc, 0);

	op = (struct xen_dm_op_gpumem){ .op = XEN_DMOP_gpumem_fault_range };
	op.u.fault_range = (struct xen_dm_op_gpumem_fault_range){
		.id = (__u16)a, .flags = CLAIM, .pad = 1, .first_gfn = g,
		.last_gfn = g, .instance = instance,
	};
	rc = dm_op(fd, dom, &op, NULL, 0);
	check(rc == -EINVAL, "rc %d, want %d", "pad != 0: EINVAL", rc, -EINVAL);
	rc = fault_range(fd, dom, a, 2, g, g);
	check(rc == -EINVAL, "rc %d, want %d", "unknown flags: EINVAL", rc,
	      -EINVAL);
	rc = fault_range(fd, dom, a, CLAIM, g + 1, g);
	check(rc == -EINVAL, "rc %d, want %d", "first_gfn > last_gfn: EINVAL",
	      rc, -EINVAL);
	rc = fault_range(fd, dom, a, CLAIM, g, 1ull << 52);
	check(rc == -EINVAL, "rc %d, want %d",
	      "a GFN beyond the physmap limit: EINVAL", rc, -EINVAL);
	rc = fault_range(fd, dom, 0xffff, CLAIM, g, g);
	check(rc == -ENOENT, "rc %d, want %d", "an unknown server: ENOENT", rc,
	      -ENOENT);
	instance++;
	rc = fault_range(fd, dom, a, CLAIM, g, g);
	instance--;
	check(rc == -ESRCH, "rc %d, want %d",
	      "naming another instance of the domid: ESRCH", rc, -ESRCH);
	rc = fault_range(fd, dom, a, 0, g + 4, g + 7);
	check(rc == 0, "rc %d, want %d", "release of G+4..7", rc, 0);
out:
	if (a >= 0)
		ioreq_server(fd, dom, 1, a);
	if (b >= 0)	/* its claim goes with it */
		ioreq_server(fd, dom, 1, b);
	close(fd);

	fd = open("/dev/xen/privcmd", O_RDWR);
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_gpumem_fault_range;
	op.u.batch.nr = 1;
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	check(rc == -EOPNOTSUPP, "rc %d, want %d",
	      "op 69 as XENMEM_gpumem_op (not a batched op): EOPNOTSUPP", rc,
	      -EOPNOTSUPP);
	close(fd);
}

/* A hypervisor without the ops: QUERY and FAULT_RANGE answer EOPNOTSUPP. */
static int check_stock(__u16 dom)
{
	struct xen_dm_op_gpumem op = { .op = XEN_DMOP_gpumem_query };
	int fd = open("/dev/xen/privcmd", O_RDWR);
	int rc;

	if (fd < 0) {
		printf("FAIL: /dev/xen/privcmd: %s\n", strerror(errno));
		return 1;
	}
	rc = dm_op(fd, dom, &op, NULL, 0);
	check(rc == -EOPNOTSUPP, "rc %d, want %d",
	      "stock: QUERY (dm_op 64): EOPNOTSUPP", rc, -EOPNOTSUPP);
	rc = fault_range(fd, dom, 0, CLAIM, 0x10000, 0x10000);
	check(rc == -EOPNOTSUPP, "rc %d, want %d",
	      "stock: FAULT_RANGE (dm_op 69): EOPNOTSUPP", rc, -EOPNOTSUPP);
	close(fd);
	return failures ? 1 : 0;
}

/* dom0's GFN of @p (PVH: its physmap), from /proc/self/pagemap. */
static __u64 gfn_of(const void *p)
{
	__u64 ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent),
		  (uintptr_t)p / 4096 * sizeof(ent)) != sizeof(ent))
		ent = 0;
	close(fd);
	return (ent >> 63) ? ent & ((1ull << 55) - 1) : 0;
}

/* MAP of BATCH dom0 pages, one extent each, then one REVOKE of them all. */
static void batch(int fd, __u16 dom, __u64 gfn)
{
	static struct xen_dm_op_gpumem_extent ext[BATCH];
	struct xen_dm_op_gpumem op = { .op = XEN_DMOP_gpumem_map };
	unsigned char *buf;
	unsigned int i, bad = 0;
	int rc;

	buf = mmap(NULL, BATCH * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE,
		   -1, 0);
	if (buf == MAP_FAILED) {
		printf("FAIL: mmap of %u pages: %s\n", BATCH, strerror(errno));
		failures++;
		return;
	}
	for (i = 0; i < BATCH; i++) {
		memset(buf + i * 4096, i, 4096);
		ext[i] = (struct xen_dm_op_gpumem_extent){
			.frame = gfn_of(buf + i * 4096), .gfn = gfn + i,
			.nr_frames = 1,
			.flags = XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WB),
		};
		bad += !ext[i].frame;
	}
	op.u.batch.nr = BATCH;
	rc = gpumem_op(fd, dom, &op, ext, BATCH);
	check(!bad && rc == 0 && op.u.batch.done == BATCH, "rc %d, done %d",
	      "MAP of 256 one-page extents in one call", rc,
	      (int)op.u.batch.done);
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_gpumem_revoke;
	op.u.batch.nr = 1;
	ext[0] = (struct xen_dm_op_gpumem_extent){ .gfn = gfn,
						   .nr_frames = BATCH };
	rc = gpumem_op(fd, dom, &op, ext, 1);
	check(rc == 0 && op.u.batch.done == 1, "rc %d, done %d",
	      "REVOKE of them in one extent", rc, (int)op.u.batch.done);
	munmap(buf, BATCH * 4096);
}

/*
 * The domU's lent entries as Xen's debug key 'Y' reports them (the lines
 * after the last dump header; none when it has none): 0 on success.
 */
static int lent_entries(__u16 dom, unsigned long *lent, unsigned long *super,
			unsigned long *small)
{
	char line[512], want[32];
	FILE *f;

	*lent = *super = *small = 0;
	if (system("xl debug-keys Y") != 0)
		return -1;
	f = popen("xl dmesg", "r");
	if (!f)
		return -1;
	snprintf(want, sizeof(want), "d%u: gpumem: ", dom);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want);

		if (strstr(line, "'Y' pressed -> dumping gpumem"))
			*lent = *super = *small = 0;
		else if (p)
			sscanf(p + strlen(want),
			       "%lu lent GFNs: %lu 2M entries, %lu 4k entries",
			       lent, super, small);
	}
	return pclose(f) ? -1 : 0;
}

static void expect_entries(__u16 dom, const char *what, unsigned long super,
			   unsigned long small)
{
	unsigned long lent, s, f;
	int rc = lent_entries(dom, &lent, &s, &f);

	printf("%s: %s: %lu lent GFNs, %lu 2M + %lu 4k entries, want %lu + %lu\n",
	       !rc && s == super && f == small ? "ok" : "FAIL", what, lent, s, f,
	       super, small);
	failures += rc || s != super || f != small;
}

/* One extent of @nr frames from @frame at @gfn: MAP (with @flags) or REVOKE. */
static int one_extent(int fd, __u16 dom, unsigned int op_nr, __u64 frame,
		      __u64 gfn, unsigned int nr, unsigned int flags)
{
	struct xen_dm_op_gpumem op = { .op = op_nr };
	struct xen_dm_op_gpumem_extent ext = {
		.frame = frame, .gfn = gfn, .nr_frames = nr, .flags = flags,
	};
	int rc;

	op.u.batch.nr = 1;
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	return rc ? rc : op.u.batch.done == 1 ? ext.status : -EIO;
}

/* 2 MiB entries, from a dom0 huge page (machine-contiguous in a PVH dom0). */
static void superpages(int fd, __u16 dom)
{
	const unsigned int wb = XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WB);
	const unsigned int wc = XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WC);
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");
	unsigned char *buf;
	__u64 frame;
	int rc;

	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	buf = mmap(NULL, SUPER_NR * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
		   -1, 0);
	if (buf == MAP_FAILED) {
		printf("FAIL: a 2 MiB huge page in dom0: %s\n", strerror(errno));
		failures++;
		return;
	}
	memset(buf, 0x2d, SUPER_NR * 4096);
	frame = gfn_of(buf);
	check(frame && !(frame % SUPER_NR), "frame %#x, want %#x",
	      "a dom0 huge page: 512 aligned frames", (int)frame,
	      (int)(frame & ~(__u64)(SUPER_NR - 1)));

	rc = one_extent(fd, dom, XEN_DMOP_gpumem_map, frame, SUPER_GFN,
			SUPER_NR, wb);
	check(rc == 0, "rc %d, want %d",
	      "MAP of them write-back at an aligned GFN", rc, 0);
	expect_entries(dom, "one 2 MiB entry", 1, 0);
	rc = one_extent(fd, dom, XEN_DMOP_gpumem_revoke, 0, SUPER_GFN + 5, 1, 0);
	check(rc == 0, "rc %d, want %d",
	      "REVOKE of its frame 5 (splits it, allocating nothing)", rc, 0);
	expect_entries(dom, "split: 511 4k entries", 0, SUPER_NR - 1);
	rc = one_extent(fd, dom, XEN_DMOP_gpumem_revoke, 0, SUPER_GFN, SUPER_NR,
			0);
	check(rc == 0, "rc %d, want %d", "REVOKE of the rest", rc, 0);
	expect_entries(dom, "nothing lent", 0, 0);

	rc = one_extent(fd, dom, XEN_DMOP_gpumem_map, frame, SUPER_GFN,
			SUPER_NR, wc);
	check(rc == 0, "rc %d, want %d", "MAP of them write-combining", rc, 0);
	expect_entries(dom, "write-combining stays 4k", 0, SUPER_NR);
	rc = one_extent(fd, dom, XEN_DMOP_gpumem_revoke, 0, SUPER_GFN, SUPER_NR,
			0);
	check(rc == 0, "rc %d, want %d", "REVOKE of them", rc, 0);

	rc = one_extent(fd, dom, XEN_DMOP_gpumem_map, frame, SUPER_GFN + 1,
			SUPER_NR, wb);
	check(rc == 0, "rc %d, want %d", "MAP at an unaligned GFN", rc, 0);
	expect_entries(dom, "unaligned: 4k entries", 0, SUPER_NR);
	rc = one_extent(fd, dom, XEN_DMOP_gpumem_revoke, 0, SUPER_GFN + 1,
			SUPER_NR, 0);
	check(rc == 0, "rc %d, want %d", "REVOKE of them", rc, 0);

	rc = one_extent(fd, dom, XEN_DMOP_gpumem_map, frame, SUPER_GFN,
			SUPER_NR, wb);
	check(rc == 0, "rc %d, want %d", "MAP again", rc, 0);
	expect_entries(dom, "one 2 MiB entry", 1, 0);
	rc = one_extent(fd, dom, XEN_DMOP_gpumem_revoke, 0, SUPER_GFN,
			SUPER_NR, 0);
	check(rc == 0, "rc %d, want %d",
	      "REVOKE of it whole (its page goes back to the pool)", rc, 0);
	expect_entries(dom, "nothing lent", 0, 0);

	/*
	 * Left lent for the domU's teardown (xl destroy) to drop.  The huge
	 * page goes back to dom0's huge page pool at exit, which nothing else
	 * in this dom0 allocates from; the domU never touches SUPER_GFN.
	 */
	rc = one_extent(fd, dom, XEN_DMOP_gpumem_map, frame, SUPER_GFN,
			SUPER_NR, wb);
	check(rc == 0, "rc %d, want %d",
	      "MAP of a 2 MiB entry left for the domU's teardown", rc, 0);
	munmap(buf, SUPER_NR * 4096);
}

int main(int argc, char **argv)
{
	struct xen_dm_op_gpumem op;
	struct xen_dm_op_gpumem_extent ext;
	__u16 dom;
	__u64 gfn, ram;
	unsigned char *page;
	int fd, rc;

	if (argc == 3 && !strcmp(argv[1], "--stock"))
		return check_stock((__u16)strtoul(argv[2], NULL, 0));
	if (argc != 3) {
		fprintf(stderr, "usage: %s DOMID GFN | --stock DOMID\n", argv[0]);
		return 2;
	}
	dom = (__u16)strtoul(argv[1], NULL, 0);
	gfn = strtoull(argv[2], NULL, 0);

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE,
		    -1, 0);
	if (page == MAP_FAILED) {
		printf("FAIL: mmap: %s\n", strerror(errno));
		return 1;
	}
	memset(page, 0x5c, 4096);
	ram = gfn_of(page);

	/* 1. A device model confined to its domain. */
	fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0) {
		printf("FAIL: /dev/xen/privcmd: %s\n", strerror(errno));
		return 1;
	}
	rc = ioc(fd, IOCTL_PRIVCMD_RESTRICT, &dom);
	check(rc == 0, "rc %d, want %d", "privcmd restricted to the domU", rc,
	      0);
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_gpumem_query;
	rc = dm_op(fd, dom, &op, NULL, 0);
	check(rc == 0 && op.u.query.version == XEN_GPUMEM_INTERFACE_VERSION,
	      "rc %d, version %d", "restricted: QUERY as a dm_op answers",
	      rc, (int)op.u.query.version);
	instance = op.u.query.instance;
	check(instance != 0, "instance %d, want %d", "QUERY reports an instance",
	      (int)instance, 1);
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_gpumem_map;
	op.u.batch.nr = 1;
	ext = (struct xen_dm_op_gpumem_extent){
		.frame = ram, .gfn = gfn, .nr_frames = 1,
		.flags = XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WB),
	};
	rc = dm_op(fd, dom, &op, &ext, 1);
	check(rc == -EOPNOTSUPP, "rc %d, want %d",
	      "restricted: MAP of dom0 RAM as a dm_op refused", rc,
	      -EOPNOTSUPP);
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	check(rc == -EPERM, "rc %d, want %d",
	      "restricted: XENMEM_gpumem_op refused by privcmd", rc, -EPERM);
	close(fd);

	/* 2. The backend's kernel (here: unrestricted privcmd). */
	fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0) {
		printf("FAIL: /dev/xen/privcmd: %s\n", strerror(errno));
		return 1;
	}
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_gpumem_map;
	op.u.batch.nr = 1;
	op.u.batch.done = 1;
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	check(rc == -EINVAL, "rc %d, want %d",
	      "MAP, a first call with done 1: EINVAL", rc, -EINVAL);

	op.u.batch.done = 0;
	op.u.batch.instance = instance + 1;
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	check(rc == -ESRCH && op.u.batch.done == 0, "rc %d, want %d",
	      "MAP naming another instance of the domid: ESRCH", rc, -ESRCH);
	op.u.batch.instance = 0;	/* gpumem_op() fills in the right one */

	ext = (struct xen_dm_op_gpumem_extent){
		.frame = 0xa0, .gfn = gfn, .nr_frames = 1,
		.flags = XEN_GPUMEM_EXT_MMIO |
			 XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_UC),
	};
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	check(rc == -EPERM && ext.status == -EPERM, "rc %d, status %d",
	      "MAP of MMIO (0xa0) outside the domU's iomem: EPERM", rc,
	      ext.status);

	ext.flags = XEN_GPUMEM_EXT_MMIO |
		    XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WB);
	ext.status = 0;
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	check(rc == -EOPNOTSUPP && ext.status == -EOPNOTSUPP,
	      "rc %d, status %d", "MAP of write-back MMIO: EOPNOTSUPP", rc,
	      ext.status);

	ext = (struct xen_dm_op_gpumem_extent){
		.frame = ram, .gfn = gfn, .nr_frames = 1,
		.flags = XEN_GPUMEM_EXT_CACHE(XEN_GPUMEM_CACHE_WC),
	};
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	check(ram && rc == 0 && op.u.batch.done == 1, "rc %d, done %d",
	      "MAP of a dom0 RAM page write-combining", rc,
	      (int)op.u.batch.done);
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_gpumem_revoke;
	op.u.batch.nr = 1;
	ext = (struct xen_dm_op_gpumem_extent){ .gfn = gfn, .nr_frames = 1 };
	rc = gpumem_op(fd, dom, &op, &ext, 1);
	check(rc == 0 && op.u.batch.done == 1, "rc %d, done %d",
	      "REVOKE of it", rc, (int)op.u.batch.done);

	batch(fd, dom, gfn + 64);
	superpages(fd, dom);
	close(fd);

	fault_checks(dom, gfn + 32);

	return failures ? 1 : 0;
}
