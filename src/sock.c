/*
 * Sockets: Unix domain sockets (stream, datagram, seqpacket) and TCP, as channel transports and
 * as a few calls of their own. The traps this file takes care of: a socket file outlives its
 * listener, and bind() then fails with EADDRINUSE, so a stale file is removed, but only after a
 * connect() to it is refused (ECONNREFUSED), which proves nobody listens, and without a window
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
 * here. A receiving channel on a stream or seqpacket socket is a listener that serves all its
 * clients at once through poll(), each connection with its own framing state, so the messages
 * of one client stay whole and in order.
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

/* Room for the credentials the kernel attaches to each message once SO_PASSCRED is on. */
#define CRED_SPACE CMSG_SPACE(sizeof(struct ucred))

static bool is_sock_scheme(enum lipc_scheme s)
{
	return s == LIPC_SCHEME_UNIX || s == LIPC_SCHEME_UNIX_DGRAM ||
	       s == LIPC_SCHEME_UNIX_SEQPACKET || s == LIPC_SCHEME_TCP;
}

static int type_of(enum lipc_scheme s)
{
	return s == LIPC_SCHEME_UNIX_DGRAM	 ? SOCK_DGRAM
	       : s == LIPC_SCHEME_UNIX_SEQPACKET ? SOCK_SEQPACKET
						 : SOCK_STREAM;
}

/* Addresses. */

static int unix_parse(struct lipc_addr *a, const char *where)
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
	return 0;
}

/* HOST:PORT, [IPV6]:PORT or :PORT; the host goes to path (empty: loopback), the port to port. */
static int tcp_parse(struct lipc_addr *a, const char *where)
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
	return 0;

out_inval:
	errno = EINVAL;
	return -1;
}

/* A socket address for a parsed unix path or @name (the length was checked by unix_parse). */
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

/* Parse an address for the public functions, which take sockets only. */
static int parse_sock(struct lipc_addr *a, const char *address)
{
	if (lipc_addr_parse(a, address) < 0)
		return -1;
	if (!is_sock_scheme(a->scheme)) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return 0;
}

/* getaddrinfo()'s failures as errno values that the explain hook can put into words. */
static int gai_errno(int rc)
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
		errno = gai_errno(rc);
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
			struct timeval tv = { .tv_sec = left / 1000,
					      .tv_usec = (left % 1000) * 1000 };

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

static int tcp_connect(const struct lipc_addr *a, int timeout_ms, const struct lipc__deadline *d)
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

static int sock_connect(const struct lipc_addr *a, int timeout_ms)
{
	struct lipc__deadline d;
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	lipc__deadline_start(&d, timeout_ms);
	if (a->scheme == LIPC_SCHEME_TCP)
		return tcp_connect(a, timeout_ms, &d);
	fd = socket(AF_UNIX, type_of(a->scheme) | SOCK_CLOEXEC, 0);
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
static int dgram_peer_uid(int fd, uid_t *uid)
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
		if (errno != EADDRINUSE || tries == 8)
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
static int unix_listen(const struct lipc_addr *a, mode_t mode, int dirfd, const char *name,
		       struct stat *made)
{
	int type = type_of(a->scheme), one = 1, fd;
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

static int tcp_listen(const struct lipc_addr *a)
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
static int sock_listen(const struct lipc_addr *a, mode_t mode, int dirfd, const char *name,
		       struct stat *made)
{
	return a->scheme == LIPC_SCHEME_TCP ? tcp_listen(a)
					    : unix_listen(a, mode, dirfd, name, made);
}

/* The directory of a Unix socket's path, pinned, or -2 for an address without a file. */
static int pin_dir(const struct lipc_addr *a, const char **name)
{
	*name = NULL;
	if (a->scheme == LIPC_SCHEME_TCP || a->path[0] == '@')
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
	struct lipc_addr a;
	struct stat made;
	const char *name;
	int dirfd, fd;

	if (parse_sock(&a, address) < 0)
		return -1;
	dirfd = pin_dir(&a, &name);
	if (dirfd == -1)
		return -1;
	fd = sock_listen(&a, mode, dirfd, name, &made);
	if (dirfd >= 0)
		lipc__close(dirfd);
	return fd;
}

int lipc_sock_connect(const char *address, int timeout_ms)
{
	struct lipc_addr a;

	if (timeout_ms < -1) {
		errno = EINVAL;
		return -1;
	}
	if (parse_sock(&a, address) < 0)
		return -1;
	return sock_connect(&a, timeout_ms);
}

int lipc_sock_unlink(const char *address)
{
	struct lipc_addr a;
	struct stat st;
	const char *name;
	int dirfd, ret = -1;

	if (parse_sock(&a, address) < 0)
		return -1;
	dirfd = pin_dir(&a, &name);
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
	struct lipc_addr a;
	struct stat st;
	const char *name;
	int dirfd, ret = -1;

	if (parse_sock(&a, address) < 0)
		return -1;
	dirfd = pin_dir(&a, &name);
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
		char buf[CMSG_SPACE(LIPC_SOCK_FDS_MAX * sizeof(int)) + CRED_SPACE];
		struct cmsghdr align;
	} ctl;
	size_t max = *nfds < LIPC_SOCK_FDS_MAX ? *nfds : LIPC_SOCK_FDS_MAX, got = 0;
	struct iovec iov = { buf, size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf };
	ssize_t n;

	*nfds = 0;
	mh.msg_controllen = CMSG_SPACE(max * sizeof(int)) + CRED_SPACE;
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
 * The transports. A sender holds one connected socket: a byte stream in chan->st, or a
 * datagram or seqpacket socket in chan->handle. A receiver holds its bound socket in
 * chan->handle (non-blocking: it waits in poll()) and, for connection types, the accepted
 * connections in struct sock.
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
	struct ucred cred;	/* SO_PEERCRED: who connected */
	bool has_cred;
	bool ready; /* poll() said readable and no read has said EAGAIN since */
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
	struct pollfd *pfds; /* the listener, then each connection */
	size_t n, cap;
	size_t next;	 /* the connection to look at first, so that none starves the others */
	bool served;	 /* a client was accepted: the last one leaving ends the stream */
	char *buf;	 /* datagrams and records: the last one received */
	size_t buf_size; /* max_msg */

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

/* Drop the connections that ended, keeping the order of the others. */
static void sweep(struct sock *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->conns[i].gone)
			conn_close(s, &s->conns[i]);
		else
			s->conns[k++] = s->conns[i];
	}
	if (k < s->n)
		s->paused = false; /* a descriptor came back */
	s->n = k;
	if (s->next >= s->n)
		s->next = 0;
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
			char buf[CRED_SPACE];
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
	 * that, and packet_take() needs it to tell an empty record from the end.
	 */
	if (s->type == SOCK_SEQPACKET &&
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		goto out_shed;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct conn *conns = realloc(s->conns, cap * sizeof(*conns));
		struct pollfd *pfds;

		if (conns)
			s->conns = conns;
		pfds = conns ? realloc(s->pfds, (cap + 1) * sizeof(*pfds)) : NULL;
		if (!pfds)
			goto out_shed;
		s->pfds = pfds;
		s->cap = cap;
	}
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
 * One datagram or record from fd into s->buf: its real length (MSG_TRUNC asks the kernel for
 * it, so a long one is seen, not cut), or -1. *has_cred tells whether credentials came with it.
 * Descriptors someone sent along are closed: a channel carries bytes only.
 */
static ssize_t read_packet(struct sock *s, int fd, struct ucred *cred, bool *has_cred)
{
	union {
		char buf[CRED_SPACE];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { s->buf, s->buf_size };
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

static int alloc_buf(struct lipc_chan *c)
{
	struct sock *s = c->priv;

	if (s->buf)
		return 0;
	s->buf = malloc(c->max_msg);
	if (!s->buf)
		return -1;
	s->buf_size = c->max_msg;
	return 0;
}

static void give_cred(struct lipc_msg *m, const struct ucred *cred)
{
	m->pid = cred->pid;
	m->uid = cred->uid;
	m->gid = cred->gid;
	m->has |= LIPC_MSG_CRED;
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

/* The next record of a seqpacket connection: 1, 0 when it has none now, -1. */
static int packet_take(struct lipc_chan *c, struct conn *cn, struct lipc_msg *m)
{
	struct sock *s = c->priv;
	struct ucred cred;
	bool has_cred;
	ssize_t n;

	if (!cn->ready)
		return 0;
	n = read_packet(s, cn->st.fd, &cred, &has_cred);
	if (n < 0) {
		if (errno == EAGAIN) {
			cn->ready = false;
			return 0;
		}
		if (errno == ECONNRESET) {
			cn->gone = true;
			return 0;
		}
		cn->gone = true;
		return -1;
	}
	/*
	 * An empty record and the end of the connection both read as 0 bytes; only a record
	 * carries credentials (SO_PASSCRED is on), so their absence is the end.
	 */
	if (n == 0 && !has_cred) {
		cn->gone = true;
		return 0;
	}
	if ((size_t)n > s->buf_size) {
		errno = EMSGSIZE; /* that record is gone; the connection goes on */
		return -1;
	}
	m->data = s->buf;
	m->len = (size_t)n;
	return 1;
}

/* One round over the connections, from s->next on: 1 with a message, 0 when none has one. */
static int take_any(struct lipc_chan *c, struct lipc_msg *m)
{
	struct sock *s = c->priv;

	for (size_t k = 0; k < s->n; k++) {
		size_t i = (s->next + k) % s->n;
		struct conn *cn = &s->conns[i];
		int r;

		if (cn->gone)
			continue;
		r = s->type == SOCK_SEQPACKET ? packet_take(c, cn, m) : stream_take(c, cn, m);
		if (r == 0)
			continue;
		if (r > 0) {
			s->next = i + 1;
			if (cn->has_cred)
				give_cred(m, &cn->cred);
		}
		return r;
	}
	return 0;
}

/* Is a client waiting in the listener's backlog? */
static bool pending(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

static int listener_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct sock *s = c->priv;
	struct lipc__deadline d;

	if (s->type == SOCK_SEQPACKET && alloc_buf(c) < 0)
		return -1;
	lipc__deadline_start(&d, c->timeout_ms);
	for (;;) {
		int r = take_any(c, m);
		size_t n;

		sweep(s);
		if (r != 0)
			return r;
		/* Every client came and went; one still in the backlog is served first. */
		if (s->n == 0 && s->served && !(c->flags & LIPC_CHAN_KEEP) && !pending(c->handle))
			return 0;
		/* Not polled while there is no descriptor to accept with: it would wake at once. */
		s->pfds[0] = (struct pollfd){ .fd = s->paused ? -1 : c->handle, .events = POLLIN };
		for (size_t i = 0; i < s->n; i++) {
			if (s->type == SOCK_STREAM)
				conn_trim(s, &s->conns[i]);
			s->pfds[i + 1] =
				(struct pollfd){ .fd = s->conns[i].st.fd, .events = POLLIN };
		}
		n = s->n;
		r = poll(s->pfds, n + 1, lipc__remaining_ms(&d));
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0)
			return lipc__timed_out(c->timeout_ms);
		if (r < 0)
			continue;
		/* POLLHUP and POLLERR count too: the read then sees the end or the error. */
		for (size_t i = 0; i < n; i++)
			if (s->pfds[i + 1].revents)
				s->conns[i].ready = true;
		if (s->pfds[0].revents && accept_all(c) < 0)
			return -1;
	}
}

static int dgram_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct sock *s = c->priv;
	struct lipc__deadline d;

	if (alloc_buf(c) < 0)
		return -1;
	lipc__deadline_start(&d, c->timeout_ms);
	for (;;) {
		struct ucred cred;
		bool has_cred;
		ssize_t n = read_packet(s, c->handle, &cred, &has_cred);

		if (n < 0) {
			int r;

			if (errno != EAGAIN)
				return -1;
			r = lipc__wait_fd(c->handle, POLLIN, &d);
			if (r < 0)
				return -1;
			if (r == 0)
				return lipc__timed_out(c->timeout_ms);
			continue;
		}
		has_cred = has_cred && cred_known(&cred);
		/* A datagram from someone not allowed is dropped, unread, as if never sent. */
		if ((c->flags & LIPC_CHAN_ALLOW_UID) && (!has_cred || cred.uid != c->allow_uid))
			continue;
		if ((size_t)n > s->buf_size) {
			errno = EMSGSIZE;
			return -1;
		}
		m->data = s->buf;
		m->len = (size_t)n;
		if (has_cred)
			give_cred(m, &cred);
		return 1;
	}
}

static int sock_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct sock *s = c->priv;

	return s->type == SOCK_DGRAM ? dgram_recv(c, m) : listener_recv(c, m);
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

static int sock_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	struct sock *s = c->priv;

	/* A stream sender switches its descriptor's mode; the others wait in poll() anyway. */
	if (c->role == LIPC_CHAN_SEND && s->type == SOCK_STREAM)
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
	if (c->st.fd >= 0 && close(c->st.fd) < 0)
		ret = -1;
	if (c->handle >= 0 && close(c->handle) < 0)
		ret = -1;
	free(s->conns);
	free(s->pfds);
	free(s->buf);
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
	int r = type == SOCK_DGRAM ? dgram_peer_uid(fd, &uid)
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

static int open_sender(struct lipc_chan *c, const struct lipc_addr *a,
		       const struct lipc_chan_opts *o)
{
	struct sock *s = c->priv;
	int fd, sndbuf;
	socklen_t len = sizeof(sndbuf);

	if (a->scheme == LIPC_SCHEME_TCP && !strcmp(a->port, "0")) {
		errno = EINVAL; /* port 0 is for a listener to have one chosen */
		return -1;
	}
	fd = sock_connect(a, o->timeout_ms);
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

static int open_receiver(struct lipc_chan *c, const struct lipc_addr *a,
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
	/* Room for the listener's pollfd before any client comes. */
	s->pfds = malloc(sizeof(*s->pfds));
	if (!s->pfds)
		return -1;
	dirfd = pin_dir(a, &name);
	if (dirfd == -1)
		return -1;
	/* From bind() to the hook, no signal: the hook's handler must know what to remove. */
	lipc__signals_hold(&held, o);
	c->handle = sock_listen(a, o->mode, dirfd, name, &st);
	r = c->handle < 0 ? -1 : dirfd >= 0 ? lipc__own(c, dirfd, name, &st, o) : 0;
	lipc__signals_release(&held);
	if (dirfd >= 0)
		lipc__close(dirfd);
	if (r < 0 || (s->type != SOCK_DGRAM && bound_listener(c, o) < 0))
		return -1;
	return lipc__set_nonblock(c->handle, true);
}

static int sock_open(struct lipc_chan *c, const struct lipc_addr *a, const struct lipc_chan_opts *o)
{
	struct sock *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->type = type_of(a->scheme);
	s->tcp = a->scheme == LIPC_SCHEME_TCP;
	s->spare = -1;
	if (!s->tcp) {
		size_t n = strnlen(a->path, sizeof(s->path) - 1); /* checked by unix_parse */

		memcpy(s->path, a->path, n);
		s->path[n] = '\0';
	}
	c->priv = s;
	if ((c->role == LIPC_CHAN_SEND ? open_sender(c, a, o) : open_receiver(c, a, o)) < 0) {
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
	int fd = c->role == LIPC_CHAN_RECV ? c->handle : c->st.fd, rc, n;

	if ((c->role == LIPC_CHAN_RECV ? getsockname(fd, (struct sockaddr *)&ss, &len)
				       : getpeername(fd, (struct sockaddr *)&ss, &len)) < 0)
		return -1;
	rc = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port, sizeof(port),
			 NI_NUMERICHOST | NI_NUMERICSERV);
	if (rc) {
		errno = gai_errno(rc);
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
		.send = sock_send, .recv = sock_recv, .set_timeout = sock_set_timeout,             \
		.close = sock_close, .explain = sock_explain, .address = sock_address,             \
	}

const struct lipc_transport lipc__unix_transport =
	SOCK_TRANSPORT("unix", LIPC_SCHEME_UNIX, unix_parse);
const struct lipc_transport lipc__unix_dgram_transport =
	SOCK_TRANSPORT("unix-dgram", LIPC_SCHEME_UNIX_DGRAM, unix_parse);
const struct lipc_transport lipc__unix_seqpacket_transport =
	SOCK_TRANSPORT("unix-seqpacket", LIPC_SCHEME_UNIX_SEQPACKET, unix_parse);
const struct lipc_transport lipc__tcp_transport = SOCK_TRANSPORT("tcp", LIPC_SCHEME_TCP, tcp_parse);
