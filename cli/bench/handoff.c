/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the hand-offs: a lock (POSIX, OFD, flock or a robust mutex) passed between the
 * two processes as a three-lock baton, a semaphore posted and awaited, and a bare futex pair,
 * the kernel's sleep and wake-up and nothing else. A counter in shared memory proves that the
 * two processes really took turns: a lock that let both in at once ends the case.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "internal.h" /* lipc__futex_wait(), lipc__futex_wake() */
#include "lipc/lock.h"
#include "lipc/sem.h"
#include "lipc/signal.h"
#include "pair.h"

/* Locks: the three-lock baton. */

struct baton {
	enum bench_lock kind;
	struct lipc_lock l[3];
	struct shared *sh;
	const char *what;
};

static void baton_lock(const struct side *s, struct baton *b, int i)
{
	int r = b->kind == BENCH_LOCK_MUTEX ? lipc_shm_mutex_lock(&b->sh->mx[i].m, -1)
					    : lipc_lock_lock(&b->l[i], -1);

	if (r != 0)
		die(s, "lock %d: %s", i, r > 0 ? "its owner died" : strerror(errno));
}

static void baton_unlock(const struct side *s, struct baton *b, int i)
{
	int r = b->kind == BENCH_LOCK_MUTEX ? lipc_shm_mutex_unlock(&b->sh->mx[i].m)
					    : lipc_lock_unlock(&b->l[i]);

	if (r != 0)
		die(s, "unlock %d: %s", i, strerror(errno));
}

/*
 * A holds L[k%3] and L[(k+1)%3] at its mark k: it lets go of the first and waits for
 * L[(k+2)%3], which B holds until B's own mark k. Every wait is a real hand-off.
 */
static void baton_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct baton *b = ctx;

	baton_unlock(s, b, (int)(k % 3));
	baton_lock(s, b, (int)((k + 2) % 3));
	mark(s, b->sh, 2 * (k + 1), b->what);
}

/* The kind of struct lipc_lock a file baton is made of. */
static enum lipc_lock_kind lock_kind_of(enum bench_lock kind)
{
	return kind == BENCH_LOCK_FLOCK	  ? LIPC_LOCK_FLOCK
	       : kind == BENCH_LOCK_POSIX ? LIPC_LOCK_POSIX
					  : LIPC_LOCK_OFD;
}

static void open_lock_files(const struct side *s, struct baton *b, const struct bench_objects *o)
{
	for (int i = 0; i < 3; i++) {
		const char *path = o->files[b->kind == BENCH_LOCK_FLOCK ? i : 0];
		int fd;

		if (b->kind != BENCH_LOCK_FLOCK && i > 0) {
			b->l[i] = b->l[0];
		} else {
			fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				die(s, "%s: %s", path, strerror(errno));
			b->l[i] = (struct lipc_lock){ .struct_size = sizeof(struct lipc_lock),
						      .fd = fd,
						      .kind = lock_kind_of(b->kind) };
		}
		if (b->kind != BENCH_LOCK_FLOCK) {
			b->l[i].start = i;
			b->l[i].len = 1;
		}
	}
}

int run_baton(struct side *s, const struct bench_case *c, const struct bench_objects *o)
{
	struct baton b = { .kind = c->lock_kind, .what = c->name };
	struct bench_figure f = { 0 };
	struct samples sm;
	uint64_t k;
	char go = 1;

	b.sh = shared_page(s);
	if (b.kind == BENCH_LOCK_MUTEX) {
		for (int i = 0; i < 3; i++)
			if (lipc_shm_mutex_init(&b.sh->mx[i].m) < 0)
				die(s, "mutex: %s", strerror(errno));
	} else {
		/* Made here, opened after the fork: each process needs its own description. */
		for (int i = 0; i < (b.kind == BENCH_LOCK_FLOCK ? 3 : 1); i++) {
			int fd = open(o->files[i],
				      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

			if (fd < 0)
				die(s, "%s: %s", o->files[i], strerror(errno));
			close(fd);
		}
	}
	if (fork_b(s)) {
		if (b.kind != BENCH_LOCK_MUTEX)
			open_lock_files(s, &b, o);
		baton_lock(s, &b, 2);
		ctl_send(s, &go, 1);
		ctl_recv(s, &go, 1);
		for (k = 0;; k++) {
			baton_lock(s, &b, (int)(k % 3));
			if (atomic_load_explicit(&b.sh->stop, memory_order_acquire)) {
				baton_unlock(s, &b, (int)(k % 3));
				baton_unlock(s, &b, (int)((k + 2) % 3));
				break;
			}
			mark(s, b.sh, 2 * k + 1, b.what);
			baton_unlock(s, &b, (int)((k + 2) % 3));
		}
		ctl_send(s, &go, 1);
		_exit(0);
	}
	if (b.kind != BENCH_LOCK_MUTEX)
		open_lock_files(s, &b, o);
	baton_lock(s, &b, 0);
	baton_lock(s, &b, 1);
	ctl_recv(s, &go, 1); /* B holds L2 */
	mark(s, b.sh, 0, b.what);
	ctl_send(s, &go, 1);
	samples_init(s, &sm);
	phase(s, "hand-off", 0);
	k = latency(s, &b, baton_rt, NULL, &sm, &f);
	atomic_store_explicit(&b.sh->stop, 1, memory_order_release);
	baton_unlock(s, &b, (int)(k % 3));
	ctl_recv(s, &go, 1);
	baton_unlock(s, &b, (int)((k + 1) % 3));
	samples_free(&sm);
	reap_b(s);
	report(s, &f);
	return 0;
}

/* Semaphores: A posts s1 and waits on s2; B waits on s1 and posts s2. */

struct sems {
	struct lipc_sem *s1, *s2;
	struct shared *sh;
	const char *what;
};

static void sem_call(const struct side *s, int r, const char *what)
{
	if (r < 0)
		die(s, "%s: %s", what, strerror(errno));
}

static void sem_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct sems *p = ctx;

	mark(s, p->sh, 2 * k, p->what);
	sem_call(s, lipc_sem_post(p->s1), "post");
	sem_call(s, lipc_sem_wait(p->s2), "wait");
}

int run_sem(struct side *s, const struct bench_case *c, const struct bench_objects *o)
{
	struct sems p = { .what = c->name };
	struct bench_figure f = { 0 };
	struct samples sm;
	char done;

	p.sh = shared_page(s);
	p.s1 = c->how == HOW_SEM_POSIX ? sem_open_name(NULL, 0, 0, 0)
				       : sem_open_name(o->sems[0], 0, 0, 0);
	p.s2 = c->how == HOW_SEM_POSIX ? sem_open_name(NULL, 0, 0, 0)
				       : sem_open_name(o->sems[1], 0, 0, 0);
	if (!p.s1 || !p.s2)
		die(s, "semaphore: %s", strerror(errno));
	if (fork_b(s)) {
		for (uint64_t k = 0;; k++) {
			sem_call(s, lipc_sem_wait(p.s1), "wait");
			if (atomic_load_explicit(&p.sh->stop, memory_order_acquire))
				break;
			mark(s, p.sh, 2 * k + 1, p.what);
			sem_call(s, lipc_sem_post(p.s2), "post");
		}
		ctl_send(s, &done, 1);
		_exit(0);
	}
	samples_init(s, &sm);
	phase(s, "hand-off", 0);
	latency(s, &p, sem_rt, NULL, &sm, &f);
	atomic_store_explicit(&p.sh->stop, 1, memory_order_release);
	sem_call(s, lipc_sem_post(p.s1), "post");
	ctl_recv(s, &done, 1);
	samples_free(&sm);
	reap_b(s);
	lipc_sem_close(p.s1);
	lipc_sem_close(p.s2);
	report(s, &f);
	return 0;
}

/* The futex pair: the kernel's sleep and wake-up, and nothing else. */

#define FUTEX_STOP UINT32_MAX

static uint32_t *word(_Atomic uint32_t *w)
{
	return (uint32_t *)(uintptr_t)w;
}

static void futex_wait(_Atomic uint32_t *w, uint32_t seen)
{
	/* Shared (no FUTEX_PRIVATE_FLAG): the waker is another process. EAGAIN: it moved. */
	lipc__futex_wait(word(w), seen, NULL);
}

static void futex_wake(_Atomic uint32_t *w)
{
	lipc__futex_wake(word(w), 1);
}

static void futex_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct shared *sh = ctx;
	uint32_t want = (uint32_t)(k + 1), v;

	/* Pairs with B's acquire load of w1. */
	atomic_store_explicit(&sh->w1, want, memory_order_release);
	futex_wake(&sh->w1);
	while ((v = atomic_load_explicit(&sh->w2, memory_order_acquire)) != want) {
		if (v != want - 1)
			die(s, "the futex word came back as %u, not %u", v, want);
		futex_wait(&sh->w2, v);
	}
}

int run_futex(struct side *s)
{
	struct shared *sh = shared_page(s);
	struct bench_figure f = { 0 };
	struct samples sm;
	char done;

	if (fork_b(s)) {
		for (uint32_t last = 0;;) {
			uint32_t v;

			while ((v = atomic_load_explicit(&sh->w1, memory_order_acquire)) == last)
				futex_wait(&sh->w1, last);
			if (v == FUTEX_STOP)
				break;
			if (v != last + 1)
				die(s, "the futex word skipped from %u to %u", last, v);
			last = v;
			/* Pairs with A's acquire load of w2. */
			atomic_store_explicit(&sh->w2, v, memory_order_release);
			futex_wake(&sh->w2);
		}
		ctl_send(s, &done, 1);
		_exit(0);
	}
	samples_init(s, &sm);
	phase(s, "hand-off", 0);
	latency(s, sh, futex_rt, NULL, &sm, &f);
	atomic_store_explicit(&sh->w1, FUTEX_STOP, memory_order_release);
	futex_wake(&sh->w1);
	ctl_recv(s, &done, 1);
	samples_free(&sm);
	reap_b(s);
	report(s, &f);
	return 0;
}
