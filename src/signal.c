/* SPDX-License-Identifier: MIT */
/*
 * Signals. This module sends through a pidfd and receives through a signalfd, because the two
 * classic calls each hide a trap. kill(pid) names a number, not a process: between reading a
 * pid and signalling it, the process may exit and its pid go to a stranger. A pidfd pins the
 * process itself, and once that process is reaped every send fails with ESRCH. On the receiving
 * side, a handler interrupts the program anywhere and may only call async-signal-safe functions
 * (not printf, not malloc); a signalfd turns blocked signals into data read with read() and
 * waited for with poll(), so the library never installs a handler and the caller's handlers stay
 * untouched. What remains the caller's concern, and is said in signal.h: the signals must be
 * blocked in every thread, and the blocked mask is inherited by children and across execve().
 * sigtimedwait() would do without a descriptor, but it cannot be polled together with other
 * descriptors, and a caller that retries it after EINTR must shorten the timeout itself.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi.h"
#include "internal.h"
#include "lipc/signal.h"

/* The names, canonical first; the aliases after them are parsed but never printed. */
static const struct {
	int sig;
	const char *name;
} names[] = {
	{ SIGHUP, "HUP" },
	{ SIGINT, "INT" },
	{ SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" },
	{ SIGTRAP, "TRAP" },
	{ SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" },
	{ SIGFPE, "FPE" },
	{ SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" },
	{ SIGSEGV, "SEGV" },
	{ SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" },
	{ SIGALRM, "ALRM" },
	{ SIGTERM, "TERM" },
#ifdef SIGSTKFLT
	{ SIGSTKFLT, "STKFLT" },
#endif
	{ SIGCHLD, "CHLD" },
	{ SIGCONT, "CONT" },
	{ SIGSTOP, "STOP" },
	{ SIGTSTP, "TSTP" },
	{ SIGTTIN, "TTIN" },
	{ SIGTTOU, "TTOU" },
	{ SIGURG, "URG" },
	{ SIGXCPU, "XCPU" },
	{ SIGXFSZ, "XFSZ" },
	{ SIGVTALRM, "VTALRM" },
	{ SIGPROF, "PROF" },
	{ SIGWINCH, "WINCH" },
	{ SIGIO, "IO" },
	{ SIGPWR, "PWR" },
	{ SIGSYS, "SYS" },
	/* Aliases. */
	{ SIGABRT, "IOT" },
	{ SIGCHLD, "CLD" },
	{ SIGIO, "POLL" },
};

#define N_NAMES (sizeof(names) / sizeof(names[0]))

/* Digits only, no sign or blank, at most a few: the number, or -1. */
static int small_number(const char *s)
{
	int n = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > 1000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

int lipc_signal_parse(const char *text)
{
	const char *s = text;
	int sig = -1, n;

	if (!s)
		goto out_invalid;
	if ((n = small_number(s)) >= 0) {
		sig = n;
	} else {
		if (!strncasecmp(s, "SIG", 3))
			s += 3;
		/* SIGRTMIN is a function call in glibc: the C library keeps the first few. */
		if (!strncasecmp(s, "RTMIN", 5)) {
			if (!s[5])
				sig = SIGRTMIN;
			else if (s[5] == '+' && (n = small_number(s + 6)) >= 0)
				sig = SIGRTMIN + n;
		} else if (!strncasecmp(s, "RTMAX", 5)) {
			if (!s[5])
				sig = SIGRTMAX;
			else if (s[5] == '-' && (n = small_number(s + 6)) >= 0)
				sig = SIGRTMAX - n;
			if (sig < SIGRTMIN)
				sig = -1;
		} else {
			for (size_t i = 0; i < N_NAMES; i++)
				if (!strcasecmp(s, names[i].name))
					sig = names[i].sig;
		}
	}
	if (sig < 0 || sig > SIGRTMAX)
		goto out_invalid;
	return sig;

out_invalid:
	errno = EINVAL;
	return -1;
}

char *lipc_signal_name(int sig, char *buf)
{
	if (sig < 0 || sig > SIGRTMAX) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < N_NAMES; i++) {
		if (names[i].sig == sig) {
			snprintf(buf, LIPC_SIGNAL_NAME_MAX, "SIG%s", names[i].name);
			return buf;
		}
	}
	if (sig == SIGRTMIN)
		snprintf(buf, LIPC_SIGNAL_NAME_MAX, "SIGRTMIN");
	else if (sig == SIGRTMAX)
		snprintf(buf, LIPC_SIGNAL_NAME_MAX, "SIGRTMAX");
	else if (sig > SIGRTMIN)
		snprintf(buf, LIPC_SIGNAL_NAME_MAX, "SIGRTMIN+%u", /* at most two digits */
			 (unsigned)(unsigned char)(sig - SIGRTMIN));
	else
		snprintf(buf, LIPC_SIGNAL_NAME_MAX, "%d", sig);
	return buf;
}

const char *lipc_signal_code_name(int sig, int code)
{
	switch (code) {
	case SI_USER:
		return "SI_USER";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_TKILL:
		return "SI_TKILL";
	case SI_KERNEL:
		return "SI_KERNEL";
	case SI_TIMER:
		return "SI_TIMER";
	case SI_MESGQ:
		return "SI_MESGQ";
	case SI_ASYNCIO:
		return "SI_ASYNCIO";
	case SI_SIGIO:
		return "SI_SIGIO";
	default:
		break;
	}
	/* Positive codes mean something different for each signal that the kernel raises. */
	if (sig == SIGCHLD) {
		switch (code) {
		case CLD_EXITED:
			return "CLD_EXITED";
		case CLD_KILLED:
			return "CLD_KILLED";
		case CLD_DUMPED:
			return "CLD_DUMPED";
		case CLD_TRAPPED:
			return "CLD_TRAPPED";
		case CLD_STOPPED:
			return "CLD_STOPPED";
		case CLD_CONTINUED:
			return "CLD_CONTINUED";
		default:
			break;
		}
	}
	return NULL;
}

int lipc_signal_pidfd_open(pid_t pid)
{
	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
#ifdef SYS_pidfd_open
	/* Through syscall(): glibc has a wrapper only since 2.36, musl has none. */
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

int lipc_signal_send(int pidfd, int sig, const union sigval *value)
{
	if (sig < 0 || sig > SIGRTMAX || (sig == 0 && value)) {
		errno = EINVAL;
		return -1;
	}
#ifdef SYS_pidfd_send_signal
	if (value) {
		/*
		 * What sigqueue(3) fills in. The kernel takes a caller-made siginfo for another
		 * process only with a negative si_code other than SI_TKILL (nobody can pass one
		 * off as a kill(), a tgkill() or a fault, though SI_TIMER and SI_MESGQ can be
		 * forged), and it does not check si_pid and si_uid: a receiver must not trust
		 * them.
		 */
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = SI_QUEUE;
		si.si_pid = getpid();
		si.si_uid = getuid();
		si.si_value = *value;
		return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, &si, 0);
	}
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#else
	(void)pidfd;
	errno = ENOSYS;
	return -1;
#endif
}

int lipc_signal_open(const sigset_t *set, sigset_t *old)
{
	sigset_t prev, now;
	bool empty = true;
	int fd, err;

	err = pthread_sigmask(SIG_BLOCK, set, &prev);
	if (err) {
		errno = err;
		return -1;
	}
	/*
	 * The mask drops what cannot be blocked (SIGKILL, SIGSTOP, the C library's own signals)
	 * without a word, and so would signalfd(): a wait for one of them would never end, so
	 * refuse it here.
	 */
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		if (sigismember(set, sig) != 1)
			continue;
		empty = false;
		if (sigismember(&now, sig) != 1) {
			errno = EINVAL;
			goto out_restore;
		}
	}
	if (empty) {
		errno = EINVAL;
		goto out_restore;
	}
	fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		goto out_restore;
	if (old)
		*old = prev;
	return fd;

out_restore:
	err = errno;
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	errno = err;
	return -1;
}

int lipc_signal_recv(int fd, struct lipc_signal_info *info, int timeout_ms)
{
	struct signalfd_siginfo si;
	struct lipc__deadline d;
	struct lipc_signal_info got;

	if (!lipc__abi_size(info, LIPC__SIGNAL_INFO_1_0))
		return -1;
	lipc__deadline_start(&d, timeout_ms);
	for (;;) {
		/* One per read(): each real-time signal is its own record. */
		ssize_t n = read(fd, &si, sizeof(si));
		int ready;

		if (n == (ssize_t)sizeof(si))
			break;
		if (n >= 0) {
			errno = EIO; /* the kernel hands out whole records only */
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		ready = lipc__wait_fd(fd, POLLIN, &d);
		if (ready < 0)
			return -1;
		if (ready == 0) {
			errno = timeout_ms == 0 ? EAGAIN : ETIMEDOUT;
			return -1;
		}
	}
	got = (struct lipc_signal_info){
		.struct_size = sizeof(got),
		.signo = (int)si.ssi_signo,
		.code = si.ssi_code,
		.pid = (pid_t)si.ssi_pid,
		.uid = (uid_t)si.ssi_uid,
	};
	if (si.ssi_code == SI_QUEUE || si.ssi_code == SI_TIMER || si.ssi_code == SI_MESGQ)
		got.value = si.ssi_int;
	/* As much as the caller's struct holds (lipc/version.h). */
	lipc__abi_out(info, &got, sizeof(got));
	return got.signo;
}
