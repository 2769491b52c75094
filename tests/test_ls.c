/* SPDX-License-Identifier: MIT */
/*
 * lipc ls, lipc rm and the tour, as a user runs them. ls must show the objects this test makes
 * with each mechanism (and with util-linux ipcmk), its JSON must parse, whatever the names hold;
 * rm must remove each kind and refuse what it must not touch; the tour must run to its end and
 * leave nothing behind. The tests that need to see every object of a kind, or the POSIX queues,
 * run in a sandbox of their own (check_sandboxed): there ls sees only what the test made.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "json.h"
#include "lipc/lock.h"
#include "lipc/msgq.h"
#include "lipc/ring.h"
#include "lipc/sem.h"
#include "lipc/shm.h"
#include "lipc/sock.h"

/*
 * What lipc ls --json prints: {"objects": [{...}, ...], "notes": ["...", ...]}, exactly these two
 * members in this order; each object at most 32 fields, each a string, an integer (lipc ls
 * prints no fractions) or null, but "lag", a ring's, an array of integers (or nulls, for a
 * consumer's position not known); each note a string. json.h checks the grammar, strictly.
 */

#define MAX_FIELDS 32

struct jdoc {
	struct jval *root;
	const struct jval *objs; /* the objects, n of them */
	int n;
	const char *notes[16];
	int n_notes;
};

static void jdoc_parse(const char *text, struct jdoc *d)
{
	const struct jval *objects, *notes;

	memset(d, 0, sizeof(*d));
	d->root = json_parse(text);
	CHECK(d->root->t == J_OBJ && d->root->n == 2);
	CHECK_STR(d->root->keys[0], "objects");
	CHECK_STR(d->root->keys[1], "notes");
	objects = &d->root->items[0];
	notes = &d->root->items[1];
	CHECK(objects->t == J_ARR);
	for (size_t i = 0; i < objects->n; i++) {
		const struct jval *o = &objects->items[i];

		CHECK(o->t == J_OBJ && o->n <= MAX_FIELDS);
		for (size_t j = 0; j < o->n; j++) {
			const struct jval *f = &o->items[j];

			CHECK(strlen(o->keys[j]) < 32);
			if (f->t == J_ARR) {
				CHECK_STR(o->keys[j], "lag");
				for (size_t k = 0; k < f->n; k++)
					CHECK(f->items[k].t == J_NULL ||
					      (f->items[k].t == J_NUM && f->items[k].integer &&
					       f->items[k].num_int >= 0));
				continue;
			}
			CHECK(f->t == J_STR || f->t == J_NULL || (f->t == J_NUM && f->integer));
		}
	}
	d->objs = objects->items;
	d->n = (int)objects->n;
	CHECK(notes->t == J_ARR && notes->n <= 16);
	for (size_t i = 0; i < notes->n; i++) {
		CHECK(notes->items[i].t == J_STR);
		d->notes[d->n_notes++] = notes->items[i].str;
	}
}

static void jdoc_free(struct jdoc *d)
{
	json_free(d->root);
}

/* The object whose name is name (and whose type is type, when not NULL), or a failure. */
static const struct jval *find(const struct jdoc *d, const char *type, const char *name)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(jstr(&d->objs[i], "name"), name) &&
		    (!type || !strcmp(jstr(&d->objs[i], "type"), type)))
			return &d->objs[i];
	check_fail(__FILE__, __LINE__, "lipc ls shows no %s named \"%s\"", type ? type : "object",
		   name);
}

static bool shows(const struct jdoc *d, const char *name)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(jstr(&d->objs[i], "name"), name))
			return true;
	return false;
}

/* lipc ls --json with these arguments, parsed. */
static void ls_json(struct jdoc *d, const char *const *args)
{
	const char *argv[16] = { check_lipc(), "ls", "--json" };
	struct check_cmd c;
	int n = 3;

	for (; args && *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	CHECK_EQ(check_cmd_run(&c, NULL, argv), 0);
	jdoc_parse(c.out, d);
	check_cmd_free(&c);
}

#define LS_JSON(doc, ...) ls_json(doc, (const char *const[]){ __VA_ARGS__, NULL })

/* The part of the lines of text that holds needle, or a failure. */
static const char *line_with(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);

	if (!p)
		check_fail(__FILE__, __LINE__, "no line holds \"%s\" in:\n%s", needle, text);
	while (p > text && p[-1] != '\n')
		p--;
	return p;
}

static char key_name[64];

static const char *sysv_name(const char *scheme, key_t key)
{
	snprintf(key_name, sizeof(key_name), "%s:0x%08x", scheme, (unsigned)key);
	return key_name;
}

/* Is the command on PATH? */
static bool in_path(const char *cmd)
{
	char dirs[4096], file[PATH_MAX], *save;
	const char *path = getenv("PATH");

	snprintf(dirs, sizeof(dirs), "%s", path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof(file), "%s/%s", d, cmd);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

/* ipcmk's output ("Message queue id: 5") as the id. */
static int ipcmk(const char *const argv[])
{
	struct check_cmd c;
	const char *colon;
	int id;

	if (!in_path("ipcmk"))
		check_skip("ipcmk (util-linux) is not installed");
	CHECK_EQ(check_cmd_run(&c, NULL, argv), 0);
	colon = strrchr(c.out, ':');
	CHECK(colon != NULL);
	id = atoi(colon + 1);
	check_cmd_free(&c);
	return id;
}

/* Every kind of object, made here, and what lipc ls says of each. */
static void each_kind(const char *mqueue_dir, void *unused)
{
	char shm_name[128], sem_name[128], ring_name[128], mq_name[128], lock_path[PATH_MAX],
		fifo_path[PATH_MAX], sock_path[PATH_MAX], addr[PATH_MAX + 32], want[PATH_MAX + 32],
		abstract[128];
	key_t mkey = check_key(1), skey = check_key(2), hkey = check_key(3);
	int qid, fifo_fd, lock_fd, listener, client, dgram, mq_ipcmk, shm_ipcmk, sem_ipcmk;
	struct lipc_lock ofd = { .struct_size = sizeof(struct lipc_lock), .fd = -1 };
	struct lipc_shm posix = LIPC_SHM_INIT, sysv = LIPC_SHM_INIT;
	struct lipc_sem *psem, *ssem;
	struct lipc_ring *ring;
	const struct jval *o;
	struct check_cmd c;
	struct jdoc d;
	pid_t waiter;
	mqd_t mq;

	(void)unused;
	(void)mqueue_dir;
	/* System V, through the library and through util-linux's ipcmk. */
	qid = (int)CHECK_SYS(lipc_msgq_sysv_open(mkey, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0600));
	CHECK_SYS(lipc_msgq_sysv_send(qid, 1, "hello", 5, -1));
	CHECK_SYS(lipc_msgq_sysv_send(qid, 2, "world!", 6, -1));
	ssem = lipc_sem_sysv_open(skey, LIPC_CREATE | LIPC_EXCL, 0640, 1);
	CHECK(ssem != NULL);
	CHECK_SYS(lipc_shm_sysv_open(&sysv, hkey, LIPC_CREATE | LIPC_EXCL, 8192, 0600));
	mq_ipcmk = ipcmk((const char *const[]){ "ipcmk", "-Q", NULL });
	shm_ipcmk = ipcmk((const char *const[]){ "ipcmk", "-M", "4096", "-p", "0640", NULL });
	sem_ipcmk = ipcmk((const char *const[]){ "ipcmk", "-S", "3", NULL });

	/* POSIX shared memory, a named semaphore, a ring, a queue. */
	shm_name[0] = sem_name[0] = ring_name[0] = mq_name[0] = '/';
	check_name(shm_name + 1, sizeof(shm_name) - 1, "shm");
	check_name(sem_name + 1, sizeof(sem_name) - 1, "sem");
	check_name(ring_name + 1, sizeof(ring_name) - 1, "ring");
	check_name(mq_name + 1, sizeof(mq_name) - 1, "mq");
	CHECK_SYS(lipc_shm_open(&posix, shm_name, LIPC_CREATE | LIPC_EXCL, 5000, 0640));
	psem = lipc_sem_open(sem_name, LIPC_CREATE | LIPC_EXCL, 0600, 3);
	CHECK(psem != NULL);
	ring = lipc_ring_open(ring_name, LIPC_SEND, LIPC_CREATE, 4096, 0600);
	CHECK(ring != NULL);
	CHECK_SYS(lipc_ring_push(ring, "0123456789", 10, 0));
	mq = lipc_msgq_posix_open(mq_name, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0600, 5, 100);
	CHECK(mq != (mqd_t)-1);
	for (int i = 0; i < 3; i++)
		CHECK_SYS(lipc_msgq_posix_send(mq, "m", 1, 0, 0));

	/* A lock held, a lock waited for; a FIFO open; sockets listening, connected, bound. */
	check_path(lock_path, sizeof(lock_path), "lock");
	lock_fd = (int)CHECK_SYS(open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
	ofd.fd = lock_fd;
	ofd.len = 10; /* bytes 0 to 9 */
	CHECK_SYS(lipc_lock_lock(&ofd, 0));
	waiter = check_fork();
	if (waiter == 0) {
		struct lipc_lock posix_lock = { .struct_size = sizeof(struct lipc_lock),
						.kind = LIPC_LOCK_POSIX,
						.start = 10,
						.len = 5 };

		posix_lock.fd = (int)CHECK_SYS(open(lock_path, O_RDWR | O_CLOEXEC));
		CHECK_SYS(lipc_lock_lock(&posix_lock, 0)); /* a range nobody holds */
		posix_lock.start = 0;
		posix_lock.len = 0;
		lipc_lock_lock(&posix_lock, -1); /* waits behind the OFD lock until killed */
		_exit(1);
	}
	/* Until its request waits in the kernel's queue, as /proc/locks shows. */
	for (bool waits = false; !waits; sched_yield()) {
		struct lipc_lock_owner owners[8] = { LIPC_LOCK_OWNER_INIT };
		int n = (int)CHECK_SYS(lipc_lock_list(lock_fd, owners, 8));

		for (int i = 0; i < n && i < 8; i++)
			waits |= owners[i].waiting && owners[i].pid == waiter;
	}
	check_path(fifo_path, sizeof(fifo_path), "fifo");
	CHECK_SYS(mkfifo(fifo_path, 0640));
	fifo_fd = (int)CHECK_SYS(open(fifo_path, O_RDWR | O_CLOEXEC));
	check_path(sock_path, sizeof(sock_path), "sock");
	snprintf(addr, sizeof(addr), "unix:%s", sock_path);
	listener = (int)CHECK_SYS(lipc_sock_listen(addr, 0600));
	client = (int)CHECK_SYS(lipc_sock_connect(addr, -1));
	close((int)CHECK_SYS(accept4(listener, NULL, NULL, SOCK_CLOEXEC))); /* gone: not counted */
	snprintf(abstract, sizeof(abstract), "unix-dgram:@lipc-test-%d-dgram", (int)check_pid);
	dgram = (int)CHECK_SYS(lipc_sock_listen(abstract, 0));

	LS_JSON(&d, "-o",
		"type,name,owner,uid,perms,size,used,count,key,id,pid,state,cpid,lock,"
		"access,start,end,changed,lastop");

	o = find(&d, "sysv-mq", sysv_name("sysv-mq", mkey));
	CHECK_EQ(jnum(o, "count"), 2);
	CHECK_EQ(jnum(o, "used"), 11);
	CHECK_EQ(jnum(o, "key"), (unsigned)mkey);
	CHECK_EQ(jnum(o, "id"), qid);
	CHECK_STR(jstr(o, "perms"), "0600");
	CHECK_EQ(jnum(o, "uid"), getuid());
	CHECK_STR(jstr(o, "owner"), "root");
	CHECK(jnum(o, "size") > 0); /* msg_qbytes */
	CHECK(strchr(jstr(o, "lastop"), 'T') != NULL);
	o = find(&d, "sysv-sem", sysv_name("sysv-sem", skey));
	CHECK_EQ(jnum(o, "count"), 1);
	CHECK_STR(jstr(o, "perms"), "0640");
	o = find(&d, "sysv-shm", sysv_name("sysv-shm", hkey));
	CHECK_EQ(jnum(o, "size"), 8192);
	CHECK_EQ(jnum(o, "count"), 2); /* attached here, and in the waiter forked since */
	CHECK_EQ(jnum(o, "cpid"), getpid());

	snprintf(want, sizeof(want), "sysv-mq:id=%d", mq_ipcmk);
	for (int i = 0; i < d.n; i++) {
		const struct jval *x = &d.objs[i];

		/* ipcmk picks a key at random: find its objects by id. */
		if (!strcmp(jstr(x, "type"), "sysv-mq") && jnum(x, "id") == mq_ipcmk)
			CHECK_STR(jstr(x, "perms"), "0644");
		if (!strcmp(jstr(x, "type"), "sysv-shm") && jnum(x, "id") == shm_ipcmk) {
			CHECK_STR(jstr(x, "perms"), "0640");
			CHECK_EQ(jnum(x, "size"), 4096);
		}
		if (!strcmp(jstr(x, "type"), "sysv-sem") && jnum(x, "id") == sem_ipcmk)
			CHECK_EQ(jnum(x, "count"), 3);
	}

	o = find(&d, "shm", shm_name);
	CHECK_EQ(jnum(o, "size"), 5000);
	CHECK_STR(jstr(o, "perms"), "0640");
	snprintf(want, sizeof(want), "sem:%s", sem_name);
	o = find(&d, "sem", want);
	CHECK_STR(jstr(o, "perms"), "0600");
	snprintf(want, sizeof(want), "shm:%s", ring_name);
	o = find(&d, "ring", want);
	CHECK_EQ(jnum(o, "size"), 4096);
	CHECK_EQ(jnum(o, "used"), 32); /* a 16-byte header and 10 bytes, padded to 16 */
	CHECK_STR(jstr(o, "state"), "producer");
	snprintf(want, sizeof(want), "mq:%s", mq_name);
	o = find(&d, "mq", want);
	CHECK_EQ(jnum(o, "count"), 3);
	CHECK_EQ(jnum(o, "size"), 500);
	CHECK_EQ(jnum(o, "used"), 3);
	CHECK_STR(jstr(o, "state"), "5 x 100 bytes");

	/* The locks: the OFD holder found through its descriptor, the POSIX range, the waiter. */
	{
		int held = 0, range = 0, waiting = 0;

		for (int i = 0; i < d.n; i++) {
			const struct jval *x = &d.objs[i];
			const char *state;

			if (strcmp(jstr(x, "type"), "lock") || strcmp(jstr(x, "name"), lock_path))
				continue;
			state = jstr(x, "state");
			if (!strcmp(state, "ofd write 0-9")) {
				held++;
				CHECK_EQ(jnum(x, "pid"), getpid());
				CHECK_STR(jstr(x, "lock"), "ofd");
				CHECK_STR(jstr(x, "access"), "write");
				CHECK_EQ(jnum(x, "start"), 0);
				CHECK_EQ(jnum(x, "end"), 9);
			} else if (!strcmp(state, "posix write 10-14")) {
				range++;
				CHECK_EQ(jnum(x, "pid"), waiter);
				CHECK_EQ(jnum(x, "end"), 14);
			} else if (!strcmp(state, "posix write waiting")) {
				waiting++;
				CHECK_EQ(jnum(x, "pid"), waiter);
				CHECK(jnull(x, "end")); /* the whole file */
			}
		}
		CHECK_EQ(held, 1);
		CHECK_EQ(range, 1);
		CHECK_EQ(waiting, 1);
	}

	snprintf(want, sizeof(want), "fifo:%s", fifo_path);
	o = find(&d, "fifo", want);
	CHECK_EQ(jnum(o, "pid"), getpid());
	CHECK_EQ(jnum(o, "count"), 1);
	CHECK_STR(jstr(o, "perms"), "0640");
	CHECK_STR(jstr(o, "state"), "1 reading, 1 writing");
	snprintf(want, sizeof(want), "unix:%s", sock_path);
	o = find(&d, "unix", want);
	CHECK_STR(jstr(o, "state"), "listening");
	CHECK_EQ(jnum(o, "pid"), getpid());
	CHECK_EQ(jnum(o, "count"), 0);
	CHECK_STR(jstr(o, "perms"), "0600");
	o = find(&d, "unix-dgram", abstract);
	CHECK_STR(jstr(o, "state"), "bound");
	CHECK_STR(jstr(o, "owner"), "root"); /* no file: the process's user */
	CHECK(jnull(o, "perms"));
	/* Not applicable is null, never 0 or "". */
	CHECK(jnull(o, "key"));
	CHECK(jnull(o, "size"));
	jdoc_free(&d);

	/* A connection accepted and kept open counts. */
	{
		int conn = (int)CHECK_SYS(lipc_sock_connect(addr, -1));
		int served = (int)CHECK_SYS(accept4(listener, NULL, NULL, SOCK_CLOEXEC));

		LS_JSON(&d, "--type", "unix");
		snprintf(want, sizeof(want), "unix:%s", sock_path);
		CHECK_EQ(jnum(find(&d, "unix", want), "count"), 1);
		jdoc_free(&d);
		close(served);
		close(conn);
	}

	/* The table: a header, one line per object, its name last. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls")), 0);
	CHECK(!strncmp(c.out, "TYPE ", 5));
	CHECK(strstr(c.out, " NAME\n") != NULL);
	CHECK(!strncmp(line_with(c.out, sysv_name("sysv-mq", mkey)), "sysv-mq ", 8));
	snprintf(want, sizeof(want), " %s\n", shm_name);
	CHECK(!strncmp(line_with(c.out, want), "shm ", 4));
	snprintf(want, sizeof(want), " fifo:%s\n", fifo_path);
	CHECK(!strncmp(line_with(c.out, want), "fifo ", 5));
	CHECK(!strncmp(line_with(c.out, "ofd write 0-9"), "lock ", 5));
	check_cmd_free(&c);
	/* Readable at 100 columns: here, where the sandbox holds only this test's objects. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls", "--type", "sysv,shm,sem,ring,mq")), 0);
	for (const char *l = c.out; *l; l = strchr(l, '\n') + 1)
		CHECK(strchr(l, '\n') - l <= 100);
	check_cmd_free(&c);

	/* rm removes the kinds ipcmk makes, by id as ls names them. */
	snprintf(want, sizeof(want), "sysv-mq:id=%d", mq_ipcmk);
	snprintf(addr, sizeof(addr), "sysv-shm:id=%d", shm_ipcmk);
	snprintf(abstract, sizeof(abstract), "sysv-sem:id=%d", sem_ipcmk);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("rm", want, addr, abstract)), 0);
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
	LS_JSON(&d, "--type", "sysv");
	CHECK(!shows(&d, want) && !shows(&d, addr) && !shows(&d, abstract));
	jdoc_free(&d);

	kill(waiter, SIGKILL);
	CHECK_EQ(check_wait(waiter), 128 + SIGKILL);
	close(dgram);
	close(client);
	close(listener);
	snprintf(addr, sizeof(addr), "unix:%s", sock_path);
	CHECK_SYS(lipc_sock_unlink(addr));
	close(fifo_fd);
	CHECK_SYS(unlink(fifo_path));
	close(lock_fd);
	CHECK_SYS(unlink(lock_path));
	CHECK_SYS(lipc_msgq_posix_close(mq));
	CHECK_SYS(lipc_msgq_posix_unlink(mq_name));
	CHECK_SYS(lipc_ring_close(ring));
	CHECK_SYS(lipc_ring_unlink(ring_name));
	CHECK_SYS(lipc_sem_close(psem));
	CHECK_SYS(lipc_sem_unlink(sem_name));
	CHECK_SYS(lipc_shm_close(&posix));
	CHECK_SYS(lipc_shm_unlink(shm_name));
	CHECK_SYS(lipc_shm_close(&sysv));
	CHECK_SYS(lipc_shm_sysv_unlink(hkey));
	CHECK_SYS(lipc_sem_close(ssem));
	CHECK_SYS(lipc_sem_sysv_unlink(skey));
	CHECK_SYS(lipc_msgq_sysv_unlink(mkey));
}

static void ls_shows_each_kind(void)
{
	check_sandboxed(each_kind, NULL, 0);
}

/* Outside any sandbox too: the objects of this test among everybody's. */
static void ls_among_everything(void)
{
	char name[128] = "/", want[160];
	key_t key = check_key(1);
	struct lipc_shm shm = LIPC_SHM_INIT;
	struct jdoc d;
	int id;

	check_name(name + 1, sizeof(name) - 1, "shm");
	CHECK_SYS(lipc_shm_open(&shm, name, LIPC_CREATE | LIPC_EXCL, 4096, 0));
	id = (int)CHECK_SYS(lipc_msgq_sysv_open(key, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0600));
	LS_JSON(&d, "--type", "shm,sysv-mq");
	CHECK_EQ(jnum(find(&d, "shm", name), "size"), 4096);
	CHECK_EQ(jnum(find(&d, "sysv-mq", sysv_name("sysv-mq", key)), "id"), id);
	for (int i = 0; i < d.n; i++) /* --type keeps to its kinds */
		CHECK(!strcmp(jstr(&d.objs[i], "type"), "shm") ||
		      !strcmp(jstr(&d.objs[i], "type"), "sysv-mq"));
	jdoc_free(&d);
	snprintf(want, sizeof(want), "sysv-mq:0x%08x", (unsigned)key);
	CHECK_SYS(lipc_shm_close(&shm));
	CHECK_SYS(lipc_shm_unlink(name));
	CHECK_SYS(lipc_msgq_sysv_unlink(key));
	/* The whole system's listing parses too, whatever is on it. */
	LS_JSON(&d, "--mine");
	for (int i = 0; i < d.n; i++)
		CHECK_EQ(jnum(&d.objs[i], "uid"), geteuid());
	jdoc_free(&d);
}

/* Names may hold anything but NUL and '/': JSON and the table must survive them all. */
static void ls_escapes_names(void)
{
	static const char nasty[] = "x\n\"q\"\\b\t\x01\x1b[31m\xff\xc3\xa9\xe2\x80\xa8";
	/* What JSON decodes back: the invalid \xff as U+FFFD, the rest as it was. */
	static const char decoded[] = "x\n\"q\"\\b\t\x01\x1b[31m\xef\xbf\xbd\xc3\xa9\xe2\x80\xa8";
	char what[64], path[PATH_MAX], want[PATH_MAX + 16], sock[PATH_MAX],
		sock_want[PATH_MAX + 16];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct check_cmd c;
	struct jdoc d;
	int fd, s;

	snprintf(what, sizeof(what), "fifo-%s", nasty);
	check_path(path, sizeof(path), what);
	CHECK_SYS(mkfifo(path, 0600));
	fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
	/* A socket path with a newline (which /proc/net/unix would print raw, over two lines). */
	snprintf(what, sizeof(what), "s\nock\\");
	check_path(sock, sizeof(sock), what);
	CHECK(strlen(sock) < sizeof(sun.sun_path));
	strcpy(sun.sun_path, sock);
	s = (int)CHECK_SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(s, (struct sockaddr *)&sun, sizeof(sun)));
	CHECK_SYS(listen(s, 1));

	LS_JSON(&d, "--type", "fifo,unix");
	snprintf(what, sizeof(what), "fifo-%s", decoded);
	snprintf(want, sizeof(want), "fifo:%s", check_path(path, sizeof(path), what));
	find(&d, "fifo", want);
	snprintf(sock_want, sizeof(sock_want), "unix:%s", sock);
	CHECK_STR(jstr(find(&d, "unix", sock_want), "state"), "listening");
	jdoc_free(&d);

	/* The table: no raw control byte reaches the terminal, and each object is one line. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls", "--type", "fifo,unix")), 0);
	for (const char *p = c.out; *p; p++)
		CHECK(*p == '\n' || (unsigned char)*p >= 0x20);
	CHECK(strstr(c.out, "x\\x0a\"q\"\\\\b\\x09\\x01\\x1b[31m\\xff\xc3\xa9\xe2\x80\xa8\n") !=
	      NULL);
	CHECK(strstr(c.out, "s\\x0aock\\\\\n") != NULL);
	check_cmd_free(&c);

	close(s);
	CHECK_SYS(unlink(sock));
	close(fd);
	snprintf(what, sizeof(what), "fifo-%s", nasty);
	CHECK_SYS(unlink(check_path(path, sizeof(path), what)));
}

/* A socket of type bound to len bytes of name (an abstract one starts with NUL); listening. */
static int bound_socket(int type, const char *name, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = (int)CHECK_SYS(socket(AF_UNIX, type | SOCK_CLOEXEC, 0));

	CHECK(len <= sizeof(sun.sun_path));
	memcpy(sun.sun_path, name, len);
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun,
		       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)));
	if (type != SOCK_DGRAM)
		CHECK_SYS(listen(fd, 4));
	return fd;
}

/* Is line (without its newline) one of the lines of text? */
static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return true;
	return false;
}

/*
 * Socket names are bytes, told exactly by the kernel's sock_diag: a path with a newline and then
 * a line in /proc/net/unix's form is one socket, not two; an abstract name keeps its NULs,
 * control characters and invalid UTF-8, escaped in the table and in JSON.
 */
static void ls_sockets_by_exact_name(void)
{
	static const char odd[] = "\0b\033[31m\xff\\\n"; /* NUL, ESC, invalid, backslash, newline */
	char forged[64], what[128], path[PATH_MAX], abstract[64], want[PATH_MAX + 64], *nl;
	struct check_cmd c;
	struct stat st;
	struct jdoc d;
	int real, s, a, dir, cwd;
	size_t len;

	/* The forged line claims a listening socket with the inode of a real one, and an abstract
	 * name (no slash: the whole path stays in the test directory). */
	real = bound_socket(SOCK_STREAM, "\0lipc-test-real", 15);
	CHECK_SYS(fstat(real, &st));
	snprintf(forged, sizeof(forged), "@lipc-test-%d-forged", (int)check_pid);
	snprintf(what, sizeof(what), "s\n0: 2 0 10000 1 1 %lu %s", (unsigned long)st.st_ino,
		 forged);
	/* Bound by a name relative to the test directory, which fits sun_path however deep the
	 * checkout is; lipc ls shows the name the socket was bound to. */
	check_name(path, sizeof(path), what);
	dir = (int)CHECK_SYS(open(check_test_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	cwd = (int)CHECK_SYS(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	CHECK_SYS(fchdir(dir));
	s = bound_socket(SOCK_STREAM, path, strlen(path));
	CHECK_SYS(fchdir(cwd));
	close(cwd);
	abstract[0] = '\0';
	len = 1 + (size_t)snprintf(abstract + 1, sizeof(abstract) - 1, "lipc-test-%d-a",
				   (int)check_pid);
	memcpy(abstract + len, odd, sizeof(odd) - 1);
	len += sizeof(odd) - 1;
	a = bound_socket(SOCK_SEQPACKET, abstract, len);

	/* The table: one line each, escaped; no socket that does not exist. */
	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("ls", "--type", "socket", "--no-headings", "-o", "name")),
		 0);
	CHECK(!strstr(c.err, "/proc/net/unix")); /* from sock_diag (not root: a note on fds) */
	snprintf(want, sizeof(want), "unix:%s", path);
	nl = strchr(want, '\n');
	memmove(nl + 4, nl + 1, strlen(nl + 1) + 1);
	memcpy(nl, "\\x0a", 4);
	CHECK(has_line(c.out, want));
	snprintf(want, sizeof(want), "unix-seqpacket:@lipc-test-%d-a\\x00b\\x1b[31m\\xff\\\\\\x0a",
		 (int)check_pid);
	CHECK(has_line(c.out, want));
	snprintf(want, sizeof(want), "unix:%s", forged);
	CHECK(!has_line(c.out, want));
	check_cmd_free(&c);

	/* JSON: the same, as JSON escapes them. */
	CHECK_EQ(check_cmd_run(
			 &c, NULL,
			 LIPC_ARGV("ls", "--json", "--type", "socket", "-o", "type,state,name")),
		 0);
	jdoc_parse(c.out, &d);
	for (int i = 0; i < d.n_notes; i++)
		CHECK(!strstr(d.notes[i], "/proc/net/unix"));
	snprintf(want, sizeof(want), "unix:%s", path);
	CHECK_STR(jstr(find(&d, "unix", want), "state"), "listening");
	snprintf(want, sizeof(want), "unix:%s", forged);
	CHECK(!shows(&d, want));
	jdoc_free(&d);
	snprintf(want, sizeof(want),
		 "\"state\": \"listening\", "
		 "\"name\": \"unix-seqpacket:@lipc-test-%d-a\\u0000b\\u001b[31m\\ufffd\\\\\\n\"}",
		 (int)check_pid);
	CHECK_CONTAINS(c.out, want);
	check_cmd_free(&c);

	close(a);
	close(s);
	CHECK_SYS(unlinkat(dir, path, 0));
	close(dir);
	close(real);
}

/*
 * Make socket(AF_NETLINK, ...) fail with EAFNOSUPPORT in this process and what it runs, as on a
 * kernel without sock_diag: a seccomp filter (no new privileges needed for it, nor given).
 */
static void no_netlink(void)
{
#if defined(__x86_64__)
	const unsigned arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
	const unsigned arch = AUDIT_ARCH_AARCH64;
#else
	const unsigned arch = 0;

	CHECK_SKIP("no seccomp filter written for this architecture");
#endif
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
		/* The low half of the first argument: both architectures are little-endian. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	CHECK_SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0 && errno == EINVAL)
		CHECK_SKIP("this kernel has no seccomp filters");
	CHECK_ERR(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), EAFNOSUPPORT);
}

/*
 * The lines of text that hold tag, in order, in a new string, each run of spaces made one: a
 * table's columns are as wide as the widest row of the whole listing, and other processes' rows
 * (another test's sockets, at the same time) may come and go between two listings.
 */
static char *lines_with(const char *text, const char *tag)
{
	char *out = calloc(strlen(text) + 1, 1), *w = out;

	CHECK(out != NULL);
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p + 1) : strlen(p);

		if (memmem(p, len, tag, strlen(tag))) {
			for (size_t i = 0; i < len; i++)
				if (p[i] != ' ' || w == out || w[-1] != ' ')
					*w++ = p[i];
		}
		p += len;
	}
	return out;
}

static int count_lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/*
 * Where sock_diag fails, ls reads /proc/net/unix and says so in a note; for sockets with
 * ordinary names, both ways give the same rows, in the table and in JSON.
 */
static void ls_sockets_without_netlink(void)
{
	char tag[64], listener_path[PATH_MAX], dgram_path[PATH_MAX], gone_path[PATH_MAX],
		name[PATH_MAX + 16], *rows[2][2];
	int fds[8], n = 0;
	pid_t pid;

	snprintf(tag, sizeof(tag), "lipc-test-%d-", (int)check_pid);
	/* A listener with a connection accepted and one waiting; a datagram socket; an abstract
	 * seqpacket listener; a listener whose file was removed. */
	check_path(listener_path, sizeof(listener_path), "listener");
	snprintf(name, sizeof(name), "unix:%s", listener_path);
	fds[n++] = (int)CHECK_SYS(lipc_sock_listen(name, 0600));
	fds[n++] = (int)CHECK_SYS(lipc_sock_connect(name, -1));
	fds[n++] = (int)CHECK_SYS(accept4(fds[0], NULL, NULL, SOCK_CLOEXEC));
	fds[n++] = (int)CHECK_SYS(lipc_sock_connect(name, -1));
	check_path(dgram_path, sizeof(dgram_path), "dgram");
	snprintf(name, sizeof(name), "unix-dgram:%s", dgram_path);
	fds[n++] = (int)CHECK_SYS(lipc_sock_listen(name, 0640));
	snprintf(name, sizeof(name), "unix-seqpacket:@%sseqpacket", tag);
	fds[n++] = (int)CHECK_SYS(lipc_sock_listen(name, 0));
	check_path(gone_path, sizeof(gone_path), "gone");
	snprintf(name, sizeof(name), "unix:%s", gone_path);
	fds[n++] = (int)CHECK_SYS(lipc_sock_listen(name, 0));
	CHECK_SYS(unlink(gone_path));

	for (int way = 0; way < 2; way++) {
		int out[2];

		/* In a child, whose filter stays its own; the rows come back through a pipe. */
		CHECK_SYS(pipe2(out, O_CLOEXEC));
		pid = check_fork();
		if (pid == 0) {
			struct check_cmd c, j;
			struct jdoc d;
			char *text;

			close(out[0]);
			/*
			 * Only the test holds the sockets: were this child to hold them too, ls
			 * could name either as their process (which comes first in /proc is up to
			 * how pids wrapped), and the two ways could differ for that alone.
			 */
			for (int i = 0; i < n; i++)
				close(fds[i]);
			if (way == 1)
				no_netlink();
			CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls", "--type", "socket")), 0);
			CHECK_EQ(check_cmd_run(&j, NULL,
					       LIPC_ARGV("ls", "--json", "--type", "socket")),
				 0);
			jdoc_parse(j.out, &d);
			/* (Not as root, another note says that others' fds are hidden.) */
			if (way == 0) {
				CHECK(!strstr(c.err, "/proc/net/unix"));
				for (int i = 0; i < d.n_notes; i++)
					CHECK(!strstr(d.notes[i], "/proc/net/unix"));
			} else {
				CHECK_CONTAINS(
					c.err,
					"lipc: note: Unix sockets are listed from /proc/net/unix, "
					"as the kernel's sock_diag interface failed (Address "
					"family not supported by protocol): a socket name that "
					"holds a newline may be misread, even as another socket\n");
				CHECK(d.n_notes >= 1);
				CHECK_CONTAINS(d.notes[0], "listed from /proc/net/unix");
			}
			jdoc_free(&d);
			text = lines_with(c.out, tag);
			CHECK_EQ(write(out[1], text, strlen(text) + 1), (ssize_t)strlen(text) + 1);
			free(text);
			text = lines_with(j.out, tag);
			CHECK_EQ(write(out[1], text, strlen(text) + 1), (ssize_t)strlen(text) + 1);
			free(text);
			check_cmd_free(&c);
			check_cmd_free(&j);
			_exit(0);
		}
		close(out[1]);
		{
			char buf[65536];
			size_t got = 0;
			ssize_t r;

			while ((r = CHECK_SYS(read(out[0], buf + got, sizeof(buf) - 1 - got))) > 0)
				got += (size_t)r;
			buf[got] = '\0';
			CHECK(got > 0 && buf[got - 1] == '\0');
			rows[way][0] = strdup(buf);
			rows[way][1] = strdup(buf + strlen(buf) + 1);
			CHECK(rows[way][0] && rows[way][1]);
		}
		close(out[0]);
		CHECK_EQ(check_wait(pid), 0);
	}
	/* What they say (the waiting connection is not counted). */
	CHECK_STR(rows[1][0], rows[0][0]);
	CHECK_STR(rows[1][1], rows[0][1]);
	snprintf(name, sizeof(name), "\"count\": 1, \"pid\": %d, ", (int)getpid());
	CHECK_CONTAINS(line_with(rows[0][1], listener_path), name);
	CHECK_CONTAINS(line_with(rows[0][1], gone_path), "\"state\": \"listening, file removed\"");
	CHECK_CONTAINS(line_with(rows[0][1], dgram_path), "\"perms\": \"0640\"");
	CHECK_CONTAINS(line_with(rows[0][1], "seqpacket"), "\"state\": \"listening\"");
	CHECK_EQ(count_lines(rows[0][0]), 4);
	CHECK_EQ(count_lines(rows[0][1]), 4);
	for (int i = 0; i < 4; i++)
		free(rows[i / 2][i % 2]);
	while (n > 0)
		close(fds[--n]);
	CHECK_SYS(unlink(listener_path));
	CHECK_SYS(unlink(dgram_path));
}

static void ls_usage(void)
{
	static const struct check_usage cases[] = {
		{ "ls",
		  "unknown column 'colour' (columns: type, owner, perms",
		  { "ls", "-o", "colour" } },
		{ "ls", "unknown column 'nope'", { "ls", "-o", "+nope" } },
		{ "ls", "unknown type 'queue' (types: lock, fifo", { "ls", "--type", "queue" } },
		{ "ls", "unexpected argument 'all'", { "ls", "all" } },
		{ "ls", "unknown option '--long'", { "ls", "--long" } },
		{ "ls", "needs an argument", { "ls", "--type" } },
	};
	struct check_cmd c;

	CHECK_USAGE_ERRORS(cases);
	/* -o chooses, +COLUMNS adds; --no-headings drops the header. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls", "-o", "name,type", "--type", "lock")), 0);
	CHECK(!strncmp(c.out, "NAME", 4));
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls", "-o", "+key,id", "--type", "sysv")), 0);
	CHECK(!strncmp(c.out, "TYPE", 4) && strstr(c.out, " NAME ") && strstr(c.out, " KEY "));
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("ls", "--no-headings", "-o", "type", "--type", "lock")),
		 0);
	CHECK(!strstr(c.out, "TYPE"));
	check_cmd_free(&c);
	/* Every column's name is in --help. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls", "--help")), 0);
	CHECK_CONTAINS(c.out, " lastop ");
	CHECK_CONTAINS(c.out, "* name ");
	check_cmd_free(&c);
}

/* A full standard output is a failure, never a silent success. */
static void ls_full_stdout(void)
{
	static const char *const modes[] = { NULL, "--json" };

	for (size_t i = 0; i < 2; i++) {
		int err[2], status;
		char msg[512] = "";
		pid_t pid;
		ssize_t n;

		CHECK_SYS(pipe2(err, O_CLOEXEC));
		pid = check_fork();
		if (pid == 0) {
			int full = open("/dev/full", O_WRONLY);

			if (full < 0 || dup2(full, STDOUT_FILENO) < 0 ||
			    dup2(err[1], STDERR_FILENO) < 0)
				_exit(126);
			execl(check_lipc(), check_lipc(), "ls", modes[i], (char *)NULL);
			_exit(127);
		}
		close(err[1]);
		/* To the end: stderr is unbuffered, and a message may come in several writes. */
		for (size_t len = 0; len < sizeof(msg) - 1; len += (size_t)n) {
			n = CHECK_SYS(read(err[0], msg + len, sizeof(msg) - 1 - len));
			msg[len + (size_t)n] = '\0';
			if (n == 0)
				break;
		}
		close(err[0]);
		status = check_wait(pid);
		CHECK_EQ(status, 1);
		CHECK_CONTAINS(msg, "lipc: write error: No space left on device\n");
	}
}

/* What a user who is not root sees: only the descriptors of their own processes. */
static void ls_as_nobody(void)
{
	char name[128] = "/";
	struct lipc_shm shm = LIPC_SHM_INIT;
	uid_t owner = geteuid();
	pid_t pid;

	if (!check_other_uid())
		return;
	check_name(name + 1, sizeof(name) - 1, "root");
	CHECK_SYS(lipc_shm_open(&shm, name, LIPC_CREATE | LIPC_EXCL, 4096, 0644));
	pid = check_fork();
	if (pid == 0) {
		struct check_cmd c;
		struct jdoc d;

		check_become_other_uid();
		LS_JSON(&d, "--type", "shm");
		/* /dev/shm is for all to see */
		CHECK_EQ(jnum(find(&d, "shm", name), "uid"), owner);
		jdoc_free(&d);
		LS_JSON(&d, "--mine", "--type", "shm");
		CHECK(!shows(&d, name));
		jdoc_free(&d);
		/* Root's processes are closed to nobody: their FIFOs cannot be listed, and a note
		 * says so. */
		LS_JSON(&d, "--type", "fifo");
		CHECK(d.n_notes == 1 && strstr(d.notes[0], "other users' processes are hidden"));
		jdoc_free(&d);
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls", "--type", "fifo")), 0);
		CHECK_CONTAINS(c.err, "lipc: note: the descriptors of other users' processes");
		check_cmd_free(&c);
		_exit(0);
	}
	CHECK_EQ(check_wait(pid), 0);
	CHECK_SYS(lipc_shm_close(&shm));
	CHECK_SYS(lipc_shm_unlink(name));
}

/* With no mqueue file system mounted, POSIX queues cannot be listed: ls says how to see them. */
static void no_mqueue(const char *mqueue_dir, void *unused)
{
	struct check_cmd c;
	struct jdoc d;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	(void)unused;
	CHECK_SYS(umount2(mqueue_dir, MNT_DETACH));
	/* And every other, such as the system's /dev/mqueue: in this namespace only. */
	f = fopen("/proc/self/mountinfo", "re");
	CHECK(f != NULL);
	while (getline(&line, &cap, f) > 0) {
		char point[PATH_MAX];

		if (strstr(line, " - mqueue ") &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1)
			CHECK_SYS(umount2(point, MNT_DETACH));
	}
	free(line);
	fclose(f);
	LS_JSON(&d, "--type", "mq");
	CHECK_EQ(d.n, 0);
	CHECK_EQ(d.n_notes, 1);
	CHECK_CONTAINS(d.notes[0], "mount -t mqueue none /dev/mqueue");
	jdoc_free(&d);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("ls", "--type", "mq")), 0);
	CHECK_STR(c.out, "TYPE OWNER PERMS SIZE COUNT PID COMMAND STATE NAME\n");
	CHECK_CONTAINS(c.err, "lipc: note: POSIX message queues are not listed");
	check_cmd_free(&c);
}

static void ls_without_mqueue(void)
{
	check_sandboxed(no_mqueue, NULL, 0);
}

/* rm. */

static void rm_each_kind(const char *mqueue_dir, void *unused)
{
	char shm[128] = "/", sem[128] = "/", ring[128] = "/", mq[128] = "/", fifo[PATH_MAX],
	     sock[PATH_MAX], a[9][PATH_MAX + 32];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct lipc_shm h = LIPC_SHM_INIT;
	struct lipc_sem *s;
	struct lipc_ring *r;
	struct check_cmd c;
	struct jdoc d;
	int fd;

	(void)mqueue_dir;
	(void)unused;
	check_name(shm + 1, sizeof(shm) - 1, "shm");
	check_name(sem + 1, sizeof(sem) - 1, "sem");
	check_name(ring + 1, sizeof(ring) - 1, "ring");
	check_name(mq + 1, sizeof(mq) - 1, "mq");
	CHECK_SYS(lipc_shm_open(&h, shm, LIPC_CREATE | LIPC_EXCL, 4096, 0));
	CHECK_SYS(lipc_shm_close(&h));
	s = lipc_sem_open(sem, LIPC_CREATE, 0, 0);
	CHECK(s != NULL);
	CHECK_SYS(lipc_sem_close(s));
	r = lipc_ring_open(ring, LIPC_RECV, LIPC_CREATE, 0, 0);
	CHECK(r != NULL);
	CHECK_SYS(lipc_ring_close(r));
	CHECK_SYS(lipc_msgq_posix_close(
		lipc_msgq_posix_open(mq, LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0, 0, 0)));
	CHECK_SYS(lipc_msgq_sysv_open(check_key(1), LIPC_RECV | LIPC_SEND, LIPC_CREATE, 0));
	s = lipc_sem_sysv_open(check_key(2), LIPC_CREATE, 0, 1);
	CHECK(s != NULL);
	CHECK_SYS(lipc_sem_close(s));
	CHECK_SYS(lipc_shm_sysv_open(&h, check_key(3), LIPC_CREATE | LIPC_EXCL, 4096, 0));
	CHECK_SYS(lipc_shm_close(&h));
	check_path(fifo, sizeof(fifo), "fifo");
	CHECK_SYS(mkfifo(fifo, 0600));
	/* A stale socket file: bound, then its socket closed. */
	check_path(sock, sizeof(sock), "sock");
	strcpy(sun.sun_path, sock);
	fd = (int)CHECK_SYS(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	CHECK_SYS(bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd);

	snprintf(a[0], sizeof(a[0]), "%s", shm);
	snprintf(a[1], sizeof(a[1]), "sem:%s", sem);
	snprintf(a[2], sizeof(a[2]), "shm:%s", ring);
	snprintf(a[3], sizeof(a[3]), "mq:%s", mq);
	snprintf(a[4], sizeof(a[4]), "sysv-mq:0x%x", (unsigned)check_key(1));
	snprintf(a[5], sizeof(a[5]), "sysv-sem:%u", (unsigned)check_key(2)); /* decimal works */
	snprintf(a[6], sizeof(a[6]), "sysv-shm:0x%08x", (unsigned)check_key(3));
	snprintf(a[7], sizeof(a[7]), "fifo:%s", fifo);
	snprintf(a[8], sizeof(a[8]), "unix-seqpacket:%s", sock);
	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("rm", "-v", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
					 a[8])),
		 0);
	for (int i = 0; i < 9; i++) {
		char line[sizeof(a[i]) + 16];

		snprintf(line, sizeof(line), "removed %.4127s\n", a[i]);
		CHECK_CONTAINS(c.out, line);
	}
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
	LS_JSON(&d, "--type", "shm,sem,ring,mq,sysv");
	CHECK_EQ(d.n, 0); /* the sandbox had only these */
	jdoc_free(&d);
	CHECK_ERR(access(fifo, F_OK), ENOENT);
	CHECK_ERR(access(sock, F_OK), ENOENT);

	/* Again: none exists any more; -f keeps quiet about that. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("rm", a[0], a[4], a[7], a[8])), 1);
	for (int i = 0; i < 9; i++) {
		char line[sizeof(a[i]) + 64];

		if (i != 0 && i != 4 && i != 7 && i != 8)
			continue;
		snprintf(line, sizeof(line), "lipc: cannot remove %.4127s: it does not exist\n",
			 a[i]);
		CHECK_CONTAINS(c.err, line);
	}
	CHECK_STR(c.out, "");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("rm", "-f", a[0], a[1], a[2], a[3], a[5])), 0);
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
}

static void rm_removes_each_kind(void)
{
	check_sandboxed(rm_each_kind, NULL, 0);
}

/* What rm must not touch: a live socket, a symbolic link, a plain object taken for a ring. */
static void rm_refuses(void)
{
	char sock[PATH_MAX], addr[PATH_MAX + 16], fifo[PATH_MAX], link[PATH_MAX], dir[PATH_MAX],
		dir_link[PATH_MAX + 8], via[PATH_MAX + 24], shm[128] = "/", ring_addr[160];
	struct lipc_shm h = LIPC_SHM_INIT;
	struct check_cmd c;
	int live;

	check_path(sock, sizeof(sock), "live");
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	live = (int)CHECK_SYS(lipc_sock_listen(addr, 0));
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr));
	CHECK_FAILURE(&c, "it is alive: a process still has a socket bound to it");
	check_cmd_free(&c);
	CHECK_SYS(access(sock, F_OK));
	/* A datagram socket alive is refused as well; its probe never reached the listener. */
	snprintf(addr, sizeof(addr), "unix-dgram:%s", sock);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", "-f", addr));
	CHECK_FAILURE(&c, "alive");
	check_cmd_free(&c);
	CHECK_SYS(fcntl(live, F_SETFL, O_NONBLOCK));
	CHECK_ERR(accept(live, NULL, NULL), EAGAIN);
	close(live);
	CHECK_SYS(unlink(sock));

	/* A symbolic link to a FIFO: neither the link nor the FIFO goes. */
	check_path(fifo, sizeof(fifo), "fifo");
	check_path(link, sizeof(link), "link");
	CHECK_SYS(mkfifo(fifo, 0600));
	CHECK_SYS(symlink(fifo, link));
	snprintf(addr, sizeof(addr), "fifo:%s", link);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", "-f", addr));
	CHECK_FAILURE(&c, "it is a symbolic link, which lipc rm never follows");
	check_cmd_free(&c);
	CHECK_SYS(access(link, F_OK));
	CHECK_SYS(access(fifo, F_OK));
	/* Through a directory: the link at the end of the path is what is refused. */
	check_path(dir, sizeof(dir), "dir");
	CHECK_SYS(mkdir(dir, 0700));
	snprintf(dir_link, sizeof(dir_link), "%s/f", dir);
	CHECK_SYS(symlink(fifo, dir_link));
	snprintf(via, sizeof(via), "fifo:%s", dir_link);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", via));
	CHECK_FAILURE(&c, "symbolic link");
	check_cmd_free(&c);
	CHECK_SYS(access(fifo, F_OK));
	CHECK_SYS(unlink(dir_link));
	CHECK_SYS(rmdir(dir));
	/* The wrong kind: a FIFO is no socket. */
	snprintf(addr, sizeof(addr), "unix:%s", fifo);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr));
	CHECK_FAILURE(&c, "it is not a socket");
	check_cmd_free(&c);
	CHECK_SYS(unlink(link));
	CHECK_SYS(unlink(fifo));

	/* A plain shared memory object is no ring. */
	check_name(shm + 1, sizeof(shm) - 1, "plain");
	CHECK_SYS(lipc_shm_open(&h, shm, LIPC_CREATE | LIPC_EXCL, 8192, 0));
	snprintf(ring_addr, sizeof(ring_addr), "shm:%s", shm);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", ring_addr));
	CHECK_FAILURE(&c, "it is not a LinuxIPC ring");
	check_cmd_free(&c);
	CHECK_SYS(lipc_shm_close(&h));

	/* Not permitted: nobody cannot remove root's object. */
	if (check_other_uid()) {
		pid_t pid = check_fork();

		if (pid == 0) {
			check_become_other_uid();
			check_cmd_run(&c, NULL, LIPC_ARGV("rm", shm));
			CHECK_FAILURE(&c, "Permission denied");
			_exit(0);
		}
		CHECK_EQ(check_wait(pid), 0);
	}
	CHECK_SYS(lipc_shm_unlink(shm));
}

/* rm removes only the kind it names, and never a symbolic link, in /dev/shm as elsewhere. */
static void rm_refuses_wrong_kinds(void)
{
	static const char *const link_scheme[] = { "", "sem:", "shm:" };
	char ring[128] = "/", sem[128] = "/", dir[128] = "/", plain[128] = "/", n[128],
	     path[PATH_MAX], link[PATH_MAX], addr[PATH_MAX + 16], want[PATH_MAX + 128],
	     sock[PATH_MAX];
	struct lipc_ring_stat rs = LIPC_RING_STAT_INIT;
	struct lipc_ring *r;
	struct lipc_sem *s;
	struct lipc_shm h = LIPC_SHM_INIT;
	struct check_cmd c;
	struct stat st;
	int fd;

	/* A ring is shm:/NAME, not /NAME; a semaphore is sem:/NAME, neither of the others. */
	check_name(ring + 1, sizeof(ring) - 1, "ring");
	r = lipc_ring_open(ring, LIPC_RECV, LIPC_CREATE, 0, 0);
	CHECK(r != NULL);
	CHECK_SYS(lipc_ring_close(r));
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", ring));
	snprintf(want, sizeof(want), "it is a LinuxIPC ring: remove it as shm:%s", ring);
	CHECK_FAILURE(&c, want);
	check_cmd_free(&c);
	CHECK_SYS(lipc_ring_stat(ring, &rs));
	check_name(sem + 1, sizeof(sem) - 1, "sem");
	s = lipc_sem_open(sem, LIPC_CREATE | LIPC_EXCL, 0600, 0);
	CHECK(s != NULL);
	CHECK_SYS(lipc_sem_close(s));
	for (int i = 0; i < 2; i++) {
		snprintf(addr, sizeof(addr), "%s/sem.%s", i ? "shm:" : "", sem + 1);
		check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr));
		snprintf(want, sizeof(want), "it is a POSIX named semaphore: remove it as sem:%s",
			 sem);
		CHECK_FAILURE(&c, want);
		check_cmd_free(&c);
	}
	snprintf(path, sizeof(path), "/dev/shm/sem.%s", sem + 1);
	CHECK_SYS(access(path, F_OK));

	/* A directory, a FIFO: not files of these kinds. */
	check_name(dir + 1, sizeof(dir) - 1, "dir");
	snprintf(path, sizeof(path), "/dev/shm%s", dir);
	CHECK_SYS(mkdir(path, 0700));
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", dir));
	CHECK_FAILURE(&c, "it is not a POSIX shared memory object but a directory");
	check_cmd_free(&c);
	snprintf(addr, sizeof(addr), "shm:%s", dir);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr));
	CHECK_FAILURE(&c, "it is not a LinuxIPC ring but a directory");
	check_cmd_free(&c);
	CHECK_SYS(rmdir(path));
	snprintf(path, sizeof(path), "/dev/shm/sem.%s", dir + 1);
	CHECK_SYS(mkfifo(path, 0600));
	snprintf(addr, sizeof(addr), "sem:%s", dir);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", "-f", addr));
	CHECK_FAILURE(&c, "it is not a POSIX named semaphore but a FIFO");
	check_cmd_free(&c);
	CHECK_SYS(lstat(path, &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_SYS(unlink(path));

	/* Links in /dev/shm to a real object: neither link nor object goes, by any address. */
	check_name(plain + 1, sizeof(plain) - 1, "plain");
	CHECK_SYS(lipc_shm_open(&h, plain, LIPC_CREATE | LIPC_EXCL, 4096, 0));
	CHECK_SYS(lipc_shm_close(&h));
	snprintf(path, sizeof(path), "/dev/shm%s", plain);
	for (int i = 0; i < 3; i++) {
		check_name(n, sizeof(n), i == 0 ? "link" : i == 1 ? "semlink" : "ringlink");
		snprintf(link, sizeof(link), "/dev/shm/%s%s", i == 1 ? "sem." : "", n);
		CHECK_SYS(symlink(path, link));
		snprintf(addr, sizeof(addr), "%s/%s", link_scheme[i], n);
		check_cmd_run(&c, NULL, LIPC_ARGV("rm", "-f", addr));
		CHECK_FAILURE(&c, "it is a symbolic link, which lipc rm never follows");
		check_cmd_free(&c);
		CHECK_SYS(lstat(link, &st));
		CHECK(S_ISLNK(st.st_mode));
		CHECK_SYS(unlink(link));
	}
	CHECK_SYS(access(path, F_OK));

	/* A socket is no FIFO. */
	check_path(sock, sizeof(sock), "sock");
	fd = bound_socket(SOCK_STREAM, sock, strlen(sock));
	snprintf(addr, sizeof(addr), "fifo:%s", sock);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr));
	CHECK_FAILURE(&c, "it is not a FIFO but a socket");
	check_cmd_free(&c);
	close(fd);
	CHECK_SYS(unlink(sock));

	/* Each by its own address. */
	snprintf(addr, sizeof(addr), "shm:%s", ring);
	snprintf(want, sizeof(want), "sem:%s", sem);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr, want, plain)), 0);
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
}

/*
 * A socket name too long to reach through /proc/self/fd/N/NAME: rm probes it from inside its
 * pinned directory instead, live (refused) and stale (removed).
 */
static void rm_long_socket_name(void)
{
	char name[128], addr[160];
	struct check_cmd c;
	int fd;

	CHECK_SYS(chdir(check_test_dir()));
	snprintf(name, sizeof(name), "lipc-test-%d-", (int)check_pid);
	memset(name + strlen(name), 'x', 95 - strlen(name));
	name[95] = '\0';
	fd = bound_socket(SOCK_SEQPACKET, name, strlen(name));
	snprintf(addr, sizeof(addr), "unix-seqpacket:%s", name);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr));
	CHECK_FAILURE(&c, "it is alive");
	check_cmd_free(&c);
	close(fd);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr)), 0);
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
	CHECK_ERR(access(name, F_OK), ENOENT);
}

/*
 * What the commands quote is escaped as ls escapes names: an address in rm's messages and in
 * rm -v, the FILE of lock --status, a command name that holds a newline. Each stays one line.
 */
static void commands_escape_what_they_quote(void)
{
	char path[PATH_MAX], addr[PATH_MAX + 8], want[PATH_MAX + 128], shown[PATH_MAX + 16];
	int ready[2], hold[2];
	struct check_cmd c;
	struct jdoc d;
	char *nl;
	pid_t pid;

	check_path(path, sizeof(path), "a\nb\033[2J");
	snprintf(shown, sizeof(shown), "%s", path);
	nl = strchr(shown, '\n');
	memmove(nl + 4, nl + 1, strlen(nl + 1) + 1);
	memcpy(nl, "\\x0a", 4);
	nl = strchr(shown, '\033');
	memmove(nl + 4, nl + 1, strlen(nl + 1) + 1);
	memcpy(nl, "\\x1b", 4);
	snprintf(addr, sizeof(addr), "fifo:%s", path);

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr)), 1);
	snprintf(want, sizeof(want), "lipc: cannot remove fifo:%s: it does not exist\n", shown);
	CHECK_STR(c.err, want);
	check_cmd_free(&c);
	CHECK_SYS(mkfifo(path, 0600));
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("lock", "--status", path)), 0);
	snprintf(want, sizeof(want), "%s: no locks\n", shown);
	CHECK_STR(c.out, want);
	check_cmd_free(&c);

	/* A process named with a newline holds a lock on it: ls shows the whole name. */
	CHECK_SYS(pipe2(ready, O_CLOEXEC));
	CHECK_SYS(pipe2(hold, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		int fd = (int)CHECK_SYS(open(path, O_RDWR | O_CLOEXEC));
		char ch;

		CHECK_SYS(flock(fd, LOCK_EX));
		CHECK_SYS(prctl(PR_SET_NAME, "x\ny\033", 0, 0, 0));
		CHECK_EQ(write(ready[1], "!", 1), 1);
		close(hold[1]);
		while (read(hold[0], &ch, 1) != 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	CHECK_EQ(read(ready[0], want, 1), 1);
	close(ready[0]);
	LS_JSON(&d, "--type", "lock");
	CHECK_STR(jstr(find(&d, "lock", path), "command"), "x\ny\033");
	jdoc_free(&d);
	CHECK_EQ(check_cmd_run(
			 &c, NULL,
			 LIPC_ARGV("ls", "--type", "lock", "--no-headings", "-o", "name,command")),
		 0);
	/* Its row: the name, the padding of the column (others' locks may be longer), then it. */
	{
		const char *row = strstr(c.out, shown);

		CHECK(row != NULL);
		row += strlen(shown);
		CHECK(*row == ' ');
		row += strspn(row, " ");
		CHECK(!strncmp(row, "x\\x0ay\\x1b\n", strlen("x\\x0ay\\x1b\n")));
	}
	check_cmd_free(&c);
	close(hold[1]);
	CHECK_EQ(check_wait(pid), 0);

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("rm", "-v", addr)), 0);
	snprintf(want, sizeof(want), "removed fifo:%s\n", shown);
	CHECK_STR(c.out, want);
	check_cmd_free(&c);
}

static void rm_usage(void)
{
	char fifo[PATH_MAX], first[PATH_MAX + 8];
	struct check_cmd c;
	static const struct check_usage cases[] = {
		{ "rm", "missing ADDRESS", { "rm" } },
		{ "rm", "'tcp::80': a TCP address has nothing to remove", { "rm", "tcp::80" } },
		{ "rm", "'unix:@x' is an abstract name: it has no file", { "rm", "unix:@x" } },
		{ "rm", "'jobs' is not an address lipc rm takes", { "rm", "jobs" } },
		{ "rm", "'nope:/x' is not an address lipc rm takes", { "rm", "nope:/x" } },
		{ "rm", "'/a/b' is not an address (/NAME: one slash", { "rm", "/a/b" } },
		{ "rm", "'sem:jobs' is not an address (sem:/NAME", { "rm", "sem:jobs" } },
		{ "rm", "KEY is a number of 32 bits but 0", { "rm", "sysv-shm:0" } },
		{ "rm", "KEY is a number of 32 bits but 0", { "rm", "sysv-sem:junk" } },
		{ "rm", "id 'x' is not a number", { "rm", "sysv-shm:id=x" } },
		{ "rm", "'mq:jobs' is not an address", { "rm", "mq:jobs" } },
	};

	CHECK_USAGE_ERRORS(cases);
	/* A typo anywhere removes nothing at all. */
	check_path(fifo, sizeof(fifo), "fifo");
	CHECK_SYS(mkfifo(fifo, 0600));
	snprintf(first, sizeof(first), "fifo:%s", fifo);
	check_cmd_run(&c, NULL, LIPC_ARGV("rm", first, "tcp::1"));
	CHECK_EQ(c.status, 2);
	check_cmd_free(&c);
	CHECK_SYS(unlink(fifo));
}

/* The tour. */

static bool empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	CHECK(d != NULL);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n == 0;
}

/* Only the header line is left in /proc/sysvipc/FILE: no System V object exists. */
static bool no_sysv(const char *file)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", file);
	fd = (int)CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
	n = CHECK_SYS(read(fd, buf, sizeof(buf) - 1));
	close(fd);
	buf[n] = '\0';
	return strchr(buf, '\n') == buf + n - 1;
}

static void whole_tour(const char *mqueue_dir, void *unused)
{
	char tmp[PATH_MAX], heading[64], *out;
	struct check_cmd c;
	struct jdoc d;
	int takeaways = 0;

	(void)unused;
	check_path(tmp, sizeof(tmp), "tmpdir");
	CHECK_SYS(mkdir(tmp, 0700));
	CHECK_SYS(setenv("TMPDIR", tmp, 1));
	CHECK_SYS(unsetenv("NO_COLOR"));
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour")), 0);
	CHECK_STR(c.err, "");
	out = c.out;
	CHECK(!strncmp(out, "LinuxIPC tour: 8 techniques, each between real processes.\n", 58));
	/* Eight numbered headings in the guide's order, each story with its takeaway. */
	{
		static const char *const titles[] = { "File Locking",  "Pipe",	    "FIFO",
						      "Signal",	       "Semaphore", "Message Queue",
						      "Shared Memory", "Socket" };
		const char *p = out;

		for (int i = 0; i < 8; i++) {
			snprintf(heading, sizeof(heading), "\n-- %d/8 -----", i + 1);
			p = strstr(p, heading);
			CHECK(p != NULL);
			snprintf(heading, sizeof(heading), "-\n%s", titles[i]);
			p = strstr(p, heading);
			CHECK(p != NULL);
		}
	}
	for (const char *p = out; (p = strstr(p, "\n  => ")); p++)
		takeaways++;
	CHECK_EQ(takeaways, 8);
	CHECK(strstr(out, "\nThe end: 8 techniques in ") != NULL);
	CHECK(!strchr(out, '\033')); /* not a terminal: no colour */
	check_cmd_free(&c);

	/* Nothing left: no System V object, nothing in /dev/shm, no queue, no file. */
	CHECK(no_sysv("msg") && no_sysv("sem") && no_sysv("shm"));
	CHECK(empty_dir("/dev/shm"));
	CHECK(empty_dir(mqueue_dir));
	CHECK(empty_dir(tmp));
	LS_JSON(&d, "--type", "sysv,sem,mq,shm,ring");
	CHECK_EQ(d.n, 0);
	jdoc_free(&d);
	CHECK_SYS(rmdir(tmp));
}

static void tour_leaves_nothing(void)
{
	check_sandboxed(whole_tour, NULL, 0);
}

static void tour_options(void)
{
	struct check_cmd c;

	CHECK_SYS(unsetenv("NO_COLOR"));
	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("tour", "--technique", "fifo", "--technique", "pipe")),
		 0);
	CHECK(!strncmp(c.out, "LinuxIPC tour: 2 techniques", 27));
	CHECK_CONTAINS(c.out, "\n-- 1/2 -----");
	CHECK_CONTAINS(c.out, "-\nFIFO (named pipe)\n");
	CHECK(strstr(c.out, "\n-- 2/2 -----") < strstr(c.out, "-\nPipe (anonymous pipe)\n"));
	CHECK(!strstr(c.out, "Socket"));
	check_cmd_free(&c);

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("tour", "--technique=pipe", "--color=always")),
		 0);
	CHECK_CONTAINS(c.out, "\033[36m-- 1/1 ---");
	CHECK_CONTAINS(c.out, "\033[1mPipe (anonymous pipe)\033[0m\n");
	CHECK_CONTAINS(c.out, "\033[36m[parent ");
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "--color", "pipe")), 0);
	CHECK_CONTAINS(c.out, "\033[1mPipe (anonymous pipe)\033[0m\n");
	check_cmd_free(&c);

	/* NO_COLOR wins, even over --color=always. */
	CHECK_SYS(setenv("NO_COLOR", "1", 1));
	CHECK_EQ(
		check_cmd_run(&c, NULL, LIPC_ARGV("tour", "--technique", "pipe", "--color=always")),
		0);
	CHECK(!strchr(c.out, '\033'));
	check_cmd_free(&c);
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("demo", "--color=always", "fifo")), 0);
	CHECK(!strchr(c.out, '\033'));
	check_cmd_free(&c);
	CHECK_SYS(unsetenv("NO_COLOR"));

	check_cmd_run(&c, NULL, LIPC_ARGV("tour", "--technique", "telepathy"));
	CHECK_USAGE_ERROR(&c, "tour", "unknown technique 'telepathy' (one of: lock, pipe, fifo");
	check_cmd_free(&c);
	check_cmd_run(&c, NULL, LIPC_ARGV("tour", "--color=sometimes"));
	CHECK_USAGE_ERROR(&c, "tour", "--color takes auto, always or never, not 'sometimes'");
	check_cmd_free(&c);
	check_cmd_run(&c, NULL, LIPC_ARGV("demo", "--color=x", "pipe"));
	CHECK_USAGE_ERROR(&c, "demo", "--color takes auto, always or never");
	check_cmd_free(&c);
}

CHECK_MAIN(TEST(ls_shows_each_kind), TEST(ls_among_everything), TEST(ls_escapes_names),
	   TEST(ls_sockets_by_exact_name), TEST(ls_sockets_without_netlink), TEST(ls_usage),
	   TEST(ls_full_stdout), TEST(ls_as_nobody), TEST(ls_without_mqueue),
	   TEST(rm_removes_each_kind), TEST(rm_refuses), TEST(rm_refuses_wrong_kinds),
	   TEST(rm_long_socket_name), TEST(commands_escape_what_they_quote), TEST(rm_usage),
	   TEST(tour_leaves_nothing), TEST(tour_options))
