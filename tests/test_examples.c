/* SPDX-License-Identifier: MIT */
/*
 * examples/: each program builds alone, exactly as its header says (`cc -o NAME NAME.c`, no flags,
 * nothing of ours), and does what the guide says it does.
 */
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"

/* Remove the binaries check_example() built. */
static void remove_binaries(void)
{
	static const char *const names[] = { "pipe_parent_child", "pipe_filter", "fifo_reader",
					     "fifo_writer" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_example_remove(names[i]);
}

static void pipe_parent_child(void)
{
	CHECK_EXAMPLE_OUTPUT("pipe_parent_child", check_no_numbers,
			     "parent N: writing N lines to child N\n"
			     "child  N: got first line\n"
			     "child  N: got second line\n"
			     "child  N: got third line\n"
			     "child  N: end of file\n"
			     "parent N: child exited with status N\n",
			     NULL);
	remove_binaries();
}

static void pipe_filter(void)
{
	char dir[PATH_MAX], file[PATH_MAX + 8];

	check_path(dir, sizeof(dir), "dir");
	CHECK_SYS(mkdir(dir, 0700));
	for (int i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s/f%d", dir, i);
		close((int)CHECK_SYS(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	}
	CHECK_EXAMPLE_OUTPUT("pipe_filter", NULL, "3\n", dir, NULL);
	for (int i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s/f%d", dir, i);
		CHECK_SYS(unlink(file));
	}
	CHECK_SYS(rmdir(dir));
	remove_binaries();
}

/* Run fifo_reader on path and fifo_writer with input and args; check what the reader printed. */
static void reader_and_writer(const char *path, const char *input, const char *const *args,
			      bool fifo_exists)
{
	const char *argv[8] = { NULL, path };
	char reader[PATH_MAX], expected[PATH_MAX + 256];
	struct check_cmd r, w;

	snprintf(reader, sizeof(reader), "%s", check_example("fifo_reader"));
	check_cmd_start(&r, NULL, (const char *const[]){ reader, path, NULL });
	if (!fifo_exists)
		check_wait_for_path(path); /* the writer needs the reader's FIFO */
	argv[0] = check_example("fifo_writer");
	for (int i = 0; args[i]; i++)
		argv[i + 2] = args[i];
	CHECK_EQ(check_cmd_run(&w, input, argv), 0);
	CHECK_STR(w.err, "");
	CHECK_EQ(check_cmd_wait(&r), 0);
	snprintf(expected, sizeof(expected),
		 "reader N: waiting for a writer on %s\n"
		 "reader N: \"hello\"\n"
		 "reader N: \"world\"\n"
		 "reader N: end of file: every writer has closed the FIFO\n",
		 path);
	CHECK_STR(check_no_numbers(r.out), check_no_numbers(expected));
	check_cmd_free(&w);
	check_cmd_free(&r);
}

static void fifo_reader_and_writer(void)
{
	static const char *const words[] = { "hello", "world", NULL }, *const none[] = { NULL };
	char path[PATH_MAX];

	/* The reader creates the FIFO, and removes it when done. */
	check_path(path, sizeof(path), "fifo");
	reader_and_writer(path, NULL, words, false);
	CHECK_ERR(access(path, F_OK), ENOENT);

	/* A FIFO made by someone else is used, and left in place; lines come from stdin. */
	CHECK_SYS(mkfifo(path, 0600));
	reader_and_writer(path, "hello\nworld\n", none, true);
	CHECK_SYS(unlink(path));
	remove_binaries();
}

/* Has the command written needle to its standard output yet? */
static bool said(const struct check_cmd *c, const char *needle)
{
	char buf[4096];
	ssize_t n = CHECK_SYS(pread(c->out_fd, buf, sizeof(buf) - 1, 0));

	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Wait until the server listens, or fail if it exits first. */
static void wait_listening(struct check_cmd *srv)
{
	while (!said(srv, "listening on ")) {
		if (check_state(srv->pid) == 'Z') {
			check_cmd_wait(srv);
			check_fail(__FILE__, __LINE__, "the server exited (%d): %s%s", srv->status,
				   srv->out, srv->err);
		}
		sched_yield();
	}
}

/* One client through sock_stream_client, which must get its echo. */
static void echo_once(const char *path)
{
	struct check_cmd c;

	CHECK_EQ(check_cmd_run(&c, NULL,
			       (const char *const[]){ check_example("sock_stream_client"), path,
						      "hello", NULL }),
		 0);
	CHECK_STR(check_no_numbers(c.out), "client N: sent \"hello\", got back \"hello\"\n");
	check_cmd_free(&c);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * A path that does not fit in sun_path (107 bytes and the NUL) is refused before anything is
 * copied or created; one of exactly 107 bytes is taken whole.
 */
static void unix_server_path_length(void)
{
	char path[PATH_MAX], lock[PATH_MAX + 8];
	struct sockaddr_un sun;
	struct check_cmd srv;
	size_t len;

	check_path(path, sizeof(path), "echo-");
	len = strlen(path);
	if (len >= sizeof(sun.sun_path) - 1)
		CHECK_SKIP("the test directory's path is too long for a socket path");
	memset(path + len, 'x', sizeof(sun.sun_path) - len);
	path[sizeof(sun.sun_path)] = '\0'; /* 108 bytes: one too many */
	snprintf(lock, sizeof(lock), "%s.lock", path);
	CHECK_EQ(check_cmd_run(
			 &srv, NULL,
			 (const char *const[]){ check_example("sock_stream_server"), path, NULL }),
		 1);
	CHECK_CONTAINS(srv.err, "a socket path holds at most 107 bytes");
	CHECK_STR(srv.out, "");
	check_cmd_free(&srv);
	CHECK(!exists(path) && !exists(lock));

	path[sizeof(sun.sun_path) - 1] = '\0'; /* 107 bytes: the longest that fits */
	check_cmd_start(
		&srv, NULL,
		(const char *const[]){ check_example("sock_stream_server"), path, "1", NULL });
	wait_listening(&srv);
	echo_once(path);
	CHECK_EQ(check_cmd_wait(&srv), 0);
	CHECK_STR(srv.err, "");
	check_cmd_free(&srv);
	CHECK(!exists(path));
	check_example_remove("sock_stream_server");
	check_example_remove("sock_stream_client");
}

/*
 * The lock file: while a server runs, a second one on its path fails on PATH.lock and leaves the
 * first one's socket alone; of several started at once on a stale socket file, exactly one
 * binds (removing the file first) and every other fails on the lock. At the end the winner
 * removes both its socket file and its lock file.
 */
static void unix_server_lock_file(void)
{
	enum {
		N = 4
	};
	char path[PATH_MAX], lock[PATH_MAX + 8], expected[PATH_MAX * 3];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct check_cmd srv[N], second;
	struct stat before, after;
	char server[PATH_MAX];
	int fd, winner = -1;

	check_path(path, sizeof(path), "echo");
	CHECK(strlen(path) < sizeof(sun.sun_path));
	snprintf(lock, sizeof(lock), "%s.lock", path);
	snprintf(server, sizeof(server), "%s", check_example("sock_stream_server")); /* static */

	check_cmd_start(&srv[0], NULL, (const char *const[]){ server, path, "1", NULL });
	wait_listening(&srv[0]);
	CHECK_SYS(lstat(path, &before));
	CHECK_EQ(check_cmd_run(&second, NULL, (const char *const[]){ server, path, NULL }), 1);
	snprintf(expected, sizeof(expected),
		 "%s: a server is already listening there (it holds %s)", path, lock);
	CHECK_CONTAINS(second.err, expected);
	CHECK_STR(second.out, "");
	check_cmd_free(&second);
	CHECK_SYS(lstat(path, &after));
	CHECK_EQ(after.st_ino, before.st_ino); /* the first server's socket, untouched */
	echo_once(path);
	CHECK_EQ(check_cmd_wait(&srv[0]), 0);
	check_cmd_free(&srv[0]);
	CHECK(!exists(path) && !exists(lock));

	/* A stale socket file, and N servers at once. */
	strcpy(sun.sun_path, path);
	fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd);
	for (int i = 0; i < N; i++)
		check_cmd_start(&srv[i], NULL, (const char *const[]){ server, path, "1", NULL });
	/* Each one ends up listening or gone; only then is the count of listeners final. */
	for (int i = 0; i < N; i++) {
		while (!said(&srv[i], "listening on ") && check_state(srv[i].pid) != 'Z')
			sched_yield();
		if (check_state(srv[i].pid) == 'Z') {
			CHECK_EQ(check_cmd_wait(&srv[i]), 1);
			CHECK_CONTAINS(srv[i].err, expected);
		} else {
			CHECK_EQ(winner, -1);
			winner = i;
		}
	}
	CHECK(winner >= 0);
	echo_once(path);
	CHECK_EQ(check_cmd_wait(&srv[winner]), 0);
	CHECK_CONTAINS(srv[winner].out, "is stale (connect: connection refused): removing it");
	CHECK_STR(srv[winner].err, "");
	for (int i = 0; i < N; i++)
		check_cmd_free(&srv[i]);
	CHECK(!exists(path) && !exists(lock));
	check_example_remove("sock_stream_server");
	check_example_remove("sock_stream_client");
}

/* Is the POSIX queue that examples/event_loop run as pid names gone? */
static bool event_loop_queue_gone(pid_t pid)
{
	char name[64];
	mqd_t mq;

	snprintf(name, sizeof(name), "/event_loop-%d", (int)pid);
	mq = mq_open(name, O_RDONLY);
	if (mq != (mqd_t)-1) {
		mq_close(mq);
		CHECK_SYS(mq_unlink(name));
		return false;
	}
	CHECK_EQ(errno, ENOENT);
	return true;
}

/*
 * One epoll loop over a queue, a socket, a signalfd, a pidfd and a timerfd: every event of the
 * child's, in the order the timer lets it take its steps, then its exit; the signal is known to
 * come from the child, the queue is drained, and its name was removed.
 */
static void event_loop(void)
{
	struct check_cmd c;

	CHECK_EXAMPLE_OUTPUT(
		"event_loop", NULL,
		"timerfd:  tick 1: the child may take a step\n"
		"queue:    \"job 1\", priority 0\n"
		"timerfd:  tick 2: the child may take a step\n"
		"socket:   \"hello\"\n"
		"timerfd:  tick 3: the child may take a step\n"
		"queue:    \"job 2\", priority 9\n"
		"timerfd:  tick 4: the child may take a step\n"
		"signalfd: SIGUSR1 from the child\n"
		"timerfd:  tick 5: the child may take a step\n"
		"socket:   \"bye\"\n"
		"timerfd:  tick 6: the child may take a step\n"
		"pidfd:    the child exited with status 3\n"
		"done: 6 ticks, 5 events; the socket is closed, 0 messages left in the "
		"queue\n",
		NULL);
	CHECK_EQ(
		check_cmd_run(&c, NULL, (const char *const[]){ check_example("event_loop"), NULL }),
		0);
	CHECK(event_loop_queue_gone(c.pid));
	check_cmd_free(&c);
	check_example_remove("event_loop");
}

/*
 * SIGTERM, read from the signalfd, stops the loop with one line and status 1: sent while the
 * loop is held at its second epoll_wait (the child has had one "go"), when the queue's name is
 * already gone, so that a kill leaves nothing behind either.
 */
static void event_loop_sigterm(void)
{
	struct check_cmd c;

	check_cmd_start_traced(&c, NULL,
			       (const char *const[]){ check_example("event_loop"), NULL });
	check_traced_until(&c, CHECK_SYSCALLS(SYS_epoll_wait, SYS_epoll_pwait), 2, false);
	CHECK(event_loop_queue_gone(c.pid));
	CHECK_SYS(kill(c.pid, SIGTERM));
	check_traced_go(&c);
	CHECK_EQ(check_cmd_wait(&c), 1);
	CHECK_CONTAINS(c.err, ": SIGTERM: stopping\n");
	CHECK(!strncmp(c.out, "timerfd:  tick 1: the child may take a step\n", 44));
	CHECK(!strstr(c.out, "pidfd:") && !strstr(c.out, "done:"));
	check_cmd_free(&c);
	check_example_remove("event_loop");
}

CHECK_MAIN(TEST(pipe_parent_child), TEST(pipe_filter), TEST(fifo_reader_and_writer),
	   TEST(unix_server_path_length), TEST(unix_server_lock_file), TEST(event_loop),
	   TEST(event_loop_sigterm))
