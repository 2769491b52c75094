/* SPDX-License-Identifier: MIT */
/*
 * examples/pipe_filter.c: how a shell runs `ls DIR | wc -l`, with pipe, fork, dup2 and exec.
 *
 *   cc -o pipe_filter pipe_filter.c && ./pipe_filter /etc
 *
 * Each child puts a pipe end where the program expects its standard output or input (dup2),
 * then closes both original ends; the parent closes both too. wc sees end of file only when
 * no write end is left open anywhere, so a single forgotten close makes the pipeline hang.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	const char *dir = argc > 1 ? argv[1] : ".";
	int fds[2], status;
	pid_t ls, wc;

	if (pipe(fds) == -1)
		err(1, "pipe");

	ls = fork();
	if (ls == -1)
		err(1, "fork");
	if (ls == 0) {
		/* ls: standard output becomes the write end of the pipe. */
		if (dup2(fds[1], STDOUT_FILENO) == -1)
			err(1, "dup2");
		close(fds[0]);
		close(fds[1]);
		execlp("ls", "ls", "--", dir, (char *)NULL);
		err(127, "exec ls");
	}

	wc = fork();
	if (wc == -1)
		err(1, "fork");
	if (wc == 0) {
		/* wc: standard input becomes the read end of the pipe. */
		if (dup2(fds[0], STDIN_FILENO) == -1)
			err(1, "dup2");
		close(fds[0]);
		close(fds[1]);
		execlp("wc", "wc", "-l", (char *)NULL);
		err(127, "exec wc");
	}

	/* The parent uses neither end; keeping the write end open would hang wc. */
	close(fds[0]);
	close(fds[1]);
	if (waitpid(ls, &status, 0) == -1)
		err(1, "waitpid ls");
	if (waitpid(wc, &status, 0) == -1)
		err(1, "waitpid wc");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
