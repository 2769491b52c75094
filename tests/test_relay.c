/* SPDX-License-Identifier: MIT */
/*
 * lipc relay and the stdio: address, run as a user runs them: the usage errors and failures with
 * their one line; stdio: between two relays over a shell pipe; the chain of the issue, mq ->
 * stdio -> pipe -> stdio -> sysv-mq -> tcp -> shm, with a million checksummed messages checked
 * in order; and what the relay guarantees when its TO is killed and restarted: a ring as TO
 * loses nothing (a record the killed consumer had printed may come again, at most its last
 * batch), a TCP listener gets, after the relay reopened it, every message the relay still held
 * and none twice. The trap of these tests is the kill: a consumer killed with SIGKILL may have
 * written half a line into its pipe, which is no delivered message, and is left out.
 * Processes synchronise through the IPC itself and pipes; nothing sleeps.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "lipc/msgq.h"
#include "lipc/ring.h"

/* A pipe whose ends the children do not inherit unless given. */
static void make_pipe(int p[2])
{
	CHECK_SYS(pipe2(p, O_CLOEXEC));
}

/* "mq:/lipc-test-PID-what" and the like, with the name alone in name (for the unlink). */
static void addr_of(char *addr, size_t size, char *name, size_t nsize, const char *scheme,
		    const char *what)
{
	name[0] = '/';
	check_name(name + 1, nsize - 1, what);
	snprintf(addr, size, "%s:%s", scheme, name);
}

/* The port of "lipc: listening on tcp:127.0.0.1:PORT", the first line a relay or recv -v says. */
static unsigned listening_port(FILE *err)
{
	char *line = NULL, *colon;
	size_t cap = 0;
	unsigned port;

	CHECK(getline(&line, &cap, err) > 0);
	CHECK_CONTAINS(line, "listening on tcp:127.0.0.1:");
	colon = strrchr(line, ':');
	port = (unsigned)atoi(colon + 1);
	CHECK(port > 0);
	free(line);
	return port;
}

static void usage_errors(void)
{
	static const struct check_usage cases[] = {
		{ "relay", "relay: missing FROM and TO", { "relay" } },
		{ "relay", "relay: missing TO", { "relay", "mq:/a" } },
		{ "relay", "unexpected argument 'x'", { "relay", "mq:/a", "mq:/b", "x" } },
		{ "relay", "'stdio:x' is not an address", { "relay", "stdio:x", "mq:/b" } },
		{ "relay", "'foo:x': unknown address type", { "relay", "mq:/a", "foo:x" } },
		{ "relay",
		  "FROM and TO are the same place (mq:/a)",
		  { "relay", "mq:/a", "mq:/a" } },
		{ "relay",
		  "FROM and TO are the same place (fifo:/tmp/x)",
		  { "relay", "fifo:/tmp/x", "fifo:/tmp/x" } },
		{ "relay",
		  "--framed applies to byte streams only",
		  { "relay", "-f", "mq:/a", "mq:/b" } },
		{ "relay",
		  "--capacity applies to shm: addresses only",
		  { "relay", "-c", "64K", "mq:/a", "mq:/b" } },
		{ "relay",
		  "--max-msgs applies to mq: addresses only",
		  { "relay", "--max-msgs", "4", "shm:/a", "stdio:" } },
		{ "relay",
		  "--allow-uid needs a unix",
		  { "relay", "--allow-uid", "0", "mq:/a", "unix:/tmp/x" } },
		{ "relay", "port 0 is for a receiver", { "relay", "mq:/a", "tcp::0" } },
		{ "relay", "count '0' is out of range", { "relay", "-n", "0", "mq:/a", "mq:/b" } },
		{ "relay",
		  "timeout 'x' is not a number of seconds",
		  { "relay", "-t", "x", "mq:/a", "mq:/b" } },
		{ "relay",
		  "unknown option '--type'",
		  { "relay", "--type", "1", "mq:/a", "mq:/b" } },
	};
	struct check_cmd c;

	CHECK_USAGE_ERRORS(cases);
	/* --help says what is guaranteed, in the words of the manual page. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("relay", "--help")), 0);
	CHECK_CONTAINS(c.out, "Usage: lipc relay [OPTIONS] FROM TO");
	CHECK_CONTAINS(c.out, "acknowledged once it has been handed to TO");
	CHECK_CONTAINS(c.out, "at least once");
	CHECK_FITS_COLUMNS("lipc relay --help", c.out, 100);
	check_cmd_free(&c);
}

/* Lines pass through stdio: to stdio: as they came; a closed standard output is one line, 1. */
static void stdio_lines_and_closed_stdout(void)
{
	char mq[128], name[96];
	struct check_cmd c;

	CHECK_EQ(check_cmd_run(&c, "one\ntwo\nthree", LIPC_ARGV("relay", "stdio:", "stdio:")), 0);
	CHECK_STR(c.out, "one\ntwo\nthree\n");
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
	/* A timeout on stdio: is a wait without O_NONBLOCK; the lines still all pass. */
	CHECK_EQ(check_cmd_run(&c, "a\nb", LIPC_ARGV("relay", "-t", "5", "stdio:", "stdio:")), 0);
	CHECK_STR(c.out, "a\nb\n");
	check_cmd_free(&c);

	addr_of(mq, sizeof(mq), name, sizeof(name), "mq", "closed");
	check_cmd_run(&c, NULL,
		      (const char *const[]){ "sh", "-c", "exec \"$0\" relay \"$1\" stdio: >&-",
					     check_lipc(), mq, NULL });
	CHECK_FAILURE(&c, "cannot open stdio:: standard output is not open");
	check_cmd_free(&c);
	/* stdio: was opened first: the queue was never created. */
	CHECK_ERR(lipc_msgq_posix_unlink(name), ENOENT);
	check_cmd_run(&c, NULL,
		      (const char *const[]){ "sh", "-c", "exec \"$0\" relay stdio: \"$1\" <&-",
					     check_lipc(), mq, NULL });
	CHECK_FAILURE(&c, "cannot open stdio:: standard input is not open");
	check_cmd_free(&c);
	CHECK_ERR(lipc_msgq_posix_unlink(name), ENOENT);
}

/* A reader that goes away ends the relay by SIGPIPE, as it ends lipc recv (and cat). */
static void reader_goes_away(void)
{
	struct check_cmd c;

	check_cmd_run(&c, NULL,
		      (const char *const[]){ "sh", "-c",
					     "seq 1 100000 | { \"$0\" relay stdio: stdio:; echo "
					     "\"status $?\" >&2; } | head -n 1",
					     check_lipc(), NULL });
	CHECK_EQ(c.status, 0);
	CHECK_STR(c.out, "1\n");
	CHECK_STR(c.err, "status 141\n");
	check_cmd_free(&c);
}

/*
 * TO fails without -k: the message of send, and how many messages were taken and not
 * delivered; FROM's socket file is removed on the way out when TO cannot be opened.
 */
static void failures_say_what_was_not_delivered(void)
{
	struct lipc_chan_opts small = LIPC_CHAN_OPTS_INIT;
	char in[128], out[128], in_name[96], out_name[96], fifo[4200], path[4096], tcp[64];
	char big[100], want[512];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct lipc_chan *q;
	struct check_cmd c;
	int s;

	addr_of(in, sizeof(in), in_name, sizeof(in_name), "mq", "in");
	addr_of(out, sizeof(out), out_name, sizeof(out_name), "mq", "out");
	small.msg_size = 16;
	q = lipc_chan_open(out, LIPC_SEND, &small);
	CHECK(q != NULL);
	lipc_chan_close(q);
	q = lipc_chan_open(in, LIPC_SEND, NULL);
	CHECK(q != NULL);
	memset(big, 'x', sizeof(big));
	CHECK_SYS(lipc_chan_send(q, big, sizeof(big)));
	lipc_chan_close(q);
	check_cmd_run(&c, NULL, LIPC_ARGV("relay", "-n", "1", in, out));
	snprintf(want, sizeof(want), "cannot send to %s: ", out);
	CHECK_FAILURE(&c, want);
	snprintf(want, sizeof(want), "(1 message taken from %s not delivered)", in);
	CHECK_CONTAINS(c.err, want);
	check_cmd_free(&c);
	CHECK_SYS(lipc_msgq_posix_unlink(in_name));
	CHECK_SYS(lipc_msgq_posix_unlink(out_name));

	/* A port bound and not listening: refused, as lipc send is. */
	s = (int)CHECK_SYS(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_SYS(bind(s, (struct sockaddr *)&sin, sizeof(sin)));
	CHECK_SYS(getsockname(s, (struct sockaddr *)&sin, &len));
	snprintf(tcp, sizeof(tcp), "tcp:127.0.0.1:%u", ntohs(sin.sin_port));
	check_path(path, sizeof(path), "from");
	snprintf(fifo, sizeof(fifo), "unix:%s", path);
	check_cmd_run(&c, NULL, LIPC_ARGV("relay", fifo, tcp));
	snprintf(want, sizeof(want), "cannot open %s: ", tcp);
	CHECK_FAILURE(&c, want);
	check_cmd_free(&c);
	close(s);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
}

/*
 * SIGTERM while TO waits for its reader: FROM's socket file and TO's FIFO are both removed
 * (util.c keeps one entry to remove; the relay chains TO's to it).
 */
static void signal_removes_both_ends(void)
{
	char from[4200], to[4200], from_path[4096], to_path[4096];
	struct check_cmd c;

	check_path(from_path, sizeof(from_path), "sig-from");
	check_path(to_path, sizeof(to_path), "sig-to");
	snprintf(from, sizeof(from), "unix:%s", from_path);
	snprintf(to, sizeof(to), "fifo:%s", to_path);
	check_cmd_start(&c, NULL, LIPC_ARGV("relay", from, to));
	check_wait_for_path(from_path);
	check_wait_for_path(to_path);
	CHECK_SYS(kill(c.pid, SIGTERM));
	CHECK_EQ(check_cmd_wait(&c), 128 + SIGTERM);
	check_cmd_free(&c);
	CHECK(access(from_path, F_OK) < 0 && errno == ENOENT);
	CHECK(access(to_path, F_OK) < 0 && errno == ENOENT);
}

/*
 * A TO that takes nothing: -t gives up with send's words and says what was not delivered; and
 * without -t, SIGTERM still ends the relay (the held signals are let in while TO has no room).
 */
static void full_to_times_out_and_stays_killable(void)
{
	struct lipc_chan_opts one = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan_stat st = LIPC_CHAN_STAT_INIT;
	char in[128], out[128], in_name[96], out_name[96], want[512];
	struct lipc_chan *q, *qin;
	struct check_cmd c;

	addr_of(in, sizeof(in), in_name, sizeof(in_name), "mq", "fin");
	addr_of(out, sizeof(out), out_name, sizeof(out_name), "mq", "fout");
	one.max_msgs = 1;
	q = lipc_chan_open(out, LIPC_SEND, &one);
	CHECK(q != NULL);
	CHECK_SYS(lipc_chan_send(q, "full", 4));
	lipc_chan_close(q);
	qin = lipc_chan_open(in, LIPC_SEND, NULL);
	CHECK(qin != NULL);
	CHECK_SYS(lipc_chan_send(qin, "a", 1));
	check_cmd_run(&c, NULL, LIPC_ARGV("relay", "-t", "0.2", "-n", "1", in, out));
	snprintf(want, sizeof(want), "%s: no room within 0.2 s", out);
	CHECK_FAILURE(&c, want);
	snprintf(want, sizeof(want), "(1 message taken from %s not delivered)", in);
	CHECK_CONTAINS(c.err, want);
	check_cmd_free(&c);

	CHECK_SYS(lipc_chan_send(qin, "b", 1));
	check_cmd_start(&c, NULL, LIPC_ARGV("relay", in, out));
	/* The relay has taken the message, and waits for room. */
	do
		CHECK_SYS(lipc_chan_stat(qin, &st));
	while (st.msgs > 0 || !check_asleep(c.pid));
	CHECK_SYS(kill(c.pid, SIGTERM));
	CHECK_EQ(check_cmd_wait(&c), 128 + SIGTERM);
	check_cmd_free(&c);
	lipc_chan_close(qin);
	CHECK_SYS(lipc_msgq_posix_unlink(in_name));
	CHECK_SYS(lipc_msgq_posix_unlink(out_name));
}

/* The chain's messages: seq (8 bytes), a checksum (4), a body of seq % 23 bytes, any byte. */
static size_t chain_msg(unsigned char *buf, uint64_t seq)
{
	size_t body = seq % 23;
	uint32_t sum = 2166136261u;

	memcpy(buf, &seq, 8);
	for (size_t i = 0; i < body; i++)
		buf[12 + i] = (unsigned char)(seq * 31 + i * 7); /* newlines, NULs and all */
	for (size_t i = 0; i < 8 + body; i++)
		sum = (sum ^ (i < 8 ? buf[i] : buf[12 + i - 8])) * 16777619u;
	memcpy(buf + 8, &sum, 4);
	return 12 + body;
}

static void feed(const char *addr, long count)
{
	static unsigned char bufs[256][40];
	struct lipc_msg msgs[256];
	struct lipc_chan *c = lipc_chan_open(addr, LIPC_SEND, NULL);

	CHECK(c != NULL);
	for (long seq = 0; seq < count;) {
		size_t n = 0;

		for (; n < 256 && seq + (long)n < count; n++)
			msgs[n] = (struct lipc_msg){ .struct_size = sizeof(msgs[0]),
						     .data = bufs[n],
						     .len = chain_msg(bufs[n], (uint64_t)seq + n) };
		for (size_t done = 0; done < n;)
			done += (size_t)CHECK_SYS(lipc_chan_send_many(c, msgs + done, n - done));
		seq += (long)n;
	}
	CHECK_SYS(lipc_chan_close(c));
}

/*
 * mq -> stdio -> pipe -> stdio -> sysv-mq -> tcp -> shm: every message arrives once, in order,
 * whole; each relay ends as its FROM ends (or at its count), and the last one ends the ring's
 * stream. A million messages, in every build (about 2 s here, 5 s under a sanitizer).
 */
static void chain_of_relays(void)
{
	const long count = 1000000;
	char mq[128], mq_name[96], shm[128], shm_name[96], sysv[64], tcp[64], n[32];
	struct lipc_msg msgs[LIPC_CHAN_BATCH_MAX];
	struct lipc_chan *ring;
	struct timespec t0, t1;
	pid_t listener, tail, head, feeder;
	key_t key = check_key(1);
	long got = 0;
	int errp[2], r;
	FILE *err;

	addr_of(mq, sizeof(mq), mq_name, sizeof(mq_name), "mq", "chain");
	addr_of(shm, sizeof(shm), shm_name, sizeof(shm_name), "shm", "chain");
	snprintf(sysv, sizeof(sysv), "sysv-mq:%d", (int)key);
	snprintf(n, sizeof(n), "%ld", count);
	for (size_t i = 0; i < LIPC_CHAN_BATCH_MAX; i++)
		msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
	/* The consumer first: the ring is there before its producer, the listening relay. */
	ring = lipc_chan_open(shm, LIPC_RECV, NULL);
	CHECK(ring != NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	make_pipe(errp);
	listener =
		check_spawn(LIPC_ARGV("relay", "-v", "--framed", "tcp::0", shm), -1, -1, errp[1]);
	close(errp[1]);
	err = fdopen(errp[0], "r");
	CHECK(err != NULL);
	snprintf(tcp, sizeof(tcp), "tcp:127.0.0.1:%u", listening_port(err));
	tail = check_spawn(LIPC_ARGV("relay", "--framed", "-n", n, sysv, tcp), -1, -1, -1);
	head = check_spawn((const char *const[]){ "sh", "-c",
						  "\"$0\" relay --framed -n \"$3\" \"$1\" stdio: | "
						  "\"$0\" relay --framed stdio: \"$2\"",
						  check_lipc(), mq, sysv, n, NULL },
			   -1, -1, -1);
	feeder = check_fork();
	if (feeder == 0) {
		feed(mq, count);
		_exit(0);
	}
	while ((r = lipc_chan_recv_many(ring, msgs, LIPC_CHAN_BATCH_MAX)) > 0) {
		for (int i = 0; i < r; i++, got++) {
			unsigned char want[40];
			size_t len = chain_msg(want, (uint64_t)got);

			if (msgs[i].len != len || memcmp(msgs[i].data, want, len))
				check_fail(
					__FILE__, __LINE__,
					"message %ld: %zu bytes, not the %zu expected, or damaged",
					got, msgs[i].len, len);
		}
	}
	CHECK_EQ(r, 0); /* the end of the stream, once the listening relay closed the ring */
	CHECK_EQ(got, count);
	CHECK_EQ(check_wait(feeder), 0);
	CHECK_EQ(check_wait(head), 0);
	CHECK_EQ(check_wait(tail), 0);
	CHECK_EQ(check_wait(listener), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "chain: %ld messages in %.2f s\n", count,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	fclose(err);
	CHECK_SYS(lipc_chan_close(ring));
	CHECK_SYS(lipc_ring_unlink(shm_name));
	CHECK_SYS(lipc_msgq_posix_unlink(mq_name));
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
}

/*
 * Send "1" to "count" to addr, in a child; with gate >= 0, the second half only once a byte
 * can be read from gate (or its write end gate_w, which the child closes, is closed).
 */
static pid_t feed_lines(const char *addr, long count, int gate, int gate_w)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_chan *c = lipc_chan_open(addr, LIPC_SEND, NULL);
		char line[32];

		if (gate_w >= 0)
			close(gate_w);
		CHECK(c != NULL);
		for (long i = 1; i <= count; i++) {
			if (gate >= 0 && i == count / 2 + 1)
				CHECK(read(gate, line, 1) >= 0);
			CHECK_SYS(lipc_chan_send(c, line,
						 (size_t)snprintf(line, sizeof(line), "%ld", i)));
		}
		CHECK_SYS(lipc_chan_close(c));
		_exit(0);
	}
	return pid;
}

/*
 * The numbers a receiver printed, one a line (after a tab, if any: recv -v), from its pipe,
 * until stop of them (or the end); a last line without its newline (cut by a SIGKILL) is no
 * message and is left out. Each must be the one after the one before, and with go_on the first
 * too must follow *last. Returns how many, the first in *first and the last in *last.
 */
static long read_run(FILE *f, long stop, bool go_on, long *first, long *last)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long n = 0;

	while (n != stop && (len = getline(&line, &cap, f)) > 0) {
		const char *tab = strchr(line, '\t');
		long v;

		if (line[len - 1] != '\n')
			break;
		v = atol(tab ? tab + 1 : line);
		if (n == 0)
			*first = v;
		if ((n > 0 || go_on) && v != *last + 1)
			check_fail(__FILE__, __LINE__, "%ld after %ld", v, *last);
		*last = v;
		n++;
	}
	free(line);
	return n;
}

/*
 * A relay into a ring whose consumer is killed mid-stream and started again: every message sent
 * into the queue arrives. The restarted consumer starts at most one batch before where the
 * killed one stopped: the records the killed one had printed and not yet released (its last
 * batch) come again, and nothing else does.
 */
static void ring_consumer_killed_and_restarted(void)
{
	const long count = 20000;
	char mq[128], mq_name[96], shm[128], shm_name[96], n[32];
	long first1 = 0, last1 = 0, first2 = 0, last2 = 0, got1, got2;
	int out[2];
	pid_t relay, feeder, consumer;
	FILE *f;

	addr_of(mq, sizeof(mq), mq_name, sizeof(mq_name), "mq", "rin");
	addr_of(shm, sizeof(shm), shm_name, sizeof(shm_name), "shm", "rout");
	snprintf(n, sizeof(n), "%ld", count);
	relay = check_spawn(LIPC_ARGV("relay", "-k", "-c", "4K", "-n", n, mq, shm), -1, -1, -1);
	feeder = feed_lines(mq, count, -1, -1);

	make_pipe(out);
	consumer = check_spawn(LIPC_ARGV("recv", shm), -1, out[1], -1);
	close(out[1]);
	f = fdopen(out[0], "r");
	CHECK(f != NULL);
	CHECK_EQ(read_run(f, count / 4, false, &first1, &last1), count / 4);
	CHECK_SYS(kill(consumer, SIGKILL));
	CHECK_EQ(check_wait(consumer), 128 + SIGKILL);
	/* What it printed before it died, cut line aside. */
	got1 = count / 4 + read_run(f, -1, true, &(long){ 0 }, &last1);
	fclose(f);
	CHECK_EQ(first1, 1);
	CHECK_EQ(last1, got1);

	make_pipe(out);
	consumer = check_spawn(LIPC_ARGV("recv", shm), -1, out[1], -1);
	close(out[1]);
	f = fdopen(out[0], "r");
	CHECK(f != NULL);
	got2 = read_run(f, -1, false, &first2, &last2);
	fclose(f);
	CHECK_EQ(check_wait(consumer), 0); /* the relay ended the ring's stream after count */
	CHECK_EQ(check_wait(relay), 0);
	CHECK_EQ(check_wait(feeder), 0);
	/* Nothing lost: the second run goes on to the end, from no later than the next one. */
	CHECK_EQ(last2, count);
	CHECK(first2 <= last1 + 1);
	/* Duplicates only from the killed consumer's last batch, never more than a batch. */
	CHECK(last1 + 1 - first2 <= LIPC_CHAN_BATCH_MAX);
	CHECK_EQ(got2, count - first2 + 1);
	fprintf(stderr, "ring: %ld printed by the killed consumer, %ld of them again\n", got1,
		last1 + 1 - first2);
	CHECK_SYS(lipc_ring_unlink(shm_name));
	CHECK_SYS(lipc_msgq_posix_unlink(mq_name));
}

/*
 * A relay into TCP whose listener is killed and started again on its port: the relay reopens
 * the connection (saying so with -v) and the new listener gets every message from the first the
 * relay had not handed over, to the last, none twice. The messages in the dead listener's
 * socket buffer are lost with it, as documented: counted, not forbidden.
 */
static void tcp_listener_killed_and_restarted(void)
{
	const long count = 20000;
	char mq[128], mq_name[96], tcp[64], listen_at[64], n[32], *relay_err;
	long first1 = 0, last1 = 0, first2 = 0, last2 = 0, got1, got2;
	int out[2], errp[2], gate[2], rerr;
	pid_t relay, feeder, listener;
	unsigned port;
	FILE *f, *err;

	addr_of(mq, sizeof(mq), mq_name, sizeof(mq_name), "mq", "tin");
	snprintf(n, sizeof(n), "%ld", count);
	make_pipe(out);
	make_pipe(errp);
	listener = check_spawn(LIPC_ARGV("recv", "-v", "tcp::0"), -1, out[1], errp[1]);
	close(out[1]);
	close(errp[1]);
	err = fdopen(errp[0], "r");
	CHECK(err != NULL);
	port = listening_port(err);
	fclose(err);
	snprintf(tcp, sizeof(tcp), "tcp:127.0.0.1:%u", port);
	snprintf(listen_at, sizeof(listen_at), "tcp::%u", port);
	rerr = (int)CHECK_SYS(memfd_create("relay-err", MFD_CLOEXEC));
	relay = check_spawn(LIPC_ARGV("relay", "-k", "-v", "-n", n, mq, tcp), -1, -1, rerr);
	/* The second half waits for the kill: the relay cannot have handed everything over. */
	make_pipe(gate);
	feeder = feed_lines(mq, count, gate[0], gate[1]);
	close(gate[0]);

	f = fdopen(out[0], "r");
	CHECK(f != NULL);
	CHECK_EQ(read_run(f, count / 4, false, &first1, &last1), count / 4);
	CHECK_SYS(kill(listener, SIGKILL));
	CHECK_EQ(check_wait(listener), 128 + SIGKILL);
	got1 = count / 4 + read_run(f, -1, true, &(long){ 0 }, &last1);
	fclose(f);
	CHECK_EQ(first1, 1);
	CHECK_EQ(last1, got1);
	CHECK(last1 <= count / 2);
	close(gate[1]); /* the feeder goes on */

	make_pipe(out);
	listener = check_spawn(LIPC_ARGV("recv", listen_at), -1, out[1], -1);
	close(out[1]);
	f = fdopen(out[0], "r");
	CHECK(f != NULL);
	got2 = read_run(f, -1, false, &first2, &last2);
	fclose(f);
	CHECK_EQ(check_wait(relay), 0);
	CHECK_EQ(check_wait(listener), 0); /* its one client, the relay, left after count */
	CHECK_EQ(check_wait(feeder), 0);
	/* Every message from the first not handed to the dead one on, none twice. */
	CHECK_EQ(last2, count);
	CHECK(first2 > last1);
	CHECK_EQ(got2, count - first2 + 1);
	relay_err = malloc(65536);
	CHECK(relay_err != NULL);
	relay_err[CHECK_SYS(pread(rerr, relay_err, 65535, 0))] = '\0';
	CHECK_CONTAINS(relay_err, "reopening it");
	CHECK_CONTAINS(relay_err, "taking messages again");
	fprintf(stderr, "tcp: %ld to the killed listener, %ld lost in its socket buffer\n", got1,
		first2 - last1 - 1);
	free(relay_err);
	close(rerr);
	CHECK_SYS(lipc_msgq_posix_unlink(mq_name));
}

CHECK_MAIN(TEST(usage_errors), TEST(stdio_lines_and_closed_stdout), TEST(reader_goes_away),
	   TEST(failures_say_what_was_not_delivered), TEST(signal_removes_both_ends),
	   TEST(full_to_times_out_and_stays_killable), TEST_T(chain_of_relays, 300),
	   TEST(ring_consumer_killed_and_restarted), TEST(tcp_listener_killed_and_restarted))
