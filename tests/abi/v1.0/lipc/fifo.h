/*
 * FIFOs (named pipes): a pipe with a name in the file system, so unrelated processes can open
 * it. Only the name lives on disk; the data goes through the kernel as in any pipe. Opening
 * blocks until the other end is opened too: a reader waits for a writer and a writer for a
 * reader; a non-blocking open for writing with no reader fails with ENXIO.
 */
#ifndef LIPC_FIFO_H
#define LIPC_FIFO_H

#include <sys/types.h>

/*
 * Create a FIFO at path with mode (0 means 0600; the umask applies as for mkfifo(2)).
 * Returns 1 when it was created, 0 when a FIFO already exists there (it is reused), or -1 with
 * errno: EEXIST when something that is not a FIFO is there, ELOOP when a symbolic link is (it
 * is never followed).
 */
int lipc_fifo_create(const char *path, mode_t mode);

/*
 * Open the FIFO at path for reading (O_RDONLY) or writing (O_WRONLY), waiting at most timeout_ms
 * milliseconds for the other end: -1 waits for ever, 0 does not wait. With 0, a writer fails
 * with ENXIO when no reader has the FIFO open, and the descriptor is left in O_NONBLOCK mode as
 * open(2) leaves it; otherwise it is a blocking descriptor. Returns the descriptor (O_CLOEXEC),
 * or -1 with errno: ETIMEDOUT, EEXIST when path is not a FIFO, ELOOP when it is a symbolic
 * link (never followed, so a link planted in a shared directory cannot redirect the open).
 * Waiting does not use signals and does not disturb the caller's signal handlers: at the
 * deadline a helper thread opens the other end itself to release the open, so a timed open
 * needs permission to open the FIFO both ways.
 */
int lipc_fifo_open(const char *path, int flags, int timeout_ms);

/* Remove the FIFO at path. Returns 0, or -1 with errno: EEXIST when path is not a FIFO. */
int lipc_fifo_unlink(const char *path);

#endif
