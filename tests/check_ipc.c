/* SPDX-License-Identifier: MIT */
/*
 * The IPC objects of the tests, behind check.h: the names and keys that carry the test's pid,
 * the run's registry of them, the sweep that removes what a test left (and reports it), another
 * user's directory and copies of programs for it, the sandbox with IPC objects of its own, and
 * checksummed traffic through a channel.
 *
 * The traps: two suites may run at once, so the whole-run sweep looks only at this run's
 * directory and registry; another user may own a directory in what is swept, so removal goes
 * through directory descriptors and never follows a link; in /tmp anyone may create a name, so
 * only a directory of ours is removed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <mqueue.h>
#include <stdint.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "check.h"
#include "check_internal.h"

#define PREFIX	 "lipc-test-"
#define KEY_TAG	 0x4C000000u
#define KEY_MASK 0xFF000000u
/* The other user's directories: /tmp/lipc-uid-PID-XXXXXX, outside the test directory. */
#define OTHER_DIR_IN	     "/tmp"
#define OTHER_DIR_NAME(path) ((path) + sizeof(OTHER_DIR_IN)) /* past "/tmp/" */
#define OTHER_DIR_PREFIX     "lipc-uid-"

static void registry_add(char kind, const char *what);

char *check_name(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, PREFIX "%d-%s", (int)check_pid, what);
	registry_add('n', buf);
	return buf;
}

char *check_path(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "%s/" PREFIX "%d-%s", check_test_dir(), (int)check_pid, what);
	return buf;
}

char *check_path_addr(char *buf, size_t size, const char *scheme)
{
	char path[PATH_MAX];

	snprintf(buf, size, "%s:%s", scheme, check_path(path, sizeof(path), scheme));
	return buf;
}

char *check_name_addr(char *buf, size_t size, const char *scheme)
{
	char name[NAME_MAX + 1];

	snprintf(buf, size, "%s:/%s", scheme, check_name(name, sizeof(name), scheme));
	return buf;
}

static key_t key_of(pid_t pid)
{
	return (key_t)(KEY_TAG | ((unsigned)pid & 0xFFFFu) << 8);
}

key_t check_key(unsigned n)
{
	key_t key = key_of(check_pid) | (key_t)(n & 0xFFu);
	char text[16];

	snprintf(text, sizeof(text), "%x", (unsigned)key);
	registry_add('k', text);
	return key;
}

/*
 * Another user. The answer to "may this test switch to it?" comes from a child that tries, so
 * that whatever decides it (root, capabilities, a user namespace without uid 65534, seccomp)
 * decides it here too. It is asked once per test process; children inherit the answer.
 */
static int other_uid_ok; /* 0: not asked yet, 1: yes, -1: no */

static bool can_switch_uid(char *why, size_t size)
{
	char msg[sizeof(int) + 16] = "";
	int pipefd[2], err;
	pid_t pid;

	if (geteuid() == CHECK_OTHER_UID || getuid() == CHECK_OTHER_UID) {
		snprintf(why, size, "the tests run as uid %d itself: there is no other user to be",
			 CHECK_OTHER_UID);
		return false;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		check_fail(__FILE__, __LINE__, "pipe2: %s", strerror(errno));
	pid = check_fork();
	if (pid == 0) {
		const char *step = NULL;

		if (setgroups(0, NULL) < 0)
			step = "setgroups";
		else if (setgid(CHECK_OTHER_GID) < 0)
			step = "setgid";
		else if (setuid(CHECK_OTHER_UID) < 0)
			step = "setuid";
		if (!step)
			_exit(0);
		/* errno, then the call that failed, in one write that the parent reads whole. */
		err = errno;
		memcpy(msg, &err, sizeof(err));
		memcpy(msg + sizeof(err), step, strlen(step));
		(void)!write(pipefd[1], msg, sizeof(err) + strlen(step));
		_exit(1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], msg, sizeof(msg) - 1) < (ssize_t)sizeof(err))
		memset(msg, 0, sizeof(msg));
	close(pipefd[0]);
	if (check_wait_status(pid) == 0)
		return true;
	memcpy(&err, msg, sizeof(err));
	if (msg[sizeof(err)])
		snprintf(why, size,
			 "cannot switch to uid %d (%s: %s); run the suite as root for it",
			 CHECK_OTHER_UID, msg + sizeof(err), strerror(err));
	else
		snprintf(why, size, "cannot switch to uid %d: the process that tried died",
			 CHECK_OTHER_UID);
	return false;
}

bool check_other_uid(void)
{
	static char why[256];

	if (!other_uid_ok) {
		other_uid_ok = can_switch_uid(why, sizeof(why)) ? 1 : -1;
		/* Ready before the test forks: its children share this copy. */
		if (other_uid_ok > 0 && getenv("LIPC") && *getenv("LIPC"))
			check_lipc_for_other_uid();
	}
	if (other_uid_ok < 0) {
		if (check_shared &&
		    !__atomic_fetch_add(&check_shared->parts_left_out, 1, __ATOMIC_SEQ_CST))
			fprintf(stderr, "leaving out what needs another user: %s\n", why);
		return false;
	}
	return true;
}

void check_become_other_uid(void)
{
	const char *lipc = getenv("LIPC") && *getenv("LIPC") ? check_lipc_for_other_uid() : NULL;

	/* Groups first, uid last: once the uid is gone, so is the right to change the others. */
	if (setgroups(0, NULL) < 0 || setgid(CHECK_OTHER_GID) < 0 || setuid(CHECK_OTHER_UID) < 0)
		check_skip("cannot become uid %d: %s", CHECK_OTHER_UID, strerror(errno));
	if (lipc && setenv("LIPC", lipc, 1) < 0)
		check_fail(__FILE__, __LINE__, "setenv LIPC: %s", strerror(errno));
}

static void remove_other_dir(const char *name);

static char other_dir[PATH_MAX];
static pid_t other_dir_maker;

/* At the exit of the test process that made it; the runner's sweep is there for the rest. */
void check_remove_own_other_dir(void)
{
	if (other_dir[0] && getpid() == other_dir_maker) {
		remove_other_dir(OTHER_DIR_NAME(other_dir));
		other_dir[0] = '\0';
	}
}

const char *check_other_uid_dir(void)
{
	if (other_dir[0])
		return other_dir;
	snprintf(other_dir, sizeof(other_dir), OTHER_DIR_IN "/" OTHER_DIR_PREFIX "%d-XXXXXX",
		 (int)check_pid);
	if (!mkdtemp(other_dir)) {
		int err = errno;

		other_dir[0] = '\0';
		check_fail(__FILE__, __LINE__, "mkdtemp in %s: %s", OTHER_DIR_IN, strerror(err));
	}
	registry_add('d', OTHER_DIR_NAME(other_dir));
	if (other_dir_maker != getpid() && getpid() == check_pid) {
		other_dir_maker = getpid();
		atexit(check_remove_own_other_dir);
	}
	/* mkdtemp made it 0700: others may now enter it, and still not list or change it. */
	CHECK_SYS(chmod(other_dir, 0711));
	return other_dir;
}

const char *check_copy_for_other_uid(const char *path)
{
	static char copies[8][PATH_MAX];
	char base[NAME_MAX + 1], buf[65536];
	struct statvfs vfs;
	int in, out, dir;
	size_t i;
	ssize_t n;

	snprintf(buf, sizeof(buf), "%s", path);
	snprintf(base, sizeof(base), "%s", basename(buf));
	for (i = 0; i < 8 && copies[i][0]; i++)
		if (!strcmp(basename(strcpy(buf, copies[i])), base))
			return copies[i];
	if (i == 8)
		check_fail(__FILE__, __LINE__, "more than 8 copies for the other user");
	if (statvfs(OTHER_DIR_IN, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
		check_skip("%s is mounted noexec: another user cannot run a copy of %s there",
			   OTHER_DIR_IN, base);
	in = (int)CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
	dir = (int)CHECK_SYS(open(check_other_uid_dir(), O_PATH | O_DIRECTORY | O_CLOEXEC));
	out = (int)CHECK_SYS(
		openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700));
	while ((n = CHECK_SYS(read(in, buf, sizeof(buf)))) > 0)
		for (ssize_t done = 0; done < n;)
			done += CHECK_SYS(write(out, buf + done, (size_t)(n - done)));
	/* Whatever the umask: its owner alone writes it, everyone may run it. */
	CHECK_SYS(fchmod(out, 0755));
	/* Closed before anyone runs it: a file open for writing cannot be run (ETXTBSY). */
	CHECK_SYS(close(out));
	close(in);
	close(dir);
	if ((size_t)snprintf(copies[i], sizeof(copies[i]), "%s/%s", check_other_uid_dir(), base) >=
	    sizeof(copies[i]))
		check_fail(__FILE__, __LINE__, "%s: path too long", base);
	return copies[i];
}

const char *check_lipc_for_other_uid(void)
{
	return check_copy_for_other_uid(check_lipc());
}

void check_created(int dirfd, const char *name, const struct stat *st, void *arg)
{
	const char *path = arg;
	struct stat at, there;

	CHECK_STR(name, strrchr(path, '/') + 1);
	CHECK_SYS(fstatat(dirfd, name, &at, AT_SYMLINK_NOFOLLOW));
	CHECK_SYS(lstat(path, &there));
	CHECK(at.st_ino == st->st_ino && at.st_dev == st->st_dev);
	CHECK(there.st_ino == st->st_ino && there.st_dev == st->st_dev);
	check_created_calls++;
}

/* mkdir -p */
static void make_dirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

/*
 * The directories the suite needs (the sources, the test directory, lipc's, the other user's),
 * when under /tmp.
 */
static size_t dirs_under_tmp(char dirs[][PATH_MAX], size_t max)
{
	const char *env[] = { getenv("LIPC_SOURCE_DIR"), getenv("LIPC_TEST_DIR"), getenv("LIPC"),
			      other_dir[0] ? other_dir : NULL };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]) && n < max; i++) {
		if (!env[i] || strncmp(env[i], "/tmp/", 5))
			continue;
		snprintf(dirs[n], PATH_MAX, "%s", env[i]);
		if (i == 2) /* the binary: its directory */
			*strrchr(dirs[n], '/') = '\0';
		n++;
	}
	return n;
}

static void sandbox(const char *mqueue_dir, unsigned flags)
{
	char keep[4][PATH_MAX];
	int fds[4];
	size_t n = 0;

	if (unshare(CLONE_NEWNS | CLONE_NEWIPC) < 0)
		check_skip("no sandbox: unshare(CLONE_NEWNS | CLONE_NEWIPC): %s", strerror(errno));
	/* Mounts made from now on stay in this namespace. */
	CHECK_SYS(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	/*
	 * /dev is one file system for every namespace (devtmpfs): read-only here, so that nothing
	 * run inside (a mkdir /dev/mqueue) changes the machine. Devices stay writable.
	 */
	CHECK_SYS(mount("/dev", "/dev", NULL, MS_BIND | MS_REC, NULL));
	CHECK_SYS(mount(NULL, "/dev", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	CHECK_SYS(mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
	if (flags & CHECK_SANDBOX_TMP) {
		/* The suite's own directories under /tmp are pinned, then put back on top. */
		n = dirs_under_tmp(keep, 4);
		for (size_t i = 0; i < n; i++)
			fds[i] = (int)CHECK_SYS(open(keep[i], O_PATH | O_DIRECTORY | O_CLOEXEC));
		CHECK_SYS(mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
		for (size_t i = 0; i < n; i++) {
			char from[64];

			snprintf(from, sizeof(from), "/proc/self/fd/%d", fds[i]);
			make_dirs(keep[i]);
			CHECK_SYS(mount(from, keep[i], NULL, MS_BIND | MS_REC, NULL));
			close(fds[i]);
		}
	}
	/* After unshare(CLONE_NEWIPC): this mqueue file system shows the new namespace's queues. */
	CHECK_SYS(mount("mqueue", mqueue_dir, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
}

void check_sandboxed(void (*fn)(const char *mqueue_dir, void *arg), void *arg, unsigned flags)
{
	char dir[PATH_MAX];
	pid_t pid;
	int status;

	/* An empty directory to mount on, outside: the mount is the child's alone. */
	check_path(dir, sizeof(dir), "mqueue");
	CHECK_SYS(mkdir(dir, 0700));
	pid = check_fork();
	if (pid == 0) {
		sandbox(dir, flags);
		fn(dir, arg);
		_exit(0);
	}
	status = check_wait_status(pid);
	CHECK_SYS(rmdir(dir));
	if (check_skipped(status))
		check_skip("skipped in the sandbox");
	if (status != 0)
		check_fail(__FILE__, __LINE__, "the sandboxed part failed (status %d)", status);
}

/* A cheap checksum (FNV-1a) over a message body. */
static uint32_t fnv(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static void traffic_send(const struct check_traffic *t, const char *address)
{
	unsigned char body[65536];
	char msg[sizeof(body) + 64];
	struct lipc_chan *c = lipc_chan_open(address, LIPC_SEND, &t->opts);
	uint32_t rnd = 1;

	if (!c)
		check_fail(__FILE__, __LINE__, "sender: cannot open %s: %s", address,
			   strerror(errno));
	CHECK(t->max_body <= sizeof(body));
	for (long seq = 0; seq < t->count; seq++) {
		size_t len;
		int h;

		rnd = rnd * 1103515245u + 12345u;
		len = (rnd >> 8) % (t->max_body + 1);
		for (size_t i = 0; i < len; i++) {
			rnd = rnd * 1103515245u + 12345u;
			body[i] = t->binary ? (unsigned char)(rnd >> 16)
					    : (unsigned char)('a' + (rnd >> 16) % 26);
		}
		h = snprintf(msg, sizeof(msg), "%ld %08x ", seq, fnv(body, len));
		memcpy(msg + h, body, len);
		if (lipc_chan_send(c, msg, (size_t)h + len) < 0)
			check_fail(__FILE__, __LINE__, "sender: message %ld: %s", seq,
				   strerror(errno));
	}
	CHECK_SYS(lipc_chan_close(c));
}

void check_traffic(const struct check_traffic *t)
{
	struct lipc_chan *c = NULL;
	struct lipc_msg m = LIPC_MSG_INIT;
	char address[PATH_MAX + 64];
	pid_t pid;

	snprintf(address, sizeof(address), "%s", t->address);
	if (t->recv_first) {
		c = lipc_chan_open(address, LIPC_RECV, &t->opts);
		if (!c)
			check_fail(__FILE__, __LINE__, "cannot open %s: %s", address,
				   strerror(errno));
		/* A listener asked for port 0 tells where it really is. */
		if (lipc_chan_address(c, address, sizeof(address)) < 0)
			CHECK_EQ(errno, ENOTSUP);
	}
	pid = check_fork();
	if (pid == 0) {
		if (c)
			lipc_chan_close(c); /* the child's copy: it never receives */
		traffic_send(t, address);
		_exit(0);
	}
	if (!c) {
		c = lipc_chan_open(address, LIPC_RECV, &t->opts);
		if (!c)
			check_fail(__FILE__, __LINE__, "cannot open %s: %s", address,
				   strerror(errno));
	}
	for (long seq = 0; seq < t->count; seq++) {
		unsigned long sum;
		long got;
		int h = 0;
		char head[40];
		size_t n;

		if (lipc_chan_recv(c, &m) != 1)
			check_fail(__FILE__, __LINE__, "message %ld of %ld did not come: %s", seq,
				   t->count, strerror(errno));
		n = m.len < sizeof(head) - 1 ? m.len : sizeof(head) - 1;
		memcpy(head, m.data, n);
		head[n] = '\0';
		/* "%n" right after the sum: the body may itself start with blanks. */
		CHECK_EQ(sscanf(head, "%ld %lx%n", &got, &sum, &h), 2);
		CHECK_EQ(got, seq);
		CHECK_EQ(sum, fnv((const unsigned char *)m.data + h + 1, m.len - (size_t)h - 1));
	}
	if (t->stream_end)
		CHECK_EQ(lipc_chan_recv(c, &m), 0);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_chan_close(c));
}

/*
 * The sweep. A test's objects are found by its pid: by name in the test directory, /dev/shm and
 * /dev/mqueue, by key among System V objects, and through the run's registry of every name and
 * key handed out by check_name() and check_key(), which finds POSIX queues even where
 * /dev/mqueue is not mounted. The whole-run sweep (pid 0) looks only at this run's directory and
 * registry, so two suites may run at once (make test beside make sanitize) without one removing
 * the other's objects.
 */

static bool ours(const char *name, const char *prefix)
{
	return !strncmp(name, prefix, strlen(prefix));
}

static void report_one(FILE *report, const char *what, const char *name)
{
	if (report)
		fprintf(report, "left behind: %s %s\n", what, name);
}

/* A test's directory and the files in it (tests make them one level deep). */
static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char file[PATH_MAX + sizeof(e->d_name) + 1];

		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
			unlink(file);
		}
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static int sweep_dir(const char *dir, const char *prefix, FILE *report)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		/* POSIX named semaphores live in /dev/shm as sem.NAME. */
		const char *name = ours(e->d_name, "sem.") ? e->d_name + 4 : e->d_name;
		char path[PATH_MAX];

		if (!ours(name, prefix))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		report_one(report, "file", path);
		if (unlink(path) < 0 && errno == EISDIR)
			remove_dir(path);
		n++;
	}
	closedir(d);
	return n;
}

/* Remove the System V objects with this key: how many there were. */
static int sweep_key(key_t key, FILE *report)
{
	char name[32];
	int id, n = 0;

	snprintf(name, sizeof(name), "0x%08x", (unsigned)key);
	if ((id = msgget(key, 0)) >= 0 && msgctl(id, IPC_RMID, NULL) == 0) {
		report_one(report, "System V message queue", name);
		n++;
	}
	if ((id = semget(key, 0, 0)) >= 0 && semctl(id, 0, IPC_RMID) == 0) {
		report_one(report, "System V semaphore set", name);
		n++;
	}
	if ((id = shmget(key, 0, 0)) >= 0 && shmctl(id, IPC_RMID, NULL) == 0) {
		report_one(report, "System V shared memory", name);
		n++;
	}
	return n;
}

/* System V objects whose key carries this pid. */
static int sweep_sysv_of(pid_t pid, FILE *report)
{
	static const char *const kinds[] = { "msg", "sem", "shm" };
	int n = 0;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char file[64], line[512];
		FILE *f;

		snprintf(file, sizeof(file), "/proc/sysvipc/%s", kinds[k]);
		f = fopen(file, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			long long key;

			/* The header line does not parse. */
			if (sscanf(line, "%lld", &key) == 1 &&
			    ((key_t)key & ~(key_t)0xFF) == key_of(pid))
				n += sweep_key((key_t)key, report);
		}
		fclose(f);
	}
	return n;
}

/* A POSIX shared memory object, named semaphore or message queue with this name. */
static int sweep_name(const char *name, FILE *report)
{
	char path[PATH_MAX];
	int n = 0;

	snprintf(path, sizeof(path), "/%s", name);
	if (mq_unlink(path) == 0) {
		report_one(report, "POSIX message queue", path);
		n++;
	}
	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	if (unlink(path) == 0) {
		report_one(report, "file", path);
		n++;
	}
	snprintf(path, sizeof(path), "/dev/shm/sem.%s", name);
	if (unlink(path) == 0) {
		report_one(report, "file", path);
		n++;
	}
	return n;
}

static void registry_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/.lipc-test-registry", check_test_dir());
}

static void registry_add(char kind, const char *what)
{
	char path[PATH_MAX], line[512];
	int fd, len;

	registry_path(path, sizeof(path));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return; /* no registry: the pid-based sweep still finds most */
	len = snprintf(line, sizeof(line), "%c %s\n", kind, what);
	(void)!write(fd, line, (size_t)len); /* O_APPEND and one write: lines never mix */
	close(fd);
}

/*
 * Remove name in dir at, and all under it down to depth levels, through directory descriptors
 * and never following a link: the other user may own a directory in there.
 */
static void remove_tree_at(int at, const char *name, int depth)
{
	struct dirent *e;
	DIR *d;
	int fd;

	if (unlinkat(at, name, 0) == 0 || errno != EISDIR || depth == 0)
		return;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_tree_at(dirfd(d), e->d_name, depth - 1);
	closedir(d);
	unlinkat(at, name, AT_REMOVEDIR);
}

/*
 * An other user's directory (its name in /tmp), if it is still there and ours. In /tmp anyone
 * may create a name: a directory of that name that another user made is left alone, and the
 * sticky bit keeps ours from being renamed or replaced by someone else.
 */
static int remove_other_dir_report(const char *name, FILE *report)
{
	int tmp = open(OTHER_DIR_IN, O_PATH | O_DIRECTORY | O_CLOEXEC), n = 0;
	struct stat st;

	if (tmp < 0)
		return 0;
	if (fstatat(tmp, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid()) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", OTHER_DIR_IN, name);
		report_one(report, "directory", path);
		remove_tree_at(tmp, name, 3);
		n = 1;
	}
	close(tmp);
	return n;
}

static void remove_other_dir(const char *name)
{
	int err = errno;

	remove_other_dir_report(name, NULL);
	errno = err;
}

/* What the registry lists for this pid (0: for everyone). */
static int sweep_registry(pid_t pid, FILE *report)
{
	char path[PATH_MAX], line[512], prefix[64], dir_prefix[64];
	FILE *f;
	int n = 0;

	registry_path(path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return 0;
	snprintf(prefix, sizeof(prefix), PREFIX "%d-", (int)pid);
	snprintf(dir_prefix, sizeof(dir_prefix), OTHER_DIR_PREFIX "%d-", (int)pid);
	while (fgets(line, sizeof(line), f)) {
		char *what = line + 2;
		unsigned long key;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'n' && (!pid || ours(what, prefix)))
			n += sweep_name(what, report);
		/*
		 * The other user's directory is the harness's, not the test's: after one test it
		 * goes silently (its test was killed before removing it); at the end of the run,
		 * one left is reported.
		 */
		else if (line[0] == 'd' && ours(what, OTHER_DIR_PREFIX) && !strchr(what, '/') &&
			 (!pid || ours(what, dir_prefix)))
			n += pid ? (remove_other_dir(what), 0)
				 : remove_other_dir_report(what, report);
		else if (line[0] == 'k' && sscanf(what, "%lx", &key) == 1 &&
			 (!pid || ((key_t)key & ~(key_t)0xFF) == key_of(pid)))
			n += sweep_key((key_t)key, report);
	}
	fclose(f);
	return n;
}

int check_sweep(pid_t pid, FILE *report)
{
	char prefix[64];
	int n = 0;

	if (!pid) {
		n += sweep_dir(check_test_dir(), PREFIX, report);
		n += sweep_registry(0, report);
		return n;
	}
	snprintf(prefix, sizeof(prefix), PREFIX "%d-", (int)pid);
	n += sweep_dir(check_test_dir(), prefix, report);
	n += sweep_dir("/dev/shm", prefix, report);
	n += sweep_dir("/dev/mqueue", prefix, report);
	n += sweep_sysv_of(pid, report);
	n += sweep_registry(pid, report);
	return n;
}

void check_sweep_reset(void)
{
	char path[PATH_MAX];

	registry_path(path, sizeof(path));
	unlink(path);
}
