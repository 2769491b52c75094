/* SPDX-License-Identifier: MIT */
/*
 * lipc_chan_fd() against its contract (lipc/chan.h, "Waiting on many at once"): a receiver's
 * descriptor is readable exactly when a receive would return without waiting (a message, the
 * end of the stream, an error), and a sender's writable where the mechanism can tell that a
 * send has room.
 *
 * For every transport, one process walks a script of sends and receives and, before and after
 * each, polls the receiver's descriptor with a timeout of 0; every receive has a timeout of 0 and
 * must agree with the poll just before it (readable, and it returns; not readable, and it fails
 * with EAGAIN). The only readiness without a message is the kind the contract names (a client a
 * listener accepts before it has sent anything, a client that leaves while others stay, bytes
 * that are not yet a whole message), and after that receive the descriptor must be quiet. Then an
 * epoll loop over every transport at once takes 100,000 messages from 8 sender processes and
 * checks that none is lost, duplicated or reordered; a sender's descriptor is writable exactly
 * while its queue has room (mq, unix-dgram, a FIFO); and the edges (sysv-mq's ENOTSUP and its
 * sentence, the same descriptor at every call, nothing left open after a close).
 *
 * The traps: TCP over loopback delivers in its own time (a softirq), so where a TCP descriptor
 * must become readable the test waits for it with a long poll, never a sleep, and a verdict
 * never depends on timing; and stdio: takes the test process's descriptor 0, which each test, a
 * child of its own, may replace. Last, the guide's loop with channels in it: a queue, a datagram
 * socket and a ring beside a signalfd, a pidfd and a timerfd in one epoll set.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "check.h"
#include "lipc/chan.h"
#include "lipc/msgq.h"
#include "lipc/pipe.h"
#include "lipc/ring.h"

/* How long a wait for what must come may take: only a bug runs it out. */
#define MUST_MS 60000

enum kind {
	FIFO,
	PIPE,
	MQ,
	SYSV_MQ,
	UNIX,
	DGRAM,
	SEQPACKET,
	TCP,
	SHM,
	STDIO
};

struct transport {
	const char *name;
	enum kind kind;
	bool stream;   /* a byte stream: its script runs in lines and framed */
	bool end;      /* the sender's close is an end of stream that a receive reports */
	bool listener; /* the receiver accepts the sender as a client */
	bool later;    /* TCP: delivery takes its own time, so readiness is waited for */
	/*
	 * The sender's arrival wakes the receiver, which has no message for it (lipc/chan.h):
	 * a listener accepts a client, a ring watches a new producer (lipc_ring_fd()).
	 */
	bool arrival;
};

static const struct transport transports[] = {
	{ "fifo", FIFO, true, true, false, false, false },
	{ "pipe", PIPE, true, true, false, false, false },
	{ "mq", MQ, false, false, false, false, false },
	{ "sysv-mq", SYSV_MQ, false, false, false, false, false },
	{ "unix", UNIX, true, true, true, false, true },
	{ "unix-dgram", DGRAM, false, false, false, false, false },
	{ "unix-seqpacket", SEQPACKET, false, true, true, false, true },
	{ "tcp", TCP, true, true, true, true, true },
	{ "shm", SHM, false, true, false, false, true },
	{ "stdio", STDIO, true, true, false, false, false },
};

#define N_TRANSPORTS (sizeof(transports) / sizeof(transports[0]))

/*
 * The descriptors this process has open, as /proc/self/fd lists them. Descriptor 0 is opened
 * first where the run closed it: the stdio: tests put a pipe there, which is not a leak.
 */
static int count_fds(void)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (fcntl(STDIN_FILENO, F_GETFD) < 0)
		CHECK_EQ(open("/dev/null", O_RDONLY), STDIN_FILENO);
	d = opendir("/proc/self/fd");

	CHECK(d != NULL);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own */
}

/* One receiver and its sender, in this process. */
struct pair {
	const struct transport *t;
	unsigned flags;
	struct lipc_chan *rx, *tx;
	int fd; /* lipc_chan_fd(rx) */
	char address[PATH_MAX + 64];
	key_t key;
	int wfd; /* a pipe's or stdio's write end, until the sender wraps it */
	const char *what;
};

static void open_receiver(struct pair *p, const struct transport *t, unsigned flags)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	int fds[2];

	memset(p, 0, sizeof(*p));
	p->t = t;
	p->flags = flags;
	p->wfd = -1;
	p->what = flags & LIPC_CHAN_FRAMED ? "framed" : "lines";
	o.flags = flags;
	o.timeout_ms = 0; /* a FIFO's read end opens without a writer */
	switch (t->kind) {
	case PIPE:
		CHECK_SYS(lipc_pipe_open(fds, 0));
		p->rx = lipc_chan_open_fd(fds[0], LIPC_RECV, &o);
		p->wfd = fds[1];
		break;
	case STDIO:
		CHECK_SYS(lipc_pipe_open(fds, 0));
		CHECK_SYS(dup2(fds[0], STDIN_FILENO));
		CHECK_SYS(close(fds[0]));
		p->rx = lipc_chan_open("stdio:", LIPC_RECV, &o);
		p->wfd = fds[1];
		break;
	case FIFO:
	case UNIX:
	case SEQPACKET:
	case DGRAM:
		check_path_addr(p->address, sizeof(p->address), t->name);
		break;
	case TCP:
		snprintf(p->address, sizeof(p->address), "tcp:127.0.0.1:0");
		break;
	case MQ:
	case SHM:
		check_name_addr(p->address, sizeof(p->address), t->name);
		break;
	case SYSV_MQ:
		p->key = check_key(1);
		snprintf(p->address, sizeof(p->address), "sysv-mq:%d", (int)p->key);
		break;
	}
	if (!p->rx && t->kind != PIPE && t->kind != STDIO)
		p->rx = lipc_chan_open(p->address, LIPC_RECV, &o);
	if (!p->rx)
		check_fail(__FILE__, __LINE__, "%s: cannot open the receiver: %s", t->name,
			   strerror(errno));
	if (t->kind == TCP)
		CHECK_SYS(lipc_chan_address(p->rx, p->address, sizeof(p->address)));
}

static void open_sender(struct pair *p)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;

	o.flags = p->flags;
	o.timeout_ms = 0; /* a FIFO's write end finds its reader at once */
	if (p->wfd >= 0) {
		p->tx = lipc_chan_open_fd(p->wfd, LIPC_SEND, &o);
		p->wfd = -1;
	} else {
		p->tx = lipc_chan_open(p->address, LIPC_SEND, &o);
	}
	if (!p->tx)
		check_fail(__FILE__, __LINE__, "%s: cannot open the sender: %s", p->t->name,
			   strerror(errno));
	CHECK_SYS(lipc_chan_set_timeout(p->tx, MUST_MS));
}

static void close_pair(struct pair *p)
{
	CHECK_SYS(lipc_chan_close(p->tx));
	CHECK_SYS(lipc_chan_close(p->rx));
	if (p->wfd >= 0)
		CHECK_SYS(close(p->wfd));
	if (p->t->kind == MQ)
		CHECK_SYS(lipc_msgq_posix_unlink(strchr(p->address, ':') + 1));
	if (p->t->kind == SYSV_MQ)
		CHECK_SYS(lipc_msgq_sysv_unlink(p->key));
	if (p->t->kind == SHM)
		CHECK_SYS(lipc_ring_unlink(strchr(p->address, ':') + 1));
	p->tx = p->rx = NULL;
}

/* Is fd ready for events now (poll with a timeout of 0)? */
static bool ready_now(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	CHECK_SYS(poll(&pfd, 1, 0));
	CHECK(!(pfd.revents & POLLNVAL));
	return pfd.revents & events;
}

/*
 * The descriptor must be readable: now, or for TCP, once loopback has delivered (a long poll,
 * which only a bug runs out).
 */
static void expect_ready(struct pair *p, const char *step)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	if (p->t->later)
		CHECK_SYS(poll(&pfd, 1, MUST_MS));
	if (!ready_now(p->fd, POLLIN))
		check_fail(__FILE__, __LINE__, "%s (%s): %s: the descriptor is not readable",
			   p->t->name, p->what, step);
}

/*
 * A receive with a timeout of 0, which must agree with a poll of the descriptor right before
 * it: it fails with EAGAIN exactly when the descriptor was not readable. Returns what it did.
 */
static int recv_agrees(struct pair *p, struct lipc_msg *msgs, size_t n, const char *step)
{
	bool ready = ready_now(p->fd, POLLIN);
	int r = n == 1 ? lipc_chan_recv(p->rx, msgs) : lipc_chan_recv_many(p->rx, msgs, n);
	int err = errno;
	bool waited = r < 0 && err == EAGAIN;

	if (ready == waited)
		check_fail(__FILE__, __LINE__,
			   "%s (%s): %s: the descriptor said %s, the receive returned %d (%s)",
			   p->t->name, p->what, step, ready ? "readable" : "not readable", r,
			   r < 0 ? strerror(err)
			   : r	 ? "a message"
				 : "the end");
	errno = err;
	return r;
}

/* Nothing to receive: not readable, and a receive agrees (EAGAIN). */
static void expect_quiet(struct pair *p, const char *step)
{
	struct lipc_msg m = LIPC_MSG_INIT;

	if (ready_now(p->fd, POLLIN))
		check_fail(__FILE__, __LINE__, "%s (%s): %s: the descriptor is readable",
			   p->t->name, p->what, step);
	CHECK_ERR(recv_agrees(p, &m, 1, step), EAGAIN);
	CHECK(!ready_now(p->fd, POLLIN));
}

/*
 * Readiness that the contract allows without a message (a client to accept, one that left
 * while others stay, half a message): readable, the receive does the work and fails with
 * EAGAIN, and the descriptor is quiet after it.
 */
static void expect_work(struct pair *p, const char *step)
{
	struct lipc_msg m = LIPC_MSG_INIT;

	expect_ready(p, step);
	if (lipc_chan_recv(p->rx, &m) != -1 || errno != EAGAIN)
		check_fail(__FILE__, __LINE__, "%s (%s): %s: the receive did not fail with EAGAIN",
			   p->t->name, p->what, step);
	if (ready_now(p->fd, POLLIN))
		check_fail(__FILE__, __LINE__,
			   "%s (%s): %s: still readable after a receive that did the work",
			   p->t->name, p->what, step);
}

/* The next message must be text: readable before, and the receive agrees. */
static void expect_msg(struct pair *p, const char *text, const char *step)
{
	struct lipc_msg m = LIPC_MSG_INIT;
	int r;

	expect_ready(p, step);
	r = recv_agrees(p, &m, 1, step);
	if (r != 1 || m.len != strlen(text) || memcmp(m.data, text, m.len))
		check_fail(__FILE__, __LINE__, "%s (%s): %s: %d, \"%.*s\" (\"%s\" expected)",
			   p->t->name, p->what, step, r, r == 1 ? (int)m.len : 0,
			   r == 1 ? (const char *)m.data : "", text);
}

static void send_text(struct pair *p, const char *text)
{
	CHECK_SYS(lipc_chan_send(p->tx, text, strlen(text)));
}

#define BATCH 5

/*
 * The script: nothing; the sender's arrival; one message; two messages and one receive; a batch
 * taken with lipc_chan_recv_many(); the sender's close.
 */
static void script(const struct transport *t, unsigned flags)
{
	struct lipc_msg msgs[BATCH];
	struct pair pair, *p = &pair;
	int before = count_fds(), txfd;
	char text[BATCH][16];
	size_t got = 0;

	open_receiver(p, t, flags);
	p->fd = lipc_chan_fd(p->rx);
	if (p->fd < 0)
		check_fail(__FILE__, __LINE__, "%s: lipc_chan_fd: %s", t->name, strerror(errno));
	CHECK_EQ(lipc_chan_fd(p->rx), p->fd);
	expect_quiet(p, "before any sender");

	open_sender(p);
	txfd = lipc_chan_fd(p->tx);
	if (t->kind == SHM) {
		CHECK_ERR(txfd, ENOTSUP); /* a shm: sender waits on its consumer's futex */
	} else {
		CHECK(txfd >= 0);
		CHECK_EQ(lipc_chan_fd(p->tx), txfd);
		CHECK(ready_now(txfd, POLLOUT)); /* nothing sent yet: room */
	}
	if (t->arrival)
		expect_work(p, "a sender arrived and sent nothing");
	expect_quiet(p, "the sender is there, nothing sent");

	send_text(p, "one");
	expect_ready(p, "one message sent");
	expect_ready(p, "one message sent, polled again");
	expect_msg(p, "one", "one message sent");
	expect_quiet(p, "one message received");

	send_text(p, "two");
	send_text(p, "three");
	expect_msg(p, "two", "two messages sent");
	expect_msg(p, "three", "one of two received");
	expect_quiet(p, "two of two received");

	for (size_t i = 0; i < BATCH; i++) {
		msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
		msgs[i].len = (size_t)snprintf(text[i], sizeof(text[i]), "batch %zu", i);
		msgs[i].data = text[i];
	}
	CHECK_EQ(lipc_chan_send_many(p->tx, msgs, BATCH), BATCH);
	while (got < BATCH) {
		struct lipc_msg in[3] = { LIPC_MSG_INIT, LIPC_MSG_INIT, LIPC_MSG_INIT };
		int r;

		expect_ready(p, "a batch, not all received");
		r = recv_agrees(p, in, 3, "a batch");
		CHECK(r >= 1 && r <= 3 && got + (size_t)r <= BATCH);
		for (int i = 0; i < r; i++, got++)
			CHECK(in[i].len == strlen(text[got]) &&
			      !memcmp(in[i].data, text[got], in[i].len));
	}
	expect_quiet(p, "a batch received");

	CHECK_SYS(lipc_chan_close(p->tx));
	p->tx = NULL;
	if (t->end) {
		struct lipc_msg m = LIPC_MSG_INIT;

		expect_ready(p, "the sender closed");
		CHECK_EQ(recv_agrees(p, &m, 1, "the sender closed"), 0);
		/* A stream stays ended; a ring reports its producer's end once, then waits for
		 * the next producer. */
		if (t->kind == SHM) {
			expect_quiet(p, "the end received");
		} else {
			expect_ready(p, "the end received");
			CHECK_EQ(recv_agrees(p, &m, 1, "the end received"), 0);
		}
	} else {
		expect_quiet(p, "the sender closed (no end of stream)");
	}
	CHECK_EQ(lipc_chan_fd(p->rx), p->fd);
	close_pair(p);
	CHECK_EQ(count_fds(), before); /* what lipc_chan_fd() made went with the close */
}

static void script_of(enum kind k)
{
	for (size_t i = 0; i < N_TRANSPORTS; i++) {
		if (transports[i].kind != k)
			continue;
		script(&transports[i], 0);
		if (transports[i].stream)
			script(&transports[i], LIPC_CHAN_FRAMED);
	}
}

#define SCRIPT_TEST(fn, kind)                                                                      \
	static void fn(void)                                                                       \
	{                                                                                          \
		script_of(kind);                                                                   \
	}
SCRIPT_TEST(poll_fifo, FIFO)
SCRIPT_TEST(poll_pipe, PIPE)
SCRIPT_TEST(poll_mq, MQ)
SCRIPT_TEST(poll_unix, UNIX)
SCRIPT_TEST(poll_unix_dgram, DGRAM)
SCRIPT_TEST(poll_unix_seqpacket, SEQPACKET)
SCRIPT_TEST(poll_tcp, TCP)
SCRIPT_TEST(poll_shm, SHM)
SCRIPT_TEST(poll_stdio, STDIO)

/* System V queues have no descriptor: ENOTSUP, and a sentence that says what to use. */
static void poll_sysv_mq(void)
{
	struct lipc_addr a = LIPC_ADDR_INIT;
	struct pair pair, *p = &pair;
	const char *why;
	int before = count_fds();

	open_receiver(p, &transports[3], 0);
	open_sender(p);
	CHECK_ERR(lipc_chan_fd(p->rx), ENOTSUP);
	CHECK_ERR(lipc_chan_fd(p->tx), ENOTSUP);
	CHECK_ERR(lipc_chan_fd(p->rx), ENOTSUP); /* again: nothing was made the first time */
	CHECK_SYS(lipc_addr_parse(&a, p->address));
	why = lipc_addr_strerror(&a, ENOTSUP);
	CHECK_CONTAINS(why, "System V queues have no descriptor to poll");
	CHECK_CONTAINS(why, "mq:");
	CHECK_CONTAINS(why, "lipc relay sysv-mq:KEY mq:/NAME");
	/* The channel still works, and the failed calls changed nothing. */
	send_text(p, "still");
	CHECK_SYS(lipc_chan_set_timeout(p->rx, MUST_MS));
	{
		struct lipc_msg m = LIPC_MSG_INIT;

		CHECK_EQ(lipc_chan_recv(p->rx, &m), 1);
		CHECK(m.len == 5 && !memcmp(m.data, "still", 5));
	}
	close_pair(p);
	CHECK_EQ(count_fds(), before);
}

/*
 * A FIFO receiver told to keep going (LIPC_CHAN_KEEP) holds a write end of its own: the last
 * sender's close is no end, so the descriptor stays quiet, and the next sender is heard.
 */
static void poll_fifo_keep(void)
{
	struct pair pair, *p = &pair;
	int before = count_fds();

	open_receiver(p, &transports[0], LIPC_CHAN_KEEP);
	p->fd = lipc_chan_fd(p->rx);
	CHECK(p->fd >= 0);
	expect_quiet(p, "keep: before any sender");
	open_sender(p);
	send_text(p, "one");
	expect_msg(p, "one", "keep: one message");
	CHECK_SYS(lipc_chan_close(p->tx));
	expect_quiet(p, "keep: the sender closed");
	open_sender(p);
	expect_quiet(p, "keep: a second sender, nothing sent");
	send_text(p, "two");
	expect_msg(p, "two", "keep: the second sender's message");
	expect_quiet(p, "keep: all received");
	close_pair(p);
	CHECK_EQ(count_fds(), before);
}

/*
 * Half a message: the kernel has bytes, the receive reads them and has no message yet (EAGAIN),
 * and the descriptor is quiet until the rest comes. A pipe in frames, written raw.
 */
static void poll_partial(void)
{
	static const unsigned char frame[] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o' };
	struct pair pair, *p = &pair;
	int raw;

	open_receiver(p, &transports[1], LIPC_CHAN_FRAMED);
	p->fd = lipc_chan_fd(p->rx);
	CHECK(p->fd >= 0);
	raw = CHECK_SYS(dup(p->wfd));
	CHECK_EQ(write(raw, frame, 6), 6);
	expect_work(p, "half a frame");
	expect_quiet(p, "half a frame, read");
	CHECK_EQ(write(raw, frame + 6, sizeof(frame) - 6), (ssize_t)sizeof(frame) - 6);
	expect_msg(p, "hello", "the rest of the frame");
	expect_quiet(p, "the frame received");
	CHECK_SYS(close(raw));
	open_sender(p);
	close_pair(p);
}

/*
 * A listener's clients: two send at once; one leaves while the other stays (readiness, and the
 * receive closes its connection); the other is heard and its leaving is the end. A third
 * beyond max_clients is shed (readiness, no message). With LIPC_CHAN_KEEP, the last one leaving
 * is no end: readiness, no message, quiet.
 */
static void clients(const struct transport *t)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *a, *b, *c;
	struct pair pair, *p = &pair;
	struct lipc_msg m = LIPC_MSG_INIT;
	int before = count_fds(), r1, r2;
	char one[8] = "", two[8] = "";

	o.timeout_ms = MUST_MS;
	for (int keep = 0; keep < 2; keep++) {
		struct lipc_chan_opts ro = LIPC_CHAN_OPTS_INIT;

		open_receiver(p, t, keep ? LIPC_CHAN_KEEP : 0);
		lipc_chan_close(p->rx);
		/* Again, bounded to two clients. */
		ro.timeout_ms = 0;
		ro.flags = keep ? LIPC_CHAN_KEEP : 0;
		ro.max_clients = 2;
		if (t->kind == TCP)
			snprintf(p->address, sizeof(p->address), "tcp:127.0.0.1:0");
		p->rx = lipc_chan_open(p->address, LIPC_RECV, &ro);
		CHECK(p->rx != NULL);
		if (t->kind == TCP)
			CHECK_SYS(lipc_chan_address(p->rx, p->address, sizeof(p->address)));
		p->fd = lipc_chan_fd(p->rx);
		CHECK(p->fd >= 0);
		a = lipc_chan_open(p->address, LIPC_SEND, &o);
		b = lipc_chan_open(p->address, LIPC_SEND, &o);
		CHECK(a && b);
		CHECK_SYS(lipc_chan_send(a, "a1", 2));
		CHECK_SYS(lipc_chan_send(b, "b1", 2));
		/* Both, in either order; with TCP the second may come after the first receive. */
		expect_ready(p, "two clients sent");
		r1 = recv_agrees(p, &m, 1, "two clients sent");
		CHECK_EQ(r1, 1);
		memcpy(one, m.data, m.len < 7 ? m.len : 7);
		expect_ready(p, "one of two received");
		r2 = recv_agrees(p, &m, 1, "one of two received");
		CHECK_EQ(r2, 1);
		memcpy(two, m.data, m.len < 7 ? m.len : 7);
		CHECK((!strcmp(one, "a1") && !strcmp(two, "b1")) ||
		      (!strcmp(one, "b1") && !strcmp(two, "a1")));
		expect_quiet(p, "both received");

		/* A third, over max_clients: accepted and shed, with nothing to show. */
		c = lipc_chan_open(p->address, LIPC_SEND, &o);
		CHECK(c != NULL);
		expect_work(p, "a client over max_clients");
		expect_quiet(p, "the client over max_clients shed");
		lipc_chan_close(c);

		CHECK_SYS(lipc_chan_close(a));
		expect_work(p, "one client left, another stays");
		expect_quiet(p, "one client left, its connection closed");
		CHECK_SYS(lipc_chan_send(b, "b2", 2));
		expect_msg(p, "b2", "the client that stayed");
		expect_quiet(p, "the client that stayed, received");
		CHECK_SYS(lipc_chan_close(b));
		if (keep) {
			expect_work(p, "keep: the last client left");
			expect_quiet(p, "keep: the last client left, closed");
		} else {
			expect_ready(p, "the last client left");
			CHECK_EQ(recv_agrees(p, &m, 1, "the last client left"), 0);
			expect_ready(p, "the end received");
		}
		CHECK_SYS(lipc_chan_close(p->rx));
	}
	CHECK_EQ(count_fds(), before);
}

static void poll_clients_unix(void)
{
	clients(&transports[4]);
}

static void poll_clients_seqpacket(void)
{
	clients(&transports[6]);
}

static void poll_clients_tcp(void)
{
	clients(&transports[7]);
}

/*
 * Packets a receive took from the kernel and did not hand out: a datagram over max_msg ends a
 * batch before it (and is EMSGSIZE by itself), so the one after it waits in the receiver, which
 * the descriptor must show although the socket's queue is empty. The same for seqpacket records.
 */
static void cut(const struct transport *t)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_msg msgs[3] = { LIPC_MSG_INIT, LIPC_MSG_INIT, LIPC_MSG_INIT };
	struct pair pair, *p = &pair;
	char big[100];

	memset(big, 'x', sizeof(big));
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->what = "cut";
	p->wfd = -1;
	check_path_addr(p->address, sizeof(p->address), t->name);
	o.timeout_ms = 0;
	o.max_msg = 16;
	p->rx = lipc_chan_open(p->address, LIPC_RECV, &o);
	CHECK(p->rx != NULL);
	p->fd = CHECK_SYS(lipc_chan_fd(p->rx));
	open_sender(p);
	if (t->listener)
		expect_work(p, "a client connected and sent nothing");
	send_text(p, "a");
	CHECK_SYS(lipc_chan_send(p->tx, big, sizeof(big)));
	send_text(p, "b");
	expect_ready(p, "three sent, the second over max_msg");
	CHECK_EQ(recv_agrees(p, msgs, 3, "three sent, the second over max_msg"), 1);
	CHECK(msgs[0].len == 1 && !memcmp(msgs[0].data, "a", 1));
	/* The socket's queue is empty now: what is left is in the receiver. */
	expect_ready(p, "the cut one and the last one taken, not handed out");
	CHECK_ERR(recv_agrees(p, msgs, 3, "the cut one"), EMSGSIZE);
	expect_msg(p, "b", "the one after the cut one");
	expect_quiet(p, "all three received");
	close_pair(p);
}

static void poll_cut_unix_dgram(void)
{
	cut(&transports[5]);
}

static void poll_cut_seqpacket(void)
{
	cut(&transports[6]);
}

/*
 * A listener that closes a connection takes it out of its epoll set first: a child forked
 * while the connection was open holds it too, so the close alone would leave it in the set,
 * readable (its end) for ever after.
 */
static void poll_forked_child(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct pair pair, *p = &pair;
	struct lipc_chan *a, *b;
	int hold[2], held[2];
	pid_t pid;

	open_receiver(p, &transports[4], 0);
	p->fd = CHECK_SYS(lipc_chan_fd(p->rx));
	o.timeout_ms = MUST_MS;
	a = lipc_chan_open(p->address, LIPC_SEND, &o);
	b = lipc_chan_open(p->address, LIPC_SEND, &o);
	CHECK(a && b);
	CHECK_SYS(lipc_chan_send(a, "a", 1));
	CHECK_SYS(lipc_chan_send(b, "b", 1));
	expect_ready(p, "two clients sent");
	CHECK_EQ(recv_agrees(p, &(struct lipc_msg)LIPC_MSG_INIT, 1, "two clients sent"), 1);
	CHECK_EQ(recv_agrees(p, &(struct lipc_msg)LIPC_MSG_INIT, 1, "one of two received"), 1);
	expect_quiet(p, "both received");
	CHECK_SYS(pipe2(hold, O_CLOEXEC));
	CHECK_SYS(pipe2(held, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) { /* holds a copy of every connection until the test lets it go */
		char byte;

		close(hold[1]);
		close(held[0]);
		lipc_chan_close(a); /* the clients' ends are the parent's to close */
		lipc_chan_close(b);
		CHECK_EQ(write(held[1], "h", 1), 1);
		_exit(read(hold[0], &byte, 1) == 0 ? 0 : 1);
	}
	close(hold[0]);
	close(held[1]);
	CHECK_EQ(read(held[0], &(char){ 0 }, 1), 1); /* the child closed its copies of a and b */
	close(held[0]);
	CHECK_SYS(lipc_chan_close(a));
	expect_work(p, "a client left while the child holds its connection");
	expect_quiet(p, "its connection closed while the child holds a copy");
	close(hold[1]);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_chan_close(b));
	expect_ready(p, "the last client left");
	close_pair(p);
}

/* A sender's descriptor: writable while a send has room, for what can tell. */

/* A POSIX queue of two: full after two, room again after one receive. */
static void writable_mq(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_msg m = LIPC_MSG_INIT;
	struct lipc_chan *rx, *tx;
	char address[PATH_MAX];
	int fd;

	check_name_addr(address, sizeof(address), "mq");
	o.timeout_ms = 0;
	o.max_msgs = 2;
	rx = lipc_chan_open(address, LIPC_RECV, &o);
	tx = lipc_chan_open(address, LIPC_SEND, &o);
	CHECK(rx && tx);
	fd = CHECK_SYS(lipc_chan_fd(tx));
	CHECK(ready_now(fd, POLLOUT));
	CHECK_SYS(lipc_chan_send(tx, "1", 1));
	CHECK(ready_now(fd, POLLOUT));
	CHECK_SYS(lipc_chan_send(tx, "2", 1));
	CHECK(!ready_now(fd, POLLOUT));
	CHECK_ERR(lipc_chan_send(tx, "3", 1), EAGAIN);
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK(ready_now(fd, POLLOUT));
	CHECK_SYS(lipc_chan_send(tx, "3", 1));
	CHECK(!ready_now(fd, POLLOUT));
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_SYS(lipc_chan_close(rx));
	CHECK_SYS(lipc_msgq_posix_unlink(strchr(address, ':') + 1));
}

/*
 * A datagram sender: the kernel says writable while the receiver's queue is below
 * max_dgram_qlen. Full (EAGAIN), not writable; one receive, writable again.
 */
static void writable_unix_dgram(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_msg m = LIPC_MSG_INIT;
	struct lipc_chan *rx, *tx;
	char address[PATH_MAX + 16];
	long qlen = 0, sent = 0;
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "re");
	int fd;

	if (!f || fscanf(f, "%ld", &qlen) != 1)
		CHECK_SKIP("/proc/sys/net/unix/max_dgram_qlen cannot be read");
	fclose(f);
	/* A queue so long that the send buffer fills first: then one receive frees too little. */
	if (qlen > 100)
		CHECK_SKIP("net.unix.max_dgram_qlen is %ld: the send buffer binds first", qlen);
	check_path_addr(address, sizeof(address), "unix-dgram");
	o.timeout_ms = 0;
	rx = lipc_chan_open(address, LIPC_RECV, &o);
	tx = lipc_chan_open(address, LIPC_SEND, &o);
	CHECK(rx && tx);
	fd = CHECK_SYS(lipc_chan_fd(tx));
	CHECK(ready_now(fd, POLLOUT));
	while (lipc_chan_send(tx, "x", 1) == 0) {
		sent++;
		CHECK(sent <= qlen + 1);
	}
	CHECK_EQ(errno, EAGAIN);
	CHECK(sent > 0);
	CHECK(!ready_now(fd, POLLOUT));
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK(ready_now(fd, POLLOUT));
	CHECK_SYS(lipc_chan_send(tx, "y", 1));
	CHECK(!ready_now(fd, POLLOUT));
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_SYS(lipc_chan_close(rx));
}

/* A FIFO sender: not writable once the pipe is full, writable once the receiver has read. */
static void writable_fifo(void)
{
	struct pair pair, *p = &pair;
	struct lipc_msg m = LIPC_MSG_INIT;
	char line[100];
	long sent = 0, got = 0;
	int fd;

	memset(line, 'x', sizeof(line));
	open_receiver(p, &transports[0], 0);
	open_sender(p);
	CHECK_SYS(lipc_chan_set_timeout(p->tx, 0));
	fd = CHECK_SYS(lipc_chan_fd(p->tx));
	CHECK(ready_now(fd, POLLOUT));
	while (lipc_chan_send(p->tx, line, sizeof(line)) == 0) {
		sent++;
		CHECK(sent < 1000000);
	}
	CHECK_EQ(errno, EAGAIN);
	CHECK(!ready_now(fd, POLLOUT));
	while (lipc_chan_recv(p->rx, &m) == 1)
		got++;
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(got, sent);
	CHECK(ready_now(fd, POLLOUT));
	close_pair(p);
}

/*
 * The edges: the same descriptor at every call, before and after receives; lipc_chan_fd() of
 * both ends of every transport, closed with the channel (nothing left in /proc/self/fd), three
 * rounds over; sysv-mq's ENOTSUP (above, poll_sysv_mq).
 */
static void poll_edges(void)
{
	int before = count_fds();

	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N_TRANSPORTS; i++) {
			const struct transport *t = &transports[i];
			struct pair pair, *p = &pair;
			int rfd, tfd;

			open_receiver(p, t, 0);
			open_sender(p);
			rfd = lipc_chan_fd(p->rx);
			tfd = lipc_chan_fd(p->tx);
			if (t->kind == SYSV_MQ) {
				CHECK(rfd == -1 && tfd == -1);
			} else if (t->kind != SHM) {
				CHECK(rfd >= 0 && tfd >= 0 && rfd != tfd);
				CHECK_EQ(lipc_chan_fd(p->rx), rfd);
				CHECK_EQ(lipc_chan_fd(p->tx), tfd);
			}
			close_pair(p);
		}
		CHECK_EQ(count_fds(), before);
	}
}

/*
 * One epoll loop over every transport at once (all but sysv-mq, which has no descriptor): 8
 * sender processes, each sending to every transport that takes many writers, and sender 0 alone
 * to the ring (one producer at a time), 100,000 messages in all. Every message says its sender,
 * its transport and its sequence number; the receiver takes what each ready channel has with
 * lipc_chan_recv_many() and a timeout of 0 until EAGAIN, and checks that each sender's messages
 * come in order on each transport, none lost or twice, and that the transports with an end
 * report it once every sender has gone.
 *
 * The senders start together: each opens its ends, says so through a pipe, and waits until the
 * receiver closes another; so no FIFO writer or client leaves before the last has come (its
 * leaving would be the end of the stream).
 */
#define SENDERS	  8
#define ALL_TOTAL 100000L
#define SHM_COUNT 4000L

static const enum kind all_kinds[] = { FIFO, PIPE, MQ, UNIX, DGRAM, SEQPACKET, TCP, STDIO, SHM };
#define N_ALL	(sizeof(all_kinds) / sizeof(all_kinds[0]))
#define N_MANY	(N_ALL - 1) /* all but shm take every sender */
#define PER_ONE ((ALL_TOTAL - SHM_COUNT) / (SENDERS * (long)N_MANY))
_Static_assert(PER_ONE *SENDERS *(long)N_MANY + SHM_COUNT == ALL_TOTAL,
	       "the senders' shares make up ALL_TOTAL");

static unsigned all_flags(enum kind k)
{
	return k == PIPE || k == TCP ? LIPC_CHAN_FRAMED : 0; /* streams both ways */
}

static const struct transport *transport_of(enum kind k)
{
	for (size_t i = 0; i < N_TRANSPORTS; i++)
		if (transports[i].kind == k)
			return &transports[i];
	return NULL;
}

static long count_for(size_t t, unsigned sender)
{
	return all_kinds[t] == SHM ? (sender == 0 ? SHM_COUNT : 0) : PER_ONE;
}

static void all_sender(unsigned id, struct pair *pairs, int ready_w, int go_r)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *tx[N_ALL] = { 0 };
	long next[N_ALL] = { 0 };
	struct lipc_msg msgs[16];
	char text[16][48];
	uint32_t rnd = 2463534242u ^ id;
	bool left = true;
	char byte = 0;

	signal(SIGPIPE, SIG_IGN);
	for (size_t t = 0; t < N_ALL; t++)
		lipc_chan_close(pairs[t].rx); /* the child's copies: it never receives */
	for (size_t t = 0; t < N_ALL; t++) {
		if (count_for(t, id) == 0) {
			if (pairs[t].wfd >= 0)
				close(pairs[t].wfd);
			continue;
		}
		o.flags = all_flags(all_kinds[t]);
		o.timeout_ms = MUST_MS;
		tx[t] = pairs[t].wfd >= 0 ? lipc_chan_open_fd(pairs[t].wfd, LIPC_SEND, &o)
					  : lipc_chan_open(pairs[t].address, LIPC_SEND, &o);
		if (!tx[t])
			check_fail(__FILE__, __LINE__, "sender %u: cannot open %s: %s", id,
				   pairs[t].t->name, strerror(errno));
	}
	CHECK_EQ(write(ready_w, "r", 1), 1);
	close(ready_w);
	CHECK_EQ(read(go_r, &byte, 1), 0); /* the receiver closed it: go */
	close(go_r);
	while (left) {
		left = false;
		for (size_t t = 0; t < N_ALL; t++) {
			long want = count_for(t, id) - next[t];
			size_t n, sent = 0;

			if (want <= 0)
				continue;
			rnd ^= rnd << 13;
			rnd ^= rnd >> 17;
			rnd ^= rnd << 5;
			n = 1 + rnd % 16;
			if ((long)n > want)
				n = (size_t)want;
			for (size_t i = 0; i < n; i++) {
				msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
				msgs[i].data = text[i];
				msgs[i].len =
					(size_t)snprintf(text[i], sizeof(text[i]), "%u %zu %ld", id,
							 t, next[t] + (long)i);
			}
			while (sent < n) {
				int r = lipc_chan_send_many(tx[t], msgs + sent, n - sent);

				if (r <= 0)
					check_fail(__FILE__, __LINE__, "sender %u: %s: %s", id,
						   pairs[t].t->name, strerror(errno));
				sent += (size_t)r;
			}
			next[t] += (long)n;
			left = left || next[t] < count_for(t, id);
		}
	}
	for (size_t t = 0; t < N_ALL; t++)
		CHECK_SYS(lipc_chan_close(tx[t]));
	_exit(0);
}

static void epoll_all(void)
{
	struct pair pairs[N_ALL];
	long next[N_ALL][SENDERS] = { { 0 } }, got = 0, spurious = 0, wakes = 0;
	bool ended[N_ALL] = { 0 };
	size_t ends_left = 0;
	struct lipc_msg msgs[64];
	pid_t pids[SENDERS];
	int ready[2], go[2], ep;
	char bytes[SENDERS];

	for (size_t t = 0; t < N_ALL; t++) {
		open_receiver(&pairs[t], transport_of(all_kinds[t]), all_flags(all_kinds[t]));
		pairs[t].fd = lipc_chan_fd(pairs[t].rx);
		if (pairs[t].fd < 0)
			check_fail(__FILE__, __LINE__, "%s: lipc_chan_fd: %s", pairs[t].t->name,
				   strerror(errno));
		ends_left += pairs[t].t->end;
	}
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(go, O_CLOEXEC));
	for (unsigned i = 0; i < SENDERS; i++) {
		pids[i] = check_fork();
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			all_sender(i, pairs, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (size_t t = 0; t < N_ALL; t++) {
		if (pairs[t].wfd >= 0)
			close(pairs[t].wfd);
		pairs[t].wfd = -1;
	}
	/* Every sender has opened its ends (a short read: one died). */
	for (size_t have = 0; have < SENDERS;) {
		ssize_t r = read(ready[0], bytes, SENDERS - have);

		CHECK(r > 0);
		have += (size_t)r;
	}
	close(ready[0]);
	close(go[1]);

	ep = CHECK_SYS(epoll_create1(EPOLL_CLOEXEC));
	for (size_t t = 0; t < N_ALL; t++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = t };

		CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, pairs[t].fd, &ev));
	}
	for (size_t i = 0; i < 64; i++)
		msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
	while (got < ALL_TOTAL || ends_left > 0) {
		struct epoll_event ev[N_ALL];
		int n = epoll_wait(ep, ev, (int)N_ALL, MUST_MS);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			check_fail(__FILE__, __LINE__,
				   "nothing ready for %d ms: %ld of %ld messages, %zu ends to come",
				   MUST_MS, got, ALL_TOTAL, ends_left);
		for (int e = 0; e < n; e++) {
			size_t t = (size_t)ev[e].data.u64;
			struct pair *p = &pairs[t];
			bool first = true;

			wakes++;
			for (;;) {
				int r = lipc_chan_recv_many(p->rx, msgs, 64);

				if (r < 0) {
					if (errno != EAGAIN)
						check_fail(__FILE__, __LINE__, "%s: %s", p->t->name,
							   strerror(errno));
					spurious += first;
					break;
				}
				first = false;
				if (r == 0) {
					CHECK(p->t->end && !ended[t]);
					for (unsigned s = 0; s < SENDERS; s++)
						if (next[t][s] != count_for(t, s))
							check_fail(
								__FILE__, __LINE__,
								"%s: the end after %ld of sender "
								"%u's %ld messages",
								p->t->name, next[t][s], s,
								count_for(t, s));
					ended[t] = true;
					ends_left--;
					CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL));
					break;
				}
				for (int i = 0; i < r; i++) {
					unsigned s;
					size_t tt;
					long seq;
					char buf[48];

					CHECK(msgs[i].len < sizeof(buf));
					memcpy(buf, msgs[i].data, msgs[i].len);
					buf[msgs[i].len] = '\0';
					if (sscanf(buf, "%u %zu %ld", &s, &tt, &seq) != 3 ||
					    s >= SENDERS || tt != t || seq != next[t][s])
						check_fail(__FILE__, __LINE__,
							   "%s: \"%s\": sender %u's message %ld "
							   "expected",
							   p->t->name, buf, s < SENDERS ? s : 0,
							   s < SENDERS ? next[t][s] : -1L);
					next[t][s]++;
					got++;
				}
			}
		}
	}
	CHECK_EQ(got, ALL_TOTAL);
	for (unsigned i = 0; i < SENDERS; i++)
		CHECK_EQ(check_wait(pids[i]), 0);
	/* What has no end: nothing more once every sender has exited. */
	for (size_t t = 0; t < N_ALL; t++) {
		struct lipc_msg m = LIPC_MSG_INIT;

		if (pairs[t].t->end)
			continue;
		CHECK(!ready_now(pairs[t].fd, POLLIN));
		CHECK_ERR(lipc_chan_recv(pairs[t].rx, &m), EAGAIN);
	}
	CHECK_SYS(close(ep));
	for (size_t t = 0; t < N_ALL; t++)
		close_pair(&pairs[t]);
	printf("%ld messages from %d senders over %zu transports: %ld wake-ups, %ld without a "
	       "message\n",
	       got, SENDERS, N_ALL, wakes, spurious);
}

/*
 * The loop of the guide's "Waiting on many at once", with channels in it: a queue, a datagram
 * socket and a ring (their lipc_chan_fd()) beside a signalfd, a pidfd and a timerfd, in one epoll
 * set. A child sends KS_MSGS numbered messages to each channel, closes them (the ring's end of
 * stream), raises SIGUSR1 at its parent and exits; the loop takes every message in order, the
 * signal through the signalfd, the child's exit through its pidfd and the timer's tick, and ends
 * only when it has had all of them.
 */
#define KS_MSGS	  1000
#define KS_SIGNAL 3
#define KS_PIDFD  4
#define KS_TIMER  5

static void ks_add(int ep, int fd, uint32_t what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = what };

	CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
}

/* Take what a channel has now, checking the numbers: true when its stream has ended. */
static bool ks_take(struct pair *p, long *next)
{
	struct lipc_msg msgs[16];
	char want[32];
	int r;

	for (size_t i = 0; i < 16; i++)
		msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
	while ((r = lipc_chan_recv_many(p->rx, msgs, 16)) > 0)
		for (int i = 0; i < r; i++) {
			int len = snprintf(want, sizeof(want), "%ld", (*next)++);

			CHECK_EQ(msgs[i].len, (size_t)len);
			CHECK(!memcmp(msgs[i].data, want, (size_t)len));
		}
	if (r == 0)
		return true;
	CHECK_EQ(errno, EAGAIN);
	return false;
}

static void epoll_with_kernel_sources(void)
{
	static const enum kind kinds[] = { MQ, DGRAM, SHM };
	struct itimerspec tick = { .it_value = { .tv_nsec = 1000000 } };
	struct pair pairs[3];
	long next[3] = { 0 };
	bool ended = false, signalled = false, exited = false, ticked = false;
	sigset_t usr1;
	int ep, sfd, tfd, pidfd;
	pid_t child;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK_SYS(sigprocmask(SIG_BLOCK, &usr1, NULL)); /* before the child can raise it */
	ep = (int)CHECK_SYS(epoll_create1(EPOLL_CLOEXEC));
	for (uint32_t i = 0; i < 3; i++) {
		open_receiver(&pairs[i], transport_of(kinds[i]), 0);
		ks_add(ep, (int)CHECK_SYS(lipc_chan_fd(pairs[i].rx)), i);
	}
	child = check_fork();
	if (child == 0) {
		char text[32];

		for (size_t i = 0; i < 3; i++) {
			open_sender(&pairs[i]);
			for (long n = 0; n < KS_MSGS; n++)
				CHECK_SYS(lipc_chan_send(
					pairs[i].tx, text,
					(size_t)snprintf(text, sizeof(text), "%ld", n)));
			CHECK_SYS(lipc_chan_close(pairs[i].tx));
		}
		CHECK_SYS(kill(getppid(), SIGUSR1));
		_exit(0);
	}
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd < 0 && errno == ENOSYS)
		CHECK_SKIP("no pidfd_open() (Linux 5.3)");
	CHECK_SYS(pidfd);
	sfd = (int)CHECK_SYS(signalfd(-1, &usr1, SFD_CLOEXEC | SFD_NONBLOCK));
	tfd = (int)CHECK_SYS(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
	CHECK_SYS(timerfd_settime(tfd, 0, &tick, NULL));
	ks_add(ep, sfd, KS_SIGNAL);
	ks_add(ep, pidfd, KS_PIDFD);
	ks_add(ep, tfd, KS_TIMER);
	while (!(next[0] == KS_MSGS && next[1] == KS_MSGS && ended && signalled && exited &&
		 ticked)) {
		struct epoll_event evs[8];
		int n = (int)CHECK_SYS(epoll_wait(ep, evs, 8, MUST_MS));

		CHECK(n > 0); /* only a lost wake-up runs MUST_MS out */
		for (int k = 0; k < n; k++) {
			uint32_t what = evs[k].data.u32;
			struct signalfd_siginfo si;
			uint64_t ticks;

			if (what < 3) {
				if (ks_take(&pairs[what], &next[what])) {
					CHECK_EQ(kinds[what], SHM); /* only the ring has an end */
					ended = true;
					CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_DEL,
							    lipc_chan_fd(pairs[what].rx), NULL));
				}
			} else if (what == KS_SIGNAL) {
				CHECK_EQ(read(sfd, &si, sizeof(si)), (ssize_t)sizeof(si));
				CHECK_EQ(si.ssi_signo, (uint32_t)SIGUSR1);
				CHECK_EQ(si.ssi_pid, (uint32_t)child);
				signalled = true;
			} else if (what == KS_PIDFD) {
				CHECK_EQ(check_wait(child), 0);
				CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_DEL, pidfd, NULL));
				exited = true;
			} else {
				CHECK_EQ(read(tfd, &ticks, sizeof(ticks)), (ssize_t)sizeof(ticks));
				CHECK(ticks >= 1);
				ticked = true;
			}
		}
	}
	CHECK_EQ(next[2], KS_MSGS);
	for (size_t i = 0; i < 3; i++)
		close_pair(&pairs[i]);
	CHECK_SYS(close(tfd));
	CHECK_SYS(close(sfd));
	CHECK_SYS(close(pidfd));
	CHECK_SYS(close(ep));
	CHECK_SYS(sigprocmask(SIG_UNBLOCK, &usr1, NULL));
}

CHECK_MAIN(TEST(poll_fifo), TEST(poll_pipe), TEST(poll_mq), TEST(poll_sysv_mq), TEST(poll_unix),
	   TEST(poll_unix_dgram), TEST(poll_unix_seqpacket), TEST(poll_tcp), TEST(poll_shm),
	   TEST(poll_stdio), TEST(poll_fifo_keep), TEST(poll_partial), TEST(poll_clients_unix),
	   TEST(poll_clients_seqpacket), TEST(poll_clients_tcp), TEST(poll_cut_unix_dgram),
	   TEST(poll_cut_seqpacket), TEST(poll_forked_child), TEST(writable_mq),
	   TEST(writable_unix_dgram), TEST(writable_fifo), TEST(poll_edges), TEST_T(epoll_all, 240),
	   TEST(epoll_with_kernel_sources))
