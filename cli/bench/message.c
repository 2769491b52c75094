/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the message cases: round trips and streaming through the channel (lipc_chan_*,
 * exactly as lipc send and recv use it), through a pipe wrapped by the channel, and through the
 * references: a bare pipe, and a bare ring in shared memory (raw-ring, the floor of shm). The trap
 * is a fast and wrong figure: data that arrives damaged or not at all. Every message carries its
 * sequence number in its first bytes and a fixed pattern after it whose checksum is known; B
 * replies first and checks after (off the timed path), A checks each reply after it has taken its
 * timestamp, and any mismatch ends the case with the reason instead of a figure. A size the
 * mechanism cannot carry is n/a, saying what sets the limit.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lipc/chan.h"
#include "lipc/pipe.h"
#include "lipc/ring.h"
#include "internal.h" /* lipc__cpu_relax() */
#include "lipc/signal.h"
#include "pair.h"

/* The message sent third (from 0) is the one the test hook drops or damages. */
#define FAULT_AT 3

/* Messages. */

/*
 * Message k of a measurement: its sequence number in the first 8 bytes (in the first byte,
 * modulo 255, when it is shorter than 8), then the fixed pattern. The end of a measurement is a
 * message of the same size whose header is all ones, which no sequence number is.
 */
size_t msg_hdr_len(size_t size)
{
	return size < 8 ? 1 : 8;
}

void msg_put_seq(unsigned char *buf, size_t size, uint64_t seq)
{
	if (size >= 8)
		memcpy(buf, &seq, 8);
	else
		buf[0] = (unsigned char)(seq % 255);
}

bool msg_is_marker(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < msg_hdr_len(size); i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

uint64_t msg_get_seq(const unsigned char *p, size_t size)
{
	uint64_t seq;

	if (size < 8)
		return p[0];
	memcpy(&seq, p, 8);
	return seq;
}

/*
 * A checksum of every byte that must not hide the transport behind it: streaming through the
 * ring moves data about as fast as memcpy, so the check must be as fast. Eight 64-bit lanes,
 * each keeping a running sum and a sum of sums (Fletcher's idea: a damaged, missing or moved
 * word shows), in 16-byte vectors that the compiler maps to SIMD registers.
 */
typedef uint64_t lanes __attribute__((vector_size(16)));

static uint64_t checksum(const unsigned char *p, size_t n)
{
	/* Four accumulators by name, not an array: GCC keeps an array in memory. */
	lanes a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 }, w0, w1, w2, w3;
	lanes b0 = { 0 }, b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	uint64_t h = 0xcbf29ce484222325ull ^ n, x = 0, y = 0, v;
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		memcpy(&w0, p + i, 16);
		memcpy(&w1, p + i + 16, 16);
		memcpy(&w2, p + i + 32, 16);
		memcpy(&w3, p + i + 48, 16);
		a0 += w0;
		a1 += w1;
		a2 += w2;
		a3 += w3;
		b0 += a0;
		b1 += a1;
		b2 += a2;
		b3 += a3;
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		x += v;
		y += x;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	{
		const lanes all[] = { a0, a1, a2, a3, b0, b1, b2, b3, { x, y } };

		for (size_t l = 0; l < sizeof(all) / sizeof(all[0]); l++)
			h = (((h ^ all[l][0]) * 0x100000001b3ull) ^ all[l][1]) * 0x100000001b3ull;
	}
	return h;
}

/*
 * raw-ring: the simplest correct single-producer single-consumer ring between the two
 * processes, what the LinuxIPC ring (shm, shm-spin) is measured against. A byte ring of a power
 * of two, its head (bytes written) and tail (bytes read) counting up for ever, each on a line of
 * its own; a message is its bytes and nothing else, since both sides know the size of every
 * message of a measurement (one that would straddle the end goes to the start). The sender
 * copies a message in; the receiver reads it in place and gives it back at its next receive,
 * as the shm channel does. Each side writes only its own index and keeps a copy of the other's,
 * read again only when the copy says the ring is full (or empty): when both are busy, a message
 * costs its copy and two stores. Waiting busy-polls, except when both processes share a CPU,
 * where the one waiting could only spin until a preemption: there it calls sched_yield()
 * between looks, as the yield floor does (unpinned, it yields after a while: ring_wait). No
 * framing, no wake-up, no check of the peer: a peer that dies leaves the other polling until the
 * command's watchdog ends the case, and the data is checked as in every case. The memory is a
 * shared anonymous mapping made before B's fork: nothing with a name, nothing to remove.
 */

/* 128 bytes: a line and the one that the adjacent-line prefetcher pulls in with it. */
#define RING_LINE 128

struct ring_shared {
	_Alignas(RING_LINE) _Atomic uint64_t head; /* the producer's: bytes written */
	_Alignas(RING_LINE) _Atomic uint64_t tail; /* the consumer's: bytes read */
};

#define RING_DATA ((sizeof(struct ring_shared) + RING_LINE - 1) / RING_LINE * RING_LINE)

/* One end of one ring, in one process. */
struct ring_end {
	struct ring_shared *sh;
	unsigned char *data;
	size_t cap;	/* a power of two */
	uint64_t pos;	/* ours: head (producer) or tail (consumer) */
	uint64_t peer;	/* our copy of the other's index */
	unsigned spins; /* looks before each wait yields (ring_wait) */
};

/*
 * One look more: busy-polling, or sched_yield() after `spins` looks in vain. 0 when both
 * processes share a CPU; RING_SPINS unpinned, where the scheduler may put them on one CPU at any
 * time; UINT_MAX on two CPUs of their own, where a yield would only hand the CPU to whatever
 * else runs on the machine, as the cache-line floor never does.
 */
#define RING_SPINS 4096

static void ring_wait(const struct ring_end *r, unsigned *looks)
{
	if (*looks >= r->spins) {
		sched_yield();
		return;
	}
	++*looks;
	lipc__cpu_relax();
}

/*
 * Where a message of n bytes goes: at pos, or at the start of the ring when it would straddle
 * the end. Both sides know every size, so both skip the same gap and nothing needs to say so.
 */
static uint64_t ring_place(const struct ring_end *r, uint64_t pos, size_t n)
{
	size_t left = r->cap - (size_t)(pos & (r->cap - 1));

	return left < n ? pos + left : pos;
}

static void ring_push(struct ring_end *r, const unsigned char *p, size_t n)
{
	uint64_t at = ring_place(r, r->pos, n);
	unsigned looks = 0;

	/*
	 * Acquire: pairs with the consumer's release store of tail in ring_pop, so that its reads
	 * of the bytes we are about to overwrite are done before we write them.
	 */
	while (at + n - r->peer > r->cap) {
		r->peer = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
		if (at + n - r->peer > r->cap)
			ring_wait(r, &looks);
	}
	memcpy(r->data + (at & (r->cap - 1)), p, n);
	r->pos = at + n;
	/* Release: pairs with the consumer's acquire load of head; the bytes are there first. */
	atomic_store_explicit(&r->sh->head, r->pos, memory_order_release);
}

/*
 * The next message, in place, as the shm channel hands out its records: it stays ours until the
 * next call, which gives it back first (as lipc_chan_recv releases the record it peeked last).
 */
static const unsigned char *ring_pop(struct ring_end *r, size_t n)
{
	uint64_t at;
	unsigned looks = 0;

	/* Release: pairs with the producer's acquire load of tail; we are done with the bytes. */
	atomic_store_explicit(&r->sh->tail, r->pos, memory_order_release);
	at = ring_place(r, r->pos, n);
	/* Acquire: pairs with the producer's release store of head in ring_push. */
	while (r->peer < at + n) {
		r->peer = atomic_load_explicit(&r->sh->head, memory_order_acquire);
		if (r->peer < at + n)
			ring_wait(r, &looks);
	}
	r->pos = at + n;
	return r->data + (at & (r->cap - 1));
}

/* The capacity of a ring for messages of up to max bytes: as chan_opts() gives shm's. */
static size_t ring_capacity(size_t max)
{
	size_t cap = LIPC_RING_CAPACITY_DEFAULT;

	/* A ring record is at most half the ring. */
	while (cap / 2 - 8 < max && cap < LIPC_RING_CAPACITY_MAX)
		cap *= 2;
	return cap;
}

/* One side's two ends of a message case. */
struct msg_end {
	struct lipc_chan *tx, *rx;	   /* channel cases */
	struct lipc_addr tx_addr, rx_addr; /* for the transport's meaning of an errno */
	int fd_tx, fd_rx;		   /* the bare pipe */
	bool raw;
	struct ring_end *ring_tx, *ring_rx; /* raw-ring */
	const unsigned char *pattern;
	unsigned char *sbuf; /* what we send: the pattern under our header */
	unsigned char *rbuf; /* the bare pipe reads here */
	size_t size, hdr;    /* of the measurement running */
	uint64_t sum;	     /* the checksum of pattern[hdr, size) */
	const unsigned char *got;
	size_t got_len;
	uint64_t skip; /* A: sequence numbers the test hook skipped */
	uint64_t sent; /* A: the sequence number of the last message */
	enum bench_fault fault;
	const char *limit_what; /* what sets the largest message, for n/a */
	const char *limit_knob; /* and where to change it: " (kernel.msgmax)" */
	int poll_fd;		/* BENCH_CHAN_POLL: the receiver's lipc_chan_fd(), else -1 */
};

static void msg_begin(struct msg_end *e, size_t size)
{
	e->size = size;
	e->hdr = msg_hdr_len(size);
	memcpy(e->sbuf, e->pattern, 8);
	e->sum = checksum(e->pattern + e->hdr, size - e->hdr);
	e->skip = 0;
}

static void msg_send(const struct side *s, struct msg_end *e, const unsigned char *p)
{
	if (e->ring_tx) {
		ring_push(e->ring_tx, p, e->size);
		return;
	}
	if (e->raw) {
		size_t done = 0;

		while (done < e->size) {
			ssize_t n = write(e->fd_tx, p + done, e->size - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				die(s, "write: %s", strerror(errno));
			done += (size_t)n;
		}
		return;
	}
	if (lipc_chan_send(e->tx, p, e->size) < 0)
		die(s, "send of %zu bytes: %s", e->size, lipc_addr_strerror(&e->tx_addr, errno));
}

static void msg_recv(const struct side *s, struct msg_end *e)
{
	struct lipc_msg m = LIPC_MSG_INIT;
	int r;

	if (e->ring_rx) {
		e->got = ring_pop(e->ring_rx, e->size);
		e->got_len = e->size;
		return;
	}
	if (e->raw) {
		size_t done = 0;

		while (done < e->size) {
			ssize_t n = read(e->fd_rx, e->rbuf + done, e->size - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				die(s, "read: %s", strerror(errno));
			if (n == 0)
				die(s, "the pipe ended in the middle of the measurement");
			done += (size_t)n;
		}
		e->got = e->rbuf;
		e->got_len = e->size;
		return;
	}
	/* shm-poll: asleep in poll() only when a receive that does not wait found nothing. */
	while ((r = lipc_chan_recv(e->rx, &m)) < 0 && errno == EAGAIN && e->poll_fd >= 0) {
		struct pollfd p = { .fd = e->poll_fd, .events = POLLIN };

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			die(s, "poll: %s", strerror(errno));
	}
	if (r == 0)
		die(s, "the channel ended in the middle of the measurement");
	if (r < 0)
		die(s, "receive: %s", lipc_addr_strerror(&e->rx_addr, errno));
	e->got = m.data;
	e->got_len = m.len;
}

/* What arrived must be message want, whole and intact. */
static void msg_check(const struct side *s, const struct msg_end *e, uint64_t want,
		      const char *what)
{
	char sz[32];

	bench_size_name(e->size, sz, sizeof(sz));
	if (e->got_len != e->size)
		die(s, "%s %llu of %s came with %zu bytes", what, (unsigned long long)want, sz,
		    e->got_len);
	if (msg_get_seq(e->got, e->size) != (e->size < 8 ? want % 255 : want))
		die(s, "%s %llu of %s was lost, duplicated or reordered: %llu came in its place%s",
		    what, (unsigned long long)want, sz,
		    (unsigned long long)msg_get_seq(e->got, e->size),
		    e->size < 8 ? " (numbers modulo 255)" : "");
	if (checksum(e->got + e->hdr, e->size - e->hdr) != e->sum)
		die(s, "%s %llu of %s is corrupt: its bytes differ from those sent", what,
		    (unsigned long long)want, sz);
}

/* A sends message k, through the test hook. */
static void a_send(const struct side *s, struct msg_end *e, uint64_t k)
{
	bool damage = false;

	if (e->fault == FAULT_DROP && k == FAULT_AT)
		e->skip++; /* message k is never sent: k + 1 goes in its place */
	e->sent = k + e->skip;
	msg_put_seq(e->sbuf, e->size, e->sent);
	if (e->fault == FAULT_CORRUPT && k == FAULT_AT) {
		e->sbuf[e->size - 1] ^= 0x5a;
		damage = true;
	}
	msg_send(s, e, e->sbuf);
	if (damage)
		e->sbuf[e->size - 1] ^= 0x5a;
}

static void msg_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct msg_end *e = ctx;

	a_send(s, e, k);
	msg_recv(s, e);
}

static void msg_rt_check(const struct side *s, void *ctx, uint64_t k)
{
	struct msg_end *e = ctx;

	(void)k;
	msg_check(s, e, e->sent, "reply");
}

/* A ends a measurement: the end marker, B's own marker back, and B's count. */
static uint64_t a_finish(const struct side *s, struct msg_end *e)
{
	uint64_t count;

	memset(e->sbuf, 0xff, e->hdr);
	msg_send(s, e, e->sbuf);
	msg_recv(s, e);
	memcpy(e->sbuf, e->pattern, 8);
	if (e->got_len != e->size || !msg_is_marker(e->got, e->size))
		die(s, "the end of the measurement came back as something else");
	ctl_recv(s, &count, sizeof(count));
	return count;
}

/* A streams messages for ms milliseconds, then waits for B's confirmation. */
static void a_stream(const struct side *s, struct msg_end *e, int ms, struct bench_figure *f)
{
	uint64_t mask = e->size < 4096 ? 15 : 0, k = 0, t0, t1, end, count;

	t0 = bench_now_ns();
	end = t0 + (uint64_t)ms * 1000000u;
	do
		a_send(s, e, k++);
	while ((k & mask) != 0 || bench_now_ns() < end);
	count = a_finish(s, e);
	t1 = bench_now_ns();
	if (count != k)
		die(s, "%llu messages were sent and %llu arrived", (unsigned long long)k,
		    (unsigned long long)count);
	if (f) {
		f->test = TEST_THROUGHPUT;
		f->status = ST_OK;
		f->count = k;
		f->seconds = (double)(t1 - t0) / 1e9;
		f->msgs_per_s = (double)k / f->seconds;
		f->bytes_per_s = (double)k * (double)e->size / f->seconds;
	}
}

/* B: answer (echo) or swallow (streaming) messages until the end marker. */
static void b_phase(const struct side *s, struct msg_end *e, size_t size, bool echo)
{
	msg_begin(e, size);
	for (uint64_t k = 0;; k++) {
		bool marker;

		msg_recv(s, e);
		marker = e->got_len == size && msg_is_marker(e->got, size);
		if (echo || marker) {
			/* Reply first, check after: the check is not part of the round trip. */
			if (e->got_len >= e->hdr)
				memcpy(e->sbuf, e->got, e->hdr);
			msg_send(s, e, e->sbuf);
		}
		if (marker) {
			ctl_send(s, &k, sizeof(k));
			return;
		}
		msg_check(s, e, k, "message");
	}
}

/* A size over what the mechanism carries: n/a, saying what sets the limit. */
static void na(const struct side *s, const struct msg_end *e, enum bench_test test, size_t size,
	       size_t limit)
{
	struct bench_figure f = { .test = test, .size = size, .status = ST_NA };
	char sz[32];

	if (limit % 1024)
		snprintf(sz, sizeof(sz), "%zu bytes", limit);
	else
		bench_size_name(limit, sz, sizeof(sz));
	snprintf(f.note, sizeof(f.note), "over %s of %s%s", e->limit_what, sz, e->limit_knob);
	report(s, &f);
}

/* Both sides walk the same list of measurements; A times and reports, B answers. */
static void run_messages(const struct side *s, struct msg_end *e, size_t limit)
{
	const struct bench_plan *p = s->plan;
	struct samples sm = { 0 };

	if (s->is_a)
		samples_init(s, &sm);
	for (int i = 0; i < p->n_lat; i++) {
		size_t size = p->lat_sizes[i];
		struct bench_figure f = { .size = size };

		if (size > limit) {
			if (s->is_a)
				na(s, e, TEST_LATENCY, size, limit);
			continue;
		}
		if (!s->is_a) {
			b_phase(s, e, size, true);
			continue;
		}
		phase(s, "round trip", size);
		msg_begin(e, size);
		latency(s, e, msg_rt, msg_rt_check, &sm, &f);
		if (a_finish(s, e) != e->sent + 1 - e->skip)
			die(s, "the answering process counted a different number of messages");
		report(s, &f);
	}
	for (int i = 0; i < p->n_tput; i++) {
		size_t size = p->tput_sizes[i];
		struct bench_figure f = { .size = size };

		if (size > limit) {
			if (s->is_a)
				na(s, e, TEST_THROUGHPUT, size, limit);
			continue;
		}
		if (!s->is_a) {
			b_phase(s, e, size, false); /* the warm-up */
			b_phase(s, e, size, false);
			continue;
		}
		phase(s, "streaming", size);
		msg_begin(e, size);
		a_stream(s, e, p->warmup_ms, NULL);
		msg_begin(e, size);
		a_stream(s, e, p->duration_ms, &f);
		report(s, &f);
	}
	if (s->is_a)
		samples_free(&sm);
}

unsigned char *make_pattern(const struct side *s, size_t size)
{
	unsigned char *p = malloc(size);
	uint64_t x = 0x9e3779b97f4a7c15ull;

	if (!p)
		die(s, "out of memory for %zu bytes", size);
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
	return p;
}

static void msg_buffers(const struct side *s, struct msg_end *e, const unsigned char *pattern)
{
	size_t n = s->plan->max_size < 8 ? 8 : s->plan->max_size;

	e->pattern = pattern;
	if (!e->limit_what) {
		e->limit_what = "the largest message it takes";
		e->limit_knob = "";
	}
	e->sbuf = malloc(n);
	e->rbuf = e->raw ? malloc(n) : NULL;
	if (!e->sbuf || (e->raw && !e->rbuf))
		die(s, "out of memory for %zu bytes", n);
	memcpy(e->sbuf, pattern, n);
	if (e->rbuf)
		memset(e->rbuf, 0, n);
	e->fault = s->plan->fault;
}

static size_t chan_limit(const struct lipc_chan *c)
{
	return c ? lipc_chan_max_msg(c) : SIZE_MAX;
}

static void close_ends(struct msg_end *e)
{
	lipc_chan_close(e->tx);
	lipc_chan_close(e->rx);
	free(e->sbuf);
	free(e->rbuf);
}

/* The pipe cases: two pipes, bare or wrapped in the channel. */
int run_pipes(struct side *s, bool raw, unsigned char *pattern)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct msg_end e = { .raw = raw, .poll_fd = -1 };
	int ab[2], ba[2];
	size_t limit;

	if (lipc_pipe_open(ab, 0) < 0 || lipc_pipe_open(ba, 0) < 0)
		die(s, "pipe: %s", strerror(errno));
	o.flags = LIPC_CHAN_FRAMED;
	o.max_msg = s->plan->max_size;
	fork_b(s);
	e.fd_tx = s->is_a ? ab[1] : ba[1];
	e.fd_rx = s->is_a ? ba[0] : ab[0];
	close(s->is_a ? ab[0] : ba[0]);
	close(s->is_a ? ba[1] : ab[1]);
	if (!raw) {
		e.tx = lipc_chan_open_fd(e.fd_tx, LIPC_SEND, &o);
		e.rx = lipc_chan_open_fd(e.fd_rx, LIPC_RECV, &o);
		if (!e.tx || !e.rx)
			die(s, "lipc_chan_open_fd: %s", strerror(errno));
		e.tx_addr = (struct lipc_addr)LIPC_ADDR_INIT;
		lipc_addr_parse(&e.tx_addr, "fifo:/pipe"); /* a pipe's errors read as a FIFO's */
		e.rx_addr = e.tx_addr;
	}
	msg_buffers(s, &e, pattern);
	limit = chan_limit(e.tx) < chan_limit(e.rx) ? chan_limit(e.tx) : chan_limit(e.rx);
	run_messages(s, &e, limit);
	if (raw) {
		close(e.fd_tx);
		close(e.fd_rx);
	}
	close_ends(&e);
	if (!s->is_a)
		_exit(0);
	reap_b(s);
	return 0;
}

/* The channel options of a case; the receiver keeps going between senders (a FIFO's open). */
static struct lipc_chan_opts chan_opts(const struct side *s, const struct bench_case *c)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	size_t max = s->plan->max_size;

	o.flags = LIPC_CHAN_FRAMED | (c->flags & ~BENCH_CHAN_POLL);
	o.max_msg = max;
	o.capacity = ring_capacity(max);
	/*
	 * A POSIX queue's messages are 8 KiB by default. Bigger ones need a raised
	 * fs.mqueue.msgsize_max or CAP_SYS_RESOURCE (up to 16 MiB), and room in RLIMIT_MSGQUEUE,
	 * which counts every queue of the user at its full size: ask, and see (open_end).
	 */
	if (!strcmp(c->scheme, "mq") && max > 8192) {
		struct rlimit rl;
		rlim_t need = (rlim_t)(4 * (10 * (max + 256)));

		o.msg_size = (long)(max < (16u << 20) ? max : (16u << 20));
		if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < need) {
			rl.rlim_cur = need;
			if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
				rl.rlim_max = need;
			setrlimit(RLIMIT_MSGQUEUE, &rl); /* refused: a smaller size it is */
		}
	}
	return o;
}

/* A number from /proc/sys, or -1. */
static long sysctl_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static bool mq_refused(int err)
{
	return err == EINVAL || err == EMFILE || err == ENOMEM || err == EPERM;
}

static struct lipc_chan *open_end(const struct side *s, const char *address, int role,
				  struct lipc_chan_opts *o, struct lipc_addr *a)
{
	struct lipc_chan *c;

	*a = (struct lipc_addr)LIPC_ADDR_INIT;
	if (lipc_addr_parse(a, address) < 0)
		die(s, "%s: %s", address, strerror(errno));
	c = lipc_chan_open(address, role, o);
	if (!c && a->scheme == LIPC_SCHEME_MQ && o->msg_size && mq_refused(errno)) {
		/* Refused the size asked for: the system's limit, then its default. */
		long max = sysctl_long("/proc/sys/fs/mqueue/msgsize_max");

		if (max > 8192 && max < o->msg_size) {
			o->msg_size = max;
			c = lipc_chan_open(address, role, o);
		}
		if (!c && mq_refused(errno)) {
			o->msg_size = 0;
			c = lipc_chan_open(address, role, o);
		}
	}
	if (!c)
		die(s, "cannot open %s: %s", address, lipc_addr_strerror(a, errno));
	return c;
}

/* What limits the size of a message of each scheme, and where to change it, for n/a. */
static void limit_of(enum lipc_scheme scheme, struct msg_end *e)
{
	switch (scheme) {
	case LIPC_SCHEME_MQ:
		e->limit_what = "the queue's message size";
		e->limit_knob = " (fs.mqueue.msgsize_max)";
		break;
	case LIPC_SCHEME_SYSV_MQ:
		e->limit_what = "the largest System V message";
		e->limit_knob = " (kernel.msgmax)";
		break;
	case LIPC_SCHEME_UNIX_DGRAM:
	case LIPC_SCHEME_UNIX_SEQPACKET:
		e->limit_what = "the socket's send buffer";
		e->limit_knob = " (net.core.wmem_default)";
		break;
	case LIPC_SCHEME_SHM:
		e->limit_what = "half the ring";
		e->limit_knob = "";
		break;
	default:
		break;
	}
}

/*
 * A channel case. A opens its receiving end of B-to-A first (so a FIFO's open does not wait for
 * a writer, and a listener asked for port 0 knows its port), then forks B; B opens its
 * receiving end of A-to-B and tells A where it really is, then each opens its sending end.
 */
int run_chan(struct side *s, const struct bench_case *c, const struct bench_objects *ob,
	     unsigned char *pattern)
{
	struct lipc_chan_opts tx = chan_opts(s, c), rx;
	struct msg_end e = { .poll_fd = -1 };
	char ba[sizeof(ob->ba)], ab[sizeof(ob->ab)];
	size_t limit[4];

	signal(SIGPIPE, SIG_IGN); /* a reader that is gone is EPIPE, and the case fails */
	rx = tx;
	rx.flags |= LIPC_CHAN_KEEP;
	e.rx = open_end(s, ob->ba, LIPC_RECV, &rx, &e.rx_addr);
	tx.msg_size = rx.msg_size;
	if (lipc_chan_address(e.rx, ba, sizeof(ba)) < 0)
		snprintf(ba, sizeof(ba), "%s", ob->ba);
	if (fork_b(s)) {
		/*
		 * A's end, inherited, is left alone: its close would remove what A created (the
		 * FIFO's name) or detach A's role from a ring. B exits soon, with _exit().
		 */
		e.rx = open_end(s, ob->ab, LIPC_RECV, &rx, &e.rx_addr);
		if (lipc_chan_address(e.rx, ab, sizeof(ab)) < 0)
			snprintf(ab, sizeof(ab), "%s", ob->ab);
		ctl_send(s, ab, sizeof(ab));
		e.tx = open_end(s, *ob->ba_tx ? ob->ba_tx : ba, LIPC_SEND, &tx, &e.tx_addr);
		limit[0] = chan_limit(e.rx);
		limit[1] = chan_limit(e.tx);
		ctl_send(s, limit, 2 * sizeof(size_t));
		ctl_recv(s, limit, sizeof(size_t));
	} else {
		ctl_recv(s, ab, sizeof(ab));
		e.tx = open_end(s, *ob->ab_tx ? ob->ab_tx : ab, LIPC_SEND, &tx, &e.tx_addr);
		ctl_recv(s, limit + 2, 2 * sizeof(size_t));
		limit[0] = chan_limit(e.rx);
		limit[1] = chan_limit(e.tx);
		for (int i = 1; i < 4; i++)
			if (limit[i] < limit[0])
				limit[0] = limit[i];
		if (c->how == HOW_RELAY && relay_limit(c) < limit[0])
			limit[0] = relay_limit(c);
		ctl_send(s, limit, sizeof(size_t));
		if (c->how == HOW_RELAY) /* every queue or ring is there: the relays join them */
			relays_start(s, c, ob);
	}
	limit_of(e.tx_addr.scheme, &e);
	if (c->flags & BENCH_CHAN_POLL) {
		if (lipc_chan_set_timeout(e.rx, 0) < 0 || (e.poll_fd = lipc_chan_fd(e.rx)) < 0)
			die(s, "lipc_chan_fd: %s", lipc_addr_strerror(&e.rx_addr, errno));
	}
	msg_buffers(s, &e, pattern);
	run_messages(s, &e, limit[0]);
	close_ends(&e);
	if (!s->is_a)
		_exit(0);
	if (c->how == HOW_RELAY)
		relays_stop(s);
	reap_b(s);
	return 0;
}

/* How long a wait of raw-ring busy-polls before it yields: ring_wait. */
static unsigned ring_spins(const struct side *s)
{
	cpu_set_t set;

	if (s->place->cpu_a >= 0)
		return s->place->cpu_a == s->place->cpu_b ? 0 : UINT_MAX;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) < 2)
		return 0;
	return RING_SPINS;
}

/*
 * raw-ring: two rings, A to B and back, in one shared anonymous mapping made before the fork,
 * each as large as the LinuxIPC ring of the shm case would be; a message may fill half of it,
 * as a record of that ring may, so that one always fits after the gap at the end.
 */
int run_raw_ring(struct side *s, unsigned char *pattern)
{
	size_t cap = ring_capacity(s->plan->max_size), len = 2 * (RING_DATA + cap);
	struct ring_end ends[2];
	struct msg_end e = { .limit_what = "half the ring", .limit_knob = "", .poll_fd = -1 };
	unsigned char *map;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (map == MAP_FAILED)
		die(s, "mmap of %zu bytes: %s", len, strerror(errno));
	/* The mapping is zeros: both rings empty, head = tail = 0. */
	for (int i = 0; i < 2; i++)
		ends[i] = (struct ring_end){
			.sh = (struct ring_shared *)(map + i * (RING_DATA + cap)),
			.data = map + i * (RING_DATA + cap) + RING_DATA,
			.cap = cap,
		};
	fork_b(s);
	/* Ring 0 carries A to B, ring 1 B to A. */
	e.ring_tx = &ends[s->is_a ? 0 : 1];
	e.ring_rx = &ends[s->is_a ? 1 : 0];
	e.ring_tx->spins = e.ring_rx->spins = ring_spins(s);
	msg_buffers(s, &e, pattern);
	run_messages(s, &e, cap / 2);
	close_ends(&e);
	munmap(map, len);
	if (!s->is_a)
		_exit(0);
	reap_b(s);
	return 0;
}

uint64_t msg_checksum(const unsigned char *p, size_t n)
{
	return checksum(p, n);
}

size_t msg_ring_capacity(size_t max)
{
	return ring_capacity(max);
}
