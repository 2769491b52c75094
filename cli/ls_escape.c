/*
 * Text from the system, made safe to print. A file name, a socket path or a process's command
 * name may hold any byte but NUL: a newline that would break a JSON document or a table row,
 * an escape sequence that would reprogram the terminal, bytes that are not UTF-8. JSON gets
 * every control character escaped and each invalid byte replaced by U+FFFD (JSON text must be
 * Unicode); the terminal gets control characters (C0, DEL and the C1 controls, which some
 * terminals obey) and invalid bytes as \xHH, and backslashes doubled, so that what it shows can
 * be read back unambiguously.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ls_object.h"

/*
 * The length of the valid UTF-8 sequence at s (1 to 4), or 0 when s does not start one:
 * overlong forms, surrogates and code points above U+10FFFF are invalid (RFC 3629).
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

void ls_put_json_string(FILE *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	putc('"', out);
	while (*s) {
		size_t n = utf8_len(s);

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

char *ls_terminal_text(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	char *buf = malloc(4 * strlen(text) + 1), *w = buf; /* at worst each byte becomes \xHH */

	if (!buf)
		fail("%s", strerror(ENOMEM));
	while (*s) {
		size_t n = utf8_len(s);
		/* C1 controls (U+0080 to U+009F) are C2 80 to C2 9F in UTF-8. */
		bool control = n == 0 || *s < 0x20 || *s == 0x7F ||
			       (n == 2 && s[0] == 0xC2 && s[1] < 0xA0);

		if (*s == '\\') {
			*w++ = '\\';
			*w++ = '\\';
			s++;
		} else if (control) {
			for (size_t i = 0; i < (n ? n : 1); i++)
				w += sprintf(w, "\\x%02x", *s++);
		} else {
			memcpy(w, s, n);
			w += n;
			s += n;
		}
	}
	*w = '\0';
	return buf;
}

size_t ls_text_width(const char *text)
{
	size_t width = 0;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++)
		width += (*s & 0xC0) != 0x80; /* count the first byte of each character */
	return width;
}
