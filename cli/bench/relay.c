/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the relay cases: the channel case of message.c (run_chan) with real `lipc relay`
 * processes between its ends, started as a user starts them (this very lipc, /proc/self/exe,
 * with the relay's own options), so that a row shows what a hop costs beside the direct
 * transports of the same run. relay-mq: A sends to mq:/..-ab1, a relay moves it to mq:/..-ab2,
 * where B receives; B answers through mq:/..-ba1 and a second relay to mq:/..-ba2, where A
 * receives: a round trip is mq's with one relay hop added each way. relay-shm-tcp: each way,
 * shm -> relay -> tcp -> relay -> shm (two relays and a TCP connection over the loopback per
 * way, four relays in all). Streaming sends A to B through the relays, as every case does.
 *
 * The traps. A relay that fails would leave A waiting for a reply for ever: each relay runs
 * under a watcher process of the pair's, which reads the relay's standard error and, when the
 * relay ends other than by the stop, reports the relay's own message as the case's failure and
 * takes A down (die()). Nothing outlives the case: the watcher and the relay each die with their
 * parent (PR_SET_PDEATHSIG, kept across the relay's exec), all are in the pair's process group,
 * which the command kills whole, and the queues and rings are the command's objects (names[]),
 * removed by it after the case or at its signal. A TCP hop listens on port 0, which only the
 * relay knows: it says where (-v, "lipc: listening on ADDRESS"), and the watcher hands that line
 * to A before the relay that connects to it starts. Placement: on one CPU, the relays share it
 * with A and B; on two, they run on either of the two; unpinned, wherever the scheduler puts them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pair.h"

#define RELAYS_MAX 4

/* A's watchers: each one's pid, and the pipe whose close tells it to stop its relay. */
static struct {
	pid_t pid;
	int stop_fd;
} watchers[RELAYS_MAX];
static int n_watchers;

static bool via_tcp(const struct bench_case *c)
{
	return !strcmp(c->scheme, "shm");
}

size_t relay_limit(const struct bench_case *c)
{
	/* A relay's tcp: FROM takes messages up to the channel's default (lipc relay has no -M). */
	return via_tcp(c) ? LIPC_MSG_MAX_DEFAULT : SIZE_MAX;
}

/* Keep the end of a relay's standard error, up to its last whole line, for the reason. */
static void keep_text(char *text, size_t size, size_t *len, const char *p, size_t n)
{
	if (n >= size - 1) {
		p += n - (size - 1) / 2;
		n = (size - 1) / 2;
	}
	if (*len + n >= size) {
		size_t drop = *len + n - (size - 1);

		memmove(text, text + drop, *len - drop);
		*len -= drop;
	}
	memcpy(text + *len, p, n);
	*len += n;
	text[*len] = '\0';
}

/* The relay's last line, without "lipc: " and its newline. */
static const char *last_line(char *text, size_t len)
{
	char *line;

	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	line = strrchr(text, '\n');
	line = line ? line + 1 : text;
	return strncmp(line, "lipc: ", 6) ? line : line + 6;
}

/*
 * The watcher, in its own process: run the relay, pass its "listening on" address to A (on
 * ready_fd, when asked), and when stop_fd ends stop it with SIGTERM. A relay that ends in
 * another way than the stop, or than the end of its stream (exit 0, as the last messages go),
 * fails the case with what it said.
 */
static _Noreturn void watch(struct side *ws, const char *const argv[], int stop_fd, int ready_fd,
			    const cpu_set_t *cpus)
{
	char text[512] = "", buf[256];
	size_t len = 0;
	bool stopping = false, told = ready_fd < 0;
	int err[2], status;
	pid_t r;

	if (cpus && sched_setaffinity(0, sizeof(*cpus), cpus) < 0)
		die(ws, "relay: cannot run on the placement's CPUs: %s", strerror(errno));
	if (pipe2(err, O_CLOEXEC) < 0)
		die(ws, "pipe: %s", strerror(errno));
	r = fork();
	if (r < 0)
		die(ws, "fork: %s", strerror(errno));
	if (r == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		pid_t w = getppid();

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != w || null < 0 ||
		    dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(err[1], STDERR_FILENO) < 0)
			_exit(126);
		/* As a user's shell starts it: SIGPIPE at its default (run_chan ignores it). */
		signal(SIGPIPE, SIG_DFL);
		execv("/proc/self/exe", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(err[1]);
	for (;;) {
		struct pollfd p[2] = { { .fd = err[0], .events = POLLIN },
				       { .fd = stopping ? -1 : stop_fd, .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(ws, "poll: %s", strerror(errno));
		}
		if (p[1].revents) { /* A closed it, or died: the case is over */
			stopping = true;
			kill(r, SIGTERM);
		}
		if (!p[0].revents)
			continue;
		n = read(err[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		keep_text(text, sizeof(text), &len, buf, (size_t)n);
		if (!told) {
			const char *at = strstr(text, "lipc: listening on "), *nl;

			if (at && (nl = strchr(at, '\n'))) {
				at += strlen("lipc: listening on ");
				if (write(ready_fd, at, (size_t)(nl - at) + 1) < 0)
					die(ws, "the measuring process is gone");
				close(ready_fd);
				told = true;
			}
		}
	}
	while (waitpid(r, &status, 0) < 0)
		if (errno != EINTR)
			die(ws, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		_exit(0);
	if (stopping && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
		_exit(0);
	if (len)
		die(ws, "lipc relay %s %s: %s", argv[3], argv[4], last_line(text, len));
	if (WIFSIGNALED(status))
		die(ws, "lipc relay %s %s was killed by signal %d", argv[3], argv[4],
		    WTERMSIG(status));
	die(ws, "lipc relay %s %s failed (status %d)", argv[3], argv[4], WEXITSTATUS(status));
}

/*
 * Start `lipc relay OPTION FROM TO` under a watcher, OPTION -f (framed), -v (say where it
 * listens), both, or "--". With where, wait for the relay to listen and put its address there.
 */
static void start_relay(struct side *s, const char *from, const char *to, bool framed, char *where,
			size_t size, const cpu_set_t *cpus)
{
	/* argv[3] and argv[4] are FROM and TO, for the watcher's messages. */
	const char *opt = where ? (framed ? "-vf" : "-v") : (framed ? "-f" : "--");
	const char *argv[] = { "lipc", "relay", opt, from, to, NULL };
	int stop[2], ready[2] = { -1, -1 };
	pid_t a = getpid(), w;

	if (n_watchers == RELAYS_MAX)
		die(s, "more relays than %d", RELAYS_MAX);
	if (pipe2(stop, O_CLOEXEC) < 0 || (where && pipe2(ready, O_CLOEXEC) < 0))
		die(s, "pipe: %s", strerror(errno));
	w = fork();
	if (w < 0)
		die(s, "fork: %s", strerror(errno));
	if (w == 0) {
		struct side ws = *s;

		ws.peer = a; /* die() takes A down, and with it B and the other relays */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a)
			_exit(1);
		close(stop[1]);
		if (where)
			close(ready[0]);
		for (int i = 0; i < n_watchers; i++)
			close(watchers[i].stop_fd);
		watch(&ws, argv, stop[0], ready[1], cpus);
	}
	close(stop[0]);
	watchers[n_watchers].pid = w;
	watchers[n_watchers++].stop_fd = stop[1];
	if (!where)
		return;
	close(ready[1]);
	{
		size_t len = 0;

		/* One line, the address and a newline; an end first means the watcher failed. */
		while (len < size - 1) {
			ssize_t r = read(ready[0], where + len, 1);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				die(s, "lipc relay %s %s did not say where it listens", from, to);
			if (where[len] == '\n')
				break;
			len++;
		}
		where[len] = '\0';
	}
	close(ready[0]);
}

void relays_start(struct side *s, const struct bench_case *c, const struct bench_objects *ob)
{
	const struct bench_place *p = s->place;
	cpu_set_t set, *cpus = NULL;

	if (p->cpu_a >= 0) {
		CPU_ZERO(&set);
		CPU_SET(p->cpu_a, &set);
		CPU_SET(p->cpu_b, &set);
		cpus = &set;
	}
	if (!via_tcp(c)) {
		start_relay(s, ob->ab_tx, ob->ab, false, NULL, 0, cpus);
		start_relay(s, ob->ba_tx, ob->ba, false, NULL, 0, cpus);
		return;
	}
	/* The far relay of each way listens first, on a port of its choosing. */
	for (int way = 0; way < 2; way++) {
		char port[PATH_MAX + 32];

		start_relay(s, "tcp:127.0.0.1:0", way ? ob->ba : ob->ab, true, port, sizeof(port),
			    cpus);
		start_relay(s, way ? ob->ba_tx : ob->ab_tx, port, true, NULL, 0, cpus);
	}
}

void relays_stop(struct side *s)
{
	for (int i = 0; i < n_watchers; i++)
		close(watchers[i].stop_fd);
	for (int i = 0; i < n_watchers; i++) {
		int status;

		while (waitpid(watchers[i].pid, &status, 0) < 0)
			if (errno != EINTR)
				die(s, "waitpid: %s", strerror(errno));
		/* A watcher that failed said why, and killed us: this is a clean end. */
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die(s, "a relay's watcher failed (status %d)", status);
	}
	n_watchers = 0;
}
