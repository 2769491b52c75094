/* SPDX-License-Identifier: MIT */
/*
 * Nothing lost under load: for each transport that takes several writers at once, 4 producer
 * processes each send LIPC_LOAD_MSGS (250,000 unless told) sequence-numbered, checksummed
 * messages to one consumer, which checks that every message arrives exactly once, intact, and in
 * each producer's order. The consumer keeps going when a producer leaves (LIPC_CHAN_KEEP), so it
 * counts to 4 x N and then finds nothing more. The ring takes one producer by design: a second
 * one is refused with EBUSY.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "lipc/chan.h"
#include "lipc/fifo.h"
#include "lipc/msgq.h"
#include "lipc/ring.h"

#define PRODUCERS 4
#define MUST_MS	  30000 /* a receive that waits this long has lost a message */

static long per_producer(void)
{
	const char *n = getenv("LIPC_LOAD_MSGS");

	return n && atol(n) > 0 ? atol(n) : 250000;
}

static uint32_t fnv(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* "PRODUCER SEQ SUM BODY": a body of 0 to 63 letters, different for each message. */
static size_t make_msg(char *msg, int producer, long seq)
{
	char body[64];
	uint32_t x = (uint32_t)seq * 2654435761u + (uint32_t)producer;
	size_t len = (x >> 8) % sizeof(body);
	int h;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		body[i] = (char)('a' + (x >> 16) % 26);
	}
	h = snprintf(msg, 64, "%d %ld %08x ", producer, seq, fnv((unsigned char *)body, len));
	memcpy(msg + h, body, len);
	return (size_t)h + len;
}

static void producer(const char *address, int id, long n)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *c = lipc_chan_open(address, LIPC_SEND, &o);
	char msg[128];

	if (!c)
		check_fail(__FILE__, __LINE__, "producer %d: cannot open %s: %s", id, address,
			   strerror(errno));
	for (long seq = 0; seq < n; seq++)
		if (lipc_chan_send(c, msg, make_msg(msg, id, seq)) < 0)
			check_fail(__FILE__, __LINE__, "producer %d: message %ld: %s", id, seq,
				   strerror(errno));
	CHECK_SYS(lipc_chan_close(c));
	_exit(0);
}

/* One consumer, PRODUCERS producers: every message once, intact, in each producer's order. */
static void load(const char *address_in)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	long n = per_producer(), next[PRODUCERS] = { 0 };
	char address[PATH_MAX + 64];
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	pid_t pids[PRODUCERS];

	o.flags = LIPC_CHAN_KEEP;
	o.timeout_ms = MUST_MS;
	c = lipc_chan_open(address_in, LIPC_RECV, &o);
	if (!c)
		check_fail(__FILE__, __LINE__, "cannot open %s: %s", address_in, strerror(errno));
	if (lipc_chan_address(c, address, sizeof(address)) < 0)
		snprintf(address, sizeof(address), "%s", address_in);
	for (int i = 0; i < PRODUCERS; i++) {
		pids[i] = check_fork();
		if (pids[i] == 0) {
			lipc_chan_close(c); /* the child's copy */
			producer(address, i, n);
		}
	}
	for (long got = 0; got < PRODUCERS * n; got++) {
		char head[64];
		unsigned long sum;
		long seq;
		int id, h = 0;
		size_t len;

		if (lipc_chan_recv(c, &m) != 1)
			check_fail(__FILE__, __LINE__, "%s: message %ld of %ld did not come: %s",
				   address, got, PRODUCERS * n, strerror(errno));
		len = m.len < sizeof(head) - 1 ? m.len : sizeof(head) - 1;
		memcpy(head, m.data, len);
		head[len] = '\0';
		if (sscanf(head, "%d %ld %lx%n", &id, &seq, &sum, &h) != 3 || id < 0 ||
		    id >= PRODUCERS || (size_t)h >= m.len ||
		    sum != fnv((const unsigned char *)m.data + h + 1, m.len - (size_t)h - 1))
			check_fail(__FILE__, __LINE__, "%s: message %ld is corrupt: \"%s\"",
				   address, got, head);
		/* Exactly the next one of that producer: none lost, doubled or overtaken. */
		if (seq != next[id])
			check_fail(__FILE__, __LINE__, "%s: producer %d: message %ld, expected %ld",
				   address, id, seq, next[id]);
		next[id]++;
	}
	for (int i = 0; i < PRODUCERS; i++)
		CHECK_EQ(check_wait(pids[i]), 0);
	/* Nothing more: not one message twice. */
	CHECK_SYS(lipc_chan_set_timeout(c, 0));
	CHECK(lipc_chan_recv(c, &m) == 0 || errno == EAGAIN);
	CHECK_SYS(lipc_chan_close(c));
	printf("%s: %d x %ld messages verified\n", address_in, PRODUCERS, n);
}

static char addr[PATH_MAX + 64];

static const char *path_addr(const char *scheme)
{
	return check_path_addr(addr, sizeof(addr), scheme);
}

static const char *name_addr(const char *scheme)
{
	return check_name_addr(addr, sizeof(addr), scheme);
}

/* Lines of at most PIPE_BUF bytes: each arrives whole, never mixed with another writer's. */
static void load_fifo(void)
{
	path_addr("fifo");
	load(addr);
}

static void load_unix(void)
{
	path_addr("unix");
	load(addr);
}

static void load_unix_dgram(void)
{
	path_addr("unix-dgram");
	load(addr);
}

static void load_unix_seqpacket(void)
{
	path_addr("unix-seqpacket");
	load(addr);
}

static void load_tcp(void)
{
	load("tcp:127.0.0.1:0");
}

static void load_mq(void)
{
	name_addr("mq");
	load(addr);
	CHECK_SYS(lipc_msgq_posix_unlink(addr + 3));
}

static void load_sysv_mq(void)
{
	key_t key = check_key(1);

	snprintf(addr, sizeof(addr), "sysv-mq:%d", (int)key);
	load(addr);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

/* The ring is single-producer by design: a second producer is refused, never let in. */
static void ring_refuses_a_second_producer(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *rx, *tx, *second;
	pid_t pid;

	name_addr("shm");
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(rx != NULL);
	tx = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(tx != NULL);
	second = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(second == NULL && errno == EBUSY);
	/* From another process too. */
	pid = check_fork();
	if (pid == 0) {
		second = lipc_chan_open(addr, LIPC_SEND, &o);
		CHECK(second == NULL && errno == EBUSY);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_SYS(lipc_chan_close(rx));
	CHECK_SYS(lipc_ring_unlink(addr + 4));
}

CHECK_MAIN(TEST_T(load_fifo, 3600), TEST_T(load_unix, 3600), TEST_T(load_unix_dgram, 3600),
	   TEST_T(load_unix_seqpacket, 3600), TEST_T(load_tcp, 3600), TEST_T(load_mq, 3600),
	   TEST_T(load_sysv_mq, 3600), TEST(ring_refuses_a_second_producer))
