/* SPDX-License-Identifier: MIT */
/*
 * File locks: the three kinds' conflicts and lifetimes, timed waits, deadlock detection, holders,
 * and lipc lock as a user runs it, next to util-linux flock(1).
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "lipc/lock.h"

static const enum lipc_lock_kind kinds[] = { LIPC_LOCK_OFD, LIPC_LOCK_POSIX, LIPC_LOCK_FLOCK };
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static char file[PATH_MAX];

static const char *lock_file(void)
{
	return check_path(file, sizeof(file), "lock");
}

static int open_rw(const char *path)
{
	return (int)CHECK_SYS(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
}

static struct lipc_lock lock_of(int fd, enum lipc_lock_kind kind, bool shared, off_t start,
				off_t len)
{
	return (struct lipc_lock){ .struct_size = sizeof(struct lipc_lock),
				   .fd = fd,
				   .kind = kind,
				   .shared = shared,
				   .start = start,
				   .len = len };
}

/* A child that holds a lock (through its own open of the file) until told to let go. */
struct holder {
	pid_t pid;
	int go; /* write a byte here: the holder unlocks and exits 0 */
};

static struct holder hold(const char *path, struct lipc_lock lk)
{
	int ready[2], go[2];
	char c;
	pid_t pid;

	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(go, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		lk.fd = open_rw(path);
		CHECK_EQ(lipc_lock_try_lock(&lk), 1);
		CHECK_EQ(write(ready[1], "r", 1), 1);
		CHECK_EQ(read(go[0], &c, 1), 1);
		CHECK_SYS(lipc_lock_unlock(&lk));
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	CHECK_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return (struct holder){ pid, go[1] };
}

static void let_go(struct holder *h)
{
	CHECK_EQ(write(h->go, "g", 1), 1);
	close(h->go);
	CHECK_EQ(check_wait(h->pid), 0);
}

/* Can another process take this lock now? 1 yes, 0 busy (it opens the file itself). */
static int probe(const char *path, struct lipc_lock lk)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		lk.fd = open_rw(path);
		_exit(lipc_lock_try_lock(&lk) == 1 ? 0 : 1);
	}
	return check_wait(pid) == 0;
}

/* Block until some process waits for a lock on the file: the kernel lists it in /proc/locks. */
static void wait_for_waiter(const char *path)
{
	struct lipc_lock_owner o[16] = { LIPC_LOCK_OWNER_INIT };
	int fd = (int)CHECK_SYS(open(path, O_PATH | O_CLOEXEC));

	for (;;) {
		int n = (int)CHECK_SYS(lipc_lock_list(fd, o, 16));

		for (int i = 0; i < n && i < 16; i++)
			if (o[i].waiting) {
				close(fd);
				return;
			}
		sched_yield();
	}
}

static void shared_and_exclusive(void)
{
	const char *path = lock_file();
	int fd = open_rw(path);

	for (size_t k = 0; k < N_KINDS; k++) {
		struct lipc_lock sh = lock_of(fd, kinds[k], true, 0, 0);
		struct lipc_lock ex = lock_of(fd, kinds[k], false, 0, 0);
		struct holder h = hold(path, sh);

		CHECK_EQ(lipc_lock_try_lock(&sh), 1); /* shared locks coexist */
		CHECK_SYS(lipc_lock_unlock(&sh));
		CHECK_EQ(lipc_lock_try_lock(&ex), 0); /* an exclusive one waits for them */
		let_go(&h);
		CHECK_EQ(lipc_lock_try_lock(&ex), 1);
		CHECK_SYS(lipc_lock_unlock(&ex));

		h = hold(path, ex);
		CHECK_EQ(lipc_lock_try_lock(&sh), 0); /* and excludes every other */
		CHECK_EQ(lipc_lock_try_lock(&ex), 0);
		let_go(&h);
	}
	close(fd);
	CHECK_SYS(unlink(path));
}

static void byte_ranges(void)
{
	const char *path = lock_file();
	int fd = open_rw(path);

	for (size_t k = 0; k < 2; k++) { /* OFD and POSIX: flock has no ranges */
		struct holder h = hold(path, lock_of(-1, kinds[k], false, 0, 10));
		struct lipc_lock next = lock_of(fd, kinds[k], false, 10, 10);
		struct lipc_lock overlap = lock_of(fd, kinds[k], false, 5, 10);
		struct lipc_lock whole = lock_of(fd, kinds[k], false, 0, 0);

		CHECK_EQ(lipc_lock_try_lock(&next), 1); /* disjoint ranges coexist */
		CHECK_EQ(lipc_lock_try_lock(&overlap), 0);
		CHECK_EQ(lipc_lock_try_lock(&whole), 0);
		CHECK_SYS(lipc_lock_unlock(&next));
		let_go(&h);

		/* Length 0 runs to the end of the file, however far it grows. */
		h = hold(path, lock_of(-1, kinds[k], false, 100, 0));
		next = lock_of(fd, kinds[k], false, 1000000, 1);
		CHECK_EQ(lipc_lock_try_lock(&next), 0);
		next = lock_of(fd, kinds[k], false, 0, 100);
		CHECK_EQ(lipc_lock_try_lock(&next), 1);
		CHECK_SYS(lipc_lock_unlock(&next));
		let_go(&h);
	}
	close(fd);
	CHECK_SYS(unlink(path));
}

/* The holder dies by SIGKILL while we wait: the kernel releases its lock and wakes us. */
static void killed_holder_releases(int timeout_ms)
{
	const char *path = lock_file();
	int fd = open_rw(path);

	for (size_t k = 0; k < N_KINDS; k++) {
		struct lipc_lock lk = lock_of(fd, kinds[k], false, 0, 0);
		struct holder h = hold(path, lk);
		pid_t killer = check_fork();

		if (killer == 0) {
			wait_for_waiter(path);
			CHECK_SYS(kill(h.pid, SIGKILL));
			_exit(0);
		}
		CHECK_SYS(lipc_lock_lock(&lk, timeout_ms));
		CHECK_EQ(check_wait(killer), 0);
		CHECK_EQ(check_wait(h.pid), 128 + SIGKILL);
		close(h.go);
		CHECK_EQ(probe(path, lk), 0); /* ours now */
		CHECK_SYS(lipc_lock_unlock(&lk));
	}
	close(fd);
	CHECK_SYS(unlink(path));
}

static void killed_holder_releases_waiter(void)
{
	killed_holder_releases(-1);
}

static void killed_holder_releases_timed_waiter(void)
{
	killed_holder_releases(30000);
}

/* Two POSIX lockers, each holding what the other waits for: the second to wait gets EDEADLK. */
static void posix_deadlock(int timeout_ms)
{
	const char *path = lock_file();
	int fd = open_rw(path), ready[2];
	struct lipc_lock byte0 = lock_of(fd, LIPC_LOCK_POSIX, false, 0, 1);
	struct lipc_lock byte1 = lock_of(fd, LIPC_LOCK_POSIX, false, 1, 1);
	pid_t other;
	char c;

	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_EQ(lipc_lock_try_lock(&byte1), 1); /* we hold byte 1 */
	other = check_fork();
	if (other == 0) {
		struct lipc_lock mine0 = byte0, mine1 = byte1;

		mine0.fd = mine1.fd = open_rw(path);
		CHECK_EQ(lipc_lock_try_lock(&mine0), 1); /* the other holds byte 0 */
		CHECK_EQ(write(ready[1], "r", 1), 1);
		CHECK_SYS(lipc_lock_lock(&mine1, -1)); /* and waits for byte 1 */
		_exit(0);
	}
	close(ready[1]);
	CHECK_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	wait_for_waiter(path);
	CHECK_ERR(lipc_lock_lock(&byte0, timeout_ms), EDEADLK);
	CHECK_SYS(lipc_lock_unlock(&byte1)); /* the other gets byte 1, and exits */
	CHECK_EQ(check_wait(other), 0);
	close(fd);
	CHECK_SYS(unlink(path));
}

static void posix_deadlock_detected(void)
{
	posix_deadlock(-1);
}

static void posix_deadlock_detected_timed(void)
{
	posix_deadlock(30000);
}

/* A POSIX lock vanishes when its process closes ANY descriptor of the file; the others do not. */
static void close_of_another_descriptor(void)
{
	const char *path = lock_file();

	for (size_t k = 0; k < N_KINDS; k++) {
		int fd = open_rw(path);
		struct lipc_lock lk = lock_of(fd, kinds[k], false, 0, 0);

		CHECK_EQ(lipc_lock_try_lock(&lk), 1);
		close(open_rw(path)); /* say, a library reading the same file */
		CHECK_EQ(probe(path, lk), kinds[k] == LIPC_LOCK_POSIX);
		close(fd);
		CHECK_EQ(probe(path, lk), 1); /* the last descriptor's close frees every kind */
	}
	CHECK_SYS(unlink(path));
}

/* A second open() in the same process: POSIX locks never conflict within one process. */
static void same_process_second_open(void)
{
	const char *path = lock_file();

	for (size_t k = 0; k < N_KINDS; k++) {
		int fd = open_rw(path), fd2 = open_rw(path);
		struct lipc_lock lk = lock_of(fd, kinds[k], false, 0, 0);
		struct lipc_lock again = lock_of(fd2, kinds[k], false, 0, 0);

		CHECK_EQ(lipc_lock_try_lock(&lk), 1);
		CHECK_EQ(lipc_lock_try_lock(&again), kinds[k] == LIPC_LOCK_POSIX);
		close(fd2);
		close(fd);
	}
	CHECK_SYS(unlink(path));
}

/*
 * fork(): a child does not inherit a POSIX lock, but shares the OFD and flock locks of the open
 * file description it inherits, so its unlock releases the parent's lock too.
 */
static void fork_and_inheritance(void)
{
	const char *path = lock_file();

	for (size_t k = 0; k < N_KINDS; k++) {
		int fd = open_rw(path);
		struct lipc_lock lk = lock_of(fd, kinds[k], false, 0, 0);
		bool posix = kinds[k] == LIPC_LOCK_POSIX;
		pid_t pid;

		CHECK_EQ(lipc_lock_try_lock(&lk), 1);
		pid = check_fork();
		if (pid == 0) {
			/* Through the inherited descriptor: the lock is its own, or it is not. */
			CHECK_EQ(lipc_lock_try_lock(&lk), posix ? 0 : 1);
			CHECK_SYS(lipc_lock_unlock(&lk));
			_exit(0);
		}
		CHECK_EQ(check_wait(pid), 0);
		CHECK_EQ(probe(path, lk), posix ? 0 : 1);
		close(fd);
	}
	CHECK_SYS(unlink(path));
}

/* The parent closes its descriptor; the OFD and flock locks live on in the child that has it. */
static void lock_outlives_its_taker(void)
{
	const char *path = lock_file();

	for (size_t k = 0; k < N_KINDS; k++) {
		int fd = open_rw(path), go[2];
		struct lipc_lock lk = lock_of(fd, kinds[k], false, 0, 0);
		pid_t pid;
		char c;

		CHECK_SYS(pipe2(go, O_CLOEXEC));
		CHECK_EQ(lipc_lock_try_lock(&lk), 1);
		pid = check_fork();
		if (pid == 0) {
			close(go[1]);
			CHECK_EQ(read(go[0], &c, 1), 0);
			_exit(0);
		}
		close(go[0]);
		close(fd);
		CHECK_EQ(probe(path, lk), kinds[k] == LIPC_LOCK_POSIX);
		close(go[1]); /* the child exits: its descriptor was the last */
		CHECK_EQ(check_wait(pid), 0);
		CHECK_EQ(probe(path, lk), 1);
	}
	CHECK_SYS(unlink(path));
}

static volatile sig_atomic_t sigchld_seen;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_seen++;
}

/*
 * A timed wait runs out with ETIMEDOUT (EAGAIN for 0) and leaves nothing behind: no descriptor,
 * no child.
 */
static void timed_wait_times_out(void)
{
	struct sigaction sa = { .sa_handler = on_sigchld }, before, after;
	const char *path = lock_file();
	int fd = open_rw(path), status;

	CHECK_SYS(sigaction(SIGCHLD, &sa, NULL));
	for (size_t k = 0; k < N_KINDS; k++) {
		struct lipc_lock lk = lock_of(fd, kinds[k], false, 0, 0);
		struct holder h = hold(path, lk);
		int fds = check_open_fds();

		sigchld_seen = 0;
		CHECK_SYS(sigaction(SIGCHLD, NULL, &before));
		CHECK_ERR(lipc_lock_lock(&lk, 0), EAGAIN);
		CHECK_ERR(lipc_lock_lock(&lk, 200), ETIMEDOUT);
		CHECK_SYS(sigaction(SIGCHLD, NULL, &after));
		CHECK(before.sa_handler == after.sa_handler);
		CHECK_EQ(sigchld_seen, 0);
		CHECK_EQ(check_open_fds(), fds);
		/* No helper process is left, reaped or not; and waitpid(-1) never saw one. */
		CHECK_ERR(waitpid(-1, &status, WNOHANG | __WCLONE), ECHILD);
		CHECK_EQ(waitpid(-1, &status, WNOHANG), 0);
		let_go(&h);
	}
	close(fd);
	CHECK_SYS(unlink(path));
}

/* A timed wait is woken by the release, long before its deadline. */
static void timed_wait_gets_the_lock(void)
{
	const char *path = lock_file();
	int fd = open_rw(path);

	for (size_t k = 0; k < N_KINDS; k++) {
		for (int shared = 0; shared < 2; shared++) {
			struct lipc_lock lk = lock_of(fd, kinds[k], shared, 0, 0);
			struct holder h = hold(path, lock_of(-1, kinds[k], false, 0, 0));
			pid_t releaser = check_fork();

			if (releaser == 0) {
				wait_for_waiter(path);
				CHECK_EQ(write(h.go, "g", 1), 1);
				_exit(0);
			}
			close(h.go);
			CHECK_SYS(lipc_lock_lock(&lk, 30000));
			CHECK_EQ(check_wait(releaser), 0);
			CHECK_EQ(check_wait(h.pid), 0);
			CHECK_EQ(probe(path, lock_of(-1, kinds[k], false, 0, 0)), 0);
			CHECK_SYS(lipc_lock_unlock(&lk));
		}
	}
	close(fd);
	CHECK_SYS(unlink(path));
}

static void holders(void)
{
	const char *path = lock_file();
	int fd = open_rw(path);
	struct lipc_lock_owner who = LIPC_LOCK_OWNER_INIT;

	for (size_t k = 0; k < N_KINDS; k++) {
		bool ranged = kinds[k] != LIPC_LOCK_FLOCK;
		struct lipc_lock ex = lock_of(fd, kinds[k], false, 0, 0);
		struct holder h =
			hold(path, lock_of(-1, kinds[k], true, ranged ? 5 : 0, ranged ? 10 : 0));

		CHECK_EQ(lipc_lock_holder(&ex, &who), 1);
		CHECK_EQ(who.kind, kinds[k]);
		CHECK_EQ(who.pid, h.pid); /* for OFD locks, found through /proc/PID/fdinfo */
		CHECK(who.shared);
		CHECK(!who.waiting);
		CHECK_EQ(who.start, ranged ? 5 : 0);
		CHECK_EQ(who.len, ranged ? 10 : 0);
		ex.shared = true; /* a shared lock would not be in the way */
		CHECK_EQ(lipc_lock_holder(&ex, &who), 0);
		let_go(&h);
		ex.shared = false;
		CHECK_EQ(lipc_lock_holder(&ex, &who), 0);
		/* Our own lock is not in our way. */
		CHECK_EQ(lipc_lock_try_lock(&ex), 1);
		CHECK_EQ(lipc_lock_holder(&ex, &who), 0);
		CHECK_SYS(lipc_lock_unlock(&ex));
	}
	close(fd);
	CHECK_SYS(unlink(path));
}

static void list_holders_and_waiters(void)
{
	const char *path = lock_file();
	int fd = open_rw(path);
	struct lipc_lock lk = lock_of(fd, LIPC_LOCK_POSIX, false, 0, 0);
	struct holder h = hold(path, lk);
	struct lipc_lock_owner o[4] = { LIPC_LOCK_OWNER_INIT };
	pid_t waiter = check_fork();

	if (waiter == 0) {
		lk.fd = open_rw(path);
		CHECK_SYS(lipc_lock_lock(&lk, -1));
		_exit(0);
	}
	wait_for_waiter(path);
	CHECK_EQ(lipc_lock_list(fd, o, 4), 2);
	CHECK_EQ(o[0].pid, h.pid);
	CHECK(!o[0].waiting);
	CHECK_EQ(o[1].pid, waiter);
	CHECK(o[1].waiting);
	CHECK_EQ(lipc_lock_list(fd, o, 1), 2); /* the count, even beyond max */
	let_go(&h);
	CHECK_EQ(check_wait(waiter), 0);
	CHECK_EQ(lipc_lock_list(fd, o, 4), 0);
	close(fd);
	CHECK_SYS(unlink(path));
}

static void bad_input(void)
{
	const char *path = lock_file();
	int fd = open_rw(path), ro, wo;
	struct lipc_lock lk = lock_of(-1, LIPC_LOCK_OFD, false, 0, 0);
	struct lipc_lock_owner who = LIPC_LOCK_OWNER_INIT;

	CHECK_ERR(lipc_lock_lock(&lk, -1), EBADF);
	CHECK_ERR(lipc_lock_try_lock(&lk), EBADF);
	lk = lock_of(fd, (enum lipc_lock_kind)7, false, 0, 0);
	CHECK_ERR(lipc_lock_try_lock(&lk), EINVAL);
	lk = lock_of(fd, LIPC_LOCK_FLOCK, false, 0, 10);
	CHECK_ERR(lipc_lock_lock(&lk, 100), EINVAL);
	CHECK_ERR(lipc_lock_holder(&lk, &who), EINVAL);
	lk = lock_of(fd, LIPC_LOCK_POSIX, false, -1, 0);
	CHECK_ERR(lipc_lock_unlock(&lk), EINVAL);
	lk = lock_of(fd, LIPC_LOCK_OFD, false, 0, -5);
	CHECK_ERR(lipc_lock_try_lock(&lk), EINVAL);

	/* fcntl locks need the matching access: write for exclusive, read for shared. */
	ro = (int)CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
	wo = (int)CHECK_SYS(open(path, O_WRONLY | O_CLOEXEC));
	for (size_t k = 0; k < 2; k++) {
		lk = lock_of(ro, kinds[k], false, 0, 0);
		CHECK_ERR(lipc_lock_lock(&lk, 100), EBADF);
		lk = lock_of(wo, kinds[k], true, 0, 0);
		CHECK_ERR(lipc_lock_try_lock(&lk), EBADF);
	}
	lk = lock_of(ro, LIPC_LOCK_FLOCK, false, 0, 0); /* flock does not care */
	CHECK_EQ(lipc_lock_try_lock(&lk), 1);
	close(ro);
	close(wo);
	close(fd);
	CHECK_STR(lipc_lock_kind_name(LIPC_LOCK_OFD), "ofd");
	CHECK_STR(lipc_lock_kind_name(LIPC_LOCK_FLOCK), "flock");
	CHECK_SYS(unlink(path));
}

/* The command. */

static void cli_runs_command(void)
{
	const char *path = lock_file();
	char script[PATH_MAX];
	struct check_cmd c;
	struct stat st;

	umask(022);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", path, "echo", "hello")), 0);
	CHECK_STR(c.out, "hello\n");
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
	CHECK_SYS(stat(path, &st)); /* created, for the owner only */
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_SYS(unlink(path));
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "-m", "0644", path, "true")), 0);
	CHECK_SYS(stat(path, &st));
	CHECK_EQ(st.st_mode & 07777, 0644);
	check_cmd_free(&c);

	/* COMMAND's status passes through; a signal is 128+N; options after FILE are its own. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", path, "sh", "-c", "exit 3")), 3);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", path, "sh", "-c", "kill -9 $$")),
		 128 + SIGKILL);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "-s", path, "--", "echo", "-n", "x")),
		 0);
	CHECK_STR(c.out, "x");
	check_cmd_free(&c);

	/* Not found: 127; found but not runnable: 126. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", path, "lipc-no-such-command")), 127);
	CHECK_STR(c.err, "lipc: lipc-no-such-command: No such file or directory\n");
	check_cmd_free(&c);
	check_path(script, sizeof(script), "script");
	close(open_rw(script));
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", path, script)), 126);
	CHECK_CONTAINS(c.err, "Permission denied");
	check_cmd_free(&c);
	CHECK_SYS(unlink(script));

	/* COMMAND does not inherit the lock's descriptor. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", path, "sh", "-c", "ls -l /proc/$$/fd/")),
		 0);
	CHECK(!strstr(c.out, path));
	check_cmd_free(&c);
	CHECK_SYS(unlink(path));
}

static void cli_busy_and_timeout(void)
{
	static const char *const names[] = { "ofd", "posix", "flock" };
	const char *path = lock_file();
	char expected[PATH_MAX + 64];
	struct check_cmd c;

	for (size_t k = 0; k < N_KINDS; k++) {
		struct holder h = hold(path, lock_of(-1, kinds[k], false, 0, 0));

		snprintf(expected, sizeof(expected), "lipc: %s: locked by pid %d\n", path,
			 (int)h.pid);
		check_cmd_run(&c, NULL, LIPC_ARGV("lock", "-k", names[k], "-n", path, "true"));
		CHECK_FAILURE(&c, "locked by pid");
		CHECK_STR(c.err, expected);
		CHECK_STR(c.out, "");
		check_cmd_free(&c);
		check_cmd_run(
			&c, NULL,
			LIPC_ARGV("lock", "--kind", names[k], "-w", "0.2", path, "echo", "no"));
		CHECK_STR(c.err, expected);
		CHECK_STR(c.out, ""); /* COMMAND never ran */
		CHECK_EQ(c.status, 1);
		check_cmd_free(&c);
		let_go(&h);
	}
	CHECK_SYS(unlink(path));
}

/* Runs a holder under flock(1) or lipc: COMMAND creates ready, then waits for a line on fifo. */
static void start_holding(struct check_cmd *c, const char *const *argv, const char *ready)
{
	check_cmd_start(c, NULL, argv);
	check_wait_for_path(ready);
}

static void finish_holding(struct check_cmd *c, const char *fifo, const char *ready)
{
	int fd = (int)CHECK_SYS(open(fifo, O_WRONLY | O_CLOEXEC));

	CHECK_EQ(write(fd, "\n", 1), 1);
	close(fd);
	CHECK_EQ(check_cmd_wait(c), 0);
	check_cmd_free(c);
	CHECK_SYS(unlink(ready));
}

/* --kind flock and util-linux flock(1) see each other's locks. */
static void cli_and_flock1(void)
{
	const char *path = lock_file();
	char ready[PATH_MAX], fifo[PATH_MAX];
	const char *script = ": > \"$0\"; read x < \"$1\"";
	struct check_cmd holder, c;

	if (access("/usr/bin/flock", X_OK) != 0 && access("/bin/flock", X_OK) != 0)
		CHECK_SKIP("no flock(1) here");
	check_path(ready, sizeof(ready), "ready");
	check_path(fifo, sizeof(fifo), "fifo");
	CHECK_SYS(mkfifo(fifo, 0600));

	start_holding(&holder,
		      (const char *const[]){ "flock", path, "sh", "-c", script, ready, fifo, NULL },
		      ready);
	check_cmd_run(&c, NULL, LIPC_ARGV("lock", "--kind", "flock", "-n", path, "true"));
	CHECK_FAILURE(&c, "locked by pid");
	check_cmd_free(&c);
	/* The other kinds are separate locks, which flock(1) does not stop. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "-n", path, "true")), 0);
	check_cmd_free(&c);
	finish_holding(&holder, fifo, ready);

	start_holding(&holder,
		      LIPC_ARGV("lock", "--kind", "flock", path, "sh", "-c", script, ready, fifo),
		      ready);
	check_cmd_run(&c, NULL, (const char *const[]){ "flock", "-n", path, "true", NULL });
	CHECK_EQ(c.status, 1);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(
			 &c, NULL,
			 (const char *const[]){ "flock", "-n", "-s", "/dev/null", "true", NULL }),
		 0);
	check_cmd_free(&c);
	finish_holding(&holder, fifo, ready);

	/* Shared with shared: both run. */
	start_holding(
		&holder,
		(const char *const[]){ "flock", "-s", path, "sh", "-c", script, ready, fifo, NULL },
		ready);
	CHECK_EQ(
		check_cmd_run(&c, NULL, LIPC_ARGV("lock", "-k", "flock", "-s", "-n", path, "true")),
		0);
	check_cmd_free(&c);
	finish_holding(&holder, fifo, ready);
	CHECK_SYS(unlink(fifo));
	CHECK_SYS(unlink(path));
}

/* --kind ofd and posix conflict with Python's fcntl.lockf (POSIX record locks). */
static void cli_and_python_lockf(void)
{
	const char *path = lock_file();
	const char *py = "import fcntl, sys\n"
			 "f = open(sys.argv[1], 'r+')\n"
			 "try:\n"
			 "    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
			 "except OSError:\n"
			 "    sys.exit(1)\n";
	struct check_cmd c;

	if (check_cmd_run(&c, NULL, (const char *const[]){ "python3", "-c", "", NULL }) != 0)
		CHECK_SKIP("no python3 here");
	check_cmd_free(&c);
	for (size_t k = 0; k < 2; k++) {
		const char *kind = kinds[k] == LIPC_LOCK_OFD ? "ofd" : "posix";

		CHECK_EQ(check_cmd_run(
				 &c, NULL,
				 LIPC_ARGV("lock", "-k", kind, path, "python3", "-c", py, path)),
			 1);
		check_cmd_free(&c);
	}
	/* A lock on byte 100 alone is enough to stop Python's lock of the whole file. */
	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("lock", "-r", "100:1", path, "python3", "-c", py, path)),
		 1);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, (const char *const[]){ "python3", "-c", py, path, NULL }),
		 0);
	check_cmd_free(&c);
	CHECK_SYS(unlink(path));
}

static void cli_status(void)
{
	static const char header[] = "KIND   TYPE       RANGE            STATE  PID      COMMAND\n";
	const char *path = lock_file();
	char line[128];
	struct check_cmd c;
	struct holder h;
	pid_t waiter;
	int fd;

	close(open_rw(path));
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "--status", path)), 0);
	snprintf(line, sizeof(line), "%s: no locks\n", path);
	CHECK_STR(c.out, line);
	check_cmd_free(&c);

	h = hold(path, lock_of(-1, LIPC_LOCK_OFD, true, 10, 20));
	fd = open_rw(path);
	waiter = check_fork();
	if (waiter == 0) {
		struct lipc_lock lk = lock_of(fd, LIPC_LOCK_FLOCK, false, 0, 0);
		struct lipc_lock busy = lock_of(fd, LIPC_LOCK_POSIX, false, 0, 0);

		CHECK_EQ(lipc_lock_try_lock(&lk), 1);
		CHECK_SYS(lipc_lock_lock(&busy, -1));
		_exit(0);
	}
	wait_for_waiter(path);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "--status", path)), 0);
	CHECK(!strncmp(c.out, header, strlen(header)));
	snprintf(line, sizeof(line), "ofd    shared     10-29            holds  %-8d test_lock\n",
		 (int)h.pid);
	CHECK_CONTAINS(c.out, line);
	snprintf(line, sizeof(line), "flock  exclusive  whole            holds  %-8d test_lock\n",
		 (int)waiter);
	CHECK_CONTAINS(c.out, line);
	snprintf(line, sizeof(line), "posix  exclusive  whole            waits  %-8d test_lock\n",
		 (int)waiter);
	CHECK_CONTAINS(c.out, line);
	check_cmd_free(&c);
	let_go(&h);
	CHECK_EQ(check_wait(waiter), 0);
	close(fd);

	check_cmd_run(&c, NULL, LIPC_ARGV("lock", "--status", "/nonexistent/lipc"));
	CHECK_FAILURE(&c, "cannot open /nonexistent/lipc: No such file or directory");
	check_cmd_free(&c);
	CHECK_SYS(unlink(path));
}

/* SIGTERM to lipc goes on to COMMAND, and the lock is held until COMMAND has ended. */
static void cli_passes_sigterm_on(void)
{
	const char *path = lock_file();
	char ready[PATH_MAX];
	struct check_cmd c;
	int fd;

	check_path(ready, sizeof(ready), "ready");
	check_cmd_start(&c, NULL,
			LIPC_ARGV("lock", path, "sh", "-c",
				  "trap 'kill $!; echo got TERM; exit 7' TERM; "
				  "sleep 1000 & : > \"$0\"; wait",
				  ready));
	check_wait_for_path(ready);
	CHECK_SYS(kill(c.pid, SIGTERM));
	CHECK_EQ(check_cmd_wait(&c), 7);
	CHECK_STR(c.out, "got TERM\n");
	check_cmd_free(&c);
	fd = open_rw(path);
	{
		struct lipc_lock lk = lock_of(fd, LIPC_LOCK_OFD, false, 0, 0);

		CHECK_EQ(lipc_lock_try_lock(&lk), 1);
	}
	close(fd);
	CHECK_SYS(unlink(ready));
	CHECK_SYS(unlink(path));
}

static void cli_usage_errors(void)
{
	/* A path in the test directory: another user's /tmp/x must not fail the test. */
	char x[PATH_MAX];

	check_path(x, sizeof(x), "x");
	const struct check_usage cases[] = {
		{ "lock", "missing FILE", { "lock" } },
		{ "lock", "missing COMMAND", { "lock", x } },
		{ "lock", "missing COMMAND", { "lock", x, "--" } },
		{ "lock", "-n and -w exclude each other", { "lock", "-n", "-w", "1", x, "true" } },
		{ "lock",
		  "kind 'fcntl' is not ofd, posix or flock",
		  { "lock", "-k", "fcntl", "/x", "true" } },
		{ "lock",
		  "--range needs --kind ofd or posix",
		  { "lock", "-k", "flock", "-r", "0:1", x, "true" } },
		{ "lock", "range '5' is not START:LENGTH", { "lock", "-r", "5", x, "true" } },
		{ "lock", "range start 'a' is not a number", { "lock", "-r", "a:1", x, "true" } },
		{ "lock", "range start '-1' is not a number", { "lock", "-r", "-1:1", x, "true" } },
		{ "lock", "range length '' is not a number", { "lock", "-r", "1:", x, "true" } },
		{ "lock", "out of range", { "lock", "-r", "0:99999999999999999999", x, "true" } },
		{ "lock", "ends beyond", { "lock", "-r", "9223372036854775807:2", x, "true" } },
		{ "lock", "wait 'x' is not a number of seconds", { "lock", "-w", "x", x, "true" } },
		{ "lock", "needs an argument", { "lock", "-w" } },
		{ "lock", "not an octal mode", { "lock", "-m", "9", x, "true" } },
		{ "lock", "--status takes only FILE", { "lock", "--status", x, "true" } },
		{ "lock", "unknown option '--bogus'", { "lock", "--bogus", x, "true" } },
	};

	CHECK_USAGE_ERRORS(cases);
	CHECK_ERR(access(x, F_OK), ENOENT); /* none of them created FILE */
}

static void cli_cannot_open(void)
{
	char path[PATH_MAX];
	struct check_cmd c;

	check_path(path, sizeof(path), "nodir/lock");
	check_cmd_run(&c, NULL, LIPC_ARGV("lock", path, "true"));
	CHECK_FAILURE(&c, "No such file or directory");
	CHECK_CONTAINS(c.err, path);
	check_cmd_free(&c);

	/* A directory opens read-only: shared and flock locks work, exclusive fcntl ones cannot. */
	check_path(path, sizeof(path), "dir");
	CHECK_SYS(mkdir(path, 0700));
	check_cmd_run(&c, NULL, LIPC_ARGV("lock", path, "true"));
	CHECK_FAILURE(&c, "an exclusive ofd lock needs write permission (try -s or --kind flock)");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "-s", path, "true")), 0);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "-k", "flock", path, "true")), 0);
	check_cmd_free(&c);
	CHECK_SYS(rmdir(path));
}

static void demo(void)
{
	struct check_cmd c;

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "lock")), 0);
	CHECK_STR(c.err, "");
	CHECK_CONTAINS(c.out, "File Locking\n");
	CHECK_CONTAINS(c.out, "=> ");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour")), 0);
	CHECK(strstr(c.out, "File Locking") < strstr(c.out, "Pipe (anonymous pipe)"));
	check_cmd_free(&c);
}

static void example_lock_fcntl(void)
{
	char counter[PATH_MAX], expected[PATH_MAX + 256];

	check_path(counter, sizeof(counter), "counter");
	snprintf(expected, sizeof(expected),
		 "parent N: %s holds 0; parent and child each add 1 to it 10000 times, under the "
		 "lock\n"
		 "parent N: the counter is 20000 (20000 expected)\n",
		 counter);
	CHECK_EXAMPLE_OUTPUT("lock_fcntl", check_no_numbers, check_no_numbers(expected), counter,
			     NULL);
	CHECK_SYS(unlink(counter));
	check_example_remove("lock_fcntl");
}

static void example_lock_lifetime(void)
{
	char path[PATH_MAX];

	check_path(path, sizeof(path), "lifetime");
	CHECK_EXAMPLE_OUTPUT(
		"lock_lifetime", NULL,
		"kind               close(another fd)    fork, parent closes    2nd open, same "
		"process\n"
		"POSIX (F_SETLK)    RELEASED             RELEASED               GRANTED as well\n"
		"OFD (F_OFD_SETLK)  still held           still held             refused (busy)\n"
		"flock (LOCK_EX)    still held           still held             refused (busy)\n",
		path, NULL);
	CHECK_ERR(access(path, F_OK), ENOENT); /* it removes its file */
	check_example_remove("lock_lifetime");
}

CHECK_MAIN(TEST(shared_and_exclusive), TEST(byte_ranges), TEST(killed_holder_releases_waiter),
	   TEST(killed_holder_releases_timed_waiter), TEST(posix_deadlock_detected),
	   TEST(posix_deadlock_detected_timed), TEST(close_of_another_descriptor),
	   TEST(same_process_second_open), TEST(fork_and_inheritance),
	   TEST(lock_outlives_its_taker), TEST(timed_wait_times_out),
	   TEST(timed_wait_gets_the_lock), TEST(holders), TEST(list_holders_and_waiters),
	   TEST(bad_input), TEST(cli_runs_command), TEST(cli_busy_and_timeout),
	   TEST(cli_and_flock1), TEST(cli_and_python_lockf), TEST(cli_status),
	   TEST(cli_passes_sigterm_on), TEST(cli_usage_errors), TEST(cli_cannot_open), TEST(demo),
	   TEST(example_lock_fcntl), TEST(example_lock_lifetime))
