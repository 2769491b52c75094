/* SPDX-License-Identifier: MIT */
/*
 * The ring's reader, and its writer, fed a shared region the fuzzer wrote: positions, record
 * headers and records, and now and then a broken static header. A ring of 4 KiB is created once;
 * each input is written into it through a mapping of our own, then a consumer attaches, peeks
 * and releases records until the ring says it is empty, ended or corrupt, and a producer
 * attaches and pushes a few records. Whatever the shared memory holds, the ring may fail
 * (EPROTO, EBADMSG, ...), but it must never touch memory outside the ring, hand out a record
 * that is not inside it, or loop for ever: the page after the ring is mapped PROT_NONE, so an
 * overrun crashes at once.
 *
 * With flag 0x80 both go through the batch calls instead: the consumer takes records with
 * lipc_ring_peek_many() (batches of 1 to 8, sometimes held over the next call), checks each
 * record and what several held mean for lipc_ring_peek() and lipc_ring_pop(), and releases them
 * all at once; the producer pushes its records with lipc_ring_push_many().
 *
 * The consumer asks for its doorbell (lipc_ring_fd()) first, and before every call the test
 * polls it with a timeout of 0: readable exactly when the call then returns anything but EAGAIN,
 * whatever the header says. With flag 8 the doorbell's fields are scribbled over first (armed,
 * a token and a pid from the input), which may cost wake-ups, never a crash or a lie.
 *
 * Inputs that start with "MULT" go to a multi-producer ring (LIPC_RING_MULTI, fuzz_multi()) of
 * its own instead: its positions, its counts of producers, eight of its producer slots (intent,
 * end, claimed, state...) and its records come from the input (the harness writes the tags of
 * the headers the records lay out, unless the input says not to), then a consumer takes records
 * with a timeout of 0 (its dead-claimer test and its end test run at each call: they decide
 * what it steps over) and a producer pushes a few; the same promises hold.
 *
 * An input that starts with "pub" drives a publish ring instead (fuzz_publish(), below, says
 * its layout). Both consumers ask for their doorbell too, and poll it before every call: a
 * publish consumer's must have rung before any call that returns more than EAGAIN.
 *
 * Input: byte 0 flags (1: run a producer too, 2: head as given rather than tail plus a small
 * delta, 4: overwrite the static header, 8: scribble over the doorbell's fields, 0x30: producer
 * generation, 0x40: producer closed, 0x80: the batch calls), bytes 1-8 tail, 9-16 head (or its
 * delta), 17-48 the static header when flag 4 is set, then the data.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuzz.h"
#include "lipc/ring.h"

/* struct ring_shared of src/ring.c, as far as this harness writes it. */
#define DATA_OFFSET   4096
#define HEAD_AT	      128
#define TAIL_AT	      256
#define CONSUMER_GEN  392
#define PRODUCER_GEN  520
#define PRODUCER_SHUT 524
#define CONSUMER_BELL 400
#define BELL_TOKEN    408
#define PRODUCER_PID  532
#define STATIC_BYTES  32
#define CAPACITY      4096

static char name[64];
static unsigned char *shared; /* our own view of the ring: header page, then the data */
static unsigned char pristine[STATIC_BYTES];
static volatile unsigned touched; /* where the bytes of each record go, so that they are read */

static void multi_init(void);

static void remove_ring(void)
{
	lipc_ring_unlink(name);
}

/*
 * Create the ring called ring_name (flags: its mode) afresh, with nobody attached, and map its
 * whole object (size bytes) for the harness to write as it likes.
 */
static unsigned char *map_new_ring(const char *ring_name, int flags, size_t size)
{
	struct lipc_ring *r;
	unsigned char *m;
	char path[96];
	int fd;

	lipc_ring_unlink(ring_name);
	r = lipc_ring_open(ring_name, LIPC_RECV, LIPC_CREATE | flags, CAPACITY, 0600);
	FUZZ_ASSERT(r != NULL);
	FUZZ_ASSERT(lipc_ring_close(r) == 0);
	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	FUZZ_ASSERT(fd >= 0);
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	FUZZ_ASSERT(m != MAP_FAILED);
	close(fd);
	return m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(name, sizeof(name), "/lipc-fuzz-ring-%d", (int)getpid());
	shared = map_new_ring(name, 0, DATA_OFFSET + CAPACITY);
	atexit(remove_ring);
	memcpy(pristine, shared, STATIC_BYTES);
	multi_init();
	return 0;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The doorbell, polled with a timeout of 0. */
static bool rung(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, 0);

	FUZZ_ASSERT(n >= 0);
	return n > 0;
}

/* What the doorbell said before a call, against what the call returned. */
static void bell_told(bool due, int ret)
{
	FUZZ_ASSERT(due == !(ret < 0 && errno == EAGAIN));
}

static void consume(void)
{
	struct lipc_ring *r = lipc_ring_open(name, LIPC_RECV, 0, 0, 0);
	int fd;

	if (!r) {
		FUZZ_ASSERT(errno == EPROTO);
		return;
	}
	fd = lipc_ring_fd(r);
	FUZZ_ASSERT(fd >= 0);
	for (int i = 0; i < 600; i++) {
		const void *data;
		size_t len;
		bool due = rung(fd);
		int ret = lipc_ring_peek(r, &data, &len, 0);

		bell_told(due, ret);
		if (ret <= 0) {
			FUZZ_ASSERT(ret == 0 || errno == EAGAIN || errno == EPROTO ||
				    errno == EBADMSG || errno == ECONNRESET);
			break;
		}
		FUZZ_ASSERT(ret == 1 && len <= lipc_ring_max_record(r));
		/* Every byte of the record is read: an overrun hits the guard page. */
		for (size_t k = 0; k < len; k++)
			touched += ((const unsigned char *)data)[k];
		/* Peeking again before the release gives the same record. */
		{
			const void *again;
			size_t len2;

			FUZZ_ASSERT(lipc_ring_peek(r, &again, &len2, 0) == 1);
			FUZZ_ASSERT(again == data && len2 == len);
		}
		FUZZ_ASSERT(lipc_ring_release(r) == 0);
	}
	FUZZ_ASSERT(lipc_ring_close(r) == 0);
}

/* Every byte of a record is read: an overrun hits the guard page. */
static void touch(const void *data, size_t len)
{
	for (size_t k = 0; k < len; k++)
		touched += ((const unsigned char *)data)[k];
}

static void consume_batches(unsigned seed)
{
	struct lipc_ring *r = lipc_ring_open(name, LIPC_RECV, 0, 0, 0);
	struct iovec iov[16];
	int fd;

	if (!r) {
		FUZZ_ASSERT(errno == EPROTO);
		return;
	}
	fd = lipc_ring_fd(r);
	FUZZ_ASSERT(fd >= 0);
	for (int i = 0; i < 300; i++) {
		size_t n = 1 + (seed >> (i % 8 * 4) & 7), held;
		bool due = rung(fd);
		int ret = lipc_ring_peek_many(r, iov, n, 0), more = 0;
		const void *last;
		size_t len;

		bell_told(due, ret);
		if (ret <= 0) {
			FUZZ_ASSERT(ret == 0 || errno == EAGAIN || errno == EPROTO ||
				    errno == EBADMSG || errno == ECONNRESET);
			break;
		}
		FUZZ_ASSERT((size_t)ret <= n);
		/* Held over: a call that does not wait, whose records follow (or its error). */
		if (seed >> (i % 32) & 1) {
			due = rung(fd);
			more = lipc_ring_peek_many(r, iov + ret, 8, 0);
			bell_told(due, more);
			if (more < 0) {
				FUZZ_ASSERT(errno == EAGAIN || errno == EPROTO ||
					    errno == EBADMSG || errno == ECONNRESET);
				more = 0;
			}
			FUZZ_ASSERT(more <= 8);
		}
		held = (size_t)(ret + more);
		for (size_t k = 0; k < held; k++) {
			FUZZ_ASSERT(iov[k].iov_len <= lipc_ring_max_record(r));
			touch(iov[k].iov_base, iov[k].iov_len);
		}
		/*
		 * Peeking again gives the last record held, unless a corrupt record ended the
		 * batch: that error is the next call's. A pop takes no batch.
		 */
		if (lipc_ring_peek(r, &last, &len, 0) == 1)
			FUZZ_ASSERT(last == iov[held - 1].iov_base && len == iov[held - 1].iov_len);
		else
			FUZZ_ASSERT(errno == EBADMSG || errno == EPROTO);
		if (held > 1) {
			unsigned char buf[16];

			FUZZ_ASSERT(lipc_ring_pop(r, buf, sizeof(buf), &len, 0) == -1 &&
				    errno == EINVAL);
		}
		FUZZ_ASSERT(lipc_ring_release(r) == 0);
	}
	FUZZ_ASSERT(lipc_ring_close(r) == 0);
}

static void produce_batches(const uint8_t *data, size_t size)
{
	struct lipc_ring *r = lipc_ring_open(name, LIPC_SEND, 0, 0, 0);
	static unsigned char rec[CAPACITY];
	struct iovec iov[16];
	size_t n = 0;

	if (!r) {
		FUZZ_ASSERT(errno == EPROTO);
		return;
	}
	memset(rec, 0x5a, sizeof(rec));
	for (size_t i = 0; i < size && i < 16; i++)
		iov[n++] = (struct iovec){ .iov_base = rec, .iov_len = (size_t)data[i] * 9 };
	for (size_t done = 0; done < n;) {
		int ret = lipc_ring_push_many(r, iov + done, n - done, 0);

		if (ret < 0) {
			FUZZ_ASSERT(errno == EAGAIN || errno == EMSGSIZE || errno == EPROTO ||
				    errno == EPIPE);
			if (errno != EMSGSIZE)
				break;
			ret = 1; /* skip the record too big */
		}
		FUZZ_ASSERT((size_t)ret <= n - done);
		done += (size_t)ret;
	}
	FUZZ_ASSERT(lipc_ring_close(r) == 0);
}

static void produce(const uint8_t *data, size_t size)
{
	struct lipc_ring *r = lipc_ring_open(name, LIPC_SEND, 0, 0, 0);
	unsigned char rec[CAPACITY];

	if (!r) {
		FUZZ_ASSERT(errno == EPROTO);
		return;
	}
	memset(rec, 0x5a, sizeof(rec));
	for (size_t i = 0; i < size && i < 16; i++) {
		size_t len = (size_t)data[i] * 9;

		if (lipc_ring_push(r, rec, len, 0) < 0) {
			FUZZ_ASSERT(errno == EAGAIN || errno == EMSGSIZE || errno == EPROTO ||
				    errno == EPIPE);
			if (errno != EMSGSIZE)
				break;
		}
	}
	FUZZ_ASSERT(lipc_ring_close(r) == 0);
}

/*
 * Publish rings (LIPC_RING_PUBLISH and LIPC_RING_LOSSY, one of each, made at the first such
 * input): the fuzzer writes head, its two counts, tail, the producer's generation and "closed",
 * the sleepers mask, consumer slots 1 and 2 (slot 0 is the attaching consumer's) and the records;
 * then a consumer attaches and takes records (pop, peek, peek_many by turns) with a timeout of 0
 * until the ring says it is empty, ended or corrupt, a producer attaches and pushes, and the
 * consumer, still attached, reads again. Whatever the memory holds, every call returns a record
 * inside the ring or an error it may give, never a wild access or an endless loop.
 *
 * Input after "pub": byte 0 flags (1: lossy, 2: run a producer, 4: batches, 0x30: producer
 * generation, 0x40: producer closed), bytes 1-8 head, 9-16 tail, 17-24 head's count, 25-32 its
 * second count (with flag 0x80: the first count again), 33-40 sleepers, 41-104 the first 32 bytes
 * of slots 1 and 2, then the records.
 */
#define PUB_HEAD     128
#define PUB_COUNT    136
#define PUB_COUNT2   144
#define PUB_SLEEPERS 416
#define PUB_SLOTS    4096
#define PUB_SLOT     128
#define PUB_DATA     (4096 + 64 * 128)

static char pub_names[2][64];
static unsigned char *pub_shared[2];

static void remove_pub_rings(void)
{
	lipc_ring_unlink(pub_names[0]);
	lipc_ring_unlink(pub_names[1]);
}

static void pub_init(void)
{
	static const int modes[2] = { LIPC_RING_PUBLISH, LIPC_RING_LOSSY };

	for (int i = 0; i < 2; i++) {
		snprintf(pub_names[i], sizeof(pub_names[i]), "/lipc-fuzz-ring-pub%d-%d", i,
			 (int)getpid());
		pub_shared[i] = map_new_ring(pub_names[i], modes[i], PUB_DATA + CAPACITY);
	}
	atexit(remove_pub_rings);
}

static bool pub_error(int err)
{
	return err == EAGAIN || err == EPROTO || err == EBADMSG || err == ECONNRESET ||
	       err == ENOBUFS;
}

/* Take records with a timeout of 0, by turns, until none comes: each inside the ring. */
static void pub_consume(struct lipc_ring *r, int fd, unsigned seed)
{
	for (int i = 0; i < 300; i++) {
		unsigned char buf[CAPACITY];
		struct iovec iov[8];
		const void *data;
		size_t len;
		bool due = rung(fd);
		int ret;

		switch ((seed >> (i % 16 * 2)) & 3) {
		case 0:
			ret = lipc_ring_pop(r, buf, sizeof(buf), &len, 0);
			FUZZ_ASSERT(ret != 1 || len <= lipc_ring_max_record(r));
			break;
		case 1:
			ret = lipc_ring_peek(r, &data, &len, 0);
			if (ret == 1) {
				FUZZ_ASSERT(len <= lipc_ring_max_record(r));
				touch(data, len);
				if (lipc_ring_release(r) < 0)
					FUZZ_ASSERT(pub_error(errno));
			}
			break;
		default:
			ret = lipc_ring_peek_many(r, iov, 1 + (size_t)(i % 8), 0);
			for (int k = 0; k < ret; k++) {
				FUZZ_ASSERT(iov[k].iov_len <= lipc_ring_max_record(r));
				touch(iov[k].iov_base, iov[k].iov_len);
			}
			if (ret > 0 && lipc_ring_release(r) < 0)
				FUZZ_ASSERT(pub_error(errno));
			break;
		}
		/* A bell that did not ring: the call had nothing (it may ring for nothing). */
		FUZZ_ASSERT(due || (ret < 0 && errno == EAGAIN));
		if (ret < 0 && errno == ENOBUFS)
			continue; /* lossy: lapped, and told; the next call goes on */
		if (ret <= 0) {
			FUZZ_ASSERT(ret == 0 || pub_error(errno));
			break;
		}
	}
}

static void pub_produce(struct lipc_ring *r, const uint8_t *data, size_t size, bool batches)
{
	static unsigned char rec[CAPACITY];
	struct iovec iov[16];
	size_t n = 0;

	memset(rec, 0x5a, sizeof(rec));
	for (size_t i = 0; i < size && i < 16; i++)
		iov[n++] = (struct iovec){ .iov_base = rec, .iov_len = (size_t)data[i] * 9 };
	for (size_t done = 0; done < n;) {
		int ret = batches ? lipc_ring_push_many(r, iov + done, n - done, 0)
				  : lipc_ring_push(r, rec, iov[done].iov_len, 0) == 0;

		if (ret <= 0) {
			FUZZ_ASSERT(errno == EAGAIN || errno == EMSGSIZE || errno == EPROTO);
			if (errno != EMSGSIZE)
				break;
			ret = 1; /* skip the record too big */
		}
		done += (size_t)ret;
	}
}

static int fuzz_publish(const uint8_t *data, size_t size)
{
	unsigned char *m;
	struct lipc_ring *c, *p;
	unsigned flags;
	uint32_t gen, shut;
	uint64_t count;
	int fd;

	if (size < 105)
		return 0;
	if (!pub_shared[0])
		pub_init();
	flags = data[0];
	m = pub_shared[flags & 1];
	gen = flags >> 4 & 3;
	shut = flags >> 6 & 1;
	memcpy(m + PUB_HEAD, data + 1, 8);
	memcpy(m + TAIL_AT, data + 9, 8);
	memcpy(m + PUB_COUNT, data + 17, 8);
	memcpy(m + PUB_COUNT2, data + (flags & 0x80 ? 17 : 25), 8);
	memcpy(m + PUB_SLEEPERS, data + 33, 8);
	memcpy(m + PRODUCER_GEN, &gen, sizeof(gen));
	memcpy(m + PRODUCER_SHUT, &shut, sizeof(shut));
	memset(m + PUB_SLOTS, 0, 64 * PUB_SLOT);
	memcpy(m + PUB_SLOTS + PUB_SLOT, data + 41, 32);
	memcpy(m + PUB_SLOTS + 2 * PUB_SLOT, data + 73, 32);
	memset(m + PUB_DATA, 0, CAPACITY);
	memcpy(m + PUB_DATA, data + 105, size - 105 < CAPACITY ? size - 105 : CAPACITY);
	memcpy(&count, data + 17, 8);

	c = lipc_ring_open(pub_names[flags & 1], LIPC_RECV, 0, 0, 0);
	if (!c) {
		FUZZ_ASSERT(errno == EPROTO);
		return 0;
	}
	fd = lipc_ring_fd(c);
	FUZZ_ASSERT(fd >= 0);
	pub_consume(c, fd, (unsigned)count);
	if (flags & 2) {
		p = lipc_ring_open(pub_names[flags & 1], LIPC_SEND, 0, 0, 0);
		if (p) {
			pub_produce(p, data + 105, size - 105, flags & 4);
			pub_consume(c, fd, (unsigned)(count >> 32));
			FUZZ_ASSERT(lipc_ring_close(p) == 0);
			pub_consume(c, fd, (unsigned)count ^ 0x5555);
		} else {
			FUZZ_ASSERT(errno == EPROTO);
		}
	}
	FUZZ_ASSERT(lipc_ring_close(c) == 0);
	return 0;
}

/*
 * The multi-producer ring (LIPC_RING_MULTI): its layout as far as fuzz_multi() writes it
 * (src/ring_impl.h, src/ring_multi.c). Records start after the 64 producer slots.
 */
#define M_SLOTS_AT   4096
#define M_SLOT_SIZE  128
#define M_DATA_AT    (M_SLOTS_AT + 64 * M_SLOT_SIZE)
#define M_COUNTS_AT  2048 /* clean closes, deaths */
#define M_HEADER     128  /* the static header's line, kept as created */
#define M_SLOT_BYTES 1024 /* the input writes slots 0 to 7 */

static char multi_name[64];
static unsigned char *multi; /* our own view: header page, slots, data */
static unsigned char multi_pristine[M_HEADER];

static void remove_multi(void)
{
	lipc_ring_unlink(multi_name);
}

static void multi_init(void)
{
	snprintf(multi_name, sizeof(multi_name), "/lipc-fuzz-multi-%d", (int)getpid());
	multi = map_new_ring(multi_name, LIPC_RING_MULTI, M_DATA_AT + CAPACITY);
	atexit(remove_multi);
	memcpy(multi_pristine, multi, M_HEADER);
}

/* The consumer of the multi ring: records in place, one by one or in batches, none waited for. */
static void multi_consume(unsigned seed, bool batches)
{
	struct lipc_ring *r = lipc_ring_open(multi_name, LIPC_RECV, 0, 0, 0);
	int fd;

	if (!r) {
		FUZZ_ASSERT(errno == EPROTO);
		return;
	}
	/*
	 * Its doorbell, looked at before every call: what a dead claimer makes due is only seen at
	 * the check interval (a timer), so no call's answer is asserted from it, but its checks
	 * run on whatever the input wrote.
	 */
	fd = lipc_ring_fd(r);
	FUZZ_ASSERT(fd >= 0);
	for (int i = 0; i < 300; i++) {
		struct iovec iov[8];
		size_t n = 1 + (seed >> (i % 8 * 4) & 7);
		int ret;

		(void)rung(fd);
		if (batches) {
			ret = lipc_ring_peek_many(r, iov, n, 0);
		} else {
			const void *one;

			ret = lipc_ring_peek(r, &one, &iov[0].iov_len, 0);
			iov[0].iov_base = (void *)(uintptr_t)one;
			n = 1;
		}
		if (ret <= 0) {
			FUZZ_ASSERT(ret == 0 || errno == EAGAIN || errno == EPROTO ||
				    errno == EBADMSG || errno == ECONNRESET);
			/* An end or a death is told once; EAGAIN, EPROTO, EBADMSG stay. */
			if (ret < 0 && errno != ECONNRESET)
				break;
			continue;
		}
		FUZZ_ASSERT((size_t)ret <= n);
		for (int k = 0; k < ret; k++) {
			FUZZ_ASSERT(iov[k].iov_len <= lipc_ring_max_record(r));
			touch(iov[k].iov_base, iov[k].iov_len);
		}
		FUZZ_ASSERT(lipc_ring_release(r) == 0);
	}
	FUZZ_ASSERT(lipc_ring_close(r) == 0);
}

/* A producer of the multi ring: a few records, pushed one by one or as a batch, none waited for. */
static void multi_produce(const uint8_t *data, size_t size, bool batches)
{
	struct lipc_ring *r = lipc_ring_open(multi_name, LIPC_SEND, 0, 0, 0);
	static unsigned char rec[CAPACITY];
	struct iovec iov[8];
	size_t n = 0;

	if (!r) {
		/* A corrupt ring, or slots that a dead producer's claim seems to keep. */
		FUZZ_ASSERT(errno == EPROTO || errno == EBUSY);
		return;
	}
	memset(rec, 0x5a, sizeof(rec));
	for (size_t i = 0; i < size && i < 8; i++)
		iov[n++] = (struct iovec){ .iov_base = rec, .iov_len = (size_t)data[i] * 9 };
	for (size_t done = 0; done < n;) {
		int ret;

		if (batches)
			ret = lipc_ring_push_many(r, iov + done, n - done, 0);
		else
			ret = lipc_ring_push(r, rec, iov[done].iov_len, 0) < 0 ? -1 : 1;
		if (ret < 0) {
			FUZZ_ASSERT(errno == EAGAIN || errno == EMSGSIZE || errno == EPROTO ||
				    errno == EPIPE);
			if (errno != EMSGSIZE)
				break;
			ret = 1; /* skip the record too big */
		}
		done += (size_t)ret;
	}
	FUZZ_ASSERT(lipc_ring_close(r) == 0);
}

/*
 * Write the tag of each header the records from tail to head lay out (its position / 16, low 32
 * bits, in the header's second word: src/ring_impl.h's lay_headers()), following the lengths
 * the input wrote as the consumer reads them (a wrap marker leads to offset 0), at most one
 * header per 16 bytes of the ring. Without its tag no header is ready, and the seeds would reach
 * no record.
 */
static void multi_tag(uint64_t tail, uint64_t head)
{
	uint64_t p = tail;

	for (unsigned i = 0; i < CAPACITY / 16 && (int64_t)(head - p) > 0; i++) {
		unsigned char *h = multi + M_DATA_AT + (p & (CAPACITY - 1));
		uint32_t len, tag = (uint32_t)(p >> 4);

		memcpy(&len, h, sizeof(len));
		memcpy(h + 4, &tag, sizeof(tag));
		if (len == 0xffffffffu)
			p += CAPACITY - (p & (CAPACITY - 1)); /* the record at the next offset 0 */
		else if (len <= CAPACITY)
			p += (16 + (uint64_t)len + 15) & ~(uint64_t)15;
		else
			break;
	}
}

/*
 * An input for the multi ring ("MULT" stripped): byte 0 flags (1: run a producer too, 2: head as
 * given rather than tail plus a small delta, 4: the batch calls, 8: a producer attached first,
 * as a live claimer's slot, 0x10: the headers' tags as the input wrote them, not multi_tag()'s),
 * bytes 1-8 tail, 9-16 head (or its delta), 17-24 the counts of attaches, clean closes and
 * deaths (bytes), 25.. slots 0 to 7 (M_SLOT_BYTES), then the data.
 */
static void fuzz_multi(const uint8_t *data, size_t size)
{
	struct lipc_ring *live = NULL;
	uint64_t tail, head;
	uint32_t count;
	unsigned flags;

	if (size < 25)
		return;
	flags = data[0];
	tail = le64(data + 1);
	head = flags & 2 ? le64(data + 9) : tail + (le64(data + 9) & 0x3ff0);
	memcpy(multi, multi_pristine, M_HEADER);
	memset(multi + M_HEADER, 0, M_DATA_AT + CAPACITY - M_HEADER);
	memcpy(multi + HEAD_AT, &head, sizeof(head));
	memcpy(multi + TAIL_AT, &tail, sizeof(tail));
	count = data[17];
	memcpy(multi + PRODUCER_GEN, &count, sizeof(count));
	count = data[18];
	memcpy(multi + M_COUNTS_AT, &count, sizeof(count));
	count = data[19];
	memcpy(multi + M_COUNTS_AT + 4, &count, sizeof(count));
	if (size > 25) {
		size_t n = size - 25;

		memcpy(multi + M_SLOTS_AT, data + 25, n < M_SLOT_BYTES ? n : M_SLOT_BYTES);
		if (n > M_SLOT_BYTES) {
			n -= M_SLOT_BYTES;
			memcpy(multi + M_DATA_AT, data + 25 + M_SLOT_BYTES,
			       n < CAPACITY ? n : CAPACITY);
		}
	}
	if (!(flags & 0x10))
		multi_tag(tail, head);
	/* A live producer in the first slot the input left free: its lock says "alive". */
	if (flags & 8) {
		live = lipc_ring_open(multi_name, LIPC_SEND, 0, 0, 0);
		FUZZ_ASSERT(live || errno == EPROTO || errno == EBUSY);
	}
	multi_consume((unsigned)le64(data + 9) ^ (unsigned)(le64(data + 1) >> 32), flags & 4);
	if (flags & 1)
		multi_produce(data + 20, size - 20, flags & 4);
	if (live)
		FUZZ_ASSERT(lipc_ring_close(live) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t tail, head;
	uint32_t gen, shut;
	unsigned flags;

	if (size >= 4 && memcmp(data, "MULT", 4) == 0) {
		fuzz_multi(data + 4, size - 4);
		return 0;
	}
	if (size >= 3 && !memcmp(data, "pub", 3))
		return fuzz_publish(data + 3, size - 3);
	if (size < 17)
		return 0;
	flags = data[0];
	tail = le64(data + 1);
	head = flags & 2 ? le64(data + 9) : tail + (le64(data + 9) & 0xffff);
	gen = flags >> 4 & 3;
	shut = flags >> 6 & 1;

	memcpy(shared, pristine, STATIC_BYTES);
	if ((flags & 4) && size >= 17 + STATIC_BYTES)
		memcpy(shared, data + 17, STATIC_BYTES);
	memcpy(shared + HEAD_AT, &head, sizeof(head));
	memcpy(shared + TAIL_AT, &tail, sizeof(tail));
	memset(shared + CONSUMER_GEN, 0, 4);
	memcpy(shared + PRODUCER_GEN, &gen, sizeof(gen));
	memcpy(shared + PRODUCER_SHUT, &shut, sizeof(shut));
	{
		uint64_t token = (le64(data + 1) ^ le64(data + 9)) * 0x9E3779B97F4A7C15ull;
		uint32_t armed = flags & 8 ? (uint32_t)token | 1 : 0;
		int32_t pid = flags & 8 ? (int32_t)(token >> 32) : 0;

		memcpy(shared + CONSUMER_BELL, &armed, sizeof(armed));
		memcpy(shared + BELL_TOKEN, &token, sizeof(token));
		memcpy(shared + PRODUCER_PID, &pid, sizeof(pid));
	}
	memset(shared + DATA_OFFSET, 0, CAPACITY);
	if (size > 17 + STATIC_BYTES) {
		size_t n = size - 17 - STATIC_BYTES;

		memcpy(shared + DATA_OFFSET, data + 17 + STATIC_BYTES, n < CAPACITY ? n : CAPACITY);
	}

	if (flags & 0x80) {
		consume_batches((unsigned)le64(data + 9) ^ (unsigned)(le64(data + 1) >> 32));
		if (flags & 1)
			produce_batches(data + 17, size - 17);
		return 0;
	}
	consume();
	if (flags & 1)
		produce(data + 17, size - 17);
	return 0;
}
