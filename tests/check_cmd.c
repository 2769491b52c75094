/* SPDX-License-Identifier: MIT */
/*
 * The commands a test runs, behind check.h: lipc or an example started with its output captured
 * in memfds (posix_spawn, every signal at its default whatever the suite inherited), under
 * LIPC_WRAPPER when it is lipc, or under ptrace to hold it at a chosen system call; the checks
 * of what the command conventions promise (a usage error, a failure), and the examples built
 * with the bare compiler as their headers say.
 *
 * The trap: a command's exit status 77 is its own, not a skip (check_cmd_wait() waits with
 * check_wait_status(), not check_wait()); a traced command must be detached or killed, and
 * cannot run under valgrind.
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "check_internal.h"

const char *check_lipc(void)
{
	const char *l = getenv("LIPC");

	if (!l || !*l)
		check_fail(__FILE__, __LINE__, "LIPC is not set: run the tests through ctest");
	return l;
}

bool check_wrapped(void)
{
	const char *w = getenv("LIPC_WRAPPER");

	return w && *w;
}

/*
 * The argv to run: argv itself, or, when it runs lipc and LIPC_WRAPPER is set (make valgrind:
 * "valgrind --error-exitcode=99 ..."), the wrapper's words and then argv, so that the same tests
 * check the command under a tool. At most 32 words in all; words holds their text.
 */
static char *const *wrapped(const char *const argv[], char *words, size_t size)
{
	static const char *out[32 + 64];
	const char *w = getenv("LIPC_WRAPPER");
	size_t n = 0;

	if (!check_wrapped() || strcmp(argv[0], check_lipc()))
		return (char *const *)(uintptr_t)argv;
	snprintf(words, size, "%s", w);
	for (char *save, *t = strtok_r(words, " ", &save); t && n < 32;
	     t = strtok_r(NULL, " ", &save))
		out[n++] = t;
	for (size_t i = 0; argv[i] && n < sizeof(out) / sizeof(out[0]) - 1; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	return (char *const *)(uintptr_t)out;
}

pid_t check_spawn(const char *const argv[], int in, int out, int err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t all, none;
	pid_t pid;
	int e;

	posix_spawn_file_actions_init(&fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	if (err >= 0)
		posix_spawn_file_actions_adddup2(&fa, err, STDERR_FILENO);
	/*
	 * Every signal at its default and none blocked, whatever the suite inherited: run from a
	 * script's background job, SIGINT comes ignored, and a test of Ctrl+C would hang.
	 */
	posix_spawnattr_init(&sa);
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&sa, &all);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	e = posix_spawnp(&pid, argv[0], &fa, &sa, (char *const *)(uintptr_t)argv, environ);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	if (e)
		check_fail(__FILE__, __LINE__, "cannot run %s: %s", argv[0], strerror(e));
	return pid;
}

/*
 * Clear c and make its output files (memfds); returns a memfd holding input, read from its start,
 * or -1 when input is NULL.
 */
static int cmd_files(struct check_cmd *c, const char *input)
{
	size_t len;
	int in;

	memset(c, 0, sizeof(*c));
	c->out_fd = (int)CHECK_SYS(memfd_create("stdout", MFD_CLOEXEC));
	c->err_fd = (int)CHECK_SYS(memfd_create("stderr", MFD_CLOEXEC));
	if (!input)
		return -1;
	len = strlen(input);
	in = (int)CHECK_SYS(memfd_create("stdin", MFD_CLOEXEC));
	CHECK((size_t)CHECK_SYS(write(in, input, len)) == len);
	CHECK_SYS(lseek(in, 0, SEEK_SET));
	return in;
}

void check_cmd_start(struct check_cmd *c, const char *input, const char *const argv[])
{
	char words[1024];
	int in = cmd_files(c, input);

	c->pid = check_spawn((const char *const *)wrapped(argv, words, sizeof(words)), in,
			     c->out_fd, c->err_fd);
	if (in >= 0)
		close(in);
}

void check_cmd_start_traced(struct check_cmd *c, const char *input, const char *const argv[])
{
	int in, status;

	if (check_wrapped())
		check_skip("a traced command cannot run under LIPC_WRAPPER");
	in = cmd_files(c, input);
	c->pid = check_fork();
	if (c->pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		if (in < 0)
			in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (in < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(c->out_fd, STDOUT_FILENO) < 0 ||
		    dup2(c->err_fd, STDERR_FILENO) < 0 || ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(126);
		/* The kernel stops us at the exec with SIGTRAP: the tracer takes it from there. */
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (in >= 0)
		close(in);
	CHECK_SYS(waitpid(c->pid, &status, 0));
	if (!WIFSTOPPED(status)) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
			check_skip("ptrace(PTRACE_TRACEME) is refused here");
		check_fail(__FILE__, __LINE__, "cannot run %s under ptrace (status %#x)", argv[0],
			   status);
	}
	CHECK_SYS(ptrace(PTRACE_SETOPTIONS, c->pid, NULL,
			 (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)));
}

static bool one_of(long nr, const long nrs[])
{
	for (int i = 0; nrs[i] >= 0; i++)
		if (nrs[i] == nr)
			return true;
	return false;
}

void check_traced_until(struct check_cmd *c, const long nrs[], int nth, bool leave)
{
	int seen = 0, sig = 0, status;
	long entered = -1;

	for (;;) {
		struct __ptrace_syscall_info info;

		CHECK_SYS(ptrace(PTRACE_SYSCALL, c->pid, NULL, (void *)(long)sig));
		CHECK_SYS(waitpid(c->pid, &status, 0));
		sig = 0;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			check_fail(__FILE__, __LINE__,
				   "the traced command ended (status %#x) before system call %ld",
				   status, nrs[0]);
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(status); /* a signal for it: delivered as it goes on */
			continue;
		}
		CHECK_SYS(ptrace(PTRACE_GET_SYSCALL_INFO, c->pid, (void *)sizeof(info), &info));
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
			entered = (long)info.entry.nr;
		if ((info.op == PTRACE_SYSCALL_INFO_ENTRY) == !leave && one_of(entered, nrs) &&
		    ++seen == nth)
			return;
	}
}

void check_traced_go(struct check_cmd *c)
{
	CHECK_SYS(ptrace(PTRACE_DETACH, c->pid, NULL, NULL));
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
	c->status =
		check_wait_status(c->pid); /* a program, not a test's child: its 77 is no skip */
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

static char *example_path(char *buf, size_t size, const char *name)
{
	char what[64];

	snprintf(what, sizeof(what), "bin-%s", name);
	return check_path(buf, size, what);
}

const char *check_example(const char *name)
{
	static char bin[PATH_MAX];
	const char *cc = getenv("LIPC_CC"), *src = getenv("LIPC_SOURCE_DIR");
	char source[PATH_MAX];
	struct check_cmd c;

	if (!cc || !src)
		check_fail(__FILE__, __LINE__,
			   "LIPC_CC and LIPC_SOURCE_DIR unset: run through ctest");
	snprintf(source, sizeof(source), "%s/examples/%s.c", src, name);
	example_path(bin, sizeof(bin), name);
	if (access(bin, X_OK) != 0) {
		check_cmd_run(&c, NULL, (const char *const[]){ cc, "-o", bin, source, NULL });
		if (c.status != 0 || c.err[0])
			check_fail(__FILE__, __LINE__, "cc -o %s %s: status %d\n%s", name, source,
				   c.status, c.err);
		check_cmd_free(&c);
	}
	return bin;
}

void check_example_remove(const char *name)
{
	char bin[PATH_MAX];

	unlink(example_path(bin, sizeof(bin), name));
}

void check_example_output_(const char *name, char *(*filter)(char *), const char *expected,
			   const char *const args[], const char *file, int line)
{
	const char *argv[16] = { check_example(name) };
	struct check_cmd c;
	size_t n = 1;

	for (; args[n - 1]; n++) {
		if (n == sizeof(argv) / sizeof(argv[0]) - 1)
			check_fail(file, line, "%s: more than %zu arguments", name, n - 1);
		argv[n] = args[n - 1];
	}
	argv[n] = NULL;
	if (check_cmd_run(&c, NULL, argv) != 0)
		check_fail(file, line, "examples/%s: status %d, stderr \"%s\"", name, c.status,
			   c.err);
	if (filter)
		filter(c.out);
	if (strcmp(c.out, expected))
		check_fail(file, line, "examples/%s printed \"%s\", not \"%s\"", name, c.out,
			   expected);
	if (c.err[0])
		check_fail(file, line, "examples/%s wrote to standard error: \"%s\"", name, c.err);
	check_cmd_free(&c);
}

char *check_no_numbers(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (*r >= '0' && *r <= '9') {
			while (*r >= '0' && *r <= '9')
				r++;
			*w++ = 'N';
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

/* Is c the usage error of cmd, with message? try gets the Try line it must end with. */
static bool usage_error(const struct check_cmd *c, const char *cmd, const char *message, char *try,
			size_t size)
{
	const char *nl = strchr(c->err, '\n');
	snprintf(try, size, "Try 'lipc%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
	return c->status == 2 && !c->out[0] && !strncmp(c->err, "lipc: ", 6) &&
	       strstr(c->err, message) && nl && !strcmp(nl + 1, try);
}

void check_usage_error_(const struct check_cmd *c, const char *cmd, const char *message,
			const char *file, int line)
{
	char try[64];

	if (!usage_error(c, cmd, message, try, sizeof(try)))
		check_fail(
			file, line,
			"expected a usage error (status 2, \"lipc: ...%s...\" and \"%.*s\"), got "
			"status %d, stdout \"%s\", stderr \"%s\"",
			message, (int)strlen(try) - 1, try, c->status, c->out, c->err);
}

void check_usage_errors_(const struct check_usage *cases, size_t n, const char *file, int line)
{
	for (size_t i = 0; i < n; i++) {
		const struct check_usage *u = &cases[i];
		const char *argv[sizeof(u->argv) / sizeof(u->argv[0]) + 2] = { check_lipc() };
		struct check_cmd c;
		char try[64], words[512] = "";
		size_t j;

		for (j = 0; j < sizeof(u->argv) / sizeof(u->argv[0]) && u->argv[j]; j++) {
			argv[j + 1] = u->argv[j];
			snprintf(words + strlen(words), sizeof(words) - strlen(words), " %s",
				 u->argv[j]);
		}
		argv[j + 1] = NULL;
		check_cmd_run(&c, NULL, argv);
		if (!usage_error(&c, u->cmd, u->message, try, sizeof(try)))
			fprintf(stderr, "usage case %zu of %zu: lipc%s\n", i + 1, n, words);
		check_usage_error_(&c, u->cmd, u->message, file, line);
		check_cmd_free(&c);
	}
}

void check_failure_(const struct check_cmd *c, const char *message, const char *file, int line)
{
	size_t len = strlen(c->err);

	if (c->status != 1 || strncmp(c->err, "lipc: ", 6) || !strstr(c->err, message) ||
	    strchr(c->err, '\n') != c->err + len - 1)
		check_fail(file, line,
			   "expected a failure (status 1, one line \"lipc: ...%s...\"), got status "
			   "%d, stderr \"%s\"",
			   message, c->status, c->err);
}

/* The columns of a line: its UTF-8 characters. */
static size_t line_columns(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

void check_fits_columns_(const char *what, const char *text, size_t columns, const char *file,
			 int line)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");

		if (line_columns(p, n) > columns)
			check_fail(file, line, "%s: a line of %zu columns, over %zu: %.*s", what,
				   line_columns(p, n), columns, (int)n, p);
		p += n + (p[n] == '\n');
	}
}
