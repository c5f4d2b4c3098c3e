// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup v1 memory controller interface: the control files exist,
 * limits parse like memory.limit_in_bytes always did, limit hits are
 * counted, kernel memory is charged to memory.kmem.usage_in_bytes, and
 * memory.kmem.limit_in_bytes is enforced: hit before the memory limit,
 * failing mkdir() and fork() cleanly, hierarchically, and refusing a
 * limit below what cannot be reclaimed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

/* What v1 reports for an unlimited page_counter: PAGE_COUNTER_MAX pages. */
#define V1_UNLIMITED 9223372036854771712L

static int touch_anon(const char *cgroup, void *arg)
{
	size_t size = (size_t)arg;
	char *buf, *ptr;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -1;
	for (ptr = buf; ptr < buf + size; ptr += PAGE_SIZE)
		*ptr = 0;
	munmap(buf, size);
	return 0;
}

static int make_dirs(const char *cgroup, void *arg)
{
	long i, n = (long)arg;
	char name[64];

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "d%ld", i);
		if (mkdir(name, 0755))
			return -1;
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

/*
 * The dentry bomb: "mkdir x; cd x" until mkdir() fails or @arg levels
 * exist; each working directory pins its ancestors' dentries and inodes,
 * so reclaim cannot free them. Succeeds only if mkdir() failed with
 * ENOMEM. Leaves the directories behind (remove_nested()).
 */
static int mkdir_cd_until_enomem(const char *cgroup, void *arg)
{
	long i, n = (long)arg;

	for (i = 0; i < n; i++) {
		if (mkdir("x", 0755)) {
			if (errno == ENOMEM)
				return 0;
			ksft_print_msg("mkdir at level %ld: %s\n", i,
				       strerror(errno));
			return -1;
		}
		if (chdir("x")) {
			ksft_print_msg("chdir at level %ld: %s\n", i,
				       strerror(errno));
			return -1;
		}
	}
	ksft_print_msg("%ld levels of mkdir x; cd x, none failed\n", n);
	return -1;
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

/*
 * Fork children that wait to be killed until fork() fails or @arg of
 * them exist; succeeds only if fork() failed (EAGAIN or ENOMEM).
 */
static int fork_until_failure(const char *cgroup, void *arg)
{
	long i, n = (long)arg;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0)
			return (errno == ENOMEM || errno == EAGAIN) ? 0 : -1;
	}
	ksft_print_msg("%ld forks, none failed\n", n);
	return -1;
}

/* Fork @arg children that wait to be killed, then wait to be killed. */
static int fork_and_pause(const char *cgroup, void *arg)
{
	long i, n = (long)arg;

	for (i = 0; i < n; i++) {
		if (fork() == 0)
			break;
	}
	pause();
	return 0;
}

/*
 * cg_run_nowait() for v1: clone3(CLONE_INTO_CGROUP) only takes cgroup2
 * directories, so fork and join the cgroup instead.
 */
static int run_nowait_v1(const char *cgroup,
			 int (*fn)(const char *cgroup, void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (cg_enter_current(cgroup))
			_exit(EXIT_FAILURE);
		_exit(fn(cgroup, arg));
	}
	return pid;
}

/* Every memory cgroup has the v1 control files the series extends. */
static int test_memcg_v1_files(const char *root)
{
	static const char * const files[] = {
		"memory.limit_in_bytes", "memory.usage_in_bytes",
		"memory.max_usage_in_bytes", "memory.failcnt",
		"memory.kmem.limit_in_bytes", "memory.kmem.usage_in_bytes",
		"memory.kmem.max_usage_in_bytes", "memory.kmem.failcnt",
		"memory.oom_control", "memory.stat",
	};
	int ret = KSFT_FAIL;
	char *memcg;
	size_t i;

	memcg = cg_name(root, "memcg_v1_files");
	if (!memcg || cg_create(memcg))
		goto out;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (cg_read_long(memcg, files[i]) < 0) {
			ksft_print_msg("%s missing or unreadable\n", files[i]);
			goto cleanup;
		}
	}
	if (cg_read_strstr(memcg, "memory.oom_control", "under_oom 0")) {
		ksft_print_msg("a new group is under OOM\n");
		goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	cg_destroy(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * memory.limit_in_bytes takes memparse syntax, rounds down to whole pages
 * and takes -1 for unlimited; garbage is rejected and changes nothing.
 */
static int test_memcg_v1_limit_parse(const char *root)
{
	static const struct {
		const char *in;
		long out;
	} good[] = {
		{ "4M", 4L << 20 }, { "5000", PAGE_SIZE }, { "8k", 8192 },
		{ "1G", 1L << 30 }, { "-1", V1_UNLIMITED },
	};
	static const char * const garbage[] = { "abc", "12x", "1.5G", "--1" };
	int ret = KSFT_FAIL;
	char *memcg;
	size_t i;

	memcg = cg_name(root, "memcg_v1_parse");
	if (!memcg || cg_create(memcg))
		goto out;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (cg_write(memcg, "memory.limit_in_bytes", (char *)good[i].in))
			goto cleanup;
		if (cg_read_long(memcg, "memory.limit_in_bytes") != good[i].out) {
			ksft_print_msg("'%s' read back as %ld\n", good[i].in,
				       cg_read_long(memcg, "memory.limit_in_bytes"));
			goto cleanup;
		}
	}
	if (cg_write(memcg, "memory.limit_in_bytes", "4M"))
		goto cleanup;
	for (i = 0; i < ARRAY_SIZE(garbage); i++) {
		if (!cg_write(memcg, "memory.limit_in_bytes", (char *)garbage[i])) {
			ksft_print_msg("'%s' was accepted\n", garbage[i]);
			goto cleanup;
		}
		if (cg_read_long(memcg, "memory.limit_in_bytes") != 4L << 20)
			goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	cg_destroy(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * A group that allocates past its limit reclaims (to swap) and counts the
 * hits in memory.failcnt; usage never exceeds the limit.
 */
static int test_memcg_v1_failcnt(const char *root)
{
	int ret = KSFT_FAIL;
	char *memcg;

	memcg = cg_name(root, "memcg_v1_failcnt");
	if (!memcg || cg_create(memcg))
		goto out;

	if (cg_write(memcg, "memory.limit_in_bytes", "30M"))
		goto cleanup;
	if (cg_read_long(memcg, "memory.failcnt") != 0)
		goto cleanup;
	if (cg_run(memcg, touch_anon, (void *)MB(50))) {
		ksft_print_msg("50M in a 30M group failed: no swap?\n");
		goto cleanup;
	}
	if (cg_read_long(memcg, "memory.failcnt") <= 0)
		goto cleanup;
	if (cg_read_long(memcg, "memory.max_usage_in_bytes") > MB(30))
		goto cleanup;
	if (cg_write(memcg, "memory.failcnt", "0") ||
	    cg_read_long(memcg, "memory.failcnt") != 0)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	cg_destroy(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * Kernel memory (here dentries and inodes of new directories) is charged
 * to memory.kmem.usage_in_bytes and, like all kmem, to the memory counter.
 */
static int test_memcg_v1_kmem_charged(const char *root)
{
	const long ndirs = 2000;
	long before, after, usage;
	int ret = KSFT_FAIL;
	char *memcg;

	memcg = cg_name(root, "memcg_v1_kmem");
	if (!memcg || cg_create(memcg))
		goto out;

	before = cg_read_long(memcg, "memory.kmem.usage_in_bytes");
	if (before < 0)
		goto cleanup;
	if (cg_run(memcg, make_dirs, (void *)ndirs))
		goto cleanup;
	after = cg_read_long(memcg, "memory.kmem.usage_in_bytes");
	usage = cg_read_long(memcg, "memory.usage_in_bytes");
	/* A dentry and an ext2 inode are well over 256 bytes together. */
	if (after - before < ndirs * 256) {
		ksft_print_msg("kmem usage grew by %ld for %ld dirs\n",
			       after - before, ndirs);
		goto cleanup;
	}
	if (usage < after)
		goto cleanup;
	if (cg_read_long(memcg, "memory.kmem.max_usage_in_bytes") < after)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	remove_dirs(ndirs);
	cg_destroy(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * memory.kmem.limit_in_bytes parses like memory.limit_in_bytes and keeps
 * what was written; garbage, empty writes, numbers that overflow and the
 * root cgroup are refused with EINVAL.
 */
static int test_memcg_v1_kmem_limit_write(const char *root)
{
	static const char * const garbage[] = {
		"abc", "12x", "1.5G", "--1", "-2", "\n", " ",
		"99999999999999999999", "20000000000G", "0x",
	};
	int ret = KSFT_FAIL;
	char *memcg;
	size_t i;

	memcg = cg_name(root, "memcg_v1_kmem_write");
	if (!memcg || cg_create(memcg))
		goto out;

	if (cg_read_long(memcg, "memory.kmem.limit_in_bytes") != V1_UNLIMITED)
		goto cleanup;
	if (cg_write(memcg, "memory.kmem.limit_in_bytes", "4M") ||
	    cg_read_long(memcg, "memory.kmem.limit_in_bytes") != 4L << 20) {
		ksft_print_msg("the kmem limit was not set\n");
		goto cleanup;
	}
	for (i = 0; i < ARRAY_SIZE(garbage); i++) {
		if (cg_write(memcg, "memory.kmem.limit_in_bytes",
			     (char *)garbage[i]) != -EINVAL ||
		    cg_read_long(memcg, "memory.kmem.limit_in_bytes") != 4L << 20) {
			ksft_print_msg("'%s' was not refused\n", garbage[i]);
			goto cleanup;
		}
	}
	if (cg_write(memcg, "memory.kmem.limit_in_bytes", "-1") ||
	    cg_read_long(memcg, "memory.kmem.limit_in_bytes") != V1_UNLIMITED)
		goto cleanup;
	if (cg_write(root, "memory.kmem.limit_in_bytes", "1G") != -EINVAL) {
		ksft_print_msg("the root cgroup took a kmem limit\n");
		goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	cg_destroy(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * A dentry bomb in a group whose kmem limit is below its memory limit
 * ends with mkdir() failing with ENOMEM: the kmem limit is hit first, and
 * the hits are counted in memory.kmem.failcnt, not memory.failcnt.
 */
static int test_memcg_v1_kmem_limit_dentries(const char *root)
{
	int ret = KSFT_FAIL;
	char *memcg;

	memcg = cg_name(root, "memcg_v1_kmem_dentries");
	if (!memcg || cg_create(memcg))
		goto out;

	if (cg_write(memcg, "memory.limit_in_bytes", "64M") ||
	    cg_write(memcg, "memory.kmem.limit_in_bytes", "2M"))
		goto cleanup;
	if (cg_run(memcg, mkdir_cd_until_enomem, (void *)20000))
		goto cleanup;
	if (cg_read_long(memcg, "memory.kmem.failcnt") <= 0 ||
	    cg_read_long(memcg, "memory.failcnt") != 0) {
		ksft_print_msg("kmem.failcnt %ld, failcnt %ld\n",
			       cg_read_long(memcg, "memory.kmem.failcnt"),
			       cg_read_long(memcg, "memory.failcnt"));
		goto cleanup;
	}
	/*
	 * Page tables of user faults are charged over the limit (they are
	 * bounded by the memory limit instead): allow a few.
	 */
	if (cg_read_long(memcg, "memory.kmem.max_usage_in_bytes") >
	    MB(2) + 16 * PAGE_SIZE) {
		ksft_print_msg("kmem.max_usage_in_bytes %ld over the limit\n",
			       cg_read_long(memcg, "memory.kmem.max_usage_in_bytes"));
		goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	remove_nested();
	cg_destroy(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * A fork bomb in a kmem-limited group ends with fork() failing: thread
 * stacks and task structures are charged to the kmem limit.
 */
static int test_memcg_v1_kmem_limit_fork(const char *root)
{
	int ret = KSFT_FAIL;
	char *memcg;

	memcg = cg_name(root, "memcg_v1_kmem_fork");
	if (!memcg || cg_create(memcg))
		goto out;

	if (cg_write(memcg, "memory.kmem.limit_in_bytes", "2M"))
		goto cleanup;
	if (cg_run(memcg, fork_until_failure, (void *)2000))
		goto cleanup;
	if (cg_read_long(memcg, "memory.kmem.failcnt") <= 0)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	cg_killall(memcg);
	cg_wait_for_proc_count(memcg, 0);
	cg_destroy(memcg);
out:
	free(memcg);
	return ret;
}

/*
 * A child's kernel memory counts against its parent's kmem limit.
 */
static int test_memcg_v1_kmem_limit_hierarchy(const char *root)
{
	char *parent = NULL, *child = NULL;
	int ret = KSFT_FAIL;

	parent = cg_name(root, "memcg_v1_kmem_parent");
	child = cg_name(parent, "child");
	if (!parent || !child || cg_create(parent) || cg_create(child))
		goto cleanup;

	if (cg_write(parent, "memory.kmem.limit_in_bytes", "2M"))
		goto cleanup;
	if (cg_run(child, mkdir_cd_until_enomem, (void *)20000))
		goto cleanup;
	if (cg_read_long(parent, "memory.kmem.failcnt") <= 0 ||
	    cg_read_long(child, "memory.kmem.failcnt") != 0)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	remove_nested();
	if (child)
		cg_destroy(child);
	if (parent)
		cg_destroy(parent);
	free(child);
	free(parent);
	return ret;
}

/*
 * A kmem limit below usage that reclaim cannot free (the stacks of live
 * tasks) is refused with EBUSY, and the old limit stays.
 */
static int test_memcg_v1_kmem_limit_ebusy(const char *root)
{
	int ret = KSFT_FAIL, err, i;
	char *memcg;
	int pid;

	memcg = cg_name(root, "memcg_v1_kmem_ebusy");
	if (!memcg || cg_create(memcg))
		goto out;

	if (cg_write(memcg, "memory.kmem.limit_in_bytes", "64M")) {
		ksft_print_msg("cannot set a 64M kmem limit\n");
		goto cleanup;
	}
	pid = run_nowait_v1(memcg, fork_and_pause, (void *)20);
	if (pid < 0) {
		ksft_print_msg("cannot start the tasks\n");
		goto cleanup;
	}
	for (i = 0; cg_wait_for_proc_count(memcg, 21); i++) {
		if (i == 10) {
			ksft_print_msg("the tasks did not start\n");
			goto cleanup;
		}
	}
	err = cg_write(memcg, "memory.kmem.limit_in_bytes", "4096");
	if (err != -EBUSY) {
		ksft_print_msg("a limit below live stacks: %d, not -EBUSY\n", err);
		goto cleanup;
	}
	if (cg_read_long(memcg, "memory.kmem.limit_in_bytes") != 64L << 20)
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	cg_killall(memcg);
	cg_wait_for_proc_count(memcg, 0);
	cg_destroy(memcg);
out:
	free(memcg);
	return ret;
}

struct memcg_test {
	int (*fn)(const char *root);
	const char *name;
};

#define T(x) { x, #x }
static const struct memcg_test tests[] = {
	T(test_memcg_v1_files),
	T(test_memcg_v1_limit_parse),
	T(test_memcg_v1_failcnt),
	T(test_memcg_v1_kmem_charged),
	T(test_memcg_v1_kmem_limit_write),
	T(test_memcg_v1_kmem_limit_dentries),
	T(test_memcg_v1_kmem_limit_fork),
	T(test_memcg_v1_kmem_limit_hierarchy),
	T(test_memcg_v1_kmem_limit_ebusy),
};

#undef T

int main(int argc, char **argv)
{
	char root[PATH_MAX];
	int i, ret = EXIT_SUCCESS;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	if (cg_find_controller_root(root, sizeof(root), "memory"))
		ksft_exit_skip("cgroup v1 memory controller isn't mounted\n");

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		switch (tests[i].fn(root)) {
		case KSFT_PASS:
			ksft_test_result_pass("%s\n", tests[i].name);
			break;
		case KSFT_SKIP:
			ksft_test_result_skip("%s\n", tests[i].name);
			break;
		default:
			ret = EXIT_FAILURE;
			ksft_test_result_fail("%s\n", tests[i].name);
			break;
		}
	}

	return ret;
}
