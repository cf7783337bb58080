// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hvsim: the simulated hypervisor's state and controls under debugfs
 * (xen-gpumem/hvsim/): what the device-model tests and the differential
 * scenario read and do where a real system would use Xen's tools.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include <linux/bits.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/memory_hotplug.h>
#include <linux/mutex.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <kunit/visibility.h>

#include <uapi/xen/gpumem.h>

#include "hvsim-priv.h"

static const char *const hvsim_type_names[HVSIM_P2M_NR_TYPES] = {
	"hole", "ram", "mmio", "grant_map", "foreign", "lent", "stolen",
};

static int hvsim_stats_show(struct seq_file *m, void *unused)
{
	struct hvsim *sim = m->private;
	unsigned int i;

	seq_puts(m, "op      calls extents frames failures\n");
	spin_lock(&sim->lock);
	/* Query and the batched ops; fault servers have a line of their own. */
	for (i = 0; i <= XEN_DMOP_gpumem_batch_last - XEN_DMOP_gpumem_first; i++)
		seq_printf(m, "%-7s %llu %llu %llu %llu\n",
			   gpumem_hv_op_name(XEN_DMOP_gpumem_first + i),
			   sim->stats[i].calls, sim->stats[i].extents,
			   sim->stats[i].frames, sim->stats[i].failures);
	seq_printf(m, "faults %llu\n", sim->faults);
	seq_printf(m, "fault_servers raised %llu retried %llu emulated %llu crashed %llu bounded %llu timeouts %llu\n",
		   sim->fault.raised, sim->fault.retried, sim->fault.emulated,
		   sim->fault.crashed, sim->fault.bounded, sim->fault.timeouts);
	spin_unlock(&sim->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvsim_stats);

/* One line per run of GFNs with one type and consecutive frames. */
static int hvsim_p2m_show(struct seq_file *m, void *unused)
{
	struct hvsim *sim = m->private;
	unsigned int slot;
	u64 gfn, run;

	spin_lock(&sim->lock);
	for (slot = 0; slot < HVSIM_MAX_DOMAINS; slot++) {
		struct hvsim_domain *d = sim->doms[slot];

		if (!d)
			continue;
		seq_printf(m, "d%u tot_pages %llu max_pages %llu\n", d->domid,
			   d->tot_pages, d->max_pages);
		for (gfn = 0; gfn < d->nr_gfns; gfn += run) {
			struct hvsim_entry *pe = &d->p2m[gfn];

			for (run = 1; gfn + run < d->nr_gfns; run++) {
				struct hvsim_entry *n = &d->p2m[gfn + run];

				if (n->type != pe->type || n->flags != pe->flags ||
				    (pe->type != HVSIM_P2M_HOLE &&
				     n->frame != pe->frame + run))
					break;
			}
			if (pe->type != HVSIM_P2M_HOLE)
				seq_printf(m, "  gfn %#llx+%llu %s frame %#llx flags %#x\n",
					   gfn, run, hvsim_type_names[pe->type],
					   pe->frame, pe->flags);
		}
	}
	spin_unlock(&sim->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvsim_p2m);

/*
 * "mem": the physmap of frontend "mem_domid" as that frontend sees it.  The
 * byte at file offset gfn * PAGE_SIZE + offset is hvsim_frontend_access()'s:
 * an access to an unpopulated GFN fails with EFAULT (it faulted to the
 * backend, and the fault is counted), one beyond the physmap with EINVAL.
 * A transfer stops at the first page that fails.  Reads go to @dst, writes
 * come from @src; the other is NULL.
 */
static ssize_t hvsim_mem_rw(struct file *file, char __user *dst,
			    const char __user *src, size_t len, loff_t *ppos)
{
	bool write = src;
	struct hvsim *sim = file->private_data;
	loff_t pos = *ppos;
	size_t done = 0;
	int rc = 0;
	void *buf;

	if (pos < 0)
		return -EINVAL;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		unsigned int off = offset_in_page(pos);
		size_t n = min_t(size_t, len - done, PAGE_SIZE - off);

		if (write && copy_from_user(buf, src + done, n)) {
			rc = -EFAULT;
			break;
		}
		rc = hvsim_frontend_access(sim, READ_ONCE(sim->mem_domid),
					   pos >> PAGE_SHIFT, off, buf, n,
					   write);
		if (!rc && !write && copy_to_user(dst + done, buf, n))
			rc = -EFAULT;
		if (rc)
			break;
		done += n;
		pos += n;
	}
	kfree(buf);
	*ppos = pos;
	return done ? done : rc;
}

static ssize_t hvsim_mem_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	return hvsim_mem_rw(file, ubuf, NULL, len, ppos);
}

static ssize_t hvsim_mem_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	return hvsim_mem_rw(file, NULL, ubuf, len, ppos);
}

static const struct file_operations hvsim_mem_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = hvsim_mem_read,
	.write = hvsim_mem_write,
	.llseek = default_llseek,
};

/* "destroy": writing a domid destroys that frontend, as "xl destroy" does. */
static ssize_t hvsim_destroy_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct hvsim *sim = file->private_data;
	u16 domid;
	int rc;

	rc = kstrtou16_from_user(ubuf, len, 0, &domid);
	if (!rc)
		rc = hvsim_domain_destroy(sim, domid);
	return rc ?: len;
}

static const struct file_operations hvsim_destroy_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hvsim_destroy_write,
	.llseek = noop_llseek,
};

/* A command written to a debugfs file, as a NUL-terminated line. */
static int hvsim_debugfs_line(char *buf, size_t size, const char __user *ubuf,
			      size_t len)
{
	if (len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return 0;
}

/*
 * "new_domain": writing "<domid> <gfns> <ram>" creates a frontend with a
 * physmap of <gfns> GFNs whose first <ram> are its RAM, as "xl create"
 * would: a destroyed frontend's domid can be reused, and several frontends
 * can run at once.  The new domain gets a new instance.
 */
static ssize_t hvsim_new_domain_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct hvsim *sim = file->private_data;
	u64 nr_gfns, nr_ram;
	char buf[64];
	u16 domid;
	int rc;

	rc = hvsim_debugfs_line(buf, sizeof(buf), ubuf, len);
	if (rc)
		return rc;
	if (sscanf(buf, "%hu %llu %llu", &domid, &nr_gfns, &nr_ram) != 3)
		return -EINVAL;
	rc = hvsim_domain_create(sim, domid, nr_gfns, nr_ram, nr_gfns);
	return rc ?: len;
}

static const struct file_operations hvsim_new_domain_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hvsim_new_domain_write,
	.llseek = noop_llseek,
};

/*
 * "use": another domain starts or ends a use of a page of frontend
 * "mem_domid", as hvsim_frame_use() counts it: "<kind> <gfn> <+1|-1>", kind
 * one of grant, foreign, hypercall.  What dom0's grant mapping, foreign
 * mapping or hypercall would do on Xen (the differential scenario).
 */
static const char *const hvsim_use_names[HVSIM_NR_USES] = {
	[HVSIM_USE_GRANT] = "grant",
	[HVSIM_USE_FOREIGN] = "foreign",
	[HVSIM_USE_HYPERCALL] = "hypercall",
};

static ssize_t hvsim_use_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct hvsim *sim = file->private_data;
	char buf[48], kind[12];
	int use, delta, rc;
	u64 gfn;

	rc = hvsim_debugfs_line(buf, sizeof(buf), ubuf, len);
	if (rc)
		return rc;
	if (sscanf(buf, "%11s %llx %d", kind, &gfn, &delta) != 3 ||
	    (delta != 1 && delta != -1))
		return -EINVAL;
	use = match_string(hvsim_use_names, HVSIM_NR_USES, kind);
	if (use < 0)
		return use;
	rc = hvsim_frame_use(sim, READ_ONCE(sim->mem_domid), gfn, use, delta);
	return rc ?: len;
}

static const struct file_operations hvsim_use_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hvsim_use_write,
	.llseek = noop_llseek,
};

/*
 * "inc": vCPU 1 of frontend "mem_domid" in a loop of locked increments of
 * the 32-bit counter at offset 0 of a GFN (hvsim_frontend_vcpu_inc()), as a
 * guest's atomic counter goes on while the backend revokes under it.
 * Writing "start <gfn>" starts the loop, "stop" stops it; reading shows
 * "done <increments completed> rc <what ended the loop, 0 if stopped>".
 */
#define HVSIM_INC_VCPU	1

static int hvsim_inc_loop(void *arg)
{
	struct hvsim *sim = arg;
	int rc = 0;

	while (!kthread_should_stop()) {
		rc = hvsim_frontend_vcpu_inc(sim, sim->inc.domid, HVSIM_INC_VCPU,
					     sim->inc.gfn, 0);
		if (rc)
			break;
		WRITE_ONCE(sim->inc.done, sim->inc.done + 1);
		cond_resched();
	}
	WRITE_ONCE(sim->inc.rc, rc);
	/* Ended by an error: kthread_stop() still has to find the thread. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

/* Stop debugfs "inc"'s loop, if it runs. */
static void hvsim_inc_stop(struct hvsim *sim)
{
	mutex_lock(&sim->inc.lock);
	if (sim->inc.task) {
		kthread_stop(sim->inc.task);
		put_task_struct(sim->inc.task);
		sim->inc.task = NULL;
	}
	mutex_unlock(&sim->inc.lock);
}

static int hvsim_inc_start(struct hvsim *sim, u64 gfn)
{
	struct task_struct *task;
	int rc = 0;

	mutex_lock(&sim->inc.lock);
	if (sim->inc.task) {
		rc = -EBUSY;
		goto out;
	}
	sim->inc.domid = READ_ONCE(sim->mem_domid);
	sim->inc.gfn = gfn;
	sim->inc.done = 0;
	sim->inc.rc = 0;
	task = kthread_run(hvsim_inc_loop, sim, "hvsim-inc/%u",
			   sim->inc.domid);
	if (IS_ERR(task)) {
		rc = PTR_ERR(task);
		goto out;
	}
	get_task_struct(task);
	sim->inc.task = task;
out:
	mutex_unlock(&sim->inc.lock);
	return rc;
}

static ssize_t hvsim_inc_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct hvsim *sim = file->private_data;
	char buf[32];
	u64 gfn;
	int rc;

	rc = hvsim_debugfs_line(buf, sizeof(buf), ubuf, len);
	if (rc)
		return rc;
	if (sysfs_streq(buf, "stop")) {
		hvsim_inc_stop(sim);
		return len;
	}
	if (sscanf(buf, "start %llx", &gfn) != 1)
		return -EINVAL;
	rc = hvsim_inc_start(sim, gfn);
	return rc ?: len;
}

static ssize_t hvsim_inc_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct hvsim *sim = file->private_data;
	char buf[48];
	int n;

	n = scnprintf(buf, sizeof(buf), "done %llu rc %d\n",
		      READ_ONCE(sim->inc.done), READ_ONCE(sim->inc.rc));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations hvsim_inc_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = hvsim_inc_read,
	.write = hvsim_inc_write,
	.llseek = default_llseek,
};

/**
 * hvsim_debugfs_init() - expose the simulator's state
 * @sim: the simulator.
 * @parent: directory to create "hvsim" in.
 *
 * Files: stats (per-op counters, faults), p2m (every populated run of every
 * domain), mem and mem_domid (a frontend's accesses), inc (a frontend vCPU's
 * loop of locked increments), use (another domain's
 * use of a frontend page), new_domain and destroy (a frontend's start
 * and end).  Removed by hvsim_debugfs_fini().
 */
void hvsim_debugfs_init(struct hvsim *sim, struct dentry *parent)
{
	sim->debugfs = debugfs_create_dir("hvsim", parent);
	debugfs_create_file("stats", 0400, sim->debugfs, sim,
			    &hvsim_stats_fops);
	debugfs_create_file("p2m", 0400, sim->debugfs, sim, &hvsim_p2m_fops);
	debugfs_create_file("mem", 0600, sim->debugfs, sim, &hvsim_mem_fops);
	debugfs_create_u16("mem_domid", 0600, sim->debugfs, &sim->mem_domid);
	debugfs_create_file("inc", 0600, sim->debugfs, sim, &hvsim_inc_fops);
	debugfs_create_file("use", 0200, sim->debugfs, sim, &hvsim_use_fops);
	debugfs_create_file("new_domain", 0200, sim->debugfs, sim,
			    &hvsim_new_domain_fops);
	debugfs_create_file("destroy", 0200, sim->debugfs, sim,
			    &hvsim_destroy_fops);
}

/**
 * hvsim_debugfs_fini() - remove what hvsim_debugfs_init() made
 * @sim: the simulator.
 *
 * Once the files are gone (debugfs waits for their callers) no loop of
 * "inc" can start again: the one running, if any, is stopped.
 */
void hvsim_debugfs_fini(struct hvsim *sim)
{
	debugfs_remove_recursive(sim->debugfs);
	sim->debugfs = NULL;
	hvsim_inc_stop(sim);
}
