/* SPDX-License-Identifier: MIT */
/*
 * FIFOs. Two traps shape this file. First, open() blocks until the other end is opened too,
 * and Linux has no way to wait for that with a timeout: a timed open therefore blocks in open()
 * while a helper thread, at the deadline, opens the other end itself to release it (no signals,
 * so the caller's handlers are untouched). Second, a path in a shared directory such as /tmp can
 * be swapped for a symbolic link or a device by another user, and so can a directory on the way
 * to it: the directory is pinned first with an O_PATH descriptor, every lookup, creation and
 * removal goes through it (mkfifoat, fstatat, unlinkat), and the FIFO itself is pinned with an
 * O_PATH descriptor that never follows links, checked with fstat(), and reopened through
 * /proc/self/fd (which must be mounted), so the file checked is the file opened. The steps are
 * also entry points (lipc__fifo_*, internal.h) for the fifo: transport (src/chan/fifo.c), which
 * adds the two traps of a FIFO shared by name: the squatter and the litter.
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
int lipc__fifo_create_at(int dirfd, const char *name, mode_t mode)
{
	struct stat st;

	if (mkfifoat(dirfd, name, mode ? mode : 0600) == 0)
		return 1;
	if (errno != EEXIST || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return is_fifo(&st) < 0 ? -1 : 0;
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
int lipc__fifo_pin_at(int dirfd, const char *name, struct stat *st)
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
int lipc__fifo_open_pinned(int pfd, const struct stat *pinned, int flags, int timeout_ms)
{
	struct stat opened;
	char proc[32];
	int fd;

	/* Reopen the very inode we checked (the O_PATH descriptor cannot read or write). */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	if (timeout_ms == 0)
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

int lipc_fifo_open(const char *path, enum lipc_role role, int flags, mode_t mode, int timeout_ms)
{
	const char *name;
	struct stat st;
	int dirfd, pfd, fd = -1;

	if ((role != LIPC_RECV && role != LIPC_SEND) || (flags & ~(LIPC_CREATE | LIPC_EXCL)) ||
	    ((flags & LIPC_EXCL) && !(flags & LIPC_CREATE)) || (mode & ~(mode_t)0777)) {
		errno = EINVAL;
		return -1;
	}
	dirfd = lipc__open_dir(path, &name);
	if (dirfd < 0)
		return -1;
	if (flags & LIPC_CREATE) {
		int created = lipc__fifo_create_at(dirfd, name, mode);

		if (created < 0)
			goto out_close_dir;
		if (!created && (flags & LIPC_EXCL)) {
			errno = EEXIST;
			goto out_close_dir;
		}
	}
	pfd = lipc__fifo_pin_at(dirfd, name, &st);
	/* The directory's work is done: one descriptor fewer while the open waits (or at EMFILE).
	 */
	lipc__close(dirfd);
	if (pfd < 0)
		return -1;
	fd = lipc__fifo_open_pinned(pfd, &st, role == LIPC_RECV ? O_RDONLY : O_WRONLY, timeout_ms);
	lipc__close(pfd);
	return fd;

out_close_dir:
	lipc__close(dirfd);
	return -1;
}
