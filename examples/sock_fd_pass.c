/* SPDX-License-Identifier: MIT */
/*
 * examples/sock_fd_pass.c: one process opens a file; another, unrelated one reads it through the
 * descriptor passed over a Unix socket (SCM_RIGHTS).
 *
 *   cc -o sock_fd_pass sock_fd_pass.c
 *   ./sock_fd_pass recv /tmp/pass.sock              # terminal 1: waits for a descriptor
 *   ./sock_fd_pass send /tmp/pass.sock /etc/hostname  # terminal 2
 *
 * The receiver gets a new descriptor number for the same open file (same offset, same access
 * mode), whether or not it could open the path itself. A descriptor travels with at least one
 * byte of data. The receiver sizes its control buffer for one descriptor and treats MSG_CTRUNC
 * as an error: the kernel drops what does not fit, so the sender sent more than agreed.
 */
#define _GNU_SOURCE /* MSG_CMSG_CLOEXEC */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void receive(int lfd)
{
	union { /* aligned for struct cmsghdr */
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char byte, text[4096];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;
	int conn, fd;

	conn = accept(lfd, NULL, NULL);
	if (conn == -1)
		err(1, "accept");
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	if (n == -1)
		err(1, "recvmsg");
	if (n == 0)
		errx(1, "the sender closed without sending");
	cm = CMSG_FIRSTHDR(&msg);
	if ((msg.msg_flags & MSG_CTRUNC) || !cm || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		errx(1, "expected exactly one descriptor");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	printf("receiver %d: got descriptor %d; reading the file through it:\n", (int)getpid(), fd);
	while ((n = read(fd, text, sizeof(text))) > 0)
		fwrite(text, 1, (size_t)n, stdout);
	if (n == -1)
		err(1, "read");
	close(fd);
	close(conn);
}

static void send_file(int sock, const char *file)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int fd = open(file, O_RDONLY);

	if (fd == -1)
		err(1, "open %s", file);
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != 1)
		err(1, "sendmsg");
	printf("sender %d: sent descriptor %d of %s\n", (int)getpid(), fd, file);
	close(fd); /* the receiver's copy stays open */
}

int main(int argc, char *argv[])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int recv_mode = argc == 3 && !strcmp(argv[1], "recv");
	int fd;

	if (!recv_mode && !(argc == 4 && !strcmp(argv[1], "send")))
		errx(2, "usage: %s recv SOCKET | %s send SOCKET FILE", argv[0], argv[0]);
	if (strlen(argv[2]) >= sizeof(addr.sun_path))
		errx(1, "%s: a socket path holds at most %zu bytes", argv[2],
		     sizeof(addr.sun_path) - 1);
	strcpy(addr.sun_path, argv[2]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd == -1)
		err(1, "socket");

	if (recv_mode) {
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1 || listen(fd, 1) == -1)
			err(1, "bind %s", argv[2]);
		printf("receiver %d: waiting on %s\n", (int)getpid(), argv[2]);
		fflush(stdout);
		receive(fd);
		if (unlink(argv[2]) == -1)
			err(1, "unlink %s", argv[2]);
	} else {
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1)
			err(1, "connect %s (is the receiver running?)", argv[2]);
		send_file(fd, argv[3]);
	}
	close(fd);
	return 0;
}
