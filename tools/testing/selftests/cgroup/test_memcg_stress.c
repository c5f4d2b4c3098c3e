// SPDX-License-Identifier: GPL-2.0
/*
 * Stress and faults for the kmem limit, the OOM reserves and the OOM
 * reaper, on whichever memory controller interface is mounted, each for
 * a bounded time:
 *
 *  - limit and reserve writes, charges from many tasks, task migration
 *    and rmdir, all at once; afterwards no cgroup is left dying and the
 *    parent's kernel memory is back where it started;
 *  - a fork bomb and a dentry bomb at once in sibling cgroups;
 *  - several cgroups out of memory at once, each with its handler;
 *  - a handler killed in the middle of an OOM: the kernel acts;
 *  - a handler that runs out of reserve;
 *  - failslab and fail_page_alloc on the charge paths: no charge leaks.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

#define STRESS_SECONDS	15
#define GRACE		"/proc/sys/vm/oom_handler_grace_ms"
#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)

static bool v2;

static const char *f_limit(void)
{
	return v2 ? "memory.max" : "memory.limit_in_bytes";
}

static const char *f_kmem_limit(void)
{
	return v2 ? "memory.kmem.max" : "memory.kmem.limit_in_bytes";
}

static const char *f_kmem_usage(void)
{
	return v2 ? "memory.kmem.current" : "memory.kmem.usage_in_bytes";
}

static const char *f_reserve(void)
{
	return v2 ? "memory.oom.reserve" : "memory.oom_reserve_in_bytes";
}

static int set_grace(const char *ms)
{
	return write_text(GRACE, (char *)ms, strlen(ms)) ==
		(ssize_t)strlen(ms) ? 0 : -1;
}

/* A tmpfs of the test's own, for the dentries the tests make. */
static char tmpfs[PATH_MAX];

static int tmpfs_mount(void)
{
	if (!getcwd(tmpfs, sizeof(tmpfs) - 8))
		return -1;
	strcat(tmpfs, "/tmpfs");
	mkdir(tmpfs, 0755);
	return mount("tmpfs", tmpfs, "tmpfs", 0, NULL);
}

/* SIGKILL to @pid, never to a process group or to everybody. */
static int kill_pid(pid_t pid)
{
	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(pid, SIGKILL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A cgroup under @parent; with @parent_of, one that will have children,
 * which v2 wants without tasks of its own and with the memory controller
 * enabled for them.
 */
static char *make_group(const char *parent, const char *name, bool parent_of)
{
	char *cgroup = cg_name(parent, name);

	if (!cgroup || cg_create(cgroup)) {
		ksft_print_msg("cannot create %s\n", name);
		free(cgroup);
		return NULL;
	}
	if (v2 && parent_of &&
	    cg_write(cgroup, "cgroup.subtree_control", "+memory")) {
		ksft_print_msg("cannot enable memory in %s\n", name);
		cg_destroy(cgroup);
		free(cgroup);
		return NULL;
	}
	return cgroup;
}

/* Kill everything in @cgroup and remove it, waiting a little. */
static void remove_group(char *cgroup)
{
	int i;

	if (!cgroup)
		return;
	for (i = 0; i < 100 && cg_read_lc(cgroup, "cgroup.procs") > 0; i++) {
		cg_killall(cgroup);
		usleep(100000);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (i = 0; i < 50 && cg_destroy(cgroup); i++)
		usleep(100000);
	free(cgroup);
}

/* Charge memory, kernel memory and tasks in a loop until killed. */
static int charger_fn(const char *cgroup, void *arg)
{
	char dir[PATH_MAX + 32];
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/stress.%d", tmpfs, getpid());
	for (;;) {
		char *buf = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t pid;
		int i;

		if (buf != MAP_FAILED) {
			for (i = 0; i < 4 << 20; i += 4096)
				buf[i] = 1;
			munmap(buf, 4 << 20);
		}
		if (!mkdir(dir, 0755))
			rmdir(dir);
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		n++;
	}
	return 0;
}

/* Parent's kmem, in bytes. */
static long kmem_of(const char *cgroup)
{
	return cg_read_long(cgroup, f_kmem_usage());
}

/*
 * The kmem usage of @cgroup without the charges cached per cpu (up to 64
 * pages a cpu, which the usage includes): writing a limit below the usage
 * gives them back first. @limit is the limit to put back.
 */
static long kmem_drained(const char *cgroup, const char *limit)
{
	cg_write(cgroup, (char *)f_kmem_limit(), "0");
	cg_write(cgroup, (char *)f_kmem_limit(), (char *)limit);
	usleep(100000);	/* remote cpus drain from a work item */
	return kmem_of(cgroup);
}

/* Dying cgroups below @cgroup (v2), or memory cgroups in all (v1). */
static long dying(const char *cgroup)
{
	char buf[4096], *p;

	if (v2)
		return cg_read_key_long(cgroup, "cgroup.stat",
					"nr_dying_descendants ");
	if (read_text("/proc/cgroups", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nmemory\t");
	if (!p)
		return -1;
	/* subsys_name hierarchy num_cgroups enabled */
	return strtol(strchr(strchr(p + 1, '\t') + 1, '\t') + 1, NULL, 10);
}

static void free_caches(void)
{
	sync();
	write_text("/proc/sys/vm/drop_caches", "3", 1);
}

/*
 * Limit and reserve writes, charges from many tasks, migration and rmdir
 * at once, for STRESS_SECONDS; then nothing is left dying and the
 * parent's kernel memory is back where it started.
 */
static int test_memcg_stress_concurrent(const char *root)
{
	static const char * const limits[] = { "16M", "32M", "64M", "max" };
	static const char * const kmem[] = { "4M", "8M", "16M", "max" };
	static const char * const reserves[] = { "0", "1M", "4M", "8M" };
	char *parent, *child[3] = { NULL }, *churn_name = NULL;
	long kmem_before, kmem_after, dying_before, dead = -1;
	int ret = KSFT_FAIL, i, writes = 0, moves = 0, churns = 0;
	pid_t movers[3];
	double t0;

	parent = make_group(root, "memcg_stress", true);
	/* A kmem limit that is never reached: v2 counts kmem from the first. */
	if (!parent || cg_write(parent, (char *)f_kmem_limit(), "4G"))
		goto out;
	free_caches();
	dying_before = dying(v2 ? parent : root);
	kmem_before = kmem_of(parent);
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		child[i] = make_group(parent, name, false);
		if (!child[i])
			goto out;
		movers[i] = cg_fork_in(child[i], charger_fn, NULL);
		cg_fork_in(child[i], charger_fn, NULL);
	}
	churn_name = cg_name(parent, "churn");

	for (t0 = now_s(); now_s() - t0 < STRESS_SECONDS;) {
		int c = rand() % 3;
		char *val;

		/* Limits and reserves, valid and not: any error is fine. */
		val = (char *)limits[rand() % 4];
		if (!cg_write(child[c], (char *)f_limit(), val))
			writes++;
		val = (char *)kmem[rand() % 4];
		if (!cg_write(child[c], (char *)f_kmem_limit(), val))
			writes++;
		val = (char *)reserves[rand() % 4];
		if (!cg_write(child[c], (char *)f_reserve(), val))
			writes++;
		/* Migration. */
		if (!cg_enter(child[rand() % 3], movers[rand() % 3]))
			moves++;
		/* A cgroup created, charged and removed. */
		if (!cg_create(churn_name)) {
			pid_t pid = cg_fork_in(churn_name, charger_fn, NULL);

			usleep(50000);
			if (pid > 0) {
				kill_pid(pid);
				waitpid(pid, NULL, 0);
			}
			if (!cg_destroy(churn_name))
				churns++;
		}
	}
	ksft_print_msg("%d limit writes, %d moves, %d cgroups created and removed\n",
		       writes, moves, churns);
	for (i = 0; i < 3; i++) {
		remove_group(child[i]);
		child[i] = NULL;
	}
	cg_destroy(churn_name);

	/* Everything removed goes, its kernel memory with it. */
	for (i = 0; i < 300; i++) {
		free_caches();
		dead = dying(v2 ? parent : root) - dying_before;
		kmem_after = kmem_of(parent);
		if (dead <= 0 && kmem_after <= kmem_before + (1 << 20))
			break;
		usleep(100000);
	}
	ksft_print_msg("after: %ld cgroups still dying, parent kmem %ld KiB (was %ld KiB)\n",
		       dead, kmem_after / 1024, kmem_before / 1024);
	if (dead <= 0 && kmem_after <= kmem_before + (1 << 20))
		ret = KSFT_PASS;
out:
	for (i = 0; i < 3; i++)
		remove_group(child[i]);
	free(churn_name);
	remove_group(parent);
	return ret;
}

static int fork_bomb_fn(const char *cgroup, void *arg)
{
	for (;;) {
		pid_t pid = fork();

		/*
		 * Each failed fork shrinks the cgroup's slab first: back off,
		 * or the retries of a hundred tasks starve the dentry bomb.
		 */
		if (pid < 0)
			usleep(100000);
	}
	return 0;
}

static int dentry_bomb_fn(const char *cgroup, void *arg)
{
	char dir[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/bomb.%d", tmpfs, getpid());
	if (mkdir(dir, 0755) || chdir(dir))
		return 1;
	for (;;) {
		if (mkdir("x", 0755) || chdir("x"))
			pause();
	}
	return 0;
}

static long kmem_failures(const char *cgroup)
{
	if (v2)
		return cg_read_key_long(cgroup, "memory.kmem.events", "fail ");
	return cg_read_long(cgroup, "memory.kmem.failcnt");
}

/*
 * A fork bomb and a dentry bomb at once, in sibling cgroups with K = 16M
 * and K = 4M (the dentry bomb makes slow progress beside a hundred forking
 * tasks on a debug kernel): both stop at their limits within a minute
 * (times MEMCG_TEST_SLOW), and both cgroups go away afterwards.
 */
static int test_memcg_stress_two_bombs(const char *root)
{
	char *forks = NULL, *dentries = NULL;
	int ret = KSFT_FAIL, i;
	long f = 0, d = 0;

	forks = make_group(root, "memcg_stress_forks", false);
	dentries = make_group(root, "memcg_stress_dentries", false);
	if (!forks || !dentries ||
	    cg_write(forks, (char *)f_limit(), "512M") ||
	    cg_write(forks, (char *)f_kmem_limit(), "16M") ||
	    cg_write(dentries, (char *)f_limit(), "512M") ||
	    cg_write(dentries, (char *)f_kmem_limit(), "4M"))
		goto out;
	cg_fork_in(forks, fork_bomb_fn, NULL);
	cg_fork_in(dentries, dentry_bomb_fn, NULL);
	for (i = 0; i < 60 * cg_slow_factor(); i++) {
		sleep(1);
		f = kmem_failures(forks);
		d = kmem_failures(dentries);
		if (f > 0 && d > 0)
			break;
	}
	ksft_print_msg("fork bomb: %ld kmem failures, %ld tasks, kmem %ld KiB\n",
		       f, cg_read_lc(forks, "cgroup.procs"),
		       kmem_of(forks) / 1024);
	ksft_print_msg("dentry bomb: %ld kmem failures, kmem %ld KiB\n",
		       d, kmem_of(dentries) / 1024);
	if (f > 0 && d > 0 && kmem_of(forks) <= 16 << 20 &&
	    kmem_of(dentries) <= 4 << 20)
		ret = KSFT_PASS;
out:
	remove_group(forks);
	remove_group(dentries);
	umount2(tmpfs, MNT_DETACH);
	tmpfs_mount();
	return ret;
}

/* A test OOM handler: register, wait for the OOM, allocate, kill. */
struct oom_job {
	pid_t hog;
	int registered, woken, done;
	long allocated;
};

static int register_handler(const char *cgroup)
{
	char path[PATH_MAX], buf[64];
	int efd, cfd, fd;

	if (v2) {
		snprintf(path, sizeof(path), "%s/memory.oom.handler", cgroup);
		fd = open(path, O_RDWR);
		if (fd < 0 || write(fd, "1", 1) != 1 ||
		    pread(fd, buf, sizeof(buf), 0) <= 0)
			return -1;
		return fd;
	}
	efd = eventfd(0, 0);
	snprintf(path, sizeof(path), "%s/memory.oom_control", cgroup);
	cfd = open(path, O_RDONLY);
	if (efd < 0 || cfd < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%d %d handler", efd, cfd);
	if (cg_write(cgroup, "cgroup.event_control", buf))
		return -1;
	close(cfd);
	return efd;
}

static int wait_event(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = v2 ? POLLPRI : POLLIN };
	char buf[64];

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -1;
	return read(fd, buf, v2 ? sizeof(buf) : 8) > 0 ? 0 : -1;
}

static int hog_fn(const char *cgroup, void *arg)
{
	size_t size = 128 << 20, off;
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return 1;
	for (off = 0; off < size; off += 4096)
		buf[off] = 1;
	pause();
	return 0;
}

/*
 * Register on @target (NULL: the handler's own cgroup), allocate @size
 * once told of the OOM, then kill the hog if @kill.
 */
struct handler_args {
	struct oom_job *job;
	size_t size;
	bool kill;
	const char *target;
};

static int handler_fn(const char *cgroup, void *arg)
{
	struct handler_args *a = arg;
	size_t off;
	char *buf;
	int fd;

	write_text("/proc/self/oom_score_adj", "-1000", 5);
	fd = register_handler(a->target ? a->target : cgroup);
	if (fd < 0)
		return 1;
	a->job->registered = 1;
	if (wait_event(fd, 60000))
		return 2;
	a->job->woken = 1;
	if (!a->size)
		pause();
	buf = mmap(NULL, a->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 3;
	for (off = 0; off < a->size; off += 4096) {
		buf[off] = 1;
		a->job->allocated = off + 4096;
	}
	if (a->kill && kill_pid(READ_ONCE(a->job->hog)))
		return 4;
	a->job->done = 1;
	pause();
	return 0;
}

static int wait_flag(int *flag, int timeout_s)
{
	int i;

	for (i = 0; i < timeout_s * 100 && !READ_ONCE(*flag); i++)
		usleep(10000);
	return READ_ONCE(*flag) ? 0 : -1;
}

/* A 32M cgroup with reserve @reserve whose OOM killer waits. */
static char *oom_group(const char *root, const char *name, const char *reserve)
{
	char *cgroup = make_group(root, name, false);

	if (!cgroup)
		return NULL;
	if (cg_write(cgroup, (char *)f_limit(), "32M") ||
	    cg_write(cgroup, v2 ? "memory.swap.max" :
		     "memory.memsw.limit_in_bytes", v2 ? "0" : "32M") ||
	    cg_write(cgroup, (char *)f_reserve(), (char *)reserve)) {
		remove_group(cgroup);
		return NULL;
	}
	return cgroup;
}

/*
 * Three cgroups out of memory at once, each with a handler that has a
 * reserve: every handler gets its memory and kills its hog.
 */
static int test_memcg_stress_many_ooms(const char *root)
{
	struct oom_job *jobs;
	struct handler_args args[3];
	char *cg[3] = { NULL };
	int ret = KSFT_FAIL, i, done = 0;

	jobs = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (jobs == MAP_FAILED || set_grace("20000"))
		return KSFT_FAIL;
	memset(jobs, 0, 4096);
	for (i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "memcg_stress_oom%d", i);
		cg[i] = oom_group(root, name, "8M");
		if (!cg[i] || (!v2 && cg_write(cg[i], "memory.oom_control", "1")))
			goto out;
		args[i] = (struct handler_args){ &jobs[i], 4 << 20, true, NULL };
		cg_fork_in(cg[i], handler_fn, &args[i]);
		if (wait_flag(&jobs[i].registered, 10))
			goto out;
	}
	for (i = 0; i < 3; i++)
		jobs[i].hog = cg_fork_in(cg[i], hog_fn, NULL);
	for (i = 0; i < 3; i++)
		done += !wait_flag(&jobs[i].done, 60);
	ksft_print_msg("%d of 3 handlers got their memory and killed their hog\n",
		       done);
	if (done == 3)
		ret = KSFT_PASS;
out:
	for (i = 0; i < 3; i++)
		remove_group(cg[i]);
	set_grace("0");
	munmap(jobs, 4096);
	return ret;
}

/*
 * A handler killed in the middle of an OOM: nobody is left to act, and
 * the kernel OOM killer does once the grace period is over.
 */
static int test_memcg_stress_handler_killed(const char *root)
{
	struct handler_args args;
	struct oom_job *job;
	int ret = KSFT_FAIL, status;
	pid_t handler, hog;
	char *cgroup;

	job = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (job == MAP_FAILED || set_grace("2000"))
		return KSFT_FAIL;
	memset(job, 0, 4096);
	cgroup = oom_group(root, "memcg_stress_handler_killed", "0");
	if (!cgroup)
		goto out;
	/*
	 * A handler that never acts, outside the cgroup so that it needs no
	 * memory from it.
	 */
	args = (struct handler_args){ job, 0, false, cgroup };
	handler = cg_fork_in(root, handler_fn, &args);
	if (wait_flag(&job->registered, 10))
		goto out;
	hog = cg_fork_in(cgroup, hog_fn, NULL);
	if (wait_flag(&job->woken, 30))
		goto out;
	kill_pid(handler);
	waitpid(handler, NULL, 0);
	/* The kernel kills the hog when the grace period ends. */
	if (waitpid(hog, &status, 0) != hog || !WIFSIGNALED(status))
		goto out;
	ksft_print_msg("oom_kill %ld after the handler was killed\n",
		       cg_read_key_long(cgroup, v2 ? "memory.events" :
					"memory.oom_control", "oom_kill "));
	if (cg_read_key_long(cgroup, v2 ? "memory.events" :
			     "memory.oom_control", "oom_kill ") >= 1)
		ret = KSFT_PASS;
out:
	remove_group(cgroup);
	set_grace("0");
	munmap(job, 4096);
	return ret;
}

/*
 * A handler that needs more than its reserve: it gets the reserve, then
 * the cgroup is not held off for it any longer (v2: the kernel kills the
 * hog; v1, OOM killer disabled: it waits until the test kills it). The
 * usage never goes past limit + reserve.
 */
static int test_memcg_stress_reserve_exhausted(const char *root)
{
	struct handler_args args;
	struct oom_job *job;
	int ret = KSFT_FAIL;
	char *cgroup;
	long peak;

	job = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (job == MAP_FAILED || set_grace("20000"))
		return KSFT_FAIL;
	memset(job, 0, 4096);
	cgroup = oom_group(root, "memcg_stress_reserve_exhausted", "2M");
	if (!cgroup || (!v2 && cg_write(cgroup, "memory.oom_control", "1")))
		goto out;
	args = (struct handler_args){ job, 8 << 20, false, NULL };
	cg_fork_in(cgroup, handler_fn, &args);
	if (wait_flag(&job->registered, 10))
		goto out;
	job->hog = cg_fork_in(cgroup, hog_fn, NULL);
	if (wait_flag(&job->woken, 30))
		goto out;
	sleep(3);
	if (!v2)
		kill_pid(job->hog);
	if (wait_flag(&job->done, 30)) {
		ksft_print_msg("the handler never got its memory\n");
		goto out;
	}
	peak = cg_read_long(cgroup, v2 ? "memory.peak" :
			    "memory.max_usage_in_bytes");
	ksft_print_msg("peak %ld KiB with limit 32M + reserve 2M\n",
		       peak / 1024);
	if (peak <= 34 << 20)
		ret = KSFT_PASS;
out:
	remove_group(cgroup);
	set_grace("0");
	munmap(job, 4096);
	return ret;
}

#define FAULT	"/sys/kernel/debug/"

/*
 * Fault injection for current's allocations (and its children's). failslab
 * fails only the accounted caches that mkdir and fork allocate from, in
 * sleeping allocations too; fail_page_alloc fails only allocations of order
 * 1 and up (its default), i.e. slab pages of those caches. Other caches and
 * order-0 pages are spared: upstream WARNs when a GFP_NOWAIT vmap_area
 * allocation fails (va_clip() in mm/vmalloc.c), which is not the charge
 * path under test.
 */
static const char * const attrs[][3] = {
	/* file, value while injecting, value after */
	{ FAULT "failslab/probability", "10", "0" },
	{ FAULT "failslab/times", "-1", "1" },
	{ FAULT "failslab/task-filter", "Y", "N" },
	{ FAULT "failslab/verbose", "0", "2" },
	{ FAULT "failslab/ignore-gfp-wait", "N", "Y" },
	{ FAULT "failslab/cache-filter", "Y", "N" },
	{ FAULT "fail_page_alloc/probability", "10", "0" },
	{ FAULT "fail_page_alloc/times", "-1", "1" },
	{ FAULT "fail_page_alloc/task-filter", "Y", "N" },
	{ FAULT "fail_page_alloc/verbose", "0", "2" },
	{ FAULT "fail_page_alloc/ignore-gfp-wait", "N", "Y" },
	{ FAULT "fail_page_alloc/min-order", "1", "1" },
};

/* Accounted caches of mkdir on tmpfs and of fork. */
static const char * const fail_caches[] = {
	"dentry", "shmem_inode_cache", "task_struct", "mm_struct",
	"signal_cache", "sighand_cache", "files_cache", "fs_cache",
	"vm_area_struct", "anon_vma", "anon_vma_chain", "pid", "cred_jar",
};

/*
 * Turn a cache's failslab flag on or off. A cache merged with others
 * refuses (EINVAL): it is left alone. Returns 1 if the flag was set.
 */
static int cache_failslab(const char *cache, bool on)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/failslab", cache);
	return write_text(path, on ? "1" : "0", 1) == 1 && on;
}

/* Returns the number of caches failslab targets, or -1. */
static int inject(bool on)
{
	unsigned int i;
	int caches = 0;

	if (!on)
		for (i = 0; i < ARRAY_SIZE(attrs); i++)
			if (strstr(attrs[i][0], "probability"))
				write_text(attrs[i][0], "0", 1);
	for (i = 0; i < ARRAY_SIZE(fail_caches); i++)
		caches += cache_failslab(fail_caches[i], on);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		const char *val = attrs[i][on ? 1 : 2];

		if (write_text(attrs[i][0], (char *)val, strlen(val)) < 0)
			return -1;
	}
	if (on)
		ksft_print_msg("failslab on %d of %zu caches\n", caches,
			       ARRAY_SIZE(fail_caches));
	return on && !caches ? -1 : caches;
}

/* What the faulty task did, and how often the kernel said no. */
struct faulty {
	long ops, failures;
};

static int workload(struct faulty *f, bool faults)
{
	double t0 = now_s();
	char dir[PATH_MAX + 32];
	int i = 0;

	if (faults)
		write_text("/proc/self/make-it-fail", "1", 1);
	snprintf(dir, sizeof(dir), "%s/faulty.%d", tmpfs, getpid());
	mkdir(dir, 0755);
	while (now_s() - t0 < 5) {
		char name[PATH_MAX + 64];
		pid_t pid;

		snprintf(name, sizeof(name), "%s/%d", dir, i++ % 512);
		if (mkdir(name, 0755)) {
			if (errno == EEXIST)
				rmdir(name);
			else
				f->failures++;
		}
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		else
			f->failures++;
		f->ops += 2;
	}
	return 0;
}

static int faulty_fn(const char *cgroup, void *arg)
{
	return workload(arg, true);
}

static int plain_fn(const char *cgroup, void *arg)
{
	return workload(arg, false);
}

/*
 * The faulty workload in a fresh kmem-limited cgroup, with fault injection
 * or without: the kernel memory left charged to the cgroup once
 * everything is freed, or -1.
 */
static long faulty_run(const char *root, const char *name, bool faults,
		       struct faulty *f)
{
	long before, after = -1;
	char *cgroup;
	pid_t pid;
	int i;

	cgroup = make_group(root, name, false);
	if (!cgroup || cg_write(cgroup, (char *)f_kmem_limit(), "32M"))
		goto out;
	free_caches();
	before = kmem_of(cgroup);
	memset(f, 0, sizeof(*f));
	if (faults && inject(true) < 0)
		goto out;
	pid = cg_fork_in(cgroup, faults ? faulty_fn : plain_fn, f);
	waitpid(pid, NULL, 0);
	inject(false);
	umount2(tmpfs, MNT_DETACH);
	tmpfs_mount();
	for (i = 0; i < 20; i++) {
		free_caches();
		usleep(100000);
	}
	after = kmem_drained(cgroup, "32M") - before;
out:
	inject(false);
	remove_group(cgroup);
	return after;
}

/*
 * Allocations failing at random (failslab, fail_page_alloc) on the charge
 * paths of a kmem-limited cgroup: once everything is freed, the cgroup
 * has no more kernel memory charged than after the same work without
 * faults. No charge leaked on an error path.
 */
static int test_memcg_stress_fault_injection(const char *root)
{
	long plain, faulty, ops, failures;
	struct faulty *f;

	if (access(FAULT "failslab", F_OK) ||
	    access(FAULT "fail_page_alloc", F_OK)) {
		ksft_print_msg("no failslab/fail_page_alloc in debugfs\n");
		return KSFT_FAIL;
	}
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f == MAP_FAILED)
		return KSFT_FAIL;
	plain = faulty_run(root, "memcg_stress_plain", false, f);
	faulty = faulty_run(root, "memcg_stress_faults", true, f);
	ops = f->ops;
	failures = f->failures;
	munmap(f, sizeof(*f));
	ksft_print_msg("%ld mkdirs and forks, %ld failed\n", ops, failures);
	ksft_print_msg("kmem left: %ld KiB without faults, %ld KiB with\n",
		       plain / 1024, faulty / 1024);
	if (plain < 0 || faulty < 0 || !ops || !failures)
		return KSFT_FAIL;
	return faulty <= plain + (64 << 10) ? KSFT_PASS : KSFT_FAIL;
}

static const struct cg_test tests[] = {
	CG_TEST(test_memcg_stress_concurrent),
	CG_TEST(test_memcg_stress_two_bombs),
	CG_TEST(test_memcg_stress_many_ooms),
	CG_TEST(test_memcg_stress_handler_killed),
	CG_TEST(test_memcg_stress_reserve_exhausted),
	CG_TEST(test_memcg_stress_fault_injection),
};

int main(int argc, char **argv)
{
	char root[PATH_MAX];
	int ret;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	if (cg_find_memcg_root(root, sizeof(root), &v2))
		ksft_exit_skip("no memory controller mounted\n");
	ksft_print_msg("cgroup %s: %s\n", v2 ? "v2" : "v1", root);
	if (v2 && cg_write(root, "cgroup.subtree_control", "+memory"))
		ksft_exit_skip("cannot enable the memory controller\n");
	if (tmpfs_mount())
		ksft_exit_fail_msg("cannot mount a tmpfs\n");
	srand(getpid());

	ret = cg_run_tests(tests, ARRAY_SIZE(tests), root);
	umount2(tmpfs, MNT_DETACH);
	return ret;
}
