// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the guest side of `make bench`, run by scripts/guest/bench.sh in
 * a cgroup the script set up. Each measurement is a line on stdout:
 *
 *	RESULT <name> <setting> <value> <unit>
 *	TIMELINE <scenario> <ms> <usage KiB> [<mark>]
 *
 *	bench micro SETTING           the workloads, each for SAMPLES samples
 *	                              of SECONDS seconds: the median rate,
 *	                              on the first CPU it may use
 *	bench reap SETTING CGROUP     a handler's kill of a victim of CGROUP
 *	                              (stuck if SETTING is "stuck") to its
 *	                              memory freed, during an OOM of CGROUP
 *	bench probe SECONDS           a probe's loop rate, for the fork bomb
 *	bench sample CGROUP LABEL SECONDS
 *	                              CGROUP's usage every 5 ms, as TIMELINE
 *	bench count SETTING           page_counter calls per fork, mkdir and
 *	                              faulted page, from the hit counts of
 *	                              the kprobes pc_* (bench.sh sets them)
 *	bench hammer DIR              create files in DIR until that fails,
 *	                              unlink half, again, for ever
 *	bench latency SETTING DIR SECONDS
 *	                              create + unlink in DIR: p50, p99, max
 *
 * Environment: SAMPLES (default 5), SECONDS (default 1), SCRATCH (a tmpfs
 * directory for the file workloads).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOLD	"/sys/kernel/debug/oom_reaper_test/hold"
#define RELEASE	"/sys/kernel/debug/oom_reaper_test/release"
#define FAULT_SIZE	(8UL << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One operation of each workload; returns the units it did. */

static long op_fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);
	return 1;
}

static char scratch[256];

static long op_mkdir(void)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/d", scratch);
	if (mkdir(path, 0755) || rmdir(path))
		die("mkdir");
	return 1;
}

static long op_create(void)
{
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/f", scratch);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		die("create");
	close(fd);
	if (unlink(path))
		die("unlink");
	return 1;
}

static long op_fault(void)
{
	char *buf = mmap(NULL, FAULT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (buf == MAP_FAILED)
		die("mmap");
	for (off = 0; off < FAULT_SIZE; off += 4096)
		buf[off] = 1;
	munmap(buf, FAULT_SIZE);
	return FAULT_SIZE / 4096;
}

static long op_pipe(void)
{
	int fds[2], sv[2];

	if (pipe(fds) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("pipe");
	close(fds[0]);
	close(fds[1]);
	close(sv[0]);
	close(sv[1]);
	return 1;
}

static const struct workload {
	const char *name, *unit;
	long (*op)(void);
} workloads[] = {
	{ "fork",   "forks/s",	op_fork },
	{ "mkdir",  "dirs/s",	op_mkdir },
	{ "create", "files/s",	op_create },
	{ "fault",  "pages/s",	op_fault },
	{ "pipe",   "pairs/s",	op_pipe },
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void pin_to_first_cpu(void)
{
	cpu_set_t set;
	int i;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (i = 0; i < CPU_SETSIZE && !CPU_ISSET(i, &set); i++)
		;
	CPU_ZERO(&set);
	CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static int micro(const char *setting)
{
	int samples = getenv("SAMPLES") ? atoi(getenv("SAMPLES")) : 5;
	double secs = getenv("SECONDS") ? atof(getenv("SECONDS")) : 1;
	double rates[64];
	unsigned int w;
	int i;

	snprintf(scratch, sizeof(scratch), "%s",
		 getenv("SCRATCH") ? getenv("SCRATCH") : "/tmp");
	/*
	 * One CPU for the workload and its children: a fork or a pipe whose
	 * two ends run on two vCPUs times how TCG interleaves them, not the
	 * kernel (fork rates then vary by 2-3% from boot to boot).
	 */
	pin_to_first_cpu();
	if (samples < 1 || samples > 64)
		samples = 5;
	for (w = 0; w < sizeof(workloads) / sizeof(workloads[0]); w++) {
		for (i = 0; i < samples; i++) {
			double t0 = now_s(), t;
			long n = 0;

			do {
				n += workloads[w].op();
				t = now_s();
			} while (t - t0 < secs);
			rates[i] = n / (t - t0);
		}
		qsort(rates, samples, sizeof(rates[0]), cmp_double);
		printf("RESULT %s %s %.1f %s\n", workloads[w].name, setting,
		       rates[samples / 2], workloads[w].unit);
		fflush(stdout);
	}
	return 0;
}

/* Shared-counter writes: page_counter calls, counted by kprobes */

#define KPROBE_PROFILE	"/sys/kernel/tracing/kprobe_profile"

/* The hits of the kprobes named pc_*, summed; -1 without them. */
static long pc_calls(void)
{
	char name[128];
	long hits, missed, total = -1;
	FILE *f = fopen(KPROBE_PROFILE, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%127s %ld %ld", name, &hits, &missed) == 3) {
		if (strncmp(name, "pc_", 3))
			continue;
		total = (total < 0 ? 0 : total) + hits;
	}
	fclose(f);
	return total;
}

/*
 * page_counter charge and uncharge calls (every counter: memory, memsw,
 * swap, kmem) per operation, for fork, mkdir and anonymous faults, after
 * a warm-up. Each call writes one cache line per level it walks.
 */
static int count(const char *setting)
{
	static const struct {
		const char *name;
		int ops;
		long (*op)(void);
	} w[] = { { "fork", 400, op_fork }, { "mkdir", 2000, op_mkdir },
		  { "fault", 4, op_fault } };
	long before, after, units;
	unsigned int i;
	int j;

	snprintf(scratch, sizeof(scratch), "%s",
		 getenv("SCRATCH") ? getenv("SCRATCH") : "/tmp");
	pin_to_first_cpu();
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		for (j = 0; j < w[i].ops / 4; j++)
			w[i].op();
		units = 0;
		before = pc_calls();
		for (j = 0; j < w[i].ops; j++)
			units += w[i].op();
		after = pc_calls();
		if (before < 0 || after < 0) {
			printf("RESULT pcw-%s %s - n/a (no kprobes)\n", w[i].name,
			       setting);
			continue;
		}
		printf("RESULT pcw-%s %s %.3f calls/op\n", w[i].name, setting,
		       (double)(after - before) / units);
	}
	return 0;
}

/* Contention at the kmem limit: a prober's create + unlink latency */

static int hammer(const char *dir)
{
	const int max = 5000;
	char path[512];
	int n, i, fd;

	for (;;) {
		for (n = 0; n < max; n++) {
			snprintf(path, sizeof(path), "%s/h%d-%d", dir, getpid(), n);
			fd = open(path, O_CREAT | O_WRONLY, 0644);
			if (fd < 0)
				break;
			close(fd);
		}
		for (i = 0; i < n; i += 2) {
			snprintf(path, sizeof(path), "%s/h%d-%d", dir, getpid(), i);
			unlink(path);
		}
		for (i = 1; i < n; i += 2) {
			snprintf(path, sizeof(path), "%s/h%d-%d", dir, getpid(), i);
			unlink(path);
		}
	}
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static int latency(const char *setting, const char *dir, double secs)
{
	static long lat[1 << 20];
	char path[512];
	double t0 = now_s(), t1, t2;
	long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/probe-%d", dir, getpid());
	do {
		t1 = now_s();
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			die("latency: create");
		close(fd);
		if (unlink(path))
			die("latency: unlink");
		t2 = now_s();
		lat[n++] = (t2 - t1) * 1e9;
	} while (t2 - t0 < secs && n < (long)(sizeof(lat) / sizeof(lat[0])));
	qsort(lat, n, sizeof(lat[0]), cmp_long);
	printf("RESULT lat-p50 %s %.1f us\n", setting, lat[n / 2] / 1e3);
	printf("RESULT lat-p99 %s %.1f us\n", setting, lat[n * 99 / 100] / 1e3);
	printf("RESULT lat-max %s %.1f us\n", setting, lat[n - 1] / 1e3);
	return 0;
}

/* The reap scenario */

static long read_long(const char *dir, const char *file)
{
	char path[512], buf[64];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = 0;
	return atol(buf);
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

static int enter(const char *cgroup)
{
	char path[512], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_str(path, pid);
}

static pid_t spawn_filler(const char *cgroup, size_t size, bool stuck)
{
	pid_t pid = fork();
	char *buf;
	size_t off;

	if (pid)
		return pid;
	if (enter(cgroup))
		_exit(1);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		_exit(1);
	for (off = 0; off < size; off += 4096)
		buf[off] = 1;
	if (stuck)
		write_str(HOLD, "1");
	for (;;)
		pause();
}

/*
 * A victim faults in 40M of @cgroup's 64M, a hog runs the cgroup out of
 * memory (the script holds the OOM killer off), and the bench, as the
 * handler, kills the victim: how long until its memory is back? A stuck
 * victim is held in uninterruptible sleep by CONFIG_TEST_OOM_REAPER.
 */
/*
 * Register as an OOM handler of a v1 @cgroup: an eventfd on its
 * memory.oom_control (v2: the script did it through memory.oom.handler).
 * Only a handler's kills are reaped at once. Returns the eventfd, or -1.
 */
static int register_v1_handler(const char *cgroup)
{
	char path[512], buf[64];
	int efd = eventfd(0, 0), cfd, fd, ok = 0;

	snprintf(path, sizeof(path), "%s/memory.oom_control", cgroup);
	cfd = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "%s/cgroup.event_control", cgroup);
	fd = open(path, O_WRONLY);
	if (efd >= 0 && cfd >= 0 && fd >= 0) {
		snprintf(buf, sizeof(buf), "%d %d handler", efd, cfd);
		ok = write(fd, buf, strlen(buf)) > 0;
	}
	if (fd >= 0)
		close(fd);
	if (cfd >= 0)
		close(cfd);
	if (!ok && efd >= 0) {
		close(efd);
		efd = -1;
	}
	return efd;
}

static int reap(const char *setting, const char *cgroup)
{
	const char *usage_file = access("/sys/fs/cgroup/cgroup.controllers",
					F_OK) ? "memory.usage_in_bytes" :
						"memory.current";
	bool stuck = !strcmp(setting, "stuck");
	long before, usage, kib;
	double t0, t, freed = -1;
	pid_t victim, hog;

	if (stuck && access(HOLD, F_OK)) {
		printf("RESULT reap %s - never (no way to hold a victim)\n",
		       setting);
		return 0;
	}
	if (strcmp(usage_file, "memory.current"))
		register_v1_handler(cgroup);	/* for the process's life */
	victim = spawn_filler(cgroup, 40UL << 20, stuck);
	usleep(500000);
	while (read_long(cgroup, usage_file) < (38L << 20))
		usleep(10000);
	hog = spawn_filler(cgroup, 64UL << 20, false);
	for (t0 = now_s(); now_s() - t0 < 10; usleep(10000))
		if (read_long(cgroup, usage_file) >= (63L << 20))
			break;
	usleep(300000);	/* the OOM is under way */

	before = read_long(cgroup, usage_file);
	t0 = now_s();
	kill(victim, SIGKILL);
	do {
		t = now_s();
		usage = read_long(cgroup, usage_file);
		kib = usage >> 10;
		printf("TIMELINE reap-%s %.1f %ld\n", setting,
		       (t - t0) * 1000, kib);
		if (usage >= 0 && before - usage >= (30L << 20)) {
			freed = (t - t0) * 1000;
			break;
		}
		usleep(2000);
	} while (t - t0 < 5);
	if (freed >= 0)
		printf("RESULT reap %s %.1f ms\n", setting, freed);
	else
		printf("RESULT reap %s - never (not within 5 s)\n", setting);
	if (stuck)
		write_str(RELEASE, "1");
	kill(hog, SIGKILL);
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	waitpid(hog, NULL, 0);
	return 0;
}

/* @cgroup's usage every 5 ms for @secs seconds. */
static int sample(const char *cgroup, const char *label, double secs)
{
	const char *usage_file = access("/sys/fs/cgroup/cgroup.controllers",
					F_OK) ? "memory.usage_in_bytes" :
						"memory.current";
	double t0 = now_s(), t;

	do {
		t = now_s();
		printf("TIMELINE %s %.1f %ld\n", label, (t - t0) * 1000,
		       read_long(cgroup, usage_file) >> 10);
		usleep(5000);
	} while (t - t0 < secs);
	return 0;
}

/* How many loop iterations a second the probe gets. */
static int probe(double secs)
{
	volatile unsigned long n = 0;
	double t0 = now_s(), t;

	do {
		for (int i = 0; i < 100000; i++)
			n++;
		t = now_s();
	} while (t - t0 < secs);
	printf("%.0f\n", n / (t - t0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "micro"))
		return micro(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "reap"))
		return reap(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "probe"))
		return probe(atof(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "sample"))
		return sample(argv[2], argv[3], atof(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "count"))
		return count(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hammer"))
		return hammer(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "latency"))
		return latency(argv[2], argv[3], atof(argv[4]));
	fprintf(stderr, "usage: bench micro SETTING | reap SETTING CGROUP | probe SECONDS | sample CGROUP LABEL SECONDS | count SETTING | hammer DIR | latency SETTING DIR SECONDS\n");
	return 2;
}
