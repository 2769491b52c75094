/* SPDX-License-Identifier: MIT */
/* The library's internal helpers: full I/O loops, deadlines, name and path checks. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"

static volatile sig_atomic_t signals_seen;

static void count_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

/* read_full gathers a message that arrives in pieces, across a signal that interrupts it. */
static void read_full_partial_and_eintr(void)
{
	struct sigaction sa = { .sa_handler = count_signal }; /* no SA_RESTART: read() gets EINTR */
	char buf[12] = { 0 };
	int fds[2];
	pid_t parent = getpid(), pid;

	CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		close(fds[0]);
		/* Wait until the parent sleeps in read(), then interrupt it, then write in pieces.
		 */
		while (!check_asleep(parent))
			sched_yield();
		CHECK_SYS(kill(parent, SIGUSR1));
		CHECK_SYS(write(fds[1], "hello ", 6));
		CHECK_SYS(write(fds[1], "wor", 3));
		CHECK_SYS(write(fds[1], "ld!", 3));
		_exit(0);
	}
	close(fds[1]);
	CHECK_EQ(lipc__read_full(fds[0], buf, sizeof(buf)), 12);
	CHECK(!memcmp(buf, "hello world!", 12));
	CHECK_EQ(signals_seen, 1);
	/* At end of file it returns what there was: nothing. */
	CHECK_EQ(lipc__read_full(fds[0], buf, sizeof(buf)), 0);
	CHECK_EQ(check_wait(pid), 0);
	close(fds[0]);
}

/* write_full pushes more than a pipe holds, so the kernel takes it in several partial writes. */
static void write_full_partial(void)
{
	static char big[256 * 1024], back[sizeof(big)];
	int fds[2];
	pid_t pid;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		close(fds[0]);
		CHECK_EQ(lipc__write_full(fds[1], big, sizeof(big)), sizeof(big));
		_exit(0);
	}
	close(fds[1]);
	CHECK_EQ(lipc__read_full(fds[0], back, sizeof(back)), sizeof(back));
	CHECK(!memcmp(big, back, sizeof(big)));
	CHECK_EQ(check_wait(pid), 0);
	close(fds[0]);
}

static void write_full_epipe(void)
{
	int fds[2];

	signal(SIGPIPE, SIG_IGN);
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	close(fds[0]);
	CHECK_ERR(lipc__write_full(fds[1], "x", 1), EPIPE);
	close(fds[1]);
}

static void close_and_unlink_keep_errno(void)
{
	char path[PATH_MAX];

	check_path(path, sizeof(path), "absent");
	errno = ETIMEDOUT;
	lipc__close(-1);
	lipc__close(12345); /* EBADF inside, yet errno stays */
	lipc__unlink(path);
	CHECK_EQ(errno, ETIMEDOUT);
}

static void deadlines(void)
{
	struct lipc__deadline d;

	lipc__deadline_start(&d, -1);
	CHECK_EQ(lipc__remaining_ms(&d), -1);
	lipc__deadline_start(&d, 0);
	CHECK_EQ(lipc__remaining_ms(&d), 0);
	lipc__deadline_start(&d, 60000);
	CHECK(lipc__remaining_ms(&d) > 0 && lipc__remaining_ms(&d) <= 60000);
}

static void wait_fd_times_out_and_wakes(void)
{
	struct lipc__deadline d;
	int fds[2];

	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	lipc__deadline_start(&d, 10);
	CHECK_EQ(lipc__wait_fd(fds[0], POLLIN, &d), 0);
	CHECK_SYS(write(fds[1], "x", 1));
	lipc__deadline_start(&d, -1);
	CHECK_EQ(lipc__wait_fd(fds[0], POLLIN, &d), 1);
	close(fds[0]);
	close(fds[1]);
}

static void path_checks(void)
{
	static char long_path[PATH_MAX + 1];

	CHECK_EQ(lipc__check_path("/tmp/x"), 0);
	CHECK_ERR(lipc__check_path(""), ENOENT);
	memset(long_path, 'a', PATH_MAX);
	CHECK_ERR(lipc__check_path(long_path), ENAMETOOLONG);
}

static void name_checks(void)
{
	char name[NAME_MAX + 2];

	CHECK_EQ(lipc__check_name("/queue"), 0);
	CHECK_ERR(lipc__check_name("queue"), EINVAL);
	CHECK_ERR(lipc__check_name("/"), EINVAL);
	CHECK_ERR(lipc__check_name("/a/b"), EINVAL);
	CHECK_ERR(lipc__check_name("/."), EINVAL);
	CHECK_ERR(lipc__check_name("/.."), EINVAL);
	/* The longest name still fits /dev/shm/sem.NAME; one more byte does not. */
	name[0] = '/';
	memset(name + 1, 'n', NAME_MAX - 4);
	name[NAME_MAX - 3] = '\0';
	CHECK_EQ(lipc__check_name(name), 0);
	name[NAME_MAX - 3] = 'n';
	name[NAME_MAX - 2] = '\0';
	CHECK_ERR(lipc__check_name(name), ENAMETOOLONG);
}

CHECK_MAIN(TEST(read_full_partial_and_eintr), TEST(write_full_partial), TEST(write_full_epipe),
	   TEST(close_and_unlink_keep_errno), TEST(deadlines), TEST(wait_fd_times_out_and_wakes),
	   TEST(path_checks), TEST(name_checks))
