/* SPDX-License-Identifier: MIT */
/* lipc: every Linux IPC technique from one command. main() dispatches on the table below. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "send", cmd_send, "send messages to an address" },
	{ "recv", cmd_recv, "print the messages that arrive at an address" },
	{ "relay", cmd_relay, "send every message that arrives at one address to another" },
	{ "lock", cmd_lock, "run a command while holding a file lock, or show the locks" },
	{ "signal", cmd_signal, "send a signal to a process, or wait for signals" },
	{ "sem", cmd_sem, "create, post, wait on, read or remove a semaphore" },
	{ "shm", cmd_shm, "create, write, read and remove shared memory objects" },
	{ "ls", cmd_ls, "list every IPC object of the system, and who holds it" },
	{ "rm", cmd_rm, "remove IPC objects that their processes left behind" },
	{ "demo", cmd_demo, "show one technique live between real processes" },
	{ "tour", cmd_tour, "show every technique, in the guide's order" },
	{ "bench", cmd_bench, "measure every mechanism on this machine, the same way" },
};

static void help(void)
{
	printf("Usage: lipc COMMAND [ARGUMENTS]\n"
	       "Linux IPC techniques, live between real processes.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-8s %s\n", commands[i].name, commands[i].summary);
	printf("\nAddresses (send, recv, relay):\n"
	       "  fifo:PATH      a named pipe; created when missing, removed by its creator\n"
	       "  mq:/NAME       a POSIX message queue; created when missing, kept until removed\n"
	       "  sysv-mq:KEY    a System V message queue (KEY: decimal, 0x hex, or @PATH[:PROJ]\n"
	       "                 for ftok); created when missing, kept until removed\n"
	       "  shm:/NAME      the LinuxIPC shared-memory ring; created when missing (see\n"
	       "                 --capacity), kept until 'lipc rm shm:/NAME'; joins a ring of\n"
	       "                 any mode, and creates a point-to-point one (one sender, one\n"
	       "                 receiver)\n"
	       "  shm-multi:/NAME  a ring that many senders write into, for one receiver\n"
	       "  shm-pub:/NAME  a ring one sender publishes to: every receiver attached gets\n"
	       "                 every message (the sender waits for the slowest)\n"
	       "  shm-lossy:/NAME  shm-pub:, but the sender never waits: a receiver that falls\n"
	       "                 behind loses the oldest messages, and says how many\n"
	       "  unix:PATH      a Unix stream socket: recv listens, send connects; unix:@NAME\n"
	       "                 is abstract (no file)\n"
	       "  unix-dgram:PATH, unix-seqpacket:PATH  datagram and seqpacket sockets\n"
	       "  tcp:HOST:PORT  TCP; HOST may be [IPV6]; tcp::PORT is loopback\n"
	       "  stdio:         standard input (recv, relay FROM) or output (send, relay TO)\n"
	       "\nRun 'lipc COMMAND --help' for the options of a command.\n"
	       "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

/* A full disk or a closed descriptor behind standard output must not pass for success. */
static void close_stdout(void)
{
	if (stdout_failed)
		return; /* already said, and the status already says it */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno != EPIPE)
			fprintf(stderr, "lipc: write error: %s\n", strerror(errno));
		_exit(EXIT_FAILURE);
	}
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	atexit(close_stdout);
	if (!name)
		usage_error("missing command");
	if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
		help();
		return EXIT_SUCCESS;
	}
	if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
		printf("lipc %s\n", LIPC_VERSION);
		return EXIT_SUCCESS;
	}
	if (name[0] == '-')
		usage_error("unknown option '%s'", name);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(name, commands[i].name)) {
			cli_cmd = commands[i].name;
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	usage_error("'%s' is not a lipc command", name);
}
