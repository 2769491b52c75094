/* SPDX-License-Identifier: MIT */
/*
 * lipc demo sem: a POSIX named semaphore at 1 is a lock that keeps three processes from losing
 * each other's updates of a shared counter, and a waiter sleeps until a post wakes it; then a
 * System V semaphore taken with SEM_UNDO by a process that is killed is given back by the
 * kernel, which wakes the process waiting behind it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo.h"
#include "lipc/sem.h"

#define WORKERS	    3
#define INCREMENTS  20000
#define STATE_LIMIT 2 /* seconds to wait for a child to fall asleep */

/* Is pid asleep (state S in /proc/PID/stat)? Only to keep the narration true, never to order it. */
static bool asleep(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool s = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		s = p[1] == ' ' && p[2] == 'S';
	fclose(f);
	return s;
}

static void wait_until_asleep(pid_t pid)
{
	time_t give_up = time(NULL) + STATE_LIMIT;

	while (!asleep(pid) && time(NULL) < give_up)
		sched_yield();
}

static void worker(const char *name, long *counter)
{
	/* Found by name, as an unrelated process would find it. */
	struct lipc_sem *s = sem_open_name(name, 0, 0, 0);

	if (!s)
		_exit(demo_fail("sem_open"));
	for (int i = 0; i < INCREMENTS; i++) {
		if (lipc_sem_wait(s) < 0)
			_exit(demo_fail("sem_wait"));
		(*counter)++; /* load, add, store: another process in between would lose one */
		if (lipc_sem_post(s) < 0)
			_exit(demo_fail("sem_post"));
	}
	lipc_sem_close(s);
	_exit(0);
}

static void waiter(struct lipc_sem *s, int ready)
{
	say("waiter", "sem_wait() finds the value 0: the kernel puts this process to sleep");
	close(ready); /* tells the parent this line is out */
	if (lipc_sem_wait(s) < 0)
		_exit(demo_fail("sem_wait"));
	say("waiter", "sem_wait() returned: the post woke it, and it holds the semaphore now");
	lipc_sem_post(s);
	demo_exit();
}

/* The semaphore is held: a waiter sleeps on it until the parent posts. */
static int wake_up(struct lipc_sem *s)
{
	int sync[2];
	pid_t w;
	char c;

	if (pipe2(sync, O_CLOEXEC) < 0)
		return demo_fail("pipe2");
	w = demo_fork();
	if (w < 0) {
		close(sync[0]);
		close(sync[1]);
		return demo_fail("fork");
	}
	if (w == 0) {
		close(sync[0]);
		waiter(s, sync[1]);
	}
	close(sync[1]);
	while (read(sync[0], &c, 1) < 0 && errno == EINTR)
		;
	close(sync[0]);
	wait_until_asleep(w);
	say("parent", "sem_post(): the value goes 0 -> 1 and the kernel wakes the sleeper");
	if (lipc_sem_post(s) < 0) {
		demo_fail("sem_post");
		kill(w, SIGKILL); /* it would sleep for ever */
		demo_reap(&w, 1);
		return 1;
	}
	return demo_reap(&w, 1);
}

/* Part one: a POSIX named semaphore as a lock, and as a wake-up call. */
static int posix_part(void)
{
	const char *name = demo_ipc_name();
	struct lipc_sem *s;
	long *counter;
	pid_t pids[WORKERS] = { 0 };
	int ret = 1, started = 0;

	/* glibc creates it under a random name, then links it to its own: no kill in between. */
	demo_step(true);
	s = sem_open_name(name, LIPC_CREATE | LIPC_EXCL, 0600, 1);
	demo_step(false);
	if (!s)
		return demo_fail("sem_open");
	say("parent",
	    "sem_open(\"%s\", O_CREAT | O_EXCL, 0600, 1): a lock, the file /dev/shm/sem.%s", name,
	    name + 1);
	counter = mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (counter == MAP_FAILED) {
		demo_fail("mmap");
		goto out_unlink;
	}
	say("parent",
	    "%d workers each add 1 to a shared counter %d times, between sem_wait() and "
	    "sem_post()",
	    WORKERS, INCREMENTS);
	for (; started < WORKERS; started++) {
		pids[started] = demo_fork();
		if (pids[started] < 0) {
			demo_fail("fork");
			break;
		}
		if (pids[started] == 0) {
			lipc_sem_close(s); /* a worker finds it by name, as a stranger would */
			worker(name, counter);
		}
	}
	if (demo_reap(pids, started) || started != WORKERS)
		goto out_unmap;
	say("parent", "waitpid() x %d: the counter is %ld, exactly %d x %d: no update was lost",
	    WORKERS, *counter, WORKERS, INCREMENTS);

	if (lipc_sem_wait(s) < 0) {
		demo_fail("sem_wait");
		goto out_unmap;
	}
	say("parent", "sem_wait(): the value goes 1 -> 0; the parent holds the semaphore");
	ret = wake_up(s);

out_unmap:
	munmap(counter, sizeof(*counter));
out_unlink:
	lipc_sem_close(s);
	if (sem_unlink_name(name) < 0 && ret == 0)
		ret = demo_fail("sem_unlink");
	if (ret == 0)
		say("parent",
		    "sem_unlink(): the name is gone; until then it outlives every process");
	return ret;
}

/* The holder takes the semaphore with SEM_UNDO and waits to be killed. */
static void holder(const char *name, int ready)
{
	struct lipc_sem *undo = sem_open_name(name, LIPC_SEM_UNDO, 0, 0);

	if (!undo)
		_exit(demo_fail("semget"));
	if (lipc_sem_wait(undo) < 0)
		_exit(demo_fail("semop"));
	say("holder",
	    "semop(-1, SEM_UNDO): took it (value 0); the kernel records +1 to undo at exit");
	/* The byte says it holds the semaphore; end of file alone, that it failed. */
	if (write(ready, "h", 1) != 1)
		_exit(demo_fail("write"));
	close(ready);
	for (;;)
		pause();
}

static void undo_waiter(struct lipc_sem *s)
{
	if (lipc_sem_wait(s) < 0)
		_exit(demo_fail("semop"));
	say("waiter", "semop(-1) returned: the kernel undid the dead holder's -1, and it took the "
		      "semaphore");
	lipc_sem_post(s);
	demo_exit();
}

/* The holder holds the semaphore: a waiter queues behind it, and the holder is killed. */
static int kill_holder(struct lipc_sem *s, pid_t h)
{
	siginfo_t si = { 0 };
	pid_t pids[2] = { h, -1 };
	int n;

	pids[1] = demo_fork();
	if (pids[1] < 0) {
		demo_fail("fork");
		kill(h, SIGKILL);
		demo_reap(pids, 1);
		return 1;
	}
	if (pids[1] == 0)
		undo_waiter(s);
	/* The kernel counts the processes asleep in the set: wait until the waiter is one. */
	while ((n = lipc_sem_waiters(s)) == 0 &&
	       waitid(P_PID, (id_t)pids[1], &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid == 0)
		sched_yield();
	if (n < 0) {
		demo_fail("semctl(GETNCNT)");
	} else if (si.si_pid == 0) {
		say("parent", "semctl(GETNCNT) = %d: child %d sleeps in semop() behind the holder",
		    n, (int)pids[1]);
		say("parent",
		    "kill(%d, SIGKILL): the holder dies holding the semaphore, never posting",
		    (int)h);
	}
	kill(h, SIGKILL);
	/* The holder is killed on purpose: only the waiter's end tells. */
	if (demo_reap(pids + 1, 1) || n < 0)
		return 1;
	demo_wait(h);
	if (si.si_pid != 0)
		return demo_failf("semop(-1): the waiter did not wait for the holder (unexpected)");
	return 0;
}

/* Part two: what SEM_UNDO does when a holder dies. */
static int sysv_part(void)
{
	key_t key = demo_key();
	char name[32];
	struct lipc_sem *s;
	int sync[2], ret = 1;
	pid_t h;
	ssize_t n;
	char c;

	snprintf(name, sizeof(name), "sysv:0x%08x", (unsigned)key);
	/* Marked in the run's directory first, so that a kill right after semget() leaves it known.
	 */
	if (demo_mark("sysv-sem", key) < 0)
		return demo_fail("mknod");
	s = sem_open_name(name, LIPC_CREATE | LIPC_EXCL, 0600, 1);
	if (!s) {
		demo_fail("semget");
		demo_unmark("sysv-sem", key); /* EEXIST: someone else's, never to be removed */
		return 1;
	}
	say("parent",
	    "semget(0x%08x, 1, IPC_CREAT | IPC_EXCL | 0600): a set of one semaphore, found by its "
	    "key",
	    (unsigned)key);
	say("parent",
	    "semctl(SETVAL, 1), then one semop(): sem_otime != 0 tells openers it is ready");
	if (pipe2(sync, O_CLOEXEC) < 0) {
		demo_fail("pipe2");
		goto out_remove;
	}
	h = demo_fork();
	if (h < 0) {
		demo_fail("fork");
		close(sync[0]);
		close(sync[1]);
		goto out_remove;
	}
	if (h == 0) {
		close(sync[0]);
		holder(name, sync[1]);
	}
	close(sync[1]);
	while ((n = read(sync[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(sync[0]);
	if (n != 1) {
		demo_reap(&h, 1); /* it failed, and said why */
		goto out_remove;
	}
	ret = kill_holder(s, h);

out_remove:
	lipc_sem_close(s);
	if (sem_unlink_name(name) < 0 && ret == 0)
		ret = demo_fail("semctl(IPC_RMID)");
	demo_unmark("sysv-sem", key);
	if (ret == 0)
		say("parent", "semctl(IPC_RMID): the set is gone, at once and for every process");
	return ret;
}

int demo_sem(void)
{
	if (posix_part() || sysv_part())
		return 1;
	takeaway("A semaphore counts: at 1 it is a lock between processes, at 0 a wake-up call; "
		 "only System V's SEM_UNDO gives back what a dead process held.");
	return 0;
}
