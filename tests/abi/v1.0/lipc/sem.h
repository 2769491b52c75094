/*
 * Semaphores: a counter in the kernel that processes take (wait: decrement, sleeping while it
 * is 0) and give back (post: increment, waking a sleeper). Initialised to 1 it is a lock between
 * processes; to N it admits N at a time; to 0 it lets one process signal another. Three
 * families sit behind one interface here, chosen by the name: a POSIX named semaphore ("/name",
 * a file in /dev/shm that stays until unlinked), a POSIX unnamed semaphore in shared memory
 * (NULL: shared with the children forked after the open), and semaphore 0 of a System V set
 * ("sysv:KEY", which stays until removed and can undo a dead process's operations). Their traps:
 * a semaphore has no owner, so a process that dies holding one leaves it taken for ever unless
 * it is System V with LIPC_SEM_UNDO; a System V set is created and initialised in two steps, so
 * its other users must wait for the creator (done here); and the waits are interrupted by
 * signals (retried here).
 */
#ifndef LIPC_SEM_H
#define LIPC_SEM_H

#include <fcntl.h>
#include <sys/types.h>

/* A semaphore of any family; opaque. */
struct lipc_sem;

/*
 * lipc_sem_open() flag, System V only: every post and wait of this handle uses SEM_UNDO, so the
 * kernel reverses them when the process exits (a holder that dies gives the semaphore back).
 */
#define LIPC_SEM_UNDO 0x40000000

/* The largest value of a System V semaphore (SEMVMX); a POSIX one goes to SEM_VALUE_MAX. */
#define LIPC_SEM_SYSV_VALUE_MAX 32767

/*
 * Open a semaphore:
 *   "/name"     a POSIX named semaphore (sem_open), found by name by any process;
 *   "sysv:KEY"  semaphore 0 of a System V set (semget), KEY as lipc_key_parse() reads it:
 *               decimal, 0x hex, or @PATH[:PROJ] for ftok();
 *   NULL        a POSIX unnamed semaphore (sem_init, pshared) in a shared anonymous mapping,
 *               which the children forked after this call share; always created.
 * flags: O_CREAT creates it when missing, O_CREAT | O_EXCL creates it or fails with EEXIST (the
 * creator's way to know its value and mode are the ones in force), LIPC_SEM_UNDO (System V).
 * mode: the permissions of a semaphore created (0 means 0600; the umask applies to POSIX ones,
 * not to System V ones). value: the initial value of a semaphore created, ignored otherwise.
 *
 * A System V set is created with IPC_EXCL, set to value, then operated on once so that its
 * sem_otime becomes non-zero; a process that finds the set existing waits up to a second for
 * that mark before it uses the set. Returns the handle, or NULL with errno: EINVAL for a bad
 * name, bad flags or mode, or a value above the family's maximum; ENAMETOOLONG; ENOENT without
 * O_CREAT when there is no such semaphore (or when the PATH of "sysv:@PATH" does not exist);
 * EEXIST; EACCES; ETIMEDOUT when a System V set exists but was never initialised (its creator
 * died first, or another program made it and never operated on it).
 */
struct lipc_sem *lipc_sem_open(const char *name, int flags, mode_t mode, unsigned value);

/*
 * Close the handle (the semaphore itself stays: see lipc_sem_unlink). Returns 0, or -1 with
 * errno. Closing an unnamed semaphore unmaps this process's view of it; it is gone when every
 * process that shared it has closed it or exited.
 */
int lipc_sem_close(struct lipc_sem *sem);

/*
 * Remove the semaphore called name (not NULL): sem_unlink() for "/name", whose users keep the
 * semaphore they have open until they close it; IPC_RMID for "sysv:KEY", which is immediate:
 * processes blocked in a wait wake with EIDRM. Works on a System V set that was never
 * initialised. Returns 0, or -1 with errno (ENOENT when there is none, EPERM, EINVAL).
 */
int lipc_sem_unlink(const char *name);

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
 * Wait at most timeout_ms milliseconds (0: do not wait; -1: for ever). The deadline is on
 * CLOCK_MONOTONIC, so setting the wall clock neither shortens nor stretches it, and it holds
 * across signal handlers. Returns 0, or -1 with errno: ETIMEDOUT, and as lipc_sem_wait().
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
