/* SPDX-License-Identifier: MIT */
/* Anonymous pipes: round trips, end of file, SIGPIPE, PIPE_BUF atomicity, packets, capacity. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "lipc/pipe.h"

static void round_trip_parent_child(void)
{
	int down[2], up[2];
	char buf[32];
	pid_t pid;

	CHECK_SYS(lipc_pipe_open(down, 0));
	CHECK_SYS(lipc_pipe_open(up, 0));
	CHECK(fcntl(down[0], F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(up[1], F_GETFD) & FD_CLOEXEC);
	pid = check_fork();
	if (pid == 0) {
		ssize_t n;

		close(down[1]);
		close(up[0]);
		n = CHECK_SYS(read(down[0], buf, sizeof(buf)));
		for (ssize_t i = 0; i < n; i++)
			buf[i] = (char)(buf[i] - 'a' + 'A');
		CHECK_EQ(lipc__write_full(up[1], buf, (size_t)n), n);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	CHECK_EQ(lipc__write_full(down[1], "ping", 4), 4);
	CHECK_EQ(lipc__read_full(up[0], buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "PING", 4));
	CHECK_EQ(check_wait(pid), 0);
	close(down[1]);
	close(up[0]);
}

/* End of file comes only when the last write end, in any process, is closed. */
static void eof_after_last_writer(void)
{
	int p[2], hold[2];
	struct pollfd pfd;
	char c;
	pid_t pid;

	CHECK_SYS(lipc_pipe_open(p, 0));
	CHECK_SYS(lipc_pipe_open(hold, 0));
	pid = check_fork();
	if (pid == 0) {
		/* Keeps its copy of p's write end until the parent closes hold. */
		close(p[0]);
		close(hold[1]);
		CHECK_EQ(read(hold[0], &c, 1), 0);
		_exit(0);
	}
	close(hold[0]);
	close(p[1]);
	/* Our write end is closed, the child's is not: no end of file yet, and nothing to read. */
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	close(hold[1]); /* the child exits, closing the last write end */
	CHECK_EQ(read(p[0], &c, 1), 0);
	CHECK_EQ(check_wait(pid), 0);
	close(p[0]);
}

static void epipe_and_sigpipe(void)
{
	int p[2];
	pid_t pid;

	CHECK_SYS(lipc_pipe_open(p, 0));
	close(p[0]);
	pid = check_fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		(void)!write(p[1], "x", 1);
		_exit(0); /* not reached: SIGPIPE kills the writer */
	}
	CHECK_EQ(check_wait(pid), 128 + SIGPIPE);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	close(p[1]);
}

/* 4 writers x 10,000 records of PIPE_BUF bytes: no record torn, none lost, each writer in order. */
#define WRITERS 4
#define RECORDS 10000

static unsigned char fill_byte(uint32_t writer, uint32_t seq, size_t i)
{
	return (unsigned char)(writer * 131 + seq * 7 + i);
}

static void pipe_buf_atomic(void)
{
	static unsigned char rec[PIPE_BUF];
	uint32_t next[WRITERS] = { 0 };
	pid_t pids[WRITERS];
	int p[2];

	CHECK_SYS(lipc_pipe_open(p, 0));
	for (uint32_t w = 0; w < WRITERS; w++) {
		pids[w] = check_fork();
		if (pids[w] == 0) {
			close(p[0]);
			for (uint32_t seq = 0; seq < RECORDS; seq++) {
				memcpy(rec, &w, 4);
				memcpy(rec + 4, &seq, 4);
				for (size_t i = 8; i < PIPE_BUF; i++)
					rec[i] = fill_byte(w, seq, i);
				/* One write() of exactly PIPE_BUF bytes: atomic, never partial. */
				CHECK_EQ(write(p[1], rec, PIPE_BUF), PIPE_BUF);
			}
			_exit(0);
		}
	}
	close(p[1]);
	for (long total = 0;; total++) {
		ssize_t n = lipc__read_full(p[0], rec, PIPE_BUF);
		uint32_t w, seq;

		if (n == 0) {
			CHECK_EQ(total, WRITERS * RECORDS);
			break;
		}
		CHECK_EQ(n, PIPE_BUF);
		memcpy(&w, rec, 4);
		memcpy(&seq, rec + 4, 4);
		CHECK(w < WRITERS);
		CHECK_EQ(seq, next[w]);
		for (size_t i = 8; i < PIPE_BUF; i++)
			if (rec[i] != fill_byte(w, seq, i))
				check_fail(__FILE__, __LINE__,
					   "record %u of writer %u torn at byte %zu", seq, w, i);
		next[w]++;
	}
	for (int w = 0; w < WRITERS; w++) {
		CHECK_EQ(next[w], RECORDS);
		CHECK_EQ(check_wait(pids[w]), 0);
	}
	close(p[0]);
}

/*
 * O_DIRECT: each write of up to a page (PIPE_BUF, 4096 bytes, on x86-64) is one packet, and each
 * read returns one packet, never more. A larger write is split into several packets.
 */
static void packet_mode_keeps_boundaries(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char buf[65536], *big;
	int p[2];

	if (lipc_pipe_open(p, O_DIRECT) < 0) {
		if (errno == EINVAL)
			CHECK_SKIP("O_DIRECT pipes need Linux 3.4");
		CHECK_SYS(-1);
	}
	CHECK_EQ(write(p[1], "a", 1), 1);
	CHECK_EQ(write(p[1], "bb", 2), 2);
	CHECK_EQ(write(p[1], "ccc", 3), 3);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "ccc", 3));

	/* A write larger than a page arrives as one packet per page, and the rest. */
	CHECK(page >= PIPE_BUF && page <= sizeof(buf));
	big = malloc(3 * page + 100);
	CHECK(big != NULL);
	memset(big, 'x', 3 * page + 100);
	CHECK_EQ(write(p[1], big, 3 * page + 100), 3 * page + 100);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(read(p[0], buf, sizeof(buf)), page);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 100);
	free(big);

	/* The trap: a read shorter than the packet discards the rest of it. */
	CHECK_EQ(write(p[1], "12345", 5), 5);
	CHECK_EQ(write(p[1], "next", 4), 4);
	CHECK_EQ(read(p[0], buf, 2), 2);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "next", 4));
	lipc_pipe_close(p);
	CHECK_EQ(p[0], -1);
}

/* Count how many bytes a non-blocking write end takes before EAGAIN. */
static long fill_until_full(int fd)
{
	static const char chunk[4096];
	long total = 0;

	for (;;) {
		ssize_t n = write(fd, chunk, sizeof(chunk));

		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			return total;
		}
		total += n;
	}
}

static void capacity_grows(void)
{
	long cap, want = 1L << 20;
	int p[2];

	CHECK_SYS(lipc_pipe_open(p, O_NONBLOCK));
	cap = CHECK_SYS(lipc_pipe_capacity(p[0]));
	CHECK_EQ(cap, 16 * sysconf(_SC_PAGESIZE)); /* the default: 16 pages */
	CHECK_EQ(fill_until_full(p[1]), cap);

	/* Shrinking below what it holds is refused. */
	CHECK_ERR(lipc_pipe_set_capacity(p[0], cap / 4), EBUSY);
	CHECK_ERR(lipc_pipe_set_capacity(p[0], 0), EINVAL);
	CHECK_ERR(lipc_pipe_set_capacity(p[0], -1), EINVAL);

	CHECK(CHECK_SYS(lipc_pipe_set_capacity(p[1], want)) >= want);
	CHECK_EQ(lipc_pipe_capacity(p[0]), lipc_pipe_set_capacity(p[1], want));
	CHECK_EQ(cap + fill_until_full(p[1]), lipc_pipe_capacity(p[1]));
	lipc_pipe_close(p);
}

static void open_rejects_unknown_flags(void)
{
	int p[2];

	CHECK_ERR(lipc_pipe_open(p, O_APPEND), EINVAL);
}

static void spawn_filter(void)
{
	char tr[] = "tr", from[] = "a-z", to[] = "A-Z";
	char *argv[] = { tr, from, to, NULL };
	struct lipc_child c = LIPC_CHILD_INIT;
	char buf[64];

	CHECK_SYS(lipc_pipe_spawn(&c, argv, LIPC_CHILD_STDIN | LIPC_CHILD_STDOUT));
	CHECK(c.pid > 0);
	CHECK_EQ(lipc__write_full(c.to_child, "hello, pipe\n", 12), 12);
	close(c.to_child); /* tr sees end of file and finishes */
	c.to_child = -1;
	CHECK_EQ(lipc__read_full(c.from_child, buf, sizeof(buf)), 12);
	CHECK(!memcmp(buf, "HELLO, PIPE\n", 12));
	CHECK_EQ(lipc_pipe_wait(&c), 0);
}

/* "pipe:[INODE]", as /proc/PID/fd shows a pipe. */
static char *pipe_name(int fd, char *buf, size_t size)
{
	struct stat st;

	CHECK_SYS(fstat(fd, &st));
	snprintf(buf, size, "pipe:[%lu]", (unsigned long)st.st_ino);
	return buf;
}

/* The child gets its stdout pipe as fd 1, and none of our other descriptors. */
static void spawn_leaks_no_descriptor(void)
{
	char ls[] = "ls", opt[] = "-l", dir[] = "/proc/self/fd";
	char *argv[] = { ls, opt, dir, NULL };
	char buf[8192] = { 0 }, extra_name[64], out_name[64], *first;
	struct lipc_child c = LIPC_CHILD_INIT;
	int extra[2];

	CHECK_SYS(lipc_pipe_open(extra, 0));
	CHECK_SYS(lipc_pipe_spawn(&c, argv, LIPC_CHILD_STDOUT));
	CHECK(lipc__read_full(c.from_child, buf, sizeof(buf) - 1) > 0);
	/* Our other pipe is not there at all; the output pipe only once, as standard output. */
	CHECK(!strstr(buf, pipe_name(extra[0], extra_name, sizeof(extra_name))));
	first = strstr(buf, pipe_name(c.from_child, out_name, sizeof(out_name)));
	CHECK(first != NULL);
	CHECK(!strstr(first + 1, out_name));
	CHECK(first - buf >= 6 && !strncmp(first - 6, " 1 -> ", 6));
	CHECK_EQ(lipc_pipe_wait(&c), 0);
	lipc_pipe_close(extra);
}

static void spawn_missing_program(void)
{
	char missing[] = "lipc-no-such-program";
	char *argv[] = { missing, NULL };
	char *empty[] = { NULL };
	struct lipc_child c = LIPC_CHILD_INIT;

	CHECK_ERR(lipc_pipe_spawn(&c, argv, LIPC_CHILD_STDOUT), ENOENT);
	CHECK_EQ(c.from_child, -1);
	CHECK_ERR(lipc_pipe_spawn(&c, empty, 0), EINVAL);
	CHECK_ERR(lipc_pipe_spawn(&c, argv, 0x100), EINVAL);
}

CHECK_MAIN(TEST(round_trip_parent_child), TEST(eof_after_last_writer), TEST(epipe_and_sigpipe),
	   TEST_T(pipe_buf_atomic, 120), TEST(packet_mode_keeps_boundaries), TEST(capacity_grows),
	   TEST(open_rejects_unknown_flags), TEST(spawn_filter), TEST(spawn_leaks_no_descriptor),
	   TEST(spawn_missing_program))
