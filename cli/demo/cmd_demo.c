/* SPDX-License-Identifier: MIT */
/*
 * lipc demo NAME: one demonstration, and the supervision of the runs that lipc tour (tour.c)
 * shares.
 *
 * Each demo runs in a process of its own, the runner, which leads a process group with the
 * demo's children; lipc itself only waits (sigwaitinfo), with SIGINT, SIGTERM and SIGHUP blocked
 * so that they come to it as data. When one comes, at any moment, lipc kills the runner's group
 * with SIGKILL, reaps every process of it (it is their subreaper, so even a child whose parent
 * died first is its to wait for), removes what the run made by name (run.c), and dies of
 * that signal. Killing is what makes "at any moment" true: a demo's process may be asleep in
 * open() of a FIFO or in a lock's queue, where no handler would get it out. A signal ignored
 * when lipc started (nohup, a script's background job) stays ignored, in lipc and in the demo.
 * The runner does not block those signals either, so it dies of one sent to it alone, and lipc
 * then does the same cleaning. What SIGKILL leaves (lipc killed before it could clean) carries
 * lipc's pid in its name, and `lipc tour --clean` removes it. lipc does not write while the run
 * lasts (the runner prints each heading), so a full pipe on standard output cannot hold it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo.h"
#include "escape.h"
#include "lipc/shm.h"

/* In the order of the guide (README.md). */
/* clang-format off */
const struct demo demo_list[] = {
	{ "lock", "File Locking", demo_lock },
	{ "pipe", "Pipe (anonymous pipe)", demo_pipe },
	{ "fifo", "FIFO (named pipe)", demo_fifo },
	{ "signal", "Signal", demo_signal },
	{ "sem", "Semaphore", demo_sem },
	{ "mq", "Message Queue (POSIX and System V)", demo_msgq },
	{ "shm", "Shared Memory", demo_shm },
	{ "socket", "Socket (Unix domain and TCP)", demo_sock },
};
/* clang-format on */

const size_t demo_count = sizeof(demo_list) / sizeof(demo_list[0]);

static const struct demo *current;

/*
 * What the processes of a run tell each other, in a shared page: whether a line could not be
 * written (lipc reports it, once), and whether a failure of the current demo was told already.
 */
struct shared {
	atomic_bool write_failed;
	atomic_int write_errno;
	atomic_bool told;
	/* Held by a demo through a step that a kill would leave half done: see demo_step(). */
	struct lipc_shm_mutex step;
};
static struct shared unshared, *shared = &unshared;

/* The signals that stop a run: SIGINT, SIGTERM and SIGHUP, unless ignored at the start. */
static sigset_t stops;
/* The signal mask lipc started with, which the runner goes back to. */
static sigset_t start_mask;

/*
 * Colour: on a terminal, unless NO_COLOR is set (https://no-demo_color.org), or as --color
 * says; NO_COLOR wins even over --color=always. Only SGR sequences, so a terminal that ignores
 * them shows plain text.
 */
bool demo_color;

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
			int err = errno;

			if (!atomic_exchange(&shared->write_failed, true))
				atomic_store(&shared->write_errno, err);
			return;
		}
		done += (size_t)w;
	}
}

void demo_outf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out(fmt, ap);
	va_end(ap);
}

/*
 * A demo's line says what a peer sent, and a peer can be a stranger (anyone may connect to the
 * TCP demo's loopback port first): the text is escaped as every message of the command is.
 */
void say(const char *who, const char *fmt, ...)
{
	char text[900], *shown;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	shown = escape_text(text, strlen(text));
	if (demo_color)
		demo_outf("  " CYAN "[%-6s %5d]" RESET " %s\n", who, (int)getpid(), shown);
	else
		demo_outf("  [%-6s %5d] %s\n", who, (int)getpid(), shown);
	free(shown);
}

void takeaway(const char *fmt, ...)
{
	char text[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (demo_color)
		demo_outf("  " BOLD GREEN "=> %s" RESET "\n", text);
	else
		demo_outf("  => %s\n", text);
}

int demo_failf(const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* The first failure explains the rest: a peer that then fails too keeps quiet. */
	if (!atomic_exchange(&shared->told, true))
		warn_msg("demo %s: %s", current ? current->name : "?", text);
	return 1;
}

int demo_fail(const char *what)
{
	return demo_failf("%s: %s", what, strerror(errno));
}

pid_t demo_fork(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		_exit(1); /* its parent is gone already: nobody to do the part for */
	return pid;
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

int demo_reap(pid_t *pids, int n)
{
	int left = 0, failed = 0;

	for (int i = 0; i < n; i++)
		left += pids[i] > 0;
	while (left > 0) {
		int status, i = 0;
		pid_t w = waitpid(-1, &status, 0);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return demo_fail("waitpid");
		while (i < n && pids[i] != w)
			i++;
		if (i == n)
			continue; /* not one of these */
		pids[i] = 0;
		left--;
		if ((WIFEXITED(status) && WEXITSTATUS(status) == 0) || failed)
			continue;
		failed = 1;
		if (WIFSIGNALED(status))
			demo_failf("child %d was killed by signal %d (%s)", (int)w,
				   WTERMSIG(status), strsignal(WTERMSIG(status)));
		for (int j = 0; j < n; j++)
			if (pids[j] > 0)
				kill(pids[j], SIGKILL);
	}
	return failed;
}

static void on_child(int sig)
{
	(void)sig; /* only to end ppoll() */
}

int demo_wait_fd(int fd)
{
	struct sigaction sa = { .sa_handler = on_child }, old_sa;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	sigset_t chld, old, during;
	bool children = true;
	int r;

	/*
	 * SIGCHLD stays blocked but for the ppoll() itself, which unblocks it atomically: a child
	 * that exits after the check below interrupts the ppoll() at once instead of being missed.
	 * SIG_DFL would discard it (its default is to ignore it), hence the empty handler.
	 */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	sigaction(SIGCHLD, &sa, &old_sa);
	during = old;
	sigdelset(&during, SIGCHLD);
	for (;;) {
		siginfo_t si = { 0 };

		r = poll(&p, 1, 0);
		if (r != 0)
			break;
		if (children && waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
			children = false; /* ECHILD: nobody to watch, only fd */
		if (si.si_pid != 0) {
			/* What it did before it exited (a connect()) shows now. */
			r = poll(&p, 1, 0);
			break;
		}
		r = ppoll(&p, 1, NULL, &during);
		if (r > 0 || (r < 0 && errno != EINTR))
			break;
	}
	sigaction(SIGCHLD, &old_sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r > 0 ? 1 : r;
}

void demo_step(bool begin)
{
	static sigset_t before;

	if (shared == &unshared)
		return; /* no run: nobody to kill us */
	if (begin) {
		/* lipc waits for the step to end before it kills; a signal to us waits too. */
		sigprocmask(SIG_BLOCK, &stops, &before);
		if (lipc_shm_mutex_lock(&shared->step, -1) == LIPC_SHM_OWNER_DIED)
			lipc_shm_mutex_consistent(&shared->step);
	} else {
		lipc_shm_mutex_unlock(&shared->step);
		sigprocmask(SIG_SETMASK, &before, NULL);
	}
}

void demo_exit(void)
{
	/* A line that could not be written is in the shared page: lipc reports it. */
	_exit(0);
}

/* The runner: a group of its own, killed with lipc, SIGPIPE held back (see demo_start_run()). */
static _Noreturn void runner(const struct demo *d, const char *heading, pid_t lipc)
{
	sigset_t mask = start_mask;

	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != lipc)
		_exit(1);
	/* A group of its own is in the background: with `stty tostop`, writing would stop it. */
	signal(SIGTTOU, SIG_IGN);
	/*
	 * A closed standard output (lipc tour | head) is EPIPE for each writer, which then
	 * finishes its part and cleans up; lipc dies of SIGPIPE afterwards, as a pipeline expects.
	 */
	sigaddset(&mask, SIGPIPE);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	/* The title stands alone on its line, under the tour's rule when there is one. */
	if (demo_color)
		demo_outf("\n%s" BOLD "%s" RESET "\n", heading, d->title);
	else
		demo_outf("\n%s%s\n", heading, d->title);
	_exit(d->run() ? 1 : 0);
}

/*
 * Get ready to run demos: the shared page, the signals, the run's directory. Returns 0, or 1
 * after saying why not.
 */
int demo_start_run(const char *what)
{
	struct sigaction sa;
	sigset_t block;
	void *page = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED) {
		warn_msg("%s: mmap: %s", what, strerror(errno));
		return 1;
	}
	memcpy(page, &unshared, sizeof(unshared));
	shared = page;
	if (lipc_shm_mutex_init(&shared->step) < 0) {
		warn_msg("%s: pthread_mutex_init: %s", what, strerror(errno));
		return 1;
	}
	sigemptyset(&stops);
	for (int sig = 1; sig < NSIG; sig++)
		if ((sig == SIGINT || sig == SIGTERM || sig == SIGHUP) &&
		    sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&stops, sig);
	block = stops;
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &start_mask);
	/* Ignored, SIGCHLD would have the kernel reap the children, and the waits fail. */
	signal(SIGCHLD, SIG_DFL);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		warn_msg("%s: prctl(PR_SET_CHILD_SUBREAPER): %s", what, strerror(errno));
		return 1;
	}
	return demo_run_open(&demo_run, what);
}

/*
 * Run one demo in a runner and wait for it, or for a signal: 0 shown, 1 failed. *stop is set to
 * the signal that ends the run, when one comes.
 */
int demo_supervise(const struct demo *d, const char *heading, int *stop)
{
	sigset_t wait_set = stops;
	int status = 0;
	pid_t pid, w;

	sigaddset(&wait_set, SIGCHLD);
	current = d;
	atomic_store(&shared->told, false);
	pid = fork();
	if (pid < 0)
		return demo_fail("fork");
	if (pid == 0)
		runner(d, heading, demo_run.pid);
	setpgid(pid, pid); /* also here, so that the kill below cannot miss the group */
	for (;;) {
		siginfo_t si, ci = { 0 };
		int sig = sigwaitinfo(&wait_set, &si);

		if (sig > 0 && sig != SIGCHLD) {
			*stop = sig;
			/*
			 * Not in the middle of a step that would leave a name we cannot find (a
			 * demo's is over in microseconds; one stopped with SIGSTOP is not waited
			 * for long). The step's lock, robust, is ours even if its holder died in
			 * it.
			 */
			if (lipc_shm_mutex_lock(&shared->step, 1000) == LIPC_SHM_OWNER_DIED)
				lipc_shm_mutex_consistent(&shared->step);
			break;
		}
		/* The runner still unreaped, its pid (the group's id) cannot go to another. */
		if (sig == SIGCHLD &&
		    waitid(P_PID, (id_t)pid, &ci, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    ci.si_pid == pid)
			break;
	}
	kill(-pid, SIGKILL); /* everything of the demo that is still there */
	/* The runner, and its children, handed to us as it died: all dead when this ends. */
	for (;;) {
		int st;

		w = waitpid(-1, &st, 0);
		if (w == pid)
			status = st;
		else if (w < 0 && errno != EINTR)
			break; /* ECHILD: none left */
	}
	if (*stop)
		return 1;
	if (WIFSIGNALED(status) && sigismember(&stops, WTERMSIG(status))) {
		*stop = WTERMSIG(status); /* sent to the runner itself */
		return 1;
	}
	if (WIFSIGNALED(status)) {
		warn_msg("demo %s: killed by signal %d (%s)", d->name, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		demo_run_clean(&demo_run, DEMO_CLEAN_OBJECTS, NULL);
		return 1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/*
 * The run is over: remove its directory (and whatever a stopped demo left), then die of the
 * signal that stopped it, if one did, or of SIGPIPE when standard output was a closed pipe.
 */
void demo_end_run(int stop)
{
	struct timespec zero = { 0, 0 };
	struct sigaction sa;

	/* Stopped, a demo left what it made; otherwise only the directory is left to remove. */
	demo_run_clean(&demo_run, DEMO_CLEAN_DIR | (stop ? DEMO_CLEAN_OBJECTS : 0), NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (!stop && !sigisemptyset(&stops)) {
		int sig = sigtimedwait(&stops, NULL, &zero);

		stop = sig > 0 ? sig : 0;
	}
	if (!stop && atomic_load(&shared->write_failed) &&
	    atomic_load(&shared->write_errno) == EPIPE && sigaction(SIGPIPE, NULL, &sa) == 0 &&
	    sa.sa_handler == SIG_DFL)
		stop = SIGPIPE;
	if (stop) {
		sigset_t only;

		signal(stop, SIG_DFL);
		sigemptyset(&only);
		sigaddset(&only, stop);
		sigprocmask(SIG_UNBLOCK, &only, NULL);
		raise(stop);
		_exit(128 + stop); /* only if it was blocked when lipc started */
	}
	sigprocmask(SIG_SETMASK, &start_mask, NULL);
}

/* The exit status of a demo command: a narration that could not be written is a failure. */
int demo_finish(int failed)
{
	if (atomic_load(&shared->write_failed)) {
		warn_msg("write error: %s", strerror(atomic_load(&shared->write_errno)));
		return EXIT_FAILURE;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* "pipe, fifo, ...", for help and messages. */
const char *demo_names(void)
{
	static char list[256];

	if (!list[0]) {
		for (size_t i = 0; i < demo_count; i++) {
			if (i)
				strcat(list, ", ");
			strcat(list, demo_list[i].name);
		}
	}
	return list;
}

const struct demo *demo_find(const char *name)
{
	for (size_t i = 0; i < demo_count; i++)
		if (!strcmp(name, demo_list[i].name))
			return &demo_list[i];
	return NULL;
}

/* --color=WHEN, and NO_COLOR: whether to colour the narration. */
void demo_set_color(const char *when)
{
	const char *no_color = getenv("NO_COLOR");

	if (!when || !strcmp(when, "auto"))
		demo_color = isatty(STDOUT_FILENO);
	else if (!strcmp(when, "always"))
		demo_color = true;
	else if (!strcmp(when, "never"))
		demo_color = false;
	else
		usage_error("%s: --color takes auto, always or never, not '%s'", cli_cmd, when);
	if (no_color && *no_color)
		demo_color = false;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "color", optional_argument, NULL, OPT_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *when = NULL;
	const struct demo *d;
	char help[1024], what[64];
	int opt, failed, stop = 0;

	snprintf(help, sizeof(help),
		 "Usage: lipc demo [--color[=WHEN]] TECHNIQUE\n"
		 "Show TECHNIQUE live between real processes, narrated step by step: which\n"
		 "process (pid) does what, what the kernel does, and a one-line takeaway.\n"
		 "Techniques: %s\n"
		 "\nOptions:\n" COLOR_HELP
		 "\nEach demo takes a second or less and removes every object it made, also when\n"
		 "stopped by SIGINT, SIGTERM or SIGHUP; after a SIGKILL, 'lipc tour --clean'\n"
		 "removes what it left. Exit status: 0 shown, 1 failed, 2 usage error.\n",
		 demo_names());
	while ((opt = next_option(argc, argv, "", longopts, help)) != -1)
		if (opt == OPT_COLOR)
			when = optarg ? optarg : "always";
	if (optind >= argc)
		usage_error("demo: missing TECHNIQUE (one of: %s)", demo_names());
	if (optind + 1 < argc)
		usage_error("demo: unexpected argument '%s'", argv[optind + 1]);
	d = demo_find(argv[optind]);
	if (!d)
		usage_error("demo: unknown technique '%s' (one of: %s)", argv[optind],
			    demo_names());
	demo_set_color(when);
	snprintf(what, sizeof(what), "demo %s", d->name);
	if (demo_start_run(what))
		return EXIT_FAILURE;
	failed = demo_supervise(d, "", &stop);
	demo_end_run(stop);
	return demo_finish(failed);
}

bool demo_write_failed(void)
{
	return atomic_load(&shared->write_failed);
}
