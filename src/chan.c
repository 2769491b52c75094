/*
 * The channel: an address names a mechanism and a place ("fifo:/tmp/jobs"); the scheme picks a
 * transport table and the transport does the work. Everything above this file (the lipc command,
 * the benchmark, the tests) speaks to every mechanism through these few calls, so a behaviour
 * tested once through the channel holds for each transport.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const struct lipc_transport *const transports[] = {
	&lipc__fifo_transport,
};

#define N_TRANSPORTS (sizeof(transports) / sizeof(transports[0]))

static const struct lipc_transport *by_id(enum lipc_scheme id)
{
	for (size_t i = 0; i < N_TRANSPORTS; i++)
		if (transports[i]->id == id)
			return transports[i];
	return NULL;
}

int lipc_addr_parse(struct lipc_addr *a, const char *text)
{
	const char *colon = strchr(text, ':');
	size_t len;

	if (!colon || colon == text) {
		errno = EINVAL;
		return -1;
	}
	len = (size_t)(colon - text);
	for (size_t i = 0; i < N_TRANSPORTS; i++) {
		const struct lipc_transport *t = transports[i];

		if (strlen(t->scheme) == len && !memcmp(t->scheme, text, len)) {
			memset(a, 0, sizeof(*a));
			a->scheme = t->id;
			return t->parse(a, colon + 1);
		}
	}
	errno = EPROTONOSUPPORT;
	return -1;
}

static char scheme_list[128];

static void list_schemes(void)
{
	for (size_t i = 0; i < N_TRANSPORTS; i++) {
		if (i)
			strcat(scheme_list, ", ");
		strcat(scheme_list, transports[i]->scheme);
	}
}

const char *lipc_addr_schemes(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, list_schemes);
	return scheme_list;
}

const char *lipc_addr_strerror(const struct lipc_addr *a, int err)
{
	const struct lipc_transport *t = by_id(a->scheme);
	const char *s = t && t->explain ? t->explain(err) : NULL;

	return s ? s : strerror(err);
}

static struct lipc_chan *chan_new(const struct lipc_transport *t, int role,
				  const struct lipc_chan_opts *o)
{
	struct lipc_chan *c;

	if ((role != LIPC_CHAN_SEND && role != LIPC_CHAN_RECV) || (o->flags & ~LIPC_CHAN_FRAMED) ||
	    o->timeout_ms < -1) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->t = t;
	c->role = role;
	c->flags = o->flags;
	c->timeout_ms = o->timeout_ms;
	c->max_msg = o->max_msg ? o->max_msg : LIPC_MSG_MAX_DEFAULT;
	c->fd = -1;
	return c;
}

struct lipc_chan *lipc_chan_open(const char *address, int role, const struct lipc_chan_opts *opts)
{
	static const struct lipc_chan_opts defaults = LIPC_CHAN_OPTS_INIT;
	const struct lipc_chan_opts *o = opts ? opts : &defaults;
	struct lipc_addr a;
	struct lipc_chan *c;

	if (lipc_addr_parse(&a, address) < 0)
		return NULL;
	c = chan_new(by_id(a.scheme), role, o);
	if (!c)
		return NULL;
	if (c->t->open(c, &a, o) < 0) {
		int err = errno;

		free(c);
		errno = err;
		return NULL;
	}
	return c;
}

/* A channel over a descriptor the caller already has: a pipe end, one half of a socketpair. */
static int fd_close(struct lipc_chan *c)
{
	return close(c->fd);
}

const struct lipc_transport lipc__fd_transport = {
	.scheme = "fd",
	.send = lipc__stream_send,
	.recv = lipc__stream_recv,
	.set_timeout = lipc__stream_set_timeout,
	.close = fd_close,
};

struct lipc_chan *lipc_chan_open_fd(int fd, int role, const struct lipc_chan_opts *opts)
{
	static const struct lipc_chan_opts defaults = LIPC_CHAN_OPTS_INIT;
	const struct lipc_chan_opts *o = opts ? opts : &defaults;
	struct lipc_chan *c = chan_new(&lipc__fd_transport, role, o);

	if (!c) {
		lipc__close(fd);
		return NULL;
	}
	c->fd = fd;
	if (lipc__stream_set_timeout(c, o->timeout_ms) < 0) {
		lipc_chan_close(c);
		return NULL;
	}
	return c;
}

int lipc_chan_send(struct lipc_chan *c, const void *data, size_t len)
{
	if (c->role != LIPC_CHAN_SEND) {
		errno = EBADF;
		return -1;
	}
	return c->t->send(c, data, len);
}

int lipc_chan_recv(struct lipc_chan *c, struct lipc_msg *msg)
{
	if (c->role != LIPC_CHAN_RECV) {
		errno = EBADF;
		return -1;
	}
	return c->t->recv(c, msg);
}

int lipc_chan_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	if (timeout_ms < -1) {
		errno = EINVAL;
		return -1;
	}
	return c->t->set_timeout(c, timeout_ms);
}

int lipc_chan_close(struct lipc_chan *c)
{
	int ret;

	if (!c)
		return 0;
	ret = c->t->close(c);
	free(c->buf);
	free(c);
	return ret;
}
