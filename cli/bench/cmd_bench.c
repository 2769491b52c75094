/* SPDX-License-Identifier: MIT */
/*
 * lipc bench: every IPC mechanism measured on this machine, the same way, in one run. This file
 * chooses what to run, runs each case in a pair of fresh processes (harness.c), watches them,
 * and removes what they created; table.c writes the results.
 *
 * The command never measures anything itself: it sleeps in poll() while a case runs, so it
 * takes no CPU from the pair. A case that stops making progress is killed whole (its processes
 * lead a group of their own), and so is the case running when the command gets SIGINT, SIGTERM
 * or SIGHUP: the command then removes the case's objects and dies of the same signal (one that
 * was ignored when the command started stays ignored, as nohup and `&` expect). It is the
 * pair's subreaper, so even a process whose parent was killed is reaped before its objects go.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "lipc/lock.h"
#include "lipc/ring.h"
#include "lipc/sem.h"
#include "lipc/signal.h"

static const char help[] =
	"Usage: lipc bench [OPTIONS]\n"
	"Measure every IPC mechanism on this machine, the same way, in one run: round trips\n"
	"and streaming of messages through the channel (the code of lipc send and recv), a\n"
	"bare pipe and a bare ring, lipc relay processes between queues or rings (relay-mq,\n"
	"relay-shm-tcp), hand-offs of locks, semaphores and a futex, and signals,\n"
	"each between two processes; fan-out from one producer to 1 to 8 consumer\n"
	"processes (fanout-N) and 1 to 4 producers into one consumer (mpsc-ring-N, beside\n"
	"the point-to-point ring and a FIFO, a POSIX queue and a datagram socket); and\n"
	"the floors no mechanism beats: a cache line bounced between two CPUs, a\n"
	"sched_yield() ping-pong on one, and memcpy. Each case\n"
	"runs with both processes on one CPU, then (on a machine with two or more) with one\n"
	"on each of two, and checks its data: a case that loses or damages a message is\n"
	"reported FAILED, never as a figure.\n"
	"\n"
	"Options:\n"
	"  -o, --only LIST         run only these cases, comma-separated (see --list); the\n"
	"                          floors (cacheline, yield, memcpy) always run\n"
	"  -s, --sizes LIST        message sizes, comma-separated, in bytes or with K or M\n"
	"                          (default: round trips at 1,64,1K,4K,64K and streaming at\n"
	"                          64,1K,4K,64K,1M; a size a mechanism cannot carry is n/a)\n"
	"  -d, --duration SECONDS  each measurement, after its warm-up (default 0.1,\n"
	"                          at least 0.01)\n"
	"  -r, --round-trips       measure round trips only, no streaming\n"
	"  -p, --pin CPU,CPU       one placement: A on the first CPU, B on the second (the\n"
	"                          same CPU twice puts both on it); 'none' leaves both to the\n"
	"                          scheduler (default: both on one CPU, then one on each of two)\n"
	"      --json FILE         write every figure as JSON\n"
	"      --csv FILE          write every figure as CSV, one row per measurement\n"
	"      --svg FILE          write a chart: round trips (p50 bars, p99 whiskers, log\n"
	"                          scale) and streaming throughput against message size\n"
	"                          (FILE '-' is standard output, instead of the table)\n"
	"  -l, --list              list the cases and exit\n"
	"  -h, --help              show this help\n"
	"\n"
	"Standard output names the machine, then a table of round trips (p50 and p99 in\n"
	"microseconds, and p50 over the floor of its placement) and one of streaming (MB/s,\n"
	"MB = 10^6 bytes, and its share of memcpy), fastest first; under each, shm and\n"
	"shm-spin over raw-ring, the bare ring, when they ran. Progress goes to standard\n"
	"error when it is a terminal. Every object the run creates is removed, also when it\n"
	"is interrupted. FIFOs and lock files go to $TMPDIR, or /tmp.\n"
	"Exit status: 0 done, 1 a case failed or a file could not be written, 2 usage error.\n";

enum {
	OPT_JSON = 256,
	OPT_CSV,
	OPT_SVG
};

static const struct option longopts[] = {
	{ "only", required_argument, NULL, 'o' },
	{ "sizes", required_argument, NULL, 's' },
	{ "duration", required_argument, NULL, 'd' },
	{ "pin", required_argument, NULL, 'p' },
	{ "round-trips", no_argument, NULL, 'r' },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "list", no_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* clang-format off */
const struct bench_case bench_cases[] = {
	{ "raw-pipe", "a pipe with bare write() and read(): the channel's overhead shows against it",
	  BENCH_MESSAGE, HOW_RAW_PIPE, NULL, 0, 0, 0 },
	{ "pipe", "a pipe through the channel (lipc_chan_open_fd, framed)",
	  BENCH_MESSAGE, HOW_PIPE_CHAN, NULL, 0, 0, 0 },
	{ "fifo", "a FIFO (fifo:PATH)", BENCH_MESSAGE, HOW_CHAN, "fifo", 0, 0, 0 },
	{ "unix", "a Unix stream socket (unix:@NAME)", BENCH_MESSAGE, HOW_CHAN, "unix", 0, 0, 0 },
	{ "unix-dgram", "a Unix datagram socket (unix-dgram:@NAME)",
	  BENCH_MESSAGE, HOW_CHAN, "unix-dgram", 0, 0, 0 },
	{ "unix-seqpacket", "a Unix seqpacket socket (unix-seqpacket:@NAME)",
	  BENCH_MESSAGE, HOW_CHAN, "unix-seqpacket", 0, 0, 0 },
	{ "tcp", "TCP over the loopback (tcp:127.0.0.1:PORT)", BENCH_MESSAGE, HOW_CHAN, "tcp", 0, 0, 0 },
	{ "mq", "a POSIX message queue (mq:/NAME)", BENCH_MESSAGE, HOW_CHAN, "mq", 0, 0, 0 },
	{ "sysv-mq", "a System V message queue (sysv-mq:KEY)",
	  BENCH_MESSAGE, HOW_CHAN, "sysv-mq", 0, 0, 0 },
	{ "shm", "the LinuxIPC ring, spinning briefly then sleeping (shm:/NAME)",
	  BENCH_MESSAGE, HOW_CHAN, "shm", 0, 0, 0 },
	{ "shm-spin", "the LinuxIPC ring, busy-polling (shm:/NAME, LIPC_CHAN_SPIN)",
	  BENCH_MESSAGE, HOW_CHAN, "shm", LIPC_CHAN_SPIN, 0, 0 },
	{ "shm-poll", "the LinuxIPC ring, the receiver in poll() on its doorbell (lipc_chan_fd) "
	  "and receiving with a timeout of 0", BENCH_MESSAGE, HOW_CHAN, "shm", BENCH_CHAN_POLL, 0, 0 },
	{ "raw-ring", "a bare ring in shared memory (cached indices, busy-polling, sched_yield() "
	  "on one CPU): shm's overhead shows against it", BENCH_MESSAGE, HOW_RAW_RING, NULL, 0, 0, 0 },
	{ "relay-mq", "mq -> lipc relay -> mq each way: mq's round trip with a relay hop added "
	  "each way", BENCH_MESSAGE, HOW_RELAY, "mq", 0, 0, 0 },
	{ "relay-shm-tcp", "shm -> lipc relay -> tcp -> lipc relay -> shm each way (framed; four "
	  "relays per round trip)", BENCH_MESSAGE, HOW_RELAY, "shm", 0, 0, 0 },
	{ "fanout-1", "one producer to 1 consumer process on a publish ring (LIPC_RING_PUBLISH, "
	  "lossless)", BENCH_FANOUT, HOW_FANOUT, NULL, 0, 0, 1 },
	{ "fanout-2", "one producer to 2 consumer processes on a publish ring (lossless)",
	  BENCH_FANOUT, HOW_FANOUT, NULL, 0, 0, 2 },
	{ "fanout-4", "one producer to 4 consumer processes on a publish ring (lossless)",
	  BENCH_FANOUT, HOW_FANOUT, NULL, 0, 0, 4 },
	{ "fanout-8", "one producer to 8 consumer processes on a publish ring (lossless)",
	  BENCH_FANOUT, HOW_FANOUT, NULL, 0, 0, 8 },
	{ "mpsc-shm-1", "1 producer into one consumer on a point-to-point ring: the reference",
	  BENCH_WRITERS, HOW_WRITERS, "shm", 0, 0, 1 },
	{ "mpsc-ring-1", "1 producer into one consumer on a multi-producer ring (LIPC_RING_MULTI)",
	  BENCH_WRITERS, HOW_WRITERS, "ring", 0, 0, 1 },
	{ "mpsc-ring-2", "2 producer processes into one consumer on a multi-producer ring",
	  BENCH_WRITERS, HOW_WRITERS, "ring", 0, 0, 2 },
	{ "mpsc-ring-4", "4 producer processes into one consumer on a multi-producer ring",
	  BENCH_WRITERS, HOW_WRITERS, "ring", 0, 0, 4 },
	{ "mpsc-fifo-1", "1 producer into a FIFO, bare write() and read() (a write of at most "
	  "PIPE_BUF bytes is atomic)", BENCH_WRITERS, HOW_WRITERS, "fifo", 0, 0, 1 },
	{ "mpsc-fifo-2", "2 producer processes into one FIFO", BENCH_WRITERS, HOW_WRITERS, "fifo",
	  0, 0, 2 },
	{ "mpsc-fifo-4", "4 producer processes into one FIFO", BENCH_WRITERS, HOW_WRITERS, "fifo",
	  0, 0, 4 },
	{ "mpsc-mq-1", "1 producer into a POSIX message queue, bare mq_send() and mq_receive()",
	  BENCH_WRITERS, HOW_WRITERS, "mq", 0, 0, 1 },
	{ "mpsc-mq-2", "2 producer processes into one POSIX message queue", BENCH_WRITERS,
	  HOW_WRITERS, "mq", 0, 0, 2 },
	{ "mpsc-mq-4", "4 producer processes into one POSIX message queue", BENCH_WRITERS,
	  HOW_WRITERS, "mq", 0, 0, 4 },
	{ "mpsc-dgram-1", "1 producer into a Unix datagram socket, bare send() and recv()",
	  BENCH_WRITERS, HOW_WRITERS, "dgram", 0, 0, 1 },
	{ "mpsc-dgram-2", "2 producer processes into one Unix datagram socket", BENCH_WRITERS,
	  HOW_WRITERS, "dgram", 0, 0, 2 },
	{ "mpsc-dgram-4", "4 producer processes into one Unix datagram socket", BENCH_WRITERS,
	  HOW_WRITERS, "dgram", 0, 0, 4 },
	{ "posix-lock", "POSIX record locks (F_SETLKW), handed over", BENCH_HANDOFF, HOW_LOCK,
	  NULL, 0, BENCH_LOCK_POSIX, 0 },
	{ "ofd-lock", "open file description locks (F_OFD_SETLKW), handed over",
	  BENCH_HANDOFF, HOW_LOCK, NULL, 0, BENCH_LOCK_OFD, 0 },
	{ "flock", "flock() locks, handed over", BENCH_HANDOFF, HOW_LOCK, NULL, 0, BENCH_LOCK_FLOCK, 0 },
	{ "mutex", "robust process-shared mutexes in shared memory, handed over",
	  BENCH_HANDOFF, HOW_LOCK, NULL, 0, BENCH_LOCK_MUTEX, 0 },
	{ "posix-sem", "POSIX unnamed semaphores in shared memory, posted and awaited",
	  BENCH_HANDOFF, HOW_SEM_POSIX, NULL, 0, 0, 0 },
	{ "sysv-sem", "System V semaphores, posted and awaited",
	  BENCH_HANDOFF, HOW_SEM_SYSV, NULL, 0, 0, 0 },
	{ "futex", "a bare futex pair: each hand-off a FUTEX_WAKE and a FUTEX_WAIT, no spinning",
	  BENCH_HANDOFF, HOW_FUTEX, NULL, 0, 0, 0 },
	{ "kill", "kill() answered by kill(), taken with sigwaitinfo()",
	  BENCH_SIGNAL, HOW_SIG_KILL, NULL, 0, 0, 0 },
	{ "sigqueue", "sigqueue() with a value, taken with sigwaitinfo()",
	  BENCH_SIGNAL, HOW_SIG_QUEUE, NULL, 0, 0, 0 },
	{ "signalfd", "a queued signal with a value, read from a signalfd (lipc/signal.h)",
	  BENCH_SIGNAL, HOW_SIG_FD, NULL, 0, 0, 0 },
	{ "cacheline", "both processes busy-polling one cache line: the floor on two CPUs",
	  BENCH_FLOOR, HOW_CACHELINE, NULL, 0, 0, 0 },
	{ "yield", "both processes polling one cache line, sched_yield() between looks: the "
	  "floor on one CPU", BENCH_FLOOR, HOW_YIELD, NULL, 0, 0, 0 },
	{ "memcpy", "one thread copying a buffer twice the size of the last-level cache",
	  BENCH_FLOOR, HOW_MEMCPY, NULL, 0, 0, 0 },
};
/* clang-format on */

const size_t bench_n_cases = sizeof(bench_cases) / sizeof(bench_cases[0]);

static const size_t default_lat[] = { 1, 64, 1024, 4096, 65536 };
static const size_t default_tput[] = { 64, 1024, 4096, 65536, 1048576 };

#define DEFAULT_DURATION_MS 100
#define MAX_SIZE	    ((size_t)64 << 20)

/* The state a signal handler of sorts (the signalfd) needs to clean up. */
struct state {
	struct bench_run run;
	bool selected[64];
	const char *tmpdir;
	int sigfd;
	sigset_t old_mask;
	bool progress;
	int done, total;
	unsigned key_next;
};

static bool is_floor(const struct bench_case *c)
{
	return c->kind == BENCH_FLOOR;
}

/* --only: every name must be a case. */
static void parse_only(struct state *st, const char *arg)
{
	char *list = strdup(arg), *save = NULL;

	if (!list)
		fail("out of memory");
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < bench_n_cases; i++)
			if (!strcmp(name, bench_cases[i].name))
				break;
		if (i == bench_n_cases) {
			char names[1024] = "";

			for (size_t j = 0; j < bench_n_cases; j++) {
				strcat(names, j ? ", " : "");
				strcat(names, bench_cases[j].name);
			}
			usage_error("unknown case '%s' (cases: %s)", name, names);
		}
		st->selected[i] = true;
	}
	free(list);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* --sizes: both lists become this one, sorted, each size once. */
static void parse_sizes(struct bench_plan *p, const char *arg)
{
	char *list = strdup(arg), *save = NULL;
	int n = 0;

	if (!list)
		fail("out of memory");
	save = list;
	for (char *s; (s = strsep(&save, ","));) {
		size_t v;

		if (!*s)
			usage_error("sizes '%s' is not a list of sizes (64,4K,1M)", arg);
		v = parse_size("size", s, 1);

		if (v > MAX_SIZE)
			usage_error("size '%s' is out of range (1 to 64M)", s);
		if (n == BENCH_MAX_SIZES)
			usage_error("sizes '%s': at most %d sizes", arg, BENCH_MAX_SIZES);
		p->lat_sizes[n++] = v;
	}
	free(list);
	qsort(p->lat_sizes, (size_t)n, sizeof(size_t), cmp_size);
	p->n_lat = 0;
	for (int i = 0; i < n; i++)
		if (i == 0 || p->lat_sizes[i] != p->lat_sizes[i - 1])
			p->lat_sizes[p->n_lat++] = p->lat_sizes[i];
	memcpy(p->tput_sizes, p->lat_sizes, sizeof(p->tput_sizes));
	p->n_tput = p->n_lat;
}

/* --pin: "none", or two CPUs of the allowed set. */
static void parse_pin(struct bench_run *run, const char *arg, const cpu_set_t *allowed)
{
	char a[32], b[32], extra;
	long cpu[2];

	if (!strcmp(arg, "none")) {
		run->places[0] = (struct bench_place){ "unpinned", "unpinned", -1, -1 };
		run->n_places = 1;
		return;
	}
	if (strlen(arg) >= sizeof(a) || sscanf(arg, "%31[^,],%31[^,]%c", a, b, &extra) != 2)
		usage_error("pin '%s' is not CPU,CPU (such as 0,1) or 'none'", arg);
	cpu[0] = parse_long("CPU", a, 0, CPU_SETSIZE - 1);
	cpu[1] = parse_long("CPU", b, 0, CPU_SETSIZE - 1);
	for (int i = 0; i < 2; i++)
		if (!CPU_ISSET((int)cpu[i], allowed))
			usage_error("CPU %ld is not one this process may run on", cpu[i]);
	if (cpu[0] == cpu[1])
		run->places[0] =
			(struct bench_place){ "same", "same CPU", (int)cpu[0], (int)cpu[0] };
	else
		run->places[0] =
			(struct bench_place){ "split", "two CPUs", (int)cpu[0], (int)cpu[1] };
	run->n_places = 1;
}

static void default_places(struct bench_run *run, const cpu_set_t *allowed)
{
	int first = -1, second = -1;

	for (int i = 0; i < CPU_SETSIZE && second < 0; i++) {
		if (!CPU_ISSET(i, allowed))
			continue;
		if (first < 0)
			first = i;
		else
			second = i;
	}
	run->places[0] = (struct bench_place){ "same", "same CPU", first, first };
	run->n_places = 1;
	if (second >= 0)
		run->places[run->n_places++] =
			(struct bench_place){ "split", "two CPUs", first, second };
}

/* The machine, as every output states it. */
static void describe_machine(struct bench_run *run, const cpu_set_t *allowed)
{
	struct utsname u;
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "re");
	uint64_t best = UINT64_MAX;
	time_t now = time(NULL);

	snprintf(run->cpu_model, sizeof(run->cpu_model), "unknown CPU");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (colon && (!strncmp(line, "model name", 10) || !strncmp(line, "Model", 5) ||
			      !strncmp(line, "cpu model", 9))) {
			colon += strspn(colon + 1, " \t") + 1;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(run->cpu_model, sizeof(run->cpu_model), "%s", colon);
			break;
		}
	}
	if (f)
		fclose(f);
	run->cpus_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	run->cpus_allowed = CPU_COUNT(allowed);
	if (uname(&u) == 0)
		snprintf(run->kernel, sizeof(run->kernel), "%s %s %s", u.sysname, u.release,
			 u.machine);
	if (getloadavg(run->load, 3) < 0)
		run->load[0] = run->load[1] = run->load[2] = -1;
	/* What a timestamp costs: the best of a few tries, per reading. */
	for (int t = 0; t < 5; t++) {
		uint64_t t0 = bench_now_ns(), t1;

		for (int i = 0; i < 10000; i++)
			bench_now_ns();
		t1 = bench_now_ns();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	run->clock_ns = (double)best / 10001;
	strftime(run->date, sizeof(run->date), "%Y-%m-%d", localtime(&now));
}

/* Objects: named after our pid and the case, so a run never meets another's. */

static void need_fit(int n, size_t size, const char *what)
{
	if (n < 0 || (size_t)n >= size)
		fail("%s: the name is too long (TMPDIR?)", what);
}

static void file_object(struct state *st, struct bench_objects *o, const char *prefix,
			const char *suffix)
{
	int n = snprintf(o->files[o->n_files], sizeof(o->files[0]), "%s/%s-%s", st->tmpdir, prefix,
			 suffix);

	need_fit(n, sizeof(o->files[0]), st->tmpdir);
	o->n_files++;
}

/* A System V key: 'B', then 16 bits of our pid, then a counter; IPC_EXCL says it is free. */
static key_t next_key(struct state *st)
{
	return (key_t)(0x42000000u | ((unsigned)getpid() & 0xffffu) << 8 |
		       (st->key_next++ & 0xffu));
}

static void remove_objects(struct bench_objects *o)
{
	for (int i = 0; i < o->n_files; i++)
		unlink(o->files[i]);
	for (int i = 0; i < o->n_names; i++) {
		if (o->names_are_mq)
			mq_unlink(o->names[i]);
		else
			lipc_ring_unlink(o->names[i]);
	}
	for (int i = 0; i < o->n_msq; i++) {
		int id = msgget(o->msq[i], 0);

		if (id >= 0)
			msgctl(id, IPC_RMID, NULL);
	}
	for (int i = 0; i < o->n_sems; i++)
		sem_unlink_name(o->sems[i]);
	o->n_files = o->n_names = o->n_msq = o->n_sems = 0;
}

/*
 * A relay case's queues or rings, four: A sends to ab_tx, relayed to ab where B receives, and B
 * to ba_tx, relayed to ba. Made by A and B as they open their ends, removed by the command.
 */
static int relay_objects(struct bench_objects *o, const struct bench_case *c, const char *prefix)
{
	static const char *const ends[] = { "ab1", "ab2", "ba1", "ba2" };
	char *addr[] = { o->ab_tx, o->ab, o->ba_tx, o->ba };

	o->names_are_mq = !strcmp(c->scheme, "mq");
	for (int i = 0; i < 4; i++)
		snprintf(o->names[i], sizeof(o->names[i]), "/%s-%s", prefix, ends[i]);
	o->n_names = 4;
	/* A run killed with SIGKILL before it could clean up may have left these. */
	remove_objects(o);
	o->n_names = 4;
	for (int i = 0; i < 4; i++)
		snprintf(addr[i], sizeof(o->ab), "%s:%s", c->scheme, o->names[i]);
	return 0;
}

/*
 * A fan-out or many-writers case's one object (fanout.c), in ab: a ring or a POSIX queue
 * ("/NAME", names[0]), a FIFO (its path, files[0]) or an abstract datagram socket ("@NAME",
 * nothing to remove).
 */
static int crowd_objects(struct state *st, struct bench_objects *o, const struct bench_case *c,
			 const char *prefix)
{
	const char *scheme = c->scheme ? c->scheme : "ring";

	if (!strcmp(scheme, "fifo")) {
		file_object(st, o, prefix, "w");
		snprintf(o->ab, sizeof(o->ab), "%s", o->files[0]);
		unlink(o->files[0]); /* left by a run killed with SIGKILL */
		return 0;
	}
	if (!strcmp(scheme, "dgram")) {
		snprintf(o->ab, sizeof(o->ab), "@%s", prefix);
		return 0;
	}
	o->names_are_mq = !strcmp(scheme, "mq");
	snprintf(o->names[0], sizeof(o->names[0]), "/%s", prefix);
	o->n_names = 1;
	remove_objects(o); /* left by a run killed with SIGKILL */
	o->n_names = 1;
	snprintf(o->ab, sizeof(o->ab), "%s", o->names[0]);
	return 0;
}

/* Name (and for System V, make) the objects of a run of case c. 0, or -1 with a reason. */
static int make_objects(struct state *st, struct bench_objects *o, const struct bench_case *c,
			int place, char *why, size_t why_size)
{
	char prefix[NAME_MAX - 16];
	int n;

	memset(o, 0, sizeof(*o));
	snprintf(prefix, sizeof(prefix), "lipc-bench-%d-%s-%d", (int)getpid(), c->name, place);
	if (c->how == HOW_LOCK && c->lock_kind != BENCH_LOCK_MUTEX) {
		if (c->lock_kind == BENCH_LOCK_FLOCK) {
			file_object(st, o, prefix, "lock0");
			file_object(st, o, prefix, "lock1");
			file_object(st, o, prefix, "lock2");
		} else {
			file_object(st, o, prefix, "lock");
		}
	}
	if (c->how == HOW_SEM_SYSV) {
		for (int tries = 0; o->n_sems < 2 && tries < 256; tries++) {
			char name[32];
			struct lipc_sem *s;

			snprintf(name, sizeof(name), "sysv:0x%08x", (unsigned)next_key(st));
			s = sem_open_name(name, LIPC_CREATE | LIPC_EXCL, 0600, 0);
			if (s) {
				lipc_sem_close(s);
				strcpy(o->sems[o->n_sems++], name);
			} else if (errno != EEXIST) {
				snprintf(why, why_size, "cannot create a semaphore set: %s",
					 strerror(errno));
				return -1;
			}
		}
		if (o->n_sems < 2)
			goto out_no_key;
	}
	if (c->how == HOW_RELAY)
		return relay_objects(o, c, prefix);
	if (c->how == HOW_FANOUT || c->how == HOW_WRITERS)
		return crowd_objects(st, o, c, prefix);
	if (c->how != HOW_CHAN)
		return 0;
	if (!strcmp(c->scheme, "fifo")) {
		file_object(st, o, prefix, "ab");
		file_object(st, o, prefix, "ba");
		n = snprintf(o->ab, sizeof(o->ab), "fifo:%s", o->files[0]);
		need_fit(n, sizeof(o->ab), st->tmpdir);
		snprintf(o->ba, sizeof(o->ba), "fifo:%s", o->files[1]);
	} else if (!strncmp(c->scheme, "unix", 4)) {
		/* Abstract names: nothing in the file system, nothing to remove. */
		snprintf(o->ab, sizeof(o->ab), "%s:@%s-ab", c->scheme, prefix);
		snprintf(o->ba, sizeof(o->ba), "%s:@%s-ba", c->scheme, prefix);
	} else if (!strcmp(c->scheme, "tcp")) {
		snprintf(o->ab, sizeof(o->ab), "tcp:127.0.0.1:0");
		snprintf(o->ba, sizeof(o->ba), "tcp:127.0.0.1:0");
	} else if (!strcmp(c->scheme, "mq") || !strcmp(c->scheme, "shm")) {
		o->names_are_mq = !strcmp(c->scheme, "mq");
		snprintf(o->names[0], sizeof(o->names[0]), "/%s-ab", prefix);
		snprintf(o->names[1], sizeof(o->names[1]), "/%s-ba", prefix);
		o->n_names = 2;
		/* A run killed with SIGKILL before it could clean up may have left these. */
		remove_objects(o);
		o->n_names = 2;
		snprintf(o->ab, sizeof(o->ab), "%s:%s", c->scheme, o->names[0]);
		snprintf(o->ba, sizeof(o->ba), "%s:%s", c->scheme, o->names[1]);
	} else if (!strcmp(c->scheme, "sysv-mq")) {
		for (int tries = 0; o->n_msq < 2 && tries < 256; tries++) {
			key_t key = next_key(st);

			if (msgget(key, IPC_CREAT | IPC_EXCL | 0600) >= 0)
				o->msq[o->n_msq++] = key;
			else if (errno != EEXIST) {
				snprintf(why, why_size, "cannot create a message queue: %s",
					 strerror(errno));
				remove_objects(o);
				return -1;
			}
		}
		if (o->n_msq < 2)
			goto out_no_key;
		snprintf(o->ab, sizeof(o->ab), "sysv-mq:0x%08x", (unsigned)o->msq[0]);
		snprintf(o->ba, sizeof(o->ba), "sysv-mq:0x%08x", (unsigned)o->msq[1]);
	}
	return 0;

out_no_key:
	remove_objects(o);
	snprintf(why, why_size, "no free System V key");
	return -1;
}

/* Results. */

static void add_figure(struct bench_result *r, const struct bench_figure *f)
{
	if (r->n_figs == r->cap_figs) {
		size_t cap = r->cap_figs ? 2 * r->cap_figs : 16;
		struct bench_figure *figs = realloc(r->figs, cap * sizeof(*figs));

		if (!figs)
			fail("out of memory");
		r->figs = figs;
		r->cap_figs = cap;
	}
	r->figs[r->n_figs++] = *f;
}

__attribute__((format(printf, 2, 3))) static void set_failed(struct bench_result *r,
							     const char *fmt, ...)
{
	va_list ap;

	if (r->status == ST_FAILED)
		return; /* the first reason is the one */
	r->status = ST_FAILED;
	r->n_figs = 0; /* a case that failed has no figures at all */
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static void progress_clear(struct state *st)
{
	if (st->progress)
		fputs("\r\033[K", stderr);
}

static void progress(struct state *st, const struct bench_case *c, const struct bench_place *p,
		     const char *what)
{
	if (!st->progress)
		return;
	fprintf(stderr, "\r\033[K[%d/%d] %s, %s: %s", st->done + 1, st->total, c->name, p->name,
		what);
	fflush(stderr);
}

/*
 * Kill the pair (when asked), and reap it: A, then whatever of its group was handed to us.
 * Returns A's wait status.
 */
static int kill_and_reap(pid_t pid, bool kill_it)
{
	int status = 0, other;

	if (kill_it)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL); /* B, should A have left it behind */
	while (waitpid(-pid, &other, 0) > 0 || errno == EINTR)
		;
	return status;
}

/*
 * A signal came (while a case ran: pid and o are its own): kill and reap the case, remove its
 * objects, then die of the same signal.
 */
static _Noreturn void interrupted(struct state *st, pid_t pid, struct bench_objects *o)
{
	struct signalfd_siginfo si;
	int sig = SIGTERM;

	if (read(st->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		sig = (int)si.ssi_signo;
	if (pid > 0)
		kill_and_reap(pid, true);
	if (o)
		remove_objects(o);
	progress_clear(st);
	signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &st->old_mask, NULL);
	raise(sig);
	_exit(128 + sig); /* only if the caller had blocked it */
}

/*
 * How long a case may go without a word before it is taken for hung: a measurement and its
 * warm-up, generously, for slow sanitizer builds and loaded machines.
 */
static int stall_ms(const struct bench_plan *p)
{
	return 20000 + 10 * (p->duration_ms + p->warmup_ms);
}

static void run_pair(struct state *st, struct bench_result *r, int pi)
{
	const struct bench_place *p = &st->run.places[pi];
	const struct bench_case *c = r->c;
	struct bench_objects o;
	struct pollfd fds[2];
	char why[256];
	int res[2], status;
	bool got_fail = false, got_done = false, timed_out = false;
	pid_t pid, me = getpid();

	if (make_objects(st, &o, c, pi, why, sizeof(why)) < 0) {
		set_failed(r, "%s", why);
		return;
	}
	if (pipe2(res, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(res[0]);
		close(st->sigfd);
		setpgid(0, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != me)
			_exit(1);
		sigprocmask(SIG_SETMASK, &st->old_mask, NULL);
		if (bench_run_case(c, p, &st->run.plan, &o, res[1]) != 0)
			_exit(1);
		/* The last word: without it, the process died before it was done. */
		if (write(res[1], &(struct bench_wire){ .type = WIRE_DONE },
			  sizeof(struct bench_wire)) < 0)
			_exit(1);
		_exit(0);
	}
	setpgid(pid, pid); /* also here, so that the kill below cannot miss the group */
	close(res[1]);
	fds[0] = (struct pollfd){ .fd = res[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = st->sigfd, .events = POLLIN };
	for (;;) {
		struct bench_wire w;
		ssize_t n;
		int ready = poll(fds, 2, stall_ms(&st->run.plan));

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			fail("poll: %s", strerror(errno));
		if (fds[1].revents)
			interrupted(st, pid, &o);
		if (ready == 0) {
			timed_out = true;
			break;
		}
		n = read(res[0], &w, sizeof(w));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (n != (ssize_t)sizeof(w))
			continue; /* cannot happen: records are written whole */
		if (w.type == WIRE_PHASE) {
			progress(st, c, p, w.text);
		} else if (w.type == WIRE_DONE) {
			got_done = true;
		} else if (w.type == WIRE_SKIP) {
			w.text[sizeof(w.text) - 1] = '\0';
			if (r->status != ST_FAILED) {
				r->status = ST_SKIPPED;
				r->n_figs = 0;
				snprintf(r->reason, sizeof(r->reason), "%s", w.text);
			}
		} else if (w.type == WIRE_FIGURE) {
			w.fig.place = pi;
			if (r->status != ST_FAILED)
				add_figure(r, &w.fig);
		} else {
			w.text[sizeof(w.text) - 1] = '\0';
			set_failed(r, "%s: %s", p->name, w.text);
			got_fail = true;
			break;
		}
	}
	close(res[0]);
	status = kill_and_reap(pid, got_fail || timed_out);
	remove_objects(&o);
	if (timed_out)
		set_failed(r, "%s: no progress for %d s: stopped", p->name,
			   stall_ms(&st->run.plan) / 1000);
	else if (!got_fail && !got_done && WIFSIGNALED(status))
		set_failed(r, "%s: the measuring process was killed by signal %d (%s)", p->name,
			   WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (!got_fail && !got_done)
		set_failed(r, "%s: the measuring process died (status %d)", p->name,
			   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void run_case(struct state *st, struct bench_result *r)
{
	const struct bench_case *c = r->c;
	struct lipc_addr a = LIPC_ADDR_INIT;
	char addr[64];

	if (c->how == HOW_CHAN) {
		snprintf(addr, sizeof(addr), "%s:%s", c->scheme,
			 !strcmp(c->scheme, "tcp")	  ? "127.0.0.1:0"
			 : !strcmp(c->scheme, "sysv-mq")  ? "1"
			 : !strncmp(c->scheme, "unix", 4) ? "@x"
							  : "/x");
		if (lipc_addr_parse(&a, addr) < 0 && errno == EPROTONOSUPPORT) {
			r->status = ST_SKIPPED;
			snprintf(r->reason, sizeof(r->reason),
				 "this build has no %s: transport (known: %s)", c->scheme,
				 lipc_addr_schemes());
			st->done += st->run.n_places;
			return;
		}
	}
	for (int pi = 0; pi < st->run.n_places; pi++, st->done++) {
		const struct bench_place *p = &st->run.places[pi];

		if (r->status == ST_FAILED || r->status == ST_SKIPPED)
			continue;
		/* memcpy is one thread: once is enough. */
		if (c->how == HOW_MEMCPY && pi > 0)
			continue;
		if (c->how == HOW_CACHELINE &&
		    (p->cpu_a >= 0 ? p->cpu_a == p->cpu_b : st->run.cpus_allowed < 2)) {
			struct bench_figure f = { .place = pi,
						  .test = TEST_LATENCY,
						  .status = ST_NA };

			snprintf(f.note, sizeof(f.note),
				 "busy-polling on one CPU waits for a preemption: not a floor");
			add_figure(r, &f);
			continue;
		}
		run_pair(st, r, pi);
	}
}

/* The floor of each placement: its fastest floor hand-off. */
static void find_floors(struct bench_run *run)
{
	for (int pi = 0; pi < run->n_places; pi++) {
		run->floor_ns[pi] = 0;
		run->floor_case[pi] = NULL;
	}
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];

		for (size_t j = 0; r->status == ST_OK && j < r->n_figs; j++) {
			const struct bench_figure *f = &r->figs[j];

			if (f->status != ST_OK)
				continue;
			if (r->c->how == HOW_MEMCPY) {
				run->memcpy_bytes_per_s = f->bytes_per_s;
			} else if (r->c->kind == BENCH_FLOOR &&
				   (!run->floor_ns[f->place] || f->p50 < run->floor_ns[f->place])) {
				run->floor_ns[f->place] = f->p50;
				run->floor_case[f->place] = r->c->name;
			}
		}
	}
}

/* Open an output ("-": standard output). */
static FILE *open_output(const char *path)
{
	FILE *f;

	if (!strcmp(path, "-"))
		return stdout;
	f = fopen(path, "we");
	if (!f)
		warn_msg("cannot write %s: %s", path, strerror(errno));
	return f;
}

static int write_output(const char *path, int (*write)(FILE *, const struct bench_run *),
			const struct bench_run *run)
{
	FILE *f;
	int ok;

	if (!path)
		return 0;
	f = open_output(path);
	if (!f)
		return -1;
	ok = write(f, run) == 0 && fflush(f) == 0 && !ferror(f);
	if (f != stdout) {
		if (fclose(f) != 0)
			ok = 0;
	}
	if (!ok) {
		warn_msg("cannot write %s: %s", strcmp(path, "-") ? path : "standard output",
			 strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

static void list_cases(void)
{
	static const char *const kinds[] = { "message", "hand-off", "signal",
					     "floor",	"fan-out",  "writers" };

	for (size_t i = 0; i < bench_n_cases; i++)
		printf("%-15s %-9s %s\n", bench_cases[i].name, kinds[bench_cases[i].kind],
		       bench_cases[i].what);
}

int cmd_bench(int argc, char **argv)
{
	static struct state st;
	struct bench_plan *plan = &st.run.plan;
	const char *json = NULL, *csv = NULL, *svg = NULL, *tmp = getenv("TMPDIR");
	bool only = false, round_trips = false;
	cpu_set_t allowed;
	sigset_t stop;
	uint64_t start;
	int opt, dashes = 0, ret = EXIT_SUCCESS;

	plan->duration_ms = DEFAULT_DURATION_MS;
	memcpy(plan->lat_sizes, default_lat, sizeof(default_lat));
	plan->n_lat = (int)(sizeof(default_lat) / sizeof(default_lat[0]));
	memcpy(plan->tput_sizes, default_tput, sizeof(default_tput));
	plan->n_tput = (int)(sizeof(default_tput) / sizeof(default_tput[0]));
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		fail("sched_getaffinity: %s", strerror(errno));
	default_places(&st.run, &allowed);
	while ((opt = next_option(argc, argv, "o:s:d:p:lr", longopts, help)) != -1) {
		switch (opt) {
		case 'r':
			round_trips = true;
			break;
		case 'o':
			parse_only(&st, optarg);
			only = true;
			break;
		case 's':
			parse_sizes(plan, optarg);
			break;
		case 'd':
			plan->duration_ms = parse_seconds("duration", optarg);
			if (plan->duration_ms < 10)
				usage_error("duration '%s' is out of range (at least 0.01)",
					    optarg);
			break;
		case 'p':
			parse_pin(&st.run, optarg, &allowed);
			break;
		case OPT_JSON:
			json = optarg;
			break;
		case OPT_CSV:
			csv = optarg;
			break;
		case OPT_SVG:
			svg = optarg;
			break;
		case 'l':
			list_cases();
			return EXIT_SUCCESS;
		default:
			break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (round_trips)
		plan->n_tput = 0;
	dashes = (json && !strcmp(json, "-")) + (csv && !strcmp(csv, "-")) +
		 (svg && !strcmp(svg, "-"));
	if (dashes > 1)
		usage_error("only one of --json, --csv and --svg may write to standard output");
	st.tmpdir = tmp && *tmp ? tmp : "/tmp";
	if (strlen(st.tmpdir) > PATH_MAX - NAME_MAX - 8)
		fail("TMPDIR is too long for the names of the FIFOs and lock files");
	plan->warmup_ms = plan->duration_ms / 4;
	if (plan->warmup_ms < 5)
		plan->warmup_ms = 5;
	if (plan->warmup_ms > 100)
		plan->warmup_ms = 100;
	plan->max_size = 1;
	for (int i = 0; i < plan->n_lat; i++)
		if (plan->lat_sizes[i] > plan->max_size)
			plan->max_size = plan->lat_sizes[i];
	for (int i = 0; i < plan->n_tput; i++)
		if (plan->tput_sizes[i] > plan->max_size)
			plan->max_size = plan->tput_sizes[i];
	/*
	 * Test hook, not an option: LIPC_BENCH_FAULT=drop or corrupt makes the sender of every
	 * message case skip or damage one message, so that the tests can check that such a case
	 * is reported FAILED and none of its figures is.
	 */
	{
		const char *fault = getenv("LIPC_BENCH_FAULT");

		if (fault && !strcmp(fault, "drop"))
			plan->fault = FAULT_DROP;
		else if (fault && !strcmp(fault, "corrupt"))
			plan->fault = FAULT_CORRUPT;
	}

	st.run.results = calloc(bench_n_cases, sizeof(*st.run.results));
	if (!st.run.results)
		fail("out of memory");
	for (size_t i = 0; i < bench_n_cases; i++) {
		if (only && !st.selected[i] && !is_floor(&bench_cases[i]))
			continue;
		st.run.results[st.run.n_results++].c = &bench_cases[i];
		st.total += st.run.n_places;
	}

	/*
	 * SIGINT, SIGTERM and SIGHUP are read from a signalfd while a case runs, so that its
	 * objects are removed before we die of them; SIGPIPE is ignored, so that a closed
	 * standard error costs a message, not the cleanup. A signal ignored when we started
	 * (nohup, a script's background job) stays ignored: blocked, it would be queued for the
	 * signalfd instead of discarded, and end the run it was meant to spare.
	 */
	sigemptyset(&stop);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction old;

		if ((sig == SIGINT || sig == SIGTERM || sig == SIGHUP) &&
		    sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaddset(&stop, sig);
	}
	st.sigfd = lipc_signal_open(&stop, &st.old_mask);
	if (st.sigfd < 0)
		fail("signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail("prctl: %s", strerror(errno));
	st.progress = isatty(STDERR_FILENO);

	describe_machine(&st.run, &allowed);
	start = bench_now_ns();
	for (size_t i = 0; i < st.run.n_results; i++)
		run_case(&st, &st.run.results[i]);
	/* A signal between two cases waits in the signalfd: it still ends the run. */
	if (poll(&(struct pollfd){ .fd = st.sigfd, .events = POLLIN }, 1, 0) > 0)
		interrupted(&st, 0, NULL);
	progress_clear(&st);
	st.run.total_s = (double)(bench_now_ns() - start) / 1e9;
	for (size_t i = 0; i < st.run.n_results; i++) {
		if (st.run.results[i].status == ST_FAILED)
			ret = EXIT_FAILURE;
	}
	find_floors(&st.run);

	if (!dashes)
		bench_print_table(stdout, &st.run);
	if (write_output(json, bench_write_json, &st.run) < 0 ||
	    write_output(csv, bench_write_csv, &st.run) < 0 ||
	    write_output(svg, bench_write_svg, &st.run) < 0)
		ret = EXIT_FAILURE;
	for (size_t i = 0; i < st.run.n_results; i++)
		free(st.run.results[i].figs);
	free(st.run.results);
	return ret;
}
