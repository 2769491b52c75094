/* SPDX-License-Identifier: MIT */
/*
 * examples/fifo_reader.c: read lines from a FIFO that unrelated processes write to.
 *
 *   cc -o fifo_reader fifo_reader.c && ./fifo_reader /tmp/demo.fifo
 *   (then, in another terminal: ./fifo_writer /tmp/demo.fifo hello world)
 *
 * The reader creates the FIFO when it is missing and removes it at the end if it created it.
 * open() blocks until a writer opens the FIFO too. read() returns end of file once the last
 * writer has closed it; a new writer needs a new open().
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	int created = 1;
	struct stat st;
	FILE *in;
	int fd;

	if (argc != 2)
		errx(2, "usage: %s PATH", argv[0]);

	/* Only the owner may read or write it; an existing FIFO is reused. */
	if (mkfifo(argv[1], 0600) == -1) {
		if (errno != EEXIST)
			err(1, "mkfifo %s", argv[1]);
		if (lstat(argv[1], &st) == -1)
			err(1, "%s", argv[1]);
		if (!S_ISFIFO(st.st_mode))
			errx(1, "%s exists and is not a FIFO", argv[1]);
		created = 0;
	}

	printf("reader %d: waiting for a writer on %s\n", (int)getpid(), argv[1]);
	fflush(stdout);
	fd = open(argv[1], O_RDONLY); /* blocks until a writer opens it */
	if (fd == -1)
		err(1, "open %s", argv[1]);
	in = fdopen(fd, "r");
	if (!in)
		err(1, "fdopen");

	while ((n = getline(&line, &size, in)) != -1)
		printf("reader %d: \"%.*s\"\n", (int)getpid(), (int)(n - (line[n - 1] == '\n')),
		       line);
	printf("reader %d: end of file: every writer has closed the FIFO\n", (int)getpid());

	free(line);
	fclose(in);
	if (created && unlink(argv[1]) == -1)
		err(1, "unlink %s", argv[1]);
	return 0;
}
