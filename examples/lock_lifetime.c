/* SPDX-License-Identifier: MIT */
/*
 * examples/lock_lifetime.c: when does a file lock go away? The three kinds of Linux lock,
 * put to the test at run time.
 *
 *   cc -o lock_lifetime lock_lifetime.c && ./lock_lifetime /tmp/lifetime.lock
 *
 * For each kind, the program takes an exclusive lock of the whole file and then checks, from a
 * separate process that opens the file for itself, whether the lock is still there after:
 *   - the process opens and closes another descriptor of the same file;
 *   - fork(), after which the parent closes its descriptor and the child keeps its copy.
 * It also asks for the lock a second time through a second open() in the same process.
 * POSIX record locks belong to the process: ANY close() of the file drops them, a child does
 * not inherit them, and the process never conflicts with itself. OFD and flock locks belong to
 * the open file description: they live as long as a descriptor of it is open anywhere.
 */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

enum kind {
	POSIX,
	OFD,
	FLOCK
};
static const char *const names[] = { "POSIX (F_SETLK)", "OFD (F_OFD_SETLK)", "flock (LOCK_EX)" };

/* An exclusive lock of the whole file, without waiting: 0, or -1 with errno (EAGAIN: busy). */
static int lock(int fd, enum kind k)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET }; /* l_len 0: whole file */

	if (k == FLOCK)
		return flock(fd, LOCK_EX | LOCK_NB);
	return fcntl(fd, k == OFD ? F_OFD_SETLK : F_SETLK, &fl);
}

static int open_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);

	if (fd == -1)
		err(1, "open %s", path);
	return fd;
}

/* Ask another process, with its own open(), to take the lock: can it? */
static const char *still_held(const char *path, enum kind k)
{
	int status;
	pid_t pid = fork();

	if (pid == -1)
		err(1, "fork");
	if (pid == 0) {
		if (lock(open_file(path), k) == 0)
			_exit(0);
		_exit(errno == EAGAIN || errno == EACCES ? 1 : 2);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1)
		errx(1, "the checking process failed");
	return WEXITSTATUS(status) == 1 ? "still held" : "RELEASED";
}

int main(int argc, char *argv[])
{
	if (argc != 2)
		errx(2, "usage: %s FILE", argv[0]);
	printf("%-18s %-20s %-22s %s\n", "kind", "close(another fd)", "fork, parent closes",
	       "2nd open, same process");
	for (enum kind k = POSIX; k <= FLOCK; k++) {
		const char *after_close, *after_fork, *again;
		int fd = open_file(argv[1]), fd2, ends[2];
		char c;
		pid_t child;

		if (lock(fd, k) == -1)
			err(1, "lock");
		close(open_file(argv[1])); /* as a library reading the same file would */
		after_close = still_held(argv[1], k);
		close(fd);

		fd = open_file(argv[1]);
		if (lock(fd, k) == -1 || pipe(ends) == -1)
			err(1, "lock");
		child = fork();
		if (child == -1)
			err(1, "fork");
		if (child == 0) { /* keeps its copy of fd until the parent closes the pipe */
			close(ends[1]);
			if (read(ends[0], &c, 1) == -1)
				err(1, "read");
			_exit(0);
		}
		close(ends[0]);
		close(fd);
		after_fork = still_held(argv[1], k);
		close(ends[1]);
		if (waitpid(child, NULL, 0) == -1)
			err(1, "waitpid");

		fd = open_file(argv[1]);
		fd2 = open_file(argv[1]);
		if (lock(fd, k) == -1)
			err(1, "lock");
		again = lock(fd2, k) == 0 ? "GRANTED as well" : "refused (busy)";
		close(fd2);
		close(fd);
		printf("%-18s %-20s %-22s %s\n", names[k], after_close, after_fork, again);
	}
	if (unlink(argv[1]) == -1)
		err(1, "unlink %s", argv[1]);
	return 0;
}
