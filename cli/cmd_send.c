/* SPDX-License-Identifier: MIT */
/*
 * lipc send: each operand, or each line of standard input, is one message to ADDRESS. Standard
 * input is read in large blocks and its lines sent in batches (lipc_chan_send_many(): one write of
 * many lines on a byte stream), so that a pipe of short lines goes at the speed of the pipe. A
 * line is sent as soon as read() has returned it whole: typed at a terminal, it goes at once. A
 * line longer than the block grows the block; a last line without a newline is a message too.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define BLOCK	   ((size_t)256 * 1024) /* standard input is read this much at a time */
#define BATCH_MSGS 1024			/* lines handed to the channel in one call */

static const char help[] =
	"Usage: lipc send [OPTIONS] ADDRESS [MESSAGE...]\n"
	"Send each MESSAGE to ADDRESS; with no MESSAGE, send each line of standard input.\n"
	"\n"
	"Options:\n"
	"  -f, --framed           byte streams (fifo, unix, tcp): length-prefixed frames\n"
	"                         instead of lines, so a message may hold newlines (the\n"
	"                         receiver needs --framed too)\n"
	"  -m, --mode MODE        permissions of an object lipc creates (octal, default 0600)\n"
	"  -c, --capacity BYTES   shm*: the size of a ring lipc creates (default 1M)\n"
	"  -t, --timeout SECONDS  wait at most SECONDS for a receiver (a FIFO's reader, room\n"
	"                         in a socket listener's backlog, a TCP handshake), and for\n"
	"                         room for each message; 0 does not wait (default: for ever)\n"
	"      --priority N       mq: send each message with priority N, 0 (the default) to\n"
	"                         32767; the receiver gets the highest priority first\n"
	"      --type N           sysv-mq: send each message as type N, 1 (the default) or more\n"
	"      --max-msgs N       mq: a queue lipc creates holds N messages (default: the\n"
	"                         system's, /proc/sys/fs/mqueue/msg_default)\n"
	"      --msg-size BYTES   mq: a queue lipc creates takes messages of up to BYTES\n"
	"                         (default: /proc/sys/fs/mqueue/msgsize_default)\n"
	"      --owner USER       trust USER (a name or a uid) too: join a FIFO, queue or ring\n"
	"                         that USER owns, send to a unix socket USER listens on\n"
	"  -h, --help             show this help\n"
	"\n"
	"Put -- before messages that begin with '-'. ADDRESS takes the forms 'lipc --help'\n"
	"lists. A FIFO (fifo:PATH) is created when missing and removed again by the process\n"
	"that created it. A socket address needs its receiver first: send connects (tcp::PORT\n"
	"to localhost) and fails at once when nobody listens; a datagram or seqpacket message\n"
	"must fit the socket's send buffer. A queue (mq:/NAME, sysv-mq:KEY) or a ring\n"
	"(shm:/NAME) is created when missing (with --mode, and --max-msgs and --msg-size for\n"
	"mq:, --capacity for shm:), and stays, with the messages no one has taken yet, until\n"
	"it is removed; an existing one keeps its own size. Messages to a queue or a ring may\n"
	"hold any byte. Several senders may write to shm-multi:/NAME at once; what is sent to\n"
	"shm-pub:/NAME or shm-lossy:/NAME reaches every receiver attached (shm-pub: waits\n"
	"for the slowest, shm-lossy: never waits). A ring of another mode than the address\n"
	"names is refused (shm: joins any). An object that is there already is joined only\n"
	"when it is yours or root's (a ring only when nobody else may write it), and a unix\n"
	"socket only when its receiver runs as you or root: another user could have made it\n"
	"first to read your messages. --owner names a user you trust as well.\n"
	"Exit status: 0 sent, 1 failed, 2 usage error.\n";

static const struct option longopts[] = {
	CHAN_LONGOPTS,
	{ "priority", required_argument, NULL, OPT_PRIORITY },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* A send failed with errno: say why, and return -1. */
static int send_failed(struct lipc_chan *c, const struct chan_args *ca)
{
	struct lipc_chan_stat st = LIPC_CHAN_STAT_INIT;
	int err = errno;
	bool queue;

	/* A queue needs no receiver, only room, and names its own limit (chan_strerror). */
	queue = lipc_chan_stat(c, &st) == 0;
	if (err == ETIMEDOUT && queue)
		warn_msg("%s: no room within %s s: %s", ca->address, ca->timeout,
			 chan_strerror(ca, err));
	else if ((err == ETIMEDOUT || err == EAGAIN) && !queue)
		warn_msg("%s: the receiver took nothing for %s s", ca->address, ca->timeout);
	else
		warn_msg("cannot send to %s: %s", ca->address, chan_strerror(ca, err));
	return -1;
}

/* Send one message; on failure print why and return -1. */
static int send_one(struct lipc_chan *c, const struct chan_args *ca, const void *data, size_t len)
{
	return lipc_chan_send(c, data, len) == 0 ? 0 : send_failed(c, ca);
}

/* Send msgs[0..n), all of them, in as few calls as the channel takes; -1 after saying why. */
static int send_batch(struct lipc_chan *c, const struct chan_args *ca, struct lipc_msg *msgs,
		      size_t n)
{
	while (n > 0) {
		int r = lipc_chan_send_many(c, msgs, n);

		/* A short count: the next call starts at the message that failed, and says why. */
		if (r < 0)
			return send_failed(c, ca);
		msgs += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Each line of standard input, read in blocks, is a message: 0, or -1 after saying why. */
static int send_lines(struct lipc_chan *c, const struct chan_args *ca)
{
	static struct lipc_msg msgs[BATCH_MSGS];
	size_t cap = BLOCK, tail = 0, k = 0;
	char *buf = malloc(cap);
	int ret = -1;

	if (!buf) {
		warn_msg("cannot read standard input: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n;
		char *p = buf, *end, *nl;

		do
			n = read(STDIN_FILENO, buf + tail, cap - tail);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			warn_msg("cannot read standard input: %s", strerror(errno));
			goto out_free;
		}
		tail += (size_t)n;
		end = buf + tail;
		/* Every whole line, in batches; the lines point into buf until sent. */
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			msgs[k++] = (struct lipc_msg){ .struct_size = sizeof(msgs[0]),
						       .data = p,
						       .len = (size_t)(nl - p) };
			p = nl + 1;
			if (k == BATCH_MSGS) {
				if (send_batch(c, ca, msgs, k) < 0)
					goto out_free;
				k = 0;
			}
		}
		/* At the end, a last line without its newline is still a message. */
		if (n == 0 && p < end) {
			msgs[k++] = (struct lipc_msg){ .struct_size = sizeof(msgs[0]),
						       .data = p,
						       .len = (size_t)(end - p) };
			p = end;
		}
		if (k > 0 && send_batch(c, ca, msgs, k) < 0)
			goto out_free;
		k = 0;
		if (n == 0)
			break;
		/* The start of a line goes to the front; a line that fills the block grows it. */
		tail = (size_t)(end - p);
		memmove(buf, p, tail);
		if (tail == cap) {
			char *bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				warn_msg("a line of more than %zu bytes: %s", cap,
					 strerror(ENOMEM));
				goto out_free;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	ret = 0;

out_free:
	free(buf);
	return ret;
}

int cmd_send(int argc, char **argv)
{
	struct chan_args ca;
	struct lipc_chan *c;
	int opt, ret = EXIT_SUCCESS;

	chan_args_init(&ca, LIPC_SEND);
	while ((opt = next_option(argc, argv, CHAN_SHORTOPTS, longopts, help)) != -1)
		chan_option(&ca, opt, optarg);
	if (optind >= argc)
		usage_error("send: missing ADDRESS");
	chan_address(&ca, argv[optind++]);
	if (ca.addr.scheme == LIPC_SCHEME_TCP && ca.addr.port == 0)
		usage_error("send: port 0 is for a receiver, which then says its real port "
			    "(lipc recv -v)");
	/* Check every message before sending any, so a bad one cannot leave a half-done job. */
	if (!(ca.opts.flags & LIPC_CHAN_FRAMED) && !chan_keeps_boundaries(&ca)) {
		for (int i = optind; i < argc; i++)
			if (strchr(argv[i], '\n'))
				usage_error(
					"message %d holds a newline, which would split it in two "
					"(use --framed)",
					i - optind + 1);
	}

	/* A receiver that goes away must be an error message, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	c = open_channel(&ca, LIPC_SEND);
	if (optind < argc) {
		for (int i = optind; i < argc && ret == EXIT_SUCCESS; i++)
			if (send_one(c, &ca, argv[i], strlen(argv[i])) < 0)
				ret = EXIT_FAILURE;
	} else if (send_lines(c, &ca) < 0) {
		ret = EXIT_FAILURE;
	}
	if (close_channel(&ca, c) < 0 && ret == EXIT_SUCCESS) {
		warn_msg("cannot close %s: %s", ca.address, chan_strerror(&ca, errno));
		ret = EXIT_FAILURE;
	}
	return ret;
}
