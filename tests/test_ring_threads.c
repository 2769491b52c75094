/* SPDX-License-Identifier: MIT */
/*
 * The ring between two threads, for ThreadSanitizer (`make tsan`): TSan cannot see across
 * processes, so this is where it checks that every record is published by a release and read
 * after an acquire. Each thread attaches its own handle, as two processes would. The batch
 * calls too: records written by lipc_ring_push_many() are read in place by
 * lipc_ring_peek_many(), some while the producer is still inside the batch that wrote them.
 * And the doorbell: a consumer that sleeps in poll() on lipc_ring_fd() and takes records with
 * a timeout of 0, while the producer arms-and-takes the bell beside its records.
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/uio.h>

#include "check.h"
#include "lipc/ring.h"

#define RECORDS 1000000

static char name[300];

static void *produce(void *arg)
{
	struct lipc_ring *p = lipc_ring_open(name, LIPC_SEND, 0, 0, 0);

	(void)arg;
	CHECK(p != NULL);
	for (uint32_t seq = 0; seq < RECORDS; seq++) {
		size_t len = 4 + seq % 61;
		unsigned char *rec = lipc_ring_reserve(p, len, -1);

		CHECK(rec != NULL);
		memcpy(rec, &seq, 4);
		for (size_t i = 4; i < len; i++)
			rec[i] = (unsigned char)(seq + i);
		CHECK_SYS(lipc_ring_commit(p));
	}
	CHECK_SYS(lipc_ring_close(p));
	return NULL;
}

static void threads(void)
{
	char base[256];
	struct lipc_ring *c;
	pthread_t t;

	snprintf(name, sizeof(name), "/%s", check_name(base, sizeof(base), "ring"));
	c = lipc_ring_open(name, LIPC_RECV, LIPC_CREATE, 4096, 0);
	CHECK(c != NULL);
	CHECK_EQ(pthread_create(&t, NULL, produce, NULL), 0);
	for (uint32_t seq = 0; seq < RECORDS; seq++) {
		const unsigned char *rec;
		size_t len;
		uint32_t got;

		CHECK_EQ(lipc_ring_peek(c, (const void **)&rec, &len, -1), 1);
		CHECK_EQ(len, 4 + seq % 61);
		memcpy(&got, rec, 4);
		CHECK_EQ(got, seq);
		for (size_t i = 4; i < len; i++)
			CHECK_EQ(rec[i], (unsigned char)(seq + i));
		CHECK_SYS(lipc_ring_release(c));
	}
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(lipc_ring_peek(c, (const void **)&(const unsigned char *){ NULL }, &(size_t){ 0 },
				-1),
		 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(name));
}

/* The batches' records: 4 bytes of sequence, then bytes that depend on it; 0 to 300 bytes. */
static size_t batch_len(uint32_t seq)
{
	return seq % 101 == 3 ? 0 : 4 + (seq * 2654435761u >> 24) % 297;
}

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Records seq.. seq + n - 1 in recs[], each its own length and bytes, and iov[] over them. */
static void fill_batch(unsigned char (*recs)[300], struct iovec *iov, uint32_t seq, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint32_t s = seq + (uint32_t)k;
		size_t len = batch_len(s);

		if (len)
			memcpy(recs[k], &s, 4);
		for (size_t i = 4; i < len; i++)
			recs[k][i] = (unsigned char)(s + i);
		iov[k] = (struct iovec){ .iov_base = recs[k], .iov_len = len };
	}
}

static void *produce_batches(void *arg)
{
	static unsigned char recs[256][300];
	struct lipc_ring *p = lipc_ring_open(name, LIPC_SEND, 0, 0, 0);
	struct iovec iov[256];
	uint32_t rnd = 12345;

	(void)arg;
	CHECK(p != NULL);
	for (uint32_t seq = 0; seq < RECORDS;) {
		size_t n = 1 + next_rand(&rnd) % 256, done = 0;

		if (n > RECORDS - seq)
			n = RECORDS - seq;
		fill_batch(recs, iov, seq, n);
		while (done < n) {
			int ret = lipc_ring_push_many(p, iov + done, n - done, -1);

			CHECK(ret > 0);
			done += (size_t)ret;
		}
		seq += (uint32_t)n;
	}
	CHECK_SYS(lipc_ring_close(p));
	return NULL;
}

static void batch_threads(void)
{
	char base[256];
	struct iovec iov[512];
	struct lipc_ring *c;
	uint32_t seq = 0, rnd = 777;
	bool ended = false;
	pthread_t t;

	snprintf(name, sizeof(name), "/%s", check_name(base, sizeof(base), "ring"));
	c = lipc_ring_open(name, LIPC_RECV, LIPC_CREATE, 4096, 0);
	CHECK(c != NULL);
	CHECK_EQ(pthread_create(&t, NULL, produce_batches, NULL), 0);
	while (seq < RECORDS) {
		int got = lipc_ring_peek_many(c, iov, 1 + next_rand(&rnd) % 256, -1), more = 0;

		CHECK(got > 0);
		/* Now and then held over a call that does not wait: its records follow. */
		if (next_rand(&rnd) % 4 == 0) {
			more = lipc_ring_peek_many(c, iov + got, 256, 0);
			if (more == 0)
				ended = true; /* the end, told once: after the last record */
			else if (more < 0 && errno == EAGAIN)
				more = 0;
			CHECK(more >= 0);
		}
		for (int k = 0; k < got + more; k++, seq++) {
			const unsigned char *rec = iov[k].iov_base;
			uint32_t s;

			CHECK_EQ(iov[k].iov_len, batch_len(seq));
			if (!iov[k].iov_len)
				continue;
			memcpy(&s, rec, 4);
			CHECK_EQ(s, seq);
			for (size_t i = 4; i < iov[k].iov_len; i++)
				CHECK_EQ(rec[i], (unsigned char)(seq + i));
		}
		CHECK_SYS(lipc_ring_release(c));
	}
	CHECK_EQ(pthread_join(t, NULL), 0);
	if (!ended)
		CHECK_EQ(lipc_ring_peek_many(c, iov, 8, -1), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(name));
}

#define POLL_RECORDS 200000

/* One record at a time or in batches, in runs, so that the consumer often finds the ring empty. */
static void *produce_mixed(void *arg)
{
	static unsigned char recs[64][300];
	struct lipc_ring *p = lipc_ring_open(name, LIPC_SEND, 0, 0, 0);
	struct iovec iov[64];
	uint32_t rnd = 99;

	(void)arg;
	CHECK(p != NULL);
	for (uint32_t seq = 0; seq < POLL_RECORDS;) {
		size_t n = 1 + next_rand(&rnd) % 64, done = 0;

		if (n > POLL_RECORDS - seq)
			n = POLL_RECORDS - seq;
		fill_batch(recs, iov, seq, n);
		if (n == 1 || next_rand(&rnd) % 2) {
			for (size_t k = 0; k < n; k++)
				CHECK_SYS(lipc_ring_push(p, iov[k].iov_base, iov[k].iov_len, -1));
		} else {
			while (done < n) {
				int ret = lipc_ring_push_many(p, iov + done, n - done, -1);

				CHECK(ret > 0);
				done += (size_t)ret;
			}
		}
		seq += (uint32_t)n;
	}
	CHECK_SYS(lipc_ring_close(p));
	return NULL;
}

/* The consumer in poll mode: poll() on the doorbell, then receives that never wait. */
static void poll_threads(void)
{
	struct pollfd pfd = { .events = POLLIN };
	char base[256];
	struct iovec iov[32];
	struct lipc_ring *c;
	uint32_t seq = 0, rnd = 4242;
	pthread_t t;
	int got;

	snprintf(name, sizeof(name), "/%s", check_name(base, sizeof(base), "ring"));
	c = lipc_ring_open(name, LIPC_RECV, LIPC_CREATE, 4096, 0);
	CHECK(c != NULL);
	pfd.fd = (int)CHECK_SYS(lipc_ring_fd(c));
	CHECK_EQ(pthread_create(&t, NULL, produce_mixed, NULL), 0);
	for (;;) {
		while (poll(&pfd, 1, -1) < 0)
			CHECK_EQ(errno, EINTR);
		got = lipc_ring_peek_many(c, iov, 1 + next_rand(&rnd) % 32, 0);
		if (got == 0)
			break;
		if (got < 0) {
			CHECK_EQ(errno, EAGAIN); /* the producer's attach rang */
			continue;
		}
		for (int k = 0; k < got; k++, seq++) {
			const unsigned char *rec = iov[k].iov_base;
			uint32_t s;

			CHECK_EQ(iov[k].iov_len, batch_len(seq));
			if (!iov[k].iov_len)
				continue;
			memcpy(&s, rec, 4);
			CHECK_EQ(s, seq);
			for (size_t i = 4; i < iov[k].iov_len; i++)
				CHECK_EQ(rec[i], (unsigned char)(seq + i));
		}
		CHECK_SYS(lipc_ring_release(c));
	}
	CHECK_EQ(seq, POLL_RECORDS);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(name));
}

CHECK_MAIN(TEST_T(threads, 120), TEST_T(batch_threads, 120), TEST_T(poll_threads, 120))
