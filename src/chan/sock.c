/* SPDX-License-Identifier: MIT */
/*
 * The socket transports, on src/sock.c: unix:, unix-dgram:, unix-seqpacket: and tcp:. A sender
 * holds one connected socket; a receiving channel on a stream or seqpacket socket is a listener
 * that serves all its clients at once through an epoll set of its own (the listening socket and
 * every connection, which is also what lipc_chan_fd() hands out), each connection with its own
 * framing state (stream.c), so the messages of one client stay whole and in order. The traps of
 * this file: no client, however many or slow, may end the listener or starve the others, so the
 * listener is bounded in clients and in memory (struct sock says how); anyone may listen first on
 * an abstract name or in a shared directory, so a sender checks who runs its receiver before it
 * sends (check_receiver(), the join policy of lipc/chan.h); a datagram that arrived before
 * SO_PASSCRED was on, or from a pid namespace this process cannot see, comes with made-up
 * credentials, which vouch for nobody; and a gone receiver shows as four different errors, all
 * EPIPE here. Batches (lipc_chan_send_many, lipc_chan_recv_many): datagrams and records go out in
 * one sendmmsg() and come in with one recvmmsg() per socket, each into a slot of max_msg bytes of
 * its own (the kernel needs room for the longest before it says how long one is, so the slots are
 * bounded in all, ARENA_MAX), each with its own credentials; a stream listener hands out, after
 * the first message, only what its buffers hold already, since a read or a compaction would move
 * the messages handed out before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chan.h"
#include "lipc/sock.h"

/*
 * Addresses: sock.c parses them (unix*:PATH or @NAME, tcp:HOST:PORT), and the channel keeps what
 * it found in struct lipc_addr (the path, or the host and the port) until the open hands it back.
 */

static int type_of(enum lipc_scheme s)
{
	return s == LIPC_SCHEME_UNIX_DGRAM	 ? SOCK_DGRAM
	       : s == LIPC_SCHEME_UNIX_SEQPACKET ? SOCK_SEQPACKET
						 : SOCK_STREAM;
}

/* Copy a string that the parse hooks checked to fit; cut short rather than overflow. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int unix_parse(struct lipc_addr *addr, const char *where)
{
	struct lipc__sockaddr a;

	if (lipc__sock_parse_unix(&a, SOCK_STREAM, where) < 0)
		return -1;
	addr->path = where; /* as it was checked: sock.c takes it verbatim */
	return 0;
}

static int tcp_parse(struct lipc_addr *addr, const char *where)
{
	struct lipc__sockaddr a;

	if (lipc__sock_parse_tcp(&a, where) < 0)
		return -1;
	copy_str(addr->host, sizeof(addr->host), a.path);
	addr->port = (unsigned)strtoul(a.port, NULL, 10); /* at most 5 digits, checked */
	return 0;
}

/* The parsed address as sock.c takes it. */
static void to_sockaddr(const struct lipc_addr *addr, struct lipc__sockaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->type = type_of(addr->scheme);
	a->tcp = addr->scheme == LIPC_SCHEME_TCP;
	if (a->tcp) {
		copy_str(a->path, sizeof(a->path), addr->host);
		snprintf(a->port, sizeof(a->port), "%u", addr->port);
	} else {
		copy_str(a->path, sizeof(a->path), addr->path);
	}
}

/*
 * The transports. A sender holds one connected socket: a byte stream in chan->st, or a
 * datagram or seqpacket socket in chan->handle. A receiver holds its bound socket in
 * chan->handle (non-blocking: it waits in poll() or epoll_wait()) and, for connection types, the
 * accepted connections in struct sock.
 */

/*
 * Credentials the kernel could not fill in have pid 0: a datagram that came before the receiver
 * asked for credentials is delivered with pid 0 and uid and gid 65534 (overflowuid and
 * overflowgid), and a peer in a pid namespace this process cannot see has pid 0 too. Such
 * credentials vouch for nobody: they never pass an uid check and are not handed out.
 */
static bool cred_known(const struct ucred *cred)
{
	return cred->pid != 0;
}

struct conn {
	struct lipc__stream st; /* the connection; seqpacket uses only st.fd */
	uint64_t id;		/* its key in the epoll set: ids grow, conns[] is in their order */
	struct ucred cred;	/* SO_PEERCRED: who connected */
	bool has_cred;
	bool ready; /* epoll said readable and no read has said EAGAIN since */
	bool gone;  /* ended or failed: closed at the next sweep */
	bool shed;  /* gone because the listener shed it */
};

/*
 * A listener is bounded, so that no client, however many or slow, ends it or starves the
 * others. It serves at most max_clients connections at once: one more, and the newest (the one
 * just accepted) is shed, closed at once. accept() itself fails for want of a descriptor
 * (EMFILE, or ENFILE for the whole system) without taking the client from the backlog: the
 * listener would stay readable and every later poll() would wake at once for that client, so a
 * spare descriptor, kept for this moment only, is closed to accept the client and shed it, and
 * opened again. And the memory the connections hold for messages not yet whole is bounded, per
 * client (max_msg) and in all (budget): when a read would need more, the client holding the
 * most bytes is shed. A shed client finds its connection closed (EPIPE or ECONNRESET at its
 * next send; a TCP one is reset at once); the others are served on.
 */
struct sock {
	int type;
	bool tcp;
	char path[LIPC_SOCK_PATH_MAX + 2]; /* unix: the path or @name, for lipc_chan_address() */
	struct conn *conns;
	size_t n, cap;
	/*
	 * A listener's epoll set: the listening socket (LISTENER_ID) unless paused, and every
	 * connection (its id), in step with conns[] at every return of a receive, so that the set
	 * is also lipc_chan_fd()'s descriptor. Level-triggered: a wait that left a ready
	 * connection unread (a full batch) finds it ready again.
	 */
	int ep;
	int lfd;	  /* the listening socket (chan->handle), for the set */
	bool in_set;	  /* lfd is in ep */
	uint64_t next_id; /* the next connection's id */
	size_t next;	  /* the connection to look at first, so that none starves the others */
	bool served;	  /* a client was accepted: the last one leaving ends the stream */
	/*
	 * Datagrams and records: recvmmsg() fills slots of max_msg bytes in the arena, one per
	 * packet, pk[i] describing slot i; pk[pk_next..pk_n) are received and not handed out yet
	 * (after a cut one, which ends a batch), and pk_err is an error that came after them.
	 */
	char *arena;
	size_t slots;
	struct lipc__packet *pk;
	size_t pk_n, pk_next;
	int pk_err;

	unsigned max_clients; /* connections served at once */
	size_t first;	      /* a connection's first buffer: what most messages fit in */
	size_t budget;	      /* the bytes all the connections' buffers may hold together */
	size_t held;	      /* the bytes they hold now */
	int spare;	      /* kept for accept() at EMFILE; -1 while it could not be had */
	bool paused;	      /* no descriptor even for that: the listener waits for one */
};

/*
 * A connection's first buffer (stream.c reads 64 KiB at first): small, because every client
 * may have one; it doubles, up to a whole message, only for a message that does not fit.
 */
#define CONN_FIRST_READ ((size_t)16 * 1024)

/*
 * The bytes the connections of a listener may hold in all: room for BUDGET_MSGS messages of
 * max_msg bytes at once (a few clients may send the largest message at the same time; more, and
 * it is a flood, or more than this receiver should take on), and beyond that a first buffer for
 * each client the listener serves (so that clients sending small messages are never shed
 * because of each other). With the defaults (1 MiB, at most 1024 clients): at most 20 MiB.
 */
#define BUDGET_MSGS 4

/* The listening socket's key in the epoll set; connections count from 1. */
#define LISTENER_ID 0

/* The events one epoll_wait() takes; more ready ones come at the next (level-triggered). */
#define WAIT_EVENTS 64

/* The most clients served at once when the caller does not say (lipc/sock.h). */
#define MAX_CLIENTS_MAX 1024

static size_t add_sat(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t mul_sat(size_t a, size_t b)
{
	return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

/* Half the descriptor limit (ulimit -n), at most MAX_CLIENTS_MAX, at least 1. */
static unsigned default_max_clients(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur / 2 >= MAX_CLIENTS_MAX)
		return MAX_CLIENTS_MAX;
	return rl.rlim_cur >= 2 ? (unsigned)(rl.rlim_cur / 2) : 1;
}

/* The most bytes a connection's buffer holds: a whole message and its framing, as stream.c. */
static size_t conn_limit(const struct lipc_chan *c)
{
	return add_sat(c->max_msg, c->flags & LIPC_CHAN_FRAMED ? 4 : 1);
}

/* The spare descriptor: /dev/null, or where there is none, a copy of the listener. */
static int open_spare(const struct lipc_chan *c)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno != EMFILE && errno != ENFILE)
		fd = fcntl(c->handle, F_DUPFD_CLOEXEC, 0);
	return fd;
}

/* Set the bounds of a listener (lipc/sock.h). */
static int bound_listener(struct lipc_chan *c, const struct lipc_chan_opts *o)
{
	struct sock *s = c->priv;
	size_t limit = conn_limit(c);

	s->max_clients = o->max_clients ? o->max_clients : default_max_clients();
	s->first = limit < CONN_FIRST_READ ? limit : CONN_FIRST_READ;
	s->budget = add_sat(mul_sat(BUDGET_MSGS, limit), mul_sat(s->max_clients, s->first));
	s->spare = open_spare(c);
	return s->spare < 0 ? -1 : 0;
}

/*
 * Close a client's descriptor. A TCP one is reset (SO_LINGER 0): after a plain close its next
 * send would still succeed, into the void; a Unix one fails its next send at once.
 */
static void shed_fd(const struct sock *s, int fd)
{
	static const struct linger reset = { .l_onoff = 1, .l_linger = 0 };

	if (s->tcp)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	lipc__close(fd);
}

/* Give back what a connection's buffer holds. */
static void conn_free_buf(struct sock *s, struct conn *cn)
{
	s->held -= cn->st.cap;
	lipc__stream_free(&cn->st);
}

static void conn_close(struct sock *s, struct conn *cn)
{
	conn_free_buf(s, cn);
	if (cn->shed)
		shed_fd(s, cn->st.fd);
	else
		lipc__close(cn->st.fd);
}

/* Shed a client: its memory goes now, its connection at the next sweep. */
static void conn_shed(struct sock *s, struct conn *cn)
{
	conn_free_buf(s, cn);
	cn->shed = cn->gone = true;
}

/*
 * The listening socket is in the epoll set exactly while the listener is not paused: polled
 * without a descriptor to accept with, it would wake at once and for ever. A failed change is
 * tried again at the next sweep.
 */
static void listen_sync(struct sock *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = LISTENER_ID };

	if (s->paused == !s->in_set)
		return;
	if (epoll_ctl(s->ep, s->paused ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, s->lfd, &ev) == 0 ||
	    errno == ENOENT || errno == EEXIST)
		s->in_set = !s->paused;
}

/*
 * Drop the connections that ended, keeping the order of the others. Each leaves the epoll set
 * before it is closed: a close removes it only with the last descriptor of its socket, and a
 * child forked since may hold another, which would leave the set reporting a connection that
 * is no longer served.
 */
static void sweep(struct sock *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->conns[i].gone) {
			epoll_ctl(s->ep, EPOLL_CTL_DEL, s->conns[i].st.fd, NULL);
			conn_close(s, &s->conns[i]);
		} else if (k++ != i) {
			s->conns[k - 1] = s->conns[i];
		}
	}
	if (k < s->n)
		s->paused = false; /* a descriptor came back */
	s->n = k;
	if (s->next >= s->n)
		s->next = 0;
	listen_sync(s);
}

/* The connection whose id an event carries (conns[] is in the order of the ids), or NULL. */
static struct conn *conn_by_id(struct sock *s, uint64_t id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->conns[mid].id == id)
			return &s->conns[mid];
		if (s->conns[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The client holding the most bytes of a message not yet whole, cn or another (the newest of
 * those holding as many).
 */
static struct conn *biggest(struct sock *s, struct conn *cn)
{
	struct conn *big = cn;

	for (size_t i = 0; i < s->n; i++) {
		struct conn *o = &s->conns[i];
		size_t held = o->st.tail - o->st.head, most = big->st.tail - big->st.head;

		if (!o->gone && (held > most || (held == most && o > big)))
			big = o;
	}
	return big;
}

/*
 * Room in cn's buffer for the next read (stream.c then reads into it and never grows it):
 * where the buffer is full, it doubles, up to a whole message, within the budget of all the
 * connections; to stay within, the client holding the most bytes is shed, which may be cn
 * itself. 0, or -1 when cn was shed.
 */
static int conn_room(struct lipc_chan *c, struct conn *cn)
{
	struct sock *s = c->priv;
	struct lipc__stream *st = &cn->st;
	size_t limit = conn_limit(c), want;
	char *buf;

	if (st->head > 0) {
		/* The messages handed out are no longer needed (the caller's is the last one). */
		memmove(st->buf, st->buf + st->head, st->tail - st->head);
		st->tail -= st->head;
		st->head = 0;
	}
	if (st->tail < st->cap)
		return 0;
	want = st->cap == 0 ? s->first : st->cap > limit / 2 ? limit : st->cap * 2;
	if (want <= st->cap)
		return 0; /* a whole message fits already: stream.c takes it first */
	while (add_sat(s->held - st->cap, want) > s->budget) {
		struct conn *big = biggest(s, cn);

		conn_shed(s, big);
		if (big == cn)
			return -1;
	}
	buf = realloc(st->buf, want);
	if (!buf) {
		conn_shed(s, cn);
		return -1;
	}
	s->held += want - st->cap;
	st->buf = buf;
	st->cap = want;
	return 0;
}

/*
 * Before the listener waits: a buffer that holds nothing, or far less than its size, gives its
 * memory back (down to a first buffer, which every client may keep).
 */
static void conn_trim(struct sock *s, struct conn *cn)
{
	struct lipc__stream *st = &cn->st;
	size_t used = st->tail - st->head, want = s->first;
	char *buf;

	if (st->cap <= s->first || used > st->cap / 4)
		return;
	if (used == 0) {
		conn_free_buf(s, cn);
		return;
	}
	while (want < 2 * used)
		want *= 2;
	memmove(st->buf, st->buf + st->head, used);
	st->head = 0;
	st->tail = used;
	buf = realloc(st->buf, want);
	if (buf) {
		s->held -= st->cap - want;
		st->buf = buf;
		st->cap = want;
	}
}

/*
 * Before a newcomer is shed for want of room (the cap, or no descriptor): the connections whose
 * client has left and that hold nothing more are closed first, so that a client that leaves and
 * one that arrives in the same instant are not both counted. Only connections poll() said are
 * readable are looked at, with a peek. How many were closed.
 */
static size_t reclaim(struct sock *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct conn *cn = &s->conns[i];
		union {
			char buf[LIPC__CRED_SPACE];
			struct cmsghdr align;
		} ctl;
		char byte;
		struct iovec iov = { &byte, 1 };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		ssize_t r;

		if (cn->gone || !cn->ready || cn->st.tail != cn->st.head)
			continue;
		/* No room for descriptors in ctl: a peek installs none. */
		r = recvmsg(cn->st.fd, &mh, MSG_PEEK | MSG_DONTWAIT);
		/* The end (on seqpacket, an empty record carries credentials; the end none). */
		if ((r == 0 && (s->type != SOCK_SEQPACKET || !CMSG_FIRSTHDR(&mh))) ||
		    (r < 0 && errno == ECONNRESET)) {
			cn->gone = true;
			n++;
		}
	}
	if (n > 0)
		sweep(s);
	return n;
}

/* A client accepted: served, unless refused (--allow-uid) or it cannot be set up (shed). */
static void take_client(struct lipc_chan *c, int fd)
{
	struct sock *s = c->priv;
	struct conn cn = { .ready = true };
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t len = sizeof(cn.cred);
	int one = 1;

	if (!s->tcp) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cn.cred, &len) < 0)
			goto out_shed;
		cn.has_cred = cred_known(&cn.cred);
	}
	/* A refused one is closed at once and never counts as a client. */
	if ((c->flags & LIPC_CHAN_ALLOW_UID) && (!cn.has_cred || cn.cred.uid != c->allow_uid))
		goto out_shed;
	/*
	 * Recent kernels copy SO_PASSCRED from the listener; setting it here does not depend on
	 * that, and packets_take() needs it to tell an empty record from the end.
	 */
	if (s->type == SOCK_SEQPACKET &&
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		goto out_shed;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct conn *conns = realloc(s->conns, cap * sizeof(*conns));

		if (!conns)
			goto out_shed;
		s->conns = conns;
		s->cap = cap;
	}
	cn.id = ev.data.u64 = s->next_id++;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto out_shed; /* ENOMEM, or ENOSPC: max_user_watches */
	lipc__stream_init(&cn.st, fd, true);
	s->conns[s->n++] = cn;
	s->served = true;
	return;

out_shed:
	shed_fd(s, fd);
}

/*
 * accept() found no descriptor for a client (EMFILE, ENFILE), and it says so before it looks
 * at the backlog, which may be empty: close the spare, accept the client if there is one and
 * shed it, open the spare again. 1 when one was shed, 0 when none was there (or s->paused:
 * not even the spare could be had, and the listener waits until a client leaves), or -1 when
 * the listener has no client to wait for either.
 */
static int shed_pending(struct lipc_chan *c)
{
	struct sock *s = c->priv;
	int fd, err;

	if (s->spare < 0)
		s->spare = open_spare(c);
	if (s->spare < 0) {
		if (s->n == 0)
			return -1;
		s->paused = true;
		return 0;
	}
	lipc__close(s->spare);
	do
		fd = accept4(c->handle, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
	err = errno;
	if (fd >= 0)
		shed_fd(s, fd);
	s->spare = open_spare(c);
	if (fd >= 0)
		return 1;
	/* ENFILE: another process took the file freed for us. */
	if (err == EMFILE || err == ENFILE)
		s->paused = s->n > 0;
	return 0;
}

/*
 * Accept every pending client: served, or shed beyond max_clients. Connections that ended are
 * reclaimed once per call at most, so that a flood costs no more than one look at each.
 */
static int accept_all(struct lipc_chan *c)
{
	struct sock *s = c->priv;
	bool reclaimed = false;

	for (;;) {
		int fd = accept4(c->handle, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), r;

		if (fd >= 0) {
			if (s->n >= s->max_clients && !reclaimed) {
				reclaimed = true;
				reclaim(s);
			}
			if (s->n >= s->max_clients)
				shed_fd(s, fd); /* the newest goes */
			else
				take_client(c, fd);
			continue;
		}
		switch (errno) {
		case EAGAIN:
			return 0;
		case EMFILE:
		case ENFILE:
			if (!reclaimed) {
				reclaimed = true;
				if (reclaim(s) > 0)
					continue;
			}
			r = shed_pending(c);
			if (r <= 0)
				return r;
			continue;
		/* That client left while it waited (ECONNABORTED), or TCP's pending errors. */
		case EINTR:
		case ECONNABORTED:
		case EPERM:
		case EPROTO:
		case ENOPROTOOPT:
		case ENETDOWN:
		case ENETUNREACH:
		case EHOSTDOWN:
		case EHOSTUNREACH:
		case ENONET:
		case EOPNOTSUPP:
			continue;
		default:
			return -1;
		}
	}
}

/*
 * The most bytes the slots of a receiver take: a batch of n packets needs n slots of max_msg
 * bytes each (the kernel must have room for the longest before it says how long a packet is),
 * so with a large max_msg a batch is shorter. Only the pages a packet touched are ever
 * resident: 64-byte datagrams in 1 MiB slots cost a page each.
 */
#define ARENA_MAX ((size_t)32 * 1024 * 1024)

/*
 * Room for a batch of up to want packets, while none is waiting to be handed out (the slots
 * move): how many slots there are for it (at least 1), or 0 with errno.
 */
static size_t alloc_slots(struct lipc_chan *c, size_t want)
{
	struct sock *s = c->priv;
	size_t most = c->max_msg >= ARENA_MAX ? 1 : ARENA_MAX / c->max_msg;
	struct lipc__packet *pk;
	char *arena;

	if (want > most)
		want = most;
	if (want <= s->slots)
		return want;
	/* Nothing in the slots is needed any more: freed, not copied. */
	arena = malloc(want * c->max_msg);
	pk = arena ? malloc(want * sizeof(*pk)) : NULL;
	if (!pk) {
		free(arena);
		return s->slots; /* a shorter batch, or 0 (ENOMEM) when there was none */
	}
	free(s->arena);
	free(s->pk);
	s->arena = arena;
	s->pk = pk;
	s->slots = want;
	return want;
}

/* Slots from..to, empty, for recvmmsg(). */
static void ready_slots(struct lipc_chan *c, size_t from, size_t to)
{
	struct sock *s = c->priv;

	for (size_t i = from; i < to; i++)
		s->pk[i] = (struct lipc__packet){ .buf = s->arena + i * c->max_msg,
						  .size = c->max_msg };
}

static void give_cred(struct lipc_msg *m, const struct ucred *cred)
{
	m->pid = cred->pid;
	m->uid = cred->uid;
	m->gid = cred->gid;
	m->has |= LIPC_MSG_CRED;
}

/*
 * Hand out the packets received and not handed out yet, up to n: how many (0 when none is left,
 * or all were dropped), or -1 with errno. A datagram from someone not allowed is dropped, unread,
 * as if never sent. A packet that was cut ends the batch before it, and is EMSGSIZE by itself:
 * it is gone, the packets after it are handed out by the next calls.
 */
static int hand_out(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	struct sock *s = c->priv;
	size_t k = 0;

	while (k < n && s->pk_next < s->pk_n) {
		const struct lipc__packet *p = &s->pk[s->pk_next];
		bool has_cred = p->has_cred && cred_known(&p->cred);
		struct lipc_msg *m = &msgs[k];

		if ((c->flags & LIPC_CHAN_ALLOW_UID) &&
		    (!has_cred || p->cred.uid != c->allow_uid)) {
			s->pk_next++;
			continue;
		}
		if (p->len > p->size) {
			if (k > 0)
				break;
			s->pk_next++;
			errno = EMSGSIZE;
			return -1;
		}
		s->pk_next++;
		m->data = p->buf;
		m->len = p->len;
		m->has = 0;
		if (has_cred)
			give_cred(m, &p->cred);
		k++;
	}
	if (k == 0 && s->pk_next == s->pk_n && s->pk_err) {
		errno = s->pk_err;
		s->pk_err = 0;
		return -1;
	}
	return (int)k;
}

static bool have_packets(const struct sock *s)
{
	return s->pk_next < s->pk_n || s->pk_err;
}

/* The next message of a byte-stream connection: 1, 0 when it has none now, -1. */
static int stream_take(struct lipc_chan *c, struct conn *cn, struct lipc_msg *m)
{
	for (;;) {
		int r = lipc__stream_take(&cn->st, c->flags, c->max_msg, m);

		if (r == LIPC__GOT)
			return 1;
		if (r == LIPC__END) {
			cn->gone = true;
			return 0;
		}
		if (r < 0) {
			/* This client's stream lost its place: it is dropped, the others go on. */
			cn->gone = true;
			return -1;
		}
		if (!cn->ready)
			return 0;
		if (conn_room(c, cn) < 0)
			return 0; /* shed: quietly, the others go on */
		if (lipc__stream_fill(&cn->st, c->flags, c->max_msg) < 0) {
			if (errno == EAGAIN) {
				cn->ready = false;
				return 0;
			}
			if (errno != ECONNRESET) {
				cn->gone = true;
				return -1;
			}
			cn->st.eof = true; /* a client that vanished: its stream ends here */
		}
	}
}

/*
 * The records of a seqpacket connection, into the free slots pk[pk_n..limit) with one
 * recvmmsg(): how many, or -1. Each carries the credentials the connection has (SO_PEERCRED).
 */
static int packets_take(struct lipc_chan *c, struct conn *cn, size_t limit)
{
	struct sock *s = c->priv;
	struct lipc__packet *p = &s->pk[s->pk_n];
	size_t want = limit - s->pk_n;
	ssize_t got;

	if (!cn->ready)
		return 0;
	ready_slots(c, s->pk_n, limit);
	got = lipc__sock_recv_packets(cn->st.fd, p, want);
	if (got < 0) {
		if (errno == EAGAIN) {
			cn->ready = false;
			return 0;
		}
		cn->gone = true;
		return errno == ECONNRESET ? 0 : -1;
	}
	/*
	 * An empty record and the end of the connection both read as 0 bytes; only a record
	 * carries credentials (SO_PASSCRED is on), so their absence is the end.
	 */
	if (p[got - 1].len == 0 && !p[got - 1].has_cred) {
		cn->gone = true;
		got--;
	} else if ((size_t)got < want) {
		cn->ready = false; /* all it had: poll() tells when there is more */
	}
	for (ssize_t i = 0; i < got; i++) {
		p[i].cred = cn->cred;
		p[i].has_cred = cn->has_cred;
	}
	s->pk_n += (size_t)got;
	return (int)got;
}

/*
 * One round over the seqpacket connections, from s->next on, each giving what it has into the
 * slots left (at most limit in all): the records handed out (up to n), 0 when none had any, or
 * -1. The next round starts after the last connection that gave records, so a client that fills
 * a batch goes last in the next one: none starves the others.
 */
static int take_records(struct lipc_chan *c, struct lipc_msg *msgs, size_t n, size_t limit)
{
	struct sock *s = c->priv;
	size_t from = s->next; /* s->next moves on as connections give records */

	s->pk_n = s->pk_next = 0;
	for (size_t k = 0; k < s->n && s->pk_n < limit; k++) {
		size_t i = (from + k) % s->n;
		struct conn *cn = &s->conns[i];
		int r;

		if (cn->gone)
			continue;
		r = packets_take(c, cn, limit);
		if (r < 0) {
			if (s->pk_n == 0)
				return -1;
			s->pk_err = errno; /* after the records in hand */
			break;
		}
		if (r > 0)
			s->next = i + 1;
	}
	return hand_out(c, msgs, n);
}

/*
 * One round over the stream connections, from s->next on: the first message may need reads,
 * and once one is in hand, only the messages already whole in the buffers are taken (no read,
 * no compaction, no client shed, no connection closed), so that every message handed out stays
 * where it is until the next receive. How many (up to n), 0 when none had one, or -1.
 */
static int take_lines(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	struct sock *s = c->priv;
	size_t k = 0, from = s->next; /* s->next moves on as connections give messages */

	for (size_t j = 0; j < s->n && k < n; j++) {
		size_t i = (from + j) % s->n;
		struct conn *cn = &s->conns[i];
		size_t first = k;

		if (cn->gone)
			continue;
		if (k == 0) {
			int r = stream_take(c, cn, &msgs[0]);

			if (r < 0)
				return -1;
			if (r == 0)
				continue;
			k = 1;
		}
		/* An end or an error found here comes at the next receive, from stream_take(). */
		while (k < n &&
		       lipc__stream_take(&cn->st, c->flags, c->max_msg, &msgs[k]) == LIPC__GOT)
			k++;
		if (k == first)
			continue;
		s->next = i + 1;
		for (size_t m = first; m < k; m++) {
			msgs[m].has = 0;
			if (cn->has_cred)
				give_cred(&msgs[m], &cn->cred);
		}
	}
	return (int)k;
}

/* Is a client waiting in the listener's backlog? */
static bool pending(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

static int listener_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	struct sock *s = c->priv;
	bool records = s->type == SOCK_SEQPACKET, started = false;
	struct lipc__deadline d;
	size_t limit = 0;

	if (records) {
		if (have_packets(s)) {
			int r = hand_out(c, msgs, n);

			if (r != 0)
				return r;
		}
		limit = alloc_slots(c, n);
		if (limit == 0)
			return -1;
	}
	for (;;) {
		int r = records ? take_records(c, msgs, n, limit) : take_lines(c, msgs, n);
		struct epoll_event ev[WAIT_EVENTS];
		bool listener = false;
		int stale = 0;

		sweep(s);
		if (r != 0)
			return r;
		/* The clock is read only before a wait: a buffered message costs no system call. */
		if (!started) {
			lipc__deadline_start(&d, c->timeout_ms);
			started = true;
		}
		/* Every client came and went; one still in the backlog is served first. */
		if (s->n == 0 && s->served && !(c->flags & LIPC_CHAN_KEEP) && !pending(c->handle))
			return 0;
		if (s->type == SOCK_STREAM)
			for (size_t i = 0; i < s->n; i++)
				conn_trim(s, &s->conns[i]);
		/* The set is in step (sweep): the listener is out of it while paused. */
		r = epoll_wait(s->ep, ev, WAIT_EVENTS, lipc__remaining_ms(&d));
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0)
			return lipc__timed_out(c->timeout_ms);
		/* EPOLLHUP and EPOLLERR count too: the read then sees the end or the error. */
		for (int i = 0; i < r; i++) {
			struct conn *cn = ev[i].data.u64 == LISTENER_ID
						  ? NULL
						  : conn_by_id(s, ev[i].data.u64);

			if (ev[i].data.u64 == LISTENER_ID)
				listener = true;
			else if (cn)
				cn->ready = true;
			else
				stale++;
		}
		/*
		 * Only events of no connection served (cannot happen while sweep() takes each
		 * out of the set before closing it): the wait is not done again and again.
		 */
		if (stale == r && lipc__remaining_ms(&d) == 0)
			return lipc__timed_out(c->timeout_ms);
		if (listener && accept_all(c) < 0) {
			listen_sync(s);
			return -1;
		}
	}
}

/*
 * Datagrams: wait for the first, as one receive does, then take what is queued with it in one
 * recvmmsg(). Each datagram comes with its own credentials, checked one by one.
 */
static int dgram_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	struct sock *s = c->priv;
	struct lipc__deadline d;
	bool started = false;

	for (;;) {
		size_t slots;
		ssize_t got;
		int r;

		if (have_packets(s)) {
			r = hand_out(c, msgs, n);
			if (r != 0)
				return r;
		}
		slots = alloc_slots(c, n);
		if (slots == 0)
			return -1;
		ready_slots(c, 0, slots);
		got = lipc__sock_recv_packets(c->handle, s->pk, slots);
		if (got > 0) {
			s->pk_n = (size_t)got;
			s->pk_next = 0;
			continue;
		}
		if (errno != EAGAIN)
			return -1;
		if (!started) {
			lipc__deadline_start(&d, c->timeout_ms);
			started = true;
		}
		r = lipc__wait_fd(c->handle, POLLIN, &d);
		if (r < 0)
			return -1;
		if (r == 0)
			return lipc__timed_out(c->timeout_ms);
	}
}

static int sock_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	struct sock *s = c->priv;

	return s->type == SOCK_DGRAM ? dgram_recv_many(c, msgs, n) : listener_recv_many(c, msgs, n);
}

static int sock_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	return sock_recv_many(c, m, 1);
}

/*
 * A receiver that is gone shows as ECONNRESET (TCP, or a Unix listener that closed before
 * accepting), ECONNREFUSED or ENOTCONN (a datagram socket whose peer closed): to the caller
 * they all mean EPIPE, no receiver left.
 */
static int gone_is_epipe(void)
{
	if (errno == ECONNRESET || errno == ECONNREFUSED || errno == ENOTCONN)
		errno = EPIPE;
	return -1;
}

static int packet_send(struct lipc_chan *c, const struct lipc_msg *m)
{
	struct lipc__deadline d;

	if (m->len > c->max_msg) {
		errno = EMSGSIZE;
		return -1;
	}
	lipc__deadline_start(&d, c->timeout_ms);
	for (;;) {
		int flags = MSG_NOSIGNAL | (c->timeout_ms >= 0 ? MSG_DONTWAIT : 0), r;

		if (send(c->handle, m->data, m->len, flags) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || c->timeout_ms == 0)
			break;
		/* A full receive queue: poll() wakes when the receiver has taken a message. */
		r = lipc__wait_fd(c->handle, POLLOUT, &d);
		if (r < 0)
			break;
		if (r == 0)
			return lipc__timed_out(c->timeout_ms);
	}
	return gone_is_epipe();
}

static int sock_send(struct lipc_chan *c, const struct lipc_msg *m)
{
	struct sock *s = c->priv;

	if (s->type != SOCK_STREAM)
		return packet_send(c, m);
	if (lipc__stream_send(c, m) < 0)
		return gone_is_epipe();
	return 0;
}

/*
 * A packet sender's batch: sendmmsg(), in rounds of SEND_ROUND. A message over the limit ends
 * the batch before it, unsent, and the next call (which starts with it) says EMSGSIZE. On a
 * full receive queue, each wait for room has the whole timeout, as one send per message would.
 * sendmmsg() says how many went; an error after some is lost there, and the next call meets it
 * again (a gone receiver stays gone).
 */
#define SEND_ROUND 64

static int packet_send_many(struct lipc_chan *c, const struct lipc_msg *msgs, size_t n)
{
	int flags = MSG_NOSIGNAL | (c->timeout_ms >= 0 ? MSG_DONTWAIT : 0);
	struct mmsghdr mh[SEND_ROUND];
	struct iovec iov[SEND_ROUND];
	struct lipc__deadline d;
	bool started = false;
	size_t sent = 0;

	for (size_t i = 0; i < n; i++) {
		if (msgs[i].len > c->max_msg) {
			if (i == 0) {
				errno = EMSGSIZE;
				return -1;
			}
			n = i;
			break;
		}
	}
	while (sent < n) {
		size_t want = n - sent < SEND_ROUND ? n - sent : SEND_ROUND;
		int r;

		for (size_t i = 0; i < want; i++) {
			const struct lipc_msg *m = &msgs[sent + i];

			iov[i] = (struct iovec){ (void *)(uintptr_t)m->data, m->len };
			mh[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i],
							       .msg_iovlen = 1 } };
		}
		r = sendmmsg(c->handle, mh, (unsigned)want, flags);
		if (r > 0) {
			sent += (size_t)r;
			started = false;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || errno != EAGAIN || c->timeout_ms == 0)
			break;
		/* A full receive queue: poll() wakes when the receiver has taken a message. */
		if (!started) {
			lipc__deadline_start(&d, c->timeout_ms);
			started = true;
		}
		r = lipc__wait_fd(c->handle, POLLOUT, &d);
		if (r < 0)
			break;
		if (r == 0)
			return sent ? (int)sent : lipc__timed_out(c->timeout_ms);
	}
	if (sent > 0)
		return (int)sent;
	return gone_is_epipe();
}

/* A stream sender's batch is one sendmsg() of many frames; a packet sender's, sendmmsg(). */
static int sock_send_many(struct lipc_chan *c, const struct lipc_msg *msgs, size_t n)
{
	struct sock *s = c->priv;
	int r;

	if (s->type != SOCK_STREAM)
		return packet_send_many(c, msgs, n);
	r = lipc__stream_send_many(c, msgs, n);
	return r < 0 ? gone_is_epipe() : r;
}

/*
 * Waiting on many at once (lipc_chan_fd()). A sender's descriptor is its socket: writable while
 * a send has room (for unix-dgram and unix-seqpacket, while the receiver's queue is not full,
 * as the kernel tells through the connected peer). A datagram receiver's is its socket; a
 * listener's, its epoll set, readable while the listening socket has a client waiting or a
 * connection has bytes, an end or an error for a read.
 */
static int sock_fd(struct lipc_chan *c)
{
	struct sock *s = c->priv;

	if (c->role == LIPC_SEND)
		return s->type == SOCK_STREAM ? c->st.fd : c->handle;
	return s->type == SOCK_DGRAM ? c->handle : s->ep;
}

/* Would hand_out() return at once: a packet it hands out (or reports cut), or an error? */
static bool packets_left(const struct lipc_chan *c)
{
	const struct sock *s = c->priv;

	if (s->pk_err)
		return true;
	for (size_t i = s->pk_next; i < s->pk_n; i++) {
		const struct lipc__packet *p = &s->pk[i];
		bool has_cred = p->has_cred && cred_known(&p->cred);

		/* What the uid check drops is not there for a receive. */
		if (!(c->flags & LIPC_CHAN_ALLOW_UID) || (has_cred && p->cred.uid == c->allow_uid))
			return true;
	}
	return false;
}

/*
 * What a receive would return without waiting for although the kernel no longer shows it: the
 * packets of a recvmmsg() not handed out yet; a connection holding a whole message or a sticky
 * error in its buffer; and the end of the stream, once every client has gone (those whose end
 * is read but not yet reported count as gone), which the receive reports as 0. A connection
 * whose end is buffered while others stay is not counted: the receive closes it and waits on.
 */
static bool sock_pending(const struct lipc_chan *c)
{
	const struct sock *s = c->priv;
	bool all_ended = true;

	if (s->type != SOCK_STREAM)
		return packets_left(c) || (s->type == SOCK_SEQPACKET && s->served && s->n == 0 &&
					   !(c->flags & LIPC_CHAN_KEEP));
	for (size_t i = 0; i < s->n; i++) {
		const struct conn *cn = &s->conns[i];
		bool ended = cn->st.eof && cn->st.tail == cn->st.head && !cn->st.error;

		if (cn->gone)
			continue;
		if (!ended && lipc__stream_ready(&cn->st, c->flags, c->max_msg))
			return true;
		if (!ended)
			all_ended = false;
	}
	return s->served && all_ended && !(c->flags & LIPC_CHAN_KEEP);
}

static int sock_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	struct sock *s = c->priv;

	/* A stream sender switches its descriptor's mode; the others wait in poll() anyway. */
	if (c->role == LIPC_SEND && s->type == SOCK_STREAM)
		return lipc__stream_set_timeout(c, timeout_ms);
	c->timeout_ms = timeout_ms;
	return 0;
}

static int sock_close(struct lipc_chan *c)
{
	struct sock *s = c->priv;
	int ret = 0;

	/* The name goes first: from then on, no client can connect to a socket about to close. */
	lipc__disown(c);
	for (size_t i = 0; i < s->n; i++)
		conn_close(s, &s->conns[i]);
	if (s->spare >= 0)
		lipc__close(s->spare);
	/*
	 * The set goes without removing anything from it first: a child closing the copy it
	 * inherited must not take the parent's connections out of their shared set.
	 */
	if (s->ep >= 0)
		lipc__close(s->ep);
	if (c->st.fd >= 0 && close(c->st.fd) < 0)
		ret = -1;
	if (c->handle >= 0 && close(c->handle) < 0)
		ret = -1;
	free(s->conns);
	free(s->arena);
	free(s->pk);
	free(s);
	c->priv = NULL;
	return ret;
}

/*
 * The join policy for a sender (lipc/chan.h): the receiver it reached must run as this user, as
 * root or as the owner the caller trusts, or another user who took the name first (an abstract
 * name, or a path in a directory others may write) would read every message. A stream or
 * seqpacket listener's uid is in SO_PEERCRED, as the kernel recorded it at listen(); a datagram
 * socket has none, and sock_diag tells who created the socket it is connected to. When that
 * cannot be told, nothing is sent. 0, or -1 with EPERM and why (ECONNREFUSED: no receiver).
 */
static int check_receiver(int fd, int type, const struct lipc_chan_opts *o)
{
	struct lipc__trust trust = lipc__trust_of(o);
	uid_t uid;
	int r = type == SOCK_DGRAM ? lipc__sock_dgram_peer_uid(fd, &uid)
				   : lipc_sock_peercred(fd, NULL, &uid, NULL);

	if (r < 0) {
		if (errno == ECONNREFUSED)
			return -1;
		if (errno == EOPNOTSUPP)
			return lipc__fail_why(EPERM,
					      "this kernel does not tell who runs a datagram "
					      "receiver (sock_diag's UNIX_DIAG_UID, Linux 5.3): "
					      "nothing sent");
		return lipc__fail_why(EPERM,
				      "who runs the receiver cannot be told (%s%s): nothing sent",
				      type == SOCK_DGRAM ? "sock_diag: " : "", strerror(errno));
	}
	if (lipc__trusted_uid(uid, &trust))
		return 0;
	if (trust.given)
		return lipc__fail_why(EPERM,
				      "the receiver runs as uid %u, not as this user, root or uid "
				      "%u: nothing sent",
				      (unsigned)uid, (unsigned)trust.owner);
	return lipc__fail_why(EPERM,
			      "the receiver runs as uid %u, not as this user or root: nothing sent",
			      (unsigned)uid);
}

static int open_sender(struct lipc_chan *c, const struct lipc__sockaddr *a,
		       const struct lipc_chan_opts *o)
{
	struct sock *s = c->priv;
	int fd, sndbuf;
	socklen_t len = sizeof(sndbuf);

	if (a->tcp && !strcmp(a->port, "0")) {
		errno = EINVAL; /* port 0 is for a listener to have one chosen */
		return -1;
	}
	fd = lipc__sock_connect(a, o->timeout_ms);
	if (fd < 0)
		return -1;
	if (!s->tcp && check_receiver(fd, s->type, o) < 0) {
		lipc__close(fd);
		return -1;
	}
	if (s->type == SOCK_STREAM) {
		lipc__stream_init(&c->st, fd, true);
		return lipc__stream_set_timeout(c, o->timeout_ms);
	}
	c->handle = fd;
	/* The kernel refuses a datagram or record over the send buffer less 32 bytes. */
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0)
		return -1;
	if (sndbuf > 32 && (size_t)sndbuf - 32 < c->max_msg)
		c->max_msg = (size_t)sndbuf - 32;
	return 0;
}

static int open_receiver(struct lipc_chan *c, const struct lipc__sockaddr *a,
			 const struct lipc_chan_opts *o)
{
	struct sock *s = c->priv;
	struct stat st = { 0 };
	struct lipc__held held;
	const char *name;
	int dirfd, r;

	/* TCP knows no peer credentials: a filter on them would silently let everyone in. */
	if (s->tcp && (c->flags & LIPC_CHAN_ALLOW_UID)) {
		errno = EINVAL;
		return -1;
	}
	dirfd = lipc__sock_pin_dir(a, &name);
	if (dirfd == -1)
		return -1;
	/* From bind() to the hook, no signal: the hook's handler must know what to remove. */
	lipc__signals_hold(&held, o);
	c->handle = lipc__sock_listen(a, o->mode, dirfd, name, &st);
	r = c->handle < 0 ? -1 : dirfd >= 0 ? lipc__own(c, dirfd, name, &st, o) : 0;
	lipc__signals_release(&held);
	if (dirfd >= 0)
		lipc__close(dirfd);
	if (r < 0 || (s->type != SOCK_DGRAM && bound_listener(c, o) < 0))
		return -1;
	if (s->type != SOCK_DGRAM) {
		s->ep = epoll_create1(EPOLL_CLOEXEC);
		if (s->ep < 0)
			return -1;
		s->lfd = c->handle;
		listen_sync(s);
		if (!s->in_set)
			return -1;
	}
	return lipc__set_nonblock(c->handle, true);
}

static int sock_open(struct lipc_chan *c, const struct lipc_addr *addr,
		     const struct lipc_chan_opts *o)
{
	struct sock *s = calloc(1, sizeof(*s));
	struct lipc__sockaddr sa, *a = &sa;

	if (!s)
		return -1;
	to_sockaddr(addr, a);
	s->type = a->type;
	s->tcp = a->tcp;
	s->spare = -1;
	s->ep = -1;
	s->next_id = LISTENER_ID + 1;
	if (!s->tcp) {
		size_t n = strnlen(a->path, sizeof(s->path) - 1); /* checked by unix_parse */

		memcpy(s->path, a->path, n);
		s->path[n] = '\0';
	}
	c->priv = s;
	if ((c->role == LIPC_SEND ? open_sender(c, a, o) : open_receiver(c, a, o)) < 0) {
		int err = errno;

		sock_close(c);
		c->st.fd = c->handle = -1;
		errno = err;
		return -1;
	}
	return 0;
}

/* The address as "tcp:127.0.0.1:40123" or "tcp:[::1]:40123": where it listens, or its peer. */
static int tcp_address(const struct lipc_chan *c, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], port[NI_MAXSERV];
	int fd = c->role == LIPC_RECV ? c->handle : c->st.fd, rc, n;

	if ((c->role == LIPC_RECV ? getsockname(fd, (struct sockaddr *)&ss, &len)
				  : getpeername(fd, (struct sockaddr *)&ss, &len)) < 0)
		return -1;
	rc = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port, sizeof(port),
			 NI_NUMERICHOST | NI_NUMERICSERV);
	if (rc) {
		errno = lipc__sock_gai_errno(rc);
		return -1;
	}
	n = snprintf(buf, size, ss.ss_family == AF_INET6 ? "tcp:[%s]:%s" : "tcp:%s:%s", host, port);
	if (n < 0 || (size_t)n >= size) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

static int sock_address(const struct lipc_chan *c, char *buf, size_t size)
{
	struct sock *s = c->priv;
	int n;

	if (s->tcp)
		return tcp_address(c, buf, size);
	n = snprintf(buf, size, "%s:%s", c->t->scheme, s->path);
	if (n < 0 || (size_t)n >= size) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

static const char *sock_explain(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "nobody is listening there (connection refused)";
	case EADDRINUSE:
		return "a receiver is already listening there";
	case EEXIST:
		return "exists and is not a socket";
	case ELOOP:
		return "is a symbolic link, which is not followed";
	case EPIPE:
		return "the receiver has gone, or shed this connection (a receiver that serves "
		       "its most clients sheds the newest)";
	case EPROTOTYPE:
		return "the socket there is of another type (unix:, unix-dgram:, unix-seqpacket:)";
	case ENAMETOOLONG:
		return "a Unix socket path or name holds at most 107 bytes";
	case ENXIO:
		return "unknown host";
	case EPROTO:
		return "a sender left in the middle of a message, and was disconnected";
	default:
		return NULL;
	}
}

#define SOCK_TRANSPORT(name, scheme_id, parser)                                                    \
	{                                                                                          \
		.scheme = name, .id = scheme_id, .parse = parser, .open = sock_open,               \
		.send = sock_send, .send_many = sock_send_many, .recv = sock_recv,                 \
		.recv_many = sock_recv_many, .set_timeout = sock_set_timeout, .close = sock_close, \
		.explain = sock_explain, .address = sock_address, .fd = sock_fd,                   \
		.pending = sock_pending,                                                           \
	}

const struct lipc_transport lipc__unix_transport =
	SOCK_TRANSPORT("unix", LIPC_SCHEME_UNIX, unix_parse);
const struct lipc_transport lipc__unix_dgram_transport =
	SOCK_TRANSPORT("unix-dgram", LIPC_SCHEME_UNIX_DGRAM, unix_parse);
const struct lipc_transport lipc__unix_seqpacket_transport =
	SOCK_TRANSPORT("unix-seqpacket", LIPC_SCHEME_UNIX_SEQPACKET, unix_parse);
const struct lipc_transport lipc__tcp_transport = SOCK_TRANSPORT("tcp", LIPC_SCHEME_TCP, tcp_parse);
