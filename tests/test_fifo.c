/* SPDX-License-Identifier: MIT */
/* FIFOs: creation rules, the blocking and timed opens, and the refusals. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lipc/fifo.h"

/* Create the FIFO at path, which must be new: a reader's open that does not wait, closed. */
static void make_fifo(const char *path, mode_t mode)
{
	close((int)CHECK_SYS(lipc_fifo_open(path, LIPC_RECV, LIPC_CREATE | LIPC_EXCL, mode, 0)));
}

static void create_mode_and_reuse(void)
{
	char path[PATH_MAX];
	struct stat st;

	umask(0);
	check_path(path, sizeof(path), "fifo");
	make_fifo(path, 0);
	CHECK_SYS(lstat(path, &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0600);
	/* LIPC_EXCL refuses the FIFO there; LIPC_CREATE alone joins it, as open without it does. */
	CHECK_ERR(lipc_fifo_open(path, LIPC_RECV, LIPC_CREATE | LIPC_EXCL, 0, 0), EEXIST);
	close((int)CHECK_SYS(lipc_fifo_open(path, LIPC_RECV, LIPC_CREATE, 0640, 0)));
	CHECK_SYS(lstat(path, &st));
	CHECK_EQ(st.st_mode & 07777, 0600); /* the existing FIFO's, not the mode asked for */
	close((int)CHECK_SYS(lipc_fifo_open(path, LIPC_RECV, 0, 0, 0)));
	CHECK_SYS(lipc_fifo_unlink(path));
	CHECK_ERR(lipc_fifo_open(path, LIPC_RECV, 0, 0, 0),
		  ENOENT); /* no LIPC_CREATE: joins only */
	make_fifo(path, 0640);
	CHECK_SYS(lstat(path, &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_SYS(lipc_fifo_unlink(path));
	CHECK_ERR(lstat(path, &st), ENOENT);
}

static void create_refuses_non_fifo(void)
{
	char file[PATH_MAX], dir[PATH_MAX], link[PATH_MAX], fifo[PATH_MAX];

	check_path(file, sizeof(file), "file");
	check_path(dir, sizeof(dir), "dir");
	check_path(link, sizeof(link), "link");
	check_path(fifo, sizeof(fifo), "fifo");
	close((int)CHECK_SYS(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	CHECK_SYS(mkdir(dir, 0700));
	CHECK_SYS(mkfifo(fifo, 0600));
	CHECK_SYS(symlink(fifo, link));

	CHECK_ERR(lipc_fifo_open(file, LIPC_RECV, LIPC_CREATE, 0, 0), EEXIST);
	CHECK_ERR(lipc_fifo_open(dir, LIPC_RECV, LIPC_CREATE, 0, 0), EEXIST);
	/* A link, even to a FIFO. */
	CHECK_ERR(lipc_fifo_open(link, LIPC_RECV, LIPC_CREATE, 0, 0), ELOOP);
	CHECK_ERR(lipc_fifo_open(file, LIPC_RECV, 0, 0, 0), EEXIST);
	CHECK_ERR(lipc_fifo_open(dir, LIPC_RECV, 0, 0, 0), EEXIST);
	CHECK_ERR(lipc_fifo_open(link, LIPC_SEND, 0, 0, -1), ELOOP);
	CHECK_ERR(lipc_fifo_unlink(file), EEXIST);
	CHECK_ERR(lipc_fifo_unlink(link), EEXIST);

	CHECK_SYS(unlink(link));
	CHECK_SYS(unlink(fifo));
	CHECK_SYS(unlink(file));
	CHECK_SYS(rmdir(dir));
}

static void missing_directory(void)
{
	char path[PATH_MAX];

	check_path(path, sizeof(path), "no-such-dir/fifo");
	CHECK_ERR(lipc_fifo_open(path, LIPC_RECV, LIPC_CREATE, 0, 0), ENOENT);
	CHECK_ERR(lipc_fifo_open(path, LIPC_RECV, 0, 0, 0), ENOENT);
	CHECK_ERR(lipc_fifo_open("", LIPC_RECV, LIPC_CREATE, 0, 0), ENOENT);
}

static void bad_flags(void)
{
	CHECK_ERR(lipc_fifo_open("/tmp", LIPC_RECV | LIPC_SEND, 0, 0, 0), EINVAL); /* one role */
	CHECK_ERR(lipc_fifo_open("/tmp", 0, 0, 0, 0), EINVAL);
	CHECK_ERR(lipc_fifo_open("/tmp", LIPC_SEND, O_APPEND, 0, 0), EINVAL);
	CHECK_ERR(lipc_fifo_open("/tmp", LIPC_SEND, O_CREAT, 0, 0), EINVAL); /* not our flag */
	CHECK_ERR(lipc_fifo_open("/tmp", LIPC_SEND, LIPC_EXCL, 0, 0), EINVAL);
	CHECK_ERR(lipc_fifo_open("/tmp", LIPC_SEND, LIPC_CREATE, 01600, 0), EINVAL);
}

static void nonblocking_write_open_without_reader(void)
{
	char path[PATH_MAX];
	int fd;

	check_path(path, sizeof(path), "fifo");
	make_fifo(path, 0);
	CHECK_ERR(lipc_fifo_open(path, LIPC_SEND, 0, 0, 0), ENXIO);
	/* With a reader there, the same open succeeds. */
	fd = (int)CHECK_SYS(lipc_fifo_open(path, LIPC_RECV, 0, 0, 0));
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close((int)CHECK_SYS(lipc_fifo_open(path, LIPC_SEND, 0, 0, 0)));
	close(fd);
	CHECK_SYS(lipc_fifo_unlink(path));
}

static void timed_open_times_out(void)
{
	char path[PATH_MAX];
	int before = check_open_fds();

	check_path(path, sizeof(path), "fifo");
	make_fifo(path, 0);
	CHECK_ERR(lipc_fifo_open(path, LIPC_RECV, 0, 0, 50), ETIMEDOUT);
	CHECK_ERR(lipc_fifo_open(path, LIPC_SEND, 0, 0, 50), ETIMEDOUT);
	CHECK_EQ(check_open_fds(), before);
	CHECK_SYS(lipc_fifo_unlink(path));
}

/* A blocking or timed open completes when another process opens the other end. */
static void open_meets_peer(enum lipc_role mine, enum lipc_role theirs, int timeout_ms)
{
	char path[PATH_MAX], buf[8] = { 0 };
	int fd;
	pid_t pid;

	check_path(path, sizeof(path), "fifo");
	make_fifo(path, 0);
	pid = check_fork();
	if (pid == 0) {
		fd = (int)CHECK_SYS(lipc_fifo_open(path, theirs, 0, 0, -1));
		if (theirs == LIPC_SEND)
			CHECK_EQ(write(fd, "peer", 4), 4);
		else
			CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
		_exit(0);
	}
	fd = (int)CHECK_SYS(lipc_fifo_open(path, mine, 0, 0, timeout_ms));
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	if (mine == LIPC_SEND) {
		CHECK_EQ(write(fd, "peer", 4), 4);
	} else {
		CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
		CHECK_STR(buf, "peer");
	}
	CHECK_EQ(check_wait(pid), 0);
	close(fd);
	CHECK_SYS(lipc_fifo_unlink(path));
}

static void blocking_open_meets_writer(void)
{
	open_meets_peer(LIPC_RECV, LIPC_SEND, -1);
}

static void blocking_open_meets_reader(void)
{
	open_meets_peer(LIPC_SEND, LIPC_RECV, -1);
}

static void timed_open_meets_writer(void)
{
	open_meets_peer(LIPC_RECV, LIPC_SEND, 30000);
}

static void timed_open_meets_reader(void)
{
	open_meets_peer(LIPC_SEND, LIPC_RECV, 30000);
}

CHECK_MAIN(TEST(create_mode_and_reuse), TEST(create_refuses_non_fifo), TEST(missing_directory),
	   TEST(bad_flags), TEST(nonblocking_write_open_without_reader), TEST(timed_open_times_out),
	   TEST(blocking_open_meets_writer), TEST(blocking_open_meets_reader),
	   TEST(timed_open_meets_writer), TEST(timed_open_meets_reader))
