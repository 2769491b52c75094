/* SPDX-License-Identifier: MIT */
/*
 * Anonymous pipes: a one-way byte stream that the kernel buffers between two file descriptors,
 * shared by related processes through fork() or exec(). A pipe has no name; it lives as long as
 * one of its ends is open. Writes of at most PIPE_BUF bytes are atomic; larger ones may be split
 * and interleaved with other writers. A read returns 0 (end of file) only when every write end
 * in every process is closed, and a write with no read end left raises SIGPIPE (or fails with
 * EPIPE when SIGPIPE is ignored).
 */
#ifndef LIPC_PIPE_H
#define LIPC_PIPE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Create a pipe: fds[0] is the read end, fds[1] the write end. flags may hold O_NONBLOCK and
 * O_DIRECT (packet mode: a write of up to a page, PIPE_BUF on x86-64, is one packet, a larger one
 * is split into a packet per page; each read returns at most one packet, and a read shorter than
 * the packet discards the rest of it); O_CLOEXEC is always added. Returns 0, or -1 with errno.
 */
int lipc_pipe_open(int fds[2], int flags);

/*
 * Close both ends (those not already -1) and set them to -1; NULL is a no-op. Returns 0, or -1
 * with errno.
 */
int lipc_pipe_close(int fds[2]);

/* How many bytes the pipe holds before a writer blocks (F_GETPIPE_SZ), or -1 with errno. */
long lipc_pipe_capacity(int fd);

/*
 * Ask for a capacity of at least bytes (F_SETPIPE_SZ); the kernel rounds it up to a power of two
 * pages. Returns the capacity granted, or -1 with errno: EPERM above /proc/sys/fs/pipe-max-size
 * without CAP_SYS_RESOURCE, EBUSY when the pipe holds more data than the new size.
 */
long lipc_pipe_set_capacity(int fd, long bytes);

/* A child process started by lipc_pipe_spawn(). */
struct lipc_child {
	size_t struct_size; /* sizeof(struct lipc_child): see LIPC_CHILD_INIT */
	pid_t pid;
	int to_child;	/* write end connected to the child's standard input, or -1 */
	int from_child; /* read end connected to the child's standard output, or -1 */
};

#define LIPC_CHILD_INIT                                                                            \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_child), .to_child = -1, .from_child = -1         \
	}

#define LIPC_CHILD_STDIN  0x1 /* connect a pipe to the child's standard input */
#define LIPC_CHILD_STDOUT 0x2 /* connect a pipe to the child's standard output */

/*
 * Run argv[0] (searched in PATH) with argv as its arguments, its standard input and/or output
 * connected to pipes as flags ask. Returns 0, or -1 with errno (ENOENT when the program does not
 * exist). The pipes carry O_CLOEXEC, so later children do not inherit them.
 */
int lipc_pipe_spawn(struct lipc_child *child, char *const argv[], int flags);

/*
 * Close the pipes to and from the child, then wait for it to exit. Returns its wait status
 * (see waitpid(2)), or -1 with errno.
 */
int lipc_pipe_wait(struct lipc_child *child);

#endif
