/* SPDX-License-Identifier: MIT */
/*
 * The publish ring between threads, for ThreadSanitizer (`make tsan`): one producer thread and four
 * consumer threads of one process, each with a handle of its own, as processes would have, so
 * that TSan checks every record is published by a release and read after an acquire, and that a
 * consumer's release of its cursor orders its reads before the producer's next lap. Lossless: all
 * four see every record, by turns in place (peek, peek_many) and by copy (pop). Lossy: the
 * consumers copy (pop), one of them slowly by design (it yields between records), and each gap is
 * announced by ENOBUFS with its exact count. The lossy copies race the producer by design; the
 * library confines that race to one uninstrumented function, and the consumers here never read
 * the ring in place, which would be their own race. What TSan once reported here, a consumer
 * reading a record before its commit, was real: stale bytes where a header goes held its number
 * (test_ring_pub's stale_seq_is_not_ready sets that up on purpose).
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "check.h"
#include "lipc/ring.h"

#define RECORDS	  200000
#define CONSUMERS 4

static char name[300];
static int mode;
static pthread_barrier_t attached;

static size_t size_of(uint32_t seq)
{
	return 8 + seq % 57;
}

static void fill(unsigned char *rec, uint32_t seq)
{
	size_t len = size_of(seq);

	memcpy(rec, &seq, 4);
	for (size_t i = 4; i < len; i++)
		rec[i] = (unsigned char)(seq * 7 + i);
}

static uint32_t check_rec(const unsigned char *rec, size_t len)
{
	uint32_t seq;

	CHECK(len >= 8);
	memcpy(&seq, rec, 4);
	CHECK_EQ(len, size_of(seq));
	for (size_t i = 4; i < len; i++)
		if (rec[i] != (unsigned char)(seq * 7 + i))
			check_fail(__FILE__, __LINE__, "record %u is damaged", seq);
	return seq;
}

static void *produce(void *arg)
{
	struct lipc_ring *p = lipc_ring_open(name, LIPC_SEND, mode, 0, 0);
	static unsigned char bufs[16][64];

	(void)arg;
	CHECK(p != NULL);
	pthread_barrier_wait(&attached);
	for (uint32_t seq = 0; seq < RECORDS;) {
		if (seq % 3 == 0 && mode == LIPC_RING_PUBLISH) {
			/* Zero-copy, lossless only: a lossy writer's bytes race its readers. */
			unsigned char *rec = lipc_ring_reserve(p, size_of(seq), -1);

			CHECK(rec != NULL);
			fill(rec, seq);
			CHECK_SYS(lipc_ring_commit(p));
			seq++;
		} else if (seq % 3 == 1) {
			CHECK_SYS(
				lipc_ring_push(p, (fill(bufs[0], seq), bufs[0]), size_of(seq), -1));
			seq++;
		} else {
			struct iovec v[16];
			size_t n = RECORDS - seq < 16 ? RECORDS - seq : 16;
			int done;

			for (size_t i = 0; i < n; i++) {
				fill(bufs[i], seq + (uint32_t)i);
				v[i] = (struct iovec){ .iov_base = bufs[i],
						       .iov_len = size_of(seq + (uint32_t)i) };
			}
			done = lipc_ring_push_many(p, v, n, -1);
			CHECK(done > 0);
			seq += (uint32_t)done;
		}
	}
	CHECK_SYS(lipc_ring_close(p));
	return NULL;
}

static void *consume(void *arg)
{
	struct lipc_ring *c = lipc_ring_open(name, LIPC_RECV, mode, 0, 0);
	unsigned char buf[128];
	uint64_t next = 0, delivered = 0, announced = 0;
	bool slow = (uintptr_t)arg == 0;

	CHECK(c != NULL);
	pthread_barrier_wait(&attached);
	for (uint32_t turn = 0;; turn++) {
		size_t len;
		int ret;

		if (mode == LIPC_RING_PUBLISH && turn % 3 == 1) {
			const void *p;

			ret = lipc_ring_peek(c, &p, &len, -1);
			if (ret == 1) {
				CHECK_EQ(check_rec(p, len), next);
				next++;
				delivered++;
				CHECK_SYS(lipc_ring_release(c));
			}
		} else if (mode == LIPC_RING_PUBLISH && turn % 3 == 2) {
			struct iovec v[8];

			ret = lipc_ring_peek_many(c, v, 8, -1);
			for (int k = 0; k < ret; k++) {
				CHECK_EQ(check_rec(v[k].iov_base, v[k].iov_len), next);
				next++;
				delivered++;
			}
			if (ret > 0)
				CHECK_SYS(lipc_ring_release(c));
		} else {
			uint64_t before = lipc_ring_lost(c);

			ret = lipc_ring_pop(c, buf, sizeof(buf), &len, -1);
			if (ret < 0 && errno == ENOBUFS && mode == LIPC_RING_LOSSY) {
				/* The gap, counted: the next record is that many further on. */
				CHECK(lipc_ring_lost(c) > before);
				next += lipc_ring_lost(c) - before;
				announced += lipc_ring_lost(c) - before;
				continue;
			}
			if (ret == 1) {
				CHECK_EQ(check_rec(buf, len), next);
				next++;
				delivered++;
			}
			if (slow)
				sched_yield();
		}
		if (ret == 0)
			break;
		if (ret < 0)
			check_fail(__FILE__, __LINE__, "receive: %s", strerror(errno));
	}
	CHECK_EQ(announced, lipc_ring_lost(c));
	CHECK_EQ(delivered + lipc_ring_lost(c), RECORDS);
	if (mode == LIPC_RING_PUBLISH)
		CHECK_EQ(lipc_ring_lost(c), 0);
	CHECK_SYS(lipc_ring_close(c));
	return NULL;
}

static void run(int m, size_t capacity)
{
	char base[256];
	pthread_t prod, cons[CONSUMERS];

	mode = m;
	snprintf(name, sizeof(name), "/%s", check_name(base, sizeof(base), "pub"));
	CHECK_SYS(lipc_ring_close(lipc_ring_open(name, LIPC_RECV, LIPC_CREATE | m, capacity, 0)));
	CHECK_EQ(pthread_barrier_init(&attached, NULL, CONSUMERS + 1), 0);
	for (uintptr_t i = 0; i < CONSUMERS; i++)
		CHECK_EQ(pthread_create(&cons[i], NULL, consume, (void *)i), 0);
	CHECK_EQ(pthread_create(&prod, NULL, produce, NULL), 0);
	CHECK_EQ(pthread_join(prod, NULL), 0);
	for (int i = 0; i < CONSUMERS; i++)
		CHECK_EQ(pthread_join(cons[i], NULL), 0);
	pthread_barrier_destroy(&attached);
	CHECK_SYS(lipc_ring_unlink(name));
}

static void lossless_threads(void)
{
	run(LIPC_RING_PUBLISH, 4096);
}

static void lossy_threads(void)
{
	run(LIPC_RING_LOSSY, 4096);
}

CHECK_MAIN(TEST_T(lossless_threads, 240), TEST_T(lossy_threads, 240))
