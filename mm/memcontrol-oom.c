// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Memory reserves for userspace OOM handlers.
 *
 * A process becomes an OOM handler of a memory cgroup by registering for
 * the cgroup's OOM notification: an eventfd on memory.oom_control through
 * cgroup.event_control on cgroup v1, or "1" written to an open
 * memory.oom.handler on cgroup v2. Its thread group stays a handler until
 * the eventfd registration goes or the file is closed. A handler of a
 * cgroup H:
 *
 *  - is told when H's limit causes an OOM, once an OOM, and if H is the
 *    root cgroup, on every system OOM; only CAP_SYS_ADMIN may register on
 *    the root;
 *  - has vm.oom_handler_grace_ms (0 by default) to resolve the OOM before
 *    the kernel OOM killer acts; on cgroup v1, oom_kill_disable still
 *    means that the kernel waits for userspace for ever;
 *  - may charge above the limit of H, or of a cgroup below H, by up to
 *    that cgroup's reserve (memory.oom_reserve_in_bytes on v1,
 *    memory.oom.reserve on v2); every level from the charged cgroup up to
 *    the root stays within its limit plus its own reserve, so the owner
 *    of a delegated subtree cannot use a reserve to escape a limit set
 *    above it;
 *  - if H is the root, may allocate below the min watermarks during a
 *    system OOM, by up to the root cgroup's reserve in total, and never
 *    from interrupt context.
 *
 * Everything here runs only once a charge failed at a limit after reclaim
 * or the page allocator is out of memory: the charge fast path and the
 * allocator fast path do not change.
 */

#include <linux/capability.h>
#include <linux/memcontrol.h>
#include <linux/page_counter.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysctl.h>

#include "internal.h"
#include "memcontrol-v1.h"
#include "memcontrol-oom.h"

struct memcg_oom_handler {
	struct list_head list;
	struct mem_cgroup *memcg;	/* the cgroup it handles, pinned */
	struct pid *tgid;		/* the handler's thread group */
	struct kernfs_open_file *of;	/* v2: memory.oom.handler, or NULL */
	wait_queue_head_t wait;		/* v2: poll() on @of */
	unsigned long events;		/* v2: OOMs notified */
	unsigned long seen;		/* v2: @events as of the last read */
	struct rcu_head rcu;
};

/*
 * Every handler of every cgroup. There are few, and the list is walked
 * only when a charge failed after reclaim or on a system OOM.
 */
static LIST_HEAD(memcg_oom_handlers);
static DEFINE_SPINLOCK(memcg_oom_handlers_lock);

static unsigned int sysctl_oom_handler_grace_ms;
static unsigned int oom_handler_grace_max_ms = 60000;

/* How long after a system OOM root's handlers keep the root reserve. */
#define SYSTEM_OOM_RESERVE_WINDOW	HZ

/*
 * Tasks waiting for the handlers come back every 50 ms at most: an OOM
 * that nobody waited for in this long is over.
 */
#define OOM_HANDLER_QUIET	(HZ / 4)

/* Is an OOM of @memcg that its handlers were told of going on? */
static bool memcg_oom_handlers_busy(struct mem_cgroup *memcg)
{
	unsigned long last = READ_ONCE(memcg->oom_time);

	return last && time_before(jiffies, last + OOM_HANDLER_QUIET) &&
	       time_before(jiffies, READ_ONCE(memcg->oom_handler_deadline));
}

/* Registration */

/**
 * memcg_oom_handler_add - make current's thread group a handler of @memcg
 * @memcg: the memory cgroup whose OOMs it handles
 * @of: the memory.oom.handler file it registered with, or NULL (v1)
 *
 * Only CAP_SYS_ADMIN may handle the root cgroup's, the system's, OOMs.
 *
 * Return: the handler, or an ERR_PTR: -EPERM or -ENOMEM.
 */
struct memcg_oom_handler *memcg_oom_handler_add(struct mem_cgroup *memcg,
						struct kernfs_open_file *of)
{
	struct memcg_oom_handler *h;

	if (mem_cgroup_is_root(memcg) && !capable(CAP_SYS_ADMIN))
		return ERR_PTR(-EPERM);

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	css_get(&memcg->css);
	h->memcg = memcg;
	h->tgid = get_task_pid(current, PIDTYPE_TGID);
	h->of = of;
	init_waitqueue_head(&h->wait);

	spin_lock(&memcg_oom_handlers_lock);
	/* Registered during an OOM's grace period: tell it at once. */
	if (of && memcg_oom_handlers_busy(memcg))
		h->events = 1;
	list_add_tail(&h->list, &memcg_oom_handlers);
	WRITE_ONCE(memcg->nr_oom_handlers, memcg->nr_oom_handlers + 1);
	spin_unlock(&memcg_oom_handlers_lock);
	return h;
}

/**
 * memcg_oom_handler_del - unregister and free a handler
 * @h: what memcg_oom_handler_add() returned
 *
 * May be called in atomic context.
 */
void memcg_oom_handler_del(struct memcg_oom_handler *h)
{
	struct mem_cgroup *memcg = h->memcg;

	spin_lock(&memcg_oom_handlers_lock);
	list_del(&h->list);
	WRITE_ONCE(memcg->nr_oom_handlers, memcg->nr_oom_handlers - 1);
	spin_unlock(&memcg_oom_handlers_lock);

	/* A poller may still sleep on @h->wait if the cgroup was removed. */
	wake_up_pollfree(&h->wait);
	put_pid(h->tgid);
	css_put(&memcg->css);
	kfree_rcu(h, rcu);
}

/*
 * Does current handle the OOMs of @memcg, or (unless @exact) of one of
 * its ancestors?
 */
static bool memcg_oom_handler_current(struct mem_cgroup *memcg, bool exact)
{
	struct pid *tgid = task_tgid(current);
	struct memcg_oom_handler *h;
	bool ret = false;

	spin_lock(&memcg_oom_handlers_lock);
	list_for_each_entry(h, &memcg_oom_handlers, list) {
		if (h->tgid != tgid)
			continue;
		if (exact ? h->memcg == memcg :
			    mem_cgroup_is_descendant(memcg, h->memcg)) {
			ret = true;
			break;
		}
	}
	spin_unlock(&memcg_oom_handlers_lock);
	return ret;
}

/*
 * Wake the v2 handlers of @memcg, and unless @exact those of its
 * descendants too, as v1 tells the listeners of a whole subtree.
 */
static void memcg_oom_handlers_notify(struct mem_cgroup *memcg, bool exact)
{
	struct memcg_oom_handler *h;

	spin_lock(&memcg_oom_handlers_lock);
	list_for_each_entry(h, &memcg_oom_handlers, list) {
		if (!h->of)
			continue;
		if (exact ? h->memcg != memcg :
			    !mem_cgroup_is_descendant(h->memcg, memcg))
			continue;
		h->events++;
		wake_up_interruptible_poll(&h->wait, EPOLLPRI);
	}
	spin_unlock(&memcg_oom_handlers_lock);
}

/* The reserve */

/*
 * Would @nr_pages more keep every level from @memcg up within its limit
 * plus its own reserve?
 */
static bool memcg_within_reserve(struct mem_cgroup *memcg,
				 unsigned int nr_pages)
{
	for (; memcg; memcg = parent_mem_cgroup(memcg)) {
		unsigned long reserve = READ_ONCE(memcg->oom_reserve);

		if (page_counter_read(&memcg->memory) + nr_pages >
		    READ_ONCE(memcg->memory.max) + reserve)
			return false;
		if (do_memsw_account() &&
		    page_counter_read(&memcg->memsw) + nr_pages >
		    READ_ONCE(memcg->memsw.max) + reserve)
			return false;
	}
	return true;
}

/**
 * memcg_oom_reserve_charge - charge an OOM handler above the limit
 * @memcg: the memory cgroup to charge
 * @mem_over_limit: the cgroup whose limit failed the charge
 * @nr_pages: the number of pages
 * @last_resort: reclaim gave up, the OOM killer is next
 *
 * Called by try_charge_memcg() at the limit: before it reclaims, and again
 * once reclaim gave up. If current handles the OOMs of @mem_over_limit or
 * of an ancestor of it, and @mem_over_limit has a reserve, charges
 * @nr_pages as long as no level from @memcg up goes beyond its limit plus
 * its reserve. Before reclaim, only while @mem_over_limit is in an OOM
 * that its handlers were told of: reclaim has failed already, and a
 * handler at work should not reclaim for every page it needs.
 *
 * Return: true if the pages were charged.
 */
bool memcg_oom_reserve_charge(struct mem_cgroup *memcg,
			      struct mem_cgroup *mem_over_limit,
			      unsigned int nr_pages, bool last_resort)
{
	bool memsw = do_memsw_account();

	if (!READ_ONCE(mem_over_limit->oom_reserve))
		return false;
	if (!last_resort && !memcg1_under_oom(mem_over_limit) &&
	    !memcg_oom_handlers_busy(mem_over_limit))
		return false;
	if (!memcg_oom_handler_current(mem_over_limit, false))
		return false;

	/*
	 * Check first, so that a charge that does not fit never shows in
	 * the usage or the peak; check again after charging, for handlers
	 * that charged at the same time.
	 */
	if (!memcg_within_reserve(memcg, nr_pages))
		return false;
	page_counter_charge(&memcg->memory, nr_pages);
	if (memsw)
		page_counter_charge(&memcg->memsw, nr_pages);
	if (!memcg_within_reserve(memcg, 0)) {
		page_counter_uncharge(&memcg->memory, nr_pages);
		if (memsw)
			page_counter_uncharge(&memcg->memsw, nr_pages);
		return false;
	}
	memcg_memory_event(mem_over_limit, MEMCG_OOM_RESERVE);
	return true;
}

/**
 * memcg_oom_reserve_used - how far @memcg's usage is above its limit
 * @memcg: the memory cgroup
 *
 * That is what its handlers took from the reserve, plus charges that
 * were forced over the limit (__GFP_NOFAIL, dying tasks).
 *
 * Return: a number of pages.
 */
unsigned long memcg_oom_reserve_used(struct mem_cgroup *memcg)
{
	unsigned long usage = page_counter_read(&memcg->memory);
	unsigned long max = READ_ONCE(memcg->memory.max);

	return usage > max ? usage - max : 0;
}

/* The grace period */

/*
 * Does an OOM at @now start a new grace period? Yes if there was none
 * before, or if the previous OOM was resolved within its grace period and
 * nobody has waited since. After a grace period that ran out, the
 * handlers get the next one a grace period later only, so that handlers
 * that do nothing cannot hold off the OOM killer for more than half the
 * time.
 */
static bool memcg_oom_handlers_new_oom(unsigned long now, unsigned long last,
				       unsigned long deadline,
				       unsigned long grace)
{
	if (!deadline)
		return true;
	if (time_before(last, deadline) &&
	    time_after(now, last + OOM_HANDLER_QUIET))
		return true;
	return time_after(now, deadline + grace);
}

/**
 * memcg_oom_handlers_wait - let @memcg's handlers act before the OOM killer
 * @memcg: the memory cgroup out of memory, the root for a system OOM
 *
 * If @memcg has handlers, tells them of a new OOM and, while their grace
 * period (vm.oom_handler_grace_ms from the start of the OOM) runs, sleeps
 * a little and tells the caller to retry instead of invoking the OOM
 * killer. A task that is being killed does not wait, and nobody waits
 * here for a v1 cgroup whose OOM killer is disabled: memcg1 waits for its
 * handlers without a time limit.
 *
 * Return: true if the caller should retry, false to go on with the OOM
 * killer.
 */
bool memcg_oom_handlers_wait(struct mem_cgroup *memcg)
{
	unsigned long grace = msecs_to_jiffies(READ_ONCE(sysctl_oom_handler_grace_ms));
	unsigned long now = jiffies, last, deadline;
	bool root = mem_cgroup_is_root(memcg);

	if (!READ_ONCE(memcg->nr_oom_handlers) || fatal_signal_pending(current) ||
	    memcg1_oom_kill_disabled(memcg))
		return false;

	/* Kills from now on are the handlers': the OOM reaper takes them. */
	last = xchg(&memcg->oom_time, now ?: 1);

	deadline = READ_ONCE(memcg->oom_handler_deadline);
	if (memcg_oom_handlers_new_oom(now, last, deadline, grace)) {
		unsigned long old = deadline;

		deadline = (now + grace) ?: 1;
		if (cmpxchg(&memcg->oom_handler_deadline, old, deadline) == old) {
			memcg_oom_handlers_notify(memcg, root);
			/*
			 * Without a grace period memcg1_oom_prepare() tells
			 * the v1 listeners right after, as it always has.
			 */
			if (grace || root)
				memcg1_oom_notify(memcg, root);
		} else {
			deadline = READ_ONCE(memcg->oom_handler_deadline);
		}
	}
	if (!time_before(now, deadline))
		return false;

	/* A system OOM holds oom_lock: come back to it more often. */
	schedule_timeout_killable(min(deadline - now,
				      (unsigned long)(root ? HZ / 50 : HZ / 20)));
	return true;
}

/* System OOM */

/**
 * mem_cgroup_system_oom - let root's handlers act on a system OOM
 *
 * Called by out_of_memory() with oom_lock held, before it picks a victim.
 * Tells the root cgroup's handlers of the OOM; while their grace period
 * runs, sleeps a little and returns true, so that the allocator retries
 * instead of killing.
 *
 * Return: true if the OOM killer should not act yet.
 */
bool mem_cgroup_system_oom(void)
{
	if (mem_cgroup_disabled() || !root_mem_cgroup)
		return false;
	return memcg_oom_handlers_wait(root_mem_cgroup);
}

/**
 * mem_cgroup_oom_handler_reserve - may current allocate below the min watermark?
 *
 * True for a handler of the root cgroup, in task context, while a system
 * OOM that root's handlers were told of is going on or ended less than a
 * second ago, if the root cgroup has a reserve.
 */
bool mem_cgroup_oom_handler_reserve(void)
{
	unsigned long last;

	if (mem_cgroup_disabled() || !root_mem_cgroup || !in_task() ||
	    !READ_ONCE(root_mem_cgroup->oom_reserve) ||
	    !READ_ONCE(root_mem_cgroup->nr_oom_handlers))
		return false;
	last = READ_ONCE(root_mem_cgroup->oom_time);
	if (!last || time_after(jiffies, last + SYSTEM_OOM_RESERVE_WINDOW))
		return false;
	return memcg_oom_handler_current(root_mem_cgroup, true);
}

/**
 * mem_cgroup_oom_reserve_zone - @zone's share of the root cgroup's reserve
 * @zone: the zone
 *
 * The pages that root's handlers may take below @zone's min watermark:
 * the root cgroup's reserve spread over the zones by size, so that all
 * handlers together stay within the reserve.
 *
 * Return: a number of pages.
 */
unsigned long mem_cgroup_oom_reserve_zone(struct zone *zone)
{
	return mult_frac(READ_ONCE(root_mem_cgroup->oom_reserve),
			 zone_managed_pages(zone), totalram_pages());
}

/* memory.oom_reserve_in_bytes, memory.oom.reserve */

u64 memcg_oom_reserve_read(struct cgroup_subsys_state *css, struct cftype *cft)
{
	return (u64)READ_ONCE(mem_cgroup_from_css(css)->oom_reserve) * PAGE_SIZE;
}

ssize_t memcg_oom_reserve_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(of));
	unsigned long reserve;
	int err;

	buf = strstrip(buf);
	err = memcg_kmem_limit_valid(buf);
	if (err)
		return err;
	/* No "max" and no -1: an unlimited reserve would be no limit at all. */
	err = page_counter_memparse(buf, "", &reserve);
	if (err)
		return err;

	if (reserve < memcg_oom_reserve_used(memcg))
		return -EBUSY;
	WRITE_ONCE(memcg->oom_reserve, reserve);
	return nbytes;
}

/* memory.oom.handler: cgroup v2's registration, bound to an open file */

static struct memcg_oom_handler *memcg_oom_handler_of(struct kernfs_open_file *of)
{
	struct memcg_oom_handler *h;

	lockdep_assert_held(&memcg_oom_handlers_lock);
	list_for_each_entry(h, &memcg_oom_handlers, list)
		if (h->of == of)
			return h;
	return NULL;
}

int memcg_oom_handler_show(struct seq_file *m, void *v)
{
	struct memcg_oom_handler *h;
	unsigned long events = 0;

	spin_lock(&memcg_oom_handlers_lock);
	h = memcg_oom_handler_of(m->private);
	if (h) {
		events = h->events;
		h->seen = events;
	}
	spin_unlock(&memcg_oom_handlers_lock);
	seq_printf(m, "oom %lu\n", events);
	return 0;
}

ssize_t memcg_oom_handler_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(of));
	struct memcg_oom_handler *h;

	if (strcmp(strstrip(buf), "1"))
		return -EINVAL;

	/* Writes to one open file are serialised by kernfs. */
	spin_lock(&memcg_oom_handlers_lock);
	h = memcg_oom_handler_of(of);
	spin_unlock(&memcg_oom_handlers_lock);
	if (h)
		return -EBUSY;

	h = memcg_oom_handler_add(memcg, of);
	return IS_ERR(h) ? PTR_ERR(h) : nbytes;
}

__poll_t memcg_oom_handler_poll(struct kernfs_open_file *of,
				struct poll_table_struct *pt)
{
	struct memcg_oom_handler *h;
	bool pending;

	/* kernfs holds the file active: @h cannot go away under us. */
	spin_lock(&memcg_oom_handlers_lock);
	h = memcg_oom_handler_of(of);
	spin_unlock(&memcg_oom_handlers_lock);
	if (!h)
		return DEFAULT_POLLMASK | EPOLLERR | EPOLLPRI;

	poll_wait(of->file, &h->wait, pt);
	spin_lock(&memcg_oom_handlers_lock);
	pending = h->events != h->seen;
	spin_unlock(&memcg_oom_handlers_lock);
	return pending ? DEFAULT_POLLMASK | EPOLLPRI : DEFAULT_POLLMASK;
}

void memcg_oom_handler_release(struct kernfs_open_file *of)
{
	struct memcg_oom_handler *h;

	spin_lock(&memcg_oom_handlers_lock);
	h = memcg_oom_handler_of(of);
	spin_unlock(&memcg_oom_handlers_lock);
	if (h)
		memcg_oom_handler_del(h);
}

/* vm.oom_handler_grace_ms */

static struct ctl_table memcg_oom_sysctls[] = {
	{
		.procname	= "oom_handler_grace_ms",
		.data		= &sysctl_oom_handler_grace_ms,
		.maxlen		= sizeof(sysctl_oom_handler_grace_ms),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &oom_handler_grace_max_ms,
	},
};

static int __init memcg_oom_handlers_init(void)
{
	if (!mem_cgroup_disabled())
		register_sysctl_init("vm", memcg_oom_sysctls);
	return 0;
}
subsys_initcall(memcg_oom_handlers_init);
