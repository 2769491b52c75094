/* lipc demo NAME and lipc tour: the demonstrations, one by one or all in the guide's order. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo.h"

/* In the order of the guide (README.md). */
/* clang-format off */
static const struct demo demos[] = {
	{ "lock", "File Locking", demo_lock },
	{ "pipe", "Pipe (anonymous pipe)", demo_pipe },
	{ "fifo", "FIFO (named pipe)", demo_fifo },
	{ "signal", "Signal", demo_signal },
	{ "sem", "Semaphore", demo_sem },
	{ "mq", "Message Queue (POSIX and System V)", demo_mq },
	{ "shm", "Shared Memory", demo_shm },
	{ "socket", "Socket (Unix domain and TCP)", demo_socket },
};
/* clang-format on */

#define N_DEMOS (sizeof(demos) / sizeof(demos[0]))

static const struct demo *current;
static bool write_failed;
static int write_errno;

/*
 * Colour: on a terminal, unless NO_COLOR is set (https://no-color.org), or as --color says;
 * NO_COLOR wins even over --color=always. Only SGR sequences, so a terminal that ignores them
 * shows plain text.
 */
static bool color;
#define BOLD  "\033[1m"
#define CYAN  "\033[36m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

__attribute__((format(printf, 1, 0))) static void out(const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(STDOUT_FILENO, line + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			write_failed = true;
			write_errno = errno;
			return;
		}
		done += (size_t)w;
	}
}

__attribute__((format(printf, 1, 2))) static void outf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out(fmt, ap);
	va_end(ap);
}

void say(const char *who, const char *fmt, ...)
{
	char text[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (color)
		outf("  " CYAN "[%-6s %5d]" RESET " %s\n", who, (int)getpid(), text);
	else
		outf("  [%-6s %5d] %s\n", who, (int)getpid(), text);
}

void takeaway(const char *fmt, ...)
{
	char text[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (color)
		outf("  " BOLD GREEN "=> %s" RESET "\n", text);
	else
		outf("  => %s\n", text);
}

int demo_fail(const char *what)
{
	warn_msg("demo %s: %s: %s", current ? current->name : "?", what, strerror(errno));
	return 1;
}

int demo_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void demo_exit(void)
{
	/* A line that could not be written is the parent's to report: it writes there too. */
	_exit(0);
}

/*
 * Run one demo with the fatal signals held back. Killed halfway, a demo would leave its IPC
 * objects behind, and a child blocked in open() or a wait for ever: Ctrl+C, a closed standard
 * output (lipc tour | head) and the like take effect when the demo has cleaned up, a few
 * milliseconds later. The children inherit the mask, so they finish their part too.
 */
static int run(const struct demo *d, const char *heading)
{
	sigset_t fatal, old;
	int ret;

	sigemptyset(&fatal);
	sigaddset(&fatal, SIGINT);
	sigaddset(&fatal, SIGTERM);
	sigaddset(&fatal, SIGHUP);
	sigaddset(&fatal, SIGPIPE);
	sigprocmask(SIG_BLOCK, &fatal, &old);
	current = d;
	/* Anything stdio still holds would be written twice by each forked child. */
	fflush(stdout);
	/* The title stands alone on its line, under the tour's rule when there is one. */
	if (color)
		outf("\n%s" BOLD "%s" RESET "\n", heading, d->title);
	else
		outf("\n%s%s\n", heading, d->title);
	ret = d->run();
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* The exit status of a demo command: a narration that could not be written is a failure. */
static int finish(int failed)
{
	if (write_failed) {
		warn_msg("write error: %s", strerror(write_errno));
		return EXIT_FAILURE;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* "pipe, fifo, ...", for help and messages. */
static const char *demo_names(void)
{
	static char list[256];

	if (!list[0]) {
		for (size_t i = 0; i < N_DEMOS; i++) {
			if (i)
				strcat(list, ", ");
			strcat(list, demos[i].name);
		}
	}
	return list;
}

static const struct demo *find_demo(const char *name)
{
	for (size_t i = 0; i < N_DEMOS; i++)
		if (!strcmp(name, demos[i].name))
			return &demos[i];
	return NULL;
}

/* Options with no short form. */
enum {
	OPT_COLOR = 0x100,
	OPT_TECHNIQUE,
};

/* --color=WHEN, and NO_COLOR: whether to colour the narration. */
static void set_color(const char *when)
{
	const char *no_color = getenv("NO_COLOR");

	if (!when || !strcmp(when, "auto"))
		color = isatty(STDOUT_FILENO);
	else if (!strcmp(when, "always"))
		color = true;
	else if (!strcmp(when, "never"))
		color = false;
	else
		usage_error("%s: --color takes auto, always or never, not '%s'", cli_cmd, when);
	if (no_color && *no_color)
		color = false;
}

#define COLOR_HELP                                                                                 \
	"      --color[=WHEN]    colour the narration: auto (the default: when standard\n"         \
	"                        output is a terminal), always or never; never when\n"             \
	"                        NO_COLOR is set\n"                                                \
	"  -h, --help            show this help\n"

int cmd_demo(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "color", optional_argument, NULL, OPT_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *when = NULL;
	const struct demo *d;
	char help[1024];
	int opt;

	snprintf(help, sizeof(help),
		 "Usage: lipc demo [--color[=WHEN]] TECHNIQUE\n"
		 "Show TECHNIQUE live between real processes, narrated step by step: which\n"
		 "process (pid) does what, what the kernel does, and a one-line takeaway.\n"
		 "Techniques: %s\n"
		 "\nOptions:\n" COLOR_HELP
		 "\nEach demo takes a second or less and removes every object it made, also when\n"
		 "interrupted. Exit status: 0 shown, 1 failed, 2 usage error.\n",
		 demo_names());
	while ((opt = next_option(argc, argv, "", longopts, help)) != -1)
		if (opt == OPT_COLOR)
			when = optarg ? optarg : "always";
	if (optind >= argc)
		usage_error("demo: missing TECHNIQUE (one of: %s)", demo_names());
	if (optind + 1 < argc)
		usage_error("demo: unexpected argument '%s'", argv[optind + 1]);
	d = find_demo(argv[optind]);
	if (!d)
		usage_error("demo: unknown technique '%s' (one of: %s)", argv[optind],
			    demo_names());
	set_color(when);
	return finish(run(d, ""));
}

int cmd_tour(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "technique", required_argument, NULL, OPT_TECHNIQUE },
		{ "color", optional_argument, NULL, OPT_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct demo *chosen[64];
	size_t n = 0;
	const char *when = NULL;
	struct timespec start, end;
	bool tour_all;
	char help[1024];
	int failed = 0, opt;

	snprintf(help, sizeof(help),
		 "Usage: lipc tour [--technique NAME]... [--color[=WHEN]]\n"
		 "Show every technique live between real processes, in the order of the guide,\n"
		 "each narrated step by step and closed by a one-line takeaway.\n"
		 "\nOptions:\n"
		 "      --technique NAME  show only NAME (repeat it for several), one of:\n"
		 "                        %s\n" COLOR_HELP
		 "\nThe whole tour ends with a table of round trips measured here (a quick\n"
		 "'lipc bench'); it takes a few seconds and leaves nothing behind.\n"
		 "Exit status: 0 shown, 1 failed, 2 usage error.\n",
		 demo_names());
	while ((opt = next_option(argc, argv, "", longopts, help)) != -1) {
		if (opt == OPT_COLOR) {
			when = optarg ? optarg : "always";
		} else if (opt == OPT_TECHNIQUE) {
			chosen[n] = find_demo(optarg);
			if (!chosen[n])
				usage_error("tour: unknown technique '%s' (one of: %s)", optarg,
					    demo_names());
			if (n + 1 < sizeof(chosen) / sizeof(chosen[0]))
				n++;
		}
	}
	if (optind < argc)
		usage_error("tour: unexpected argument '%s'", argv[optind]);
	tour_all = n == 0;
	if (n == 0)
		for (; n < N_DEMOS; n++)
			chosen[n] = &demos[n];
	set_color(when);
	clock_gettime(CLOCK_MONOTONIC, &start);
	outf(color ? BOLD "LinuxIPC tour: %zu technique%s, each between real processes." RESET "\n"
		   : "LinuxIPC tour: %zu technique%s, each between real processes.\n",
	     n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n && !write_failed; i++) {
		char rule[72], heading[96];
		int len = snprintf(rule, sizeof(rule), "-- %zu/%zu ", i + 1, n);

		/* "-- 3/8 -----...": a rule as wide as the usual narration line. */
		memset(rule + len, '-', sizeof(rule) - 1 - (size_t)len);
		rule[sizeof(rule) - 1] = '\0';
		snprintf(heading, sizeof(heading), "%s%s%s\n", color ? CYAN : "", rule,
			 color ? RESET : "");
		failed |= run(chosen[i], heading);
	}
	/*
	 * The whole tour ends with what each technique costs here: a quick lipc bench, round trips
	 * of 64 bytes only, a few hundredths of a second a case.
	 */
	if (tour_all && !write_failed) {
		/* getopt permutes argv, so the array is writable; the strings are never written. */
		static char arg0[] = "bench", arg1[] = "--round-trips", arg2[] = "--only",
			    arg3[] =
				    "pipe,fifo,unix,tcp,mq,sysv-mq,shm,shm-spin,ofd-lock,posix-sem,"
				    "signalfd",
			    arg4[] = "--sizes", arg5[] = "64", arg6[] = "--duration",
			    arg7[] = "0.03";
		char *bench[] = { arg0, arg1, arg2, arg3, arg4, arg5, arg6, arg7, NULL };

		outf("\n%sWhat each costs on this machine: a quick 'lipc bench' (round trips of 64 "
		     "bytes; 'lipc bench' measures more)%s\n\n",
		     color ? BOLD : "", color ? RESET : "");
		fflush(stdout);
		optind = 0; /* getopt starts afresh for the command */
		failed |= cmd_bench((int)(sizeof(bench) / sizeof(bench[0])) - 1, bench) != 0;
		fflush(stdout);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (!write_failed)
		outf("\nThe end: %zu technique%s in %.1f s%s. 'lipc demo NAME' shows one again;\n"
		     "the guide (README.md) explains each, and 'lipc ls' shows what programs "
		     "leave.\n",
		     n, n == 1 ? "" : "s",
		     (double)(end.tv_sec - start.tv_sec) +
			     (double)(end.tv_nsec - start.tv_nsec) / 1e9,
		     failed ? ", with failures" : "");
	return finish(failed);
}
