// SPDX-License-Identifier: GPL-2.0
/*
 * gpumem_domu: the frontend side of scripts/xen-e2e.sh, loaded in a domU.
 *
 * It looks at two things the backend (dom0's device model, through
 * xen-gpumem) acts on:
 *
 *  - a window of @nr GFNs from @gfn that are not RAM in this domain (above
 *    its memory), ioremap()ed: what dom0 maps there with MAP_VA is what a
 *    read returns; unpopulated, Xen emulates the access with no device model
 *    behind it (reads all-ones, writes dropped);
 *  - @steal_pages pages of its own RAM, filled with a known pattern at load,
 *    whose GFNs dom0 can STEAL and RETURN;
 *  - for make xen-bench, a second window of @bench_nr GFNs from @bench_gfn
 *    (none by default), mapped write-back as the RAM dom0 lends there is;
 *  - for make xen-bench as well, @grant_nr pages of its own (unpopulated:
 *    gnttab_alloc_pages()) to map dom0's grants at, the stock way of
 *    showing dom0 memory to a domU that the bench compares MAP with, and
 *    @steal_bench_nr pages of its RAM, GFN-contiguous, set aside for a
 *    STEAL (alloc_contig_range(); kernel pages Xen references refuse it).
 *
 * dom0 drives it through xenstore, under this domain's data/gpumem:
 *   ready   "<gfn> <nr> <steal gfn> <steal pages> <bench gfn> <bench
 *           pages> <grant pages> <gfn of the steal_bench_nr pages, or 0>",
 *           written at load
 *   refs    dom0's grant references for "gmap", as ranges "<first
 *           ref>+<count>" separated by spaces, written by dom0
 *   cmd     "<seq> <op> [byte [pages]]", written by dom0; op is one of
 *           read    first 8 bytes of each window page
 *           write   fill each window page i with byte + i
 *           sread   first 8 bytes of each stolen-buffer page
 *           swrite  fill each stolen-buffer page i with byte + i
 *           grant   grant dom0 read-write access to stolen-buffer page
 *                   byte; the result is "<seq> grant <ref>" (decimal)
 *           ungrant end that grant: "<seq> ungrant ok", or "busy" while
 *                   dom0 still maps it
 *           inc     byte 1: start a thread that repeats x86's "lock incl" on
 *                   the 32-bit counter at the window's first byte; byte 0:
 *                   stop it, "<seq> inc <increments done> <counter>" (in
 *                   decimal).  Every increment is re-executed after a
 *                   fault, never emulated, only when the two are equal
 *           touch   read byte 0 of the first @pages pages of the bench
 *                   window in order, timed: "<seq> touch <pages> <ns>
 *                   <pages whose byte 0 is not byte + i>" (decimal)
 *           gmap    map the first @pages refs of "refs" (dom0's grants) in
 *                   batches of DOMU_GMAP_BATCH (one GNTTABOP_map_grant_ref
 *                   each), then read byte 0 of each page in order, timed:
 *                   "<seq> gmap <pages> <map ns> <read ns> <pages whose
 *                   byte 0 is not byte + i> <hypercalls> <maps failed>"
 *           gunmap  unmap what gmap mapped, in batches, timed: "<seq>
 *                   gunmap <pages> <ns> <hypercalls> <unmaps failed>"
 *   result  "<seq> <op> <page 0 bytes> <page 1 bytes> ...", once done
 * Every result is also printed to the console (hvc0), which xenconsoled
 * logs in dom0.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

static unsigned long gfn = 0x10000;
module_param(gfn, ulong, 0444);
MODULE_PARM_DESC(gfn, "first GFN of the window (not RAM in this domain)");

static unsigned int nr = 4;
module_param(nr, uint, 0444);
MODULE_PARM_DESC(nr, "pages in the window (1-16)");

static unsigned int steal_pages = 4;
module_param(steal_pages, uint, 0444);
MODULE_PARM_DESC(steal_pages, "RAM pages offered to STEAL (1-16, a power of 2)");

static unsigned long bench_gfn = 0x20000;
module_param(bench_gfn, ulong, 0444);
MODULE_PARM_DESC(bench_gfn, "first GFN of the bench window (2 MiB-aligned, not RAM)");

static unsigned int bench_nr;
module_param(bench_nr, uint, 0444);
MODULE_PARM_DESC(bench_nr, "pages in the bench window (0: none, at most 65536)");

static unsigned int grant_nr;
module_param(grant_nr, uint, 0444);
MODULE_PARM_DESC(grant_nr, "pages to map dom0's grants at (0: none, at most 65536)");

static unsigned int steal_bench_nr;
module_param(steal_bench_nr, uint, 0444);
MODULE_PARM_DESC(steal_bench_nr, "pages of RAM set aside, GFN-contiguous, for the bench's STEAL (0: none, a multiple of 512)");

#define DOMU_DIR	"data/gpumem"
#define DOMU_GMAP_BATCH	512
#define DOMU_MAX_PAGES	16
#define DOMU_LINE	(32 + DOMU_MAX_PAGES * 17)

static void __iomem *win;
static u8 *bench;	/* the bench window, write-back */
static struct page *buf;
static char line[DOMU_LINE];
static int granted = -1;	/* the grant reference of "grant", or -1 */
static struct task_struct *inc_task;	/* the loop of "inc 1" */
static u64 inc_done;

static unsigned long sbench_pfn;	/* the steal_bench_nr pages', or 0 */

/* "gmap" and "gunmap": @grant_nr pages, their handles, one batch of ops. */
static struct page **gpages;
static grant_handle_t *ghandles;
static struct gnttab_map_grant_ref *gmap_ops;
static struct gnttab_unmap_grant_ref *gunmap_ops;
static struct page **gbatch;	/* the pages of one batch of unmaps */
static unsigned int gmapped;	/* pages of gpages that "gmap" covered */

/*
 * The increments of "inc 1": a locked read-modify-write of the window's
 * memory.  An access to a revoked GFN traps to Xen, which forwards it to
 * dom0 and, once dom0 has mapped the page again, executes the instruction
 * again; emulated instead, it would read and write the device model's
 * MMIO, and the count would be lost.
 */
static int inc_loop(void *unused)
{
	u32 *ctr = (u32 __force *)win;

	while (!kthread_should_stop()) {
		asm volatile("lock incl %0" : "+m" (*ctr) : : "memory");
		inc_done++;
		if (!(inc_done & 255))
			cond_resched();
	}
	return 0;
}

static void inc_stop(void)
{
	if (inc_task) {
		kthread_stop(inc_task);
		put_task_struct(inc_task);
		inc_task = NULL;
	}
}

static void dump_io(char *p, size_t left)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		u64 v = readq(win + i * PAGE_SIZE);
		int n = scnprintf(p, left, " %016llx", (unsigned long long)swab64(v));

		p += n;
		left -= n;
	}
}

static void dump_ram(char *p, size_t left)
{
	unsigned int i;

	for (i = 0; i < steal_pages; i++) {
		u8 *b = page_address(buf + i);
		int n = scnprintf(p, left, " %8phN", b);

		p += n;
		left -= n;
	}
}

/*
 * "touch": byte 0 of each page in order, as a program walking a buffer
 * does; a page dom0 lent is read, an empty one faults first.
 */
static void touch(char *p, size_t left, unsigned int byte, unsigned int pages)
{
	unsigned int i, bad = 0;
	u64 t;

	t = ktime_get_ns();
	for (i = 0; i < pages; i++)
		if (READ_ONCE(bench[(size_t)i * PAGE_SIZE]) != ((byte + i) & 0xff))
			bad++;
	t = ktime_get_ns() - t;
	scnprintf(p, left, " %u %llu %u", pages, (unsigned long long)t, bad);
}

/* One GNTTABOP_map_grant_ref of @n ops, for the pages from @first. */
static unsigned int gmap_flush(unsigned int first, unsigned int n)
{
	unsigned int j, failed = 0;

	if (gnttab_map_refs(gmap_ops, NULL, gpages + first, n))
		for (j = 0; j < n; j++)
			gmap_ops[j].status = GNTST_general_error;
	for (j = 0; j < n; j++) {
		if (gmap_ops[j].status == GNTST_okay) {
			ghandles[first + j] = gmap_ops[j].handle;
		} else {
			ghandles[first + j] = INVALID_GRANT_HANDLE;
			failed++;
		}
	}
	return failed;
}

/*
 * "gmap": what a frontend does to see dom0's memory through grants: map
 * each granted page at a page of its own, then read it.
 */
static void gmap(char *p, size_t left, unsigned int byte, unsigned int pages)
{
	unsigned int i = 0, n = 0, calls = 0, failed = 0, bad = 0;
	unsigned int first, count, k;
	char *refs, *s, *tok;
	u64 t0, t1, t2;

	if (gmapped || pages > grant_nr) {
		scnprintf(p, left, " busy");
		return;
	}
	refs = xenbus_read(XBT_NIL, DOMU_DIR, "refs", NULL);
	if (IS_ERR(refs)) {
		scnprintf(p, left, " %ld", PTR_ERR(refs));
		return;
	}
	t0 = ktime_get_ns();
	s = refs;
	while (i < pages && (tok = strsep(&s, " "))) {
		if (sscanf(tok, "%u+%u", &first, &count) != 2)
			break;
		for (k = 0; k < count && i < pages; k++, i++) {
			gnttab_set_map_op(&gmap_ops[n++],
					  (unsigned long)page_address(gpages[i]),
					  GNTMAP_host_map, first + k, 0);
			if (n < DOMU_GMAP_BATCH)
				continue;
			failed += gmap_flush(i + 1 - n, n);
			calls++;
			n = 0;
		}
	}
	if (n) {
		failed += gmap_flush(i - n, n);
		calls++;
	}
	gmapped = i;
	t1 = ktime_get_ns();
	for (i = 0; i < gmapped; i++)
		if (READ_ONCE(*(u8 *)page_address(gpages[i])) !=
		    ((byte + i) & 0xff))
			bad++;
	t2 = ktime_get_ns();
	kfree(refs);
	scnprintf(p, left, " %u %llu %llu %u %u %u", gmapped,
		  (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
		  bad + pages - gmapped, calls, failed);
}

/* "gunmap", and the module's exit: unmap what "gmap" mapped. */
static void gunmap(char *p, size_t left)
{
	unsigned int i, k, n = 0, done = 0, calls = 0, failed = 0;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < gmapped; i++) {
		if (ghandles[i] != INVALID_GRANT_HANDLE) {
			gnttab_set_unmap_op(&gunmap_ops[n],
					    (unsigned long)page_address(gpages[i]),
					    GNTMAP_host_map, ghandles[i]);
			gbatch[n++] = gpages[i];
		}
		if (n < DOMU_GMAP_BATCH && i + 1 < gmapped)
			continue;
		if (!n)
			break;
		if (gnttab_unmap_refs(gunmap_ops, NULL, gbatch, n)) {
			failed += n;
		} else {
			for (k = 0; k < n; k++)
				if (gunmap_ops[k].status != GNTST_okay)
					failed++;
		}
		done += n;
		calls++;
		n = 0;
	}
	gmapped = 0;
	if (p)
		scnprintf(p, left, " %u %llu %u %u", done,
			  (unsigned long long)(ktime_get_ns() - t0), calls,
			  failed);
}

static void run(const char *cmd)
{
	unsigned int seq, byte = 0, pages = 0, i;
	char op[8];
	int n, len;

	n = sscanf(cmd, "%u %7s %x %u", &seq, op, &byte, &pages);
	if (n < 2) {
		pr_warn("bad command \"%s\"\n", cmd);
		return;
	}
	len = scnprintf(line, sizeof(line), "%u %s", seq, op);
	if (!strcmp(op, "read")) {
		dump_io(line + len, sizeof(line) - len);
	} else if (!strcmp(op, "write") && n == 3) {
		for (i = 0; i < nr; i++)
			memset_io(win + i * PAGE_SIZE, (byte + i) & 0xff, PAGE_SIZE);
		scnprintf(line + len, sizeof(line) - len, " %02x", byte);
	} else if (!strcmp(op, "sread")) {
		dump_ram(line + len, sizeof(line) - len);
	} else if (!strcmp(op, "swrite") && n == 3) {
		for (i = 0; i < steal_pages; i++)
			memset(page_address(buf + i), (byte + i) & 0xff, PAGE_SIZE);
		scnprintf(line + len, sizeof(line) - len, " %02x", byte);
	} else if (!strcmp(op, "grant") && n == 3 && byte < steal_pages &&
		   granted < 0) {
		unsigned long sg = xen_page_to_gfn(buf + byte);

		granted = gnttab_grant_foreign_access(0, sg, 0);
		scnprintf(line + len, sizeof(line) - len, " %d", granted);
	} else if (!strcmp(op, "ungrant") && granted >= 0) {
		if (gnttab_try_end_foreign_access(granted)) {
			granted = -1;
			scnprintf(line + len, sizeof(line) - len, " ok");
		} else {
			scnprintf(line + len, sizeof(line) - len, " busy");
		}
	} else if (!strcmp(op, "inc") && n == 3 && byte == 1 && !inc_task) {
		inc_done = 0;
		inc_task = kthread_run(inc_loop, NULL, "gpumem-inc");
		if (IS_ERR(inc_task)) {
			scnprintf(line + len, sizeof(line) - len, " %ld",
				  PTR_ERR(inc_task));
			inc_task = NULL;
		} else {
			get_task_struct(inc_task);
			scnprintf(line + len, sizeof(line) - len, " started");
		}
	} else if (!strcmp(op, "touch") && n == 4 && pages &&
		   pages <= bench_nr) {
		touch(line + len, sizeof(line) - len, byte, pages);
	} else if (!strcmp(op, "gmap") && n == 4 && pages) {
		gmap(line + len, sizeof(line) - len, byte, pages);
	} else if (!strcmp(op, "gunmap") && gmapped) {
		gunmap(line + len, sizeof(line) - len);
	} else if (!strcmp(op, "inc") && n == 3 && byte == 0 && inc_task) {
		inc_stop();
		scnprintf(line + len, sizeof(line) - len, " %llu %u",
			  (unsigned long long)inc_done, readl(win));
	} else {
		scnprintf(line + len, sizeof(line) - len, " unknown");
	}
	pr_info("%s\n", line);
	n = xenbus_write(XBT_NIL, DOMU_DIR, "result", line);
	if (n)
		pr_warn("xenstore write of result: %d\n", n);
}

static void cmd_changed(struct xenbus_watch *w, const char *path,
			const char *token)
{
	char *cmd = xenbus_read(XBT_NIL, DOMU_DIR, "cmd", NULL);

	if (IS_ERR(cmd))
		return;		/* the watch's first event, before any command */
	if (*cmd)
		run(cmd);
	kfree(cmd);
}

static struct xenbus_watch watch = {
	.node = DOMU_DIR "/cmd",
	.callback = cmd_changed,
};

static void grant_free(void)
{
	if (gpages && gpages[0])
		gnttab_free_pages(grant_nr, gpages);
	kvfree(gpages);
	kvfree(ghandles);
	kfree(gmap_ops);
	kfree(gunmap_ops);
	kfree(gbatch);
	gpages = NULL;
}

/*
 * The pages "gmap" maps dom0's grants at: unpopulated GFNs (Linux's
 * unpopulated-alloc takes a free physical range).  Without them the bench
 * answers "busy" to gmap; the rest of the module does not need them.
 */
static void grant_alloc(void)
{
	int rc;

	if (!grant_nr)
		return;
	gpages = kvcalloc(grant_nr, sizeof(*gpages), GFP_KERNEL);
	ghandles = kvcalloc(grant_nr, sizeof(*ghandles), GFP_KERNEL);
	gmap_ops = kcalloc(DOMU_GMAP_BATCH, sizeof(*gmap_ops), GFP_KERNEL);
	gunmap_ops = kcalloc(DOMU_GMAP_BATCH, sizeof(*gunmap_ops), GFP_KERNEL);
	gbatch = kcalloc(DOMU_GMAP_BATCH, sizeof(*gbatch), GFP_KERNEL);
	rc = -ENOMEM;
	if (gpages && ghandles && gmap_ops && gunmap_ops && gbatch) {
		rc = gnttab_alloc_pages(grant_nr, gpages);
		if (rc)
			gpages[0] = NULL;
	}
	if (rc) {
		pr_warn("%u pages for grant mappings: %d\n", grant_nr, rc);
		grant_free();
		grant_nr = 0;
	}
}

/*
 * The steal_bench_nr pages: the highest 2 MiB-aligned range below 4 GiB
 * that is RAM throughout and that the page allocator can empty.
 */
static void steal_bench_alloc(void)
{
	unsigned long start, i;

	if (!steal_bench_nr)
		return;
	for (start = PFN_DOWN(SZ_4G) - steal_bench_nr;
	     start >= PFN_DOWN(SZ_16M); start -= 512) {
		for (i = 0; i < steal_bench_nr; i += 512)
			if (!pfn_valid(start + i) || !page_is_ram(start + i))
				break;
		if (i < steal_bench_nr || !page_is_ram(start + i - 1))
			continue;
		if (!alloc_contig_range(start, start + steal_bench_nr,
					MIGRATE_MOVABLE,
					GFP_KERNEL | __GFP_NOWARN)) {
			sbench_pfn = start;
			return;
		}
	}
	pr_warn("no %u pages of RAM for the bench's STEAL\n", steal_bench_nr);
}

static void steal_bench_free(void)
{
	if (sbench_pfn)
		free_contig_range(sbench_pfn, steal_bench_nr);
	sbench_pfn = 0;
}

/*
 * Claim the windows' physical ranges, so that the unpopulated pages of
 * grant_alloc() are taken elsewhere.  Not fatal: nothing else needs it.
 */
static struct resource *win_res, *bench_res;

static struct resource *claim(unsigned long first, unsigned long pages,
			      const char *what)
{
	struct resource *r = NULL;

	if (pages) {
		r = request_mem_region(PFN_PHYS(first), pages * PAGE_SIZE, what);
		if (!r)
			pr_warn("%s: gfn %#lx+%lu not claimed\n", what, first,
				pages);
	}
	return r;
}

static void unclaim(void)
{
	if (bench_res)
		release_mem_region(PFN_PHYS(bench_gfn), bench_nr * PAGE_SIZE);
	if (win_res)
		release_mem_region(PFN_PHYS(gfn), nr * PAGE_SIZE);
	bench_res = NULL;
	win_res = NULL;
}

static int __init gpumem_domu_init(void)
{
	unsigned long sgfn;
	char ready[112];
	int rc;

	if (!xen_domain() || xen_initial_domain())
		return -ENODEV;
	if (!nr || nr > DOMU_MAX_PAGES || !steal_pages ||
	    steal_pages > DOMU_MAX_PAGES || !is_power_of_2(steal_pages) ||
	    bench_nr > 65536 || !IS_ALIGNED(bench_gfn, 512) ||
	    grant_nr > 65536)
		return -EINVAL;
	win = ioremap(PFN_PHYS(gfn), nr * PAGE_SIZE);
	if (!win)
		return -ENOMEM;
	if (bench_nr) {
		bench = memremap(PFN_PHYS(bench_gfn), (size_t)bench_nr * PAGE_SIZE,
				 MEMREMAP_WB);
		if (!bench) {
			rc = -ENOMEM;
			goto err_unmap;
		}
	}
	buf = alloc_pages(GFP_KERNEL, ilog2(steal_pages));
	if (!buf) {
		rc = -ENOMEM;
		goto err_unmap;
	}
	win_res = claim(gfn, nr, "gpumem_domu window");
	bench_res = claim(bench_gfn, bench_nr, "gpumem_domu bench window");
	grant_alloc();
	steal_bench_alloc();
	run("0 swrite d0");
	sgfn = pfn_to_gfn(page_to_pfn(buf));
	scnprintf(ready, sizeof(ready), "%#lx %u %#lx %u %#lx %u %u %#lx", gfn,
		  nr, sgfn, steal_pages, bench_gfn, bench_nr, grant_nr,
		  sbench_pfn ? pfn_to_gfn(sbench_pfn) : 0);
	rc = register_xenbus_watch(&watch);
	if (rc)
		goto err_free;
	rc = xenbus_write(XBT_NIL, DOMU_DIR, "ready", ready);
	if (rc) {
		unregister_xenbus_watch(&watch);
		goto err_free;
	}
	pr_info("ready: window gfn %#lx, %u pages; steal gfn %#lx, %u pages\n",
		gfn, nr, sgfn, steal_pages);
	return 0;

err_free:
	steal_bench_free();
	grant_free();
	unclaim();
	__free_pages(buf, ilog2(steal_pages));
err_unmap:
	if (bench)
		memunmap(bench);
	iounmap(win);
	return rc;
}

static void __exit gpumem_domu_exit(void)
{
	unregister_xenbus_watch(&watch);
	inc_stop();
	gunmap(NULL, 0);
	grant_free();
	steal_bench_free();
	unclaim();
	/* Pages dom0 still maps through a grant are leaked, never freed. */
	if (granted < 0 || gnttab_try_end_foreign_access(granted))
		__free_pages(buf, ilog2(steal_pages));
	if (bench)
		memunmap(bench);
	iounmap(win);
}

module_init(gpumem_domu_init);
module_exit(gpumem_domu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xen-gpumem end-to-end test: the frontend's view of lent and stolen GFNs");
