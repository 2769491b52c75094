/* SPDX-License-Identifier: MIT */
/*
 * The guide's links lead somewhere: every relative link of README.md and of each chapter of
 * docs/guide/ (see guide.h) names a file or directory of the sources, and a link with an
 * #anchor into a Markdown file names one of its headings, as GitHub forms the anchor. Every
 * chapter is in the front page's contents, and the paths of the sources that docs/lipc.1 names
 * (the guide, README.md) are there. Links in code blocks and code spans are text, not links;
 * links to other sites (https:, mailto:) are not followed.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "guide.h"

#define MAX_ANCHORS 512

/* What was found wrong, one line each, to print at once. */
struct report {
	char text[8192];
	int broken;
};

__attribute__((format(printf, 2, 3))) static void say(struct report *r, const char *fmt, ...)
{
	size_t used = strlen(r->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->text + used, sizeof(r->text) - used, fmt, ap);
	va_end(ap);
	r->broken++;
}

/* Is line the start or end of a fenced code block (``` or ~~~, up to 3 spaces in)? */
static bool is_fence(const char *line)
{
	size_t indent = strspn(line, " ");

	if (indent > 3)
		return false;
	line += indent;
	return !strncmp(line, "```", 3) || !strncmp(line, "~~~", 3);
}

/*
 * The anchor GitHub gives a heading: its text as rendered (code spans without their backticks,
 * links as their text), in lower case, with every character but letters, digits, spaces,
 * hyphens and underscores dropped, and each space a hyphen. Bytes of UTF-8 characters are kept
 * (GitHub keeps letters; it drops some other non-ASCII punctuation, which our headings lack).
 */
static void slug(const char *heading, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++) {
		unsigned char c = (unsigned char)heading[i];

		if (c == ']' && i + 1 < len &&
		    heading[i + 1] == '(') { /* a link: skip its target */
			const char *close = memchr(heading + i, ')', len - i);

			if (close)
				i = (size_t)(close - heading);
			continue;
		}
		if (isalnum(c) || c == '-' || c == '_' || c >= 0x80)
			out[n++] = (char)tolower(c);
		else if (c == ' ')
			out[n++] = '-';
	}
	out[n] = '\0';
}

/* The anchors of a Markdown text's headings: a repeated one gets -1, -2... as on GitHub. */
static int anchors(const char *text, char list[][128], int max)
{
	static char bases[MAX_ANCHORS][128];
	bool code = false;
	int n = 0;

	CHECK(max <= MAX_ANCHORS);
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n"), hashes = strspn(line, "#");

		if (is_fence(line)) {
			code = !code;
		} else if (!code && hashes >= 1 && hashes <= 6 && line[hashes] == ' ') {
			int same = 0;

			CHECK(n < max);
			slug(line + hashes + 1, len - hashes - 1, bases[n], sizeof(bases[n]));
			for (int i = 0; i < n; i++)
				same += !strcmp(bases[i], bases[n]);
			if (same)
				snprintf(list[n], sizeof(list[n]), "%.100s-%d", bases[n], same);
			else
				snprintf(list[n], sizeof(list[n]), "%s", bases[n]);
			n++;
		}
		line += len + (line[len] == '\n');
	}
	return n;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Check one link target (as written, "../lipc.1" or "02-pipe.md#traps") of file at path. */
static void check_target(struct report *r, const char *root, const char *path, const char *name,
			 int line, const char *target)
{
	char file[512], want[PATH_MAX + sizeof(file) + 1], real[PATH_MAX], dir[PATH_MAX],
		anchor[256] = "";
	struct stat st;

	snprintf(file, sizeof(file), "%s", target);
	if (strchr(file, '#')) {
		snprintf(anchor, sizeof(anchor), "%s", strchr(file, '#') + 1);
		*strchr(file, '#') = '\0';
	}
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (!file[0])
		snprintf(want, sizeof(want), "%s", path); /* #anchor: this file */
	else
		snprintf(want, sizeof(want), "%s/%s", dir, file);
	if (!realpath(want, real) || stat(real, &st) < 0) {
		say(r, "%s:%d: %s: no such file\n", name, line, target);
		return;
	}
	if (strncmp(real, root, strlen(root)) || (real[strlen(root)] != '/' && real[strlen(root)]))
		say(r, "%s:%d: %s: outside the sources\n", name, line, target);
	else if (anchor[0] && !ends_with(real, ".md"))
		say(r, "%s:%d: %s: an anchor into a file that is not Markdown\n", name, line,
		    target);
	else if (anchor[0]) {
		static char list[MAX_ANCHORS][128];
		char *text = check_read_file(real);
		int n = anchors(text, list, MAX_ANCHORS);
		bool found = false;

		for (int i = 0; i < n; i++)
			found |= !strcmp(list[i], anchor);
		if (!found)
			say(r, "%s:%d: %s: no heading has the anchor #%s\n", name, line, target,
			    anchor);
		free(text);
	}
}

/*
 * Check every link [text](target) and image ![alt](target) of the Markdown file at path (name:
 * how messages call it) against the sources at root (a real path). Return how many are broken.
 */
static int check_links(struct report *r, const char *root, const char *path, const char *name)
{
	char *text = check_read_file(path);
	int before = r->broken, line_no = 0;
	bool code = false;

	for (char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		bool span = false; /* inside a `code span` */

		line_no++;
		if (is_fence(line)) {
			code = !code;
		} else if (!code) {
			for (size_t i = 0; i < len; i++) {
				if (line[i] == '`')
					span = !span;
				if (span || line[i] != ']' || line[i + 1] != '(')
					continue;
				char target[512];
				size_t t = strcspn(line + i + 2, ") \n");

				CHECK(line[i + 2 + t] == ')'); /* no title, no space */
				snprintf(target, sizeof(target), "%.*s", (int)t, line + i + 2);
				/* A scheme (https:, mailto:) is another site's: not ours to check.
				 */
				if (strcspn(target, ":") < strcspn(target, "/#"))
					continue;
				check_target(r, root, path, name, line_no, target);
			}
		}
		line += len + (line[len] == '\n');
	}
	free(text);
	return r->broken - before;
}

static void guide_links_resolve(void)
{
	static struct report r;
	struct guide_file files[32];
	char root[PATH_MAX];
	int n = guide_files(files, 32);

	CHECK(n >= 2); /* the front page and its chapters */
	CHECK(realpath(check_source_dir(), root) != NULL);
	for (int i = 0; i < n; i++)
		check_links(&r, root, files[i].path, files[i].name);
	if (r.broken)
		check_fail(__FILE__, __LINE__, "%d broken links:\n%s", r.broken, r.text);
}

/* The front page's contents link every chapter. */
static void every_chapter_is_in_the_contents(void)
{
	struct guide_file files[32];
	char path[PATH_MAX], *readme;
	int n = guide_files(files, 32);

	snprintf(path, sizeof(path), "%s/README.md", check_source_dir());
	readme = check_read_file(path);
	CHECK(n >= 3);
	for (int i = 1; i < n; i++) { /* files[0] is README.md */
		char link[96];

		snprintf(link, sizeof(link), "](%s)", files[i].name);
		if (!strstr(readme, link))
			check_fail(__FILE__, __LINE__, "README.md does not link %s", files[i].name);
	}
	free(readme);
}

/* The paths of the sources that the man page names, "README.md" or "docs/guide/", exist. */
static void man_page_names_real_files(void)
{
	char path[PATH_MAX], *man;
	int found = 0;

	snprintf(path, sizeof(path), "%s/docs/lipc.1", check_source_dir());
	man = check_read_file(path);
	for (const char *p = man; *p; p++) {
		char word[256], file[PATH_MAX + 256];
		size_t len;

		if ((p != man && (isalnum((unsigned char)p[-1]) || p[-1] == '/')) ||
		    (strncmp(p, "README.md", 9) && strncmp(p, "docs/", 5) &&
		     strncmp(p, "examples/", 9)))
			continue;
		len = strspn(p,
			     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./");
		while (len > 0 && (p[len - 1] == '.' || p[len - 1] == ','))
			len--; /* the end of a sentence */
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		snprintf(file, sizeof(file), "%s/%s", check_source_dir(), word);
		if (access(file, F_OK) < 0)
			check_fail(__FILE__, __LINE__, "docs/lipc.1 names %s, which does not exist",
				   word);
		found++;
		p += len - 1;
	}
	free(man);
	CHECK(found >= 1); /* it names the guide */
}

/* Write text to dir/name; return the path in buf. */
static const char *write_file(char *buf, size_t size, const char *dir, const char *name,
			      const char *text)
{
	FILE *f;

	CHECK((size_t)snprintf(buf, size, "%s/%s", dir, name) < size);
	CHECK((f = fopen(buf, "w")) != NULL);
	CHECK(fputs(text, f) >= 0);
	CHECK(fclose(f) == 0);
	return buf;
}

/*
 * The checker finds what it must. In a made-up tree, dir/outside.md beside the sources
 * dir/src, whose sub/a.md links to sub/b.md: a missing file, a missing anchor, an anchor into
 * a directory, a path out of the sources and an anchor of a heading in a code block are five
 * broken links; the good links beside them (a repeated heading's -1, the file's own heading, an
 * image, a directory, another site, a code span, a code block) are not.
 */
static void a_broken_link_is_found(void)
{
	static struct report r;
	char dir[PATH_MAX], src[PATH_MAX + 8], sub[PATH_MAX + 16], a[PATH_MAX + 32],
		b[PATH_MAX + 32], out[PATH_MAX + 32], root[PATH_MAX];
	int broken;

	check_path(dir, sizeof(dir), "links");
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(sub, sizeof(sub), "%s/sub", src);
	CHECK_SYS(mkdir(dir, 0700));
	CHECK_SYS(mkdir(src, 0700));
	CHECK_SYS(mkdir(sub, 0700));
	write_file(out, sizeof(out), dir, "outside.md", "# Outside\n");
	write_file(b, sizeof(b), sub, "b.md",
		   "# B: the `other` one\n\n## Traps\n\n## Traps\n\n```c\n# not a heading\n```\n");
	write_file(a, sizeof(a), sub, "a.md",
		   "# A\n\n"
		   "[good](b.md) [good](b.md#b-the-other-one) [good](b.md#traps-1) [good](#a)\n"
		   "![good](b.md) [good](../sub/) [site](https://example.com/x.md#nowhere)\n"
		   "`[code span](nowhere.md)`\n\n"
		   "```sh\n[in a block](nowhere.md)\n```\n\n"
		   "[missing file](c.md) [missing anchor](b.md#not-a-heading)\n"
		   "[anchor into a directory](../sub#a) [outside](../../outside.md)\n"
		   "[heading in code](b.md#traps-2)\n");
	CHECK(realpath(src, root) != NULL);
	broken = check_links(&r, root, a, "a.md");
	CHECK_SYS(unlink(a));
	CHECK_SYS(unlink(b));
	CHECK_SYS(unlink(out));
	CHECK_SYS(rmdir(sub));
	CHECK_SYS(rmdir(src));
	CHECK_SYS(rmdir(dir));

	CHECK_CONTAINS(r.text, "a.md:11: c.md: no such file\n");
	CHECK_CONTAINS(r.text, "a.md:11: b.md#not-a-heading: no heading has the anchor");
	CHECK_CONTAINS(r.text, "a.md:12: ../sub#a: an anchor into a file that is not Markdown");
	CHECK_CONTAINS(r.text, "a.md:12: ../../outside.md: outside the sources");
	CHECK_CONTAINS(r.text, "a.md:13: b.md#traps-2: no heading has the anchor");
	CHECK_EQ(broken, 5);
}

CHECK_MAIN(TEST(guide_links_resolve), TEST(every_chapter_is_in_the_contents),
	   TEST(man_page_names_real_files), TEST(a_broken_link_is_found))
