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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "lipc/lock.h"

/* Is some process waiting for a lock on the file? /proc/locks lists it with "->". */
static bool has_waiter(int fd)
{
	struct lipc_lock_owner o[8];
	int n = lipc_lock_list(fd, o, 8);

	for (int i = 0; i < n && i < 8; i++)
		if (o[i].waiting)
			return true;
	return false;
}

static void holder(const char *path, int ready)
{
	struct lipc_lock lk = { .fd = open(path, O_RDWR | O_CLOEXEC), .kind = LIPC_LOCK_OFD };

	if (lk.fd < 0 || lipc_lock_try_lock(&lk) != 1)
		_exit(1);
	say("holder", "fcntl(F_OFD_SETLK, F_WRLCK): the exclusive lock of the whole file is mine");
	close(ready); /* the parent starts the waiter only now */
	while (!has_waiter(lk.fd))
		sched_yield();
	say("holder", "/proc/locks shows a process waiting; F_UNLCK: the kernel wakes it");
	if (lipc_lock_unlock(&lk) < 0)
		_exit(1);
	demo_exit();
}

static void waiter(const char *path)
{
	struct lipc_lock lk = { .fd = open(path, O_RDWR | O_CLOEXEC), .kind = LIPC_LOCK_OFD };
	struct lipc_lock_owner who;

	if (lk.fd < 0 || lipc_lock_try_lock(&lk) != 0 || lipc_lock_holder(&lk, &who) != 1)
		_exit(1);
	say("waiter",
	    "fcntl(F_OFD_SETLK): EAGAIN, busy; F_OFD_GETLK gives no pid, "
	    "/proc/%d/fdinfo shows the holder",
	    (int)who.pid);
	say("waiter", "fcntl(F_OFD_SETLKW): asleep in the kernel's queue for the lock");
	if (lipc_lock_lock(&lk, -1) < 0)
		_exit(1);
	say("waiter", "F_OFD_SETLKW returned 0: woken by the release, the lock is mine");
	demo_exit();
}

static int contend(const char *path)
{
	int ready[2];
	pid_t h, w = -1;
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return demo_fail("pipe2");
	h = fork();
	if (h < 0)
		return demo_fail("fork");
	if (h == 0) {
		close(ready[0]);
		holder(path, ready[1]);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) == 0) /* end of file: the holder has its lock */
		w = fork();
	close(ready[0]);
	if (w < 0) {
		kill(h, SIGKILL);
		demo_wait(h);
		return demo_fail("fork");
	}
	if (w == 0)
		waiter(path);
	return demo_wait(h) == 0 && demo_wait(w) == 0 ? 0 : demo_fail("lock");
}

/* Who holds a POSIX lock on the file, from another process: "pid N", or "nobody". */
static void checker(const char *path, int go, int ack)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct lipc_lock lk = { .fd = fd, .kind = LIPC_LOCK_POSIX };
	struct lipc_lock_owner who;
	char c;

	if (fd < 0 || lipc_lock_holder(&lk, &who) != 1)
		_exit(1);
	say("child", "F_GETLK: pid %d holds a lock on the file", (int)who.pid);
	if (write(ack, "a", 1) != 1 || read(go, &c, 1) != 1)
		_exit(1);
	if (lipc_lock_holder(&lk, &who) != 0)
		_exit(1);
	say("child", "F_GETLK: nobody holds a lock now: that close() dropped it");
	demo_exit();
}

static int posix_trap(const char *path)
{
	struct lipc_lock lk = { .fd = open(path, O_RDWR | O_CLOEXEC), .kind = LIPC_LOCK_POSIX };
	int go[2], ack[2], other, ok;
	pid_t pid;
	char c;

	if (lk.fd < 0 || lipc_lock_try_lock(&lk) != 1)
		return demo_fail("lock");
	say("parent", "fcntl(fd %d, F_SETLK, F_WRLCK): a POSIX lock, which belongs to the process",
	    lk.fd);
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ack, O_CLOEXEC) < 0)
		return demo_fail("pipe2");
	pid = fork();
	if (pid < 0)
		return demo_fail("fork");
	if (pid == 0)
		checker(path, go[0], ack[1]);
	ok = read(ack[0], &c, 1) == 1;
	other = open(path, O_RDONLY | O_CLOEXEC);
	if (ok && other >= 0) {
		say("parent", "open() the same file again as fd %d, then close(fd %d)", other,
		    other);
		close(other);
		ok = write(go[1], "g", 1) == 1;
	}
	close(go[1]);
	if (demo_wait(pid) != 0 || !ok)
		ok = 0;
	close(go[0]);
	close(ack[0]);
	close(ack[1]);
	close(lk.fd);
	return ok ? 0 : demo_fail("posix lock");
}

int demo_lock(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	const char *tmp = getenv("TMPDIR");
	int fd, ret;

	snprintf(dir, sizeof(dir), "%s/lipc-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return demo_fail("mkdtemp");
	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = demo_fail("open");
		goto out_rmdir;
	}
	close(fd);
	say("parent", "created %s; two children will each want an exclusive lock on it", path);
	ret = contend(path);
	if (ret == 0)
		ret = posix_trap(path);
	unlink(path);
out_rmdir:
	rmdir(dir);
	if (ret == 0)
		takeaway(
			"The kernel queues the waiters and wakes one at the release, and frees the "
			"locks of a process that dies. Prefer OFD or flock locks: a POSIX lock "
			"vanishes at any close() of the file by its process.");
	return ret;
}
