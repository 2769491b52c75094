/* SPDX-License-Identifier: MIT */
/*
 * examples/msgq_sysv.c: typed System V messages between two processes. One queue carries the
 * requests to a child (type 1) and its replies (type 2) at the same time; each side takes only
 * its own type, so the child never takes a reply for a request.
 *
 *   cc -o msgq_sysv msgq_sysv.c && ./msgq_sysv
 *
 * msgsnd() and msgrcv() point at a struct that starts with a long, the type (1 or more), but
 * the size they take counts only the text after it: pass sizeof(m.text), never sizeof(m). A
 * message longer than the size given fails with E2BIG, unless MSG_NOERROR asks to cut it. The
 * queue stays until IPC_RMID removes it: `ipcs -q` lists queues left behind, `ipcrm -q ID`
 * removes one.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#define REQUEST 1
#define REPLY	2

struct message {
	long type;     /* first, and 1 or more */
	char text[64]; /* the part msgsnd() and msgrcv() count */
};

static void send_text(int id, long type, const char *text)
{
	struct message m = { .type = type };
	size_t len = strlen(text);

	if (len > sizeof(m.text))
		errx(1, "\"%s\" is longer than %zu bytes", text, sizeof(m.text));
	memcpy(m.text, text, len);
	if (msgsnd(id, &m, len, 0) == -1) /* blocks while the queue is full */
		err(1, "msgsnd");
}

int main(void)
{
	const char *jobs[] = { "wash", "dry", "fold" };
	struct msqid_ds ds;
	struct message m;
	int id, status;
	ssize_t n;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0); /* nothing buffered to be written twice after fork */
	id = msgget(IPC_PRIVATE, IPC_CREAT | 0600); /* a new queue, which our child inherits */
	if (id == -1)
		err(1, "msgget");
	pid = fork();
	if (pid == -1)
		err(1, "fork");

	if (pid == 0) {
		/* Type 1 only: the replies already in the queue are passed over. */
		while ((n = msgrcv(id, &m, sizeof(m.text), REQUEST, 0)) > 0) {
			printf("child  %d: request \"%.*s\"\n", (int)getpid(), (int)n, m.text);
			for (ssize_t i = 0; i < n; i++)
				m.text[i] = (char)toupper((unsigned char)m.text[i]);
			m.type = REPLY;
			if (msgsnd(id, &m, (size_t)n, 0) == -1)
				err(1, "msgsnd");
		}
		if (n == -1)
			err(1, "msgrcv");
		printf("child  %d: an empty request: done\n", (int)getpid());
		exit(0);
	}

	printf("parent %d: sending %d requests (type 1) to child %d\n", (int)getpid(), 3, (int)pid);
	for (int i = 0; i < 3; i++)
		send_text(id, REQUEST, jobs[i]);
	send_text(id, REQUEST, "");
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");

	/* The child has gone; its replies wait in the queue. */
	if (msgctl(id, IPC_STAT, &ds) == -1)
		err(1, "msgctl");
	printf("parent %d: child exited; %lu replies wait in the queue\n", (int)getpid(),
	       (unsigned long)ds.msg_qnum);
	for (int i = 0; i < 3; i++) {
		n = msgrcv(id, &m, sizeof(m.text), REPLY, IPC_NOWAIT);
		if (n == -1)
			err(1, "msgrcv");
		printf("parent %d: reply \"%.*s\"\n", (int)getpid(), (int)n, m.text);
	}
	if (msgctl(id, IPC_RMID, NULL) == -1)
		err(1, "msgctl IPC_RMID");
	printf("parent %d: removed the queue\n", (int)getpid());
	return 0;
}
