/*
 * lipc bench, the reports: the table on standard output, and JSON, CSV and an SVG chart. Every
 * one states the machine. A case that failed shows its reason and no figure anywhere; a size or
 * placement that does not apply shows n/a with its reason.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

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
static size_t headline_lat(const struct bench_plan *p)
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
static const struct bench_figure *lat_of(const struct bench_run *run, const struct bench_result *r,
					 int place)
{
	return bench_find(r, place, TEST_LATENCY,
			  r->c->kind == BENCH_MESSAGE ? headline_lat(&run->plan) : 0);
}

static const struct bench_figure *tput_of(const struct bench_run *run, const struct bench_result *r,
					  int place)
{
	return bench_find(r, place, TEST_THROUGHPUT, headline_tput(&run->plan));
}

static const char *kind_name(const struct bench_case *c)
{
	switch (c->kind) {
	case BENCH_MESSAGE:
		return "message";
	case BENCH_SIGNAL:
		return "signal";
	case BENCH_FLOOR:
		return "floor";
	default:
		return c->how == HOW_LOCK ? "lock" : c->how == HOW_FUTEX ? "futex" : "semaphore";
	}
}

/* Microseconds from nanoseconds, three significant digits or so. */
static const char *us(double ns, char *buf, size_t len)
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

/* Rows, fastest first: those with figures, then n/a only, then skipped, then failed. */
struct row {
	const struct bench_result *r;
	int rank;
	double key;
};

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->r->c->name, y->r->c->name);
}

/* Sort results for one table; lat: by the better p50, else by the better MB/s. */
static size_t sort_rows(const struct bench_run *run, bool lat, struct row *rows)
{
	size_t n = 0;

	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];
		struct row *w = &rows[n];

		if (r->c->how == HOW_MEMCPY || (!lat && r->c->kind != BENCH_MESSAGE))
			continue;
		*w = (struct row){ .r = r, .rank = 1, .key = INFINITY };
		if (r->status == ST_SKIPPED)
			w->rank = 2;
		if (r->status == ST_FAILED)
			w->rank = 3;
		for (int pi = 0; pi < run->n_places && w->rank == 1; pi++) {
			const struct bench_figure *f =
				lat ? lat_of(run, r, pi) : tput_of(run, r, pi);
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
	fprintf(f, "%-15s %-9s", r->c->name, kind_name(r->c));
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

static void lat_table(FILE *f, const struct bench_run *run, struct row *rows)
{
	size_t n = sort_rows(run, true, rows);
	struct notes ns = { .n = 0 };
	char a[32], b[32], c[32], sz[32];

	fprintf(f,
		"\nRound trips at %s (locks, semaphores, signals: a hand-off and back), in "
		"microseconds;\nx: p50 over the placement's floor. Fastest first.\n",
		bench_size_name(headline_lat(&run->plan), sz, sizeof(sz)));
	place_header(f, run, "         p50      p99       x");
	for (size_t i = 0; i < n; i++) {
		const struct bench_result *r = rows[i].r;

		if (status_row(f, r))
			continue;
		fprintf(f, "%-15s %-9s", r->c->name, kind_name(r->c));
		for (int pi = 0; pi < run->n_places; pi++) {
			const struct bench_figure *fg = lat_of(run, r, pi);

			if (!fg) {
				fprintf(f, "   %9s %8s %7s", "", "", "");
			} else if (fg->status != ST_OK) {
				fprintf(f, "   %9s %8s %7s", "n/a", "", "");
				note(&ns, r, fg);
			} else {
				fprintf(f, "   %9s %8s %7s", us(fg->p50, a, sizeof(a)),
					us(fg->p99, b, sizeof(b)),
					run->floor_ns[pi] > 0
						? times(fg->p50 / run->floor_ns[pi], c, sizeof(c))
						: "");
			}
		}
		fputc('\n', f);
	}
	print_notes(f, &ns);
}

static void tput_table(FILE *f, const struct bench_run *run, struct row *rows)
{
	size_t n = run->plan.n_tput ? sort_rows(run, false, rows) : 0; /* --round-trips */
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
		fprintf(f, "%-15s %-9s", r->c->name, kind_name(r->c));
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

/* The table, with no blank at the end of a line (a cell left empty pads with spaces). */
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
		fwrite(p, 1, end, out);
		if (p[n] == '\n')
			fputc('\n', out);
		p += n + (p[n] == '\n');
	}
	free(text);
}

static void print_table(FILE *f, const struct bench_run *run)
{
	struct row *rows = calloc(run->n_results ? run->n_results : 1, sizeof(*rows));
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
				us(run->floor_ns[pi], a, sizeof(a)),
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

/* JSON. */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* A number, or null when there is none (JSON has no NaN or infinity). */
static void json_num(FILE *f, const char *key, double v, bool have)
{
	fprintf(f, ", ");
	json_string(f, key);
	if (have && isfinite(v))
		fprintf(f, ": %.6g", v);
	else
		fputs(": null", f);
}

static const char *status_name(enum bench_status s)
{
	return s == ST_OK ? "ok" : s == ST_NA ? "n/a" : s == ST_FAILED ? "failed" : "skipped";
}

static void json_figure(FILE *f, const struct bench_run *run, const struct bench_figure *fg)
{
	bool ok = fg->status == ST_OK, lat = fg->test == TEST_LATENCY;
	double floor = run->floor_ns[fg->place];

	fputs("\n        {\"placement\": ", f);
	json_string(f, run->places[fg->place].key);
	fputs(", \"test\": ", f);
	json_string(f, lat ? "latency" : "throughput");
	fprintf(f, ", \"size\": %zu, \"status\": ", fg->size);
	json_string(f, status_name(fg->status));
	fputs(", \"reason\": ", f);
	if (fg->status == ST_NA)
		json_string(f, fg->note);
	else
		fputs("null", f);
	json_num(f, "count", (double)fg->count, ok);
	json_num(f, "seconds", fg->seconds, ok);
	json_num(f, "p50_us", fg->p50 / 1000, ok && lat);
	json_num(f, "p99_us", fg->p99 / 1000, ok && lat);
	json_num(f, "p999_us", fg->p999 / 1000, ok && lat);
	json_num(f, "max_us", fg->max / 1000, ok && lat);
	json_num(f, "x_floor", fg->p50 / floor, ok && lat && floor > 0);
	json_num(f, "msgs_per_s", fg->msgs_per_s, ok && !lat);
	json_num(f, "mb_per_s", fg->bytes_per_s / 1e6, ok && !lat);
	json_num(f, "pct_memcpy", 100 * fg->bytes_per_s / run->memcpy_bytes_per_s,
		 ok && !lat && run->memcpy_bytes_per_s > 0);
	fputc('}', f);
}

int bench_write_json(FILE *f, const struct bench_run *run)
{
	fputs("{\n  \"tool\": \"lipc bench\",\n  \"date\": ", f);
	json_string(f, run->date);
	fputs(",\n  \"machine\": {\"cpu\": ", f);
	json_string(f, run->cpu_model);
	fprintf(f, ", \"cpus_online\": %d, \"cpus_allowed\": %d, \"kernel\": ", run->cpus_online,
		run->cpus_allowed);
	json_string(f, run->kernel);
	fprintf(f, ", \"load\": [%.2f, %.2f, %.2f], \"clock_ns\": %.1f},\n", run->load[0],
		run->load[1], run->load[2], run->clock_ns);
	fprintf(f, "  \"duration_s\": %.3f,\n  \"warmup_s\": %.3f,\n  \"total_s\": %.1f,\n",
		run->plan.duration_ms / 1000.0, run->plan.warmup_ms / 1000.0, run->total_s);
	fputs("  \"placements\": [", f);
	for (int pi = 0; pi < run->n_places; pi++) {
		const struct bench_place *p = &run->places[pi];

		fputs(pi ? ",\n    {\"key\": " : "\n    {\"key\": ", f);
		json_string(f, p->key);
		fputs(", \"name\": ", f);
		json_string(f, p->name);
		if (p->cpu_a >= 0)
			fprintf(f, ", \"cpu_a\": %d, \"cpu_b\": %d", p->cpu_a, p->cpu_b);
		else
			fputs(", \"cpu_a\": null, \"cpu_b\": null", f);
		fputs(", \"floor_case\": ", f);
		if (run->floor_case[pi])
			json_string(f, run->floor_case[pi]);
		else
			fputs("null", f);
		json_num(f, "floor_p50_us", run->floor_ns[pi] / 1000, run->floor_ns[pi] > 0);
		fputc('}', f);
	}
	fputs("\n  ],\n  \"memcpy_mb_per_s\": ", f);
	if (run->memcpy_bytes_per_s > 0)
		fprintf(f, "%.6g", run->memcpy_bytes_per_s / 1e6);
	else
		fputs("null", f);
	fputs(",\n  \"cases\": [", f);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
		json_string(f, r->c->name);
		fputs(", \"kind\": ", f);
		json_string(f, kind_name(r->c));
		fputs(", \"description\": ", f);
		json_string(f, r->c->what);
		fputs(", \"status\": ", f);
		json_string(f, status_name(r->status));
		fputs(", \"reason\": ", f);
		if (r->status == ST_OK)
			fputs("null", f);
		else
			json_string(f, r->reason);
		fputs(",\n      \"results\": [", f);
		for (size_t j = 0; r->status == ST_OK && j < r->n_figs; j++) {
			if (j)
				fputc(',', f);
			json_figure(f, run, &r->figs[j]);
		}
		fputs("]}", f);
	}
	fputs("\n  ]\n}\n", f);
	return ferror(f) ? -1 : 0;
}

/* CSV: one row per measurement, and one per case that failed or was skipped. */

static void csv_text(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v, bool have)
{
	if (have && isfinite(v))
		fprintf(f, ",%.6g", v);
	else
		fputc(',', f);
}

/* The machine on every row, so that a row read alone still says where it was measured. */
static void csv_machine(FILE *f, const struct bench_run *run)
{
	char machine[200];

	snprintf(machine, sizeof(machine), "%s, %d CPUs", run->cpu_model, run->cpus_online);
	fputc(',', f);
	csv_text(f, machine);
	fputc(',', f);
	csv_text(f, run->kernel);
	fprintf(f, ",%s\n", run->date);
}

int bench_write_csv(FILE *f, const struct bench_run *run)
{
	fputs("case,kind,placement,cpu_a,cpu_b,test,size,status,count,seconds,p50_us,p99_us,"
	      "p999_us,max_us,x_floor,msgs_per_s,mb_per_s,pct_memcpy,reason,machine,kernel,date\n",
	      f);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];

		if (r->status != ST_OK) {
			fprintf(f, "%s,%s,,,,,,%s,,,,,,,,,,,", r->c->name, kind_name(r->c),
				status_name(r->status));
			csv_text(f, r->reason);
			csv_machine(f, run);
			continue;
		}
		for (size_t j = 0; j < r->n_figs; j++) {
			const struct bench_figure *fg = &r->figs[j];
			const struct bench_place *p = &run->places[fg->place];
			bool ok = fg->status == ST_OK, lat = fg->test == TEST_LATENCY;
			double floor = run->floor_ns[fg->place];

			fprintf(f, "%s,%s,%s,", r->c->name, kind_name(r->c), p->key);
			if (p->cpu_a >= 0)
				fprintf(f, "%d,%d,", p->cpu_a, p->cpu_b);
			else
				fputs(",,", f);
			fprintf(f, "%s,%zu,%s", lat ? "latency" : "throughput", fg->size,
				status_name(fg->status));
			csv_num(f, (double)fg->count, ok);
			csv_num(f, fg->seconds, ok);
			csv_num(f, fg->p50 / 1000, ok && lat);
			csv_num(f, fg->p99 / 1000, ok && lat);
			csv_num(f, fg->p999 / 1000, ok && lat);
			csv_num(f, fg->max / 1000, ok && lat);
			csv_num(f, fg->p50 / floor, ok && lat && floor > 0);
			csv_num(f, fg->msgs_per_s, ok && !lat);
			csv_num(f, fg->bytes_per_s / 1e6, ok && !lat);
			csv_num(f, 100 * fg->bytes_per_s / run->memcpy_bytes_per_s,
				ok && !lat && run->memcpy_bytes_per_s > 0);
			fputc(',', f);
			if (fg->status == ST_NA)
				csv_text(f, fg->note);
			csv_machine(f, run);
		}
	}
	return ferror(f) ? -1 : 0;
}

/* SVG: written by hand, no dependency. */

static const char *const place_color[] = { "#4e79a7", "#f28e2b" };
static const char *const case_color[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
					  "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
					  "#9c755f", "#79706e", "#17becf", "#000000" };

#define SVG_W 960

static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/*
 * The natural logarithm, for positions on the charts, so that lipc needs no libm: x is brought
 * into [1, 2) by halving or doubling, then ln x = 2 atanh((x - 1) / (x + 1)), whose series
 * converges fast there.
 */
static double ln(double x)
{
	double t, t2, term, sum = 0;
	int k = 0;

	if (!(x > 0) || !isfinite(x))
		return 0;
	for (; x >= 2; x /= 2)
		k++;
	for (; x < 1; x *= 2)
		k--;
	t = (x - 1) / (x + 1);
	t2 = t * t;
	term = t;
	for (int i = 1; i < 40; i += 2) {
		sum += term / i;
		term *= t2;
	}
	return 2 * sum + k * 0.69314718055994530942;
}

static double lg(double x)
{
	return ln(x) / 2.30258509299404568402;
}

static double lb(double x)
{
	return ln(x) / 0.69314718055994530942;
}

/* A log scale from lo to hi (powers of ten) onto [x0, x1]. */
struct axis {
	double lo, hi, x0, x1;
};

static double ax(const struct axis *a, double v)
{
	if (v < a->lo)
		v = a->lo;
	return a->x0 + (lg(v) - lg(a->lo)) / (lg(a->hi) - lg(a->lo)) * (a->x1 - a->x0);
}

static void decades(double min, double max, double *lo, double *hi)
{
	if (!(min > 0) || !isfinite(min))
		min = 1;
	if (!(max > min) || !isfinite(max))
		max = min * 10;
	for (*lo = 1; *lo > min;)
		*lo /= 10;
	while (*lo * 10 <= min)
		*lo *= 10;
	for (*hi = *lo * 10; *hi < max;)
		*hi *= 10;
}

static const char *us_label(double v, char *buf, size_t len)
{
	if (v >= 1000)
		snprintf(buf, len, "%g ms", v / 1000);
	else
		snprintf(buf, len, "%g \xc2\xb5s", v);
	return buf;
}

/* The round-trip chart: one row per case, a p50 bar and a p99 whisker per placement. */
static int svg_latency(FILE *f, const struct bench_run *run, struct row *rows, int y)
{
	size_t n = sort_rows(run, true, rows), shown = 0;
	double min = INFINITY, max = 0;
	struct axis a = { .x0 = 170, .x1 = SVG_W - 40 };
	char buf[64], sz[32];
	int top;

	for (size_t i = 0; i < n; i++)
		for (int pi = 0; pi < run->n_places; pi++) {
			const struct bench_figure *fg = lat_of(run, rows[i].r, pi);

			if (rows[i].r->status != ST_OK || !fg || fg->status != ST_OK)
				continue;
			min = fg->p50 / 1000 < min ? fg->p50 / 1000 : min;
			max = fg->p99 / 1000 > max ? fg->p99 / 1000 : max;
		}
	decades(min, max, &a.lo, &a.hi);
	fprintf(f,
		"<text x=\"20\" y=\"%d\" class=\"h\">Round trips at %s: p50 (bar) and p99 "
		"(whisker), log scale</text>\n",
		y, bench_size_name(headline_lat(&run->plan), sz, sizeof(sz)));
	y += 12;
	for (int pi = 0; pi < run->n_places; pi++) {
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"8\" fill=\"%s\"/>\n",
			170 + pi * 150, y, place_color[pi]);
		fprintf(f, "<text x=\"%d\" y=\"%d\">", 186 + pi * 150, y + 8);
		svg_text(f, run->places[pi].name);
		fputs("</text>\n", f);
	}
	y += 18;
	top = y;
	for (size_t i = 0; i < n; i++) {
		const struct bench_result *r = rows[i].r;

		if (r->status != ST_OK)
			continue;
		fprintf(f, "<text x=\"160\" y=\"%d\" text-anchor=\"end\">", y + 12);
		svg_text(f, r->c->name);
		fputs("</text>\n", f);
		for (int pi = 0; pi < run->n_places; pi++) {
			const struct bench_figure *fg = lat_of(run, r, pi);
			int by = y + 2 + pi * 9;
			double x50, x99;

			if (!fg || fg->status != ST_OK)
				continue;
			x50 = ax(&a, fg->p50 / 1000);
			x99 = ax(&a, fg->p99 / 1000);
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"8\" fill=\"%s\">"
				"<title>",
				a.x0, by, x50 - a.x0, place_color[pi]);
			svg_text(f, r->c->name);
			fprintf(f, ", %s: p50 %s \xc2\xb5s, p99 %s \xc2\xb5s</title></rect>\n",
				run->places[pi].name, us(fg->p50, buf, sizeof(buf)),
				us(fg->p99, sz, sizeof(sz)));
			fprintf(f,
				"<path d=\"M%.1f %d H%.1f M%.1f %d V%d\" stroke=\"#333\" "
				"fill=\"none\"/>\n",
				x50, by + 4, x99, x99, by + 1, by + 7);
		}
		y += 22;
		shown++;
	}
	if (!shown) {
		fprintf(f, "<text x=\"170\" y=\"%d\">no figures</text>\n", y + 12);
		y += 22;
	}
	for (double v = a.lo; v <= a.hi * 1.0001; v *= 10) {
		double x = ax(&a, v);

		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\" "
			"stroke-dasharray=\"2 3\"/>\n",
			x, top - 4, x, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
			y + 14, us_label(v, buf, sizeof(buf)));
	}
	return y + 40;
}

/* Throughput against message size, one panel per placement, one line per message case. */
static int svg_throughput(FILE *f, const struct bench_run *run, int y)
{
	const struct bench_plan *p = &run->plan;
	double min = INFINITY, max = run->memcpy_bytes_per_s / 1e6;
	double lx0, lx1;
	struct axis a;
	int panel_w = (SVG_W - 60) / 2, h = 240, legend = 0;
	char buf[64];

	if (p->n_tput == 0) /* --round-trips */
		return y;
	lx0 = lb((double)p->tput_sizes[0]);
	lx1 = lb((double)p->tput_sizes[p->n_tput - 1]);

	if (lx1 <= lx0)
		lx1 = lx0 + 1;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];

		for (size_t j = 0; r->status == ST_OK && j < r->n_figs; j++) {
			const struct bench_figure *fg = &r->figs[j];

			if (r->c->kind != BENCH_MESSAGE || fg->test != TEST_THROUGHPUT ||
			    fg->status != ST_OK)
				continue;
			min = fg->bytes_per_s / 1e6 < min ? fg->bytes_per_s / 1e6 : min;
			max = fg->bytes_per_s / 1e6 > max ? fg->bytes_per_s / 1e6 : max;
		}
	}
	decades(min, max, &a.lo, &a.hi);
	fprintf(f,
		"<text x=\"20\" y=\"%d\" class=\"h\">Streaming throughput against message "
		"size, MB/s (10^6 bytes), log scales; dashed: memcpy</text>\n",
		y);
	y += 20;
	for (int pi = 0; pi < run->n_places; pi++) {
		int x0 = 80 + pi * (panel_w + 20), x1 = x0 + panel_w - 60, y0 = y + 20, y1 = y0 + h;

		/* The y axis runs upwards: map through the axis with x0 and x1 swapped. */
		a.x0 = y1;
		a.x1 = y0;
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"h\">",
			(x0 + x1) / 2, y + 10);
		svg_text(f, run->places[pi].name);
		fputs("</text>\n", f);
		fprintf(f,
			"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
			"stroke=\"#999\"/>\n",
			x0, y0, x1 - x0, h);
		for (double v = a.lo; v <= a.hi * 1.0001; v *= 10) {
			double yy = ax(&a, v);

			fprintf(f,
				"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
				"stroke=\"#ddd\"/>\n"
				"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
				x0, yy, x1, yy, x0 - 4, yy + 4, v);
		}
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
			"transform=\"rotate(-90 %d %d)\">MB/s</text>\n"
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">message size</text>\n",
			x0 - 50, (y0 + y1) / 2, x0 - 50, (y0 + y1) / 2, (x0 + x1) / 2, y1 + 30);
		for (int i = 0; i < p->n_tput; i++) {
			double x =
				x0 + (lb((double)p->tput_sizes[i]) - lx0) / (lx1 - lx0) * (x1 - x0);

			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
				x, y1 + 14, bench_size_name(p->tput_sizes[i], buf, sizeof(buf)));
		}
		if (run->memcpy_bytes_per_s > 0) {
			double yy = ax(&a, run->memcpy_bytes_per_s / 1e6);

			fprintf(f,
				"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000\" "
				"stroke-dasharray=\"6 4\"/>\n",
				x0, yy, x1, yy);
		}
		for (size_t i = 0, ci = 0; i < run->n_results; i++) {
			const struct bench_result *r = &run->results[i];
			const char *color;
			int points = 0;

			if (r->c->kind != BENCH_MESSAGE)
				continue;
			color = case_color[ci++ % (sizeof(case_color) / sizeof(case_color[0]))];
			if (r->status != ST_OK)
				continue;
			fprintf(f,
				"<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
				"points=\"",
				color);
			for (int s = 0; s < p->n_tput; s++) {
				const struct bench_figure *fg =
					bench_find(r, pi, TEST_THROUGHPUT, p->tput_sizes[s]);
				double x = x0 + (lb((double)p->tput_sizes[s]) - lx0) / (lx1 - lx0) *
							(x1 - x0);

				if (!fg || fg->status != ST_OK)
					continue;
				fprintf(f, "%s%.1f,%.1f", points++ ? " " : "", x,
					ax(&a, fg->bytes_per_s / 1e6));
			}
			fputs("\"/>\n", f);
			/* A dot per figure: a size that is n/a leaves a visible gap. */
			for (int s = 0; s < p->n_tput; s++) {
				const struct bench_figure *fg =
					bench_find(r, pi, TEST_THROUGHPUT, p->tput_sizes[s]);
				double x = x0 + (lb((double)p->tput_sizes[s]) - lx0) / (lx1 - lx0) *
							(x1 - x0);

				if (fg && fg->status == ST_OK)
					fprintf(f,
						"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
						"fill=\"%s\"/>\n",
						x, ax(&a, fg->bytes_per_s / 1e6), color);
			}
		}
	}
	y += h + 76;
	/* The legend: one colour per message case. */
	for (size_t i = 0, ci = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];
		int lx = 80 + (int)(legend % 6) * 140, ly = y + (int)(legend / 6) * 18;

		if (r->c->kind != BENCH_MESSAGE)
			continue;
		fprintf(f,
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
			"stroke-width=\"3\"/>\n<text x=\"%d\" y=\"%d\">",
			lx, ly - 4, lx + 18, ly - 4,
			case_color[ci++ % (sizeof(case_color) / sizeof(case_color[0]))], lx + 24,
			ly);
		svg_text(f, r->c->name);
		fputs(r->status == ST_OK ? "</text>\n" : " (no figures)</text>\n", f);
		legend++;
	}
	return y + ((legend + 5) / 6) * 18 + 10;
}

int bench_write_svg(FILE *f, const struct bench_run *run)
{
	struct row *rows = calloc(run->n_results ? run->n_results : 1, sizeof(*rows));
	char *body = NULL;
	size_t len = 0;
	FILE *m;
	int y;

	if (!rows)
		return -1;
	/* The body first, in memory: the header must say how tall it came out. */
	m = open_memstream(&body, &len);
	if (!m) {
		free(rows);
		return -1;
	}
	fputs("<text x=\"20\" y=\"24\" class=\"h\">lipc bench, ", m);
	svg_text(m, run->date);
	fputs(": ", m);
	svg_text(m, run->cpu_model);
	fprintf(m, ", %d CPUs, ", run->cpus_online);
	svg_text(m, run->kernel);
	fputs("</text>\n<text x=\"20\" y=\"42\">", m);
	for (int pi = 0; pi < run->n_places; pi++) {
		const struct bench_place *p = &run->places[pi];

		fprintf(m, "%s%s: ", pi ? "; " : "", p->name);
		if (p->cpu_a < 0)
			fputs("both left to the scheduler", m);
		else if (p->cpu_a == p->cpu_b)
			fprintf(m, "both processes on CPU %d", p->cpu_a);
		else
			fprintf(m, "CPU %d and CPU %d", p->cpu_a, p->cpu_b);
	}
	fprintf(m, "; load %.2f; each figure %.2f s</text>\n", run->load[0],
		run->plan.duration_ms / 1000.0);
	y = svg_latency(m, run, rows, 74);
	y = svg_throughput(m, run, y);
	free(rows);
	if (fclose(m) != 0) {
		free(body);
		return -1;
	}
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
		"<style>.h { font-size: 13px; font-weight: bold; }</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		SVG_W, y, SVG_W, y);
	fwrite(body, 1, len, f);
	fputs("</svg>\n", f);
	free(body);
	return ferror(f) ? -1 : 0;
}
