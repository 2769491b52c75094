/* SPDX-License-Identifier: MIT */
/*
 * Shared memory: pages that the kernel maps into several processes at once, so that what one
 * process stores the others load, with no system call and no copy in between. That is why it is
 * the fastest IPC, and also why it is the easiest to get wrong: the kernel orders nothing in it,
 * so every shared structure needs a lock or a protocol of atomics (a process-shared, robust
 * mutex is below), and the memory must outlive, and not outsize, its users: an access past the
 * end of a file-backed object (one that another process truncated, or whose pages a full
 * /dev/shm could not supply) is SIGBUS, not an error code. Four families, one handle:
 *   POSIX, "/name"        shm_open(): a file in /dev/shm (tmpfs), kept until unlinked and
 *                         no descriptor or mapping is left;
 *   System V, by key      shmget(): kept until IPC_RMID and the last detach;
 *   memfd                 memfd_create(): no name, shared by passing the descriptor, sealable;
 *   anonymous             mmap(MAP_SHARED | MAP_ANONYMOUS): shared with the children forked
 *                         after it.
 */
#ifndef LIPC_SHM_H
#define LIPC_SHM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h> /* key_t, whatever the feature macros */
#include <sys/types.h>

#include "lipc/lipc.h"

/* lipc_shm_open(), lipc_shm_sysv_open() and lipc_shm_open_fd() flag: map it without PROT_WRITE. */
#define LIPC_SHM_RDONLY LIPC_MODULE_FLAG(0)

/*
 * A mapped shared memory object, of any family. Set struct_size (LIPC_SHM_INIT) before the call
 * that fills the rest in; struct_size: as lipc/version.h says of every struct a
 * caller allocates.
 */
struct lipc_shm {
	size_t struct_size; /* sizeof(struct lipc_shm): see LIPC_SHM_INIT */
	void *addr;	    /* the mapping, size bytes (NULL when size is 0) */
	size_t size;	    /* the object's size when it was mapped */
	int fd;		    /* POSIX and memfd: the object's descriptor (O_CLOEXEC); otherwise -1 */
	int id;		    /* System V: the segment's shmid; otherwise -1 */
	bool read_only;	    /* mapped without PROT_WRITE (opened with LIPC_SHM_RDONLY) */
};

#define LIPC_SHM_INIT                                                                              \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_shm), .fd = -1, .id = -1                         \
	}

/*
 * Open the POSIX object called name ("/name": one leading slash, no other, not "/." or "/..", at
 * most NAME_MAX - 4 bytes after the slash) and map it whole. flags (lipc/lipc.h):
 *   0 or LIPC_SHM_RDONLY  join: map the object as it is, read-write or read-only (then only
 *                         read permission is needed); size and mode are ignored. shm->size is
 *                         the object's size now: one that its creator has not sized yet
 *                         (between its shm_open and its ftruncate) maps as addr NULL, size 0;
 *   LIPC_CREATE           create it with size bytes and mode when there is none, else join it
 *                         read-write as it is (its own size and mode);
 *   LIPC_CREATE | LIPC_EXCL  create it, or fail with EEXIST: then the size, mode and contents
 *                         (all zero) are the caller's own.
 * mode: permission bits, within 0777 (0 means 0600); the umask applies, as for open(2). A new
 * object's pages are reserved with posix_fallocate() before it is mapped, so a full /dev/shm is
 * ENOSPC here and never SIGBUS at the first touch. Returns 0, or -1 with errno: ENOENT when there
 * is no such object and no LIPC_CREATE; EINVAL for a bad name, flags or mode, size 0 with
 * LIPC_CREATE, or LIPC_SHM_RDONLY with LIPC_CREATE; ENAMETOOLONG; EFBIG for a size over the
 * largest off_t; EEXIST; EACCES; ENOSPC; ENOMEM. On failure nothing is left.
 */
int lipc_shm_open(struct lipc_shm *shm, const char *name, int flags, size_t size, mode_t mode);

/*
 * The same for the System V segment of key (shmget; key from lipc_key_parse(), never
 * IPC_PRIVATE's 0). No umask applies to mode. A System V segment does not live in /dev/shm, and
 * shmget() itself checks the system's limits (kernel.shmmax: EINVAL, kernel.shmall and shmmni:
 * ENOSPC). Also EIDRM: removed while we attached.
 */
int lipc_shm_sysv_open(struct lipc_shm *shm, key_t key, int flags, size_t size, mode_t mode);

/*
 * Unmap (or detach) and close the handle; the object itself stays for its other users, and a
 * POSIX or System V object stays until lipc_shm_unlink() or lipc_shm_sysv_unlink(). NULL, a handle
 * already closed and an all-zero one are no-ops. Returns 0, or -1 with errno.
 */
int lipc_shm_close(struct lipc_shm *shm);

/*
 * Remove the POSIX object called name: shm_unlink() removes the name at once; the memory stays
 * until the last descriptor of it is closed and the last mapping gone. lipc_shm_sysv_unlink():
 * IPC_RMID marks the segment of key for removal: it is freed at the last detach, and until then
 * processes attached keep using it, while its key is free at once (a new segment may take it).
 * Returns 0, or -1 with errno: ENOENT when there is none, EPERM when the caller may not remove it,
 * EINVAL.
 */
int lipc_shm_unlink(const char *name);
int lipc_shm_sysv_unlink(key_t key);

/*
 * Create an object with no name (memfd_create), size bytes, pages reserved, mapped read-write.
 * It is sealed with F_SEAL_SHRINK and F_SEAL_GROW: its size can never change, so a process that
 * receives the descriptor can map it without fear of a truncation turning its accesses into
 * SIGBUS. Share it by passing shm->fd to another process (SCM_RIGHTS over a Unix socket, or by
 * inheritance: clear its FD_CLOEXEC before an exec), which maps it with lipc_shm_open_fd().
 * debug_name (NULL: "lipc") only shows in /proc/PID/fd and /proc/PID/maps. Returns 0, or -1 with
 * errno: EINVAL for size 0 or a name over 249 bytes, EFBIG, ENOMEM, EMFILE.
 */
int lipc_shm_create_memfd(struct lipc_shm *shm, const char *debug_name, size_t size);

/*
 * Map the memfd that another process gave us, whole; flags is 0, or LIPC_SHM_RDONLY. The handle
 * works on its own duplicate of fd (O_CLOEXEC): the caller still owns fd and closes it. A
 * descriptor that is not sealed against shrinking is refused, since its sender could truncate it
 * under us. Returns 0, or -1 with errno: EINVAL when fd is not a memfd sealed with F_SEAL_SHRINK,
 * EBADF, EACCES (read-write on a descriptor opened read-only), EPERM (write-sealed).
 */
int lipc_shm_open_fd(struct lipc_shm *shm, int fd, int flags);

/*
 * Map size bytes of anonymous shared memory (MAP_SHARED | MAP_ANONYMOUS), zero-filled. Only the
 * children forked after this call share it (fork() keeps shared mappings shared); exec() ends
 * it, and an unrelated process cannot reach it. Returns 0, or -1 with errno: EINVAL for size 0,
 * ENOMEM.
 */
int lipc_shm_create_anon(struct lipc_shm *shm, size_t size);

/*
 * Copy len bytes at offset out of the object into buf, or from buf into it. The range must lie
 * inside the object: nothing is clamped. POSIX objects and memfds are copied with pread() and
 * pwrite() on the descriptor, so an object that another process has truncated meanwhile is an
 * error, not SIGBUS. Returns 0, or -1 with errno: ERANGE when [offset, offset + len) is not
 * inside shm->size bytes, or no longer inside the object; EBADF when writing to a handle opened
 * read-only.
 */
int lipc_shm_read(const struct lipc_shm *shm, size_t offset, void *buf, size_t len);
int lipc_shm_write(const struct lipc_shm *shm, size_t offset, const void *buf, size_t len);

/*
 * A mutex and a condition variable that live in shared memory and work across processes. Unlike
 * the structs a caller passes in, these two have no struct_size: their layout is shared by every
 * process that maps them, so it is fixed for good (a new layout would be a new type).
 *
 * The mutex is process-shared, robust and error-checking. Its contract:
 *  - One process initialises it, once, before any other process uses it (for example the
 *    creator of the object, before it tells the others that the object is ready); initialising a
 *    mutex that is in use is undefined behaviour. It needs no destroy: unmapping is enough.
 *  - lipc_shm_mutex_lock() returns 0 when the caller holds the lock and the data is as the last
 *    owner left it. It returns LIPC_SHM_OWNER_DIED when the caller holds the lock but the last
 *    owner died (or its thread exited) while holding it: the kernel released the lock for it,
 *    and the data it guards may be half-updated. The caller must then repair the data, call
 *    lipc_shm_mutex_consistent(), and unlock. Unlocking without lipc_shm_mutex_consistent()
 *    makes the mutex unrecoverable: every later lock fails with ENOTRECOVERABLE, for every
 *    process, and the data must be rebuilt in a new object. A caller that dies before it calls
 *    lipc_shm_mutex_consistent() passes LIPC_SHM_OWNER_DIED on to the next locker.
 *  - Only the owner unlocks (EPERM otherwise), and relocking is EDEADLK, not a deadlock.
 *  - Every process that shares it must use the same ABI (no 32-bit and 64-bit mix, one libc).
 *  - Never unmap it (lipc_shm_close(), munmap()) while you hold it. The kernel finds a dead
 *    owner's mutexes through a list that runs through the mutexes themselves, in the owner's
 *    memory; one that is no longer mapped there ends the walk. That mutex, and every robust
 *    mutex the owner locked before it, then stays locked by the dead owner: no
 *    LIPC_SHM_OWNER_DIED can come, lipc_shm_mutex_lock() with -1 waits for ever, and a timed
 *    lock fails with ETIMEDOUT each time. The mutex word holds the owner's thread id, but this
 *    library does not guess from it: the id may be reused, or mean another process in another
 *    pid namespace. Where a peer may break this rule, lock with a timeout.
 */
struct lipc_shm_mutex {
	pthread_mutex_t mutex;
};

/*
 * The condition variable works across processes, and times its waits on CLOCK_MONOTONIC. It is a
 * sequence number and a futex rather than a pthread_cond_t: glibc's process-shared condition
 * variable goes on counting a waiter that was killed in its wait, so that a later signal is lost
 * on the dead and the signal after that blocks the signaller for ever. This one keeps no record
 * of its waiters, so a dead one costs nothing. No condition variable can be robust, though: a
 * process that dies before it signals leaves its waiters asleep. So wait with a timeout where a
 * peer may die, and check on every wake-up the predicate and whether the peers still live.
 * Wake-ups may be spurious; all-zero memory is an initialised condition variable.
 */
struct lipc_shm_cond {
	uint32_t seq; /* changed by signals; only through the functions below */
};

/* lipc_shm_mutex_lock() and lipc_shm_cond_wait(): locked, but its last owner died holding it. */
#define LIPC_SHM_OWNER_DIED 1

/* Initialise a mutex in shared memory (see the contract). Returns 0, or -1 with errno. */
int lipc_shm_mutex_init(struct lipc_shm_mutex *m);

/*
 * Lock, waiting at most timeout_ms milliseconds (-1: for ever; 0: not at all), as lipc/lipc.h
 * says. Returns 0 (locked), LIPC_SHM_OWNER_DIED (locked; repair, then
 * lipc_shm_mutex_consistent()), or -1 with errno: EAGAIN (timeout 0) or ETIMEDOUT when another
 * held it, ENOTRECOVERABLE, EDEADLK when the caller holds it already.
 */
int lipc_shm_mutex_lock(struct lipc_shm_mutex *m, int timeout_ms);

/* Declare the data repaired after LIPC_SHM_OWNER_DIED. Returns 0, or -1 with errno (EINVAL). */
int lipc_shm_mutex_consistent(struct lipc_shm_mutex *m);

/* Unlock. Returns 0, or -1 with errno: EPERM when the caller does not hold it. */
int lipc_shm_mutex_unlock(struct lipc_shm_mutex *m);

/* Initialise a condition variable in shared memory, once, as the mutex. Returns 0. */
int lipc_shm_cond_init(struct lipc_shm_cond *c);

/*
 * Unlock m, wait for a signal or broadcast on c, and lock m again, waiting at most timeout_ms
 * milliseconds (-1: for ever) for the signal. The caller must hold m, consistent (after
 * LIPC_SHM_OWNER_DIED, repair first: the unlock here would make it unrecoverable). Wake-ups may
 * be spurious: check the predicate in a loop. Returns with m held: 0, LIPC_SHM_OWNER_DIED (as
 * for lipc_shm_mutex_lock()), or -1 with errno ETIMEDOUT, EAGAIN for a timeout of 0 (m is held).
 * Returns with m not held: -1 with ENOTRECOVERABLE, or EPERM when the caller did not hold m.
 */
int lipc_shm_cond_wait(struct lipc_shm_cond *c, struct lipc_shm_mutex *m, int timeout_ms);

/*
 * Wake one waiter, or every waiter; change the predicate under the mutex first, or a waiter may
 * miss it. Returns 0, or -1 with errno.
 */
int lipc_shm_cond_signal(struct lipc_shm_cond *c);
int lipc_shm_cond_broadcast(struct lipc_shm_cond *c);

#endif
