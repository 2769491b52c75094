/* SPDX-License-Identifier: MIT */
/* System V keys: numbers, hexadecimal, ftok paths, and what is refused. */
#include <sys/ipc.h>

#include "check.h"
#include "lipc/key.h"

static void numbers(void)
{
	key_t k;

	CHECK_SYS(lipc_key_parse("1234", &k));
	CHECK_EQ(k, 1234);
	CHECK_SYS(lipc_key_parse("0x4d2", &k));
	CHECK_EQ(k, 1234);
	CHECK_SYS(lipc_key_parse("0XFFFFFFFF", &k));
	CHECK_EQ(k, (key_t)0xFFFFFFFFu);
	CHECK_SYS(lipc_key_parse("4294967295", &k));
	CHECK_EQ(k, (key_t)0xFFFFFFFFu);
}

static void junk_is_refused(void)
{
	static const char *const bad[] = { "",	      "0",	    "0x0",	   "-1",  " 12",
					   "12 ",     "12abc",	    "0x",	   "0xg", "1e3",
					   "+5",      "4294967296", "0x100000000", "@",	  "@:3",
					   "@/tmp:0", "@/tmp:256",  "@/tmp:x" };
	key_t k;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (lipc_key_parse(bad[i], &k) != -1 || errno != EINVAL)
			check_fail(__FILE__, __LINE__, "\"%s\" was not refused with EINVAL (%s)",
				   bad[i], check_errname(errno));
	}
}

static void ftok_paths(void)
{
	key_t k;

	CHECK_SYS(lipc_key_parse("@/tmp", &k));
	CHECK_EQ(k, ftok("/tmp", 1));
	CHECK_SYS(lipc_key_parse("@/tmp:66", &k));
	CHECK_EQ(k, ftok("/tmp", 66));
	CHECK_SYS(lipc_key_parse("@/tmp:0x42", &k));
	CHECK_EQ(k, ftok("/tmp", 66));
	CHECK_ERR(lipc_key_parse("@/no/such/path", &k), ENOENT);
}

CHECK_MAIN(TEST(numbers), TEST(junk_is_refused), TEST(ftok_paths))
