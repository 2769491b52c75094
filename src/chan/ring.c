/* SPDX-License-Identifier: MIT */
/*
 * The shm: transports, on the ring (src/ring.c): shm:/NAME is a LinuxIPC ring in /dev/shm, of any
 * mode; shm-multi:, shm-pub: and shm-lossy: name its modes (many producers; one producer, many
 * consumers, lossless or lossy), create a ring of theirs and join only a ring of theirs. The
 * channel peeks a record and releases it at the next receive, so a message is handed out in
 * place, without a copy; chan->priv is struct ring_chan. The trap: a record peeked and never
 * released would be read again by the next consumer, so a receiving channel releases the last
 * one at close. Batches are the ring's own (lipc_ring_push_many(), lipc_ring_peek_many()): a
 * receive releases every record the previous one held, so a receiver killed between two calls
 * leaves its last batch to the next receiver. The iovecs a batch needs are on the stack (16 KiB
 * for LIPC_CHAN_BATCH_MAX): the channel caps every batch at that. A lossy ring is the
 * exception: its producer never waits, so a record read in place may be overwritten while the
 * program still reads it, and a message handed out must never be damaged: a lossy receiver
 * copies each record out (lipc_ring_pop(), which checks that the copy is whole) into a buffer
 * of its own, and tells how many messages it lost (ENOBUFS, lipc__fail_why()).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "chan.h"
#include "lipc/ring.h"

static int ring_parse(struct lipc_addr *a, const char *where)
{
	if (lipc__check_name(where) < 0)
		return -1;
	a->path = where;
	return 0;
}

/* A channel's ring, and what a lossy receiver keeps besides. */
struct ring_chan {
	struct lipc_ring *r;
	bool lossy;	    /* a receiver of a lossy ring: records are copied out (pop) */
	char *buf;	    /* that copy: the last message handed out */
	size_t buf_size;    /* its room */
	uint64_t lost_told; /* lipc_ring_lost() when the last loss was told */
};

/* The mode flag an address names: 0 for shm:, which joins any mode (and creates point to point). */
static int scheme_mode(enum lipc_scheme id)
{
	switch (id) {
	case LIPC_SCHEME_SHM_MULTI:
		return LIPC_RING_MULTI;
	case LIPC_SCHEME_SHM_PUB:
		return LIPC_RING_PUBLISH;
	case LIPC_SCHEME_SHM_LOSSY:
		return LIPC_RING_LOSSY;
	default:
		return 0;
	}
}

/*
 * Is the ring we joined a lossy one? shm-lossy: says so; shm: joins any mode, and the handle does
 * not tell its mode, so the name is looked at. A ring of another mode put under the name between
 * the open and this look would only make the receiver copy records it could have peeked.
 */
static bool joined_lossy(const struct lipc_addr *a)
{
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;

	if (a->scheme == LIPC_SCHEME_SHM_LOSSY)
		return true;
	if (a->scheme != LIPC_SCHEME_SHM)
		return false;
	return lipc_ring_stat(a->path, &st) < 0 || st.mode == LIPC_RING_FANOUT_LOSSY;
}

static int ring_open_chan(struct lipc_chan *c, const struct lipc_addr *a,
			  const struct lipc_chan_opts *o)
{
	int flags = LIPC_CREATE | (o->flags & LIPC_CHAN_SPIN ? LIPC_RING_SPIN : 0) |
		    scheme_mode(a->scheme);
	struct lipc__trust trust = lipc__trust_of(o);
	struct ring_chan *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return -1;
	rc->r = trust.given
			? lipc_ring_join(a->path, c->role, flags, o->capacity, o->mode, trust.owner)
			: lipc_ring_open(a->path, c->role, flags, o->capacity, o->mode);
	if (!rc->r) {
		free(rc);
		return -1;
	}
	rc->lossy = c->role == LIPC_RECV && joined_lossy(a);
	if (rc->lossy) {
		/* Room for a small record; a longer one grows it (lossy_recv()). */
		rc->buf_size = 4096;
		rc->buf = malloc(rc->buf_size);
		if (!rc->buf) {
			int err = errno;

			lipc_ring_close(rc->r);
			free(rc);
			errno = err;
			return -1;
		}
	}
	c->priv = rc;
	c->max_msg = lipc_ring_max_record(rc->r);
	return 0;
}

static struct lipc_ring *ring_of(const struct lipc_chan *c)
{
	return ((const struct ring_chan *)c->priv)->r;
}

static int ring_send(struct lipc_chan *c, const struct lipc_msg *m)
{
	return lipc_ring_push(ring_of(c), m->data, m->len, c->timeout_ms);
}

static int ring_send_many(struct lipc_chan *c, const struct lipc_msg *msgs, size_t n)
{
	struct iovec iov[LIPC_CHAN_BATCH_MAX];

	if (n > LIPC_CHAN_BATCH_MAX)
		n = LIPC_CHAN_BATCH_MAX;
	for (size_t i = 0; i < n; i++)
		iov[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)msgs[i].data,
					 .iov_len = msgs[i].len };
	return lipc_ring_push_many(ring_of(c), iov, n, c->timeout_ms);
}

/* Told to keep going, a receiver outlives its producers, dead or closed: look again. */
static bool keep_going(const struct lipc_chan *c, int ret)
{
	return (c->flags & LIPC_CHAN_KEEP) && (ret == 0 || (ret < 0 && errno == ECONNRESET));
}

/*
 * A lossy receiver lost messages (ENOBUFS): say how many since it last said so, through
 * lipc_addr_strerror(). Returns -1.
 */
static int tell_lost(struct ring_chan *rc, const char *what)
{
	uint64_t lost = lipc_ring_lost(rc->r), n = lost - rc->lost_told;

	rc->lost_told = lost;
	return lipc__fail_why(ENOBUFS, "lost %llu message%s: the sender overwrote %s%s",
			      (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "it" : "them",
			      what);
}

/*
 * A lossy receiver: the next record copied into the channel's buffer, which grows to the
 * record's size (EMSGSIZE tells it, and leaves the record in the ring).
 */
static int lossy_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct ring_chan *rc = c->priv;
	size_t len = 0;
	int ret;

	for (;;) {
		ret = lipc_ring_pop(rc->r, rc->buf, rc->buf_size, &len, c->timeout_ms);
		if (ret < 0 && errno == EMSGSIZE && len > rc->buf_size) {
			char *bigger = realloc(rc->buf, len);

			if (!bigger)
				return -1;
			rc->buf = bigger;
			rc->buf_size = len;
			continue;
		}
		if (!keep_going(c, ret))
			break;
	}
	if (ret < 0 && errno == ENOBUFS)
		return tell_lost(rc, " before they were read");
	if (ret == 1) {
		m->data = rc->buf;
		m->len = len;
		m->has = 0;
	}
	return ret;
}

/* Release what the last receive handed out in place: 0, or -1 (ENOBUFS: told how many). */
static int release_held(struct ring_chan *rc)
{
	if (!lipc__ring_peeked(rc->r) || lipc_ring_release(rc->r) == 0)
		return 0;
	if (errno == ENOBUFS)
		return tell_lost(rc, " (the last one received was overwritten while it was read)");
	return -1;
}

static int ring_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct ring_chan *rc = c->priv;
	int ret;

	if (rc->lossy)
		return lossy_recv(c, m);
	if (release_held(rc) < 0)
		return -1;
	do
		ret = lipc_ring_peek(rc->r, &m->data, &m->len, c->timeout_ms);
	while (keep_going(c, ret));
	if (ret < 0 && errno == ENOBUFS)
		return tell_lost(rc, " before they were read");
	return ret;
}

static int ring_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	struct iovec iov[LIPC_CHAN_BATCH_MAX];
	struct ring_chan *rc = c->priv;
	int ret;

	if (rc->lossy) /* one copy at a time: the ring checks each */
		return lossy_recv(c, &msgs[0]);
	if (release_held(rc) < 0)
		return -1;
	if (n > LIPC_CHAN_BATCH_MAX)
		n = LIPC_CHAN_BATCH_MAX;
	do
		ret = lipc_ring_peek_many(rc->r, iov, n, c->timeout_ms);
	while (keep_going(c, ret));
	if (ret < 0 && errno == ENOBUFS)
		return tell_lost(rc, " before they were read");
	for (int i = 0; i < ret; i++) {
		msgs[i].data = iov[i].iov_base;
		msgs[i].len = iov[i].iov_len;
		msgs[i].has = 0;
	}
	return ret;
}

static int ring_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
	return 0;
}

static int ring_close(struct lipc_chan *c)
{
	struct ring_chan *rc = c->priv;
	struct lipc_ring *r = rc->r;

	/* The last message handed out was received: release it, or the next reader gets it too. */
	if (lipc__ring_peeked(r))
		lipc_ring_release(r);
	free(rc->buf);
	free(rc);
	return lipc_ring_close(r);
}

/*
 * A receiver's descriptor is the ring's doorbell. It counts the records after the one the last
 * receive handed out and still holds (released at the next receive), which is what the next
 * receive returns: nothing is read ahead that the doorbell would not show, so no pending hook.
 * A sender waits on its consumer's futex, which no poll() sees.
 */
static int ring_fd(struct lipc_chan *c)
{
	if (c->role != LIPC_RECV) {
		errno = ENOTSUP;
		return -1;
	}
	return lipc_ring_fd(ring_of(c));
}

static const char *ring_explain(int err)
{
	switch (err) {
	case EBUSY:
		return "another process is attached to the ring in that role";
	case ECONNRESET:
		return "the writer died";
	case EPIPE:
		return "the ring is full and its reader has gone";
	case EPROTO:
		return "not a LinuxIPC ring of this version, or a corrupt one";
	case EBADMSG:
		return "the ring holds a corrupt record";
	case ENOBUFS:
		return "messages were lost: the sender overwrote them before they were read";
	default:
		return NULL;
	}
}

/* One table per scheme: the same hooks, the mode taken from the scheme (scheme_mode()). */
#define RING_TRANSPORT(name, scheme_text, scheme_id)                                               \
	const struct lipc_transport name = {                                                       \
		.scheme = scheme_text,                                                             \
		.id = scheme_id,                                                                   \
		.parse = ring_parse,                                                               \
		.open = ring_open_chan,                                                            \
		.send = ring_send,                                                                 \
		.send_many = ring_send_many,                                                       \
		.recv = ring_recv,                                                                 \
		.recv_many = ring_recv_many,                                                       \
		.set_timeout = ring_set_timeout,                                                   \
		.close = ring_close,                                                               \
		.explain = ring_explain,                                                           \
		.fd = ring_fd,                                                                     \
	}

RING_TRANSPORT(lipc__ring_transport, "shm", LIPC_SCHEME_SHM);
RING_TRANSPORT(lipc__ring_multi_transport, "shm-multi", LIPC_SCHEME_SHM_MULTI);
RING_TRANSPORT(lipc__ring_pub_transport, "shm-pub", LIPC_SCHEME_SHM_PUB);
RING_TRANSPORT(lipc__ring_lossy_transport, "shm-lossy", LIPC_SCHEME_SHM_LOSSY);
