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
	"  -f, --framed           length-prefixed frames instead of lines (binary safe)\n"
	"  -m, --mode MODE        permissions of an object lipc creates (octal, default 0600)\n"
	"  -t, --timeout SECONDS  give up when no message arrives within SECONDS\n"
	"                         (default: wait for ever)\n"
	"  -h, --help             show this help\n"
	"\n"
	"A FIFO (fifo:PATH) is created when missing and removed again by the process that\n"
	"created it; a FIFO's stream ends when its last writer closes it.\n"
	"Exit status: 0 done, 1 failed or timed out, 2 usage error.\n";

static const struct option longopts[] = {
	{ "count", required_argument, NULL, 'n' }, { "framed", no_argument, NULL, 'f' },
	{ "mode", required_argument, NULL, 'm' },  { "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },	   { 0 },
};

int cmd_recv(int argc, char **argv)
{
	struct chan_args ca;
	struct lipc_chan *c;
	struct lipc_msg m;
	long count = -1, got = 0;
	int opt, r = 0, ret = EXIT_SUCCESS;

	chan_args_init(&ca);
	while ((opt = next_option(argc, argv, CHAN_SHORTOPTS "n:", longopts, help)) != -1) {
		if (opt == 'n')
			count = parse_long("count", optarg, 1, LONG_MAX);
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
