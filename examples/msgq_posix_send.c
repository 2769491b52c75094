/* SPDX-License-Identifier: MIT */
/*
 * examples/msgq_posix_send.c: send messages, each with a priority, to a POSIX message queue.
 *
 *   cc -o msgq_posix_send msgq_posix_send.c && ./msgq_posix_send /demo 1:low 9:urgent 5:normal
 *   (then ./msgq_posix_recv /demo takes them, the highest priority first)
 *
 * The queue is created when missing, with mode 0600 and room for 10 messages of up to 256
 * bytes; an existing queue keeps the size it was created with. The queue and its messages stay
 * in the kernel after this program exits, until mq_unlink() removes the queue (msgq_posix_recv
 * does). mq_send() blocks while the queue is full, and refuses a message longer than the
 * queue's mq_msgsize with EMSGSIZE. With a C library older than glibc 2.34, add -lrt.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	struct mq_attr attr = { .mq_maxmsg = 10, .mq_msgsize = 256 };
	long prio_max = sysconf(_SC_MQ_PRIO_MAX); /* 32768 on Linux; POSIX promises only 32 */
	mqd_t mq;

	if (argc < 3)
		errx(2, "usage: %s /NAME PRIORITY:MESSAGE...", argv[0]);
	mq = mq_open(argv[1], O_WRONLY | O_CREAT, 0600, &attr);
	if (mq == (mqd_t)-1)
		err(1, "mq_open %s", argv[1]);

	for (int i = 2; i < argc; i++) {
		char *end;
		unsigned long prio = strtoul(argv[i], &end, 10);

		if (end == argv[i] || *end != ':' || prio >= (unsigned long)prio_max)
			errx(2, "'%s': expected PRIORITY:MESSAGE, PRIORITY 0 to %ld", argv[i],
			     prio_max - 1);
		if (mq_send(mq, end + 1, strlen(end + 1), (unsigned)prio) == -1)
			err(1, "mq_send");
		printf("sent \"%s\" with priority %lu\n", end + 1, prio);
	}
	if (mq_close(mq) == -1)
		err(1, "mq_close");
	return 0;
}
