/* SPDX-License-Identifier: MIT */
/*
 * System V keys as people write them. Strict on purpose: strtoul() alone would take " 12",
 * "-1" (as a huge number) and "12abc", and a key read wrongly names someone else's object.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "internal.h"
#include "lipc/key.h"

/* A whole unsigned number in base 10, or 16 after "0x"; 0 or -1 (EINVAL). */
static int parse_number(const char *s, unsigned long max, unsigned long *out)
{
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoul() would skip blanks and take a sign: the first character must be a digit. */
	if (base == 16 ? !isxdigit((unsigned char)*s) : !isdigit((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	*out = strtoul(s, &end, base);
	if (*end || errno || *out > max) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int lipc_key_parse(const char *text, key_t *key)
{
	unsigned long v, proj = 1;

	if (text[0] == '@') {
		char path[PATH_MAX];
		const char *colon = strrchr(text, ':');
		size_t len = colon ? (size_t)(colon - text - 1) : strlen(text + 1);

		if (colon && parse_number(colon + 1, 255, &proj) < 0)
			return -1;
		if (len == 0 || proj == 0) {
			errno = EINVAL;
			return -1;
		}
		if (len >= sizeof(path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(path, text + 1, len);
		path[len] = '\0';
		*key = ftok(path, (int)proj);
		return *key == (key_t)-1 ? -1 : 0;
	}
	if (parse_number(text, 0xFFFFFFFFul, &v) < 0)
		return -1;
	if (v == 0) {
		errno = EINVAL; /* IPC_PRIVATE */
		return -1;
	}
	*key = (key_t)(unsigned)v;
	return 0;
}
