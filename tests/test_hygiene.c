/* SPDX-License-Identifier: MIT */
/*
 * The tree's hygiene: the project is under the MIT licence (LICENSE), and every source file says
 * so in an SPDX line among its first three lines, so that a file copied alone (an example, above
 * all) keeps its licence.
 */
#include <ftw.h>
#include <limits.h>

#include "check.h"

static int missing;

/* Is this file one of ours that must carry the line? Sources, headers, build and shell files. */
static bool is_source(const char *path)
{
	static const char *const ends[] = { ".c", ".h", ".bash", ".cmake", ".in", ".map", ".1" };
	const char *base = strrchr(path, '/') + 1;
	size_t len = strlen(base);

	if (!strcmp(base, "CMakeLists.txt") || !strcmp(base, "Makefile"))
		return true;
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		if (len > strlen(ends[i]) && !strcmp(base + len - strlen(ends[i]), ends[i]))
			return true;
	return false;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char head[512];
	FILE *f;
	size_t n;

	(void)st;
	(void)ftw;
	if (type != FTW_F || !is_source(path))
		return 0;
	f = fopen(path, "r");
	CHECK(f != NULL);
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	for (int lines = 0, i = 0; head[i]; i++)
		if (head[i] == '\n' && ++lines == 3)
			head[i] = '\0';
	if (!strstr(head, "SPDX-License-Identifier: MIT")) {
		fprintf(stderr, "%s: no SPDX-License-Identifier line in its first three lines\n",
			path);
		missing++;
	}
	return 0;
}

static void every_source_file_has_spdx(void)
{
	static const char *const dirs[] = { "src", "include", "cli", "tests", "examples", "docs" };
	static const char *const files[] = { "CMakeLists.txt", "Makefile", "lipc.pc.in" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", check_source_dir(), dirs[i]);
		CHECK_SYS(nftw(path, visit, 16, FTW_PHYS));
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", check_source_dir(), files[i]);
		visit(path, NULL, FTW_F, NULL);
	}
	CHECK_EQ(missing, 0);
}

static void licence_is_mit(void)
{
	char path[PATH_MAX], *text;

	snprintf(path, sizeof(path), "%s/LICENSE", check_source_dir());
	text = check_read_file(path);
	CHECK(!strncmp(text, "MIT License\n", 12));
	CHECK_CONTAINS(text, "Permission is hereby granted, free of charge");
	free(text);
}

CHECK_MAIN(TEST(every_source_file_has_spdx), TEST(licence_is_mit))
