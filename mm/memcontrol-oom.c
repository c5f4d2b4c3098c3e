// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Memory reserves for userspace OOM handlers.
 *
 * A process becomes an OOM handler of a memory cgroup by registering for
 * the cgroup's OOM notification with the right to change its OOM
 * controls: on cgroup v1 an eventfd on memory.oom_control, through
 * cgroup.event_control, by a task that may write memory.oom_control; on
 * cgroup v2 "1" written to an open memory.oom.handler. Its thread group
 * stays a handler until the eventfd registration goes or the file is
 * closed. A handler of a cgroup H:
 *
 *  - is told when the limit of H or of a cgroup below H causes an OOM,
 *    and if H is the root cgroup, of every system OOM; only CAP_SYS_ADMIN
 *    handles the root (v1: others who register there are plain
 *    listeners, as they always were);
 *  - has vm.oom_handler_grace_ms (0 by default; for a system OOM, a second
 *    at most) to resolve the OOM before the kernel OOM killer acts.
 *    Meanwhile charges at the limit fail at
 *    once, and user faults wait for the handlers at the end of the fault,
 *    where they hold no lock, as with v1's oom_kill_disable, which still
 *    means that the kernel waits for userspace for ever;
 *  - may charge above the limit of H, or of a cgroup below H, by up to
 *    that cgroup's reserve (memory.oom_reserve_in_bytes on v1,
 *    memory.oom.reserve on v2); every level from the charged cgroup up to
 *    H stays within its limit plus its own reserve, and every level above
 *    H within its limit, so the handler of a delegated subtree can use
 *    neither its own reserves nor those of the cgroups above it (their
 *    handlers') to escape a limit set above it;
 *  - if H is the root, may allocate below the min watermarks during a
 *    system OOM's grace period, by up to the system reserve in total
 *    (vm.oom_handler_system_reserve_kbytes, or v1's root reserve) and a
 *    quarter of each zone's min watermark, never from interrupt context;
 *  - has the processes it kills in H or below during their OOM reaped at
 *    once by the OOM reaper (mem_cgroup_oom_handler_kill()).
 *
 * Everything here runs only once a charge failed at a limit or the page
 * allocator is out of memory: the charge fast path and the allocator
 * fast path do not change.
 */

#include <linux/capability.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/page_counter.h>
#include <linux/pid.h>
#include <linux/psi.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysctl.h>

#include "internal.h"
#include "memcontrol-v1.h"
#include "memcontrol-oom.h"

struct memcg_oom_handler {
	struct list_head list;		/* on memcg->oom_handlers, RCU */
	struct mem_cgroup *memcg;	/* the cgroup it handles, pinned */
	struct pid *tgid;		/* the handler's thread group */
	struct kernfs_open_file *of;	/* v2: memory.oom.handler, or NULL */
	unsigned long events;		/* v2: OOMs told on @of */
	struct rcu_head rcu;
};

/*
 * memcg->oom_handlers_lock serialises the changes to the cgroup's list of
 * handlers and its count of them, its v2 handlers' events and the start of
 * its grace period. Taken to register and unregister, and once per OOM to
 * tell the handlers (for a system OOM from out_of_memory(), under
 * oom_lock), in task context, with nothing allocated under it. Never taken
 * to ask whether a task is a handler (the charge path, the allocator's
 * reserve check, the signal path), which walks the lists under RCU and may
 * be asked in any context. One lock per cgroup: the handlers a tenant
 * registers on its cgroups delay nobody else's.
 */

/* Handlers registered on any cgroup, for mem_cgroup_oom_handler_kill(). */
static atomic_t nr_oom_handlers_all = ATOMIC_INIT(0);

static unsigned int sysctl_oom_handler_grace_ms;
static unsigned int oom_handler_grace_max_ms = 60000;

/*
 * The system reserve: what root's handlers may take below the min
 * watermarks during a system OOM (vm.oom_handler_system_reserve_kbytes,
 * and on v1 the root's memory.oom_reserve_in_bytes, the 2014 interface).
 */
static unsigned int sysctl_oom_handler_system_reserve_kbytes;

static unsigned long system_reserve_pages(void)
{
	return (unsigned long)READ_ONCE(sysctl_oom_handler_system_reserve_kbytes) >>
	       (PAGE_SHIFT - 10);
}

/* How long after the last system OOM root's handlers keep the root reserve. */
#define SYSTEM_OOM_RESERVE_WINDOW	HZ

/*
 * A system OOM keeps every allocating task retrying in the page allocator,
 * with whatever locks it holds, while root's handlers have their grace
 * period: so it lasts this long at most, whatever vm.oom_handler_grace_ms
 * says, and a root handler that waits for one of those locks holds the
 * machine no longer.
 */
#define SYSTEM_OOM_GRACE_MAX		HZ

/*
 * Root's handlers take at most a quarter of a zone's min watermark: the
 * rest stays for reclaim (PF_MEMALLOC may take all of it) and for OOM
 * victims on their way out (ALLOC_OOM takes half of it).
 */
#define SYSTEM_OOM_RESERVE_MIN_SHIFT	2

/*
 * Charges and faults come back every 50 ms at most during an OOM: an OOM
 * that nobody ran into for this long is over.
 */
#define OOM_HANDLER_QUIET	(HZ / 4)

/* How long after an OOM the kills of its handlers are taken as such. */
#define OOM_HANDLER_KILL_WINDOW	(10 * HZ)

static unsigned long oom_handler_grace(void)
{
	return msecs_to_jiffies(READ_ONCE(sysctl_oom_handler_grace_ms));
}

/*
 * Is @memcg in the grace period of an OOM that its handlers were told of,
 * an OOM that is still going on?
 */
static bool memcg_oom_handlers_busy(struct mem_cgroup *memcg)
{
	unsigned long deadline = READ_ONCE(memcg->oom_handler_deadline);
	unsigned long last = READ_ONCE(memcg->oom_time);
	unsigned long now = jiffies;

	return deadline && time_before(now, deadline) &&
	       !time_after(deadline, now + oom_handler_grace()) &&
	       last && time_before(now, last + OOM_HANDLER_QUIET);
}

/* Registration */

/**
 * memcg_oom_handler_add - make current's thread group a handler of @memcg
 * @memcg: the memory cgroup whose OOMs it handles
 * @of: the memory.oom.handler file it registered with, or NULL (v1)
 *
 * Only CAP_SYS_ADMIN may handle the root cgroup's, the system's, OOMs:
 * the task registering, whose thread group becomes the handler, and on v2
 * the opener of @of too. So an fd that a privileged task opened gives an
 * unprivileged one it is passed to or that inherits it nothing, and a
 * privileged task made to write "1" to an unprivileged opener's fd
 * registers nobody.
 *
 * Return: the handler, or an ERR_PTR: -EPERM or -ENOMEM.
 */
struct memcg_oom_handler *memcg_oom_handler_add(struct mem_cgroup *memcg,
						struct kernfs_open_file *of)
{
	struct memcg_oom_handler *h;

	if (mem_cgroup_is_root(memcg) &&
	    (!capable(CAP_SYS_ADMIN) ||
	     (of && !file_ns_capable(of->file, &init_user_ns, CAP_SYS_ADMIN))))
		return ERR_PTR(-EPERM);

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return ERR_PTR(-ENOMEM);
	css_get(&memcg->css);
	h->memcg = memcg;
	h->tgid = get_task_pid(current, PIDTYPE_TGID);
	h->of = of;

	spin_lock(&memcg->oom_handlers_lock);
	/* Registered during an OOM's grace period: tell it at once. */
	if (of && memcg_oom_handlers_busy(memcg))
		h->events = 1;
	list_add_tail_rcu(&h->list, &memcg->oom_handlers);
	WRITE_ONCE(memcg->nr_oom_handlers, memcg->nr_oom_handlers + 1);
	spin_unlock(&memcg->oom_handlers_lock);
	atomic_inc(&nr_oom_handlers_all);
	return h;
}

static void memcg_oom_handler_free(struct rcu_head *rcu)
{
	struct memcg_oom_handler *h = container_of(rcu, typeof(*h), rcu);

	put_pid(h->tgid);
	css_put(&h->memcg->css);
	kfree(h);
}

/**
 * memcg_oom_handler_del - unregister a handler, free it after RCU
 * @h: what memcg_oom_handler_add() returned
 *
 * May be called in atomic context.
 */
void memcg_oom_handler_del(struct memcg_oom_handler *h)
{
	struct mem_cgroup *memcg = h->memcg;

	spin_lock(&memcg->oom_handlers_lock);
	list_del_rcu(&h->list);
	WRITE_ONCE(memcg->nr_oom_handlers, memcg->nr_oom_handlers - 1);
	spin_unlock(&memcg->oom_handlers_lock);
	atomic_dec(&nr_oom_handlers_all);

	call_rcu(&h->rcu, memcg_oom_handler_free);
}

/*
 * Does current handle the OOMs of @memcg, or (unless @exact) of one of its
 * ancestors? Returns the cgroup it handles, the highest of them unless
 * @exact, or NULL. Any context, any locks held: it takes none, and writes
 * nothing shared; the caller keeps @memcg alive.
 */
static struct mem_cgroup *memcg_oom_handled(struct mem_cgroup *memcg,
					    bool exact)
{
	struct pid *tgid = task_tgid(current);
	struct memcg_oom_handler *h;
	struct mem_cgroup *ret = NULL;

	rcu_read_lock();
	for (; memcg; memcg = exact ? NULL : parent_mem_cgroup(memcg)) {
		if (!READ_ONCE(memcg->nr_oom_handlers))
			continue;
		list_for_each_entry_rcu(h, &memcg->oom_handlers, list) {
			if (h->tgid == tgid) {
				ret = memcg;
				break;
			}
		}
	}
	rcu_read_unlock();
	return ret;
}

/*
 * The cgroups whose handlers an OOM of a cgroup concerns are that cgroup
 * and its ancestors below the root, or for a system OOM the root alone:
 * start at the cgroup, then oom_handled_next().
 */
static struct mem_cgroup *oom_handled_next(struct mem_cgroup *iter)
{
	if (mem_cgroup_is_root(iter))
		return NULL;
	iter = parent_mem_cgroup(iter);
	return iter && !mem_cgroup_is_root(iter) ? iter : NULL;
}

/* Has @memcg, or an ancestor below the root, handlers? */
static bool memcg_oom_has_handlers(struct mem_cgroup *memcg)
{
	struct mem_cgroup *iter;

	for (iter = memcg; iter; iter = oom_handled_next(iter))
		if (READ_ONCE(iter->nr_oom_handlers))
			return true;
	return false;
}

/*
 * Tell the handlers an OOM of @memcg concerns: v2 handlers through their
 * memory.oom.handler, v1 handlers through their eventfds, those of @memcg
 * itself only with @v1_self (memcg1_oom_prepare() tells them otherwise,
 * with the plain listeners, which are never told here).
 */
static void memcg_oom_handlers_notify(struct mem_cgroup *memcg, bool v1_self)
{
	struct memcg_oom_handler *h;
	struct mem_cgroup *iter;

	for (iter = memcg; iter; iter = oom_handled_next(iter)) {
		bool told = false;

		if (!READ_ONCE(iter->nr_oom_handlers))
			continue;
		spin_lock(&iter->oom_handlers_lock);
		list_for_each_entry(h, &iter->oom_handlers, list) {
			if (h->of) {
				h->events++;
				told = true;
			}
		}
		spin_unlock(&iter->oom_handlers_lock);
		if (told)
			cgroup_file_notify(&iter->oom_handler_file);
		if (iter != memcg || v1_self)
			memcg1_oom_notify_handlers(iter);
	}
}

/* Kills */

/*
 * Is @memcg under OOM as far as the kills of its handlers go: on v1 while
 * memory.oom_control says under_oom, and for OOM_HANDLER_KILL_WINDOW after
 * it last reported an OOM (for the root, a system OOM)?
 */
static bool memcg_oom_handler_kill_window(struct mem_cgroup *memcg)
{
	unsigned long last = READ_ONCE(memcg->oom_time);
	unsigned long now = jiffies;

	if (memcg1_under_oom(memcg))
		return true;
	return last && !time_before(now, last) &&
	       time_before(now, last + OOM_HANDLER_KILL_WINDOW);
}

/**
 * mem_cgroup_oom_handler_kill - is current's SIGKILL to @tsk an OOM kill?
 * @tsk: the task current sent SIGKILL
 *
 * True if current is a handler of the memory cgroup of @tsk or of an
 * ancestor H, and a cgroup from that of @tsk up to H is under OOM
 * (memcg_oom_handler_kill_window()): the OOM reaper may then free the
 * memory of @tsk at once. Costs one load while no handler is registered.
 * Task context; the caller may hold spinlocks and RCU.
 *
 * Return: true for a handler's kill during an OOM it handles.
 */
bool mem_cgroup_oom_handler_kill(struct task_struct *tsk)
{
	struct mem_cgroup *memcg;
	bool oom = false, ret = false;

	if (!atomic_read(&nr_oom_handlers_all) || mem_cgroup_disabled())
		return false;

	rcu_read_lock();
	for (memcg = mem_cgroup_from_task(tsk); memcg;
	     memcg = parent_mem_cgroup(memcg)) {
		if (!oom)
			oom = memcg_oom_handler_kill_window(memcg);
		if (oom && READ_ONCE(memcg->nr_oom_handlers) &&
		    memcg_oom_handled(memcg, true)) {
			ret = true;
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}

/* The reserve */

/*
 * Would @nr_pages more keep every level from @memcg up within its limit,
 * plus its own reserve at the levels up to @handled, the cgroup whose OOMs
 * the charging handler handles? The levels above @handled keep their
 * limits as they are: their reserves are for their own handlers, which
 * may be the administrator's where @handled is a delegated subtree.
 */
static bool memcg_within_reserve(struct mem_cgroup *memcg,
				 struct mem_cgroup *handled,
				 unsigned int nr_pages)
{
	unsigned long reserve;
	bool above = false;

	for (; memcg; memcg = parent_mem_cgroup(memcg)) {
		reserve = above ? 0 : READ_ONCE(memcg->oom_reserve);
		if (page_counter_read(&memcg->memory) + nr_pages >
		    READ_ONCE(memcg->memory.max) + reserve)
			return false;
		if (do_memsw_account() &&
		    page_counter_read(&memcg->memsw) + nr_pages >
		    READ_ONCE(memcg->memsw.max) + reserve)
			return false;
		if (memcg == handled)
			above = true;
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
 * its reserve, where only the levels up to the highest cgroup current
 * handles count their reserves: a handler of a delegated subtree never
 * takes the reserve of a cgroup above it. Before reclaim, only while
 * @mem_over_limit is in an OOM that its handlers were told of: reclaim has
 * failed already, and a handler at work should not reclaim for every page
 * it needs.
 *
 * Return: true if the pages were charged.
 */
bool memcg_oom_reserve_charge(struct mem_cgroup *memcg,
			      struct mem_cgroup *mem_over_limit,
			      unsigned int nr_pages, bool last_resort)
{
	bool memsw = do_memsw_account();
	struct mem_cgroup *handled;

	if (!READ_ONCE(mem_over_limit->oom_reserve))
		return false;
	if (!last_resort && !memcg1_under_oom(mem_over_limit) &&
	    !memcg_oom_handlers_busy(mem_over_limit))
		return false;
	handled = memcg_oom_handled(mem_over_limit, false);
	if (!handled)
		return false;

	/*
	 * Check first, so that a charge that does not fit never shows in
	 * the usage or the peak; check again after charging, for handlers
	 * that charged at the same time.
	 */
	if (!memcg_within_reserve(memcg, handled, nr_pages))
		return false;
	page_counter_charge(&memcg->memory, nr_pages);
	if (memsw)
		page_counter_charge(&memcg->memsw, nr_pages);
	if (!memcg_within_reserve(memcg, handled, 0)) {
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
 * nobody ran into the limit since. After a grace period that ran out, the
 * handlers get the next one a grace period later only, so that handlers
 * that do nothing cannot hold off the OOM killer for more than half the
 * time. A deadline further away than a grace period is left from before
 * jiffies wrapped.
 */
static bool memcg_oom_handlers_new_oom(unsigned long now, unsigned long last,
				       unsigned long deadline,
				       unsigned long grace)
{
	if (!deadline || time_after(deadline, now + grace))
		return true;
	if (time_before(last, deadline) &&
	    time_after(now, last + OOM_HANDLER_QUIET))
		return true;
	return time_after(now, deadline + grace);
}

/**
 * memcg_oom_handlers_grace - hold off the OOM killer for the handlers?
 * @memcg: the memory cgroup out of memory, the root for a system OOM
 * @start: reclaim gave up: an OOM may start here
 *
 * With @start, tells the handlers that the OOM of @memcg concerns of a new
 * OOM and starts their grace period (vm.oom_handler_grace_ms). Without,
 * only looks whether a grace period is running. A task that is being
 * killed, a handler and a v1 cgroup whose OOM killer is disabled (memcg1
 * waits for its handlers without a time limit) are not held off.
 *
 * Return: true while the grace period runs: the caller must neither
 * reclaim nor invoke the OOM killer, and fail or retry instead.
 */
bool memcg_oom_handlers_grace(struct mem_cgroup *memcg, bool start)
{
	unsigned long grace = oom_handler_grace();
	bool root = mem_cgroup_is_root(memcg);
	unsigned long now = jiffies, deadline;
	bool new_oom = false;

	if (root)
		grace = min(grace, (unsigned long)SYSTEM_OOM_GRACE_MAX);

	if (!memcg_oom_has_handlers(memcg))
		return false;
	/*
	 * Nothing to wait for: without a grace period the OOM killer acts at
	 * once; with v1's oom_kill_disable the cgroup waits for userspace
	 * for as long as it takes. Tell the handlers of each OOM all the
	 * same; memcg1_oom_prepare() tells @memcg's own v1 handlers right
	 * after, but for the root (a system OOM).
	 */
	if (!grace || memcg1_oom_kill_disabled(memcg)) {
		if (start)
			memcg_oom_handlers_notify(memcg, root);
		return false;
	}
	if (!start && !memcg_oom_handlers_busy(memcg))
		return false;
	if (fatal_signal_pending(current) || memcg_oom_handled(memcg, root))
		return false;

	/*
	 * Every charge at the limit comes here while the grace period runs:
	 * the lock only for the start of a new one, and the time of the OOM
	 * written once a tick at most.
	 */
	deadline = READ_ONCE(memcg->oom_handler_deadline);
	if (start && memcg_oom_handlers_new_oom(now, READ_ONCE(memcg->oom_time),
						deadline, grace)) {
		spin_lock(&memcg->oom_handlers_lock);
		deadline = memcg->oom_handler_deadline;
		if (memcg_oom_handlers_new_oom(now, READ_ONCE(memcg->oom_time),
					       deadline, grace)) {
			deadline = (now + grace) ?: 1;
			WRITE_ONCE(memcg->oom_handler_deadline, deadline);
			new_oom = true;
		}
		WRITE_ONCE(memcg->oom_time, now ?: 1);
		spin_unlock(&memcg->oom_handlers_lock);
	} else if (READ_ONCE(memcg->oom_time) != (now ?: 1)) {
		/* The OOM goes on: see mem_cgroup_oom_handler_kill() too. */
		WRITE_ONCE(memcg->oom_time, now ?: 1);
	}

	if (new_oom)
		memcg_oom_handlers_notify(memcg, true);
	return time_before(now, deadline);
}

/**
 * mem_cgroup_oom_handlers_synchronize - wait for OOM handlers after a fault
 *
 * Called by pagefault_out_of_memory(), where the faulting task holds no
 * lock, when a user fault failed for lack of memory. If the task's cgroup
 * is in the grace period of its OOM handlers, which is why the charge
 * failed, sleeps a little.
 *
 * Return: true if it slept and the fault should be retried.
 */
bool mem_cgroup_oom_handlers_synchronize(void)
{
	unsigned long deadline = 0, now = jiffies, pflags;
	struct mem_cgroup *memcg;

	if (mem_cgroup_disabled() || fatal_signal_pending(current))
		return false;

	rcu_read_lock();
	for (memcg = mem_cgroup_from_task(current);
	     memcg && !mem_cgroup_is_root(memcg);
	     memcg = parent_mem_cgroup(memcg)) {
		if (memcg_oom_handlers_busy(memcg)) {
			deadline = READ_ONCE(memcg->oom_handler_deadline);
			break;
		}
	}
	rcu_read_unlock();
	if (!deadline)
		return false;

	psi_memstall_enter(&pflags);
	schedule_timeout_killable(min(deadline - now, (unsigned long)HZ / 20));
	psi_memstall_leave(&pflags);
	return true;
}

/* System OOM */

/**
 * mem_cgroup_system_oom - let root's handlers act on a system OOM
 *
 * Called by out_of_memory() for an OOM of the whole system, before it
 * picks a victim. Tells the root cgroup's handlers of a new OOM; while
 * their grace period runs, returns true, and the allocator retries as it
 * does while an OOM victim exits.
 *
 * Return: true if the OOM killer should not act yet.
 */
bool mem_cgroup_system_oom(void)
{
	bool wait;

	if (mem_cgroup_disabled() || !root_mem_cgroup)
		return false;
	wait = memcg_oom_handlers_grace(root_mem_cgroup, true);
	/* As mem_cgroup_oom() marks a memory cgroup's OOM. */
	WRITE_ONCE(root_mem_cgroup->oom_time, jiffies ?: 1);
	return wait;
}

/**
 * mem_cgroup_oom_handler_reserve - may current allocate below the min watermark?
 *
 * True for a handler of the root cgroup, in task context, while a system
 * OOM's grace period is running or ended less than a second ago, if there
 * is a system reserve.
 */
bool mem_cgroup_oom_handler_reserve(void)
{
	unsigned long last;

	/* No grace period, no system OOM handling to reserve memory for. */
	if (mem_cgroup_disabled() || !root_mem_cgroup || !in_task() ||
	    !oom_handler_grace() || !system_reserve_pages() ||
	    !READ_ONCE(root_mem_cgroup->nr_oom_handlers))
		return false;
	last = READ_ONCE(root_mem_cgroup->oom_time);
	if (!last || time_after(jiffies, last + SYSTEM_OOM_RESERVE_WINDOW) ||
	    time_after(last, jiffies))
		return false;
	return memcg_oom_handled(root_mem_cgroup, true);
}

/**
 * mem_cgroup_oom_reserve_zone - @zone's share of the system reserve
 * @zone: the zone
 * @min: the zone's min watermark, as the caller computed it
 *
 * The pages that root's handlers may take below @zone's min watermark:
 * the system reserve spread over the zones by size, so that all handlers
 * together stay within the reserve, and at most a quarter of @min, so
 * that reclaim and exiting OOM victims keep the rest.
 *
 * Return: a number of pages.
 */
long mem_cgroup_oom_reserve_zone(struct zone *zone, long min)
{
	u64 reserve = min(system_reserve_pages(), totalram_pages());
	u64 share = mul_u64_u64_div_u64(reserve, zone_managed_pages(zone),
					totalram_pages());

	if (min <= 0)
		return 0;
	return min_t(u64, share, min >> SYSTEM_OOM_RESERVE_MIN_SHIFT);
}

/* memory.oom_reserve_in_bytes, memory.oom.reserve (not on v2's root) */

u64 memcg_oom_reserve_read(struct cgroup_subsys_state *css, struct cftype *cft)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(css);

	/* v1's root: the system reserve (v2's root has no such file). */
	if (mem_cgroup_is_root(memcg))
		return (u64)system_reserve_pages() * PAGE_SIZE;
	return (u64)READ_ONCE(memcg->oom_reserve) * PAGE_SIZE;
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
	/*
	 * No "max", no -1, nothing that page_counter_memparse() clamps to
	 * PAGE_COUNTER_MAX: an unlimited reserve would be no limit at all.
	 */
	err = page_counter_memparse(buf, "", &reserve);
	if (err)
		return err;
	if (reserve >= PAGE_COUNTER_MAX)
		return -EINVAL;

	if (mem_cgroup_is_root(memcg)) {
		/* The sysctl's range: kilobytes in an unsigned int. */
		if (reserve > (UINT_MAX >> (PAGE_SHIFT - 10)))
			return -EINVAL;
		WRITE_ONCE(sysctl_oom_handler_system_reserve_kbytes,
			   reserve << (PAGE_SHIFT - 10));
		return nbytes;
	}
	if (reserve < memcg_oom_reserve_used(memcg))
		return -EBUSY;
	WRITE_ONCE(memcg->oom_reserve, reserve);
	return nbytes;
}

/* memory.oom.handler: cgroup v2's registration, bound to an open file */

static struct memcg_oom_handler *memcg_oom_handler_of(struct kernfs_open_file *of)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(of));
	struct memcg_oom_handler *h;

	lockdep_assert_held(&memcg->oom_handlers_lock);
	list_for_each_entry(h, &memcg->oom_handlers, list)
		if (h->of == of)
			return h;
	return NULL;
}

int memcg_oom_handler_show(struct seq_file *m, void *v)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(m->private));
	struct memcg_oom_handler *h;
	unsigned long events = 0;

	spin_lock(&memcg->oom_handlers_lock);
	h = memcg_oom_handler_of(m->private);
	if (h)
		events = h->events;
	spin_unlock(&memcg->oom_handlers_lock);
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
	spin_lock(&memcg->oom_handlers_lock);
	h = memcg_oom_handler_of(of);
	spin_unlock(&memcg->oom_handlers_lock);
	if (h)
		return -EBUSY;

	h = memcg_oom_handler_add(memcg, of);
	return IS_ERR(h) ? PTR_ERR(h) : nbytes;
}

void memcg_oom_handler_release(struct kernfs_open_file *of)
{
	struct mem_cgroup *memcg = mem_cgroup_from_css(of_css(of));
	struct memcg_oom_handler *h;

	spin_lock(&memcg->oom_handlers_lock);
	h = memcg_oom_handler_of(of);
	spin_unlock(&memcg->oom_handlers_lock);
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
	{
		.procname	= "oom_handler_system_reserve_kbytes",
		.data		= &sysctl_oom_handler_system_reserve_kbytes,
		.maxlen		= sizeof(sysctl_oom_handler_system_reserve_kbytes),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= SYSCTL_ZERO,
	},
};

static int __init memcg_oom_handlers_init(void)
{
	if (!mem_cgroup_disabled())
		register_sysctl_init("vm", memcg_oom_sysctls);
	return 0;
}
subsys_initcall(memcg_oom_handlers_init);
