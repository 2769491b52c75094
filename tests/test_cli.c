/* The lipc command as a user runs it: exit codes, messages, help, two lipc processes talking. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
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
	static const struct {
		const char *cmd, *message;
		const char *argv[6];
	} cases[] = {
		{ NULL, "missing command", { NULL } },
		{ NULL, "'frob' is not a lipc command", { "frob" } },
		{ NULL, "unknown option '--frob'", { "--frob" } },
		{ "recv", "missing ADDRESS", { "recv" } },
		{ "send", "missing ADDRESS", { "send" } },
		{ "recv", "unknown address type", { "recv", "nope:/tmp/x" } },
		{ "send", "unknown address type", { "send", "nope:/tmp/x", "hi" } },
		{ "recv", "is not an address", { "recv", "/tmp/x" } },
		{ "recv", "is not an address", { "recv", "fifo:" } },
		{ "recv", "count 'abc' is not a number", { "recv", "-n", "abc", "fifo:/tmp/x" } },
		{ "recv", "count '-1' is not a number", { "recv", "-n", "-1", "fifo:/tmp/x" } },
		{ "recv", "count '0' is out of range", { "recv", "-n", "0", "fifo:/tmp/x" } },
		{ "recv", "out of range", { "recv", "-n", "99999999999999999999", "fifo:/x" } },
		{ "recv", "not a number of seconds", { "recv", "-t", "soon", "fifo:/tmp/x" } },
		{ "recv", "not a number of seconds", { "recv", "-t", "-1", "fifo:/tmp/x" } },
		{ "recv", "not a number of seconds", { "recv", "-t", "1.", "fifo:/tmp/x" } },
		{ "recv", "too long", { "recv", "-t", "99999999999", "fifo:/tmp/x" } },
		{ "recv", "needs an argument", { "recv", "fifo:/tmp/x", "-t" } },
		{ "recv", "unexpected argument 'more'", { "recv", "fifo:/tmp/x", "more" } },
		{ "recv", "unknown option '--bogus'", { "recv", "--bogus", "fifo:/tmp/x" } },
		{ "recv", "unknown option '-z'", { "recv", "-z", "fifo:/tmp/x" } },
		{ "send", "not an octal mode", { "send", "-m", "0999", "fifo:/tmp/x", "hi" } },
		{ "send", "message 2 holds a newline", { "send", "fifo:/tmp/x", "ok", "a\nb" } },
		{ "demo", "missing TECHNIQUE", { "demo" } },
		{ "demo", "unknown technique 'telepathy'", { "demo", "telepathy" } },
		{ "tour", "unexpected argument", { "tour", "pipe" } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[8] = { check_lipc() };
		struct check_cmd c;

		for (int j = 0; cases[i].argv[j]; j++)
			argv[j + 1] = cases[i].argv[j];
		check_cmd_run(&c, NULL, argv);
		if (c.status != 2)
			fprintf(stderr, "case %zu (%s): status %d, stderr: %s", i, cases[i].message,
				c.status, c.err);
		CHECK_USAGE_ERROR(&c, cases[i].cmd, cases[i].message);
		check_cmd_free(&c);
	}
	/* None of them created anything. */
	CHECK(!exists("/tmp/x"));
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

CHECK_MAIN(TEST(help_and_version), TEST(misuse_is_exit_2), TEST(recv_times_out), TEST(not_a_fifo),
	   TEST(missing_directory), TEST(send_without_reader), TEST(two_lipc_processes),
	   TEST(keep_and_verbose), TEST(plain_tools), TEST_T(hundred_thousand_through_the_cli, 120),
	   TEST(recv_to_full_stdout), TEST(interrupted_recv_removes_its_fifo), TEST(demos_and_tour))
