/* SPDX-License-Identifier: MIT */
/* What every harness shares: the report of a broken contract. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void fuzz_broken(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: contract broken: %s\n", file, line, what);
	abort();
}
