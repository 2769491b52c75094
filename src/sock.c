/* SPDX-License-Identifier: MIT */
/*
 * Sockets: Unix domain sockets (stream, datagram, seqpacket) and TCP: a few calls of their own,
 * and the steps under them, which the socket transports (src/chan/sock.c) use too. The traps
 * this file takes care of: a socket file outlives its listener, and bind() then fails with
 * EADDRINUSE, so a stale file is removed, but only after a connect() to it is refused
 * (ECONNREFUSED), which proves nobody listens, and without a window
 * in which two servers starting at once could both take the name (take_stale() says how); the
 * path's directory is pinned once and every lookup, stat and removal goes through it, so that a
 * directory swapped for a symbolic link meanwhile sends nothing elsewhere (bind() alone, which
 * has no *at form, takes the path, and what it made is checked afterwards); a path longer than
 * sun_path holds (107 bytes) is refused before it is copied: the kernel never sees a longer
 * path, and copying code would cut it short (another name) or overflow; a
 * datagram that arrives before SO_PASSCRED is on comes with made-up credentials; anyone may
 * listen first on an abstract name or in a shared directory, so a sender checks who runs its
 * receiver (for datagrams, through sock_diag); writing to a socket whose peer is gone raises
 * SIGPIPE unless the send says MSG_NOSIGNAL; a datagram longer than the buffer is cut silently
 * unless the receiver checks MSG_TRUNC; and descriptors passed with SCM_RIGHTS are installed in
 * the receiver even when it did not ask for them (the kernel fills whatever the control buffer
 * has room for, and CMSG_SPACE rounds it up), so every one beyond the count asked for is closed
 * here. recvmmsg() needs a control buffer per packet (one shared would mix their credentials),
 * and on a seqpacket connection that has ended it fills every slot left with the same 0-byte
 * end, so a batch stops at the first.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"
#include "lipc/sock.h"

/* A host name that getnameinfo() may give fits in struct lipc__sockaddr. */
_Static_assert(sizeof(((struct lipc__sockaddr *)0)->path) >= NI_MAXHOST, "room for a host");

/* Addresses. */

int lipc__sock_parse_unix(struct lipc__sockaddr *a, int type, const char *where)
{
	size_t n = strnlen(where, LIPC_SOCK_PATH_MAX + 2);

	if (n == 0 || !strcmp(where, "@")) {
		errno = EINVAL;
		return -1;
	}
	/* The kernel would cut a longer path at sun_path's end and bind that other name. */
	if (n > LIPC_SOCK_PATH_MAX + (where[0] == '@')) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a->path, where, n + 1);
	a->type = type;
	a->tcp = false;
	return 0;
}

/* HOST:PORT, [IPV6]:PORT or :PORT; the host goes to path (empty: loopback), the port to port. */
int lipc__sock_parse_tcp(struct lipc__sockaddr *a, const char *where)
{
	const char *host = where, *end, *port;
	size_t hlen, plen;
	long v = 0;

	if (where[0] == '[') {
		host = where + 1;
		end = strchr(host, ']');
		if (!end || end == host || end[1] != ':')
			goto out_inval;
		port = end + 2;
	} else {
		end = strchr(where, ':');
		if (!end)
			goto out_inval;
		port = end + 1;
	}
	hlen = (size_t)(end - host);
	plen = strlen(port);
	/* An IPv6 address needs its brackets: "::1:80" could be read two ways. */
	if ((host == where && memchr(host, ':', hlen)) || plen == 0 || plen > 5)
		goto out_inval;
	for (const char *p = port; *p; p++) {
		if (*p < '0' || *p > '9')
			goto out_inval;
		v = v * 10 + (*p - '0');
	}
	if (v > 65535)
		goto out_inval;
	if (hlen > NI_MAXHOST - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a->path, host, hlen);
	a->path[hlen] = '\0';
	/* The digits without leading zeros ("080" is 80), at most 5 of them. */
	while (plen > 1 && *port == '0') {
		port++;
		plen--;
	}
	memcpy(a->port, port, plen + 1);
	a->type = SOCK_STREAM;
	a->tcp = true;
	return 0;

out_inval:
	errno = EINVAL;
	return -1;
}

/* A socket address for a parsed unix path or @name (the length was checked by
 * lipc__sock_parse_unix). */
static socklen_t unix_sockaddr(struct sockaddr_un *sun, const char *path)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (path[0] == '@') {
		/* Abstract: a NUL, then the name; the length says where it ends, no NUL after. */
		memcpy(sun->sun_path + 1, path + 1, n - 1);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	memcpy(sun->sun_path, path, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

/* The socket schemes, which the public calls take in their addresses as the channel does. */
static const struct {
	const char *scheme;
	int type;
} schemes[] = {
	{ "unix", SOCK_STREAM },
	{ "unix-dgram", SOCK_DGRAM },
	{ "unix-seqpacket", SOCK_SEQPACKET },
	{ "tcp", SOCK_STREAM },
};

/*
 * Parse an address for the public functions, which take sockets only: EINVAL without a scheme,
 * EPROTONOSUPPORT for one that is not a socket's.
 */
static int parse_sock(struct lipc__sockaddr *a, const char *address)
{
	const char *colon = strchr(address, ':');
	size_t len;

	if (!colon || colon == address) {
		errno = EINVAL;
		return -1;
	}
	len = (size_t)(colon - address);
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strlen(schemes[i].scheme) != len || memcmp(schemes[i].scheme, address, len))
			continue;
		if (!strcmp(schemes[i].scheme, "tcp"))
			return lipc__sock_parse_tcp(a, colon + 1);
		return lipc__sock_parse_unix(a, schemes[i].type, colon + 1);
	}
	errno = EPROTONOSUPPORT;
	return -1;
}

/* getaddrinfo()'s failures as errno values that the explain hook can put into words. */
int lipc__sock_gai_errno(int rc)
{
	switch (rc) {
	case EAI_SYSTEM:
		return errno;
	case EAI_MEMORY:
		return ENOMEM;
	case EAI_AGAIN:
		return EAGAIN;
	case EAI_NONAME:
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
		return ENXIO;
	default:
		return EINVAL;
	}
}

static int resolve(const char *host, const char *port, int flags, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = flags | AI_NUMERICSERV };
	int rc = getaddrinfo(host, port, &hints, res);

	if (rc) {
		errno = lipc__sock_gai_errno(rc);
		return -1;
	}
	return 0;
}

/* Connecting. */

/*
 * A Unix connect() waits only while the listener's backlog is full, and a non-blocking one
 * then fails with EAGAIN, with nothing to poll() for. So a timed connect blocks with
 * SO_SNDTIMEO, the timeout the kernel applies to exactly that wait, and clears it afterwards
 * (later blocking sends would inherit it).
 */
static int unix_connect(int fd, const struct sockaddr_un *sun, socklen_t len, int timeout_ms,
			const struct lipc__deadline *d)
{
	static const struct timeval forever;
	int r;

	if (timeout_ms == 0) {
		if (lipc__set_nonblock(fd, true) < 0 ||
		    connect(fd, (const struct sockaddr *)sun, len) < 0)
			return -1;
		return lipc__set_nonblock(fd, false);
	}
	do {
		if (timeout_ms > 0) {
			int left = lipc__remaining_ms(d);
			struct timeval tv = lipc__ms_timeval(left);

			if (left == 0)
				return lipc__timed_out(timeout_ms);
			if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
				return -1;
		}
		r = connect(fd, (const struct sockaddr *)sun, len);
	} while (r < 0 && (errno == EINTR || (errno == EAGAIN && timeout_ms > 0)));
	if (r == 0 && timeout_ms > 0)
		return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &forever, sizeof(forever));
	return r;
}

/* TCP: a non-blocking connect and poll() for the handshake, until the deadline. */
static int tcp_connect_one(const struct addrinfo *ai, int timeout_ms,
			   const struct lipc__deadline *d)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1, err = 0, r;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return -1;
	/* A connect() interrupted by a signal goes on in the background, like EINPROGRESS. */
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS && errno != EINTR)
			goto out_close;
		r = lipc__wait_fd(fd, POLLOUT, d);
		if (r < 0)
			goto out_close;
		if (r == 0) {
			lipc__timed_out(timeout_ms);
			goto out_close;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			goto out_close;
		if (err) {
			errno = err;
			goto out_close;
		}
	}
	/* Messages are small and each is written whole: Nagle's delay would only add latency. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    lipc__set_nonblock(fd, false) < 0)
		goto out_close;
	return fd;

out_close:
	lipc__close(fd);
	return -1;
}

static int tcp_connect(const struct lipc__sockaddr *a, int timeout_ms,
		       const struct lipc__deadline *d)
{
	struct addrinfo *res;
	int fd = -1;

	/* No host: getaddrinfo() gives the loopback addresses, ::1 and 127.0.0.1. */
	if (resolve(a->path[0] ? a->path : NULL, a->port, 0, &res) < 0)
		return -1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = tcp_connect_one(ai, timeout_ms, d);
		if (fd >= 0 || errno == ETIMEDOUT || errno == EAGAIN)
			break;
	}
	freeaddrinfo(res);
	return fd;
}

int lipc__sock_connect(const struct lipc__sockaddr *a, int timeout_ms)
{
	struct lipc__deadline d;
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	lipc__deadline_start(&d, timeout_ms);
	if (a->tcp)
		return tcp_connect(a, timeout_ms, &d);
	fd = socket(AF_UNIX, a->type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	len = unix_sockaddr(&sun, a->path);
	if (unix_connect(fd, &sun, len, timeout_ms, &d) < 0) {
		lipc__close(fd);
		return -1;
	}
	return fd;
}

/*
 * What the kernel tells of a Unix socket through sock_diag (man 7 sock_diag), which no socket
 * option tells: the peer of a datagram socket and who created it (connect() records no
 * credentials for datagram sockets: SO_PEERCRED is empty there). One question names one socket
 * by its inode (fstat() of the socket) and gets one answer.
 */
struct diag {
	uint32_t peer; /* UNIX_DIAG_PEER: the inode of the socket it is connected to, 0 if none */
	bool has_uid;  /* UNIX_DIAG_UID (Linux 5.3): the uid that created the socket */
	uid_t uid;
};

static void diag_parse(const struct nlmsghdr *h, struct diag *d)
{
	size_t off = NLMSG_LENGTH(sizeof(struct unix_diag_msg)), end = h->nlmsg_len;

	/* Attributes follow the message, each a struct nlattr and its value, 4-byte aligned. */
	while (off + NLA_HDRLEN <= end) {
		const char *p = (const char *)h + off;
		struct nlattr at;
		size_t len;

		memcpy(&at, p, sizeof(at));
		if (at.nla_len < NLA_HDRLEN || off + at.nla_len > end)
			break;
		len = at.nla_len - NLA_HDRLEN;
		p += NLA_HDRLEN;
		switch (at.nla_type & NLA_TYPE_MASK) {
		case UNIX_DIAG_PEER:
			if (len >= sizeof(d->peer))
				memcpy(&d->peer, p, sizeof(d->peer));
			break;
		case UNIX_DIAG_UID:
			if (len >= sizeof(d->uid)) {
				memcpy(&d->uid, p, sizeof(d->uid));
				d->has_uid = true;
			}
			break;
		default:
			break;
		}
		off += NLA_ALIGN(at.nla_len);
	}
}

/* Ask the netlink socket nl about the Unix socket of inode ino: 0 with *d, or -1 with errno. */
static int diag_ask(int nl, uint32_t ino, uint32_t show, struct diag *d)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req req;
	} rq = { .nh = { .nlmsg_len = sizeof(rq),
			 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST,
			 .nlmsg_seq = ino },
		 .req = { .sdiag_family = AF_UNIX,
			  .udiag_states = ~0u,
			  .udiag_ino = ino,
			  .udiag_show = show,
			  .udiag_cookie = { ~0u, ~0u } } }; /* INET_DIAG_NOCOOKIE: any socket */
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		char buf[4096];
	} ans;
	ssize_t n;

	memset(d, 0, sizeof(*d));
	do
		n = sendto(nl, &rq, sizeof(rq), 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (;;) {
		struct nlmsghdr *h = &ans.nh; /* NLMSG_DATA() casts away const */
		const struct unix_diag_msg *msg = NLMSG_DATA(h);

		do
			n = recv(nl, &ans, sizeof(ans), 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -1;
		/* An exact question (no NLM_F_DUMP) is answered by one message. */
		if ((size_t)n < sizeof(*h) || h->nlmsg_len < sizeof(*h) ||
		    h->nlmsg_len > (size_t)n) {
			errno = EPROTO;
			return -1;
		}
		if (h->nlmsg_seq != ino)
			continue; /* a late answer to an earlier question */
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ? -e->error
											 : EPROTO;
			return -1;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof(*msg)) || msg->udiag_ino != ino) {
			errno = EPROTO;
			return -1;
		}
		diag_parse(h, d);
		return 0;
	}
}

static int diag_open(void)
{
	return socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

/* The inode of socket fd, as sock_diag names it. */
static int sock_ino(int fd, uint32_t *ino)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	*ino = (uint32_t)st.st_ino;
	return 0;
}

/*
 * The uid that created the socket a datagram socket fd is connected to: 0, or -1 with errno
 * (ECONNREFUSED when that socket is gone; EOPNOTSUPP when the kernel does not tell, before
 * Linux 5.3; whatever keeps sock_diag from answering, such as EPROTONOSUPPORT without it).
 */
int lipc__sock_dgram_peer_uid(int fd, uid_t *uid)
{
	struct diag d;
	uint32_t ino;
	int nl, ret = -1;

	if (sock_ino(fd, &ino) < 0)
		return -1;
	nl = diag_open();
	if (nl < 0)
		return -1;
	if (diag_ask(nl, ino, UDIAG_SHOW_PEER, &d) < 0)
		goto out_close;
	/* No peer, or none by the second question: its receiver closed since our connect(). */
	if (d.peer == 0) {
		errno = ECONNREFUSED;
		goto out_close;
	}
	if (diag_ask(nl, d.peer, UDIAG_SHOW_UID, &d) < 0) {
		if (errno == ENOENT)
			errno = ECONNREFUSED;
		goto out_close;
	}
	if (!d.has_uid) {
		errno = EOPNOTSUPP;
		goto out_close;
	}
	*uid = d.uid;
	ret = 0;

out_close:
	lipc__close(nl);
	return ret;
}

/* Listening. */

/*
 * A socket file lives in a directory that others may share (/tmp, /run), and bind() has no *at
 * form. So the directory of the path is pinned once (lipc__open_dir) and everything else goes
 * through that descriptor: the stat and the removal of a stale file, and the check that the file
 * bind() made is there; a probe connect()s to /proc/self/fd/DIRFD/NAME, which reaches the
 * pinned directory whatever happens to the directories above it. Only bind() itself takes the
 * full path, because the name it gives the socket is what clients and /proc/net/unix see.
 */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* "/proc/self/fd/DIRFD/NAME" in buf when /proc is there and it fits sun_path; else NULL. */
static const char *via_proc(char *buf, size_t size, int dirfd, const char *name)
{
	int n = snprintf(buf, size, "/proc/self/fd/%d/%s", dirfd, name);

	if (n < 0 || (size_t)n >= size || n > LIPC_SOCK_PATH_MAX ||
	    access("/proc/self/fd", F_OK) < 0)
		return NULL;
	return buf;
}

/* Does path still lead to the directory dirfd pinned? */
static bool same_dir(int dirfd, const char *path)
{
	struct stat pinned, now;
	const char *name;
	int fd = lipc__open_dir(path, &name);
	bool same;

	if (fd < 0)
		return false;
	same = fstat(dirfd, &pinned) == 0 && fstat(fd, &now) == 0 && same_file(&pinned, &now);
	lipc__close(fd);
	return same;
}

/*
 * Does a socket live behind the socket file name in dirfd (st: its fstatat)? The probe is a
 * datagram socket whatever the type: the kernel answers ECONNREFUSED when no socket is bound to
 * the file, before it compares types, and EPROTOTYPE for a live stream or seqpacket socket
 * without connecting, so the probe never shows up at a live server as a client (EPERM: a
 * datagram socket connected to another, alive too). 1 alive, 0 stale, or -1 with errno: the
 * probe cannot tell (EACCES without write permission on the file), or ENOENT when the name
 * changed meanwhile. Without /proc, or for a name too long for it, the probe takes the full path
 * (when there is one), which must then lead to the file st before and after it.
 */
static int probe_at(int dirfd, const char *name, const char *path, const struct stat *st)
{
	char proc[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *via = via_proc(proc, sizeof(proc), dirfd, name);
	struct sockaddr_un sun;
	struct stat now;
	int fd, r, err;

	if (!via) {
		if (!path || lstat(path, &now) < 0 || !same_file(&now, st))
			goto out_changed;
		via = path;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	r = connect(fd, (struct sockaddr *)&sun, unix_sockaddr(&sun, via));
	err = errno;
	lipc__close(fd);
	if (via == path &&
	    (lstat(path, &now) < 0 || !same_file(&now, st) ||
	     fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 || !same_file(&now, st)))
		goto out_changed; /* the answer may be about another file */
	if (r == 0 || err == EPROTOTYPE || err == EPERM)
		return 1;
	if (err == ECONNREFUSED)
		return 0;
	errno = err;
	return -1;

out_changed:
	errno = ENOENT;
	return -1;
}

/* A fresh name for a placeholder: hidden, and unique to this process and call. */
static void temp_name(char *buf, size_t size)
{
	static _Atomic unsigned seq;

	snprintf(buf, size, ".lipc-stale-%d-%u", (int)getpid(), seq++);
}

/*
 * Names tried for a placeholder. One is taken already only by a leftover of an earlier process
 * that had our pid, or by someone who guesses names: a few more names then, never a loop that
 * another user could keep going.
 */
#define PLACEHOLDER_TRIES 8

/*
 * A placeholder: a stream socket, bound but not listening, at a fresh name tmp in dirfd (bound
 * through /proc/self/fd: its own name does not matter). Where it holds a name, a client is
 * refused (ECONNREFUSED) as by a stale file, and another server's probe finds it alive and
 * keeps off. Its descriptor, with *st its file, or -1 with errno (ENOSYS without /proc).
 */
static int placeholder(int dirfd, char *tmp, size_t size, struct stat *st)
{
	char proc[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	for (int tries = 0;; tries++) {
		temp_name(tmp, size);
		if (!via_proc(proc, sizeof(proc), dirfd, tmp)) {
			errno = ENOSYS;
			goto out_close;
		}
		if (bind(fd, (struct sockaddr *)&sun, unix_sockaddr(&sun, proc)) == 0)
			break;
		if (errno != EADDRINUSE || tries == PLACEHOLDER_TRIES)
			goto out_close;
	}
	if (fstatat(dirfd, tmp, st, AT_SYMLINK_NOFOLLOW) == 0)
		return fd;

out_close:
	lipc__close(fd);
	return -1;
}

/*
 * Close the placeholder pfd and remove its file (pst) from whichever of name and tmp holds it;
 * and should tmp hold anything else (see put_back), remove that too if it is stale. Keeps errno.
 */
static void drop_placeholder(int pfd, int dirfd, const char *name, const char *tmp,
			     const struct stat *pst)
{
	const char *const where[] = { tmp, name };
	int err = errno;

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		struct stat now;

		if (fstatat(dirfd, where[i], &now, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (same_file(&now, pst) || (where[i] == tmp && S_ISSOCK(now.st_mode) &&
					     probe_at(dirfd, tmp, NULL, &now) == 0))
			unlinkat(dirfd, where[i], 0);
	}
	lipc__close(pfd);
	errno = err;
}

/*
 * Give name back what was taken out of it into tmp: an exchange with our placeholder, which
 * holds the name; should someone have removed the placeholder meanwhile, a plain rename that
 * replaces nothing. If both fail (a newcomer took the empty name), it stays at tmp.
 */
static void put_back(int dirfd, const char *tmp, const char *name)
{
	int err = errno;

	if (renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) < 0 && errno == ENOENT)
		renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE);
	errno = err;
}

/*
 * Without an atomic exchange: remove name if it is still the file probed stale (st), checked
 * through the pinned directory. Another server's live socket can take the name between the
 * check and the unlink (the race take_stale() explains), and its inode number may even be the
 * stale file's, reused: only the exchange closes that window.
 */
static int unlink_probed(int dirfd, const char *name, const struct stat *st)
{
	struct stat now;

	if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!same_file(&now, st))
		return 0; /* another file now: bind() again, and a probe if it fails, tell what */
	return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
}

/* The exchange of take_stale(), below. */
static int exchange_stale(int dirfd, const char *name, const struct stat *st)
{
	char tmp[64];
	struct stat pst, out;
	int pfd = placeholder(dirfd, tmp, sizeof(tmp), &pst), r;

	if (pfd < 0)
		return errno == ENOSYS ? unlink_probed(dirfd, name, st) : -1;
	if (renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) < 0) {
		int err = errno;

		drop_placeholder(pfd, dirfd, name, tmp, &pst);
		if (err == EINVAL || err == ENOSYS)
			return unlink_probed(dirfd, name, st);
		if (err == ENOENT)
			return 0; /* someone removed it first */
		errno = err;
		return -1;
	}
	/* The name holds our placeholder, tmp what held the name. */
	r = fstatat(dirfd, tmp, &out, AT_SYMLINK_NOFOLLOW);
	if (r == 0 && !S_ISSOCK(out.st_mode)) {
		errno = S_ISLNK(out.st_mode) ? ELOOP : EEXIST;
		r = -1;
	}
	if (r == 0)
		r = probe_at(dirfd, tmp, NULL, &out);
	if (r == 0) {
		r = unlinkat(dirfd, tmp, 0);
	} else {
		if (r > 0)
			errno = EADDRINUSE;
		put_back(dirfd, tmp, name);
		r = -1;
	}
	drop_placeholder(pfd, dirfd, name, tmp, &pst);
	return r;
}

/*
 * Take the socket file found stale at name in dirfd (st) out of the name, and only a stale one:
 * 0 when the name is free of it (removed here, or by someone else), or -1 with errno
 * (EADDRINUSE when a live socket holds the name now).
 *
 * Checking a name and then removing it is a race: between our probe and our unlink(), another
 * server may have removed the stale file and bound its live socket there, and our unlink()
 * would take that live socket's name (two servers, one unreachable: what this code exists to
 * prevent). Moving the file aside first (RENAME_NOREPLACE) and back if it was not the stale one
 * leaves the name empty in between, and a server that starts in that instant binds it. So the
 * name is never empty: a placeholder socket of ours, alive, is exchanged with whatever holds it
 * (renameat2 RENAME_EXCHANGE, atomic), and what came out is probed again under its temporary
 * name, which only we use. A socket file that no socket is bound to stays dead (a new socket
 * makes a new file), so a dead one is removed, whatever its inode number (which a file system
 * may reuse); a live one is exchanged back, as atomically. Meanwhile a server that starts finds
 * the placeholder alive and keeps off. Two of these exchanges at once could each put back what
 * the other took out, so they take turns: an exclusive flock() on the directory, tried without
 * waiting (a process that holds it for ever must not hang us); when it is taken, another server
 * is replacing the stale file right now, and this one gives way with EADDRINUSE. Where the
 * directory cannot be read (no flock), the file system cannot exchange (EINVAL: some cannot) or
 * /proc is missing, less is possible, and said where it is done.
 */
static int take_stale(int dirfd, const char *name, const struct stat *st)
{
	int lock = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0) {
		lipc__close(lock);
		if (errno == EWOULDBLOCK)
			return lipc__fail_why(EADDRINUSE, "another process is replacing the stale "
							  "socket file there right now");
		lock = -1; /* no lock to be had (ENOLCK): exchange all the same */
	}
	r = exchange_stale(dirfd, name, st);
	if (lock >= 0)
		lipc__close(lock);
	return r;
}

/*
 * bind() found name in dirfd taken: make room, if what is there is a stale socket file. 0 to try
 * bind() again, or -1 with errno: EADDRINUSE when a socket lives there, EEXIST when it is not a
 * socket, ELOOP for a symbolic link (never followed), EACCES and the like when the probe cannot
 * tell (the file is then left alone), ENOENT when the path no longer leads to dirfd.
 */
static int make_room(int dirfd, const char *name, const char *path)
{
	struct stat st;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return -1;
		/* Gone meanwhile, or bind() went to another directory than the one pinned. */
		if (!same_dir(dirfd, path))
			return lipc__fail_why(ENOENT,
					      "a directory on the way to the socket was replaced "
					      "meanwhile: not bound");
		return 0;
	}
	if (!S_ISSOCK(st.st_mode)) {
		errno = S_ISLNK(st.st_mode) ? ELOOP : EEXIST;
		return -1;
	}
	r = probe_at(dirfd, name, path, &st);
	if (r < 0)
		return errno == ENOENT ? 0 : -1;
	if (r > 0) {
		errno = EADDRINUSE; /* alive: never stolen */
		return -1;
	}
	return take_stale(dirfd, name, &st);
}

/*
 * bind() took the full path: check that the file it made is name in the pinned directory (a
 * directory of the path swapped for a link meanwhile would have sent it elsewhere), and fill
 * *made with it: the path and the pinned name must lead to the same socket file. (sock_diag's
 * UNIX_DIAG_VFS would name the very file bound, but in the kernel's own numbering, which
 * overlayfs shows differently to stat() when its layers are on different file systems.) Only a
 * swap there and back between bind() and this check escapes it, and then what was bound is in
 * a directory the swapper chose, and what is recorded for removal is in the one pinned. A file
 * bound elsewhere is left there (it cannot be found safely): stale once the socket closes.
 */
static int check_bound(int dirfd, const char *name, const char *path, struct stat *made)
{
	struct stat there;

	if (fstatat(dirfd, name, made, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(made->st_mode) &&
	    lstat(path, &there) == 0 && same_file(&there, made))
		return 0;
	return lipc__fail_why(ENOENT, "a directory on the way to the socket was replaced "
				      "meanwhile: not bound there");
}

/* Remove name in dirfd if it is still the file made (st); keeps errno. */
static void unlink_made(int dirfd, const char *name, const struct stat *made)
{
	struct stat now;
	int err = errno;

	if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&now, made))
		unlinkat(dirfd, name, 0);
	errno = err;
}

/* Try bind() this often when the name keeps being taken by stale files and placeholders. */
#define BIND_TRIES 64

/*
 * A Unix socket bound at a->path (or @name) and listening; for a path, name in the pinned
 * directory dirfd, and *made its file.
 */
static int unix_listen(const struct lipc__sockaddr *a, mode_t mode, int dirfd, const char *name,
		       struct stat *made)
{
	int type = a->type, one = 1, fd;
	bool file = a->path[0] != '@';
	struct sockaddr_un sun;
	socklen_t len = unix_sockaddr(&sun, a->path);

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/*
	 * bind() creates the file with the socket inode's mode, less the umask: setting it
	 * first means the file never exists with wider permissions, not even for an instant.
	 */
	if (file && fchmod(fd, mode ? mode : 0600) < 0)
		goto out_close;
	/*
	 * Datagrams and records carry their sender's credentials (and seqpacket's end shows), but
	 * only those sent once SO_PASSCRED is on: one that arrives between bind() and the option
	 * is delivered later with the kernel's "unknown" credentials, pid 0 and uid 65534
	 * (overflowuid), which a check for that uid would take as real. So before bind().
	 */
	if (type != SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		goto out_close;
	/*
	 * bind() first: it fails with EADDRINUSE whenever the name is taken, by a live socket, a
	 * stale file or anything else, and only then is the name looked at.
	 */
	for (int tries = 0; bind(fd, (struct sockaddr *)&sun, len) < 0; tries++) {
		if (!file || errno != EADDRINUSE || tries == BIND_TRIES ||
		    make_room(dirfd, name, a->path) < 0)
			goto out_close;
	}
	if (file && check_bound(dirfd, name, a->path, made) < 0)
		goto out_close;
	if (type != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0)
		goto out_unlink;
	return fd;

out_unlink:
	if (file)
		unlink_made(dirfd, name, made);
out_close:
	lipc__close(fd);
	return -1;
}

static int tcp_listen(const struct lipc__sockaddr *a)
{
	struct addrinfo *res;
	int fd = -1, one = 1;

	/* tcp::PORT is for this machine only; every interface must be asked for (0.0.0.0). */
	if (resolve(a->path[0] ? a->path : "127.0.0.1", a->port, AI_PASSIVE, &res) < 0)
		return -1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		/* A port whose last connections linger in TIME_WAIT can be bound again at once. */
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
		    bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
			break;
		lipc__close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * Listen at a parsed socket address; for a Unix path, dirfd pins its directory, name is the
 * entry in it, and *made becomes the socket file.
 */
int lipc__sock_listen(const struct lipc__sockaddr *a, mode_t mode, int dirfd, const char *name,
		      struct stat *made)
{
	return a->tcp ? tcp_listen(a) : unix_listen(a, mode, dirfd, name, made);
}

/* The directory of a Unix socket's path, pinned, or -2 for an address without a file. */
int lipc__sock_pin_dir(const struct lipc__sockaddr *a, const char **name)
{
	*name = NULL;
	if (a->tcp || a->path[0] == '@')
		return -2;
	return lipc__open_dir(a->path, name);
}

/* The public calls. */

int lipc_sock_pair(int sv[2], int type)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (base != SOCK_STREAM && base != SOCK_DGRAM && base != SOCK_SEQPACKET) {
		errno = EINVAL;
		return -1;
	}
	return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv);
}

int lipc_sock_listen(const char *address, mode_t mode)
{
	struct lipc__sockaddr a;
	struct stat made;
	const char *name;
	int dirfd, fd;

	if (parse_sock(&a, address) < 0)
		return -1;
	dirfd = lipc__sock_pin_dir(&a, &name);
	if (dirfd == -1)
		return -1;
	fd = lipc__sock_listen(&a, mode, dirfd, name, &made);
	if (dirfd >= 0)
		lipc__close(dirfd);
	return fd;
}

int lipc_sock_connect(const char *address, int timeout_ms)
{
	struct lipc__sockaddr a;

	if (timeout_ms < -1) {
		errno = EINVAL;
		return -1;
	}
	if (parse_sock(&a, address) < 0)
		return -1;
	return lipc__sock_connect(&a, timeout_ms);
}

int lipc_sock_unlink(const char *address)
{
	struct lipc__sockaddr a;
	struct stat st;
	const char *name;
	int dirfd, ret = -1;

	if (parse_sock(&a, address) < 0)
		return -1;
	dirfd = lipc__sock_pin_dir(&a, &name);
	if (dirfd == -2)
		return 0;
	if (dirfd < 0)
		return -1;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISSOCK(st.st_mode))
			ret = unlinkat(dirfd, name, 0);
		else
			errno = EEXIST; /* a link, even to a socket, is not one */
	}
	lipc__close(dirfd);
	return ret;
}

int lipc_sock_unlink_stale(const char *address)
{
	struct lipc__sockaddr a;
	struct stat st;
	const char *name;
	int dirfd, ret = -1;

	if (parse_sock(&a, address) < 0)
		return -1;
	dirfd = lipc__sock_pin_dir(&a, &name);
	if (dirfd == -2) {
		errno = EINVAL;
		return -1;
	}
	if (dirfd < 0)
		return -1;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto out_close;
	if (!S_ISSOCK(st.st_mode)) {
		errno = S_ISLNK(st.st_mode) ? ELOOP : EEXIST;
		goto out_close;
	}
	ret = probe_at(dirfd, name, a.path, &st);
	if (ret > 0)
		errno = EADDRINUSE;
	ret = ret == 0 ? take_stale(dirfd, name, &st) : -1;

out_close:
	lipc__close(dirfd);
	return ret;
}

ssize_t lipc_sock_send_fds(int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(LIPC_SOCK_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)(uintptr_t)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t sent;
	ssize_t n;

	/* With no data, a stream socket sends nothing at all, descriptors included. */
	if (len == 0 || nfds > LIPC_SOCK_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	/* The descriptors left with the first byte; the rest of a stream's data follows alone. */
	for (sent = (size_t)n; sent < len; sent += (size_t)n) {
		do
			n = send(sock, (const char *)data + sent, len - sent, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			break; /* what was sent counts; the error will show at the next call */
	}
	return (ssize_t)sent;
}

/* Close every descriptor an SCM_RIGHTS message of mh brought, from index keep on. */
static void close_fds(struct msghdr *mh, size_t keep)
{
	size_t seen = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++, seen++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (seen >= keep)
				lipc__close(fd);
		}
	}
}

ssize_t lipc_sock_recv_fds(int sock, void *buf, size_t size, int *fds, size_t *nfds)
{
	/* Credentials come first when SO_PASSCRED is on: room for them too, or MSG_CTRUNC. */
	union {
		char buf[CMSG_SPACE(LIPC_SOCK_FDS_MAX * sizeof(int)) + LIPC__CRED_SPACE];
		struct cmsghdr align;
	} ctl;
	size_t max = *nfds < LIPC_SOCK_FDS_MAX ? *nfds : LIPC_SOCK_FDS_MAX, got = 0;
	struct iovec iov = { buf, size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf };
	ssize_t n;

	*nfds = 0;
	mh.msg_controllen = CMSG_SPACE(max * sizeof(int)) + LIPC__CRED_SPACE;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			got += (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	/*
	 * The kernel installs as many as the buffer holds, which CMSG_SPACE's rounding makes more
	 * than asked for, and drops the rest with MSG_CTRUNC. Half a set is no use to a caller
	 * who cannot tell which half it got: every one of them is closed, and the caller told.
	 */
	if ((mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) || got > max) {
		close_fds(&mh, 0);
		errno = mh.msg_flags & MSG_TRUNC ? EMSGSIZE : ETOOMANYREFS;
		return -1;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds + *nfds, CMSG_DATA(cm), k * sizeof(int));
		*nfds += k;
	}
	return n;
}

int lipc_sock_peercred(int sock, pid_t *pid, uid_t *uid, gid_t *gid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int domain;
	socklen_t dlen = sizeof(domain);

	/*
	 * SO_PEERCRED never fails on a socket: on TCP, or on a Unix socket nobody connected, it
	 * "succeeds" with pid 0 and uid and gid -1. Those are refused here, not handed out.
	 */
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) < 0 ||
	    getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	if (domain != AF_UNIX) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (cred.uid == (uid_t)-1) {
		errno = ENOTCONN;
		return -1;
	}
	if (pid)
		*pid = cred.pid;
	if (uid)
		*uid = cred.uid;
	if (gid)
		*gid = cred.gid;
	return 0;
}

/*
 * One datagram or record from fd into buf: its real length (MSG_TRUNC asks the kernel for
 * it, so a long one is seen, not cut), or -1. *has_cred tells whether credentials came with it.
 * Descriptors someone sent along are closed: the caller asked for bytes only.
 */
ssize_t lipc__sock_recv_packet(int fd, void *buf, size_t size, struct ucred *cred, bool *has_cred)
{
	union {
		char buf[LIPC__CRED_SPACE];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, size };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*has_cred = false;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			memcpy(cred, CMSG_DATA(cm), sizeof(*cred));
			*has_cred = true;
		}
	}
	close_fds(&mh, 0);
	return n;
}

/*
 * recvmmsg() in rounds of PACKETS_ROUND, with the headers on the stack: each packet has a control
 * buffer of its own, with room for its credentials only.
 */
#define PACKETS_ROUND 64

/* One round: recvmsg() for one packet (it costs a little less), recvmmsg() for more. */
static int recv_round(int fd, struct mmsghdr *mh, size_t n)
{
	const int flags = MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC;
	ssize_t len;
	int r;

	if (n > 1) {
		do
			r = recvmmsg(fd, mh, (unsigned)n, flags, NULL);
		while (r < 0 && errno == EINTR);
		return r;
	}
	do
		len = recvmsg(fd, &mh->msg_hdr, flags);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return -1;
	mh->msg_len = (unsigned)len;
	return 1;
}

/* The credentials that came with a packet, if any. */
static bool packet_cred(struct msghdr *mh, struct ucred *cred)
{
	bool has = false;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			memcpy(cred, CMSG_DATA(cm), sizeof(*cred));
			has = true;
		}
	}
	return has;
}

ssize_t lipc__sock_recv_packets(int fd, struct lipc__packet *p, size_t n)
{
	/* CMSG_SPACE() is a multiple of the header's alignment: every buffer stays aligned. */
	struct ctl {
		_Alignas(struct cmsghdr) char buf[LIPC__CRED_SPACE];
	};
	struct mmsghdr mh[PACKETS_ROUND];
	struct iovec iov[PACKETS_ROUND];
	struct ctl ctl[PACKETS_ROUND];
	size_t got = 0;

	while (got < n) {
		size_t want = n - got < PACKETS_ROUND ? n - got : PACKETS_ROUND;
		int r;

		for (size_t i = 0; i < want; i++) {
			struct msghdr *h = &mh[i].msg_hdr;

			iov[i] = (struct iovec){ p[got + i].buf, p[got + i].size };
			*h = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
			h->msg_control = ctl[i].buf;
			h->msg_controllen = sizeof(ctl[i].buf);
		}
		r = recv_round(fd, mh, want);
		if (r < 0)
			return got ? (ssize_t)got : -1;
		for (int i = 0; i < r; i++) {
			struct lipc__packet *pk = &p[got++];

			/* With MSG_TRUNC, msg_len is the real length, as recvmsg() returns it. */
			pk->len = mh[i].msg_len;
			pk->has_cred = packet_cred(&mh[i].msg_hdr, &pk->cred);
			close_fds(&mh[i].msg_hdr, 0);
			/* The end of a connection: the kernel repeats it, it is never followed. */
			if (pk->len == 0 && !pk->has_cred)
				return (ssize_t)got;
		}
		if ((size_t)r < want)
			break; /* nothing more is queued */
	}
	return (ssize_t)got;
}
