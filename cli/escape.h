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
 * As a JSON string, quotes included: control characters and NUL escaped, invalid UTF-8 as
 * \ufffd (JSON text must be Unicode), U+2028 and U+2029 escaped (they end a line in JavaScript).
 */
void escape_json(FILE *out, const char *s, size_t len);

#endif
