/* SPDX-License-Identifier: MIT */
/*
 * The ring's publish mode (one producer, many consumers, lossless and lossy) across processes:
 * every consumer sees every record in order at volume; a lossy consumer that falls behind is told
 * exactly what it lost and never gets a damaged record; consumers and producers killed anywhere
 * leave the survivors' stories right; a hostile writer of the mapping gets errors, never a crash
 * or a hang. Processes wait for each other through the ring or a pipe, never by sleeping. The
 * traps: a forked child inherits the parent's handles (it opens its own), and a pipe's write end
 * must be held by its writer only, or its EOF (a consumer's death) never comes.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "lipc/ring.h"

static char ring_name[300];

static const char *ring(void)
{
	char name[256];

	snprintf(ring_name, sizeof(ring_name), "/%s", check_name(name, sizeof(name), "pub"));
	return ring_name;
}

static struct lipc_ring *open_pub(enum lipc_role role, int mode, size_t capacity)
{
	struct lipc_ring *r = lipc_ring_open(ring_name, role, LIPC_CREATE | mode, capacity, 0);

	if (!r)
		check_fail(__FILE__, __LINE__, "lipc_ring_open %s: %s", ring_name, strerror(errno));
	return r;
}

/* A cheap, position-dependent checksum. */
static uint32_t sum(const unsigned char *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	while (n--)
		h = (h ^ *p++) * 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ h >> 32);
}

/*
 * A record: 4 bytes of producer generation, 8 of sequence number, 4 of checksum, then bytes
 * derived from both; at least 16 bytes.
 */
#define REC_MIN 16
static void make_record(unsigned char *buf, uint32_t gen, uint64_t seq, size_t len)
{
	uint64_t x = seq * 0x9E3779B97F4A7C15ull + gen + 1;
	uint32_t h;

	for (size_t i = REC_MIN; i < len; i += 8) {
		size_t n = len - i < 8 ? len - i : 8;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, n);
	}
	memcpy(buf, &gen, 4);
	memcpy(buf + 4, &seq, 8);
	h = sum(buf + REC_MIN, len - REC_MIN) ^ gen ^ (uint32_t)seq;
	memcpy(buf + 12, &h, 4);
}

/* Check a record's checksum; its generation and number in *gen and *seq. */
static void read_record(const unsigned char *buf, size_t len, uint32_t *gen, uint64_t *seq)
{
	uint32_t h;

	if (len < REC_MIN)
		check_fail(__FILE__, __LINE__, "a record of %zu bytes", len);
	memcpy(gen, buf, 4);
	memcpy(seq, buf + 4, 8);
	memcpy(&h, buf + 12, 4);
	if (h != (sum(buf + REC_MIN, len - REC_MIN) ^ *gen ^ (uint32_t)*seq))
		check_fail(__FILE__, __LINE__, "record %u/%llu is damaged", *gen,
			   (unsigned long long)*seq);
}

/* Record sizes from 16 to max, mostly small, reproducible from the sequence number. */
static size_t size_of(uint64_t seq, size_t max)
{
	uint32_t x = (uint32_t)(seq * 0x9E3779B97F4A7C15ull >> 32);

	return REC_MIN + (x % 8 ? x % 100 : x % (max - REC_MIN));
}

/* Push records first..first+n-1 of generation gen, in batches of up to 32. */
static void push_records(struct lipc_ring *p, uint32_t gen, uint64_t first, uint64_t n, size_t max)
{
	static unsigned char bufs[32][4096];
	struct iovec v[32];

	for (uint64_t seq = first; seq < first + n;) {
		size_t k = first + n - seq < 32 ? (size_t)(first + n - seq) : 32;
		int done;

		for (size_t i = 0; i < k; i++) {
			size_t len = size_of(seq + i, max);

			make_record(bufs[i], gen, seq + i, len);
			v[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = len };
		}
		done = lipc_ring_push_many(p, v, k, -1);
		if (done <= 0)
			check_fail(__FILE__, __LINE__, "push_many: %d, %s", done, strerror(errno));
		seq += (uint64_t)done;
	}
}

static void write_byte(int fd)
{
	CHECK_EQ(write(fd, "x", 1), 1);
}

static void read_bytes(int fd, size_t n)
{
	char c;

	for (size_t i = 0; i < n; i++)
		CHECK_EQ(read(fd, &c, 1), 1);
}

/*
 * 8 consumer processes, 1,000,000 records each, lossless: all attach first (they say so through
 * a pipe), then the producer streams in batches through a 64 KiB ring (records wrap), and each
 * consumer, reading in place in batches, sees every record in order, undamaged, then the end.
 */
static void lossless_eight_consumers(void)
{
	const uint64_t n = 1000 * 1000;
	struct lipc_ring *p;
	pid_t pids[8];
	int ready[2];

	ring();
	CHECK_SYS(pipe(ready));
	p = open_pub(LIPC_SEND, LIPC_RING_PUBLISH, 64 * 1024);
	for (int i = 0; i < 8; i++) {
		pids[i] = check_fork();
		if (pids[i] == 0) {
			struct lipc_ring *c = open_pub(LIPC_RECV, LIPC_RING_PUBLISH, 0);
			uint64_t next = 0;
			struct iovec v[64];

			write_byte(ready[1]);
			while (next < n) {
				int got = lipc_ring_peek_many(c, v, 64, -1);

				if (got <= 0)
					check_fail(__FILE__, __LINE__, "record %llu: %d, %s",
						   (unsigned long long)next, got, strerror(errno));
				for (int k = 0; k < got; k++) {
					uint32_t gen;
					uint64_t seq;

					read_record(v[k].iov_base, v[k].iov_len, &gen, &seq);
					CHECK_EQ(v[k].iov_len, size_of(seq, 2000));
					if (seq != next)
						check_fail(__FILE__, __LINE__,
							   "record %llu came as %llu",
							   (unsigned long long)next,
							   (unsigned long long)seq);
					next++;
				}
				CHECK_SYS(lipc_ring_release(c));
			}
			CHECK_EQ(lipc_ring_peek_many(c, v, 64, -1), 0);
			CHECK_EQ(lipc_ring_lost(c), 0);
			CHECK_SYS(lipc_ring_close(c));
			_exit(0);
		}
	}
	read_bytes(ready[0], 8);
	push_records(p, 1, 0, n, 2000);
	CHECK_SYS(lipc_ring_close(p));
	for (int i = 0; i < 8; i++)
		CHECK_EQ(check_wait(pids[i]), 0);
	close(ready[0]);
	close(ready[1]);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A lossy consumer's story, checked as it goes: every record delivered whole, in order, and each
 * gap announced by one ENOBUFS whose count (lipc_ring_lost()) is exactly the gap. Takes records
 * with pop, peek or peek_many by turns (a batch overrun while held fails its release with
 * ENOBUFS and is not delivered: the next receive counts what was overwritten). Returns at the end
 * of the stream or at ECONNRESET (*reset); *delivered and *lost count this call's.
 */
struct story {
	uint32_t gen; /* the generation read, 0 before the first record */
	uint64_t next;
	uint64_t delivered, lost;
	uint64_t pending; /* records announced lost by ENOBUFS, not yet skipped */
	bool started;	  /* a record of this generation was seen */
};

static void story_record(struct story *s, const unsigned char *buf, size_t len, bool lossless)
{
	uint32_t gen;
	uint64_t seq;

	uint64_t expect;

	read_record(buf, len, &gen, &seq);
	CHECK_EQ(len, size_of(seq, 1000));
	expect = s->started && gen == s->gen ? s->next : 0;
	if (!s->started || gen != s->gen) {
		/* A new producer: its records start at 0 (less those announced lost). */
		CHECK(!s->started || gen > s->gen);
		s->gen = gen;
		s->started = true;
	}
	if (seq != expect + s->pending)
		check_fail(__FILE__, __LINE__,
			   "record %u/%llu came where %llu was due, with %llu announced lost", gen,
			   (unsigned long long)seq, (unsigned long long)expect,
			   (unsigned long long)s->pending);
	CHECK(lossless ? s->pending == 0 : true);
	s->lost += s->pending;
	s->pending = 0;
	s->next = seq + 1;
	s->delivered++;
}

/* Read until the end (returns 0) or ECONNRESET (returns -1); the story checked as it goes. */
static int story_read(struct lipc_ring *c, struct story *s, bool lossless, uint64_t die_after,
		      uint64_t *taken)
{
	static unsigned char buf[4096];
	uint32_t turn = 0;

	for (;;) {
		uint64_t before = lipc_ring_lost(c);
		struct iovec v[8];
		const void *p;
		size_t len;
		int ret, k = 0;

		turn = turn * 1103515245u + 12345u;
		switch ((turn >> 16) % 3) {
		case 0:
			ret = lipc_ring_pop(c, buf, sizeof(buf), &len, -1);
			if (ret == 1)
				story_record(s, buf, len, lossless);
			break;
		case 1:
			ret = lipc_ring_peek(c, &p, &len, -1);
			if (ret == 1 && taken && *taken + 1 >= die_after)
				raise(SIGKILL); /* holding it */
			if (ret == 1) {
				memcpy(buf, p, len < sizeof(buf) ? len : sizeof(buf));
				if (lipc_ring_release(c) == 0) {
					story_record(s, buf, len, lossless);
				} else {
					/* Overrun while held: not delivered, and counted next. */
					CHECK_EQ(errno, ENOBUFS);
					CHECK(!lossless);
					CHECK_EQ(lipc_ring_lost(c), before);
				}
			}
			break;
		default:
			ret = lipc_ring_peek_many(c, v, 1 + (turn >> 8) % 8, -1);
			if (ret >= 1) {
				static unsigned char copy[8][1100];
				size_t lens[8];

				for (k = 0; k < ret; k++) {
					CHECK(v[k].iov_len <= sizeof(copy[k]));
					lens[k] = v[k].iov_len;
					memcpy(copy[k], v[k].iov_base, lens[k]);
				}
				if (lipc_ring_release(c) == 0) {
					for (k = 0; k < ret; k++)
						story_record(s, copy[k], lens[k], lossless);
				} else {
					CHECK_EQ(errno, ENOBUFS);
					CHECK(!lossless);
					CHECK_EQ(lipc_ring_lost(c), before);
				}
				ret = 1;
			}
			break;
		}
		if (ret == 0)
			return 0;
		if (ret < 0) {
			if (errno == ECONNRESET)
				return -1;
			if (errno != ENOBUFS || lossless)
				check_fail(__FILE__, __LINE__, "receive: %s", strerror(errno));
			CHECK(lipc_ring_lost(c) > before);
			s->pending += lipc_ring_lost(c) - before;
		}
		if (taken && ++*taken >= die_after)
			raise(SIGKILL);
	}
}

/*
 * Lossy, with a consumer that stops reading: it waits on a pipe until the producer has published
 * 100,000 records into a 64 KiB ring, then reads to the end. It loses records, and is told
 * exactly which: delivered + lost == published, every gap announced. A fast consumer acknowledges
 * every 64 records through a pipe and the producer never runs more than 128 ahead of it (less
 * than the ring holds): it loses nothing.
 */
static void lossy_slow_consumer(void)
{
	const uint64_t n = 200 * 1000;
	int ready[2], go[2], ack[2], result[2];
	struct lipc_ring *p;
	pid_t slow, fast;
	uint64_t got[2];

	ring();
	CHECK_SYS(pipe(ready));
	CHECK_SYS(pipe(go));
	CHECK_SYS(pipe(ack));
	CHECK_SYS(pipe(result));
	p = open_pub(LIPC_SEND, LIPC_RING_LOSSY, 64 * 1024);
	slow = check_fork();
	if (slow == 0) {
		struct lipc_ring *c = open_pub(LIPC_RECV, LIPC_RING_LOSSY, 0);
		struct story s = { 0 };

		write_byte(ready[1]);
		read_bytes(go[0], 1);
		CHECK_EQ(story_read(c, &s, false, UINT64_MAX, NULL), 0);
		s.lost += s.pending; /* announced after the last record delivered */
		CHECK_EQ(s.lost, lipc_ring_lost(c));
		got[0] = s.delivered;
		got[1] = s.lost;
		CHECK_EQ(write(result[1], got, sizeof(got)), (ssize_t)sizeof(got));
		CHECK_SYS(lipc_ring_close(c));
		_exit(0);
	}
	fast = check_fork();
	if (fast == 0) {
		struct lipc_ring *c = open_pub(LIPC_RECV, LIPC_RING_LOSSY, 0);
		unsigned char buf[2048];
		size_t len;

		write_byte(ready[1]);
		for (uint64_t seq = 0; seq < n; seq++) {
			uint32_t gen;
			uint64_t s;

			if (lipc_ring_pop(c, buf, sizeof(buf), &len, -1) != 1)
				check_fail(__FILE__, __LINE__, "record %llu: %s",
					   (unsigned long long)seq, strerror(errno));
			read_record(buf, len, &gen, &s);
			CHECK_EQ(s, seq);
			if (seq % 64 == 63)
				write_byte(ack[1]);
		}
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 0);
		CHECK_EQ(lipc_ring_lost(c), 0);
		CHECK_SYS(lipc_ring_close(c));
		_exit(0);
	}
	read_bytes(ready[0], 2);
	for (uint64_t seq = 0; seq < n; seq += 64) {
		push_records(p, 1, seq, 64, 1000);
		if (seq / 64 == 100 * 1000 / 64)
			write_byte(go[1]);
		if (seq >= 64)
			read_bytes(ack[0], 1); /* the fast one has the batch before this one */
	}
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(read(result[0], got, sizeof(got)), (ssize_t)sizeof(got));
	printf("the slow consumer: %llu delivered, %llu lost\n", (unsigned long long)got[0],
	       (unsigned long long)got[1]);
	CHECK_EQ(got[0] + got[1], n);
	CHECK(got[1] >= 100 * 1000 - 64 * 1024 / 16); /* it could not have held more */
	CHECK(got[0] > 0);
	CHECK_EQ(check_wait(slow), 0);
	CHECK_EQ(check_wait(fast), 0);
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(go[i]);
		close(ack[i]);
		close(result[i]);
	}
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* A consumer that attaches late starts at the head: the first record it gets is the next one. */
static void late_joiner_starts_at_head(void)
{
	static const int modes[] = { LIPC_RING_PUBLISH, LIPC_RING_LOSSY };

	for (int m = 0; m < 2; m++) {
		unsigned char buf[4096];
		struct lipc_ring *p, *c1, *c2;
		uint32_t gen;
		uint64_t seq;
		size_t len;

		ring();
		p = open_pub(LIPC_SEND, modes[m], 64 * 1024);
		/* Nobody attached: the producer never waits, records go to nobody. */
		push_records(p, 1, 0, 1000, 1000);
		c1 = open_pub(LIPC_RECV, 0, 0);
		CHECK_ERR(lipc_ring_pop(c1, buf, sizeof(buf), &len, 0), EAGAIN);
		push_records(p, 1, 1000, 10, 1000);
		c2 = open_pub(LIPC_RECV, 0, 0);
		push_records(p, 1, 1010, 10, 1000);
		for (uint64_t want = 1000; want < 1020; want++) {
			CHECK_EQ(lipc_ring_pop(c1, buf, sizeof(buf), &len, 0), 1);
			read_record(buf, len, &gen, &seq);
			CHECK_EQ(seq, want);
		}
		for (uint64_t want = 1010; want < 1020; want++) {
			CHECK_EQ(lipc_ring_pop(c2, buf, sizeof(buf), &len, 0), 1);
			read_record(buf, len, &gen, &seq);
			CHECK_EQ(seq, want);
		}
		CHECK_ERR(lipc_ring_pop(c2, buf, sizeof(buf), &len, 0), EAGAIN);
		CHECK_EQ(lipc_ring_lost(c1), 0);
		CHECK_SYS(lipc_ring_close(p));
		CHECK_EQ(lipc_ring_pop(c1, buf, sizeof(buf), &len, 0), 0);
		CHECK_EQ(lipc_ring_pop(c2, buf, sizeof(buf), &len, -1), 0);
		CHECK_SYS(lipc_ring_close(c1));
		CHECK_SYS(lipc_ring_close(c2));
		CHECK_SYS(lipc_ring_unlink(ring_name));
	}
}

/*
 * A lossless producer waits for its slowest consumer (ETIMEDOUT on a full ring), and no longer
 * once that consumer is killed; a new consumer takes the dead one's slot and holds it back again.
 */
static void dead_consumer_released(void)
{
	static unsigned char rec[1000];
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	struct lipc_ring *p, *c;
	int ready[2], hold[2];
	size_t lag[4];
	pid_t pid;
	int pushed = 0;

	ring();
	CHECK_SYS(pipe(ready));
	CHECK_SYS(pipe(hold));
	p = open_pub(LIPC_SEND, LIPC_RING_PUBLISH, 4096);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *k = open_pub(LIPC_RECV, 0, 0);

		(void)k;
		write_byte(ready[1]);
		read_bytes(hold[0], 1); /* never comes: killed */
		_exit(1);
	}
	read_bytes(ready[0], 1);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.mode, LIPC_RING_FANOUT);
	CHECK_EQ(st.producers, 1);
	CHECK_EQ(st.consumers, 1);
	while (lipc_ring_push(p, rec, sizeof(rec), 0) == 0)
		pushed++;
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(pushed, 4); /* 4096 bytes hold four records of 1024 */
	CHECK_ERR(lipc_ring_push(p, rec, sizeof(rec), 30), ETIMEDOUT);
	CHECK_EQ(lipc_ring_lag(ring_name, lag, 4), 1);
	CHECK_EQ(lag[0], 4 * 1024);
	CHECK_SYS(kill(pid, SIGKILL));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	/* Dropped at the producer's next check of the slowest consumer's lock. */
	for (int i = 0; i < 100; i++)
		CHECK_SYS(lipc_ring_push(p, rec, sizeof(rec), -1));
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.consumers, 0);
	/* A new consumer in the slot holds the producer back again. */
	c = open_pub(LIPC_RECV, 0, 0);
	CHECK_EQ(lipc_ring_lag(ring_name, lag, 4), 1);
	CHECK_EQ(lag[0], 0);
	pushed = 0;
	while (lipc_ring_push(p, rec, sizeof(rec), 0) == 0)
		pushed++;
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(pushed, 4);
	CHECK_EQ(lipc_ring_lag(ring_name, lag, 4), 1);
	CHECK_EQ(lag[0], 4 * 1024);
	/* Its clean close lets the producer go at once. */
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_push(p, rec, sizeof(rec), 0));
	CHECK_SYS(lipc_ring_close(p));
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(hold[i]);
	}
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* Slots and roles: 64 consumers, the 65th EBUSY; one producer; the modes; stat and lag. */
static void slots_roles_and_modes(void)
{
	static struct lipc_ring *cs[LIPC_RING_SLOTS];
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	unsigned char buf[64];
	size_t lag[LIPC_RING_SLOTS + 1], len;
	struct lipc_ring *p;
	char point[300], base[256];

	ring();
	p = open_pub(LIPC_SEND, LIPC_RING_LOSSY, 4096);
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0) && errno == EBUSY);
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, LIPC_RING_PUBLISH, 0, 0) && errno == EPROTO);
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, LIPC_RING_MULTI, 0, 0) && errno == EPROTO);
	for (int i = 0; i < LIPC_RING_SLOTS; i++) {
		cs[i] = lipc_ring_open(ring_name, LIPC_RECV, i % 2 ? LIPC_RING_LOSSY : 0, 0, 0);
		CHECK(cs[i] != NULL);
		CHECK_SYS(lipc_ring_push(p, buf, 16, 0));
	}
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0) && errno == EBUSY);
	CHECK_EQ(lipc_ring_fd(cs[0]), (int)CHECK_SYS(lipc_ring_fd(cs[0]))); /* test_ring_bells' */
	CHECK_ERR(lipc_ring_fd(p), EBADF);
	CHECK_ERR(lipc_ring_pop(p, buf, sizeof(buf), &len, 0), EBADF);
	CHECK_ERR(lipc_ring_push(cs[0], buf, 1, 0), EBADF);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.mode, LIPC_RING_FANOUT_LOSSY);
	CHECK_EQ(st.producers, 1);
	CHECK_EQ(st.consumers, LIPC_RING_SLOTS);
	CHECK(st.producer && st.consumer);
	/* Consumer i attached before record i: it has 64 - i records (32 bytes each) to read. */
	CHECK_EQ(lipc_ring_lag(ring_name, lag, LIPC_RING_SLOTS + 1), LIPC_RING_SLOTS);
	for (int i = 0; i < LIPC_RING_SLOTS; i++)
		CHECK_EQ(lag[i], (size_t)(LIPC_RING_SLOTS - i) * 32);
	CHECK_EQ(lipc_ring_pop(cs[5], buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(lipc_ring_lag(ring_name, lag, LIPC_RING_SLOTS), LIPC_RING_SLOTS);
	CHECK_EQ(lag[5], (size_t)(LIPC_RING_SLOTS - 6) * 32);
	CHECK_ERR(lipc_ring_release(cs[5]), EINVAL);
	CHECK_ERR(lipc_ring_peek_many(cs[5], NULL, 0, 0), EINVAL);
	for (int i = 0; i < LIPC_RING_SLOTS; i++)
		CHECK_SYS(lipc_ring_close(cs[i]));
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.consumers, 0);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_unlink(ring_name));

	/* A point-to-point ring is not a publish one, nor the reverse. */
	snprintf(point, sizeof(point), "/%s", check_name(base, sizeof(base), "point"));
	p = lipc_ring_open(point, LIPC_SEND, LIPC_CREATE, 4096, 0);
	CHECK(p != NULL);
	CHECK(!lipc_ring_open(point, LIPC_RECV, LIPC_RING_PUBLISH, 0, 0) && errno == EPROTO);
	CHECK(!lipc_ring_open(point, LIPC_RECV, LIPC_RING_LOSSY, 0, 0) && errno == EPROTO);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_unlink(point));
}

/*
 * The end: a producer's clean close is 0 once the records are read, its death ECONNRESET (once),
 * and a new producer continues the stream for the same consumer; a second producer is EBUSY.
 */
static void end_and_reset(void)
{
	unsigned char buf[4096];
	struct lipc_ring *c;
	uint32_t gen;
	uint64_t seq;
	size_t len;
	pid_t pid;

	ring();
	c = open_pub(LIPC_RECV, LIPC_RING_PUBLISH, 8192);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *p = open_pub(LIPC_SEND, 0, 0);

		push_records(p, 1, 0, 100, 1000);
		raise(SIGKILL);
	}
	for (uint64_t want = 0; want < 100; want++) {
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 1);
		read_record(buf, len, &gen, &seq);
		CHECK_EQ(seq, want);
	}
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), ECONNRESET);
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN); /* once */
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *p = open_pub(LIPC_SEND, 0, 0);

		CHECK(!lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0) && errno == EBUSY);
		push_records(p, 2, 0, 100, 1000);
		CHECK_SYS(lipc_ring_close(p));
		_exit(0);
	}
	for (uint64_t want = 0; want < 100; want++) {
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 1);
		read_record(buf, len, &gen, &seq);
		CHECK_EQ(gen, 2);
		CHECK_EQ(seq, want);
	}
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_EQ(lipc_ring_lost(c), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * 200 SIGKILLs in each mode. Each round a producer (generation g) writes records 0, 1, ... of g
 * and kills itself after a random count (sometimes between reserve and commit); three consumers
 * read, each reporting through its pipe how many records of g it delivered and lost once it is
 * told of the death (ECONNRESET); some consumers kill themselves after a random count (sometimes
 * holding records), and are replaced between rounds. Every consumer that stayed attached through
 * a round delivered g's records whole and in order, lossless without a gap and lossy with every
 * gap counted, and all agree on how many g committed.
 */
#define KILL_CONSUMERS 3
struct killed_consumer {
	pid_t pid;
	int rd; /* its pipe: a report a round, EOF when it died */
};

static void start_consumer(struct killed_consumer *k, int mode, uint32_t *rnd)
{
	uint64_t die_after;
	int fds[2];

	CHECK_SYS(pipe(fds));
	*rnd = *rnd * 1103515245u + 12345u;
	die_after = (*rnd >> 8) % 8000;

	k->pid = check_fork();
	if (k->pid == 0) {
		struct lipc_ring *c = open_pub(LIPC_RECV, mode, 0);
		struct story s = { 0 };
		uint64_t taken = 0;

		close(fds[0]);
		write_byte(fds[1]); /* attached */
		for (;;) {
			uint64_t report[2], d0 = s.delivered, l0 = s.lost;

			if (story_read(c, &s, mode == LIPC_RING_PUBLISH, die_after, &taken) == 0)
				check_fail(__FILE__, __LINE__, "an end of stream nobody closed");
			s.lost += s.pending; /* announced, and nothing came after them */
			s.pending = 0;
			report[0] = s.delivered - d0;
			report[1] = s.lost - l0;
			CHECK_EQ(write(fds[1], report, sizeof(report)), (ssize_t)sizeof(report));
			s.started = false; /* the next generation starts at 0 */
		}
	}
	close(fds[1]);
	k->rd = fds[0];
	read_bytes(k->rd, 1);
}

static void kills_in_mode(int mode)
{
	struct killed_consumer cs[KILL_CONSUMERS];
	uint32_t rnd = (uint32_t)mode * 7919u + 1;
	int kills = 0, rounds = 0;

	ring();
	/* The ring exists before anyone races to create it (its capacity is the test's). */
	CHECK_SYS(lipc_ring_close(open_pub(LIPC_RECV, mode, 16 * 1024)));
	for (int i = 0; i < KILL_CONSUMERS; i++)
		start_consumer(&cs[i], mode, &rnd);
	for (uint32_t gen = 1; kills < 200; gen++, rounds++) {
		uint64_t die_at, agreed = UINT64_MAX;
		bool before_commit;
		pid_t pid;

		rnd = rnd * 1103515245u + 12345u;
		die_at = (rnd >> 8) % 2000;
		before_commit = rnd & 0x100;
		pid = check_fork();
		if (pid == 0) {
			struct lipc_ring *p = open_pub(LIPC_SEND, mode, 0);
			unsigned char *rec;

			for (uint64_t seq = 0;; seq++) {
				size_t len = size_of(seq, 1000);

				rec = lipc_ring_reserve(p, len, -1);
				CHECK(rec != NULL);
				make_record(rec, gen, seq, len);
				if (seq == die_at && before_commit)
					raise(SIGKILL);
				CHECK_SYS(lipc_ring_commit(p));
				if (seq == die_at)
					raise(SIGKILL);
			}
		}
		CHECK_EQ(check_wait(pid), 128 + SIGKILL);
		kills++;
		for (int i = 0; i < KILL_CONSUMERS; i++) {
			uint64_t report[2];
			ssize_t n = read(cs[i].rd, report, sizeof(report));

			if (n == 0) {
				/* It killed itself: replaced once the round is over. */
				CHECK_EQ(check_wait(cs[i].pid), 128 + SIGKILL);
				close(cs[i].rd);
				cs[i].pid = 0;
				kills++;
				continue;
			}
			CHECK_EQ(n, (ssize_t)sizeof(report));
			if (mode == LIPC_RING_PUBLISH)
				CHECK_EQ(report[1], 0);
			if (agreed == UINT64_MAX)
				agreed = report[0] + report[1];
			CHECK_EQ(report[0] + report[1], agreed);
		}
		/* Every consumer that stayed counted what the producer committed. */
		if (agreed != UINT64_MAX)
			CHECK(agreed == die_at + 1 || (agreed == die_at && before_commit));
		for (int i = 0; i < KILL_CONSUMERS; i++)
			if (cs[i].pid == 0)
				start_consumer(&cs[i], mode, &rnd);
	}
	for (int i = 0; i < KILL_CONSUMERS; i++) {
		CHECK_SYS(kill(cs[i].pid, SIGKILL));
		CHECK_EQ(check_wait(cs[i].pid), 128 + SIGKILL);
		close(cs[i].rd);
	}
	printf("%s: %d kills in %d rounds\n", mode == LIPC_RING_PUBLISH ? "lossless" : "lossy",
	       kills, rounds);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

static void killed_anywhere_lossless(void)
{
	kills_in_mode(LIPC_RING_PUBLISH);
}

static void killed_anywhere_lossy(void)
{
	kills_in_mode(LIPC_RING_LOSSY);
}

/*
 * A record reserved and not committed is never ready, whatever its header's seq word held
 * before. The word is not written between laps: a later lap's payload can cover its low bytes
 * and leave the rest, which spells the small number of the record that lands there next (the
 * CI run's EBADMSG in killed_anywhere_lossy: a consumer saw a wrap marker "published" before
 * the record after it; or it copied a record before its bytes were written). Built here on
 * purpose in a 4 KiB ring of zero-filled records, the layout the ring's rules give (a 16-byte
 * header, records on 16 bytes, a marker before a record that would cross the end): lap 0 puts
 * a header at offset o, lap 1 a record whose payload's last byte is the seq word's low byte
 * (the number + 1 of the record that will be at o on lap 2; the zeros above it are lap 0's
 * number's), and lap 2 reserves that record, plain (o = 1024) or behind a wrap marker
 * (o = 4032). The test reads the ring file to check that it built the stale word. The
 * consumer must wait (EAGAIN) until the commit, then get the record whole, in both modes.
 */
#define STALE_CAP 4096
static void stale_seq_in_mode(int mode, uint64_t o, size_t target_len)
{
	const size_t data = 4096 + LIPC_RING_SLOTS * 128;
	static unsigned char zeros[STALE_CAP], buf[STALE_CAP];
	size_t lens[3 * STALE_CAP / 48], n = 0, target, span = 0, len;
	char path[PATH_MAX];
	struct lipc_ring *p, *c;
	unsigned char *map, *rec;
	uint64_t word;
	int fd;

	/* Lap 0: 64-byte records (a header at every 64th byte, o among them). */
	for (uint64_t at = 0; at < STALE_CAP; at += 64)
		lens[n++] = 48;
	/* Lap 1: up to o - 64, then one whose last payload byte is o + 8, then up to the end. */
	for (uint64_t at = 0; at < o - 64; at += 64)
		lens[n++] = 48;
	span = n;
	lens[n++] = 64 + 9 - 16; /* [o - 64, o + 16): its payload ends at o + 9 */
	for (uint64_t at = o + 16; at + 64 <= STALE_CAP; at += 64)
		lens[n++] = 48;
	lens[n++] = 32; /* the 48 bytes left: the lap ends on a record, no marker */
	/* Lap 2: up to o, then the record reserved there. */
	for (uint64_t at = 0; at < o; at += 64)
		lens[n++] = 48;
	target = n;
	CHECK(target + 1 < 256); /* the number fits the one byte the payload wrote */

	ring();
	c = open_pub(LIPC_RECV, mode, STALE_CAP);
	p = open_pub(LIPC_SEND, mode, 0);
	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	fd = (int)CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
	map = mmap(NULL, data + STALE_CAP, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED);
	for (size_t i = 0; i < target; i++) {
		memset(buf, 0, lens[i]);
		if (i == span)
			buf[lens[i] - 1] = (unsigned char)(target + 1);
		CHECK_SYS(lipc_ring_push(p, buf, lens[i], 0));
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
		CHECK_EQ(len, lens[i]);
		CHECK(memcmp(buf, zeros, len - (i == span)) == 0);
	}
	/* The stale word: the seq of the record about to land at o, and nothing wrote it. */
	memcpy(&word, map + data + o + 8, sizeof(word));
	CHECK_EQ(word, target + 1);

	rec = lipc_ring_reserve(p, target_len, 0);
	CHECK(rec != NULL);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	memset(rec, 'r', target_len);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_SYS(lipc_ring_commit(p));
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, target_len);
	for (size_t i = 0; i < len; i++)
		CHECK_EQ(buf[i], 'r');
	CHECK_EQ(lipc_ring_lost(c), 0);

	munmap(map, data + STALE_CAP);
	close(fd);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

static void stale_seq_is_not_ready(void)
{
	static const int modes[] = { LIPC_RING_PUBLISH, LIPC_RING_LOSSY };

	for (int m = 0; m < 2; m++) {
		stale_seq_in_mode(modes[m], 1024, 48);	/* a plain record */
		stale_seq_in_mode(modes[m], 4032, 100); /* 128 bytes from 4032: a wrap marker */
	}
}

/*
 * Lossy: a consumer that holds a whole capacity of records (peek_many takes those after the
 * ones held) and asks for more after the producer lapped the first of them: the next record
 * is whole but lies more than a capacity past the cursor. That is an overrun (ENOBUFS, the
 * first record counted lost, the rest delivered again), not corruption (it was EBADMSG).
 */
static void lapped_batch_is_an_overrun(void)
{
	unsigned char rec[48], buf[4096];
	struct lipc_ring *p, *c;
	struct iovec v[64];
	size_t len;

	ring();
	c = open_pub(LIPC_RECV, LIPC_RING_LOSSY, 4096);
	p = open_pub(LIPC_SEND, LIPC_RING_LOSSY, 0);
	/* 64 records of 64 bytes: exactly a capacity, none overwritten yet. */
	for (int i = 0; i < 64; i++) {
		memset(rec, i, sizeof(rec));
		CHECK_SYS(lipc_ring_push(p, rec, sizeof(rec), 0));
	}
	CHECK_EQ(lipc_ring_peek_many(c, v, 64, 0), 64);
	/* The 65th overwrites the first, held. */
	memset(rec, 64, sizeof(rec));
	CHECK_SYS(lipc_ring_push(p, rec, sizeof(rec), 0));
	CHECK_ERR(lipc_ring_peek_many(c, v, 1, 0), ENOBUFS);
	CHECK_EQ(lipc_ring_lost(c), 1);
	CHECK_ERR(lipc_ring_release(c), EINVAL); /* the ENOBUFS gave up what was held */
	for (int i = 1; i <= 64; i++) {
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
		CHECK_EQ(len, sizeof(rec));
		for (size_t k = 0; k < len; k++)
			CHECK_EQ(buf[k], i);
	}
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_EQ(lipc_ring_lost(c), 1);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A hostile writer of the mapping: random bytes over head and its counts, tail, the consumers'
 * line, the slots and the first records, 20,000 rounds in each mode. Every call answers with a
 * record that checks out, or an error it may give, never a fault or an endless loop (every call
 * has a timeout of 0; the test's own timeout catches a hang).
 */
static void corruption_is_an_error(void)
{
	static const int modes[] = { LIPC_RING_PUBLISH, LIPC_RING_LOSSY };
	const size_t cap = 4096, data = 4096 + LIPC_RING_SLOTS * 128;
	unsigned char buf[4096];
	static unsigned char saved[4096 + LIPC_RING_SLOTS * 128 + 4096];
	uint32_t rnd = 1;

	memset(buf, 'b', sizeof(buf));
	for (int m = 0; m < 2; m++) {
		char path[PATH_MAX];
		unsigned char *map;
		int fd, errors = 0, records = 0;

		ring();
		CHECK_SYS(lipc_ring_close(open_pub(LIPC_RECV, modes[m], cap)));
		snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
		fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
		map = mmap(NULL, data + cap, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(map != MAP_FAILED);
		memcpy(saved, map, data + cap);
		for (int round = 0; round < 20000; round++) {
			struct lipc_ring *p, *c, *c2;
			size_t len;
			int hits;

			if (round % 50 == 0)
				memcpy(map, saved, data + cap); /* sane again, now and then */
			p = lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0);
			c = lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0);
			for (int i = 0; p && i < 5; i++) {
				rnd = rnd * 1103515245u + 12345u;
				if (lipc_ring_push(p, buf, (rnd >> 8) % 700, 0) < 0) {
					CHECK(errno == EAGAIN || errno == EPROTO);
					break;
				}
			}
			rnd = rnd * 1103515245u + 12345u;
			hits = 1 + (int)(rnd >> 30);
			for (int i = 0; i < hits; i++) {
				/* head and its counts, tail, the consumer line, slots 0-1, records
				 */
				static const size_t base[] = { 128, 256, 384, 4096, 12288 };
				static const size_t span[] = { 24, 8, 64, 160, 256 };
				unsigned where;

				rnd = rnd * 1103515245u + 12345u;
				where = (rnd >> 2) % 6;
				map[where < 5 ? base[where] + (rnd >> 8) % span[where]
					      : data + (rnd >> 8) % cap] =
					(unsigned char)(rnd >> 24);
			}
			c2 = lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0);
			for (int i = 0; i < 12; i++) {
				struct lipc_ring *r = i % 2 && c2 ? c2 : c;
				struct iovec v[3];
				int ret;

				if (!r)
					break;
				ret = i % 3 == 2 ? lipc_ring_peek_many(r, v, 3, 0)
						 : lipc_ring_pop(r, buf, sizeof(buf), &len, 0);
				if (ret >= 1) {
					records++;
					if (i % 3 == 2) {
						for (int k = 0; k < ret; k++)
							CHECK(v[k].iov_len < cap / 2);
						/* The error a batch ended on is the next call's. */
						if (lipc_ring_release(r) < 0)
							CHECK(errno == ENOBUFS || errno == EPROTO ||
							      errno == EBADMSG);
					} else {
						CHECK(len < cap / 2);
					}
				} else if (ret < 0) {
					CHECK(errno == EAGAIN || errno == EPROTO ||
					      errno == EBADMSG || errno == ENOBUFS ||
					      errno == ECONNRESET);
					errors += errno == EPROTO || errno == EBADMSG;
				}
				if (p && i % 4 == 3 && lipc_ring_push(p, buf, 100, 0) < 0)
					CHECK(errno == EAGAIN || errno == EPROTO);
			}
			CHECK_SYS(lipc_ring_close(c2));
			CHECK_SYS(lipc_ring_close(c));
			CHECK_SYS(lipc_ring_close(p));
		}
		printf("%s: %d records, %d corrupt answers\n",
		       modes[m] == LIPC_RING_PUBLISH ? "lossless" : "lossy", records, errors);
		CHECK(errors > 0);
		munmap(map, data + cap);
		close(fd);
		CHECK_SYS(lipc_ring_unlink(ring_name));
	}
}

CHECK_MAIN(TEST_T(lossless_eight_consumers, 120), TEST_T(lossy_slow_consumer, 120),
	   TEST(late_joiner_starts_at_head), TEST(dead_consumer_released),
	   TEST(slots_roles_and_modes), TEST(end_and_reset), TEST_T(killed_anywhere_lossless, 200),
	   TEST_T(killed_anywhere_lossy, 200), TEST(stale_seq_is_not_ready),
	   TEST(lapped_batch_is_an_overrun), TEST_T(corruption_is_an_error, 200))
