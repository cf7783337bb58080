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
 *    whose GFNs dom0 can STEAL and RETURN.
 *
 * dom0 drives it through xenstore, under this domain's data/gpumem:
 *   ready   "<gfn> <nr> <steal gfn> <steal pages>", written at load
 *   cmd     "<seq> <op> [byte]", written by dom0; op is one of
 *           read    first 8 bytes of each window page
 *           write   fill each window page i with byte + i
 *           sread   first 8 bytes of each stolen-buffer page
 *           swrite  fill each stolen-buffer page i with byte + i
 *           grant   grant dom0 read-write access to stolen-buffer page
 *                   byte; the result is "<seq> grant <ref>" (decimal)
 *           ungrant end that grant: "<seq> ungrant ok", or "busy" while
 *                   dom0 still maps it
 *   result  "<seq> <op> <page 0 bytes> <page 1 bytes> ...", once done
 * Every result is also printed to the console (hvc0), which xenconsoled
 * logs in dom0.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
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

#define DOMU_DIR	"data/gpumem"
#define DOMU_MAX_PAGES	16
#define DOMU_LINE	(32 + DOMU_MAX_PAGES * 17)

static void __iomem *win;
static struct page *buf;
static char line[DOMU_LINE];
static int granted = -1;	/* the grant reference of "grant", or -1 */

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

static void run(const char *cmd)
{
	unsigned int seq, byte = 0, i;
	char op[8];
	int n, len;

	n = sscanf(cmd, "%u %7s %x", &seq, op, &byte);
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
	char ready[64];
	int rc;

	if (!xen_domain() || xen_initial_domain())
		return -ENODEV;
	if (!nr || nr > DOMU_MAX_PAGES || !steal_pages ||
	    steal_pages > DOMU_MAX_PAGES || !is_power_of_2(steal_pages))
		return -EINVAL;
	win = ioremap(PFN_PHYS(gfn), nr * PAGE_SIZE);
	if (!win)
		return -ENOMEM;
	buf = alloc_pages(GFP_KERNEL, ilog2(steal_pages));
	if (!buf) {
		rc = -ENOMEM;
		goto err_unmap;
	}
	run("0 swrite d0");
	sgfn = pfn_to_gfn(page_to_pfn(buf));
	scnprintf(ready, sizeof(ready), "%#lx %u %#lx %u", gfn, nr, sgfn,
		  steal_pages);
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
	iounmap(win);
	return rc;
}

static void __exit gpumem_domu_exit(void)
{
	unregister_xenbus_watch(&watch);
	/* Pages dom0 still maps through a grant are leaked, never freed. */
	if (granted < 0 || gnttab_try_end_foreign_access(granted))
		__free_pages(buf, ilog2(steal_pages));
	iounmap(win);
}

module_init(gpumem_domu_init);
module_exit(gpumem_domu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xen-gpumem end-to-end test: the frontend's view of lent and stolen GFNs");
