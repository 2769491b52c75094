/* SPDX-License-Identifier: MIT */
/*
 * The tests' XML check (xml.h): one pass over the text with a stack of open elements. Not a
 * parser: it proves well-formedness of the subset lipc writes (a declaration, elements,
 * attributes, text, the five named entities and numeric ones), and refuses what a careless
 * writer produces: a name with a raw & or < copied into text or an attribute, an element closed
 * by another's name, a second root.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xml.h"

/* Past the entity at p (at its '&'), or NULL when it is none. */
static const char *xml_entity(const char *p)
{
	static const char *const ok[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strncmp(p, ok[i], strlen(ok[i])))
			return p + strlen(ok[i]);
	if (p[1] == '#') {
		const char *q = p + 2 + (p[2] == 'x');

		while (isxdigit((unsigned char)*q))
			q++;
		if (*q == ';' && q > p + 2)
			return q + 1;
	}
	return NULL;
}

static bool xml_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == ':' || c == '.';
}

_Noreturn static void xml_fail(const char *text, const char *p, const char *why)
{
	check_fail(__FILE__, __LINE__, "XML: %s at byte %zu: \"%.40s\"", why, (size_t)(p - text),
		   p);
}

const char *xml_check(const char *text)
{
	static char root[64];
	char stack[64][64];
	int depth = 0, roots = 0;
	const char *p = text;

	if (!strncmp(p, "<?xml", 5)) {
		p = strstr(p, "?>");
		if (!p)
			xml_fail(text, text, "a declaration that never ends");
		p += 2;
	}
	while (*p) {
		if (*p == '&') {
			if (!xml_entity(p))
				xml_fail(text, p, "a bare &");
			p = xml_entity(p);
			continue;
		}
		if (*p != '<') {
			if (depth == 0 && !isspace((unsigned char)*p))
				xml_fail(text, p, "text outside the root");
			p++;
			continue;
		}
		if (p[1] == '/') {
			size_t len = strcspn(p + 2, ">");

			if (depth == 0)
				xml_fail(text, p, "a closing tag with nothing open");
			depth--;
			if (strlen(stack[depth]) != len || strncmp(p + 2, stack[depth], len))
				check_fail(__FILE__, __LINE__,
					   "XML: <%s> closed by </%.*s> at byte %zu", stack[depth],
					   (int)(len < 64 ? len : 64), p + 2, (size_t)(p - text));
			if (!p[2 + len])
				xml_fail(text, p, "a closing tag that never ends");
			p += 2 + len + 1;
			continue;
		}
		/* An element: its name, attributes name="value", then > or />. */
		const char *name = ++p;

		while (xml_name_char(*p))
			p++;
		if (p == name || p - name >= 64)
			xml_fail(text, name, "an element without a name, or with a long one");
		if (depth >= 64)
			xml_fail(text, name, "elements nested 64 deep");
		if (depth == 0) {
			roots++;
			snprintf(root, sizeof(root), "%.*s", (int)(p - name), name);
		}
		snprintf(stack[depth], sizeof(stack[depth]), "%.*s", (int)(p - name), name);
		for (;;) {
			while (isspace((unsigned char)*p))
				p++;
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			const char *attr = p;

			while (xml_name_char(*p))
				p++;
			if (p == attr || *p != '=' || p[1] != '"')
				xml_fail(text, attr, "a bad attribute");
			for (p += 2; *p != '"';) {
				if (!*p || *p == '<')
					xml_fail(text, attr, "an attribute that never ends");
				if (*p != '&') {
					p++;
					continue;
				}
				if (!xml_entity(p))
					xml_fail(text, p, "a bare & in an attribute");
				p = xml_entity(p);
			}
			p++;
		}
		if (*p == '/') {
			p += 2;
		} else {
			p++;
			depth++;
		}
	}
	if (depth != 0)
		xml_fail(text, p, "elements left open at the end");
	if (roots != 1)
		xml_fail(text, text, roots ? "more than one root element" : "no root element");
	return root;
}
