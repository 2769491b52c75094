/* lipc demo NAME and lipc tour: the demonstrations, one by one or all in the guide's order. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
	outf("  [%-6s %5d] %s\n", who, (int)getpid(), text);
}

void takeaway(const char *fmt, ...)
{
	char text[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
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
static int run(const struct demo *d)
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
	outf("\n%s\n", d->title);
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

int cmd_demo(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	char help[512];

	snprintf(help, sizeof(help),
		 "Usage: lipc demo TECHNIQUE\n"
		 "Show TECHNIQUE live between real processes, narrated step by step.\n"
		 "Techniques: %s\n"
		 "\nOptions:\n  -h, --help  show this help\n",
		 demo_names());
	while (next_option(argc, argv, "", longopts, help) != -1)
		;
	if (optind >= argc)
		usage_error("demo: missing TECHNIQUE (one of: %s)", demo_names());
	if (optind + 1 < argc)
		usage_error("demo: unexpected argument '%s'", argv[optind + 1]);
	for (size_t i = 0; i < N_DEMOS; i++)
		if (!strcmp(argv[optind], demos[i].name))
			return finish(run(&demos[i]));
	usage_error("demo: unknown technique '%s' (one of: %s)", argv[optind], demo_names());
}

int cmd_tour(int argc, char **argv)
{
	static const char help[] =
		"Usage: lipc tour\n"
		"Show every technique live between real processes, in the order of the guide.\n"
		"\nOptions:\n  -h, --help  show this help\n";
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int failed = 0;

	while (next_option(argc, argv, "", longopts, help) != -1)
		;
	if (optind < argc)
		usage_error("tour: unexpected argument '%s'", argv[optind]);
	outf("LinuxIPC tour: %zu techniques, each between real processes.\n", N_DEMOS);
	for (size_t i = 0; i < N_DEMOS && !write_failed; i++)
		failed |= run(&demos[i]);
	return finish(failed);
}
