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
	"  -v, --verbose          put what the kernel tells of each message before it:\n"
	"                         len=BYTES and, where the mechanism has them, priority=,\n"
	"                         type=, pid= uid= gid=, then a tab\n"
	"  -f, --framed           length-prefixed frames instead of lines (binary safe)\n"
	"  -m, --mode MODE        permissions of an object lipc creates (octal, default 0600)\n"
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
	"last writer closes it. A queue (mq:/NAME, sysv-mq:KEY) is created when missing too,\n"
	"and stays until it is removed; an existing queue keeps its own size. A queue has no\n"
	"end: recv waits for the next message until COUNT messages have come or the timeout\n"
	"runs out; an mq: receiver gets the message of the highest priority first. A ring\n"
	"(shm:/NAME) is created when missing and kept; its stream ends when its writer closes\n"
	"it and everything was read.\n"
	"Exit status: 0 done, 1 failed or timed out, 2 usage error.\n";

static const struct option longopts[] = {
	CHAN_LONGOPTS,
	{ "truncate", required_argument, NULL, OPT_TRUNCATE },
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

int cmd_recv(int argc, char **argv)
{
	struct chan_args ca;
	struct lipc_chan *c;
	struct lipc_msg m;
	long count = -1, got = 0;
	int opt, r = 0, ret = EXIT_SUCCESS;
	bool verbose = false;

	chan_args_init(&ca, LIPC_CHAN_RECV);
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
	c = open_channel(&ca, LIPC_CHAN_RECV);
	while (got != count && (r = lipc_chan_recv(c, &m)) == 1) {
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
