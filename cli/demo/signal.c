/* SPDX-License-Identifier: MIT */
/*
 * lipc demo signal: a receiver blocks SIGUSR1 and SIGRTMIN and reads them from a signalfd; the
 * parent queues each three times with a value, through a pidfd. The standard signal arrives
 * once, the real-time one three times, in order, values intact. Then a process that tries to
 * ignore and block SIGKILL is killed by it all the same, and the pidfd that named it refuses
 * to signal anyone else.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"
#include "lipc/signal.h"

#define SENDS 3

/* "once", "twice", "3 times", in buf (24 bytes). */
static const char *times(int n, char *buf)
{
	static const char *const words[] = { "never", "once", "twice" };

	if (n >= 0 && n < 3)
		return words[n];
	snprintf(buf, 24, "%d times", n);
	return buf;
}

/* Block the two signals, say so, then read what is pending once the parent says it is done. */
static void receiver(int ready, int done)
{
	char name[LIPC_SIGNAL_NAME_MAX], n1[24], n2[24], c;
	struct lipc_signal_info si = LIPC_SIGNAL_INFO_INIT;
	int fd, usr1 = 0, rt = 0;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN);
	fd = lipc_signal_open(&set, NULL);
	if (fd < 0)
		_exit(demo_fail("signalfd"));
	say("reader", "blocked SIGUSR1 and SIGRTMIN and opened a signalfd: they will wait, "
		      "pending, until read");
	/* The byte tells the parent it may send; end of file alone means we failed. */
	if (write(ready, "k", 1) != 1)
		_exit(demo_fail("write"));
	close(ready);
	if (read(done, &c, 1) != 1)
		_exit(1); /* the parent gave up */
	while (lipc_signal_recv(fd, &si, 0) > 0) {
		if (si.signo == SIGUSR1)
			usr1++;
		else
			rt++;
		say("reader", "read() %s from pid %d, %s, value %d",
		    lipc_signal_name(si.signo, name), (int)si.pid,
		    lipc_signal_code_name(si.signo, si.code), si.value);
	}
	if (errno != EAGAIN)
		_exit(demo_fail("read"));
	say("reader", "nothing more pending: of %d sends each, SIGUSR1 arrived %s, SIGRTMIN %s",
	    SENDS, times(usr1, n1), times(rt, n2));
	demo_exit();
}

/* Queue SIGUSR1 and SIGRTMIN SENDS times each to the receiver, with values 1, 2, 3... */
static int queue_signals(pid_t receiver_pid)
{
	int pidfd = lipc_signal_pidfd_open(receiver_pid), ret = 0;

	if (pidfd < 0)
		return demo_fail("pidfd_open");
	say("parent",
	    "pidfd_open(%d): a descriptor for that very process, whatever its pid "
	    "later names",
	    (int)receiver_pid);
	for (int i = 1; i <= SENDS && ret == 0; i++)
		if (lipc_signal_send(pidfd, SIGUSR1, &(union sigval){ .sival_int = i }) < 0)
			ret = demo_fail("pidfd_send_signal");
	for (int i = 1; i <= SENDS && ret == 0; i++)
		if (lipc_signal_send(pidfd, SIGRTMIN, &(union sigval){ .sival_int = i }) < 0)
			ret = demo_fail("pidfd_send_signal");
	if (ret == 0)
		say("parent",
		    "pidfd_send_signal() SIGUSR1 %d times, then SIGRTMIN %d times, "
		    "with values 1 to %d (SI_QUEUE, as sigqueue() sends)",
		    SENDS, SENDS, SENDS);
	close(pidfd);
	return ret;
}

/* A process that tries to ignore and block SIGKILL, then waits to be killed. */
static void victim(int ready)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t set, now;
	int r, err;

	r = sigaction(SIGKILL, &ign, NULL);
	err = errno;
	sigemptyset(&set);
	sigaddset(&set, SIGKILL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigprocmask(SIG_BLOCK, NULL, &now);
	say("victim", "sigaction(SIGKILL, SIG_IGN) %s; sigprocmask() %s",
	    r < 0 && err == EINVAL ? "fails with EINVAL" : "succeeded (unexpected)",
	    sigismember(&now, SIGKILL) ? "blocked it (unexpected)"
				       : "silently leaves SIGKILL out of the mask");
	close(ready);
	for (;;)
		pause();
}

/* Kill the victim through a pidfd, see it go, and see the pidfd refuse to reach anyone else. */
static int kill_victim(void)
{
	struct pollfd p = { .events = POLLIN };
	int ready[2], status, ret = 1;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return demo_fail("pipe2");
	pid = demo_fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return demo_fail("fork");
	}
	if (pid == 0) {
		close(ready[0]);
		victim(ready[1]);
	}
	close(ready[1]);
	(void)!read(ready[0], &c, 1); /* end of file: the victim has spoken */
	close(ready[0]);
	p.fd = lipc_signal_pidfd_open(pid);
	if (p.fd < 0 || lipc_signal_send(p.fd, SIGKILL, NULL) < 0) {
		demo_fail(p.fd < 0 ? "pidfd_open" : "pidfd_send_signal");
		kill(pid, SIGKILL); /* it would wait for ever */
		goto out_wait;
	}
	while (poll(&p, 1, -1) < 0) {
		if (errno != EINTR) {
			demo_fail("poll");
			goto out_wait;
		}
	}
	say("parent", "pidfd_send_signal(SIGKILL); poll() on the pidfd says the victim has exited");
	ret = 0;
out_wait:
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret == 0) {
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			ret = demo_failf("waitpid(): victim %d was not killed by SIGKILL "
					 "(unexpected)",
					 (int)pid);
		} else {
			say("parent", "waitpid(): victim %d was killed by SIGKILL all the same",
			    (int)pid);
		}
	}
	if (ret == 0) {
		if (lipc_signal_send(p.fd, SIGUSR1, NULL) < 0 && errno == ESRCH)
			say("parent",
			    "its pidfd now fails with ESRCH, even once pid %d is given to "
			    "a new process",
			    (int)pid);
		else
			ret = demo_failf("pidfd_send_signal() to a reaped process: %s (unexpected)",
					 strerror(errno));
	}
	if (p.fd >= 0)
		close(p.fd);
	return ret;
}

int demo_signal(void)
{
	int ready[2], done[2];
	pid_t pid;
	char c;
	int ret;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return demo_fail("pipe2");
	if (pipe2(done, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return demo_fail("pipe2");
	}
	pid = demo_fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		close(done[0]);
		close(done[1]);
		return demo_fail("fork");
	}
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		receiver(ready[1], done[0]);
	}
	close(ready[1]);
	close(done[0]);
	/* One byte: the reader's signals are blocked. End of file: it failed, and said why. */
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		close(done[1]);
		demo_reap(&pid, 1);
		return 1;
	}
	close(ready[0]);
	ret = queue_signals(pid);
	if (ret == 0 && write(done[1], "k", 1) != 1)
		ret = demo_fail("write");
	close(done[1]); /* without the byte, the reader gives up */
	if (demo_reap(&pid, 1))
		ret = 1;
	if (ret || kill_victim())
		return 1;
	takeaway("A standard signal is only pending or not; real-time signals queue, each with its "
		 "value. Block them and read them as data; SIGKILL and SIGSTOP cannot be caught, "
		 "blocked or ignored.");
	return 0;
}
