/* SPDX-License-Identifier: MIT */
/*
 * The lipc command's number parsers (their cores, which never exit): a value they accept is in
 * range and is what the text says, and what they refuse comes with a reason. The first byte
 * picks the parser and its limits, the rest is the text.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static bool all_digits(const char *s, const char *digits)
{
	return *s && strspn(s, digits) == strlen(s);
}

static void refused(const char *why)
{
	FUZZ_ASSERT(why[0] != '\0' && strlen(why) < 96);
}

static void fuzz_long(const char *s, unsigned pick, bool sign)
{
	static const long limits[][2] = {
		{ 0, LONG_MAX }, { 1, LONG_MAX },	  { 0, INT_MAX },
		{ 1, 10 },	 { -LONG_MAX, LONG_MAX },
	};
	long min = limits[pick % 5][0], max = limits[pick % 5][1], v;
	char why[96] = "";
	int r = sign ? try_signed(s, min, max, &v, why, sizeof(why))
		     : try_long(s, min, max, &v, why, sizeof(why));

	if (r < 0) {
		refused(why);
		return;
	}
	FUZZ_ASSERT(r == 0 && v >= min && v <= max);
	FUZZ_ASSERT(all_digits(s[0] == '-' && sign ? s + 1 : s, "0123456789"));
	FUZZ_ASSERT(v == strtol(s, NULL, 10));
}

static void fuzz_seconds(const char *s)
{
	char why[96] = "";
	const char *dot = strchr(s, '.');
	long whole = 0, frac = 0;
	int ms;

	if (try_seconds(s, &ms, why, sizeof(why)) < 0) {
		refused(why);
		return;
	}
	FUZZ_ASSERT(ms >= 0 && ms <= 7 * 24 * 3600 * 1000);
	/* DIGITS or DIGITS.DIGITS; the value is the whole seconds and the first three decimals. */
	for (const char *p = s; p != dot && *p; p++) {
		FUZZ_ASSERT(*p >= '0' && *p <= '9');
		whole = whole * 10 + (*p - '0');
		FUZZ_ASSERT(whole <= 7 * 24 * 3600);
	}
	if (dot) {
		size_t decimals = strlen(dot + 1);

		FUZZ_ASSERT(dot != s && all_digits(dot + 1, "0123456789"));
		for (size_t i = 0; i < 3; i++)
			frac = frac * 10 + (i < decimals ? dot[1 + i] - '0' : 0);
	}
	FUZZ_ASSERT(ms == whole * 1000 + frac);
}

static void fuzz_size(const char *s, unsigned pick)
{
	static const size_t mins[] = { 0, 1, 4096 };
	size_t min = mins[pick % 3], v, len = strlen(s);
	uint64_t want = 0, unit = 1;
	char why[96] = "";

	if (try_size(s, min, &v, why, sizeof(why)) < 0) {
		refused(why);
		return;
	}
	if (len && strchr("kKmMgG", s[len - 1])) {
		unit = (uint64_t)1 << (s[len - 1] == 'k' || s[len - 1] == 'K'	? 10
				       : s[len - 1] == 'm' || s[len - 1] == 'M' ? 20
										: 30);
		len--;
	}
	FUZZ_ASSERT(len > 0);
	for (size_t i = 0; i < len; i++) {
		FUZZ_ASSERT(s[i] >= '0' && s[i] <= '9');
		FUZZ_ASSERT(!__builtin_mul_overflow(want, 10, &want));
		FUZZ_ASSERT(!__builtin_add_overflow(want, (uint64_t)(s[i] - '0'), &want));
	}
	FUZZ_ASSERT(!__builtin_mul_overflow(want, unit, &want));
	FUZZ_ASSERT(want <= (uint64_t)INT64_MAX && want == v && v >= min);
}

static void fuzz_mode(const char *s)
{
	char why[96] = "";
	mode_t m;

	if (try_mode(s, &m, why, sizeof(why)) < 0) {
		refused(why);
		return;
	}
	FUZZ_ASSERT(all_digits(s, "01234567") && m <= 07777);
	FUZZ_ASSERT((long)m == strtol(s, NULL, 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[128];
	unsigned pick;

	if (size == 0)
		return 0;
	pick = data[0];
	size--;
	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data + 1, size);
	text[size] = '\0';
	switch (pick % 5) {
	case 0:
		fuzz_long(text, pick / 5, false);
		break;
	case 1:
		fuzz_long(text, pick / 5, true);
		break;
	case 2:
		fuzz_seconds(text);
		break;
	case 3:
		fuzz_size(text, pick / 5);
		break;
	default:
		fuzz_mode(text);
		break;
	}
	return 0;
}
