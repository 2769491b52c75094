/* SPDX-License-Identifier: MIT */
/*
 * examples/sock_stream_server.c: an echo service on a Unix stream socket, serving its clients
 * one after another.
 *
 *   cc -o sock_stream_server sock_stream_server.c && ./sock_stream_server /tmp/echo.sock
 *   (then, in another terminal: ./sock_stream_client /tmp/echo.sock hello world)
 *
 * A socket file outlives its server, and bind() on it then fails with EADDRINUSE. Probing and
 * removing it races: two servers started together both find it stale, and the later unlink()
 * removes the earlier one's live socket. So the server holds an flock() on PATH.lock for its
 * whole life (as Wayland does with wayland-0.lock), which the kernel drops if it dies: a second
 * server fails on the lock, and only the holder removes a stale file and binds. SO_PEERCRED
 * tells who each client is. With a COUNT it serves that many, then removes both its files.
 */
#define _GNU_SOURCE /* struct ucred */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Lock PATH.lock for the server's whole life, or exit. */
static int take_lock(const char *path, const char *lock)
{
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat held, now;

	if (fd == -1)
		err(1, "open %s", lock);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			errx(1, "%s: a server is already listening there (it holds %s)", path,
			     lock);
		err(1, "flock %s", lock);
	}
	/* Its last holder removes it when done: if that happened since our open(), start again. */
	if (fstat(fd, &held) == -1)
		err(1, "fstat %s", lock);
	if (lstat(lock, &now) == 0 && now.st_ino == held.st_ino && now.st_dev == held.st_dev)
		return fd;
	close(fd);
	return take_lock(path, lock);
}

/* Holding the lock, remove a stale socket file; refuse anything else that is there. */
static void make_room(const struct sockaddr_un *addr)
{
	struct stat st;
	int probe;

	if (lstat(addr->sun_path, &st) == -1)
		return; /* nothing there */
	if (!S_ISSOCK(st.st_mode))
		errx(1, "%s exists and is not a socket", addr->sun_path);
	/* A server that takes no lock may be there: probe. A datagram is never its client. */
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
	char lock[sizeof(addr.sun_path) + 5], *end;
	long count = -1;
	int lfd, lock_fd;

	if (argc < 2 || argc > 3)
		errx(2, "usage: %s PATH [COUNT]", argv[0]);
	if (argc == 3 && ((count = strtol(argv[2], &end, 10)) < 1 || *end))
		errx(2, "COUNT must be a number of clients, 1 or more");
	/* The kernel never sees a longer path: strncpy() would cut it short, strcpy() overflow. */
	if (strlen(argv[1]) >= sizeof(addr.sun_path))
		errx(1, "%s: a socket path holds at most %zu bytes", argv[1],
		     sizeof(addr.sun_path) - 1);
	strcpy(addr.sun_path, argv[1]);
	snprintf(lock, sizeof(lock), "%s.lock", argv[1]);
	signal(SIGPIPE, SIG_IGN); /* a client that leaves mid-answer is EPIPE, not our death */
	setvbuf(stdout, NULL, _IOLBF, 0);

	lock_fd = take_lock(argv[1], lock);
	make_room(&addr);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd == -1)
		err(1, "socket");
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == -1 || listen(lfd, 16) == -1)
		err(1, "bind or listen %s", argv[1]);
	printf("server %d: listening on %s\n", (int)getpid(), argv[1]);

	for (long served = 0; count < 0 || served < count; served++) {
		struct ucred peer;
		socklen_t len = sizeof(peer);
		char buf[4096];
		long echoed = 0;
		ssize_t n;
		int fd = accept(lfd, NULL, NULL);

		if (fd == -1 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) == -1)
			err(1, "accept or SO_PEERCRED");
		printf("server %d: client pid %d uid %d connected\n", (int)getpid(), (int)peer.pid,
		       (int)peer.uid);
		/* Echo what comes, however the stream cuts it, until the client closes. */
		while ((n = read(fd, buf, sizeof(buf))) > 0 && write(fd, buf, (size_t)n) == n)
			echoed += n;
		if (n != 0)
			warn("echo"); /* read() or write() failed */
		printf("server %d: client pid %d left; %ld bytes echoed\n", (int)getpid(),
		       (int)peer.pid, echoed);
		close(fd);
	}
	close(lfd);
	/* The socket file, then the lock file, while the lock is still held. */
	if (unlink(argv[1]) == -1 || unlink(lock) == -1)
		err(1, "unlink");
	close(lock_fd);
	return 0;
}
