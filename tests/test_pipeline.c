/* SPDX-License-Identifier: MIT */
/*
 * The command at pipe speed, and still exact: `lipc send ADDRESS` reads its standard input in
 * blocks and sends many lines per call, `lipc recv ADDRESS` writes many messages per write().
 * For every transport, LIPC_PIPELINE_LINES (10,000,000 unless told; 1,000,000 in a sanitizer
 * build, 100,000 under a wrapper such as valgrind) numbered lines go from a writer through lipc
 * send and lipc recv, and the reader checks each line on the other side: none lost, doubled,
 * reordered or damaged. Then the edges of a batch: a line longer than every buffer, a last line
 * without a newline, a line over a queue's limit (the lines before it arrive, send says why and
 * fails), and promptness: a line sent alone reaches recv's standard output before the next is
 * written, though recv gathers messages (the reader waits for it, with no timer: only a bug makes
 * it wait for ever).
 *
 * The processes synchronise through the IPC and pipes only: a socket receiver runs with -v and
 * says "listening on ADDRESS" before the sender starts.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "lipc/msgq.h"
#include "lipc/ring.h"

static long lines(void)
{
	const char *n = getenv("LIPC_PIPELINE_LINES");

	if (n && atol(n) > 0)
		return atol(n);
	return check_wrapped() ? 100000 : CHECK_SANITIZED ? 1000000 : 10000000;
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		CHECK(errno == EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Read a line of at most size - 1 bytes from fd, a byte at a time (for stderr's first line). */
static void read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n < size - 1) {
		ssize_t r = read(fd, buf + n, 1);

		CHECK(r == 1);
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
}

/* The decimal counter the lines are: "0", "1", ... kept as text, incremented in place. */
struct counter {
	char d[24];
	size_t len;
};

static void counter_init(struct counter *c)
{
	c->d[0] = '0';
	c->len = 1;
}

static void counter_next(struct counter *c)
{
	size_t i = c->len;

	while (i > 0 && c->d[i - 1] == '9')
		c->d[--i] = '0';
	if (i == 0) {
		memmove(c->d + 1, c->d, c->len++);
		c->d[0] = '1';
	} else {
		c->d[i - 1]++;
	}
}

/* Write n numbered lines to fd, in blocks as a pipe from yes or seq brings them. */
static void write_lines(int fd, long n)
{
	static char buf[64 * 1024];
	struct counter c;
	size_t used = 0;

	counter_init(&c);
	for (long i = 0; i < n; i++) {
		if (used + sizeof(c.d) + 1 > sizeof(buf)) {
			CHECK_EQ(write(fd, buf, used), (ssize_t)used);
			used = 0;
		}
		memcpy(buf + used, c.d, c.len);
		used += c.len;
		buf[used++] = '\n';
		counter_next(&c);
	}
	CHECK_EQ(write(fd, buf, used), (ssize_t)used);
}

/* Lines read from a descriptor whole, one at a time: buf[start, end) is read and not handed out. */
struct lines_in {
	int fd;
	char buf[1 << 20]; /* the longest line a test reads, its newline included */
	size_t start, end;
};

static struct lines_in *lines_in(int fd)
{
	struct lines_in *l = calloc(1, sizeof(*l));

	CHECK(l != NULL);
	l->fd = fd;
	return l;
}

/*
 * The next line, without its newline (its length in *len), valid until the next call; NULL at
 * the end of fd, which leaves a last line without a newline in l->end - l->start bytes.
 */
static char *next_line(struct lines_in *l, size_t *len)
{
	for (;;) {
		char *p = l->buf + l->start, *nl = memchr(p, '\n', l->end - l->start);
		ssize_t r;

		if (nl) {
			*len = (size_t)(nl - p);
			l->start += *len + 1;
			return p;
		}
		memmove(l->buf, p, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
		CHECK(l->end < sizeof(l->buf)); /* a line longer than the buffer */
		r = read(l->fd, l->buf + l->end, sizeof(l->buf) - l->end);
		CHECK(r >= 0);
		if (r == 0)
			return NULL;
		l->end += (size_t)r;
	}
}

static bool is_socket(const char *addr)
{
	return !strncmp(addr, "unix", 4) || !strncmp(addr, "tcp:", 4);
}

/*
 * n numbered lines through lipc send ADDRESS | lipc recv ADDRESS, each checked in order on the
 * way out. A queue has no end of stream, so its receiver counts (-n); the others end as their
 * sender closes (unix-dgram never does: -n too).
 */
static void through(const char *address, bool counted)
{
	char count[32], where[PATH_MAX + 64], line[PATH_MAX + 100], *p;
	int out[2], err[2], in[2];
	long n = lines(), got = 0;
	struct lines_in *in_lines;
	struct counter c;
	size_t len;
	pid_t rx, tx, writer;
	bool sock = is_socket(address);

	snprintf(count, sizeof(count), "%ld", n);
	CHECK_SYS(pipe2(out, O_CLOEXEC));
	CHECK_SYS(pipe2(err, O_CLOEXEC));
	{
		const char *argv[8] = { check_lipc(), "recv" };
		int k = 2;

		if (sock)
			argv[k++] = "-v";
		if (counted) {
			argv[k++] = "-n";
			argv[k++] = count;
		}
		argv[k++] = address;
		rx = check_spawn(argv, -1, out[1], sock ? err[1] : -1);
	}
	close(out[1]);
	close(err[1]);
	snprintf(where, sizeof(where), "%s", address);
	if (sock) {
		const char *said;

		/* The receiver listens: it says where, and the sender may go. */
		read_line(err[0], line, sizeof(line));
		said = strstr(line, "listening on ");
		CHECK(said != NULL);
		snprintf(where, sizeof(where), "%s", said + strlen("listening on "));
	}
	CHECK_SYS(pipe2(in, O_CLOEXEC));
	tx = check_spawn((const char *const[]){ check_lipc(), "send", where, NULL }, in[0], -1, -1);
	close(in[0]);
	writer = check_fork();
	if (writer == 0) {
		close(out[0]);
		write_lines(in[1], n);
		_exit(0);
	}
	close(in[1]);

	/* Every line, in order: "len=N\t" first where -v was given. */
	in_lines = lines_in(out[0]);
	counter_init(&c);
	while ((p = next_line(in_lines, &len))) {
		char *text = p, *nl = p + len;

		if (sock) {
			char *tab = memchr(p, '\t', len);
			char head[32];
			size_t h = (size_t)snprintf(head, sizeof(head), "len=%zu", c.len);

			/* "len=N\t", or "len=N pid=... uid=... gid=...\t" */
			if (!tab || (size_t)(tab - p) < h || memcmp(p, head, h) ||
			    (p[h] != '\t' && p[h] != ' '))
				check_fail(__FILE__, __LINE__, "%s: line %ld: %.*s", address, got,
					   (int)len, p);
			text = tab + 1;
		}
		if ((size_t)(nl - text) != c.len || memcmp(text, c.d, c.len))
			check_fail(__FILE__, __LINE__,
				   "%s: line %ld is \"%.*s\", expected \"%.*s\"", address, got,
				   (int)(nl - text), text, (int)c.len, c.d);
		counter_next(&c);
		got++;
	}
	CHECK_EQ(in_lines->end, in_lines->start);
	free(in_lines);
	CHECK_EQ(got, n);
	CHECK_EQ(check_wait(writer), 0);
	CHECK_EQ(wait_status(tx), 0);
	/* unix-dgram never ends: its receiver counted; the others ended with their sender. */
	CHECK_EQ(wait_status(rx), 0);
	close(out[0]);
	close(err[0]);
	printf("%s: %ld lines verified\n", address, n);
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

static void pipeline_fifo(void)
{
	through(path_addr("fifo"), false);
}

static void pipeline_unix(void)
{
	through(path_addr("unix"), false);
}

static void pipeline_unix_seqpacket(void)
{
	through(path_addr("unix-seqpacket"), false);
}

static void pipeline_unix_dgram(void)
{
	through(path_addr("unix-dgram"), true);
}

static void pipeline_tcp(void)
{
	through("tcp:127.0.0.1:0", false);
}

static void pipeline_mq(void)
{
	name_addr("mq");
	through(addr, true);
	CHECK_SYS(lipc_msgq_posix_unlink(addr + 3));
}

static void pipeline_sysv_mq(void)
{
	key_t key = check_key(1);

	snprintf(addr, sizeof(addr), "sysv-mq:%d", (int)key);
	through(addr, true);
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

static void pipeline_shm(void)
{
	name_addr("shm");
	through(addr, true);
	CHECK_SYS(lipc_ring_unlink(addr + 4));
}

/* recv's output for the input given to send, through address (recv first, counting n). */
static char *one_way(const char *address, const char *input, long n, int send_status)
{
	struct check_cmd rx, tx;
	char count[32], *out;

	snprintf(count, sizeof(count), "%ld", n);
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-n", count, address));
	CHECK_EQ(check_cmd_run(&tx, input, LIPC_ARGV("send", address)), send_status);
	if (send_status == 0)
		CHECK_STR(tx.err, "");
	else
		CHECK_CONTAINS(tx.err, "over the queue's limit");
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.err, "");
	out = strdup(rx.out);
	check_cmd_free(&tx);
	check_cmd_free(&rx);
	return out;
}

/*
 * A line longer than every buffer of send and recv (256 KiB blocks, 64 KiB batches, PIPE_BUF
 * on a FIFO) between short ones, and a last line without its newline: each arrives whole.
 */
static void long_and_last_lines(void)
{
	const size_t big = 300 * 1000;
	size_t size = big + 64;
	char *input = malloc(size), *expect = malloc(size + 1), *got;
	const char *addrs[3];
	char fifo_a[PATH_MAX + 64], unix_a[PATH_MAX + 64], shm_a[PATH_MAX + 64];

	CHECK(input && expect);
	strcpy(input, "first\n");
	memset(input + 6, 'x', big);
	strcpy(input + 6 + big, "\nafter\nlast");
	snprintf(expect, size + 1, "%s\n", input);
	snprintf(fifo_a, sizeof(fifo_a), "%s", path_addr("fifo"));
	snprintf(unix_a, sizeof(unix_a), "%s", path_addr("unix"));
	snprintf(shm_a, sizeof(shm_a), "%s", name_addr("shm"));
	addrs[0] = fifo_a;
	addrs[1] = unix_a;
	addrs[2] = shm_a;
	for (size_t i = 0; i < 3; i++) {
		if (i == 1) {
			/* A socket needs its listener first: recv -v says when it listens. */
			int err[2];
			char line[PATH_MAX + 100];
			struct check_cmd tx;
			pid_t rx;
			int out = (int)CHECK_SYS(memfd_create("out", MFD_CLOEXEC));
			struct stat st;

			CHECK_SYS(pipe2(err, O_CLOEXEC));
			rx = check_spawn((const char *const[]){ check_lipc(), "recv", "-v", "-n",
								"4", addrs[i], NULL },
					 -1, out, err[1]);
			close(err[1]);
			read_line(err[0], line, sizeof(line));
			CHECK_CONTAINS(line, "listening on");
			CHECK_EQ(check_cmd_run(&tx, input, LIPC_ARGV("send", addrs[i])), 0);
			check_cmd_free(&tx);
			CHECK_EQ(wait_status(rx), 0);
			CHECK(read(err[0], line, sizeof(line)) == 0);
			close(err[0]);
			CHECK_SYS(fstat(out, &st));
			got = malloc((size_t)st.st_size + 1);
			CHECK_EQ(pread(out, got, (size_t)st.st_size, 0), st.st_size);
			got[st.st_size] = '\0';
			close(out);
			/* -v put "len=N\t" before each: take it off, checking N. */
			{
				char *r = got, *w = got;

				while (*r) {
					char *tab = strchr(r, '\t'), *nl;
					size_t len;

					CHECK(tab && sscanf(r, "len=%zu", &len) == 1);
					nl = strchr(tab + 1, '\n');
					CHECK(nl && (size_t)(nl - tab - 1) == len);
					memmove(w, tab + 1, len + 1);
					w += len + 1;
					r = nl + 1;
				}
				*w = '\0';
			}
		} else {
			got = one_way(addrs[i], input, 4, 0);
		}
		if (strcmp(got, expect))
			check_fail(__FILE__, __LINE__, "%s: %zu bytes out, %zu expected", addrs[i],
				   strlen(got), strlen(expect));
		free(got);
	}
	CHECK_SYS(lipc_ring_unlink(shm_a + 4));
	free(input);
	free(expect);
}

/* A line over a queue's limit: the lines before it arrive, then send says why and fails. */
static void line_over_the_queue_limit(void)
{
	char *input = malloc(20000), *got;

	CHECK(input != NULL);
	strcpy(input, "one\ntwo\n");
	memset(input + 8, 'y', 9000); /* over mq_msgsize, 8192 by default */
	strcpy(input + 8 + 9000, "\nthree\n");
	name_addr("mq");
	{
		const char *mq = addr;
		struct check_cmd rx, tx;

		check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-n", "2", "--msg-size", "8192", mq));
		CHECK_EQ(check_cmd_run(&tx, input, LIPC_ARGV("send", mq)), 1);
		CHECK_CONTAINS(tx.err, "over the queue's limit");
		CHECK_EQ(check_cmd_wait(&rx), 0);
		got = strdup(rx.out);
		check_cmd_free(&tx);
		check_cmd_free(&rx);
	}
	CHECK_STR(got, "one\ntwo\n");
	free(got);
	CHECK_SYS(lipc_msgq_posix_unlink(addr + 3));
	free(input);
}

/*
 * recv gathers messages, but never holds back one that came: each line written to send
 * appears on recv's standard output before the next is written. The reader blocks in read()
 * until it does; a recv that sat on it would hang the test, which the harness fails.
 */
static void prompt(const char *address, bool sock)
{
	int in[2], out[2], err[2];
	char line[PATH_MAX + 100], where[PATH_MAX + 64];
	pid_t rx, tx;

	CHECK_SYS(pipe2(out, O_CLOEXEC));
	CHECK_SYS(pipe2(err, O_CLOEXEC));
	CHECK_SYS(pipe2(in, O_CLOEXEC));
	rx = check_spawn((const char *const[]){ check_lipc(), "recv", sock ? "-v" : "-n",
						sock ? "-n" : "3", sock ? "3" : address,
						sock ? address : NULL, NULL },
			 -1, out[1], err[1]);
	close(out[1]);
	close(err[1]);
	snprintf(where, sizeof(where), "%s", address);
	/* A socket's receiver listens first, and says so (-v). */
	if (sock) {
		read_line(err[0], line, sizeof(line));
		CHECK_CONTAINS(line, "listening on");
	}
	tx = check_spawn((const char *const[]){ check_lipc(), "send", where, NULL }, in[0], -1, -1);
	close(in[0]);
	for (int i = 0; i < 3; i++) {
		char want[16];

		snprintf(want, sizeof(want), "line %d", i);
		dprintf(in[1], "%s\n", want);
		read_line(out[0], line, sizeof(line));
		/* -v: "len=6 pid=... uid=... gid=...\t" first */
		CHECK_STR(sock && strchr(line, '\t') ? strchr(line, '\t') + 1 : line, want);
		if (sock)
			CHECK(!strncmp(line, "len=6", 5));
	}
	close(in[1]);
	CHECK_EQ(wait_status(tx), 0);
	CHECK_EQ(wait_status(rx), 0);
	CHECK(read(err[0], line, sizeof(line)) == 0);
	close(out[0]);
	close(err[0]);
}

static void prompt_lines(void)
{
	char shm_a[PATH_MAX + 64];

	prompt(path_addr("fifo"), false);
	prompt(path_addr("unix"), true);
	snprintf(shm_a, sizeof(shm_a), "%s", name_addr("shm"));
	prompt(shm_a, false);
	CHECK_SYS(lipc_ring_unlink(shm_a + 4));
}

/*
 * lipc send killed (SIGKILL) in the middle of its input: what reached recv is exactly the first
 * lines, whole and in order, and recv ends cleanly. On a FIFO no line is ever cut, since a batch
 * is one write of at most PIPE_BUF bytes, which a pipe takes whole or not at all. The kill comes
 * once recv has printed some lines: the IPC itself says when.
 */
static void send_killed_mid_batch(void)
{
	const long before_kill = 100000;
	int in[2], out[2];
	pid_t rx, tx, writer;
	long got = 0;
	struct counter c;
	struct lines_in *in_lines;
	size_t len;
	char *p;
	bool killed = false;

	path_addr("fifo");
	CHECK_SYS(pipe2(out, O_CLOEXEC));
	CHECK_SYS(pipe2(in, O_CLOEXEC));
	rx = check_spawn((const char *const[]){ check_lipc(), "recv", addr, NULL }, -1, out[1], -1);
	close(out[1]);
	/* recv made the FIFO and removes it: the killed sender must not be its creator. */
	check_wait_for_path(addr + strlen("fifo:"));
	tx = check_spawn((const char *const[]){ check_lipc(), "send", addr, NULL }, in[0], -1, -1);
	close(in[0]);
	writer = check_fork();
	if (writer == 0) {
		/* Lines until send is gone (EPIPE): more than it can take before the kill. */
		struct counter w;
		char block[4096];
		size_t used = 0;

		signal(SIGPIPE, SIG_IGN);
		close(out[0]);
		counter_init(&w);
		for (;;) {
			if (used + sizeof(w.d) + 1 > sizeof(block)) {
				if (write(in[1], block, used) != (ssize_t)used)
					_exit(0);
				used = 0;
			}
			memcpy(block + used, w.d, w.len);
			used += w.len;
			block[used++] = '\n';
			counter_next(&w);
		}
	}
	close(in[1]);
	counter_init(&c);
	in_lines = lines_in(out[0]);
	while ((p = next_line(in_lines, &len))) {
		if (len != c.len || memcmp(p, c.d, c.len))
			check_fail(__FILE__, __LINE__, "line %ld is \"%.*s\", expected \"%.*s\"",
				   got, (int)len, p, (int)c.len, c.d);
		counter_next(&c);
		got++;
		if (!killed && got >= before_kill) {
			CHECK_SYS(kill(tx, SIGKILL));
			killed = true;
		}
	}
	CHECK(killed);
	CHECK_EQ(in_lines->end, in_lines->start); /* no cut line at the end */
	free(in_lines);
	CHECK_EQ(wait_status(tx), 128 + SIGKILL);
	CHECK_EQ(wait_status(rx), 0);
	CHECK_EQ(check_wait(writer), 0);
	close(out[0]);
	printf("%ld whole lines before the kill\n", got);
}

/*
 * Read numbered lines from fd to its end: each must be the one before it plus one, and the last
 * ends in a newline unless cut says it may be cut short. Returns how many whole lines there
 * were, the first in *first (-1 when none).
 */
static long read_run(int fd, long *first, bool cut)
{
	struct lines_in *in_lines = lines_in(fd);
	long got = 0;
	size_t len;
	char *p;

	*first = -1;
	while ((p = next_line(in_lines, &len))) {
		long v = strtol(p, NULL, 10);

		if (*first < 0)
			*first = v;
		if (v != *first + got)
			check_fail(__FILE__, __LINE__, "line %ld is %ld, expected %ld", got, v,
				   *first + got);
		got++;
	}
	if (!cut)
		CHECK_EQ(in_lines->end, in_lines->start);
	free(in_lines);
	return got;
}

/*
 * lipc recv shm: SIGKILLed while it holds a batch: the ring releases a batch only at the next
 * receive, after the batch was written, so the next receiver starts at or before the first line
 * the killed one did not write: nothing is lost (the lines of the batch it had written may come
 * twice). recv is killed while its standard output, a small pipe nobody reads yet, is full: it
 * is writing a batch. (Releasing records as they were gathered lost up to 64K of them.)
 */
static void recv_killed_keeps_ring_batch(void)
{
	const long n = 20000; /* 32 bytes a record: 640K, in the 1M ring */
	long first, written, again;
	int in[2], out[2], out2[2];
	pid_t tx, rx, writer;

	name_addr("shm");
	CHECK_SYS(pipe2(in, O_CLOEXEC));
	tx = check_spawn((const char *const[]){ check_lipc(), "send", addr, NULL }, in[0], -1, -1);
	close(in[0]);
	writer = check_fork();
	if (writer == 0) {
		write_lines(in[1], n);
		_exit(0);
	}
	close(in[1]);
	CHECK_EQ(check_wait(writer), 0);
	CHECK_EQ(wait_status(tx), 0); /* all n in the ring, and the end of the stream */

	CHECK_SYS(pipe2(out, O_CLOEXEC));
	/*
	 * A pipe of two pages, about a batch: recv soon waits to write. (Not one page: a pipe
	 * with all its pages in use is never writable to poll(), though a write would merge into
	 * the last, and a pipe of one page that holds a byte is full.)
	 */
	CHECK_SYS(fcntl(out[1], F_SETPIPE_SZ, 8192));
	rx = check_spawn((const char *const[]){ check_lipc(), "recv", addr, NULL }, -1, out[1], -1);
	close(out[1]);
	/*
	 * recv is killed once the pipe is half full, wherever it is then (a batch in hand, or all
	 * but written).
	 */
	for (;;) {
		int queued = 0, size = (int)CHECK_SYS(fcntl(out[0], F_GETPIPE_SZ));

		CHECK_SYS(ioctl(out[0], FIONREAD, &queued));
		if (queued >= size / 2)
			break;
		CHECK_SYS(poll(&(struct pollfd){ .fd = out[0], .events = POLLIN }, 1, 10));
	}
	CHECK_SYS(kill(rx, SIGKILL));
	CHECK_EQ(wait_status(rx), 128 + SIGKILL);
	written = read_run(out[0], &first, true); /* the kill may cut a write */
	close(out[0]);
	CHECK_EQ(first, 0);
	CHECK(written < n);

	CHECK_SYS(pipe2(out2, O_CLOEXEC));
	rx = check_spawn((const char *const[]){ check_lipc(), "recv", addr, NULL }, -1, out2[1],
			 -1);
	close(out2[1]);
	again = read_run(out2[0], &first, false);
	close(out2[0]);
	CHECK_EQ(wait_status(rx), 0);
	printf("killed after %ld lines; the next receiver began at line %ld\n", written, first);
	CHECK(first >= 0 && first <= written); /* no line lost */
	CHECK_EQ(first + again, n);	       /* and every line after it, to the last */
	CHECK_SYS(lipc_ring_unlink(addr + 4));
}

/*
 * Two lipc send at once into one FIFO, whose reader cannot keep up: each batch is one write of
 * at most PIPE_BUF bytes, which the pipe never interleaves with another writer's, so every line
 * arrives whole, and each sender's lines in order. (A larger write that blocks on a full pipe
 * lets the other writer's bytes in wherever it stopped: lines cut in two and glued.)
 */
static void two_senders_one_fifo(void)
{
	const long n = CHECK_SANITIZED || check_wrapped() ? 100000 : 1000000;
	int out[2], in[2][2];
	char count[32];
	pid_t rx, tx[2], writer[2];
	long next[2] = { 0, 0 };
	struct lines_in *in_lines;
	size_t len;
	char *p;

	path_addr("fifo");
	CHECK_SYS(pipe2(out, O_CLOEXEC));
	/* --keep: one sender done before the other comes is no end; the count is. */
	snprintf(count, sizeof(count), "%ld", 2 * n);
	rx = check_spawn(
		(const char *const[]){ check_lipc(), "recv", "--keep", "-n", count, addr, NULL },
		-1, out[1], -1);
	close(out[1]);
	check_wait_for_path(addr + strlen("fifo:"));
	for (int k = 0; k < 2; k++) {
		CHECK_SYS(pipe2(in[k], O_CLOEXEC));
		tx[k] = check_spawn((const char *const[]){ check_lipc(), "send", addr, NULL },
				    in[k][0], -1, -1);
		close(in[k][0]);
	}
	for (int k = 0; k < 2; k++) {
		writer[k] = check_fork();
		if (writer[k] == 0) {
			char block[4096];
			size_t used = 0;

			close(out[0]);
			close(in[!k][1]);
			for (long i = 0; i < n; i++) {
				if (used + 40 > sizeof(block)) {
					CHECK_EQ(write(in[k][1], block, used), (ssize_t)used);
					used = 0;
				}
				/* Lines of 20 to 35 bytes: a batch's end falls anywhere in one. */
				used += (size_t)sprintf(block + used, "%c %ld %.*s\n", 'A' + k, i,
							(int)(i % 16), "................");
			}
			CHECK_EQ(write(in[k][1], block, used), (ssize_t)used);
			_exit(0);
		}
	}
	close(in[0][1]);
	close(in[1][1]);
	in_lines = lines_in(out[0]);
	while ((p = next_line(in_lines, &len))) {
		char want[64];
		int k = p[0] == 'B';
		int wlen;

		CHECK(k || p[0] == 'A');
		wlen = sprintf(want, "%c %ld %.*s", 'A' + k, next[k], (int)(next[k] % 16),
			       "................");
		if (len != (size_t)wlen || memcmp(p, want, len))
			check_fail(__FILE__, __LINE__, "\"%.*s\", expected \"%s\"", (int)len, p,
				   want);
		next[k]++;
	}
	CHECK_EQ(in_lines->end, in_lines->start);
	free(in_lines);
	CHECK_EQ(next[0], n);
	CHECK_EQ(next[1], n);
	for (int k = 0; k < 2; k++) {
		CHECK_EQ(check_wait(writer[k]), 0);
		CHECK_EQ(wait_status(tx[k]), 0);
	}
	CHECK_EQ(wait_status(rx), 0);
	close(out[0]);
}

/*
 * lipc_chan_send_many() keeps sendmmsg's contract: a message that cannot go stops the batch
 * after the ones before it were sent (a short count), and the next call, starting with it,
 * says why. On a pipe (one write of several lines) and on a queue (one call each).
 */
static void send_many_stops_at_a_bad_message(void)
{
	const struct lipc_msg msgs[] = {
		{ .struct_size = sizeof(msgs[0]), .data = "one", .len = 3 },
		{ .struct_size = sizeof(msgs[0]), .data = "two", .len = 3 },
		{ .struct_size = sizeof(msgs[0]), .data = "bad\nline", .len = 8 },
		{ .struct_size = sizeof(msgs[0]), .data = "four", .len = 4 },
	};
	struct lipc_msg big[2] = { msgs[0], msgs[1] };
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *tx, *rx;
	struct lipc_msg m = LIPC_MSG_INIT;
	char *huge = malloc(9000);
	int p[2];
	char got[64];

	CHECK_SYS(pipe2(p, O_CLOEXEC));
	tx = lipc_chan_open_fd(p[1], LIPC_SEND, NULL);
	CHECK(tx != NULL);
	CHECK_EQ(lipc_chan_send_many(tx, msgs, 0), 0);
	CHECK_EQ(lipc_chan_send_many(tx, msgs, 4), 2);
	CHECK_ERR(lipc_chan_send_many(tx, msgs + 2, 2), EINVAL);
	CHECK_EQ(lipc_chan_send_many(tx, msgs + 3, 1), 1);
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_EQ(read(p[0], got, sizeof(got)), 13);
	CHECK(!memcmp(got, "one\ntwo\nfour\n", 13));
	close(p[0]);

	/* A queue: one call per message, the same contract (EMSGSIZE over mq_msgsize). */
	CHECK(huge != NULL);
	memset(huge, 'z', 9000);
	big[1] = (struct lipc_msg){ .struct_size = sizeof(big[1]), .data = huge, .len = 9000 };
	name_addr("mq");
	o.msg_size = 8192;
	rx = lipc_chan_open(addr, LIPC_RECV, &o);
	CHECK(rx != NULL);
	tx = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(tx != NULL);
	CHECK_EQ(lipc_chan_send_many(tx, big, 2), 1);
	CHECK_ERR(lipc_chan_send_many(tx, big + 1, 1), EMSGSIZE);
	CHECK_EQ(lipc_chan_recv(rx, &m), 1);
	CHECK(m.len == 3 && !memcmp(m.data, "one", 3));
	/* A receiver cannot send. */
	CHECK_ERR(lipc_chan_send_many(rx, msgs, 1), EBADF);
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_SYS(lipc_chan_close(rx));
	CHECK_SYS(lipc_msgq_posix_unlink(addr + 3));
	free(huge);
}

CHECK_MAIN(TEST_T(pipeline_fifo, 1800), TEST_T(pipeline_unix, 1800),
	   TEST_T(pipeline_unix_seqpacket, 1800), TEST_T(pipeline_unix_dgram, 1800),
	   TEST_T(pipeline_tcp, 1800), TEST_T(pipeline_mq, 1800), TEST_T(pipeline_sysv_mq, 1800),
	   TEST_T(pipeline_shm, 1800), TEST(long_and_last_lines), TEST(line_over_the_queue_limit),
	   TEST(prompt_lines), TEST(send_killed_mid_batch), TEST(recv_killed_keeps_ring_batch),
	   TEST_T(two_senders_one_fifo, 600), TEST(send_many_stops_at_a_bad_message))
