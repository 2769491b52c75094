/* SPDX-License-Identifier: MIT */
/*
 * examples/pipe_parent_child.c: a parent writes lines into a pipe; its child reads them until
 * end of file.
 *
 *   cc -o pipe_parent_child pipe_parent_child.c && ./pipe_parent_child
 *
 * The child reaches end of file only when every write end of the pipe is closed: the parent's,
 * once it has written, and the child's own copy, inherited through fork(), which it closes
 * first. Forget that close and the child waits for itself for ever.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	const char *lines[] = { "first line\n", "second line\n", "third line\n" };
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) == -1)
		err(1, "pipe");
	pid = fork();
	if (pid == -1)
		err(1, "fork");

	if (pid == 0) {
		/* Child: reads. Its copy of the write end must go, or EOF never comes. */
		char *line = NULL;
		size_t size = 0;
		FILE *in;

		close(fds[1]);
		in = fdopen(fds[0], "r");
		if (!in)
			err(1, "fdopen");
		while (getline(&line, &size, in) != -1)
			printf("child  %d: got %s", (int)getpid(), line);
		printf("child  %d: end of file\n", (int)getpid());
		free(line);
		fclose(in);
		exit(0);
	}

	/* Parent: writes, then closes its write end so the child sees end of file. */
	close(fds[0]);
	printf("parent %d: writing 3 lines to child %d\n", (int)getpid(), (int)pid);
	fflush(stdout);
	for (int i = 0; i < 3; i++)
		if (write(fds[1], lines[i], strlen(lines[i])) == -1)
			err(1, "write");
	close(fds[1]);

	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	printf("parent %d: child exited with status %d\n", (int)getpid(), WEXITSTATUS(status));
	return 0;
}
