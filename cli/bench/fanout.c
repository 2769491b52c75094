/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the crowds: one producer to many consumers on a publish ring (fanout-N), and many
 * producers into one consumer (mpsc-MECH-N), on a multi-producer ring, on the point-to-point ring
 * (one producer: the reference), and on the kernel's many-writer mechanisms with bare system
 * calls, their best case: a FIFO (a write of at most PIPE_BUF bytes is atomic, so writers'
 * messages never mix; the reader takes up to 64 in one read(), as a ring's consumer takes up to
 * 64 in place in one lipc_ring_peek_many()), a POSIX message queue and a Unix datagram socket. A,
 * the measuring process, is the producer of a fan-out and the consumer of many writers; it forks
 * the others, each with a control pipe of its own (never timed), and walks the plan's sizes with
 * them as message.c does with B.
 *
 * The traps. A fast and wrong figure: every consumer checks every record, its sequence (per
 * producer, for many writers: one producer's records stay in its order) and the checksum of its
 * bytes, and the counts are compared at the end; the test hook (LIPC_BENCH_FAULT) drops or
 * damages a record of the first producer, so the tests can see it fail the case. Placement: the
 * producers run where A of a pair runs and the consumers where B runs, so on two CPUs a fan-out's
 * consumers share the second CPU (eight consumers on one CPU take turns) and many writers share
 * the first. Nothing outlives a case: every child dies with A (PR_SET_PDEATHSIG), a child that
 * finds a record wrong kills A (die()), all are in the pair's process group, which the command
 * kills whole, and the ring, queue or FIFO is the command's object, removed by it after the case
 * or at its signal. A ring mode that this build lacks (ENOTSUP) or a kernel without POSIX queues
 * (ENOSYS) makes the case skipped, with the reason, not failed.
 *
 * What a fan-out measures. Streaming: the producer pushes records as fast as the slowest consumer
 * lets it (lossless), then an end marker, and waits for every consumer's count: records per
 * second at the producer, which is also each consumer's rate (each sees every record), so its
 * MB/s is per consumer and compares with memcpy; and the producer's own CPU time per record
 * (CLOCK_PROCESS_CPUTIME_ID: A is one thread), which is its cost without the time it slept while
 * the consumers took their turns on a shared CPU (its spinning for room does count). The time
 * until the last consumer has a record: a ping, one record in flight. The producer reads the
 * clock, pushes record k, and waits (untimed, polling) until every consumer has acknowledged it;
 * each consumer reads the clock as soon as its receive returns the record and stores that time
 * in a cache line of its own before acknowledging. The sample is the latest of those times less
 * the producer's: one-way, first push to last arrival, measured on CLOCK_MONOTONIC, which is one
 * clock for every CPU of the machine, so no reply path is counted in it. It includes one clock
 * read (the clock line of the table says what that costs).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h" /* lipc__cpu_relax() */
#include "lipc/pipe.h"
#include "lipc/ring.h"
#include "pair.h"

#define FAULT_AT   3  /* the record of a measurement the test hook drops or damages */
#define CROWD_MAX  8  /* consumers or producers */
#define WARMUP_MIN 16 /* pings, however fast */
#define FIFO_BATCH 64 /* records a FIFO's reader takes in one read() */
#define POLL_SPINS 4096

/* Many writers: a record starts with its producer's number and its sequence number. */
#define ID_SHIFT 48
#define SEQ_MASK ((UINT64_C(1) << ID_SHIFT) - 1)
#define SEQ_END	 SEQ_MASK /* the end of a producer's measurement */

/* A and the processes it forked: A's ends of their control pipes. */
struct crowd {
	int n;
	pid_t pid[CROWD_MAX];
	int to[CROWD_MAX], from[CROWD_MAX];
	const char *who; /* "consumer", "producer": for the messages */
};

/*
 * Fork the next process of the crowd, on cpu. Returns true in it, with its side set up: its peer
 * is A, so die() takes A down, and A's death takes every child (PR_SET_PDEATHSIG).
 */
static bool fork_child(struct side *s, struct crowd *cr, int cpu)
{
	int to[2], from[2], i = cr->n;
	pid_t a = getpid(), pid;

	if (lipc_pipe_open(to, 0) < 0 || lipc_pipe_open(from, 0) < 0)
		die(s, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die(s, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a)
			_exit(1);
		for (int j = 0; j < i; j++) {
			close(cr->to[j]);
			close(cr->from[j]);
		}
		close(to[1]);
		close(from[0]);
		s->is_a = false;
		s->peer = a;
		s->ctl_in = to[0];
		s->ctl_out = from[1];
		pin(s, cpu);
		return true;
	}
	close(to[0]);
	close(from[1]);
	cr->pid[i] = pid;
	cr->to[i] = to[1];
	cr->from[i] = from[0];
	cr->n++;
	return false;
}

/* A: to and from child i, through its control pipes. */
static void crowd_send(const struct side *s, const struct crowd *cr, int i, const void *p, size_t n)
{
	struct side t = *s;

	t.ctl_out = cr->to[i];
	ctl_send(&t, p, n);
}

static void crowd_recv(const struct side *s, const struct crowd *cr, int i, void *p, size_t n)
{
	struct side t = *s;

	t.ctl_in = cr->from[i];
	ctl_recv(&t, p, n);
}

/* A: every child's clean exit. */
static void crowd_reap(struct side *s, struct crowd *cr)
{
	for (int i = 0; i < cr->n; i++)
		close(cr->to[i]);
	for (int i = 0; i < cr->n; i++) {
		int status;

		while (waitpid(cr->pid[i], &status, 0) < 0)
			if (errno != EINTR)
				die(s, "waitpid: %s", strerror(errno));
		close(cr->from[i]);
		if (WIFSIGNALED(status))
			die(s, "%s %d was killed by signal %d", cr->who, i, WTERMSIG(status));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die(s, "%s %d failed (status %d)", cr->who, i, WEXITSTATUS(status));
	}
	cr->n = 0;
}

/* A size that does not apply: n/a, saying why. */
static void na(const struct side *s, enum bench_test test, size_t size, const char *why)
{
	struct bench_figure f = { .test = test, .size = size, .status = ST_NA };

	snprintf(f.note, sizeof(f.note), "%s", why);
	report(s, &f);
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* How many looks a wait of A's busy-polls before it yields: none when it shares its CPU. */
static unsigned poll_spins(const struct side *s)
{
	if (s->place->cpu_a < 0)
		return POLL_SPINS;
	return s->place->cpu_a == s->place->cpu_b ? 0 : UINT_MAX;
}

/* Fan-out. */

/* Record k of a fan-out measurement is message.c's message k (msg_put_seq(), pair.h). */

/* What the producer and its consumers share: the acknowledgements of a ping, each on a line. */
struct fan_shared {
	_Alignas(128) _Atomic uint64_t acks; /* acknowledgements, counting up for ever */
	struct {
		_Alignas(128) _Atomic uint64_t t; /* when consumer i had the last record */
	} at[CROWD_MAX];
};

struct fan {
	struct side *s;
	struct crowd cr;
	struct lipc_ring *ring;
	struct fan_shared *sh;
	const unsigned char *pattern;
	unsigned char *buf;
	size_t size, hdr, limit;
	uint64_t sum, acks, skip;
	unsigned spins;
};

static void fan_begin(struct fan *f, size_t size)
{
	f->size = size;
	f->hdr = msg_hdr_len(size);
	memcpy(f->buf, f->pattern, size);
	f->sum = msg_checksum(f->pattern + f->hdr, size - f->hdr);
	f->skip = 0;
}

static void fan_push(struct fan *f, const unsigned char *p)
{
	if (lipc_ring_push(f->ring, p, f->size, -1) < 0)
		die(f->s, "push of %zu bytes: %s", f->size, strerror(errno));
}

/* The producer sends record k, through the test hook. */
static void fan_send(struct fan *f, uint64_t k)
{
	enum bench_fault fault = f->s->plan->fault;
	bool damage = fault == FAULT_CORRUPT && k == FAULT_AT;

	if (fault == FAULT_DROP && k == FAULT_AT)
		f->skip++; /* record k is never sent: k + 1 goes in its place */
	msg_put_seq(f->buf, f->size, k + f->skip);
	if (damage)
		f->buf[f->size - 1] ^= 0x5a;
	fan_push(f, f->buf);
	if (damage)
		f->buf[f->size - 1] ^= 0x5a;
}

static void fan_marker(struct fan *f)
{
	memset(f->buf, 0xff, f->hdr);
	fan_push(f, f->buf);
	memcpy(f->buf, f->pattern, f->hdr);
}

/* Until every consumer has acknowledged what was sent. Untimed. */
static void fan_wait_acks(struct fan *f)
{
	unsigned looks = 0;

	f->acks += (uint64_t)f->cr.n;
	/* Acquire: pairs with each consumer's release increment, after its time is stored. */
	while (atomic_load_explicit(&f->sh->acks, memory_order_acquire) < f->acks) {
		if (looks >= f->spins) {
			sched_yield();
		} else {
			looks++;
			lipc__cpu_relax();
		}
	}
}

/* One ping: push record k, and the time until the last consumer had it. */
static uint64_t fan_ping(struct fan *f, uint64_t k)
{
	uint64_t t0 = bench_now_ns(), last = 0;

	fan_send(f, k);
	fan_wait_acks(f);
	for (int i = 0; i < f->cr.n; i++) {
		uint64_t t = atomic_load_explicit(&f->sh->at[i].t, memory_order_relaxed);

		if (t > last)
			last = t;
	}
	return last > t0 ? last - t0 : 0;
}

static void fan_latency(struct fan *f, struct samples *sm, size_t size)
{
	const struct side *s = f->s;
	struct bench_figure fig = { .size = size };
	uint64_t k = 0, start, now, end;

	phase(s, "time to the last consumer", size);
	fan_begin(f, size);
	end = bench_now_ns() + (uint64_t)s->plan->warmup_ms * 1000000u;
	do
		fan_ping(f, k++);
	while (k < WARMUP_MIN || bench_now_ns() < end);
	sm->n = 0;
	start = bench_now_ns();
	end = start + (uint64_t)s->plan->duration_ms * 1000000u;
	do {
		uint64_t ns = fan_ping(f, k++);

		sm->v[sm->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
		now = bench_now_ns();
	} while (now < end && sm->n < sm->cap);
	fan_marker(f);
	fan_wait_acks(f);
	fig.test = TEST_LATENCY;
	fig.status = ST_OK;
	fig.seconds = (double)(now - start) / 1e9;
	samples_finish(sm, &fig);
	report(s, &fig);
}

/* The producer streams for ms milliseconds, then the marker, then every consumer's count. */
static void fan_stream(struct fan *f, int ms, struct bench_figure *fig)
{
	uint64_t mask = f->size < 4096 ? 15 : 0, k = 0, t0, t1, c0, c1, end;

	t0 = bench_now_ns();
	c0 = cpu_ns();
	end = t0 + (uint64_t)ms * 1000000u;
	do
		fan_send(f, k++);
	while ((k & mask) != 0 || bench_now_ns() < end);
	fan_marker(f);
	for (int i = 0; i < f->cr.n; i++) {
		uint64_t count;

		crowd_recv(f->s, &f->cr, i, &count, sizeof(count));
		if (count != k)
			die(f->s, "%llu records were sent and consumer %d took %llu",
			    (unsigned long long)k, i, (unsigned long long)count);
	}
	t1 = bench_now_ns();
	c1 = cpu_ns();
	if (fig) {
		fig->test = TEST_THROUGHPUT;
		fig->status = ST_OK;
		fig->count = k;
		fig->seconds = (double)(t1 - t0) / 1e9;
		fig->msgs_per_s = (double)k / fig->seconds;
		fig->bytes_per_s = (double)k * (double)f->size / fig->seconds;
		fig->cpu_ns = (double)(c1 - c0) / (double)k;
	}
}

/* A consumer: record want of size, whole and intact, or the case's end. */
static void fan_check(const struct side *s, int i, const unsigned char *p, size_t len, size_t size,
		      uint64_t want, uint64_t sum)
{
	char sz[32];

	bench_size_name(size, sz, sizeof(sz));
	if (len != size)
		die(s, "consumer %d: record %llu of %s came with %zu bytes", i,
		    (unsigned long long)want, sz, len);
	if (msg_get_seq(p, size) != (size < 8 ? want % 255 : want))
		die(s,
		    "consumer %d: record %llu of %s was lost, duplicated or reordered: %llu came "
		    "in its place%s",
		    i, (unsigned long long)want, sz, (unsigned long long)msg_get_seq(p, size),
		    size < 8 ? " (numbers modulo 255)" : "");
	if (msg_checksum(p + msg_hdr_len(size), size - msg_hdr_len(size)) != sum)
		die(s,
		    "consumer %d: record %llu of %s is corrupt: its bytes differ from those sent",
		    i, (unsigned long long)want, sz);
}

/*
 * Consumer i: take records of size until the marker, each checked in place before its release.
 * ping: store when each came and acknowledge it; else send the count on the control pipe.
 */
static void fan_consume(const struct side *s, struct lipc_ring *ring, struct fan_shared *sh, int i,
			const unsigned char *pattern, size_t size, bool ping)
{
	uint64_t sum = msg_checksum(pattern + msg_hdr_len(size), size - msg_hdr_len(size));

	for (uint64_t k = 0;; k++) {
		const void *data;
		size_t len;
		int r = lipc_ring_peek(ring, &data, &len, -1);
		uint64_t t = bench_now_ns();
		bool marker;

		if (r == 0)
			die(s, "consumer %d: the ring ended in the middle of the measurement", i);
		if (r < 0)
			die(s, "consumer %d: receive: %s", i, strerror(errno));
		marker = len == size && msg_is_marker(data, size);
		if (ping)
			atomic_store_explicit(&sh->at[i].t, t, memory_order_relaxed);
		if (!marker)
			fan_check(s, i, data, len, size, k, sum);
		if (lipc_ring_release(ring) < 0)
			die(s, "consumer %d: release: %s", i, strerror(errno));
		/* Release: pairs with the producer's acquire load; our time is stored first. */
		if (ping)
			atomic_fetch_add_explicit(&sh->acks, 1, memory_order_release);
		if (marker) {
			if (!ping)
				ctl_send(s, &k, sizeof(k));
			return;
		}
	}
}

static _Noreturn void fan_consumer(struct side *s, const char *name, struct fan_shared *sh, int i,
				   const unsigned char *pattern, size_t limit)
{
	const struct bench_plan *p = s->plan;
	struct lipc_ring *ring = lipc_ring_open(name, LIPC_RECV, LIPC_RING_PUBLISH, 0, 0);
	char ready = 1;

	if (!ring)
		die(s, "consumer %d: cannot attach to the ring: %s", i, strerror(errno));
	ctl_send(s, &ready, 1);
	for (int j = 0; j < p->n_lat; j++)
		if (p->lat_sizes[j] <= limit && bench_fanout_size(p, p->lat_sizes[j]))
			fan_consume(s, ring, sh, i, pattern, p->lat_sizes[j], true);
	for (int j = 0; j < p->n_tput; j++) {
		if (p->tput_sizes[j] > limit || !bench_fanout_size(p, p->tput_sizes[j]))
			continue;
		fan_consume(s, ring, sh, i, pattern, p->tput_sizes[j], false); /* warm-up */
		fan_consume(s, ring, sh, i, pattern, p->tput_sizes[j], false);
	}
	lipc_ring_close(ring);
	_exit(0);
}

int run_fanout(struct side *s, const struct bench_case *c, const struct bench_objects *ob,
	       const unsigned char *pattern)
{
	const struct bench_plan *p = s->plan;
	struct fan f = { .s = s, .pattern = pattern, .spins = poll_spins(s) };
	struct samples sm = { 0 };
	size_t cap = msg_ring_capacity(p->max_size);
	char ready, why[96];

	f.cr.who = "consumer";
	pin(s, s->place->cpu_a);
	f.ring = lipc_ring_open(ob->ab, LIPC_SEND, LIPC_CREATE | LIPC_EXCL | LIPC_RING_PUBLISH, cap,
				0600);
	if (!f.ring && errno == ENOTSUP) {
		skip_case(s, "this build's ring has no publish mode (LIPC_RING_PUBLISH: %s)",
			  strerror(errno));
		return 0;
	}
	if (!f.ring)
		die(s, "cannot create the publish ring %s: %s", ob->ab, strerror(errno));
	f.limit = lipc_ring_max_record(f.ring);
	f.sh = mmap(NULL, sizeof(*f.sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f.sh == MAP_FAILED)
		die(s, "mmap: %s", strerror(errno));
	f.buf = malloc(p->max_size);
	if (!f.buf)
		die(s, "out of memory for %zu bytes", p->max_size);
	for (int i = 0; i < c->procs && i < CROWD_MAX; i++)
		if (fork_child(s, &f.cr, s->place->cpu_b))
			fan_consumer(s, ob->ab, f.sh, i, pattern, f.limit);
	/* Every consumer attached before the first record: each sees them all. */
	for (int i = 0; i < f.cr.n; i++)
		crowd_recv(s, &f.cr, i, &ready, 1);
	snprintf(why, sizeof(why), "over half the ring (%zu bytes)", f.limit);
	samples_init(s, &sm);
	for (int j = 0; j < p->n_lat; j++) {
		if (!bench_fanout_size(p, p->lat_sizes[j]))
			continue;
		if (p->lat_sizes[j] > f.limit)
			na(s, TEST_LATENCY, p->lat_sizes[j], why);
		else
			fan_latency(&f, &sm, p->lat_sizes[j]);
	}
	samples_free(&sm);
	for (int j = 0; j < p->n_tput; j++) {
		struct bench_figure fig = { .size = p->tput_sizes[j] };

		if (!bench_fanout_size(p, p->tput_sizes[j]))
			continue;
		if (p->tput_sizes[j] > f.limit) {
			na(s, TEST_THROUGHPUT, p->tput_sizes[j], why);
			continue;
		}
		phase(s, "fan-out streaming", p->tput_sizes[j]);
		fan_begin(&f, p->tput_sizes[j]);
		fan_stream(&f, p->warmup_ms, NULL);
		fan_begin(&f, p->tput_sizes[j]);
		fan_stream(&f, p->duration_ms, &fig);
		report(s, &fig);
	}
	crowd_reap(s, &f.cr);
	lipc_ring_close(f.ring);
	free(f.buf);
	munmap(f.sh, sizeof(*f.sh));
	return 0;
}

/* Many writers. */

enum mech {
	MECH_RING, /* multi-producer ring */
	MECH_SHM,  /* point-to-point ring: one producer */
	MECH_FIFO,
	MECH_MQ,
	MECH_DGRAM,
};

/* One end of the mechanism, in one process. */
struct wend {
	enum mech mech;
	struct lipc_ring *ring;
	int fd;
	mqd_t mq;
	size_t limit; /* the largest record it carries */
	const char *limit_why;
};

static enum mech mech_of(const struct bench_case *c)
{
	return !strcmp(c->scheme, "ring")   ? MECH_RING
	       : !strcmp(c->scheme, "shm")  ? MECH_SHM
	       : !strcmp(c->scheme, "fifo") ? MECH_FIFO
	       : !strcmp(c->scheme, "mq")   ? MECH_MQ
					    : MECH_DGRAM;
}

/* An abstract Unix address: "@NAME", without a terminating NUL. */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	size_t n = strlen(name + 1);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (n > sizeof(a->sun_path) - 1)
		n = sizeof(a->sun_path) - 1;
	memcpy(a->sun_path + 1, name + 1, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/*
 * A: the consumer's end, made here (the command only names it). Returns false when the
 * mechanism is not in this build or kernel: the case is skipped.
 */
static bool writers_open_consumer(const struct side *s, struct wend *e, const char *name)
{
	const struct bench_plan *p = s->plan;
	struct sockaddr_un a;
	socklen_t alen;

	switch (e->mech) {
	case MECH_RING:
	case MECH_SHM:
		e->ring = lipc_ring_open(name, LIPC_RECV,
					 LIPC_CREATE | LIPC_EXCL |
						 (e->mech == MECH_RING ? LIPC_RING_MULTI : 0),
					 msg_ring_capacity(p->max_size), 0600);
		if (!e->ring && errno == ENOTSUP && e->mech == MECH_RING) {
			skip_case(s,
				  "this build's ring has no multi-producer mode "
				  "(LIPC_RING_MULTI: %s)",
				  strerror(errno));
			return false;
		}
		if (!e->ring)
			die(s, "cannot create the ring %s: %s", name, strerror(errno));
		e->limit = lipc_ring_max_record(e->ring);
		e->limit_why = "over half the ring";
		return true;
	case MECH_FIFO:
		if (mkfifo(name, 0600) < 0)
			die(s, "mkfifo %s: %s", name, strerror(errno));
		/*
		 * Read and write (Linux, fifo(7)): the reader keeps a writer of its own, so its
		 * read() waits for the producers instead of finding the end before they open.
		 */
		e->fd = open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (e->fd < 0)
			die(s, "%s: %s", name, strerror(errno));
		e->limit = PIPE_BUF;
		e->limit_why = "over PIPE_BUF: writes from several writers could interleave";
		return true;
	case MECH_MQ: {
		/* Ten messages: the default fs.mqueue.msg_max, which an unprivileged user gets. */
		struct mq_attr attr = { .mq_maxmsg = 10,
					.mq_msgsize =
						p->max_size < 8192 ? (long)p->max_size : 8192 };

		if (attr.mq_msgsize < 8)
			attr.mq_msgsize = 8;
		e->mq = mq_open(name, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (e->mq == (mqd_t)-1 && errno == ENOSYS) {
			skip_case(s, "this kernel has no POSIX message queues (%s)",
				  strerror(errno));
			return false;
		}
		if (e->mq == (mqd_t)-1)
			die(s, "mq_open %s: %s", name, strerror(errno));
		e->limit = (size_t)attr.mq_msgsize;
		e->limit_why = "over the queue's message size (fs.mqueue.msgsize_max)";
		return true;
	}
	case MECH_DGRAM:
		e->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (e->fd < 0)
			die(s, "socket: %s", strerror(errno));
		alen = abstract_addr(&a, name);
		if (bind(e->fd, (struct sockaddr *)&a, alen) < 0)
			die(s, "bind %s: %s", name, strerror(errno));
		e->limit = 65536;
		e->limit_why = "over 64 KiB, the most the bench sends in a datagram";
		return true;
	}
	return false;
}

/* A producer's end, in its own process. */
static void writers_open_producer(const struct side *s, struct wend *e, const char *name, int id)
{
	struct sockaddr_un a;
	socklen_t alen;

	/* A's end, inherited, is left alone: its close would detach A's role from a ring. */
	e->ring = NULL;
	switch (e->mech) {
	case MECH_RING:
	case MECH_SHM:
		e->ring = lipc_ring_open(name, LIPC_SEND,
					 e->mech == MECH_RING ? LIPC_RING_MULTI : 0, 0, 0);
		if (!e->ring)
			die(s, "producer %d: cannot attach to the ring: %s", id, strerror(errno));
		return;
	case MECH_FIFO:
		close(e->fd);
		e->fd = open(name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (e->fd < 0)
			die(s, "producer %d: %s: %s", id, name, strerror(errno));
		return;
	case MECH_MQ:
		mq_close(e->mq);
		e->mq = mq_open(name, O_WRONLY | O_CLOEXEC);
		if (e->mq == (mqd_t)-1)
			die(s, "producer %d: mq_open %s: %s", id, name, strerror(errno));
		return;
	case MECH_DGRAM:
		close(e->fd);
		e->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (e->fd < 0)
			die(s, "producer %d: socket: %s", id, strerror(errno));
		alen = abstract_addr(&a, name);
		if (connect(e->fd, (struct sockaddr *)&a, alen) < 0)
			die(s, "producer %d: connect %s: %s", id, name, strerror(errno));
		return;
	}
}

static void writers_send(const struct side *s, struct wend *e, const unsigned char *p, size_t n)
{
	ssize_t w;

	switch (e->mech) {
	case MECH_RING:
	case MECH_SHM:
		if (lipc_ring_push(e->ring, p, n, -1) < 0)
			die(s, "push of %zu bytes: %s", n, strerror(errno));
		return;
	case MECH_FIFO:
	case MECH_DGRAM:
		do
			w = e->mech == MECH_FIFO ? write(e->fd, p, n) : send(e->fd, p, n, 0);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			die(s, "%s of %zu bytes: %s", e->mech == MECH_FIFO ? "write" : "send", n,
			    strerror(errno));
		/* At most PIPE_BUF bytes: all or nothing (pipe(7)); a datagram is whole. */
		if ((size_t)w != n)
			die(s, "a write of %zu bytes wrote %zd", n, w);
		return;
	case MECH_MQ:
		while (mq_send(e->mq, (const char *)p, n, 0) < 0)
			if (errno != EINTR)
				die(s, "mq_send of %zu bytes: %s", n, strerror(errno));
		return;
	}
}

/* A producer: stream records of size for ms milliseconds, then its end; its count to A. */
static void writers_stream(const struct side *s, struct wend *e, int id, unsigned char *buf,
			   size_t size, int ms)
{
	enum bench_fault fault = id == 0 ? s->plan->fault : FAULT_NONE;
	uint64_t k = 0, skip = 0, end = bench_now_ns() + (uint64_t)ms * 1000000u, hdr;

	do {
		bool damage = fault == FAULT_CORRUPT && k == FAULT_AT;

		if (fault == FAULT_DROP && k == FAULT_AT)
			skip++;
		hdr = (uint64_t)id << ID_SHIFT | ((k + skip) & SEQ_MASK);
		memcpy(buf, &hdr, 8);
		if (damage)
			buf[size - 1] ^= 0x5a;
		writers_send(s, e, buf, size);
		if (damage)
			buf[size - 1] ^= 0x5a;
		k++;
	} while ((k & 15) != 0 || bench_now_ns() < end);
	hdr = (uint64_t)id << ID_SHIFT | SEQ_END;
	memcpy(buf, &hdr, 8);
	writers_send(s, e, buf, size);
	ctl_send(s, &k, sizeof(k));
}

/* Does a record of this size apply? 0, or why not. */
static const char *writers_na(const struct wend *e, size_t size)
{
	if (size < 8)
		return "under the 8 bytes of a producer's number and sequence number";
	if (size > e->limit)
		return e->limit_why;
	return NULL;
}

static _Noreturn void writers_producer(struct side *s, struct wend *e, const char *name, int id,
				       const unsigned char *pattern)
{
	const struct bench_plan *p = s->plan;
	unsigned char *buf = malloc(p->max_size < 8 ? 8 : p->max_size);
	size_t size = bench_crowd_size(p);
	char ready = 1, go;

	if (!buf)
		die(s, "out of memory");
	memcpy(buf, pattern, p->max_size);
	writers_open_producer(s, e, name, id);
	ctl_send(s, &ready, 1);
	if (size && !writers_na(e, size)) {
		ctl_recv(s, &go, 1);
		writers_stream(s, e, id, buf, size, p->warmup_ms);
		ctl_recv(s, &go, 1);
		writers_stream(s, e, id, buf, size, p->duration_ms);
	}
	lipc_ring_close(e->ring);
	free(buf);
	_exit(0);
}

/* The consumer's state over one measurement. */
struct take {
	size_t size;
	uint64_t sum;
	int n, ends;
	uint64_t next[CROWD_MAX]; /* each producer's next sequence number */
	bool ended[CROWD_MAX];
};

static void writers_check(const struct side *s, struct take *t, const unsigned char *p, size_t len)
{
	uint64_t hdr, seq;
	unsigned id;
	char sz[32];

	bench_size_name(t->size, sz, sizeof(sz));
	if (len != t->size)
		die(s, "a record of %s came with %zu bytes", sz, len);
	memcpy(&hdr, p, 8);
	id = (unsigned)(hdr >> ID_SHIFT);
	seq = hdr & SEQ_MASK;
	if (id >= (unsigned)t->n)
		die(s, "a record of %s names producer %u of %d: it is corrupt", sz, id, t->n);
	if (t->ended[id])
		die(s, "a record of producer %u of %s came after its end", id, sz);
	if (seq == SEQ_END) {
		t->ended[id] = true;
		t->ends++;
		return;
	}
	if (seq != t->next[id])
		die(s,
		    "record %llu of producer %u of %s was lost, duplicated or reordered: %llu "
		    "came in its place",
		    (unsigned long long)t->next[id], id, sz, (unsigned long long)seq);
	if (msg_checksum(p + 8, t->size - 8) != t->sum)
		die(s,
		    "record %llu of producer %u of %s is corrupt: its bytes differ from those sent",
		    (unsigned long long)seq, id, sz);
	t->next[id]++;
}

/* The consumer takes what arrives until every producer's end. */
static void writers_take(const struct side *s, struct wend *e, struct take *t, unsigned char *buf,
			 size_t buf_size)
{
	size_t have = 0; /* a FIFO's bytes of a record not whole yet */
	struct iovec recs[FIFO_BATCH];

	while (t->ends < t->n) {
		size_t len;
		ssize_t r;
		int got;

		switch (e->mech) {
		case MECH_RING:
		case MECH_SHM:
			/* Up to a FIFO's batch at a time, in place, released together. */
			got = lipc_ring_peek_many(e->ring, recs, FIFO_BATCH, -1);
			if (got == 0)
				die(s, "the ring ended in the middle of the measurement");
			if (got < 0)
				die(s, "receive: %s", strerror(errno));
			for (int i = 0; i < got; i++)
				writers_check(s, t, recs[i].iov_base, recs[i].iov_len);
			if (lipc_ring_release(e->ring) < 0)
				die(s, "release: %s", strerror(errno));
			break;
		case MECH_FIFO:
			r = read(e->fd, buf + have, FIFO_BATCH * t->size - have);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				die(s, "read: %s", r < 0 ? strerror(errno) : "the end of the FIFO");
			have += (size_t)r;
			for (len = 0; have - len >= t->size; len += t->size)
				writers_check(s, t, buf + len, t->size);
			memmove(buf, buf + len, have - len);
			have -= len;
			break;
		case MECH_MQ:
			r = mq_receive(e->mq, (char *)buf, buf_size, NULL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die(s, "mq_receive: %s", strerror(errno));
			writers_check(s, t, buf, (size_t)r);
			break;
		case MECH_DGRAM:
			r = recv(e->fd, buf, buf_size, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die(s, "recv: %s", strerror(errno));
			writers_check(s, t, buf, (size_t)r);
			break;
		}
	}
	if (have)
		die(s, "the FIFO held %zu bytes more than its records", have);
}

int run_writers(struct side *s, const struct bench_case *c, const struct bench_objects *ob,
		const unsigned char *pattern)
{
	const struct bench_plan *p = s->plan;
	struct wend e = { .mech = mech_of(c), .fd = -1, .mq = (mqd_t)-1 };
	struct crowd cr = { .who = "producer" };
	size_t buf_size, size = bench_crowd_size(p);
	unsigned char *buf;
	char ready;

	/* The consumer runs where B of a pair runs, the producers where A does. */
	pin(s, s->place->cpu_b);
	if (!writers_open_consumer(s, &e, ob->ab))
		return 0;
	buf_size = FIFO_BATCH * (size < 8 ? 8 : size) + 1;
	if (e.mech == MECH_MQ && buf_size < e.limit)
		buf_size = e.limit; /* mq_receive() wants room for the queue's largest */
	buf = malloc(buf_size);
	if (!buf)
		die(s, "out of memory for %zu bytes", buf_size);
	for (int i = 0; i < c->procs && i < CROWD_MAX; i++)
		if (fork_child(s, &cr, s->place->cpu_a))
			writers_producer(s, &e, ob->ab, i, pattern);
	for (int i = 0; i < cr.n; i++)
		crowd_recv(s, &cr, i, &ready, 1);
	/* One size, the table's (64 B): the comparison, in a few seconds for all. */
	if (size && writers_na(&e, size)) {
		na(s, TEST_THROUGHPUT, size, writers_na(&e, size));
	} else if (size) {
		struct bench_figure fig = { .size = size, .test = TEST_THROUGHPUT };
		uint64_t t0 = 0, t1 = 0, total = 0;

		phase(s, "many writers streaming", size);
		for (int round = 0; round < 2; round++) { /* the warm-up, then the measurement */
			struct take t = { .size = size, .n = cr.n };
			char go = 1;

			t.sum = msg_checksum(pattern + 8, size - 8);
			for (int i = 0; i < cr.n; i++)
				crowd_send(s, &cr, i, &go, 1);
			t0 = bench_now_ns();
			writers_take(s, &e, &t, buf, buf_size);
			t1 = bench_now_ns();
			total = 0;
			for (int i = 0; i < cr.n; i++) {
				uint64_t count;

				crowd_recv(s, &cr, i, &count, sizeof(count));
				if (count != t.next[i])
					die(s, "producer %d sent %llu records and %llu arrived", i,
					    (unsigned long long)count,
					    (unsigned long long)t.next[i]);
				total += count;
			}
		}
		fig.status = ST_OK;
		fig.count = total;
		fig.seconds = (double)(t1 - t0) / 1e9;
		fig.msgs_per_s = (double)total / fig.seconds;
		fig.bytes_per_s = (double)total * (double)size / fig.seconds;
		report(s, &fig);
	}
	crowd_reap(s, &cr);
	free(buf);
	if (e.ring)
		lipc_ring_close(e.ring);
	if (e.fd >= 0)
		close(e.fd);
	if (e.mq != (mqd_t)-1)
		mq_close(e.mq);
	return 0;
}
