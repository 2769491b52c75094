/* SPDX-License-Identifier: MIT */
/*
 * The channel: every message-passing mechanism behind one address syntax and a few calls, so a
 * program (lipc send/recv, the benchmark, the tests) treats them alike. An address is
 * SCHEME:WHERE, for example fifo:/tmp/jobs. Byte streams (FIFOs, pipes, stream sockets) carry
 * one message per line by default, so plain tools such as cat and echo can talk to a channel;
 * with LIPC_CHAN_FRAMED each message is a 4-byte big-endian length and that many bytes, so
 * messages may hold any byte, newlines included, and a message cut by a writer's death is an
 * error (EPROTO) where line mode would deliver the cut line as the last message. Mechanisms with
 * their own message boundaries (queues, datagrams) carry any byte either way.
 */
#ifndef LIPC_CHAN_H
#define LIPC_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/ipc.h> /* key_t, whatever the feature macros */
#include <sys/stat.h>
#include <sys/types.h>

#include "lipc/lipc.h"

/* The mechanism an address names (the values are ABI: new schemes take new numbers). */
enum lipc_scheme {
	LIPC_SCHEME_FIFO = 0,		/* fifo:PATH */
	LIPC_SCHEME_MQ = 1,		/* mq:/NAME, a POSIX message queue */
	LIPC_SCHEME_SYSV_MQ = 2,	/* sysv-mq:KEY, a System V message queue */
	LIPC_SCHEME_UNIX = 3,		/* unix:PATH or unix:@NAME, a Unix stream socket */
	LIPC_SCHEME_UNIX_DGRAM = 4,	/* unix-dgram:PATH or unix-dgram:@NAME */
	LIPC_SCHEME_UNIX_SEQPACKET = 5, /* unix-seqpacket:PATH or unix-seqpacket:@NAME */
	LIPC_SCHEME_TCP = 6,		/* tcp:HOST:PORT, tcp:[IPV6]:PORT, tcp::PORT (loopback) */
	LIPC_SCHEME_SHM = 7,		/* shm:/NAME, the LinuxIPC shared-memory ring */
	LIPC_SCHEME_STDIO = 8,		/* stdio:, standard input or output (since 1.2) */
	/*
	 * Since 1.3, the ring's other modes (lipc/ring.h, "Many writers, many readers"): each
	 * creates a ring of its mode when there is none, and joins only a ring of its mode
	 * (another is EPROTO, and lipc_addr_strerror() names the ring's mode); shm:/NAME joins a
	 * ring of any mode, in that mode, and creates a point-to-point one.
	 */
	LIPC_SCHEME_SHM_MULTI = 9,  /* shm-multi:/NAME, many producers, one consumer */
	LIPC_SCHEME_SHM_PUB = 10,   /* shm-pub:/NAME, one producer, many consumers, lossless */
	LIPC_SCHEME_SHM_LOSSY = 11, /* shm-lossy:/NAME, one producer, many consumers, lossy */
};

/* The room for a TCP host in struct lipc_addr, its NUL included (glibc's NI_MAXHOST). */
#define LIPC_ADDR_HOST_MAX 1025

/*
 * A parsed address, each part in a field of its own. path points into the text that
 * lipc_addr_parse() read (the part after the scheme), so it is valid as long as that text is,
 * and the struct holds no path buffer whose size would limit a path or fix the ABI.
 */
struct lipc_addr {
	size_t struct_size;	       /* sizeof(struct lipc_addr): see LIPC_ADDR_INIT */
	enum lipc_scheme scheme;       /* the mechanism */
	const char *path;	       /* fifo, unix*: PATH or @NAME; mq, shm*: /NAME; else NULL */
	char host[LIPC_ADDR_HOST_MAX]; /* tcp: the host, without brackets; "" is the loopback */
	unsigned port;		       /* tcp: the port, 0 to 65535 */
	key_t key;		       /* sysv-mq: the key, as lipc_key_parse() reads it */
};

/* Every struct a caller allocates begins with struct_size: see lipc/version.h. */
#define LIPC_ADDR_INIT                                                                             \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_addr)                                            \
	}

/*
 * Parse "SCHEME:WHERE" into addr. Returns 0, or -1 with errno: EPROTONOSUPPORT for an unknown
 * scheme (lipc_addr_schemes() lists the known ones), EINVAL for a malformed address,
 * ENAMETOOLONG for a path or name too long for the mechanism.
 */
int lipc_addr_parse(struct lipc_addr *addr, const char *text);

/* The known schemes, as a comma-separated list for messages ("fifo, ..."). */
const char *lipc_addr_schemes(void);

/*
 * Describe err as it applies to the mechanism of addr (for example ENXIO on a FIFO: "no process
 * has the FIFO open for reading"); falls back to strerror(err). Right after a channel call of
 * this thread failed, the text may name the limit behind the failure and its value ("message of
 * 9000 bytes is over the queue's limit of 8192 bytes (mq_msgsize)").
 */
const char *lipc_addr_strerror(const struct lipc_addr *addr, int err);

/* Option flags. */
#define LIPC_CHAN_FRAMED    0x1	 /* byte streams: length-prefixed frames instead of lines */
#define LIPC_CHAN_KEEP	    0x2	 /* recv: go on when the last sender leaves (no end of stream) */
#define LIPC_CHAN_NOERROR   0x4	 /* sysv-mq recv: truncate a message over max_msg (MSG_NOERROR) */
#define LIPC_CHAN_ALLOW_UID 0x8	 /* unix* recv: accept only senders whose uid is allow_uid */
#define LIPC_CHAN_SPIN	    0x10 /* shm: busy-poll instead of sleeping (one CPU burnt) */
#define LIPC_CHAN_OWNER	    0x20 /* join what owner owns too (the join policy, below) */

/*
 * The join policy. A channel that finds its object already there (a FIFO, a queue, a ring) joins
 * it only when the object belongs to this process's effective uid or to root, and a ring only
 * when nobody else may write it either; a unix* sender checks the same of the process that
 * listens. Anything else fails with EPERM, and lipc_addr_strerror() names the owner and the
 * mode: another user who made the object first (squatting a well-known name) would otherwise
 * read every message, or feed false ones. LIPC_CHAN_OWNER trusts opts.owner as well, for objects
 * that another user shares on purpose; a ring joined that way may be written by others, and
 * is read and written so that none of them can crash this process (lipc/ring.h). TCP knows
 * no owner: the policy does not apply to it.
 */

/* The largest message recv accepts unless told otherwise. */
#define LIPC_MSG_MAX_DEFAULT (1u << 20)

struct lipc_chan_opts {
	size_t struct_size; /* sizeof(struct lipc_chan_opts): see LIPC_CHAN_OPTS_INIT */
	int timeout_ms; /* how long open, send and recv wait: -1 for ever, 0 not at all (EAGAIN) */
	unsigned flags; /* LIPC_CHAN_* flags */
	mode_t mode;	/* permissions of an object the channel creates; 0 means 0600 */
	size_t max_msg; /* the largest message recv accepts; 0 means LIPC_MSG_MAX_DEFAULT */
	unsigned priority; /* mq send: the priority of each message (0 lowest) */
	/*
	 * sysv-mq send: the type of each message (0 means 1); sysv-mq recv: which to take, as
	 * msgrcv(2) has it: 0 the first of any type, N > 0 the first of type N, -N the first of
	 * the lowest type up to N.
	 */
	long type;
	long max_msgs;	 /* mq, when the queue is created: its capacity (0: the system default) */
	long msg_size;	 /* mq, when the queue is created: its largest message (0: the default) */
	uid_t allow_uid; /* with LIPC_CHAN_ALLOW_UID */
	size_t capacity; /* shm, when the ring is created: its bytes (0: LIPC_RING_CAPACITY_DEFAULT)
			  */
	uid_t owner;	 /* with LIPC_CHAN_OWNER: an owner trusted besides this user and root */
	/*
	 * unix, unix-seqpacket and tcp recv: how many clients are served at once (0: a default
	 * that fits the descriptor limit; see lipc/sock.h). The newest is shed beyond it.
	 */
	unsigned max_clients;
	/*
	 * Called, when not NULL, right after the channel has created a file-system object that
	 * its close will remove, before it waits for the peer: the entry name in the directory
	 * dirfd, which is st's file. Both stay valid until the channel is closed. A program that
	 * can be killed by a signal while it waits keeps them, so that its handler can remove the
	 * entry with unlinkat(dirfd, name, 0) after fstatat() has shown it is still st's file.
	 */
	void (*on_create)(int dirfd, const char *name, const struct stat *st, void *arg);
	void *on_create_arg;
};

/* The defaults: wait for ever, lines, mode 0600, LIPC_MSG_MAX_DEFAULT. */
#define LIPC_CHAN_OPTS_INIT                                                                        \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_chan_opts), .timeout_ms = -1                     \
	}

/* What a received message carries besides its bytes (struct lipc_msg's has). */
#define LIPC_MSG_PRIORITY 0x1 /* priority: mq */
#define LIPC_MSG_TYPE	  0x2 /* type: sysv-mq */
#define LIPC_MSG_CRED	  0x4 /* pid, uid, gid: the sender's, as the kernel vouches (unix*) */

/*
 * A message. Received, data stays valid until the next lipc_chan_recv() or lipc_chan_close(),
 * and has says which other fields the mechanism filled in. To send, fill data and len, and set
 * priority or type with their bit in has to override the channel's defaults.
 */
struct lipc_msg {
	size_t struct_size; /* sizeof(struct lipc_msg): see LIPC_MSG_INIT */
	const void *data;
	size_t len;
	unsigned has;
	unsigned priority;
	long type;
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

#define LIPC_MSG_INIT                                                                              \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_msg)                                             \
	}

struct lipc_chan;

/*
 * Open one end of the channel at address, as its receiver (LIPC_RECV) or its sender (LIPC_SEND);
 * opts may be NULL for the defaults. The channel always creates or joins (lipc/lipc.h): a FIFO is
 * created when missing and then removed again by the close of the channel that created it, so
 * neither end has to start first and nothing is left behind. A queue (mq:, sysv-mq:) is created
 * when missing too, with the size asked for, but it is never removed on close: its messages outlive
 * every process until someone removes the queue (lipc_msgq_posix_unlink, lipc_msgq_sysv_unlink).
 * An existing queue keeps its own size. A queue has no end of stream: recv waits for the next
 * message for ever, or until the timeout. Returns the channel, or NULL with errno (EPERM when
 * the join policy refuses the object that is there).
 */
struct lipc_chan *lipc_chan_open(const char *address, enum lipc_role role,
				 const struct lipc_chan_opts *opts);

/*
 * Wrap an open byte-stream descriptor (a pipe end, a FIFO, a stream socket) in a channel; the
 * channel owns fd from then on, also when this fails. Returns the channel, or NULL with errno
 * (EINVAL for a datagram or seqpacket socket: those have channels of their own).
 */
struct lipc_chan *lipc_chan_open_fd(int fd, enum lipc_role role, const struct lipc_chan_opts *opts);

/*
 * Send one message. Returns 0, or -1 with errno: EINVAL for a message holding a newline on a
 * line-mode stream (it is never split), EMSGSIZE for one over the mechanism's limit
 * (lipc_chan_max_msg), EPIPE when no receiver is left (on a pipe or FIFO, SIGPIPE is raised too
 * unless the caller ignores it), ETIMEDOUT or EAGAIN when the wait ran out. When a wait runs
 * out after part of a message has gone, every later send fails the same way, so the receiver
 * never sees that part glued to the next message.
 */
int lipc_chan_send(struct lipc_chan *chan, const void *data, size_t len);
/* The same, with the priority or type that msg->has marks. */
int lipc_chan_sendmsg(struct lipc_chan *chan, const struct lipc_msg *msg);

/*
 * Receive one message into *msg. Returns 1 when a message arrived, 0 at the end of the stream
 * (every sender is gone, unless LIPC_CHAN_KEEP), or -1 with errno: ETIMEDOUT (EAGAIN with a
 * timeout of 0), EMSGSIZE for a message over max_msg, EPROTO for a stream that ends inside a
 * frame. After EMSGSIZE or EPROTO on a byte stream the stream has lost its place and every
 * later call fails the same way. A receiver of a lossy ring (shm-lossy:, or shm: joining one)
 * that fell too far behind fails once with ENOBUFS: lipc_addr_strerror() says how many messages
 * it lost, and the next call returns the oldest one still there (it is not an end).
 */
int lipc_chan_recv(struct lipc_chan *chan, struct lipc_msg *msg);

/*
 * Batches (since 1.1: lipc_version() >= 10100): many messages per call, for a stream of small
 * messages, where one call each would cost more than the messages. msgs is an array whose stride
 * is msgs[0].struct_size (every element initialised as msgs[0] is, LIPC_MSG_INIT), and a call
 * takes at most LIPC_CHAN_BATCH_MAX of them (UIO_MAXIOV, as sendmmsg(2) caps its own).
 *
 * What a batch is, per mechanism: on a byte stream (fifo, unix, tcp, a pipe) one write of many
 * messages, lines or frames, and one read that hands out all it holds; on a pipe or a FIFO, which
 * several processes may write at once, a write holds at most PIPE_BUF bytes (or one longer
 * message alone) so that no message is interleaved with another writer's. On datagram and
 * seqpacket sockets one sendmmsg(2) or recvmmsg(2). On shm: records written with their ring
 * position published once per batch, and read in place (lipc_ring_push_many(),
 * lipc_ring_peek_many()). On the queues (mq, sysv-mq), which have one call per message, a call
 * each, and a receive takes the messages already queued after the first.
 */
#define LIPC_CHAN_BATCH_MAX 1024

/*
 * Send msgs in order, as lipc_chan_sendmsg() sends each (its errors; the timeout bounds each wait
 * for room, and on shm: all the waits of the call together). Returns how many were sent: n, or
 * fewer when a message could not be sent after others were (the next call, starting with that
 * message, reports why), or when n is over LIPC_CHAN_BATCH_MAX; -1 with errno when not even the
 * first was sent. n == 0 returns 0.
 */
int lipc_chan_send_many(struct lipc_chan *chan, const struct lipc_msg *msgs, size_t n);

/*
 * Receive up to n messages into msgs: wait as lipc_chan_recv() does for the first, then take
 * those that are there already, without waiting. Returns how many arrived (1 to n), 0 at the
 * end of the stream, or -1 with errno as lipc_chan_recv(); an error after some messages is
 * reported by the next call. Every message's data stays valid until the next receive or close of
 * the channel. On shm: a receive releases the records of the previous one, so a receiver killed
 * between two calls leaves its last batch to the next receiver rather than losing it.
 */
int lipc_chan_recv_many(struct lipc_chan *chan, struct lipc_msg *msgs, size_t n);

/*
 * Waiting on many at once (since 1.2: lipc_version() >= 10200). The descriptor that poll(2),
 * select(2) and epoll(7) report readable (POLLIN) exactly when lipc_chan_recv() would return
 * without waiting (a message, the end of the stream or an error is there), and, for a sender,
 * writable (POLLOUT) when the mechanism can tell that a send has room. A program puts it in its
 * own loop and, when it is ready, receives with a timeout of 0 until EAGAIN (or takes one
 * message and polls again: the descriptor stays readable while messages are left). Messages a
 * receive has read and not yet handed out count: the descriptor is then readable although the
 * kernel's is not.
 *
 * "Would not wait" is exact in one direction and close in the other. The descriptor is never
 * unreadable while a receive would return; it may be readable for work a receive does without
 * a message to show for it: bytes that are not yet a whole message, a client that a listener
 * (unix:, unix-seqpacket:, tcp:) accepts before it has sent anything, or sheds beyond
 * max_clients, or refuses (LIPC_CHAN_ALLOW_UID), a client that leaves while others stay (with
 * LIPC_CHAN_KEEP, the last one too), a datagram the uid check drops, a shm: producer that
 * attaches (lipc_ring_fd()). That receive fails with EAGAIN, having done the work, and the
 * descriptor is then not readable until something new arrives, so a loop never spins.
 *
 * The descriptor belongs to the channel: never close it, read it or change its flags; it is
 * valid until lipc_chan_close(). Returns the descriptor (the same one at every call), or -1 with
 * errno: ENOTSUP for a System V queue (sysv-mq:), which has no descriptor at all (the guide's
 * "Waiting on many at once" says what to do instead), and for a shm: sender, which waits on its
 * consumer's futex (send with a timeout instead); a receiver of a ring of any mode (shm-multi:,
 * shm-pub:, shm-lossy:) has the ring's doorbell, with what lipc_ring_fd() says of its mode.
 */
int lipc_chan_fd(struct lipc_chan *chan);

/* Change how long later sends and receives wait (see lipc_chan_opts). Returns 0, or -1. */
int lipc_chan_set_timeout(struct lipc_chan *chan, int timeout_ms);

/* The largest message this channel's mechanism carries (for a queue, its message size). */
size_t lipc_chan_max_msg(const struct lipc_chan *chan);

/* What lipc_chan_stat() tells of the queue behind a channel. */
struct lipc_chan_stat {
	size_t struct_size;	    /* sizeof(struct lipc_chan_stat): see LIPC_CHAN_STAT_INIT */
	bool created;		    /* this channel created the queue; else it existed */
	long msgs;		    /* the messages it holds now */
	long max_msgs;		    /* mq: how many messages it holds (mq_maxmsg); else -1 */
	long max_bytes;		    /* sysv-mq: how many bytes it holds (msg_qbytes); else -1 */
	size_t msg_size;	    /* the largest message a sender may send */
	const char *msg_size_limit; /* what sets msg_size: "mq_msgsize", "msgmax", "msg_qbytes" */
};

#define LIPC_CHAN_STAT_INIT                                                                        \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_chan_stat)                                       \
	}

/*
 * Describe the queue behind a channel, as the kernel has it now. Returns 0, or -1 with errno:
 * ENOTSUP for mechanisms that keep no messages of their own (FIFOs, sockets), EIDRM when the
 * queue was removed.
 */
int lipc_chan_stat(const struct lipc_chan *chan, struct lipc_chan_stat *st);

/*
 * The address the channel ended up at, such as "tcp:127.0.0.1:40123" after asking for port 0.
 * Returns 0, or -1 with errno (ENOTSUP for mechanisms with nothing to add to their address).
 */
int lipc_chan_address(const struct lipc_chan *chan, char *buf, size_t size);

/* Close the channel, removing what it created. Returns 0, or -1 with errno (it is freed anyway). */
int lipc_chan_close(struct lipc_chan *chan);

#endif
