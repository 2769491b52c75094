/*
 * Private to liblipc: helpers shared by the modules, the transport table behind the channel, and
 * the channel's state. Names here start with lipc__ so the shared library's version script
 * (liblipc.map) keeps them out of the public interface.
 */
#ifndef LIPC_INTERNAL_H
#define LIPC_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "lipc/chan.h"

/* util.c: I/O that survives partial transfers and EINTR, errno-keeping cleanup, checks. */

/* Read until len bytes or end of file; returns the count read (short only at EOF), or -1. */
ssize_t lipc__read_full(int fd, void *buf, size_t len);
/* Write all len bytes; returns len, or -1 (EPIPE, ENOSPC, ...). */
ssize_t lipc__write_full(int fd, const void *buf, size_t len);
/* close() and unlink() that leave errno as it was, for error paths. close is never retried. */
void lipc__close(int fd);
void lipc__unlink(const char *path);

/* A deadline for timeout_ms (-1: none); lipc__remaining_ms() counts down to 0, or is -1. */
struct lipc__deadline {
	struct timespec at;
	bool never;
};
void lipc__deadline_start(struct lipc__deadline *d, int timeout_ms);
int lipc__remaining_ms(const struct lipc__deadline *d);

/* Wait until fd is ready for events or the deadline passes: 1 ready, 0 timed out, -1 error. */
int lipc__wait_fd(int fd, short events, const struct lipc__deadline *d);

/* Set or clear O_NONBLOCK. */
int lipc__set_nonblock(int fd, bool on);

/* A path: not empty and shorter than PATH_MAX (ENOENT / ENAMETOOLONG). */
int lipc__check_path(const char *path);
/*
 * A POSIX IPC name (shm_open, sem_open, mq_open): one leading slash, then 1 to NAME_MAX - 4
 * bytes with no other slash, and not "." or ".." (EINVAL / ENAMETOOLONG). Checked here so
 * every module gives the same answer, where glibc and musl differ in the corner cases.
 */
int lipc__check_name(const char *name);

/* ETIMEDOUT, or EAGAIN when the caller asked not to wait at all (timeout 0); returns -1. */
int lipc__timed_out(int timeout_ms);

/*
 * Why the last call of this thread failed, where errno alone cannot say: the limit behind it and
 * its value, the owner of an object not joined. lipc__fail_why() sets errno to err, keeps the
 * text and returns -1; lipc__why(err) hands the text out while err is still the error it was
 * kept for (lipc_addr_strerror), and lipc__why_clear() forgets it at the start of each channel
 * call, so a text never outlives the failure it explains.
 */
int lipc__fail_why(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *lipc__why(int err);
void lipc__why_clear(void);

/*
 * Pin the directory that holds path: an O_PATH descriptor of it (links in the directory part are
 * followed, as the caller named them; the last component is not looked at), and *name pointing
 * at that last component inside path. Every later lookup, stat and unlink goes through the
 * descriptor (fstatat, unlinkat...), so that a directory of the path swapped for a symbolic link
 * afterwards cannot send them elsewhere. Returns the descriptor, or -1 with errno: EINVAL when
 * the last component is empty (a trailing slash), "." or "..".
 */
int lipc__open_dir(const char *path, const char **name);

/*
 * The join policy (lipc/chan.h): an existing object is joined only when it belongs to this
 * process's effective uid or to root, or to the owner the caller named (given). uid is the
 * object's owner and mode its permissions, for the message. Returns 0, or -1 with EPERM and the
 * reason in lipc__why().
 */
struct lipc__trust {
	bool given; /* the caller trusts owner too (LIPC_CHAN_OWNER) */
	uid_t owner;
};
bool lipc__trusted_uid(uid_t uid, const struct lipc__trust *t);
int lipc__check_owner(uid_t uid, mode_t mode, const struct lipc__trust *t);
/* The trust that opts asks for. */
struct lipc__trust lipc__trust_of(const struct lipc_chan_opts *o);

/*
 * A byte stream that carries messages: lines, or frames with a 4-byte big-endian length. The
 * channel has one; a listening socket has one per connection.
 */
struct lipc__stream {
	int fd;
	bool socket; /* sent with MSG_NOSIGNAL: a gone peer is EPIPE, never SIGPIPE */
	char *buf;   /* received bytes not yet handed out are buf[head, tail) */
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
/* One read() into the buffer, which grows up to max_msg: 0 (data or EOF), or -1 (EAGAIN...). */
int lipc__stream_fill(struct lipc__stream *s, unsigned flags, size_t max_msg);
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
	int (*recv)(struct lipc_chan *chan, struct lipc_msg *m);
	int (*set_timeout)(struct lipc_chan *chan, int timeout_ms);
	int (*close)(struct lipc_chan *chan);
	/* What err means for this mechanism, or NULL to use strerror(); see lipc_addr_strerror. */
	const char *(*explain)(int err);
	/* Optional: the address the channel is bound to ("tcp:127.0.0.1:40123"). */
	int (*address)(const struct lipc_chan *chan, char *buf, size_t size);
	/* Optional: the queue behind the channel (lipc_chan_stat). */
	int (*stat)(const struct lipc_chan *chan, struct lipc_chan_stat *st);
};

extern const struct lipc_transport lipc__fifo_transport;
extern const struct lipc_transport lipc__shm_transport;
extern const struct lipc_transport lipc__fd_transport;
extern const struct lipc_transport lipc__mq_transport;
extern const struct lipc_transport lipc__sysv_mq_transport;
extern const struct lipc_transport lipc__unix_transport;
extern const struct lipc_transport lipc__unix_dgram_transport;
extern const struct lipc_transport lipc__unix_seqpacket_transport;
extern const struct lipc_transport lipc__tcp_transport;

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
int lipc__stream_recv(struct lipc_chan *chan, struct lipc_msg *m);
int lipc__stream_set_timeout(struct lipc_chan *chan, int timeout_ms);

#endif
