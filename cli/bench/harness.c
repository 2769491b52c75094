/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the harness: the pair of processes that runs a case. A, a fresh child of the
 * command, forks B, pins both, times, and reports each figure on a pipe; B answers. The cases
 * themselves are message.c, handoff.c, signal.c and floor.c. Messages go through the channel
 * (lipc_chan_*), exactly as lipc send and recv send them; locks, semaphores and signals through
 * liblipc's modules; only the bare pipe, the futex pair and the cache line are raw system calls
 * and atomics, because they are the references.
 *
 * The traps of benchmarking IPC, and what the bench does about them. Placement changes every
 * figure, so each process pins itself right after the fork. A first round trip pays for cold
 * caches, page faults and lazy connection setup, so every measurement starts with a warm-up. A
 * clock read costs tens of nanoseconds, so latency takes exactly two per round trip and streaming
 * reads the clock only every few messages. Data that arrives damaged or not at all would make a
 * fast and wrong figure: every message is checked (message.c), and any mismatch kills the case
 * with the reason instead of a figure. Locks and semaphores are checked the same way: a counter
 * in shared memory proves that the two processes really took turns (mark()).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lipc/pipe.h"
#include "pair.h"

/* Latency keeps up to this many round trips per millisecond of a measurement (100 ns each). */
#define SAMPLES_PER_MS 10000
#define SAMPLES_MAX    ((size_t)1 << 25) /* 128 MiB, sorted in place of another 128 MiB */
#define WARMUP_MIN     16		 /* round trips, however fast */

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
_Noreturn void die(const struct side *s, const char *fmt, ...)
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

void skip_case(const struct side *s, const char *fmt, ...)
{
	struct bench_wire w = { .type = WIRE_SKIP };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w.text, sizeof(w.text), fmt, ap);
	va_end(ap);
	emit(s, &w);
}

void report(const struct side *s, const struct bench_figure *f)
{
	struct bench_wire w = { .type = WIRE_FIGURE, .fig = *f };

	emit(s, &w);
}

/* Progress: what runs now. It also tells the command that the case is alive. */
void phase(const struct side *s, const char *what, size_t size)
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

void ctl_send(const struct side *s, const void *p, size_t n)
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

void ctl_recv(const struct side *s, void *p, size_t n)
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

void pin(const struct side *s, int cpu)
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
bool fork_b(struct side *s)
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
void reap_b(struct side *s)
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

void samples_init(const struct side *s, struct samples *sm)
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

void samples_free(struct samples *sm)
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

void samples_finish(struct samples *sm, struct bench_figure *f)
{
	samples_stats(sm, f);
}

uint64_t latency(const struct side *s, void *ctx, rt_fn rt, rt_fn check, struct samples *sm,
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

/* The shared page of the hand-off cases. */
struct shared *shared_page(const struct side *s)
{
	struct lipc_shm shm = LIPC_SHM_INIT;

	if (lipc_shm_create_anon(&shm, sizeof(struct shared)) < 0)
		die(s, "shared memory: %s", strerror(errno));
	return shm.addr;
}

/* A mark: the counter must be want, and becomes want + 1. */
void mark(const struct side *s, struct shared *sh, uint64_t want, const char *what)
{
	uint64_t c = atomic_load_explicit(&sh->counter, memory_order_acquire);

	if (c != want)
		die(s, "%s let both processes in at once (turn %llu found %llu)", what,
		    (unsigned long long)want, (unsigned long long)c);
	/* Pairs with the other process's acquire load in its mark, after the hand-off. */
	atomic_store_explicit(&sh->counter, want + 1, memory_order_release);
}

int bench_run_case(const struct bench_case *c, const struct bench_place *p,
		   const struct bench_plan *plan, const struct bench_objects *o, int out_fd)
{
	struct side s = { .is_a = true, .out_fd = out_fd, .plan = plan, .place = p };
	unsigned char *pattern = NULL;

	if (c->kind == BENCH_MESSAGE || c->kind == BENCH_FANOUT || c->kind == BENCH_WRITERS)
		pattern = make_pattern(&s, plan->max_size < 8 ? 8 : plan->max_size);
	switch (c->how) {
	case HOW_CHAN:
	case HOW_RELAY:
		return run_chan(&s, c, o, pattern);
	case HOW_PIPE_CHAN:
	case HOW_RAW_PIPE:
		return run_pipes(&s, c->how == HOW_RAW_PIPE, pattern);
	case HOW_RAW_RING:
		return run_raw_ring(&s, pattern);
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
	case HOW_FANOUT:
		return run_fanout(&s, c, o, pattern);
	case HOW_WRITERS:
		return run_writers(&s, c, o, pattern);
	}
	die(&s, "no such case");
}
