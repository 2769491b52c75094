/* SPDX-License-Identifier: MIT */
/*
 * The fifo: transport, on src/fifo.c: a FIFO by path, carrying lines or frames (stream.c). Two
 * traps shape this file. A FIFO that another user made first, under the name a program expects,
 * would read or write that program's messages: the channel joins an existing FIFO only when the
 * join policy trusts its owner (lipc/chan.h). And a FIFO left behind is litter that confuses the
 * next user, so a channel removes the FIFO it created, and only that one (lipc__own()).
 * chan->handle is a receiver's own write end with LIPC_CHAN_KEEP.
 *
 * Its descriptor (lipc_chan_fd()) is the stream's, and the kernel's view of a FIFO's read end
 * is what a receive needs, with one pipe rule to know: a read end opened before any writer came
 * is not readable (the kernel reports a hang-up only once a writer has come and gone), and once
 * the last writer has left it is (POLLHUP; the channel's epoll set turns that into POLLIN), and
 * the receive returns 0. With LIPC_CHAN_KEEP the receiver's own write end means there is never
 * a hang-up: readable only for data. What a read brought and no receive took yet is the stream's
 * pending hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chan.h"
#include "lipc/fifo.h"

static int fifo_parse(struct lipc_addr *a, const char *where)
{
	if (lipc__check_path(where) < 0) {
		if (errno == ENOENT)
			errno = EINVAL;
		return -1;
	}
	a->path = where;
	return 0;
}

static int fifo_close(struct lipc_chan *c)
{
	int ret = close(c->st.fd);

	lipc__close(c->handle);
	lipc__disown(c);
	return ret;
}

/*
 * Open our end of the FIFO that pfd pins. A receiver told to keep going (LIPC_CHAN_KEEP) holds
 * a write end of its own, so that the last sender's close is not an end of file: it opens its
 * read end without waiting, and its write end then finds a reader, itself.
 */
static int open_end(struct lipc_chan *c, int pfd, const struct stat *st, int flags, int timeout_ms)
{
	int fd;

	if (!(c->role == LIPC_RECV && (c->flags & LIPC_CHAN_KEEP)))
		return lipc__fifo_open_pinned(pfd, st, flags, timeout_ms);
	fd = lipc__fifo_open_pinned(pfd, st, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	c->handle = lipc__fifo_open_pinned(pfd, st, O_WRONLY, 0);
	if (c->handle < 0) {
		lipc__close(fd);
		return -1;
	}
	return fd;
}

/*
 * Create the FIFO, or join the one there when the join policy allows, and open our end of it:
 * the descriptor, or -1. Whichever end comes first creates the FIFO and will remove it.
 */
static int create_or_join(struct lipc_chan *c, int dirfd, const char *name,
			  const struct lipc_chan_opts *o)
{
	struct lipc__trust trust = lipc__trust_of(o);
	int flags = c->role == LIPC_RECV ? O_RDONLY : O_WRONLY;
	int created, pfd = -1, fd, r;
	struct lipc__held held;
	struct stat st;

	/* From the creation to the hook, no signal: the hook's handler must know what to remove. */
	lipc__signals_hold(&held, o);
	created = lipc__fifo_create_at(dirfd, name, o->mode);
	if (created >= 0)
		pfd = lipc__fifo_pin_at(dirfd, name, &st);
	r = pfd < 0   ? -1
	    : created ? lipc__own(c, dirfd, name, &st, o)
		      : lipc__check_owner(st.st_uid, st.st_mode, &trust);
	lipc__signals_release(&held);
	if (r < 0) {
		if (pfd >= 0)
			lipc__close(pfd);
		return -1;
	}
	fd = open_end(c, pfd, &st, flags, o->timeout_ms);
	lipc__close(pfd);
	return fd;
}

/* One round of lipc__create_or_join(): what a failed round created is forgotten before the next. */
struct fifo_round {
	struct lipc_chan *c;
	int dirfd;
	const char *name;
	const struct lipc_chan_opts *o;
};

static int fifo_round(void *arg)
{
	const struct fifo_round *r = arg;
	int fd = create_or_join(r->c, r->dirfd, r->name, r->o);

	if (fd < 0)
		lipc__disown(r->c); /* keeps errno */
	return fd;
}

static int fifo_open(struct lipc_chan *c, const struct lipc_addr *a, const struct lipc_chan_opts *o)
{
	const char *name;
	int dirfd = lipc__open_dir(a->path, &name);

	if (dirfd < 0)
		return -1;
	/* Should the end that created the FIFO remove it between our create and our open, again. */
	c->st.fd = lipc__create_or_join(
		fifo_round, &(struct fifo_round){ .c = c, .dirfd = dirfd, .name = name, .o = o });
	lipc__close(dirfd);
	if (c->st.fd < 0) {
		lipc__disown(c);
		return -1;
	}
	/* A timeout of 0 left the descriptor non-blocking already; others choose their mode. */
	if (lipc__stream_set_timeout(c, o->timeout_ms) < 0) {
		fifo_close(c);
		return -1;
	}
	return 0;
}

static const char *fifo_explain(int err)
{
	switch (err) {
	case EEXIST:
		return "exists and is not a FIFO";
	case ELOOP:
		return "is a symbolic link, which is not followed";
	case ENXIO:
		return "no process has the FIFO open for reading";
	case EPIPE:
		return "the reader closed the FIFO";
	default:
		return NULL;
	}
}

const struct lipc_transport lipc__fifo_transport = {
	.scheme = "fifo",
	.id = LIPC_SCHEME_FIFO,
	.parse = fifo_parse,
	.open = fifo_open,
	.send = lipc__stream_send,
	.send_many = lipc__stream_send_many,
	.recv = lipc__stream_recv,
	.recv_many = lipc__stream_recv_many,
	.set_timeout = lipc__stream_set_timeout,
	.close = fifo_close,
	.explain = fifo_explain,
	.fd = lipc__stream_fd,
	.pending = lipc__stream_pending,
};
