/* SPDX-License-Identifier: MIT */
/*
 * Message queues: the kernel keeps whole messages, each with its own boundaries, until a
 * process takes them, so the sender and the receiver need not run at the same time. Two
 * families exist. POSIX queues (mq_open) have a name such as "/jobs", deliver the message of the
 * highest priority first, and on Linux are file descriptors, so poll() and a one-shot
 * notification (mq_notify) tell when one arrives. System V queues (msgget) are found by a key,
 * and each message carries a type that lets a receiver pick which one to take. Both are
 * kernel-persistent: a queue and its messages stay until someone removes it (mq_unlink,
 * IPC_RMID), whether or not any process has it open, so closing never removes a queue.
 *
 * The limits are small and system-wide: a POSIX queue holds /proc/sys/fs/mqueue/msg_max messages
 * (10 by default) of msgsize_max bytes (8192) at most, unless the process has CAP_SYS_RESOURCE;
 * a System V message is at most /proc/sys/kernel/msgmax bytes and a queue holds msgmnb bytes.
 *
 * Waiting: timeout_ms is -1 to wait for ever (a plain blocking call), 0 not to wait at all
 * (EAGAIN), or a number of milliseconds measured on the monotonic clock (ETIMEDOUT), so that
 * setting the wall clock neither shortens nor stretches a wait. Signals that interrupt a wait
 * are retried, never reported as EINTR.
 */
#ifndef LIPC_MSGQ_H
#define LIPC_MSGQ_H

#include <mqueue.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ipc.h> /* key_t, whatever the feature macros */
#include <sys/types.h>

#include "lipc/lipc.h"

/* lipc_msgq_posix_open() flag, beside LIPC_CREATE and LIPC_EXCL: the descriptor's O_NONBLOCK. */
#define LIPC_MSGQ_NONBLOCK LIPC_MODULE_FLAG(0)

/* POSIX message queues. */

/*
 * Open the queue name ("/NAME": one slash, then no other) to receive (role LIPC_RECV), to send
 * (LIPC_SEND) or both (LIPC_RECV | LIPC_SEND). flags (lipc/lipc.h): LIPC_CREATE to create it when
 * missing, LIPC_EXCL with it to fail with EEXIST when it exists, and LIPC_MSGQ_NONBLOCK to make
 * the descriptor non-blocking (then every send and receive on it fails with EAGAIN rather than
 * wait, whatever its timeout). A queue that this call creates gets mode (0 means 0600; the umask
 * applies) and holds max_msgs messages of up to msg_size bytes (0: the system's defaults,
 * /proc/sys/fs/mqueue/msg_default and msgsize_default); an existing queue keeps its own.
 * Returns the descriptor (a close-on-exec file descriptor on Linux), or -1 with errno: EINVAL
 * for a bad name, role or flags, or for a size over msg_max or msgsize_max (over 65536 messages
 * or 16 MiB even with CAP_SYS_RESOURCE); ENOSPC when queues_max queues exist; EMFILE when the
 * queue would put this user over RLIMIT_MSGQUEUE (ulimit -q), or this process has too many
 * descriptors; ENAMETOOLONG; ENOENT without LIPC_CREATE; EEXIST; EACCES.
 */
mqd_t lipc_msgq_posix_open(const char *name, int role, int flags, mode_t mode, long max_msgs,
			   long msg_size);

/*
 * Close the descriptor; the queue and its messages stay. (mqd_t)-1, a descriptor never opened,
 * is a no-op. Returns 0, or -1 with errno.
 */
int lipc_msgq_posix_close(mqd_t mq);

/*
 * Remove the name: later opens create a new queue, while processes that have the old one open
 * keep using it until they close it. Returns 0, or -1 with errno (ENOENT, EINVAL, EACCES).
 */
int lipc_msgq_posix_unlink(const char *name);

/* The queue's attributes: mq_maxmsg, mq_msgsize, mq_curmsgs and mq_flags. 0, or -1 with errno. */
int lipc_msgq_posix_getattr(mqd_t mq, struct mq_attr *attr);

/*
 * Send len bytes with priority (0 lowest, below sysconf(_SC_MQ_PRIO_MAX)), waiting at most
 * timeout_ms for room in a full queue. Returns 0, or -1 with errno: EMSGSIZE when len is over
 * the queue's mq_msgsize, EINVAL for a priority out of range, EAGAIN or ETIMEDOUT when the queue
 * stayed full, EBADF when mq is not open for writing.
 */
int lipc_msgq_posix_send(mqd_t mq, const void *data, size_t len, unsigned priority, int timeout_ms);

/*
 * Take the oldest message of the highest priority into buf, waiting at most timeout_ms for one
 * to arrive; *priority (when not NULL) gets its priority. size must be at least the queue's
 * mq_msgsize, whatever the length of the message waiting: the kernel refuses a smaller buffer
 * with EMSGSIZE. Returns the message's length, or -1 with errno: EMSGSIZE, EAGAIN or ETIMEDOUT
 * when none came, EBADF when mq is not open for reading.
 */
ssize_t lipc_msgq_posix_recv(mqd_t mq, void *buf, size_t size, unsigned *priority, int timeout_ms);

/*
 * Notification (mq_notify): when a message lands on the queue while it is empty and no
 * receiver is waiting in mq_receive, the kernel tells the one process registered, once; the
 * registration is then gone and must be armed again, before the queue is emptied, to hear of
 * the next message. Only one process per queue may be registered (EBUSY for the others).
 *
 * lipc_msgq_posix_notify() sends signo to this process, with si_code SI_MESGQ, si_pid and
 * si_uid the sender's, and si_value.sival_int the descriptor mq; the caller chooses how to take
 * the signal (block it and sigwaitinfo(), or a handler of its own). Returns 0, or -1 with errno:
 * EBUSY, EINVAL for a signal number out of range (0 included), EBADF.
 */
int lipc_msgq_posix_notify(mqd_t mq, int signo);

/*
 * The same, calling fn(arg) in a new thread instead of sending a signal (SIGEV_THREAD). The
 * thread is the C library's: fn must not assume which thread it runs in. Returns 0, or -1.
 */
int lipc_msgq_posix_notify_thread(mqd_t mq, void (*fn)(union sigval arg), void *arg);

/* Drop this process's registration, so another process may register. Returns 0, or -1. */
int lipc_msgq_posix_notify_cancel(mqd_t mq);

/* System V message queues. */

/*
 * Open the queue of key (from lipc_key_parse(); never IPC_PRIVATE's 0 unless you mean a new
 * private queue) and return its id. role: LIPC_RECV, LIPC_SEND or both, which permission an
 * existing queue must grant (read, write). flags: LIPC_CREATE to create it when missing, with
 * mode (0 means 0600; no umask applies), and LIPC_EXCL with it to fail with EEXIST when it exists.
 * Returns the id, or -1 with errno: ENOENT without LIPC_CREATE, EACCES, ENOSPC when msgmni queues
 * exist, EINVAL for a bad role or flags.
 */
int lipc_msgq_sysv_open(key_t key, int role, int flags, mode_t mode);

/*
 * Remove the queue of key at once, with its messages: receivers and senders waiting on it wake
 * with EIDRM, and later calls on its id fail with EINVAL. Returns 0, or -1 with errno.
 */
int lipc_msgq_sysv_unlink(key_t key);

/*
 * The largest message that can be sent to queue id: the smaller of /proc/sys/kernel/msgmax and
 * the queue's capacity in bytes (msg_qbytes), since a larger message would wait for ever.
 * Returns it, or -1 with errno (EACCES without read permission on the queue).
 */
long lipc_msgq_sysv_max_msg(int id);

/*
 * Send len bytes as a message of type (1 or more), waiting at most timeout_ms for room. The
 * library adds the type in front of the bytes, as msgsnd(2) wants it. Returns 0, or -1 with
 * errno: EINVAL for a type below 1 or an id that is no queue, EMSGSIZE for len over msgmax,
 * EAGAIN or ETIMEDOUT when the queue stayed full, EIDRM when the queue was removed meanwhile.
 */
int lipc_msgq_sysv_send(int id, long type, const void *data, size_t len, int timeout_ms);

/*
 * Take a message into buf, chosen by select as msgrcv(2) chooses: 0 the first of any type,
 * N > 0 the first of type N (with MSG_EXCEPT in flags: of any type but N), -N the first of the
 * lowest type up to N. *type (when not NULL) gets the message's type. flags may hold
 * MSG_NOERROR, to cut a message longer than size down to size bytes (the rest is lost), and
 * MSG_EXCEPT. Waits at most timeout_ms. Returns the length taken, or -1 with errno: E2BIG for
 * a message longer than size without MSG_NOERROR (it stays in the queue), EAGAIN or ETIMEDOUT
 * when none came, EIDRM when the queue was removed meanwhile, EINVAL for an id that is no queue.
 */
ssize_t lipc_msgq_sysv_recv(int id, void *buf, size_t size, long *type, long select, int flags,
			    int timeout_ms);

#endif
