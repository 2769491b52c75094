/* SPDX-License-Identifier: MIT */
/*
 * The ring's many producers, one consumer (LIPC_RING_MULTI): the point-to-point ring's records,
 * wrap markers and spin-then-futex waits (src/ring.c), with a head that producers claim
 * instead of one producer owning it. The traps are all about a producer that dies between
 * claiming space and publishing it, and about sleeping while many wake one and one wakes many.
 *
 * Claim and commit. sh->head counts the bytes claimed since creation; sh->tail, as in the point-
 * to-point ring, the bytes the consumer released. A producer reads head (c), lays its record
 * out from there exactly as the point-to-point producer does (a record that would cross the end
 * goes to the next lap's start, behind a WRAP marker at c), checks for room (end - tail <=
 * capacity), writes its intent into its slot (intent = c, then intent_end: see claim() for why
 * in this order) and moves head from c to end with one compare-and-swap, whose release
 * publishes the intent; when another producer moved head first, it reads head again. Then it stores
 * claimed = c, lays out the headers (each one's seq cleared, then its tag: see The headers a
 * producer lays out), writes the lengths and the bytes, and commits: the record's seq
 * (position + 1, release), then its marker's seq, as src/ring.c's commit; a header is ready when
 * its tag names its position and its seq is position + 1 (ready_at()). Claims are contiguous, so
 * the consumer takes records in claim order from its cursor; one producer's records are claimed in
 * its program order, so they stay in that order. lipc_ring_push_many() claims the space of as many
 * records of the batch as fit with ONE compare-and-swap, and commits them one by one (the consumer
 * may take each as soon as it is there).
 *
 * The dead claimer. A record at the consumer's cursor that is not ready while head is past it
 * was claimed and not committed (a claimer killed between its header's tag and its commit
 * leaves the right tag over seq 0: not ready either). Each producer holds the lock byte
 * SLOT_LOCK(i) of its slot for its life, so after the spin budget, at the sleeper's check interval
 * (never per record: the test costs a system call per slot it asks about), the consumer looks at
 * the slots whose claim range [intent, intent_end) holds the cursor: a live one (its lock held) is
 * the claimer, or will have given up in a moment (a compare-and-swap that failed): wait. When all
 * of them are dead, the claimer is dead: the dead slot whose claimed == intent owns the claim (it
 * stored claimed after its compare-and-swap succeeded); failing that, the claimer died between its
 * compare-and-swap and that store, and the dead slots with intent == cursor are the claimer and
 * producers that lost the race to it and died before they moved on. The claimer's end E* is
 * where head went next, so the chain of claims continues from E*: head == E*, or a claim starts
 * there (its record is ready, or a slot's intent is E*, since a claimer writes its intent
 * before it claims). A loser's end e lies elsewhere: below E* it is inside the claimer's
 * record, where no header of position e can be (a stale header's tag names an earlier lap's
 * position, and head never was e, so no slot could have an intent of e) unless the claimer's
 * own bytes forge one; above E*, the chain may continue there too, by coincidence of sizes. So
 * the smallest such end is E*. The consumer steps over [cursor, E): the cursor moves past it
 * and it is released, delivering nothing (the record was never committed; with a batch, the
 * records after the last one committed). To keep that knowledge, a slot whose previous holder
 * may hold a claim the consumer has not passed (intent below head and intent_end beyond tail)
 * is not taken by a new producer (it takes another, or EBUSY when none is left), and a producer
 * that has to wait for room clears its intent first: the consumer, stuck on a claim whose
 * claimer died, would otherwise take this stale intent for a live claimer and wait for it,
 * while it waits for the consumer. A producer that closes while it holds a reservation leaves
 * its claim to be stepped over likewise.
 *
 * Waiting and waking. The consumer waits as the point-to-point consumer does, but on the futex
 * word of the seq at its cursor (its low 32 bits), which is what changes when the record there
 * is committed: it notes its cursor (consumer_at), raises consumer_sleeping, runs the sleeper's
 * barrier (lipc__ring_sleeper_barrier()), looks once more, and sleeps; a producer stores the
 * seq, runs the waker's barrier and, when the flag is up and consumer_at is its record, wakes
 * that word (Dekker's pattern, as in ring.c's Waking). Only that producer: the others' commits
 * while the consumer wakes up would each cost a futex call for nothing. A producer that closes
 * wakes the consumer wherever it sleeps (it then looks for the end). Producers wait for room on
 * the futex word of tail: each counts itself in producer_sleeping (the producer line holds a
 * count here, not a flag) and in sleeps, runs the sleeper's barrier and looks at tail once
 * more; the consumer's release stores tail, runs the waker's barrier and, when the count is not
 * 0, wakes them all, once for the sleeps counted so far. A producer killed while it sleeps
 * leaves its count: the slot's "sleeping" flag lets whoever finds it dead take it back. Light
 * and heavy barriers, the sleeps in short slices when the barrier is missing, and the check
 * intervals (10 ms backing off to 250 ms) are ring.c's; a stale seq whose low word is the one
 * the commit will store (a lap 2^32 bytes ago, or a stale word that spells position + 1 under
 * another tag) would hide the change from the futex, so the consumer then sleeps in short
 * slices too. The producer's clearing of the seq (before its tag) is a change too: a consumer
 * whose futex call comes after it returns at once and sleeps on 0, which the commit changes
 * (position + 1 is odd) before it wakes.
 *
 * The end. Each slot's state word holds the generation its producer took (producer_gen counts
 * attaches) and whether it is attached, closed cleanly, or reaped (found dead, by the consumer
 * at a check interval, or by the producer that takes the slot next: a compare-and-swap, so a
 * death is counted once); this file's line in the header page counts clean closes and deaths.
 * attaches - closes - deaths is how many producers may be attached, read in that order
 * (deaths and closes before attaches, so that a count read is never too low). When it is 0,
 * every claimed record has been read and a producer came since the last end was reported (or
 * was attached when the consumer attached, or left records it read), the consumer reports the
 * end: 0, or ECONNRESET when a producer died since the last end. It then waits for new
 * producers. A new consumer starts at tail: records a dead consumer peeked and did not release
 * are delivered again.
 *
 * A hostile writer (whoever may write the ring) can do what it can to a point-to-point ring:
 * read or forge records, stall either side, fake an end. Here it can also write the slots: a
 * forged intent makes the consumer wait (a live slot) or step over records (a dead one), a
 * forged state or count fakes or hides an end or a death, a slot kept "pending" is never
 * reused. Every value read from the shared memory is checked before it is used as a position
 * or a length (aligned, within one capacity of the consumer's cursor, not past head), so it
 * cannot make us touch memory outside the ring or loop for ever: a corrupt ring is EPROTO or
 * EBADMSG.
 *
 * The doorbell (ring.c's The doorbell, for a consumer in a poll). Arming names the position the
 * consumer waits for (bell_at, on this file's line) before the flag, and is done again at every
 * quiet call, since the cursor moves; the producer of that very record rings, after its commit
 * and the waker's barrier, as it wakes a futex sleeper; the last producer to close rings too. A
 * death cannot ring: while producers are attached or a claim is pending, due() asks ring.c for a
 * timer at the check interval, after which the receive tests the slots' locks (a hostile slot
 * can make that a wake-up every check interval, no more).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "ring_impl.h"

#define NONE UINT64_MAX /* no intent, no claim */

/* A slot's status, in the low bits of its state word; its generation is in the high 32. */
enum {
	SLOT_FREE = 0,
	SLOT_ATTACHED = 1,
	SLOT_CLOSED = 2,
	SLOT_REAPED = 3
};
#define STATUS(st) ((unsigned)((st)&3))
#define GEN(st)	   ((uint32_t)((st) >> 32))

/* A producer's slot: written by its producer, read by the consumer and the slot's next holder. */
struct multi_slot {
	_Atomic uint64_t intent;     /* start of the claim attempted or held (NONE: none) */
	_Atomic uint64_t intent_end; /* its end */
	_Atomic uint64_t claimed;    /* == intent once the compare-and-swap succeeded */
	_Atomic uint64_t state;	     /* generation << 32 | status */
	_Atomic int32_t pid;	     /* for a reader of the ring (its producer's pid) */
	_Atomic uint32_t sleeping;   /* counted in producer_sleeping */
	char pad[LINE - 40];
};

_Static_assert(sizeof(struct multi_slot) == LINE, "a slot is one LINE");

/*
 * The counts of ends, and where the consumer sleeps, on a line of their own in the header page
 * (after struct ring_shared): written rarely, read by producers only while the consumer sleeps.
 */
#define MULTI_AT 2048
struct multi_shared {
	_Atomic uint32_t closes;      /* producers that detached cleanly */
	_Atomic uint32_t deaths;      /* producers found dead */
	_Atomic uint64_t consumer_at; /* the position whose seq the consumer sleeps on */
	_Atomic uint32_t sleeps;      /* how many times producers went to sleep for room */
	_Atomic uint64_t bell_at;     /* the position whose commit rings the doorbell */
};

_Static_assert(sizeof(struct ring_shared) <= MULTI_AT &&
		       MULTI_AT + sizeof(struct multi_shared) <= DATA_OFFSET,
	       "the counts fit the header page, after the header");

static struct multi_slot *slot(const struct lipc_ring *r, unsigned i)
{
	return slot_at(r, i);
}

static struct multi_shared *counts(const struct lipc_ring *r)
{
	return (struct multi_shared *)(void *)((unsigned char *)r->sh + MULTI_AT);
}

/* The bytes a record of len bytes takes at position p, with its wrap marker. */
static uint64_t need_at(const struct lipc_ring *r, uint64_t p, size_t len)
{
	uint64_t rec = record_size(len), idx = p & r->mask;

	return idx + rec > r->cap ? r->cap - idx + rec : rec;
}

/*
 * Consumer: is the record (or wrap marker) at position at committed? Its tag, then its seq
 * (ring_impl.h's tagged_ready(); see The headers a producer lays out): a stale seq word that spells
 * at + 1 has the tag of an earlier lap's position. The seq pairs with its release in publish(); the
 * length and the bytes are then visible. record_ready() (ring_impl.h) stays the point-to-point
 * ring's, whose producer clears the next seq instead.
 */
static bool ready_at(const struct lipc_ring *r, uint64_t at)
{
	return tagged_ready(r, at, at + 1);
}

/* Consumer: is the record at the cursor (after those held) committed? */
static bool ready(struct lipc_ring *r)
{
	return ready_at(r, r->pos + r->held);
}

/*
 * Whoever finds the producer of slot i dead (its lock free: the consumer, or the producer that
 * took the lock) counts the death, once: the compare-and-swap of the state word decides, and
 * its winner takes back the count of sleepers the dead one left.
 */
static void reap(struct lipc_ring *r, unsigned i, uint64_t st)
{
	struct multi_slot *s = slot(r, i);

	if (!atomic_compare_exchange_strong_explicit(&s->state, &st,
						     (st & ~(uint64_t)3) | SLOT_REAPED,
						     memory_order_acq_rel, memory_order_relaxed))
		return;
	atomic_fetch_add_explicit(&counts(r)->deaths, 1, memory_order_seq_cst);
	if (atomic_exchange_explicit(&s->sleeping, 0, memory_order_relaxed))
		atomic_fetch_sub_explicit(&r->sh->producer_sleeping, 1, memory_order_relaxed);
}

/* Consumer: count the producers that died (their slot attached, its lock free). */
static void reap_dead(struct lipc_ring *r)
{
	for (unsigned i = 0; i < LIPC_RING_SLOTS; i++) {
		/* Acquire: pairs with the release store of an attaching producer. */
		uint64_t st = atomic_load_explicit(&slot(r, i)->state, memory_order_acquire);

		if (STATUS(st) == SLOT_ATTACHED && !lipc__ring_byte_locked(r->fd, SLOT_LOCK(i)))
			reap(r, i, st);
	}
}

/* Release the lock byte at off (a slot we took and do not keep). */
static void unlock_byte(int fd, off_t off)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = off, .l_len = 1 };
	int err = errno;

	(void)fcntl(fd, F_OFD_SETLK, &fl);
	errno = err;
}

/*
 * May the slot's previous holder have a claim the consumer has not passed? Its intent below head
 * (claimed by someone: perhaps by it) and its end beyond tail. The consumer needs the slot as it
 * is to step over that claim (see The dead claimer).
 */
static bool claim_pending(const struct lipc_ring *r, unsigned i)
{
	struct multi_slot *s = slot(r, i);
	uint64_t intent = atomic_load_explicit(&s->intent, memory_order_acquire);
	uint64_t end = atomic_load_explicit(&s->intent_end, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->sh->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&r->sh->tail, memory_order_acquire);

	return intent != NONE && (int64_t)(head - intent) > 0 && (int64_t)(end - tail) > 0;
}

/*
 * Producer: the first free slot whose previous holder left no claim the consumer still needs, its
 * lock taken; -1 with EBUSY when there is none. Not lipc__ring_take_slot(), which always starts
 * at slot 0: a slot we looked at and left is free again, and an OFD lock is no obstacle to its
 * own description, so it would come back at once.
 */
static int take_slot(struct lipc_ring *r)
{
	bool kept = false;

	for (unsigned i = 0; i < LIPC_RING_SLOTS; i++) {
		uint64_t st;

		if (lipc__ring_lock_byte(r, SLOT_LOCK(i)) < 0) {
			if (errno != EBUSY)
				return -1;
			continue;
		}
		/* We hold its lock: its previous holder, if attached, is dead. */
		st = atomic_load_explicit(&slot(r, i)->state, memory_order_acquire);
		if (STATUS(st) == SLOT_ATTACHED)
			reap(r, i, st);
		if (!claim_pending(r, i))
			return (int)i;
		unlock_byte(r->fd, SLOT_LOCK(i));
		kept = true;
	}
	if (kept)
		return lipc__fail_why(EBUSY,
				      "the free producer slots of the ring hold claims of dead "
				      "producers that the consumer has not passed yet");
	return lipc__fail_why(EBUSY, "all %d producer slots of the ring are taken",
			      LIPC_RING_SLOTS);
}

static int producer_attach(struct lipc_ring *r)
{
	const struct ring_tuning *t = lipc__ring_tuned();
	struct ring_shared *sh = r->sh;
	uint64_t head, tail;
	struct multi_slot *s;
	uint32_t gen;
	int i = take_slot(r);

	if (i < 0)
		return -1;
	tail = atomic_load_explicit(&sh->tail, memory_order_acquire);
	head = atomic_load_explicit(&sh->head, memory_order_acquire);
	if ((head | tail) % REC_HDR || head - tail > r->cap) {
		errno = EPROTO;
		return -1;
	}
	r->slot = (unsigned)i;
	r->peer = tail;
	r->held = 0;
	s = slot(r, r->slot);
	/* The slot as new before we count in: nothing of its previous holder may read as ours. */
	atomic_store_explicit(&s->intent, NONE, memory_order_relaxed);
	atomic_store_explicit(&s->intent_end, 0, memory_order_relaxed);
	atomic_store_explicit(&s->claimed, NONE, memory_order_relaxed);
	atomic_store_explicit(&s->sleeping, 0, memory_order_relaxed);
	atomic_store_explicit(&s->pid, (int32_t)getpid(), memory_order_relaxed);
	/* Before our first wake-up skips its fence: sticky, any light producer makes it so. */
	if (t->light)
		atomic_fetch_or_explicit(&sh->producer_light, 1, memory_order_seq_cst);
	gen = atomic_fetch_add_explicit(&sh->producer_gen, 1, memory_order_seq_cst) + 1;
	/* Release: pairs with the acquire of reap_dead(); the fields above come first. */
	atomic_store_explicit(&s->state, (uint64_t)gen << 32 | SLOT_ATTACHED, memory_order_release);
	/*
	 * A consumer waiting in poll() with no producer left to watch: woken once, it watches us
	 * (by the clock: see due()). seq_cst: after our count, as its arming is before its look.
	 */
	if (atomic_load_explicit(&sh->consumer_bell, memory_order_seq_cst))
		lipc__ring_bell_take(r, &sh->consumer_bell, &sh->bell_token);
	return 0;
}

static int consumer_attach(struct lipc_ring *r)
{
	const struct ring_tuning *t = lipc__ring_tuned();
	struct ring_shared *sh = r->sh;
	uint32_t closes, deaths, gen;
	uint64_t head;

	if (lipc__ring_lock_byte(r, LOCK_CONSUMER) < 0)
		return -1;
	atomic_store_explicit(&sh->consumer_light, t->light, memory_order_seq_cst);
	/* A consumer killed in its sleep left its flag up: producers would wake nobody. */
	atomic_store_explicit(&sh->consumer_sleeping, 0, memory_order_relaxed);
	/* Start where the last consumer released: what it peeked and kept comes again. */
	r->pos = atomic_load_explicit(&sh->tail, memory_order_acquire);
	head = atomic_load_explicit(&sh->head, memory_order_acquire);
	if ((head | r->pos) % REC_HDR || head - r->pos > r->cap) {
		errno = EPROTO;
		return -1;
	}
	r->held = 0;
	r->held_n = 0;
	/* Deaths before we came are none of ours: counted now, not reported. */
	reap_dead(r);
	closes = atomic_load_explicit(&counts(r)->closes, memory_order_acquire);
	deaths = atomic_load_explicit(&counts(r)->deaths, memory_order_acquire);
	gen = atomic_load_explicit(&sh->producer_gen, memory_order_acquire);
	/* Producers attached now are ours: their end is reported; with none, we wait for one. */
	r->ended = gen - closes - deaths == 0;
	r->ended_gen = gen;
	r->multi_deaths = deaths;
	atomic_fetch_add_explicit(&sh->consumer_gen, 1, memory_order_seq_cst);
	return 0;
}

static int attach(struct lipc_ring *r, bool created)
{
	(void)created;
	r->check_ms = r->check_first_ms;
	return r->role == LIPC_SEND ? producer_attach(r) : consumer_attach(r);
}

/*
 * How many producers may be attached: attaches less clean closes and deaths, read in that order
 * (deaths and closes first, so that the count read is never too low; see The end).
 */
static uint32_t attached(const struct lipc_ring *r)
{
	uint32_t closes = atomic_load_explicit(&counts(r)->closes, memory_order_acquire);
	uint32_t deaths = atomic_load_explicit(&counts(r)->deaths, memory_order_acquire);

	return atomic_load_explicit(&r->sh->producer_gen, memory_order_acquire) - closes - deaths;
}

/*
 * After publishing the record at pos: wake the consumer if it sleeps on that record (after the
 * waker's barrier, see Waiting and waking). Only the producer of the record it waits for wakes
 * it: the others' commits, while it wakes up, would each cost a futex call for nothing (a
 * storm that halved a single producer's rate). Acquire: pairs with the consumer's store of its
 * flag, which follows its store of consumer_at. any: a closing producer wakes it wherever it
 * sleeps.
 */
static void wake_consumer(struct lipc_ring *r, uint64_t pos, bool any)
{
	struct ring_shared *sh = r->sh;

	lipc__ring_waker_barrier();
	if (atomic_load_explicit(&sh->consumer_sleeping, memory_order_acquire)) {
		uint64_t at = atomic_load_explicit(&counts(r)->consumer_at, memory_order_relaxed);

		if (at == pos || any)
			futex_wake(&rec_at(r, at)->seq);
	}
	/* The doorbell likewise (see due()): for the record it waits for only. */
	if (!any && atomic_load_explicit(&sh->consumer_bell, memory_order_acquire) &&
	    atomic_load_explicit(&counts(r)->bell_at, memory_order_relaxed) == pos)
		lipc__ring_bell_take(r, &sh->consumer_bell, &sh->bell_token);
}

static void detach(struct lipc_ring *r)
{
	if (r->role == LIPC_SEND) {
		struct multi_slot *s = slot(r, r->slot);
		uint64_t st = atomic_load_explicit(&s->state, memory_order_relaxed);

		/* A reservation not committed stays a claim, which the consumer steps over. */
		if (!r->held)
			atomic_store_explicit(&s->intent, NONE, memory_order_release);
		if (STATUS(st) == SLOT_ATTACHED &&
		    atomic_compare_exchange_strong_explicit(
			    &s->state, &st, (st & ~(uint64_t)3) | SLOT_CLOSED, memory_order_acq_rel,
			    memory_order_relaxed))
			atomic_fetch_add_explicit(&counts(r)->closes, 1, memory_order_seq_cst);
		/* A sleeping consumer, woken, looks for the end (or steps over our claim). */
		wake_consumer(r, 0, true);
		/* Its doorbell, when we were the last: the end is due (a claim left: see due()). */
		if (atomic_load_explicit(&r->sh->consumer_bell, memory_order_acquire) &&
		    attached(r) == 0)
			lipc__ring_bell_take(r, &r->sh->consumer_bell, &r->sh->bell_token);
	}
	/* The consumer's lock goes with its descriptor; what it held comes again to the next. */
}

/* Producer: has a consumer that was attached gone (its lock free)? A system call. */
static bool consumer_gone(struct lipc_ring *r)
{
	return atomic_load_explicit(&r->sh->consumer_gen, memory_order_acquire) &&
	       !lipc__ring_byte_locked(r->fd, LOCK_CONSUMER);
}

/*
 * Spin for the budget (ring.c's Waking: as long as a futex sleep and wake-up costs here), or,
 * busy-polling (LIPC_RING_SPIN), for a round of 2^20 pauses; true as soon as done(r) is.
 */
static bool spin(struct lipc_ring *r, bool (*done)(struct lipc_ring *r))
{
	uint64_t start = 0;

	for (unsigned long i = 1; i <= 0x100000; i++) {
		if (done(r))
			return true;
		lipc__cpu_relax();
		/* The clock is read every 16 pauses, from the 16th: a hand-off at once reads none.
		 */
		if (r->spin_only || (i & 15))
			continue;
		if (i == 16)
			start = now_ns();
		else if (now_ns() - start >= (uint64_t)r->spin_ns)
			break;
	}
	return false;
}

/* Producer: has tail moved from r->peer? Acquire: pairs with the consumer's release of tail. */
static bool tail_moved(struct lipc_ring *r)
{
	return atomic_load_explicit(&r->sh->tail, memory_order_acquire) != r->peer;
}

/*
 * Producer: wait for tail to move from r->peer (room). Returns 0 when it moved (the caller reads
 * it), -1 with errno (EAGAIN, ETIMEDOUT, EPIPE, EPROTO).
 */
static int wait_room(struct lipc_ring *r, struct lipc__deadline *d, bool *started, int timeout_ms)
{
	struct ring_shared *sh = r->sh;
	struct multi_slot *s = slot(r, r->slot);
	uint64_t seen = r->peer;
	int slept_ms = 0;
	bool test = timeout_ms == 0;

	/*
	 * Our intent goes before we wait: after a compare-and-swap that failed, it may name the
	 * claim of a dead claimer, for which the consumer would wait on us while we wait on it.
	 */
	atomic_store_explicit(&s->intent, NONE, memory_order_relaxed);
	if (!*started) {
		lipc__deadline_start(d, timeout_ms);
		*started = true;
	}
	for (bool spun = false;;) {
		int left = lipc__remaining_ms(d), chunk = 0, err = 0;
		bool brief, moved;

		if (lipc__ring_guard_failed(r) < 0)
			return -1;
		if (test && consumer_gone(r)) {
			errno = EPIPE;
			return -1;
		}
		test = false;
		if (timeout_ms == 0) {
			errno = EAGAIN;
			return -1;
		}
		if (r->spin_only || !spun) {
			spun = true;
			if (spin(r, tail_moved))
				break;
			if (r->spin_only) {
				if (lipc__remaining_ms(d) == 0)
					return lipc__timed_out(timeout_ms);
				test = true;
				continue;
			}
		}
		/*
		 * Count ourselves in, then look at tail once more: the consumer stores tail, then
		 * reads the count (publish_tail()). The flag in our slot lets whoever finds us
		 * dead take our count back.
		 */
		atomic_fetch_add_explicit(&sh->producer_sleeping, 1, memory_order_seq_cst);
		atomic_store_explicit(&s->sleeping, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&counts(r)->sleeps, 1, memory_order_seq_cst);
		brief = !lipc__ring_sleeper_barrier() &&
			atomic_load_explicit(&sh->consumer_light, memory_order_relaxed);
		moved = atomic_load_explicit(&sh->tail, memory_order_seq_cst) != seen;
		if (!moved && left != 0) {
			chunk = left < 0 || left > r->check_ms ? r->check_ms : left;
			if (brief && chunk > LIGHT_FALLBACK_MS)
				chunk = LIGHT_FALLBACK_MS;
			if (futex_wait(&sh->tail, (uint32_t)seen, chunk) < 0)
				err = errno;
		}
		if (atomic_exchange_explicit(&s->sleeping, 0, memory_order_relaxed))
			atomic_fetch_sub_explicit(&sh->producer_sleeping, 1, memory_order_relaxed);
		if (moved)
			break;
		if (left == 0)
			return lipc__timed_out(timeout_ms);
		if (err == 0 || err == EAGAIN || err == EINTR)
			continue; /* woken: look at tail again */
		if (err != ETIMEDOUT) {
			errno = err;
			lipc__ring_guard_failed(r); /* a truncation is EPROTO, not EFAULT */
			return -1;
		}
		if (check_due(r, chunk, &slept_ms))
			test = true; /* a whole check interval slept: test the consumer's lock */
	}
	r->check_ms = r->check_first_ms;
	return 0;
}

/*
 * How many of recs[0..n) fit from position c in room bytes, laid out as the consumer reads them;
 * *end is where they end.
 */
static size_t layout(const struct lipc_ring *r, const struct iovec *recs, size_t n, uint64_t c,
		     uint64_t room, uint64_t *end)
{
	uint64_t p = c;
	size_t k;

	for (k = 0; k < n; k++) {
		uint64_t need = need_at(r, p, recs[k].iov_len);

		if (p + need - c > room)
			break;
		p += need;
	}
	*end = p;
	return k;
}

/*
 * Producer: claim the space of the first records of recs[0..n) (each at most max_record), as
 * many as fit, at least one, waiting for room. Returns how many, with the claim [*start, *end),
 * or -1 with errno.
 */
static int claim(struct lipc_ring *r, const struct iovec *recs, size_t n, struct lipc__deadline *d,
		 bool *started, int timeout_ms, uint64_t *start, uint64_t *end)
{
	struct ring_shared *sh = r->sh;
	struct multi_slot *s = slot(r, r->slot);
	uint64_t c, used;
	size_t k;

	for (;;) {
		/* Relaxed: the compare-and-swap below checks that it still holds. */
		c = atomic_load_explicit(&sh->head, memory_order_relaxed);
		/*
		 * r->peer was read before c: tail never passes head, so a c behind it, or not on
		 * a record boundary, is corrupt. Ahead by more than a capacity: tail moved since.
		 */
		if (c % REC_HDR || (int64_t)(c - r->peer) < 0)
			return lipc__ring_corrupt(r, EPROTO);
		used = c - r->peer;
		k = used <= r->cap ? layout(r, recs, n, c, r->cap - used, end) : 0;
		if (k == 0) {
			/* Full as far as our copy of tail says: read it (after c). */
			uint64_t t = atomic_load_explicit(&sh->tail, memory_order_acquire);

			if (t % REC_HDR)
				return lipc__ring_corrupt(r, EPROTO);
			if ((int64_t)(c - t) < 0) {
				r->peer = t; /* c was stale: read head again, after it */
				continue;
			}
			if (c - t > r->cap)
				return lipc__ring_corrupt(r, EPROTO);
			if (t != r->peer) {
				r->peer = t;
				continue;
			}
			if (wait_room(r, d, started, timeout_ms) < 0)
				return -1;
			continue;
		}
		/*
		 * Our intent, then the claim: intent first, then its end. The other order would
		 * leave, for an instant, our last claim's start (== claimed) with this attempt's
		 * end, and a producer that died then would be taken for the owner of a claim that
		 * large. This way a death between the two leaves an empty range [c, old end).
		 * Relaxed: the compare-and-swap's release publishes both to a consumer that reads
		 * head past c (acquire); a slot's values matter to it only once its producer is
		 * dead, when they no longer change.
		 */
		atomic_store_explicit(&s->intent, c, memory_order_relaxed);
		atomic_store_explicit(&s->intent_end, *end, memory_order_relaxed);
		if (atomic_compare_exchange_weak_explicit(&sh->head, &c, *end, memory_order_seq_cst,
							  memory_order_relaxed))
			break;
	}
	/* Release: a reader that sees it sees our intent (see The dead claimer). */
	atomic_store_explicit(&s->claimed, c, memory_order_release);
	*start = c;
	return (int)k;
}

/*
 * The headers a producer lays out (reserve(), put_records()): ring_impl.h's lay_headers(), inside
 * our claim, seq 0, a release fence, then the tag and the length. Why the tags: a seq word keeps
 * what was last written there, often the seq of a header a lap or more back whose low bytes the end
 * of a later lap's payload overwrote (a payload ends where its length says; the padding after it is
 * never written). Positions differ only in their high bits, so that mixture can spell the position
 * + 1 of the very record about to land there, and the consumer took a record nobody wrote (a
 * phantom, EBADMSG, or bytes not written yet). ring.c's single producer clears the seq of the
 * header after each record (clear_next()); here the position after a record may be another
 * producer's claim, already committed. So each header carries its tag (its position, see tag_of())
 * and the consumer checks both (ready_at()): stale bytes would have to hold the right tag and the
 * right seq. We write only inside our claim, so no other producer writes these headers. The seq is
 * cleared before the tag, with a fence between (ring_impl.h's lay_headers()): a consumer that sees
 * our tag sees 0 or our commit, never the stale word. publish()'s release of each seq publishes the
 * rest.
 */

static void *reserve(struct lipc_ring *r, size_t len, int timeout_ms)
{
	struct iovec one = { .iov_len = len };
	struct lipc__deadline d;
	bool started = false;
	uint64_t c, end, at;

	if (r->held) {
		errno = EINVAL;
		return NULL;
	}
	if (len > r->max_record) {
		errno = EMSGSIZE;
		return NULL;
	}
	if (claim(r, &one, 1, &d, &started, timeout_ms, &c, &end) < 0)
		return NULL;
	at = end - record_size(len);
	lay_headers(r, c, at, (uint32_t)len);
	r->pos = c;
	r->held = end - c;
	r->held_len = (uint32_t)len;
	return (unsigned char *)rec_at(r, at) + REC_HDR;
}

/* Publish the record at at, then its marker at c when it has one; each release pairs with the
 * consumer's acquire of the same seq (ready_at()). */
static void publish(struct lipc_ring *r, uint64_t c, uint64_t at)
{
	atomic_store_explicit(&rec_at(r, at)->seq, at + 1, memory_order_release);
	if (at != c)
		atomic_store_explicit(&rec_at(r, c)->seq, c + 1, memory_order_release);
	wake_consumer(r, c, false);
}

static int commit(struct lipc_ring *r)
{
	if (!r->held) {
		errno = EINVAL;
		return -1;
	}
	publish(r, r->pos, r->pos + r->held - record_size(r->held_len));
	r->held = 0;
	/* The record went to zeros if the ring was truncated since the reserve. */
	return r->careful && lipc__ring_guard_failed(r) < 0 ? -1 : 0;
}

/* Write recs[0..k) into the claim from c, committing each as it is written. */
static void put_records(struct lipc_ring *r, const struct iovec *recs, size_t k, uint64_t c)
{
	for (size_t i = 0; i < k; i++) {
		size_t len = recs[i].iov_len;
		uint64_t need = need_at(r, c, len), at = c + need - record_size(len);
		struct rec_hdr *h = rec_at(r, at);

		lay_headers(r, c, at, (uint32_t)len);
		if (len)
			memcpy((unsigned char *)h + REC_HDR, recs[i].iov_base, len);
		/* Each record wakes the consumer that sleeps on it, as commit does. */
		publish(r, c, at);
		c += need;
	}
}

static int push_many(struct lipc_ring *r, const struct iovec *recs, size_t n, int timeout_ms)
{
	struct lipc__deadline d;
	bool started = false;
	size_t done = 0, m;

	if (r->held) {
		errno = EINVAL;
		return -1;
	}
	if (n > INT_MAX)
		n = INT_MAX; /* the count must fit the return value */
	for (m = 0; m < n && recs[m].iov_len <= r->max_record; m++)
		;
	while (done < m) {
		uint64_t c, end;
		int k = claim(r, recs + done, m - done, &d, &started, timeout_ms, &c, &end);

		if (k < 0)
			break;
		put_records(r, recs + done, (size_t)k, c);
		done += (size_t)k;
	}
	if (r->careful && lipc__ring_guard_failed(r) < 0)
		return -1;
	if (done == 0 && n) {
		if (m == 0)
			errno = EMSGSIZE;
		return -1;
	}
	return (int)done;
}

static int push(struct lipc_ring *r, const void *data, size_t len, int timeout_ms)
{
	struct iovec one = { .iov_base = (void *)(uintptr_t)data, .iov_len = len };

	if (r->held) {
		errno = EINVAL;
		return -1;
	}
	return push_many(r, &one, 1, timeout_ms) < 0 ? -1 : 0;
}

/* Consumer: the cursor, after the records held. */
static uint64_t cursor(const struct lipc_ring *r)
{
	return r->pos + r->held;
}

/*
 * Consumer: store tail for the producers, and wake those that sleep for room: all of them, since
 * any move of tail is what each waits for, and once only for the sleeps counted so far. Waking
 * again at every release while they wake up (tens of microseconds) was a storm of futex calls
 * that cost the consumer most of its time; a producer that goes to sleep later counts its sleep
 * before its last look at tail, so the consumer sees it (Dekker's pattern again) or it sees tail.
 */
static void publish_tail(struct lipc_ring *r)
{
	struct ring_shared *sh = r->sh;

	/* Release: pairs with a producer's acquire of tail; we are done with the bytes. */
	atomic_store_explicit(&sh->tail, r->pos, memory_order_release);
	lipc__ring_waker_barrier();
	if (atomic_load_explicit(&sh->producer_sleeping, memory_order_relaxed)) {
		uint32_t sleeps = atomic_load_explicit(&counts(r)->sleeps, memory_order_relaxed);

		if (sleeps != r->multi_woke) {
			r->multi_woke = sleeps;
			lipc__futex_wake(futex_word(&sh->tail), INT_MAX);
		}
	}
}

/* Consumer: the claim [cursor, e) delivers nothing: pass it (released at once unless held). */
static void step_over(struct lipc_ring *r, uint64_t e)
{
	r->held += e - cursor(r);
	if (r->held_n == 0) {
		r->pos += r->held;
		r->held = 0;
		publish_tail(r);
	}
}

/* Is position e where the chain of claims goes on (see The dead claimer)? */
static bool chain_continues(const struct lipc_ring *r, uint64_t e, uint64_t head)
{
	if (e == head || ready_at(r, e))
		return true;
	for (unsigned i = 0; i < LIPC_RING_SLOTS; i++)
		if (atomic_load_explicit(&slot(r, i)->intent, memory_order_acquire) == e)
			return true;
	return false;
}

/*
 * Consumer: the record at the cursor is claimed (head is past it) and not ready. If its claimer
 * is dead, step over its claim (see The dead claimer). Returns 1 when it stepped, 0 when it must
 * wait, -1 with errno (EPROTO) for slots that cannot be.
 */
static int step_over_dead(struct lipc_ring *r, uint64_t head)
{
	uint64_t at = cursor(r), owner = NONE, cand[LIPC_RING_SLOTS], best = NONE;
	unsigned n = 0;

	for (unsigned i = 0; i < LIPC_RING_SLOTS; i++) {
		struct multi_slot *s = slot(r, i);
		/* Relaxed: published by the claim's compare-and-swap, which our head came after. */
		uint64_t intent = atomic_load_explicit(&s->intent, memory_order_relaxed);
		uint64_t end = atomic_load_explicit(&s->intent_end, memory_order_relaxed);

		/* No claim, or not one that holds the cursor (an empty range holds nothing). */
		if (intent == NONE || (int64_t)(at - intent) < 0 || (int64_t)(end - at) <= 0)
			continue;
		if (lipc__ring_byte_locked(r->fd, SLOT_LOCK(i)))
			return 0; /* alive: the claimer, or about to try again elsewhere */
		if (atomic_load_explicit(&s->claimed, memory_order_acquire) == intent) {
			/* Its claim, by its compare-and-swap: claims do not overlap. */
			if (owner != NONE && owner != end)
				return lipc__ring_corrupt(r, EPROTO);
			owner = end;
		} else if (intent == at) {
			cand[n++] = end;
		}
	}
	if (owner != NONE) {
		/* A claim ends past its start, on a record boundary, not past head. */
		if (owner % REC_HDR || (int64_t)(head - owner) < 0)
			return lipc__ring_corrupt(r, EPROTO);
		step_over(r, owner);
		return 1;
	}
	for (unsigned k = 0; k < n; k++) {
		uint64_t e = cand[k];

		if (e % REC_HDR || (int64_t)(head - e) < 0 || e >= best)
			continue; /* not a claim that can have been made */
		if (n == 1 || chain_continues(r, e, head))
			best = e;
	}
	if (best == NONE)
		return 0; /* nobody known: look again at the next interval */
	step_over(r, best);
	return 1;
}

/*
 * Consumer, at the cursor with nothing ready and nothing claimed past it: the end of the stream?
 * Returns 0 (the end), -1 with ECONNRESET (the end, and a producer died since the last end), 1
 * when a record came meanwhile, 2 when not (wait). The counts are read before head and the
 * record (acquire): a producer's last records come before its close is seen.
 */
static int stream_end(struct lipc_ring *r, bool test)
{
	struct ring_shared *sh = r->sh;
	uint32_t closes, deaths, gen;
	uint64_t head;

	if (test)
		reap_dead(r);
	closes = atomic_load_explicit(&counts(r)->closes, memory_order_acquire);
	deaths = atomic_load_explicit(&counts(r)->deaths, memory_order_acquire);
	gen = atomic_load_explicit(&sh->producer_gen, memory_order_acquire);
	/*
	 * Producers counted when we attached are ours too once we read their records: our lock
	 * is taken before the counts are read, and a slow consumer (under valgrind, say) can read
	 * them after those producers came, wrote and left, and wait for their end for ever.
	 */
	if (gen - closes - deaths != 0 || (r->ended && gen == r->ended_gen && !r->consumed))
		return 2;
	head = atomic_load_explicit(&sh->head, memory_order_acquire);
	if (head != cursor(r) || ready(r))
		return 1;
	r->ended = true;
	r->ended_gen = gen;
	r->consumed = false;
	if (deaths != r->multi_deaths) {
		r->multi_deaths = deaths;
		errno = ECONNRESET;
		return -1;
	}
	return 0;
}

/*
 * Consumer: one look at the ring. Returns 1 when the record at the cursor is ready (or may be:
 * look again), 0 at the end, -1 with errno, 2 when there is nothing to do but wait. test: the
 * tests that cost system calls too (the locks of the slots).
 */
static int look(struct lipc_ring *r, bool test)
{
	uint64_t head;
	int ret;

	if (ready(r))
		return 1;
	/* Acquire: pairs with the producers' compare-and-swap (their intents come with it). */
	head = atomic_load_explicit(&r->sh->head, memory_order_acquire);
	if (head % REC_HDR || head - r->pos > r->cap || head - r->pos < r->held)
		return lipc__ring_corrupt(r, EPROTO);
	if (head != cursor(r)) {
		if (ready(r))
			return 1;
		if (!test)
			return 2;
		ret = step_over_dead(r, head);
		return ret == 0 ? 2 : ret;
	}
	return stream_end(r, test);
}

/*
 * Consumer: wait for the record at the cursor. Returns 1 when it is ready, 0 at the end of the
 * stream, -1 with errno.
 */
static int wait_record(struct lipc_ring *r, int timeout_ms)
{
	struct ring_shared *sh = r->sh;
	struct lipc__deadline d;
	bool test = timeout_ms == 0, started = false, spun = false;
	int slept_ms = 0;

	for (;;) {
		int ret, left, chunk;
		uint64_t at, seen;
		bool brief, is_ready;

		/*
		 * Spin first, on the record's header alone: head is the line the producers'
		 * compare-and-swap takes, and a consumer that read it whenever it caught up made
		 * nearly every claim fetch it back (a third of a lone producer's time).
		 */
		if (timeout_ms != 0 && (r->spin_only || !spun)) {
			if (!started) {
				lipc__deadline_start(&d, timeout_ms);
				started = true;
			}
			spun = true;
			if (spin(r, ready))
				return 1;
			/* A busy-poller steps over the dead, sees the end, its deadline. */
			if (r->spin_only) {
				if (lipc__remaining_ms(&d) == 0)
					return lipc__timed_out(timeout_ms);
				test = true;
			}
		}
		ret = look(r, test);
		test = false;
		if (ret == 1) {
			if (ready(r))
				return 1;
			continue; /* stepped over a dead claim: look at the next */
		}
		if (ret != 2)
			return ret;
		if (lipc__ring_guard_failed(r) < 0)
			return -1;
		if (timeout_ms == 0) {
			errno = EAGAIN;
			return -1;
		}
		if (r->spin_only)
			continue;
		/*
		 * Raise the flag, then look once more: a producer stores the seq, then reads the
		 * flag (wake_consumer()). Dekker's pattern, ring.c's Waking.
		 */
		atomic_store_explicit(&counts(r)->consumer_at, cursor(r), memory_order_relaxed);
		atomic_store_explicit(&sh->consumer_sleeping, 1, memory_order_seq_cst);
		brief = !lipc__ring_sleeper_barrier() &&
			atomic_load_explicit(&sh->producer_light, memory_order_relaxed);
		ret = look(r, false);
		at = cursor(r);
		/*
		 * The seq after the barrier (Dekker's pattern); at + 1 is ready only with our tag,
		 * which ready_at() reads again before the seq: a commit's seq comes after its tag,
		 * so a seen that is the commit finds the tag; a stale word that spells at + 1 has
		 * another tag, and we sleep on it (in short slices, below). A producer that claims
		 * at stores 0 there first: a futex call on the stale value then returns at once
		 * (EAGAIN), and we sleep on 0, which its commit changes (at + 1 is odd) and wakes.
		 */
		seen = atomic_load_explicit(&rec_at(r, at)->seq, memory_order_seq_cst);
		is_ready = seen == at + 1 && ready_at(r, at);
		left = lipc__remaining_ms(&d);
		if (ret != 2 || is_ready || left == 0) {
			atomic_store_explicit(&sh->consumer_sleeping, 0, memory_order_relaxed);
			if (ret == 0 || ret == -1)
				return ret;
			if (ret == 2 && !is_ready)
				return lipc__timed_out(timeout_ms);
			continue;
		}
		chunk = left < 0 || left > r->check_ms ? r->check_ms : left;
		/*
		 * Short sleeps when a wake-up may be missed: no barrier while the producers skip
		 * their fence, or a stale seq whose low word is the one the commit will store (the
		 * commit may store it and wake before our futex call compares it).
		 */
		if ((brief || (uint32_t)seen == (uint32_t)(at + 1)) && chunk > LIGHT_FALLBACK_MS)
			chunk = LIGHT_FALLBACK_MS;
		ret = futex_wait(&rec_at(r, at)->seq, (uint32_t)seen, chunk);
		atomic_store_explicit(&sh->consumer_sleeping, 0, memory_order_relaxed);
		if (ret == 0 || errno == EAGAIN || errno == EINTR) {
			r->check_ms = r->check_first_ms;
			slept_ms = 0;
			continue;
		}
		if (errno != ETIMEDOUT) {
			lipc__ring_guard_failed(r); /* a truncation is EPROTO, not EFAULT */
			return -1;
		}
		if (check_due(r, chunk, &slept_ms))
			test = true; /* a whole check interval slept: the tests with system calls */
	}
}

/*
 * Consumer: hold the ready record at the cursor (a wrap marker leads to the record at offset 0),
 * read and checked as the point-to-point consumer does (lipc__ring_take_record()). Returns 0, or
 * -1 with EBADMSG. That function checks a marker's record at offset 0 by its seq alone, not its
 * tag: sound here, since we take a marker only once ready_at() found its own tag and seq, and
 * its producer committed the record (release) before the marker's seq, so the acquire of the
 * marker's seq makes the record's committed seq the one we read, not a stale word.
 */
static int take(struct lipc_ring *r, const void **data, size_t *len)
{
	uint64_t at = cursor(r), size, idx;
	uint32_t n;

	if (lipc__ring_take_record(r, at, &size, &n) < 0)
		return -1;
	idx = (at + size - record_size(n)) & r->mask;
	r->held += size;
	r->held_n++;
	r->held_len = n;
	r->consumed = true;
	r->multi_last = idx + REC_HDR;
	*data = r->data + idx + REC_HDR;
	*len = n;
	return 0;
}

static int peek_one(struct lipc_ring *r, const void **data, size_t *len, int timeout_ms)
{
	int ret;

	if (r->held_n) {
		/* The same record again, the last one of a batch. */
		*data = r->data + r->multi_last;
		*len = r->held_len;
		return 1;
	}
	ret = wait_record(r, timeout_ms);
	if (ret <= 0)
		return ret;
	return take(r, data, len) < 0 ? -1 : 1;
}

static int peek(struct lipc_ring *r, const void **data, size_t *len, int timeout_ms)
{
	int ret = peek_one(r, data, len, timeout_ms);

	/* A header read from the zeros of a truncation would be an empty record: not one. */
	if (ret > 0 && r->careful && lipc__ring_guard_failed(r) < 0)
		return -1;
	return ret;
}

static int peek_many(struct lipc_ring *r, struct iovec *recs, size_t n, int timeout_ms)
{
	size_t got = 0;
	int ret;

	if (n == 0) {
		errno = EINVAL; /* 0 would read as the end of the stream */
		return -1;
	}
	if (n > INT_MAX)
		n = INT_MAX;
	ret = wait_record(r, timeout_ms);
	if (ret <= 0)
		return ret;
	/* The first, then those already ready: no read of head, no system call. */
	do {
		const void *data;
		size_t len;

		if (take(r, &data, &len) < 0)
			break; /* its error is kept for the next call */
		recs[got].iov_base = (void *)(uintptr_t)data;
		recs[got].iov_len = len;
		got++;
	} while (got < n && ready(r));
	if (r->careful && lipc__ring_guard_failed(r) < 0)
		return -1;
	return got ? (int)got : -1;
}

static int release(struct lipc_ring *r)
{
	if (!r->held) {
		errno = EINVAL;
		return -1;
	}
	/* Every record held, at once: one store of tail, one wake-up. */
	r->pos += r->held;
	r->held = 0;
	r->held_n = 0;
	publish_tail(r);
	/* A record read may have been zeros if the ring was truncated since the peek. */
	return r->careful && lipc__ring_guard_failed(r) < 0 ? -1 : 0;
}

static int pop(struct lipc_ring *r, void *buf, size_t size, size_t *len, int timeout_ms)
{
	const void *p;
	int ret;

	/* A copy and a release of one record: not of a batch held. */
	if (r->held_n > 1) {
		errno = EINVAL;
		return -1;
	}
	ret = peek_one(r, &p, len, timeout_ms);
	if (ret <= 0)
		return ret;
	if (*len > size) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(buf, p, *len);
	return release(r) < 0 ? -1 : 1;
}

/* ---- The doorbell ---- */

static _Atomic uint32_t *bell_flag(const struct lipc_ring *r)
{
	return &r->sh->consumer_bell;
}

/* The position first, then the flag: a producer that sees the flag sees where we wait. */
static void arm(struct lipc_ring *r)
{
	atomic_store_explicit(&counts(r)->bell_at, cursor(r), memory_order_relaxed);
	atomic_store_explicit(&r->sh->bell_token, r->token, memory_order_relaxed);
	atomic_store_explicit(&r->sh->consumer_bell, 1, memory_order_seq_cst);
}

/*
 * Would the next receive return without waiting? look(), dry. What no producer rings for is a
 * death: a claim at the cursor that will never be committed, or the last producer's end. So
 * while a claim is pending or producers are attached, *watch asks ring.c to look again at the
 * check interval, with test: then a receive steps over a dead claim, or finds a live claimer and
 * says EAGAIN (a spurious wake-up a check interval, backing off to CHECK_MAX_MS).
 */
static bool due(struct lipc_ring *r, bool test, bool *watch)
{
	uint64_t head;
	uint32_t gen;

	if (ready(r))
		return true;
	/* seq_cst: after the barrier of ring.c's arming. */
	head = atomic_load_explicit(&r->sh->head, memory_order_seq_cst);
	if (head % REC_HDR || head - r->pos > r->cap || head - r->pos < r->held)
		return true; /* corrupt: EPROTO */
	if (head != cursor(r)) {
		*watch = true;
		return test;
	}
	if (test)
		reap_dead(r);
	if (attached(r) != 0) {
		*watch = true;
		return false;
	}
	/* The end, unless it was reported and no producer came since (stream_end()). */
	gen = atomic_load_explicit(&r->sh->producer_gen, memory_order_acquire);
	return !(r->ended && gen == r->ended_gen && !r->consumed);
}

const struct ring_ops lipc__ring_multi_ops = {
	.attach = attach,
	.detach = detach,
	.reserve = reserve,
	.commit = commit,
	.push = push,
	.push_many = push_many,
	.peek = peek,
	.peek_many = peek_many,
	.release = release,
	.pop = pop,
	.bell_flag = bell_flag,
	.arm = arm,
	.due = due,
};
