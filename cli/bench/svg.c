/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the chart: an SVG written by hand, no dependency. Round trips as p50 bars and
 * p99 whiskers on a log scale, one row per case, and streaming throughput against message
 * size, one panel per placement. Every text in it is escaped for XML.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

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

/* Logarithms for positions on the charts; a value with none (0, negative, NaN) is at 0. */
static double lg(double x)
{
	return x > 0 && isfinite(x) ? log10(x) : 0;
}

static double lb(double x)
{
	return x > 0 && isfinite(x) ? log2(x) : 0;
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
static int svg_latency(FILE *f, const struct bench_run *run, struct bench_row *rows, int y)
{
	size_t n = bench_sort_rows(run, true, rows), shown = 0;
	double min = INFINITY, max = 0;
	struct axis a = { .x0 = 170, .x1 = SVG_W - 40 };
	char buf[64], sz[32];
	int top;

	for (size_t i = 0; i < n; i++)
		for (int pi = 0; pi < run->n_places; pi++) {
			const struct bench_figure *fg = bench_lat_of(run, rows[i].r, pi);

			if (rows[i].r->status != ST_OK || !fg || fg->status != ST_OK)
				continue;
			min = fg->p50 / 1000 < min ? fg->p50 / 1000 : min;
			max = fg->p99 / 1000 > max ? fg->p99 / 1000 : max;
		}
	decades(min, max, &a.lo, &a.hi);
	fprintf(f,
		"<text x=\"20\" y=\"%d\" class=\"h\">Round trips at %s: p50 (bar) and p99 "
		"(whisker), log scale</text>\n",
		y, bench_size_name(bench_headline_lat(&run->plan), sz, sizeof(sz)));
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
			const struct bench_figure *fg = bench_lat_of(run, r, pi);
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
				run->places[pi].name, bench_us(fg->p50, buf, sizeof(buf)),
				bench_us(fg->p99, sz, sizeof(sz)));
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
	struct bench_row *rows = calloc(run->n_results ? run->n_results : 1, sizeof(*rows));
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
