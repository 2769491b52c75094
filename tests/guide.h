/* SPDX-License-Identifier: MIT */
/*
 * The guide's Markdown files, in reading order: README.md, the front page, then every chapter
 * of docs/guide/ (each NN-stem.md) in the order of its name: 01-lock.md, 02-pipe.md... They are
 * found with glob(), not listed, so that the tests of the guide (test_readme*.c) read a new
 * chapter the day it is added, and none can be left out.
 */
#ifndef LIPC_TEST_GUIDE_H
#define LIPC_TEST_GUIDE_H

#include <glob.h>
#include <limits.h>

#include "check.h"

struct guide_file {
	char path[PATH_MAX]; /* absolute, to read */
	char name[64]; /* from the top of the sources, for messages: "docs/guide/03-fifo.md" */
};

/* Fill files (room for max) with the guide's files in reading order; return how many. */
static inline int guide_files(struct guide_file *files, int max)
{
	const char *src = check_source_dir();
	char pattern[PATH_MAX];
	glob_t g;
	int n = 0;

	CHECK(max > 0);
	snprintf(files[n].path, sizeof(files[n].path), "%s/README.md", src);
	snprintf(files[n].name, sizeof(files[n].name), "README.md");
	n++;
	snprintf(pattern, sizeof(pattern), "%s/docs/guide/*.md", src);
	switch (glob(pattern, 0, NULL, &g)) { /* sorted by name */
	case 0:
		for (size_t i = 0; i < g.gl_pathc; i++) {
			CHECK(n < max);
			CHECK(strlen(g.gl_pathv[i]) < sizeof(files[n].path));
			strcpy(files[n].path, g.gl_pathv[i]);
			snprintf(files[n].name, sizeof(files[n].name), "docs/guide/%s",
				 strrchr(g.gl_pathv[i], '/') + 1);
			n++;
		}
		globfree(&g);
		break;
	case GLOB_NOMATCH:
		break;
	default:
		check_fail(__FILE__, __LINE__, "glob %s failed", pattern);
	}
	return n;
}

#endif
