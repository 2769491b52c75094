/* SPDX-License-Identifier: MIT */
/*
 * examples/event_loop.c: one epoll loop that waits on a POSIX message queue, a Unix socket, a
 * signalfd, a pidfd and a timerfd at once, and handles each event as it comes.
 *
 *   cc -o event_loop event_loop.c && ./event_loop
 *
 * A child takes a step each time the parent's timer lets it (a "go" on the socket): a queue
 * message, a socket message, a SIGUSR1, and at last its exit; one step per tick only makes every
 * run print the same. The signals are blocked first: one that comes before runs its default
 * action (SIGUSR1 kills), and a signalfd sees only signals left pending. The pidfd names this
 * one child, where SIGCHLD would merge several. The queue's name goes at once (the child
 * inherits the descriptor), so nothing is left behind whatever happens. The loop is
 * level-triggered: one message per wake-up is enough, the rest wake it again. Needs Linux 5.3
 * (pidfd_open); with a C library older than glibc 2.34, add -lrt.
 */
#define _GNU_SOURCE /* syscall() */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void watch(int ep, int op, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(ep, op, fd, &ev) == -1)
		err(1, "epoll_ctl");
}

int main(void)
{
	struct mq_attr attr = { .mq_maxmsg = 10, .mq_msgsize = 64 };
	const struct itimerspec once = { .it_value.tv_nsec = 10000000 }; /* 10 ms, no repeat */
	int sv[2], ep, sfd, tfd, pfd, ticks = 0, events = 0, status, gone = 0, closed = 0;
	struct signalfd_siginfo si;
	char name[64], buf[64];
	uint64_t expired;
	unsigned prio;
	sigset_t set;
	ssize_t n;
	mqd_t mq;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) /* before anyone can send them */
		err(1, "sigprocmask");
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(name, sizeof(name), "/event_loop-%d", (int)getpid());
	mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (mq == (mqd_t)-1 || mq_unlink(name) == -1)
		err(1, "mq_open or mq_unlink %s", name);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1 || (pid = fork()) == -1)
		err(1, "socketpair or fork");
	if (pid == 0) { /* the child: a step each time the parent says go */
		for (int step = 0;; step++) {
			if (recv(sv[1], buf, sizeof(buf), 0) <= 0)
				_exit(1); /* the parent has gone */
			if ((step == 0 && mq_send(mq, "job 1", 5, 0) == -1) ||
			    (step == 1 && send(sv[1], "hello", 5, 0) == -1) ||
			    (step == 2 && mq_send(mq, "job 2", 5, 9) == -1) ||
			    (step == 3 && kill(getppid(), SIGUSR1) == -1) ||
			    (step == 4 && send(sv[1], "bye", 3, 0) == -1))
				err(1, "child, step %d", step);
			if (step == 5)
				_exit(3);
		}
	}
	close(sv[1]); /* or the socket's end would never come */

	pfd = (int)syscall(SYS_pidfd_open, pid, 0); /* our child, not yet reaped: no race */
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (pfd == -1 || sfd == -1 || tfd == -1 || (ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    timerfd_settime(tfd, 0, &once, NULL) == -1)
		err(1, "pidfd_open, signalfd, timerfd or epoll_create1");
	watch(ep, EPOLL_CTL_ADD, (int)mq); /* on Linux, an mqd_t is a descriptor */
	watch(ep, EPOLL_CTL_ADD, sv[0]);
	watch(ep, EPOLL_CTL_ADD, sfd);
	watch(ep, EPOLL_CTL_ADD, pfd);
	watch(ep, EPOLL_CTL_ADD, tfd);

	while (!gone || !closed) {
		struct epoll_event ev;

		if (epoll_wait(ep, &ev, 1, -1) == -1) {
			if (errno == EINTR) /* stopped, then continued (SIGSTOP, SIGCONT) */
				continue;
			err(1, "epoll_wait");
		}
		if (ev.data.fd == tfd) {
			if (read(tfd, &expired, sizeof(expired)) == -1 ||
			    send(sv[0], "go", 2, MSG_NOSIGNAL) == -1)
				err(1, "read timerfd or send");
			printf("timerfd:  tick %d: the child may take a step\n", ++ticks);
			continue;
		} else if (ev.data.fd == pfd) {
			if (waitpid(pid, &status, 0) == -1)
				err(1, "waitpid");
			printf("pidfd:    the child exited with status %d\n", WEXITSTATUS(status));
			watch(ep, EPOLL_CTL_DEL, pfd); /* it stays readable: level-triggered */
			gone = 1;
			continue;
		} else if (ev.data.fd == (int)mq) {
			if ((n = mq_receive(mq, buf, sizeof(buf), &prio)) == -1)
				err(1, "mq_receive");
			printf("queue:    \"%.*s\", priority %u\n", (int)n, buf, prio);
		} else if (ev.data.fd == sv[0]) {
			if ((n = recv(sv[0], buf, sizeof(buf), 0)) == -1)
				err(1, "recv");
			/* The end comes before the pidfd's news or after: not printed. */
			if (n == 0) {
				watch(ep, EPOLL_CTL_DEL, sv[0]);
				closed = 1;
				continue;
			}
			printf("socket:   \"%.*s\"\n", (int)n, buf);
		} else if (ev.data.fd == sfd) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				err(1, "read signalfd");
			if (si.ssi_signo != SIGUSR1) /* Ctrl+C, or kill: the child sees the end */
				errx(1, "%s: stopping",
				     si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			printf("signalfd: SIGUSR1 from %s\n",
			       si.ssi_pid == (uint32_t)pid ? "the child" : "someone else");
		}
		events++; /* the child's step is seen: the timer may let it take the next one */
		if (timerfd_settime(tfd, 0, &once, NULL) == -1)
			err(1, "timerfd_settime");
	}
	if (mq_getattr(mq, &attr) == -1)
		err(1, "mq_getattr");
	printf("done: %d ticks, %d events; the socket is closed, %ld messages left in the queue\n",
	       ticks, events, attr.mq_curmsgs);
	return 0;
}
