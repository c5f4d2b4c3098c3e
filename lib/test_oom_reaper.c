// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the OOM reaper: hold tasks in uninterruptible sleep, so
 * that selftests can make an OOM victim that cannot exit, on demand.
 *
 *   /sys/kernel/debug/oom_reaper_test/hold       a task writing here sleeps,
 *                                                deaf to signals, until...
 *   /sys/kernel/debug/oom_reaper_test/hold_mmap  the same, holding its own
 *                                                mmap_lock for write, so
 *                                                that nothing can reap it
 *   /sys/kernel/debug/oom_reaper_test/hold_charge
 *                                                the same, then, without
 *                                                looking at signals, one
 *                                                page charged to its memory
 *                                                cgroup (ENOMEM if refused)
 *   /sys/kernel/debug/oom_reaper_test/release    ...anybody writes here
 *   /sys/kernel/debug/oom_reaper_test/held       how many tasks are held
 *   /sys/kernel/debug/oom_reaper_test/charge_nofail
 *                                                a task writing N here
 *                                                allocates N pages with
 *                                                __GFP_NOFAIL, charged to its
 *                                                memory cgroup, then frees them
 *
 * A held task stands for a victim blocked on a lock. It sleeps in
 * TASK_IDLE, so it counts neither in the load average nor as a hung task;
 * tasks that wait for the mmap_lock of a task in hold_mmap do count, so
 * release it well within the hung task timeout. The module cannot be
 * removed while a task is held. Test-only: never load it in production.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kstrtox.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(oom_reaper_test_wait);
static atomic_t oom_reaper_test_held = ATOMIC_INIT(0);
static atomic_long_t oom_reaper_test_releases = ATOMIC_LONG_INIT(0);
static struct dentry *oom_reaper_test_dir;

static void oom_reaper_test_hold(void)
{
	long releases = atomic_long_read(&oom_reaper_test_releases);

	atomic_inc(&oom_reaper_test_held);
	wait_event_idle(oom_reaper_test_wait,
			atomic_long_read(&oom_reaper_test_releases) != releases);
	atomic_dec(&oom_reaper_test_held);
}

static ssize_t hold_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	oom_reaper_test_hold();
	return count;
}

static ssize_t hold_mmap_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct mm_struct *mm = current->mm;

	if (!mm)
		return -EINVAL;
	mmap_write_lock(mm);
	oom_reaper_test_hold();
	mmap_write_unlock(mm);
	return count;
}

/*
 * A task killed while it was blocked that needs memory on its way out, as
 * one blocked in a filesystem does: may its charge still meet the OOM
 * killer?
 */
static ssize_t hold_charge_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct page *page;

	oom_reaper_test_hold();
	page = alloc_page(GFP_KERNEL_ACCOUNT);
	if (!page)
		return -ENOMEM;
	__free_page(page);
	return count;
}

static void oom_reaper_test_release(void)
{
	atomic_long_inc(&oom_reaper_test_releases);
	wake_up_all(&oom_reaper_test_wait);
}

static ssize_t release_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	oom_reaper_test_release();
	return count;
}

/*
 * Charges that the memory cgroup code must not fail, as the page cache of
 * block devices makes them for metadata reads: at most 64M at a time.
 */
static ssize_t charge_nofail_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	unsigned long nr, i;
	struct page *page, *next;
	LIST_HEAD(pages);
	int err;

	err = kstrtoul_from_user(buf, count, 0, &nr);
	if (err)
		return err;
	if (nr > (64UL << 20) >> PAGE_SHIFT)
		return -EINVAL;
	for (i = 0; i < nr && !fatal_signal_pending(current); i++) {
		page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
		list_add(&page->lru, &pages);
		cond_resched();
	}
	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	return i < nr ? -EINTR : count;
}

static const struct file_operations hold_fops = {
	.owner = THIS_MODULE,
	.write = hold_write,
	.llseek = noop_llseek,
};

static const struct file_operations hold_mmap_fops = {
	.owner = THIS_MODULE,
	.write = hold_mmap_write,
	.llseek = noop_llseek,
};

static const struct file_operations hold_charge_fops = {
	.owner = THIS_MODULE,
	.write = hold_charge_write,
	.llseek = noop_llseek,
};

static const struct file_operations release_fops = {
	.owner = THIS_MODULE,
	.write = release_write,
	.llseek = noop_llseek,
};

static const struct file_operations charge_nofail_fops = {
	.owner = THIS_MODULE,
	.write = charge_nofail_write,
	.llseek = noop_llseek,
};

static int __init oom_reaper_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("oom_reaper_test", NULL);

	debugfs_create_file("hold", 0200, dir, NULL, &hold_fops);
	debugfs_create_file("hold_mmap", 0200, dir, NULL, &hold_mmap_fops);
	debugfs_create_file("hold_charge", 0200, dir, NULL, &hold_charge_fops);
	debugfs_create_file("release", 0200, dir, NULL, &release_fops);
	debugfs_create_atomic_t("held", 0400, dir, &oom_reaper_test_held);
	debugfs_create_file("charge_nofail", 0200, dir, NULL,
			    &charge_nofail_fops);
	oom_reaper_test_dir = dir;
	return 0;
}

static void __exit oom_reaper_test_exit(void)
{
	debugfs_remove_recursive(oom_reaper_test_dir);
	oom_reaper_test_release();
}

module_init(oom_reaper_test_init);
module_exit(oom_reaper_test_exit);
MODULE_DESCRIPTION("Hold tasks in uninterruptible sleep and charge __GFP_NOFAIL pages, for OOM tests");
MODULE_LICENSE("GPL");
