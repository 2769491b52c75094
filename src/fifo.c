/*
 * FIFOs. Four traps shape this file. First, open() blocks until the other end is opened too,
 * and Linux has no way to wait for that with a timeout: a timed open therefore blocks in open()
 * while a helper thread, at the deadline, opens the other end itself to release it (no signals,
 * so the caller's handlers are untouched). Second, a path in a shared directory such as /tmp can
 * be swapped for a symbolic link or a device by another user, and so can a directory on the way
 * to it: the directory is pinned first with an O_PATH descriptor, every lookup, creation and
 * removal goes through it (mkfifoat, fstatat, unlinkat), and the FIFO itself is pinned with an
 * O_PATH descriptor that never follows links, checked with fstat(), and reopened through
 * /proc/self/fd (which must be mounted), so the file checked is the file opened. Third, a FIFO
 * that another user made first, under the name a program expects, would read or write that
 * program's messages: the channel joins an existing FIFO only when the join policy trusts its
 * owner (lipc/chan.h). Fourth, a FIFO left behind is litter that confuses the next user, so a
 * channel removes the FIFO it created, and only that one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "lipc/fifo.h"

/* Is the entry looked at without following it a FIFO? ELOOP for a link, EEXIST for the rest. */
static int is_fifo(const struct stat *st)
{
	if (S_ISFIFO(st->st_mode))
		return 0;
	errno = S_ISLNK(st->st_mode) ? ELOOP : EEXIST;
	return -1;
}

/* mkfifo in the pinned directory: 1 created, 0 a FIFO is there already, or -1. */
static int create_at(int dirfd, const char *name, mode_t mode)
{
	struct stat st;

	if (mkfifoat(dirfd, name, mode ? mode : 0600) == 0)
		return 1;
	if (errno != EEXIST || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return is_fifo(&st) < 0 ? -1 : 0;
}

int lipc_fifo_create(const char *path, mode_t mode)
{
	const char *name;
	int dirfd = lipc__open_dir(path, &name), ret;

	if (dirfd < 0)
		return -1;
	ret = create_at(dirfd, name, mode);
	lipc__close(dirfd);
	return ret;
}

int lipc_fifo_unlink(const char *path)
{
	const char *name;
	struct stat st;
	int dirfd = lipc__open_dir(path, &name), ret = -1;

	if (dirfd < 0)
		return -1;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && is_fifo(&st) == 0)
		ret = unlinkat(dirfd, name, 0);
	if (ret < 0 && errno == ELOOP)
		errno = EEXIST; /* a link is not a FIFO: it is never removed */
	lipc__close(dirfd);
	return ret;
}

/* Open the FIFO with an O_PATH descriptor (no I/O, no blocking, no link following) and check it. */
static int pin_at(int dirfd, const char *name, struct stat *st)
{
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || is_fifo(st) < 0) {
		lipc__close(fd);
		return -1;
	}
	return fd;
}

/* The helper thread of a timed open. */
struct waker {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC, so a change of the wall clock does no harm */
	struct timespec deadline;
	const char *path;
	int release_flags; /* the other end's mode, non-blocking */
	bool done, fired;
	int fd;
};

static void *waker_main(void *arg)
{
	struct waker *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->done) {
		if (pthread_cond_timedwait(&w->cond, &w->lock, &w->deadline) == ETIMEDOUT &&
		    !w->done) {
			/*
			 * Opening the other end releases the blocked open: a blocked reader
			 * already counts as a reader, so even a non-blocking write open succeeds.
			 */
			w->fired = true;
			w->fd = open(w->path, w->release_flags | O_NONBLOCK | O_CLOEXEC);
			break;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int open_blocking(const char *path, int flags)
{
	int fd;

	do
		fd = open(path, flags | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static int open_timed(const char *path, int flags, int timeout_ms)
{
	struct waker w = { .path = path, .fd = -1 };
	struct lipc__deadline d;
	sigset_t all, old;
	pthread_condattr_t ca;
	pthread_t thread;
	int fd, err;

	w.release_flags = (flags & O_ACCMODE) == O_RDONLY ? O_WRONLY : O_RDONLY;
	lipc__deadline_start(&d, timeout_ms);
	w.deadline = d.at;
	pthread_mutex_init(&w.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w.cond, &ca);
	pthread_condattr_destroy(&ca);

	/* Signals for the process must keep going to the caller's threads, never to the helper. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&thread, NULL, waker_main, &w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		errno = err;
		fd = -1;
		goto out_destroy;
	}

	fd = open_blocking(path, flags);
	err = errno;
	pthread_mutex_lock(&w.lock);
	w.done = true;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(thread, NULL);

	lipc__close(w.fd);
	if (w.fired) {
		/* Released by the helper (or by a peer in the same instant): the wait ran out. */
		lipc__close(fd);
		fd = -1;
		err = ETIMEDOUT;
	}
	errno = err;
out_destroy:
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	return fd;
}

/* Open the FIFO that pfd pins (its fstat is pinned) as lipc_fifo_open() does. */
static int open_pinned(int pfd, const struct stat *pinned, int flags, int timeout_ms)
{
	struct stat opened;
	char proc[32];
	int fd;

	/* Reopen the very inode we checked (the O_PATH descriptor cannot read or write). */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	if (timeout_ms == 0 || (flags & O_NONBLOCK))
		fd = open(proc, flags | O_NONBLOCK | O_CLOEXEC);
	else if (timeout_ms < 0)
		fd = open_blocking(proc, flags);
	else
		fd = open_timed(proc, flags, timeout_ms);
	if (fd < 0) {
		/* Without /proc there is no safe way to reopen what was checked. */
		if (errno == ENOENT && access("/proc/self/fd", F_OK) < 0)
			errno = ENOSYS;
		return -1;
	}
	if (fstat(fd, &opened) < 0)
		goto out_close;
	if (opened.st_dev != pinned->st_dev || opened.st_ino != pinned->st_ino) {
		errno = EEXIST; /* cannot happen through /proc; checked all the same */
		goto out_close;
	}
	return fd;

out_close:
	lipc__close(fd);
	return -1;
}

static bool flags_valid(int flags)
{
	int acc = flags & O_ACCMODE;

	return (acc == O_RDONLY || acc == O_WRONLY) && !(flags & ~(O_ACCMODE | O_NONBLOCK));
}

int lipc_fifo_open(const char *path, int flags, int timeout_ms)
{
	const char *name;
	struct stat st;
	int dirfd, pfd, fd;

	if (!flags_valid(flags)) {
		errno = EINVAL;
		return -1;
	}
	dirfd = lipc__open_dir(path, &name);
	if (dirfd < 0)
		return -1;
	pfd = pin_at(dirfd, name, &st);
	lipc__close(dirfd);
	if (pfd < 0)
		return -1;
	fd = open_pinned(pfd, &st, flags, timeout_ms);
	lipc__close(pfd);
	return fd;
}

/* The fifo: transport; chan->handle is a receiver's own write end with LIPC_CHAN_KEEP. */

static int fifo_parse(struct lipc_addr *a, const char *where)
{
	if (lipc__check_path(where) < 0) {
		if (errno == ENOENT)
			errno = EINVAL;
		return -1;
	}
	strcpy(a->path, where);
	return 0;
}

static int fifo_close(struct lipc_chan *c)
{
	int ret = close(c->st.fd);

	lipc__close(c->handle);
	lipc__disown(c);
	return ret;
}

/*
 * Open our end of the FIFO that pfd pins. A receiver told to keep going (LIPC_CHAN_KEEP) holds
 * a write end of its own, so that the last sender's close is not an end of file: it opens its
 * read end without waiting, and its write end then finds a reader, itself.
 */
static int open_end(struct lipc_chan *c, int pfd, const struct stat *st, int flags, int timeout_ms)
{
	int fd;

	if (!(c->role == LIPC_CHAN_RECV && (c->flags & LIPC_CHAN_KEEP)))
		return open_pinned(pfd, st, flags, timeout_ms);
	fd = open_pinned(pfd, st, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	c->handle = open_pinned(pfd, st, O_WRONLY, 0);
	if (c->handle < 0) {
		lipc__close(fd);
		return -1;
	}
	return fd;
}

/*
 * Create the FIFO, or join the one there when the join policy allows, and open our end of it:
 * the descriptor, or -1. Whichever end comes first creates the FIFO and will remove it.
 */
static int create_or_join(struct lipc_chan *c, int dirfd, const char *name,
			  const struct lipc_chan_opts *o)
{
	struct lipc__trust trust = lipc__trust_of(o);
	int flags = c->role == LIPC_CHAN_RECV ? O_RDONLY : O_WRONLY;
	int created, pfd = -1, fd, r;
	struct lipc__held held;
	struct stat st;

	/* From the creation to the hook, no signal: the hook's handler must know what to remove. */
	lipc__signals_hold(&held, o);
	created = create_at(dirfd, name, o->mode);
	if (created >= 0)
		pfd = pin_at(dirfd, name, &st);
	r = pfd < 0   ? -1
	    : created ? lipc__own(c, dirfd, name, &st, o)
		      : lipc__check_owner(st.st_uid, st.st_mode, &trust);
	lipc__signals_release(&held);
	if (r < 0) {
		if (pfd >= 0)
			lipc__close(pfd);
		return -1;
	}
	fd = open_end(c, pfd, &st, flags, o->timeout_ms);
	lipc__close(pfd);
	return fd;
}

static int fifo_open(struct lipc_chan *c, const struct lipc_addr *a, const struct lipc_chan_opts *o)
{
	const char *name;
	int dirfd = lipc__open_dir(a->path, &name);

	if (dirfd < 0)
		return -1;
	/* Should the end that created the FIFO remove it between our create and our open, again. */
	for (int tries = 0; tries < 3; tries++) {
		c->st.fd = create_or_join(c, dirfd, name, o);
		if (c->st.fd >= 0 || errno != ENOENT)
			break;
		lipc__disown(c);
	}
	lipc__close(dirfd);
	if (c->st.fd < 0) {
		lipc__disown(c);
		return -1;
	}
	/* A timeout of 0 left the descriptor non-blocking already; others choose their mode. */
	if (lipc__stream_set_timeout(c, o->timeout_ms) < 0) {
		fifo_close(c);
		return -1;
	}
	return 0;
}

static const char *fifo_explain(int err)
{
	switch (err) {
	case EEXIST:
		return "exists and is not a FIFO";
	case ELOOP:
		return "is a symbolic link, which is not followed";
	case ENXIO:
		return "no process has the FIFO open for reading";
	case EPIPE:
		return "the reader closed the FIFO";
	default:
		return NULL;
	}
}

const struct lipc_transport lipc__fifo_transport = {
	.scheme = "fifo",
	.id = LIPC_SCHEME_FIFO,
	.parse = fifo_parse,
	.open = fifo_open,
	.send = lipc__stream_send,
	.recv = lipc__stream_recv,
	.set_timeout = lipc__stream_set_timeout,
	.close = fifo_close,
	.explain = fifo_explain,
};
