/* SPDX-License-Identifier: MIT */
/*
 * The tests' JSON reader (json.h): a recursive descent over RFC 8259, failing the test at the
 * first byte that breaks the grammar. The traps it guards against are the ones a JSON writer
 * falls into: raw control bytes or invalid UTF-8 copied from a name into a string, a lone
 * surrogate from a bad \u escape, a key written twice, a number C prints and JSON does not have
 * (nan, inf, 1., 0x10, 007).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

struct jparser {
	const char *text, *p;
};

_Noreturn static void jfail(const struct jparser *jp, const char *why)
{
	check_fail(__FILE__, __LINE__, "JSON: %s at byte %zu: \"%.40s\"", why,
		   (size_t)(jp->p - jp->text), jp->p);
}

static void jspace(struct jparser *jp)
{
	while (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\t' || *jp->p == '\r')
		jp->p++;
}

static void jexpect(struct jparser *jp, char c)
{
	char why[32];

	jspace(jp);
	if (*jp->p != c) {
		snprintf(why, sizeof(why), "expected '%c'", c);
		jfail(jp, why);
	}
	jp->p++;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static char *put_utf8(char *w, unsigned long cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xC0 | cp >> 6);
		*w++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xE0 | cp >> 12);
		*w++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*w++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*w++ = (char)(0xF0 | cp >> 18);
		*w++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*w++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*w++ = (char)(0x80 | (cp & 0x3F));
	}
	return w;
}

/* The four hex digits of a \u escape at jp->p (past the "\u"). */
static unsigned long hex4(struct jparser *jp)
{
	unsigned long v = 0;

	for (int i = 0; i < 4; i++) {
		char c = jp->p[i];

		if (!(digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			jfail(jp, "a bad \\u escape");
		v = v * 16 + (unsigned long)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	jp->p += 4;
	return v;
}

/*
 * The length of the UTF-8 sequence at p, or 0 when it is not one: no overlong forms, no
 * surrogates, nothing above U+10FFFF (RFC 3629's table).
 */
static int utf8_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	int len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* A string, decoded; jp->p is at its opening quote. */
static char *jstring(struct jparser *jp)
{
	const char *end;
	char *s, *w;

	jexpect(jp, '"');
	end = jp->p;
	/* Its raw length bounds the decoded one: every escape is longer than what it stands for. */
	while (*end && *end != '"')
		end += *end == '\\' && end[1] ? 2 : 1;
	s = w = malloc((size_t)(end - jp->p) + 1);
	CHECK(s != NULL);
	while (*jp->p != '"') {
		unsigned char c = (unsigned char)*jp->p;
		unsigned long cp;
		int len;

		if (c == '\0')
			jfail(jp, "a string that never ends");
		if (c < 0x20)
			jfail(jp, "a raw control character in a string");
		if (c != '\\') {
			/* Raw bytes must be UTF-8: JSON text is Unicode. */
			len = utf8_len((const unsigned char *)jp->p);
			if (!len)
				jfail(jp, "a string that is not UTF-8");
			memcpy(w, jp->p, (size_t)len);
			w += len;
			jp->p += len;
			continue;
		}
		jp->p++;
		switch (*jp->p++) {
		case '"':
			*w++ = '"';
			break;
		case '\\':
			*w++ = '\\';
			break;
		case '/':
			*w++ = '/';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'u':
			cp = hex4(jp);
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				unsigned long lo;

				if (jp->p[0] != '\\' || jp->p[1] != 'u')
					jfail(jp, "a high surrogate without its low one");
				jp->p += 2;
				lo = hex4(jp);
				if (lo < 0xDC00 || lo > 0xDFFF)
					jfail(jp, "a high surrogate without its low one");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				jfail(jp, "a lone low surrogate");
			}
			w = put_utf8(w, cp);
			break;
		default:
			jp->p--;
			jfail(jp, "a bad escape");
		}
	}
	jp->p++;
	*w = '\0';
	return s;
}

/* A number: an optional minus, digits without a leading zero, a fraction, an exponent. */
static void jnumber(struct jparser *jp, struct jval *v)
{
	const char *start = jp->p, *q = jp->p;
	bool integer = true;
	char *end;

	if (*q == '-')
		q++;
	if (!digit(*q))
		jfail(jp, "not a value");
	if (q[0] == '0' && digit(q[1]))
		jfail(jp, "a number with a leading zero");
	while (digit(*q))
		q++;
	if (*q == '.') {
		integer = false;
		if (!digit(*++q))
			jfail(jp, "a fraction without digits");
		while (digit(*q))
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		integer = false;
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!digit(*q))
			jfail(jp, "an exponent without digits");
		while (digit(*q))
			q++;
	}
	v->t = J_NUM;
	v->num = strtod(start, &end);
	if (end != q)
		jfail(jp, "a number strtod reads otherwise");
	if (integer) {
		errno = 0;
		v->num_int = strtoll(start, &end, 10);
		v->integer = errno == 0 && end == q;
	}
	jp->p = q;
}

static void jvalue(struct jparser *jp, struct jval *v);

/* An array or an object; jp->p is at its opening bracket. */
static void jlist(struct jparser *jp, struct jval *v, bool object)
{
	const char close = object ? '}' : ']';
	size_t cap = 0;

	jp->p++;
	jspace(jp);
	if (*jp->p == close) {
		jp->p++;
		return;
	}
	for (;;) {
		if (v->n == cap) {
			cap = cap ? 2 * cap : 8;
			v->items = realloc(v->items, cap * sizeof(*v->items));
			CHECK(v->items != NULL);
			if (object) {
				v->keys = realloc(v->keys, cap * sizeof(*v->keys));
				CHECK(v->keys != NULL);
			}
		}
		if (object) {
			jspace(jp);
			if (*jp->p != '"')
				jfail(jp, "a key that is not a string");
			v->keys[v->n] = jstring(jp);
			for (size_t i = 0; i < v->n; i++)
				if (!strcmp(v->keys[i], v->keys[v->n]))
					jfail(jp, "a key written twice");
			jexpect(jp, ':');
		}
		jvalue(jp, &v->items[v->n]);
		v->n++;
		jspace(jp);
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p != close)
			jfail(jp, object ? "expected ',' or '}'" : "expected ',' or ']'");
		jp->p++;
		return;
	}
}

static void jvalue(struct jparser *jp, struct jval *v)
{
	memset(v, 0, sizeof(*v));
	jspace(jp);
	if (*jp->p == '{') {
		v->t = J_OBJ;
		jlist(jp, v, true);
	} else if (*jp->p == '[') {
		v->t = J_ARR;
		jlist(jp, v, false);
	} else if (*jp->p == '"') {
		v->t = J_STR;
		v->str = jstring(jp);
	} else if (!strncmp(jp->p, "null", 4)) {
		v->t = J_NULL;
		jp->p += 4;
	} else if (!strncmp(jp->p, "true", 4)) {
		v->t = J_BOOL;
		v->b = true;
		jp->p += 4;
	} else if (!strncmp(jp->p, "false", 5)) {
		v->t = J_BOOL;
		jp->p += 5;
	} else {
		jnumber(jp, v);
	}
}

struct jval *json_parse(const char *text)
{
	struct jparser jp = { .text = text, .p = text };
	struct jval *v = calloc(1, sizeof(*v));

	CHECK(v != NULL);
	jvalue(&jp, v);
	jspace(&jp);
	if (*jp.p)
		jfail(&jp, "something after the value");
	return v;
}

static void free_value(struct jval *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free_value(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

void json_free(struct jval *v)
{
	if (v)
		free_value(v);
	free(v);
}

const struct jval *jget(const struct jval *o, const char *key)
{
	if (o->t != J_OBJ)
		check_fail(__FILE__, __LINE__, "JSON: looking for \"%s\" in what is no object",
			   key);
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return &o->items[i];
	check_fail(__FILE__, __LINE__, "JSON: no field \"%s\"", key);
}

const char *jstr(const struct jval *o, const char *key)
{
	const struct jval *v = jget(o, key);

	if (v->t != J_STR)
		check_fail(__FILE__, __LINE__, "JSON: \"%s\" is not a string", key);
	return v->str;
}

long long jnum(const struct jval *o, const char *key)
{
	const struct jval *v = jget(o, key);

	if (v->t != J_NUM || !v->integer)
		check_fail(__FILE__, __LINE__, "JSON: \"%s\" is not an integer", key);
	return v->num_int;
}

bool jnull(const struct jval *o, const char *key)
{
	return jget(o, key)->t == J_NULL;
}
