/* SPDX-License-Identifier: MIT */
/*
 * lipc recv: print each message that arrives at ADDRESS on its own line. Messages are taken many
 * per call (lipc_chan_recv_many(): all that a read brings on a byte stream, what is queued on a
 * socket, the records ready in a ring) and each batch is written out in one write() before the
 * next is taken, so that a reader downstream never waits for a message that has arrived, and a
 * pipe of short lines goes at the speed of the pipe.
 *
 * The trap: a message taken from the channel and not yet written out would be lost if a signal
 * ended the process. So SIGINT, SIGTERM and SIGHUP are held from the moment a batch arrives until
 * it has been written: one that comes meanwhile takes effect right after the write (its handler,
 * remove_on_signal's, then removes what the channel created). Only while standard output takes
 * nothing (a reader that stopped reading) is such a signal let in before the write, and the batch
 * lost with the process: a stuck reader must not make lipc unkillable. SIGKILL takes with it the
 * batch a queue or a socket handed over; a ring's batch is released only by the next receive,
 * after the write, so a ring gives a batch the killed receiver had not written to the next one.
 * The guide (docs/lipc.1, recv) says so.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h" /* lipc__iov_advance() */

#define OUT_SIZE ((size_t)64 * 1024) /* messages gathered for one write() */
#define BATCH	 LIPC_CHAN_BATCH_MAX /* messages taken per receive */

static const char help[] =
	"Usage: lipc recv [OPTIONS] ADDRESS\n"
	"Print each message that arrives at ADDRESS on its own line, until COUNT messages\n"
	"have arrived or every sender has gone.\n"
	"\n"
	"Options:\n"
	"  -n, --count COUNT      exit after COUNT messages\n"
	"  -k, --keep             go on when the last sender leaves (no end of stream)\n"
	"      --allow-uid USER   unix, unix-dgram, unix-seqpacket: take messages only from\n"
	"                         processes of USER, a name or a uid (others are\n"
	"                         disconnected, their datagrams dropped)\n"
	"      --max-clients N    unix, unix-seqpacket, tcp: serve at most N clients at once;\n"
	"                         a newer one is disconnected (default: half the descriptor\n"
	"                         limit, ulimit -n, and at most 1024)\n"
	"      --owner USER       join a FIFO, queue or ring that USER (a name or a uid) owns\n"
	"  -v, --verbose          put what the kernel tells of each message before it:\n"
	"                         len=BYTES and, where the mechanism has them, priority=,\n"
	"                         type=, pid= uid= gid=, then a tab; on a socket, first\n"
	"                         say where it listens (\"lipc: listening on ADDRESS\")\n"
	"  -f, --framed           byte streams (fifo, unix, tcp): length-prefixed frames\n"
	"                         instead of lines (binary safe)\n"
	"  -m, --mode MODE        permissions of a FIFO, socket file, queue or ring lipc\n"
	"                         creates (octal, default 0600)\n"
	"  -c, --capacity BYTES   shm: the size of a ring lipc creates (default 1M)\n"
	"  -t, --timeout SECONDS  give up when no message arrives within SECONDS\n"
	"                         (default: wait for ever)\n"
	"      --type N           sysv-mq: which message to take, as msgrcv(2) picks it: 0\n"
	"                         (the default) the first of any type, N the first of type N,\n"
	"                         -N the first of the lowest type up to N\n"
	"      --truncate BYTES   sysv-mq: take at most BYTES of each message and drop the\n"
	"                         rest (MSG_NOERROR); without it, nothing is ever cut\n"
	"      --max-msgs N       mq: a queue lipc creates holds N messages (default: the\n"
	"                         system's, /proc/sys/fs/mqueue/msg_default)\n"
	"      --msg-size BYTES   mq: a queue lipc creates takes messages of up to BYTES\n"
	"                         (default: /proc/sys/fs/mqueue/msgsize_default)\n"
	"  -h, --help             show this help\n"
	"\n"
	"ADDRESS takes the forms 'lipc --help' lists. A FIFO (fifo:PATH) is created when\n"
	"missing and removed again by the process that created it; its stream ends when its\n"
	"last writer closes it. A socket receiver listens, and removes its socket file at the\n"
	"end; a stale file is replaced, a live listener's never. unix: and unix-seqpacket:\n"
	"serve every client at once and end when the last one has gone (unless --keep);\n"
	"unix-dgram: never ends. tcp::PORT listens on 127.0.0.1 only (tcp:0.0.0.0:PORT on\n"
	"every interface); port 0 picks a free port, which -v tells. A sender whose message\n"
	"is broken or too long is disconnected and the others served; the exit status is\n"
	"then 1. A queue (mq:/NAME, sysv-mq:KEY) is created when missing too, and stays until\n"
	"it is removed; an existing queue keeps its own size. A queue has no end: recv waits\n"
	"for the next message until COUNT messages have come or the timeout runs out; an mq:\n"
	"receiver gets the message of the highest priority first. A ring (shm:/NAME) is\n"
	"created when missing and kept; its stream ends when its writer closes it and\n"
	"everything was read. A FIFO, queue or ring that is there already is joined only when\n"
	"it is yours or root's (a ring only when nobody else may write it), unless --owner\n"
	"names its owner.\n"
	"Exit status: 0 done, 1 failed or timed out, 2 usage error.\n";

static const struct option longopts[] = {
	CHAN_LONGOPTS,
	{ "truncate", required_argument, NULL, OPT_TRUNCATE },
	{ "allow-uid", required_argument, NULL, OPT_ALLOW_UID },
	{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
	{ "count", required_argument, NULL, 'n' },
	{ "keep", no_argument, NULL, 'k' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* "len=5 priority=3\t": what -v shows before a message, in meta; its length. */
static size_t format_meta(char *meta, size_t size, const struct lipc_msg *m)
{
	int n = snprintf(meta, size, "len=%zu", m->len);

	if (m->has & LIPC_MSG_PRIORITY)
		n += snprintf(meta + n, size - (size_t)n, " priority=%u", m->priority);
	if (m->has & LIPC_MSG_TYPE)
		n += snprintf(meta + n, size - (size_t)n, " type=%ld", m->type);
	if (m->has & LIPC_MSG_CRED)
		n += snprintf(meta + n, size - (size_t)n, " pid=%d uid=%u gid=%u", (int)m->pid,
			      (unsigned)m->uid, (unsigned)m->gid);
	n += snprintf(meta + n, size - (size_t)n, "\t");
	return (size_t)n;
}

/* The output: messages gathered for one write(), and the signals held while it holds any. */
static struct {
	char buf[OUT_SIZE];
	size_t used;
	bool held;	      /* SIGINT, SIGTERM, SIGHUP are blocked */
	sigset_t fatal, mask; /* those three; the mask to restore */
} out;

static void hold_signals(void)
{
	if (!out.held)
		sigprocmask(SIG_BLOCK, &out.fatal, &out.mask);
	out.held = true;
}

static void release_signals(void)
{
	if (out.held)
		sigprocmask(SIG_SETMASK, &out.mask, NULL);
	out.held = false;
}

/*
 * Write iov[0..cnt) to standard output, whole: 0, or -1 after saying why. While signals are
 * held, each write waits first for room with them let in (ppoll), so that a reader that
 * stopped reading cannot keep SIGTERM out.
 */
static int write_out(struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t n;

		if (out.held) {
			struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

			ppoll(&p, 1, NULL, &out.mask);
		}
		n = writev(STDOUT_FILENO, iov, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			stdout_failed = true;
			out.used = 0;
			release_signals();
			warn_msg("write error: %s", strerror(errno));
			return -1;
		}
		lipc__iov_advance(&iov, &cnt, (size_t)n);
	}
	return 0;
}

/* Write out what is gathered: 0, or -1 after saying why. */
static int write_gathered(void)
{
	struct iovec iov = { out.buf, out.used };

	if (out.used > 0 && write_out(&iov, 1) < 0)
		return -1;
	out.used = 0;
	return 0;
}

/* Write out what is gathered, then let the held signals in: 0, or -1 after saying why. */
static int flush_out(void)
{
	if (write_gathered() < 0)
		return -1;
	release_signals();
	return 0;
}

/*
 * Gather a message and its newline (and its -v prefix), holding the signals until the batch is
 * written: 0, or -1 after saying why.
 */
static int put_msg(const struct lipc_msg *m, bool verbose)
{
	char meta[160];
	size_t mlen = verbose ? format_meta(meta, sizeof(meta), m) : 0;

	hold_signals();
	if (mlen + m->len + 1 > OUT_SIZE - out.used) {
		/* Longer than the room left: what is gathered and this one, in one writev(). */
		if (mlen + m->len + 1 > OUT_SIZE) {
			struct iovec all[4] = { { out.buf, out.used },
						{ meta, mlen },
						{ (void *)(uintptr_t)m->data, m->len },
						{ (void *)(uintptr_t) "\n", 1 } };

			if (write_out(all, 4) < 0)
				return -1;
			out.used = 0;
			return 0;
		}
		if (write_gathered() < 0)
			return -1;
	}
	memcpy(out.buf + out.used, meta, mlen);
	out.used += mlen;
	if (m->len)
		memcpy(out.buf + out.used, m->data, m->len);
	out.used += m->len;
	out.buf[out.used++] = '\n';
	return 0;
}

/*
 * Print a batch: out before the next receive, which may wait, and which releases a ring's batch.
 * 0, or -1 after saying why.
 */
static int put_batch(const struct lipc_msg *msgs, int n, bool verbose)
{
	for (int i = 0; i < n; i++)
		if (put_msg(&msgs[i], verbose) < 0)
			return -1;
	return flush_out();
}

static bool is_unix_socket(enum lipc_scheme s)
{
	return s == LIPC_SCHEME_UNIX || s == LIPC_SCHEME_UNIX_DGRAM ||
	       s == LIPC_SCHEME_UNIX_SEQPACKET;
}

/*
 * "lipc: listening on tcp:127.0.0.1:40123" before any message, so that a script that asked for
 * port 0 learns the real one.
 */
static void say_where(const struct lipc_chan *c, const struct chan_args *ca)
{
	char where[PATH_MAX + 64];

	if ((is_unix_socket(ca->addr.scheme) || ca->addr.scheme == LIPC_SCHEME_TCP) &&
	    lipc_chan_address(c, where, sizeof(where)) == 0)
		warn_msg("listening on %s", where);
}

/*
 * A socket receiver that lost one message goes on: a sender whose stream broke (EPROTO) or
 * went past max_msg (EMSGSIZE) has been disconnected, an oversized datagram dropped, and the
 * other senders are still served. (On a FIFO such an error is for good: it stops.)
 */
static bool lost_one(const struct chan_args *ca, int err)
{
	return (err == EPROTO || err == EMSGSIZE) &&
	       (is_unix_socket(ca->addr.scheme) || ca->addr.scheme == LIPC_SCHEME_TCP);
}

int cmd_recv(int argc, char **argv)
{
	static struct lipc_msg msgs[BATCH];
	struct chan_args ca;
	struct lipc_chan *c;
	long count = -1, got = 0;
	int opt, r = 0, ret = EXIT_SUCCESS;
	bool verbose = false;

	chan_args_init(&ca, LIPC_RECV);
	while ((opt = next_option(argc, argv, CHAN_SHORTOPTS "kn:v", longopts, help)) != -1) {
		if (opt == 'n')
			count = parse_long("count", optarg, 1, LONG_MAX);
		else if (opt == 'k')
			ca.opts.flags |= LIPC_CHAN_KEEP;
		else if (opt == 'v')
			verbose = true;
		else
			chan_option(&ca, opt, optarg);
	}
	if (optind >= argc)
		usage_error("recv: missing ADDRESS");
	if (optind + 1 < argc)
		usage_error("recv: unexpected argument '%s'", argv[optind + 1]);
	chan_address(&ca, argv[optind]);

	sigemptyset(&out.fatal);
	sigaddset(&out.fatal, SIGINT);
	sigaddset(&out.fatal, SIGTERM);
	sigaddset(&out.fatal, SIGHUP);
	for (size_t i = 0; i < BATCH; i++)
		msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
	c = open_channel(&ca, LIPC_RECV);
	if (verbose)
		say_where(c, &ca);
	while (got != count) {
		/* No more than the count: a queue keeps what this receiver does not print. */
		size_t want = count < 0 || count - got > BATCH ? BATCH : (size_t)(count - got);

		r = lipc_chan_recv_many(c, msgs, want);
		if (r == 0)
			break;
		if (r < 0) {
			if (!lost_one(&ca, errno))
				break;
			warn_msg("%s: a message was lost: %s", ca.address,
				 chan_strerror(&ca, errno));
			ret = EXIT_FAILURE;
			continue;
		}
		if (put_batch(msgs, r, verbose) < 0) {
			r = 0;
			ret = EXIT_FAILURE;
			break;
		}
		got += r;
	}
	if (r < 0) {
		if (errno == ETIMEDOUT || errno == EAGAIN)
			warn_msg("%s: no message within %s s", ca.address, ca.timeout);
		else
			warn_msg("cannot receive from %s: %s", ca.address,
				 chan_strerror(&ca, errno));
		ret = EXIT_FAILURE;
	}
	release_signals();
	if (close_channel(c) < 0 && ret == EXIT_SUCCESS) {
		warn_msg("cannot close %s: %s", ca.address, chan_strerror(&ca, errno));
		ret = EXIT_FAILURE;
	}
	return ret;
}
