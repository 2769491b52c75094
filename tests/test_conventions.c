/* SPDX-License-Identifier: MIT */
/*
 * The conventions of lipc/lipc.h, checked across every module at once: a timeout of 0 fails with
 * EAGAIN and an expired one with ETIMEDOUT; every close accepts NULL (and a closed handle); every
 * open call creates, joins or refuses by LIPC_CREATE and LIPC_EXCL alone and refuses O_* flags;
 * roles are enum lipc_role; System V has functions (and command-line schemes) of its own.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lipc/lipc.h"

/* Something that waits, made busy first: wait(timeout_ms) is -1 with errno when it must wait. */
struct waiter {
	const char *what;
	void (*setup)(void);
	int (*wait)(int timeout_ms);
	void (*cleanup)(void);
};

static char name[256], path[PATH_MAX];
static int fds[2] = { -1, -1 };
static struct lipc_sem *sem;
static struct lipc_ring *prod, *cons;
static struct lipc_chan *chan;
static struct lipc_shm shm = LIPC_SHM_INIT;
static mqd_t mq = (mqd_t)-1;
static int msqid = -1;
static pid_t holder_pid;

static void posix_name(const char *what)
{
	char n[200];

	snprintf(name, sizeof(name), "/%s", check_name(n, sizeof(n), what));
}

/* lock: an OFD lock held through one open file description, wanted through another. */
static struct lipc_lock lk;

static void lock_setup(void)
{
	check_path(path, sizeof(path), "lock");
	fds[0] = (int)CHECK_SYS(open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
	fds[1] = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	CHECK_SYS(lipc_lock_lock(
		&(struct lipc_lock){ .struct_size = sizeof(struct lipc_lock), .fd = fds[0] }, -1));
	lk = (struct lipc_lock){ .struct_size = sizeof(struct lipc_lock), .fd = fds[1] };
}

static int lock_wait(int timeout_ms)
{
	return lipc_lock_lock(&lk, timeout_ms);
}

static void lock_cleanup(void)
{
	CHECK_SYS(lipc_pipe_close(fds)); /* closes both descriptors */
	CHECK_SYS(unlink(path));
}

/* sem: each family at value 0. */
static void sem_posix_setup(void)
{
	posix_name("sem");
	sem = lipc_sem_open(name, LIPC_CREATE | LIPC_EXCL, 0600, 0);
	CHECK(sem != NULL);
}

static void sem_unnamed_setup(void)
{
	name[0] = '\0';
	sem = lipc_sem_open(NULL, 0, 0, 0);
	CHECK(sem != NULL);
}

static void sem_sysv_setup(void)
{
	name[0] = '\0';
	sem = lipc_sem_sysv_open(check_key(1), LIPC_CREATE | LIPC_EXCL, 0600, 0);
	CHECK(sem != NULL);
}

static int sem_wait_ms(int timeout_ms)
{
	return lipc_sem_timedwait(sem, timeout_ms);
}

static void sem_cleanup(void)
{
	CHECK_SYS(lipc_sem_close(sem));
	if (name[0])
		CHECK_SYS(lipc_sem_unlink(name));
	else if (lipc_sem_sysv_unlink(check_key(1)) < 0)
		CHECK_EQ(errno, ENOENT); /* the unnamed one has no key */
}

/* shm mutex: held by a child, which waits on a pipe to let go. */
static struct lipc_shm_mutex *mutex;
static struct lipc_shm_cond *cond;

static void mutex_setup(void)
{
	char c;
	int ready[2];

	CHECK_SYS(lipc_shm_create_anon(&shm, 4096));
	mutex = shm.addr;
	cond = (struct lipc_shm_cond *)((char *)shm.addr + 2048);
	CHECK_SYS(lipc_shm_mutex_init(mutex));
	CHECK_SYS(lipc_shm_cond_init(cond));
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	holder_pid = check_fork();
	if (holder_pid == 0) {
		close(fds[1]);
		CHECK_EQ(lipc_shm_mutex_lock(mutex, -1), 0);
		CHECK_EQ(write(ready[1], "l", 1), 1);
		CHECK_EQ(read(fds[0], &c, 1), 0); /* until the parent closes its end */
		CHECK_SYS(lipc_shm_mutex_unlock(mutex));
		_exit(0);
	}
	close(ready[1]);
	close(fds[0]);
	fds[0] = -1;
	CHECK_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
}

static int mutex_wait(int timeout_ms)
{
	return lipc_shm_mutex_lock(mutex, timeout_ms);
}

static void mutex_cleanup(void)
{
	CHECK_SYS(lipc_pipe_close(fds));
	CHECK_EQ(check_wait(holder_pid), 0);
	CHECK_SYS(lipc_shm_close(&shm));
}

/* shm cond: waited on with the mutex held, never signalled. */
static void cond_setup(void)
{
	CHECK_SYS(lipc_shm_create_anon(&shm, 4096));
	mutex = shm.addr;
	cond = (struct lipc_shm_cond *)((char *)shm.addr + 2048);
	CHECK_SYS(lipc_shm_mutex_init(mutex));
	CHECK_SYS(lipc_shm_cond_init(cond));
	CHECK_EQ(lipc_shm_mutex_lock(mutex, -1), 0);
}

static int cond_wait(int timeout_ms)
{
	return lipc_shm_cond_wait(cond, mutex, timeout_ms); /* returns with the mutex held */
}

static void cond_cleanup(void)
{
	CHECK_SYS(lipc_shm_mutex_unlock(mutex));
	CHECK_SYS(lipc_shm_close(&shm));
}

/* ring: an empty ring's consumer, its producer attached. */
static void ring_setup(void)
{
	posix_name("ring");
	prod = lipc_ring_open(name, LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0, 0);
	cons = lipc_ring_open(name, LIPC_RECV, 0, 0, 0);
	CHECK(prod && cons);
}

static int ring_wait(int timeout_ms)
{
	char buf[16];
	size_t len;

	return lipc_ring_pop(cons, buf, sizeof(buf), &len, timeout_ms);
}

static void ring_cleanup(void)
{
	CHECK_SYS(lipc_ring_close(cons));
	CHECK_SYS(lipc_ring_close(prod));
	CHECK_SYS(lipc_ring_unlink(name));
}

/* POSIX and System V queues, empty. */
static void mq_setup(void)
{
	posix_name("mq");
	mq = lipc_msgq_posix_open(name, LIPC_RECV, LIPC_CREATE | LIPC_EXCL, 0600, 0, 0);
	CHECK(mq != (mqd_t)-1);
}

static int mq_wait(int timeout_ms)
{
	char buf[8192];

	return (int)lipc_msgq_posix_recv(mq, buf, sizeof(buf), NULL, timeout_ms);
}

static void mq_cleanup(void)
{
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(name));
}

static void sysv_mq_setup(void)
{
	msqid = (int)CHECK_SYS(lipc_msgq_sysv_open(check_key(2), LIPC_RECV | LIPC_SEND,
						   LIPC_CREATE | LIPC_EXCL, 0));
}

static int sysv_mq_wait(int timeout_ms)
{
	char buf[64];

	return (int)lipc_msgq_sysv_recv(msqid, buf, sizeof(buf), NULL, 0, 0, timeout_ms);
}

static void sysv_mq_cleanup(void)
{
	CHECK_SYS(lipc_msgq_sysv_unlink(check_key(2)));
}

/* A channel: an empty queue's receiver. */
static void chan_setup(void)
{
	char n[200];

	snprintf(name, sizeof(name), "mq:/%s", check_name(n, sizeof(n), "chan"));
	chan = lipc_chan_open(name, LIPC_RECV, NULL);
	CHECK(chan != NULL);
}

static int chan_wait(int timeout_ms)
{
	struct lipc_msg m = LIPC_MSG_INIT;

	CHECK_SYS(lipc_chan_set_timeout(chan, timeout_ms));
	return lipc_chan_recv(chan, &m);
}

static void chan_cleanup(void)
{
	CHECK_SYS(lipc_chan_close(chan));
	CHECK_SYS(lipc_msgq_posix_unlink(name + 3));
}

/* signals: SIGUSR1 taken as data, none pending. */
static sigset_t old_mask;

static void signal_setup(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	fds[0] = (int)CHECK_SYS(lipc_signal_open(&set, &old_mask));
}

static int signal_wait(int timeout_ms)
{
	struct lipc_signal_info info;

	return lipc_signal_recv(fds[0], &info, timeout_ms);
}

static void signal_cleanup(void)
{
	close(fds[0]);
	fds[0] = -1;
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
}

static const struct waiter waiters[] = {
	{ "lock", lock_setup, lock_wait, lock_cleanup },
	{ "sem posix", sem_posix_setup, sem_wait_ms, sem_cleanup },
	{ "sem unnamed", sem_unnamed_setup, sem_wait_ms, sem_cleanup },
	{ "sem sysv", sem_sysv_setup, sem_wait_ms, sem_cleanup },
	{ "shm mutex", mutex_setup, mutex_wait, mutex_cleanup },
	{ "shm cond", cond_setup, cond_wait, cond_cleanup },
	{ "ring", ring_setup, ring_wait, ring_cleanup },
	{ "msgq posix", mq_setup, mq_wait, mq_cleanup },
	{ "msgq sysv", sysv_mq_setup, sysv_mq_wait, sysv_mq_cleanup },
	{ "chan", chan_setup, chan_wait, chan_cleanup },
	{ "signal", signal_setup, signal_wait, signal_cleanup },
};

/* 0 tries once: EAGAIN ("not now"); a positive timeout that runs out: ETIMEDOUT. */
static void timeout_zero_is_eagain(void)
{
	for (size_t i = 0; i < sizeof(waiters) / sizeof(waiters[0]); i++) {
		const struct waiter *w = &waiters[i];

		fprintf(stderr, "%s\n", w->what);
		w->setup();
		errno = 0;
		if (w->wait(0) != -1 || errno != EAGAIN)
			fprintf(stderr, "%s: timeout 0: errno %d (%s)\n", w->what, errno,
				strerror(errno));
		CHECK_ERR(w->wait(0), EAGAIN);
		CHECK_ERR(w->wait(1), ETIMEDOUT);
		w->cleanup();
	}
}

/* Every close, free and unmap accepts NULL, and a handle already closed. */
static void close_null_is_zero(void)
{
	struct lipc_shm zero = { 0 };
	int stdin_open = fcntl(0, F_GETFD) >= 0;

	CHECK_EQ(lipc_chan_close(NULL), 0);
	CHECK_EQ(lipc_ring_close(NULL), 0);
	CHECK_EQ(lipc_sem_close(NULL), 0);
	CHECK_EQ(lipc_shm_close(NULL), 0);
	CHECK_EQ(lipc_pipe_close(NULL), 0);
	CHECK_EQ(lipc_msgq_posix_close((mqd_t)-1), 0);
	/* An all-zero lipc_shm was never opened: its fd 0 is not ours to close. */
	CHECK_EQ(lipc_shm_close(&zero), 0);
	CHECK_EQ(fcntl(0, F_GETFD) >= 0, stdin_open);
	/* Closed twice: the second close has nothing left to do. */
	CHECK_SYS(lipc_shm_create_anon(&shm, 4096));
	CHECK_EQ(lipc_shm_close(&shm), 0);
	CHECK_EQ(lipc_shm_close(&shm), 0);
	CHECK_SYS(lipc_pipe_open(fds, 0));
	CHECK_EQ(lipc_pipe_close(fds), 0);
	CHECK_EQ(lipc_pipe_close(fds), 0);
}

/*
 * An object with a name, opened by one module's open call: open(flags) is 0 or -1 with errno
 * (what it opened is closed again), unlink() removes it.
 */
struct opener {
	const char *what;
	int (*open)(int flags);
	int (*unlink)(void);
};

static int fifo_open(int flags)
{
	int fd = lipc_fifo_open(path, LIPC_RECV, flags, 0, 0);

	return fd < 0 ? -1 : close(fd);
}

static int fifo_unlink(void)
{
	return lipc_fifo_unlink(path);
}

static int mq_open_(int flags)
{
	mqd_t q = lipc_msgq_posix_open(name, LIPC_RECV | LIPC_SEND, flags, 0, 0, 0);

	return q == (mqd_t)-1 ? -1 : lipc_msgq_posix_close(q);
}

static int mq_unlink_(void)
{
	return lipc_msgq_posix_unlink(name);
}

static int sysv_mq_open(int flags)
{
	return lipc_msgq_sysv_open(check_key(3), LIPC_RECV, flags, 0) < 0 ? -1 : 0;
}

static int sysv_mq_unlink(void)
{
	return lipc_msgq_sysv_unlink(check_key(3));
}

static int sem_open_(int flags)
{
	struct lipc_sem *s = lipc_sem_open(name, flags, 0, 0);

	return s ? lipc_sem_close(s) : -1;
}

static int sem_unlink_(void)
{
	return lipc_sem_unlink(name);
}

static int sysv_sem_open(int flags)
{
	struct lipc_sem *s = lipc_sem_sysv_open(check_key(4), flags, 0, 0);

	return s ? lipc_sem_close(s) : -1;
}

static int sysv_sem_unlink(void)
{
	return lipc_sem_sysv_unlink(check_key(4));
}

static int shm_open_(int flags)
{
	struct lipc_shm s = LIPC_SHM_INIT;

	return lipc_shm_open(&s, name, flags, 4096, 0) < 0 ? -1 : lipc_shm_close(&s);
}

static int shm_unlink_(void)
{
	return lipc_shm_unlink(name);
}

static int sysv_shm_open(int flags)
{
	struct lipc_shm s = LIPC_SHM_INIT;

	return lipc_shm_sysv_open(&s, check_key(5), flags, 4096, 0) < 0 ? -1 : lipc_shm_close(&s);
}

static int sysv_shm_unlink(void)
{
	return lipc_shm_sysv_unlink(check_key(5));
}

static int ring_open(int flags)
{
	struct lipc_ring *r = lipc_ring_open(name, LIPC_RECV, flags, 0, 0);

	return r ? lipc_ring_close(r) : -1;
}

static int ring_unlink(void)
{
	return lipc_ring_unlink(name);
}

static const struct opener openers[] = {
	{ "fifo", fifo_open, fifo_unlink },
	{ "msgq posix", mq_open_, mq_unlink_ },
	{ "msgq sysv", sysv_mq_open, sysv_mq_unlink },
	{ "sem posix", sem_open_, sem_unlink_ },
	{ "sem sysv", sysv_sem_open, sysv_sem_unlink },
	{ "shm posix", shm_open_, shm_unlink_ },
	{ "shm sysv", sysv_shm_open, sysv_shm_unlink },
	{ "ring", ring_open, ring_unlink },
};

/* 0 joins, LIPC_CREATE creates or joins, LIPC_CREATE | LIPC_EXCL creates or fails: EEXIST. */
static void create_join_excl(void)
{
	for (size_t i = 0; i < sizeof(openers) / sizeof(openers[0]); i++) {
		const struct opener *o = &openers[i];

		fprintf(stderr, "%s\n", o->what);
		check_path(path, sizeof(path), "fifo");
		posix_name("obj");
		CHECK_ERR(o->open(0), ENOENT);	       /* join only: nothing to join */
		CHECK_ERR(o->open(LIPC_EXCL), EINVAL); /* LIPC_EXCL means nothing alone */
		CHECK_ERR(o->open(O_CREAT), EINVAL);   /* not our flag space */
		CHECK_ERR(o->open(O_CREAT | O_EXCL), EINVAL);
		CHECK_ERR(o->open(0), ENOENT); /* and none of them created it */
		CHECK_SYS(o->open(LIPC_CREATE | LIPC_EXCL));
		CHECK_ERR(o->open(LIPC_CREATE | LIPC_EXCL), EEXIST);
		CHECK_SYS(o->open(LIPC_CREATE)); /* there: joined */
		CHECK_SYS(o->open(0));
		CHECK_SYS(o->unlink());
		CHECK_SYS(o->open(LIPC_CREATE)); /* not there: created */
		CHECK_SYS(o->unlink());
	}
}

/* One enum names the ends; anything else is EINVAL. */
static void roles(void)
{
	char n[200], addr[256];

	CHECK_EQ(LIPC_RECV, 1);
	CHECK_EQ(LIPC_SEND, 2);
	snprintf(addr, sizeof(addr), "mq:/%s", check_name(n, sizeof(n), "role"));
	posix_name("role");
	CHECK(!lipc_chan_open(addr, 0, NULL) && errno == EINVAL);
	CHECK(!lipc_chan_open(addr, LIPC_RECV | LIPC_SEND, NULL) && errno == EINVAL);
	CHECK(!lipc_ring_open(name, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 0) && errno == EINVAL);
	check_path(path, sizeof(path), "fifo");
	CHECK_ERR(lipc_fifo_open(path, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 0), EINVAL);
	CHECK_ERR(lipc_msgq_posix_open(name, 0, LIPC_CREATE, 0, 0, 0), EINVAL);
	CHECK_ERR(lipc_msgq_sysv_open(check_key(1), 0, LIPC_CREATE, 0), EINVAL);
	/* Nothing was created by the refusals. */
	CHECK_ERR(lipc_msgq_posix_unlink(name), ENOENT);
	CHECK_ERR(lipc_ring_unlink(name), ENOENT);
	CHECK_ERR(access(path, F_OK), ENOENT);
}

/*
 * System V: the library chooses it by function, never by a "sysv:" prefix; the command takes
 * sysv-sem: and sysv-shm: schemes, and the older sysv: as well.
 */
static void sysv_by_function_and_scheme(void)
{
	struct lipc_shm s = LIPC_SHM_INIT;
	struct check_cmd c;
	char key[32], old[32];

	snprintf(key, sizeof(key), "0x%x", (unsigned)check_key(6));
	snprintf(old, sizeof(old), "sysv:0x%x", (unsigned)check_key(6));
	CHECK(!lipc_sem_open(old, LIPC_CREATE, 0, 0) && errno == EINVAL);
	CHECK_ERR(lipc_sem_unlink(old), EINVAL);
	CHECK_ERR(lipc_shm_open(&s, old, LIPC_CREATE, 4096, 0), EINVAL);
	CHECK_ERR(lipc_shm_unlink(old), EINVAL);
	CHECK_ERR(lipc_sem_sysv_unlink(check_key(6)), ENOENT); /* nothing was made */
	CHECK_ERR(lipc_shm_sysv_unlink(check_key(6)), ENOENT);

	for (int k = 0; k < 2; k++) {
		const char *kind = k ? "shm" : "sem";
		char scheme[96];

		snprintf(scheme, sizeof(scheme), "sysv-%s:%s", kind, key);
		if (k)
			CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV(kind, "create", scheme, "4096")),
				 0);
		else
			CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV(kind, "create", scheme, "3")),
				 0);
		check_cmd_free(&c);
		/* The older spelling names the same object. */
		if (k) {
			CHECK_EQ(check_cmd_run(&c, "hi", LIPC_ARGV(kind, "write", old)), 0);
			check_cmd_free(&c);
			CHECK_EQ(
				check_cmd_run(&c, NULL, LIPC_ARGV(kind, "read", "-l", "2", scheme)),
				0);
			CHECK_STR(c.out, "hi");
		} else {
			CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV(kind, "get", old)), 0);
			CHECK_STR(c.out, "3\n");
		}
		check_cmd_free(&c);
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV(kind, "rm", old)), 0);
		check_cmd_free(&c);
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV(kind, "rm", scheme)), 1); /* gone */
		check_cmd_free(&c);
	}
}

/* The command's -t 0 keeps its words and status where the library now says EAGAIN. */
static void command_timeout_zero(void)
{
	struct check_cmd c;

	posix_name("sem");
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("sem", "create", name, "0")), 0);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("sem", "wait", "-t", "0", name)), 1);
	CHECK_CONTAINS(c.err, "not posted within 0 s");
	check_cmd_free(&c);
	CHECK_SYS(lipc_sem_unlink(name));

	lock_setup();
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "-w", "0", path, "true")), 1);
	CHECK_CONTAINS(c.err, ": locked");
	check_cmd_free(&c);
	lock_cleanup();
}

CHECK_MAIN(TEST(timeout_zero_is_eagain), TEST(close_null_is_zero), TEST(create_join_excl),
	   TEST(roles), TEST(sysv_by_function_and_scheme), TEST(command_timeout_zero))
