/* SPDX-License-Identifier: MIT */
/*
 * Messages over a byte stream (FIFO, pipe, stream socket). A stream has no message boundaries,
 * so the channel adds them: a newline after each message (line mode, readable by cat, echo and
 * every shell), or a 4-byte big-endian length before it (framed mode, binary safe). Each message
 * leaves in one write(), writev() or sendmsg(), so on a pipe or FIFO a message of at most PIPE_BUF
 * bytes, newline or length included, is never interleaved with another writer's. The receiver reads
 * as much as the kernel has into one buffer and hands messages out of it, so a burst of small
 * messages costs one read(). A batch (lipc__stream_recv_many) hands out, after its first
 * message, only what the buffer holds already: a read would first move the unfinished message at
 * the end of the buffer over the messages handed out, which must stay valid together.
 *
 * Traps: a receiver must never trust a length it reads, since the writer may be buggy or
 * hostile, so lengths over max_msg are refused before any allocation; and a send to a socket
 * whose peer is gone raises SIGPIPE unless it says MSG_NOSIGNAL.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "chan.h"

#define FRAME_HDR  4
#define FIRST_READ ((size_t)64 * 1024) /* a pipe's default capacity: most reads fit at once */
#define SMALL	   512		       /* a message copied to go out in one write() */
#define BATCH	   ((size_t)64 * 1024) /* a socket's batch: the messages of one sendmsg() */

void lipc__stream_init(struct lipc__stream *s, int fd, bool socket)
{
	*s = (struct lipc__stream){ .fd = fd, .socket = socket };
}

void lipc__stream_free(struct lipc__stream *s)
{
	free(s->buf);
	free(s->out);
	s->buf = s->out = NULL;
	s->cap = s->head = s->tail = 0;
}

int lipc__timed_out(int timeout_ms)
{
	errno = timeout_ms == 0 ? EAGAIN : ETIMEDOUT;
	return -1;
}

static int fail_sticky(struct lipc__stream *s, int err)
{
	s->error = err;
	errno = err;
	return -1;
}

/*
 * Write every byte of iov[0..cnt) or fail, saying in *sent how many went; a partial message
 * leaves the stream unusable.
 */
static int write_all(struct lipc__stream *s, struct iovec *iov, int cnt, int timeout_ms,
		     size_t *sent_out)
{
	struct lipc__deadline d;
	size_t sent = 0;

	lipc__deadline_start(&d, timeout_ms);
	while (cnt > 0) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
		ssize_t n = s->socket  ? sendmsg(s->fd, &mh, MSG_NOSIGNAL)
			    : cnt == 1 ? write(s->fd, iov->iov_base, iov->iov_len)
				       : writev(s->fd, iov, cnt);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && timeout_ms != 0) {
				int r = lipc__wait_fd(s->fd, POLLOUT, &d);

				if (r > 0)
					continue;
				if (r == 0)
					lipc__timed_out(timeout_ms);
			}
			goto out_failed;
		}
		sent += (size_t)n;
		*sent_out = sent;
		lipc__iov_advance(&iov, &cnt, (size_t)n);
	}
	return 0;

out_failed:
	/*
	 * The receiver already holds the first part of this message; appending the next message
	 * to it would forge a message, so this end refuses to send any more.
	 */
	if (sent > 0)
		s->error = errno;
	return -1;
}

int lipc__stream_write(struct lipc__stream *s, unsigned flags, int timeout_ms, const void *data,
		       size_t len)
{
	unsigned char hdr[FRAME_HDR];
	struct iovec iov[2];
	size_t sent = 0;

	if (s->error) {
		errno = s->error;
		return -1;
	}
	if (flags & LIPC_CHAN_FRAMED) {
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
	/*
	 * A small message goes out as one contiguous write(): the copy costs less than writev()'s
	 * second segment (about a tenth of a pipe's round trip at 64 bytes).
	 */
	if (iov[0].iov_len + iov[1].iov_len <= SMALL) {
		unsigned char one[SMALL];
		struct iovec whole = { one, iov[0].iov_len + iov[1].iov_len };

		memcpy(one, iov[0].iov_base, iov[0].iov_len);
		memcpy(one + iov[0].iov_len, iov[1].iov_base, iov[1].iov_len);
		return write_all(s, &whole, 1, timeout_ms, &sent);
	}
	return write_all(s, iov, 2, timeout_ms, &sent);
}

/* memchr() for a newline; a short line is looked at in place, cheaper than the call. */
static bool has_newline(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len > 32)
		return memchr(p, '\n', len) != NULL;
	for (size_t i = 0; i < len; i++)
		if (p[i] == '\n')
			return true;
	return false;
}

/* The bytes msg takes on the stream, or 0 when it cannot go (errno set). */
static size_t frame_size(unsigned flags, const struct lipc_msg *m)
{
	if (flags & LIPC_CHAN_FRAMED) {
		if (m->len > UINT32_MAX || m->len > SIZE_MAX - FRAME_HDR) {
			errno = EMSGSIZE;
			return 0;
		}
		return m->len + FRAME_HDR;
	}
	if (has_newline(m->data, m->len)) {
		errno = EINVAL; /* a newline would split the message in two: refused, never split */
		return 0;
	}
	return m->len == SIZE_MAX ? (errno = EMSGSIZE, 0) : m->len + 1;
}

static void frame_into(unsigned char *p, unsigned flags, const struct lipc_msg *m)
{
	if (flags & LIPC_CHAN_FRAMED) {
		p[0] = (unsigned char)(m->len >> 24);
		p[1] = (unsigned char)(m->len >> 16);
		p[2] = (unsigned char)(m->len >> 8);
		p[3] = (unsigned char)m->len;
		p += FRAME_HDR;
	}
	if (m->len)
		memcpy(p, m->data, m->len);
	if (!(flags & LIPC_CHAN_FRAMED))
		p[m->len] = '\n';
}

/*
 * Write the batch in s->out (used bytes: msgs[first..i) framed) and return i; after a failure,
 * how many of msgs[0..i) went whole (first, and those of the batch the write took whole), or -1
 * when none did, with errno.
 */
static int write_batch(struct lipc__stream *s, unsigned flags, int timeout_ms,
		       const struct lipc_msg *msgs, size_t first, size_t i, size_t used)
{
	struct iovec iov = { s->out, used };
	size_t sent = 0, whole = 0;
	int err;

	if (write_all(s, &iov, 1, timeout_ms, &sent) == 0)
		return (int)i;
	err = errno;
	while (first < i && whole + frame_size(flags, &msgs[first]) <= sent)
		whole += frame_size(flags, &msgs[first++]);
	errno = err;
	return first ? (int)first : -1;
}

int lipc__stream_write_many(struct lipc__stream *s, unsigned flags, int timeout_ms,
			    const struct lipc_msg *msgs, size_t n)
{
	/*
	 * A pipe or a FIFO may have other writers: a write of PIPE_BUF bytes or fewer is never
	 * interleaved with theirs, a longer one may be, anywhere. A socket connection is ours.
	 */
	size_t limit = s->socket ? BATCH : PIPE_BUF, used = 0, first = 0, i = 0;

	if (s->error) {
		errno = s->error;
		return -1;
	}
	if (n > INT_MAX)
		n = INT_MAX;
	if (!s->out) {
		s->out = malloc(limit);
		if (!s->out)
			return -1;
	}
	while (i < n) {
		size_t size = frame_size(flags, &msgs[i]);
		int err = errno, r;

		if (size > 0 && size <= limit - used) {
			frame_into((unsigned char *)s->out + used, flags, &msgs[i]);
			used += size;
			i++;
			continue;
		}
		/* What is batched goes first: the messages before this one are good. */
		if (used > 0) {
			r = write_batch(s, flags, timeout_ms, msgs, first, i, used);
			if (r != (int)i)
				return r;
			used = 0;
			first = i;
		}
		if (size == 0) {
			errno = err;
			return i ? (int)i : -1;
		}
		if (size > limit) {
			/* Longer than a batch: alone, in one write or writev. */
			if (lipc__stream_write(s, flags, timeout_ms, msgs[i].data, msgs[i].len) < 0)
				return i ? (int)i : -1;
			first = ++i;
		}
	}
	return used > 0 ? write_batch(s, flags, timeout_ms, msgs, first, i, used) : (int)i;
}

int lipc__stream_take(struct lipc__stream *s, unsigned flags, size_t max_msg, struct lipc_msg *m)
{
	const unsigned char *p;
	size_t avail = s->tail - s->head;

	if (s->error)
		return fail_sticky(s, s->error);
	if (avail == 0)
		return s->eof ? LIPC__END : LIPC__MORE; /* also before the first read: no buffer */
	/* Only now: before the first read buf is NULL, and even NULL + 0 is undefined in C. */
	p = (const unsigned char *)s->buf + s->head;
	if (flags & LIPC_CHAN_FRAMED) {
		size_t len;

		if (avail < FRAME_HDR)
			goto out_short;
		len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		if (len > max_msg)
			return fail_sticky(s, EMSGSIZE);
		if (avail - FRAME_HDR < len)
			goto out_short;
		m->data = p + FRAME_HDR;
		m->len = len;
		s->head += FRAME_HDR + len;
		return LIPC__GOT;
	} else {
		const unsigned char *nl = memchr(p, '\n', avail);

		if (!nl) {
			if (avail > max_msg)
				return fail_sticky(s, EMSGSIZE);
			goto out_short;
		}
		m->data = p;
		m->len = (size_t)(nl - p);
		s->head += m->len + 1;
		return LIPC__GOT;
	}

out_short:
	if (!s->eof)
		return LIPC__MORE;
	/* The writer left in the middle of a message. */
	if (flags & LIPC_CHAN_FRAMED)
		return fail_sticky(s, EPROTO);
	/* A last line without its newline ("printf x > fifo") is still a message. */
	m->data = p;
	m->len = avail;
	s->head = s->tail;
	return LIPC__GOT;
}

int lipc__stream_fill(struct lipc__stream *s, unsigned flags, size_t max_msg)
{
	size_t hdr = flags & LIPC_CHAN_FRAMED ? FRAME_HDR : 1;
	/* max_msg may be SIZE_MAX, "no limit": a sum that wrapped would mean a 0-byte buffer. */
	size_t limit = max_msg > SIZE_MAX - hdr ? SIZE_MAX : max_msg + hdr;
	ssize_t n;

	/* The message handed out last is no longer needed: drop what was consumed. */
	if (s->head > 0) {
		memmove(s->buf, s->buf + s->head, s->tail - s->head);
		s->tail -= s->head;
		s->head = 0;
	}
	if (s->tail == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : FIRST_READ;
		char *buf;

		if (cap > limit)
			cap = limit;
		buf = realloc(s->buf, cap);
		if (!buf)
			return -1;
		s->buf = buf;
		s->cap = cap;
	}
	do
		n = read(s->fd, s->buf + s->tail, s->cap - s->tail);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		s->eof = true;
	s->tail += (size_t)n;
	return 0;
}

int lipc__stream_next(struct lipc__stream *s, unsigned flags, size_t max_msg, int timeout_ms,
		      struct lipc_msg *m)
{
	struct lipc__deadline d;
	bool wait = timeout_ms >= 0, started = false;

	for (;;) {
		int r = lipc__stream_take(s, flags, max_msg, m);

		if (r != LIPC__MORE)
			return r == LIPC__GOT ? 1 : r == LIPC__END ? 0 : -1;
		/*
		 * The clock is read only now, when the buffer is empty: a message taken from it
		 * costs no system call, and most are (a read brings thousands of short lines).
		 */
		if (!started) {
			lipc__deadline_start(&d, timeout_ms);
			started = true;
		}
		/*
		 * With a timeout, wait for data before reading. On a FIFO this also matters
		 * before the first writer arrives: read() would report end of file, poll() waits
		 * for a writer.
		 */
		if (wait) {
			r = lipc__wait_fd(s->fd, POLLIN, &d);
			if (r < 0)
				return -1;
			if (r == 0)
				return lipc__timed_out(timeout_ms);
		}
		if (lipc__stream_fill(s, flags, max_msg) < 0) {
			if (errno != EAGAIN)
				return -1;
			wait = true;
		}
	}
}

/* The hooks of transports that are one byte stream (chan->st). */

int lipc__stream_send(struct lipc_chan *c, const struct lipc_msg *m)
{
	return lipc__stream_write(&c->st, c->flags, c->timeout_ms, m->data, m->len);
}

int lipc__stream_send_many(struct lipc_chan *c, const struct lipc_msg *msgs, size_t n)
{
	return lipc__stream_write_many(&c->st, c->flags, c->timeout_ms, msgs, n);
}

int lipc__stream_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	return lipc__stream_next(&c->st, c->flags, c->max_msg, c->timeout_ms, m);
}

/*
 * The first message as one receive takes it (reading and waiting as needed), then every whole
 * message the buffer holds already: no read and no compaction between them, so that the data of
 * all of them stays where it is until the next receive. An error or the end found after the
 * first is sticky or lasting, and comes at the next call.
 */
int lipc__stream_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	size_t k = 1;
	int r = lipc__stream_next(&c->st, c->flags, c->max_msg, c->timeout_ms, &msgs[0]);

	if (r <= 0)
		return r;
	msgs[0].has = 0;
	while (k < n && lipc__stream_take(&c->st, c->flags, c->max_msg, &msgs[k]) == LIPC__GOT)
		msgs[k++].has = 0;
	return (int)k;
}

bool lipc__stream_ready(const struct lipc__stream *s, unsigned flags, size_t max_msg)
{
	/* take() moves head and makes errors sticky: asked of a copy, it changes nothing. */
	struct lipc__stream peek = *s;
	struct lipc_msg m;
	int err = errno;
	bool ready = lipc__stream_take(&peek, flags, max_msg, &m) != LIPC__MORE;

	errno = err;
	return ready;
}

int lipc__stream_fd(struct lipc_chan *c)
{
	return c->st.fd;
}

bool lipc__stream_pending(const struct lipc_chan *c)
{
	return lipc__stream_ready(&c->st, c->flags, c->max_msg);
}

int lipc__stream_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	/* Timed waits poll() and then read or write without blocking; untimed ones just block. */
	if (lipc__set_nonblock(c->st.fd, timeout_ms >= 0) < 0)
		return -1;
	c->timeout_ms = timeout_ms;
	return 0;
}
