/* SPDX-License-Identifier: MIT */
/*
 * leakcheck: the first and the last test. With --setup it creates the test directory and clears
 * what an interrupted earlier run may have left; without, it fails if any IPC object this run's
 * tests named (check_name, check_key: POSIX shared memory, semaphores and queues, System V
 * objects) or any file in the test directory is left.
 */
#include <sys/stat.h>

#include "check.h"

int main(int argc, char **argv)
{
	const char *dir = getenv("LIPC_TEST_DIR");
	int n;

	if (argc > 1 && !strcmp(argv[1], "--setup")) {
		if (dir && mkdir(dir, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "leakcheck: cannot create %s: %s\n", dir, strerror(errno));
			return 1;
		}
		n = check_sweep(0, stderr);
		if (n)
			fprintf(stderr, "leakcheck: removed %d object(s) an earlier run left\n", n);
		check_sweep_reset();
		return 0;
	}
	n = check_sweep(0, stderr);
	if (n) {
		fprintf(stderr, "leakcheck: %d IPC object(s) left behind by the tests\n", n);
		return 1;
	}
	printf("leakcheck: nothing left behind\n");
	return 0;
}
