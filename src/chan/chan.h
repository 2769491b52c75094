/* SPDX-License-Identifier: MIT */
/*
 * Private to the channel (src/chan/): its state (struct lipc_chan), the transport table each
 * adapter fills in, the byte-stream framing (stream.c), and what an adapter asks of the channel
 * (the objects it created, the signals held while it creates them). Only src/chan/ includes this
 * file: the technique modules below it know nothing of channels.
 */
#ifndef LIPC_CHAN_PRIVATE_H
#define LIPC_CHAN_PRIVATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../internal.h"
#include "lipc/chan.h"

/* The trust that opts asks for (the join policy, lipc/chan.h). */
struct lipc__trust lipc__trust_of(const struct lipc_chan_opts *o);

/*
 * A byte stream that carries messages: lines, or frames with a 4-byte big-endian length. The
 * channel has one; a listening socket has one per connection.
 */
struct lipc__stream {
	int fd;
	bool socket; /* sent with MSG_NOSIGNAL: a gone peer is EPIPE, never SIGPIPE */
	char *buf;   /* received bytes not yet handed out are buf[head, tail) */
	char *out;   /* a sender's batch: the messages of one write(), framed (write_many) */
	size_t cap, head, tail;
	bool eof;
	int error; /* a framing error is sticky: the stream has lost its place */
};

enum {
	LIPC__MORE,
	LIPC__GOT,
	LIPC__END
}; /* what lipc__stream_take() found */

void lipc__stream_init(struct lipc__stream *s, int fd, bool socket);
/* Free the buffer; the descriptor is the owner's to close. */
void lipc__stream_free(struct lipc__stream *s);
/* Frame and write one message, waiting at most timeout_ms for room: 0, or -1 with errno. */
int lipc__stream_write(struct lipc__stream *s, unsigned flags, int timeout_ms, const void *data,
		       size_t len);
/*
 * The next whole message already buffered: LIPC__GOT (in *m, valid until the next fill),
 * LIPC__MORE (read more first), LIPC__END (the writer closed and all was handed out), or -1.
 */
int lipc__stream_take(struct lipc__stream *s, unsigned flags, size_t max_msg, struct lipc_msg *m);
/*
 * Frame and write msgs[0..n) in as few writes as their sizes allow (lipc_chan_send_many() says
 * how many go in one write): the count sent,
 * short when one failed after others went (the next call reports it), or -1 with errno.
 */
int lipc__stream_write_many(struct lipc__stream *s, unsigned flags, int timeout_ms,
			    const struct lipc_msg *msgs, size_t n);
/* One read() into the buffer, which grows up to max_msg: 0 (data or EOF), or -1 (EAGAIN...). */
int lipc__stream_fill(struct lipc__stream *s, unsigned flags, size_t max_msg);
/*
 * Whether lipc__stream_take() would return without asking for more bytes: a whole message, the
 * end, or an error is in the buffer already. Changes nothing.
 */
bool lipc__stream_ready(const struct lipc__stream *s, unsigned flags, size_t max_msg);
/* Take, reading and waiting at most timeout_ms as needed: 1 message, 0 end of stream, -1. */
int lipc__stream_next(struct lipc__stream *s, unsigned flags, size_t max_msg, int timeout_ms,
		      struct lipc_msg *m);

/*
 * A transport: how one mechanism opens, sends, receives and closes. Each module fills one in;
 * chan.c parses the address and picks the table by its scheme.
 */
struct lipc_transport {
	const char *scheme;
	enum lipc_scheme id;
	int (*parse)(struct lipc_addr *addr, const char *where);
	int (*open)(struct lipc_chan *chan, const struct lipc_addr *addr,
		    const struct lipc_chan_opts *opts);
	/* m->priority and m->type are filled in: the message's own, or the channel's defaults. */
	int (*send)(struct lipc_chan *chan, const struct lipc_msg *m);
	/*
	 * Optional, for mechanisms with neither priority nor type: send msgs[0..n) (n from 1 to
	 * LIPC_CHAN_BATCH_MAX, this build's structs) as lipc_chan_send_many() says; without it
	 * the channel calls send once per message.
	 */
	int (*send_many)(struct lipc_chan *chan, const struct lipc_msg *msgs, size_t n);
	int (*recv)(struct lipc_chan *chan, struct lipc_msg *m);
	/*
	 * Optional: receive up to n messages (n from 1 to LIPC_CHAN_BATCH_MAX, this build's
	 * structs, possibly holding an earlier call's values) as lipc_chan_recv_many() says,
	 * setting data, len and has of each message it returns (and the fields has names);
	 * without it the channel calls recv once.
	 */
	int (*recv_many)(struct lipc_chan *chan, struct lipc_msg *msgs, size_t n);
	int (*set_timeout)(struct lipc_chan *chan, int timeout_ms);
	int (*close)(struct lipc_chan *chan);
	/* What err means for this mechanism, or NULL to use strerror(); see lipc_addr_strerror. */
	const char *(*explain)(int err);
	/* Optional: the address the channel is bound to ("tcp:127.0.0.1:40123"). */
	int (*address)(const struct lipc_chan *chan, char *buf, size_t size);
	/* Optional: the queue behind the channel (lipc_chan_stat). */
	int (*stat)(const struct lipc_chan *chan, struct lipc_chan_stat *st);
	/*
	 * Optional (without it lipc_chan_fd() fails with ENOTSUP): the descriptor that poll()
	 * finds readable when the mechanism has something for a receive (writable when a send has
	 * room), owned by the transport and the same at every call, or -1 with errno. A transport
	 * that serves several descriptors (a listener) returns an epoll set of them that it keeps.
	 */
	int (*fd)(struct lipc_chan *chan);
	/*
	 * Optional, for a receiver that keeps what the descriptor no longer shows (messages read
	 * and not handed out yet, a sticky error, an end already seen): true when the next receive
	 * would return without waiting for that reason. lipc_chan_fd() then puts the descriptor
	 * in an epoll set of the channel's own, beside an eventfd that it keeps readable exactly
	 * while this says true (asked after every receive).
	 */
	bool (*pending)(const struct lipc_chan *chan);
};

extern const struct lipc_transport lipc__fifo_transport;
extern const struct lipc_transport lipc__ring_transport;
extern const struct lipc_transport lipc__ring_multi_transport;
extern const struct lipc_transport lipc__ring_pub_transport;
extern const struct lipc_transport lipc__ring_lossy_transport;
extern const struct lipc_transport lipc__fd_transport;
extern const struct lipc_transport lipc__mq_transport;
extern const struct lipc_transport lipc__sysv_mq_transport;
extern const struct lipc_transport lipc__unix_transport;
extern const struct lipc_transport lipc__unix_dgram_transport;
extern const struct lipc_transport lipc__unix_seqpacket_transport;
extern const struct lipc_transport lipc__tcp_transport;
extern const struct lipc_transport lipc__stdio_transport;

struct lipc_chan {
	const struct lipc_transport *t;
	int role;
	unsigned flags;
	int timeout_ms;
	size_t max_msg;	   /* the largest message recv accepts (or send may send) */
	unsigned priority; /* defaults for sent messages, and the receive selector (type) */
	long type;
	uid_t allow_uid; /* with LIPC_CHAN_ALLOW_UID */

	struct lipc__stream st; /* byte-stream transports: the stream */
	int handle;		/* other transports: their descriptor or id (mqd_t, msqid) */
	void *priv;		/* transport state that does not fit the above */

	/*
	 * What the channel created and must remove on close (a FIFO, a socket file): the entry
	 * owned_name in the directory owned_dirfd, pinned when the channel looked the path up.
	 */
	int owned_dirfd; /* -1: nothing */
	char *owned_name;
	dev_t owned_dev; /* that very file, not a successor under the same name */
	ino_t owned_ino;
	pid_t owned_pid; /* and only in this process: a child's inherited copy leaves it */

	/* lipc_chan_fd(): -1 until asked for (see chan.c, "Waiting on many at once"). */
	int poll_fd; /* what the caller polls: the transport's descriptor, or an epoll set of it and
			poll_ev */
	int poll_ev; /* with a pending hook: the eventfd readable while pending() says true */
	bool poll_on;	  /* poll_ev holds a count now */
	bool poll_always; /* the descriptor never blocks (a regular file): poll_ev stays on */
};

/*
 * Hold every signal of this thread while a channel creates what it will tell opts->on_create of
 * (the steps between creation and the hook never wait): a handler that removes the object then
 * runs only once the hook told it of the object, never in between, where the process would die
 * and leave it behind. Does nothing without a hook. lipc__signals_release() restores the mask,
 * and the signals held are delivered then; it keeps errno.
 */
struct lipc__held {
	bool held;
	sigset_t mask;
};
void lipc__signals_hold(struct lipc__held *h, const struct lipc_chan_opts *opts);
void lipc__signals_release(struct lipc__held *h);

/*
 * The channel created name in the directory dirfd (st is its fstatat): note it for
 * lipc__disown(), with a descriptor of its own for the directory, and tell the program
 * (opts->on_create). Returns 0, or -1 after removing the entry again.
 */
int lipc__own(struct lipc_chan *chan, int dirfd, const char *name, const struct stat *st,
	      const struct lipc_chan_opts *opts);
/*
 * Remove what the channel created, from the process that created it and only while the name
 * still holds that very file; forget it either way.
 */
void lipc__disown(struct lipc_chan *chan);

/* The hooks of transports that are one byte stream (chan->st). */
int lipc__stream_send(struct lipc_chan *chan, const struct lipc_msg *m);
int lipc__stream_send_many(struct lipc_chan *chan, const struct lipc_msg *msgs, size_t n);
int lipc__stream_recv(struct lipc_chan *chan, struct lipc_msg *m);
int lipc__stream_recv_many(struct lipc_chan *chan, struct lipc_msg *msgs, size_t n);
int lipc__stream_set_timeout(struct lipc_chan *chan, int timeout_ms);
int lipc__stream_fd(struct lipc_chan *chan);
bool lipc__stream_pending(const struct lipc_chan *chan);

#endif
