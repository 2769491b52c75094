/* SPDX-License-Identifier: MIT */
/*
 * Kill anywhere: for every transport and every lock and semaphore kind, two processes work and
 * one of them is killed with SIGKILL at a random point, many times over (LIPC_KILL_ROUNDS, or
 * 200 per mechanism). The survivor must say clearly what happened and never hang: a receiver
 * gets every message its sender finished, intact and in order, then the end of the stream or a
 * documented error (EPROTO for a frame cut short, ECONNRESET for a dead ring producer); a sender
 * gets EPIPE, or for a queue ETIMEDOUT once it is full; a waiter on a lock, a robust mutex or a
 * System V semaphore with SEM_UNDO held by the dead process gets it, and a POSIX semaphore,
 * which has no owner, stays taken exactly when the dead process held it. After each round the
 * survivor's descriptors and the IPC objects of the test (its directory, /dev/shm, /dev/mqueue
 * mounted for the test in a private mount namespace, System V keys) are what they were before.
 *
 * The kill point is chosen through the IPC itself: the parent waits until the receiver has seen
 * K messages, or the sender has sent K, for a random K, then lets the child run on for a random
 * number of sched_yield()s. No verdict depends on timing.
 *
 * Half of the rounds move the messages in batches (lipc_chan_send_many() and
 * lipc_chan_recv_many(), random sizes each call), so that a process also dies inside a batch:
 * of the batch its sender was in, any first part may have arrived, but what arrives is whole and
 * in order, with no gap before it. What a dead receiver leaves behind is checked by the next
 * one, where something outlives it: a queue keeps the messages it did not take, and the ring the
 * records it had not released (a receive releases the previous one's), so the next receiver
 * starts where the dead one had got to, at most back at the batch it held.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lipc/chan.h"
#include "lipc/fifo.h"
#include "lipc/lock.h"
#include "lipc/msgq.h"
#include "lipc/pipe.h"
#include "lipc/ring.h"
#include "lipc/sem.h"
#include "lipc/shm.h"
#include "lipc/sock.h"

/* How long a survivor waits for something that must come: only a bug makes it run out. */
#define MUST_MS 10000

static uint32_t rnd_state;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static int rounds(void)
{
	const char *r = getenv("LIPC_KILL_ROUNDS");

	return r && atoi(r) > 0 ? atoi(r) : 200;
}

/* How the survivors' stories ended, counted by story, for the report. */
static struct {
	const char *story;
	int n;
} stories[16];

static void story(const char *what)
{
	size_t i = 0;

	while (i < 15 && stories[i].story && strcmp(stories[i].story, what))
		i++;
	stories[i].story = what;
	stories[i].n++;
}

/* The total for the report, printed by each test: "NAME: N kills survived (stories)". */
static void report(const char *what, int kills)
{
	printf("%s: %d kills survived", what, kills);
	for (size_t i = 0; i < 16 && stories[i].story; i++)
		printf("%s %d %s", i ? "," : " (", stories[i].n, stories[i].story);
	printf("%s\n", stories[0].story ? ")" : "");
	fflush(stdout);
}

/* The objects of this test, as text, and the descriptors of this process. */

static char mq_dir[PATH_MAX]; /* where /dev/mqueue is mounted for this test, or "" */

/* Mount the POSIX queues in a private mount namespace, so that they can be listed. */
static void mount_mqueue(void)
{
	check_path(mq_dir, sizeof(mq_dir), "mqueue");
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mkdir(mq_dir, 0700) < 0) {
		mq_dir[0] = '\0';
		return;
	}
	if (mount("mqueue", mq_dir, "mqueue", 0, NULL) < 0) {
		rmdir(mq_dir);
		mq_dir[0] = '\0';
	}
}

static void unmount_mqueue(void)
{
	if (mq_dir[0]) {
		CHECK_SYS(umount(mq_dir));
		CHECK_SYS(rmdir(mq_dir));
		mq_dir[0] = '\0';
	}
}

static void list_dir(char *out, size_t size, const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		const char *name = !strncmp(e->d_name, "sem.", 4) ? e->d_name + 4 : e->d_name;
		size_t n = strlen(out);

		if (strncmp(name, prefix, strlen(prefix)) || strstr(name, "-mqueue"))
			continue;
		snprintf(out + n, size - n, "%s/%s\n", dir, e->d_name);
	}
	if (d)
		closedir(d);
}

static void list_sysv(char *out, size_t size)
{
	static const char *const kinds[] = { "msg", "sem", "shm" };
	/* check_key()'s layout, without registering a key each time. */
	key_t ours = (key_t)(0x4C000000u | ((unsigned)check_pid & 0xFFFFu) << 8);

	for (size_t k = 0; k < 3; k++) {
		char file[64], line[512];
		FILE *f;

		snprintf(file, sizeof(file), "/proc/sysvipc/%s", kinds[k]);
		f = fopen(file, "r");
		while (f && fgets(line, sizeof(line), f)) {
			long long key;
			size_t n = strlen(out);

			if (sscanf(line, "%lld", &key) == 1 && ((key_t)key & ~(key_t)0xFF) == ours)
				snprintf(out + n, size - n, "%s %llx\n", kinds[k], key);
		}
		if (f)
			fclose(f);
	}
}

struct snap {
	char objects[8192];
	int fds;
};

static void snapshot(struct snap *s)
{
	char prefix[64], dir[PATH_MAX], *slash;

	s->objects[0] = '\0';
	snprintf(prefix, sizeof(prefix), "lipc-test-%d-", (int)check_pid);
	check_path(dir, sizeof(dir), "x");
	slash = strrchr(dir, '/');
	*slash = '\0';
	list_dir(s->objects, sizeof(s->objects), dir, prefix);
	list_dir(s->objects, sizeof(s->objects), "/dev/shm", prefix);
	if (mq_dir[0])
		list_dir(s->objects, sizeof(s->objects), mq_dir, prefix);
	list_sysv(s->objects, sizeof(s->objects));
	s->fds = check_open_fds();
}

static void same_as(const struct snap *before, const char *what, int round)
{
	struct snap now;

	snapshot(&now);
	if (strcmp(before->objects, now.objects))
		check_fail(__FILE__, __LINE__, "%s round %d: objects before:\n%safter:\n%s", what,
			   round, before->objects, now.objects);
	if (before->fds != now.fds)
		check_fail(__FILE__, __LINE__, "%s round %d: %d descriptors before, %d after", what,
			   round, before->fds, now.fds);
}

/* Messages: "SEQ SUM BODY", as check_traffic() makes them. */

static uint32_t fnv(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static size_t make_msg(char *msg, long seq, size_t max_body, bool binary)
{
	unsigned char body[65536];
	uint32_t x = (uint32_t)seq * 2654435761u + 1;
	size_t len = (x >> 8) % (max_body + 1);
	int h;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		body[i] = binary ? (unsigned char)(x >> 16) : (unsigned char)('a' + (x >> 16) % 26);
	}
	h = snprintf(msg, 64, "%ld %08x ", seq, fnv(body, len));
	memcpy(msg + h, body, len);
	return (size_t)h + len;
}

static void check_msg(const struct lipc_msg *m, long want, const char *what, int round)
{
	char head[40];
	unsigned long sum;
	long got;
	int h = 0;
	size_t n = m->len < sizeof(head) - 1 ? m->len : sizeof(head) - 1;

	memcpy(head, m->data, n);
	head[n] = '\0';
	if (sscanf(head, "%ld %lx%n", &got, &sum, &h) != 2 || got != want ||
	    sum != fnv((const unsigned char *)m->data + h + 1, m->len - (size_t)h - 1))
		check_fail(__FILE__, __LINE__, "%s round %d: message %ld is wrong: \"%.*s\"", what,
			   round, want, (int)n, head);
}

/* The transports. */

enum kind {
	FIFO,
	PIPE,
	UNIX,
	DGRAM,
	SEQPACKET,
	TCP,
	MQ,
	SYSV_MQ,
	SHM
};

struct transport {
	const char *name;
	enum kind kind;
	unsigned flags;	 /* LIPC_CHAN_FRAMED */
	size_t max_body; /* bodies up to this many bytes */
	long count;	 /* messages a round sends */
};

static const struct transport transports[] = {
	/* Lines of at most PIPE_BUF bytes: a write that small is never cut, even by a kill. */
	{ "fifo", FIFO, 0, 400, 400 },
	{ "fifo-framed", FIFO, LIPC_CHAN_FRAMED, 20000, 200 },
	{ "pipe", PIPE, LIPC_CHAN_FRAMED, 20000, 200 },
	{ "unix", UNIX, LIPC_CHAN_FRAMED, 20000, 200 },
	{ "unix-dgram", DGRAM, 0, 2000, 300 },
	{ "unix-seqpacket", SEQPACKET, 0, 20000, 200 },
	{ "tcp", TCP, LIPC_CHAN_FRAMED, 20000, 200 },
	{ "mq", MQ, 0, 2000, 100 },
	{ "sysv-mq", SYSV_MQ, 0, 2000, 100 },
	{ "shm", SHM, 0, 1000, 400 },
};

/* The state of one round: the address, and the pipe when there is no address. */
struct round {
	const struct transport *t;
	char address[PATH_MAX + 64];
	char path[PATH_MAX]; /* fifo and unix: the file */
	char name[256];	     /* mq and shm: /NAME */
	key_t key;
	int pipe[2];
};

static void round_init(struct round *r, const struct transport *t)
{
	char n[200];

	memset(r, 0, sizeof(*r));
	r->t = t;
	r->pipe[0] = r->pipe[1] = -1;
	switch (t->kind) {
	case FIFO:
	case UNIX:
	case DGRAM:
	case SEQPACKET:
		check_path(r->path, sizeof(r->path), t->name);
		snprintf(r->address, sizeof(r->address), "%s:%s",
			 t->kind == FIFO ? "fifo" : t->name, r->path);
		break;
	case TCP:
		snprintf(r->address, sizeof(r->address), "tcp:127.0.0.1:0");
		break;
	case MQ:
	case SHM:
		snprintf(r->name, sizeof(r->name), "/%s", check_name(n, sizeof(n), t->name));
		snprintf(r->address, sizeof(r->address), "%s:%s", t->name, r->name);
		break;
	case SYSV_MQ:
		r->key = check_key(1);
		snprintf(r->address, sizeof(r->address), "sysv-mq:%d", (int)r->key);
		break;
	case PIPE:
		break;
	}
}

static struct lipc_chan_opts opts_of(const struct transport *t, int timeout_ms)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;

	o.flags = t->flags;
	o.timeout_ms = timeout_ms;
	o.capacity = 16384; /* shm: small, so that a producer finds it full */
	return o;
}

static struct lipc_chan *open_end(struct round *r, int role, int timeout_ms)
{
	struct lipc_chan_opts o = opts_of(r->t, timeout_ms);
	struct lipc_chan *c;

	if (r->t->kind == PIPE) {
		int fd = role == LIPC_SEND ? r->pipe[1] : r->pipe[0];

		r->pipe[role == LIPC_SEND ? 1 : 0] = -1;
		c = lipc_chan_open_fd(fd, role, &o);
	} else {
		c = lipc_chan_open(r->address, role, &o);
	}
	if (!c)
		check_fail(__FILE__, __LINE__, "%s: cannot open %s: %s", r->t->name, r->address,
			   strerror(errno));
	/* A listener asked for port 0 tells where it really is. */
	if (role == LIPC_RECV && r->t->kind == TCP)
		CHECK_SYS(lipc_chan_address(c, r->address, sizeof(r->address)));
	return c;
}

static bool is_queue(enum kind k)
{
	return k == MQ || k == SYSV_MQ;
}

/* Before the round: what must exist before either end opens. */
static void round_setup(struct round *r)
{
	if (r->t->kind == PIPE)
		CHECK_SYS(lipc_pipe_open(r->pipe, 0));
	/* Made by neither end, so neither end's death leaves it or takes it. */
	if (r->t->kind == FIFO)
		close((int)CHECK_SYS(
			lipc_fifo_open(r->path, LIPC_RECV, LIPC_CREATE | LIPC_EXCL, 0600, 0)));
}

/* After the round: remove what outlives its processes by design. */
static void round_cleanup(struct round *r)
{
	int fds[2] = { r->pipe[0], r->pipe[1] };

	lipc_pipe_close(fds);
	if (r->t->kind == FIFO)
		CHECK_SYS(lipc_fifo_unlink(r->path));
	if (r->t->kind == MQ)
		CHECK_SYS(lipc_msgq_posix_unlink(r->name));
	if (r->t->kind == SYSV_MQ)
		CHECK_SYS(lipc_msgq_sysv_unlink(r->key));
	if (r->t->kind == SHM)
		CHECK_SYS(lipc_ring_unlink(r->name));
}

/* Let the other process run on a little: a random point in what it does next. */
static void run_on(void)
{
	for (uint32_t n = rnd() % 64; n > 0; n--)
		sched_yield();
}

/* A batch size: mostly a few messages, sometimes up to the most a call takes. */
static size_t batch_n(void)
{
	uint32_t x = rnd();

	return x % 4 == 0 ? 1 + (x >> 2) % LIPC_CHAN_BATCH_MAX : 1 + (x >> 2) % 16;
}

/*
 * How far a receiver that may be killed had got, in memory shared with the parent: before each
 * receive, how many it asks for; after it, the messages it holds, [held_from, held_to) (written
 * in that order, so that a death between the two leaves an empty range at the right place);
 * after each message is checked and worked on, how many are done.
 */
static struct progress {
	volatile long asked, held_from, held_to, done;
} * progress;

/*
 * Room for every message of a round, for send_many: each is built when it is first sent (a round
 * that ends early, as most do, builds no more than it sends). One block: free() frees it.
 */
static struct lipc_msg *all_msgs(const struct transport *t)
{
	struct lipc_msg *m = malloc((size_t)t->count * (sizeof(*m) + t->max_body + 64));

	CHECK(m != NULL);
	for (long i = 0; i < t->count; i++)
		m[i] = (struct lipc_msg)LIPC_MSG_INIT; /* data NULL: not built yet */
	return m;
}

/* Messages from..from+n of all_msgs(t), built: a pointer to the first. */
static struct lipc_msg *msgs_from(struct lipc_msg *all, const struct transport *t, long from,
				  size_t n)
{
	char *buf = (char *)(all + t->count);

	for (long i = from; i < from + (long)n; i++) {
		char *p = buf + (size_t)i * (t->max_body + 64);

		if (!all[i].data) {
			all[i].len = make_msg(p, i, t->max_body, t->flags);
			all[i].data = p;
		}
	}
	return all + from;
}

/* The sequence number a message says it has, or -1. */
static long msg_seq(const struct lipc_msg *m)
{
	char head[24];
	size_t n = m->len < sizeof(head) - 1 ? m->len : sizeof(head) - 1;
	long seq;

	memcpy(head, m->data, n);
	head[n] = '\0';
	return sscanf(head, "%ld ", &seq) == 1 ? seq : -1;
}

/* Receive: one message into ms[0] (batch false), or up to a random number of them. */
static int receive(struct lipc_chan *c, struct lipc_msg *ms, bool batch)
{
	return batch ? lipc_chan_recv_many(c, ms, batch_n()) : lipc_chan_recv(c, ms);
}

/*
 * The sender dies: the parent receives. It takes K messages, kills the sender at a random point
 * after them, then must receive the rest of what was sent, whole and in order, and a clear end.
 */
static void sender_dies(struct round *r, int round, bool batch)
{
	const struct transport *t = r->t;
	bool first = t->kind != FIFO && t->kind != PIPE;
	struct lipc_chan *rx = NULL;
	static struct lipc_msg ms[LIPC_CHAN_BATCH_MAX];
	long k = (long)(rnd() % (uint32_t)(t->count + 1)), seq = 0;
	int ready[2], status, ret;
	char c;
	pid_t pid;

	for (size_t i = 0; i < LIPC_CHAN_BATCH_MAX; i++)
		ms[i] = (struct lipc_msg)LIPC_MSG_INIT;

	round_setup(r);
	if (first)
		rx = open_end(r, LIPC_RECV, MUST_MS);
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		static char msg[65536 + 64];
		struct lipc_chan *tx;

		close(ready[0]);
		if (rx)
			lipc_chan_close(rx);
		if (r->pipe[0] >= 0)
			close(r->pipe[0]);
		tx = open_end(r, LIPC_SEND, -1);
		close(ready[1]);
		if (batch) {
			/* Random batches; a short count is followed by the rest. */
			struct lipc_msg *all = all_msgs(t);

			for (long i = 0; i < t->count;) {
				size_t n = batch_n();
				int sent;

				if ((long)n > t->count - i)
					n = (size_t)(t->count - i);
				sent = lipc_chan_send_many(tx, msgs_from(all, t, i, n), n);
				if (sent <= 0)
					_exit(3);
				i += sent;
			}
		} else {
			for (long i = 0; i < t->count; i++)
				if (lipc_chan_send(tx, msg,
						   make_msg(msg, i, t->max_body, t->flags)) < 0)
					_exit(3);
		}
		lipc_chan_close(tx);
		_exit(0);
	}
	close(ready[1]);
	if (r->pipe[1] >= 0) {
		close(r->pipe[1]);
		r->pipe[1] = -1;
	}
	if (!first)
		rx = open_end(r, LIPC_RECV, MUST_MS);
	CHECK_EQ(read(ready[0], &c, 1), 0);
	close(ready[0]);
	while (seq < k) {
		ret = receive(rx, ms, batch);
		if (ret <= 0)
			check_fail(__FILE__, __LINE__, "%s round %d: message %ld: %s", t->name,
				   round, seq, ret ? strerror(errno) : "the end of the stream");
		for (int i = 0; i < ret; i++)
			check_msg(&ms[i], seq++, t->name, round);
	}
	run_on();
	kill(pid, SIGKILL);
	status = check_wait(pid);
	CHECK(status == 128 + SIGKILL || status == 0);
	/* What is left: a queue or datagram socket has no end, and is drained without waiting. */
	if (is_queue(t->kind) || t->kind == DGRAM)
		CHECK_SYS(lipc_chan_set_timeout(rx, 0));
	/* Every message whole and in order, the first after the last one taken. */
	for (;;) {
		ret = receive(rx, ms, batch);
		if (ret <= 0)
			break;
		for (int i = 0; i < ret; i++)
			check_msg(&ms[i], seq++, t->name, round);
	}
	if (ret < 0) {
		int err = errno;

		/* A frame cut by the kill: a socket listener drops that sender and goes on. */
		if (err == EPROTO && (t->kind == UNIX || t->kind == TCP)) {
			story("receivers saw a cut frame (EPROTO), then the end");
			ret = receive(rx, ms, batch);
			err = errno;
			if (ret == 0)
				goto out_end;
		}
		if (!(ret == 0 || (ret < 0 && err == EPROTO && t->kind != UNIX && t->kind != TCP) ||
		      (ret < 0 && err == EAGAIN && (is_queue(t->kind) || t->kind == DGRAM)) ||
		      (ret < 0 && err == ECONNRESET && t->kind == SHM)))
			check_fail(__FILE__, __LINE__, "%s round %d: after %ld messages: %d, %s",
				   t->name, round, seq, ret, strerror(err));
	}
	story(ret == 0		? "receivers saw the end"
	      : errno == EPROTO ? "receivers saw a cut frame (EPROTO)"
	      : errno == EAGAIN ? "receivers drained the queue"
				: "receivers saw the writer die (ECONNRESET)");
out_end:
	CHECK(seq <= t->count && seq >= k);
	if (status == 0)
		CHECK_EQ(seq, t->count); /* it finished before the kill: everything came */
	CHECK_SYS(lipc_chan_close(rx));
	round_cleanup(r);
}

/*
 * What a dead receiver left in a queue or the ring goes to the next receiver: the messages from
 * where the dead one had got to, up to the last that was sent (sent), in order, then nothing.
 * A queue's message is gone once received, so the next receiver starts at the first the dead one
 * had not finished (done) or after it, by at most what its last receive asked for. The ring gives
 * again the records of the last receive, which the next receive would have released: the next
 * receiver starts at the first of those (held_from) or, when the dead one had finished them all,
 * right after them (held_to), and never after a record the dead one had not finished.
 */
static void next_receiver(struct round *r, int round, long sent)
{
	const struct transport *t = r->t;
	struct lipc_chan *again = open_end(r, LIPC_RECV, 0);
	struct lipc_msg m = LIPC_MSG_INIT;
	long done = progress->done, held_from = progress->held_from, held_to = progress->held_to;
	long asked = progress->asked, from = -1, seq = 0;
	int ret;

	while ((ret = lipc_chan_recv(again, &m)) == 1) {
		if (from < 0)
			seq = from = msg_seq(&m);
		check_msg(&m, seq++, t->name, round);
	}
	/* The ring's producer has closed (0), or a queue is empty (EAGAIN: it has no end). */
	if (!(ret == 0 || (ret < 0 && errno == EAGAIN)))
		check_fail(__FILE__, __LINE__, "%s round %d: the next receiver: %d, %s", t->name,
			   round, ret, strerror(errno));
	if (from < 0)
		from = seq = sent; /* nothing left */
	if (t->kind == SHM ? !((from == held_from || from == held_to) && from <= done)
			   : !(done <= from && from <= done + asked))
		check_fail(__FILE__, __LINE__,
			   "%s round %d: the next receiver starts at %ld; the dead one held "
			   "[%ld, %ld), had done %ld, asked for %ld; %ld were sent",
			   t->name, round, from, held_from, held_to, done, asked, sent);
	CHECK_EQ(seq, sent);
	story(t->kind != SHM   ? "next receivers took what the queue kept"
	      : from < held_to ? "next receivers got the dead one's held records again"
			       : "next receivers went on after the dead one's last");
	CHECK_SYS(lipc_chan_close(again));
}

/*
 * The receiver dies: the parent sends. It sends K messages, kills the receiver at a random point,
 * then sends the rest: every send succeeds until one fails with EPIPE (or, to a queue that
 * nobody empties, ETIMEDOUT), and none hangs. A queue and the ring then go to a next receiver.
 */
static void receiver_dies(struct round *r, int round, bool batch)
{
	const struct transport *t = r->t;
	static char msg[65536 + 64];
	struct lipc_msg *all = batch ? all_msgs(t) : NULL;
	struct lipc_chan *tx;
	long k = (long)(rnd() % (uint32_t)(t->count + 1)), seq;
	int ready[2], status;
	bool killed = false;
	pid_t pid;

	progress->asked = progress->held_from = progress->held_to = progress->done = 0;
	round_setup(r);
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_chan *rx;
		static struct lipc_msg ms[LIPC_CHAN_BATCH_MAX];
		size_t len;
		long i = 0;
		int got;

		close(ready[0]);
		if (r->pipe[1] >= 0)
			close(r->pipe[1]);
		rx = open_end(r, LIPC_RECV, -1);
		len = strlen(r->address);
		if (write(ready[1], r->address, len) != (ssize_t)len)
			_exit(3);
		close(ready[1]);
		for (size_t j = 0; j < LIPC_CHAN_BATCH_MAX; j++)
			ms[j] = (struct lipc_msg)LIPC_MSG_INIT;
		for (;;) {
			size_t n = batch ? batch_n() : 1;

			progress->asked = (long)n;
			got = batch ? lipc_chan_recv_many(rx, ms, n) : lipc_chan_recv(rx, ms);
			if (got <= 0)
				break;
			progress->held_from = i;
			progress->held_to = i + got;
			for (int j = 0; j < got; j++) {
				check_msg(&ms[j], i++, t->name, round);
				/*
				 * The ring in batches: work on each record a while, as a real
				 * receiver does, so that it lags, holds a batch and dies in it.
				 */
				for (uint32_t y = batch && t->kind == SHM ? rnd() % 8 == 0 : 0;
				     y > 0; y--)
					sched_yield();
				progress->done = i;
			}
		}
		lipc_chan_close(rx);
		_exit(0);
	}
	close(ready[1]);
	if (r->pipe[0] >= 0) {
		close(r->pipe[0]);
		r->pipe[0] = -1;
	}
	if (t->kind == FIFO) {
		tx = open_end(r, LIPC_SEND, MUST_MS);
		CHECK(read(ready[0], r->address, sizeof(r->address)) > 0);
	} else {
		ssize_t n = read(ready[0], r->address, sizeof(r->address) - 1);

		CHECK(n > 0 || t->kind == PIPE);
		r->address[n > 0 ? n : 0] = '\0';
		tx = open_end(r, LIPC_SEND, MUST_MS);
	}
	close(ready[0]);
	for (seq = 0; seq < t->count;) {
		size_t n = 1;
		int sent;

		if (seq == k && !killed) {
			/*
			 * Given time, the receiver catches up and waits for more: in half the
			 * batch rounds it dies at once instead, most likely while it holds some.
			 */
			if (!batch || rnd() % 2)
				run_on();
			kill(pid, SIGKILL);
			killed = true;
			/*
			 * A queue nobody empties any more fills up: then the wait is short, and
			 * ends the round. Before the kill, the receiver may lag as long as it
			 * likes (a loaded machine, a sanitizer): no send may give up on it. A
			 * batch may wait twice, for its short count and for the next call's
			 * error: half as long each.
			 */
			if (is_queue(t->kind))
				CHECK_SYS(lipc_chan_set_timeout(tx, batch ? 10 : 20));
		}
		if (batch) {
			/* A random batch, which ends at K before the kill. */
			n = batch_n();
			if (seq < k && (long)n > k - seq)
				n = (size_t)(k - seq);
			if ((long)n > t->count - seq)
				n = (size_t)(t->count - seq);
			sent = lipc_chan_send_many(tx, msgs_from(all, t, seq, n), n);
		} else {
			size_t len = make_msg(msg, seq, t->max_body, t->flags);

			sent = lipc_chan_send(tx, msg, len) < 0 ? -1 : 1;
		}
		if (sent < 0)
			break;
		CHECK(sent > 0 && (size_t)sent <= n);
		seq += sent;
	}
	if (seq < t->count) {
		int err = errno;

		CHECK(seq >= k);
		if (!(err == EPIPE || (is_queue(t->kind) && err == ETIMEDOUT)))
			check_fail(__FILE__, __LINE__, "%s round %d: send %ld: %s", t->name, round,
				   seq, strerror(err));
		story(err == EPIPE ? "senders got EPIPE" : "senders found the queue full");
	} else {
		story("senders had sent all before the kill");
	}
	if (k == t->count)
		kill(pid, SIGKILL);
	CHECK_SYS(lipc_chan_close(tx));
	status = check_wait(pid);
	CHECK(status == 128 + SIGKILL || status == 0);
	if (is_queue(t->kind) || t->kind == SHM)
		next_receiver(r, round, seq);
	free(all);
	/*
	 * A listener killed leaves its socket file: the next receiver finds it stale (a connect()
	 * is refused), replaces it, and removes it at its close.
	 */
	if (t->kind == UNIX || t->kind == DGRAM || t->kind == SEQPACKET) {
		struct lipc_chan *again = open_end(r, LIPC_RECV, 0);

		CHECK_SYS(lipc_chan_close(again));
		CHECK_ERR(access(r->path, F_OK), ENOENT);
	}
	round_cleanup(r);
}

static void kill_transport(const struct transport *t)
{
	struct snap before;
	int n = rounds(), kills = 0;

	rnd_state = (uint32_t)check_pid;
	signal(SIGPIPE, SIG_IGN);
	progress = mmap(NULL, sizeof(*progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	CHECK(progress != MAP_FAILED);
	mount_mqueue();
	if (t->kind == MQ && !mq_dir[0])
		printf("%s: /dev/mqueue cannot be mounted here: queues checked by name only\n",
		       t->name);
	snapshot(&before);
	for (int round = 0; round < n; round++) {
		struct round r;

		round_init(&r, t);
		/* Odd rounds kill the receiver; every other pair of rounds moves batches. */
		if (round % 2)
			receiver_dies(&r, round, round % 4 == 3);
		else
			sender_dies(&r, round, round % 4 == 2);
		same_as(&before, t->name, round);
		kills++;
	}
	unmount_mqueue();
	munmap((void *)progress, sizeof(*progress));
	report(t->name, kills);
}

#define KILL_TEST(fn, index)                                                                       \
	static void fn(void)                                                                       \
	{                                                                                          \
		kill_transport(&transports[index]);                                                \
	}
KILL_TEST(kill_fifo, 0)
KILL_TEST(kill_fifo_framed, 1)
KILL_TEST(kill_pipe, 2)
KILL_TEST(kill_unix, 3)
KILL_TEST(kill_unix_dgram, 4)
KILL_TEST(kill_unix_seqpacket, 5)
KILL_TEST(kill_tcp, 6)
KILL_TEST(kill_mq, 7)
KILL_TEST(kill_sysv_mq, 8)
KILL_TEST(kill_shm, 9)

/* Locks and semaphores: the child takes and gives back in a loop, and dies holding or not. */

/* What the holder and the parent share: a count of turns and two values kept equal. */
struct shared {
	struct lipc_shm_mutex mutex;
	volatile long turns;
	volatile long a, b;
};

static struct shared *shared_map(void)
{
	struct shared *s =
		mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CHECK(s != MAP_FAILED);
	return s;
}

/* Wait until the child has taken its turn n times: a random point in its loop follows. */
static void wait_turns(volatile long *turns, long n, pid_t pid)
{
	for (unsigned long i = 1; *turns < n; i++) {
		if (i % 1024 == 0 && check_state(pid) == 'Z')
			check_fail(__FILE__, __LINE__, "the holder %d exited after %ld turns",
				   (int)pid, *turns);
		sched_yield();
	}
}

/* A process that waits for the lock (at most MUST_MS), takes it, gives it back: its pid. */
static pid_t lock_waiter(const char *path, enum lipc_lock_kind kind)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_lock lk = { .struct_size = sizeof(struct lipc_lock), .kind = kind };

		lk.fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
		if (lipc_lock_lock(&lk, MUST_MS) < 0)
			check_fail(__FILE__, __LINE__, "%s: the dead holder's lock: %s",
				   lipc_lock_kind_name(kind), strerror(errno));
		CHECK_SYS(lipc_lock_unlock(&lk));
		_exit(0);
	}
	return pid;
}

static void kill_lock(enum lipc_lock_kind kind)
{
	char path[PATH_MAX];
	struct snap before;
	struct shared *sh = shared_map();
	int n = rounds(), kills = 0;

	rnd_state = (uint32_t)check_pid;
	check_path(path, sizeof(path), "lock");
	snapshot(&before);
	for (int round = 0; round < n; round++) {
		struct lipc_lock lk = { .struct_size = sizeof(struct lipc_lock), .kind = kind };
		pid_t pid, waiter;
		int status;

		sh->turns = 0;
		pid = check_fork();
		if (pid == 0) {
			lk.fd = (int)CHECK_SYS(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
			for (;;) {
				CHECK_SYS(lipc_lock_lock(&lk, -1));
				sh->a++;
				sh->turns++;
				sh->b++;
				CHECK_SYS(lipc_lock_unlock(&lk));
			}
		}
		wait_turns(&sh->turns, 1 + rnd() % 50, pid);
		/* A waiter, in a process of its own as another program would be, then the kill. */
		waiter = lock_waiter(path, kind);
		run_on();
		kill(pid, SIGKILL);
		status = check_wait(pid);
		CHECK_EQ(status, 128 + SIGKILL);
		CHECK_EQ(check_wait(waiter), 0);
		story("waiters got it");
		CHECK_SYS(unlink(path));
		same_as(&before, lipc_lock_kind_name(kind), round);
		kills++;
	}
	munmap(sh, sizeof(*sh));
	report(lipc_lock_kind_name(kind), kills);
}

static void kill_lock_ofd(void)
{
	kill_lock(LIPC_LOCK_OFD);
}

static void kill_lock_posix(void)
{
	kill_lock(LIPC_LOCK_POSIX);
}

static void kill_lock_flock(void)
{
	kill_lock(LIPC_LOCK_FLOCK);
}

/* A robust mutex: the next locker is told the owner died, repairs, and goes on. */
static void kill_robust_mutex(void)
{
	struct shared *sh = shared_map();
	struct snap before;
	int n = rounds(), kills = 0;

	rnd_state = (uint32_t)check_pid;
	CHECK_SYS(lipc_shm_mutex_init(&sh->mutex));
	snapshot(&before);
	for (int round = 0; round < n; round++) {
		pid_t pid;
		int r;

		sh->turns = 0;
		pid = check_fork();
		if (pid == 0) {
			for (;;) {
				CHECK(lipc_shm_mutex_lock(&sh->mutex, -1) >= 0);
				sh->a++;
				sh->turns++;
				sh->b++;
				CHECK_SYS(lipc_shm_mutex_unlock(&sh->mutex));
			}
		}
		wait_turns(&sh->turns, 1 + rnd() % 50, pid);
		run_on();
		kill(pid, SIGKILL);
		r = lipc_shm_mutex_lock(&sh->mutex, MUST_MS);
		story(r == LIPC_SHM_OWNER_DIED ? "lockers told the owner died, and repaired"
					       : "lockers got it");
		if (r == LIPC_SHM_OWNER_DIED) {
			sh->b = sh->a; /* the repair: a was counted, b may not have been */
			CHECK_SYS(lipc_shm_mutex_consistent(&sh->mutex));
		} else if (r != 0) {
			check_fail(__FILE__, __LINE__, "round %d: lock after the kill: %s", round,
				   strerror(errno));
		}
		CHECK_EQ(sh->a, sh->b);
		CHECK_SYS(lipc_shm_mutex_unlock(&sh->mutex));
		CHECK_EQ(check_wait(pid), 128 + SIGKILL);
		same_as(&before, "robust mutex", round);
		kills++;
	}
	munmap(sh, sizeof(*sh));
	report("robust mutex", kills);
}

/*
 * Semaphores. System V with SEM_UNDO: the kernel gives back what the dead process held, so a
 * waiter always gets it. POSIX: nobody owns a semaphore, so one the dead process held stays
 * taken; the value tells which, and the waiter gets it exactly when it is free.
 */
static void kill_sem(bool sysv)
{
	char name[256], n[200];
	struct shared *sh = shared_map();
	struct snap before;
	int rounds_n = rounds(), kills = 0;

	rnd_state = (uint32_t)check_pid;
	if (sysv)
		snprintf(name, sizeof(name), "sysv:%d", (int)check_key(2));
	else
		snprintf(name, sizeof(name), "/%s", check_name(n, sizeof(n), "sem"));
	snapshot(&before);
	for (int round = 0; round < rounds_n; round++) {
		struct lipc_sem *s =
			sysv ? lipc_sem_sysv_open(check_key(2), LIPC_CREATE | LIPC_EXCL, 0600, 1)
			     : lipc_sem_open(name, LIPC_CREATE | LIPC_EXCL, 0600, 1);
		pid_t pid;
		int value, r;

		CHECK(s != NULL);
		sh->turns = 0;
		pid = check_fork();
		if (pid == 0) {
			struct lipc_sem *mine =
				sysv ? lipc_sem_sysv_open(check_key(2), LIPC_SEM_UNDO, 0, 0)
				     : lipc_sem_open(name, 0, 0, 0);

			CHECK(mine != NULL);
			for (;;) {
				CHECK_SYS(lipc_sem_wait(mine));
				sh->turns++;
				CHECK_SYS(lipc_sem_post(mine));
			}
		}
		wait_turns(&sh->turns, 1 + rnd() % 50, pid);
		run_on();
		kill(pid, SIGKILL);
		CHECK_EQ(check_wait(pid), 128 + SIGKILL);
		value = CHECK_SYS(lipc_sem_value(s));
		CHECK(value == 0 || value == 1);
		if (sysv)
			CHECK_EQ(value, 1); /* SEM_UNDO gave it back */
		r = lipc_sem_timedwait(s, value ? MUST_MS : 0);
		if (value) {
			CHECK_EQ(r, 0);
			story("waiters got it");
		} else {
			story("waiters were told it stays taken (EAGAIN)");
			/* Taken for good by the dead: the waiter is told, not left hanging. */
			CHECK(r == -1 && (errno == EAGAIN || errno == ETIMEDOUT));
		}
		CHECK_SYS(lipc_sem_close(s));
		CHECK_SYS(sysv ? lipc_sem_sysv_unlink(check_key(2)) : lipc_sem_unlink(name));
		same_as(&before, name, round);
		kills++;
	}
	munmap(sh, sizeof(*sh));
	report(sysv ? "System V semaphore (SEM_UNDO)" : "POSIX named semaphore", kills);
}

static void kill_sem_posix(void)
{
	kill_sem(false);
}

static void kill_sem_sysv_undo(void)
{
	kill_sem(true);
}

CHECK_MAIN(TEST_T(kill_fifo, 300), TEST_T(kill_fifo_framed, 300), TEST_T(kill_pipe, 300),
	   TEST_T(kill_unix, 300), TEST_T(kill_unix_dgram, 300), TEST_T(kill_unix_seqpacket, 300),
	   TEST_T(kill_tcp, 300), TEST_T(kill_mq, 300), TEST_T(kill_sysv_mq, 300),
	   TEST_T(kill_shm, 300), TEST_T(kill_lock_ofd, 300), TEST_T(kill_lock_posix, 300),
	   TEST_T(kill_lock_flock, 300), TEST_T(kill_robust_mutex, 300),
	   TEST_T(kill_sem_posix, 300), TEST_T(kill_sem_sysv_undo, 300))
