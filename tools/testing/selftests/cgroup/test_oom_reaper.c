// SPDX-License-Identifier: GPL-2.0
/*
 * The OOM reaper for the victims that userspace OOM handlers kill, on
 * whichever memory controller interface is mounted. Victims are held in
 * uninterruptible sleep by lib/test_oom_reaper.ko (CONFIG_TEST_OOM_REAPER,
 * loaded here if it is not yet), so that only the reaper can free their
 * memory before they exit:
 *
 *  - the kernel OOM killer's victim is reaped, and that is counted in
 *    /proc/vmstat and in the cgroup's events;
 *  - a SIGKILL from a registered OOM handler of the victim's cgroup, while
 *    the cgroup is under OOM, is reaped at once; a robust pthread mutex
 *    the victim holds is still handed on (EOWNERDEAD) when it exits;
 *  - a SIGKILL from any other process during the OOM reaps nothing early
 *    (and the mutex is handed on too), nor does a kill outside any OOM;
 *  - memory shared with a live process is left alone, and a victim that
 *    can exit is counted at most once;
 *  - a handler's cgroup.kill (v2; v1: a kill(2) loop) reaps each of
 *    hundreds of tasks;
 *  - handler kills the reaper cannot reap yet (their mmap_lock is held) do
 *    not hold up the kernel OOM killer's victims elsewhere.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

#define TEST_DIR	"/sys/kernel/debug/oom_reaper_test"
#define HOLD		TEST_DIR "/hold"
#define HOLD_MMAP	TEST_DIR "/hold_mmap"
#define RELEASE		TEST_DIR "/release"
#define HELD		TEST_DIR "/held"
#define MODULE_NAME	"test_oom_reaper"

/* The group's limit, what the victim and the hog each fault in. */
#define LIMIT		"64M"
#define VICTIM_SIZE	MB(40)
#define HOG_SIZE	MB(40)
/* A victim reaped has less than this left. */
#define REAPED_KB	4096

/* cgroup.kill: how many tasks, what each faults in. */
#define NR_TASKS	500
#define TASK_SIZE	(256 << 10)

/* Handler kills the reaper cannot reap: how many, what each faults in. */
#define NR_LOCKED	4
#define LOCKED_SIZE	MB(8)
/* What the held-back hog faults in before it waits for the test's go. */
#define HOG_PRIMED	MB(16)
/* The kernel OOM killer's victims wait this long before being reaped. */
#define OOM_REAPER_DELAY_MS	2000

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static bool v2;

struct shared {
	int ready;		/* victims that faulted their memory in */
	int primed;		/* the held-back hog faulted in its first part */
	int go;			/* ... and may fault in the rest */
	int locked;		/* the robust victim's thread: 1 holds, -1 failed */
	pid_t tid;		/* ... that thread */
	int waiting;		/* the waiter is about to block on the mutex */
	int lock_err;		/* what pthread_mutex_timedlock() gave it, or -1 */
	pthread_mutex_t mutex;	/* process-shared and robust */
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

/* The shared mutex, process-shared and robust, for the robust tests. */
static int robust_init(void)
{
	pthread_mutexattr_t attr;
	int err;

	if (shared_init())
		return -1;
	err = pthread_mutexattr_init(&attr);
	if (!err)
		err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (!err)
		err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (!err)
		err = pthread_mutex_init(&shared->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	if (err)
		ksft_print_msg("cannot set up a robust mutex: %s\n", strerror(err));
	return err ? -1 : 0;
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

/* The cgroup's count of kernel OOM kills, or -1. */
static long memcg_oom_kills(const char *cgroup)
{
	return cg_read_key_long(cgroup, v2 ? "memory.events" :
				"memory.oom_control", "oom_kill ");
}

/* How many tasks the test module holds, or -1. */
static long read_held(void)
{
	char buf[32];

	if (read_text(HELD, buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

/* The state letter in a /proc stat file (R, S, D, Z...), or 0. */
static char stat_state(const char *path)
{
	char buf[512], *p;
	int fd;
	ssize_t len;

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

/* The state letter of a task, or 0 if it is gone. */
static char proc_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return stat_state(path);
}

/* The state letter of thread @tid of process @pid, or 0 if it is gone. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	return stat_state(path);
}

/* Held tasks sleep in TASK_IDLE, which /proc shows as I, not D. */
static bool state_stuck(char state)
{
	return state == 'D' || state == 'I';
}

static bool is_stuck(pid_t pid)
{
	return state_stuck(proc_state(pid));
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

/*
 * Enter uninterruptible sleep through a file of the test module until the
 * test releases it. The byte written is on the stack, faulted in: the
 * module may hold this task's mmap_lock while it reads it.
 */
static int hold_on(const char *file)
{
	char one = '1';
	int fd = open(file, O_WRONLY);

	if (fd < 0)
		return -1;
	return write(fd, &one, 1) == 1 ? 0 : -1;
}

static int hold(void)
{
	return hold_on(HOLD);
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

/*
 * Register as an OOM handler of @cgroup: v2 "1" written to an open
 * memory.oom.handler, v1 an eventfd on memory.oom_control. Returns the fd
 * to close to unregister, or -1. Children forked while it is open share
 * the registration: fork nothing until it is closed.
 */
static int register_handler(const char *cgroup)
{
	char path[PATH_MAX], buf[64];
	int efd, cfd, fd, err = 0;

	if (v2) {
		snprintf(path, sizeof(path), "%s/memory.oom.handler", cgroup);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 || write(fd, "1", 1) != 1 ||
		    pread(fd, buf, sizeof(buf), 0) <= 0) {
			err = errno;
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		return fd;
	}

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0) {
		err = errno;
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/memory.oom_control", cgroup);
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0) {
		err = errno;
		close(efd);
		goto fail;
	}
	snprintf(buf, sizeof(buf), "%d %d handler", efd, cfd);
	snprintf(path, sizeof(path), "%s/cgroup.event_control", cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	close(cfd);
	if (!err)
		return efd;
	close(efd);
fail:
	ksft_print_msg("cannot register as an OOM handler of %s: %s\n",
		       cgroup, strerror(err));
	return -1;
}

/* The victim: fault in its memory, say so, then wait unkillably. */
static int victim_fn(const char *cgroup, void *arg)
{
	(void)cgroup;
	if (arg && write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	if (!fault_in(VICTIM_SIZE))
		return 1;
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_RELAXED);
	return hold() ? 1 : 0;
}

/* Like the victim, but waits killably: it exits when killed. */
static int pausing_victim_fn(const char *cgroup, void *arg)
{
	(void)cgroup;
	(void)arg;
	if (write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	if (!fault_in(VICTIM_SIZE))
		return 1;
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_RELAXED);
	for (;;)
		pause();
	return 0;
}

/*
 * A victim of LOCKED_SIZE that sleeps holding its own mmap_lock for write,
 * or with @arg, that just sleeps like the victim.
 */
static int mmap_locked_victim_fn(const char *cgroup, void *arg)
{
	(void)cgroup;
	if (write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	if (!fault_in(LOCKED_SIZE))
		return 1;
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_RELAXED);
	return hold_on(arg ? HOLD : HOLD_MMAP) ? 1 : 0;
}

/* The thread of the robust victim: take the mutex, then wait unkillably. */
static void *robust_thread_fn(void *arg)
{
	(void)arg;
	WRITE_ONCE(shared->tid, gettid());
	if (pthread_mutex_lock(&shared->mutex)) {
		WRITE_ONCE(shared->locked, -1);
		return NULL;
	}
	WRITE_ONCE(shared->locked, 1);
	hold();
	return NULL;
}

/*
 * The robust victim: fault in its memory, have a thread of its own take
 * the robust mutex and wait unkillably, then wait unkillably too (its
 * main thread, alive, keeps /proc/<pid>/status showing the mm).
 */
static int robust_victim_fn(const char *cgroup, void *arg)
{
	pthread_t thread;

	(void)cgroup;
	(void)arg;
	if (write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	if (!fault_in(VICTIM_SIZE))
		return 1;
	if (pthread_create(&thread, NULL, robust_thread_fn, NULL))
		return 1;
	while (!READ_ONCE(shared->locked))
		usleep(1000);
	if (READ_ONCE(shared->locked) < 0)
		return 1;
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_RELAXED);
	return hold() ? 1 : 0;
}

static int hog_fn(const char *cgroup, void *arg)
{
	(void)cgroup;
	(void)arg;
	return fault_in(HOG_SIZE) ? 0 : 1;
}

/*
 * A hog that faults in HOG_PRIMED, staying within the limit, then waits
 * for the test's go to fault in the rest: the OOM follows the go closely.
 */
static int gated_hog_fn(const char *cgroup, void *arg)
{
	(void)cgroup;
	(void)arg;
	if (!fault_in(HOG_PRIMED))
		return 1;
	WRITE_ONCE(shared->primed, 1);
	while (!READ_ONCE(shared->go))
		usleep(1000);
	return fault_in(HOG_SIZE - HOG_PRIMED) ? 0 : 1;
}

/* CLONE_VM child of the sharer: holds on in the sharer's address space. */
static int shared_mm_child(void *arg)
{
	(void)arg;
	hold();
	return 0;
}

/* Fault in memory, share the mm with a held child, wait to be killed. */
static int sharer_fn(const char *cgroup, void *arg)
{
	static char stack[64 << 10];
	pid_t *child = arg;

	(void)cgroup;
	if (write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	if (!fault_in(VICTIM_SIZE))
		return 1;
	*child = clone(shared_mm_child, stack + sizeof(stack),
		       CLONE_VM | SIGCHLD, NULL);
	if (*child < 0)
		return 1;
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_RELAXED);
	for (;;)
		pause();
	return 0;
}

/*
 * Fork NR_TASKS tasks into the spawner's own cgroup (cheaper than moving
 * each one in), each faulting in TASK_SIZE and then held; their pids go in
 * @arg. The spawner exits: the test, a subreaper, inherits them.
 */
static int spawner_fn(const char *cgroup, void *arg)
{
	pid_t *pids = arg, pid;
	int i;

	(void)cgroup;
	if (write_text("/proc/self/oom_score_adj", "-1000", 5) != 5)
		return 1;
	for (i = 0; i < NR_TASKS; i++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid)
			_exit(fault_in(TASK_SIZE) && !hold() ? 0 : 1);
		pids[i] = pid;
	}
	return 0;
}

/*
 * Wait until the victim faulted its memory in and sleeps: held (@stuck) or
 * in pause().
 */
static int wait_victim(pid_t pid, bool stuck)
{
	char state;
	int i;

	for (i = 0; i < 300; i++) {
		state = proc_state(pid);
		if (READ_ONCE(shared->ready) &&
		    (stuck ? state_stuck(state) : state == 'S'))
			return 0;
		if (state == 'Z')
			break;
		usleep(100000);
	}
	ksft_print_msg("the victim did not get ready (state %c)\n",
		       proc_state(pid) ?: '-');
	return -1;
}

/* Wait until @n victims faulted their memory in and are all held. */
static int wait_victims(const pid_t *pids, int n)
{
	int i, j;

	for (i = 0; i < 300; i++) {
		for (j = 0; j < n && is_stuck(pids[j]); j++)
			;
		if (j == n && READ_ONCE(shared->ready) >= n)
			return 0;
		usleep(100000);
	}
	ksft_print_msg("%d of %d victims got ready\n", READ_ONCE(shared->ready), n);
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

/*
 * A group of @limit without swap; on v1 with the OOM killer disabled if
 * @oom_kill_disable.
 */
static char *create_oom_group(const char *root, const char *name,
			      char *limit, bool oom_kill_disable)
{
	char *cgroup = cg_name(root, name);

	if (!cgroup || cg_create(cgroup))
		goto fail;
	if (v2) {
		if (cg_write(cgroup, "memory.max", limit) ||
		    cg_write(cgroup, "memory.swap.max", "0"))
			goto fail;
	} else {
		if (cg_write(cgroup, "memory.limit_in_bytes", limit) ||
		    cg_write(cgroup, "memory.memsw.limit_in_bytes", limit))
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

/* Lower the limit of a group create_oom_group() made to @bytes. */
static int lower_limit(const char *cgroup, long bytes)
{
	if (v2)
		return cg_write_numeric(cgroup, "memory.max", bytes);
	/* memsw may not go below the memory limit: that goes first. */
	if (cg_write_numeric(cgroup, "memory.limit_in_bytes", bytes) ||
	    cg_write_numeric(cgroup, "memory.memsw.limit_in_bytes", bytes))
		return -1;
	return 0;
}

static void destroy_group(char *cgroup)
{
	int i;

	if (!cgroup)
		return;
	release_all();
	for (i = 0; i < 100 && cg_read_lc(cgroup, "cgroup.procs") > 0; i++) {
		cg_killall(cgroup);
		/* Again, for any task that got held after the first. */
		release_all();
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
 * A robust victim in a new group of LIMIT, both its threads held, the
 * group then under OOM. Returns the victim, or -1.
 */
static pid_t start_robust_victim(const char *root, const char *name,
				 char **cgroup)
{
	pid_t victim;
	int i;

	*cgroup = create_oom_group(root, name, LIMIT, true);
	if (!*cgroup || robust_init())
		return -1;
	victim = cg_fork_in(*cgroup, robust_victim_fn, NULL);
	if (victim < 0 || wait_victim(victim, true))
		return -1;
	for (i = 0; !state_stuck(thread_state(victim, shared->tid)); i++) {
		if (i == 100) {
			ksft_print_msg("the mutex holder did not get held\n");
			return -1;
		}
		usleep(100000);
	}
	return start_oom(*cgroup) < 0 ? -1 : victim;
}

/* Wait for the robust mutex, up to 5 s; tell the test what came of it. */
static int waiter_fn(void)
{
	struct timespec deadline;
	int err;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	WRITE_ONCE(shared->waiting, 1);
	err = pthread_mutex_timedlock(&shared->mutex, &deadline);
	if (err == EOWNERDEAD)
		pthread_mutex_consistent(&shared->mutex);
	if (err == EOWNERDEAD || !err)
		pthread_mutex_unlock(&shared->mutex);
	WRITE_ONCE(shared->lock_err, err);
	return 0;
}

/*
 * Release the killed robust victim while a waiter outside its group is
 * blocked on the mutex: the victim's exit must hand the mutex on, the
 * waiter getting EOWNERDEAD. Returns 0 if it did.
 */
static int robust_handoff(pid_t victim)
{
	pid_t waiter;
	int i, err;

	shared->lock_err = -1;
	waiter = fork();
	if (waiter < 0)
		return -1;
	if (!waiter)
		_exit(waiter_fn());
	for (i = 0; i < 200; i++) {
		if (READ_ONCE(shared->waiting) && proc_state(waiter) == 'S')
			break;
		usleep(10000);
	}
	/* Blocked in the futex (unless slow): release the victim now. */
	release_all();
	if (cg_wait_exit(waiter, 30)) {
		ksft_print_msg("the waiter did not complete\n");
		return -1;
	}
	err = READ_ONCE(shared->lock_err);
	ksft_print_msg("waiter: pthread_mutex_timedlock() %s\n",
		       err < 0 ? "did not return" : err ? strerror(err) :
		       "took the mutex as if it was never held");
	if (cg_wait_exit(victim, 30) != -1)
		ksft_print_msg("the victim did not die\n");
	return err == EOWNERDEAD ? 0 : -1;
}

/*
 * Kill a held victim as its handler: its memory must be freed while it is
 * still stuck. Returns the time from the kill to the memory freed in ms,
 * or -1.
 */
static long handler_kill_reaped(pid_t victim)
{
	long ms;

	kill(victim, SIGKILL);
	ms = wait_reaped(victim, 10000);
	ksft_print_msg("handler kill to memory freed: %ld ms (victim state %c)\n",
		       ms, proc_state(victim));
	if (ms >= 0 && is_stuck(victim))
		return ms;
	ksft_print_msg("not reaped while the victim was stuck\n");
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

	cgroup = create_oom_group(root, "oom_reaper_kernel", LIMIT, false);
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
 * A registered handler kills a victim held in uninterruptible sleep while
 * its group is under OOM, without process_mrelease(): the OOM reaper
 * frees its memory at once, although it cannot exit.
 */
static int test_oom_reaper_handler_kill(const char *root)
{
	int ret = KSFT_FAIL, handler = -1;
	pid_t victim, hog;
	char *cgroup;

	cgroup = create_oom_group(root, "oom_reaper_handler", LIMIT, true);
	if (!cgroup || shared_init())
		goto out;
	victim = cg_fork_in(cgroup, victim_fn, (void *)1);
	if (victim < 0 || wait_victim(victim, true))
		goto out;
	hog = start_oom(cgroup);
	if (hog < 0)
		goto out;
	handler = register_handler(cgroup);
	if (handler < 0)
		goto out;

	if (handler_kill_reaped(victim) < 0)
		goto out;
	if (!v2 && cg_wait_exit(hog, 60)) {
		ksft_print_msg("the blocked task did not complete\n");
		goto out;
	}
	ret = KSFT_PASS;
out:
	if (handler >= 0)
		close(handler);
	destroy_group(cgroup);
	return ret;
}

/*
 * A registered handler kills, during an OOM, a victim whose thread holds
 * a process-shared robust mutex and is held in uninterruptible sleep: the
 * victim is reaped at once, but the pages of its robust futex list are
 * kept, so when it is released and exits, a waiter blocked on the mutex
 * gets it with EOWNERDEAD instead of timing out.
 */
static int test_oom_reaper_robust_handler(const char *root)
{
	int ret = KSFT_FAIL, handler = -1;
	long ms, before, pages = read_vmstat("oom_reap_pages");
	char *cgroup = NULL;
	pid_t victim;

	victim = start_robust_victim(root, "oom_reaper_robust", &cgroup);
	if (victim < 0)
		goto out;
	handler = register_handler(cgroup);
	if (handler < 0)
		goto out;

	before = proc_rss_anon_kb(victim);
	ms = handler_kill_reaped(victim);
	/* The waiter, forked next, must not share the registration. */
	close(handler);
	handler = -1;
	if (ms < 0)
		goto out;
	/* What was kept for the robust lists, what was freed. */
	usleep(100000);
	ksft_print_msg("RssAnon %ld KiB before the kill, %ld KiB kept; oom_reap_pages +%ld\n",
		       before, proc_rss_anon_kb(victim),
		       read_vmstat("oom_reap_pages") - pages);
	if (robust_handoff(victim))
		goto out;
	ret = KSFT_PASS;
out:
	if (handler >= 0)
		close(handler);
	destroy_group(cgroup);
	return ret;
}

/*
 * Only a registered handler's kill is reaped early: the same robust victim
 * killed during the OOM by a process that never registered keeps its
 * memory until it exits, nothing is reaped, and the mutex is handed on.
 */
static int test_oom_reaper_robust_nonhandler(const char *root)
{
	int ret = KSFT_FAIL;
	char *cgroup = NULL;
	long reaps, rss;
	pid_t victim;

	victim = start_robust_victim(root, "oom_reaper_robust_nh", &cgroup);
	if (victim < 0)
		goto out;
	reaps = read_vmstat("oom_reap");

	kill(victim, SIGKILL);
	sleep(2);
	rss = proc_rss_anon_kb(victim);
	ksft_print_msg("victim RssAnon %ld KiB 2 s after the kill, vmstat oom_reap +%ld\n",
		       rss, read_vmstat("oom_reap") - reaps);
	if (rss < VICTIM_SIZE / 1024 * 9 / 10 || reaps < 0 ||
	    read_vmstat("oom_reap") != reaps || !is_stuck(victim))
		goto out;
	if (robust_handoff(victim))
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * A killed task whose address space a live process shares is not reaped,
 * even when a registered handler killed it during an OOM: the live
 * process still needs the memory.
 */
static int test_oom_reaper_shared_mm(const char *root)
{
	long reaps = read_vmstat("oom_reap");
	int ret = KSFT_FAIL, handler = -1;
	pid_t sharer, hog;
	pid_t *child;
	char *cgroup;

	cgroup = create_oom_group(root, "oom_reaper_shared", LIMIT, true);
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
	handler = register_handler(cgroup);
	if (handler < 0)
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
	if (handler >= 0)
		close(handler);
	destroy_group(cgroup);
	return ret;
}

/*
 * A registered handler kills a victim that can exit: it exits, its memory
 * is freed once, and at most one reap is counted for it.
 */
static int test_oom_reaper_normal_exit(const char *root)
{
	long reaps = read_vmstat("oom_reap"), events;
	int ret = KSFT_FAIL, handler = -1;
	pid_t victim, hog;
	char *cgroup;

	cgroup = create_oom_group(root, "oom_reaper_exit", LIMIT, true);
	if (!cgroup || shared_init())
		goto out;
	victim = cg_fork_in(cgroup, pausing_victim_fn, NULL);
	if (victim < 0 || wait_victim(victim, false))
		goto out;
	hog = start_oom(cgroup);
	if (hog < 0)
		goto out;
	events = memcg_reaps(cgroup);
	handler = register_handler(cgroup);
	if (handler < 0)
		goto out;

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
	if (handler >= 0)
		close(handler);
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

	cgroup = create_oom_group(root, "oom_reaper_no_oom", LIMIT, false);
	if (!cgroup || shared_init())
		goto out;
	victim = cg_fork_in(cgroup, victim_fn, NULL);
	if (victim < 0 || wait_victim(victim, true))
		goto out;
	kill(victim, SIGKILL);
	sleep(2);
	ksft_print_msg("victim RssAnon %ld KiB, vmstat oom_reap +%ld two seconds after the kill\n",
		       proc_rss_anon_kb(victim), read_vmstat("oom_reap") - reaps);
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

/*
 * How many of the NR_TASKS tasks in @pids still have TASK_SIZE / 4 or more
 * of anonymous memory, or are gone; if @verbose, print the first one.
 */
static int count_unreaped(const pid_t *pids, bool verbose)
{
	int i, left = 0;
	long rss;

	for (i = 0; i < NR_TASKS; i++) {
		rss = proc_rss_anon_kb(pids[i]);
		if (rss >= 0 && rss < TASK_SIZE / 4 / 1024)
			continue;
		if (!left++ && verbose)
			ksft_print_msg("task %d: RssAnon %ld KiB, state %c\n",
				       pids[i], rss, proc_state(pids[i]) ?: '-');
	}
	return left;
}

/*
 * A registered handler kills all NR_TASKS held tasks of its group during
 * an OOM at once: every one is reaped, with no cap on how many kills the
 * reaper takes, and each is counted, none as a failure. On v2 through
 * cgroup.kill; v1 has none, so there the handler kill(2)s each task in
 * turn.
 */
static int test_oom_reaper_cgroup_kill(const char *root)
{
	long reaps, fails, events, held, usage;
	int ret = KSFT_FAIL, handler = -1, i, left;
	struct timespec t0;
	char *cgroup;
	pid_t *pids;
	long ms = -1;

	pids = mmap(NULL, NR_TASKS * sizeof(*pids), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* Room for the tasks until the limit is lowered below. */
	cgroup = create_oom_group(root, "oom_reaper_cgroup_kill", "1G", true);
	if (!cgroup || pids == MAP_FAILED || shared_init())
		goto out;
	memset(pids, 0, NR_TASKS * sizeof(*pids));
	held = read_held();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (held < 0 || cg_wait_exit(cg_fork_in(cgroup, spawner_fn, pids), 60)) {
		ksft_print_msg("cannot start %d tasks\n", NR_TASKS);
		goto out;
	}
	while (read_held() - held < NR_TASKS && ms_since(&t0) < 45000)
		usleep(100000);
	ksft_print_msg("%ld of %d tasks held after %ld ms\n",
		       read_held() - held, NR_TASKS, ms_since(&t0));
	if (read_held() - held < NR_TASKS)
		goto out;

	/* A limit the tasks fit in, and the hog does not. */
	usage = cg_read_long(cgroup, v2 ? "memory.current" : "memory.usage_in_bytes");
	if (usage <= 0 || lower_limit(cgroup, usage + MB(16)) ||
	    start_oom(cgroup) < 0)
		goto out;
	handler = register_handler(cgroup);
	if (handler < 0)
		goto out;
	reaps = read_vmstat("oom_reap");
	fails = read_vmstat("oom_reap_fail");
	events = memcg_reaps(cgroup);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (v2) {
		if (cg_write(cgroup, "cgroup.kill", "1")) {
			ksft_print_msg("cannot write cgroup.kill\n");
			goto out;
		}
	} else {
		for (i = 0; i < NR_TASKS; i++)
			kill(pids[i], SIGKILL);
	}
	do {
		usleep(20000);
		if (read_vmstat("oom_reap") - reaps >= NR_TASKS &&
		    !count_unreaped(pids, false)) {
			ms = ms_since(&t0);
			break;
		}
	} while (ms_since(&t0) < 30000);
	ksft_print_msg("%s of %d tasks to all reaped: %ld ms\n",
		       v2 ? "cgroup.kill" : "kill(2)", NR_TASKS, ms);
	ksft_print_msg("vmstat oom_reap +%ld, oom_reap_fail +%ld; cgroup oom_reap +%ld\n",
		       read_vmstat("oom_reap") - reaps,
		       read_vmstat("oom_reap_fail") - fails,
		       memcg_reaps(cgroup) - events);
	left = count_unreaped(pids, true);
	if (left)
		ksft_print_msg("%d of %d tasks not reaped\n", left, NR_TASKS);
	if (ms < 0 || left || reaps < 0 || fails < 0 || events < 0 ||
	    read_vmstat("oom_reap_fail") != fails ||
	    memcg_reaps(cgroup) - events < NR_TASKS)
		goto out;
	ret = KSFT_PASS;
out:
	if (handler >= 0)
		close(handler);
	/* Killed first, none can get held after the release. */
	for (i = 0; pids != MAP_FAILED && i < NR_TASKS; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	release_all();
	/* The tasks are the test's children now: wait for them. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; pids != MAP_FAILED && i < NR_TASKS && ms_since(&t0) < 30000; i++)
		if (pids[i] > 0)
			cg_wait_exit(pids[i], 10);
	destroy_group(cgroup);
	if (pids != MAP_FAILED)
		munmap(pids, NR_TASKS * sizeof(*pids));
	return ret;
}

/*
 * Handler kills the reaper cannot reap yet hold up nothing: while NR_LOCKED
 * victims a handler killed in one group sleep holding their mmap_lock (the
 * reaper retries them), a held victim the handler killed after them is
 * reaped within a second of its kill (synchronous retries made it wait a
 * second for each), and the kernel OOM killer's held victim in another
 * group, without handler, is reaped within 1.5 s of OOM_REAPER_DELAY_MS
 * after its group's hog starts; the hog has faulted in HOG_PRIMED
 * beforehand, so that the OOM comes at once.
 */
static int test_oom_reaper_kernel_victim_not_delayed(const char *root)
{
	int ret = KSFT_FAIL, handler = -1, i;
	long kill_ms = -1, reap_ms = -1, rss;
	char *busy = NULL, *other = NULL;
	pid_t locked[NR_LOCKED + 1], victim;
	long next_ms = -1;
	struct timespec t0;

	busy = create_oom_group(root, "oom_reaper_busy", LIMIT, true);
	other = create_oom_group(root, "oom_reaper_other", LIMIT, false);
	if (!busy || !other || shared_init())
		goto out;
	victim = cg_fork_in(other, victim_fn, NULL);
	if (victim < 0 || wait_victim(victim, true) ||
	    cg_fork_in(other, gated_hog_fn, NULL) < 0)
		goto out;
	for (i = 0; i < 300 && !READ_ONCE(shared->primed); i++)
		usleep(100000);
	if (!READ_ONCE(shared->primed)) {
		ksft_print_msg("the hog did not get ready\n");
		goto out;
	}
	shared->ready = 0;
	/* The last one is held without its mmap_lock: it can be reaped. */
	for (i = 0; i <= NR_LOCKED; i++) {
		locked[i] = cg_fork_in(busy, mmap_locked_victim_fn,
				       i == NR_LOCKED ? (void *)1 : NULL);
		if (locked[i] < 0)
			goto out;
	}
	if (wait_victims(locked, NR_LOCKED + 1) || start_oom(busy) < 0)
		goto out;
	handler = register_handler(busy);
	if (handler < 0)
		goto out;

	for (i = 0; i <= NR_LOCKED; i++)
		kill(locked[i], SIGKILL);
	next_ms = wait_reaped(locked[NR_LOCKED], 10000);
	ksft_print_msg("handler kill to memory freed behind %d unreapable kills: %ld ms\n",
		       NR_LOCKED, next_ms);
	if (next_ms < 0 || next_ms >= 1000)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	WRITE_ONCE(shared->go, 1);
	while (ms_since(&t0) < 15000) {
		if (kill_ms < 0 && memcg_oom_kills(other) > 0)
			kill_ms = ms_since(&t0);
		rss = proc_rss_anon_kb(victim);
		if (rss >= 0 && rss < REAPED_KB) {
			reap_ms = ms_since(&t0);
			break;
		}
		usleep(2000);
	}
	ksft_print_msg("hog start to kernel victim freed: %ld ms (to the kill %ld ms)\n",
		       reap_ms, kill_ms);
	for (i = 0; i < NR_LOCKED; i++)
		ksft_print_msg("mmap-locked victim %d: state %c, RssAnon %ld KiB\n",
			       locked[i], proc_state(locked[i]) ?: '-',
			       proc_rss_anon_kb(locked[i]));
	if (kill_ms < 0 || reap_ms < 0 || reap_ms >= OOM_REAPER_DELAY_MS + 1500)
		goto out;
	ret = KSFT_PASS;
out:
	if (handler >= 0)
		close(handler);
	destroy_group(other);
	destroy_group(busy);
	return ret;
}

static const struct cg_test tests[] = {
	CG_TEST(test_oom_reaper_kernel_victim),
	CG_TEST(test_oom_reaper_handler_kill),
	CG_TEST(test_oom_reaper_robust_handler),
	CG_TEST(test_oom_reaper_robust_nonhandler),
	CG_TEST(test_oom_reaper_shared_mm),
	CG_TEST(test_oom_reaper_normal_exit),
	CG_TEST(test_oom_reaper_no_oom),
	CG_TEST(test_oom_reaper_cgroup_kill),
	CG_TEST(test_oom_reaper_kernel_victim_not_delayed),
};

/* Load lib/test_oom_reaper.ko unless its files are there; true if loaded. */
static bool load_test_module(void)
{
	if (!access(HOLD, F_OK))
		return false;
	return cg_load_test_module(MODULE_NAME) > 0;
}

/*
 * Unload the module this test loaded, once the tasks it held have let go
 * of its files.
 */
static void unload_test_module(void)
{
	release_all();
	cg_unload_test_module(MODULE_NAME);
}

int main(void)
{
	char root[PATH_MAX];
	bool loaded;
	int ret;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		ksft_exit_fail_msg("PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
	if (cg_find_memcg_root(root, sizeof(root), &v2))
		ksft_exit_skip("no memory controller mounted\n");
	if (v2 && cg_write(root, "cgroup.subtree_control", "+memory"))
		ksft_exit_fail_msg("cannot enable the memory controller\n");
	loaded = load_test_module();
	if (access(HOLD, W_OK))
		ksft_print_msg("%s: %s: every test fails without CONFIG_TEST_OOM_REAPER\n",
			       HOLD, strerror(errno));

	ret = cg_run_tests(tests, ARRAY_SIZE(tests), root);
	release_all();
	if (loaded)
		unload_test_module();

	return ret;
}
