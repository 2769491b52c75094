/* SPDX-License-Identifier: MIT */
/*
 * Text from the system, made safe to print (escape.h says what each form keeps). One rule for
 * every command: lipc ls's table, lipc lock --status, and every message that goes through
 * warn_msg(), fail() and usage_error(); JSON's strings (json.c) decode with the same UTF-8 rule.
 * The trap is the length: a name is bytes, not a C string (an abstract socket name may hold NULs),
 * and a UTF-8 sequence cut by the end of the bytes is invalid, so the decoder never looks past len.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"

size_t escape_utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return left >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

		return left >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

		return left >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
				       (s[3] & 0xC0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

/*
 * The terminal form of the character at s (of left bytes) into w, which has room for 16 bytes:
 * how many bytes it wrote. *used says how many of s it took.
 */
static size_t escape_one(const unsigned char *s, size_t left, char *w, size_t *used)
{
	size_t n = escape_utf8_len(s, left), len = 0;
	/* C1 controls (U+0080 to U+009F) are C2 80 to C2 9F in UTF-8. */
	bool control = n == 0 || *s < 0x20 || *s == 0x7F || (n == 2 && s[0] == 0xC2 && s[1] < 0xA0);

	if (*s == '\\') {
		memcpy(w, "\\\\", 2);
		*used = 1;
		return 2;
	}
	if (!control) {
		memcpy(w, s, n);
		*used = n;
		return n;
	}
	*used = n ? n : 1;
	for (size_t i = 0; i < *used; i++)
		len += (size_t)snprintf(w + len, 16 - len, "\\x%02x", s[i]);
	return len;
}

char *escape_text(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len;
	char *buf = malloc(4 * len + 1), *w = buf; /* at worst each byte becomes \xHH */
	size_t used;

	if (!buf)
		fail("%s", strerror(ENOMEM));
	while (s < end) {
		w += escape_one(s, (size_t)(end - s), w, &used);
		s += used;
	}
	*w = '\0';
	return buf;
}

void escape_put(FILE *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len;
	char piece[16];
	size_t used;

	while (s < end) {
		fwrite(piece, 1, escape_one(s, (size_t)(end - s), piece, &used), out);
		s += used;
	}
}

size_t escape_width(const char *text)
{
	size_t width = 0;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++)
		width += (*s & 0xC0) != 0x80; /* count the first byte of each character */
	return width;
}
