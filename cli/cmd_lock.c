/* SPDX-License-Identifier: MIT */
/*
 * lipc lock: run a command while holding a lock on a file, as util-linux flock(1) does, or show
 * who holds which locks on a file. The lock must outlive the command: lipc passes a SIGTERM or
 * SIGHUP sent to it on to the command and waits, rather than dying and releasing the lock while
 * the command still writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "table.h"
#include "lipc/lock.h"

static const char help[] =
	"Usage: lipc lock [OPTIONS] FILE [--] COMMAND [ARG...]\n"
	"       lipc lock --status FILE\n"
	"Run COMMAND while holding a lock on FILE, then exit with COMMAND's status.\n"
	"FILE is created when missing.\n"
	"\n"
	"Options:\n"
	"  -x, --exclusive           an exclusive lock (the default)\n"
	"  -s, --shared              a shared lock, which other shared locks may share\n"
	"  -n, --nonblock            fail at once if the lock is held\n"
	"  -w, --wait SECONDS        wait at most SECONDS for the lock (default: for ever)\n"
	"  -k, --kind KIND           ofd (default), posix or flock: flock conflicts with\n"
	"                            flock(1), ofd and posix with programs that use fcntl locks\n"
	"  -r, --range START:LENGTH  lock LENGTH bytes from byte START (LENGTH 0: to the end\n"
	"                            of the file); ofd and posix only (default: whole file)\n"
	"  -m, --mode MODE           permissions of FILE if lipc creates it (octal, default\n"
	"                            0600, so other users cannot hold your lock)\n"
	"      --status              show the locks on FILE: who holds them, who waits\n"
	"  -h, --help                show this help\n"
	"\n"
	"COMMAND does not inherit the lock's descriptor. Until COMMAND ends, lipc holds the\n"
	"lock and passes on to COMMAND the SIGINT, SIGQUIT, SIGTERM or SIGHUP sent to lipc\n"
	"(those from the terminal reach COMMAND directly).\n"
	"Exit status: COMMAND's, or 128+N if signal N killed it, 126 if it cannot run, 127 if\n"
	"it is not found; 1 if the lock is busy (-n), not had within SECONDS (-w) or fails;\n"
	"2 usage error.\n";

enum {
	OPT_STATUS = 256
};

static const struct option longopts[] = {
	{ "exclusive", no_argument, NULL, 'x' },  { "shared", no_argument, NULL, 's' },
	{ "nonblock", no_argument, NULL, 'n' },	  { "wait", required_argument, NULL, 'w' },
	{ "kind", required_argument, NULL, 'k' }, { "range", required_argument, NULL, 'r' },
	{ "mode", required_argument, NULL, 'm' }, { "status", no_argument, NULL, OPT_STATUS },
	{ "help", no_argument, NULL, 'h' },	  { 0 },
};

static enum lipc_lock_kind parse_kind(const char *s)
{
	static const enum lipc_lock_kind kinds[] = { LIPC_LOCK_OFD, LIPC_LOCK_POSIX,
						     LIPC_LOCK_FLOCK };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(s, lipc_lock_kind_name(kinds[i])))
			return kinds[i];
	usage_error("kind '%s' is not ofd, posix or flock", s);
}

/* START:LENGTH, both plain numbers, the range inside what off_t can address. */
static void parse_range(const char *s, struct lipc_lock *lk)
{
	const char *colon = strchr(s, ':');
	char start[32];

	if (!colon || (size_t)(colon - s) >= sizeof(start))
		usage_error("range '%s' is not START:LENGTH", s);
	memcpy(start, s, (size_t)(colon - s));
	start[colon - s] = '\0';
	lk->start = parse_long("range start", start, 0, LONG_MAX);
	lk->len = parse_long("range length", colon + 1, 0, LONG_MAX);
	if (lk->len > LONG_MAX - lk->start)
		usage_error("range '%s' ends beyond the largest file offset", s);
}

static const char *describe_range(off_t start, off_t len, char *buf, size_t size)
{
	if (start == 0 && len == 0)
		return "whole";
	if (len == 0)
		snprintf(buf, size, "%lld-EOF", (long long)start);
	else
		snprintf(buf, size, "%lld-%lld", (long long)start, (long long)(start + len - 1));
	return buf;
}

/*
 * The name of a process, or "(exited)", in a new string. A process names itself (prctl
 * PR_SET_NAME, or its program's file name): another user's may hold a terminal escape
 * sequence, so it is escaped for the terminal.
 */
static char *comm_of(pid_t pid)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return escape_text(errno == ENOENT ? "(exited)" : "?", errno == ENOENT ? 8 : 1);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return escape_text("?", 1);
	/* The kernel ends the name with a newline; the name itself may hold one too. */
	if (buf[n - 1] == '\n')
		n--;
	return escape_text(buf, (size_t)n);
}

static int show_status(const char *path)
{
	struct lipc_lock_owner owners[256] = { LIPC_LOCK_OWNER_INIT };
	int fd, n;

	/* O_PATH: no need to be allowed to read it, and a FIFO does not block. */
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		fail("cannot open %s: %s", path, strerror(errno));
	n = lipc_lock_list(fd, owners, sizeof(owners) / sizeof(owners[0]));
	if (n < 0)
		fail("cannot read /proc/locks: %s", strerror(errno));
	close(fd);
	if (n == 0) {
		escape_put(stdout, path, strlen(path));
		printf(": no locks\n");
		return EXIT_SUCCESS;
	}
	printf("KIND   TYPE       RANGE            STATE  PID      COMMAND\n");
	for (int i = 0; i < n && i < (int)(sizeof(owners) / sizeof(owners[0])); i++) {
		const struct lipc_lock_owner *o = &owners[i];
		char range[48], pid[16], row[256];
		int len;
		char *comm = o->pid > 0 ? comm_of(o->pid) : escape_text("?", 1);

		snprintf(pid, sizeof(pid), "%d", (int)o->pid);
		/* A row too wide (a process's name full of escapes) goes on under COMMAND. */
		len = snprintf(row, sizeof(row), "%-6s %-10s %-16s %-6s %-8s %s",
			       lipc_lock_kind_name(o->kind), o->shared ? "shared" : "exclusive",
			       describe_range(o->start, o->len, range, sizeof(range)),
			       o->waiting ? "waits" : "holds", o->pid > 0 ? pid : "?", comm);
		table_fold(stdout, row,
			   len < 0		       ? 0
			   : (size_t)len < sizeof(row) ? (size_t)len
						       : sizeof(row) - 1,
			   51);
		putchar('\n');
		free(comm);
	}
	if (n > (int)(sizeof(owners) / sizeof(owners[0])))
		printf("... and %d more\n", n - (int)(sizeof(owners) / sizeof(owners[0])));
	return EXIT_SUCCESS;
}

/* Open an existing FILE read-write, or read-only where writing is not allowed. */
static int open_existing(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 && (errno == EACCES || errno == EISDIR || errno == EROFS || errno == ETXTBSY))
		fd = openat(dirfd, name, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	return fd;
}

/*
 * Open FILE, creating it when it does not exist, in its directory pinned once (a directory of
 * the path swapped meanwhile changes nothing). Creation is O_EXCL, which never follows a
 * symbolic link: a link planted at FILE in a shared directory cannot make lipc create its
 * target somewhere else (an existing file behind a link is only opened, as flock(1) does).
 * Should FILE appear or vanish between the two opens, look again.
 */
static int open_file(const char *path, mode_t mode)
{
	char name[NAME_MAX + 1];
	int dirfd = open_dir_of(path, name, sizeof(name)), fd, err;

	if (dirfd < 0)
		return -1;
	for (;;) {
		struct stat st;

		fd = open_existing(dirfd, name);
		if (fd >= 0 || errno != ENOENT)
			break;
		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
		/* A dangling symbolic link is EEXIST for O_EXCL and ENOENT to follow: refuse it. */
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			break;
		}
	}
	err = errno;
	close(dirfd);
	errno = err;
	return fd;
}

static volatile pid_t command_pid;

/* A signal sent to lipc itself goes on to COMMAND; one from the terminal reached it already. */
static void pass_on(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (si->si_code != SI_KERNEL && command_pid > 0)
		kill(command_pid, sig);
}

static const int passed_on[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
#define N_PASSED_ON (sizeof(passed_on) / sizeof(passed_on[0]))

static int run_command(char **argv)
{
	struct sigaction sa = { .sa_sigaction = pass_on, .sa_flags = SA_SIGINFO | SA_RESTART };
	posix_spawnattr_t attr;
	sigset_t block, old;
	int err, status;
	pid_t pid;

	/* Held back until the handlers are in place, so none is missed or kills lipc early. */
	sigemptyset(&block);
	for (size_t i = 0; i < N_PASSED_ON; i++)
		sigaddset(&block, passed_on[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &old);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	err = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (err) {
		warn_msg("%s: %s", argv[0], strerror(err));
		return err == ENOENT ? 127 : 126;
	}
	command_pid = pid;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < N_PASSED_ON; i++) {
		struct sigaction was;

		/* What the caller ignores (nohup) stays ignored, for COMMAND too. */
		if (sigaction(passed_on[i], NULL, &was) == 0 && was.sa_handler != SIG_IGN)
			sigaction(passed_on[i], &sa, NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			warn_msg("waitpid: %s", strerror(errno));
			return EXIT_FAILURE;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The lock could not be had: say who has it, as far as the kernel tells. */
static _Noreturn void busy(const char *path, const struct lipc_lock *lk)
{
	struct lipc_lock_owner who = LIPC_LOCK_OWNER_INIT;

	if (lipc_lock_holder(lk, &who) == 1 && who.pid > 0)
		fail("%s: locked by pid %d", path, (int)who.pid);
	fail("%s: locked", path);
}

int cmd_lock(int argc, char **argv)
{
	struct lipc_lock lk = { .struct_size = sizeof(struct lipc_lock), .kind = LIPC_LOCK_OFD };
	bool status = false, ranged = false, nonblock = false;
	const char *wait = NULL, *path;
	int opt, timeout_ms = -1;
	mode_t mode = 0600;

	while ((opt = next_option(argc, argv, "+xsnw:k:r:m:", longopts, help)) != -1) {
		switch (opt) {
		case 'x':
			lk.shared = false;
			break;
		case 's':
			lk.shared = true;
			break;
		case 'n':
			nonblock = true;
			break;
		case 'w':
			wait = optarg;
			timeout_ms = parse_seconds("wait", optarg);
			break;
		case 'k':
			lk.kind = parse_kind(optarg);
			break;
		case 'r':
			parse_range(optarg, &lk);
			ranged = true;
			break;
		case 'm':
			mode = parse_mode("mode", optarg);
			break;
		case OPT_STATUS:
			status = true;
			break;
		}
	}
	if (nonblock && wait)
		usage_error("lock: -n and -w exclude each other");
	if (nonblock)
		timeout_ms = 0;
	if (ranged && lk.kind == LIPC_LOCK_FLOCK)
		usage_error("lock: flock locks the whole file; --range needs --kind ofd or posix");
	if (optind >= argc)
		usage_error("lock: missing FILE");
	path = argv[optind++];
	if (status) {
		if (optind < argc)
			usage_error("lock: --status takes only FILE, not '%s'", argv[optind]);
		return show_status(path);
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		usage_error("lock: missing COMMAND");

	lk.fd = open_file(path, mode);
	if (lk.fd < 0 && errno == ELOOP)
		fail("cannot open %s: a symbolic link to nowhere, which lipc does not follow to "
		     "create "
		     "a file",
		     path);
	if (lk.fd < 0)
		fail("cannot open %s: %s", path, strerror(errno));
	if (lipc_lock_lock(&lk, timeout_ms) < 0) {
		if (errno == ETIMEDOUT || errno == EAGAIN) /* EAGAIN: -t 0 */
			busy(path, &lk);
		if (errno == EBADF)
			fail("%s: an exclusive %s lock needs write permission (try -s or --kind "
			     "flock)",
			     path, lipc_lock_kind_name(lk.kind));
		fail("cannot lock %s: %s", path, strerror(errno));
	}
	/* Standard output is COMMAND's from here: nothing of ours may be left in a buffer. */
	fflush(stdout);
	return run_command(argv + optind);
}
