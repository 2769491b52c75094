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
 * would fail with EAGAIN. So this transport never changes the description's flags, and a timed
 * wait is done without them: a receive polls and then reads once (stream.c's reader does so
 * whenever there is a timeout), and a timed send (below) polls for room and then writes at most
 * PIPE_BUF bytes, which a pipe that polled writable takes without blocking, or sends to a socket
 * with MSG_DONTWAIT, which is per call. Another process that shares the description and drains
 * or fills it between the poll and the call can still make that call wait: the description is
 * shared, and nothing but O_NONBLOCK (theirs too) could rule that out.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
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
	if (fd < 0 && errno == EBADF) /* that standard stream is closed: say which */
		return lipc__fail_why(EBADF, "standard %s is not open",
				      c->role == LIPC_RECV ? "input" : "output");
	if (fd < 0)
		return -1;
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

#define GROUP 64 /* messages framed into one timed write's iovecs */

/*
 * Write iov[0..cnt) whole before the deadline, without O_NONBLOCK; *sent counts the bytes gone.
 * 0, or -1 with errno (ETIMEDOUT, or EAGAIN for a timeout of 0).
 */
static int timed_write(struct lipc_chan *c, struct iovec *iov, int cnt,
		       const struct lipc__deadline *d, size_t *sent)
{
	struct lipc__stream *s = &c->st;

	while (cnt > 0) {
		struct iovec part[2 * GROUP];
		ssize_t n;
		int r;

		if (s->socket) {
			struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };

			n = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		} else {
			size_t room = PIPE_BUF;
			int k = 0;

			r = lipc__wait_fd(s->fd, POLLOUT, d);
			if (r <= 0)
				return r < 0 ? -1 : lipc__timed_out(c->timeout_ms);
			/* POLLOUT on a pipe: a free page, room for PIPE_BUF bytes at least. */
			for (; k < cnt && room > 0; k++) {
				size_t len = iov[k].iov_len < room ? iov[k].iov_len : room;

				part[k] = (struct iovec){ iov[k].iov_base, len };
				room -= len;
			}
			n = writev(s->fd, part, k);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* A full socket; or a description that someone else made non-blocking. */
			if (errno != EAGAIN)
				return -1;
			r = lipc__wait_fd(s->fd, POLLOUT, d);
			if (r <= 0)
				return r < 0 ? -1 : lipc__timed_out(c->timeout_ms);
			continue;
		}
		*sent += (size_t)n;
		lipc__iov_advance(&iov, &cnt, (size_t)n);
	}
	return 0;
}

/*
 * A timed send_many: up to GROUP messages framed as iovecs (the frame headers in hdr), written
 * by timed_write(). The count of messages that went whole, short when one failed after others
 * (the next call says why), or -1 with errno. A message cut by the deadline leaves the stream
 * unusable, as stream.c's writer does: its first part is at the receiver already.
 */
static int stdio_send_timed(struct lipc_chan *c, const struct lipc_msg *msgs, size_t n)
{
	struct lipc__stream *s = &c->st;
	struct lipc__deadline d;
	size_t i = 0;

	if (s->error) {
		errno = s->error;
		return -1;
	}
	if (n > INT_MAX)
		n = INT_MAX;
	lipc__deadline_start(&d, c->timeout_ms);
	while (i < n) {
		struct iovec iov[2 * GROUP];
		unsigned char hdr[GROUP][4];
		size_t first = i, sent = 0, whole = 0;
		int cnt = 0, err = 0;

		for (; i < n && i - first < GROUP; i++) {
			const struct lipc_msg *m = &msgs[i];

			if (c->flags & LIPC_CHAN_FRAMED) {
				unsigned char *h = hdr[i - first];

				if (m->len > UINT32_MAX) {
					err = EMSGSIZE;
					break;
				}
				h[0] = (unsigned char)(m->len >> 24);
				h[1] = (unsigned char)(m->len >> 16);
				h[2] = (unsigned char)(m->len >> 8);
				h[3] = (unsigned char)m->len;
				iov[cnt++] = (struct iovec){ h, 4 };
				iov[cnt++] = (struct iovec){ (void *)(uintptr_t)m->data, m->len };
			} else {
				/* A newline would split the message in two: refused, never split.
				 */
				if (m->len && memchr(m->data, '\n', m->len)) {
					err = EINVAL;
					break;
				}
				iov[cnt++] = (struct iovec){ (void *)(uintptr_t)m->data, m->len };
				iov[cnt++] = (struct iovec){ (void *)(uintptr_t) "\n", 1 };
			}
		}
		if (cnt > 0 && timed_write(c, iov, cnt, &d, &sent) < 0) {
			err = errno;
			/* The messages that went whole; a part of the next one breaks the stream.
			 */
			for (int k = 0; k < cnt; k += 2) {
				size_t size = iov[k].iov_len + iov[k + 1].iov_len;

				if (sent < size) {
					if (sent > 0)
						s->error = err;
					break;
				}
				sent -= size;
				whole++;
			}
			errno = err;
			return first + whole ? (int)(first + whole) : -1;
		}
		if (err) {
			errno = err;
			return i ? (int)i : -1;
		}
	}
	return (int)n;
}

/* Without a timeout, a plain blocking write is what is wanted: stream.c's batches. */
static int stdio_send_many(struct lipc_chan *c, const struct lipc_msg *msgs, size_t n)
{
	if (c->timeout_ms < 0)
		return lipc__stream_send_many(c, msgs, n);
	return stdio_send_timed(c, msgs, n);
}

static int stdio_send(struct lipc_chan *c, const struct lipc_msg *m)
{
	return stdio_send_many(c, m, 1) == 1 ? 0 : -1;
}

/* Only the channel's own value: the waits above and stream.c's reader poll by themselves. */
static int stdio_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
	return 0;
}

static int stdio_close(struct lipc_chan *c)
{
	return close(c->st.fd);
}

const struct lipc_transport lipc__stdio_transport = {
	.scheme = "stdio",
	.id = LIPC_SCHEME_STDIO,
	.parse = stdio_parse,
	.open = stdio_open,
	.send = stdio_send,
	.send_many = stdio_send_many,
	.recv = lipc__stream_recv,
	.recv_many = lipc__stream_recv_many,
	.set_timeout = stdio_set_timeout,
	.close = stdio_close,
	.fd = lipc__stream_fd,
	.pending = lipc__stream_pending,
};
