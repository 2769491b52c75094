/* SPDX-License-Identifier: MIT */
/*
 * lipc demo shm: two processes add to a counter in a shared mapping, first with no lock (the
 * updates they lose are counted), then inside a process-shared mutex (the count is exact); then
 * the holder of the robust mutex is killed halfway through an update and the survivor, told so
 * by EOWNERDEAD, repairs the data and carries on. Only the parent narrates the races, after
 * waitpid() has ordered them, so the story comes out in the same order every run.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"
#include "lipc/shm.h"

#define ROUNDS 20000L
#define TOTAL  100L /* accounts a + b, whenever nobody is inside the lock */

struct shared {
	/* Relaxed loads and stores: the race below is a measured effect, not undefined behaviour.
	 */
	atomic_long counter;
	atomic_int started; /* adders that have started: they begin together */
	struct lipc_shm_mutex lock;
	long a, b;
};

/*
 * One round: load, add 1, store: two steps, and the other process may run in between. The
 * sched_yield() stands for a preemption at that moment, which real code meets by chance; here it
 * comes every time, so the demo shows the same thing on one busy CPU as on two idle ones.
 */
static void add_one(struct shared *s)
{
	long v = atomic_load_explicit(&s->counter, memory_order_relaxed);

	sched_yield();
	atomic_store_explicit(&s->counter, v + 1, memory_order_relaxed);
}

static void adder(struct shared *s, int go, bool locked)
{
	char c;

	/* Both start at once: released together by the parent, and each on a CPU of its own. */
	if (read(go, &c, 1) != 0)
		_exit(1); /* not end of file: the parent gave up */
	atomic_fetch_add(&s->started, 1);
	while (atomic_load(&s->started) < 2)
		; /* spin, not sched_yield(): a yield could let the other finish alone */
	for (long i = 0; i < ROUNDS; i++) {
		if (locked && lipc_shm_mutex_lock(&s->lock, -1) != 0)
			_exit(demo_fail("pthread_mutex_lock"));
		add_one(s);
		if (locked && lipc_shm_mutex_unlock(&s->lock) != 0)
			_exit(demo_fail("pthread_mutex_unlock"));
	}
	_exit(0);
}

/* Two adders at once: the counter they leave, or -1 after saying what failed. */
static long race(struct shared *s, bool locked)
{
	pid_t pid[2] = { -1, -1 };
	int go[2];

	atomic_store(&s->counter, 0);
	atomic_store(&s->started, 0);
	if (pipe2(go, O_CLOEXEC) < 0) {
		demo_fail("pipe2");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		pid[i] = demo_fork();
		if (pid[i] < 0) {
			demo_fail("fork");
			/*
			 * The first would wait for a second adder for ever: a byte (not end of
			 * file) tells it to give up.
			 */
			(void)!write(go[1], "x", 1);
			close(go[0]);
			close(go[1]);
			demo_reap(pid, i);
			return -1;
		}
		if (pid[i] == 0) {
			close(go[1]);
			adder(s, go[0], locked);
		}
	}
	if (!locked)
		say("parent",
		    "fork() %d and %d: each adds 1 to the counter %ld times (load, sched_yield() "
		    "as "
		    "if preempted, store), with no lock",
		    (int)pid[0], (int)pid[1], ROUNDS);
	else
		say("parent",
		    "fork() %d and %d: the same adds, each inside the mutex "
		    "(pthread_mutexattr_setpshared)",
		    (int)pid[0], (int)pid[1]);
	/* End of file on go releases both; should one then fail, the other is killed. */
	close(go[0]);
	close(go[1]);
	return demo_reap(pid, 2) ? -1 : atomic_load(&s->counter);
}

/* The owner of the robust mutex dies halfway through a transfer; we recover. */
static int owner_dies(struct shared *s)
{
	int sync[2], status, r;
	ssize_t n;
	char c;
	pid_t pid;

	s->a = 60;
	s->b = 40;
	if (pipe2(sync, O_CLOEXEC) < 0)
		return demo_fail("pipe2");
	say("parent",
	    "accounts A = %ld and B = %ld in the page; the mutex, robust too "
	    "(pthread_mutexattr_setrobust), guards A + B = %ld",
	    s->a, s->b, TOTAL);
	pid = demo_fork();
	if (pid < 0) {
		close(sync[0]);
		close(sync[1]);
		return demo_fail("fork");
	}
	if (pid == 0) {
		close(sync[0]);
		if (lipc_shm_mutex_lock(&s->lock, -1) != 0)
			_exit(demo_fail("pthread_mutex_lock"));
		s->a -= 30;
		say("child", "locked the mutex; took 30 from A, and B is next");
		/* The byte says the line above is out; end of file alone, that it failed. */
		if (write(sync[1], "l", 1) != 1)
			_exit(demo_fail("write"));
		close(sync[1]);
		for (;;)
			pause();
	}
	close(sync[1]);
	while ((n = read(sync[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(sync[0]);
	if (n != 1)
		return demo_reap(&pid, 1) ? 1 : demo_failf("the child ended without the mutex");
	say("parent", "kill(SIGKILL) child %d while it holds the mutex, halfway through", (int)pid);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* A bounded wait: should robustness ever fail, the demo says so instead of hanging. */
	r = lipc_shm_mutex_lock(&s->lock, 5000);
	if (r != LIPC_SHM_OWNER_DIED)
		return r == 0 ? demo_failf("pthread_mutex_lock(): 0, not EOWNERDEAD (unexpected)")
			      : demo_fail("pthread_mutex_lock after the owner died");
	say("parent",
	    "lock() returns EOWNERDEAD: the kernel released the dead owner's lock to us, but the "
	    "data is half-done: A + B = %ld",
	    s->a + s->b);
	s->a = TOTAL - s->b;
	say("parent",
	    "repair: undo the half transfer (A = %ld, B = %ld), then pthread_mutex_consistent() "
	    "and unlock()",
	    s->a, s->b);
	if (lipc_shm_mutex_consistent(&s->lock) < 0)
		return demo_fail("pthread_mutex_consistent");
	if (lipc_shm_mutex_unlock(&s->lock) < 0)
		return demo_fail("pthread_mutex_unlock");
	r = lipc_shm_mutex_lock(&s->lock, 5000);
	if (r != 0)
		return r > 0 ? demo_failf("pthread_mutex_lock(): EOWNERDEAD again (unexpected)")
			     : demo_fail("pthread_mutex_lock");
	say("parent",
	    "lock() returns 0 again; a mutex that is not robust would have hung for ever");
	return lipc_shm_mutex_unlock(&s->lock) < 0 ? demo_fail("pthread_mutex_unlock") : 0;
}

int demo_shm(void)
{
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct shared *s;
	long n;
	int ret = 1;

	if (lipc_shm_create_anon(&shm, sizeof(*s)) < 0)
		return demo_fail("mmap");
	s = shm.addr;
	if (lipc_shm_mutex_init(&s->lock) < 0) {
		demo_fail("pthread_mutex_init");
		goto out_close;
	}
	say("parent", "mmap(MAP_SHARED | MAP_ANONYMOUS): a page with a counter and a mutex, shared "
		      "with the children forked next");

	n = race(s, false);
	if (n < 0)
		goto out_close;
	if (n < 2 * ROUNDS)
		say("parent",
		    "the counter is %ld, not %ld: %ld updates were lost, as each store wiped out "
		    "the adds the other made since its load",
		    n, 2 * ROUNDS, 2 * ROUNDS - n);
	else
		say("parent", "the counter is %ld: no update was lost this time, by luck", n);

	n = race(s, true);
	if (n < 0)
		goto out_close;
	say("parent",
	    "the counter is %ld: exactly 2 x %ld; preempted or not, no add falls inside "
	    "another",
	    n, ROUNDS);
	if (n != 2 * ROUNDS) {
		demo_failf("the count under the mutex is %ld, not %ld (unexpected)", n, 2 * ROUNDS);
		goto out_close;
	}

	if (owner_dies(s))
		goto out_close;
	takeaway("The kernel orders nothing in shared memory: guard it with a process-shared "
		 "mutex, and make the mutex robust so that a holder's death is reported, not a "
		 "hang.");
	ret = 0;

out_close:
	lipc_shm_close(&shm);
	return ret;
}
