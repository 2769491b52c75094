/* SPDX-License-Identifier: MIT */
/*
 * Shared memory. The mapping itself is the easy part; the traps are around it. A tmpfs file
 * (a POSIX object, a memfd) gets its pages only when they are first touched, so a full /dev/shm
 * shows up as SIGBUS in the middle of a store, far from the code that chose the size: creation
 * therefore reserves every page with posix_fallocate() and fails with ENOSPC instead. A file can
 * also be truncated by any process that may write it, and an access past the new end is SIGBUS
 * too: memfds are sealed so that their size can never change, a received memfd that is not
 * sealed is refused, and the copy helpers go through pread()/pwrite(), which report a short
 * object instead of killing us. Creation itself is exclusive (O_EXCL, IPC_EXCL) and undone whole
 * on failure; create-or-join is that, then a plain open on EEXIST, so only with LIPC_EXCL does
 * a caller know that the size, mode and contents are its own. Finally a lock in
 * shared memory outlives the processes that take it: the mutex here is robust, so the death of
 * its holder is reported to the next locker (EOWNERDEAD) rather than hanging everyone for ever,
 * and the condition variable keeps no record of its waiters, so the death of one breaks nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "internal.h"
#include "lipc/shm.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U /* Linux 6.3; older headers lack it */
#endif

/*
 * Clear the handle as far as the caller's struct goes (never the whole of ours: the caller's may
 * be smaller, lipc/version.h); its struct_size stays.
 */
static void reset(struct lipc_shm *shm)
{
	static const struct lipc_shm closed = LIPC_SHM_INIT;

	lipc__abi_out(shm, &closed, sizeof(closed));
}

/* The start of each call that fills a handle in: one the caller initialised, cleared. */
static int begin(struct lipc_shm *shm)
{
	if (!lipc__abi_size(shm, LIPC__SHM_1_0))
		return -1;
	reset(shm);
	return 0;
}

/* A size that an object can have: not 0, and within off_t, which ftruncate() and pread() take. */
static int check_size(size_t size)
{
	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((uintmax_t)size > (uintmax_t)INT64_MAX || (off_t)size < 0) {
		errno = EFBIG;
		return -1;
	}
	return 0;
}

/*
 * flags within allowed, LIPC_EXCL only with LIPC_CREATE, and no read-only creation (a new object
 * is all zeros, and sizing it needs write access); mode within 0777. True for read-only.
 */
static int check_flags(int flags, int allowed, mode_t mode, bool *read_only)
{
	if ((flags & ~allowed) || ((flags & LIPC_EXCL) && !(flags & LIPC_CREATE)) ||
	    ((flags & LIPC_CREATE) && (flags & LIPC_SHM_RDONLY)) || (mode & ~(mode_t)0777)) {
		errno = EINVAL;
		return -1;
	}
	*read_only = flags & LIPC_SHM_RDONLY;
	return 0;
}

/*
 * Size the file and allocate every page now. ftruncate() alone makes a sparse file: tmpfs would
 * look for each page at its first touch, and a full file system then can only answer SIGBUS.
 * posix_fallocate() returns its error instead of setting errno, and tmpfs abandons a large
 * allocation with EINTR when a signal arrives (undoing it), so it is simply asked again.
 */
static int reserve(int fd, size_t size)
{
	int err;

	if (ftruncate(fd, (off_t)size) < 0)
		return -1;
	do
		err = posix_fallocate(fd, 0, (off_t)size);
	while (err == EINTR);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* Map shm->fd whole; a file of size 0 is a valid object with nothing to map. */
static int map_fd(struct lipc_shm *shm, size_t size, bool read_only)
{
	void *p;

	shm->read_only = read_only;
	if (size == 0)
		return 0;
	p = mmap(NULL, size, read_only ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, shm->fd,
		 0);
	if (p == MAP_FAILED)
		return -1;
	shm->addr = p;
	shm->size = size;
	return 0;
}

/* The size of the file behind fd, as a size_t. */
static int fd_size(int fd, size_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if ((uintmax_t)st.st_size > SIZE_MAX) {
		errno = EFBIG;
		return -1;
	}
	*size = (size_t)st.st_size;
	return 0;
}

static void remove_posix(const char *name)
{
	int saved = errno;

	shm_unlink(name);
	errno = saved;
}

static void remove_sysv(int id)
{
	int saved = errno;

	shmctl(id, IPC_RMID, NULL);
	errno = saved;
}

static int create_posix(struct lipc_shm *shm, const char *name, size_t size, mode_t mode)
{
	/* shm_open() adds O_NOFOLLOW and FD_CLOEXEC itself. */
	shm->fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, mode);
	if (shm->fd < 0)
		return -1;
	if (reserve(shm->fd, size) < 0 || map_fd(shm, size, false) < 0)
		goto out_unlink;
	return 0;

out_unlink:
	remove_posix(name);
	lipc__close(shm->fd);
	return -1;
}

static int create_sysv(struct lipc_shm *shm, key_t key, size_t size, mode_t mode)
{
	void *p;

	/* The mode shares shmflg with IPC_CREAT, IPC_EXCL and SHM_HUGETLB: only 0777 goes in. */
	shm->id = shmget(key, size, IPC_CREAT | IPC_EXCL | (int)mode);
	if (shm->id < 0)
		return -1;
	p = shmat(shm->id, NULL, 0);
	if (p == (void *)-1)
		goto out_remove;
	shm->addr = p;
	shm->size = size;
	return 0;

out_remove:
	remove_sysv(shm->id);
	return -1;
}

static int open_sysv(struct lipc_shm *shm, key_t key, bool read_only)
{
	struct shmid_ds ds;
	void *p;

	shm->id = shmget(key, 0, 0);
	if (shm->id < 0 || shmctl(shm->id, IPC_STAT, &ds) < 0)
		return -1;
	p = shmat(shm->id, NULL, read_only ? SHM_RDONLY : 0);
	if (p == (void *)-1) {
		/* The id was good an instant ago: the segment was removed in between. */
		if (errno == EINVAL)
			errno = EIDRM;
		return -1;
	}
	shm->addr = p;
	shm->size = ds.shm_segsz;
	shm->read_only = read_only;
	return 0;
}

static int open_posix(struct lipc_shm *shm, const char *name, bool read_only)
{
	size_t size;

	shm->fd = shm_open(name, read_only ? O_RDONLY : O_RDWR, 0);
	if (shm->fd < 0)
		return -1;
	if (fd_size(shm->fd, &size) < 0 || map_fd(shm, size, read_only) < 0)
		goto out_close;
	return 0;

out_close:
	lipc__close(shm->fd);
	return -1;
}

/*
 * One round of create-or-join (lipc__create_or_join): create the object exclusively or, when
 * it is there and LIPC_EXCL was not asked for, join it read-write as it is.
 */
struct open_round {
	struct lipc_shm *shm;
	const char *name; /* POSIX */
	key_t key;	  /* System V */
	int flags;
	size_t size;
	mode_t mode;
};

static int open_round(void *arg)
{
	const struct open_round *r = arg;
	int ret = r->name ? create_posix(r->shm, r->name, r->size, r->mode)
			  : create_sysv(r->shm, r->key, r->size, r->mode);

	if (ret == 0 || errno != EEXIST || (r->flags & LIPC_EXCL))
		return ret;
	reset(r->shm);
	ret = r->name ? open_posix(r->shm, r->name, false) : open_sysv(r->shm, r->key, false);
	if (ret < 0)
		reset(r->shm);
	return ret;
}

/* lipc_shm_open() and lipc_shm_sysv_open(), once their name or key is known good. */
static int open_either(struct open_round *r, bool read_only)
{
	int ret = -1;

	if (!(r->flags & LIPC_CREATE))
		ret = r->name ? open_posix(r->shm, r->name, read_only)
			      : open_sysv(r->shm, r->key, read_only);
	else if (check_size(r->size) == 0)
		ret = lipc__create_or_join(open_round, r);
	if (ret < 0)
		reset(r->shm);
	return ret;
}

int lipc_shm_open(struct lipc_shm *shm, const char *name, int flags, size_t size, mode_t mode)
{
	struct open_round r = { shm, name, 0, flags, size, mode ? mode : 0600 };
	bool read_only;

	if (begin(shm) < 0 ||
	    check_flags(flags, LIPC_CREATE | LIPC_EXCL | LIPC_SHM_RDONLY, mode, &read_only) < 0 ||
	    lipc__check_name(name) < 0)
		return -1;
	return open_either(&r, read_only);
}

int lipc_shm_sysv_open(struct lipc_shm *shm, key_t key, int flags, size_t size, mode_t mode)
{
	struct open_round r = { shm, NULL, key, flags, size, mode ? mode : 0600 };
	bool read_only;

	if (begin(shm) < 0 ||
	    check_flags(flags, LIPC_CREATE | LIPC_EXCL | LIPC_SHM_RDONLY, mode, &read_only) < 0)
		return -1;
	if (key == IPC_PRIVATE) {
		errno = EINVAL; /* a new segment nobody else could find */
		return -1;
	}
	return open_either(&r, read_only);
}

int lipc_shm_close(struct lipc_shm *shm)
{
	int ret = 0, err = 0;

	/* A handle that was never initialised (struct_size 0) has nothing to close. */
	if (!shm || !shm->struct_size)
		return 0;
	if (!lipc__abi_size(shm, LIPC__SHM_1_0))
		return -1;
	if (shm->addr) {
		if (shm->id >= 0)
			ret = shmdt(shm->addr);
		else
			ret = munmap(shm->addr, shm->size);
		if (ret < 0)
			err = errno;
	}
	if (shm->fd >= 0 && close(shm->fd) < 0 && !err)
		err = errno;
	reset(shm);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int lipc_shm_unlink(const char *name)
{
	if (lipc__check_name(name) < 0)
		return -1;
	return shm_unlink(name);
}

int lipc_shm_sysv_unlink(key_t key)
{
	int id;

	if (key == IPC_PRIVATE) {
		errno = EINVAL;
		return -1;
	}
	/* shmget() with no flags finds the segment whatever its permissions; RMID checks them. */
	id = shmget(key, 0, 0);
	if (id < 0)
		return -1;
	return shmctl(id, IPC_RMID, NULL);
}

int lipc_shm_create_memfd(struct lipc_shm *shm, const char *debug_name, size_t size)
{
	const char *name = debug_name ? debug_name : "lipc";

	if (begin(shm) < 0 || check_size(size) < 0)
		return -1;
	/*
	 * MFD_NOEXEC_SEAL (Linux 6.3) says the memory is data, never a program; kernels that
	 * enforce vm.memfd_noexec refuse a memfd without it, and older ones refuse the flag.
	 */
	shm->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	if (shm->fd < 0 && errno == EINVAL)
		shm->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (shm->fd < 0)
		goto out_reset;
	if (reserve(shm->fd, size) < 0 ||
	    fcntl(shm->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0 ||
	    map_fd(shm, size, false) < 0)
		goto out_close;
	return 0;

out_close:
	lipc__close(shm->fd);
out_reset:
	reset(shm);
	return -1;
}

int lipc_shm_open_fd(struct lipc_shm *shm, int fd, int flags)
{
	bool read_only;
	size_t size;
	int seals;

	if (begin(shm) < 0 || check_flags(flags, LIPC_SHM_RDONLY, 0, &read_only) < 0)
		return -1;
	/* EINVAL from the kernel too, for a file that cannot be sealed at all. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return -1;
	if (!(seals & F_SEAL_SHRINK)) {
		errno = EINVAL;
		return -1;
	}
	shm->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (shm->fd < 0)
		goto out_reset;
	if (fd_size(shm->fd, &size) < 0 || map_fd(shm, size, read_only) < 0)
		goto out_close;
	return 0;

out_close:
	lipc__close(shm->fd);
out_reset:
	reset(shm);
	return -1;
}

int lipc_shm_create_anon(struct lipc_shm *shm, size_t size)
{
	void *p;

	if (begin(shm) < 0 || check_size(size) < 0)
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	shm->addr = p;
	shm->size = size;
	return 0;
}

/* [offset, offset + len) inside the first size bytes, without overflowing. */
static int check_range(size_t size, size_t offset, size_t len)
{
	if (offset > size || len > size - offset) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

int lipc_shm_read(const struct lipc_shm *shm, size_t offset, void *buf, size_t len)
{
	size_t done = 0;

	if (!lipc__abi_size(shm, LIPC__SHM_1_0) || check_range(shm->size, offset, len) < 0)
		return -1;
	if (shm->fd < 0) {
		/* System V and anonymous memory cannot shrink: the mapping is safe to touch. */
		if (len)
			memcpy(buf, (const char *)shm->addr + offset, len);
		return 0;
	}
	while (done < len) {
		ssize_t n = pread(shm->fd, (char *)buf + done, len - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ERANGE; /* truncated by another process since we mapped it */
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

int lipc_shm_write(const struct lipc_shm *shm, size_t offset, const void *buf, size_t len)
{
	size_t done = 0, now;

	if (!lipc__abi_size(shm, LIPC__SHM_1_0) || check_range(shm->size, offset, len) < 0)
		return -1;
	if (shm->read_only) {
		errno = EBADF;
		return -1;
	}
	if (shm->fd < 0) {
		if (len)
			memcpy((char *)shm->addr + offset, buf, len);
		return 0;
	}
	/* pwrite() past the end would grow a truncated object back: check its size first. */
	if (fd_size(shm->fd, &now) < 0)
		return -1;
	if (check_range(now, offset, len) < 0)
		return -1;
	while (done < len) {
		ssize_t n = pwrite(shm->fd, (const char *)buf + done, len - done,
				   (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* A pthread result as ours: 0, LIPC_SHM_OWNER_DIED, or -1 with errno. */
static int lock_result(int err)
{
	if (err == 0)
		return 0;
	if (err == EOWNERDEAD)
		return LIPC_SHM_OWNER_DIED;
	errno = err;
	return -1;
}

int lipc_shm_mutex_init(struct lipc_shm_mutex *m)
{
	pthread_mutexattr_t attr;
	int err = pthread_mutexattr_init(&attr);

	if (err)
		goto out;
	/*
	 * Robust: the kernel walks a dying thread's list of robust mutexes and marks each one it
	 * held, so the next locker hears of it. The list is threaded through the mutexes in the
	 * thread's own mappings, so a mutex it unmapped while holding it ends the walk early
	 * (lipc/shm.h says what follows). Error-checking: a relock is EDEADLK and a foreign
	 * unlock EPERM, where a normal mutex would hang or corrupt silently.
	 */
	if (!(err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED)) &&
	    !(err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)) &&
	    !(err = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK)))
		err = pthread_mutex_init(&m->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
out:
	return lock_result(err);
}

int lipc_shm_mutex_lock(struct lipc_shm_mutex *m, int timeout_ms)
{
	struct lipc__deadline d;
	int err;

	if (timeout_ms < 0)
		return lock_result(pthread_mutex_lock(&m->mutex));
	/*
	 * Not pthread_mutex_trylock(), even for 0: on a robust mutex made unrecoverable, glibc's
	 * trylock returns ENOTRECOVERABLE but leaves the lock word holding the caller's thread id
	 * (it tests the CAS's old value, 0, against that id before unlocking), so every later
	 * locker waits for ever. A deadline that has already passed tries once just the same.
	 */
	lipc__deadline_start(&d, timeout_ms);
	err = pthread_mutex_clocklock(&m->mutex, CLOCK_MONOTONIC, &d.at);
	/* Not now, and not asked to wait: EAGAIN, as every timeout of 0 (lipc/lipc.h). */
	if (err == ETIMEDOUT && timeout_ms == 0)
		err = EAGAIN;
	return lock_result(err);
}

int lipc_shm_mutex_consistent(struct lipc_shm_mutex *m)
{
	return lock_result(pthread_mutex_consistent(&m->mutex));
}

int lipc_shm_mutex_unlock(struct lipc_shm_mutex *m)
{
	return lock_result(pthread_mutex_unlock(&m->mutex));
}

/*
 * The condition variable is a sequence number and a futex, not a pthread_cond_t. glibc's
 * condition variable (since 2.25) counts its waiters in groups, and a process-shared one whose
 * waiter is killed in its wait keeps counting the dead waiter: a later signal goes to it and is
 * lost, and the signal or broadcast after that waits for the dead waiter to leave its group, for
 * ever. Here a waiter leaves nothing behind: it sleeps in the kernel's futex queue, which drops
 * it when it dies, and a signal wakes whoever is queued.
 */
int lipc_shm_cond_init(struct lipc_shm_cond *c)
{
	__atomic_store_n(&c->seq, 0, __ATOMIC_RELAXED);
	return 0;
}

int lipc_shm_cond_wait(struct lipc_shm_cond *c, struct lipc_shm_mutex *m, int timeout_ms)
{
	struct lipc__deadline d;
	uint32_t seq;
	int r, err = 0;

	/*
	 * Read under the mutex: a signaller changes the predicate under it, then the sequence, so
	 * a signal between our unlock and our sleep changes the word and the sleep returns at once.
	 * Relaxed, like the increment in wake(): the mutex orders the predicate, and the futex
	 * compares the word under the kernel's own lock, so no other ordering is needed.
	 */
	seq = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
	lipc__deadline_start(&d, timeout_ms);
	if (lipc_shm_mutex_unlock(m) < 0)
		return -1;
	for (;;) {
		/* FUTEX_WAIT_BITSET takes an absolute deadline, on CLOCK_MONOTONIC. */
		if (lipc__futex_wait_until(&c->seq, seq, timeout_ms < 0 ? NULL : &d.at) == 0 ||
		    errno == EAGAIN)
			break;
		if (errno != EINTR) {
			/* A timeout of 0 is EAGAIN (lipc/lipc.h); futex's own EAGAIN is a wake-up.
			 */
			err = errno == ETIMEDOUT && timeout_ms == 0 ? EAGAIN : errno;
			break;
		}
	}
	/* The owner's death outranks a timeout, as in pthread_cond_timedwait(). */
	r = lipc_shm_mutex_lock(m, -1);
	if (r != 0)
		return r;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static int wake(struct lipc_shm_cond *c, int how_many)
{
	/* Pairs with the relaxed load in lipc_shm_cond_wait(): see there. */
	__atomic_fetch_add(&c->seq, 1, __ATOMIC_RELAXED);
	return lipc__futex_wake(&c->seq, how_many) < 0 ? -1 : 0;
}

int lipc_shm_cond_signal(struct lipc_shm_cond *c)
{
	return wake(c, 1);
}

int lipc_shm_cond_broadcast(struct lipc_shm_cond *c)
{
	return wake(c, INT_MAX);
}
