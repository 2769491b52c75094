/* SPDX-License-Identifier: MIT */
/*
 * lipc demo mq: messages that wait in the kernel after their sender has gone. A POSIX queue
 * hands them out by priority, a System V queue lets the receiver pick by type, and mq_notify()
 * signals the arrival of a message on an empty queue, once.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "demo.h"
#include "lipc/msgq.h"

#define MSG_SIZE 64
/* How long a send may wait for room: never, unless the system's queues are tiny. */
#define PATIENCE_MS 10000

static const struct {
	const char *text;
	unsigned priority;
} posix_msgs[] = { { "low", 1 }, { "urgent", 9 }, { "normal", 5 } };

static const struct {
	const char *text;
	long type;
} sysv_msgs[] = { { "for type 1", 1 }, { "for type 2", 2 }, { "for type 3", 3 } };

/*
 * Fork a child that runs fn(arg, fd) and exits; the child's pid, or -1. The child first closes
 * other, the parent's end of a pipe, so that it sees end of file should the parent die.
 */
static pid_t spawn(void (*fn)(long arg, int fd), long arg, int fd, int other)
{
	pid_t pid = demo_fork();

	if (pid == 0) {
		if (other >= 0)
			close(other);
		fn(arg, fd);
		demo_exit();
	}
	return pid;
}

static void posix_writer(long mq, int unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(posix_msgs) / sizeof(posix_msgs[0]); i++) {
		say("writer", "mq_send(\"%s\", priority %u)", posix_msgs[i].text,
		    posix_msgs[i].priority);
		if (lipc_msgq_posix_send((mqd_t)mq, posix_msgs[i].text, strlen(posix_msgs[i].text),
					 posix_msgs[i].priority, PATIENCE_MS) < 0)
			_exit(demo_fail("mq_send"));
	}
	say("writer", "exits");
}

static void posix_reader(long mq, int unused)
{
	struct mq_attr attr;
	char buf[MSG_SIZE];
	unsigned prio;
	ssize_t n;

	(void)unused;
	if (lipc_msgq_posix_getattr((mqd_t)mq, &attr) < 0)
		_exit(demo_fail("mq_getattr"));
	say("reader", "mq_getattr(): %ld messages waiting, mq_msgsize %ld, so a %ld-byte buffer",
	    attr.mq_curmsgs, attr.mq_msgsize, attr.mq_msgsize);
	while ((n = lipc_msgq_posix_recv((mqd_t)mq, buf, sizeof(buf), &prio, 0)) >= 0)
		say("reader", "mq_receive() -> \"%.*s\", priority %u", (int)n, buf, prio);
	if (errno != EAGAIN)
		_exit(demo_fail("mq_receive"));
	say("reader", "mq_receive() -> EAGAIN: the queue is empty");
}

static void sysv_writer(long id, int unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(sysv_msgs) / sizeof(sysv_msgs[0]); i++) {
		say("writer", "msgsnd(type %ld, \"%s\")", sysv_msgs[i].type, sysv_msgs[i].text);
		if (lipc_msgq_sysv_send((int)id, sysv_msgs[i].type, sysv_msgs[i].text,
					strlen(sysv_msgs[i].text), PATIENCE_MS) < 0)
			_exit(demo_fail("msgsnd"));
	}
}

static void sysv_reader(long id, int unused)
{
	static const struct {
		long select;
		const char *why;
	} picks[] = {
		{ 2, "exactly type 2, past the older type 1" },
		{ -3, "the lowest type up to 3" },
		{ 0, "the first of any type" },
	};
	char buf[MSG_SIZE];
	long type;

	(void)unused;
	for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
		ssize_t n = lipc_msgq_sysv_recv((int)id, buf, sizeof(buf), &type, picks[i].select,
						0, 0);

		if (n < 0)
			_exit(demo_fail("msgrcv"));
		say("reader", "msgrcv(msgtyp %ld) -> \"%.*s\" (type %ld): %s", picks[i].select,
		    (int)n, buf, type, picks[i].why);
	}
}

/* Sends "ping", waits for the parent's word on fd, sends "pong". */
static void notify_writer(long mq, int go)
{
	char c;

	say("writer", "mq_send(\"ping\") to the empty queue");
	if (lipc_msgq_posix_send((mqd_t)mq, "ping", 4, 0, PATIENCE_MS) < 0)
		_exit(demo_fail("mq_send"));
	if (read(go, &c, 1) != 1)
		_exit(1); /* the parent gave up, and said why */
	close(go);
	say("writer", "mq_send(\"pong\") to the empty queue, then exits");
	if (lipc_msgq_posix_send((mqd_t)mq, "pong", 4, 0, PATIENCE_MS) < 0)
		_exit(demo_fail("mq_send"));
}

/* Run a child to its end: 0, or 1 when it failed (it said why) or could not start. */
static int run_child(void (*fn)(long arg, int fd), long arg, int fd)
{
	pid_t pid = spawn(fn, arg, fd, -1);

	if (pid < 0)
		return demo_fail("fork");
	return demo_reap(&pid, 1);
}

static int notification(mqd_t mq)
{
	/* Long enough for any machine; only a broken kernel makes us wait that long. */
	struct timespec zero = { 0, 0 }, patience = { PATIENCE_MS / 1000, 0 };
	sigset_t wanted, old, usr1;
	siginfo_t si;
	char buf[MSG_SIZE];
	int go[2], ret = 1, sig;
	pid_t pid;

	/*
	 * Blocked, the signal waits for sigtimedwait() instead of killing us; so does SIGCHLD,
	 * which says that the writer died before it sent anything.
	 */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	wanted = usr1;
	sigaddset(&wanted, SIGCHLD);
	sigprocmask(SIG_BLOCK, &wanted, &old);
	if (pipe2(go, O_CLOEXEC) < 0) {
		demo_fail("pipe2");
		goto out_mask;
	}
	if (lipc_msgq_posix_notify(mq, SIGUSR1) < 0) {
		demo_fail("mq_notify");
		close(go[0]);
		goto out_go;
	}
	say("parent", "mq_notify(SIGUSR1): signal me when a message lands on the empty queue");
	pid = spawn(notify_writer, mq, go[0], go[1]);
	close(go[0]); /* the writer's end: it sees end of file on go[1] should we give up */
	if (pid < 0) {
		demo_fail("fork");
		goto out_go;
	}
	while ((sig = sigtimedwait(&wanted, &si, &patience)) < 0 && errno == EINTR)
		;
	if (sig == SIGCHLD) {
		goto out_writer; /* the writer failed, and said why */
	} else if (sig < 0) {
		demo_failf("sigtimedwait(): no notification within %d s", PATIENCE_MS / 1000);
		goto out_writer;
	}
	say("parent", "SIGUSR1 arrived, si_code %s, from pid %d",
	    si.si_code == SI_MESGQ ? "SI_MESGQ" : "?", (int)si.si_pid);
	if (lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, 0) < 0) {
		demo_fail("mq_receive");
		goto out_writer;
	}
	if (write(go[1], "", 1) != 1) {
		demo_fail("write");
		goto out_writer;
	}
	if (demo_reap(&pid, 1))
		goto out_go;
	say("parent", "%s",
	    sigtimedwait(&usr1, NULL, &zero) < 0 && errno == EAGAIN
		    ? "no signal for \"pong\": a notification fires once; mq_notify() re-arms it"
		    : "a second signal came (unexpected)");
	if (lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, 0) < 0) {
		demo_fail("mq_receive");
		goto out_go;
	}
	ret = 0;
	goto out_go;
out_writer:
	close(go[1]);
	go[1] = -1;
	kill(pid, SIGKILL);
	demo_reap(&pid, 1);
out_go:
	if (go[1] >= 0)
		close(go[1]);
out_mask:
	/* A SIGCHLD left pending goes when unblocked: its default is to ignore it. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int demo_msgq(void)
{
	const char *name = demo_ipc_name();
	key_t key = demo_key();
	struct mq_attr attr;
	mqd_t mq;
	int id, ret = 1;

	/* As many messages as the system gives by default (10), of up to 64 bytes. */
	mq = lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0600, 0,
				  MSG_SIZE);
	if (mq < 0)
		return demo_fail("mq_open");
	if (lipc_msgq_posix_getattr(mq, &attr) < 0) {
		demo_fail("mq_getattr");
		goto out_unlink;
	}
	say("parent", "mq_open(\"%s\", O_CREAT): a queue of %ld messages of up to %ld bytes", name,
	    attr.mq_maxmsg, attr.mq_msgsize);
	if (run_child(posix_writer, mq, -1) || run_child(posix_reader, mq, -1))
		goto out_unlink;
	say("parent", "the reader got them by priority, and after the writer had gone");

	/* Marked in the run's directory first, so that a kill right after msgget() leaves it known.
	 */
	if (demo_mark("sysv-msg", key) < 0) {
		demo_fail("mknod");
		goto out_unlink;
	}
	id = lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0600);
	if (id < 0) {
		demo_fail("msgget");
		demo_unmark("sysv-msg", key); /* EEXIST: someone else's, never to be removed */
		goto out_unlink;
	}
	say("parent", "msgget(0x%08x, IPC_CREAT | IPC_EXCL | 0600): a System V queue, id %d",
	    (unsigned)key, id);
	ret = run_child(sysv_writer, id, -1) || run_child(sysv_reader, id, -1);
	if (msgctl(id, IPC_RMID, NULL) < 0 && !ret)
		ret = demo_fail("msgctl(IPC_RMID)");
	demo_unmark("sysv-msg", key);
	if (ret)
		goto out_unlink;
	say("parent", "msgctl(IPC_RMID): the System V queue is gone");

	ret = notification(mq);
out_unlink:
	lipc_msgq_posix_close(mq);
	if (lipc_msgq_posix_unlink(name) < 0 && !ret)
		ret = demo_fail("mq_unlink");
	if (ret == 0) {
		say("parent", "mq_unlink(): removed; a queue outlives every process until then");
		takeaway("A queue keeps whole messages in the kernel after their sender has gone: "
			 "POSIX hands them out by priority, System V lets the receiver pick by "
			 "type.");
	}
	return ret;
}
