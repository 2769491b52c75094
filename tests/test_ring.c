/* SPDX-License-Identifier: MIT */
/* The LinuxIPC ring: across processes, at volume, under failure, and against a hostile peer. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "lipc/ring.h"

static char ring_name[300];

/* "/lipc-test-PID-ring" */
static const char *ring(void)
{
	char name[256];

	snprintf(ring_name, sizeof(ring_name), "/%s", check_name(name, sizeof(name), "ring"));
	return ring_name;
}

static struct lipc_ring *open_ring(enum lipc_role role, size_t capacity)
{
	struct lipc_ring *r = lipc_ring_open(ring_name, role, LIPC_CREATE, capacity, 0);

	if (!r)
		check_fail(__FILE__, __LINE__, "lipc_ring_open %s: %s", ring_name, strerror(errno));
	return r;
}

/* A cheap, position-dependent checksum, eight bytes at a time. */
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

/* Record seq: 8 bytes of seq, 4 of checksum, then pseudo-random bytes; len is at least 12. */
static size_t make_record(unsigned char *buf, uint64_t seq, size_t len)
{
	uint64_t x = seq * 0x9E3779B97F4A7C15ull + 1;
	uint32_t h;

	for (size_t i = 12; i < len; i += 8) {
		size_t n = len - i < 8 ? len - i : 8;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, n);
	}
	memcpy(buf, &seq, 8);
	h = sum(buf + 12, len - 12);
	memcpy(buf + 8, &h, 4);
	return len;
}

static void check_record(const unsigned char *buf, size_t len, uint64_t want)
{
	uint64_t seq;
	uint32_t h;

	if (len < 12)
		check_fail(__FILE__, __LINE__, "record %llu: %zu bytes", (unsigned long long)want,
			   len);
	memcpy(&seq, buf, 8);
	memcpy(&h, buf + 8, 4);
	if (seq != want)
		check_fail(__FILE__, __LINE__,
			   "record %llu came as %llu: lost, duplicated or reordered",
			   (unsigned long long)want, (unsigned long long)seq);
	if (h != sum(buf + 12, len - 12))
		check_fail(__FILE__, __LINE__, "record %llu is corrupt", (unsigned long long)seq);
}

/* Record sizes from 12 to max, skewed towards small ones, reproducible from the sequence. */
static size_t size_of(uint64_t seq, size_t max)
{
	uint32_t x = (uint32_t)(seq * 0x9E3779B97F4A7C15ull >> 32);

	return 12 + (x % 4 ? x % 200 : x % (max - 12));
}

/* A producer process: records first..first+count-1, then a clean close. */
static pid_t producer(uint64_t first, uint64_t count, size_t capacity, size_t max)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_ring *r = open_ring(LIPC_SEND, capacity);

		for (uint64_t seq = first; seq < first + count; seq++) {
			size_t len = size_of(seq, max);
			void *p = lipc_ring_reserve(r, len, -1);

			if (!p)
				check_fail(__FILE__, __LINE__, "reserve: %s", strerror(errno));
			make_record(p, seq, len);
			CHECK_SYS(lipc_ring_commit(r));
		}
		CHECK_SYS(lipc_ring_close(r));
		_exit(0);
	}
	return pid;
}

static void round_trip_across_processes(void)
{
	unsigned char buf[4096];
	struct lipc_ring *c;
	size_t len;
	pid_t pid;

	ring();
	c = open_ring(LIPC_RECV, 0);
	CHECK_EQ(lipc_ring_max_record(c), LIPC_RING_CAPACITY_DEFAULT / 2 - 16);
	pid = producer(0, 1000, 0, sizeof(buf));
	for (uint64_t seq = 0; seq < 1000; seq++) {
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 1);
		check_record(buf, len, seq);
	}
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 0); /* the producer closed */
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* 10 million records of random sizes, zero-copy on both sides, through a small ring. */
static void ten_million_records(void)
{
	const uint64_t n = 10 * 1000 * 1000;
	struct lipc_ring *c;
	const void *p;
	size_t len;
	pid_t pid;

	ring();
	c = open_ring(LIPC_RECV, 64 * 1024);
	pid = producer(0, n, 64 * 1024, 4000);
	for (uint64_t seq = 0; seq < n; seq++) {
		if (lipc_ring_peek(c, &p, &len, -1) != 1)
			check_fail(__FILE__, __LINE__, "record %llu: %s", (unsigned long long)seq,
				   strerror(errno));
		check_record(p, len, seq);
		CHECK_SYS(lipc_ring_release(c));
	}
	CHECK_EQ(lipc_ring_peek(c, &p, &len, -1), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

static void limits_and_timeouts(void)
{
	struct lipc_ring *p, *c;
	unsigned char *big, small[16];
	size_t max, len;
	int full = 0;

	ring();
	p = open_ring(LIPC_SEND, 4096);
	c = open_ring(LIPC_RECV, 4096);
	max = lipc_ring_max_record(p);
	CHECK_EQ(max, 2048 - 16);
	big = calloc(1, max + 1);
	CHECK(big != NULL);

	/* Empty: no wait is EAGAIN, a short one ETIMEDOUT. */
	CHECK_ERR(lipc_ring_pop(c, small, sizeof(small), &len, 0), EAGAIN);
	CHECK_ERR(lipc_ring_pop(c, small, sizeof(small), &len, 20), ETIMEDOUT);

	/* Too big for the ring; too big for the buffer (the record stays). */
	CHECK_ERR(lipc_ring_push(p, big, max + 1, 0), EMSGSIZE);
	CHECK_SYS(lipc_ring_push(p, big, max, 0));
	CHECK_ERR(lipc_ring_pop(c, small, sizeof(small), &len, 0), EMSGSIZE);
	CHECK_EQ(len, max);
	CHECK_EQ(lipc_ring_pop(c, big, max, &len, 0), 1);
	CHECK_EQ(len, max);

	/* Zero-length records exist. */
	CHECK_SYS(lipc_ring_push(p, "", 0, 0));
	CHECK_EQ(lipc_ring_pop(c, small, sizeof(small), &len, 0), 1);
	CHECK_EQ(len, 0);

	/* Full: EAGAIN without waiting, ETIMEDOUT with a wait; room comes back on release. */
	while (lipc_ring_push(p, big, 1000, 0) == 0)
		full++;
	CHECK_EQ(errno, EAGAIN);
	CHECK(full >= 3);
	CHECK_ERR(lipc_ring_push(p, big, 1000, 20), ETIMEDOUT);
	CHECK_EQ(lipc_ring_pop(c, big, max, &len, 0), 1);
	CHECK_SYS(lipc_ring_push(p, big, 1000, 0));

	/* The roles are taken; misuse of each role's calls. */
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0) && errno == EBUSY);
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0) && errno == EBUSY);
	CHECK_ERR(lipc_ring_pop(p, small, sizeof(small), &len, 0), EBADF);
	CHECK_ERR(lipc_ring_push(c, "x", 1, 0), EBADF);
	CHECK_ERR(lipc_ring_commit(p), EINVAL);
	CHECK_ERR(lipc_ring_release(c), EINVAL);
	CHECK_EQ(lipc_ring_pop(c, big, max, &len, 0), 1); /* room for one more */
	CHECK(lipc_ring_reserve(p, 8, 0) != NULL);
	CHECK(!lipc_ring_reserve(p, 8, 0) && errno == EINVAL);

	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
	free(big);
}

static void bad_arguments(void)
{
	ring();
	CHECK(!lipc_ring_open("noslash", LIPC_RECV, 0, 0, 0) && errno == EINVAL);
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV | LIPC_SEND, 0, 0, 0) && errno == EINVAL);
	CHECK(!lipc_ring_open(ring_name, 0, 0, 0, 0) && errno == EINVAL);
	/* Our flags only, LIPC_EXCL only with LIPC_CREATE. */
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, O_CREAT, 0, 0) && errno == EINVAL);
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, LIPC_EXCL, 0, 0) && errno == EINVAL);
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0) && errno == ENOENT);
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, LIPC_CREATE, (size_t)1 << 31, 0) &&
	      errno == EINVAL);
	CHECK_ERR(lipc_ring_unlink(ring_name), ENOENT);
}

/* Something in /dev/shm that is not a ring is refused, not mapped blindly. */
static void not_a_ring(void)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/dev/shm%s", ring());
	fd = (int)CHECK_SYS(open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600));
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0) && errno == EPROTO);
	CHECK_SYS(ftruncate(fd, 1 << 20));
	CHECK(!lipc_ring_open(ring_name, LIPC_RECV, LIPC_CREATE, 0, 0) && errno == EPROTO);
	close(fd);
	CHECK_SYS(unlink(path));
}

/*
 * The producer dies at a random point, 100 times (sometimes between reserve and commit): the
 * consumer reads every committed record, then learns of the death, and a new producer resumes.
 */
static void producer_killed_anywhere(void)
{
	unsigned char buf[4096];
	struct lipc_ring *c;
	uint64_t next = 0;
	uint32_t rnd = 12345;
	size_t len;

	ring();
	c = open_ring(LIPC_RECV, 16 * 1024);
	for (int round = 0; round < 100; round++) {
		uint64_t die_at;
		pid_t pid;

		rnd = rnd * 1103515245u + 12345u;
		die_at = next + (rnd >> 8) % 3000;
		pid = check_fork();
		if (pid == 0) {
			struct lipc_ring *p = open_ring(LIPC_SEND, 0);

			for (uint64_t seq = next;; seq++) {
				size_t n = size_of(seq, sizeof(buf));
				void *rec = lipc_ring_reserve(p, n, -1);

				CHECK(rec != NULL);
				make_record(rec, seq, n);
				if (seq == die_at && (rnd & 0x100))
					raise(SIGKILL); /* reserved, written, never committed */
				CHECK_SYS(lipc_ring_commit(p));
				if (seq == die_at)
					raise(SIGKILL);
			}
		}
		for (;;) {
			int r = lipc_ring_pop(c, buf, sizeof(buf), &len, -1);

			if (r < 0 && errno == ECONNRESET)
				break;
			if (r != 1)
				check_fail(__FILE__, __LINE__, "round %d: %d, %s", round, r,
					   strerror(errno));
			check_record(buf, len, next++);
		}
		CHECK_EQ(check_wait(pid), 128 + SIGKILL);
		/* Every committed record arrived: up to die_at, or one less when it died first. */
		CHECK(next == die_at + 1 || (next == die_at && (rnd & 0x100)));
	}
	/* A new producer takes over where the last one stopped. */
	pid_t pid = producer(next, 1000, 0, sizeof(buf));

	for (uint64_t seq = next; seq < next + 1000; seq++) {
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 1);
		check_record(buf, len, seq);
	}
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* The consumer dies: a producer blocked on a full ring gets EPIPE, not a hang. */
static void consumer_killed(void)
{
	static unsigned char rec[1000];
	struct lipc_ring *p;
	int ready[2];
	pid_t pid;

	ring();
	p = open_ring(LIPC_SEND, 4096);
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *c = open_ring(LIPC_RECV, 0);
		size_t len;

		CHECK_EQ(lipc_ring_pop(c, rec, sizeof(rec), &len, -1), 1);
		raise(SIGKILL);
	}
	while (lipc_ring_push(p, rec, sizeof(rec), -1) == 0)
		;
	CHECK_EQ(errno, EPIPE);
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_unlink(ring_name));
	close(ready[0]);
	close(ready[1]);
}

/*
 * A producer that sleeps for room is woken when the consumer frees it. Both sides are told never
 * to wake on their own (lipc__ring_tune(): no spinning, no lock tests), so a wake-up the release
 * forgot, or one lost to the missing half of a barrier, hangs the test until its timeout instead
 * of costing a moment. The consumer frees one record only once the producer sleeps in the futex.
 */
static void producer_woken_for_room(void)
{
	unsigned char rec[200], buf[200];
	struct lipc_ring *c;
	uint64_t n = 0, full;
	size_t len;
	int ready[2];
	pid_t pid;

	ring();
	c = open_ring(LIPC_RECV, 4096);
	lipc__ring_tune(c, 0, INT_MAX);
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *p = open_ring(LIPC_SEND, 0);

		lipc__ring_tune(p, 0, INT_MAX);
		while (lipc_ring_push(p, rec, make_record(rec, n, sizeof(rec)), 0) == 0)
			n++;
		CHECK_EQ(errno, EAGAIN);
		CHECK_EQ(write(ready[1], &n, sizeof(n)), (ssize_t)sizeof(n));
		CHECK_SYS(lipc_ring_push(p, rec, make_record(rec, n, sizeof(rec)), -1));
		CHECK_SYS(lipc_ring_close(p));
		_exit(0);
	}
	CHECK_EQ(read(ready[0], &full, sizeof(full)), (ssize_t)sizeof(full));
	CHECK(full > 1);
	while (!check_asleep_in(pid, SYS_futex, NULL))
		sched_yield();
	for (n = 0; lipc_ring_pop(c, buf, sizeof(buf), &len, -1) == 1; n++)
		check_record(buf, len, n);
	CHECK_EQ(n, full + 1); /* then the end of the stream, as the producer closed */
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
	close(ready[0]);
	close(ready[1]);
}

/*
 * Round trips between two processes that never spin and never wake on their own (see above):
 * each side sleeps for nearly every record and is woken by the other's commit or release, whose
 * wake-up skips its fence when the kernel has membarrier (see ring.c, "Waking"). A wake-up lost
 * between "I am going to sleep" and "I published" hangs the test.
 */
static void round_trips_never_lose_a_wakeup(void)
{
	char there[320], back[320];
	struct lipc_ring *out, *in;
	unsigned char buf[64];
	size_t len;
	pid_t pid;

	snprintf(there, sizeof(there), "%s-there", ring());
	snprintf(back, sizeof(back), "%s-back", ring_name);
	out = lipc_ring_open(there, LIPC_SEND, LIPC_CREATE, 4096, 0);
	in = lipc_ring_open(back, LIPC_RECV, LIPC_CREATE, 4096, 0);
	CHECK(out && in);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_ring *cin = lipc_ring_open(there, LIPC_RECV, 0, 0, 0);
		struct lipc_ring *cout = lipc_ring_open(back, LIPC_SEND, 0, 0, 0);
		int ret;

		CHECK(cin && cout);
		lipc__ring_tune(cin, 0, INT_MAX);
		lipc__ring_tune(cout, 0, INT_MAX);
		while ((ret = lipc_ring_pop(cin, buf, sizeof(buf), &len, -1)) == 1)
			CHECK_SYS(lipc_ring_push(cout, buf, len, -1));
		CHECK_EQ(ret, 0);
		CHECK_SYS(lipc_ring_close(cout));
		CHECK_SYS(lipc_ring_close(cin));
		_exit(0);
	}
	lipc__ring_tune(out, 0, INT_MAX);
	lipc__ring_tune(in, 0, INT_MAX);
	for (uint64_t seq = 0; seq < 20000; seq++) {
		CHECK_SYS(lipc_ring_push(out, buf, make_record(buf, seq, 12 + seq % 50), -1));
		CHECK_EQ(lipc_ring_pop(in, buf, sizeof(buf), &len, -1), 1);
		check_record(buf, len, seq);
	}
	CHECK_SYS(lipc_ring_close(out));
	CHECK_EQ(lipc_ring_pop(in, buf, sizeof(buf), &len, -1), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_ring_close(in));
	CHECK_SYS(lipc_ring_unlink(there));
	CHECK_SYS(lipc_ring_unlink(back));
}

/*
 * A ring of another version of the layout is refused by both roles and by lipc_ring_stat(), so
 * that processes of two versions of the library never share a ring whose rules they read
 * differently (version 3 lets a waker skip its fence: a version 2 sleeper would miss wake-ups).
 */
static void other_version_is_refused(void)
{
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	static const int delta[] = { -1, 1 };
	char path[PATH_MAX];
	uint32_t version, other;
	int fd;

	ring();
	CHECK_SYS(lipc_ring_close(open_ring(LIPC_RECV, 4096)));
	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	CHECK_EQ(pread(fd, &version, 4, 8), 4); /* after the 8 bytes of magic */
	CHECK(version >= 3);
	for (int i = 0; i < 2; i++) {
		other = version + (uint32_t)delta[i];
		CHECK_EQ(pwrite(fd, &other, 4, 8), 4);
		errno = 0;
		CHECK(lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0) == NULL && errno == EPROTO);
		errno = 0;
		CHECK(lipc_ring_open(ring_name, LIPC_RECV, LIPC_CREATE, 0, 0) == NULL &&
		      errno == EPROTO);
		CHECK_ERR(lipc_ring_stat(ring_name, &st), EPROTO);
	}
	CHECK_EQ(pwrite(fd, &version, 4, 8), 4);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_SYS(lipc_ring_close(open_ring(LIPC_SEND, 0)));
	close(fd);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A ring keeps the mode it was made in: opened without a mode flag it is joined in that mode,
 * with another mode's flag it is refused (EPROTO, in a sentence that names its mode), and a
 * header whose mode or slot count is not one of ours is refused by both roles and by
 * lipc_ring_stat(). lipc_ring_stat() and lipc_ring_lag() see every mode from outside, and the
 * join policy is the same for all.
 */
static const char *why(int err);

static void modes_are_kept(void)
{
	static const struct {
		int flag;
		enum lipc_ring_mode mode;
		const char *name;
	} m[] = {
		{ 0, LIPC_RING_POINT, "point to point" },
		{ LIPC_RING_MULTI, LIPC_RING_MANY_WRITERS, "multi-producer" },
		{ LIPC_RING_PUBLISH, LIPC_RING_FANOUT, "publish (lossless)" },
		{ LIPC_RING_LOSSY, LIPC_RING_FANOUT_LOSSY, "publish (lossy)" },
	};
	const size_t n = sizeof(m) / sizeof(m[0]);
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	char path[PATH_MAX], want[100], buf[16];
	struct lipc_ring *p, *c;
	uint32_t field, bad;
	size_t lag[4], len;
	int fd;

	for (size_t i = 0; i < n; i++) {
		ring();
		p = lipc_ring_open(ring_name, LIPC_SEND, LIPC_CREATE | m[i].flag, 4096, 0);
		CHECK(p != NULL);
		CHECK_SYS(lipc_ring_stat(ring_name, &st));
		CHECK_EQ(st.mode, m[i].mode);
		CHECK_EQ(st.producers, 1);
		CHECK_EQ(st.consumers, 0);
		CHECK_EQ(lipc_ring_lag(ring_name, lag, 4), 0);
		c = lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0); /* no flag: its mode */
		CHECK(c != NULL);
		CHECK_SYS(lipc_ring_push(p, "hello", 5, 0));
		CHECK_SYS(lipc_ring_stat(ring_name, &st));
		CHECK(st.producer && st.consumer);
		CHECK_EQ(st.consumers, 1);
		CHECK_EQ(st.used, 32); /* a 16-byte header and 5 bytes, padded to 16 */
		CHECK_EQ(lipc_ring_lag(ring_name, lag, 4), 1);
		CHECK_EQ(lag[0], 32);
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
		CHECK_EQ(len, 5);
		CHECK(memcmp(buf, "hello", 5) == 0);
		CHECK_EQ(lipc_ring_lag(ring_name, lag, 4), 1);
		CHECK_EQ(lag[0], 0);
		CHECK_EQ(lipc_ring_lost(c), 0);
		for (size_t j = 1; j < n; j++) {
			if (j == i)
				continue;
			snprintf(want, sizeof(want), "the ring there is a %s ring", m[i].name);
			errno = 0;
			CHECK(!lipc_ring_open(ring_name, LIPC_RECV, m[j].flag, 0, 0) &&
			      errno == EPROTO);
			CHECK_CONTAINS(why(EPROTO), want);
		}
		CHECK_SYS(lipc_ring_close(c));
		CHECK_SYS(lipc_ring_close(p));
		/* The policy is ring.c's, before any mode's: others may write it, not joined. */
		snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
		CHECK_SYS(chmod(path, 0622));
		CHECK(!lipc_ring_open(ring_name, LIPC_SEND, m[i].flag, 0, 0) && errno == EPERM);
		CHECK_SYS(chmod(path, 0600));
		/* The mode (offset 32) and the slot count (36), each made wrong, then mended. */
		fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
		for (off_t off = 32; off <= 36; off += 4) {
			CHECK_EQ(pread(fd, &field, 4, off), 4);
			bad = off == 32 ? (m[i].mode == LIPC_RING_POINT ? 1 : 4)
					: (field ? field - 1 : LIPC_RING_SLOTS);
			CHECK_EQ(pwrite(fd, &bad, 4, off), 4);
			errno = 0;
			CHECK(!lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0) && errno == EPROTO);
			CHECK_ERR(lipc_ring_stat(ring_name, &st), EPROTO);
			CHECK_EQ(pwrite(fd, &field, 4, off), 4);
		}
		close(fd);
		CHECK_SYS(lipc_ring_stat(ring_name, &st));
		CHECK_EQ(st.mode, m[i].mode);
		CHECK_SYS(lipc_ring_unlink(ring_name));
	}
	/* lipc_ring_lag() with nowhere to write. */
	CHECK_ERR(lipc_ring_lag("/x", NULL, 1), EINVAL);
	CHECK_EQ(lipc_ring_lost(NULL), 0);
}

/*
 * A hostile peer: 100,000 rounds of random bytes written over the ring's positions, record
 * headers and static header. The consumer must answer each with a record that checks out or an
 * error, never a fault or an endless loop (an overrun would hit the guard page and crash). Every
 * other round goes through the batch calls, whose records are each checked.
 */
static void corruption_is_an_error(void)
{
	const size_t cap = 4096;
	unsigned char buf[4096], saved[4096];
	char path[PATH_MAX];
	uint32_t rnd = 1;
	unsigned char *m;
	int fd, errors = 0, records = 0;

	ring();
	CHECK_SYS(lipc_ring_close(open_ring(LIPC_RECV, cap)));
	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	m = mmap(NULL, 4096 + cap, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	memcpy(saved, m, sizeof(saved));

	for (int round = 0; round < 100000; round++) {
		struct lipc_ring *p, *c;
		size_t len;
		int hits;

		memcpy(m, saved, sizeof(saved)); /* a sane header, empty ring */
		p = lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0);
		c = lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0);
		CHECK(p && c);
		if (round & 1) {
			struct iovec v[5];

			for (int i = 0; i < 5; i++) {
				rnd = rnd * 1103515245u + 12345u;
				v[i] = (struct iovec){ .iov_base = buf,
						       .iov_len = (rnd >> 8) % 700 };
			}
			/* Full, perhaps: the last round's records may have been adopted. */
			CHECK(lipc_ring_push_many(p, v, 5, 0) <= 5);
		} else {
			for (int i = 0; i < 5; i++) {
				rnd = rnd * 1103515245u + 12345u;
				if (lipc_ring_push(p, buf, (rnd >> 8) % 700, 0) < 0)
					break;
			}
		}
		/*
		 * 1 to 4 random bytes, aimed: the producer's position (offset 128), the first
		 * record headers, the static header, or anywhere at all.
		 */
		rnd = rnd * 1103515245u + 12345u;
		hits = 1 + (int)(rnd >> 30);
		for (int i = 0; i < hits; i++) {
			static const size_t base[] = { 128, 4096, 0 };
			static const size_t span[] = { 8, 64, 32 };
			unsigned where;

			rnd = rnd * 1103515245u + 12345u;
			where = (rnd >> 2) % 4;
			m[where < 3 ? base[where] + (rnd >> 8) % span[where]
				    : (rnd >> 8) % (4096 + cap)] = (unsigned char)(rnd >> 24);
		}
		/* A bounded number of reads: a corrupt ring must not make one of them spin. */
		for (int i = 0; i < 10; i++) {
			struct iovec v[3];
			int r = round & 1 ? lipc_ring_peek_many(c, v, 1 + (size_t)i % 3, 0)
					  : lipc_ring_pop(c, buf, sizeof(buf), &len, 0);

			if (r >= 1 && (round & 1)) {
				CHECK(r <= 1 + i % 3);
				records += r;
				for (int k = 0; k < r; k++) {
					CHECK(v[k].iov_len < cap / 2);
					memcpy(buf, v[k].iov_base, v[k].iov_len);
				}
				CHECK_SYS(lipc_ring_release(c));
				continue;
			}
			if (r == 1) {
				records++;
				CHECK(len < cap / 2);
				continue;
			}
			if (r < 0 && errno != EAGAIN && errno != EPROTO && errno != EBADMSG &&
			    errno != EMSGSIZE)
				check_fail(__FILE__, __LINE__, "round %d: %s", round,
					   strerror(errno));
			errors += r < 0 && errno != EAGAIN;
			break;
		}
		lipc_ring_close(p);
		lipc_ring_close(c);
		/* A corrupt static header is refused at attach. */
		if (memcmp(m, saved, 32)) { /* magic, version, data offset, capacity, max record */
			errno = 0;
			c = lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0);
			CHECK(c == NULL && errno == EPROTO);
		}
	}
	CHECK(errors > 1000); /* the corruption was noticed, often */
	CHECK(records > 1000);
	munmap(m, 4096 + cap);
	close(fd);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * Found by the fuzzer (tests/fuzz/fuzz_ring.c): a side starts at the position its predecessor
 * left in the shared header, and one that is not a multiple of 8 put the next record header
 * across the end of the data, so the consumer read, and the producer wrote, past the ring
 * (SIGSEGV on the guard page). Such a position is now refused at attach.
 */
static void misaligned_position_is_refused(void)
{
	const size_t cap = 4096;
	static const size_t at[] = { 128, 256 }; /* head (the producer's), tail (the consumer's) */
	static const enum lipc_role role[] = { LIPC_SEND, LIPC_RECV };
	char path[PATH_MAX];
	unsigned char *m;
	int fd;

	ring();
	CHECK_SYS(lipc_ring_close(open_ring(LIPC_RECV, cap)));
	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	m = mmap(NULL, 4096 + cap, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	for (int i = 0; i < 2; i++) {
		uint64_t pos = cap - 1; /* both positions: the ring looks empty */

		memcpy(m + at[0], &pos, sizeof(pos));
		memcpy(m + at[1], &pos, sizeof(pos));
		errno = 0;
		CHECK(lipc_ring_open(ring_name, role[i], 0, 0, 0) == NULL && errno == EPROTO);
		/* The other side, whose own position is the same, is refused too. */
		errno = 0;
		CHECK(lipc_ring_open(ring_name, role[1 - i], 0, 0, 0) == NULL && errno == EPROTO);
	}
	munmap(m, 4096 + cap);
	close(fd);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A producer killed inside lipc_ring_commit(), after it published a record and before it stored
 * head, as the kill test once caught one: the consumer, which took the record, was ahead of head
 * and spun for ever instead of reporting the death; the next producer was refused (EPROTO). Each
 * death is made exactly: a record pushed, head or the wrap marker put back as they were before
 * its commit, and the producer's lock dropped without the "closed" flag that a clean close sets.
 */
static unsigned char *map_ring(size_t cap, int *fd)
{
	char path[PATH_MAX];
	unsigned char *m;

	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	*fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	m = mmap(NULL, 4096 + cap, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	CHECK(m != MAP_FAILED);
	return m;
}

static void die_unclosed(struct lipc_ring *p, unsigned char *m)
{
	uint32_t open = 0;

	CHECK_SYS(lipc_ring_close(p));
	memcpy(m + 524, &open, sizeof(open)); /* producer_closed */
}

static void pop_record(struct lipc_ring *c, uint64_t want)
{
	unsigned char buf[2048];
	size_t len;

	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	check_record(buf, len, want);
}

static void push_record(struct lipc_ring *p, uint64_t seq, size_t len)
{
	unsigned char buf[2048];

	CHECK_SYS(lipc_ring_push(p, buf, make_record(buf, seq, len), 0));
}

static void producer_killed_inside_commit(void)
{
	const size_t cap = 4096;
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	struct lipc_ring *c, *p;
	unsigned char buf[2048], *m;
	uint64_t head, zero = 0;
	size_t len;
	int fd;

	ring();
	c = open_ring(LIPC_RECV, cap);
	m = map_ring(cap, &fd);

	/* Killed before head: the consumer reads the record, then hears of the death. */
	p = open_ring(LIPC_SEND, 0);
	push_record(p, 0, 100);
	memcpy(&head, m + 128, sizeof(head));
	push_record(p, 1, 100);
	memcpy(m + 128, &head, sizeof(head));
	die_unclosed(p, m);
	pop_record(c, 0);
	pop_record(c, 1);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 10000), ECONNRESET);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK_EQ(st.used, 0); /* not "corrupt" in lipc ls */

	/* The same, the record unread: the next producer starts after it, and nothing is lost. */
	p = open_ring(LIPC_SEND, 0);
	push_record(p, 2, 100);
	memcpy(&head, m + 128, sizeof(head));
	push_record(p, 3, 100);
	memcpy(m + 128, &head, sizeof(head));
	die_unclosed(p, m);
	pop_record(c, 2);
	p = open_ring(LIPC_SEND, 0);
	push_record(p, 4, 100);
	pop_record(c, 3);
	pop_record(c, 4);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 0);

	/*
	 * Killed between a wrapped record at offset 0 and its marker: the consumer never sees
	 * the record, and the next producer's records, which reach offset 0 from the other side,
	 * are the only ones it gets.
	 */
	p = open_ring(LIPC_SEND, 0);
	for (uint64_t seq = 5;; seq++) {
		memcpy(&head, m + 128, sizeof(head));
		if ((head & (cap - 1)) + 1024 > cap)
			break;
		push_record(p, seq, 1000);
		pop_record(c, seq);
	}
	CHECK(head & (cap - 1)); /* the record below wraps, behind a marker */
	push_record(p, 99, 2000);
	memcpy(m + 128, &head, sizeof(head));
	memcpy(m + 4096 + (head & (cap - 1)) + 8, &zero, sizeof(zero)); /* the marker's seq */
	die_unclosed(p, m);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 10000), ECONNRESET);
	p = open_ring(LIPC_SEND, 0);
	for (uint64_t seq = 100, end = (head | (cap - 1)) + 1; head < end; seq++, head += 32) {
		push_record(p, seq, 16); /* 32 bytes a record, up to offset 0 */
		pop_record(c, seq);
	}
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	push_record(p, 1000, 16);
	pop_record(c, 1000);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 0);

	munmap(m, 4096 + cap);
	close(fd);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A full /dev/shm is ENOSPC when the ring is created, never SIGBUS later. In a private mount
 * namespace, a 64 KiB tmpfs over /dev/shm; skipped where this process may not mount.
 */
static void full_dev_shm_is_enospc(void)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=64k") < 0)
			CHECK_SKIP("cannot mount a small tmpfs here: %s", strerror(errno));
		CHECK(!lipc_ring_open("/full", LIPC_SEND, LIPC_CREATE, 1 << 20, 0) &&
		      errno == ENOSPC);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
}

static void channel_traffic(void)
{
	char addr[sizeof(ring_name) + 8];
	struct check_traffic t = { .address = addr,
				   .opts = LIPC_CHAN_OPTS_INIT,
				   .count = 100000,
				   .max_body = 3000,
				   .binary = true,
				   .stream_end = true };

	snprintf(addr, sizeof(addr), "shm:%s", ring());
	t.opts.capacity = 64 * 1024;
	check_traffic(&t);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* lipc send and recv on a ring: messages wait in it; a second reader is refused. */
static void through_the_cli(void)
{
	char addr[sizeof(ring_name) + 8], path[PATH_MAX];
	struct check_cmd tx, rx;
	struct lipc_ring *mine;

	snprintf(addr, sizeof(addr), "shm:%s", ring());
	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", "-c", "64K", addr, "a", "", "c")), 0);
	CHECK_STR(tx.err, "");
	check_cmd_free(&tx);
	/* The writer is gone: the reader gets what waits in the ring, then the end. */
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-v", addr)), 0);
	CHECK_STR(rx.out, "len=1\ta\nlen=0\t\nlen=1\tc\n");
	check_cmd_free(&rx);

	/* One reader at a time. */
	mine = open_ring(LIPC_RECV, 0);
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-t", "0", addr)), 1);
	CHECK(!strncmp(rx.err, "lipc: cannot open shm:/lipc-test-", 33));
	CHECK_CONTAINS(rx.err, ": another process is attached to the ring in that role\n");
	check_cmd_free(&rx);
	CHECK_SYS(lipc_ring_close(mine));

	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-t", "0.1", addr)), 1);
	CHECK_CONTAINS(rx.err, "no message within 0.1 s");
	check_cmd_free(&rx);
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("shm", "rm", ring_name)), 0);
	check_cmd_free(&rx);
	CHECK_ERR(access(path, F_OK), ENOENT);
}

/* What the library says of err, the last failure of this thread (the channel's wording). */
static const char *why(int err)
{
	struct lipc_addr a = LIPC_ADDR_INIT;

	CHECK_SYS(lipc_addr_parse(&a, "shm:/x"));
	return lipc_addr_strerror(&a, err);
}

static const char *shm_file(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	return path;
}

/*
 * The join policy: a ring that others may write is joined only on purpose (lipc_ring_join, the
 * channel's LIPC_CHAN_OWNER, lipc --owner), however it was made; one only this user may write
 * is joined as before. (Other owners: tests/test_security.c, which has a second uid.)
 */
static void join_policy(void)
{
	static const mode_t refused[] = { 0620, 0602, 0622, 0660, 0666 };
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	char addr[sizeof(ring_name) + 8], want[128], uid[32];
	struct lipc_chan *chan;
	struct lipc_ring *r;
	struct check_cmd cmd;

	snprintf(addr, sizeof(addr), "shm:%s", ring());
	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	CHECK_SYS(lipc_ring_close(open_ring(LIPC_SEND, 4096)));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		CHECK_SYS(chmod(shm_file(), refused[i]));
		snprintf(want, sizeof(want), "owned by uid %s (mode %04o), but others may write it",
			 uid, (unsigned)refused[i]);
		errno = 0;
		CHECK(!lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0) && errno == EPERM);
		CHECK_CONTAINS(why(EPERM), want);
		CHECK(!lipc_ring_open(ring_name, LIPC_SEND, LIPC_CREATE, 0, 0) && errno == EPERM);
		/* On purpose: the owner named (this user). */
		r = lipc_ring_join(ring_name, LIPC_RECV, 0, 0, 0, geteuid());
		CHECK(r != NULL);
		CHECK_SYS(lipc_ring_close(r));
	}
	CHECK_SYS(chmod(shm_file(), 0600));
	r = lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0);
	CHECK(r != NULL);
	CHECK_SYS(lipc_ring_close(r));
	/* Naming another owner trusts it besides this user, not instead. */
	r = lipc_ring_join(ring_name, LIPC_RECV, 0, 0, 0, geteuid() + 1);
	CHECK(r != NULL);
	CHECK_SYS(lipc_ring_close(r));
	CHECK(!lipc_ring_join(ring_name, LIPC_RECV, 0, 0, 0, (uid_t)-1) && errno == EINVAL);

	/* The channel, and the command. */
	CHECK_SYS(chmod(shm_file(), 0620));
	o.timeout_ms = 0;
	CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == EPERM);
	CHECK_CONTAINS(why(EPERM), "(mode 0620), but others may write it: not joined");
	o.flags = LIPC_CHAN_OWNER;
	o.owner = geteuid();
	chan = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(chan != NULL);
	CHECK_SYS(lipc_chan_send(chan, "hi", 2));
	CHECK_SYS(lipc_chan_close(chan));
	CHECK_EQ(check_cmd_run(&cmd, NULL, LIPC_ARGV("recv", "-t", "0", addr)), 1);
	CHECK_FAILURE(&cmd, "(mode 0620), but others may write it: not joined");
	check_cmd_free(&cmd);
	CHECK_EQ(check_cmd_run(&cmd, NULL, LIPC_ARGV("send", addr, "x")), 1);
	CHECK_FAILURE(&cmd, "(mode 0620), but others may write it: not joined");
	check_cmd_free(&cmd);
	CHECK_EQ(check_cmd_run(&cmd, NULL, LIPC_ARGV("recv", "--owner", uid, "-n", "1", addr)), 0);
	CHECK_STR(cmd.out, "hi\n");
	check_cmd_free(&cmd);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* Take a read lock on [start, start + len) through fd (len 0: to the end, and beyond). */
static void read_lock(int fd, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len
	};

	CHECK_SYS(fcntl(fd, F_OFD_SETLK, &fl));
}

static void read_unlock(int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };

	CHECK_SYS(fcntl(fd, F_OFD_SETLK, &fl));
}

/*
 * Read access decides nothing about liveness. A ring made here is readable only by those who
 * may write it, whatever the mode asked; on a ring made elsewhere that others may read, their
 * read locks on the lock bytes neither invent a side (lipc_ring_stat, EBUSY) nor hide a dead one
 * (ECONNRESET, EPIPE). They can still block attaching, and the error says so. A reader here is
 * a read-only descriptor of our own: locks of another description behave the same whoever holds
 * them (test_security does it as another user).
 */
static void read_locks_fake_no_peer(void)
{
	static const mode_t asked[] = { 0644, 0640, 0604, 0664, 0646, 0666, 0660 };
	static const mode_t made[] = { 0600, 0600, 0600, 0660, 0606, 0666, 0660 };
	static unsigned char rec[1000];
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	struct lipc_ring *r, *c, *p;
	struct stat fs;
	size_t len;
	pid_t pid;
	int fd;

	ring();
	umask(0);
	for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		r = lipc_ring_open(ring_name, LIPC_RECV, LIPC_CREATE, 4096, asked[i]);
		CHECK(r != NULL);
		CHECK_SYS(stat(shm_file(), &fs));
		CHECK_EQ(fs.st_mode & 07777, made[i]);
		CHECK_SYS(lipc_ring_close(r));
		CHECK_SYS(lipc_ring_unlink(ring_name));
	}

	/* Made elsewhere, open to readers: one covers the whole file with a read lock. */
	CHECK_SYS(lipc_ring_close(open_ring(LIPC_RECV, 4096)));
	CHECK_SYS(chmod(shm_file(), 0644));
	fd = (int)CHECK_SYS(open(shm_file(), O_RDONLY | O_CLOEXEC));
	read_lock(fd, 0, 0);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK(!st.producer && !st.consumer);
	CHECK(!lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0) && errno == EBUSY);
	CHECK_CONTAINS(why(EBUSY), "a read lock on the ring blocks attaching, not a producer");
	CHECK_CONTAINS(why(EBUSY), "mode 0644");
	read_unlock(fd);

	/* A producer dies, then a reader locks its byte: the consumer hears of the death. */
	c = lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0);
	CHECK(c != NULL);
	pid = check_fork();
	if (pid == 0) {
		p = lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0);
		CHECK(p != NULL);
		CHECK_SYS(lipc_ring_push(p, rec, sizeof(rec), 0));
		raise(SIGKILL);
	}
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	read_lock(fd, 0, 1);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK(!st.producer && st.consumer);
	CHECK_EQ(lipc_ring_pop(c, rec, sizeof(rec), &len, 0), 1);
	CHECK_ERR(lipc_ring_pop(c, rec, sizeof(rec), &len, 10000), ECONNRESET);
	CHECK_SYS(lipc_ring_close(c));
	read_unlock(fd);

	/* A consumer dies, then a reader locks its byte: the producer facing a full ring hears. */
	p = lipc_ring_open(ring_name, LIPC_SEND, 0, 0, 0);
	CHECK(p != NULL);
	pid = check_fork();
	if (pid == 0) {
		r = lipc_ring_open(ring_name, LIPC_RECV, 0, 0, 0);
		CHECK(r != NULL);
		raise(SIGKILL);
	}
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	read_lock(fd, 1, 1);
	CHECK_SYS(lipc_ring_stat(ring_name, &st));
	CHECK(st.producer && !st.consumer);
	while (lipc_ring_push(p, rec, sizeof(rec), 10000) == 0)
		;
	CHECK_EQ(errno, EPIPE);
	CHECK_SYS(lipc_ring_close(p));
	close(fd);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

static bool all_zero(const void *p, size_t n)
{
	const volatile unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* A side of truncated(): the error it must get instead of SIGBUS. */
static void check_truncated(int ret)
{
	CHECK_EQ(ret, -1);
	CHECK_EQ(errno, EPROTO);
	CHECK_CONTAINS(why(EPROTO), "the ring was truncated by another process");
}

#define TRUNC_CAP  ((size_t)64 * 1024)
#define TRUNC_LEN  1000			      /* a record of 1024 bytes, header included */
#define TRUNC_PAST (TRUNC_CAP / 2 / 1024 + 1) /* records until both sides are past half */

/* The consumer of truncated(): holds a record in the far half, reads it after the truncation. */
static void truncated_consumer(int ready, int go, bool batch)
{
	static unsigned char buf[TRUNC_LEN];
	struct lipc_ring *c = lipc_ring_join(ring_name, LIPC_RECV, 0, 0, 0, geteuid());
	const void *rec;
	size_t len;
	char b = 0;

	CHECK(c != NULL);
	for (size_t i = 0; i < TRUNC_PAST; i++)
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 1);
	if (batch) {
		struct iovec v[4];

		CHECK_EQ(lipc_ring_peek_many(c, v, 4, -1), 1);
		rec = v[0].iov_base;
		len = v[0].iov_len;
	} else {
		CHECK_EQ(lipc_ring_peek(c, &rec, &len, -1), 1);
	}
	CHECK_EQ(len, TRUNC_LEN);
	CHECK(!all_zero(rec, len));
	CHECK_EQ(write(ready, &b, 1), 1);
	CHECK_EQ(read(go, &b, 1), 0);
	/* In place, the record reads as zeros now: no SIGBUS. Then every call fails. */
	CHECK(all_zero(rec, len));
	check_truncated(lipc_ring_release(c));
	check_truncated(lipc_ring_peek_many(c, &(struct iovec){ 0 }, 1, -1));
	check_truncated(lipc_ring_peek(c, &rec, &len, -1));
	check_truncated(lipc_ring_pop(c, buf, sizeof(buf), &len, 0));
	CHECK_SYS(lipc_ring_close(c));
}

/*
 * The producer: with blocked, it fills the ring and waits for room in a push when the ring is
 * truncated; without, it pushes into the lost pages after the truncation.
 */
static void truncated_producer(int ready, int go, bool blocked)
{
	static unsigned char buf[TRUNC_LEN];
	struct lipc_ring *p = lipc_ring_join(ring_name, LIPC_SEND, 0, 0, 0, geteuid());
	char b = 0;
	int ret;

	CHECK(p != NULL);
	memset(buf, 0x5a, sizeof(buf));
	for (size_t i = 0; i < TRUNC_PAST + 1; i++)
		CHECK_SYS(lipc_ring_push(p, buf, sizeof(buf), -1));
	CHECK_EQ(write(ready, &b, 1), 1);
	if (blocked) {
		while ((ret = lipc_ring_push(p, buf, sizeof(buf), -1)) == 0)
			;
	} else {
		CHECK_EQ(read(go, &b, 1), 0);
		ret = lipc_ring_push(p, buf, sizeof(buf), -1);
	}
	check_truncated(ret);
	check_truncated(lipc_ring_push(p, buf, sizeof(buf), 0));
	check_truncated(lipc_ring_push_many(
		p, &(struct iovec){ .iov_base = buf, .iov_len = sizeof(buf) }, 1, 0));
	CHECK_SYS(lipc_ring_close(p));
}

/*
 * A ring others may write, joined on purpose, is truncated to size under its producer and its
 * consumer: each gets EPROTO, never SIGBUS, and the consumer's record in place reads as zeros
 * (held by lipc_ring_peek(), or by lipc_ring_peek_many() when the producer is not blocked). The
 * batch calls fail as the others do.
 */
static void truncated(off_t size, bool blocked)
{
	int ready[2], go[2], fd;
	pid_t pc, pp;
	char b;

	ring();
	CHECK_SYS(lipc_ring_close(open_ring(LIPC_RECV, TRUNC_CAP)));
	CHECK_SYS(chmod(shm_file(), 0660)); /* others may write it: guarded */
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(go, O_CLOEXEC));
	pc = check_fork();
	if (pc == 0) {
		close(go[1]);
		truncated_consumer(ready[1], go[0], !blocked);
		_exit(0);
	}
	pp = check_fork();
	if (pp == 0) {
		close(go[1]);
		truncated_producer(ready[1], go[0], blocked);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	CHECK_EQ(read(ready[0], &b, 1), 1);
	CHECK_EQ(read(ready[0], &b, 1), 1);
	fd = (int)CHECK_SYS(open(shm_file(), O_RDWR | O_CLOEXEC));
	CHECK_SYS(ftruncate(fd, size));
	close(fd);
	close(go[1]); /* go */
	CHECK_EQ(check_wait(pc), 0);
	CHECK_EQ(check_wait(pp), 0);
	close(ready[0]);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

static void truncated_to_zero(void)
{
	truncated(0, true);
}

static void truncated_through_the_data(void)
{
	truncated(4096 + TRUNC_CAP / 2, false);
}

/*
 * The guard catches the faults of guarded rings only: any other SIGBUS goes where it went
 * before, to a program's own handler or to the default action (or the sanitizer's report).
 */
static void handler_stays_for_others(int how)
{
	char path[PATH_MAX], n[200];
	struct lipc_ring *r;
	volatile unsigned char *m;
	int fd;

	ring();
	CHECK_SYS(lipc_ring_close(open_ring(LIPC_RECV, 4096)));
	CHECK_SYS(chmod(shm_file(), 0660));
	r = lipc_ring_join(ring_name, LIPC_RECV, 0, 0, 0, geteuid());
	CHECK(r != NULL);
	snprintf(path, sizeof(path), "/dev/shm/%s", check_name(n, sizeof(n), "other"));
	fd = (int)CHECK_SYS(open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600));
	CHECK_SYS(ftruncate(fd, 4096));
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK_SYS(unlink(path));
	CHECK_SYS(lipc_ring_unlink(ring_name));
	CHECK_SYS(ftruncate(fd, 0));
	if (how == 1)
		raise(SIGBUS); /* sent, not a fault: no address to repair */
	(void)m[0];
	CHECK(!"reached");
}

static void on_bus(int sig)
{
	(void)sig;
	_exit(42);
}

static void other_sigbus_is_not_ours(void)
{
	for (int how = 0; how < 3; how++) {
		pid_t pid = check_fork();

		if (pid == 0) {
			if (how == 2) {
				struct sigaction sa = { .sa_handler = on_bus };

				CHECK_SYS(sigaction(SIGBUS, &sa, NULL));
			}
			handler_stays_for_others(how < 2 ? how : 0);
			_exit(0);
		}
		if (how == 2)
			CHECK_EQ(check_wait(pid), 42);
		else
#if defined(__SANITIZE_ADDRESS__)
			CHECK(check_wait(pid) != 0); /* ASan's report, or its death by the signal */
#else
			CHECK_EQ(check_wait(pid), 128 + SIGBUS);
#endif
	}
}

/* Batches (lipc_ring_push_many, lipc_ring_peek_many). */

#define BATCH_CAP     ((size_t)64 * 1024)
#define BATCH_MAX_REC (BATCH_CAP / 2 - 16)
#define BATCH_ARENA   (1024 * 3012 + BATCH_MAX_REC)

/* Built with a sanitizer, the ring runs a few times slower: a tenth of the records. */
#define BATCH_RECORDS (CHECK_SANITIZED ? 1000000 : 10000000)

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * The record sizes of the batch tests, reproducible from the sequence: mostly small, now and
 * then a few KiB, the largest record the ring takes, or none at all (a record of no bytes
 * carries no sequence number: its place in the stream says which it is).
 */
static size_t batch_size_of(uint64_t seq)
{
	uint32_t x = (uint32_t)(seq * 0x9E3779B97F4A7C15ull >> 32);

	if (seq % 997 == 5)
		return 0;
	if (seq % 4999 == 7)
		return BATCH_MAX_REC;
	return 12 + (x % 8 ? x % 100 : x % 3000);
}

static void check_batch_record(const struct iovec *v, uint64_t seq)
{
	if (v->iov_len != batch_size_of(seq))
		check_fail(__FILE__, __LINE__, "record %llu: %zu bytes, not %zu",
			   (unsigned long long)seq, v->iov_len, batch_size_of(seq));
	if (v->iov_len)
		check_record(v->iov_base, v->iov_len, seq);
}

/* Records first.. into iov and arena: n of them. */
static void batch_fill(struct iovec *iov, unsigned char *arena, uint64_t first, size_t n)
{
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = batch_size_of(first + i);

		iov[i].iov_base = arena + used;
		iov[i].iov_len = len;
		if (len)
			make_record(arena + used, first + i, len);
		used += len;
	}
	CHECK(used <= BATCH_ARENA);
}

/* Push all n, however many each call takes. */
static void batch_push(struct lipc_ring *p, const struct iovec *iov, size_t n)
{
	for (size_t done = 0; done < n;) {
		int ret = lipc_ring_push_many(p, iov + done, n - done, -1);

		if (ret <= 0 || (size_t)ret > n - done)
			check_fail(__FILE__, __LINE__, "push_many: %d, %s", ret, strerror(errno));
		done += (size_t)ret;
	}
}

/* A producer process: records first..first+count-1 in batches of 1 to max_batch, then a close. */
static pid_t batch_producer(uint64_t first, uint64_t count, size_t max_batch, uint32_t rnd)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_ring *p = open_ring(LIPC_SEND, BATCH_CAP);
		unsigned char *arena = malloc(BATCH_ARENA);
		static struct iovec iov[1024];

		CHECK(arena != NULL);
		for (uint64_t seq = first; seq < first + count;) {
			size_t n = 1 + next_rand(&rnd) % max_batch;

			if (n > first + count - seq)
				n = (size_t)(first + count - seq);
			batch_fill(iov, arena, seq, n);
			batch_push(p, iov, n);
			seq += n;
		}
		CHECK_SYS(lipc_ring_close(p));
		free(arena);
		_exit(0);
	}
	return pid;
}

/*
 * Ten million records (a million under a sanitizer) in batches of 1 to 1024 both ways, records
 * of 0 bytes to the largest, through a ring of 64 KiB: none lost, duplicated, reordered or
 * damaged. Now and then the consumer holds a batch over its next call, whose records must
 * follow. Records that start the data again after a wrap marker are counted: the test must
 * have crossed the end of the ring that way.
 */
static void batches_across_processes(void)
{
	static struct iovec iov[2048];
	const unsigned char *data = NULL, *end = NULL;
	uint64_t seq = 0, wraps = 0, held_over = 0;
	uint32_t rnd = 99;
	struct lipc_ring *c;
	bool ended = false;
	pid_t pid;

	ring();
	c = open_ring(LIPC_RECV, BATCH_CAP);
	pid = batch_producer(0, BATCH_RECORDS, 1024, 7);
	while (seq < BATCH_RECORDS) {
		size_t want = 1 + next_rand(&rnd) % 1024;
		int got = lipc_ring_peek_many(c, iov, want, -1), more = 0;

		if (got < 1 || (size_t)got > want)
			check_fail(__FILE__, __LINE__, "record %llu: %d, %s",
				   (unsigned long long)seq, got, strerror(errno));
		/* Held over: the records of a call that does not wait follow those held. */
		if (next_rand(&rnd) % 8 == 0) {
			more = lipc_ring_peek_many(c, iov + got, 1 + next_rand(&rnd) % 1024, 0);
			if (more < 0 && errno == EAGAIN)
				more = 0;
			else if (more == 0)
				ended = true; /* the end, told once: after the last record */
			if (more < 0)
				check_fail(__FILE__, __LINE__, "record %llu and on: %s",
					   (unsigned long long)(seq + (uint64_t)got),
					   strerror(errno));
			held_over += more > 0;
		}
		for (int i = 0; i < got + more; i++, seq++) {
			const unsigned char *b = iov[i].iov_base;

			check_batch_record(&iov[i], seq);
			if (!data)
				data = b - 16; /* the first record: offset 0 of a new ring */
			else if (b == data + 16 && end != data + BATCH_CAP)
				wraps++; /* offset 0 again, though the last record ended before the
					    end */
			end = b + ((iov[i].iov_len + 15) & ~(size_t)15);
		}
		CHECK_SYS(lipc_ring_release(c));
	}
	if (!ended)
		CHECK_EQ(lipc_ring_peek_many(c, iov, 1024, -1), 0); /* the producer closed */
	CHECK_EQ(check_wait(pid), 0);
	CHECK(wraps > 0);
	CHECK(held_over > 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* Records seq.. of len bytes (0: batch_size_of's) into iov from buf, one slot of 2 KiB each. */
static void small_batch(struct iovec *iov, unsigned char (*buf)[2048], uint64_t seq, size_t n,
			size_t len)
{
	for (size_t i = 0; i < n; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = make_record(buf[i], seq + i, len);
	}
}

static void check_batch(const struct iovec *iov, size_t n, uint64_t seq)
{
	for (size_t i = 0; i < n; i++)
		check_record(iov[i].iov_base, iov[i].iov_len, seq + i);
}

/* The batch calls one by one: short counts, n == 0, what several records held mean. */
static void batch_calls(void)
{
	static unsigned char buf[8][2048], big[4096];
	struct iovec in[8], out[16];
	struct lipc_ring *p, *c;
	const void *data;
	size_t len;
	int k;

	ring();
	p = open_ring(LIPC_SEND, 4096);
	c = open_ring(LIPC_RECV, 4096);
	CHECK_EQ(lipc_ring_max_record(p), 2048 - 16);

	CHECK_EQ(lipc_ring_push_many(p, in, 0, 0), 0);
	CHECK_ERR(lipc_ring_peek_many(c, out, 0, 0), EINVAL); /* 0 would be the end */
	CHECK_ERR(lipc_ring_peek_many(c, out, 8, 0), EAGAIN);
	CHECK_ERR(lipc_ring_peek_many(c, out, 8, 20), ETIMEDOUT);
	CHECK_ERR(lipc_ring_push_many(c, in, 1, 0), EBADF);
	CHECK_ERR(lipc_ring_peek_many(p, out, 1, 0), EBADF);

	/* A record too big in the middle: those before it go, and the next call says why. */
	small_batch(in, buf, 0, 4, 100);
	in[1].iov_len = 0;
	in[2] = (struct iovec){ .iov_base = big, .iov_len = 2048 - 15 };
	CHECK_EQ(lipc_ring_push_many(p, in, 4, 0), 2);
	CHECK_ERR(lipc_ring_push_many(p, in + 2, 2, 0), EMSGSIZE);
	CHECK_EQ(lipc_ring_push_many(p, in + 3, 1, 0), 1);
	CHECK_EQ(lipc_ring_peek_many(c, out, 16, 0), 3);
	check_record(out[0].iov_base, out[0].iov_len, 0);
	CHECK_EQ(out[1].iov_len, 0);
	check_record(out[2].iov_base, out[2].iov_len, 3);

	/* Several held: peek gives the last again, pop refuses, one release frees them all. */
	CHECK_EQ(lipc_ring_peek(c, &data, &len, 0), 1);
	CHECK(data == out[2].iov_base && len == out[2].iov_len);
	CHECK_ERR(lipc_ring_pop(c, big, sizeof(big), &len, 0), EINVAL);
	CHECK_SYS(lipc_ring_release(c));
	CHECK_ERR(lipc_ring_release(c), EINVAL);
	CHECK_ERR(lipc_ring_peek_many(c, out, 8, 0), EAGAIN);

	/* n caps a batch; records handed out follow those held, a single peek's too. */
	small_batch(in, buf, 10, 6, 100);
	CHECK_EQ(lipc_ring_push_many(p, in, 6, 0), 6);
	CHECK_EQ(lipc_ring_peek(c, &data, &len, 0), 1);
	check_record(data, len, 10);
	CHECK_EQ(lipc_ring_peek_many(c, out, 2, 0), 2);
	check_batch(out, 2, 11);
	CHECK_EQ(lipc_ring_peek(c, &data, &len, 0), 1);
	CHECK(data == out[1].iov_base);
	CHECK_EQ(lipc_ring_peek_many(c, out + 2, 2, 0), 2);
	check_batch(out, 4, 11);
	CHECK_SYS(lipc_ring_release(c));
	CHECK_EQ(lipc_ring_pop(c, big, sizeof(big), &len, 0), 1); /* one held: a pop's */
	check_record(big, len, 15);
	CHECK_ERR(lipc_ring_pop(c, big, sizeof(big), &len, 0), EAGAIN);

	/* Full: as many as fit (room for 3 or 4, as the end of the ring falls), then EAGAIN. */
	small_batch(in, buf, 20, 6, 1000);
	k = lipc_ring_push_many(p, in, 6, 0);
	CHECK(k >= 3 && k <= 4);
	CHECK_ERR(lipc_ring_push_many(p, in + k, 6 - (size_t)k, 0), EAGAIN);
	CHECK_ERR(lipc_ring_push_many(p, in + k, 6 - (size_t)k, 20), ETIMEDOUT);
	CHECK_EQ(lipc_ring_peek_many(c, out, 16, 0), k);
	check_batch(out, (size_t)k, 20);
	CHECK_SYS(lipc_ring_release(c));
	CHECK_EQ(lipc_ring_push_many(p, in + k, 6 - (size_t)k, 0), 6 - k);
	CHECK_EQ(lipc_ring_peek_many(c, out, 16, 0), 6 - k);
	check_batch(out, 6 - (size_t)k, 20 + (uint64_t)k);
	CHECK_SYS(lipc_ring_release(c));

	/* While a record is reserved, no batch. */
	CHECK(lipc_ring_reserve(p, 8, 0) != NULL);
	CHECK_ERR(lipc_ring_push_many(p, in, 1, 0), EINVAL);
	CHECK_SYS(lipc_ring_commit(p));
	CHECK_EQ(lipc_ring_pop(c, big, sizeof(big), &len, 0), 1);

	/* The end of the stream comes after the last batch. */
	small_batch(in, buf, 30, 3, 50);
	CHECK_EQ(lipc_ring_push_many(p, in, 3, 0), 3);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(lipc_ring_peek_many(c, out, 2, 0), 2);
	CHECK_EQ(lipc_ring_peek_many(c, out + 2, 2, 0), 1);
	check_batch(out, 3, 30);
	CHECK_SYS(lipc_ring_release(c));
	CHECK_EQ(lipc_ring_peek_many(c, out, 2, 0), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* Read records seq.. from the ring until want has been reached: check each. */
static uint64_t batch_read(struct lipc_ring *c, uint64_t seq, uint64_t want, int timeout_ms)
{
	struct iovec iov[64];

	while (seq < want) {
		int got = lipc_ring_peek_many(c, iov, 64, timeout_ms);

		if (got < 1)
			check_fail(__FILE__, __LINE__, "record %llu: %d, %s",
				   (unsigned long long)seq, got, strerror(errno));
		check_batch(iov, (size_t)got, seq);
		seq += (uint64_t)got;
		CHECK_SYS(lipc_ring_release(c));
	}
	return seq;
}

/*
 * A consumer killed while it holds batches it peeked (after releasing one): the next consumer
 * gets every record it held again, none lost. The same through the channel (shm:), whose
 * receive releases the batch of the previous one: killed after its second receive, the second
 * batch comes again.
 */
static void consumer_killed_holding_a_batch(void)
{
	static unsigned char buf[100][2048];
	char addr[sizeof(ring_name) + 8];
	struct iovec in[100], out[8];
	struct lipc_ring *p, *c;
	pid_t pid;

	snprintf(addr, sizeof(addr), "shm:%s", ring());
	p = open_ring(LIPC_SEND, 16 * 1024);
	small_batch(in, buf, 0, 100, 40);
	CHECK_EQ(lipc_ring_push_many(p, in, 100, 0), 100);
	pid = check_fork();
	if (pid == 0) {
		struct iovec held[64];

		c = open_ring(LIPC_RECV, 0);
		CHECK_EQ(lipc_ring_peek_many(c, held, 20, 0), 20);
		check_batch(held, 20, 0);
		CHECK_SYS(lipc_ring_release(c));
		CHECK_EQ(lipc_ring_peek_many(c, held, 30, 0), 30);
		CHECK_EQ(lipc_ring_peek_many(c, held + 30, 10, 0), 10);
		check_batch(held, 40, 20);
		raise(SIGKILL);
	}
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	c = open_ring(LIPC_RECV, 0);
	CHECK_EQ(batch_read(c, 20, 100, 0), 100);
	CHECK_ERR(lipc_ring_peek_many(c, out, 8, 0), EAGAIN);
	CHECK_SYS(lipc_ring_close(c));

	CHECK_EQ(lipc_ring_push_many(p, in, 100, 0), 100);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		struct lipc_msg m[30];
		struct lipc_chan *chan;

		o.timeout_ms = 0;
		chan = lipc_chan_open(addr, LIPC_RECV, &o);
		CHECK(chan != NULL);
		for (int i = 0; i < 30; i++)
			m[i] = (struct lipc_msg)LIPC_MSG_INIT;
		CHECK_EQ(lipc_chan_recv_many(chan, m, 10), 10);
		CHECK_EQ(lipc_chan_recv_many(chan, m, 30), 30);
		for (int i = 0; i < 30; i++)
			check_record(m[i].data, m[i].len, 10 + (uint64_t)i);
		raise(SIGKILL);
	}
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	c = open_ring(LIPC_RECV, 0);
	CHECK_EQ(batch_read(c, 10, 100, 0), 100);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * The producer dies at a random point of a stream of batches, 50 times: mostly inside
 * lipc_ring_push_many(), writing records or waiting for room. The consumer reads whole records
 * in order, then learns of the death; the next producer starts after the last record read.
 */
static void producer_killed_in_a_batch(void)
{
	static struct iovec iov[64];
	struct lipc_ring *c;
	uint64_t next = 0;
	uint32_t rnd = 4242;

	ring();
	c = open_ring(LIPC_RECV, 16 * 1024);
	for (int round = 0; round < 50; round++) {
		uint64_t die_after = next + 1 + next_rand(&rnd) % 3000;
		pid_t pid = check_fork();
		int got;

		if (pid == 0) {
			struct lipc_ring *p = open_ring(LIPC_SEND, 0);
			unsigned char *arena = malloc(BATCH_ARENA);

			CHECK(arena != NULL);
			for (uint64_t seq = next;;) {
				size_t n = 1 + next_rand(&rnd) % 64;

				for (size_t i = 0; i < n; i++) {
					iov[i].iov_base = arena + i * 2048;
					iov[i].iov_len = make_record(iov[i].iov_base, seq + i,
								     size_of(seq + i, 2048));
				}
				batch_push(p, iov, n);
				seq += n;
			}
		}
		next = batch_read(c, next, die_after, -1);
		kill(pid, SIGKILL);
		while ((got = lipc_ring_peek_many(c, iov, 64, -1)) > 0) {
			check_batch(iov, (size_t)got, next);
			next += (uint64_t)got;
			CHECK_SYS(lipc_ring_release(c));
		}
		if (got == 0 || errno != ECONNRESET)
			check_fail(__FILE__, __LINE__, "round %d: %d, %s", round, got,
				   strerror(errno));
		CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	}
	pid_t pid = producer(next, 1000, 0, 2048);

	CHECK_EQ(batch_read(c, next, next + 1000, -1), next + 1000);
	CHECK_EQ(lipc_ring_peek_many(c, iov, 64, -1), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * Records as lipc_ring_push_many() writes them, without head: count records of 100 bytes (128
 * in the ring) from position pos, seq first.., as a producer killed before it stores head
 * leaves them.
 */
static void forge_batch(unsigned char *m, size_t cap, uint64_t pos, uint64_t first, int count)
{
	for (int i = 0; i < count; i++, pos += 128) {
		unsigned char *h = m + 4096 + (pos & (cap - 1));
		uint32_t len = 100;

		CHECK((pos & (cap - 1)) + 128 <= cap);
		memcpy(h, &len, sizeof(len));
		make_record(h + 16, first + (uint64_t)i, len);
		__atomic_store_n((uint64_t *)(void *)(h + 8), pos + 1, __ATOMIC_RELEASE);
	}
}

/*
 * A producer killed inside lipc_ring_push_many() after it published a batch's records and
 * before it stored head. The consumer sleeps on head meanwhile (no spinning): it must take the
 * records before it reports the death, where it used to report the death and leave them. The
 * next producer must start after all of them, read or not (it used to adopt one record, and was
 * refused, EPROTO, behind a consumer ahead of it, or wrote over the others).
 */
static void producer_killed_before_head(void)
{
	const size_t cap = 4096;
	struct iovec iov[8];
	struct lipc_ring *c, *p;
	unsigned char *m;
	uint64_t seq = 0, head;
	int fd, got;
	pid_t pid;

	ring();
	c = open_ring(LIPC_RECV, cap);
	lipc__ring_tune(c, 0, 10); /* sleeps at once; tests the producer's lock every 10 ms */
	m = map_ring(cap, &fd);
	pid = check_fork();
	if (pid == 0) {
		p = open_ring(LIPC_SEND, 0);
		while (!check_asleep_in(getppid(), SYS_futex, NULL))
			sched_yield();
		forge_batch(m, cap, 0, 0, 3);
		raise(SIGKILL);
	}
	while ((got = lipc_ring_peek_many(c, iov, 8, -1)) > 0) {
		check_batch(iov, (size_t)got, seq);
		seq += (uint64_t)got;
	}
	CHECK_EQ(seq, 3);
	CHECK_ERR(got, ECONNRESET);
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_SYS(lipc_ring_release(c));
	p = open_ring(LIPC_SEND, 0); /* behind the consumer, which is ahead of head */
	push_record(p, 3, 100);
	pop_record(c, 3);

	/* Unread: the next producer adopts the whole batch, and nothing is lost. */
	memcpy(&head, m + 128, sizeof(head));
	forge_batch(m, cap, head, 4, 3);
	die_unclosed(p, m);
	p = open_ring(LIPC_SEND, 0);
	push_record(p, 7, 100);
	CHECK_EQ(batch_read(c, 4, 8, 0), 8);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(lipc_ring_peek_many(c, iov, 8, 0), 0);

	munmap(m, 4096 + cap);
	close(fd);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A corrupt record in the middle of a batch: a length past the largest record, or a seq that
 * names another position though head is past it. The batch ends with the records before it,
 * and the next call fails with EBADMSG, as does every call after it; nothing is read outside
 * the ring (the page after it would fault).
 */
static void corrupt_record_in_a_batch(void)
{
	static unsigned char buf[3][2048];
	const size_t cap = 4096;
	struct iovec in[3], out[8];
	const void *data;
	size_t len;

	for (int how = 0; how < 2; how++) {
		struct lipc_ring *p, *c;
		unsigned char *m;
		int fd;

		ring();
		c = open_ring(LIPC_RECV, cap);
		p = open_ring(LIPC_SEND, 0);
		m = map_ring(cap, &fd);
		small_batch(in, buf, 0, 3, 100);
		CHECK_EQ(lipc_ring_push_many(p, in, 3, 0), 3);
		if (how == 0) {
			uint32_t bad = 0x7ffffff0; /* the second record's length */

			memcpy(m + 4096 + 128, &bad, sizeof(bad));
		} else {
			uint64_t bad = 4096 + 128 + 1; /* its seq: a position a lap later */

			memcpy(m + 4096 + 128 + 8, &bad, sizeof(bad));
		}
		CHECK_EQ(lipc_ring_peek_many(c, out, 8, 0), 1);
		check_batch(out, 1, 0);
		CHECK_ERR(lipc_ring_peek_many(c, out, 8, 0), EBADMSG);
		CHECK_SYS(lipc_ring_release(c)); /* the first was whole */
		CHECK_ERR(lipc_ring_peek_many(c, out, 8, 0), EBADMSG);
		CHECK_ERR(lipc_ring_peek(c, &data, &len, 0), EBADMSG);
		munmap(m, 4096 + cap);
		close(fd);
		CHECK_SYS(lipc_ring_close(p));
		CHECK_SYS(lipc_ring_close(c));
		CHECK_SYS(lipc_ring_unlink(ring_name));
	}
}

/*
 * The channel's batches on shm: send_many and recv_many, 100,000 messages in batches of random
 * sizes, each message checked; with LIPC_CHAN_KEEP a receiver outlives its senders.
 */
static void channel_batches(void)
{
	static unsigned char buf[64][2048];
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	char addr[sizeof(ring_name) + 8];
	struct lipc_msg m[64];
	struct lipc_chan *rx;
	uint64_t seq = 0;
	uint32_t rnd = 5;

	snprintf(addr, sizeof(addr), "shm:%s", ring());
	o.capacity = 64 * 1024;
	o.flags = LIPC_CHAN_KEEP;
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(rx != NULL);
	for (int sender = 0; sender < 2; sender++) {
		pid_t pid = check_fork();

		if (pid == 0) {
			struct lipc_chan *tx = lipc_chan_open(addr, LIPC_SEND, &o);

			CHECK(tx != NULL);
			for (uint64_t s = (uint64_t)sender * 50000;
			     s < (uint64_t)(sender + 1) * 50000;) {
				size_t n = 1 + next_rand(&rnd) % 64, done = 0;

				if (n > (uint64_t)(sender + 1) * 50000 - s)
					n = (size_t)((uint64_t)(sender + 1) * 50000 - s);

				for (size_t i = 0; i < n; i++)
					m[i] = (struct lipc_msg){ .struct_size = sizeof(m[i]),
								  .data = buf[i],
								  .len = make_record(
									  buf[i], s + i,
									  size_of(s + i, 2048)) };
				while (done < n) {
					int ret = lipc_chan_send_many(tx, m + done, n - done);

					CHECK(ret > 0);
					done += (size_t)ret;
				}
				s += n;
			}
			CHECK_SYS(lipc_chan_close(tx));
			_exit(0);
		}
		while (seq < (uint64_t)(sender + 1) * 50000) {
			int got;

			for (int i = 0; i < 64; i++)
				m[i] = (struct lipc_msg){ .struct_size = sizeof(m[i]), .has = ~0u };
			got = lipc_chan_recv_many(rx, m, 1 + next_rand(&rnd) % 64);
			CHECK(got > 0);
			for (int i = 0; i < got; i++, seq++) {
				CHECK_EQ(m[i].has, 0);
				check_record(m[i].data, m[i].len, seq);
			}
		}
		CHECK_EQ(check_wait(pid), 0);
	}
	/* Kept: the end of the second sender's stream is not the end of the receiver's. */
	CHECK_SYS(lipc_chan_set_timeout(rx, 0));
	CHECK_ERR(lipc_chan_recv_many(rx, m, 8), EAGAIN);
	CHECK_SYS(lipc_chan_close(rx));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * The doorbell (lipc_ring_fd()). readable() polls it with a timeout of 0; due() says whether it
 * must be readable, which each step below knows from what it did, and the receives that follow
 * prove (a timeout-0 receive succeeds, ends or fails with EAGAIN).
 */
static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = (int)CHECK_SYS(poll(&p, 1, 0));

	return n == 1 && (p.revents & POLLIN);
}

#define DUE(fd, want) CHECK_EQ(readable(fd), (want))

/* Exactness, in one process: before and after every call, readable == a receive would not wait. */
static void doorbell_is_exact(void)
{
	unsigned char a[100] = { 1 }, b[200] = { 2 }, buf[4096];
	struct iovec v[8], got[8];
	struct lipc_ring *p, *c;
	const void *data;
	size_t len;
	int fd;

	ring();
	p = open_ring(LIPC_SEND, 4096);
	c = open_ring(LIPC_RECV, 4096);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	DUE(fd, false);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	DUE(fd, false);
	CHECK_SYS(lipc_ring_push(p, a, sizeof(a), 0));
	DUE(fd, true);
	CHECK_SYS(lipc_ring_push(p, b, sizeof(b), 0));
	DUE(fd, true);
	/* Counted after the records held: the second is due while the first is peeked. */
	CHECK_EQ(lipc_ring_peek(c, &data, &len, 0), 1);
	CHECK_EQ(len, sizeof(a));
	DUE(fd, true);
	CHECK_SYS(lipc_ring_release(c));
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, sizeof(b));
	DUE(fd, false);
	CHECK_ERR(lipc_ring_peek(c, &data, &len, 0), EAGAIN);
	DUE(fd, false);
	/* The last record peeked and held: nothing after it is due. */
	CHECK_SYS(lipc_ring_push(p, a, 10, 0));
	DUE(fd, true);
	CHECK_EQ(lipc_ring_peek(c, &data, &len, 0), 1);
	DUE(fd, false);
	CHECK_SYS(lipc_ring_release(c));
	DUE(fd, false);
	/* Batches. */
	for (int i = 0; i < 3; i++)
		v[i] = (struct iovec){ .iov_base = a, .iov_len = 10u * (unsigned)(i + 1) };
	CHECK_EQ(lipc_ring_push_many(p, v, 3, 0), 3);
	DUE(fd, true);
	CHECK_EQ(lipc_ring_peek_many(c, got, 2, 0), 2);
	DUE(fd, true);
	CHECK_EQ(lipc_ring_peek_many(c, got, 8, 0), 1);
	DUE(fd, false);
	CHECK_ERR(lipc_ring_peek_many(c, got, 8, 0), EAGAIN);
	DUE(fd, false);
	CHECK_SYS(lipc_ring_release(c));
	DUE(fd, false);
	CHECK_EQ(lipc_ring_push_many(p, v, 3, 0), 3);
	DUE(fd, true);
	CHECK_EQ(lipc_ring_peek_many(c, got, 8, 0), 3);
	DUE(fd, false);
	CHECK_SYS(lipc_ring_release(c));
	DUE(fd, false);
	/* The end of the stream is due once, then nothing until a producer comes. */
	CHECK_SYS(lipc_ring_push(p, a, 10, 0));
	CHECK_SYS(lipc_ring_close(p));
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 0);
	DUE(fd, false);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	DUE(fd, false);
	/* Asked for again: the same descriptor, and the state unchanged. */
	CHECK_EQ(lipc_ring_fd(c), fd);
	DUE(fd, false);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* The descriptor of a ring made with records in it, and the producer's: EBADF; no fd leaks. */
static void doorbell_descriptor(void)
{
	unsigned char buf[64] = { 0 };
	struct lipc_ring *p, *c;
	int before, fd;
	size_t len;

	ring();
	before = check_open_fds();
	p = open_ring(LIPC_SEND, 4096);
	CHECK_ERR(lipc_ring_fd(p), EBADF);
	CHECK_SYS(lipc_ring_push(p, buf, 8, 0));
	c = open_ring(LIPC_RECV, 4096);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	CHECK_EQ(lipc_ring_fd(c), fd);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	DUE(fd, true); /* a record was there before the doorbell */
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	DUE(fd, false);
	CHECK_SYS(lipc_ring_push(p, buf, 8, 0)); /* rung: the producer opened its socket */
	DUE(fd, true);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(c));
	CHECK_EQ(check_open_fds(), before);
	CHECK_ERR(fcntl(fd, F_GETFD), EBADF);
	/* A ring closed before anyone asked: nothing made, nothing left. */
	c = open_ring(LIPC_RECV, 4096);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_EQ(check_open_fds(), before);
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A forked child that closes its inherited copies of both sides changes nothing shared: the
 * parent's consumer sees no end of stream (the producer is still there), and its doorbell, armed
 * when the child closed, is still rung by the next record.
 */
static void child_closes_inherited(void)
{
	unsigned char buf[64] = { 0 };
	struct lipc_ring *p, *c;
	size_t len;
	pid_t pid;
	int fd;

	ring();
	p = open_ring(LIPC_SEND, 4096);
	c = open_ring(LIPC_RECV, 4096);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN); /* armed */
	pid = check_fork();
	if (pid == 0)
		_exit(lipc_ring_close(c) == 0 && lipc_ring_close(p) == 0 ? 0 : 1);
	CHECK_EQ(check_wait(pid), 0);
	DUE(fd, false);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN); /* not the end */
	CHECK_SYS(lipc_ring_push(p, buf, 8, 0));
	DUE(fd, true);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0),
		 0); /* the parent's close is the end */
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * In one process, a side that closes while the other stays leaves its role free: the mapping
 * both handles share was made through the first one's descriptor, and kept its lifetime lock
 * (EBUSY for the next producer) until it was made through a description of its own.
 */
static void roles_freed_in_one_process(void)
{
	unsigned char buf[64] = { 0 };
	struct lipc_ring *first, *other, *again;
	size_t len;

	for (int k = 0; k < 2; k++) {
		enum lipc_role role = k ? LIPC_RECV : LIPC_SEND;

		ring();
		first = open_ring(role, 4096); /* the mapping is made through this one */
		other = open_ring(role == LIPC_SEND ? LIPC_RECV : LIPC_SEND, 4096);
		CHECK_SYS(lipc_ring_close(first));
		again = open_ring(role, 4096);
		if (role == LIPC_SEND) {
			CHECK_SYS(lipc_ring_push(again, buf, 8, 0));
			CHECK_EQ(lipc_ring_pop(other, buf, sizeof(buf), &len, 0), 1);
		} else {
			CHECK_SYS(lipc_ring_push(other, buf, 8, 0));
			CHECK_EQ(lipc_ring_pop(again, buf, sizeof(buf), &len, 0), 1);
		}
		CHECK_SYS(lipc_ring_close(again));
		CHECK_SYS(lipc_ring_close(other));
		CHECK_SYS(lipc_ring_unlink(ring_name));
	}
}

/* poll() until readable: the test's timeout is what catches a wake-up lost for good. */
static void wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (poll(&pfd, 1, -1) < 0)
		CHECK_EQ(errno, EINTR);
}

/*
 * A million records from another process, the consumer switching between a poll() loop with
 * receives of timeout 0 and plain receives that wait (one or a batch), in runs of random length:
 * every record arrives, in order, intact, and no poll() sleeps through one.
 */
static void doorbell_alternating(void)
{
	const uint64_t n = 1000 * 1000;
	struct lipc_ring *c;
	struct iovec v[16];
	uint32_t rnd = 7;
	uint64_t seq = 0, polls = 0, empty = 0;
	const void *data;
	size_t len;
	pid_t pid;
	int fd;

	ring();
	c = open_ring(LIPC_RECV, 16 * 1024);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	pid = producer(0, n, 16 * 1024, 2000);
	while (seq < n) {
		uint64_t run;

		rnd = rnd * 1103515245u + 12345u;
		run = 1 + (rnd >> 8) % 2000;
		if (rnd & 0x10000) {
			/* Poll mode: sleep in poll(), then take what is there. */
			for (uint64_t end = seq + run; seq < end && seq < n;) {
				int got;

				wait_readable(fd);
				polls++;
				got = lipc_ring_peek_many(c, v, 1 + (rnd >> 4) % 16, 0);
				if (got < 0 && errno == EAGAIN) {
					empty++; /* the producer's attach, or a ring raced */
					continue;
				}
				if (got <= 0)
					check_fail(__FILE__, __LINE__, "record %llu: %d %s",
						   (unsigned long long)seq, got, strerror(errno));
				for (int i = 0; i < got; i++)
					check_record(v[i].iov_base, v[i].iov_len, seq++);
				CHECK_SYS(lipc_ring_release(c));
			}
		} else if (rnd & 0x20000) {
			for (uint64_t end = seq + run; seq < end && seq < n;) {
				int got = lipc_ring_peek_many(c, v, 16, -1);

				CHECK(got > 0);
				for (int i = 0; i < got; i++)
					check_record(v[i].iov_base, v[i].iov_len, seq++);
				CHECK_SYS(lipc_ring_release(c));
			}
		} else {
			for (uint64_t end = seq + run; seq < end && seq < n; seq++) {
				CHECK_EQ(lipc_ring_peek(c, &data, &len, -1), 1);
				check_record(data, len, seq);
				CHECK_SYS(lipc_ring_release(c));
			}
		}
	}
	wait_readable(fd); /* the end of the stream rings too */
	CHECK_EQ(lipc_ring_peek(c, &data, &len, 0), 0);
	DUE(fd, false);
	CHECK_EQ(check_wait(pid), 0);
	/* Spurious wake-ups are allowed, not many: one per producer attach, or a lost race. */
	CHECK(empty * 10 <= polls + 10);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* Is pid asleep in poll() (ppoll() where the architecture has no poll system call)? */
static bool asleep_in_poll(pid_t pid)
{
#ifdef SYS_poll
	if (check_asleep_in(pid, SYS_poll, NULL))
		return true;
#endif
	return check_asleep_in(pid, SYS_ppoll, NULL);
}

/*
 * A producer SIGKILLed while the consumer sleeps in poll(): the kernel wakes it (the producer's
 * pidfd in the set), and the receive reports ECONNRESET. A producer that attaches while the
 * consumer waits is watched too (it rings once as it attaches), and the bell works for it.
 */
static void doorbell_producer_killed(void)
{
	unsigned char buf[4096];
	struct lipc_ring *c;
	size_t len;
	int fd, go[2];
	pid_t pid;

	ring();
	c = open_ring(LIPC_RECV, 4096);
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	for (int round = 0; round < 3; round++) {
		uint64_t seq = 0;

		CHECK_SYS(pipe2(go, O_CLOEXEC));
		pid = check_fork();
		if (pid == 0) {
			struct lipc_ring *p = open_ring(LIPC_SEND, 0);
			char x;

			close(go[1]);
			for (uint64_t s = 0; s < 100; s++)
				CHECK_SYS(lipc_ring_push(
					p, buf, make_record(buf, s, size_of(s, 1000)), -1));
			/* Round 0: killed while the consumer sleeps in poll(); then by itself. */
			if (round == 0)
				CHECK_EQ(read(go[0], &x, 1), 0);
			raise(SIGKILL);
		}
		close(go[0]);
		while (seq < 100) {
			wait_readable(fd);
			if (lipc_ring_pop(c, buf, sizeof(buf), &len, 0) == 1)
				check_record(buf, len, seq++);
			else
				CHECK_EQ(errno, EAGAIN); /* the attach's ring */
		}
		if (round == 0) {
			/* Another process kills it once we sleep in poll(). */
			pid_t killer = check_fork();

			if (killer == 0) {
				while (!asleep_in_poll(getppid()))
					sched_yield();
				kill(pid, SIGKILL);
				_exit(0);
			}
			wait_readable(fd);
			CHECK_EQ(check_wait(killer), 0);
		} else {
			wait_readable(fd);
		}
		close(go[1]);
		CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), ECONNRESET);
		DUE(fd, false);
		CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	}
	/* And a producer that closes cleanly after them: its records, its end. */
	pid = producer(0, 1000, 0, 1000);
	for (uint64_t seq = 0; seq < 1000;) {
		wait_readable(fd);
		if (lipc_ring_pop(c, buf, sizeof(buf), &len, 0) == 1)
			check_record(buf, len, seq++);
		else
			CHECK_EQ(errno, EAGAIN);
	}
	wait_readable(fd);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 0);
	DUE(fd, false);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* The doorbell's fields of the header (struct ring_shared in src/ring.c). */
#define CONSUMER_BELL_AT 400
#define BELL_TOKEN_AT	 408
#define PRODUCER_PID_AT	 532

/*
 * A hostile header: a pid that names another process, a token that names another socket, a bell
 * armed by nobody. The worst is a spurious or a missed wake-up: the consumer's receives still
 * tell the truth, nothing crashes, and the producer rings nothing but a "lipc/bell/" name.
 */
static void doorbell_hostile_header(void)
{
	unsigned char buf[64] = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct lipc_ring *p, *c;
	_Atomic uint32_t *bell;
	_Atomic uint64_t *token;
	_Atomic int32_t *ppid;
	unsigned char *m;
	char path[PATH_MAX], x;
	int fd, mfd, stranger, hold[2];
	socklen_t salen;
	size_t len;
	pid_t other;

	ring();
	p = open_ring(LIPC_SEND, 4096);
	c = open_ring(LIPC_RECV, 4096);
	snprintf(path, sizeof(path), "/dev/shm%s", ring_name);
	mfd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(m != MAP_FAILED);
	bell = (_Atomic uint32_t *)(m + CONSUMER_BELL_AT);
	token = (_Atomic uint64_t *)(m + BELL_TOKEN_AT);
	ppid = (_Atomic int32_t *)(m + PRODUCER_PID_AT);
	CHECK_EQ(*ppid, getpid()); /* the layout this test writes */

	/* The producer's pid replaced by another live process's: the consumer watches it. */
	CHECK_SYS(pipe2(hold, O_CLOEXEC));
	other = check_fork();
	if (other == 0) {
		close(hold[1]);
		(void)!read(hold[0], &x, 1);
		_exit(0);
	}
	close(hold[0]);
	*ppid = other;
	fd = (int)CHECK_SYS(lipc_ring_fd(c));
	DUE(fd, false);
	close(hold[1]);
	CHECK_EQ(check_wait(other), 0);
	/* It died: one spurious wake-up, the lock says the producer lives, and that is all. */
	(void)readable(fd);
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
	DUE(fd, false);
	/* Pids that name nobody, or everybody: nothing to watch. */
	const int32_t pids[] = { 0, -1, INT32_MIN, INT32_MAX, 1 };
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		*ppid = pids[i];
		CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
		DUE(fd, false);
		CHECK_SYS(lipc_ring_push(p, buf, 8, 0));
		DUE(fd, true);
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
		DUE(fd, false);
	}

	/*
	 * A token overwritten after the consumer armed: the producer rings the name it reads,
	 * which is always "lipc/bell/" and 16 hex digits; the consumer misses that wake-up, and
	 * its receive finds the record all the same. Its next arming writes its own token back.
	 */
	stranger = (int)CHECK_SYS(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			    (size_t)snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
					     "lipc/bell/%016llx", 0x0123456789abcdefull));
	CHECK_SYS(bind(stranger, (struct sockaddr *)&sa, salen));
	*token = 0x0123456789abcdefull;
	CHECK_EQ(*bell, 1u); /* armed by the consumer's last receive */
	CHECK_SYS(lipc_ring_push(p, buf, 8, 0));
	CHECK_EQ(recv(stranger, &x, 1, 0), 1); /* the bell rang where the header said */
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	DUE(fd, false);
	CHECK(*token != 0x0123456789abcdefull);
	CHECK_SYS(lipc_ring_push(p, buf, 8, 0));
	DUE(fd, true);
	CHECK_ERR(recv(stranger, &x, 1, 0), EAGAIN);
	CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	/* Any token, any arming: the producer rings nobody, or a lipc bell; no crash. */
	for (uint64_t t = 1; t; t <<= 7) {
		*token = t * 0x9E3779B97F4A7C15ull;
		*bell = (uint32_t)t | 1u;
		CHECK_SYS(lipc_ring_push(p, buf, 8, 0));
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
	}
	DUE(fd, false);
	CHECK_ERR(recv(stranger, &x, 1, 0), EAGAIN);
	close(stranger);
	munmap(m, 4096);
	close(mfd);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(c));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/* shm: through the channel: a receiver's lipc_chan_fd() is exact too; a sender's is ENOTSUP. */
static void doorbell_channel(void)
{
	char addr[sizeof(ring_name) + 8];
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_msg m[8], one = LIPC_MSG_INIT;
	struct lipc_chan *tx, *rx;
	int fd;

	snprintf(addr, sizeof(addr), "shm:%s", ring());
	o.capacity = 4096;
	o.timeout_ms = 0;
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(rx != NULL);
	tx = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(tx != NULL);
	CHECK_ERR(lipc_chan_fd(tx), ENOTSUP);
	fd = (int)CHECK_SYS(lipc_chan_fd(rx));
	CHECK_EQ(lipc_chan_fd(rx), fd);
	/* The sender attached after the receiver: its attach may have rung once. */
	CHECK_ERR(lipc_chan_recv(rx, &one), EAGAIN);
	DUE(fd, false);
	CHECK_SYS(lipc_chan_send(tx, "one", 3));
	DUE(fd, true);
	CHECK_SYS(lipc_chan_send(tx, "two", 3));
	DUE(fd, true);
	CHECK_EQ(lipc_chan_recv(rx, &one), 1);
	CHECK(one.len == 3 && !memcmp(one.data, "one", 3));
	DUE(fd, true); /* "one" is held until the next receive: "two" is due */
	CHECK_EQ(lipc_chan_recv(rx, &one), 1);
	CHECK(one.len == 3 && !memcmp(one.data, "two", 3));
	DUE(fd, false);
	CHECK_ERR(lipc_chan_recv(rx, &one), EAGAIN);
	DUE(fd, false);
	for (int i = 0; i < 5; i++)
		m[i] = (struct lipc_msg){ .struct_size = sizeof(m[i]), .data = "abcde", .len = 5 };
	CHECK_EQ(lipc_chan_send_many(tx, m, 5), 5);
	DUE(fd, true);
	for (int i = 0; i < 8; i++)
		m[i] = (struct lipc_msg){ .struct_size = sizeof(m[i]) };
	CHECK_EQ(lipc_chan_recv_many(rx, m, 3), 3);
	DUE(fd, true);
	CHECK_EQ(lipc_chan_recv_many(rx, m, 8), 2);
	DUE(fd, false);
	CHECK_ERR(lipc_chan_recv_many(rx, m, 8), EAGAIN);
	DUE(fd, false);
	CHECK_SYS(lipc_chan_close(tx));
	DUE(fd, true);
	CHECK_EQ(lipc_chan_recv(rx, &one), 0);
	DUE(fd, false);
	CHECK_SYS(lipc_chan_close(rx));
	CHECK_SYS(lipc_ring_unlink(ring_name));
}

/*
 * A header's seq word that nobody rewrote since an earlier lap: lap 0 leaves a header at offset
 * 1024 (seq 1025, 0x401); lap 1 writes a record across it whose payload's last two bytes are the
 * low bytes of 9216 + 1, so the word reads 0x2401; lap 2 brings the consumer to 9216 with nothing
 * after it. The word spells a record published there, which no producer wrote: the consumer
 * must see nothing (EAGAIN), by one record and by a batch, then the next record pushed, whole.
 */
static void stale_seq_is_not_ready(void)
{
	const uint64_t o = 1024, x = 2 * 4096 + o;
	static unsigned char buf[4096];
	struct lipc_ring *p, *c;
	struct iovec iov[2];
	size_t len;

	for (int batch = 0; batch < 2; batch++) {
		size_t lens[256], n = 0, span;

		ring();
		c = open_ring(LIPC_RECV, 4096);
		p = open_ring(LIPC_SEND, 0);
		for (uint64_t at = 0; at < 4096; at += 64)
			lens[n++] = 48; /* lap 0: records of 64 bytes, a header at o */
		for (uint64_t at = 0; at + 64 < o; at += 64)
			lens[n++] = 48;
		span = n;
		lens[n++] = 64 + 10 - 16; /* across o: its payload ends 10 bytes past it */
		for (uint64_t at = o + 16; at + 64 <= 4096; at += 64)
			lens[n++] = 48;
		lens[n++] = 32; /* the end of lap 1 */
		for (uint64_t at = 0; at < o; at += 64)
			lens[n++] = 48; /* lap 2, up to o */
		for (size_t i = 0; i < n; i++) {
			memset(buf, 0, lens[i]);
			if (i == span) {
				buf[lens[i] - 2] = (unsigned char)(x + 1);
				buf[lens[i] - 1] = (unsigned char)((x + 1) >> 8);
			}
			if (batch) {
				iov[0] = (struct iovec){ .iov_base = buf, .iov_len = lens[i] };
				CHECK_EQ(lipc_ring_push_many(p, iov, 1, 0), 1);
			} else {
				CHECK_SYS(lipc_ring_push(p, buf, lens[i], 0));
			}
			CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
			CHECK_EQ(len, lens[i]);
		}
		CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EAGAIN);
		CHECK_ERR(lipc_ring_peek_many(c, iov, 2, 0), EAGAIN);
		memset(buf, 7, 100);
		CHECK_SYS(lipc_ring_push(p, buf, 100, 0));
		memset(buf, 0, 100);
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
		CHECK_EQ(len, 100);
		CHECK(buf[0] == 7 && buf[99] == 7);
		CHECK_SYS(lipc_ring_close(p));
		CHECK_SYS(lipc_ring_close(c));
		CHECK_SYS(lipc_ring_unlink(ring_name));
	}
}

CHECK_MAIN(TEST(round_trip_across_processes), TEST_T(ten_million_records, 200),
	   TEST(limits_and_timeouts), TEST(bad_arguments), TEST(not_a_ring),
	   TEST_T(producer_killed_anywhere, 120), TEST(consumer_killed),
	   TEST(producer_killed_inside_commit), TEST_T(producer_woken_for_room, 60),
	   TEST_T(round_trips_never_lose_a_wakeup, 120), TEST(other_version_is_refused),
	   TEST(modes_are_kept), TEST_T(corruption_is_an_error, 200),
	   TEST(misaligned_position_is_refused), TEST(stale_seq_is_not_ready),
	   TEST(full_dev_shm_is_enospc), TEST(channel_traffic), TEST(through_the_cli),
	   TEST(join_policy), TEST(read_locks_fake_no_peer), TEST(truncated_to_zero),
	   TEST(truncated_through_the_data), TEST(other_sigbus_is_not_ours),
	   TEST_T(batches_across_processes, 300), TEST(batch_calls),
	   TEST(consumer_killed_holding_a_batch), TEST_T(producer_killed_in_a_batch, 120),
	   TEST(producer_killed_before_head), TEST(corrupt_record_in_a_batch),
	   TEST_T(channel_batches, 120), TEST(doorbell_is_exact), TEST(doorbell_descriptor),
	   TEST(child_closes_inherited), TEST(roles_freed_in_one_process),
	   TEST_T(doorbell_alternating, 300), TEST_T(doorbell_producer_killed, 120),
	   TEST(doorbell_hostile_header), TEST(doorbell_channel))
