/* SPDX-License-Identifier: MIT */
/*
 * The multi-producer ring between threads, for ThreadSanitizer (`make tsan`): TSan cannot see
 * across processes, so this is where it checks the claim (a compare-and-swap on head, the slot's
 * intent), the commit (each record's seq, released) and the consumer's reads (after an acquire).
 * Four producer threads, each with its own handle as four processes would have, send records by
 * push, by reserve and commit, and by batches, into a small ring; the consumer thread takes them
 * one by one and in batches: every record exactly once, each producer's in its order.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/uio.h>

#include "check.h"
#include "lipc/ring.h"

#define PRODUCERS 4
#define RECORDS	  250000 /* each */

static char name[300];

/* Record seq of producer id: 4 bytes of id, 4 of seq, then bytes that depend on both. */
static size_t rec_len(uint32_t id, uint32_t seq)
{
	return 8 + (seq * 2654435761u + id) % 120;
}

static void fill(unsigned char *rec, uint32_t id, uint32_t seq)
{
	size_t len = rec_len(id, seq);

	memcpy(rec, &id, 4);
	memcpy(rec + 4, &seq, 4);
	for (size_t i = 8; i < len; i++)
		rec[i] = (unsigned char)(seq + id * 7 + i);
}

static void *produce(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	struct lipc_ring *p = lipc_ring_open(name, LIPC_SEND, 0, 0, 0);
	unsigned char bufs[16][128];
	struct iovec iov[16];

	CHECK(p != NULL);
	for (uint32_t seq = 0; seq < RECORDS;) {
		uint32_t how = (seq / 7 + id) % 3;

		if (how == 0) {
			fill(bufs[0], id, seq);
			CHECK_SYS(lipc_ring_push(p, bufs[0], rec_len(id, seq), -1));
			seq++;
		} else if (how == 1) {
			unsigned char *rec = lipc_ring_reserve(p, rec_len(id, seq), -1);

			CHECK(rec != NULL);
			fill(rec, id, seq);
			CHECK_SYS(lipc_ring_commit(p));
			seq++;
		} else {
			size_t n = RECORDS - seq < 16 ? RECORDS - seq : 16;
			int k;

			for (size_t i = 0; i < n; i++) {
				fill(bufs[i], id, seq + (uint32_t)i);
				iov[i] =
					(struct iovec){ .iov_base = bufs[i],
							.iov_len = rec_len(id, seq + (uint32_t)i) };
			}
			k = (int)CHECK_SYS(lipc_ring_push_many(p, iov, n, -1));
			CHECK(k >= 1);
			seq += (uint32_t)k;
		}
	}
	CHECK_SYS(lipc_ring_close(p));
	return NULL;
}

static void check_one(const unsigned char *rec, size_t len, uint32_t *next)
{
	uint32_t id, seq;

	CHECK(len >= 8);
	memcpy(&id, rec, 4);
	memcpy(&seq, rec + 4, 4);
	CHECK(id < PRODUCERS);
	CHECK_EQ(seq, next[id]);
	CHECK_EQ(len, rec_len(id, seq));
	for (size_t i = 8; i < len; i++)
		CHECK_EQ(rec[i], (unsigned char)(seq + id * 7 + i));
	next[id]++;
}

static void threads(void)
{
	char base[256];
	uint32_t next[PRODUCERS] = { 0 };
	struct lipc_ring *c;
	pthread_t t[PRODUCERS];
	uint64_t total = 0;

	snprintf(name, sizeof(name), "/%s", check_name(base, sizeof(base), "multi"));
	c = lipc_ring_open(name, LIPC_RECV, LIPC_CREATE | LIPC_RING_MULTI, 4096, 0);
	CHECK(c != NULL);
	for (uintptr_t i = 0; i < PRODUCERS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, produce, (void *)i), 0);
	for (;;) {
		struct iovec iov[8];
		int got;

		if (total % 3 == 0) {
			const void *rec;
			size_t len;

			got = lipc_ring_peek(c, &rec, &len, -1);
			if (got == 1)
				check_one(rec, len, next);
		} else {
			got = lipc_ring_peek_many(c, iov, 8, -1);
			for (int k = 0; k < got; k++)
				check_one(iov[k].iov_base, iov[k].iov_len, next);
		}
		if (got == 0)
			break;
		CHECK(got > 0);
		total += (uint64_t)got;
		CHECK_SYS(lipc_ring_release(c));
	}
	for (int i = 0; i < PRODUCERS; i++) {
		CHECK_EQ(pthread_join(t[i], NULL), 0);
		CHECK_EQ(next[i], RECORDS);
	}
	CHECK_EQ(total, (uint64_t)PRODUCERS * RECORDS);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(name));
}

CHECK_MAIN(TEST_T(threads, 280))
