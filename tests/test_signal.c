/* SPDX-License-Identifier: MIT */
/*
 * Signals: names, payloads across processes, real-time queueing against standard coalescing,
 * pidfds, the refusals, the System V calls that SA_RESTART does not restart, `lipc signal` as a
 * user runs it, the two examples and the demo.
 */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/msg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "lipc/signal.h"

/* The kernel never hands out a pid this large (PID_MAX_LIMIT): no process has it. */
#define NO_SUCH_PID 4194304

/* Skip the test on a kernel without pidfds (Linux 5.3), before it forks a child that needs them. */
static void need_pidfds(void)
{
	int fd = lipc_signal_pidfd_open(getpid());

	if (fd < 0 && errno == ENOSYS)
		CHECK_SKIP("pidfd_open needs Linux 5.3");
	CHECK_SYS(fd);
	if (lipc_signal_send(fd, 0, NULL) < 0 && errno == ENOSYS)
		CHECK_SKIP("pidfd_send_signal needs Linux 5.1");
	close(fd);
}

/* A pidfd for pid, in a test that called need_pidfds(). */
static int pidfd_of(pid_t pid)
{
	return (int)CHECK_SYS(lipc_signal_pidfd_open(pid));
}

/* The set of one or two signals. */
static sigset_t set_of(int a, int b)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, a);
	if (b)
		sigaddset(&set, b);
	return set;
}

/* Replace every run of digits with "N" and squeeze runs of blanks, so pids do not matter. */
static char *normalise(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (*r >= '0' && *r <= '9') {
			while (*r >= '0' && *r <= '9')
				r++;
			*w++ = 'N';
		} else if (*r == ' ') {
			while (*r == ' ')
				r++;
			*w++ = ' ';
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

static void parse_names(void)
{
	static const struct {
		const char *text;
		int sig;
	} good[] = {
		{ "USR1", SIGUSR1 }, { "SIGUSR1", SIGUSR1 }, { "sigusr1", SIGUSR1 },
		{ "usr2", SIGUSR2 }, { "10", 10 },	     { "0", 0 },
		{ "HUP", SIGHUP },   { "SIGKILL", SIGKILL }, { "INT", SIGINT },
		{ "ALRM", SIGALRM }, { "CLD", SIGCHLD },     { "IOT", SIGABRT },
		{ "TERM", SIGTERM }, { "SYS", SIGSYS },	     { "sigwinch", SIGWINCH },
	};
	static const char *const bad[] = {
		"",	     "FOO",	 "SIG",	    "SIGSIGUSR1", "USR1 ",    " USR1",
		"+10",	     "-1",	 "1x",	    "0x10",	  "SIG10",    "RTMIN+",
		"RTMIN-1",   "RTMIN+-1", "RTMAX+1", "RTMIN+99",	  "RTMAX-99", "99999999999",
		"RTMIN + 1", "USR",	 "65",
	};
	char text[32];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int sig = lipc_signal_parse(good[i].text);

		if (sig != good[i].sig)
			check_fail(__FILE__, __LINE__, "parse(\"%s\") = %d, not %d", good[i].text,
				   sig, good[i].sig);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_ERR(lipc_signal_parse(bad[i]), EINVAL);
	snprintf(text, sizeof(text), "%d", SIGRTMAX + 1);
	CHECK_ERR(lipc_signal_parse(text), EINVAL);

	/* Real-time signals are counted from SIGRTMIN, which glibc places above its own. */
	CHECK_EQ(lipc_signal_parse("RTMIN"), SIGRTMIN);
	CHECK_EQ(lipc_signal_parse("SIGRTMIN"), SIGRTMIN);
	CHECK_EQ(lipc_signal_parse("RTMIN+3"), SIGRTMIN + 3);
	CHECK_EQ(lipc_signal_parse("sigrtmin+0"), SIGRTMIN);
	CHECK_EQ(lipc_signal_parse("RTMAX"), SIGRTMAX);
	CHECK_EQ(lipc_signal_parse("SIGRTMAX-2"), SIGRTMAX - 2);
	snprintf(text, sizeof(text), "RTMIN+%d", SIGRTMAX - SIGRTMIN);
	CHECK_EQ(lipc_signal_parse(text), SIGRTMAX);
	snprintf(text, sizeof(text), "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
	CHECK_ERR(lipc_signal_parse(text), EINVAL);
	snprintf(text, sizeof(text), "RTMAX-%d", SIGRTMAX - SIGRTMIN);
	CHECK_EQ(lipc_signal_parse(text), SIGRTMIN);
	CHECK_ERR(lipc_signal_parse(NULL), EINVAL);
}

static void names_round_trip(void)
{
	char buf[LIPC_SIGNAL_NAME_MAX];

	CHECK_STR(lipc_signal_name(SIGUSR1, buf), "SIGUSR1");
	CHECK_STR(lipc_signal_name(SIGABRT, buf), "SIGABRT"); /* not its alias SIGIOT */
	CHECK_STR(lipc_signal_name(SIGCHLD, buf), "SIGCHLD");
	CHECK_STR(lipc_signal_name(SIGRTMIN, buf), "SIGRTMIN");
	CHECK_STR(lipc_signal_name(SIGRTMIN + 3, buf), "SIGRTMIN+3");
	CHECK_STR(lipc_signal_name(SIGRTMAX, buf), "SIGRTMAX");
	CHECK_STR(lipc_signal_name(0, buf), "0");
	CHECK(lipc_signal_name(-1, buf) == NULL && errno == EINVAL);
	CHECK(lipc_signal_name(SIGRTMAX + 1, buf) == NULL && errno == EINVAL);
	for (int sig = 0; sig <= SIGRTMAX; sig++) {
		CHECK(lipc_signal_name(sig, buf) == buf);
		CHECK(strlen(buf) < sizeof(buf));
		if (lipc_signal_parse(buf) != sig)
			check_fail(__FILE__, __LINE__,
				   "signal %d is named \"%s\", which parses as %d", sig, buf,
				   lipc_signal_parse(buf));
	}
	CHECK_STR(lipc_signal_code_name(SIGUSR1, SI_QUEUE), "SI_QUEUE");
	CHECK_STR(lipc_signal_code_name(SIGUSR1, SI_USER), "SI_USER");
	CHECK_STR(lipc_signal_code_name(SIGINT, SI_KERNEL), "SI_KERNEL");
	CHECK_STR(lipc_signal_code_name(SIGCHLD, CLD_KILLED), "CLD_KILLED");
	CHECK(lipc_signal_code_name(SIGUSR1, CLD_KILLED) == NULL);
}

/* Receive one signal from fd, waiting long enough that only a bug can make it time out. */
static int recv_one(int fd, struct lipc_signal_info *si)
{
	return (int)CHECK_SYS(lipc_signal_recv(fd, si, 30000));
}

/* A value sent through a pidfd by one process arrives with the signal in another. */
static void payload_crosses_processes(void)
{
	sigset_t set = set_of(SIGUSR1, SIGUSR2);
	struct lipc_signal_info si = LIPC_SIGNAL_INFO_INIT;
	pid_t receiver = getpid(), sender;
	int fd = (int)CHECK_SYS(lipc_signal_open(&set, NULL));

	need_pidfds();
	sender = check_fork();
	if (sender == 0) {
		int pidfd = pidfd_of(receiver);

		CHECK_SYS(lipc_signal_send(pidfd, SIGUSR1, &(union sigval){ .sival_int = 42 }));
		CHECK_SYS(lipc_signal_send(pidfd, SIGUSR2, NULL));
		_exit(0);
	}
	CHECK_EQ(recv_one(fd, &si), SIGUSR1);
	CHECK_EQ(si.signo, SIGUSR1);
	CHECK_EQ(si.code, SI_QUEUE);
	CHECK_EQ(si.pid, sender);
	CHECK_EQ(si.uid, getuid());
	CHECK_EQ(si.value, 42);
	/* Without a value it goes as kill() sends it, and the kernel names the sender. */
	CHECK_EQ(recv_one(fd, &si), SIGUSR2);
	CHECK_EQ(si.code, SI_USER);
	CHECK_EQ(si.pid, sender);
	CHECK_EQ(si.value, 0);
	CHECK_EQ(check_wait(sender), 0);
	close(fd);
}

/*
 * The sender sends sig count times, with values 0, 1, 2..., to a receiver that has it blocked,
 * and says so through a pipe; only then does the receiver read. Returns the number received;
 * values[] gets their values.
 */
static int send_while_blocked(int sig, int count, int *values)
{
	sigset_t set = set_of(sig, 0);
	struct lipc_signal_info si = LIPC_SIGNAL_INFO_INIT;
	pid_t receiver = getpid(), sender;
	int fd = (int)CHECK_SYS(lipc_signal_open(&set, NULL)), done[2], got = 0;
	char c;

	need_pidfds();
	CHECK_SYS(pipe2(done, O_CLOEXEC));
	sender = check_fork();
	if (sender == 0) {
		int pidfd = pidfd_of(receiver);

		for (int i = 0; i < count; i++)
			CHECK_SYS(lipc_signal_send(pidfd, sig, &(union sigval){ .sival_int = i }));
		CHECK_EQ(write(done[1], "k", 1), 1);
		_exit(0);
	}
	close(done[1]);
	CHECK_EQ(read(done[0], &c, 1), 1);
	CHECK_EQ(check_wait(sender), 0);
	close(done[0]);
	/* Every send has returned: what was kept is pending now, nothing more is coming. */
	while (lipc_signal_recv(fd, &si, 0) > 0) {
		CHECK_EQ(si.signo, sig);
		CHECK_EQ(si.pid, sender);
		CHECK(got < count);
		values[got++] = si.value;
	}
	CHECK_EQ(errno, EAGAIN);
	close(fd);
	return got;
}

static void realtime_signals_queue_in_order(void)
{
	int values[100];

	CHECK_EQ(send_while_blocked(SIGRTMIN + 1, 100, values), 100);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(values[i], i);
}

static void standard_signals_coalesce(void)
{
	int values[100];

	CHECK_EQ(send_while_blocked(SIGUSR1, 100, values), 1);
	CHECK_EQ(values[0], 0); /* the first send made it pending; the 99 others were dropped */
}

static void recv_waits_and_times_out(void)
{
	sigset_t set = set_of(SIGUSR2, 0);
	struct lipc_signal_info si = LIPC_SIGNAL_INFO_INIT;
	int fd = (int)CHECK_SYS(lipc_signal_open(&set, NULL));

	CHECK_ERR(lipc_signal_recv(fd, &si, 0), EAGAIN);
	CHECK_ERR(lipc_signal_recv(fd, &si, 50), ETIMEDOUT);
	/* A signal raised by this very thread is pending at once. */
	CHECK_SYS(raise(SIGUSR2));
	CHECK_EQ(lipc_signal_recv(fd, &si, 0), SIGUSR2);
	CHECK_EQ(si.code, SI_TKILL);
	CHECK_ERR(lipc_signal_recv(fd, &si, 0), EAGAIN);
	close(fd);
}

/* Is sig blocked in this thread? */
static bool blocked(int sig)
{
	sigset_t now;

	CHECK_EQ(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
	return sigismember(&now, sig) == 1;
}

static void open_blocks_and_refuses(void)
{
	struct sigaction before, after;
	sigset_t set, old;
	int fd;

	/* What cannot be blocked cannot be waited for: refused, the mask left alone. */
	sigemptyset(&set);
	CHECK_ERR(lipc_signal_open(&set, NULL), EINVAL);
	set = set_of(SIGUSR1, SIGKILL);
	CHECK_ERR(lipc_signal_open(&set, NULL), EINVAL);
	CHECK(!blocked(SIGUSR1));
	set = set_of(SIGSTOP, 0);
	CHECK_ERR(lipc_signal_open(&set, NULL), EINVAL);
	/* The C library's own signals: sigaddset() refuses them, and the mask would drop them. */
	set = set_of(SIGUSR1, 32);
	if (SIGRTMIN > 32 && sigismember(&set, 32) == 1) {
		CHECK_ERR(lipc_signal_open(&set, NULL), EINVAL);
		CHECK(!blocked(SIGUSR1));
	}

	/* It blocks the set, hands back the old mask, and leaves handlers as they were. */
	CHECK_SYS(sigaction(SIGUSR1, NULL, &before));
	set = set_of(SIGUSR1, SIGRTMIN);
	fd = (int)CHECK_SYS(lipc_signal_open(&set, &old));
	CHECK(blocked(SIGUSR1) && blocked(SIGRTMIN));
	CHECK(sigismember(&old, SIGUSR1) == 0);
	CHECK_SYS(sigaction(SIGUSR1, NULL, &after));
	CHECK(before.sa_handler == after.sa_handler);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

static void pidfd_refusals(void)
{
	int fds[2], pidfd;
	pid_t child;

	need_pidfds();
	CHECK_ERR(lipc_signal_pidfd_open(0), EINVAL);
	CHECK_ERR(lipc_signal_pidfd_open(-1), EINVAL);
	CHECK_ERR(lipc_signal_pidfd_open(NO_SUCH_PID), ESRCH);

	pidfd = pidfd_of(getpid());
	CHECK(fcntl(pidfd, F_GETFD) & FD_CLOEXEC);
	CHECK_SYS(lipc_signal_send(pidfd, 0, NULL)); /* we exist */
	CHECK_ERR(lipc_signal_send(pidfd, 0, &(union sigval){ .sival_int = 1 }), EINVAL);
	CHECK_ERR(lipc_signal_send(pidfd, -1, NULL), EINVAL);
	CHECK_ERR(lipc_signal_send(pidfd, SIGRTMAX + 1, NULL), EINVAL);
	close(pidfd);
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	CHECK_ERR(lipc_signal_send(fds[0], 0, NULL), EBADF); /* not a pidfd */
	close(fds[0]);
	close(fds[1]);

	/*
	 * A pidfd outlives its process. An exited child that is not yet reaped (a zombie) still
	 * holds its pid, and sends to it succeed and do nothing, as kill() does; once it is
	 * reaped, sends fail instead of finding its pid.
	 */
	child = check_fork();
	if (child == 0)
		_exit(0);
	pidfd = pidfd_of(child);
	CHECK_SYS(waitid(P_PID, (id_t)child, &(siginfo_t){ 0 }, WEXITED | WNOWAIT));
	CHECK_EQ(check_state(child), 'Z');
	CHECK_SYS(lipc_signal_send(pidfd, SIGTERM, NULL));
	CHECK_SYS(lipc_signal_send(pidfd, SIGUSR1, &(union sigval){ .sival_int = 1 }));
	CHECK_SYS(lipc_signal_send(pidfd, 0, NULL));
	CHECK_SYS(kill(child, 0));
	CHECK_EQ(check_wait(child), 0);
	CHECK_ERR(lipc_signal_send(pidfd, SIGTERM, NULL), ESRCH);
	CHECK_ERR(lipc_signal_send(pidfd, 0, NULL), ESRCH);
	close(pidfd);
}

/* Another user's process may not be signalled: EPERM, through a pidfd as through kill(). */
static void other_users_process_is_eperm(void)
{
	sigset_t set = set_of(SIGUSR1, 0);
	pid_t target = getpid(), child;
	int fd;

	need_pidfds();
	if (!check_other_uid())
		return;
	/* Blocked, so that a wrongly delivered signal shows up instead of killing the test. */
	fd = (int)CHECK_SYS(lipc_signal_open(&set, NULL));
	child = check_fork();
	if (child == 0) {
		int pidfd = pidfd_of(target);

		check_become_other_uid();
		CHECK_ERR(lipc_signal_send(pidfd, SIGUSR1, NULL), EPERM);
		CHECK_ERR(lipc_signal_send(pidfd, SIGUSR1, &(union sigval){ .sival_int = 1 }),
			  EPERM);
		CHECK_ERR(lipc_signal_send(pidfd, 0, NULL), EPERM);
		CHECK_ERR(kill(target, SIGUSR1), EPERM);
		_exit(0);
	}
	CHECK_EQ(check_wait(child), 0);
	CHECK_ERR(lipc_signal_recv(fd, &(struct lipc_signal_info)LIPC_SIGNAL_INFO_INIT, 0), EAGAIN);
	close(fd);
}

/*
 * A target that runs with real, effective and saved uids r, e and s, in a session of its own if
 * asked, SIGUSR1 ignored (a permitted kill() then succeeds and does nothing), until hold[1]
 * closes. It writes a byte to ready once its uids are set.
 */
static pid_t start_target(uid_t r, uid_t e, uid_t s, bool own_session, int ready, const int hold[2])
{
	pid_t pid = check_fork();
	char c;

	if (pid != 0)
		return pid;
	close(hold[1]);
	signal(SIGUSR1, SIG_IGN);
	if (own_session)
		CHECK_SYS(setsid());
	CHECK_SYS(setresuid(r, e, s));
	CHECK_EQ(write(ready, "", 1), 1);
	CHECK_EQ(read(hold[0], &c, 1), 0); /* end of file: the test is over */
	_exit(0);
}

/*
 * Who may signal whom (kill(2)): the sender's real or effective uid must equal the target's real
 * or saved set-user-ID, and the target's effective uid does not count; or the sender has
 * CAP_KILL; or the signal is SIGCONT and the target is in the sender's session.
 */
static void permission_is_real_or_saved_uid(void)
{
	enum {
		NOBODY = 65534,
		OTHER = 4242
	};
	pid_t real, effective, saved, elsewhere, parent = getpid();
	int ready[2], hold[2];
	char c;

	if (!check_other_uid())
		return;
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(hold, O_CLOEXEC));
	real = start_target(NOBODY, 0, 0, false, ready[1], hold);
	effective = start_target(0, NOBODY, 0, false, ready[1], hold);
	saved = start_target(0, 0, NOBODY, false, ready[1], hold);
	elsewhere = start_target(0, 0, 0, true, ready[1], hold);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(read(ready[0], &c, 1), 1);

	/* nobody by its real uid only, then by its effective uid only; no capability left. */
	for (int by_real = 1; by_real >= 0; by_real--) {
		pid_t sender = check_fork();

		if (sender == 0) {
			close(hold[1]);
			CHECK_SYS(setgroups(0, NULL));
			CHECK_SYS(setresgid(NOBODY, NOBODY, NOBODY));
			CHECK_SYS(by_real ? setresuid(NOBODY, OTHER, OTHER)
					  : setresuid(OTHER, NOBODY, NOBODY));
			CHECK_SYS(kill(real, SIGUSR1));
			CHECK_SYS(kill(saved, SIGUSR1));
			CHECK_ERR(kill(effective, SIGUSR1), EPERM);
			CHECK_ERR(kill(elsewhere, SIGUSR1), EPERM);
			CHECK_ERR(kill(elsewhere, SIGCONT), EPERM); /* root's, in another session */
			CHECK_ERR(kill(parent, SIGUSR1), EPERM);
			CHECK_SYS(kill(parent, SIGCONT)); /* root's, but in our session */
			_exit(0);
		}
		CHECK_EQ(check_wait(sender), 0);
	}
	close(hold[1]);
	CHECK_EQ(check_wait(real), 0);
	CHECK_EQ(check_wait(effective), 0);
	CHECK_EQ(check_wait(saved), 0);
	CHECK_EQ(check_wait(elsewhere), 0);
	close(hold[0]);
	close(ready[0]);
	close(ready[1]);
}

/* SI_QUEUE's si_pid and si_uid are what the sender wrote: the kernel does not check them. */
static void queued_sender_is_a_claim(void)
{
	sigset_t set = set_of(SIGUSR1, 0);
	struct lipc_signal_info si = LIPC_SIGNAL_INFO_INIT;
	pid_t receiver = getpid(), sender;
	int fd = (int)CHECK_SYS(lipc_signal_open(&set, NULL));

	need_pidfds();
	sender = check_fork();
	if (sender == 0) {
		int pidfd = pidfd_of(receiver);
		siginfo_t info;

		memset(&info, 0, sizeof(info));
		info.si_signo = SIGUSR1;
		info.si_code = SI_QUEUE;
		info.si_pid = 1;
		info.si_uid = 12345;
		info.si_value.sival_int = 7;
		CHECK_SYS(syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, &info, 0));
		/* A code that would pass for the kernel's is refused for another process. */
		info.si_code = SI_KERNEL;
		CHECK_ERR(syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, &info, 0), EPERM);
		info.si_code = SI_USER;
		CHECK_ERR(syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, &info, 0), EPERM);
		_exit(0);
	}
	CHECK_EQ(check_wait(sender), 0);
	CHECK_EQ(recv_one(fd, &si), SIGUSR1);
	CHECK_EQ(si.code, SI_QUEUE);
	CHECK_EQ(si.pid, 1);
	CHECK_EQ(si.uid, 12345);
	CHECK_EQ(si.value, 7);
	close(fd);
}

/* rt_sigqueueinfo(2), what sigqueue(3) calls: pid gets sig with a siginfo_t of code and value. */
static int queue_info(pid_t pid, int sig, int code, int value)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = code;
	info.si_pid = 1; /* a lie: the kernel keeps what it is given */
	info.si_uid = 0;
	info.si_value.sival_int = value;
	return (int)syscall(SYS_rt_sigqueueinfo, pid, sig, &info);
}

/*
 * A process may hand another one any siginfo_t whose si_code is negative, except SI_TKILL: SI_TIMER
 * and SI_MESGQ, which the kernel itself sends for a timer and a message queue, pass as well as
 * SI_QUEUE. Every si_code >= 0 (SI_USER, SI_KERNEL, the fault codes) and SI_TKILL is refused with
 * EPERM, so those alone prove that the kernel filled in the sender. To itself, any code goes.
 */
static void forged_codes(void)
{
	static const int forged[] = { SI_QUEUE, SI_TIMER, SI_MESGQ, SI_ASYNCIO, SI_SIGIO };
	static const int refused[] = { SI_USER, SI_KERNEL, 1 /* ILL_ILLOPC, BUS_ADRALN... */,
				       SI_TKILL };
	sigset_t set = set_of(SIGUSR1, SIGRTMIN);
	struct lipc_signal_info si = LIPC_SIGNAL_INFO_INIT;
	pid_t receiver = getpid(), sender;
	int fd = (int)CHECK_SYS(lipc_signal_open(&set, NULL));

	sender = check_fork();
	if (sender == 0) {
		siginfo_t got;

		set = set_of(SIGUSR1, 0);

		for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
			CHECK_ERR(queue_info(receiver, SIGUSR1, refused[i], 0), EPERM);
		for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
			CHECK_SYS(queue_info(receiver, SIGRTMIN, forged[i], (int)i));
		/* To itself (SIGUSR1 is blocked here too): even SI_KERNEL. */
		CHECK_SYS(queue_info(getpid(), SIGUSR1, SI_KERNEL, 0));
		CHECK_EQ(sigtimedwait(&set, &got, &(struct timespec){ 0 }), SIGUSR1);
		CHECK_EQ(got.si_code, SI_KERNEL);
		_exit(0);
	}
	CHECK_EQ(check_wait(sender), 0);
	/* A SIGUSR1 that got through would come first, lower numbers do. */
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		CHECK_EQ(recv_one(fd, &si), SIGRTMIN);
		CHECK_EQ(si.code, forged[i]);
		/* The kernel copies what the code's layout holds: no si_pid for these two. */
		if (forged[i] != SI_TIMER && forged[i] != SI_SIGIO)
			CHECK_EQ(si.pid, 1);
		if (forged[i] == SI_QUEUE || forged[i] == SI_TIMER || forged[i] == SI_MESGQ)
			CHECK_EQ(si.value, i);
	}
	CHECK_ERR(lipc_signal_recv(fd, &si, 0), EAGAIN);
	close(fd);
}

static volatile sig_atomic_t handled;

static void count_signal(int sig)
{
	(void)sig;
	handled++;
}

/*
 * A handler installed with SA_RESTART: a read() on a pipe that it interrupts resumes and gets
 * the data, but msgrcv() fails with EINTR all the same, as signal(7) lists for System V IPC.
 */
static void sysv_calls_ignore_sa_restart(void)
{
	struct sigaction sa = { .sa_handler = count_signal, .sa_flags = SA_RESTART };
	struct {
		long type;
		char text[8];
	} msg;
	pid_t parent = getpid(), child;
	int fds[2], q;
	char buf[8];

	CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	q = (int)CHECK_SYS(msgget(check_key(1), IPC_CREAT | IPC_EXCL | 0600));

	child = check_fork();
	if (child == 0) {
		while (!check_asleep_in(parent, SYS_read, NULL))
			sched_yield();
		CHECK_SYS(kill(parent, SIGUSR1));
		CHECK_EQ(write(fds[1], "data", 4), 4);
		while (!check_asleep_in(parent, SYS_msgrcv, NULL))
			sched_yield();
		CHECK_SYS(kill(parent, SIGUSR1));
		_exit(0);
	}
	close(fds[1]);
	CHECK_EQ(read(fds[0], buf, sizeof(buf)), 4); /* restarted after the handler */
	CHECK_EQ(handled, 1);
	CHECK_ERR(msgrcv(q, &msg, sizeof(msg.text), 0, 0), EINTR);
	CHECK_EQ(handled, 2);
	CHECK_EQ(check_wait(child), 0);
	close(fds[0]);
	CHECK_SYS(msgctl(q, IPC_RMID, NULL));
}

/* Command-line tests. */

static void cli_misuse_is_exit_2(void)
{
	static const struct check_usage cases[] = {
		{ "signal", "missing send or wait", { "signal" } },
		{ "signal", "unknown action 'frob'", { "signal", "frob" } },
		{ "signal", "unknown option '--bogus'", { "signal", "--bogus", "send" } },
		{ "signal send", "missing PID", { "signal", "send" } },
		{ "signal send", "missing SIGNAL", { "signal", "send", "123" } },
		{ "signal send", "unknown signal 'FOO'", { "signal", "send", "123", "FOO" } },
		{ "signal send", "unknown signal 'SIGFOO'", { "signal", "send", "123", "SIGFOO" } },
		{ "signal send",
		  "unknown signal 'RTMIN+99'",
		  { "signal", "send", "1", "RTMIN+99" } },
		{ "signal send", "unknown signal '65'", { "signal", "send", "123", "65" } },
		{ "signal send", "unknown signal ''", { "signal", "send", "123", "" } },
		{ "signal send",
		  "process groups are not supported",
		  { "signal", "send", "0", "1" } },
		{ "signal send",
		  "process groups are not supported",
		  { "signal", "send", "--", "-5", "TERM" } },
		{ "signal send", "unknown option '-5'", { "signal", "send", "-5", "TERM" } },
		{ "signal send", "pid 'abc' is not a number", { "signal", "send", "abc", "USR1" } },
		{ "signal send",
		  "pid '99999999999' is out of range",
		  { "signal", "send", "99999999999", "USR1" } },
		{ "signal send",
		  "unexpected argument 'x'",
		  { "signal", "send", "123", "USR1", "x" } },
		{ "signal send",
		  "value 'x' is not a number",
		  { "signal", "send", "--value", "x", "123", "USR1" } },
		{ "signal send",
		  "value '-1' is not a number",
		  { "signal", "send", "-v", "-1", "123", "USR1" } },
		{ "signal send",
		  "value '2147483648' is out of range",
		  { "signal", "send", "-v", "2147483648", "123", "USR1" } },
		{ "signal send",
		  "it carries no value",
		  { "signal", "send", "-v", "3", "123", "0" } },
		{ "signal send", "needs an argument", { "signal", "send", "123", "USR1", "-v" } },
		{ "signal wait", "missing SIGNAL", { "signal", "wait" } },
		{ "signal wait", "unknown signal 'FOO'", { "signal", "wait", "USR1", "FOO" } },
		{ "signal wait", "SIGKILL cannot be waited for", { "signal", "wait", "KILL" } },
		{ "signal wait",
		  "SIGSTOP cannot be waited for",
		  { "signal", "wait", "USR1", "19" } },
		{ "signal wait", "signal 0 is never delivered", { "signal", "wait", "0" } },
		{ "signal wait",
		  "count '0' is out of range",
		  { "signal", "wait", "-n", "0", "USR1" } },
		{ "signal wait",
		  "not a number of seconds",
		  { "signal", "wait", "-t", "soon", "USR1" } },
		{ "signal wait",
		  "unknown option '--bogus'",
		  { "signal", "wait", "USR1", "--bogus" } },
	};

	CHECK_USAGE_ERRORS(cases);
	if (SIGRTMIN > 32) {
		struct check_cmd c;

		check_cmd_run(&c, NULL, LIPC_ARGV("signal", "wait", "32"));
		CHECK_USAGE_ERROR(&c, "signal wait", "signal 32 is reserved by the C library");
		check_cmd_free(&c);
	}
}

static void cli_no_such_process(void)
{
	char pid[16];
	struct check_cmd c;

	need_pidfds();
	snprintf(pid, sizeof(pid), "%d", NO_SUCH_PID);
	check_cmd_run(&c, NULL, LIPC_ARGV("signal", "send", pid, "TERM"));
	CHECK_FAILURE(&c, "cannot signal process 4194304: no such process");
	check_cmd_free(&c);
	check_cmd_run(&c, NULL, LIPC_ARGV("signal", "send", pid, "0"));
	CHECK_FAILURE(&c, "no such process");
	check_cmd_free(&c);

	/* Signal 0: the process exists (this one), and nothing is sent. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("signal", "send", pid, "0")), 0);
	CHECK_STR(c.out, "");
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
}

/* Start a command with its standard output on a pipe, read as it comes; returns the read end. */
static int start_piped(const char *const argv[], pid_t *pid)
{
	int out[2];

	CHECK_SYS(pipe2(out, O_CLOEXEC));
	*pid = check_fork();
	if (*pid == 0) {
		CHECK_SYS(dup2(out[1], STDOUT_FILENO));
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(out[1]);
	return out[0];
}

/* One line from fd (a byte at a time, so nothing is read beyond it), without its newline. */
static char *read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;
	char c;

	while (CHECK_SYS(read(fd, &c, 1)) == 1 && c != '\n') {
		CHECK(len + 1 < size);
		buf[len++] = c;
	}
	buf[len] = '\0';
	return buf;
}

/* The rest of what fd carries, until end of file. */
static char *read_rest(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = CHECK_SYS(read(fd, buf + len, size - 1 - len))) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

/* `lipc signal wait` prints its pid; `lipc signal send` uses it: value, order, sender. */
static void cli_send_and_wait(void)
{
	char line[256], expected[256], pid[16], rest[1024];
	struct check_cmd tx[3];
	pid_t waiter;
	int out;

	need_pidfds();
	out = start_piped(LIPC_ARGV("signal", "wait", "-n", "3", "RTMIN+1", "SIGUSR1"), &waiter);
	snprintf(expected, sizeof(expected), "pid %d waiting for SIGUSR1 SIGRTMIN+1", (int)waiter);
	CHECK_STR(read_line(out, line, sizeof(line)), expected);
	/* From here on the waiter has them blocked. Lowest first, then the queue in order. */
	snprintf(pid, sizeof(pid), "%d", (int)waiter);
	check_cmd_run(&tx[0], NULL, LIPC_ARGV("signal", "send", pid, "USR1", "--value", "7"));
	CHECK_EQ(tx[0].status, 0);
	CHECK_EQ(
		check_cmd_run(&tx[1], NULL, LIPC_ARGV("signal", "send", pid, "RTMIN+1", "-v", "8")),
		0);
	CHECK_EQ(check_cmd_run(&tx[2], NULL, LIPC_ARGV("signal", "send", pid, "rtmin+1")), 0);
	CHECK_EQ(check_wait(waiter), 0);
	snprintf(expected, sizeof(expected),
		 "SIGUSR1 pid=%d uid=%u code=SI_QUEUE value=7\n"
		 "SIGRTMIN+1 pid=%d uid=%u code=SI_QUEUE value=8\n"
		 "SIGRTMIN+1 pid=%d uid=%u code=SI_USER\n",
		 (int)tx[0].pid, (unsigned)getuid(), (int)tx[1].pid, (unsigned)getuid(),
		 (int)tx[2].pid, (unsigned)getuid());
	CHECK_STR(read_rest(out, rest, sizeof(rest)), expected);
	for (int i = 0; i < 3; i++) {
		CHECK_STR(tx[i].out, "");
		CHECK_STR(tx[i].err, "");
		check_cmd_free(&tx[i]);
	}
	close(out);
}

static void cli_wait_times_out(void)
{
	struct check_cmd c;

	check_cmd_run(&c, NULL, LIPC_ARGV("signal", "wait", "-t", "0.1", "USR1"));
	CHECK_FAILURE(&c, "no signal within 0.1 s");
	CHECK(!strncmp(c.out, "pid ", 4));
	CHECK_CONTAINS(c.out, " waiting for SIGUSR1\n");
	check_cmd_free(&c);
	check_cmd_run(&c, NULL, LIPC_ARGV("signal", "wait", "-t", "0", "USR2", "HUP"));
	CHECK_FAILURE(&c, "no signal within 0 s");
	CHECK_CONTAINS(c.out, " waiting for SIGHUP SIGUSR2\n");
	check_cmd_free(&c);
}

/* A signal it does not wait for has its usual effect; one it waits for is a line. */
static void cli_wait_other_signals(void)
{
	char line[256], rest[256], expected[128];
	pid_t waiter;
	int out;

	out = start_piped(LIPC_ARGV("signal", "wait", "INT", "USR1"), &waiter);
	read_line(out, line, sizeof(line));
	CHECK_SYS(kill(waiter, SIGINT)); /* what Ctrl+C sends, though the kernel is its sender */
	snprintf(expected, sizeof(expected), "SIGINT pid=%d uid=%u code=SI_USER", (int)getpid(),
		 (unsigned)getuid());
	CHECK_STR(read_line(out, line, sizeof(line)), expected);
	CHECK_SYS(kill(waiter, SIGTERM));
	CHECK_EQ(check_wait(waiter), 128 + SIGTERM);
	CHECK_STR(read_rest(out, rest, sizeof(rest)), "");
	close(out);
}

static void cli_wait_to_full_stdout(void)
{
	struct check_cmd c;

	check_cmd_run(&c, NULL,
		      (const char *const[]){ "sh", "-c", "exec \"$0\" signal wait USR1 > /dev/full",
					     check_lipc(), NULL });
	CHECK_FAILURE(&c, "write error: No space left on device");
	check_cmd_free(&c);
}

/* Run lipc with these arguments as user nobody, with its output collected as check_cmd_run(). */
static void run_as_nobody(struct check_cmd *c, const char *const argv[])
{
	memset(c, 0, sizeof(*c));
	c->out_fd = (int)CHECK_SYS(memfd_create("stdout", MFD_CLOEXEC));
	c->err_fd = (int)CHECK_SYS(memfd_create("stderr", MFD_CLOEXEC));
	c->pid = check_fork();
	if (c->pid == 0) {
		CHECK_SYS(dup2(c->out_fd, STDOUT_FILENO));
		CHECK_SYS(dup2(c->err_fd, STDERR_FILENO));
		check_become_other_uid();
		/* A copy nobody can run: the build directory may be closed to it. */
		execv(check_lipc(), (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	check_cmd_wait(c);
}

static void cli_other_users_process(void)
{
	sigset_t set = set_of(SIGUSR1, 0);
	struct check_cmd c;
	char pid[16];
	int fd;

	need_pidfds();
	if (!check_other_uid())
		return;
	fd = (int)CHECK_SYS(lipc_signal_open(&set, NULL));
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	run_as_nobody(&c, LIPC_ARGV("signal", "send", pid, "USR1"));
	CHECK_FAILURE(&c, "cannot send SIGUSR1 to process");
	CHECK_CONTAINS(c.err, "not permitted: neither its real nor its saved uid is our real or "
			      "effective uid, and we lack CAP_KILL");
	check_cmd_free(&c);
	run_as_nobody(&c, LIPC_ARGV("signal", "send", pid, "0"));
	CHECK_FAILURE(&c, "not permitted");
	check_cmd_free(&c);
	CHECK_ERR(lipc_signal_recv(fd, &(struct lipc_signal_info)LIPC_SIGNAL_INFO_INIT, 0), EAGAIN);
	close(fd);
}

/* The examples. */

static void example_signal_queue(void)
{
	struct check_cmd c;

	CHECK_EXAMPLE_OUTPUT(
		"signal_queue", normalise,
		"parent N: SIGUSRN and SIGRTMIN blocked; child N queues each N times\n"
		"parent N: SIGUSRN from pid N, value N\n"
		"parent N: SIGRTMIN from pid N, value N\n"
		"parent N: SIGRTMIN from pid N, value N\n"
		"parent N: SIGRTMIN from pid N, value N\n"
		"parent N: SIGRTMIN from pid N, value N\n"
		"parent N: SIGRTMIN from pid N, value N\n"
		"parent N: SIGUSRN sent N times, received N; SIGRTMIN sent N times, received N\n",
		NULL);
	/* The numbers themselves, now that the shape is known. */
	CHECK_EQ(check_cmd_run(&c, NULL,
			       (const char *const[]){ check_example("signal_queue"), NULL }),
		 0);
	CHECK_CONTAINS(c.out, ": SIGUSR1 from pid ");
	CHECK_CONTAINS(c.out, ", value 1\n");
	CHECK_CONTAINS(c.out,
		       "SIGUSR1 sent 5 times, received 1; SIGRTMIN sent 5 times, received 5\n");
	for (int i = 1; i <= 5; i++) {
		char value[32], *p = strstr(c.out, "SIGRTMIN from");

		snprintf(value, sizeof(value), "value %d\n", i);
		for (int j = 1; j < i && p; j++)
			p = strstr(p + 1, "SIGRTMIN from");
		CHECK(p != NULL);
		CHECK(!strncmp(strstr(p, "value"), value, strlen(value)));
	}
	check_cmd_free(&c);
	check_example_remove("signal_queue");
}

/* Start the example with pipes to its standard input and from its standard output. */
static pid_t start_handler(const char *seconds, int *in, int *out)
{
	const char *bin = check_example("signal_handler");
	int to[2], from[2];
	pid_t pid;

	CHECK_SYS(pipe2(to, O_CLOEXEC));
	CHECK_SYS(pipe2(from, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		CHECK_SYS(dup2(to[0], STDIN_FILENO));
		CHECK_SYS(dup2(from[1], STDOUT_FILENO));
		execl(bin, bin, seconds, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	*in = to[1];
	*out = from[0];
	return pid;
}

static void example_signal_handler(void)
{
	char line[256], expected[256], rest[1024];
	int in, out;
	pid_t pid;

	/* SIGINT from kill(): the handler's line, then main()'s, and the read() goes on. */
	pid = start_handler("60", &in, &out);
	snprintf(expected, sizeof(expected),
		 "pid %d: type lines; Ctrl+C is caught; 60 s without input ends it", (int)pid);
	CHECK_STR(read_line(out, line, sizeof(line)), expected);
	CHECK_EQ(write(in, "hello\n", 6), 6);
	CHECK_STR(read_line(out, line, sizeof(line)), "read 6 bytes");
	CHECK_SYS(kill(pid, SIGINT));
	/* Pending before the data is there: it is handled before read() returns to main(). */
	CHECK_EQ(write(in, "world!\n", 7), 7);
	CHECK_STR(read_line(out, line, sizeof(line)),
		  "signal_handler: SIGINT caught; read() goes on");
	snprintf(expected, sizeof(expected), "SIGINT 1 was sent by pid %d", (int)getpid());
	CHECK_STR(read_line(out, line, sizeof(line)), expected);
	CHECK_STR(read_line(out, line, sizeof(line)), "read 7 bytes");
	close(in);
	CHECK_STR(read_rest(out, rest, sizeof(rest)), "end of input\ncaught SIGINT 1 times\n");
	CHECK_EQ(check_wait(pid), 0);
	close(out);

	/* A real alarm: a second without input, and read() fails with EINTR. */
	pid = start_handler("1", &in, &out);
	read_line(out, line, sizeof(line));
	CHECK_STR(read_rest(out, rest, sizeof(rest)),
		  "SIGALRM: no input for 1 s, read() failed with EINTR\ncaught SIGINT 0 times\n");
	CHECK_EQ(check_wait(pid), 0);
	close(in);
	close(out);
	check_example_remove("signal_handler");
}

/* The demo tells the same story every run, and takes its place in the tour. */
static void demo_and_tour(void)
{
	struct check_cmd c;
	char *fifo, *signal;

	need_pidfds();
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "signal")), 0);
	CHECK_STR(c.err, "");
	CHECK_STR(normalise(c.out),
		  "\n"
		  "Signal\n"
		  " [reader N] blocked SIGUSRN and SIGRTMIN and opened a signalfd: they will "
		  "wait, pending, until read\n"
		  " [parent N] pidfd_open(N): a descriptor for that very process, whatever its pid "
		  "later names\n"
		  " [parent N] pidfd_send_signal() SIGUSRN N times, then SIGRTMIN N times, with "
		  "values N to N (SI_QUEUE, as sigqueue() sends)\n"
		  " [reader N] read() SIGUSRN from pid N, SI_QUEUE, value N\n"
		  " [reader N] read() SIGRTMIN from pid N, SI_QUEUE, value N\n"
		  " [reader N] read() SIGRTMIN from pid N, SI_QUEUE, value N\n"
		  " [reader N] read() SIGRTMIN from pid N, SI_QUEUE, value N\n"
		  " [reader N] nothing more pending: of N sends each, SIGUSRN arrived once, "
		  "SIGRTMIN N times\n"
		  " [victim N] sigaction(SIGKILL, SIG_IGN) fails with EINVAL; sigprocmask() "
		  "silently leaves SIGKILL out of the mask\n"
		  " [parent N] pidfd_send_signal(SIGKILL); poll() on the pidfd says the victim has "
		  "exited\n"
		  " [parent N] waitpid(): victim N was killed by SIGKILL all the same\n"
		  " [parent N] its pidfd now fails with ESRCH, even once pid N is given to a new "
		  "process\n"
		  " => A standard signal is only pending or not; real-time signals queue, each "
		  "with its value. Block them and read them as data; SIGKILL and SIGSTOP cannot be "
		  "caught, blocked or ignored.\n");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "signal")), 0);
	CHECK_CONTAINS(c.out, "of 3 sends each, SIGUSR1 arrived once, SIGRTMIN 3 times\n");
	CHECK_CONTAINS(c.out, "SIGRTMIN from pid");
	check_cmd_free(&c);

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour")), 0);
	CHECK_STR(c.err, "");
	fifo = strstr(c.out, "\nFIFO (named pipe)\n");
	signal = strstr(c.out, "\nSignal\n");
	CHECK(fifo && signal && fifo < signal);
	check_cmd_free(&c);
}

CHECK_MAIN(TEST(parse_names), TEST(names_round_trip), TEST(payload_crosses_processes),
	   TEST(realtime_signals_queue_in_order), TEST(standard_signals_coalesce),
	   TEST(recv_waits_and_times_out), TEST(open_blocks_and_refuses), TEST(pidfd_refusals),
	   TEST(other_users_process_is_eperm), TEST(permission_is_real_or_saved_uid),
	   TEST(queued_sender_is_a_claim), TEST(forged_codes), TEST(sysv_calls_ignore_sa_restart),
	   TEST(cli_misuse_is_exit_2), TEST(cli_no_such_process), TEST(cli_send_and_wait),
	   TEST(cli_wait_times_out), TEST(cli_wait_other_signals), TEST(cli_wait_to_full_stdout),
	   TEST(cli_other_users_process), TEST(example_signal_queue), TEST(example_signal_handler),
	   TEST(demo_and_tour))
