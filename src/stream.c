/*
 * Messages over a byte stream (FIFO, pipe). A stream has no message boundaries, so the channel
 * adds them: a newline after each message (line mode, readable by cat, echo and every shell), or
 * a 4-byte big-endian length before it (framed mode, binary safe). Each message leaves in one
 * writev(), so on a pipe or FIFO a message of at most PIPE_BUF bytes, newline or length included,
 * is never interleaved with another writer's. The receiver reads as much as the kernel has into
 * one buffer and hands messages out of it, so a burst of small messages costs one read().
 *
 * Trap: a receiver must never trust a length it reads, since the writer may be buggy or hostile;
 * lengths over max_msg are refused before any allocation.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

#define FRAME_HDR  4
#define FIRST_READ ((size_t)64 * 1024) /* a pipe's default capacity: most reads fit at once */

static int timed_out(const struct lipc_chan *c)
{
	errno = c->timeout_ms == 0 ? EAGAIN : ETIMEDOUT;
	return -1;
}

/* Write every byte of iov[0..cnt) or fail; a partial message leaves the stream unusable. */
static int writev_all(struct lipc_chan *c, struct iovec *iov, int cnt)
{
	struct lipc__deadline d;
	size_t sent = 0;

	lipc__deadline_start(&d, c->timeout_ms);
	while (cnt > 0) {
		ssize_t n = writev(c->fd, iov, cnt);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && c->timeout_ms != 0) {
				int r = lipc__wait_fd(c->fd, POLLOUT, &d);

				if (r > 0)
					continue;
				if (r == 0)
					timed_out(c);
			}
			goto out_failed;
		}
		sent += (size_t)n;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;

out_failed:
	/*
	 * The receiver already holds the first part of this message; appending the next message
	 * to it would forge a message, so this end refuses to send any more.
	 */
	if (sent > 0)
		c->error = errno;
	return -1;
}

int lipc__stream_send(struct lipc_chan *c, const void *data, size_t len)
{
	unsigned char hdr[FRAME_HDR];
	struct iovec iov[2];

	if (c->error) {
		errno = c->error;
		return -1;
	}
	if (c->flags & LIPC_CHAN_FRAMED) {
		if (len > UINT32_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
		hdr[0] = (unsigned char)(len >> 24);
		hdr[1] = (unsigned char)(len >> 16);
		hdr[2] = (unsigned char)(len >> 8);
		hdr[3] = (unsigned char)len;
		iov[0] = (struct iovec){ hdr, sizeof(hdr) };
		iov[1] = (struct iovec){ (void *)(uintptr_t)data, len };
	} else {
		/* A newline would split the message in two at the receiver: refuse, never split. */
		if (memchr(data, '\n', len)) {
			errno = EINVAL;
			return -1;
		}
		iov[0] = (struct iovec){ (void *)(uintptr_t)data, len };
		iov[1] = (struct iovec){ (void *)(uintptr_t) "\n", 1 };
	}
	return writev_all(c, iov, 2);
}

static int fail_sticky(struct lipc_chan *c, int err)
{
	c->error = err;
	errno = err;
	return -1;
}

/* Hand out the next whole message in the buffer: 1 done, 0 need more bytes, -1 error. */
static int take(struct lipc_chan *c, struct lipc_msg *m)
{
	const unsigned char *p = (const unsigned char *)c->buf + c->head;
	size_t avail = c->tail - c->head;

	if (avail == 0)
		return 0; /* also before the first read, when there is no buffer yet */
	if (c->flags & LIPC_CHAN_FRAMED) {
		size_t len;

		if (avail < FRAME_HDR)
			return 0;
		len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		if (len > c->max_msg)
			return fail_sticky(c, EMSGSIZE);
		if (avail - FRAME_HDR < len)
			return 0;
		m->data = p + FRAME_HDR;
		m->len = len;
		c->head += FRAME_HDR + len;
		return 1;
	} else {
		const unsigned char *nl = memchr(p, '\n', avail);

		if (!nl)
			return avail > c->max_msg ? fail_sticky(c, EMSGSIZE) : 0;
		m->data = p;
		m->len = (size_t)(nl - p);
		c->head += m->len + 1;
		return 1;
	}
}

/* Make room in the buffer, then read what the kernel has: 0, or -1 with errno. */
static int fill(struct lipc_chan *c, const struct lipc__deadline *d)
{
	size_t limit = c->max_msg + (c->flags & LIPC_CHAN_FRAMED ? FRAME_HDR : 1);

	/* The message handed out last is no longer needed: drop what was consumed. */
	if (c->head > 0) {
		memmove(c->buf, c->buf + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
	if (c->tail == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : FIRST_READ;
		char *buf;

		if (cap > limit)
			cap = limit;
		buf = realloc(c->buf, cap);
		if (!buf)
			return -1;
		c->buf = buf;
		c->cap = cap;
	}
	/*
	 * With a timeout, wait for data before reading. On a FIFO this also matters before the
	 * first writer arrives: read() would report end of file, poll() waits for a writer.
	 */
	for (bool wait = c->timeout_ms >= 0;; wait = true) {
		ssize_t n;

		if (wait) {
			int r = lipc__wait_fd(c->fd, POLLIN, d);

			if (r < 0)
				return -1;
			if (r == 0)
				return timed_out(c);
		}
		n = read(c->fd, c->buf + c->tail, c->cap - c->tail);
		if (n > 0) {
			c->tail += (size_t)n;
			return 0;
		}
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

int lipc__stream_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct lipc__deadline d;

	if (c->error) {
		errno = c->error;
		return -1;
	}
	lipc__deadline_start(&d, c->timeout_ms);
	for (;;) {
		int r = take(c, m);

		if (r != 0)
			return r;
		if (c->eof)
			break;
		if (fill(c, &d) < 0)
			return -1;
	}
	if (c->head == c->tail)
		return 0;
	/* The writer left in the middle of a message. */
	if (c->flags & LIPC_CHAN_FRAMED)
		return fail_sticky(c, EPROTO);
	/* A last line without its newline ("printf x > fifo") is still a message. */
	m->data = c->buf + c->head;
	m->len = c->tail - c->head;
	c->head = c->tail;
	return 1;
}

int lipc__stream_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	/* Timed waits poll() and then read or write without blocking; untimed ones just block. */
	if (lipc__set_nonblock(c->fd, timeout_ms >= 0) < 0)
		return -1;
	c->timeout_ms = timeout_ms;
	return 0;
}
