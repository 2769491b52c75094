/* SPDX-License-Identifier: MIT */
/*
 * lipc demo fifo: two processes that share no descriptor meet at a path. The writer's
 * non-blocking open fails while nobody reads, a blocking open waits for the other end, the data
 * never touches the disk, and the name is removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "lipc/fifo.h"

static const char *const jobs[] = { "job 1", "job 2", "job 3" };

static void reader(const char *path, int ready)
{
	char buf[256];
	size_t len = 0;
	ssize_t n;
	int fd;

	say("reader", "open(O_RDONLY) blocks until some process opens the FIFO for writing");
	close(ready); /* tells the parent this line is out */
	fd = lipc_fifo_open(path, LIPC_RECV, 0, 0, -1);
	if (fd < 0)
		_exit(demo_fail("open(O_RDONLY)"));
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		_exit(demo_fail("read"));
	buf[len] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		say("reader", "read \"%s\"", line);
	say("reader", "read() returned 0: the only writer closed, so this is end of file");
	demo_exit();
}

static void writer(const char *path)
{
	int fd = lipc_fifo_open(path, LIPC_SEND, 0, 0, -1);

	if (fd < 0)
		_exit(demo_fail("open(O_WRONLY)"));
	say("writer", "open(O_WRONLY) returned: with a reader there, both opens complete");
	say("writer", "write() %zu lines, then close()", sizeof(jobs) / sizeof(jobs[0]));
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++)
		if (dprintf(fd, "%s\n", jobs[i]) < 0)
			_exit(demo_fail("write"));
	close(fd);
	demo_exit();
}

/* Reader, then writer; each waits for the other in open(), so demo_reap() ends both at once. */
static int meet(const char *path)
{
	pid_t pids[2] = { -1, -1 };
	int sync[2];
	char c;

	if (pipe2(sync, O_CLOEXEC) < 0)
		return demo_fail("pipe2");
	pids[0] = demo_fork();
	if (pids[0] < 0) {
		close(sync[0]);
		close(sync[1]);
		return demo_fail("fork");
	}
	if (pids[0] == 0) {
		close(sync[0]);
		reader(path, sync[1]);
	}
	close(sync[1]);
	/* End of file: the reader has said it is about to block (or died). */
	while (read(sync[0], &c, 1) < 0 && errno == EINTR)
		;
	close(sync[0]);
	pids[1] = demo_fork();
	if (pids[1] < 0) {
		demo_fail("fork");
		kill(pids[0], SIGKILL); /* it would wait for a writer for ever */
		demo_reap(pids, 1);
		return 1;
	}
	if (pids[1] == 0)
		writer(path);
	/* Should one fail to open, the other would wait for it for ever: demo_reap kills it. */
	return demo_reap(pids, 2);
}

int demo_fifo(void)
{
	char path[PATH_MAX + 80];
	struct stat st;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/fifo", demo_dir());
	/* mkfifo, through the library's create (a reader's open that does not wait, closed). */
	fd = lipc_fifo_open(path, LIPC_RECV, LIPC_CREATE | LIPC_EXCL, 0600, 0);
	if (fd < 0) {
		ret = demo_fail("mkfifo");
		lipc_fifo_unlink(path); /* made, but not opened (EMFILE): leave nothing */
		return ret;
	}
	close(fd);
	if (stat(path, &st) < 0) {
		ret = demo_fail("stat");
		goto out_unlink;
	}
	say("parent", "mkfifo(\"%s\", 0600): a file of type '%c', size %lld; data never goes there",
	    path, S_ISFIFO(st.st_mode) ? 'p' : '?', (long long)st.st_size);

	fd = lipc_fifo_open(path, LIPC_SEND, 0, 0, 0);
	if (fd >= 0) {
		close(fd);
		ret = demo_failf("open(O_WRONLY | O_NONBLOCK) with no reader succeeded "
				 "(unexpected)");
		goto out_unlink;
	}
	if (errno != ENXIO) {
		ret = demo_fail("open(O_WRONLY | O_NONBLOCK)");
		goto out_unlink;
	}
	say("parent", "open(O_WRONLY | O_NONBLOCK) with no reader: fails with ENXIO");
	ret = meet(path);

out_unlink:
	if (lipc_fifo_unlink(path) < 0 && ret == 0)
		ret = demo_fail("unlink");
	if (ret == 0) {
		say("parent",
		    "unlink(): the name is gone; the FIFO's data only ever lived in the kernel");
		takeaway("A FIFO is a pipe with a name: unrelated processes meet at a path, and "
			 "each "
			 "open waits for the other end.");
	}
	return ret;
}
