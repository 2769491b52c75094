/* SPDX-License-Identifier: MIT */
/*
 * Folding a table's line at TABLE_WIDTH columns (table.h). The cut comes after the last "; ",
 * ", " or '/', at the last blank, or before the last backslash that leaves at least half of the
 * line's room used, so that a clause, a path's directory, a word or an escape (\xHH) stays whole
 * where it can; a single long word is cut at the width itself, at a character's first byte.
 */
#include <string.h>

#include "table.h"

size_t table_columns(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* How many bytes of s go on a line that has room for fit bytes (fit < strlen). */
static size_t cut_at(const char *s, size_t fit)
{
	/* Before a backslash: an escape (\\xHH) stays whole. */
	static const char *const seps[] = { "; ", ", ", "/", " ", "\\" };

	for (size_t k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
		size_t sep = strlen(seps[k]);

		for (size_t i = fit; i-- > fit / 2;) {
			if (strncmp(s + i, seps[k], sep))
				continue;
			if (seps[k][0] == ' ' || seps[k][0] == '\\')
				return i; /* the blank goes; the backslash starts the next line */
			if (i + 1 <= fit)
				return i + 1; /* the mark stays on this line */
		}
	}
	while (fit > 1 && ((unsigned char)s[fit] & 0xC0) == 0x80)
		fit--;
	return fit;
}

void table_fold(FILE *out, const char *p, size_t len, size_t indent)
{
	size_t pad = 0;

	if (indent > TABLE_WIDTH - 40)
		indent = 2;
	while (pad + table_columns(p, len) > TABLE_WIDTH) {
		size_t fit = 0, cols = pad, cut, show;

		while (fit < len && cols < TABLE_WIDTH)
			cols += ((unsigned char)p[fit++] & 0xC0) != 0x80;
		while (fit < len && ((unsigned char)p[fit] & 0xC0) == 0x80)
			fit++; /* the rest of the last character */
		cut = cut_at(p, fit);
		if (cut == 0)
			cut = fit;
		show = cut;
		while (show > 0 && p[show - 1] == ' ')
			show--; /* no blank at the end of a line */
		fprintf(out, "%*s%.*s\n", (int)pad, "", (int)show, p);
		while (cut < len && p[cut] == ' ')
			cut++;
		p += cut;
		len -= cut;
		pad = indent;
	}
	fprintf(out, "%*s%.*s", (int)pad, "", (int)len, p);
}
