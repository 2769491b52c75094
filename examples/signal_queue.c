/* SPDX-License-Identifier: MIT */
/*
 * examples/signal_queue.c: signals that carry a value, and standard versus real-time signals,
 * counted.
 *
 *   cc -o signal_queue signal_queue.c && ./signal_queue
 *
 * The parent blocks SIGUSR1 and SIGRTMIN, so that they wait, pending, instead of being
 * delivered. A child sigqueue()s each of them 5 times with the values 1 to 5, then exits. The
 * parent takes what is pending with sigtimedwait() and counts: a standard signal is only
 * pending or not, so the sends that find SIGUSR1 already pending are lost; real-time signals
 * queue, each with its value, in the order they were sent.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SENDS 5

int main(void)
{
	const struct timespec no_wait = { 0, 0 };
	int usr1 = 0, rtmin = 0, status;
	siginfo_t info;
	sigset_t set;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN);
	/* Blocked before fork(): no signal can arrive before the parent is ready for it. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		err(1, "sigprocmask");

	pid = fork();
	if (pid == -1)
		err(1, "fork");
	if (pid == 0) {
		for (int i = 1; i <= SENDS; i++) {
			union sigval value = { .sival_int = i };

			if (sigqueue(getppid(), SIGUSR1, value) == -1)
				err(1, "sigqueue SIGUSR1");
			if (sigqueue(getppid(), SIGRTMIN, value) == -1)
				err(1, "sigqueue SIGRTMIN"); /* EAGAIN: RLIMIT_SIGPENDING reached */
		}
		_exit(0);
	}

	printf("parent %d: SIGUSR1 and SIGRTMIN blocked; child %d queues each %d times\n",
	       (int)getpid(), (int)pid, SENDS);
	/* Once the child has exited, all it sent is pending here. */
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "the child failed");

	/* A zero timeout: take what is pending, and stop at EAGAIN when nothing is left. */
	while (sigtimedwait(&set, &info, &no_wait) != -1) {
		int rt = info.si_signo == SIGRTMIN;

		if (rt)
			rtmin++;
		else
			usr1++;
		printf("parent %d: %s from pid %d, value %d\n", (int)getpid(),
		       rt ? "SIGRTMIN" : "SIGUSR1", (int)info.si_pid, info.si_value.sival_int);
	}
	if (errno != EAGAIN)
		err(1, "sigtimedwait");
	printf("parent %d: SIGUSR1 sent %d times, received %d; SIGRTMIN sent %d times, received "
	       "%d\n",
	       (int)getpid(), SENDS, usr1, SENDS, rtmin);
	return 0;
}
