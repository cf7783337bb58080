// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: the fault loop.  A frontend access to an empty GFN of the
 * context's window (never mapped, or revoked) pauses the vCPU and reaches
 * the fault server the context opened with the hypervisor
 * (XEN_DMOP_gpumem_fault_range).  The module maps what backs the GFN now,
 * and the vCPU re-executes the access: KVM's EPT-violation path, on Xen.
 *
 * Flow: the server's handler (hard interrupt context) records the fault on
 * its vCPU's slot and queues the context's work.  The worker serves each
 * pending vCPU: with GPUMEM_FAULT_KERNEL it fills the region covering the
 * GFN over a map-ahead window, as POPULATE would, and answers RETRY; a
 * fault it cannot serve, or every fault without GPUMEM_FAULT_KERNEL, is
 * queued for the device model's read() when GPUMEM_FAULT_USER is set, and
 * the device model answers it with GPUMEM_IOCTL_FAULT_COMPLETE; otherwise
 * it is answered EMULATE.
 *
 * Nothing here is reachable from the invalidate and move_notify paths: a
 * revoke never waits for a fault, and a fault that maps a page revoked
 * before the vCPU re-executes costs one more fault (the fill's own retry
 * protocol keeps it from mapping a stale frame; the hypervisor bounds the
 * faults of one access).
 *
 * Locking: f->lock is a leaf spinlock taken with interrupts off (the
 * handler takes it in hard interrupt context); it protects the slots, the
 * queue and the counters.  The worker takes ctx->lock (through
 * gpumem_region_fault_fill()) with nothing held, as POPULATE does.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <kunit/visibility.h>

#include <uapi/xen/gpumem.h>

#include "gpumem-priv.h"

#include "gpumem_trace.h"

/* Pages of the first map-ahead window: one superpage extent. */
#define GPUMEM_FAULT_AHEAD_MIN	XEN_GPUMEM_MAX_EXTENT_FRAMES
/* Largest window: what one fill maps per chunk. */
#define GPUMEM_FAULT_AHEAD_MAX	GPUMEM_FILL_CHUNK

static_assert(GPUMEM_FAULT_RETRY == XEN_GPUMEM_FAULT_RETRY);
static_assert(GPUMEM_FAULT_EMULATE == XEN_GPUMEM_FAULT_EMULATE);
static_assert(GPUMEM_FAULT_CRASH == XEN_GPUMEM_FAULT_CRASH);
static_assert(GPUMEM_FAULT_ACCESS_R == XEN_GPUMEM_FAULT_R);
static_assert(GPUMEM_FAULT_ACCESS_W == XEN_GPUMEM_FAULT_W);
static_assert(GPUMEM_FAULT_ACCESS_X == XEN_GPUMEM_FAULT_X);

/**
 * enum gpumem_fault_state - where a vCPU's fault is
 * @GPUMEM_FAULT_IDLE: none.
 * @GPUMEM_FAULT_PENDING: raised, for the worker.
 * @GPUMEM_FAULT_SERVING: the worker has it.
 * @GPUMEM_FAULT_QUEUED: queued for read().
 * @GPUMEM_FAULT_READ: read, waiting for GPUMEM_IOCTL_FAULT_COMPLETE.
 */
enum gpumem_fault_state {
	GPUMEM_FAULT_IDLE,
	GPUMEM_FAULT_PENDING,
	GPUMEM_FAULT_SERVING,
	GPUMEM_FAULT_QUEUED,
	GPUMEM_FAULT_READ,
};

/**
 * struct gpumem_fault_slot - one vCPU's fault
 * @ev: the fault.
 * @state: enum gpumem_fault_state.
 * @seq: its name for userspace, once queued.
 * @reason: why the module did not serve it.
 * @region: the region covering it, or GPUMEM_FAULT_NO_REGION.
 * @node: in the queue for read().
 */
struct gpumem_fault_slot {
	struct gpumem_fault_event ev;
	enum gpumem_fault_state state;
	u64 seq;
	s32 reason;
	u64 region;
	struct list_head node;
};

/**
 * struct gpumem_fault - the fault loop of one context
 * @ctx: the context.
 * @srv: the hypervisor's fault server.
 * @first: first GFN of the window.
 * @last: last GFN of the window.
 * @flags: GPUMEM_FAULT_KERNEL, GPUMEM_FAULT_USER.
 * @nr_vcpus: the frontend's vCPUs: @slots has as many.
 * @max_pending: faults queued for read() at once.
 * @work: serves pending slots.
 * @buf: the worker's fill buffer, GPUMEM_FILL_CHUNK pages.
 * @ahead_end: GFN after the previous map-ahead window (worker only).
 * @ahead: pages of the previous map-ahead window (worker only).
 * @lock: the slots, the queue, the counters (see the top of the file).
 * @closing: answer every new fault at once.
 * @queue: slots queued for read(), oldest first.
 * @queued: how many.
 * @lost: faults answered EMULATE on a full queue, not reported yet.
 * @next_seq: next record's seq.
 * @wq: readers and pollers.
 * @stats: the counters.
 * @slots: one per vCPU.
 */
struct gpumem_fault {
	struct gpumem_ctx *ctx;
	struct gpumem_fault_srv *srv;
	u64 first;
	u64 last;
	u32 flags;
	unsigned int nr_vcpus;
	unsigned int max_pending;
	struct work_struct work;
	struct gpumem_fill_buf buf;
	u64 ahead_end;
	u64 ahead;
	spinlock_t lock;	/* see above */
	bool closing;
	struct list_head queue;
	unsigned int queued;
	u32 lost;
	u64 next_seq;
	wait_queue_head_t wq;
	struct gpumem_fault_stats stats;
	struct gpumem_fault_slot slots[] __counted_by(nr_vcpus);
};

/* Serves every context's faults; high priority: a vCPU is paused. */
static struct workqueue_struct *gpumem_fault_wq;

static void gpumem_fault_answer(struct gpumem_fault *f, unsigned int vcpu,
				u32 answer)
{
	const struct gpumem_hv_ops *ops = f->srv->hv->ops;

	trace_gpumem_fault_answer(f->ctx->domid, vcpu, answer);
	ops->fault_answer(f->srv, vcpu, answer);
}

/* The server's handler: hard interrupt context. */
static void gpumem_fault_raised(void *data, const struct gpumem_fault_event *ev)
{
	struct gpumem_fault *f = data;
	struct gpumem_fault_slot *slot;
	u32 answer = XEN_GPUMEM_FAULT_EMULATE;
	unsigned long flags;

	if (WARN_ON_ONCE(ev->vcpu >= f->nr_vcpus))
		return;
	trace_gpumem_fault_raise(f->ctx->domid, ev->gfn, ev->vcpu);
	slot = &f->slots[ev->vcpu];
	spin_lock_irqsave(&f->lock, flags);
	f->stats.raised++;
	if (f->closing || WARN_ON_ONCE(slot->state != GPUMEM_FAULT_IDLE)) {
		/* Closing: the window is released, re-execute elsewhere. */
		if (f->closing)
			answer = XEN_GPUMEM_FAULT_RETRY;
		spin_unlock_irqrestore(&f->lock, flags);
		gpumem_fault_answer(f, ev->vcpu, answer);
		return;
	}
	slot->ev = *ev;
	slot->state = GPUMEM_FAULT_PENDING;
	spin_unlock_irqrestore(&f->lock, flags);
	queue_work(gpumem_fault_wq, &f->work);
}

/*
 * The map-ahead window of a fault at @gfn: the aligned 2 MiB block around
 * it, or, when the fault follows the previous window, the next window of
 * twice its size (up to GPUMEM_FAULT_AHEAD_MAX): a sequential touch costs a
 * few faults per 16 MiB.
 */
static void gpumem_fault_window(struct gpumem_fault *f, u64 gfn, u64 *first,
				u64 *nr)
{
	if (f->ahead && gfn >= f->ahead_end &&
	    gfn - f->ahead_end < min_t(u64, f->ahead * 2,
				       GPUMEM_FAULT_AHEAD_MAX)) {
		*first = f->ahead_end;
		*nr = min_t(u64, f->ahead * 2, GPUMEM_FAULT_AHEAD_MAX);
	} else {
		*first = round_down(gfn, GPUMEM_FAULT_AHEAD_MIN);
		*nr = GPUMEM_FAULT_AHEAD_MIN;
	}
	f->ahead_end = *first + *nr;
	f->ahead = *nr;
}

/* Serve one fault in the kernel: 0 when its GFN is mapped now. */
static int gpumem_fault_serve(struct gpumem_fault *f,
			      struct gpumem_fault_slot *slot)
{
	const struct gpumem_fault_event *ev = &slot->ev;
	u64 first, nr;
	int rc;

	if (!(f->flags & GPUMEM_FAULT_KERNEL)) {
		slot->region = gpumem_region_at(f->ctx, ev->gfn);
		return 0;
	}
	/* Lent entries are never executable: mapping would not help. */
	if (ev->access & XEN_GPUMEM_FAULT_X) {
		slot->region = gpumem_region_at(f->ctx, ev->gfn);
		return -EACCES;
	}
	/* The next fault of this access is the hypervisor's last. */
	if (ev->attempt >= XEN_GPUMEM_FAULT_MAX_TRIES - 1)
		return -EAGAIN;
	gpumem_fault_window(f, ev->gfn, &first, &nr);
	rc = gpumem_region_fault_fill(f->ctx, ev->gfn, first, nr, &f->buf,
				      &slot->region);
	trace_gpumem_fault(f->ctx->domid, ev->gfn, ev->access, ev->vcpu,
			   ev->attempt, rc);
	return rc;
}

/* Queue @slot for read(), or answer EMULATE; f->lock held. */
static u32 gpumem_fault_hand_off(struct gpumem_fault *f,
				 struct gpumem_fault_slot *slot, int reason)
{
	lockdep_assert_held(&f->lock);
	if (!(f->flags & GPUMEM_FAULT_USER)) {
		f->stats.emulated++;
		return XEN_GPUMEM_FAULT_EMULATE;
	}
	if (f->queued >= f->max_pending) {
		f->lost++;
		f->stats.lost++;
		return XEN_GPUMEM_FAULT_EMULATE;
	}
	slot->reason = reason;
	slot->seq = f->next_seq++;
	slot->state = GPUMEM_FAULT_QUEUED;
	list_add_tail(&slot->node, &f->queue);
	f->queued++;
	f->stats.handed_user++;
	wake_up_interruptible_poll(&f->wq, EPOLLIN | EPOLLRDNORM);
	return U32_MAX;
}

static void gpumem_fault_work(struct work_struct *work)
{
	struct gpumem_fault *f = container_of(work, struct gpumem_fault, work);
	unsigned int i;

	for (i = 0; i < f->nr_vcpus; i++) {
		struct gpumem_fault_slot *slot = &f->slots[i];
		u32 answer = XEN_GPUMEM_FAULT_RETRY;
		unsigned long flags;
		int rc = 0;

		spin_lock_irqsave(&f->lock, flags);
		if (slot->state != GPUMEM_FAULT_PENDING || f->closing) {
			spin_unlock_irqrestore(&f->lock, flags);
			continue;
		}
		slot->state = GPUMEM_FAULT_SERVING;
		slot->region = GPUMEM_FAULT_NO_REGION;
		spin_unlock_irqrestore(&f->lock, flags);

		rc = gpumem_fault_serve(f, slot);

		spin_lock_irqsave(&f->lock, flags);
		if (f->closing) {
			/* gpumem_fault_disable() answers it. */
			spin_unlock_irqrestore(&f->lock, flags);
			continue;
		}
		if ((f->flags & GPUMEM_FAULT_KERNEL) && !rc) {
			f->stats.served_kernel++;
			if (slot->ev.attempt > 1)
				f->stats.retried++;
		} else if (rc == -ESRCH) {
			answer = XEN_GPUMEM_FAULT_EMULATE;
			f->stats.emulated++;
		} else {
			answer = gpumem_fault_hand_off(f, slot, rc);
		}
		if (answer != U32_MAX)
			slot->state = GPUMEM_FAULT_IDLE;
		spin_unlock_irqrestore(&f->lock, flags);
		if (answer != U32_MAX)
			gpumem_fault_answer(f, i, answer);
	}
}

/**
 * gpumem_fault_enable() - open the context's fault server on a GFN window
 * @ctx: a bound context whose hypervisor has the fault op.
 * @gfn: first GFN of the window.
 * @nr: GFNs in it, the range checked.
 * @flags: GPUMEM_FAULT_KERNEL, GPUMEM_FAULT_USER.
 * @max_pending: records queued for read() at once, 0 for one per vCPU.
 * @nr_vcpus: out: the frontend's vCPUs.
 *
 * Return: 0; -EBUSY (enabled already), -EOPNOTSUPP (the backend has no
 * fault servers), the hypervisor's -ENOSPC, -EEXIST, -ESRCH, or -ENOMEM.
 */
int gpumem_fault_enable(struct gpumem_ctx *ctx, u64 gfn, u64 nr, u32 flags,
			u32 max_pending, u32 *nr_vcpus)
{
	const struct gpumem_hv_ops *ops = ctx->gdev->hv->ops;
	struct gpumem_fault_srv *srv;
	struct gpumem_fault *f = NULL;
	unsigned int vcpus, i;
	int rc;

	if (!ops->fault_open)
		return -EOPNOTSUPP;
	mutex_lock(&ctx->lock);
	rc = -EBUSY;
	if (ctx->fault)
		goto out;
	rc = -ESRCH;
	if (READ_ONCE(ctx->frontend_gone))
		goto out;
	/* Allocated before the server exists: its handler may run at once. */
	rc = -ENOMEM;
	f = kzalloc(struct_size(f, slots, GPUMEM_FAULT_MAX_VCPUS), GFP_KERNEL);
	if (!f || gpumem_fill_buf_alloc(&f->buf, GPUMEM_FILL_CHUNK))
		goto out;
	f->ctx = ctx;
	f->nr_vcpus = GPUMEM_FAULT_MAX_VCPUS;
	f->first = gfn;
	f->last = gfn + nr - 1;
	f->flags = flags;
	spin_lock_init(&f->lock);
	INIT_LIST_HEAD(&f->queue);
	init_waitqueue_head(&f->wq);
	INIT_WORK(&f->work, gpumem_fault_work);
	f->next_seq = 1;
	for (i = 0; i < f->nr_vcpus; i++)
		INIT_LIST_HEAD(&f->slots[i].node);

	rc = ops->fault_open(ctx->gdev->hv, ctx->domid, ctx->hvq.instance,
			     gpumem_fault_raised, f, &srv, &vcpus);
	if (rc)
		goto out;
	if (vcpus > GPUMEM_FAULT_MAX_VCPUS) {
		pr_warn("d%u: %u vCPUs, faults served for %u\n", ctx->domid,
			vcpus, GPUMEM_FAULT_MAX_VCPUS);
		ops->fault_close(srv);
		rc = -EOPNOTSUPP;
		goto out;
	}
	f->srv = srv;
	f->nr_vcpus = vcpus;
	f->max_pending = max_pending && max_pending < vcpus ? max_pending :
							       vcpus;
	rc = ops->fault_claim(srv, f->first, f->last, true);
	if (rc) {
		ops->fault_close(srv);
		if (rc == -ESRCH)
			WRITE_ONCE(ctx->frontend_gone, true);
		goto out;
	}
	/* Readers look without ctx->lock: publish @f set up. */
	smp_store_release(&ctx->fault, f);
	*nr_vcpus = vcpus;
	f = NULL;
out:
	mutex_unlock(&ctx->lock);
	if (f)
		gpumem_fill_buf_free(&f->buf);
	kfree(f);
	return rc;
}

/**
 * gpumem_fault_disable() - close the context's fault server
 * @ctx: the context, being released.
 *
 * The window is released first, so that re-executions no longer fault
 * here; then every fault queued, read or being served is answered RETRY.
 */
void gpumem_fault_disable(struct gpumem_ctx *ctx)
{
	struct gpumem_fault *f = ctx->fault;
	const struct gpumem_hv_ops *ops;
	unsigned long flags;
	unsigned int i;
	int rc;

	if (!f)
		return;
	ops = ctx->gdev->hv->ops;
	rc = ops->fault_claim(f->srv, f->first, f->last, false);
	if (rc && rc != -ESRCH)
		pr_warn("d%u: releasing fault window [%#llx, %#llx]: %d\n",
			ctx->domid, f->first, f->last, rc);
	spin_lock_irqsave(&f->lock, flags);
	f->closing = true;
	spin_unlock_irqrestore(&f->lock, flags);
	cancel_work_sync(&f->work);
	for (i = 0; i < f->nr_vcpus; i++) {
		struct gpumem_fault_slot *slot = &f->slots[i];
		bool answer;

		spin_lock_irqsave(&f->lock, flags);
		answer = slot->state != GPUMEM_FAULT_IDLE;
		slot->state = GPUMEM_FAULT_IDLE;
		list_del_init(&slot->node);
		spin_unlock_irqrestore(&f->lock, flags);
		if (answer)
			gpumem_fault_answer(f, i, XEN_GPUMEM_FAULT_RETRY);
	}
	ops->fault_close(f->srv);
	ctx->fault = NULL;
	gpumem_fill_buf_free(&f->buf);
	kfree(f);
}

/* The context's fault loop if GPUMEM_FAULT_USER is on, else NULL. */
static struct gpumem_fault *gpumem_fault_user(struct gpumem_ctx *ctx)
{
	/* Pairs with the release in gpumem_fault_enable(): @f is set up. */
	struct gpumem_fault *f = smp_load_acquire(&ctx->fault);

	return f && (f->flags & GPUMEM_FAULT_USER) ? f : NULL;
}

/*
 * A record read() could not copy out goes back to the head of the queue,
 * with its lost count: its fault is still pending, and the device model
 * never learnt its seq.  Not if it was answered since (close, or a
 * COMPLETE of a guessed seq).
 */
static void gpumem_fault_requeue(struct gpumem_fault *f,
				 struct gpumem_fault_slot *slot,
				 const struct gpumem_fault_record *rec)
{
	unsigned long flags;

	spin_lock_irqsave(&f->lock, flags);
	if (!f->closing && slot->state == GPUMEM_FAULT_READ &&
	    slot->seq == rec->seq) {
		slot->state = GPUMEM_FAULT_QUEUED;
		list_add(&slot->node, &f->queue);
		f->queued++;
		f->lost += rec->lost;
		wake_up_interruptible_poll(&f->wq, EPOLLIN | EPOLLRDNORM);
	}
	spin_unlock_irqrestore(&f->lock, flags);
}

/**
 * gpumem_fault_read() - read() of a context: fault records
 * @ctx: the context.
 * @buf: userspace buffer.
 * @count: its size.
 * @nonblock: O_NONBLOCK.
 *
 * Return: bytes read, whole records only; -EINVAL (@count below one
 * record), -ENXIO (GPUMEM_FAULT_USER not enabled), -EAGAIN, -ERESTARTSYS,
 * -EFAULT (the record not copied stays queued).
 */
ssize_t gpumem_fault_read(struct gpumem_ctx *ctx, char __user *buf,
			  size_t count, bool nonblock)
{
	struct gpumem_fault *f = gpumem_fault_user(ctx);
	struct gpumem_fault_record rec;
	size_t done = 0;
	int rc;

	if (count < sizeof(rec))
		return -EINVAL;
	if (!f)
		return -ENXIO;
	while (done + sizeof(rec) <= count) {
		struct gpumem_fault_slot *slot;
		unsigned long flags;

		spin_lock_irqsave(&f->lock, flags);
		slot = list_first_entry_or_null(&f->queue,
						struct gpumem_fault_slot, node);
		if (slot) {
			rec = (struct gpumem_fault_record){
				.seq = slot->seq, .gfn = slot->ev.gfn,
				.access = slot->ev.access,
				.vcpu = slot->ev.vcpu,
				.attempt = slot->ev.attempt,
				.reason = slot->reason, .region = slot->region,
				.lost = f->lost,
			};
			list_del_init(&slot->node);
			f->queued--;
			f->lost = 0;
			slot->state = GPUMEM_FAULT_READ;
		}
		spin_unlock_irqrestore(&f->lock, flags);
		if (slot) {
			/* The fault stays READ: COMPLETE answers it. */
			if (copy_to_user(buf + done, &rec, sizeof(rec))) {
				gpumem_fault_requeue(f, slot, &rec);
				return done ? done : -EFAULT;
			}
			done += sizeof(rec);
			continue;
		}
		if (done)
			break;
		if (nonblock)
			return -EAGAIN;
		rc = wait_event_interruptible(f->wq, READ_ONCE(f->queued));
		if (rc)
			return rc;
	}
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_fault_read);

/**
 * gpumem_fault_poll() - poll() of a context
 * @ctx: the context.
 * @file: its file.
 * @wait: the poll table.
 *
 * Return: EPOLLIN | EPOLLRDNORM while records are queued; EPOLLERR without
 * GPUMEM_FAULT_USER.
 */
__poll_t gpumem_fault_poll(struct gpumem_ctx *ctx, struct file *file,
			   poll_table *wait)
{
	struct gpumem_fault *f = gpumem_fault_user(ctx);

	if (!f)
		return EPOLLERR;
	poll_wait(file, &f->wq, wait);
	return READ_ONCE(f->queued) ? EPOLLIN | EPOLLRDNORM : 0;
}

/**
 * gpumem_fault_complete() - answer a fault read from the context
 * @ctx: the context.
 * @seq: the record's seq.
 * @answer: XEN_GPUMEM_FAULT_RETRY, _EMULATE or _CRASH.
 *
 * Return: 0; -ENXIO (GPUMEM_FAULT_USER not enabled), -ENOENT (@seq names
 * no fault read and not completed yet).
 */
int gpumem_fault_complete(struct gpumem_ctx *ctx, u64 seq, u32 answer)
{
	struct gpumem_fault *f = gpumem_fault_user(ctx);
	unsigned long flags;
	unsigned int i;

	if (!f)
		return -ENXIO;
	spin_lock_irqsave(&f->lock, flags);
	for (i = 0; i < f->nr_vcpus; i++) {
		struct gpumem_fault_slot *slot = &f->slots[i];

		if (slot->state != GPUMEM_FAULT_READ || slot->seq != seq)
			continue;
		slot->state = GPUMEM_FAULT_IDLE;
		f->stats.completed++;
		spin_unlock_irqrestore(&f->lock, flags);
		gpumem_fault_answer(f, i, answer);
		return 0;
	}
	spin_unlock_irqrestore(&f->lock, flags);
	return -ENOENT;
}

/**
 * gpumem_fault_stats() - the context's fault counters
 * @ctx: the context.
 * @out: the counters, all zero before FAULT_ENABLE.
 */
void gpumem_fault_stats(struct gpumem_ctx *ctx, struct gpumem_fault_stats *out)
{
	/* Pairs with the release in gpumem_fault_enable(). */
	struct gpumem_fault *f = smp_load_acquire(&ctx->fault);
	unsigned long flags;

	*out = (struct gpumem_fault_stats){};
	if (!f)
		return;
	spin_lock_irqsave(&f->lock, flags);
	*out = f->stats;
	spin_unlock_irqrestore(&f->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(gpumem_fault_stats);

/**
 * gpumem_fault_init() - the module's fault workqueue
 *
 * Return: 0 or -ENOMEM.
 */
int gpumem_fault_init(void)
{
	gpumem_fault_wq = alloc_workqueue("gpumem_fault",
					  WQ_UNBOUND | WQ_HIGHPRI, 0);
	return gpumem_fault_wq ? 0 : -ENOMEM;
}

/**
 * gpumem_fault_exit() - free the module's fault workqueue
 */
void gpumem_fault_exit(void)
{
	destroy_workqueue(gpumem_fault_wq);
	gpumem_fault_wq = NULL;
}
