/* SPDX-License-Identifier: MIT */
/*
 * The LinuxIPC ring: the fastest way to move messages between two processes on one machine. A
 * single producer and a single consumer share a ring of variable-length records in a POSIX
 * shared-memory object; a record is written in place and published with one atomic store, so a
 * message costs no system call while the other side is awake. A side that must wait spins
 * briefly, then sleeps on a futex in the shared page, and the other side wakes it only when it
 * sleeps. Records keep their boundaries and never split across the end of the ring.
 *
 * The ring is a persistent object, like a message queue: it outlives its processes until
 * lipc_ring_unlink(). One producer and one consumer may be attached at a time; each holds a lock
 * for as long as it is attached, so the other side learns that it died (the kernel drops the
 * lock) without any timeout a debugger pause could trip, and a new producer or consumer can
 * take its place. A handle a child inherits across fork() stays the parent's side: the child's
 * lipc_ring_close() frees its copy and tells the other side nothing (no end of stream). A
 * consumer that waits on other things too polls the ring's doorbell (lipc_ring_fd()), which the
 * producer rings only when the consumer sleeps in such a poll. The consumer never trusts the
 * shared memory: every index and length it reads is checked, and a corrupt ring is an error
 * (EPROTO, EBADMSG), never a wild access.
 *
 * Another user. A ring that is there already is joined only when it belongs to this user or to
 * root and nobody else may write it (the join policy, lipc/chan.h): another user could have
 * made it first, under the name a program expects, to read its messages or feed it false ones.
 * lipc_ring_join() trusts one more owner, for a ring shared on purpose. A ring is created
 * without read access for those who may not write it: a reader could not attach (both roles
 * write), and its read locks would block attaching.
 *
 * The guard. A ring that anyone but this user and root may write (joined with lipc_ring_join(),
 * or created with a mode that lets others write) could be truncated under us, and the next
 * access to a lost page would kill this process with SIGBUS, whatever was checked before it
 * (a truncate can land between the check and the access; a file in /dev/shm cannot be sealed).
 * Such a ring is guarded: the first one installs a SIGBUS handler for the whole process that
 * maps zero pages over a guarded ring that faults, so the access reads zeros, and every call on
 * the ring then fails with EPROTO (lipc_addr_strerror(): "the ring was truncated by another
 * process"). Any other SIGBUS goes to the action that was there before (the default: death). A
 * program that sets its own SIGBUS action afterwards must call the one it replaced for faults
 * that are not its own. A record handed out in place (lipc_ring_peek(), lipc_chan_recv() on
 * shm:) may read as zeros after a truncation, and a system call given its bytes may fail with
 * EFAULT: lipc_ring_release() then fails with EPROTO, so a release that succeeds says the ring
 * was whole until then. Ordinary rings pay one predictable branch a call for this.
 *
 * What remains. Whoever may write a ring (its owner, and those its mode lets write) can still
 * read every message, write corrupt records (EBADMSG, EPROTO) or well-formed false ones, stall
 * either side (publish nothing, hold a role's lock so that it is refused with EBUSY or a dead
 * peer seems alive), truncate it (EPROTO, as above) or fill /dev/shm. An owner who lets others
 * write the ring after we attached (chmod) leaves it unguarded: the guard is chosen at attach.
 * A ring made elsewhere that others may read can have its attaching blocked by their read locks
 * (EBUSY), though they can neither invent a side nor hide a dead one.
 */
#ifndef LIPC_RING_H
#define LIPC_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "lipc/lipc.h"

struct lipc_ring;

/* lipc_ring_open() flag, beside LIPC_CREATE and LIPC_EXCL: busy-poll, never sleep (lowest
 * latency, one CPU burnt). */
#define LIPC_RING_SPIN LIPC_MODULE_FLAG(0)

/*
 * Many writers, many readers (since 1.3: lipc_version() >= 10300). A ring is created in one of
 * four modes, chosen by one of these flags beside LIPC_CREATE (they are the values of one
 * two-bit field, not bits to combine), and keeps it for its life:
 *
 *   (none)                  point to point: one producer, one consumer (the ring above);
 *   LIPC_RING_MULTI         many producers, one consumer: each producer claims its record's
 *                           space with one atomic operation on the shared head, writes it and
 *                           commits it; the consumer takes committed records in the order
 *                           their space was claimed, so one producer's records stay in its
 *                           order, and a record is never torn or mixed with another; its
 *                           end of the stream (0) comes once every producer that came has
 *                           gone and everything is read, ECONNRESET if one of them died;
 *   LIPC_RING_PUBLISH       one producer, many consumers (publish/subscribe), lossless: every
 *                           consumer sees every record from the moment it attaches (it starts
 *                           at the head), and the producer waits for the slowest live one;
 *   LIPC_RING_LOSSY         the same, lossy: the producer never waits, and a consumer that
 *                           falls more than the capacity behind loses the oldest records: its
 *                           next receive fails once with ENOBUFS and lipc_ring_lost() counts
 *                           them exactly; it never gets a damaged record.
 *
 * Up to LIPC_RING_SLOTS producers (multi) or consumers (publish) attach at once; more are EBUSY.
 * Each holds a lifetime lock of its own, so a peer that dies anywhere is known from the kernel,
 * without a timeout or a daemon: a producer killed between claiming and committing is stepped
 * over once its lock is gone, and a dead consumer no longer holds a lossless producer back. A
 * ring that exists keeps its mode: opening it without a mode flag joins it in its mode, and a
 * mode flag that names another is EPROTO (lipc_addr_strerror() names the ring's mode).
 *
 * A publish ring's producer never gets EPIPE (consumers come and go; with none attached its
 * records go to nobody), and its consumers have no doorbell yet: lipc_ring_fd() is ENOTSUP. A
 * lossy consumer's receive that fails with ENOBUFS gives up the records it held (its
 * lipc_ring_release() is then EINVAL). A hostile consumer slot can stall a lossless producer.
 */
#define LIPC_RING_MULTI	  LIPC_MODULE_FLAG(1)
#define LIPC_RING_PUBLISH LIPC_MODULE_FLAG(2)
#define LIPC_RING_LOSSY	  (LIPC_MODULE_FLAG(1) | LIPC_MODULE_FLAG(2))
#define LIPC_RING_SLOTS	  64

/* A ring's mode, as lipc_ring_stat() reports it. */
enum lipc_ring_mode {
	LIPC_RING_POINT = 0,	    /* one producer, one consumer */
	LIPC_RING_MANY_WRITERS = 1, /* LIPC_RING_MULTI */
	LIPC_RING_FANOUT = 2,	    /* LIPC_RING_PUBLISH */
	LIPC_RING_FANOUT_LOSSY = 3, /* LIPC_RING_LOSSY */
};

/* The capacity lipc_ring_open() gives a ring it creates when asked for 0, and the limits. */
#define LIPC_RING_CAPACITY_DEFAULT ((size_t)1 << 20)
#define LIPC_RING_CAPACITY_MIN	   ((size_t)4096)
#define LIPC_RING_CAPACITY_MAX	   ((size_t)1 << 30)

/*
 * Attach to the ring named name ("/NAME", as for shm_open) as its producer (role LIPC_SEND) or its
 * consumer (LIPC_RECV). flags (lipc/lipc.h): with LIPC_CREATE a missing ring is created (with
 * LIPC_EXCL too, one that exists is EEXIST), with room for capacity bytes of records
 * (rounded up to a power of two, 4 KiB to 1 GiB; 0 means LIPC_RING_CAPACITY_DEFAULT) and
 * permissions mode (0 means 0600, and a class that may not write loses its read bit: 0644 is
 * 0600); its pages are reserved at once, so a full /dev/shm is ENOSPC here rather than SIGBUS
 * later. Returns the ring, or NULL with errno: EBUSY when the role is taken (or blocked by a
 * read lock, which lipc_addr_strerror() tells), ENOENT without LIPC_CREATE, EEXIST, EINVAL for a
 * bad role, flags, name or capacity, EPROTO when the object is not a ring of this version, EPERM
 * when the ring there belongs to another user or others may write it (lipc_addr_strerror() names
 * the owner and the mode).
 */
struct lipc_ring *lipc_ring_open(const char *name, enum lipc_role role, int flags, size_t capacity,
				 mode_t mode);

/*
 * lipc_ring_open(), trusting owner as well as this user and root: a ring that is there already
 * is joined when one of them owns it, whoever else may write it. For a ring another user shares
 * on purpose (a service's, say); lipc_chan_opts.owner (LIPC_CHAN_OWNER) and lipc --owner lead
 * here. Unless only this user and root may write it, the ring is guarded (above). A call of its
 * own rather than a flag or a parameter more: a flag cannot carry a uid, lipc_ring_open() keeps
 * its callers and its ABI, and create-or-join stays one call (a join that could not create would
 * race with another creator). EINVAL for owner (uid_t)-1; ENOTSUP when the guard cannot be
 * installed (a sanitizer told to keep SIGBUS for itself).
 */
struct lipc_ring *lipc_ring_join(const char *name, enum lipc_role role, int flags, size_t capacity,
				 mode_t mode, uid_t owner);

/*
 * Detach. A producer's close is the end of the stream for the consumer (once it has read what is
 * left); a record reserved and not committed is dropped. A record the consumer peeked and did
 * not release is delivered again to the next consumer. NULL is a no-op. Returns 0, or -1 with
 * errno.
 */
int lipc_ring_close(struct lipc_ring *ring);

/* Remove the ring's name; attached processes keep it until they close. Returns 0 or -1. */
int lipc_ring_unlink(const char *name);

/* What lipc_ring_stat() sees of a ring from outside. */
struct lipc_ring_stat {
	size_t struct_size; /* sizeof(struct lipc_ring_stat): see LIPC_RING_STAT_INIT */
	size_t capacity;    /* bytes of records it holds */
	size_t used;   /* bytes of records not yet read; SIZE_MAX when the positions are corrupt */
	bool producer; /* a producer is attached now */
	bool consumer; /* a consumer is attached now */
	/* Since 1.3: */
	enum lipc_ring_mode mode;
	unsigned producers; /* how many producers are attached now */
	unsigned consumers; /* how many consumers are attached now */
};

#define LIPC_RING_STAT_INIT                                                                        \
	{                                                                                          \
		.struct_size = sizeof(struct lipc_ring_stat)                                       \
	}

/*
 * Look at the ring called name without attaching to it, as a listing does: it needs read
 * permission only, maps nothing and trusts nothing it reads. Returns 0 with *st filled in, or -1
 * with errno: EPROTO when the object is not a ring of this version (a plain shared-memory
 * object, say), ENOENT, EACCES, EINVAL or ENAMETOOLONG for a bad name.
 */
int lipc_ring_stat(const char *name, struct lipc_ring_stat *st);

/*
 * Since 1.3: how far behind each consumer attached to the ring called name is, in bytes of
 * records it has not read, into lag[0..n) (for a lossy ring, more than the capacity means it has
 * lost records). Looks as lipc_ring_stat() does. Returns how many consumers are attached (which
 * may be more than n: only n are written), or -1 with errno as lipc_ring_stat().
 */
int lipc_ring_lag(const char *name, size_t *lag, size_t n);

/*
 * Since 1.3: how many records this consumer of a lossy ring has lost since it attached, because
 * the producer overwrote them before they were read. A receive that finds records lost fails
 * once with ENOBUFS, and the next one returns the oldest record still in the ring; a record held
 * in place (lipc_ring_peek(), lipc_ring_peek_many()) that was overwritten while held makes
 * lipc_ring_release() fail with ENOBUFS: what was read may be damaged, and nothing is released;
 * the next receive counts the records overwritten (ENOBUFS) and then returns the oldest one
 * still whole, which may be one of those held. Every record published after the consumer
 * attached is either delivered whole (received, or released without error) or counted here.
 * 0 for any other ring or role.
 */
uint64_t lipc_ring_lost(const struct lipc_ring *ring);

/* The largest record the ring takes (half its capacity, less a record header). */
size_t lipc_ring_max_record(const struct lipc_ring *ring);

/*
 * Producer. Copy len bytes into the ring as one record, waiting at most timeout_ms for room (-1
 * for ever, 0 not at all). Returns 0, or -1 with errno: EAGAIN (timeout 0) or ETIMEDOUT, EMSGSIZE
 * over lipc_ring_max_record(), EPIPE when the ring is full and its consumer has gone.
 */
int lipc_ring_push(struct lipc_ring *ring, const void *data, size_t len, int timeout_ms);

/*
 * Producer, without a copy: room for a record of len bytes, to be filled and then published by
 * lipc_ring_commit(). Returns the record's bytes (8-byte aligned), or NULL with errno as
 * lipc_ring_push() (EINVAL when a record is already reserved).
 */
void *lipc_ring_reserve(struct lipc_ring *ring, size_t len, int timeout_ms);
int lipc_ring_commit(struct lipc_ring *ring);

/*
 * Consumer. Copy the next record into buf (at most size bytes) and set *len. Returns 1 with a
 * record, 0 at the end of the stream (the producer closed and everything was read), or -1 with
 * errno: EAGAIN or ETIMEDOUT, EMSGSIZE when the record does not fit (it stays in the ring; *len
 * says how long it is), ECONNRESET when the producer died, EPROTO or EBADMSG when the ring is
 * corrupt. After 0 or ECONNRESET the consumer waits for a new producer.
 */
int lipc_ring_pop(struct lipc_ring *ring, void *buf, size_t size, size_t *len, int timeout_ms);

/*
 * Consumer, without a copy: the next record in place, valid until lipc_ring_release(); returns
 * as lipc_ring_pop(). Peeking again before the release returns the same record (after
 * lipc_ring_peek_many(), the last record it handed out). lipc_ring_release() releases every
 * record held, however many were peeked: EINVAL when none is. On a guarded ring truncated
 * meanwhile, the record reads as zeros and the release fails with EPROTO: a release that
 * succeeds says the ring was whole while the records were read.
 */
int lipc_ring_peek(struct lipc_ring *ring, const void **data, size_t *len, int timeout_ms);
int lipc_ring_release(struct lipc_ring *ring);

/*
 * Batches (since 1.1: lipc_version() >= 10100). A record costs a few cache lines, and publishing
 * the ring's position for the other side, and waking it, cost as much again: a batch pays those
 * once for many records.
 *
 * Producer: copy recs[0..n) into the ring as n records, in order, waiting at most timeout_ms in
 * all for room. The consumer may take each record as soon as it is written; the position is
 * published, and a sleeping consumer woken, once for the batch (and before any wait for room).
 * Returns how many records went in: n, or fewer when one could not (the next call, starting
 * with it, says why: EMSGSIZE, EPIPE) or the time ran out after some went; -1 with errno as
 * lipc_ring_push() when none did. n == 0 returns 0. EINVAL while a record is reserved.
 */
int lipc_ring_push_many(struct lipc_ring *ring, const struct iovec *recs, size_t n, int timeout_ms);

/*
 * Consumer, without a copy: up to n records in place, after those already peeked and not
 * released, in recs[0..n) (iov_base is the ring's memory: read it, never write it). Waits at
 * most timeout_ms for the first, then takes those already there, without waiting or a system
 * call. Returns how many (1 to n), or as lipc_ring_peek(): 0 at the end of the stream, -1 with
 * errno (EINVAL for n == 0, which would read as the end); an error met after some records (a
 * corrupt record: EBADMSG) is reported by the next call. Every record handed out stays valid
 * until lipc_ring_release(), which releases them all at once; a consumer that dies before it
 * leaves them to the next consumer. While several are held, lipc_ring_peek() returns the last
 * of them again (or the error a batch ended on, which is the next call's) and lipc_ring_pop()
 * fails with EINVAL.
 */
int lipc_ring_peek_many(struct lipc_ring *ring, struct iovec *recs, size_t n, int timeout_ms);

/*
 * Consumer (since 1.2): the ring's doorbell, a descriptor that poll(2) and epoll(7) report
 * readable exactly when lipc_ring_peek() or lipc_ring_pop() would return without waiting for a
 * record after those held (a record, the end of the stream, a dead producer or an error is
 * there; a record peeked and not released is not counted: peeking it again needs no bell).
 * Take what is there with a timeout of 0, then poll again. The producer rings it only while the
 * consumer has said that it waits in a poll, after a receive found the ring empty, so the bell
 * costs nothing while both sides are awake. One wake-up may find nothing (EAGAIN): a producer
 * that attaches rings once, so that the consumer watches its death. A producer in another
 * network namespace cannot ring it (its records and its end are seen at the next receive
 * only), and one in another pid namespace cannot be watched (its death is seen so). The
 * descriptor belongs to the ring: never close or read it; it is valid until lipc_ring_close().
 * Returns it (the same one at every call), or -1 with errno (EBADF for a producer). Every mode
 * has one (since 1.3.1; 1.3.0 said ENOTSUP for a multi-producer or a publish ring): a publish
 * ring's consumers each their own, rung by the producer, which watches their flags on one word
 * of the header. A multi-producer ring's consumer is rung by the producer of the record it
 * waits for, and by the last producer to close; the death of a producer (a claim it will never
 * commit, or the last one's end) no producer can ring, so while producers are attached its
 * descriptor also becomes readable at the ring's check interval (10 ms, backing off to 250 ms
 * while nothing happens), a spurious wake-up when no one died.
 */
int lipc_ring_fd(struct lipc_ring *ring);

#endif
