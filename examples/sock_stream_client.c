/* SPDX-License-Identifier: MIT */
/*
 * examples/sock_stream_client.c: send each argument as one line to the echo server, and print
 * the line that comes back.
 *
 *   cc -o sock_stream_client sock_stream_client.c && ./sock_stream_client /tmp/echo.sock hi
 *   (with ./sock_stream_server /tmp/echo.sock running in another terminal)
 *
 * A stream has no message boundaries: an answer may come back in several read()s, so the client
 * reads until it has the whole line. connect() fails at once when nobody listens: ENOENT when
 * there is no socket file, ECONNREFUSED when the file is stale. MSG_NOSIGNAL turns a server that
 * went away into an EPIPE error instead of a death by SIGPIPE.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Send all len bytes: a stream socket may take fewer in one call. */
static void send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n == -1)
			err(1, "send");
		p += n;
		len -= (size_t)n;
	}
}

int main(int argc, char *argv[])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char line[4096], back[4096];
	int fd;

	if (argc < 3)
		errx(2, "usage: %s PATH MESSAGE...", argv[0]);
	if (strlen(argv[1]) >= sizeof(addr.sun_path))
		errx(1, "%s: a socket path holds at most %zu bytes", argv[1],
		     sizeof(addr.sun_path) - 1);
	strcpy(addr.sun_path, argv[1]);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1)
		err(1, "connect %s (is sock_stream_server running?)", argv[1]);

	for (int i = 2; i < argc; i++) {
		size_t len = (size_t)snprintf(line, sizeof(line), "%s\n", argv[i]), got = 0;

		if (len >= sizeof(line) || strchr(argv[i], '\n'))
			errx(1, "message %d is too long or holds a newline", i - 1);
		send_all(fd, line, len);
		/* Read until the echo of the whole line is back, however it is cut. */
		while (got < len) {
			ssize_t n = read(fd, back + got, len - got);

			if (n == -1)
				err(1, "read");
			if (n == 0)
				errx(1, "the server closed the connection");
			got += (size_t)n;
		}
		printf("client %d: sent \"%s\", got back \"%.*s\"\n", (int)getpid(), argv[i],
		       (int)(len - 1), back);
	}
	if (close(fd) == -1)
		err(1, "close");
	return 0;
}
