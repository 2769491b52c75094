/* SPDX-License-Identifier: MIT */
/*
 * Semaphores: a counter in the kernel that processes take (wait: decrement, sleeping while it
 * is 0) and give back (post: increment, waking a sleeper). Initialised to 1 it is a lock between
 * processes; to N it admits N at a time; to 0 it lets one process signal another. Three
 * families sit behind one handle here: a POSIX named semaphore ("/name", a file in /dev/shm that
 * stays until unlinked), a POSIX unnamed semaphore in shared memory (NULL: shared with the
 * children forked after the open), and semaphore 0 of a System V set (lipc_sem_sysv_open(), by
 * key, which stays until removed and can undo a dead process's operations). Their traps:
 * a semaphore has no owner, so a process that dies holding one leaves it taken for ever unless
 * it is System V with LIPC_SEM_UNDO; a System V set is created and initialised in two steps, so
 * its other users must wait for the creator (done here); and the waits are interrupted by
 * signals (retried here).
 */
#ifndef LIPC_SEM_H
#define LIPC_SEM_H

#include <sys/ipc.h> /* key_t, whatever the feature macros */
#include <sys/types.h>

#include "lipc/lipc.h"

/* A semaphore of any family; opaque. */
struct lipc_sem;

/*
 * lipc_sem_sysv_open() flag, beside LIPC_CREATE and LIPC_EXCL: every post and wait of this handle
 * uses SEM_UNDO, so the kernel reverses them when the process exits (a holder that dies gives the
 * semaphore back).
 */
#define LIPC_SEM_UNDO LIPC_MODULE_FLAG(0)

/* The largest value of a System V semaphore (SEMVMX); a POSIX one goes to SEM_VALUE_MAX. */
#define LIPC_SEM_SYSV_VALUE_MAX 32767

/*
 * Open a POSIX semaphore:
 *   "/name"     a named semaphore (sem_open), found by name by any process;
 *   NULL        an unnamed semaphore (sem_init, pshared) in a shared anonymous mapping, which
 *               the children forked after this call share; always created, whatever flags say.
 * flags: LIPC_CREATE creates it when missing, LIPC_CREATE | LIPC_EXCL creates it or fails with
 * EEXIST (the creator's way to know its value and mode are the ones in force); see lipc/lipc.h.
 * mode: the permissions of a semaphore created (0 means 0600; the umask applies). value: the
 * initial value of a semaphore created, ignored otherwise. Returns the handle, or NULL with
 * errno: EINVAL for a bad name, flags or mode, or a value above SEM_VALUE_MAX; ENAMETOOLONG;
 * ENOENT without LIPC_CREATE when there is no such semaphore; EEXIST; EACCES.
 */
struct lipc_sem *lipc_sem_open(const char *name, int flags, mode_t mode, unsigned value);

/*
 * Open semaphore 0 of the System V set of key (semget; key from lipc_key_parse(), never
 * IPC_PRIVATE's 0). flags: LIPC_CREATE, LIPC_EXCL as for lipc_sem_open(), and LIPC_SEM_UNDO.
 * mode: as above, but no umask applies; value up to LIPC_SEM_SYSV_VALUE_MAX.
 *
 * A set is created with IPC_EXCL, set to value, then operated on once so that its sem_otime
 * becomes non-zero; a process that finds the set existing waits up to a second for that mark
 * before it uses the set. Returns the handle, or NULL with errno as lipc_sem_open(), and
 * ETIMEDOUT when the set exists but was never initialised (its creator died first, or another
 * program made it and never operated on it).
 */
struct lipc_sem *lipc_sem_sysv_open(key_t key, int flags, mode_t mode, unsigned value);

/*
 * Close the handle (the semaphore itself stays: see lipc_sem_unlink); NULL is a no-op. Returns 0,
 * or -1 with errno. Closing an unnamed semaphore unmaps this process's view of it; it is gone when
 * every process that shared it has closed it or exited.
 */
int lipc_sem_close(struct lipc_sem *sem);

/*
 * Remove the POSIX semaphore called name (not NULL) with sem_unlink(): its users keep the
 * semaphore they have open until they close it. Returns 0, or -1 with errno (ENOENT when there is
 * none, EACCES, EINVAL).
 */
int lipc_sem_unlink(const char *name);

/*
 * Remove the System V set of key with IPC_RMID, which is immediate: processes blocked in a wait
 * wake with EIDRM. Works on a set that was never initialised. Returns 0, or -1 with errno
 * (ENOENT when there is none, EPERM, EINVAL).
 */
int lipc_sem_sysv_unlink(key_t key);

/*
 * Post: add 1, waking one waiter. Returns 0, or -1 with errno: EOVERFLOW when the value is at
 * its maximum (for System V with LIPC_SEM_UNDO, also when the process's adjustment is), EIDRM
 * when the System V set was removed.
 */
int lipc_sem_post(struct lipc_sem *sem);

/*
 * Wait: take 1, sleeping while the value is 0. A signal handler does not end the wait (EINTR is
 * retried). Returns 0, or -1 with errno: EIDRM when the System V set is removed before or while
 * waiting, ERANGE when a LIPC_SEM_UNDO adjustment would pass 32767.
 */
int lipc_sem_wait(struct lipc_sem *sem);

/*
 * Take 1 if the value is above 0, without waiting: 1 taken, 0 busy (the value is 0; errno is
 * EAGAIN, as sem_trywait() and IPC_NOWAIT say it), -1 error.
 */
int lipc_sem_trywait(struct lipc_sem *sem);

/*
 * Wait at most timeout_ms milliseconds, as lipc/lipc.h says (-1: for ever; 0: not at all). The
 * deadline holds across signal handlers. Returns 0, or -1 with errno: EAGAIN (timeout 0) or
 * ETIMEDOUT when the value stayed 0, and as lipc_sem_wait().
 */
int lipc_sem_timedwait(struct lipc_sem *sem, int timeout_ms);

/*
 * The current value (sem_getvalue, GETVAL), never negative on Linux; out of date as soon as it
 * is returned, so good for display and tests, not for deciding whether to wait. -1 with errno.
 */
int lipc_sem_value(struct lipc_sem *sem);

/*
 * How many processes (threads) sleep in a wait on it: System V only (GETNCNT). POSIX
 * semaphores do not tell: -1 with ENOTSUP.
 */
int lipc_sem_waiters(struct lipc_sem *sem);

/*
 * The pid of the process that operated on it last: System V only (GETPID); -1 with ENOTSUP
 * for POSIX semaphores.
 */
pid_t lipc_sem_last_pid(struct lipc_sem *sem);

#endif
