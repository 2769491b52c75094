/* SPDX-License-Identifier: MIT */
/*
 * lipc demo lock: two processes want one exclusive lock; the second finds it busy, learns who
 * holds it, sleeps in the kernel's queue and is woken by the release. Then the POSIX trap, live:
 * a process that closes another descriptor of the file loses its lock without a word.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "lipc/lock.h"

/* Is some process waiting for a lock on the file? /proc/locks lists it with "->". -1: error. */
static int has_waiter(int fd)
{
	struct lipc_lock_owner o[8] = { LIPC_LOCK_OWNER_INIT };
	int n = lipc_lock_list(fd, o, 8);

	for (int i = 0; i < n && i < 8; i++)
		if (o[i].waiting)
			return 1;
	return n < 0 ? -1 : 0;
}

static void holder(const char *path, int ready)
{
	struct lipc_lock lk = { .struct_size = sizeof(struct lipc_lock),
				.fd = open(path, O_RDWR | O_CLOEXEC),
				.kind = LIPC_LOCK_OFD };
	int r;

	if (lk.fd < 0)
		_exit(demo_fail("open"));
	if (lipc_lock_try_lock(&lk) != 1)
		_exit(demo_fail("fcntl(F_OFD_SETLK)"));
	say("holder", "fcntl(F_OFD_SETLK, F_WRLCK): the exclusive lock of the whole file is mine");
	/* The byte says the lock is taken; end of file alone, that this process failed. */
	if (write(ready, "h", 1) != 1)
		_exit(demo_fail("write"));
	close(ready);
	/* Should the waiter die instead, the parent kills this process (demo_reap). */
	while ((r = has_waiter(lk.fd)) == 0)
		sched_yield();
	if (r < 0)
		_exit(demo_fail("read /proc/locks"));
	say("holder", "/proc/locks shows a process waiting; F_UNLCK: the kernel wakes it");
	if (lipc_lock_unlock(&lk) < 0)
		_exit(demo_fail("fcntl(F_OFD_SETLK, F_UNLCK)"));
	demo_exit();
}

static void waiter(const char *path)
{
	struct lipc_lock lk = { .struct_size = sizeof(struct lipc_lock),
				.fd = open(path, O_RDWR | O_CLOEXEC),
				.kind = LIPC_LOCK_OFD };
	struct lipc_lock_owner who = LIPC_LOCK_OWNER_INIT;
	int r;

	if (lk.fd < 0)
		_exit(demo_fail("open"));
	r = lipc_lock_try_lock(&lk);
	if (r != 0)
		_exit(r < 0 ? demo_fail("fcntl(F_OFD_SETLK)")
			    : demo_failf("fcntl(F_OFD_SETLK): the lock was free (unexpected)"));
	r = lipc_lock_holder(&lk, &who);
	if (r != 1)
		_exit(r < 0 ? demo_fail("fcntl(F_OFD_GETLK)")
			    : demo_failf("fcntl(F_OFD_GETLK): no holder (unexpected)"));
	say("waiter",
	    "fcntl(F_OFD_SETLK): EAGAIN, busy; F_OFD_GETLK gives no pid, "
	    "/proc/%d/fdinfo shows the holder",
	    (int)who.pid);
	say("waiter", "fcntl(F_OFD_SETLKW): asleep in the kernel's queue for the lock");
	if (lipc_lock_lock(&lk, -1) < 0)
		_exit(demo_fail("fcntl(F_OFD_SETLKW)"));
	say("waiter", "F_OFD_SETLKW returned 0: woken by the release, the lock is mine");
	demo_exit();
}

static int contend(const char *path)
{
	pid_t pids[2] = { -1, -1 };
	int ready[2];
	ssize_t n;
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return demo_fail("pipe2");
	pids[0] = demo_fork();
	if (pids[0] < 0) {
		close(ready[0]);
		close(ready[1]);
		return demo_fail("fork");
	}
	if (pids[0] == 0) {
		close(ready[0]);
		holder(path, ready[1]);
	}
	/* Our write end closed first: a holder that dies early is end of file, not a hang. */
	close(ready[1]);
	while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (n != 1)
		return demo_reap(pids, 1) ? 1 : demo_failf("the holder ended without its lock");
	pids[1] = demo_fork();
	if (pids[1] < 0) {
		demo_fail("fork");
		kill(pids[0], SIGKILL); /* it would wait for a waiter for ever */
		demo_reap(pids, 1);
		return 1;
	}
	if (pids[1] == 0)
		waiter(path);
	return demo_reap(pids, 2);
}

/* Who holds a POSIX lock on the file, from another process: "pid N", or "nobody". */
static void checker(const char *path, int go, int ack)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct lipc_lock lk = { .struct_size = sizeof(struct lipc_lock),
				.fd = fd,
				.kind = LIPC_LOCK_POSIX };
	struct lipc_lock_owner who = LIPC_LOCK_OWNER_INIT;
	int r;
	char c;

	if (fd < 0)
		_exit(demo_fail("open"));
	r = lipc_lock_holder(&lk, &who);
	if (r != 1)
		_exit(r < 0 ? demo_fail("fcntl(F_GETLK)")
			    : demo_failf("fcntl(F_GETLK): nobody holds a lock (unexpected)"));
	say("child", "F_GETLK: pid %d holds a lock on the file", (int)who.pid);
	if (write(ack, "a", 1) != 1)
		_exit(demo_fail("write"));
	close(ack);
	if (read(go, &c, 1) != 1)
		_exit(1); /* the parent gave up, and said why */
	r = lipc_lock_holder(&lk, &who);
	if (r != 0)
		_exit(r < 0 ? demo_fail("fcntl(F_GETLK)")
			    : demo_failf("fcntl(F_GETLK): pid %d still holds a lock (unexpected)",
					 (int)who.pid));
	say("child", "F_GETLK: nobody holds a lock now: that close() dropped it");
	demo_exit();
}

static int posix_trap(const char *path)
{
	struct lipc_lock lk = { .struct_size = sizeof(struct lipc_lock), .kind = LIPC_LOCK_POSIX };
	int go[2], ack[2], other, ret = 1;
	pid_t pid;
	ssize_t n;
	char c;

	lk.fd = open(path, O_RDWR | O_CLOEXEC);
	if (lk.fd < 0)
		return demo_fail("open");
	if (lipc_lock_try_lock(&lk) != 1) {
		demo_fail("fcntl(F_SETLK)");
		goto out_close;
	}
	say("parent", "fcntl(fd %d, F_SETLK, F_WRLCK): a POSIX lock, which belongs to the process",
	    lk.fd);
	if (pipe2(go, O_CLOEXEC) < 0) {
		demo_fail("pipe2");
		goto out_close;
	}
	if (pipe2(ack, O_CLOEXEC) < 0) {
		demo_fail("pipe2");
		goto out_go;
	}
	pid = demo_fork();
	if (pid < 0) {
		demo_fail("fork");
		close(ack[0]);
		close(ack[1]);
		goto out_go;
	}
	if (pid == 0) {
		close(go[1]);
		close(ack[0]);
		checker(path, go[0], ack[1]);
	}
	/*
	 * The ends the child uses are closed here before any wait: a child that dies early is end
	 * of file on ack, and the child sees end of file on go should we give up.
	 */
	close(go[0]);
	close(ack[1]);
	while ((n = read(ack[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(ack[0]);
	if (n == 1) {
		other = open(path, O_RDONLY | O_CLOEXEC);
		if (other < 0) {
			demo_fail("open");
		} else {
			say("parent", "open() the same file again as fd %d, then close(fd %d)",
			    other, other);
			close(other);
			if (write(go[1], "g", 1) == 1)
				ret = 0;
			else
				demo_fail("write");
		}
	}
	close(go[1]);
	if (demo_reap(&pid, 1))
		ret = 1;
	goto out_close;

out_go:
	close(go[0]);
	close(go[1]);
out_close:
	close(lk.fd);
	return ret;
}

int demo_lock(void)
{
	char path[PATH_MAX + 80];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/lock", demo_dir());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return demo_fail("open");
	close(fd);
	say("parent", "created %s; two children will each want an exclusive lock on it", path);
	ret = contend(path);
	if (ret == 0)
		ret = posix_trap(path);
	if (unlink(path) < 0 && ret == 0)
		ret = demo_fail("unlink");
	if (ret == 0)
		takeaway(
			"The kernel queues the waiters and wakes one at the release, and frees the "
			"locks of a process that dies. Prefer OFD or flock locks: a POSIX lock "
			"vanishes at any close() of the file by its process.");
	return ret;
}
