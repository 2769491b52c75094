/* The runner, name helpers, process helpers and the IPC sweep behind check.h. */
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

pid_t check_pid;

#define PREFIX	  "lipc-test-"
#define KEY_TAG	  0x4C000000u
#define KEY_MASK  0xFF000000u
#define SKIP_CODE 77

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

char *check_name(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, PREFIX "%d-%s", (int)check_pid, what);
	return buf;
}

static const char *test_dir(void)
{
	const char *d = getenv("LIPC_TEST_DIR");

	return d && *d ? d : "/tmp";
}

char *check_path(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "%s/" PREFIX "%d-%s", test_dir(), (int)check_pid, what);
	return buf;
}

static key_t key_of(pid_t pid)
{
	return (key_t)(KEY_TAG | ((unsigned)pid & 0xFFFFu) << 8);
}

key_t check_key(unsigned n)
{
	return key_of(check_pid) | (key_t)(n & 0xFFu);
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

int check_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			check_fail(__FILE__, __LINE__, "waitpid %d: %s", (int)pid, strerror(errno));
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *check_lipc(void)
{
	const char *l = getenv("LIPC");

	if (!l || !*l)
		check_fail(__FILE__, __LINE__, "LIPC is not set: run the tests through ctest");
	return l;
}

void check_cmd_start(struct check_cmd *c, const char *input, const char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int in = -1, err;

	memset(c, 0, sizeof(*c));
	c->out_fd = (int)CHECK_SYS(memfd_create("stdout", MFD_CLOEXEC));
	c->err_fd = (int)CHECK_SYS(memfd_create("stderr", MFD_CLOEXEC));
	posix_spawn_file_actions_init(&fa);
	if (input) {
		size_t len = strlen(input);

		in = (int)CHECK_SYS(memfd_create("stdin", MFD_CLOEXEC));
		CHECK((size_t)CHECK_SYS(write(in, input, len)) == len);
		CHECK_SYS(lseek(in, 0, SEEK_SET));
		posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	} else {
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	}
	posix_spawn_file_actions_adddup2(&fa, c->out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, c->err_fd, STDERR_FILENO);
	err = posix_spawnp(&c->pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (in >= 0)
		close(in);
	if (err)
		check_fail(__FILE__, __LINE__, "cannot run %s: %s", argv[0], strerror(err));
}

static char *slurp(int fd)
{
	struct stat st;
	char *s;

	CHECK_SYS(fstat(fd, &st));
	s = malloc((size_t)st.st_size + 1);
	CHECK(s != NULL);
	CHECK_EQ(CHECK_SYS(pread(fd, s, (size_t)st.st_size, 0)), st.st_size);
	s[st.st_size] = '\0';
	close(fd);
	return s;
}

int check_cmd_wait(struct check_cmd *c)
{
	c->status = check_wait(c->pid);
	c->out = slurp(c->out_fd);
	c->err = slurp(c->err_fd);
	return c->status;
}

int check_cmd_run(struct check_cmd *c, const char *input, const char *const argv[])
{
	check_cmd_start(c, input, argv);
	return check_cmd_wait(c);
}

void check_cmd_free(struct check_cmd *c)
{
	free(c->out);
	free(c->err);
	c->out = c->err = NULL;
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

/* The sweep. */

static bool ours(const char *name, const char *prefix)
{
	return !strncmp(name, prefix, strlen(prefix));
}

static int sweep_dir(const char *dir, const char *prefix, bool mqueue, FILE *report)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		/* POSIX named semaphores live in /dev/shm as sem.NAME. */
		const char *name = ours(e->d_name, "sem.") ? e->d_name + 4 : e->d_name;
		char path[4096];

		if (!ours(name, prefix))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (report)
			fprintf(report, "left behind: %s\n", path);
		if (mqueue) {
			char q[300];

			snprintf(q, sizeof(q), "/%s", e->d_name);
			mq_unlink(q);
		} else if (unlink(path) < 0 && errno == EISDIR) {
			rmdir(path);
		}
		n++;
	}
	closedir(d);
	return n;
}

static int sweep_sysv(const char *kind, pid_t pid, FILE *report)
{
	char file[64], line[512];
	FILE *f;
	int n = 0;

	snprintf(file, sizeof(file), "/proc/sysvipc/%s", kind);
	f = fopen(file, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		long long key;
		int id;

		if (sscanf(line, "%lld %d", &key, &id) != 2)
			continue; /* the header */
		if (pid ? ((key_t)key & ~(key_t)0xFF) != key_of(pid)
			: ((unsigned)key & KEY_MASK) != KEY_TAG)
			continue;
		if (report)
			fprintf(report, "left behind: System V %s key 0x%08llx id %d\n", kind, key,
				id);
		if (!strcmp(kind, "msg"))
			msgctl(id, IPC_RMID, NULL);
		else if (!strcmp(kind, "sem"))
			semctl(id, 0, IPC_RMID);
		else
			shmctl(id, IPC_RMID, NULL);
		n++;
	}
	fclose(f);
	return n;
}

int check_sweep(pid_t pid, FILE *report)
{
	char prefix[64];
	int n = 0;

	if (pid)
		snprintf(prefix, sizeof(prefix), PREFIX "%d-", (int)pid);
	else
		snprintf(prefix, sizeof(prefix), PREFIX);
	n += sweep_dir(test_dir(), prefix, false, report);
	n += sweep_dir("/dev/shm", prefix, false, report);
	n += sweep_dir("/dev/mqueue", prefix, true, report);
	n += sweep_sysv("msg", pid, report);
	n += sweep_sysv("sem", pid, report);
	n += sweep_sysv("shm", pid, report);
	return n;
}

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
	return result;
}

static int run_in_process(const struct check_test *t)
{
	check_pid = getpid();
	t->fn();
	if (check_sweep(check_pid, stderr) > 0) {
		fprintf(stderr, "%s: passed but left IPC objects behind\n", t->name);
		return 1;
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
