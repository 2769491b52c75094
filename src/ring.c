/* SPDX-License-Identifier: MIT */
/*
 * The ring: a single-producer single-consumer queue of variable-length records in a POSIX
 * shared-memory object, with futex wake-up. The layout (private to this file, versioned):
 *
 *   page 0   static header (magic, version, capacity, max record), written once by the creator
 *            line   head: bytes committed by the producer      (written by the producer only)
 *            line   tail: bytes released by the consumer      (written by the consumer only)
 *            line   the consumer's "sleeping" flag, cpu and "light" flag, and the doorbell's
 *                   armed flag and token (by the consumer, rarely; the armed flag taken by the
 *                   producer)
 *            line   the producer's "sleeping" flag, cpu, "closed" and "light" flags, its pid
 *                   (by the producer, rarely)
 *   page 1.. data: capacity bytes; a record is a 16-byte header (its length, and its position
 *            plus one, stored last to publish it) and its bytes, padded to 16. A record that
 *            would cross the end is preceded by a wrap marker and starts again at offset 0, so
 *            a record is never split.
 *
 * head and tail count bytes since creation (64 bits never wrap); their difference is what the
 * ring holds. Each side keeps its own position privately and only publishes it, so the only
 * shared values a side reads are the other side's position and the records themselves, and it
 * checks both before use: a buggy or hostile peer can make it fail (EPROTO, EBADMSG), never
 * read or write outside the mapping or loop for ever.
 *
 * Waking: a side that finds nothing to do spins for a while, then raises its sleeping flag and
 * sleeps on the futex that is the low word of the position it waits for; the other side stores its
 * position, then reads the flag, and calls FUTEX_WAKE only when it is raised. The flag lives on a
 * line its owner writes only when it sleeps, so the waker's read of it per record stays in its
 * cache. Store then load on each side is Dekker's pattern, and needs a full fence on both sides
 * or a wake-up can be missed (each load passes the other side's store in its store buffer). A
 * full fence per record costs more than the rest of a small record, so it is made asymmetric
 * (as liburcu and folly's asymmetric barriers do): the waker, once a process registered for
 * membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED), orders its store and load with a
 * compiler barrier only, and the sleeper, between raising its flag and looking at the position
 * one last time, calls membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), which runs a full barrier on
 * every CPU running a registered process (a thread not running passed one when it was switched
 * out). The waker's barrier then falls before its store (so its load sees the flag), after its
 * load (so its store is visible to the sleeper's look) or between them (both): never both
 * missed. A process that cannot register pays the fence per record, as before, and says so in
 * its side's "light" field; a sleeper that cannot call membarrier while its peer is light sleeps
 * in short slices instead (LIGHT_FALLBACK_MS). How long to spin: as long as a futex sleep and
 * wake-up costs on this machine (measured once per process, tune()), so that spinning never
 * costs more than twice what sleeping would, and so that the peer of a side that slept, spinning
 * while that side wakes up, catches its answer and the pair returns to hand-offs at once (a
 * budget that shrank when spinning did not pay used to settle both sides into sleeping, 90 us a
 * round trip instead of 0.7). When the peer last ran on the same CPU, where spinning would only
 * burn the time slice the peer needs, it yields the CPU a few times instead.
 *
 * Batches (lipc_ring_push_many(), lipc_ring_peek_many()): what a record costs beyond its own
 * lines is publishing a position and the look at the other side's sleeping flag, so a batch
 * pays them once. The producer writes each record as commit does (its length and bytes, then
 * its seq with release order, which is what a polling consumer looks at), stores head once
 * after the last, and once more whenever its cached copy of tail says the ring is full, before
 * it reads tail again and perhaps waits: the consumer can only free room it knows of, and a
 * batch larger than the ring would otherwise let the consumer, which follows the seqs, run
 * more than a capacity ahead of head, which read_peer() rightly calls corrupt. The consumer
 * waits for the first record as lipc_ring_peek() does, then takes the records whose seq says
 * they are ready, without a system call or a read of head, each checked as the first; it holds
 * them all (r->held bytes, r->held_n records) and its release stores tail once. Two traps.
 * Records are published before head counts them, so a producer killed inside a batch leaves
 * many (not one) records past head: a consumer looks for ready records before it reports the
 * death (peer_gone()) or sleeps on head, and a new producer adopts all of them
 * (adopt_orphan()). And an error found after the first record (a corrupt one) ends the batch
 * with the records before it; corrupt() keeps the error, and the next call reports it.
 *
 * The doorbell (lipc_ring_fd()): a descriptor poll() and epoll see, readable exactly while the
 * consumer's next receive would not wait, for a consumer that waits on many things at once. The
 * futex is invisible to poll(), so the consumer gets an AF_UNIX datagram socket bound to an
 * abstract name, "lipc/bell/" and 16 hex digits of a random token that it writes into the
 * header once bound (nobody could take the name in advance: it was not known); the producer
 * reads the token and sends one byte with MSG_DONTWAIT (EAGAIN: rung already). Chosen over an
 * eventfd passed over a Unix socket, which needs a connection and a rendezvous each producer
 * makes with each consumer, and over a FIFO, which needs a path and its trust checks: a name in
 * the header and one sendto() a ring are all it takes, and a dead or new peer needs nothing
 * done. The cost is paid only around sleeping: the consumer arms the bell (consumer_bell = 1)
 * only when a call leaves it with nothing due; the producer, which already reads the
 * consumer's sleeping flag after storing head (wake_peer(): commit, push_many, close), reads
 * consumer_bell beside it on the same line and, when it is armed, takes it (an exchange), so
 * that one arming costs at most one datagram. This is Dekker's pattern again, with the same
 * asymmetric barrier as the futex sleep: the consumer stores consumer_bell, fences, calls
 * membarrier() and looks at the seqs, head, "closed" and the lock once more; a light producer
 * orders its store of head and its load of consumer_bell for the compiler only. A consumer that
 * cannot issue the barrier while its producer is light cannot exclude a missed ring at arming
 * time, and adds a one-shot 1 ms timerfd to the set instead: one spurious wake-up an arming, as
 * LIGHT_FALLBACK_MS does for the futex. After every call (BELL()) the consumer makes the socket
 * say the truth: when something is due, a byte is queued (the producer took the bell and rang,
 * or the consumer sends one to itself); when nothing is, it drains the socket and arms. While
 * records keep coming that costs one load and nothing else; a consumer that never asks for the
 * descriptor pays one predictable branch. Between a producer's exchange and its datagram, a
 * consumer that takes the record, drains and arms again gets the datagram late: one spurious
 * wake-up, which the next receive drains. A killed producer cannot ring: the consumer watches
 * its death through a pidfd in the same epoll set (which is what lipc_ring_fd() returns). The
 * producer stores its pid in the header as it attaches, before it counts itself in; the
 * consumer opens a pidfd for it when it arms and believes it only as far as the kernel vouches:
 * the generation unchanged after pidfd_open(), the producer's lock still held, the process
 * alive (a pid recycled since the producer died leaves the lock free). A producer that attaches
 * while the consumer is armed rings once, so that the consumer, woken, watches it: the one
 * spurious wake-up by design (the receive says EAGAIN). What the doorbell cannot do, and what
 * a peer can do with it: a producer in another network namespace cannot reach an abstract
 * name, and one in another pid namespace stores a pid that means another process here (or
 * none): its consumer then sees a record, the end or the death only at its next receive (poll
 * with a timeout, or do not mix namespaces). A hostile writer of the header can name any pid
 * (a spurious wake-up when that process dies, or a death not seen until the next receive: the
 * lock still decides at every receive, and a pid found dead is dropped from the set), any token
 * (the producer rings some other "lipc/bell/" name, a missed wake-up; the consumer writes its
 * own token back at every arming), or arm the bell (a datagram to nobody). Anyone in the
 * network namespace sees the name in /proc/net/unix and may send to it: a spurious wake-up,
 * drained at the next receive. The token and the pid are only ever used to send one byte and
 * to watch a process. The modes with slots use the same bell, through three calls of their
 * struct ring_ops: where the flag is (bell_flag), how to arm it (arm: a publish consumer's flag
 * and token are in its slot, a multi-producer consumer's arming also names the record it waits
 * for), and what is due (due), with a timer in the set at the check interval where a mode has
 * no single producer to watch through a pidfd (see ring_multi.c's due()).
 *
 * Liveness: each side holds an open-file-description write lock on one byte of the object for
 * as long as it is attached (byte 0 the producer, byte 1 the consumer). The kernel drops the
 * lock when the process dies, however it dies; a second producer or consumer finds the byte
 * locked (EBUSY). A sleeper wakes now and then (10 ms at first, backing off to 250 ms) to test
 * the peer's lock; a peer stopped in a debugger still holds it and is not taken for dead. The
 * tests (F_OFD_GETLK) ask as for a read lock, which only a write lock answers: anyone who may
 * read the object can take read locks on its bytes, but not write locks, so a reader neither
 * invents a side nor hides a dead one. A read lock does block the write lock that attaching
 * takes, wherever it lies (one lock can cover the whole file), so a ring made here grants read
 * access to nobody who may not write it, and the join policy refuses rings that others may
 * write: only a ring made elsewhere, readable by others, can have its attaching blocked so
 * (EBUSY, and lipc__why() says it is a read lock).
 *
 * Trust: a ring that is there already is joined when this user or root owns it and nobody else
 * may write it, or, through lipc_ring_join(), when the owner the caller names does, whoever
 * else may write it (may_join(), the join policy of lipc/chan.h). A ring that anyone but this
 * user and root may write is guarded (see "The guard" below): a truncation, which would make
 * our next access to the lost pages SIGBUS, makes the ring's calls fail with EPROTO instead.
 *
 * What remains, against a process that may write the ring: it can read every record; write
 * corrupt records (EBADMSG, EPROTO), or well-formed false ones that nothing tells from the
 * producer's; stall either side (publish nothing, move a position so that a side waits, hold a
 * lock byte with a write lock: a role refused with EBUSY, or a dead peer that looks alive);
 * steer the spinning through the cpu fields; truncate the ring (EPROTO on a guarded ring, and a
 * record held in place reads as zeros); fill /dev/shm. On an unguarded ring only this user or
 * root can do any of it, and either could as well ptrace us. The guard is chosen at attach: an
 * owner who lets others write the ring later (chmod) has them write an unguarded ring.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <poll.h>
#include <linux/membarrier.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "internal.h"
#include "lipc/ring.h"

#include "ring_impl.h"

/*
 * What this process learns once (tune()): whether its wake-ups may skip the fence (it registered
 * for membarrier's global expedited barrier), whether it can issue that barrier as a sleeper,
 * and how long a futex sleep and wake-up takes here, which is how long a side spins. Written
 * under tune_once and read after it (pthread_once orders them).
 */
static pthread_once_t tune_once = PTHREAD_ONCE_INIT;
static struct ring_tuning tuning = { .spin_ns = SPIN_NS_GUESS }; /* see lipc__ring_tuned() */

static long membarrier(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0);
}

/* The words a probe thread and its caller wake each other on, and the round trips counted. */
#define PROBE_ROUNDS 17
struct probe {
	_Atomic uint32_t ping, pong;
};

/* Sleep while *word is below want. Pairs with the release store before the other's wake. */
static void probe_wait(_Atomic uint32_t *word, uint32_t want)
{
	uint32_t v;

	while ((v = atomic_load_explicit(word, memory_order_acquire)) < want)
		lipc__futex_wait((uint32_t *)(uintptr_t)word, v, NULL);
}

static void *probe_peer(void *arg)
{
	struct probe *pr = arg;

	for (uint32_t i = 1; i <= PROBE_ROUNDS; i++) {
		probe_wait(&pr->ping, i);
		atomic_store_explicit(&pr->pong, i, memory_order_release);
		lipc__futex_wake((uint32_t *)(uintptr_t)&pr->pong, 1);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The cost of a futex wake-up across CPUs, measured as it happens: a thread of ours on another
 * CPU and we wake each other PROBE_ROUNDS times, both sleeping, and the round trip (two
 * wake-ups, each with its system calls and the scheduler's way to a sleeping CPU, which in a
 * virtual machine is a trip through the hypervisor) is the budget: a side that waited that long
 * for nothing has lost at most as much as a sleep would have cost. The first round, which meets
 * the thread starting, is left out, and the upper quartile of the others taken: a CPU that
 * happens to poll while idle (cpuidle haltpoll) wakes in 2 us where a halted one takes 40, and
 * a budget below the wake-up the peer will pay lets a sleep on one side make the other sleep. The
 * thread runs with every signal blocked, so that none of the program's goes to it, and is joined
 * before we return; 0 when it could not be measured.
 */
static long measure_wakeup(void)
{
	struct probe pr = { 0 };
	uint64_t rt[PROBE_ROUNDS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int me = sched_getcpu(), err = -1;
	pthread_attr_t attr;
	sigset_t all, old;
	cpu_set_t other;
	pthread_t t;

	/*
	 * On another CPU than ours: what spinning saves is a wake-up across CPUs. Any other CPU,
	 * not only one our own mask allows: a process pinned to one CPU (as lipc bench pins each
	 * side) talks to a peer on another all the same, and a probe on its own CPU would measure
	 * a context switch, a tenth of the cost. Where that CPU is refused (a cpuset), the
	 * scheduler places the thread.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int cpu = 0; err && me >= 0 && cpu < cpus && cpu < CPU_SETSIZE; cpu++) {
		if (cpu == me || pthread_attr_init(&attr))
			continue;
		CPU_ZERO(&other);
		CPU_SET(cpu, &other);
		if (pthread_attr_setaffinity_np(&attr, sizeof(other), &other) == 0)
			err = pthread_create(&t, &attr, probe_peer, &pr);
		pthread_attr_destroy(&attr);
	}
	if (err)
		err = pthread_create(&t, NULL, probe_peer, &pr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return 0;
	for (uint32_t i = 1; i <= PROBE_ROUNDS; i++) {
		uint64_t start = now_ns();

		atomic_store_explicit(&pr.ping, i, memory_order_release);
		lipc__futex_wake((uint32_t *)(uintptr_t)&pr.ping, 1);
		probe_wait(&pr.pong, i);
		rt[i - 1] = now_ns() - start;
	}
	pthread_join(t, NULL);
	qsort(rt + 1, PROBE_ROUNDS - 1, sizeof(rt[0]), cmp_u64);
	return (long)rt[1 + (PROBE_ROUNDS - 1) * 3 / 4];
}

/*
 * A child of fork() is a new process to membarrier: the kernel copies the registration with the
 * memory map, as far as we know, but we do not stake lost wake-ups on it, and register again. In
 * the child only its forking thread runs, so nobody reads tuning.light meanwhile.
 */
static void tune_child(void)
{
	int err = errno;

	if (tuning.light && membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) < 0)
		tuning.light = false;
	errno = err;
}

static void tune(void)
{
	long cost;
	int err = errno;

	/* Registered, our wake-ups rely on a sleeper's global barrier, not on a fence of ours. */
	tuning.heavy = membarrier(MEMBARRIER_CMD_QUERY) > 0 &&
		       (membarrier(MEMBARRIER_CMD_QUERY) & MEMBARRIER_CMD_GLOBAL_EXPEDITED);
	tuning.light = tuning.heavy && membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0 &&
		       pthread_atfork(NULL, NULL, tune_child) == 0;
	cost = measure_wakeup();
	if (cost > 0)
		tuning.spin_ns = cost < SPIN_NS_MIN   ? SPIN_NS_MIN
				 : cost > SPIN_NS_MAX ? SPIN_NS_MAX
						      : cost;
	errno = err;
}

const struct ring_tuning *lipc__ring_tuned(void)
{
	pthread_once(&tune_once, tune);
	return &tuning;
}

bool lipc__ring_sleeper_barrier(void)
{
	atomic_thread_fence(memory_order_seq_cst);
	return tuning.heavy && membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0;
}

void lipc__ring_waker_barrier(void)
{
	if (tuning.light)
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
}

/*
 * Is the other side's lock byte held? 1 yes, 0 no, -1 error. Asked as for a read lock, so that
 * only a write lock answers: anyone who may read the object can hold read locks on its bytes,
 * and would otherwise invent a peer, or hide the death of one.
 */
static int peer_attached(const struct lipc_ring *r)
{
	struct flock fl = {
		.l_type = F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = r->role == LIPC_SEND ? 1 : 0,
		.l_len = 1,
	};

	if (fcntl(r->fd, F_OFD_GETLK, &fl) < 0)
		return -1;
	return fl.l_type != F_UNLCK;
}

/*
 * The guard, for a ring that someone we may not trust with our life can write: one joined with
 * lipc_ring_join(), or made with a mode that lets others write. Such a writer can truncate the
 * object, and our next access to a page past its end is SIGBUS, whatever we checked before (the
 * truncate can land between any check and the access); a tmpfs file other than a memfd cannot
 * be sealed against it (it is born with F_SEAL_SEAL). So a process-wide SIGBUS handler, installed
 * with the first guarded mapping, repairs the fault instead: when the faulting address lies in
 * a guarded mapping, it maps anonymous zero pages over the mapping's file-backed part (the
 * PROT_NONE page after it stays), marks the mapping truncated and returns, and the faulting
 * instruction runs again on the zeros, harmlessly. Every call on a guarded ring tests the mark
 * on entry, in its waits and before it reports success, and fails with EPROTO ("truncated").
 * Any other SIGBUS goes to the action that was there before ours (SIG_DFL: the process dies of
 * it as it would have; a sanitizer's handler: it reports it). The handler finds the guarded
 * mappings without a lock: slots are only ever added to the list, published by a release store,
 * reused but never freed, and a mapping's slot is cleared before the mapping goes.
 */
struct guard {
	_Atomic uintptr_t start; /* the file-backed part of a mapping; 0: a free slot */
	_Atomic size_t len;
	_Atomic bool truncated; /* set by the handler, or when a futex found the page gone */
	struct guard *next;	/* written before the slot is published, never changed */
};

static struct guard *_Atomic guards;
static struct sigaction chained; /* the SIGBUS action before ours: written once, before ours */
static bool guard_installed;	 /* under mappings_lock */

/* In the handler: replace the guarded mapping that holds addr with zeros. */
static bool guard_repair(uintptr_t addr)
{
	/* Pairs with the release stores of guard_slot(). */
	for (struct guard *g = atomic_load_explicit(&guards, memory_order_acquire); g;
	     g = g->next) {
		uintptr_t start = atomic_load_explicit(&g->start, memory_order_acquire);
		size_t len = atomic_load_explicit(&g->len, memory_order_relaxed);

		if (!start || addr - start >= len)
			continue;
		/* The system call itself: sanitizers intercept mmap(), not for a signal handler. */
		if (syscall(SYS_mmap, start, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == -1)
			return false;
		/* Pairs with the acquire load of guard_failed(). */
		atomic_store_explicit(&g->truncated, true, memory_order_release);
		return true;
	}
	return false;
}

/* Any other SIGBUS: what the action before ours would have done with it. */
static void guard_chain(int sig, siginfo_t *si, void *uc)
{
	if (chained.sa_flags & SA_SIGINFO) {
		chained.sa_sigaction(sig, si, uc);
	} else if (chained.sa_handler != SIG_DFL && chained.sa_handler != SIG_IGN) {
		chained.sa_handler(sig);
	} else if (si->si_code > 0 || chained.sa_handler == SIG_DFL) {
		/*
		 * Die of it (the kernel ignores SIG_IGN for a fault): a fault runs its instruction
		 * again and meets the default action; a signal sent is sent again, and arrives
		 * as we return (SIGBUS is blocked in its handler).
		 */
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		sigaction(SIGBUS, &dfl, NULL);
		if (si->si_code <= 0)
			raise(SIGBUS);
	}
	/* else: sent by a process while ignored, and ignored */
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	int err = errno;

	/* si_code > 0: a fault the kernel raised, at si_addr; a signal sent has no address. */
	if (!(si->si_code > 0 && guard_repair((uintptr_t)si->si_addr)))
		guard_chain(sig, si, uc);
	errno = err;
}

/*
 * Install the handler, once: under mappings_lock. A program that sets its own SIGBUS action
 * afterwards must call the one it replaced for faults that are not its own, as ours does.
 */
static int guard_install(void)
{
	struct sigaction ours = { .sa_sigaction = on_sigbus,
				  .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART },
			 now = { 0 };

	if (guard_installed)
		return 0;
	sigemptyset(&ours.sa_mask);
	/* The old action is kept before ours is in place: a fault may come at once. */
	if (sigaction(SIGBUS, NULL, &chained) < 0 || sigaction(SIGBUS, &ours, NULL) < 0 ||
	    sigaction(SIGBUS, NULL, &now) < 0)
		return -1;
	/* A sanitizer told to keep SIGBUS for itself (handle_sigbus=2) refuses ours, silently. */
	if (!(now.sa_flags & SA_SIGINFO) || now.sa_sigaction != on_sigbus)
		return lipc__fail_why(ENOTSUP, "cannot guard a ring others may write: the SIGBUS "
					       "handler is kept by someone else");
	guard_installed = true;
	return 0;
}

/* A slot for the mapping [start, start + len): under mappings_lock. */
static struct guard *guard_slot(void *start, size_t len)
{
	struct guard *g;

	if (guard_install() < 0)
		return NULL;
	for (g = atomic_load_explicit(&guards, memory_order_relaxed); g; g = g->next)
		if (!atomic_load_explicit(&g->start, memory_order_relaxed))
			break;
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			return NULL;
		g->next = atomic_load_explicit(&guards, memory_order_relaxed);
		atomic_store_explicit(&guards, g, memory_order_release);
	}
	atomic_store_explicit(&g->len, len, memory_order_relaxed);
	atomic_store_explicit(&g->truncated, false, memory_order_relaxed);
	atomic_store_explicit(&g->start, (uintptr_t)start, memory_order_release);
	return g;
}

/* A guarded ring found truncated: -1 with EPROTO, from then on. Otherwise 0. */
static int guard_failed(const struct lipc_ring *r)
{
	if (!r->guard || !atomic_load_explicit(&r->guard->truncated, memory_order_acquire))
		return 0;
	return lipc__fail_why(EPROTO, "the ring was truncated by another process");
}

/* On entry to a call, when r->careful: a truncated or corrupt ring stays an error. */
static int still_sound(const struct lipc_ring *r)
{
	if (guard_failed(r) < 0)
		return -1;
	if (r->error) {
		errno = r->error;
		return -1;
	}
	return 0;
}

/*
 * On entry to a producer's or a consumer's call: the ring is attached in that role (EBADF), and
 * still sound (one predictable branch for an ordinary ring).
 */
static int enter(const struct lipc_ring *r, int role)
{
	if (r->role != role) {
		errno = EBADF;
		return -1;
	}
	return r->careful ? still_sound(r) : 0;
}

/* Before a call reports success, when r->careful: did a truncation land during it? */
#define TRUNCATED(r) (__builtin_expect((r)->careful, 0) && guard_failed(r) < 0)

static int corrupt(struct lipc_ring *r, int err)
{
	/* The zeros a truncation left are not the peer's corruption. */
	if (guard_failed(r) < 0)
		return -1;
	r->error = err;
	r->careful = true;
	errno = err;
	return -1;
}

int lipc__ring_enter(const struct lipc_ring *r, int role)
{
	return enter(r, role);
}

int lipc__ring_guard_failed(const struct lipc_ring *r)
{
	return guard_failed(r);
}

int lipc__ring_corrupt(struct lipc_ring *r, int err)
{
	return corrupt(r, err);
}

static _Atomic uint64_t *my_pos(struct lipc_ring *r)
{
	return r->role == LIPC_SEND ? &r->sh->head : &r->sh->tail;
}

static _Atomic uint64_t *peer_pos(struct lipc_ring *r)
{
	return r->role == LIPC_SEND ? &r->sh->tail : &r->sh->head;
}

/*
 * Read the other side's position into r->peer and check it against ours: the producer is never
 * behind the consumer, nor ahead of it by more than the capacity. r->peer is always the value
 * read, since it is what wait_peer() sleeps on.
 */
static int read_peer(struct lipc_ring *r)
{
	uint64_t p = atomic_load_explicit(peer_pos(r), memory_order_acquire);
	uint64_t head = r->role == LIPC_SEND ? r->pos : p;
	uint64_t tail = r->role == LIPC_SEND ? p : r->pos;

	/*
	 * A consumer that takes records as they become ready may be ahead of head: the producer
	 * stores head just after a record's seq, and one killed in between never stores it.
	 */
	if (head - tail > r->cap && !(r->role == LIPC_RECV && tail - head <= r->cap))
		return corrupt(r, EPROTO);
	r->peer = p;
	return 0;
}

/* Consumer: has the producer's head passed our cursor (not merely reached it, or lagged)? */
static bool head_past(const struct lipc_ring *r)
{
	uint64_t at = r->pos + r->held;

	return r->peer != at && r->peer - at <= r->cap;
}

/*
 * Has the other side gone? For the consumer: 1 when the producer closed cleanly (the end of its
 * stream), -1 with ECONNRESET when it died, each reported once per producer (generation), and
 * only for a producer it met (see base_gen); otherwise it waits for a producer to come. For the
 * producer: -1 with EPIPE while a consumer that was attached is gone. 0 otherwise. The lock is only
 * tested when test_lock says so, since it costs a system call.
 */
static int peer_gone(struct lipc_ring *r, bool test_lock)
{
	struct ring_shared *sh = r->sh;
	uint32_t gen;
	int alive;

	if (r->role == LIPC_SEND) {
		if (!test_lock || !atomic_load_explicit(&sh->consumer_gen, memory_order_acquire))
			return 0;
		alive = peer_attached(r);
		if (alive != 0)
			return alive < 0 ? -1 : 0;
		errno = EPIPE;
		return -1;
	}
	/* A producer clears "closed" before it counts itself in (see lipc_ring_open). */
	gen = atomic_load_explicit(&sh->producer_gen, memory_order_acquire);
	if (r->consumed) {
		r->seen_gen = gen;
		r->consumed = false;
	}
	if (gen == 0 || (r->ended && gen == r->ended_gen) ||
	    (gen == r->base_gen && gen != r->seen_gen))
		return 0;
	if (atomic_load_explicit(&sh->producer_closed, memory_order_acquire)) {
		alive = 1;
	} else {
		if (!test_lock)
			return 0;
		alive = peer_attached(r);
		if (alive > 0)
			r->seen_gen = gen;
		if (alive != 0)
			return alive < 0 ? -1 : 0;
		errno = ECONNRESET;
		alive = -1;
	}
	/*
	 * Records it published and did not count in head (a batch's head is stored once, after
	 * its records) come before its end: the caller takes them and asks again. Looked at after
	 * the lock, which the kernel dropped after the producer's last store.
	 */
	if (record_ready(r))
		return 0;
	r->ended = true;
	r->ended_gen = gen;
	return alive;
}

/*
 * Wait until the other side's position moves from what r->peer says. Returns 1 when it did (or
 * may have: the caller looks again), 0 when the producer closed (the consumer's end of stream),
 * -1 with errno.
 */
static int wait_peer(struct lipc_ring *r, const struct lipc__deadline *d, int timeout_ms)
{
	struct ring_shared *sh = r->sh;
	_Atomic uint32_t *sleeping =
		r->role == LIPC_SEND ? &sh->producer_sleeping : &sh->consumer_sleeping;
	_Atomic int32_t *cpu = r->role == LIPC_SEND ? &sh->producer_cpu : &sh->consumer_cpu;
	_Atomic int32_t *peer_cpu = r->role == LIPC_SEND ? &sh->consumer_cpu : &sh->producer_cpu;
	_Atomic uint32_t *peer_light =
		r->role == LIPC_SEND ? &sh->consumer_light : &sh->producer_light;
	uint64_t seen = r->peer, start = 0;
	int me = sched_getcpu(), gone, slept_ms = 0;
	bool spin;

	/* Each loop that waits comes back here, or tests the guard itself: none waits on zeros. */
	if (guard_failed(r) < 0)
		return -1;
	if (timeout_ms == 0) {
		gone = peer_gone(r, true);
		if (guard_failed(r) < 0) /* its reads may have been the ones that faulted */
			return -1;
		if (gone)
			return gone > 0 ? 0 : -1;
		if (r->role == LIPC_RECV && record_ready(r))
			return 1; /* a dead producer's last records (peer_gone) */
		errno = EAGAIN;
		return -1;
	}
	/* Only a change is written: the peer reads this line at every commit (the sleeping flag).
	 */
	if (atomic_load_explicit(cpu, memory_order_relaxed) != me)
		atomic_store_explicit(cpu, me, memory_order_relaxed);
	/* On the peer's CPU, spinning would burn the time slice the peer needs: yield instead. */
	spin = r->spin_only || me != atomic_load_explicit(peer_cpu, memory_order_relaxed);
	for (unsigned long i = 1; spin; i++) {
		if (r->role == LIPC_RECV
			    ? record_ready(r)
			    : atomic_load_explicit(peer_pos(r), memory_order_relaxed) != seen) {
			r->check_ms = r->check_first_ms;
			return 1;
		}
		lipc__cpu_relax();
		/*
		 * The budget is time, the measured cost of a wake-up (tune()), never shrunk by
		 * luck: the clock is read every 16 pauses (a pause is 10 to 150 cycles, a reading
		 * some 20 ns). Started late, so that a hand-off that comes at once reads no clock.
		 */
		if (!r->spin_only) {
			if (i == 16)
				start = now_ns();
			else if (!(i & 15) && now_ns() - start >= (uint64_t)r->spin_ns)
				break;
		} else if (!(i & 0xfffff)) {
			/* A busy-poller still notices a gone peer, a truncation, its deadline. */
			if (guard_failed(r) < 0)
				return -1;
			gone = peer_gone(r, true);
			if (gone)
				return gone > 0 ? 0 : -1;
			if (lipc__remaining_ms(d) == 0)
				return lipc__timed_out(timeout_ms);
		}
	}
	/*
	 * On the peer's CPU, give it the CPU instead: when it is runnable, sched_yield() runs it at
	 * once and it publishes without having to wake us, cheaper than a futex sleep and wake-up.
	 * A few yields at most, fewer when they did not pay, then sleep.
	 */
	for (int i = 0; !spin && i < r->yields; i++) {
		sched_yield();
		if (atomic_load_explicit(peer_pos(r), memory_order_relaxed) != seen ||
		    (r->role == LIPC_RECV && record_ready(r))) {
			r->yields = r->yields * 2 > YIELD_MAX ? YIELD_MAX : r->yields * 2;
			r->check_ms = r->check_first_ms;
			return 1;
		}
		if (i == r->yields - 1)
			r->yields = r->yields / 2 < 1 ? 1 : r->yields / 2;
	}

	for (bool test_lock = false, brief;;) {
		int left = lipc__remaining_ms(d), chunk, ret;

		/*
		 * Raise the flag, then look once more: the waker stores its position, then reads
		 * the flag (wake_peer()). Our half of Dekker's pattern is this fence and, for a
		 * waker that skips its own fence, the global barrier, which stands in for it on
		 * the waker's CPU (see Waking). Without the barrier, a light waker is caught by
		 * short sleeps instead.
		 */
		atomic_store_explicit(sleeping, 1, memory_order_seq_cst);
		atomic_thread_fence(memory_order_seq_cst);
		brief = false;
		if (!tuning.heavy || membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) < 0)
			brief = atomic_load_explicit(peer_light, memory_order_relaxed) != 0;
		if (atomic_load_explicit(peer_pos(r), memory_order_seq_cst) != seen)
			goto out_awake;
		gone = peer_gone(r, test_lock);
		test_lock = false;
		if (guard_failed(r) < 0) {
			atomic_store_explicit(sleeping, 0, memory_order_relaxed);
			return -1;
		}
		if (gone) {
			atomic_store_explicit(sleeping, 0, memory_order_relaxed);
			return gone > 0 ? 0 : -1;
		}
		/*
		 * Records past head: a producer that died in the middle of a batch (peer_gone), or
		 * one between a record and its head. The futex would wait on head.
		 */
		if (r->role == LIPC_RECV && record_ready(r))
			goto out_awake;
		if (left == 0) {
			atomic_store_explicit(sleeping, 0, memory_order_relaxed);
			return lipc__timed_out(timeout_ms);
		}
		chunk = left < 0 || left > r->check_ms ? r->check_ms : left;
		if (brief && chunk > LIGHT_FALLBACK_MS)
			chunk = LIGHT_FALLBACK_MS;
		ret = futex_wait(peer_pos(r), (uint32_t)seen, chunk);
		atomic_store_explicit(sleeping, 0, memory_order_relaxed);
		if (ret == 0 || errno == EAGAIN)
			goto out_awake_cleared;
		/*
		 * The futex's page is gone: a truncation, which no signal tells in a system call.
		 * (The next access to the mapping faults, and the handler repairs it.)
		 */
		if (errno == EFAULT && r->guard)
			atomic_store_explicit(&r->guard->truncated, true, memory_order_release);
		if (errno != ETIMEDOUT && errno != EINTR) {
			guard_failed(r); /* a truncation is EPROTO, not EFAULT */
			return -1;
		}
		if (errno == ETIMEDOUT && check_due(r, chunk, &slept_ms))
			test_lock = true; /* a whole check interval slept: test the peer's lock */
	}

out_awake:
	atomic_store_explicit(sleeping, 0, memory_order_relaxed);
out_awake_cleared:
	r->check_ms = r->check_first_ms;
	return 1;
}

static void bell_take(struct lipc_ring *r);
static void bell_close(struct lipc_ring *r);

/*
 * After publishing our position: wake the other side if it sleeps on it. The other half of the
 * sleeper's store, fence, load in wait_peer(): our store of the position, then this barrier, then
 * the load of its flag. A light process (tuning.light, see Waking) orders them for the compiler
 * only, and the sleeper's membarrier() orders them on the CPU; the flag is on a line the sleeper
 * writes only when it sleeps, so the load hits our cache while it is awake. No fence, no shared
 * line taken from the peer: a record costs its own lines, and the position's.
 */
static void wake_peer(struct lipc_ring *r)
{
	_Atomic uint32_t *sleeping =
		r->role == LIPC_SEND ? &r->sh->consumer_sleeping : &r->sh->producer_sleeping;

	if (tuning.light)
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(sleeping, memory_order_relaxed))
		futex_wake(my_pos(r));
	/* The doorbell's half of the same pattern, on the same line (see The doorbell). */
	if (r->role == LIPC_SEND &&
	    atomic_load_explicit(&r->sh->consumer_bell, memory_order_relaxed))
		bell_take(r);
}

static const char *mode_name(uint32_t ring_mode);

/*
 * A ring with slots: the call is its mode's, once the role and the guard are checked. One
 * predictable branch for a point-to-point ring.
 */
#define MODE_CALL(r, role, fail, call)                                                             \
	do {                                                                                       \
		if (__builtin_expect((r)->ops != NULL, 0))                                         \
			return enter(r, role) < 0 ? fail : (r)->ops->call;                         \
	} while (0)

/* A consumer's call: its mode's, then the doorbell made to say the truth (see BELL()). */
static void bell_update(struct lipc_ring *r);
#define MODE_RECV(r, call)                                                                         \
	do {                                                                                       \
		if (__builtin_expect((r)->ops != NULL, 0)) {                                       \
			int ret_ = enter(r, LIPC_RECV) < 0 ? -1 : (r)->ops->call;                  \
                                                                                                   \
			if ((r)->bell_ep >= 0)                                                     \
				bell_update(r);                                                    \
			return ret_;                                                               \
		}                                                                                  \
	} while (0)

void *lipc_ring_reserve(struct lipc_ring *r, size_t len, int timeout_ms)
{
	MODE_CALL(r, LIPC_SEND, NULL, reserve(r, len, timeout_ms));
	struct lipc__deadline d;
	uint64_t rec, need, idx;
	bool started = false;

	if (enter(r, LIPC_SEND) < 0)
		return NULL;
	if (r->held) {
		errno = EINVAL;
		return NULL;
	}
	if (len > r->max_record) {
		errno = EMSGSIZE;
		return NULL;
	}
	rec = record_size(len);
	idx = r->pos & r->mask;
	/* A record that would cross the end goes to offset 0, behind a wrap marker. */
	need = idx + rec > r->cap ? r->cap - idx + rec : rec;

	while (r->cap - (r->pos - r->peer) < need) {
		int ret;

		if (read_peer(r) < 0)
			return NULL;
		if (r->cap - (r->pos - r->peer) >= need)
			break;
		/* The clock is read only before a wait: most calls find room at once. */
		if (!started) {
			lipc__deadline_start(&d, timeout_ms);
			started = true;
		}
		ret = wait_peer(r, &d, timeout_ms);
		if (ret < 0)
			return NULL;
	}
	/* Relaxed: the release store of each header's seq in lipc_ring_commit() publishes them. */
	if (need != rec) {
		atomic_store_explicit(&rec_at(r, r->pos)->len, WRAP, memory_order_relaxed);
		idx = 0;
	}
	atomic_store_explicit(&rec_at(r, r->pos + need - rec)->len, (uint32_t)len,
			      memory_order_relaxed);
	r->held = need;
	r->held_len = (uint32_t)len;
	return r->data + idx + REC_HDR;
}

/*
 * Before a record's seq is released: clear the seq of the header after it, where the next record
 * goes. That word keeps what was last written there, often an older header's seq whose low bytes
 * a later payload overwrote; positions differ only in their high bits, so such a mixture can
 * spell the next position + 1 (one time in 65,536 in a 4 KiB ring, when a payload's last two
 * bytes land there), and a consumer would take it for a record published, which nobody wrote.
 * Cleared before our release, it reads 0 to a consumer that acquired our record, until the next
 * record's seq. Not when the ring is full as far as we know (end a capacity past our copy of
 * tail): that header is then the oldest record's, whole, which the consumer reads before it.
 */
static void clear_next(struct lipc_ring *r, uint64_t end)
{
	if (end - r->peer < r->cap)
		atomic_store_explicit(&rec_at(r, end)->seq, 0, memory_order_relaxed);
}

int lipc_ring_commit(struct lipc_ring *r)
{
	MODE_CALL(r, LIPC_SEND, -1, commit(r));
	uint64_t at;

	if (r->role != LIPC_SEND || !r->held) {
		errno = r->role != LIPC_SEND ? EBADF : EINVAL;
		return -1;
	}
	at = r->pos + r->held - record_size(r->held_len);

	/*
	 * Publish: the record, then its wrap marker if it has one (a consumer that sees the
	 * marker ready finds the record ready too), then head for a consumer that sleeps. Each
	 * release pairs with the consumer's acquire of the same word, and orders clear_next() too.
	 */
	clear_next(r, r->pos + r->held);
	atomic_store_explicit(&rec_at(r, at)->seq, at + 1, memory_order_release);
	if (at != r->pos)
		atomic_store_explicit(&rec_at(r, r->pos)->seq, r->pos + 1, memory_order_release);
	r->pos += r->held;
	r->held = 0;
	atomic_store_explicit(&r->sh->head, r->pos, memory_order_release);
	wake_peer(r);
	/* The record went to zeros if the ring was truncated since the reserve (or during it). */
	return TRUNCATED(r) ? -1 : 0;
}

int lipc_ring_push(struct lipc_ring *r, const void *data, size_t len, int timeout_ms)
{
	MODE_CALL(r, LIPC_SEND, -1, push(r, data, len, timeout_ms));
	void *p = lipc_ring_reserve(r, len, timeout_ms);

	if (!p)
		return -1;
	memcpy(p, data, len);
	return lipc_ring_commit(r);
}

/*
 * push_many: one record of len bytes (from data) at our position, need bytes in all (with the
 * wrap marker's skip), published as commit publishes, but not counted in head.
 */
static void put_record(struct lipc_ring *r, uint64_t need, const void *data, uint32_t len)
{
	uint64_t at = r->pos + need - record_size(len);
	struct rec_hdr *h = rec_at(r, at);

	atomic_store_explicit(&h->len, len, memory_order_relaxed);
	if (len)
		memcpy((unsigned char *)h + REC_HDR, data, len);
	/* The record, then its marker: as in lipc_ring_commit(). */
	clear_next(r, r->pos + need);
	atomic_store_explicit(&h->seq, at + 1, memory_order_release);
	if (at != r->pos) {
		h = rec_at(r, r->pos);
		atomic_store_explicit(&h->len, WRAP, memory_order_relaxed);
		atomic_store_explicit(&h->seq, r->pos + 1, memory_order_release);
	}
	r->pos += need;
}

/* push_many: count records in the ring that head does not count yet: count them, wake. */
static void publish(struct lipc_ring *r, uint64_t *published)
{
	if (r->pos == *published)
		return;
	atomic_store_explicit(&r->sh->head, r->pos, memory_order_release);
	*published = r->pos;
	wake_peer(r);
}

int lipc_ring_push_many(struct lipc_ring *r, const struct iovec *recs, size_t n, int timeout_ms)
{
	MODE_CALL(r, LIPC_SEND, -1, push_many(r, recs, n, timeout_ms));
	struct lipc__deadline d;
	uint64_t published = r->pos;
	bool started = false;
	size_t i;

	if (enter(r, LIPC_SEND) < 0)
		return -1;
	if (r->held) {
		errno = EINVAL;
		return -1;
	}
	if (n > INT_MAX)
		n = INT_MAX; /* the count must fit the return value */
	for (i = 0; i < n; i++) {
		size_t len = recs[i].iov_len;
		uint64_t rec, idx, need;

		if (len > r->max_record) {
			errno = EMSGSIZE;
			break;
		}
		rec = record_size(len);
		idx = r->pos & r->mask;
		need = idx + rec > r->cap ? r->cap - idx + rec : rec;
		if (r->cap - (r->pos - r->peer) < need) {
			int ret = 0;

			/*
			 * Full, as far as our copy of tail says: publish before we look again.
			 * The consumer can only free room it knows we filled, and a batch larger
			 * than the ring must not let the consumer, which follows the records'
			 * seqs, get more than a capacity ahead of head (read_peer() refuses
			 * that as corrupt).
			 */
			publish(r, &published);
			while (r->cap - (r->pos - r->peer) < need) {
				if ((ret = read_peer(r)) < 0)
					break;
				if (r->cap - (r->pos - r->peer) >= need)
					break;
				if (!started) {
					lipc__deadline_start(&d, timeout_ms);
					started = true;
				}
				if ((ret = wait_peer(r, &d, timeout_ms)) < 0)
					break;
			}
			if (ret < 0)
				break;
		}
		put_record(r, need, recs[i].iov_base, (uint32_t)len);
	}
	publish(r, &published);
	/* The records went to zeros if the ring was truncated meanwhile. */
	if (TRUNCATED(r))
		return -1;
	if (i == 0 && n)
		return -1; /* errno from the first record's failure */
	return (int)i;
}

/*
 * Consumer: the record at position at, which its seq says is ready (a wrap marker leads to the
 * record at offset 0). Everything in it comes from the producer: each field is read once (the
 * acquire of the header's seq orders the relaxed loads), then checked, so no compiler may
 * fetch it again between the check and the use. Returns 0 with its bytes in the ring (the
 * marker's skip with the record) and its length, or -1 (EBADMSG) for a corrupt record.
 */
int lipc__ring_take_record(struct lipc_ring *r, uint64_t at, uint64_t *size, uint32_t *len)
{
	uint64_t idx = at & r->mask, skip = 0, rec;
	uint32_t n = atomic_load_explicit(&rec_at(r, at)->len, memory_order_relaxed);

	if (n == WRAP) {
		skip = r->cap - idx;
		/* The record follows its marker at offset 0, and was published first. */
		if (atomic_load_explicit(&rec_at(r, at + skip)->seq, memory_order_acquire) !=
		    at + skip + 1)
			return corrupt(r, EBADMSG);
		idx = 0;
		n = atomic_load_explicit(&rec_at(r, at + skip)->len, memory_order_relaxed);
	}
	if (n > r->max_record)
		return corrupt(r, EBADMSG);
	rec = record_size(n);
	/*
	 * Within the data, and, with those held, within one capacity of our position: a producer
	 * never writes more than the ring holds, and held bytes become the tail we publish.
	 */
	if (idx + rec > r->cap || r->held + skip + rec > r->cap)
		return corrupt(r, EBADMSG);
	*size = skip + rec;
	*len = n;
	return 0;
}

/* Consumer: hold the record at the cursor, of size bytes in the ring and len bytes. */
static void hold_record(struct lipc_ring *r, uint64_t size, uint32_t len, const void **data)
{
	r->held += size;
	r->held_len = len;
	r->held_n++;
	r->consumed = true;
	*data = r->data + ((r->pos + r->held - record_size(len)) & r->mask) + REC_HDR;
}

/*
 * Consumer: wait for the record at the cursor (after those held). Returns 1 when it is ready, 0
 * at the end of the stream, -1 with errno.
 */
static int wait_record(struct lipc_ring *r, int timeout_ms)
{
	struct lipc__deadline d;
	bool started = false;

	while (!record_ready(r)) {
		int ret;

		if (read_peer(r) < 0)
			return -1;
		if (head_past(r)) {
			/* head is stored after the record: past us, the record must be ready. */
			if (record_ready(r))
				break;
			return corrupt(r, EBADMSG);
		}
		/* The clock is read only before a wait: most calls find their record at once. */
		if (!started) {
			lipc__deadline_start(&d, timeout_ms);
			started = true;
		}
		ret = wait_peer(r, &d, timeout_ms);
		if (ret <= 0)
			return ret;
	}
	return 1;
}

/* lipc_ring_peek(), without its last test for a truncation: lipc_ring_pop() has it later. */
static int peek_record(struct lipc_ring *r, const void **data, size_t *len, int timeout_ms)
{
	uint64_t size;
	uint32_t n;
	int ret;

	if (enter(r, LIPC_RECV) < 0)
		return -1;
	if (r->held) {
		/* The same record again, the last one of a batch. */
		*data = r->data + ((r->pos + r->held - record_size(r->held_len)) & r->mask) +
			REC_HDR;
		*len = r->held_len;
		return 1;
	}
	ret = wait_record(r, timeout_ms);
	if (ret <= 0)
		return ret;
	if (lipc__ring_take_record(r, r->pos, &size, &n) < 0)
		return -1;
	hold_record(r, size, n, data);
	*len = n;
	return 1;
}

/*
 * After every consumer call, once the doorbell exists: keep it readable exactly while the next
 * call would not wait (bell_update()). One predictable branch without a doorbell; with one,
 * while records keep coming (rung, not armed, the next record ready: nothing to change), one
 * load of the line the next call reads anyway.
 */
#define BELL(r)                                                                                    \
	do {                                                                                       \
		if (__builtin_expect((r)->bell_ep >= 0, 0) &&                                      \
		    !((r)->rung && !(r)->armed && record_ready(r)))                                \
			bell_update(r);                                                            \
	} while (0)

int lipc_ring_peek(struct lipc_ring *r, const void **data, size_t *len, int timeout_ms)
{
	MODE_RECV(r, peek(r, data, len, timeout_ms));
	int ret = peek_record(r, data, len, timeout_ms);

	/* A header read from the zeros of a truncation would be an empty record: not one. */
	if (ret > 0 && TRUNCATED(r))
		ret = -1;
	BELL(r);
	return ret;
}

static int peek_many(struct lipc_ring *r, struct iovec *recs, size_t n, int timeout_ms)
{
	size_t got = 0;
	int ret;

	/* An error met after the records of the last call is this call's. */
	if (enter(r, LIPC_RECV) < 0)
		return -1;
	if (n == 0) {
		errno = EINVAL; /* 0 would read as the end of the stream */
		return -1;
	}
	if (n > INT_MAX)
		n = INT_MAX;
	ret = wait_record(r, timeout_ms);
	if (ret <= 0)
		return ret;
	/*
	 * The first record, then those already ready, looked at through their own seq: no read
	 * of head, no system call. One that fails its checks ends the batch, and corrupt() keeps
	 * its error for the next call.
	 */
	do {
		const void *data;
		uint64_t size;
		uint32_t len;

		if (lipc__ring_take_record(r, r->pos + r->held, &size, &len) < 0)
			break;
		hold_record(r, size, len, &data);
		recs[got].iov_base = (void *)(uintptr_t)data;
		recs[got].iov_len = len;
		got++;
	} while (got < n && record_ready(r));
	/* Records read from the zeros of a truncation are not records. */
	if (TRUNCATED(r))
		return -1;
	return got ? (int)got : -1;
}

int lipc_ring_peek_many(struct lipc_ring *r, struct iovec *recs, size_t n, int timeout_ms)
{
	MODE_RECV(r, peek_many(r, recs, n, timeout_ms));
	int ret = peek_many(r, recs, n, timeout_ms);

	BELL(r);
	return ret;
}

static int release(struct lipc_ring *r)
{
	if (r->role != LIPC_RECV || !r->held) {
		errno = r->role != LIPC_RECV ? EBADF : EINVAL;
		return -1;
	}
	/* Every record held, at once: one store of tail, one wake-up. */
	r->pos += r->held;
	r->held = 0;
	r->held_n = 0;
	/* Pairs with the producer's acquire load of tail: we are done reading the records. */
	atomic_store_explicit(&r->sh->tail, r->pos, memory_order_release);
	wake_peer(r);
	/* A record read may have been zeros if the ring was truncated since the peek. */
	return TRUNCATED(r) ? -1 : 0;
}

int lipc_ring_release(struct lipc_ring *r)
{
	MODE_RECV(r, release(r));
	int ret = release(r);

	BELL(r);
	return ret;
}

static int pop(struct lipc_ring *r, void *buf, size_t size, size_t *len, int timeout_ms)
{
	const void *p;
	int ret;

	/* A copy and a release of one record: not of a batch held. */
	if (r->role == LIPC_RECV && r->held_n > 1) {
		errno = EINVAL;
		return -1;
	}
	ret = peek_record(r, &p, len, timeout_ms);
	if (ret <= 0)
		return ret;
	if (*len > size) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(buf, p, *len);
	return release(r) < 0 ? -1 : 1;
}

int lipc_ring_pop(struct lipc_ring *r, void *buf, size_t size, size_t *len, int timeout_ms)
{
	MODE_RECV(r, pop(r, buf, size, len, timeout_ms));
	int ret = pop(r, buf, size, len, timeout_ms);

	BELL(r);
	return ret;
}

/*
 * The doorbell's address for a token: an abstract name, always under "lipc/bell/", whatever the
 * token (the header is untrusted: a token only ever picks one name of ours). Returns its length.
 */
static socklen_t bell_address(struct sockaddr_un *a, uint64_t token)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "lipc/bell/%016" PRIx64, token);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/*
 * Producer: take the bell armed at flag (one arming, one datagram) and ring the consumer named by
 * token. A consumer that is gone, a full socket (EAGAIN: rung already) or another network
 * namespace: nothing to do.
 */
void lipc__ring_bell_take(struct lipc_ring *r, _Atomic uint32_t *flag, _Atomic uint64_t *name)
{
	struct sockaddr_un a;
	socklen_t alen;
	uint64_t token;
	int err = errno;

	/* Acquire: pairs with the consumer's seq_cst store that armed it, after the token. */
	if (!atomic_exchange_explicit(flag, 0, memory_order_acquire))
		return;
	token = atomic_load_explicit(name, memory_order_relaxed);
	if (r->bell_sock < 0)
		r->bell_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->bell_sock >= 0) {
		alen = bell_address(&a, token);
		(void)sendto(r->bell_sock, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL,
			     (const struct sockaddr *)&a, alen);
	}
	errno = err;
}

static void bell_take(struct lipc_ring *r)
{
	lipc__ring_bell_take(r, &r->sh->consumer_bell, &r->sh->bell_token);
}

/* The word a consumer's bell is armed in: the header's, or its mode's (a publish slot's). */
static _Atomic uint32_t *bell_flag(const struct lipc_ring *r)
{
	return r->ops ? r->ops->bell_flag(r) : &r->sh->consumer_bell;
}

/*
 * Would a receive report the producer's end or death now? Its lock is tested only with
 * test_lock (a system call). peer_gone() without its side effects; a publish consumer's too.
 */
bool lipc__ring_producer_due(struct lipc_ring *r, bool test_lock)
{
	struct ring_shared *sh = r->sh;
	uint32_t gen = atomic_load_explicit(&sh->producer_gen, memory_order_seq_cst);
	uint32_t seen = r->consumed ? gen : r->seen_gen;

	if (gen == 0 || (r->ended && gen == r->ended_gen) || (gen == r->base_gen && gen != seen))
		return false;
	if (atomic_load_explicit(&sh->producer_closed, memory_order_seq_cst))
		return true;
	return test_lock && peer_attached(r) != 1;
}

/*
 * Consumer, changing nothing: would the next peek (after the records held) return without
 * waiting? A record, the end of the stream, a dead producer or an error: peer_gone() and
 * read_peer() without their side effects. The producer's lock is only tested with test_lock (a
 * system call).
 */
static bool bell_due(struct lipc_ring *r, bool test_lock, bool *watch)
{
	uint64_t at = r->pos + r->held, head;

	*watch = false;
	if (r->error || guard_failed(r) < 0)
		return true;
	if (r->ops)
		return r->ops->due(r, test_lock, watch);
	if (record_ready(r))
		return true;
	/* seq_cst: after the consumer's barrier in bell_quiet(), as in wait_peer(). */
	head = atomic_load_explicit(&r->sh->head, memory_order_seq_cst);
	/* Past us: the record (it was just published), or EBADMSG. Too far either way: EPROTO. */
	if (head - at - 1 < r->cap || (head - r->pos > r->cap && r->pos - head > r->cap))
		return true;
	return lipc__ring_producer_due(r, test_lock);
}

/* Consumer: a byte to our own socket, which is now readable. EAGAIN: it was full already. */
static void bell_self(struct lipc_ring *r)
{
	struct sockaddr_un a;
	socklen_t alen = bell_address(&a, r->token);

	(void)sendto(r->bell_sock, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&a,
		     alen);
	r->rung = true;
}

/* Consumer, with something due: make sure a byte is queued, once. */
static void bell_keep_rung(struct lipc_ring *r)
{
	if (r->armed) {
		r->armed = false;
		/* Taken by the producer: its datagram is on the way, and costs us nothing. */
		if (!atomic_exchange_explicit(bell_flag(r), 0, memory_order_relaxed)) {
			r->rung = true;
			return;
		}
	}
	if (!r->rung)
		bell_self(r);
}

static void bell_unwatch(struct lipc_ring *r)
{
	if (r->bell_pidfd < 0)
		return;
	epoll_ctl(r->bell_ep, EPOLL_CTL_DEL, r->bell_pidfd, NULL);
	close(r->bell_pidfd);
	r->bell_pidfd = -1;
}

static bool readable_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

/*
 * Consumer: watch the current producer's death through a pidfd in the set (see The doorbell).
 * The pid comes from the header, so it is believed only as far as the kernel vouches: opened,
 * then the generation unchanged, the producer's lock still held and the process alive, so that
 * a pid recycled since the producer died (which leaves its lock free) is not watched. A pid that
 * names another live process (a hostile producer, another pid namespace) costs a spurious or a
 * missed wake-up, no more: liveness is decided by the lock, at the next receive.
 */
static void bell_watch(struct lipc_ring *r)
{
	struct epoll_event ev = { .events = EPOLLIN };
	uint32_t gen = atomic_load_explicit(&r->sh->producer_gen, memory_order_acquire);
	int32_t pid;
	int pfd;

	/* Many producers: the mode watches them by the clock (bell_timer()). */
	if (r->mode == LIPC_RING_MANY_WRITERS || (r->bell_pidfd >= 0 && r->pid_gen == gen))
		return;
	bell_unwatch(r);
	if (gen == 0 || (r->ended && gen == r->ended_gen) ||
	    atomic_load_explicit(&r->sh->producer_closed, memory_order_acquire))
		return;
	pid = atomic_load_explicit(&r->sh->producer_pid, memory_order_relaxed);
	if (pid <= 0)
		return;
	pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pfd < 0)
		return; /* gone (ESRCH), or no pidfds here: the lock test of bell_due() decides */
	/* pidfd_open() gives no O_CLOEXEC flag: a pidfd is born close-on-exec. */
	ev.data.fd = pfd;
	if (atomic_load_explicit(&r->sh->producer_gen, memory_order_acquire) != gen ||
	    peer_attached(r) != 1 || readable_now(pfd) ||
	    epoll_ctl(r->bell_ep, EPOLL_CTL_ADD, pfd, &ev) < 0) {
		close(pfd);
		return;
	}
	r->bell_pidfd = pfd;
	r->pid_gen = gen;
}

/*
 * Consumer: a one-shot timer in the set, which makes the descriptor readable once, ms from now.
 * Without the global barrier, while the producer skips its fence (see Waking), an arming can be
 * missed by a record published at the same moment: shortly after (LIGHT_FALLBACK_MS), the
 * program receives, finds the ring as it is, and the arming, visible everywhere by then, holds
 * (one spurious wake-up an arming). And where no ring and no pidfd tells a producer's death (a
 * multi-producer ring: *watch in the mode's due()), at the check interval, backing off as a
 * sleeper's does: the look after it tests the locks.
 */
static void bell_timer(struct lipc_ring *r, int ms)
{
	struct itimerspec its = { .it_value.tv_sec = ms / 1000,
				  .it_value.tv_nsec = ms % 1000 * 1000000L };
	struct epoll_event ev = { .events = EPOLLIN };

	if (r->bell_timer < 0) {
		r->bell_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (r->bell_timer < 0)
			return;
		ev.data.fd = r->bell_timer;
		if (epoll_ctl(r->bell_ep, EPOLL_CTL_ADD, r->bell_timer, &ev) < 0) {
			close(r->bell_timer);
			r->bell_timer = -1;
			return;
		}
	}
	timerfd_settime(r->bell_timer, 0, &its, NULL);
}

/*
 * Consumer, nothing due: empty what is readable in the set (bytes, ours, the producer's or a
 * stranger's; a watched process that died; the timer), arm the bell unless it still is, watch
 * the producer, and look once more: Dekker's pattern again, our store of consumer_bell, the
 * barrier, our look at the ring; the producer's store, its (compiler) barrier, its look at
 * consumer_bell (wake_peer()).
 */
static void bell_quiet(struct lipc_ring *r)
{
	_Atomic uint32_t *flag = bell_flag(r);
	struct epoll_event ev[4];
	bool brief = false, ticked = false, watch;
	char buf[64];
	int n;

	n = epoll_wait(r->bell_ep, ev, 4, 0);
	for (int i = 0; i < n; i++) {
		if (ev[i].data.fd == r->bell_sock) {
			/* Bounded: a stranger's flood costs spurious wake-ups, not a loop. */
			for (int k = 0; k < 64; k++)
				if (recv(r->bell_sock, buf, sizeof(buf), MSG_DONTWAIT) < 0 &&
				    errno != EINTR)
					break;
		} else if (ev[i].data.fd == r->bell_timer) {
			uint64_t ticks;

			(void)!read(r->bell_timer, &ticks, sizeof(ticks));
			ticked = true;
		} else if (ev[i].data.fd == r->bell_pidfd) {
			/* Died, and nothing is due: ended, or not the producer after all. */
			bell_unwatch(r);
		}
	}
	r->rung = false;
	/*
	 * A mode's bell is armed again at each quiet call: a multi-producer ring's arming names
	 * our cursor, which moves, and a publish producer killed between taking our bit and our
	 * flag leaves the flag up with no bit to find it by.
	 */
	if (!r->armed || !atomic_load_explicit(flag, memory_order_relaxed) || r->ops) {
		/* Written at every arming: a token a peer scribbled over is ours again. */
		if (r->ops) {
			r->ops->arm(r);
		} else {
			atomic_store_explicit(&r->sh->bell_token, r->token, memory_order_relaxed);
			atomic_store_explicit(flag, 1, memory_order_seq_cst);
		}
		atomic_thread_fence(memory_order_seq_cst);
		if (!tuning.heavy || membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) < 0)
			brief = atomic_load_explicit(&r->sh->producer_light, memory_order_relaxed);
		r->armed = true;
	}
	bell_watch(r);
	/*
	 * A producer watched tells its death itself: its lock is asked only when it is not, or,
	 * where a mode watches by the clock, when the check interval has passed.
	 */
	if (ticked)
		r->check_ms = r->check_ms > CHECK_MAX_MS / 2 ? CHECK_MAX_MS : r->check_ms * 2;
	if (bell_due(r, r->mode == LIPC_RING_MANY_WRITERS ? ticked : r->bell_pidfd < 0, &watch)) {
		bell_keep_rung(r);
	} else if (brief || watch) {
		bell_timer(r, brief ? LIGHT_FALLBACK_MS : r->check_ms);
	} else if (r->bell_timer >= 0) {
		bell_timer(r, 0); /* nothing to look at again: disarmed */
	}
}

static void bell_update(struct lipc_ring *r)
{
	int err = errno;
	bool watch;

	if (bell_due(r, false, &watch)) {
		r->check_ms = r->check_first_ms;
		bell_keep_rung(r);
	} else {
		bell_quiet(r);
	}
	errno = err;
}

int lipc_ring_fd(struct lipc_ring *r)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_un a;
	int sock, ep, tries = 0;

	if (r->role != LIPC_RECV) {
		errno = EBADF;
		return -1;
	}
	if (r->bell_ep >= 0)
		return r->bell_ep;
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -1;
	/*
	 * Bound under a fresh random name before the name is in the header: nobody can have taken
	 * it in advance. EADDRINUSE would be a collision of 64 random bits: another draw.
	 */
	for (;;) {
		if (getrandom(&r->token, sizeof(r->token), 0) != (ssize_t)sizeof(r->token)) {
			if (errno == EINTR)
				continue;
			goto out_close_sock;
		}
		if (bind(sock, (const struct sockaddr *)&a, bell_address(&a, r->token)) == 0)
			break;
		if (errno != EADDRINUSE || ++tries == 4)
			goto out_close_sock;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		goto out_close_sock;
	ev.data.fd = sock;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev) < 0)
		goto out_close_ep;
	r->bell_sock = sock;
	r->bell_ep = ep;
	bell_update(r);
	return ep;

out_close_ep:
	lipc__close(ep);
out_close_sock:
	lipc__close(sock);
	return -1;
}

/* At close: the descriptors, and an arming nobody will answer (the producer would ring nobody). */
static void bell_close(struct lipc_ring *r)
{
	/*
	 * A forked child that closes its inherited copy of the consumer must leave the bell armed:
	 * the parent, still asleep in poll(), would otherwise never be rung again.
	 */
	if (r->armed && r->sh && r->pid == getpid())
		atomic_store_explicit(bell_flag(r), 0, memory_order_relaxed);
	bell_unwatch(r);
	if (r->bell_timer >= 0)
		close(r->bell_timer);
	if (r->bell_sock >= 0)
		close(r->bell_sock);
	if (r->bell_ep >= 0)
		close(r->bell_ep);
}

size_t lipc_ring_max_record(const struct lipc_ring *r)
{
	return (size_t)r->max_record;
}

/* Open /dev/shm/NAME the way shm_open does, without following a link planted there. */
static int shm_path(char *buf, size_t size, const char *name)
{
	if (lipc__check_name(name) < 0)
		return -1;
	snprintf(buf, size, "/dev/shm%s", name);
	return 0;
}

/* A mode without the read bits of the group and others when they may not write. */
static mode_t readable_by_writers(mode_t mode)
{
	if (!(mode & S_IWGRP))
		mode &= ~(mode_t)S_IRGRP;
	if (!(mode & S_IWOTH))
		mode &= ~(mode_t)S_IROTH;
	return mode;
}

/*
 * Create the ring fully before it has a name: an unnamed file (O_TMPFILE) is sized, its pages
 * reserved and its header written, then linked under the name. Whoever opens the name finds a
 * whole ring, never a half-made one; if two processes create at once, one link wins and the
 * other opens the winner's ring.
 */
static uint32_t data_offset_of(uint32_t ring_mode)
{
	return ring_mode == LIPC_RING_POINT ? DATA_OFFSET : SLOTS_END;
}

static int create(const char *path, uint64_t cap, mode_t mode, uint32_t ring_mode, bool *created)
{
	uint32_t offset = data_offset_of(ring_mode);
	struct ring_shared *sh;
	struct stat st;
	char proc[64];
	int fd, err;

	fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, mode ? mode : 0600);
	if (fd < 0)
		return -1;
	/*
	 * No read access without write access: a class that may only read could take read locks
	 * that block attaching (lock_role), and could not attach itself anyway (both roles write).
	 * Done on the mode the umask left, before the ring has a name.
	 */
	if (fstat(fd, &st) < 0 || fchmod(fd, readable_by_writers(st.st_mode & 07777)) < 0)
		goto out_close;
	err = posix_fallocate(fd, 0, (off_t)(offset + cap));
	if (err) {
		errno = err;
		goto out_close;
	}
	sh = mmap(NULL, DATA_OFFSET, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (sh == MAP_FAILED)
		goto out_close;
	/* Relaxed: nobody else can see the file before it is linked. */
	atomic_store_explicit(&sh->version, RING_VERSION, memory_order_relaxed);
	atomic_store_explicit(&sh->data_offset, offset, memory_order_relaxed);
	atomic_store_explicit(&sh->mode, ring_mode, memory_order_relaxed);
	atomic_store_explicit(&sh->slots, ring_mode == LIPC_RING_POINT ? 0 : LIPC_RING_SLOTS,
			      memory_order_relaxed);
	atomic_store_explicit(&sh->capacity, cap, memory_order_relaxed);
	atomic_store_explicit(&sh->max_record, cap / 2 - REC_HDR, memory_order_relaxed);
	atomic_store_explicit(&sh->magic, RING_MAGIC, memory_order_relaxed);
	munmap(sh, DATA_OFFSET);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0) {
		if (errno != EEXIST)
			goto out_close;
		close(fd);
		/* Another creator won: its ring is joined, as any ring that is there already. */
		return open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	}
	*created = true;
	return fd;

out_close:
	lipc__close(fd);
	return -1;
}

static int round_capacity(size_t want, uint64_t *cap)
{
	uint64_t c = CAPACITY_MIN;

	if (want == 0)
		want = LIPC_RING_CAPACITY_DEFAULT;
	if (want > CAPACITY_MAX) {
		errno = EINVAL;
		return -1;
	}
	while (c < want)
		c <<= 1;
	*cap = c;
	return 0;
}

/*
 * The rings this process has mapped. Handles of one process on the same ring share one mapping:
 * a producer thread and a consumer thread then touch the same addresses, which is also what lets
 * ThreadSanitizer relate them, and a process never maps one ring twice.
 */
struct mapping {
	dev_t dev;
	ino_t ino;
	size_t size;
	bool guarded; /* a guarded handle never shares an unguarded mapping, nor the reverse */
	void *base;
	struct guard *guard;
	int refs;
	struct mapping *next;
};

static pthread_mutex_t mappings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *mappings;

/*
 * Map the object, with one page more than it reserved and left inaccessible: should a check
 * ever miss, an overrun faults at once instead of reading a neighbouring mapping. A guarded
 * mapping is in the guard's list before anything reads it; *guard is its slot.
 */
/*
 * The descriptor to map the object through: a description of its own, opened again through
 * /proc/self/fd, never the attaching handle's. A mapping holds its file description for as long
 * as it lasts, and one mapping serves every handle of this process on the ring (mappings, above);
 * mapped through the first handle's description, it would keep that handle's lifetime lock (an
 * OFD lock lives as long as its description) after the handle closed, and a producer closed
 * while this process's consumer stays would leave its role taken (EBUSY) for good. The fresh
 * description is closed again once mapped (the mapping keeps it, lockless). Without /proc,
 * the handle's own, as before.
 */
static int map_fd_of(int fd, int *fresh)
{
	char proc[32];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	*fresh = open(proc, O_RDWR | O_CLOEXEC);
	return *fresh >= 0 ? *fresh : fd;
}

static void *map_object(int fd, const struct stat *st, bool guarded, size_t *map_size,
			struct guard **guard)
{
	struct mapping *m;
	void *base = NULL, *mapped;
	int fresh;

	*map_size = (size_t)st->st_size + DATA_OFFSET;
	*guard = NULL;
	pthread_mutex_lock(&mappings_lock);
	for (m = mappings; m; m = m->next) {
		/* A truncated one is zeros now, whatever the file holds again. */
		if (m->dev == st->st_dev && m->ino == st->st_ino && m->size == *map_size &&
		    m->guarded == guarded &&
		    !(m->guard &&
		      atomic_load_explicit(&m->guard->truncated, memory_order_relaxed))) {
			m->refs++;
			base = m->base;
			*guard = m->guard;
			goto out_unlock;
		}
	}
	m = malloc(sizeof(*m));
	if (!m)
		goto out_unlock;
	base = mmap(NULL, *map_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		goto out_free;
	if (guarded) {
		*guard = guard_slot(base, (size_t)st->st_size);
		if (!*guard)
			goto out_unmap;
	}
	mapped = mmap(base, (size_t)st->st_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		      map_fd_of(fd, &fresh), 0);
	if (fresh >= 0)
		lipc__close(fresh);
	if (mapped == MAP_FAILED)
		goto out_unguard;
	*m = (struct mapping){ .dev = st->st_dev,
			       .ino = st->st_ino,
			       .size = *map_size,
			       .guarded = guarded,
			       .base = base,
			       .guard = *guard,
			       .refs = 1,
			       .next = mappings };
	mappings = m;
	goto out_unlock;

out_unguard:
	if (*guard)
		atomic_store_explicit(&(*guard)->start, 0, memory_order_release);
	*guard = NULL;
out_unmap:
	munmap(base, *map_size);
out_free:
	free(m);
	base = NULL;
out_unlock:
	pthread_mutex_unlock(&mappings_lock);
	return base;
}

static void unmap_object(void *base)
{
	struct mapping **p, *m;

	pthread_mutex_lock(&mappings_lock);
	for (p = &mappings; (m = *p); p = &m->next) {
		if (m->base == base) {
			if (--m->refs == 0) {
				*p = m->next;
				/* Out of the guard's list first: the pages may serve another. */
				if (m->guard)
					atomic_store_explicit(&m->guard->start, 0,
							      memory_order_release);
				munmap(m->base, m->size);
				free(m);
			}
			break;
		}
	}
	pthread_mutex_unlock(&mappings_lock);
}

/* Could a file of this type and size be a ring? (Its header says the rest.) */
static bool ring_sized(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_size >= (off_t)DATA_OFFSET + (off_t)CAPACITY_MIN &&
	       st->st_size <= (off_t)(SLOTS_END + CAPACITY_MAX);
}

/* The static header of a ring of this version, consistent with the object's size. */
static bool header_valid(const struct ring_static *hdr, const struct stat *st)
{
	return hdr->magic == RING_MAGIC && hdr->version == RING_VERSION &&
	       hdr->mode <= LIPC_RING_FANOUT_LOSSY &&
	       hdr->slots == (hdr->mode == LIPC_RING_POINT ? 0 : LIPC_RING_SLOTS) &&
	       hdr->data_offset == data_offset_of(hdr->mode) && hdr->capacity >= CAPACITY_MIN &&
	       hdr->capacity <= CAPACITY_MAX && !(hdr->capacity & (hdr->capacity - 1)) &&
	       hdr->max_record == hdr->capacity / 2 - REC_HDR &&
	       (uint64_t)st->st_size == hdr->data_offset + hdr->capacity;
}

/*
 * Each field once, into our copy, which alone is checked and used: a memcpy() from the mapping
 * would let the compiler read a field from the mapping again after the check.
 */
static void read_static(const struct ring_shared *sh, struct ring_static *hdr)
{
	hdr->magic = atomic_load_explicit(&sh->magic, memory_order_relaxed);
	hdr->version = atomic_load_explicit(&sh->version, memory_order_relaxed);
	hdr->data_offset = atomic_load_explicit(&sh->data_offset, memory_order_relaxed);
	hdr->capacity = atomic_load_explicit(&sh->capacity, memory_order_relaxed);
	hdr->max_record = atomic_load_explicit(&sh->max_record, memory_order_relaxed);
	hdr->mode = atomic_load_explicit(&sh->mode, memory_order_relaxed);
	hdr->slots = atomic_load_explicit(&sh->slots, memory_order_relaxed);
}

/*
 * The join policy (lipc/chan.h), for a ring that was there already: its owner is this user or
 * root, or the one the caller trusts (lipc_ring_join), and nobody else may write it unless the
 * caller trusts an owner (the ring is then guarded). The group and other write bits say who else
 * may: an ACL that lets a named user or group write shows in the group bits, its mask.
 */
static int may_join(const struct stat *st, const struct lipc__trust *trust)
{
	if (lipc__check_owner(st->st_uid, st->st_mode, trust) < 0)
		return -1;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !trust->given)
		return lipc__fail_why(EPERM,
				      "owned by uid %u (mode %04o), but others may write it: not "
				      "joined",
				      (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
	return 0;
}

/* Does the ring need the guard: may anyone but this user and root write it (truncate it)? */
static bool needs_guard(const struct stat *st)
{
	return (st->st_uid != geteuid() && st->st_uid != 0) || (st->st_mode & (S_IWGRP | S_IWOTH));
}

/*
 * Check the ring against the join policy (trust NULL: we created it), map it and check its
 * header; the peer's positions are checked as they are used.
 */
static int attach(struct lipc_ring *r, const struct lipc__trust *trust)
{
	struct ring_static hdr;
	struct stat st;

	if (fstat(r->fd, &st) < 0)
		return -1;
	if (trust && may_join(&st, trust) < 0)
		return -1;
	if (!ring_sized(&st)) {
		errno = EPROTO;
		return -1;
	}
	r->sh = map_object(r->fd, &st, needs_guard(&st), &r->map_size, &r->guard);
	if (!r->sh)
		return -1;
	r->careful = r->guard != NULL;
	read_static(r->sh, &hdr);
	if (!header_valid(&hdr, &st)) {
		if (guard_failed(r) == 0)
			errno = EPROTO;
		return -1;
	}
	r->cap = hdr.capacity;
	r->mask = hdr.capacity - 1;
	r->max_record = hdr.max_record;
	r->data = (unsigned char *)r->sh + hdr.data_offset;
	r->mode = (enum lipc_ring_mode)hdr.mode;
	r->ops = hdr.mode == LIPC_RING_MANY_WRITERS ? &lipc__ring_multi_ops
		 : hdr.mode == LIPC_RING_POINT	    ? NULL
						    : &lipc__ring_pub_ops;
	return 0;
}

/*
 * Take our role's lock byte for as long as we are attached. A read lock blocks it as well as a
 * peer's write lock does, and anyone who may read the object can take one: a ring made here
 * gives nobody read access without write access (create()), but one made elsewhere may.
 */
int lipc__ring_lock_byte(struct lipc_ring *r, off_t off)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = off,
		.l_len = 1,
	};
	struct stat st;

	if (fcntl(r->fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return -1;
	fl.l_type = F_RDLCK; /* only a write lock conflicts: is it a producer or consumer's? */
	if (fcntl(r->fd, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_UNLCK && fstat(r->fd, &st) == 0)
		return lipc__fail_why(
			EBUSY,
			"a read lock on the ring blocks attaching, not a %s (mode %04o "
			"lets others read it)",
			r->role == LIPC_SEND ? "producer" : "consumer",
			(unsigned)(st.st_mode & 07777));
	errno = EBUSY;
	return -1;
}

static int lock_role(struct lipc_ring *r)
{
	return lipc__ring_lock_byte(r, r->role == LIPC_SEND ? LOCK_PRODUCER : LOCK_CONSUMER);
}

int lipc__ring_take_slot(struct lipc_ring *r)
{
	for (unsigned i = 0; i < LIPC_RING_SLOTS; i++) {
		if (lipc__ring_lock_byte(r, SLOT_LOCK(i)) == 0)
			return (int)i;
		if (errno != EBUSY)
			return -1;
	}
	return lipc__fail_why(EBUSY, "all %d %s slots of the ring are taken", LIPC_RING_SLOTS,
			      r->role == LIPC_SEND ? "producer" : "consumer");
}

/*
 * A new producer, before it writes: a producer killed inside lipc_ring_commit() or
 * lipc_ring_push_many() may have published records (the seq of each record, then of its wrap
 * marker) without storing head: one record, or a batch. The consumer reads such records, so we
 * start after them, taking every record ready in order (each seq names its own position, so
 * stale ones of an earlier lap end the walk, and the walk never goes round more than once). One
 * killed between the two seqs of a wrapped record left that record ready at the next offset 0,
 * where the consumer would take it for ours: it is made stale. Only the producer writes there,
 * and only the last record can be caught this way, since records are published in order.
 */
static void adopt_orphan(struct lipc_ring *r)
{
	uint64_t start = r->pos, idx, skip, lap;
	struct rec_hdr *h;
	uint32_t n;

	for (;;) {
		h = rec_at(r, r->pos);
		idx = r->pos & r->mask;
		skip = 0;
		if (atomic_load_explicit(&h->seq, memory_order_acquire) != r->pos + 1)
			break;
		n = atomic_load_explicit(&h->len, memory_order_relaxed);
		if (n == WRAP) {
			skip = r->cap - idx;
			h = rec_at(r, r->pos + skip);
			n = atomic_load_explicit(&h->seq, memory_order_acquire) == r->pos + skip + 1
				    ? atomic_load_explicit(&h->len, memory_order_relaxed)
				    : WRAP;
			idx = 0;
		}
		/* Checked as the consumer checks it; what fails is left for it to refuse. */
		if (n > r->max_record || idx + record_size(n) > r->cap ||
		    r->pos - start + skip + record_size(n) > r->cap)
			break;
		r->pos += skip + record_size(n);
	}
	if (r->pos != start) {
		atomic_store_explicit(&r->sh->head, r->pos, memory_order_release);
		wake_peer(r);
	}
	idx = r->pos & r->mask;
	lap = r->pos - idx + r->cap; /* the position of the next offset 0 */
	h = rec_at(r, lap);
	if (idx && atomic_load_explicit(&h->seq, memory_order_relaxed) == lap + 1)
		atomic_store_explicit(&h->seq, 0, memory_order_relaxed);
}

static const char *mode_name(uint32_t ring_mode)
{
	static const char *const names[] = {
		[LIPC_RING_POINT] = "point to point",
		[LIPC_RING_MANY_WRITERS] = "multi-producer",
		[LIPC_RING_FANOUT] = "publish (lossless)",
		[LIPC_RING_FANOUT_LOSSY] = "publish (lossy)",
	};

	return ring_mode < sizeof(names) / sizeof(names[0]) ? names[ring_mode] : "unknown";
}

/* The mode the flags name (one two-bit field), or -1 when they name none: join any. */
static int flags_mode(int flags)
{
	switch (flags & LIPC_RING_LOSSY) {
	case LIPC_RING_MULTI:
		return LIPC_RING_MANY_WRITERS;
	case LIPC_RING_PUBLISH:
		return LIPC_RING_FANOUT;
	case LIPC_RING_LOSSY:
		return LIPC_RING_FANOUT_LOSSY;
	default:
		return -1;
	}
}

/* lipc_ring_open() and lipc_ring_join(): a ring that is there already is joined if trust says. */
static struct lipc_ring *ring_open(const char *name, enum lipc_role role, int flags,
				   size_t capacity, mode_t mode, const struct lipc__trust *trust)
{
	char path[PATH_MAX];
	struct lipc_ring *r;
	bool created = false;
	uint64_t cap;
	int want_mode = flags_mode(flags);

	if ((role != LIPC_SEND && role != LIPC_RECV) ||
	    (flags & ~(LIPC_CREATE | LIPC_EXCL | LIPC_RING_SPIN | LIPC_RING_LOSSY)) ||
	    ((flags & LIPC_EXCL) && !(flags & LIPC_CREATE))) {
		errno = EINVAL;
		return NULL;
	}
	if (shm_path(path, sizeof(path), name) < 0 || round_capacity(capacity, &cap) < 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->role = role;
	r->spin_only = flags & LIPC_RING_SPIN;
	r->yields = YIELD_START;
	r->check_first_ms = CHECK_FIRST_MS;
	r->check_ms = CHECK_FIRST_MS;
	r->fd = -1;
	r->bell_ep = r->bell_sock = r->bell_pidfd = r->bell_timer = -1;
	errno = ENOENT;
	if (!(flags & LIPC_EXCL))
		r->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (r->fd < 0 && errno == ENOENT && (flags & LIPC_CREATE))
		r->fd = create(path, cap, mode,
			       want_mode < 0 ? LIPC_RING_POINT : (uint32_t)want_mode, &created);
	if (r->fd < 0)
		goto out_free;
	if (!created && (flags & LIPC_EXCL)) {
		errno = EEXIST; /* another creator linked its ring first */
		goto out_close_fd;
	}
	pthread_once(&tune_once, tune);
	r->spin_ns = tuning.spin_ns;
	if (attach(r, created ? NULL : trust) < 0)
		goto out_close;
	if (want_mode >= 0 && (uint32_t)want_mode != r->mode) {
		lipc__fail_why(EPROTO, "the ring there is a %s ring", mode_name(r->mode));
		goto out_close;
	}
	if (r->ops) {
		if (r->ops->attach(r, created) < 0)
			goto out_close;
		r->pid = getpid();
		if (guard_failed(r) < 0) {
			r->ops->detach(r);
			goto out_close;
		}
		return r;
	}
	if (lock_role(r) < 0)
		goto out_close;
	/*
	 * Before our first wake-up can skip its fence, tell sleepers: one that cannot issue the
	 * global barrier then sleeps briefly. Ours alone writes the field while we hold the role.
	 */
	atomic_store_explicit(role == LIPC_SEND ? &r->sh->producer_light : &r->sh->consumer_light,
			      tuning.light, memory_order_seq_cst);
	/*
	 * Where we run, for a peer that waits before we ever do: a side that never waited on this
	 * ring (the producer of a reply ring, say) left its cpu field 0, or its predecessor's, and
	 * a peer on CPU 0 took us for a neighbour and yielded instead of spinning (17 us round
	 * trips across CPUs for 4 KiB instead of 1). wait_peer() keeps it up to date.
	 */
	atomic_store_explicit(role == LIPC_SEND ? &r->sh->producer_cpu : &r->sh->consumer_cpu,
			      sched_getcpu(), memory_order_relaxed);

	/* Start where the last holder of our role stopped, if the position is sane. */
	r->pos = atomic_load_explicit(my_pos(r), memory_order_acquire);
	/*
	 * Records start on 16 bytes. A position that does not (a corrupt or hostile ring) would
	 * put the next record header across the end of the data, where it is read or written
	 * before any length check can help.
	 */
	if (r->pos % REC_HDR) {
		errno = EPROTO;
		goto out_close;
	}
	if (role == LIPC_SEND)
		adopt_orphan(r);
	if (read_peer(r) < 0)
		goto out_close;
	r->pid = getpid();
	/* Count ourselves in; a producer first clears "closed", which was its predecessor's. */
	if (role == LIPC_SEND) {
		atomic_store_explicit(&r->sh->producer_closed, 0, memory_order_seq_cst);
		/* Before we count in: a consumer that sees our generation finds our pid. */
		atomic_store_explicit(&r->sh->producer_pid, (int32_t)getpid(),
				      memory_order_relaxed);
		atomic_fetch_add_explicit(&r->sh->producer_gen, 1, memory_order_seq_cst);
		/*
		 * A consumer waiting in poll() since before we came watches no process: ring once
		 * (a spurious wake-up) so that it watches ours, and learns of our death.
		 */
		if (atomic_load_explicit(&r->sh->consumer_bell, memory_order_relaxed))
			bell_take(r);
	} else {
		atomic_fetch_add_explicit(&r->sh->consumer_gen, 1, memory_order_seq_cst);
		r->base_gen = atomic_load_explicit(&r->sh->producer_gen, memory_order_acquire);
		if (peer_attached(r) == 1)
			r->seen_gen = r->base_gen;
	}
	if (guard_failed(r) < 0)
		goto out_close;
	return r;

out_close:
	bell_close(r); /* a producer may have rung already (adopt_orphan, the attach) */
	if (r->sh)
		unmap_object(r->sh);
out_close_fd:
	lipc__close(r->fd);
out_free:
	free(r);
	return NULL;
}

struct lipc_ring *lipc_ring_open(const char *name, enum lipc_role role, int flags, size_t capacity,
				 mode_t mode)
{
	const struct lipc__trust trust = { .given = false };

	lipc__why_clear();
	return ring_open(name, role, flags, capacity, mode, &trust);
}

struct lipc_ring *lipc_ring_join(const char *name, enum lipc_role role, int flags, size_t capacity,
				 mode_t mode, uid_t owner)
{
	const struct lipc__trust trust = { .given = true, .owner = owner };

	lipc__why_clear();
	if (owner == (uid_t)-1) {
		errno = EINVAL; /* no user: chown(2)'s "leave alone" */
		return NULL;
	}
	return ring_open(name, role, flags, capacity, mode, &trust);
}

int lipc_ring_close(struct lipc_ring *r)
{
	int ret;

	if (!r)
		return 0;
	if (r->ops && r->pid == getpid())
		r->ops->detach(r);
	if (r->role == LIPC_SEND && !r->ops && r->pid == getpid()) {
		/* The consumer's end of stream: it reads what is left, then sees this. */
		atomic_store_explicit(&r->sh->producer_closed, 1, memory_order_seq_cst);
		wake_peer(r);
	}
	bell_close(r);
	unmap_object(r->sh);
	ret = close(r->fd); /* drops the role lock */
	free(r);
	return ret;
}

int lipc_ring_unlink(const char *name)
{
	char path[PATH_MAX];

	if (shm_path(path, sizeof(path), name) < 0)
		return -1;
	return unlink(path);
}

/*
 * Is the lock byte at off held by a side (a write lock, through another open file description)?
 * Asked as for a read lock, so that a reader's read locks never show a side that is not there.
 */
bool lipc__ring_byte_locked(int fd, off_t off)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = off, .l_len = 1 };

	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/* Bytes a consumer at tail has not read of a ring whose head is head, bounded to make sense. */
static size_t unread(uint64_t head, uint64_t tail, uint64_t cap, bool lossy)
{
	/* tail ahead of head: a record was read whose producer died before storing head. */
	if (head - tail <= cap || (lossy && (int64_t)(head - tail) > 0))
		return (size_t)(head - tail);
	return tail - head <= cap ? 0 : SIZE_MAX;
}

/*
 * A look from outside, for listings: read with pread(), never mapped, so an object truncated
 * under us is a short read rather than SIGBUS, and every value is checked as attach() checks it.
 * The positions are read while the sides may move them: a snapshot, bounded to make sense. Fills
 * *st and up to n lags (lipc_ring_lag()); returns how many consumers are attached, or -1.
 */
static int look(const char *name, struct lipc_ring_stat *st, size_t *lag, size_t n)
{
	struct ring_static hdr;
	char path[PATH_MAX];
	struct stat fs;
	uint64_t head, tail;
	unsigned producers = 0, consumers = 0;
	size_t used = 0;
	int fd, ret = -1;

	if (shm_path(path, sizeof(path), name) < 0)
		return -1;
	/* O_NONBLOCK: should a FIFO have been put there, the open must not wait for a writer. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &fs) < 0)
		goto out_close;
	errno = EPROTO;
	if (!ring_sized(&fs) || pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    !header_valid(&hdr, &fs) ||
	    pread(fd, &head, sizeof(head), offsetof(struct ring_shared, head)) != sizeof(head) ||
	    pread(fd, &tail, sizeof(tail), offsetof(struct ring_shared, tail)) != sizeof(tail))
		goto out_close;
	if (hdr.mode == LIPC_RING_FANOUT || hdr.mode == LIPC_RING_FANOUT_LOSSY) {
		/* Each consumer's cursor starts its slot; the ring's use is the slowest one's. */
		producers = lipc__ring_byte_locked(fd, LOCK_PRODUCER);
		for (unsigned i = 0; i < LIPC_RING_SLOTS; i++) {
			uint64_t cursor;
			size_t behind;

			if (!lipc__ring_byte_locked(fd, SLOT_LOCK(i)))
				continue;
			if (pread(fd, &cursor, sizeof(cursor), DATA_OFFSET + (off_t)i * LINE) !=
			    sizeof(cursor))
				goto out_close;
			behind = unread(head, cursor, hdr.capacity,
					hdr.mode == LIPC_RING_FANOUT_LOSSY);
			if (consumers < n)
				lag[consumers] = behind;
			consumers++;
			used = behind > used && behind <= hdr.capacity ? behind : used;
		}
	} else {
		used = unread(head, tail, hdr.capacity, false);
		consumers = lipc__ring_byte_locked(fd, LOCK_CONSUMER);
		if (hdr.mode == LIPC_RING_POINT)
			producers = lipc__ring_byte_locked(fd, LOCK_PRODUCER);
		for (unsigned i = 0; hdr.mode == LIPC_RING_MANY_WRITERS && i < LIPC_RING_SLOTS; i++)
			producers += lipc__ring_byte_locked(fd, SLOT_LOCK(i));
		if (consumers && n)
			lag[0] = used;
	}
	if (st) {
		st->capacity = (size_t)hdr.capacity;
		st->used = used;
		st->producer = producers > 0;
		st->consumer = consumers > 0;
		if (st->struct_size >= LIPC__RING_STAT_1_3) {
			st->mode = (enum lipc_ring_mode)hdr.mode;
			st->producers = producers;
			st->consumers = consumers;
		}
	}
	ret = (int)consumers;
out_close:
	lipc__close(fd);
	return ret;
}

int lipc_ring_stat(const char *name, struct lipc_ring_stat *st)
{
	/* Only the fields its struct_size holds are written: any initialised struct has 1.0's. */
	if (!lipc__abi_size(st, LIPC__RING_STAT_1_0))
		return -1;
	return look(name, st, NULL, 0) < 0 ? -1 : 0;
}

int lipc_ring_lag(const char *name, size_t *lag, size_t n)
{
	if (!lag && n) {
		errno = EINVAL;
		return -1;
	}
	return look(name, NULL, lag, n);
}

uint64_t lipc_ring_lost(const struct lipc_ring *r)
{
	return r && r->role == LIPC_RECV ? r->lost : 0;
}

void lipc__ring_tune(struct lipc_ring *r, long spin_ns, int check_ms)
{
	r->spin_ns = spin_ns < 0 ? tuning.spin_ns : spin_ns;
	r->check_first_ms = check_ms;
	r->check_ms = check_ms;
}

bool lipc__ring_peeked(const struct lipc_ring *r)
{
	return r->role == LIPC_RECV && r->held;
}
