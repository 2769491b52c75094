/* SPDX-License-Identifier: MIT */
/*
 * The runner behind check.h: the test table, one forked child per test leading its own process
 * group (killed whole when the test ends or times out), `-t NAME` in-process for gdb, and what
 * every test calls to fail, skip or wait for a child. The commands a test runs are in
 * check_cmd.c, the IPC objects it names, sweeps and shares with another user in check_ipc.c.
 *
 * The trap: a test's processes may all call check_skip(), and a program the test runs may exit
 * 77 too; only the page they share (check_shared, mapped before the test forks) tells a skip
 * from a program's status. A CHECK that fails in a child forked by the test must _exit(), never
 * run the test's atexit handlers or flush its stdio twice.
 */
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "check_internal.h"

pid_t check_pid;
struct check_shared *check_shared;

__attribute__((format(printf, 3, 0))) static void vreport(const char *file, int line,
							  const char *fmt, va_list ap)
{
	char msg[2048];
	int n = 0;

	if (file)
		n = snprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	n += vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	if ((size_t)n >= sizeof(msg) - 1)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	/* One write, so lines from concurrent processes never mix. */
	(void)!write(STDERR_FILENO, msg, (size_t)n);
}

/* In a child forked by the test, fail without running the test's atexit handlers or stdio. */
static _Noreturn void end(int status)
{
	if (getpid() != check_pid)
		_exit(status);
	exit(status);
}

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(file, line, fmt, ap);
	va_end(ap);
	end(1);
}

void check_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, 0, fmt, ap);
	va_end(ap);
	if (check_shared)
		__atomic_fetch_add(&check_shared->skips, 1, __ATOMIC_SEQ_CST);
	end(SKIP_CODE);
}

const char *check_errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "?";
}

long long check_sys(long long v, const char *expr, const char *file, int line)
{
	if (v == -1)
		check_fail(file, line, "%s: %s (%s)", expr, strerror(errno), check_errname(errno));
	return v;
}

void check_err(long long v, int err, const char *expr, const char *file, int line)
{
	if (v != -1)
		check_fail(file, line, "%s: expected -1 with %s, got %lld", expr,
			   check_errname(err), v);
	if (errno != err)
		check_fail(file, line, "%s: expected %s, got %s (%s)", expr, check_errname(err),
			   check_errname(errno), strerror(errno));
}

const char *check_test_dir(void)
{
	const char *d = getenv("LIPC_TEST_DIR");

	return d && *d ? d : "/tmp";
}

const char *check_source_dir(void)
{
	const char *d = getenv("LIPC_SOURCE_DIR");

	if (!d)
		check_fail(__FILE__, __LINE__, "LIPC_SOURCE_DIR is not set: run through ctest");
	return d;
}

char *check_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		check_fail(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
	CHECK_SYS(fseek(f, 0, SEEK_END));
	n = CHECK_SYS(ftell(f));
	rewind(f);
	s = malloc((size_t)n + 1);
	CHECK(s != NULL);
	CHECK_EQ(fread(s, 1, (size_t)n, f), n);
	s[n] = '\0';
	fclose(f);
	return s;
}

pid_t check_fork(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		check_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
	return pid;
}

/* Wait for a child: its exit status, or 128 + the signal that killed it. */
int check_wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			check_fail(__FILE__, __LINE__, "waitpid %d: %s", (int)pid, strerror(errno));
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Status 77 from a child that called check_skip(), not from a program that exits 77. */
bool check_skipped(int status)
{
	return status == SKIP_CODE && check_shared &&
	       __atomic_load_n(&check_shared->skips, __ATOMIC_SEQ_CST);
}

int check_wait(pid_t pid)
{
	int status = check_wait_status(pid);

	if (check_skipped(status))
		check_skip("(skipped in child process %d, as it says above)", (int)pid);
	return status;
}

void check_wait_for_path(const char *path)
{
	char dir[PATH_MAX], *slash;
	int in;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	in = (int)CHECK_SYS(inotify_init1(IN_CLOEXEC));
	/* Watch first, then look: a creation in between cannot be missed. */
	CHECK_SYS(inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO));
	while (access(path, F_OK) != 0) {
		char events[4096];

		CHECK_SYS(read(in, events, sizeof(events)));
	}
	close(in);
}

int check_open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

char check_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = (int)CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
	n = CHECK_SYS(read(fd, buf, sizeof(buf) - 1));
	close(fd);
	buf[n] = '\0';
	/* The state follows the command name, which is in parentheses and may hold anything. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

bool check_asleep(pid_t pid)
{
	return check_state(pid) == 'S';
}

bool check_asleep_in(pid_t pid, long nr, unsigned long long *arg0)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (!check_asleep(pid))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	if (strtol(buf, &p, 10) != nr)
		return false;
	if (arg0)
		*arg0 = strtoull(p, NULL, 16);
	return true;
}

int check_created_calls;

/* The runner. */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run one test in its own process group: 0 passed, 1 failed, SKIP_CODE skipped. */
static int run_one(const struct check_test *t, const sigset_t *saved_mask)
{
	sigset_t chld;
	int status = 0, result;
	bool timed_out = false;
	pid_t pid;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	memset(check_shared, 0, sizeof(*check_shared));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, saved_mask, NULL);
		check_pid = getpid();
		t->fn();
		exit(0);
	}
	setpgid(pid, pid); /* also here, so the kill below cannot miss the group */
	for (double deadline = now() + t->timeout_s;;) {
		double rest = deadline - now();
		struct timespec left;

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		left.tv_sec = rest > 0 ? (time_t)rest : 0;
		left.tv_nsec = rest > 0 ? (long)((rest - (double)left.tv_sec) * 1e9) : 0;
		if (sigtimedwait(&chld, NULL, &left) < 0 && errno == EAGAIN) {
			timed_out = true;
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
	}
	/* Whatever the test started and left running goes with it. */
	kill(-pid, SIGKILL);

	if (timed_out) {
		fprintf(stderr, "%s: timed out after %d s\n", t->name, t->timeout_s);
		result = 1;
	} else if (WIFSIGNALED(status)) {
		fprintf(stderr, "%s: killed by signal %d (%s)\n", t->name, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
		result = 1;
	} else {
		result = WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == SKIP_CODE
				 ? WEXITSTATUS(status)
				 : 1;
	}
	if (check_sweep(pid, stderr) > 0 && result == 0) {
		fprintf(stderr, "%s: passed but left IPC objects behind\n", t->name);
		result = 1;
	}
	/* It passed without the part it could not do: not a pass. */
	if (result == 0 && check_shared->parts_left_out)
		result = SKIP_CODE;
	return result;
}

static int run_in_process(const struct check_test *t)
{
	check_pid = getpid();
	t->fn();
	check_remove_own_other_dir();
	if (check_sweep(check_pid, stderr) > 0) {
		fprintf(stderr, "%s: passed but left IPC objects behind\n", t->name);
		return 1;
	}
	if (check_shared->parts_left_out) {
		printf("skip - %s\n", t->name);
		return SKIP_CODE;
	}
	printf("ok - %s\n", t->name);
	return 0;
}

int check_main(int argc, char **argv, const struct check_test *tests, size_t n)
{
	int passed = 0, failed = 0, skipped = 0, opt;
	const char *only = NULL;
	sigset_t chld, saved;

	while ((opt = getopt(argc, argv, "lt:")) != -1) {
		switch (opt) {
		case 'l':
			for (size_t i = 0; i < n; i++)
				printf("%s\n", tests[i].name);
			return 0;
		case 't':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-l] [-t NAME]\n", argv[0]);
			return 2;
		}
	}
	check_shared = mmap(NULL, sizeof(*check_shared), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (check_shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (only) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(tests[i].name, only))
				return run_in_process(&tests[i]);
		fprintf(stderr, "%s: no test named %s\n", argv[0], only);
		return 2;
	}

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &saved);
	for (size_t i = 0; i < n; i++) {
		double start = now();
		int r = run_one(&tests[i], &saved);

		if (r == 0)
			passed++;
		else if (r == SKIP_CODE)
			skipped++;
		else
			failed++;
		printf("%s %zu - %s (%.2f s)\n",
		       r == 0		? "ok"
		       : r == SKIP_CODE ? "skip"
					: "not ok",
		       i + 1, tests[i].name, now() - start);
		fflush(stdout);
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	if (failed)
		return 1;
	return passed == 0 && skipped > 0 ? SKIP_CODE : 0;
}
