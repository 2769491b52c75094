/* SPDX-License-Identifier: MIT */
/*
 * Nobody gets in who should not. Each check forks a child that becomes another user (nobody,
 * check_become_other_uid()) before it tries, so these checks need a run as root; an ordinary
 * user's run leaves them out and reports the tests skipped. Every object LinuxIPC creates
 * with its default mode (FIFO, socket files, POSIX and System V queues, semaphores and shared
 * memory, the ring, the lock file of lipc lock) is neither readable nor writable by another user
 * whatever the umask (0, 022, 077); an exclusive creation refuses a name another user planted; a
 * symbolic link planted at a FIFO, socket or ring path is never followed; --allow-uid turns away
 * other users' peers on every Unix socket type; a TCP listener binds loopback unless told.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <grp.h>
#include <limits.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "lipc/chan.h"
#include "lipc/fifo.h"
#include "lipc/msgq.h"
#include "lipc/ring.h"
#include "lipc/sem.h"
#include "lipc/shm.h"
#include "lipc/sock.h"

/*
 * A directory that any user may search but only root may list or write, for the objects that
 * have a path: the test directory itself is root's alone. Removed by rm_shared_dir().
 */
static char shared_dir[128];

static const char *in_shared_dir(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "%s/%s", shared_dir, what);
	return buf;
}

static void make_shared_dir(void)
{
	snprintf(shared_dir, sizeof(shared_dir), "/tmp/lipc-test-%d-security", (int)check_pid);
	CHECK_SYS(mkdir(shared_dir, 0700));
	CHECK_SYS(chmod(shared_dir, 0711));
}

static void rm_shared_dir(void)
{
	CHECK_SYS(rmdir(shared_dir));
}

/* The objects of one round, all made with their default mode. */
struct objects {
	char fifo[PATH_MAX], sock[3][PATH_MAX], lockfile[PATH_MAX];
	char mq[256], sem[256], shm[256], ring[256];
	key_t sysv_mq, sysv_sem, sysv_shm;
};

static const char *const sock_schemes[] = { "unix", "unix-dgram", "unix-seqpacket" };

static void no_access_bits(const char *what, mode_t mode)
{
	if (mode & 077)
		check_fail(__FILE__, __LINE__, "%s has mode %04o: other users have access", what,
			   (unsigned)(mode & 07777));
}

/* In the child, as nobody: every way in is refused. */
static void nobody_gets_in(const struct objects *o)
{
	char path[PATH_MAX];

	check_become_other_uid();
	CHECK_ERR(open(o->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC), EACCES);
	CHECK_ERR(open(o->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC), EACCES);
	for (int i = 0; i < 3; i++) {
		char addr[PATH_MAX + 32];

		snprintf(addr, sizeof(addr), "%s:%s", sock_schemes[i], o->sock[i]);
		CHECK_ERR(lipc_sock_connect(addr, 0), EACCES);
	}
	CHECK_ERR(open(o->lockfile, O_RDONLY | O_CLOEXEC), EACCES);
	CHECK_ERR(open(o->lockfile, O_WRONLY | O_CLOEXEC), EACCES);
	CHECK_ERR(mq_open(o->mq, O_RDONLY), EACCES);
	CHECK_ERR(mq_open(o->mq, O_WRONLY), EACCES);
	CHECK_ERR(lipc_msgq_sysv_open(o->sysv_mq, LIPC_RECV, 0, 0), EACCES);
	CHECK_ERR(lipc_msgq_sysv_open(o->sysv_mq, LIPC_SEND, 0, 0), EACCES);
	CHECK(lipc_sem_open(o->sem, 0, 0, 0) == NULL && errno == EACCES);
	CHECK_ERR(semget(o->sysv_sem, 0, 0400), EACCES);
	CHECK_ERR(semget(o->sysv_sem, 0, 0200), EACCES);
	CHECK_ERR(shm_open(o->shm, O_RDONLY, 0), EACCES);
	CHECK_ERR(shmget(o->sysv_shm, 0, 0400), EACCES);
	CHECK_ERR(shmget(o->sysv_shm, 0, 0200), EACCES);
	CHECK(lipc_ring_open(o->ring, LIPC_SEND, 0, 0, 0) == NULL && errno == EACCES);
	CHECK(lipc_ring_open(o->ring, LIPC_RECV, 0, 0, 0) == NULL && errno == EACCES);
	snprintf(path, sizeof(path), "/dev/shm%s", o->ring);
	CHECK_ERR(open(path, O_RDONLY | O_CLOEXEC), EACCES);
}

static void default_modes_under(mode_t mask)
{
	struct lipc_chan_opts opts = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *fifo, *socks[3], *mq, *sysv_mq;
	struct lipc_sem *sem, *sysv_sem;
	struct lipc_shm shm = LIPC_SHM_INIT, sysv_shm = LIPC_SHM_INIT;
	struct lipc_ring *ring;
	struct objects o;
	char addr[PATH_MAX + 32], n[200];
	struct check_cmd c;
	struct stat st;
	mode_t old = umask(mask);
	pid_t pid;

	memset(&o, 0, sizeof(o));
	opts.timeout_ms = 0;
	in_shared_dir(o.fifo, sizeof(o.fifo), "fifo");
	snprintf(addr, sizeof(addr), "fifo:%s", o.fifo);
	fifo = lipc_chan_open(addr, LIPC_RECV, &opts);
	CHECK(fifo != NULL);
	for (int i = 0; i < 3; i++) {
		in_shared_dir(o.sock[i], sizeof(o.sock[i]), sock_schemes[i]);
		snprintf(addr, sizeof(addr), "%s:%s", sock_schemes[i], o.sock[i]);
		socks[i] = lipc_chan_open(addr, LIPC_RECV, &opts);
		CHECK(socks[i] != NULL);
	}
	in_shared_dir(o.lockfile, sizeof(o.lockfile), "lock");
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", o.lockfile, "true")), 0);
	check_cmd_free(&c);

	snprintf(o.mq, sizeof(o.mq), "/%s", check_name(n, sizeof(n), "mq"));
	snprintf(addr, sizeof(addr), "mq:%s", o.mq);
	mq = lipc_chan_open(addr, LIPC_RECV, &opts);
	CHECK(mq != NULL);
	o.sysv_mq = check_key(1);
	snprintf(addr, sizeof(addr), "sysv-mq:%d", (int)o.sysv_mq);
	sysv_mq = lipc_chan_open(addr, LIPC_RECV, &opts);
	CHECK(sysv_mq != NULL);
	snprintf(o.sem, sizeof(o.sem), "/%s", check_name(n, sizeof(n), "sem"));
	sem = lipc_sem_open(o.sem, LIPC_CREATE | LIPC_EXCL, 0, 1);
	CHECK(sem != NULL);
	o.sysv_sem = check_key(2);
	sysv_sem = lipc_sem_sysv_open(o.sysv_sem, LIPC_CREATE | LIPC_EXCL, 0, 1);
	CHECK(sysv_sem != NULL);
	snprintf(o.shm, sizeof(o.shm), "/%s", check_name(n, sizeof(n), "shm"));
	CHECK_SYS(lipc_shm_open(&shm, o.shm, LIPC_CREATE | LIPC_EXCL, 4096, 0));
	o.sysv_shm = check_key(3);
	CHECK_SYS(lipc_shm_sysv_open(&sysv_shm, o.sysv_shm, LIPC_CREATE | LIPC_EXCL, 4096, 0));
	snprintf(o.ring, sizeof(o.ring), "/%s", check_name(n, sizeof(n), "ring"));
	ring = lipc_ring_open(o.ring, LIPC_RECV, LIPC_CREATE, 0, 0);
	CHECK(ring != NULL);

	/* The bits themselves, then another user's attempts. */
	CHECK_SYS(lstat(o.fifo, &st));
	no_access_bits(o.fifo, st.st_mode);
	for (int i = 0; i < 3; i++) {
		CHECK_SYS(lstat(o.sock[i], &st));
		no_access_bits(o.sock[i], st.st_mode);
	}
	CHECK_SYS(lstat(o.lockfile, &st));
	no_access_bits(o.lockfile, st.st_mode);
	CHECK_SYS(fstat(shm.fd, &st));
	no_access_bits(o.shm, st.st_mode);
	if (check_other_uid()) {
		pid = check_fork();
		if (pid == 0) {
			nobody_gets_in(&o);
			_exit(0);
		}
		CHECK_EQ(check_wait(pid), 0);
	}

	CHECK_SYS(lipc_ring_close(ring));
	CHECK_SYS(lipc_ring_unlink(o.ring));
	CHECK_SYS(lipc_shm_close(&sysv_shm));
	CHECK_SYS(lipc_shm_sysv_unlink(o.sysv_shm));
	CHECK_SYS(lipc_shm_close(&shm));
	CHECK_SYS(lipc_shm_unlink(o.shm));
	CHECK_SYS(lipc_sem_close(sysv_sem));
	CHECK_SYS(lipc_sem_sysv_unlink(o.sysv_sem));
	CHECK_SYS(lipc_sem_close(sem));
	CHECK_SYS(lipc_sem_unlink(o.sem));
	CHECK_SYS(lipc_chan_close(sysv_mq));
	CHECK_SYS(lipc_msgq_sysv_unlink(o.sysv_mq));
	CHECK_SYS(lipc_chan_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(o.mq));
	CHECK_SYS(unlink(o.lockfile));
	for (int i = 0; i < 3; i++)
		CHECK_SYS(lipc_chan_close(socks[i]));
	CHECK_SYS(lipc_chan_close(fifo));
	umask(old);
}

static void default_modes_whatever_the_umask(void)
{
	make_shared_dir();
	default_modes_under(0);
	default_modes_under(022);
	default_modes_under(077);
	rm_shared_dir();
}

/* An exclusive creation is refused a name that nobody made first, open to everyone. */
static void exclusive_creation_refuses_planted_names(void)
{
	char sem[256], shm[256], mq[256], n[200];
	key_t kmsg = check_key(1), ksem = check_key(2), kshm = check_key(3);
	struct lipc_shm s = LIPC_SHM_INIT;
	struct check_cmd c;
	pid_t pid;

	if (!check_other_uid())
		return;
	snprintf(sem, sizeof(sem), "/%s", check_name(n, sizeof(n), "sem"));
	snprintf(shm, sizeof(shm), "/%s", check_name(n, sizeof(n), "shm"));
	snprintf(mq, sizeof(mq), "/%s", check_name(n, sizeof(n), "mq"));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_sem *p, *q;

		check_become_other_uid();
		umask(0);
		p = lipc_sem_open(sem, LIPC_CREATE | LIPC_EXCL, 0666, 1);
		q = lipc_sem_sysv_open(ksem, LIPC_CREATE | LIPC_EXCL, 0666, 1);
		CHECK(p && q);
		CHECK_SYS(lipc_shm_open(&s, shm, LIPC_CREATE | LIPC_EXCL, 4096, 0666));
		CHECK_SYS(lipc_shm_sysv_open(&s, kshm, LIPC_CREATE | LIPC_EXCL, 4096, 0666));
		CHECK_SYS(lipc_msgq_posix_open(mq, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL,
					       0666, 0, 0));
		CHECK_SYS(lipc_msgq_sysv_open(kmsg, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL,
					      0666));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);

	CHECK(lipc_sem_open(sem, LIPC_CREATE | LIPC_EXCL, 0, 1) == NULL && errno == EEXIST);
	CHECK(lipc_sem_sysv_open(ksem, LIPC_CREATE | LIPC_EXCL, 0, 1) == NULL && errno == EEXIST);
	CHECK_ERR(lipc_shm_open(&s, shm, LIPC_CREATE | LIPC_EXCL, 4096, 0), EEXIST);
	CHECK_ERR(lipc_shm_sysv_open(&s, kshm, LIPC_CREATE | LIPC_EXCL, 4096, 0), EEXIST);
	CHECK_ERR(lipc_msgq_posix_open(mq, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0, 0, 0),
		  EEXIST);
	CHECK_ERR(lipc_msgq_sysv_open(kmsg, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0),
		  EEXIST);
	/* The command says so, and leaves the planted objects as they were. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("sem", "create", sem)), 1);
	CHECK_FAILURE(&c, "already exists");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("shm", "create", shm, "4096")), 1);
	CHECK_FAILURE(&c, "exists");
	check_cmd_free(&c);

	CHECK_SYS(lipc_sem_unlink(sem));
	CHECK_SYS(lipc_sem_sysv_unlink(ksem));
	CHECK_SYS(lipc_shm_unlink(shm));
	CHECK_SYS(lipc_shm_sysv_unlink(kshm));
	CHECK_SYS(lipc_msgq_posix_unlink(mq));
	CHECK_SYS(lipc_msgq_sysv_unlink(kmsg));
}

/* A symbolic link planted where a FIFO, a socket or a ring goes is refused, never followed. */
static void planted_symlinks_are_not_followed(void)
{
	struct lipc_chan_opts opts = LIPC_CHAN_OPTS_INIT;
	char link[PATH_MAX], target[PATH_MAX], addr[PATH_MAX + 32], n[200], ring[256];
	char shm_path[PATH_MAX];
	struct check_cmd c;
	struct stat st;

	opts.timeout_ms = 0;
	check_path(link, sizeof(link), "link");
	check_path(target, sizeof(target), "target");
	CHECK_SYS(symlink(target, link));

	/* The target does not exist: nothing may be created through the link. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", link, "true")), 1);
	CHECK_FAILURE(&c, "a symbolic link to nowhere");
	check_cmd_free(&c);
	snprintf(addr, sizeof(addr), "fifo:%s", link);
	CHECK(!lipc_chan_open(addr, LIPC_RECV, &opts) && errno == ELOOP);
	CHECK(!lipc_chan_open(addr, LIPC_SEND, &opts) && errno == ELOOP);
	CHECK_ERR(lipc_fifo_open(link, LIPC_RECV, LIPC_CREATE, 0, 0), ELOOP);
	for (int i = 0; i < 3; i++) {
		snprintf(addr, sizeof(addr), "%s:%s", sock_schemes[i], link);
		CHECK(!lipc_chan_open(addr, LIPC_RECV, &opts) && errno == ELOOP);
	}
	CHECK_ERR(lstat(target, &st), ENOENT);

	/* The target is a real FIFO: it is still not reached through the link. */
	close((int)CHECK_SYS(lipc_fifo_open(target, LIPC_RECV, LIPC_CREATE | LIPC_EXCL, 0, 0)));
	CHECK_ERR(lipc_fifo_open(link, LIPC_RECV, 0, 0, 0), ELOOP);
	snprintf(addr, sizeof(addr), "fifo:%s", link);
	CHECK(!lipc_chan_open(addr, LIPC_RECV, &opts) && errno == ELOOP);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("recv", "-t", "0", addr)), 1);
	CHECK_FAILURE(&c, "symbolic link");
	check_cmd_free(&c);
	CHECK_SYS(unlink(target));

	/* A socket listener does not replace, remove or follow the link either. */
	snprintf(addr, sizeof(addr), "unix:%s", link);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("recv", "-t", "0", addr)), 1);
	CHECK_FAILURE(&c, "symbolic link");
	check_cmd_free(&c);
	CHECK_SYS(lstat(link, &st));
	CHECK(S_ISLNK(st.st_mode));

	/* A link at a ring's name in /dev/shm. */
	snprintf(ring, sizeof(ring), "/%s", check_name(n, sizeof(n), "ring"));
	snprintf(shm_path, sizeof(shm_path), "/dev/shm%s", ring);
	CHECK_SYS(symlink(target, shm_path));
	CHECK(!lipc_ring_open(ring, LIPC_RECV, LIPC_CREATE, 0, 0) && errno == ELOOP);
	CHECK_ERR(lstat(target, &st), ENOENT);
	CHECK_SYS(unlink(shm_path));
	CHECK_SYS(unlink(link));
}

/* --allow-uid: a peer of another user is turned away on every Unix socket type. */
static void allow_uid_turns_others_away(void)
{
	if (!check_other_uid())
		return;
	for (int i = 0; i < 3; i++) {
		struct lipc_chan_opts opts = LIPC_CHAN_OPTS_INIT;
		char addr[300], n[200];
		struct lipc_chan *rx;
		struct lipc_msg m = LIPC_MSG_INIT;

		/* Abstract: reachable by any user, whatever the directories' modes. */
		snprintf(addr, sizeof(addr), "%s:@%s", sock_schemes[i],
			 check_name(n, sizeof(n), sock_schemes[i]));
		opts.flags = LIPC_CHAN_ALLOW_UID | LIPC_CHAN_KEEP;
		opts.allow_uid = getuid();
		opts.timeout_ms = 10000;
		rx = lipc_chan_open(addr, LIPC_RECV, &opts);
		CHECK(rx != NULL);
		for (int who = 0; who < 2; who++) {
			pid_t pid = check_fork();

			if (pid == 0) {
				struct lipc_chan *tx;

				if (who == 0)
					check_become_other_uid();
				tx = lipc_chan_open(addr, LIPC_SEND, NULL);
				CHECK(tx != NULL);
				/* The intruder's send may even succeed: nobody reads it. */
				lipc_chan_send(tx, who ? "friend" : "intruder", who ? 6 : 8);
				lipc_chan_close(tx);
				_exit(0);
			}
			CHECK_EQ(check_wait(pid), 0);
		}
		CHECK_EQ(lipc_chan_recv(rx, &m), 1);
		CHECK(m.len == 6 && !memcmp(m.data, "friend", 6));
		CHECK((m.has & LIPC_MSG_CRED) && m.uid == getuid());
		CHECK_SYS(lipc_chan_set_timeout(rx, 0));
		CHECK(lipc_chan_recv(rx, &m) == -1 && errno == EAGAIN);
		CHECK_SYS(lipc_chan_close(rx));
	}
}

/* tcp::PORT listens on 127.0.0.1 only; every interface must be asked for by name. */
static void tcp_listens_on_loopback_unless_told(void)
{
	static const char *const asked[] = { "tcp::0", "tcp:0.0.0.0:0" };
	static const char *const bound[] = { "tcp:127.0.0.1:", "tcp:0.0.0.0:" };
	struct check_cmd c;

	for (int i = 0; i < 2; i++) {
		struct lipc_chan *rx = lipc_chan_open(asked[i], LIPC_RECV, NULL);
		char where[128];

		CHECK(rx != NULL);
		CHECK_SYS(lipc_chan_address(rx, where, sizeof(where)));
		CHECK(!strncmp(where, bound[i], strlen(bound[i])));
		CHECK_SYS(lipc_chan_close(rx));
	}
	/* The command says where it listens. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("recv", "-v", "-t", "0", "tcp::0")), 1);
	CHECK_CONTAINS(c.err, "lipc: listening on tcp:127.0.0.1:");
	check_cmd_free(&c);
}

/*
 * The attacks of issue 12, each by nobody against root's lipc: they need a run that can switch
 * users (check_other_uid()), and are left out, and reported skipped, where it cannot.
 *
 * A directory of the tests' under /tmp (the test directory may be one that nobody cannot enter),
 * "/tmp/lipc-test-PID-what", made with a mode and an owner (nobody's, where nobody may create,
 * rename and swap entries), and removed with everything in it at exit, even after a failure,
 * never through a link. (Not check_other_uid_dir(): that one is the test user's, and nobody may
 * not write it.)
 */
static char test_trees[8][128];

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_test_trees(void)
{
	for (size_t i = 0; i < sizeof(test_trees) / sizeof(test_trees[0]); i++) {
		/* Entries of any kind, links never followed (FTW_PHYS), the deepest first. */
		if (test_trees[i][0] && getpid() == check_pid)
			nftw(test_trees[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		test_trees[i][0] = '\0';
	}
}

static const char *test_tree(const char *what, mode_t mode, uid_t uid)
{
	static bool registered;
	size_t i = 0;

	while (i < sizeof(test_trees) / sizeof(test_trees[0]) && test_trees[i][0])
		i++;
	CHECK(i < sizeof(test_trees) / sizeof(test_trees[0]));
	snprintf(test_trees[i], sizeof(test_trees[i]), "/tmp/lipc-test-%d-%s", (int)check_pid,
		 what);
	if (!registered) {
		CHECK_SYS(atexit(rm_test_trees));
		registered = true;
	}
	CHECK_SYS(mkdir(test_trees[i], 0700));
	if (uid != geteuid())
		CHECK_SYS(chown(test_trees[i], uid, uid == CHECK_OTHER_UID ? CHECK_OTHER_GID : 0));
	CHECK_SYS(chmod(test_trees[i], mode));
	return test_trees[i];
}

static const char *nobody_dir(const char *what)
{
	return test_tree(what, 0755, CHECK_OTHER_UID);
}

/* Run fn as nobody in a child, and wait for it to succeed. */
static void as_nobody(void (*fn)(void *), void *arg)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		check_become_other_uid();
		umask(0);
		fn(arg);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
}

struct squat {
	char fifo[PATH_MAX], mq[256], addr[4][PATH_MAX + 32];
	key_t key, given_key;
};

static void plant_objects(void *arg)
{
	struct squat *q = arg;
	struct msqid_ds ds;
	int id;

	CHECK_SYS(mkfifo(q->fifo, 0666));
	CHECK_SYS(lipc_msgq_posix_open(q->mq, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0666,
				       0, 0));
	CHECK_SYS(
		lipc_msgq_sysv_open(q->key, LIPC_RECV | LIPC_SEND, LIPC_CREATE | LIPC_EXCL, 0666));
	/* A queue nobody made and then gave to root: its creator may still change or remove it. */
	id = (int)CHECK_SYS(lipc_msgq_sysv_open(q->given_key, LIPC_RECV | LIPC_SEND,
						LIPC_CREATE | LIPC_EXCL, 0666));
	CHECK_SYS(msgctl(id, IPC_STAT, &ds));
	ds.msg_perm.uid = 0;
	CHECK_SYS(msgctl(id, IPC_SET, &ds));
}

/*
 * Attack 1 (and a planted System V key): nobody makes the FIFO, the POSIX queue or the System V
 * queue a root program is about to use, open to all. Root's channel refuses to join each, in
 * the library (EPERM, the owner named) and in the command (one line, status 1), both ways; named
 * with --owner, the same object is joined.
 */
static void squatted_objects_are_not_joined(void)
{
	static const int roles[] = { LIPC_SEND, LIPC_RECV };
	struct lipc_chan_opts opts = LIPC_CHAN_OPTS_INIT;
	struct squat q;
	struct check_cmd c;
	struct lipc_chan *ch;
	struct lipc_msg m = LIPC_MSG_INIT;
	struct lipc_addr a = LIPC_ADDR_INIT;
	char n[200];

	if (!check_other_uid())
		return;
	snprintf(q.fifo, sizeof(q.fifo), "%s/fifo", nobody_dir("squat"));
	snprintf(q.mq, sizeof(q.mq), "/%s", check_name(n, sizeof(n), "mq"));
	q.key = check_key(1);
	q.given_key = check_key(2);
	snprintf(q.addr[0], sizeof(q.addr[0]), "fifo:%s", q.fifo);
	snprintf(q.addr[1], sizeof(q.addr[1]), "mq:%s", q.mq);
	snprintf(q.addr[2], sizeof(q.addr[2]), "sysv-mq:%d", (int)q.key);
	snprintf(q.addr[3], sizeof(q.addr[3]), "sysv-mq:%d", (int)q.given_key);
	as_nobody(plant_objects, &q);

	opts.timeout_ms = 0;
	for (int i = 0; i < 4; i++) {
		for (int r = 0; r < 2; r++) {
			ch = lipc_chan_open(q.addr[i], roles[r], &opts);
			CHECK(ch == NULL);
			CHECK_EQ(errno, EPERM);
			CHECK_SYS(lipc_addr_parse(&a, q.addr[i]));
			CHECK_CONTAINS(lipc_addr_strerror(&a, EPERM), "uid 65534");
			CHECK_CONTAINS(lipc_addr_strerror(&a, EPERM), "0666");
			check_cmd_run(&c, NULL,
				      r == 0 ? LIPC_ARGV("send", "-t", "0", q.addr[i], "secret")
					     : LIPC_ARGV("recv", "-t", "0", q.addr[i]));
			CHECK_FAILURE(&c,
				      i == 3 ? "created by uid 65534 (mode 0666), not by this user"
					     : "owned by uid 65534 (mode 0666), not by this user "
					       "or root");
			CHECK_CONTAINS(c.err, "--owner");
			check_cmd_free(&c);
		}
	}
	/* Named, the owner is trusted: the queues are joined and carry the message. */
	for (int i = 1; i < 3; i++) {
		CHECK_EQ(check_cmd_run(&c, NULL,
				       LIPC_ARGV("send", "--owner", "65534", q.addr[i], "hello")),
			 0);
		check_cmd_free(&c);
		CHECK_EQ(
			check_cmd_run(&c, NULL,
				      LIPC_ARGV("recv", "--owner", "nobody", "-n", "1", q.addr[i])),
			0);
		CHECK_STR(c.out, "hello\n");
		check_cmd_free(&c);
	}
	opts.flags = LIPC_CHAN_OWNER;
	opts.owner = CHECK_OTHER_UID;
	ch = lipc_chan_open(q.addr[1], LIPC_RECV, &opts);
	CHECK(ch != NULL);
	CHECK(lipc_chan_recv(ch, &m) == -1 && errno == EAGAIN);
	CHECK_SYS(lipc_chan_close(ch));
	/* The queue given to root is still its creator's: trusting root is not enough. */
	opts.owner = 0;
	CHECK(lipc_chan_open(q.addr[3], LIPC_SEND, &opts) == NULL && errno == EPERM);

	CHECK_SYS(unlink(q.fifo));
	CHECK_SYS(lipc_msgq_posix_unlink(q.mq));
	CHECK_SYS(lipc_msgq_sysv_unlink(q.key));
	CHECK_SYS(lipc_msgq_sysv_unlink(q.given_key));
}

/* Swap dir for a symbolic link to target, keeping dir's old self as dir.old (as nobody). */
struct swap {
	const char *dir, *target;
};

static void swap_dir_for_link(void *arg)
{
	const struct swap *w = arg;
	char old[PATH_MAX];

	snprintf(old, sizeof(old), "%s.old", w->dir);
	CHECK_SYS(rename(w->dir, old));
	CHECK_SYS(symlink(w->target, w->dir));
}

/*
 * Attack 5 for FIFOs: root's lipc recv made DIR/d/fifo (DIR and d are nobody's); held at the
 * removal at close, it sees nobody swap d for a link to a root-only directory holding a FIFO of
 * the same name. The removal happens in the directory the channel looked at, never through the
 * link: the root-only FIFO stays. Then the same for the removal by the signal handler.
 */
static void fifo_removal_stays_in_its_directory(void)
{
	char base[128], d[136], fifo[144], addr[152], target[144], victim[160], old[160];
	struct swap w = { d, target };
	struct check_cmd c;
	struct stat st;

	if (!check_other_uid())
		return;
	for (int round = 0; round < 2; round++) {
		snprintf(base, sizeof(base), "%s", nobody_dir(round ? "fifo-sig" : "fifo-close"));
		snprintf(d, sizeof(d), "%s/d", base);
		snprintf(fifo, sizeof(fifo), "%s/fifo", d);
		snprintf(addr, sizeof(addr), "fifo:%s", fifo);
		/* A root-only FIFO named like root's: what nobody would like root to remove. */
		snprintf(target, sizeof(target), "%s",
			 test_tree(round ? "sig-root" : "close-root", 0755, 0));
		snprintf(victim, sizeof(victim), "%s/fifo", target);
		CHECK_SYS(mkfifo(victim, 0600));
		snprintf(old, sizeof(old), "%s.old/fifo", d);
		CHECK_SYS(mkdir(d, 0755));
		CHECK_SYS(chown(d, CHECK_OTHER_UID, CHECK_OTHER_UID));
		if (round == 0) {
			/* No writer: the FIFO ends at once, and the receiver removes it. */
			check_cmd_start_traced(&c, NULL, LIPC_ARGV("recv", "-t", "0", addr));
		} else {
			/* Waiting for a writer when SIGTERM comes: the handler removes it. */
			check_cmd_start_traced(&c, NULL, LIPC_ARGV("recv", addr));
			do
				check_traced_until(&c, CHECK_SYSCALLS(SYS_openat), 1, false);
			while (access(fifo, F_OK) != 0);
			/*
			 * That openat pins the new FIFO; the handler is set up next, then the
			 * FIFO is opened for reading, which waits: the signal ends the wait.
			 */
			check_traced_until(&c, CHECK_SYSCALLS(SYS_openat), 1, false);
			CHECK_SYS(kill(c.pid, SIGTERM));
		}
		check_traced_until(&c, CHECK_SYSCALLS(SYS_unlink, SYS_unlinkat), 1, false);
		as_nobody(swap_dir_for_link, &w);
		check_traced_go(&c);
		/* With no writer, -t 0 finds no message (status 1); the signal ends the other. */
		if (check_cmd_wait(&c) != (round ? 128 + SIGTERM : 1))
			check_fail(__FILE__, __LINE__, "lipc recv: status %d, stderr: %s", c.status,
				   c.err);
		check_cmd_free(&c);
		CHECK_SYS(lstat(victim, &st));
		CHECK(S_ISFIFO(st.st_mode));
		CHECK_ERR(lstat(old, &st), ENOENT);
		CHECK_SYS(unlink(victim));
	}
	rm_test_trees();
}

/*
 * Attacks 6 to 8 of issue 12: what root's lipc shows and removes, when nobody has named the
 * objects. Nobody works in a directory of its own under /tmp (any checkout's test directory may
 * be closed to it), removed at exit even when a check fails.
 */

/* Nobody's own directory for these attacks: "/tmp/lipc-test-PID-nobody". */
static const char *nobody_dir_path;

static const char *nobody_home(void)
{
	nobody_dir_path = nobody_dir("nobody");
	return nobody_dir_path;
}

/*
 * A child that runs fn as nobody, then holds what it made until the parent closes *hold (so that
 * no sleep decides when it is done): its pid, once fn has returned.
 */
static pid_t nobody_holds(void (*fn)(const char *), const char *arg, int *hold)
{
	int ready[2], held[2];
	char c;
	pid_t pid;

	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(held, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		close(ready[0]);
		close(held[1]);
		check_become_other_uid();
		fn(arg);
		CHECK_EQ(write(ready[1], "!", 1), 1);
		while (read(held[0], &c, 1) != 0) /* until the parent closes its end */
			;
		_exit(0);
	}
	close(ready[1]);
	close(held[0]);
	CHECK_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*hold = held[1];
	return pid;
}

/* A listener at path, in directories made as needed below nobody's. */
static void bind_listener(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)];
	int fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));

	CHECK(strlen(path) < sizeof(sun.sun_path));
	for (const char *slash = path + strlen(nobody_dir_path);
	     (slash = strchr(slash + 1, '/'));) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		CHECK_SYS(mkdir(dir, 0700));
	}
	memcpy(sun.sun_path, path, strlen(path));
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	CHECK_SYS(listen(fd, 1));
}

/* How many lines of text are exactly line. */
static int lines_equal(const char *text, const char *line)
{
	size_t len = strlen(line);
	int n = 0;

	for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
		n += !strncmp(p, line, len) && p[len] == '\n';
		if (!strchr(p, '\n'))
			break;
	}
	return n;
}

/*
 * Attack 6: nobody binds a socket whose name holds a newline and then a line in the form of
 * /proc/net/unix, claiming a listening socket with the inode of one of root's. lipc ls shows
 * nobody's socket once, by its whole name escaped, and no socket that does not exist.
 */
static void ls_shows_no_forged_socket(void)
{
	char real[PATH_MAX], addr[PATH_MAX + 8], forged[64], path[108 + 64], want[4 * 108 + 64];
	const char *dir;
	struct check_cmd c;
	struct stat st;
	int listener, hold;
	pid_t pid;

	if (!check_other_uid())
		return;
	dir = nobody_home();
	check_path(real, sizeof(real), "real");
	snprintf(addr, sizeof(addr), "unix:%s", real);
	listener = (int)CHECK_SYS(lipc_sock_listen(addr, 0));
	CHECK_SYS(fstat(listener, &st)); /* the socket's inode: "socket:[INODE]" */
	snprintf(forged, sizeof(forged), "/run/lipc-test-%d-forged", (int)check_pid);
	/* Num RefCount Protocol Flags (__SO_ACCEPTCON) Type St Inode Path: what the old parser
	 * took for a socket's line. Its slashes make directories of nobody's. */
	snprintf(path, sizeof(path), "%s/x\n0: 2 0 10000 1 1 %lu %s", dir, (unsigned long)st.st_ino,
		 forged);
	CHECK(strlen(path) < 108);
	pid = nobody_holds(bind_listener, path, &hold);

	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("ls", "--type", "unix", "--no-headings", "-o", "name")),
		 0);
	snprintf(want, sizeof(want), "unix:%s/x\\x0a0: 2 0 10000 1 1 %lu %s", dir,
		 (unsigned long)st.st_ino, forged);
	CHECK_EQ(lines_equal(c.out, want), 1);
	snprintf(want, sizeof(want), "unix:%s", forged);
	CHECK_EQ(lines_equal(c.out, want), 0);
	/* Every line that names the forged path is nobody's socket, escaped. */
	for (const char *p = c.out; (p = strstr(p, forged)); p++) {
		const char *line = p;

		while (line > c.out && line[-1] != '\n')
			line--;
		CHECK(!strncmp(line, "unix:/tmp/", 10) && strstr(line, "/x\\x0a0: 2 0 ") != NULL);
	}
	CHECK_STR(c.err, "");
	check_cmd_free(&c);

	close(hold);
	CHECK_EQ(check_wait(pid), 0);
	rm_test_trees();
	close(listener);
	CHECK_SYS(lipc_sock_unlink(addr));
}

static void hold_lock_as_pwned(const char *file)
{
	int fd = (int)CHECK_SYS(open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644));

	CHECK_SYS(flock(fd, LOCK_EX));
	/* OSC 0 (set the window title), then BEL: 10 bytes, within comm's 15. */
	CHECK_SYS(prctl(PR_SET_NAME, "\033]0;pwned\007", 0, 0, 0));
}

/*
 * Attack 7: nobody names its process with a terminal escape sequence and holds a lock; root's
 * lipc lock --status shows the name escaped, never the raw bytes.
 */
static void lock_status_escapes_command_names(void)
{
	char file[PATH_MAX];
	struct check_cmd c;
	int hold;
	pid_t pid;

	if (!check_other_uid())
		return;
	snprintf(file, sizeof(file), "%s/lock", nobody_home());
	pid = nobody_holds(hold_lock_as_pwned, file, &hold);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "--status", file)), 0);
	CHECK(!strchr(c.out, '\033') && !strchr(c.out, '\007'));
	CHECK_CONTAINS(c.out, " holds ");
	CHECK_CONTAINS(c.out, " \\x1b]0;pwned\\x07\n");
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
	close(hold);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(unlink(file));
	rm_test_trees();
}

static char rm_target[PATH_MAX];

static void plant_links(const char *links)
{
	/* links: the two paths, one after the other's NUL. */
	CHECK_SYS(symlink(rm_target, links));
	CHECK_SYS(symlink(rm_target, links + strlen(links) + 1));
}

/*
 * Attack 8: nobody plants symbolic links in /dev/shm at a shared memory object's and a
 * semaphore's names; root's lipc rm refuses both, in one line each, and leaves links and target.
 */
static void rm_refuses_planted_links(void)
{
	char n[128], links[2 * 160], *sem_link, addr[2][160];
	struct check_cmd c;
	struct stat st;
	int hold, fd;
	pid_t pid;

	if (!check_other_uid())
		return;
	(void)nobody_home();
	check_path(rm_target, sizeof(rm_target), "target");
	fd = (int)CHECK_SYS(open(rm_target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
	CHECK_EQ(write(fd, "root's", 6), 6);
	close(fd);
	snprintf(addr[0], sizeof(addr[0]), "/%s", check_name(n, sizeof(n), "x"));
	snprintf(links, sizeof(links), "/dev/shm%s", addr[0]);
	sem_link = links + strlen(links) + 1;
	snprintf(addr[1], sizeof(addr[1]), "sem:/%s", check_name(n, sizeof(n), "y"));
	snprintf(sem_link, sizeof(links) - (size_t)(sem_link - links), "/dev/shm/sem.%s", n);
	pid = nobody_holds(plant_links, links, &hold);
	close(hold);
	CHECK_EQ(check_wait(pid), 0);

	for (int i = 0; i < 2; i++) {
		const char *link = i ? sem_link : links;

		check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr[i]));
		CHECK_FAILURE(&c, "it is a symbolic link, which lipc rm never follows");
		check_cmd_free(&c);
		CHECK_SYS(lstat(link, &st));
		CHECK(S_ISLNK(st.st_mode) && st.st_uid == CHECK_OTHER_UID);
	}
	CHECK_SYS(stat(rm_target, &st));
	CHECK(S_ISREG(st.st_mode) && st.st_size == 6);
	CHECK_SYS(unlink(links));
	CHECK_SYS(unlink(sem_link));
	CHECK_SYS(unlink(rm_target));
	rm_test_trees();
}

/*
 * The ring against another user (attacks 1 and 4 of issue 12). nobody's side runs in a process
 * of its own that does what the test asks, one request at a time, through a pair of pipes.
 */
struct nobody {
	pid_t pid;
	int to, from;
};

struct nobody_req {
	char op; /* 'c' create name (mode 0666, capacity a, the ring's mode flag b), 't' truncate
		    it to a bytes, 'l' open it
		    read-only and read-lock [a, a + b) (b 0: to the end), 'u' drop that */
	long long a, b;
	char name[256];
};

static void nobody_serve(int in, int out)
{
	struct nobody_req q;
	int locked = -1;

	check_become_other_uid();
	umask(0);
	while (read(in, &q, sizeof(q)) == (ssize_t)sizeof(q)) {
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
		struct lipc_ring *r;
		char path[PATH_MAX];
		int err = 0, fd;

		snprintf(path, sizeof(path), "/dev/shm%s", q.name);
		switch (q.op) {
		case 'c':
			r = lipc_ring_open(q.name, LIPC_RECV, LIPC_CREATE | (int)q.b, (size_t)q.a,
					   0666);
			err = r ? 0 : errno;
			lipc_ring_close(r);
			break;
		case 't':
			fd = open(path, O_RDWR | O_CLOEXEC);
			err = fd < 0 || ftruncate(fd, (off_t)q.a) < 0 ? errno : 0;
			if (fd >= 0)
				close(fd);
			break;
		case 'l':
			locked = open(path, O_RDONLY | O_CLOEXEC);
			fl.l_start = (off_t)q.a;
			fl.l_len = (off_t)q.b;
			err = locked < 0 || fcntl(locked, F_OFD_SETLK, &fl) < 0 ? errno : 0;
			break;
		case 'u':
			close(locked);
			locked = -1;
			break;
		}
		CHECK_EQ(write(out, &err, sizeof(err)), sizeof(err));
	}
	_exit(0);
}

static void nobody_start(struct nobody *nb)
{
	int to[2], from[2];

	CHECK_SYS(pipe2(to, O_CLOEXEC));
	CHECK_SYS(pipe2(from, O_CLOEXEC));
	nb->pid = check_fork();
	if (nb->pid == 0) {
		close(to[1]);
		close(from[0]);
		nobody_serve(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	nb->to = to[1];
	nb->from = from[0];
}

/* Ask nobody's process to do op; returns the errno it met, 0 for success. */
static int nobody_do(struct nobody *nb, char op, const char *name, long long a, long long b)
{
	struct nobody_req q = { .op = op, .a = a, .b = b };
	int err;

	snprintf(q.name, sizeof(q.name), "%s", name);
	CHECK_EQ(write(nb->to, &q, sizeof(q)), sizeof(q));
	CHECK_EQ(read(nb->from, &err, sizeof(err)), sizeof(err));
	return err;
}

static void nobody_stop(struct nobody *nb)
{
	close(nb->to);
	CHECK_EQ(check_wait(nb->pid), 0);
	close(nb->from);
}

/* What the library says of err, the last failure of this thread, as the channel words it. */
static const char *ring_why(int err)
{
	struct lipc_addr a = LIPC_ADDR_INIT;

	CHECK_SYS(lipc_addr_parse(&a, "shm:/x"));
	return lipc_addr_strerror(&a, err);
}

/*
 * Attack 1, squatting: nobody makes shm:/NAME first, open to everyone. Root's sender and
 * receiver refuse to join it, in one line that names the owner and the mode, and write nothing
 * to it; told to trust that owner (--owner, lipc_ring_join), they join.
 */
static void squatted_ring_is_refused(void)
{
	const char *want = "owned by uid 65534 (mode 0666), not by this user or root: not joined";
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	char ring[256], n[200], addr[300];
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	struct lipc_ring *r;
	struct nobody nb;
	struct check_cmd c;

	if (!check_other_uid())
		return;
	snprintf(ring, sizeof(ring), "/%s", check_name(n, sizeof(n), "ring"));
	snprintf(addr, sizeof(addr), "shm:%s", ring);
	nobody_start(&nb);
	CHECK_EQ(nobody_do(&nb, 'c', ring, 4096, 0), 0);
	nobody_stop(&nb);

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("send", addr, "secret")), 1);
	CHECK_FAILURE(&c, want);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("recv", "-t", "0", addr)), 1);
	CHECK_FAILURE(&c, want);
	check_cmd_free(&c);
	CHECK(!lipc_ring_open(ring, LIPC_SEND, LIPC_CREATE, 0, 0) && errno == EPERM);
	CHECK_CONTAINS(ring_why(EPERM), want);
	CHECK(!lipc_ring_open(ring, LIPC_RECV, 0, 0, 0) && errno == EPERM);
	o.timeout_ms = 0;
	CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == EPERM);
	CHECK_CONTAINS(ring_why(EPERM), want);
	CHECK_SYS(lipc_ring_stat(ring, &st));
	CHECK_EQ(st.used, 0); /* the secret never went in */

	/* On purpose. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("send", "--owner", "65534", addr, "hello")), 0);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("recv", "--owner", "65534", "-n", "1", addr)),
		 0);
	CHECK_STR(c.out, "hello\n");
	check_cmd_free(&c);
	r = lipc_ring_join(ring, LIPC_RECV, 0, 0, 0, 65534);
	CHECK(r != NULL);
	CHECK_SYS(lipc_ring_close(r));
	CHECK_SYS(lipc_ring_unlink(ring));
}

/*
 * Squatting, in every mode with slots: nobody makes the ring first, open to everyone, in the
 * mode root's programs expect. Root refuses to join it with the mode's flag or without, in
 * either role, until told to trust nobody; joined so, the ring is guarded, and nobody's
 * truncation is EPROTO for root's consumer and producer, never SIGBUS.
 */
static void squatted_modes_are_refused(void)
{
	static const int flags[] = { LIPC_RING_MULTI, LIPC_RING_PUBLISH, LIPC_RING_LOSSY };
	const char *want = "owned by uid 65534 (mode 0666), not by this user or root: not joined";
	char ring[256], n[200], buf[16];
	struct lipc_ring *p, *c;
	struct nobody nb;
	size_t len;

	if (!check_other_uid())
		return;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(ring, sizeof(ring), "/%s", check_name(n, sizeof(n), "ring"));
		nobody_start(&nb);
		CHECK_EQ(nobody_do(&nb, 'c', ring, 4096, flags[i]), 0);
		for (int f = 0; f < 2; f++) {
			errno = 0;
			CHECK(!lipc_ring_open(ring, LIPC_SEND, LIPC_CREATE | (f ? flags[i] : 0), 0,
					      0) &&
			      errno == EPERM);
			CHECK_CONTAINS(ring_why(EPERM), want);
			errno = 0;
			CHECK(!lipc_ring_open(ring, LIPC_RECV, f ? flags[i] : 0, 0, 0) &&
			      errno == EPERM);
		}
		c = lipc_ring_join(ring, LIPC_RECV, flags[i], 0, 0, 65534);
		CHECK(c != NULL);
		p = lipc_ring_join(ring, LIPC_SEND, 0, 0, 0, 65534);
		CHECK(p != NULL);
		CHECK_SYS(lipc_ring_push(p, "hello", 5, 0));
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), 1);
		CHECK_EQ(len, 5);
		CHECK_EQ(nobody_do(&nb, 't', ring, 4096, 0), 0);
		CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, 0), EPROTO);
		CHECK_CONTAINS(ring_why(EPROTO), "the ring was truncated by another process");
		CHECK_ERR(lipc_ring_push(p, "again", 5, 0), EPROTO);
		CHECK_SYS(lipc_ring_close(p));
		CHECK_SYS(lipc_ring_close(c));
		nobody_stop(&nb);
		CHECK_SYS(lipc_ring_unlink(ring));
	}
}

#define TRUNC_CAP ((size_t)64 * 1024)

/* Root's consumer: holds a record in the ring's far half, reads it after the truncation. */
static void truncated_consumer(const char *ring, int ready, int go)
{
	static unsigned char buf[1000];
	struct lipc_ring *c = lipc_ring_join(ring, LIPC_RECV, 0, 0, 0, 65534);
	const volatile unsigned char *rec;
	const void *p;
	unsigned sum = 0;
	size_t len;
	char b = 0;

	CHECK(c != NULL);
	for (int i = 0; i < 33; i++) /* 33 records of 1024 bytes: past the half */
		CHECK_EQ(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), 1);
	CHECK_EQ(lipc_ring_peek(c, &p, &len, -1), 1);
	CHECK_EQ(write(ready, &b, 1), 1);
	CHECK_EQ(read(go, &b, 1), 0);
	rec = p;
	for (size_t i = 0; i < len; i++) /* no SIGBUS: zeros */
		sum += rec[i];
	CHECK_EQ(sum, 0);
	CHECK_ERR(lipc_ring_release(c), EPROTO);
	CHECK_CONTAINS(ring_why(EPROTO), "the ring was truncated by another process");
	CHECK_ERR(lipc_ring_pop(c, buf, sizeof(buf), &len, -1), EPROTO);
	CHECK_SYS(lipc_ring_close(c));
}

/* Root's producer: blocked on a full ring (blocked), or pushing after the truncation. */
static void truncated_producer(const char *ring, int ready, int go, bool blocked)
{
	static unsigned char buf[1000];
	struct lipc_ring *p = lipc_ring_join(ring, LIPC_SEND, 0, 0, 0, 65534);
	char b = 0;
	int ret;

	CHECK(p != NULL);
	memset(buf, 0x5a, sizeof(buf));
	for (int i = 0; i < 34; i++)
		CHECK_SYS(lipc_ring_push(p, buf, sizeof(buf), -1));
	CHECK_EQ(write(ready, &b, 1), 1);
	if (blocked) {
		while ((ret = lipc_ring_push(p, buf, sizeof(buf), -1)) == 0)
			;
	} else {
		CHECK_EQ(read(go, &b, 1), 0);
		ret = lipc_ring_push(p, buf, sizeof(buf), -1);
	}
	CHECK_EQ(ret, -1);
	CHECK_EQ(errno, EPROTO);
	CHECK_CONTAINS(ring_why(EPROTO), "the ring was truncated by another process");
	CHECK_SYS(lipc_ring_close(p));
}

/* nobody truncates its ring to size under root's producer and consumer, both attached. */
static void truncate_under_root(struct nobody *nb, const char *what, long long size, bool blocked)
{
	char ring[256], n[200], b;
	int ready[2], go[2];
	pid_t pc, pp;

	snprintf(ring, sizeof(ring), "/%s", check_name(n, sizeof(n), what));
	CHECK_EQ(nobody_do(nb, 'c', ring, (long long)TRUNC_CAP, 0), 0);
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(go, O_CLOEXEC));
	pc = check_fork();
	if (pc == 0) {
		close(go[1]);
		truncated_consumer(ring, ready[1], go[0]);
		_exit(0);
	}
	pp = check_fork();
	if (pp == 0) {
		close(go[1]);
		truncated_producer(ring, ready[1], go[0], blocked);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	CHECK_EQ(read(ready[0], &b, 1), 1);
	CHECK_EQ(read(ready[0], &b, 1), 1);
	CHECK_EQ(nobody_do(nb, 't', ring, size, 0), 0);
	close(go[1]);
	CHECK_EQ(check_wait(pc), 0); /* 128 + SIGBUS: killed */
	CHECK_EQ(check_wait(pp), 0);
	close(ready[0]);
	CHECK_SYS(lipc_ring_unlink(ring));
}

/* lipc recv or send joins nobody's ring on purpose and waits in it; nobody truncates it. */
static void truncate_under_command(struct nobody *nb, const char *what, bool send)
{
	char ring[256], n[200], addr[300], *input = NULL;
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	struct check_cmd c;

	snprintf(ring, sizeof(ring), "/%s", check_name(n, sizeof(n), what));
	snprintf(addr, sizeof(addr), "shm:%s", ring);
	CHECK_EQ(nobody_do(nb, 'c', ring, 4096, 0), 0);
	if (send) { /* more than the ring holds, and nobody reads: the sender waits for room */
		input = malloc(100 * 64 + 1);
		CHECK(input != NULL);
		for (int i = 0; i < 100; i++)
			snprintf(input + i * 64, 65, "%063d\n", i);
	}
	check_cmd_start_traced(&c, input,
			       send ? LIPC_ARGV("send", "--owner", "65534", addr)
				    : LIPC_ARGV("recv", "--owner", "65534", addr));
	/*
	 * Held as it goes to sleep in the ring, then the pages go. (A futex call before it has
	 * attached, a runtime's, is let go: held anywhere after that, it must fail the same way.)
	 */
	do
		check_traced_until(&c, CHECK_SYSCALLS(SYS_futex), 1, false);
	while (lipc_ring_stat(ring, &st) < 0 || !(send ? st.producer : st.consumer));
	CHECK_EQ(nobody_do(nb, 't', ring, 0, 0), 0);
	check_traced_go(&c);
	CHECK_EQ(check_cmd_wait(&c), 1); /* 128 + SIGBUS (135): killed */
	CHECK_FAILURE(&c, "the ring was truncated by another process");
	check_cmd_free(&c);
	free(input);
	CHECK_SYS(lipc_ring_unlink(ring));
}

/*
 * Attack 1, truncating: a ring of nobody's joined on purpose is truncated by nobody, whole or
 * through its data, while root's producer and consumer are attached and busy: each gets an
 * error (EPROTO, "truncated"), never SIGBUS, and a record held in place reads as zeros.
 */
static void truncated_ring_is_an_error(void)
{
	struct nobody nb;

	if (!check_other_uid())
		return;
	nobody_start(&nb);
	truncate_under_root(&nb, "ring-whole", 0, true);
	truncate_under_root(&nb, "ring-data", 4096 + (long long)TRUNC_CAP / 2, false);
	truncate_under_command(&nb, "ring-recv", false);
	truncate_under_command(&nb, "ring-send", true);
	nobody_stop(&nb);
}

/*
 * Attack 4, read access: nobody takes read locks on the lock bytes of root's ring. A ring that
 * LinuxIPC made, whatever mode was asked, cannot be opened by a user who may not write it; on a
 * ring made elsewhere that nobody may read, the locks neither show a producer or consumer that
 * is not there nor hide the death of one. (They still block attaching: the error says so.)
 */
static void read_access_cannot_fake_liveness(void)
{
	static unsigned char rec[1000];
	char ring[256], n[200], path[PATH_MAX], addr[300];
	struct lipc_ring_stat st = LIPC_RING_STAT_INIT;
	struct lipc_ring *r, *c, *p;
	struct nobody nb;
	struct check_cmd cmd;
	size_t len;
	pid_t pid;

	if (!check_other_uid())
		return;
	snprintf(ring, sizeof(ring), "/%s", check_name(n, sizeof(n), "ring"));
	snprintf(path, sizeof(path), "/dev/shm%s", ring);
	snprintf(addr, sizeof(addr), "shm:%s", ring);
	nobody_start(&nb);
	r = lipc_ring_open(ring, LIPC_RECV, LIPC_CREATE, 4096, 0644);
	CHECK(r != NULL);
	CHECK_SYS(lipc_ring_close(r));
	CHECK_EQ(nobody_do(&nb, 'l', ring, 0, 0), EACCES);
	CHECK_SYS(lipc_ring_stat(ring, &st));
	CHECK(!st.producer && !st.consumer);
	p = lipc_ring_open(ring, LIPC_SEND, 0, 0, 0);
	c = lipc_ring_open(ring, LIPC_RECV, 0, 0, 0);
	CHECK(p && c);
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_close(c));
	CHECK_EQ(nobody_do(&nb, 'u', ring, 0, 0), 0);

	/* Made elsewhere, and readable by others. */
	CHECK_SYS(chmod(path, 0644));
	CHECK_EQ(nobody_do(&nb, 'l', ring, 0, 0), 0); /* the whole file */
	CHECK_SYS(lipc_ring_stat(ring, &st));
	CHECK(!st.producer && !st.consumer);
	CHECK(!lipc_ring_open(ring, LIPC_SEND, 0, 0, 0) && errno == EBUSY);
	CHECK_CONTAINS(ring_why(EBUSY), "a read lock on the ring blocks attaching, not a producer");
	CHECK_EQ(check_cmd_run(&cmd, NULL, LIPC_ARGV("recv", "-t", "0", addr)), 1);
	CHECK_FAILURE(&cmd, "a read lock on the ring blocks attaching, not a consumer (mode 0644");
	check_cmd_free(&cmd);
	CHECK_EQ(nobody_do(&nb, 'u', ring, 0, 0), 0);

	/* Root's producer dies, then nobody locks its byte: root's consumer hears of it. */
	c = lipc_ring_open(ring, LIPC_RECV, 0, 0, 0);
	CHECK(c != NULL);
	pid = check_fork();
	if (pid == 0) {
		p = lipc_ring_open(ring, LIPC_SEND, 0, 0, 0);
		CHECK(p != NULL);
		CHECK_SYS(lipc_ring_push(p, rec, sizeof(rec), 0));
		raise(SIGKILL);
	}
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_EQ(nobody_do(&nb, 'l', ring, 0, 1), 0);
	CHECK_SYS(lipc_ring_stat(ring, &st));
	CHECK(!st.producer && st.consumer);
	CHECK_EQ(lipc_ring_pop(c, rec, sizeof(rec), &len, 0), 1);
	CHECK_ERR(lipc_ring_pop(c, rec, sizeof(rec), &len, 10000), ECONNRESET);
	CHECK_SYS(lipc_ring_close(c));
	CHECK_EQ(nobody_do(&nb, 'u', ring, 0, 0), 0);

	/* Root's consumer dies, then nobody locks its byte: root's producer hears of it. */
	p = lipc_ring_open(ring, LIPC_SEND, 0, 0, 0);
	CHECK(p != NULL);
	pid = check_fork();
	if (pid == 0) {
		CHECK(lipc_ring_open(ring, LIPC_RECV, 0, 0, 0) != NULL);
		raise(SIGKILL);
	}
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	CHECK_EQ(nobody_do(&nb, 'l', ring, 1, 1), 0);
	CHECK_SYS(lipc_ring_stat(ring, &st));
	CHECK(st.producer && !st.consumer);
	while (lipc_ring_push(p, rec, sizeof(rec), 10000) == 0)
		;
	CHECK_EQ(errno, EPIPE);
	CHECK_SYS(lipc_ring_close(p));
	nobody_stop(&nb);
	CHECK_SYS(lipc_ring_unlink(ring));
}

/*
 * Sockets against another user: the directories these tests make are test_tree()s, under /tmp
 * (the test directory may be one that nobody cannot enter).
 */

/*
 * Attack 2: a datagram that reached a unix-dgram receiver between its bind() and the moment it
 * asked for credentials was delivered with the kernel's "unknown" ones, pid 0 and uid 65534,
 * and passed --allow-uid 65534 whoever sent it. Root's datagram comes while the receiver stands
 * right after bind(); only nobody's, sent later, may show, with its real pid.
 */
static void sock_dgram_credentials_from_the_start(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 8], addr[PATH_MAX + 32], expected[128];
	struct check_cmd rx;
	mode_t mask;
	int fd, status;
	pid_t pid;

	if (!check_other_uid())
		return;
	snprintf(dir, sizeof(dir), "%s", test_tree("dgram-cred", 0711, 0));
	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(addr, sizeof(addr), "unix-dgram:%s", path);
	mask = umask(0);
	check_cmd_start_traced(
		&rx, NULL,
		LIPC_ARGV("recv", "--allow-uid", "65534", "-v", "-n", "1", "-m", "0666", addr));
	umask(mask);
	check_traced_until(&rx, CHECK_SYSCALLS(SYS_bind), 1, true);
	fd = (int)CHECK_SYS(lipc_sock_connect(addr, 0));
	CHECK_EQ(send(fd, "from root", 9, MSG_NOSIGNAL), 9);
	close(fd);
	check_traced_go(&rx);

	pid = check_fork();
	if (pid == 0) {
		struct lipc_chan *tx;

		check_become_other_uid();
		tx = lipc_chan_open(addr, LIPC_SEND, NULL);
		if (!tx)
			check_fail(__FILE__, __LINE__, "open %s: %s", addr, strerror(errno));
		CHECK_SYS(lipc_chan_send(tx, "from nobody", 11));
		CHECK_SYS(lipc_chan_close(tx));
		_exit(0);
	}
	status = check_wait(pid);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	snprintf(expected, sizeof(expected), "len=11 pid=%d uid=65534 gid=65534\tfrom nobody\n",
		 (int)pid);
	CHECK_STR(rx.out, expected);
	CHECK_EQ(status, 0);
	check_cmd_free(&rx);
}

/*
 * A receiver run by nobody at addr, in a child: it says it listens with a byte on ready, takes
 * one message, which must be expect, and exits. Root's refused senders may connect meanwhile
 * (and go), so it keeps going when a client leaves. Returns its pid.
 */
static pid_t sock_nobody_receiver(const char *addr, const char *expect, int ready)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		struct lipc_chan *rx;
		struct lipc_msg m = LIPC_MSG_INIT;

		check_become_other_uid();
		umask(0);
		o.flags = LIPC_CHAN_KEEP;
		o.mode = 0666;
		rx = lipc_chan_open(addr, LIPC_RECV, &o);
		if (!rx)
			check_fail(__FILE__, __LINE__, "open %s: %s", addr, strerror(errno));
		CHECK_EQ(write(ready, "r", 1), 1);
		CHECK_EQ(lipc_chan_recv(rx, &m), 1);
		CHECK(m.len == strlen(expect) && !memcmp(m.data, expect, m.len));
		CHECK_SYS(lipc_chan_close(rx));
		_exit(0);
	}
	return pid;
}

/*
 * A squatted name: nobody listens on @NAME (or on a path in a directory anyone may write)
 * before root's program starts. Root's `lipc send` is refused on every Unix socket type with
 * one line naming uid 65534, root's `lipc recv` cannot take the name (EADDRINUSE), and with
 * --owner 65534 the send goes through, on purpose.
 */
static void sock_squatted_name_is_refused(void)
{
	char dir[PATH_MAX];

	if (!check_other_uid())
		return;
	snprintf(dir, sizeof(dir), "%s", test_tree("squat", 01777, 0));
	for (int i = 0; i < 4; i++) {
		const char *scheme = sock_schemes[i % 3];
		char addr[PATH_MAX + 32], n[200], byte;
		struct check_cmd c;
		int ready[2];
		pid_t pid;

		if (i < 3)
			snprintf(addr, sizeof(addr), "%s:@%s", scheme,
				 check_name(n, sizeof(n), scheme));
		else
			snprintf(addr, sizeof(addr), "%s:%s/sock", scheme, dir);
		CHECK_SYS(pipe2(ready, O_CLOEXEC));
		pid = sock_nobody_receiver(addr, "on purpose", ready[1]);
		close(ready[1]);
		CHECK_EQ(read(ready[0], &byte, 1), 1);
		close(ready[0]);

		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("send", addr, "secret")), 1);
		CHECK_FAILURE(&c, "the receiver runs as uid 65534, not as this user or root: "
				  "nothing sent");
		check_cmd_free(&c);
		if (i < 3) {
			CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("recv", "-t", "0", addr)), 1);
			CHECK_FAILURE(&c, "a receiver is already listening there");
			check_cmd_free(&c);
		}
		CHECK_EQ(check_cmd_run(&c, NULL,
				       LIPC_ARGV("send", "--owner", "65534", addr, "on purpose")),
			 0);
		CHECK_STR(c.err, "");
		check_cmd_free(&c);
		CHECK_EQ(check_wait(pid), 0);
	}
}

/* A socket file nobody listens on, left at path as by a server that crashed. */
static void sock_make_stale(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));

	CHECK(strlen(path) < sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd);
}

static bool sock_is_socket(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/*
 * Wait until a `lipc recv -v` either says it listens (true) or has exited (false: collected,
 * its output in c->out and c->err).
 */
static bool sock_listening(struct check_cmd *c)
{
	for (;;) {
		char buf[4096];
		ssize_t n = CHECK_SYS(pread(c->err_fd, buf, sizeof(buf) - 1, 0));

		buf[n] = '\0';
		if (strstr(buf, "lipc: listening on "))
			return true;
		if (check_state(c->pid) == 'Z') {
			check_cmd_wait(c);
			return false;
		}
		sched_yield();
	}
}

/* The entries of dir other than . and ..: how many, with the first in first. */
static int sock_entries(const char *dir, char *first, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	CHECK(d != NULL);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n++ == 0)
			snprintf(first, size, "%s", e->d_name);
	closedir(d);
	return n;
}

/* In a child, as nobody, who owns DIR: rename DIR/sub to DIR/old and put a link to to there. */
static void sock_swap_as_nobody(const char *sub, const char *old, const char *to)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		check_become_other_uid();
		CHECK_SYS(rename(sub, old));
		CHECK_SYS(symlink(to, sub));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
}

/* The calls with which a socket file is removed or moved aside. */
#ifdef SYS_unlink
#define SOCK_REMOVALS CHECK_SYSCALLS(SYS_unlink, SYS_unlinkat, SYS_renameat2)
#else
#define SOCK_REMOVALS CHECK_SYSCALLS(SYS_unlinkat, SYS_renameat2)
#endif

/*
 * The directories of attack 5: DIR and DIR/sub belong to nobody (who may rename sub), and root
 * runs a receiver on DIR/sub/sock; another directory only root may enter holds a socket file
 * named sock too, the one nobody wants root to remove.
 */
struct sock_swap {
	char dir[PATH_MAX], sub[PATH_MAX + 8], old[PATH_MAX + 8], sock[PATH_MAX + 16];
	char addr[PATH_MAX + 32], root_dir[PATH_MAX], root_sock[PATH_MAX + 8];
};

static void sock_swap_setup(struct sock_swap *w, const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-nobody", what);
	snprintf(w->dir, sizeof(w->dir), "%s", test_tree(name, 0755, CHECK_OTHER_UID));
	snprintf(w->sub, sizeof(w->sub), "%s/sub", w->dir);
	snprintf(w->old, sizeof(w->old), "%s/old", w->dir);
	CHECK_SYS(mkdir(w->sub, 0755));
	CHECK_SYS(chown(w->sub, CHECK_OTHER_UID, CHECK_OTHER_UID));
	snprintf(w->sock, sizeof(w->sock), "%s/sock", w->sub);
	snprintf(w->addr, sizeof(w->addr), "unix:%s", w->sock);
	snprintf(name, sizeof(name), "%s-root", what);
	snprintf(w->root_dir, sizeof(w->root_dir), "%s", test_tree(name, 0700, 0));
	snprintf(w->root_sock, sizeof(w->root_sock), "%s/sock", w->root_dir);
	sock_make_stale(w->root_sock);
}

/*
 * Attack 5, at close: root's receiver is held at the entry of its cleanup's unlink while nobody
 * swaps DIR/sub for a link to root's directory. Let go, the receiver removes its own socket
 * file, in the directory it pinned, and root's other file survives.
 */
static void sock_swapped_directory_at_close(void)
{
	struct sock_swap w;
	struct check_cmd rx;
	struct lipc_chan *tx;
	char moved[PATH_MAX + 16];

	if (!check_other_uid())
		return;
	sock_swap_setup(&w, "swap-close");
	check_cmd_start_traced(&rx, NULL, LIPC_ARGV("recv", "-n", "1", w.addr));
	check_traced_until(&rx, CHECK_SYSCALLS(SYS_listen), 1, true);
	tx = lipc_chan_open(w.addr, LIPC_SEND, NULL);
	CHECK(tx != NULL);
	CHECK_SYS(lipc_chan_send(tx, "bye", 3));
	CHECK_SYS(lipc_chan_close(tx));
	check_traced_until(&rx, SOCK_REMOVALS, 1, false);
	sock_swap_as_nobody(w.sub, w.old, w.root_dir);
	check_traced_go(&rx);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_STR(rx.out, "bye\n");
	CHECK(sock_is_socket(w.root_sock));
	snprintf(moved, sizeof(moved), "%s/sock", w.old);
	CHECK(!sock_is_socket(moved)); /* its own, removed where it was */
	check_cmd_free(&rx);
}

/*
 * Attack 5, at start: a stale socket file is at DIR/sub/sock, and root's receiver is held at the
 * entry of the call that would remove it (its probe said stale) while nobody swaps DIR/sub for a
 * link to root's directory. Let go, the receiver takes out the stale file in the directory it
 * pinned, sees that the path leads elsewhere now, and fails; root's other file survives.
 */
static void sock_swapped_directory_at_start(void)
{
	struct sock_swap w;
	struct check_cmd rx;
	char first[256];

	if (!check_other_uid())
		return;
	sock_swap_setup(&w, "swap-start");
	sock_make_stale(w.sock);
	check_cmd_start_traced(&rx, NULL, LIPC_ARGV("recv", "-t", "0", w.addr));
	check_traced_until(&rx, SOCK_REMOVALS, 1, false);
	sock_swap_as_nobody(w.sub, w.old, w.root_dir);
	check_traced_go(&rx);
	check_cmd_wait(&rx);
	CHECK(sock_is_socket(w.root_sock));
	CHECK_FAILURE(&rx, "a directory on the way to the socket was replaced meanwhile");
	/* The stale file went, in the directory pinned, and nothing of ours was left there. */
	CHECK_EQ(sock_entries(w.old, first, sizeof(first)), 0);
	check_cmd_free(&rx);
}

/*
 * Two servers on one stale socket file: the first is held right where it would remove the file
 * it probed stale, while the second starts and gets as far as it can; then the first goes on.
 * Whatever the order, exactly one listens and is the one reached at the path, and the other
 * fails with EADDRINUSE, where the old code's first server removed the second's live name.
 */
static void sock_stale_file_two_servers(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 8], addr[PATH_MAX + 16], first[256];
	struct check_cmd rx[2], tx;
	bool listening[2];

	snprintf(dir, sizeof(dir), "%s", test_tree("stale-two", 0700, geteuid()));
	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	sock_make_stale(path);
	check_cmd_start_traced(&rx[0], NULL, LIPC_ARGV("recv", "-v", "-n", "1", addr));
	check_traced_until(&rx[0], SOCK_REMOVALS, 1, false);
	check_cmd_start(&rx[1], NULL, LIPC_ARGV("recv", "-v", "-n", "1", addr));
	listening[1] = sock_listening(&rx[1]);
	check_traced_go(&rx[0]);
	listening[0] = sock_listening(&rx[0]);
	if (listening[0] == listening[1])
		check_fail(__FILE__, __LINE__, "%s servers listen at %s",
			   listening[0] ? "two" : "no", path);
	CHECK_FAILURE(&rx[!listening[1]], "cannot open ");
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", addr, "to the one")), 0);
	CHECK_EQ(check_cmd_wait(&rx[listening[1]]), 0);
	CHECK_CONTAINS(rx[listening[1]].out, "\tto the one\n");
	CHECK_EQ(sock_entries(dir, first, sizeof(first)), 0);
	check_cmd_free(&tx);
	check_cmd_free(&rx[0]);
	check_cmd_free(&rx[1]);
}

/*
 * Servers started at once on one stale socket file, round after round: processes that wait at
 * one barrier (a pipe's end of file), then all open a receiver. Exactly one listens and is
 * reached at the path, every other fails with EADDRINUSE, and nothing else is left in the
 * directory (no placeholder, no second socket file).
 */
static void sock_stale_file_many_servers(void)
{
	enum {
		SERVERS = 8,
		ROUNDS = 200
	};
	char dir[PATH_MAX], path[PATH_MAX + 8], addr[PATH_MAX + 16], first[256];

	snprintf(dir, sizeof(dir), "%s", test_tree("stale-many", 0700, geteuid()));
	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	for (int round = 0; round < ROUNDS; round++) {
		int go[2], report[SERVERS][2], winner = -1;
		pid_t pids[SERVERS];
		struct lipc_chan *tx;
		char msg[32], got[32];

		sock_make_stale(path);
		CHECK_SYS(pipe2(go, O_CLOEXEC));
		for (int i = 0; i < SERVERS; i++) {
			CHECK_SYS(pipe2(report[i], O_CLOEXEC));
			pids[i] = check_fork();
			if (pids[i] == 0) {
				struct lipc_chan *rx;
				struct lipc_msg m = LIPC_MSG_INIT;
				char byte;
				int err;

				close(go[1]);
				CHECK_EQ(read(go[0], &byte, 1), 0);
				rx = lipc_chan_open(addr, LIPC_RECV, NULL);
				err = rx ? 0 : errno;
				CHECK_EQ(write(report[i][1], &err, sizeof(err)), sizeof(err));
				if (!rx)
					_exit(0);
				CHECK_EQ(lipc_chan_recv(rx, &m), 1);
				CHECK_EQ(write(report[i][1], m.data, m.len), m.len);
				CHECK_SYS(lipc_chan_close(rx));
				_exit(0);
			}
			close(report[i][1]);
		}
		close(go[0]);
		close(go[1]);
		for (int i = 0; i < SERVERS; i++) {
			int err;

			CHECK_EQ(read(report[i][0], &err, sizeof(err)), sizeof(err));
			if (err) {
				if (err != EADDRINUSE)
					check_fail(__FILE__, __LINE__, "round %d: server %d: %s",
						   round, i, strerror(err));
				continue;
			}
			if (winner >= 0)
				check_fail(__FILE__, __LINE__,
					   "round %d: servers %d and %d both listen", round, winner,
					   i);
			winner = i;
		}
		CHECK(winner >= 0);
		CHECK_EQ(sock_entries(dir, first, sizeof(first)), 1);
		CHECK_STR(first, "sock");
		snprintf(msg, sizeof(msg), "round %d", round);
		tx = lipc_chan_open(addr, LIPC_SEND, NULL);
		CHECK(tx != NULL);
		CHECK_SYS(lipc_chan_send(tx, msg, strlen(msg)));
		CHECK_SYS(lipc_chan_close(tx));
		CHECK_EQ(read(report[winner][0], got, sizeof(got)), strlen(msg));
		CHECK(!memcmp(got, msg, strlen(msg)));
		for (int i = 0; i < SERVERS; i++) {
			CHECK_EQ(check_wait(pids[i]), 0);
			close(report[i][0]);
		}
		CHECK_EQ(sock_entries(dir, first, sizeof(first)), 0);
	}
}

/* Wait until a running command has written needle to its standard output; fail if it exits. */
static void sock_wait_out(struct check_cmd *c, const char *needle)
{
	for (;;) {
		char buf[8192];
		ssize_t n = CHECK_SYS(pread(c->out_fd, buf, sizeof(buf) - 1, 0));

		buf[n] = '\0';
		if (strstr(buf, needle))
			return;
		if (check_state(c->pid) == 'Z') {
			check_cmd_wait(c);
			check_fail(__FILE__, __LINE__, "exited (%d) before it printed \"%s\": %s%s",
				   c->status, needle, c->out, c->err);
		}
		sched_yield();
	}
}

/* Start a command with the descriptor limit (ulimit -n) set to files: it inherits it. */
static void sock_start_limited(struct check_cmd *c, rlim_t files, const char *const argv[])
{
	struct rlimit old, low;

	CHECK_SYS(getrlimit(RLIMIT_NOFILE, &old));
	low = old;
	low.rlim_cur = files;
	CHECK(old.rlim_max == RLIM_INFINITY || old.rlim_max >= files);
	CHECK_SYS(setrlimit(RLIMIT_NOFILE, &low));
	check_cmd_start(c, NULL, argv);
	CHECK_SYS(setrlimit(RLIMIT_NOFILE, &old));
}

/*
 * The attacker of attack 3, as nobody: count connections to addr, each sending head and then
 * body (a blocking send, which ends when the receiver has read all but what the kernel buffers,
 * or fails once the receiver has shed the connection). A byte on the pipe ready says they are
 * all made; they are held until the pipe go is closed. Returns its pid.
 */
static pid_t sock_flood(const char *addr, int count, const void *head, size_t head_len,
			const void *body, size_t body_len, const int ready[2], const int go[2])
{
	pid_t pid = check_fork();

	if (pid == 0) {
		char byte;

		close(ready[0]);
		close(go[1]);
		check_become_other_uid();
		for (int i = 0; i < count; i++) {
			int fd = (int)CHECK_SYS(lipc_sock_connect(addr, -1));

			if (head_len && send(fd, head, head_len, MSG_NOSIGNAL) < 0)
				continue; /* shed already */
			if (body_len)
				(void)!send(fd, body, body_len, MSG_NOSIGNAL);
		}
		CHECK_EQ(write(ready[1], "c", 1), 1);
		CHECK_EQ(read(go[0], &byte, 1), 0);
		_exit(0);
	}
	return pid;
}

/*
 * Attack 3, many idle clients: with ulimit -n 64, 80 idle connections made `lipc recv` exit
 * with EMFILE (and the client still pending failed every later accept). Now the newest are
 * shed at the cap (half the limit by default) or, above the limit (--max-clients 1000), when
 * accept() finds no descriptor; a client that was there before is served on, and so is a new
 * one once the flood has gone.
 */
static void sock_idle_flood(void)
{
	if (!check_other_uid())
		return;
	for (int round = 0; round < 2; round++) {
		char addr[PATH_MAX], n[200], byte;
		struct lipc_chan *tx;
		struct check_cmd rx, late;
		int ready[2], go[2];
		pid_t pid;

		snprintf(addr, sizeof(addr), "unix:@%s", check_name(n, sizeof(n), "flood"));
		if (round == 0)
			sock_start_limited(&rx, 64, LIPC_ARGV("recv", "-v", "-k", "-n", "3", addr));
		else
			sock_start_limited(&rx, 64,
					   LIPC_ARGV("recv", "-v", "-k", "-n", "3", "--max-clients",
						     "1000", addr));
		CHECK(sock_listening(&rx));
		tx = lipc_chan_open(addr, LIPC_SEND, NULL);
		CHECK(tx != NULL);
		CHECK_SYS(lipc_chan_send(tx, "before", 6));
		sock_wait_out(&rx, "\tbefore\n");

		CHECK_SYS(pipe2(ready, O_CLOEXEC));
		CHECK_SYS(pipe2(go, O_CLOEXEC));
		pid = sock_flood(addr, 80, NULL, 0, NULL, 0, ready, go);
		close(ready[1]);
		close(go[0]);
		CHECK_EQ(read(ready[0], &byte, 1), 1);
		CHECK_SYS(lipc_chan_send(tx, "after", 5));
		sock_wait_out(&rx, "\tafter\n");
		close(go[1]);
		CHECK_EQ(check_wait(pid), 0);
		close(ready[0]);

		/* The flood has gone: a newcomer is served. */
		CHECK_EQ(check_cmd_run(&late, NULL, LIPC_ARGV("send", addr, "late")), 0);
		check_cmd_free(&late);
		CHECK_EQ(check_cmd_wait(&rx), 0);
		CHECK_CONTAINS(rx.out, "\tlate\n");
		CHECK_SYS(lipc_chan_close(tx));
		check_cmd_free(&rx);
	}
}

/* A process's peak resident memory (VmHWM), in bytes. */
static long long sock_peak_rss(pid_t pid)
{
	char path[64], line[256];
	long long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (kb < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lld kB", &kb) != 1)
			kb = -1;
	fclose(f);
	CHECK(kb >= 0);
	return kb * 1024;
}

/*
 * Attack 3, unfinished frames: 200 connections each holding a 1 MiB frame that never ends grew
 * the receiver by 200 MB. Now the memory held for unfinished messages is bounded in all (for
 * this receiver: 4 messages of 1 MiB and 16 KiB for each of its 512 clients, 12 MiB), the
 * client holding the most is shed beyond, and a client that was there before is served on.
 */
static void sock_unfinished_frames_flood(void)
{
	/* The bound, and room for what the allocator keeps (and AddressSanitizer adds). */
	const long long bound = 12LL << 20, slack = 8LL << 20;
	static const unsigned char head[4] = { 0, 0x10, 0, 0 }; /* a frame of 1 MiB */
	const size_t body_len = (1u << 20) - 1;
	char addr[PATH_MAX], n[200], byte, *body, *asan;
	const char *old_asan = getenv("ASAN_OPTIONS");
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	long long before, after;
	struct lipc_chan *tx;
	struct check_cmd rx;
	int ready[2], go[2];
	pid_t pid;

	if (!check_other_uid())
		return;
	snprintf(addr, sizeof(addr), "unix:@%s", check_name(n, sizeof(n), "frames"));
	/* Freed memory must go back at once, not wait in AddressSanitizer's quarantine. */
	asan = malloc(strlen(old_asan ? old_asan : "") + 32);
	CHECK(asan != NULL);
	sprintf(asan, "%s%squarantine_size_mb=0", old_asan ? old_asan : "",
		old_asan && *old_asan ? ":" : "");
	CHECK_SYS(setenv("ASAN_OPTIONS", asan, 1));
	sock_start_limited(&rx, 1024, LIPC_ARGV("recv", "-v", "-f", "-k", "-n", "2", addr));
	if (old_asan)
		CHECK_SYS(setenv("ASAN_OPTIONS", old_asan, 1));
	else
		CHECK_SYS(unsetenv("ASAN_OPTIONS"));
	free(asan);
	CHECK(sock_listening(&rx));
	o.flags = LIPC_CHAN_FRAMED;
	tx = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(tx != NULL);
	CHECK_SYS(lipc_chan_send(tx, "before", 6));
	sock_wait_out(&rx, "\tbefore\n");
	before = sock_peak_rss(rx.pid);

	body = malloc(body_len);
	CHECK(body != NULL);
	memset(body, 'x', body_len);
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(go, O_CLOEXEC));
	pid = sock_flood(addr, 200, head, sizeof(head), body, body_len, ready, go);
	close(ready[1]);
	close(go[0]);
	CHECK_EQ(read(ready[0], &byte, 1), 1);
	free(body);
	after = sock_peak_rss(rx.pid);
	if (!check_wrapped() && after - before > bound + slack)
		check_fail(__FILE__, __LINE__, "the receiver grew by %lld MiB (bound %lld MiB)",
			   (after - before) >> 20, bound >> 20);
	CHECK_SYS(lipc_chan_send(tx, "after", 5));
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_CONTAINS(rx.out, "\tafter\n");
	close(go[1]);
	CHECK_EQ(check_wait(pid), 0);
	close(ready[0]);
	CHECK_SYS(lipc_chan_close(tx));
	check_cmd_free(&rx);
}

CHECK_MAIN(TEST(default_modes_whatever_the_umask), TEST(exclusive_creation_refuses_planted_names),
	   TEST(planted_symlinks_are_not_followed), TEST(allow_uid_turns_others_away),
	   TEST(tcp_listens_on_loopback_unless_told), TEST(squatted_objects_are_not_joined),
	   TEST(fifo_removal_stays_in_its_directory), TEST(ls_shows_no_forged_socket),
	   TEST(lock_status_escapes_command_names), TEST(rm_refuses_planted_links),
	   TEST(squatted_ring_is_refused), TEST(squatted_modes_are_refused),
	   TEST(truncated_ring_is_an_error), TEST(read_access_cannot_fake_liveness),
	   TEST(sock_dgram_credentials_from_the_start), TEST(sock_squatted_name_is_refused),
	   TEST(sock_swapped_directory_at_close), TEST(sock_swapped_directory_at_start),
	   TEST(sock_stale_file_two_servers), TEST(sock_stale_file_many_servers),
	   TEST(sock_idle_flood), TEST(sock_unfinished_frames_flood))
