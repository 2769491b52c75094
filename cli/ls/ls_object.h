/* SPDX-License-Identifier: MIT */
/*
 * lipc ls: the objects it lists, and the sources it reads them from. Every source is a snapshot
 * of something that changes while it is read (a process exits, a queue is removed), so each one
 * skips what vanished under it rather than failing: a listing is never exact, only never wrong
 * about what it shows.
 */
#ifndef LIPC_LS_OBJECT_H
#define LIPC_LS_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* The kinds of object, in the order of the guide; --type takes their names. */
enum ls_kind {
	LS_LOCK,
	LS_FIFO,
	LS_SEM,
	LS_SYSV_SEM,
	LS_MQ,
	LS_SYSV_MQ,
	LS_SHM,
	LS_SYSV_SHM,
	LS_RING,
	LS_UNIX,
	LS_UNIX_DGRAM,
	LS_UNIX_SEQPACKET,
	LS_N_KINDS
};

extern const char *const ls_kind_names[LS_N_KINDS];

/* One object. Numbers are -1 (pids and times 0) where they do not apply or are not known. */
struct ls_object {
	enum ls_kind kind;
	char *name;	 /* what lipc rm takes (for a lock: its file), malloc()ed */
	size_t name_len; /* its bytes: an abstract socket's name may hold NULs */
	bool has_uid;
	uid_t uid;
	int perms;
	long long size;	 /* bytes it has room for */
	long long used;	 /* bytes it holds now */
	long long count; /* messages, semaphores, attached processes, connections, openers */
	bool has_key;	 /* System V: key and id */
	unsigned key;
	int id;
	pid_t pid; /* a process that has it (see the columns' help) */
	char command[64];
	pid_t cpid, lpid, lspid, lrpid; /* System V: creator, last operation, last send, receive */
	time_t changed, lastop;
	char state[128];
	/* Rings: the mode ("point", "multi", "pub", "lossy"), who is attached, how far behind. */
	const char *mode;
	long long producers, consumers;
	long long *lag; /* malloc()ed, n_lag of them: each consumer's unread bytes (-1: corrupt) */
	int n_lag;	/* -1: not a ring */
	/* Locks. */
	const char *lock_kind, *access;
	long long start, end; /* end -1: to the end of the file */
};

/* What the sources collect: the objects, and notes for the user (a source not available). */
struct ls_list {
	struct ls_object *v;
	size_t n, cap;
	char *notes[8];
	size_t n_notes;
	bool want[LS_N_KINDS];
};

/* A new object of kind appended to the list, all fields unknown; exits on ENOMEM. */
struct ls_object *ls_add(struct ls_list *l, enum ls_kind kind);
/* printf into a new string; exits on ENOMEM. */
char *ls_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Name the object: printf into o->name and o->name_len; exits on ENOMEM. */
void ls_name(struct ls_object *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Name it with a prefix and len bytes that may hold anything, NUL included. */
void ls_name_bytes(struct ls_object *o, const char *prefix, const char *bytes, size_t len);
/* Add a note, once. */
void ls_note(struct ls_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 4096 -> "4K", 1536 -> "1.5K", 1048576 -> "1M": as ls -h, in powers of 1024. */
void ls_human_bytes(long long v, char *buf, size_t size);
/* The command name of pid into buf (empty when it has gone). */
void ls_command_of(pid_t pid, char *buf, size_t size);
/* The owner of a process: 0, or -1 when it has gone. */
int ls_uid_of(pid_t pid, uid_t *uid);

/* The sources: each adds the objects of the kinds l->want asks for. */
void ls_sysv(struct ls_list *l);
void ls_dev_shm(struct ls_list *l);
void ls_mqueue(struct ls_list *l);
void ls_locks(struct ls_list *l);
void ls_sockets_and_fifos(struct ls_list *l);

#endif
