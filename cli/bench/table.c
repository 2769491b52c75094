/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the reports: the table on standard output (and what the other reports share;
 * json_csv.c writes JSON and CSV, svg.c the chart). Every one states the machine. A case that
 * failed shows its reason and no figure anywhere; a size or placement that does not apply shows n/a
 * with its reason.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "table.h"

#define KIB ((size_t)1024)
#define MIB (KIB * 1024)

const char *bench_size_name(size_t size, char *buf, size_t len)
{
	if (size >= MIB && size % MIB == 0)
		snprintf(buf, len, "%zu MiB", size / MIB);
	else if (size >= KIB && size % KIB == 0)
		snprintf(buf, len, "%zu KiB", size / KIB);
	else
		snprintf(buf, len, "%zu B", size);
	return buf;
}

const struct bench_figure *bench_find(const struct bench_result *r, int place, enum bench_test test,
				      size_t size)
{
	for (size_t i = 0; i < r->n_figs; i++) {
		const struct bench_figure *f = &r->figs[i];

		if (f->place == place && f->test == test && f->size == size)
			return f;
	}
	return NULL;
}

/* The sizes the table shows: 64 B round trips and 64 KiB streaming, unless --sizes left out. */
size_t bench_headline_lat(const struct bench_plan *p)
{
	for (int i = 0; i < p->n_lat; i++)
		if (p->lat_sizes[i] == 64)
			return 64;
	return p->lat_sizes[0];
}

static size_t headline_tput(const struct bench_plan *p)
{
	if (p->n_tput == 0) /* --round-trips: no streaming figure has a size */
		return 0;
	for (int i = 0; i < p->n_tput; i++)
		if (p->tput_sizes[i] == 65536)
			return 65536;
	return p->tput_sizes[p->n_tput - 1];
}

/* A case's round trip in a placement: at the headline size for messages, sizeless otherwise. */
const struct bench_figure *bench_lat_of(const struct bench_run *run, const struct bench_result *r,
					int place)
{
	return bench_find(r, place, TEST_LATENCY,
			  r->c->kind == BENCH_MESSAGE ? bench_headline_lat(&run->plan) : 0);
}

static const struct bench_figure *tput_of(const struct bench_run *run, const struct bench_result *r,
					  int place)
{
	return bench_find(r, place, TEST_THROUGHPUT, headline_tput(&run->plan));
}

const char *bench_kind_name(const struct bench_case *c)
{
	switch (c->kind) {
	case BENCH_MESSAGE:
		return "message";
	case BENCH_SIGNAL:
		return "signal";
	case BENCH_FLOOR:
		return "floor";
	case BENCH_FANOUT:
		return "fan-out";
	case BENCH_WRITERS:
		return "writers";
	default:
		return c->how == HOW_LOCK ? "lock" : c->how == HOW_FUTEX ? "futex" : "semaphore";
	}
}

/* Microseconds from nanoseconds, three significant digits or so. */
const char *bench_us(double ns, char *buf, size_t len)
{
	double v = ns / 1000;

	snprintf(buf, len, v < 1 ? "%.3f" : v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
	return buf;
}

static const char *mbs(double bytes_per_s, char *buf, size_t len)
{
	double v = bytes_per_s / 1e6;

	snprintf(buf, len, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
	return buf;
}

static const char *rate(double per_s, char *buf, size_t len)
{
	if (per_s >= 1e6)
		snprintf(buf, len, "%.2fM", per_s / 1e6);
	else if (per_s >= 1e3)
		snprintf(buf, len, "%.1fk", per_s / 1e3);
	else
		snprintf(buf, len, "%.0f", per_s);
	return buf;
}

static const char *times(double x, char *buf, size_t len)
{
	snprintf(buf, len, x < 10 ? "%.1f" : "%.0f", x);
	return buf;
}

/* A ratio that may be under 1: two digits there (0.92, 0.0046), as times() above. */
static const char *ratio(double x, char *buf, size_t len)
{
	if (x >= 0.995) /* what %.2g would print as "1" */
		return times(x, buf, len);
	snprintf(buf, len, "%.2g", x);
	return buf;
}

static int cmp_row(const void *a, const void *b)
{
	const struct bench_row *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->r->c->name, y->r->c->name);
}

/* Sort results for one table; lat: by the better p50, else by the better MB/s. */
size_t bench_sort_rows(const struct bench_run *run, bool lat, struct bench_row *rows)
{
	size_t n = 0;

	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];
		struct bench_row *w = &rows[n];

		/* Fan-out and many writers have tables of their own (crowd_tables). */
		if (r->c->how == HOW_MEMCPY || (!lat && r->c->kind != BENCH_MESSAGE) ||
		    r->c->kind == BENCH_FANOUT || r->c->kind == BENCH_WRITERS)
			continue;
		*w = (struct bench_row){ .r = r, .rank = 1, .key = INFINITY };
		if (r->status == ST_SKIPPED)
			w->rank = 2;
		if (r->status == ST_FAILED)
			w->rank = 3;
		for (int pi = 0; pi < run->n_places && w->rank == 1; pi++) {
			const struct bench_figure *f =
				lat ? bench_lat_of(run, r, pi) : tput_of(run, r, pi);
			double key;

			if (!f || f->status != ST_OK)
				continue;
			key = lat ? f->p50 : -f->bytes_per_s;
			if (key < w->key)
				w->key = key;
		}
		n++; /* a row with n/a only keeps the key INFINITY: after the others */
	}
	qsort(rows, n, sizeof(*rows), cmp_row);
	return n;
}

/* Print text after a 26-column indent, wrapped at 100 columns. */
static void wrapped(FILE *f, const char *text)
{
	const int indent = 26, width = 100;
	int col = indent;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (col > indent && col + 1 + (int)word > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)word, text);
		col += (int)word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

static void place_header(FILE *f, const struct bench_run *run, const char *cols)
{
	fprintf(f, "%-25s", "");
	for (int pi = 0; pi < run->n_places; pi++) {
		const char *name = run->places[pi].name;
		int pad = 26 - (int)strlen(name) - 2, left = pad / 2;

		fprintf(f, "   %.*s %s %.*s", left, "------------------", name, pad - left,
			"------------------");
	}
	fprintf(f, "\n%-15s %-9s", "case", "kind");
	for (int pi = 0; pi < run->n_places; pi++)
		fputs(cols, f);
	fputc('\n', f);
}

/* The reason of a failed or skipped row, or NULL. */
static bool status_row(FILE *f, const struct bench_result *r)
{
	char text[400];

	if (r->status == ST_OK)
		return false;
	fprintf(f, "%-15s %-9s", r->c->name, bench_kind_name(r->c));
	snprintf(text, sizeof(text), "%s: %s", r->status == ST_FAILED ? "FAILED" : "skipped",
		 r->reason);
	fputc(' ', f);
	wrapped(f, text);
	return true;
}

/* Collect the n/a notes of a table, each once. */
struct notes {
	char text[32][160];
	int n;
};

static void note(struct notes *ns, const struct bench_result *r, const struct bench_figure *f)
{
	char t[160];

	snprintf(t, sizeof(t), "%s: %s", r->c->name, f->note);
	for (int i = 0; i < ns->n; i++)
		if (!strcmp(ns->text[i], t))
			return;
	if (ns->n < 32)
		strcpy(ns->text[ns->n++], t);
}

static void print_notes(FILE *f, const struct notes *ns)
{
	for (int i = 0; i < ns->n; i++)
		fprintf(f, "  n/a  %s\n", ns->text[i]);
}

/*
 * Under each table, shm and shm-spin against raw-ring, the bare ring they are built to beat or
 * match, in each placement where both have a figure: p50 over raw-ring's p50 (lower is better),
 * MB/s over raw-ring's MB/s (higher is better). raw-ring is a case as raw-pipe is, not a floor:
 * it runs when chosen, and the x column keeps its one meaning, the placement's floor.
 */
static const struct bench_result *result_named(const struct bench_run *run, const char *name)
{
	for (size_t i = 0; i < run->n_results; i++)
		if (run->results[i].status == ST_OK && !strcmp(run->results[i].c->name, name))
			return &run->results[i];
	return NULL;
}

static void ring_ratios(FILE *f, const struct bench_run *run, bool lat)
{
	static const char *const names[] = { "shm", "shm-spin" };
	const struct bench_result *raw = result_named(run, "raw-ring");
	bool any = false;
	char c[32];

	for (int pi = 0; raw && pi < run->n_places; pi++) {
		const struct bench_figure *rf =
			lat ? bench_lat_of(run, raw, pi) : tput_of(run, raw, pi);
		bool place_named = false;

		if (!rf || rf->status != ST_OK)
			continue;
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			const struct bench_result *r = result_named(run, names[k]);
			const struct bench_figure *fg = !r    ? NULL
							: lat ? bench_lat_of(run, r, pi)
							      : tput_of(run, r, pi);

			if (!fg || fg->status != ST_OK)
				continue;
			if (!any)
				fputs(lat ? "  p50 over raw-ring's:" : "  MB/s over raw-ring's:",
				      f);
			if (!place_named)
				fprintf(f, "%s %s", any ? ";" : "", run->places[pi].name);
			fprintf(f, "%s %s %s", place_named ? "," : "", names[k],
				lat ? times(fg->p50 / rf->p50, c, sizeof(c))
				    : ratio(fg->bytes_per_s / rf->bytes_per_s, c, sizeof(c)));
			any = place_named = true;
		}
	}
	if (any)
		fputc('\n', f);
}

static void lat_table(FILE *f, const struct bench_run *run, struct bench_row *rows)
{
	size_t n = bench_sort_rows(run, true, rows);
	struct notes ns = { .n = 0 };
	char a[32], b[32], c[32], sz[32];

	fprintf(f,
		"\nRound trips at %s (locks, semaphores, signals: a hand-off and back), in "
		"microseconds;\nx: p50 over the placement's floor. Fastest first.\n",
		bench_size_name(bench_headline_lat(&run->plan), sz, sizeof(sz)));
	place_header(f, run, "         p50      p99       x");
	for (size_t i = 0; i < n; i++) {
		const struct bench_result *r = rows[i].r;

		if (status_row(f, r))
			continue;
		fprintf(f, "%-15s %-9s", r->c->name, bench_kind_name(r->c));
		for (int pi = 0; pi < run->n_places; pi++) {
			const struct bench_figure *fg = bench_lat_of(run, r, pi);

			if (!fg) {
				fprintf(f, "   %9s %8s %7s", "", "", "");
			} else if (fg->status != ST_OK) {
				fprintf(f, "   %9s %8s %7s", "n/a", "", "");
				note(&ns, r, fg);
			} else {
				fprintf(f, "   %9s %8s %7s", bench_us(fg->p50, a, sizeof(a)),
					bench_us(fg->p99, b, sizeof(b)),
					run->floor_ns[pi] > 0
						? times(fg->p50 / run->floor_ns[pi], c, sizeof(c))
						: "");
			}
		}
		fputc('\n', f);
	}
	print_notes(f, &ns);
	ring_ratios(f, run, true);
}

static void tput_table(FILE *f, const struct bench_run *run, struct bench_row *rows)
{
	size_t n = run->plan.n_tput ? bench_sort_rows(run, false, rows) : 0; /* --round-trips */
	struct notes ns = { .n = 0 };
	char a[32], b[32], c[32], sz[32];

	if (n == 0)
		return;
	fprintf(f,
		"\nStreaming at %s: MB/s (10^6 bytes), share of memcpy, messages/s. "
		"Fastest first.\n",
		bench_size_name(headline_tput(&run->plan), sz, sizeof(sz)));
	place_header(f, run, "        MB/s  memcpy   msg/s");
	for (size_t i = 0; i < n; i++) {
		const struct bench_result *r = rows[i].r;

		if (status_row(f, r))
			continue;
		fprintf(f, "%-15s %-9s", r->c->name, bench_kind_name(r->c));
		for (int pi = 0; pi < run->n_places; pi++) {
			const struct bench_figure *fg = tput_of(run, r, pi);

			if (!fg) {
				fprintf(f, "   %10s %6s %8s", "", "", "");
			} else if (fg->status != ST_OK) {
				fprintf(f, "   %10s %6s %8s", "n/a", "", "");
				note(&ns, r, fg);
			} else {
				if (run->memcpy_bytes_per_s > 0)
					snprintf(b, sizeof(b), "%.0f%%",
						 100 * fg->bytes_per_s / run->memcpy_bytes_per_s);
				else
					b[0] = '\0';
				fprintf(f, "   %10s %6s %8s", mbs(fg->bytes_per_s, a, sizeof(a)), b,
					rate(fg->msgs_per_s, c, sizeof(c)));
			}
		}
		fputc('\n', f);
	}
	print_notes(f, &ns);
	ring_ratios(f, run, false);
}

/*
 * The crowds (fanout.c): fan-out and many writers, one row per case and placement, after the
 * streaming table. Their producers run where A runs and their consumers where B runs.
 */

/* The streaming size of the crowds' cost and rate: 64 B unless --sizes left it out. */
size_t bench_crowd_size(const struct bench_plan *p)
{
	for (int i = 0; i < p->n_tput; i++)
		if (p->tput_sizes[i] == 64)
			return 64;
	for (int i = 0; i < p->n_tput; i++)
		if (p->tput_sizes[i] >= 8)
			return p->tput_sizes[i];
	return 0;
}

/*
 * Does a fan-out measure at this size? The sizes its table shows, 64 B and 64 KiB, when the
 * plan has either (the default has both); otherwise every size of --sizes.
 */
bool bench_fanout_size(const struct bench_plan *p, size_t size)
{
	bool either = false;

	for (int i = 0; i < p->n_lat; i++)
		either |= p->lat_sizes[i] == 64 || p->lat_sizes[i] == 65536;
	for (int i = 0; i < p->n_tput; i++)
		either |= p->tput_sizes[i] == 64 || p->tput_sizes[i] == 65536;
	return !either || size == 64 || size == 65536;
}

static bool has_kind(const struct bench_run *run, enum bench_kind kind)
{
	for (size_t i = 0; i < run->n_results; i++)
		if (run->results[i].c->kind == kind)
			return true;
	return false;
}

/* A figure's cell: the text, "n/a" (noted), or blank. */
static const struct bench_figure *cell(const struct bench_result *r, int pi, enum bench_test t,
				       size_t size, struct notes *ns)
{
	const struct bench_figure *fg = size ? bench_find(r, pi, t, size) : NULL;

	if (fg && fg->status != ST_OK) {
		note(ns, r, fg);
		return NULL;
	}
	return fg;
}

/*
 * The cost of one cache-line transfer: half the cacheline case's round trip, or 0 (it runs on
 * two CPUs only). Its own figure, even where a loaded machine made yield the placement's floor.
 */
static double line_transfer_ns(const struct bench_run *run)
{
	const struct bench_result *r = result_named(run, "cacheline");

	for (size_t i = 0; r && i < r->n_figs; i++)
		if (r->figs[i].status == ST_OK && r->figs[i].test == TEST_LATENCY)
			return r->figs[i].p50 / 2;
	return 0;
}

/*
 * What a consumer more costs the producer, in each placement: the producer's CPU time per record
 * at size from the fewest consumers to the most, over the consumers added. 0 without two rows.
 */
static double fanout_slope(const struct bench_run *run, int pi, size_t size)
{
	const struct bench_figure *lo = NULL, *hi = NULL;
	int nlo = 0, nhi = 0;

	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];
		const struct bench_figure *fg;

		if (r->c->kind != BENCH_FANOUT || r->status != ST_OK)
			continue;
		fg = bench_find(r, pi, TEST_THROUGHPUT, size);
		if (!fg || fg->status != ST_OK)
			continue;
		if (!lo || r->c->procs < nlo) {
			lo = fg;
			nlo = r->c->procs;
		}
		if (!hi || r->c->procs > nhi) {
			hi = fg;
			nhi = r->c->procs;
		}
	}
	if (!lo || nhi <= nlo)
		return 0;
	return (hi->cpu_ns - lo->cpu_ns) / (nhi - nlo);
}

static void fanout_table(FILE *f, const struct bench_run *run)
{
	size_t cost = bench_crowd_size(&run->plan), lat = bench_headline_lat(&run->plan),
	       tput = headline_tput(&run->plan);
	struct notes ns = { .n = 0 };
	char a[32], b[32], c[32], d[32], e[32], sz[3][32];
	double line = line_transfer_ns(run);
	bool any = false;

	fprintf(f,
		"\nFan-out: one producer, N consumer processes, a publish ring (lossless). At %s: "
		"records/s,\nthe producer's ns per record (wall) and its own CPU ns per record; "
		"last: p50 and p99\nuntil the last consumer has a record (us, one in flight); at "
		"%s:"
		" MB/s per consumer.\n",
		bench_size_name(cost ? cost : 64, sz[0], sizeof(sz[0])),
		bench_size_name(tput ? tput : 65536, sz[2], sizeof(sz[2])));
	fprintf(f, "%-14s %-10s %8s %8s %7s %9s %8s %9s %6s\n", "case", "placement", "rec/s",
		"ns/rec", "cpu ns", "last p50", "p99", "MB/s", "memcpy");
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];

		if (r->c->kind != BENCH_FANOUT || status_row(f, r))
			continue;
		for (int pi = 0; pi < run->n_places; pi++) {
			const struct bench_figure *fc = cell(r, pi, TEST_THROUGHPUT, cost, &ns),
						  *fl = cell(r, pi, TEST_LATENCY, lat, &ns),
						  *ft = cell(r, pi, TEST_THROUGHPUT, tput, &ns);

			fprintf(f, "%-14s %-10s", r->c->name, run->places[pi].name);
			if (fc)
				fprintf(f, " %8s %8.1f %7.1f", rate(fc->msgs_per_s, a, sizeof(a)),
					1e9 / fc->msgs_per_s, fc->cpu_ns);
			else
				fprintf(f, " %8s %8s %7s", "", "", "");
			if (fl)
				fprintf(f, " %9s %8s", bench_us(fl->p50, b, sizeof(b)),
					bench_us(fl->p99, c, sizeof(c)));
			else
				fprintf(f, " %9s %8s", "", "");
			if (ft) {
				if (run->memcpy_bytes_per_s > 0)
					snprintf(e, sizeof(e), "%.0f%%",
						 100 * ft->bytes_per_s / run->memcpy_bytes_per_s);
				else
					e[0] = '\0';
				fprintf(f, " %9s %6s", mbs(ft->bytes_per_s, d, sizeof(d)), e);
			}
			fputc('\n', f);
		}
	}
	print_notes(f, &ns);
	for (int pi = 0; pi < run->n_places && cost; pi++) {
		double slope = fanout_slope(run, pi, cost);

		if (slope == 0)
			continue;
		fprintf(f, "%s %s %+.1f ns",
			any ? ";" : "  producer's CPU ns per added consumer:", run->places[pi].name,
			slope);
		any = true;
	}
	if (any && line > 0)
		fprintf(f, "; one cache-line transfer (half cacheline's p50) %.1f ns", line);
	if (any)
		fputc('\n', f);
}

/* The fastest kernel mechanism with n producers in placement pi: its messages/s, or 0. */
static double fastest_kernel(const struct bench_run *run, int pi, int n, size_t size,
			     const char **name)
{
	double best = 0;

	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];
		const struct bench_figure *fg;

		if (r->c->kind != BENCH_WRITERS || r->status != ST_OK || r->c->procs != n ||
		    !strcmp(r->c->scheme, "ring") || !strcmp(r->c->scheme, "shm"))
			continue;
		fg = bench_find(r, pi, TEST_THROUGHPUT, size);
		if (fg && fg->status == ST_OK && fg->msgs_per_s > best) {
			best = fg->msgs_per_s;
			*name = r->c->name;
		}
	}
	return best;
}

static void writers_table(FILE *f, const struct bench_run *run)
{
	size_t size = bench_crowd_size(&run->plan);
	struct notes ns = { .n = 0 };
	char a[32], b[32], sz[32];

	fprintf(f,
		"\nMany writers: N producer processes into one consumer at %s, aggregate "
		"messages/s;\nx kernel: over the fastest of mpsc-fifo, mpsc-mq and mpsc-dgram with "
		"as many producers.\n",
		bench_size_name(size ? size : 64, sz, sizeof(sz)));
	fprintf(f, "%-14s %-10s %9s %9s  %s\n", "case", "placement", "msg/s", "x kernel",
		"fastest kernel");
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];

		if (r->c->kind != BENCH_WRITERS || status_row(f, r))
			continue;
		for (int pi = 0; pi < run->n_places; pi++) {
			const struct bench_figure *fg = cell(r, pi, TEST_THROUGHPUT, size, &ns);
			const char *kname = NULL;
			double k;

			fprintf(f, "%-14s %-10s", r->c->name, run->places[pi].name);
			if (!fg) {
				fputc('\n', f);
				continue;
			}
			k = fastest_kernel(run, pi, r->c->procs, size, &kname);
			fprintf(f, " %9s", rate(fg->msgs_per_s, a, sizeof(a)));
			if (k > 0)
				fprintf(f, " %9s  %s", ratio(fg->msgs_per_s / k, b, sizeof(b)),
					kname);
			fputc('\n', f);
		}
	}
	print_notes(f, &ns);
}

static void crowd_tables(FILE *f, const struct bench_run *run)
{
	if (has_kind(run, BENCH_FANOUT))
		fanout_table(f, run);
	if (has_kind(run, BENCH_WRITERS))
		writers_table(f, run);
	if (has_kind(run, BENCH_FANOUT) || has_kind(run, BENCH_WRITERS))
		fputs("  fan-out and many writers: the producers run where A runs, the consumers "
		      "where B runs\n  (on two CPUs, the consumers of a fan-out share the second, "
		      "the producers of many\n  writers the first)\n",
		      f);
}

static void describe_places(FILE *f, const struct bench_run *run)
{
	fputs("placements:", f);
	for (int pi = 0; pi < run->n_places; pi++) {
		const struct bench_place *p = &run->places[pi];

		fprintf(f, "%s %s = ", pi ? ";" : "", p->name);
		if (p->cpu_a < 0)
			fputs("both processes left to the scheduler", f);
		else if (p->cpu_a == p->cpu_b)
			fprintf(f, "both processes on CPU %d", p->cpu_a);
		else
			fprintf(f, "A on CPU %d, B on CPU %d", p->cpu_a, p->cpu_b);
	}
	fputc('\n', f);
}

static void print_table(FILE *f, const struct bench_run *run);

/*
 * The table, with no blank at the end of a line (a cell left empty pads with spaces) and no
 * line wider than TABLE_WIDTH.
 */
void bench_print_table(FILE *out, const struct bench_run *run)
{
	char *text = NULL, *p;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		print_table(out, run);
		return;
	}
	print_table(f, run);
	fclose(f);
	for (p = text; *p;) {
		size_t n = strcspn(p, "\n"), end = n;

		while (end > 0 && p[end - 1] == ' ')
			end--;
		table_fold(out, p, end, 2);
		if (p[n] == '\n')
			fputc('\n', out);
		p += n + (p[n] == '\n');
	}
	free(text);
}

static void print_table(FILE *f, const struct bench_run *run)
{
	struct bench_row *rows = calloc(run->n_results ? run->n_results : 1, sizeof(*rows));
	size_t failed = 0, skipped = 0;
	char a[32], b[32];

	if (!rows)
		return;
	fprintf(f, "lipc bench, %s: %s, %d CPUs (%d allowed), %s\n", run->date, run->cpu_model,
		run->cpus_online, run->cpus_allowed, run->kernel);
	fprintf(f,
		"load average %.2f %.2f %.2f; a clock reading costs %.0f ns; each figure %.2f "
		"s after %.3f s of warm-up\n",
		run->load[0], run->load[1], run->load[2], run->clock_ns,
		run->plan.duration_ms / 1000.0, run->plan.warmup_ms / 1000.0);
	describe_places(f, run);
	fputs("floors:", f);
	for (int pi = 0; pi < run->n_places; pi++) {
		if (run->floor_ns[pi] > 0)
			fprintf(f, " %s %s us (%s);", run->places[pi].name,
				bench_us(run->floor_ns[pi], a, sizeof(a)),
				!strcmp(run->floor_case[pi], "yield") ? "sched_yield ping-pong"
								      : "cache line");
		else
			fprintf(f, " %s none;", run->places[pi].name);
	}
	if (run->memcpy_bytes_per_s > 0)
		fprintf(f, " memcpy %s MB/s\n", mbs(run->memcpy_bytes_per_s, b, sizeof(b)));
	else
		fputs(" memcpy none\n", f);
	lat_table(f, run, rows);
	tput_table(f, run, rows);
	crowd_tables(f, run);
	for (size_t i = 0; i < run->n_results; i++) {
		failed += run->results[i].status == ST_FAILED;
		skipped += run->results[i].status == ST_SKIPPED;
	}
	fprintf(f, "\n%zu cases in %.1f s", run->n_results, run->total_s);
	if (skipped)
		fprintf(f, ", %zu skipped", skipped);
	if (failed)
		fprintf(f, ", %zu FAILED", failed);
	fputs(". More sizes: --json, --csv, --svg.\n", f);
	free(rows);
}

const char *bench_status_name(enum bench_status s)
{
	return s == ST_OK ? "ok" : s == ST_NA ? "n/a" : s == ST_FAILED ? "failed" : "skipped";
}
