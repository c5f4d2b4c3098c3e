// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel memory limit of a memory cgroup, on whichever interface is
 * mounted: memory.kmem.limit_in_bytes on cgroup v1, memory.kmem.max on
 * cgroup v2. The limit is hit before the memory limit, contains fork and
 * dentry bombs with a clean error, is hierarchical, refuses a value it
 * cannot reach, and keeps counting what removed cgroups left behind.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

/* The kmem files of one cgroup version. */
struct kmem_iface {
	bool v2;
	const char *limit;	/* the kmem limit */
	const char *usage;	/* its usage */
	const char *peak;	/* its high watermark */
	const char *mem_limit;	/* the memory limit */
	const char *unlimited;	/* what removes a limit */
};

static const struct kmem_iface kmem_v1 = {
	false, "memory.kmem.limit_in_bytes", "memory.kmem.usage_in_bytes",
	"memory.kmem.max_usage_in_bytes", "memory.limit_in_bytes", "-1",
};

static const struct kmem_iface kmem_v2 = {
	true, "memory.kmem.max", "memory.kmem.current", "memory.kmem.peak",
	"memory.max", "max",
};

static const struct kmem_iface *k;

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Page tables of user faults are charged over the limit: allow a few. */
#define KMEM_SLACK	(64 * PAGE_SIZE)

/* Times the kmem limit of @cgroup was hit. */
static long kmem_hits(const char *cgroup)
{
	if (k->v2)
		return cg_read_key_long(cgroup, "memory.kmem.events", "max ");
	return cg_read_long(cgroup, "memory.kmem.failcnt");
}

/* Times the memory limit of @cgroup was hit. */
static long mem_hits(const char *cgroup)
{
	if (k->v2)
		return cg_read_key_long(cgroup, "memory.events", "max ");
	return cg_read_long(cgroup, "memory.failcnt");
}

/* Create @name under @parent, with the memory controller on v2. */
static char *create_memcg(const char *parent, const char *name)
{
	char *cgroup = cg_name(parent, name);

	if (!cgroup)
		return NULL;
	if (k->v2 && cg_write(parent, "cgroup.subtree_control", "+memory"))
		goto fail;
	if (cg_create(cgroup))
		goto fail;
	return cgroup;
fail:
	free(cgroup);
	return NULL;
}

/* Kill everything in @cgroup, wait for it to be empty and remove it. */
static int destroy_memcg(const char *cgroup)
{
	int i;

	if (!cgroup)
		return 0;
	for (i = 0; i < 100 && cg_read_lc(cgroup, "cgroup.procs") > 0; i++) {
		cg_killall(cgroup);
		usleep(100000);
	}
	/* Orphans come to us (a subreaper): reap them, zombies hold kmem. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (i = 0; i < 100; i++) {
		if (!rmdir(cgroup) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		usleep(100000);
	}
	ksft_print_msg("rmdir %s: %s\n", cgroup, strerror(errno));
	return -1;
}

/* Poll until @file of @cgroup is at most @max, for up to 10 seconds. */
static long wait_for_at_most(const char *cgroup, const char *file, long max)
{
	long val = -1;
	int i;

	for (i = 0; i < 100; i++) {
		val = cg_read_long(cgroup, file);
		if (val >= 0 && val <= max)
			break;
		usleep(100000);
	}
	return val;
}

/*
 * The kmem charged to @cgroup, waiting up to 10 s for it to fall to @max;
 * LONG_MAX if it cannot be read. Up to 64 pages per cpu of a group's kmem
 * charge can stay in per-cpu batches after its objects are freed, until
 * another group charges on that cpu: on two cpus, more than the @max the
 * callers allow. If the usage stays above @max by no more than those
 * batches can hold, lower @cgroup's kmem limit to @max, which gives them
 * back first (and reclaims; v1 refuses the write with EBUSY if the usage
 * stays above it), and wait again. More than that is a leak: returned.
 */
static long kmem_left(const char *cgroup, long max)
{
	long batches = 64 * PAGE_SIZE * get_nprocs();
	long left = wait_for_at_most(cgroup, k->usage, max);

	if (left < 0)
		return LONG_MAX;
	if (left <= max || left > max + batches)
		return left;
	ksft_print_msg("%ld KiB charged after 10 s: kmem limit to %ld KiB\n",
		       left / 1024, max / 1024);
	cg_write_numeric(cgroup, k->limit, max);
	left = wait_for_at_most(cgroup, k->usage, max);
	return left < 0 ? LONG_MAX : left;
}

/* What workers report back, in a shared mapping. */
struct shared {
	long count;		/* directories made, or tasks forked */
	long failures;		/* fork() failures */
	int error;		/* the errno that stopped the worker */
	int stop;		/* set by the test: stop forking */
	long probe;		/* iterations of the probe outside the group */
	int go;			/* set by the test: start */
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

/*
 * The dentry bomb: "mkdir x; cd x" until mkdir() fails or @arg levels
 * exist; every working directory pins its ancestors' dentries and inodes,
 * so reclaim cannot free them. Succeeds only if mkdir() failed with
 * ENOMEM, or with ENOSPC while the filesystem still had room: tmpfs
 * reports a failed inode allocation so. Leaves the directories behind
 * (remove_nested()).
 */
static int mkdir_cd_until_enomem(const char *cgroup, void *arg)
{
	long i, n = (long)arg;
	struct statvfs st;

	for (i = 0; i < n; i++) {
		if (mkdir("x", 0755)) {
			shared->error = errno;
			if (errno == ENOMEM)
				return 0;
			if (errno == ENOSPC && !statvfs(".", &st) &&
			    st.f_favail > 1000 && st.f_bavail > 1000)
				return 0;
			ksft_print_msg("mkdir at level %ld: %s\n", i,
				       strerror(errno));
			return 1;
		}
		if (chdir("x"))
			return 1;
		shared->count = i + 1;
	}
	ksft_print_msg("%ld levels of mkdir x; cd x, none failed\n", n);
	return 1;
}

/* Remove what mkdir_cd_until_enomem() left in the working directory. */
static void remove_nested(void)
{
	long depth = 0;

	while (!chdir("x"))
		depth++;
	while (depth--) {
		if (chdir("..") || rmdir("x"))
			break;
	}
}

/* Fault in @arg bytes of anonymous memory, keep it, run the dentry bomb. */
static int anon_then_dentries(const char *cgroup, void *arg)
{
	size_t size = (size_t)arg;
	char *buf, *ptr;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	for (ptr = buf; ptr < buf + size; ptr += PAGE_SIZE)
		*ptr = 1;
	return mkdir_cd_until_enomem(cgroup, (void *)100000L);
}

/* Wait for the test's go, then run the dentry bomb. */
static int wait_then_dentries(const char *cgroup, void *arg)
{
	while (!READ_ONCE(shared->go))
		usleep(10000);
	return mkdir_cd_until_enomem(cgroup, arg);
}

/*
 * The fork bomb, "b(){ b|b& }; b": every task forks two children that do
 * the same, then waits to be killed. A failed fork() is retried after a
 * pause, as a shell would, until the test says stop; at most @arg tasks
 * are forked, so that an unlimited kernel survives the test.
 */
static int fork_bomb(const char *cgroup, void *arg)
{
	long max = (long)arg;
	int children = 0;
	pid_t pid;

	while (children < 2 && !READ_ONCE(shared->stop)) {
		if (__atomic_add_fetch(&shared->count, 1, __ATOMIC_RELAXED) > max) {
			shared->stop = 1;
			break;
		}
		pid = fork();
		if (pid == 0) {
			children = 0;
			continue;
		}
		if (pid > 0) {
			children++;
			continue;
		}
		__atomic_sub_fetch(&shared->count, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&shared->failures, 1, __ATOMIC_RELAXED);
		shared->error = errno;
		usleep(20000);
	}
	for (;;)
		pause();
	return 0;
}

/* Count, outside the bombed group, to show the machine still responds. */
static void probe(void)
{
	for (;;)
		__atomic_add_fetch(&shared->probe, 1, __ATOMIC_RELAXED);
}

static long probe_rate(void)
{
	long before = READ_ONCE(shared->probe);

	sleep(1);
	return READ_ONCE(shared->probe) - before;
}

/* Fork @arg tasks that wait to be killed, then wait to be killed. */
static int fork_and_pause(const char *cgroup, void *arg)
{
	long i, n = (long)arg;

	for (i = 0; i < n; i++) {
		if (fork() == 0)
			break;
	}
	for (;;)
		pause();
	return 0;
}

/* mkdir() "<prefix><i>" in the working directory. */
static int mkdir_name(char *name, size_t len, const char *prefix, long i)
{
	snprintf(name, len, "%s%ld", prefix, i);
	return mkdir(name, 0755);
}

static int make_dirs(const char *cgroup, void *arg)
{
	long i, n = (long)arg;
	char name[64];

	for (i = 0; i < n; i++) {
		if (mkdir_name(name, sizeof(name), "d", i))
			return 1;
	}
	return 0;
}

static void remove_dirs(long n)
{
	char name[64];
	long i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "d%ld", i);
		rmdir(name);
	}
}

/* Work in a fresh tmpfs: no page cache comes with its directories. */
static int tmpfs_enter(void)
{
	if (mkdir("tmpfs", 0755) && errno != EEXIST)
		return -1;
	if (mount("tmpfs", "tmpfs", "tmpfs", 0, "size=1G"))
		return -1;
	if (chdir("tmpfs")) {
		umount("tmpfs");
		return -1;
	}
	return 0;
}

/* Leave and unmount it; lazily unless @strict. */
static int tmpfs_leave(bool strict)
{
	int ret;

	if (chdir(".."))
		return -1;
	ret = strict ? umount("tmpfs") : umount2("tmpfs", MNT_DETACH);
	if (!ret)
		rmdir("tmpfs");
	return ret;
}

/*
 * A cgroup @name under @root with memory limit @mem and kmem limit @kmem,
 * and shared_init(). Returns the cgroup, or NULL with nothing left behind.
 */
static char *create_limited(const char *root, const char *name,
			    const char *mem, const char *kmem)
{
	char *memcg = create_memcg(root, name);

	if (!memcg)
		return NULL;
	if (shared_init() || cg_write(memcg, k->mem_limit, (char *)mem) ||
	    cg_write(memcg, k->limit, (char *)kmem)) {
		destroy_memcg(memcg);
		free(memcg);
		return NULL;
	}
	return memcg;
}

/*
 * The setup of the tests that fill a tmpfs under a kmem limit:
 * create_limited(), and the test in a fresh tmpfs. Returns the cgroup, or
 * NULL with nothing left behind; undo with destroy_in_tmpfs().
 */
static char *create_in_tmpfs(const char *root, const char *name,
			     const char *mem, const char *kmem)
{
	char *memcg = create_limited(root, name, mem, kmem);

	if (memcg && tmpfs_enter()) {
		destroy_memcg(memcg);
		free(memcg);
		return NULL;
	}
	return memcg;
}

/* Undo create_in_tmpfs(): leave the tmpfs (if still in it), remove @memcg. */
static void destroy_in_tmpfs(char *memcg, bool in_tmpfs)
{
	if (in_tmpfs)
		tmpfs_leave(false);
	destroy_memcg(memcg);
	free(memcg);
}

static int drop_dentries_and_inodes(void)
{
	sync();
	return write_text("/proc/sys/vm/drop_caches", "2", 1) == 1 ? 0 : -1;
}

/* Make @arg more directories, "e0" on; 0 if one of them failed to. */
static int more_dirs_fail(const char *cgroup, void *arg)
{
	long i, n = (long)arg;
	char name[64];

	for (i = 0; i < n; i++) {
		if (mkdir_name(name, sizeof(name), "e", i))
			return errno == ENOMEM || errno == ENOSPC ? 0 : 2;
	}
	return 1;
}

/*
 * Kernel memory is counted from the creation of a cgroup, whether or not
 * a kmem limit was ever written: directories made on tmpfs before any
 * limit show in the kmem usage, on v2 as the "kernel" entry of
 * memory.stat within the per-cpu charge batches. A limit written below
 * that usage cannot be reached (tmpfs dentries are pinned): v2 sets it
 * anyway and the cgroup gets no more kernel memory; v1 refuses it with
 * EBUSY. This test runs first, before any test of the boot wrote a limit.
 */
static int test_kmem_limit_counted_from_creation(const char *root)
{
	long usage, kernel, target, slack, ndirs = 3000;
	bool in_tmpfs = false;
	int ret = KSFT_FAIL;
	char *memcg;
	int err;

	memcg = create_memcg(root, "kmem_from_creation");
	if (!memcg || tmpfs_enter())
		goto out;
	in_tmpfs = true;
	if (cg_wait_exit(cg_fork_in(memcg, make_dirs, (void *)ndirs), 0))
		goto cleanup;

	usage = cg_read_long(memcg, k->usage);
	kernel = k->v2 ? cg_read_key_long(memcg, "memory.stat", "kernel ") : 0;
	/* Per-cpu batches, and as much again for lazy stat flushing. */
	slack = 2 * sysconf(_SC_NPROCESSORS_CONF) * 64 * PAGE_SIZE;
	ksft_print_msg("%ld directories, no limit: kmem usage %ld KiB\n",
		       ndirs, usage / 1024);
	if (k->v2)
		ksft_print_msg("memory.stat kernel %ld KiB\n", kernel / 1024);
	if (usage < ndirs * 256) {
		ksft_print_msg("the kmem usage does not show the directories\n");
		goto cleanup;
	}
	if (k->v2 && labs(usage - kernel) > slack) {
		ksft_print_msg("kmem usage and memory.stat kernel differ by more than %ld KiB\n",
			       slack / 1024);
		goto cleanup;
	}

	target = usage / 2 & ~(PAGE_SIZE - 1);
	err = cg_write_numeric(memcg, k->limit, target);
	if (!k->v2) {
		if (err != -EBUSY ||
		    cg_read_long(memcg, k->limit) != 9223372036854771712L) {
			ksft_print_msg("v1, a limit below pinned usage: %d\n", err);
			goto cleanup;
		}
		ret = KSFT_PASS;
		goto cleanup;
	}
	if (err || cg_read_long(memcg, k->limit) != target) {
		ksft_print_msg("v2, a limit below the usage: %d, reads %ld\n",
			       err, cg_read_long(memcg, k->limit));
		goto cleanup;
	}
	err = cg_wait_exit(cg_fork_in(memcg, more_dirs_fail, (void *)1000L), 0);
	ksft_print_msg("1000 more directories over the limit: %s\n",
		       err ? "all made" : "refused");
	if (err || cg_read_long(memcg, k->usage) > usage + slack)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	if (in_tmpfs)
		tmpfs_leave(false);
	destroy_memcg(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * A task that already runs in a cgroup when its limit is set is held to
 * it. On v2 the first limit of a boot starts kmem counting, and tasks
 * must switch to their cgroup's counted obj_cgroup: this test runs first.
 */
static int test_kmem_limit_running_task(const char *root)
{
	int ret = KSFT_FAIL;
	char *memcg;
	pid_t pid;

	memcg = create_memcg(root, "kmem_running_task");
	if (!memcg || shared_init())
		goto out;

	/* U bounds the bomb on kernels that ignore K. */
	if (cg_write(memcg, k->mem_limit, "256M"))
		goto cleanup;
	pid = cg_fork_in(memcg, wait_then_dentries, (void *)20000L);
	if (pid < 0 || cg_wait_for_proc_count(memcg, 1))
		goto cleanup;
	if (cg_write(memcg, k->limit, "4M"))
		goto cleanup;
	shared->go = 1;
	if (cg_wait_exit(pid, 0)) {
		ksft_print_msg("the task was not held to the new limit\n");
		goto cleanup;
	}
	if (kmem_hits(memcg) <= 0)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	remove_nested();
	destroy_memcg(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * The kmem limit parses like the memory limit and reads back what was
 * written, rounded down to pages; garbage, empty writes, numbers that
 * overflow, negative numbers other than v1's -1, and the root cgroup are
 * refused and change nothing.
 */
static int test_kmem_limit_write(const char *root)
{
	static const char * const garbage[] = {
		"abc", "12x", "1.5G", "--1", "-2", "\n", " ", "4M4",
		"99999999999999999999", "20000000000G", "0x", "maxx",
	};
	int ret = KSFT_FAIL;
	char *memcg;
	size_t i;
	int err;

	memcg = create_memcg(root, "kmem_limit_write");
	if (!memcg)
		goto out;

	if (cg_write(memcg, k->limit, "5000") ||
	    cg_read_long(memcg, k->limit) != PAGE_SIZE)
		goto cleanup;
	if (cg_write(memcg, k->limit, "4M") ||
	    cg_read_long(memcg, k->limit) != 4L << 20) {
		ksft_print_msg("the kmem limit was not set\n");
		goto cleanup;
	}
	for (i = 0; i < ARRAY_SIZE(garbage); i++) {
		err = cg_write(memcg, k->limit, (char *)garbage[i]);
		if (err != -EINVAL ||
		    cg_read_long(memcg, k->limit) != 4L << 20) {
			ksft_print_msg("'%s': %d, not -EINVAL\n", garbage[i], err);
			goto cleanup;
		}
	}
	if (k->v2 && cg_write(memcg, k->limit, "-1") != -EINVAL) {
		ksft_print_msg("v2 took -1\n");
		goto cleanup;
	}
	if (cg_write(memcg, k->limit, (char *)k->unlimited))
		goto cleanup;
	if (k->v2 ? cg_read_strcmp(memcg, k->limit, "max\n") :
		    cg_read_long(memcg, k->limit) != 9223372036854771712L)
		goto cleanup;
	/* v1 refuses a limit on the root; v2 has no kmem files there. */
	err = cg_write(root, k->limit, "1G");
	if (err != (k->v2 ? -ENOENT : -EINVAL)) {
		ksft_print_msg("the root cgroup: %d\n", err);
		goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	destroy_memcg(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * K = 10M below U = 50M, 30M of anonymous memory in use, then a dentry
 * bomb: the kmem limit is hit first, mkdir() fails with ENOMEM, and the
 * memory limit is never hit.
 */
static int test_kmem_limit_hit_first(const char *root)
{
	int ret = KSFT_FAIL;
	char *memcg;

	memcg = create_in_tmpfs(root, "kmem_hit_first", "50M", "10M");
	if (!memcg)
		return KSFT_FAIL;
	if (cg_wait_exit(cg_fork_in(memcg, anon_then_dentries,
				    (void *)(30L << 20)), 0))
		goto cleanup;
	ksft_print_msg("%ld levels; kmem limit hit %ld times, memory limit %ld\n",
		       shared->count, kmem_hits(memcg), mem_hits(memcg));
	if (kmem_hits(memcg) <= 0 || mem_hits(memcg) != 0)
		goto cleanup;
	if (cg_read_long(memcg, k->peak) > MB(10) + KMEM_SLACK)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	destroy_in_tmpfs(memcg, true);
	return ret;
}

/*
 * A fork bomb in a group with K = 24M, U = 512M and no pids limit: fork()
 * fails once the stacks fill K, the kernel memory peak stays within K, a
 * task outside keeps running, and once the group is killed its kernel
 * memory goes back to zero and it can be removed, leaving no dying cgroup.
 */
static int test_kmem_limit_fork_bomb(const char *root)
{
	char *parent = NULL, *memcg = NULL;
	long idle, busy, tasks, peak, left, dying;
	int ret = KSFT_FAIL, i;
	pid_t prober, bomb;

	if (shared_init())
		return KSFT_FAIL;
	parent = create_memcg(root, "kmem_fork_bomb");
	memcg = parent ? create_memcg(parent, "bomb") : NULL;
	if (!memcg)
		goto cleanup;
	if (cg_write(memcg, k->mem_limit, "512M") ||
	    cg_write(memcg, k->limit, "24M"))
		goto cleanup;

	prober = fork();
	if (prober == 0)
		probe();
	if (prober < 0)
		goto cleanup;
	idle = probe_rate();

	bomb = cg_fork_in(memcg, fork_bomb, (void *)20000L);
	if (bomb < 0)
		goto kill_prober;
	for (i = 0; i < 600 && !READ_ONCE(shared->failures) &&
	     !READ_ONCE(shared->stop); i++)
		usleep(100000);
	busy = probe_rate();
	shared->stop = 1;
	tasks = cg_read_lc(memcg, "cgroup.procs");
	peak = cg_read_long(memcg, k->peak);
	ksft_print_msg("%ld tasks, %ld failed forks (%s), kmem peak %ld KiB\n",
		       tasks, shared->failures, strerror(shared->error),
		       peak / 1024);
	ksft_print_msg("probe outside: %ld/s idle, %ld/s during the bomb (%ld%%)\n",
		       idle, busy, idle > 0 ? busy * 100 / idle : 0);
	if (!shared->failures || (shared->error != ENOMEM &&
				  shared->error != EAGAIN)) {
		ksft_print_msg("fork() never failed cleanly\n");
		goto kill_prober;
	}
	if (peak > MB(24) + KMEM_SLACK || kmem_hits(memcg) <= 0)
		goto kill_prober;
	if (busy <= 0) {
		ksft_print_msg("the task outside made no progress\n");
		goto kill_prober;
	}

	if (destroy_memcg(memcg) == 0)
		memcg = NULL;
	cg_wait_exit(bomb, 0);
	left = kmem_left(parent, 256 << 10);
	ksft_print_msg("kmem left after the bomb was killed: %ld KiB\n",
		       left / 1024);
	if (memcg || left > 256 << 10)
		goto kill_prober;
	if (k->v2) {
		for (i = 0; i < 100; i++) {
			dying = cg_read_key_long(parent, "cgroup.stat",
						 "nr_dying_descendants ");
			if (!dying)
				break;
			usleep(100000);
		}
		if (dying) {
			ksft_print_msg("%ld dying cgroups left\n", dying);
			goto kill_prober;
		}
	}
	ret = KSFT_PASS;
kill_prober:
	kill(prober, SIGKILL);
	cg_wait_exit(prober, 0);
cleanup:
	if (memcg)
		shared->stop = 1;
	destroy_memcg(memcg);
	destroy_memcg(parent);
	free(memcg);
	free(parent);
	return ret;
}

/*
 * "mkdir x; cd x" on tmpfs, whose dentries and inodes reclaim can never
 * free, with K = 8M: mkdir() fails with ENOMEM near K, and unmounting
 * gives the kernel memory back.
 */
static int test_kmem_limit_tmpfs_dentries(const char *root)
{
	bool in_tmpfs = true;
	int ret = KSFT_FAIL;
	long left;
	char *memcg;

	memcg = create_in_tmpfs(root, "kmem_tmpfs_dentries", "256M", "8M");
	if (!memcg)
		return KSFT_FAIL;
	if (cg_wait_exit(cg_fork_in(memcg, mkdir_cd_until_enomem,
				    (void *)1000000L), 0)) {
		ksft_print_msg("stopped at level %ld: %s\n", shared->count,
			       strerror(shared->error));
		goto cleanup;
	}
	ksft_print_msg("%ld levels of directories on tmpfs, kmem peak %ld KiB\n",
		       shared->count, cg_read_long(memcg, k->peak) / 1024);
	if (cg_read_long(memcg, k->peak) > MB(8) + KMEM_SLACK)
		goto cleanup;
	in_tmpfs = false;
	if (tmpfs_leave(true)) {
		ksft_print_msg("umount: %s\n", strerror(errno));
		umount2("tmpfs", MNT_DETACH);
		goto cleanup;
	}
	left = kmem_left(memcg, 256 << 10);
	if (left > 256 << 10) {
		ksft_print_msg("%ld KiB still charged after umount\n",
			       left / 1024);
		goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	destroy_in_tmpfs(memcg, in_tmpfs);
	return ret;
}

/*
 * A child without a limit of its own is held to its parent's: the hit is
 * the parent's, not the child's.
 */
static int test_kmem_limit_hierarchy(const char *root)
{
	char *parent = NULL, *child = NULL;
	int ret = KSFT_FAIL;

	parent = create_memcg(root, "kmem_hierarchy");
	child = parent ? create_memcg(parent, "child") : NULL;
	if (!child || shared_init())
		goto cleanup;

	if (cg_write(parent, k->mem_limit, "256M") ||
	    cg_write(parent, k->limit, "8M"))
		goto cleanup;
	if (cg_wait_exit(cg_fork_in(child, mkdir_cd_until_enomem,
				    (void *)30000L), 0))
		goto cleanup;
	if (kmem_hits(parent) <= 0 || kmem_hits(child) != 0) {
		ksft_print_msg("parent hit %ld times, child %ld\n",
			       kmem_hits(parent), kmem_hits(child));
		goto cleanup;
	}
	if (cg_read_long(parent, k->peak) > MB(8) + KMEM_SLACK)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	remove_nested();
	destroy_memcg(child);
	destroy_memcg(parent);
	free(child);
	free(parent);
	return ret;
}

/*
 * A limit below the usage reclaims first: cached dentries of removed
 * tasks give way and the limit is set. What reclaim cannot free, the
 * stacks of live tasks, makes the write fail with EBUSY on v1, keeping
 * the old limit; v2 sets the limit anyway, as it does memory.max.
 */
static int test_kmem_limit_lower(const char *root)
{
	const long ndirs = 20000;
	int ret = KSFT_FAIL, err;
	long usage, target;
	char *memcg;
	pid_t pid;

	memcg = create_memcg(root, "kmem_limit_lower");
	if (!memcg)
		goto out;

	if (cg_wait_exit(cg_fork_in(memcg, make_dirs, (void *)ndirs), 0))
		goto cleanup;
	sync();
	usage = cg_read_long(memcg, k->usage);
	target = usage / 2 & ~(PAGE_SIZE - 1);
	err = cg_write_numeric(memcg, k->limit, target);
	ksft_print_msg("usage %ld KiB, new limit %ld KiB: %d, usage now %ld KiB\n",
		       usage / 1024, target / 1024, err,
		       cg_read_long(memcg, k->usage) / 1024);
	if (err || cg_read_long(memcg, k->usage) > target)
		goto cleanup;

	if (cg_write(memcg, k->limit, "64M"))
		goto cleanup;
	pid = cg_fork_in(memcg, fork_and_pause, (void *)20L);
	if (pid < 0 || cg_wait_for_proc_count(memcg, 21))
		goto cleanup;
	err = cg_write(memcg, k->limit, "4096");
	if (k->v2) {
		/* v2 sets it anyway, as memory.max; the usage stays above. */
		if (err || cg_read_long(memcg, k->limit) != PAGE_SIZE) {
			ksft_print_msg("v2, a limit below live stacks: %d\n", err);
			goto cleanup;
		}
		ret = KSFT_PASS;
		goto cleanup;
	}
	if (err != -EBUSY) {
		ksft_print_msg("a limit below live stacks: %d, not -EBUSY\n", err);
		goto cleanup;
	}
	if (cg_read_long(memcg, k->limit) != 64L << 20)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	remove_dirs(ndirs);
	destroy_memcg(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * Removing a cgroup that still has kernel memory charged (directories its
 * task made) moves the charge to the parent: it still counts against the
 * parent's limit, and it is uncharged from the parent when freed.
 */
static int test_kmem_limit_rmdir_charged(const char *root)
{
	const long ndirs = 10000;
	char *parent = NULL, *child = NULL;
	long before, charged, after;
	int ret = KSFT_FAIL;

	parent = create_memcg(root, "kmem_rmdir_charged");
	child = parent ? create_memcg(parent, "child") : NULL;
	if (!child || shared_init())
		goto cleanup;
	/* A limit far away, so that the usage is counted on v2 too. */
	if (cg_write(parent, k->mem_limit, "256M") ||
	    cg_write(parent, k->limit, "1G"))
		goto cleanup;
	before = cg_read_long(parent, k->usage);
	if (cg_wait_exit(cg_fork_in(child, make_dirs, (void *)ndirs), 0))
		goto cleanup;
	if (destroy_memcg(child))
		goto cleanup;
	free(child);
	child = NULL;

	charged = cg_read_long(parent, k->usage);
	ksft_print_msg("parent kmem: %ld KiB before, %ld KiB after the child left\n",
		       before / 1024, charged / 1024);
	if (charged - before < ndirs * 256)
		goto cleanup;

	/* The removed child's memory still counts against the limit. */
	if (cg_write_numeric(parent, k->limit, charged + MB(1)))
		goto cleanup;
	child = create_memcg(parent, "child2");
	if (!child || cg_wait_exit(cg_fork_in(child, mkdir_cd_until_enomem,
					      (void *)20000L), 0))
		goto cleanup;
	remove_nested();
	if (destroy_memcg(child))
		goto cleanup;

	remove_dirs(ndirs);
	if (drop_dentries_and_inodes())
		goto cleanup;
	after = kmem_left(parent, before + (512 << 10));
	ksft_print_msg("parent kmem: %ld KiB once the directories were removed\n",
		       after / 1024);
	if (after > before + (512 << 10))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	remove_nested();
	remove_dirs(ndirs);
	destroy_memcg(child);
	destroy_memcg(parent);
	free(child);
	free(parent);
	return ret;
}

/*
 * Map @arg bytes, fill the kmem limit with directories, then fault the
 * mapping in sparsely. The mapping comes first: its vm_area_struct is
 * charged kernel memory too, and mmap() at the limit fails with ENOMEM.
 */
static int dentries_then_fault(const char *cgroup, void *arg)
{
	size_t size = (size_t)arg, off;
	char *buf;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED) {
		ksft_print_msg("mmap: %s\n", strerror(errno));
		return 1;
	}
	if (mkdir_cd_until_enomem(cgroup, (void *)1000000L))
		return 1;
	/* One page every 2M: every one needs a new page table. */
	for (off = 0; off < size; off += 2 << 20)
		buf[off] = 1;
	return 0;
}

/*
 * A task at its kmem limit can still fault in memory: the page tables of
 * user faults are charged over the limit, bounded by the memory limit,
 * because a failed charge there would retry the fault forever (the 5.4
 * deprecation's VM_FAULT_OOM objection). The task exits normally.
 */
static int test_kmem_limit_user_fault(const char *root)
{
	int ret = KSFT_FAIL;
	long peak;
	char *memcg;

	memcg = create_in_tmpfs(root, "kmem_user_fault", "256M", "4M");
	if (!memcg)
		return KSFT_FAIL;
	if (cg_wait_exit(cg_fork_in(memcg, dentries_then_fault,
				    (void *)(256L << 20)), 0)) {
		ksft_print_msg("the task did not get its page tables\n");
		goto cleanup;
	}
	peak = cg_read_long(memcg, k->peak);
	ksft_print_msg("kmem peak %ld KiB with a 4096 KiB limit\n", peak / 1024);
	if (kmem_hits(memcg) <= 0 || peak <= MB(4))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	destroy_in_tmpfs(memcg, true);
	return ret;
}

/*
 * Make @arg one-page writable mappings, each its own VMA (every other page
 * of a PROT_NONE area), fill the kmem limit with negative dentries, which
 * reclaim can free, then write to every mapping: each first write fault
 * allocates an anon_vma and an anon_vma_chain for its VMA. Says when it is
 * done (shared->count) and waits to be killed, keeping what it charged.
 */
static int vmas_then_fault(const char *cgroup, void *arg)
{
	long i, n = (long)arg, hits = kmem_hits(cgroup);
	struct stat st;
	char name[64];
	char *buf;

	buf = mmap(NULL, 2 * n * PAGE_SIZE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	for (i = 0; i < n; i++) {
		if (mprotect(buf + 2 * i * PAGE_SIZE, PAGE_SIZE,
			     PROT_READ | PROT_WRITE)) {
			ksft_print_msg("mprotect %ld: %s\n", i, strerror(errno));
			return 1;
		}
	}
	/* Until the limit is hit, then as many again: the limit is full. */
	for (i = 0; i < 1000000 && kmem_hits(cgroup) == hits; i++) {
		snprintf(name, sizeof(name), "neg%ld", i);
		stat(name, &st);
	}
	for (n = i * 2; i < n; i++) {
		snprintf(name, sizeof(name), "neg%ld", i);
		stat(name, &st);
	}
	shared->failures = i;
	for (i = 0; i < (long)arg; i++)
		buf[2 * i * PAGE_SIZE] = 1;
	shared->count = i;
	pause();
	return 0;
}

/*
 * What a user fault allocates is charged over the limit only once reclaim
 * did not help: 16000 first writes to as many VMAs at a 16M limit full of
 * negative dentries allocate some 2.7M of anon_vmas, and the dentries give
 * way; the usage stays within the limit plus a few pages. (Forcing every
 * charge of a fault over the limit at once, as page tables must be when
 * nothing can be reclaimed, put the usage 2.7M above it.)
 */
static int test_kmem_limit_fault_reclaims(const char *root)
{
	const long nvmas = 16000;
	int ret = KSFT_FAIL, i;
	long usage = -1;
	char *memcg;
	pid_t pid;

	memcg = create_limited(root, "kmem_fault_reclaims", "512M", "16M");
	if (!memcg)
		return KSFT_FAIL;
	pid = cg_fork_in(memcg, vmas_then_fault, (void *)nvmas);
	if (pid < 0)
		goto cleanup;
	for (i = 0; i < 1200 && READ_ONCE(shared->count) < nvmas; i++) {
		if (waitpid(pid, NULL, WNOHANG))
			break;
		usleep(100000);
	}
	if (READ_ONCE(shared->count) < nvmas) {
		ksft_print_msg("the faults did not finish\n");
		goto cleanup;
	}
	usage = cg_read_long(memcg, k->usage);
	ksft_print_msg("%ld negative dentries, %ld faults: kmem %ld KiB, limit 16M, hit %ld\n",
		       shared->failures, nvmas, usage / 1024, kmem_hits(memcg));
	if (kmem_hits(memcg) > 0 && usage <= MB(16) + KMEM_SLACK)
		ret = KSFT_PASS;
cleanup:
	destroy_memcg(memcg);
	free(memcg);
	return ret;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Fill the kmem limit with directories, then try @arg more mkdir()s, all
 * of which fail: shared->count is how long those took, in ms.
 */
static int fill_then_time_failures(const char *cgroup, void *arg)
{
	long i, n = (long)arg;
	char name[64];
	double t0;

	for (i = 0; !mkdir_name(name, sizeof(name), "f", i); i++)
		;
	if (errno != ENOMEM && errno != ENOSPC)
		return 1;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (!mkdir_name(name, sizeof(name), "g", i))
			return 1;
	}
	shared->count = (now_s() - t0) * 1000;
	return 0;
}

/*
 * A cgroup parked at its kmem limit fails its allocations quickly: the
 * charge path reclaims in proportion and never waits for an RCU grace
 * period, which a task holding a directory's i_rwsem or mmap_lock would
 * otherwise pay on every allocation. 500 failing mkdir()s at a filled
 * 1M limit take less than 1.5 s (0.25-0.6 s on the 2-vCPU TCG guest;
 * 2.8 s with a grace period per failure).
 */
static int test_kmem_limit_fail_fast(const char *root)
{
	int ret = KSFT_FAIL;
	char *memcg;

	memcg = create_in_tmpfs(root, "kmem_fail_fast", "256M", "1M");
	if (!memcg)
		return KSFT_FAIL;
	if (cg_wait_exit(cg_fork_in(memcg, fill_then_time_failures,
				    (void *)500L), 0))
		goto cleanup;
	ksft_print_msg("500 mkdir() at the kmem limit failed in %ld ms\n",
		       shared->count);
	if (shared->count > 1500)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	destroy_in_tmpfs(memcg, true);
	return ret;
}

#define ZSWAP_ENABLED	"/sys/module/zswap/parameters/enabled"

/*
 * Fault in @arg bytes of anonymous memory that compresses about 12 to 1
 * (256 random bytes a page, zeros after: not a zero-filled page, which
 * swap keeps no copy of), then make 200 directories.
 */
static int compressible_anon_then_dirs(const char *cgroup, void *arg)
{
	size_t size = (size_t)arg, off, i;
	unsigned long seed = 1;
	char *buf;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	for (off = 0; off < size; off += PAGE_SIZE) {
		for (i = 0; i < 256; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			buf[off + i] = seed >> 56;
		}
	}
	shared->count = cg_read_long(cgroup, "memory.zswap.current");
	return make_dirs(cgroup, (void *)200L);
}

/*
 * zswap's compressed copies of a cgroup's swapped-out pages are its user
 * memory, stored by whoever reclaims: they count against memory.max and
 * not against memory.kmem.max. A cgroup whose anon overflows into zswap
 * keeps its kmem usage under its 2M kmem limit and can still make
 * directories. v2 only: v1 does not charge zswap to cgroups at all.
 */
static int test_kmem_limit_zswap(const char *root)
{
	char enabled[8] = "";
	long kmem, peak, stored;
	int ret = KSFT_FAIL;
	char *memcg = NULL;

	if (!k->v2) {
		ksft_print_msg("v1 does not charge zswap to cgroups\n");
		return KSFT_SKIP;
	}
	if (read_text(ZSWAP_ENABLED, enabled, sizeof(enabled)) <= 0) {
		ksft_print_msg("no zswap in this kernel\n");
		return KSFT_SKIP;
	}
	if (write_text(ZSWAP_ENABLED, "Y", 1) != 1)
		return KSFT_FAIL;
	memcg = create_limited(root, "kmem_zswap", "64M", "2M");
	if (!memcg)
		goto out;
	if (cg_wait_exit(cg_fork_in(memcg, compressible_anon_then_dirs,
				    (void *)(160L << 20)), 0)) {
		ksft_print_msg("no directories after the anon went to zswap\n");
		goto cleanup;
	}
	stored = shared->count;
	kmem = cg_read_long(memcg, k->usage);
	peak = cg_read_long(memcg, k->peak);
	ksft_print_msg("zswap held %ld KiB; kmem usage %ld KiB, peak %ld KiB, limit 2048 KiB\n",
		       stored / 1024, kmem / 1024, peak / 1024);
	if (stored < MB(4)) {
		ksft_print_msg("zswap stored too little to tell\n");
		goto cleanup;
	}
	if (peak > MB(2) + KMEM_SLACK)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	remove_dirs(200);
	destroy_memcg(memcg);
out:
	write_text(ZSWAP_ENABLED, enabled, 1);
	free(memcg);
	return ret;
}

static const struct cg_test tests[] = {
	CG_TEST(test_kmem_limit_counted_from_creation),
	CG_TEST(test_kmem_limit_running_task),
	CG_TEST(test_kmem_limit_write),
	CG_TEST(test_kmem_limit_hit_first),
	CG_TEST(test_kmem_limit_fork_bomb),
	CG_TEST(test_kmem_limit_tmpfs_dentries),
	CG_TEST(test_kmem_limit_hierarchy),
	CG_TEST(test_kmem_limit_lower),
	CG_TEST(test_kmem_limit_rmdir_charged),
	CG_TEST(test_kmem_limit_user_fault),
	CG_TEST(test_kmem_limit_fault_reclaims),
	CG_TEST(test_kmem_limit_zswap),
	CG_TEST(test_kmem_limit_fail_fast),
};

int main(int argc, char **argv)
{
	char root[PATH_MAX];
	bool v2;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		ksft_exit_fail_msg("PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
	if (cg_find_memcg_root(root, sizeof(root), &v2))
		ksft_exit_skip("no memory controller mounted\n");
	k = v2 ? &kmem_v2 : &kmem_v1;
	ksft_print_msg("cgroup %s: %s\n", k->v2 ? "v2" : "v1", root);

	return cg_run_tests(tests, ARRAY_SIZE(tests), root);
}
