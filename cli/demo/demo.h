/* SPDX-License-Identifier: MIT */
/*
 * Demonstrations: each technique run live between real processes and narrated line by line:
 * which process (pid) does what, what the kernel does, and a one-line takeaway. Lines leave with
 * one write() each, so processes never tear each other's lines; the order of the lines is fixed
 * by the IPC itself (a process narrates an event only after the event that causes it), so every
 * run tells the same story.
 *
 * A demo runs in a process of its own (the runner, see cmd_demo.c), which lipc kills whole when
 * a signal stops the run; so every object a demo makes carries the pid of the lipc process (the
 * run's pid) in its name, and lives in or is recorded in the run's directory, so that lipc (or
 * `lipc tour --clean`, after a SIGKILL) finds and removes it by name (run.c). A demo itself
 * still removes what it made, in order, and each of its processes closes the pipe ends it does
 * not use before it waits, so that the death of a peer is end of file, never a hang.
 */
#ifndef LIPC_DEMO_H
#define LIPC_DEMO_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/types.h>

struct demo {
	const char *name;  /* lipc demo NAME */
	const char *title; /* the guide's section */
	int (*run)(void);  /* 0, or 1 after saying what failed */
};

/* One file per technique, named by its stem as in src/ (the demo's name is the guide's word). */
int demo_fifo(void);
int demo_lock(void);
int demo_msgq(void); /* lipc demo mq */
int demo_pipe(void);
int demo_signal(void);
int demo_sem(void);
int demo_shm(void);
int demo_sock(void); /* lipc demo socket */

/* "  [who pid] text": one narrated step. */
void say(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The closing line of a demo. */
void takeaway(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * "lipc: demo NAME: WHAT: strerror(errno)"; returns 1 so callers can return it. WHAT names the
 * call that failed. Only the first failure of a demo, in any of its processes, is told: the
 * others follow from it.
 */
int demo_fail(const char *what);
/* "lipc: demo NAME: TEXT", for a failure that no errno describes; returns 1. */
int demo_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * fork() for a demo: the child is killed (SIGKILL) when its parent dies, so that no process of a
 * demo outlives it, whatever kills it.
 */
pid_t demo_fork(void);
/* Wait for a child of the demo; its exit status, or -1 when it did not exit normally. */
int demo_wait(pid_t pid);
/*
 * Wait for the children pids[0..n-1] (entries below 1 are skipped) in the order they end; as
 * soon as one fails (status not 0, or killed), kill the others, since they may wait for it for
 * ever. Returns 0 when each exited with status 0, else 1; a child that failed has said why (one
 * killed by a signal is told here).
 */
int demo_reap(pid_t *pids, int n);
/*
 * Wait until fd is readable (1), or until a child of this process has exited (0, the child not
 * reaped), whichever comes first: for a wait on a peer that may die without closing anything
 * (accept, a signal). -1 with errno on error.
 */
int demo_wait_fd(int fd);
/*
 * Around a step that a SIGKILL would leave half done, with a name lipc could not find:
 * sem_open(O_CREAT) makes /dev/shm/sem.XXXXXX (a random name), then links it to its own. lipc
 * kills a demo that is stopped only outside such a step. demo_step(true) begins it,
 * demo_step(false) ends it.
 */
void demo_step(bool begin);
/* A child's exit once its part is done (its failures are reported before, with demo_fail). */
_Noreturn void demo_exit(void);

/*
 * The run (run.c). Its directory, $TMPDIR/lipc-demo-PID-XXXXXX (mode 0700), holds the files
 * the demos make (lock, fifo, sock...) and, for each System V object, a marker made before it,
 * "sysv-sem-KEY" or "sysv-msg-KEY". The POSIX semaphore and queue are called /lipc-demo-PID, the
 * System V objects have the key 0x6cPPPPPP ('l' << 24 | PID): each name carries the run's pid.
 */
struct demo_run {
	pid_t pid;  /* the lipc process */
	int dir_fd; /* the directory, locked (flock) for as long as a process of the run lives */
	char tmp[PATH_MAX];	 /* $TMPDIR, or /tmp */
	char name[NAME_MAX + 1]; /* lipc-demo-PID-XXXXXX */
	char dir[PATH_MAX + NAME_MAX + 2];
};

/* The run the demos of this process belong to. */
extern struct demo_run demo_run;

/* The run's directory, for the files a demo makes. */
const char *demo_dir(void);
/* "/lipc-demo-PID": the name of the run's POSIX semaphore and POSIX queue. */
const char *demo_ipc_name(void);
/* 'l' << 24 | PID: the key of the run's System V semaphore set and System V queue. */
key_t demo_key(void);
/* Make the marker of a System V object before creating it ("sysv-sem" or "sysv-msg"): 0 or -1. */
int demo_mark(const char *kind, key_t key);
/* Remove the marker once the object is gone (or was never made). */
void demo_unmark(const char *kind, key_t key);

/*
 * Make the run's directory and lock it, or fail with one line ("lipc: demo NAME: ..."): 0 or 1.
 * what names the command in messages ("demo lock", "tour").
 */
int demo_run_open(struct demo_run *r, const char *what);
/* demo_run_clean(): what to remove. */
#define DEMO_CLEAN_OBJECTS 0x1 /* the run's objects, looked for by name */
#define DEMO_CLEAN_DIR	   0x2 /* the directory, with whatever is still in it, and its lock */

/*
 * Remove what the run left: its POSIX semaphore and queue, the System V objects its markers
 * name and the files the demos make (DEMO_CLEAN_OBJECTS), and the directory with whatever else
 * is in it (DEMO_CLEAN_DIR). Only objects of the calling user, never through a symbolic link.
 * Each removal is told on report when it is not NULL. Returns how many objects it removed, or
 * -1 after saying on standard error what it could not remove.
 */
int demo_run_clean(struct demo_run *r, unsigned what, FILE *report);
/*
 * lipc tour --clean: every run directory of this user in $TMPDIR whose lipc process is gone and
 * whose lock no process holds, cleaned (and told) as above. Returns the exit status.
 */
int demo_clean_all(void);

/*
 * cmd_demo.c, for tour.c: the demos in the order of the guide, and the run of one of them in a
 * runner of its own, supervised by lipc.
 */
extern const struct demo demo_list[];
extern const size_t demo_count;
/* "pipe, fifo, ...", for help and messages. */
const char *demo_names(void);
const struct demo *demo_find(const char *name);
/* Options with no short form. */
enum {
	OPT_COLOR = 0x100,
	OPT_TECHNIQUE,
	OPT_CLEAN,
};
/* --color=WHEN, and NO_COLOR: whether to colour the narration (demo_color). */
void demo_set_color(const char *when);
#define COLOR_HELP                                                                                 \
	"      --color[=WHEN]    colour the narration: auto (the default: when standard\n"         \
	"                        output is a terminal), always or never; never when\n"             \
	"                        NO_COLOR is set\n"                                                \
	"  -h, --help            show this help\n"
/*
 * Colour: on a terminal, unless NO_COLOR is set (https://no-color.org), or as --color says;
 * NO_COLOR wins even over --color=always. Only SGR sequences, so a terminal that ignores them
 * shows plain text.
 */
extern bool demo_color;
#define BOLD  "\033[1m"
#define CYAN  "\033[36m"
#define GREEN "\033[32m"
#define RESET "\033[0m"
/* A line to standard output, in one write: a failed write is remembered (demo_write_failed). */
void demo_outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool demo_write_failed(void);
/*
 * Get ready to run demos: the shared page, the signals, the run's directory. Returns 0, or 1
 * after saying why not. what names the command in messages ("demo lock", "tour").
 */
int demo_start_run(const char *what);
/*
 * Run one demo in a runner and wait for it, or for a signal: 0 shown, 1 failed. *stop is set to
 * the signal that ends the run, when one comes.
 */
int demo_supervise(const struct demo *d, const char *heading, int *stop);
/*
 * The run is over: remove its directory (and whatever a stopped demo left), then die of the
 * signal that stopped it, if one did, or of SIGPIPE when standard output was a closed pipe.
 */
void demo_end_run(int stop);
/* The exit status of a demo command: a narration that could not be written is a failure. */
int demo_finish(int failed);

#endif
