/* SPDX-License-Identifier: MIT */
/* Messages, option and number parsing, and signal-time cleanup shared by the subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "lipc/key.h"
#include "lipc/ring.h"
#include "lipc/sem.h"

const char *cli_cmd;

/*
 * A message is one line, whatever it quotes: a name another user chose, a peer's words. So the
 * whole text is escaped for the terminal (escape.h), as lipc ls escapes names.
 */
__attribute__((format(printf, 1, 0))) static void vmsg(const char *fmt, va_list ap)
{
	char small[1024], *msg = small;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	/* A long one (a path of PATH_MAX) from the heap; without memory, cut short. */
	if (n >= (int)sizeof(small) && vasprintf(&msg, fmt, again) < 0) {
		msg = small;
		n = (int)strlen(small);
	}
	va_end(again);
	fflush(stdout);
	fputs("lipc: ", stderr);
	if (n > 0)
		escape_put(stderr, msg, (size_t)n);
	fputc('\n', stderr);
	if (msg != small)
		free(msg);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (cli_cmd)
		fprintf(stderr, "Try 'lipc %s --help'.\n", cli_cmd);
	else
		fputs("Try 'lipc --help'.\n", stderr);
	exit(EXIT_USAGE);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

int next_option(int argc, char **argv, const char *shortopts, const struct option *longopts,
		const char *help)
{
	char opts[64];
	int c;

	/*
	 * Options may follow operands (GNU style) unless shortopts starts with '+', for commands
	 * that run another command whose options are its own. ':' reports a missing argument.
	 */
	if (shortopts[0] == '+')
		snprintf(opts, sizeof(opts), "+:%sh", shortopts + 1);
	else
		snprintf(opts, sizeof(opts), ":%sh", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	switch (c) {
	case 'h':
		fputs(help, stdout);
		exit(EXIT_SUCCESS);
	case ':':
		usage_error("option '%s' needs an argument", argv[optind - 1]);
	case '?':
		if (optopt && optopt != '?')
			usage_error("unknown option '-%c'", optopt);
		usage_error("unknown option '%s'", argv[optind - 1]);
	default:
		return c;
	}
}

/*
 * The cores of the parse-or-die helpers: they never exit, so a fuzzer can call them millions of
 * times. Each returns 0 with the value, or -1 with why the text was refused, worded to follow
 * "WHAT 'TEXT' " in a message.
 */
#define WHY(...) (snprintf(why, why_size, __VA_ARGS__), -1)

int try_long(const char *s, long min, long max, long *v, char *why, size_t why_size)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	/* strtol skips leading blanks and accepts a sign; a count is plain digits. */
	if (!*s || end == s || *end || !(s[0] >= '0' && s[0] <= '9'))
		return WHY("is not a number");
	if (errno == ERANGE || *v < min || *v > max)
		return WHY("is out of range (%ld to %ld)", min, max);
	return 0;
}

int try_signed(const char *s, long min, long max, long *v, char *why, size_t why_size)
{
	if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') {
		char *end;

		errno = 0;
		*v = strtol(s, &end, 10);
		if (*end)
			return WHY("is not a number");
		if (errno == ERANGE || *v < min || *v > max)
			return WHY("is out of range (%ld to %ld)", min, max);
		return 0;
	}
	return try_long(s, min, max, v, why, why_size);
}

int try_seconds(const char *s, int *ms_out, char *why, size_t why_size)
{
	const long max_ms = 7L * 24 * 3600 * 1000; /* a week: far below INT_MAX milliseconds */
	const char *p = s;
	long ms = 0;
	int decimals = 0;

	if (!(*p >= '0' && *p <= '9'))
		return WHY("is not a number of seconds");
	for (; *p >= '0' && *p <= '9'; p++) {
		ms = ms * 10 + (*p - '0');
		if (ms > max_ms / 1000)
			return WHY("is too long (at most a week)");
	}
	ms *= 1000;
	if (*p == '.') {
		long scale = 100;

		for (p++; *p >= '0' && *p <= '9'; p++, decimals++) {
			if (decimals < 3)
				ms += (*p - '0') * scale;
			scale /= 10;
		}
		if (decimals == 0)
			return WHY("is not a number of seconds");
	}
	if (*p)
		return WHY("is not a number of seconds");
	if (ms > max_ms) /* a week and a fraction of a second */
		return WHY("is too long (at most a week)");
	*ms_out = (int)ms;
	return 0;
}

/* Bytes, or K, M or G of them: strict, at most what off_t holds. */
int try_size(const char *s, size_t min, size_t *out, char *why, size_t why_size)
{
	const uintmax_t max = INT64_MAX < SIZE_MAX ? INT64_MAX : SIZE_MAX;
	uintmax_t v = 0, unit = 1;
	const char *p = s;

	if (!(*p >= '0' && *p <= '9'))
		return WHY("is not a size (bytes, or K, M or G: 4096, 64K, 1M)");
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (uintmax_t)(*p - '0')) / 10)
			return WHY("is too large");
		v = v * 10 + (uintmax_t)(*p - '0');
	}
	switch (*p) {
	case 'K':
	case 'k':
		unit = 1u << 10;
		p++;
		break;
	case 'M':
	case 'm':
		unit = 1u << 20;
		p++;
		break;
	case 'G':
	case 'g':
		unit = 1u << 30;
		p++;
		break;
	default:
		break;
	}
	if (*p)
		return WHY("is not a size (bytes, or K, M or G: 4096, 64K, 1M)");
	if (v > max / unit)
		return WHY("is too large");
	if (v * unit < min)
		return WHY("is out of range (at least %zu)", min);
	*out = (size_t)(v * unit);
	return 0;
}

int try_mode(const char *s, mode_t *mode, char *why, size_t why_size)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 8);
	if (!*s || *end || !(s[0] >= '0' && s[0] <= '7') || errno || v > 07777)
		return WHY("is not an octal mode such as 0600");
	*mode = (mode_t)v;
	return 0;
}

#undef WHY

long parse_long(const char *what, const char *s, long min, long max)
{
	char why[96];
	long v;

	if (try_long(s, min, max, &v, why, sizeof(why)) < 0)
		usage_error("%s '%s' %s", what, s, why);
	return v;
}

long parse_signed(const char *what, const char *s, long min, long max)
{
	char why[96];
	long v;

	if (try_signed(s, min, max, &v, why, sizeof(why)) < 0)
		usage_error("%s '%s' %s", what, s, why);
	return v;
}

int parse_seconds(const char *what, const char *s)
{
	char why[96];
	int ms;

	if (try_seconds(s, &ms, why, sizeof(why)) < 0)
		usage_error("%s '%s' %s", what, s, why);
	return ms;
}

size_t parse_size(const char *what, const char *s, size_t min)
{
	char why[96];
	size_t v;

	if (try_size(s, min, &v, why, sizeof(why)) < 0)
		usage_error("%s '%s' %s", what, s, why);
	return v;
}

mode_t parse_mode(const char *what, const char *s)
{
	char why[96];
	mode_t m;

	if (try_mode(s, &m, why, sizeof(why)) < 0)
		usage_error("%s '%s' %s", what, s, why);
	return m;
}

int open_dir_of(const char *path, char *base, size_t size)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (strlen(slash ? slash + 1 : path) >= size || strlen(path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		snprintf(base, size, "%s", path);
	} else {
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
		snprintf(base, size, "%s", slash + 1);
	}
	if (!base[0] || !strcmp(base, ".") || !strcmp(base, "..")) {
		errno = EISDIR;
		return -1;
	}
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * What to remove if a signal ends us: the entry each channel created (a FIFO, a socket file), in
 * the directory it pinned, kept in that channel's chan_args and linked in a list the handler
 * walks (a relay has two channels, lipc recv one per address). An entry is set before its
 * channel waits and dropped as the channel closes. The handler acts through the directory
 * descriptor and only on that very file, so that a directory of the path swapped meanwhile for a
 * link, or a file that replaced ours, is never what it removes. The list changes only while
 * every signal is held (the library holds them around on_create, close_channel() around the
 * close), so the handler never sees it half changed.
 */
static struct chan_args *made_list;

static void on_fatal_signal(int sig)
{
	struct stat st;

	/* Only async-signal-safe calls here: fstatat(), unlinkat(), then die of the same signal. */
	for (const struct chan_args *ca = made_list; ca; ca = ca->made_next)
		if (fstatat(ca->made_dirfd, ca->made_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == ca->made_dev && st.st_ino == ca->made_ino)
			unlinkat(ca->made_dirfd, ca->made_name, 0);
	raise(sig);
}

/* Drop ca's entry from the list (every signal held by the caller). */
static void forget_made(struct chan_args *ca)
{
	for (struct chan_args **p = &made_list; *p; p = &(*p)->made_next)
		if (*p == ca) {
			*p = ca->made_next;
			break;
		}
	ca->made_next = NULL;
}

void remove_on_signal(int dirfd, const char *name, const struct stat *st, void *arg)
{
	static const int fatal[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa = { .sa_handler = on_fatal_signal, .sa_flags = SA_RESETHAND };
	struct chan_args *ca = arg;

	forget_made(ca);
	if (strlen(name) >= sizeof(ca->made_name))
		return;
	ca->made_dirfd = dirfd;
	strcpy(ca->made_name, name);
	ca->made_dev = st->st_dev;
	ca->made_ino = st->st_ino;
	ca->made_next = made_list;
	made_list = ca;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		struct sigaction old;

		/* Leave alone what the caller's caller chose to ignore (nohup, SIGPIPE in send). */
		if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(fatal[i], &sa, NULL);
	}
}

int close_channel(struct chan_args *ca, struct lipc_chan *chan)
{
	sigset_t all, old;
	int ret;

	/* A signal between the close's unlinkat() and ours could remove someone else's new file. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	ret = lipc_chan_close(chan);
	forget_made(ca);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static void fatal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void hold_signals(struct held_signals *h)
{
	sigset_t fatal;

	if (h->on)
		return;
	fatal_set(&fatal);
	sigprocmask(SIG_BLOCK, &fatal, &h->mask);
	h->on = true;
}

void release_signals(struct held_signals *h)
{
	if (h->on)
		sigprocmask(SIG_SETMASK, &h->mask, NULL);
	h->on = false;
}

const sigset_t *held_wait_mask(struct held_signals *h)
{
	if (!h->on)
		sigprocmask(SIG_SETMASK, NULL, &h->mask);
	return &h->mask;
}

bool held_signal_pending(void)
{
	sigset_t pending;

	if (sigpending(&pending) < 0)
		return false;
	return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 ||
	       sigismember(&pending, SIGHUP) == 1;
}

void chan_args_init(struct chan_args *ca, int role)
{
	*ca = (struct chan_args){ .opts = LIPC_CHAN_OPTS_INIT,
				  .addr = LIPC_ADDR_INIT,
				  .role = role };
}

#define GIVEN(opt) (1u << ((opt)-OPT_PRIORITY))

bool chan_option(struct chan_args *ca, int opt, const char *arg)
{
	if (opt >= OPT_PRIORITY && opt < OPT_CAPACITY)
		ca->given |= GIVEN(opt);
	switch (opt) {
	/* A minus sign is read, so that "-1" is out of range rather than not a number. */
	case OPT_PRIORITY:
		ca->opts.priority =
			(unsigned)parse_signed("priority", arg, 0, sysconf(_SC_MQ_PRIO_MAX) - 1);
		return true;
	case OPT_TYPE:
		/* A message's type is 1 or more; a receiver's selector may be 0 or -N too. */
		if (ca->role == LIPC_SEND)
			ca->opts.type = parse_signed("type", arg, 1, LONG_MAX);
		else
			ca->opts.type = parse_signed("type", arg, -LONG_MAX, LONG_MAX);
		return true;
	case OPT_MAX_MSGS:
		ca->opts.max_msgs = parse_signed("max-msgs", arg, 1, LONG_MAX);
		return true;
	case OPT_MSG_SIZE:
		ca->opts.msg_size = parse_signed("msg-size", arg, 1, LONG_MAX);
		return true;
	case OPT_TRUNCATE:
		ca->opts.max_msg = (size_t)parse_signed("truncate", arg, 1, INT_MAX);
		ca->opts.flags |= LIPC_CHAN_NOERROR;
		return true;
	case OPT_OWNER:
		ca->opts.owner = parse_user("owner", arg);
		ca->opts.flags |= LIPC_CHAN_OWNER;
		return true;
	case OPT_ALLOW_UID:
		ca->opts.allow_uid = parse_user("allow-uid", arg);
		ca->opts.flags |= LIPC_CHAN_ALLOW_UID;
		return true;
	case OPT_MAX_CLIENTS:
		ca->opts.max_clients = (unsigned)parse_long("max-clients", arg, 1, INT_MAX);
		return true;
	case 'f':
		ca->opts.flags |= LIPC_CHAN_FRAMED;
		return true;
	case 'm':
		ca->opts.mode = parse_mode("mode", arg);
		return true;
	case 't':
		ca->timeout = arg;
		ca->opts.timeout_ms = parse_seconds("timeout", arg);
		return true;
	case 'c':
		ca->given |= GIVEN(OPT_CAPACITY);
		ca->opts.capacity = parse_size("capacity", arg, LIPC_RING_CAPACITY_MIN);
		if (ca->opts.capacity > LIPC_RING_CAPACITY_MAX)
			usage_error("capacity '%s' is out of range (4K to 1G)", arg);
		return true;
	default:
		return false;
	}
}

uid_t parse_user(const char *what, const char *s)
{
	char buf[4096], why[96];
	struct passwd pw, *found = NULL;
	long v;

	/* (uid_t)-1 is no user: chown(2) takes it as "leave alone". */
	if (s[0] >= '0' && s[0] <= '9') {
		if (try_long(s, 0, (long)(uid_t)-2, &v, why, sizeof(why)) < 0)
			usage_error("%s '%s' %s", what, s, why);
		return (uid_t)v;
	}
	if (getpwnam_r(s, &pw, buf, sizeof(buf), &found) != 0 || !found)
		usage_error("%s '%s' is no user of this system (a name or a uid)", what, s);
	return found->pw_uid;
}

/* The options that apply to some mechanisms only; role 0 is either role. */
static bool unix_scheme(enum lipc_scheme s)
{
	return s == LIPC_SCHEME_UNIX || s == LIPC_SCHEME_UNIX_DGRAM ||
	       s == LIPC_SCHEME_UNIX_SEQPACKET;
}

static void check_socket_options(const struct chan_args *ca)
{
	enum lipc_scheme s = ca->addr.scheme;

	if ((ca->given & GIVEN(OPT_OWNER)) && s == LIPC_SCHEME_TCP)
		usage_error("--owner does not apply to tcp: TCP tells nobody's uid");
	if ((ca->given & GIVEN(OPT_OWNER)) && unix_scheme(s) && ca->role == LIPC_RECV)
		usage_error("--owner applies to a unix socket's sender (the receiver makes the "
			    "socket; --allow-uid chooses who may send)");
	if ((ca->given & GIVEN(OPT_ALLOW_UID)) && !unix_scheme(s))
		usage_error("--allow-uid needs a unix, unix-dgram or unix-seqpacket address: only "
			    "they know who sent a message");
	if ((ca->given & GIVEN(OPT_MAX_CLIENTS)) && s != LIPC_SCHEME_UNIX &&
	    s != LIPC_SCHEME_UNIX_SEQPACKET && s != LIPC_SCHEME_TCP)
		usage_error("--max-clients applies to unix:, unix-seqpacket: and tcp: receivers, "
			    "which serve clients on connections");
}

/* The queue options, and the one mechanism each applies to. */
static const struct {
	int opt;
	const char *name;
	enum lipc_scheme scheme;
	const char *scheme_name;
} scheme_options[] = {
	{ OPT_PRIORITY, "--priority", LIPC_SCHEME_MQ, "mq" },
	{ OPT_MAX_MSGS, "--max-msgs", LIPC_SCHEME_MQ, "mq" },
	{ OPT_MSG_SIZE, "--msg-size", LIPC_SCHEME_MQ, "mq" },
	{ OPT_TYPE, "--type", LIPC_SCHEME_SYSV_MQ, "sysv-mq" },
	{ OPT_TRUNCATE, "--truncate", LIPC_SCHEME_SYSV_MQ, "sysv-mq" },
	{ OPT_CAPACITY, "--capacity", LIPC_SCHEME_SHM, "shm" },
};

bool ring_scheme(enum lipc_scheme s)
{
	return s == LIPC_SCHEME_SHM || s == LIPC_SCHEME_SHM_MULTI || s == LIPC_SCHEME_SHM_PUB ||
	       s == LIPC_SCHEME_SHM_LOSSY;
}

bool ring_lost(const struct chan_args *ca, int err)
{
	return err == ENOBUFS && ring_scheme(ca->addr.scheme);
}

/* Does the option's mechanism take this scheme? The ring's, in each of its modes. */
static bool option_applies(enum lipc_scheme option_scheme, enum lipc_scheme s)
{
	return s == option_scheme || (option_scheme == LIPC_SCHEME_SHM && ring_scheme(s));
}

void chan_address(struct chan_args *ca, const char *text)
{
	/* The schemes of a POSIX name, /NAME, for the usage error of a malformed one. */
	static const char *const slash_names[] = { "mq", "shm", "shm-multi", "shm-pub",
						   "shm-lossy" };

	ca->address = text;
	if (lipc_addr_parse(&ca->addr, text) < 0) {
		if (errno == EPROTONOSUPPORT)
			usage_error("'%s': unknown address type (known: %s)", text,
				    lipc_addr_schemes());
		if (errno == ENAMETOOLONG)
			usage_error("'%s': %s", text, strerror(errno));
		if (errno != EINVAL) /* sysv-mq:@PATH names a file that cannot be used */
			fail("%s: %s", text, strerror(errno));
		for (size_t i = 0; i < sizeof(slash_names) / sizeof(slash_names[0]); i++) {
			size_t n = strlen(slash_names[i]);

			if (!strncmp(text, slash_names[i], n) && text[n] == ':')
				usage_error("'%s' is not an address (%s:/NAME: one slash, then a "
					    "name)",
					    text, slash_names[i]);
		}
		if (!strncmp(text, "sysv-mq:", 8))
			usage_error("'%s' is not an address (sysv-mq:KEY: a number, 0x hex, or "
				    "@PATH[:PROJ])",
				    text);
		usage_error("'%s' is not an address (SCHEME:WHERE, such as fifo:/tmp/f)", text);
	}
	/* An option the mechanism has no use for would be silently ignored: refuse it. */
	for (size_t i = 0; i < sizeof(scheme_options) / sizeof(scheme_options[0]); i++)
		if ((ca->given & GIVEN(scheme_options[i].opt)) &&
		    !option_applies(scheme_options[i].scheme, ca->addr.scheme))
			usage_error("%s applies to %s: addresses only%s", scheme_options[i].name,
				    scheme_options[i].scheme_name,
				    scheme_options[i].scheme == LIPC_SCHEME_SHM
					    ? " (and shm-multi:, shm-pub:, shm-lossy:)"
					    : "");
	check_socket_options(ca);
	if ((ca->opts.flags & LIPC_CHAN_FRAMED) && chan_keeps_boundaries(ca))
		usage_error("--framed applies to byte streams only (fifo:, unix:, tcp:, stdio:): "
			    "%s keeps "
			    "each message whole and may hold any byte",
			    text);
}

bool chan_keeps_boundaries(const struct chan_args *ca)
{
	switch (ca->addr.scheme) {
	case LIPC_SCHEME_MQ:
	case LIPC_SCHEME_SYSV_MQ:
	case LIPC_SCHEME_UNIX_DGRAM:
	case LIPC_SCHEME_UNIX_SEQPACKET:
	case LIPC_SCHEME_SHM:
	case LIPC_SCHEME_SHM_MULTI:
	case LIPC_SCHEME_SHM_PUB:
	case LIPC_SCHEME_SHM_LOSSY:
		return true;
	default:
		return false;
	}
}

/* A queue that existed keeps its size: say so when the one asked for did not apply. */
static void check_queue_size(const struct chan_args *ca, struct lipc_chan *c)
{
	struct lipc_chan_stat st = LIPC_CHAN_STAT_INIT;

	if (!(ca->given & (GIVEN(OPT_MAX_MSGS) | GIVEN(OPT_MSG_SIZE))) ||
	    lipc_chan_stat(c, &st) < 0 || st.created)
		return;
	if ((ca->opts.max_msgs && ca->opts.max_msgs != st.max_msgs) ||
	    (ca->opts.msg_size && (size_t)ca->opts.msg_size != st.msg_size))
		warn_msg("%s exists already, with its own size: %ld messages of up to %zu bytes "
			 "(--max-msgs and --msg-size apply only to a new queue)",
			 ca->address, st.max_msgs, st.msg_size);
}

struct lipc_chan *open_channel(struct chan_args *ca, int role)
{
	struct lipc_chan *c;

	ca->opts.on_create = remove_on_signal;
	ca->opts.on_create_arg = ca;
	c = lipc_chan_open(ca->address, role, &ca->opts);
	if (c) {
		check_queue_size(ca, c);
		return c;
	}
	close_channel(ca, NULL); /* a failed open removed what it made */
	if (errno == ETIMEDOUT)
		fail("%s: no %s within %s s", ca->address,
		     role == LIPC_SEND ? "receiver" : "sender", ca->timeout);
	if (errno == EPERM)
		fail("cannot open %s: %s (--owner USER trusts USER's, whatever the mode)",
		     ca->address, chan_strerror(ca, errno));
	fail("cannot open %s: %s", ca->address, chan_strerror(ca, errno));
}

const char *chan_strerror(const struct chan_args *ca, int err)
{
	return lipc_addr_strerror(&ca->addr, err);
}

bool stdout_failed;

int print_msg(const void *data, size_t len)
{
	if (fwrite(data, 1, len, stdout) == len && putchar('\n') != EOF && !ferror(stdout))
		return 0;
	warn_msg("write error: %s", strerror(errno));
	stdout_failed = true;
	return -1;
}

const char *sysv_key_text(const char *name, const char *scheme)
{
	size_t n = strlen(scheme);

	if (!strncmp(name, "sysv:", 5))
		return name + 5;
	if (!strncmp(name, scheme, n) && name[n] == ':')
		return name + n + 1;
	return NULL;
}

struct lipc_sem *sem_open_name(const char *name, int flags, mode_t mode, unsigned value)
{
	const char *key_text = name ? sysv_key_text(name, "sysv-sem") : NULL;
	key_t key;

	if (!key_text)
		return lipc_sem_open(name, flags, mode, value);
	if (lipc_key_parse(key_text, &key) < 0)
		return NULL;
	return lipc_sem_sysv_open(key, flags, mode, value);
}

int sem_unlink_name(const char *name)
{
	const char *key_text = sysv_key_text(name, "sysv-sem");
	key_t key;

	if (!key_text)
		return lipc_sem_unlink(name);
	if (lipc_key_parse(key_text, &key) < 0)
		return -1;
	return lipc_sem_sysv_unlink(key);
}
