/*
 * examples/unix_stream_server.c: an echo service on a Unix stream socket, serving its clients
 * one after another.
 *
 *   cc -o unix_stream_server unix_stream_server.c && ./unix_stream_server /tmp/echo.sock
 *   (then, in another terminal: ./unix_stream_client /tmp/echo.sock hello world)
 *
 * A socket file outlives its server, and bind() on it then fails with EADDRINUSE. This server
 * removes such a file only when a connect() to it is refused (ECONNREFUSED: nobody listens), so
 * it never takes the name of a live server. The kernel tells it who each client is
 * (SO_PEERCRED). With a COUNT it serves that many clients, then removes its socket file.
 */
#define _GNU_SOURCE /* struct ucred */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Remove a stale socket file at the path; refuse anything else that is there. */
static void make_room(const struct sockaddr_un *addr)
{
	struct stat st;
	int probe;

	if (lstat(addr->sun_path, &st) == -1)
		return; /* nothing there */
	if (!S_ISSOCK(st.st_mode))
		errx(1, "%s exists and is not a socket", addr->sun_path);
	/* A datagram probe: a live stream server answers EPROTOTYPE and never sees it. */
	probe = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (probe == -1)
		err(1, "socket");
	if (connect(probe, (const struct sockaddr *)addr, sizeof(*addr)) == 0 ||
	    errno == EPROTOTYPE)
		errx(1, "%s: a server is already listening there", addr->sun_path);
	if (errno != ECONNREFUSED)
		err(1, "connect %s", addr->sun_path);
	close(probe);
	printf("server %d: %s is stale (connect: connection refused): removing it\n", (int)getpid(),
	       addr->sun_path);
	if (unlink(addr->sun_path) == -1)
		err(1, "unlink %s", addr->sun_path);
}

int main(int argc, char *argv[])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	long count = -1;
	char *end;
	int lfd;

	if (argc < 2 || argc > 3)
		errx(2, "usage: %s PATH [COUNT]", argv[0]);
	if (argc == 3 && ((count = strtol(argv[2], &end, 10)) < 1 || *end))
		errx(2, "COUNT must be a number of clients, 1 or more");
	/* A longer path would be cut short by the kernel, and another name bound. */
	if (strlen(argv[1]) >= sizeof(addr.sun_path))
		errx(1, "%s: a socket path holds at most %zu bytes", argv[1],
		     sizeof(addr.sun_path) - 1);
	strcpy(addr.sun_path, argv[1]);
	signal(SIGPIPE, SIG_IGN); /* a client that leaves mid-answer is EPIPE, not our death */

	make_room(&addr);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd == -1)
		err(1, "socket");
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == -1)
		err(1, "bind %s", argv[1]);
	if (listen(lfd, 16) == -1)
		err(1, "listen");
	printf("server %d: listening on %s\n", (int)getpid(), argv[1]);
	fflush(stdout);

	for (long served = 0; count < 0 || served < count; served++) {
		struct ucred peer;
		socklen_t len = sizeof(peer);
		char buf[4096];
		long echoed = 0;
		ssize_t n;
		int fd = accept(lfd, NULL, NULL);

		if (fd == -1)
			err(1, "accept");
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) == -1)
			err(1, "SO_PEERCRED");
		printf("server %d: client pid %d uid %d connected\n", (int)getpid(), (int)peer.pid,
		       (int)peer.uid);
		/* Echo what comes, however the stream cuts it, until the client closes. */
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			if (write(fd, buf, (size_t)n) != n) {
				warn("write");
				break;
			}
			echoed += n;
		}
		if (n == -1)
			warn("read");
		printf("server %d: client pid %d left; %ld bytes echoed\n", (int)getpid(),
		       (int)peer.pid, echoed);
		fflush(stdout);
		close(fd);
	}
	close(lfd);
	if (unlink(argv[1]) == -1)
		err(1, "unlink %s", argv[1]);
	return 0;
}
