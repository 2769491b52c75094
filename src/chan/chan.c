/* SPDX-License-Identifier: MIT */
/*
 * The channel: an address names a mechanism and a place ("fifo:/tmp/jobs"); the scheme picks a
 * transport table and the transport does the work. Everything above this file (the lipc command,
 * the benchmark, the tests) speaks to every mechanism through these few calls, so a behaviour
 * tested once through the channel holds for each transport.
 *
 * The layers, each using only those below it (no file includes a layer above its own):
 *
 *   cli/ ──► src/chan/                 chan.c    the registry, the address parser, dispatch
 *            (chan.h, private)         stream.c  lines and frames over a byte stream
 *                                      fifo.c msgq.c sock.c ring.c   one adapter per mechanism
 *                 │
 *                 ▼
 *            src/{pipe,fifo,msgq,sock,ring}.c   each technique's own calls (include/lipc/X.h),
 *                 │                             and the steps under them (internal.h)
 *                 ▼
 *            libc, the kernel
 *   cli/ ──► src/{lock,sem,signal,shm}.c beside them; src/util.c and src/key.c under all
 *
 * A transport (struct lipc_transport, chan.h) is a table of hooks in its adapter file. An
 * adapter owns the channel's part of a mechanism, framing, the multi-client listener, timeouts,
 * the join policy's messages, what the channel created and removes, and reaches its mechanism
 * only through the technique module's public calls or the lipc__ entry points internal.h
 * declares; it may use plain libc on the descriptors those hand it (read, send, poll). A
 * technique module knows nothing of channels: it includes internal.h and its own public header,
 * never chan.h or lipc/chan.h. The fd transport (below) wraps a descriptor the caller has, a
 * pipe end or a socketpair half, and needs no module.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../abi.h"
#include "chan.h"

/* One transport a line, so that each module adds its own. */
/* clang-format off */
static const struct lipc_transport *const transports[] = {
	&lipc__fifo_transport,
	&lipc__mq_transport,
	&lipc__sysv_mq_transport,
	&lipc__ring_transport,
	&lipc__ring_multi_transport,
	&lipc__ring_pub_transport,
	&lipc__ring_lossy_transport,
	&lipc__unix_transport,
	&lipc__unix_dgram_transport,
	&lipc__unix_seqpacket_transport,
	&lipc__tcp_transport,
	&lipc__stdio_transport,
};
/* clang-format on */

#define N_TRANSPORTS (sizeof(transports) / sizeof(transports[0]))

static const struct lipc_transport *by_id(enum lipc_scheme id)
{
	for (size_t i = 0; i < N_TRANSPORTS; i++)
		if (transports[i]->id == id)
			return transports[i];
	return NULL;
}

int lipc_addr_parse(struct lipc_addr *addr, const char *text)
{
	const char *colon = strchr(text, ':');
	size_t len;

	if (!lipc__abi_size(addr, LIPC__ADDR_1_0))
		return -1;
	if (!colon || colon == text) {
		errno = EINVAL;
		return -1;
	}
	len = (size_t)(colon - text);
	for (size_t i = 0; i < N_TRANSPORTS; i++) {
		const struct lipc_transport *t = transports[i];

		if (strlen(t->scheme) == len && !memcmp(t->scheme, text, len)) {
			/* Parsed whole, copied out as far as the caller's struct goes. */
			struct lipc_addr a = LIPC_ADDR_INIT;
			int ret;

			a.scheme = t->id;
			ret = t->parse(&a, colon + 1);
			lipc__abi_out(addr, &a, sizeof(a));
			return ret;
		}
	}
	errno = EPROTONOSUPPORT;
	return -1;
}

static char scheme_list[192];

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
	int saved = errno;
	/* scheme is a 1.0 field: any address that was initialised has it. */
	const struct lipc_transport *t =
		lipc__abi_size(a, LIPC__ADDR_1_0) ? by_id(a->scheme) : NULL;
	const char *s = lipc__why(err);

	errno = saved;
	if (!s && t && t->explain)
		s = t->explain(err);
	return s ? s : strerror(err);
}

#define KNOWN_FLAGS                                                                                \
	(LIPC_CHAN_FRAMED | LIPC_CHAN_KEEP | LIPC_CHAN_NOERROR | LIPC_CHAN_ALLOW_UID |             \
	 LIPC_CHAN_SPIN | LIPC_CHAN_OWNER)

static struct lipc_chan *chan_new(const struct lipc_transport *t, int role,
				  const struct lipc_chan_opts *o)
{
	struct lipc_chan *c;

	if ((role != LIPC_SEND && role != LIPC_RECV) || (o->flags & ~KNOWN_FLAGS) ||
	    o->timeout_ms < -1 || o->max_msgs < 0 || o->msg_size < 0) {
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
	c->priority = o->priority;
	c->type = o->type;
	c->allow_uid = o->allow_uid;
	c->handle = -1;
	c->owned_dirfd = -1;
	c->poll_fd = -1;
	c->poll_ev = -1;
	lipc__stream_init(&c->st, -1, false);
	return c;
}

/*
 * The caller's options (NULL: the defaults) as a whole struct of this version: the fields a
 * program built against older headers does not know keep their defaults. The transports read
 * only this copy.
 */
static int opts_in(struct lipc_chan_opts *o, const struct lipc_chan_opts *opts)
{
	*o = (struct lipc_chan_opts)LIPC_CHAN_OPTS_INIT;
	return opts ? lipc__abi_in(o, sizeof(*o), opts, LIPC__CHAN_OPTS_1_0) : 0;
}

struct lipc_chan *lipc_chan_open(const char *address, enum lipc_role role,
				 const struct lipc_chan_opts *opts)
{
	struct lipc_chan_opts opts_copy, *o = &opts_copy;
	struct lipc_addr a = LIPC_ADDR_INIT;
	struct lipc_chan *c;

	lipc__why_clear();
	if (opts_in(o, opts) < 0 || lipc_addr_parse(&a, address) < 0)
		return NULL;
	c = chan_new(by_id(a.scheme), role, o);
	if (!c)
		return NULL;
	if (c->t->open(c, &a, o) < 0) {
		int err = errno;

		lipc__stream_free(&c->st);
		free(c);
		errno = err;
		return NULL;
	}
	return c;
}

/* A channel over a descriptor the caller already has: a pipe end, one half of a socketpair. */
static int fd_close(struct lipc_chan *c)
{
	return close(c->st.fd);
}

const struct lipc_transport lipc__fd_transport = {
	.scheme = "fd",
	.send = lipc__stream_send,
	.send_many = lipc__stream_send_many,
	.recv = lipc__stream_recv,
	.recv_many = lipc__stream_recv_many,
	.set_timeout = lipc__stream_set_timeout,
	.close = fd_close,
	.fd = lipc__stream_fd,
	.pending = lipc__stream_pending,
};

struct lipc_chan *lipc_chan_open_fd(int fd, enum lipc_role role, const struct lipc_chan_opts *opts)
{
	struct lipc_chan_opts opts_copy, *o = &opts_copy;
	struct lipc_chan *c = opts_in(o, opts) < 0 ? NULL : chan_new(&lipc__fd_transport, role, o);
	int type = 0;
	socklen_t len = sizeof(type);
	bool sock;

	if (!c) {
		lipc__close(fd);
		return NULL;
	}
	sock = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
	lipc__stream_init(&c->st, fd, sock);
	/* A byte stream: a pipe, a FIFO or a stream socket, never datagrams or records. */
	if (sock && type != SOCK_STREAM) {
		lipc_chan_close(c); /* which closes fd, as promised */
		errno = EINVAL;
		return NULL;
	}
	if (lipc__stream_set_timeout(c, o->timeout_ms) < 0) {
		lipc_chan_close(c);
		return NULL;
	}
	return c;
}

int lipc_chan_send(struct lipc_chan *c, const void *data, size_t len)
{
	struct lipc_msg m = { .struct_size = sizeof(m), .data = data, .len = len };

	return lipc_chan_sendmsg(c, &m);
}

/* One message, read from the caller's struct (of any version) with the channel's defaults. */
static int send_one(struct lipc_chan *c, const struct lipc_msg *msg)
{
	struct lipc_msg m = LIPC_MSG_INIT;

	if (lipc__abi_in(&m, sizeof(m), msg, LIPC__MSG_1_0) < 0)
		return -1;
	if (!(m.has & LIPC_MSG_PRIORITY))
		m.priority = c->priority;
	if (!(m.has & LIPC_MSG_TYPE))
		m.type = c->type;
	return c->t->send(c, &m);
}

int lipc_chan_sendmsg(struct lipc_chan *c, const struct lipc_msg *msg)
{
	lipc__why_clear();
	if (c->role != LIPC_SEND) {
		errno = EBADF;
		return -1;
	}
	return send_one(c, msg);
}

/*
 * A batch is the caller's array stepped through by msgs[0].struct_size (lipc/version.h). Built
 * against these headers, it is an array of this build's structs, which goes to the transport as
 * it is; built against others, each message is copied into (or out of) an array of ours.
 */
static const struct lipc_msg *nth(const struct lipc_msg *msgs, size_t stride, size_t i)
{
	return (const struct lipc_msg *)((const unsigned char *)msgs + i * stride);
}

int lipc_chan_send_many(struct lipc_chan *c, const struct lipc_msg *msgs, size_t n)
{
	struct lipc_msg *mine = NULL;
	size_t stride;
	int ret, err;

	lipc__why_clear();
	if (c->role != LIPC_SEND) {
		errno = EBADF;
		return -1;
	}
	if (n == 0)
		return 0;
	stride = lipc__abi_size(msgs, LIPC__MSG_1_0);
	if (!stride)
		return -1;
	if (n > LIPC_CHAN_BATCH_MAX)
		n = LIPC_CHAN_BATCH_MAX; /* a short count, as sendmmsg(2) caps its own */
	if (!c->t->send_many) {
		for (size_t i = 0; i < n; i++)
			if (send_one(c, nth(msgs, stride, i)) < 0)
				return i ? (int)i : -1;
		return (int)n;
	}
	if (stride != sizeof(*mine)) {
		mine = malloc(n * sizeof(*mine));
		if (!mine)
			return -1;
		for (size_t i = 0; i < n; i++) {
			mine[i] = (struct lipc_msg)LIPC_MSG_INIT;
			/* A message the library cannot read ends the batch before it, as a failed
			 * send. */
			if (lipc__abi_in(&mine[i], sizeof(*mine), nth(msgs, stride, i),
					 LIPC__MSG_1_0) < 0) {
				n = i;
				break;
			}
		}
	}
	ret = n ? c->t->send_many(c, mine ? mine : msgs, n) : -1;
	err = errno;
	free(mine);
	errno = err;
	return ret;
}

/*
 * Waiting on many at once. A mechanism's own descriptor says what the kernel holds; a receiver
 * that reads ahead (a byte stream hands out one line of the many a read brought, a socket
 * receiver keeps the datagrams of one recvmmsg) holds messages the kernel no longer shows, and
 * a poll on the bare descriptor would sleep beside them. Such a transport says so with its
 * pending hook, and the caller polls an epoll set of the descriptor and an eventfd that the
 * channel keeps readable exactly while pending() is true: set when a receive leaves something
 * behind, drained when one takes the last of it. That costs a system call at those two moments
 * only, and nothing until the program asks for the descriptor (poll_ev is -1 until then).
 */
static void poll_update(struct lipc_chan *c)
{
	int err = errno;
	bool want;
	uint64_t one = 1;

	if (c->poll_ev < 0)
		return;
	want = c->poll_always || c->t->pending(c);
	if (want && !c->poll_on)
		c->poll_on = write(c->poll_ev, &one, sizeof(one)) == (ssize_t)sizeof(one);
	else if (!want && c->poll_on)
		c->poll_on = read(c->poll_ev, &one, sizeof(one)) != (ssize_t)sizeof(one);
	errno = err;
}

int lipc_chan_fd(struct lipc_chan *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, ep, efd;

	if (c->poll_fd >= 0)
		return c->poll_fd;
	if (!c->t->fd) {
		errno = ENOTSUP;
		return -1;
	}
	fd = c->t->fd(c);
	if (fd < 0)
		return -1;
	if (c->role != LIPC_RECV || !c->t->pending) {
		c->poll_fd = fd;
		return fd;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		goto out_close_ep;
	ev.data.fd = fd;
	/*
	 * epoll takes no regular file or directory (EPERM): stdio: on a file. A read of one never
	 * waits, so a receive never blocks, and the eventfd alone, kept readable, says so.
	 */
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		if (errno != EPERM)
			goto out_close_efd;
		c->poll_always = true;
	}
	ev.data.fd = efd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0)
		goto out_close_efd;
	c->poll_fd = ep;
	c->poll_ev = efd;
	poll_update(c);
	return ep;

out_close_efd:
	lipc__close(efd);
out_close_ep:
	lipc__close(ep);
	return -1;
}

int lipc_chan_recv(struct lipc_chan *c, struct lipc_msg *msg)
{
	struct lipc_msg m = LIPC_MSG_INIT;
	int ret;

	lipc__why_clear();
	if (c->role != LIPC_RECV) {
		errno = EBADF;
		return -1;
	}
	if (!lipc__abi_size(msg, LIPC__MSG_1_0))
		return -1;
	/* Received into a whole message, then copied out as far as the caller's goes. */
	ret = c->t->recv(c, &m);
	poll_update(c);
	lipc__abi_out(msg, &m, sizeof(m));
	return ret;
}

int lipc_chan_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	struct lipc_msg *mine;
	size_t stride;
	int ret, err;

	if (c->role != LIPC_RECV) {
		lipc__why_clear();
		errno = EBADF;
		return -1;
	}
	stride = lipc__abi_size(msgs, LIPC__MSG_1_0);
	if (!stride)
		return -1;
	if (n == 0) {
		errno = EINVAL; /* 0 would read as the end of the stream */
		return -1;
	}
	if (!c->t->recv_many)
		return lipc_chan_recv(c, msgs);
	lipc__why_clear();
	if (n > LIPC_CHAN_BATCH_MAX)
		n = LIPC_CHAN_BATCH_MAX;
	if (stride == sizeof(*mine)) {
		ret = c->t->recv_many(c, msgs, n);
		poll_update(c);
		return ret;
	}
	mine = malloc(n * sizeof(*mine));
	if (!mine)
		return -1;
	for (size_t i = 0; i < n; i++)
		mine[i] = (struct lipc_msg)LIPC_MSG_INIT;
	ret = c->t->recv_many(c, mine, n);
	poll_update(c);
	err = errno;
	if (ret > 0)
		lipc__abi_out_array(msgs, stride, mine, sizeof(*mine), (size_t)ret);
	free(mine);
	errno = err;
	return ret;
}

int lipc_chan_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	if (timeout_ms < -1) {
		errno = EINVAL;
		return -1;
	}
	return c->t->set_timeout(c, timeout_ms);
}

size_t lipc_chan_max_msg(const struct lipc_chan *c)
{
	return c->max_msg;
}

int lipc_chan_stat(const struct lipc_chan *c, struct lipc_chan_stat *st)
{
	struct lipc_chan_stat s = LIPC_CHAN_STAT_INIT;

	if (!c->t->stat) {
		errno = ENOTSUP;
		return -1;
	}
	if (!lipc__abi_size(st, LIPC__CHAN_STAT_1_0) || c->t->stat(c, &s) < 0)
		return -1;
	lipc__abi_out(st, &s, sizeof(s));
	return 0;
}

int lipc_chan_address(const struct lipc_chan *c, char *buf, size_t size)
{
	if (!c->t->address) {
		errno = ENOTSUP;
		return -1;
	}
	return c->t->address(c, buf, size);
}

void lipc__signals_hold(struct lipc__held *h, const struct lipc_chan_opts *o)
{
	sigset_t all;

	h->held = o->on_create != NULL;
	if (!h->held)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &h->mask);
}

void lipc__signals_release(struct lipc__held *h)
{
	int err = errno;

	if (h->held)
		pthread_sigmask(SIG_SETMASK, &h->mask, NULL);
	h->held = false;
	errno = err;
}

int lipc__own(struct lipc_chan *c, int dirfd, const char *name, const struct stat *st,
	      const struct lipc_chan_opts *o)
{
	c->owned_name = strdup(name);
	c->owned_dirfd = c->owned_name ? fcntl(dirfd, F_DUPFD_CLOEXEC, 0) : -1;
	if (c->owned_dirfd < 0) {
		int err = errno;
		struct stat now;

		free(c->owned_name);
		c->owned_name = NULL;
		/* What we made, and only that: the name may hold another file by now. */
		if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now.st_dev == st->st_dev && now.st_ino == st->st_ino)
			unlinkat(dirfd, name, 0);
		errno = err;
		return -1;
	}
	c->owned_dev = st->st_dev;
	c->owned_ino = st->st_ino;
	c->owned_pid = getpid();
	if (o->on_create)
		o->on_create(c->owned_dirfd, c->owned_name, st, o->on_create_arg);
	return 0;
}

void lipc__disown(struct lipc_chan *c)
{
	struct stat st;
	int err = errno;

	if (c->owned_dirfd < 0)
		return;
	/*
	 * Looked up and removed in the directory pinned at open, whatever its path leads to now;
	 * a file that replaced ours under the name stays (the last check cannot close that window
	 * against someone who may write the directory, but then the file was theirs to swap).
	 */
	if (c->owned_pid == getpid() &&
	    fstatat(c->owned_dirfd, c->owned_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == c->owned_dev && st.st_ino == c->owned_ino)
		unlinkat(c->owned_dirfd, c->owned_name, 0);
	close(c->owned_dirfd);
	c->owned_dirfd = -1;
	free(c->owned_name);
	c->owned_name = NULL;
	errno = err;
}

int lipc_chan_close(struct lipc_chan *c)
{
	int ret;

	if (!c)
		return 0;
	if (c->poll_ev >=
	    0) { /* the epoll set and its eventfd; a bare poll_fd is the transport's */
		close(c->poll_ev);
		close(c->poll_fd);
	}
	ret = c->t->close(c);
	lipc__stream_free(&c->st);
	free(c);
	return ret;
}

struct lipc__trust lipc__trust_of(const struct lipc_chan_opts *o)
{
	return (struct lipc__trust){ .given = o->flags & LIPC_CHAN_OWNER, .owner = o->owner };
}
