/* SPDX-License-Identifier: MIT */
/*
 * lipc recv ADDRESS...: one receiver over several addresses of different mechanisms, run as a
 * user runs it. Every message printed once and in its sender's order, -v's from= naming the
 * address each came from (escaped), the end when the senders of every address have gone, --count
 * across addresses, a busy address that cannot starve another, the timeout, a signal that still
 * removes every file the receiver made, and the bad inputs: a bad address among several (exit 2,
 * nothing made), a System V queue among several (exit 1, one line, nothing made). The trap: the
 * order of lines from different addresses is the scheduler's, so the checks look at each
 * address's lines apart, never at how they interleave; and a sender of a socket starts only once
 * the receiver's socket file is there (check_wait_for_path), never after a sleep.
 */
#include <errno.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lipc/chan.h"
#include "lipc/ring.h"

#define ADDR_MAX (PATH_MAX + 32)

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* "SCHEME:PATH" for a file the test names what, and the path alone in path. */
static char *path_addr(char *addr, char *path, const char *scheme, const char *what)
{
	check_path(path, PATH_MAX, what);
	snprintf(addr, ADDR_MAX, "%s:%s", scheme, path);
	return addr;
}

/* "mq:/NAME" for a queue the test names what; the name ("/NAME") in name. */
static char *mq_addr(char *addr, char *name, const char *what)
{
	char n[NAME_MAX + 1];

	snprintf(name, NAME_MAX + 2, "/%s", check_name(n, sizeof(n), what));
	snprintf(addr, ADDR_MAX, "mq:%s", name);
	return addr;
}

/* lipc send ADDRESS MESSAGE..., which must succeed. */
static void send_ok(const char *const argv[])
{
	struct check_cmd tx;

	CHECK_EQ(check_cmd_run(&tx, NULL, argv), 0);
	CHECK_STR(tx.err, "");
	check_cmd_free(&tx);
}

/*
 * The lines of out that begin with prefix, without it, each up to its newline, joined with
 * '|': what one address delivered, in order. -v's metadata (up to the tab) is dropped when
 * drop_meta is set.
 */
static char *lines_from(const char *out, const char *prefix, bool drop_meta)
{
	size_t size = strlen(out) + 2, len = 0, plen = strlen(prefix);
	char *got = calloc(1, size);

	CHECK(got != NULL);
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n'), *text = p + plen;

		CHECK(nl != NULL); /* every line whole */
		if (!strncmp(p, prefix, plen)) {
			if (drop_meta) {
				const char *tab = memchr(text, '\t', (size_t)(nl - text));

				CHECK(tab != NULL);
				text = tab + 1;
			}
			len += (size_t)snprintf(got + len, size - len, "%s%.*s", len ? "|" : "",
						(int)(nl - text), text);
		}
		p = nl + 1;
	}
	return got;
}

/* How many lines out has. */
static size_t count_lines(const char *out)
{
	size_t n = 0;

	for (const char *p = out; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

/*
 * A FIFO, a POSIX queue and a datagram socket at once: each message printed once, in its
 * sender's order, with -v's from= naming its address; the metadata each mechanism has follows.
 */
static void three_mechanisms_verbose(void)
{
	char fifo[ADDR_MAX], fpath[PATH_MAX], mq[ADDR_MAX], mqname[NAME_MAX + 2];
	char dg[ADDR_MAX], dpath[PATH_MAX], prefix[ADDR_MAX + 64];
	struct check_cmd rx;
	char *got;

	path_addr(fifo, fpath, "fifo", "fifo");
	mq_addr(mq, mqname, "mq");
	path_addr(dg, dpath, "unix-dgram", "dgram");
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", "-n", "7", fifo, mq, dg));
	check_wait_for_path(dpath);
	send_ok(LIPC_ARGV("send", dg, "d1", "d2"));
	send_ok(LIPC_ARGV("send", fifo, "f1", "f2", "f3"));
	send_ok(LIPC_ARGV("send", mq, "m1", "m2"));
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_EQ(count_lines(rx.out), 7);

	snprintf(prefix, sizeof(prefix), "from=%s ", fifo);
	got = lines_from(rx.out, prefix, true);
	CHECK_STR(got, "f1|f2|f3");
	free(got);
	snprintf(prefix, sizeof(prefix), "from=%s len=2\t",
		 fifo); /* a FIFO tells the length only */
	CHECK_CONTAINS(rx.out, prefix);
	snprintf(prefix, sizeof(prefix), "from=%s ", mq);
	got = lines_from(rx.out, prefix, true);
	CHECK_STR(got, "m1|m2");
	free(got);
	snprintf(prefix, sizeof(prefix), "from=%s len=2 priority=0\t", mq);
	CHECK_CONTAINS(rx.out, prefix);
	snprintf(prefix, sizeof(prefix), "from=%s ", dg);
	got = lines_from(rx.out, prefix, true);
	CHECK_STR(got, "d1|d2");
	free(got);
	snprintf(prefix, sizeof(prefix), "from=%s len=2 pid=", dg);
	CHECK_CONTAINS(rx.out, prefix);
	/* lipc: listening on ... for the socket, and nothing else. */
	CHECK_CONTAINS(rx.err, "lipc: listening on unix-dgram:");
	CHECK_EQ(count_lines(rx.err), 1);
	check_cmd_free(&rx);
	/* What recv made is gone; the queue stays, as a queue does, and empty. */
	CHECK(!exists(fpath));
	CHECK(!exists(dpath));
	CHECK_SYS(mq_unlink(mqname));
}

/*
 * No --count: recv ends when every address has ended (a FIFO's writer and a stream socket's
 * clients have gone), each closed at its own end, with every message printed.
 */
static void ends_when_every_sender_left(void)
{
	char fifo[ADDR_MAX], fpath[PATH_MAX], sk[ADDR_MAX], spath[PATH_MAX];
	struct check_cmd rx;
	char *got;

	path_addr(fifo, fpath, "fifo", "fifo");
	path_addr(sk, spath, "unix", "stream");
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", fifo, sk));
	check_wait_for_path(spath);
	send_ok(LIPC_ARGV("send", sk, "s1", "s2"));
	send_ok(LIPC_ARGV("send", fifo, "f1", "f2"));
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.err, "");
	/* Without -v nothing says where a line came from: the lines are the messages. */
	CHECK_EQ(count_lines(rx.out), 4);
	got = lines_from(rx.out, "f", false);
	CHECK_STR(got, "1|2");
	free(got);
	got = lines_from(rx.out, "s", false);
	CHECK_STR(got, "1|2");
	free(got);
	check_cmd_free(&rx);
	CHECK(!exists(fpath));
	CHECK(!exists(spath));
}

/* The ring among others, once it has a descriptor (lipc_ring_fd()); its end ends it. */
static void ring_among_others(void)
{
	char shm[ADDR_MAX], fifo[ADDR_MAX], fpath[PATH_MAX], prefix[ADDR_MAX + 64];
	const char *name = shm + strlen("shm:");
	struct lipc_chan *probe;
	struct check_cmd rx;
	char *got;
	int fd;

	check_name_addr(shm, sizeof(shm), "shm");
	probe = lipc_chan_open(shm, LIPC_RECV, NULL);
	CHECK(probe != NULL);
	fd = lipc_chan_fd(probe);
	if (fd < 0)
		CHECK_EQ(errno, ENOTSUP);
	CHECK_SYS(lipc_chan_close(probe));
	CHECK_SYS(lipc_ring_unlink(name)); /* a ring stays: recv below makes its own */
	if (fd < 0) {
		/* Without a descriptor, the one-line error of an address that cannot be waited on.
		 */
		check_cmd_run(&rx, NULL,
			      LIPC_ARGV("recv", shm, path_addr(fifo, fpath, "fifo", "f")));
		CHECK_FAILURE(&rx, "cannot wait on shm:");
		CHECK_CONTAINS(rx.err, "with other addresses");
		check_cmd_free(&rx);
		CHECK(!exists(fpath));
		CHECK_SKIP("this build's ring has no descriptor (lipc_ring_fd: ENOTSUP)");
	}
	path_addr(fifo, fpath, "fifo", "fifo");
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", shm, fifo));
	send_ok(LIPC_ARGV("send", shm, "r1", "r2", "r3"));
	send_ok(LIPC_ARGV("send", fifo, "f1"));
	CHECK_EQ(check_cmd_wait(&rx), 0);
	snprintf(prefix, sizeof(prefix), "from=%s ", shm);
	got = lines_from(rx.out, prefix, true);
	CHECK_STR(got, "r1|r2|r3");
	free(got);
	snprintf(prefix, sizeof(prefix), "from=%s ", fifo);
	got = lines_from(rx.out, prefix, true);
	CHECK_STR(got, "f1");
	free(got);
	CHECK_EQ(count_lines(rx.out), 4);
	check_cmd_free(&rx);
	CHECK(!exists(fpath));
	CHECK_SYS(lipc_ring_unlink(name));
}

/*
 * --count counts the messages of every address together, and takes no more than that: what
 * is left stays in the queues for the next receiver.
 */
static void count_across_addresses(void)
{
	char a[ADDR_MAX], an[NAME_MAX + 2], b[ADDR_MAX], bn[NAME_MAX + 2];
	struct check_cmd rx;
	char *first, *second, *got, all[64];

	mq_addr(a, an, "a");
	mq_addr(b, bn, "b");
	send_ok(LIPC_ARGV("send", a, "a1", "a2", "a3"));
	send_ok(LIPC_ARGV("send", b, "b1", "b2", "b3"));
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-n", "4", a, b)), 0);
	CHECK_EQ(count_lines(rx.out), 4);
	first = strdup(rx.out);
	check_cmd_free(&rx);
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-n", "2", "-t", "5", b, a)), 0);
	CHECK_EQ(count_lines(rx.out), 2);
	second = strdup(rx.out);
	check_cmd_free(&rx);
	/* Together, each message once, each queue's in its order (the first took their heads). */
	snprintf(all, sizeof(all), "%s%s", first, second);
	got = lines_from(all, "a", false);
	CHECK_STR(got, "1|2|3");
	free(got);
	got = lines_from(all, "b", false);
	CHECK_STR(got, "1|2|3");
	free(got);
	free(first);
	free(second);
	/* Both queues are empty now: a receive with a timeout of 0 finds nothing. */
	check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-t", "0", a, b));
	CHECK_FAILURE(&rx, "no message within 0 s");
	check_cmd_free(&rx);
	CHECK_SYS(mq_unlink(an));
	CHECK_SYS(mq_unlink(bn));
}

/*
 * An address that always has more (a ring filled with 100,000 records beforehand) cannot starve
 * another: a batch from each ready address in turn brings the queue's one message within the
 * first two batches, far before the count. (Reading one address until it has nothing left would
 * print it after all 100,000.)
 */
static void busy_address_does_not_starve(void)
{
	const int n = 100000;
	size_t size = (size_t)n * 16, len = 0;
	char *input = malloc(size), mq[ADDR_MAX], name[NAME_MAX + 2], shm[ADDR_MAX];
	struct check_cmd rx;

	CHECK(input != NULL);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(input + len, size - len, "line %d\n", i);
	mq_addr(mq, name, "q");
	check_name_addr(shm, sizeof(shm), "shm");
	/* The ring holds them all: the sender is gone before the receiver comes. */
	CHECK_EQ(check_cmd_run(&rx, input, LIPC_ARGV("send", "-c", "16M", shm)), 0);
	check_cmd_free(&rx);
	send_ok(LIPC_ARGV("send", mq, "from the queue"));
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-n", "5000", shm, mq)), 0);
	CHECK_EQ(count_lines(rx.out), 5000);
	CHECK_CONTAINS(rx.out, "\nfrom the queue\n");
	CHECK(!strncmp(rx.out, "line 0\n", 7));
	check_cmd_free(&rx);
	free(input);
	CHECK_SYS(mq_unlink(name));
	CHECK_SYS(lipc_ring_unlink(shm + strlen("shm:")));
}

/* An address whose text holds control characters is printed escaped in from=, as ls does. */
static void from_is_escaped(void)
{
	char fifo[ADDR_MAX], fpath[PATH_MAX], mq[ADDR_MAX], mqname[NAME_MAX + 2];
	char want[ADDR_MAX + 32];
	struct check_cmd rx;

	path_addr(fifo, fpath, "fifo", "esc\x1b[31m");
	mq_addr(mq, mqname, "m");
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", "-n", "1", fifo, mq));
	send_ok(LIPC_ARGV("send", fifo, "red"));
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK(strchr(rx.out, '\x1b') == NULL);
	snprintf(want, sizeof(want), "from=fifo:%.*s\\x1b[31m len=3\tred\n",
		 (int)(strlen(fpath) - strlen("\x1b[31m")), fpath);
	CHECK_STR(rx.out, want);
	check_cmd_free(&rx);
	CHECK(!exists(fpath));
	CHECK_SYS(mq_unlink(mqname));
}

/* --timeout bounds the wait for the next message from any address; what recv made goes. */
static void times_out(void)
{
	char fifo[ADDR_MAX], fpath[PATH_MAX], mq[ADDR_MAX], mqname[NAME_MAX + 2];
	struct check_cmd rx;

	path_addr(fifo, fpath, "fifo", "fifo");
	mq_addr(mq, mqname, "m");
	check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-t", "0.2", fifo, mq));
	CHECK_FAILURE(&rx, "no message within 0.2 s");
	CHECK_STR(rx.out, "");
	check_cmd_free(&rx);
	CHECK(!exists(fpath));
	CHECK_SYS(mq_unlink(mqname));
}

/* SIGTERM while waiting: every file the receiver made is removed, not only the last one's. */
static void signal_removes_every_file(void)
{
	char f1[ADDR_MAX], p1[PATH_MAX], f2[ADDR_MAX], p2[PATH_MAX], sk[ADDR_MAX], sp[PATH_MAX];
	struct check_cmd rx;

	path_addr(f1, p1, "fifo", "one");
	path_addr(f2, p2, "fifo", "two");
	path_addr(sk, sp, "unix", "sock");
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", f1, sk, f2));
	/* The last address's file: the others were made before it, each hook run before it. */
	check_wait_for_path(p2);
	check_wait_for_path(sp);
	check_wait_for_path(p1);
	CHECK_SYS(kill(rx.pid, SIGTERM));
	CHECK_EQ(check_cmd_wait(&rx), 128 + SIGTERM);
	check_cmd_free(&rx);
	CHECK(!exists(p1));
	CHECK(!exists(p2));
	CHECK(!exists(sp));
}

/*
 * A bad address among good ones is a usage error before anything is opened (nothing made); a
 * System V queue among others a failure in one line, before anything is opened either.
 */
static void bad_addresses(void)
{
	char fifo[ADDR_MAX], fpath[PATH_MAX], key[32];
	const struct check_usage cases[] = {
		{ "recv", "unknown address type", { "recv", fifo, "nope:/x" } },
		{ "recv", "is not an address", { "recv", "mq:x", fifo } },
		{ "recv", "unexpected argument 'more'", { "recv", fifo, "more" } },
		/* Options apply to every address: --framed to a queue is refused as it is alone. */
		{ "recv",
		  "--framed applies to byte streams only",
		  { "recv", "-f", fifo, "mq:/x" } },
	};
	struct check_cmd rx;

	path_addr(fifo, fpath, "fifo", "fifo");
	CHECK_USAGE_ERRORS(cases);
	CHECK(!exists(fpath));

	snprintf(key, sizeof(key), "sysv-mq:0x%x", (unsigned)check_key(1));
	check_cmd_run(&rx, NULL, LIPC_ARGV("recv", fifo, key));
	CHECK_FAILURE(&rx, "cannot wait on ");
	CHECK_CONTAINS(rx.err, key);
	CHECK_CONTAINS(rx.err, " with other addresses: ");
	CHECK_STR(rx.out, "");
	check_cmd_free(&rx);
	CHECK(!exists(fpath));
	CHECK_ERR(msgget(check_key(1), 0), ENOENT); /* not created either */
	/* Alone, it is received as ever (a queue has no end: --count). */
	send_ok(LIPC_ARGV("send", key, "alone"));
	CHECK_EQ(check_cmd_run(&rx, NULL, LIPC_ARGV("recv", "-n", "1", key)), 0);
	CHECK_STR(rx.out, "alone\n");
	check_cmd_free(&rx);
	CHECK_SYS(msgctl(CHECK_SYS(msgget(check_key(1), 0)), IPC_RMID, NULL));
}

CHECK_MAIN(TEST(three_mechanisms_verbose), TEST(ends_when_every_sender_left),
	   TEST(ring_among_others), TEST(count_across_addresses),
	   TEST(busy_address_does_not_starve), TEST(from_is_escaped), TEST(times_out),
	   TEST(signal_removes_every_file), TEST(bad_addresses))
