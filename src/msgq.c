/* SPDX-License-Identifier: MIT */
/*
 * Message queues, POSIX and System V (their channel transports are in src/chan/msgq.c). A queue
 * keeps whole messages in the kernel until someone takes them, so it suits producers and
 * consumers that do not run at the same time, or that want priorities (POSIX) or to pick
 * messages by type (System V). Its traps shape this file. A queue outlives every process, so
 * nothing here removes one unless asked to (unlinking on close would destroy the messages the
 * queue exists to keep). A POSIX receive buffer smaller than the queue's mq_msgsize is refused
 * even for a short message, so buffers are sized from mq_getattr(). mq_timedsend() and
 * mq_timedreceive() take an absolute CLOCK_REALTIME time, which moves when the clock is set:
 * timed waits here poll() the descriptor on the monotonic clock instead, and call the queue only
 * when it will not block. System V has no timed calls and no descriptor to poll, so a timed wait
 * retries with IPC_NOWAIT and a bounded backoff, while an untimed one stays one plain blocking
 * call. msgsnd() and msgrcv() want the type in front of the bytes and count only the bytes,
 * the most common System V bug, so that layout is kept in one place (struct lipc__sysv_msg). A
 * removed System V queue wakes its waiters with EIDRM but answers later calls with EINVAL: both
 * mean "removed" here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "lipc/key.h"
#include "lipc/msgq.h"

/* POSIX message queues. */

/* What a new queue gets when mq_open() is given no attributes. */
void lipc__msgq_posix_defaults(long *max_msgs, long *msg_size)
{
	long msg_max = lipc__proc_long(LIPC__MQ_PROC "msg_max", 10);
	long size_max = lipc__proc_long(LIPC__MQ_PROC "msgsize_max", 8192);
	long msgs = lipc__proc_long(LIPC__MQ_PROC "msg_default", 10);
	long size = lipc__proc_long(LIPC__MQ_PROC "msgsize_default", 8192);

	if (!*max_msgs)
		*max_msgs = msgs < msg_max ? msgs : msg_max;
	if (!*msg_size)
		*msg_size = size < size_max ? size : size_max;
}

/* The open(2) access of roles (LIPC_RECV, LIPC_SEND or both), or -1 with EINVAL for none. */
static int role_access(int role)
{
	switch (role) {
	case LIPC_RECV:
		return O_RDONLY;
	case LIPC_SEND:
		return O_WRONLY;
	case LIPC_RECV | LIPC_SEND:
		return O_RDWR;
	default:
		errno = EINVAL;
		return -1;
	}
}

/* flags within allowed, LIPC_EXCL only with LIPC_CREATE, mode within 0777: else EINVAL. */
static int check_flags(int flags, int allowed, mode_t mode)
{
	if ((flags & ~allowed) || ((flags & LIPC_EXCL) && !(flags & LIPC_CREATE)) ||
	    (mode & ~(mode_t)0777)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

mqd_t lipc_msgq_posix_open(const char *name, int role, int flags, mode_t mode, long max_msgs,
			   long msg_size)
{
	struct mq_attr attr = { 0 };
	int oflag = role_access(role);

	if (lipc__check_name(name) < 0 || oflag < 0 ||
	    check_flags(flags, LIPC_CREATE | LIPC_EXCL | LIPC_MSGQ_NONBLOCK, mode) < 0)
		return -1;
	if (max_msgs < 0 || msg_size < 0) {
		errno = EINVAL;
		return -1;
	}
	if (flags & LIPC_MSGQ_NONBLOCK)
		oflag |= O_NONBLOCK;
	if (!(flags & LIPC_CREATE))
		return mq_open(name, oflag);
	oflag |= O_CREAT | ((flags & LIPC_EXCL) ? O_EXCL : 0);
	if (!max_msgs && !msg_size)
		return mq_open(name, oflag, mode ? mode : 0600, NULL);
	/* mq_open() takes both sizes or neither: fill in the one not given as the kernel would. */
	lipc__msgq_posix_defaults(&max_msgs, &msg_size);
	attr.mq_maxmsg = max_msgs;
	attr.mq_msgsize = msg_size;
	return mq_open(name, oflag, mode ? mode : 0600, &attr);
}

int lipc_msgq_posix_close(mqd_t mq)
{
	/* A descriptor that was never opened (or already closed and set to -1): nothing to do. */
	if (mq == (mqd_t)-1)
		return 0;
	return mq_close(mq);
}

int lipc_msgq_posix_unlink(const char *name)
{
	if (lipc__check_name(name) < 0)
		return -1;
	return mq_unlink(name);
}

int lipc_msgq_posix_getattr(mqd_t mq, struct mq_attr *attr)
{
	return mq_getattr(mq, attr);
}

/*
 * An absolute time long past: mq_timedsend() and mq_timedreceive() given it fail at once with
 * ETIMEDOUT where they would block, and never sleep on the wall clock. It leaves the
 * descriptor's O_NONBLOCK alone, which matters because that flag is shared with every process
 * that inherited the descriptor.
 */
static const struct timespec long_ago = { 0, 0 };

/* One send or receive: plain and blocking without a timeout, else try, poll(), try again. */
static ssize_t mq_op(mqd_t mq, bool send, char *buf, size_t len, unsigned *prio, int timeout_ms)
{
	struct lipc__deadline d;

	lipc__deadline_start(&d, timeout_ms);
	for (;;) {
		ssize_t n;
		int ready;

		if (timeout_ms < 0)
			n = send ? mq_send(mq, buf, len, *prio) : mq_receive(mq, buf, len, prio);
		else if (send)
			n = mq_timedsend(mq, buf, len, *prio, &long_ago);
		else
			n = mq_timedreceive(mq, buf, len, prio, &long_ago);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (timeout_ms < 0 || (errno != ETIMEDOUT && errno != EAGAIN))
			return -1;
		/* On Linux an mqd_t is a descriptor: POLLIN means a message, POLLOUT room. */
		ready = lipc__wait_fd(mq, send ? POLLOUT : POLLIN, &d);
		if (ready < 0)
			return -1;
		if (ready == 0)
			return lipc__timed_out(timeout_ms);
	}
}

int lipc_msgq_posix_send(mqd_t mq, const void *data, size_t len, unsigned priority, int timeout_ms)
{
	/* mq_send() takes a const pointer; mq_op() shares one pointer for both directions. */
	char *p = (char *)(uintptr_t)data;

	return mq_op(mq, true, p, len, &priority, timeout_ms) < 0 ? -1 : 0;
}

ssize_t lipc_msgq_posix_recv(mqd_t mq, void *buf, size_t size, unsigned *priority, int timeout_ms)
{
	unsigned prio;
	ssize_t n = mq_op(mq, false, buf, size, &prio, timeout_ms);

	if (n >= 0 && priority)
		*priority = prio;
	return n;
}

int lipc_msgq_posix_notify(mqd_t mq, int signo)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = signo };

	/* The kernel takes signal 0, which would arm a notification that never comes. */
	if (signo < 1 || signo > SIGRTMAX) {
		errno = EINVAL;
		return -1;
	}
	/* The queue rides along, so that one handler can serve several queues. */
	sev.sigev_value.sival_int = mq;
	return mq_notify(mq, &sev);
}

int lipc_msgq_posix_notify_thread(mqd_t mq, void (*fn)(union sigval arg), void *arg)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = fn };

	if (!fn) {
		errno = EINVAL;
		return -1;
	}
	sev.sigev_value.sival_ptr = arg;
	return mq_notify(mq, &sev);
}

int lipc_msgq_posix_notify_cancel(mqd_t mq)
{
	return mq_notify(mq, NULL);
}

/* System V message queues. */

long lipc__msgq_sysv_msgmax(void)
{
	return lipc__proc_long("/proc/sys/kernel/msgmax", 8192);
}

/* One round of lipc_msgq_sysv_open()'s create-or-join. */
struct sysv_open {
	key_t key;
	int mode, want;
};

static int sysv_open_round(void *arg)
{
	const struct sysv_open *o = arg;
	int id = msgget(o->key, IPC_CREAT | IPC_EXCL | o->mode);

	if (id >= 0 || errno != EEXIST)
		return id;
	return msgget(o->key, o->want);
}

int lipc_msgq_sysv_open(key_t key, int role, int flags, mode_t mode)
{
	int acc = role_access(role), want;

	if (acc < 0 || check_flags(flags, LIPC_CREATE | LIPC_EXCL, mode) < 0)
		return -1;
	/* msgget() checks the permission bits it is given against an existing queue. */
	want = acc == O_RDONLY ? 0400 : acc == O_WRONLY ? 0200 : 0600;
	if (!(flags & LIPC_CREATE))
		return msgget(key, want);
	/*
	 * IPC_CREAT alone on an existing queue would check the new queue's mode as the access
	 * wanted: create exclusively, and open what exists for the access asked.
	 */
	if (flags & LIPC_EXCL)
		return msgget(key, IPC_CREAT | IPC_EXCL | (int)(mode ? mode : 0600));
	return lipc__create_or_join(sysv_open_round,
				    &(struct sysv_open){ key, (int)(mode ? mode : 0600), want });
}

int lipc_msgq_sysv_unlink(key_t key)
{
	int id = msgget(key, 0);

	if (id < 0)
		return -1;
	return msgctl(id, IPC_RMID, NULL);
}

long lipc_msgq_sysv_max_msg(int id)
{
	struct msqid_ds ds;
	long max = lipc__msgq_sysv_msgmax();

	if (msgctl(id, IPC_STAT, &ds) < 0)
		return -1;
	return (long)ds.msg_qbytes < max ? (long)ds.msg_qbytes : max;
}

/*
 * One msgsnd() (send) or msgrcv() of up to len bytes. Without a timeout it is one blocking call;
 * with one, System V offers no way to wait with a deadline (no timed call, no descriptor for
 * poll(), and interrupting a call needs a signal handler, which a library must not install), so
 * it tries with IPC_NOWAIT and sleeps between tries (LIPC__BACKOFF_MSGQ: 50 us at first, doubling
 * up to 5 ms). valid
 * says the id is known to have been a queue: EINVAL then means it was removed.
 */
ssize_t lipc__msgq_sysv_op(int id, bool send, struct lipc__sysv_msg *m, size_t len, long select,
			   int flags, int timeout_ms, bool valid)
{
	struct lipc__backoff b = LIPC__BACKOFF_MSGQ;
	struct lipc__deadline d;

	if (timeout_ms >= 0)
		flags |= IPC_NOWAIT;
	lipc__deadline_start(&d, timeout_ms);
	for (;;) {
		ssize_t n = send ? msgsnd(id, m, len, flags) : msgrcv(id, m, len, select, flags);

		if (n >= 0)
			return send ? 0 : n;
		if (errno == EINVAL) {
			if (send && len > (size_t)lipc__msgq_sysv_msgmax())
				errno = EMSGSIZE;
			else if (valid)
				errno = EIDRM;
			return -1;
		}
		valid = true; /* any other answer came from a queue */
		/* Neither call is ever restarted after a signal handler, even with SA_RESTART. */
		if (errno == EINTR)
			continue;
		if (timeout_ms < 0 || (errno != EAGAIN && errno != ENOMSG))
			return -1;
		if (!lipc__backoff(&b, &d))
			return lipc__timed_out(timeout_ms);
	}
}

int lipc_msgq_sysv_send(int id, long type, const void *data, size_t len, int timeout_ms)
{
	struct lipc__sysv_msg *m;
	int ret;

	if (type < 1) {
		errno = EINVAL;
		return -1;
	}
	if (len > (size_t)LONG_MAX - sizeof(*m)) {
		errno = EMSGSIZE;
		return -1;
	}
	m = malloc(sizeof(*m) + len);
	if (!m)
		return -1;
	m->type = type;
	if (len)
		memcpy(m->text, data, len);
	ret = (int)lipc__msgq_sysv_op(id, true, m, len, 0, 0, timeout_ms, false);
	free(m);
	return ret;
}

ssize_t lipc_msgq_sysv_recv(int id, void *buf, size_t size, long *type, long select, int flags,
			    int timeout_ms)
{
	struct lipc__sysv_msg *m;
	ssize_t n;

	if ((flags & ~(MSG_NOERROR | MSG_EXCEPT)) || size > (size_t)LONG_MAX - sizeof(*m)) {
		errno = EINVAL;
		return -1;
	}
	m = malloc(sizeof(*m) + size);
	if (!m)
		return -1;
	n = lipc__msgq_sysv_op(id, false, m, size, select, flags, timeout_ms, false);
	if (n >= 0) {
		memcpy(buf, m->text, (size_t)n);
		if (type)
			*type = m->type;
	}
	free(m);
	return n;
}
