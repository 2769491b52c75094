/* SPDX-License-Identifier: MIT */
/*
 * The libFuzzer entry points the harnesses define. Each harness is built twice: with clang's
 * -fsanitize=fuzzer for `make fuzz`, and with replay.c's main() in every build, where CTest runs
 * it over its corpus (tests/fuzz/corpus/NAME), so every seed and every crash once found stays a
 * regression test under gcc, the sanitizers and valgrind alike. A harness calls abort() when an
 * answer breaks the function's contract: an error is fine, a wrong answer or a crash is a bug.
 */
#ifndef LIPC_FUZZ_H
#define LIPC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with the file and line when cond is false, so the crash says which contract broke. */
#define FUZZ_ASSERT(cond) ((cond) ? (void)0 : fuzz_broken(__FILE__, __LINE__, #cond))
_Noreturn void fuzz_broken(const char *file, int line, const char *what);

#endif
