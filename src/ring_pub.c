/* SPDX-License-Identifier: MIT */
/*
 * The ring's publish mode: one producer, up to LIPC_RING_SLOTS consumers, each with a cursor of
 * its own, lossless (LIPC_RING_PUBLISH: the producer waits for the slowest live consumer) or
 * lossy (LIPC_RING_LOSSY: it never waits, and a consumer that falls a capacity behind skips
 * ahead, told exactly how many records it lost). ring.c creates, checks, maps and guards the
 * ring and checks each call's role; this file is the mode's calls (struct ring_ops). The traps:
 * a consumer that dies anywhere must stop holding the producer back, one that attaches must
 * start on a record boundary that the producer will not overwrite under it, and a lossy reader
 * races the writer by design, so what it copies must be proved whole afterwards.
 *
 * Records and their numbers. A record is the point-to-point ring's (a 16-byte header: its
 * length, a tag, its seq; its bytes; a wrap marker before a record that would cross the end),
 * but its seq is its NUMBER plus one, records counted since the ring was made, and its tag the
 * low 32 bits of its position / 16. A wrap marker carries the number of the record after it,
 * which sits at the next offset 0 with the same seq and is published first. A consumer knows
 * the number n of the record it expects next: the record at its cursor is ready when its seq is
 * n + 1 and its tag says its position (stale bytes of an earlier lap carry a smaller number or
 * another position, and a payload that mimics both would have to guess the two; the producer
 * clears a seq before it writes the tag beside it, see start_record()). Numbers are what make
 * a lossy consumer's loss count exact: where it lands, the number says how many went.
 *
 * The shared values. head (bytes published) is stored with release order after each commit or
 * batch, with head_count (the records it counts) stored just before it and head_count_after
 * just after it: a reader that finds both counts equal around its read of head has the pair
 * (one producer writes them; a count names one publication). tail is the producer's oldest
 * record still whole: before it writes [w, w + need) it walks its own records from tail until
 * tail >= w + need - capacity and stores it. Consumers wait on head's futex; a consumer that
 * sleeps sets its slot's bit in sleepers, and the producer, after storing head, issues the
 * waker's barrier and one load of sleepers (a line that changes only when a consumer sleeps)
 * and wakes them all (FUTEX_WAKE INT_MAX) when it is not zero: the producer's cost per record
 * does not grow with the consumers. A bit left by a consumer killed asleep costs the producer a
 * futex call per publication until a consumer takes the slot again and clears it.
 *
 * The cursors. Consumer slot i (struct pub_slot, one LINE) starts with the consumer's cursor,
 * the bytes it released (stored with release order: it is done with them; lipc_ring_lag()
 * reads it), then its active word (gen << 1 | 1 while it counts in the slowest-consumer
 * computation, 0 when it does not), and its pid and wake-up flags. Its lifetime lock is byte
 * SLOT_LOCK(i). Attaching: cursor = head, active, bump the attach counter (consumer_gen) with a
 * full barrier, then read the (head_count, head, head_count_after) pair: the cursor is that
 * head, the number of its record that count. Late joiners start at the head, never inside a
 * record. The producer sees us at its next room check: it reads the attach counter once per
 * record (a line that changes only when a consumer attaches), and a record it writes under an
 * older reading lands at or after the head it had published, which is at or before ours: it
 * computes its room from the slowest cursor and from the head it published, never more than a
 * capacity past either. (Should the producer have died between the two counts, the pair never
 * agrees until a new producer comes: such a consumer learns its number from the first record
 * at its cursor once head has passed it.)
 *
 * The slowest consumer and the dead one (lossless). The producer's room ends a capacity after
 * min(published head, the cursors of the active slots), cached, and recomputed when a reserve
 * needs more or when the attach counter moved. With no consumer the producer never waits
 * (nobody to wait for: the records go to nobody). Waiting for room, it spins, then sets
 * producer_sleeping to the slowest slot's index + 1, issues the sleeper's barrier, looks again
 * and sleeps on that slot's cursor word; a consumer, after storing its cursor, issues the
 * waker's barrier and wakes its own cursor word only when producer_sleeping names its slot. At
 * each check interval (10 ms backing off to 250 ms, as the point-to-point ring) the producer
 * tests the slowest slot's lock: free, its consumer died (or closed), and the producer drops it
 * by a compare-and-swap of its active word from the value it saw to 0; a new consumer in the
 * slot has a new gen, so the swap fails and it stays counted. A consumer's clean close clears
 * its active word itself and wakes the producer if it waits on it.
 *
 * The lossy seqlock and the exact count. A lossy producer never waits: it stores tail, then a
 * release fence, before it writes a record's bytes (the seqlock writer's order), then the seq
 * (release), then head. A consumer copies a record, issues an acquire fence and loads tail: if
 * tail passed the record's position the copy may be torn, and the record is lost. A consumer
 * finds itself lapped when tail passed its cursor (looked at when head has passed the cursor and
 * the record is not ready, when a record is taken or a copy was torn, or when the seq there is
 * larger than expected): it jumps to tail, reads the number there, checks that tail has not
 * moved (seqlock again), and adds the difference of the numbers to r->lost (lipc_ring_lost());
 * that receive fails once with ENOBUFS, and the next returns the oldest record still there
 * (when tail's record is not yet counted in head, it moves there and counts once head passes
 * it). Records held in place (peek, peek_many) are checked again at lipc_ring_release(): if
 * tail passed the first of them, the release fails with ENOBUFS and releases nothing (their
 * lengths may be torn); the next receive jumps as above, so the records overwritten are counted
 * by number and those still whole come again. So every record published after a consumer
 * attached is either delivered whole (a receive, or a release that succeeded) or counted lost:
 * delivered + lost == published, exactly. The racing copy is a data race by design, done in
 * copy_racing(), which ThreadSanitizer does not instrument.
 *
 * The end. A producer's clean close sets producer_closed and wakes the sleepers: each consumer
 * reads what is left, then gets 0. A dead producer is ECONNRESET, found through its lock at the
 * sleeper's check interval, and reported once per producer generation to each consumer that met
 * it (as the point-to-point ring's peer_gone()); then consumers wait for a new producer. A
 * producer never gets EPIPE: consumers come and go. A producer killed between a record's seq
 * and head leaves records past head, which consumers that know their number take at once; the
 * new producer finds the number of the record at head (the pair, or by walking its
 * predecessor's records from tail), adopts the records past head whose seqs follow, and spoils
 * a record left alone at the next offset 0 by a marker never published, as ring.c does.
 *
 * The doorbells (ring.c's The doorbell, for consumers in a poll). Each consumer's flag and token
 * are in its slot, and its arming also sets its bit in bells, beside sleepers on the line the
 * producer reads after each publication: one load while nobody polls. When bits are set, the
 * producer takes them all (an exchange), then each consumer's flag (an exchange, so one arming
 * costs one datagram), and rings. A consumer arms again (flag, then bit) at each quiet call, so
 * a producer killed between the two exchanges leaves no flag that no bit points to for long. A
 * new producer rings every armed consumer once, so that it watches the new pid (ring.c's
 * bell_watch()), as a point-to-point producer does.
 *
 * What a hostile writer of the ring can do (whoever may write it: see lipc/ring.h). Every value
 * read from the shared memory is checked before use: cursors within a capacity of the
 * producer's position, lengths at most the largest record, no record across the end, numbers
 * that follow, positions on 16 bytes; what fails is EPROTO or EBADMSG (corrupt), never a wild
 * access or an endless loop. A hostile consumer slot can stall a lossless producer (an active
 * word with a lock held and a cursor that never moves, or out of range), no more;
 * it can make consumers sleep (their bit cleared) only until the next check interval; it can
 * forge records as it can on any ring. A lossy producer reads no consumer's slot.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ring_impl.h"

struct pub_slot {
	_Atomic uint64_t cursor; /* bytes released: first, as ring.c's look() reads it */
	_Atomic uint32_t active; /* gen << 1 | 1 while counted in the slowest consumer; else 0 */
	_Atomic uint32_t gen;	 /* how many consumers took this slot */
	_Atomic int32_t pid;
	_Atomic uint32_t light; /* its wake-ups skip the fence (ring.c's Waking) */
	_Atomic int32_t cpu;
	_Atomic uint32_t bell;	/* its doorbell is armed (see The doorbells) */
	_Atomic uint64_t token; /* its doorbell's name */
	char pad[LINE - 40];
};

_Static_assert(sizeof(struct pub_slot) == LINE, "a consumer slot is one LINE");
_Static_assert(offsetof(struct pub_slot, cursor) == 0, "lipc_ring_lag() reads the cursor first");

#define ATTACH_TRIES 1000 /* reads of the head pair while the producer is between its stores */
#define JUMP_TRIES   1000 /* looks at tail while the producer keeps moving it */
#define YIELDS	     4

static struct pub_slot *slot(const struct lipc_ring *r, unsigned i)
{
	return slot_at(r, i);
}

static bool lossy(const struct lipc_ring *r)
{
	return r->mode == LIPC_RING_FANOUT_LOSSY;
}

/* Before a call reports success: did a truncation land during it? */
static bool truncated(const struct lipc_ring *r)
{
	return __builtin_expect(r->careful, 0) && lipc__ring_guard_failed(r) < 0;
}

/*
 * Is the record at position at number num, published? Its tag, then its seq (ring_impl.h's
 * tagged_ready(), see start_record()); the length and the bytes are then visible.
 */
static bool is_record(const struct lipc_ring *r, uint64_t at, uint64_t num)
{
	return tagged_ready(r, at, num + 1);
}

/*
 * The record at position at, which is_record() said is number num: its bytes in the ring with a
 * marker's skip (*size) and its length, each field read once and checked (within the data, at
 * most the largest record, a marker's record published). Returns 0, or 1 when a check fails:
 * the caller decides (corrupt, or a lossy consumer overrun).
 */
static int record_at(const struct lipc_ring *r, uint64_t at, uint64_t num, uint64_t *size,
		     uint32_t *len)
{
	uint64_t idx = at & r->mask, skip = 0;
	uint32_t n = atomic_load_explicit(&rec_at(r, at)->len, memory_order_relaxed);

	if (n == WRAP) {
		skip = r->cap - idx;
		/* The record after a marker is at offset 0 of the next lap, published first. */
		if (!idx || !is_record(r, at + skip, num))
			return 1;
		idx = 0;
		n = atomic_load_explicit(&rec_at(r, at + skip)->len, memory_order_relaxed);
	}
	if (n > r->max_record || idx + record_size(n) > r->cap)
		return 1;
	*size = skip + record_size(n);
	*len = n;
	return 0;
}

/* ---- The producer ---- */

/* Ring every doorbell armed (see The doorbells). */
static void ring_bells(struct lipc_ring *r)
{
	/* Acquire: pairs with the arming consumers' seq_cst bits, after their tokens. */
	uint64_t armed = atomic_exchange_explicit(&r->sh->bells, 0, memory_order_acquire);

	for (; armed; armed &= armed - 1) {
		struct pub_slot *s = slot(r, (unsigned)__builtin_ctzll(armed));

		lipc__ring_bell_take(r, &s->bell, &s->token);
	}
}

/*
 * After storing head or closed: wake the consumers that sleep on head (see The shared values),
 * and ring the doorbells armed.
 */
static void wake_consumers(struct lipc_ring *r)
{
	lipc__ring_waker_barrier();
	/* Relaxed: the barrier orders them after our store (Dekker's pattern with the sleeper). */
	if (atomic_load_explicit(&r->sh->sleepers, memory_order_relaxed))
		lipc__futex_wake(futex_word(&r->sh->head), INT_MAX);
	if (atomic_load_explicit(&r->sh->bells, memory_order_relaxed))
		ring_bells(r);
}

/* Store the (head_count, head, head_count_after) triple for what we wrote, and wake sleepers. */
static void publish(struct lipc_ring *r)
{
	struct ring_shared *sh = r->sh;

	if (r->pos == r->pub_published)
		return;
	/* Relaxed: the release of head orders it before head. */
	atomic_store_explicit(&sh->head_count, r->pub_count, memory_order_relaxed);
	/* Release: pairs with the consumers' acquire of head (the records before it are whole). */
	atomic_store_explicit(&sh->head, r->pos, memory_order_release);
	/* Release: after head; pairs with the acquire of it in attach_consumer(). */
	atomic_store_explicit(&sh->head_count_after, r->pub_count, memory_order_release);
	r->pub_published = r->pos;
	wake_consumers(r);
}

/*
 * The room the producer may fill: a capacity after the slowest active cursor, or after the head
 * it published when that is lower (a consumer attaching now starts there). Lossy: the head only.
 * Sets r->pub_limit; *slowest is the slot that limits it (-1: the head does), with the cursor and
 * active word seen. A cursor that is no consumer's (outside a capacity behind us) is corrupt.
 */
static int find_room(struct lipc_ring *r, int *slowest, uint64_t *cur, uint32_t *act)
{
	uint64_t min = r->pub_published;

	*slowest = -1;
	/*
	 * Before the slots: a consumer that stores its active word after we read it bumps the
	 * counter after that, and our next record sees it. Acquire: pairs with that seq_cst bump.
	 */
	r->pub_attached = atomic_load_explicit(&r->sh->consumer_gen, memory_order_acquire);
	for (unsigned i = 0; !lossy(r) && i < LIPC_RING_SLOTS; i++) {
		struct pub_slot *s = slot(r, i);
		/* Acquire: pairs with the consumer's seq_cst store of it, after its cursor. */
		uint32_t a = atomic_load_explicit(&s->active, memory_order_acquire);
		uint64_t c, raw;

		if (!(a & 1))
			continue;
		/* Acquire: pairs with the consumer's release of its cursor (done with the bytes).
		 */
		c = raw = atomic_load_explicit(&s->cursor, memory_order_acquire);
		/*
		 * Out of range: a consumer between the two stores of its cursor as it attaches,
		 * which we outran meanwhile, or a hostile slot. No room until it moves (or its
		 * lock is found free): a stall at worst, never a wild write.
		 */
		if (r->pos - c > r->cap)
			c = r->pos - r->cap;
		if ((int64_t)(c - min) < 0) {
			min = c;
			*slowest = (int)i;
			*cur = raw; /* what wait_slot() sees move */
			*act = a;
		}
	}
	r->pub_limit = min + r->cap;
	return 0;
}

static bool slot_moved(struct pub_slot *s, uint64_t cur, uint32_t act)
{
	return atomic_load_explicit(&s->cursor, memory_order_relaxed) != cur ||
	       atomic_load_explicit(&s->active, memory_order_relaxed) != act;
}

/*
 * Wait until slot i's cursor or active word moves from what we saw, or its consumer is found
 * gone (its lock free: then it is dropped). Returns 1 (look again), or -1 with errno.
 */
static int wait_slot(struct lipc_ring *r, unsigned i, uint64_t cur, uint32_t act,
		     const struct lipc__deadline *d, int timeout_ms)
{
	struct ring_shared *sh = r->sh;
	struct pub_slot *s = slot(r, i);
	bool test_lock = timeout_ms == 0;
	int me = sched_getcpu(), slept_ms = 0;

	if (lipc__ring_guard_failed(r) < 0)
		return -1;
	if (timeout_ms != 0 && me != atomic_load_explicit(&s->cpu, memory_order_relaxed)) {
		uint64_t start = 0;

		for (unsigned long k = 1;; k++) {
			if (slot_moved(s, cur, act))
				goto out_moved;
			lipc__cpu_relax();
			if (r->spin_only) {
				if (!(k & 0xfffff)) {
					if (lipc__ring_guard_failed(r) < 0)
						return -1;
					if (!lipc__ring_byte_locked(r->fd, SLOT_LOCK(i)))
						break;
					if (lipc__remaining_ms(d) == 0)
						return lipc__timed_out(timeout_ms);
				}
			} else if (k == 16) {
				start = now_ns();
			} else if (!(k & 15) && now_ns() - start >= (uint64_t)r->spin_ns) {
				break;
			}
		}
	} else if (timeout_ms != 0) {
		/* On its CPU: give it the CPU rather than spin the time slice it needs. */
		for (int k = 0; k < YIELDS; k++) {
			sched_yield();
			if (slot_moved(s, cur, act))
				goto out_moved;
		}
	}
	for (;;) {
		int left = lipc__remaining_ms(d), chunk, ret;
		bool brief;

		if (test_lock) {
			test_lock = false;
			if (!lipc__ring_byte_locked(r->fd, SLOT_LOCK(i))) {
				uint32_t seen = act;

				/*
				 * Gone (died, or closed as we looked): drop it, unless a new
				 * consumer took the slot since (a new gen: the swap fails).
				 * Relaxed: the slot's lock, not this word, says who is there.
				 */
				atomic_compare_exchange_strong_explicit(&s->active, &seen, 0,
									memory_order_relaxed,
									memory_order_relaxed);
				goto out_moved;
			}
		}
		/* Raise the flag, then look once more (ring.c's Waking: Dekker's pattern). */
		atomic_store_explicit(&sh->producer_sleeping, i + 1, memory_order_seq_cst);
		brief = !lipc__ring_sleeper_barrier() &&
			atomic_load_explicit(&s->light, memory_order_relaxed);
		if (slot_moved(s, cur, act)) {
			atomic_store_explicit(&sh->producer_sleeping, 0, memory_order_relaxed);
			goto out_moved;
		}
		if (lipc__ring_guard_failed(r) < 0 || left == 0) {
			atomic_store_explicit(&sh->producer_sleeping, 0, memory_order_relaxed);
			return left == 0 && lipc__ring_guard_failed(r) == 0
				       ? lipc__timed_out(timeout_ms)
				       : -1;
		}
		chunk = left < 0 || left > r->check_ms ? r->check_ms : left;
		if (brief && chunk > LIGHT_FALLBACK_MS)
			chunk = LIGHT_FALLBACK_MS;
		ret = futex_wait(&s->cursor, (uint32_t)cur, chunk);
		atomic_store_explicit(&sh->producer_sleeping, 0, memory_order_relaxed);
		if (ret == 0 || errno == EAGAIN)
			goto out_moved;
		if (errno == EFAULT)
			return lipc__ring_guard_failed(r) < 0 ? -1 : lipc__ring_corrupt(r, EPROTO);
		if (errno != ETIMEDOUT && errno != EINTR)
			return -1;
		if (errno == ETIMEDOUT && check_due(r, chunk, &slept_ms))
			test_lock = true;
	}
out_moved:
	r->check_ms = r->check_first_ms;
	return 1;
}

/*
 * Walk our oldest records out of the way of [pos, pos + need): tail passes every record that
 * the write will cover, then is stored, then the release fence (the seqlock writer's order:
 * a lossy consumer that sees any byte we write next sees this tail too). Our own records, but
 * in shared memory: each is checked.
 */
static int advance_tail(struct lipc_ring *r, uint64_t need)
{
	uint64_t want = r->pos + need - r->cap, t = r->pub_tail;

	if ((int64_t)(want - t) <= 0)
		return 0;
	do {
		uint64_t size;
		uint32_t len;

		if (!is_record(r, t, r->pub_tail_n) ||
		    record_at(r, t, r->pub_tail_n, &size, &len) || r->pos - t < size)
			return lipc__ring_corrupt(r, EPROTO);
		t += size;
		r->pub_tail_n++;
	} while ((int64_t)(want - t) > 0);
	r->pub_tail = t;
	/*
	 * Release: after head_count_after of our last publication (a new producer that finds
	 * tail at head trusts that count, see recover()).
	 */
	atomic_store_explicit(&r->sh->tail, t, memory_order_release);
	/* Pairs with the acquire fence of a lossy consumer's overrun() (the seqlock). */
	atomic_thread_fence(memory_order_release);
	return 0;
}

/*
 * Room for need bytes at pos: the cached limit, unless a consumer attached since we last looked
 * (one load of the consumer line a record) or it is too short; then the slots again, waiting
 * for the slowest live consumer, and our oldest records walked out of the way.
 */
static int make_room(struct lipc_ring *r, uint64_t need, int timeout_ms, struct lipc__deadline *d,
		     bool *started)
{
	/* Acquire: pairs with a consumer's seq_cst bump as it attaches (see find_room()). */
	if (atomic_load_explicit(&r->sh->consumer_gen, memory_order_acquire) != r->pub_attached ||
	    r->pos + need > r->pub_limit) {
		for (;;) {
			int slowest;
			uint64_t cur = 0;
			uint32_t act = 0;

			if (find_room(r, &slowest, &cur, &act) < 0)
				return -1;
			if (r->pos + need <= r->pub_limit)
				break;
			if (slowest < 0) {
				/* Our own head limits us: count what we wrote (a batch), then look.
				 */
				publish(r);
				continue;
			}
			if (!*started) {
				lipc__deadline_start(d, timeout_ms);
				*started = true;
			}
			if (wait_slot(r, (unsigned)slowest, cur, act, d, timeout_ms) < 0)
				return -1;
		}
	}
	return advance_tail(r, need);
}

/* The bytes a record of rec bytes takes at pos: with a wrap marker's skip when it would cross. */
static uint64_t need_for(const struct lipc_ring *r, uint64_t rec)
{
	uint64_t idx = r->pos & r->mask;

	return idx + rec > r->cap ? r->cap - idx + rec : rec;
}

/*
 * Write the header(s) of a record of len bytes taking need bytes at pos; returns its bytes.
 *
 * Each header's seq is cleared, then a release fence, before its tag is written. A seq word
 * keeps what was last written there: often the seq of a header a lap or two back, its low
 * bytes overwritten by the end of a later lap's payload (a payload ends where its length says;
 * the padding after it is never written). Numbers are small and close (a lap holds a few
 * hundred records), so that mixture can read as the number + 1 of the very record about to
 * land there: one time in 256 when the payload's last byte is the word's low byte. Our tag
 * over such a word made the record look published until our seal: a consumer took a wrap
 * marker whose record was not there yet (EBADMSG, the rare failure of killed_anywhere_lossy),
 * or copied bytes we had not written yet, and no tail had passed them to tell it. With seq 0
 * first (ring_impl.h's lay_headers()), a consumer that sees our tag (is_record() reads the tag
 * before the seq) sees 0 or our seal.
 */
static unsigned char *start_record(struct lipc_ring *r, uint64_t need, uint32_t len)
{
	uint64_t at = r->pos + need - record_size(len);

	lay_headers(r, r->pos, at, len); /* seal()'s releases of the seqs publish them */
	return (unsigned char *)rec_at(r, at) + REC_HDR;
}

/* Publish the record of len bytes taking need bytes at pos: its seq, then its marker's. */
static void seal(struct lipc_ring *r, uint64_t need, uint32_t len)
{
	uint64_t at = r->pos + need - record_size(len);

	/* Release: pairs with the consumers' acquire in is_record(). The record, then its marker.
	 */
	atomic_store_explicit(&rec_at(r, at)->seq, r->pub_count + 1, memory_order_release);
	if (at != r->pos)
		atomic_store_explicit(&rec_at(r, r->pos)->seq, r->pub_count + 1,
				      memory_order_release);
	r->pos += need;
	r->pub_count++;
}

static void *reserve(struct lipc_ring *r, size_t len, int timeout_ms)
{
	struct lipc__deadline d;
	bool started = false;
	uint64_t need;

	if (r->held) {
		errno = EINVAL;
		return NULL;
	}
	if (len > r->max_record) {
		errno = EMSGSIZE;
		return NULL;
	}
	need = need_for(r, record_size(len));
	if (make_room(r, need, timeout_ms, &d, &started) < 0)
		return NULL;
	r->held = need;
	r->held_len = (uint32_t)len;
	return start_record(r, need, (uint32_t)len);
}

static int commit(struct lipc_ring *r)
{
	if (!r->held) {
		errno = EINVAL;
		return -1;
	}
	seal(r, r->held, r->held_len);
	r->held = 0;
	publish(r);
	return truncated(r) ? -1 : 0;
}

/*
 * The seqlock rule: a lossy consumer copies bytes the producer may be overwriting at the same
 * moment, and decides afterwards (overrun()) whether the copy counts. The race is by design; it
 * is confined to this function (the producer's copies on a lossy ring go through it too), which
 * ThreadSanitizer does not instrument (and which avoids
 * memcpy() under it, whose interceptor would report it), so that the tool still sees every
 * access that must synchronise.
 */
__attribute__((no_sanitize("thread"))) static void copy_racing(void *dst, const void *src, size_t n)
{
#if defined(__SANITIZE_THREAD__)
#define LIPC_PUB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LIPC_PUB_TSAN 1
#endif
#endif
#ifdef LIPC_PUB_TSAN
	const volatile unsigned char *s = src;
	unsigned char *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
#else
	memcpy(dst, src, n);
#endif
}

/*
 * The producer's copy into the ring: on a lossy ring, over bytes a lapped consumer may be reading
 * at that moment (the other half of the same race, confined the same way).
 */
static void put_bytes(const struct lipc_ring *r, void *dst, const void *src, size_t n)
{
	if (lossy(r))
		copy_racing(dst, src, n);
	else
		memcpy(dst, src, n);
}

static int push(struct lipc_ring *r, const void *data, size_t len, int timeout_ms)
{
	unsigned char *p = reserve(r, len, timeout_ms);

	if (!p)
		return -1;
	if (len)
		put_bytes(r, p, data, len);
	return commit(r);
}

static int push_many(struct lipc_ring *r, const struct iovec *recs, size_t n, int timeout_ms)
{
	struct lipc__deadline d;
	bool started = false;
	size_t i;

	if (r->held) {
		errno = EINVAL;
		return -1;
	}
	if (n > INT_MAX)
		n = INT_MAX;
	for (i = 0; i < n; i++) {
		size_t len = recs[i].iov_len;
		uint64_t need;
		unsigned char *p;

		if (len > r->max_record) {
			errno = EMSGSIZE;
			break;
		}
		need = need_for(r, record_size(len));
		if (make_room(r, need, timeout_ms, &d, &started) < 0)
			break;
		p = start_record(r, need, (uint32_t)len);
		if (len)
			put_bytes(r, p, recs[i].iov_base, len);
		seal(r, need, (uint32_t)len);
	}
	publish(r);
	if (truncated(r))
		return -1;
	if (i == 0 && n)
		return -1;
	return (int)i;
}

/*
 * A new producer: where its predecessor stopped. The number of the record at head is the pair's
 * count when the two agree, or when tail is at head (the predecessor stored tail after its last
 * pair: see advance_tail()); otherwise (it died between the two) the walk from tail, through its
 * whole records, counts them. Then the records it published past head (killed between a seq and
 * head) are adopted, and a record left published at the next offset 0 behind a marker that never
 * was is spoilt (ring.c's adopt_orphan()). Checked as a consumer checks: EPROTO.
 */
static int recover(struct lipc_ring *r)
{
	struct ring_shared *sh = r->sh;
	/* Acquire: pairs with the releases of the last producer (it is gone: its lock was free). */
	uint64_t head = atomic_load_explicit(&sh->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&sh->tail, memory_order_acquire);
	uint64_t before = atomic_load_explicit(&sh->head_count, memory_order_acquire);
	uint64_t after = atomic_load_explicit(&sh->head_count_after, memory_order_acquire);
	uint64_t count, pos, size, idx, lap;
	uint32_t len;

	/* 2^62 bytes would take a century at 1 GB/s: nearer 2^64, room sums would wrap. */
	if (head % REC_HDR || tail % REC_HDR || head - tail > r->cap || head >= 1ull << 62)
		return lipc__fail_why(EPROTO, "the publish ring's positions are corrupt");
	if (tail == head || before == after) {
		count = after;
	} else {
		count = atomic_load_explicit(&rec_at(r, tail)->seq, memory_order_acquire) - 1;
		for (pos = tail; pos != head; pos += size, count++)
			if (!is_record(r, pos, count) || record_at(r, pos, count, &size, &len) ||
			    head - pos < size)
				return lipc__fail_why(EPROTO,
						      "the publish ring's records are corrupt");
	}
	r->pub_tail = tail;
	r->pub_tail_n =
		tail == head
			? count
			: atomic_load_explicit(&rec_at(r, tail)->seq, memory_order_relaxed) - 1;
	r->pos = head;
	r->pub_count = count;
	/* Records published past head, in order; never more than a capacity past tail. */
	while (is_record(r, r->pos, r->pub_count) &&
	       !record_at(r, r->pos, r->pub_count, &size, &len) && r->pos + size - tail <= r->cap) {
		r->pos += size;
		r->pub_count++;
	}
	idx = r->pos & r->mask;
	lap = r->pos - idx + r->cap;
	if (idx && is_record(r, lap, r->pub_count))
		atomic_store_explicit(&rec_at(r, lap)->seq, 0, memory_order_relaxed);
	/* The triple, agreeing again (a predecessor killed between its stores left it torn). */
	r->pub_published = head - 1;
	publish(r);
	r->pub_limit = 0;
	r->pub_attached = atomic_load_explicit(&sh->consumer_gen, memory_order_relaxed) - 1;
	return 0;
}

static int attach_producer(struct lipc_ring *r)
{
	struct ring_shared *sh = r->sh;

	if (lipc__ring_lock_byte(r, LOCK_PRODUCER) < 0)
		return -1;
	/* Before our first wake-up can skip its fence (ring.c's Waking). */
	atomic_store_explicit(&sh->producer_light, lipc__ring_tuned()->light, memory_order_seq_cst);
	atomic_store_explicit(&sh->producer_cpu, sched_getcpu(), memory_order_relaxed);
	atomic_store_explicit(&sh->producer_sleeping, 0, memory_order_relaxed);
	if (recover(r) < 0)
		return -1;
	/* As ring.c: "closed" was our predecessor's; our pid before our generation. */
	atomic_store_explicit(&sh->producer_closed, 0, memory_order_seq_cst);
	atomic_store_explicit(&sh->producer_pid, (int32_t)getpid(), memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->producer_gen, 1, memory_order_seq_cst);
	/* Consumers waiting in poll() watch no process: woken once, they watch ours. */
	if (atomic_load_explicit(&sh->bells, memory_order_seq_cst))
		ring_bells(r);
	return 0;
}

/* ---- The consumers ---- */

static int attach_consumer(struct lipc_ring *r)
{
	struct ring_shared *sh = r->sh;
	struct pub_slot *s;
	uint64_t head;
	uint32_t gen;
	int i = lipc__ring_take_slot(r);

	if (i < 0)
		return -1;
	r->slot = (unsigned)i;
	s = slot(r, r->slot);
	gen = atomic_fetch_add_explicit(&s->gen, 1, memory_order_relaxed) + 1;
	atomic_store_explicit(&s->pid, (int32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&s->light, lipc__ring_tuned()->light, memory_order_seq_cst);
	atomic_store_explicit(&s->cpu, sched_getcpu(), memory_order_relaxed);
	/* A consumer killed asleep or armed in this slot left its bits: the slot is ours now. */
	atomic_fetch_and_explicit(&sh->sleepers, ~(1ull << r->slot), memory_order_relaxed);
	atomic_store_explicit(&s->bell, 0, memory_order_relaxed);
	/* Acquire: pairs with the producer's release of head. */
	head = atomic_load_explicit(&sh->head, memory_order_acquire);
	if (head % REC_HDR)
		return lipc__fail_why(EPROTO, "the publish ring's head is corrupt");
	/* Release, then seq_cst: the producer that sees us active sees this cursor. */
	atomic_store_explicit(&s->cursor, head, memory_order_release);
	r->pub_active = gen << 1 | 1;
	atomic_store_explicit(&s->active, r->pub_active, memory_order_seq_cst);
	/* Pairs with the producer's acquire of it in make_room(): it looks at the slots again. */
	atomic_fetch_add_explicit(&sh->consumer_gen, 1, memory_order_seq_cst);
	lipc__ring_sleeper_barrier();
	r->pub_known = false;
	for (int tries = 0; tries < ATTACH_TRIES; tries++) {
		/* Acquire each: pairs with publish(); equal counts around head make a pair. */
		uint64_t after = atomic_load_explicit(&sh->head_count_after, memory_order_acquire);
		uint64_t h = atomic_load_explicit(&sh->head, memory_order_acquire);
		uint64_t before = atomic_load_explicit(&sh->head_count, memory_order_acquire);

		if (h % REC_HDR) {
			atomic_store_explicit(&s->active, 0, memory_order_seq_cst);
			return lipc__fail_why(EPROTO, "the publish ring's head is corrupt");
		}
		head = h;
		if (before == after) {
			r->pub_known = true;
			r->pub_count = after;
			break;
		}
		lipc__cpu_relax();
	}
	/* Release: as above; lipc_ring_lag() reads it too. */
	atomic_store_explicit(&s->cursor, head, memory_order_release);
	r->pos = head;
	/* Which producers' ends are ours to report (ring.c's peer_gone()). */
	r->base_gen = atomic_load_explicit(&sh->producer_gen, memory_order_acquire);
	if (lipc__ring_byte_locked(r->fd, LOCK_PRODUCER))
		r->seen_gen = r->base_gen;
	return 0;
}

static int attach(struct lipc_ring *r, bool created)
{
	(void)created;
	return r->role == LIPC_SEND ? attach_producer(r) : attach_consumer(r);
}

static void detach(struct lipc_ring *r)
{
	struct ring_shared *sh = r->sh;

	if (r->role == LIPC_SEND) {
		/* A record reserved and not committed is dropped; the consumers' end of stream. */
		publish(r);
		atomic_store_explicit(&sh->producer_closed, 1, memory_order_seq_cst);
		wake_consumers(r);
		return;
	}
	/* No longer counted; a producer that waits on us looks again. */
	atomic_store_explicit(&slot(r, r->slot)->active, 0, memory_order_seq_cst);
	lipc__ring_waker_barrier();
	if (atomic_load_explicit(&sh->producer_sleeping, memory_order_relaxed) == r->slot + 1)
		futex_wake(&slot(r, r->slot)->cursor);
}

/* The number of the record after those held. */
static uint64_t next_n(const struct lipc_ring *r)
{
	return r->pub_count + r->held_n;
}

/* Is the record after those held ready (as far as we know its number)? */
static bool ready_now(const struct lipc_ring *r)
{
	return r->pub_known && is_record(r, r->pos + r->held, next_n(r));
}

/* Has head passed position at (lossy: by any distance; lossless: within a capacity)? */
static bool head_past(const struct lipc_ring *r, uint64_t head, uint64_t at)
{
	return lossy(r) ? (int64_t)(head - at) > 0 : head - at - 1 < r->cap;
}

/*
 * Lossy: has the producer's tail passed position at, so that what we read there may be torn?
 * The seqlock's reader: our reads of the record, this acquire fence, the load of tail; it pairs
 * with the release fence after the producer's store of tail in advance_tail().
 */
static bool overrun(const struct lipc_ring *r, uint64_t at)
{
	atomic_thread_fence(memory_order_acquire);
	return (int64_t)(atomic_load_explicit(&r->sh->tail, memory_order_relaxed) - at) > 0;
}

/*
 * Lossy: we land at position t, whose record is number m: count what we lost since the number
 * we knew (at our cursor, or where an earlier jump left us before it could count), which no
 * producer makes more than the records that fit between the two positions. Returns -1 with
 * ENOBUFS (the next receive returns the record there), or with EBADMSG for numbers that do not
 * follow. One that never knew its number (see Attaching) counts nothing, and says ENOBUFS all
 * the same: records were skipped.
 */
static int landed(struct lipc_ring *r, uint64_t t, uint64_t m)
{
	bool counted = r->pub_known || r->pub_lapped;
	uint64_t from = r->pub_known ? r->pub_count : r->pub_lost_from;
	uint64_t from_pos = r->pub_known ? r->pos : r->pub_lost_pos;

	if (counted && (m <= from || m - from > (t - from_pos) / REC_HDR))
		return lipc__ring_corrupt(r, EBADMSG);
	if (counted)
		r->lost += m - from;
	r->pub_count = m;
	r->pub_known = true;
	r->pub_lapped = false;
	r->pos = t;
	r->held = 0;
	r->held_n = 0;
	/* Release: for lipc_ring_lag(); a lossy producer reads no cursor. */
	atomic_store_explicit(&slot(r, r->slot)->cursor, t, memory_order_release);
	errno = ENOBUFS;
	return -1;
}

/*
 * Lossy, overrun: jump to the producer's tail, the oldest record still whole, and count what we
 * lost by its number (landed()). Records held are given up (counted there). Returns -1 with
 * errno (ENOBUFS when we jumped: the next receive returns the record there), 0 when tail has
 * not passed us after all (the caller decides), 1 when we moved to tail but its record is not
 * counted in head yet: its number is learnt, and the loss counted, once head passes it (wait
 * for head, see learn()).
 */
static int jump(struct lipc_ring *r)
{
	struct ring_shared *sh = r->sh;

	r->held = 0;
	r->held_n = 0;
	for (int tries = 0; tries < JUMP_TRIES; tries++) {
		/* Acquire: pairs with the release of tail; head's with publish(). */
		uint64_t t = atomic_load_explicit(&sh->tail, memory_order_acquire);
		uint64_t h = atomic_load_explicit(&sh->head, memory_order_acquire);
		uint64_t m;

		/* head was read after tail, and may have gone far since: tail cannot lead it. */
		if (t % REC_HDR || (int64_t)(t - h) > (int64_t)r->cap)
			return lipc__ring_corrupt(r, EPROTO);
		if ((int64_t)(t - r->pos) <= 0)
			return 0;
		if (h - t - 1 >= r->cap) {
			if (r->pub_known) {
				r->pub_lapped = true;
				r->pub_lost_from = r->pub_count;
				r->pub_lost_pos = r->pos;
			}
			r->pub_known = false;
			r->pos = t;
			atomic_store_explicit(&slot(r, r->slot)->cursor, t, memory_order_release);
			return 1;
		}
		/* Acquire: pairs with the seq's release; then tail again (the seqlock's reader). */
		m = atomic_load_explicit(&rec_at(r, t)->seq, memory_order_acquire) - 1;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&sh->tail, memory_order_relaxed) == t)
			return landed(r, t, m);
	}
	errno = EAGAIN; /* tail kept moving under us: the next receive looks again */
	return -1;
}

/*
 * A consumer that does not know its number (see Attaching): once head has passed its cursor, the
 * record there says it. Returns 1 when learnt, 0 when head has not passed yet, -1 with errno.
 */
static int learn(struct lipc_ring *r, uint64_t head)
{
	uint64_t at = r->pos + r->held, s;
	bool whole;

	if (!head_past(r, head, at)) {
		if (!lossy(r) && head - at > r->cap && at - head > r->cap)
			return lipc__ring_corrupt(r, EPROTO);
		if (head == at) {
			/*
			 * At head: the pair says the number of the next record, when it agrees
			 * (acquire each, as attach_consumer()). A jump that landed here on a
			 * producer that then died counts its loss now, before the end.
			 */
			uint64_t after = atomic_load_explicit(&r->sh->head_count_after,
							      memory_order_acquire);
			uint64_t h = atomic_load_explicit(&r->sh->head, memory_order_acquire);
			uint64_t before =
				atomic_load_explicit(&r->sh->head_count, memory_order_acquire);

			if (before == after && h == at) {
				if (r->pub_lapped)
					return landed(r, at, after);
				r->pub_count = after;
				r->pub_known = true;
				return 1;
			}
		}
		return 0;
	}
	if (lossy(r) && (head - at > r->cap || overrun(r, at))) {
		int ret = jump(r);

		return ret == 1 ? 0 : ret == 0 ? lipc__ring_corrupt(r, EPROTO) : -1;
	}
	/* Acquire: pairs with the seq's release (head passed it: it is published). */
	s = atomic_load_explicit(&rec_at(r, at)->seq, memory_order_acquire);
	whole = is_record(r, at, s - 1);
	if (lossy(r) && overrun(r, at))
		return 1; /* overrun as we looked: the next look jumps */
	if (!whole)
		return lipc__ring_corrupt(r, EBADMSG);
	/* A jump that landed before its record was counted counts its loss now. */
	if (r->pub_lapped)
		return landed(r, at, s - 1);
	r->pub_count = s - 1;
	r->pub_known = true;
	return 1;
}

/*
 * The record after those held is not ready: why? Returns 1 to look again, 0 to wait for head to
 * move from *seen, -1 with errno (ENOBUFS: a lossy consumer jumped, see jump()).
 */
static int not_ready(struct lipc_ring *r, uint64_t *seen)
{
	uint64_t at = r->pos + r->held;
	/* Acquire: pairs with publish()'s release of head. */
	uint64_t head = atomic_load_explicit(&r->sh->head, memory_order_acquire);
	uint64_t s;
	int ret;

	*seen = head;
	if (!r->pub_known)
		return learn(r, head);
	if (is_record(r, at, next_n(r)))
		return 1;
	s = atomic_load_explicit(&rec_at(r, at)->seq, memory_order_relaxed);
	if (lossy(r) && (head_past(r, head, at) || s > next_n(r) + 1)) {
		if (r->held)
			return 0; /* the batch held ends here; the next call jumps */
		ret = jump(r);
		if (ret == 0 && head_past(r, head, at))
			return lipc__ring_corrupt(r, EBADMSG); /* published, whole, and not it */
		return ret < 0 ? -1 : 0; /* or wait for head: tail's record is not counted yet */
	}
	/* Published (head passed it) and not the record we expect: corrupt. */
	if (head_past(r, head, at))
		return lipc__ring_corrupt(r, EBADMSG);
	if (!lossy(r) && head - at > r->cap && at - head > r->cap)
		return lipc__ring_corrupt(r, EPROTO);
	return 0;
}

/*
 * Has the producer gone? 1 when it closed cleanly, -1 with ECONNRESET when it died (its lock,
 * tested only with test_lock), each once per producer generation and only for a producer we met;
 * 0 otherwise, and while records are left (they come first). ring.c's peer_gone(), for us.
 */
static int producer_gone(struct lipc_ring *r, bool test_lock)
{
	struct ring_shared *sh = r->sh;
	uint64_t head, at = r->pos + r->held;
	uint32_t gen = atomic_load_explicit(&sh->producer_gen, memory_order_acquire);
	int alive;

	if (r->consumed) {
		r->seen_gen = gen;
		r->consumed = false;
	}
	if (gen == 0 || (r->ended && gen == r->ended_gen) ||
	    (gen == r->base_gen && gen != r->seen_gen))
		return 0;
	/* Acquire: pairs with the seq_cst store of detach(), after its last head. */
	if (atomic_load_explicit(&sh->producer_closed, memory_order_acquire)) {
		alive = 1;
	} else {
		if (!test_lock)
			return 0;
		if (lipc__ring_byte_locked(r->fd, LOCK_PRODUCER)) {
			r->seen_gen = gen;
			return 0;
		}
		errno = ECONNRESET;
		alive = -1;
	}
	/* What it published comes before its end (looked at after closed, or after its lock). */
	head = atomic_load_explicit(&sh->head, memory_order_acquire);
	if (ready_now(r) || head_past(r, head, at))
		return 0;
	r->ended = true;
	r->ended_gen = gen;
	return alive;
}

/*
 * Consumer: does another process of the ring run on our CPU, the producer or another consumer?
 * Then spinning would take the CPU from the one we wait for, or from a consumer the producer waits
 * for (eight consumers sharing a CPU would each spin its budget in turn): yield instead. Relaxed:
 * a stale CPU only chooses the other way to wait.
 */
static bool crowded(const struct lipc_ring *r, int me)
{
	if (atomic_load_explicit(&r->sh->producer_cpu, memory_order_relaxed) == me)
		return true;
	for (unsigned i = 0; i < LIPC_RING_SLOTS; i++) {
		const struct pub_slot *s = slot(r, i);

		if (i != r->slot && atomic_load_explicit(&s->active, memory_order_relaxed) & 1 &&
		    atomic_load_explicit(&s->cpu, memory_order_relaxed) == me)
			return true;
	}
	return false;
}

/*
 * Wait until head moves from seen or the record after those held is ready. Returns 1 (look
 * again), 0 at the end of the stream, -1 with errno. Spins, then sleeps on head's futex with
 * our bit in sleepers (Dekker's pattern with wake_consumers()), testing the producer's lock at
 * each check interval.
 */
static int wait_head(struct lipc_ring *r, uint64_t seen, const struct lipc__deadline *d,
		     int timeout_ms)
{
	struct ring_shared *sh = r->sh;
	uint64_t bit = 1ull << r->slot;
	int me, gone, slept_ms = 0;
	bool test_lock = false;

	if (lipc__ring_guard_failed(r) < 0)
		return -1;
	if (timeout_ms == 0) {
		gone = producer_gone(r, true);
		if (lipc__ring_guard_failed(r) < 0)
			return -1;
		if (gone)
			return gone > 0 ? 0 : -1;
		errno = EAGAIN;
		return -1;
	}
	me = sched_getcpu();
	if (atomic_load_explicit(&slot(r, r->slot)->cpu, memory_order_relaxed) != me)
		atomic_store_explicit(&slot(r, r->slot)->cpu, me, memory_order_relaxed);
	if (r->spin_only || !crowded(r, me)) {
		uint64_t start = 0;

		for (unsigned long k = 1;; k++) {
			if (atomic_load_explicit(&sh->head, memory_order_relaxed) != seen ||
			    ready_now(r))
				goto out_awake;
			lipc__cpu_relax();
			if (r->spin_only) {
				if (!(k & 0xfffff)) {
					if (lipc__ring_guard_failed(r) < 0)
						return -1;
					gone = producer_gone(r, true);
					if (gone)
						return gone > 0 ? 0 : -1;
					if (lipc__remaining_ms(d) == 0)
						return lipc__timed_out(timeout_ms);
				}
			} else if (k == 16) {
				start = now_ns();
			} else if (!(k & 15) && now_ns() - start >= (uint64_t)r->spin_ns) {
				break;
			}
		}
	} else {
		for (int k = 0; k < YIELDS; k++) {
			sched_yield();
			if (atomic_load_explicit(&sh->head, memory_order_relaxed) != seen ||
			    ready_now(r))
				goto out_awake;
		}
	}
	for (;;) {
		int left = lipc__remaining_ms(d), chunk, ret;
		bool brief;

		/* Our bit, then the barrier, then one more look: the sleeper's half. */
		atomic_fetch_or_explicit(&sh->sleepers, bit, memory_order_seq_cst);
		brief = !lipc__ring_sleeper_barrier() &&
			atomic_load_explicit(&sh->producer_light, memory_order_relaxed);
		if (atomic_load_explicit(&sh->head, memory_order_seq_cst) != seen || ready_now(r))
			goto out_clear;
		gone = producer_gone(r, test_lock);
		test_lock = false;
		if (lipc__ring_guard_failed(r) < 0) {
			atomic_fetch_and_explicit(&sh->sleepers, ~bit, memory_order_relaxed);
			return -1;
		}
		if (gone) {
			atomic_fetch_and_explicit(&sh->sleepers, ~bit, memory_order_relaxed);
			return gone > 0 ? 0 : -1;
		}
		if (left == 0) {
			atomic_fetch_and_explicit(&sh->sleepers, ~bit, memory_order_relaxed);
			return lipc__timed_out(timeout_ms);
		}
		chunk = left < 0 || left > r->check_ms ? r->check_ms : left;
		if (brief && chunk > LIGHT_FALLBACK_MS)
			chunk = LIGHT_FALLBACK_MS;
		ret = futex_wait(&sh->head, (uint32_t)seen, chunk);
		atomic_fetch_and_explicit(&sh->sleepers, ~bit, memory_order_relaxed);
		if (ret == 0 || errno == EAGAIN)
			goto out_awake;
		if (errno == EFAULT)
			return lipc__ring_guard_failed(r) < 0 ? -1 : lipc__ring_corrupt(r, EPROTO);
		if (errno != ETIMEDOUT && errno != EINTR)
			return -1;
		if (errno == ETIMEDOUT && check_due(r, chunk, &slept_ms))
			test_lock = true;
	}
out_clear:
	atomic_fetch_and_explicit(&sh->sleepers, ~bit, memory_order_relaxed);
out_awake:
	r->check_ms = r->check_first_ms;
	return 1;
}

/*
 * Wait for the record after those held. Returns 1 when it is ready, 0 at the end of the stream,
 * -1 with errno (ENOBUFS: a lossy consumer jumped over records it lost).
 */
static int wait_record(struct lipc_ring *r, int timeout_ms)
{
	struct lipc__deadline d;
	bool started = false;

	while (!ready_now(r)) {
		uint64_t seen;
		int ret = not_ready(r, &seen);

		if (ret < 0)
			return -1;
		if (ret > 0)
			continue;
		if (!started) {
			lipc__deadline_start(&d, timeout_ms);
			started = true;
		}
		ret = wait_head(r, seen, &d, timeout_ms);
		if (ret <= 0)
			return ret;
	}
	return 1;
}

/*
 * Hold the record after those held, which is ready. Returns 1 with its bytes in place, 0 when a
 * lossy consumer finds it overrun (the caller jumps), -1 (EBADMSG) when it fails its checks.
 */
static int take(struct lipc_ring *r, const void **data, uint32_t *len)
{
	uint64_t at = r->pos + r->held, size;

	if (record_at(r, at, next_n(r), &size, len) || r->held + size > r->cap) {
		/*
		 * Not corruption when the producer lapped us: a length torn by its next lap, or a
		 * batch held across calls (peek_many takes those after the ones held) that it
		 * passed, whose next record lies more than a capacity past our cursor. That tail
		 * passed the cursor, not this record: test the cursor.
		 */
		if (lossy(r) && overrun(r, r->pos))
			return 0;
		return lipc__ring_corrupt(r, EBADMSG);
	}
	/* Lossy: never hand out what is overrun already (those held: the release says). */
	if (lossy(r) && overrun(r, r->pos))
		return 0;
	r->held += size;
	r->held_len = *len;
	r->held_n++;
	r->consumed = true;
	*data = r->data + ((r->pos + r->held - record_size(*len)) & r->mask) + REC_HDR;
	return 1;
}

/* Lossy, overrun: give up what is held and jump. Returns -1 with errno, or 1 to wait again. */
static int overrun_jump(struct lipc_ring *r)
{
	int ret = jump(r);

	if (ret == 0)
		return lipc__ring_corrupt(r, EPROTO); /* tail went back: no producer does that */
	return ret;
}

/* The record after those held: wait, take it. Returns as lipc_ring_peek(). */
static int peek_next(struct lipc_ring *r, const void **data, uint32_t *len, int timeout_ms)
{
	for (;;) {
		int ret = wait_record(r, timeout_ms);

		if (ret <= 0)
			return ret;
		ret = take(r, data, len);
		if (ret != 0)
			return ret;
		if (overrun_jump(r) < 0)
			return -1;
	}
}

static int peek(struct lipc_ring *r, const void **data, size_t *len, int timeout_ms)
{
	uint32_t n;
	int ret;

	if (r->held) {
		*data = r->data + ((r->pos + r->held - record_size(r->held_len)) & r->mask) +
			REC_HDR;
		*len = r->held_len;
		return 1;
	}
	ret = peek_next(r, data, &n, timeout_ms);
	if (ret <= 0)
		return ret;
	*len = n;
	return truncated(r) ? -1 : 1;
}

static int peek_many(struct lipc_ring *r, struct iovec *recs, size_t n, int timeout_ms)
{
	size_t got = 0;
	int ret;

	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (n > INT_MAX)
		n = INT_MAX;
	do {
		const void *data;
		uint32_t len;

		ret = got ? take(r, &data, &len) : peek_next(r, &data, &len, timeout_ms);
		if (ret <= 0)
			break;
		recs[got].iov_base = (void *)(uintptr_t)data;
		recs[got].iov_len = len;
		got++;
	} while (got < n && ready_now(r));
	if (got == 0)
		return ret;
	if (truncated(r))
		return -1;
	return (int)got;
}

/*
 * Release what is held: our cursor passes it (release: we are done with the bytes; pairs with the
 * producer's acquire in find_room()), and a producer that waits on us is woken. Lossy: records
 * the producer overran while we held them are lost, and the release says so (ENOBUFS).
 */
static int release_held(struct lipc_ring *r, bool verified)
{
	struct pub_slot *s = slot(r, r->slot);

	/*
	 * Overrun while held: what was read may be damaged, and the lengths that make up r->held
	 * may be torn, so the cursor stays. The next receive jumps (jump()): it counts the records
	 * overwritten by their numbers and returns the oldest still whole, perhaps one of these.
	 */
	if (lossy(r) && !verified && overrun(r, r->pos)) {
		r->held = 0;
		r->held_n = 0;
		errno = ENOBUFS;
		return -1;
	}
	r->pos += r->held;
	r->pub_count += r->held_n;
	r->held = 0;
	r->held_n = 0;
	atomic_store_explicit(&s->cursor, r->pos, memory_order_release);
	if (!lossy(r)) {
		lipc__ring_waker_barrier();
		if (atomic_load_explicit(&r->sh->producer_sleeping, memory_order_relaxed) ==
		    r->slot + 1)
			futex_wake(&s->cursor);
	}
	return truncated(r) ? -1 : 0;
}

static int release(struct lipc_ring *r)
{
	if (!r->held) {
		errno = EINVAL;
		return -1;
	}
	return release_held(r, false);
}

static int pop(struct lipc_ring *r, void *buf, size_t size, size_t *len, int timeout_ms)
{
	const void *p;

	if (r->held_n > 1) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		uint32_t n;
		int ret;

		if (r->held) {
			p = r->data + ((r->pos + r->held - record_size(r->held_len)) & r->mask) +
			    REC_HDR;
			n = r->held_len;
		} else {
			ret = peek_next(r, &p, &n, timeout_ms);
			if (ret <= 0)
				return ret;
		}
		*len = n;
		if (n > size) {
			/* It stays; but a lossy record overrun meanwhile is not one to report. */
			if (!lossy(r) || !overrun(r, r->pos)) {
				errno = EMSGSIZE;
				return -1;
			}
		} else if (lossy(r)) {
			copy_racing(buf, p, n);
			/* Whole as copied: released as it is (a later overrun is the next's). */
			if (!overrun(r, r->pos))
				return release_held(r, true) < 0 ? -1 : 1;
		} else {
			memcpy(buf, p, n);
			return release_held(r, true) < 0 ? -1 : 1;
		}
		/* Overrun while we copied: lost, with those after it (ENOBUFS), or wait. */
		if (overrun_jump(r) < 0)
			return -1;
	}
}

/* ---- The doorbells ---- */

static _Atomic uint32_t *bell_flag(const struct lipc_ring *r)
{
	return &slot(r, r->slot)->bell;
}

static void arm(struct lipc_ring *r)
{
	struct pub_slot *s = slot(r, r->slot);

	atomic_store_explicit(&s->token, r->token, memory_order_relaxed);
	atomic_store_explicit(&s->bell, 1, memory_order_seq_cst);
	atomic_fetch_or_explicit(&r->sh->bells, 1ull << r->slot, memory_order_seq_cst);
}

/* Would the next receive return without waiting? not_ready() and producer_gone(), dry. */
static bool due(struct lipc_ring *r, bool test, bool *watch)
{
	uint64_t at = r->pos + r->held, head;

	(void)watch; /* the producer's death: ring.c watches its pid, as a point-to-point one's */
	if (ready_now(r))
		return true;
	/* seq_cst: after the barrier of ring.c's arming. */
	head = atomic_load_explicit(&r->sh->head, memory_order_seq_cst);
	/* A record, a lap (lossy), or corrupt (EBADMSG, EPROTO). */
	if (head_past(r, head, at) || (!lossy(r) && head - at > r->cap && at - head > r->cap))
		return true;
	/* Lossy: a later lap's record at our cursor, not yet under head, makes it jump. */
	if (lossy(r) && r->pub_known && !r->held &&
	    atomic_load_explicit(&rec_at(r, at)->seq, memory_order_relaxed) > next_n(r) + 1)
		return true;
	return lipc__ring_producer_due(r, test);
}

const struct ring_ops lipc__ring_pub_ops = {
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
