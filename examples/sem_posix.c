/* SPDX-License-Identifier: MIT */
/*
 * examples/sem_posix.c: processes guard a shared counter with a POSIX named semaphore.
 *
 *   cc -o sem_posix sem_posix.c && ./sem_posix [/NAME]
 *
 * The parent creates the semaphore with O_CREAT | O_EXCL and value 1, which makes it a lock and
 * guarantees that the value is the one asked for: without O_EXCL an old semaphore of that name
 * would be opened as it is. Each child opens it by name, as an unrelated program would, and adds
 * 1 to a counter in shared memory 100000 times, each time between sem_wait() and sem_post().
 * The semaphore lives in /dev/shm as sem.NAME until sem_unlink(), so the parent removes it.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 4
#define TIMES	 100000

static void child(const char *name, long *counter)
{
	sem_t *sem = sem_open(name, 0); /* no O_CREAT: the existing one, found by name */

	if (sem == SEM_FAILED)
		err(1, "child: sem_open %s", name);
	for (int i = 0; i < TIMES; i++) {
		while (sem_wait(sem) == -1)
			if (errno != EINTR) /* a signal handler interrupts the wait */
				err(1, "sem_wait");
		(*counter)++; /* only one process at a time runs this line */
		if (sem_post(sem) == -1)
			err(1, "sem_post");
	}
	if (sem_close(sem) == -1)
		err(1, "sem_close");
	exit(0);
}

int main(int argc, char *argv[])
{
	const char *name = argc > 1 ? argv[1] : "/sem_posix_demo";
	int status, failed = 0;
	long *counter;
	sem_t *sem;

	/* EEXIST here: a run that crashed left it; rm /dev/shm/sem.NAME */
	sem = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
	if (sem == SEM_FAILED)
		err(1, "sem_open %s", name);
	counter = mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (counter == MAP_FAILED) {
		sem_unlink(name);
		err(1, "mmap");
	}
	printf("parent %d: created %s, value 1; %d children add 1 to a counter %d times each\n",
	       (int)getpid(), name, CHILDREN, TIMES);
	fflush(stdout); /* or each child would print it again */

	for (int i = 0; i < CHILDREN; i++) {
		pid_t pid = fork();

		if (pid == -1) {
			warn("fork");
			failed = 1;
			break;
		}
		if (pid == 0)
			child(name, counter);
	}
	while (wait(&status) != -1)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	if (errno != ECHILD)
		err(1, "wait");
	printf("parent %d: counter = %ld, expected %d\n", (int)getpid(), *counter,
	       CHILDREN * TIMES);

	/* sem_close() only lets go of it; sem_unlink() removes the name for everyone. */
	if (sem_close(sem) == -1)
		err(1, "sem_close");
	if (sem_unlink(name) == -1)
		err(1, "sem_unlink %s", name);
	printf("parent %d: sem_unlink(\"%s\"): removed from /dev/shm\n", (int)getpid(), name);
	return failed || *counter != CHILDREN * TIMES;
}
