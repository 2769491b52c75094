/* SPDX-License-Identifier: MIT */
/*
 * The ring's one producer, many consumers (LIPC_RING_PUBLISH, lossless or lossy). A stub until its
 * mode is built: every call fails with ENOTSUP.
 */
#include <errno.h>

#include "ring_impl.h"

static int nope(void)
{
	errno = ENOTSUP;
	return -1;
}

static int attach(struct lipc_ring *r, bool created)
{
	(void)r;
	(void)created;
	return nope();
}

static void detach(struct lipc_ring *r)
{
	(void)r;
}

static void *reserve(struct lipc_ring *r, size_t len, int timeout_ms)
{
	(void)r, (void)len, (void)timeout_ms;
	nope();
	return NULL;
}

static int commit(struct lipc_ring *r)
{
	(void)r;
	return nope();
}

static int push(struct lipc_ring *r, const void *data, size_t len, int timeout_ms)
{
	(void)r, (void)data, (void)len, (void)timeout_ms;
	return nope();
}

static int push_many(struct lipc_ring *r, const struct iovec *recs, size_t n, int timeout_ms)
{
	(void)r, (void)recs, (void)n, (void)timeout_ms;
	return nope();
}

static int peek(struct lipc_ring *r, const void **data, size_t *len, int timeout_ms)
{
	(void)r, (void)data, (void)len, (void)timeout_ms;
	return nope();
}

static int peek_many(struct lipc_ring *r, struct iovec *recs, size_t n, int timeout_ms)
{
	(void)r, (void)recs, (void)n, (void)timeout_ms;
	return nope();
}

static int release(struct lipc_ring *r)
{
	(void)r;
	return nope();
}

static int pop(struct lipc_ring *r, void *buf, size_t size, size_t *len, int timeout_ms)
{
	(void)r, (void)buf, (void)size, (void)len, (void)timeout_ms;
	return nope();
}

static int fd(struct lipc_ring *r)
{
	(void)r;
	return nope();
}

const struct ring_ops lipc__ring_pub_ops = {
	.attach = attach,
	.detach = detach,
	.reserve = reserve,
	.commit = commit,
	.push = push,
	.push_many = push_many,
	.peek = peek,
	.peek_many = peek_many,
	.release = release,
	.pop = pop,
	.fd = fd,
};
