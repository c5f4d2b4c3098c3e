// SPDX-License-Identifier: GPL-2.0
/*
 * oomwatch: the observer of the Debian guest's OOM bench. Every 5 ms it
 * reads the state of an OOM scenario, until a job is gone and its memory
 * freed (and 3 s more, to count later kills), or for TIMEOUT seconds:
 *
 *	oomwatch SCOPE BATCH IMPORTANT TIMEOUT
 *
 * SCOPE is the limited slice's cgroup directory, or "-" for a system-wide
 * OOM; BATCH and IMPORTANT are the jobs' cgroup directories (a job is
 * gone once its cgroup is unpopulated or removed). It prints one line:
 *
 *	oomwatch: first F kill K freed R batch B important I kernel_kills N
 *
 * F is the time from start to the first sign of trouble: SCOPE's first
 * "max" event (a charge reached its limit and reclaimed) or PSI memory
 * stall; for the system, the first PSI memory stall. K and R are the
 * times from that sign to the first job gone and to its memory being
 * freed (SCOPE's usage at half its limit; for the system, MemAvailable
 * at a quarter of MemTotal); -1 when it (or the sign) did not happen. B and I are "killed" or "alive";
 * N counts the kernel OOM killer's kills in SCOPE (the system's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* The value after KEY in the file DIR/NAME (KEY "": the first line), or -1. */
static long read_key(const char *dir, const char *name, const char *key)
{
	char path[512], line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen)) {
			val = atol(line + klen);
			break;
		}
	}
	fclose(f);
	return val;
}

/* The "some" total of a PSI memory file, in microseconds. */
static long psi_total(const char *path)
{
	char line[256], *p;
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f)) {
		p = strstr(line, "total=");
		if (p)
			val = atol(p + 6);
	}
	fclose(f);
	return val;
}

static int gone(const char *dir)
{
	return read_key(dir, "cgroup.events", "populated ") != 1;
}

int main(int argc, char **argv)
{
	const char *scope, *batch, *important;
	long start, end, first = -1, kill = -1, freed = -1, until;
	long max0, psi0, kills0, limit;
	char psi[512];
	int system, b = 0, i = 0;

	if (argc < 5)
		return 2;
	scope = argv[1];
	batch = argv[2];
	important = argv[3];
	system = !strcmp(scope, "-");
	if (system)
		snprintf(psi, sizeof(psi), "/proc/pressure/memory");
	else
		snprintf(psi, sizeof(psi), "%s/memory.pressure", scope);
	max0 = system ? 0 : read_key(scope, "memory.events", "max ");
	kills0 = system ? read_key("/proc", "vmstat", "oom_kill ") :
			  read_key(scope, "memory.events", "oom_kill ");
	limit = system ? 0 : read_key(scope, "memory.max", "");
	psi0 = psi_total(psi);
	start = now_ms();
	end = start + atol(argv[4]) * 1000;
	until = end;

	while (now_ms() < until) {
		long t = now_ms();

		if (first < 0 &&
		    ((!system && read_key(scope, "memory.events", "max ") > max0) ||
		     psi_total(psi) > psi0))
			first = t;
		if (!b && gone(batch))
			b = 1;
		if (!i && gone(important))
			i = 1;
		if (kill < 0 && (b || i))
			kill = t;
		if (kill >= 0 && freed < 0) {
			if (system ?
			    read_key("/proc", "meminfo", "MemAvailable:") * 4 >=
			    read_key("/proc", "meminfo", "MemTotal:") :
			    read_key(scope, "memory.current", "") * 2 <= limit) {
				freed = t;
				until = t + 3000 < end ? t + 3000 : end;
			}
		}
		usleep(5000);
	}
	printf("oomwatch: first %ld kill %ld freed %ld batch %s important %s kernel_kills %ld\n",
	       first < 0 ? -1 : first - start,
	       kill < 0 || first < 0 ? -1 : kill - first,
	       freed < 0 || first < 0 ? -1 : freed - first,
	       b ? "killed" : "alive", i ? "killed" : "alive",
	       (system ? read_key("/proc", "vmstat", "oom_kill ") :
			 read_key(scope, "memory.events", "oom_kill ")) - kills0);
	return 0;
}
