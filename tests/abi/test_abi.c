/* SPDX-License-Identifier: MIT */
/*
 * The ABI of liblipc.so.1, held to three lists that must agree: the functions the public headers
 * declare (include/lipc/, every .h), the names the symbol map lists under its version nodes
 * (src/liblipc.map), and the functions the shared library really exports (its dynamic symbol
 * table, read here from the ELF file with <elf.h>: nm and readelf may be missing where a bare
 * compiler and cmake are all there is). A function declared without a map entry would be
 * exported by nobody (local: *) or, with a wildcard, by accident; a map entry without a
 * declaration is an interface nobody documents; an export the map does not list means the map
 * is not the one the library was linked with. The headers are read as text: comments and
 * preprocessor lines are dropped, and a name lipc_... followed by "(" outside every brace and
 * parenthesis is a declared function (a parameter that is a function pointer sits inside a
 * parenthesis, a struct member inside a brace).
 *
 * The same reading checks that every enumerator has an explicit value (an enum's numbers are ABI,
 * and an implicit one moves when a name is inserted before it), that every struct a caller
 * allocates begins with size_t struct_size (lipc/version.h), and the version macros agree with
 * lipc_version() and with the version CMake builds (the soname).
 */
#include "check.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lipc/lipc.h"

#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr Ehdr;
typedef Elf64_Shdr Shdr;
typedef Elf64_Sym Sym;
typedef Elf64_Dyn Dyn;
#define ELF_ST_BIND  ELF64_ST_BIND
#define ELF_ST_TYPE  ELF64_ST_TYPE
#define ELF_CLASS_US ELFCLASS64
#else
typedef Elf32_Ehdr Ehdr;
typedef Elf32_Shdr Shdr;
typedef Elf32_Sym Sym;
typedef Elf32_Dyn Dyn;
#define ELF_ST_BIND  ELF32_ST_BIND
#define ELF_ST_TYPE  ELF32_ST_TYPE
#define ELF_CLASS_US ELFCLASS32
#endif

/* A list of names, each with where it came from (a header, a version node). */
struct names {
	size_t n;
	char *name[1024];
	char *where[1024];
};

static void names_add(struct names *l, const char *name, size_t len, const char *where)
{
	CHECK(l->n < sizeof(l->name) / sizeof(l->name[0]));
	l->name[l->n] = strndup(name, len);
	l->where[l->n] = strdup(where);
	CHECK(l->name[l->n] && l->where[l->n]);
	l->n++;
}

static const char *names_find(const struct names *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return l->where[i];
	return NULL;
}

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->name[i]);
		free(l->where[i]);
	}
	l->n = 0;
}

/* The text with its comments blanked out (newlines kept), in place. */
static void drop_comments(char *s)
{
	for (char *p = s; *p; p++) {
		if (p[0] == '/' && p[1] == '*') {
			char *end = strstr(p + 2, "*/");

			CHECK(end); /* an unterminated comment */
			for (; p < end + 2; p++)
				if (*p != '\n')
					*p = ' ';
			p--;
		} else if (p[0] == '/' && p[1] == '/') {
			for (; *p && *p != '\n'; p++)
				*p = ' ';
			p--;
		} else if (*p == '"' || *p == '\'') {
			char q = *p;

			for (p++; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			CHECK(*p);
		}
	}
}

/* Preprocessor lines (with their continuations) blanked out, in place. */
static void drop_directives(char *s)
{
	bool line_start = true;

	for (char *p = s; *p; p++) {
		if (line_start) {
			char *q = p;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '#') {
				char prev = '\0';

				for (; *q && !(*q == '\n' && prev != '\\'); q++) {
					prev = *q;
					if (*q != '\n')
						*q = ' ';
				}
				p = q;
				if (!*p)
					break;
			}
		}
		line_start = *p == '\n';
	}
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A header's file name under include/lipc/, and its text without comments or directives. */
static char *read_header(const char *dir, const char *file)
{
	char path[PATH_MAX];
	char *text;

	CHECK((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) < sizeof(path));
	text = check_read_file(path);
	drop_comments(text);
	drop_directives(text);
	return text;
}

/* The public headers: the file names of include/lipc/ (.h), sorted. */
static size_t header_files(const char *dir, char files[][NAME_MAX + 1], size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	CHECK(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 2 && !strcmp(e->d_name + len - 2, ".h")) {
			CHECK(n < max);
			strcpy(files[n++], e->d_name);
		}
	}
	closedir(d);
	CHECK(n > 0);
	return n;
}

static const char *include_dir(void)
{
	static char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/include/lipc", check_source_dir());
	return dir;
}

/* Every function the public headers in dir declare. */
static void declared_functions(const char *dir, struct names *out)
{
	static char files[64][NAME_MAX + 1];
	size_t nfiles = header_files(dir, files, 64);

	for (size_t f = 0; f < nfiles; f++) {
		char *text = read_header(dir, files[f]);
		int braces = 0, parens = 0;

		for (char *p = text; *p; p++) {
			if (*p == '{')
				braces++;
			else if (*p == '}')
				braces--;
			else if (*p == '(')
				parens++;
			else if (*p == ')')
				parens--;
			else if (is_ident(*p) && (p == text || !is_ident(p[-1]))) {
				char *start = p, *q;

				while (is_ident(p[1]))
					p++;
				for (q = p + 1; isspace((unsigned char)*q); q++)
					;
				if (*q == '(' && !braces && !parens && !strncmp(start, "lipc_", 5))
					names_add(out, start, (size_t)(p + 1 - start), files[f]);
			}
		}
		CHECK_EQ(braces, 0);
		CHECK_EQ(parens, 0);
		free(text);
	}
}

/*
 * The global names of the symbol map, each with its version node. A wildcard fails: the list
 * must be explicit.
 */
static void map_entries(const char *path, struct names *out)
{
	char *text = check_read_file(path);
	char node[64] = "";
	bool global = false;
	char *p = text;

	drop_comments(text);
	while (*p) {
		char *tok, *end;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && !isspace((unsigned char)*p) && !strchr("{};", *p))
			p++;
		if (p == tok) { /* punctuation */
			if (*p == '}') {
				node[0] = '\0';
				/* "} PREVIOUS;": the node this one inherits from */
				p++;
				while (*p && *p != ';')
					p++;
			}
			if (*p)
				p++;
			continue;
		}
		end = p;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '{') {
			CHECK(!node[0]); /* nodes do not nest */
			CHECK((size_t)(end - tok) < sizeof(node));
			memcpy(node, tok, (size_t)(end - tok));
			node[end - tok] = '\0';
			global = false;
			p++;
		} else if (end[-1] == ':') {
			global = !strncmp(tok, "global:", 7);
		} else if (*p == ';') {
			CHECK(node[0]); /* a name outside every version node */
			if (global) {
				if (memchr(tok, '*', (size_t)(end - tok)) ||
				    memchr(tok, '?', (size_t)(end - tok)) ||
				    memchr(tok, '[', (size_t)(end - tok)))
					check_fail(__FILE__, __LINE__,
						   "%s: node %s exports a wildcard, %.*s", path,
						   node, (int)(end - tok), tok);
				names_add(out, tok, (size_t)(end - tok), node);
			}
			p++;
		} else {
			check_fail(__FILE__, __LINE__, "%s: cannot read the map at \"%.20s\"", path,
				   tok);
		}
	}
	free(text);
	CHECK(out->n > 0);
}

/* The shared library's file, mapped. */
struct elf {
	void *map;
	const unsigned char *base;
	size_t size;
	const Ehdr *eh;
	const Shdr *sh;
};

static void elf_open(struct elf *e, const char *path)
{
	int fd = (int)CHECK_SYS(open(path, O_RDONLY | O_CLOEXEC));
	struct stat st;

	CHECK_SYS(fstat(fd, &st));
	CHECK((size_t)st.st_size > sizeof(Ehdr));
	e->size = (size_t)st.st_size;
	e->map = mmap(NULL, e->size, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(e->map != MAP_FAILED);
	e->base = e->map;
	close(fd);
	e->eh = (const Ehdr *)e->base;
	CHECK(!memcmp(e->eh->e_ident, ELFMAG, SELFMAG));
	CHECK_EQ(e->eh->e_ident[EI_CLASS], ELF_CLASS_US);
	CHECK_EQ(e->eh->e_shentsize, sizeof(Shdr));
	CHECK(e->eh->e_shoff + (size_t)e->eh->e_shnum * sizeof(Shdr) <= e->size);
	e->sh = (const Shdr *)(e->base + e->eh->e_shoff);
}

/* The section of type, or NULL. */
static const Shdr *elf_section(const struct elf *e, unsigned type)
{
	for (size_t i = 0; i < e->eh->e_shnum; i++)
		if (e->sh[i].sh_type == type) {
			CHECK(e->sh[i].sh_offset + e->sh[i].sh_size <= e->size);
			return &e->sh[i];
		}
	return NULL;
}

/* A string of the string table that section link names. */
static const char *elf_string(const struct elf *e, size_t link, size_t off)
{
	const Shdr *strtab;

	CHECK(link < e->eh->e_shnum);
	strtab = &e->sh[link];
	CHECK(off < strtab->sh_size);
	CHECK(memchr(e->base + strtab->sh_offset + off, '\0', strtab->sh_size - off));
	return (const char *)e->base + strtab->sh_offset + off;
}

/* The name of version definition index ndx (.gnu.version_d), or NULL. */
static const char *elf_version_name(const struct elf *e, unsigned ndx)
{
	const Shdr *vd = elf_section(e, SHT_GNU_verdef);
	size_t off = 0;

	if (!vd)
		return NULL;
	for (size_t i = 0; i < vd->sh_info; i++) {
		const Elf32_Verdef *d; /* the same layout in both classes */

		CHECK(off + sizeof(Elf32_Verdef) <= vd->sh_size);
		d = (const void *)(e->base + vd->sh_offset + off);
		if (d->vd_ndx == ndx && !(d->vd_flags & VER_FLG_BASE)) {
			const Elf32_Verdaux *a = (const void *)((const char *)d + d->vd_aux);

			return elf_string(e, vd->sh_link, a->vda_name);
		}
		if (!d->vd_next)
			break;
		off += d->vd_next;
	}
	return NULL;
}

/*
 * The symbols the library defines for others (global or weak, not undefined), each with its
 * version; the version nodes' own absolute symbols are left out.
 */
static void exported_symbols(const struct elf *e, struct names *out)
{
	const Shdr *ds = elf_section(e, SHT_DYNSYM);
	const Shdr *vs = elf_section(e, SHT_GNU_versym);
	size_t n;

	CHECK(ds);
	n = ds->sh_size / sizeof(Sym);
	for (size_t i = 1; i < n; i++) {
		const Sym *s = (const Sym *)(e->base + ds->sh_offset) + i;
		const char *name = elf_string(e, ds->sh_link, s->st_name);
		const char *version = "(none)";
		int bind = ELF_ST_BIND(s->st_info);

		if (s->st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		if (vs) {
			const Elf32_Half *v = (const Elf32_Half *)(e->base + vs->sh_offset) + i;
			const char *vn = elf_version_name(e, *v & 0x7fff);

			if (vn)
				version = vn;
		}
		if (s->st_shndx == SHN_ABS && !strcmp(name, version))
			continue; /* the symbol ld makes for a version node */
		names_add(out, name, strlen(name), version);
	}
}

static const char *shared_library(void)
{
	const char *so = getenv("LIPC_SHARED");

	CHECK(so && *so); /* set by CTest: the shared library's file */
	return so;
}

/* The three lists agree, name by name and version by version. */
static void exports_match_headers(void)
{
	struct names decl = { 0 }, map = { 0 }, sym = { 0 };
	char map_path[PATH_MAX];
	struct elf e;
	int bad = 0;

	declared_functions(include_dir(), &decl);
	snprintf(map_path, sizeof(map_path), "%s/src/liblipc.map", check_source_dir());
	map_entries(map_path, &map);
	elf_open(&e, shared_library());
	exported_symbols(&e, &sym);

	for (size_t i = 0; i < decl.n; i++)
		if (!names_find(&map, decl.name[i])) {
			fprintf(stderr, "%s declared in lipc/%s is not in src/liblipc.map\n",
				decl.name[i], decl.where[i]);
			bad++;
		}
	for (size_t i = 0; i < map.n; i++) {
		const char *v = names_find(&sym, map.name[i]);

		if (!names_find(&decl, map.name[i])) {
			fprintf(stderr,
				"%s in src/liblipc.map (%s) is declared in no public header\n",
				map.name[i], map.where[i]);
			bad++;
		}
		if (!v) {
			fprintf(stderr, "%s in src/liblipc.map is not exported by %s\n",
				map.name[i], shared_library());
			bad++;
		} else if (strcmp(v, map.where[i])) {
			fprintf(stderr, "%s is exported as version %s, the map says %s\n",
				map.name[i], v, map.where[i]);
			bad++;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(map.name[i], map.name[j])) {
				fprintf(stderr, "%s is in src/liblipc.map twice\n", map.name[i]);
				bad++;
			}
	}
	for (size_t i = 0; i < sym.n; i++)
		if (!names_find(&map, sym.name[i])) {
			fprintf(stderr, "%s (%s) is exported but not in src/liblipc.map\n",
				sym.name[i], sym.where[i]);
			bad++;
		}
	CHECK_EQ(bad, 0);
	/* Something was compared: the lists are not all empty. */
	CHECK(decl.n > 50);
	CHECK_EQ(decl.n, map.n);
	CHECK_EQ(sym.n, map.n);
	munmap(e.map, e.size);
	names_free(&decl);
	names_free(&map);
	names_free(&sym);
}

/* The soname is liblipc.so.MAJOR, and the library, the headers and CMake tell one version. */
static void version_agrees(void)
{
	char want[64], soname[64] = "";
	struct elf e;
	const Shdr *dyn;
	unsigned major, minor, patch;

	CHECK_EQ(lipc_version(), LIPC_VERSION_NUMBER);
	CHECK_EQ(LIPC_VERSION_NUMBER,
		 LIPC_VERSION_MAJOR * 10000 + LIPC_VERSION_MINOR * 100 + LIPC_VERSION_PATCH);
	/* LIPC_PROJECT_VERSION: project()'s VERSION in CMakeLists.txt, passed by the build. */
	CHECK_EQ(sscanf(LIPC_PROJECT_VERSION, "%u.%u.%u", &major, &minor, &patch), 3);
	CHECK_EQ(major, LIPC_VERSION_MAJOR);
	CHECK_EQ(minor, LIPC_VERSION_MINOR);
	CHECK_EQ(patch, LIPC_VERSION_PATCH);

	elf_open(&e, shared_library());
	dyn = elf_section(&e, SHT_DYNAMIC);
	CHECK(dyn);
	for (const Dyn *d = (const Dyn *)(e.base + dyn->sh_offset);
	     (const unsigned char *)(d + 1) <= e.base + dyn->sh_offset + dyn->sh_size && d->d_tag;
	     d++)
		if (d->d_tag == DT_SONAME)
			snprintf(soname, sizeof(soname), "%s",
				 elf_string(&e, dyn->sh_link, (size_t)d->d_un.d_val));
	snprintf(want, sizeof(want), "liblipc.so.%d", LIPC_VERSION_MAJOR);
	CHECK_STR(soname, want);
	munmap(e.map, e.size);
}

/* Every enumerator of every public enum has an explicit value: "NAME = VALUE". */
static void enums_explicit(void)
{
	static char files[64][NAME_MAX + 1];
	size_t nfiles = header_files(include_dir(), files, 64), seen = 0;
	int bad = 0;

	for (size_t f = 0; f < nfiles; f++) {
		char *text = read_header(include_dir(), files[f]);

		for (char *p = strstr(text, "enum"); p; p = strstr(p + 1, "enum")) {
			char *open, *close;

			if ((p > text && is_ident(p[-1])) || is_ident(p[4]))
				continue;
			open = strpbrk(p, "{;,)");
			if (!open || *open != '{')
				continue; /* a use of the enum, not its definition */
			close = strchr(open, '}');
			CHECK(close);
			/* Each enumerator ends at a comma or the brace, and holds its "=". */
			for (char *item = open + 1; item < close;) {
				char *end = memchr(item, ',', (size_t)(close - item));
				char *q = item;

				if (!end)
					end = close;
				while (q < end && isspace((unsigned char)*q))
					q++;
				if (q < end) {
					seen++;
					if (!memchr(q, '=', (size_t)(end - q))) {
						fprintf(stderr,
							"lipc/%s: enumerator %.*s has no explicit "
							"value\n",
							files[f], (int)strcspn(q, " \t\n,}"), q);
						bad++;
					}
				}
				item = end + 1;
			}
			p = close;
		}
		free(text);
	}
	CHECK_EQ(bad, 0);
	CHECK(seen > 5);
}

/*
 * The structs a caller allocates and the library reads or fills begin with size_t struct_size,
 * so that a later version can add fields at their end. The exceptions: opaque structs (declared,
 * never defined here), and those whose layout is shared between processes, in shared memory,
 * where a size field would say nothing (lipc_shm_mutex, lipc_shm_cond: a new layout would be a
 * new type).
 */
static void structs_extensible(void)
{
	static const char *const fixed[] = { "lipc_shm_mutex", "lipc_shm_cond" };
	static char files[64][NAME_MAX + 1];
	size_t nfiles = header_files(include_dir(), files, 64), seen = 0;
	int bad = 0;

	for (size_t f = 0; f < nfiles; f++) {
		char *text = read_header(include_dir(), files[f]);

		for (char *p = strstr(text, "struct"); p; p = strstr(p + 1, "struct")) {
			char name[64], *q = p + 6, *open;
			size_t len;
			bool exempt = false;

			if ((p > text && is_ident(p[-1])) || !isspace((unsigned char)p[6]))
				continue;
			while (isspace((unsigned char)*q))
				q++;
			len = 0;
			while (is_ident(q[len]))
				len++;
			for (open = q + len; isspace((unsigned char)*open); open++)
				;
			if (*open != '{' || len == 0 || len >= sizeof(name))
				continue; /* not a definition */
			memcpy(name, q, len);
			name[len] = '\0';
			seen++;
			for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
				exempt |= !strcmp(name, fixed[i]);
			for (q = open + 1; isspace((unsigned char)*q); q++)
				;
			if (!exempt && strncmp(q, "size_t struct_size;", 19)) {
				fprintf(stderr,
					"lipc/%s: struct %s does not begin with size_t "
					"struct_size\n",
					files[f], name);
				bad++;
			}
		}
		free(text);
	}
	CHECK_EQ(bad, 0);
	CHECK(seen > 5);
}

/* A pipe's two ends as framed channels, or the test fails. */
static void pipe_chans(struct lipc_chan **tx, struct lipc_chan **rx)
{
	struct lipc_chan_opts o = LIPC_CHAN_OPTS_INIT;
	int fds[2];

	o.flags = LIPC_CHAN_FRAMED;
	o.timeout_ms = 5000;
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	*tx = lipc_chan_open_fd(fds[1], LIPC_SEND, &o);
	*rx = lipc_chan_open_fd(fds[0], LIPC_RECV, &o);
	CHECK(*tx && *rx);
}

/*
 * The struct_size rules of lipc/version.h, through the channel, the lock and the shared memory:
 * an uninitialised struct (0) is EINVAL; a larger struct than the library's (a newer program) is
 * taken when its unknown bytes are zero and refused with E2BIG otherwise; a larger one is filled
 * as far as the library knows and no further; an array is stepped through by its first
 * element's struct_size.
 */
static void struct_size_rules(void)
{
	/* Room for a struct of a later version: ours, and 16 bytes more. */
	union {
		struct lipc_msg msg;
		struct lipc_chan_opts opts;
		unsigned char bytes[sizeof(struct lipc_chan_opts) + sizeof(struct lipc_msg) + 16];
	} big;
	struct lipc_chan_opts zero_opts = { 0 };
	struct lipc_chan *tx, *rx;
	struct lipc_lock lk = { 0 };
	struct lipc_shm shm = { 0 };
	int fds[2];

	/* Not initialised: EINVAL, and open_fd still takes the descriptor (it is closed). */
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	CHECK(lipc_chan_open_fd(fds[0], LIPC_RECV, &zero_opts) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK_ERR(fcntl(fds[0], F_GETFD), EBADF);
	close(fds[1]);
	pipe_chans(&tx, &rx);
	CHECK_ERR(lipc_chan_sendmsg(tx, &(struct lipc_msg){ .data = "x", .len = 1 }), EINVAL);
	CHECK_ERR(lipc_chan_recv(rx, &(struct lipc_msg){ 0 }), EINVAL);
	lk.fd = 0;
	CHECK_ERR(lipc_lock_try_lock(&lk), EINVAL);
	CHECK_ERR(lipc_shm_create_anon(&shm, 4096), EINVAL);
	CHECK_EQ(lipc_shm_close(&shm), 0); /* nothing to close */

	/* Larger, unknown bytes zero: taken. Not zero: E2BIG, and nothing is sent. */
	memset(&big, 0, sizeof(big));
	big.msg = (struct lipc_msg){ .struct_size = sizeof(struct lipc_msg) + 16,
				     .data = "a",
				     .len = 1 };
	CHECK_SYS(lipc_chan_sendmsg(tx, &big.msg));
	big.bytes[sizeof(struct lipc_msg) + 3] = 1;
	CHECK_ERR(lipc_chan_sendmsg(tx, &big.msg), E2BIG);
	/* Filled as far as the library knows; the caller's struct_size and the rest untouched. */
	memset(&big, 0x5a, sizeof(big));
	big.msg.struct_size = sizeof(struct lipc_msg) + 16;
	CHECK_EQ(lipc_chan_recv(rx, &big.msg), 1);
	CHECK_EQ(big.msg.len, 1);
	CHECK(!memcmp(big.msg.data, "a", 1));
	CHECK_EQ(big.msg.struct_size, sizeof(struct lipc_msg) + 16);
	for (size_t i = sizeof(struct lipc_msg); i < sizeof(struct lipc_msg) + 16; i++)
		CHECK_EQ(big.bytes[i], 0x5a);
	/* Options of a later version with a zero tail open a channel. */
	memset(&big, 0, sizeof(big));
	big.opts = (struct lipc_chan_opts)LIPC_CHAN_OPTS_INIT;
	big.opts.struct_size = sizeof(struct lipc_chan_opts) + 16;
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	close(fds[0]);
	lipc_chan_close(lipc_chan_open_fd(fds[1], LIPC_SEND, &big.opts));
	big.bytes[sizeof(struct lipc_chan_opts) + 15] = 1;
	CHECK_SYS(pipe2(fds, O_CLOEXEC));
	close(fds[0]);
	CHECK(lipc_chan_open_fd(fds[1], LIPC_SEND, &big.opts) == NULL);
	CHECK_EQ(errno, E2BIG);
	CHECK_SYS(lipc_chan_close(tx));
	CHECK_SYS(lipc_chan_close(rx));
}

/* An array of a later version's structs is filled at its own stride, its gaps untouched. */
static void arrays_by_stride(void)
{
	enum {
		GAP = 24,
		N = 4
	};
	size_t stride = sizeof(struct lipc_lock_owner) + GAP;
	unsigned char *arr = calloc(N, stride);
	char path[PATH_MAX];
	struct lipc_lock lk = LIPC_LOCK_INIT;
	int fd, n;

	CHECK(arr);
	check_path(path, sizeof(path), "abi-lock");
	fd = (int)CHECK_SYS(open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
	lk.fd = fd;
	lk.start = 0;
	lk.len = 1;
	CHECK_SYS(lipc_lock_lock(&lk, -1));
	lk.start = 10;
	lk.shared = false;
	CHECK_SYS(lipc_lock_lock(&lk, -1));
	memset(arr, 0x5a, N * stride);
	memcpy(arr, &stride, sizeof(stride));
	n = lipc_lock_list(fd, (struct lipc_lock_owner *)(void *)arr, N);
	CHECK_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		struct lipc_lock_owner o;

		memcpy(&o, arr + (size_t)i * stride, sizeof(o));
		CHECK_EQ(o.struct_size, stride);
		CHECK_EQ(o.kind, LIPC_LOCK_OFD);
		CHECK_EQ(o.len, 1);
		CHECK(o.start == 0 || o.start == 10);
		for (size_t b = sizeof(o); b < stride; b++)
			CHECK_EQ(arr[(size_t)i * stride + b], 0x5a);
	}
	/* The elements past the count are not written. */
	for (size_t b = 2 * stride; b < N * stride; b++)
		CHECK_EQ(arr[b], 0x5a);
	close(fd);
	unlink(path);
	free(arr);
}

/*
 * tests/abi/v1.0/ holds the public headers of 1.0, which the compatibility test builds its "old"
 * program against; they never change. The map's LIPC_1.0 node is frozen with them: it lists
 * exactly the functions they declare, so that no release moves a 1.0 function to a later node
 * (a 1.0 program would no longer find it) or slips a new one into 1.0.
 */
static void node_1_0_is_frozen(void)
{
	struct names old = { 0 }, map = { 0 };
	char snap[PATH_MAX], map_path[PATH_MAX];
	size_t in_1_0 = 0;
	int bad = 0;

	snprintf(snap, sizeof(snap), "%s/tests/abi/v1.0/lipc", check_source_dir());
	snprintf(map_path, sizeof(map_path), "%s/src/liblipc.map", check_source_dir());
	declared_functions(snap, &old);
	map_entries(map_path, &map);
	for (size_t i = 0; i < old.n; i++) {
		const char *node = names_find(&map, old.name[i]);

		if (!node || strcmp(node, "LIPC_1.0")) {
			fprintf(stderr, "%s, declared by the 1.0 headers, is %s\n", old.name[i],
				node ? node : "not in src/liblipc.map");
			bad++;
		}
	}
	for (size_t i = 0; i < map.n; i++) {
		if (strcmp(map.where[i], "LIPC_1.0"))
			continue;
		in_1_0++;
		if (!names_find(&old, map.name[i])) {
			fprintf(stderr, "%s is in LIPC_1.0 but not in the 1.0 headers\n",
				map.name[i]);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(old.n > 50);
	CHECK_EQ(in_1_0, old.n);
	names_free(&old);
	names_free(&map);
}

CHECK_MAIN(TEST(exports_match_headers), TEST(version_agrees), TEST(enums_explicit),
	   TEST(structs_extensible), TEST(struct_size_rules), TEST(arrays_by_stride),
	   TEST(node_1_0_is_frozen))
