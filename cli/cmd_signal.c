/* SPDX-License-Identifier: MIT */
/*
 * lipc signal send PID SIGNAL: send a signal through a pidfd, with an optional queued value.
 * lipc signal wait SIGNAL...: block the signals, say our pid, and print each one that arrives.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lipc/signal.h"

static const char help[] =
	"Usage: lipc signal send PID SIGNAL [--value N]\n"
	"   or: lipc signal wait SIGNAL... [-n COUNT] [-t SECONDS]\n"
	"Send a signal to a process, or wait for signals and print each one.\n"
	"\n"
	"SIGNAL is a name with or without SIG (USR1, SIGTERM), a number (10), or a real-time\n"
	"signal as RTMIN, RTMIN+N, RTMAX or RTMAX-N.\n"
	"Run 'lipc signal send --help' or 'lipc signal wait --help' for their options.\n";

static const char send_help[] =
	"Usage: lipc signal send [OPTIONS] PID SIGNAL\n"
	"Send SIGNAL to the process PID, through a pidfd (pidfd_open, pidfd_send_signal).\n"
	"\n"
	"SIGNAL is a name with or without SIG (USR1, SIGTERM), a number (10), or a real-time\n"
	"signal as RTMIN, RTMIN+N, RTMAX or RTMAX-N. Signal 0 sends nothing: it checks that PID\n"
	"exists and may be signalled. PID is one process; process groups are not supported.\n"
	"\n"
	"Options:\n"
	"  -v, --value N  queue the signal with the integer N (0 to 2147483647) as payload,\n"
	"                 as sigqueue() does (si_code SI_QUEUE); without it the signal is\n"
	"                 sent as kill() sends it (si_code SI_USER)\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 sent, 1 failed (no such process, not permitted), 2 usage error.\n";

static const char wait_help[] =
	"Usage: lipc signal wait [OPTIONS] SIGNAL...\n"
	"Block each SIGNAL, print this process's pid, then print one line per signal received,\n"
	"until COUNT have arrived. The first line is 'pid PID waiting for SIGNAL...'; then each\n"
	"line is the signal's name and fields in a fixed order, the value last and only for a\n"
	"queued signal:\n"
	"  SIGUSR1 pid=SENDER uid=UID code=SI_QUEUE value=N\n"
	"The sender's pid and uid are what the kernel recorded (SI_USER, SI_TKILL) or what the\n"
	"sender claims (SI_QUEUE, and any other code below 0: SI_TIMER and SI_MESGQ can be\n"
	"forged too). A standard signal sent several times before it is read arrives once;\n"
	"real-time signals (RTMIN+N) arrive once per send, in order.\n"
	"\n"
	"Options:\n"
	"  -n, --count COUNT      exit after COUNT signals (default: wait for ever)\n"
	"  -t, --timeout SECONDS  give up when no signal arrives within SECONDS\n"
	"  -h, --help             show this help\n"
	"\n"
	"A signal that is not listed keeps its usual effect: SIGTERM and SIGINT (Ctrl+C) end\n"
	"the command unless they are listed; if SIGINT is, use Ctrl+\\ (SIGQUIT). SIGKILL and\n"
	"SIGSTOP cannot be waited for: they cannot be caught or blocked.\n"
	"Exit status: 0 done, 1 failed or timed out, 2 usage error.\n";

/* A signal operand, or exit 2 saying why it is not one. */
static int parse_signal(const char *text)
{
	int sig = lipc_signal_parse(text);

	if (sig < 0)
		usage_error("unknown signal '%s' (a name such as USR1, a number, or RTMIN+N)",
			    text);
	return sig;
}

/* A process id: one positive number. */
static pid_t parse_pid(const char *text)
{
	if (text[0] == '-' || !strcmp(text, "0"))
		usage_error("pid '%s' is not a process id: process groups are not supported", text);
	return (pid_t)parse_long("pid", text, 1, INT_MAX);
}

/* Why a signal could not be sent, in the words of this command. */
static const char *send_strerror(int err)
{
	switch (err) {
	case ESRCH:
		return "no such process";
	case EPERM:
		return "not permitted: neither its real nor its saved uid is our real or effective "
		       "uid, and we lack CAP_KILL";
	case EAGAIN:
		return "its queue of pending signals is full (RLIMIT_SIGPENDING)";
	case EINVAL:
		return "not a process (a thread of another process?)";
	case ENOSYS:
		return "pidfds need Linux 5.3 or later";
	default:
		return strerror(err);
	}
}

static int signal_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "value", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char name[LIPC_SIGNAL_NAME_MAX];
	union sigval value = { 0 };
	bool queued = false;
	pid_t pid;
	int opt, sig, fd;

	while ((opt = next_option(argc, argv, "v:", longopts, send_help)) != -1) {
		value.sival_int = (int)parse_long("value", optarg, 0, INT_MAX);
		queued = true;
	}
	if (optind >= argc)
		usage_error("signal send: missing PID");
	if (optind + 1 >= argc)
		usage_error("signal send: missing SIGNAL");
	if (optind + 2 < argc)
		usage_error("signal send: unexpected argument '%s'", argv[optind + 2]);
	pid = parse_pid(argv[optind]);
	sig = parse_signal(argv[optind + 1]);
	if (sig == 0 && queued)
		usage_error("signal 0 only checks that the process exists; it carries no value");
	lipc_signal_name(sig, name);

	fd = lipc_signal_pidfd_open(pid);
	if (fd < 0)
		fail("cannot signal process %d: %s", (int)pid, send_strerror(errno));
	if (lipc_signal_send(fd, sig, queued ? &value : NULL) < 0) {
		int err = errno;

		close(fd);
		if (sig == 0)
			fail("cannot signal process %d: %s", (int)pid, send_strerror(err));
		fail("cannot send %s to process %d: %s", name, (int)pid, send_strerror(err));
	}
	close(fd);
	return EXIT_SUCCESS;
}

/* One line for a received signal; 0, or -1 after saying why it could not be written. */
static int print_signal(const struct lipc_signal_info *si)
{
	char name[LIPC_SIGNAL_NAME_MAX];
	const char *code = lipc_signal_code_name(si->signo, si->code);

	printf("%s pid=%d uid=%u code=", lipc_signal_name(si->signo, name), (int)si->pid,
	       (unsigned)si->uid);
	if (code)
		fputs(code, stdout);
	else
		printf("%d", si->code);
	if (si->code == SI_QUEUE || si->code == SI_TIMER || si->code == SI_MESGQ)
		printf(" value=%d", si->value);
	if (putchar('\n') == EOF || fflush(stdout) == EOF || ferror(stdout)) {
		warn_msg("write error: %s", strerror(errno));
		stdout_failed = true;
		return -1;
	}
	return 0;
}

static int signal_wait(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char name[LIPC_SIGNAL_NAME_MAX];
	struct lipc_signal_info si = LIPC_SIGNAL_INFO_INIT;
	const char *timeout = NULL;
	long count = -1, got = 0;
	int opt, fd, timeout_ms = -1, ret = EXIT_SUCCESS;
	sigset_t set;

	while ((opt = next_option(argc, argv, "n:t:", longopts, wait_help)) != -1) {
		if (opt == 'n') {
			count = parse_long("count", optarg, 1, LONG_MAX);
		} else {
			timeout = optarg;
			timeout_ms = parse_seconds("timeout", optarg);
		}
	}
	if (optind >= argc)
		usage_error("signal wait: missing SIGNAL");
	sigemptyset(&set);
	for (int i = optind; i < argc; i++) {
		int sig = parse_signal(argv[i]);

		if (sig == 0)
			usage_error("signal 0 is never delivered, so it cannot be waited for");
		if (sig == SIGKILL || sig == SIGSTOP)
			usage_error("%s cannot be waited for: it cannot be caught or blocked",
				    lipc_signal_name(sig, name));
		/* Linux numbers its standard signals below 32; the C library keeps 32 and up,
		 * below SIGRTMIN, for its threads. */
		if (sig >= 32 && sig < SIGRTMIN)
			usage_error(
				"signal %d is reserved by the C library and cannot be waited for",
				sig);
		sigaddset(&set, sig);
	}

	/* Blocked before the pid goes out: a sender that reads it must not hit the default
	 * action. */
	fd = lipc_signal_open(&set, NULL);
	if (fd < 0)
		fail("cannot wait for signals: %s", strerror(errno));
	printf("pid %d waiting for", (int)getpid());
	for (int sig = 1; sig <= SIGRTMAX; sig++)
		if (sigismember(&set, sig) == 1)
			printf(" %s", lipc_signal_name(sig, name));
	if (putchar('\n') == EOF || fflush(stdout) == EOF) {
		warn_msg("write error: %s", strerror(errno));
		stdout_failed = true;
		close(fd);
		return EXIT_FAILURE;
	}

	while (got != count) {
		if (lipc_signal_recv(fd, &si, timeout_ms) < 0) {
			if (errno == ETIMEDOUT || errno == EAGAIN)
				warn_msg("no signal within %s s", timeout);
			else
				warn_msg("cannot read signals: %s", strerror(errno));
			ret = EXIT_FAILURE;
			break;
		}
		if (print_signal(&si) < 0) {
			ret = EXIT_FAILURE;
			break;
		}
		got++;
	}
	close(fd);
	return ret;
}

int cmd_signal(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	const char *sub;

	/* '+': stop at the subcommand, whose options are its own. */
	while (next_option(argc, argv, "+", longopts, help) != -1)
		;
	if (optind >= argc)
		usage_error("signal: missing send or wait");
	sub = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0; /* getopt starts over, on the subcommand's arguments */
	if (!strcmp(sub, "send")) {
		cli_cmd = "signal send";
		return signal_send(argc, argv);
	}
	if (!strcmp(sub, "wait")) {
		cli_cmd = "signal wait";
		return signal_wait(argc, argv);
	}
	usage_error("signal: unknown action '%s' (send or wait)", sub);
}
