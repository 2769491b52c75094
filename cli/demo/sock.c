/* SPDX-License-Identifier: MIT */
/*
 * lipc demo socket: a Unix stream server holds two clients at once and knows, from the kernel,
 * who each one is; a datagram socket keeps the boundaries a stream loses, and reports a
 * message cut short; an open file passes from one process to another; and TCP carries the same
 * stream, with no credentials. Each narrated line follows the event that orders it: a client
 * speaks only after the server's answer reached it, the server only after the client closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "lipc/sock.h"

/* A client of the stream server: say hello, wait for the answer, tell it, leave. */
static void client(const char *address, int n)
{
	char hello[32], buf[128];
	ssize_t len;
	int fd = lipc_sock_connect(address, -1);

	if (fd < 0)
		_exit(demo_fail("connect"));
	len = snprintf(hello, sizeof(hello), "hello from client %d", n);
	if (write(fd, hello, (size_t)len) != len)
		_exit(demo_fail("write"));
	len = read(fd, buf, sizeof(buf));
	if (len < 0)
		_exit(demo_fail("read"));
	if (len == 0)
		_exit(1); /* the server gave up, and said why */
	say("client", "read() \"%.*s\": the pid the server names is mine", (int)len, buf);
	close(fd);
	demo_exit();
}

struct peer {
	int fd, n;
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/* Accept both clients; each says which one it is, so they can be told in a fixed order. */
static int accept_two(int lfd, struct peer peers[2])
{
	for (int i = 0; i < 2; i++) {
		char buf[64];
		ssize_t len;
		struct peer p;
		int n, r = demo_wait_fd(lfd);

		/* A client that died before it connected would leave accept() waiting for ever. */
		if (r <= 0)
			return r < 0 ? demo_fail("ppoll") : 1; /* 0: it said why */
		p.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (p.fd < 0)
			return demo_fail("accept4");
		len = read(p.fd, buf, sizeof(buf) - 1);
		if (len <= 0) {
			close(p.fd);
			return len < 0 ? demo_fail("read")
				       : demo_failf("read(): a client left early");
		}
		buf[len] = '\0';
		if (sscanf(buf, "hello from client %d", &n) != 1 || n < 1 || n > 2 ||
		    peers[n - 1].fd >= 0) {
			close(p.fd);
			return demo_failf("read(): not a hello: \"%s\"", buf);
		}
		if (lipc_sock_peercred(p.fd, &p.pid, &p.uid, &p.gid) < 0) {
			close(p.fd);
			return demo_fail("getsockopt(SO_PEERCRED)");
		}
		p.n = n;
		peers[n - 1] = p;
	}
	return 0;
}

static int stream_server(const char *dir)
{
	char path[PATH_MAX + 80], address[PATH_MAX + 96];
	struct peer peers[2] = { { .fd = -1 }, { .fd = -1 } };
	pid_t pids[2] = { -1, -1 };
	struct stat st;
	int lfd, ret = 1;

	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(address, sizeof(address), "unix:%s", path);
	lfd = lipc_sock_listen(address, 0600);
	if (lfd < 0)
		return demo_fail("listen");
	if (stat(path, &st) < 0) {
		demo_fail("stat");
		goto out;
	}
	say("server", "socket(AF_UNIX, SOCK_STREAM), bind(\"%s\"), listen(): a file of type '%c'",
	    path, S_ISSOCK(st.st_mode) ? 's' : '?');
	for (int i = 0; i < 2; i++) {
		pids[i] = demo_fork();
		if (pids[i] < 0) {
			demo_fail("fork");
			goto out;
		}
		if (pids[i] == 0) {
			close(lfd);
			client(address, i + 1);
		}
	}
	if (accept_two(lfd, peers))
		goto out;
	say("server", "accept() twice: two connections open at once, each a socket of its own");
	for (int i = 0; i < 2; i++)
		say("server",
		    "client %d: SO_PEERCRED says pid %d uid %u gid %u: the kernel vouches",
		    peers[i].n, (int)peers[i].pid, (unsigned)peers[i].uid, (unsigned)peers[i].gid);
	for (int i = 0; i < 2; i++) {
		char answer[64], c;
		int len = snprintf(answer, sizeof(answer), "welcome, client %d (pid %d)",
				   peers[i].n, (int)peers[i].pid);

		if (write(peers[i].fd, answer, (size_t)len) != len) {
			demo_fail("write");
			goto out;
		}
		if (read(peers[i].fd, &c, 1) != 0) {
			/* The client failed (and said why) or wrote more (it never does). */
			goto out;
		}
		say("server", "read() returned 0: client %d closed its end", peers[i].n);
	}
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (peers[i].fd >= 0)
			close(peers[i].fd);
		if (ret && pids[i] > 0)
			kill(pids[i], SIGKILL); /* it may wait for an answer for ever */
	}
	if (demo_reap(pids, 2))
		ret = 1;
	close(lfd);
	if (unlink(path) < 0 && ret == 0)
		ret = demo_fail("unlink");
	if (ret == 0)
		say("server",
		    "close() and unlink(): the file goes only when the server removes it");
	return ret;
}

/* The same three writes through a stream and through datagrams. */
static int boundaries(void)
{
	static const char *const words[] = { "one", "two", "three" };
	int st[2], dg[2], ret = 1;
	char buf[64];
	ssize_t n;
	pid_t pid;

	if (lipc_sock_pair(st, SOCK_STREAM) < 0)
		return demo_fail("socketpair");
	if (lipc_sock_pair(dg, SOCK_DGRAM) < 0) {
		demo_fail("socketpair");
		goto out_stream;
	}
	say("parent", "socketpair() twice, SOCK_STREAM and SOCK_DGRAM; a child sends \"one\", "
		      "\"two\", \"three\" into each, then exits");
	pid = demo_fork();
	if (pid < 0) {
		demo_fail("fork");
		goto out_dgram;
	}
	if (pid == 0) {
		for (int i = 0; i < 3; i++) {
			if (write(st[0], words[i], strlen(words[i])) < 0)
				_exit(demo_fail("write"));
			if (write(dg[0], words[i], strlen(words[i])) < 0)
				_exit(demo_fail("send"));
		}
		if (write(dg[0], "12345", 5) < 0)
			_exit(demo_fail("send"));
		_exit(0);
	}
	if (demo_reap(&pid, 1))
		goto out_dgram;
	n = read(st[1], buf, sizeof(buf));
	if (n < 0) {
		demo_fail("read");
		goto out_dgram;
	}
	say("parent", "stream: one read() returned %zd bytes, \"%.*s\": the boundaries are gone", n,
	    (int)n, buf);
	for (int i = 0; i < 3; i++) {
		n = recv(dg[1], buf, sizeof(buf), 0);
		if (n < 0) {
			demo_fail("recv");
			goto out_dgram;
		}
		say("parent", "datagram: recv() returned %zd bytes, \"%.*s\"", n, (int)n, buf);
	}
	n = recv(dg[1], buf, 3, MSG_TRUNC);
	if (n < 0) {
		demo_fail("recv");
		goto out_dgram;
	}
	say("parent",
	    "a %zd-byte datagram into a 3-byte buffer: recv(MSG_TRUNC) tells %zd; "
	    "without it, the rest vanishes unseen",
	    n, n);
	ret = 0;
out_dgram:
	close(dg[0]);
	close(dg[1]);
out_stream:
	close(st[0]);
	close(st[1]);
	return ret;
}

/* The child's part: receive a descriptor, read from it. */
static void fd_receiver(int sv)
{
	char buf[128], c;
	size_t nfds = 1;
	ssize_t n;
	int got;

	n = lipc_sock_recv_fds(sv, &c, 1, &got, &nfds);
	if (n < 0)
		_exit(demo_fail("recvmsg"));
	if (n == 0)
		_exit(1); /* the parent gave up, and said why */
	if (nfds != 1)
		_exit(demo_failf("recvmsg(): no descriptor came (unexpected)"));
	n = pread(got, buf, sizeof(buf), 0);
	if (n < 0)
		_exit(demo_fail("pread"));
	say("child", "recvmsg(): the kernel installed it here as fd %d; read() \"%.*s\"", got,
	    (int)n, buf);
	demo_exit();
}

/* An open file goes to a process that never had it: the descriptor, not the path. */
static int pass_descriptor(const char *dir)
{
	static const char secret[] = "a line only the descriptor can reach";
	char path[PATH_MAX + 80];
	int sv[2], fd = -1, ret = 1;
	pid_t pid;

	if (lipc_sock_pair(sv, SOCK_STREAM) < 0)
		return demo_fail("socketpair");
	pid = demo_fork(); /* before the file is opened: the child inherits nothing */
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return demo_fail("fork");
	}
	if (pid == 0) {
		close(sv[0]);
		fd_receiver(sv[1]);
	}
	close(sv[1]);
	snprintf(path, sizeof(path), "%s/secret", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		demo_fail("open");
		goto out;
	}
	if (unlink(path) < 0) {
		demo_fail("unlink");
		goto out;
	}
	if (write(fd, secret, strlen(secret)) < 0) {
		demo_fail("write");
		goto out;
	}
	say("parent",
	    "open(\"%s\") = fd %d, then unlink() it: no process can open that path any more", path,
	    fd);
	say("parent", "sendmsg() fd %d with SCM_RIGHTS to child %d, which never had it", fd,
	    (int)pid);
	if (lipc_sock_send_fds(sv[0], "f", 1, &fd, 1) != 1) {
		demo_fail("sendmsg");
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	close(sv[0]); /* end of file for a child still waiting, should we have failed */
	return demo_reap(&pid, 1) ? 1 : ret;
}

/* TCP: the same stream, through the loopback interface; no credentials to ask for. */
static int tcp(void)
{
	struct sockaddr_in sin;
	struct ucred cred;
	socklen_t len = sizeof(sin);
	char address[32], buf[64];
	int lfd, fd = -1, r, ret = 1;
	ssize_t n;
	pid_t pid;

	lfd = lipc_sock_listen("tcp::0", 0);
	if (lfd < 0)
		return demo_fail("listen");
	if (getsockname(lfd, (struct sockaddr *)&sin, &len) < 0) {
		close(lfd);
		return demo_fail("getsockname");
	}
	snprintf(address, sizeof(address), "tcp::%u", (unsigned)ntohs(sin.sin_port));
	say("server", "TCP: listen() on 127.0.0.1, port 0, so the kernel picked port %u",
	    (unsigned)ntohs(sin.sin_port));
	pid = demo_fork();
	if (pid < 0) {
		close(lfd);
		return demo_fail("fork");
	}
	if (pid == 0) {
		close(lfd);
		fd = lipc_sock_connect(address, -1);
		if (fd < 0)
			_exit(demo_fail("connect"));
		if (write(fd, "hello over TCP", 14) != 14)
			_exit(demo_fail("write"));
		_exit(0);
	}
	/* A client that failed to connect would leave accept() waiting for ever. */
	r = demo_wait_fd(lfd);
	if (r <= 0) {
		if (r < 0)
			demo_fail("ppoll");
		goto out;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		demo_fail("accept4");
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		demo_fail("read");
		goto out;
	}
	say("server", "accept(), read() \"%.*s\"", (int)n, buf);
	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		demo_fail("getsockopt(SO_PEERCRED)");
		goto out;
	}
	say("server",
	    "SO_PEERCRED on it \"succeeds\" with pid %d uid %d gid %d: across a network, no "
	    "kernel vouches for the peer",
	    (int)cred.pid, (int)cred.uid, (int)cred.gid);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	close(lfd);
	return demo_reap(&pid, 1) ? 1 : ret;
}

int demo_sock(void)
{
	const char *dir = demo_dir();
	int ret;

	ret = stream_server(dir);
	if (ret == 0)
		ret = boundaries();
	if (ret == 0)
		ret = pass_descriptor(dir);
	if (ret == 0)
		ret = tcp();
	if (ret == 0)
		takeaway(
			"A Unix socket knows its peers (pid, uid, gid), keeps message boundaries "
			"if asked (datagrams) and passes open files; TCP is the same stream across "
			"machines, with no one vouching for the peer.");
	return ret;
}
