/* SPDX-License-Identifier: MIT */
/*
 * Helpers every module needs. Blocking calls are retried on EINTR, because a signal handler
 * installed by the application (without SA_RESTART) must not turn into a spurious failure; close()
 * is never retried, because on Linux the descriptor is gone even when close() reports EINTR, and a
 * retry could close a descriptor that another thread has just been given.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

ssize_t lipc__read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t lipc__write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

void lipc__close(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
}

void lipc__unlink(const char *path)
{
	int saved = errno;

	unlink(path);
	errno = saved;
}

void lipc__deadline_start(struct lipc__deadline *d, int timeout_ms)
{
	d->never = timeout_ms < 0;
	if (d->never)
		return;
	clock_gettime(CLOCK_MONOTONIC, &d->at);
	lipc__timespec_add_ms(&d->at, timeout_ms);
}

long long lipc__remaining_ns(const struct lipc__deadline *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return lipc__timespec_diff_ns(&d->at, &now);
}

int lipc__remaining_ms(const struct lipc__deadline *d)
{
	long long ns;

	if (d->never)
		return -1;
	ns = lipc__remaining_ns(d);
	if (ns <= 0)
		return 0;
	/* Round up, so a wait never ends a fraction of a millisecond before its deadline. */
	return (int)((ns + LIPC__NS_PER_MS - 1) / LIPC__NS_PER_MS);
}

bool lipc__backoff(struct lipc__backoff *b, const struct lipc__deadline *d)
{
	long long sleep = b->step_ns;
	struct timespec ts;

	if (!d->never) {
		long long left = lipc__remaining_ns(d);

		if (left <= 0)
			return false;
		if (left < sleep)
			sleep = left;
	}
	ts = lipc__ns_timespec(sleep);
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL); /* EINTR: just try sooner */
	b->step_ns = b->step_ns > b->max_ns / 2 ? b->max_ns : b->step_ns * 2;
	return true;
}

int lipc__create_or_join(int (*round)(void *arg), void *arg)
{
	int ret = -1;

	for (int tries = 0; tries < LIPC__JOIN_TRIES; tries++) {
		ret = round(arg);
		if (ret >= 0 || errno != ENOENT)
			break;
	}
	return ret;
}

int lipc__wait_fd(int fd, short events, const struct lipc__deadline *d)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, lipc__remaining_ms(d));

		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int lipc__set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	if (!!(fl & O_NONBLOCK) == on)
		return 0;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

int lipc__check_path(const char *path)
{
	size_t n = strnlen(path, PATH_MAX);

	if (n == 0) {
		errno = ENOENT;
		return -1;
	}
	if (n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int lipc__check_name(const char *name)
{
	/* glibc turns "/name" into /dev/shm/name (or sem.name, 4 bytes more): keep that under
	 * NAME_MAX. */
	size_t n;

	if (name[0] != '/' || name[1] == '\0' || strchr(name + 1, '/') || !strcmp(name, "/.") ||
	    !strcmp(name, "/..")) {
		errno = EINVAL;
		return -1;
	}
	n = strnlen(name + 1, NAME_MAX);
	if (n > NAME_MAX - 4) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* The text behind the last failure of this thread, for the error it was kept for. */
static _Thread_local struct {
	int err;
	char text[256];
} why;

int lipc__fail_why(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why.text, sizeof(why.text), fmt, ap);
	va_end(ap);
	why.err = err;
	errno = err;
	return -1;
}

const char *lipc__why(int err)
{
	return err && why.err == err ? why.text : NULL;
}

void lipc__why_clear(void)
{
	why.err = 0;
}

int lipc__open_dir(const char *path, const char **name)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char dir[PATH_MAX];
	size_t n;

	if (lipc__check_path(path) < 0)
		return -1;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		errno = EINVAL;
		return -1;
	}
	/* "f" is in ".", "/f" in "/", "a/b/f" in "a/b". */
	n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
	if (n == 0) {
		strcpy(dir, ".");
	} else {
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	*name = base;
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

bool lipc__trusted_uid(uid_t uid, const struct lipc__trust *t)
{
	return uid == geteuid() || uid == 0 || (t->given && uid == t->owner);
}

int lipc__check_owner(uid_t uid, mode_t mode, const struct lipc__trust *t)
{
	if (lipc__trusted_uid(uid, t))
		return 0;
	if (t->given)
		return lipc__fail_why(
			EPERM,
			"owned by uid %u (mode %04o), not by this user, root or uid %u: "
			"not joined",
			(unsigned)uid, (unsigned)(mode & 07777), (unsigned)t->owner);
	return lipc__fail_why(EPERM,
			      "owned by uid %u (mode %04o), not by this user or root: not joined",
			      (unsigned)uid, (unsigned)(mode & 07777));
}

/* A number from a /proc file, or fallback when it cannot be read. */
long lipc__proc_long(const char *path, long fallback)
{
	char buf[32];
	long v;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return fallback;
	n = lipc__read_full(fd, buf, sizeof(buf) - 1);
	lipc__close(fd);
	if (n <= 0)
		return fallback;
	buf[n] = '\0';
	return sscanf(buf, "%ld", &v) == 1 ? v : fallback;
}

void lipc__proc_walk_fds(pid_t pid, bool (*fn)(pid_t pid, int fd, const struct stat *st, void *arg),
			 void *arg)
{
	DIR *proc = pid > 0 ? NULL : opendir("/proc");
	struct dirent *p = NULL;
	bool stop = false;

	if (pid <= 0 && !proc)
		return;
	while (!stop) {
		char path[64];
		struct dirent *e;
		pid_t who = pid;
		DIR *fds;

		if (proc) {
			p = readdir(proc);
			if (!p)
				break;
			/* Processes only: a pid has no leading zero, and no other entry is digits.
			 */
			if (p->d_name[0] < '1' || p->d_name[0] > '9')
				continue;
			who = (pid_t)atoi(p->d_name);
		}
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)who);
		fds = opendir(path);
		while (fds && !stop && (e = readdir(fds))) {
			struct stat st;

			/* Followed: the link names the open file, whose identity is what we
			 * compare. */
			if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
			    fstatat(dirfd(fds), e->d_name, &st, 0) < 0)
				continue;
			stop = fn(who, atoi(e->d_name), &st, arg);
		}
		if (fds)
			closedir(fds);
		if (!proc)
			break;
	}
	if (proc)
		closedir(proc);
}
