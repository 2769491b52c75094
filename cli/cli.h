/* SPDX-License-Identifier: MIT */
/*
 * The lipc command: shared pieces of the subcommands. Conventions (util-linux, git): --help goes
 * to standard output with status 0; a usage error prints one line and a "Try" hint to standard
 * error with status 2; a failure prints "lipc: WHAT: WHY" with status 1.
 */
#ifndef LIPC_CLI_H
#define LIPC_CLI_H

#include <getopt.h>
#include <signal.h>
#include <limits.h> /* NAME_MAX */
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "lipc/chan.h"
#include "lipc/sem.h"

#define EXIT_USAGE 2

/* The subcommand being run, for messages ("send"), or NULL before one is chosen. */
extern const char *cli_cmd;

/* Subcommands: argv[0] is the subcommand's name. */
int cmd_bench(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_relay(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_sem(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_signal(int argc, char **argv);
int cmd_shm(int argc, char **argv);
int cmd_tour(int argc, char **argv);

/* "lipc: MESSAGE" and the Try hint, exit 2. */
_Noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "lipc: MESSAGE", exit 1. */
_Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "lipc: MESSAGE" on standard error, nothing else (for callers that clean up before exiting). */
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * getopt_long() for a subcommand: handles -h/--help (printing help, exit 0) and turns unknown
 * options and missing arguments into usage errors. Returns the option, or -1 at the operands.
 */
int next_option(int argc, char **argv, const char *shortopts, const struct option *longopts,
		const char *help);

/* Parse-or-die: junk, overflow and out-of-range values are usage errors naming the option. */
long parse_long(const char *what, const char *s, long min, long max);
/* The same, allowing a minus sign. */
long parse_signed(const char *what, const char *s, long min, long max);
/* Seconds with up to three decimals ("0.2"), as milliseconds. */
int parse_seconds(const char *what, const char *s);
/* Bytes, or K, M or G of them ("4096", "64K", "1M"), at least min and at most what off_t holds. */
size_t parse_size(const char *what, const char *s, size_t min);
/* An octal permission mode such as 0600. */
mode_t parse_mode(const char *what, const char *s);
/* A user: a name of this system's, or a uid (not -1). */
uid_t parse_user(const char *what, const char *s);
/*
 * Their cores, which never exit (for the fuzzers): 0 with the value, or -1 with the reason in
 * why, worded to follow "WHAT 'TEXT' " ("is not a number").
 */
int try_long(const char *s, long min, long max, long *v, char *why, size_t why_size);
int try_signed(const char *s, long min, long max, long *v, char *why, size_t why_size);
int try_seconds(const char *s, int *ms, char *why, size_t why_size);
int try_size(const char *s, size_t min, size_t *v, char *why, size_t why_size);
int try_mode(const char *s, mode_t *mode, char *why, size_t why_size);

/* The channel options that send and recv share, and the channel they open. */
#define CHAN_SHORTOPTS "c:fm:t:"
/* Options with no short form. */
enum {
	OPT_PRIORITY = 0x100, /* send, mq */
	OPT_TYPE,	      /* sysv-mq */
	OPT_MAX_MSGS,	      /* mq */
	OPT_MSG_SIZE,	      /* mq */
	OPT_TRUNCATE,	      /* recv, sysv-mq */
	OPT_OWNER,	      /* fifo, mq, sysv-mq, shm; send to unix* */
	OPT_ALLOW_UID,	      /* recv, unix* */
	OPT_MAX_CLIENTS,      /* recv, unix, unix-seqpacket, tcp */
	OPT_CAPACITY,	      /* shm*: only a bit in chan_args.given (the option itself is -c) */
};
/* clang-format off */
#define CHAN_LONGOPTS                                   \
	{ "framed", no_argument, NULL, 'f' },           \
	{ "mode", required_argument, NULL, 'm' },       \
	{ "timeout", required_argument, NULL, 't' },    \
	{ "capacity", required_argument, NULL, 'c' },   \
	{ "type", required_argument, NULL, OPT_TYPE },  \
	{ "max-msgs", required_argument, NULL, OPT_MAX_MSGS }, \
	{ "msg-size", required_argument, NULL, OPT_MSG_SIZE }, \
	{ "owner", required_argument, NULL, OPT_OWNER }
/* clang-format on */

struct chan_args {
	struct lipc_chan_opts opts;
	int role;	     /* LIPC_SEND or LIPC_RECV */
	unsigned given;	     /* the OPT_* options given, as 1 << (OPT - OPT_PRIORITY) */
	const char *timeout; /* -t as given, for messages */
	const char *address;
	struct lipc_addr addr;
	/* What the channel created, for remove_on_signal(): the entry made_name in made_dirfd. */
	struct chan_args *made_next;
	int made_dirfd;
	char made_name[NAME_MAX + 1];
	dev_t made_dev;
	ino_t made_ino;
};

void chan_args_init(struct chan_args *ca, int role);
/* Take one of the shared options: true when opt was one of them. */
bool chan_option(struct chan_args *ca, int opt, const char *arg);
/*
 * Parse the address, or exit 2 with the reason (or 1 when it names a file that cannot be used,
 * as sysv-mq:@PATH may); options that do not apply to its mechanism are usage errors.
 */
void chan_address(struct chan_args *ca, const char *text);
/* The mechanism keeps message boundaries itself (a queue): a message may hold any byte. */
bool chan_keeps_boundaries(const struct chan_args *ca);
/* A ring, in any mode: shm:, shm-multi:, shm-pub:, shm-lossy:. */
bool ring_scheme(enum lipc_scheme s);
/*
 * A lossy ring's receiver lost messages (ENOBUFS): not an end, and not a failure (the ring was
 * made to drop what a slow reader cannot take); the caller says so (chan_strerror() tells how
 * many) and receives on.
 */
bool ring_lost(const struct chan_args *ca, int err);
/* Open the channel at the parsed address, or exit 1 saying why. */
struct lipc_chan *open_channel(struct chan_args *ca, int role);
/* Why a send or recv failed: "WHAT: WHY" with the mechanism's meaning of errno. */
const char *chan_strerror(const struct chan_args *ca, int err);

/*
 * Remove the entry a channel created if a fatal signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE) ends
 * the process: a channel's on_create hook, with its chan_args as on_create_arg (open_channel()
 * sets both), for as many channels as a command opens; close each with close_channel().
 */
void remove_on_signal(int dirfd, const char *name, const struct stat *st, void *ca);
/*
 * lipc_chan_close() (chan may be NULL: after a failed open), with ca's signal-time removal
 * dropped in the same instant.
 */
int close_channel(struct chan_args *ca, struct lipc_chan *chan);

/*
 * SIGINT, SIGTERM and SIGHUP held while a batch is between its receive and where it goes (lipc
 * recv's standard output, lipc relay's TO), so that they end the process only once it is there;
 * they are let in while the batch waits (wait with held_wait_mask()), so that a reader or a TO
 * that takes nothing cannot make lipc unkillable.
 */
struct held_signals {
	bool on;
	sigset_t mask; /* the mask from before: restored at the release, and the one to wait with */
};
void hold_signals(struct held_signals *h);
void release_signals(struct held_signals *h);
/* The mask to wait with (ppoll): the held signals let in. */
const sigset_t *held_wait_mask(struct held_signals *h);
/* Is one of the three pending (held, and waiting to come in)? */
bool held_signal_pending(void);

/*
 * Pin the directory that holds path (O_PATH; links on the way are followed, as named) and put
 * the name of its last component in base: every later lookup goes through the descriptor
 * (openat, fstatat, unlinkat), so that a directory swapped for a link meanwhile cannot send it
 * elsewhere. Returns the descriptor, or -1 with errno (EISDIR for a path that ends in '/', "."
 * or "..", ENAMETOOLONG for a name that does not fit base).
 */
int open_dir_of(const char *path, char *base, size_t size);

/* Write a message and a newline to standard output: 0, or -1 after saying why it failed. */
int print_msg(const void *data, size_t len);
/* Set once a write error on standard output has been reported. */
extern bool stdout_failed;

/*
 * System V names on the command line: the KEY text of "sysv:KEY" (the old spelling, still
 * accepted) or "SCHEME:KEY" (scheme "sysv-sem", "sysv-shm"), or NULL for any other name.
 */
const char *sysv_key_text(const char *name, const char *scheme);
/* lipc_sem_open() for "/NAME" and NULL, lipc_sem_sysv_open() for a System V name. */
struct lipc_sem *sem_open_name(const char *name, int flags, mode_t mode, unsigned value);
/* lipc_sem_unlink() or lipc_sem_sysv_unlink(), as the name says. */
int sem_unlink_name(const char *name);

#endif
