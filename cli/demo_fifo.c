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
#include <stdlib.h>
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
	fd = lipc_fifo_open(path, O_RDONLY, -1);
	if (fd < 0)
		_exit(1);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		say("reader", "read \"%s\"", line);
	say("reader", "read() returned 0: the only writer closed, so this is end of file");
	demo_exit();
}

static void writer(const char *path)
{
	int fd = lipc_fifo_open(path, O_WRONLY, -1);

	if (fd < 0)
		_exit(1);
	say("writer", "open(O_WRONLY) returned: with a reader there, both opens complete");
	say("writer", "write() %zu lines, then close()", sizeof(jobs) / sizeof(jobs[0]));
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++)
		if (dprintf(fd, "%s\n", jobs[i]) < 0)
			_exit(1);
	close(fd);
	demo_exit();
}

int demo_fifo(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	int sync[2], fd, ret = 1;
	pid_t r = -1, w = -1;

	snprintf(dir, sizeof(dir), "%s/lipc-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return demo_fail("mkdtemp");
	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (lipc_fifo_create(path, 0600) < 0 || stat(path, &st) < 0) {
		demo_fail("mkfifo");
		goto out_rmdir;
	}
	say("parent", "mkfifo(\"%s\", 0600): a file of type '%c', size %lld; data never goes there",
	    path, S_ISFIFO(st.st_mode) ? 'p' : '?', (long long)st.st_size);

	fd = lipc_fifo_open(path, O_WRONLY, 0);
	say("parent", "open(O_WRONLY | O_NONBLOCK) with no reader: %s",
	    fd < 0 && errno == ENXIO ? "fails with ENXIO" : "succeeded (unexpected)");
	if (fd >= 0)
		close(fd);

	if (pipe(sync) < 0) {
		demo_fail("pipe");
		goto out_unlink;
	}
	r = fork();
	if (r == 0) {
		close(sync[0]);
		reader(path, sync[1]);
	}
	close(sync[1]);
	/* The reader has said it is about to block once its end of this pipe closes. */
	if (r > 0 && read(sync[0], &fd, 1) >= 0)
		w = fork();
	close(sync[0]);
	if (r < 0 || w < 0) {
		demo_fail("fork");
		if (r > 0)
			kill(r, SIGKILL); /* it would wait for a writer for ever */
		goto out_wait;
	}
	if (w == 0)
		writer(path);
	ret = 0;

out_wait:
	if (w > 0 && demo_wait(w) != 0)
		ret = 1;
	if (r > 0 && demo_wait(r) != 0)
		ret = 1;
out_unlink:
	if (lipc_fifo_unlink(path) < 0 && ret == 0)
		ret = demo_fail("unlink");
out_rmdir:
	rmdir(dir);
	if (ret == 0) {
		say("parent",
		    "unlink(): the name is gone; the FIFO's data only ever lived in the kernel");
		takeaway("A FIFO is a pipe with a name: unrelated processes meet at a path, and "
			 "each "
			 "open waits for the other end.");
	}
	return ret;
}
