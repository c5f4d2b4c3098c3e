// SPDX-License-Identifier: GPL-2.0
/*
 * The OOM reaper for the victims that userspace OOM handlers kill, on
 * whichever memory controller interface is mounted: a victim that cannot
 * exit (held in uninterruptible sleep by CONFIG_TEST_OOM_REAPER) has its
 * memory freed, whether the kernel OOM killer or a handler killed it, and
 * that is counted; memory shared with a live process, and kills outside
 * any OOM, are left alone.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

#define HOLD	"/sys/kernel/debug/oom_reaper_test/hold"
#define RELEASE	"/sys/kernel/debug/oom_reaper_test/release"

/* The group's limit, what the victim and the hog each fault in. */
#define LIMIT		"64M"
#define VICTIM_SIZE	MB(40)
#define HOG_SIZE	MB(40)
/* A victim reaped has less than this left. */
#define REAPED_KB	4096

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static bool v2;

struct shared {
	int ready;		/* the victim faulted its memory in */
};

static struct shared *shared;

static int shared_init(void)
{
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	memset(shared, 0, sizeof(*shared));
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A /proc/vmstat counter, or -1. */
static long read_vmstat(const char *name)
{
	char buf[16384], key[64], *p;
	int fd = open("/proc/vmstat", O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(buf, key);
	return p ? atol(p + strlen(key)) : -1;
}

/* The cgroup's count of reaped address spaces, or -1. */
static long memcg_reaps(const char *cgroup)
{
	return cg_read_key_long(cgroup, v2 ? "memory.events" :
				"memory.oom_control", "oom_reap ");
}

/* The state letter of a task (R, S, D, Z...), or 0 if it is gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : 0;
}

/* Held tasks sleep in TASK_IDLE, which /proc shows as I, not D. */
static bool is_stuck(pid_t pid)
{
	char state = proc_state(pid);

	return state == 'D' || state == 'I';
}

/* RssAnon of a task in KiB, or -1. */
static long proc_rss_anon_kb(pid_t pid)
{
	char buf[4096], *p;

	if (proc_read_text(pid, false, "status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "RssAnon:");
	return p ? atol(p + strlen("RssAnon:")) : -1;
}

static void *fault_in(size_t size)
{
	char *buf, *ptr;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return NULL;
	for (ptr = buf; ptr < buf + size; ptr += PAGE_SIZE)
		*ptr = 1;
	return buf;
}

/* Enter uninterruptible sleep until the test releases it. */
static int hold(void)
{
	int fd = open(HOLD, O_WRONLY);

	if (fd < 0)
		return -1;
	return write(fd, "1", 1) == 1 ? 0 : -1;
}

static void release_all(void)
{
	int fd = open(RELEASE, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			ksft_print_msg("cannot release held tasks\n");
		close(fd);
	}
}

/* The victim: fault in its memory, say so, then wait unkillably. */
static int victim_fn(const char *cgroup, void *arg)
{
	if (arg && write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	if (!fault_in(VICTIM_SIZE))
		return 1;
	shared->ready = 1;
	return hold() ? 1 : 0;
}

/* Like the victim, but waits killably: it exits when killed. */
static int pausing_victim_fn(const char *cgroup, void *arg)
{
	if (write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	if (!fault_in(VICTIM_SIZE))
		return 1;
	shared->ready = 1;
	for (;;)
		pause();
	return 0;
}

static int hog_fn(const char *cgroup, void *arg)
{
	return fault_in(HOG_SIZE) ? 0 : 1;
}

/* CLONE_VM child of the sharer: holds on in the sharer's address space. */
static int shared_mm_child(void *arg)
{
	hold();
	return 0;
}

/* Fault in memory, share the mm with a held child, wait to be killed. */
static int sharer_fn(const char *cgroup, void *arg)
{
	static char stack[64 << 10];
	pid_t *child = arg;

	if (write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	if (!fault_in(VICTIM_SIZE))
		return 1;
	*child = clone(shared_mm_child, stack + sizeof(stack),
		       CLONE_VM | SIGCHLD, NULL);
	if (*child < 0)
		return 1;
	shared->ready = 1;
	for (;;)
		pause();
	return 0;
}

/*
 * Wait until the victim faulted its memory in and sleeps: held (@stuck) or
 * in pause().
 */
static int wait_victim(pid_t pid, bool stuck)
{
	int i;

	for (i = 0; i < 300; i++) {
		if (READ_ONCE(shared->ready) &&
		    (stuck ? is_stuck(pid) : proc_state(pid) == 'S'))
			return 0;
		usleep(100000);
	}
	ksft_print_msg("the victim did not get ready (state %c)\n",
		       proc_state(pid) ?: '-');
	return -1;
}

/* Poll the victim's anonymous memory until reaped, up to @timeout_ms. */
static long wait_reaped(pid_t pid, long timeout_ms)
{
	struct timespec t0;
	long rss;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		rss = proc_rss_anon_kb(pid);
		if (rss >= 0 && rss < REAPED_KB)
			return ms_since(&t0);
		usleep(5000);
	} while (ms_since(&t0) < timeout_ms);
	return -1;
}

/* A group of LIMIT without swap; on v1 with the OOM killer disabled. */
static char *create_oom_group(const char *root, const char *name,
			      bool oom_kill_disable)
{
	char *cgroup = cg_name(root, name);

	if (!cgroup || cg_create(cgroup))
		goto fail;
	if (v2) {
		if (cg_write(cgroup, "memory.max", LIMIT) ||
		    cg_write(cgroup, "memory.swap.max", "0"))
			goto fail;
	} else {
		if (cg_write(cgroup, "memory.limit_in_bytes", LIMIT) ||
		    cg_write(cgroup, "memory.memsw.limit_in_bytes", LIMIT))
			goto fail;
		if (oom_kill_disable &&
		    cg_write(cgroup, "memory.oom_control", "1"))
			goto fail;
	}
	return cgroup;
fail:
	ksft_print_msg("cannot set up %s\n", name);
	free(cgroup);
	return NULL;
}

static void destroy_group(char *cgroup)
{
	int i;

	if (!cgroup)
		return;
	release_all();
	for (i = 0; i < 100 && cg_read_lc(cgroup, "cgroup.procs") > 0; i++) {
		cg_killall(cgroup);
		usleep(100000);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	cg_destroy(cgroup);
	free(cgroup);
}

/*
 * Put the group under OOM, as a handler would see it: on v1 a hog blocks
 * at the limit with the OOM killer disabled (under_oom 1); on v2 the
 * kernel OOM-kills the hog (the victims are protected) and memory.events
 * reports the OOM.
 */
static pid_t start_oom(const char *cgroup)
{
	pid_t hog = cg_fork_in(cgroup, hog_fn, NULL);
	int i;

	for (i = 0; hog > 0 && i < 300; i++) {
		if (v2 ? cg_read_key_long(cgroup, "memory.events", "oom ") > 0 :
			 !cg_read_strstr(cgroup, "memory.oom_control",
					 "under_oom 1"))
			return hog;
		usleep(100000);
	}
	ksft_print_msg("the group did not go OOM\n");
	return -1;
}

/*
 * The kernel OOM killer picks the biggest task, a victim held in
 * uninterruptible sleep: the OOM reaper frees its memory although it
 * cannot exit, the other task proceeds, and the reap is counted in
 * /proc/vmstat and in the cgroup's events.
 */
static int test_oom_reaper_kernel_victim(const char *root)
{
	long reaps = read_vmstat("oom_reap"), pages = read_vmstat("oom_reap_pages");
	int ret = KSFT_FAIL;
	pid_t victim, hog;
	char *cgroup;

	cgroup = create_oom_group(root, "oom_reaper_kernel", false);
	if (!cgroup || shared_init())
		goto out;
	victim = cg_fork_in(cgroup, victim_fn, NULL);
	if (victim < 0 || wait_victim(victim, true))
		goto out;
	hog = cg_fork_in(cgroup, hog_fn, NULL);
	if (hog < 0 || cg_wait_exit(hog, 60)) {
		ksft_print_msg("the other task did not complete\n");
		goto out;
	}
	ksft_print_msg("victim: state %c, RssAnon %ld KiB\n",
		       proc_state(victim), proc_rss_anon_kb(victim));
	ksft_print_msg("vmstat oom_reap +%ld, oom_reap_pages +%ld; cgroup oom_reap %ld\n",
		       read_vmstat("oom_reap") - reaps,
		       read_vmstat("oom_reap_pages") - pages, memcg_reaps(cgroup));
	if (!is_stuck(victim) || proc_rss_anon_kb(victim) >= REAPED_KB)
		goto out;
	if (reaps < 0 || read_vmstat("oom_reap") - reaps < 1 ||
	    read_vmstat("oom_reap_pages") - pages < VICTIM_SIZE / PAGE_SIZE * 9 / 10 ||
	    memcg_reaps(cgroup) < 1)
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * A handler kills a victim held in uninterruptible sleep while its group
 * is under OOM, without process_mrelease(): the OOM reaper frees its
 * memory at once, although it cannot exit.
 */
static int test_oom_reaper_handler_kill(const char *root)
{
	int ret = KSFT_FAIL;
	pid_t victim, hog;
	char *cgroup;
	long ms;

	cgroup = create_oom_group(root, "oom_reaper_handler", true);
	if (!cgroup || shared_init())
		goto out;
	victim = cg_fork_in(cgroup, victim_fn, (void *)1);
	if (victim < 0 || wait_victim(victim, true))
		goto out;
	hog = start_oom(cgroup);
	if (hog < 0)
		goto out;

	kill(victim, SIGKILL);
	ms = wait_reaped(victim, 10000);
	ksft_print_msg("handler kill to memory freed: %ld ms (victim state %c)\n",
		       ms, proc_state(victim));
	if (ms < 0 || !is_stuck(victim)) {
		ksft_print_msg("not reaped while the victim was stuck\n");
		goto out;
	}
	if (!v2 && cg_wait_exit(hog, 60)) {
		ksft_print_msg("the blocked task did not complete\n");
		goto out;
	}
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * A killed task whose address space a live process shares is not reaped:
 * the live process still needs the memory.
 */
static int test_oom_reaper_shared_mm(const char *root)
{
	long reaps = read_vmstat("oom_reap");
	int ret = KSFT_FAIL;
	pid_t sharer, hog;
	pid_t *child;
	char *cgroup;

	cgroup = create_oom_group(root, "oom_reaper_shared", true);
	child = mmap(NULL, sizeof(*child), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!cgroup || child == MAP_FAILED || shared_init())
		goto out;
	sharer = cg_fork_in(cgroup, sharer_fn, child);
	if (sharer < 0 || wait_victim(sharer, false) ||
	    wait_victim(*child, true))
		goto out;
	hog = start_oom(cgroup);
	if (hog < 0)
		goto out;

	kill(*child, SIGKILL);
	sleep(2);
	ksft_print_msg("sharer RssAnon %ld KiB after its CLONE_VM child was killed\n",
		       proc_rss_anon_kb(sharer));
	if (proc_rss_anon_kb(sharer) < VICTIM_SIZE / 1024 * 9 / 10 ||
	    reaps < 0 || read_vmstat("oom_reap") != reaps)
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * A handler kills a victim that can exit: it exits, its memory is freed
 * once, and at most one reap is counted for it.
 */
static int test_oom_reaper_normal_exit(const char *root)
{
	long reaps = read_vmstat("oom_reap"), events;
	int ret = KSFT_FAIL;
	pid_t victim, hog;
	char *cgroup;

	cgroup = create_oom_group(root, "oom_reaper_exit", true);
	if (!cgroup || shared_init())
		goto out;
	victim = cg_fork_in(cgroup, pausing_victim_fn, NULL);
	if (victim < 0 || wait_victim(victim, false))
		goto out;
	hog = start_oom(cgroup);
	if (hog < 0)
		goto out;
	events = memcg_reaps(cgroup);

	kill(victim, SIGKILL);
	if (cg_wait_exit(victim, 30) != -1) {
		ksft_print_msg("the victim did not die\n");
		goto out;
	}
	if (!v2 && cg_wait_exit(hog, 60)) {
		ksft_print_msg("the blocked task did not complete\n");
		goto out;
	}
	ksft_print_msg("vmstat oom_reap +%ld, cgroup oom_reap +%ld\n",
		       read_vmstat("oom_reap") - reaps, memcg_reaps(cgroup) - events);
	if (reaps < 0 || events < 0 || read_vmstat("oom_reap") - reaps > 1 ||
	    memcg_reaps(cgroup) - events > 1)
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * A kill outside any OOM is none of the reaper's business: a held victim
 * killed in a group that never went OOM keeps its memory until it exits.
 */
static int test_oom_reaper_no_oom(const char *root)
{
	long reaps = read_vmstat("oom_reap");
	int ret = KSFT_FAIL;
	char *cgroup;
	pid_t victim;

	cgroup = create_oom_group(root, "oom_reaper_no_oom", false);
	if (!cgroup || shared_init())
		goto out;
	victim = cg_fork_in(cgroup, victim_fn, NULL);
	if (victim < 0 || wait_victim(victim, true))
		goto out;
	kill(victim, SIGKILL);
	sleep(2);
	ksft_print_msg("victim RssAnon %ld KiB two seconds after the kill\n",
		       proc_rss_anon_kb(victim));
	if (proc_rss_anon_kb(victim) < VICTIM_SIZE / 1024 * 9 / 10 ||
	    reaps < 0 || read_vmstat("oom_reap") != reaps)
		goto out;
	release_all();
	if (cg_wait_exit(victim, 30) != -1)
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

static const struct cg_test tests[] = {
	CG_TEST(test_oom_reaper_kernel_victim),
	CG_TEST(test_oom_reaper_handler_kill),
	CG_TEST(test_oom_reaper_shared_mm),
	CG_TEST(test_oom_reaper_normal_exit),
	CG_TEST(test_oom_reaper_no_oom),
};

int main(int argc, char **argv)
{
	char root[PATH_MAX];
	int ret;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		ksft_exit_fail_msg("PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
	if (cg_find_memcg_root(root, sizeof(root), &v2))
		ksft_exit_skip("no memory controller mounted\n");
	if (v2 && cg_write(root, "cgroup.subtree_control", "+memory"))
		ksft_exit_fail_msg("cannot enable the memory controller\n");
	if (access(HOLD, W_OK))
		ksft_print_msg("%s: %s: every test fails without CONFIG_TEST_OOM_REAPER\n",
			       HOLD, strerror(errno));

	ret = cg_run_tests(tests, ARRAY_SIZE(tests), root);
	release_all();

	return ret;
}
