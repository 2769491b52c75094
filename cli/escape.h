/* SPDX-License-Identifier: MIT */
/*
 * Text that another user or process controls, made safe to print: a file or socket name, a
 * process's command name, a peer's words in an error message. Such text may hold any byte: a
 * newline that would forge a second table row or message line, an escape sequence that would
 * reprogram the terminal of whoever looks, bytes that are not UTF-8, and (in an abstract socket
 * name) even NUL. Every function takes the bytes with their length, so nothing is cut at a NUL.
 */
#ifndef LIPC_CLI_ESCAPE_H
#define LIPC_CLI_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * The terminal form: control characters (C0, DEL and the C1 controls, which some terminals
 * obey), NUL and invalid UTF-8 as \xHH, backslashes doubled, so that what is shown can be read
 * back unambiguously; valid UTF-8 as it is. In a new string; exits on ENOMEM.
 */
char *escape_text(const char *s, size_t len);
/* The terminal form, written to out (no allocation: for messages). */
void escape_put(FILE *out, const char *s, size_t len);
/* The columns a terminal form takes: its characters (wide ones are counted as one). */
size_t escape_width(const char *s);
/*
 * The length of the valid UTF-8 sequence at s (1 to 4, within left bytes), or 0 when s does not
 * start one: overlong forms, surrogates, code points above U+10FFFF and sequences cut short are
 * invalid (RFC 3629). json.c decodes with it too.
 */
size_t escape_utf8_len(const unsigned char *s, size_t left);

#endif
