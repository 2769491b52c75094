/* SPDX-License-Identifier: MIT */
/*
 * examples/shm_sysv.c: System V shared memory with shmget and shmat, and why IPC_RMID does not
 * free a segment that is still attached.
 *
 *   cc -o shm_sysv shm_sysv.c && ./shm_sysv 0x5eed
 *
 * shmctl(IPC_RMID) only marks the segment: the kernel frees it when the last process attached
 * to it detaches (shmdt, exit or exec), and until then those processes go on using it. Its key
 * is free at once, though, so nobody new can find it. A segment that nobody marks stays for
 * ever, even with no process attached (see ipcs -m): mark it as soon as every user is attached.
 */
#define _GNU_SOURCE /* SHM_DEST */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static void say_attached(int id, const char *what)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds) == -1)
		err(1, "shmctl IPC_STAT");
	printf("parent %d: after %s: nattch = %lu%s\n", (int)getpid(), what,
	       (unsigned long)ds.shm_nattch,
	       ds.shm_perm.mode & SHM_DEST ? ", marked for removal (SHM_DEST)" : "");
}

int main(int argc, char *argv[])
{
	char *end, *mem, c;
	struct shmid_ds ds;
	key_t key = 0x5eed;
	int id, go[2], status;
	pid_t pid;

	if (argc > 1) {
		key = (key_t)strtoul(argv[1], &end, 0);
		if (*end != '\0' || key == IPC_PRIVATE)
			errx(2, "usage: %s [KEY], KEY a number such as 0x5eed", argv[0]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600); /* a new segment, or EEXIST */
	if (id == -1)
		err(1, "shmget 0x%x", (unsigned)key);
	mem = shmat(id, NULL, 0);
	if (mem == (void *)-1)
		err(1, "shmat");
	strcpy(mem, "written before IPC_RMID");
	printf("parent %d: shmget(0x%x) made segment %d; wrote \"%s\"\n", (int)getpid(),
	       (unsigned)key, id, mem);

	if (pipe(go) == -1)
		err(1, "pipe");
	pid = fork(); /* the child inherits the attachment */
	if (pid == -1)
		err(1, "fork");
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) == -1) /* returns 0 when the parent closes go[1] */
			err(1, "read");
		printf("child  %d: after IPC_RMID, still reads \"%s\"\n", (int)getpid(), mem);
		if (shmdt(mem) == -1)
			err(1, "shmdt");
		printf("child  %d: shmdt(): the last detach, so the kernel frees it\n",
		       (int)getpid());
		_exit(0);
	}
	close(go[0]);
	say_attached(id, "fork()");

	if (shmctl(id, IPC_RMID, NULL) == -1)
		err(1, "shmctl IPC_RMID");
	say_attached(id, "shmctl(IPC_RMID)");
	if (shmget(key, 0, 0) == -1)
		printf("parent %d: shmget(0x%x) now fails (%s): the key is free\n", (int)getpid(),
		       (unsigned)key, strerror(errno));
	if (shmdt(mem) == -1)
		err(1, "shmdt");
	say_attached(id, "shmdt()");

	close(go[1]); /* let the child go on */
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	if (shmctl(id, IPC_STAT, &ds) == -1)
		printf("parent %d: segment %d is gone: shmctl() fails (%s)\n", (int)getpid(), id,
		       strerror(errno));
	return 0;
}
