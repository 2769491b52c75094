/* SPDX-License-Identifier: MIT */
/*
 * The queue transports, on src/msgq.c: mq:/NAME (POSIX) and sysv-mq:KEY (System V). A queue keeps
 * whole messages, so a message is one mq_send() or msgsnd(), with no framing. The traps of this
 * file: whichever end comes first creates the queue, and exclusive creation is what tells a
 * creator from a joiner (a queue another user made first under our name is not joined: the join
 * policy, lipc/chan.h); a queue outlives every process, so closing a channel never removes it;
 * and a failure names the limit behind it and its value, which only the failing call knows.
 * A queue has one call per message: a batch receive takes the first message as a receive does,
 * then those already there (timeout 0), each copied out of the receive buffer into the batch's,
 * since every message of a batch stays valid until the next receive.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chan.h"
#include "lipc/key.h"
#include "lipc/msgq.h"

/* The kernel's ceilings, which bind even a process with CAP_SYS_RESOURCE (Linux 3.5+). */
#define HARD_MSGMAX	65536L
#define HARD_MSGSIZEMAX (16L * 1024 * 1024)

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

/*
 * A System V queue is an id, not a descriptor: nothing poll() or epoll can watch, and no kernel
 * event to wait on beside msgrcv() itself. lipc_chan_fd() says ENOTSUP, and this says what to
 * use instead (a helper thread per queue, feeding an eventfd, would cost a thread and a copy of
 * every message, and could not be exact about a message another receiver takes first).
 */
static const char *sysv_explain(int err)
{
	if (err == ENOTSUP)
		return "System V queues have no descriptor to poll; use an mq: queue, or "
		       "lipc relay sysv-mq:KEY mq:/NAME";
	return queue_explain(err);
}

/* State of a queue channel (chan->priv); chan->handle is the mqd_t or the System V id. */
struct queue {
	bool created;
	struct lipc__sysv_msg
		*msg;	   /* the message buffer: type + bytes (the POSIX one uses text only) */
	size_t cap;	   /* bytes of text it holds */
	bool grow;	   /* sysv recv: no size was asked, so E2BIG means "grow", never an error */
	const char *limit; /* sysv send: what sets chan->max_msg, "msgmax" or "msg_qbytes" */
	char *batch;	   /* recv_many: the messages of the last batch, one after another */
	size_t batch_cap;
};

/* A batch stops taking messages once it holds this many bytes (or LIPC_CHAN_BATCH_MAX). */
#define BATCH_BYTES ((size_t)256 * 1024)

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

	if (q) {
		free(q->msg);
		free(q->batch);
	}
	free(q);
	c->priv = NULL;
}

static int queue_set_timeout(struct lipc_chan *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms; /* each call computes its own deadline */
	return 0;
}

/*
 * Up to n messages, each received by recv_one (into the receive buffer, with the channel's
 * timeout for the first, none for the rest) and copied into the batch buffer; their data are
 * pointed at once the buffer has stopped moving. Should the buffer not grow, the message stays
 * in the receive buffer, valid until the next receive too, and ends the batch: nothing taken
 * from the queue is dropped. An error after the first message ends the batch: a lasting one
 * comes again at the next call, and EAGAIN is merely "no more now".
 */
static int queue_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n,
			   int (*recv_one)(struct lipc_chan *, struct lipc_msg *))
{
	struct queue *q = c->priv;
	int timeout_ms = c->timeout_ms, err = errno;
	size_t got = 0, used = 0;
	bool in_place = false; /* the last message is in the receive buffer */

	while (got < n && used < BATCH_BYTES && !in_place) {
		struct lipc_msg *m = &msgs[got];

		m->has = 0;
		if (recv_one(c, m) < 0) {
			if (got == 0)
				err = errno;
			break;
		}
		got++;
		c->timeout_ms = 0;
		if (used + m->len > q->batch_cap) {
			size_t cap = q->batch_cap ? q->batch_cap : BATCH_BYTES;
			char *b;

			while (cap < used + m->len)
				cap *= 2;
			b = realloc(q->batch, cap);
			if (!b) {
				in_place = true;
				break;
			}
			q->batch = b;
			q->batch_cap = cap;
		}
		if (m->len)
			memcpy(q->batch + used, m->data, m->len);
		m->data = (const void *)(uintptr_t)used; /* an offset until the buffer settles */
		used += m->len;
	}
	c->timeout_ms = timeout_ms;
	for (size_t i = 0; i + in_place < got; i++)
		msgs[i].data = q->batch + (uintptr_t)msgs[i].data;
	errno = err;
	return got ? (int)got : -1;
}

/* mq:/NAME */

static int mq_parse(struct lipc_addr *a, const char *where)
{
	if (lipc__check_name(where) < 0)
		return -1;
	a->path = where;
	return 0;
}

/* Why creating a queue of max_msgs x msg_size failed, naming the limit and its value. */
static int mq_open_failed(int err, long max_msgs, long msg_size)
{
	struct rlimit rl;
	int fd;

	lipc__msgq_posix_defaults(&max_msgs,
				  &msg_size); /* what the kernel was asked for, in full */
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
		long msg_max = lipc__proc_long(LIPC__MQ_PROC "msg_max", -1);
		long size_max = lipc__proc_long(LIPC__MQ_PROC "msgsize_max", -1);

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
				      lipc__proc_long(LIPC__MQ_PROC "queues_max", -1));
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

/*
 * One round of a queue channel's create-or-join (lipc__create_or_join): create the queue
 * exclusively, so that whether this end created it is known, or else open the one there.
 */
struct queue_open {
	const struct lipc_addr *a;
	const struct lipc_chan_opts *o;
	enum lipc_role role;
	bool created;
};

static int mq_open_round(void *arg)
{
	struct queue_open *q = arg;
	long max_msgs = q->o->max_msgs, msg_size = q->o->msg_size;
	int h = lipc_msgq_posix_open(q->a->path, q->role, LIPC_CREATE | LIPC_EXCL, q->o->mode,
				     max_msgs, msg_size);

	q->created = h >= 0;
	if (h >= 0)
		return h;
	if (errno != EEXIST)
		return mq_open_failed(errno, max_msgs, msg_size);
	return lipc_msgq_posix_open(q->a->path, q->role, 0, 0, 0, 0);
}

static int mq_chan_open(struct lipc_chan *c, const struct lipc_addr *a,
			const struct lipc_chan_opts *o)
{
	long prio_max = sysconf(_SC_MQ_PRIO_MAX);
	struct queue_open qo = { .a = a, .o = o, .role = c->role };
	bool created;
	struct mq_attr attr;

	if (c->role == LIPC_SEND && prio_max > 0 && o->priority >= (unsigned long)prio_max)
		return lipc__fail_why(EINVAL, "priority %u is not below %ld (MQ_PRIO_MAX)",
				      o->priority, prio_max);
	/*
	 * Whichever end comes first creates the queue, with the size asked for; an existing one
	 * keeps its own. Exclusive creation tells which happened.
	 */
	c->handle = lipc__create_or_join(mq_open_round, &qo);
	if (c->handle < 0)
		return -1;
	created = qo.created;
	/* The queue was there: another user's, made first under our name, is not joined. */
	if (!created && mq_check_owner(c->handle, o) < 0) {
		lipc__close(c->handle);
		return -1;
	}
	/* A receive buffer must hold mq_msgsize bytes, whatever the message; a send needs none. */
	if (lipc_msgq_posix_getattr(c->handle, &attr) < 0 ||
	    queue_new(c, c->role == LIPC_RECV ? (size_t)attr.mq_msgsize : 0) < 0) {
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

static int mq_chan_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	return queue_recv_many(c, msgs, n, mq_chan_recv);
}

/*
 * On Linux an mqd_t is a descriptor: readable while the queue holds a message, writable while
 * it has room (mq_overview(7)). No pending hook: a receive keeps nothing back (queue_recv_many()
 * hands out every message it took, the last one in place when the batch buffer cannot grow),
 * so the queue's own state is all there is.
 */
static int mq_chan_fd(struct lipc_chan *c)
{
	return c->handle;
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
	.recv_many = mq_chan_recv_many,
	.set_timeout = queue_set_timeout,
	.close = mq_chan_close,
	.explain = queue_explain,
	.stat = mq_chan_stat,
	.fd = mq_chan_fd,
};

/* sysv-mq:KEY */

static int sysv_parse(struct lipc_addr *a, const char *where)
{
	if (strlen(where) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return lipc_key_parse(where, &a->key);
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
	long max = lipc__msgq_sysv_msgmax();

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

static int sysv_open_round(void *arg)
{
	struct queue_open *q = arg;
	int id =
		lipc_msgq_sysv_open(q->a->key, q->role, LIPC_CREATE | LIPC_EXCL, q->o->mode & 0777);

	q->created = id >= 0;
	if (id >= 0)
		return id;
	if (errno == ENOSPC)
		return lipc__fail_why(errno,
				      "too many queues: the system's limit is %ld "
				      "(/proc/sys/kernel/msgmni)",
				      lipc__proc_long("/proc/sys/kernel/msgmni", -1));
	if (errno != EEXIST)
		return -1;
	return lipc_msgq_sysv_open(q->a->key, q->role, 0, 0);
}

static int sysv_chan_open(struct lipc_chan *c, const struct lipc_addr *a,
			  const struct lipc_chan_opts *o)
{
	struct queue_open qo = { .a = a, .o = o, .role = c->role };
	bool created;
	struct queue *q;
	size_t cap;

	if (c->role == LIPC_SEND && o->type < 0)
		return lipc__fail_why(EINVAL, "a message's type is 1 or more, not %ld", o->type);
	c->handle = lipc__create_or_join(sysv_open_round, &qo);
	if (c->handle < 0)
		return -1;
	created = qo.created;
	if (!created && sysv_check_owner(c->handle, o) < 0)
		return -1;
	/*
	 * A receiver's buffer holds the largest message a sender can send (msgmax), so that E2BIG
	 * cannot happen to a valid message; only a size asked for (to truncate) is smaller.
	 */
	cap = c->role == LIPC_SEND ? 0 : o->max_msg ? o->max_msg : (size_t)lipc__msgq_sysv_msgmax();
	if (queue_new(c, cap) < 0)
		return -1;
	q = c->priv;
	q->created = created;
	q->grow = c->role == LIPC_RECV && !o->max_msg;
	if (c->role == LIPC_SEND)
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
		struct lipc__sysv_msg *msg = realloc(q->msg, sizeof(*msg) + m->len);

		if (!msg)
			return -1;
		q->msg = msg;
		q->cap = m->len;
	}
	q->msg->type = type;
	if (m->len)
		memcpy(q->msg->text, m->data, m->len);
	if (lipc__msgq_sysv_op(c->handle, true, q->msg, m->len, 0, 0, c->timeout_ms, true) == 0)
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
		struct lipc__sysv_msg *msg;
		size_t cap;

		n = lipc__msgq_sysv_op(c->handle, false, q->msg, q->cap, c->type, flags,
				       c->timeout_ms, true);
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
		cap = (size_t)lipc__msgq_sysv_msgmax();
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

static int sysv_chan_recv_many(struct lipc_chan *c, struct lipc_msg *msgs, size_t n)
{
	return queue_recv_many(c, msgs, n, sysv_chan_recv);
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
	st->msg_size = lipc__msgq_sysv_msgmax();
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
	.recv_many = sysv_chan_recv_many,
	.set_timeout = queue_set_timeout,
	.close = sysv_chan_close,
	.explain = sysv_explain, /* no fd hook: lipc_chan_fd() says ENOTSUP, explained there */
	.stat = sysv_chan_stat,
};
