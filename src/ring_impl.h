/* SPDX-License-Identifier: MIT */
/*
 * Private to the ring's files: the layout of a ring (ring.c), and what the modes with many
 * writers or many readers (ring_multi.c, ring_pub.c) share with the point-to-point ring. ring.c
 * creates, checks, maps, guards and stats every ring and dispatches each call: a ring whose mode
 * has slots calls its mode's struct ring_ops, one predictable branch for the others.
 *
 * Slots. A multi-producer ring has LIPC_RING_SLOTS producer slots and a publish ring as many
 * consumer slots, one LINE each, from DATA_OFFSET (the page after the header) to SLOTS_END,
 * where its records start. A side in a slot holds the write lock on byte SLOT_LOCK(i) for as
 * long as it is attached (the point-to-point roles' bytes 0 and 1 stay: a multi ring's consumer
 * holds byte 1, a publish ring's producer byte 0), and a slot is taken by taking its lock. A
 * publish ring's consumer slot starts with its cursor (a uint64_t), which lipc_ring_lag() reads;
 * the rest of a slot is its mode's to define.
 */
#ifndef LIPC_RING_IMPL_H
#define LIPC_RING_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "internal.h"
#include "lipc/ring.h"

#define RING_MAGIC 0x474e49524350494cull /* "LIPCRING" */
/*
 * 3: a waker may skip its fence (the "light" fields): a version 2 process would miss wake-ups.
 * 4: the doorbell (consumer_bell, bell_token, producer_pid): a version 3 producer would never
 * ring it, and a consumer waiting in poll() would sleep through its records and its end.
 * 5: the mode and the slots (many writers, many readers): a version 4 process would take a
 * multi-producer or publish ring for a point-to-point one.
 * 6: the modes' doorbells (bells, a publish slot's bell and token): a version 5 producer would
 * never ring them. 6 also means the multi-producer headers' tags (lay_headers(), below):
 * a version 5 producer would write none, and its records would never look ready.
 */
#define RING_VERSION	  6
#define DATA_OFFSET	  4096u /* a point-to-point ring's records; a ring with slots: SLOTS_END */
#define LINE		  128	/* two cache lines: adjacent-line prefetch must not share them */
#define REC_HDR		  16u	/* sizeof(struct rec_hdr); records are 16-byte aligned */
#define WRAP		  0xffffffffu /* a record length that means: continue at offset 0 */
#define CAPACITY_MIN	  ((uint64_t)LIPC_RING_CAPACITY_MIN)
#define CAPACITY_MAX	  ((uint64_t)LIPC_RING_CAPACITY_MAX)
#define SPIN_NS_MIN	  20000L /* the spin budget's bounds, around the measured cost */
#define SPIN_NS_MAX	  500000L
#define SPIN_NS_GUESS	  50000L /* when the cost cannot be measured */
#define LIGHT_FALLBACK_MS 1
#define YIELD_START	  4
#define YIELD_MAX	  8
#define CHECK_FIRST_MS	  10
#define CHECK_MAX_MS	  250

struct ring_shared {
	/*
	 * Written once, before the object gets its name, and read once by each process that
	 * attaches, into a struct ring_static of its own that it checks and then keeps.
	 */
	_Atomic uint64_t magic;
	_Atomic uint32_t version;
	_Atomic uint32_t data_offset;
	_Atomic uint64_t capacity;
	_Atomic uint64_t max_record;
	_Atomic uint32_t mode;	/* enum lipc_ring_mode */
	_Atomic uint32_t slots; /* LIPC_RING_SLOTS for a mode with slots, else 0 */
	char pad0[LINE - 40];

	_Atomic uint64_t head;
	/*
	 * A publish ring (ring_pub.c): how many records head counts, stored just before head and
	 * again just after it, so that a reader who finds both equal around its read of head has
	 * the pair (a consumer that attaches learns the number of the record at head).
	 */
	_Atomic uint64_t head_count, head_count_after;
	char pad1[LINE - 24];
	_Atomic uint64_t tail;
	char pad2[LINE - 8];
	_Atomic uint32_t consumer_sleeping;
	_Atomic int32_t consumer_cpu;
	_Atomic uint32_t consumer_gen;	 /* how many consumers have attached */
	_Atomic uint32_t consumer_light; /* its wake-ups skip the fence (see Waking) */
	_Atomic uint32_t consumer_bell;	 /* armed: ring the doorbell (see The doorbell) */
	uint32_t pad_bell;
	_Atomic uint64_t bell_token; /* the name of the consumer's doorbell socket */
	_Atomic uint64_t sleepers;   /* publish: a bit per consumer slot asleep on head */
	_Atomic uint64_t bells;	     /* publish: a bit per consumer slot whose doorbell is armed */
	char pad3[LINE - 48];
	_Atomic uint32_t producer_sleeping;
	_Atomic int32_t producer_cpu;
	_Atomic uint32_t producer_gen;	  /* how many producers have attached */
	_Atomic uint32_t producer_closed; /* the current producer detached cleanly */
	_Atomic uint32_t producer_light;  /* its wake-ups skip the fence (see Waking) */
	_Atomic int32_t producer_pid;	  /* its pid, in its own pid namespace (The doorbell) */
	char pad4[LINE - 24];
};

_Static_assert(sizeof(struct ring_shared) <= DATA_OFFSET, "the header fits its page");

/* The static header as a process reads it (the same bytes): a private copy, checked once. */
struct ring_static {
	uint64_t magic;
	uint32_t version;
	uint32_t data_offset;
	uint64_t capacity;
	uint64_t max_record;
	uint32_t mode;
	uint32_t slots;
};

_Static_assert(sizeof(struct ring_static) == offsetof(struct ring_shared, pad0) &&
		       offsetof(struct ring_static, max_record) ==
			       offsetof(struct ring_shared, max_record),
	       "the static header's copy has its layout");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics work across processes");

struct guard;

struct lipc_ring {
	int fd;
	int role;
	/*
	 * The process that attached. A forked child's copy of the handle is not a side: its close
	 * must not tell the consumer that the stream ended, nor disarm the consumer's doorbell.
	 */
	pid_t pid;
	bool spin_only;
	/*
	 * Does a call have more to test than the fast path: an error, or a guard? One predictable
	 * branch for a sound, unguarded ring.
	 */
	bool careful;
	int error;	     /* a corrupt ring stays an error */
	struct guard *guard; /* a ring others may write: its guard (NULL: none needed) */
	struct ring_shared *sh;
	unsigned char *data;
	size_t map_size;
	uint64_t cap, mask, max_record; /* private copies: the shared ones could change */
	uint64_t pos;	   /* producer: head; consumer: tail (the shared one is only published) */
	uint64_t peer;	   /* the other side's position, as last read */
	uint64_t held;	   /* producer: bytes reserved; consumer: bytes peeked, not released */
	uint32_t held_len; /* the length of that record (consumer: of the last one peeked) */
	size_t held_n;	   /* consumer: how many records those bytes are */
	/*
	 * Consumer: which producers' ends are ours to report. A producer that came and went
	 * before we attached, leaving nothing we read, is none of ours: we wait for the next.
	 */
	uint32_t base_gen; /* the producer generation when we attached */
	uint32_t seen_gen; /* a producer we saw attached, or whose records we read */
	bool consumed;	   /* records were read since seen_gen was last updated */
	bool ended;	   /* the end of producer ended_gen was reported */
	uint32_t ended_gen;
	int yields;	    /* the same, in sched_yield() calls, when both share a CPU */
	long spin_ns;	    /* how long to spin before sleeping (see Waking) */
	int check_ms;	    /* how long a sleeper waits before it tests the peer's lock */
	int check_first_ms; /* where check_ms starts again after a wake-up */
	/*
	 * The doorbell (lipc_ring_fd(), see The doorbell): -1 until the consumer asks for it. The
	 * producer only has bell_sock, the unbound socket it rings from, made at its first ring.
	 */
	int bell_ep;	  /* the epoll set lipc_ring_fd() returns */
	int bell_sock;	  /* consumer: the bound datagram socket; producer: its sender */
	int bell_pidfd;	  /* the current producer's pidfd, in the set while it is watched */
	int bell_timer;	  /* a timerfd in the set, when the barrier is missing (bell_arm) */
	uint32_t pid_gen; /* the producer generation bell_pidfd watches */
	uint64_t token;	  /* our bell's name */
	bool armed;	  /* we raised consumer_bell, and did not see it taken since */
	bool rung;	  /* a byte is in the socket, or will be: the producer took the bell */

	/* Many writers, many readers (ring_multi.c, ring_pub.c); NULL ops: point to point. */
	const struct ring_ops *ops;
	enum lipc_ring_mode mode;
	unsigned slot; /* our slot: a multi ring's producer, a publish ring's consumer */
	uint64_t lost; /* a lossy consumer: records lost since it attached */
	/* ring_multi.c's own: */
	uint64_t multi_last;   /* consumer: the offset of the last record held, in the data */
	uint32_t multi_deaths; /* consumer: the producers' deaths counted at the last end */
	uint32_t multi_woke;   /* consumer: the producers' sleeps when it last woke them */

	/* ring_pub.c's own: */
	uint64_t pub_count;	/* the number of the record at pos (consumer: when pub_known) */
	uint64_t pub_limit;	/* producer: the room it may fill, up to this position */
	uint64_t pub_published; /* producer: head, as last stored */
	uint64_t pub_tail;	/* producer: its oldest record still whole */
	uint64_t pub_tail_n;	/* producer: that record's number */
	uint32_t pub_attached;	/* producer: the consumers' attach counter, as last read */
	uint32_t pub_active;	/* consumer: our slot's active word */
	bool pub_known;		/* consumer: pub_count is known (see Attaching) */
	bool pub_lapped;	/* lossy consumer: jumped to a record not yet counted */
	uint64_t pub_lost_from; /* ... the number it jumped from */
	uint64_t pub_lost_pos;	/* ... and its position */
};

/*
 * A record's header. seq is the record's position plus one, stored last with release order: a
 * record is ready when its seq says so, so a consumer that polls finds readiness and data on the
 * same cache lines and never reads the producer's head while records keep coming. A whole header
 * of an earlier lap cannot pass for a ready record: its seq is another position (64 bits). But
 * a later payload may overwrite the low bytes of an old seq, and positions differ in their high
 * bits: so the point-to-point producer clears the seq of the header after each record before
 * it publishes the record (ring.c's clear_next()), and the modes, whose next header may be
 * another producer's, tag each header with its position and clear its seq before the tag
 * (ring_multi.c, ring_pub.c).
 */
struct rec_hdr {
	_Atomic uint32_t len; /* the record's bytes, or WRAP; relaxed: seq orders it */
	uint32_t unused;      /* the point-to-point ring's: 0; the modes': the header's tag */
	_Atomic uint64_t seq;
};

_Static_assert(sizeof(struct rec_hdr) == REC_HDR, "a record header is 16 bytes");

static inline uint64_t record_size(uint64_t len)
{
	return (REC_HDR + len + 15) & ~(uint64_t)15;
}

static inline struct rec_hdr *rec_at(const struct lipc_ring *r, uint64_t pos)
{
	return (struct rec_hdr *)(r->data + (pos & r->mask));
}

/*
 * Consumer: has the producer published the record at our cursor, after those we hold (r->held is
 * 0 unless a batch is held)? Pairs with the release of its seq in commit and push_many.
 */
static inline bool record_ready(const struct lipc_ring *r)
{
	uint64_t at = r->pos + r->held;

	return atomic_load_explicit(&rec_at(r, at)->seq, memory_order_acquire) == at + 1;
}

/*
 * The modes' headers (ring_multi.c, ring_pub.c) carry a tag, the low 32 bits of their position /
 * 16, in the field the point-to-point ring leaves 0, because a stale seq word alone could pass
 * for theirs (see struct rec_hdr). lay_headers(): a producer lays out, inside space it owns, the
 * header of a record of len bytes at at and its wrap marker's at c when it has one (at != c):
 * each seq 0, then a release fence, then the lengths and the tags; its commit's release of each
 * seq publishes them. tagged_ready(): is the header at at tagged for at, with this seq? The tag
 * first (acquire: pairs with that fence), then the seq (acquire: pairs with the commit's
 * release, after the bytes): a consumer that sees our tag sees 0 or our commit, never the stale
 * word. Stale bytes would have to hold both the right tag and the right seq. The tag is a plain
 * field of the header, read and written as an atomic all the same.
 */
static inline uint32_t tag_of(uint64_t at)
{
	return (uint32_t)(at >> 4);
}

static inline void lay_headers(const struct lipc_ring *r, uint64_t c, uint64_t at, uint32_t len)
{
	struct rec_hdr *h = rec_at(r, at);

	atomic_store_explicit(&h->seq, 0, memory_order_relaxed);
	if (at != c)
		atomic_store_explicit(&rec_at(r, c)->seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	if (at != c) {
		atomic_store_explicit(&rec_at(r, c)->len, WRAP, memory_order_relaxed);
		__atomic_store_n(&rec_at(r, c)->unused, tag_of(c), __ATOMIC_RELAXED);
	}
	atomic_store_explicit(&h->len, len, memory_order_relaxed);
	__atomic_store_n(&h->unused, tag_of(at), __ATOMIC_RELAXED);
}

static inline bool tagged_ready(const struct lipc_ring *r, uint64_t at, uint64_t seq)
{
	const struct rec_hdr *h = rec_at(r, at);

	return __atomic_load_n(&h->unused, __ATOMIC_ACQUIRE) == tag_of(at) &&
	       atomic_load_explicit(&h->seq, memory_order_acquire) == seq;
}

/* The futex is the low 32 bits of a position: they change whenever the position does. */
static inline uint32_t *futex_word(_Atomic uint64_t *pos)
{
	return (uint32_t *)(uintptr_t)pos + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
}

/* Shared, not FUTEX_PRIVATE (internal.h): the waker is another process. */
static inline int futex_wait(_Atomic uint64_t *pos, uint32_t seen, int timeout_ms)
{
	struct timespec ts = lipc__ms_timespec(timeout_ms);

	return lipc__futex_wait(futex_word(pos), seen, &ts);
}

static inline void futex_wake(_Atomic uint64_t *pos)
{
	lipc__futex_wake(futex_word(pos), 1);
}

/* CLOCK_MONOTONIC in ns: how long a side has spun (see Waking in ring.c). */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * LIPC__NS_PER_S + (uint64_t)ts.tv_nsec;
}

/*
 * A sleeper's sleep of chunk ms timed out: has it slept a whole check interval (r->check_ms)
 * since it last tested its peer's lock? Then the test is due, and the interval doubles, up to
 * CHECK_MAX_MS (a wake-up puts it back to r->check_first_ms).
 */
static inline bool check_due(struct lipc_ring *r, int chunk, int *slept_ms)
{
	if ((*slept_ms += chunk) < r->check_ms)
		return false;
	*slept_ms = 0;
	if (r->check_ms < CHECK_MAX_MS)
		r->check_ms = r->check_ms > CHECK_MAX_MS / 2 ? CHECK_MAX_MS : r->check_ms * 2;
	return true;
}

/* The slots of a ring with many writers or many readers (see the top of this file). */
#define SLOTS_END     (DATA_OFFSET + LIPC_RING_SLOTS * LINE)
#define SLOT_LOCK(i)  (64 + (off_t)(i))
#define LOCK_PRODUCER 0
#define LOCK_CONSUMER 1

static inline void *slot_at(const struct lipc_ring *r, unsigned i)
{
	return (unsigned char *)r->sh + DATA_OFFSET + (size_t)i * LINE;
}

/*
 * A mode's calls. ring.c has checked the role (EBADF) and the guard before it calls any but
 * attach and detach. attach runs once the ring is mapped and its static header checked (r->cap,
 * r->mask, r->max_record, r->data set; r->role, r->spin_only, r->fd too): it takes the role's
 * lock or a slot, sets the positions and counts the side in, or fails with errno (EBUSY when
 * every slot is taken). detach runs in lipc_ring_close() of the process that attached (not a
 * forked child's copy), before the unmapping: what the side tells the others as it leaves.
 */
struct ring_ops {
	int (*attach)(struct lipc_ring *r, bool created);
	void (*detach)(struct lipc_ring *r);
	void *(*reserve)(struct lipc_ring *r, size_t len, int timeout_ms);
	int (*commit)(struct lipc_ring *r);
	int (*push)(struct lipc_ring *r, const void *data, size_t len, int timeout_ms);
	int (*push_many)(struct lipc_ring *r, const struct iovec *recs, size_t n, int timeout_ms);
	int (*peek)(struct lipc_ring *r, const void **data, size_t *len, int timeout_ms);
	int (*peek_many)(struct lipc_ring *r, struct iovec *recs, size_t n, int timeout_ms);
	int (*release)(struct lipc_ring *r);
	int (*pop)(struct lipc_ring *r, void *buf, size_t size, size_t *len, int timeout_ms);
	/*
	 * The doorbell (ring.c's The doorbell), for a consumer that asked for it. bell_flag: the
	 * word the producers take the bell from (ring.c exchanges it, and clears it at close).
	 * arm: store the token and raise the flag where the producers look (seq_cst), with what
	 * they need to know who to ring; ring.c then issues the sleeper's barrier. due: would the
	 * next receive return without waiting, changing nothing (a receive's side effects are the
	 * receive's)? test: the tests that cost system calls too, at a check interval. *watch: a
	 * producer's death could make something due that no ring of ours announces; ring.c then
	 * looks again at the check interval (a timer in the set), with test.
	 */
	_Atomic uint32_t *(*bell_flag)(const struct lipc_ring *r);
	void (*arm)(struct lipc_ring *r);
	bool (*due)(struct lipc_ring *r, bool test, bool *watch);
};

extern const struct ring_ops lipc__ring_multi_ops; /* ring_multi.c */
extern const struct ring_ops lipc__ring_pub_ops;   /* ring_pub.c */

/*
 * What ring.c shares with the modes. lipc__ring_tuned(): this process's wake-up measures
 * (computed once): light, our wake-ups may skip their fence (a sleeper's membarrier() stands in
 * for it); heavy, we can issue that barrier as a sleeper; spin_ns, how long to spin before a
 * futex sleep. lipc__ring_sleeper_barrier(): the sleeper's half of Dekker's pattern after it
 * raised its flag (a fence, and the global barrier when we can issue it); returns false when it
 * could not issue it, in which case a sleeper whose waker is light must sleep in short slices
 * (LIGHT_FALLBACK_MS). lipc__ring_waker_barrier(): the waker's half, between its store and its
 * load of the sleeper's flag.
 */
struct ring_tuning {
	bool light, heavy;
	long spin_ns;
};
const struct ring_tuning *lipc__ring_tuned(void);
bool lipc__ring_sleeper_barrier(void);
void lipc__ring_waker_barrier(void);
/* As lipc_ring's enter(): the role (EBADF), then a truncated or corrupt ring (its errno). */
int lipc__ring_enter(const struct lipc_ring *r, int role);
/* A guarded ring found truncated: -1 with EPROTO. Otherwise 0. */
int lipc__ring_guard_failed(const struct lipc_ring *r);
/* The ring is corrupt: it stays an error (err: EPROTO, EBADMSG); returns -1. */
int lipc__ring_corrupt(struct lipc_ring *r, int err);
/*
 * The record at position at, whose seq said it is ready (seq = position + 1): each field read
 * once and checked (a wrap marker's record published at offset 0, the length at most the largest
 * record, within the data and, with those held, within a capacity). Returns 0 with its bytes in
 * the ring (the marker's skip with the record) and its length, or -1 with EBADMSG (corrupt).
 */
int lipc__ring_take_record(struct lipc_ring *r, uint64_t at, uint64_t *size, uint32_t *len);
/* Is the lock byte at off held by a side (a write lock, through another description)? */
bool lipc__ring_byte_locked(int fd, off_t off);
/*
 * Take the write lock on byte off for as long as the ring's descriptor stays open: 0, or -1
 * with EBUSY when it is held (lipc__why() says so when a read lock blocks it: who holds it is
 * named by role, "producer" or "consumer").
 */
int lipc__ring_lock_byte(struct lipc_ring *r, off_t off);
/*
 * The first free slot of LIPC_RING_SLOTS, locked (SLOT_LOCK): its index, or -1 with EBUSY
 * ("all 64 slots are taken") when there is none.
 */
int lipc__ring_take_slot(struct lipc_ring *r);
/*
 * The doorbell. lipc__ring_bell_take(): a producer takes the bell armed at flag (one arming, one
 * datagram) and rings the consumer named by token. lipc__ring_producer_due(): for a mode with one
 * producer (its generation, pid, "closed" and lock byte 0 in the header, as the point-to-point
 * ring's): would a receive report its end or its death now (its lock tested only with test)?
 */
void lipc__ring_bell_take(struct lipc_ring *r, _Atomic uint32_t *flag, _Atomic uint64_t *token);
bool lipc__ring_producer_due(struct lipc_ring *r, bool test);

#endif
