/* SPDX-License-Identifier: MIT */
/* LinuxIPC: every public module of liblipc, and the conventions they all share. */
#ifndef LIPC_LIPC_H
#define LIPC_LIPC_H

/*
 * One answer per question. Every module of liblipc follows these rules; a module's header says
 * only where it has something to add.
 *
 * Errors. A call returns what the system call would (0, a descriptor, a count, a handle) or -1
 * (NULL) with errno set. A state that is not an error is a value: a try-call returns 1 done,
 * 0 busy. Nothing prints, nothing exits.
 *
 * Waiting: an int timeout_ms. Below 0 waits for ever; 0 tries once and fails with EAGAIN when
 * it would have to wait; above 0 waits that many milliseconds on CLOCK_MONOTONIC (so setting
 * the wall clock neither shortens nor stretches it) and fails with ETIMEDOUT when they run out.
 * EAGAIN says "not now, and you asked not to wait", as O_NONBLOCK and IPC_NOWAIT say it; only a
 * wait that really waited ends in ETIMEDOUT. Signals that interrupt a wait are retried with what
 * is left of it, never reported as EINTR.
 *
 * Creating or joining: the open call of an object that has a name (a FIFO, a queue, a
 * semaphore, a shared-memory object, a ring) joins it, and creates it when its flags ask:
 *   0                         join; ENOENT when there is none;
 *   LIPC_CREATE               create it when there is none, else join it as it is;
 *   LIPC_CREATE | LIPC_EXCL   create it, or fail with EEXIST: the caller then knows that the
 *                             size, mode and contents are its own;
 *   LIPC_EXCL alone           EINVAL.
 * These flags are our own flag space, shared with each module's own open flags and never mixed
 * with O_* bits. They live in bits 24 and up, where Linux has no O_* flag, so that an O_CREAT or
 * O_WRONLY passed by mistake fails with EINVAL rather than mean something else (O_RDONLY is 0
 * and cannot be told from no flag). An object with no name is a different thing, always new,
 * with a call of its own that says so: lipc_shm_create_memfd(), lipc_shm_create_anon(),
 * lipc_pipe_open(), lipc_sock_pair(), and lipc_sem_open() with a NULL name. The channel
 * (lipc_chan_open()) is a meeting point that either end may reach first: it always creates or
 * joins, as LIPC_CREATE does.
 *
 * Roles: an object with two ends names them with enum lipc_role, the receiver LIPC_RECV and the
 * sender LIPC_SEND: a channel's ends, the ring's consumer and producer, a FIFO's reader and
 * writer, a queue's receiver and sender (a queue opened for both is LIPC_RECV | LIPC_SEND).
 *
 * Closing: every close, free and unmap of ours accepts NULL (and a handle already closed) and
 * then returns 0, so that a cleanup path can close whatever it has without asking first.
 *
 * System V: in the API, a System V object has functions of its own, lipc_<module>_sysv_<verb>(),
 * that take a key_t (lipc_key_parse() reads one); the functions without _sysv_ are POSIX. In the
 * text a user types (lipc_addr_parse(), the lipc command), the scheme says it: sysv-mq:KEY,
 * sysv-sem:KEY, sysv-shm:KEY beside mq:/NAME, and /NAME for a POSIX semaphore or segment. The
 * command also takes the older sysv:KEY for a semaphore or a segment.
 */

/*
 * Open flags, the same for every module (see above). A module's own open flags start at
 * LIPC_MODULE_FLAG(0) (LIPC_SEM_UNDO, LIPC_SHM_RDONLY, LIPC_MSGQ_NONBLOCK, LIPC_RING_SPIN);
 * n goes up to 2, as bit 31 is the sign of the int that flags are.
 */
#define LIPC_CREATE	    (1 << 24) /* create the object when it does not exist */
#define LIPC_EXCL	    (1 << 25) /* with LIPC_CREATE: fail with EEXIST when it exists */
#define LIPC_MODULE_FLAG(n) (1 << (28 + (n)))

/* The two ends of a channel, a ring, a FIFO or a queue. */
enum lipc_role {
	LIPC_RECV = 1, /* receives: reader, consumer */
	LIPC_SEND = 2, /* sends: writer, producer */
};

#include "lipc/chan.h"
#include "lipc/fifo.h"
#include "lipc/key.h"
#include "lipc/lock.h"
#include "lipc/msgq.h"
#include "lipc/pipe.h"
#include "lipc/ring.h"
#include "lipc/sem.h"
#include "lipc/signal.h"
#include "lipc/shm.h"
#include "lipc/sock.h"
#include "lipc/version.h"

#endif
