/* SPDX-License-Identifier: MIT */
/*
 * lipc tour: every demo in the order of the guide, each under a rule, and then what each
 * technique costs on this machine (a quick lipc bench, round trips of 64 bytes); or, with
 * --clean, the removal of what killed runs left. The runs themselves are cmd_demo.c's: each
 * demo in a runner of its own, killed whole and cleaned up when a signal stops the tour.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "demo.h"

int cmd_tour(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "technique", required_argument, NULL, OPT_TECHNIQUE },
		{ "color", optional_argument, NULL, OPT_COLOR },
		{ "clean", no_argument, NULL, OPT_CLEAN },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct demo *chosen[64];
	size_t n = 0;
	const char *when = NULL;
	struct timespec start, end;
	bool tour_all, clean = false;
	char help[2048];
	int failed = 0, opt, stop = 0;

	snprintf(help, sizeof(help),
		 "Usage: lipc tour [--technique NAME]... [--color[=WHEN]]\n"
		 "       lipc tour --clean\n"
		 "Show every technique live between real processes, in the order of the guide,\n"
		 "each narrated step by step and closed by a one-line takeaway.\n"
		 "\nOptions:\n"
		 "      --technique NAME  show only NAME (repeat it for several), one of:\n"
		 "                        %s\n" COLOR_HELP
		 "      --clean           show nothing: remove what a demo or tour of yours that\n"
		 "                        was killed (SIGKILL) left behind, and say what\n"
		 "\nThe whole tour ends with a table of round trips measured here (a quick\n"
		 "'lipc bench'); it takes a few seconds and leaves nothing behind, also when\n"
		 "stopped by SIGINT, SIGTERM or SIGHUP. What a run makes carries the pid of its\n"
		 "lipc: the directory $TMPDIR/lipc-demo-PID-XXXXXX (or under /tmp) with its lock\n"
		 "file, FIFO and socket, the POSIX semaphore and queue /lipc-demo-PID, and the\n"
		 "System V semaphore set and queue of key 0x6c000000 + PID. --clean removes\n"
		 "them for every run of yours whose lipc is dead, and nothing of a live run or of\n"
		 "another user.\n"
		 "Exit status: 0 shown (or cleaned), 1 failed, 2 usage error.\n",
		 demo_names());
	while ((opt = next_option(argc, argv, "", longopts, help)) != -1) {
		if (opt == OPT_COLOR) {
			when = optarg ? optarg : "always";
		} else if (opt == OPT_CLEAN) {
			clean = true;
		} else if (opt == OPT_TECHNIQUE) {
			chosen[n] = demo_find(optarg);
			if (!chosen[n])
				usage_error("tour: unknown technique '%s' (one of: %s)", optarg,
					    demo_names());
			if (n + 1 < sizeof(chosen) / sizeof(chosen[0]))
				n++;
		}
	}
	if (optind < argc)
		usage_error("tour: unexpected argument '%s'", argv[optind]);
	if (clean && (n || when))
		usage_error("tour: --clean takes no other option");
	if (clean)
		return demo_clean_all();
	tour_all = n == 0;
	if (n == 0)
		for (; n < demo_count; n++)
			chosen[n] = &demo_list[n];
	demo_set_color(when);
	clock_gettime(CLOCK_MONOTONIC, &start);
	demo_outf(demo_color ? BOLD
			  "LinuxIPC tour: %zu technique%s, each between real processes." RESET "\n"
			     : "LinuxIPC tour: %zu technique%s, each between real processes.\n",
		  n, n == 1 ? "" : "s");
	if (demo_start_run("tour"))
		return EXIT_FAILURE;
	for (size_t i = 0; i < n && !stop && !demo_write_failed(); i++) {
		char rule[72], heading[96];
		int len = snprintf(rule, sizeof(rule), "-- %zu/%zu ", i + 1, n);

		/* "-- 3/8 -----...": a rule as wide as the usual narration line. */
		memset(rule + len, '-', sizeof(rule) - 1 - (size_t)len);
		rule[sizeof(rule) - 1] = '\0';
		snprintf(heading, sizeof(heading), "%s%s%s\n", demo_color ? CYAN : "", rule,
			 demo_color ? RESET : "");
		failed |= demo_supervise(chosen[i], heading, &stop);
	}
	demo_end_run(stop);
	/*
	 * The whole tour ends with what each technique costs here: a quick lipc bench, round trips
	 * of 64 bytes only, a few hundredths of a second a case.
	 */
	if (tour_all && !demo_write_failed()) {
		/* getopt permutes argv, so the array is writable; the strings are never written. */
		static char arg0[] = "bench", arg1[] = "--round-trips", arg2[] = "--only",
			    arg3[] =
				    "pipe,fifo,unix,tcp,mq,sysv-mq,shm,shm-spin,ofd-lock,posix-sem,"
				    "signalfd",
			    arg4[] = "--sizes", arg5[] = "64", arg6[] = "--duration",
			    arg7[] = "0.03";
		char *bench[] = { arg0, arg1, arg2, arg3, arg4, arg5, arg6, arg7, NULL };

		demo_outf("\n%sWhat each costs on this machine: a quick 'lipc bench' (round trips "
			  "of 64 "
			  "bytes; 'lipc bench' measures more)%s\n\n",
			  demo_color ? BOLD : "", demo_color ? RESET : "");
		fflush(stdout);
		optind = 0; /* getopt starts afresh for the command */
		failed |= cmd_bench((int)(sizeof(bench) / sizeof(bench[0])) - 1, bench) != 0;
		fflush(stdout);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (!demo_write_failed())
		demo_outf("\nThe end: %zu technique%s in %.1f s%s. 'lipc demo NAME' shows one "
			  "again;\n"
			  "the guide (README.md) explains each, and 'lipc ls' shows what programs "
			  "leave.\n",
			  n, n == 1 ? "" : "s",
			  (double)(end.tv_sec - start.tv_sec) +
				  (double)(end.tv_nsec - start.tv_nsec) / 1e9,
			  failed ? ", with failures" : "");
	return demo_finish(failed);
}
