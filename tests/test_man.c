/* SPDX-License-Identifier: MIT */
/*
 * The manual page cannot drift from the command: every command that lipc --help lists has its
 * section in docs/lipc.1, every option of its --help (and of its actions' --help) is in that
 * section, every address form is under ADDRESSES, groff finds nothing to warn about, and make
 * install installs the page with the rest.
 */
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static const char *man_path(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/docs/lipc.1", check_source_dir());
	return path;
}

/* The page as a reader sees the words: no font changes, "\-" as "-", quotes as quotes. */
static char *plain_man(void)
{
	static const struct {
		const char *roff, *text;
	} escapes[] = {
		{ "\\-", "-" },	  { "\\fB", "" }, { "\\fI", "" }, { "\\fR", "" },  { "\\fP", "" },
		{ "\\(aq", "'" }, { "\\&", "" },  { "\\c", "" },  { "\\e", "\\" }, { "\"", "" },
	};
	char *roff = check_read_file(man_path()), *out = malloc(strlen(roff) + 1), *w = out;

	CHECK(out != NULL);
	for (const char *r = roff; *r;) {
		size_t i = 0;

		while (i < sizeof(escapes) / sizeof(escapes[0]) &&
		       strncmp(r, escapes[i].roff, strlen(escapes[i].roff)))
			i++;
		if (i == sizeof(escapes) / sizeof(escapes[0])) {
			*w++ = *r++;
			continue;
		}
		strcpy(w, escapes[i].text);
		w += strlen(escapes[i].text);
		r += strlen(escapes[i].roff);
	}
	*w = '\0';
	free(roff);
	return out;
}

/* The text of the section whose heading line starts with heading (".SS lipc ls"), to the next. */
static char *section(const char *man, const char *heading)
{
	const char *start = man, *end;
	char *s;

	for (;;) {
		start = strstr(start, heading);
		if (!start)
			return NULL;
		if ((start == man || start[-1] == '\n') &&
		    (start[strlen(heading)] == ' ' || start[strlen(heading)] == '\n'))
			break;
		start++;
	}
	end = start + strlen(heading);
	while ((end = strstr(end, "\n.S")) && strncmp(end, "\n.SS ", 5) &&
	       strncmp(end, "\n.SH ", 5))
		end++;
	if (!end)
		end = start + strlen(start);
	s = strndup(start, (size_t)(end - start));
	CHECK(s != NULL);
	return s;
}

static char *help_of(const char *const argv[])
{
	struct check_cmd c;
	char *out;

	CHECK_EQ(check_cmd_run(&c, NULL, argv), 0);
	out = c.out;
	c.out = NULL;
	check_cmd_free(&c);
	return out;
}

/* The commands of lipc --help, one per "  NAME  summary" line after "Commands:". */
static int commands(char names[][32], int max)
{
	char *help = help_of(LIPC_ARGV("--help")), *line = strstr(help, "\nCommands:\n");
	int n = 0;

	CHECK(line != NULL);
	for (line = strchr(line + 1, '\n') + 1; !strncmp(line, "  ", 2) && n < max;
	     line = strchr(line, '\n') + 1)
		CHECK_EQ(sscanf(line, " %31s", names[n++]), 1);
	free(help);
	CHECK(n >= 8);
	return n;
}

/* Does text hold the option as a word of its own ("-n" but not inside "--no-wait")? */
static bool mentions(const char *text, const char *opt)
{
	size_t len = strlen(opt);

	for (const char *p = text; (p = strstr(p, opt)); p++) {
		char before = p == text ? ' ' : p[-1], after = p[len];

		if (before != '-' && !(after >= 'a' && after <= 'z') && after != '-')
			return true;
	}
	return false;
}

/* Every option of a --help text ("  -x, --long ARG  ...") is in the man page's section. */
static void check_options(const char *help, const char *sec, const char *cmd)
{
	for (const char *line = help; *line; line = strchr(line, '\n') + 1) {
		const char *p = line + strspn(line, " ");

		/* "  -x, --long" or "      --long"; deeper lines continue a description. */
		if (p - line >= 2 && p - line <= 6 && p[0] == '-') {
			char opts[2][64];
			int n = sscanf(p, "%63[-a-zA-Z0-9], %63[-a-zA-Z0-9]", opts[0], opts[1]);

			for (int i = 0; i < n; i++) {
				if (!strcmp(opts[i], "-h") || !strcmp(opts[i], "--help") ||
				    opts[i][1] == '\0')
					continue;
				if (!mentions(sec, opts[i]))
					check_fail(
						__FILE__, __LINE__,
						"lipc %s: option %s is not in its man page section",
						cmd, opts[i]);
			}
		}
		if (!strchr(line, '\n'))
			break;
	}
}

/* The actions with a --help of their own: "'lipc signal send --help'", or the Actions list. */
static int actions(const char *help, const char *cmd, char names[][32], int max)
{
	char pattern[64];
	int n = 0;

	snprintf(pattern, sizeof(pattern), "'lipc %.31s ", cmd);
	for (const char *p = help; (p = strstr(p, pattern)) && n < max; p++) {
		char word[32];
		int end = 0;

		if (sscanf(p + strlen(pattern), "%31[a-z] --help'%n", word, &end) == 1 && end > 0)
			strcpy(names[n++], word);
	}
	if (strstr(help, "ACTION --help")) {
		const char *p = strstr(help, "\nActions:\n");

		CHECK(p != NULL);
		for (p = strchr(p + 1, '\n') + 1; !strncmp(p, "  ", 2) && n < max;
		     p = strchr(p, '\n') + 1)
			if (p[2] != ' ') /* deeper lines continue a description */
				CHECK_EQ(sscanf(p, " %31s", names[n++]), 1);
	}
	return n;
}

static void every_command_and_option(void)
{
	char names[32][32], *man = plain_man();
	int n = commands(names, 32);

	for (int i = 0; i < n; i++) {
		char heading[64], subs[16][32], *help, *sec;
		int n_subs;

		snprintf(heading, sizeof(heading), ".SS lipc %.31s", names[i]);
		sec = section(man, heading);
		if (!sec)
			check_fail(__FILE__, __LINE__,
				   "lipc %s has no \"%s\" section in docs/lipc.1", names[i],
				   heading);
		help = help_of(LIPC_ARGV(names[i], "--help"));
		check_options(help, sec, names[i]);
		n_subs = actions(help, names[i], subs, 16);
		for (int j = 0; j < n_subs; j++) {
			char *sub = help_of(LIPC_ARGV(names[i], subs[j], "--help"));

			check_options(sub, sec, names[i]);
			free(sub);
		}
		free(help);
		free(sec);
	}
	/* --help and --version themselves. */
	CHECK(mentions(man, "--help") && mentions(man, "--version"));
	free(man);
}

/* Every address form of lipc --help ("  fifo:PATH ...") is under ADDRESSES. */
static void every_address(void)
{
	char *man = plain_man(), *help = help_of(LIPC_ARGV("--help"));
	char *sec = section(man, ".SH ADDRESSES"), *line = strstr(help, "\nAddresses");
	int n = 0;

	CHECK(sec != NULL && line != NULL);
	for (line = strchr(line + 1, '\n') + 1; *line != '\n'; line = strchr(line, '\n') + 1) {
		char scheme[32];

		if (line[2] == ' ' || sscanf(line, "  %31[a-z-]:", scheme) != 1)
			continue;
		strcat(scheme, ":");
		if (!strstr(sec, scheme))
			check_fail(__FILE__, __LINE__, "address %s is not under ADDRESSES", scheme);
		n++;
	}
	CHECK(n >= 6);
	free(sec);
	free(help);
	free(man);
}

/* Is the command on PATH? */
static bool in_path(const char *cmd)
{
	char dirs[4096], file[PATH_MAX], *save;
	const char *path = getenv("PATH");

	snprintf(dirs, sizeof(dirs), "%s", path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof(file), "%s/%s", d, cmd);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

/* groff, with every warning on, has nothing to say about the page. */
static void groff_is_silent(void)
{
	struct check_cmd c;

	if (!in_path("groff"))
		check_skip("groff is not installed");
	check_cmd_run(
		&c, NULL,
		(const char *const[]){ "groff", "-man", "-Tutf8", "-ww", "-z", man_path(), NULL });
	if (c.status != 0 || c.err[0])
		check_fail(__FILE__, __LINE__, "groff -ww: status %d\n%s", c.status, c.err);
	check_cmd_free(&c);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* make install: the command, the library, the headers, lipc.pc and the man page. */
static void install_installs_the_page(void)
{
	static const char *const files[] = {
		"bin/lipc",
		"include/lipc/lipc.h",
		"include/lipc/ring.h",
		"share/man/man1/lipc.1",
	};
	char build[PATH_MAX], prefix[PATH_MAX], file[PATH_MAX + 64], *installed, *page;
	struct check_cmd c;
	bool pc = false, lib = false;

	if (!in_path("cmake"))
		check_skip("cmake is not on PATH");
	snprintf(build, sizeof(build), "%s", check_lipc());
	*strrchr(build, '/') = '\0'; /* lipc is at the top of its build directory */
	check_path(prefix, sizeof(prefix), "prefix");
	check_cmd_run(
		&c, NULL,
		(const char *const[]){ "cmake", "--install", build, "--prefix", prefix, NULL });
	if (c.status != 0)
		check_fail(__FILE__, __LINE__, "cmake --install: status %d\n%s%s", c.status, c.out,
			   c.err);
	check_cmd_free(&c);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(file, sizeof(file), "%s/%s", prefix, files[i]);
		if (access(file, F_OK) < 0)
			check_fail(__FILE__, __LINE__, "make install did not install %s", files[i]);
	}
	/* The page installed is the page written. */
	snprintf(file, sizeof(file), "%s/share/man/man1/lipc.1", prefix);
	installed = check_read_file(file);
	page = check_read_file(man_path());
	CHECK_STR(installed, page);
	free(installed);
	free(page);
	/* lib or lib64, as GNUInstallDirs decides. */
	for (int i = 0; i < 2; i++) {
		snprintf(file, sizeof(file), "%s/%s/pkgconfig/lipc.pc", prefix,
			 i ? "lib64" : "lib");
		pc |= access(file, F_OK) == 0;
		snprintf(file, sizeof(file), "%s/%s/liblipc.a", prefix, i ? "lib64" : "lib");
		lib |= access(file, F_OK) == 0;
	}
	CHECK(pc && lib);
	CHECK_SYS(nftw(prefix, remove_one, 16, FTW_DEPTH | FTW_PHYS));
}

CHECK_MAIN(TEST(every_command_and_option), TEST(every_address), TEST(groff_is_silent),
	   TEST(install_installs_the_page))
