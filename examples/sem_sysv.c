/* SPDX-License-Identifier: MIT */
/*
 * examples/sem_sysv.c: a System V semaphore, initialised without a race, and SEM_UNDO.
 *
 *   cc -o sem_sysv sem_sysv.c && ./sem_sysv [KEY]
 *
 * semget() creates a set and semctl(SETVAL) initialises it: two steps, so another process could
 * use the set in between. The creator asks for IPC_CREAT | IPC_EXCL, sets the value, then
 * operates on it once, which sets sem_otime; any other process waits for sem_otime != 0.
 * A child that takes the semaphore with SEM_UNDO and is killed gets it given back by the kernel;
 * one that takes it without SEM_UNDO and exits leaves it taken for good.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun { /* the caller must define it (man 2 semctl) */
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* Create and initialise the set, or wait until its creator has: the race-free pattern. */
static int open_set(key_t key, int *created)
{
	struct sembuf up = { .sem_num = 0, .sem_op = 1, .sem_flg = 0 }; /* no SEM_UNDO here */
	struct semid_ds ds;
	int id = semget(key, 1, IPC_CREAT | IPC_EXCL | 0600);

	*created = id != -1;
	if (*created) { /* value 0, then +1 as an operation, so that sem_otime is set */
		if (semctl(id, 0, SETVAL, (union semun){ .val = 0 }) == -1 ||
		    semop(id, &up, 1) == -1)
			err(1, "initialise");
		return id;
	}
	if (errno != EEXIST || (id = semget(key, 1, 0600)) == -1)
		err(1, "semget 0x%x", (unsigned)key);
	for (int i = 0; i < 100; i++) { /* at most a second: the creator may have died */
		if (semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }) == -1)
			err(1, "semctl IPC_STAT");
		if (ds.sem_otime != 0)
			return id;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	errx(1, "set 0x%x exists, but nobody initialised it", (unsigned)key);
}

static int value(int id)
{
	int v = semctl(id, 0, GETVAL);

	if (v == -1)
		err(1, "semctl GETVAL");
	return v;
}

/* A child takes the semaphore (value 1 -> 0) and says so; with SEM_UNDO it waits to be killed. */
static pid_t taker(key_t key, short flags)
{
	struct sembuf down = { .sem_num = 0, .sem_op = -1, .sem_flg = flags };
	int fds[2], created;
	pid_t pid;
	char c;

	if (pipe(fds) == -1 || (pid = fork()) == -1)
		err(1, "pipe or fork");
	if (pid == 0) {
		int id = open_set(key, &created); /* the parent's set, initialised */

		close(fds[0]);
		while (semop(id, &down, 1) == -1)
			if (errno != EINTR) /* never restarted, even with SA_RESTART */
				err(1, "semop");
		printf("child  %d: took it%s\n", (int)getpid(), flags ? " with SEM_UNDO" : "");
		fflush(stdout);
		close(fds[1]); /* the parent's read() returns 0 */
		while (flags)
			pause();
		exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) == -1)
		err(1, "read");
	return pid;
}

int main(int argc, char *argv[])
{
	/* The key every process of the program agrees on; or a number such as 0x1234. */
	key_t key = argc > 1 ? (key_t)strtoul(argv[1], NULL, 0) : ftok("/tmp", 'S');
	int id, status, created;
	pid_t pid;

	if (key == -1 || key == IPC_PRIVATE)
		errx(2, "usage: %s [KEY], KEY a number but 0 (ftok failed?)", argv[0]);
	id = open_set(key, &created);
	if (!created)
		errx(1, "set 0x%x exists already (ipcrm -S removes it)", (unsigned)key);
	printf("parent %d: created set 0x%x, initialised to %d\n", (int)getpid(), (unsigned)key,
	       value(id));
	fflush(stdout);

	pid = taker(key, SEM_UNDO);
	if (kill(pid, SIGKILL) == -1 || waitpid(pid, &status, 0) == -1)
		err(1, "kill");
	printf("parent %d: killed it; value %d: the kernel undid its -1\n", (int)getpid(),
	       value(id));
	fflush(stdout);

	pid = taker(key, 0);
	if (waitpid(pid, &status, 0) == -1 || status != 0)
		errx(1, "child %d failed", (int)pid);
	printf("parent %d: it exited; value %d: taken for good\n", (int)getpid(), value(id));

	if (semctl(id, 0, IPC_RMID) == -1) /* at once, waking any waiter with EIDRM */
		err(1, "semctl IPC_RMID");
	return 0;
}
