/* SPDX-License-Identifier: MIT */
/* lipc recv: print each message that arrives at ADDRESS on its own line. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "cli.h"

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

/* "len=5 priority=3\t": what -v shows before a message. */
static void print_meta(const struct lipc_msg *m)
{
	printf("len=%zu", m->len);
	if (m->has & LIPC_MSG_PRIORITY)
		printf(" priority=%u", m->priority);
	if (m->has & LIPC_MSG_TYPE)
		printf(" type=%ld", m->type);
	if (m->has & LIPC_MSG_CRED)
		printf(" pid=%d uid=%u gid=%u", (int)m->pid, (unsigned)m->uid, (unsigned)m->gid);
	putchar('\t');
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
	struct chan_args ca;
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
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

	/* Messages go out as they come, even into a pipe: a reader downstream is waiting. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	c = open_channel(&ca, LIPC_RECV);
	if (verbose)
		say_where(c, &ca);
	while (got != count && (r = lipc_chan_recv(c, &m)) != 0) {
		if (r < 0) {
			if (!lost_one(&ca, errno))
				break;
			warn_msg("%s: a message was lost: %s", ca.address,
				 chan_strerror(&ca, errno));
			ret = EXIT_FAILURE;
			continue;
		}
		if (verbose)
			print_meta(&m);
		if (print_msg(m.data, m.len) < 0) {
			ret = EXIT_FAILURE;
			break;
		}
		got++;
	}
	if (r < 0) {
		if (errno == ETIMEDOUT || errno == EAGAIN)
			warn_msg("%s: no message within %s s", ca.address, ca.timeout);
		else
			warn_msg("cannot receive from %s: %s", ca.address,
				 chan_strerror(&ca, errno));
		ret = EXIT_FAILURE;
	}
	if (close_channel(c) < 0 && ret == EXIT_SUCCESS) {
		warn_msg("cannot close %s: %s", ca.address, chan_strerror(&ca, errno));
		ret = EXIT_FAILURE;
	}
	return ret;
}
