/* SPDX-License-Identifier: MIT */
/*
 * File locks: processes agree to take a lock before they touch a file (or a byte range of it),
 * and the kernel makes the second one wait or fail until the first lets go. Locks are advisory: a
 * process that never asks is never stopped (Linux removed mandatory locking in 5.15). Linux has
 * three kinds, which do not see one another on a local file system: POSIX record locks (F_SETLK)
 * belong to the process and vanish when it closes ANY descriptor of the file, and a child does not
 * inherit them; open-file-description (OFD) locks (F_OFD_SETLK) and BSD flock() locks belong to
 * the open file description, so they live until its last descriptor closes, and a child that
 * inherits the descriptor shares them. A lock dies with its holder: a process killed with SIGKILL
 * releases it, which is why locks beat lock files that a crash leaves behind.
 */
#ifndef LIPC_LOCK_H
#define LIPC_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum lipc_lock_kind {
	LIPC_LOCK_OFD = 0,   /* open file description lock, F_OFD_SETLK (Linux 3.15): the default */
	LIPC_LOCK_POSIX = 1, /* POSIX record lock, F_SETLK: owned by the process */
	LIPC_LOCK_FLOCK = 2, /* BSD flock(2): whole file only, owned by the open file description */
};

/*
 * A lock to take on an open file. LIPC_LOCK_INIT, then .fd = fd, is an exclusive OFD lock of the
 * whole file. struct_size: as lipc/version.h says of every struct a caller allocates.
 */
struct lipc_lock {
	size_t struct_size;	  /* sizeof(struct lipc_lock): see LIPC_LOCK_INIT */
	int fd;			  /* a descriptor of the file, opened by the caller */
	enum lipc_lock_kind kind; /* which kind of lock */
	bool shared;		  /* shared (read) lock; false: exclusive (write) */
	off_t start;		  /* the bytes [start, start + len) of the file; len 0 means */
	off_t len;		  /* up to the end of the file, however it grows. flock: 0, 0 */
};

#define LIPC_LOCK_INIT                                                                             \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_lock), .fd = -1                                  \
	}

/* A lock the kernel holds (or a process waits for), as lipc_lock_holder() and lipc_lock_list()
 * report it. */
struct lipc_lock_owner {
	size_t struct_size; /* sizeof(struct lipc_lock_owner): see LIPC_LOCK_OWNER_INIT */
	enum lipc_lock_kind kind;
	bool shared;
	bool waiting; /* a request still blocked, not a lock (lipc_lock_list only) */
	off_t start, len;
	pid_t pid; /* see the functions; -1 when it cannot be known */
};

#define LIPC_LOCK_OWNER_INIT                                                                       \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_lock_owner)                                      \
	}

/*
 * Take the lock, waiting at most timeout_ms milliseconds: -1 waits for ever, 0 does not wait
 * (lipc/lipc.h). Returns 0, or -1 with errno: EAGAIN (timeout 0) when another holder has it,
 * ETIMEDOUT when another holder kept it until the deadline, EDEADLK when the kernel sees that
 * waiting would deadlock (POSIX locks only), EBADF when fd is not open for reading (shared fcntl
 * lock) or writing (exclusive fcntl lock), EINVAL for a bad kind or range, ENOLCK. Taking a lock
 * this owner already holds converts it (shared to exclusive or back); flock converts by releasing
 * first, so another process may get in between. A timed wait blocks in the kernel's queue, so it is
 * fair and wakes as soon as the lock is free, and it neither installs signal handlers nor sends the
 * caller a SIGCHLD: for OFD and flock locks a helper process (no exit signal, invisible to
 * waitpid(-1)) waits on the shared open file description and is killed at the deadline; for POSIX
 * locks, which belong to the process, a helper thread waits and is cancelled at the deadline. A
 * timed wait is not a cancellation point (a wait for ever is, as fcntl() and flock() are).
 */
int lipc_lock_lock(const struct lipc_lock *lock, int timeout_ms);

/* Try once, without waiting: 1 locked, 0 busy (another holder), -1 error (errno as above). */
int lipc_lock_try_lock(const struct lipc_lock *lock);

/* Release the lock (its range, for POSIX and OFD locks). Returns 0, or -1 with errno. */
int lipc_lock_unlock(const struct lipc_lock *lock);

/*
 * Who keeps this lock from being taken now: 1 with *owner filled in, 0 when nothing would, or -1
 * with errno. POSIX and OFD conflicts come from F_GETLK / F_OFD_GETLK, which give the pid for a
 * POSIX lock and -1 for an OFD lock; lipc then looks for a process that has that OFD open
 * (/proc/PID/fdinfo), which works where /proc lets it see that process. flock conflicts come
 * from /proc/locks (ENOENT without /proc), which names the process that took the lock: it may
 * have exited since, leaving the lock to a child that inherited the descriptor.
 */
int lipc_lock_holder(const struct lipc_lock *lock, struct lipc_lock_owner *owner);

/*
 * Every lock on the file open at fd (any descriptor, O_PATH too), and every request waiting for
 * one, from /proc/locks: stores up to max of them in owners and returns how many there are (which
 * may be more than max), or -1 with errno (ENOENT without /proc). Pids are as lipc_lock_holder()
 * says: for OFD locks, a process found to have the open file description, or -1.
 */
int lipc_lock_list(int fd, struct lipc_lock_owner *owners, size_t max);

/*
 * A lock anywhere on the system, as lipc_lock_list_all() reports it: the fields of struct
 * lipc_lock_owner, then the file's. (The owner's fields are not a struct lipc_lock_owner inside:
 * a struct that can grow cannot be embedded in another that can.)
 */
struct lipc_lock_info {
	size_t struct_size; /* sizeof(struct lipc_lock_info): see LIPC_LOCK_INFO_INIT */
	enum lipc_lock_kind kind;
	bool shared;
	bool waiting; /* a request still blocked, not a lock */
	off_t start, len;
	pid_t pid;		       /* the holder (see lipc_lock_list_all) */
	unsigned dev_major, dev_minor; /* the file: the device of its file system as /proc/locks */
	unsigned long ino;	       /* has it (not always stat()'s st_dev), and its inode */
	int fd;			       /* the holder's descriptor of the file, or -1 */
};

#define LIPC_LOCK_INFO_INIT                                                                        \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_lock_info)                                       \
	}

/*
 * Every lock of the system, and every request waiting for one, from /proc/locks: stores up to
 * max of them in locks and returns how many there are (which may be more than max), or -1 with
 * errno (ENOENT without /proc). For each lock held, lipc looks for the process that has it among
 * those /proc lets this one see, and when it finds it, sets lock.pid to it and fd to its
 * descriptor of the file, so that /proc/PID/fd/FD names the file. Otherwise fd is -1 and lock.pid
 * is what /proc/locks says: the pid for a POSIX lock, the process that took a flock lock (it may
 * have exited, leaving the lock to a child), -1 for an OFD lock. A waiting request has fd -1.
 */
int lipc_lock_list_all(struct lipc_lock_info *locks, size_t max);

/* "ofd", "posix" or "flock". */
const char *lipc_lock_kind_name(enum lipc_lock_kind kind);

#endif
