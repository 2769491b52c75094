/* SPDX-License-Identifier: MIT */
/*
 * stdio: the process's standard input (a receiver) or standard output (a sender) as a byte
 * stream, lines or frames as on any other, so that a relay composes with the tools that already
 * carry bytes between machines: lipc relay mq:/jobs stdio: --framed | ssh host lipc relay stdio:
 * mq:/jobs --framed. The channel works on a duplicate of descriptor 0 or 1, so that closing it
 * leaves the process's own standard streams open.
 *
 * The trap: the duplicate shares its open file description with the shell and with every other
 * process that inherited it, and O_NONBLOCK lives there. Setting it for a timed wait would make
 * the terminal or pipe non-blocking for all of them, and the shell's next read after lipc exits
 * would fail with EAGAIN. So this transport never changes the description's flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan.h"

static int stdio_parse(struct lipc_addr *a, const char *where)
{
	(void)a;
	if (*where) { /* stdio: names one thing; "stdio:x" is a typo, not a file */
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int stdio_open(struct lipc_chan *c, const struct lipc_addr *a,
		      const struct lipc_chan_opts *o)
{
	int fd = fcntl(c->role == LIPC_RECV ? STDIN_FILENO : STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	int type = 0;
	socklen_t len = sizeof(type);
	bool sock;

	(void)a;
	if (fd < 0)
		return -1; /* EBADF: that standard stream is closed */
	sock = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
	if (sock && type != SOCK_STREAM) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	lipc__stream_init(&c->st, fd, sock);
	c->timeout_ms = o->timeout_ms;
	return 0;
}

/* TODO(relay): timed waits without O_NONBLOCK (poll, then one read), see the banner. */
static int stdio_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
	return 0;
}

static int stdio_close(struct lipc_chan *c)
{
	return close(c->st.fd);
}

static const char *stdio_explain(int err)
{
	if (err == EBADF)
		return "standard input or output is not open";
	return NULL;
}

const struct lipc_transport lipc__stdio_transport = {
	.scheme = "stdio",
	.id = LIPC_SCHEME_STDIO,
	.parse = stdio_parse,
	.open = stdio_open,
	.send = lipc__stream_send,
	.send_many = lipc__stream_send_many,
	.recv = lipc__stream_recv,
	.recv_many = lipc__stream_recv_many,
	.set_timeout = stdio_set_timeout,
	.close = stdio_close,
	.explain = stdio_explain,
	.fd = lipc__stream_fd,
	.pending = lipc__stream_pending,
};
