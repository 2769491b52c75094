/*
 * lipc bench, the measurements: what the two processes of a pair, A and B, do for each case.
 * Messages go through the channel (lipc_chan_*), exactly as lipc send and recv send them; locks,
 * semaphores and signals through liblipc's modules; only the bare pipe, the futex pair and the
 * cache line are raw system calls and atomics, because they are the references.
 *
 * The traps of benchmarking IPC, and what this file does about them. Placement changes every
 * figure, so each process pins itself right after the fork. A first round trip pays for cold
 * caches, page faults and lazy connection setup, so every measurement starts with a warm-up. A
 * clock read costs tens of nanoseconds, so latency takes exactly two per round trip and streaming
 * reads the clock only every few messages. Data that arrives damaged or not at all would make a
 * fast and wrong figure: every message carries its sequence number in its first bytes and a
 * fixed pattern after it whose checksum is known, B replies first and checks after (off the
 * timed path), A checks each reply after it has taken its timestamp, and any mismatch kills the
 * case with the reason instead of a figure. Locks and semaphores are checked the same way: a
 * counter in shared memory proves that the two processes really took turns.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "lipc/chan.h"
#include "lipc/lock.h"
#include "lipc/pipe.h"
#include "lipc/ring.h"
#include "lipc/sem.h"
#include "lipc/shm.h"
#include "lipc/signal.h"

/* The message sent third (from 0) is the one the test hook drops or damages. */
#define FAULT_AT 3
/* Latency keeps up to this many round trips per millisecond of a measurement (100 ns each). */
#define SAMPLES_PER_MS 10000
#define SAMPLES_MAX    ((size_t)1 << 25) /* 128 MiB, sorted in place of another 128 MiB */
#define WARMUP_MIN     16		 /* round trips, however fast */

/* One process of the pair. */
struct side {
	bool is_a;
	int out_fd;	     /* records to the command */
	pid_t peer;	     /* the other process */
	int ctl_in, ctl_out; /* control pipes, from and to the peer: never timed */
	const struct bench_plan *plan;
	const struct bench_place *place;
};

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Write a record to the command; one write() under PIPE_BUF, so records never interleave. */
static void emit(const struct side *s, const struct bench_wire *w)
{
	ssize_t n;

	do
		n = write(s->out_fd, w, sizeof(*w));
	while (n < 0 && errno == EINTR);
}

/*
 * The case failed: tell the command why, take the other process down with us (it may be
 * blocked waiting for a message that will never come), and exit.
 */
__attribute__((format(printf, 2, 3))) static _Noreturn void die(const struct side *s,
								const char *fmt, ...)
{
	struct bench_wire w = { .type = WIRE_FAIL };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w.text, sizeof(w.text), fmt, ap);
	va_end(ap);
	emit(s, &w);
	if (s->peer > 0)
		kill(s->peer, SIGKILL);
	_exit(1);
}

static void report(const struct side *s, const struct bench_figure *f)
{
	struct bench_wire w = { .type = WIRE_FIGURE, .fig = *f };

	emit(s, &w);
}

/* Progress: what runs now. It also tells the command that the case is alive. */
static void phase(const struct side *s, const char *what, size_t size)
{
	struct bench_wire w = { .type = WIRE_PHASE };
	char sz[32];

	if (size)
		snprintf(w.text, sizeof(w.text), "%s, %s", what,
			 bench_size_name(size, sz, sizeof(sz)));
	else
		snprintf(w.text, sizeof(w.text), "%s", what);
	emit(s, &w);
}

static void ctl_send(const struct side *s, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(s->ctl_out, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die(s, "the other process is gone");
		c += w;
		n -= (size_t)w;
	}
}

static void ctl_recv(const struct side *s, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(s->ctl_in, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die(s, "the other process is gone");
		c += r;
		n -= (size_t)r;
	}
}

static void pin(const struct side *s, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die(s, "cannot run on CPU %d: %s", cpu, strerror(errno));
}

/*
 * Fork B. Returns in both processes, each with its side set up and pinned: true in B. B dies
 * with A (PR_SET_PDEATHSIG), so nothing outlives a killed run.
 */
static bool fork_b(struct side *s)
{
	int to_b[2], to_a[2];
	pid_t a = getpid(), pid;

	if (lipc_pipe_open(to_b, 0) < 0 || lipc_pipe_open(to_a, 0) < 0)
		die(s, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die(s, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a)
			_exit(1);
		s->is_a = false;
		s->peer = a;
		s->ctl_in = to_b[0];
		s->ctl_out = to_a[1];
		close(to_b[1]);
		close(to_a[0]);
		pin(s, s->place->cpu_b);
		return true;
	}
	s->peer = pid;
	s->ctl_in = to_a[0];
	s->ctl_out = to_b[1];
	close(to_a[1]);
	close(to_b[0]);
	pin(s, s->place->cpu_a);
	return false;
}

/* A: wait for B's clean exit after the case. */
static void reap_b(struct side *s)
{
	int status;
	pid_t b = s->peer;

	while (waitpid(b, &status, 0) < 0)
		if (errno != EINTR)
			die(s, "waitpid: %s", strerror(errno));
	s->peer = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			die(s, "the answering process was killed by signal %d", WTERMSIG(status));
		die(s, "the answering process failed (status %d)", WEXITSTATUS(status));
	}
}

/* Latency: the samples, sorted once at the end. */

struct samples {
	uint32_t *v, *tmp;
	size_t n, cap;
};

static void samples_init(const struct side *s, struct samples *sm)
{
	sm->cap = (size_t)s->plan->duration_ms * SAMPLES_PER_MS;
	if (sm->cap < 4096)
		sm->cap = 4096;
	if (sm->cap > SAMPLES_MAX)
		sm->cap = SAMPLES_MAX;
	sm->v = malloc(sm->cap * sizeof(*sm->v));
	sm->tmp = malloc(sm->cap * sizeof(*sm->tmp));
	if (!sm->v || !sm->tmp)
		die(s, "out of memory for %zu samples", sm->cap);
	/* Fault the pages in now, not in the middle of a measurement. */
	memset(sm->v, 0, sm->cap * sizeof(*sm->v));
	memset(sm->tmp, 0, sm->cap * sizeof(*sm->tmp));
	sm->n = 0;
}

static void samples_free(struct samples *sm)
{
	free(sm->v);
	free(sm->tmp);
}

/* Radix sort, 8 bits at a time: linear, where qsort of a million samples takes a while. */
static void samples_sort(struct samples *sm)
{
	uint32_t *from = sm->v, *to = sm->tmp;

	for (int shift = 0; shift < 32; shift += 8) {
		size_t count[257] = { 0 };

		for (size_t i = 0; i < sm->n; i++)
			count[((from[i] >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < sm->n; i++)
			to[count[(from[i] >> shift) & 0xff]++] = from[i];
		uint32_t *t = from;
		from = to;
		to = t;
	}
	/* Four passes: the sorted samples are back in sm->v. */
}

/* The nearest-rank percentile q of the sorted samples. */
static double pct(const struct samples *sm, double q)
{
	size_t rank = (size_t)(q * (double)sm->n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > sm->n)
		rank = sm->n;
	return sm->v[rank - 1];
}

static void samples_stats(struct samples *sm, struct bench_figure *f)
{
	samples_sort(sm);
	f->count = sm->n;
	f->p50 = pct(sm, 0.50);
	f->p99 = pct(sm, 0.99);
	f->p999 = pct(sm, 0.999);
	f->max = sm->v[sm->n - 1];
}

/*
 * The latency driver: rt(k) is round trip k, check(k) verifies what it brought back (after the
 * second timestamp). A warm-up first, then round trips for the duration (or until the sample
 * array is full). Returns the number of round trips made, warm-up included.
 */
typedef void (*rt_fn)(const struct side *s, void *ctx, uint64_t k);

static uint64_t latency(const struct side *s, void *ctx, rt_fn rt, rt_fn check, struct samples *sm,
			struct bench_figure *f)
{
	uint64_t k = 0, t0, t1, start, end;

	end = bench_now_ns() + (uint64_t)s->plan->warmup_ms * 1000000u;
	do {
		rt(s, ctx, k);
		if (check)
			check(s, ctx, k);
		k++;
	} while (k < WARMUP_MIN || bench_now_ns() < end);
	sm->n = 0;
	start = bench_now_ns();
	end = start + (uint64_t)s->plan->duration_ms * 1000000u;
	do {
		t0 = bench_now_ns();
		rt(s, ctx, k);
		t1 = bench_now_ns();
		sm->v[sm->n++] = t1 - t0 > UINT32_MAX ? UINT32_MAX : (uint32_t)(t1 - t0);
		if (check)
			check(s, ctx, k);
		k++;
	} while (t1 < end && sm->n < sm->cap);
	f->test = TEST_LATENCY;
	f->status = ST_OK;
	f->seconds = (double)(t1 - start) / 1e9;
	samples_stats(sm, f);
	return k;
}

/* The shared page of the hand-off cases: each word on its own cache line. */
struct shared {
	_Alignas(64) _Atomic uint64_t counter; /* proves strict alternation */
	_Alignas(64) _Atomic uint32_t stop;
	_Alignas(64) _Atomic uint32_t w1; /* futex: A to B */
	_Alignas(64) _Atomic uint32_t w2; /* futex: B to A */
	_Alignas(64) _Atomic uint64_t line;
	struct {
		_Alignas(64) struct lipc_shm_mutex m;
	} mx[3];
};

static struct shared *shared_page(const struct side *s)
{
	struct lipc_shm shm;

	if (lipc_shm_create_anon(&shm, sizeof(struct shared)) < 0)
		die(s, "shared memory: %s", strerror(errno));
	return shm.addr;
}

/* A mark: the counter must be want, and becomes want + 1. */
static void mark(const struct side *s, struct shared *sh, uint64_t want, const char *what)
{
	uint64_t c = atomic_load_explicit(&sh->counter, memory_order_acquire);

	if (c != want)
		die(s, "%s let both processes in at once (turn %llu found %llu)", what,
		    (unsigned long long)want, (unsigned long long)c);
	/* Pairs with the other process's acquire load in its mark, after the hand-off. */
	atomic_store_explicit(&sh->counter, want + 1, memory_order_release);
}

/* Messages. */

/*
 * Message k of a measurement: its sequence number in the first 8 bytes (in the first byte,
 * modulo 255, when it is shorter than 8), then the fixed pattern. The end of a measurement is a
 * message of the same size whose header is all ones, which no sequence number is.
 */
static size_t hdr_len(size_t size)
{
	return size < 8 ? 1 : 8;
}

static void put_seq(unsigned char *buf, size_t size, uint64_t seq)
{
	if (size >= 8)
		memcpy(buf, &seq, 8);
	else
		buf[0] = (unsigned char)(seq % 255);
}

static bool is_marker(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < hdr_len(size); i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

static uint64_t get_seq(const unsigned char *p, size_t size)
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

/* One side's two ends of a message case. */
struct msg_end {
	struct lipc_chan *tx, *rx;	   /* channel cases */
	struct lipc_addr tx_addr, rx_addr; /* for the transport's meaning of an errno */
	int fd_tx, fd_rx;		   /* the bare pipe */
	bool raw;
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
};

static void msg_begin(struct msg_end *e, size_t size)
{
	e->size = size;
	e->hdr = hdr_len(size);
	memcpy(e->sbuf, e->pattern, 8);
	e->sum = checksum(e->pattern + e->hdr, size - e->hdr);
	e->skip = 0;
}

static void msg_send(const struct side *s, struct msg_end *e, const unsigned char *p)
{
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
	struct lipc_msg m;
	int r;

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
	r = lipc_chan_recv(e->rx, &m);
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
	if (get_seq(e->got, e->size) != (e->size < 8 ? want % 255 : want))
		die(s, "%s %llu of %s was lost, duplicated or reordered: %llu came in its place%s",
		    what, (unsigned long long)want, sz,
		    (unsigned long long)get_seq(e->got, e->size),
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
	put_seq(e->sbuf, e->size, e->sent);
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
	if (e->got_len != e->size || !is_marker(e->got, e->size))
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
		marker = e->got_len == size && is_marker(e->got, size);
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

static unsigned char *make_pattern(const struct side *s, size_t size)
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
static int run_pipes(struct side *s, bool raw, unsigned char *pattern)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct msg_end e = { .raw = raw };
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
		e.tx = lipc_chan_open_fd(e.fd_tx, LIPC_CHAN_SEND, &o);
		e.rx = lipc_chan_open_fd(e.fd_rx, LIPC_CHAN_RECV, &o);
		if (!e.tx || !e.rx)
			die(s, "lipc_chan_open_fd: %s", strerror(errno));
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
	size_t max = s->plan->max_size, cap = LIPC_RING_CAPACITY_DEFAULT;

	o.flags = LIPC_CHAN_FRAMED | c->flags;
	o.max_msg = max;
	/* A ring record is at most half the ring. */
	while (cap / 2 - 8 < max && cap < LIPC_RING_CAPACITY_MAX)
		cap *= 2;
	o.capacity = cap;
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
static int run_chan(struct side *s, const struct bench_case *c, const struct bench_objects *ob,
		    unsigned char *pattern)
{
	struct lipc_chan_opts tx = chan_opts(s, c), rx;
	struct msg_end e = { 0 };
	char ba[sizeof(ob->ba)], ab[sizeof(ob->ab)];
	size_t limit[4];

	signal(SIGPIPE, SIG_IGN); /* a reader that is gone is EPIPE, and the case fails */
	rx = tx;
	rx.flags |= LIPC_CHAN_KEEP;
	e.rx = open_end(s, ob->ba, LIPC_CHAN_RECV, &rx, &e.rx_addr);
	tx.msg_size = rx.msg_size;
	if (lipc_chan_address(e.rx, ba, sizeof(ba)) < 0)
		snprintf(ba, sizeof(ba), "%s", ob->ba);
	if (fork_b(s)) {
		/*
		 * A's end, inherited, is left alone: its close would remove what A created (the
		 * FIFO's name) or detach A's role from a ring. B exits soon, with _exit().
		 */
		e.rx = open_end(s, ob->ab, LIPC_CHAN_RECV, &rx, &e.rx_addr);
		if (lipc_chan_address(e.rx, ab, sizeof(ab)) < 0)
			snprintf(ab, sizeof(ab), "%s", ob->ab);
		ctl_send(s, ab, sizeof(ab));
		e.tx = open_end(s, ba, LIPC_CHAN_SEND, &tx, &e.tx_addr);
		limit[0] = chan_limit(e.rx);
		limit[1] = chan_limit(e.tx);
		ctl_send(s, limit, 2 * sizeof(size_t));
		ctl_recv(s, limit, sizeof(size_t));
	} else {
		ctl_recv(s, ab, sizeof(ab));
		e.tx = open_end(s, ab, LIPC_CHAN_SEND, &tx, &e.tx_addr);
		ctl_recv(s, limit + 2, 2 * sizeof(size_t));
		limit[0] = chan_limit(e.rx);
		limit[1] = chan_limit(e.tx);
		for (int i = 1; i < 4; i++)
			if (limit[i] < limit[0])
				limit[0] = limit[i];
		ctl_send(s, limit, sizeof(size_t));
	}
	limit_of(e.tx_addr.scheme, &e);
	msg_buffers(s, &e, pattern);
	run_messages(s, &e, limit[0]);
	close_ends(&e);
	if (!s->is_a)
		_exit(0);
	reap_b(s);
	return 0;
}

/* Locks: the three-lock baton. */

struct baton {
	int kind;
	struct lipc_lock l[3];
	struct shared *sh;
	const char *what;
};

static void baton_lock(const struct side *s, struct baton *b, int i)
{
	int r = b->kind == LOCK_MUTEX ? lipc_shm_mutex_lock(&b->sh->mx[i].m, -1)
				      : lipc_lock_lock(&b->l[i], -1);

	if (r != 0)
		die(s, "lock %d: %s", i, r > 0 ? "its owner died" : strerror(errno));
}

static void baton_unlock(const struct side *s, struct baton *b, int i)
{
	int r = b->kind == LOCK_MUTEX ? lipc_shm_mutex_unlock(&b->sh->mx[i].m)
				      : lipc_lock_unlock(&b->l[i]);

	if (r != 0)
		die(s, "unlock %d: %s", i, strerror(errno));
}

/*
 * A holds L[k%3] and L[(k+1)%3] at its mark k: it lets go of the first and waits for
 * L[(k+2)%3], which B holds until B's own mark k. Every wait is a real hand-off.
 */
static void baton_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct baton *b = ctx;

	baton_unlock(s, b, (int)(k % 3));
	baton_lock(s, b, (int)((k + 2) % 3));
	mark(s, b->sh, 2 * (k + 1), b->what);
}

static void open_lock_files(const struct side *s, struct baton *b, const struct bench_objects *o)
{
	for (int i = 0; i < 3; i++) {
		const char *path = o->files[b->kind == LIPC_LOCK_FLOCK ? i : 0];
		int fd;

		if (b->kind != LIPC_LOCK_FLOCK && i > 0) {
			b->l[i] = b->l[0];
		} else {
			fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				die(s, "%s: %s", path, strerror(errno));
			b->l[i] = (struct lipc_lock){ .fd = fd, .kind = b->kind };
		}
		if (b->kind != LIPC_LOCK_FLOCK) {
			b->l[i].start = i;
			b->l[i].len = 1;
		}
	}
}

static int run_baton(struct side *s, const struct bench_case *c, const struct bench_objects *o)
{
	struct baton b = { .kind = c->lock_kind, .what = c->name };
	struct bench_figure f = { 0 };
	struct samples sm;
	uint64_t k;
	char go = 1;

	b.sh = shared_page(s);
	if (b.kind == LOCK_MUTEX) {
		for (int i = 0; i < 3; i++)
			if (lipc_shm_mutex_init(&b.sh->mx[i].m) < 0)
				die(s, "mutex: %s", strerror(errno));
	} else {
		/* Made here, opened after the fork: each process needs its own description. */
		for (int i = 0; i < (b.kind == LIPC_LOCK_FLOCK ? 3 : 1); i++) {
			int fd = open(o->files[i],
				      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

			if (fd < 0)
				die(s, "%s: %s", o->files[i], strerror(errno));
			close(fd);
		}
	}
	if (fork_b(s)) {
		if (b.kind != LOCK_MUTEX)
			open_lock_files(s, &b, o);
		baton_lock(s, &b, 2);
		ctl_send(s, &go, 1);
		ctl_recv(s, &go, 1);
		for (k = 0;; k++) {
			baton_lock(s, &b, (int)(k % 3));
			if (atomic_load_explicit(&b.sh->stop, memory_order_acquire)) {
				baton_unlock(s, &b, (int)(k % 3));
				baton_unlock(s, &b, (int)((k + 2) % 3));
				break;
			}
			mark(s, b.sh, 2 * k + 1, b.what);
			baton_unlock(s, &b, (int)((k + 2) % 3));
		}
		ctl_send(s, &go, 1);
		_exit(0);
	}
	if (b.kind != LOCK_MUTEX)
		open_lock_files(s, &b, o);
	baton_lock(s, &b, 0);
	baton_lock(s, &b, 1);
	ctl_recv(s, &go, 1); /* B holds L2 */
	mark(s, b.sh, 0, b.what);
	ctl_send(s, &go, 1);
	samples_init(s, &sm);
	phase(s, "hand-off", 0);
	k = latency(s, &b, baton_rt, NULL, &sm, &f);
	atomic_store_explicit(&b.sh->stop, 1, memory_order_release);
	baton_unlock(s, &b, (int)(k % 3));
	ctl_recv(s, &go, 1);
	baton_unlock(s, &b, (int)((k + 1) % 3));
	samples_free(&sm);
	reap_b(s);
	report(s, &f);
	return 0;
}

/* Semaphores: A posts s1 and waits on s2; B waits on s1 and posts s2. */

struct sems {
	struct lipc_sem *s1, *s2;
	struct shared *sh;
	const char *what;
};

static void sem_call(const struct side *s, int r, const char *what)
{
	if (r < 0)
		die(s, "%s: %s", what, strerror(errno));
}

static void sem_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct sems *p = ctx;

	mark(s, p->sh, 2 * k, p->what);
	sem_call(s, lipc_sem_post(p->s1), "post");
	sem_call(s, lipc_sem_wait(p->s2), "wait");
}

static int run_sem(struct side *s, const struct bench_case *c, const struct bench_objects *o)
{
	struct sems p = { .what = c->name };
	struct bench_figure f = { 0 };
	struct samples sm;
	char done;

	p.sh = shared_page(s);
	p.s1 = c->how == HOW_SEM_POSIX ? lipc_sem_open(NULL, O_CREAT, 0, 0)
				       : lipc_sem_open(o->sems[0], 0, 0, 0);
	p.s2 = c->how == HOW_SEM_POSIX ? lipc_sem_open(NULL, O_CREAT, 0, 0)
				       : lipc_sem_open(o->sems[1], 0, 0, 0);
	if (!p.s1 || !p.s2)
		die(s, "semaphore: %s", strerror(errno));
	if (fork_b(s)) {
		for (uint64_t k = 0;; k++) {
			sem_call(s, lipc_sem_wait(p.s1), "wait");
			if (atomic_load_explicit(&p.sh->stop, memory_order_acquire))
				break;
			mark(s, p.sh, 2 * k + 1, p.what);
			sem_call(s, lipc_sem_post(p.s2), "post");
		}
		ctl_send(s, &done, 1);
		_exit(0);
	}
	samples_init(s, &sm);
	phase(s, "hand-off", 0);
	latency(s, &p, sem_rt, NULL, &sm, &f);
	atomic_store_explicit(&p.sh->stop, 1, memory_order_release);
	sem_call(s, lipc_sem_post(p.s1), "post");
	ctl_recv(s, &done, 1);
	samples_free(&sm);
	reap_b(s);
	lipc_sem_close(p.s1);
	lipc_sem_close(p.s2);
	report(s, &f);
	return 0;
}

/* The futex pair: the kernel's sleep and wake-up, and nothing else. */

#define FUTEX_STOP UINT32_MAX

static uint32_t *word(_Atomic uint32_t *w)
{
	return (uint32_t *)(uintptr_t)w;
}

static void futex_wait(_Atomic uint32_t *w, uint32_t seen)
{
	/* Shared (no FUTEX_PRIVATE_FLAG): the waker is another process. EAGAIN: it moved. */
	syscall(SYS_futex, word(w), FUTEX_WAIT, seen, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *w)
{
	syscall(SYS_futex, word(w), FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void futex_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct shared *sh = ctx;
	uint32_t want = (uint32_t)(k + 1), v;

	/* Pairs with B's acquire load of w1. */
	atomic_store_explicit(&sh->w1, want, memory_order_release);
	futex_wake(&sh->w1);
	while ((v = atomic_load_explicit(&sh->w2, memory_order_acquire)) != want) {
		if (v != want - 1)
			die(s, "the futex word came back as %u, not %u", v, want);
		futex_wait(&sh->w2, v);
	}
}

static int run_futex(struct side *s)
{
	struct shared *sh = shared_page(s);
	struct bench_figure f = { 0 };
	struct samples sm;
	char done;

	if (fork_b(s)) {
		for (uint32_t last = 0;;) {
			uint32_t v;

			while ((v = atomic_load_explicit(&sh->w1, memory_order_acquire)) == last)
				futex_wait(&sh->w1, last);
			if (v == FUTEX_STOP)
				break;
			if (v != last + 1)
				die(s, "the futex word skipped from %u to %u", last, v);
			last = v;
			/* Pairs with A's acquire load of w2. */
			atomic_store_explicit(&sh->w2, v, memory_order_release);
			futex_wake(&sh->w2);
		}
		ctl_send(s, &done, 1);
		_exit(0);
	}
	samples_init(s, &sm);
	phase(s, "hand-off", 0);
	latency(s, sh, futex_rt, NULL, &sm, &f);
	atomic_store_explicit(&sh->w1, FUTEX_STOP, memory_order_release);
	futex_wake(&sh->w1);
	ctl_recv(s, &done, 1);
	samples_free(&sm);
	reap_b(s);
	report(s, &f);
	return 0;
}

#define LINE_STOP UINT64_MAX

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/*
 * The floors: one word on one cache line, which A sets to an odd number and B answers with the
 * next even one. With each process on a CPU of its own they busy-poll, and a round trip is two
 * cache-line transfers. On one CPU busy-polling would wait for a preemption each time, so each
 * calls sched_yield() between looks instead: a round trip is then two switches from one process
 * to the other, the least any hand-off on one CPU costs.
 */
struct line {
	struct shared *sh;
	bool yield;
};

static void line_wait(const struct line *l, uint64_t want)
{
	while (atomic_load_explicit(&l->sh->line, memory_order_acquire) != want) {
		if (l->yield)
			sched_yield();
		else
			cpu_relax();
	}
}

static void line_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct line *l = ctx;

	(void)s;
	/* Release and acquire, as a ring's head and tail: the cost of a real hand-off. */
	atomic_store_explicit(&l->sh->line, 2 * k + 1, memory_order_release);
	line_wait(l, 2 * k + 2);
}

static int run_line(struct side *s, bool yield)
{
	struct line l = { .sh = shared_page(s), .yield = yield };
	struct bench_figure f = { 0 };
	struct samples sm;
	char done;

	if (fork_b(s)) {
		for (uint64_t want = 1;; want += 2) {
			uint64_t v;

			while ((v = atomic_load_explicit(&l.sh->line, memory_order_acquire)) !=
			       want) {
				if (v == LINE_STOP)
					goto out_done;
				if (yield)
					sched_yield();
				else
					cpu_relax();
			}
			atomic_store_explicit(&l.sh->line, want + 1, memory_order_release);
		}
out_done:
		ctl_send(s, &done, 1);
		_exit(0);
	}
	samples_init(s, &sm);
	phase(s, "hand-off", 0);
	latency(s, &l, line_rt, NULL, &sm, &f);
	atomic_store_explicit(&l.sh->line, LINE_STOP, memory_order_release);
	ctl_recv(s, &done, 1);
	samples_free(&sm);
	reap_b(s);
	report(s, &f);
	return 0;
}

/* Signals. */

struct sigs {
	int how;
	int sig;
	pid_t peer;
	int fd, pidfd; /* signalfd */
	sigset_t set;
	struct shared *sh;
};

/* Send one signal with value v to the peer, the case's way. */
static void sig_send(const struct side *s, struct sigs *g, int v)
{
	union sigval val = { .sival_int = v };
	int r;

	if (g->how == HOW_SIG_KILL)
		r = kill(g->peer, g->sig);
	else if (g->how == HOW_SIG_QUEUE)
		r = sigqueue(g->peer, g->sig, val);
	else
		r = lipc_signal_send(g->pidfd, g->sig, &val);
	if (r < 0)
		die(s, "sending %s: %s", g->how == HOW_SIG_KILL ? "kill" : "a signal",
		    strerror(errno));
}

/* Take the next signal; its value (0 for kill). The sender and the code are checked. */
static int sig_take(const struct side *s, struct sigs *g)
{
	struct lipc_signal_info info;
	siginfo_t si;

	if (g->how == HOW_SIG_FD) {
		if (lipc_signal_recv(g->fd, &info, -1) < 0)
			die(s, "signalfd: %s", strerror(errno));
		if (info.code != SI_QUEUE || info.pid != g->peer)
			die(s, "a signal came from pid %d with code %d", (int)info.pid, info.code);
		return info.value;
	}
	while (sigwaitinfo(&g->set, &si) < 0)
		if (errno != EINTR)
			die(s, "sigwaitinfo: %s", strerror(errno));
	if (si.si_pid != g->peer || si.si_code != (g->how == HOW_SIG_KILL ? SI_USER : SI_QUEUE))
		die(s, "a signal came from pid %d with code %d", (int)si.si_pid, si.si_code);
	return g->how == HOW_SIG_KILL ? 0 : si.si_value.sival_int;
}

static void sig_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct sigs *g = ctx;
	int v = (int)(k & 0x3fffffff), got;

	sig_send(s, g, v);
	got = sig_take(s, g);
	if (g->how != HOW_SIG_KILL && got != v)
		die(s, "signal %d came back with value %d", v, got);
}

static int run_signal(struct side *s, const struct bench_case *c)
{
	struct sigs g = { .how = c->how };
	struct bench_figure f = { 0 };
	struct samples sm;
	char done;

	g.sh = shared_page(s);
	g.sig = c->how == HOW_SIG_KILL	  ? SIGUSR1
		: c->how == HOW_SIG_QUEUE ? SIGRTMIN
					  : SIGRTMIN + 1;
	sigemptyset(&g.set);
	sigaddset(&g.set, g.sig);
	/* Blocked before the fork, so that no signal can come before its receiver is ready. */
	if (sigprocmask(SIG_BLOCK, &g.set, NULL) < 0)
		die(s, "sigprocmask: %s", strerror(errno));
	if (fork_b(s)) {
		g.peer = getppid();
	} else {
		g.peer = s->peer;
	}
	if (c->how == HOW_SIG_FD) {
		g.fd = lipc_signal_open(&g.set, NULL);
		g.pidfd = lipc_signal_pidfd_open(g.peer);
		if (g.fd < 0 || g.pidfd < 0)
			die(s, "%s: %s", g.fd < 0 ? "signalfd" : "pidfd_open", strerror(errno));
	}
	if (!s->is_a) {
		for (int want = 0;; want = (want + 1) & 0x3fffffff) {
			int v = sig_take(s, &g);

			if (atomic_load_explicit(&g.sh->stop, memory_order_acquire))
				break;
			if (g.how != HOW_SIG_KILL && v != want)
				die(s, "signal %d came with value %d", want, v);
			sig_send(s, &g, v);
		}
		ctl_send(s, &done, 1);
		_exit(0);
	}
	samples_init(s, &sm);
	phase(s, "signal and answer", 0);
	latency(s, &g, sig_rt, NULL, &sm, &f);
	atomic_store_explicit(&g.sh->stop, 1, memory_order_release);
	sig_send(s, &g, -1);
	ctl_recv(s, &done, 1);
	samples_free(&sm);
	reap_b(s);
	report(s, &f);
	return 0;
}

/* memcpy: one thread copying a buffer larger than the last-level cache. */

/* The largest cache this CPU has, from sysfs (glibc's sysconf may count the whole package). */
static size_t llc_size(void)
{
	size_t best = 0;

	for (int i = 0; i < 8; i++) {
		char path[96], line[32];
		FILE *f;
		unsigned long v;
		char unit = 0;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		f = fopen(path, "re");
		if (!f)
			break;
		if (fgets(line, sizeof(line), f) && sscanf(line, "%lu%c", &v, &unit) >= 1) {
			size_t b = v * (unit == 'K' ? 1024u : unit == 'M' ? 1024u * 1024 : 1);

			if (b > best)
				best = b;
		}
		fclose(f);
	}
	if (!best) {
		long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);

		best = l3 > 0 ? (size_t)l3 : (size_t)32 << 20;
	}
	return best;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_memcpy(struct side *s)
{
	struct bench_figure f = { .test = TEST_THROUGHPUT, .status = ST_OK };
	size_t size = 2 * llc_size();
	double rates[4096];
	size_t n = 0;
	char *src = NULL, *dst = NULL;
	uint64_t start, end;

	if (size < (64u << 20))
		size = 64u << 20;
	if (size > (1u << 30))
		size = 1u << 30;
	for (; size >= (16u << 20); size /= 2) {
		src = malloc(size);
		dst = malloc(size);
		if (src && dst)
			break;
		free(src);
		free(dst);
		src = dst = NULL;
	}
	if (!src)
		die(s, "out of memory for the memcpy buffers");
	pin(s, s->place->cpu_a);
	phase(s, "memcpy", size);
	memset(src, 0x5a, size);
	memset(dst, 0xa5, size);
	memcpy(dst, src, size); /* the warm-up */
	start = bench_now_ns();
	end = start + (uint64_t)s->plan->duration_ms * 1000000u;
	do {
		uint64_t t0 = bench_now_ns(), t1;

		memcpy(dst, src, size);
		/* Keep the copy: the compiler must not drop a memcpy nobody reads. */
		__asm__ volatile("" : : "r"(dst) : "memory");
		t1 = bench_now_ns();
		rates[n++] = (double)size / ((double)(t1 - t0) / 1e9);
	} while (n < 3 || (bench_now_ns() < end && n < sizeof(rates) / sizeof(rates[0])));
	qsort(rates, n, sizeof(rates[0]), cmp_double);
	f.size = size;
	f.count = n;
	f.seconds = (double)(bench_now_ns() - start) / 1e9;
	f.bytes_per_s = rates[n / 2];
	f.msgs_per_s = f.bytes_per_s / (double)size;
	free(src);
	free(dst);
	report(s, &f);
	return 0;
}

int bench_run_case(const struct bench_case *c, const struct bench_place *p,
		   const struct bench_plan *plan, const struct bench_objects *o, int out_fd)
{
	struct side s = { .is_a = true, .out_fd = out_fd, .plan = plan, .place = p };
	unsigned char *pattern = NULL;

	if (c->kind == BENCH_MESSAGE)
		pattern = make_pattern(&s, plan->max_size < 8 ? 8 : plan->max_size);
	switch (c->how) {
	case HOW_CHAN:
		return run_chan(&s, c, o, pattern);
	case HOW_PIPE_CHAN:
	case HOW_RAW_PIPE:
		return run_pipes(&s, c->how == HOW_RAW_PIPE, pattern);
	case HOW_LOCK:
		return run_baton(&s, c, o);
	case HOW_SEM_POSIX:
	case HOW_SEM_SYSV:
		return run_sem(&s, c, o);
	case HOW_FUTEX:
		return run_futex(&s);
	case HOW_SIG_KILL:
	case HOW_SIG_QUEUE:
	case HOW_SIG_FD:
		return run_signal(&s, c);
	case HOW_CACHELINE:
	case HOW_YIELD:
		return run_line(&s, c->how == HOW_YIELD);
	case HOW_MEMCPY:
		return run_memcpy(&s);
	}
	die(&s, "no such case");
}
