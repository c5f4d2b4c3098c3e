// SPDX-License-Identifier: GPL-2.0
/*
 * forkbomb: the Debian guest's fork bomb, run as a container's init.
 * Every task forks two children, which do the same, until fork() fails
 * or MAX tasks were made; failed forks are retried every 20 ms. Once
 * fork() failed FAILURES times (or after SECONDS), the first task prints
 *
 *	forkbomb: tasks N failures F errno NAME
 *
 * and every task sleeps until killed.
 *
 *	forkbomb MAX FAILURES SECONDS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct shared {
	long tasks;
	long failures;
	int error;
	int stop;
};

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static void bomb(struct shared *s, long max)
{
	int children = 0;
	pid_t pid;

	while (children < 2 && !READ_ONCE(s->stop)) {
		if (__atomic_add_fetch(&s->tasks, 1, __ATOMIC_RELAXED) > max) {
			s->stop = 1;
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
		__atomic_sub_fetch(&s->tasks, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&s->failures, 1, __ATOMIC_RELAXED);
		s->error = errno;
		usleep(20000);
	}
}

int main(int argc, char **argv)
{
	long max, failures, seconds;
	struct shared *s;
	time_t end;
	pid_t pid;

	if (argc < 4)
		return 2;
	max = atol(argv[1]);
	failures = atol(argv[2]);
	seconds = atol(argv[3]);
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return 1;
	pid = fork();
	if (pid == 0) {
		bomb(s, max);
		for (;;)
			pause();
	}
	end = time(NULL) + seconds;
	while (READ_ONCE(s->failures) < failures && !READ_ONCE(s->stop) &&
	       time(NULL) < end)
		usleep(100000);
	s->stop = 1;
	printf("forkbomb: tasks %ld failures %ld errno %s\n", READ_ONCE(s->tasks),
	       READ_ONCE(s->failures),
	       s->error ? strerrorname_np(s->error) : "none");
	fflush(stdout);
	for (;;)
		pause();
}
