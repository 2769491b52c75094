/* SPDX-License-Identifier: MIT */
/*
 * The multi-producer ring (LIPC_RING_MULTI) across processes: many producers into one consumer,
 * each record exactly once and each producer's in its order; a claimer killed before its
 * commit, stepped over; random SIGKILLs of producers and consumers with every survivor's story
 * checked; the limits and the bad inputs; a hostile shared page. Processes synchronise through
 * the ring or a pipe, never by sleeping. The records carry their producer's id, their sequence
 * number and a checksum, so that a lost, duplicated, reordered or damaged one is named.
 * LIPC_TEST_MULTI_RECORDS sets how many records each producer of the big test sends (1000000).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "lipc/ring.h"

/* The shared layout, as far as the tests write it (src/ring_impl.h, src/ring_multi.c). */
#define HEAD_AT	     128
#define TAIL_AT	     256
#define SLOTS_AT     4096
#define SLOT_SIZE    128
#define DATA_AT	     (SLOTS_AT + 64 * SLOT_SIZE)
#define INTENT	     0
#define INTENT_END   8
#define CLAIMED	     16
#define STATE	     24
#define NO_CLAIM     UINT64_MAX
#define REC_HEADER   16
#define HDR_BYTES    16 /* our record: producer id 4, sequence 8, checksum 4 */
#define MAX_PRODUCER 4096

static char ring_name[300];

static const char *ring(void)
{
	char name[256];

	snprintf(ring_name, sizeof(ring_name), "/%s", check_name(name, sizeof(name), "multi"));
	return ring_name;
}

static struct lipc_ring *open_as(enum lipc_role role, int flags, size_t capacity)
{
	struct lipc_ring *r = lipc_ring_open(ring_name, role, flags, capacity, 0);

	if (!r)
		check_fail(__FILE__, __LINE__, "lipc_ring_open %s: %s", ring_name, strerror(errno));
	return r;
}

static struct lipc_ring *open_multi(enum lipc_role role, size_t capacity)
{
	return open_as(role, LIPC_CREATE | LIPC_RING_MULTI, capacity);
}

static uint32_t sum(const unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ seed ^ n;

	for (; n--; p++)
		h = (h ^ *p) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h ^ h >> 32);
}

/* Record size for (id, seq): mostly small, now and then large enough to wrap a small ring. */
static size_t size_for(uint32_t id, uint64_t seq, size_t max)
{
	uint64_t x = (seq + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)id << 40;

	x ^= x >> 29;
	if (x % 97 == 0)
		return HDR_BYTES + (x >> 8) % (max - HDR_BYTES + 1);
	return HDR_BYTES + (x >> 8) % 113;
}

/* Fill buf with record (id, seq) of len bytes (len >= HDR_BYTES). */
static void make(unsigned char *buf, uint32_t id, uint64_t seq, size_t len)
{
	uint64_t x = seq * 0x2545F4914F6CDD1Dull + id;
	uint32_t h;

	for (size_t i = HDR_BYTES; i < len; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (unsigned char)(x >> 56);
	}
	memcpy(buf, &id, 4);
	memcpy(buf + 4, &seq, 8);
	h = sum(buf + HDR_BYTES, len - HDR_BYTES, (uint64_t)id << 32 ^ seq);
	memcpy(buf + 12, &h, 4);
}

/* Check a record's checksum; its id and seq in *id, *seq. */
static void check_rec(const unsigned char *buf, size_t len, uint32_t *id, uint64_t *seq)
{
	uint32_t h;

	if (len < HDR_BYTES)
		check_fail(__FILE__, __LINE__, "a record of %zu bytes", len);
	memcpy(id, buf, 4);
	memcpy(seq, buf + 4, 8);
	memcpy(&h, buf + 12, 4);
	if (h != sum(buf + HDR_BYTES, len - HDR_BYTES, (uint64_t)*id << 32 ^ *seq))
		check_fail(__FILE__, __LINE__, "record %u/%llu (%zu bytes) is damaged", *id,
			   (unsigned long long)*seq, len);
}

/* The next record of producer id must be seq: lost, duplicated, reordered otherwise. */
static void in_order(uint64_t *next, uint32_t id, uint64_t seq)
{
	if (id >= MAX_PRODUCER)
		check_fail(__FILE__, __LINE__, "a record of producer %u", id);
	if (seq != next[id])
		check_fail(__FILE__, __LINE__, "producer %u: record %llu came where %llu was due",
			   id, (unsigned long long)seq, (unsigned long long)next[id]);
	next[id]++;
}

static uint64_t records_each(void)
{
	const char *s = getenv("LIPC_TEST_MULTI_RECORDS");

	return s && *s ? strtoull(s, NULL, 10) : 1000000;
}

/*
 * A producer process: records 0..count-1 of producer id, by one of three ways (batches, reserve
 * and commit, push), then a clean close.
 */
static pid_t producer(uint32_t id, uint64_t count, size_t max)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_ring *p = open_as(LIPC_SEND, 0, 0);
		static unsigned char bufs[32][8192];
		struct iovec iov[32];

		CHECK(max <= sizeof(bufs[0]));
		for (uint64_t seq = 0; seq < count;) {
			if (id % 3 == 0) {
				size_t n = count - seq < 32 ? (size_t)(count - seq) : 32;
				int k;

				for (size_t i = 0; i < n; i++) {
					size_t len = size_for(id, seq + i, max);

					make(bufs[i], id, seq + i, len);
					iov[i] = (struct iovec){ .iov_base = bufs[i],
								 .iov_len = len };
				}
				k = (int)CHECK_SYS(lipc_ring_push_many(p, iov, n, -1));
				CHECK(k >= 1);
				seq += (uint64_t)k;
			} else if (id % 3 == 1) {
				size_t len = size_for(id, seq, max);
				unsigned char *rec = lipc_ring_reserve(p, len, -1);

				if (!rec)
					check_fail(__FILE__, __LINE__, "reserve: %s",
						   strerror(errno));
				make(rec, id, seq++, len);
				CHECK_SYS(lipc_ring_commit(p));
			} else {
				size_t len = size_for(id, seq, max);

				make(bufs[0], id, seq, len);
				CHECK_SYS(lipc_ring_push(p, bufs[0], len, -1));
				seq++;
			}
		}
		CHECK_SYS(lipc_ring_close(p));
		_exit(0);
	}
	return pid;
}

/*
 * 4 producers x 1,000,000 records (LIPC_TEST_MULTI_RECORDS) of varied sizes, some that wrap,
 * into one consumer taking them in batches: every record exactly once, undamaged, each
 * producer's in order, then the end of the stream.
 */
static void four_producers(void)
{
	const uint64_t n = records_each();
	static uint64_t next[MAX_PRODUCER];
	struct lipc_ring *c;
	struct timespec t0, t1;
	uint64_t total = 0;
	pid_t pid[4];

	ring();
	c = open_multi(LIPC_RECV, 256 * 1024);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t i = 0; i < 4; i++)
		pid[i] = producer(i, n, 6000);
	for (;;) {
		struct iovec iov[64];
		int got = lipc_ring_peek_many(c, iov, 64, -1);

		if (got == 0)
			break;
		if (got < 0)
			check_fail(__FILE__, __LINE__, "after %llu records: %s",
				   (unsigned long long)total, strerror(errno));
		for (int k = 0; k < got; k++) {
			uint32_t id;
			uint64_t seq;

			check_rec(iov[k].iov_base, iov[k].iov_len, &id, &seq);
			CHECK(id < 4);
			in_order(next, id, seq);
		}
		total += (uint64_t)got;
		CHECK_SYS(lipc_ring_release(c));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_EQ(check_wait(pid[i]), 0);
		CHECK_EQ(next[i], n);
	}
	CHECK_EQ(total, 4 * n);
	fprintf(stderr, "four_producers: %llu records in %.2f s\n", (unsigned long long)total,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* The ring's shared pages, mapped as a hostile writer (or a test of a death) sees them. */
static unsigned char *map_ring(size_t cap, int *fd)
{
	char path[PATH_MAX];
	unsigned char *m;

	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	*fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	m = mmap(NULL, DATA_AT + cap, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	CHECK(m != MAP_FAILED);
	return m;
}

static uint64_t get64(const unsigned char *m, size_t at)
{
	uint64_t v;

	memcpy(&v, m + at, 8);
	return v;
}

static void put64(unsigned char *m, size_t at, uint64_t v)
{
	memcpy(m + at, &v, 8);
}

static size_t slot_of(unsigned i, size_t field)
{
	return SLOTS_AT + (size_t)i * SLOT_SIZE + field;
}

/* The slot whose intent is pos (the last one holding it), or -1. */
static int slot_with_intent(const unsigned char *m, uint64_t pos)
{
	int found = -1;

	for (unsigned i = 0; i < 64; i++)
		if (get64(m, slot_of(i, INTENT)) == pos)
			found = (int)i;
	return found;
}

static void push_rec(struct lipc_ring *p, uint32_t id, uint64_t seq, size_t len)
{
	unsigned char buf[4096];

	make(buf, id, seq, len);
	CHECK_SYS(lipc_ring_push(p, buf, len, 0));
}

static void pop_rec(struct lipc_ring *c, uint32_t want_id, uint64_t want_seq, int timeout_ms)
{
	unsigned char buf[4096];
	uint32_t id;
	uint64_t seq;
	size_t len;
	int ret = lipc_ring_pop(c, buf, sizeof(buf), &len, timeout_ms);

	if (ret != 1)
		check_fail(__FILE__, __LINE__, "pop for %u/%llu: %d, %s", want_id,
			   (unsigned long long)want_seq, ret, ret < 0 ? strerror(errno) : "end");
	check_rec(buf, len, &id, &seq);
	CHECK_EQ(id, want_id);
	CHECK_EQ(seq, want_seq);
}

/*
 * A child that reserves (claims) a record of len bytes, writes it, tells us where through the
 * pipe and kills itself before its commit.
 */
static uint64_t claim_and_die(size_t len)
{
	int fds[2];
	uint64_t at;
	pid_t pid;

	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *p = open_as(LIPC_SEND, 0, 0);
		unsigned char *rec;
		int fd;
		unsigned char *m = map_ring(4096, &fd);

		at = get64(m, HEAD_AT);
		rec = lipc_ring_reserve(p, len, 0);
		CHECK(rec != NULL);
		make(rec, 99, 0, len);
		CHECK_EQ(write(fds[1], &at, sizeof(at)), (ssize_t)sizeof(at));
		raise(SIGKILL);
	}
	CHECK_EQ(read(fds[0], &at, sizeof(at)), (ssize_t)sizeof(at));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	close(fds[0]);
	close(fds[1]);
	return at;
}

/*
 * Claimed, not committed, forced: a child claims and dies before its commit while another
 * producer commits after it. The consumer steps over the dead claim (at its first lock test)
 * and gets the later record; a wrapped claim (its marker at the end, its record at offset 0)
 * too; a new producer attaches afterwards and is heard.
 */
static void claimed_not_committed(void)
{
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	struct lipc_ring *c, *p;
	unsigned char *m;
	uint64_t at;
	int fd;

	ring();
	c = open_multi(LIPC_RECV, 4096);
	m = map_ring(4096, &fd);
	p = open_as(LIPC_SEND, 0, 0);
	push_rec(p, 1, 0, 100);
	at = claim_and_die(200);
	push_rec(p, 1, 1, 100);
	CHECK(get64(m, HEAD_AT) > at + 200);
	pop_rec(c, 1, 0, 0);
	/* The dead claim is in the way: not ready, its claimer dead (the lock test decides). */
	pop_rec(c, 1, 1, -1);
	CHECK_EQ(get64(m, TAIL_AT), get64(m, HEAD_AT));

	/* A wrapped claim: its marker before the end, its record at offset 0. */
	while (get64(m, HEAD_AT) % 4096 < 4096 - 256)
		push_rec(p, 1, 2, 100), pop_rec(c, 1, 2, 0);
	at = claim_and_die(1000);
	CHECK(at % 4096 + 1000 > 4096); /* it wrapped */
	push_rec(p, 1, 3, 100);
	pop_rec(c, 1, 3, -1);

	/* The dead slots are free again once passed: a new producer, heard. */
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(lipc_ring_pop(c, NULL, 0, &(size_t){ 0 }, 0), -1); /* the deaths */
	CHECK_EQ(errno, ECONNRESET);
	p = open_as(LIPC_SEND, 0, 0);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.mode, LIPC_RING_MANY_WRITERS);
	CHECK_EQ(st.producers, 1);
	CHECK_EQ(st.consumers, 1);
	push_rec(p, 2, 0, 50);
	pop_rec(c, 2, 0, 0);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(lipc_ring_pop(c, NULL, 0, &(size_t){ 0 }, 0), 0);
	munmap(m, DATA_AT + 4096);
	close(fd);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* A record (3, seq) from a producer process of its own, which closes. */
static void push_rec_other(uint64_t seq)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_ring *p = open_as(LIPC_SEND, 0, 0);

		push_rec(p, 3, seq, 60);
		CHECK_SYS(lipc_ring_close(p));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
}

/*
 * The rare case: producers died at the same position, one the claimer between its
 * compare-and-swap and its note of it, the others having lost the race to it. Made by hand:
 * the claimer's note erased, two losers' intents written into dead slots, one whose end lies
 * inside the claimer's record and one whose end is head (where the chain goes on too, but
 * further). The consumer steps over exactly the claimer's claim.
 */
static void losers_at_the_same_position(void)
{
	struct lipc_ring *c, *p;
	unsigned char *m;
	uint64_t at, end;
	unsigned char *rec;
	int fd, dead[2];

	ring();
	c = open_multi(LIPC_RECV, 4096);
	m = map_ring(4096, &fd);
	p = open_as(LIPC_SEND, 0, 0);
	at = claim_and_die(200);
	end = get64(m, HEAD_AT);
	CHECK_EQ(end - at, 224);
	push_rec(p, 1, 0, 100); /* 128 bytes after the claim */
	/*
	 * Two producers that attach and die idle: their slots (not the claimer's, which its claim
	 * keeps) are the losers'.
	 */
	{
		pid_t pid = check_fork();

		if (pid == 0) {
			open_as(LIPC_SEND, 0, 0);
			open_as(LIPC_SEND, 0, 0);
			raise(SIGKILL);
		}
		CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	}
	dead[0] = slot_with_intent(m, at);
	CHECK(dead[0] >= 0);
	put64(m, slot_of((unsigned)dead[0], CLAIMED), NO_CLAIM);
	/* The idle dead slots: used once (a generation), no intent (ours has one). */
	dead[1] = -1;
	for (unsigned i = 0, k = 0; i < 64 && k < 2; i++) {
		if ((int)i == dead[0] || get64(m, slot_of(i, INTENT)) != NO_CLAIM ||
		    get64(m, slot_of(i, STATE)) >> 32 == 0)
			continue;
		dead[1] = (int)i;
		put64(m, slot_of(i, INTENT), at);
		put64(m, slot_of(i, INTENT_END), k == 0 ? at + 96 : end + 128);
		put64(m, slot_of(i, CLAIMED), NO_CLAIM);
		k++;
	}
	CHECK(dead[1] >= 0);
	pop_rec(c, 1, 0, 10000);

	/*
	 * A live claimer (ours, reserved and not committed) beside a dead slot whose intent is its
	 * position: the consumer waits for the live one, past its lock tests, and gets its record.
	 */
	at = get64(m, HEAD_AT);
	rec = lipc_ring_reserve(p, 100, 0);
	CHECK(rec != NULL);
	put64(m, slot_of((unsigned)dead[1], INTENT), at);
	put64(m, slot_of((unsigned)dead[1], INTENT_END), at + 16);
	put64(m, slot_of((unsigned)dead[1], CLAIMED), at);
	push_rec_other(9);
	CHECK_ERR(lipc_ring_pop(c, NULL, 0, &(size_t){ 0 }, 100), ETIMEDOUT);
	make(rec, 1, 1, 100);
	CHECK_SYS(lipc_ring_commit(p));
	pop_rec(c, 1, 1, 0);
	pop_rec(c, 3, 9, 0);
	CHECK_SYS(lipc_ring_close(p));
	munmap(m, DATA_AT + 4096);
	close(fd);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

CHECK_MAIN(TEST_T(four_producers, 240), TEST(claimed_not_committed),
	   TEST(losers_at_the_same_position))
