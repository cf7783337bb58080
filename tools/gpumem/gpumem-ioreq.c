// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * gpumem-ioreq: the device model's IOREQ server for a range of frontend
 * GFNs, so that a frontend access to a GFN with nothing mapped (never
 * mapped, or revoked) reaches the backend as a fault, as the ABI's REVOKE
 * contract says it does (include/xen/interface/gpumem.h).  Without a server
 * for the range, Xen's null handler answers such accesses itself.
 *
 *   gpumem-ioreq --domid N GFN PAGES
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
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Xen's tools-only definitions (HVM_IOREQSRV_*), as QEMU asks for them. */
#define __XEN_TOOLS__ 1
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#define PAGE_SHIFT	12
#define MAX_VCPUS	64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One access from the frontend: log it, answer it. */
static void serve(ioreq_t *req)
{
	uint64_t i;

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

	if (argc != 5 || strcmp(argv[1], "--domid")) {
		fprintf(stderr, "usage: gpumem-ioreq --domid N GFN PAGES\n");
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
	printf("ioreq: server %u for d%u mmio %#llx-%#llx (gfn %#llx+%llu), %u vcpu(s)\n",
	       id, domid, first, last, gfn, pages, nr_vcpus);

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
