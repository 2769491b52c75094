/* SPDX-License-Identifier: MIT */
/*
 * lipc demo pipe: a parent and its child talk through two pipes (one per direction, since a pipe
 * is one-way), the child sees end of file when the last write end closes, and a writer with no
 * reader left meets SIGPIPE or EPIPE.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"
#include "lipc/pipe.h"

static void child(int from_parent, int to_parent)
{
	char buf[64];
	ssize_t n = read(from_parent, buf, sizeof(buf));

	if (n < 0)
		_exit(demo_fail("read"));
	if (n == 0)
		_exit(1); /* the parent gave up, and said why */
	say("child", "read() returned %zd bytes: \"%.*s\"; answering through the other pipe", n,
	    (int)n, buf);
	for (ssize_t i = 0; i < n; i++)
		buf[i] = (char)toupper((unsigned char)buf[i]);
	if (write(to_parent, buf, (size_t)n) != n)
		_exit(demo_fail("write"));
	n = read(from_parent, buf, sizeof(buf));
	if (n < 0)
		_exit(demo_fail("read"));
	say("child", "read() returned %zd: end of file, as no write end is open in any process", n);
	demo_exit();
}

/* A writer whose reader is gone: killed by SIGPIPE by default, EPIPE when it ignores SIGPIPE. */
static int no_reader(void)
{
	int fds[2];
	pid_t pid;
	int status;

	if (lipc_pipe_open(fds, 0) < 0)
		return demo_fail("pipe2");
	close(fds[0]);
	say("parent", "a new pipe whose read end is closed at once; now its writers:");
	pid = demo_fork();
	if (pid < 0) {
		close(fds[1]);
		return demo_fail("fork");
	}
	if (pid == 0) {
		sigset_t pipe_signal;

		/* The demo runs with SIGPIPE held back (see cmd_demo.c): let it through here. */
		sigemptyset(&pipe_signal);
		sigaddset(&pipe_signal, SIGPIPE);
		sigprocmask(SIG_UNBLOCK, &pipe_signal, NULL);
		signal(SIGPIPE, SIG_DFL);
		(void)!write(fds[1], "x", 1);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			close(fds[1]);
			return demo_fail("waitpid");
		}
	}
	say("parent", "child %d wrote with SIGPIPE at its default: %s", (int)pid,
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE ? "killed by SIGPIPE"
							       : "not killed (unexpected)");
	pid = demo_fork();
	if (pid < 0) {
		close(fds[1]);
		return demo_fail("fork");
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		if (write(fds[1], "x", 1) < 0)
			say("child", "wrote with SIGPIPE ignored: write() failed with EPIPE (%s)",
			    strerror(errno));
		demo_exit();
	}
	close(fds[1]);
	return demo_reap(&pid, 1);
}

int demo_pipe(void)
{
	static const char msg[] = "hello, child";
	int down[2], up[2], ret = 1;
	char reply[64];
	ssize_t n;
	pid_t pid, reaped;

	if (lipc_pipe_open(down, 0) < 0)
		return demo_fail("pipe2");
	if (lipc_pipe_open(up, 0) < 0) {
		demo_fail("pipe2");
		close(down[0]);
		close(down[1]);
		return 1;
	}
	say("parent",
	    "pipe2() twice: one pipe each way, as a pipe is one-way; each holds %ld bytes",
	    lipc_pipe_capacity(down[0]));
	pid = demo_fork();
	if (pid < 0) {
		demo_fail("fork");
		close(down[0]);
		close(down[1]);
		close(up[0]);
		close(up[1]);
		return 1;
	}
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		child(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	say("parent",
	    "fork(): child %d inherits all four ends; each side closes the two it does "
	    "not use",
	    (int)pid);
	say("parent", "write() \"%s\" (%zu bytes); the child's blocked read() wakes up", msg,
	    strlen(msg));
	if (write(down[1], msg, strlen(msg)) < 0) {
		demo_fail("write");
		goto out_close;
	}
	n = read(up[0], reply, sizeof(reply));
	if (n < 0) {
		demo_fail("read");
		goto out_close;
	}
	if (n == 0)
		goto out_close; /* end of file: the child failed, and said why */
	say("parent", "read() the answer: \"%.*s\"", (int)n, reply);
	say("parent", "close() the write end: the child's next read() will return 0");
	ret = 0;
out_close:
	/* Also on failure: end of file is what ends the child's wait. */
	close(down[1]);
	close(up[0]);
	reaped = pid;
	if (demo_reap(&reaped, 1) || ret)
		return 1;
	say("parent", "waitpid(): child %d exited with status 0", (int)pid);
	if (no_reader())
		return 1;
	takeaway("Close the ends you do not use: end of file comes only when every write end is "
		 "closed, and writing with no reader left is SIGPIPE or EPIPE.");
	return 0;
}
