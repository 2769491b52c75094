/* SPDX-License-Identifier: MIT */
/*
 * Sockets: Unix domain sockets join processes of one machine through a path in the file system
 * (or a name in the abstract namespace, "@name", that leaves no file), in three types: a byte
 * stream (SOCK_STREAM), datagrams that keep their boundaries (SOCK_DGRAM), and a connection
 * that keeps boundaries and order (SOCK_SEQPACKET). The kernel vouches for each peer's pid, uid
 * and gid, and can pass open file descriptors between processes. TCP is the same byte stream
 * across machines. The channel (lipc/chan.h) speaks all of them through the addresses
 * unix:PATH, unix-dgram:PATH, unix-seqpacket:PATH (PATH or @NAME) and tcp:HOST:PORT; the
 * functions here are for programs that want the sockets themselves.
 *
 * Through the channel, a receiver listens (removing its socket file at close) and serves every
 * client at once, each on its own connection, so each client's messages stay whole and in
 * order; Unix messages carry their sender's pid, uid and gid (LIPC_MSG_CRED), except where the
 * kernel could not fill them in (pid 0: a peer in a pid namespace this process cannot see), and
 * such a sender never passes LIPC_CHAN_ALLOW_UID. A datagram receiver asks for credentials
 * before its address exists, so none arrives without them. The stream ends when the last
 * client has gone, unless LIPC_CHAN_KEEP; unix-dgram: has no end. Unlike a single stream, a
 * listener goes on after an error of one client: a client whose stream breaks off inside a
 * message (EPROTO) or that sends more than max_msg (EMSGSIZE) is disconnected, that one
 * lipc_chan_recv() fails, and the next serves the others; an oversized datagram or record is
 * dropped the same way. A sender connects; when the receiver has gone, sends fail with EPIPE
 * and never raise SIGPIPE.
 *
 * A listener (unix:, unix-seqpacket:, tcp:) is bounded, so that no client, however many or slow,
 * ends lipc_chan_recv() or stalls the others. It serves at most opts.max_clients clients at once;
 * 0 means half the soft descriptor limit (RLIMIT_NOFILE, ulimit -n), at most 1024 and at least 1.
 * A client beyond, or one that accept() finds no descriptor for (EMFILE, ENFILE: a spare
 * descriptor is kept to accept and close it), is the newest and is shed: its connection is closed
 * at once (its next send fails with EPIPE or ECONNRESET; a TCP one is reset), quietly for the
 * receiver, which goes on serving the others; a client that has just left makes room first. The
 * memory held for messages not yet whole is bounded per client (a whole message, max_msg) and in
 * all: at most 4 messages of max_msg, so that a few clients may send the largest message at the
 * same time, plus 16 KiB for each client the listener may serve, so that clients of small messages
 * never crowd each other out (at most 20 MiB with the defaults). When a read would go beyond, the
 * client holding the most bytes of an unfinished message is shed the same way.
 *
 * A Unix sender joins only a receiver that runs as its own effective uid, as root, or as
 * opts.owner with LIPC_CHAN_OWNER (the join policy of lipc/chan.h): anyone may listen on an
 * abstract name, or on a path in a directory others may write, before the real receiver starts.
 * A stream or seqpacket receiver's uid is the one SO_PEERCRED recorded when it called listen();
 * a datagram socket records none, so the uid that created the socket the sender is connected
 * to comes from the kernel's sock_diag interface (NETLINK_SOCK_DIAG, UNIX_DIAG_UID, Linux 5.3),
 * exact for paths and abstract names alike. Another uid, or one that cannot be told (a kernel
 * without unix_diag), fails lipc_chan_open() with EPERM before anything is sent, and
 * lipc_addr_strerror() names the uid. TCP tells no uid: the policy does not apply to it.
 */
#ifndef LIPC_SOCK_H
#define LIPC_SOCK_H

#include <stddef.h>
#include <sys/types.h>

/* The longest Unix socket path (sun_path holds 108 bytes with its NUL) or abstract name. */
#define LIPC_SOCK_PATH_MAX 107

/* The most descriptors one message carries (the kernel's SCM_MAX_FD). */
#define LIPC_SOCK_FDS_MAX 253

/*
 * A connected pair of Unix sockets, for related processes: type is SOCK_STREAM, SOCK_DGRAM or
 * SOCK_SEQPACKET, optionally with SOCK_NONBLOCK; SOCK_CLOEXEC is always added. Returns 0, or -1
 * with errno.
 */
int lipc_sock_pair(int sv[2], int type);

/*
 * A socket bound at address (unix:, unix-dgram:, unix-seqpacket: or tcp:), listening when the type
 * has connections. A Unix socket file is created with mode (0 means 0600; the umask applies); a
 * socket file already there is replaced only when a connect() to it is refused (ECONNREFUSED:
 * nobody listens); a live one is never stolen, and of several servers started at once on one stale
 * file exactly one binds it: the stale file is taken out by an atomic exchange with a placeholder
 * socket (renameat2 RENAME_EXCHANGE, under an flock() of the directory), so the name is never empty
 * while it is checked. Every lookup and removal goes through the directory as it was when the call
 * began, never through a path looked at again. While another process replaces a stale file there,
 * this call fails with EADDRINUSE. tcp::PORT binds the loopback address 127.0.0.1, tcp:0.0.0.0:PORT
 * every IPv4 interface; port 0 picks a free port (getsockname() tells which). Returns the
 * descriptor (O_CLOEXEC), or -1 with errno: EADDRINUSE when someone listens there, EEXIST when the
 * path holds something else, ELOOP when it is a symbolic link, EPROTONOSUPPORT for an address that
 * is not a socket's. Remove the file with lipc_sock_unlink() when done.
 */
int lipc_sock_listen(const char *address, mode_t mode);

/*
 * A socket connected to address, waiting at most timeout_ms (-1 for ever, 0 not at all) for
 * room in the listener's backlog or for the TCP handshake; for tcp:HOST:PORT, every address the
 * name resolves to is tried in turn (tcp::PORT means localhost). The descriptor (O_CLOEXEC,
 * blocking), or -1 with errno: ECONNREFUSED when nobody listens, ENOENT when there is no such
 * path, ETIMEDOUT (EAGAIN with timeout 0), ENXIO when a host name does not resolve.
 */
int lipc_sock_connect(const char *address, int timeout_ms);

/*
 * Remove the socket file of a Unix address, looked up and removed through its directory without
 * following a link. Returns 0 (also for abstract names and TCP, which have no file), or -1 with
 * errno: EEXIST when the path is not a socket (a symbolic link is not one).
 */
int lipc_sock_unlink(const char *address);

/*
 * Remove the socket file of a Unix address, but only when nobody listens on it any more: a datagram
 * probe (which a live server never sees as a client) must be refused with ECONNREFUSED, and the
 * file removed is a dead one, taken out as lipc_sock_listen() does. For cleaning up after a program
 * that died. Returns 0, or -1 with errno: EADDRINUSE when a socket is alive there, ENOENT, EEXIST
 * when the path is not a socket, ELOOP when it is a symbolic link (never followed), EACCES and the
 * like when the probe cannot tell (the file is then left alone), EINVAL for an abstract name or
 * TCP, which have no file.
 */
int lipc_sock_unlink_stale(const char *address);

/*
 * Send len bytes (at least one: a stream carries descriptors only along with data) and the
 * nfds open descriptors fds (at most LIPC_SOCK_FDS_MAX) over a Unix socket (SCM_RIGHTS). The
 * receiver gets new descriptors for the same open files; the sender's stay open. Never raises
 * SIGPIPE. Returns the count of bytes sent, as send(2) does, or -1 with errno.
 */
ssize_t lipc_sock_send_fds(int sock, const void *data, size_t len, const int *fds, size_t nfds);

/*
 * Receive up to size bytes and at most *nfds descriptors into fds[] (O_CLOEXEC); *nfds is then
 * the count received. Returns the count of bytes (0 at end of stream), or -1 with errno and no
 * descriptor left open: ETOOMANYREFS when more descriptors came than *nfds (or than the process
 * could take), EMSGSIZE when a datagram or seqpacket record was longer than size. Either way the
 * message is consumed: the sender and the receiver disagree about the protocol.
 */
ssize_t lipc_sock_recv_fds(int sock, void *buf, size_t size, int *fds, size_t *nfds);

/*
 * The credentials of the process at the other end of a connected Unix socket, as the kernel
 * recorded them at connect() or socketpair() (SO_PEERCRED); any pointer may be NULL. The pid
 * is 0 when the peer lives in a pid namespace this process cannot see. Returns 0, or -1 with
 * errno: ENOPROTOOPT for a socket that is not a Unix one (TCP has no such thing), ENOTCONN when
 * the kernel recorded nobody (on such sockets, SO_PEERCRED itself "succeeds" with uid -1).
 */
int lipc_sock_peercred(int sock, pid_t *pid, uid_t *uid, gid_t *gid);

#endif
