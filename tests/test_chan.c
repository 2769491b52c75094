/* SPDX-License-Identifier: MIT */
/* The channel: addresses, and the fifo: transport with lines and frames, across processes. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lipc/chan.h"
#include "lipc/fifo.h"
#include "lipc/pipe.h"

static char addr_buf[PATH_MAX + 8];

/* "fifo:$LIPC_TEST_DIR/lipc-test-PID-what" */
static const char *fifo_addr(const char *what)
{
	char path[PATH_MAX];

	snprintf(addr_buf, sizeof(addr_buf), "fifo:%s", check_path(path, sizeof(path), what));
	return addr_buf;
}

static void addresses(void)
{
	static char long_addr[PATH_MAX + 16];
	struct lipc_addr a = LIPC_ADDR_INIT;

	CHECK_SYS(lipc_addr_parse(&a, "fifo:/tmp/x"));
	CHECK_EQ(a.scheme, LIPC_SCHEME_FIFO);
	CHECK_STR(a.path, "/tmp/x");
	CHECK_SYS(lipc_addr_parse(&a, "fifo:relative/x:y"));
	CHECK_STR(a.path, "relative/x:y");
	CHECK_ERR(lipc_addr_parse(&a, "fifo:"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "fifo"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, ":/tmp/x"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, ""), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "nope:/tmp/x"), EPROTONOSUPPORT);
	CHECK_ERR(lipc_addr_parse(&a, "FIFO:/tmp/x"), EPROTONOSUPPORT);
	memcpy(long_addr, "fifo:", 5);
	memset(long_addr + 5, 'a', PATH_MAX);
	CHECK_ERR(lipc_addr_parse(&a, long_addr), ENAMETOOLONG);
	CHECK_CONTAINS(lipc_addr_schemes(), "fifo");
	CHECK_STR(lipc_addr_strerror(&a, ENXIO), "no process has the FIFO open for reading");
	CHECK_STR(lipc_addr_strerror(&a, ENOENT), strerror(ENOENT));
}

static void open_refuses_bad_arguments(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;

	CHECK(!lipc_chan_open(fifo_addr("f"), 3, NULL) && errno == EINVAL);
	o.flags = 0x100;
	CHECK(!lipc_chan_open(fifo_addr("f"), LIPC_RECV, &o) && errno == EINVAL);
	o.flags = 0;
	o.timeout_ms = -2;
	CHECK(!lipc_chan_open(fifo_addr("f"), LIPC_RECV, &o) && errno == EINVAL);
	CHECK(!lipc_chan_open("nope:x", LIPC_RECV, NULL) && errno == EPROTONOSUPPORT);
}

/* A sender process sends msgs[0..n) with opts; returns its pid. */
static pid_t sender(const char *addr, const struct lipc_chan_opts *o, const char *const *msgs,
		    size_t n)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_chan *c = lipc_chan_open(addr, LIPC_SEND, o);

		CHECK(c != NULL);
		for (size_t i = 0; i < n; i++)
			CHECK_SYS(lipc_chan_send(c, msgs[i], strlen(msgs[i])));
		CHECK_SYS(lipc_chan_close(c));
		_exit(0);
	}
	return pid;
}

static void expect(struct lipc_chan *c, const char *text)
{
	struct lipc_msg m = LIPC_MSG_INIT;

	CHECK_EQ(lipc_chan_recv(c, &m), 1);
	CHECK_EQ(m.len, strlen(text));
	CHECK(!memcmp(m.data, text, m.len));
}

static void fifo_round_trip(void)
{
	static const char *const msgs[] = { "hello", "", "three words here" };
	const char *addr = fifo_addr("fifo");
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	pid_t pid = sender(addr, NULL, msgs, 3);

	c = lipc_chan_open(addr, LIPC_RECV, NULL);
	CHECK(c != NULL);
	for (int i = 0; i < 3; i++)
		expect(c, msgs[i]);
	CHECK_EQ(lipc_chan_recv(c, &m), 0); /* every sender gone: end of stream */
	CHECK_EQ(lipc_chan_recv(c, &m), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_chan_close(c));
}

/* 100,000 messages through a FIFO, as lines and as binary frames. */
static void hundred_thousand_lines(void)
{
	struct check_traffic t = { .address = fifo_addr("fifo"),
				   .opts = LIPC_CHAN_OPTS_INIT,
				   .count = 100000,
				   .max_body = 200,
				   .stream_end = true };

	check_traffic(&t);
}

static void hundred_thousand_frames(void)
{
	struct check_traffic t = { .address = fifo_addr("fifo"),
				   .opts = LIPC_CHAN_OPTS_INIT,
				   .count = 100000,
				   .max_body = 2000,
				   .binary = true,
				   .stream_end = true };

	t.opts.flags = LIPC_CHAN_FRAMED;
	check_traffic(&t);
}

/* A newline would split a message at the receiver, so line mode refuses it, sending nothing. */
static void newline_refused_in_line_mode(void)
{
	int p[2];
	struct lipc_chan *tx, *rx;

	CHECK_SYS(lipc_pipe_open(p, 0));
	tx = lipc_chan_open_fd(p[1], LIPC_SEND, NULL);
	rx = lipc_chan_open_fd(p[0], LIPC_RECV, NULL);
	CHECK(tx && rx);
	CHECK_ERR(lipc_chan_send(tx, "two\nlines", 9), EINVAL);
	CHECK_SYS(lipc_chan_send(tx, "whole", 5));
	CHECK_SYS(lipc_chan_close(tx));
	expect(rx, "whole");
	CHECK_SYS(lipc_chan_close(rx));
}

static void framed_carries_any_byte(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	static const char bin[] = "a\nb\0c\r\n";
	struct lipc_chan *tx, *rx;
	struct lipc_msg m = LIPC_MSG_INIT;
	int p[2];

	o.flags = LIPC_CHAN_FRAMED;
	CHECK_SYS(lipc_pipe_open(p, 0));
	tx = lipc_chan_open_fd(p[1], LIPC_SEND, &o);
	rx = lipc_chan_open_fd(p[0], LIPC_RECV, &o);
	CHECK(tx && rx);
	CHECK_SYS(lipc_chan_send(tx, bin, sizeof(bin)));
	CHECK_SYS(lipc_chan_send(tx, "", 0));
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK_EQ(m.len, sizeof(bin));
	CHECK(!memcmp(m.data, bin, sizeof(bin)));
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK_EQ(m.len, 0);
	CHECK_EQ(lipc_chan_recv(rx, &m), 0);
	CHECK_SYS(lipc_chan_close(rx));
}

/* A channel reading what another program wrote raw into the pipe. */
static struct lipc_chan *reader_of(const char *raw, size_t len, const struct lipc_chan_opts *o)
{
	struct lipc_chan *rx;
	int p[2];

	CHECK_SYS(lipc_pipe_open(p, 0));
	CHECK_EQ(write(p[1], raw, len), len);
	close(p[1]);
	rx = lipc_chan_open_fd(p[0], LIPC_RECV, o);
	CHECK(rx != NULL);
	return rx;
}

/* "printf 'a\nlast' > fifo": the last line has no newline and is still a message. */
static void last_line_without_newline(void)
{
	struct lipc_chan *rx = reader_of("a\nlast", 6, NULL);
	struct lipc_msg m = LIPC_MSG_INIT;

	expect(rx, "a");
	expect(rx, "last");
	CHECK_EQ(lipc_chan_recv(rx, &m), 0);
	CHECK_SYS(lipc_chan_close(rx));
}

static void oversize_line_is_refused(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *rx;
	struct lipc_msg m = LIPC_MSG_INIT;

	o.max_msg = 8;
	rx = reader_of("12345678\n123456789\nok\n", 22, &o);
	expect(rx, "12345678");
	CHECK_ERR(lipc_chan_recv(rx, &m), EMSGSIZE);
	CHECK_ERR(lipc_chan_recv(rx, &m), EMSGSIZE); /* the stream lost its place: sticky */
	CHECK_SYS(lipc_chan_close(rx));
}

/* A hostile length is refused before any allocation; a cut frame is a protocol error. */
static void bad_frames(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *rx;
	struct lipc_msg m = LIPC_MSG_INIT;

	o.flags = LIPC_CHAN_FRAMED;
	rx = reader_of("\xff\xff\xff\xff"
		       "abc",
		       7, &o);
	CHECK_ERR(lipc_chan_recv(rx, &m), EMSGSIZE);
	CHECK_SYS(lipc_chan_close(rx));

	rx = reader_of("\0\0\0\x02hi\0\0\0\x0a"
		       "abc",
		       13, &o);
	expect(rx, "hi");
	CHECK_ERR(lipc_chan_recv(rx, &m), EPROTO);
	CHECK_ERR(lipc_chan_recv(rx, &m), EPROTO);
	CHECK_SYS(lipc_chan_close(rx));

	rx = reader_of("\0\0", 2, &o);
	CHECK_ERR(lipc_chan_recv(rx, &m), EPROTO);
	CHECK_SYS(lipc_chan_close(rx));
}

/*
 * Found by the fuzzer (tests/fuzz/fuzz_stream.c): max_msg SIZE_MAX, "no limit", made the read
 * limit max_msg + 1 wrap to 0, so a line-mode stream read nothing and reported its end at once
 * (the messages were lost), and a framed one failed with EPROTO.
 */
static void max_msg_without_limit(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *rx;
	struct lipc_msg m = LIPC_MSG_INIT;

	o.max_msg = SIZE_MAX;
	rx = reader_of("one\ntwo\n", 8, &o);
	expect(rx, "one");
	expect(rx, "two");
	CHECK_EQ(lipc_chan_recv(rx, &m), 0);
	CHECK_SYS(lipc_chan_close(rx));

	for (size_t max = SIZE_MAX - 4; max != 0; max++) {
		o.flags = LIPC_CHAN_FRAMED;
		o.max_msg = max;
		rx = reader_of("\0\0\0\x02hi", 6, &o);
		expect(rx, "hi");
		CHECK_EQ(lipc_chan_recv(rx, &m), 0);
		CHECK_SYS(lipc_chan_close(rx));
	}
}

/* A message near max_msg makes the buffer grow past its first size. */
static void large_message(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	const size_t len = LIPC_MSG_MAX_DEFAULT;
	const char *addr = fifo_addr("fifo");
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	char *big = malloc(len);
	pid_t pid;

	CHECK(big != NULL);
	for (size_t i = 0; i < len; i++)
		big[i] = (char)('a' + i % 26);
	o.flags = LIPC_CHAN_FRAMED;
	pid = check_fork();
	if (pid == 0) {
		c = lipc_chan_open(addr, LIPC_SEND, &o);
		CHECK(c != NULL);
		CHECK_SYS(lipc_chan_send(c, big, len));
		CHECK_SYS(lipc_chan_send(c, big, len));
		CHECK_SYS(lipc_chan_close(c));
		_exit(0);
	}
	c = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(c != NULL);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(lipc_chan_recv(c, &m), 1);
		CHECK_EQ(m.len, len);
		CHECK(!memcmp(m.data, big, len));
	}
	CHECK_EQ(lipc_chan_recv(c, &m), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_chan_close(c));
	free(big);
}

static void recv_times_out(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	const char *addr = fifo_addr("fifo");
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	int p[2];

	/* Nobody opens the other end: the open itself runs out of time. */
	o.timeout_ms = 50;
	CHECK(!lipc_chan_open(addr, LIPC_RECV, &o) && errno == ETIMEDOUT);
	CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == ETIMEDOUT);

	/* A silent writer: each wait runs out. */
	CHECK_SYS(lipc_pipe_open(p, 0));
	c = lipc_chan_open_fd(p[0], LIPC_RECV, &o);
	CHECK(c != NULL);
	CHECK_ERR(lipc_chan_recv(c, &m), ETIMEDOUT);
	CHECK_SYS(lipc_chan_set_timeout(c, 0));
	CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
	CHECK_ERR(lipc_chan_set_timeout(c, -5), EINVAL);
	CHECK_SYS(lipc_chan_close(c));
	close(p[1]);
}

/* With a timeout of 0, a FIFO with no writer yet is "nothing yet", not end of stream. */
static void nonblocking_recv_before_any_writer(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;

	o.timeout_ms = 0;
	c = lipc_chan_open(fifo_addr("fifo"), LIPC_RECV, &o);
	CHECK(c != NULL);
	CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
	CHECK_SYS(lipc_chan_close(c));
}

/* A full pipe and a receiver that takes nothing: a timed send gives up. */
static void send_times_out(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	static char chunk[1000];
	struct lipc_chan *c;
	int p[2], r;

	memset(chunk, 'x', sizeof(chunk));
	o.timeout_ms = 20;
	CHECK_SYS(lipc_pipe_open(p, 0));
	c = lipc_chan_open_fd(p[1], LIPC_SEND, &o);
	CHECK(c != NULL);
	while ((r = lipc_chan_send(c, chunk, sizeof(chunk))) == 0)
		;
	CHECK_EQ(errno, ETIMEDOUT);
	CHECK_SYS(lipc_chan_close(c));
	close(p[0]);
}

static void send_to_closed_reader_is_epipe(void)
{
	struct lipc_chan *c;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	CHECK_SYS(lipc_pipe_open(p, 0));
	close(p[0]);
	c = lipc_chan_open_fd(p[1], LIPC_SEND, NULL);
	CHECK(c != NULL);
	CHECK_ERR(lipc_chan_send(c, "x", 1), EPIPE);
	CHECK_SYS(lipc_chan_close(c));
}

static void wrong_direction(void)
{
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	int p[2];

	CHECK_SYS(lipc_pipe_open(p, 0));
	c = lipc_chan_open_fd(p[0], LIPC_RECV, NULL);
	CHECK(c != NULL);
	CHECK_ERR(lipc_chan_send(c, "x", 1), EBADF);
	CHECK_SYS(lipc_chan_close(c));
	c = lipc_chan_open_fd(p[1], LIPC_SEND, NULL);
	CHECK(c != NULL);
	CHECK_ERR(lipc_chan_recv(c, &m), EBADF);
	CHECK_SYS(lipc_chan_close(c));
}

/* The end that created the FIFO removes it; a FIFO someone else made stays. */
static void creator_removes_fifo(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	char path[PATH_MAX];
	struct lipc_chan *c;
	struct stat st;
	mode_t mask = umask(022);

	umask(mask);
	check_path(path, sizeof(path), "fifo");
	o.timeout_ms = 0;
	o.on_create = check_created;
	o.on_create_arg = path;
	c = lipc_chan_open(fifo_addr("fifo"), LIPC_RECV, &o);
	CHECK(c != NULL);
	CHECK_EQ(check_created_calls, 1);
	CHECK_SYS(lstat(path, &st));
	CHECK_EQ(st.st_mode & 0777, 0600 & ~mask);
	/* A child that inherited the channel and closes its copy leaves the FIFO to its creator. */
	if (check_fork() == 0) {
		CHECK_SYS(lipc_chan_close(c));
		_exit(0);
	}
	CHECK_EQ(check_wait(-1), 0);
	CHECK_SYS(lstat(path, &st));
	CHECK_SYS(lipc_chan_close(c));
	CHECK_ERR(lstat(path, &st), ENOENT);

	CHECK_SYS(mkfifo(path, 0600));
	c = lipc_chan_open(fifo_addr("fifo"), LIPC_RECV, &o);
	CHECK(c != NULL);
	CHECK_EQ(check_created_calls, 1);
	CHECK_SYS(lipc_chan_close(c));
	CHECK_SYS(lstat(path, &st));
	CHECK_SYS(unlink(path));

	/* A timed-out open removes what it created. */
	o.timeout_ms = 10;
	CHECK(!lipc_chan_open(fifo_addr("fifo"), LIPC_SEND, &o) && errno == ETIMEDOUT);
	CHECK_ERR(lstat(path, &st), ENOENT);
}

static void open_fifo_errors(void)
{
	char path[PATH_MAX], addr[PATH_MAX + 8];
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;

	check_path(path, sizeof(path), "file");
	close((int)CHECK_SYS(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	snprintf(addr, sizeof(addr), "fifo:%s", path);
	CHECK(!lipc_chan_open(addr, LIPC_RECV, NULL) && errno == EEXIST);
	CHECK_SYS(unlink(path));
	CHECK(!lipc_chan_open(fifo_addr("no-dir/f"), LIPC_RECV, NULL) && errno == ENOENT);

	/* Sending with no reader and no wait: ENXIO, and the FIFO made for it is gone again. */
	o.timeout_ms = 0;
	CHECK(!lipc_chan_open(fifo_addr("fifo"), LIPC_SEND, &o) && errno == ENXIO);
	check_path(path, sizeof(path), "fifo");
	CHECK_ERR(access(path, F_OK), ENOENT);
}

/* With LIPC_CHAN_KEEP, a FIFO receiver goes on after its sender leaves, and meets the next one. */
static void keep_receiving_across_senders(void)
{
	static const char *const first[] = { "one" }, *const second[] = { "two" };
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	const char *addr = fifo_addr("fifo");
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	pid_t pid;

	o.flags = LIPC_CHAN_KEEP;
	c = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(c != NULL);
	pid = sender(addr, NULL, first, 1);
	expect(c, "one");
	CHECK_EQ(check_wait(pid), 0); /* the sender is gone: without KEEP, this is the end */
	pid = sender(addr, NULL, second, 1);
	expect(c, "two");
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_chan_set_timeout(c, 0));
	CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN); /* no end of stream, just nothing yet */
	CHECK_SYS(lipc_chan_close(c));
}

/* A socket end is written with MSG_NOSIGNAL: a gone peer is EPIPE, and SIGPIPE never comes. */
static void socket_peer_gone_is_epipe_without_sigpipe(void)
{
	struct lipc_chan *c;
	int sv[2];

	signal(SIGPIPE, SIG_DFL);
	CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	close(sv[1]);
	c = lipc_chan_open_fd(sv[0], LIPC_SEND, NULL);
	CHECK(c != NULL);
	CHECK_ERR(lipc_chan_send(c, "x", 1), EPIPE);
	CHECK_SYS(lipc_chan_close(c));
}

/* On a stream, priority and type mean nothing; the accessors answer for every channel. */
static void sendmsg_and_accessors(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_msg m = { .struct_size = sizeof(struct lipc_msg),
			      .data = "prio",
			      .len = 4,
			      .has = LIPC_MSG_PRIORITY,
			      .priority = 7 };
	struct lipc_chan *tx, *rx;
	char buf[64];
	int p[2];

	o.max_msg = 100;
	CHECK_SYS(lipc_pipe_open(p, 0));
	tx = lipc_chan_open_fd(p[1], LIPC_SEND, NULL);
	rx = lipc_chan_open_fd(p[0], LIPC_RECV, &o);
	CHECK(tx && rx);
	CHECK_EQ(lipc_chan_max_msg(rx), 100);
	CHECK_EQ(lipc_chan_max_msg(tx), LIPC_MSG_MAX_DEFAULT);
	CHECK_ERR(lipc_chan_address(rx, buf, sizeof(buf)), ENOTSUP);
	CHECK_SYS(lipc_chan_sendmsg(tx, &m));
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK_EQ(m.has, 0);
	CHECK_EQ(m.len, 4);
	CHECK_SYS(lipc_chan_close(rx));

	o.flags = 0x100;
	CHECK(!lipc_chan_open_fd(-1, LIPC_RECV, &o) && errno == EINVAL);
	o.flags = 0;
	{
		int sv[2], before = check_open_fds();

		CHECK_SYS(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
		CHECK(!lipc_chan_open_fd(sv[0], LIPC_RECV, &o) && errno == EINVAL);
		close(sv[1]);
		CHECK_EQ(check_open_fds(), before); /* the channel closed sv[0] as promised */
	}
	o.flags = 0;
	o.max_msgs = -1;
	CHECK(!lipc_chan_open_fd(-1, LIPC_RECV, &o) && errno == EINVAL);
}

/* The batch calls on byte streams: msgs[0..n) of ordinary structs. */
static void init_msgs(struct lipc_msg *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m[i] = (struct lipc_msg)LIPC_MSG_INIT;
}

static void check_msg(const struct lipc_msg *m, const char *text)
{
	if (m->len != strlen(text) || memcmp(m->data, text, m->len))
		check_fail(__FILE__, __LINE__, "expected \"%s\", got \"%.*s\"", text, (int)m->len,
			   (const char *)m->data);
}

/*
 * A batch through a FIFO and a pipe, as lines and as frames: one send_many() arrives whole, in
 * order, in one recv_many() asked for more: the writer stays open and the receive waits for
 * ever, so a wait for more after the first would hang the test. Then EAGAIN with a timeout of
 * 0, and the end of the stream once the writer has closed.
 */
static void batch_on_fifo_and_pipe(void)
{
	static const char *const texts[] = { "one", "two", "", "four", "five", "six", "seven" };
	enum {
		N = sizeof(texts) / sizeof(texts[0])
	};

	for (int fifo = 0; fifo < 2; fifo++) {
		for (unsigned flags = 0; flags <= LIPC_CHAN_FRAMED; flags += LIPC_CHAN_FRAMED) {
			struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
			struct lipc_msg out[N], in[2 * N];
			struct lipc_chan *rx, *tx;

			o.flags = flags;
			o.timeout_ms = 0; /* the FIFO's read end opens before any writer */
			if (fifo) {
				const char *addr = fifo_addr("batch");

				rx = lipc_chan_open(addr, LIPC_RECV, &o);
				CHECK(rx != NULL);
				tx = lipc_chan_open(addr, LIPC_SEND, &o);
			} else {
				int p[2];

				CHECK_SYS(lipc_pipe_open(p, 0));
				rx = lipc_chan_open_fd(p[0], LIPC_RECV, &o);
				CHECK(rx != NULL);
				tx = lipc_chan_open_fd(p[1], LIPC_SEND, &o);
			}
			CHECK(tx != NULL);
			CHECK_SYS(lipc_chan_set_timeout(rx, -1));
			init_msgs(out, N);
			init_msgs(in, 2 * N);
			for (size_t i = 0; i < N; i++) {
				out[i].data = texts[i];
				out[i].len = strlen(texts[i]);
			}
			CHECK_EQ(lipc_chan_send_many(tx, out, N), N);
			CHECK_EQ(lipc_chan_recv_many(rx, in, 2 * N), N);
			for (size_t i = 0; i < N; i++) {
				check_msg(&in[i], texts[i]);
				CHECK_EQ(in[i].has, 0);
			}
			CHECK_SYS(lipc_chan_set_timeout(rx, 0));
			CHECK_ERR(lipc_chan_recv_many(rx, in, 2 * N), EAGAIN);
			CHECK_SYS(lipc_chan_close(tx));
			CHECK_SYS(lipc_chan_set_timeout(rx, -1));
			CHECK_EQ(lipc_chan_recv_many(rx, in, 2 * N), 0);
			CHECK_SYS(lipc_chan_close(rx));
		}
	}
}

/*
 * Every message of a batch stays valid until the next receive: after the first, a batch takes
 * only what the buffer holds, since another read would first move the unfinished message at
 * its end over the messages handed out. That message comes at the next call, as does an error
 * found after the first (the messages before a frame too long arrive, then EMSGSIZE).
 */
static void batch_takes_only_what_is_buffered(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_msg in[8];
	struct lipc_chan *rx = reader_of("one\ntwo\nthree\npart", 18, NULL);

	init_msgs(in, 8);
	CHECK_EQ(lipc_chan_recv_many(rx, in, 8), 3);
	check_msg(&in[0], "one");
	check_msg(&in[1], "two");
	check_msg(&in[2], "three");
	CHECK_EQ(lipc_chan_recv_many(rx, in, 8), 1);
	check_msg(&in[0], "part");
	CHECK_EQ(lipc_chan_recv_many(rx, in, 8), 0);
	CHECK_SYS(lipc_chan_close(rx));

	o.flags = LIPC_CHAN_FRAMED;
	o.max_msg = 8; /* and a read brings at most 12 bytes: a message and its length */
	rx = reader_of("\0\0\0\x01"
		       "a\0\0\0\x02"
		       "bb\0\0\0\x09"
		       "ccccccccc",
		       24, &o);
	CHECK_EQ(lipc_chan_recv_many(rx, in, 8), 2);
	check_msg(&in[0], "a");
	check_msg(&in[1], "bb");
	CHECK_ERR(lipc_chan_recv_many(rx, in, 8), EMSGSIZE);
	CHECK_ERR(lipc_chan_recv_many(rx, in, 8), EMSGSIZE); /* the stream lost its place */
	CHECK_SYS(lipc_chan_close(rx));
}

CHECK_MAIN(TEST(addresses), TEST(open_refuses_bad_arguments), TEST(fifo_round_trip),
	   TEST_T(hundred_thousand_lines, 120), TEST_T(hundred_thousand_frames, 120),
	   TEST(newline_refused_in_line_mode), TEST(framed_carries_any_byte),
	   TEST(last_line_without_newline), TEST(oversize_line_is_refused), TEST(bad_frames),
	   TEST(max_msg_without_limit), TEST(large_message), TEST(recv_times_out),
	   TEST(nonblocking_recv_before_any_writer), TEST(send_times_out),
	   TEST(send_to_closed_reader_is_epipe), TEST(wrong_direction), TEST(creator_removes_fifo),
	   TEST(open_fifo_errors), TEST(keep_receiving_across_senders),
	   TEST(socket_peer_gone_is_epipe_without_sigpipe), TEST(sendmsg_and_accessors),
	   TEST(batch_on_fifo_and_pipe), TEST(batch_takes_only_what_is_buffered))
