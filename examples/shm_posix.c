/* SPDX-License-Identifier: MIT */
/*
 * examples/shm_posix.c: a writer and a reader pass messages through a POSIX shared memory
 * object, taking turns with two semaphores that live in the object itself.
 *
 *   cc -o shm_posix shm_posix.c && ./shm_posix /shm-demo
 *
 * The writer creates the object with O_EXCL (never someone else's), sizes it with ftruncate()
 * and reserves its pages with posix_fallocate(), so a full /dev/shm fails here instead of
 * killing a process with SIGBUS at its first touch (a load as well as a store) of a page that
 * does not fit. The reader, its child, opens the object by name as any other process could.
 * Shared memory says nothing about when data is ready: without the semaphores the reader would
 * see half-written messages. (glibc < 2.34: add -lrt -pthread.)
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct channel {
	sem_t filled;  /* posted by the writer: text holds a new message */
	sem_t emptied; /* posted by the reader: text is free again */
	char text[256];
};

static const char *const messages[] = { "first message", "second message", "bye" };

static struct channel *map(int fd)
{
	struct channel *ch = mmap(NULL, sizeof(*ch), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (ch == MAP_FAILED)
		err(1, "mmap");
	if (close(fd) == -1) /* the mapping stays without the descriptor */
		err(1, "close");
	return ch;
}

static void reader(const char *name)
{
	int fd = shm_open(name, O_RDWR, 0);
	struct channel *ch;
	int last;

	if (fd == -1)
		err(1, "reader: shm_open %s", name);
	ch = map(fd);
	do {
		if (sem_wait(&ch->filled) == -1)
			err(1, "sem_wait");
		/* text is ours from the wait to the post, and the writer's after that. */
		printf("reader %d: read \"%s\"\n", (int)getpid(), ch->text);
		last = strcmp(ch->text, "bye") == 0;
		if (sem_post(&ch->emptied) == -1)
			err(1, "sem_post");
	} while (!last);
	_exit(0);
}

int main(int argc, char *argv[])
{
	const char *name = argc > 1 ? argv[1] : "/shm-demo";
	struct channel *ch;
	int fd, status;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, even into a pipe */
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd == -1)
		err(1, "shm_open %s", name);
	if (ftruncate(fd, sizeof(*ch)) == -1)
		err(1, "ftruncate");
	errno = posix_fallocate(fd, 0, sizeof(*ch)); /* returns the error, not -1 */
	if (errno != 0)
		err(1, "posix_fallocate");
	ch = map(fd);
	/* pshared = 1: the semaphores work across processes, since they are in shared memory. */
	if (sem_init(&ch->filled, 1, 0) == -1 || sem_init(&ch->emptied, 1, 1) == -1)
		err(1, "sem_init");
	printf("writer %d: created %s, %zu bytes, with two semaphores in it\n", (int)getpid(), name,
	       sizeof(*ch));

	pid = fork();
	if (pid == -1)
		err(1, "fork");
	if (pid == 0)
		reader(name);

	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		if (sem_wait(&ch->emptied) == -1) /* the reader is done with the last one */
			err(1, "sem_wait");
		snprintf(ch->text, sizeof(ch->text), "%s", messages[i]);
		printf("writer %d: wrote \"%s\"\n", (int)getpid(), ch->text);
		if (sem_post(&ch->filled) == -1)
			err(1, "sem_post");
	}
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	/* The name goes now; the memory with the last descriptor and mapping (ours, the last). */
	if (shm_unlink(name) == -1)
		err(1, "shm_unlink");
	printf("writer %d: reader exited with status %d; removed %s\n", (int)getpid(),
	       WEXITSTATUS(status), name);
	return 0;
}
