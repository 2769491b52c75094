/* SPDX-License-Identifier: MIT */
/*
 * The bad-input sweep: every command and option of `lipc --help` given bad arguments (empty,
 * over-long, non-numeric, negative, overflowing, unknown names, wrong address kinds, missing
 * files, directories where files belong). Each must end with status 2 (a usage error: one
 * "lipc: ..." line and the "Try 'lipc CMD --help'." line) or 1 (a failure: one "lipc: ..."
 * line), within 5 s, never by a signal, with nothing on standard output and nothing left behind
 * (the test's objects: its directory, /dev/shm, System V keys).
 *
 * Two tables. options[] lists each option that takes a value, with the kind of value: every
 * bad value of that kind is tried with it. cases[] lists whole command lines. A new command
 * (ls, rm, bench) adds its options to the first and its own misuse to the second. In both,
 * %D is the test directory, %F a path in it that does not exist, %M a path under a directory
 * that does not exist, %L a path longer than PATH_MAX, %N a POSIX name /lipc-test-PID-n, and %K
 * a System V key of this test.
 */
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define DEADLINE_MS 5000

enum value {
	COUNT,	 /* a whole number of 1 or more */
	NUMBER,	 /* a whole number, 0 allowed */
	SIGNED,	 /* a number that may be negative (--type of recv) */
	SECONDS, /* seconds, with up to three decimals */
	SIZE,	 /* bytes, or K, M or G of them */
	MODE,	 /* an octal mode */
	WORD,	 /* a name from a fixed list (a lock kind) */
	RANGE,	 /* START:LENGTH */
};

/* The bad values of each kind. */
static const char *const bad_count[] = {
	"", "x", "-1", "1x", " 1", "+1", "0x10", "1.5", "99999999999999999999999999", "0", NULL
};
static const char *const bad_number[] = {
	"", "x", "-1", "1x", " 1", "1.5", "99999999999999999999999999", NULL
};
static const char *const bad_signed[] = {
	"", "x", "--1", "1x", "-", "- 1", "-99999999999999999999999999", NULL
};
static const char *const bad_seconds[] = {
	"",  "x", "-1", "1.", ".5", "1e3", "604801", "604800.001", "1,5", "99999999999999999999",
	NULL
};
static const char *const bad_size[] = { "",   "x",   "-1", "1T", "1KB", "99999999999999999999G",
					"8E", " 4K", NULL };
static const char *const bad_mode[] = { "", "x", "8", "0800", "-1", "077777", "0x1ff", NULL };
static const char *const bad_word[] = { "", "x", "OFD", "flocks", NULL };
static const char *const bad_range[] = { "",	"5",	":",	"x:1",
					 "1:x", "-1:1", "1:-1", "9223372036854775807:1",
					 NULL };

static const char *const *const bad_values[] = {
	[COUNT] = bad_count, [NUMBER] = bad_number, [SIGNED] = bad_signed, [SECONDS] = bad_seconds,
	[SIZE] = bad_size,   [MODE] = bad_mode,	    [WORD] = bad_word,	   [RANGE] = bad_range,
};

/* An option with a value: the command line before it, the option, its kind, what follows. */
struct option_row {
	const char *before[4];
	const char *option;
	enum value kind;
	const char *after[4];
};

static const struct option_row options[] = {
	/* send */
	{ { "send" }, "--timeout", SECONDS, { "fifo:%F", "x" } },
	{ { "send" }, "-t", SECONDS, { "fifo:%F", "x" } },
	{ { "send" }, "--mode", MODE, { "fifo:%F", "x" } },
	{ { "send" }, "--capacity", SIZE, { "shm:%N", "x" } },
	{ { "send" }, "--priority", NUMBER, { "mq:%N", "x" } },
	{ { "send" }, "--type", COUNT, { "sysv-mq:%K", "x" } },
	{ { "send" }, "--max-msgs", COUNT, { "mq:%N", "x" } },
	{ { "send" }, "--msg-size", COUNT, { "mq:%N", "x" } },
	/* recv */
	{ { "recv" }, "--count", COUNT, { "fifo:%F" } },
	{ { "recv" }, "--allow-uid", NUMBER, { "unix:%F" } },
	{ { "recv" }, "--timeout", SECONDS, { "fifo:%F" } },
	{ { "recv" }, "--mode", MODE, { "fifo:%F" } },
	{ { "recv" }, "-c", SIZE, { "shm:%N" } },
	{ { "recv" }, "--type", SIGNED, { "sysv-mq:%K" } },
	{ { "recv" }, "--truncate", COUNT, { "sysv-mq:%K" } },
	{ { "recv" }, "--max-msgs", COUNT, { "mq:%N" } },
	{ { "recv" }, "--msg-size", COUNT, { "mq:%N" } },
	/* lock */
	{ { "lock" }, "--wait", SECONDS, { "%F", "true" } },
	{ { "lock" }, "--kind", WORD, { "%F", "true" } },
	{ { "lock" }, "--range", RANGE, { "%F", "true" } },
	{ { "lock" }, "--mode", MODE, { "%F", "true" } },
	/* signal */
	{ { "signal", "send" }, "--value", NUMBER, { "1", "0" } },
	{ { "signal", "wait" }, "--count", COUNT, { "USR1" } },
	{ { "signal", "wait" }, "--timeout", SECONDS, { "USR1" } },
	/* sem */
	{ { "sem", "create" }, "--mode", MODE, { "%N" } },
	{ { "sem", "wait" }, "--timeout", SECONDS, { "%N" } },
	/* shm */
	{ { "shm", "create" }, "--mode", MODE, { "%N", "4096" } },
	{ { "shm", "write" }, "--offset", SIZE, { "%N", "x" } },
	{ { "shm", "read" }, "--offset", SIZE, { "%N" } },
	{ { "shm", "read" }, "--length", SIZE, { "%N" } },
};

/* A whole command line and the status it must end with: 2 usage error, 1 failure. */
struct case_row {
	int status;
	const char *argv[8];
};

static const struct case_row cases[] = {
	/* lipc itself */
	{ 2, { NULL } },
	{ 2, { "" } },
	{ 2, { "bogus" } },
	{ 2, { "--bogus" } },
	{ 2, { "-x" } },
	/* send and recv: addresses of every kind, malformed */
	{ 2, { "send" } },
	{ 2, { "send", "" } },
	{ 2, { "send", "x" } },
	{ 2, { "send", "bogus:x", "m" } },
	{ 2, { "send", ":x", "m" } },
	{ 2, { "send", "fifo:", "m" } },
	{ 2, { "send", "fifo:%L", "m" } },
	{ 2, { "send", "mq:", "m" } },
	{ 2, { "send", "mq:noslash", "m" } },
	{ 2, { "send", "mq:/a/b", "m" } },
	{ 2, { "send", "mq:/", "m" } },
	{ 2, { "send", "mq:/..", "m" } },
	{ 2, { "send", "mq:%L", "m" } },
	{ 2, { "send", "sysv-mq:", "m" } },
	{ 2, { "send", "sysv-mq:0", "m" } },
	{ 2, { "send", "sysv-mq:-1", "m" } },
	{ 2, { "send", "sysv-mq:x", "m" } },
	{ 2, { "send", "sysv-mq:0x100000000", "m" } },
	{ 2, { "send", "sysv-mq:@", "m" } },
	{ 2, { "send", "sysv-mq:@%D:0", "m" } },
	{ 2, { "send", "sysv-mq:@%D:256", "m" } },
	{ 1, { "send", "sysv-mq:@%M", "m" } },
	{ 2, { "send", "unix:", "m" } },
	{ 2, { "send", "unix:@", "m" } },
	{ 2, { "send", "unix:%L", "m" } },
	{ 2, { "send", "unix-dgram:", "m" } },
	{ 2, { "send", "unix-seqpacket:", "m" } },
	{ 2, { "send", "tcp:", "m" } },
	{ 2, { "send", "tcp:host", "m" } },
	{ 2, { "send", "tcp::", "m" } },
	{ 2, { "send", "tcp::x", "m" } },
	{ 2, { "send", "tcp::-1", "m" } },
	{ 2, { "send", "tcp::65536", "m" } },
	{ 2, { "send", "tcp::123456", "m" } },
	{ 2, { "send", "tcp:::1:80", "m" } },
	{ 2, { "send", "tcp:[::1:80", "m" } },
	{ 2, { "send", "tcp:[]:80", "m" } },
	{ 2, { "send", "tcp::0", "m" } },
	{ 2, { "send", "shm:", "m" } },
	{ 2, { "send", "shm:/a/b", "m" } },
	{ 2, { "send", "fifo:%F", "line\none" } },
	{ 2, { "send", "--bogus", "fifo:%F", "m" } },
	{ 2, { "send", "-t" } },
	/* options for another kind of address */
	{ 2, { "send", "--priority", "1", "fifo:%F", "m" } },
	{ 2, { "send", "--framed", "mq:%N", "m" } },
	{ 2, { "recv", "--framed", "unix-dgram:@%N" } },
	{ 2, { "send", "--type", "1", "mq:%N", "m" } },
	{ 2, { "send", "--max-msgs", "5", "sysv-mq:%K", "m" } },
	{ 2, { "send", "--capacity", "64K", "fifo:%F", "m" } },
	{ 2, { "recv", "--capacity", "64K", "mq:%N" } },
	{ 2, { "recv", "--truncate", "5", "mq:%N" } },
	{ 2, { "recv", "--allow-uid", "0", "fifo:%F" } },
	{ 2, { "recv", "--allow-uid", "0", "tcp::0" } },
	{ 2, { "recv", "--allow-uid", "4294967295", "unix:%F" } },
	{ 2, { "recv", "--capacity", "2G", "shm:%N" } },
	{ 2, { "recv", "--capacity", "1K", "shm:%N" } },
	{ 2, { "recv" } },
	{ 2, { "recv", "fifo:%F", "extra" } },
	{ 2, { "recv", "-Z", "fifo:%F" } },
	/* missing files, directories where files belong */
	{ 1, { "send", "-t", "0", "fifo:%M", "m" } },
	{ 1, { "recv", "-t", "0", "fifo:%M" } },
	{ 1, { "recv", "-t", "0", "fifo:%D" } },
	{ 1, { "send", "-t", "0", "fifo:%D", "m" } },
	{ 1, { "recv", "-t", "0", "unix:%D" } },
	{ 1, { "recv", "-t", "0", "unix:%M" } },
	{ 1, { "send", "-t", "0", "unix:%F", "m" } },
	{ 1, { "send", "-t", "0", "unix-dgram:%D", "m" } },
	{ 1, { "send", "-t", "0", "unix-seqpacket:%M", "m" } },
	/* lock */
	{ 2, { "lock" } },
	{ 2, { "lock", "%F" } },
	{ 2, { "lock", "%F", "--" } },
	{ 2, { "lock", "-n", "-w", "1", "%F", "true" } },
	{ 2, { "lock", "--kind", "flock", "--range", "0:1", "%F", "true" } },
	{ 2, { "lock", "--status", "%F", "extra" } },
	{ 2, { "lock", "--bogus", "%F", "true" } },
	{ 1, { "lock", "--status", "%F" } },
	{ 1, { "lock", "--status", "%M" } },
	{ 1, { "lock", "%M", "true" } },
	{ 1, { "lock", "%L", "true" } },
	/* signal */
	{ 2, { "signal" } },
	{ 2, { "signal", "bogus" } },
	{ 2, { "signal", "send" } },
	{ 2, { "signal", "send", "1" } },
	{ 2, { "signal", "send", "1", "BOGUS" } },
	{ 2, { "signal", "send", "1", "SIG" } },
	{ 2, { "signal", "send", "1", "65" } },
	{ 2, { "signal", "send", "1", "-1" } },
	{ 2, { "signal", "send", "1", "RTMIN+99" } },
	{ 2, { "signal", "send", "1", "RTMAX-99" } },
	{ 2, { "signal", "send", "1", "" } },
	{ 2, { "signal", "send", "0", "TERM" } },
	{ 2, { "signal", "send", "-1", "TERM" } },
	{ 2, { "signal", "send", "", "TERM" } },
	{ 2, { "signal", "send", "x", "TERM" } },
	{ 2, { "signal", "send", "99999999999999999999", "TERM" } },
	{ 2, { "signal", "send", "1", "TERM", "extra" } },
	{ 2, { "signal", "send", "1", "0", "--value", "5" } },
	{ 1, { "signal", "send", "2147483647", "0" } },
	{ 2, { "signal", "wait" } },
	{ 2, { "signal", "wait", "KILL" } },
	{ 2, { "signal", "wait", "STOP" } },
	{ 2, { "signal", "wait", "BOGUS" } },
	{ 2, { "signal", "wait", "0" } },
	/* sem */
	{ 2, { "sem" } },
	{ 2, { "sem", "bogus", "%N" } },
	{ 2, { "sem", "create" } },
	{ 2, { "sem", "create", "" } },
	{ 2, { "sem", "create", "noslash" } },
	{ 2, { "sem", "create", "/a/b" } },
	{ 2, { "sem", "create", "%L" } },
	{ 2, { "sem", "create", "sysv:" } },
	{ 2, { "sem", "create", "sysv:0" } },
	{ 2, { "sem", "create", "sysv:x" } },
	{ 1, { "sem", "create", "sysv:@%M" } },
	{ 2, { "sem", "create", "%N", "-1" } },
	{ 2, { "sem", "create", "%N", "x" } },
	{ 2, { "sem", "create", "%N", "2147483648" } },
	{ 2, { "sem", "create", "sysv:%K", "32768" } },
	{ 2, { "sem", "create", "%N", "1", "extra" } },
	{ 2, { "sem", "post", "%N", "1" } },
	{ 2, { "sem", "post", "--mode", "0600", "%N" } },
	{ 2, { "sem", "get", "--timeout", "1", "%N" } },
	{ 2, { "sem", "wait", "--no-wait", "--timeout", "1", "%N" } },
	{ 2, { "sem", "create", "--mode", "01777", "%N" } },
	{ 1, { "sem", "post", "%N" } },
	{ 1, { "sem", "wait", "-n", "%N" } },
	{ 1, { "sem", "get", "sysv:%K" } },
	{ 1, { "sem", "rm", "%N" } },
	{ 1, { "sem", "rm", "sysv:%K" } },
	/* shm */
	{ 2, { "shm" } },
	{ 2, { "shm", "bogus" } },
	{ 2, { "shm", "create" } },
	{ 2, { "shm", "create", "%N" } },
	{ 2, { "shm", "create", "%N", "0" } },
	{ 2, { "shm", "create", "%N", "x" } },
	{ 2, { "shm", "create", "%N", "-1" } },
	{ 2, { "shm", "create", "%N", "99999999999999999999" } },
	{ 2, { "shm", "create", "noslash", "4096" } },
	{ 2, { "shm", "create", "%L", "4096" } },
	{ 2, { "shm", "create", "sysv:0", "4096" } },
	{ 2, { "shm", "create", "--mode", "01777", "%N", "4096" } },
	{ 2, { "shm", "create", "%N", "4096", "extra" } },
	{ 2, { "shm", "read" } },
	{ 2, { "shm", "rm" } },
	{ 2, { "shm", "rm", "%N", "extra" } },
	{ 1, { "shm", "read", "%N" } },
	{ 1, { "shm", "read", "sysv:%K" } },
	{ 1, { "shm", "read", "sysv:@%M" } },
	{ 1, { "shm", "write", "%N", "x" } },
	{ 1, { "shm", "rm", "%N" } },
	{ 1, { "shm", "rm", "sysv:%K" } },
	/* demo and tour */
	{ 2, { "demo" } },
	{ 2, { "demo", "bogus" } },
	{ 2, { "demo", "" } },
	{ 2, { "demo", "pipe", "extra" } },
	{ 2, { "demo", "--bogus" } },
	{ 2, { "tour", "extra" } },
	{ 2, { "tour", "--bogus" } },
	{ 2, { "tour", "--technique", "bogus" } },
	{ 2, { "tour", "--technique", "" } },
	{ 2, { "tour", "--color=sometimes" } },
	/* ls */
	{ 2, { "ls", "extra" } },
	{ 2, { "ls", "--type", "bogus" } },
	{ 2, { "ls", "--type", "" } },
	{ 2, { "ls", "--type", "fifo,,sem" } },
	{ 2, { "ls", "-o", "bogus" } },
	{ 2, { "ls", "-o", "" } },
	{ 2, { "ls", "-o", "+" } },
	{ 2, { "ls", "--bogus" } },
	/* rm: misuse, then what is not there (status 1) */
	{ 2, { "rm" } },
	{ 2, { "rm", "--bogus", "fifo:%F" } },
	{ 2, { "rm", "" } },
	{ 2, { "rm", "nope:%F" } },
	{ 2, { "rm", "fifo:" } },
	{ 2, { "rm", "tcp:127.0.0.1:80" } },
	{ 2, { "rm", "sysv-mq:0" } },
	{ 2, { "rm", "sysv-sem:x" } },
	{ 2, { "rm", "sysv-shm:id=x" } },
	{ 2, { "rm", "noslash" } },
	{ 2, { "rm", "sem:%L" } },
	{ 1, { "rm", "fifo:%F" } },
	{ 1, { "rm", "fifo:%M" } },
	{ 1, { "rm", "fifo:%D" } },
	{ 1, { "rm", "unix:%F" } },
	{ 1, { "rm", "mq:%N" } },
	{ 1, { "rm", "sysv-mq:%K" } },
	{ 1, { "rm", "sem:%N" } },
	{ 1, { "rm", "sysv-sem:%K" } },
	{ 1, { "rm", "%N" } },
	{ 1, { "rm", "sysv-shm:%K" } },
	{ 1, { "rm", "shm:%N" } },
};

/* The placeholders' values for this test. */
static char dir[PATH_MAX], missing_file[PATH_MAX], missing_dir[PATH_MAX + 16], name[256], key[32],
	longpath[PATH_MAX + 64];

static void placeholders(void)
{
	char n[200], *slash;

	check_path(missing_file, sizeof(missing_file), "f");
	snprintf(dir, sizeof(dir), "%s", missing_file);
	slash = strrchr(dir, '/');
	*slash = '\0';
	check_path(missing_dir, sizeof(missing_dir), "nodir");
	strcat(missing_dir, "/x");
	snprintf(name, sizeof(name), "/%s", check_name(n, sizeof(n), "n"));
	snprintf(key, sizeof(key), "%d", (int)check_key(1));
	memset(longpath, 'l', PATH_MAX + 8);
	longpath[0] = '/';
	longpath[PATH_MAX + 8] = '\0';
}

/* arg with every placeholder replaced, in buf. */
static const char *expand(const char *arg, char *buf, size_t size)
{
	size_t n = 0;

	for (const char *p = arg; *p && n < size - 1; p++) {
		const char *with = NULL;

		if (p[0] == '%' && p[1]) {
			switch (p[1]) {
			case 'D':
				with = dir;
				break;
			case 'F':
				with = missing_file;
				break;
			case 'M':
				with = missing_dir;
				break;
			case 'L':
				with = longpath;
				break;
			case 'N':
				with = name;
				break;
			case 'K':
				with = key;
				break;
			}
		}
		if (with) {
			n += (size_t)snprintf(buf + n, size - n, "%s", with);
			if (n >= size)
				n = size - 1;
			p++;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* What the test may leave: its files, /dev/shm entries and System V objects, as text. */
static void objects(char *out, size_t size)
{
	static const char *const dirs[] = { NULL, "/dev/shm" };
	char prefix[64];
	key_t ours = (key_t)(0x4C000000u | ((unsigned)check_pid & 0xFFFFu) << 8);

	out[0] = '\0';
	snprintf(prefix, sizeof(prefix), "lipc-test-%d-", (int)check_pid);
	for (size_t i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i] ? dirs[i] : dir);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			size_t n = strlen(out);

			if (strstr(e->d_name, prefix))
				snprintf(out + n, size - n, "%s\n", e->d_name);
		}
		if (d)
			closedir(d);
	}
	for (size_t k = 0; k < 3; k++) {
		static const char *const kinds[] = { "msg", "sem", "shm" };
		char file[64], line[512];
		FILE *f;

		snprintf(file, sizeof(file), "/proc/sysvipc/%s", kinds[k]);
		f = fopen(file, "r");
		while (f && fgets(line, sizeof(line), f)) {
			long long k2;
			size_t n = strlen(out);

			if (sscanf(line, "%lld", &k2) == 1 && ((key_t)k2 & ~(key_t)0xFF) == ours)
				snprintf(out + n, size - n, "%s %llx\n", kinds[k], k2);
		}
		if (f)
			fclose(f);
	}
}

static int tried;

/* Run lipc with args (expanded), expecting status want (1 or 2). */
static void try_one(const char *const *args, size_t nargs, int want)
{
	static char bufs[12][PATH_MAX + 128];
	const char *argv[16];
	char before[4096], after[4096], shown[1024] = "";
	struct check_cmd c;
	struct pollfd p;
	const char *nl;
	int pidfd, r, lines = 0;
	size_t n = 0;

	CHECK(nargs < 12);
	argv[n++] = check_lipc();
	for (size_t i = 0; i < nargs; i++) {
		argv[n++] = expand(args[i], bufs[i], sizeof(bufs[i]));
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), " '%.40s%s'",
			 argv[n - 1], strlen(argv[n - 1]) > 40 ? "..." : "");
	}
	argv[n] = NULL;
	objects(before, sizeof(before));
	check_cmd_start(&c, NULL, argv);
	/* Within the deadline, or it is killed and the case fails. */
	pidfd = (int)CHECK_SYS(syscall(SYS_pidfd_open, c.pid, 0));
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	do
		r = poll(&p, 1, DEADLINE_MS);
	while (r < 0 && errno == EINTR);
	close(pidfd);
	if (r == 0) {
		kill(c.pid, SIGKILL);
		check_cmd_wait(&c);
		check_fail(__FILE__, __LINE__, "lipc%s: still running after %d ms", shown,
			   DEADLINE_MS);
	}
	check_cmd_wait(&c);
	tried++;
	for (nl = c.err; (nl = strchr(nl, '\n')); nl++)
		lines++;
	if (c.status >= 128)
		check_fail(__FILE__, __LINE__, "lipc%s: killed by signal %d: %s", shown,
			   c.status - 128, c.err);
	if (c.status != want || strncmp(c.err, "lipc: ", 6) || c.out[0] ||
	    lines != (want == 2 ? 2 : 1) || (want == 2 && !strstr(c.err, "\nTry 'lipc")))
		check_fail(__FILE__, __LINE__,
			   "lipc%s: expected status %d and %s, got status %d, stdout \"%s\", "
			   "stderr \"%s\"",
			   shown, want,
			   want == 2 ? "a usage error (\"lipc: ...\" and the Try line)"
				     : "one line \"lipc: ...\"",
			   c.status, c.out, c.err);
	check_cmd_free(&c);
	objects(after, sizeof(after));
	if (strcmp(before, after))
		check_fail(__FILE__, __LINE__, "lipc%s left something behind:\n%s", shown, after);
}

/* Every bad value of its kind, for every option that takes one: all usage errors. */
static void bad_option_values(void)
{
	placeholders();
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		const struct option_row *o = &options[i];

		for (const char *const *v = bad_values[o->kind]; *v; v++) {
			const char *args[12];
			size_t n = 0;

			for (size_t k = 0; k < 4 && o->before[k]; k++)
				args[n++] = o->before[k];
			args[n++] = o->option;
			args[n++] = *v;
			for (size_t k = 0; k < 4 && o->after[k]; k++)
				args[n++] = o->after[k];
			try_one(args, n, 2);
		}
		/* The option with its value missing altogether. */
		{
			const char *args[6];
			size_t n = 0;

			for (size_t k = 0; k < 4 && o->before[k]; k++)
				args[n++] = o->before[k];
			args[n++] = o->option;
			try_one(args, n, 2);
		}
	}
	printf("bad option values: %d command lines tried\n", tried);
}

/* Every whole command line of the table. */
static void bad_command_lines(void)
{
	placeholders();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = 0;

		while (n < 8 && cases[i].argv[n])
			n++;
		/* Under make valgrind: valgrind 3.19 knows no pidfd_open(), which these reach. */
		if (check_wrapped() && cases[i].status == 1 && !strcmp(cases[i].argv[0], "signal"))
			continue;
		try_one(cases[i].argv, n, cases[i].status);
	}
	printf("bad command lines: %d command lines tried\n", tried);
}

CHECK_MAIN(TEST_T(bad_option_values, 300), TEST_T(bad_command_lines, 300))
