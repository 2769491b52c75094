/*
 * Sockets: Unix domain sockets (stream, datagram, seqpacket) and TCP, as channel transports and
 * as a few calls of their own. The traps this file takes care of: a socket file outlives its
 * listener, and bind() then fails with EADDRINUSE, so a stale file is removed, but only after a
 * connect() to it is refused (ECONNREFUSED), which proves nobody listens; a path longer than
 * sun_path holds (107 bytes) is refused, where the kernel would bind a truncated name; writing
 * to a socket whose peer is gone raises SIGPIPE unless the send says MSG_NOSIGNAL; a datagram
 * longer than the buffer is cut silently unless the receiver checks MSG_TRUNC; and descriptors
 * passed with SCM_RIGHTS are installed in the receiver even when it did not ask for them (the
 * kernel fills whatever the control buffer has room for, and CMSG_SPACE rounds it up), so every
 * one beyond the count asked for is closed here. A receiving channel on a stream or seqpacket
 * socket is a listener that serves all its clients at once through poll(), each connection
 * with its own framing state, so the messages of one client stay whole and in order.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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
 * credentials for datagram sockets: SO_PEERCRED is empty there), and the file a socket is bound
 * to. One question names one socket by its inode (fstat() of the socket) and gets one answer.
 */
struct diag {
	uint32_t peer; /* UNIX_DIAG_PEER: the inode of the socket it is connected to, 0 if none */
	bool has_uid;  /* UNIX_DIAG_UID (Linux 5.3): the uid that created the socket */
	uid_t uid;
	bool has_vfs; /* UNIX_DIAG_VFS: the file it is bound to (an inode cut to 32 bits) */
	struct unix_diag_vfs vfs;
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
		case UNIX_DIAG_VFS:
			if (len >= sizeof(d->vfs)) {
				memcpy(&d->vfs, p, sizeof(d->vfs));
				d->has_vfs = true;
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
		const struct nlmsghdr *h = &ans.nh;
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
 * Remove the socket file at path if nobody listens on it (a connect() to it is refused):
 * 0, or -1 with EADDRINUSE when it is alive, ENOENT when nothing (or no longer the same file) is
 * there, EEXIST or ELOOP when it is not a socket. The probe is a datagram socket whatever the
 * type: the kernel answers ECONNREFUSED when no socket is bound to the file, before it compares
 * types, and EPROTOTYPE for a live stream or seqpacket listener without connecting, so the probe
 * never shows up at a live server as a client.
 */
static int remove_stale(const char *path)
{
	struct sockaddr_un sun;
	struct stat st, again;
	int probe, r, err;

	if (lstat(path, &st) < 0)
		return -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = S_ISLNK(st.st_mode) ? ELOOP : EEXIST;
		return -1;
	}
	probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -1;
	r = connect(probe, (struct sockaddr *)&sun, unix_sockaddr(&sun, path));
	err = errno;
	close(probe);
	if (r == 0 || err == EPROTOTYPE) {
		errno = EADDRINUSE; /* alive: never stolen */
		return -1;
	}
	if (err != ECONNREFUSED) {
		errno = err; /* EACCES, say: we cannot tell, so we do not touch it */
		return -1;
	}
	/* Remove the very file we probed; a newcomer's socket under the name stays. */
	if (lstat(path, &again) < 0)
		return -1;
	if (again.st_dev != st.st_dev || again.st_ino != st.st_ino) {
		errno = ENOENT; /* the one probed is gone: someone else removed it */
		return -1;
	}
	return unlink(path);
}

/* Make room for a new socket at path: nothing there is fine, a stale socket is removed. */
static int clear_stale(const char *path)
{
	return remove_stale(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int unix_listen(const struct lipc_addr *a, mode_t mode, struct stat *made)
{
	int type = type_of(a->scheme), one = 1, fd;
	bool file = a->path[0] != '@';
	struct sockaddr_un sun;
	socklen_t len = unix_sockaddr(&sun, a->path);

	if (file && clear_stale(a->path) < 0)
		return -1;
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
	if (bind(fd, (struct sockaddr *)&sun, len) < 0)
		goto out_close;
	if (file && made && lstat(a->path, made) < 0)
		goto out_unlink;
	if (type != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0)
		goto out_unlink;
	return fd;

out_unlink:
	if (file)
		lipc__unlink(a->path);
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

static int sock_listen(const struct lipc_addr *a, mode_t mode, struct stat *made)
{
	return a->scheme == LIPC_SCHEME_TCP ? tcp_listen(a) : unix_listen(a, mode, made);
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

	if (parse_sock(&a, address) < 0)
		return -1;
	return sock_listen(&a, mode, NULL);
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

	if (parse_sock(&a, address) < 0)
		return -1;
	if (a.scheme == LIPC_SCHEME_TCP || a.path[0] == '@')
		return 0;
	if (lstat(a.path, &st) < 0)
		return -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	return unlink(a.path);
}

int lipc_sock_unlink_stale(const char *address)
{
	struct lipc_addr a;

	if (parse_sock(&a, address) < 0)
		return -1;
	if (a.scheme == LIPC_SCHEME_TCP || a.path[0] == '@') {
		errno = EINVAL;
		return -1;
	}
	return remove_stale(a.path);
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
};

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
};

static void conn_close(struct conn *cn)
{
	lipc__close(cn->st.fd);
	lipc__stream_free(&cn->st);
}

/* Drop the connections that ended, keeping the order of the others. */
static void sweep(struct sock *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->conns[i].gone)
			conn_close(&s->conns[i]);
		else
			s->conns[k++] = s->conns[i];
	}
	s->n = k;
	if (s->next >= s->n)
		s->next = 0;
}

/* Accept every pending client; a refused one is closed at once and never counts. */
static int accept_all(struct lipc_chan *c)
{
	struct sock *s = c->priv;
	int one = 1;

	for (;;) {
		struct conn cn = { .ready = true };
		socklen_t len = sizeof(cn.cred);
		int fd = accept4(c->handle, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			/* ECONNABORTED: that client left while it waited; others may be there. */
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		if (!s->tcp) {
			if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cn.cred, &len) < 0) {
				lipc__close(fd);
				return -1;
			}
			cn.has_cred = cred_known(&cn.cred);
		}
		if ((c->flags & LIPC_CHAN_ALLOW_UID) &&
		    (!cn.has_cred || cn.cred.uid != c->allow_uid)) {
			close(fd);
			continue;
		}
		/*
		 * Recent kernels copy SO_PASSCRED from the listener; setting it here does not
		 * depend on that, and packet_take() needs it to tell an empty record from the end.
		 */
		if (s->type == SOCK_SEQPACKET &&
		    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
			lipc__close(fd);
			return -1;
		}
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 4;
			struct conn *conns = realloc(s->conns, cap * sizeof(*conns));
			struct pollfd *pfds;

			if (conns)
				s->conns = conns;
			pfds = conns ? realloc(s->pfds, (cap + 1) * sizeof(*pfds)) : NULL;
			if (!pfds) {
				lipc__close(fd);
				return -1;
			}
			s->pfds = pfds;
			s->cap = cap;
		}
		lipc__stream_init(&cn.st, fd, true);
		s->conns[s->n++] = cn;
		s->served = true;
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
		s->pfds[0] = (struct pollfd){ .fd = c->handle, .events = POLLIN };
		for (size_t i = 0; i < s->n; i++)
			s->pfds[i + 1] =
				(struct pollfd){ .fd = s->conns[i].st.fd, .events = POLLIN };
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
		conn_close(&s->conns[i]);
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

	/* TCP knows no peer credentials: a filter on them would silently let everyone in. */
	if (s->tcp && (c->flags & LIPC_CHAN_ALLOW_UID)) {
		errno = EINVAL;
		return -1;
	}
	/* Room for the listener's pollfd before any client comes. */
	s->pfds = malloc(sizeof(*s->pfds));
	if (!s->pfds)
		return -1;
	c->handle = sock_listen(a, o->mode, &st);
	if (c->handle < 0)
		return -1;
	if (!s->tcp && a->path[0] != '@') {
		const char *name;
		int dirfd = lipc__open_dir(a->path, &name), r;

		if (dirfd < 0) {
			lipc__unlink(a->path);
			return -1;
		}
		r = lipc__own(c, dirfd, name, &st, o);
		lipc__close(dirfd);
		if (r < 0)
			return -1;
	}
	return lipc__set_nonblock(c->handle, true);
}

static int sock_open(struct lipc_chan *c, const struct lipc_addr *a, const struct lipc_chan_opts *o)
{
	struct sock *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->type = type_of(a->scheme);
	s->tcp = a->scheme == LIPC_SCHEME_TCP;
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
		return "the receiver has gone";
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
