/* SPDX-License-Identifier: MIT */
/*
 * Semaphores, three families behind one handle. The traps this file takes care of. A System V set
 * is created (semget) and initialised (semctl SETVAL) in two steps, and a process that opens it
 * in between would use a semaphore whose value nobody set yet: the creator therefore creates
 * with IPC_EXCL, sets the value, then performs one semop() so that sem_otime becomes non-zero
 * (SETVAL is not an operation and leaves it 0), and every other opener waits for that mark. The
 * waits are interrupted by signal handlers, semop(), semtimedop(), sem_timedwait() and
 * sem_clockwait() even with SA_RESTART: they are retried, with the remaining time recomputed,
 * because semtimedop() takes a relative timeout.
 * sem_timedwait() takes an absolute CLOCK_REALTIME time, so a change of the wall clock would
 * make it wait too long or not at all: sem_clockwait() on CLOCK_MONOTONIC is used where glibc
 * has it (2.30). Error numbers are made the same across families where the meaning is the same:
 * a full semaphore is EOVERFLOW, a removed set EIDRM (semop says EINVAL once the id is gone).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <time.h>

#include "internal.h"
#include "lipc/sem.h"

enum family {
	POSIX_NAMED,
	POSIX_UNNAMED,
	SYSV,
};

struct lipc_sem {
	enum family family;
	sem_t *sem; /* POSIX: from sem_open(), or in our shared mapping */
	int id;	    /* System V: the set's identifier */
	short undo; /* System V: SEM_UNDO or 0, for every operation */
};

/* The caller defines semctl()'s fourth argument (man 2 semctl); glibc does not. */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* sem_clockwait() came with glibc 2.30; elsewhere sem_timedwait() on the wall clock must do. */
#ifdef __GLIBC_PREREQ
#if __GLIBC_PREREQ(2, 30)
#define HAVE_SEM_CLOCKWAIT 1
#endif
#endif
#ifndef HAVE_SEM_CLOCKWAIT
#define HAVE_SEM_CLOCKWAIT 0
#endif

/* How long an opener waits for the creator of a System V set to initialise it. */
#define SYSV_INIT_WAIT_MS 1000

/* A POSIX name ("/name"), or NULL for an unnamed semaphore. */
static int parse_name(const char *name, enum family *family)
{
	if (!name) {
		*family = POSIX_UNNAMED;
		return 0;
	}
	*family = POSIX_NAMED;
	return lipc__check_name(name);
}

/* errno after a System V call on our id: EINVAL there means the set is gone. */
static int sysv_fail(void)
{
	if (errno == EINVAL)
		errno = EIDRM;
	return -1;
}

/*
 * The creator's half: the value, then one operation that leaves it unchanged but stamps
 * sem_otime. Neither uses SEM_UNDO: the creator's exit must not undo the initialisation.
 */
static int sysv_init(int id, unsigned value)
{
	struct sembuf up_down[2] = {
		{ .sem_num = 0, .sem_op = 1, .sem_flg = IPC_NOWAIT },
		{ .sem_num = 0, .sem_op = -1, .sem_flg = IPC_NOWAIT },
	};

	if (semctl(id, 0, SETVAL, (union semun){ .val = (int)value }) < 0)
		return -1;
	if (value > 0) {
		/* Down then up, so that a value at the maximum cannot overflow. */
		up_down[0].sem_op = -1;
		up_down[1].sem_op = 1;
	}
	return semop(id, up_down, 2);
}

/* The other openers' half: wait, bounded, until the creator's first operation has happened. */
static int sysv_wait_initialised(int id)
{
	struct lipc__backoff b = LIPC__BACKOFF_SEM_INIT;
	struct lipc__deadline d;

	lipc__deadline_start(&d, SYSV_INIT_WAIT_MS);
	for (;;) {
		struct semid_ds ds;

		if (semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }) < 0)
			return sysv_fail();
		if (ds.sem_otime != 0)
			return 0;
		/* The kernel has nothing to wait on for this: poll, backing off. */
		if (!lipc__backoff(&b, &d)) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

/* One round of sysv_open(): create the set exclusively (with O_CREAT), or join the one there. */
struct sysv_round {
	struct lipc_sem *s;
	key_t key;
	int flags, perm;
	unsigned value;
};

static int sysv_open_round(void *arg)
{
	const struct sysv_round *r = arg;
	struct lipc_sem *s = r->s;

	if (r->flags & LIPC_CREATE) {
		s->id = semget(r->key, 1, IPC_CREAT | IPC_EXCL | r->perm);
		if (s->id >= 0) {
			if (sysv_init(s->id, r->value) < 0) {
				int err = errno;

				/* Half made: openers would wait for it. */
				semctl(s->id, 0, IPC_RMID);
				errno = err;
				return -1;
			}
			return 0;
		}
		if (errno != EEXIST || (r->flags & LIPC_EXCL))
			return -1;
	}
	s->id = semget(r->key, 0, 0);
	if (s->id < 0)
		return -1;
	return sysv_wait_initialised(s->id);
}

static int sysv_open(struct lipc_sem *s, key_t key, int flags, mode_t mode, unsigned value)
{
	struct sysv_round r = { .s = s,
				.key = key,
				.flags = flags,
				.perm = (int)(mode ? mode : 0600),
				.value = value };

	if (value > LIPC_SEM_SYSV_VALUE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (!(flags & LIPC_CREATE))
		return sysv_open_round(&r);
	/* Should the set vanish between our EEXIST and our lookup, try creating it again. */
	return lipc__create_or_join(sysv_open_round, &r);
}

static int posix_open(struct lipc_sem *s, const char *name, int flags, mode_t mode, unsigned value)
{
	if (value > SEM_VALUE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (!name) {
		/* MAP_SHARED, so that a child forked later shares the page instead of a copy. */
		s->sem = mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (s->sem == MAP_FAILED)
			return -1;
		if (sem_init(s->sem, 1, value) < 0) {
			int err = errno;

			munmap(s->sem, sizeof(sem_t));
			errno = err;
			return -1;
		}
		return 0;
	}
	/*
	 * glibc builds the semaphore in a temporary file and links it into place fully
	 * initialised, so POSIX named semaphores have no initialisation race. It keeps no
	 * descriptor open.
	 */
	if (flags & LIPC_CREATE)
		s->sem = sem_open(name, O_CREAT | ((flags & LIPC_EXCL) ? O_EXCL : 0),
				  mode ? mode : 0600, value);
	else
		s->sem = sem_open(name, 0);
	return s->sem == SEM_FAILED ? -1 : 0;
}

/* flags within allowed, LIPC_EXCL only with LIPC_CREATE, mode within 0777: else EINVAL. */
static int check_flags(int flags, int allowed, mode_t mode)
{
	if ((flags & ~allowed) || ((flags & LIPC_EXCL) && !(flags & LIPC_CREATE)) ||
	    (mode & ~0777u)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

struct lipc_sem *lipc_sem_open(const char *name, int flags, mode_t mode, unsigned value)
{
	struct lipc_sem *s;
	enum family family;

	if (check_flags(flags, LIPC_CREATE | LIPC_EXCL, mode) < 0)
		return NULL;
	if (parse_name(name, &family) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->family = family;
	s->id = -1;
	if (posix_open(s, name, flags, mode, value) < 0)
		goto out_free;
	return s;

out_free:
	free(s);
	return NULL;
}

struct lipc_sem *lipc_sem_sysv_open(key_t key, int flags, mode_t mode, unsigned value)
{
	struct lipc_sem *s;

	if (check_flags(flags, LIPC_CREATE | LIPC_EXCL | LIPC_SEM_UNDO, mode) < 0)
		return NULL;
	if (key == IPC_PRIVATE) {
		errno = EINVAL; /* a new set nobody else could find */
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->family = SYSV;
	s->id = -1;
	s->undo = (flags & LIPC_SEM_UNDO) ? SEM_UNDO : 0;
	if (sysv_open(s, key, flags, mode, value) < 0)
		goto out_free;
	return s;

out_free:
	free(s);
	return NULL;
}

int lipc_sem_close(struct lipc_sem *s)
{
	int ret = 0;

	if (!s)
		return 0;
	switch (s->family) {
	case POSIX_NAMED:
		ret = sem_close(s->sem);
		break;
	case POSIX_UNNAMED:
		/*
		 * No sem_destroy(): other processes may still use the semaphore, and destroying
		 * one that has waiters is undefined. The memory goes with the last mapping.
		 */
		ret = munmap(s->sem, sizeof(sem_t));
		break;
	case SYSV:
		break;
	}
	free(s);
	return ret;
}

int lipc_sem_unlink(const char *name)
{
	enum family family;

	if (!name) {
		errno = EINVAL;
		return -1;
	}
	if (parse_name(name, &family) < 0)
		return -1;
	return sem_unlink(name);
}

int lipc_sem_sysv_unlink(key_t key)
{
	int id;

	if (key == IPC_PRIVATE) {
		errno = EINVAL;
		return -1;
	}
	id = semget(key, 0, 0);
	if (id < 0)
		return -1;
	if (semctl(id, 0, IPC_RMID) < 0) {
		if (errno == EINVAL || errno == EIDRM)
			errno = ENOENT; /* removed by someone else in between */
		return -1;
	}
	return 0;
}

int lipc_sem_post(struct lipc_sem *s)
{
	struct sembuf up = { .sem_num = 0, .sem_op = 1, .sem_flg = s->undo };

	if (s->family != SYSV)
		return sem_post(s->sem);
	if (semop(s->id, &up, 1) == 0)
		return 0;
	if (errno == ERANGE)
		errno = EOVERFLOW;
	return sysv_fail();
}

/* Take 1 within timeout_ms (-1: for ever). 0, or -1 with EAGAIN when it timed out. */
static int posix_take(sem_t *sem, int timeout_ms)
{
	struct lipc__deadline d;
	int ret;

	if (timeout_ms == 0) {
		do
			ret = sem_trywait(sem);
		while (ret < 0 && errno == EINTR);
		return ret;
	}
	if (timeout_ms < 0) {
		do
			ret = sem_wait(sem);
		while (ret < 0 && errno == EINTR);
		return ret;
	}
	lipc__deadline_start(&d, timeout_ms);
	for (;;) {
#if HAVE_SEM_CLOCKWAIT
		ret = sem_clockwait(sem, CLOCK_MONOTONIC, &d.at);
#else
		/* Only CLOCK_REALTIME here: aim at now + what is left, afresh after each signal. */
		struct timespec at;
		int left = lipc__remaining_ms(&d);

		clock_gettime(CLOCK_REALTIME, &at);
		lipc__timespec_add_ms(&at, left);
		ret = sem_timedwait(sem, &at);
#endif
		if (ret == 0 || errno != EINTR)
			break;
	}
	if (ret < 0 && errno == ETIMEDOUT)
		errno = EAGAIN;
	return ret;
}

static int sysv_take(const struct lipc_sem *s, int timeout_ms)
{
	struct sembuf down = { .sem_num = 0, .sem_op = -1, .sem_flg = s->undo };
	struct lipc__deadline d;

	if (timeout_ms == 0)
		down.sem_flg |= IPC_NOWAIT;
	lipc__deadline_start(&d, timeout_ms);
	for (;;) {
		int left = lipc__remaining_ms(&d), ret;

		if (left < 0 || timeout_ms == 0) {
			ret = semop(s->id, &down, 1);
		} else {
			/* Relative: after a signal, what is left of the deadline, not all of it. */
			struct timespec ts = lipc__ms_timespec(left);

			ret = semtimedop(s->id, &down, 1, &ts);
		}
		if (ret == 0)
			return 0;
		if (errno != EINTR)
			return sysv_fail();
	}
}

static int take(struct lipc_sem *s, int timeout_ms)
{
	return s->family == SYSV ? sysv_take(s, timeout_ms) : posix_take(s->sem, timeout_ms);
}

int lipc_sem_wait(struct lipc_sem *s)
{
	return take(s, -1);
}

int lipc_sem_trywait(struct lipc_sem *s)
{
	if (take(s, 0) == 0)
		return 1;
	return errno == EAGAIN ? 0 : -1;
}

int lipc_sem_timedwait(struct lipc_sem *s, int timeout_ms)
{
	if (take(s, timeout_ms) == 0)
		return 0;
	/* take() says EAGAIN for both; only a wait that waited ran out (lipc/lipc.h). */
	if (errno == EAGAIN && timeout_ms != 0)
		errno = ETIMEDOUT;
	return -1;
}

int lipc_sem_value(struct lipc_sem *s)
{
	int v;

	if (s->family != SYSV)
		return sem_getvalue(s->sem, &v) < 0 ? -1 : v;
	v = semctl(s->id, 0, GETVAL);
	return v < 0 ? sysv_fail() : v;
}

int lipc_sem_waiters(struct lipc_sem *s)
{
	int n;

	if (s->family != SYSV) {
		errno = ENOTSUP;
		return -1;
	}
	n = semctl(s->id, 0, GETNCNT);
	return n < 0 ? sysv_fail() : n;
}

pid_t lipc_sem_last_pid(struct lipc_sem *s)
{
	int pid;

	if (s->family != SYSV) {
		errno = ENOTSUP;
		return -1;
	}
	pid = semctl(s->id, 0, GETPID);
	return pid < 0 ? sysv_fail() : (pid_t)pid;
}
