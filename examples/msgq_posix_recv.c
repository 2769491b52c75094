/* SPDX-License-Identifier: MIT */
/*
 * examples/msgq_posix_recv.c: take every message waiting in a POSIX message queue, the highest
 * priority first, then remove the queue.
 *
 *   cc -o msgq_posix_recv msgq_posix_recv.c && ./msgq_posix_recv /demo
 *   (after ./msgq_posix_send /demo 1:low 9:urgent 5:normal)
 *
 * The receive buffer must hold the queue's mq_msgsize, whatever the length of the messages:
 * mq_receive() refuses a smaller one with EMSGSIZE, so the size comes from mq_getattr(). The
 * queue is opened with O_NONBLOCK, so an empty queue answers EAGAIN; without it, mq_receive()
 * would wait for the next message. Messages of the same priority come in the order sent.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[])
{
	struct mq_attr attr;
	unsigned prio;
	ssize_t n;
	char *buf;
	mqd_t mq;

	if (argc != 2)
		errx(2, "usage: %s /NAME", argv[0]);
	mq = mq_open(argv[1], O_RDONLY | O_NONBLOCK);
	if (mq == (mqd_t)-1)
		err(1, "mq_open %s", argv[1]); /* ENOENT: nothing was sent yet */
	if (mq_getattr(mq, &attr) == -1)
		err(1, "mq_getattr");
	printf("%s: %ld messages waiting, of up to %ld bytes\n", argv[1], attr.mq_curmsgs,
	       attr.mq_msgsize);

	buf = malloc((size_t)attr.mq_msgsize);
	if (!buf)
		err(1, "malloc");
	while ((n = mq_receive(mq, buf, (size_t)attr.mq_msgsize, &prio)) != -1)
		printf("priority %u: \"%.*s\"\n", prio, (int)n, buf);
	if (errno != EAGAIN)
		err(1, "mq_receive");
	free(buf);

	if (mq_close(mq) == -1)
		err(1, "mq_close");
	/* Without this, the queue would stay until reboot. */
	if (mq_unlink(argv[1]) == -1)
		err(1, "mq_unlink");
	printf("%s: empty, and removed\n", argv[1]);
	return 0;
}
