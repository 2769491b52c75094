/* SPDX-License-Identifier: MIT */
/*
 * examples/fifo_writer.c: write each argument, or each line of standard input, into a FIFO as
 * one line.
 *
 *   cc -o fifo_writer fifo_writer.c && ./fifo_writer /tmp/demo.fifo hello world
 *   (with ./fifo_reader /tmp/demo.fifo running in another terminal)
 *
 * open() blocks until a reader opens the FIFO. Each line leaves in a single write(): writes of
 * at most PIPE_BUF (4096) bytes are atomic, so lines from several writers never interleave.
 * SIGPIPE is ignored so that a reader going away shows up as a clear EPIPE error.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void send_line(int fd, const char *text, size_t len)
{
	char buf[PIPE_BUF];

	if (len + 1 > sizeof(buf))
		errx(1, "a line of %zu bytes is over PIPE_BUF and would not be atomic", len);
	memcpy(buf, text, len);
	buf[len] = '\n';
	if (write(fd, buf, len + 1) == -1)
		err(1, "write"); /* EPIPE: the reader went away */
}

int main(int argc, char *argv[])
{
	int fd;

	if (argc < 2)
		errx(2, "usage: %s PATH [MESSAGE...]", argv[0]);
	signal(SIGPIPE, SIG_IGN);

	fd = open(argv[1], O_WRONLY); /* blocks until a reader opens it */
	if (fd == -1)
		err(1, "open %s (is fifo_reader running?)", argv[1]);

	if (argc > 2) {
		for (int i = 2; i < argc; i++)
			send_line(fd, argv[i], strlen(argv[i]));
	} else {
		char *line = NULL;
		size_t size = 0;
		ssize_t n;

		while ((n = getline(&line, &size, stdin)) != -1)
			send_line(fd, line, (size_t)n - (line[n - 1] == '\n'));
		free(line);
	}
	if (close(fd) == -1)
		err(1, "close");
	return 0;
}
