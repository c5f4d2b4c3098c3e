// SPDX-License-Identifier: GPL-2.0
/*
 * Test support for the OOM reaper: hold tasks in uninterruptible sleep, so
 * that selftests can make an OOM victim that cannot exit, on demand.
 *
 *   /sys/kernel/debug/oom_reaper_test/hold     a task writing here sleeps,
 *                                              deaf to signals, until...
 *   /sys/kernel/debug/oom_reaper_test/release  ...anybody writes here
 *   /sys/kernel/debug/oom_reaper_test/held     how many tasks are held
 *
 * A held task holds no lock: it only stands for a victim blocked on one.
 * It sleeps in TASK_IDLE, so it counts neither in the load average nor as
 * a hung task. Test-only: never enable this in production.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(oom_reaper_test_wait);
static atomic_t oom_reaper_test_held = ATOMIC_INIT(0);
static atomic_long_t oom_reaper_test_releases = ATOMIC_LONG_INIT(0);

static ssize_t hold_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	long releases = atomic_long_read(&oom_reaper_test_releases);

	atomic_inc(&oom_reaper_test_held);
	wait_event_idle(oom_reaper_test_wait,
			atomic_long_read(&oom_reaper_test_releases) != releases);
	atomic_dec(&oom_reaper_test_held);
	return count;
}

static ssize_t release_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	atomic_long_inc(&oom_reaper_test_releases);
	wake_up_all(&oom_reaper_test_wait);
	return count;
}

static const struct file_operations hold_fops = {
	.write = hold_write,
	.llseek = noop_llseek,
};

static const struct file_operations release_fops = {
	.write = release_write,
	.llseek = noop_llseek,
};

static int __init oom_reaper_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("oom_reaper_test", NULL);

	debugfs_create_file("hold", 0200, dir, NULL, &hold_fops);
	debugfs_create_file("release", 0200, dir, NULL, &release_fops);
	debugfs_create_atomic_t("held", 0400, dir, &oom_reaper_test_held);
	return 0;
}
late_initcall(oom_reaper_test_init);
