/* SPDX-License-Identifier: MIT */
/*
 * The ring between two threads, for ThreadSanitizer (`make tsan`): TSan cannot see across
 * processes, so this is where it checks that every record is published by a release and read
 * after an acquire. Each thread attaches its own handle, as two processes would.
 */
#include <pthread.h>
#include <stdint.h>

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

CHECK_MAIN(TEST_T(threads, 120))
