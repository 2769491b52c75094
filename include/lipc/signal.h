/* SPDX-License-Identifier: MIT */
/*
 * Signals: a small asynchronous notification that the kernel delivers to a process, identified
 * by a number and, when queued with a value, carrying one int of payload. A standard signal
 * (1 to 31) is only pending or not, so several sent before it is delivered arrive once; a
 * real-time signal (SIGRTMIN to SIGRTMAX) queues, each with its value, in the order sent. A
 * handler runs in the middle of whatever the process was doing, so it may call only
 * async-signal-safe functions; receiving signals as data instead (block them, then read them
 * from a signalfd) avoids handlers altogether. SIGKILL and SIGSTOP can be neither caught,
 * blocked nor ignored. A pid names whichever process holds that number now: a pidfd names one
 * process for good, so a signal sent through it can never reach a successor that got the pid.
 */
#ifndef LIPC_SIGNAL_H
#define LIPC_SIGNAL_H

/* sigset_t and union sigval are POSIX: under -std=c17, define _POSIX_C_SOURCE first. */
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* Room for any name lipc_signal_name() writes ("SIGRTMIN+30", "SIGVTALRM"), with its NUL. */
#define LIPC_SIGNAL_NAME_MAX 16

/*
 * Parse a signal: a name with or without "SIG" in any case ("USR1", "SIGUSR1", "sigusr1"), a
 * number ("10"; "0" is the null signal, which only checks that a process exists), or a
 * real-time signal as "RTMIN", "RTMIN+N", "RTMAX" or "RTMAX-N". Returns the number, or -1 with
 * errno EINVAL for anything else, a number above SIGRTMAX included.
 */
int lipc_signal_parse(const char *text);

/*
 * Write the name of sig into buf (LIPC_SIGNAL_NAME_MAX bytes): "SIGUSR1", "SIGRTMIN+3", or the
 * number itself for a signal with no name (0, and those the C library reserves below
 * SIGRTMIN), so that lipc_signal_parse() always reads back sig. Returns buf, or NULL with errno
 * EINVAL when sig is not 0 to SIGRTMAX.
 */
char *lipc_signal_name(int sig, char *buf);

/*
 * The name of si_code for a signal: "SI_USER" (kill), "SI_QUEUE" (sigqueue), "SI_TKILL",
 * "SI_KERNEL", "SI_TIMER", "SI_MESGQ", "SI_ASYNCIO", "SI_SIGIO", or for SIGCHLD "CLD_EXITED" and
 * its kin. Returns NULL for a code it does not know.
 */
const char *lipc_signal_code_name(int sig, int code);

/*
 * Open a pidfd for the process pid (pidfd_open(2), Linux 5.3; the descriptor is close-on-exec).
 * Signals sent through it reach that process or nobody: once it has exited and been reaped they
 * fail with ESRCH, even if its pid has been given to another process since (until it is reaped,
 * a zombie, they succeed and do nothing, as kill() does). A pidfd opened from a pid read earlier
 * is only as sure as that pid: open it while the pid is certainly right. Opening does not
 * check permission to signal. Returns the descriptor, or -1 with errno: ESRCH when no such
 * process exists, EINVAL when pid is not positive or names a thread that does not lead its
 * process, ENOSYS before Linux 5.3.
 */
int lipc_signal_pidfd_open(pid_t pid);

/*
 * Send sig to the process of pidfd (pidfd_send_signal(2), Linux 5.1). With value NULL it is sent
 * as kill(2) sends it (si_code SI_USER, the kernel fills in our pid and uid); with a value it is
 * queued as sigqueue(3) queues it (si_code SI_QUEUE, carrying *value). sig 0 sends nothing and
 * only checks that the process exists and may be signalled; it takes no value. Returns 0, or -1
 * with errno: ESRCH when the process has exited and been reaped, EPERM when we may not signal
 * it (kill(2): our real or effective uid must be its real or saved set-user-ID, its effective
 * uid does not count, unless we have CAP_KILL or send SIGCONT within our own session), EAGAIN
 * when a queued signal would exceed the receiver's RLIMIT_SIGPENDING, EINVAL for a bad sig.
 */
int lipc_signal_send(int pidfd, int sig, const union sigval *value);

/*
 * Receive the signals of set as data: block them in the calling thread (pthread_sigmask), which
 * is this function's documented job, and open a non-blocking, close-on-exec signalfd for them.
 * When old is not NULL it receives the mask as it was before. Signal handlers are never
 * touched. A blocked signal that is sent to the process waits, pending, until it is read; but
 * every other thread must block the set too (threads created afterwards inherit this thread's
 * mask), or the kernel delivers the signal to a thread that does not, by its handler or its
 * default action. The mask also survives fork() and execve(): restore *old in a child before it
 * runs another program. Returns the descriptor, or -1 with errno EINVAL when set is empty or
 * holds a signal that cannot be blocked (SIGKILL, SIGSTOP, those the C library reserves), and
 * the mask left as it was.
 */
int lipc_signal_open(const sigset_t *set, sigset_t *old);

/* A signal received through lipc_signal_recv(). */
struct lipc_signal_info {
	size_t struct_size; /* sizeof(struct lipc_signal_info): see LIPC_SIGNAL_INFO_INIT */
	int signo;	    /* the signal */
	int code;	    /* si_code: SI_USER for kill, SI_QUEUE for sigqueue, SI_KERNEL, ... */
	pid_t pid; /* the sender: as it claims for SI_QUEUE and every code < 0 but SI_TKILL */
	uid_t uid; /* the sender's real user id (the same caveat) */
	int value; /* the int payload of SI_QUEUE, SI_TIMER and SI_MESGQ; 0 otherwise */
};

#define LIPC_SIGNAL_INFO_INIT                                                                      \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_signal_info)                                     \
	}

/*
 * Take one pending signal from fd, a descriptor from lipc_signal_open(), waiting at most
 * timeout_ms milliseconds for one (-1: for ever, 0: not at all). Pending signals come out lowest
 * number first (the kernel puts fault signals such as SIGSEGV ahead), and the real-time signals
 * of one number in the order they were sent. Returns the
 * signal number (info filled in), or -1 with errno: ETIMEDOUT when the wait ran out, EAGAIN
 * with a timeout of 0 and nothing pending.
 */
int lipc_signal_recv(int fd, struct lipc_signal_info *info, int timeout_ms);

#endif
