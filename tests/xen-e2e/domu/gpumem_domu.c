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
 *    (none by default), mapped write-back as the RAM dom0 lends there is.
 *
 * dom0 drives it through xenstore, under this domain's data/gpumem:
 *   ready   "<gfn> <nr> <steal gfn> <steal pages> <bench gfn> <bench
 *           pages>", written at load
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
 *   result  "<seq> <op> <page 0 bytes> <page 1 bytes> ...", once done
 * Every result is also printed to the console (hvc0), which xenconsoled
 * logs in dom0.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
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

#define DOMU_DIR	"data/gpumem"
#define DOMU_MAX_PAGES	16
#define DOMU_LINE	(32 + DOMU_MAX_PAGES * 17)

static void __iomem *win;
static u8 *bench;	/* the bench window, write-back */
static struct page *buf;
static char line[DOMU_LINE];
static int granted = -1;	/* the grant reference of "grant", or -1 */
static struct task_struct *inc_task;	/* the loop of "inc 1" */
static u64 inc_done;

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

static int __init gpumem_domu_init(void)
{
	unsigned long sgfn;
	char ready[96];
	int rc;

	if (!xen_domain() || xen_initial_domain())
		return -ENODEV;
	if (!nr || nr > DOMU_MAX_PAGES || !steal_pages ||
	    steal_pages > DOMU_MAX_PAGES || !is_power_of_2(steal_pages) ||
	    bench_nr > 65536 || !IS_ALIGNED(bench_gfn, 512))
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
	run("0 swrite d0");
	sgfn = pfn_to_gfn(page_to_pfn(buf));
	scnprintf(ready, sizeof(ready), "%#lx %u %#lx %u %#lx %u", gfn, nr,
		  sgfn, steal_pages, bench_gfn, bench_nr);
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
