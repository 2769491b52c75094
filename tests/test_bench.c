/* SPDX-License-Identifier: MIT */
/*
 * lipc bench as a user runs it: a short run of every case completes, its JSON parses and holds
 * every case, its CSV has a row per measurement, its SVG is well-formed; a transport that drops
 * or damages a message (the LIPC_BENCH_FAULT test hook) is reported FAILED without a figure;
 * bad options are usage errors; an interrupted run leaves nothing behind. No timing is ever
 * asserted: the figures only have to exist, be numbers, and be ordered as percentiles are.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "lipc/ring.h"
#include "json.h"
#include "xml.h"

/* Files. */

/* The bench puts its FIFOs and lock files in $TMPDIR: the test directory here. */
static void bench_env(void)
{
	CHECK_SYS(setenv("TMPDIR", check_test_dir(), 1));
}

/* Nothing of the bench run with this pid is left: files, rings, queues, System V objects. */
static void nothing_left(pid_t pid)
{
	static const char *const dirs[] = { NULL, "/dev/shm", "/dev/mqueue" };
	char prefix[64];
	unsigned tag = 0x42000000u | ((unsigned)pid & 0xffffu) << 8;

	snprintf(prefix, sizeof(prefix), "lipc-bench-%d-", (int)pid);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i] ? dirs[i] : check_test_dir());
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d)))
			if (strstr(e->d_name, prefix))
				check_fail(__FILE__, __LINE__, "left behind: %s/%s",
					   dirs[i] ? dirs[i] : check_test_dir(), e->d_name);
		closedir(d);
	}
	/* POSIX queues, without /dev/mqueue: by the names the bench gives them. */
	for (int place = 0; place < 2; place++) {
		for (int dir = 0; dir < 2; dir++) {
			char name[128];

			snprintf(name, sizeof(name), "/%smq-%d-%s", prefix, place,
				 dir ? "ba" : "ab");
			CHECK_ERR(mq_unlink(name), ENOENT);
		}
		/* The many-writer rows' queues, one a case. */
		for (int n = 1; n <= 4; n *= 2) {
			char name[128];

			snprintf(name, sizeof(name), "/%smpsc-mq-%d-%d", prefix, n, place);
			CHECK_ERR(mq_unlink(name), ENOENT);
		}
		/* relay-mq's four. */
		for (int end = 0; end < 4; end++) {
			static const char *const ends[] = { "ab1", "ab2", "ba1", "ba2" };
			char name[128];

			snprintf(name, sizeof(name), "/%srelay-mq-%d-%s", prefix, place, ends[end]);
			CHECK_ERR(mq_unlink(name), ENOENT);
		}
	}
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen(k ? "/proc/sysvipc/sem" : "/proc/sysvipc/msg", "r");
		char line[512];

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			long long key;

			if (sscanf(line, "%lld", &key) == 1 && ((unsigned)key & ~0xffu) == tag)
				check_fail(__FILE__, __LINE__, "left behind: System V key 0x%08x",
					   (unsigned)key);
		}
		fclose(f);
	}
}

/* The names `lipc bench --list` gives, one per line, first word. */
static int case_names(char names[][32], int max)
{
	struct check_cmd c;
	int n = 0;

	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("bench", "--list")), 0);
	for (char *line = c.out; *line && n < max; line = strchr(line, '\n') + 1) {
		CHECK_EQ(sscanf(line, "%31s", names[n]), 1);
		n++;
		if (!strchr(line, '\n'))
			break;
	}
	check_cmd_free(&c);
	return n;
}

/* Does this build know the scheme of a case? Cases without a scheme always run. */
static bool scheme_known(const char *scheme)
{
	struct lipc_addr a = LIPC_ADDR_INIT;
	char addr[64];

	snprintf(addr, sizeof(addr), "%s:%s", scheme,
		 !strcmp(scheme, "tcp")	       ? "127.0.0.1:0"
		 : !strcmp(scheme, "sysv-mq")  ? "1"
		 : !strncmp(scheme, "unix", 4) ? "@x"
					       : "/x");
	return lipc_addr_parse(&a, addr) == 0 || errno != EPROTONOSUPPORT;
}

static const char *scheme_of(const char *name)
{
	static const char *const chan[] = { "fifo", "unix", "unix-dgram", "unix-seqpacket",
					    "tcp",  "mq",   "sysv-mq",	  "shm" };

	if (!strcmp(name, "shm-spin"))
		return "shm";
	for (size_t i = 0; i < sizeof(chan) / sizeof(chan[0]); i++)
		if (!strcmp(name, chan[i]))
			return chan[i];
	return NULL;
}

/*
 * Is this ring mode missing from the library (its calls fail with ENOTSUP)? Then the bench's
 * rows of it are skipped, and say so; otherwise they must run.
 */
static bool ring_mode_missing(int mode)
{
	char name[128];
	struct lipc_ring *r;

	name[0] = '/';
	check_name(name + 1, sizeof(name) - 1, "mode");
	r = lipc_ring_open(name, mode == LIPC_RING_PUBLISH ? LIPC_SEND : LIPC_RECV,
			   LIPC_CREATE | LIPC_EXCL | mode, 0, 0600);
	if (!r) {
		int err = errno;

		lipc_ring_unlink(name);
		CHECK_EQ(err, ENOTSUP);
		return true;
	}
	CHECK_SYS(lipc_ring_close(r));
	CHECK_SYS(lipc_ring_unlink(name));
	return false;
}

/* The mode a fan-out or many-writer row needs, or 0 for none. */
static int mode_of(const char *name)
{
	if (!strncmp(name, "fanout-", 7))
		return LIPC_RING_PUBLISH;
	if (!strncmp(name, "mpsc-ring-", 10))
		return LIPC_RING_MULTI;
	return 0;
}

/* A latency result: its percentiles are numbers, in order. */
static void check_latency(const struct jval *res)
{
	double p50 = jget(res, "p50_us")->num, p99 = jget(res, "p99_us")->num,
	       p999 = jget(res, "p999_us")->num, max = jget(res, "max_us")->num;

	CHECK(jget(res, "p50_us")->t == J_NUM && jget(res, "max_us")->t == J_NUM);
	CHECK(jget(res, "count")->t == J_NUM && jget(res, "count")->num >= 1);
	CHECK(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= max);
}

static void check_throughput(const struct jval *res)
{
	CHECK(jget(res, "mb_per_s")->t == J_NUM && jget(res, "mb_per_s")->num > 0);
	CHECK(jget(res, "msgs_per_s")->t == J_NUM && jget(res, "msgs_per_s")->num > 0);
	CHECK(jget(res, "count")->t == J_NUM && jget(res, "count")->num >= 1);
}

static void short_run_of_every_case(void)
{
	char json[PATH_MAX], csv[PATH_MAX], svg[PATH_MAX], names[64][32];
	const struct jval *cases;
	struct check_cmd c;
	struct jval *root;
	char *text;
	int n = case_names(names, 64), rows = 0;
	long msgmax = -1;
	FILE *f;

	bench_env();
	check_path(json, sizeof(json), "bench.json");
	check_path(csv, sizeof(csv), "bench.csv");
	check_path(svg, sizeof(svg), "bench.svg");
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--duration", "0.05", "--sizes", "64,64K", "--json", json,
				"--csv", csv, "--svg", svg));
	if (c.status != 0)
		fprintf(stderr, "%s%s", c.out, c.err);
	CHECK_EQ(c.status, 0);
	CHECK(!strncmp(c.out, "lipc bench, ", 12));
	CHECK_CONTAINS(c.out, "\nplacements: ");
	CHECK_CONTAINS(c.out, "\nRound trips at 64 B");
	CHECK_CONTAINS(c.out, "\nStreaming at 64 KiB");
	CHECK_STR(c.err, ""); /* no progress: standard error is not a terminal */
	nothing_left(c.pid);

	f = fopen("/proc/sys/kernel/msgmax", "r");
	if (f) {
		if (fscanf(f, "%ld", &msgmax) != 1)
			msgmax = -1;
		fclose(f);
	}
	text = check_read_file(json);
	root = json_parse(text);
	CHECK(jget(root, "machine")->t == J_OBJ);
	CHECK(jstr(jget(root, "machine"), "cpu")[0] != '\0');
	CHECK(jget(root, "placements")->t == J_ARR && jget(root, "placements")->n >= 1);
	cases = jget(root, "cases");
	CHECK(cases->t == J_ARR);
	CHECK_EQ(cases->n, n);
	for (int i = 0; i < n; i++) {
		const struct jval *cs = &cases->items[i], *results = jget(cs, "results");
		const char *name = jstr(cs, "name"), *status = jstr(cs, "status");
		const char *scheme = scheme_of(name);

		CHECK_STR(name, names[i]);
		if (scheme && !scheme_known(scheme)) {
			CHECK_STR(status, "skipped");
			continue;
		}
		if (mode_of(name) && ring_mode_missing(mode_of(name))) {
			CHECK_STR(status, "skipped");
			CHECK_CONTAINS(jstr(cs, "reason"), "Operation not supported");
			continue;
		}
		if (strcmp(status, "ok"))
			check_fail(__FILE__, __LINE__, "case %s: %s: %s", name, status,
				   jget(cs, "reason")->t == J_STR ? jstr(cs, "reason") : "");
		CHECK(results->t == J_ARR && results->n > 0);
		for (size_t j = 0; j < results->n; j++) {
			const struct jval *res = &results->items[j];
			const char *st = jstr(res, "status");
			bool lat = !strcmp(jstr(res, "test"), "latency");

			if (!strcmp(st, "n/a")) {
				CHECK(jstr(res, "reason")[0] != '\0');
				CHECK(jget(res, "p50_us")->t == J_NULL);
				CHECK(jget(res, "mb_per_s")->t == J_NULL);
				continue;
			}
			CHECK_STR(st, "ok");
			if (lat)
				check_latency(res);
			else
				check_throughput(res);
			/* A System V message is at most msgmax bytes: 64 KiB is n/a, never sent. */
			if (!strcmp(name, "sysv-mq") && msgmax >= 0 && msgmax < 65536)
				CHECK(jget(res, "size")->num < 65536);
		}
	}
	json_free(root);
	free(text);

	/* CSV: a header, then 22 fields on each row (text is quoted and may hold commas). */
	text = check_read_file(csv);
	CHECK(!strncmp(text, "case,kind,placement,", 20));
	for (char *line = text; *line; rows++) {
		char *nl = strchr(line, '\n');
		int fields = 1;
		bool quoted = false;

		CHECK(nl != NULL);
		for (char *p = line; p < nl; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == ',' && !quoted)
				fields++;
		}
		CHECK_EQ(fields, 22);
		line = nl + 1;
	}
	CHECK(rows > n);
	free(text);

	text = check_read_file(svg);
	CHECK_STR(xml_check(text), "svg");
	CHECK_CONTAINS(text, "Round trips at 64 B");
	free(text);
	CHECK_SYS(unlink(json));
	CHECK_SYS(unlink(csv));
	CHECK_SYS(unlink(svg));
	check_cmd_free(&c);
}

/* The test hook: every message case loses (or damages) its fourth message. */
static void run_with_fault(const char *fault, const char *expect)
{
	static const char *const cases[] = { "raw-pipe", "raw-ring", "pipe", "fifo",   "shm",
					     "shm-spin", "unix",     "mq",   "sysv-mq" };
	struct check_cmd c;
	struct jval *root;
	const struct jval *list;
	int failed = 0;

	bench_env();
	CHECK_SYS(setenv("LIPC_BENCH_FAULT", fault, 1));
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only",
				"raw-pipe,raw-ring,pipe,fifo,shm,shm-spin,unix,mq,sysv-mq",
				"--duration", "0.02", "--sizes", "64", "--pin", "none", "--json",
				"-"));
	CHECK_SYS(unsetenv("LIPC_BENCH_FAULT"));
	CHECK_EQ(c.status, 1);
	CHECK_STR(c.err, "");
	nothing_left(c.pid);
	root = json_parse(c.out); /* --json -: the JSON replaces the table */
	list = jget(root, "cases");
	for (size_t i = 0; i < list->n; i++) {
		const struct jval *cs = &list->items[i];
		const char *name = jstr(cs, "name");
		bool target = false;

		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
			target |= !strcmp(name, cases[k]);
		if (!target) {
			/* The floors ran too, untouched by the hook. */
			CHECK_STR(jstr(cs, "status"), "ok");
			continue;
		}
		if (!strcmp(jstr(cs, "status"), "skipped")) {
			CHECK(!scheme_known(scheme_of(name)));
			continue;
		}
		CHECK_STR(jstr(cs, "status"), "failed");
		CHECK_CONTAINS(jstr(cs, "reason"), expect);
		/* A case that failed has no figure at all. */
		CHECK_EQ(jget(cs, "results")->n, 0);
		failed++;
	}
	CHECK(failed >= 6);
	json_free(root);
	check_cmd_free(&c);

	/* raw-ring, which has no transport of the library to fail, also in the table. */
	CHECK_SYS(setenv("LIPC_BENCH_FAULT", fault, 1));
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "raw-ring", "--duration", "0.02", "--sizes",
				"64", "--pin", "none"));
	CHECK_SYS(unsetenv("LIPC_BENCH_FAULT"));
	CHECK_EQ(c.status, 1);
	CHECK_CONTAINS(c.out, "raw-ring        message   FAILED: unpinned: message 3 of 64 B");
	CHECK_CONTAINS(c.out, expect);
	nothing_left(c.pid);
	check_cmd_free(&c);

	/* The table says FAILED and gives the reason. */
	CHECK_SYS(setenv("LIPC_BENCH_FAULT", fault, 1));
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "pipe", "--duration", "0.02", "--sizes", "64",
				"--pin", "none"));
	CHECK_SYS(unsetenv("LIPC_BENCH_FAULT"));
	CHECK_EQ(c.status, 1);
	CHECK_CONTAINS(c.out, "FAILED: unpinned: message 3 of 64 B");
	CHECK_CONTAINS(c.out, expect);
	nothing_left(c.pid);
	check_cmd_free(&c);
}

/*
 * How many processes run `lipc relay` between the objects of the bench with this pid (their
 * arguments name them: "lipc-bench-PID-relay-...").
 */
static int relays_running(pid_t pid)
{
	char prefix[64];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc");

	CHECK(d != NULL);
	snprintf(prefix, sizeof(prefix), "lipc-bench-%d-relay-", (int)pid);
	while ((e = readdir(d))) {
		char path[PATH_MAX], cmd[4096];
		ssize_t len;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = (ssize_t)fread(cmd, 1, sizeof(cmd), f);
		fclose(f);
		if (len > 0 && memmem(cmd, (size_t)len, "\0relay\0", 7) &&
		    memmem(cmd, (size_t)len, prefix, strlen(prefix)))
			n++;
	}
	closedir(d);
	return n;
}

/*
 * The relay rows (real lipc relay processes between queues or rings): both run, their figures
 * are numbers in order, a size over what a hop carries is n/a with the reason, and neither the
 * relays nor their queues and rings outlive the run.
 */
static void relay_rows(void)
{
	struct check_cmd c;
	struct jval *root;
	const struct jval *list;
	int seen = 0;

	bench_env();
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "relay-mq,relay-shm-tcp", "--duration", "0.02",
				"--sizes", "64,2M", "--pin", "none", "--json", "-"));
	if (c.status != 0)
		fprintf(stderr, "%s%s", c.out, c.err);
	CHECK_EQ(c.status, 0);
	CHECK_STR(c.err, "");
	nothing_left(c.pid);
	CHECK_EQ(relays_running(c.pid), 0);
	root = json_parse(c.out);
	list = jget(root, "cases");
	for (size_t i = 0; i < list->n; i++) {
		const struct jval *cs = &list->items[i], *results = jget(cs, "results");
		const char *name = jstr(cs, "name");
		int lat = 0, tput = 0, na = 0;

		if (strncmp(name, "relay-", 6))
			continue;
		seen++;
		CHECK_STR(jstr(cs, "status"), "ok");
		CHECK_STR(jstr(cs, "kind"), "message");
		for (size_t j = 0; j < results->n; j++) {
			const struct jval *res = &results->items[j];
			bool is_lat = !strcmp(jstr(res, "test"), "latency");

			if (jget(res, "size")->num > 1048576) {
				/* 2 MiB: over the queue's message size, or the TCP hop's 1 MiB. */
				CHECK_STR(jstr(res, "status"), "n/a");
				CHECK(jstr(res, "reason")[0] != '\0');
				na++;
				continue;
			}
			CHECK_STR(jstr(res, "status"), "ok");
			if (is_lat) {
				check_latency(res);
				lat++;
			} else {
				check_throughput(res);
				tput++;
			}
		}
		CHECK(lat >= 1);
		CHECK(tput >= 1);
		CHECK_EQ(na, 2);
	}
	CHECK_EQ(seen, 2);
	json_free(root);
	check_cmd_free(&c);

	/* A message lost on the way is found as in every case: FAILED, no figure. */
	CHECK_SYS(setenv("LIPC_BENCH_FAULT", "drop", 1));
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "relay-mq,relay-shm-tcp", "--duration", "0.02",
				"--sizes", "64", "--pin", "none"));
	CHECK_SYS(unsetenv("LIPC_BENCH_FAULT"));
	CHECK_EQ(c.status, 1);
	CHECK_CONTAINS(c.out, "relay-mq        message   FAILED: unpinned: message 3 of 64 B");
	CHECK_CONTAINS(c.out, "relay-shm-tcp   message   FAILED: unpinned: message 3 of 64 B");
	nothing_left(c.pid);
	CHECK_EQ(relays_running(c.pid), 0);
	check_cmd_free(&c);
}

/* SIGINT while the relays run: they, their pair and its rings are all gone. */
static void interrupted_relays_leave_nothing(void)
{
	struct check_cmd c;

	bench_env();
	check_cmd_start(
		&c, NULL,
		LIPC_ARGV("bench", "--only", "relay-shm-tcp", "--duration", "30", "--pin", "none"));
	/* Four relays start once the four rings are there; wait for them to run. */
	while (relays_running(c.pid) < 4)
		sched_yield();
	CHECK_SYS(kill(c.pid, SIGINT));
	CHECK_EQ(check_cmd_wait(&c), 128 + SIGINT);
	nothing_left(c.pid);
	CHECK_EQ(relays_running(c.pid), 0);
	check_cmd_free(&c);
}

/* --round-trips: the round trips' table, and no streaming table. */
static void round_trips_only(void)
{
	struct check_cmd c;

	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("bench", "--round-trips", "--only", "pipe", "--duration",
					 "0.02", "--sizes", "64")),
		 0);
	CHECK_CONTAINS(c.out, "Round trips at 64 B");
	CHECK(!strstr(c.out, "Streaming"));
	nothing_left(c.pid);
	check_cmd_free(&c);
}

/*
 * raw-ring at sizes that do not divide its ring, so that messages skip the gap at its end, and
 * one that takes half of it: every message arrives whole; under each table, shm and shm-spin
 * over raw-ring, in each placement.
 */
static void raw_ring_beside_shm(void)
{
	struct check_cmd c;
	struct jval *root;
	const struct jval *list;
	bool shm = scheme_known("shm");

	bench_env();
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "raw-ring", "--duration", "0.02", "--sizes",
				"1,7,1000,65535,1M", "--json", "-"));
	CHECK_EQ(c.status, 0);
	root = json_parse(c.out);
	list = jget(root, "cases");
	CHECK_STR(jstr(&list->items[0], "name"), "raw-ring");
	CHECK_STR(jstr(&list->items[0], "status"), "ok");
	for (size_t j = 0; j < jget(&list->items[0], "results")->n; j++) {
		const struct jval *res = &jget(&list->items[0], "results")->items[j];

		CHECK_STR(jstr(res, "status"), "ok");
		if (!strcmp(jstr(res, "test"), "latency"))
			check_latency(res);
		else
			check_throughput(res);
	}
	json_free(root);
	nothing_left(c.pid);
	check_cmd_free(&c);

	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "raw-ring,shm,shm-spin", "--duration", "0.02",
				"--sizes", "64", "--pin", "none"));
	CHECK_EQ(c.status, 0);
	if (shm) {
		CHECK_CONTAINS(c.out, "\n  p50 over raw-ring's: unpinned shm ");
		CHECK_CONTAINS(c.out, "\n  MB/s over raw-ring's: unpinned shm ");
		CHECK_CONTAINS(c.out, ", shm-spin ");
	}
	nothing_left(c.pid);
	check_cmd_free(&c);

	/* Without raw-ring, no such line. */
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "shm", "--duration", "0.02", "--sizes", "64",
				"--pin", "none"));
	CHECK_EQ(c.status, 0);
	CHECK(!strstr(c.out, "raw-ring"));
	nothing_left(c.pid);
	check_cmd_free(&c);
}

static void lost_message_fails_the_case(void)
{
	run_with_fault("drop", "was lost, duplicated or reordered");
}

static void damaged_message_fails_the_case(void)
{
	run_with_fault("corrupt", "is corrupt");
}

static void bad_options_are_usage_errors(void)
{
	static const struct check_usage cases[] = {
		{ "bench",
		  "unknown case 'nope' (cases: raw-pipe, pipe, fifo,",
		  { "bench", "--only", "pipe,nope" } },
		{ "bench", "size '0' is out of range", { "bench", "--sizes", "64,0" } },
		{ "bench", "size 'abc' is not a size", { "bench", "--sizes", "abc" } },
		{ "bench", "size '65M' is out of range (1 to 64M)", { "bench", "--sizes", "65M" } },
		{ "bench", "is not a list of sizes", { "bench", "--sizes", "64," } },
		{ "bench", "size '-1' is not a size", { "bench", "--sizes", "-1" } },
		{ "bench",
		  "duration '0.001' is out of range (at least 0.01)",
		  { "bench", "--duration", "0.001" } },
		{ "bench", "is not a number of seconds", { "bench", "--duration", "soon" } },
		{ "bench", "is not a number of seconds", { "bench", "-d", "-1" } },
		{ "bench", "pin '0' is not CPU,CPU", { "bench", "--pin", "0" } },
		{ "bench", "pin '0,1,2' is not CPU,CPU", { "bench", "--pin", "0,1,2" } },
		{ "bench", "CPU 'x' is not a number", { "bench", "--pin", "0,x" } },
		{ "bench", "out of range", { "bench", "--pin", "0,99999999" } },
		{ "bench",
		  "only one of --json, --csv and --svg",
		  { "bench", "--json", "-", "--svg", "-" } },
		{ "bench", "unexpected argument 'now'", { "bench", "now" } },
		{ "bench", "unknown option '--frob'", { "bench", "--frob" } },
		{ "bench", "needs an argument", { "bench", "--json" } },
	};
	cpu_set_t allowed;
	char cpu[32] = "";
	struct check_cmd c;

	CHECK_USAGE_ERRORS(cases);

	/* A CPU this process may not run on. */
	CHECK_SYS(sched_getaffinity(0, sizeof(allowed), &allowed));
	for (int i = 0; i < CPU_SETSIZE && !cpu[0]; i++)
		if (!CPU_ISSET(i, &allowed))
			snprintf(cpu, sizeof(cpu), "0,%d", i);
	if (cpu[0] && CPU_ISSET(0, &allowed)) {
		const struct check_usage pin[] = {
			{ "bench",
			  "is not one this process may run on",
			  { "bench", "--pin", cpu } },
		};

		CHECK_USAGE_ERRORS(pin);
	}

	/* --list names every case, one per line, and runs nothing. */
	CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("bench", "--list")), 0);
	CHECK(!strncmp(c.out, "raw-pipe ", 9));
	CHECK_CONTAINS(c.out, "\nmemcpy ");
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
}

/* No process of this lipc runs "bench" any more. */
static void no_bench_running(void)
{
	char self[PATH_MAX], exe[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (!realpath(check_lipc(), self))
		snprintf(self, sizeof(self), "%s", check_lipc());
	d = opendir("/proc");
	CHECK(d != NULL);
	while ((e = readdir(d))) {
		char path[PATH_MAX], cmd[256] = "";
		FILE *f;
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%s/exe", e->d_name);
		len = readlink(path, exe, sizeof(exe) - 1);
		if (len < 0)
			continue;
		exe[len] = '\0';
		if (strcmp(exe, self))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = (ssize_t)fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		/* argv[0] then "bench": arguments are separated by NULs. */
		if (len > 0 && memmem(cmd, (size_t)len, "\0bench\0", 7))
			check_fail(__FILE__, __LINE__, "process %s is still running bench",
				   e->d_name);
	}
	closedir(d);
}

/*
 * Run `lipc bench --only NAME` for a long time, and SIGINT it once DIR/lipc-bench-PID-SUFFIX
 * exists: the run dies of it, and its objects and processes are gone.
 */
static void interrupt_when(const char *only, const char *dir, const char *suffix)
{
	struct check_cmd c;
	char path[PATH_MAX];

	check_cmd_start(&c, NULL,
			LIPC_ARGV("bench", "--only", only, "--duration", "30", "--pin", "none"));
	snprintf(path, sizeof(path), "%s/lipc-bench-%d-%s", dir, (int)c.pid, suffix);
	check_wait_for_path(path);
	CHECK_SYS(kill(c.pid, SIGINT));
	CHECK_EQ(check_cmd_wait(&c), 128 + SIGINT);
	nothing_left(c.pid);
	no_bench_running();
	check_cmd_free(&c);
}

/* SIGINT in the middle of a case: the run dies of it, and its objects and processes are gone. */
static void interrupted_run_leaves_nothing(void)
{
	bench_env();
	/* The FIFO from A to B exists once the case runs: its name is predictable. */
	interrupt_when("fifo", check_test_dir(), "fifo-0-ab");
}

/*
 * Run `lipc bench --only fifo` with SIGINT and SIGHUP ignored, as nohup or a script's `&` starts
 * it; stop it (SIGSTOP) once its FIFO exists, that is in the middle of the run, and send both
 * signals while it is stopped: a command that queued them instead of discarding them would die
 * of them when it goes on. Returns its exit status, or -1 when the run ended before it could be
 * stopped (the experiment did not happen).
 */
static int bench_with_ignored_signals(const char *duration)
{
	char fifo[PATH_MAX], buf[4096], *text = NULL;
	size_t len = 0;
	int out[2], status;
	ssize_t n;
	pid_t pid;

	CHECK_SYS(pipe2(out, O_CLOEXEC));
	pid = check_fork();
	if (pid == 0) {
		struct sigaction ign = { .sa_handler = SIG_IGN };
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		sigaction(SIGINT, &ign, NULL);
		sigaction(SIGHUP, &ign, NULL);
		if (dup2(out[1], STDOUT_FILENO) < 0)
			_exit(127);
		execl(check_lipc(), check_lipc(), "bench", "--only", "fifo", "--sizes", "64",
		      "--duration", duration, "--round-trips", "--pin", "none", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	snprintf(fifo, sizeof(fifo), "%s/lipc-bench-%d-fifo-0-ab", check_test_dir(), (int)pid);
	check_wait_for_path(fifo);
	CHECK_SYS(kill(pid, SIGSTOP));
	CHECK_EQ(CHECK_SYS(waitpid(pid, &status, WUNTRACED)), pid);
	if (WIFSTOPPED(status)) {
		CHECK_SYS(kill(pid, SIGINT));
		CHECK_SYS(kill(pid, SIGHUP));
		CHECK_SYS(kill(pid, SIGCONT));
	}
	while ((n = read(out[0], buf, sizeof(buf))) > 0) {
		text = realloc(text, len + (size_t)n + 1);
		CHECK(text != NULL);
		memcpy(text + len, buf, (size_t)n);
		len += (size_t)n;
		text[len] = '\0';
	}
	close(out[0]);
	if (WIFSTOPPED(status))
		status = check_wait(pid);
	else
		status = -1;
	if (status == 0) {
		CHECK(text != NULL);
		CHECK_CONTAINS(text, "Round trips at 64 B");
	}
	free(text);
	nothing_left(pid);
	return status;
}

/* Signals ignored when the bench starts stay ignored: the run completes. */
static void ignored_signals_stay_ignored(void)
{
	static const char *const durations[] = { "0.2", "2", "20" };
	int status = -1;

	bench_env();
	/* A longer run when a loaded machine let the short one end before it was stopped. */
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]) && status < 0; i++)
		status = bench_with_ignored_signals(durations[i]);
	CHECK_EQ(status, 0);
}

/*
 * A reason that quotes bytes which are not UTF-8 (here the path of a FIFO under a $TMPDIR that
 * does not exist) is still valid JSON text, the bytes as U+FFFD; in the table, the reason (a
 * path of 200 columns) is folded so that no line is wider than 100 columns, whatever the
 * machine's CPU is called.
 */
static void reasons_are_utf8_and_fit(void)
{
	char tmp[512], name[220];
	struct check_cmd c;
	struct jval *root;
	const struct jval *list;
	bool found = false;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name, "no\xff", 3);
	snprintf(tmp, sizeof(tmp), "%s/%s", check_test_dir(), name);
	CHECK_SYS(setenv("TMPDIR", tmp, 1));
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "fifo", "--round-trips", "--duration", "0.01",
				"--sizes", "64", "--pin", "none", "--json", "-"));
	CHECK_EQ(c.status, 1);
	CHECK_CONTAINS(c.out, "no\\ufffdxxx");
	root = json_parse(c.out);
	list = jget(root, "cases");
	for (size_t i = 0; i < list->n; i++) {
		if (strcmp(jstr(&list->items[i], "name"), "fifo"))
			continue;
		CHECK_STR(jstr(&list->items[i], "status"), "failed");
		found = true;
	}
	CHECK(found);
	json_free(root);
	nothing_left(c.pid);
	check_cmd_free(&c);

	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "fifo", "--round-trips", "--duration", "0.01",
				"--sizes", "64"));
	CHECK_EQ(c.status, 1);
	CHECK_CONTAINS(c.out, "FAILED");
	CHECK_FITS_COLUMNS("lipc bench", c.out, 100);
	nothing_left(c.pid);
	check_cmd_free(&c);
	bench_env();
}

/*
 * The fan-out and many-writer rows: each runs in every placement and gives well-formed figures
 * (fan-out: the time until the last consumer has a record, at each size, and streaming with the
 * producer's CPU time per record; many writers: streaming only, n/a where the mechanism cannot
 * carry the size), the tables show them, and nothing is left. A row of a ring mode the library
 * lacks is skipped with the reason.
 */
static void crowd_rows(void)
{
	struct check_cmd c;
	struct jval *root;
	const struct jval *list;
	size_t places;
	int seen = 0;

	bench_env();
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only",
				"fanout-1,fanout-2,fanout-8,mpsc-shm-1,mpsc-ring-2,mpsc-fifo-2,"
				"mpsc-mq-2,mpsc-dgram-4",
				"--duration", "0.02", "--sizes", "64,64K", "--json", "-"));
	if (c.status != 0)
		fprintf(stderr, "%s%s", c.out, c.err);
	CHECK_EQ(c.status, 0);
	CHECK_STR(c.err, "");
	nothing_left(c.pid);
	no_bench_running();
	root = json_parse(c.out);
	places = jget(root, "placements")->n;
	list = jget(root, "cases");
	for (size_t i = 0; i < list->n; i++) {
		const struct jval *cs = &list->items[i], *results = jget(cs, "results");
		const char *name = jstr(cs, "name");
		bool fan = !strncmp(name, "fanout-", 7);
		size_t lat = 0, tput = 0;
		int procs = atoi(strrchr(name, '-') ? strrchr(name, '-') + 1 : "0");

		if (!fan && strncmp(name, "mpsc-", 5))
			continue;
		seen++;
		CHECK_STR(jstr(cs, "kind"), fan ? "fan-out" : "writers");
		CHECK_EQ((int)jget(cs, fan ? "consumers" : "producers")->num, procs);
		if (mode_of(name) && ring_mode_missing(mode_of(name))) {
			CHECK_STR(jstr(cs, "status"), "skipped");
			CHECK_CONTAINS(jstr(cs, "reason"), "Operation not supported");
			CHECK_EQ(results->n, 0);
			continue;
		}
		if (strcmp(jstr(cs, "status"), "ok"))
			check_fail(__FILE__, __LINE__, "case %s: %s: %s", name, jstr(cs, "status"),
				   jget(cs, "reason")->t == J_STR ? jstr(cs, "reason") : "");
		for (size_t j = 0; j < results->n; j++) {
			const struct jval *res = &results->items[j];
			bool is_lat = !strcmp(jstr(res, "test"), "latency");
			double size = jget(res, "size")->num;

			CHECK_STR(jstr(res, "status"), "ok");
			/* Many writers measure at the size their table shows only. */
			CHECK(fan ? size == 64 || size == 65536 : size == 64);
			if (is_lat) {
				CHECK(fan);
				check_latency(res);
				lat++;
			} else {
				check_throughput(res);
				if (fan)
					CHECK(jget(res, "producer_cpu_ns")->t == J_NUM &&
					      jget(res, "producer_cpu_ns")->num > 0);
				tput++;
			}
		}
		/* Both sizes in every placement (many writers: 64 B). */
		CHECK_EQ(lat, fan ? 2 * places : 0);
		CHECK_EQ(tput, fan ? 2 * places : places);
	}
	CHECK_EQ(seen, 8);
	json_free(root);
	check_cmd_free(&c);

	/*
	 * Without 64 B in --sizes, the first size: 8 KiB is over what a FIFO writes atomically
	 * (n/a, saying so) and a datagram carries it; a fan-out runs at every size given.
	 */
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "mpsc-fifo-2,mpsc-dgram-2,fanout-1",
				"--duration", "0.02", "--sizes", "8K,16K", "--pin", "none",
				"--json", "-"));
	CHECK_EQ(c.status, 0);
	nothing_left(c.pid);
	root = json_parse(c.out);
	list = jget(root, "cases");
	for (size_t i = 0; i < list->n; i++) {
		const struct jval *cs = &list->items[i], *results = jget(cs, "results");
		const char *name = jstr(cs, "name");

		if (!strcmp(name, "fanout-1") && !ring_mode_missing(LIPC_RING_PUBLISH))
			CHECK_EQ(results->n, 4);
		if (strncmp(name, "mpsc-", 5))
			continue;
		CHECK_EQ(results->n, 1);
		CHECK_EQ(jget(&results->items[0], "size")->num, 8192);
		if (strstr(name, "fifo")) {
			CHECK_STR(jstr(&results->items[0], "status"), "n/a");
			CHECK_CONTAINS(jstr(&results->items[0], "reason"), "PIPE_BUF");
		} else {
			CHECK_STR(jstr(&results->items[0], "status"), "ok");
			check_throughput(&results->items[0]);
		}
	}
	json_free(root);
	check_cmd_free(&c);

	/* The tables: a row per case and placement, under their own headings. */
	check_cmd_run(&c, NULL,
		      LIPC_ARGV("bench", "--only", "fanout-2,mpsc-ring-2,mpsc-fifo-2,mpsc-mq-2",
				"--duration", "0.02", "--sizes", "64", "--pin", "none"));
	CHECK_EQ(c.status, 0);
	CHECK_CONTAINS(c.out, "\nFan-out: one producer, N consumer processes");
	CHECK_CONTAINS(c.out, "\nMany writers: N producer processes into one consumer at 64 B");
	CHECK_CONTAINS(c.out, "\nmpsc-fifo-2    unpinned ");
	CHECK_CONTAINS(c.out, "\nmpsc-mq-2      unpinned ");
	if (!ring_mode_missing(LIPC_RING_MULTI))
		CHECK_CONTAINS(c.out, "\nmpsc-ring-2    unpinned ");
	if (!ring_mode_missing(LIPC_RING_PUBLISH))
		CHECK_CONTAINS(c.out, "\nfanout-2       unpinned ");
	CHECK_FITS_COLUMNS("lipc bench", c.out, 100);
	nothing_left(c.pid);
	check_cmd_free(&c);
}

/* A record lost or damaged on the way fails the row, with no figure, in every crowd. */
static void crowd_rows_check_their_records(void)
{
	static const char *const faults[][2] = {
		{ "drop", "was lost, duplicated or reordered" },
		{ "corrupt", "is corrupt" },
	};

	bench_env();
	for (size_t k = 0; k < 2; k++) {
		struct check_cmd c;
		struct jval *root;
		const struct jval *list;
		int failed = 0;

		CHECK_SYS(setenv("LIPC_BENCH_FAULT", faults[k][0], 1));
		check_cmd_run(&c, NULL,
			      LIPC_ARGV("bench", "--only",
					"fanout-2,mpsc-shm-1,mpsc-ring-2,mpsc-fifo-2,mpsc-mq-2,"
					"mpsc-dgram-2",
					"--duration", "0.02", "--sizes", "64", "--pin", "none",
					"--json", "-"));
		CHECK_SYS(unsetenv("LIPC_BENCH_FAULT"));
		CHECK_EQ(c.status, 1);
		CHECK_STR(c.err, "");
		nothing_left(c.pid);
		no_bench_running();
		root = json_parse(c.out);
		list = jget(root, "cases");
		for (size_t i = 0; i < list->n; i++) {
			const struct jval *cs = &list->items[i];
			const char *name = jstr(cs, "name");

			if (strncmp(name, "fanout-", 7) && strncmp(name, "mpsc-", 5))
				continue;
			CHECK_EQ(jget(cs, "results")->n, 0);
			if (mode_of(name) && ring_mode_missing(mode_of(name))) {
				CHECK_STR(jstr(cs, "status"), "skipped");
				continue;
			}
			CHECK_STR(jstr(cs, "status"), "failed");
			CHECK_CONTAINS(jstr(cs, "reason"), faults[k][1]);
			CHECK_CONTAINS(jstr(cs, "reason"), "record 3 of ");
			failed++;
		}
		CHECK(failed >= 4);
		json_free(root);
		check_cmd_free(&c);
	}
}

/* SIGINT while a crowd runs: its processes, and its FIFO or ring, are gone. */
static void interrupted_crowds_leave_nothing(void)
{
	bench_env();
	interrupt_when("mpsc-fifo-4", check_test_dir(), "mpsc-fifo-4-0-w");
	if (!ring_mode_missing(LIPC_RING_PUBLISH))
		interrupt_when("fanout-8", "/dev/shm", "fanout-8-0");
}

CHECK_MAIN(TEST_T(short_run_of_every_case, 120), TEST(round_trips_only), TEST(raw_ring_beside_shm),
	   TEST(lost_message_fails_the_case), TEST(damaged_message_fails_the_case),
	   TEST(bad_options_are_usage_errors), TEST(interrupted_run_leaves_nothing),
	   TEST(ignored_signals_stay_ignored), TEST(reasons_are_utf8_and_fit), TEST(relay_rows),
	   TEST(interrupted_relays_leave_nothing), TEST_T(crowd_rows, 120),
	   TEST(crowd_rows_check_their_records), TEST(interrupted_crowds_leave_nothing))
