/*
 * Demonstrations: each technique run live between real processes and narrated line by line:
 * which process (pid) does what, what the kernel does, and a one-line takeaway. Lines leave with
 * one write() each, so processes never tear each other's lines; the order of the lines is fixed
 * by the IPC itself (a process narrates an event only after the event that causes it), so every
 * run tells the same story.
 */
#ifndef LIPC_DEMO_H
#define LIPC_DEMO_H

#include <stdbool.h>
#include <sys/types.h>

struct demo {
	const char *name;  /* lipc demo NAME */
	const char *title; /* the guide's section */
	int (*run)(void);  /* 0, or 1 after saying what failed */
};

int demo_fifo(void);
int demo_lock(void);
int demo_mq(void);
int demo_pipe(void);
int demo_signal(void);
int demo_sem(void);
int demo_shm(void);
int demo_socket(void);

/* "  [who pid] text": one narrated step. */
void say(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The closing line of a demo. */
void takeaway(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "lipc: demo NAME: WHAT: strerror(errno)"; returns 1 so callers can return it. */
int demo_fail(const char *what);
/* Wait for a child of the demo; its exit status, or -1 when it did not exit normally. */
int demo_wait(pid_t pid);
/* A child's exit once its part is done (its failures are reported before, with demo_fail). */
_Noreturn void demo_exit(void);

#endif
