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
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
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
				while ((k = lipc_ring_push_many(p, iov, n, -1)) < 0 &&
				       errno == EPIPE)
					sched_yield(); /* a consumer killed, its successor to come
							*/
				CHECK_SYS(k);
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
 * A producer killed inside a batch (one claim for all its records) after it committed the first
 * two: made by hand, the last three records' seqs erased after the batch went in. The consumer
 * takes the two, then steps over the rest of the claim (its owner is known: claimed == intent)
 * to the record another producer committed after it.
 */
static void died_inside_a_batch(void)
{
	struct lipc_ring *c, *p;
	unsigned char *m, recs[5][100];
	uint64_t at, zero = 0;
	int fd, fds[2];
	pid_t pid;

	ring();
	c = open_multi(LIPC_RECV, 4096);
	m = map_ring(4096, &fd);
	p = open_as(LIPC_SEND, 0, 0);
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *q = open_as(LIPC_SEND, 0, 0);
		struct iovec iov[5];

		at = get64(m, HEAD_AT);
		for (int i = 0; i < 5; i++) {
			make(recs[i], 5, (uint64_t)i, sizeof(recs[i]));
			iov[i] = (struct iovec){ .iov_base = recs[i], .iov_len = sizeof(recs[i]) };
		}
		CHECK_EQ(lipc_ring_push_many(q, iov, 5, 0), 5);
		CHECK_EQ(get64(m, HEAD_AT), at + 5 * 128); /* one claim */
		CHECK_EQ(write(fds[1], &at, sizeof(at)), (ssize_t)sizeof(at));
		raise(SIGKILL);
	}
	CHECK_EQ(read(fds[0], &at, sizeof(at)), (ssize_t)sizeof(at));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	for (uint64_t i = 2; i < 5; i++)
		put64(m, DATA_AT + (at + i * 128) % 4096 + 8, zero);
	push_rec(p, 1, 0, 50);
	pop_rec(c, 5, 0, 0);
	pop_rec(c, 5, 1, 0);
	pop_rec(c, 1, 0, 10000);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_ERR(lipc_ring_pop(c, recs[0], sizeof(recs[0]), &(size_t){ 0 }, 0), ECONNRESET);
	close(fds[0]);
	close(fds[1]);
	munmap(m, DATA_AT + 4096);
	close(fd);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
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

/*
 * The limits and the bad inputs: 64 producers and not one more, one consumer, EMSGSIZE, EAGAIN
 * with a timeout of 0 both ways, misuse of each role's calls, another mode's flag (EPROTO), the
 * doorbell's descriptor (one), and what lipc_ring_stat() and lipc_ring_lag() say.
 */
static void limits_and_bad_input(void)
{
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	struct lipc_ring *p[LIPC_RING_SLOTS], *c, *other;
	unsigned char *big, small[64];
	struct iovec iov[3];
	size_t max, len, lag[2];
	int full = 0;

	ring();
	c = open_multi(LIPC_RECV, 4096);
	for (int i = 0; i < LIPC_RING_SLOTS; i++)
		p[i] = open_as(LIPC_SEND, 0, 0);
	errno = 0;
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0) && errno == EBUSY);
	CHECK(strstr(lipc__why(EBUSY), "slots") != NULL);
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0) && errno == EBUSY);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.mode, LIPC_RING_MANY_WRITERS);
	CHECK_EQ(st.producers, LIPC_RING_SLOTS);
	CHECK_EQ(st.consumers, 1);
	CHECK(st.producer && st.consumer);
	CHECK_EQ(st.capacity, 4096);
	CHECK_EQ(st.used, 0);
	for (int i = 1; i < LIPC_RING_SLOTS; i++)
		CHECK_SYS(lipc_ring_close(p[i]));
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.producers, 1);

	/* Another mode's flag is EPROTO, the ring's own joins it. */
	errno = 0;
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, LIPC_RING_PUBLISH, 0, 0) && errno == EPROTO);
	CHECK(strstr(lipc__why(EPROTO), "multi-producer") != NULL);
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, LIPC_RING_LOSSY, 0, 0) && errno == EPROTO);
	other = open_as(LIPC_SEND, LIPC_RING_MULTI, 0);
	CHECK_SYS(lipc_ring_close(other));

	max = lipc_ring_max_record(p[0]);
	CHECK_EQ(max, 2048 - 16);
	big = calloc(1, max + 1);
	CHECK(big != NULL);
	CHECK_ERR(lipc_ring_pop(c, small, sizeof(small), &len, 0), EAGAIN);
	CHECK_ERR(lipc_ring_pop(c, small, sizeof(small), &len, 20), ETIMEDOUT);
	CHECK_ERR(lipc_ring_push(p[0], big, max + 1, 0), EMSGSIZE);
	CHECK(!lipc_ring_reserve(p[0], max + 1, 0) && errno == EMSGSIZE);
	iov[0] = (struct iovec){ .iov_base = big, .iov_len = max + 1 };
	CHECK_ERR(lipc_ring_push_many(p[0], iov, 1, 0), EMSGSIZE);
	CHECK_SYS(lipc_ring_push(p[0], big, max, 0));
	CHECK_ERR(lipc_ring_pop(c, small, sizeof(small), &len, 0), EMSGSIZE);
	CHECK_EQ(len, max);
	CHECK_EQ(lipc_ring_pop(c, big, max, &len, 0), 1);
	CHECK_EQ(len, max);
	/* Zero-length records; a batch stops before a record too big, the next call says why. */
	iov[0] = (struct iovec){ .iov_base = big, .iov_len = 0 };
	iov[1] = (struct iovec){ .iov_base = big, .iov_len = 10 };
	iov[2] = (struct iovec){ .iov_base = big, .iov_len = max + 1 };
	CHECK_EQ(lipc_ring_push_many(p[0], iov, 3, 0), 2);
	CHECK_ERR(lipc_ring_push_many(p[0], iov + 2, 1, 0), EMSGSIZE);
	CHECK_EQ(lipc_ring_push_many(p[0], iov, 0, 0), 0);
	CHECK_EQ(lipc_ring_pop(c, small, sizeof(small), &len, 0), 1);
	CHECK_EQ(len, 0);
	CHECK_EQ(lipc_ring_pop(c, small, sizeof(small), &len, 0), 1);
	CHECK_EQ(len, 10);

	/* Full: EAGAIN without waiting, ETIMEDOUT with a wait; room comes back on release. */
	while (lipc_ring_push(p[0], big, 1000, 0) == 0)
		full++;
	CHECK_EQ(errno, EAGAIN);
	CHECK(full >= 3);
	CHECK_ERR(lipc_ring_push(p[0], big, 1000, 20), ETIMEDOUT);
	/* What is claimed and not read, the wrap's skip included. */
	CHECK_EQ(lipc_ring_lag(ring_name, lag, 2), 1);
	CHECK(lag[0] >= (size_t)full * 1024 && lag[0] <= 4096);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.used, lag[0]);
	CHECK_EQ(lipc_ring_pop(c, big, max, &len, 0), 1);
	CHECK_SYS(lipc_ring_push(p[0], big, 1000, 0));

	/* Misuse of each role's calls. */
	CHECK_ERR(lipc_ring_pop(p[0], small, sizeof(small), &len, 0), EBADF);
	CHECK_ERR(lipc_ring_push(c, "x", 1, 0), EBADF);
	CHECK_ERR(lipc_ring_fd(p[0]), EBADF);
	CHECK_ERR(lipc_ring_commit(p[0]), EINVAL);
	CHECK_ERR(lipc_ring_release(c), EINVAL);
	CHECK_ERR(lipc_ring_peek_many(c, iov, 0, 0), EINVAL);
	CHECK_EQ(lipc_ring_fd(c), (int)CHECK_SYS(lipc_ring_fd(c))); /* test_ring_bells' */
	CHECK_EQ(lipc_ring_peek_many(c, iov, 2, 0), 2);
	CHECK_ERR(lipc_ring_pop(c, small, sizeof(small), &len, 0), EINVAL); /* a batch is held */
	CHECK_SYS(lipc_ring_release(c));
	CHECK(lipc_ring_reserve(p[0], 8, 0) != NULL);
	CHECK(!lipc_ring_reserve(p[0], 8, 0) && errno == EINVAL);
	CHECK_ERR(lipc_ring_push(p[0], "x", 1, 0), EINVAL);
	CHECK_ERR(lipc_ring_push_many(p[0], iov, 1, 0), EINVAL);
	CHECK_SYS(lipc_ring_commit(p[0]));

	CHECK_SYS(lipc_ring_close(p[0]));
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
	free(big);

	/* A point-to-point ring is not joined as a multi-producer one, nor the reverse. */
	c = lipc_ring_open(ring_name, LIPC_RECV, LIPC_CREATE, 4096, 0);
	CHECK(c != NULL);
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, LIPC_RING_MULTI, 0, 0) && errno == EPROTO);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* A producer process that sends records 0..n-1 of id, then closes, or dies (SIGKILL). */
static pid_t sender(uint32_t id, uint64_t n, bool die)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_ring *p = open_as(LIPC_SEND, 0, 0);

		for (uint64_t seq = 0; seq < n; seq++) {
			unsigned char buf[64];

			make(buf, id, seq, sizeof(buf));
			CHECK_SYS(lipc_ring_push(p, buf, sizeof(buf), -1));
		}
		if (die)
			raise(SIGKILL);
		CHECK_SYS(lipc_ring_close(p));
		_exit(0);
	}
	return pid;
}

/*
 * The end of the stream: 0 once every producer that came has closed and everything is read;
 * ECONNRESET instead when one of them died; each once, then the consumer waits for new
 * producers. A producer that came and went before the consumer is none of its business; one
 * that is attached when it comes is. EPIPE for a producer whose consumer has gone, once the
 * ring is full.
 */
static void end_of_stream(void)
{
	static unsigned char rec[1000];
	struct lipc_ring *c, *p;
	unsigned char buf[64];
	size_t len;
	pid_t a, b;

	ring();
	/* Came and went before the consumer: not its end. */
	p = open_multi(LIPC_SEND, 64 * 1024); /* room for what the senders send */
	CHECK_SYS(lipc_ring_close(p));
	c = open_as(LIPC_RECV, 0, 0);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);

	/* Two producers, both close: one end, after all their records. */
	a = sender(1, 100, false);
	b = sender(2, 100, false);
	CHECK_EQ(check_wait(a), 0);
	CHECK_EQ(check_wait(b), 0);
	for (uint64_t next[3] = { 0 }, k = 0; k < 200; k++) {
		uint32_t id;
		uint64_t seq;

		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
		check_rec(buf, len, &id, &seq);
		in_order(next, id, seq);
	}
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 0);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN); /* once */

	/* One closes, one dies: ECONNRESET, once, after the records. */
	a = sender(3, 10, false);
	b = sender(4, 10, true);
	CHECK_EQ(check_wait(a), 0);
	CHECK_EQ(check_wait(b), 128 + SIGKILL);
	for (int k = 0; k < 20; k++)
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), ECONNRESET);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);

	/* Attached when the consumer comes: its close is the new consumer's end. */
	p = open_as(LIPC_SEND, 0, 0);
	CHECK_SYS(lipc_ring_close(c));
	c = open_as(LIPC_RECV, 0, 0);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_SYS(lipc_ring_push(p, "x", 1, 0));
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 0);

	/* A sleeping consumer is woken by the last close (no lock test needed: -1 then 0). */
	a = check_fork();
	if (a == 0) {
		struct lipc_ring *q = open_as(LIPC_SEND, 0, 0);

		CHECK_SYS(lipc_ring_push(q, "y", 1, -1));
		CHECK_SYS(lipc_ring_close(q));
		_exit(0);
	}
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 1);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 0);
	CHECK_EQ(check_wait(a), 0);

	/* The consumer goes: a producer with a full ring gets EPIPE, at once or after a wait. */
	p = open_as(LIPC_SEND, 0, 0);
	CHECK_SYS(lipc_ring_close(c));
	while (lipc_ring_push(p, rec, sizeof(rec), 0) == 0)
		;
	CHECK_EQ(errno, EPIPE);
	CHECK_ERR(lipc_ring_push(p, rec, sizeof(rec), -1), EPIPE);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A producer that sleeps for room is woken by the consumer's release, and a consumer that sleeps
 * is woken by a commit: neither side spins or tests a lock (lipc__ring_tune(): no spinning, no
 * wake-up of its own), so a wake-up forgotten hangs the test until its timeout. Two producers
 * sleep at once: the release wakes both.
 */
static void sleepers_are_woken(void)
{
	struct lipc_ring *c;
	unsigned char buf[1100];
	size_t len;
	int ready[2];
	pid_t pid[2];
	uint64_t next[3] = { 0 };

	ring();
	c = open_multi(LIPC_RECV, 4096);
	lipc__ring_tune(c, 0, INT_MAX);
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	for (uint32_t id = 1; id <= 2; id++) {
		pid[id - 1] = check_fork();
		if (pid[id - 1] == 0) {
			struct lipc_ring *p = open_as(LIPC_SEND, 0, 0);
			uint64_t seq = 0;

			lipc__ring_tune(p, 0, INT_MAX);
			/* Fill the ring (both do: one of them finds it full at once). */
			for (;; seq++) {
				make(buf, id, seq, 1000);
				if (lipc_ring_push(p, buf, 1000, 0) < 0)
					break;
			}
			CHECK_EQ(errno, EAGAIN);
			CHECK_EQ(write(ready[1], "r", 1), 1);
			for (uint64_t end = seq + 20; seq < end; seq++) {
				make(buf, id, seq, 1000);
				CHECK_SYS(lipc_ring_push(p, buf, 1000, -1));
			}
			CHECK_SYS(lipc_ring_close(p));
			_exit(0);
		}
	}
	for (int i = 0; i < 2; i++) {
		char x;

		CHECK_EQ(read(ready[0], &x, 1), 1);
	}
	while (!check_asleep_in(pid[0], SYS_futex, NULL) ||
	       !check_asleep_in(pid[1], SYS_futex, NULL))
		sched_yield();
	for (int ret; (ret = lipc_ring_pop(c, buf, sizeof(buf), &len, -1)) != 0;) {
		uint32_t id;
		uint64_t seq;

		if (ret < 0)
			check_fail(__FILE__, __LINE__, "pop: %s", strerror(errno));
		check_rec(buf, len, &id, &seq);
		in_order(next, id, seq);
	}
	CHECK(next[1] >= 20 && next[2] >= 20);
	CHECK_EQ(check_wait(pid[0]), 0);
	CHECK_EQ(check_wait(pid[1]), 0);
	close(ready[0]);
	close(ready[1]);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A consumer that sleeps (never spinning, never waking on its own: lipc__ring_tune()) is woken
 * by the commit of the record it waits for, also when another producer's later record was
 * committed first, and by the last producer's close: a wake-up forgotten hangs the test.
 */
static void consumer_woken(void)
{
	struct lipc_ring *c;
	unsigned char buf[64];
	size_t len;
	pid_t pid, parent = getpid();

	ring();
	c = open_multi(LIPC_RECV, 4096);
	lipc__ring_tune(c, 0, INT_MAX);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *p = open_as(LIPC_SEND, 0, 0), *q = open_as(LIPC_SEND, 0, 0);
		unsigned char *rec;

		/* The consumer sleeps on an empty ring: a commit. */
		while (!check_asleep_in(parent, SYS_futex, NULL))
			sched_yield();
		push_rec(p, 1, 0, 40);
		/* It sleeps on p's claim: q's record after it wakes nobody, p's commit does. */
		rec = lipc_ring_reserve(p, 40, 0);
		CHECK(rec != NULL);
		make(rec, 1, 1, 40);
		while (!check_asleep_in(parent, SYS_futex, NULL))
			sched_yield();
		push_rec(q, 2, 0, 40);
		CHECK_SYS(lipc_ring_commit(p));
		/* It sleeps at head: the last close. */
		CHECK_SYS(lipc_ring_close(q));
		while (!check_asleep_in(parent, SYS_futex, NULL))
			sched_yield();
		CHECK_SYS(lipc_ring_close(p));
		_exit(0);
	}
	pop_rec(c, 1, 0, -1);
	pop_rec(c, 1, 1, -1);
	pop_rec(c, 2, 0, -1);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* A fresh 4 KiB ring with a consumer and a producer attached, and the test's own mapping. */
static unsigned char *fresh_ring(struct lipc_ring **c, struct lipc_ring **p, int *fd)
{
	lipc_ring_unlink(ring_name);
	*c = open_multi(LIPC_RECV, 4096);
	*p = open_as(LIPC_SEND, 0, 0);
	return map_ring(4096, fd);
}

static void done_ring(struct lipc_ring *c, struct lipc_ring *p, unsigned char *m, int fd)
{
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(c));
	munmap(m, DATA_AT + 4096);
	close(fd);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* A header that reads as committed: its length, its tag (its position / 16, low 32 bits), seq. */
static void put_header(unsigned char *m, uint64_t pos, uint32_t len, uint64_t seq)
{
	uint32_t tag = (uint32_t)(pos >> 4);

	memcpy(m + DATA_AT + pos % 4096, &len, 4);
	memcpy(m + DATA_AT + pos % 4096 + 4, &tag, 4);
	put64(m, DATA_AT + pos % 4096 + 8, seq);
}

/*
 * A hostile writer of the shared page: positions, records and slots that cannot be. Each is an
 * error (EPROTO, EBADMSG) for the side that meets it, and stays one; none crashes or hangs, and
 * a slot that stalls the consumer costs it its timeout, no more.
 */
static void corrupt_shared_memory(void)
{
	struct lipc_ring *c, *p;
	unsigned char *m, buf[64];
	size_t len;
	int fd;

	ring();
	/* head off a record boundary; head more than a capacity past tail; tail past head. */
	m = fresh_ring(&c, &p, &fd);
	put64(m, HEAD_AT, 8);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EPROTO);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EPROTO); /* it stays */
	CHECK_ERR(lipc_ring_push(p, "x", 1, 0), EPROTO);
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0) && errno == EPROTO);
	done_ring(c, p, m, fd);
	m = fresh_ring(&c, &p, &fd);
	put64(m, HEAD_AT, 8192);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EPROTO);
	CHECK_ERR(lipc_ring_push(p, "x", 1, 0), EPROTO);
	done_ring(c, p, m, fd);
	m = fresh_ring(&c, &p, &fd);
	while (lipc_ring_push(p, buf, sizeof(buf), 0) == 0)
		; /* full: the next push reads tail */
	CHECK_EQ(errno, EAGAIN);
	put64(m, TAIL_AT, get64(m, HEAD_AT) + 64);
	CHECK_ERR(lipc_ring_push(p, "x", 1, 0), EPROTO);
	done_ring(c, p, m, fd);

	/* A record too long; a wrap marker whose record is not there. */
	m = fresh_ring(&c, &p, &fd);
	put_header(m, 0, 5000, 1);
	put64(m, HEAD_AT, 64);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EBADMSG);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EBADMSG);
	done_ring(c, p, m, fd);
	m = fresh_ring(&c, &p, &fd);
	put_header(m, 0, 0xffffffffu, 1);
	put64(m, HEAD_AT, 64);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EBADMSG);
	done_ring(c, p, m, fd);
	/* A ready record that reaches past the end of the data. */
	m = fresh_ring(&c, &p, &fd);
	CHECK_SYS(lipc_ring_push(p, "x", 1, 0));
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	put64(m, TAIL_AT, 4096 - 32); /* as the consumer would have released it */
	put64(m, HEAD_AT, 4096);
	CHECK_SYS(lipc_ring_close(c));
	c = open_as(LIPC_RECV, 0, 0);
	put_header(m, 4096 - 32, 100, 4096 - 32 + 1);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EBADMSG);
	done_ring(c, p, m, fd);

	/*
	 * Slots. A dead owner (claimed == intent) of the claim at the cursor whose end is past
	 * head, or off a record boundary: EPROTO at the consumer's lock test.
	 */
	m = fresh_ring(&c, &p, &fd);
	put64(m, HEAD_AT, 64);
	put64(m, slot_of(40, INTENT), 0);
	put64(m, slot_of(40, INTENT_END), 4096);
	put64(m, slot_of(40, CLAIMED), 0);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EPROTO);
	done_ring(c, p, m, fd);
	m = fresh_ring(&c, &p, &fd);
	put64(m, HEAD_AT, 64);
	put64(m, slot_of(40, INTENT), 0);
	put64(m, slot_of(40, INTENT_END), 8);
	put64(m, slot_of(40, CLAIMED), 0);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), EPROTO);
	done_ring(c, p, m, fd);
	/* Two owners of one claim, with other ends. */
	m = fresh_ring(&c, &p, &fd);
	put64(m, HEAD_AT, 64);
	for (unsigned i = 40; i < 42; i++) {
		put64(m, slot_of(i, INTENT), 0);
		put64(m, slot_of(i, INTENT_END), i == 40 ? 32 : 48);
		put64(m, slot_of(i, CLAIMED), 0);
	}
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EPROTO);
	done_ring(c, p, m, fd);
	/*
	 * Dead candidates that lead nowhere (no end that the chain continues from), and a claim
	 * nobody holds: the consumer waits, and its timeout ends the wait.
	 */
	m = fresh_ring(&c, &p, &fd);
	put64(m, HEAD_AT, 256);
	for (unsigned i = 40; i < 43; i++) {
		put64(m, slot_of(i, INTENT), 0);
		put64(m, slot_of(i, INTENT_END), 16 * i + (i == 42 ? 1000 : 0));
		put64(m, slot_of(i, CLAIMED), NO_CLAIM);
	}
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 50), ETIMEDOUT);
	done_ring(c, p, m, fd);
	/* A forged intent in a slot a new producer would take: it takes another. */
	m = fresh_ring(&c, &p, &fd);
	for (unsigned i = 1; i < 64; i++) {
		put64(m, slot_of(i, INTENT), 0);
		put64(m, slot_of(i, INTENT_END), 64);
	}
	put64(m, HEAD_AT, 64);
	errno = 0;
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0) && errno == EBUSY);
	CHECK(strstr(lipc__why(EBUSY), "dead") != NULL);
	done_ring(c, p, m, fd);
}

/*
 * Random SIGKILLs: what each producer incarnation says it attempted and committed (in shared
 * memory, stored before and after each call), and what the consumers report through a pipe, one
 * frame per batch peeked, written before the batch is released.
 */
#define KILL_IDS   1024
#define FRAME_RECS 32
struct story {
	_Atomic uint64_t attempted[KILL_IDS]; /* records that may have gone in */
	_Atomic uint64_t committed[KILL_IDS]; /* records that went in for sure */
};
struct frame {
	int32_t n; /* records, or -1: errno err */
	int32_t err;
	struct {
		uint32_t id;
		uint64_t seq;
	} rec[FRAME_RECS]; /* 520 bytes in all: one write, never split (PIPE_BUF) */
};

static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * A producer for the kill test: records of id for ever, by batches, reserve and commit, or push,
 * now and then killing itself after a reserve (claimed, not committed), until it is killed.
 */
static pid_t kill_producer(struct story *st, uint32_t id)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		static unsigned char bufs[8][3000];
		struct lipc_ring *p = open_as(LIPC_SEND, 0, 0);
		uint32_t rnd = id * 2654435761u | 1;
		struct iovec iov[8];

		for (uint64_t seq = 0;;) {
			uint32_t how = next_rand(&rnd) % 64;
			int k;

			if (how < 20) {
				size_t n = 1 + next_rand(&rnd) % 8;

				for (size_t i = 0; i < n; i++) {
					size_t len = size_for(id, seq + i, sizeof(bufs[0]));

					make(bufs[i], id, seq + i, len);
					iov[i] = (struct iovec){ .iov_base = bufs[i],
								 .iov_len = len };
				}
				atomic_store(&st->attempted[id], seq + n);
				while ((k = lipc_ring_push_many(p, iov, n, -1)) < 0 &&
				       errno == EPIPE)
					sched_yield(); /* a consumer killed, its successor to come
							*/
				CHECK_SYS(k);
				seq += (uint64_t)k;
				atomic_store(&st->committed[id], seq);
				atomic_store(&st->attempted[id], seq);
			} else if (how < 40) {
				size_t len = size_for(id, seq, sizeof(bufs[0]));
				unsigned char *rec;

				atomic_store(&st->attempted[id], seq + 1);
				while (!(rec = lipc_ring_reserve(p, len, -1)) && errno == EPIPE)
					sched_yield();
				CHECK(rec != NULL);
				make(rec, id, seq, len);
				if (next_rand(&rnd) % 500 == 0)
					raise(SIGKILL); /* claimed, written, never committed */
				CHECK_SYS(lipc_ring_commit(p));
				atomic_store(&st->committed[id], ++seq);
			} else {
				size_t len = size_for(id, seq, sizeof(bufs[0]));

				make(bufs[0], id, seq, len);
				atomic_store(&st->attempted[id], seq + 1);
				while ((k = lipc_ring_push(p, bufs[0], len, -1)) < 0 &&
				       errno == EPIPE)
					sched_yield();
				CHECK_SYS(k);
				atomic_store(&st->committed[id], ++seq);
			}
		}
	}
	return pid;
}

/*
 * A consumer for the kill test: each batch checked (a damaged record fails it), reported through
 * the pipe, then released; an end or a death (all producers gone for a moment) is reported and
 * it goes on; after the parent's last word (ECONNRESET at the end of the test), it closes.
 */
static pid_t kill_consumer(int wfd)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_ring *c = open_as(LIPC_RECV, 0, 0);

		for (;;) {
			struct iovec iov[FRAME_RECS];
			struct frame f = { 0 };
			int got = lipc_ring_peek_many(c, iov, FRAME_RECS, -1);

			if (got <= 0) {
				f.n = -1;
				f.err = got == 0 ? 0 : errno;
				CHECK(got == 0 || errno == ECONNRESET);
			}
			for (int k = 0; k < got; k++) {
				check_rec(iov[k].iov_base, iov[k].iov_len, &f.rec[k].id,
					  &f.rec[k].seq);
				f.n++;
			}
			CHECK_EQ(write(wfd, &f, sizeof(f)), (ssize_t)sizeof(f));
			if (got > 0)
				CHECK_SYS(lipc_ring_release(c));
		}
	}
	return pid;
}

static bool read_frame(int fd, struct frame *f, bool wait)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	if (!wait && poll(&pfd, 1, 0) == 0)
		return false;
	while (got < sizeof(*f)) {
		ssize_t n = read(fd, (char *)f + got, sizeof(*f) - got);

		CHECK(n > 0);
		got += (size_t)n;
	}
	return true;
}

/* Reap a producer that killed itself; true when it did. */
static bool died_by_itself(pid_t pid)
{
	int status;
	pid_t w = waitpid(pid, &status, WNOHANG);

	CHECK(w >= 0);
	if (w == 0)
		return false;
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	return true;
}

/*
 * 200 random SIGKILLs while records flow from three producers into one consumer: producers
 * killed at random points (by us, or by themselves between a reserve and its commit), and the
 * consumer killed and replaced. The story of the survivors: every record delivered is intact,
 * each producer's in its order, none twice, except the last batch a killed consumer reported
 * and may not have released, which comes again first, whole; every record a producer knew
 * committed was delivered, none it never attempted. Nothing hangs (the test's timeout), nothing
 * is left (the harness checks /dev/shm).
 */
static void killed_anywhere(void)
{
	static uint64_t next[KILL_IDS];
	struct story *st;
	struct frame f, last = { 0 }, again = { 0 };
	uint32_t rnd = 2463534242u, ids = 0;
	pid_t prod[3], cons;
	int fds[2], kills = 0, consumer_kills = 0, self_kills = 0, again_at = 0;
	uint64_t delivered = 0;
	int redelivered = 0;

	ring();
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(st != MAP_FAILED);
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	lipc_ring_close(open_multi(LIPC_SEND, 16 * 1024));
	cons = kill_consumer(fds[1]);
	for (int i = 0; i < 3; i++)
		prod[i] = kill_producer(st, ++ids);
	while (kills < 200) {
		read_frame(fds[0], &f, true);
		for (int k = 0; k < f.n; k++) {
			uint32_t id = f.rec[k].id;
			uint64_t seq = f.rec[k].seq;

			/* The killed consumer's last batch, again: whole, in order, first. */
			if (again_at < again.n && id == again.rec[again_at].id &&
			    seq == again.rec[again_at].seq) {
				redelivered += ++again_at == again.n;
				continue;
			}
			if (again_at != 0 && again_at != again.n)
				check_fail(__FILE__, __LINE__,
					   "a batch came again in part: %d of %d", again_at,
					   again.n);
			again.n = again_at = 0;
			CHECK(id >= 1 && id <= ids);
			in_order(next, id, seq);
			delivered++;
		}
		if (f.n > 0)
			last = f;
		if (f.n < 0)
			CHECK(f.err == 0 || f.err == ECONNRESET);
		for (int i = 0; i < 3; i++) {
			if (died_by_itself(prod[i])) {
				self_kills++, kills++;
				prod[i] = kill_producer(st, ++ids);
			}
		}
		CHECK(ids < KILL_IDS);
		if (next_rand(&rnd) % 16)
			continue;
		if (next_rand(&rnd) % 5 == 0) {
			/* The consumer: what it reported last may come again. */
			kill(cons, SIGKILL);
			CHECK_EQ(check_wait(cons), 128 + SIGKILL);
			while (read_frame(fds[0], &f, false)) {
				for (int k = 0; k < f.n; k++) {
					in_order(next, f.rec[k].id, f.rec[k].seq);
					delivered++;
				}
				if (f.n > 0)
					last = f;
			}
			again = last;
			again_at = 0;
			last.n = 0;
			cons = kill_consumer(fds[1]);
			consumer_kills++;
		} else {
			int i = (int)(next_rand(&rnd) % 3);

			kill(prod[i], SIGKILL);
			CHECK_EQ(check_wait(prod[i]), 128 + SIGKILL);
			prod[i] = kill_producer(st, ++ids);
		}
		kills++;
	}
	/* The last producers die: the consumer reads what they committed, then ECONNRESET. */
	for (int i = 0; i < 3; i++) {
		kill(prod[i], SIGKILL);
		CHECK_EQ(check_wait(prod[i]), 128 + SIGKILL);
	}
	for (;;) {
		read_frame(fds[0], &f, true);
		if (f.n < 0 && f.err == ECONNRESET)
			break;
		for (int k = 0; k < f.n; k++) {
			if (again_at < again.n && f.rec[k].id == again.rec[again_at].id &&
			    f.rec[k].seq == again.rec[again_at].seq) {
				again_at++;
				continue;
			}
			again.n = 0;
			in_order(next, f.rec[k].id, f.rec[k].seq);
			delivered++;
		}
	}
	kill(cons, SIGKILL);
	CHECK_EQ(check_wait(cons), 128 + SIGKILL);
	for (uint32_t id = 1; id <= ids; id++) {
		uint64_t committed = atomic_load(&st->committed[id]);
		uint64_t attempted = atomic_load(&st->attempted[id]);

		if (next[id] < committed || next[id] > attempted)
			check_fail(__FILE__, __LINE__,
				   "producer %u: %llu records delivered, %llu committed, %llu "
				   "attempted",
				   id, (unsigned long long)next[id], (unsigned long long)committed,
				   (unsigned long long)attempted);
	}
	fprintf(stderr,
		"killed_anywhere: %d kills (%d consumers, %d producers by themselves), %llu "
		"records from %u producers, %d batches delivered again\n",
		kills, consumer_kills, self_kills, (unsigned long long)delivered, ids, redelivered);
	close(fds[0]);
	close(fds[1]);
	munmap(st, sizeof(*st));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A record nobody committed is never ready, whatever its header's seq word held before. The word
 * is not written between laps: a later lap's payload can cover its low bytes and leave the rest,
 * and positions differ only in their high bits, so the mixture can spell the position + 1 of the
 * record that lands there next. Built here in a 4 KiB ring of zero-filled records: lap 0 puts a
 * header at offset o (seq o + 1), lap 1 a record across it whose payload's last two bytes are
 * the low bytes of x + 1, x = 2 * 4096 + o (the higher bytes are lap 0's zeros), and lap 2
 * brings the consumer to x with nothing after it. The test reads the ring file to check that it
 * built the word. The consumer must see nothing (EAGAIN, or its timeout), by one record and by a
 * batch. Then, how == RESERVED: a record reserved at x, plain (o = 1024) or behind a wrap marker
 * (o = 4032), is not ready before its commit; PUSHED, BATCHED: a consumer asleep at x is woken
 * by a record pushed there (by push, by push_many; the laps were written the same way). Each
 * time the record comes whole.
 */
enum {
	RESERVED,
	PUSHED,
	BATCHED
};

static void put_one(struct lipc_ring *p, int how, const void *data, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)data, .iov_len = len };

	if (how == BATCHED)
		CHECK_EQ(lipc_ring_push_many(p, &iov, 1, 0), 1);
	else
		CHECK_SYS(lipc_ring_push(p, data, len, 0));
}

static void stale_seq_in(int how, uint64_t o, size_t target_len)
{
	const uint64_t x = 2 * 4096 + o;
	static unsigned char buf[4096];
	size_t lens[256], n = 0, span, len;
	struct lipc_ring *p, *c;
	struct iovec iov[2];
	unsigned char *m, *rec;
	pid_t pid = 0, parent = getpid();
	int fd;

	for (uint64_t at = 0; at < 4096; at += 64)
		lens[n++] = 48; /* lap 0: records of 64 bytes, a header at o */
	for (uint64_t at = 0; at + 64 < o; at += 64)
		lens[n++] = 48;
	span = n;
	lens[n++] = 64 + 10 - 16; /* [o - 64, o + 16): its payload ends 10 bytes past o */
	for (uint64_t at = o + 16; at + 64 <= 4096; at += 64)
		lens[n++] = 48;
	lens[n++] = 32; /* the 48 bytes left: lap 1 ends on a record */
	for (uint64_t at = 0; at < o; at += 64)
		lens[n++] = 48; /* lap 2, up to o */

	ring();
	m = fresh_ring(&c, &p, &fd);
	for (size_t i = 0; i < n; i++) {
		memset(buf, 0, lens[i]);
		if (i == span) {
			buf[lens[i] - 2] = (unsigned char)(x + 1);
			buf[lens[i] - 1] = (unsigned char)((x + 1) >> 8);
		}
		put_one(p, how, buf, lens[i]);
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
		CHECK_EQ(len, lens[i]);
	}
	/* The stale word: the seq of a record at x, which nobody wrote. */
	CHECK_EQ(get64(m, DATA_AT + o + 8), x + 1);
	CHECK_EQ(get64(m, HEAD_AT), x);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_ERR(lipc_ring_peek_many(c, iov, 2, 0), EAGAIN);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 20), ETIMEDOUT);

	if (how == RESERVED) {
		rec = lipc_ring_reserve(p, target_len, 0);
		CHECK(rec != NULL);
		CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
		memset(rec, 'r', target_len);
		CHECK_ERR(lipc_ring_peek_many(c, iov, 2, 0), EAGAIN);
		CHECK_SYS(lipc_ring_commit(p));
	} else {
		pid = check_fork();
		if (pid == 0) {
			struct lipc_ring *q = open_as(LIPC_SEND, 0, 0);

			/* It sleeps on the stale word: our claim clears it, our commit wakes it. */
			while (!check_asleep_in(parent, SYS_futex, NULL))
				sched_yield();
			memset(buf, 'r', target_len);
			put_one(q, how, buf, target_len);
			CHECK_SYS(lipc_ring_close(q));
			_exit(0);
		}
	}
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, how == RESERVED ? 0 : -1), 1);
	CHECK_EQ(len, target_len);
	for (size_t i = 0; i < len; i++)
		CHECK_EQ(buf[i], 'r');
	if (how != RESERVED)
		CHECK_EQ(check_wait(pid), 0);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	done_ring(c, p, m, fd);
}

static void stale_seq_is_not_ready(void)
{
	for (int how = RESERVED; how <= BATCHED; how++) {
		stale_seq_in(how, 1024, 48);  /* a plain record */
		stale_seq_in(how, 4032, 100); /* 128 bytes from 4032: behind a wrap marker */
	}
}

CHECK_MAIN(TEST_T(four_producers, 240), TEST(claimed_not_committed), TEST(died_inside_a_batch),
	   TEST(losers_at_the_same_position), TEST(limits_and_bad_input), TEST(end_of_stream),
	   TEST(sleepers_are_woken), TEST(consumer_woken), TEST_T(killed_anywhere, 200),
	   TEST(corrupt_shared_memory), TEST(stale_seq_is_not_ready))
