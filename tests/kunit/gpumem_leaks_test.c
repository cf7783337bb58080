// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: nothing the module or its tests allocated is leaked, by kmemleak.
 *
 * Linked last (tests/kunit/Makefile), so this suite runs after every other
 * one.  It has kmemleak scan, lets the other suites' last allocations
 * pass kmemleak's minimum age, scans again, and fails on every
 * unreferenced object whose allocation backtrace passes through the
 * module (gpumem_*, hvsim_*) or
 * through a case, init or exit function of a xen_gpumem suite (and so
 * through the tests' exporters), printing kmemleak's record of each.
 * Objects that only other subsystems allocated are not ours and are left
 * alone.  debugfs is opened in a private mount: nothing mounts it at boot.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <kunit/test.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/ktime.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "gpumem_test_env.h"

#define LEAK_MIN_AGE_MS		5000	/* kmemleak's MSECS_MIN_AGE */
#define LEAK_CHUNK		(16 * PAGE_SIZE)
#define LEAK_REPORT_MAX		(8 << 20)
#define LEAK_MAX_NAMES		512
#define LEAK_MAX_PRINTED	8
#define LEAK_RECORD		"unreferenced object"

struct leak_names {
	const char *name[LEAK_MAX_NAMES];
	unsigned int nr;
};

KUNIT_DEFINE_ACTION_WRAPPER(leak_vfree, vfree, const void *);

static void leak_add_name(struct kunit *test, struct leak_names *ln,
			  void *fn)
{
	char sym[KSYM_NAME_LEN];

	if (!fn)
		return;
	KUNIT_ASSERT_LT(test, ln->nr, LEAK_MAX_NAMES);
	sprint_symbol_no_offset(sym, (unsigned long)fn);
	ln->name[ln->nr] = kunit_kstrdup(test, sym, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ln->name[ln->nr]);
	ln->nr++;
}

/* The case, init and exit functions of every xen_gpumem suite. */
static void leak_names(struct kunit *test, struct leak_names *ln)
{
#ifdef MODULE
	struct kunit_suite * const *first = THIS_MODULE->kunit_suites;
	struct kunit_suite * const *end = first + THIS_MODULE->num_kunit_suites;
#else
	struct kunit_suite * const *first = __kunit_suites_start;
	struct kunit_suite * const *end = __kunit_suites_end;
#endif
	struct kunit_suite * const *s;
	struct kunit_case *c;

	for (s = first; s < end; s++) {
		if (!strstarts((*s)->name, "xen_gpumem"))
			continue;
		leak_add_name(test, ln, (*s)->suite_init);
		leak_add_name(test, ln, (*s)->suite_exit);
		leak_add_name(test, ln, (*s)->init);
		leak_add_name(test, ln, (*s)->exit);
		for (c = (*s)->test_cases; c->run_case; c++)
			leak_add_name(test, ln, c->run_case);
	}
}

/* Does a frame of the record's backtrace ("    sym+off/size") name us? */
static bool leak_is_ours(const struct leak_names *ln, const char *rec)
{
	const char *line = strstr(rec, "backtrace");
	unsigned int i;

	while (line && (line = strchr(line, '\n'))) {
		const char *sym = ++line;
		size_t len;

		sym += strspn(sym, " ");
		len = strcspn(sym, "+\n");
		if (!strncmp(sym, "gpumem", 6) || !strncmp(sym, "hvsim", 5))
			return true;
		for (i = 0; i < ln->nr; i++)
			if (strlen(ln->name[i]) == len &&
			    !strncmp(sym, ln->name[i], len))
				return true;
	}
	return false;
}

static void leak_scan(struct kunit *test, struct file *f, char __user *ubuf)
{
	loff_t pos = 0;

	KUNIT_ASSERT_EQ(test, copy_to_user(ubuf, "scan", 4), 0);
	KUNIT_ASSERT_EQ(test, gpumem_test_file_write(f, ubuf, 4, &pos), 4);
}

/* The whole of kmemleak's report, read through user memory. */
static size_t leak_read(struct kunit *test, struct file *f,
			char __user *ubuf, char *report)
{
	size_t len = 0;
	loff_t pos = 0;
	ssize_t got;

	do {
		size_t want = min_t(size_t, LEAK_CHUNK, LEAK_REPORT_MAX - len);

		KUNIT_ASSERT_GT_MSG(test, want, 0,
				    "kmemleak's report is over %u bytes",
				    LEAK_REPORT_MAX);
		got = gpumem_test_file_read(f, ubuf, want, &pos);
		KUNIT_ASSERT_GE(test, got, 0);
		KUNIT_ASSERT_EQ(test, copy_from_user(report + len, ubuf, got),
				0);
		len += got;
	} while (got);
	report[len] = '\0';
	return len;
}

static void leaks_kmemleak(struct kunit *test)
{
	unsigned long old = jiffies + msecs_to_jiffies(LEAK_MIN_AGE_MS + 500);
	struct leak_names *ln = kunit_kzalloc(test, sizeof(*ln), GFP_KERNEL);
	char *report, *rec, *next, *line;
	unsigned int nr = 0, ours = 0;
	char __user *ubuf;
	struct file *f;
	ktime_t t0;
	size_t len;
	long left;

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "needs CONFIG_DEBUG_KMEMLEAK");
	KUNIT_ASSERT_NOT_NULL(test, ln);
	leak_names(test, ln);
	report = vmalloc(LEAK_REPORT_MAX + 1);
	KUNIT_ASSERT_NOT_NULL(test, report);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, leak_vfree,
							report), 0);
	ubuf = (char __user *)kunit_vm_mmap(test, NULL, 0, LEAK_CHUNK,
					    PROT_READ | PROT_WRITE,
					    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NOT_NULL(test, ubuf);

	f = gpumem_test_open_in("debugfs", "kmemleak", O_RDWR);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f), "kmemleak: %ld", PTR_ERR(f));
	/*
	 * kmemleak reports an object once it is older than its minimum age
	 * and its contents held still between two scans: scan, let the other
	 * suites' last allocations age meanwhile, scan again.
	 */
	t0 = ktime_get();
	leak_scan(test, f, ubuf);
	kunit_info(test, "kmemleak scan: %lld ms\n",
		   ktime_ms_delta(ktime_get(), t0));
	left = (long)(old - jiffies);
	if (left > 0)
		schedule_timeout_uninterruptible(left);
	leak_scan(test, f, ubuf);
	len = leak_read(test, f, ubuf, report);
	fput(f);

	for (rec = strstr(report, LEAK_RECORD); rec; rec = next) {
		next = strstr(rec + 1, LEAK_RECORD);
		if (next)
			next[-1] = '\0';
		nr++;
		if (!leak_is_ours(ln, rec) || ++ours > LEAK_MAX_PRINTED)
			continue;
		while ((line = strsep(&rec, "\n")))
			kunit_info(test, "%s\n", line);
	}
	kunit_info(test, "report: %zu bytes, %u unreferenced objects, %u ours\n",
		   len, nr, ours);
	KUNIT_EXPECT_EQ_MSG(test, ours, 0,
			    "leaked by xen-gpumem or its tests (above)");
}

static struct kunit_case leaks_cases[] = {
	KUNIT_CASE_SLOW(leaks_kmemleak),
	{}
};

/* Must stay the last suite linked: see tests/kunit/Makefile. */
static struct kunit_suite leaks_suite = {
	.name = "xen_gpumem_leaks",
	.test_cases = leaks_cases,
};

kunit_test_suite(leaks_suite);
