// SPDX-License-Identifier: GPL-2.0
/*
 * Memory reserves for userspace OOM handlers, on whichever memory
 * controller interface is mounted: a handler registered on a full cgroup
 * (the kernel OOM killer held off: oom_kill_disable on v1, a long
 * vm.oom_handler_grace_ms on v2) can allocate within the cgroup's reserve
 * and kill the hog; without a reserve it is stuck like everyone else;
 * other tasks get nothing from the reserve; a reserve never lifts an
 * ancestor's limit; only root may handle the root cgroup's OOMs; and if
 * the handlers do nothing, the kernel OOM killer acts once the grace
 * period is over.
 *
 * With --system it tests system OOMs instead, in a small guest: it turns
 * swap off and runs a hog outside any limit until the page allocator is
 * out of memory. A handler of the root cgroup with a system reserve
 * allocates below the min watermarks and kills the hog before the kernel
 * OOM killer does; without a reserve it is stuck until the kernel acts;
 * however large the reserve, it leaves three quarters of the min
 * watermarks free; and a handler blocked on a lock that an allocating
 * task holds delays the kernel OOM killer by a second at most, whatever
 * the grace period.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

#define GRACE		"/proc/sys/vm/oom_handler_grace_ms"
#define SYSTEM_RESERVE	"/proc/sys/vm/oom_handler_system_reserve_kbytes"
#define NOBODY		65534

/* The full cgroup: its limit, its reserve, the hog, the handler's need. */
#define LIMIT		"32M"
#define RESERVE		"8M"
#define HOG_SIZE	MB(64)
#define HANDLER_SIZE	MB(4)

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)

static bool v2;

struct shared {
	pid_t hog;		/* for the handler to kill */
	int registered;		/* the handler registered */
	int woken;		/* ... and saw the OOM */
	long allocated;		/* bytes it faulted in since */
	int go;			/* the test: the handler may finish */
	int charge;		/* the test: the charging task may charge */
	pid_t orphan;		/* a child that kept a handler's fd */
	int error;		/* errno of a failed registration */
};

static struct shared *shared;

/* SIGKILL to @pid, never to a process group or to everybody. */
static int kill_pid(pid_t pid)
{
	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(pid, SIGKILL);
}

static int shared_init(void)
{
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	memset(shared, 0, sizeof(*shared));
	return 0;
}

static const char *reserve_file(void)
{
	return v2 ? "memory.oom.reserve" : "memory.oom_reserve_in_bytes";
}

/* Highest usage: memory.peak, v1's memory.max_usage_in_bytes. */
static long peak_usage(const char *cgroup)
{
	return cg_read_long(cgroup, v2 ? "memory.peak" :
			    "memory.max_usage_in_bytes");
}

/* An OOM event counter of the cgroup, or -1. */
static long oom_event(const char *cgroup, const char *key)
{
	return cg_read_key_long(cgroup, v2 ? "memory.events" :
				"memory.oom_control", key);
}

/* Write @val to the sysctl file @path: 0, or -1 if it was refused. */
static int set_sysctl(const char *path, const char *val)
{
	return write_text(path, (char *)val, strlen(val)) ==
		(ssize_t)strlen(val) ? 0 : -1;
}

static int set_grace(const char *ms)
{
	return set_sysctl(GRACE, ms);
}

/*
 * v1: register an eventfd on @cgroup's memory.oom_control, with @args
 * after the fds. Returns the eventfd (close it to unregister), or -errno.
 */
static int register_eventfd(const char *cgroup, const char *args)
{
	char path[PATH_MAX], buf[64];
	int efd, cfd, fd, err = 0;

	efd = eventfd(0, 0);
	if (efd < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/memory.oom_control", cgroup);
	cfd = open(path, O_RDONLY);
	if (cfd < 0) {
		err = -errno;
		goto out;
	}
	snprintf(buf, sizeof(buf), "%d %d%s", efd, cfd, args);
	snprintf(path, sizeof(path), "%s/cgroup.event_control", cgroup);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	close(cfd);
out:
	if (err) {
		close(efd);
		return err;
	}
	return efd;
}

/* v1: a plain OOM listener on @cgroup, as before handlers; fd or -errno. */
static int register_listener(const char *cgroup)
{
	return register_eventfd(cgroup, "");
}

/*
 * Make the caller's process an OOM handler of @cgroup. Returns an fd that
 * poll()s on the cgroup's OOMs (close it to unregister), or -errno.
 */
static int register_handler(const char *cgroup)
{
	char path[PATH_MAX], buf[64];
	int fd, err;

	if (v2) {
		snprintf(path, sizeof(path), "%s/memory.oom.handler", cgroup);
		fd = open(path, O_RDWR);
		if (fd < 0)
			return -errno;
		/* Then read it, as any cgroup event file, before poll(). */
		if (write(fd, "1", 1) != 1 || pread(fd, buf, sizeof(buf), 0) <= 0) {
			err = -errno;
			close(fd);
			return err;
		}
		return fd;
	}
	return register_eventfd(cgroup, " handler");
}

/* Wait up to @timeout_ms for an OOM on what register_handler() gave. */
static int wait_oom(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = v2 ? POLLPRI : POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 ? 0 : -1;
}

/*
 * Consume the notification. On v2 that is a read of memory.oom.handler,
 * whose seq_file buffer is kernel memory charged to the reader: in a full
 * cgroup, a handler needs its reserve for that already.
 */
static int ack_oom(int fd)
{
	char buf[64];
	uint64_t n;

	if (v2)
		return pread(fd, buf, sizeof(buf), 0) > 0 ? 0 : -1;
	return read(fd, &n, sizeof(n)) == sizeof(n) ? 0 : -1;
}

/* Make the caller a task that the kernel OOM killer never picks. */
static int unkillable(void)
{
	return write_text("/proc/self/oom_score_adj", "-1000", 5) == 5 ? 0 : -1;
}

/* Map @size bytes of private anonymous memory and fault every page in. */
static int fault_in(size_t size)
{
	char *buf;
	size_t off;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -1;
	for (off = 0; off < size; off += PAGE_SIZE)
		buf[off] = 1;
	return 0;
}

struct handler_args {
	size_t size;		/* to allocate once woken */
	bool kill_hog;		/* then kill shared->hog */
	const char *also;	/* v2: another cgroup to register on, or NULL */
	const char *on;		/* register there, not where it runs */
	const char *read;	/* then read this file (page cache) */
};

/* Read @path to its end, counting in shared->allocated; 0 or -1. */
static int read_file(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		shared->allocated += n;
	close(fd);
	return n < 0 ? -1 : 0;
}

/*
 * A test OOM handler: register, wait for the OOM, fault in @size bytes,
 * read @read, wait for the test's go, kill the hog. Never a victim of the
 * kernel.
 */
static int handler_fn(const char *cgroup, void *arg)
{
	struct handler_args *a = arg;
	char *buf;
	size_t off;
	int fd;

	if (unkillable())
		return 1;
	fd = register_handler(a->on ?: cgroup);
	if (fd >= 0 && a->also && register_handler(a->also) < 0)
		fd = -errno;
	if (fd < 0) {
		shared->error = -fd;
		return 1;
	}
	shared->registered = 1;
	if (wait_oom(fd, 60000))
		return 2;
	shared->woken = 1;
	if (ack_oom(fd))
		return 2;
	if (a->size) {
		/*
		 * The mapping is kernel memory too: on v1, whose OOM killer
		 * is disabled, it fails rather than waits at the limit.
		 */
		for (off = 0; off < 6000; off++) {
			buf = mmap(NULL, a->size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (buf != MAP_FAILED || errno != ENOMEM)
				break;
			usleep(10000);
		}
		if (buf == MAP_FAILED)
			return 3;
		for (off = 0; off < a->size; off += PAGE_SIZE) {
			buf[off] = 1;
			shared->allocated = off + PAGE_SIZE;
		}
	}
	if (a->read && read_file(a->read))
		return 3;
	while (!READ_ONCE(shared->go))
		usleep(10000);
	if (a->kill_hog && kill_pid(READ_ONCE(shared->hog)))
		return 4;
	return 0;
}

static int hog_fn(const char *cgroup, void *arg)
{
	return fault_in(HOG_SIZE) ? 1 : 0;
}

/* Wait up to @timeout_s for *@flag to reach @val. */
static int wait_for(long *flag, long val, int timeout_s)
{
	int i;

	for (i = 0; i < timeout_s * 100; i++) {
		if (READ_ONCE(*flag) >= val)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int wait_flag(int *flag, int timeout_s)
{
	int i;

	for (i = 0; i < timeout_s * 100; i++) {
		if (READ_ONCE(*flag))
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Say where @pid is in the kernel, for a test that found it stuck. */
static void show_task(const char *what, pid_t pid)
{
	char path[64], buf[2048], *line;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return;
	ksft_print_msg("%s (pid %d) in the kernel:\n", what, pid);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		ksft_print_msg("  %s\n", line);
}

/* Start the handler, and once it is registered, the hog. */
static pid_t start_handler_and_hog(const char *cgroup, const char *hog_cgroup,
				   struct handler_args *args)
{
	pid_t handler = cg_fork_in(cgroup, handler_fn, args);

	if (handler < 0)
		return -1;
	if (wait_flag(&shared->registered, 10)) {
		ksft_print_msg("the handler did not register: %s\n",
			       strerror(shared->error));
		return -1;
	}
	shared->hog = cg_fork_in(hog_cgroup, hog_fn, NULL);
	if (shared->hog < 0)
		return -1;
	if (wait_flag(&shared->woken, 30)) {
		ksft_print_msg("the handler was not told of the OOM (oom events %ld, usage %ld)\n",
			       oom_event(cgroup, "oom "),
			       cg_read_long(cgroup, v2 ? "memory.current" :
					    "memory.usage_in_bytes"));
		show_task("the handler", handler);
		show_task("the hog", shared->hog);
		return -1;
	}
	return handler;
}

/*
 * A cgroup of LIMIT without swap, the kernel OOM killer held off: v1's
 * oom_kill_disable; on v2 a grace period longer than any test.
 */
static char *create_oom_group(const char *parent, const char *name,
			      const char *limit, const char *reserve)
{
	char *cgroup = cg_name(parent, name);

	if (!cgroup || cg_create(cgroup))
		goto fail;
	if (v2) {
		if (cg_write(cgroup, "memory.max", (char *)limit) ||
		    cg_write(cgroup, "memory.swap.max", "0") ||
		    set_grace("60000"))
			goto fail;
	} else {
		if (cg_write(cgroup, "memory.limit_in_bytes", (char *)limit) ||
		    cg_write(cgroup, "memory.memsw.limit_in_bytes",
			     (char *)limit) ||
		    cg_write(cgroup, "memory.oom_control", "1"))
			goto fail;
	}
	if (cg_write(cgroup, (char *)reserve_file(), (char *)reserve)) {
		ksft_print_msg("cannot write %s\n", reserve_file());
		goto fail;
	}
	return cgroup;
fail:
	ksft_print_msg("cannot set up %s\n", name);
	free(cgroup);
	return NULL;
}

/*
 * Hold the OOM killer of a create_oom_group() cgroup off for a grace period
 * of @ms only, v1's oom_kill_disable cleared.
 */
static int grace_only(const char *cgroup, const char *ms)
{
	if (!v2 && cg_write(cgroup, "memory.oom_control", "0"))
		return -1;
	return set_grace(ms);
}

static void destroy_group(char *cgroup)
{
	int i;

	if (!cgroup)
		return;
	if (shared)
		shared->go = 1;
	for (i = 0; i < 100 && cg_read_lc(cgroup, "cgroup.procs") > 0; i++) {
		cg_killall(cgroup);
		usleep(100000);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	cg_destroy(cgroup);
	free(cgroup);
	set_grace("0");
}

static int set_system_reserve(const char *kbytes)
{
	return set_sysctl(SYSTEM_RESERVE, kbytes);
}

/*
 * The reserve parses like a limit, rounds down to pages, and refuses
 * garbage, "max", -1 and overflow; memory.oom.handler takes "1" once per
 * open file; the grace period is bounded. Nothing refused changes
 * anything. The system reserve is a sysctl: v2's root has no reserve
 * file, v1's root file is that sysctl in bytes.
 */
static int test_oom_reserve_write(const char *root)
{
	static const char * const bad[] = {
		" ", "abc", "max", "-1", "-4096", "1Q", "4096 4096",
		"99999999999999999999999", "18446744073709551616",
	};
	int ret = KSFT_FAIL, fd = -1, i;
	char path[PATH_MAX], *cgroup;

	cgroup = cg_name(root, "oom_reserve_write");
	if (!cgroup || cg_create(cgroup))
		goto out;
	if (cg_write(cgroup, (char *)reserve_file(), "8M") ||
	    cg_read_long(cgroup, reserve_file()) != MB(8) ||
	    cg_write(cgroup, (char *)reserve_file(), "4097") ||
	    cg_read_long(cgroup, reserve_file()) != 4096) {
		ksft_print_msg("%s does not read back what was written\n",
			       reserve_file());
		goto cleanup;
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (cg_write(cgroup, (char *)reserve_file(),
			     (char *)bad[i]) != -EINVAL ||
		    cg_read_long(cgroup, reserve_file()) != 4096) {
			ksft_print_msg("\"%s\" was not refused with EINVAL\n",
				       bad[i]);
			goto cleanup;
		}
	}
	if (!set_grace("60001") || !set_grace("-1") || set_grace("0")) {
		ksft_print_msg("%s is not bounded to 0..60000\n", GRACE);
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/%s", root, reserve_file());
	if (v2 ? !access(path, F_OK) || errno != ENOENT :
	    cg_write(root, (char *)reserve_file(), "8M") ||
	    cg_read_long("/proc/sys/vm", "oom_handler_system_reserve_kbytes") != 8192 ||
	    set_system_reserve("4096") ||
	    cg_read_long(root, reserve_file()) != MB(4)) {
		ksft_print_msg("the root's %s is not the system reserve\n",
			       reserve_file());
		goto cleanup;
	}
	if (!set_system_reserve("-1") || set_system_reserve("0")) {
		ksft_print_msg("%s takes -1\n", SYSTEM_RESERVE);
		goto cleanup;
	}
	if (v2) {
		snprintf(path, sizeof(path), "%s/memory.oom.handler", cgroup);
		fd = open(path, O_RDWR);
		if (fd < 0 || write(fd, "0", 1) != -1 || errno != EINVAL ||
		    write(fd, "2", 1) != -1 || errno != EINVAL ||
		    write(fd, "1", 1) != 1 ||
		    write(fd, "1", 1) != -1 || errno != EBUSY) {
			ksft_print_msg("memory.oom.handler takes other than one \"1\"\n");
			goto cleanup;
		}
	}
	ret = KSFT_PASS;
cleanup:
	if (fd >= 0)
		close(fd);
	set_system_reserve("0");
	cg_destroy(cgroup);
out:
	free(cgroup);
	return ret;
}

/*
 * The control: without a reserve, a handler in its full cgroup cannot
 * fault in memory. On v1, whose OOM killer is disabled, it is stuck until
 * the test kills the hog; on v2 the kernel does not hold the OOM killer
 * off for a handler that ran out of reserve: it kills the hog at once.
 */
static int test_oom_reserve_none(const char *root)
{
	struct handler_args args = { .size = HANDLER_SIZE };
	int ret = KSFT_FAIL, err;
	char *cgroup;
	pid_t handler;

	cgroup = create_oom_group(root, "oom_reserve_none", LIMIT, "0");
	if (!cgroup || shared_init())
		goto out;
	handler = start_handler_and_hog(cgroup, cgroup, &args);
	if (handler < 0)
		goto out;
	if (v2) {
		err = cg_wait_exit(shared->hog, 30);
		ksft_print_msg("hog: %s, oom_kill %ld, oom_reserve %ld\n",
			       err == -1 ? "killed" : "not killed",
			       oom_event(cgroup, "oom_kill "),
			       oom_event(cgroup, "oom_reserve "));
		if (err != -1 || oom_event(cgroup, "oom_kill ") != 1 ||
		    oom_event(cgroup, "oom_reserve ") != 0)
			goto out;
		shared->go = 1;
		if (cg_wait_exit(handler, 30))
			goto out;
		ret = KSFT_PASS;
		goto out;
	}
	sleep(2);
	if (READ_ONCE(shared->allocated) >= HANDLER_SIZE) {
		ksft_print_msg("the handler allocated without a reserve\n");
		goto out;
	}
	ksft_print_msg("handler stuck after %ld KiB of %ld\n",
		       READ_ONCE(shared->allocated) / 1024, HANDLER_SIZE / 1024L);
	kill_pid(shared->hog);
	shared->go = 1;
	err = cg_wait_exit(handler, 30);
	if (err) {
		ksft_print_msg("the handler did not finish once released: %d\n",
			       err);
		show_task("the handler", handler);
		show_task("the hog", shared->hog);
		goto out;
	}
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * With a reserve, the handler faults in memory above the limit, kills the
 * hog and exits; usage never passes limit + reserve; shrinking the
 * reserve below what is in use fails with EBUSY until the hog is gone.
 */
static int test_oom_reserve_handler(const char *root)
{
	struct handler_args args = { .size = HANDLER_SIZE, .kill_hog = true };
	long used, max_usage, events;
	int ret = KSFT_FAIL, err;
	char *cgroup;
	pid_t handler;

	cgroup = create_oom_group(root, "oom_reserve_handler", LIMIT, RESERVE);
	if (!cgroup || shared_init())
		goto out;
	handler = start_handler_and_hog(cgroup, cgroup, &args);
	if (handler < 0)
		goto out;
	if (wait_for(&shared->allocated, HANDLER_SIZE, 30)) {
		ksft_print_msg("the handler got %ld KiB of %ld\n",
			       READ_ONCE(shared->allocated) / 1024,
			       HANDLER_SIZE / 1024L);
		goto out;
	}
	/* v2 has no file for it: how far memory.current is above memory.max. */
	used = v2 ? cg_read_long(cgroup, "memory.current") -
		    cg_read_long(cgroup, "memory.max") :
		    oom_event(cgroup, "oom_reserve_used ");
	err = cg_write(cgroup, (char *)reserve_file(), "4096");
	ksft_print_msg("reserve in use %ld KiB; shrinking it: %s\n",
		       used / 1024, strerror(-err));
	if (used < HANDLER_SIZE / 2 || err != -EBUSY ||
	    cg_read_long(cgroup, reserve_file()) != MB(8))
		goto out;

	shared->go = 1;
	if (cg_wait_exit(handler, 30) || cg_wait_exit(shared->hog, 30) != -1) {
		ksft_print_msg("the handler did not kill the hog\n");
		goto out;
	}
	max_usage = peak_usage(cgroup);
	events = oom_event(cgroup, "oom_reserve ");
	ksft_print_msg("peak %ld KiB, limit + reserve %ld KiB, %ld charges from the reserve\n",
		       max_usage / 1024, MB(40L) / 1024, events);
	if (max_usage > MB(40) || max_usage <= MB(32) || events <= 0)
		goto out;
	/* Repaid: with the hog gone the reserve is unused again. */
	if (cg_write(cgroup, (char *)reserve_file(), "0")) {
		ksft_print_msg("the reserve is still in use after the kill\n");
		goto out;
	}
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * A task that did not register gets nothing from the reserve: the hog
 * stays at the limit, give or take the page the handler's read of the
 * notification takes from the reserve.
 */
static int test_oom_reserve_non_handler(const char *root)
{
	struct handler_args args = { 0 };
	int ret = KSFT_FAIL;
	char *cgroup;
	long max_usage;

	cgroup = create_oom_group(root, "oom_reserve_others", LIMIT, RESERVE);
	if (!cgroup || shared_init())
		goto out;
	if (start_handler_and_hog(cgroup, cgroup, &args) < 0)
		goto out;
	sleep(2);
	max_usage = peak_usage(cgroup);
	ksft_print_msg("peak %ld KiB, limit %ld KiB, %ld charges from the reserve\n",
		       max_usage / 1024, MB(32L) / 1024,
		       oom_event(cgroup, "oom_reserve "));
	if (max_usage > MB(33))
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * A parent with @plimit and @preserve (or no limit: NULL) and in it a
 * "child" of LIMIT with @creserve, both made by create_oom_group(); the
 * child, or NULL with *@parent set for destroy_group().
 */
static char *create_parent_child(const char *root, const char *name,
				 const char *plimit, const char *preserve,
				 const char *creserve, char **parent)
{
	*parent = plimit ? create_oom_group(root, name, plimit, preserve) :
			   cg_name(root, name);
	if (!*parent || (!plimit && cg_create(*parent)) || shared_init())
		return NULL;
	if (v2 && cg_write(*parent, "cgroup.subtree_control", "+memory"))
		return NULL;
	return create_oom_group(*parent, "child", LIMIT, creserve);
}

/*
 * Delegation: a child's reserve does not lift its parent's limit. The
 * parent allows 4M over the child's limit, the child's reserve 16M: the
 * handler gets the 4M, and the parent's usage never passes its limit.
 */
static int test_oom_reserve_ancestor(const char *root)
{
	struct handler_args args = { .size = MB(12) };
	char *parent = NULL, *child;
	int ret = KSFT_FAIL;
	long got;

	child = create_parent_child(root, "oom_reserve_parent", "36M", "0",
				    "16M", &parent);
	if (!child)
		goto out;
	args.also = v2 ? parent : NULL;
	if (start_handler_and_hog(child, child, &args) < 0)
		goto out;
	sleep(3);
	got = READ_ONCE(shared->allocated);
	ksft_print_msg("the handler got %ld KiB of %d; parent peak %ld KiB, limit %d KiB\n",
		       got / 1024, 12 << 10, peak_usage(parent) / 1024, 36 << 10);
	if (peak_usage(parent) > MB(36))
		goto out;
	/*
	 * At the parent's limit the handler is served no more: on v1 it
	 * waits, the OOM killer being disabled; on v2 the kernel OOM
	 * killer acts for it at once.
	 */
	if (v2 ? oom_event(parent, "oom_kill ") < 1 : got >= MB(12))
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(child);
	destroy_group(parent);
	return ret;
}

/*
 * Delegation the other way: the reserve of a cgroup is for its own
 * handlers. The parent allows 2M over the child's limit and has a 16M
 * reserve, the child an 8M one: a handler of the child alone gets the
 * 2M, never the parent's reserve, which is not its to take.
 */
static int test_oom_reserve_ancestor_reserve(const char *root)
{
	struct handler_args args = { .size = HANDLER_SIZE };
	char *parent = NULL, *child;
	int ret = KSFT_FAIL;
	long peak;

	child = create_parent_child(root, "oom_reserve_admin", "34M", "16M",
				    RESERVE, &parent);
	if (!child)
		goto out;
	if (start_handler_and_hog(child, child, &args) < 0)
		goto out;
	/* v1: stuck at the parent's limit, whose OOM killer is disabled. */
	wait_for(&shared->allocated, HANDLER_SIZE, 5);
	peak = peak_usage(parent);
	ksft_print_msg("child's handler: %ld of %ld KiB; parent peak %ld KiB, limit %d KiB\n",
		       READ_ONCE(shared->allocated) / 1024, HANDLER_SIZE / 1024L,
		       peak / 1024, 34 << 10);
	/*
	 * The child's reserve took it to the parent's limit (36M with the
	 * parent's reserve; racing charges get 1M); there, on v2, the
	 * parent's OOM killer acted, the parent having no handler.
	 */
	if (oom_event(child, "oom_reserve ") < 1 || peak <= MB(33) ||
	    peak > MB(35))
		goto out;
	if (v2 && oom_event(parent, "oom_kill ") < 1)
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(child);
	destroy_group(parent);
	return ret;
}

/*
 * A handler of a parent is told of its child's OOM, at grace 0 and with
 * a grace period: on v1 the child's OOM killer is disabled, so the OOM
 * lasts (and v1 skipped the grace period's notification there); v2 told
 * ancestors already. The handler runs in a cgroup of its own (v2 has no
 * tasks in a cgroup with children), registered on the parent.
 */
static int ancestor_told(const char *root, const char *grace)
{
	struct handler_args args = { 0 };
	char *parent = NULL, *child = NULL, *handlers;
	int ret = KSFT_FAIL;

	handlers = cg_name(root, "oom_reserve_handlers");
	if (!handlers || cg_create(handlers))
		goto out;
	child = create_parent_child(root, "oom_reserve_told", NULL, NULL, "0",
				    &parent);
	if (!child || set_grace(grace))
		goto out;
	args.on = parent;
	if (start_handler_and_hog(handlers, child, &args) < 0)
		goto out;
	ret = KSFT_PASS;
out:
	if (ret != KSFT_PASS)
		ksft_print_msg("grace %s ms\n", grace);
	destroy_group(child);
	destroy_group(parent);
	destroy_group(handlers);
	return ret;
}

static int test_oom_reserve_ancestor_told(const char *root)
{
	if (ancestor_told(root, "0") != KSFT_PASS)
		return KSFT_FAIL;
	return ancestor_told(root, "60000");
}

/* As nobody: register (@reg) on @cgroup; 0, or the errno. */
static int register_as_nobody(const char *cgroup,
			      int (*reg)(const char *cgroup))
{
	int status, fd;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(255);
		fd = reg(cgroup);
		_exit(fd < 0 ? -fd : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Only CAP_SYS_ADMIN may handle the root cgroup's (the system's) OOMs,
 * even where the file lets others write; a delegated cgroup's owner may
 * handle its own. On v1, anybody may still listen on the root's
 * memory.oom_control, as before handlers.
 */
static int test_oom_reserve_root_only(const char *root)
{
	const char *file = v2 ? "memory.oom.handler" : "memory.oom_control";
	char path[PATH_MAX], *cgroup;
	int ret = KSFT_FAIL, err;

	cgroup = cg_name(root, "oom_reserve_delegated");
	if (!cgroup || cg_create(cgroup))
		goto out;
	/* Writable by nobody: the file's mode alone makes no root handler. */
	snprintf(path, sizeof(path), "%s/%s", root, file);
	if (chmod(path, 0666))
		goto cleanup;
	err = register_as_nobody(root, register_handler);
	ksft_print_msg("an unprivileged handler on the root: %s\n",
		       strerror(err));
	if (err != EPERM) {
		chmod(path, 0644);
		goto cleanup;
	}
	if (!v2) {
		err = register_as_nobody(root, register_listener);
		ksft_print_msg("an unprivileged listener on the root: %s\n",
			       strerror(err));
	}
	chmod(path, 0644);
	if (err && !v2)
		goto cleanup;

	/* Handling takes the right to write the file, on v1 too. */
	err = register_as_nobody(cgroup, register_handler);
	if (err != EACCES) {
		ksft_print_msg("nobody asking to handle a cgroup it may not write: %s\n",
			       strerror(err));
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/%s", cgroup, file);
	if (chown(path, NOBODY, NOBODY))
		goto cleanup;
	err = register_as_nobody(cgroup, register_handler);
	if (err) {
		ksft_print_msg("the owner of a cgroup cannot register: %s\n",
			       strerror(err));
		goto cleanup;
	}
	ret = KSFT_PASS;
cleanup:
	cg_destroy(cgroup);
out:
	free(cgroup);
	return ret;
}

/*
 * v2: the task that registers is checked, not only the opener. A root
 * process opens the root's memory.oom.handler and forks; the child drops
 * to nobody and writes "1" to the fd it inherited: EPERM. And the other
 * way: root writing to a file nobody opened registers nobody (EPERM).
 */
static int test_oom_reserve_root_fd(const char *root)
{
	char path[PATH_MAX];
	int fd, status, err;
	pid_t pid;

	if (!v2) {
		ksft_print_msg("v2 only: v1 has no file to open per handler\n");
		return KSFT_SKIP;
	}
	snprintf(path, sizeof(path), "%s/memory.oom.handler", root);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return KSFT_FAIL;
	pid = fork();
	if (pid == 0) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(255);
		_exit(write(fd, "1", 1) == 1 ? 0 : errno);
	}
	close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return KSFT_FAIL;
	err = WEXITSTATUS(status);
	ksft_print_msg("nobody writing to root's inherited fd: %s\n",
		       err ? strerror(err) : "registered");
	if (err != EPERM)
		return KSFT_FAIL;

	/* Opened as nobody (effective ids), written as root. */
	if (chmod(path, 0666))
		return KSFT_FAIL;
	fd = -1;
	if (!setegid(NOBODY) && !seteuid(NOBODY))
		fd = open(path, O_RDWR);
	if (seteuid(0) || setegid(0))
		ksft_exit_fail_msg("cannot get root back\n");
	chmod(path, 0644);
	if (fd < 0)
		return KSFT_FAIL;
	err = write(fd, "1", 1) == 1 ? 0 : errno;
	close(fd);
	ksft_print_msg("root writing to nobody's fd: %s\n",
		       err ? strerror(err) : "registered");
	return err == EPERM ? KSFT_PASS : KSFT_FAIL;
}

/*
 * No silent hang: a handler that registers and never acts holds the
 * kernel OOM killer off for vm.oom_handler_grace_ms only.
 */
static int test_oom_reserve_fallback(const char *root)
{
	struct handler_args args = { 0 };
	struct timespec t0, t1;
	int ret = KSFT_FAIL;
	char *cgroup;
	long ms;

	cgroup = create_oom_group(root, "oom_reserve_fallback", LIMIT, RESERVE);
	if (!cgroup || shared_init())
		goto out;
	if (grace_only(cgroup, "500"))
		goto out;
	if (start_handler_and_hog(cgroup, cgroup, &args) < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cg_wait_exit(shared->hog, 30) != -1) {
		ksft_print_msg("the hog was not killed\n");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ksft_print_msg("the kernel killed the hog %ld ms after the handler was told, grace %d ms\n",
		       ms, 500);
	if (ms < 400 || oom_event(cgroup, "oom_kill ") < 1)
		goto out;
	ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	return ret;
}

/*
 * v1: a listener that may write memory.oom_control but does not ask to
 * handle (root, as container runtimes listen) is a plain listener, as
 * before handlers: with a grace period set, its cgroup's OOM does not
 * wait for it, and it is told when the kernel OOM killer acts.
 */
static int test_oom_reserve_listener(const char *root)
{
	int fd = -1, rc, ret = KSFT_FAIL;
	char *cgroup;
	bool told;

	if (v2) {
		ksft_print_msg("v1 only: v2 has no plain listeners\n");
		return KSFT_SKIP;
	}
	cgroup = create_oom_group(root, "oom_reserve_listener", LIMIT, RESERVE);
	if (!cgroup || shared_init() || grace_only(cgroup, "60000"))
		goto out;
	fd = register_listener(cgroup);
	if (fd < 0)
		goto out;
	shared->hog = cg_fork_in(cgroup, hog_fn, NULL);
	rc = cg_wait_exit(shared->hog, 10 * cg_slow_factor());
	told = !wait_oom(fd, 0);
	ksft_print_msg("root's plain listener, grace 60 s: the hog %s, the listener %s\n",
		       rc == -1 ? "killed" : "not killed in 10 s",
		       told ? "told" : "not told");
	if (rc == -1 && told && oom_event(cgroup, "oom_kill ") >= 1)
		ret = KSFT_PASS;
out:
	if (fd >= 0)
		close(fd);
	destroy_group(cgroup);
	return ret;
}

/* Register on @arg's OOMs, leave a child with the fd, and exit. */
static int orphan_fn(const char *cgroup, void *arg)
{
	pid_t pid;
	int fd;

	fd = register_handler(arg);
	if (fd < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	shared->orphan = pid;
	return pid < 0 ? 1 : 0;
}

/*
 * A handler's registration may outlive it: its child inherited the fd
 * (v2's memory.oom.handler, v1's eventfd) and the handler exited. Nobody
 * is left to act, so the kernel OOM killer does not wait a grace period.
 */
static int test_oom_reserve_dead_handler(const char *root)
{
	char *cgroup, *handlers;
	int rc, ret = KSFT_FAIL;
	pid_t pid;

	handlers = cg_name(root, "oom_reserve_handlers");
	cgroup = create_oom_group(root, "oom_reserve_dead", LIMIT, RESERVE);
	if (!handlers || cg_create(handlers) || !cgroup || shared_init() ||
	    grace_only(cgroup, "60000"))
		goto out;
	pid = cg_fork_in(handlers, orphan_fn, cgroup);
	if (cg_wait_exit(pid, 10) || !shared->orphan) {
		ksft_print_msg("the handler did not register and exit\n");
		goto out;
	}
	shared->hog = cg_fork_in(cgroup, hog_fn, NULL);
	rc = cg_wait_exit(shared->hog, 10 * cg_slow_factor());
	ksft_print_msg("a handler gone, its fd left, grace 60 s: the hog %s\n",
		       rc == -1 ? "killed" : "not killed in 10 s");
	if (rc == -1 && oom_event(cgroup, "oom_kill ") >= 1)
		ret = KSFT_PASS;
out:
	destroy_group(cgroup);
	destroy_group(handlers);
	return ret;
}

/* System OOM */

#define SYS_GRACE_MS	3000
#define SYS_GRACE	"3000"
#define SYS_HANDLER	(1536 << 10)	/* what the root handler allocates */
#define SYS_RESERVE	"8192"		/* kB: more than the cap lets through */
#define SYS_MIN_FREE	"16384"		/* vm.min_free_kbytes meanwhile */
#define MIN_FREE	"/proc/sys/vm/min_free_kbytes"
#define SYS_BIG_RESERVE	"65536"		/* kB: far more */
#define SYS_LONG_GRACE	"60000"
#define SYS_GRACE_BOUND	1000		/* what a system OOM waits at most */
#define SYS_LOCKDIR	"/tmp/oom_reserve_lock"
#define SYS_LOCKFILE	SYS_LOCKDIR "/file"
#define SYS_LOCKSIZE	MB(8)		/* what the locker writes at once */

struct system_oom {
	int registered;		/* the handler is ready */
	pid_t hog;		/* for it to kill */
	double woken_ms;	/* the handler was told, since the hog started */
	double alloc_ms;	/* ... had its memory (or its lock) */
	double kill_ms;		/* ... killed the hog */
	double hog_died_ms;	/* the hog was gone */
	long min_pages;		/* the largest zone's min watermark */
	long lowest_free;	/* the fewest free pages the handler saw, */
	long kills;		/* ... while vmstat's oom_kill was this */
	int woken;		/* the handler was told */
	int locking;		/* the locker has its file and writes */
	int blocked;		/* the handler was seen in D state */
	int stop;		/* the locker stops */
	int error;
};

/* How a system OOM test's root handler behaves once told. */
enum sys_handler {
	SYS_KILL,		/* allocate SYS_HANDLER, read /proc, kill */
	SYS_FLOOR,		/* allocate the min watermarks, watch free */
	SYS_STUCK,		/* wait for a lock the locker holds */
	SYS_PLAIN,		/* v1: root, a plain listener */
};

static struct system_oom *sys;

static double since_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000.0 +
	       (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static long vmstat(const char *key)
{
	return cg_read_key_long("/proc", "vmstat", key);
}

/* Turn off every swap area; how many there were, or -1. */
static int swaps_off(char names[][PATH_MAX], int max)
{
	char line[PATH_MAX + 128];
	int n = 0;
	FILE *f;

	f = fopen("/proc/swaps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < max) {
		if (line[0] != '/' || sscanf(line, "%4095s", names[n]) != 1)
			continue;
		if (swapoff(names[n])) {
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

static void swaps_on(char names[][PATH_MAX], int n)
{
	while (n-- > 0)
		swapon(names[n], 0);
}

/* Allocates until the system is out of memory, then more. */
static int system_hog_fn(void)
{
	size_t size = 64UL << 20;
	char *buf;

	if (write_text("/proc/self/oom_score_adj", "1000", 4) != 4)
		return 1;
	for (;;) {
		buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			return 2;
		for (size_t off = 0; off < size; off += PAGE_SIZE)
			buf[off] = 1;
	}
}

static int system_floor_handler_fn(int fd, const struct timespec *t0);
static int system_stuck_handler_fn(int fd, const struct timespec *t0);
static int system_plain_listener_fn(int fd, const struct timespec *t0);

/*
 * A root OOM handler: registered and locked in memory before the hog
 * starts, it waits for the system OOM, then (SYS_KILL) faults in
 * SYS_HANDLER bytes, reads the hog's status from /proc and kills it, or
 * does what @how says.
 */
static int system_handler_fn(const char *root, const struct timespec *t0,
			     enum sys_handler how)
{
	char path[64], buf[4096];
	char *mem;
	size_t off;
	pid_t hog;
	int fd;

	fd = how == SYS_PLAIN ? register_listener(root) : register_handler(root);
	if (fd < 0) {
		sys->error = -fd;
		return 1;
	}
	if (how != SYS_PLAIN && mlockall(MCL_CURRENT))
		return 1;
	sys->registered = 1;
	while (!(hog = READ_ONCE(sys->hog)))
		usleep(1000);
	if (how == SYS_PLAIN)
		return system_plain_listener_fn(fd, t0);
	if (wait_oom(fd, 60000))
		return 2;
	sys->woken_ms = since_ms(t0);
	sys->woken = 1;
	if (ack_oom(fd))
		return 2;
	if (how == SYS_FLOOR)
		return system_floor_handler_fn(fd, t0);
	if (how == SYS_STUCK)
		return system_stuck_handler_fn(fd, t0);
	mem = mmap(NULL, SYS_HANDLER, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 3;
	for (off = 0; off < SYS_HANDLER; off += PAGE_SIZE)
		mem[off] = 1;
	sys->alloc_ms = since_ms(t0);
	snprintf(path, sizeof(path), "/proc/%d/status", hog);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return 4;
	if (kill(hog, SIGKILL))
		return 5;
	sys->kill_ms = since_ms(t0);
	return 0;
}

/*
 * The free pages and the min watermark of the largest zone, where user
 * memory comes from (/proc/zoneinfo; the smaller zones keep their free
 * pages from such allocations with their lowmem reserves). Free here
 * counts the pages on the per-cpu lists too: the allocator moves them
 * there in batches, past any watermark, and they are anybody's next.
 */
static int zone_pages(long *free, long *min)
{
	long zfree = 0, zmin = 0, managed = -1, val, most = -1;
	char line[256];
	FILE *f;

	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return -1;
	/* Each zone: "pages free", "min", "managed", the per-cpu "count"s. */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Node ", 5)) {
			if (managed > most) {
				most = managed;
				*free = zfree;
				*min = zmin;
			}
			zfree = 0;
			zmin = 0;
			managed = -1;
		} else if (sscanf(line, " pages free %ld", &val) == 1 ||
			   sscanf(line, " count: %ld", &val) == 1) {
			zfree += val;
		} else if (sscanf(line, " min %ld", &val) == 1) {
			zmin = val;
		} else if (sscanf(line, " managed %ld", &val) == 1) {
			managed = val;
		}
	}
	fclose(f);
	if (managed > most) {
		most = managed;
		*free = zfree;
		*min = zmin;
	}
	return most < 0 ? -1 : 0;
}

/*
 * A root handler with a system reserve far larger than the min watermarks
 * faults in as many pages as the min watermarks hold, looking at the free
 * pages as it goes: the reserve may take a quarter of them at most, and
 * when the handler wants more, the kernel OOM killer acts for it. Only
 * what it sees before that kill counts: the kernel's victim may take the
 * free pages down to half the min watermarks on its way out.
 */
static int system_floor_handler_fn(int fd, const struct timespec *t0)
{
	size_t size = sys->min_pages * PAGE_SIZE, off;
	long free, min, i = 0;
	char *mem;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 3;
	sys->lowest_free = LONG_MAX;
	for (off = 0; off < size; off += PAGE_SIZE, i++) {
		if (!(i % 8) && !zone_pages(&free, &min) &&
		    vmstat("oom_kill ") == sys->kills && free < sys->lowest_free)
			sys->lowest_free = free;
		mem[off] = 1;
	}
	sys->alloc_ms = since_ms(t0);
	return 0;
}

/*
 * A root handler that needs a lock an allocating task holds: the locker
 * writes SYS_LOCKSIZE at a time to a tmpfs file, allocating its page
 * cache under the file's i_rwsem, and once the system is out of memory it
 * waits in the page allocator with that lock held. The handler's
 * ftruncate() of the file waits for it.
 */
static int system_stuck_handler_fn(int fd, const struct timespec *t0)
{
	if (truncate(SYS_LOCKFILE, 0))
		return 3;
	sys->alloc_ms = since_ms(t0);
	return 0;
}

/* Empty SYS_LOCKFILE and write it again, in one write(), until told to stop. */
static int system_locker_fn(void)
{
	char *buf;
	int fd;

	buf = mmap(NULL, SYS_LOCKSIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	fd = open(SYS_LOCKFILE, O_CREAT | O_RDWR, 0644);
	if (buf == MAP_FAILED || fd < 0 || mlock(buf, SYS_LOCKSIZE))
		return 1;
	sys->locking = 1;
	while (!READ_ONCE(sys->stop)) {
		if (ftruncate(fd, 0) || pwrite(fd, buf, SYS_LOCKSIZE, 0) < 0)
			return 1;
	}
	return 0;
}

/*
 * A plain listener on the root's memory.oom_control: watch for a
 * notification until the kernel OOM killer has acted and half a second
 * more. 0 if never told, 6 if told, 7 if the kernel never acted.
 */
static int system_plain_listener_fn(int fd, const struct timespec *t0)
{
	int i;

	for (i = 0; i < 300 && vmstat("oom_kill ") <= sys->kills; i++) {
		if (!wait_oom(fd, 100))
			goto told;
	}
	if (i == 300)
		return 7;
	if (wait_oom(fd, 500))
		return 0;
told:
	sys->woken_ms = since_ms(t0);
	sys->woken = 1;
	return 6;
}

/* Is @pid in uninterruptible sleep? */
static bool in_d_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'D';
}

/*
 * A system OOM with a root handler registered, the kernel OOM killer held
 * off for @grace ms, and @reserve on the root cgroup; the handler does
 * what @how says once told. Fills @res with the handler's timeline and
 * returns whether the kernel OOM killer killed (1) or not (0), or -1 on a
 * setup error.
 */
static int system_oom(const char *root, const char *reserve,
		      const char *grace, enum sys_handler how,
		      int *handler_rc, struct system_oom *res)
{
	char swaps[8][PATH_MAX], min_free[32];
	pid_t hog, handler, locker = -1;
	struct timespec t0;
	int nswaps, status, i, ret = -1;
	long kills, free;

	/* Let a previous system OOM and its grace period end first. */
	usleep((SYS_GRACE_MS + 500) * 1000);
	sys = mmap(NULL, sizeof(*sys), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sys == MAP_FAILED)
		return -1;
	memset(sys, 0, sizeof(*sys));
	/*
	 * Min watermarks large enough that a quarter of them is more than
	 * what the hog's last reclaim leaves lying around (some 0.5M here).
	 */
	if (read_text(MIN_FREE, min_free, sizeof(min_free)) <= 0 ||
	    set_sysctl(MIN_FREE, SYS_MIN_FREE))
		return -1;
	if (zone_pages(&free, &sys->min_pages))
		goto out_min_free;
	nswaps = swaps_off(swaps, ARRAY_SIZE(swaps));
	if (nswaps < 0) {
		ksft_print_msg("cannot turn swap off\n");
		goto out_min_free;
	}
	if (set_system_reserve(reserve) || set_grace(grace)) {
		ksft_print_msg("cannot set the system reserve or the grace period\n");
		goto out;
	}
	if (how == SYS_STUCK) {
		if ((mkdir(SYS_LOCKDIR, 0755) && errno != EEXIST) ||
		    mount("tmpfs", SYS_LOCKDIR, "tmpfs", 0, "size=16M")) {
			ksft_print_msg("cannot mount %s: %s\n", SYS_LOCKDIR,
				       strerror(errno));
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	handler = fork();
	if (handler == 0)
		_exit(system_handler_fn(root, &t0, how));
	if (handler < 0)
		goto out;
	for (i = 0; i < 1000 && !READ_ONCE(sys->registered); i++) {
		if (waitpid(handler, NULL, WNOHANG) == handler) {
			ksft_print_msg("cannot register on the root cgroup: %s\n",
				       strerror(sys->error));
			goto out;
		}
		usleep(10000);
	}
	if (how == SYS_STUCK) {
		locker = fork();
		if (locker == 0)
			_exit(system_locker_fn());
		for (i = 0; i < 500 && locker > 0 && !READ_ONCE(sys->locking); i++)
			usleep(10000);
		if (!READ_ONCE(sys->locking)) {
			ksft_print_msg("the locker did not start\n");
			kill(handler, SIGKILL);
			waitpid(handler, NULL, 0);
			goto out;
		}
	}
	kills = vmstat("oom_kill ");
	sys->kills = kills;
	hog = fork();
	if (hog == 0)
		_exit(system_hog_fn());
	if (hog < 0) {
		kill(handler, SIGKILL);
		waitpid(handler, NULL, 0);
		goto out;
	}
	sys->hog = hog;

	if (how == SYS_STUCK) {
		/* Watch the handler while the hog lives (30 s at most). */
		for (i = 0; i < 3000 && waitpid(hog, &status, WNOHANG) == 0;
		     i++) {
			if (READ_ONCE(sys->woken) && in_d_state(handler))
				sys->blocked = 1;
			usleep(10000);
		}
		sys->hog_died_ms = since_ms(&t0);
		if (i == 3000) {
			kill(hog, SIGKILL);
			waitpid(hog, &status, 0);
			ksft_print_msg("the hog survived\n");
		}
		hog = -1;
		sys->stop = 1;
	}
	*handler_rc = cg_wait_exit(handler, 60);
	if (*handler_rc == -2)
		kill(handler, SIGKILL);
	waitpid(handler, NULL, 0);
	if (hog > 0 && cg_wait_exit(hog, 30) == -2) {
		kill(hog, SIGKILL);
		ksft_print_msg("the hog survived\n");
	}
	if (hog > 0)
		waitpid(hog, &status, 0);
	if (locker > 0) {
		sys->stop = 1;
		waitpid(locker, NULL, 0);
		locker = -1;
	}
	ret = vmstat("oom_kill ") > kills;
	ksft_print_msg("handler rc %d: told at %.0f ms, had %s at %.0f ms, killed at %.0f ms\n",
		       *handler_rc, sys->woken_ms,
		       how == SYS_STUCK ? "its lock" : "its memory",
		       sys->alloc_ms, sys->kill_ms);
	ksft_print_msg("kernel OOM kills: %ld\n", vmstat("oom_kill ") - kills);
out:
	if (locker > 0) {
		sys->stop = 1;
		kill(locker, SIGKILL);
		waitpid(locker, NULL, 0);
	}
	if (how == SYS_STUCK) {
		umount2(SYS_LOCKDIR, MNT_DETACH);
		rmdir(SYS_LOCKDIR);
	}
	set_system_reserve("0");
	set_grace("0");
	swaps_on(swaps, nswaps);
out_min_free:
	write_text(MIN_FREE, min_free, strlen(min_free));
	*res = *sys;
	munmap(sys, sizeof(*sys));
	return ret;
}

/*
 * With a system reserve, root's handler allocates below the min watermarks
 * during the system OOM, kills the hog, and the kernel OOM killer never
 * has to act.
 */
static int test_oom_reserve_system(const char *root)
{
	struct system_oom res;
	int rc = -1, killed;

	killed = system_oom(root, SYS_RESERVE, SYS_GRACE, SYS_KILL, &rc, &res);
	if (killed < 0)
		return KSFT_FAIL;
	if (rc != 0 || killed) {
		ksft_print_msg("the handler %s; the kernel OOM killer %s\n",
			       rc ? "failed" : "acted",
			       killed ? "acted" : "did not act");
		return KSFT_FAIL;
	}
	if (res.kill_ms - res.woken_ms >= SYS_GRACE_MS) {
		ksft_print_msg("the handler took the whole grace period\n");
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/*
 * The control: without a system reserve the handler cannot fault in its
 * memory during the system OOM, and the kernel OOM killer acts.
 */
static int test_oom_reserve_system_none(const char *root)
{
	struct system_oom res;
	int rc = -1, killed;

	killed = system_oom(root, "0", SYS_GRACE, SYS_KILL, &rc, &res);
	if (killed < 0)
		return KSFT_FAIL;
	if (!killed) {
		ksft_print_msg("the handler did without a reserve\n");
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/*
 * However large the system reserve, root's handlers leave three quarters of
 * a zone's min watermark free, for reclaim and for exiting OOM victims: a
 * handler with a 64M reserve that wants as much as the min watermark of
 * the largest zone holds sees no fewer free pages there than five eighths
 * of it before the
 * kernel OOM killer acts for it (an eighth for its sampling and for other
 * allocators; without the cap it takes them all).
 */
static int test_oom_reserve_system_floor(const char *root)
{
	struct system_oom res;
	int rc = -1, killed;

	killed = system_oom(root, SYS_BIG_RESERVE, SYS_GRACE, SYS_FLOOR, &rc,
			    &res);
	if (killed < 0)
		return KSFT_FAIL;
	ksft_print_msg("min watermark %ld pages; fewest free before a kernel OOM kill %ld\n",
		       res.min_pages, res.lowest_free);
	if (rc != 0 || !res.alloc_ms || res.lowest_free == LONG_MAX) {
		ksft_print_msg("the handler failed (%d) or saw nothing\n", rc);
		return KSFT_FAIL;
	}
	if (res.lowest_free < res.min_pages * 5 / 8)
		return KSFT_FAIL;
	return KSFT_PASS;
}

/*
 * A system OOM holds the allocating tasks, with their locks, for a second
 * at most: with a 60 s grace period and root's handler waiting for the
 * i_rwsem of a file that a task writing it holds while it allocates (the
 * handler is seen in D state),
 * the kernel OOM killer kills the hog within 1 s of the handler being
 * told (3 s allowed for the kill and the exit), and the handler gets its
 * lock after that.
 */
static int test_oom_reserve_system_stuck(const char *root)
{
	struct system_oom res;
	int rc = -1, killed;
	double took;

	killed = system_oom(root, SYS_RESERVE, SYS_LONG_GRACE, SYS_STUCK, &rc,
			    &res);
	if (killed < 0)
		return KSFT_FAIL;
	took = res.hog_died_ms - res.woken_ms;
	ksft_print_msg("handler %s; hog gone %.0f ms after the handler was told (bound %d)\n",
		       res.blocked ? "blocked in D state" : "never seen blocked",
		       took, SYS_GRACE_BOUND);
	if (!res.woken_ms || !killed || rc != 0 || !res.blocked)
		return KSFT_FAIL;
	if (took > (SYS_GRACE_BOUND + 3000) * cg_slow_factor())
		return KSFT_FAIL;
	return KSFT_PASS;
}

/*
 * v1: root listening on the root's memory.oom_control without asking to
 * handle (as a container runtime does) is a plain listener, as before
 * handlers, not a handler of system OOMs: a system OOM with a 60 s grace
 * period does not wait for it, and it is not told, as the root's plain
 * listeners never were. (v2 has no plain listeners.)
 */
static int test_oom_reserve_system_plain(const char *root)
{
	struct system_oom res;
	int rc = -1, killed;

	if (v2) {
		ksft_print_msg("v1 only: v2 has no plain listeners\n");
		return KSFT_SKIP;
	}
	killed = system_oom(root, SYS_RESERVE, SYS_LONG_GRACE, SYS_PLAIN, &rc,
			    &res);
	if (killed < 0)
		return KSFT_FAIL;
	ksft_print_msg("root's plain listener on the root: %s at %.0f ms (rc %d)\n",
		       res.woken ? "told" : "not told", res.woken_ms, rc);
	if (rc != 0 || !killed)
		return KSFT_FAIL;
	return KSFT_PASS;
}

#define NOFAIL_MODULE	"test_oom_reaper"
#define TEST_MODULE_DIR	"/sys/kernel/debug/oom_reaper_test/"
#define CHARGE_NOFAIL	TEST_MODULE_DIR "charge_nofail"
#define HOLD_CHARGE	TEST_MODULE_DIR "hold_charge"
#define HOLD_MMAP	TEST_MODULE_DIR "hold_mmap"
#define HELD		TEST_MODULE_DIR "held"
#define RELEASE		TEST_MODULE_DIR "release"
#define CACHE_FILE	"oom_reserve_cache"	/* in the working directory */
#define CACHE_SIZE	MB(8)

/* Is the hog alive, and nobody killed by the kernel in @cgroup? */
static bool oom_killer_waited(const char *cgroup)
{
	if (oom_event(cgroup, "oom_kill ") == 0 &&
	    waitpid(shared->hog, NULL, WNOHANG) == 0)
		return true;
	ksft_print_msg("the kernel OOM killer acted during the grace period\n");
	return false;
}

/* @size bytes in @path, written to disk and dropped from the page cache. */
static int make_uncached_file(const char *path, size_t size)
{
	char buf[65536];
	size_t off;
	int fd, ret = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	memset(buf, 1, sizeof(buf));
	for (off = 0; off < size; off += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			goto out;
	/* No fadvise(2) in every kernel: drop all the clean page cache. */
	if (!fsync(fd) && !set_sysctl("/proc/sys/vm/drop_caches", "1"))
		ret = 0;
out:
	close(fd);
	return ret;
}

/*
 * In the cgroup, not a handler: 1M of charges that must not fail, once
 * the test says so. Started before the OOM, through a file opened before:
 * during the grace period an open() in the cgroup would fail, and a fault
 * would wait for the handlers, as every other charge does.
 */
static int nofail_fn(const char *cgroup, void *arg)
{
	while (!READ_ONCE(shared->charge))
		usleep(10000);
	return write(*(int *)arg, "256", 3) == 3 ? 0 : errno;
}

/*
 * Charges that the kernel forces over the limit when they cannot be met
 * (__GFP_NOFAIL: the page cache of block devices, for metadata) reclaim
 * first during a grace period, as they would without handlers: with 8M
 * of page cache that the handler read from its reserve, 1M charged
 * __GFP_NOFAIL by another task of the cgroup reclaims that cache rather
 * than go over the limit on top of it (lib/test_oom_reaper.ko charges).
 */
static int test_oom_reserve_grace_nofail(const char *root)
{
	struct handler_args args = { .read = CACHE_FILE };
	const char *key = v2 ? "file " : "total_cache ";
	long before, after;
	int loaded, rc, fd = -1, ret = KSFT_FAIL;
	char *cgroup = NULL;
	pid_t pid;

	loaded = cg_load_test_module(NOFAIL_MODULE);
	if (loaded < 0)
		return KSFT_SKIP;
	if (make_uncached_file(CACHE_FILE, CACHE_SIZE)) {
		ksft_print_msg("cannot write %s: %s\n", CACHE_FILE, strerror(errno));
		goto out;
	}
	cgroup = create_oom_group(root, "oom_reserve_nofail", LIMIT, "16M");
	if (!cgroup || shared_init())
		goto out;
	if (grace_only(cgroup, "60000"))
		goto out;
	fd = open(CHARGE_NOFAIL, O_WRONLY);
	pid = fd < 0 ? -1 : cg_fork_in(cgroup, nofail_fn, &fd);
	if (pid < 0 || start_handler_and_hog(cgroup, cgroup, &args) < 0)
		goto out;
	if (wait_for(&shared->allocated, CACHE_SIZE, 30)) {
		ksft_print_msg("the handler read %ld bytes only\n",
			       READ_ONCE(shared->allocated));
		goto out;
	}
	before = cg_read_key_long(cgroup, "memory.stat", key);
	shared->charge = 1;
	rc = cg_wait_exit(pid, 30);
	if (rc) {
		ksft_print_msg("the __GFP_NOFAIL charges failed: %s\n",
			       rc > 0 ? strerror(rc) : "killed or stuck");
		show_task("the charging task", pid);
		goto out;
	}
	after = cg_read_key_long(cgroup, "memory.stat", key);
	ksft_print_msg("page cache %ld KiB before 1M of __GFP_NOFAIL charges, %ld KiB after\n",
		       before >> 10, after >> 10);
	/* Reclaimed, not made room for by the OOM killer. */
	if (!oom_killer_waited(cgroup))
		goto out;
	if (before >= CACHE_SIZE && after < before / 2)
		ret = KSFT_PASS;
out:
	if (fd >= 0)
		close(fd);
	destroy_group(cgroup);
	set_grace("0");
	unlink(CACHE_FILE);
	if (loaded > 0)
		cg_unload_test_module(NOFAIL_MODULE);
	return ret;
}

/* Wait until the test module holds @n tasks; 0, or -1 after 5 s. */
static int wait_held(long n)
{
	char buf[32];
	int i;

	for (i = 0; i < 500; i++) {
		if (read_text(HELD, buf, sizeof(buf)) > 0 && atol(buf) >= n)
			return 0;
		usleep(10000);
	}
	ksft_print_msg("the test module does not hold %ld tasks\n", n);
	return -1;
}

static int release_held(void)
{
	return write_text(RELEASE, "1", 1) == 1 ? 0 : -1;
}

/*
 * End a test that used the test module's holds: release the held tasks,
 * close @fd and @fd2 (either may be -1), remove @cgroup, and unload the
 * module if the test loaded it (@loaded > 0).
 */
static void held_test_done(int loaded, int fd, int fd2, char *cgroup)
{
	release_held();
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	destroy_group(cgroup);
	if (loaded > 0)
		cg_unload_test_module(NOFAIL_MODULE);
}

/* Write to the test module's file, opened before the OOM, in *@arg. */
static int module_write_fn(const char *cgroup, void *arg)
{
	return write(*(int *)arg, "1", 1) == 1 ? 0 : errno;
}

/*
 * During a grace period, a task killed (by the handler, say) that then
 * charges at the limit fails its charge: it does not go to the OOM
 * killer, which would count an "oom" event (v2) and tell v1's plain
 * listeners of an OOM the handler is resolving. The task is killed while
 * lib/test_oom_reaper.ko holds it, then charges one page.
 */
static int test_oom_reserve_grace_dying(const char *root)
{
	struct handler_args args = { 0 };
	int loaded, fd = -1, listener = -1, rc, ret = KSFT_FAIL;
	char *cgroup = NULL;
	bool told = false;
	long oom = 0;
	pid_t pid;

	loaded = cg_load_test_module(NOFAIL_MODULE);
	if (loaded < 0)
		return KSFT_SKIP;
	cgroup = create_oom_group(root, "oom_reserve_dying", LIMIT, RESERVE);
	if (!cgroup || shared_init() || grace_only(cgroup, "60000"))
		goto out;
	if (!v2) {
		listener = register_listener(cgroup);
		if (listener < 0)
			goto out;
	}
	fd = open(HOLD_CHARGE, O_WRONLY);
	pid = fd < 0 ? -1 : cg_fork_in(cgroup, module_write_fn, &fd);
	if (pid < 0 || wait_held(1) ||
	    start_handler_and_hog(cgroup, cgroup, &args) < 0)
		goto out;
	if (kill_pid(pid) || release_held())
		goto out;
	rc = cg_wait_exit(pid, 10);
	if (v2)
		oom = oom_event(cgroup, "oom ");
	else
		told = !wait_oom(listener, 0);
	ksft_print_msg("a task killed in the grace period: %s; oom events %ld, listener %s\n",
		       rc == -1 ? "killed" : rc == -2 ? "stuck" : "exited",
		       oom, told ? "told" : "not told");
	if (rc != -1 || oom || told)
		goto out;
	/* The handler's OOM is still its own. */
	if (!oom_killer_waited(cgroup))
		goto out;
	ret = KSFT_PASS;
out:
	held_test_done(loaded, fd, listener, cgroup);
	return ret;
}

/* Fault in 20M, then let the test module hold the task and its mmap_lock. */
static int big_held_fn(const char *cgroup, void *arg)
{
	if (fault_in(MB(20)))
		return 1;
	return module_write_fn(cgroup, arg);
}

/* The OOMs told on a handler's fd since the last read, or -1. */
static long told_count(int fd)
{
	char buf[64] = "";
	uint64_t n;
	long told;

	if (wait_oom(fd, 0))
		return 0;
	if (v2)
		return pread(fd, buf, sizeof(buf) - 1, 0) > 0 &&
		       sscanf(buf, "oom %ld", &told) == 1 ? told : -1;
	return read(fd, &n, sizeof(n)) == sizeof(n) ? (long)n : -1;
}

/*
 * Without a grace period, a handler is told once per OOM, not once per
 * charge that meets it. The kernel OOM killer's first victim cannot exit
 * (lib/test_oom_reaper.ko holds it, and its mmap_lock, so that the OOM
 * reaper gives up on it only after a second); the hog's charges meet the
 * OOM all that time, until the OOM killer kills the hog too. The handler
 * is registered on the parent, whose v1 eventfds memcg1 does not signal.
 */
static int test_oom_reserve_told_once(const char *root)
{
	int loaded, fd = -1, hfd = -1, ret = KSFT_FAIL;
	char *parent = NULL, *child = NULL;
	long told, ooms, kills;
	pid_t pid;

	loaded = cg_load_test_module(NOFAIL_MODULE);
	if (loaded < 0)
		return KSFT_SKIP;
	child = create_parent_child(root, "oom_reserve_once", NULL, NULL, "0",
				    &parent);
	if (!child || grace_only(child, "0"))
		goto out;
	hfd = register_handler(parent);
	fd = open(HOLD_MMAP, O_WRONLY);
	if (hfd < 0 || fd < 0)
		goto out;
	pid = cg_fork_in(child, big_held_fn, &fd);
	if (pid < 0 || wait_held(1))
		goto out;
	shared->hog = cg_fork_in(child, hog_fn, NULL);
	if (cg_wait_exit(shared->hog, 30) != -1) {
		ksft_print_msg("the hog was not killed\n");
		goto out;
	}
	told = told_count(hfd);
	ooms = v2 ? oom_event(child, "oom ") : -1;
	kills = oom_event(child, "oom_kill ");
	ksft_print_msg("one OOM: the handler told %ld times (oom events %ld, kills %ld of 2)\n",
		       told, ooms, kills);
	if (told >= 1 && told <= 2 && kills == 2)
		ret = KSFT_PASS;
out:
	held_test_done(loaded, fd, hfd, child);
	destroy_group(parent);
	return ret;
}

/*
 * Each OOM is told: one that comes too soon after a grace period that ran
 * out gets no grace period of its own, but its handlers hear of it. A
 * handler that does nothing, registered on the parent; two hogs, the
 * second a second after the first died, within the 5 s after the grace
 * period that gets none; each killed by the kernel OOM killer.
 */
static int test_oom_reserve_told_again(const char *root)
{
	char *parent = NULL, *child = NULL;
	int i, hfd = -1, ret = KSFT_FAIL;
	long told, kills;
	pid_t hog;

	child = create_parent_child(root, "oom_reserve_again", NULL, NULL, "0",
				    &parent);
	if (!child || grace_only(child, "5000"))
		goto out;
	hfd = register_handler(parent);
	if (hfd < 0)
		goto out;
	for (i = 0; i < 2; i++) {
		/* Apart by more than the quarter second that ends an OOM. */
		if (i)
			usleep(1000000);
		hog = cg_fork_in(child, hog_fn, NULL);
		if (cg_wait_exit(hog, 30) != -1) {
			ksft_print_msg("hog %d was not killed\n", i + 1);
			goto out;
		}
	}
	told = told_count(hfd);
	kills = oom_event(child, "oom_kill ");
	ksft_print_msg("two OOMs, one soon after a grace period: told %ld times, %ld kills\n",
		       told, kills);
	if (told == 2 && kills == 2)
		ret = KSFT_PASS;
out:
	if (hfd >= 0)
		close(hfd);
	destroy_group(child);
	destroy_group(parent);
	return ret;
}

/*
 * Shortening vm.oom_handler_grace_ms ends the grace periods that would
 * run past the new setting: a deadline further away than a grace period
 * is one no longer waited for. The handler does nothing; a second into
 * a 60 s grace period, it is cut to half a second, and the kernel OOM
 * killer kills the hog, whose charges keep meeting the OOM.
 */
static int test_oom_reserve_grace_cut(const char *root)
{
	int hfd = -1, rc, ret = KSFT_FAIL;
	struct timespec t0;
	char *cgroup;
	double ms;

	cgroup = create_oom_group(root, "oom_reserve_cut", LIMIT, RESERVE);
	if (!cgroup || shared_init() || grace_only(cgroup, "60000"))
		goto out;
	hfd = register_handler(cgroup);
	if (hfd < 0)
		goto out;
	shared->hog = cg_fork_in(cgroup, hog_fn, NULL);
	if (shared->hog < 0 || wait_oom(hfd, 30000)) {
		ksft_print_msg("the handler was not told of the OOM\n");
		goto out;
	}
	usleep(1000000);
	if (!oom_killer_waited(cgroup) || set_grace("500"))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cg_wait_exit(shared->hog, 10 * cg_slow_factor());
	ms = since_ms(&t0);
	ksft_print_msg("grace 60 s cut to 0.5 s a second in: the hog %s after %.0f ms\n",
		       rc == -1 ? "killed" : "not killed", ms);
	/* Not scaled: uncut, the grace period would end in 59 s. */
	if (rc == -1 && ms < 20000 && oom_event(cgroup, "oom_kill ") >= 1)
		ret = KSFT_PASS;
out:
	if (hfd >= 0)
		close(hfd);
	destroy_group(cgroup);
	return ret;
}

/* Fault in 24M, unkillable by the OOM killer, and wait to be killed. */
static int filler_fn(const char *cgroup, void *arg)
{
	if (unkillable() || fault_in(MB(24)))
		return 1;
	shared->registered = 1;
	pause();
	return 0;
}

/* Unkillable by the OOM killer, let the test module hold the task. */
static int unkillable_write_fn(const char *cgroup, void *arg)
{
	if (unkillable())
		return 1;
	return module_write_fn(cgroup, arg);
}

/*
 * Unkillable by the OOM killer until the test's go, then a hog. What
 * allocates kernel memory is done before: the hog's first charge, when
 * the cgroup is full, starts a grace period, and during one its syscalls
 * fail rather than wait.
 */
static int hog_on_go_fn(const char *cgroup, void *arg)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	char *buf, *ptr;

	if (fd < 0 || write(fd, "-1000", 5) != 5)
		return 1;
	buf = mmap(NULL, HOG_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	shared->woken = 1;
	while (!READ_ONCE(shared->go))
		usleep(1000);
	if (pwrite(fd, "0", 1, 0) != 1)
		return 1;
	for (ptr = buf; ptr < buf + HOG_SIZE; ptr += PAGE_SIZE)
		*ptr = 1;
	return 0;
}

/*
 * A dying task that meets an OOM is no OOM of its own: the OOM killer
 * passes it over. While a handler may act, its charge fails without the
 * kernel's OOM handling (no "oom" event), it tells nobody, and the task
 * that meets the OOM next starts the grace period. The cgroup is put over
 * its limit by a memory.max below the usage of a task the OOM killer may
 * not kill (v2: v1 refuses a limit below the usage); a task killed while
 * lib/test_oom_reaper.ko holds it then charges a page, and a hog meets
 * the OOM once that task is gone.
 */
static int test_oom_reserve_dying_first(const char *root)
{
	int loaded, fd = -1, hfd = -1, rc, ret = KSFT_FAIL;
	long ooms, maxes, told;
	char *cgroup = NULL;
	bool waited;
	pid_t pid;

	if (!v2) {
		ksft_print_msg("v2 only: v1 refuses a limit below the usage\n");
		return KSFT_SKIP;
	}
	loaded = cg_load_test_module(NOFAIL_MODULE);
	if (loaded < 0)
		return KSFT_SKIP;
	cgroup = create_oom_group(root, "oom_reserve_first", LIMIT, RESERVE);
	if (!cgroup || shared_init() || grace_only(cgroup, "60000"))
		goto out;
	if (cg_fork_in(cgroup, filler_fn, NULL) < 0 ||
	    wait_flag(&shared->registered, 30))
		goto out;
	fd = open(HOLD_CHARGE, O_WRONLY);
	pid = fd < 0 ? -1 : cg_fork_in(cgroup, unkillable_write_fn, &fd);
	shared->hog = cg_fork_in(cgroup, hog_on_go_fn, NULL);
	if (pid < 0 || shared->hog < 0 || wait_held(1) ||
	    wait_flag(&shared->woken, 10))
		goto out;
	/* Over the limit, and nobody the OOM killer may kill. */
	if (cg_write(cgroup, "memory.max", "16M"))
		goto out;
	hfd = register_handler(cgroup);
	if (hfd < 0)
		goto out;
	ooms = oom_event(cgroup, "oom ");
	maxes = oom_event(cgroup, "max ");
	if (kill_pid(pid) || release_held())
		goto out;
	rc = cg_wait_exit(pid, 10 * cg_slow_factor());
	told = told_count(hfd);
	ooms = oom_event(cgroup, "oom ") - ooms;
	maxes = oom_event(cgroup, "max ") - maxes;
	ksft_print_msg("a killed task at the limit: %s; max %ld, oom %ld, told %ld\n",
		       rc == -1 ? "killed" : rc == -2 ? "stuck" : "exited",
		       maxes, ooms, told);
	if (rc != -1 || maxes < 1 || ooms || told)
		goto out;
	shared->go = 1;
	if (wait_oom(hfd, 10000 * cg_slow_factor())) {
		ksft_print_msg("the handler was not told of the hog's OOM\n");
		goto out;
	}
	usleep(1000000);
	waited = oom_killer_waited(cgroup);
	ksft_print_msg("the hog met the OOM next: it %s\n",
		       waited ? "waits" : "is gone");
	if (waited)
		ret = KSFT_PASS;
out:
	held_test_done(loaded, fd, hfd, cgroup);
	return ret;
}

static const struct cg_test cgroup_tests[] = {
	CG_TEST(test_oom_reserve_write),
	CG_TEST(test_oom_reserve_none),
	CG_TEST(test_oom_reserve_handler),
	CG_TEST(test_oom_reserve_non_handler),
	CG_TEST(test_oom_reserve_ancestor),
	CG_TEST(test_oom_reserve_ancestor_reserve),
	CG_TEST(test_oom_reserve_ancestor_told),
	CG_TEST(test_oom_reserve_root_only),
	CG_TEST(test_oom_reserve_root_fd),
	CG_TEST(test_oom_reserve_fallback),
	CG_TEST(test_oom_reserve_grace_nofail),
	CG_TEST(test_oom_reserve_listener),
	CG_TEST(test_oom_reserve_dead_handler),
	CG_TEST(test_oom_reserve_grace_dying),
	CG_TEST(test_oom_reserve_told_once),
	CG_TEST(test_oom_reserve_told_again),
	CG_TEST(test_oom_reserve_grace_cut),
	CG_TEST(test_oom_reserve_dying_first),
};

static const struct cg_test system_tests[] = {
	CG_TEST(test_oom_reserve_system),
	CG_TEST(test_oom_reserve_system_none),
	CG_TEST(test_oom_reserve_system_floor),
	CG_TEST(test_oom_reserve_system_stuck),
	CG_TEST(test_oom_reserve_system_plain),
};

int main(int argc, char **argv)
{
	const struct cg_test *tests = cgroup_tests;
	int n = ARRAY_SIZE(cgroup_tests), ret;
	char root[PATH_MAX];

	if (argc > 1 && !strcmp(argv[1], "--system")) {
		tests = system_tests;
		n = ARRAY_SIZE(system_tests);
	}
	ksft_print_header();
	ksft_set_plan(n);
	if (cg_find_memcg_root(root, sizeof(root), &v2))
		ksft_exit_skip("no memory controller mounted\n");
	ksft_print_msg("cgroup %s: %s\n", v2 ? "v2" : "v1", root);
	if (v2 && cg_write(root, "cgroup.subtree_control", "+memory"))
		ksft_exit_skip("cannot enable the memory controller\n");

	ret = cg_run_tests(tests, n, root);
	return ret;
}
