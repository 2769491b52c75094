/* SPDX-License-Identifier: MIT */
/*
 * System V IPC keys. Message queues, semaphore sets and shared memory segments of System V are
 * found by a 32-bit key that every process must agree on: a number, or ftok(path, proj), which
 * derives one from a file's inode. ftok() can give two files the same key (it keeps only 16 bits
 * of the inode and 8 of the device), and a key of 0 is IPC_PRIVATE, which always makes a new
 * object that no other process can look up.
 */
#ifndef LIPC_KEY_H
#define LIPC_KEY_H

#include <sys/ipc.h> /* key_t, whatever the feature macros */
#include <sys/types.h>

/*
 * Parse a key: decimal ("1234"), hexadecimal ("0x4d2"), or "@PATH" / "@PATH:PROJ" for
 * ftok(PATH, PROJ), with PROJ 1 to 255 (default 1). Returns 0, or -1 with errno: EINVAL for junk,
 * for a key out of 32 bits, and for key 0 (IPC_PRIVATE cannot name a shared object); ENOENT or
 * another stat(2) error when PATH cannot be used.
 */
int lipc_key_parse(const char *text, key_t *key);

#endif
