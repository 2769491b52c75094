/* SPDX-License-Identifier: MIT */
/*
 * Message queues, POSIX and System V: the library across processes, the mq: and sysv-mq:
 * channel transports, their limits and refusals, lipc send/recv on queues, the demo and the
 * examples.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "lipc/chan.h"
#include "lipc/msgq.h"

/* "/lipc-test-PID-what", a POSIX queue name of this test. */
static char *mq_name(char *buf, size_t size, const char *what)
{
	char name[NAME_MAX];

	snprintf(buf, size, "/%s", check_name(name, sizeof(name), what));
	return buf;
}

/* "mq:/lipc-test-PID-what"; the name alone goes to name when it is not NULL. */
static char *mq_addr(char *buf, size_t size, const char *what, char *name)
{
	char n[NAME_MAX + 2];

	snprintf(buf, size, "mq:%s", mq_name(n, sizeof(n), what));
	if (name)
		strcpy(name, n);
	return buf;
}

/* "sysv-mq:0x4cPPPPNN" for check_key(n); the key goes to *key. */
static char *sysv_addr(char *buf, size_t size, unsigned n, key_t *key)
{
	*key = check_key(n);
	snprintf(buf, size, "sysv-mq:0x%x", (unsigned)*key);
	return buf;
}

static long proc_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	CHECK(f != NULL);
	CHECK_EQ(fscanf(f, "%ld", &v), 1);
	fclose(f);
	return v;
}

/*
 * In a forked child: no privilege left to exceed a limit with. Root becomes another user; an
 * ordinary user has nothing to drop.
 */
static void drop_privileges(void)
{
	if (geteuid() == 0)
		check_become_other_uid();
}

/*
 * Wait until pid sleeps in system call nr (-1: in any), as /proc shows it (check_asleep_in()).
 * Where /proc/PID/syscall is closed to us, sleeping is all we can see, and it is enough after the
 * child has said, through a pipe, that the wait comes next.
 */
static void wait_sleeping(pid_t pid, long nr)
{
	while (!(nr < 0 ? check_asleep(pid) : check_asleep_in(pid, nr, NULL)))
		sched_yield();
}

/*
 * Fork; the child gets in *fd the write end of a pipe whose read end the parent gets, or the
 * other way round when the parent is the one to tell: "what comes next is the wait".
 */
static pid_t fork_synced(int *fd, bool child_tells)
{
	int p[2];
	pid_t pid;

	CHECK_SYS(pipe2(p, O_CLOEXEC));
	pid = check_fork();
	*fd = p[(pid == 0) == child_tells];
	close(p[(pid == 0) != child_tells]);
	return pid;
}

static void synced(int fd)
{
	CHECK_EQ(write(fd, "", 1), 1);
	close(fd);
}

static void await_sync(int fd)
{
	char c;

	CHECK_EQ(read(fd, &c, 1), 1);
	close(fd);
}

/* POSIX queues: the library. */

static void posix_open_attrs_unlink(void)
{
	char name[NAME_MAX + 2], big[NAME_MAX + 8];
	struct mq_attr attr;
	struct stat st;
	mqd_t mq;

	umask(0);
	mq_name(name, sizeof(name), "q");
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, 0, 0, 0, 0), ENOENT);
	mq = (mqd_t)CHECK_SYS(
		lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0640, 4, 128));
	CHECK_SYS(lipc_msgq_posix_getattr(mq, &attr));
	CHECK_EQ(attr.mq_maxmsg, 4);
	CHECK_EQ(attr.mq_msgsize, 128);
	CHECK_EQ(attr.mq_curmsgs, 0);
	/* On Linux the descriptor is a file descriptor, close-on-exec, with the queue's mode. */
	CHECK_SYS(fstat(mq, &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK(fcntl(mq, F_GETFD) & FD_CLOEXEC);
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0, 4,
				       128),
		  EEXIST);
	CHECK_SYS(lipc_msgq_posix_send(mq, "kept", 4, 0, 0));
	CHECK_SYS(lipc_msgq_posix_close(mq));

	/* Closed, the queue and its message stay; an existing queue keeps its own size. */
	mq = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_RECV, LIPC_CREATE, 0, 10, 64));
	CHECK_SYS(lipc_msgq_posix_getattr(mq, &attr));
	CHECK_EQ(attr.mq_maxmsg, 4);
	CHECK_EQ(attr.mq_msgsize, 128);
	CHECK_EQ(attr.mq_curmsgs, 1);
	CHECK_SYS(lipc_msgq_posix_close(mq));

	CHECK_SYS(lipc_msgq_posix_unlink(name));
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, 0, 0, 0, 0), ENOENT);
	CHECK_ERR(lipc_msgq_posix_unlink(name), ENOENT);

	/* Bad names and flags. */
	CHECK_ERR(lipc_msgq_posix_open("noslash", LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 0, 0),
		  EINVAL);
	CHECK_ERR(lipc_msgq_posix_open("/a/b", LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 0, 0),
		  EINVAL);
	CHECK_ERR(lipc_msgq_posix_open("/", LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 0, 0), EINVAL);
	CHECK_ERR(lipc_msgq_posix_unlink(""), EINVAL);
	big[0] = '/';
	memset(big + 1, 'a', sizeof(big) - 2);
	big[sizeof(big) - 1] = '\0';
	CHECK_ERR(lipc_msgq_posix_open(big, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 0, 0),
		  ENAMETOOLONG);
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV, O_APPEND, 0, 0, 0), EINVAL);
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV, O_CREAT, 0, 0, 0), EINVAL); /* not ours */
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV, LIPC_EXCL, 0, 0, 0), EINVAL);
	CHECK_ERR(lipc_msgq_posix_open(name, 0, 0, 0, 0, 0), EINVAL); /* no role */
	CHECK_ERR(lipc_msgq_posix_open(name, 4, 0, 0, 0, 0), EINVAL);
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, -1, 0), EINVAL);
}

/* With one size given, the other is the system's default, as without attributes. */
static void posix_default_sizes(void)
{
	char name[NAME_MAX + 2];
	long size = proc_long("/proc/sys/fs/mqueue/msgsize_default");
	long size_max = proc_long("/proc/sys/fs/mqueue/msgsize_max");
	struct mq_attr attr;
	mqd_t mq;

	mq_name(name, sizeof(name), "q");
	mq = (mqd_t)CHECK_SYS(
		lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 3, 0));
	CHECK_SYS(lipc_msgq_posix_getattr(mq, &attr));
	CHECK_EQ(attr.mq_maxmsg, 3);
	CHECK_EQ(attr.mq_msgsize, size < size_max ? size : size_max);
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

/* The highest priority first; messages of equal priority in the order sent. */
static void posix_priority_order(void)
{
	static const struct {
		const char *text;
		unsigned prio;
	} sent[] = { { "low", 1 }, { "urgent", 9 }, { "normal", 5 }, { "urgent too", 9 } };
	static const int order[] = { 1, 3, 2, 0 };
	char name[NAME_MAX + 2], buf[64];
	unsigned prio;
	mqd_t mq;
	pid_t pid;

	mq_name(name, sizeof(name), "q");
	mq = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_RECV, LIPC_CREATE, 0, 8, 64));
	pid = check_fork();
	if (pid == 0) {
		mqd_t w = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_SEND, 0, 0, 0, 0));

		for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++)
			CHECK_SYS(lipc_msgq_posix_send(w, sent[i].text, strlen(sent[i].text),
						       sent[i].prio, -1));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0); /* the sender is gone; its messages are not */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		ssize_t n = CHECK_SYS(lipc_msgq_posix_recv(mq, buf, sizeof(buf), &prio, -1));

		CHECK_EQ(n, strlen(sent[order[i]].text));
		CHECK(!memcmp(buf, sent[order[i]].text, (size_t)n));
		CHECK_EQ(prio, sent[order[i]].prio);
	}
	CHECK_ERR(lipc_msgq_posix_recv(mq, buf, sizeof(buf), &prio, 0), EAGAIN);
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

/* A buffer below mq_msgsize is refused even for a short message, which stays; so is a message
 * over mq_msgsize, and a priority out of range. */
static void posix_sizes_refused(void)
{
	char name[NAME_MAX + 2], buf[129] = { 0 };
	mqd_t mq;

	mq_name(name, sizeof(name), "q");
	mq = (mqd_t)CHECK_SYS(
		lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 4, 128));
	CHECK_SYS(lipc_msgq_posix_send(mq, "x", 1, 0, -1));
	CHECK_ERR(lipc_msgq_posix_recv(mq, buf, 127, NULL, 0), EMSGSIZE);
	CHECK_EQ(lipc_msgq_posix_recv(mq, buf, 128, NULL, 0), 1);
	CHECK_ERR(lipc_msgq_posix_send(mq, buf, 129, 0, 0), EMSGSIZE);
	CHECK_SYS(lipc_msgq_posix_send(mq, buf, 128, 0, 0));
	CHECK_ERR(lipc_msgq_posix_send(mq, "x", 1, (unsigned)sysconf(_SC_MQ_PRIO_MAX), 0), EINVAL);
	CHECK_SYS(lipc_msgq_posix_send(mq, "x", 1, (unsigned)sysconf(_SC_MQ_PRIO_MAX) - 1, 0));
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

/* A full queue: EAGAIN without waiting, ETIMEDOUT after a wait; an empty one the same. */
static void posix_full_and_empty(void)
{
	char name[NAME_MAX + 2], buf[64];
	mqd_t mq, nb;

	mq_name(name, sizeof(name), "q");
	mq = (mqd_t)CHECK_SYS(
		lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 2, 64));
	CHECK_ERR(lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, 0), EAGAIN);
	CHECK_ERR(lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, 20), ETIMEDOUT);
	CHECK_SYS(lipc_msgq_posix_send(mq, "a", 1, 0, 0));
	CHECK_SYS(lipc_msgq_posix_send(mq, "b", 1, 0, 0));
	CHECK_ERR(lipc_msgq_posix_send(mq, "c", 1, 0, 0), EAGAIN);
	CHECK_ERR(lipc_msgq_posix_send(mq, "c", 1, 0, 20), ETIMEDOUT);
	/* A descriptor opened with O_NONBLOCK never waits, as mq_send(3) has it. */
	nb = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_SEND, LIPC_MSGQ_NONBLOCK, 0, 0, 0));
	CHECK_ERR(lipc_msgq_posix_send(nb, "c", 1, 0, -1), EAGAIN);
	CHECK_SYS(lipc_msgq_posix_close(nb));
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

/* A timed receive that waits meets a message sent meanwhile; a timed send meets room. */
static void posix_timed_waits_meet_peer(void)
{
	char name[NAME_MAX + 2], buf[64];
	unsigned prio;
	int sync;
	mqd_t mq;
	pid_t parent = getpid(), pid;

	mq_name(name, sizeof(name), "q");
	mq = (mqd_t)CHECK_SYS(
		lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 1, 64));
	pid = fork_synced(&sync, false);
	if (pid == 0) {
		await_sync(sync);
		wait_sleeping(parent, -1);
		CHECK_SYS(lipc_msgq_posix_send(mq, "late", 4, 7, -1));
		_exit(0);
	}
	synced(sync);
	CHECK_EQ(lipc_msgq_posix_recv(mq, buf, sizeof(buf), &prio, 30000), 4);
	CHECK_EQ(prio, 7);
	CHECK_EQ(check_wait(pid), 0);

	CHECK_SYS(lipc_msgq_posix_send(mq, "full", 4, 0, 0));
	pid = fork_synced(&sync, false);
	if (pid == 0) {
		await_sync(sync);
		wait_sleeping(parent, -1);
		CHECK_EQ(lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, -1), 4);
		_exit(0);
	}
	synced(sync);
	CHECK_SYS(lipc_msgq_posix_send(mq, "room", 4, 0, 30000));
	CHECK_EQ(check_wait(pid), 0);
	CHECK_EQ(lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, 0), 4);
	CHECK(!memcmp(buf, "room", 4));
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

/* A child sends text to the queue name and exits; returns its pid after it has. */
static pid_t send_from_child(const char *name, const char *text)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		mqd_t w = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_SEND, 0, 0, 0, 0));

		CHECK_SYS(lipc_msgq_posix_send(w, text, strlen(text), 0, -1));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	return pid;
}

/* The signal comes once, for a message on the empty queue, from the sender, naming the queue. */
static void posix_notify_signal(void)
{
	struct timespec zero = { 0, 0 };
	char name[NAME_MAX + 2], buf[64];
	sigset_t usr1;
	siginfo_t si;
	mqd_t mq;
	pid_t pid;

	mq_name(name, sizeof(name), "q");
	mq = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_RECV, LIPC_CREATE, 0, 4, 64));
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK_SYS(sigprocmask(SIG_BLOCK, &usr1, NULL));
	CHECK_SYS(lipc_msgq_posix_notify(mq, SIGUSR1));

	/* One process per queue. */
	pid = check_fork();
	if (pid == 0) {
		mqd_t other = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_RECV, 0, 0, 0, 0));

		CHECK_ERR(lipc_msgq_posix_notify(other, SIGUSR2), EBUSY);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);

	pid = send_from_child(name, "one");
	CHECK_EQ(sigtimedwait(&usr1, &si, &zero), SIGUSR1);
	CHECK_EQ(si.si_code, SI_MESGQ);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_value.sival_int, mq);
	CHECK_EQ(lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, 0), 3);

	/* Used up: the next message on the empty queue brings no signal. */
	send_from_child(name, "two");
	CHECK_ERR(sigtimedwait(&usr1, &si, &zero), EAGAIN);
	CHECK_EQ(lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, 0), 3);

	/* Re-armed it comes again; cancelled it does not, and another process may register. */
	CHECK_SYS(lipc_msgq_posix_notify(mq, SIGUSR1));
	send_from_child(name, "three");
	CHECK_EQ(sigtimedwait(&usr1, &si, &zero), SIGUSR1);
	CHECK_EQ(lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, 0), 5);
	CHECK_SYS(lipc_msgq_posix_notify(mq, SIGUSR1));
	CHECK_SYS(lipc_msgq_posix_notify_cancel(mq));
	send_from_child(name, "four");
	CHECK_ERR(sigtimedwait(&usr1, &si, &zero), EAGAIN);
	pid = check_fork();
	if (pid == 0) {
		mqd_t other = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_RECV, 0, 0, 0, 0));

		CHECK_SYS(lipc_msgq_posix_notify(other, SIGUSR2));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_ERR(lipc_msgq_posix_notify(mq, 0), EINVAL);
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

static void note_message(union sigval arg)
{
	(void)!write(*(int *)arg.sival_ptr, "n", 1);
}

/* The thread variant calls the function with its argument. */
static void posix_notify_thread(void)
{
	static int pipe_fds[2];
	char name[NAME_MAX + 2], c;
	mqd_t mq;

	mq_name(name, sizeof(name), "q");
	mq = (mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_RECV, LIPC_CREATE, 0, 4, 64));
	CHECK_SYS(pipe2(pipe_fds, O_CLOEXEC));
	CHECK_ERR(lipc_msgq_posix_notify_thread(mq, NULL, NULL), EINVAL);
	CHECK_SYS(lipc_msgq_posix_notify_thread(mq, note_message, &pipe_fds[1]));
	send_from_child(name, "hello");
	CHECK_EQ(read(pipe_fds[0], &c, 1), 1);
	CHECK_EQ(c, 'n');
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}

/* POSIX queues: the limits, named with their value in lipc_addr_strerror(). */

/* Unprivileged, a queue over msg_max or msgsize_max is EINVAL; over RLIMIT_MSGQUEUE, EMFILE. */
static void posix_limits_named(void)
{
	long msg_max = proc_long("/proc/sys/fs/mqueue/msg_max");
	long size_max = proc_long("/proc/sys/fs/mqueue/msgsize_max");
	char addr[NAME_MAX + 8], expected[256];
	pid_t pid;

	mq_addr(addr, sizeof(addr), "q", NULL);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		struct rlimit rl = { 1000, 1000 };
		struct lipc_addr a = LIPC_ADDR_INIT;

		drop_privileges();
		CHECK_SYS(lipc_addr_parse(&a, addr));
		o.max_msgs = msg_max + 1;
		CHECK(!lipc_chan_open(addr, LIPC_RECV, &o) && errno == EINVAL);
		snprintf(expected, sizeof(expected),
			 "a queue of %ld messages is over the system's limit of %ld "
			 "(/proc/sys/fs/mqueue/msg_max)",
			 msg_max + 1, msg_max);
		CHECK_STR(lipc_addr_strerror(&a, EINVAL), expected);

		o.max_msgs = 1;
		o.msg_size = size_max + 1;
		CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == EINVAL);
		snprintf(expected, sizeof(expected),
			 "messages of %ld bytes are over the system's limit of %ld bytes "
			 "(/proc/sys/fs/mqueue/msgsize_max)",
			 size_max + 1, size_max);
		CHECK_STR(lipc_addr_strerror(&a, EINVAL), expected);

		CHECK_SYS(setrlimit(RLIMIT_MSGQUEUE, &rl));
		o.max_msgs = 2;
		o.msg_size = 1000;
		CHECK(!lipc_chan_open(addr, LIPC_RECV, &o) && errno == EMFILE);
		CHECK_CONTAINS(lipc_addr_strerror(&a, EMFILE), "1000 bytes (RLIMIT_MSGQUEUE");
		/* The explanation belongs to the last failure only. */
		CHECK_STR(lipc_addr_strerror(&a, EINVAL), strerror(EINVAL));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
}

/*
 * queues_max is system-wide: the test sets it in an IPC namespace of its own, where nothing
 * else runs, then creates one queue too many as an unprivileged user.
 */
static void posix_queues_max(void)
{
	char addr1[NAME_MAX + 8], addr2[NAME_MAX + 8];
	pid_t pid;

	mq_addr(addr1, sizeof(addr1), "q1", NULL);
	mq_addr(addr2, sizeof(addr2), "q2", NULL);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_chan *c;
		struct lipc_addr a = LIPC_ADDR_INIT;
		FILE *f;

		if (unshare(CLONE_NEWIPC) < 0)
			CHECK_SKIP("unshare(CLONE_NEWIPC): %s", strerror(errno));
		f = fopen("/proc/sys/fs/mqueue/queues_max", "w");
		if (!f || fputs("1\n", f) < 0 || fclose(f) != 0)
			CHECK_SKIP("cannot set queues_max in a new IPC namespace");
		drop_privileges();
		c = lipc_chan_open(addr1, LIPC_RECV, NULL);
		CHECK(c != NULL);
		CHECK(!lipc_chan_open(addr2, LIPC_RECV, NULL) && errno == ENOSPC);
		CHECK_SYS(lipc_addr_parse(&a, addr2));
		CHECK_STR(lipc_addr_strerror(&a, ENOSPC), "too many queues: the system's limit is "
							  "1 (/proc/sys/fs/mqueue/queues_max)");
		CHECK_SYS(lipc_chan_close(c));
		_exit(0); /* the namespace, and its queue, go with us */
	}
	CHECK_EQ(check_wait(pid), 0);
}

/* The mq: transport. */

/* 100,000 numbered, checksummed binary messages, untimed (blocking calls) and timed (poll). */
static void mq_traffic(int timeout_ms)
{
	char addr[NAME_MAX + 8], name[NAME_MAX + 2];
	struct check_traffic t = { .address = mq_addr(addr, sizeof(addr), "q", name),
				   .opts = LIPC_CHAN_OPTS_INIT,
				   .count = 100000,
				   .max_body = 2000,
				   .binary = true };

	t.opts.timeout_ms = timeout_ms;
	t.opts.msg_size = 2048;
	check_traffic(&t);
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

static void mq_hundred_thousand(void)
{
	mq_traffic(-1);
}

static void mq_hundred_thousand_timed(void)
{
	mq_traffic(30000);
}

/* Messages outlive their sender and come by priority; close leaves the queue; both create. */
static void mq_channel_priorities_and_persistence(void)
{
	static const struct lipc_msg msgs[] = {
#define MSG(...) { .struct_size = sizeof(struct lipc_msg), __VA_ARGS__ }
		MSG(.data = "low", .len = 3, .has = LIPC_MSG_PRIORITY, .priority = 1),
		MSG(.data = "urgent", .len = 6, .has = LIPC_MSG_PRIORITY, .priority = 9),
		MSG(.data = "default", .len = 7),
		MSG(.data = "normal", .len = 6, .has = LIPC_MSG_PRIORITY, .priority = 5),
#undef MSG
	};
	static const int order[] = { 1, 3, 2, 0 };
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	char addr[NAME_MAX + 8], name[NAME_MAX + 2];
	struct lipc_chan_stat st = LIPC_CHAN_STAT_INIT;
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	pid_t pid;

	mq_addr(addr, sizeof(addr), "q", name);
	o.max_msgs = 8;
	o.msg_size = 100;
	o.priority = 3;
	pid = check_fork();
	if (pid == 0) {
		c = lipc_chan_open(addr, LIPC_SEND, &o);
		CHECK(c != NULL);
		CHECK_SYS(lipc_chan_stat(c, &st));
		CHECK(st.created);
		for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
			CHECK_SYS(lipc_chan_sendmsg(c, &msgs[i]));
		CHECK_SYS(lipc_chan_close(c));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);

	o.max_msgs = 2; /* it exists: its own size rules */
	c = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(c != NULL);
	CHECK_SYS(lipc_chan_stat(c, &st));
	CHECK(!st.created);
	CHECK_EQ(st.msgs, 4);
	CHECK_EQ(st.max_msgs, 8);
	CHECK_EQ(st.max_bytes, -1);
	CHECK_EQ(st.msg_size, 100);
	CHECK_STR(st.msg_size_limit, "mq_msgsize");
	CHECK_EQ(lipc_chan_max_msg(c), 100);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const struct lipc_msg *want = &msgs[order[i]];

		CHECK_EQ(lipc_chan_recv(c, &m), 1);
		CHECK_EQ(m.has, LIPC_MSG_PRIORITY);
		CHECK_EQ(m.priority, want->has ? want->priority : 3);
		CHECK_EQ(m.len, want->len);
		CHECK(!memcmp(m.data, want->data, m.len));
	}
	/* No end of stream: nothing yet. */
	CHECK_SYS(lipc_chan_set_timeout(c, 0));
	CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
	CHECK_SYS(lipc_chan_set_timeout(c, 10));
	CHECK_ERR(lipc_chan_recv(c, &m), ETIMEDOUT);
	CHECK_ERR(lipc_chan_send(c, "x", 1), EBADF);
	CHECK_SYS(lipc_chan_close(c));

	/* Closed by both ends, the queue is still there until unlinked; then it is gone. */
	CHECK_SYS(lipc_msgq_posix_close(
		(mqd_t)CHECK_SYS(lipc_msgq_posix_open(name, LIPC_RECV, 0, 0, 0, 0))));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV, 0, 0, 0, 0), ENOENT);
}

/* Oversize, a bad priority and a full queue are refused, each naming its limit. */
static void mq_channel_refusals(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	char addr[NAME_MAX + 8], name[NAME_MAX + 2], big[101] = { 0 };
	struct lipc_msg m = { .struct_size = sizeof(struct lipc_msg),
			      .data = "x",
			      .len = 1,
			      .has = LIPC_MSG_PRIORITY };
	struct lipc_chan *c;
	struct lipc_addr a = LIPC_ADDR_INIT;

	mq_addr(addr, sizeof(addr), "q", name);
	CHECK_SYS(lipc_addr_parse(&a, addr));
	o.max_msgs = 2;
	o.msg_size = 100;
	o.timeout_ms = 0;
	c = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(c != NULL);
	CHECK_ERR(lipc_chan_send(c, big, 101), EMSGSIZE);
	CHECK_STR(lipc_addr_strerror(&a, EMSGSIZE),
		  "message of 101 bytes is over the queue's limit of 100 bytes (mq_msgsize)");
	m.priority = (unsigned)sysconf(_SC_MQ_PRIO_MAX);
	CHECK_ERR(lipc_chan_sendmsg(c, &m), EINVAL);
	CHECK_STR(lipc_addr_strerror(&a, EINVAL),
		  "priority 32768 is not below 32768 (MQ_PRIO_MAX)");
	CHECK_SYS(lipc_chan_send(c, big, 100));
	CHECK_SYS(lipc_chan_send(c, "", 0));
	CHECK_ERR(lipc_chan_send(c, "x", 1), EAGAIN);
	CHECK_STR(lipc_addr_strerror(&a, EAGAIN), "the queue is full (mq_maxmsg is 2)");
	CHECK_SYS(lipc_chan_set_timeout(c, 20));
	CHECK_ERR(lipc_chan_send(c, "x", 1), ETIMEDOUT);
	CHECK_SYS(lipc_chan_close(c));

	o.priority = 40000;
	CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == EINVAL);
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

static void addresses(void)
{
	static char long_addr[PATH_MAX + 16];
	struct lipc_addr a = LIPC_ADDR_INIT;
	char path[PATH_MAX];
	key_t key;

	CHECK_SYS(lipc_addr_parse(&a, "mq:/jobs"));
	CHECK_EQ(a.scheme, LIPC_SCHEME_MQ);
	CHECK_STR(a.path, "/jobs");
	CHECK_ERR(lipc_addr_parse(&a, "mq:jobs"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "mq:/a/b"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "mq:/"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "mq:"), EINVAL);
	memcpy(long_addr, "mq:/", 4);
	memset(long_addr + 4, 'a', NAME_MAX);
	CHECK_ERR(lipc_addr_parse(&a, long_addr), ENAMETOOLONG);

	CHECK_SYS(lipc_addr_parse(&a, "sysv-mq:0x4d2"));
	CHECK_EQ(a.scheme, LIPC_SCHEME_SYSV_MQ);
	CHECK_EQ(a.key, 1234);
	CHECK_SYS(lipc_addr_parse(&a, "sysv-mq:1234"));
	CHECK_EQ(a.key, 1234);
	check_path(path, sizeof(path), "file");
	close((int)CHECK_SYS(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	snprintf(long_addr, sizeof(long_addr), "sysv-mq:@%s:7", path);
	CHECK_SYS(lipc_addr_parse(&a, long_addr));
	key = ftok(path, 7);
	CHECK_EQ(a.key, key);
	CHECK_SYS(unlink(path));
	CHECK_ERR(lipc_addr_parse(&a, long_addr), ENOENT);
	CHECK_ERR(lipc_addr_parse(&a, "sysv-mq:0"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "sysv-mq:-1"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "sysv-mq:12abc"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "sysv-mq:"), EINVAL);
	CHECK_CONTAINS(lipc_addr_schemes(), "mq");
	CHECK_CONTAINS(lipc_addr_schemes(), "sysv-mq");
	CHECK_STR(lipc_addr_strerror(&a, EIDRM), "the queue was removed");
}

/* System V queues: the library. */

static long msgmax(void)
{
	return proc_long("/proc/sys/kernel/msgmax");
}

static void sysv_open_rules(void)
{
	key_t key = check_key(1);
	struct msqid_ds ds;
	long max;
	int id;
	pid_t pid;

	CHECK_ERR(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, 0, 0), ENOENT);
	id = (int)CHECK_SYS(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0640));
	CHECK_SYS(msgctl(id, IPC_STAT, &ds));
	CHECK_EQ(ds.msg_perm.mode & 0777, 0640);
	CHECK_EQ(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0),
		 id); /* existing: reused */
	CHECK_EQ(lipc_msgq_sysv_open(key, LIPC_RECV, 0, 0), id);
	CHECK_ERR(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0),
		  EEXIST);
	CHECK_ERR(lipc_msgq_sysv_open(key, LIPC_RECV, O_APPEND, 0), EINVAL);
	CHECK_ERR(lipc_msgq_sysv_open(key, LIPC_RECV, O_CREAT, 0), EINVAL); /* not our flag */
	CHECK_ERR(lipc_msgq_sysv_open(key, 0, 0, 0), EINVAL);		    /* no role */
	CHECK_ERR(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 01777), EINVAL);
	max = msgmax();
	CHECK_EQ(lipc_msgq_sysv_max_msg(id), (long)ds.msg_qbytes < max ? (long)ds.msg_qbytes : max);

	/* The access asked for is checked against the queue's mode, with LIPC_CREATE too. */
	if (check_other_uid()) {
		pid = check_fork();
		if (pid == 0) {
			check_become_other_uid();
			CHECK_ERR(lipc_msgq_sysv_open(key, LIPC_RECV, 0, 0), EACCES);
			CHECK_ERR(lipc_msgq_sysv_open(key, LIPC_SEND, LIPC_CREATE, 0666), EACCES);
			_exit(0);
		}
		CHECK_EQ(check_wait(pid), 0);
	}

	CHECK_SYS(lipc_msgq_sysv_unlink(key));
	CHECK_ERR(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, 0, 0), ENOENT);
	CHECK_ERR(lipc_msgq_sysv_unlink(key), ENOENT);
	CHECK_ERR(lipc_msgq_sysv_max_msg(id), EINVAL);
}

/* msgrcv's rules: 0 the first, N the first of type N, -N the lowest type up to N. */
static void sysv_type_selection(void)
{
	static const struct {
		long type;
		const char *text;
	} sent[] = { { 3, "c" }, { 1, "a1" }, { 2, "b" }, { 1, "a2" }, { 5, "e" } };
	static const struct {
		long select;
		int flags;
		const char *text;
		long type;
	} taken[] = {
		{ 2, 0, "b", 2 },  { -3, 0, "a1", 1 }, { 3, MSG_EXCEPT, "a2", 1 },
		{ -4, 0, "c", 3 }, { 0, 0, "e", 5 },
	};
	key_t key = check_key(1);
	char buf[16];
	long type;
	int id = (int)CHECK_SYS(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0));
	pid_t pid = check_fork();

	if (pid == 0) {
		for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++)
			CHECK_SYS(lipc_msgq_sysv_send(id, sent[i].type, sent[i].text,
						      strlen(sent[i].text), -1));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_ERR(lipc_msgq_sysv_recv(id, buf, sizeof(buf), &type, 4, 0, 0), EAGAIN);
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		ssize_t n = CHECK_SYS(lipc_msgq_sysv_recv(id, buf, sizeof(buf), &type,
							  taken[i].select, taken[i].flags, -1));

		CHECK_EQ(n, strlen(taken[i].text));
		CHECK(!memcmp(buf, taken[i].text, (size_t)n));
		CHECK_EQ(type, taken[i].type);
	}
	CHECK_ERR(lipc_msgq_sysv_recv(id, buf, sizeof(buf), &type, 0, 0, 0), EAGAIN);
	CHECK_ERR(lipc_msgq_sysv_recv(id, buf, sizeof(buf), &type, 0, 0, 20), ETIMEDOUT);
	CHECK_ERR(lipc_msgq_sysv_recv(id, buf, sizeof(buf), &type, 0, IPC_NOWAIT, 0), EINVAL);
	CHECK_ERR(lipc_msgq_sysv_send(id, 0, "x", 1, 0), EINVAL);
	CHECK_ERR(lipc_msgq_sysv_send(id, -2, "x", 1, 0), EINVAL);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

/* A message longer than the buffer is E2BIG and stays; MSG_NOERROR cuts it. Never silently. */
static void sysv_e2big_and_noerror(void)
{
	key_t key = check_key(1);
	char buf[16] = { 0 };
	int id = (int)CHECK_SYS(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0));

	CHECK_SYS(lipc_msgq_sysv_send(id, 1, "0123456789", 10, 0));
	CHECK_ERR(lipc_msgq_sysv_recv(id, buf, 4, NULL, 0, 0, 0), E2BIG);
	CHECK_ERR(lipc_msgq_sysv_recv(id, buf, 4, NULL, 0, 0, -1), E2BIG);
	CHECK_EQ(lipc_msgq_sysv_recv(id, buf, 4, NULL, 0, MSG_NOERROR, 0), 4);
	CHECK_STR(buf, "0123");
	CHECK_ERR(lipc_msgq_sysv_recv(id, buf, 4, NULL, 0, 0, 0), EAGAIN); /* the rest is lost */
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

/* Full: EAGAIN without waiting, ETIMEDOUT after a wait; a message over msgmax is EMSGSIZE. */
static void sysv_full_and_oversize(void)
{
	key_t key = check_key(1);
	struct msqid_ds ds;
	char buf[60] = { 0 }, *big;
	int id = (int)CHECK_SYS(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0));
	size_t over = (size_t)msgmax() + 1;

	CHECK_SYS(msgctl(id, IPC_STAT, &ds));
	ds.msg_qbytes = 100; /* an owner may lower it */
	CHECK_SYS(msgctl(id, IPC_SET, &ds));
	CHECK_SYS(lipc_msgq_sysv_send(id, 1, buf, 50, 0));
	CHECK_SYS(lipc_msgq_sysv_send(id, 1, buf, 50, 0));
	CHECK_ERR(lipc_msgq_sysv_send(id, 1, buf, 1, 0), EAGAIN);
	CHECK_ERR(lipc_msgq_sysv_send(id, 1, buf, 1, 20), ETIMEDOUT);
	CHECK_EQ(lipc_msgq_sysv_max_msg(id), 100);
	big = calloc(1, over);
	CHECK(big != NULL);
	CHECK_ERR(lipc_msgq_sysv_send(id, 1, big, over, 0), EMSGSIZE);
	free(big);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

/* A receiver blocked on a queue that is removed wakes with EIDRM, timed or not. */
static void sysv_removed_while_waiting(void)
{
	static const int timeouts[] = { -1, 30000 };

	for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		key_t key = check_key(1);
		int id = (int)CHECK_SYS(
			    lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0)),
		    sync;
		pid_t pid = fork_synced(&sync, true);
		char buf[8];

		if (pid == 0) {
			synced(sync);
			CHECK_ERR(
				lipc_msgq_sysv_recv(id, buf, sizeof(buf), NULL, 0, 0, timeouts[i]),
				EIDRM);
			_exit(0);
		}
		await_sync(sync);
		/* Untimed, it sleeps in msgrcv(); timed, between two tries. */
		wait_sleeping(pid, timeouts[i] < 0 ? SYS_msgrcv : -1);
		CHECK_SYS(lipc_msgq_sysv_unlink(key));
		CHECK_EQ(check_wait(pid), 0);
	}
}

/* The sysv-mq: transport. */

static void sysv_traffic(int timeout_ms)
{
	char addr[64];
	key_t key;
	struct check_traffic t = { .address = sysv_addr(addr, sizeof(addr), 1, &key),
				   .opts = LIPC_CHAN_OPTS_INIT,
				   .count = 100000,
				   .max_body = 2000,
				   .binary = true };

	t.opts.timeout_ms = timeout_ms;
	check_traffic(&t);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

static void sysv_hundred_thousand(void)
{
	sysv_traffic(-1);
}

static void sysv_hundred_thousand_timed(void)
{
	sysv_traffic(30000);
}

/* Types through the channel: the sender's default and per message, the receiver's selector. */
static void sysv_channel_types(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_msg m = { .struct_size = sizeof(struct lipc_msg),
			      .data = "two",
			      .len = 3,
			      .has = LIPC_MSG_TYPE,
			      .type = 2 };
	struct lipc_chan_stat st = LIPC_CHAN_STAT_INIT;
	struct lipc_chan *tx, *rx;
	char addr[64];
	key_t key;

	sysv_addr(addr, sizeof(addr), 1, &key);
	tx = lipc_chan_open(addr, LIPC_SEND, NULL);
	CHECK(tx != NULL);
	CHECK_SYS(lipc_chan_stat(tx, &st));
	CHECK(st.created);
	CHECK_EQ(st.max_msgs, -1);
	CHECK_SYS(lipc_chan_send(tx, "one", 3)); /* type 1 by default */
	CHECK_SYS(lipc_chan_sendmsg(tx, &m));
	m.type = -1;
	CHECK_ERR(lipc_chan_sendmsg(tx, &m), EINVAL);
	CHECK_SYS(lipc_chan_close(tx));

	o.type = 2;
	o.timeout_ms = 0;
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(rx != NULL);
	CHECK_SYS(lipc_chan_stat(rx, &st));
	CHECK(!st.created);
	CHECK_EQ(st.msgs, 2);
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK_EQ(m.has, LIPC_MSG_TYPE);
	CHECK_EQ(m.type, 2);
	CHECK_EQ(m.len, 3);
	CHECK(!memcmp(m.data, "two", 3));
	CHECK_ERR(lipc_chan_recv(rx, &m), EAGAIN); /* type 1 is there, but not for us */
	CHECK_SYS(lipc_chan_close(rx));
	o.type = -5;
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(rx != NULL);
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK_EQ(m.type, 1);
	CHECK_SYS(lipc_chan_close(rx));

	o.type = -1;
	CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == EINVAL);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

/* The receiver's buffer holds msgmax, so nothing valid is E2BIG; a size asked for may cut. */
static void sysv_channel_sizes(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *tx, *rx, *t2;
	struct lipc_addr a = LIPC_ADDR_INIT;
	struct lipc_msg m = LIPC_MSG_INIT;
	char addr[64], expected[128], small[101] = { 0 }, *big;
	size_t max = (size_t)msgmax();
	key_t key;

	sysv_addr(addr, sizeof(addr), 1, &key);
	CHECK_SYS(lipc_addr_parse(&a, addr));
	big = calloc(1, max + 1);
	CHECK(big != NULL);
	o.timeout_ms = 0;
	tx = lipc_chan_open(addr, LIPC_SEND, &o);
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(tx && rx);
	if ((long)max <= proc_long("/proc/sys/kernel/msgmnb")) {
		CHECK_EQ(lipc_chan_max_msg(tx), max);
		CHECK_ERR(lipc_chan_send(tx, big, max + 1), EMSGSIZE);
		snprintf(expected, sizeof(expected),
			 "message of %zu bytes is over the queue's limit of %zu bytes (msgmax)",
			 max + 1, max);
		CHECK_STR(lipc_addr_strerror(&a, EMSGSIZE), expected);
		CHECK_SYS(lipc_chan_send(tx, big, max));
		CHECK_EQ(lipc_chan_recv(rx, &m), 1);
		CHECK_EQ(m.len, max);
	}
	CHECK_SYS(lipc_chan_send(tx, "0123456789", 10));
	CHECK_SYS(lipc_chan_close(rx));
	free(big);

	/* Asked for 4 bytes without MSG_NOERROR: refused, and the message stays. */
	o.max_msg = 4;
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(rx != NULL);
	CHECK_EQ(lipc_chan_max_msg(rx), 4);
	CHECK_ERR(lipc_chan_recv(rx, &m), EMSGSIZE);
	CHECK_STR(lipc_addr_strerror(&a, EMSGSIZE),
		  "the next message is over the 4 bytes asked for; it stays in the queue");
	CHECK_SYS(lipc_chan_close(rx));
	o.flags = LIPC_CHAN_NOERROR;
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(rx != NULL);
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK_EQ(m.len, 4);
	CHECK(!memcmp(m.data, "0123", 4));
	CHECK_SYS(lipc_chan_close(rx));

	/* A queue that holds fewer bytes than msgmax: that is the limit, and full is EAGAIN. */
	{
		struct msqid_ds ds;
		int id = (int)CHECK_SYS(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, 0, 0));

		CHECK_SYS(msgctl(id, IPC_STAT, &ds));
		ds.msg_qbytes = 100;
		CHECK_SYS(msgctl(id, IPC_SET, &ds));
	}
	t2 = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(t2 != NULL);
	CHECK_EQ(lipc_chan_max_msg(t2), 100);
	CHECK_ERR(lipc_chan_send(t2, small, 101), EMSGSIZE);
	CHECK_STR(lipc_addr_strerror(&a, EMSGSIZE),
		  "message of 101 bytes is over the queue's limit of 100 bytes (msg_qbytes)");
	CHECK_SYS(lipc_chan_send(t2, small, 100));
	CHECK_ERR(lipc_chan_send(t2, "x", 1), EAGAIN);
	CHECK_STR(lipc_addr_strerror(&a, EAGAIN), "the queue is full (msg_qbytes is 100 bytes)");
	CHECK_SYS(lipc_chan_close(t2));
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

/* A removed queue is EIDRM for the channel, whichever call comes first. */
static void sysv_channel_removed(void)
{
	struct lipc_chan *tx, *rx;
	struct lipc_chan_stat st = LIPC_CHAN_STAT_INIT;
	struct lipc_addr a = LIPC_ADDR_INIT;
	struct lipc_msg m = LIPC_MSG_INIT;
	char addr[64];
	key_t key;

	sysv_addr(addr, sizeof(addr), 1, &key);
	CHECK_SYS(lipc_addr_parse(&a, addr));
	tx = lipc_chan_open(addr, LIPC_SEND, NULL);
	rx = lipc_chan_open(addr, LIPC_RECV, NULL);
	CHECK(tx && rx);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
	CHECK_ERR(lipc_chan_recv(rx, &m), EIDRM);
	CHECK_STR(lipc_addr_strerror(&a, EIDRM), "the queue was removed");
	CHECK_ERR(lipc_chan_send(tx, "x", 1), EIDRM);
	CHECK_ERR(lipc_chan_stat(rx, &st), EIDRM);
	CHECK_SYS(lipc_chan_set_timeout(rx, 20));
	CHECK_ERR(lipc_chan_recv(rx, &m), EIDRM);
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_SYS(lipc_chan_close(rx));
}

/* lipc send and recv on queues. */

/* Run lipc with argv, expecting status 0 and nothing on standard error; free the output. */
static void lipc_ok(const char *const argv[])
{
	struct check_cmd c;

	check_cmd_run(&c, NULL, argv);
	if (c.status != 0 || c.err[0])
		check_fail(__FILE__, __LINE__, "%s %s: status %d: %s", argv[1], argv[2], c.status,
			   c.err);
	check_cmd_free(&c);
}

static void cli_priorities(void)
{
	char addr[NAME_MAX + 8], name[NAME_MAX + 2];
	struct check_cmd rx;

	mq_addr(addr, sizeof(addr), "q", name);
	lipc_ok(LIPC_ARGV("send", "--priority", "1", addr, "low"));
	lipc_ok(LIPC_ARGV("send", "--priority", "9", addr, "urgent", "two\nlines"));
	lipc_ok(LIPC_ARGV("send", addr, "zero"));
	lipc_ok(LIPC_ARGV("send", "--priority=5", addr, "normal"));
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-v", "-n", "5", addr)), 0);
	CHECK_STR(rx.out, "len=6 priority=9\turgent\n"
			  "len=9 priority=9\ttwo\nlines\n"
			  "len=6 priority=5\tnormal\n"
			  "len=3 priority=1\tlow\n"
			  "len=4 priority=0\tzero\n");
	CHECK_STR(rx.err, "");
	check_cmd_free(&rx);

	/* No end of stream: recv waits for more, here until -t runs out. */
	lipc_ok(LIPC_ARGV("send", addr, "last"));
	check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-t", "0.1", addr));
	CHECK_STR(rx.out, "last\n");
	CHECK_FAILURE(&rx, "no message within 0.1 s");
	check_cmd_free(&rx);
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

/* lipc recv starts first and waits; lipc send's messages, lines of its input, arrive. */
static void cli_recv_first(void)
{
	char addr[NAME_MAX + 8], name[NAME_MAX + 2];
	struct check_cmd rx, tx;

	mq_addr(addr, sizeof(addr), "q", name);
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-n", "3", addr));
	CHECK_EQ(check_cmd_run(&tx, "one\n\nthree\n", LIPC_ARGV("send", addr)), 0);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.out, "one\n\nthree\n");
	CHECK_STR(rx.err, "");
	check_cmd_free(&tx);
	check_cmd_free(&rx);
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

static void cli_types(void)
{
	char addr[64];
	struct check_cmd rx;
	key_t key;

	sysv_addr(addr, sizeof(addr), 1, &key);
	lipc_ok(LIPC_ARGV("send", "--type", "3", addr, "c"));
	lipc_ok(LIPC_ARGV("send", addr, "a"));
	lipc_ok(LIPC_ARGV("send", "--type", "2", addr, "b"));
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-v", "--type", "2", "-n", "1", addr)),
		 0);
	CHECK_STR(rx.out, "len=1 type=2\tb\n");
	check_cmd_free(&rx);
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "--type", "-3", "-n", "2", addr)), 0);
	CHECK_STR(rx.out, "a\nc\n");
	check_cmd_free(&rx);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

/* Oversize and full are refused with the limit named; an existing queue's size rules. */
static void cli_limits_named(void)
{
	char addr[NAME_MAX + 8], name[NAME_MAX + 2], saddr[64], expected[512], *big;
	size_t max = (size_t)msgmax();
	struct check_cmd c;
	key_t key;

	mq_addr(addr, sizeof(addr), "q", name);
	big = malloc(max + 2);
	CHECK(big != NULL);
	memset(big, 'x', max + 1);
	big[101] = '\0';
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("send", "--max-msgs", "1", "--msg-size", "100", addr, big));
	snprintf(expected, sizeof(expected),
		 "lipc: cannot send to %s: message of 101 bytes is over the queue's limit of 100 "
		 "bytes (mq_msgsize)\n",
		 addr);
	CHECK_EQ(c.status, 1);
	CHECK_STR(c.err, expected);
	check_cmd_free(&c);

	check_cmd_run(&c, NULL, LIPC_ARGV("send", "-t", "0", addr, "a", "b"));
	CHECK_FAILURE(&c, "cannot send to");
	CHECK_CONTAINS(c.err, ": the queue is full (mq_maxmsg is 1)");
	check_cmd_free(&c);
	check_cmd_run(&c, NULL, LIPC_ARGV("send", "-t", "0.05", addr, "c"));
	CHECK_FAILURE(&c, ": no room within 0.05 s: the queue is full (mq_maxmsg is 1)");
	check_cmd_free(&c);

	check_cmd_run(&c, NULL, LIPC_ARGV("recv", "--max-msgs", "5", "-n", "1", addr));
	CHECK_EQ(c.status, 0);
	CHECK_STR(c.out, "a\n");
	CHECK_CONTAINS(c.err, "exists already, with its own size: 1 messages of up to 100 bytes");
	check_cmd_free(&c);
	CHECK_SYS(lipc_msgq_posix_unlink(name));

	/* Over the kernel's hard ceiling, whatever the privileges. */
	check_cmd_run(&c, NULL, LIPC_ARGV("recv", "--msg-size", "20000000", addr));
	CHECK_FAILURE(&c, "messages of 20000000 bytes are over the ");
	check_cmd_free(&c);

	sysv_addr(saddr, sizeof(saddr), 1, &key);
	big[101] = 'x';
	big[max + 1] = '\0';
	if ((long)max <= proc_long("/proc/sys/kernel/msgmnb")) {
		check_cmd_run(&c, NULL, LIPC_ARGV("send", saddr, big));
		snprintf(expected, sizeof(expected),
			 "message of %zu bytes is over the queue's limit of %zu bytes (msgmax)",
			 max + 1, max);
		CHECK_FAILURE(&c, expected);
		check_cmd_free(&c);
		CHECK_SYS(lipc_msgq_sysv_unlink(key));
	}
	free(big);
}

/* A receiver waiting on a queue that is removed says so. */
static void cli_removed_queue(void)
{
	char addr[64];
	struct check_cmd rx;
	key_t key;

	sysv_addr(addr, sizeof(addr), 1, &key);
	CHECK_SYS(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0));
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", addr));
	wait_sleeping(rx.pid, SYS_msgrcv);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
	check_cmd_wait(&rx);
	CHECK_FAILURE(&rx, "cannot receive from");
	CHECK_CONTAINS(rx.err, ": the queue was removed");
	check_cmd_free(&rx);
}

/* Bad input: one line, status 2 (usage) or 1 (failure), never a hang, nothing created. */
static void cli_bad_input(void)
{
	static const struct check_usage usage[] = {
		{ "send",
		  "priority '-1' is out of range (0 to 32767)",
		  { "send", "--priority", "-1", "mq:/x", "a" } },
		{ "send",
		  "priority 'x' is not a number",
		  { "send", "--priority", "x", "mq:/x", "a" } },
		{ "send",
		  "priority '32768' is out of range",
		  { "send", "--priority", "32768", "mq:/x" } },
		{ "send",
		  "type '0' is out of range (1 to",
		  { "send", "--type", "0", "sysv-mq:1", "a" } },
		{ "send",
		  "type '-2' is out of range (1 to",
		  { "send", "--type", "-2", "sysv-mq:1", "a" } },
		{ "recv", "type '-' is not a number", { "recv", "--type", "-", "sysv-mq:1" } },
		{ "recv", "type '2x' is not a number", { "recv", "--type", "2x", "sysv-mq:1" } },
		{ "recv",
		  "type '-9999999999999999999' is out of range",
		  { "recv", "--type", "-9999999999999999999", "sysv-mq:1" } },
		{ "recv", "max-msgs '0' is out of range", { "recv", "--max-msgs", "0", "mq:/x" } },
		{ "recv",
		  "msg-size '-5' is out of range (1 to",
		  { "recv", "--msg-size", "-5", "mq:/x" } },
		{ "recv",
		  "truncate '0' is out of range",
		  { "recv", "--truncate", "0", "sysv-mq:1" } },
		{ "recv", "unknown option '--priority'", { "recv", "--priority", "1", "mq:/x" } },
		{ "send",
		  "unknown option '--truncate'",
		  { "send", "--truncate", "1", "sysv-mq:1" } },
		{ "send",
		  "--priority applies to mq: addresses only",
		  { "send", "--priority", "1", "sysv-mq:1", "a" } },
		{ "send",
		  "--type applies to sysv-mq: addresses only",
		  { "send", "--type", "1", "mq:/x" } },
		{ "recv", "--type applies to sysv-mq:", { "recv", "--type", "1", "fifo:/tmp/x" } },
		{ "recv", "--max-msgs applies to mq:", { "recv", "--max-msgs", "1", "sysv-mq:1" } },
		{ "recv",
		  "--msg-size applies to mq:",
		  { "recv", "--msg-size", "1", "fifo:/tmp/x" } },
		{ "recv",
		  "--truncate applies to sysv-mq:",
		  { "recv", "--truncate", "1", "mq:/x" } },
		{ "recv", "'mq:x' is not an address (mq:/NAME", { "recv", "mq:x" } },
		{ "recv", "'mq:/a/b' is not an address", { "recv", "mq:/a/b" } },
		{ "recv", "'mq:' is not an address", { "recv", "mq:" } },
		{ "recv", "'sysv-mq:0' is not an address (sysv-mq:KEY", { "recv", "sysv-mq:0" } },
		{ "recv", "'sysv-mq:-1' is not an address", { "recv", "sysv-mq:-1" } },
		{ "recv",
		  "'sysv-mq:0x100000000' is not an address",
		  { "recv", "sysv-mq:0x100000000" } },
		{ "recv", "'sysv-mq:@' is not an address", { "recv", "sysv-mq:@" } },
	};
	struct check_cmd c;

	CHECK_USAGE_ERRORS(usage);
	/* A key file that is not there is a failure, not a usage error. */
	check_cmd_run(&c, NULL, LIPC_ARGV("recv", "sysv-mq:@/nonexistent/lipc"));
	CHECK_FAILURE(&c, "sysv-mq:@/nonexistent/lipc: No such file or directory");
	check_cmd_free(&c);
	CHECK_ERR(lipc_msgq_posix_open("/x", LIPC_RECV, 0, 0, 0, 0), ENOENT);
}

/* The helps say which options apply to which mechanism. */
static void cli_help(void)
{
	struct check_cmd c;

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("--help")), 0);
	CHECK_CONTAINS(c.out, "  mq:/NAME ");
	CHECK_CONTAINS(c.out, "  sysv-mq:KEY ");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("send", "--help")), 0);
	CHECK_CONTAINS(c.out, "--priority N       mq:");
	CHECK_CONTAINS(c.out, "--type N           sysv-mq:");
	CHECK_CONTAINS(c.out, "--max-msgs N       mq:");
	CHECK_CONTAINS(c.out, "--msg-size BYTES   mq:");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("recv", "--help")), 0);
	CHECK_CONTAINS(c.out, "--type N           sysv-mq:");
	CHECK_CONTAINS(c.out, "--truncate BYTES   sysv-mq:");
	check_cmd_free(&c);
}

/* lipc demo mq: the story in order, and no queue left behind. */
static void demo(void)
{
	static const char *const steps[] = {
		"mq_send(\"low\", priority 1)",
		"mq_send(\"urgent\", priority 9)",
		"mq_send(\"normal\", priority 5)",
		"mq_receive() -> \"urgent\", priority 9",
		"mq_receive() -> \"normal\", priority 5",
		"mq_receive() -> \"low\", priority 1",
		"msgrcv(msgtyp 2) -> \"for type 2\"",
		"msgrcv(msgtyp -3) -> \"for type 1\"",
		"msgrcv(msgtyp 0) -> \"for type 3\"",
		"msgctl(IPC_RMID)",
		"mq_notify(SIGUSR1)",
		"mq_send(\"ping\")",
		"SIGUSR1 arrived, si_code SI_MESGQ",
		"mq_send(\"pong\")",
		"no signal for \"pong\"",
		"mq_unlink()",
		"=> ",
	};
	struct check_cmd c;
	struct msqid_ds ds;
	const char *p;
	char name[64];
	int pid, id;

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "mq")), 0);
	CHECK_STR(c.err, "");
	p = c.out;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const char *at = strstr(p, steps[i]);

		if (!at)
			check_fail(__FILE__, __LINE__,
				   "step \"%s\" missing or out of order in:\n%s", steps[i], c.out);
		p = at;
	}
	p = strstr(c.out, "mq_open(\"/lipc-demo-");
	CHECK(p != NULL);
	CHECK_EQ(sscanf(p, "mq_open(\"/lipc-demo-%d\"", &pid), 1);
	snprintf(name, sizeof(name), "/lipc-demo-%d", pid);
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV, 0, 0, 0, 0), ENOENT);
	p = strstr(c.out, "a System V queue, id ");
	CHECK(p != NULL);
	CHECK_EQ(sscanf(p, "a System V queue, id %d", &id), 1);
	CHECK_ERR(msgctl(id, IPC_STAT, &ds), EINVAL);
	CHECK(!strstr(c.out, "unexpected"));
	check_cmd_free(&c);
}

/* lipc demo mq | head: the closed pipe still ends lipc, but only after its queue is gone. */
static void demo_into_closed_pipe(void)
{
	char name[64];
	int p[2];
	pid_t pid;

	CHECK_SYS(pipe2(p, O_CLOEXEC));
	close(p[0]);
	pid = check_fork();
	if (pid == 0) {
		CHECK_SYS(dup2(p[1], STDOUT_FILENO));
		execl(check_lipc(), check_lipc(), "demo", "mq", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	CHECK_EQ(check_wait(pid), 128 + SIGPIPE);
	snprintf(name, sizeof(name), "/lipc-demo-%d", (int)pid); /* exec keeps the pid */
	CHECK_ERR(lipc_msgq_posix_open(name, LIPC_RECV, 0, 0, 0, 0), ENOENT);
}

/* examples/: they build alone and print what the guide says. */

static void example_posix_send_and_recv(void)
{
	char name[NAME_MAX + 2], send[PATH_MAX], expected[1024];
	struct check_cmd c;

	mq_name(name, sizeof(name), "q");
	snprintf(send, sizeof(send), "%s", check_example("msgq_posix_send"));
	CHECK_EQ(check_cmd_run(&c, NULL,
			       (const char *const[]){ send, name, "1:low", "9:urgent", "5:normal",
						      NULL }),
		 0);
	CHECK_STR(c.out, "sent \"low\" with priority 1\n"
			 "sent \"urgent\" with priority 9\n"
			 "sent \"normal\" with priority 5\n");
	check_cmd_free(&c);
	check_cmd_run(&c, NULL, (const char *const[]){ send, name, "x:bad", NULL });
	CHECK_EQ(c.status, 2);
	check_cmd_free(&c);

	snprintf(expected, sizeof(expected),
		 "%s: 3 messages waiting, of up to 256 bytes\n"
		 "priority 9: \"urgent\"\n"
		 "priority 5: \"normal\"\n"
		 "priority 1: \"low\"\n"
		 "%s: empty, and removed\n",
		 name, name);
	CHECK_EXAMPLE_OUTPUT("msgq_posix_recv", NULL, expected, name, NULL);
	CHECK_ERR(lipc_msgq_posix_unlink(name), ENOENT);
	check_cmd_run(&c, NULL,
		      (const char *const[]){ check_example("msgq_posix_recv"), name, NULL });
	CHECK_EQ(c.status, 1);
	CHECK_CONTAINS(c.err, "No such file or directory");
	check_cmd_free(&c);
	check_example_remove("msgq_posix_send");
	check_example_remove("msgq_posix_recv");
}

static void example_sysv(void)
{
	CHECK_EXAMPLE_OUTPUT("msgq_sysv", check_no_numbers,
			     "parent N: sending N requests (type N) to child N\n"
			     "child  N: request \"wash\"\n"
			     "child  N: request \"dry\"\n"
			     "child  N: request \"fold\"\n"
			     "child  N: an empty request: done\n"
			     "parent N: child exited; N replies wait in the queue\n"
			     "parent N: reply \"WASH\"\n"
			     "parent N: reply \"DRY\"\n"
			     "parent N: reply \"FOLD\"\n"
			     "parent N: removed the queue\n",
			     NULL);
	check_example_remove("msgq_sysv");
}

CHECK_MAIN(TEST(posix_open_attrs_unlink), TEST(posix_default_sizes), TEST(posix_priority_order),
	   TEST(posix_sizes_refused), TEST(posix_full_and_empty), TEST(posix_timed_waits_meet_peer),
	   TEST(posix_notify_signal), TEST(posix_notify_thread), TEST(posix_limits_named),
	   TEST(posix_queues_max), TEST_T(mq_hundred_thousand, 120),
	   TEST_T(mq_hundred_thousand_timed, 120), TEST(mq_channel_priorities_and_persistence),
	   TEST(mq_channel_refusals), TEST(addresses), TEST(sysv_open_rules),
	   TEST(sysv_type_selection), TEST(sysv_e2big_and_noerror), TEST(sysv_full_and_oversize),
	   TEST(sysv_removed_while_waiting), TEST_T(sysv_hundred_thousand, 120),
	   TEST_T(sysv_hundred_thousand_timed, 120), TEST(sysv_channel_types),
	   TEST(sysv_channel_sizes), TEST(sysv_channel_removed), TEST(cli_priorities),
	   TEST(cli_recv_first), TEST(cli_types), TEST(cli_limits_named), TEST(cli_removed_queue),
	   TEST(cli_bad_input), TEST(cli_help), TEST(demo), TEST(demo_into_closed_pipe),
	   TEST(example_posix_send_and_recv), TEST(example_sysv))
