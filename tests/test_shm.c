/* SPDX-License-Identifier: MIT */
/*
 * Shared memory: each family across real processes, the refusals, the reservation that turns a
 * full /dev/shm into ENOSPC at creation, the robust mutex and condition variable when a process
 * dies at the worst moment, the examples, the demo and the lipc shm command.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lipc/key.h"
#include "lipc/shm.h"

/* "/lipc-test-PID-what": a POSIX name of this test. */
static char *posix_name(char *buf, size_t size, const char *what)
{
	char n[NAME_MAX];

	snprintf(buf, size, "/%s", check_name(n, sizeof(n), what));
	return buf;
}

/*
 * This test names its System V segments "sysv:KEY", so that one table covers both families, and
 * opens them with the _sysv_ calls.
 */
static int shm_open_any(struct lipc_shm *shm, const char *name, int flags, size_t size, mode_t mode)
{
	key_t key;

	if (strncmp(name, "sysv:", 5))
		return lipc_shm_open(shm, name, flags, size, mode);
	if (lipc_key_parse(name + 5, &key) < 0)
		return -1;
	return lipc_shm_sysv_open(shm, key, flags, size, mode);
}

static int shm_unlink_any(const char *name)
{
	key_t key;

	if (strncmp(name, "sysv:", 5))
		return lipc_shm_unlink(name);
	if (lipc_key_parse(name + 5, &key) < 0)
		return -1;
	return lipc_shm_sysv_unlink(key);
}

/* "sysv:0x4c...": a System V name of this test. */
static char *sysv_name(char *buf, size_t size, unsigned n)
{
	snprintf(buf, size, "sysv:0x%x", (unsigned)check_key(n));
	return buf;
}

/* A handle after a failed call, or after close: empty. */
static void check_empty(const struct lipc_shm *s)
{
	CHECK(s->addr == NULL);
	CHECK_EQ(s->size, 0);
	CHECK_EQ(s->fd, -1);
	CHECK_EQ(s->id, -1);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

/* One byte through a pipe: how the processes of a test tell each other "go". */
static void poke(int fd)
{
	CHECK_EQ(write(fd, "x", 1), 1);
}

static void await(int fd)
{
	char c;

	CHECK_EQ(read(fd, &c, 1), 1);
}

static void posix_round_trip(void)
{
	char name[64], path[128], buf[4];
	struct lipc_shm shm = LIPC_SHM_INIT, again = LIPC_SHM_INIT;
	struct stat st;
	pid_t pid;

	umask(022);
	posix_name(name, sizeof(name), "shm");
	CHECK_SYS(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 10000, 0));
	CHECK(shm.addr != NULL);
	CHECK_EQ(shm.size, 10000);
	CHECK(shm.fd >= 0);
	CHECK_EQ(shm.id, -1);
	CHECK(!shm.read_only);
	CHECK(fcntl(shm.fd, F_GETFD) & FD_CLOEXEC);
	CHECK(all_zero(shm.addr, shm.size));
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	CHECK_SYS(stat(path, &st));
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(st.st_size, 10000);
	CHECK((long long)st.st_blocks * 512 >= 10000); /* reserved, not a sparse file */
	/* Exclusive: an existing name is never reused. */
	CHECK_ERR(shm_open_any(&again, name, LIPC_CREATE | LIPC_EXCL, 10000, 0), EEXIST);
	check_empty(&again);
	CHECK_ERR(shm_open_any(&again, name, LIPC_CREATE | LIPC_EXCL, 20000, 0), EEXIST);

	memcpy(shm.addr, "ping", 5);
	pid = check_fork();
	if (pid == 0) {
		struct lipc_shm s = LIPC_SHM_INIT;

		/* Found by name, mapped at an address of its own. */
		CHECK_SYS(shm_open_any(&s, name, 0, 0, 0));
		CHECK_EQ(s.size, 10000);
		CHECK_STR(s.addr, "ping");
		memcpy((char *)s.addr + 9996, "pong", 4);
		CHECK_SYS(lipc_shm_close(&s));
		CHECK_SYS(shm_open_any(&s, name, LIPC_SHM_RDONLY, 0, 0));
		CHECK(s.read_only);
		CHECK_SYS(lipc_shm_read(&s, 9996, buf, 4));
		CHECK(!memcmp(buf, "pong", 4));
		CHECK_ERR(lipc_shm_write(&s, 0, "x", 1), EBADF);
		CHECK_SYS(lipc_shm_close(&s));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK(!memcmp((char *)shm.addr + 9996, "pong", 4));

	CHECK_SYS(shm_unlink_any(name));
	CHECK_ERR(shm_open_any(&again, name, 0, 0, 0), ENOENT);
	check_empty(&again);
	CHECK_ERR(shm_unlink_any(name), ENOENT);
	/* The memory outlives its name while it is mapped. */
	memcpy(shm.addr, "still here", 11);
	CHECK_STR(shm.addr, "still here");
	CHECK_SYS(lipc_shm_close(&shm));
	check_empty(&shm);
	CHECK_SYS(lipc_shm_close(&shm)); /* an empty handle closes again harmlessly */
}

/* The umask applies to POSIX objects, as to files; System V segments get the mode as given. */
static void modes(void)
{
	char name[64], path[128], key[32];
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct shmid_ds ds;
	struct stat st;

	posix_name(name, sizeof(name), "mode");
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	umask(027);
	CHECK_SYS(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 1, 0666));
	CHECK_SYS(stat(path, &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_SYS(lipc_shm_close(&shm));
	CHECK_SYS(shm_unlink_any(name));

	sysv_name(key, sizeof(key), 1);
	CHECK_SYS(shm_open_any(&shm, key, LIPC_CREATE | LIPC_EXCL, 1, 0666));
	CHECK_SYS(shmctl(shm.id, IPC_STAT, &ds));
	CHECK_EQ(ds.shm_perm.mode & 0777, 0666);
	CHECK_SYS(shm_unlink_any(key));
	CHECK_SYS(lipc_shm_close(&shm));

	/* Bits beyond permissions would slip into shmflg (04000 is SHM_HUGETLB): refused. */
	CHECK_ERR(shm_open_any(&shm, key, LIPC_CREATE | LIPC_EXCL, 1, 04600), EINVAL);
	CHECK_ERR(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 1, 01600), EINVAL);
}

static void sysv_round_trip_and_rmid(void)
{
	char name[32];
	struct lipc_shm shm = LIPC_SHM_INIT, again = LIPC_SHM_INIT;
	struct shmid_ds ds;
	int id;
	pid_t pid;

	sysv_name(name, sizeof(name), 1);
	CHECK_SYS(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 10000, 0));
	CHECK(shm.id >= 0);
	CHECK_EQ(shm.fd, -1);
	CHECK_EQ(shm.size, 10000);
	CHECK(all_zero(shm.addr, shm.size));
	CHECK_SYS(shmctl(shm.id, IPC_STAT, &ds));
	CHECK_EQ(ds.shm_perm.mode & 0777, 0600);
	CHECK_EQ(ds.shm_segsz, 10000);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_ERR(shm_open_any(&again, name, LIPC_CREATE | LIPC_EXCL, 10000, 0), EEXIST);
	check_empty(&again);

	pid = check_fork();
	if (pid == 0) {
		struct lipc_shm s = LIPC_SHM_INIT;
		char buf[6];

		CHECK_SYS(shm_open_any(&s, name, 0, 0, 0));
		CHECK_EQ(s.id, shm.id);
		CHECK_EQ(s.size, 10000);
		memcpy((char *)s.addr + 9994, "child", 6);
		CHECK_SYS(lipc_shm_close(&s));
		CHECK_SYS(shm_open_any(&s, name, LIPC_SHM_RDONLY, 0, 0));
		CHECK_SYS(lipc_shm_read(&s, 9994, buf, 6));
		CHECK_STR(buf, "child");
		CHECK_ERR(lipc_shm_write(&s, 0, "x", 1), EBADF);
		CHECK_SYS(lipc_shm_close(&s));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_STR((char *)shm.addr + 9994, "child");

	/* IPC_RMID while attached: the segment lives on, only its key is gone. */
	CHECK_SYS(shm_unlink_any(name));
	CHECK_ERR(shm_open_any(&again, name, 0, 0, 0), ENOENT);
	CHECK_ERR(shm_unlink_any(name), ENOENT);
	CHECK_SYS(shmctl(shm.id, IPC_STAT, &ds));
	CHECK(ds.shm_perm.mode & SHM_DEST);
	CHECK_EQ(ds.shm_nattch, 1);
	pid = check_fork();
	if (pid == 0) {
		/* fork() keeps System V attachments: the child writes to the removed segment. */
		strcpy(shm.addr, "after IPC_RMID");
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_STR(shm.addr, "after IPC_RMID");

	/* The key is free at once: a new segment takes it while the old one still lives. */
	CHECK_SYS(shm_open_any(&again, name, LIPC_CREATE | LIPC_EXCL, 100, 0));
	CHECK(again.id != shm.id);
	CHECK_SYS(shm_unlink_any(name));
	CHECK_SYS(lipc_shm_close(&again));

	id = shm.id;
	CHECK_SYS(lipc_shm_close(&shm));
	check_empty(&shm);
	CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL); /* freed at the last detach */
}

static void send_fd(int sock, int fd)
{
	char data = 'f';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	CHECK_EQ(sendmsg(sock, &msg, 0), 1);
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd;

	CHECK_EQ(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC), 1);
	c = CMSG_FIRSTHDR(&msg);
	CHECK(c != NULL && c->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A memfd goes to a process that did not exist when it was made, sealed against shrinking. */
static void memfd_sealed_and_passed(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct stat st;
	int sv[2], seals;
	pid_t pid;

	CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_shm s = LIPC_SHM_INIT;
		int fd = recv_fd(sv[1]);

		CHECK_SYS(lipc_shm_open_fd(&s, fd, 0));
		CHECK_SYS(close(fd)); /* the handle has its own descriptor */
		CHECK_EQ(s.size, 8192);
		CHECK_STR(s.addr, "hello");
		strcpy((char *)s.addr + 8000, "world");
		/* The receiver cannot pull the pages from under the sender either. */
		CHECK_ERR(ftruncate(s.fd, 0), EPERM);
		CHECK_SYS(lipc_shm_close(&s));
		poke(sv[1]);
		_exit(0);
	}
	CHECK_SYS(lipc_shm_create_memfd(&shm, "test", 8192));
	CHECK(shm.fd >= 0);
	CHECK_EQ(shm.id, -1);
	CHECK(fcntl(shm.fd, F_GETFD) & FD_CLOEXEC);
	seals = (int)CHECK_SYS(fcntl(shm.fd, F_GET_SEALS));
	CHECK(seals & F_SEAL_SHRINK);
	CHECK(seals & F_SEAL_GROW);
	CHECK_ERR(ftruncate(shm.fd, 4096), EPERM);
	CHECK_ERR(ftruncate(shm.fd, 16384), EPERM);
	CHECK_SYS(fstat(shm.fd, &st));
	CHECK((long long)st.st_blocks * 512 >= 8192);
	strcpy(shm.addr, "hello");
	send_fd(sv[0], shm.fd);
	await(sv[0]);
	CHECK_EQ(check_wait(pid), 0);
	CHECK_STR((char *)shm.addr + 8000, "world");
	CHECK_SYS(lipc_shm_close(&shm));
	close(sv[0]);
	close(sv[1]);
}

static void memfd_refusals(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT, s = LIPC_SHM_INIT;
	char proc[64];
	int before = check_open_fds(), fd, ro;

	/* A memfd that is not sealed could be truncated by its sender: refused. */
	fd = (int)CHECK_SYS(memfd_create("unsealed", MFD_CLOEXEC));
	CHECK_SYS(ftruncate(fd, 4096));
	CHECK_ERR(lipc_shm_open_fd(&s, fd, 0), EINVAL);
	check_empty(&s);
	close(fd);
	fd = (int)CHECK_SYS(open("/dev/null", O_RDWR | O_CLOEXEC));
	CHECK_ERR(lipc_shm_open_fd(&s, fd, 0), EINVAL);
	close(fd);
	CHECK_ERR(lipc_shm_open_fd(&s, 999, 0), EBADF);

	CHECK_SYS(lipc_shm_create_memfd(&shm, NULL, 4096));
	CHECK_ERR(lipc_shm_open_fd(&s, shm.fd, O_RDONLY | O_WRONLY), EINVAL); /* not our flags */
	CHECK_ERR(lipc_shm_open_fd(&s, shm.fd, LIPC_CREATE), EINVAL);
	/* A read-only descriptor maps read-only, and not read-write. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", shm.fd);
	ro = (int)CHECK_SYS(open(proc, O_RDONLY | O_CLOEXEC));
	CHECK_ERR(lipc_shm_open_fd(&s, ro, 0), EACCES);
	CHECK_SYS(lipc_shm_open_fd(&s, ro, LIPC_SHM_RDONLY));
	CHECK(s.read_only);
	CHECK_ERR(lipc_shm_write(&s, 0, "x", 1), EBADF);
	CHECK_SYS(lipc_shm_close(&s));
	close(ro);
	CHECK_SYS(lipc_shm_close(&shm));

	CHECK_ERR(lipc_shm_create_memfd(&shm, NULL, 0), EINVAL);
	CHECK_ERR(lipc_shm_create_memfd(&shm, NULL, SIZE_MAX), EFBIG);
	CHECK_EQ(check_open_fds(), before); /* every failure closed what it opened */
}

static void anon_shared_across_fork(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	pid_t pid;

	CHECK_SYS(lipc_shm_create_anon(&shm, 5000));
	CHECK_EQ(shm.fd, -1);
	CHECK_EQ(shm.id, -1);
	CHECK_EQ(shm.size, 5000);
	CHECK(all_zero(shm.addr, shm.size));
	pid = check_fork();
	if (pid == 0) {
		strcpy((char *)shm.addr + 4990, "child");
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_STR((char *)shm.addr + 4990, "child");
	CHECK_SYS(lipc_shm_close(&shm));
	CHECK_ERR(lipc_shm_create_anon(&shm, 0), EINVAL);
	CHECK_ERR(lipc_shm_create_anon(&shm, SIZE_MAX), EFBIG);
}

static void bad_names_sizes_and_flags(void)
{
	static const struct {
		const char *name;
		int err;
	} bad[] = {
		{ "noslash", EINVAL },
		{ "/", EINVAL },
		{ "/a/b", EINVAL },
		{ "/.", EINVAL },
		{ "/..", EINVAL },
		{ "", EINVAL },
		{ "sysv:", EINVAL },
		{ "sysv:0", EINVAL },
		{ "sysv:junk", EINVAL },
		{ "sysv:-1", EINVAL },
		{ "sysv:0x100000000", EINVAL },
		{ "sysv:12x", EINVAL },
		{ "sysv:@/no/such/file", ENOENT },
	};
	char name[64], key[32], long_name[NAME_MAX + 2];
	struct lipc_shm shm = LIPC_SHM_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (shm_open_any(&shm, bad[i].name, LIPC_CREATE | LIPC_EXCL, 4096, 0) != -1 ||
		    errno != bad[i].err)
			check_fail(__FILE__, __LINE__, "create \"%s\": expected %s, got %s",
				   bad[i].name, check_errname(bad[i].err), check_errname(errno));
		check_empty(&shm);
		CHECK_ERR(shm_open_any(&shm, bad[i].name, 0, 0, 0), bad[i].err);
		CHECK_ERR(shm_unlink_any(bad[i].name), bad[i].err);
	}
	long_name[0] = '/';
	memset(long_name + 1, 'n', NAME_MAX);
	long_name[NAME_MAX + 1] = '\0';
	CHECK_ERR(shm_open_any(&shm, long_name, LIPC_CREATE | LIPC_EXCL, 4096, 0), ENAMETOOLONG);

	posix_name(name, sizeof(name), "bad");
	sysv_name(key, sizeof(key), 1);
	CHECK_ERR(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 0, 0), EINVAL);
	CHECK_ERR(shm_open_any(&shm, key, LIPC_CREATE | LIPC_EXCL, 0, 0), EINVAL);
	CHECK_ERR(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, SIZE_MAX, 0), EFBIG);
	CHECK_ERR(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, (size_t)INT64_MAX + 1, 0),
		  EFBIG);
	CHECK_ERR(shm_open_any(&shm, name, O_WRONLY, 0, 0), EINVAL); /* not our flags */
	CHECK_ERR(shm_open_any(&shm, name, O_CREAT, 4096, 0), EINVAL);
	CHECK_ERR(shm_open_any(&shm, name, LIPC_EXCL, 4096, 0), EINVAL);
	CHECK_ERR(shm_open_any(&shm, name, LIPC_CREATE | LIPC_SHM_RDONLY, 4096, 0), EINVAL);
	CHECK_ERR(shm_open_any(&shm, name, 0, 0, 0), ENOENT);
	CHECK_ERR(shm_open_any(&shm, key, 0, 0, 0), ENOENT);
	CHECK_ERR(shm_unlink_any(name), ENOENT);
	CHECK_ERR(shm_unlink_any(key), ENOENT);
	/* None of this left anything behind (the runner checks /dev/shm and the keys too). */
}

/* Ranges are checked whole; a POSIX object truncated under us is an error, not SIGBUS. */
static void read_write_ranges_and_truncation(void)
{
	char name[64], key[32], buf[16];
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct stat st;
	pid_t pid;

	posix_name(name, sizeof(name), "range");
	sysv_name(key, sizeof(key), 1);
	for (int family = 0; family < 2; family++) {
		CHECK_SYS(shm_open_any(&shm, family ? key : name, LIPC_CREATE | LIPC_EXCL, 100, 0));
		CHECK_SYS(lipc_shm_write(&shm, 90, "0123456789", 10));
		CHECK_SYS(lipc_shm_read(&shm, 90, buf, 10));
		CHECK(!memcmp(buf, "0123456789", 10));
		CHECK_SYS(lipc_shm_write(&shm, 100, "", 0));
		CHECK_SYS(lipc_shm_read(&shm, 100, buf, 0));
		CHECK_ERR(lipc_shm_write(&shm, 91, "0123456789", 10), ERANGE);
		CHECK_ERR(lipc_shm_read(&shm, 91, buf, 10), ERANGE);
		CHECK_ERR(lipc_shm_read(&shm, 101, buf, 0), ERANGE);
		CHECK_ERR(lipc_shm_read(&shm, SIZE_MAX, buf, 2), ERANGE);
		CHECK_ERR(lipc_shm_write(&shm, 2, buf, SIZE_MAX), ERANGE);
		CHECK_SYS(shm_unlink_any(family ? key : name));
		CHECK_SYS(lipc_shm_close(&shm));
	}

	CHECK_SYS(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 3 * 4096, 0));
	pid = check_fork();
	if (pid == 0) {
		/* Another process, with write permission, truncates the object. */
		int fd = (int)CHECK_SYS(shm_open(name, O_RDWR, 0));

		CHECK_SYS(ftruncate(fd, 4096));
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_shm_write(&shm, 4090, "ok", 2));
	CHECK_ERR(lipc_shm_read(&shm, 8192, buf, 4), ERANGE);
	CHECK_ERR(lipc_shm_read(&shm, 4094, buf, 4), ERANGE);
	CHECK_ERR(lipc_shm_write(&shm, 8192, "no", 2), ERANGE);
	CHECK_SYS(fstat(shm.fd, &st));
	CHECK_EQ(st.st_size, 4096); /* not grown back by the refused write */
	pid = check_fork();
	if (pid == 0) {
		/* What the helpers avoid: touching the mapping past the new end. */
		signal(SIGBUS, SIG_DFL); /* a sanitizer's handler would turn it into exit 1 */
		((volatile char *)shm.addr)[8192] = 1;
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 128 + SIGBUS);
	CHECK_SYS(shm_unlink_any(name));
	CHECK_SYS(lipc_shm_close(&shm));
}

/*
 * A small tmpfs over /dev/shm, in a mount namespace of this child alone: a POSIX object larger
 * than the room left is ENOSPC at creation and leaves no name behind; without the reservation,
 * the same object would be created, and its first touch past the room would be SIGBUS.
 */
static void full_dev_shm_is_enospc_at_creation(void)
{
	char name[64], small[64], path[128];
	struct lipc_shm shm = LIPC_SHM_INIT, s2 = LIPC_SHM_INIT;
	pid_t pid;

	posix_name(name, sizeof(name), "big");
	posix_name(small, sizeof(small), "small");
	pid = check_fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0)
			check_skip("unshare(CLONE_NEWNS): %s", strerror(errno));
		/* Our mounts must not propagate back to the real /dev/shm. */
		CHECK_SYS(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
		if (mount("lipc-test", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0)
			check_skip("mount tmpfs on /dev/shm: %s", strerror(errno));

		CHECK_ERR(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 1 << 20, 0), ENOSPC);
		check_empty(&shm);
		snprintf(path, sizeof(path), "/dev/shm%s", name);
		CHECK_ERR(access(path, F_OK), ENOENT);
		/* What fits, fits; then the room left is what counts. */
		CHECK_SYS(shm_open_any(&s2, small, LIPC_CREATE | LIPC_EXCL, 32 << 10, 0));
		CHECK_ERR(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 48 << 10, 0), ENOSPC);
		CHECK_SYS(shm_unlink_any(small));
		CHECK_SYS(lipc_shm_close(&s2));
		CHECK_SYS(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 48 << 10, 0));
		CHECK_SYS(shm_unlink_any(name));
		CHECK_SYS(lipc_shm_close(&shm));

		/* The trap the reservation avoids: ftruncate() alone succeeds... */
		pid = check_fork();
		if (pid == 0) {
			int fd = (int)CHECK_SYS(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
			volatile char *p;

			CHECK_SYS(shm_unlink(name));
			CHECK_SYS(ftruncate(fd, 1 << 20));
			p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			CHECK(p != MAP_FAILED);
			signal(SIGBUS, SIG_DFL);
			for (size_t i = 0; i < 1 << 20; i += 4096)
				p[i] = 1; /* ...and a store finds no page: SIGBUS */
			_exit(0);
		}
		CHECK_EQ(check_wait(pid), 128 + SIGBUS);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
}

/* What the mutex tests share: the mutex guards a + b == 100, and count. */
struct guarded {
	struct lipc_shm_mutex m;
	struct lipc_shm_cond c;
	long a, b, count;
	int flag;
};

static struct guarded *guarded(struct lipc_shm *shm)
{
	struct guarded *g;

	CHECK_SYS(lipc_shm_create_anon(shm, sizeof(*g)));
	g = shm->addr;
	CHECK_SYS(lipc_shm_mutex_init(&g->m));
	CHECK_SYS(lipc_shm_cond_init(&g->c));
	g->a = 60;
	g->b = 40;
	return g;
}

/* A child locks g->m with timeout_ms, expecting result, moves 30 out of a, and is killed. */
static void killed_holding(struct guarded *g, int timeout_ms, int result)
{
	int p[2];
	pid_t pid;

	CHECK_SYS(pipe2(p, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		CHECK_EQ(lipc_shm_mutex_lock(&g->m, timeout_ms), result);
		g->a -= 30;
		poke(p[1]);
		for (;;)
			pause();
	}
	await(p[0]);
	CHECK_SYS(kill(pid, SIGKILL));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);
	close(p[0]);
	close(p[1]);
}

/* The survivor learns of the death, repairs, marks the mutex consistent, and goes on. */
static void robust_mutex_owner_killed(void)
{
	char name[64];
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct guarded *g;
	int p[2];
	pid_t pid;

	/* A named object, so that each process maps the mutex at an address of its own. */
	posix_name(name, sizeof(name), "mutex");
	CHECK_SYS(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, sizeof(*g), 0));
	g = shm.addr;
	CHECK_SYS(lipc_shm_mutex_init(&g->m));
	g->a = 60;
	g->b = 40;
	CHECK_SYS(pipe2(p, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_shm s = LIPC_SHM_INIT;
		struct guarded *h;

		CHECK_SYS(shm_open_any(&s, name, 0, 0, 0));
		h = s.addr;
		CHECK_EQ(lipc_shm_mutex_lock(&h->m, -1), 0);
		h->a -= 30;
		poke(p[1]);
		for (;;)
			pause();
	}
	await(p[0]);
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, 0), EAGAIN); /* the child holds it */
	CHECK_SYS(kill(pid, SIGKILL));
	CHECK_EQ(check_wait(pid), 128 + SIGKILL);

	CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), LIPC_SHM_OWNER_DIED);
	CHECK_EQ(g->a + g->b, 70); /* half-done, as the owner left it */
	g->a = 100 - g->b;
	CHECK_SYS(lipc_shm_mutex_consistent(&g->m));
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
	CHECK_ERR(lipc_shm_mutex_consistent(&g->m), EINVAL); /* nothing to repair now */
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));

	/* A timed lock and a try-lock hear of a death just the same. */
	killed_holding(g, -1, 0);
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, 10000), LIPC_SHM_OWNER_DIED);
	CHECK_SYS(lipc_shm_mutex_consistent(&g->m));
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	killed_holding(g, -1, 0);
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, 0), LIPC_SHM_OWNER_DIED);
	CHECK_SYS(lipc_shm_mutex_consistent(&g->m));
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));

	CHECK_SYS(shm_unlink_any(name));
	CHECK_SYS(lipc_shm_close(&shm));
	close(p[0]);
	close(p[1]);
}

/*
 * The documented limit of robustness (lipc/shm.h): the kernel finds a dead owner's robust
 * mutexes through a list that runs through the mutexes themselves, in the owner's memory. An
 * owner that unmaps one while it holds it, then dies, leaves a hole in that list: the walk stops
 * there, and neither that mutex nor one the owner locked before it is released; one locked
 * after it is. The 200 ms bound keeps the test from waiting for ever where a wait without one
 * would: a released mutex is LIPC_SHM_OWNER_DIED at once, so the bound decides nothing.
 */
static void unmapped_by_its_dead_owner(void)
{
	struct lipc_shm first = LIPC_SHM_INIT, unmapped = LIPC_SHM_INIT, last = LIPC_SHM_INIT;
	struct lipc_shm_mutex *m[3];
	pid_t pid;

	CHECK_SYS(lipc_shm_create_anon(&first, sizeof(*m[0])));
	CHECK_SYS(lipc_shm_create_anon(&unmapped, sizeof(*m[1])));
	CHECK_SYS(lipc_shm_create_anon(&last, sizeof(*m[2])));
	m[0] = first.addr;
	m[1] = unmapped.addr;
	m[2] = last.addr;
	for (int i = 0; i < 3; i++)
		CHECK_SYS(lipc_shm_mutex_init(m[i]));
	pid = check_fork();
	if (pid == 0) {
		for (int i = 0; i < 3; i++)
			CHECK_EQ(lipc_shm_mutex_lock(m[i], -1), 0);
		CHECK_SYS(lipc_shm_close(&unmapped)); /* while it holds it: the mistake */
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_EQ(lipc_shm_mutex_lock(m[2], 200), LIPC_SHM_OWNER_DIED);
	CHECK_ERR(lipc_shm_mutex_lock(m[1], 200), ETIMEDOUT);
	CHECK_ERR(lipc_shm_mutex_lock(m[0], 200), ETIMEDOUT);
	CHECK_SYS(lipc_shm_mutex_consistent(m[2]));
	CHECK_SYS(lipc_shm_mutex_unlock(m[2]));
	for (int i = 0; i < 3; i++)
		CHECK_SYS(lipc_shm_close(i == 0 ? &first : i == 1 ? &unmapped : &last));
}

/* Unlocking after LIPC_SHM_OWNER_DIED without lipc_shm_mutex_consistent(): ruined for all. */
static void unrecoverable_without_consistent(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct guarded *g = guarded(&shm);
	pid_t pid;

	killed_holding(g, -1, 0);
	pid = check_fork();
	if (pid == 0) {
		CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), LIPC_SHM_OWNER_DIED);
		CHECK_SYS(lipc_shm_mutex_unlock(&g->m)); /* no repair, no consistent */
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, -1), ENOTRECOVERABLE);
	/* A try leaves it as it was (glibc's pthread_mutex_trylock() would keep it locked). */
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, 0), ENOTRECOVERABLE);
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, 1000), ENOTRECOVERABLE);
	pid = check_fork();
	if (pid == 0) {
		/* Another process is told the same, at once, however it asks. */
		CHECK_ERR(lipc_shm_mutex_lock(&g->m, 0), ENOTRECOVERABLE);
		CHECK_ERR(lipc_shm_mutex_lock(&g->m, 10000), ENOTRECOVERABLE);
		CHECK_ERR(lipc_shm_mutex_lock(&g->m, -1), ENOTRECOVERABLE);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_shm_close(&shm));
}

/* A locker that dies before it repairs passes the news on to the next one. */
static void owner_died_passes_on(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct guarded *g = guarded(&shm);

	killed_holding(g, -1, 0);
	killed_holding(g, 10000, LIPC_SHM_OWNER_DIED);
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), LIPC_SHM_OWNER_DIED);
	CHECK_EQ(g->a + g->b, 40); /* both dead owners took 30 */
	g->a = 60;
	CHECK_SYS(lipc_shm_mutex_consistent(&g->m));
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, 0), 0);
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	CHECK_SYS(lipc_shm_close(&shm));
}

/* Timeouts, relocking, and unlocking what one does not hold. */
static void mutex_timeout_relock_and_foreign_unlock(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct guarded *g = guarded(&shm);
	int held[2], go[2];
	pid_t pid;

	CHECK_SYS(pipe2(held, O_CLOEXEC));
	CHECK_SYS(pipe2(go, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
		poke(held[1]);
		await(go[0]);
		CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
		_exit(0);
	}
	await(held[0]);
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, 0), EAGAIN);
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, 50), ETIMEDOUT);
	CHECK_ERR(lipc_shm_mutex_unlock(&g->m), EPERM);
	poke(go[1]);
	CHECK_EQ(check_wait(pid), 0);

	CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, -1), EDEADLK);
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, 0), EDEADLK);
	CHECK_ERR(lipc_shm_mutex_lock(&g->m, 50), EDEADLK);
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	CHECK_ERR(lipc_shm_mutex_unlock(&g->m), EPERM);
	CHECK_SYS(lipc_shm_close(&shm));
	close(held[0]);
	close(held[1]);
	close(go[0]);
	close(go[1]);
}

/* Two processes add under the mutex: not one update lost. */
static void mutex_counts_exactly(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct guarded *g = guarded(&shm);
	pid_t pid[2];

	for (int i = 0; i < 2; i++) {
		pid[i] = check_fork();
		if (pid[i] == 0) {
			for (int n = 0; n < 100000; n++) {
				CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
				g->count++;
				CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
			}
			_exit(0);
		}
	}
	CHECK_EQ(check_wait(pid[0]), 0);
	CHECK_EQ(check_wait(pid[1]), 0);
	CHECK_EQ(g->count, 200000);
	CHECK_SYS(lipc_shm_close(&shm));
}

static void cond_across_processes(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct guarded *g = guarded(&shm);
	pid_t pid;

	pid = check_fork();
	if (pid == 0) {
		CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
		while (!g->flag)
			CHECK_EQ(lipc_shm_cond_wait(&g->c, &g->m, -1), 0);
		g->count = 1;
		CHECK_SYS(lipc_shm_cond_broadcast(&g->c));
		CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
		_exit(0);
	}
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
	g->flag = 1;
	CHECK_SYS(lipc_shm_cond_signal(&g->c));
	/* And the answer, with a timed wait this time. */
	while (!g->count)
		CHECK_EQ(lipc_shm_cond_wait(&g->c, &g->m, 60000), 0);
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	CHECK_EQ(check_wait(pid), 0);

	/* A wait that times out returns with the mutex held again. */
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
	CHECK_ERR(lipc_shm_cond_wait(&g->c, &g->m, 20), ETIMEDOUT);
	CHECK_ERR(lipc_shm_cond_wait(&g->c, &g->m, 0), EAGAIN);
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	/* Waiting without holding the mutex is refused. */
	CHECK_ERR(lipc_shm_cond_wait(&g->c, &g->m, 20), EPERM);
	CHECK_SYS(lipc_shm_close(&shm));
}

/* A waiter wakes to relock a mutex whose holder was killed: it is told, as a locker is. */
static void cond_wait_hears_owner_death(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct guarded *g = guarded(&shm);
	int waiting[2], signalled[2];
	pid_t waiter, killer;

	CHECK_SYS(pipe2(waiting, O_CLOEXEC));
	CHECK_SYS(pipe2(signalled, O_CLOEXEC));
	waiter = check_fork();
	if (waiter == 0) {
		bool told = false;

		CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
		poke(waiting[1]); /* the mutex is ours until the wait below releases it */
		while (!g->flag) {
			int r = lipc_shm_cond_wait(&g->c, &g->m, -1);

			if (r == LIPC_SHM_OWNER_DIED) {
				told = true;
				CHECK_SYS(lipc_shm_mutex_consistent(&g->m));
			} else {
				CHECK_EQ(r, 0);
			}
		}
		CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
		_exit(told ? 0 : 3);
	}
	await(waiting[0]);
	killer = check_fork();
	if (killer == 0) {
		/* Gets the mutex only once the waiter sleeps in its wait. */
		CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
		g->flag = 1;
		CHECK_SYS(lipc_shm_cond_broadcast(&g->c));
		poke(signalled[1]);
		for (;;)
			pause();
	}
	await(signalled[0]);
	CHECK_SYS(kill(killer, SIGKILL));
	CHECK_EQ(check_wait(killer), 128 + SIGKILL);
	CHECK_EQ(check_wait(waiter), 0);
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, 0), 0);
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	CHECK_SYS(lipc_shm_close(&shm));
}

/* A child that waits on g->c until g->count changes; returns once it sleeps in the wait. */
static pid_t cond_waiter(struct guarded *g)
{
	int before;
	pid_t pid;

	CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
	before = g->flag;
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
	pid = check_fork();
	if (pid == 0) {
		long count;

		CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
		count = g->count;
		g->flag++;
		while (g->count == count)
			CHECK_EQ(lipc_shm_cond_wait(&g->c, &g->m, -1), 0);
		CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
		_exit(0);
	}
	/* Once we get the mutex after its g->flag++, it has let go of it in the wait... */
	for (;;) {
		int now;

		CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
		now = g->flag;
		CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
		if (now != before)
			break;
		sched_yield();
	}
	/* ...and once it sleeps, it sleeps in the futex. */
	while (!check_asleep(pid))
		sched_yield();
	return pid;
}

/* Change the predicate and wake: by signal or broadcast. */
static void cond_wake(struct guarded *g, bool all)
{
	CHECK_EQ(lipc_shm_mutex_lock(&g->m, -1), 0);
	g->count++;
	CHECK_SYS(all ? lipc_shm_cond_broadcast(&g->c) : lipc_shm_cond_signal(&g->c));
	CHECK_SYS(lipc_shm_mutex_unlock(&g->m));
}

/*
 * A waiter killed in its wait costs nothing: the next signal wakes a live waiter, and no signal
 * or broadcast blocks. (glibc's process-shared pthread_cond_t loses the first of them to the
 * dead waiter and hangs in the second.)
 */
static void cond_survives_dead_waiter(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct guarded *g = guarded(&shm);
	pid_t dead, live;

	dead = cond_waiter(g);
	CHECK_SYS(kill(dead, SIGKILL));
	CHECK_EQ(check_wait(dead), 128 + SIGKILL);
	for (int round = 0; round < 4; round++) {
		live = cond_waiter(g);
		cond_wake(g, round % 2);
		CHECK_EQ(check_wait(live), 0);
	}
	/* Two waiters, one killed: one signal still wakes the other. */
	dead = cond_waiter(g);
	live = cond_waiter(g);
	CHECK_SYS(kill(dead, SIGKILL));
	CHECK_EQ(check_wait(dead), 128 + SIGKILL);
	cond_wake(g, false);
	CHECK_EQ(check_wait(live), 0);
	cond_wake(g, true); /* nobody waits: returns at once */
	CHECK_SYS(lipc_shm_close(&shm));
}

/* Replace the number after "parent ", "child  ", "writer ", "reader " and "segment " with N. */
static char *pids_out(char *s)
{
	static const char *const before[] = { "parent ", "child  ", "writer ", "reader ",
					      "segment " };
	char *w = s;

	for (char *r = s; *r;) {
		bool replaced = false;

		for (size_t i = 0; i < sizeof(before) / sizeof(before[0]) && !replaced; i++) {
			size_t n = strlen(before[i]);

			if (!strncmp(r, before[i], n) && r[n] >= '0' && r[n] <= '9') {
				memmove(w, r, n);
				w += n;
				r += n;
				while (*r >= '0' && *r <= '9')
					r++;
				*w++ = 'N';
				replaced = true;
			}
		}
		if (!replaced)
			*w++ = *r++;
	}
	*w = '\0';
	return s;
}

static void example_shm_posix(void)
{
	char name[64], expected[1024];
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct check_cmd c;

	posix_name(name, sizeof(name), "example");
	snprintf(expected, sizeof(expected),
		 "writer N: created %s, N bytes, with two semaphores in it\n"
		 "writer N: wrote \"first message\"\n"
		 "reader N: read \"first message\"\n"
		 "writer N: wrote \"second message\"\n"
		 "reader N: read \"second message\"\n"
		 "writer N: wrote \"bye\"\n"
		 "reader N: read \"bye\"\n"
		 "writer N: reader exited with status 0; removed %s\n",
		 name, name);
	CHECK_EXAMPLE_OUTPUT("shm_posix", check_no_numbers, check_no_numbers(expected), name, NULL);
	CHECK_ERR(shm_open_any(&shm, name, LIPC_SHM_RDONLY, 0, 0), ENOENT);

	/* O_EXCL: a name that exists is not taken over. */
	CHECK_SYS(shm_open_any(&shm, name, LIPC_CREATE | LIPC_EXCL, 1, 0));
	CHECK_EQ(check_cmd_run(&c, NULL,
			       (const char *const[]){ check_example("shm_posix"), name, NULL }),
		 1);
	CHECK_CONTAINS(c.err, "File exists");
	check_cmd_free(&c);
	CHECK_SYS(shm_unlink_any(name));
	CHECK_SYS(lipc_shm_close(&shm));
	check_example_remove("shm_posix");
}

static void example_shm_sysv(void)
{
	char key[32];
	char expected[1024];
	key_t k = check_key(1);

	snprintf(key, sizeof(key), "0x%x", (unsigned)k);
	snprintf(expected, sizeof(expected),
		 "parent N: shmget(%s) made segment N; wrote \"written before IPC_RMID\"\n"
		 "parent N: after fork(): nattch = 2\n"
		 "parent N: after shmctl(IPC_RMID): nattch = 2, marked for removal (SHM_DEST)\n"
		 "parent N: shmget(%s) now fails (No such file or directory): the key is free\n"
		 "parent N: after shmdt(): nattch = 1, marked for removal (SHM_DEST)\n"
		 "child  N: after IPC_RMID, still reads \"written before IPC_RMID\"\n"
		 "child  N: shmdt(): the last detach, so the kernel frees it\n"
		 "parent N: segment N is gone: shmctl() fails (Invalid argument)\n",
		 key, key);
	CHECK_EXAMPLE_OUTPUT("shm_sysv", pids_out, expected, key, NULL);
	CHECK_ERR(shmget(k, 0, 0), ENOENT);
	check_example_remove("shm_sysv");
}

static void example_shm_robust_mutex(void)
{
	CHECK_EXAMPLE_OUTPUT(
		"shm_robust_mutex", pids_out,
		"child  N: locked; took 30 from a, b comes next\n"
		"parent N: child killed by signal 9 while it held the lock\n"
		"parent N: pthread_mutex_lock() = EOWNERDEAD, and a + b = 70\n"
		"parent N: repaired (a = 60, b = 40), marked consistent\n"
		"parent N: the next pthread_mutex_lock() returns 0: the mutex works again\n",
		NULL);
	check_example_remove("shm_robust_mutex");
}

/* Run lipc with argv and check that it succeeds, printing out (NULL: anything) and no error. */
static void lipc_ok(const char *input, const char *const argv[], const char *out)
{
	struct check_cmd c;

	check_cmd_run(&c, input, argv);
	if (c.status != 0)
		check_fail(__FILE__, __LINE__, "lipc %s %s: status %d: %s", argv[1], argv[2],
			   c.status, c.err);
	if (out)
		CHECK_STR(c.out, out);
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
}

/* Run lipc with argv and check that it fails (status 1) with message. */
static void lipc_fails(const char *input, const char *const argv[], const char *message)
{
	struct check_cmd c;

	check_cmd_run(&c, input, argv);
	CHECK_STR(c.out, "");
	CHECK_FAILURE(&c, message);
	check_cmd_free(&c);
}

/* A shell command line run with $0 the lipc binary and $1 arg: its standard output. */
static char *sh(const char *script, const char *arg)
{
	struct check_cmd c;
	char *out;

	check_cmd_run(&c, NULL,
		      (const char *const[]){ "sh", "-c", script, check_lipc(), arg, NULL });
	if (c.status != 0)
		check_fail(__FILE__, __LINE__, "%s: status %d: %s", script, c.status, c.err);
	out = c.out;
	c.out = NULL;
	check_cmd_free(&c);
	return out;
}

static void cli_posix(void)
{
	char name[64], path[128], msg[256], *out;
	struct stat st;

	umask(022);
	posix_name(name, sizeof(name), "cli");
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	lipc_ok(NULL, LIPC_ARGV("shm", "create", name, "64K"), "");
	CHECK_SYS(stat(path, &st));
	CHECK_EQ(st.st_size, 65536);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK((long long)st.st_blocks * 512 >= 65536);
	snprintf(msg, sizeof(msg), "cannot create %s: it exists already", name);
	lipc_fails(NULL, LIPC_ARGV("shm", "create", name, "1"), msg);

	/* Bytes in, the same bytes out: no newline added either way. */
	lipc_ok(NULL, LIPC_ARGV("shm", "write", name, "hello"), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "read", name, "-l", "5"), "hello");
	lipc_ok("world", LIPC_ARGV("shm", "write", "-o", "65531", name, "-"), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "read", "--offset", "65531", name), "world");
	lipc_ok("ab", LIPC_ARGV("shm", "write", "--offset", "10", name), ""); /* stdin */
	lipc_ok(NULL, LIPC_ARGV("shm", "read", "-o", "10", "--length", "2", name), "ab");
	lipc_ok(NULL, LIPC_ARGV("shm", "read", "-o", "1", "--length", "3", name), "ell");
	lipc_ok("", LIPC_ARGV("shm", "write", "--offset", "64K", name, "-"), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "read", "-o", "64K", name), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "write", "-o", "64K", name, ""), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "write", name, "--", "-dash"), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "read", "-l", "5", name), "-dash");

	/* Out of range: refused whole, and nothing written. */
	snprintf(msg, sizeof(msg), "6 bytes at offset 65531 do not fit in %s (65536 bytes)", name);
	lipc_fails(NULL, LIPC_ARGV("shm", "write", "-o", "65531", name, "world!"), msg);
	snprintf(msg, sizeof(msg),
		 "standard input holds more than the 5 bytes from offset 65531 to the end of %s",
		 name);
	lipc_fails("world!", LIPC_ARGV("shm", "write", "-o", "65531", name), msg);
	lipc_ok(NULL, LIPC_ARGV("shm", "read", "-o", "65531", name), "world");
	snprintf(msg, sizeof(msg), "offset 65537 is past the end of %s (65536 bytes)", name);
	lipc_fails(NULL, LIPC_ARGV("shm", "read", "-o", "65537", name), msg);
	lipc_fails(NULL, LIPC_ARGV("shm", "write", "-o", "65537", name, ""), msg);
	snprintf(msg, sizeof(msg), "7 bytes at offset 65530 go past the end of %s (65536 bytes)",
		 name);
	lipc_fails(NULL, LIPC_ARGV("shm", "read", "-o", "65530", "-l", "7", name), msg);

	/* Binary safe, and more than one buffer's worth. */
	out = sh("printf 'a\\000b\\n' | \"$0\" shm write \"$1\" && \"$0\" shm read -l 4 \"$1\" | "
		 "od -An -c",
		 name);
	CHECK_CONTAINS(out, "a  \\0   b  \\n");
	free(out);
	out = sh("\"$0\" shm read \"$1\" | wc -c", name);
	CHECK_EQ(atoi(out), 65536);
	free(out);

	lipc_ok(NULL, LIPC_ARGV("shm", "rm", name), "");
	CHECK_ERR(stat(path, &st), ENOENT);
	snprintf(msg, sizeof(msg), "cannot remove %s: no such shared memory object", name);
	lipc_fails(NULL, LIPC_ARGV("shm", "rm", name), msg);
	snprintf(msg, sizeof(msg), "cannot open %s: no such shared memory object", name);
	lipc_fails(NULL, LIPC_ARGV("shm", "read", name), msg);
	lipc_fails(NULL, LIPC_ARGV("shm", "write", name, "x"), msg);
}

static void cli_sysv(void)
{
	char name[32], msg[256];
	struct shmid_ds ds;
	key_t key = check_key(1);
	int id;

	snprintf(name, sizeof(name), "sysv:%u", (unsigned)key); /* decimal, this time */
	lipc_ok(NULL, LIPC_ARGV("shm", "create", "-m", "0640", name, "100"), "");
	id = (int)CHECK_SYS(shmget(key, 0, 0));
	CHECK_SYS(shmctl(id, IPC_STAT, &ds));
	CHECK_EQ(ds.shm_perm.mode & 0777, 0640);
	CHECK_EQ(ds.shm_segsz, 100);
	CHECK_EQ(ds.shm_nattch, 0); /* lipc detached when it exited; the segment stays */
	snprintf(msg, sizeof(msg), "cannot create %s: it exists already", name);
	lipc_fails(NULL, LIPC_ARGV("shm", "create", name, "100"), msg);
	lipc_ok(NULL, LIPC_ARGV("shm", "write", "-o", "95", name, "sysv!"), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "read", "-o", "95", name), "sysv!");
	snprintf(msg, sizeof(msg), "2 bytes at offset 99 do not fit in %s (100 bytes)", name);
	lipc_fails(NULL, LIPC_ARGV("shm", "write", "-o", "99", name, "no"), msg);
	lipc_ok(NULL, LIPC_ARGV("shm", "rm", name), "");
	CHECK_ERR(shmget(key, 0, 0), ENOENT);
	snprintf(msg, sizeof(msg), "cannot remove %s: no such shared memory object", name);
	lipc_fails(NULL, LIPC_ARGV("shm", "rm", name), msg);
	lipc_fails(NULL, LIPC_ARGV("shm", "read", "sysv:@/no/such/file"),
		   "sysv:@/no/such/file: cannot make a key: No such file or directory");
}

/* Without permission: as nobody, in a child, against objects root made. */
static void cli_permissions(void)
{
	char name[64], key[32];
	pid_t pid;

	if (!check_other_uid())
		return;
	posix_name(name, sizeof(name), "perm");
	sysv_name(key, sizeof(key), 1);
	umask(022);
	lipc_ok(NULL, LIPC_ARGV("shm", "create", "-m", "0644", name, "10"), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "create", "-m", "0644", key, "10"), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "write", name, "root"), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "write", key, "root"), "");
	pid = check_fork();
	if (pid == 0) {
		check_become_other_uid();
		for (int i = 0; i < 2; i++) {
			const char *n = i ? key : name;

			lipc_ok(NULL, LIPC_ARGV("shm", "read", "-l", "4", n), "root");
			lipc_fails(NULL, LIPC_ARGV("shm", "write", n, "nobody"),
				   "Permission denied");
			lipc_fails(NULL, LIPC_ARGV("shm", "rm", n),
				   i ? "Operation not permitted" : "Permission denied");
		}
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	lipc_ok(NULL, LIPC_ARGV("shm", "read", "-l", "4", name), "root");
	lipc_ok(NULL, LIPC_ARGV("shm", "rm", name), "");
	lipc_ok(NULL, LIPC_ARGV("shm", "rm", key), "");
}

static void cli_misuse_is_exit_2(void)
{
	static const struct check_usage cases[] = {
		{ "shm", "missing ACTION", { "shm" } },
		{ "shm", "unknown action 'frob'", { "shm", "frob" } },
		{ "shm", "unknown option '--bogus'", { "shm", "--bogus" } },
		{ "shm create", "missing NAME", { "shm", "create" } },
		{ "shm create", "missing SIZE", { "shm", "create", "/x" } },
		{ "shm create",
		  "unexpected argument 'more'",
		  { "shm", "create", "/x", "1", "more" } },
		{ "shm create", "'x' is not a shared memory name", { "shm", "create", "x", "1" } },
		{ "shm create",
		  "not a POSIX shared memory name",
		  { "shm", "create", "/a/b", "1" } },
		{ "shm create", "not a POSIX shared memory name", { "shm", "create", "/..", "1" } },
		{ "shm create", "not a System V key", { "shm", "create", "sysv:junk", "1" } },
		{ "shm create", "not a System V key", { "shm", "create", "sysv:0", "1" } },
		{ "shm create", "not a System V key", { "shm", "create", "sysv:", "1" } },
		{ "shm create", "size '0' is out of range", { "shm", "create", "/x", "0" } },
		{ "shm create", "size '-1' is not a size", { "shm", "create", "--", "/x", "-1" } },
		{ "shm create", "size '12X' is not a size", { "shm", "create", "/x", "12X" } },
		{ "shm create", "size '1.5M' is not a size", { "shm", "create", "/x", "1.5M" } },
		{ "shm create", "size ' 12' is not a size", { "shm", "create", "/x", " 12" } },
		{ "shm create", "size 'K' is not a size", { "shm", "create", "/x", "K" } },
		{ "shm create", "size '1KK' is not a size", { "shm", "create", "/x", "1KK" } },
		{ "shm create",
		  "size '99999999999999999999' is too large",
		  { "shm", "create", "/x", "99999999999999999999" } },
		{ "shm create",
		  "size '9999999999G' is too large",
		  { "shm", "create", "/x", "9999999999G" } },
		{ "shm create",
		  "mode '4600' holds more than permission bits",
		  { "shm", "create", "-m", "4600", "/x", "1" } },
		{ "shm create", "not an octal mode", { "shm", "create", "-m", "999", "/x", "1" } },
		{ "shm create", "needs an argument", { "shm", "create", "/x", "1", "-m" } },
		{ "shm write", "missing NAME", { "shm", "write" } },
		{ "shm write",
		  "offset 'x' is not a size",
		  { "shm", "write", "-o", "x", "/x", "d" } },
		{ "shm write", "unexpected argument 'c'", { "shm", "write", "/x", "d", "c" } },
		{ "shm write", "unknown option '-l'", { "shm", "write", "-l", "1", "/x", "d" } },
		{ "shm read", "missing NAME", { "shm", "read" } },
		{ "shm read", "length '-5' is not a size", { "shm", "read", "-l", "-5", "/x" } },
		{ "shm read", "unexpected argument 'y'", { "shm", "read", "/x", "y" } },
		{ "shm rm", "missing NAME", { "shm", "rm" } },
		{ "shm rm", "unexpected argument 'b'", { "shm", "rm", "/a", "b" } },
		{ "shm rm", "'x' is not a shared memory name", { "shm", "rm", "x" } },
	};
	static const char *const actions[] = { "create", "write", "read", "rm" };
	char long_name[NAME_MAX + 2], usage[64];
	struct check_cmd c;

	CHECK_USAGE_ERRORS(cases);
	long_name[0] = '/';
	memset(long_name + 1, 'n', NAME_MAX);
	long_name[NAME_MAX + 1] = '\0';
	check_cmd_run(&c, NULL, LIPC_ARGV("shm", "create", long_name, "1"));
	CHECK_USAGE_ERROR(&c, "shm create", "too long for a POSIX shared memory name");
	check_cmd_free(&c);

	/* Help for the command and for each action, on standard output. */
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("shm", actions[i], "--help")), 0);
		snprintf(usage, sizeof(usage), "Usage: lipc shm %s ", actions[i]);
		CHECK(!strncmp(c.out, usage, strlen(usage)));
		CHECK_STR(c.err, "");
		check_cmd_free(&c);
	}
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("shm", "-h")), 0);
	CHECK(!strncmp(c.out, "Usage: lipc shm ACTION", 22));
	check_cmd_free(&c);
}

/* A full /dev/shm, as the command tells it. */
static void cli_full_dev_shm(void)
{
	char name[64];
	pid_t pid;

	posix_name(name, sizeof(name), "full");
	pid = check_fork();
	if (pid == 0) {
		char msg[256];

		if (unshare(CLONE_NEWNS) < 0)
			check_skip("unshare(CLONE_NEWNS): %s", strerror(errno));
		CHECK_SYS(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
		if (mount("lipc-test", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0)
			check_skip("mount tmpfs on /dev/shm: %s", strerror(errno));
		snprintf(msg, sizeof(msg), "cannot create %s: no space left in /dev/shm", name);
		lipc_fails(NULL, LIPC_ARGV("shm", "create", name, "1M"), msg);
		CHECK_ERR(shm_unlink(name), ENOENT); /* nothing was left */
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
}

static void demo(void)
{
	struct check_cmd c, again;
	char *tour;

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "shm")), 0);
	CHECK_STR(c.err, "");
	CHECK(!strncmp(c.out, "\nShared Memory\n", 15));
	CHECK_CONTAINS(c.out, "with no lock\n");
	CHECK_CONTAINS(c.out, "the counter is 40000: exactly 2 x 20000");
	CHECK_CONTAINS(c.out, "lock() returns EOWNERDEAD");
	CHECK_CONTAINS(c.out, "A + B = 70\n");
	CHECK_CONTAINS(c.out, "lock() returns 0 again");
	CHECK_CONTAINS(c.out, "\n  => ");
	/* Every run tells the same story, in the same order: only the numbers differ. */
	CHECK_EQ(check_cmd_run(&again, NULL, LIPC_ARGV("demo", "shm")), 0);
	if (strstr(c.out, "updates were lost") && strstr(again.out, "updates were lost"))
		CHECK_STR(check_no_numbers(c.out), check_no_numbers(again.out));
	check_cmd_free(&again);
	check_cmd_free(&c);

	tour = sh("\"$0\" tour", "");
	CHECK(strstr(tour, "FIFO (named pipe)") < strstr(tour, "Shared Memory"));
	free(tour);
}

CHECK_MAIN(TEST(posix_round_trip), TEST(modes), TEST(sysv_round_trip_and_rmid),
	   TEST(memfd_sealed_and_passed), TEST(memfd_refusals), TEST(anon_shared_across_fork),
	   TEST(bad_names_sizes_and_flags), TEST(read_write_ranges_and_truncation),
	   TEST(full_dev_shm_is_enospc_at_creation), TEST(robust_mutex_owner_killed),
	   TEST(unmapped_by_its_dead_owner), TEST(unrecoverable_without_consistent),
	   TEST(owner_died_passes_on), TEST(mutex_timeout_relock_and_foreign_unlock),
	   TEST(mutex_counts_exactly), TEST(cond_across_processes),
	   TEST(cond_wait_hears_owner_death), TEST(cond_survives_dead_waiter),
	   TEST(example_shm_posix), TEST(example_shm_sysv), TEST(example_shm_robust_mutex),
	   TEST(cli_posix), TEST(cli_sysv), TEST(cli_permissions), TEST(cli_misuse_is_exit_2),
	   TEST(cli_full_dev_shm), TEST(demo))
