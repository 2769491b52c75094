/*
 * The guide cannot drift from the code: every code block of the guide (README.md and every
 * chapter of docs/guide/, see guide.h) whose first line names an examples/ file is that file,
 * byte for byte, and every example appears in the guide.
 */
#include <dirent.h>
#include <limits.h>

#include "check.h"
#include "guide.h"

/* The name after "examples/" in the opening two lines of a C block, such as "pipe_filter.c". */
static bool names_example(const char *block, char *name, size_t size)
{
	const char *p = strstr(block, "examples/"), *nl = strchr(block, '\n');
	size_t len = 0;

	if (nl)
		nl = strchr(nl + 1, '\n');
	if (!p || (nl && p > nl))
		return false;
	p += strlen("examples/");
	while (p[len] && p[len] != ':' && p[len] != ' ' && p[len] != '\n')
		len++;
	if (len == 0 || len >= size)
		return false;
	memcpy(name, p, len);
	name[len] = '\0';
	return true;
}

/* Check the examples quoted by one file of the guide; add their names to quoted. */
static void check_blocks(const struct guide_file *f, char quoted[][NAME_MAX + 1], int *n_quoted)
{
	char path[PATH_MAX], name[NAME_MAX + 1];
	char *text = check_read_file(f->path);

	for (char *p = text; (p = strstr(p, "\n```c\n"));) {
		char *body = p + 6, *end = strstr(body, "\n```\n");

		CHECK(end != NULL);
		end[1] = '\0'; /* the block, with its last newline */
		if (names_example(body, name, sizeof(name))) {
			snprintf(path, sizeof(path), "%s/examples/%s", check_source_dir(), name);
			char *file = check_read_file(path);

			if (strcmp(body, file))
				check_fail(__FILE__, __LINE__,
					   "%s's block for examples/%s differs from the file",
					   f->name, name);
			free(file);
			CHECK(*n_quoted < 64);
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

CHECK_MAIN(TEST(code_blocks_match_examples))
