/* SPDX-License-Identifier: MIT */
/*
 * The shm: transport, on the ring (src/ring.c): shm:/NAME is a LinuxIPC ring in /dev/shm. The
 * channel peeks a record and releases it at the next receive, so a message is handed out in
 * place, without a copy; chan->priv is the ring. The trap: a record peeked and never released
 * would be read again by the next consumer, so a receiving channel releases the last one at
 * close. Batches are the ring's own (lipc_ring_push_many(), lipc_ring_peek_many()): a receive
 * releases every record the previous one held, so a receiver killed between two calls leaves
 * its last batch to the next receiver. The iovecs a batch needs are on the stack (16 KiB for
 * LIPC_CHAN_BATCH_MAX): the channel caps every batch at that.
 */
#include <errno.h>
#include <stdint.h>
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

static int ring_open_chan(struct lipc_chan *c, const struct lipc_addr *a,
			  const struct lipc_chan_opts *o)
{
	int flags = LIPC_CREATE | (o->flags & LIPC_CHAN_SPIN ? LIPC_RING_SPIN : 0);
	struct lipc__trust trust = lipc__trust_of(o);
	struct lipc_ring *r =
		trust.given
			? lipc_ring_join(a->path, c->role, flags, o->capacity, o->mode, trust.owner)
			: lipc_ring_open(a->path, c->role, flags, o->capacity, o->mode);

	if (!r)
		return -1;
	c->priv = r;
	c->max_msg = lipc_ring_max_record(r);
	return 0;
}

static int ring_send(struct lipc_chan *c, const struct lipc_msg *m)
{
	return lipc_ring_push(c->priv, m->data, m->len, c->timeout_ms);
}

static int ring_send_many(struct lipc_chan *c, const struct lipc_msg *msgs, size_t n)
{
	struct iovec iov[LIPC_CHAN_BATCH_MAX];

	if (n > LIPC_CHAN_BATCH_MAX)
		n = LIPC_CHAN_BATCH_MAX;
	for (size_t i = 0; i < n; i++)
		iov[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)msgs[i].data,
					 .iov_len = msgs[i].len };
	return lipc_ring_push_many(c->priv, iov, n, c->timeout_ms);
}

/* Told to keep going, a receiver outlives its producers, dead or closed: look again. */
static bool keep_going(const struct lipc_chan *c, int ret)
{
	return (c->flags & LIPC_CHAN_KEEP) && (ret == 0 || (ret < 0 && errno == ECONNRESET));
}

static int ring_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct lipc_ring *r = c->priv;
	int ret;

	if (lipc__ring_peeked(r) && lipc_ring_release(r) < 0)
		return -1;
	do
		ret = lipc_ring_peek(r, &m->data, &m->len, c->timeout_ms);
	while (keep_going(c, ret));
	return ret;
}

static int ring_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	struct iovec iov[LIPC_CHAN_BATCH_MAX];
	struct lipc_ring *r = c->priv;
	int ret;

	if (lipc__ring_peeked(r) && lipc_ring_release(r) < 0)
		return -1;
	if (n > LIPC_CHAN_BATCH_MAX)
		n = LIPC_CHAN_BATCH_MAX;
	do
		ret = lipc_ring_peek_many(r, iov, n, c->timeout_ms);
	while (keep_going(c, ret));
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
	struct lipc_ring *r = c->priv;

	/* The last message handed out was received: release it, or the next reader gets it too. */
	if (lipc__ring_peeked(r))
		lipc_ring_release(r);
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
	return lipc_ring_fd(c->priv);
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
	default:
		return NULL;
	}
}

const struct lipc_transport lipc__ring_transport = {
	.scheme = "shm",
	.id = LIPC_SCHEME_SHM,
	.parse = ring_parse,
	.open = ring_open_chan,
	.send = ring_send,
	.send_many = ring_send_many,
	.recv = ring_recv,
	.recv_many = ring_recv_many,
	.set_timeout = ring_set_timeout,
	.close = ring_close,
	.explain = ring_explain,
	.fd = ring_fd,
};
