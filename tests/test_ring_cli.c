/* SPDX-License-Identifier: MIT */
/*
 * The ring's modes as a user meets them: the addresses shm-multi:, shm-pub: and shm-lossy:, lipc
 * send and recv from several processes on one ring, what lipc ls shows of each mode, lipc rm of
 * any mode. The commands run as a user runs them (check_cmd), and wait for each other through
 * the ring itself: a test that needs its receivers attached before it sends looks at the ring
 * (lipc_ring_stat(), which counts the consumers) until they are, never sleeps. The traps: a
 * publish ring's receiver sees only what is sent after it attached, so every receiver must be
 * counted in before the first send; and a mode the library does not have yet fails its attach
 * with ENOTSUP, which skips the test that needs it, naming the mode (its ring file is created
 * all the same, with its header, so the tests of addresses and of lipc ls run with or without).
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "json.h"
#include "lipc/chan.h"
#include "lipc/ring.h"

/* "/lipc-test-PID-what" in name, "SCHEME:/lipc-test-PID-what" in addr. */
static void ring_names(char *name, size_t nsize, char *addr, size_t asize, const char *scheme,
		       const char *what)
{
	name[0] = '/';
	check_name(name + 1, nsize - 1, what);
	snprintf(addr, asize, "%s:%.120s", scheme, name);
}

static const char *mode_name(int flag)
{
	return flag == LIPC_RING_MULTI	   ? "multi-producer (LIPC_RING_MULTI)"
	       : flag == LIPC_RING_PUBLISH ? "publish (LIPC_RING_PUBLISH)"
	       : flag == LIPC_RING_LOSSY   ? "lossy publish (LIPC_RING_LOSSY)"
					   : "point-to-point";
}

/*
 * Attach to ring name in the mode flag names (creating it), or skip the test when the library
 * does not have that mode yet (ENOTSUP).
 */
static struct lipc_ring *attach(const char *name, enum lipc_role role, int flag, size_t capacity)
{
	struct lipc_ring *r = lipc_ring_open(name, role, LIPC_CREATE | flag, capacity, 0600);

	if (!r && errno == ENOTSUP) {
		lipc_ring_unlink(name); /* created before the mode's attach failed */
		CHECK_SKIP("the %s ring mode is not in the library yet (ENOTSUP)", mode_name(flag));
	}
	CHECK(r != NULL);
	return r;
}

/*
 * A ring of mode flag at name, nobody attached. Made with the mode's own attach, which creates
 * the ring before it fails where the mode is not built yet (ENOTSUP): the file is there either
 * way, with its header.
 */
static void make_ring(const char *name, int flag)
{
	struct lipc_ring *r = lipc_ring_open(name, LIPC_RECV, LIPC_CREATE | flag, 4096, 0600);

	if (r)
		CHECK_SYS(lipc_ring_close(r));
	else
		CHECK_EQ(errno, ENOTSUP);
}

/*
 * Wait until ring name has at least consumers consumers attached, through the ring (its lock
 * bytes, lipc_ring_stat()); each command in cmds must still be running meanwhile.
 */
static void wait_consumers(const char *name, unsigned consumers, const struct check_cmd *cmds,
			   size_t n)
{
	for (;;) {
		struct lipc_ring_stat st = LIPC_RING_STAT_INIT;

		CHECK_SYS(lipc_ring_stat(name, &st));
		if (st.consumers >= consumers)
			return;
		for (size_t i = 0; i < n; i++)
			if (check_state(cmds[i].pid) == 'Z')
				check_fail(__FILE__, __LINE__,
					   "lipc (pid %d) exited before it attached to %s",
					   (int)cmds[i].pid, name);
		sched_yield();
	}
}

/* The three schemes parse as shm: does, each to its own value, and name a POSIX name. */
static void schemes_parse(void)
{
	static const struct {
		const char *text;
		enum lipc_scheme scheme;
	} good[] = {
		{ "shm:/a", LIPC_SCHEME_SHM },
		{ "shm-multi:/jobs", LIPC_SCHEME_SHM_MULTI },
		{ "shm-pub:/feed", LIPC_SCHEME_SHM_PUB },
		{ "shm-lossy:/frames", LIPC_SCHEME_SHM_LOSSY },
	};
	static const char *const bad[] = { "shm-multi:",   "shm-pub:/",	   "shm-lossy:x",
					   "shm-pub:/a/b", "shm-multi:/.", "shm-lossy:/..",
					   "shm-pub:feed" };
	char long_name[300] = "shm-pub:/";

	CHECK_EQ(LIPC_SCHEME_SHM_MULTI, 9);
	CHECK_EQ(LIPC_SCHEME_SHM_PUB, 10);
	CHECK_EQ(LIPC_SCHEME_SHM_LOSSY, 11);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct lipc_addr a = LIPC_ADDR_INIT;

		CHECK_SYS(lipc_addr_parse(&a, good[i].text));
		CHECK_EQ(a.scheme, good[i].scheme);
		CHECK_STR(a.path, strchr(good[i].text, ':') + 1);
		/* The ring's words, for each scheme. */
		CHECK_STR(lipc_addr_strerror(&a, EBADMSG), "the ring holds a corrupt record");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lipc_addr a = LIPC_ADDR_INIT;

		errno = 0;
		if (lipc_addr_parse(&a, bad[i]) == 0)
			check_fail(__FILE__, __LINE__, "\"%s\" parsed", bad[i]);
		CHECK_EQ(errno, EINVAL);
	}
	memset(long_name + 9, 'x', 260);
	CHECK_ERR(lipc_addr_parse(&(struct lipc_addr)LIPC_ADDR_INIT, long_name), ENAMETOOLONG);
	CHECK_ERR(lipc_addr_parse(&(struct lipc_addr)LIPC_ADDR_INIT, "shm-fanout:/x"),
		  EPROTONOSUPPORT);
	CHECK_CONTAINS(lipc_addr_schemes(), "shm, shm-multi, shm-pub, shm-lossy");
}

/* Usage errors name the form; a ring of another mode is refused with its mode, in one line. */
static void bad_uses(void)
{
	static const struct check_usage usage[] = {
		{ "send",
		  "'shm-pub:' is not an address (shm-pub:/NAME: one slash, then a name)",
		  { "send", "shm-pub:", "m" } },
		{ "recv",
		  "'shm-multi:/a/b' is not an address (shm-multi:/NAME: one slash, then a name)",
		  { "recv", "shm-multi:/a/b" } },
		{ "recv",
		  "'shm-lossy:x' is not an address (shm-lossy:/NAME: one slash, then a name)",
		  { "recv", "shm-lossy:x" } },
		{ "send",
		  "--capacity applies to shm: addresses only (and shm-multi:, shm-pub:, "
		  "shm-lossy:)",
		  { "send", "--capacity", "64K", "mq:/x", "m" } },
		{ "send", "--framed applies to byte streams only", { "send", "-f", "shm-pub:/x" } },
	};
	static const int modes[] = { 0, LIPC_RING_MULTI, LIPC_RING_PUBLISH, LIPC_RING_LOSSY };
	static const char *const schemes[] = { "shm", "shm-multi", "shm-pub", "shm-lossy" };
	static const char *const there[] = { "a point to point ring", "a multi-producer ring",
					     "a publish (lossless) ring",
					     "a publish (lossy) ring" };
	char name[96], addr[256], want[512];
	struct check_cmd c;

	CHECK_USAGE_ERRORS(usage);
	/* --capacity is every ring mode's: accepted, the ring made with that capacity. */
	ring_names(name, sizeof(name), addr, sizeof(addr), "shm-pub", "cap");
	check_cmd_run(&c, NULL, LIPC_ARGV("recv", "-c", "64K", "-t", "0", addr));
	{
		struct lipc_ring_stat st = LIPC_RING_STAT_INIT;

		CHECK_SYS(lipc_ring_stat(name, &st));
		CHECK_EQ(st.capacity, 64 * 1024);
		CHECK_EQ(st.mode, LIPC_RING_FANOUT);
	}
	check_cmd_free(&c);
	CHECK_SYS(lipc_ring_unlink(name));

	/* Each mode's ring, opened through every other mode's scheme: one line, status 1. */
	for (size_t m = 0; m < 4; m++) {
		ring_names(name, sizeof(name), addr, sizeof(addr), "shm", "mode");
		make_ring(name, modes[m]);
		for (size_t s = 1; s < 4; s++) {
			if (s == m)
				continue;
			snprintf(addr, sizeof(addr), "%s:%s", schemes[s], name);
			check_cmd_run(&c, NULL, LIPC_ARGV("send", addr, "m"));
			snprintf(want, sizeof(want), "lipc: cannot open %s: the ring there is %s\n",
				 addr, there[m]);
			CHECK_FAILURE(&c, want);
			CHECK_STR(c.err, want);
			check_cmd_free(&c);
			check_cmd_run(&c, NULL, LIPC_ARGV("recv", "-t", "0", addr));
			CHECK_STR(c.err, want);
			CHECK_EQ(c.status, 1);
			check_cmd_free(&c);
		}
		/* lipc rm removes a ring of any mode, by any ring scheme. */
		snprintf(addr, sizeof(addr), "%s:%s", schemes[(m + 1) % 4], name);
		CHECK_EQ(check_cmd_run(&c, NULL, LIPC_ARGV("rm", addr)), 0);
		CHECK_STR(c.err, "");
		check_cmd_free(&c);
		CHECK_ERR(lipc_ring_stat(name, &(struct lipc_ring_stat)LIPC_RING_STAT_INIT),
			  ENOENT);
	}
}

/* lipc ls --json, parsed. */
static struct jval *ls_json(void)
{
	struct check_cmd c;
	struct jval *doc;

	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("ls", "--json", "--type", "ring", "-o",
					 "name,mode,producers,consumers,lag,used,size,state")),
		 0);
	doc = json_parse(c.out);
	check_cmd_free(&c);
	return doc;
}

/* The ring named "shm:" name in an ls document. */
static const struct jval *ls_ring(const struct jval *doc, const char *name)
{
	const struct jval *objects = jget(doc, "objects");
	char want[128];

	snprintf(want, sizeof(want), "shm:%s", name);
	CHECK(objects->t == J_ARR);
	for (size_t i = 0; i < objects->n; i++)
		if (!strcmp(jstr(&objects->items[i], "name"), want))
			return &objects->items[i];
	check_fail(__FILE__, __LINE__, "lipc ls shows no ring %s", want);
}

/*
 * The row of lipc ls's table (--no-headings) whose last word is "shm:" name, as its words joined
 * by single spaces (the columns' widths depend on every ring of the system), in a new string.
 */
static char *table_row(const char *table, const char *name)
{
	char want[128], *copy = strdup(table), *save, *row = NULL;

	CHECK(copy != NULL);
	snprintf(want, sizeof(want), "shm:%s", name);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *last = strrchr(line, ' '), *w, *words;
		size_t n = 0;

		if (!last || strcmp(last + 1, want))
			continue;
		words = malloc(strlen(line) + 1);
		CHECK(words != NULL);
		for (char *t = strtok_r(line, " ", &w); t; t = strtok_r(NULL, " ", &w))
			n += (size_t)sprintf(words + n, "%s%s", n ? " " : "", t);
		row = words;
		break;
	}
	free(copy);
	if (!row)
		check_fail(__FILE__, __LINE__, "no row of lipc ls ends with %s in:\n%s", want,
			   table);
	return row;
}

/* Each mode's word, and its counts, of rings nobody is attached to. */
static void ls_shows_modes(void)
{
	static const int modes[] = { 0, LIPC_RING_MULTI, LIPC_RING_PUBLISH, LIPC_RING_LOSSY };
	static const char *const words[] = { "point", "multi", "pub", "lossy" };
	static const char *const states[] = { NULL, "multi: 0 producers, 0 consumers",
					      "pub: 0 producers, 0 consumers",
					      "lossy: 0 producers, 0 consumers" };
	char names[4][96], addr[256], what[16];
	struct check_cmd c;
	struct jval *doc;

	for (size_t m = 0; m < 4; m++) {
		snprintf(what, sizeof(what), "ls%zu", m);
		ring_names(names[m], sizeof(names[m]), addr, sizeof(addr), "shm", what);
		make_ring(names[m], modes[m]);
	}
	doc = ls_json();
	for (size_t m = 0; m < 4; m++) {
		const struct jval *o = ls_ring(doc, names[m]), *lag = jget(o, "lag");

		CHECK_STR(jstr(o, "mode"), words[m]);
		CHECK_EQ(jnum(o, "producers"), 0);
		CHECK_EQ(jnum(o, "consumers"), 0);
		CHECK_EQ(jnum(o, "size"), 4096);
		CHECK(lag->t == J_ARR && lag->n == 0);
		if (states[m])
			CHECK_STR(jstr(o, "state"), states[m]);
		else
			CHECK(jnull(o, "state"));
	}
	json_free(doc);
	/* The table: the mode column, the state, and "-" for an empty lag. */
	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("ls", "--type", "ring", "--no-headings", "-o",
					 "mode,producers,consumers,lag,name")),
		 0);
	for (size_t m = 0; m < 4; m++) {
		char want[512], *row = table_row(c.out, names[m]);

		snprintf(want, sizeof(want), "%s 0 0 - shm:%s", words[m], names[m]);
		CHECK_STR(row, want);
		free(row);
	}
	check_cmd_free(&c);
	for (size_t m = 0; m < 4; m++)
		CHECK_SYS(lipc_ring_unlink(names[m]));
}

/* The lags of an ls object, sorted, in lag[] (at most n): how many. */
static size_t sorted_lags(const struct jval *o, long long *lag, size_t n)
{
	const struct jval *a = jget(o, "lag");
	size_t k = 0;

	CHECK(a->t == J_ARR && a->n <= n);
	for (size_t i = 0; i < a->n; i++) {
		CHECK(a->items[i].t == J_NUM && a->items[i].integer);
		lag[k++] = a->items[i].num_int;
	}
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && lag[j - 1] > lag[j]; j--) {
			long long t = lag[j];

			lag[j] = lag[j - 1];
			lag[j - 1] = t;
		}
	return k;
}

/*
 * Consumers attached, and how far behind each is: a publish ring with two consumers, one of
 * which has read a record. ls agrees with the library (lipc_ring_lag()), and its table says it
 * in the state and the lag column (each consumer's, in the ring's order).
 */
static void ls_lag_pub(void)
{
	char pub[96], addr[256], want[512], buf[64], *row;
	struct lipc_ring *p, *c1, *c2;
	size_t lag[4], len;
	long long got[4];
	struct check_cmd c;
	struct jval *doc;
	const struct jval *o;

	ring_names(pub, sizeof(pub), addr, sizeof(addr), "shm", "lagpub");
	p = attach(pub, LIPC_SEND, LIPC_RING_PUBLISH, 4096);
	c1 = attach(pub, LIPC_RECV, LIPC_RING_PUBLISH, 4096);
	c2 = attach(pub, LIPC_RECV, 0, 4096); /* no mode flag: joined in the ring's own */
	for (int i = 0; i < 3; i++)
		CHECK_SYS(lipc_ring_push(p, "0123456789", 10, 0));
	CHECK_EQ(lipc_ring_pop(c1, buf, sizeof(buf), &len, 0), 1);
	CHECK_EQ(len, 10);

	doc = ls_json();
	o = ls_ring(doc, pub);
	CHECK_STR(jstr(o, "mode"), "pub");
	CHECK_EQ(jnum(o, "producers"), 1);
	CHECK_EQ(jnum(o, "consumers"), 2);
	CHECK_EQ(sorted_lags(o, got, 4), 2);
	/* The one that read a record is a record behind the other, which is the ring's use. */
	CHECK(got[0] > 0 && got[0] < got[1] && got[1] < 1024);
	CHECK_EQ(got[1], jnum(o, "used"));
	CHECK_EQ(lipc_ring_lag(pub, lag, 4), 2);
	CHECK_EQ(lag[0] < lag[1] ? lag[0] : lag[1], got[0]);
	CHECK_EQ(lag[0] < lag[1] ? lag[1] : lag[0], got[1]);
	snprintf(want, sizeof(want), "pub: 1 producer, 2 consumers (behind %zu, %zu)", lag[0],
		 lag[1]);
	CHECK_STR(jstr(o, "state"), want);
	json_free(doc);

	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("ls", "--type", "ring", "--no-headings", "-o",
					 "mode,producers,consumers,lag,name")),
		 0);
	row = table_row(c.out, pub);
	snprintf(want, sizeof(want), "pub 1 2 %zu,%zu shm:%s", lag[0], lag[1], pub);
	CHECK_STR(row, want);
	free(row);
	check_cmd_free(&c);

	CHECK_SYS(lipc_ring_close(c2));
	CHECK_SYS(lipc_ring_close(c1));
	CHECK_SYS(lipc_ring_close(p));
	CHECK_SYS(lipc_ring_unlink(pub));
}

/* A multi-producer ring with two producers and its consumer: counted, and its consumer's lag. */
static void ls_lag_multi(void)
{
	char multi[96], addr[256], want[512], *row;
	struct lipc_ring *m1, *m2, *mc;
	long long got[4];
	struct check_cmd c;
	struct jval *doc;
	const struct jval *o;

	ring_names(multi, sizeof(multi), addr, sizeof(addr), "shm", "lagmulti");
	m1 = attach(multi, LIPC_SEND, LIPC_RING_MULTI, 4096);
	m2 = attach(multi, LIPC_SEND, LIPC_RING_MULTI, 4096);
	mc = attach(multi, LIPC_RECV, LIPC_RING_MULTI, 4096);
	CHECK_SYS(lipc_ring_push(m2, "abc", 3, 0));

	doc = ls_json();
	o = ls_ring(doc, multi);
	CHECK_STR(jstr(o, "mode"), "multi");
	CHECK_EQ(jnum(o, "producers"), 2);
	CHECK_EQ(jnum(o, "consumers"), 1);
	CHECK_EQ(sorted_lags(o, got, 4), 1);
	CHECK(got[0] > 0 && got[0] < 1024); /* under 1K, the table shows the number itself */
	CHECK_EQ(got[0], jnum(o, "used"));
	snprintf(want, sizeof(want), "multi: 2 producers, 1 consumer (behind %lld)", got[0]);
	CHECK_STR(jstr(o, "state"), want);
	json_free(doc);

	CHECK_EQ(check_cmd_run(&c, NULL,
			       LIPC_ARGV("ls", "--type", "ring", "--no-headings", "-o",
					 "mode,producers,consumers,lag,name")),
		 0);
	row = table_row(c.out, multi);
	snprintf(want, sizeof(want), "multi 2 1 %lld shm:%s", got[0], multi);
	CHECK_STR(row, want);
	free(row);
	check_cmd_free(&c);

	CHECK_SYS(lipc_ring_close(mc));
	CHECK_SYS(lipc_ring_close(m2));
	CHECK_SYS(lipc_ring_close(m1));
	CHECK_SYS(lipc_ring_unlink(multi));
}

/*
 * Two lipc recv on one shm-pub: ring both print every line one lipc send sends: one ends at
 * its count, the other at the end of the stream (the sender closed).
 */
static void pub_every_receiver(void)
{
	char name[96], addr[256];
	struct check_cmd r[2], s;

	ring_names(name, sizeof(name), addr, sizeof(addr), "shm-pub", "pub");
	lipc_ring_close(attach(name, LIPC_RECV, LIPC_RING_PUBLISH, 0));
	check_cmd_start(&r[0], NULL, LIPC_ARGV("recv", "-n", "3", addr));
	check_cmd_start(&r[1], NULL, LIPC_ARGV("recv", addr));
	wait_consumers(name, 2, r, 2);
	CHECK_EQ(check_cmd_run(&s, NULL, LIPC_ARGV("send", addr, "one", "two", "three")), 0);
	CHECK_STR(s.err, "");
	check_cmd_free(&s);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(check_cmd_wait(&r[i]), 0);
		CHECK_STR(r[i].out, "one\ntwo\nthree\n");
		CHECK_STR(r[i].err, "");
		check_cmd_free(&r[i]);
	}
	CHECK_SYS(lipc_ring_unlink(name));
}

/* n lines "TAG0\nTAG1\n..." in a new string. */
static char *tagged_lines(char tag, int n)
{
	char *text = malloc((size_t)n * 16 + 1), *w = text;

	CHECK(text != NULL);
	for (int i = 0; i < n; i++)
		w += sprintf(w, "%c%d\n", tag, i);
	return text;
}

/*
 * Two lipc send into one shm-multi: ring, at once, from their standard input: one lipc recv -k
 * -n COUNT prints every line of both exactly once, each sender's in its order, and ends at its
 * count.
 */
static void multi_every_sender(void)
{
	enum {
		N = 2000
	};
	char name[96], addr[256], count[16], *in[2];
	struct check_cmd r, s[2];
	int next[2] = { 0, 0 }, lines = 0;

	ring_names(name, sizeof(name), addr, sizeof(addr), "shm-multi", "multi");
	lipc_ring_close(attach(name, LIPC_RECV, LIPC_RING_MULTI, 0));
	snprintf(count, sizeof(count), "%d", 2 * N);
	/*
	 * -k: the stream ends when the last sender leaves, and one may come and go before the
	 * other attaches; the count ends it instead.
	 */
	check_cmd_start(&r, NULL, LIPC_ARGV("recv", "-k", "-n", count, addr));
	in[0] = tagged_lines('a', N);
	in[1] = tagged_lines('b', N);
	check_cmd_start(&s[0], in[0], LIPC_ARGV("send", addr));
	check_cmd_start(&s[1], in[1], LIPC_ARGV("send", addr));
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(check_cmd_wait(&s[i]), 0);
		CHECK_STR(s[i].err, "");
		check_cmd_free(&s[i]);
		free(in[i]);
	}
	CHECK_EQ(check_cmd_wait(&r), 0);
	CHECK_STR(r.err, "");
	for (char *line = r.out, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		int k = line[0] == 'a' ? 0 : 1;

		CHECK(line[0] == 'a' || line[0] == 'b');
		*nl = '\0';
		if (atoi(line + 1) != next[k])
			check_fail(__FILE__, __LINE__, "line %d is \"%s\", not %c%d", lines, line,
				   line[0], next[k]);
		next[k]++;
		lines++;
	}
	CHECK_EQ(next[0], N);
	CHECK_EQ(next[1], N);
	check_cmd_free(&r);
	CHECK_SYS(lipc_ring_unlink(name));
}

/*
 * The end of a shm-multi: stream is the last producer's leaving: lipc recv prints what both
 * sent and exits 0 once both have closed, not at the first close. With no producer at all, its
 * timeout ends it (status 1, one line).
 */
static void multi_end_of_stream(void)
{
	char name[96], addr[256], want[512];
	struct lipc_ring *p1, *p2;
	struct check_cmd r;

	ring_names(name, sizeof(name), addr, sizeof(addr), "shm-multi", "end");
	lipc_ring_close(attach(name, LIPC_RECV, LIPC_RING_MULTI, 0));
	check_cmd_start(&r, NULL, LIPC_ARGV("recv", addr));
	wait_consumers(name, 1, &r, 1);
	p1 = attach(name, LIPC_SEND, LIPC_RING_MULTI, 0);
	p2 = attach(name, LIPC_SEND, 0, 0); /* no mode flag: joined in the ring's own */
	CHECK_SYS(lipc_ring_push(p1, "first", 5, -1));
	CHECK_SYS(lipc_ring_push(p2, "second", 6, -1));
	CHECK_SYS(lipc_ring_close(p1));
	CHECK_SYS(lipc_ring_push(p2, "third", 5, -1));
	CHECK_SYS(lipc_ring_close(p2));
	CHECK_EQ(check_cmd_wait(&r), 0);
	CHECK_STR(r.out, "first\nsecond\nthird\n");
	CHECK_STR(r.err, "");
	check_cmd_free(&r);

	/* Nobody sends: the timeout, and nothing else, ends it. */
	check_cmd_run(&r, NULL, LIPC_ARGV("recv", "-t", "0.05", addr));
	snprintf(want, sizeof(want), "lipc: %s: no message within 0.05 s\n", addr);
	CHECK_FAILURE(&r, want);
	check_cmd_free(&r);
	CHECK_SYS(lipc_ring_unlink(name));
}

/*
 * A lipc recv on shm-lossy: that falls behind: held in a write to a full pipe while the producer
 * writes far more than the ring holds, it then says exactly how many messages it lost, in one
 * line, prints the rest intact and in order, and exits 0 at the end of the stream.
 */
static void lossy_recv_tells_lost(void)
{
	enum {
		N = 400
	};
	char name[96], addr[256], rec[32], want[512], *out;
	struct lipc_ring *p;
	struct check_cmd waiting = { .pid = 0 };
	int out_pipe[2], err_pipe[2], fill, first, status, lost;
	size_t used = 0, cap = 1 << 16, at, elen = 0;
	ssize_t n;
	char *junk, err[1024];

	ring_names(name, sizeof(name), addr, sizeof(addr), "shm-lossy", "lossy");
	p = attach(name, LIPC_SEND, LIPC_RING_LOSSY, 4096);
	CHECK_SYS(pipe2(out_pipe, O_CLOEXEC));
	CHECK_SYS(pipe2(err_pipe, O_CLOEXEC));
	/* A full pipe: lipc recv's first write waits until the test reads. */
	fill = (int)CHECK_SYS(fcntl(out_pipe[1], F_GETPIPE_SZ));
	junk = calloc(1, (size_t)fill);
	CHECK(junk != NULL);
	CHECK_EQ(write(out_pipe[1], junk, (size_t)fill), fill);
	waiting.pid = check_spawn(LIPC_ARGV("recv", addr), -1, out_pipe[1], err_pipe[1]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	wait_consumers(name, 1, &waiting, 1);
	CHECK_SYS(lipc_ring_push(p, "head", 4, 0));
	/* It took "head" and waits to write it out (signals let in, ppoll(2)). */
	while (!check_asleep_in(waiting.pid, SYS_ppoll, NULL)) {
		CHECK(check_state(waiting.pid) != 'Z');
		sched_yield();
	}
	for (int i = 0; i < N; i++) {
		int len = snprintf(rec, sizeof(rec), "record %04d ........", i);

		CHECK_SYS(
			lipc_ring_push(p, rec, (size_t)len, 0)); /* a lossy producer never waits */
	}
	CHECK_SYS(lipc_ring_close(p));

	/* The pipe's filling, then what lipc printed, to the end. */
	for (int left = fill; left > 0; left -= (int)n)
		n = CHECK_SYS(read(out_pipe[0], junk, (size_t)(left < fill ? left : fill)));
	free(junk);
	out = malloc(cap);
	CHECK(out != NULL);
	while ((n = CHECK_SYS(read(out_pipe[0], out + used, cap - used - 1))) > 0)
		used += (size_t)n;
	out[used] = '\0';
	while ((n = CHECK_SYS(read(err_pipe[0], err + elen, sizeof(err) - 1 - elen))) > 0)
		elen += (size_t)n;
	err[elen] = '\0';
	CHECK_SYS(waitpid(waiting.pid, &status, 0));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(out_pipe[0]);
	close(err_pipe[0]);

	/* "head", then records first..N-1, every one whole: those before first were lost. */
	CHECK(!strncmp(out, "head\nrecord ", 12));
	first = atoi(out + 12);
	CHECK(first > 0 && first < N);
	at = 5;
	for (int i = first; i < N; i++) {
		snprintf(rec, sizeof(rec), "record %04d ........\n", i);
		if (strncmp(out + at, rec, strlen(rec)))
			check_fail(__FILE__, __LINE__,
				   "record %d is not whole, or not in its place", i);
		at += strlen(rec);
	}
	CHECK_EQ(at, used);
	lost = first;
	snprintf(want, sizeof(want),
		 "lipc: %s: lost %d messages: the sender overwrote them before they were read\n",
		 addr, lost);
	CHECK_STR(err, want);
	free(out);
	CHECK_SYS(lipc_ring_unlink(name));
}

/* Where line (a whole line) starts in text; fails the test when it is not there. */
static size_t line_at(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
		if (!strncmp(p, line, n) && p[n] == '\n')
			return (size_t)(p - text);
		if (!strchr(p, '\n'))
			break;
	}
	check_fail(__FILE__, __LINE__, "no line \"%s\" in \"%s\"", line, text);
}

/*
 * One lipc recv on a publish ring and a multi-producer ring at once (their doorbells in one
 * poll()): every line sent to each is printed, each ring's in its order, and it ends at its count.
 */
static void recv_from_both_modes(void)
{
	char pname[96], paddr[256], mname[96], maddr[256];
	struct check_cmd r, s;

	ring_names(pname, sizeof(pname), paddr, sizeof(paddr), "shm-pub", "pub");
	ring_names(mname, sizeof(mname), maddr, sizeof(maddr), "shm-multi", "multi");
	lipc_ring_close(attach(pname, LIPC_RECV, LIPC_RING_PUBLISH, 0));
	lipc_ring_close(attach(mname, LIPC_RECV, LIPC_RING_MULTI, 0));
	check_cmd_start(&r, NULL, LIPC_ARGV("recv", "-n", "4", paddr, maddr));
	wait_consumers(pname, 1, &r, 1);
	CHECK_EQ(check_cmd_run(&s, NULL, LIPC_ARGV("send", maddr, "three", "four")), 0);
	check_cmd_free(&s);
	CHECK_EQ(check_cmd_run(&s, NULL, LIPC_ARGV("send", paddr, "one", "two")), 0);
	check_cmd_free(&s);
	CHECK_EQ(check_cmd_wait(&r), 0);
	/* Under make valgrind: valgrind 3.19 knows no pidfd_open(), and warns of the bell's. */
	if (!check_wrapped())
		CHECK_STR(r.err, "");
	/* Four lines, each once; the rings' turns may interleave them. */
	CHECK_EQ(strlen(r.out), strlen("one\ntwo\nthree\nfour\n"));
	CHECK(line_at(r.out, "one") < line_at(r.out, "two"));
	CHECK(line_at(r.out, "three") < line_at(r.out, "four"));
	check_cmd_free(&r);
	CHECK_SYS(lipc_ring_unlink(pname));
	CHECK_SYS(lipc_ring_unlink(mname));
}

CHECK_MAIN(TEST(schemes_parse), TEST(bad_uses), TEST(ls_shows_modes), TEST(ls_lag_pub),
	   TEST(ls_lag_multi), TEST(pub_every_receiver), TEST(multi_every_sender),
	   TEST(multi_end_of_stream), TEST(lossy_recv_tells_lost), TEST(recv_from_both_modes))
