/*
 * Message queues, POSIX and System V, and their channel transports (mq:/NAME, sysv-mq:KEY). A
 * queue keeps whole messages in the kernel until someone takes them, so it suits producers and
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
 * the most common System V bug, so that layout stays in here. A removed System V queue wakes
 * its waiters with EIDRM but answers later calls with EINVAL: both mean "removed" here.
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

/* The kernel's ceilings, which bind even a process with CAP_SYS_RESOURCE (Linux 3.5+). */
#define HARD_MSGMAX	65536L
#define HARD_MSGSIZEMAX (16L * 1024 * 1024)

#define MQ_PROC "/proc/sys/fs/mqueue/"

/* A number from a /proc file, or fallback when it cannot be read. */
static long proc_long(const char *path, long fallback)
{
	char buf[32];
	long v;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return fallback;
	n = lipc__read_full(fd, buf, sizeof(buf) - 1);
	lipc__close(fd);
	if (n <= 0)
		return fallback;
	buf[n] = '\0';
	return sscanf(buf, "%ld", &v) == 1 ? v : fallback;
}

/* CAP_SYS_RESOURCE lifts msg_max, msgsize_max and queues_max; root does not always have it. */
static bool has_sys_resource(void)
{
	char line[128];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps >> 24 & 1; /* CAP_SYS_RESOURCE */
}

/* POSIX message queues. */

/* What a new queue gets when mq_open() is given no attributes. */
static void mq_defaults(long *max_msgs, long *msg_size)
{
	long msg_max = proc_long(MQ_PROC "msg_max", 10);
	long size_max = proc_long(MQ_PROC "msgsize_max", 8192);
	long msgs = proc_long(MQ_PROC "msg_default", 10);
	long size = proc_long(MQ_PROC "msgsize_default", 8192);

	if (!*max_msgs)
		*max_msgs = msgs < msg_max ? msgs : msg_max;
	if (!*msg_size)
		*msg_size = size < size_max ? size : size_max;
}

mqd_t lipc_msgq_posix_open(const char *name, int flags, mode_t mode, long max_msgs, long msg_size)
{
	const int known = O_ACCMODE | O_CREAT | O_EXCL | O_NONBLOCK;
	struct mq_attr attr = { 0 };

	if (lipc__check_name(name) < 0)
		return -1;
	if ((flags & ~known) || (flags & O_ACCMODE) == O_ACCMODE || max_msgs < 0 || msg_size < 0) {
		errno = EINVAL;
		return -1;
	}
	if (!(flags & O_CREAT))
		return mq_open(name, flags);
	if (!max_msgs && !msg_size)
		return mq_open(name, flags, mode ? mode : 0600, NULL);
	/* mq_open() takes both sizes or neither: fill in the one not given as the kernel would. */
	mq_defaults(&max_msgs, &msg_size);
	attr.mq_maxmsg = max_msgs;
	attr.mq_msgsize = msg_size;
	return mq_open(name, flags, mode ? mode : 0600, &attr);
}

int lipc_msgq_posix_close(mqd_t mq)
{
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

/* What msgsnd() and msgrcv() point at: the type, then the bytes they count. */
struct sysv_msg {
	long type;
	char text[];
};

static long sysv_msgmax(void)
{
	return proc_long("/proc/sys/kernel/msgmax", 8192);
}

int lipc_msgq_sysv_open(key_t key, int flags, mode_t mode)
{
	const int known = O_ACCMODE | O_CREAT | O_EXCL;
	int acc = flags & O_ACCMODE, want, id;

	if ((flags & ~known) || acc == O_ACCMODE || (mode & ~0777)) {
		errno = EINVAL;
		return -1;
	}
	/* msgget() checks the permission bits it is given against an existing queue. */
	want = acc == O_RDONLY ? 0400 : acc == O_WRONLY ? 0200 : 0600;
	if (!(flags & O_CREAT))
		return msgget(key, want);
	/*
	 * IPC_CREAT alone on an existing queue would check the new queue's mode as the access
	 * wanted: create exclusively, and open what exists for the access asked. Should the queue
	 * go between the two calls, try again.
	 */
	for (int tries = 0; tries < 100; tries++) {
		id = msgget(key, IPC_CREAT | IPC_EXCL | (int)(mode ? mode : 0600));
		if (id >= 0 || errno != EEXIST || (flags & O_EXCL))
			return id;
		id = msgget(key, want);
		if (id >= 0 || errno != ENOENT)
			return id;
	}
	errno = EAGAIN;
	return -1;
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
	long max = sysv_msgmax();

	if (msgctl(id, IPC_STAT, &ds) < 0)
		return -1;
	return (long)ds.msg_qbytes < max ? (long)ds.msg_qbytes : max;
}

/* Sleep a little, more each time, but never past the deadline: false once it has passed. */
static bool backoff(const struct lipc__deadline *d, long *step_ns)
{
	/* Up to 5 ms between tries: the most a timed wait adds to a message's latency. */
	const long max_step = 5000000;
	struct timespec now, ts;
	long long left;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (long long)(d->at.tv_sec - now.tv_sec) * 1000000000LL +
	       (d->at.tv_nsec - now.tv_nsec);
	if (left <= 0)
		return false;
	if (left > *step_ns)
		left = *step_ns;
	ts.tv_sec = (time_t)(left / 1000000000LL);
	ts.tv_nsec = (long)(left % 1000000000LL);
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL); /* EINTR: just try sooner */
	*step_ns = *step_ns * 2 > max_step ? max_step : *step_ns * 2;
	return true;
}

/*
 * One msgsnd() (send) or msgrcv() of up to len bytes. Without a timeout it is one blocking call;
 * with one, System V offers no way to wait with a deadline (no timed call, no descriptor for
 * poll(), and interrupting a call needs a signal handler, which a library must not install), so
 * it tries with IPC_NOWAIT and sleeps between tries: 50 us at first, doubling up to 5 ms. valid
 * says the id is known to have been a queue: EINVAL then means it was removed.
 */
static ssize_t sysv_op(int id, bool send, struct sysv_msg *m, size_t len, long select, int flags,
		       int timeout_ms, bool valid)
{
	struct lipc__deadline d;
	long step = 50000;

	if (timeout_ms >= 0)
		flags |= IPC_NOWAIT;
	lipc__deadline_start(&d, timeout_ms);
	for (;;) {
		ssize_t n = send ? msgsnd(id, m, len, flags) : msgrcv(id, m, len, select, flags);

		if (n >= 0)
			return send ? 0 : n;
		if (errno == EINVAL) {
			if (send && len > (size_t)sysv_msgmax())
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
		if (!backoff(&d, &step))
			return lipc__timed_out(timeout_ms);
	}
}

int lipc_msgq_sysv_send(int id, long type, const void *data, size_t len, int timeout_ms)
{
	struct sysv_msg *m;
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
	ret = (int)sysv_op(id, true, m, len, 0, 0, timeout_ms, false);
	free(m);
	return ret;
}

ssize_t lipc_msgq_sysv_recv(int id, void *buf, size_t size, long *type, long select, int flags,
			    int timeout_ms)
{
	struct sysv_msg *m;
	ssize_t n;

	if ((flags & ~(MSG_NOERROR | MSG_EXCEPT)) || size > (size_t)LONG_MAX - sizeof(*m)) {
		errno = EINVAL;
		return -1;
	}
	m = malloc(sizeof(*m) + size);
	if (!m)
		return -1;
	n = sysv_op(id, false, m, size, select, flags, timeout_ms, false);
	if (n >= 0) {
		memcpy(buf, m->text, (size_t)n);
		if (type)
			*type = m->type;
	}
	free(m);
	return n;
}

/*
 * The transports. Messages about a failure name the limit behind it and its value, which only
 * the failing call knows: it leaves the text with lipc__fail_why(), and lipc_addr_strerror()
 * hands it out for that error number.
 */

static const char *queue_explain(int err)
{
	switch (err) {
	case EIDRM:
		return "the queue was removed";
	case EMSGSIZE:
		return "the message is over the queue's size limit";
	default:
		return NULL;
	}
}

/* State of a queue channel (chan->priv); chan->handle is the mqd_t or the System V id. */
struct queue {
	bool created;
	struct sysv_msg *msg; /* the message buffer: type + bytes (the POSIX one uses text only) */
	size_t cap;	      /* bytes of text it holds */
	bool grow;	   /* sysv recv: no size was asked, so E2BIG means "grow", never an error */
	const char *limit; /* sysv send: what sets chan->max_msg, "msgmax" or "msg_qbytes" */
};

static int queue_new(struct lipc_chan *c, size_t cap)
{
	struct queue *q = calloc(1, sizeof(*q));

	if (!q)
		return -1;
	q->msg = malloc(sizeof(*q->msg) + cap);
	if (!q->msg) {
		free(q);
		return -1;
	}
	q->cap = cap;
	c->priv = q;
	return 0;
}

static void queue_free(struct lipc_chan *c)
{
	struct queue *q = c->priv;

	if (q)
		free(q->msg);
	free(q);
	c->priv = NULL;
}

static int queue_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms; /* each call computes its own deadline */
	return 0;
}

/* mq:/NAME */

static int mq_parse(struct lipc_addr *a, const char *where)
{
	if (lipc__check_name(where) < 0)
		return -1;
	strcpy(a->path, where);
	return 0;
}

/* Why creating a queue of max_msgs x msg_size failed, naming the limit and its value. */
static int mq_open_failed(int err, long max_msgs, long msg_size)
{
	struct rlimit rl;
	int fd;

	mq_defaults(&max_msgs, &msg_size); /* what the kernel was asked for, in full */
	if (err == EINVAL && has_sys_resource()) {
		if (max_msgs > HARD_MSGMAX)
			return lipc__fail_why(
				err, "a queue of %ld messages is over the kernel's limit of %ld",
				max_msgs, HARD_MSGMAX);
		if (msg_size > HARD_MSGSIZEMAX)
			return lipc__fail_why(
				err,
				"messages of %ld bytes are over the kernel's limit of %ld bytes",
				msg_size, HARD_MSGSIZEMAX);
	} else if (err == EINVAL) {
		long msg_max = proc_long(MQ_PROC "msg_max", -1);
		long size_max = proc_long(MQ_PROC "msgsize_max", -1);

		if (max_msgs > msg_max)
			return lipc__fail_why(
				err,
				"a queue of %ld messages is over the system's limit of %ld "
				"(/proc/sys/fs/mqueue/msg_max)",
				max_msgs, msg_max);
		if (msg_size > size_max)
			return lipc__fail_why(
				err,
				"messages of %ld bytes are over the system's limit of %ld bytes "
				"(/proc/sys/fs/mqueue/msgsize_max)",
				msg_size, size_max);
	} else if (err == ENOSPC) {
		return lipc__fail_why(err,
				      "too many queues: the system's limit is %ld "
				      "(/proc/sys/fs/mqueue/queues_max)",
				      proc_long(MQ_PROC "queues_max", -1));
	} else if (err == EMFILE) {
		/* The same error for two limits: see whether a descriptor is still to be had. */
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == EMFILE)
			return lipc__fail_why(err, "%s", strerror(EMFILE));
		lipc__close(fd);
		if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			return lipc__fail_why(
				err,
				"a queue of %ld messages of %ld bytes is over what this "
				"user's queues may take in all: %llu bytes "
				"(RLIMIT_MSGQUEUE, ulimit -q)",
				max_msgs, msg_size, (unsigned long long)rl.rlim_cur);
	}
	errno = err;
	return -1;
}

static int mq_chan_close(struct lipc_chan *c)
{
	int ret = c->handle >= 0 ? mq_close(c->handle) : 0;

	queue_free(c);
	return ret;
}

/* The join policy on an open queue: its inode (an mqd_t is a descriptor) says who owns it. */
static int mq_check_owner(mqd_t mq, const struct lipc_chan_opts *o)
{
	struct lipc__trust trust = lipc__trust_of(o);
	struct stat st;

	if (fstat(mq, &st) < 0)
		return -1;
	return lipc__check_owner(st.st_uid, st.st_mode, &trust);
}

static int mq_chan_open(struct lipc_chan *c, const struct lipc_addr *a,
			const struct lipc_chan_opts *o)
{
	int acc = c->role == LIPC_CHAN_SEND ? O_WRONLY : O_RDONLY;
	long max_msgs = o->max_msgs, msg_size = o->msg_size, prio_max = sysconf(_SC_MQ_PRIO_MAX);
	bool created = false;
	struct mq_attr attr;

	if (c->role == LIPC_CHAN_SEND && prio_max > 0 && o->priority >= (unsigned long)prio_max)
		return lipc__fail_why(EINVAL, "priority %u is not below %ld (MQ_PRIO_MAX)",
				      o->priority, prio_max);
	/*
	 * Whichever end comes first creates the queue, with the size asked for; an existing one
	 * keeps its own. Exclusive creation tells which happened. Should the queue be removed
	 * between the two opens, create it again.
	 */
	for (int tries = 0;; tries++) {
		c->handle = lipc_msgq_posix_open(a->path, acc | O_CREAT | O_EXCL, o->mode, max_msgs,
						 msg_size);
		if (c->handle >= 0) {
			created = true;
			break;
		}
		if (errno != EEXIST)
			return mq_open_failed(errno, max_msgs, msg_size);
		c->handle = lipc_msgq_posix_open(a->path, acc, 0, 0, 0);
		if (c->handle >= 0)
			break;
		if (errno != ENOENT || tries == 100)
			return -1;
	}
	/* The queue was there: another user's, made first under our name, is not joined. */
	if (!created && mq_check_owner(c->handle, o) < 0) {
		lipc__close(c->handle);
		return -1;
	}
	/* A receive buffer must hold mq_msgsize bytes, whatever the message; a send needs none. */
	if (lipc_msgq_posix_getattr(c->handle, &attr) < 0 ||
	    queue_new(c, c->role == LIPC_CHAN_RECV ? (size_t)attr.mq_msgsize : 0) < 0) {
		lipc__close(c->handle);
		return -1;
	}
	((struct queue *)c->priv)->created = created;
	c->max_msg = (size_t)attr.mq_msgsize;
	return 0;
}

static int mq_chan_send(struct lipc_chan *c, const struct lipc_msg *m)
{
	long prio_max = sysconf(_SC_MQ_PRIO_MAX);

	if (m->len > c->max_msg)
		return lipc__fail_why(EMSGSIZE,
				      "message of %zu bytes is over the queue's limit of %zu bytes "
				      "(mq_msgsize)",
				      m->len, c->max_msg);
	if (prio_max > 0 && m->priority >= (unsigned long)prio_max)
		return lipc__fail_why(EINVAL, "priority %u is not below %ld (MQ_PRIO_MAX)",
				      m->priority, prio_max);
	if (lipc_msgq_posix_send(c->handle, m->data, m->len, m->priority, c->timeout_ms) == 0)
		return 0;
	if (errno == EAGAIN || errno == ETIMEDOUT) {
		struct mq_attr attr;

		if (lipc_msgq_posix_getattr(c->handle, &attr) == 0)
			return lipc__fail_why(errno, "the queue is full (mq_maxmsg is %ld)",
					      attr.mq_maxmsg);
	}
	return -1;
}

static int mq_chan_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct queue *q = c->priv;
	ssize_t n;

	n = lipc_msgq_posix_recv(c->handle, q->msg->text, q->cap, &m->priority, c->timeout_ms);
	if (n < 0)
		return -1;
	m->data = q->msg->text;
	m->len = (size_t)n;
	m->has |= LIPC_MSG_PRIORITY;
	return 1;
}

static int mq_chan_stat(const struct lipc_chan *c, struct lipc_chan_stat *st)
{
	const struct queue *q = c->priv;
	struct mq_attr attr;

	if (lipc_msgq_posix_getattr(c->handle, &attr) < 0)
		return -1;
	st->created = q->created;
	st->msgs = attr.mq_curmsgs;
	st->max_msgs = attr.mq_maxmsg;
	st->max_bytes = -1;
	st->msg_size = (size_t)attr.mq_msgsize;
	st->msg_size_limit = "mq_msgsize";
	return 0;
}

const struct lipc_transport lipc__mq_transport = {
	.scheme = "mq",
	.id = LIPC_SCHEME_MQ,
	.parse = mq_parse,
	.open = mq_chan_open,
	.send = mq_chan_send,
	.recv = mq_chan_recv,
	.set_timeout = queue_set_timeout,
	.close = mq_chan_close,
	.explain = queue_explain,
	.stat = mq_chan_stat,
};

/* sysv-mq:KEY */

static int sysv_parse(struct lipc_addr *a, const char *where)
{
	if (strlen(where) >= sizeof(a->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (lipc_key_parse(where, &a->key) < 0)
		return -1;
	strcpy(a->path, where); /* the key as written, for messages */
	return 0;
}

static int sysv_chan_close(struct lipc_chan *c)
{
	queue_free(c); /* an id is no descriptor: nothing to close */
	return 0;
}

/*
 * The largest message a sender may send: msgmax, or less when the queue holds less, since a
 * message larger than the queue would wait for room for ever. Read at open and again when a
 * message is over it (/proc/sys/kernel/msgmax may have been raised), not at every send. A
 * sender without read permission cannot see msg_qbytes (IPC_STAT) and goes by msgmax alone.
 */
static void sysv_set_limit(struct lipc_chan *c)
{
	struct queue *q = c->priv;
	struct msqid_ds ds;
	long max = sysv_msgmax();

	q->limit = "msgmax";
	if (msgctl(c->handle, IPC_STAT, &ds) == 0 && (long)ds.msg_qbytes < max) {
		q->limit = "msg_qbytes";
		max = (long)ds.msg_qbytes;
	}
	c->max_msg = (size_t)max;
}

/*
 * The join policy on a System V queue found under our key: both its owner and its creator can
 * read it, change its permissions or remove it, so both must be trusted. IPC_STAT needs read
 * permission: a queue we may only write to cannot show who owns it, and is not joined.
 */
static int sysv_check_owner(int id, const struct lipc_chan_opts *o)
{
	struct lipc__trust trust = lipc__trust_of(o);
	struct msqid_ds ds;

	if (msgctl(id, IPC_STAT, &ds) < 0) {
		if (errno == EACCES)
			return lipc__fail_why(EPERM, "its owner cannot be checked without read "
						     "permission on it: not joined");
		return -1;
	}
	if (lipc__check_owner(ds.msg_perm.uid, ds.msg_perm.mode, &trust) < 0)
		return -1;
	if (ds.msg_perm.cuid != ds.msg_perm.uid && !lipc__trusted_uid(ds.msg_perm.cuid, &trust))
		return lipc__fail_why(EPERM,
				      "created by uid %u (mode %04o), not by this user or root: "
				      "not joined",
				      (unsigned)ds.msg_perm.cuid,
				      (unsigned)(ds.msg_perm.mode & 0777));
	return 0;
}

static int sysv_chan_open(struct lipc_chan *c, const struct lipc_addr *a,
			  const struct lipc_chan_opts *o)
{
	int acc = c->role == LIPC_CHAN_SEND ? O_WRONLY : O_RDONLY;
	bool created = false;
	struct queue *q;
	size_t cap;

	if (c->role == LIPC_CHAN_SEND && o->type < 0)
		return lipc__fail_why(EINVAL, "a message's type is 1 or more, not %ld", o->type);
	for (int tries = 0; c->handle < 0; tries++) {
		c->handle = lipc_msgq_sysv_open(a->key, acc | O_CREAT | O_EXCL, o->mode & 0777);
		if (c->handle >= 0) {
			created = true;
			break;
		}
		if (errno == ENOSPC)
			return lipc__fail_why(errno,
					      "too many queues: the system's limit is %ld "
					      "(/proc/sys/kernel/msgmni)",
					      proc_long("/proc/sys/kernel/msgmni", -1));
		if (errno != EEXIST)
			return -1;
		c->handle = lipc_msgq_sysv_open(a->key, acc, 0);
		if (c->handle < 0 && (errno != ENOENT || tries == 100))
			return -1;
	}
	if (!created && sysv_check_owner(c->handle, o) < 0)
		return -1;
	/*
	 * A receiver's buffer holds the largest message a sender can send (msgmax), so that E2BIG
	 * cannot happen to a valid message; only a size asked for (to truncate) is smaller.
	 */
	cap = c->role == LIPC_CHAN_SEND ? 0 : o->max_msg ? o->max_msg : (size_t)sysv_msgmax();
	if (queue_new(c, cap) < 0)
		return -1;
	q = c->priv;
	q->created = created;
	q->grow = c->role == LIPC_CHAN_RECV && !o->max_msg;
	if (c->role == LIPC_CHAN_SEND)
		sysv_set_limit(c);
	else
		c->max_msg = cap;
	return 0;
}

static int sysv_chan_send(struct lipc_chan *c, const struct lipc_msg *m)
{
	struct queue *q = c->priv;
	long type = m->type ? m->type : 1;

	if (m->len > c->max_msg)
		sysv_set_limit(c);
	if (m->len > c->max_msg)
		return lipc__fail_why(
			EMSGSIZE,
			"message of %zu bytes is over the queue's limit of %zu bytes (%s)", m->len,
			c->max_msg, q->limit);
	if (type < 1)
		return lipc__fail_why(EINVAL, "a message's type is 1 or more, not %ld", type);
	/* msgsnd() wants the type right before the bytes: copy them behind it. */
	if (m->len > q->cap) {
		struct sysv_msg *msg = realloc(q->msg, sizeof(*msg) + m->len);

		if (!msg)
			return -1;
		q->msg = msg;
		q->cap = m->len;
	}
	q->msg->type = type;
	if (m->len)
		memcpy(q->msg->text, m->data, m->len);
	if (sysv_op(c->handle, true, q->msg, m->len, 0, 0, c->timeout_ms, true) == 0)
		return 0;
	if (errno == EAGAIN || errno == ETIMEDOUT) {
		struct msqid_ds ds;

		if (msgctl(c->handle, IPC_STAT, &ds) == 0)
			return lipc__fail_why(errno, "the queue is full (msg_qbytes is %lu bytes)",
					      (unsigned long)ds.msg_qbytes);
	}
	return -1;
}

static int sysv_chan_recv(struct lipc_chan *c, struct lipc_msg *m)
{
	struct queue *q = c->priv;
	int flags = c->flags & LIPC_CHAN_NOERROR ? MSG_NOERROR : 0;
	ssize_t n;

	for (;;) {
		struct sysv_msg *msg;
		size_t cap;

		n = sysv_op(c->handle, false, q->msg, q->cap, c->type, flags, c->timeout_ms, true);
		if (n >= 0)
			break;
		if (errno != E2BIG)
			return -1;
		if (!q->grow)
			return lipc__fail_why(
				EMSGSIZE,
				"the next message is over the %zu bytes asked for; it stays "
				"in the queue",
				q->cap);
		/* msgmax was raised after we opened: make room, as much again at least. */
		cap = (size_t)sysv_msgmax();
		if (cap < q->cap * 2)
			cap = q->cap * 2;
		msg = realloc(q->msg, sizeof(*msg) + cap);
		if (!msg)
			return -1;
		q->msg = msg;
		q->cap = cap;
		c->max_msg = cap;
	}
	m->data = q->msg->text;
	m->len = (size_t)n;
	m->type = q->msg->type;
	m->has |= LIPC_MSG_TYPE;
	return 1;
}

static int sysv_chan_stat(const struct lipc_chan *c, struct lipc_chan_stat *st)
{
	const struct queue *q = c->priv;
	struct msqid_ds ds;

	if (msgctl(c->handle, IPC_STAT, &ds) < 0) {
		if (errno == EINVAL)
			errno = EIDRM;
		return -1;
	}
	st->created = q->created;
	st->msgs = (long)ds.msg_qnum;
	st->max_msgs = -1;
	st->max_bytes = (long)ds.msg_qbytes;
	st->msg_size = sysv_msgmax();
	st->msg_size_limit = "msgmax";
	if ((long)st->msg_size > st->max_bytes) {
		st->msg_size = (size_t)st->max_bytes;
		st->msg_size_limit = "msg_qbytes";
	}
	return 0;
}

const struct lipc_transport lipc__sysv_mq_transport = {
	.scheme = "sysv-mq",
	.id = LIPC_SCHEME_SYSV_MQ,
	.parse = sysv_parse,
	.open = sysv_chan_open,
	.send = sysv_chan_send,
	.recv = sysv_chan_recv,
	.set_timeout = queue_set_timeout,
	.close = sysv_chan_close,
	.explain = queue_explain,
	.stat = sysv_chan_stat,
};
