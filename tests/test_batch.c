/* SPDX-License-Identifier: MIT */
/*
 * Batches through the channel (lipc_chan_send_many(), lipc_chan_recv_many()), against their
 * contract in lipc/chan.h and nothing more: a transport may send or receive any count from 1 to n
 * per call, so the tests never depend on the batch sizes a transport chooses.
 *
 * The stream: for every transport, a sender process sends LIPC_BATCH_RECORDS records (10,000,000
 * unless told; 1,000,000 in a sanitizer build, 100,000 under a wrapper such as valgrind, as
 * test_pipeline scales its lines) with lipc_chan_send_many() in batches of random size (1 to
 * LIPC_CHAN_BATCH_MAX), resending the rest of a batch after a short count. Records are of random
 * size, mostly small (24 to 200 bytes), one in 64 up to 4 KiB; each carries its sequence number
 * and a checksum of its bytes, and its size follows from its sequence number, so the receiver
 * knows what each must be. The receiver takes them with lipc_chan_recv_many() and a random n each
 * call, and checks that none is lost, duplicated, reordered, cut or damaged, and that the stream
 * ends right after the last: the end of the stream, or, for what has no end (the queues,
 * unix-dgram) nothing more once the sender has exited. Byte streams run framed (any byte in a
 * record) except the FIFO, which runs in lines (no newline in a record).
 *
 * Then the edges of the calls: arrays whose stride is a caller's struct larger than ours or the
 * 1.0 size, n == 0, the wrong role, a struct_size of 0, n over LIPC_CHAN_BATCH_MAX.
 *
 * The processes synchronise through the IPC itself, never a sleep: the receiver opens (listens,
 * creates the queue or the ring) before the sender is forked; a FIFO's two ends wait for each
 * other, whichever comes first.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi.h"
#include "check.h"
#include "lipc/chan.h"
#include "lipc/msgq.h"
#include "lipc/pipe.h"
#include "lipc/ring.h"

/* How long a receiver of what has no end of stream waits for a record: only a bug runs it out. */
#define MUST_MS 120000

static long records(void)
{
	const char *n = getenv("LIPC_BATCH_RECORDS");

	if (n && atol(n) > 0)
		return atol(n);
	return check_wrapped() ? 100000 : CHECK_SANITIZED ? 1000000 : 10000000;
}

/* The records. */

#define HEAD	    24 /* 16 hex digits of the sequence number, 8 of the checksum */
#define SMALL_MAX   200
#define LARGE_MAX   4096 /* within every limit: mq_msgsize and msgmax 8192, unix-dgram's wmem */
#define RECORD_MAX  LARGE_MAX
#define BATCH_BYTES ((size_t)LIPC_CHAN_BATCH_MAX * RECORD_MAX)

static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

/* The size of record seq, header included: mostly small, one in 64 up to LARGE_MAX. */
static size_t record_len(uint64_t seq)
{
	uint64_t r = mix(seq);

	if ((r & 63) == 0)
		return HEAD + (size_t)((r >> 8) % (LARGE_MAX - HEAD + 1));
	return HEAD + (size_t)((r >> 8) % (SMALL_MAX - HEAD + 1));
}

/* A checksum of the record's bytes but its own 8 digits: the sequence number and the body. */
static uint32_t record_sum(const unsigned char *p, size_t len)
{
	uint64_t h = 0xCBF29CE484222325ull ^ len;
	size_t i;

	for (i = 0; i < 16; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001B3ull;
		h ^= h >> 29;
	}
	for (i = HEAD; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001B3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static const char hex[] = "0123456789abcdef";

static void put_hex(unsigned char *p, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		p[i] = (unsigned char)hex[v & 15];
}

/* The value of digits hex digits at p, or -1 when one is not a (lower-case) hex digit. */
static int64_t get_hex(const unsigned char *p, int digits)
{
	int64_t v = 0;

	for (int i = 0; i < digits; i++) {
		int d = p[i] >= '0' && p[i] <= '9'   ? p[i] - '0'
			: p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
						     : -1;

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * Write record seq at p: its length. The body is any byte (binary), or, for lines, bytes from
 * '0' to 'o', never a newline.
 */
static size_t make_record(unsigned char *p, uint64_t seq, bool binary)
{
	size_t len = record_len(seq);
	uint64_t x = mix(seq ^ 0x5DEECE66Dull);

	put_hex(p, seq, 16);
	for (size_t i = HEAD; i < len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, len - i < 8 ? len - i : 8);
	}
	if (!binary)
		for (size_t i = HEAD; i < len; i++)
			p[i] = (unsigned char)('0' + (p[i] & 63));
	put_hex(p + 16, record_sum(p, len), 8);
	return len;
}

/* Record want must be m: its number, its length and its checksum. */
static void check_record(const struct lipc_msg *m, uint64_t want, const char *what)
{
	const unsigned char *p = m->data;
	int64_t seq = m->len >= HEAD ? get_hex(p, 16) : -1;
	int64_t sum = m->len >= HEAD ? get_hex(p + 16, 8) : -1;

	if (seq != (int64_t)want)
		check_fail(__FILE__, __LINE__, "%s: record %llu expected, got %lld (%zu bytes)",
			   what, (unsigned long long)want, (long long)seq, m->len);
	if (m->len != record_len(want) || sum != (int64_t)record_sum(p, m->len))
		check_fail(__FILE__, __LINE__,
			   "%s: record %llu damaged: %zu bytes (%zu expected), sum %08llx", what,
			   (unsigned long long)want, m->len, record_len(want),
			   (unsigned long long)sum);
}

/* Random sizes: a third small (1-4), a third middling (1-64), a third up to the most. */
static uint32_t rnd_state;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static size_t random_n(void)
{
	uint32_t r = rnd();

	switch (r % 3) {
	case 0:
		return 1 + (r >> 2) % 4;
	case 1:
		return 1 + (r >> 2) % 64;
	default:
		return 1 + (r >> 2) % LIPC_CHAN_BATCH_MAX;
	}
}

/* The transports. */

enum kind {
	FIFO,
	PIPE,
	UNIX,
	SEQPACKET,
	DGRAM,
	TCP,
	MQ,
	SYSV_MQ,
	SHM
};

struct transport {
	const char *name;
	enum kind kind;
	unsigned flags; /* LIPC_CHAN_FRAMED */
	long divisor;	/* the records are records() / divisor */
};

/*
 * The queues have no batches (one system call per message on each side, lipc/chan.h), and a
 * full queue (10 messages by default, 16 KiB for System V) puts the sender to sleep every few
 * messages. Measured on this project's machine (2 vCPUs, three runs each, 1,000,000 records):
 * mq 1.38-1.40 s, sysv-mq 1.67-1.88 s, so 10,000,000 would take 14 and 18 s, a third of the budget
 * of the whole program (about a minute). They carry a tenth: 1,000,000, in under 2 s each.
 */
static const struct transport transports[] = {
	{ "fifo", FIFO, 0, 1 },
	{ "pipe", PIPE, LIPC_CHAN_FRAMED, 1 },
	{ "unix", UNIX, LIPC_CHAN_FRAMED, 1 },
	{ "unix-seqpacket", SEQPACKET, 0, 1 },
	{ "unix-dgram", DGRAM, 0, 1 },
	{ "tcp", TCP, LIPC_CHAN_FRAMED, 1 },
	{ "mq", MQ, 0, 10 },
	{ "sysv-mq", SYSV_MQ, 0, 10 },
	{ "shm", SHM, 0, 1 },
};

static bool has_end(enum kind k)
{
	return k != MQ && k != SYSV_MQ && k != DGRAM;
}

/* The sender: count records in random batches, every short count resent from where it ended. */
static void send_records(struct lipc_chan *c, long count, bool binary, uint32_t seed)
{
	unsigned char *buf = malloc(BATCH_BYTES);
	struct lipc_msg *msgs = malloc(LIPC_CHAN_BATCH_MAX * sizeof(*msgs));
	long seq = 0;

	CHECK(buf && msgs);
	rnd_state = seed;
	while (seq < count) {
		size_t n = random_n(), used = 0, sent = 0;

		if ((long)n > count - seq)
			n = (size_t)(count - seq);
		for (size_t i = 0; i < n; i++) {
			msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
			msgs[i].data = buf + used;
			msgs[i].len = make_record(buf + used, (uint64_t)seq + i, binary);
			used += msgs[i].len;
		}
		while (sent < n) {
			int r = lipc_chan_send_many(c, msgs + sent, n - sent);

			if (r <= 0)
				check_fail(__FILE__, __LINE__, "sender: record %ld: %d, %s",
					   seq + (long)sent, r, strerror(errno));
			CHECK((size_t)r <= n - sent);
			sent += (size_t)r;
		}
		seq += (long)n;
	}
	free(msgs);
	free(buf);
}

static char address[PATH_MAX + 64];

static void batch_stream(const struct transport *t)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_msg *msgs = malloc(LIPC_CHAN_BATCH_MAX * sizeof(*msgs));
	struct lipc_chan *rx = NULL;
	long count = records() / t->divisor, seq = 0, calls = 0;
	key_t key = 0;
	int fds[2] = { -1, -1 };
	pid_t pid;
	int r;

	CHECK(msgs != NULL);
	o.flags = t->flags;
	/* What has no end of stream must not wait for ever on a sender that failed. */
	o.timeout_ms = has_end(t->kind) ? -1 : MUST_MS;
	switch (t->kind) {
	case FIFO:
	case UNIX:
	case SEQPACKET:
	case DGRAM:
		check_path_addr(address, sizeof(address), t->name);
		break;
	case TCP:
		snprintf(address, sizeof(address), "tcp:127.0.0.1:0");
		break;
	case MQ:
	case SHM:
		check_name_addr(address, sizeof(address), t->name);
		break;
	case SYSV_MQ:
		key = check_key(1);
		snprintf(address, sizeof(address), "sysv-mq:%d", (int)key);
		break;
	case PIPE:
		CHECK_SYS(lipc_pipe_open(fds, 0));
		break;
	}
	/*
	 * The receiver first, where it must be there before the sender (a listener) or makes what
	 * the sender joins (a queue, the ring); a FIFO is made by whichever end comes first.
	 */
	if (t->kind == PIPE) {
		rx = lipc_chan_open_fd(fds[0], LIPC_RECV, &o);
		fds[0] = -1;
	} else if (t->kind != FIFO) {
		rx = lipc_chan_open(address, LIPC_RECV, &o);
	}
	if (t->kind != FIFO && !rx)
		check_fail(__FILE__, __LINE__, "%s: cannot open %s: %s", t->name, address,
			   strerror(errno));
	if (t->kind == TCP)
		CHECK_SYS(lipc_chan_address(rx, address, sizeof(address)));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_chan *tx;

		signal(SIGPIPE, SIG_IGN);
		if (rx)
			lipc_chan_close(rx); /* the child's copy: it never receives */
		tx = t->kind == PIPE ? lipc_chan_open_fd(fds[1], LIPC_SEND, &o)
				     : lipc_chan_open(address, LIPC_SEND, &o);
		if (!tx)
			check_fail(__FILE__, __LINE__, "sender: cannot open %s: %s", address,
				   strerror(errno));
		send_records(tx, count, t->flags & LIPC_CHAN_FRAMED || t->kind != FIFO,
			     (uint32_t)getpid());
		CHECK_SYS(lipc_chan_close(tx));
		_exit(0);
	}
	if (fds[1] >= 0)
		close(fds[1]);
	if (!rx)
		rx = lipc_chan_open(address, LIPC_RECV, &o);
	if (!rx)
		check_fail(__FILE__, __LINE__, "%s: cannot open %s: %s", t->name, address,
			   strerror(errno));
	for (size_t i = 0; i < LIPC_CHAN_BATCH_MAX; i++)
		msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
	rnd_state = (uint32_t)check_pid;
	while (seq < count) {
		size_t n = random_n();

		r = lipc_chan_recv_many(rx, msgs, n);
		if (r <= 0)
			check_fail(__FILE__, __LINE__, "%s: record %ld of %ld: %d, %s", t->name,
				   seq, count, r, r ? strerror(errno) : "the end of the stream");
		CHECK((size_t)r <= n);
		for (int i = 0; i < r; i++)
			check_record(&msgs[i], (uint64_t)seq++, t->name);
		calls++;
	}
	/* A duplicate or a stray record after the last is wrong too. */
	if (has_end(t->kind)) {
		r = lipc_chan_recv_many(rx, msgs, random_n());
		if (r != 0)
			check_fail(__FILE__, __LINE__, "%s: after the last record: %d, %s", t->name,
				   r, r < 0 ? strerror(errno) : "one more");
		CHECK_EQ(check_wait(pid), 0);
	} else {
		CHECK_EQ(check_wait(pid), 0);
		CHECK_SYS(lipc_chan_set_timeout(rx, 0));
		CHECK_ERR(lipc_chan_recv_many(rx, msgs, random_n()), EAGAIN);
	}
	CHECK_SYS(lipc_chan_close(rx));
	if (t->kind == MQ)
		CHECK_SYS(lipc_msgq_posix_unlink(strchr(address, ':') + 1));
	if (t->kind == SYSV_MQ)
		CHECK_SYS(lipc_msgq_sysv_unlink(key));
	if (t->kind == SHM)
		CHECK_SYS(lipc_ring_unlink(strchr(address, ':') + 1));
	free(msgs);
	printf("%s: %ld records verified, %ld receives (%.1f records each)\n", t->name, count,
	       calls, (double)count / (double)calls);
	fflush(stdout);
}

#define BATCH_TEST(fn, index)                                                                      \
	static void fn(void)                                                                       \
	{                                                                                          \
		batch_stream(&transports[index]);                                                  \
	}
BATCH_TEST(batch_fifo, 0)
BATCH_TEST(batch_pipe, 1)
BATCH_TEST(batch_unix, 2)
BATCH_TEST(batch_unix_seqpacket, 3)
BATCH_TEST(batch_unix_dgram, 4)
BATCH_TEST(batch_tcp, 5)
BATCH_TEST(batch_mq, 6)
BATCH_TEST(batch_sysv_mq, 7)
BATCH_TEST(batch_shm, 8)

/*
 * The edges, in one process: a receiver and a sender of the same channel, with a few messages
 * that the mechanism holds until they are received (a pipe's buffer, a queue, the ring, a
 * socket's buffer).
 */
struct pair {
	const struct transport *t;
	struct lipc_chan *rx, *tx;
	char address[PATH_MAX + 64];
	key_t key;
};

static void pair_open(struct pair *p, const struct transport *t)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	int fds[2];

	memset(p, 0, sizeof(*p));
	p->t = t;
	o.flags = t->flags;
	o.timeout_ms = MUST_MS; /* everything is there already: only a bug waits */
	switch (t->kind) {
	case PIPE:
		CHECK_SYS(lipc_pipe_open(fds, 0));
		p->rx = lipc_chan_open_fd(fds[0], LIPC_RECV, &o);
		p->tx = lipc_chan_open_fd(fds[1], LIPC_SEND, &o);
		CHECK(p->rx && p->tx);
		return;
	case FIFO:
		CHECK(!"a FIFO's ends cannot both open in one thread");
		break;
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
		p->key = check_key(2);
		snprintf(p->address, sizeof(p->address), "sysv-mq:%d", (int)p->key);
		break;
	}
	p->rx = lipc_chan_open(p->address, LIPC_RECV, &o);
	if (!p->rx)
		check_fail(__FILE__, __LINE__, "cannot open %s: %s", p->address, strerror(errno));
	if (t->kind == TCP)
		CHECK_SYS(lipc_chan_address(p->rx, p->address, sizeof(p->address)));
	p->tx = lipc_chan_open(p->address, LIPC_SEND, &o);
	if (!p->tx)
		check_fail(__FILE__, __LINE__, "cannot open %s: %s", p->address, strerror(errno));
}

static void pair_close(struct pair *p)
{
	CHECK_SYS(lipc_chan_close(p->tx));
	CHECK_SYS(lipc_chan_close(p->rx));
	if (p->t->kind == MQ)
		CHECK_SYS(lipc_msgq_posix_unlink(strchr(p->address, ':') + 1));
	if (p->t->kind == SYSV_MQ)
		CHECK_SYS(lipc_msgq_sysv_unlink(p->key));
	if (p->t->kind == SHM)
		CHECK_SYS(lipc_ring_unlink(strchr(p->address, ':') + 1));
}

/* The transports the edges go through (not the FIFO: its two ends need two processes). */
static const size_t edge_transports[] = { 1, 2, 3, 4, 5, 6, 7, 8 };

#define STRIDE_N 5

/* Message i of the stride tests: i * 37 + 1 bytes (a queue holds them all), any byte. */
static size_t stride_body(unsigned char *p, size_t i)
{
	size_t len = i * 37 + 1;

	for (size_t j = 0; j < len; j++)
		p[j] = (unsigned char)(i * 7 + j * 13);
	return len;
}

/* What the mechanism carries besides the bytes: mq a priority, sysv-mq a type, unix* creds. */
static void stride_fields(struct lipc_msg *m, size_t i, enum kind k)
{
	if (k == MQ) {
		m->has |= LIPC_MSG_PRIORITY;
		m->priority = (unsigned)(STRIDE_N - i); /* descending: the order they were sent */
	}
	if (k == SYSV_MQ) {
		m->has |= LIPC_MSG_TYPE;
		m->type = 1 + (long)i; /* the receiver takes the first of any type */
	}
}

/* Message i, received: its bytes and the fields its mechanism fills in. */
static void stride_check(const struct lipc_msg *m, size_t i, const struct transport *t)
{
	unsigned char want[STRIDE_N * 37 + 1];
	size_t len = stride_body(want, i);

	if (m->len != len || memcmp(m->data, want, len))
		check_fail(__FILE__, __LINE__, "%s: message %zu: %zu bytes, %zu expected", t->name,
			   i, m->len, len);
	if (t->kind == MQ) {
		CHECK(m->has & LIPC_MSG_PRIORITY);
		CHECK_EQ(m->priority, STRIDE_N - i);
	}
	if (t->kind == SYSV_MQ) {
		CHECK(m->has & LIPC_MSG_TYPE);
		CHECK_EQ(m->type, 1 + (long)i);
	}
	if (t->kind == UNIX || t->kind == SEQPACKET || t->kind == DGRAM) {
		CHECK(m->has & LIPC_MSG_CRED);
		CHECK_EQ(m->pid, getpid());
		CHECK_EQ(m->uid, geteuid());
		CHECK_EQ(m->gid, getegid());
	}
}

/*
 * Send n messages of the array at base (stride bytes apart) in one call, and hold the call to
 * its contract: all n, or fewer only when the next message could not be sent, so that the next
 * call, starting with it, fails and says why (*err). Everything here fits in the mechanism at
 * once, so nothing else can stop a batch; a library that read the array with a wrong stride
 * would send the first message right and stop at a garbled second, which this catches.
 */
static size_t send_all_or_why(const struct pair *p, const void *base, size_t stride, size_t n,
			      int *err)
{
	int r = lipc_chan_send_many(p->tx, base, n), again;

	*err = 0;
	if (r <= 0)
		check_fail(__FILE__, __LINE__, "%s: %d of %zu sent: %s", p->t->name, r, n,
			   strerror(errno));
	CHECK((size_t)r <= n);
	if ((size_t)r == n)
		return n;
	again = lipc_chan_send_many(
		p->tx,
		(const struct lipc_msg *)(const void *)((const unsigned char *)base +
							(size_t)r * stride),
		n - (size_t)r);
	if (again != -1)
		check_fail(__FILE__, __LINE__,
			   "%s: %d of %zu sent, then %d more: a short count "
			   "without a reason",
			   p->t->name, r, n, again);
	*err = errno;
	return (size_t)r;
}

/*
 * A caller built against newer headers: its struct lipc_msg is larger (a field this library
 * does not know, zero), and the array's stride is its size. Every message goes and lands in
 * its own element; a message whose unknown field is not zero asks for what this library
 * cannot do: the batch stops before it (E2BIG from the next call), as for any failed send. On
 * the way in, the library writes only what it knows: the unknown field keeps its value.
 */
struct big_msg {
	struct lipc_msg m;
	long extra;
};

static void stride_larger(void)
{
	for (size_t e = 0; e < sizeof(edge_transports) / sizeof(edge_transports[0]); e++) {
		const struct transport *t = &transports[edge_transports[e]];
		unsigned char bodies[STRIDE_N][STRIDE_N * 37 + 1];
		struct big_msg out[STRIDE_N], in[STRIDE_N];
		struct pair p;
		size_t sent, got = 0;
		int r, err;

		pair_open(&p, t);
		memset(out, 0, sizeof(out));
		for (size_t i = 0; i < STRIDE_N; i++) {
			out[i].m = (struct lipc_msg)LIPC_MSG_INIT;
			out[i].m.struct_size = sizeof(struct big_msg);
			out[i].m.data = bodies[i];
			out[i].m.len = stride_body(bodies[i], i);
			stride_fields(&out[i].m, i, t->kind);
		}
		out[3].extra = 1;
		sent = send_all_or_why(&p, out, sizeof(out[0]), STRIDE_N, &err);
		CHECK_EQ(sent, 3);
		CHECK_EQ(err, E2BIG);
		out[3].extra = 0;
		sent += send_all_or_why(&p, &out[3], sizeof(out[0]), STRIDE_N - 3, &err);
		CHECK_EQ(sent, STRIDE_N);

		memset(in, 0, sizeof(in));
		for (size_t i = 0; i < STRIDE_N; i++) {
			in[i].m = (struct lipc_msg)LIPC_MSG_INIT;
			in[i].m.struct_size = sizeof(struct big_msg);
			in[i].extra = 0x5A5A5A5AL;
		}
		while (got < STRIDE_N) {
			r = lipc_chan_recv_many(p.rx, &in[got].m, STRIDE_N - got);
			if (r <= 0 || got + (size_t)r > STRIDE_N)
				check_fail(__FILE__, __LINE__, "%s: %d received after %zu: %s",
					   t->name, r, got, strerror(errno));
			/* Each checked before the next receive: then their data may go. */
			for (size_t i = got; i < got + (size_t)r; i++) {
				stride_check(&in[i].m, i, t);
				CHECK_EQ(in[i].m.struct_size, sizeof(struct big_msg));
			}
			got += (size_t)r;
		}
		for (size_t i = 0; i < STRIDE_N; i++)
			CHECK_EQ(in[i].extra, 0x5A5A5A5AL);
		pair_close(&p);
	}
}

/*
 * A caller whose struct lipc_msg ends at 1.0's last field (gid): a stride of LIPC__MSG_1_0
 * bytes, which leaves later elements unaligned, so the test reads and writes them with memcpy
 * as the library must. The bytes right after the array are never touched.
 */
static void stride_1_0(void)
{
	enum {
		S = LIPC__MSG_1_0,
		GUARD = 64
	};

	for (size_t e = 0; e < sizeof(edge_transports) / sizeof(edge_transports[0]); e++) {
		const struct transport *t = &transports[edge_transports[e]];
		unsigned char bodies[STRIDE_N][STRIDE_N * 37 + 1];
		alignas(max_align_t) unsigned char out[STRIDE_N * S], in[STRIDE_N * S + GUARD];
		struct pair p;
		size_t sent, got = 0;
		int r, err;

		pair_open(&p, t);
		for (size_t i = 0; i < STRIDE_N; i++) {
			struct lipc_msg m = LIPC_MSG_INIT;

			m.struct_size = S;
			m.data = bodies[i];
			m.len = stride_body(bodies[i], i);
			stride_fields(&m, i, t->kind);
			memcpy(out + i * S, &m, S);
		}
		sent = send_all_or_why(&p, out, S, STRIDE_N, &err);
		CHECK_EQ(sent, STRIDE_N);

		memset(in, 0xA5, sizeof(in));
		for (size_t i = 0; i < STRIDE_N; i++) {
			struct lipc_msg m = LIPC_MSG_INIT;

			m.struct_size = S;
			memcpy(in + i * S, &m, S);
		}
		while (got < STRIDE_N) {
			r = lipc_chan_recv_many(p.rx, (struct lipc_msg *)(void *)(in + got * S),
						STRIDE_N - got);
			if (r <= 0 || got + (size_t)r > STRIDE_N)
				check_fail(__FILE__, __LINE__, "%s: %d received after %zu: %s",
					   t->name, r, got, strerror(errno));
			for (size_t i = got; i < got + (size_t)r; i++) {
				struct lipc_msg m;

				memset(&m, 0, sizeof(m));
				memcpy(&m, in + i * S, S);
				CHECK_EQ(m.struct_size, S);
				stride_check(&m, i, t);
			}
			got += (size_t)r;
		}
		for (size_t i = STRIDE_N * S; i < sizeof(in); i++)
			CHECK_EQ(in[i], 0xA5);
		pair_close(&p);
	}
}

/* Message i of the edge tests: "edge NNNNN", which the receiver checks. */
static struct lipc_msg edge_msg(char (*texts)[16], size_t i)
{
	struct lipc_msg m = LIPC_MSG_INIT;

	m.len = (size_t)snprintf(texts[i], sizeof(texts[i]), "edge %05zu", i);
	m.data = texts[i];
	return m;
}

static void edge_expect(const struct lipc_msg *m, size_t i, const char *what)
{
	char want[16];
	size_t len = (size_t)snprintf(want, sizeof(want), "edge %05zu", i);

	if (m->len != len || memcmp(m->data, want, len))
		check_fail(__FILE__, __LINE__, "%s: message %zu is \"%.*s\"", what, i, (int)m->len,
			   (const char *)m->data);
}

/*
 * n == 0: a send of none sends none (0), a receive of none is EINVAL (0 would read as the end
 * of the stream); the wrong role is EBADF; a struct_size of 0 (not initialised) is EINVAL.
 * None of them sends, takes or loses a message: the one sent next is the one received next.
 */
static void edge_calls(void)
{
	for (size_t e = 0; e < sizeof(edge_transports) / sizeof(edge_transports[0]); e++) {
		const struct transport *t = &transports[edge_transports[e]];
		char texts[2][16];
		struct lipc_msg m[2] = { edge_msg(texts, 0), edge_msg(texts, 1) };
		struct lipc_msg zero[2], r[4];
		struct pair p;

		memset(zero, 0, sizeof(zero));
		for (size_t i = 0; i < 4; i++)
			r[i] = (struct lipc_msg)LIPC_MSG_INIT;
		pair_open(&p, t);
		CHECK_EQ(lipc_chan_send_many(p.tx, m, 0), 0);
		CHECK_ERR(lipc_chan_recv_many(p.rx, r, 0), EINVAL);
		CHECK_ERR(lipc_chan_send_many(p.rx, m, 2), EBADF);
		CHECK_ERR(lipc_chan_recv_many(p.tx, r, 4), EBADF);
		CHECK_ERR(lipc_chan_send_many(p.tx, zero, 2), EINVAL);
		CHECK_ERR(lipc_chan_recv_many(p.rx, zero, 2), EINVAL);
		/* Nothing went, nothing was taken: now the two, and only they. */
		for (size_t sent = 0; sent < 2;) {
			int n = lipc_chan_send_many(p.tx, m + sent, 2 - sent);

			CHECK(n > 0);
			sent += (size_t)n;
		}
		for (size_t got = 0; got < 2;) {
			int n = lipc_chan_recv_many(p.rx, r, 4);

			CHECK(n > 0 && got + (size_t)n <= 2);
			for (int i = 0; i < n; i++)
				edge_expect(&r[i], got++, t->name);
		}
		CHECK_SYS(lipc_chan_set_timeout(p.rx, 0));
		CHECK_ERR(lipc_chan_recv_many(p.rx, r, 4), EAGAIN);
		pair_close(&p);
	}
}

/*
 * n over LIPC_CHAN_BATCH_MAX: a call takes at most that many (a short count, never an error),
 * and the rest goes with the next; a receive of more returns at most that many. Through what
 * holds 1,025 small messages in one process: a pipe and the ring.
 */
static void over_batch_max(void)
{
	static const size_t which[] = { 1, 8 };
	enum {
		N = LIPC_CHAN_BATCH_MAX + 1
	};

	for (size_t e = 0; e < 2; e++) {
		const struct transport *t = &transports[which[e]];
		static char texts[N][16];
		static struct lipc_msg m[N], r[2 * LIPC_CHAN_BATCH_MAX];
		struct pair p;
		size_t sent = 0, got = 0;
		int n;

		for (size_t i = 0; i < N; i++)
			m[i] = edge_msg(texts, i);
		for (size_t i = 0; i < 2 * LIPC_CHAN_BATCH_MAX; i++)
			r[i] = (struct lipc_msg)LIPC_MSG_INIT;
		pair_open(&p, t);
		n = lipc_chan_send_many(p.tx, m, N);
		CHECK(n > 0 && n <= LIPC_CHAN_BATCH_MAX);
		for (sent = (size_t)n; sent < N; sent += (size_t)n) {
			n = lipc_chan_send_many(p.tx, m + sent, N - sent);
			CHECK(n > 0);
		}
		CHECK_EQ(sent, N);
		while (got < N) {
			n = lipc_chan_recv_many(p.rx, r, 2 * LIPC_CHAN_BATCH_MAX);
			CHECK(n > 0 && n <= LIPC_CHAN_BATCH_MAX && got + (size_t)n <= N);
			for (int i = 0; i < n; i++)
				edge_expect(&r[i], got++, t->name);
		}
		pair_close(&p);
	}
}

CHECK_MAIN(TEST_T(batch_fifo, 900), TEST_T(batch_pipe, 900), TEST_T(batch_unix, 900),
	   TEST_T(batch_unix_seqpacket, 900), TEST_T(batch_unix_dgram, 900), TEST_T(batch_tcp, 900),
	   TEST_T(batch_mq, 900), TEST_T(batch_sysv_mq, 900), TEST_T(batch_shm, 900),
	   TEST(stride_larger), TEST(stride_1_0), TEST(edge_calls), TEST(over_batch_max))
