/* SPDX-License-Identifier: MIT */
/* The lipc command as a user runs it: exit codes, messages, help, two lipc processes talking. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char fifo_path[PATH_MAX], fifo_addr[PATH_MAX + 8];

/* A FIFO path and its address for this test (not created). */
static const char *fifo(void)
{
	check_path(fifo_path, sizeof(fifo_path), "fifo");
	snprintf(fifo_addr, sizeof(fifo_addr), "fifo:%s", fifo_path);
	return fifo_addr;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Every command that `lipc --help` lists has its own --help, and -h too. */
static void help_and_version(void)
{
	struct check_cmd c, h;
	char *line;
	int commands = 0;

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("--help")), 0);
	CHECK(!strncmp(c.out, "Usage: lipc COMMAND", 19));
	CHECK_STR(c.err, "");
	line = strstr(c.out, "\nCommands:\n");
	CHECK(line != NULL);
	for (line = strchr(line + 1, '\n') + 1; !strncmp(line, "  ", 2);
	     line = strchr(line, '\n') + 1) {
		char name[32], usage[64];

		CHECK_EQ(sscanf(line, " %31s", name), 1);
		snprintf(usage, sizeof(usage), "Usage: lipc %s", name);
		CHECK_EQ(check_cmd_run(&h, NULL, LIPC_ARGV(name, "--help")), 0);
		CHECK(!strncmp(h.out, usage, strlen(usage)));
		CHECK_STR(h.err, "");
		check_cmd_free(&h);
		CHECK_EQ(check_cmd_run(&h, NULL, LIPC_ARGV(name, "-h")), 0);
		CHECK(!strncmp(h.out, usage, strlen(usage)));
		check_cmd_free(&h);
		commands++;
	}
	CHECK(commands >= 4);
	check_cmd_free(&c);

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("--version")), 0);
	CHECK(!strncmp(c.out, "lipc ", 5));
	check_cmd_free(&c);
}

static void misuse_is_exit_2(void)
{
	/* A path in the test directory: another user's /tmp/x must not fail the test. */
	char x[PATH_MAX], fifo_x[PATH_MAX + 8];
	const char *f = fifo_x;

	check_path(x, sizeof(x), "x");
	snprintf(fifo_x, sizeof(fifo_x), "fifo:%s", x);
	const struct check_usage cases[] = {
		{ NULL, "missing command", { NULL } },
		{ NULL, "'frob' is not a lipc command", { "frob" } },
		{ NULL, "unknown option '--frob'", { "--frob" } },
		{ "recv", "missing ADDRESS", { "recv" } },
		{ "send", "missing ADDRESS", { "send" } },
		{ "recv", "unknown address type", { "recv", "nope:/x" } },
		{ "send", "unknown address type", { "send", "nope:/x", "hi" } },
		{ "recv", "is not an address", { "recv", x } },
		{ "recv", "is not an address", { "recv", "fifo:" } },
		{ "recv", "count 'abc' is not a number", { "recv", "-n", "abc", f } },
		{ "recv", "count '-1' is not a number", { "recv", "-n", "-1", f } },
		{ "recv", "count '0' is out of range", { "recv", "-n", "0", f } },
		{ "recv", "out of range", { "recv", "-n", "99999999999999999999", "fifo:/x" } },
		{ "recv", "not a number of seconds", { "recv", "-t", "soon", f } },
		{ "recv", "not a number of seconds", { "recv", "-t", "-1", f } },
		{ "recv", "not a number of seconds", { "recv", "-t", "1.", f } },
		{ "recv", "too long", { "recv", "-t", "99999999999", f } },
		{ "recv", "needs an argument", { "recv", f, "-t" } },
		{ "recv", "unexpected argument 'more'", { "recv", f, "more" } },
		{ "recv", "unknown option '--bogus'", { "recv", "--bogus", f } },
		{ "recv", "unknown option '-z'", { "recv", "-z", f } },
		{ "send", "not an octal mode", { "send", "-m", "0999", f, "hi" } },
		{ "send", "message 2 holds a newline", { "send", f, "ok", "a\nb" } },
		{ "demo", "missing TECHNIQUE", { "demo" } },
		{ "demo", "unknown technique 'telepathy'", { "demo", "telepathy" } },
		{ "tour", "unexpected argument", { "tour", "pipe" } },
	};

	CHECK_USAGE_ERRORS(cases);
	/* None of them created anything. */
	CHECK(!exists(x));
}

static void recv_times_out(void)
{
	struct check_cmd c;
	int fd;

	check_cmd_run(&c, NULL, LIPC_ARGV("recv", "-t", "0.2", fifo()));
	CHECK_FAILURE(&c, "no sender within 0.2 s");
	CHECK(!exists(fifo_path)); /* it made the FIFO, and removed it */
	check_cmd_free(&c);

	/* A writer that connects but stays silent. */
	CHECK_SYS(mkfifo(fifo_path, 0600));
	check_cmd_start(&c, NULL, LIPC_ARGV("recv", "-t", "0.2", fifo()));
	fd = (int)CHECK_SYS(open(fifo_path, O_WRONLY | O_CLOEXEC));
	check_cmd_wait(&c);
	CHECK_FAILURE(&c, "no message within 0.2 s");
	close(fd);
	CHECK(exists(fifo_path)); /* not its own: left alone */
	CHECK_SYS(unlink(fifo_path));
	check_cmd_free(&c);
}

static void not_a_fifo(void)
{
	struct check_cmd c;

	fifo();
	close((int)CHECK_SYS(open(fifo_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	check_cmd_run(&c, NULL, LIPC_ARGV("recv", fifo_addr));
	CHECK_FAILURE(&c, "exists and is not a FIFO");
	check_cmd_free(&c);
	check_cmd_run(&c, NULL, LIPC_ARGV("send", fifo_addr, "x"));
	CHECK_FAILURE(&c, "exists and is not a FIFO");
	check_cmd_free(&c);
	CHECK_SYS(unlink(fifo_path));

	/* A symbolic link, even to a real FIFO, is not followed. */
	CHECK_SYS(symlink("/tmp", fifo_path));
	check_cmd_run(&c, NULL, LIPC_ARGV("recv", fifo_addr));
	CHECK_FAILURE(&c, "is a symbolic link, which is not followed");
	check_cmd_free(&c);
	CHECK_SYS(unlink(fifo_path));
}

static void missing_directory(void)
{
	char path[PATH_MAX], addr[PATH_MAX + 8];
	struct check_cmd c;

	snprintf(addr, sizeof(addr), "fifo:%s", check_path(path, sizeof(path), "nodir/f"));
	check_cmd_run(&c, NULL, LIPC_ARGV("recv", addr));
	CHECK_FAILURE(&c, "No such file or directory");
	CHECK_CONTAINS(c.err, path);
	check_cmd_free(&c);
}

static void send_without_reader(void)
{
	struct check_cmd c;

	fifo();
	CHECK_SYS(mkfifo(fifo_path, 0600));
	check_cmd_run(&c, NULL, LIPC_ARGV("send", "-t", "0", fifo_addr, "hello"));
	CHECK_FAILURE(&c, "no process has the FIFO open for reading");
	check_cmd_free(&c);
	check_cmd_run(&c, NULL, LIPC_ARGV("send", "-t", "0.1", fifo_addr, "hello"));
	CHECK_FAILURE(&c, "no receiver within 0.1 s");
	check_cmd_free(&c);
	CHECK_SYS(unlink(fifo_path));
}

static void two_lipc_processes(void)
{
	struct check_cmd rx, tx;

	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-n", "3", fifo()));
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", fifo_addr, "one", "", "three")), 0);
	CHECK_STR(tx.err, "");
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.out, "one\n\nthree\n");
	CHECK_STR(rx.err, "");
	check_cmd_free(&tx);
	check_cmd_free(&rx);

	/* Binary-safe frames: a message with a newline inside stays whole. */
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "--framed", fifo()));
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", "-f", fifo_addr, "a\nb", "c")), 0);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.out, "a\nb\nc\n");
	check_cmd_free(&tx);
	check_cmd_free(&rx);
	CHECK(!exists(fifo_path));
}

/* recv --keep meets sender after sender; -v puts the length (and what else there is) first. */
static void keep_and_verbose(void)
{
	struct check_cmd rx, tx;

	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "--keep", "-v", "-n", "2", fifo()));
	check_wait_for_path(fifo_path); /* the receiver made the FIFO, so no sender removes it */
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", fifo_addr, "one")), 0);
	check_cmd_free(&tx);
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", fifo_addr, "two words")), 0);
	check_cmd_free(&tx);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.out, "len=3\tone\nlen=9\ttwo words\n");
	check_cmd_free(&rx);
	CHECK(!exists(fifo_path));
}

/* The README's promise: plain tools talk to lipc through a FIFO. */
static void plain_tools(void)
{
	struct check_cmd rx, tx;

	/* mkfifo f; lipc recv fifo:f & echo hi > f */
	fifo();
	CHECK_SYS(mkfifo(fifo_path, 0600));
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", fifo_addr));
	CHECK_EQ(check_cmd_run(
			 &tx, NULL,
			 (const char *const[]){ "sh", "-c", "echo hi > \"$0\"", fifo_path, NULL }),
		 0);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.out, "hi\n");
	check_cmd_free(&tx);
	check_cmd_free(&rx);

	/* cat f & lipc send fifo:f hello */
	check_cmd_start(&rx, NULL, (const char *const[]){ "cat", fifo_path, NULL });
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", fifo_addr, "hello")), 0);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.out, "hello\n");
	check_cmd_free(&tx);
	check_cmd_free(&rx);
	CHECK(exists(fifo_path)); /* the user's FIFO stays */
	CHECK_SYS(unlink(fifo_path));
}

/* 100,000 sequence-numbered lines from standard input arrive whole, once each, in order. */
static void hundred_thousand_through_the_cli(void)
{
	const int n = 100000;
	size_t size = (size_t)n * 32, len = 0;
	char *input = malloc(size);
	struct check_cmd rx, tx;

	CHECK(input != NULL);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(input + len, size - len, "%d %08x\n", i,
					(unsigned)i * 2654435761u);
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", fifo()));
	CHECK_EQ(check_cmd_run(&tx, input, LIPC_ARGV("send", fifo_addr)), 0);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_EQ(strlen(rx.out), len);
	CHECK(!strcmp(rx.out, input));
	check_cmd_free(&tx);
	check_cmd_free(&rx);
	free(input);
}

/* A full disk behind standard output is an error, and the FIFO still goes away. */
static void recv_to_full_stdout(void)
{
	struct check_cmd rx, tx;

	check_cmd_start(&rx, NULL,
			(const char *const[]){ "sh", "-c", "exec \"$0\" recv \"$1\" > /dev/full",
					       check_lipc(), fifo(), NULL });
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", fifo_addr, "hello")), 0);
	check_cmd_wait(&rx);
	CHECK_FAILURE(&rx, "write error: No space left on device");
	CHECK(!exists(fifo_path));
	check_cmd_free(&tx);
	check_cmd_free(&rx);
}

/* Ctrl+C while lipc waits: it dies of SIGINT, and takes its FIFO with it. */
static void interrupted_recv_removes_its_fifo(void)
{
	struct check_cmd rx;

	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", fifo()));
	check_wait_for_path(fifo_path);
	CHECK_SYS(kill(rx.pid, SIGINT));
	CHECK_EQ(check_cmd_wait(&rx), 128 + SIGINT);
	CHECK(!exists(fifo_path));
	check_cmd_free(&rx);
}

/*
 * Ctrl+C in the instant after the FIFO or the socket file was made, before lipc could know it
 * had made it: held there (ptrace) while the signal comes, lipc still dies of it and takes the
 * file with it.
 */
static void recv_interrupted_right_after_creation(void)
{
	char sock_path[PATH_MAX], sock_addr[PATH_MAX + 8];
	const struct {
		const char *addr, *path;
		long call; /* the one that makes the file */
	} ways[] = {
		{ fifo(), fifo_path, SYS_mknodat },
		{ sock_addr, sock_path, SYS_bind },
	};
	struct check_cmd rx;

	check_path(sock_path, sizeof(sock_path), "sock");
	snprintf(sock_addr, sizeof(sock_addr), "unix:%s", sock_path);
	for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		check_cmd_start_traced(&rx, NULL, LIPC_ARGV("recv", ways[i].addr));
		check_traced_until(&rx, CHECK_SYSCALLS(ways[i].call), 1, true);
		CHECK(exists(ways[i].path));
		CHECK_SYS(kill(rx.pid, SIGINT));
		check_traced_go(&rx);
		CHECK_EQ(check_cmd_wait(&rx), 128 + SIGINT);
		CHECK(!exists(ways[i].path));
		check_cmd_free(&rx);
	}
}

static void demos_and_tour(void)
{
	static const char *const demos[] = { "pipe", "fifo" };
	struct check_cmd c;

	for (size_t i = 0; i < sizeof(demos) / sizeof(demos[0]); i++) {
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", demos[i])), 0);
		CHECK_STR(c.err, "");
		CHECK_CONTAINS(c.out, "=> ");
		check_cmd_free(&c);
	}
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "pipe")), 0);
	CHECK_CONTAINS(c.out, "read() returned 0: end of file");
	CHECK_CONTAINS(c.out, "killed by SIGPIPE");
	CHECK_CONTAINS(c.out, "failed with EPIPE");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "fifo")), 0);
	CHECK_CONTAINS(c.out, "fails with ENXIO");
	CHECK_CONTAINS(c.out, "read \"job 3\"");
	check_cmd_free(&c);

	/* Under make valgrind: valgrind 3.19 knows no pidfd_open(), which the signal demo needs. */
	if (!check_wrapped()) {
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour")), 0);
		/* The whole tour closes with round trips measured here, and only those. */
		CHECK_CONTAINS(c.out, "\nRound trips at 64 B");
		CHECK(!strstr(c.out, "Streaming at"));
		CHECK_STR(c.err, "");
		CHECK(strstr(c.out, "Pipe (anonymous pipe)") < strstr(c.out, "FIFO (named pipe)"));
		check_cmd_free(&c);
	}

	check_cmd_run(&c, NULL,
		      (const char *const[]){ "sh", "-c", "exec \"$0\" tour > /dev/full",
					     check_lipc(), NULL });
	CHECK_FAILURE(&c, "write error");
	check_cmd_free(&c);

	/*
	 * lipc tour | head -c 1: the reader goes away; each demo still cleans up (no process,
	 * FIFO or queue left), then lipc dies of SIGPIPE as a pipeline expects, saying nothing.
	 */
	check_cmd_run(&c, NULL,
		      (const char *const[]){
			      "sh", "-c", "{ \"$0\" tour; echo $? >&2; } | head -c 1 > /dev/null",
			      check_lipc(), NULL });
	CHECK_EQ(c.status, 0);
	CHECK_STR(c.err, "141\n");
	check_cmd_free(&c);
}

/*
 * The demonstrations stopped, killed and starved. Their objects carry the pid of the lipc that
 * runs them: the directory $TMPDIR/lipc-demo-PID-XXXXXX, the POSIX semaphore and queue
 * /lipc-demo-PID, the System V set and queue of key 0x6c000000 | PID. TMPDIR is a directory of
 * the test's own, so that "nothing left" can be seen whole.
 */

static const char *const all_demos[] = { "lock", "pipe", "fifo", "signal",
					 "sem",	 "mq",	 "shm",	 "socket" };

static char demo_tmp[1024];

static void private_tmpdir(void)
{
	check_path(demo_tmp, sizeof(demo_tmp), "tmp");
	CHECK_SYS(mkdir(demo_tmp, 0700));
	CHECK_SYS(setenv("TMPDIR", demo_tmp, 1));
}

static key_t demo_key_of(pid_t pid)
{
	return (key_t)(0x6c000000u | (unsigned)pid);
}

/* Remove what the run of lipc pid left; the last thing removed is named in left ("" if none). */
static void sweep_demo(pid_t pid, char *left, size_t size)
{
	char name[64], path[2048];
	struct dirent *e;
	int id;
	DIR *d = opendir(demo_tmp);

	left[0] = '\0';
	snprintf(name, sizeof(name), "lipc-demo-%d-", (int)pid);
	while (d && (e = readdir(d))) {
		DIR *run;
		struct dirent *f;

		if (strncmp(e->d_name, name, strlen(name)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", demo_tmp, e->d_name);
		snprintf(left, size, "%s", path);
		run = opendir(path);
		while (run && (f = readdir(run)))
			if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
				snprintf(path, sizeof(path), "%s/%s/%s", demo_tmp, e->d_name,
					 f->d_name);
				unlink(path);
			}
		if (run)
			closedir(run);
		snprintf(path, sizeof(path), "%s/%s", demo_tmp, e->d_name);
		rmdir(path);
	}
	if (d)
		closedir(d);
	snprintf(name, sizeof(name), "/lipc-demo-%d", (int)pid);
	snprintf(path, sizeof(path), "/dev/shm/sem.%s", name + 1);
	if (unlink(path) == 0)
		snprintf(left, size, "%s", path);
	if (mq_unlink(name) == 0)
		snprintf(left, size, "mq:%s", name);
	if ((id = semget(demo_key_of(pid), 0, 0)) >= 0) {
		semctl(id, 0, IPC_RMID);
		snprintf(left, size, "sysv-sem:0x%08x", (unsigned)demo_key_of(pid));
	}
	if ((id = msgget(demo_key_of(pid), 0)) >= 0) {
		msgctl(id, IPC_RMID, NULL);
		snprintf(left, size, "sysv-mq:0x%08x", (unsigned)demo_key_of(pid));
	}
}

/*
 * In a sandbox (check_sandboxed: System V objects, /dev/shm and POSIX queues of its own), its
 * mqueue directory: then every object there is the demo's, whatever its name. A semaphore that
 * sem_open() was still making has a random name, /dev/shm/sem.XXXXXX.
 */
static const char *sandbox_mqueue;

/* Remove every object of the sandbox; the last one is named in left. */
static void sweep_sandbox(char *left, size_t size)
{
	const char *const dirs[] = { "/dev/shm", sandbox_mqueue };
	char path[1024 + 300], line[512];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		CHECK(d != NULL);
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i], e->d_name);
			unlink(path);
			snprintf(left, size, "%s", path);
		}
		closedir(d);
	}
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen(k ? "/proc/sysvipc/sem" : "/proc/sysvipc/msg", "re");
		int key, id;

		CHECK(f != NULL);
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%d %d", &key, &id) == 2) {
				if (k)
					semctl(id, 0, IPC_RMID);
				else
					msgctl(id, IPC_RMID, NULL);
				snprintf(left, size, "System V %s, key 0x%08x", k ? "set" : "queue",
					 (unsigned)key);
			}
		fclose(f);
	}
}

/* Nothing of the run of lipc pid is left; what is, is removed, then the test fails. */
static void nothing_left_of(pid_t pid)
{
	char left[2048];

	sweep_demo(pid, left, sizeof(left));
	if (!left[0] && sandbox_mqueue)
		sweep_sandbox(left, sizeof(left));
	if (left[0])
		check_fail(__FILE__, __LINE__, "lipc %d left %s behind", (int)pid, left);
}

static void in_sandbox(const char *mqueue_dir, void *fn)
{
	sandbox_mqueue = mqueue_dir;
	((void (*)(void))(uintptr_t)fn)();
}

/* Run fn in a sandbox where nothing_left_of() sees every object; as it is, without root. */
static void maybe_sandboxed(void (*fn)(void))
{
	if (geteuid() != 0)
		fn();
	else
		check_sandboxed(in_sandbox, (void *)(uintptr_t)fn, 0);
}

/* lipc, with standard output a pipe the test reads as lipc writes. */
struct live {
	pid_t pid;
	int out;  /* the pipe's read end */
	int fill; /* a write end of the test's own, once filled: see live_freeze() */
	int err;  /* standard error, a memfd */
};

/*
 * Every run live_start() began, and the process that began it: whatever a test checks, what the
 * runs left is swept at that process's exit (a run killed by a check that failed midway leaves
 * its demo's objects, whose names the harness does not know).
 */
static struct {
	pid_t run, by;
} started_runs[512];
static size_t n_started_runs;

static void sweep_started_runs(void)
{
	char left[2048];

	for (size_t i = 0; i < n_started_runs; i++)
		if (started_runs[i].by == getpid())
			sweep_demo(started_runs[i].run, left, sizeof(left));
}

static void live_start(struct live *l, int nofile, const char *const argv[])
{
	static pid_t registered_by;
	int p[2];

	CHECK_SYS(pipe2(p, O_CLOEXEC));
	l->err = (int)CHECK_SYS(memfd_create("stderr", MFD_CLOEXEC));
	l->fill = -1;
	l->pid = check_fork();
	if (l->pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(l->err, 2) < 0)
			_exit(127);
		/* Only 0 to 2 count against the limit: none inherited from ctest or make. */
		if (close_range(3, ~0U, 0) < 0)
			for (long fd = 3; fd < sysconf(_SC_OPEN_MAX); fd++)
				close((int)fd);
		if (nofile) {
			struct rlimit rl = { (rlim_t)nofile, (rlim_t)nofile };

			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				_exit(127);
		}
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (registered_by != getpid()) {
		CHECK_SYS(atexit(sweep_started_runs));
		registered_by = getpid();
	}
	CHECK(n_started_runs < sizeof(started_runs) / sizeof(started_runs[0]));
	started_runs[n_started_runs].run = l->pid;
	started_runs[n_started_runs++].by = getpid();
	close(p[1]);
	l->out = p[0];
}

/* The next line of lipc's output, without its newline: false at end of file. */
static bool live_line(struct live *l, char *line, size_t size)
{
	size_t len = 0;
	char c;

	/* A byte at a time: what follows the line stays in the pipe. */
	while (CHECK_SYS(read(l->out, &c, 1)) == 1 && c != '\n')
		if (len + 1 < size)
			line[len++] = c;
	line[len] = '\0';
	return len > 0 || c == '\n';
}

/*
 * Fill the pipe to the brim with NUL bytes, through a write end of the test's own (opened
 * anew, so that O_NONBLOCK is not lipc's too): from now on, every process of the demo blocks at
 * its next line. Lines written while the pipe fills land among the NULs; once it is full, a run
 * that has one more line to write cannot end.
 */
static void live_freeze(struct live *l)
{
	char path[64], zeros[4096] = { 0 };

	snprintf(path, sizeof(path), "/proc/self/fd/%d", l->out);
	l->fill = (int)CHECK_SYS(open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
	while (write(l->fill, zeros, sizeof(zeros)) > 0)
		;
	while (write(l->fill, zeros, 1) > 0)
		;
	CHECK_EQ(errno, EAGAIN);
}

/*
 * Wait for lipc, then read what is left of its output (without the filler) into out and its
 * standard error into err; every process of the run must be gone by then: one still holding
 * standard output fails the test. Returns lipc's status. With thaw, the output is read as lipc
 * writes it until its end instead, so that a frozen run goes on (out is then empty).
 */
static int live_wait(struct live *l, bool thaw, char *out, size_t size, char **err)
{
	size_t len = 0;
	int status = -1;
	char buf[4096];
	ssize_t n;

	if (!thaw)
		status = check_wait(l->pid);
	if (l->fill >= 0)
		close(l->fill);
	if (thaw) {
		/* Read (the filler too) until end of file: the run goes on, to its end. */
		while ((n = read(l->out, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			;
		status = check_wait(l->pid);
	}
	CHECK_SYS(fcntl(l->out, F_SETFL, O_NONBLOCK));
	while ((n = read(l->out, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != '\0' && len + 1 < size)
				out[len++] = buf[i];
	out[len] = '\0';
	if (n < 0)
		check_fail(__FILE__, __LINE__, "a process of lipc %d outlived it (%s)", (int)l->pid,
			   strerror(errno));
	close(l->out);
	*err = malloc(4096);
	CHECK(*err != NULL);
	n = CHECK_SYS(pread(l->err, *err, 4095, 0));
	(*err)[n] = '\0';
	close(l->err);
	return status;
}

/* How many lines `lipc ARGS` writes when it runs to its end. */
static int lines_of(const char *const argv[])
{
	struct check_cmd c;
	int n = 0;

	if (check_cmd_run(&c, NULL, argv) != 0)
		check_fail(__FILE__, __LINE__, "lipc %s %s: status %d, %s", argv[1], argv[2],
			   c.status, c.err);
	CHECK_STR(c.err, "");
	for (const char *p = c.out; (p = strchr(p, '\n')); p++)
		n++;
	check_cmd_free(&c);
	return n;
}

/*
 * At every file descriptor limit from 4 up (at 3 the dynamic loader itself cannot open libc,
 * and fails before lipc runs), each demo runs or fails with one line naming what failed, status
 * 1, and leaves nothing, never hangs: the harness's timeout is the guard. The old demo lock hung
 * at 8: its parent read a pipe whose write end it held itself.
 */
static void low_fd_limits(void)
{
	private_tmpdir();
	for (size_t i = 0; i < sizeof(all_demos) / sizeof(all_demos[0]); i++) {
		for (int nofile = 4; nofile <= 20; nofile++) {
			char out[16384], *err, prefix[64];
			struct live l;
			int status;

			live_start(&l, nofile, LIPC_ARGV("demo", all_demos[i]));
			status = live_wait(&l, false, out, sizeof(out), &err);
			snprintf(prefix, sizeof(prefix), "lipc: demo %s: ", all_demos[i]);
			if (status == 0) {
				CHECK_CONTAINS(out, "  => ");
				CHECK_STR(err, "");
			} else if (status != 1 || strncmp(err, prefix, strlen(prefix)) ||
				   strchr(err, '\n') != err + strlen(err) - 1) {
				check_fail(__FILE__, __LINE__,
					   "demo %s at %d descriptors: status %d, stderr \"%s\"",
					   all_demos[i], nofile, status, err);
			}
			free(err);
			nothing_left_of(l.pid);
		}
	}
	CHECK_SYS(rmdir(demo_tmp));
}

/*
 * Read the run's output to its line k, freeze it (the next line cannot be written), send sig
 * to lipc and wait: it dies of that signal and leaves nothing, no object, no file, no process.
 * Only a run that wrote its last line (marked by end) before the pipe was full may have ended
 * first, with status 0.
 */
static void stop_at(const char *const argv[], int k, int sig, const char *end)
{
	char out[16384], line[1024], *err;
	bool ended = false;
	struct live l;
	int status;

	live_start(&l, 0, argv);
	for (int i = 0; i < k; i++) {
		CHECK(live_line(&l, line, sizeof(line)));
		ended |= strstr(line, end) != NULL;
	}
	live_freeze(&l);
	CHECK_SYS(kill(l.pid, sig));
	status = live_wait(&l, false, out, sizeof(out), &err);
	ended |= strstr(out, end) != NULL;
	if (status != 128 + sig && !(ended && status == 0))
		check_fail(__FILE__, __LINE__,
			   "%s %s stopped at line %d by signal %d: status %d, then \"%s\"", argv[1],
			   argv[2], k, sig, status, out);
	CHECK_STR(err, ""); /* stopped, not failed */
	free(err);
	nothing_left_of(l.pid);
}

/*
 * Ctrl+C at any line of any demo, while the demo is frozen on a full standard output: lipc dies
 * of SIGINT at once and leaves nothing. The old demos held SIGINT back until they were done,
 * and so hung there.
 */
static void stopped_at_every_line(void)
{
	private_tmpdir();
	for (size_t i = 0; i < sizeof(all_demos) / sizeof(all_demos[0]); i++) {
		const char *const *argv = LIPC_ARGV("demo", all_demos[i]);
		int n;

		/* Under make valgrind: valgrind 3.19 knows no pidfd_open(), which it needs. */
		if (check_wrapped() && !strcmp(all_demos[i], "signal"))
			continue;
		n = lines_of(argv);

		for (int k = 1; k <= n; k++)
			stop_at(argv, k, SIGINT, "  => ");
		stop_at(argv, n / 2, SIGTERM, "  => ");
		stop_at(argv, n / 2, SIGHUP, "  => ");
	}
	/* The tour, between two demos and inside one (not under valgrind: its bench needs pidfds).
	 */
	if (!check_wrapped()) {
		const char *const *argv =
			LIPC_ARGV("tour", "--technique", "fifo", "--technique", "mq");
		int n = lines_of(argv);

		for (int k = 1; k <= n; k++)
			stop_at(argv, k, SIGINT, "The end: ");
	}
	CHECK_SYS(rmdir(demo_tmp));
}

static void demos_at_low_fd_limits(void)
{
	maybe_sandboxed(low_fd_limits);
}

static void demos_stopped_at_every_line(void)
{
	maybe_sandboxed(stopped_at_every_line);
}

/*
 * Run argv until a line holding text, then freeze it and kill lipc with SIGKILL; wait until
 * every process of the run is dead too. Returns lipc's pid (whose run may have ended by itself
 * meanwhile: kill_holding() looks at what it left).
 */
static pid_t kill_once(const char *const argv[], const char *text)
{
	char line[1024], buf[4096];
	struct live l;
	int status;
	ssize_t n;

	live_start(&l, 0, argv);
	do
		CHECK(live_line(&l, line, sizeof(line)));
	while (!strstr(line, text));
	live_freeze(&l);
	CHECK_SYS(kill(l.pid, SIGKILL));
	/* Killed; or ended, when it had gone on to its end before the freeze (kill_holding). */
	status = check_wait(l.pid);
	CHECK(status == 128 + SIGKILL || status == 0);
	close(l.fill);
	/* End of file: the last process holding standard output (killed with lipc) is gone. */
	while ((n = read(l.out, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	close(l.out);
	close(l.err);
	return l.pid;
}

/* The directory $TMPDIR/lipc-demo-PID-XXXXXX of the run of pid, in dir; false when none. */
static bool run_dir(pid_t pid, char *dir, size_t size)
{
	char prefix[64];
	struct dirent *e;
	DIR *d = opendir(demo_tmp);
	bool found = false;

	CHECK(d != NULL);
	snprintf(prefix, sizeof(prefix), "lipc-demo-%d-", (int)pid);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix))) {
			snprintf(dir, size, "%s/%s", demo_tmp, e->d_name);
			found = true;
		}
	closedir(d);
	return found;
}

static bool exists_at(const char *dir, const char *name)
{
	char path[2 * PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return exists(path);
}

/* What a run killed at a line is expected to have left. */
enum leftover {
	SYSV_SEM,
	POSIX_SEM,
	SYSV_MQ,
	FIFO_FILE,
	LOCK_FILE,
	SOCK_FILE,
};

static bool left(pid_t pid, enum leftover what)
{
	char dir[1400], path[1500];

	switch (what) {
	case SYSV_SEM:
		snprintf(path, sizeof(path), "sysv-sem-0x%08x", (unsigned)demo_key_of(pid));
		return semget(demo_key_of(pid), 0, 0) >= 0 && run_dir(pid, dir, sizeof(dir)) &&
		       exists_at(dir, path);
	case POSIX_SEM:
		snprintf(path, sizeof(path), "/dev/shm/sem.lipc-demo-%d", (int)pid);
		return exists(path);
	case SYSV_MQ:
		return msgget(demo_key_of(pid), 0) >= 0;
	case FIFO_FILE:
		return run_dir(pid, dir, sizeof(dir)) && exists_at(dir, "fifo");
	case LOCK_FILE:
		return run_dir(pid, dir, sizeof(dir)) && exists_at(dir, "lock");
	case SOCK_FILE:
		return run_dir(pid, dir, sizeof(dir)) && exists_at(dir, "sock");
	}
	return false;
}

/* Runs killed on the way that had gone past the line (see kill_holding): --clean takes them too. */
static pid_t extra_runs[64];
static size_t n_extra_runs;

/*
 * Kill a demo once it printed the line text, holding what; the demo may run on a little
 * between that line and the freeze of its output, and be past the step that holds it (a
 * loaded machine): that run is kept in extra_runs, and the demo run again.
 */
static pid_t kill_holding(const char *const argv[], const char *text, enum leftover what)
{
	for (;;) {
		pid_t pid = kill_once(argv, text);

		if (left(pid, what))
			return pid;
		CHECK(n_extra_runs < sizeof(extra_runs) / sizeof(extra_runs[0]));
		extra_runs[n_extra_runs++] = pid;
	}
}

/*
 * What demos killed with SIGKILL left (a FIFO, a lock file, a socket file, POSIX and System V
 * semaphores and queues, in one directory per run), `lipc tour --clean` finds, removes and
 * names; a live run's, it leaves alone.
 */
static void tour_clean_removes_what_killed_runs_left(void)
{
	pid_t killed[6], child;
	char live_dir[1400], line[2048], out[16384], *err, name[64], path[2048];
	struct check_cmd c;
	struct live live;
	sem_t *planted;
	int id, status;

	private_tmpdir();
	killed[0] = kill_holding(LIPC_ARGV("demo", "sem"), "took it (value 0)", SYSV_SEM);
	killed[1] = kill_holding(LIPC_ARGV("demo", "sem"), "sem_open(", POSIX_SEM);
	killed[2] = kill_holding(LIPC_ARGV("demo", "mq"), "msgget(", SYSV_MQ);
	killed[3] = kill_holding(LIPC_ARGV("demo", "fifo"), "open(O_RDONLY) blocks", FIFO_FILE);
	killed[4] = kill_holding(LIPC_ARGV("demo", "lock"),
				 "the exclusive lock of the whole file is mine", LOCK_FILE);
	killed[5] = kill_holding(LIPC_ARGV("demo", "socket"), "bind(", SOCK_FILE);

	/*
	 * A live run, frozen on its full standard output once it wrote its first line; the test
	 * adds a FIFO, a POSIX semaphore and a marked System V set by its names.
	 */
	live_start(&live, 0, LIPC_ARGV("demo", "pipe"));
	CHECK(live_line(&live, line, sizeof(line)));
	live_freeze(&live);
	CHECK(run_dir(live.pid, live_dir, sizeof(live_dir)));
	snprintf(path, sizeof(path), "%s/fifo", live_dir);
	CHECK_SYS(mkfifo(path, 0600));
	snprintf(path, sizeof(path), "%s/sysv-sem-0x%08x", live_dir,
		 (unsigned)demo_key_of(live.pid));
	close((int)CHECK_SYS(open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)));
	id = (int)CHECK_SYS(semget(demo_key_of(live.pid), 1, IPC_CREAT | IPC_EXCL | 0600));
	snprintf(name, sizeof(name), "/lipc-demo-%d", (int)live.pid);
	planted = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	CHECK(planted != SEM_FAILED);

	/* The checks in a child, so that whatever they find, everything is removed below. */
	child = check_fork();
	if (child == 0) {
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour", "--clean")), 0);
		CHECK_STR(c.err, "");
		snprintf(line, sizeof(line), "removed sysv-sem:0x%08x\n",
			 (unsigned)demo_key_of(killed[0]));
		CHECK_CONTAINS(c.out, line);
		snprintf(line, sizeof(line), "removed sem:/lipc-demo-%d\n", (int)killed[1]);
		CHECK_CONTAINS(c.out, line);
		snprintf(line, sizeof(line), "removed mq:/lipc-demo-%d\n", (int)killed[2]);
		CHECK_CONTAINS(c.out, line);
		snprintf(line, sizeof(line), "removed sysv-mq:0x%08x\n",
			 (unsigned)demo_key_of(killed[2]));
		CHECK_CONTAINS(c.out, line);
		CHECK_CONTAINS(c.out, "/fifo\n");
		CHECK_CONTAINS(c.out, "/lock\n");
		CHECK_CONTAINS(c.out, "/sock\n");
		snprintf(line, sizeof(line), "left alone: %s: process %d of that run is alive\n",
			 live_dir, (int)live.pid);
		CHECK_CONTAINS(c.out, line);
		check_cmd_free(&c);
		/* Gone: every killed run's directory and object... */
		for (size_t i = 0; i < sizeof(killed) / sizeof(killed[0]); i++)
			nothing_left_of(killed[i]);
		for (size_t i = 0; i < n_extra_runs; i++)
			nothing_left_of(extra_runs[i]);
		/* ... and nothing of the live run. */
		CHECK(exists_at(live_dir, "fifo"));
		CHECK_EQ(semget(demo_key_of(live.pid), 0, 0), id);
		snprintf(path, sizeof(path), "/dev/shm/sem.lipc-demo-%d", (int)live.pid);
		CHECK(exists(path));
		/* A second --clean finds nothing more to do. */
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour", "--clean")), 0);
		CHECK(!strstr(c.out, "removed"));
		check_cmd_free(&c);
		_exit(0);
	}
	status = check_wait(child);

	/* Let the live run go on: it ends as usual, and its end takes its directory. */
	CHECK_EQ(live_wait(&live, true, out, sizeof(out), &err), 0);
	CHECK_STR(err, "");
	free(err);
	sem_close(planted);
	sem_unlink(name);
	for (size_t i = 0; i < sizeof(killed) / sizeof(killed[0]); i++)
		sweep_demo(killed[i], path, sizeof(path));
	for (size_t i = 0; i < n_extra_runs; i++)
		sweep_demo(extra_runs[i], path, sizeof(path));
	CHECK_EQ(status, 0);
	nothing_left_of(live.pid);
	CHECK_SYS(rmdir(demo_tmp));
}

/*
 * Run as root, `lipc tour --clean` removes only root's: another user's run directory, and that
 * user's semaphores named as a dead run of root's would name them, stay. Skipped without a
 * second uid.
 */
static void tour_clean_leaves_other_users_alone(void)
{
	char tmp[64], nobody_dir[128], root_dir[128], path[256], name[64];
	struct check_cmd c;
	pid_t dead, child;
	key_t key;
	int status, id;

	if (!check_other_uid())
		return;
	/* A pid that names no process: a child of ours, exited and reaped. */
	dead = check_fork();
	if (dead == 0)
		_exit(0);
	CHECK_EQ(check_wait(dead), 0);
	key = demo_key_of(dead);
	snprintf(name, sizeof(name), "/lipc-demo-%d", (int)dead);
	/* A sticky directory that nobody can reach, as /tmp is. */
	snprintf(tmp, sizeof(tmp), "/tmp/lipc-test-%d-others", (int)getpid());
	CHECK_SYS(mkdir(tmp, 0700));
	CHECK_SYS(chmod(tmp, 01777));
	snprintf(nobody_dir, sizeof(nobody_dir), "%s/lipc-demo-%d-nobody", tmp, (int)dead);
	snprintf(root_dir, sizeof(root_dir), "%s/lipc-demo-%d-rootXX", tmp, (int)dead);

	child = check_fork();
	if (child == 0) {
		sem_t *s;

		check_become_other_uid();
		/* nobody's own dead run, and the semaphores a dead run of root's would have. */
		CHECK_SYS(mkdir(nobody_dir, 0700));
		snprintf(path, sizeof(path), "%s/fifo", nobody_dir);
		CHECK_SYS(mkfifo(path, 0600));
		CHECK_SYS(semget(key, 1, IPC_CREAT | IPC_EXCL | 0600));
		s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
		CHECK(s != SEM_FAILED);
		_exit(0);
	}
	status = check_wait(child);
	child = -1;
	if (status == 0) {
		child = check_fork();
		if (child == 0) {
			/* root's dead run, which meant to make the set nobody made instead. */
			CHECK_SYS(mkdir(root_dir, 0700));
			snprintf(path, sizeof(path), "%s/sysv-sem-0x%08x", root_dir, (unsigned)key);
			close((int)CHECK_SYS(open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)));
			CHECK_SYS(setenv("TMPDIR", tmp, 1));
			CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour", "--clean")), 0);
			CHECK_STR(c.err, "");
			snprintf(path, sizeof(path), "removed %s\n", root_dir);
			CHECK_CONTAINS(c.out, path);
			CHECK(!strstr(c.out, "removed sysv-sem:"));
			CHECK(!strstr(c.out, "removed sem:"));
			CHECK(!strstr(c.out, nobody_dir));
			check_cmd_free(&c);
			CHECK(!exists(root_dir));
			snprintf(path, sizeof(path), "%s/fifo", nobody_dir);
			CHECK(exists(path));
			CHECK(semget(key, 0, 0) >= 0);
			snprintf(path, sizeof(path), "/dev/shm/sem.%s", name + 1);
			CHECK(exists(path));
			_exit(0);
		}
		status = check_wait(child);
	}
	/* Whatever happened, nobody's objects and the directories go. */
	if ((id = semget(key, 0, 0)) >= 0)
		semctl(id, 0, IPC_RMID);
	sem_unlink(name);
	snprintf(path, sizeof(path), "%s/fifo", nobody_dir);
	unlink(path);
	rmdir(nobody_dir);
	snprintf(path, sizeof(path), "%s/sysv-sem-0x%08x", root_dir, (unsigned)key);
	unlink(path);
	rmdir(root_dir);
	CHECK_SYS(rmdir(tmp));
	CHECK_EQ(status, 0);
}

/*
 * Every line of a table the command prints, and of every --help, fits 100 columns. lipc ls keeps
 * one line per object with its name last and whole (scripts and its own tests read it so), so
 * there the row up to its name must fit, whatever the name. lipc lock --status is tried with a
 * lock far into a file, held by a process whose name is escapes only (each byte shown as \xHH):
 * its row is folded.
 */
static void tables_fit_100_columns(void)
{
	char path[PATH_MAX], name[160], *line, *save;
	struct flock fl = { .l_type = F_WRLCK,
			    .l_whence = SEEK_SET,
			    .l_start = 1000000000000000000 };
	struct check_cmd c, h;
	const char *name_col;
	int fd;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	check_path(path, sizeof(path), name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK_SYS(fd);
	CHECK_SYS(fcntl(fd, F_OFD_SETLK, &fl));

	check_cmd_run(&c, NULL, LIPC_ARGV("ls"));
	CHECK_EQ(c.status, 0);
	CHECK_CONTAINS(c.out, name);
	name_col = strstr(c.out, " NAME\n");
	CHECK(name_col != NULL);
	CHECK(name_col + 1 - c.out <= 100);
	check_cmd_free(&c);

	CHECK_SYS(
		prctl(PR_SET_NAME, "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14"));
	check_cmd_run(&c, NULL, LIPC_ARGV("lock", "--status", path));
	CHECK_EQ(c.status, 0);
	CHECK_CONTAINS(c.out, "\\x01\\x02");
	CHECK_FITS_COLUMNS("lipc lock --status", c.out, 100);
	check_cmd_free(&c);
	CHECK_SYS(close(fd));
	CHECK_SYS(unlink(path));

	/* lipc --help, and the --help of every command it names. */
	check_cmd_run(&h, NULL, LIPC_ARGV("--help"));
	CHECK_EQ(h.status, 0);
	CHECK_FITS_COLUMNS("lipc --help", h.out, 100);
	line = strstr(h.out, "Commands:\n");
	CHECK(line != NULL);
	line = strtok_r(line + strlen("Commands:\n"), "\n", &save);
	for (int n = 0; line && !strncmp(line, "  ", 2); line = strtok_r(NULL, "\n", &save), n++) {
		char cmd[32], what[64];

		CHECK_EQ(sscanf(line, "%31s", cmd), 1);
		check_cmd_run(&c, NULL, LIPC_ARGV(cmd, "--help"));
		CHECK_EQ(c.status, 0);
		snprintf(what, sizeof(what), "lipc %s --help", cmd);
		CHECK_FITS_COLUMNS(what, c.out, 100);
		check_cmd_free(&c);
		CHECK(n < 32);
	}
	check_cmd_free(&h);
}

CHECK_MAIN(TEST(help_and_version), TEST(misuse_is_exit_2), TEST(recv_times_out), TEST(not_a_fifo),
	   TEST(missing_directory), TEST(send_without_reader), TEST(two_lipc_processes),
	   TEST(keep_and_verbose), TEST(plain_tools), TEST_T(hundred_thousand_through_the_cli, 120),
	   TEST(recv_to_full_stdout), TEST(interrupted_recv_removes_its_fifo),
	   TEST(recv_interrupted_right_after_creation), TEST(demos_and_tour),
	   TEST_T(demos_at_low_fd_limits, 120), TEST_T(demos_stopped_at_every_line, 240),
	   TEST(tour_clean_removes_what_killed_runs_left),
	   TEST(tour_clean_leaves_other_users_alone), TEST(tables_fit_100_columns))
