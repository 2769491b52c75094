/* SPDX-License-Identifier: MIT */
/*
 * The signal parser and namer: whatever the text, lipc_signal_parse() gives a signal from 0 to
 * SIGRTMAX or -1 with EINVAL, and a signal it gives is named by lipc_signal_name() in a name
 * that parses back to the same signal.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "fuzz.h"
#include "lipc/signal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void round_trip(int sig)
{
	char name[LIPC_SIGNAL_NAME_MAX + 8];

	memset(name, 'x', sizeof(name));
	errno = 0;
	if (!lipc_signal_name(sig, name)) {
		FUZZ_ASSERT(errno == EINVAL && (sig < 0 || sig > SIGRTMAX));
		return;
	}
	FUZZ_ASSERT(sig >= 0 && sig <= SIGRTMAX);
	FUZZ_ASSERT(memchr(name, '\0', LIPC_SIGNAL_NAME_MAX) != NULL);
	FUZZ_ASSERT(lipc_signal_parse(name) == sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	int sig, code = 0;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';

	errno = 0;
	sig = lipc_signal_parse(text);
	if (sig == -1) {
		FUZZ_ASSERT(errno == EINVAL);
	} else {
		FUZZ_ASSERT(sig >= 0 && sig <= SIGRTMAX);
		round_trip(sig);
	}
	/* The raw bytes as numbers, for the namers. */
	if (size >= 4)
		memcpy(&code, data, sizeof(code));
	round_trip(code);
	round_trip(size ? data[0] : 0);
	(void)lipc_signal_code_name(size ? data[0] % 70 : 0, code);
	(void)lipc_signal_code_name(SIGCHLD, code);
	return 0;
}
