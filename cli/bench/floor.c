/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the floors: what no mechanism can beat. One word on one cache line bounced
 * between two CPUs (or, on one CPU, a sched_yield() ping-pong: two switches per round trip),
 * and memcpy of a buffer larger than the last-level cache, against which streaming is
 * measured. Raw atomics and system calls, because they are the references.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h" /* lipc__cpu_relax() */
#include "lipc/signal.h"
#include "pair.h"

#define LINE_STOP UINT64_MAX

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
			lipc__cpu_relax();
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

int run_line(struct side *s, bool yield)
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
					lipc__cpu_relax();
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

int run_memcpy(struct side *s)
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
