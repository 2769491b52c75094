/* SPDX-License-Identifier: MIT */
/*
 * The guide cannot drift from the code: every code block of the guide (README.md and every
 * chapter of docs/guide/, see guide.h) whose opening lines name an examples/ file is that file,
 * byte for byte, and every example appears in the guide.
 */
#include <dirent.h>
#include <limits.h>

#include "check.h"
#include "lipc/ring.h"
#include "guide.h"

/*
 * The file a C block names in its opening three lines, such as "examples/pipe_filter.c" or
 * "tests/readme_library.c" (the front page's library program): its folder in dir, its name in
 * name.
 */
static bool names_file(const char *block, char *dir, char *name, size_t size)
{
	static const char *const dirs[] = { "examples", "tests" };
	const char *nl = block;

	/* The opening lines: the SPDX line, then the header comment's first two. */
	for (int i = 0; i < 3 && nl; i++)
		nl = strchr(nl + (i > 0), '\n');
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char prefix[16];
		const char *p;
		size_t len = 0;

		snprintf(prefix, sizeof(prefix), "%s/", dirs[i]);
		p = strstr(block, prefix);
		if (!p || (nl && p > nl))
			continue;
		p += strlen(prefix);
		while (p[len] && p[len] != ':' && p[len] != ' ' && p[len] != '\n')
			len++;
		if (len == 0 || len >= size)
			return false;
		memcpy(name, p, len);
		name[len] = '\0';
		strcpy(dir, dirs[i]);
		return true;
	}
	return false;
}

/* Check the examples quoted by one file of the guide; add their names to quoted. */
static void check_blocks(const struct guide_file *f, char quoted[][NAME_MAX + 1], int *n_quoted)
{
	char path[PATH_MAX], dir[16], name[NAME_MAX + 1];
	char *text = check_read_file(f->path);

	for (char *p = text; (p = strstr(p, "\n```c\n"));) {
		char *body = p + 6, *end = strstr(body, "\n```\n");

		CHECK(end != NULL);
		end[1] = '\0'; /* the block, with its last newline */
		if (names_file(body, dir, name, sizeof(name))) {
			snprintf(path, sizeof(path), "%s/%s/%s", check_source_dir(), dir, name);
			char *file = check_read_file(path);

			if (strcmp(body, file))
				check_fail(__FILE__, __LINE__,
					   "%s's block for %s/%s differs from the file", f->name,
					   dir, name);
			free(file);
			CHECK(*n_quoted < 64);
			if (!strcmp(dir, "examples"))
				strcpy(quoted[(*n_quoted)++], name);
		}
		p = end + 1;
		*p = '\n';
	}
	free(text);
}

static void code_blocks_match_examples(void)
{
	char path[PATH_MAX], quoted[64][NAME_MAX + 1];
	struct guide_file files[32];
	int n_quoted = 0, n_files = guide_files(files, 32);
	DIR *d;
	struct dirent *e;

	for (int i = 0; i < n_files; i++)
		check_blocks(&files[i], quoted, &n_quoted);

	snprintf(path, sizeof(path), "%s/examples", check_source_dir());
	d = opendir(path);
	CHECK(d != NULL);
	while ((e = readdir(d))) {
		bool found = false;

		if (!strstr(e->d_name, ".c"))
			continue;
		for (int i = 0; i < n_quoted; i++)
			found |= !strcmp(quoted[i], e->d_name);
		if (!found)
			check_fail(__FILE__, __LINE__, "examples/%s is not in the guide",
				   e->d_name);
	}
	closedir(d);
	CHECK(n_quoted > 0);
}

/*
 * The front page's library program is on the page (code_blocks_match_examples compares it), and
 * does what the page says: one message through an address, printed; a usage error without one.
 */
static void library_block_runs(void)
{
	static const char *const schemes[] = { "unix:@", "unix-dgram:@", "shm:/" };
	const char *prog = getenv("LIPC_README_LIBRARY");
	char path[PATH_MAX], address[128], name[96], *page;
	struct check_cmd c;

	CHECK(prog != NULL);
	snprintf(path, sizeof(path), "%s/README.md", check_source_dir());
	page = check_read_file(path);
	CHECK_CONTAINS(page,
		       "\n```c\n/* SPDX-License-Identifier: MIT */\n/* tests/readme_library.c:");
	free(page);
	check_name(name, sizeof(name), "hello");
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		snprintf(address, sizeof(address), "%s%s", schemes[i], name);
		CHECK_EQ(check_cmd_run(&c, NULL, (const char *const[]){ prog, address, NULL }), 0);
		CHECK_STR(c.out, "hello\n");
		CHECK_STR(c.err, "");
		check_cmd_free(&c);
	}
	/* A ring, like a queue, outlives the channel that created it. */
	snprintf(address, sizeof(address), "/%s", name);
	CHECK_SYS(lipc_ring_unlink(address));
	CHECK_EQ(check_cmd_run(&c, NULL, (const char *const[]){ prog, NULL }), 1);
	CHECK_STR(c.out, "");
	CHECK_CONTAINS(c.err, "usage: ");
	CHECK_CONTAINS(c.err, "readme_library ADDRESS\n");
	check_cmd_free(&c);
}

CHECK_MAIN(TEST(code_blocks_match_examples), TEST(library_block_runs))
