/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, inside a pair: what harness.c gives the files of the cases (message.c,
 * handoff.c, signal.c, floor.c). A side is one of the two processes; A times and reports, B
 * answers. Anything that goes wrong ends the case through die(), which reports the reason and
 * takes the other process down, so that no case ever waits for ever or yields a wrong figure.
 */
#ifndef LIPC_BENCH_PAIR_H
#define LIPC_BENCH_PAIR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench.h"
#include "lipc/shm.h"

/* One process of the pair. */
struct side {
	bool is_a;
	int out_fd;	     /* records to the command */
	pid_t peer;	     /* the other process */
	int ctl_in, ctl_out; /* control pipes, from and to the peer: never timed */
	const struct bench_plan *plan;
	const struct bench_place *place;
};

/*
 * The case failed: tell the command why, take the other process down with us (it may be
 * blocked waiting for a message that will never come), and exit.
 */
_Noreturn void die(const struct side *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The mechanism is not in this build (a ring mode that fails with ENOTSUP): the case is
 * reported skipped with the reason, and sends no figure. The caller returns 0 then.
 */
void skip_case(const struct side *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A figure, to the command. */
void report(const struct side *s, const struct bench_figure *f);
/* Progress: what runs now. It also tells the command that the case is alive. */
void phase(const struct side *s, const char *what, size_t size);
/* The control pipes between A and B: never timed; a peer gone is the case's end. */
void ctl_send(const struct side *s, const void *p, size_t n);
void ctl_recv(const struct side *s, void *p, size_t n);
/* Run on that CPU (-1: anywhere). */
void pin(const struct side *s, int cpu);
/*
 * Fork B. Returns in both processes, each with its side set up and pinned: true in B. B dies
 * with A (PR_SET_PDEATHSIG), so nothing outlives a killed run.
 */
bool fork_b(struct side *s);
/* A: wait for B's clean exit after the case. */
void reap_b(struct side *s);

/* Latency: the samples, sorted once at the end. */
struct samples {
	uint32_t *v, *tmp;
	size_t n, cap;
};

void samples_init(const struct side *s, struct samples *sm);
void samples_free(struct samples *sm);

/*
 * The latency driver: rt(k) is round trip k, check(k) verifies what it brought back (after the
 * second timestamp). A warm-up first, then round trips for the duration (or until the sample
 * array is full). Returns the number of round trips made, warm-up included.
 */
/* The percentiles of samples a case took itself (fanout.c), into f. */
void samples_finish(struct samples *sm, struct bench_figure *f);

typedef void (*rt_fn)(const struct side *s, void *ctx, uint64_t k);
uint64_t latency(const struct side *s, void *ctx, rt_fn rt, rt_fn check, struct samples *sm,
		 struct bench_figure *f);

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

struct shared *shared_page(const struct side *s);
/* A mark: the counter must be want, and becomes want + 1. */
void mark(const struct side *s, struct shared *sh, uint64_t want, const char *what);

/* The cases, run in A (each forks its B): message.c */
unsigned char *make_pattern(const struct side *s, size_t size);
int run_pipes(struct side *s, bool raw, unsigned char *pattern);
int run_raw_ring(struct side *s, unsigned char *pattern);
int run_chan(struct side *s, const struct bench_case *c, const struct bench_objects *ob,
	     unsigned char *pattern);
/*
 * relay.c, for run_chan's relay cases (HOW_RELAY): in A, once every end is open, start the lipc
 * relay processes between ob's ab_tx and ab, and ba_tx and ba; stop them after the case. The
 * largest message the relays of case c carry.
 */
void relays_start(struct side *s, const struct bench_case *c, const struct bench_objects *ob);
void relays_stop(struct side *s);
size_t relay_limit(const struct bench_case *c);
/* message.c's checksum of every byte, and the capacity it gives a ring for messages of max. */
/*
 * Message k of a measurement (message.c): its sequence number in the first 8 bytes (in the
 * first byte, modulo 255, when it is shorter), then a fixed pattern; the end of a measurement is
 * a message whose header is all ones. msg_hdr_len() is that header's length.
 */
size_t msg_hdr_len(size_t size);
void msg_put_seq(unsigned char *buf, size_t size, uint64_t seq);
uint64_t msg_get_seq(const unsigned char *p, size_t size);
bool msg_is_marker(const unsigned char *p, size_t size);
uint64_t msg_checksum(const unsigned char *p, size_t n);
size_t msg_ring_capacity(size_t max);
/* fanout.c: one producer to many consumers, many producers to one consumer */
int run_fanout(struct side *s, const struct bench_case *c, const struct bench_objects *ob,
	       const unsigned char *pattern);
int run_writers(struct side *s, const struct bench_case *c, const struct bench_objects *ob,
		const unsigned char *pattern);
/* handoff.c */
int run_baton(struct side *s, const struct bench_case *c, const struct bench_objects *o);
int run_sem(struct side *s, const struct bench_case *c, const struct bench_objects *o);
int run_futex(struct side *s);
/* signal.c */
int run_signal(struct side *s, const struct bench_case *c);
/* floor.c */
int run_line(struct side *s, bool yield);
int run_memcpy(struct side *s);

#endif
