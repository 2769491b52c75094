/* SPDX-License-Identifier: MIT */
/*
 * examples/lock_fcntl.c: two processes add to one counter in a file, safely, under a lock.
 *
 *   cc -o lock_fcntl lock_fcntl.c && ./lock_fcntl /tmp/counter
 *
 * For every update, each process takes an exclusive open file description (OFD) lock on the
 * file with F_OFD_SETLKW (Linux 3.15 and later), reads the number, writes back the number plus
 * one, and unlocks. Run it with --no-lock to see updates lost: both processes read the same
 * value and one of the two writes is wasted. Each process opens the file itself: a descriptor
 * inherited through fork() shares its open file description, and with it the OFD lock, so
 * parent and child would not exclude each other.
 */
#define _GNU_SOURCE /* F_OFD_SETLKW */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 10000

static void set_lock(int fd, short type)
{
	/* The whole file (l_len 0: up to its end); l_pid must be 0 for OFD locks. */
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };

	while (fcntl(fd, F_OFD_SETLKW, &fl) == -1) /* waits while another holds it */
		if (errno != EINTR)
			err(1, "fcntl");
}

static long read_counter(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n == -1)
		err(1, "pread");
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static void add_one_many_times(const char *path, int use_lock)
{
	int fd = open(path, O_RDWR); /* our own open file description */

	if (fd == -1)
		err(1, "open %s", path);
	for (int i = 0; i < ROUNDS; i++) {
		char buf[32];
		int n;

		if (use_lock)
			set_lock(fd, F_WRLCK);
		n = snprintf(buf, sizeof(buf), "%ld\n", read_counter(fd) + 1);
		if (pwrite(fd, buf, (size_t)n, 0) != n)
			err(1, "pwrite");
		if (use_lock)
			set_lock(fd, F_UNLCK);
	}
	close(fd);
}

int main(int argc, char *argv[])
{
	int use_lock = !(argc == 3 && strcmp(argv[1], "--no-lock") == 0);
	const char *path = argv[argc - 1];
	int fd, status;
	long total;
	pid_t pid;

	if (argc != 2 && use_lock)
		errx(2, "usage: %s [--no-lock] FILE", argv[0]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, "0\n", 2) != 2)
		err(1, "%s", path);
	printf("parent %d: %s holds 0; parent and child each add 1 to it %d times, %s\n",
	       (int)getpid(), path, ROUNDS, use_lock ? "under the lock" : "WITHOUT the lock");
	fflush(stdout);

	pid = fork();
	if (pid == -1)
		err(1, "fork");
	if (pid == 0) {
		add_one_many_times(path, use_lock);
		_exit(0);
	}
	add_one_many_times(path, use_lock);
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");

	total = read_counter(fd);
	printf("parent %d: the counter is %ld (%d expected)%s\n", (int)getpid(), total, 2 * ROUNDS,
	       total == 2 * ROUNDS ? "" : ": updates were lost");
	close(fd);
	return total == 2 * ROUNDS ? 0 : 1;
}
