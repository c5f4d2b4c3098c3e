// SPDX-License-Identifier: GPL-2.0
/*
 * probe: the important job of the Debian guest's OOM bench. Holds MIB
 * mebibytes of anonymous memory and, every 10 ms, touches one page of
 * each mebibyte; writes to FILE, after every round, the worst time a
 * round took beyond its 10 ms sleep (the longest stall the job saw), in
 * milliseconds.
 *
 *	probe MIB FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	long mib, i, t0, stall, worst = 0;
	char line[32];
	char *buf;
	int fd, len;

	if (argc < 3)
		return 2;
	mib = atol(argv[1]);
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	buf = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || buf == MAP_FAILED)
		return 1;
	memset(buf, 1, mib << 20);
	for (;;) {
		t0 = now_us();
		for (i = 0; i < mib; i++)
			buf[(i << 20) + (t0 / 1000 % 256) * 4096]++;
		usleep(10000);
		stall = (now_us() - t0 - 10000) / 1000;
		if (stall > worst) {
			worst = stall;
			len = snprintf(line, sizeof(line), "%ld\n", worst);
			if (pwrite(fd, line, len, 0) != len)
				return 1;
		}
	}
}
