/* SPDX-License-Identifier: MIT */
/*
 * An "old" program: built against the public headers of LinuxIPC 1.0 as they were released (kept
 * in tests/abi/v1.0/), and run against the library of today and against a library whose every
 * extensible struct has grown a field (tests/abi/CMakeLists.txt builds both). It passes each of
 * its structs to the library with the struct ending exactly at a page that may not be touched, so
 * a library that read or wrote past the caller's struct_size (a whole-struct copy of its own,
 * larger struct) dies of SIGSEGV here rather than corrupting memory quietly; and it checks that
 * what the library filled in is right. Plain C against the library alone, no test harness: the
 * harness is built against today's headers. Exit 0 passes, 1 fails (with the line on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lipc/lipc.h>

#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "consumer.c:%d: %s (errno %d: %s)\n", __LINE__, #cond,     \
				errno, strerror(errno));                                           \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/*
 * Room for size bytes that end where a PROT_NONE page begins, zeroed (the start is aligned for
 * any struct whose size is a multiple of its alignment, as every struct's is).
 */
static void *at_page_end(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = (size + (size_t)page - 1) / (size_t)page;
	unsigned char *p = mmap(NULL, (pages + 1) * (size_t)page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	EXPECT(p != MAP_FAILED);
	EXPECT(mprotect(p + pages * (size_t)page, (size_t)page, PROT_NONE) == 0);
	memset(p, 0, pages * (size_t)page);
	return p + pages * (size_t)page - size;
}

/* A struct of the 1.0 headers at a page's end, initialised as its INIT macro says. */
#define GUARDED(type, init) memcpy(at_page_end(sizeof(type)), &(type)init, sizeof(type))

static void version(void)
{
	/* The library may be newer than these headers, never of another major version. */
	EXPECT(lipc_version() >= LIPC_VERSION_NUMBER);
	EXPECT(lipc_version() / 10000 == LIPC_VERSION_MAJOR);
}

static void addresses(void)
{
	struct lipc_addr *a = GUARDED(struct lipc_addr, LIPC_ADDR_INIT);

	EXPECT(lipc_addr_parse(a, "unix:@lipc-abi") == 0);
	EXPECT(a->struct_size == sizeof(struct lipc_addr));
	EXPECT(a->scheme == LIPC_SCHEME_UNIX && !strcmp(a->path, "@lipc-abi"));
	EXPECT(lipc_addr_parse(a, "tcp:[::1]:8080") == 0);
	EXPECT(a->scheme == LIPC_SCHEME_TCP && !strcmp(a->host, "::1") && a->port == 8080);
	EXPECT(lipc_addr_strerror(a, ECONNREFUSED) != NULL);
}

/* Options, messages: over a pipe, framed, with a message of every size class. */
static void channel(void)
{
	struct lipc_chan_opts *o = GUARDED(struct lipc_chan_opts, LIPC_CHAN_OPTS_INIT);
	struct lipc_msg *out = GUARDED(struct lipc_msg, LIPC_MSG_INIT);
	struct lipc_msg *in = GUARDED(struct lipc_msg, LIPC_MSG_INIT);
	struct lipc_chan *tx, *rx;
	int fds[2];

	o->flags = LIPC_CHAN_FRAMED;
	o->timeout_ms = 5000;
	EXPECT(pipe2(fds, O_CLOEXEC) == 0);
	tx = lipc_chan_open_fd(fds[1], LIPC_SEND, o);
	rx = lipc_chan_open_fd(fds[0], LIPC_RECV, o);
	EXPECT(tx && rx);
	out->data = "hello\nworld";
	out->len = 11;
	EXPECT(lipc_chan_sendmsg(tx, out) == 0);
	EXPECT(lipc_chan_send(tx, "", 0) == 0);
	EXPECT(lipc_chan_recv(rx, in) == 1);
	EXPECT(in->struct_size == sizeof(struct lipc_msg));
	EXPECT(in->len == 11 && !memcmp(in->data, "hello\nworld", 11));
	EXPECT(lipc_chan_recv(rx, in) == 1 && in->len == 0);
	EXPECT(lipc_chan_close(tx) == 0);
	EXPECT(lipc_chan_recv(rx, in) == 0); /* the end of the stream */
	EXPECT(lipc_chan_close(rx) == 0);
}

/* The queue's statistics, where POSIX queues exist. */
static void queue_stat(void)
{
	struct lipc_chan_stat *st = GUARDED(struct lipc_chan_stat, LIPC_CHAN_STAT_INIT);
	struct lipc_chan_opts *o = GUARDED(struct lipc_chan_opts, LIPC_CHAN_OPTS_INIT);
	char addr[64];
	struct lipc_chan *c;

	snprintf(addr, sizeof(addr), "mq:/lipc-test-%d-abi", (int)getpid());
	o->timeout_ms = 0;
	c = lipc_chan_open(addr, LIPC_RECV, o);
	if (!c && (errno == ENOSYS || errno == ENOENT))
		return; /* no mqueue file system here: nothing to see */
	EXPECT(c);
	EXPECT(lipc_chan_stat(c, st) == 0);
	EXPECT(st->struct_size == sizeof(struct lipc_chan_stat));
	EXPECT(st->created && st->msgs == 0 && st->msg_size > 0 && st->msg_size_limit);
	EXPECT(lipc_chan_close(c) == 0);
	EXPECT(lipc_msgq_posix_unlink(addr + 3) == 0);
}

static void locks(void)
{
	struct lipc_lock *lk = GUARDED(struct lipc_lock, LIPC_LOCK_INIT);
	struct lipc_lock *other = GUARDED(struct lipc_lock, LIPC_LOCK_INIT);
	struct lipc_lock_owner *who = GUARDED(struct lipc_lock_owner, LIPC_LOCK_OWNER_INIT);
	struct lipc_lock_owner *list = at_page_end(2 * sizeof(struct lipc_lock_owner));
	struct lipc_lock_info *all = at_page_end(4 * sizeof(struct lipc_lock_info));
	char again[64];
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		fd = fileno(tmpfile());
	EXPECT(fd >= 0);
	lk->fd = fd;
	lk->len = 1;
	EXPECT(lipc_lock_lock(lk, -1) == 0);
	/* The same file through another open file description: the lock is in its way. */
	snprintf(again, sizeof(again), "/proc/self/fd/%d", fd);
	other->fd = open(again, O_RDWR | O_CLOEXEC);
	EXPECT(other->fd >= 0);
	EXPECT(lipc_lock_try_lock(other) == 0);
	EXPECT(lipc_lock_holder(other, who) == 1);
	EXPECT(who->struct_size == sizeof(struct lipc_lock_owner));
	EXPECT(who->kind == LIPC_LOCK_OFD && who->start == 0 && who->len == 1);
	list[0].struct_size = sizeof(struct lipc_lock_owner);
	EXPECT(lipc_lock_list(fd, list, 2) == 1);
	EXPECT(list[0].struct_size == sizeof(struct lipc_lock_owner) && list[0].len == 1);
	all[0].struct_size = sizeof(struct lipc_lock_info);
	EXPECT(lipc_lock_list_all(all, 4) >= 1);
	EXPECT(all[0].struct_size == sizeof(struct lipc_lock_info));
	EXPECT(lipc_lock_unlock(lk) == 0);
	EXPECT(lipc_lock_try_lock(other) == 1);
	close(other->fd);
	close(fd);
}

static void shared_memory(void)
{
	struct lipc_shm *shm = GUARDED(struct lipc_shm, LIPC_SHM_INIT);
	char buf[6];

	EXPECT(lipc_shm_create_anon(shm, 4096) == 0);
	EXPECT(shm->struct_size == sizeof(struct lipc_shm));
	EXPECT(shm->addr && shm->size == 4096 && shm->fd == -1 && !shm->read_only);
	EXPECT(lipc_shm_write(shm, 100, "hello", 6) == 0);
	EXPECT(lipc_shm_read(shm, 100, buf, 6) == 0 && !strcmp(buf, "hello"));
	EXPECT(lipc_shm_close(shm) == 0);
	EXPECT(lipc_shm_create_memfd(shm, "lipc-abi", 8192) == 0);
	EXPECT(shm->fd >= 0 && shm->size == 8192);
	EXPECT(lipc_shm_close(shm) == 0);
}

static void ring(void)
{
	struct lipc_ring_stat *st = GUARDED(struct lipc_ring_stat, LIPC_RING_STAT_INIT);
	char name[64];
	struct lipc_ring *r;

	snprintf(name, sizeof(name), "/lipc-test-%d-abi-ring", (int)getpid());
	r = lipc_ring_open(name, LIPC_SEND, LIPC_CREATE, 0, 0600);
	EXPECT(r);
	EXPECT(lipc_ring_stat(name, st) == 0);
	EXPECT(st->struct_size == sizeof(struct lipc_ring_stat));
	EXPECT(st->capacity == LIPC_RING_CAPACITY_DEFAULT && st->used == 0 && st->producer &&
	       !st->consumer);
	EXPECT(lipc_ring_close(r) == 0);
	EXPECT(lipc_ring_unlink(name) == 0);
}

static void child(void)
{
	struct lipc_child *c = GUARDED(struct lipc_child, LIPC_CHILD_INIT);
	char cat[] = "cat";
	char *const argv[] = { cat, NULL };
	char buf[8];
	int status;

	EXPECT(lipc_pipe_spawn(c, argv, LIPC_CHILD_STDIN | LIPC_CHILD_STDOUT) == 0);
	EXPECT(c->struct_size == sizeof(struct lipc_child) && c->pid > 0);
	EXPECT(write(c->to_child, "abi", 3) == 3);
	EXPECT(read(c->from_child, buf, sizeof(buf)) == 3 && !memcmp(buf, "abi", 3));
	status = lipc_pipe_wait(c);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void signals(void)
{
	struct lipc_signal_info *info = GUARDED(struct lipc_signal_info, LIPC_SIGNAL_INFO_INIT);
	sigset_t set, old;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	fd = lipc_signal_open(&set, &old);
	EXPECT(fd >= 0);
	EXPECT(sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 42 }) == 0);
	EXPECT(lipc_signal_recv(fd, info, 5000) == SIGUSR1);
	EXPECT(info->struct_size == sizeof(struct lipc_signal_info));
	EXPECT(info->signo == SIGUSR1 && info->code == SI_QUEUE && info->value == 42);
	EXPECT(info->pid == getpid());
	close(fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	version();
	addresses();
	channel();
	queue_stat();
	locks();
	shared_memory();
	ring();
	child();
	signals();
	printf("a program built against the 1.0 headers ran against liblipc %d\n", lipc_version());
	return 0;
}
