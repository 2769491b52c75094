/* SPDX-License-Identifier: MIT */
/*
 * JSON output, one writer for every command that prints it (lipc ls --json, lipc bench --json).
 * The trap is the text: a name, a peer's words or a CPU's model string may hold any byte, and
 * JSON text must be Unicode. Every string goes through json_string(), which escapes what JSON
 * requires and turns invalid UTF-8 into U+FFFD, so that a reader's parser never fails on it.
 */
#ifndef LIPC_CLI_JSON_H
#define LIPC_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * A JSON string, quotes included: control characters and NUL escaped, invalid UTF-8 as
 * \ufffd, U+2028 and U+2029 escaped (valid JSON, but they end a line in JavaScript). s holds
 * len bytes, which may include NUL.
 */
void json_string(FILE *out, const char *s, size_t len);
/* The same for a C string. */
void json_cstring(FILE *out, const char *s);
/* A number (six significant digits), or null when there is none: JSON has no NaN or infinity. */
void json_number(FILE *out, double v, bool have);

#endif
