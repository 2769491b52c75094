/* SPDX-License-Identifier: MIT */
/*
 * Semaphores: the three families across real processes, the refusals, timed waits, SEM_UNDO,
 * removal under a waiter, the System V initialisation protocol, the examples, and lipc sem.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "lipc/key.h"
#include "lipc/sem.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/*
 * This test names its System V sets "sysv:KEY", so that one table covers the three families, and
 * opens them with the _sysv_ calls.
 */
static struct lipc_sem *sem_open_any(const char *name, int flags, mode_t mode, unsigned value)
{
	key_t key;

	if (!name || strncmp(name, "sysv:", 5))
		return lipc_sem_open(name, flags, mode, value);
	if (lipc_key_parse(name + 5, &key) < 0)
		return NULL;
	return lipc_sem_sysv_open(key, flags, mode, value);
}

static int sem_unlink_any(const char *name)
{
	key_t key;

	if (!name || strncmp(name, "sysv:", 5))
		return lipc_sem_unlink(name);
	if (lipc_key_parse(name + 5, &key) < 0)
		return -1;
	return lipc_sem_sysv_unlink(key);
}

/* Names of this test: "/lipc-test-PID-what" and "sysv:0x4C......". */
static char *posix_name(char *buf, size_t size, const char *what)
{
	char n[128];

	snprintf(buf, size, "/%s", check_name(n, sizeof(n), what));
	return buf;
}

static char *sysv_name(char *buf, size_t size, unsigned n)
{
	snprintf(buf, size, "sysv:0x%x", (unsigned)check_key(n));
	return buf;
}

/* The three families: a named POSIX semaphore, an unnamed one (NULL), a System V set. */
struct family {
	const char *label;
	char name[128];
	const char *arg; /* what lipc_sem_open takes: name, or NULL */
};

static void families(struct family f[3])
{
	f[0].label = "posix";
	f[0].arg = posix_name(f[0].name, sizeof(f[0].name), "sem");
	f[1].label = "unnamed";
	f[1].arg = NULL;
	f[2].label = "sysv";
	f[2].arg = sysv_name(f[2].name, sizeof(f[2].name), 1);
}

static void remove_sem(const struct family *f)
{
	if (f->arg)
		CHECK_SYS(sem_unlink_any(f->arg));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait until pid sleeps in a wait on s: GETNCNT where the kernel counts, else /proc. */
static void wait_for_sleeper(struct lipc_sem *s, pid_t pid)
{
	if (lipc_sem_waiters(s) >= 0) {
		while (CHECK_SYS(lipc_sem_waiters(s)) == 0)
			sched_yield();
		return;
	}
	CHECK_EQ(errno, ENOTSUP);
	while (!check_asleep(pid))
		sched_yield();
}

/* N processes x M increments of a shared counter under the semaphore end at exactly N x M. */
static void counter_under_semaphore(int flags)
{
	enum {
		N = 4,
		M = 20000
	};
	struct family f[3];

	families(f);
	for (int k = 0; k < 3; k++) {
		struct lipc_sem *s;
		pid_t pids[N];
		long *counter;

		if (k != 2 && (flags & LIPC_SEM_UNDO))
			continue; /* System V only */
		counter = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		CHECK(counter != MAP_FAILED);
		s = sem_open_any(f[k].arg, LIPC_CREATE | LIPC_EXCL | flags, 0600, 1);
		CHECK(s != NULL);
		for (int i = 0; i < N; i++) {
			pids[i] = check_fork();
			if (pids[i] == 0) {
				/* A named semaphore is found by name, as an unrelated process
				 * would. */
				struct lipc_sem *mine =
					f[k].arg ? sem_open_any(f[k].arg, flags, 0, 0) : s;

				CHECK(mine != NULL);
				for (int j = 0; j < M; j++) {
					CHECK_SYS(lipc_sem_wait(mine));
					++*(volatile long *)counter;
					CHECK_SYS(lipc_sem_post(mine));
				}
				_exit(0);
			}
		}
		for (int i = 0; i < N; i++)
			CHECK_EQ(check_wait(pids[i]), 0);
		if (*counter != N * M)
			check_fail(__FILE__, __LINE__, "%s: counter %ld, expected %d", f[k].label,
				   *counter, N * M);
		CHECK_EQ(lipc_sem_value(s), 1);
		CHECK_SYS(lipc_sem_close(s));
		remove_sem(&f[k]);
		munmap(counter, sizeof(long));
	}
}

static void counter_is_exact(void)
{
	counter_under_semaphore(0);
}

static void counter_is_exact_with_undo(void)
{
	counter_under_semaphore(LIPC_SEM_UNDO);
}

/* At zero, a try-wait is "busy" (errno EAGAIN, as sem_trywait and IPC_NOWAIT say it). */
static void trywait_at_zero(void)
{
	struct family f[3];

	families(f);
	for (int k = 0; k < 3; k++) {
		struct lipc_sem *s = sem_open_any(f[k].arg, LIPC_CREATE | LIPC_EXCL, 0, 0);

		CHECK(s != NULL);
		errno = 0;
		CHECK_EQ(lipc_sem_trywait(s), 0);
		CHECK_EQ(errno, EAGAIN);
		CHECK_SYS(lipc_sem_post(s));
		CHECK_EQ(lipc_sem_value(s), 1);
		CHECK_EQ(lipc_sem_trywait(s), 1);
		CHECK_EQ(lipc_sem_value(s), 0);
		CHECK_EQ(lipc_sem_trywait(s), 0);
		CHECK_SYS(lipc_sem_close(s));
		remove_sem(&f[k]);
	}

	/* The calls underneath say EAGAIN themselves. */
	{
		char name[128];
		struct sembuf down = { 0, -1, IPC_NOWAIT };
		sem_t *raw;
		int id;

		raw = sem_open(posix_name(name, sizeof(name), "raw"), O_CREAT | O_EXCL, 0600, 0);
		CHECK(raw != SEM_FAILED);
		CHECK_ERR(sem_trywait(raw), EAGAIN);
		CHECK_SYS(sem_close(raw));
		CHECK_SYS(sem_unlink(name));
		id = (int)CHECK_SYS(semget(check_key(2), 1, IPC_CREAT | IPC_EXCL | 0600));
		CHECK_ERR(semop(id, &down, 1), EAGAIN);
		CHECK_SYS(semctl(id, 0, IPC_RMID));
	}
}

/* A timed wait at zero fails with ETIMEDOUT, never before its deadline. */
static void timed_wait_times_out(void)
{
	struct family f[3];

	families(f);
	for (int k = 0; k < 3; k++) {
		struct lipc_sem *s = sem_open_any(f[k].arg, LIPC_CREATE | LIPC_EXCL, 0, 0);
		double start;

		CHECK(s != NULL);
		start = now();
		CHECK_ERR(lipc_sem_timedwait(s, 50), ETIMEDOUT);
		CHECK(now() - start >= 0.050);
		CHECK_ERR(lipc_sem_timedwait(s, 0), EAGAIN); /* 0 does not wait: "not now" */
		CHECK_SYS(lipc_sem_post(s));
		CHECK_SYS(lipc_sem_timedwait(s, 50));
		CHECK_SYS(lipc_sem_close(s));
		remove_sem(&f[k]);
	}
}

static volatile sig_atomic_t signals_seen;

static void count_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

/*
 * A post from another process wakes a blocked wait, and a timed one; a signal handler installed
 * without SA_RESTART interrupts neither (semop is never restarted by the kernel: we retry).
 */
static void post_wakes_waiter_across_signals(void)
{
	struct sigaction sa = { .sa_handler = count_signal };
	struct family f[3];

	CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
	families(f);
	for (int k = 0; k < 3; k++) {
		for (int timed = 0; timed < 2; timed++) {
			struct lipc_sem *s = sem_open_any(f[k].arg, LIPC_CREATE | LIPC_EXCL, 0, 0);
			pid_t parent = getpid(), pid;

			CHECK(s != NULL);
			signals_seen = 0;
			pid = check_fork();
			if (pid == 0) {
				wait_for_sleeper(s, parent);
				CHECK_SYS(kill(parent, SIGUSR1));
				/* Back asleep after the handler: the wait went on. */
				wait_for_sleeper(s, parent);
				CHECK_SYS(lipc_sem_post(s));
				_exit(0);
			}
			if (timed)
				CHECK_SYS(lipc_sem_timedwait(s, 30000));
			else
				CHECK_SYS(lipc_sem_wait(s));
			CHECK_EQ(signals_seen, 1);
			CHECK_EQ(check_wait(pid), 0);
			CHECK_EQ(lipc_sem_value(s), 0);
			CHECK_SYS(lipc_sem_close(s));
			remove_sem(&f[k]);
		}
	}
}

/* A POSIX semaphore and a count of handled signals, shared with the children that watch. */
static struct {
	sem_t sem;
	volatile sig_atomic_t handled;
} * shared;

static void count_shared(int sig)
{
	(void)sig;
	shared->handled++;
}

/* Is pid asleep in a futex wait on addr? Where /proc/PID/syscall is closed, sleeping will do. */
static bool asleep_on_futex(pid_t pid, const void *addr, size_t size)
{
	unsigned long long uaddr = (uintptr_t)addr;

	return check_asleep_in(pid, SYS_futex, &uaddr) && uaddr >= (uintptr_t)addr &&
	       uaddr < (uintptr_t)addr + size;
}

/*
 * SA_RESTART restarts sem_wait() after a handler, but never sem_timedwait() nor sem_clockwait():
 * those fail with EINTR whatever the flags. (signal(7) lists sem_timedwait() with the calls that
 * SA_RESTART restarts; but a futex wait with a timeout returns ERESTART_RESTARTBLOCK, which the
 * kernel turns into EINTR whenever a handler runs, and glibc passes EINTR on.)
 */
static void posix_timed_waits_ignore_sa_restart(void)
{
	struct sigaction sa = { .sa_handler = count_shared, .sa_flags = SA_RESTART };
	pid_t parent = getpid();

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		      0);
	CHECK(shared != MAP_FAILED);
	CHECK_SYS(sem_init(&shared->sem, 1, 0));
	CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
	for (int call = 0; call < 3; call++) {
		struct timespec at;
		pid_t pid;
		int ret;

		shared->handled = 0;
		pid = check_fork();
		if (pid == 0) {
			while (!asleep_on_futex(parent, &shared->sem, sizeof(shared->sem)))
				sched_yield();
			CHECK_SYS(kill(parent, SIGUSR1));
			if (call == 0) {
				/* sem_wait() is back asleep after the handler: post to end it. */
				while (shared->handled == 0 ||
				       !asleep_on_futex(parent, &shared->sem, sizeof(shared->sem)))
					sched_yield();
				CHECK_SYS(sem_post(&shared->sem));
			}
			_exit(0);
		}
		/* A deadline far enough that only a restarted wait reaches it. */
		CHECK_SYS(clock_gettime(call == 2 ? CLOCK_MONOTONIC : CLOCK_REALTIME, &at));
		at.tv_sec += 30;
		if (call == 0)
			ret = sem_wait(&shared->sem);
		else if (call == 1)
			ret = sem_timedwait(&shared->sem, &at);
		else
			ret = sem_clockwait(&shared->sem, CLOCK_MONOTONIC, &at);
		if (call == 0)
			CHECK_SYS(ret);
		else
			CHECK_ERR(ret, EINTR);
		CHECK_EQ(shared->handled, 1);
		CHECK_EQ(check_wait(pid), 0);
	}
	CHECK_SYS(sem_destroy(&shared->sem));
	CHECK_SYS(munmap(shared, sizeof(*shared)));
}

/* Has the peer closed its end of this pipe? */
static bool closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return CHECK_SYS(poll(&p, 1, 0)) == 1;
}

/* A timed wait interrupted by a signal still ends at its deadline with ETIMEDOUT. */
static void timed_wait_interrupted_still_times_out(void)
{
	struct sigaction sa = { .sa_handler = count_signal };
	struct family f[3];

	CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
	families(f);
	for (int k = 0; k < 3; k++) {
		struct lipc_sem *s = sem_open_any(f[k].arg, LIPC_CREATE | LIPC_EXCL, 0, 0);
		pid_t parent = getpid(), pid;
		int done[2];
		double start;

		CHECK(s != NULL);
		CHECK_SYS(pipe2(done, O_CLOEXEC));
		signals_seen = 0;
		pid = check_fork();
		if (pid == 0) {
			close(done[1]);
			/* Signal the wait once it sleeps (or at once if it is over already). */
			while (!closed(done[0])) {
				int n = lipc_sem_waiters(s);

				if (n > 0 || (n < 0 && check_asleep(parent)))
					break;
				sched_yield();
			}
			CHECK_SYS(kill(parent, SIGUSR1));
			_exit(0);
		}
		close(done[0]);
		start = now();
		CHECK_ERR(lipc_sem_timedwait(s, 500), ETIMEDOUT);
		CHECK(now() - start >= 0.500);
		close(done[1]);
		CHECK_EQ(check_wait(pid), 0);
		CHECK_EQ(signals_seen, 1);
		CHECK_SYS(lipc_sem_close(s));
		remove_sem(&f[k]);
	}
}

static void excl_and_existing(void)
{
	char names[2][128];

	posix_name(names[0], sizeof(names[0]), "sem");
	sysv_name(names[1], sizeof(names[1]), 1);
	for (int k = 0; k < 2; k++) {
		struct lipc_sem *s, *t;

		errno = 0;
		CHECK(sem_open_any(names[k], 0, 0, 0) == NULL);
		CHECK_EQ(errno, ENOENT);
		s = sem_open_any(names[k], LIPC_CREATE | LIPC_EXCL, 0600, 3);
		CHECK(s != NULL);
		errno = 0;
		CHECK(sem_open_any(names[k], LIPC_CREATE | LIPC_EXCL, 0600, 5) == NULL);
		CHECK_EQ(errno, EEXIST);
		/* LIPC_CREATE alone opens the existing one, and its value stays. */
		t = sem_open_any(names[k], LIPC_CREATE, 0600, 5);
		CHECK(t != NULL);
		CHECK_EQ(lipc_sem_value(t), 3);
		CHECK_SYS(lipc_sem_close(t));
		t = sem_open_any(names[k], 0, 0, 0);
		CHECK(t != NULL);
		CHECK_SYS(lipc_sem_post(t));
		CHECK_EQ(lipc_sem_value(s), 4);
		CHECK_SYS(lipc_sem_close(t));
		CHECK_SYS(lipc_sem_close(s));
		CHECK_SYS(sem_unlink_any(names[k]));
		CHECK_ERR(sem_unlink_any(names[k]), ENOENT);
	}
}

static void mode_is_applied(void)
{
	char name[128], file[160];
	struct lipc_sem *s;
	struct semid_ds ds;
	struct stat st;

	umask(022);
	s = sem_open_any(posix_name(name, sizeof(name), "sem"), LIPC_CREATE | LIPC_EXCL, 0, 0);
	CHECK(s != NULL);
	/* A named semaphore is the file /dev/shm/sem.NAME. */
	snprintf(file, sizeof(file), "/dev/shm/sem.%s", name + 1);
	CHECK_SYS(stat(file, &st));
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(name));
	CHECK_ERR(stat(file, &st), ENOENT);

	s = sem_open_any(sysv_name(name, sizeof(name), 1), LIPC_CREATE | LIPC_EXCL, 0640, 0);
	CHECK(s != NULL);
	CHECK_SYS(semctl(semget(check_key(1), 0, 0), 0, IPC_STAT, (union semun){ .buf = &ds }));
	CHECK_EQ(ds.sem_perm.mode & 0777, 0640);
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(name));
}

static void values_above_the_maximum(void)
{
	char names[2][128];
	struct lipc_sem *s;

	posix_name(names[0], sizeof(names[0]), "sem");
	sysv_name(names[1], sizeof(names[1]), 1);
	errno = 0;
	CHECK(sem_open_any(names[0], LIPC_CREATE | LIPC_EXCL, 0, (unsigned)SEM_VALUE_MAX + 1) ==
	      NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(sem_open_any(NULL, 0, 0, (unsigned)SEM_VALUE_MAX + 1) == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(sem_open_any(names[1], LIPC_CREATE | LIPC_EXCL, 0, LIPC_SEM_SYSV_VALUE_MAX + 1) ==
	      NULL);
	CHECK_EQ(errno, EINVAL);
	/* Nothing was created by the refusals. */
	CHECK(sem_open_any(names[0], 0, 0, 0) == NULL);
	CHECK(sem_open_any(names[1], 0, 0, 0) == NULL);

	/* At the maximum, a post overflows, in both families alike. */
	s = sem_open_any(names[0], LIPC_CREATE | LIPC_EXCL, 0, SEM_VALUE_MAX);
	CHECK(s != NULL);
	CHECK_EQ(lipc_sem_value(s), SEM_VALUE_MAX);
	CHECK_ERR(lipc_sem_post(s), EOVERFLOW);
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(names[0]));
	s = sem_open_any(names[1], LIPC_CREATE | LIPC_EXCL, 0, LIPC_SEM_SYSV_VALUE_MAX);
	CHECK(s != NULL);
	CHECK_EQ(lipc_sem_value(s), LIPC_SEM_SYSV_VALUE_MAX);
	CHECK_ERR(lipc_sem_post(s), EOVERFLOW);
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(names[1]));
}

static void bad_names_and_flags(void)
{
	static const char *const bad[] = {
		"",	      "x",	   "/",	       "/a/b",
		"/.",	      "/..",	   "sysv:",    "sysv:0",
		"sysv:junk",  "sysv:-1",   "sysv:@",   "sysv: 1",
		"sysv:0x1:2", "SYSV:1234", "posix:/x", "sysv:0x100000000",
	};
	char name[128], longname[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (sem_open_any(bad[i], LIPC_CREATE, 0, 0) != NULL || errno != EINVAL)
			check_fail(__FILE__, __LINE__, "\"%s\" was not refused with EINVAL (%s)",
				   bad[i], check_errname(errno));
		CHECK_ERR(sem_unlink_any(bad[i]), EINVAL);
	}
	longname[0] = '/';
	memset(longname + 1, 'a', 260);
	longname[261] = '\0';
	errno = 0;
	CHECK(sem_open_any(longname, LIPC_CREATE, 0, 0) == NULL);
	CHECK_EQ(errno, ENAMETOOLONG);
	errno = 0;
	CHECK(sem_open_any("sysv:@/no/such/path", LIPC_CREATE, 0, 0) == NULL);
	CHECK_EQ(errno, ENOENT);

	posix_name(name, sizeof(name), "sem");
	errno = 0;
	CHECK(sem_open_any(name, O_CREAT, 0, 0) == NULL); /* not our flag: LIPC_CREATE */
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(sem_open_any(name, LIPC_EXCL, 0, 0) == NULL); /* LIPC_EXCL without LIPC_CREATE */
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(sem_open_any(name, LIPC_CREATE | LIPC_SEM_UNDO, 0, 0) == NULL);
	CHECK_EQ(errno, EINVAL); /* POSIX semaphores have no undo */
	errno = 0;
	CHECK(sem_open_any(NULL, LIPC_SEM_UNDO, 0, 0) == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(sem_open_any(name, LIPC_CREATE, 04600, 0) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK_ERR(sem_unlink_any(NULL), EINVAL);
	CHECK_ERR(sem_unlink_any(name), ENOENT);
}

/* What only System V tells: the sleepers and the last pid; POSIX says ENOTSUP. */
static void waiters_and_last_pid(void)
{
	char name[128];
	struct lipc_sem *s = sem_open_any(NULL, 0, 0, 0);
	pid_t pid;

	CHECK(s != NULL);
	CHECK_ERR(lipc_sem_waiters(s), ENOTSUP);
	CHECK_ERR(lipc_sem_last_pid(s), ENOTSUP);
	CHECK_SYS(lipc_sem_close(s));

	s = sem_open_any(sysv_name(name, sizeof(name), 1), LIPC_CREATE | LIPC_EXCL, 0, 0);
	CHECK(s != NULL);
	CHECK_EQ(lipc_sem_waiters(s), 0);
	CHECK_EQ(lipc_sem_last_pid(s), getpid()); /* the creator's initialising operation */
	pid = check_fork();
	if (pid == 0) {
		CHECK_SYS(lipc_sem_wait(s));
		_exit(0);
	}
	while (CHECK_SYS(lipc_sem_waiters(s)) == 0)
		sched_yield();
	CHECK_EQ(lipc_sem_waiters(s), 1);
	CHECK_SYS(lipc_sem_post(s));
	CHECK_EQ(check_wait(pid), 0);
	CHECK_EQ(lipc_sem_last_pid(s), pid);
	CHECK_EQ(lipc_sem_waiters(s), 0);
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(name));
}

/* The child takes the semaphore, says so on the pipe, and waits to be killed. */
static pid_t holder(const char *name, int flags)
{
	int fds[2];
	char c;
	pid_t pid;

	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_sem *s = sem_open_any(name, flags, 0, 0);

		CHECK(s != NULL);
		CHECK_SYS(lipc_sem_wait(s));
		close(fds[1]);
		for (;;)
			pause();
	}
	close(fds[1]);
	CHECK_EQ(read(fds[0], &c, 1), 0);
	close(fds[0]);
	return pid;
}

/* A process killed after a SEM_UNDO decrement has it undone; without SEM_UNDO it stays. */
static void undo_after_kill(void)
{
	char name[128], pname[128];
	struct lipc_sem *s;
	pid_t pid;

	s = sem_open_any(sysv_name(name, sizeof(name), 1), LIPC_CREATE | LIPC_EXCL, 0, 1);
	CHECK(s != NULL);
	pid = holder(name, LIPC_SEM_UNDO);
	CHECK_EQ(lipc_sem_value(s), 0);
	CHECK_SYS(kill(pid, SIGKILL));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_EQ(lipc_sem_value(s), 1);

	pid = holder(name, 0);
	CHECK_SYS(kill(pid, SIGKILL));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_EQ(lipc_sem_value(s), 0); /* lost for good */
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(name));

	/* A POSIX semaphore has no undo: a dead holder keeps it. */
	s = sem_open_any(posix_name(pname, sizeof(pname), "sem"), LIPC_CREATE | LIPC_EXCL, 0, 1);
	CHECK(s != NULL);
	pid = holder(pname, 0);
	CHECK_SYS(kill(pid, SIGKILL));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_EQ(lipc_sem_value(s), 0);
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(pname));
}

/*
 * The limits of SEM_UNDO the guide teaches: SETVAL clears every process's adjustment, an
 * adjustment past 32767 is ERANGE, and an undo that would go below zero stops at zero.
 */
static void undo_limits(void)
{
	struct sembuf big_up = { 0, LIPC_SEM_SYSV_VALUE_MAX, 0 };
	struct sembuf big_down = { 0, -LIPC_SEM_SYSV_VALUE_MAX, SEM_UNDO };
	struct sembuf up = { 0, 1, 0 }, down = { 0, -1, SEM_UNDO };
	char name[128];
	struct lipc_sem *s;
	pid_t pid;
	int id;

	s = sem_open_any(sysv_name(name, sizeof(name), 1), LIPC_CREATE | LIPC_EXCL, 0, 1);
	CHECK(s != NULL);
	id = (int)CHECK_SYS(semget(check_key(1), 0, 0));

	/* SETVAL while the holder lives: its +1 to undo is forgotten. */
	pid = holder(name, LIPC_SEM_UNDO);
	CHECK_SYS(semctl(id, 0, SETVAL, (union semun){ .val = 0 }));
	CHECK_SYS(kill(pid, SIGKILL));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_EQ(lipc_sem_value(s), 0);

	/* A post with SEM_UNDO is taken back at exit, so a process cannot leave a post behind. */
	pid = check_fork();
	if (pid == 0) {
		struct lipc_sem *u = sem_open_any(name, LIPC_SEM_UNDO, 0, 0);

		CHECK(u != NULL);
		CHECK_SYS(lipc_sem_post(u)); /* value 1, adjustment -1 */
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_EQ(lipc_sem_value(s), 0);

	/* An undo that would go below zero stops at zero, and the exit does not wait. */
	{
		int go[2], posted[2];
		char c;

		CHECK_SYS(pipe2(go, O_CLOEXEC));
		CHECK_SYS(pipe2(posted, O_CLOEXEC));
		pid = check_fork();
		if (pid == 0) {
			struct lipc_sem *u = sem_open_any(name, LIPC_SEM_UNDO, 0, 0);

			CHECK(u != NULL);
			CHECK_SYS(lipc_sem_post(u)); /* value 1, adjustment -1 */
			close(posted[1]);
			close(go[1]);
			CHECK_EQ(read(go[0], &c, 1), 0);
			_exit(0);
		}
		close(posted[1]);
		close(go[0]);
		CHECK_EQ(read(posted[0], &c, 1), 0);
		CHECK_EQ(lipc_sem_trywait(s), 1); /* value 0: the -1 to undo cannot be done */
		close(go[1]);
		close(posted[0]);
		CHECK_EQ(check_wait(pid), 0);
		CHECK_EQ(lipc_sem_value(s), 0);
	}

	/* The adjustment range: 32767 taken with SEM_UNDO, then one more is ERANGE. */
	pid = check_fork();
	if (pid == 0) {
		CHECK_SYS(semop(id, &big_up, 1));
		CHECK_SYS(semop(id, &big_down, 1)); /* adjustment +32767 */
		CHECK_SYS(semop(id, &up, 1));
		CHECK_ERR(semop(id, &down, 1), ERANGE);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	/* Its exit gives the 32767 back to the 1 posted without SEM_UNDO, stopping at the maximum.
	 */
	CHECK_EQ(lipc_sem_value(s), LIPC_SEM_SYSV_VALUE_MAX);
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(name));
}

/* Removing a set while a waiter blocks wakes it with EIDRM; the handle then says EIDRM. */
static void rmid_wakes_waiter(void)
{
	char name[128];
	struct lipc_sem *s;
	pid_t pid;

	s = sem_open_any(sysv_name(name, sizeof(name), 1), LIPC_CREATE | LIPC_EXCL, 0, 0);
	CHECK(s != NULL);
	pid = check_fork();
	if (pid == 0) {
		CHECK_ERR(lipc_sem_wait(s), EIDRM);
		_exit(0);
	}
	while (CHECK_SYS(lipc_sem_waiters(s)) == 0)
		sched_yield();
	CHECK_SYS(sem_unlink_any(name));
	CHECK_EQ(check_wait(pid), 0);
	CHECK_ERR(lipc_sem_post(s), EIDRM);
	CHECK_ERR(lipc_sem_wait(s), EIDRM);
	CHECK_ERR(lipc_sem_trywait(s), EIDRM);
	CHECK_ERR(lipc_sem_timedwait(s, 10), EIDRM);
	CHECK_ERR(lipc_sem_value(s), EIDRM);
	CHECK_SYS(lipc_sem_close(s));
}

/* sem_unlink() removes the name only: a process that has it open keeps using it. */
static void posix_unlink_keeps_open_ones(void)
{
	char name[128];
	struct lipc_sem *s;

	s = sem_open_any(posix_name(name, sizeof(name), "sem"), LIPC_CREATE | LIPC_EXCL, 0, 0);
	CHECK(s != NULL);
	CHECK_SYS(sem_unlink_any(name));
	CHECK(sem_open_any(name, 0, 0, 0) == NULL);
	CHECK_SYS(lipc_sem_post(s));
	CHECK_EQ(lipc_sem_trywait(s), 1);
	CHECK_SYS(lipc_sem_close(s));
}

/*
 * The System V initialisation protocol. A set created by someone else and not yet operated on
 * keeps an opener waiting until its creator's first semop, and one never operated on is refused
 * with ETIMEDOUT.
 */
static void sysv_opener_waits_for_creator(void)
{
	struct sembuf init[2] = { { 0, 1, 0 }, { 0, -1, 0 } };
	char name[128];
	struct lipc_sem *s;
	pid_t pid;
	int id, fds[2];
	char c;

	sysv_name(name, sizeof(name), 1);
	id = (int)CHECK_SYS(semget(check_key(1), 1, IPC_CREAT | IPC_EXCL | 0600));
	errno = 0;
	CHECK(sem_open_any(name, LIPC_CREATE, 0, 9) == NULL);
	CHECK_EQ(errno, ETIMEDOUT);

	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		close(fds[0]);
		close(fds[1]); /* about to open */
		s = sem_open_any(name, LIPC_CREATE, 0, 9);
		CHECK(s != NULL);
		CHECK_EQ(lipc_sem_value(s), 5); /* the creator's value, not its own 9 */
		_exit(0);
	}
	close(fds[1]);
	CHECK_EQ(read(fds[0], &c, 1), 0);
	close(fds[0]);
	while (!check_asleep(pid)) /* in its wait for sem_otime */
		sched_yield();
	CHECK_SYS(semctl(id, 0, SETVAL, (union semun){ .val = 5 }));
	CHECK_SYS(semop(id, init, 2));
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(sem_unlink_any(name));
	/* Unlink works on a set that was never initialised, too. */
	CHECK_SYS(semget(check_key(1), 1, IPC_CREAT | IPC_EXCL | 0600));
	CHECK_SYS(sem_unlink_any(name));
}

/* Permissions, as an unprivileged process sees them. */
static void permissions(void)
{
	char pname[128], sname[128];
	struct lipc_sem *p, *s;
	pid_t pid;

	if (!check_other_uid())
		return;
	p = sem_open_any(posix_name(pname, sizeof(pname), "sem"), LIPC_CREATE | LIPC_EXCL, 0600, 1);
	s = sem_open_any(sysv_name(sname, sizeof(sname), 1), LIPC_CREATE | LIPC_EXCL, 0644, 1);
	CHECK(p != NULL && s != NULL);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_sem *t;

		check_become_other_uid();
		errno = 0;
		CHECK(sem_open_any(pname, 0, 0, 0) == NULL);
		CHECK_EQ(errno, EACCES);
		CHECK_ERR(sem_unlink_any(sname), EPERM);
		t = sem_open_any(sname, 0, 0, 0); /* 0644: others may read */
		CHECK(t != NULL);
		CHECK_EQ(lipc_sem_value(t), 1);
		CHECK_ERR(lipc_sem_post(t), EACCES); /* but not alter */
		CHECK_ERR(lipc_sem_trywait(t), EACCES);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_sem_close(p));
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(sem_unlink_any(pname));
	CHECK_SYS(sem_unlink_any(sname));
}

/* The examples build alone and print what the guide shows. */

static void example_sem_posix(void)
{
	char name[128], expected[512];

	posix_name(name, sizeof(name), "example");
	snprintf(expected, sizeof(expected),
		 "parent N: created %s, value 1; 4 children add 1 to a counter 100000 times "
		 "each\n"
		 "parent N: counter = 400000, expected 400000\n"
		 "parent N: sem_unlink(\"%s\"): removed from /dev/shm\n",
		 name, name);
	CHECK_EXAMPLE_OUTPUT("sem_posix", check_no_numbers, check_no_numbers(expected), name, NULL);
	check_example_remove("sem_posix");
}

static void example_sem_sysv(void)
{
	char key[32], expected[512];

	snprintf(key, sizeof(key), "0x%x", (unsigned)check_key(1));
	snprintf(expected, sizeof(expected),
		 "parent N: created set %s, initialised to 1\n"
		 "child  N: took it with SEM_UNDO\n"
		 "parent N: killed it; value 1: the kernel undid its -1\n"
		 "child  N: took it\n"
		 "parent N: it exited; value 0: taken for good\n",
		 key);
	CHECK_EXAMPLE_OUTPUT("sem_sysv", check_no_numbers, check_no_numbers(expected), key, NULL);
	check_example_remove("sem_sysv");
}

/* lipc sem, as a user runs it. */

/* Run lipc sem ARGS; expect status 0 and stdout out (NULL: anything). */
static void lipc_ok(const char *out, const char *const argv[])
{
	struct check_cmd c;

	check_cmd_run(&c, NULL, argv);
	if (c.status != 0)
		check_fail(__FILE__, __LINE__, "%s %s: status %d, stderr: %s", argv[1], argv[2],
			   c.status, c.err);
	if (out)
		CHECK_STR(c.out, out);
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
}

static void cli_life_cycle(void)
{
	char names[2][128];
	struct check_cmd c;

	posix_name(names[0], sizeof(names[0]), "sem");
	sysv_name(names[1], sizeof(names[1]), 1);
	for (int k = 0; k < 2; k++) {
		const char *n = names[k];

		lipc_ok("", LIPC_ARGV("sem", "create", n, "2"));
		lipc_ok("2\n", LIPC_ARGV("sem", "get", n));
		lipc_ok("", LIPC_ARGV("sem", "post", n));
		lipc_ok("3\n", LIPC_ARGV("sem", "get", n));
		lipc_ok("", LIPC_ARGV("sem", "wait", n));
		lipc_ok("", LIPC_ARGV("sem", "wait", "-n", n));
		lipc_ok("", LIPC_ARGV("sem", "wait", "-t", "1", n));
		lipc_ok("0\n", LIPC_ARGV("sem", "get", n));

		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "wait", "-n", n));
		CHECK_FAILURE(&c, "the value is 0: not taken");
		check_cmd_free(&c);
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "wait", "--timeout", "0.1", n));
		CHECK_FAILURE(&c, "not posted within 0.1 s");
		check_cmd_free(&c);
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "create", n));
		CHECK_FAILURE(&c, "already exists");
		check_cmd_free(&c);

		lipc_ok("", LIPC_ARGV("sem", "rm", n));
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "rm", n));
		CHECK_FAILURE(&c, "no such semaphore");
		check_cmd_free(&c);
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "post", n));
		CHECK_FAILURE(&c, "no such semaphore");
		check_cmd_free(&c);
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "wait", n));
		CHECK_FAILURE(&c, "no such semaphore");
		check_cmd_free(&c);

		/* The default value is 0, and -m sets the mode. */
		lipc_ok("", LIPC_ARGV("sem", "create", "-m", "0640", n));
		lipc_ok("0\n", LIPC_ARGV("sem", "get", n));
		lipc_ok("", LIPC_ARGV("sem", "rm", n));
	}
}

/* A blocked lipc sem wait is released by a lipc sem post from another process. */
static void cli_wait_and_post(void)
{
	char name[128];
	struct check_cmd w;
	struct lipc_sem *s;

	lipc_ok("", LIPC_ARGV("sem", "create", sysv_name(name, sizeof(name), 1)));
	s = sem_open_any(name, 0, 0, 0);
	CHECK(s != NULL);
	check_cmd_start(&w, NULL, LIPC_ARGV("sem", "wait", name));
	while (CHECK_SYS(lipc_sem_waiters(s)) == 0)
		sched_yield();
	lipc_ok("", LIPC_ARGV("sem", "post", name));
	CHECK_EQ(check_cmd_wait(&w), 0);
	CHECK_STR(w.err, "");
	check_cmd_free(&w);

	/* Removed under a waiter: it fails at once, saying so. */
	check_cmd_start(&w, NULL, LIPC_ARGV("sem", "wait", "-t", "60", name));
	while (CHECK_SYS(lipc_sem_waiters(s)) == 0)
		sched_yield();
	lipc_ok("", LIPC_ARGV("sem", "rm", name));
	check_cmd_wait(&w);
	CHECK_FAILURE(&w, "the semaphore set was removed while lipc waited");
	check_cmd_free(&w);
	CHECK_SYS(lipc_sem_close(s));
}

static void cli_limits_and_keys(void)
{
	char name[128], big[32];
	struct check_cmd c;
	int id;

	/* The largest value of each family, and one more. */
	posix_name(name, sizeof(name), "sem");
	snprintf(big, sizeof(big), "%d", SEM_VALUE_MAX);
	lipc_ok("", LIPC_ARGV("sem", "create", name, big));
	check_cmd_run(&c, NULL, LIPC_ARGV("sem", "post", name));
	CHECK_FAILURE(&c, "the value is at its maximum (2147483647)");
	check_cmd_free(&c);
	lipc_ok("", LIPC_ARGV("sem", "rm", name));
	check_cmd_run(&c, NULL, LIPC_ARGV("sem", "create", name, "2147483648"));
	CHECK_USAGE_ERROR(&c, "sem", "value '2147483648' is out of range (0 to 2147483647)");
	check_cmd_free(&c);
	sysv_name(name, sizeof(name), 1);
	check_cmd_run(&c, NULL, LIPC_ARGV("sem", "create", name, "32768"));
	CHECK_USAGE_ERROR(&c, "sem", "value '32768' is out of range (0 to 32767)");
	check_cmd_free(&c);
	lipc_ok("", LIPC_ARGV("sem", "create", name, "32767"));
	check_cmd_run(&c, NULL, LIPC_ARGV("sem", "post", name));
	CHECK_FAILURE(&c, "the value is at its maximum (32767)");
	check_cmd_free(&c);
	lipc_ok("", LIPC_ARGV("sem", "rm", name));

	/* A set that nobody initialised: refused in a second, with the way out. */
	id = (int)CHECK_SYS(semget(check_key(1), 1, IPC_CREAT | IPC_EXCL | 0600));
	check_cmd_run(&c, NULL, LIPC_ARGV("sem", "get", name));
	CHECK_FAILURE(&c, "exists but was never initialised");
	check_cmd_free(&c);
	lipc_ok("", LIPC_ARGV("sem", "rm", name));
	CHECK_ERR(semctl(id, 0, GETVAL), EINVAL);
}

/*
 * At the system's limit, lipc sem create names it: SEMMNI (sets) or SEMMNS (semaphores in all
 * sets) of kernel.sem, with the values in force. Lowered in a System V namespace of the test's
 * own, where /proc/sys/kernel/sem is that namespace's, and nothing else is there to count.
 */
static void at_the_limit(const char *mqueue_dir, void *arg)
{
	static const struct {
		const char *sem, *message;
	} cases[] = {
		{ "250 32000 32 1",
		  "too many semaphore sets: 1 exist, the system's limit is 1 (SEMMNI" },
		{ "250 1 32 32000",
		  "too many semaphores: 1 exist in all sets, the system's limit is 1 (SEMMNS" },
	};
	char first[64], second[64], values[128];
	struct check_cmd c;

	(void)mqueue_dir;
	(void)arg;
	sysv_name(first, sizeof(first), 1);
	sysv_name(second, sizeof(second), 2);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen("/proc/sys/kernel/sem", "we");

		if (!f || fputs(cases[i].sem, f) < 0 || fclose(f) != 0)
			CHECK_SKIP("cannot lower kernel.sem here: %s", strerror(errno));
		lipc_ok("", LIPC_ARGV("sem", "create", first));
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "create", second));
		CHECK_FAILURE(&c, cases[i].message);
		snprintf(values, sizeof(values),
			 "/proc/sys/kernel/sem holds SEMMSL SEMMNS SEMOPM SEMMNI = %s)\n",
			 cases[i].sem);
		CHECK_CONTAINS(c.err, values);
		CHECK_CONTAINS(c.err, second);
		check_cmd_free(&c);
		lipc_ok("", LIPC_ARGV("sem", "rm", first));
	}
}

static void cli_sysv_limit_is_named(void)
{
	check_sandboxed(at_the_limit, NULL, 0);
}

static void cli_misuse(void)
{
	static const struct check_usage cases[] = {
		{ "sem", "missing ACTION", { "sem" } },
		{ "sem", "unknown action 'frob'", { "sem", "frob", "/x" } },
		{ "sem", "missing NAME", { "sem", "post" } },
		{ "sem", "unexpected argument 'more'", { "sem", "post", "/x", "more" } },
		{ "sem", "unexpected argument 'more'", { "sem", "create", "/x", "1", "more" } },
		{ "sem", "'x' is not a semaphore name", { "sem", "get", "x" } },
		{ "sem", "'/a/b' is not a semaphore name", { "sem", "get", "/a/b" } },
		{ "sem", "'/' is not a semaphore name", { "sem", "rm", "/" } },
		{ "sem", "KEY is a number", { "sem", "get", "sysv:0" } },
		{ "sem", "KEY is a number", { "sem", "get", "sysv:zz" } },
		{ "sem", "KEY is a number", { "sem", "get", "sysv:" } },
		{ "sem", "is not a valid semaphore name", { "sem", "get", "/.." } },
		{ "sem", "value 'abc' is not a number", { "sem", "create", "/x", "abc" } },
		{ "sem", "unknown option '-1'", { "sem", "create", "/x", "-1" } },
		{ "sem", "not a number of seconds", { "sem", "wait", "-t", "soon", "/x" } },
		{ "sem",
		  "--no-wait and --timeout exclude",
		  { "sem", "wait", "-n", "-t", "1", "/x" } },
		{ "sem", "--no-wait applies to wait only", { "sem", "post", "-n", "/x" } },
		{ "sem", "--timeout applies to wait only", { "sem", "get", "-t", "1", "/x" } },
		{ "sem", "--mode applies to create only", { "sem", "post", "-m", "0600", "/x" } },
		{ "sem", "not a permission mode", { "sem", "create", "-m", "4755", "/x" } },
		{ "sem", "not an octal mode", { "sem", "create", "-m", "9", "/x" } },
		{ "sem", "needs an argument", { "sem", "wait", "/x", "-t" } },
	};

	CHECK_USAGE_ERRORS(cases);
	/* None of them created anything. */
	CHECK_ERR(access("/dev/shm/sem.x", F_OK), ENOENT);

	{
		struct check_cmd c;

		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "get", "sysv:@/no/such/file"));
		CHECK_FAILURE(&c, "sysv:@/no/such/file: No such file or directory");
		check_cmd_free(&c);
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "--help"));
		CHECK_EQ(c.status, 0);
		CHECK(!strncmp(c.out, "Usage: lipc sem ACTION NAME", 27));
		check_cmd_free(&c);
	}
}

static void cli_permission_denied(void)
{
	char name[128];
	struct check_cmd c;
	pid_t pid;

	if (!check_other_uid())
		return;
	posix_name(name, sizeof(name), "sem");
	lipc_ok("", LIPC_ARGV("sem", "create", name));
	pid = check_fork();
	if (pid == 0) {
		check_become_other_uid();
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "post", name));
		CHECK_FAILURE(&c, "cannot post");
		CHECK_CONTAINS(c.err, "Permission denied");
		check_cmd_free(&c);
		check_cmd_run(&c, NULL, LIPC_ARGV("sem", "rm", name));
		CHECK_FAILURE(&c, "cannot remove");
		check_cmd_free(&c);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	lipc_ok("", LIPC_ARGV("sem", "rm", name));
}

static void demo_and_tour(void)
{
	struct check_cmd c;

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "sem")), 0);
	CHECK_STR(c.err, "");
	CHECK_CONTAINS(c.out, "the counter is 60000, exactly 3 x 20000");
	CHECK_CONTAINS(c.out, "sem_wait() returned: the post woke it");
	CHECK_CONTAINS(c.out, "semctl(GETNCNT) = 1");
	CHECK_CONTAINS(c.out, "the kernel undid the dead holder's -1");
	CHECK_CONTAINS(c.out, "=> ");
	/* The story is told in the same order every time. */
	CHECK(strstr(c.out, "sem_post(): the value goes 0 -> 1") <
	      strstr(c.out, "sem_wait() returned"));
	CHECK(strstr(c.out, "kill(") < strstr(c.out, "semop(-1) returned"));
	check_cmd_free(&c);

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour")), 0);
	CHECK(strstr(c.out, "FIFO (named pipe)") < strstr(c.out, "\nSemaphore\n"));
	check_cmd_free(&c);
}

CHECK_MAIN(TEST(counter_is_exact), TEST(counter_is_exact_with_undo), TEST(trywait_at_zero),
	   TEST(timed_wait_times_out), TEST(post_wakes_waiter_across_signals),
	   TEST(timed_wait_interrupted_still_times_out), TEST(posix_timed_waits_ignore_sa_restart),
	   TEST(excl_and_existing), TEST(mode_is_applied), TEST(values_above_the_maximum),
	   TEST(bad_names_and_flags), TEST(waiters_and_last_pid), TEST(undo_after_kill),
	   TEST(undo_limits), TEST(rmid_wakes_waiter), TEST(posix_unlink_keeps_open_ones),
	   TEST(sysv_opener_waits_for_creator), TEST(permissions), TEST(example_sem_posix),
	   TEST(example_sem_sysv), TEST(cli_life_cycle), TEST(cli_wait_and_post),
	   TEST(cli_limits_and_keys), TEST(cli_sysv_limit_is_named), TEST(cli_misuse),
	   TEST(cli_permission_denied), TEST(demo_and_tour))
