/*
 * Helpers every module needs. Blocking calls are retried on EINTR, because a signal handler
 * installed by the application (without SA_RESTART) must not turn into a spurious failure; close()
 * is never retried, because on Linux the descriptor is gone even when close() reports EINTR, and a
 * retry could close a descriptor that another thread has just been given.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
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
	d->at.tv_sec += timeout_ms / 1000;
	d->at.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (d->at.tv_nsec >= 1000000000) {
		d->at.tv_sec++;
		d->at.tv_nsec -= 1000000000;
	}
}

int lipc__remaining_ms(const struct lipc__deadline *d)
{
	struct timespec now;
	long long ns;

	if (d->never)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(d->at.tv_sec - now.tv_sec) * 1000000000LL + (d->at.tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	/* Round up, so a wait never ends a fraction of a millisecond before its deadline. */
	return (int)((ns + 999999) / 1000000);
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
