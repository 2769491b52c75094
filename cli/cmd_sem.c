/* SPDX-License-Identifier: MIT */
/* lipc sem: create, post, wait on, read and remove a POSIX or System V semaphore by name. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>

#include "cli.h"
#include "lipc/key.h"
#include "lipc/sem.h"

static const char help[] =
	"Usage: lipc sem ACTION NAME [VALUE]\n"
	"Create, post, wait on, read or remove a semaphore that processes find by NAME.\n"
	"\n"
	"Actions:\n"
	"  create NAME [VALUE]  create NAME with VALUE (default 0); fails if NAME exists\n"
	"  post NAME            add 1 to the value, waking one waiter\n"
	"  wait NAME            take 1 from the value, waiting while it is 0\n"
	"  get NAME             print the value\n"
	"  rm NAME              remove NAME (System V: its waiters fail at once)\n"
	"\n"
	"Names:\n"
	"  /NAME     a POSIX named semaphore, the file /dev/shm/sem.NAME\n"
	"            (VALUE 0 to 2147483647)\n"
	"  sysv:KEY  semaphore 0 of a System V set (VALUE 0 to 32767); KEY is decimal,\n"
	"            0x hex, or @PATH[:PROJ] for ftok(PATH, PROJ); also written\n"
	"            sysv-sem:KEY, as lipc rm takes it\n"
	"\n"
	"Options:\n"
	"  -m, --mode MODE        create: permissions (octal, default 0600)\n"
	"  -n, --no-wait          wait: fail at once when the value is 0\n"
	"  -t, --timeout SECONDS  wait: give up after SECONDS\n"
	"  -h, --help             show this help\n"
	"\n"
	"A semaphore stays until 'lipc sem rm NAME' (or a reboot), whoever created it.\n"
	"Exit status: 0 done, 1 failed (wait: not taken in time), 2 usage error.\n";

static const struct option longopts[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "no-wait", no_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

enum action {
	CREATE,
	POST,
	WAIT,
	GET,
	RM
};

static const char *const actions[] = { "create", "post", "wait", "get", "rm" };

static bool is_sysv(const char *name)
{
	return sysv_key_text(name, "sysv-sem") != NULL;
}

/* Refuse a malformed NAME before touching anything: usage errors, exit 2. */
static void check_name(const char *name)
{
	key_t key;

	if (is_sysv(name)) {
		if (lipc_key_parse(sysv_key_text(name, "sysv-sem"), &key) == 0)
			return;
		if (errno == EINVAL)
			usage_error("sem: '%s': KEY is a number of 32 bits but 0 (decimal or 0x "
				    "hex), or @PATH[:PROJ]",
				    name);
		fail("%s: %s", name, strerror(errno)); /* @PATH that ftok() cannot use */
	}
	if (name[0] != '/' || name[1] == '\0' || strchr(name + 1, '/'))
		usage_error("sem: '%s' is not a semaphore name (/NAME or sysv:KEY)", name);
}

/* semctl()'s fourth argument, which the caller defines (man 2 semctl). */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

/*
 * A System V set that the system has no room for (ENOSPC): say which of kernel.sem's limits
 * stopped it, SEMMNI (sets) or SEMMNS (semaphores in all sets), with the values in force, as
 * the queue and segment messages name msgmni and shmmni. IPC_INFO gives the limits, SEM_INFO
 * what is in use.
 */
static _Noreturn void sysv_no_room(const char *name)
{
	struct seminfo max, used;
	char values[128] = "?";
	FILE *f = fopen("/proc/sys/kernel/sem", "re");

	if (f) {
		if (fgets(values, sizeof(values), f))
			for (char *p = values; *p; p++)
				if (*p == '\t' || *p == '\n')
					*p = *p == '\t' ? ' ' : '\0';
		fclose(f);
	}
	if (semctl(0, 0, IPC_INFO, (union semun){ .__buf = &max }) >= 0 &&
	    semctl(0, 0, SEM_INFO, (union semun){ .__buf = &used }) >= 0) {
		if (used.semusz >= max.semmni)
			fail("cannot create %s: too many semaphore sets: %d exist, the system's "
			     "limit "
			     "is %d (SEMMNI, the 4th value of kernel.sem; /proc/sys/kernel/sem "
			     "holds "
			     "SEMMSL SEMMNS SEMOPM SEMMNI = %s)",
			     name, used.semusz, max.semmni, values);
		if (used.semaem + 1 > max.semmns)
			fail("cannot create %s: too many semaphores: %d exist in all sets, the "
			     "system's limit is %d (SEMMNS, the 2nd value of kernel.sem; "
			     "/proc/sys/kernel/sem holds SEMMSL SEMMNS SEMOPM SEMMNI = %s)",
			     name, used.semaem, max.semmns, values);
	}
	fail("cannot create %s: the system's limit on System V semaphores is reached (kernel.sem: "
	     "SEMMNI sets, SEMMNS semaphores in all; /proc/sys/kernel/sem holds SEMMSL SEMMNS "
	     "SEMOPM SEMMNI = %s)",
	     name, values);
}

/* Why opening or removing NAME failed, in the user's terms. */
static _Noreturn void open_failed(const char *verb, const char *name)
{
	switch (errno) {
	case ENOSPC:
		if (is_sysv(name))
			sysv_no_room(name);
		fail("cannot %s %s: no space left in /dev/shm", verb, name);
	case EINVAL:
	case ENAMETOOLONG:
		usage_error("sem: '%s' is not a valid semaphore name: %s", name, strerror(errno));
	case EEXIST:
		fail("cannot create %s: it already exists (remove it with 'lipc sem rm %s')", name,
		     name);
	case ENOENT:
		fail("%s: no such semaphore (create it with 'lipc sem create %s')", name, name);
	case ETIMEDOUT:
		fail("%s: the set exists but was never initialised: its creator died first, or "
		     "another program made it (remove it with 'lipc sem rm %s')",
		     name, name);
	case EIDRM:
		fail("%s: the set was removed while lipc opened it", name);
	default:
		fail("cannot %s %s: %s", verb, name, strerror(errno));
	}
}

static struct lipc_sem *open_existing(const char *verb, const char *name)
{
	struct lipc_sem *s = sem_open_name(name, 0, 0, 0);

	if (!s)
		open_failed(verb, name);
	return s;
}

static int do_wait(const char *name, bool no_wait, const char *timeout, int timeout_ms)
{
	struct lipc_sem *s = open_existing("wait on", name);
	int r;

	if (no_wait) {
		r = lipc_sem_trywait(s);
		if (r == 0) {
			lipc_sem_close(s);
			fail("%s: the value is 0: not taken", name);
		}
		r = r == 1 ? 0 : -1;
	} else {
		r = lipc_sem_timedwait(s, timeout ? timeout_ms : -1);
	}
	if (r < 0) {
		int err = errno;

		lipc_sem_close(s);
		if (err == ETIMEDOUT || err == EAGAIN) /* EAGAIN: -t 0 */
			fail("%s: not posted within %s s", name, timeout);
		if (err == EIDRM)
			fail("%s: the semaphore set was removed while lipc waited", name);
		fail("cannot wait on %s: %s", name, strerror(err));
	}
	lipc_sem_close(s);
	return EXIT_SUCCESS;
}

int cmd_sem(int argc, char **argv)
{
	const char *mode_arg = NULL, *timeout = NULL, *name;
	bool no_wait = false;
	mode_t mode = 0;
	int opt, timeout_ms = -1, action = -1, operands;
	struct lipc_sem *s = NULL;

	while ((opt = next_option(argc, argv, "m:nt:", longopts, help)) != -1) {
		switch (opt) {
		case 'm':
			mode_arg = optarg;
			mode = parse_mode("mode", optarg);
			if (mode & ~0777u)
				usage_error("mode '%s' is not a permission mode (0 to 0777)",
					    optarg);
			break;
		case 'n':
			no_wait = true;
			break;
		case 't':
			timeout = optarg;
			timeout_ms = parse_seconds("timeout", optarg);
			break;
		}
	}
	if (optind >= argc)
		usage_error("sem: missing ACTION (create, post, wait, get or rm)");
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(argv[optind], actions[i]))
			action = (int)i;
	if (action < 0)
		usage_error("sem: unknown action '%s' (create, post, wait, get or rm)",
			    argv[optind]);
	operands = argc - optind - 1;
	if (operands < 1)
		usage_error("sem %s: missing NAME", actions[action]);
	if (operands > (action == CREATE ? 2 : 1))
		usage_error("sem %s: unexpected argument '%s'", actions[action],
			    argv[optind + (action == CREATE ? 3 : 2)]);
	if (mode_arg && action != CREATE)
		usage_error("sem %s: --mode applies to create only", actions[action]);
	if ((no_wait || timeout) && action != WAIT)
		usage_error("sem %s: --%s applies to wait only", actions[action],
			    no_wait ? "no-wait" : "timeout");
	if (no_wait && timeout)
		usage_error("sem wait: --no-wait and --timeout exclude each other");
	name = argv[optind + 1];
	check_name(name);

	switch (action) {
	case CREATE: {
		long max = is_sysv(name) ? LIPC_SEM_SYSV_VALUE_MAX : SEM_VALUE_MAX;
		long value = operands == 2 ? parse_long("value", argv[optind + 2], 0, max) : 0;

		s = sem_open_name(name, LIPC_CREATE | LIPC_EXCL, mode, (unsigned)value);
		if (!s)
			open_failed("create", name);
		break;
	}
	case POST:
		s = open_existing("post", name);
		if (lipc_sem_post(s) < 0) {
			int err = errno;

			lipc_sem_close(s);
			if (err == EOVERFLOW)
				fail("cannot post %s: the value is at its maximum (%ld)", name,
				     is_sysv(name) ? (long)LIPC_SEM_SYSV_VALUE_MAX
						   : (long)SEM_VALUE_MAX);
			if (err == EIDRM)
				fail("cannot post %s: the semaphore set was removed", name);
			fail("cannot post %s: %s", name, strerror(err));
		}
		break;
	case WAIT:
		return do_wait(name, no_wait, timeout, timeout_ms);
	case GET: {
		int v;

		s = open_existing("read", name);
		v = lipc_sem_value(s);
		if (v < 0) {
			int err = errno;

			lipc_sem_close(s);
			fail("cannot read %s: %s", name, strerror(err));
		}
		printf("%d\n", v);
		break;
	}
	case RM:
		if (sem_unlink_name(name) < 0)
			open_failed("remove", name);
		return EXIT_SUCCESS;
	}
	lipc_sem_close(s);
	return EXIT_SUCCESS;
}
