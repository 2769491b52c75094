/* SPDX-License-Identifier: MIT */
/*
 * lipc bench: what its files share. cmd_bench.c chooses the cases, runs them and cleans up;
 * harness.c (the pair of processes) with message.c, handoff.c, signal.c and floor.c (the
 * cases) measures; table.c, json_csv.c and svg.c report.
 *
 * Each case runs in a pair of processes made for it: A, forked by the command, which times,
 * and B, forked by A, which answers. A reports each figure to the command on a pipe as soon as
 * it has it, so the command can tell progress from a hang; a process that finds the data wrong
 * reports the failure on the same pipe and kills the other, so a broken transport never waits
 * for ever and never yields a figure.
 */
#ifndef LIPC_BENCH_H
#define LIPC_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli.h" /* the command's conventions: fail(), usage_error(), the parsers */

enum bench_kind {
	BENCH_MESSAGE, /* messages through the channel (or a bare pipe) */
	BENCH_HANDOFF, /* a lock, semaphore or futex handed between the two processes */
	BENCH_SIGNAL,  /* a signal and its answer */
	BENCH_FLOOR,   /* what no mechanism can beat */
	BENCH_FANOUT,  /* one producer, many consumers (fanout.c) */
	BENCH_WRITERS, /* many producers, one consumer (fanout.c) */
};

/* Which code runs a case. */
enum bench_how {
	HOW_CHAN,      /* two channels at the case's addresses */
	HOW_PIPE_CHAN, /* two pipes wrapped by lipc_chan_open_fd() */
	HOW_RAW_PIPE,  /* two pipes, bare read() and write() */
	HOW_RAW_RING,  /* two bare rings in a shared anonymous mapping (message.c) */
	HOW_RELAY,     /* HOW_CHAN with lipc relay processes between the ends (relay.c) */
	HOW_LOCK,      /* the three-lock baton: POSIX, OFD, flock or robust mutex (lock_kind) */
	HOW_SEM_POSIX,
	HOW_SEM_SYSV,
	HOW_FUTEX,
	HOW_SIG_KILL,
	HOW_SIG_QUEUE,
	HOW_SIG_FD,
	HOW_CACHELINE,
	HOW_YIELD,
	HOW_MEMCPY,
	HOW_FANOUT,  /* a publish ring, procs consumers (fanout.c) */
	HOW_WRITERS, /* procs producers into one consumer by the mechanism scheme names */
};

/*
 * HOW_LOCK: what the baton is made of. The bench's own values: the robust mutex is no kind of
 * struct lipc_lock, so it takes no value of enum lipc_lock_kind (handoff.c maps the others).
 */
enum bench_lock {
	BENCH_LOCK_NONE = 0, /* not a lock case */
	BENCH_LOCK_POSIX = 1,
	BENCH_LOCK_OFD = 2,
	BENCH_LOCK_FLOCK = 3,
	BENCH_LOCK_MUTEX = 4,
};

struct bench_case {
	const char *name; /* for --only, the table and the files */
	const char *what; /* one line for --list */
	enum bench_kind kind;
	enum bench_how how;
	const char *scheme;	   /* HOW_CHAN: the address scheme */
	unsigned flags;		   /* HOW_CHAN: extra LIPC_CHAN_* flags (LIPC_CHAN_SPIN) */
	enum bench_lock lock_kind; /* HOW_LOCK */
	int procs;		   /* HOW_FANOUT: consumers; HOW_WRITERS: producers */
};

/*
 * HOW_CHAN, in flags beside LIPC_CHAN_*, the bench's own: the receiver waits in poll() on
 * lipc_chan_fd() and receives with a timeout of 0 (shm-poll, message.c). Taken out of the
 * flags before they reach the channel.
 */
#define BENCH_CHAN_POLL 0x80000000u

extern const struct bench_case bench_cases[];
extern const size_t bench_n_cases;

/* Where the two processes run. cpu -1: left to the scheduler. */
struct bench_place {
	const char *key;  /* "same", "split", "unpinned": JSON and CSV */
	const char *name; /* "same CPU", "two CPUs", "unpinned": the table */
	int cpu_a, cpu_b;
};

#define BENCH_MAX_SIZES	 16
#define BENCH_MAX_PLACES 2

enum bench_fault {
	FAULT_NONE,
	FAULT_DROP,
	FAULT_CORRUPT
};

/* What every run of a case does; the same in A and B, who inherit it. */
struct bench_plan {
	int duration_ms; /* each measurement */
	int warmup_ms;
	size_t lat_sizes[BENCH_MAX_SIZES];
	int n_lat;
	size_t tput_sizes[BENCH_MAX_SIZES];
	int n_tput;
	size_t max_size; /* the largest of both lists */
	enum bench_fault fault;
};

/* The names of the IPC objects of one run of a case, made and removed by the command. */
struct bench_objects {
	char ab[PATH_MAX + 32], ba[PATH_MAX + 32]; /* channel addresses, A to B and back */
	/* HOW_RELAY: where A and B send, relayed to ab and ba ("": to ab and ba themselves) */
	char ab_tx[PATH_MAX + 32], ba_tx[PATH_MAX + 32];
	char files[3][PATH_MAX]; /* FIFOs, lock files: unlinked */
	char names[4][NAME_MAX]; /* rings, POSIX queues: "/lipc-bench-..." */
	int n_files, n_names;
	bool names_are_mq;
	key_t msq[2];	  /* System V message queues, reserved with IPC_EXCL */
	char sems[2][32]; /* "sysv:0x..." semaphore sets, created with LIPC_EXCL */
	int n_msq, n_sems;
};

enum bench_test {
	TEST_LATENCY,
	TEST_THROUGHPUT
};

enum bench_status {
	ST_OK,
	ST_NA,	    /* this size or placement does not apply; reason says why */
	ST_FAILED,  /* the case lost or damaged data, or broke: never a figure */
	ST_SKIPPED, /* the mechanism is not in this build */
};

/* One measurement. Times are in nanoseconds. */
struct bench_figure {
	int place;
	enum bench_test test;
	size_t size; /* 0: no message (locks, semaphores, signals, the cache line) */
	enum bench_status status;
	uint64_t count; /* round trips or messages timed */
	double p50, p99, p999, max;
	double msgs_per_s, bytes_per_s;
	double seconds; /* the time the figure covers */
	char note[96];	/* ST_NA: why */
	double cpu_ns;	/* HOW_FANOUT streaming: the producer's CPU time per message */
};

/* What A (or B) writes to the command, one record per write (under PIPE_BUF: atomic). */
enum bench_wire_type {
	WIRE_FIGURE,
	WIRE_FAIL,
	WIRE_PHASE,
	WIRE_DONE,
	WIRE_SKIP /* the mechanism is not in this build (text: why); no figure follows */
};
struct bench_wire {
	enum bench_wire_type type;
	struct bench_figure fig;
	char text[256]; /* WIRE_FAIL: the reason; WIRE_PHASE: what runs now (progress) */
};

/* Everything one case produced, over all placements. */
struct bench_result {
	const struct bench_case *c;
	enum bench_status status; /* ST_OK, ST_FAILED or ST_SKIPPED */
	char reason[300];
	struct bench_figure *figs;
	size_t n_figs, cap_figs;
};

/* The run as a whole, for the reports. */
struct bench_run {
	struct bench_place places[BENCH_MAX_PLACES];
	int n_places;
	struct bench_plan plan;
	struct bench_result *results;
	size_t n_results;
	char cpu_model[128];
	int cpus_online, cpus_allowed;
	char kernel[3 * 65];
	double load[3];
	double clock_ns; /* what one clock_gettime() costs */
	double total_s;
	char date[32];
	/* Floors: the fastest hand-off of each placement (p50; 0: none), memcpy bytes/s. */
	double floor_ns[BENCH_MAX_PLACES];
	const char *floor_case[BENCH_MAX_PLACES];
	double memcpy_bytes_per_s;
};

/*
 * harness.c: run case c in placement p. Called in process A, a fresh child of the command, in
 * a process group of its own; writes bench_wire records to out_fd. Returns the exit status.
 */
int bench_run_case(const struct bench_case *c, const struct bench_place *p,
		   const struct bench_plan *plan, const struct bench_objects *o, int out_fd);

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t bench_now_ns(void);

/* The reports: table.c (and what the others share), json_csv.c, svg.c. */
/* A figure of a case in a placement: the latency at size, or NULL. */
const struct bench_figure *bench_find(const struct bench_result *r, int place, enum bench_test test,
				      size_t size);
void bench_print_table(FILE *f, const struct bench_run *run);
int bench_write_json(FILE *f, const struct bench_run *run);
int bench_write_csv(FILE *f, const struct bench_run *run);
int bench_write_svg(FILE *f, const struct bench_run *run);
/* "64 B", "4 KiB", "1 MiB" */
const char *bench_size_name(size_t size, char *buf, size_t len);
/* "message", "lock"...; "ok", "n/a", "failed", "skipped" */
const char *bench_kind_name(const struct bench_case *c);
const char *bench_status_name(enum bench_status s);
/* Microseconds from nanoseconds, three significant digits or so. */
const char *bench_us(double ns, char *buf, size_t len);
/* The size the table shows round trips at: 64 B, unless --sizes left it out. */
size_t bench_headline_lat(const struct bench_plan *p);
/* A case's round trip in a placement: at the headline size for messages, sizeless otherwise. */
const struct bench_figure *bench_lat_of(const struct bench_run *run, const struct bench_result *r,
					int place);
/*
 * The crowds' sizes (fanout.c), which their tables show: many writers measure at
 * bench_crowd_size() only (64 B, or the first streaming size of at least 8 bytes; 0: none), a
 * fan-out at the sizes bench_fanout_size() says yes to.
 */
size_t bench_crowd_size(const struct bench_plan *p);
bool bench_fanout_size(const struct bench_plan *p, size_t size);
/* Rows, fastest first: those with figures, then n/a only, then skipped, then failed. */
struct bench_row {
	const struct bench_result *r;
	int rank;
	double key;
};
/* Sort results for one table into rows; lat: by the better p50, else by the better MB/s. */
size_t bench_sort_rows(const struct bench_run *run, bool lat, struct bench_row *rows);

#endif
