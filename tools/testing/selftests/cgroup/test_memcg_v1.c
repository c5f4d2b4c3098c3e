// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup v1 memory controller interface: the control files exist,
 * limits parse like memory.limit_in_bytes always did, limit hits are
 * counted, and kernel memory is charged to memory.kmem.usage_in_bytes.
 * The kmem limit itself is tested by test_kmem_limit, on v1 and v2.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

static const struct cg_test tests[] = {
	CG_TEST(test_memcg_v1_files),
	CG_TEST(test_memcg_v1_limit_parse),
	CG_TEST(test_memcg_v1_failcnt),
	CG_TEST(test_memcg_v1_kmem_charged),
};

int main(int argc, char **argv)
{
	char root[PATH_MAX];

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	if (cg_find_controller_root(root, sizeof(root), "memory"))
		ksft_exit_skip("cgroup v1 memory controller isn't mounted\n");

	return cg_run_tests(tests, ARRAY_SIZE(tests), root);
}
