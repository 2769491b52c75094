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
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "internal.h" /* lipc__iov_advance() */

#define OUT_SIZE ((size_t)64 * 1024) /* messages gathered for one write() */
#define BATCH	 LIPC_CHAN_BATCH_MAX /* messages taken per receive */

/* Two halves: one literal would pass the 4095 bytes C17 promises to every compiler. */
static const char help_options[] =
	"Usage: lipc recv [OPTIONS] ADDRESS...\n"
	"Print each message that arrives at ADDRESS on its own line, until COUNT messages\n"
	"have arrived or every sender has gone; given several, from all of them at once.\n"
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
	"                         say where it listens (\"lipc: listening on ADDRESS\");\n"
	"                         with several addresses, from=ADDRESS first\n"
	"  -f, --framed           byte streams (fifo, unix, tcp): length-prefixed frames\n"
	"                         instead of lines (binary safe)\n"
	"  -m, --mode MODE        permissions of a FIFO, socket file, queue or ring lipc\n"
	"                         creates (octal, default 0600)\n"
	"  -c, --capacity BYTES   shm*: the size of a ring lipc creates (default 1M)\n"
	"  -t, --timeout SECONDS  give up when no message arrives within SECONDS, at any\n"
	"                         of the addresses (default: wait for ever)\n"
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
	"\n";
static const char help_addresses[] =
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
	"everything was read. shm-multi:/NAME takes many senders at once, and ends when the\n"
	"last has gone. Every receiver of shm-pub:/NAME prints every message sent after it\n"
	"came, however many receivers there are; one of shm-lossy:/NAME that falls behind\n"
	"loses the oldest messages, says \"lipc: ADDRESS: lost N messages\" and goes on.\n"
	"A ring of another mode than the address names is refused (shm: joins any). A FIFO,\n"
	"queue or ring that is there already is joined only when it is yours or root's (a\n"
	"ring only when nobody else may write it), unless --owner names its owner.\n"
	"Options apply to every ADDRESS. One whose senders have gone is closed while the\n"
	"others go on. sysv-mq: has no descriptor to wait on with others: relay it to mq:.\n"
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
	struct held_signals held;
} out;

/*
 * Write iov[0..cnt) to standard output, whole: 0, or -1 after saying why. While signals are
 * held, each write waits first for room with them let in (ppoll), so that a reader that
 * stopped reading cannot keep SIGTERM out.
 */
static int write_out(struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t n;

		if (out.held.on) {
			struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

			ppoll(&p, 1, NULL, held_wait_mask(&out.held));
		}
		n = writev(STDOUT_FILENO, iov, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			stdout_failed = true;
			out.used = 0;
			release_signals(&out.held);
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
	release_signals(&out.held);
	return 0;
}

/*
 * Gather a message and its newline (and its -v prefix: from, "from=ADDRESS " of flen bytes when
 * there are several addresses, then the metadata), holding the signals until the batch is
 * written: 0, or -1 after saying why.
 */
static int put_msg(const struct lipc_msg *m, bool verbose, const char *from, size_t flen)
{
	char meta[160];
	size_t mlen = verbose ? format_meta(meta, sizeof(meta), m) : 0;

	hold_signals(&out.held);
	if (flen + mlen + m->len + 1 > OUT_SIZE - out.used) {
		/* Longer than the room left: what is gathered and this one, in one writev(). */
		if (flen + mlen + m->len + 1 > OUT_SIZE) {
			struct iovec all[5] = { { out.buf, out.used },
						{ (void *)(uintptr_t)from, flen },
						{ meta, mlen },
						{ (void *)(uintptr_t)m->data, m->len },
						{ (void *)(uintptr_t) "\n", 1 } };

			if (write_out(all, 5) < 0)
				return -1;
			out.used = 0;
			return 0;
		}
		if (write_gathered() < 0)
			return -1;
	}
	if (flen)
		memcpy(out.buf + out.used, from, flen);
	out.used += flen;
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
static int put_batch(const struct lipc_msg *msgs, int n, bool verbose, const char *from,
		     size_t flen)
{
	for (int i = 0; i < n; i++)
		if (put_msg(&msgs[i], verbose, from, flen) < 0)
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

/*
 * Several addresses (lipc recv ADDRESS...): every channel's descriptor (lipc_chan_fd(), readable
 * exactly when a receive would not wait) in one poll(), and from each ready one in turn a batch
 * taken with a timeout of 0 and written out before the next receive, so that a busy address
 * cannot starve the others and nothing is held unwritten while another is read. Each channel is
 * opened with a timeout of 0, which no open waits on (a FIFO's read end opens without a writer,
 * and poll() reports nothing until one has come); --timeout bounds the poll instead. An address
 * whose stream ends is closed at once (its FIFO or socket file removed, as a recv of it alone
 * would at its end), so that a later sender waits for a receiver, or is refused, rather than
 * writing into a channel nobody reads.
 */
struct source {
	struct chan_args ca;
	struct lipc_chan *c;
	char *from; /* "from=ADDRESS " for -v, escaped */
	size_t flen;
};

static struct source *srcs;
static size_t nsrcs;

/* Close a source's channel (what it created removed, and forgotten by the signal handler). */
static int close_source(struct source *s)
{
	int ret = 0;

	if (s->c)
		ret = close_channel(&s->ca, s->c);
	s->c = NULL;
	return ret;
}

/* Close every channel still open: 0, or -1 after saying why one could not be. */
static int close_sources(void)
{
	int ret = 0;

	for (size_t i = 0; i < nsrcs; i++) {
		const char *address = srcs[i].ca.address;
		bool open = srcs[i].c != NULL;

		if (close_source(&srcs[i]) < 0 && open) {
			warn_msg("cannot close %s: %s", address, chan_strerror(&srcs[i].ca, errno));
			ret = -1;
		}
	}
	return ret;
}

/* Close what is open and exit 1 (the message said already). */
static _Noreturn void fail_sources(void)
{
	close_sources();
	exit(EXIT_FAILURE);
}

/* Open every address, and the descriptor each is waited on with; exit 1 saying why one fails. */
static void open_sources(struct pollfd *pfds)
{
	for (size_t i = 0; i < nsrcs; i++) {
		struct source *s = &srcs[i];

		s->ca.opts.on_create = remove_on_signal;
		s->ca.opts.on_create_arg = &s->ca;
		s->ca.opts.timeout_ms = 0;
		s->c = lipc_chan_open(s->ca.address, LIPC_RECV, &s->ca.opts);
		if (!s->c) {
			int err = errno;

			close_sources(); /* a failed open removed what it made */
			if (err == EPERM)
				fail("cannot open %s: %s (--owner USER trusts USER's, whatever the "
				     "mode)",
				     s->ca.address, chan_strerror(&s->ca, err));
			fail("cannot open %s: %s", s->ca.address, chan_strerror(&s->ca, err));
		}
		pfds[i] = (struct pollfd){ .fd = lipc_chan_fd(s->c), .events = POLLIN };
		if (pfds[i].fd < 0) {
			warn_msg("cannot wait on %s with other addresses: %s", s->ca.address,
				 chan_strerror(&s->ca, errno));
			fail_sources();
		}
	}
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC), for poll(); -1 when there is none. */
static int ms_left(const struct timespec *deadline, int timeout_ms)
{
	struct timespec now;
	long long ms;

	if (timeout_ms < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

static void deadline_in(struct timespec *deadline, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += timeout_ms / 1000;
	deadline->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

/*
 * Take one batch from a ready source and write it out: 1 when it ended (closed, dropped from the
 * set), 0 when it goes on, -1 when recv must stop (said why; *ret set).
 */
static int take_from(struct source *s, struct lipc_msg *msgs, size_t want, bool verbose, long *got,
		     int *ret)
{
	int r = lipc_chan_recv_many(s->c, msgs, want);

	if (r > 0) {
		if (put_batch(msgs, r, verbose, s->from, s->flen) < 0) {
			*ret = EXIT_FAILURE;
			return -1;
		}
		*got += r;
		return 0;
	}
	if (r == 0) {
		if (close_source(s) < 0) {
			warn_msg("cannot close %s: %s", s->ca.address,
				 chan_strerror(&s->ca, errno));
			*ret = EXIT_FAILURE;
		}
		return 1;
	}
	if (errno == EAGAIN) /* a client accepted, a wake-up with nothing for us after all */
		return 0;
	if (ring_lost(&s->ca, errno)) {
		warn_msg("%s: %s", s->ca.address, chan_strerror(&s->ca, errno));
		return 0;
	}
	if (lost_one(&s->ca, errno)) {
		warn_msg("%s: a message was lost: %s", s->ca.address, chan_strerror(&s->ca, errno));
		*ret = EXIT_FAILURE;
		return 0;
	}
	warn_msg("cannot receive from %s: %s", s->ca.address, chan_strerror(&s->ca, errno));
	*ret = EXIT_FAILURE;
	return -1;
}

static int recv_many_addresses(struct chan_args *base, char **addresses, size_t n, long count,
			       bool verbose, struct lipc_msg *msgs)
{
	struct pollfd *pfds = calloc(n, sizeof(*pfds));
	int timeout_ms = base->opts.timeout_ms, ret = EXIT_SUCCESS;
	size_t live = n, start = 0;
	struct timespec deadline;
	long got = 0;

	srcs = calloc(n, sizeof(*srcs));
	if (!pfds || !srcs)
		fail("%s", strerror(ENOMEM));
	/* Every address parsed before any is opened: a bad one is a usage error, nothing made. */
	for (size_t i = 0; i < n; i++) {
		struct source *s = &srcs[i];

		s->ca = *base;
		if (i > 0 && !strchr(addresses[i], ':'))
			usage_error("recv: unexpected argument '%s' (not an address: SCHEME:WHERE)",
				    addresses[i]);
		chan_address(&s->ca, addresses[i]);
		if (s->ca.addr.scheme == LIPC_SCHEME_SYSV_MQ)
			fail("cannot wait on %s with other addresses: %s", s->ca.address,
			     chan_strerror(&s->ca, ENOTSUP));
		if (verbose) {
			char *e = escape_text(s->ca.address, strlen(s->ca.address));

			if (asprintf(&s->from, "from=%s ", e) < 0)
				fail("%s", strerror(ENOMEM));
			s->flen = strlen(s->from);
			free(e);
		}
	}
	nsrcs = n;
	open_sources(pfds);
	if (verbose)
		for (size_t i = 0; i < n; i++)
			say_where(srcs[i].c, &srcs[i].ca);
	deadline_in(&deadline, timeout_ms);
	while (got != count && live > 0) {
		int r = poll(pfds, n, ms_left(&deadline, timeout_ms));
		long before = got;
		bool stop = false;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			warn_msg("cannot wait: %s", strerror(errno));
			ret = EXIT_FAILURE;
			break;
		}
		if (r == 0) {
			warn_msg("no message within %s s at any of the %zu addresses",
				 base->timeout, n);
			ret = EXIT_FAILURE;
			break;
		}
		/* One batch from each ready source, beginning one further each round. */
		for (size_t k = 0; k < n && got != count && !stop; k++) {
			size_t i = (start + k) % n;
			/* No more than the count: a queue keeps what this receiver does not print.
			 */
			size_t want =
				count < 0 || count - got > BATCH ? BATCH : (size_t)(count - got);

			if (pfds[i].fd < 0 || !pfds[i].revents)
				continue;
			switch (take_from(&srcs[i], msgs, want, verbose, &got, &ret)) {
			case 1:
				pfds[i].fd = -1;
				live--;
				break;
			case -1:
				stop = true;
				break;
			default:
				break;
			}
		}
		if (stop)
			break;
		start = (start + 1) % n;
		if (got != before)
			deadline_in(&deadline, timeout_ms);
	}
	release_signals(&out.held);
	if (close_sources() < 0)
		ret = EXIT_FAILURE;
	nsrcs = 0;
	for (size_t i = 0; i < n; i++)
		free(srcs[i].from);
	free(srcs);
	srcs = NULL;
	free(pfds);
	return ret;
}

int cmd_recv(int argc, char **argv)
{
	static struct lipc_msg msgs[BATCH];
	struct chan_args ca;
	struct lipc_chan *c;
	long count = -1, got = 0;
	int opt, r = 0, ret = EXIT_SUCCESS;
	bool verbose = false;

	static char help[sizeof(help_options) + sizeof(help_addresses)];

	snprintf(help, sizeof(help), "%s%s", help_options, help_addresses);
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

	for (size_t i = 0; i < BATCH; i++)
		msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
	/* Several addresses wait in one poll(); one keeps the path below, a receive that waits. */
	if (optind + 1 < argc)
		return recv_many_addresses(&ca, argv + optind, (size_t)(argc - optind), count,
					   verbose, msgs);
	chan_address(&ca, argv[optind]);
	c = open_channel(&ca, LIPC_RECV);
	if (verbose)
		say_where(c, &ca);
	while (got != count) {
		/* No more than the count: a queue keeps what this receiver does not print. */
		size_t want = count < 0 || count - got > BATCH ? BATCH : (size_t)(count - got);

		r = lipc_chan_recv_many(c, msgs, want);
		if (r == 0)
			break;
		if (r < 0 && ring_lost(&ca, errno)) {
			/* "lipc: shm-lossy:/x: lost 3 messages: ...", and on with the next one. */
			warn_msg("%s: %s", ca.address, chan_strerror(&ca, errno));
			continue;
		}
		if (r < 0) {
			if (!lost_one(&ca, errno))
				break;
			warn_msg("%s: a message was lost: %s", ca.address,
				 chan_strerror(&ca, errno));
			ret = EXIT_FAILURE;
			continue;
		}
		if (put_batch(msgs, r, verbose, NULL, 0) < 0) {
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
	release_signals(&out.held);
	if (close_channel(&ca, c) < 0 && ret == EXIT_SUCCESS) {
		warn_msg("cannot close %s: %s", ca.address, chan_strerror(&ca, errno));
		ret = EXIT_FAILURE;
	}
	return ret;
}
