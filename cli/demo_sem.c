/*
 * lipc demo sem: a POSIX named semaphore at 1 is a lock that keeps three processes from losing
 * each other's updates of a shared counter, and a waiter sleeps until a post wakes it; then a
 * System V semaphore taken with SEM_UNDO by a process that is killed is given back by the
 * kernel, which wakes the process waiting behind it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
	struct lipc_sem *s = lipc_sem_open(name, 0, 0, 0);

	if (!s)
		_exit(1);
	for (int i = 0; i < INCREMENTS; i++) {
		if (lipc_sem_wait(s) < 0)
			_exit(1);
		(*counter)++; /* load, add, store: another process in between would lose one */
		if (lipc_sem_post(s) < 0)
			_exit(1);
	}
	lipc_sem_close(s);
	_exit(0);
}

static void waiter(struct lipc_sem *s, int ready)
{
	say("waiter", "sem_wait() finds the value 0: the kernel puts this process to sleep");
	close(ready); /* tells the parent this line is out */
	if (lipc_sem_wait(s) < 0)
		_exit(1);
	say("waiter", "sem_wait() returned: the post woke it, and it holds the semaphore now");
	lipc_sem_post(s);
	demo_exit();
}

/* Part one: a POSIX named semaphore as a lock, and as a wake-up call. */
static int posix_part(void)
{
	char name[64];
	struct lipc_sem *s;
	long *counter;
	pid_t pids[WORKERS], w;
	int sync[2], ret = 1, started = 0, failed = 0;
	char c;

	snprintf(name, sizeof(name), "/lipc-demo-%d", (int)getpid());
	s = lipc_sem_open(name, O_CREAT | O_EXCL, 0600, 1);
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
		pids[started] = fork();
		if (pids[started] < 0) {
			demo_fail("fork");
			break;
		}
		if (pids[started] == 0)
			worker(name, counter);
	}
	for (int i = 0; i < started; i++)
		failed |= demo_wait(pids[i]) != 0;
	if (failed)
		demo_fail("worker");
	if (failed || started != WORKERS)
		goto out_unmap;
	say("parent", "waitpid() x %d: the counter is %ld, exactly %d x %d: no update was lost",
	    WORKERS, *counter, WORKERS, INCREMENTS);

	if (lipc_sem_wait(s) < 0 || pipe(sync) < 0) {
		demo_fail("sem_wait");
		goto out_unmap;
	}
	say("parent", "sem_wait(): the value goes 1 -> 0; the parent holds the semaphore");
	w = fork();
	if (w < 0) {
		demo_fail("fork");
		goto out_unmap;
	}
	if (w == 0) {
		close(sync[0]);
		waiter(s, sync[1]);
	}
	close(sync[1]);
	(void)!read(sync[0], &c, 1);
	close(sync[0]);
	wait_until_asleep(w);
	say("parent", "sem_post(): the value goes 0 -> 1 and the kernel wakes the sleeper");
	if (lipc_sem_post(s) < 0)
		demo_fail("sem_post");
	else if (demo_wait(w) != 0)
		demo_fail("waiter");
	else
		ret = 0;

out_unmap:
	munmap(counter, sizeof(*counter));
out_unlink:
	lipc_sem_close(s);
	if (lipc_sem_unlink(name) < 0 && ret == 0)
		ret = demo_fail("sem_unlink");
	if (ret == 0)
		say("parent",
		    "sem_unlink(): the name is gone; until then it outlives every process");
	return ret;
}

/* The holder takes the semaphore with SEM_UNDO and waits to be killed. */
static void holder(const char *name, int ready)
{
	struct lipc_sem *undo = lipc_sem_open(name, LIPC_SEM_UNDO, 0, 0);

	if (!undo || lipc_sem_wait(undo) < 0)
		_exit(1);
	say("holder",
	    "semop(-1, SEM_UNDO): took it (value 0); the kernel records +1 to undo at exit");
	close(ready);
	for (;;)
		pause();
}

static void undo_waiter(struct lipc_sem *s)
{
	if (lipc_sem_wait(s) < 0)
		_exit(1);
	say("waiter", "semop(-1) returned: the kernel undid the dead holder's -1, and it took the "
		      "semaphore");
	lipc_sem_post(s);
	demo_exit();
}

/* Part two: what SEM_UNDO does when a holder dies. */
static int sysv_part(void)
{
	char dir[PATH_MAX], name[PATH_MAX + 8];
	const char *tmp = getenv("TMPDIR");
	struct lipc_sem *s;
	siginfo_t si = { 0 };
	pid_t h = -1, w = -1;
	int sync[2], n, ret = 1;
	char c;

	snprintf(dir, sizeof(dir), "%s/lipc-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return demo_fail("mkdtemp");
	snprintf(name, sizeof(name), "sysv:@%s", dir);
	s = lipc_sem_open(name, O_CREAT | O_EXCL, 0600, 1);
	if (!s) {
		demo_fail("semget");
		goto out_rmdir;
	}
	say("parent", "semget(ftok(\"%s\", 1) = 0x%x, 1, IPC_CREAT | IPC_EXCL | 0600)", dir,
	    (unsigned)ftok(dir, 1));
	say("parent",
	    "semctl(SETVAL, 1), then one semop(): sem_otime != 0 tells openers it is ready");
	if (pipe(sync) < 0) {
		demo_fail("pipe");
		goto out_remove;
	}
	h = fork();
	if (h == 0) {
		close(sync[0]);
		holder(name, sync[1]);
	}
	close(sync[1]);
	if (h > 0)
		(void)!read(sync[0], &c, 1);
	close(sync[0]);
	if (h > 0)
		w = fork();
	if (h < 0 || w < 0) {
		demo_fail("fork");
		goto out_kill;
	}
	if (w == 0)
		undo_waiter(s);
	/* The kernel counts the processes asleep in the set: wait until the waiter is one. */
	while ((n = lipc_sem_waiters(s)) == 0 &&
	       waitid(P_PID, (id_t)w, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0)
		sched_yield();
	if (n < 0 || si.si_pid != 0) {
		if (n >= 0)
			errno = ECHILD;
		demo_fail("waiter");
		goto out_kill;
	}
	say("parent", "semctl(GETNCNT) = %d: child %d sleeps in semop() behind the holder", n,
	    (int)w);
	say("parent", "kill(%d, SIGKILL): the holder dies holding the semaphore, never posting",
	    (int)h);
	ret = 0;

out_kill:
	if (h > 0) {
		kill(h, SIGKILL);
		demo_wait(h);
	}
	if (w > 0 && demo_wait(w) != 0)
		ret = demo_fail("waiter");
out_remove:
	lipc_sem_close(s);
	if (lipc_sem_unlink(name) < 0 && ret == 0)
		ret = demo_fail("semctl(IPC_RMID)");
	if (ret == 0)
		say("parent", "semctl(IPC_RMID): the set is gone, at once and for every process");
out_rmdir:
	rmdir(dir);
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
