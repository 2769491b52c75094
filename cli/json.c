/* SPDX-License-Identifier: MIT */
/*
 * JSON output for every command (json.h says what each call writes). Strings are bytes with a
 * length, not C strings, because an abstract socket name may hold NULs; a UTF-8 sequence cut by
 * the end of the bytes is invalid, so the decoder (escape.c's) never looks past len.
 */
#include <math.h>
#include <string.h>

#include "escape.h"
#include "json.h"

void json_string(FILE *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len;

	putc('"', out);
	while (s < end) {
		size_t n = escape_utf8_len(s, (size_t)(end - s));

		if (n == 0) {
			fputs("\\ufffd", out);
			s++;
		} else if (*s == '"' || *s == '\\') {
			fprintf(out, "\\%c", *s++);
		} else if (*s == '\n') {
			fputs("\\n", out);
			s++;
		} else if (*s == '\t') {
			fputs("\\t", out);
			s++;
		} else if (*s < 0x20 || *s == 0x7F) {
			fprintf(out, "\\u%04x", *s++);
		} else if (n == 3 && s[0] == 0xE2 && s[1] == 0x80 &&
			   (s[2] == 0xA8 || s[2] == 0xA9)) {
			/* U+2028 and U+2029 are valid JSON but end a line in JavaScript. */
			fprintf(out, "\\u%04x", s[2] == 0xA8 ? 0x2028 : 0x2029);
			s += n;
		} else {
			fwrite(s, 1, n, out);
			s += n;
		}
	}
	putc('"', out);
}

void json_cstring(FILE *out, const char *s)
{
	json_string(out, s, strlen(s));
}

void json_number(FILE *out, double v, bool have)
{
	if (have && isfinite(v))
		fprintf(out, "%.6g", v);
	else
		fputs("null", out);
}
