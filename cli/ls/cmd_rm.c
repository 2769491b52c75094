/* SPDX-License-Identifier: MIT */
/*
 * lipc rm: remove the IPC objects that outlived their processes, by the names lipc ls shows.
 * An address removes only the kind of object it names. Three traps are rm's own. A socket file
 * is removed only when nobody listens on it: a datagram probe must be refused first (a live
 * server's name is never taken from it). A name is never followed through a symbolic link, nor
 * is a link removed: the directory is pinned with an O_PATH descriptor, the entry is looked at
 * without following it, and removed with unlinkat() through that descriptor (a socket file by
 * its module, handed the path through /proc/self/fd/N, or from inside the directory), so that
 * whatever the directory's path turns into meanwhile, the removal happens in the directory that
 * was looked at. And
 * shm_unlink() and sem_unlink() remove whatever entry of /dev/shm has the name, a link another
 * user planted included: rm removes POSIX shared memory, semaphores and rings itself, as files
 * of /dev/shm. Queues (System V, and POSIX ones in their own file system, which holds no links)
 * have no path to follow, and go through their modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "lipc/key.h"
#include "lipc/msgq.h"
#include "lipc/ring.h"
#include "lipc/sem.h"
#include "lipc/shm.h"
#include "lipc/sock.h"

static const char help[] =
	"Usage: lipc rm [-f] [-v] ADDRESS...\n"
	"Remove IPC objects: what a crashed program left behind, or what you are done with.\n"
	"\n"
	"Addresses (the NAME column of 'lipc ls'):\n"
	"  fifo:PATH                  a FIFO (named pipe)\n"
	"  mq:/NAME                   a POSIX message queue, with its messages\n"
	"  sysv-mq:KEY                a System V message queue, with its messages\n"
	"  sem:/NAME                  a POSIX named semaphore (/dev/shm/sem.NAME)\n"
	"  sysv-sem:KEY               a System V semaphore set; its waiters fail at once\n"
	"  /NAME                      a POSIX shared memory object (/dev/shm/NAME)\n"
	"  sysv-shm:KEY               a System V segment: it goes at its last detach\n"
	"  shm:/NAME                  a LinuxIPC ring (a shared memory object that is one)\n"
	"  unix:PATH, unix-dgram:PATH, unix-seqpacket:PATH\n"
	"                             a socket file, only when nobody listens on it\n"
	"KEY is decimal, 0x hex, or @PATH[:PROJ] for ftok(PATH, PROJ); a System V object\n"
	"with no key (IPC_PRIVATE) is named by its id: sysv-mq:id=ID (and so on).\n"
	"\n"
	"Options:\n"
	"  -f, --force    say nothing about objects that do not exist\n"
	"  -v, --verbose  say what was removed\n"
	"  -h, --help     show this help\n"
	"\n"
	"Each address removes only the kind of object it names (a ring is shm:/NAME, never\n"
	"/NAME), looked at and removed in its directory; a symbolic link is never followed,\n"
	"nor removed: the name must be the object itself.\n"
	"Processes that have a POSIX object open keep it until they close it; the name goes\n"
	"at once. Removing a System V queue or semaphore set wakes its waiters with an error.\n"
	"Exit status: 0 all removed, 1 something could not be removed (or did not exist,\n"
	"without -f), 2 usage error.\n";

static const struct option longopts[] = {
	{ "force", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

enum kind {
	FIFO,
	MQ,
	SYSV_MQ,
	SEM,
	SYSV_SEM,
	SHM,
	SYSV_SHM,
	RING,
	SOCKET,
};

struct target {
	const char *text;
	enum kind kind;
	char name[PATH_MAX]; /* a path or /NAME */
	bool by_id;	     /* System V: id rather than key */
	int id;
	key_t key;
	int key_errno; /* @PATH that ftok() could not use: reported when its turn comes */
};

/* A POSIX IPC name, checked by the rules of the library (the shm: address's). */
static void posix_name(struct target *t, const char *name, const char *form)
{
	char address[PATH_MAX + 8];
	struct lipc_addr a = LIPC_ADDR_INIT;

	snprintf(address, sizeof(address), "shm:%s", name);
	if (lipc_addr_parse(&a, address) < 0)
		usage_error("rm: '%s' is not an address (%s: one slash, then a name%s)", t->text,
			    form, errno == ENAMETOOLONG ? " of at most 251 bytes" : "");
	snprintf(t->name, sizeof(t->name), "%s", name);
}

/* sysv-*:KEY or sysv-*:id=ID. */
static void sysv_target(struct target *t, const char *where)
{
	if (!strncmp(where, "id=", 3)) {
		t->by_id = true;
		t->id = (int)parse_long("id", where + 3, 0, INT_MAX);
		return;
	}
	if (lipc_key_parse(where, &t->key) == 0)
		return;
	if (errno == EINVAL)
		usage_error("rm: '%s': KEY is a number of 32 bits but 0 (decimal or 0x hex), "
			    "@PATH[:PROJ], or id=ID",
			    t->text);
	t->key_errno = errno; /* @PATH cannot be used: a failure of this one, not of all */
}

static void parse_target(struct target *t, const char *text)
{
	static const struct {
		const char *prefix;
		enum kind kind;
	} own[] = {
		{ "sem:", SEM },
		{ "sysv-sem:", SYSV_SEM },
		{ "sysv-shm:", SYSV_SHM },
		{ "sysv-mq:id=", SYSV_MQ },
	};
	struct lipc_addr a = LIPC_ADDR_INIT;

	memset(t, 0, sizeof(*t));
	t->text = text;
	if (text[0] == '/') {
		t->kind = SHM;
		posix_name(t, text, "/NAME");
		return;
	}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		size_t len = strchr(own[i].prefix, ':') - own[i].prefix + 1;

		if (strncmp(text, own[i].prefix, strlen(own[i].prefix)))
			continue;
		t->kind = own[i].kind;
		if (t->kind == SEM)
			posix_name(t, text + len, "sem:/NAME");
		else
			sysv_target(t, text + len);
		return;
	}
	if (lipc_addr_parse(&a, text) < 0) {
		if (errno == EPROTONOSUPPORT || !strchr(text, ':'))
			usage_error(
				"rm: '%s' is not an address lipc rm takes (fifo:, mq:, sysv-mq:, "
				"sem:, sysv-sem:, /NAME, sysv-shm:, shm:, unix:, unix-dgram:, "
				"unix-seqpacket:)",
				text);
		if (!strncmp(text, "sysv-mq:", 8) && errno != EINVAL) {
			t->kind = SYSV_MQ;
			t->key_errno = errno;
			return;
		}
		usage_error("rm: '%s' is not an address: %s", text,
			    errno == ENAMETOOLONG ? "the name is too long" : "malformed");
	}
	switch (a.scheme) {
	case LIPC_SCHEME_FIFO:
		t->kind = FIFO;
		break;
	case LIPC_SCHEME_MQ:
		t->kind = MQ;
		break;
	case LIPC_SCHEME_SYSV_MQ:
		t->kind = SYSV_MQ;
		t->key = a.key;
		return;
	case LIPC_SCHEME_SHM:
	case LIPC_SCHEME_SHM_MULTI: /* a ring of any mode: removed as shm: removes it */
	case LIPC_SCHEME_SHM_PUB:
	case LIPC_SCHEME_SHM_LOSSY:
		t->kind = RING;
		break;
	case LIPC_SCHEME_TCP:
		usage_error("rm: '%s': a TCP address has nothing to remove", text);
	default:
		if (a.path[0] == '@')
			usage_error(
				"rm: '%s' is an abstract name: it has no file, and goes when its "
				"last socket closes",
				text);
		t->kind = SOCKET;
		break;
	}
	snprintf(t->name, sizeof(t->name), "%s", a.path);
}

static void close_keeping_errno(int fd)
{
	int err = errno;

	close(fd);
	errno = err;
}

/*
 * Pin the directory of path and look at its entry without following it: the directory's
 * descriptor, with *st filled in and base set to the entry's name, or -1 with errno.
 */
static int pin(const char *path, char *base, size_t size, struct stat *st)
{
	int fd = open_dir_of(path, base, size);

	if (fd < 0)
		return -1;
	if (fstatat(fd, base, st, AT_SYMLINK_NOFOLLOW) < 0) {
		close_keeping_errno(fd);
		return -1;
	}
	return fd;
}

/* Why an entry that is not the kind asked for is refused. */
static const char *not_a(const struct stat *st, const char *kind)
{
	static char why[128];

	if (S_ISLNK(st->st_mode))
		return "it is a symbolic link, which lipc rm never follows";
	snprintf(why, sizeof(why), "it is not %s but %s", kind,
		 S_ISDIR(st->st_mode)	 ? "a directory"
		 : S_ISFIFO(st->st_mode) ? "a FIFO"
		 : S_ISSOCK(st->st_mode) ? "a socket"
		 : S_ISREG(st->st_mode)	 ? "a regular file"
					 : "a device");
	return why;
}

/*
 * lipc_sock_unlink_stale() on the socket file base of the directory dir, with dir as the working
 * directory meanwhile: the base name always fits in a socket address (the socket was bound to a
 * path that ends with it), and no /proc is needed. rm is single-threaded, so nothing else sees
 * the working directory change; should the old one not come back, relative names would mean
 * something else, and rm stops.
 */
static int unlink_stale_in(int dir, const char *base)
{
	char address[PATH_MAX + 8];
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), ret, err;

	if (here < 0)
		return -1;
	if (fchdir(dir) < 0) {
		close_keeping_errno(here);
		return -1;
	}
	snprintf(address, sizeof(address), "unix:%s", base);
	ret = lipc_sock_unlink_stale(address);
	err = errno;
	if (fchdir(here) < 0)
		fail("cannot return to the working directory: %s", strerror(errno));
	close(here);
	errno = err;
	return ret;
}

/* A FIFO or a socket file, removed in the directory pinned. */
static int remove_file(const struct target *t, const char **why)
{
	char base[PATH_MAX], pinned[PATH_MAX + 64];
	struct stat st;
	bool fifo = t->kind == FIFO;
	int dir = pin(t->name, base, sizeof(base), &st), ret;

	if (dir < 0)
		return -1;
	if (!(fifo ? S_ISFIFO(st.st_mode) : S_ISSOCK(st.st_mode))) {
		*why = not_a(&st, fifo ? "a FIFO" : "a socket");
		close(dir);
		errno = EEXIST;
		return -1;
	}
	if (fifo) {
		/* Between the look and the removal only the entry's owner (or the directory's,
		 * where it is not sticky) can swap it: nobody else's file goes. */
		ret = unlinkat(dir, base, 0);
		close_keeping_errno(dir);
		return ret;
	}
	/*
	 * The socket's probe needs a path to connect to: the pinned directory's, through /proc
	 * when it is there and the path fits in a socket address, else from inside it.
	 */
	snprintf(pinned, sizeof(pinned), "unix:/proc/self/fd/%d/%s", dir, base);
	if (access("/proc/self/fd", F_OK) == 0 && strlen(pinned) - 5 <= LIPC_SOCK_PATH_MAX)
		ret = lipc_sock_unlink_stale(pinned);
	else
		ret = unlink_stale_in(dir, base);
	if (ret < 0 && errno == EADDRINUSE)
		*why = "it is alive: a process still has a socket bound to it";
	else if (ret < 0 && errno == EEXIST)
		*why = "it was replaced meanwhile by something that is not one";
	close_keeping_errno(dir);
	return ret;
}

/*
 * A file of /dev/shm: /NAME (a POSIX shared memory object, but not a ring), sem:/NAME (the
 * semaphore's file, sem.NAME) or shm:/NAME (a ring). The entry must be a regular file, looked at
 * without following it, and goes with unlinkat() through the directory's descriptor.
 */
static int remove_dev_shm(const struct target *t, const char **why)
{
	static char why_buf[PATH_MAX + 64];
	char entry[PATH_MAX];
	struct lipc_ring_stat rs = LIPC_RING_STAT_INIT;
	struct stat st;
	bool ring;
	int dir, ret = -1;

	/* t->name is /NAME, checked as the library checks a name: one slash, then a name. */
	snprintf(entry, sizeof(entry), "%s%s", t->kind == SEM ? "sem." : "", t->name + 1);
	dir = open("/dev/shm", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	if (fstatat(dir, entry, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto out_close;
	errno = EEXIST;
	if (!S_ISREG(st.st_mode)) {
		*why = not_a(&st, t->kind == SEM    ? "a POSIX named semaphore"
				  : t->kind == RING ? "a LinuxIPC ring"
						    : "a POSIX shared memory object");
		goto out_close;
	}
	/* lipc ls shows sem.NAME as sem:/NAME, whatever it holds. */
	if (t->kind != SEM && !strncmp(entry, "sem.", 4) && entry[4]) {
		snprintf(why_buf, sizeof(why_buf),
			 "it is a POSIX named semaphore: remove it as sem:/%s", entry + 4);
		*why = why_buf;
		goto out_close;
	}
	if (t->kind != SEM) {
		/* Read through its name (O_NOFOLLOW), never mapped: a look, not a join. */
		ring = lipc_ring_stat(t->name, &rs) == 0;
		if (!ring && t->kind == RING) {
			if (errno == EPROTO)
				*why = "it is not a LinuxIPC ring (a POSIX shared memory object is "
				       "removed as /NAME)";
			goto out_close;
		}
		if (ring && t->kind == SHM) {
			snprintf(why_buf, sizeof(why_buf),
				 "it is a LinuxIPC ring: remove it as shm:%s", t->name);
			*why = why_buf;
			errno = EEXIST;
			goto out_close;
		}
	}
	/* Between the look and the removal only the entry's owner (/dev/shm is sticky) can swap
	 * it: nobody else's file goes. */
	ret = unlinkat(dir, entry, 0);
	/* Another user's entry of the sticky directory: EPERM, which shm_unlink() and
	 * sem_unlink() report as POSIX says, EACCES. */
	if (ret < 0 && errno == EPERM)
		errno = EACCES;
out_close:
	close_keeping_errno(dir);
	return ret;
}

/* A System V object by its id (IPC_PRIVATE objects have no key). */
static int remove_by_id(const struct target *t)
{
	int ret = t->kind == SYSV_MQ	? msgctl(t->id, IPC_RMID, NULL)
		  : t->kind == SYSV_SEM ? semctl(t->id, 0, IPC_RMID)
					: shmctl(t->id, IPC_RMID, NULL);

	if (ret < 0 && errno == EINVAL)
		errno = ENOENT; /* no object of that kind has this id */
	return ret;
}

static int remove_target(const struct target *t, const char **why)
{
	static char key_why[128];

	*why = NULL;
	if (t->key_errno) {
		snprintf(key_why, sizeof(key_why), "ftok() cannot use its @PATH: %s",
			 strerror(t->key_errno));
		*why = key_why;
		errno = t->key_errno;
		return -1;
	}
	if (t->by_id)
		return remove_by_id(t);
	switch (t->kind) {
	case FIFO:
	case SOCKET:
		return remove_file(t, why);
	case MQ:
		return lipc_msgq_posix_unlink(t->name);
	case SYSV_MQ:
		return lipc_msgq_sysv_unlink(t->key);
	case SEM:
	case SHM:
	case RING:
		return remove_dev_shm(t, why);
	case SYSV_SEM:
		return lipc_sem_sysv_unlink(t->key);
	case SYSV_SHM:
		return lipc_shm_sysv_unlink(t->key);
	}
	errno = EINVAL;
	return -1;
}

int cmd_rm(int argc, char **argv)
{
	bool force = false, verbose = false;
	struct target *targets;
	int opt, n, failed = 0;

	while ((opt = next_option(argc, argv, "fv", longopts, help)) != -1) {
		if (opt == 'f')
			force = true;
		else if (opt == 'v')
			verbose = true;
	}
	n = argc - optind;
	if (n == 0)
		usage_error("rm: missing ADDRESS");
	targets = calloc((size_t)n, sizeof(*targets));
	if (!targets)
		fail("%s", strerror(ENOMEM));
	/* Every operand is checked before anything is removed: a typo removes nothing. */
	for (int i = 0; i < n; i++)
		parse_target(&targets[i], argv[optind + i]);
	for (int i = 0; i < n; i++) {
		const char *why;

		if (remove_target(&targets[i], &why) == 0) {
			if (verbose) {
				/* As messages are: the address may be a name someone else chose. */
				fputs("removed ", stdout);
				escape_put(stdout, targets[i].text, strlen(targets[i].text));
				putchar('\n');
			}
			continue;
		}
		if (errno == ENOENT && !why) {
			if (force)
				continue;
			why = "it does not exist";
		}
		warn_msg("cannot remove %s: %s", targets[i].text, why ? why : strerror(errno));
		failed = 1;
	}
	free(targets);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
