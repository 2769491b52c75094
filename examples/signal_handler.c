/* SPDX-License-Identifier: MIT */
/*
 * examples/signal_handler.c: catch SIGINT (Ctrl+C) and SIGALRM with sigaction(), doing only
 * async-signal-safe work in the handler.
 *
 *   cc -o signal_handler signal_handler.c && ./signal_handler 5
 *   (type a few lines, press Ctrl+C, then type nothing for 5 seconds)
 *
 * The handler only records what happened (in volatile sig_atomic_t variables) and write()s a
 * fixed line; printf() is not async-signal-safe, so only main() uses it. SIGINT is installed
 * with SA_RESTART: the read() it interrupts resumes by itself. SIGALRM is installed without
 * it, so the alarm makes a read() that waits too long fail with EINTR.
 */
#define _POSIX_C_SOURCE 200809L
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupts, alarmed, int_pid, int_code;

static void on_signal(int sig, siginfo_t *info, void *context)
{
	static const char note[] = "signal_handler: SIGINT caught; read() goes on\n";
	int saved_errno = errno; /* write() may change it under main()'s feet */

	(void)context;
	if (sig == SIGALRM) {
		alarmed = 1;
	} else {
		interrupts++;
		int_pid = info->si_pid;
		int_code = info->si_code;
		(void)!write(STDOUT_FILENO, note, sizeof(note) - 1);
	}
	errno = saved_errno;
}

int main(int argc, char *argv[])
{
	unsigned seconds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 5;
	struct sigaction sa;
	char line[256];
	int seen = 0;
	ssize_t n;

	if (seconds == 0)
		errx(2, "usage: %s [SECONDS > 0]", argv[0]);
	/* main() prints whole lines, so the handler's write() never lands inside one. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sigfillset(&sa.sa_mask); /* no other signal interrupts the handler */
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGINT, &sa, NULL) == -1)
		err(1, "sigaction SIGINT");
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: the alarm must interrupt read() */
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		err(1, "sigaction SIGALRM");

	printf("pid %d: type lines; Ctrl+C is caught; %u s without input ends it\n", (int)getpid(),
	       seconds);
	for (;;) {
		int read_errno;

		alarmed = 0;
		alarm(seconds);
		n = read(STDIN_FILENO, line, sizeof(line));
		read_errno = errno; /* saved now: the printf() calls below may change errno */
		alarm(0);
		if (interrupts != seen) {
			seen = interrupts;
			/*
			 * A code > 0 comes only from the kernel (SI_KERNEL: the terminal); kill()
			 * sends SI_USER with the pid the kernel saw, sigqueue() any pid it likes.
			 */
			if (int_code > 0)
				printf("SIGINT %d came from the terminal (Ctrl+C)\n", seen);
			else
				printf("SIGINT %d was sent by pid %d\n", seen, (int)int_pid);
		}
		if (n > 0) {
			printf("read %zd bytes\n", n);
		} else if (n == 0) {
			printf("end of input\n");
			break;
		} else if (read_errno == EINTR && alarmed) {
			printf("SIGALRM: no input for %u s, read() failed with EINTR\n", seconds);
			break;
		} else if (read_errno != EINTR) {
			errno = read_errno;
			err(1, "read");
		}
	}
	printf("caught SIGINT %d times\n", (int)interrupts);
	return 0;
}
