/* SPDX-License-Identifier: MIT */
/*
 * Every shell command the guide shows works as shown. Each ```sh block of the guide (README.md,
 * then every chapter of docs/guide/, see guide.h) runs, in the order of the guide, as one `sh -e`
 * script: in a scratch directory where examples/ is the sources', with this build's lipc first
 * on PATH, inside a sandbox (check_sandboxed) with System V objects, POSIX queues, /dev/shm and
 * /tmp of its own, so that /tmp/jobs or key 0x1234 can be nobody else's, and standard input at
 * end of file. A block fails the test when it fails or runs over a minute, and when it leaves
 * behind a process still running or an IPC object: each block cleans up after itself, as a
 * reader following the guide would want.
 *
 * A block that cannot run unattended (two terminals, a change to the whole system, the test
 * suite itself) is introduced by a line "<!-- not run: REASON -->" just before its fence; it is
 * then left out, and only then.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "guide.h"

#define BLOCK_TIMEOUT_MS 60000

static char *slurp_fd(int fd)
{
	struct stat st;
	char *s;

	CHECK_SYS(fstat(fd, &st));
	s = malloc((size_t)st.st_size + 1);
	CHECK(s != NULL);
	CHECK_EQ(CHECK_SYS(pread(fd, s, (size_t)st.st_size, 0)), st.st_size);
	s[st.st_size] = '\0';
	close(fd);
	return s;
}

/* The first line of a block, to name it in messages. */
static const char *first_line(const char *block)
{
	static char line[120];

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(block, "\n"), block);
	return line;
}

/* What a block left behind: IPC objects of the sandbox, FIFOs or sockets in dir. */
static void check_nothing_left(const char *file, const char *block, const char *mqueue_dir,
			       const char *scratch)
{
	static const char *const sysv[] = { "/proc/sysvipc/msg", "/proc/sysvipc/sem",
					    "/proc/sysvipc/shm" };
	const char *const dirs[] = { "/dev/shm", mqueue_dir, "/tmp", scratch };

	for (size_t i = 0; i < sizeof(sysv) / sizeof(sysv[0]); i++) {
		char buf[4096];
		int fd = (int)CHECK_SYS(open(sysv[i], O_RDONLY | O_CLOEXEC));
		ssize_t n = CHECK_SYS(read(fd, buf, sizeof(buf) - 1));

		close(fd);
		buf[n] = '\0';
		if (strchr(buf, '\n') != buf + n - 1)
			check_fail(__FILE__, __LINE__,
				   "%s: the block \"%s\" left a System V object:\n%s", file,
				   first_line(block), buf);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		CHECK(d != NULL);
		while ((e = readdir(d))) {
			struct stat st;
			bool ipc_dir = i < 2; /* everything there is an IPC object */

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			CHECK_SYS(fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW));
			if (ipc_dir || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
				check_fail(__FILE__, __LINE__,
					   "%s: the block \"%s\" left %s/%s behind", file,
					   first_line(block), dirs[i], e->d_name);
		}
		closedir(d);
	}
}

/* Run one block; fail with its output unless it succeeds and leaves nothing running. */
static void run_block(const char *file, const char *block, int n)
{
	int out = (int)CHECK_SYS(memfd_create("stdout", MFD_CLOEXEC));
	int err = (int)CHECK_SYS(memfd_create("stderr", MFD_CLOEXEC));
	struct pollfd p = { .events = POLLIN };
	char *o, *e;
	int status;
	pid_t pid;

	pid = check_fork();
	if (pid == 0) {
		sigset_t none;
		int in = open("/dev/null", O_RDONLY);

		/* A group of its own, every signal at its default, as a terminal would start it. */
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execlp("sh", "sh", "-e", "-c", block, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	p.fd = (int)CHECK_SYS(syscall(SYS_pidfd_open, pid, 0));
	if (CHECK_SYS(poll(&p, 1, BLOCK_TIMEOUT_MS)) == 0) {
		kill(-pid, SIGKILL);
		check_fail(__FILE__, __LINE__, "%s: block %d, \"%s\", ran over %d s", file, n,
			   first_line(block), BLOCK_TIMEOUT_MS / 1000);
	}
	close(p.fd);
	status = check_wait(pid);
	o = slurp_fd(out);
	e = slurp_fd(err);
	if (status != 0)
		check_fail(
			__FILE__, __LINE__,
			"%s: block %d failed with status %d:\n%s\n--- stdout:\n%s--- stderr:\n%s",
			file, n, status, block, o, e);
	/*
	 * Background jobs it left: this process is their subreaper, so the finished ones are
	 * zombies here to reap, and any other is still running.
	 */
	while (waitpid(-pid, NULL, WNOHANG) > 0)
		;
	if (kill(-pid, 0) == 0) {
		kill(-pid, SIGKILL);
		check_fail(__FILE__, __LINE__, "%s: block %d, \"%s\", left processes running", file,
			   n, first_line(block));
	}
	free(o);
	free(e);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void run_all(const char *mqueue_dir, void *unused)
{
	char path[PATH_MAX], scratch[PATH_MAX], link[PATH_MAX + 16], bin[PATH_MAX], env[8192];
	const char *lipc = check_lipc(), *old_path = getenv("PATH");
	int ran = 0, skipped = 0, n = 0, n_files;
	struct guide_file files[32];

	(void)unused;
	/* Orphaned background jobs come back to this process, which can then tell what is left. */
	CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1));
	check_path(scratch, sizeof(scratch), "readme");
	CHECK_SYS(mkdir(scratch, 0700));
	snprintf(path, sizeof(path), "%s/examples", check_source_dir());
	snprintf(link, sizeof(link), "%s/examples", scratch);
	CHECK_SYS(symlink(path, link));
	snprintf(bin, sizeof(bin), "%s", lipc);
	*strrchr(bin, '/') = '\0';
	snprintf(env, sizeof(env), "%s:%s", bin, old_path ? old_path : "/usr/bin:/bin");
	CHECK_SYS(setenv("PATH", env, 1));
	CHECK_SYS(unsetenv("NO_COLOR"));
	CHECK_SYS(chdir(scratch));

	n_files = guide_files(files, 32);
	for (int i = 0; i < n_files; i++) {
		char *text = check_read_file(files[i].path);

		for (char *p = text; (p = strstr(p, "\n```sh\n"));) {
			char *body = p + 7, *end = strstr(body, "\n```\n"), *before = p;

			CHECK(end != NULL);
			*end = '\0';
			n++;
			/* The line before the fence: "<!-- not run: REASON -->" leaves it out. */
			while (before > text && before[-1] != '\n')
				before--;
			if (!strncmp(before, "<!-- not run: ", 14)) {
				CHECK(strchr(before, '>') - before > 20); /* with a reason */
				skipped++;
			} else {
				run_block(files[i].name, body, n);
				check_nothing_left(files[i].name, body, mqueue_dir, scratch);
				ran++;
			}
			*end = '\n';
			p = end + 1;
		}
		free(text);
	}
	printf("%d blocks ran, %d left out\n", ran, skipped);
	fflush(stdout);
	CHECK(ran >= 15); /* the marker never hides the guide */
	CHECK_SYS(chdir("/"));
	CHECK_SYS(nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS));
}

static void readme_commands_work(void)
{
	check_sandboxed(run_all, NULL, CHECK_SANDBOX_TMP);
}

CHECK_MAIN(TEST_T(readme_commands_work, 240))
