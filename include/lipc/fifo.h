/* SPDX-License-Identifier: MIT */
/*
 * FIFOs (named pipes): a pipe with a name in the file system, so unrelated processes can open
 * it. Only the name lives on disk; the data goes through the kernel as in any pipe. Opening
 * blocks until the other end is opened too: a reader waits for a writer and a writer for a
 * reader; a non-blocking open for writing with no reader fails with ENXIO.
 */
#ifndef LIPC_FIFO_H
#define LIPC_FIFO_H

#include <sys/types.h>

#include "lipc/lipc.h"

/*
 * Open the FIFO at path as its reader (LIPC_RECV) or its writer (LIPC_SEND), waiting at most
 * timeout_ms milliseconds for the other end: -1 waits for ever, 0 does not wait. flags
 * (lipc/lipc.h): LIPC_CREATE makes the FIFO first when there is none, with mode (0 means 0600;
 * the umask applies as for mkfifo(2)); LIPC_CREATE | LIPC_EXCL fails with EEXIST when a FIFO is
 * there already. A FIFO created stays when the open then fails or times out: it is a meeting
 * point, and the other end may be opening it already; remove it with lipc_fifo_unlink().
 * With timeout 0 a reader opens at once, and a writer fails with ENXIO when no reader has the
 * FIFO open (open(2)'s own answer, more precise than EAGAIN: the kernel will not let a writer
 * wait without blocking); the descriptor is then left in O_NONBLOCK mode as open(2) leaves it;
 * otherwise it is a blocking descriptor. Returns the descriptor (O_CLOEXEC), or -1 with errno:
 * ETIMEDOUT, ENOENT without LIPC_CREATE, EEXIST when path is not a FIFO (or LIPC_EXCL found
 * one), ELOOP when it is a symbolic link (never followed, so a link planted in a shared
 * directory cannot redirect the open), EINVAL for a bad role, flags or mode.
 * Waiting does not use signals and does not disturb the caller's signal handlers: at the
 * deadline a helper thread opens the other end itself to release the open, so a timed open
 * needs permission to open the FIFO both ways.
 */
int lipc_fifo_open(const char *path, enum lipc_role role, int flags, mode_t mode, int timeout_ms);

/* Remove the FIFO at path. Returns 0, or -1 with errno: EEXIST when path is not a FIFO. */
int lipc_fifo_unlink(const char *path);

#endif
