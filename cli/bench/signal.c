/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the signals: a signal answered by a signal, sent with kill() or sigqueue() and
 * taken with sigwaitinfo() or a signalfd. The signal is blocked in both processes, so that it
 * waits to be taken instead of running a handler; the sender and the value are checked.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "lipc/signal.h"
#include "pair.h"

/* Signals. */

struct sigs {
	int how;
	int sig;
	pid_t peer;
	int fd, pidfd; /* signalfd */
	sigset_t set;
	struct shared *sh;
};

/* Send one signal with value v to the peer, the case's way. */
static void sig_send(const struct side *s, struct sigs *g, int v)
{
	union sigval val = { .sival_int = v };
	int r;

	if (g->how == HOW_SIG_KILL)
		r = kill(g->peer, g->sig);
	else if (g->how == HOW_SIG_QUEUE)
		r = sigqueue(g->peer, g->sig, val);
	else
		r = lipc_signal_send(g->pidfd, g->sig, &val);
	if (r < 0)
		die(s, "sending %s: %s", g->how == HOW_SIG_KILL ? "kill" : "a signal",
		    strerror(errno));
}

/* Take the next signal; its value (0 for kill). The sender and the code are checked. */
static int sig_take(const struct side *s, struct sigs *g)
{
	struct lipc_signal_info info = LIPC_SIGNAL_INFO_INIT;
	siginfo_t si;

	if (g->how == HOW_SIG_FD) {
		if (lipc_signal_recv(g->fd, &info, -1) < 0)
			die(s, "signalfd: %s", strerror(errno));
		if (info.code != SI_QUEUE || info.pid != g->peer)
			die(s, "a signal came from pid %d with code %d", (int)info.pid, info.code);
		return info.value;
	}
	while (sigwaitinfo(&g->set, &si) < 0)
		if (errno != EINTR)
			die(s, "sigwaitinfo: %s", strerror(errno));
	if (si.si_pid != g->peer || si.si_code != (g->how == HOW_SIG_KILL ? SI_USER : SI_QUEUE))
		die(s, "a signal came from pid %d with code %d", (int)si.si_pid, si.si_code);
	return g->how == HOW_SIG_KILL ? 0 : si.si_value.sival_int;
}

static void sig_rt(const struct side *s, void *ctx, uint64_t k)
{
	struct sigs *g = ctx;
	int v = (int)(k & 0x3fffffff), got;

	sig_send(s, g, v);
	got = sig_take(s, g);
	if (g->how != HOW_SIG_KILL && got != v)
		die(s, "signal %d came back with value %d", v, got);
}

int run_signal(struct side *s, const struct bench_case *c)
{
	struct sigs g = { .how = c->how };
	struct bench_figure f = { 0 };
	struct samples sm;
	char done;

	g.sh = shared_page(s);
	g.sig = c->how == HOW_SIG_KILL	  ? SIGUSR1
		: c->how == HOW_SIG_QUEUE ? SIGRTMIN
					  : SIGRTMIN + 1;
	sigemptyset(&g.set);
	sigaddset(&g.set, g.sig);
	/* Blocked before the fork, so that no signal can come before its receiver is ready. */
	if (sigprocmask(SIG_BLOCK, &g.set, NULL) < 0)
		die(s, "sigprocmask: %s", strerror(errno));
	if (fork_b(s)) {
		g.peer = getppid();
	} else {
		g.peer = s->peer;
	}
	if (c->how == HOW_SIG_FD) {
		g.fd = lipc_signal_open(&g.set, NULL);
		g.pidfd = lipc_signal_pidfd_open(g.peer);
		if (g.fd < 0 || g.pidfd < 0)
			die(s, "%s: %s", g.fd < 0 ? "signalfd" : "pidfd_open", strerror(errno));
	}
	if (!s->is_a) {
		for (int want = 0;; want = (want + 1) & 0x3fffffff) {
			int v = sig_take(s, &g);

			if (atomic_load_explicit(&g.sh->stop, memory_order_acquire))
				break;
			if (g.how != HOW_SIG_KILL && v != want)
				die(s, "signal %d came with value %d", want, v);
			sig_send(s, &g, v);
		}
		ctl_send(s, &done, 1);
		_exit(0);
	}
	samples_init(s, &sm);
	phase(s, "signal and answer", 0);
	latency(s, &g, sig_rt, NULL, &sm, &f);
	atomic_store_explicit(&g.sh->stop, 1, memory_order_release);
	sig_send(s, &g, -1);
	ctl_recv(s, &done, 1);
	samples_free(&sm);
	reap_b(s);
	report(s, &f);
	return 0;
}
