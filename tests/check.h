/* SPDX-License-Identifier: MIT */
/*
 * check.h: LinuxIPC's test harness, in the manner of the kernel's selftest harness.
 *
 * A test file lists its tests with CHECK_MAIN(TEST(a), TEST(b), ...). Each test runs in a forked
 * child that leads its own process group; the runner kills the whole group when the test ends
 * or runs out of time, so a hung peer cannot outlive its test. `test_x -t NAME` runs one test in
 * the calling process, for gdb; `-l` lists the tests. Exit status 77 means skipped (CTest's
 * SKIP_RETURN_CODE): a test calls CHECK_SKIP() when the kernel lacks what it needs, or the run
 * a privilege (a mount, a namespace); a part that needs another user is left out where the run
 * cannot switch users (check_other_uid()), and the test reported skipped. The suite passes for
 * any user, from any checkout.
 *
 * Every IPC object a test creates carries the test's pid in its name (check_name, check_path,
 * check_key). After each test the runner removes whatever is left under that pid, and a test
 * that passed but left something behind fails: objects are cleaned up even when a test dies,
 * and leaks are still caught. tests/leakcheck runs last and fails on any object of ours.
 *
 * One header, three files, one per concern: check.c is the runner (the test table, the forked
 * child and its process group, timeouts, -t, failing and skipping, waiting for children);
 * check_cmd.c the commands a test runs (check_cmd_*, tracing, lipc's usage errors and failures,
 * the examples); check_ipc.c the IPC objects (names, keys, the registry and the sweep, the
 * other user, the sandbox, channel traffic). Beside them, the tools a test includes when it
 * needs them: json.h (a strict JSON reader) and xml.h (a well-formedness check).
 */
#ifndef LIPC_CHECK_H
#define LIPC_CHECK_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "lipc/chan.h"

struct check_test {
	const char *name;
	void (*fn)(void);
	int timeout_s;
};

#define TEST(fn)                                                                                   \
	{                                                                                          \
#fn, fn, 60                                                                        \
	}
#define TEST_T(fn, secs)                                                                           \
	{                                                                                          \
#fn, fn, secs                                                                      \
	}
#define CHECK_MAIN(...)                                                                            \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		static const struct check_test tests_[] = { __VA_ARGS__ };                         \
		return check_main(argc, argv, tests_, sizeof(tests_) / sizeof(tests_[0]));         \
	}

int check_main(int argc, char **argv, const struct check_test *tests, size_t n);

_Noreturn void check_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
long long check_sys(long long v, const char *expr, const char *file, int line);
void check_err(long long v, int err, const char *expr, const char *file, int line);
const char *check_errname(int err);

#define CHECK(cond) ((cond) ? (void)0 : check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond))
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			check_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);  \
	} while (0)
#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (strcmp(a_, b_))                                                                \
			check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, a_,   \
				   b_);                                                            \
	} while (0)
#define CHECK_CONTAINS(hay, needle)                                                                \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (!strstr(h_, n_))                                                               \
			check_fail(__FILE__, __LINE__, "%s holds \"%s\": it is \"%s\"", #hay, n_,  \
				   h_);                                                            \
	} while (0)
/* A call that must succeed (not -1); yields its value. */
#define CHECK_SYS(expr) check_sys((long long)(expr), #expr, __FILE__, __LINE__)
/* A call that must fail with -1 and exactly errno err. */
#define CHECK_ERR(expr, err) check_err((long long)(expr), err, #expr, __FILE__, __LINE__)
#define CHECK_SKIP(...)	     check_skip(__VA_ARGS__)

/* The pid of the running test: every name it makes carries it. */
extern pid_t check_pid;

/* "lipc-test-PID-what", in buf: a name for shm_open, sem_open or mq_open (after a '/'). */
char *check_name(char *buf, size_t size, const char *what);
/* "$LIPC_TEST_DIR/lipc-test-PID-what" (LIPC_TEST_DIR defaults to /tmp), in buf. */
char *check_path(char *buf, size_t size, const char *what);
/*
 * The address of a channel the test makes, in buf: "SCHEME:PATH" with check_path() for what
 * lives in a directory (fifo, unix*), "SCHEME:/NAME" with check_name() for a name (mq, shm).
 */
char *check_path_addr(char *buf, size_t size, const char *scheme);
char *check_name_addr(char *buf, size_t size, const char *scheme);
/* $LIPC_TEST_DIR, or /tmp when it is not set. */
const char *check_test_dir(void);
/* $LIPC_SOURCE_DIR, the source tree: set by ctest, or the test fails. */
const char *check_source_dir(void);
/* A whole file, '\0'-terminated, in memory from malloc(); a file that cannot be read fails. */
char *check_read_file(const char *path);
/* A System V key of this test: 0x4C, then 16 bits of the pid, then n. */
key_t check_key(unsigned n);

/* fork(), or fail the test. A CHECK that fails in the child ends the child with status 1. */
pid_t check_fork(void);
/*
 * Wait for a child: its exit status, or 128 + the signal that killed it. A child that skipped
 * (CHECK_SKIP: status 77) skips its parent too, so that a skip never counts as a failure.
 */
int check_wait(pid_t pid);

/*
 * Another user, for the tests of what one user can and cannot do to another's objects: the
 * tests switch to nobody. Only a privileged run (root) can; an ordinary user's run skips those
 * parts, and the rest of the suite runs for everyone.
 */
#define CHECK_OTHER_UID 65534
#define CHECK_OTHER_GID 65534
/*
 * Can this test switch to CHECK_OTHER_UID? A child tries it once (setgroups, setgid, setuid).
 * When it cannot, the caller leaves out the part that needs another user, and the test, if
 * nothing else fails, is reported skipped with the reason (the rest of it still runs):
 *
 *	if (check_other_uid()) { pid = check_fork(); if (pid == 0) { check_become_other_uid(); ...
 *
 * A test that is about another user only begins with `if (!check_other_uid()) return;`.
 */
bool check_other_uid(void);
/*
 * In a forked child: become CHECK_OTHER_UID for good (no supplementary groups, then its gid and
 * uid). $LIPC then names check_lipc_for_other_uid(), so that check_lipc() and LIPC_ARGV run a
 * lipc this user can reach. Where the switch is refused, the child skips (and so its parent).
 */
void check_become_other_uid(void);
/*
 * A directory that CHECK_OTHER_UID can enter (under /tmp, mode 0711: it may not list or write
 * it), for what it must run or reach: the checkout may be closed to it (a 0700 home, a mktemp
 * -d). Made once per test, owned by the test's user; removed with what it holds after the
 * test, even when the test fails.
 */
const char *check_other_uid_dir(void);
/* A copy of the program at path in check_other_uid_dir(), mode 0755, for CHECK_OTHER_UID. */
const char *check_copy_for_other_uid(const char *path);
/* A copy of lipc that CHECK_OTHER_UID can run: check_copy_for_other_uid(check_lipc()). */
const char *check_lipc_for_other_uid(void);

/*
 * Start argv[0] (looked up in PATH, never wrapped) with the given descriptors as its standard
 * input, output and error (-1: /dev/null for input, this process's own for the others), every
 * signal at its default and none blocked; fails the test when it cannot.
 */
pid_t check_spawn(const char *const argv[], int in, int out, int err);

/* A command run with its output captured. */
struct check_cmd {
	pid_t pid;
	int out_fd, err_fd; /* memfds that collect standard output and standard error */
	int status;	    /* after check_cmd_wait: exit status, or 128 + signal */
	char *out, *err;    /* after check_cmd_wait: what it wrote, NUL-terminated */
};
/* Start argv[0] (looked up in PATH) with input as standard input (NULL: /dev/null). */
void check_cmd_start(struct check_cmd *cmd, const char *input, const char *const argv[]);
/* Wait for it and collect its output; returns its status. */
int check_cmd_wait(struct check_cmd *cmd);
/* Start and wait. */
int check_cmd_run(struct check_cmd *cmd, const char *input, const char *const argv[]);
void check_cmd_free(struct check_cmd *cmd);

/*
 * A command held at a chosen instant, for tests of races: check_cmd_start_traced() starts it
 * under ptrace, check_traced_until() lets it run until it enters (or, with leave, returns from)
 * one of the system calls nrs (CHECK_SYSCALLS(SYS_unlink, SYS_unlinkat)) for the nth time from
 * now, and leaves it stopped there while the test acts;
 * check_traced_go() lets it go on untraced, and check_cmd_wait() collects it. The test is
 * skipped where ptrace is refused, and under LIPC_WRAPPER (valgrind cannot be traced so).
 */
void check_cmd_start_traced(struct check_cmd *cmd, const char *input, const char *const argv[]);
void check_traced_until(struct check_cmd *cmd, const long nrs[], int nth, bool leave);
#define CHECK_SYSCALLS(...) ((const long[]){ __VA_ARGS__, -1 })
void check_traced_go(struct check_cmd *cmd);

/*
 * Build examples/NAME.c with the bare compiler, exactly as its header says (`cc -o NAME NAME.c`,
 * no flags), into the test directory; fails the test if it does not build cleanly. Returns the
 * binary's path (a static buffer). check_example_remove() deletes the binary.
 */
const char *check_example(const char *name);
void check_example_remove(const char *name);

/*
 * Every line of text (what: the command, for the message) is at most columns wide, counting
 * UTF-8 characters: the command's tables and help fit a 100-column terminal.
 */
#define CHECK_FITS_COLUMNS(what, text, columns)                                                    \
	check_fits_columns_(what, text, columns, __FILE__, __LINE__)
void check_fits_columns_(const char *what, const char *text, size_t columns, const char *file,
			 int line);
/*
 * Run examples/NAME (check_example) with the arguments that follow, up to a NULL, and check that
 * it exits 0, writes nothing to standard error, and prints expected on standard output once
 * filter (NULL: none; check_no_numbers where pids vary) has rewritten what it printed:
 *
 *	CHECK_EXAMPLE_OUTPUT("sem_posix", check_no_numbers, check_no_numbers(expected), name, NULL);
 */
#define CHECK_EXAMPLE_OUTPUT(name, filter, expected, ...)                                          \
	check_example_output_(name, filter, expected, (const char *const[]){ __VA_ARGS__ },        \
			      __FILE__, __LINE__)
void check_example_output_(const char *name, char *(*filter)(char *), const char *expected,
			   const char *const args[], const char *file, int line);

/* Block until path exists (inotify on its directory: no sleeping, no polling). */
void check_wait_for_path(const char *path);

/* Replace each run of digits in s with "N" (pids vary from run to run); returns s. */
char *check_no_numbers(char *s);
/* How many descriptors this process has open: to prove that a call leaks none. */
int check_open_fds(void);
/* The state of process pid in /proc/PID/stat: 'R', 'S', 'Z' (exited, not yet waited for)... */
char check_state(pid_t pid);
/* Is process pid asleep in the kernel (state S)? */
bool check_asleep(pid_t pid);
/*
 * Is process pid asleep in system call nr? From /proc/PID/syscall (*arg0, when not NULL, gets the
 * call's first argument); where that cannot be read, asleep is all that can be told, and true.
 */
bool check_asleep_in(pid_t pid, long nr, unsigned long long *arg0);

/*
 * An on_create hook for lipc_chan_opts (on_create_arg: the path asked for): checks that the
 * entry it is given, in the directory descriptor, is the file at that path, and counts the calls
 * in check_created_calls.
 */
void check_created(int dirfd, const char *name, const struct stat *st, void *path);
extern int check_created_calls;

/* check_sandboxed() flags. */
#define CHECK_SANDBOX_TMP 0x1 /* an empty /tmp of its own too (the test's own directories stay) */

/*
 * Run fn in a child process that has IPC objects of its own, for tests that must see every
 * object of a kind (lipc ls, the tour) or run commands that use fixed names (the README's): a new
 * IPC namespace (System V objects and POSIX queues that nobody else sees, and that vanish with
 * the child), and a new mount namespace with an empty tmpfs on /dev/shm and an mqueue file system
 * mounted at the path fn is given. A CHECK that fails in fn fails the test; where the kernel
 * refuses new namespaces (not root), the test is skipped.
 */
void check_sandboxed(void (*fn)(const char *mqueue_dir, void *arg), void *arg, unsigned flags);

/*
 * A lipc usage error: status 2, nothing on stdout, "lipc: ...message..." and the Try line of cmd
 * ("Try 'lipc CMD --help'.", or "Try 'lipc --help'." when cmd is NULL) as its second and last line.
 */
#define CHECK_USAGE_ERROR(cmd_run, cmd, message)                                                   \
	check_usage_error_(cmd_run, cmd, message, __FILE__, __LINE__)
/* A lipc failure: status 1 and one line on stderr, "lipc: ...message...". */
#define CHECK_FAILURE(cmd_run, message) check_failure_(cmd_run, message, __FILE__, __LINE__)
void check_usage_error_(const struct check_cmd *c, const char *cmd, const char *message,
			const char *file, int line);
void check_failure_(const struct check_cmd *c, const char *message, const char *file, int line);

/*
 * A table of bad command lines, each with the usage error lipc must give for it: the command
 * its Try line names (NULL: lipc itself), the message its "lipc: " line holds, and argv (lipc's
 * arguments, without lipc itself). CHECK_USAGE_ERRORS(cases) runs lipc once per case and checks
 * CHECK_USAGE_ERROR's promise for it; a failure names the case and its command line.
 */
struct check_usage {
	const char *cmd, *message;
	const char *argv[12];
};
#define CHECK_USAGE_ERRORS(cases)                                                                  \
	check_usage_errors_(cases, sizeof(cases) / sizeof((cases)[0]), __FILE__, __LINE__)
void check_usage_errors_(const struct check_usage *cases, size_t n, const char *file, int line);

/* The lipc binary under test ($LIPC), and an argv for it: LIPC_ARGV("recv", "fifo:x"). */
const char *check_lipc(void);
#define LIPC_ARGV(...) ((const char *const[]){ check_lipc(), __VA_ARGS__, NULL })
/*
 * Does check_cmd_start() run lipc under LIPC_WRAPPER (make valgrind: valgrind memcheck)? For
 * the rare step that the wrapper cannot run (a system call valgrind does not know).
 */
bool check_wrapped(void);

/*
 * 1 when built with a sanitizer (make sanitize, make tsan), where everything runs several times
 * slower, so that soak tests move a tenth as much (GCC says so with __SANITIZE_*__, clang with
 * __has_feature).
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CHECK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CHECK_SANITIZED 1
#endif
#endif
#ifndef CHECK_SANITIZED
#define CHECK_SANITIZED 0
#endif

/*
 * Traffic through a channel: a sender process sends count sequence-numbered, checksummed
 * messages ("SEQ SUM BODY", bodies of pseudo-random length up to max_body) and the receiver
 * checks that none is lost, duplicated, reordered or corrupted.
 */
struct check_traffic {
	const char *address;
	struct lipc_chan_opts opts; /* for both ends */
	long count;
	size_t max_body;
	bool binary;	 /* bodies hold any byte, newlines and NULs included */
	bool recv_first; /* open the receiver before the sender starts (a listener, a queue) */
	bool stream_end; /* after the last message, recv reports the end of the stream */
};
void check_traffic(const struct check_traffic *t);

/*
 * Remove the IPC objects of the test with this pid (0: of every test of this run), printing each
 * to report when it is not NULL. Returns how many there were.
 */
int check_sweep(pid_t pid, FILE *report);
/* Start a new run: forget the names and keys the last one handed out. */
void check_sweep_reset(void);

#endif
