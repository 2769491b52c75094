/*
 * The channel: every message-passing mechanism behind one address syntax and four calls, so a
 * program (lipc send/recv, the benchmark, the tests) treats them alike. An address is
 * SCHEME:WHERE, for example fifo:/tmp/jobs. Byte streams (FIFOs, pipes) carry one message per
 * line by default, so plain tools such as cat and echo can talk to a channel; with
 * LIPC_CHAN_FRAMED each message is a 4-byte big-endian length and that many bytes, so messages
 * may hold any byte, newlines included.
 */
#ifndef LIPC_CHAN_H
#define LIPC_CHAN_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/* The mechanism an address names. */
enum lipc_scheme {
	LIPC_SCHEME_FIFO, /* fifo:PATH */
};

/* A parsed address. */
struct lipc_addr {
	enum lipc_scheme scheme;
	char path[PATH_MAX];
};

/*
 * Parse "SCHEME:WHERE" into addr. Returns 0, or -1 with errno: EPROTONOSUPPORT for an unknown
 * scheme (lipc_addr_schemes() lists the known ones), EINVAL for a malformed address,
 * ENAMETOOLONG for a path too long for the mechanism.
 */
int lipc_addr_parse(struct lipc_addr *addr, const char *text);

/* The known schemes, as a comma-separated list for messages ("fifo, ..."). */
const char *lipc_addr_schemes(void);

/*
 * Describe err as it applies to the mechanism of addr (for example ENXIO on a FIFO: "no process
 * has the FIFO open for reading"); falls back to strerror(err).
 */
const char *lipc_addr_strerror(const struct lipc_addr *addr, int err);

/* Roles: a channel end sends or receives. */
#define LIPC_CHAN_SEND 1
#define LIPC_CHAN_RECV 2

/* Options flags. */
#define LIPC_CHAN_FRAMED 0x1 /* length-prefixed frames instead of lines on byte streams */

/* The largest message recv accepts unless told otherwise. */
#define LIPC_MSG_MAX_DEFAULT (1u << 20)

struct lipc_chan_opts {
	int timeout_ms; /* how long open, send and recv wait: -1 for ever, 0 not at all */
	unsigned flags; /* LIPC_CHAN_* flags */
	mode_t mode;	/* permissions of an object the channel creates; 0 means 0600 */
	size_t max_msg; /* the largest message recv accepts; 0 means LIPC_MSG_MAX_DEFAULT */
	/*
	 * Called, when not NULL, right after the channel has created a file-system object that
	 * its close will remove, before it waits for the peer. A program that can be killed by a
	 * signal while it waits keeps the path so that its handler can unlink() it.
	 */
	void (*on_create)(const char *path, void *arg);
	void *on_create_arg;
};

/* The defaults: wait for ever, lines, mode 0600, LIPC_MSG_MAX_DEFAULT. */
#define LIPC_CHAN_OPTS_INIT                                                                        \
	{                                                                                          \
		.timeout_ms = -1                                                                   \
	}

/* A received message; data stays valid until the next lipc_chan_recv() or lipc_chan_close(). */
struct lipc_msg {
	const void *data;
	size_t len;
};

struct lipc_chan;

/*
 * Open one end of the channel at address (opts may be NULL for the defaults). A FIFO is created
 * when missing and then removed again by the close of the channel that created it, so neither
 * end has to start first and nothing is left behind. Returns the channel, or NULL with errno.
 */
struct lipc_chan *lipc_chan_open(const char *address, int role, const struct lipc_chan_opts *opts);

/*
 * Wrap an open byte-stream descriptor, such as a pipe end, in a channel; the channel owns fd from
 * then on, also when this fails. Returns the channel, or NULL with errno.
 */
struct lipc_chan *lipc_chan_open_fd(int fd, int role, const struct lipc_chan_opts *opts);

/*
 * Send one message. Returns 0, or -1 with errno: EINVAL for a message holding a newline on a
 * line-mode stream (it is never split), EPIPE when no receiver is left (SIGPIPE is raised too
 * unless the caller ignores it), ETIMEDOUT or EAGAIN when the wait ran out. When a wait runs
 * out after part of a message has gone, every later send fails the same way, so the receiver
 * never sees that part glued to the next message.
 */
int lipc_chan_send(struct lipc_chan *chan, const void *data, size_t len);

/*
 * Receive one message into *msg. Returns 1 when a message arrived, 0 at the end of the stream
 * (every sender is gone), or -1 with errno: ETIMEDOUT (EAGAIN with a timeout of 0), EMSGSIZE for
 * a message over max_msg, EPROTO for a stream that ends inside a frame. After EMSGSIZE or EPROTO
 * the stream has lost its place and every later call fails the same way.
 */
int lipc_chan_recv(struct lipc_chan *chan, struct lipc_msg *msg);

/* Change how long later sends and receives wait (see lipc_chan_opts). Returns 0, or -1. */
int lipc_chan_set_timeout(struct lipc_chan *chan, int timeout_ms);

/* Close the channel, removing what it created. Returns 0, or -1 with errno (it is freed anyway). */
int lipc_chan_close(struct lipc_chan *chan);

#endif
