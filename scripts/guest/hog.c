// SPDX-License-Identifier: GPL-2.0
/*
 * hog: the demo's memory hog. Faults in MIB mebibytes of anonymous
 * memory, one mebibyte every DELAY milliseconds (default 0), then sleeps
 * until killed. Each mebibyte is a mapping of its own, so that the
 * heuristic overcommit check never refuses a large MIB up front: the hog
 * grows until the memory runs out.
 *
 *	hog MIB [DELAY]
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib, delay, i, off;
	char *buf;

	if (argc < 2)
		return 2;
	mib = atol(argv[1]);
	delay = argc > 2 ? atol(argv[2]) : 0;
	for (i = 0; i < mib; i++) {
		buf = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			return 1;
		for (off = 0; off < 1 << 20; off += 4096)
			buf[off] = 1;
		if (delay)
			usleep(delay * 1000);
	}
	for (;;)
		pause();
}
