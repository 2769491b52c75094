/*
 * The guide cannot drift from the code: every code block of README.md whose first line names an
 * examples/ file is that file, byte for byte, and every example appears in the guide.
 */
#include <dirent.h>
#include <limits.h>

#include "check.h"

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

static void code_blocks_match_examples(void)
{
	char path[PATH_MAX], name[NAME_MAX + 1], quoted[64][NAME_MAX + 1];
	int n_quoted = 0;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/README.md", check_source_dir());
	char *readme = check_read_file(path);
	for (char *p = readme; (p = strstr(p, "\n```c\n"));) {
		char *body = p + 6, *end = strstr(body, "\n```\n");

		CHECK(end != NULL);
		end[1] = '\0'; /* the block, with its last newline */
		if (names_example(body, name, sizeof(name))) {
			snprintf(path, sizeof(path), "%s/examples/%s", check_source_dir(), name);
			char *file = check_read_file(path);

			if (strcmp(body, file))
				check_fail(
					__FILE__, __LINE__,
					"README.md's block for examples/%s differs from the file",
					name);
			free(file);
			CHECK(n_quoted < 64);
			strcpy(quoted[n_quoted++], name);
		}
		p = end + 1;
		*p = '\n';
	}
	free(readme);

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
			check_fail(__FILE__, __LINE__, "examples/%s is not in README.md",
				   e->d_name);
	}
	closedir(d);
	CHECK(n_quoted > 0);
}

CHECK_MAIN(TEST(code_blocks_match_examples))
