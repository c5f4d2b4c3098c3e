// SPDX-License-Identifier: GPL-2.0
/*
 * oom_handler: a reference userspace OOM handler for memory cgroups.
 *
 *	oom_handler [-b BYTES] [-n COUNT] [-t SECONDS] CGROUP
 *
 * It registers as an OOM handler of CGROUP (cgroup v2: memory.oom.handler;
 * cgroup v1: memory.oom_control, "handler" in cgroup.event_control), locks
 * itself in memory, makes itself unkillable by the kernel OOM killer
 * (oom_score_adj -1000), and on every OOM of CGROUP:
 *
 *  1. allocates and fills a report buffer of BYTES (1M by default): the
 *     memory that a real handler needs to log, read /proc, collect a heap
 *     profile... With CGROUP at its limit, only the cgroup's OOM reserve
 *     lets it have that memory;
 *  2. if CGROUP is still at its limit (without a limit, the root: if the
 *     kernel OOM killer has not killed since the event), picks the
 *     lowest-priority job: of the leaf cgroups below CGROUP, at any
 *     depth, that have processes (but not the handler or init), the one
 *     whose processes have the highest oom_score_adj; among equals, the
 *     one using the most memory;
 *  3. kills it: cgroup.kill on cgroup v2, SIGKILL to every process of
 *     its cgroup.procs on v1;
 *  4. waits until the job's memory is freed (its usage falls to a quarter
 *     of what it was, or its cgroup is gone) and logs what it saw and
 *     did, with the time from the event to the kill and to the memory
 *     being freed.
 *
 * It exits after COUNT OOMs (default: never), or after SECONDS without
 * one (default: never). Documentation/admin-guide/mm/oom-handlers.rst
 * describes the kernel side.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct job {
	char name[PATH_MAX];	/* relative to the handled cgroup */
	int score_adj;		/* the highest of its processes */
	long long usage;	/* bytes */
	int nr_procs;
};

static const char *cgroup;
static bool v2;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int len;

	len = snprintf(buf, sizeof(buf), "oom_handler: ");
	va_start(ap, fmt);
	len += vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof(buf) - 1)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	/* One write: the line is whole even when the log is shared. */
	if (write(STDOUT_FILENO, buf, len) < 0)
		exit(1);
}

static void die(const char *what)
{
	say("error: %s: %s", what, strerror(errno));
	exit(1);
}

/* Read @dir/@file into @buf; the length, or -1. */
static ssize_t read_file(const char *dir, const char *file, char *buf,
			 size_t size)
{
	char path[PATH_MAX];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	return len;
}

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	len = write(fd, val, strlen(val));
	close(fd);
	return len == (ssize_t)strlen(val) ? 0 : -1;
}

/* A byte count from @dir/@file; "max" is LLONG_MAX; -1 on error. */
static long long read_bytes(const char *dir, const char *file)
{
	char buf[64];

	if (read_file(dir, file, buf, sizeof(buf)) < 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return LLONG_MAX;
	return strtoll(buf, NULL, 10);
}

static long long usage_of(const char *dir)
{
	return read_bytes(dir, v2 ? "memory.current" : "memory.usage_in_bytes");
}

static long long limit_of(const char *dir)
{
	return read_bytes(dir, v2 ? "memory.max" : "memory.limit_in_bytes");
}

/* Register on @cgroup's OOMs: an fd to poll() with @events, or -1. */
static int register_handler(short *events)
{
	char path[PATH_MAX], buf[64];
	int fd, efd, cfd;

	if (v2) {
		snprintf(path, sizeof(path), "%s/memory.oom.handler", cgroup);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 || write(fd, "1", 1) != 1)
			return -1;
		/* As any cgroup event file: read it once, then poll(). */
		if (pread(fd, buf, sizeof(buf), 0) < 0)
			return -1;
		*events = POLLPRI;
		return fd;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/memory.oom_control", cgroup);
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%d %d handler", efd, cfd);
	if (write_file(cgroup, "cgroup.event_control", buf))
		return -1;
	close(cfd);
	*events = POLLIN;
	return efd;
}

/* Consume the notification poll() reported: 0, or -1 if it failed. */
static int ack_event(int fd)
{
	char buf[64];
	uint64_t n;

	if (v2)
		return pread(fd, buf, sizeof(buf), 0) > 0 ? 0 : -1;
	return read(fd, &n, sizeof(n)) == sizeof(n) ? 0 : -1;
}

/*
 * Fill @job from its cgroup.procs and /proc; false if it has no tasks, or
 * has the handler (@self) or init, which a kill would not stop.
 */
static bool scan_job(const char *dir, struct job *job, pid_t self)
{
	static char procs[65536];
	char path[64], buf[32], *p, *end;
	bool mine = false;

	job->score_adj = -1000;
	job->nr_procs = 0;
	if (read_file(dir, "cgroup.procs", procs, sizeof(procs)) < 0)
		return false;
	for (p = procs; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid == self || pid == 1)
			mine = true;
		snprintf(path, sizeof(path), "/proc/%ld", pid);
		if (read_file(path, "oom_score_adj", buf, sizeof(buf)) > 0 &&
		    atoi(buf) > job->score_adj)
			job->score_adj = atoi(buf);
		job->nr_procs++;
	}
	job->usage = usage_of(dir);
	return job->nr_procs && !mine;
}

/*
 * Look for the lowest-priority job among the leaf cgroups below @dir (@rel
 * below the handled cgroup), at any depth: under systemd, the handled
 * cgroup may be the root or a slice whose jobs are in slices of their
 * own. Leaves only: a kill of a cgroup with children would kill them too
 * on v2, and only its own processes on v1. True if @dir has children.
 */
static bool pick_below(const char *dir, const char *rel, struct job *victim,
		       bool *found, int depth)
{
	char sub[PATH_MAX], subrel[PATH_MAX];
	bool children = false;
	struct dirent *d;
	struct job job;
	DIR *cg;

	cg = opendir(dir);
	if (!cg)
		return false;
	while ((d = readdir(cg))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		children = true;
		snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name);
		snprintf(subrel, sizeof(subrel), "%s%s%s", rel, *rel ? "/" : "",
			 d->d_name);
		if (depth < 16 && pick_below(sub, subrel, victim, found, depth + 1))
			continue;
		if (scan_job(sub, &job, getpid()) &&
		    (!*found || job.score_adj > victim->score_adj ||
		     (job.score_adj == victim->score_adj &&
		      job.usage > victim->usage))) {
			snprintf(job.name, sizeof(job.name), "%s", subrel);
			*victim = job;
			*found = true;
		}
	}
	closedir(cg);
	return children;
}

/* The lowest-priority job under @cgroup, or false if there is none. */
static bool pick_job(struct job *victim)
{
	bool found = false;

	pick_below(cgroup, "", victim, &found, 0);
	return found;
}

static int kill_job(const char *dir)
{
	static char procs[65536];
	char *p, *end;
	int i;

	if (v2)
		return write_file(dir, "cgroup.kill", "1");
	/* v1 has no cgroup.kill: kill until nothing is left to fork. */
	for (i = 0; i < 100; i++) {
		if (read_file(dir, "cgroup.procs", procs, sizeof(procs)) <= 0)
			return 0;
		for (p = procs; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			kill(pid, SIGKILL);
		}
		usleep(1000);
	}
	return 0;
}

/* Wait up to 10 s for @dir's usage to fall to @target: ms, or -1. */
static double wait_freed(const char *dir, long long target, double t0)
{
	int i;

	for (i = 0; i < 10000; i++) {
		long long usage = usage_of(dir);

		/* Gone: systemd removes a unit's cgroup once it is empty. */
		if (usage < 0 && access(dir, F_OK))
			return now_ms() - t0;
		if (usage >= 0 && usage <= target)
			return now_ms() - t0;
		usleep(1000);
	}
	return -1;
}

/* The kernel OOM killer's kills so far (/proc/vmstat oom_kill), or -1. */
static long long oom_kills(void)
{
	static char vmstat[16384];
	char *p;

	if (read_file("/proc", "vmstat", vmstat, sizeof(vmstat)) < 0)
		return -1;
	p = strstr(vmstat, "\noom_kill ");
	return p ? atoll(p + 10) : -1;
}

static void handle_oom(int n, size_t report_size, double t0, long long kills)
{
	double t_report, t_kill, t_freed;
	long long usage, limit;
	char dir[2 * PATH_MAX];
	struct job job;
	char *report;
	size_t off;

	/* What a handler needs memory for: here, a report to fill. */
	report = malloc(report_size);
	if (!report) {
		say("oom %d: cannot allocate a %zu KiB report", n,
		    report_size >> 10);
		return;
	}
	for (off = 0; off < report_size; off += 4096)
		report[off] = 1;
	t_report = now_ms() - t0;

	usage = usage_of(cgroup);
	limit = limit_of(cgroup);
	say("oom %d: usage %lld KiB, limit %lld KiB; report of %zu KiB %.1f ms after the event",
	    n, usage >> 10, limit == LLONG_MAX ? -1 : limit >> 10,
	    report_size >> 10, t_report);
	/*
	 * Someone else (the kernel, after the grace period) resolved it: the
	 * usage is back under the limit or, where there is no limit (the
	 * root: a system OOM), the kernel OOM killer has killed since.
	 */
	if (limit >= 0 && limit < LLONG_MAX / 2 ?
	    usage + (long long)report_size < limit :
	    kills >= 0 && oom_kills() > kills) {
		say("oom %d: resolved before the handler acted", n);
		free(report);
		return;
	}
	if (!pick_job(&job)) {
		say("oom %d: no job to kill", n);
		free(report);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/%s", cgroup, job.name);
	if (kill_job(dir)) {
		say("oom %d: cannot kill %s: %s", n, job.name, strerror(errno));
		free(report);
		return;
	}
	t_kill = now_ms() - t0;
	say("oom %d: killed %s (%d processes, oom_score_adj %d, %lld KiB)",
	    n, job.name, job.nr_procs, job.score_adj, job.usage >> 10);
	t_freed = wait_freed(dir, job.usage / 4, t0);
	say("oom %d: event to kill %.1f ms, to memory freed %.1f ms",
	    n, t_kill, t_freed);
	free(report);
}

static void print_usage(void)
{
	fprintf(stderr, "usage: oom_handler [-b BYTES] [-n COUNT] [-t SECONDS] CGROUP\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t report_size = 1 << 20;
	int count = 0, timeout = -1, n, fd, opt;
	struct pollfd pfd;
	char path[PATH_MAX];
	long long kills;
	double t0;

	while ((opt = getopt(argc, argv, "b:n:t:")) != -1) {
		switch (opt) {
		case 'b':
			report_size = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 't':
			timeout = atoi(optarg) * 1000;
			break;
		default:
			print_usage();
		}
	}
	if (optind != argc - 1)
		print_usage();
	cgroup = argv[optind];
	snprintf(path, sizeof(path), "%s/memory.oom.handler", cgroup);
	v2 = !access(path, F_OK);

	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		die("mlockall");
	if (write_file("/proc/self", "oom_score_adj", "-1000"))
		say("warning: cannot set oom_score_adj: %s", strerror(errno));
	fd = register_handler(&pfd.events);
	if (fd < 0)
		die("registering as an OOM handler");
	pfd.fd = fd;
	say("handling OOMs of %s (cgroup v%d), pid %d", cgroup, v2 ? 2 : 1,
	    getpid());

	for (n = 1; !count || n <= count; n++) {
		int ret = poll(&pfd, 1, timeout);

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			die("poll");
		if (ret == 0) {
			say("no OOM for %d s, exiting", timeout / 1000);
			break;
		}
		t0 = now_ms();
		kills = oom_kills();
		/* v2 reports POLLERR with POLLPRI; a removed cgroup fails here. */
		if (ack_event(fd)) {
			say("the cgroup is gone, exiting");
			break;
		}
		handle_oom(n, report_size, t0, kills);
	}
	return 0;
}
