/* SPDX-License-Identifier: MIT */
/*
 * Private to liblipc: helpers shared by the modules, and the entry points the channel's adapters
 * (src/chan/) use inside a technique module beyond its public header. Nothing here knows of
 * channels: the channel's own state, its transport table and its framing are in src/chan/chan.h,
 * one layer up. Names here start with lipc__ so the shared library's version script
 * (liblipc.map) keeps them out of the public interface.
 */
#ifndef LIPC_INTERNAL_H
#define LIPC_INTERNAL_H

#include <linux/futex.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* util.c: I/O that survives partial transfers and EINTR, errno-keeping cleanup, checks. */

/* Read until len bytes or end of file; returns the count read (short only at EOF), or -1. */
ssize_t lipc__read_full(int fd, void *buf, size_t len);
/* Write all len bytes; returns len, or -1 (EPIPE, ENOSPC, ...). */
ssize_t lipc__write_full(int fd, const void *buf, size_t len);
/* close() and unlink() that leave errno as it was, for error paths. close is never retried. */
void lipc__close(int fd);
void lipc__unlink(const char *path);

/*
 * Time. Milliseconds (timeout_ms, >= 0 here) as the kernel's structures take them: a relative
 * timespec (semtimedop, FUTEX_WAIT, nanosleep), a timeval (SO_SNDTIMEO), or added to an absolute
 * time (a deadline, sem_timedwait). Inline: the ring's futex sleep uses one, and its slow path
 * must not grow a call.
 */
#define LIPC__NS_PER_MS 1000000L
#define LIPC__NS_PER_S	1000000000L

static inline struct timespec lipc__ms_timespec(int ms)
{
	return (struct timespec){ .tv_sec = ms / 1000,
				  .tv_nsec = (long)(ms % 1000) * LIPC__NS_PER_MS };
}

static inline struct timeval lipc__ms_timeval(int ms)
{
	return (struct timeval){ .tv_sec = ms / 1000, .tv_usec = (long)(ms % 1000) * 1000 };
}

static inline struct timespec lipc__ns_timespec(long long ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / LIPC__NS_PER_S),
				  .tv_nsec = (long)(ns % LIPC__NS_PER_S) };
}

/* *t moved ms later, its nanoseconds kept below a second. */
static inline void lipc__timespec_add_ms(struct timespec *t, int ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * LIPC__NS_PER_MS;
	if (t->tv_nsec >= LIPC__NS_PER_S) {
		t->tv_sec++;
		t->tv_nsec -= LIPC__NS_PER_S;
	}
}

/* to - from, in nanoseconds. */
static inline long long lipc__timespec_diff_ns(const struct timespec *to,
					       const struct timespec *from)
{
	return (long long)(to->tv_sec - from->tv_sec) * LIPC__NS_PER_S +
	       (to->tv_nsec - from->tv_nsec);
}

/* A deadline for timeout_ms (-1: none); lipc__remaining_ms() counts down to 0, or is -1. */
struct lipc__deadline {
	struct timespec at; /* CLOCK_MONOTONIC, which no one can set */
	bool never;
};
void lipc__deadline_start(struct lipc__deadline *d, int timeout_ms);
int lipc__remaining_ms(const struct lipc__deadline *d);
/* What is left of d in nanoseconds: <= 0 once it has passed (d must not be never). */
long long lipc__remaining_ns(const struct lipc__deadline *d);

/*
 * A wait that polls, with a sleep that grows, for what the kernel cannot wait on for us (a System
 * V queue with a timeout, the creator of a System V semaphore set, a lock whose waiter could not
 * be started). lipc__backoff() sleeps step_ns on the monotonic clock, never past the deadline
 * (a signal only shortens the sleep), then doubles step_ns up to max_ns; once the deadline has
 * passed it returns false without sleeping. The first and largest steps of each wait, and why:
 */
struct lipc__backoff {
	long step_ns, max_ns;
};
bool lipc__backoff(struct lipc__backoff *b, const struct lipc__deadline *d);
/*
 * A System V queue with a timeout (msgq.c): 50 us at first, since room or a message usually
 * comes within microseconds when the other side is running; at most 5 ms, the most a timed wait
 * may add to a message's latency.
 */
#define LIPC__BACKOFF_MSGQ                                                                         \
	{                                                                                          \
		.step_ns = 50 * 1000L, .max_ns = 5 * LIPC__NS_PER_MS                               \
	}
/*
 * A System V semaphore set that its creator is still initialising (sem.c): 100 us at first, as
 * the creator's first semop() follows its semget() at once; at most 20 ms, since a creator that
 * was descheduled in between may take a time slice or two, and the wait is bounded anyway.
 */
#define LIPC__BACKOFF_SEM_INIT                                                                     \
	{                                                                                          \
		.step_ns = 100 * 1000L, .max_ns = 20 * LIPC__NS_PER_MS                             \
	}
/*
 * A lock taken by retrying, when no helper thread or process could wait for it (lock.c): 1 ms at
 * first, since a lock is held for as long as its holder's work takes, not microseconds; at most
 * 50 ms, late by no more than a human notices, with a few wake-ups a second.
 */
#define LIPC__BACKOFF_LOCK                                                                         \
	{                                                                                          \
		.step_ns = LIPC__NS_PER_MS, .max_ns = 50 * LIPC__NS_PER_MS                         \
	}

/*
 * Create-or-join, for objects that whichever end comes first creates (a System V queue or
 * semaphore set, a POSIX queue, a FIFO). round() makes one attempt: create the object exclusively
 * (which tells a creator from a joiner) and, when it exists, join it; it fails with ENOENT when
 * the object vanished between the two (its last user removed it). Then it is tried again, as
 * long as the object keeps vanishing, at most LIPC__JOIN_TRIES times in all; round()'s last
 * answer is returned. The bound: a benign race is over in one more round, but a process that
 * removes and creates the name in a loop must not keep us here for ever; 100 rounds of a few
 * system calls are well under a millisecond.
 */
#define LIPC__JOIN_TRIES 100
int lipc__create_or_join(int (*round)(void *arg), void *arg);

/*
 * The futex system call, which glibc does not wrap, on a 32-bit word of shared memory. Never
 * FUTEX_PRIVATE_FLAG: our futexes live in memory other processes map, and their waiters and
 * wakers must meet. wait: sleep while *word is seen, at most rel (NULL: no limit); wait_until:
 * the same until abs on CLOCK_MONOTONIC (FUTEX_WAIT_BITSET, any bit); 0 when woken (or a
 * spurious return), -1 with EAGAIN (*word was not seen), ETIMEDOUT, EINTR. wake: wake up to n
 * waiters; how many were woken, or -1. Inline, because the ring's wake-up is on its fast path.
 */
static inline int lipc__futex_wait(uint32_t *word, uint32_t seen, const struct timespec *rel)
{
	return (int)syscall(SYS_futex, word, FUTEX_WAIT, seen, rel, NULL, 0);
}

static inline int lipc__futex_wait_until(uint32_t *word, uint32_t seen, const struct timespec *abs)
{
	return (int)syscall(SYS_futex, word, FUTEX_WAIT_BITSET, seen, abs, NULL,
			    FUTEX_BITSET_MATCH_ANY);
}

static inline long lipc__futex_wake(uint32_t *word, int n)
{
	return syscall(SYS_futex, word, FUTEX_WAKE, n, NULL, NULL, 0);
}

/*
 * Step *iov and *cnt past n bytes that a writev() (or sendmsg()) took: the vectors written whole
 * go, and a vector written in part keeps its rest.
 */
static inline void lipc__iov_advance(struct iovec **iov, int *cnt, size_t n)
{
	while (*cnt > 0 && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*cnt)--;
	}
	if (*cnt > 0) {
		(*iov)->iov_base = (char *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

/*
 * One step of a spin wait: tell the CPU this is a busy loop (x86 PAUSE, ARM YIELD), which saves
 * power and lets a sibling hyperthread (the peer, perhaps) run, without giving up the CPU.
 */
static inline void lipc__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* Wait until fd is ready for events or the deadline passes: 1 ready, 0 timed out, -1 error. */
int lipc__wait_fd(int fd, short events, const struct lipc__deadline *d);

/* A number from a /proc file (the first in it), or fallback when it cannot be read. */
long lipc__proc_long(const char *path, long fallback);

/*
 * /proc walking: every open descriptor of process pid (0: of every process /proc shows), with
 * the fstat of the file it is open on, as fn(pid, fd, st, arg) sees them; fn returns true to
 * stop the walk. A process or a descriptor that goes away meanwhile, or that this process may not
 * look at, is skipped: the walk is a snapshot of what could be seen.
 */
void lipc__proc_walk_fds(pid_t pid, bool (*fn)(pid_t pid, int fd, const struct stat *st, void *arg),
			 void *arg);

/* Set or clear O_NONBLOCK. */
int lipc__set_nonblock(int fd, bool on);

/* A path: not empty and shorter than PATH_MAX (ENOENT / ENAMETOOLONG). */
int lipc__check_path(const char *path);
/*
 * A POSIX IPC name (shm_open, sem_open, mq_open): one leading slash, then 1 to NAME_MAX - 4
 * bytes with no other slash, and not "." or ".." (EINVAL / ENAMETOOLONG). Checked here so
 * every module gives the same answer, where glibc and musl differ in the corner cases.
 */
int lipc__check_name(const char *name);

/* ETIMEDOUT, or EAGAIN when the caller asked not to wait at all (timeout 0); returns -1. */
int lipc__timed_out(int timeout_ms);

/*
 * Why the last call of this thread failed, where errno alone cannot say: the limit behind it and
 * its value, the owner of an object not joined. lipc__fail_why() sets errno to err, keeps the
 * text and returns -1; lipc__why(err) hands the text out while err is still the error it was
 * kept for (lipc_addr_strerror), and lipc__why_clear() forgets it at the start of each channel
 * call, so a text never outlives the failure it explains.
 */
int lipc__fail_why(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *lipc__why(int err);
void lipc__why_clear(void);

/*
 * Pin the directory that holds path: an O_PATH descriptor of it (links in the directory part are
 * followed, as the caller named them; the last component is not looked at), and *name pointing
 * at that last component inside path. Every later lookup, stat and unlink goes through the
 * descriptor (fstatat, unlinkat...), so that a directory of the path swapped for a symbolic link
 * afterwards cannot send them elsewhere. Returns the descriptor, or -1 with errno: EINVAL when
 * the last component is empty (a trailing slash), "." or "..".
 */
int lipc__open_dir(const char *path, const char **name);

/*
 * The join policy (lipc/chan.h): an existing object is joined only when it belongs to this
 * process's effective uid or to root, or to the owner the caller named (given). uid is the
 * object's owner and mode its permissions, for the message. Returns 0, or -1 with EPERM and the
 * reason in lipc__why().
 */
struct lipc__trust {
	bool given; /* the caller trusts owner too (LIPC_CHAN_OWNER) */
	uid_t owner;
};
bool lipc__trusted_uid(uid_t uid, const struct lipc__trust *t);
int lipc__check_owner(uid_t uid, mode_t mode, const struct lipc__trust *t);

/*
 * fifo.c, for the fifo: transport: the steps of lipc_fifo_open() on a
 * pinned directory. create_at: mkfifoat, 1 created, 0 a FIFO is there already, -1 (EEXIST: not
 * a FIFO, ELOOP: a link). pin_at: an O_PATH descriptor of the FIFO name, never following a link,
 * and its fstat in *st. open_pinned: open the FIFO pfd pins (pinned is its fstat) for flags, as
 * lipc_fifo_open() does, waiting at most timeout_ms for the other end.
 */
int lipc__fifo_create_at(int dirfd, const char *name, mode_t mode);
int lipc__fifo_pin_at(int dirfd, const char *name, struct stat *st);
int lipc__fifo_open_pinned(int pfd, const struct stat *pinned, int flags, int timeout_ms);

/*
 * ring.c, for the shm: transport: does this consumer hold a record that lipc_ring_peek() handed
 * out and lipc_ring_release() has not yet given back?
 */
struct lipc_ring;
bool lipc__ring_peeked(const struct lipc_ring *r);

/*
 * ring.c, for tests: spin at most spin_ns before sleeping (-1: the measured budget), and sleep
 * check_ms between two tests of the peer's lock (INT_MAX: never wake without a wake-up, so that a
 * lost one hangs the test instead of costing a moment).
 */
void lipc__ring_tune(struct lipc_ring *r, long spin_ns, int check_ms);

/*
 * msgq.c, for the queue transports. LIPC__MQ_PROC holds the POSIX queue limits. posix_defaults:
 * fill in what the kernel gives a new queue for the sizes left 0. sysv_msgmax: the largest
 * System V message (/proc/sys/kernel/msgmax). sysv_op: one msgsnd() (send: returns 0) or
 * msgrcv() of up to len bytes into m (returns the count), waiting at most timeout_ms; valid says
 * the id is known to have been a queue, so that EINVAL means it was removed (EIDRM).
 */
#define LIPC__MQ_PROC "/proc/sys/fs/mqueue/"
/* What msgsnd() and msgrcv() point at: the type, then the bytes they count. */
struct lipc__sysv_msg {
	long type;
	char text[];
};
void lipc__msgq_posix_defaults(long *max_msgs, long *msg_size);
long lipc__msgq_sysv_msgmax(void);
ssize_t lipc__msgq_sysv_op(int id, bool send, struct lipc__sysv_msg *m, size_t len, long select,
			   int flags, int timeout_ms, bool valid);

/*
 * sock.c, for the socket transports: a parsed socket address, and the steps of the public calls
 * on one. parse_unix: PATH or @NAME (a socket of type); parse_tcp: HOST:PORT, [IPV6]:PORT or
 * :PORT. connect: a connected socket, waiting at most timeout_ms. pin_dir: the directory of a
 * Unix path, pinned, or -2 for an address without a file. listen: a listening (or, for
 * datagrams, bound) socket; for a Unix path, dirfd pins its directory, name is the entry in it
 * and *made becomes the socket file. dgram_peer_uid: who created the socket a datagram socket
 * is connected to (sock_diag): 0, or -1 (ECONNREFUSED: gone, EOPNOTSUPP: not told before Linux
 * 5.3). recv_packet: one datagram or record into buf, its real length (over size: it was cut),
 * with the credentials that came along; descriptors that came along are closed. gai_errno:
 * getaddrinfo()'s and getnameinfo()'s failures as errno values.
 */
#define LIPC__CRED_SPACE CMSG_SPACE(sizeof(struct ucred)) /* a message's credentials */
struct lipc__sockaddr {
	int type; /* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	bool tcp;
	char path[1025]; /* unix: the path or @NAME; tcp: the host (empty: loopback), NI_MAXHOST */
	char port[8];	 /* tcp: the port, digits */
};
int lipc__sock_parse_unix(struct lipc__sockaddr *a, int type, const char *where);
int lipc__sock_parse_tcp(struct lipc__sockaddr *a, const char *where);
int lipc__sock_connect(const struct lipc__sockaddr *a, int timeout_ms);
int lipc__sock_pin_dir(const struct lipc__sockaddr *a, const char **name);
int lipc__sock_listen(const struct lipc__sockaddr *a, mode_t mode, int dirfd, const char *name,
		      struct stat *made);
int lipc__sock_dgram_peer_uid(int fd, uid_t *uid);
ssize_t lipc__sock_recv_packet(int fd, void *buf, size_t size, struct ucred *cred, bool *has_cred);
/*
 * recv_packets: recvmmsg(2), without waiting, into p[0..n): each packet's buf and size are the
 * caller's; len is the packet's real length (over size: it was cut), and the credentials come as
 * recv_packet's. Stops early after a packet of 0 bytes without credentials (the end of a
 * seqpacket connection, which recvmmsg would repeat for every slot). The count, at least 1, or
 * -1 with errno (EAGAIN: nothing there). An error after some packets comes at the next call.
 */
struct lipc__packet {
	void *buf;
	size_t size;
	size_t len;
	struct ucred cred;
	bool has_cred;
};
ssize_t lipc__sock_recv_packets(int fd, struct lipc__packet *p, size_t n);
int lipc__sock_gai_errno(int rc);

#endif
