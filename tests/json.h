/* SPDX-License-Identifier: MIT */
/*
 * json.h: the tests' one JSON reader, for what lipc prints with --json (ls, bench). It is strict,
 * because a test that reads JSON checks the grammar as much as the values: RFC 8259's grammar
 * and nothing more (no trailing commas, no leading zeros, no hex, no NaN), strings without raw
 * control characters and with valid escapes (surrogates in pairs), raw bytes valid UTF-8, no
 * duplicate keys, one value and nothing after it. A document that breaks a rule fails the test
 * with where it broke. Strings are decoded (escapes resolved, UTF-8).
 */
#ifndef LIPC_TEST_JSON_H
#define LIPC_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum jtype {
	J_NULL,
	J_BOOL,
	J_NUM,
	J_STR,
	J_ARR,
	J_OBJ
};

struct jval {
	enum jtype t;
	bool b;		    /* J_BOOL */
	double num;	    /* J_NUM */
	bool integer;	    /* J_NUM written without a fraction or exponent, and fits num_int */
	long long num_int;  /* J_NUM, when integer */
	char *str;	    /* J_STR: decoded */
	struct jval *items; /* J_ARR, J_OBJ: the values, in order */
	char **keys;	    /* J_OBJ: their keys, decoded */
	size_t n;
};

/* Parse text, or fail the test. Free the result with json_free(). */
struct jval *json_parse(const char *text);
void json_free(struct jval *v);

/* The member key of object o (which must be an object), or a failure. */
const struct jval *jget(const struct jval *o, const char *key);
/* Member key of o, which must be a string / an integer; or a failure. */
const char *jstr(const struct jval *o, const char *key);
long long jnum(const struct jval *o, const char *key);
/* Is member key of o null? (It must be there.) */
bool jnull(const struct jval *o, const char *key);

#endif
