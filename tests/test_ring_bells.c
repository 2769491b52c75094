/* SPDX-License-Identifier: MIT */
/*
 * The doorbells of the ring's modes (lipc_ring_fd() on a multi-producer or a publish ring): the
 * descriptor is readable exactly when a receive would not wait, as test_ring's doorbell tests
 * say of the point-to-point ring, with what only the modes have: a record committed after a
 * claim still pending (not due), each publish consumer's own bell, a lossy consumer lapped
 * (due: ENOBUFS), a claimer or the last producer dying (due within the check interval, which the
 * multi-producer bell watches by the clock), a publish producer killed while its consumers
 * sleep in poll() (its pidfd), and processes that poll instead of waiting in the ring. The
 * traps: a multi-producer consumer's bell may ring spuriously once a check interval while
 * producers are attached, so the cross-process tests take EAGAIN as "poll again" and count
 * records, never wake-ups; and a check that a descriptor is NOT readable is only made where no
 * timer can be armed (no producer attached, or a publish ring).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"
#include "lipc/ring.h"

static char ring_name[300];

static const char *ring(void)
{
	char name[256];

	snprintf(ring_name, sizeof(ring_name), "/%s", check_name(name, sizeof(name), "bells"));
	return ring_name;
}

static struct lipc_ring *open_mode(enum lipc_role role, int flags, size_t capacity)
{
	struct lipc_ring *r = lipc_ring_open(ring_name, role, LIPC_CREATE | flags, capacity, 0);

	if (!r)
		check_fail(__FILE__, __LINE__, "lipc_ring_open %s: %s", ring_name, strerror(errno));
	return r;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return CHECK_SYS(poll(&p, 1, 0)) == 1 && (p.revents & POLLIN);
}

#define DUE(fd, want) CHECK_EQ(readable(fd), (want))

static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, -1) < 0)
		CHECK_EQ(errno, EINTR);
}

/* A record: its producer and its number, then bytes that depend on both. */
static size_t make(unsigned char *buf, uint32_t id, uint64_t seq)
{
	size_t len = 12 + seq % 200;

	memcpy(buf, &id, 4);
	memcpy(buf + 4, &seq, 8);
	for (size_t i = 12; i < len; i++)
		buf[i] = (unsigned char)(seq * 31 + id * 7 + i);
	return len;
}

static void check_rec(const unsigned char *buf, size_t len, uint32_t id, uint64_t seq)
{
	unsigned char want[256];

	CHECK_EQ(len, make(want, id, seq));
	CHECK(memcmp(buf, want, len) == 0);
}

/*
 * Wait in poll() for the next receive that returns something: EAGAIN is a spurious wake-up (the
 * multi-producer bell's check interval, a producer's attach), anything else is the answer.
 */
static int poll_pop(struct lipc_ring *c, int fd, unsigned char *buf, size_t size, size_t *len)
{
	for (;;) {
		int ret;

		wait_readable(fd);
		ret = lipc_ring_pop(c, buf, size, len, 0);
		if (ret >= 0 || errno != EAGAIN)
			return ret;
	}
}

/* Many writers, in one process: before and after every call, readable == a receive would not wait.
 */
static void multi_is_exact(void)
{
	unsigned char a[100] = { 1 }, buf[4096];
	struct lipc_ring *p1, *p2, *c;
	struct iovec v[4], got[8];
	unsigned char *rec;
	size_t len;
	int fd;

	ring();
	c = open_mode(LIPC_RECV, LIPC_RING_MULTI, 4096);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	/* No producer yet: nothing is due, and nothing is watched (no timer). */
	DUE(fd, false);
	p1 = open_mode(LIPC_SEND, LIPC_RING_MULTI, 0);
	p2 = open_mode(LIPC_SEND, 0, 0);
	/* The first producer's attach rang, once, so that we watch the producers. */
	DUE(fd, true);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_SYS(lipc_ring_push(p1, a, 10, 0));
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, 10);
	/* A claim pending, and a record committed after it: the consumer must wait for both. */
	rec = lipc_ring_reserve(p1, 20, 0);
	CHECK(rec != NULL);
	memset(rec, 2, 20);
	CHECK_SYS(lipc_ring_push(p2, a, 30, 0));
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_SYS(lipc_ring_commit(p1));
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, 20);
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, 30);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	/* Batches, both ways. */
	for (int i = 0; i < 3; i++)
		v[i] = (struct iovec){ .iov_base = a, .iov_len = 10u * (unsigned)(i + 1) };
	CHECK_EQ(lipc_ring_push_many(p2, v, 3, 0), 3);
	DUE(fd, true);
	CHECK_EQ(lipc_ring_peek_many(c, got, 2, 0), 2);
	DUE(fd, true);
	CHECK_EQ(lipc_ring_peek_many(c, got, 8, 0), 1);
	CHECK_SYS(lipc_ring_release(c));
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	/* One producer leaves: not the end. The last one: the end is due, once. */
	CHECK_SYS(lipc_ring_close(p1));
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_SYS(lipc_ring_push(p2, a, 40, 0));
	CHECK_SYS(lipc_ring_close(p2));
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, 40);
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 0);
	DUE(fd, false);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	DUE(fd, false);
	CHECK_EQ(lipc_ring_fd(c), fd);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A child producer that claims 40 bytes, tells us through the pipe and dies before its commit;
 * or, with claim false, pushes one record (id 9, number 0) and dies.
 */
static void die_in_child(bool claim)
{
	int fds[2];
	char x = 0;
	pid_t pid;

	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *p = open_mode(LIPC_SEND, 0, 0);
		unsigned char buf[256];

		if (claim)
			CHECK(lipc_ring_reserve(p, 40, 0) != NULL);
		else
			CHECK_SYS(lipc_ring_push(p, buf, make(buf, 9, 0), 0));
		CHECK_EQ(write(fds[1], &x, 1), 1);
		raise(SIGKILL);
	}
	close(fds[1]);
	CHECK_EQ(read(fds[0], &x, 1), 1);
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	close(fds[0]);
}

/*
 * Many writers: a claimer killed before its commit, with a record committed after its claim. No
 * producer can ring for the dead: the bell becomes readable at the check interval, and the
 * receive steps over the claim to the record. Then the last producer dies: the end, ECONNRESET.
 */
static void multi_dead_claimer(void)
{
	unsigned char buf[4096];
	struct lipc_ring *c, *p;
	size_t len;
	int fd;

	ring();
	c = open_mode(LIPC_RECV, LIPC_RING_MULTI, 4096);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	p = open_mode(LIPC_SEND, 0, 0);
	die_in_child(true);
	CHECK_SYS(lipc_ring_push(p, buf, make(buf, 1, 0), 0));
	CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), 1);
	check_rec(buf, len, 1, 0);
	/* Ours closes: the dead one, not reaped yet, still counts; then it is, and ends it. */
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), -1);
	CHECK_EQ(errno, ECONNRESET);
	DUE(fd, false);
	/* A producer that pushes a record and dies: its record, then its death. */
	die_in_child(false);
	CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), 1);
	check_rec(buf, len, 9, 0);
	CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), -1);
	CHECK_EQ(errno, ECONNRESET);
	DUE(fd, false);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * Many readers, in one process: each consumer's bell is its own; a lossy consumer lapped is due
 * (ENOBUFS, then the oldest record), and the producer's end is due to each, once.
 */
static void pub_is_exact(void)
{
	unsigned char a[100] = { 1 }, buf[4096];
	struct lipc_ring *p, *c1, *c2, *l;
	size_t len;
	int f1, f2, fl, n = 0;

	ring();
	p = open_mode(LIPC_SEND, LIPC_RING_PUBLISH, 4096);
	c1 = open_mode(LIPC_RECV, 0, 0);
	c2 = open_mode(LIPC_RECV, 0, 0);
	f1 = (int)CHECK_SYS(lipc_ring_fd(c1));
	f2 = (int)CHECK_SYS(lipc_ring_fd(c2));
	DUE(f1, false);
	DUE(f2, false);
	CHECK_SYS(lipc_ring_push(p, a, 10, 0));
	DUE(f1, true);
	DUE(f2, true);
	CHECK_EQ(lipc_ring_pop(c1, buf, sizeof(buf), &len, 0), 1);
	DUE(f1, false);
	DUE(f2, true);
	CHECK_SYS(lipc_ring_push(p, a, 20, 0));
	CHECK_EQ(lipc_ring_pop(c2, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, 10);
	DUE(f2, true);
	CHECK_EQ(lipc_ring_pop(c2, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, 20);
	DUE(f2, false);
	CHECK_EQ(lipc_ring_pop(c1, buf, sizeof(buf), &len, 0), 1);
	DUE(f1, false);
	/* The end: due to each, once. */
	CHECK_SYS(lipc_ring_close(p));
	DUE(f1, true);
	DUE(f2, true);
	CHECK_EQ(lipc_ring_pop(c1, buf, sizeof(buf), &len, 0), 0);
	CHECK_EQ(lipc_ring_pop(c2, buf, sizeof(buf), &len, 0), 0);
	DUE(f1, false);
	DUE(f2, false);
	CHECK_SYS(lipc_ring_close(c1));
	CHECK_SYS(lipc_ring_close(c2));
	CHECK_SYS(lipc_ring_unlink(ring_name));

	/* Lossy: a consumer lapped is due, told ENOBUFS, then reads what is left. */
	ring();
	p = open_mode(LIPC_SEND, LIPC_RING_LOSSY, 4096);
	l = open_mode(LIPC_RECV, 0, 0);
	fl = (int)CHECK_SYS(lipc_ring_fd(l));
	DUE(fl, false);
	for (int i = 0; i < 100; i++)
		CHECK_SYS(lipc_ring_push(p, a, 100, 0));
	DUE(fl, true);
	CHECK_ERR(lipc_ring_pop(l, buf, sizeof(buf), &len, 0), ENOBUFS);
	CHECK(lipc_ring_lost(l) > 0);
	while (readable(fl) && lipc_ring_pop(l, buf, sizeof(buf), &len, 0) == 1)
		n++;
	CHECK(n > 0 && (uint64_t)n + lipc_ring_lost(l) == 100);
	DUE(fl, false);
	CHECK_ERR(lipc_ring_pop(l, buf, sizeof(buf), &len, 0), EAGAIN);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(l));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * Many readers asleep in poll(), their producer killed: each is woken (the producer's pidfd), and
 * told ECONNRESET; a producer that attaches while they wait rings them once, so that they watch
 * it too, and its clean end comes to each.
 */
static void pub_producer_killed(void)
{
	unsigned char buf[4096];
	struct lipc_ring *c[3];
	int fd[3], go[2];
	size_t len;
	pid_t pid;

	ring();
	for (int i = 0; i < 3; i++) {
		/* Room for a producer's 50 records: we read one consumer's, then the next's. */
		c[i] = open_mode(LIPC_RECV, LIPC_RING_PUBLISH, 1 << 16);
		fd[i] = (int)CHECK_SYS(lipc_ring_fd(c[i]));
		DUE(fd[i], false);
	}
	for (int round = 0; round < 2; round++) {
		CHECK_SYS(pipe2(go, O_CLOEXEC));
		pid = check_fork();
		if (pid == 0) {
			struct lipc_ring *p = open_mode(LIPC_SEND, 0, 0);
			char x;

			close(go[1]);
			for (uint64_t s = 0; s < 50; s++)
				CHECK_SYS(lipc_ring_push(p, buf, make(buf, 1, s), -1));
			/* Round 0: killed once we close the pipe; round 1: closes cleanly. */
			CHECK_EQ(read(go[0], &x, 1), 0);
			if (round == 0)
				raise(SIGKILL);
			CHECK_SYS(lipc_ring_close(p));
			_exit(0);
		}
		close(go[0]);
		for (int i = 0; i < 3; i++)
			for (uint64_t s = 0; s < 50; s++) {
				CHECK_EQ(poll_pop(c[i], fd[i], buf, sizeof(buf), &len), 1);
				check_rec(buf, len, 1, s);
			}
		for (int i = 0; i < 3; i++)
			CHECK_ERR(lipc_ring_pop(c[i], buf, sizeof(buf), &len, 0), EAGAIN);
		close(go[1]);
		CHECK_EQ(check_wait(pid), round == 0 ? 128 + SIGKILL : 0);
		for (int i = 0; i < 3; i++) {
			int ret = poll_pop(c[i], fd[i], buf, sizeof(buf), &len);

			if (round == 0) {
				CHECK_EQ(ret, -1);
				CHECK_EQ(errno, ECONNRESET);
			} else {
				CHECK_EQ(ret, 0);
			}
			DUE(fd[i], false);
		}
	}
	for (int i = 0; i < 3; i++)
		CHECK_SYS(lipc_ring_close(c[i]));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* Where the publish consumers' bits are in the header (struct ring_shared, src/ring_impl.h). */
#define BELLS_AT 424

/*
 * A publish producer killed between taking a consumer's bit (the header's bells word) and its
 * flag leaves the flag up with no bit to find it by. Here the bit is cleared by hand, then the
 * producer is killed: woken by its death, the consumer arms again, so that the next producer's
 * record rings it (a consumer that trusted its raised flag would sleep through it).
 */
static void pub_half_taken_bell(void)
{
	unsigned char buf[4096];
	char path[400], x;
	_Atomic uint64_t *bells;
	struct lipc_ring *c, *p;
	unsigned char *map;
	int fd, mfd, go[2];
	size_t len;
	pid_t pid;

	ring();
	c = open_mode(LIPC_RECV, LIPC_RING_PUBLISH, 4096);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	CHECK_SYS(pipe2(go, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		p = open_mode(LIPC_SEND, 0, 0);
		close(go[0]);
		CHECK_EQ(write(go[1], "a", 1), 1);
		for (;;)
			pause();
	}
	close(go[1]);
	CHECK_EQ(read(go[0], &x, 1), 1);
	close(go[0]);
	/* Its attach rang once: we watch it now, armed again. */
	wait_readable(fd);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	mfd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(map != MAP_FAILED);
	bells = (_Atomic uint64_t *)(void *)(map + BELLS_AT);
	CHECK(atomic_load(bells) != 0);
	atomic_store(bells, 0); /* the bit taken, the flag left up */
	CHECK_SYS(kill(pid, SIGKILL));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), -1);
	CHECK_EQ(errno, ECONNRESET);
	/* The next producer's record rings us. */
	p = open_mode(LIPC_SEND, 0, 0);
	CHECK_SYS(lipc_ring_push(p, buf, make(buf, 2, 0), 0));
	DUE(fd, true);
	CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), 1);
	check_rec(buf, len, 2, 0);
	munmap(map, 4096);
	close(mfd);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

#define STREAM_N 200000

/*
 * Across processes, at volume: two consumer processes of a publish ring and two producer processes
 * of a multi-producer ring, every consumer in a poll() loop with receives of timeout 0. Every
 * record arrives, in its producer's order, and no poll() sleeps through one (the test would hang).
 */
static void streams_through_poll(void)
{
	unsigned char buf[4096];
	uint64_t next[2] = { 0, 0 };
	pid_t kids[2];
	struct lipc_ring *c, *p;
	size_t len;
	int fd, ends = 0;

	/* Many readers: the children consume, we publish. */
	ring();
	p = open_mode(LIPC_SEND, LIPC_RING_PUBLISH, 1 << 16);
	for (int k = 0; k < 2; k++) {
		kids[k] = check_fork();
		if (kids[k] == 0) {
			c = open_mode(LIPC_RECV, 0, 0);
			fd = (int)CHECK_SYS(lipc_ring_fd(c));
			for (uint64_t s = 0; s < STREAM_N; s++) {
				CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), 1);
				check_rec(buf, len, 0, s);
			}
			CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), 0);
			_exit(0);
		}
	}
	/* Both attached (the lossless producer waits for them from then on), then the records. */
	for (;;) {
		struct lipc_ring_stat st = LIPC_RING_STAT_INIT;

		CHECK_SYS(lipc_ring_stat(ring_name, &st));
		if (st.consumers == 2)
			break;
		sched_yield();
	}
	for (uint64_t s = 0; s < STREAM_N; s++)
		CHECK_SYS(lipc_ring_push(p, buf, make(buf, 0, s), -1));
	CHECK_SYS(lipc_ring_close(p));
	for (int k = 0; k < 2; k++)
		CHECK_EQ(check_wait(kids[k]), 0);
	CHECK_SYS(lipc_ring_unlink(ring_name));

	/* Many writers: the children produce, we consume. */
	ring();
	c = open_mode(LIPC_RECV, LIPC_RING_MULTI, 1 << 16);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	for (uint32_t k = 0; k < 2; k++) {
		kids[k] = check_fork();
		if (kids[k] == 0) {
			p = open_mode(LIPC_SEND, 0, 0);
			for (uint64_t s = 0; s < STREAM_N; s++)
				CHECK_SYS(lipc_ring_push(p, buf, make(buf, k, s), -1));
			/* The end marker of this producer, so that we know both came. */
			CHECK_SYS(lipc_ring_push(p, buf, make(buf, k, STREAM_N), -1));
			CHECK_SYS(lipc_ring_close(p));
			_exit(0);
		}
	}
	while (ends < 2) {
		uint32_t id;
		uint64_t seq;
		int ret = poll_pop(c, fd, buf, sizeof(buf), &len);

		/* The end of the stream only after both producers' last records. */
		CHECK_EQ(ret, 1);
		memcpy(&id, buf, 4);
		memcpy(&seq, buf + 4, 8);
		CHECK(id < 2);
		check_rec(buf, len, id, next[id]);
		if (++next[id] == STREAM_N + 1)
			ends++;
	}
	CHECK_EQ(poll_pop(c, fd, buf, sizeof(buf), &len), 0);
	for (int k = 0; k < 2; k++)
		CHECK_EQ(check_wait(kids[k]), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

CHECK_MAIN(TEST(multi_is_exact), TEST(multi_dead_claimer), TEST(pub_is_exact),
	   TEST(pub_producer_killed), TEST(pub_half_taken_bell), TEST_T(streams_through_poll, 120))
