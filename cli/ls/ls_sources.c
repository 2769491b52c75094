/* SPDX-License-Identifier: MIT */
/*
 * Where lipc ls finds the IPC objects of the system. The kernel shows each family in its own
 * place, and none of them is complete on its own:
 *   - System V objects in /proc/sysvipc/{msg,sem,shm}, one line each, under a header line that
 *     names the columns (read by name, as the order could change);
 *   - POSIX shared memory and named semaphores ("sem.NAME") as files in /dev/shm, among them
 *     LinuxIPC rings, which only their header tells apart (lipc_ring_stat reads it read-only);
 *   - POSIX message queues as files of the mqueue file system, which is often not mounted:
 *     without it no list of queues exists anywhere, and ls can only say how to mount it;
 *   - file locks in /proc/locks, which names a file by device and inode, and an OFD lock's
 *     holder not at all: the lock module finds the holders' descriptors in /proc/PID/fdinfo;
 *   - Unix sockets from the kernel's sock_diag netlink interface (this network namespace's), by
 *     socket inode and the exact bytes of the name they were bound to, with /proc/net/unix as
 *     the fallback; a socket's process is the one with "socket:[INODE]" among its fds;
 *   - FIFOs nowhere but as the open descriptors of processes: /proc/PID/fd, for the processes
 *     this user may look into.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/tcp.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "lipc/lock.h"
#include "lipc/msgq.h"
#include "lipc/ring.h"
#include "ls_object.h"

const char *const ls_kind_names[LS_N_KINDS] = {
	[LS_LOCK] = "lock",
	[LS_FIFO] = "fifo",
	[LS_SEM] = "sem",
	[LS_SYSV_SEM] = "sysv-sem",
	[LS_MQ] = "mq",
	[LS_SYSV_MQ] = "sysv-mq",
	[LS_SHM] = "shm",
	[LS_SYSV_SHM] = "sysv-shm",
	[LS_RING] = "ring",
	[LS_UNIX] = "unix",
	[LS_UNIX_DGRAM] = "unix-dgram",
	[LS_UNIX_SEQPACKET] = "unix-seqpacket",
};

static _Noreturn void out_of_memory(void)
{
	fail("%s", strerror(ENOMEM));
}

static void close_keeping_errno(int fd)
{
	int err = errno;

	close(fd);
	errno = err;
}

struct ls_object *ls_add(struct ls_list *l, enum ls_kind kind)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct ls_object *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			out_of_memory();
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = (struct ls_object){
		.kind = kind,
		.perms = -1,
		.size = -1,
		.used = -1,
		.count = -1,
		.id = -1,
		.start = -1,
		.end = -1,
		.producers = -1,
		.consumers = -1,
		.n_lag = -1,
	};
	return &l->v[l->n++];
}

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *ls_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

void ls_name(struct ls_object *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	o->name = vformat(fmt, ap);
	va_end(ap);
	o->name_len = strlen(o->name);
}

void ls_name_bytes(struct ls_object *o, const char *prefix, const char *bytes, size_t len)
{
	size_t plen = strlen(prefix);

	o->name = malloc(plen + len + 1);
	if (!o->name)
		out_of_memory();
	memcpy(o->name, prefix, plen);
	memcpy(o->name + plen, bytes, len);
	o->name[plen + len] = '\0';
	o->name_len = plen + len;
}

void ls_note(struct ls_list *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < l->n_notes; i++) {
		if (!strcmp(l->notes[i], s)) {
			free(s);
			return;
		}
	}
	if (l->n_notes < sizeof(l->notes) / sizeof(l->notes[0]))
		l->notes[l->n_notes++] = s;
	else
		free(s);
}

void ls_command_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	/* The kernel ends the name with a newline; the name itself may hold one too (it is
	 * escaped when printed). */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n > 0 ? n : 0] = '\0';
}

int ls_uid_of(pid_t pid, uid_t *uid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) < 0)
		return -1;
	*uid = st.st_uid;
	return 0;
}

/* The process that has an object: its pid, command and, when the object has none, owner. */
static void set_process(struct ls_object *o, pid_t pid, bool owner_too)
{
	uid_t uid;

	if (pid <= 0)
		return;
	o->pid = pid;
	ls_command_of(pid, o->command, sizeof(o->command));
	if (owner_too && !o->has_uid && ls_uid_of(pid, &uid) == 0) {
		o->has_uid = true;
		o->uid = uid;
	}
}

/* Owner, permissions and times of a file-backed object. */
static void set_file(struct ls_object *o, const struct stat *st)
{
	o->has_uid = true;
	o->uid = st->st_uid;
	o->perms = (int)(st->st_mode & 07777);
	o->changed = st->st_ctime;
	o->lastop = st->st_mtime;
}

/* System V: /proc/sysvipc. */

#define MAX_FIELDS 32

struct sysv_line {
	const char *names[MAX_FIELDS]; /* from the header line */
	const char *values[MAX_FIELDS];
	size_t n;
};

/*
 * A column of the current line by name, or -1 when this kernel has no such column. The
 * permissions are printed in octal, every other number in decimal.
 */
static long long field(const struct sysv_line *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return strtoll(s->values[i], NULL, strcmp(name, "perms") ? 10 : 8);
	return -1;
}

static void sysv_object(struct ls_list *l, enum ls_kind kind, const struct sysv_line *s)
{
	static const char *const scheme[] = {
		[LS_SYSV_MQ] = "sysv-mq",
		[LS_SYSV_SEM] = "sysv-sem",
		[LS_SYSV_SHM] = "sysv-shm",
	};
	struct ls_object *o = ls_add(l, kind);
	long long perms = field(s, "perms");
	struct msqid_ds ds;

	o->has_key = true;
	o->key = (unsigned)field(s, "key"); /* printed as a signed int */
	o->id = (int)field(s, kind == LS_SYSV_MQ    ? "msqid"
			      : kind == LS_SYSV_SEM ? "semid"
						    : "shmid");
	/* Key 0 is IPC_PRIVATE: no key names the object, its id does (lipc rm takes id=). */
	if (o->key)
		ls_name(o, "%s:0x%08x", scheme[kind], o->key);
	else
		ls_name(o, "%s:id=%d", scheme[kind], o->id);
	o->has_uid = true;
	o->uid = (uid_t)field(s, "uid");
	o->perms = (int)(perms & 0777);
	o->changed = (time_t)field(s, "ctime");
	switch (kind) {
	case LS_SYSV_MQ:
		o->used = field(s, "cbytes");
		o->count = field(s, "qnum");
		o->lspid = (pid_t)field(s, "lspid");
		o->lrpid = (pid_t)field(s, "lrpid");
		o->lastop = (time_t)(field(s, "stime") > field(s, "rtime") ? field(s, "stime")
									   : field(s, "rtime"));
		/* The capacity is not in /proc; IPC_STAT tells it to those who may read the queue.
		 */
		if (msgctl(o->id, IPC_STAT, &ds) == 0)
			o->size = (long long)ds.msg_qbytes;
		break;
	case LS_SYSV_SEM:
		o->count = field(s, "nsems");
		o->lastop = (time_t)field(s, "otime");
		break;
	default:
		o->size = field(s, "size");
		o->count = field(s, "nattch");
		o->cpid = (pid_t)field(s, "cpid");
		o->lpid = (pid_t)field(s, "lpid");
		if (field(s, "rss") >= 0)
			o->used = field(s, "rss") + (field(s, "swap") > 0 ? field(s, "swap") : 0);
		o->lastop = (time_t)(field(s, "atime") > field(s, "dtime") ? field(s, "atime")
									   : field(s, "dtime"));
		/* SHM_DEST: IPC_RMID marked it, and it goes at its last detach. SHM_LOCKED:
		 * mlocked. */
		snprintf(o->state, sizeof(o->state), "%s%s%s", perms & 01000 ? "removed" : "",
			 (perms & 01000) && (perms & 02000) ? ", " : "",
			 perms & 02000 ? "locked" : "");
		break;
	}
	for (pid_t *p = &o->cpid; p <= &o->lrpid; p++)
		if (*p < 0)
			*p = 0;
	if (o->lastop < 0)
		o->lastop = 0;
}

static void sysv_file(struct ls_list *l, enum ls_kind kind, const char *file)
{
	char *header = NULL, *line = NULL, *save;
	size_t hcap = 0, cap = 0;
	struct sysv_line s = { .n = 0 };
	FILE *f = fopen(file, "re");

	if (!f) {
		ls_note(l, "System V objects are not listed: %s: %s", file, strerror(errno));
		return;
	}
	if (getline(&header, &hcap, f) > 0) {
		for (char *t = strtok_r(header, " \t\n", &save); t && s.n < MAX_FIELDS;
		     t = strtok_r(NULL, " \t\n", &save))
			s.names[s.n++] = t;
	}
	while (getline(&line, &cap, f) > 0) {
		size_t i = 0;

		for (char *t = strtok_r(line, " \t\n", &save); t && i < s.n;
		     t = strtok_r(NULL, " \t\n", &save))
			s.values[i++] = t;
		if (i == s.n && s.n > 0)
			sysv_object(l, kind, &s);
	}
	free(line);
	free(header);
	fclose(f);
}

void ls_sysv(struct ls_list *l)
{
	if (l->want[LS_SYSV_MQ])
		sysv_file(l, LS_SYSV_MQ, "/proc/sysvipc/msg");
	if (l->want[LS_SYSV_SEM])
		sysv_file(l, LS_SYSV_SEM, "/proc/sysvipc/sem");
	if (l->want[LS_SYSV_SHM])
		sysv_file(l, LS_SYSV_SHM, "/proc/sysvipc/shm");
}

/* POSIX shared memory, named semaphores and rings: /dev/shm. */

/* 4096 -> "4K", 1536 -> "1.5K", 1048576 -> "1M": as ls -h, in powers of 1024. */
void ls_human_bytes(long long v, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, size, "%lld", v);
		return;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (d < 10 && d != (double)(long long)d)
		snprintf(buf, size, "%.1f%c", d, units[u]);
	else
		snprintf(buf, size, "%.0f%c", d, units[u]);
}

/* A ring's mode, in the word ls shows (and the scheme that names it: shm-multi:, ...). */
static const char *ring_mode_word(enum lipc_ring_mode mode)
{
	switch (mode) {
	case LIPC_RING_POINT:
		return "point";
	case LIPC_RING_MANY_WRITERS:
		return "multi";
	case LIPC_RING_FANOUT:
		return "pub";
	case LIPC_RING_FANOUT_LOSSY:
		return "lossy";
	}
	return "unknown";
}

/* "2 producers" */
static int counted(char *buf, size_t size, unsigned n, const char *what)
{
	return snprintf(buf, size, "%u %s%s", n, what, n == 1 ? "" : "s");
}

/*
 * What ls shows of a ring: its mode, who is attached, and how far behind each consumer is
 * (lipc_ring_lag(), a second look: a snapshot as the first, and its own count of consumers).
 * A point-to-point ring's state stays what it always was ("producer, consumer"); a ring of
 * another mode says "pub: 1 producer, 3 consumers (behind 0, 4K, 1M)", the first few lags (the
 * lag column has them all).
 */
static void ring_object(struct ls_object *o, const char *name, const struct lipc_ring_stat *rs)
{
	size_t lag[LIPC_RING_SLOTS], len;
	int n = lipc_ring_lag(name, lag, LIPC_RING_SLOTS);
	char *st = o->state;
	const size_t size = sizeof(o->state);

	o->size = (long long)rs->capacity;
	o->used = rs->used == SIZE_MAX ? -1 : (long long)rs->used;
	o->mode = ring_mode_word(rs->mode);
	o->producers = rs->producers;
	o->consumers = rs->consumers;
	if (n > LIPC_RING_SLOTS)
		n = LIPC_RING_SLOTS;
	if (n >= 0) {
		o->lag = malloc(((size_t)n + 1) * sizeof(*o->lag));
		if (!o->lag)
			out_of_memory();
		for (int i = 0; i < n; i++)
			o->lag[i] = lag[i] == SIZE_MAX ? -1 : (long long)lag[i];
		o->n_lag = n;
	}
	if (rs->used == SIZE_MAX) {
		snprintf(st, size, "corrupt");
		return;
	}
	if (rs->mode == LIPC_RING_POINT) {
		snprintf(st, size, "%s",
			 rs->producer && rs->consumer ? "producer, consumer"
			 : rs->producer		      ? "producer"
			 : rs->consumer		      ? "consumer"
						      : "");
		return;
	}
	len = (size_t)snprintf(st, size, "%s: ", o->mode);
	len += (size_t)counted(st + len, size - len, rs->producers, "producer");
	len += (size_t)snprintf(st + len, size - len, ", ");
	len += (size_t)counted(st + len, size - len, rs->consumers, "consumer");
	for (int i = 0; i < n && len < size; i++) {
		char human[32];

		if (i == 6) {
			snprintf(st + len, size - len, ", ...)");
			return;
		}
		if (o->lag[i] < 0)
			snprintf(human, sizeof(human), "?");
		else
			ls_human_bytes(o->lag[i], human, sizeof(human));
		len += (size_t)snprintf(st + len, size - len, "%s%s", i ? ", " : " (behind ",
					human);
	}
	if (n > 0 && len < size)
		snprintf(st + len, size - len, ")");
}

void ls_dev_shm(struct ls_list *l)
{
	DIR *d;
	struct dirent *e;

	if (!l->want[LS_SHM] && !l->want[LS_SEM] && !l->want[LS_RING])
		return;
	d = opendir("/dev/shm");
	if (!d) {
		ls_note(l, "POSIX shared memory and semaphores are not listed: /dev/shm: %s",
			strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		struct lipc_ring_stat rs = LIPC_RING_STAT_INIT;
		struct ls_object *o;
		struct stat st;
		char name[NAME_MAX + 2];
		bool sem = !strncmp(e->d_name, "sem.", 4) && e->d_name[4];

		/* Only regular files are objects (a program may keep directories there). */
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(name, sizeof(name), "/%s", sem ? e->d_name + 4 : e->d_name);
		if (sem) {
			if (!l->want[LS_SEM])
				continue;
			o = ls_add(l, LS_SEM);
			ls_name(o, "sem:%s", name);
		} else if (lipc_ring_stat(name, &rs) == 0) {
			if (!l->want[LS_RING])
				continue;
			o = ls_add(l, LS_RING);
			ls_name(o, "shm:%s", name);
			ring_object(o, name, &rs);
		} else {
			if (!l->want[LS_SHM])
				continue;
			o = ls_add(l, LS_SHM);
			ls_name(o, "%s", name);
			o->size = (long long)st.st_size;
			o->used = (long long)st.st_blocks * 512;
		}
		set_file(o, &st);
	}
	closedir(d);
}

/* POSIX message queues: the mqueue file system, wherever it is mounted. */

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_mountinfo(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Where an mqueue file system is mounted, /dev/mqueue first: 0, or -1 when nowhere. */
static int find_mqueue(char *dir, size_t size)
{
	char *line = NULL;
	size_t cap = 0;
	int found = -1;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE ... */
		char *save, *point, *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "mqueue ", 7))
			continue;
		strtok_r(line, " ", &save);
		for (int i = 0; i < 3; i++)
			strtok_r(NULL, " ", &save);
		point = strtok_r(NULL, " ", &save);
		if (!point)
			continue;
		unescape_mountinfo(point);
		if (found < 0 || !strcmp(point, "/dev/mqueue")) {
			snprintf(dir, size, "%s", point);
			found = 0;
		}
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}

/* "QSIZE:6          NOTIFY:0     SIGNO:0     NOTIFY_PID:0": what reading a queue's file says. */
static void mq_status(int dir, const char *file, struct ls_object *o)
{
	char buf[256];
	long long qsize;
	int notify_pid = 0;
	ssize_t n = -1;
	int fd = openat(dir, file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "QSIZE:%lld NOTIFY:%*d SIGNO:%*d NOTIFY_PID:%d", &qsize, &notify_pid) >= 1)
		o->used = qsize;
	/* The process registered with mq_notify(), which the next message will wake. */
	set_process(o, notify_pid, false);
}

void ls_mqueue(struct ls_list *l)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (!l->want[LS_MQ])
		return;
	if (find_mqueue(dir, sizeof(dir)) < 0) {
		ls_note(l,
			"POSIX message queues are not listed: no mqueue file system is mounted, "
			"and nothing else lists them. To see them, as root: mkdir -p /dev/mqueue "
			"&& mount -t mqueue none /dev/mqueue");
		return;
	}
	d = opendir(dir);
	if (!d) {
		ls_note(l, "POSIX message queues are not listed: %s: %s", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		char name[NAME_MAX + 2];
		struct ls_object *o;
		struct mq_attr attr;
		struct stat st;
		mqd_t mq;

		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(name, sizeof(name), "/%s", e->d_name);
		o = ls_add(l, LS_MQ);
		ls_name(o, "mq:%s", name);
		set_file(o, &st);
		mq_status(dirfd(d), e->d_name, o);
		/* Opening a queue for reading takes nothing from it, and tells its size and count.
		 */
		mq = lipc_msgq_posix_open(name, LIPC_RECV, 0, 0, 0, 0);
		if (mq != (mqd_t)-1) {
			if (lipc_msgq_posix_getattr(mq, &attr) == 0) {
				o->count = attr.mq_curmsgs;
				o->size = (long long)attr.mq_maxmsg * attr.mq_msgsize;
				snprintf(o->state, sizeof(o->state), "%ld x %ld bytes",
					 attr.mq_maxmsg, attr.mq_msgsize);
			}
			lipc_msgq_posix_close(mq);
		}
	}
	closedir(d);
}

/* File locks: /proc/locks, through the lock module. */

void ls_locks(struct ls_list *l)
{
	struct lipc_lock_info *locks = NULL;
	size_t max = 64;
	int n;

	if (!l->want[LS_LOCK])
		return;
	/* The list may grow between two reads: ask again with room for what was counted. */
	for (;;) {
		struct lipc_lock_info *more = realloc(locks, max * sizeof(*locks));

		if (!more)
			out_of_memory();
		locks = more;
		locks[0].struct_size = sizeof(*locks); /* the array's stride */
		n = lipc_lock_list_all(locks, max);
		if (n < 0 || (size_t)n <= max)
			break;
		max = (size_t)n + 16;
	}
	if (n < 0) {
		ls_note(l, "file locks are not listed: /proc/locks: %s", strerror(errno));
		free(locks);
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct lipc_lock_info *k = &locks[i];
		const struct lipc_lock_info *lk = k;
		char link[PATH_MAX + 1] = "";
		struct ls_object *o = ls_add(l, LS_LOCK);

		/* The file, as the holder's descriptor names it; a waiter's, as the holder's does.
		 */
		for (int j = 0; j < n && !link[0]; j++) {
			const struct lipc_lock_info *h = &locks[j];
			char fd_path[64];
			ssize_t len;

			if (h->fd < 0 || h->dev_major != k->dev_major ||
			    h->dev_minor != k->dev_minor || h->ino != k->ino)
				continue;
			snprintf(fd_path, sizeof(fd_path), "/proc/%d/fd/%d", (int)h->pid, h->fd);
			len = readlink(fd_path, link, sizeof(link) - 1);
			link[len > 0 ? len : 0] = '\0';
		}
		if (link[0])
			ls_name(o, "%s", link);
		else
			ls_name(o, "inode %02x:%02x:%lu", k->dev_major, k->dev_minor, k->ino);
		set_process(o, lk->pid, true);
		o->lock_kind = lipc_lock_kind_name(lk->kind);
		o->access = lk->shared ? "read" : "write";
		o->start = (long long)lk->start;
		o->end = lk->len ? (long long)(lk->start + lk->len - 1) : -1;
		if (lk->start == 0 && lk->len == 0)
			snprintf(o->state, sizeof(o->state), "%s %s%s", o->lock_kind, o->access,
				 lk->waiting ? " waiting" : "");
		else if (lk->len == 0)
			snprintf(o->state, sizeof(o->state), "%s %s %lld-EOF%s", o->lock_kind,
				 o->access, o->start, lk->waiting ? " waiting" : "");
		else
			snprintf(o->state, sizeof(o->state), "%s %s %lld-%lld%s", o->lock_kind,
				 o->access, o->start, o->end, lk->waiting ? " waiting" : "");
	}
	free(locks);
}

/*
 * Unix sockets and FIFOs (/proc/PID/fd): one walk through every descriptor.
 *
 * The sockets come from the kernel's sock_diag netlink interface (man 7 sock_diag): one message
 * per socket, with its name as the exact bytes it was bound to, its type and state, the inode of
 * the file it made and the user who made it. /proc/net/unix tells the same in text, one line per
 * socket with the name printed raw: a name that holds a newline followed by a well-formed line
 * reads as a second socket, which may even borrow a real socket's inode (and so its process).
 * That file is read only when netlink fails (a kernel without unix_diag), and a note says so.
 */

#define ACCEPTCON    0x10000 /* __SO_ACCEPTCON in the Flags column: a listener */
#define SS_CONNECTED 3	     /* the St column: struct socket's state */

/* A socket that has a name. */
struct unix_sock {
	unsigned long inode; /* 0: a connection not yet accepted, which has no socket inode */
	unsigned type;	     /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	bool listening, connected;
	char *path; /* as bound: a path, or @ and an abstract name's bytes (NULs included) */
	size_t path_len;
	bool has_vfs; /* the file it was bound to (sock_diag only) */
	unsigned vfs_dev, vfs_ino;
	bool has_uid; /* who made it (sock_diag, Linux 5.3 and later) */
	uid_t uid;
	struct ls_object *obj;
	pid_t pid; /* the lowest pid with the socket open, 0 when none was seen */
};

/* A FIFO some process has open. */
struct fifo {
	dev_t dev;
	ino_t ino;
	char *path;
	struct stat st;
	pid_t pid, last_pid; /* the lowest pid with it open; the last one counted */
	long processes, readers, writers;
};

struct scan {
	struct unix_sock *socks;
	size_t n_socks, cap_socks;
	bool from_diag; /* the sockets came from sock_diag (else from /proc/net/unix) */
	struct fifo *fifos;
	size_t n_fifos, cap_fifos;
	bool hidden; /* some process's descriptors could not be read */
};

static int compare_inode(const void *a, const void *b)
{
	const struct unix_sock *x = a, *y = b;

	return (x->inode > y->inode) - (x->inode < y->inode);
}

static enum ls_kind unix_kind(unsigned type)
{
	return type == SOCK_DGRAM	? LS_UNIX_DGRAM
	       : type == SOCK_SEQPACKET ? LS_UNIX_SEQPACKET
					: LS_UNIX;
}

/* A new socket at the end of sc->socks, its path a copy of len bytes. */
static struct unix_sock *add_sock(struct scan *sc, const char *path, size_t len)
{
	struct unix_sock *s;

	if (sc->n_socks == sc->cap_socks) {
		size_t cap = sc->cap_socks ? 2 * sc->cap_socks : 64;
		struct unix_sock *more = realloc(sc->socks, cap * sizeof(*more));

		if (!more)
			out_of_memory();
		sc->socks = more;
		sc->cap_socks = cap;
	}
	s = &sc->socks[sc->n_socks++];
	*s = (struct unix_sock){ .path = malloc(len + 1), .path_len = len };
	if (!s->path)
		out_of_memory();
	memcpy(s->path, path, len);
	s->path[len] = '\0';
	return s;
}

static void drop_socks(struct scan *sc)
{
	for (size_t i = 0; i < sc->n_socks; i++)
		free(sc->socks[i].path);
	free(sc->socks);
	sc->socks = NULL;
	sc->n_socks = sc->cap_socks = 0;
}

/*
 * The netlink message at off of the n bytes in buf, when a whole one is there (NLMSG_OK, with
 * sizes that are sizes), or NULL.
 */
static struct nlmsghdr *message_at(void *buf, size_t n, size_t off)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)buf + off);

	if (off > n || n - off < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > n - off)
		return NULL;
	return nlh;
}

/* One SOCK_DIAG_BY_FAMILY answer: a socket, kept when it has a name of a kind asked for. */
static void diag_socket(const struct ls_list *l, struct scan *sc, struct nlmsghdr *nlh)
{
	/* Not const: the kernel's macros (NLMSG_DATA, RTA_NEXT, RTA_DATA) cast it away. */
	struct unix_diag_msg *m = NLMSG_DATA(nlh);
	struct rtattr *a = (struct rtattr *)((char *)m + NLMSG_ALIGN(sizeof(*m)));
	int left = (int)(nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	const char *name = NULL;
	size_t name_len = 0;
	struct unix_diag_vfs vfs;
	bool has_vfs = false, has_uid = false;
	uint32_t uid = 0;
	struct unix_sock *s;

	for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		size_t size = RTA_PAYLOAD(a);

		if (a->rta_type == UNIX_DIAG_NAME && size > 0) {
			name = RTA_DATA(a);
			name_len = size;
		} else if (a->rta_type == UNIX_DIAG_VFS && size >= sizeof(vfs)) {
			memcpy(&vfs, RTA_DATA(a), sizeof(vfs));
			has_vfs = true;
		} else if (a->rta_type == UNIX_DIAG_UID && size >= sizeof(uid)) {
			memcpy(&uid, RTA_DATA(a), sizeof(uid));
			has_uid = true;
		}
	}
	/* Unnamed sockets (nobody can reach them), and kinds not asked for. */
	if (!name || !l->want[unix_kind(m->udiag_type)])
		return;
	if (name[0] == '\0') {
		/* Abstract: every byte after the first NUL is the name, NULs included. */
		s = add_sock(sc, name, name_len);
		s->path[0] = '@';
	} else {
		/* A path: the kernel counts the NUL that ends it (and nothing may follow one). */
		s = add_sock(sc, name, strnlen(name, name_len));
	}
	s->inode = m->udiag_ino;
	s->type = m->udiag_type;
	s->listening = m->udiag_state == TCP_LISTEN;
	/* A connection not yet accepted is established but has no socket inode yet: as in
	 * /proc/net/unix (SS_CONNECTING), it is not counted among the connections. */
	s->connected = m->udiag_state == TCP_ESTABLISHED && m->udiag_ino != 0;
	s->has_vfs = has_vfs;
	if (has_vfs) {
		s->vfs_dev = vfs.udiag_vfs_dev;
		s->vfs_ino = vfs.udiag_vfs_ino;
	}
	s->has_uid = has_uid;
	s->uid = (uid_t)uid;
}

/*
 * The named sockets of this network namespace, from sock_diag: 0, or -1 with errno (and nothing
 * kept). The answers are checked to come from the kernel (port 0) and to answer our request.
 */
static int read_unix_diag(const struct ls_list *l, struct scan *sc)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} rq = {
		.nlh = {
			.nlmsg_len = sizeof(rq),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.req = {
			.sdiag_family = AF_UNIX,
			.udiag_states = ~0U, /* every state */
			.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_UID,
		},
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* 32 KiB: the most the kernel puts in one dump message (netlink_dump's bound). */
	static long buf[32768 / sizeof(long)];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0)
		return -1;
	while (sendto(fd, &rq, sizeof(rq), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		if (errno != EINTR)
			goto out_close;
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_name = &from,
				      .msg_namelen = sizeof(from),
				      .msg_iov = &iov,
				      .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &msg, 0);
		struct nlmsghdr *nlh;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out_drop;
		if (msg.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			goto out_drop;
		}
		/* Only the kernel speaks for the kernel (another process would need CAP_NET_ADMIN
		 * to send here, but checking costs nothing). */
		if (msg.msg_namelen < sizeof(from) || from.nl_pid != 0)
			continue;
		for (size_t off = 0; (nlh = message_at(buf, (size_t)n, off));
		     off += NLMSG_ALIGN(nlh->nlmsg_len)) {
			if (nlh->nlmsg_seq != rq.nlh.nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed part way ends with its error here. */
				const int *err = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*err)) && *err < 0) {
					errno = -*err;
					goto out_drop;
				}
				close(fd);
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				errno = nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0
						? -e->error
						: EPROTO;
				goto out_drop;
			}
			if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
			    nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
				diag_socket(l, sc, nlh);
		}
	}
out_drop:
	drop_socks(sc);
out_close:
	close_keeping_errno(fd);
	return -1;
}

/*
 * The fallback: the named sockets of /proc/net/unix. A path may hold a newline, which the kernel
 * prints as it is: a line that does not start as a socket's line continues the path before it,
 * and one that does is taken for a socket, whatever it really is (the note says so).
 */
static void read_proc_unix(struct ls_list *l, struct scan *sc)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/net/unix", "re");
	bool kept = false; /* the last socket's line was kept: a line that follows continues it */
	ssize_t len;

	if (!f) {
		ls_note(l, "Unix sockets are not listed: /proc/net/unix: %s", strerror(errno));
		return;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		unsigned ref, proto, flags, type, st;
		unsigned long inode;
		int end = 0;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		/* "Num: RefCount Protocol Flags Type St Inode[ Path]": one space, then the path. */
		if (sscanf(line, "%*[0-9a-f]: %x %x %x %x %x %lu%n", &ref, &proto, &flags, &type,
			   &st, &inode, &end) == 6 &&
		    end > 0) {
			struct unix_sock *s;

			kept = false;
			/* Unnamed sockets (nobody can reach them), and kinds not asked for. */
			if (line[end] != ' ' || !line[end + 1] || !l->want[unix_kind(type)])
				continue;
			s = add_sock(sc, line + end + 1, (size_t)len - (size_t)end - 1);
			s->inode = inode;
			s->type = type;
			s->listening = (flags & ACCEPTCON) != 0;
			s->connected = st == SS_CONNECTED;
			kept = true;
			continue;
		}
		if (kept && strncmp(line, "Num ", 4)) {
			struct unix_sock *s = &sc->socks[sc->n_socks - 1];
			char *joined = ls_strdup_printf("%s\n%s", s->path, line);

			free(s->path);
			s->path = joined;
			s->path_len = strlen(joined);
		}
	}
	free(line);
	fclose(f);
}

static void read_unix(struct ls_list *l, struct scan *sc)
{
	if (read_unix_diag(l, sc) == 0) {
		sc->from_diag = true;
	} else {
		ls_note(l,
			"Unix sockets are listed from /proc/net/unix, as the kernel's sock_diag "
			"interface failed (%s): a socket name that holds a newline may be misread, "
			"even as another socket",
			strerror(errno));
		read_proc_unix(l, sc);
	}
	if (sc->n_socks > 0) /* qsort() and bsearch() want a real array, even an empty one */
		qsort(sc->socks, sc->n_socks, sizeof(*sc->socks), compare_inode);
	/* A dump walks the kernel's hash table while sockets move in it (bind moves one): the
	 * same socket may come twice. */
	if (sc->from_diag) {
		size_t kept = 0;

		for (size_t i = 0; i < sc->n_socks; i++) {
			struct unix_sock *s = &sc->socks[i];

			if (kept && s->inode && s->inode == sc->socks[kept - 1].inode)
				free(s->path);
			else
				sc->socks[kept++] = *s;
		}
		sc->n_socks = kept;
	}
}

static struct fifo *fifo_of(struct scan *sc, const struct stat *st, const char *path)
{
	for (size_t i = 0; i < sc->n_fifos; i++)
		if (sc->fifos[i].dev == st->st_dev && sc->fifos[i].ino == st->st_ino)
			return &sc->fifos[i];
	if (sc->n_fifos == sc->cap_fifos) {
		size_t cap = sc->cap_fifos ? 2 * sc->cap_fifos : 16;
		struct fifo *more = realloc(sc->fifos, cap * sizeof(*more));

		if (!more)
			out_of_memory();
		sc->fifos = more;
		sc->cap_fifos = cap;
	}
	sc->fifos[sc->n_fifos] = (struct fifo){
		.dev = st->st_dev,
		.ino = st->st_ino,
		.path = ls_strdup_printf("%s", path),
		.st = *st,
	};
	return &sc->fifos[sc->n_fifos++];
}

/* One descriptor of process pid: a socket we list, or a FIFO with a name. */
static void scan_fd(struct scan *sc, int fds, const char *fd, pid_t pid, bool want_fifos)
{
	char link[PATH_MAX + 1];
	ssize_t len = readlinkat(fds, fd, link, sizeof(link) - 1);
	unsigned long inode;
	struct stat st, lst;
	struct fifo *f;

	if (len <= 0)
		return;
	link[len] = '\0';
	if (sscanf(link, "socket:[%lu]", &inode) == 1) {
		struct unix_sock key = { .inode = inode }, *s;

		s = sc->n_socks ? bsearch(&key, sc->socks, sc->n_socks, sizeof(key), compare_inode)
				: NULL;
		if (s && (!s->pid || pid < s->pid))
			s->pid = pid;
		return;
	}
	/* A FIFO is a path; "pipe:[N]" and "anon_inode:..." are not. stat() follows the link to
	 * the open file itself, without a path lookup; a removed FIFO (no links) has no name. */
	if (!want_fifos || link[0] != '/' || fstatat(fds, fd, &st, 0) < 0 ||
	    !S_ISFIFO(st.st_mode) || st.st_nlink == 0)
		return;
	f = fifo_of(sc, &st, link);
	if (!f->pid || pid < f->pid)
		f->pid = pid;
	if (f->last_pid != pid) {
		f->processes++;
		f->last_pid = pid;
	}
	/* The link's own mode says how the descriptor was opened: r for reading, w for writing. */
	if (fstatat(fds, fd, &lst, AT_SYMLINK_NOFOLLOW) == 0) {
		f->readers += (lst.st_mode & S_IRUSR) != 0;
		f->writers += (lst.st_mode & S_IWUSR) != 0;
	}
}

static void scan_processes(struct scan *sc, bool want_fifos)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;

	while (proc && (p = readdir(proc))) {
		char path[300];
		struct dirent *e;
		DIR *fds;

		/* Not this process: what it inherited (a FIFO its shell has open) is not news. */
		if (p->d_name[0] < '1' || p->d_name[0] > '9' || atoi(p->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds) {
			sc->hidden |= errno == EACCES;
			continue;
		}
		while ((e = readdir(fds)))
			if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
				scan_fd(sc, dirfd(fds), e->d_name, (pid_t)atoi(p->d_name),
					want_fifos);
		closedir(fds);
	}
	if (proc)
		closedir(proc);
}

/*
 * Is the file at a socket's path the one it was bound to? The path may have been removed and
 * made again, or lead through a directory that its owner swapped for a link since: another
 * file's owner and mode must not be shown as the socket's. sock_diag gives the device (the
 * kernel's encoding: 12 bits of major, 20 of minor) and the inode (cut to 32 bits); without it
 * (/proc/net/unix) any socket file at the path is taken.
 */
static bool socket_file(const struct scan *sc, const struct unix_sock *s, struct stat *st)
{
	/* A path the process gave relative to its own directory cannot be checked. */
	if (s->path[0] != '/' || lstat(s->path, st) < 0 || !S_ISSOCK(st->st_mode))
		return false;
	if (!sc->from_diag)
		return true;
	return s->has_vfs && major(st->st_dev) == s->vfs_dev >> 20 &&
	       minor(st->st_dev) == (s->vfs_dev & 0xFFFFF) && (uint32_t)st->st_ino == s->vfs_ino;
}

/*
 * One object per name and type: a listener (or a bound datagram socket) and the connections it
 * accepted, which carry its name too. The file of a path can be gone while the socket lives on
 * (removed by hand): nobody new can reach it then.
 */
static void unix_objects(struct ls_list *l, struct scan *sc)
{
	for (size_t i = 0; i < sc->n_socks; i++) {
		struct unix_sock *s = &sc->socks[i], *anchor = NULL;
		enum ls_kind kind = unix_kind(s->type);
		bool listening = false, bound = false, has_file;
		pid_t pid = 0, any_pid = 0;
		struct ls_object *o;
		struct stat st;

		if (s->obj)
			continue; /* in the group of an earlier socket */
		o = ls_add(l, kind);
		ls_name_bytes(o,
			      kind == LS_UNIX	      ? "unix:"
			      : kind == LS_UNIX_DGRAM ? "unix-dgram:"
						      : "unix-seqpacket:",
			      s->path, s->path_len);
		o->count = 0;
		for (size_t j = i; j < sc->n_socks; j++) {
			struct unix_sock *t = &sc->socks[j];

			if (t->obj || t->type != s->type || t->path_len != s->path_len ||
			    memcmp(t->path, s->path, s->path_len))
				continue;
			t->obj = o;
			if (t->listening || !t->connected) {
				listening |= t->listening;
				bound |= !t->listening;
				if (t->pid && (!pid || t->pid < pid))
					pid = t->pid;
				/* The socket bound to the name, not a connection not yet accepted.
				 */
				if (t->inode && (!anchor || !anchor->listening))
					anchor = t;
			} else {
				o->count++;
			}
			if (t->pid && (!any_pid || t->pid < any_pid))
				any_pid = t->pid;
		}
		if (!anchor)
			anchor = s;
		has_file = socket_file(sc, anchor, &st);
		if (has_file) {
			set_file(o, &st);
		} else if (anchor->has_uid && anchor->inode) {
			/* No file: the owner is who made the socket (sock_diag tells). */
			o->has_uid = true;
			o->uid = anchor->uid;
		}
		set_process(o, pid ? pid : any_pid, true);
		snprintf(o->state, sizeof(o->state), "%s%s",
			 listening ? "listening"
			 : bound   ? "bound"
				   : "connected",
			 s->path[0] == '/' && !has_file ? ", file removed" : "");
	}
}

static void fifo_objects(struct ls_list *l, struct scan *sc)
{
	for (size_t i = 0; i < sc->n_fifos; i++) {
		struct fifo *f = &sc->fifos[i];
		struct ls_object *o = ls_add(l, LS_FIFO);

		ls_name(o, "fifo:%s", f->path);
		set_file(o, &f->st);
		o->count = f->processes;
		set_process(o, f->pid, false);
		snprintf(o->state, sizeof(o->state), "%ld reading, %ld writing", f->readers,
			 f->writers);
		free(f->path);
	}
}

void ls_sockets_and_fifos(struct ls_list *l)
{
	bool socks = l->want[LS_UNIX] || l->want[LS_UNIX_DGRAM] || l->want[LS_UNIX_SEQPACKET];
	struct scan sc = { .n_socks = 0 };

	if (!socks && !l->want[LS_FIFO])
		return;
	if (socks)
		read_unix(l, &sc);
	scan_processes(&sc, l->want[LS_FIFO]);
	unix_objects(l, &sc);
	fifo_objects(l, &sc);
	if (sc.hidden)
		ls_note(l, "the descriptors of other users' processes are hidden from you: their "
			   "FIFOs are not listed, nor who has their sockets open");
	drop_socks(&sc);
	free(sc.fifos);
}
