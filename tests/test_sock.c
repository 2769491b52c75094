/* SPDX-License-Identifier: MIT */
/*
 * Sockets: the unix, unix-dgram, unix-seqpacket and tcp transports of the channel across real
 * processes, the library's own calls (socketpair, listen, connect, descriptor passing, peer
 * credentials), the lipc command on sockets, the demo and the examples.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "lipc/chan.h"
#include "lipc/sock.h"
/* clang-format off: after lipc/chan.h, whose struct lipc_msg it measures */
#include "abi.h" /* LIPC__MSG_1_0 */
/* clang-format on */

static const char *const unix_schemes[] = { "unix", "unix-dgram", "unix-seqpacket" };

/* "SCHEME:$LIPC_TEST_DIR/lipc-test-PID-what" */
static char *path_addr(char *buf, size_t size, const char *scheme, const char *what)
{
	char path[PATH_MAX];

	snprintf(buf, size, "%s:%s", scheme, check_path(path, sizeof(path), what));
	return buf;
}

/* "SCHEME:@lipc-test-PID-what": an abstract name, reachable by any user, leaving no file. */
static char *abstract_addr(char *buf, size_t size, const char *scheme, const char *what)
{
	char name[128];

	snprintf(buf, size, "%s:@%s", scheme, check_name(name, sizeof(name), what));
	return buf;
}

static bool is_dgram(const char *scheme)
{
	return !strcmp(scheme, "unix-dgram");
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A process that sends msgs[0..n) to addr (as nobody when asked) and exits; returns its pid. */
static pid_t sender(const char *addr, const struct lipc_chan_opts *o, bool as_nobody,
		    const char *const *msgs, size_t n)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_chan *c;

		if (as_nobody)
			check_become_other_uid();
		c = lipc_chan_open(addr, LIPC_SEND, o);
		if (!c)
			check_fail(__FILE__, __LINE__, "open %s: %s", addr, strerror(errno));
		for (size_t i = 0; i < n; i++)
			CHECK_SYS(lipc_chan_send(c, msgs[i], strlen(msgs[i])));
		CHECK_SYS(lipc_chan_close(c));
		_exit(0);
	}
	return pid;
}

static pid_t send_one(const char *addr, const char *msg, bool as_nobody)
{
	return sender(addr, NULL, as_nobody, &msg, 1);
}

static struct lipc_chan *receiver(const char *addr, const struct lipc_chan_opts *o)
{
	struct lipc_chan *c = lipc_chan_open(addr, LIPC_RECV, o);

	if (!c)
		check_fail(__FILE__, __LINE__, "open %s: %s", addr, strerror(errno));
	return c;
}

static void expect(struct lipc_chan *c, const char *text, struct lipc_msg *m)
{
	CHECK_EQ(lipc_chan_recv(c, m), 1);
	if (m->len != strlen(text) || memcmp(m->data, text, m->len))
		check_fail(__FILE__, __LINE__, "expected \"%s\", got \"%.*s\"", text, (int)m->len,
			   (const char *)m->data);
}

/* This process's open descriptors. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	CHECK(d != NULL);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void addresses(void)
{
	char text[256];
	struct lipc_addr a = LIPC_ADDR_INIT;

	CHECK_SYS(lipc_addr_parse(&a, "unix:/run/x.sock"));
	CHECK_EQ(a.scheme, LIPC_SCHEME_UNIX);
	CHECK_STR(a.path, "/run/x.sock");
	CHECK_SYS(lipc_addr_parse(&a, "unix-dgram:@name"));
	CHECK_EQ(a.scheme, LIPC_SCHEME_UNIX_DGRAM);
	CHECK_STR(a.path, "@name");
	CHECK_SYS(lipc_addr_parse(&a, "unix-seqpacket:rel/x"));
	CHECK_EQ(a.scheme, LIPC_SCHEME_UNIX_SEQPACKET);
	CHECK_ERR(lipc_addr_parse(&a, "unix:"), EINVAL);
	CHECK_ERR(lipc_addr_parse(&a, "unix:@"), EINVAL);

	/* 107 bytes fit sun_path with its NUL; 108 would be cut short by the kernel. */
	memcpy(text, "unix:", 5);
	memset(text + 5, 'p', 107);
	text[5 + 107] = '\0';
	CHECK_SYS(lipc_addr_parse(&a, text));
	strcat(text, "p");
	CHECK_ERR(lipc_addr_parse(&a, text), ENAMETOOLONG);
	text[5] = '@'; /* @ and 107 bytes of name: the abstract name fills sun_path after its NUL */
	CHECK_SYS(lipc_addr_parse(&a, text));
	strcat(text, "p");
	CHECK_ERR(lipc_addr_parse(&a, text), ENAMETOOLONG);
	CHECK_STR(lipc_addr_strerror(&a, ENAMETOOLONG),
		  "a Unix socket path or name holds at most 107 bytes");

	CHECK_SYS(lipc_addr_parse(&a, "tcp:example.org:80"));
	CHECK_EQ(a.scheme, LIPC_SCHEME_TCP);
	CHECK_STR(a.host, "example.org");
	CHECK_EQ(a.port, 80);
	CHECK_SYS(lipc_addr_parse(&a, "tcp:[::1]:08080"));
	CHECK_STR(a.host, "::1");
	CHECK_EQ(a.port, 8080);
	CHECK_SYS(lipc_addr_parse(&a, "tcp::0"));
	CHECK_STR(a.host, "");
	CHECK_EQ(a.port, 0);
	CHECK_SYS(lipc_addr_parse(&a, "tcp:0.0.0.0:65535"));
	static const char *const bad[] = {
		"tcp:",	     "tcp:host",  "tcp:host:",	 "tcp:h:65536", "tcp:h:8x",    "tcp:::1:80",
		"tcp:[::1]", "tcp:[]:80", "tcp:[::1:80", "tcp:h:-1",	"tcp:h:123456"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lipc_addr_parse(&a, bad[i]) == 0 || errno != EINVAL)
			check_fail(__FILE__, __LINE__, "%s was not refused with EINVAL", bad[i]);
	CHECK_CONTAINS(lipc_addr_schemes(), "unix-seqpacket");
	CHECK_CONTAINS(lipc_addr_schemes(), "tcp");
	CHECK_STR(lipc_addr_strerror(&a, ECONNREFUSED),
		  "nobody is listening there (connection refused)");
}

/* 100,000 numbered, checksummed messages over each transport. */
static void traffic(const char *address, unsigned flags, bool binary, bool stream_end)
{
	struct check_traffic t = { .address = address,
				   .opts = LIPC_CHAN_OPTS_INIT,
				   .count = 100000,
				   .max_body = binary ? 1000 : 200,
				   .binary = binary,
				   .recv_first = true,
				   .stream_end = stream_end };

	t.opts.flags = flags;
	check_traffic(&t);
}

static void traffic_unix_lines(void)
{
	char addr[PATH_MAX];

	traffic(path_addr(addr, sizeof(addr), "unix", "sock"), 0, false, true);
}

static void traffic_unix_frames_abstract(void)
{
	char addr[PATH_MAX];

	traffic(abstract_addr(addr, sizeof(addr), "unix", "abs"), LIPC_CHAN_FRAMED, true, true);
}

static void traffic_unix_dgram(void)
{
	char addr[PATH_MAX];

	traffic(path_addr(addr, sizeof(addr), "unix-dgram", "sock"), 0, true, false);
}

static void traffic_unix_seqpacket(void)
{
	char addr[PATH_MAX];

	traffic(path_addr(addr, sizeof(addr), "unix-seqpacket", "sock"), 0, true, true);
}

static void traffic_tcp_lines(void)
{
	traffic("tcp::0", 0, false, true);
}

static void traffic_tcp_frames_ipv6(void)
{
	int fd = lipc_sock_listen("tcp:[::1]:0", 0);

	if (fd < 0)
		CHECK_SKIP("no IPv6 loopback here: %s", strerror(errno));
	close(fd);
	traffic("tcp:[::1]:0", LIPC_CHAN_FRAMED, true, true);
}

/*
 * Four clients at once, each with its own stream: every client's messages arrive whole and in
 * order while the clients interleave, each with its sender's pid (not over TCP), and the stream
 * ends when the last one has gone. The clients connect, then wait for all to be connected before
 * sending, so that none leaves before the last one arrives.
 */
static void clients_at_once(const char *scheme, unsigned flags)
{
	enum {
		CLIENTS = 4,
		EACH = 5000
	};
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	char addr[PATH_MAX];
	long next[CLIENTS] = { 0 };
	pid_t pids[CLIENTS];
	int connected[2], go[2];
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	bool tcp = !strcmp(scheme, "tcp");
	char byte;

	o.flags = flags;
	if (tcp)
		strcpy(addr, "tcp::0");
	else
		abstract_addr(addr, sizeof(addr), scheme, "many");
	c = receiver(addr, &o);
	CHECK_SYS(lipc_chan_address(c, addr, sizeof(addr))); /* tcp: the port it got */
	CHECK_SYS(pipe2(connected, O_CLOEXEC));
	CHECK_SYS(pipe2(go, O_CLOEXEC));
	for (int k = 0; k < CLIENTS; k++) {
		pids[k] = check_fork();
		if (pids[k] == 0) {
			struct lipc_chan *tx;
			char msg[64];

			lipc_chan_close(c);
			close(go[1]);
			tx = lipc_chan_open(addr, LIPC_SEND, &o);
			CHECK(tx != NULL);
			CHECK_EQ(write(connected[1], "c", 1), 1);
			CHECK_EQ(read(go[0], &byte, 1), 0);
			for (int i = 0; i < EACH; i++) {
				int len = snprintf(msg, sizeof(msg), "%d %d %0*d", k, i, i % 40, 0);

				CHECK_SYS(lipc_chan_send(tx, msg, (size_t)len));
			}
			CHECK_SYS(lipc_chan_close(tx));
			_exit(0);
		}
	}
	close(connected[1]);
	close(go[0]);
	for (int k = 0; k < CLIENTS; k++)
		CHECK_EQ(read(connected[0], &byte, 1), 1);
	close(go[1]); /* all connected: go */
	for (long got = 0; got < (long)CLIENTS * EACH; got++) {
		char text[64];
		int k, i, zeros;

		CHECK_EQ(lipc_chan_recv(c, &m), 1);
		CHECK(m.len < sizeof(text));
		memcpy(text, m.data, m.len);
		text[m.len] = '\0';
		CHECK_EQ(sscanf(text, "%d %d %d", &k, &i, &zeros), 3);
		CHECK(k >= 0 && k < CLIENTS);
		CHECK_EQ(i, next[k]);
		CHECK_EQ(m.len, strlen(text));
		if (tcp) {
			CHECK_EQ(m.has, 0); /* TCP knows no credentials */
		} else {
			CHECK(m.has & LIPC_MSG_CRED);
			CHECK_EQ(m.pid, pids[k]);
		}
		next[k]++;
	}
	CHECK_EQ(lipc_chan_recv(c, &m), 0);
	for (int k = 0; k < CLIENTS; k++)
		CHECK_EQ(check_wait(pids[k]), 0);
	close(connected[0]);
	CHECK_SYS(lipc_chan_close(c));
}

static void unix_clients_at_once(void)
{
	clients_at_once("unix", 0);
}

static void unix_framed_clients_at_once(void)
{
	clients_at_once("unix", LIPC_CHAN_FRAMED);
}

static void seqpacket_clients_at_once(void)
{
	clients_at_once("unix-seqpacket", 0);
}

static void tcp_clients_at_once(void)
{
	clients_at_once("tcp", 0);
}

/*
 * The pid, uid and gid a message carries are its sender's, as the kernel saw them: this
 * process's, and (as root) nobody's.
 */
static void credentials_are_the_senders(void)
{
	for (size_t s = 0; s < sizeof(unix_schemes) / sizeof(unix_schemes[0]); s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		char addr[PATH_MAX];
		struct lipc_chan *c;
		struct lipc_msg m = LIPC_MSG_INIT;
		pid_t pid;

		o.flags = LIPC_CHAN_KEEP;
		c = receiver(abstract_addr(addr, sizeof(addr), unix_schemes[s], "cred"), &o);
		pid = send_one(addr, "from me", false);
		expect(c, "from me", &m);
		CHECK(m.has & LIPC_MSG_CRED);
		CHECK_EQ(m.pid, pid);
		CHECK_EQ(m.uid, getuid());
		CHECK_EQ(m.gid, getgid());
		CHECK_EQ(check_wait(pid), 0);

		if (check_other_uid()) {
			pid = send_one(addr, "from nobody", true);
			expect(c, "from nobody", &m);
			CHECK_EQ(m.pid, pid);
			CHECK_EQ(m.uid, CHECK_OTHER_UID);
			CHECK_EQ(m.gid, CHECK_OTHER_GID);
			CHECK_EQ(check_wait(pid), 0);
		}
		CHECK_SYS(lipc_chan_close(c));
	}
}

/*
 * Credentials the kernel could not fill in vouch for nobody: a receiver in a pid namespace of
 * its own sees pid 0 for a sender outside it. Its messages carry no LIPC_MSG_CRED, and never
 * pass LIPC_CHAN_ALLOW_UID, even for the sender's very uid, on every Unix socket type.
 */
static void credentials_without_pid_vouch_for_nobody(void)
{
	if (geteuid() != 0)
		CHECK_SKIP("needs root: a pid namespace of its own for the receiver");
	for (size_t i = 0; i < sizeof(unix_schemes) / sizeof(unix_schemes[0]); i++) {
		char shown[PATH_MAX], refused[PATH_MAX], byte;
		struct lipc_chan *tx;
		int ready[2], status;
		pid_t pid;

		abstract_addr(shown, sizeof(shown), unix_schemes[i], "nopid");
		abstract_addr(refused, sizeof(refused), unix_schemes[i], "nopid-allow");
		CHECK_SYS(pipe2(ready, O_CLOEXEC));
		pid = check_fork();
		if (pid == 0) {
			pid_t inner;

			close(ready[0]);
			if (unshare(CLONE_NEWPID) < 0)
				_exit(77);
			inner = check_fork(); /* pid 1 of the new namespace */
			if (inner == 0) {
				struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
				struct lipc_chan *rx, *allow;
				struct lipc_msg m = LIPC_MSG_INIT;

				o.flags = LIPC_CHAN_KEEP;
				rx = receiver(shown, &o);
				o.flags |= LIPC_CHAN_ALLOW_UID;
				o.allow_uid = 0;
				allow = receiver(refused, &o);
				CHECK_EQ(write(ready[1], "r", 1), 1);
				expect(rx, "shown", &m);
				CHECK_EQ(m.has & LIPC_MSG_CRED, 0);
				CHECK_SYS(lipc_chan_set_timeout(allow, 0));
				CHECK_ERR(lipc_chan_recv(allow, &m), EAGAIN);
				CHECK_SYS(lipc_chan_close(allow));
				CHECK_SYS(lipc_chan_close(rx));
				_exit(0);
			}
			_exit(check_wait(inner));
		}
		close(ready[1]);
		if (read(ready[0], &byte, 1) != 1) {
			status = check_wait(pid);
			if (status == 77)
				CHECK_SKIP("no pid namespace here (unshare: CLONE_NEWPID)");
			check_fail(__FILE__, __LINE__, "the receiver failed (%d)", status);
		}
		close(ready[0]);
		/* First the one refused: it is there when the other has arrived. */
		tx = lipc_chan_open(refused, LIPC_SEND, NULL);
		CHECK(tx != NULL);
		CHECK_SYS(lipc_chan_send(tx, "refused", 7));
		CHECK_SYS(lipc_chan_close(tx));
		tx = lipc_chan_open(shown, LIPC_SEND, NULL);
		CHECK(tx != NULL);
		CHECK_SYS(lipc_chan_send(tx, "shown", 5));
		CHECK_SYS(lipc_chan_close(tx));
		CHECK_EQ(check_wait(pid), 0);
	}
}

/*
 * LIPC_CHAN_ALLOW_UID: another user's connection is closed, its datagram dropped, and neither
 * counts as a client (a stream does not end because a refused client left).
 */
static void allow_uid_refuses_others(void)
{
	struct lipc_chan_opts tcp = LIPC_CHAN_OPTS_INIT;

	/* TCP has no credentials to filter on: asking for it is an error, not an open door. */
	tcp.flags = LIPC_CHAN_ALLOW_UID;
	CHECK(!lipc_chan_open("tcp::0", LIPC_RECV, &tcp) && errno == EINVAL);
	if (!check_other_uid())
		return;
	for (size_t s = 0; s < sizeof(unix_schemes) / sizeof(unix_schemes[0]); s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		char addr[PATH_MAX];
		struct lipc_chan *c;
		struct lipc_msg m = LIPC_MSG_INIT;

		o.flags = LIPC_CHAN_ALLOW_UID;
		o.allow_uid = getuid();
		c = receiver(abstract_addr(addr, sizeof(addr), unix_schemes[s], "allow"), &o);
		CHECK_EQ(check_wait(send_one(addr, "bad", true)), 0);
		CHECK_SYS(lipc_chan_set_timeout(c, 0));
		CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
		CHECK_EQ(check_wait(send_one(addr, "good", false)), 0);
		CHECK_SYS(lipc_chan_set_timeout(c, -1));
		expect(c, "good", &m);
		CHECK_EQ(m.uid, getuid());
		if (is_dgram(unix_schemes[s])) {
			CHECK_SYS(lipc_chan_set_timeout(c, 0));
			CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
		} else {
			CHECK_EQ(lipc_chan_recv(c, &m), 0);
		}
		CHECK_SYS(lipc_chan_close(c));
	}
}

/*
 * The join policy for a sender: a receiver that another user runs is refused (EPERM, and the
 * reason names its uid), on every Unix socket type, unless LIPC_CHAN_OWNER names that user; TCP
 * tells no uid, and is not checked.
 */
static void sender_checks_its_receiver(void)
{
	static const char *const schemes[] = { "unix", "unix-dgram", "unix-seqpacket", "tcp" };

	if (!check_other_uid())
		return;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		bool tcp = !strcmp(schemes[i], "tcp");
		char addr[PATH_MAX];
		struct lipc_chan *tx;
		struct lipc_addr a = LIPC_ADDR_INIT;
		int ready[2];
		ssize_t n;
		pid_t pid;

		if (tcp)
			strcpy(addr, "tcp::0");
		else
			abstract_addr(addr, sizeof(addr), schemes[i], "policy");
		CHECK_SYS(pipe2(ready, O_CLOEXEC));
		pid = check_fork();
		if (pid == 0) {
			struct lipc_chan *rx;
			struct lipc_msg m = LIPC_MSG_INIT;

			check_become_other_uid();
			o.flags = LIPC_CHAN_KEEP;
			rx = receiver(addr, &o);
			CHECK_SYS(lipc_chan_address(rx, addr, sizeof(addr)));
			CHECK_EQ(write(ready[1], addr, strlen(addr)), strlen(addr));
			expect(rx, "trusted", &m);
			CHECK_SYS(lipc_chan_close(rx));
			_exit(0);
		}
		close(ready[1]);
		n = CHECK_SYS(read(ready[0], addr, sizeof(addr) - 1));
		addr[n] = '\0';
		close(ready[0]);
		CHECK_SYS(lipc_addr_parse(&a, addr));
		if (!tcp) {
			CHECK(!lipc_chan_open(addr, LIPC_SEND, NULL) && errno == EPERM);
			CHECK_STR(
				lipc_addr_strerror(&a, EPERM),
				"the receiver runs as uid 65534, not as this user or root: nothing "
				"sent");
			o.flags = LIPC_CHAN_OWNER;
			o.owner = 12345;
			CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == EPERM);
			CHECK_CONTAINS(lipc_addr_strerror(&a, EPERM),
				       "not as this user, root or uid 12345");
			o.owner = CHECK_OTHER_UID;
		}
		tx = lipc_chan_open(addr, LIPC_SEND, &o);
		CHECK(tx != NULL);
		CHECK_SYS(lipc_chan_send(tx, "trusted", 7));
		CHECK_SYS(lipc_chan_close(tx));
		CHECK_EQ(check_wait(pid), 0);
	}
}

static void passed_descriptor_reads_the_file(void)
{
	static const char text[] = "what the file holds\n";
	char path[PATH_MAX], addr[PATH_MAX], buf[64];
	int sv[2], fd, got, lfd, conn;
	size_t nfds = 1;
	pid_t pid;

	check_path(path, sizeof(path), "file");
	fd = (int)CHECK_SYS(open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
	CHECK_EQ(write(fd, text, strlen(text)), strlen(text));
	close(fd);

	/* The child opens the file after the fork: the parent never had that descriptor. */
	CHECK_SYS(lipc_sock_pair(sv, SOCK_STREAM));
	pid = check_fork();
	if (pid == 0) {
		close(sv[0]);
		fd = (int)CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
		CHECK_EQ(lipc_sock_send_fds(sv[1], "F", 1, &fd, 1), 1);
		_exit(0);
	}
	close(sv[1]);
	CHECK_EQ(lipc_sock_recv_fds(sv[0], buf, sizeof(buf), &got, &nfds), 1);
	CHECK_EQ(nfds, 1);
	CHECK_EQ(buf[0], 'F');
	CHECK(fcntl(got, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(read(got, buf, sizeof(buf)), strlen(text));
	CHECK(!memcmp(buf, text, strlen(text)));
	close(got);
	CHECK_EQ(check_wait(pid), 0);
	close(sv[0]);

	/* The same between processes that meet at a name (listen, connect). */
	abstract_addr(addr, sizeof(addr), "unix", "pass");
	lfd = (int)CHECK_SYS(lipc_sock_listen(addr, 0));
	pid = check_fork();
	if (pid == 0) {
		int s = (int)CHECK_SYS(lipc_sock_connect(addr, -1));

		fd = (int)CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
		CHECK_EQ(lipc_sock_send_fds(s, "two bytes", 9, &fd, 1), 9);
		_exit(0);
	}
	conn = (int)CHECK_SYS(accept4(lfd, NULL, NULL, SOCK_CLOEXEC));
	nfds = 4;
	CHECK_EQ(lipc_sock_recv_fds(conn, buf, sizeof(buf), &got, &nfds), 9);
	CHECK_EQ(nfds, 1);
	CHECK_EQ(pread(got, buf, sizeof(buf), 0), strlen(text));
	close(got);
	CHECK_EQ(check_wait(pid), 0);
	close(conn);
	close(lfd);
	CHECK_SYS(unlink(path));
}

/*
 * Descriptors beyond what the receiver asked for never stay open: with one asked for, the
 * kernel installs two (CMSG_SPACE rounds the buffer up to 8 bytes); both are closed and the
 * caller hears of it.
 */
static void extra_descriptors_are_closed(void)
{
	int sv[2], dg[2], fds[LIPC_SOCK_FDS_MAX + 1], got[4], before;
	char buf[16];
	size_t nfds;

	for (int i = 0; i < LIPC_SOCK_FDS_MAX + 1; i++)
		fds[i] = 0;
	CHECK_SYS(lipc_sock_pair(sv, SOCK_STREAM));
	CHECK_SYS(lipc_sock_pair(dg, SOCK_DGRAM));
	before = count_fds();
	for (size_t sent = 1; sent <= 3; sent++) {
		for (size_t asked = 0; asked < sent; asked++) {
			CHECK_EQ(lipc_sock_send_fds(sv[0], "x", 1, fds, sent), 1);
			nfds = asked;
			CHECK_ERR(lipc_sock_recv_fds(sv[1], buf, sizeof(buf), got, &nfds),
				  ETOOMANYREFS);
			CHECK_EQ(nfds, 0);
			CHECK_EQ(count_fds(), before);
		}
	}
	/* Exactly as many as asked for, or more room than needed: all arrive. */
	CHECK_EQ(lipc_sock_send_fds(sv[0], "x", 1, fds, 2), 1);
	nfds = 4;
	CHECK_EQ(lipc_sock_recv_fds(sv[1], buf, sizeof(buf), got, &nfds), 1);
	CHECK_EQ(nfds, 2);
	close(got[0]);
	close(got[1]);
	/* Plain data: no descriptor. */
	CHECK_EQ(send(sv[0], "data", 4, 0), 4);
	nfds = 4;
	CHECK_EQ(lipc_sock_recv_fds(sv[1], buf, sizeof(buf), got, &nfds), 4);
	CHECK_EQ(nfds, 0);
	/* A datagram cut short: EMSGSIZE, and its descriptor closed. */
	CHECK_EQ(lipc_sock_send_fds(dg[0], "0123456789", 10, fds, 1), 10);
	nfds = 1;
	CHECK_ERR(lipc_sock_recv_fds(dg[1], buf, 4, got, &nfds), EMSGSIZE);
	CHECK_EQ(count_fds(), before);
	/* Refused before sending: no data (a stream would drop them), or too many. */
	CHECK_ERR(lipc_sock_send_fds(sv[0], "", 0, fds, 1), EINVAL);
	CHECK_ERR(lipc_sock_send_fds(sv[0], "x", 1, fds, LIPC_SOCK_FDS_MAX + 1), EINVAL);
	CHECK_EQ(lipc_sock_send_fds(sv[0], "x", 1, fds, LIPC_SOCK_FDS_MAX), 1);
	nfds = LIPC_SOCK_FDS_MAX;
	{
		int many[LIPC_SOCK_FDS_MAX];

		CHECK_EQ(lipc_sock_recv_fds(sv[1], buf, sizeof(buf), many, &nfds), 1);
		CHECK_EQ(nfds, LIPC_SOCK_FDS_MAX);
		for (size_t i = 0; i < nfds; i++)
			close(many[i]);
	}
	/* End of stream. */
	close(sv[0]);
	nfds = 1;
	CHECK_EQ(lipc_sock_recv_fds(sv[1], buf, sizeof(buf), got, &nfds), 0);
	CHECK_EQ(nfds, 0);
	close(sv[1]);
	close(dg[0]);
	close(dg[1]);
}

/* Descriptors sent to a channel are closed there: a channel carries bytes. */
static void channel_closes_passed_descriptors(void)
{
	static const char *const schemes[] = { "unix-dgram", "unix-seqpacket" };

	for (size_t s = 0; s < 2; s++) {
		char addr[PATH_MAX];
		struct lipc_chan *c =
			receiver(abstract_addr(addr, sizeof(addr), schemes[s], "fds"), NULL);
		int fd = (int)CHECK_SYS(lipc_sock_connect(addr, -1)), fds[3] = { 0, 1, 2 };
		int before = count_fds();
		struct lipc_msg m = LIPC_MSG_INIT;

		CHECK_EQ(lipc_sock_send_fds(fd, "m", 1, fds, 3), 1);
		expect(c, "m", &m);
		/* seqpacket: the connection was accepted, one more descriptor */
		CHECK_EQ(count_fds(), before + (s == 1));
		close(fd);
		CHECK_SYS(lipc_chan_close(c));
	}
}

/* A socket file nobody listens on is replaced; a live listener's, never. */
static void stale_file_replaced_live_refused(void)
{
	char path[PATH_MAX], addr[PATH_MAX + 16], other[PATH_MAX + 16];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	struct stat st;
	int fd;

	check_path(path, sizeof(path), "sock");
	snprintf(addr, sizeof(addr), "unix:%s", path);
	CHECK(strlen(path) < sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd); /* the file stays: stale */
	CHECK_SYS(lstat(path, &st));
	CHECK(S_ISSOCK(st.st_mode));

	c = receiver(addr, NULL);
	for (size_t s = 0; s < sizeof(unix_schemes) / sizeof(unix_schemes[0]); s++) {
		snprintf(other, sizeof(other), "%s:%s", unix_schemes[s], path);
		CHECK(!lipc_chan_open(other, LIPC_RECV, NULL) && errno == EADDRINUSE);
		CHECK_ERR(lipc_sock_listen(other, 0), EADDRINUSE);
	}
	/* The refused ones never reached the live listener: no client came and went. */
	CHECK_SYS(lipc_chan_set_timeout(c, 0));
	CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
	CHECK_SYS(lipc_chan_set_timeout(c, -1));
	CHECK_EQ(check_wait(send_one(addr, "fresh", false)), 0);
	expect(c, "fresh", &m);
	CHECK_EQ(lipc_chan_recv(c, &m), 0);
	CHECK_SYS(lipc_chan_close(c));
	CHECK(!exists(path));

	/* A live datagram socket is not stolen either. */
	snprintf(other, sizeof(other), "unix-dgram:%s", path);
	c = receiver(other, NULL);
	CHECK(!lipc_chan_open(addr, LIPC_RECV, NULL) && errno == EADDRINUSE);
	CHECK_SYS(lipc_chan_close(c));
	CHECK(!exists(path));
}

static void not_a_socket_is_refused(void)
{
	char path[PATH_MAX], link[PATH_MAX], addr[PATH_MAX + 16];

	check_path(path, sizeof(path), "file");
	close((int)CHECK_SYS(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	snprintf(addr, sizeof(addr), "unix:%s", path);
	CHECK(!lipc_chan_open(addr, LIPC_RECV, NULL) && errno == EEXIST);
	CHECK_ERR(lipc_sock_unlink(addr), EEXIST);
	CHECK(exists(path));

	/* A symbolic link, even to a stale socket, is not followed. */
	check_path(link, sizeof(link), "link");
	CHECK_SYS(symlink(path, link));
	snprintf(addr, sizeof(addr), "unix-seqpacket:%s", link);
	CHECK(!lipc_chan_open(addr, LIPC_RECV, NULL) && errno == ELOOP);
	CHECK_SYS(unlink(link));
	CHECK_SYS(unlink(path));

	CHECK(!lipc_chan_open(path_addr(addr, sizeof(addr), "unix", "no-dir/s"), LIPC_RECV, NULL) &&
	      errno == ENOENT);
}

/* The listener removes its own socket file, only its own, and made it with the mode asked. */

static void socket_file_removed_by_its_creator(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[PATH_MAX], addr[PATH_MAX + 16], said[PATH_MAX + 16];
	struct lipc_chan *c;
	struct stat st;
	int fd;

	umask(022);
	check_path(path, sizeof(path), "sock");
	snprintf(addr, sizeof(addr), "unix:%s", path);
	o.on_create = check_created;
	o.on_create_arg = path;
	c = receiver(addr, &o);
	CHECK_EQ(check_created_calls, 1);
	CHECK_SYS(lstat(path, &st));
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_SYS(lipc_chan_address(c, said, sizeof(said)));
	CHECK_STR(said, addr);
	CHECK_ERR(lipc_chan_address(c, said, 8), ERANGE);
	CHECK_SYS(lipc_chan_close(c));
	CHECK(!exists(path));

	o.mode = 0666;
	c = receiver(addr, &o);
	CHECK_SYS(lstat(path, &st));
	CHECK_EQ(st.st_mode & 0777, 0644); /* the umask applies */

	/* Someone replaced the file: closing leaves theirs alone. */
	CHECK_SYS(unlink(path));
	strcpy(sun.sun_path, path);
	fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	CHECK_SYS(lipc_chan_close(c));
	CHECK(exists(path));
	close(fd);
	CHECK_SYS(lipc_sock_unlink(addr));
	CHECK(!exists(path));

	/* An abstract name has no file: no hook call. */
	c = receiver(abstract_addr(addr, sizeof(addr), "unix", "hook"), &o);
	CHECK_EQ(check_created_calls, 2);
	CHECK_SYS(lipc_chan_close(c));
}

static void path_length_limits(void)
{
	char path[PATH_MAX], addr[PATH_MAX + 16], name[256];
	size_t base;
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;

	check_path(path, sizeof(path), "");
	base = strlen(path);
	if (base > 100)
		CHECK_SKIP("the test directory's path is too long for a 107-byte socket path");
	memset(name, 'p', 107 - base);
	name[107 - base] = '\0';
	check_path(path, sizeof(path), name);
	CHECK_EQ(strlen(path), 107);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	c = receiver(addr, NULL);
	CHECK(exists(path));
	CHECK_EQ(check_wait(send_one(addr, "107", false)), 0);
	expect(c, "107", &m);
	CHECK_SYS(lipc_chan_close(c));
	CHECK(!exists(path));

	/* One byte more: refused before the kernel could cut it short. */
	strcat(addr, "p");
	CHECK(!lipc_chan_open(addr, LIPC_RECV, NULL) && errno == ENAMETOOLONG);
	CHECK(!lipc_chan_open(addr, LIPC_SEND, NULL) && errno == ENAMETOOLONG);
	CHECK_ERR(lipc_sock_listen(addr, 0), ENAMETOOLONG);
	CHECK_ERR(lipc_sock_connect(addr, 0), ENAMETOOLONG);
	CHECK(!exists(addr + 5));
	path[strlen(path) - 1] = '\0'; /* nor the 107-byte name the kernel would have bound */
	CHECK(!exists(path));

	/* An abstract name: up to 107 bytes after the @. */
	check_name(path, sizeof(path), "");
	memset(name, 'a', 107 - strlen(path));
	name[107 - strlen(path)] = '\0';
	snprintf(addr, sizeof(addr), "unix:@%s", check_name(path, sizeof(path), name));
	c = receiver(addr, NULL);
	CHECK_SYS(lipc_chan_close(c));
	strcat(addr, "a");
	CHECK(!lipc_chan_open(addr, LIPC_RECV, NULL) && errno == ENAMETOOLONG);
}

/* Does /proc/net/unix list a socket bound to name? */
static bool bound(const char *name)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512];
	bool found = false;

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, name);

		if (p && (p[strlen(name)] == '\n' || p[strlen(name)] == '\0'))
			found = true;
	}
	fclose(f);
	return found;
}

static void abstract_names_leave_no_file(void)
{
	char name[128], addr[256], dir[PATH_MAX], *slash;
	struct lipc_chan *c;
	struct lipc_msg m = LIPC_MSG_INIT;
	DIR *d;
	struct dirent *e;

	check_path(dir, sizeof(dir), "x");
	slash = strrchr(dir, '/');
	*slash = '\0';
	CHECK_SYS(chdir(dir)); /* a relative name would land here if it became a file */
	snprintf(addr, sizeof(addr), "unix:@%s", check_name(name, sizeof(name), "abstract"));
	c = receiver(addr, NULL);
	CHECK(bound(addr + 5));
	CHECK_EQ(check_wait(send_one(addr, "no file", false)), 0);
	expect(c, "no file", &m);
	d = opendir(".");
	CHECK(d != NULL);
	while ((e = readdir(d)))
		CHECK(!strstr(e->d_name, name));
	closedir(d);
	CHECK(!exists(name));
	CHECK_SYS(lipc_chan_close(c));
	CHECK(!bound(addr + 5)); /* the name went with the socket */
	CHECK_SYS(lipc_sock_unlink(addr));
}

/* A client of a server that is not there is told so at once: no hang. */
static void client_of_dead_server(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[PATH_MAX], addr[PATH_MAX + 16], tcp[64];
	struct lipc_addr a = LIPC_ADDR_INIT;
	socklen_t len = sizeof(struct sockaddr_in6);
	struct sockaddr_storage ss;
	int fd;

	for (size_t s = 0; s < sizeof(unix_schemes) / sizeof(unix_schemes[0]); s++) {
		path_addr(addr, sizeof(addr), unix_schemes[s], "missing");
		CHECK(!lipc_chan_open(addr, LIPC_SEND, NULL) && errno == ENOENT);
		abstract_addr(addr, sizeof(addr), unix_schemes[s], "nobody");
		CHECK(!lipc_chan_open(addr, LIPC_SEND, NULL) && errno == ECONNREFUSED);
	}
	/* A stale file: refused, whatever the type. */
	check_path(path, sizeof(path), "stale");
	strcpy(sun.sun_path, path);
	fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd);
	for (size_t s = 0; s < sizeof(unix_schemes) / sizeof(unix_schemes[0]); s++) {
		snprintf(addr, sizeof(addr), "%s:%s", unix_schemes[s], path);
		CHECK(!lipc_chan_open(addr, LIPC_SEND, NULL) && errno == ECONNREFUSED);
		CHECK_ERR(lipc_sock_connect(addr, 100), ECONNREFUSED);
	}
	CHECK_SYS(lipc_addr_parse(&a, addr));
	CHECK_STR(lipc_addr_strerror(&a, ECONNREFUSED),
		  "nobody is listening there (connection refused)");
	CHECK_SYS(unlink(path));

	/* TCP: a port that was just free. */
	fd = (int)CHECK_SYS(lipc_sock_listen("tcp::0", 0));
	CHECK_SYS(getsockname(fd, (struct sockaddr *)&ss, &len));
	snprintf(tcp, sizeof(tcp), "tcp:127.0.0.1:%u",
		 (unsigned)ntohs(((struct sockaddr_in *)&ss)->sin_port));
	close(fd);
	CHECK(!lipc_chan_open(tcp, LIPC_SEND, NULL) && errno == ECONNREFUSED);
	/* Port 0 is for listeners. */
	CHECK(!lipc_chan_open("tcp::0", LIPC_SEND, NULL) && errno == EINVAL);
}

/*
 * A receiver that goes away, by closing or by dying: the sender's next sends fail with EPIPE,
 * and SIGPIPE never comes (it is left at its default here, so it would kill the test).
 */
static void reader_gone(const char *scheme, bool killed)
{
	char addr[PATH_MAX];
	struct lipc_chan *c;
	int ready[2], i;
	pid_t pid;

	signal(SIGPIPE, SIG_DFL);
	if (!strcmp(scheme, "tcp"))
		snprintf(addr, sizeof(addr), "tcp:127.0.0.1:0");
	else
		abstract_addr(addr, sizeof(addr), scheme, "gone");
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_msg m = LIPC_MSG_INIT;

		c = receiver(addr, NULL);
		CHECK_SYS(lipc_chan_address(c, addr, sizeof(addr)));
		CHECK_EQ(write(ready[1], addr, strlen(addr) + 1), strlen(addr) + 1);
		expect(c, "one", &m);
		if (killed)
			raise(SIGKILL);
		CHECK_SYS(lipc_chan_close(c));
		_exit(0);
	}
	close(ready[1]);
	CHECK(read(ready[0], addr, sizeof(addr)) > 0);
	close(ready[0]);
	c = lipc_chan_open(addr, LIPC_SEND, NULL);
	CHECK(c != NULL);
	CHECK_SYS(lipc_chan_send(c, "one", 3));
	CHECK_EQ(check_wait(pid), killed ? 128 + SIGKILL : 0);
	/* TCP may take one more send to learn of the reset. */
	for (i = 0; i < 10 && lipc_chan_send(c, "more", 4) == 0; i++)
		;
	CHECK(i < 10);
	CHECK_EQ(errno, EPIPE);
	CHECK_ERR(lipc_chan_send(c, "more", 4), EPIPE);
	CHECK_SYS(lipc_chan_close(c));
}

static void sender_to_closed_reader_gets_epipe(void)
{
	for (size_t s = 0; s < sizeof(unix_schemes) / sizeof(unix_schemes[0]); s++)
		reader_gone(unix_schemes[s], false);
	reader_gone("tcp", false);
}

static void sender_to_killed_reader_gets_epipe(void)
{
	for (size_t s = 0; s < sizeof(unix_schemes) / sizeof(unix_schemes[0]); s++)
		reader_gone(unix_schemes[s], true);
	reader_gone("tcp", true);
}

/*
 * Messages with their own boundaries: an empty one is a message (not the end of a seqpacket
 * connection), and one over max_msg is EMSGSIZE, never cut short, and only that one is lost.
 */
static void record_boundaries_and_truncation(void)
{
	static const char *const msgs[] = { "", "12345678", "123456789", "ok" };

	for (size_t s = 1; s < 3; s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		char addr[PATH_MAX];
		struct lipc_chan *c;
		struct lipc_msg m = LIPC_MSG_INIT;

		o.max_msg = 8;
		c = receiver(abstract_addr(addr, sizeof(addr), unix_schemes[s], "trunc"), &o);
		CHECK_EQ(check_wait(sender(addr, NULL, false, msgs, 4)), 0);
		expect(c, "", &m);
		expect(c, "12345678", &m);
		CHECK_ERR(lipc_chan_recv(c, &m), EMSGSIZE);
		expect(c, "ok", &m);
		if (is_dgram(unix_schemes[s])) {
			CHECK_SYS(lipc_chan_set_timeout(c, 0));
			CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
		} else {
			CHECK_EQ(lipc_chan_recv(c, &m), 0);
		}
		CHECK_SYS(lipc_chan_close(c));
	}
}

/* A datagram or record must fit the sender's buffer: the channel says how much that is. */
static void datagram_size_limit(void)
{
	for (size_t s = 1; s < 3; s++) {
		char addr[PATH_MAX];
		struct lipc_chan *rx, *tx;
		struct lipc_msg m = LIPC_MSG_INIT;
		size_t max;
		char *big;

		rx = receiver(abstract_addr(addr, sizeof(addr), unix_schemes[s], "big"), NULL);
		tx = lipc_chan_open(addr, LIPC_SEND, NULL);
		CHECK(tx != NULL);
		max = lipc_chan_max_msg(tx);
		CHECK(max > 1000 && max < LIPC_MSG_MAX_DEFAULT);
		big = calloc(1, max + 1);
		CHECK(big != NULL);
		CHECK_ERR(lipc_chan_send(tx, big, max + 1), EMSGSIZE);
		CHECK_SYS(lipc_chan_send(tx, big, max));
		CHECK_EQ(lipc_chan_recv(rx, &m), 1);
		CHECK_EQ(m.len, max);
		free(big);
		CHECK_SYS(lipc_chan_close(tx));
		CHECK_SYS(lipc_chan_close(rx));
	}
}

/* Has the listener closed fd's connection? A read that does not wait tells. */
static bool shed(int fd)
{
	char byte;
	ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT);

	if (n < 0 && errno != EAGAIN && errno != ECONNRESET)
		check_fail(__FILE__, __LINE__, "recv: %s", strerror(errno));
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

/*
 * At max_clients, the newest connection is shed: closed at once (a Unix client's next send
 * fails with EPIPE, a TCP one is reset), while the clients already there are served on; once
 * one of them has left, a newcomer is served again, even when it arrives in the same instant.
 */
static void max_clients_sheds_the_newest(void)
{
	static const char *const schemes[] = { "unix", "unix-seqpacket", "tcp" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		bool tcp = !strcmp(schemes[i], "tcp");
		struct lipc_chan *rx, *a, *b, *d;
		char addr[PATH_MAX], byte;
		struct lipc_msg m = LIPC_MSG_INIT;
		int fd;

		o.flags = LIPC_CHAN_KEEP;
		o.max_clients = 2;
		if (tcp)
			strcpy(addr, "tcp::0");
		else
			abstract_addr(addr, sizeof(addr), schemes[i], "cap");
		rx = receiver(addr, &o);
		CHECK_SYS(lipc_chan_address(rx, addr, sizeof(addr)));
		a = lipc_chan_open(addr, LIPC_SEND, NULL);
		b = lipc_chan_open(addr, LIPC_SEND, NULL);
		CHECK(a && b);
		CHECK_SYS(lipc_chan_send(a, "a", 1));
		CHECK_SYS(lipc_chan_send(b, "b", 1));
		expect(rx, "a", &m);
		expect(rx, "b", &m);

		/* A third: shed, and it sees so. */
		fd = (int)CHECK_SYS(lipc_sock_connect(addr, -1));
		CHECK_SYS(lipc_chan_set_timeout(rx, 0));
		CHECK_ERR(lipc_chan_recv(rx, &m), EAGAIN);
		if (tcp) {
			CHECK_ERR(recv(fd, &byte, 1, 0), ECONNRESET); /* reset, not a quiet end */
		} else {
			CHECK(shed(fd));
			CHECK_ERR(send(fd, "c", 1, MSG_NOSIGNAL), EPIPE);
		}
		close(fd);

		/* The others are served on. */
		CHECK_SYS(lipc_chan_set_timeout(rx, -1));
		CHECK_SYS(lipc_chan_send(a, "a2", 2));
		expect(rx, "a2", &m);

		/* One leaves as another comes: the newcomer takes its place. */
		CHECK_SYS(lipc_chan_close(b));
		d = lipc_chan_open(addr, LIPC_SEND, NULL);
		CHECK(d != NULL);
		CHECK_SYS(lipc_chan_send(d, "d", 1));
		expect(rx, "d", &m);
		CHECK_SYS(lipc_chan_close(d));
		CHECK_SYS(lipc_chan_close(a));
		CHECK_SYS(lipc_chan_close(rx));
	}
}

/*
 * With ulimit -n 64 and room asked for 1000 clients, accept() runs out of descriptors: the
 * newest clients are shed (through a spare descriptor) instead of ending the receiver or
 * leaving it to wake for ever for a client it cannot take; the client there before is served
 * on, and a newcomer once the flood has gone. The receiver is a child with the low limit.
 */
static void descriptor_limit_sheds_the_newest(void)
{
	enum {
		FLOOD = 80
	};
	char addr[PATH_MAX], got[16];
	int flood[FLOOD], report[2], shed_count = 0;
	struct pollfd pf[FLOOD];
	struct lipc_chan *tx, *late;
	pid_t pid;

	abstract_addr(addr, sizeof(addr), "unix", "emfile");
	CHECK_SYS(pipe2(report, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		struct rlimit rl;
		struct lipc_chan *rx;
		struct lipc_msg m = LIPC_MSG_INIT;

		close(report[0]);
		CHECK_SYS(getrlimit(RLIMIT_NOFILE, &rl));
		rl.rlim_cur = 64;
		CHECK_SYS(setrlimit(RLIMIT_NOFILE, &rl));
		o.flags = LIPC_CHAN_KEEP;
		o.max_clients = 1000;
		rx = receiver(addr, &o);
		CHECK_EQ(write(report[1], "r", 1), 1);
		for (int i = 0; i < 3; i++) {
			CHECK_EQ(lipc_chan_recv(rx, &m), 1);
			CHECK_EQ(write(report[1], m.data, m.len), m.len);
		}
		CHECK_SYS(lipc_chan_close(rx));
		_exit(0);
	}
	close(report[1]);
	CHECK_EQ(read(report[0], got, 1), 1);
	tx = lipc_chan_open(addr, LIPC_SEND, NULL);
	CHECK(tx != NULL);
	CHECK_SYS(lipc_chan_send(tx, "before", 6));
	CHECK_EQ(read(report[0], got, sizeof(got)), 6);
	for (int i = 0; i < FLOOD; i++)
		flood[i] = (int)CHECK_SYS(lipc_sock_connect(addr, -1));
	CHECK_SYS(lipc_chan_send(tx, "after", 5));
	CHECK_EQ(read(report[0], got, sizeof(got)), 5);
	CHECK(!memcmp(got, "after", 5));
	/*
	 * The receiver has taken what its descriptors allow, and shed the rest. "after" may come
	 * out before the receiver has reached the flood in its backlog (on a loaded machine it
	 * serves the connection it has first): wait until a shed connection shows (it reads as
	 * the end of the stream), at most 60 s, then count.
	 */
	for (int i = 0; i < FLOOD; i++)
		pf[i] = (struct pollfd){ .fd = flood[i], .events = POLLIN };
	CHECK(poll(pf, FLOOD, 60000) > 0);
	for (int i = 0; i < FLOOD; i++) {
		shed_count += shed(flood[i]);
		close(flood[i]);
	}
	CHECK(shed_count > 0 && shed_count < FLOOD);
	late = lipc_chan_open(addr, LIPC_SEND, NULL);
	CHECK(late != NULL);
	CHECK_SYS(lipc_chan_send(late, "late", 4));
	CHECK_EQ(read(report[0], got, sizeof(got)), 4);
	CHECK(!memcmp(got, "late", 4));
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_chan_close(late));
	CHECK_SYS(lipc_chan_close(tx));
	close(report[0]);
}

/* Connect and send a frame's length and part of its body, without waiting: the socket. */
static int partial_frame(const char *addr, size_t len, size_t part)
{
	unsigned char head[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
				  (unsigned char)(len >> 8), (unsigned char)len };
	int fd = (int)CHECK_SYS(lipc_sock_connect(addr, -1));
	char *body = malloc(part);

	CHECK(body != NULL);
	memset(body, 'p', part);
	CHECK_EQ(send(fd, head, sizeof(head), MSG_NOSIGNAL), sizeof(head));
	CHECK_EQ(send(fd, body, part, MSG_NOSIGNAL | MSG_DONTWAIT), part);
	free(body);
	return fd;
}

/*
 * The memory a listener holds for unfinished messages is bounded in all: clients that each
 * hold part of a frame fill it, and beyond it the one holding the most is shed (here the
 * first, which holds twice as much as the others), then others; what is kept stays within the
 * bound (4 messages of max_msg and 16 KiB a client), and a well-behaved client is served on.
 */
static void unfinished_messages_are_bounded(void)
{
	enum {
		CLIENTS = 40,
		MAX_CLIENTS = 64
	};
	const size_t max_msg = 256 * 1024, part = 96 * 1024;
	const size_t budget = 4 * (max_msg + 4) + MAX_CLIENTS * 16 * 1024;
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *rx, *tx;
	char addr[PATH_MAX];
	int big, fds[CLIENTS];
	size_t kept = 0;
	struct lipc_msg m = LIPC_MSG_INIT;

	o.flags = LIPC_CHAN_FRAMED | LIPC_CHAN_KEEP;
	o.max_msg = max_msg;
	o.max_clients = MAX_CLIENTS;
	rx = receiver(abstract_addr(addr, sizeof(addr), "unix", "bounded"), &o);
	tx = lipc_chan_open(addr, LIPC_SEND, &o);
	CHECK(tx != NULL);
	CHECK_SYS(lipc_chan_send(tx, "hello", 5));
	expect(rx, "hello", &m);

	big = partial_frame(addr, max_msg, 2 * part);
	for (int i = 0; i < CLIENTS; i++)
		fds[i] = partial_frame(addr, max_msg, part);
	CHECK_SYS(lipc_chan_set_timeout(rx, 0));
	CHECK_ERR(lipc_chan_recv(rx, &m), EAGAIN);
	CHECK(shed(big));
	for (int i = 0; i < CLIENTS; i++)
		if (!shed(fds[i]))
			kept += part;
	CHECK(kept > 0);
	if (kept > budget)
		check_fail(__FILE__, __LINE__, "%zu bytes kept, over the bound of %zu", kept,
			   budget);
	CHECK_SYS(lipc_chan_set_timeout(rx, -1));
	CHECK_SYS(lipc_chan_send(tx, "still", 5));
	expect(rx, "still", &m);
	for (int i = 0; i < CLIENTS; i++)
		close(fds[i]);
	close(big);
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_SYS(lipc_chan_close(rx));
}

/* The stream ends when the last client has gone; with LIPC_CHAN_KEEP it never does. */
static void keep_serves_client_after_client(void)
{
	static const char *const schemes[] = { "unix", "unix-seqpacket" };

	for (size_t s = 0; s < 2; s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		char addr[PATH_MAX];
		struct lipc_chan *c;
		struct lipc_msg m = LIPC_MSG_INIT;

		c = receiver(abstract_addr(addr, sizeof(addr), schemes[s], "end"), NULL);
		CHECK_EQ(check_wait(send_one(addr, "one", false)), 0);
		expect(c, "one", &m);
		CHECK_EQ(lipc_chan_recv(c, &m), 0);
		CHECK_EQ(lipc_chan_recv(c, &m), 0);
		CHECK_SYS(lipc_chan_close(c));

		o.flags = LIPC_CHAN_KEEP;
		c = receiver(abstract_addr(addr, sizeof(addr), schemes[s], "keep"), &o);
		CHECK_EQ(check_wait(send_one(addr, "one", false)), 0);
		expect(c, "one", &m);
		CHECK_EQ(check_wait(send_one(addr, "two", false)), 0);
		expect(c, "two", &m);
		CHECK_SYS(lipc_chan_set_timeout(c, 0));
		CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
		CHECK_SYS(lipc_chan_close(c));
	}
}

static void recv_times_out(void)
{
	for (size_t s = 0; s < sizeof(unix_schemes) / sizeof(unix_schemes[0]); s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		char addr[PATH_MAX];
		struct lipc_chan *c;
		struct lipc_msg m = LIPC_MSG_INIT;

		o.timeout_ms = 30;
		c = receiver(abstract_addr(addr, sizeof(addr), unix_schemes[s], "slow"), &o);
		CHECK_ERR(lipc_chan_recv(c, &m), ETIMEDOUT);
		CHECK_SYS(lipc_chan_set_timeout(c, 0));
		CHECK_ERR(lipc_chan_recv(c, &m), EAGAIN);
		CHECK_SYS(lipc_chan_close(c));
	}
}

/* A receiver that takes nothing: timed sends give up once the socket's buffers are full. */
static void send_times_out(void)
{
	static const char *const schemes[] = { "unix", "unix-dgram", "unix-seqpacket", "tcp" };
	static char chunk[4000];

	for (size_t s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		char addr[PATH_MAX];
		struct lipc_chan *rx, *tx;
		long sent = 0;

		if (!strcmp(schemes[s], "tcp"))
			strcpy(addr, "tcp::0");
		else
			abstract_addr(addr, sizeof(addr), schemes[s], "full");
		rx = receiver(addr, NULL);
		CHECK_SYS(lipc_chan_address(rx, addr, sizeof(addr)));
		o.timeout_ms = 20;
		o.flags = LIPC_CHAN_FRAMED;
		tx = lipc_chan_open(addr, LIPC_SEND, &o);
		CHECK(tx != NULL);
		while (lipc_chan_send(tx, chunk, sizeof(chunk)) == 0)
			sent++;
		CHECK_EQ(errno, ETIMEDOUT);
		CHECK(sent > 0);
		CHECK_SYS(lipc_chan_set_timeout(tx, 0));
		/* A stream that stopped inside a message stays stopped; a datagram socket may go
		 * on. */
		CHECK(lipc_chan_send(tx, chunk, sizeof(chunk)) < 0);
		CHECK(errno == EAGAIN || errno == ETIMEDOUT);
		CHECK_SYS(lipc_chan_close(tx));
		CHECK_SYS(lipc_chan_close(rx));
	}
}

/*
 * A listener whose backlog is full: a connect waits for room, for as long as it was told, and
 * a timed connect that succeeds leaves no send timeout behind.
 */
static void connect_waits_for_room_in_backlog(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char addr[PATH_MAX];
	struct timeval tv;
	socklen_t len = sizeof(tv);
	int lfd, first, fd;

	abstract_addr(addr, sizeof(addr), "unix", "backlog");
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "%s", strchr(addr, '@') + 1);
	lfd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(lfd, (struct sockaddr *)&sun,
		       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				   strlen(sun.sun_path + 1))));
	CHECK_SYS(listen(lfd, 0)); /* room for one */
	first = (int)CHECK_SYS(lipc_sock_connect(addr, 0));
	CHECK_ERR(lipc_sock_connect(addr, 0), EAGAIN);
	CHECK_ERR(lipc_sock_connect(addr, 30), ETIMEDOUT);
	o.timeout_ms = 30;
	CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == ETIMEDOUT);
	o.timeout_ms = 0;
	CHECK(!lipc_chan_open(addr, LIPC_SEND, &o) && errno == EAGAIN);
	close((int)CHECK_SYS(accept4(lfd, NULL, NULL, SOCK_CLOEXEC)));
	fd = (int)CHECK_SYS(lipc_sock_connect(addr, 60000));
	CHECK_SYS(getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len));
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(first);
	close(lfd);
}

static void tcp_listens_on_loopback(void)
{
	struct lipc_chan *c = receiver("tcp::0", NULL), *tx;
	char addr[64], again[64];
	struct lipc_msg m = LIPC_MSG_INIT;
	unsigned port;

	CHECK_SYS(lipc_chan_address(c, addr, sizeof(addr)));
	CHECK_EQ(sscanf(addr, "tcp:127.0.0.1:%u", &port), 1);
	CHECK(port > 0 && port < 65536);
	/* tcp::PORT for a sender means localhost: whichever of ::1 and 127.0.0.1 answers. */
	snprintf(addr, sizeof(addr), "tcp::%u", port);
	tx = lipc_chan_open(addr, LIPC_SEND, NULL);
	CHECK(tx != NULL);
	CHECK_SYS(lipc_chan_address(tx, again, sizeof(again)));
	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%u", port);
	CHECK_STR(again, addr);
	CHECK_SYS(lipc_chan_send(tx, "hello", 5));
	CHECK_SYS(lipc_chan_close(tx));
	expect(c, "hello", &m);
	CHECK_EQ(m.has, 0);
	CHECK_EQ(lipc_chan_recv(c, &m), 0);
	CHECK_ERR(lipc_chan_address(c, again, 5), ERANGE);
	CHECK_SYS(lipc_chan_close(c));
}

static void public_calls_refuse_misuse(void)
{
	int sv[2], fd, tfd;
	pid_t pid;
	uid_t uid;
	gid_t gid;

	CHECK_ERR(lipc_sock_pair(sv, SOCK_RAW), EINVAL);
	CHECK_ERR(lipc_sock_listen("fifo:/tmp/x", 0), EPROTONOSUPPORT);
	CHECK_ERR(lipc_sock_connect("nope:x", 0), EPROTONOSUPPORT);
	CHECK_ERR(lipc_sock_connect("unix:@x", -2), EINVAL);
	CHECK_ERR(lipc_sock_unlink("unix:"), EINVAL);
	CHECK_SYS(lipc_sock_unlink("tcp::80"));

	CHECK_SYS(lipc_sock_pair(sv, SOCK_SEQPACKET | SOCK_NONBLOCK));
	CHECK(fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	CHECK_SYS(lipc_sock_peercred(sv[0], &pid, &uid, &gid));
	CHECK_EQ(pid, getpid());
	CHECK_EQ(uid, getuid());
	CHECK_EQ(gid, getgid());
	close(sv[0]);
	close(sv[1]);

	/* Where SO_PEERCRED would "succeed" with uid -1, the library says there is nobody. */
	fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	CHECK_ERR(lipc_sock_peercred(fd, &pid, NULL, NULL), ENOTCONN);
	close(fd);
	fd = (int)CHECK_SYS(lipc_sock_listen("tcp::0", 0));
	tfd = (int)CHECK_SYS(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	CHECK_ERR(lipc_sock_peercred(tfd, NULL, NULL, NULL), ENOPROTOOPT);
	close(tfd);
	close(fd);
}

/* The lipc command on sockets. */

/*
 * Wait until a running command has written a line holding needle to fd (its captured standard
 * output or error), and copy what follows needle on that line into rest.
 */
static void wait_for_line(struct check_cmd *c, int fd, const char *needle, char *rest, size_t size)
{
	char buf[4096];

	for (;;) {
		ssize_t n = CHECK_SYS(pread(fd, buf, sizeof(buf) - 1, 0));
		char *p, *nl;

		buf[n] = '\0';
		p = strstr(buf, needle);
		if (p && (nl = strchr(p, '\n'))) {
			*nl = '\0';
			snprintf(rest, size, "%s", p + strlen(needle));
			return;
		}
		if (check_state(c->pid) == 'Z') {
			check_cmd_wait(c);
			check_fail(__FILE__, __LINE__, "exited (%d) before saying \"%s\": %s%s",
				   c->status, needle, c->out, c->err);
		}
		sched_yield();
	}
}

/* The address a `lipc recv -v` says it listens on. */
static void wait_listening(struct check_cmd *c, char *addr, size_t size)
{
	wait_for_line(c, c->err_fd, "lipc: listening on ", addr, size);
}

static void cli_unix_round_trip(void)
{
	char path[PATH_MAX], addr[PATH_MAX + 16], said[PATH_MAX + 16], expected[256];
	struct check_cmd rx, tx;

	snprintf(addr, sizeof(addr), "unix:%s", check_path(path, sizeof(path), "sock"));
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", addr));
	wait_listening(&rx, said, sizeof(said));
	CHECK_STR(said, addr);
	CHECK(exists(path));
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", addr, "one", "", "three words")), 0);
	CHECK_STR(tx.err, "");
	CHECK_EQ(check_cmd_wait(&rx), 0);
	snprintf(expected, sizeof(expected),
		 "len=3 pid=%d uid=%u gid=%u\tone\n"
		 "len=0 pid=%d uid=%u gid=%u\t\n"
		 "len=11 pid=%d uid=%u gid=%u\tthree words\n",
		 (int)tx.pid, (unsigned)getuid(), (unsigned)getgid(), (int)tx.pid,
		 (unsigned)getuid(), (unsigned)getgid(), (int)tx.pid, (unsigned)getuid(),
		 (unsigned)getgid());
	CHECK_STR(rx.out, expected);
	CHECK(!exists(path)); /* the receiver made it, and removed it */
	check_cmd_free(&tx);
	check_cmd_free(&rx);
}

static void cli_every_scheme(void)
{
	static const char *const schemes[] = { "unix", "unix-dgram", "unix-seqpacket", "tcp" };

	for (size_t s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
		char addr[PATH_MAX], said[PATH_MAX];
		struct check_cmd rx, tx;
		/* Byte streams need frames for a newline; datagrams and records keep boundaries. */
		bool stream = !strcmp(schemes[s], "unix") || !strcmp(schemes[s], "tcp");

		if (!strcmp(schemes[s], "tcp"))
			strcpy(addr, "tcp::0");
		else
			abstract_addr(addr, sizeof(addr), schemes[s], "cli");
		check_cmd_start(&rx, NULL,
				stream ? LIPC_ARGV("recv", "-v", "-n", "2", "--framed", addr)
				       : LIPC_ARGV("recv", "-v", "-n", "2", addr));
		wait_listening(&rx, said, sizeof(said));
		if (!strcmp(schemes[s], "tcp"))
			CHECK(!strncmp(said, "tcp:127.0.0.1:", 14));
		else
			CHECK_STR(said, addr);
		CHECK_EQ(check_cmd_run(&tx, NULL,
				       stream ? LIPC_ARGV("send", "-f", said, "a\nb", "c")
					      : LIPC_ARGV("send", said, "a\nb", "c")),
			 0);
		CHECK_EQ(check_cmd_wait(&rx), 0);
		CHECK_CONTAINS(rx.out, "\ta\nb\n");
		CHECK_CONTAINS(rx.out, "len=1");
		check_cmd_free(&tx);
		check_cmd_free(&rx);
	}
}

/* As a user sees it: a clear line and status 1, or a usage error with status 2. */
static void cli_errors(void)
{
	char path[PATH_MAX], addr[PATH_MAX + 16], said[PATH_MAX], abs[PATH_MAX];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct check_cmd c, rx;
	int fd;

	snprintf(addr, sizeof(addr), "unix:%s", check_path(path, sizeof(path), "sock"));
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("send", addr, "x")), 1);
	CHECK_CONTAINS(c.err, "lipc: cannot open ");
	CHECK_CONTAINS(c.err, "No such file or directory");
	check_cmd_free(&c);

	strcpy(sun.sun_path, path);
	fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("send", addr, "x")), 1);
	CHECK_CONTAINS(c.err, "nobody is listening there");
	check_cmd_free(&c);

	/* A live listener is not stolen: the second receiver fails, the first goes on. */
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", "-n", "1", addr));
	wait_listening(&rx, said, sizeof(said));
	check_cmd_run(&c, NULL, LIPC_ARGV("recv", addr));
	CHECK_EQ(c.status, 1);
	CHECK_CONTAINS(c.err, "a receiver is already listening there");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("send", addr, "still here")), 0);
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_CONTAINS(rx.out, "\tstill here\n");
	check_cmd_free(&rx);
	CHECK(!exists(path));

	close((int)CHECK_SYS(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("recv", addr)), 1);
	CHECK_CONTAINS(c.err, "exists and is not a socket");
	check_cmd_free(&c);
	CHECK_SYS(unlink(path));

	/* Usage errors. */
	memset(abs, 'p', 120);
	memcpy(abs, "unix:/", 6);
	abs[120] = '\0';
	const struct check_usage cases[] = {
		{ "recv", "File name too long", { "recv", abs } },
		{ "recv", "is not an address", { "recv", "tcp:localhost" } },
		{ "send", "is not an address", { "send", "tcp:h:65536", "x" } },
		{ "send", "is not an address", { "send", "tcp:::1:80", "x" } },
		{ "recv",
		  "allow-uid 'no-such-user-x' is no user",
		  { "recv", "--allow-uid", "no-such-user-x", "unix:@x" } },
		{ "recv",
		  "allow-uid '4294967295' is out of range",
		  { "recv", "--allow-uid", "4294967295", "unix:@x" } },
		{ "send",
		  "owner 'no-such-user-x' is no user",
		  { "send", "--owner", "no-such-user-x", "unix:@x", "m" } },
		{ "send",
		  "--owner does not apply to tcp",
		  { "send", "--owner", "0", "tcp::1", "x" } },
		{ "recv",
		  "--owner applies to a unix socket's sender",
		  { "recv", "--owner", "0", "unix:@x" } },
		{ "recv",
		  "--max-clients applies to",
		  { "recv", "--max-clients", "4", "unix-dgram:@x" } },
		{ "recv",
		  "max-clients '0' is out of range",
		  { "recv", "--max-clients", "0", "unix:@x" } },
		{ "send",
		  "unknown option '--max-clients'",
		  { "send", "--max-clients", "4", "unix:@x", "m" } },
		{ "recv", "--allow-uid needs a unix", { "recv", "--allow-uid", "0", "tcp::0" } },
		{ "recv",
		  "--allow-uid needs a unix",
		  { "recv", "--allow-uid", "0", "fifo:/tmp/x" } },
		{ "recv", "'--allow-uid' needs an argument", { "recv", "unix:@x", "--allow-uid" } },
		{ "send", "port 0 is for a receiver", { "send", "tcp:[::1]:0", "x" } },
	};
	CHECK_USAGE_ERRORS(cases);
}

/*
 * recv --allow-uid: another user's message never shows; the allowed user's does. The other
 * user sends through the library, which needs no copy of lipc that it may run.
 */
static void cli_allow_uid(void)
{
	char addr[PATH_MAX], said[PATH_MAX], uid[16], from[64];
	struct check_cmd rx, tx;
	pid_t pid;

	if (!check_other_uid())
		return;
	abstract_addr(addr, sizeof(addr), "unix-seqpacket", "allow");
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", "--allow-uid", uid, "-n", "1", addr));
	wait_listening(&rx, said, sizeof(said));
	pid = check_fork();
	if (pid == 0) {
		struct lipc_chan *c;

		check_become_other_uid();
		c = lipc_chan_open(addr, LIPC_SEND, NULL);
		CHECK(c != NULL);
		/* Refused: its send succeeds, or fails with EPIPE once the receiver closed it. */
		if (lipc_chan_send(c, "from nobody", 11) < 0)
			CHECK_EQ(errno, EPIPE);
		lipc_chan_close(c);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", addr, "from root")), 0);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	snprintf(from, sizeof(from), "uid=%u gid=%u\tfrom root\n", (unsigned)getuid(),
		 (unsigned)getgid());
	CHECK_CONTAINS(rx.out, from);
	CHECK(!strstr(rx.out, "nobody"));
	check_cmd_free(&tx);
	check_cmd_free(&rx);
}

/*
 * A `lipc send` that a full listener sheds says so: held right after its connect() while the
 * listener, serving its one client (max_clients 1), sheds it, it then fails with one line.
 */
static void cli_shed_sender_says_so(void)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	struct lipc_chan *rx, *a;
	struct check_cmd tx;
	char addr[PATH_MAX];
	struct lipc_msg m = LIPC_MSG_INIT;

	o.flags = LIPC_CHAN_KEEP;
	o.max_clients = 1;
	rx = receiver(abstract_addr(addr, sizeof(addr), "unix", "shed"), &o);
	a = lipc_chan_open(addr, LIPC_SEND, NULL);
	CHECK(a != NULL);
	CHECK_SYS(lipc_chan_send(a, "first", 5));
	expect(rx, "first", &m);
	check_cmd_start_traced(&tx, NULL, LIPC_ARGV("send", addr, "second"));
	check_traced_until(&tx, CHECK_SYSCALLS(SYS_connect), 1, true);
	CHECK_SYS(lipc_chan_set_timeout(rx, 0));
	CHECK_ERR(lipc_chan_recv(rx, &m), EAGAIN);
	check_traced_go(&tx);
	CHECK_EQ(check_cmd_wait(&tx), 1);
	CHECK_FAILURE(&tx, "the receiver has gone, or shed this connection");
	check_cmd_free(&tx);
	CHECK_SYS(lipc_chan_close(a));
	CHECK_SYS(lipc_chan_close(rx));
}

/*
 * Killed while it listens: it dies of the signal and takes its socket file with it. SIGTERM,
 * because a test started from a script's background job inherits SIGINT ignored.
 */
static void cli_interrupted_recv_removes_its_socket(void)
{
	char path[PATH_MAX], addr[PATH_MAX + 16], said[PATH_MAX + 16];
	struct check_cmd rx;

	snprintf(addr, sizeof(addr), "unix-dgram:%s", check_path(path, sizeof(path), "sock"));
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", addr));
	wait_listening(&rx, said, sizeof(said));
	CHECK(exists(path));
	CHECK_SYS(kill(rx.pid, SIGTERM));
	CHECK_EQ(check_cmd_wait(&rx), 128 + SIGTERM);
	CHECK(!exists(path));
	check_cmd_free(&rx);
}

/* recv --keep serves sender after sender; without it, the first sender's leaving ends it. */
static void cli_keep(void)
{
	char addr[PATH_MAX], said[PATH_MAX];
	struct check_cmd rx, tx;

	abstract_addr(addr, sizeof(addr), "unix", "keep");
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", "--keep", "-n", "2", addr));
	wait_listening(&rx, said, sizeof(said));
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", addr, "one")), 0);
	check_cmd_free(&tx);
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", addr, "two")), 0);
	check_cmd_free(&tx);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_CONTAINS(rx.out, "\tone\n");
	CHECK_CONTAINS(rx.out, "\ttwo\n");
	check_cmd_free(&rx);
}

/*
 * One sender breaks off in the middle of a frame, another sends too much: each is disconnected
 * and said so, and a third is still served. The exit status tells that messages were lost.
 */
static void cli_broken_sender_does_not_stop_recv(void)
{
	char addr[PATH_MAX], said[PATH_MAX];
	struct check_cmd rx, tx;
	struct lipc_chan *c;
	int fd;

	abstract_addr(addr, sizeof(addr), "unix", "broken");
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", "-k", "-f", "-n", "2", addr));
	wait_listening(&rx, said, sizeof(said));
	/* A frame, then half of one. */
	fd = (int)CHECK_SYS(lipc_sock_connect(addr, -1));
	CHECK_EQ(write(fd,
		       "\0\0\0\x05"
		       "hello"
		       "\0\0\0\x10"
		       "abc",
		       16),
		 16);
	close(fd);
	wait_for_line(&rx, rx.err_fd, "in the middle of a message", said, sizeof(said));
	/* A line where a frame should be: "line" reads as a length of 1.8 GB. */
	c = lipc_chan_open(addr, LIPC_SEND, NULL);
	CHECK(c != NULL);
	CHECK_SYS(lipc_chan_send(c, "line", 4));
	CHECK_SYS(lipc_chan_close(c));
	wait_for_line(&rx, rx.err_fd, "Message too long", said, sizeof(said));
	CHECK_EQ(check_cmd_run(&tx, NULL, LIPC_ARGV("send", "-f", addr, "after")), 0);
	check_cmd_free(&tx);
	CHECK_EQ(check_cmd_wait(&rx), 1);
	CHECK_CONTAINS(rx.out, "len=5");
	CHECK_CONTAINS(rx.out, "\thello\n");
	CHECK_CONTAINS(rx.out, "\tafter\n");
	CHECK_CONTAINS(rx.err, "a message was lost: a sender left in the middle of a message");
	CHECK_CONTAINS(rx.err, "a message was lost: Message too long");
	check_cmd_free(&rx);
}

/* Plain tools talk to lipc: here Python's socket module, when there is a python3. */
static void cli_plain_tools(void)
{
	char addr[PATH_MAX], said[PATH_MAX];
	struct check_cmd rx, py;

	if (access("/usr/bin/python3", X_OK) != 0 && system("command -v python3 >/dev/null") != 0)
		CHECK_SKIP("no python3 to play the plain tool");
	abstract_addr(addr, sizeof(addr), "unix", "py");
	check_cmd_start(&rx, NULL, LIPC_ARGV("recv", "-v", addr));
	wait_listening(&rx, said, sizeof(said));
	check_cmd_run(
		&py, NULL,
		(const char *const[]){ "python3", "-c",
				       "import socket, sys\n"
				       "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
				       "s.connect('\\0' + sys.argv[1][1:])\n"
				       "s.sendall(b'hi from python\\nsecond line\\n')\n",
				       addr + 5, NULL });
	CHECK_EQ(py.status, 0);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	CHECK_CONTAINS(rx.out, "\thi from python\n");
	CHECK_CONTAINS(rx.out, "\tsecond line\n");
	check_cmd_free(&py);
	check_cmd_free(&rx);
}

static void demo_socket(void)
{
	struct check_cmd c;
	char *server, *client, *answer;

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "socket")), 0);
	CHECK_STR(c.err, "");
	CHECK_CONTAINS(c.out, "Socket (Unix domain and TCP)");
	CHECK_CONTAINS(c.out, "a file of type 's'");
	CHECK_CONTAINS(c.out, "client 1: SO_PEERCRED says pid ");
	CHECK_CONTAINS(c.out, "\"onetwothree\": the boundaries are gone");
	CHECK_CONTAINS(c.out, "recv(MSG_TRUNC) tells 5");
	CHECK_CONTAINS(c.out, "read() \"a line only the descriptor can reach\"");
	CHECK_CONTAINS(c.out, "with pid 0 uid -1 gid -1");
	CHECK_CONTAINS(c.out, "=> ");
	/* The order the IPC imposes: the answer reaches client 1 before client 1 leaves. */
	server = strstr(c.out, "client 1: SO_PEERCRED");
	client = strstr(c.out, "read() \"welcome, client 1");
	answer = strstr(c.out, "read() returned 0: client 1 closed");
	CHECK(server && client && answer && server < client && client < answer);
	check_cmd_free(&c);

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour")), 0);
	CHECK(strstr(c.out, "FIFO (named pipe)") < strstr(c.out, "Socket (Unix domain and TCP)"));
	check_cmd_free(&c);
}

/* The examples, built with the bare compiler and run as the guide says. */

static void example_echo_server_and_client(void)
{
	char path[PATH_MAX], server[PATH_MAX], expected[PATH_MAX * 3], rest[PATH_MAX];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct check_cmd srv, cl;
	int fd;

	check_path(path, sizeof(path), "echo");
	/* A stale socket file first: the server must take its place. */
	strcpy(sun.sun_path, path);
	fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd);

	snprintf(server, sizeof(server), "%s", check_example("sock_stream_server"));
	check_cmd_start(&srv, NULL, (const char *const[]){ server, path, "2", NULL });
	wait_for_line(&srv, srv.out_fd, "listening on ", rest, sizeof(rest));
	CHECK_STR(rest, path);
	/* A second server is refused: the first one is alive. */
	CHECK_EQ(check_cmd_run(&cl, NULL, (const char *const[]){ server, path, NULL }), 1);
	CHECK_CONTAINS(cl.err, "a server is already listening there");
	check_cmd_free(&cl);

	CHECK_EXAMPLE_OUTPUT("sock_stream_client", check_no_numbers,
			     "client N: sent \"hello\", got back \"hello\"\n"
			     "client N: sent \"world\", got back \"world\"\n",
			     path, "hello", "world", NULL);
	CHECK_EQ(check_cmd_run(&cl, NULL,
			       (const char *const[]){ check_example("sock_stream_client"), path,
						      "again", NULL }),
		 0);
	check_cmd_free(&cl);
	CHECK_EQ(check_cmd_wait(&srv), 0);
	snprintf(expected, sizeof(expected),
		 "server N: %s is stale (connect: connection refused): removing it\n"
		 "server N: listening on %s\n"
		 "server N: client pid N uid N connected\n"
		 "server N: client pid N left; N bytes echoed\n"
		 "server N: client pid N uid N connected\n"
		 "server N: client pid N left; N bytes echoed\n",
		 path, path);
	CHECK_STR(check_no_numbers(srv.out), check_no_numbers(expected));
	CHECK_STR(srv.err, "");
	check_cmd_free(&srv);
	CHECK(!exists(path));

	/* Nobody listening: the client says so at once. */
	CHECK_EQ(check_cmd_run(&cl, NULL,
			       (const char *const[]){ check_example("sock_stream_client"), path,
						      "x", NULL }),
		 1);
	CHECK_CONTAINS(cl.err, "is sock_stream_server running?");
	check_cmd_free(&cl);
	check_example_remove("sock_stream_server");
	check_example_remove("sock_stream_client");
}

static void example_fd_pass(void)
{
	char sock[PATH_MAX], file[PATH_MAX], prog[PATH_MAX], rest[PATH_MAX];
	char expected[PATH_MAX * 2];
	struct check_cmd rx, tx;
	int fd;

	check_path(sock, sizeof(sock), "pass");
	check_path(file, sizeof(file), "file");
	fd = (int)CHECK_SYS(open(file, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
	CHECK_EQ(write(fd, "first line\nsecond line\n", 23), 23);
	close(fd);
	snprintf(prog, sizeof(prog), "%s", check_example("sock_fd_pass"));
	check_cmd_start(&rx, NULL, (const char *const[]){ prog, "recv", sock, NULL });
	wait_for_line(&rx, rx.out_fd, "waiting on ", rest, sizeof(rest));
	CHECK_EQ(check_cmd_run(&tx, NULL, (const char *const[]){ prog, "send", sock, file, NULL }),
		 0);
	CHECK_EQ(check_cmd_wait(&rx), 0);
	snprintf(expected, sizeof(expected), "sender N: sent descriptor N of %s\n", file);
	CHECK_STR(check_no_numbers(tx.out), check_no_numbers(expected));
	snprintf(expected, sizeof(expected),
		 "receiver N: waiting on %s\n"
		 "receiver N: got descriptor N; reading the file through it:\n"
		 "first line\nsecond line\n",
		 sock);
	CHECK_STR(check_no_numbers(rx.out), check_no_numbers(expected));
	CHECK_STR(rx.err, "");
	CHECK(!exists(sock));
	check_cmd_free(&tx);
	check_cmd_free(&rx);
	CHECK_SYS(unlink(file));
	check_example_remove("sock_fd_pass");
}

/*
 * Batches (lipc_chan_send_many, lipc_chan_recv_many). A batch is an array of struct_size-strided
 * messages; these helpers read and write it with memcpy, since a stride such as LIPC__MSG_1_0
 * leaves the elements unaligned.
 */
static const char *const batch_schemes[] = { "unix-dgram", "unix-seqpacket", "unix", "tcp" };

/* n messages of stride bytes each, struct_size stride, every other byte zero. */
static unsigned char *batch_new(size_t stride, size_t n)
{
	unsigned char *b = calloc(n, stride);

	CHECK(b != NULL);
	for (size_t i = 0; i < n; i++)
		memcpy(b + i * stride, &stride, sizeof(stride));
	return b;
}

static void batch_set(unsigned char *b, size_t stride, size_t i, const char *text)
{
	const void *data = text;
	size_t len = strlen(text);

	memcpy(b + i * stride + offsetof(struct lipc_msg, data), &data, sizeof(data));
	memcpy(b + i * stride + offsetof(struct lipc_msg, len), &len, sizeof(len));
}

/* Message i as far as the caller's struct goes (a whole one of ours, the rest zero). */
static struct lipc_msg batch_get(const unsigned char *b, size_t stride, size_t i)
{
	struct lipc_msg m;

	memset(&m, 0, sizeof(m));
	memcpy(&m, b + i * stride, stride < sizeof(m) ? stride : sizeof(m));
	return m;
}

static void check_text(const struct lipc_msg *m, const char *text)
{
	if (m->len != strlen(text) || memcmp(m->data, text, m->len))
		check_fail(__FILE__, __LINE__, "expected \"%s\", got \"%.*s\"", text, (int)m->len,
			   (const char *)m->data);
}

/* texts[0..n) as one send_many() of ordinary structs: how many went. */
static int send_texts(struct lipc_chan *tx, const char *const *texts, size_t n)
{
	unsigned char *b = batch_new(sizeof(struct lipc_msg), n);
	int r;

	for (size_t i = 0; i < n; i++)
		batch_set(b, sizeof(struct lipc_msg), i, texts[i]);
	r = lipc_chan_send_many(tx, (struct lipc_msg *)(void *)b, n);
	free(b);
	return r;
}

/* A process that sends texts[0..n) in one batch to addr (as nobody when asked) and exits. */
static pid_t batch_sender(const char *addr, bool as_nobody, const char *const *texts, size_t n)
{
	pid_t pid = check_fork();

	if (pid == 0) {
		struct lipc_chan *c;

		if (as_nobody)
			check_become_other_uid();
		c = lipc_chan_open(addr, LIPC_SEND, NULL);
		if (!c)
			check_fail(__FILE__, __LINE__, "open %s: %s", addr, strerror(errno));
		CHECK_EQ(send_texts(c, texts, n), n);
		CHECK_SYS(lipc_chan_close(c));
		_exit(0);
	}
	return pid;
}

static struct lipc_chan *batch_receiver(char *addr, size_t size, const char *scheme,
					const struct lipc_chan_opts *o, const char *what)
{
	struct lipc_chan *rx;

	if (!strcmp(scheme, "tcp"))
		snprintf(addr, size, "tcp::0");
	else
		abstract_addr(addr, size, scheme, what);
	rx = receiver(addr, o);
	CHECK_SYS(lipc_chan_address(rx, addr, size));
	return rx;
}

/*
 * A batch arrives whole and in order, each message with its sender's credentials; asked for
 * more than there are, the receive returns those there are without waiting for more (it waits
 * for ever: a wait would hang the test), and then, with a timeout of 0, EAGAIN.
 */
static void batch_arrives_whole_and_in_order(void)
{
	static const char *const texts[] = { "one", "", "three", "four", "five", "six", "seven" };
	const size_t n = sizeof(texts) / sizeof(texts[0]);

	for (size_t s = 0; s < sizeof(batch_schemes) / sizeof(batch_schemes[0]); s++) {
		bool tcp = !strcmp(batch_schemes[s], "tcp");
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		unsigned char *in = batch_new(sizeof(struct lipc_msg), 2 * n);
		char addr[PATH_MAX];
		struct lipc_chan *rx, *tx;
		size_t got = 0;

		o.flags = LIPC_CHAN_FRAMED; /* the empty message too, on a stream */
		rx = batch_receiver(addr, sizeof(addr), batch_schemes[s], &o, "batch");
		tx = lipc_chan_open(addr, LIPC_SEND, &o);
		CHECK(tx != NULL);
		CHECK_EQ(send_texts(tx, texts, n), n);
		/* TCP may hand over a write in parts, even on the loopback: it may take calls. */
		while (got < n) {
			int r = lipc_chan_recv_many(rx, (struct lipc_msg *)(void *)in, 2 * n);

			CHECK(r > 0);
			CHECK(got + (size_t)r <= n);
			if (!tcp)
				CHECK_EQ(r, n);
			for (int i = 0; i < r; i++) {
				struct lipc_msg m =
					batch_get(in, sizeof(struct lipc_msg), (size_t)i);

				check_text(&m, texts[got + (size_t)i]);
				CHECK_EQ(m.has, tcp ? 0 : LIPC_MSG_CRED);
				if (!tcp) {
					CHECK_EQ(m.pid, getpid());
					CHECK_EQ(m.uid, getuid());
				}
			}
			got += (size_t)r;
		}
		CHECK_SYS(lipc_chan_set_timeout(rx, 0));
		CHECK_ERR(lipc_chan_recv_many(rx, (struct lipc_msg *)(void *)in, 2 * n), EAGAIN);
		CHECK_SYS(lipc_chan_close(tx));
		CHECK_SYS(lipc_chan_close(rx));
		free(in);
	}
}

/*
 * Each message of a batch carries its own sender's credentials: datagrams from root and from
 * nobody, and records of two connections, taken in one receive; with LIPC_CHAN_ALLOW_UID, the
 * datagrams of the other user are dropped from inside the batch.
 */
static void batch_credentials_per_message(void)
{
	static const char *const mine[] = { "a1", "a2" }, *const theirs[] = { "b1", "b2", "b3" };

	if (!check_other_uid())
		return;
	for (size_t s = 0; s < 2; s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		struct lipc_msg in[16];
		char addr[PATH_MAX];
		struct lipc_chan *rx;
		pid_t a, b;

		for (size_t i = 0; i < 16; i++)
			in[i] = (struct lipc_msg)LIPC_MSG_INIT;
		rx = batch_receiver(addr, sizeof(addr), batch_schemes[s], &o, "bcred");
		a = batch_sender(addr, false, mine, 2);
		CHECK_EQ(check_wait(a), 0);
		b = batch_sender(addr, true, theirs, 3);
		CHECK_EQ(check_wait(b), 0);
		CHECK_EQ(lipc_chan_recv_many(rx, in, 16), 5);
		for (size_t i = 0; i < 5; i++) {
			bool first = i < 2;

			check_text(&in[i], first ? mine[i] : theirs[i - 2]);
			CHECK_EQ(in[i].has, LIPC_MSG_CRED);
			CHECK_EQ(in[i].pid, first ? a : b);
			CHECK_EQ(in[i].uid, first ? getuid() : CHECK_OTHER_UID);
			CHECK_EQ(in[i].gid, first ? getgid() : CHECK_OTHER_GID);
		}
		CHECK_SYS(lipc_chan_close(rx));
	}
	/* The filter, inside a batch: mine, theirs, mine again; only mine arrive. */
	{
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		static const char *const more[] = { "a3" };
		struct lipc_msg in[16];
		char addr[PATH_MAX];
		struct lipc_chan *rx;

		for (size_t i = 0; i < 16; i++)
			in[i] = (struct lipc_msg)LIPC_MSG_INIT;
		o.flags = LIPC_CHAN_ALLOW_UID;
		o.allow_uid = getuid();
		rx = batch_receiver(addr, sizeof(addr), "unix-dgram", &o, "ballow");
		CHECK_EQ(check_wait(batch_sender(addr, false, mine, 2)), 0);
		CHECK_EQ(check_wait(batch_sender(addr, true, theirs, 3)), 0);
		CHECK_EQ(check_wait(batch_sender(addr, false, more, 1)), 0);
		CHECK_EQ(lipc_chan_recv_many(rx, in, 16), 3);
		check_text(&in[0], "a1");
		check_text(&in[1], "a2");
		check_text(&in[2], "a3");
		for (size_t i = 0; i < 3; i++)
			CHECK_EQ(in[i].uid, getuid());
		CHECK_SYS(lipc_chan_set_timeout(rx, 0));
		CHECK_ERR(lipc_chan_recv_many(rx, in, 16), EAGAIN);
		CHECK_SYS(lipc_chan_close(rx));
	}
}

/*
 * A datagram or record over max_msg in the middle of a batch: the messages before it arrive,
 * the next receive says EMSGSIZE (it is gone), and the one after it goes on with the rest.
 */
static void batch_stops_at_a_message_too_long(void)
{
	static const char *const texts[] = { "one", "two", "123456789", "three", "four" };

	for (size_t s = 0; s < 2; s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		struct lipc_msg in[16];
		char addr[PATH_MAX];
		struct lipc_chan *rx, *tx;

		for (size_t i = 0; i < 16; i++)
			in[i] = (struct lipc_msg)LIPC_MSG_INIT;
		o.max_msg = 8;
		rx = batch_receiver(addr, sizeof(addr), batch_schemes[s], &o, "blong");
		tx = lipc_chan_open(addr, LIPC_SEND, NULL);
		CHECK(tx != NULL);
		CHECK_EQ(send_texts(tx, texts, 5), 5);
		CHECK_SYS(lipc_chan_close(tx));
		CHECK_EQ(lipc_chan_recv_many(rx, in, 16), 2);
		check_text(&in[0], "one");
		check_text(&in[1], "two");
		CHECK_ERR(lipc_chan_recv_many(rx, in, 16), EMSGSIZE);
		CHECK_EQ(lipc_chan_recv_many(rx, in, 16), 2);
		check_text(&in[0], "three");
		check_text(&in[1], "four");
		CHECK_SYS(lipc_chan_set_timeout(rx, 0));
		if (s == 0)
			CHECK_ERR(lipc_chan_recv_many(rx, in, 16), EAGAIN);
		else
			CHECK_EQ(lipc_chan_recv_many(rx, in, 16), 0); /* the sender left */
		CHECK_SYS(lipc_chan_close(rx));
	}
}

/*
 * sendmmsg() into a receiver that takes nothing: with a timeout of 0 the batch stops where the
 * queue is full, says how many went, and the next call, starting there, says EAGAIN; with a
 * timeout, it waits for room and then says so with ETIMEDOUT. What went arrives, in order.
 */
static void send_many_stops_when_the_queue_is_full(void)
{
	enum {
		N = LIPC_CHAN_BATCH_MAX
	};
	static char texts[N][1000];
	const char *ptrs[N];

	for (size_t i = 0; i < N; i++) {
		memset(texts[i], 'x', sizeof(texts[i]) - 1);
		snprintf(texts[i], 12, "%zu:", i);
		texts[i][strlen(texts[i])] = 'x';
		ptrs[i] = texts[i];
	}
	for (size_t s = 0; s < 2; s++) {
		struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
		size_t sent = 0, got = 0;
		struct lipc_msg in[64];
		char addr[PATH_MAX];
		struct lipc_chan *rx, *tx;
		int r;

		for (size_t i = 0; i < 64; i++)
			in[i] = (struct lipc_msg)LIPC_MSG_INIT;
		rx = batch_receiver(addr, sizeof(addr), batch_schemes[s], NULL, "bfull");
		o.timeout_ms = 0;
		tx = lipc_chan_open(addr, LIPC_SEND, &o);
		CHECK(tx != NULL);
		r = send_texts(tx, ptrs, N);
		CHECK(r > 0 && r < N);
		sent = (size_t)r;
		CHECK_ERR(send_texts(tx, ptrs + sent, N - sent), EAGAIN);
		CHECK_SYS(lipc_chan_set_timeout(tx, 20));
		CHECK_ERR(send_texts(tx, ptrs + sent, N - sent), ETIMEDOUT);
		CHECK_SYS(lipc_chan_close(tx));
		CHECK_SYS(lipc_chan_set_timeout(rx, 0));
		while ((r = lipc_chan_recv_many(rx, in, 64)) > 0) {
			for (int i = 0; i < r; i++)
				check_text(&in[i], texts[got + (size_t)i]);
			got += (size_t)r;
		}
		CHECK_EQ(got, sent);
		if (s == 0)
			CHECK_EQ(errno, EAGAIN);
		else
			CHECK_EQ(r, 0);
		CHECK_SYS(lipc_chan_close(rx));
	}
}

/*
 * The stride is the caller's struct_size: a newer caller's larger structs (their extra bytes
 * zero, and left so) and a 1.0 caller's smaller ones (LIPC__MSG_1_0 bytes, nothing written
 * past them) work for both calls.
 */
static void batch_stride_is_the_callers(void)
{
	static const char *const texts[] = { "alpha", "beta", "gamma" };
	const size_t strides[] = { sizeof(struct lipc_msg) + 24, LIPC__MSG_1_0 };

	for (size_t s = 0; s < 3; s++) {
		for (size_t k = 0; k < 2; k++) {
			size_t stride = strides[k], other = strides[1 - k];
			unsigned char *out = batch_new(stride, 3), *in = batch_new(other, 8);
			struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
			char addr[PATH_MAX];
			struct lipc_chan *rx, *tx;

			o.flags = LIPC_CHAN_KEEP;
			rx = batch_receiver(addr, sizeof(addr), batch_schemes[s], &o, "bstride");
			tx = lipc_chan_open(addr, LIPC_SEND, NULL);
			CHECK(tx != NULL);
			for (size_t i = 0; i < 3; i++)
				batch_set(out, stride, i, texts[i]);
			CHECK_EQ(lipc_chan_send_many(tx, (struct lipc_msg *)(void *)out, 3), 3);
			CHECK_EQ(lipc_chan_recv_many(rx, (struct lipc_msg *)(void *)in, 8), 3);
			for (size_t i = 0; i < 8; i++) {
				struct lipc_msg m = batch_get(in, other, i);

				CHECK_EQ(m.struct_size, other);
				for (size_t j = sizeof(struct lipc_msg); j < other; j++)
					CHECK_EQ(in[i * other + j], 0);
				if (i >= 3)
					continue;
				check_text(&m, texts[i]);
				CHECK_EQ(m.has, LIPC_MSG_CRED);
				CHECK_EQ(m.pid, getpid());
			}
			/* The same array, read back the other way. */
			for (size_t i = 0; i < 3; i++)
				batch_set(out, stride, i, texts[2 - i]);
			CHECK_EQ(lipc_chan_send_many(tx, (struct lipc_msg *)(void *)out, 3), 3);
			/* A newer struct whose extra bytes are not zero asks for what is not here.
			 */
			if (stride > sizeof(struct lipc_msg)) {
				out[stride - 1] = 1;
				CHECK_ERR(
					lipc_chan_send_many(tx, (struct lipc_msg *)(void *)out, 3),
					E2BIG);
				out[stride - 1] = 0;
			}
			CHECK_SYS(lipc_chan_close(tx));
			CHECK_EQ(lipc_chan_recv_many(rx, (struct lipc_msg *)(void *)out, 3), 3);
			for (size_t i = 0; i < 3; i++) {
				struct lipc_msg m = batch_get(out, stride, i);

				CHECK_EQ(m.struct_size, stride);
				check_text(&m, texts[2 - i]);
			}
			CHECK_SYS(lipc_chan_close(rx));
			free(out);
			free(in);
		}
	}
}

/*
 * A stream listener's batch: after the first message, only the whole messages a connection's
 * buffer holds, with no read between (a read first moves the unfinished message at the end
 * over those handed out, and would wait); the unfinished one comes whole with the next call.
 */
static void stream_batch_takes_only_what_is_buffered(void)
{
	struct lipc_msg in[8];
	char addr[PATH_MAX];
	struct lipc_chan *rx;
	int fd;

	for (size_t i = 0; i < 8; i++)
		in[i] = (struct lipc_msg)LIPC_MSG_INIT;
	rx = receiver(abstract_addr(addr, sizeof(addr), "unix", "bbuf"), NULL);
	fd = (int)CHECK_SYS(lipc_sock_connect(addr, -1));
	CHECK_EQ(write(fd, "one\ntwo\npart", 12), 12);
	CHECK_EQ(lipc_chan_recv_many(rx, in, 8), 2);
	check_text(&in[0], "one");
	check_text(&in[1], "two");
	CHECK_EQ(write(fd, "ial\n", 4), 4);
	CHECK_EQ(lipc_chan_recv_many(rx, in, 8), 1);
	check_text(&in[0], "partial");
	CHECK_EQ(in[0].has, LIPC_MSG_CRED);
	close(fd);
	CHECK_EQ(lipc_chan_recv_many(rx, in, 8), 0);
	CHECK_SYS(lipc_chan_close(rx));
}

CHECK_MAIN(TEST(addresses), TEST_T(traffic_unix_lines, 120),
	   TEST_T(traffic_unix_frames_abstract, 120), TEST_T(traffic_unix_dgram, 120),
	   TEST_T(traffic_unix_seqpacket, 120), TEST_T(traffic_tcp_lines, 120),
	   TEST_T(traffic_tcp_frames_ipv6, 120), TEST(unix_clients_at_once),
	   TEST(unix_framed_clients_at_once), TEST(seqpacket_clients_at_once),
	   TEST(tcp_clients_at_once), TEST(credentials_are_the_senders),
	   TEST(credentials_without_pid_vouch_for_nobody), TEST(allow_uid_refuses_others),
	   TEST(sender_checks_its_receiver), TEST(passed_descriptor_reads_the_file),
	   TEST(extra_descriptors_are_closed), TEST(channel_closes_passed_descriptors),
	   TEST(stale_file_replaced_live_refused), TEST(not_a_socket_is_refused),
	   TEST(socket_file_removed_by_its_creator), TEST(path_length_limits),
	   TEST(abstract_names_leave_no_file), TEST(client_of_dead_server),
	   TEST(sender_to_closed_reader_gets_epipe), TEST(sender_to_killed_reader_gets_epipe),
	   TEST(record_boundaries_and_truncation), TEST(datagram_size_limit),
	   TEST(keep_serves_client_after_client), TEST(max_clients_sheds_the_newest),
	   TEST(descriptor_limit_sheds_the_newest), TEST(unfinished_messages_are_bounded),
	   TEST(recv_times_out), TEST(send_times_out), TEST(connect_waits_for_room_in_backlog),
	   TEST(tcp_listens_on_loopback), TEST(public_calls_refuse_misuse),
	   TEST(cli_unix_round_trip), TEST(cli_every_scheme), TEST(cli_errors), TEST(cli_allow_uid),
	   TEST(cli_shed_sender_says_so), TEST(cli_interrupted_recv_removes_its_socket),
	   TEST(cli_keep), TEST(cli_broken_sender_does_not_stop_recv), TEST(cli_plain_tools),
	   TEST(demo_socket), TEST(example_echo_server_and_client), TEST(example_fd_pass),
	   TEST(batch_arrives_whole_and_in_order), TEST(batch_credentials_per_message),
	   TEST(batch_stops_at_a_message_too_long), TEST(send_many_stops_when_the_queue_is_full),
	   TEST(batch_stride_is_the_callers), TEST(stream_batch_takes_only_what_is_buffered))
