/* SPDX-License-Identifier: MIT */
/*
 * lipc bench, the reports for programs: JSON (every figure, and the machine) and CSV (one row
 * per measurement, the machine on every row so that a row read alone still says where it was
 * measured). A figure that does not exist is null in JSON and an empty cell in CSV, never 0:
 * JSON has no NaN or infinity, and 0 would read as a measurement.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "json.h"

/* JSON. */

/* ", KEY: NUMBER", or null for the number when there is none. */
static void json_num(FILE *f, const char *key, double v, bool have)
{
	fprintf(f, ", ");
	json_cstring(f, key);
	fputs(": ", f);
	json_number(f, v, have);
}

/* A fan-out's streaming figure also has the producer's own CPU time per record. */
static void json_figure(FILE *f, const struct bench_run *run, enum bench_kind kind,
			const struct bench_figure *fg)
{
	bool ok = fg->status == ST_OK, lat = fg->test == TEST_LATENCY;
	double floor = run->floor_ns[fg->place];

	fputs("\n        {\"placement\": ", f);
	json_cstring(f, run->places[fg->place].key);
	fputs(", \"test\": ", f);
	json_cstring(f, lat ? "latency" : "throughput");
	fprintf(f, ", \"size\": %zu, \"status\": ", fg->size);
	json_cstring(f, bench_status_name(fg->status));
	fputs(", \"reason\": ", f);
	if (fg->status == ST_NA)
		json_cstring(f, fg->note);
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
	if (kind == BENCH_FANOUT)
		json_num(f, "producer_cpu_ns", fg->cpu_ns, ok && !lat);
	fputc('}', f);
}

int bench_write_json(FILE *f, const struct bench_run *run)
{
	fputs("{\n  \"tool\": \"lipc bench\",\n  \"date\": ", f);
	json_cstring(f, run->date);
	fputs(",\n  \"machine\": {\"cpu\": ", f);
	json_cstring(f, run->cpu_model);
	fprintf(f, ", \"cpus_online\": %d, \"cpus_allowed\": %d, \"kernel\": ", run->cpus_online,
		run->cpus_allowed);
	json_cstring(f, run->kernel);
	fprintf(f, ", \"load\": [%.2f, %.2f, %.2f], \"clock_ns\": %.1f},\n", run->load[0],
		run->load[1], run->load[2], run->clock_ns);
	fprintf(f, "  \"duration_s\": %.3f,\n  \"warmup_s\": %.3f,\n  \"total_s\": %.1f,\n",
		run->plan.duration_ms / 1000.0, run->plan.warmup_ms / 1000.0, run->total_s);
	fputs("  \"placements\": [", f);
	for (int pi = 0; pi < run->n_places; pi++) {
		const struct bench_place *p = &run->places[pi];

		fputs(pi ? ",\n    {\"key\": " : "\n    {\"key\": ", f);
		json_cstring(f, p->key);
		fputs(", \"name\": ", f);
		json_cstring(f, p->name);
		if (p->cpu_a >= 0)
			fprintf(f, ", \"cpu_a\": %d, \"cpu_b\": %d", p->cpu_a, p->cpu_b);
		else
			fputs(", \"cpu_a\": null, \"cpu_b\": null", f);
		fputs(", \"floor_case\": ", f);
		if (run->floor_case[pi])
			json_cstring(f, run->floor_case[pi]);
		else
			fputs("null", f);
		json_num(f, "floor_p50_us", run->floor_ns[pi] / 1000, run->floor_ns[pi] > 0);
		fputc('}', f);
	}
	fputs("\n  ],\n  \"memcpy_mb_per_s\": ", f);
	json_number(f, run->memcpy_bytes_per_s / 1e6, run->memcpy_bytes_per_s > 0);
	fputs(",\n  \"cases\": [", f);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bench_result *r = &run->results[i];

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
		json_cstring(f, r->c->name);
		fputs(", \"kind\": ", f);
		json_cstring(f, bench_kind_name(r->c));
		fputs(", \"description\": ", f);
		json_cstring(f, r->c->what);
		if (r->c->kind == BENCH_FANOUT)
			fprintf(f, ", \"consumers\": %d", r->c->procs);
		else if (r->c->kind == BENCH_WRITERS)
			fprintf(f, ", \"producers\": %d", r->c->procs);
		fputs(", \"status\": ", f);
		json_cstring(f, bench_status_name(r->status));
		fputs(", \"reason\": ", f);
		if (r->status == ST_OK)
			fputs("null", f);
		else
			json_cstring(f, r->reason);
		fputs(",\n      \"results\": [", f);
		for (size_t j = 0; r->status == ST_OK && j < r->n_figs; j++) {
			if (j)
				fputc(',', f);
			json_figure(f, run, r->c->kind, &r->figs[j]);
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
			fprintf(f, "%s,%s,,,,,,%s,,,,,,,,,,,", r->c->name, bench_kind_name(r->c),
				bench_status_name(r->status));
			csv_text(f, r->reason);
			csv_machine(f, run);
			continue;
		}
		for (size_t j = 0; j < r->n_figs; j++) {
			const struct bench_figure *fg = &r->figs[j];
			const struct bench_place *p = &run->places[fg->place];
			bool ok = fg->status == ST_OK, lat = fg->test == TEST_LATENCY;
			double floor = run->floor_ns[fg->place];

			fprintf(f, "%s,%s,%s,", r->c->name, bench_kind_name(r->c), p->key);
			if (p->cpu_a >= 0)
				fprintf(f, "%d,%d,", p->cpu_a, p->cpu_b);
			else
				fputs(",,", f);
			fprintf(f, "%s,%zu,%s", lat ? "latency" : "throughput", fg->size,
				bench_status_name(fg->status));
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
