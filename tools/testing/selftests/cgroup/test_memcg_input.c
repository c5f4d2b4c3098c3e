// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to every memory cgroup file and sysctl that the kmem-limit,
 * OOM-reserve and OOM-reaper series adds or changes, on whichever memory
 * controller interface is mounted: boundary strings (empty, blanks,
 * signs, suffixes, overflow, embedded NUL, very long) and random ones,
 * written as root and as an unprivileged user. Each write must either be
 * accepted with a value that reads back sensibly, or be refused with
 * nothing changed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

#define NOBODY		65534
#define RANDOM_WRITES	300

static bool v2;

/* What a file holds: how to check a value it reads back. */
enum kind {
	BYTES,		/* bytes, a multiple of the page size */
	BYTES_OR_MAX,	/* ... or "max" */
	MSECS,		/* a number of milliseconds, 0..60000 */
	KBYTES,		/* a number of kilobytes, an unsigned int */
};

struct file {
	const char *name;	/* in the test cgroup, or an absolute path */
	enum kind kind;
};

static const struct file v2_files[] = {
	{ "memory.kmem.max", BYTES_OR_MAX },
	{ "memory.oom.reserve", BYTES },
	{ "/proc/sys/vm/oom_handler_grace_ms", MSECS },
	{ "/proc/sys/vm/oom_handler_system_reserve_kbytes", KBYTES },
};

static const struct file v1_files[] = {
	{ "memory.kmem.limit_in_bytes", BYTES },
	{ "memory.oom_reserve_in_bytes", BYTES },
	{ "/proc/sys/vm/oom_handler_grace_ms", MSECS },
	{ "/proc/sys/vm/oom_handler_system_reserve_kbytes", KBYTES },
};

static const char * const boundary[] = {
	"", " ", "\n", "\t", "0", "1", "4095", "4096", "4097", "-1", "-0",
	"-4096", "+4096", "max", "MAX", " max", "max ", "max\n", "maxx",
	"1k", "1K", "1m", "1M", "1g", "1G", "1t", "1T", "1p", "1e", "1E",
	"16E", "15E", "8E", "17179869184G", "9223372036854775807",
	"9223372036854775808", "18446744073709551615",
	"18446744073709551616", "99999999999999999999999",
	"-9223372036854775808", "0x1000", "0X1000", "0x", "010", "08",
	"1.5M", "1MM", "1Mb", "M", "k", "1 2", " 4096", "4096 ", "\t4096",
	"4096\t", "1,2", "1;2", "4096\n\n", "60000", "60001", "59999",
	"4294967295", "4294967296",
};

static const char *path_of(const char *cgroup, const struct file *f,
			   char *buf, size_t size)
{
	if (f->name[0] == '/')
		snprintf(buf, size, "%s", f->name);
	else
		snprintf(buf, size, "%s/%s", cgroup, f->name);
	return buf;
}

static int read_value(const char *path, char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -errno;
	buf[len] = '\0';
	return 0;
}

/* Write @len bytes of @val to @path in one write(): 0 or -errno. */
static int write_value(const char *path, const char *val, size_t len)
{
	ssize_t ret;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, len);
	close(fd);
	if (ret < 0)
		return -errno;
	return ret == (ssize_t)len ? 0 : -EIO;
}

/* Does @buf, read back from a file of @kind, make sense? */
static bool sensible(enum kind kind, const char *buf)
{
	unsigned long long val;
	char *end;

	if (kind == BYTES_OR_MAX && !strcmp(buf, "max\n"))
		return true;
	errno = 0;
	val = strtoull(buf, &end, 10);
	if (errno || end == buf || strcmp(end, "\n"))
		return false;
	if (kind == MSECS)
		return val <= 60000;
	if (kind == KBYTES)
		return val <= UINT_MAX;
	/* Bytes: whole pages, below the page counter's maximum. */
	return !(val % getpagesize()) &&
	       val <= (unsigned long long)LONG_MAX / getpagesize() * getpagesize();
}

/* @val made printable in @out, of @size bytes (at least 64). */
static void printable(const char *val, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 24 < size; i++) {
		unsigned char c = val[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[n++] = c;
		else
			n += snprintf(out + n, size - n, "\\x%02x", c);
	}
	out[n] = '\0';
	if (i < len)
		snprintf(out + n, size - n, "...(%zu bytes)", len);
}

/*
 * One write: as root, it is accepted and reads back sensibly or it is
 * refused and the value is unchanged; as nobody, it is refused and the
 * value is unchanged. Returns 0 or -1 after saying what went wrong.
 */
static int try_write(const char *path, const struct file *f, const char *val,
		     size_t len, bool root)
{
	char before[256], after[256], shown[128];
	int err, status;
	pid_t pid;

	if (read_value(path, before, sizeof(before)))
		return -1;
	if (root) {
		err = write_value(path, val, len);
	} else {
		pid = fork();
		if (pid == 0) {
			if (setgid(NOBODY) || setuid(NOBODY))
				_exit(255);
			_exit(-write_value(path, val, len));
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status))
			return -1;
		err = -WEXITSTATUS(status);
	}
	if (read_value(path, after, sizeof(after)))
		return -1;

	printable(val, len, shown, sizeof(shown));
	if (!err) {
		if (!root) {
			ksft_print_msg("%s: nobody wrote \"%s\"\n", path, shown);
			return -1;
		}
		if (!sensible(f->kind, after)) {
			ksft_print_msg("%s: \"%s\" accepted, reads back %s",
				       path, shown, after);
			return -1;
		}
		return 0;
	}
	if (strcmp(before, after)) {
		ksft_print_msg("%s: \"%s\" refused (%s) but changed %s to %s",
			       path, shown, strerror(-err), before, after);
		return -1;
	}
	/* E2BIG: cgroup files take at most a page in one write. */
	if (err != -EINVAL && err != -EBUSY && err != -EACCES &&
	    err != -EPERM && err != -EOPNOTSUPP && err != -E2BIG) {
		ksft_print_msg("%s: \"%s\" refused with an odd error: %s\n",
			       path, shown, strerror(-err));
		return -1;
	}
	return 0;
}

/* A random string: digits, signs, suffixes, blanks and any byte. */
static size_t random_value(char *buf, size_t size)
{
	static const char alphabet[] = "0123456789-+kKmMgGtTpPeExX .\t\nmax";
	size_t len = 1 + rand() % 24, i;

	if (len >= size)
		len = size - 1;
	for (i = 0; i < len; i++) {
		if (rand() % 16)
			buf[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
		else
			buf[i] = rand() % 256;
	}
	return len;
}

static int fuzz(const char *cgroup, bool root)
{
	const struct file *files = v2 ? v2_files : v1_files;
	static const char nul[] = { '4', '0', '9', '6', 0, '8', '1', '9', '2' };
	char path[PATH_MAX], val[64], saved[256], longval[5000];
	unsigned int i, j, nfiles = v2 ? ARRAY_SIZE(v2_files) : ARRAY_SIZE(v1_files);
	int ret = 0;

	memset(longval, '1', sizeof(longval));
	for (i = 0; i < nfiles; i++) {
		path_of(cgroup, &files[i], path, sizeof(path));
		if (read_value(path, saved, sizeof(saved))) {
			ksft_print_msg("%s: cannot read\n", path);
			return -1;
		}
		for (j = 0; j < ARRAY_SIZE(boundary); j++)
			ret |= try_write(path, &files[i], boundary[j],
					 strlen(boundary[j]), root);
		/* Embedded NUL, very long. */
		ret |= try_write(path, &files[i], nul, sizeof(nul), root);
		ret |= try_write(path, &files[i], "\0", 1, root);
		ret |= try_write(path, &files[i], longval, sizeof(longval),
				 root);
		for (j = 0; j < RANDOM_WRITES; j++) {
			size_t len = random_value(val, sizeof(val));

			ret |= try_write(path, &files[i], val, len, root);
		}
		/* Put it back as it was. */
		if (root)
			write_value(path, saved, strlen(saved));
	}
	return ret;
}

/* As root: every write is taken or refused cleanly. */
static int test_memcg_input_root(const char *root)
{
	int ret = KSFT_FAIL;
	char *cgroup;

	cgroup = cg_name(root, "memcg_input_root");
	if (!cgroup || cg_create(cgroup))
		goto out;
	srand(1);
	if (!fuzz(cgroup, true))
		ret = KSFT_PASS;
	cg_destroy(cgroup);
out:
	free(cgroup);
	return ret;
}

/* As nobody: nothing is taken and nothing changes. */
static int test_memcg_input_nobody(const char *root)
{
	int ret = KSFT_FAIL;
	char *cgroup;

	cgroup = cg_name(root, "memcg_input_nobody");
	if (!cgroup || cg_create(cgroup))
		goto out;
	srand(2);
	if (!fuzz(cgroup, false))
		ret = KSFT_PASS;
	cg_destroy(cgroup);
out:
	free(cgroup);
	return ret;
}

/*
 * v2's memory.oom.handler takes "1" once an open file; v1's
 * cgroup.event_control keeps refusing what it refused.
 */
static int test_memcg_input_registration(const char *root)
{
	static const char * const bad[] = {
		"", "0", "2", "11", "-1", "1 1", " 1x", "one", "\n\n",
	};
	char path[PATH_MAX], *cgroup;
	int ret = KSFT_FAIL, fd = -1, i, err;

	cgroup = cg_name(root, "memcg_input_reg");
	if (!cgroup || cg_create(cgroup))
		goto out;
	if (v2) {
		snprintf(path, sizeof(path), "%s/memory.oom.handler", cgroup);
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			err = write_value(path, bad[i], strlen(bad[i]));
			if (!strcmp(bad[i], "") && !err)
				continue;	/* an empty write is no write */
			if (err != -EINVAL) {
				ksft_print_msg("memory.oom.handler took \"%s\": %s\n",
					       bad[i], strerror(-err));
				goto cleanup;
			}
		}
		fd = open(path, O_RDWR);
		if (fd < 0 || write(fd, "1\n", 2) != 2 ||
		    write(fd, "1", 1) != -1 || errno != EBUSY) {
			ksft_print_msg("memory.oom.handler: a second \"1\" was not EBUSY\n");
			goto cleanup;
		}
	} else {
		static const char * const ev_bad[] = {
			"", "x", "1", "1 x", "99999 99999", "-1 -1",
		};

		snprintf(path, sizeof(path), "%s/cgroup.event_control", cgroup);
		for (i = 0; i < ARRAY_SIZE(ev_bad); i++) {
			err = write_value(path, ev_bad[i], strlen(ev_bad[i]));
			if (!strcmp(ev_bad[i], "") && !err)
				continue;
			if (err != -EINVAL && err != -EBADF) {
				ksft_print_msg("cgroup.event_control took \"%s\": %s\n",
					       ev_bad[i], strerror(-err));
				goto cleanup;
			}
		}
	}
	ret = KSFT_PASS;
cleanup:
	if (fd >= 0)
		close(fd);
	cg_destroy(cgroup);
out:
	free(cgroup);
	return ret;
}

static const struct cg_test tests[] = {
	CG_TEST(test_memcg_input_root),
	CG_TEST(test_memcg_input_nobody),
	CG_TEST(test_memcg_input_registration),
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

	ret = cg_run_tests(tests, ARRAY_SIZE(tests), root);
	return ret;
}
