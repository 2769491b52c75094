/* SPDX-License-Identifier: MIT */
/*
 * File locks, three kinds behind one interface. The hard part is the timed wait: F_SETLKW,
 * F_OFD_SETLKW and flock() block until the lock is free and only a caught signal interrupts
 * them, and a library must not install a handler (flock(1) does, with alarm()). So the blocking
 * call is made by a helper that can be stopped at the deadline, and it waits in the kernel's
 * queue, which is fair and wakes it the moment the lock is released (retrying F_SETLK with naps
 * would be neither). OFD and flock locks belong to the open file description, which a child
 * shares after fork: a helper process waits on it and is SIGKILLed at the deadline. It is made
 * with a raw clone() whose exit signal is 0, so the caller gets no SIGCHLD and its waitpid(-1)
 * never sees it (only __WCLONE does); it starts with every signal blocked, so a Ctrl+C meant
 * for the caller never runs the caller's handlers in it; PR_SET_PDEATHSIG ends it should the
 * caller die. POSIX locks belong to the process, so a child could only lock for itself: a helper
 * thread waits in F_SETLKW and is cancelled at the deadline (pthread_cancel uses the C library's
 * own signal, not one of the caller's). Either way a last non-blocking attempt by the caller
 * decides, so a lock granted in the very instant of the deadline is neither lost nor leaked.
 * When no helper can be started, a bounded retry of the non-blocking call takes over. The other
 * trap is the kernel's view: F_OFD_GETLK gives no pid, so holders are looked up in /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi.h"
#include "internal.h"
#include "lipc/lock.h"

const char *lipc_lock_kind_name(enum lipc_lock_kind kind)
{
	switch (kind) {
	case LIPC_LOCK_OFD:
		return "ofd";
	case LIPC_LOCK_POSIX:
		return "posix";
	case LIPC_LOCK_FLOCK:
		return "flock";
	}
	return "?";
}

/*
 * The caller's lock as a whole struct of this version (lipc/version.h): the public calls read
 * only this copy, whatever the size of the caller's.
 */
static int lock_in(struct lipc_lock *l, const struct lipc_lock *lk)
{
	*l = (struct lipc_lock)LIPC_LOCK_INIT;
	return lipc__abi_in(l, sizeof(*l), lk, LIPC__LOCK_1_0);
}

static int check(const struct lipc_lock *lk)
{
	if (lk->fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((unsigned)lk->kind > LIPC_LOCK_FLOCK || lk->start < 0 || lk->len < 0 ||
	    (lk->kind == LIPC_LOCK_FLOCK && (lk->start || lk->len))) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static struct flock to_flock(const struct lipc_lock *lk, short type)
{
	/* F_OFD_* insist on l_pid 0. */
	return (struct flock){
		.l_type = type, .l_whence = SEEK_SET, .l_start = lk->start, .l_len = lk->len
	};
}

/* The one system call that takes (or releases) the lock; wait says whether it may block. */
static int lock_call(const struct lipc_lock *lk, bool wait)
{
	struct flock fl = to_flock(lk, lk->shared ? F_RDLCK : F_WRLCK);

	switch (lk->kind) {
	case LIPC_LOCK_OFD:
		return fcntl(lk->fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
	case LIPC_LOCK_POSIX:
		return fcntl(lk->fd, wait ? F_SETLKW : F_SETLK, &fl);
	case LIPC_LOCK_FLOCK:
		return flock(lk->fd, (lk->shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB));
	}
	errno = EINVAL;
	return -1;
}

static int try_once(const struct lipc_lock *lk)
{
	if (lock_call(lk, false) == 0)
		return 1;
	/* fcntl says EAGAIN or EACCES for a conflict, flock EWOULDBLOCK (== EAGAIN). */
	return errno == EAGAIN || errno == EACCES ? 0 : -1;
}

static int wait_forever(const struct lipc_lock *lk)
{
	int r;

	do
		r = lock_call(lk, true);
	while (r < 0 && errno == EINTR);
	return r;
}

/* After a helper gave up at the deadline: one last try decides. */
static int last_try(const struct lipc_lock *lk)
{
	int r = try_once(lk);

	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

/* No helper could start: retry the non-blocking call, napping longer each time. */
static int wait_by_retrying(const struct lipc_lock *lk, const struct lipc__deadline *d)
{
	struct lipc__backoff b = LIPC__BACKOFF_LOCK;

	for (;;) {
		int r = try_once(lk);

		if (r != 0)
			return r > 0 ? 0 : -1;
		if (!lipc__backoff(&b, d)) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

/* POSIX locks: a helper thread of this process waits, and is cancelled at the deadline. */

struct waiter {
	const struct lipc_lock *lk;
	int done_fd; /* written when the thread has an answer */
	int result, err;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	int r, old;

	r = wait_forever(w->lk); /* F_SETLKW: a cancellation point */
	/* From here on a cancellation must wait: the answer has to reach the caller. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	w->err = errno;
	w->result = r;
	(void)!write(w->done_fd, "", 1);
	return NULL;
}

static int wait_in_thread(const struct lipc_lock *lk, const struct lipc__deadline *d)
{
	struct waiter w = { .lk = lk };
	sigset_t all, old;
	pthread_t thread;
	int fds[2], err, ready;
	void *how;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return wait_by_retrying(lk, d);
	w.done_fd = fds[1];
	/* Signals for the process must keep going to the caller's threads, never to the helper. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&thread, NULL, waiter_main, &w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		close(fds[0]);
		close(fds[1]);
		return wait_by_retrying(lk, d);
	}
	ready = lipc__wait_fd(fds[0], POLLIN, d);
	if (ready <= 0)
		pthread_cancel(thread); /* interrupts F_SETLKW; a finished thread ignores it */
	pthread_join(thread, &how);
	close(fds[0]);
	close(fds[1]);
	if (how == PTHREAD_CANCELED)
		return last_try(lk);
	errno = w.err;
	return w.result;
}

/* OFD and flock locks: a helper process waits on the open file description it shares. */

/* fork() without an exit signal: a "clone child" that only waitpid(__WCLONE) reports. */
static pid_t fork_silently(void)
{
	/*
	 * Flags 0: exit signal 0, a copy of everything. Every other argument is 0 too, so the
	 * architectures' different argument orders for clone() do not matter.
	 */
	return (pid_t)syscall(SYS_clone, 0L, 0L, 0L, 0L, 0L);
}

/* Close every descriptor but a and b, so that the helper holds no pipe end open for others. */
static void close_all_but(int a, int b)
{
#ifdef SYS_close_range
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 0)
		syscall(SYS_close_range, 0U, (unsigned)lo - 1, 0U);
	if (hi > lo + 1)
		syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0U);
	syscall(SYS_close_range, (unsigned)hi + 1, ~0U, 0U);
#else
	(void)a;
	(void)b;
#endif
}

/* The helper: only system calls here, as after fork() in a threaded process. */
static _Noreturn void helper_main(const struct lipc_lock *lk, int report, pid_t parent)
{
	int err = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0); /* the caller died before the line above took effect */
	close_all_but(lk->fd, report);
	if (wait_forever(lk) < 0)
		err = errno;
	(void)!write(report, &err, sizeof(err));
	_exit(0);
}

static int wait_in_process(const struct lipc_lock *lk, const struct lipc__deadline *d)
{
	pid_t parent = getpid(), pid;
	sigset_t all, old;
	int fds[2], err = 0, status, ready, poll_err;
	ssize_t n = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return wait_by_retrying(lk, d);
	/* Blocked before the clone, so the helper never runs one of the caller's handlers. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork_silently();
	if (pid == 0)
		helper_main(lk, fds[1], parent);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return wait_by_retrying(lk, d);
	}
	ready = lipc__wait_fd(fds[0], POLLIN, d);
	poll_err = errno;
	if (ready > 0) {
		do
			n = read(fds[0], &err, sizeof(err));
		while (n < 0 && errno == EINTR);
	}
	if (n != (ssize_t)sizeof(err))
		kill(pid, SIGKILL); /* the deadline (or the helper died without a word) */
	/* Nobody else can reap a clone child, so pid cannot have been reused. */
	while (waitpid(pid, &status, __WCLONE) < 0 && errno == EINTR)
		;
	close(fds[0]);
	if (n == (ssize_t)sizeof(err)) {
		errno = err;
		return err ? -1 : 0;
	}
	if (ready < 0) {
		errno = poll_err;
		return -1;
	}
	if (lipc__remaining_ms(d) > 0)
		return wait_in_process(lk, d); /* the helper was killed by someone else: again */
	return last_try(lk);
}

int lipc_lock_lock(const struct lipc_lock *lock, int timeout_ms)
{
	struct lipc_lock copy, *lk = &copy;
	struct lipc__deadline d;
	int r, err, cancel_state;

	if (lock_in(lk, lock) < 0 || check(lk) < 0)
		return -1;
	if (timeout_ms < 0)
		return wait_forever(lk);
	lipc__deadline_start(&d, timeout_ms);
	r = try_once(lk);
	if (r != 0)
		return r > 0 ? 0 : -1;
	if (timeout_ms == 0) {
		errno = EAGAIN; /* not now, and not asked to wait (lipc/lipc.h) */
		return -1;
	}
	/* A caller cancelled mid-wait would leave the helper behind, free to take the lock later.
	 */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	r = lk->kind == LIPC_LOCK_POSIX ? wait_in_thread(lk, &d) : wait_in_process(lk, &d);
	err = errno;
	pthread_setcancelstate(cancel_state, NULL);
	errno = err;
	return r;
}

int lipc_lock_try_lock(const struct lipc_lock *lock)
{
	struct lipc_lock copy, *lk = &copy;

	if (lock_in(lk, lock) < 0 || check(lk) < 0)
		return -1;
	return try_once(lk);
}

int lipc_lock_unlock(const struct lipc_lock *lock)
{
	struct lipc_lock copy, *lk = &copy;
	struct flock fl;

	if (lock_in(lk, lock) < 0 || check(lk) < 0)
		return -1;
	fl = to_flock(lk, F_UNLCK);
	switch (lk->kind) {
	case LIPC_LOCK_OFD:
		return fcntl(lk->fd, F_OFD_SETLK, &fl);
	case LIPC_LOCK_POSIX:
		return fcntl(lk->fd, F_SETLK, &fl);
	default:
		return flock(lk->fd, LOCK_UN);
	}
}

/* Who holds what: /proc/locks, and /proc/PID/fdinfo for the holders of OFD locks. */

/* A file as /proc/locks names it: the superblock's device, and the inode. */
struct file_id {
	unsigned major, minor;
	unsigned long ino;
	dev_t st_dev; /* as stat() says, which is what /proc/PID/fd/N stat to */
	ino_t st_ino;
};

/*
 * /proc/locks prints the superblock's device, which is not always st_dev (btrfs subvolumes
 * differ): take it from this descriptor's mount in /proc/self/mountinfo.
 */
static int file_id_of(int fd, struct file_id *id)
{
	char path[64], line[1024];
	struct stat st;
	FILE *f;
	int mnt = -1;

	if (fstat(fd, &st) < 0)
		return -1;
	id->st_dev = st.st_dev;
	id->st_ino = st.st_ino;
	id->major = major(st.st_dev);
	id->minor = minor(st.st_dev);
	id->ino = (unsigned long)st.st_ino;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "mnt_id: %d", &mnt) == 1)
			break;
	fclose(f);
	f = mnt < 0 ? NULL : fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		int id_of_line;

		if (sscanf(line, "%d %*d %u:%u", &id_of_line, &maj, &min) == 3 &&
		    id_of_line == mnt) {
			id->major = maj;
			id->minor = min;
			break;
		}
	}
	fclose(f);
	return 0;
}

/*
 * One line of /proc/locks or a "lock:" line of fdinfo, after its "N: ":
 * "[-> ]KIND MODE TYPE PID MAJ:MIN:INO START END|EOF". Returns true for a lock of ours to report.
 */
static bool parse_lock(const char *s, struct lipc_lock_owner *o, unsigned *maj, unsigned *min,
		       unsigned long *ino)
{
	char kind[16], type[16], end[32];
	long long start;
	int pid;

	/* A waiter is "-> ", indented one more space for each waiter it waits behind. */
	s += strspn(s, " ");
	o->waiting = !strncmp(s, "-> ", 3);
	if (o->waiting)
		s += 3;
	if (sscanf(s, "%15s %*s %15s %d %x:%x:%lu %lld %31s", kind, type, &pid, maj, min, ino,
		   &start, end) != 8)
		return false;
	if (!strcmp(kind, "POSIX"))
		o->kind = LIPC_LOCK_POSIX;
	else if (!strcmp(kind, "OFDLCK"))
		o->kind = LIPC_LOCK_OFD;
	else if (!strcmp(kind, "FLOCK"))
		o->kind = LIPC_LOCK_FLOCK;
	else
		return false; /* leases and delegations are not locks */
	if (!strcmp(type, "READ"))
		o->shared = true;
	else if (!strcmp(type, "WRITE"))
		o->shared = false;
	else
		return false;
	o->pid = pid > 0 ? pid : -1;
	o->start = (off_t)start;
	o->len = !strcmp(end, "EOF") ? 0 : (off_t)(strtoll(end, NULL, 10) - start + 1);
	return true;
}

/* The text after "N: " in "N: POSIX ...", or NULL. */
static const char *after_id(const char *line)
{
	const char *colon = strchr(line, ':');

	return colon && colon[1] == ' ' ? colon + 2 : NULL;
}

/* The same, for a "lock:\tN: POSIX ..." line of /proc/PID/fdinfo/FD. */
static const char *fdinfo_lock(const char *line)
{
	if (strncmp(line, "lock:", 5))
		return NULL;
	line += 5;
	return after_id(line + strspn(line, " \t"));
}

static bool same_lock(const struct lipc_lock_owner *a, const struct lipc_lock_owner *b)
{
	return a->kind == b->kind && a->shared == b->shared && a->start == b->start &&
	       a->len == b->len;
}

/* What find_ofd_holders() looks for, and how many it has yet to find. */
struct ofd_search {
	const struct file_id *id;
	struct lipc_lock_owner *owners;
	size_t n, unknown;
};

/* One descriptor of the walk: is it open on the file, and does its fdinfo list such a lock? */
static bool ofd_holder_at(pid_t pid, int fd, const struct stat *st, void *arg)
{
	struct ofd_search *q = arg;
	char info[64], line[256];
	FILE *f;

	if (st->st_dev != q->id->st_dev || st->st_ino != q->id->st_ino)
		return false;
	snprintf(info, sizeof(info), "/proc/%d/fdinfo/%d", (int)pid, fd);
	f = fopen(info, "re");
	while (f && fgets(line, sizeof(line), f)) {
		struct lipc_lock_owner o;
		unsigned maj, min;
		unsigned long ino;
		const char *s = fdinfo_lock(line);

		if (!s || !parse_lock(s, &o, &maj, &min, &ino) || o.kind != LIPC_LOCK_OFD)
			continue;
		for (size_t i = 0; i < q->n; i++) {
			struct lipc_lock_owner *w = &q->owners[i];

			if (w->pid < 0 && !w->waiting && same_lock(w, &o)) {
				w->pid = pid;
				q->unknown--;
				break;
			}
		}
	}
	if (f)
		fclose(f);
	return q->unknown == 0;
}

/* Give each OFD lock whose pid is unknown the first process found holding it through an fd. */
static void find_ofd_holders(const struct file_id *id, struct lipc_lock_owner *owners, size_t n)
{
	struct ofd_search q = { .id = id, .owners = owners, .n = n };

	for (size_t i = 0; i < n; i++)
		q.unknown +=
			owners[i].kind == LIPC_LOCK_OFD && !owners[i].waiting && owners[i].pid < 0;
	if (q.unknown)
		lipc__proc_walk_fds(0, ofd_holder_at, &q);
}

/*
 * /proc/locks in one read(): the kernel writes the whole list while it holds the lock tables, so
 * one read is a consistent snapshot. Read in pieces (as stdio does), the list can change between
 * two of them, and a lock that moved is listed twice or not at all. Returns a NUL-terminated
 * buffer to free(), or NULL with errno.
 */
static char *read_proc_locks(void)
{
	for (size_t size = 64 * 1024; size <= 64u * 1024 * 1024; size *= 4) {
		int fd = open("/proc/locks", O_RDONLY | O_CLOEXEC);
		char *buf = malloc(size);
		ssize_t n;

		if (fd < 0 || !buf) {
			lipc__close(fd);
			free(buf);
			return NULL;
		}
		do
			n = read(fd, buf, size);
		while (n < 0 && errno == EINTR);
		lipc__close(fd);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		free(buf); /* it may not all have fitted: again, with more room */
	}
	errno = EFBIG;
	return NULL;
}

/* lipc_lock_list() into an array of this version's structs. */
static int lock_list(int fd, struct lipc_lock_owner *owners, size_t max)
{
	struct file_id id;
	char *all, *line, *next;
	size_t n = 0;

	if (file_id_of(fd, &id) < 0)
		return -1;
	all = read_proc_locks();
	if (!all)
		return -1;
	for (line = all; *line; line = next) {
		struct lipc_lock_owner o;
		unsigned maj, min;
		unsigned long ino;
		const char *s;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		s = after_id(line);
		if (!s || !parse_lock(s, &o, &maj, &min, &ino) || maj != id.major ||
		    min != id.minor || ino != id.ino)
			continue;
		if (n < max)
			owners[n] = o;
		if (n < INT_MAX)
			n++;
	}
	free(all);
	find_ofd_holders(&id, owners, n < max ? n : max);
	return (int)n;
}

int lipc_lock_list(int fd, struct lipc_lock_owner *owners, size_t max)
{
	size_t stride = max ? lipc__abi_size(owners, LIPC__LOCK_OWNER_1_0) : 1;
	struct lipc_lock_owner *mine;
	int n;

	if (!stride)
		return -1;
	mine = calloc(max ? max : 1, sizeof(*mine));
	if (!mine)
		return -1;
	n = lock_list(fd, mine, max);
	if (n > 0)
		lipc__abi_out_array(owners, stride, mine, sizeof(*mine),
				    (size_t)n < max ? (size_t)n : max);
	free(mine);
	return n;
}

/* Every lock of the system, with the descriptor through which a holder has it. */

static int compare_ino(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

/* Match the "lock:" lines of one descriptor's fdinfo against the locks still without a holder. */
static size_t match_fdinfo(const char *info, pid_t pid, int fd, struct lipc_lock_info *locks,
			   size_t n, bool any_pid)
{
	char line[256];
	size_t found = 0;
	FILE *f = fopen(info, "re");

	while (f && fgets(line, sizeof(line), f)) {
		struct lipc_lock_owner o;
		unsigned maj, min;
		unsigned long ino;
		const char *s = fdinfo_lock(line);

		if (!s || !parse_lock(s, &o, &maj, &min, &ino))
			continue;
		for (size_t i = 0; i < n; i++) {
			struct lipc_lock_info *l = &locks[i];

			if (l->fd < 0 && !l->waiting &&
			    same_lock(&(struct lipc_lock_owner){ .kind = l->kind,
								 .shared = l->shared,
								 .start = l->start,
								 .len = l->len },
				      &o) &&
			    l->dev_major == maj && l->dev_minor == min && l->ino == ino &&
			    (any_pid || l->pid == pid)) {
				l->pid = pid;
				l->fd = fd;
				found++;
				break;
			}
		}
	}
	if (f)
		fclose(f);
	return found;
}

/*
 * What find_holders() looks for: the locks without a holder, and the inode numbers of their
 * files (inos, sorted). With any_pid, a lock goes to whichever process has it; else only to the
 * one it names.
 */
struct holder_search {
	struct lipc_lock_info *locks;
	size_t n, unknown;
	unsigned long *inos;
	size_t n_inos;
	bool any_pid;
};

/* One descriptor of the walk: only one open on a file of theirs has its fdinfo read. */
static bool holder_at(pid_t pid, int fd, const struct stat *st, void *arg)
{
	struct holder_search *q = arg;
	unsigned long ino = (unsigned long)st->st_ino;
	char info[64];

	if (!bsearch(&ino, q->inos, q->n_inos, sizeof(*q->inos), compare_ino))
		return false;
	snprintf(info, sizeof(info), "/proc/%d/fdinfo/%d", (int)pid, fd);
	q->unknown -= match_fdinfo(info, pid, fd, q->locks, q->n, q->any_pid);
	return q->unknown == 0;
}

/*
 * Give each held lock a holder and its descriptor: first in the process /proc/locks names
 * (POSIX locks are certain to be there; a flock lock's taker may have exited and left it to a
 * child), then, for the rest (OFD locks, whose pid /proc/locks hides), in every process.
 */
static void find_holders(struct lipc_lock_info *locks, size_t n)
{
	struct holder_search q = { .locks = locks, .n = n };

	q.inos = malloc((n ? n : 1) * sizeof(*q.inos));
	if (!q.inos)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!locks[i].waiting) {
			q.inos[q.n_inos++] = locks[i].ino;
			q.unknown++;
		}
	}
	qsort(q.inos, q.n_inos, sizeof(*q.inos), compare_ino);
	for (size_t i = 0; i < n && q.unknown; i++) {
		if (locks[i].fd >= 0 || locks[i].waiting || locks[i].pid <= 0)
			continue;
		lipc__proc_walk_fds(locks[i].pid, holder_at, &q);
	}
	q.any_pid = true;
	if (q.unknown)
		lipc__proc_walk_fds(0, holder_at, &q);
	free(q.inos);
}

/* lipc_lock_list_all() into an array of this version's structs. */
static int lock_list_all(struct lipc_lock_info *locks, size_t max)
{
	char *all, *line, *next;
	size_t n = 0;

	all = read_proc_locks();
	if (!all)
		return -1;
	for (line = all; *line; line = next) {
		struct lipc_lock_info l = { .struct_size = sizeof(l), .fd = -1 };
		struct lipc_lock_owner o;
		const char *s;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		s = after_id(line);
		if (!s || !parse_lock(s, &o, &l.dev_major, &l.dev_minor, &l.ino))
			continue;
		l.kind = o.kind;
		l.shared = o.shared;
		l.waiting = o.waiting;
		l.start = o.start;
		l.len = o.len;
		l.pid = o.pid;
		if (n < max)
			locks[n] = l;
		if (n < INT_MAX)
			n++;
	}
	free(all);
	find_holders(locks, n < max ? n : max);
	return (int)n;
}

int lipc_lock_list_all(struct lipc_lock_info *locks, size_t max)
{
	size_t stride = max ? lipc__abi_size(locks, LIPC__LOCK_INFO_1_0) : 1;
	struct lipc_lock_info *mine;
	int n;

	if (!stride)
		return -1;
	mine = calloc(max ? max : 1, sizeof(*mine));
	if (!mine)
		return -1;
	n = lock_list_all(mine, max);
	if (n > 0)
		lipc__abi_out_array(locks, stride, mine, sizeof(*mine),
				    (size_t)n < max ? (size_t)n : max);
	free(mine);
	return n;
}

/* flock locks have no F_GETLK: the first conflicting one in /proc/locks that is not ours. */
static int flock_holder(const struct lipc_lock *lk, struct lipc_lock_owner *owner)
{
	struct lipc_lock_owner all[64], mine = { .pid = -1 };
	bool have_mine = false;
	char path[64], line[256];
	FILE *f;
	int n;

	/* Our own open file description's flock lock is not in the way: fdinfo names it. */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", lk->fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		unsigned long ino;
		const char *s = fdinfo_lock(line);

		if (s && parse_lock(s, &mine, &maj, &min, &ino) && mine.kind == LIPC_LOCK_FLOCK &&
		    !mine.waiting) {
			have_mine = true;
			break;
		}
	}
	if (f)
		fclose(f);
	n = lock_list(lk->fd, all, sizeof(all) / sizeof(all[0]));
	if (n < 0)
		return -1;
	if (n > (int)(sizeof(all) / sizeof(all[0])))
		n = sizeof(all) / sizeof(all[0]);
	for (int i = 0; i < n; i++) {
		if (all[i].kind != LIPC_LOCK_FLOCK || all[i].waiting)
			continue;
		if (have_mine && all[i].shared == mine.shared && all[i].pid == mine.pid) {
			have_mine = false;
			continue;
		}
		if (all[i].shared && lk->shared)
			continue;
		*owner = all[i];
		return 1;
	}
	return 0;
}

/* lipc_lock_holder() into this version's structs. */
static int lock_holder(const struct lipc_lock *lk, struct lipc_lock_owner *owner)
{
	struct flock fl = to_flock(lk, lk->shared ? F_RDLCK : F_WRLCK);
	struct file_id id;

	if (lk->kind == LIPC_LOCK_FLOCK)
		return flock_holder(lk, owner);
	if (fcntl(lk->fd, lk->kind == LIPC_LOCK_OFD ? F_OFD_GETLK : F_GETLK, &fl) < 0)
		return -1;
	if (fl.l_type == F_UNLCK)
		return 0;
	/* POSIX and OFD locks share one table: either kind can be in the way of the other. */
	*owner = (struct lipc_lock_owner){
		.kind = fl.l_pid == -1 ? LIPC_LOCK_OFD : LIPC_LOCK_POSIX,
		.shared = fl.l_type == F_RDLCK,
		.start = fl.l_start,
		.len = fl.l_len,
		.pid = fl.l_pid > 0 ? fl.l_pid : -1,
	};
	if (owner->pid < 0 && file_id_of(lk->fd, &id) == 0)
		find_ofd_holders(&id, owner, 1);
	return 1;
}

int lipc_lock_holder(const struct lipc_lock *lock, struct lipc_lock_owner *owner)
{
	struct lipc_lock copy, *lk = &copy;
	struct lipc_lock_owner o = LIPC_LOCK_OWNER_INIT;
	int r;

	if (lock_in(lk, lock) < 0 || check(lk) < 0 || !lipc__abi_size(owner, LIPC__LOCK_OWNER_1_0))
		return -1;
	r = lock_holder(lk, &o);
	if (r > 0)
		lipc__abi_out(owner, &o, sizeof(o));
	return r;
}
