/* SPDX-License-Identifier: MIT */
/*
 * Anonymous pipes. The traps this module takes care of: every descriptor is O_CLOEXEC, so a
 * child started later does not inherit a write end and keep its reader from ever seeing end of
 * file; and a spawned child gets its pipes through posix_spawn() file actions, which avoid the
 * async-signal-safety rules that bind code between fork() and exec() in a threaded process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi.h"
#include "internal.h"
#include "lipc/pipe.h"

int lipc_pipe_open(int fds[2], int flags)
{
	if (flags & ~(O_NONBLOCK | O_DIRECT | O_CLOEXEC)) {
		errno = EINVAL;
		return -1;
	}
	return pipe2(fds, flags | O_CLOEXEC);
}

int lipc_pipe_close(int fds[2])
{
	int ret = 0;

	if (!fds)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0 && close(fds[i]) < 0)
			ret = -1;
		fds[i] = -1;
	}
	return ret;
}

long lipc_pipe_capacity(int fd)
{
	return fcntl(fd, F_GETPIPE_SZ);
}

long lipc_pipe_set_capacity(int fd, long bytes)
{
	if (bytes <= 0 || bytes > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	return fcntl(fd, F_SETPIPE_SZ, (int)bytes);
}

/*
 * A pipe whose ends are above the standard descriptors. When the caller runs with stdin or
 * stdout closed, pipe2() may hand out 0 or 1, and a dup2() onto the child's 0 and 1 would then
 * clobber the other pipe before the child ever sees it.
 */
static int pipe_above_stdio(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fds[i] <= STDERR_FILENO) {
			int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);

			if (fd < 0) {
				lipc__close(fds[0]);
				lipc__close(fds[1]);
				return -1;
			}
			close(fds[i]);
			fds[i] = fd;
		}
	}
	return 0;
}

int lipc_pipe_spawn(struct lipc_child *child, char *const argv[], int flags)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	int err;

	/* Only the 1.0 fields are written below: any initialised struct has them. */
	if (!lipc__abi_size(child, LIPC__CHILD_1_0))
		return -1;
	child->pid = -1;
	child->to_child = child->from_child = -1;
	if (!argv || !argv[0] || (flags & ~(LIPC_CHILD_STDIN | LIPC_CHILD_STDOUT))) {
		errno = EINVAL;
		return -1;
	}
	if ((flags & LIPC_CHILD_STDIN) && pipe_above_stdio(in) < 0)
		return -1;
	if ((flags & LIPC_CHILD_STDOUT) && pipe_above_stdio(out) < 0)
		goto out_close_in;
	err = posix_spawn_file_actions_init(&fa);
	if (err)
		goto out_errno;
	/* dup2() clears FD_CLOEXEC on the copy; every original closes itself at exec. */
	if (flags & LIPC_CHILD_STDIN)
		err = posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	if (!err && (flags & LIPC_CHILD_STDOUT))
		err = posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	if (!err)
		err = posix_spawnp(&child->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		goto out_errno;

	/* Keep only our ends: a write end left open here would hide the child's end of file. */
	if (flags & LIPC_CHILD_STDIN) {
		close(in[0]);
		child->to_child = in[1];
	}
	if (flags & LIPC_CHILD_STDOUT) {
		close(out[1]);
		child->from_child = out[0];
	}
	return 0;

out_errno:
	errno = err;
	lipc__close(out[0]);
	lipc__close(out[1]);
out_close_in:
	lipc__close(in[0]);
	lipc__close(in[1]);
	child->pid = -1;
	return -1;
}

int lipc_pipe_wait(struct lipc_child *child)
{
	int status;

	if (!lipc__abi_size(child, LIPC__CHILD_1_0))
		return -1;
	/* Close our ends first: a child reading its stdin to the end is waiting for exactly this.
	 */
	lipc__close(child->to_child);
	lipc__close(child->from_child);
	child->to_child = child->from_child = -1;
	while (waitpid(child->pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	child->pid = -1;
	return status;
}
