/* SPDX-License-Identifier: MIT */
/*
 * The run of lipc demo or lipc tour: one directory, $TMPDIR/lipc-demo-PID-XXXXXX, and names that
 * carry PID, the lipc process's pid: /lipc-demo-PID for the POSIX semaphore and queue, the key
 * 0x6cPPPPPP for the System V set and queue. A run stopped by a signal is cleaned by lipc itself
 * (cmd_demo.c); one killed with SIGKILL leaves them, and `lipc tour --clean` finds them by name.
 *
 * The traps. A pid says little: it is recycled, so a run counts as dead only when its pid names
 * no process AND nobody holds the lock (flock) that lipc takes on the directory, which every
 * process of the run inherits with the directory's descriptor: the kernel drops it when the last
 * of them is gone, so a demo's child that outlived lipc for a moment keeps its run alive until
 * it too is dead, and a second cleaner cannot start on it. A System V object has no name to
 * read its run from, and a key 0x6c... may be a program's ftok(path, 'l'): the demo makes a
 * marker file, sysv-sem-KEY or sysv-msg-KEY, in the directory before it creates the object, so
 * only a key that a run meant to create is ever removed. Anything may sit in $TMPDIR, put there
 * by another user: only directories owned by the caller, looked at with fstatat() and opened
 * with O_NOFOLLOW through a descriptor of $TMPDIR, are considered; every file and object is
 * removed only when it belongs to the caller, through a directory descriptor (unlinkat), never
 * following a symbolic link. /dev/shm and /dev/mqueue are sticky, so another user's semaphore
 * or queue of the same name could not be removed anyway, except by root: the owner check is
 * what keeps root's cleaner off them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/msg.h>
#include <sys/random.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo.h"
#include "escape.h"

#define PREFIX	"lipc-demo-"
#define KEY_TAG 0x6c000000u /* 'l' << 24: pids fit in the 24 bits below (pid_max <= 2^22) */

struct demo_run demo_run = { .dir_fd = -1 };

/* The files the demos make in the directory, removable without reading it. */
static const char *const known_files[] = { "lock", "fifo", "sock", "secret" };

const char *demo_dir(void)
{
	return demo_run.dir;
}

static void ipc_name(pid_t pid, char *buf, size_t size)
{
	snprintf(buf, size, "/" PREFIX "%d", (int)pid);
}

const char *demo_ipc_name(void)
{
	static char name[32];

	ipc_name(demo_run.pid, name, sizeof(name));
	return name;
}

static key_t key_of(pid_t pid)
{
	return (key_t)(KEY_TAG | ((unsigned)pid & 0xffffffu));
}

key_t demo_key(void)
{
	return key_of(demo_run.pid);
}

static void marker_name(char *buf, size_t size, const char *kind, key_t key)
{
	snprintf(buf, size, "%s-0x%08x", kind, (unsigned)key);
}

int demo_mark(const char *kind, key_t key)
{
	char name[32];

	marker_name(name, sizeof(name), kind, key);
	/* mknod() of a regular file: no descriptor, so it works at the lowest limits too. */
	return mknodat(demo_run.dir_fd, name, S_IFREG | 0600, 0);
}

void demo_unmark(const char *kind, key_t key)
{
	char name[32];
	int err = errno;

	marker_name(name, sizeof(name), kind, key);
	unlinkat(demo_run.dir_fd, name, 0);
	errno = err;
}

/* Six letters or digits for the directory's name, from getrandom(), or the clock if it fails. */
static void random_suffix(char out[7])
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char bytes[6];

	if (getrandom(bytes, sizeof(bytes), GRND_NONBLOCK) != (ssize_t)sizeof(bytes)) {
		struct timespec ts;
		unsigned long v;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (unsigned long)ts.tv_nsec * 2654435761u ^ (unsigned long)ts.tv_sec;
		for (size_t i = 0; i < sizeof(bytes); i++, v >>= 5)
			bytes[i] = (unsigned char)v;
	}
	for (size_t i = 0; i < sizeof(bytes); i++)
		out[i] = alphabet[bytes[i] % (sizeof(alphabet) - 1)];
	out[6] = '\0';
}

int demo_run_open(struct demo_run *r, const char *what)
{
	const char *tmp = getenv("TMPDIR");
	struct stat made, st;
	char suffix[7];
	int tmp_fd, tries = 0;

	r->pid = getpid();
	r->dir_fd = -1;
	snprintf(r->tmp, sizeof(r->tmp), "%s", tmp && *tmp ? tmp : "/tmp");
	tmp_fd = open(r->tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tmp_fd < 0) {
		warn_msg("%s: cannot open %s: %s", what, r->tmp, strerror(errno));
		return 1;
	}
	for (;;) {
		random_suffix(suffix);
		snprintf(r->name, sizeof(r->name), PREFIX "%d-%s", (int)r->pid, suffix);
		if (mkdirat(tmp_fd, r->name, 0700) == 0)
			break;
		if (errno != EEXIST || ++tries == 100) {
			warn_msg("%s: cannot make a directory in %s: %s", what, r->tmp,
				 strerror(errno));
			close(tmp_fd);
			return 1;
		}
	}
	snprintf(r->dir, sizeof(r->dir), "%s/%s", r->tmp, r->name);
	if (fstatat(tmp_fd, r->name, &made, AT_SYMLINK_NOFOLLOW) < 0) {
		warn_msg("%s: cannot stat %s: %s", what, r->dir, strerror(errno));
		goto out_rmdir;
	}
	/*
	 * Opened by path once $TMPDIR's descriptor is closed, so that four descriptors are enough
	 * for a run; the same device and inode as the directory just made prove that it is ours.
	 */
	close(tmp_fd);
	tmp_fd = -1;
	r->dir_fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->dir_fd < 0 || fstat(r->dir_fd, &st) < 0) {
		warn_msg("%s: cannot open %s: %s", what, r->dir, strerror(errno));
		goto out_rmdir;
	}
	if (st.st_dev != made.st_dev || st.st_ino != made.st_ino) {
		warn_msg("%s: %s was replaced as it was made", what, r->dir);
		goto out_rmdir;
	}
	/* Held, through this descriptor, by every process of the run: see the top of the file. */
	if (flock(r->dir_fd, LOCK_EX | LOCK_NB) < 0) {
		warn_msg("%s: cannot lock %s: %s", what, r->dir, strerror(errno));
		goto out_rmdir;
	}
	return 0;

out_rmdir:
	if (r->dir_fd >= 0)
		close(r->dir_fd);
	r->dir_fd = -1;
	if (tmp_fd < 0)
		tmp_fd = open(r->tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tmp_fd >= 0) {
		unlinkat(tmp_fd, r->name, AT_REMOVEDIR);
		close(tmp_fd);
	}
	return 1;
}

/* Counts of a cleaning: what went, and what could not. */
struct tally {
	int removed, errors;
	FILE *report;
};

/* "removed WHAT", escaped: a name in the directory may hold any byte. */
static void removed(struct tally *t, const char *what)
{
	t->removed++;
	if (t->report) {
		char *text = escape_text(what, strlen(what));

		fprintf(t->report, "removed %s\n", text);
		free(text);
	}
}

static void cannot(struct tally *t, const char *what, const char *why)
{
	t->errors++;
	/* warn_msg() escapes the whole message. */
	warn_msg("%s: cannot remove %s: %s", cli_cmd ? cli_cmd : "demo", what, why);
}

/*
 * Out of descriptors while cleaning our own run: then the run never had one to make a POSIX
 * object with either. Its processes had the same descriptors as lipc has now (0 to 2 and the
 * directory's), and lipc opens nothing else while a runner lives; so a limit that leaves lipc
 * no room now left the demo none, and there is nothing to find.
 */
static bool no_room(const struct demo_run *r)
{
	return (errno == EMFILE || errno == ENFILE) && r->pid == getpid();
}

/* The run's POSIX semaphore, /dev/shm/sem.lipc-demo-PID: a file of the caller's, no link. */
static void clean_posix_sem(const struct demo_run *r, struct tally *t)
{
	char name[48], entry[64];
	struct stat st;
	int shm = open("/dev/shm", O_PATH | O_DIRECTORY | O_CLOEXEC);

	ipc_name(r->pid, name, sizeof(name));
	snprintf(entry, sizeof(entry), "sem.%s", name + 1);
	if (shm < 0) {
		if (errno != ENOENT && !no_room(r))
			cannot(t, entry, strerror(errno));
		return;
	}
	if (fstatat(shm, entry, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid()) {
		char address[64];

		snprintf(address, sizeof(address), "sem:%s", name);
		if (unlinkat(shm, entry, 0) == 0)
			removed(t, address);
		else if (errno != ENOENT)
			cannot(t, address, strerror(errno));
	}
	close(shm);
}

/* The run's POSIX queue: only when the caller owns it (the descriptor's owner is the queue's). */
static void clean_posix_mq(const struct demo_run *r, struct tally *t)
{
	char name[48], address[64];
	struct stat st;
	bool mine;
	mqd_t mq;

	ipc_name(r->pid, name, sizeof(name));
	snprintf(address, sizeof(address), "mq:%s", name);
	mq = mq_open(name, O_RDONLY | O_CLOEXEC);
	if (mq == (mqd_t)-1) {
		/* None; another user's that we may not open; or no queues in this kernel. */
		if (errno != ENOENT && errno != EACCES && errno != ENOSYS && !no_room(r))
			cannot(t, address, strerror(errno));
		return;
	}
	mine = fstat((int)mq, &st) == 0 && st.st_uid == geteuid();
	mq_close(mq);
	if (!mine)
		return;
	if (mq_unlink(name) == 0)
		removed(t, address);
	else if (errno != ENOENT)
		cannot(t, address, strerror(errno));
}

/* A System V object a marker names: removed when it exists and its owner and creator are us. */
static void clean_sysv(bool sem, key_t key, struct tally *t)
{
	char address[32];
	uid_t me = geteuid();
	int id, gone;

	snprintf(address, sizeof(address), "%s:0x%08x", sem ? "sysv-sem" : "sysv-mq",
		 (unsigned)key);
	if (sem) {
		struct semid_ds ds;

		id = semget(key, 0, 0);
		if (id < 0 || semctl(id, 0, IPC_STAT, &ds) < 0 || ds.sem_perm.uid != me ||
		    ds.sem_perm.cuid != me)
			return;
		gone = semctl(id, 0, IPC_RMID);
	} else {
		struct msqid_ds ds;

		id = msgget(key, 0);
		if (id < 0 || msgctl(id, IPC_STAT, &ds) < 0 || ds.msg_perm.uid != me ||
		    ds.msg_perm.cuid != me)
			return;
		gone = msgctl(id, IPC_RMID, NULL);
	}
	if (gone == 0)
		removed(t, address);
	else if (errno != EINVAL && errno != EIDRM)
		cannot(t, address, strerror(errno));
}

/* One entry of the directory: a marker's object first, then the entry itself. */
static void clean_entry(const struct demo_run *r, const char *name, struct tally *t)
{
	char path[sizeof(r->dir) + NAME_MAX + 2];
	unsigned key;
	struct stat st;
	int end = 0;

	if (fstatat(r->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return; /* not there: nothing to do */
	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	if (st.st_uid != geteuid()) {
		cannot(t, path, "it is not yours");
		return;
	}
	if (S_ISREG(st.st_mode) &&
	    (sscanf(name, "sysv-sem-0x%8x%n", &key, &end) == 1 ||
	     sscanf(name, "sysv-msg-0x%8x%n", &key, &end) == 1) &&
	    name[end] == '\0' && end == 19)
		clean_sysv(name[5] == 's', (key_t)key, t);
	if (unlinkat(r->dir_fd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) == 0)
		removed(t, path);
	else if (errno != ENOENT)
		cannot(t, path, strerror(errno));
}

/* Every entry of the directory, by reading it (one more descriptor). */
static void clean_listed(const struct demo_run *r, struct tally *t)
{
	int fd = openat(r->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!d) {
		cannot(t, r->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			clean_entry(r, e->d_name, t);
	closedir(d);
}

int demo_run_clean(struct demo_run *r, unsigned what, FILE *report)
{
	struct tally t = { .report = report };
	char marker[32];
	bool gone;
	int tmp_fd;

	if (r->dir_fd < 0)
		return 0;
	if (what & DEMO_CLEAN_OBJECTS) {
		clean_posix_sem(r, &t);
		clean_posix_mq(r, &t);
		/* The names the demos use, without a descriptor to read the directory... */
		marker_name(marker, sizeof(marker), "sysv-sem", key_of(r->pid));
		clean_entry(r, marker, &t);
		marker_name(marker, sizeof(marker), "sysv-msg", key_of(r->pid));
		clean_entry(r, marker, &t);
		for (size_t i = 0; i < sizeof(known_files) / sizeof(known_files[0]); i++)
			clean_entry(r, known_files[i], &t);
	}
	if (!(what & DEMO_CLEAN_DIR))
		return t.errors ? -1 : t.removed;
	/* ... then the directory: read only when something else is in it. */
	tmp_fd = open(r->tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tmp_fd < 0 && errno == EMFILE) {
		/* At the limit: the lock goes first (the pid still keeps other cleaners off). */
		close(r->dir_fd);
		r->dir_fd = -1;
		tmp_fd = open(r->tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (tmp_fd < 0) {
		cannot(&t, r->dir, strerror(errno));
		goto out_close;
	}
	gone = unlinkat(tmp_fd, r->name, AT_REMOVEDIR) == 0;
	if (!gone && errno == ENOTEMPTY && r->dir_fd >= 0) {
		clean_listed(r, &t);
		gone = unlinkat(tmp_fd, r->name, AT_REMOVEDIR) == 0;
	}
	if (gone)
		removed(&t, r->dir);
	else if (errno != ENOENT)
		cannot(&t, r->dir, strerror(errno));
	close(tmp_fd);
out_close:
	if (r->dir_fd >= 0)
		close(r->dir_fd);
	r->dir_fd = -1;
	return t.errors ? -1 : t.removed;
}

/* "lipc-demo-PID-XXXXXX": the pid, or 0 when name is not a run's directory. */
static pid_t run_pid(const char *name)
{
	const char *p = name + strlen(PREFIX);
	long pid = 0;
	size_t n = 0;

	if (strncmp(name, PREFIX, strlen(PREFIX)))
		return 0;
	for (; *p >= '0' && *p <= '9' && pid <= 0xffffff; p++)
		pid = pid * 10 + (*p - '0');
	if (pid <= 0 || pid > 0xffffff || *p++ != '-')
		return 0;
	for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
	     p++)
		n++;
	return n == 6 && *p == '\0' ? (pid_t)pid : 0;
}

/* A live run's directory, which --clean does not touch: said, escaped ($TMPDIR is anything). */
static void left_alone(const char *dir, pid_t pid)
{
	char *text = escape_text(dir, strlen(dir));

	if (pid)
		printf("left alone: %s: process %d of that run is alive\n", text, (int)pid);
	else
		printf("left alone: %s: a process of that run is alive\n", text);
	free(text);
}

int demo_clean_all(void)
{
	const char *tmp = getenv("TMPDIR");
	int tmp_fd, runs = 0, errors = 0, alive = 0;
	struct dirent *e;
	DIR *d;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	tmp_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = tmp_fd < 0 ? NULL : fdopendir(fcntl(tmp_fd, F_DUPFD_CLOEXEC, 0));
	if (!d)
		fail("tour --clean: cannot read %s: %s", tmp, strerror(errno));
	while ((e = readdir(d))) {
		struct demo_run r = { .dir_fd = -1 };
		struct stat st, again;
		pid_t pid = run_pid(e->d_name);

		if (!pid || fstatat(tmp_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue; /* not a run's directory, or not the caller's */
		r.pid = pid;
		snprintf(r.tmp, sizeof(r.tmp), "%s", tmp);
		snprintf(r.name, sizeof(r.name), "%s", e->d_name);
		snprintf(r.dir, sizeof(r.dir), "%s/%s", tmp, e->d_name);
		if (kill(pid, 0) == 0 || errno == EPERM) {
			alive++;
			left_alone(r.dir, pid);
			continue;
		}
		r.dir_fd =
			openat(tmp_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (r.dir_fd < 0 || fstat(r.dir_fd, &again) < 0 || again.st_dev != st.st_dev ||
		    again.st_ino != st.st_ino) {
			if (r.dir_fd >= 0)
				close(r.dir_fd);
			continue; /* gone or replaced meanwhile: another cleaner's */
		}
		if (flock(r.dir_fd, LOCK_EX | LOCK_NB) < 0) {
			alive++;
			left_alone(r.dir, 0);
			close(r.dir_fd);
			continue;
		}
		runs++;
		if (demo_run_clean(&r, DEMO_CLEAN_OBJECTS | DEMO_CLEAN_DIR, stdout) < 0)
			errors++;
	}
	closedir(d);
	close(tmp_fd);
	if (!runs && !alive) {
		char *text = escape_text(tmp, strlen(tmp));

		printf("nothing to clean: no demo or tour of yours left anything in %s\n", text);
		free(text);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		fail("write error: %s", strerror(errno));
	return errors ? EXIT_FAILURE : EXIT_SUCCESS;
}
