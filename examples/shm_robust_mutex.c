/* SPDX-License-Identifier: MIT */
/*
 * examples/shm_robust_mutex.c: a process is killed while it holds a mutex in shared memory, and
 * the survivor recovers, because the mutex is robust.
 *
 *   cc -o shm_robust_mutex shm_robust_mutex.c && ./shm_robust_mutex
 *
 * An ordinary mutex whose owner dies stays locked for ever. A robust one is released by the
 * kernel, and the next pthread_mutex_lock() returns EOWNERDEAD: the lock is yours, but the data
 * may be half-updated. Repair it, then call pthread_mutex_consistent() before unlocking; unlock
 * without it and every later lock fails with ENOTRECOVERABLE. (glibc before 2.34: add -pthread.)
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct accounts {
	pthread_mutex_t lock;
	long a, b; /* a + b is 100 whenever nobody holds the lock */
};

/* pthread functions return an error number instead of setting errno. */
static void check(int error, const char *what)
{
	if (error != 0) {
		errno = error;
		err(1, "%s", what);
	}
}

int main(void)
{
	struct accounts *s;
	pthread_mutexattr_t attr;
	int ready[2], status, r;
	char c;
	pid_t pid;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		err(1, "mmap");
	check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
	check(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED), "setpshared");
	check(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST), "setrobust");
	check(pthread_mutex_init(&s->lock, &attr), "pthread_mutex_init");
	s->a = 60;
	s->b = 40;
	if (pipe(ready) == -1)
		err(1, "pipe");
	setvbuf(stdout, NULL, _IOLBF, 0);

	pid = fork();
	if (pid == -1)
		err(1, "fork");
	if (pid == 0) {
		check(pthread_mutex_lock(&s->lock), "child: pthread_mutex_lock");
		s->a -= 30; /* the first half of moving 30 from a to b */
		printf("child  %d: locked; took 30 from a, b comes next\n", (int)getpid());
		if (write(ready[1], "x", 1) == -1)
			err(1, "write");
		for (;;)
			pause(); /* killed here, still holding the lock */
	}
	if (read(ready[0], &c, 1) != 1)
		err(1, "read");
	if (kill(pid, SIGKILL) == -1)
		err(1, "kill");
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	printf("parent %d: child killed by signal %d while it held the lock\n", (int)getpid(),
	       WTERMSIG(status));

	r = pthread_mutex_lock(&s->lock);
	if (r == EOWNERDEAD) {
		printf("parent %d: pthread_mutex_lock() = EOWNERDEAD, and a + b = %ld\n",
		       (int)getpid(), s->a + s->b);
		s->a = 100 - s->b; /* repair: undo the half-done move */
		check(pthread_mutex_consistent(&s->lock), "pthread_mutex_consistent");
		printf("parent %d: repaired (a = %ld, b = %ld), marked consistent\n", (int)getpid(),
		       s->a, s->b);
	} else {
		check(r, "pthread_mutex_lock");
	}
	check(pthread_mutex_unlock(&s->lock), "pthread_mutex_unlock");

	check(pthread_mutex_lock(&s->lock), "pthread_mutex_lock");
	printf("parent %d: the next pthread_mutex_lock() returns 0: the mutex works again\n",
	       (int)getpid());
	check(pthread_mutex_unlock(&s->lock), "pthread_mutex_unlock");
	if (munmap(s, sizeof(*s)) == -1)
		err(1, "munmap");
	return 0;
}
