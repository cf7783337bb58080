// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gpumem-ioreq: the device model's IOREQ server for a range of frontend
 * GFNs, so that a frontend access to a GFN with nothing mapped (never
 * mapped, or revoked) reaches the backend as a fault, as the ABI's REVOKE
 * contract says it does (include/xen/interface/gpumem.h).  Without a server
 * for the range, Xen's null handler answers such accesses itself.
 *
 *   gpumem-ioreq --domid N [--fault] GFN PAGES
 *
 * It registers one IOREQ server (Xen's own dm_ops, through libxendevicemodel)
 * claiming the MMIO range [GFN, GFN + PAGES) * 4096, answers every read with
 * all-ones and drops every write, and prints one line per access:
 *
 *   fault read gfn 0x10000 offset 0x0 size 8
 *
 * after a first line "ioreq: server ID for dN ...".  SIGTERM or SIGINT
 * destroys the server and exits.  A real virtio-GPU device model would
 * POPULATE here and answer with the new frames' bytes.
 *
 * With --fault the server also claims [GFN, GFN + PAGES) as a fault range
 * (XEN_DMOP_gpumem_fault_range, issued through privcmd's IOCTL_PRIVCMD_DM_OP
 * after a QUERY for the domain's instance): a frontend access to an empty
 * GFN of it arrives as an IOREQ_TYPE_GPUMEM_FAULT request before any
 * emulation.  It binds its own /dev/xen/gpumem context to the domain and
 * answers each fault, one line each:
 *
 *   fault-range read gfn 0x10000 attempt 1: mapped, retry
 *
 * "Mapped" is a MAP_VA of its own page i (filled with 0xf0 + i) at the
 * range's GFN i; after RETRY the access re-executes against that page.  A
 * write (or instruction fetch) is always mapped; a read by the GFN's page i:
 *
 *   page 0    mapped, RETRY;
 *   page 1    RETRY with nothing mapped on the first attempt (the access
 *             faults again, attempt 2), then mapped, RETRY;
 *   page 2    RETRY with nothing mapped, always: after
 *             XEN_GPUMEM_FAULT_MAX_TRIES attempts Xen answers EMULATE
 *             itself, and the access reaches the MMIO range above;
 *   page 3+   EMULATE: the access reaches the MMIO range above.
 *
 * On exit it releases the claim, prints the first 8 bytes of each page it
 * mapped ("fault-range page gfn 0x10000: ...", what the frontend wrote
 * there), and closes the context, which revokes them.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/types.h>
#include <xen/gpumem.h>		/* include/uapi/xen/gpumem.h */

/* Xen's tools-only definitions (HVM_IOREQSRV_*), as QEMU asks for them. */
#define __XEN_TOOLS__ 1
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

/* The hypercall ABI: XEN_DMOP_gpumem_*, IOREQ_TYPE_GPUMEM_FAULT. */
#include "../../include/xen/interface/gpumem.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1ul << PAGE_SHIFT)
#define MAX_VCPUS	64

/* Linux's include/uapi/xen/privcmd.h (its header needs kernel headers). */
struct privcmd_dm_op_buf {
	void *uptr;
	size_t size;
};

struct privcmd_dm_op {
	__u16 dom;
	__u16 num;
	const struct privcmd_dm_op_buf *ubufs;
};

#define IOCTL_PRIVCMD_DM_OP \
	_IOC(_IOC_NONE, 'P', 5, sizeof(struct privcmd_dm_op))

/* --fault: the fault range's state. */
static struct {
	int on;
	int gpumem;		/* /dev/xen/gpumem, bound to the domain */
	int privcmd;		/* /dev/xen/privcmd, for the gpumem dm_ops */
	uint32_t domid;
	unsigned long long gfn, pages;
	ioservid_t id;
	uint64_t instance;
	unsigned char *buf;	/* page i: 0xf0 + i, lent at gfn + i */
	unsigned char *mapped;	/* per page: MAP_VA done */
	unsigned long faults;
} fr;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A gpumem dm_op on the domain, through privcmd: 0 or a negative errno. */
static int gpumem_dm_op(struct xen_dm_op_gpumem *op)
{
	struct privcmd_dm_op_buf buf = { op, sizeof(*op) };
	struct privcmd_dm_op d = { .dom = fr.domid, .num = 1, .ubufs = &buf };

	return ioctl(fr.privcmd, IOCTL_PRIVCMD_DM_OP, &d) < 0 ? -errno : 0;
}

static int fault_range(int claim)
{
	struct xen_dm_op_gpumem op = { .op = XEN_DMOP_gpumem_fault_range };

	op.u.fault_range = (struct xen_dm_op_gpumem_fault_range){
		.id = fr.id,
		.flags = claim ? XEN_GPUMEM_FAULT_CLAIM : 0,
		.first_gfn = fr.gfn,
		.last_gfn = fr.gfn + fr.pages - 1,
		.instance = fr.instance,
	};
	return gpumem_dm_op(&op);
}

/* --fault's setup before the server is enabled: 0, or 1 with a message. */
static int fault_setup(void)
{
	struct xen_dm_op_gpumem op = { .op = XEN_DMOP_gpumem_query };
	struct gpumem_bind bind = { .domid = fr.domid };
	unsigned long long i;
	int rc;

	fr.privcmd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	fr.gpumem = open("/dev/xen/gpumem", O_RDWR | O_CLOEXEC);
	if (fr.privcmd < 0 || fr.gpumem < 0) {
		perror("gpumem-ioreq: open /dev/xen/privcmd and /dev/xen/gpumem");
		return 1;
	}
	if (ioctl(fr.gpumem, GPUMEM_IOCTL_BIND, &bind)) {
		perror("gpumem-ioreq: GPUMEM_IOCTL_BIND");
		return 1;
	}
	rc = gpumem_dm_op(&op);
	if (rc || !(op.u.query.ops &
		    XEN_GPUMEM_OP_BIT(XEN_DMOP_gpumem_fault_range))) {
		fprintf(stderr, "gpumem-ioreq: QUERY: %s, ops %#x: no fault range\n",
			strerror(-rc), op.u.query.ops);
		return 1;
	}
	fr.instance = op.u.query.instance;
	fr.buf = mmap(NULL, fr.pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	fr.mapped = calloc(fr.pages, 1);
	if (fr.buf == MAP_FAILED || !fr.mapped) {
		perror("gpumem-ioreq: buffer");
		return 1;
	}
	for (i = 0; i < fr.pages; i++)
		memset(fr.buf + i * PAGE_SIZE, (0xf0 + i) & 0xff, PAGE_SIZE);
	rc = fault_range(1);
	if (rc) {
		fprintf(stderr, "gpumem-ioreq: claim of the fault range: %s\n",
			strerror(-rc));
		return 1;
	}
	return 0;
}

/* An IOREQ_TYPE_GPUMEM_FAULT request: log it, fill or not, answer. */
static void serve_fault(ioreq_t *req)
{
	uint64_t gfn = req->addr >> PAGE_SHIFT;
	uint64_t i = gfn - fr.gfn;
	const char *way = req->data & XEN_GPUMEM_FAULT_W ? "write" :
			  req->data & XEN_GPUMEM_FAULT_X ? "exec" : "read";
	uint64_t answer = XEN_GPUMEM_FAULT_RETRY;
	char what[64] = "nothing mapped, retry";

	fr.faults++;
	if (gfn < fr.gfn || i >= fr.pages) {
		answer = XEN_GPUMEM_FAULT_EMULATE;
		snprintf(what, sizeof(what), "not ours, emulate");
	} else if (strcmp(way, "read") || i == 0 || (i == 1 && req->count >= 2)) {
		struct gpumem_map_va map = {
			.hva = (uintptr_t)(fr.buf + i * PAGE_SIZE),
			.len = PAGE_SIZE, .gfn = gfn, .domid = fr.domid,
		};

		if (ioctl(fr.gpumem, GPUMEM_IOCTL_MAP_VA, &map)) {
			snprintf(what, sizeof(what), "MAP_VA: %s, emulate",
				 strerror(errno));
			answer = XEN_GPUMEM_FAULT_EMULATE;
		} else {
			fr.mapped[i] = 1;
			snprintf(what, sizeof(what), "mapped, retry");
		}
	} else if (i >= 3) {
		answer = XEN_GPUMEM_FAULT_EMULATE;
		snprintf(what, sizeof(what), "emulate");
	}
	printf("fault-range %s gfn %#" PRIx64 " attempt %u: %s\n", way, gfn,
	       req->count, what);
	req->data = answer;
}

static void fault_teardown(void)
{
	unsigned long long i;
	int rc;

	if (fr.privcmd >= 0 && fr.instance) {
		rc = fault_range(0);
		printf("ioreq: release of the fault range: %s\n",
		       rc ? strerror(-rc) : "ok");
	}
	for (i = 0; fr.mapped && i < fr.pages; i++) {
		unsigned int b;

		if (!fr.mapped[i])
			continue;
		printf("fault-range page gfn %#llx:", fr.gfn + i);
		for (b = 0; b < 8; b++)
			printf("%s%02x", b ? "" : " ", fr.buf[i * PAGE_SIZE + b]);
		printf("\n");
	}
	printf("ioreq: %lu fault-range request(s)\n", fr.faults);
	if (fr.gpumem >= 0)
		close(fr.gpumem);	/* revokes what it mapped */
	if (fr.privcmd >= 0)
		close(fr.privcmd);
}

/* One access from the frontend: log it, answer it. */
static void serve(ioreq_t *req)
{
	uint64_t i;

	if (req->type == IOREQ_TYPE_GPUMEM_FAULT && fr.on && !req->data_is_ptr) {
		serve_fault(req);
		return;
	}
	if (req->type != IOREQ_TYPE_COPY || req->data_is_ptr) {
		printf("ignored ioreq type %u data_is_ptr %u addr %#" PRIx64 "\n",
		       req->type, req->data_is_ptr, (uint64_t)req->addr);
		return;
	}
	for (i = 0; i < req->count; i++) {
		uint64_t addr = req->addr + (req->df ? -i : i) * req->size;

		printf("fault %s gfn %#" PRIx64 " offset %#" PRIx64 " size %u\n",
		       req->dir == IOREQ_READ ? "read" : "write",
		       addr >> PAGE_SHIFT, addr & ((1u << PAGE_SHIFT) - 1),
		       req->size);
	}
	if (req->dir == IOREQ_READ)
		req->data = req->size >= 8 ? ~0ULL : (1ULL << (req->size * 8)) - 1;
}

int main(int argc, char **argv)
{
	xenforeignmemory_resource_handle *res = NULL;
	xenforeignmemory_handle *fmem = NULL;
	xendevicemodel_handle *dmod = NULL;
	evtchn_port_t local[MAX_VCPUS];
	unsigned int nr_vcpus = 0, v;
	unsigned long long gfn, pages, first, last;
	xenevtchn_handle *xce = NULL;
	shared_iopage_t *shared = NULL;
	ioservid_t id = 0;
	int have_id = 0;
	uint32_t domid;
	int rc = 1;

	fr.gpumem = -1;
	fr.privcmd = -1;
	if (argc == 6 && !strcmp(argv[3], "--fault")) {
		fr.on = 1;
		argv[3] = argv[4];
		argv[4] = argv[5];
		argc--;
	}
	if (argc != 5 || strcmp(argv[1], "--domid")) {
		fprintf(stderr, "usage: gpumem-ioreq --domid N [--fault] GFN PAGES\n");
		return 2;
	}
	domid = strtoul(argv[2], NULL, 0);
	gfn = strtoull(argv[3], NULL, 0);
	pages = strtoull(argv[4], NULL, 0);
	if (!pages || gfn + pages < gfn || gfn + pages > (1ULL << 52)) {
		fprintf(stderr, "gpumem-ioreq: bad range %#llx+%llu\n", gfn, pages);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	dmod = xendevicemodel_open(NULL, 0);
	fmem = xenforeignmemory_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	if (!dmod || !fmem || !xce) {
		perror("gpumem-ioreq: open the Xen interfaces");
		goto out;
	}
	if (xendevicemodel_nr_vcpus(dmod, domid, &nr_vcpus) ||
	    !nr_vcpus || nr_vcpus > MAX_VCPUS) {
		fprintf(stderr, "gpumem-ioreq: d%u: vcpus %u: %s\n", domid,
			nr_vcpus, strerror(errno));
		goto out;
	}
	if (xendevicemodel_create_ioreq_server(dmod, domid,
					       HVM_IOREQSRV_BUFIOREQ_OFF, &id)) {
		perror("gpumem-ioreq: create_ioreq_server");
		goto out;
	}
	have_id = 1;
	res = xenforeignmemory_map_resource(fmem, domid,
					    XENMEM_resource_ioreq_server, id,
					    XENMEM_resource_ioreq_server_frame_ioreq(0),
					    1, (void **)&shared,
					    PROT_READ | PROT_WRITE, 0);
	if (!res) {
		perror("gpumem-ioreq: map the ioreq page");
		goto out;
	}
	first = gfn << PAGE_SHIFT;
	last = ((gfn + pages) << PAGE_SHIFT) - 1;
	if (xendevicemodel_map_io_range_to_ioreq_server(dmod, domid, id, 1,
							first, last)) {
		perror("gpumem-ioreq: map_io_range_to_ioreq_server");
		goto out;
	}
	if (fr.on) {
		fr.domid = domid;
		fr.gfn = gfn;
		fr.pages = pages;
		fr.id = id;
		if (fault_setup())
			goto out;
	}
	if (xendevicemodel_set_ioreq_server_state(dmod, domid, id, 1)) {
		perror("gpumem-ioreq: set_ioreq_server_state");
		goto out;
	}
	for (v = 0; v < nr_vcpus; v++) {
		xenevtchn_port_or_error_t p;

		p = xenevtchn_bind_interdomain(xce, domid,
					       shared->vcpu_ioreq[v].vp_eport);
		if (p < 0) {
			fprintf(stderr, "gpumem-ioreq: bind vcpu %u port %u: %s\n",
				v, shared->vcpu_ioreq[v].vp_eport,
				strerror(errno));
			goto out;
		}
		local[v] = p;
	}
	printf("ioreq: server %u for d%u mmio %#llx-%#llx (gfn %#llx+%llu), %u vcpu(s)%s\n",
	       id, domid, first, last, gfn, pages, nr_vcpus,
	       fr.on ? ", fault range claimed" : "");

	while (!stop) {
		struct pollfd pfd = { .fd = xenevtchn_fd(xce), .events = POLLIN };
		xenevtchn_port_or_error_t port = -1;

		/*
		 * On an event, serve its vCPU; every half second, any vCPU
		 * whose request is still waiting (a lost event, reported).
		 */
		if (poll(&pfd, 1, 500) > 0) {
			port = xenevtchn_pending(xce);
			if (port < 0)
				break;
		}
		for (v = 0; v < nr_vcpus; v++) {
			ioreq_t *req = &shared->vcpu_ioreq[v];

			if (port >= 0 && local[v] != (evtchn_port_t)port)
				continue;
			if (req->state != STATE_IOREQ_READY)
				continue;
			if (port < 0)
				printf("vcpu %u: a request without an event\n", v);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			req->state = STATE_IOREQ_INPROCESS;
			serve(req);
			__atomic_thread_fence(__ATOMIC_RELEASE);
			req->state = STATE_IORESP_READY;
			xenevtchn_notify(xce, local[v]);
		}
		if (port >= 0)
			xenevtchn_unmask(xce, port);
	}
	for (v = 0; v < nr_vcpus; v++) {
		ioreq_t *req = &shared->vcpu_ioreq[v];

		printf("vcpu %u at exit: state %u type %u addr %#" PRIx64 " port %u\n",
		       v, req->state, req->type, (uint64_t)req->addr,
		       req->vp_eport);
	}
	rc = 0;
out:
	if (fr.on)
		fault_teardown();
	if (have_id && xendevicemodel_destroy_ioreq_server(dmod, domid, id) &&
	    errno != ESRCH)
		perror("gpumem-ioreq: destroy_ioreq_server");
	if (res)
		xenforeignmemory_unmap_resource(fmem, res);
	if (xce)
		xenevtchn_close(xce);
	if (fmem)
		xenforeignmemory_close(fmem);
	if (dmod)
		xendevicemodel_close(dmod);
	printf("ioreq: exit %d\n", rc);
	return rc;
}
