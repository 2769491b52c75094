/* SPDX-License-Identifier: MIT */
/*
 * lipc ls: every live IPC object of the system in one table, or as JSON. An IPC object outlives
 * the process that made it (a System V queue, a /dev/shm file, a socket file), so after a crash
 * something must show what is left and who still holds it; ipcs(1) shows System V objects only.
 * The columns are defined once, in columns[] below, and that one table drives the header, the
 * names -o takes, the --help text and the JSON field names, so that they cannot drift apart.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "json.h"
#include "ls_object.h"

/* How a column's value is written. */
enum format {
	F_STR,	      /* text */
	F_NUM,	      /* a number */
	F_BYTES,      /* bytes: K, M, G in the table, exact in JSON */
	F_KEY,	      /* a System V key: 0x hex in the table, a number in JSON */
	F_PERMS,      /* permissions: "0600" in both */
	F_TIME,	      /* ISO 8601 in both */
	F_BYTES_LIST, /* bytes, one per consumer: "0,1.5K" in the table, an array in JSON */
};

enum column_id {
	C_TYPE,
	C_OWNER,
	C_PERMS,
	C_SIZE,
	C_COUNT,
	C_PID,
	C_COMMAND,
	C_STATE,
	C_NAME,
	C_UID,
	C_USED,
	C_MODE,
	C_PRODUCERS,
	C_CONSUMERS,
	C_LAG,
	C_KEY,
	C_ID,
	C_CPID,
	C_LPID,
	C_LSPID,
	C_LRPID,
	C_LOCK,
	C_ACCESS,
	C_START,
	C_END,
	C_CHANGED,
	C_LASTOP,
	N_COLUMNS
};

struct column {
	const char *name; /* for -o, and the JSON field */
	const char *header;
	enum format format;
	bool shown; /* in the table by default */
	const char *help;
};

/* clang-format off */
static const struct column columns[N_COLUMNS] = {
	[C_TYPE] = { "type", "TYPE", F_STR, true, "the kind of object (--type names them)" },
	[C_OWNER] = { "owner", "OWNER", F_STR, true, "its owner (a lock's: its process's; an abstract socket's: its creator)" },
	[C_PERMS] = { "perms", "PERMS", F_PERMS, true, "its permissions, in octal" },
	[C_SIZE] = { "size", "SIZE", F_BYTES, true, "bytes it has room for: a segment's size, a queue's or ring's capacity" },
	[C_COUNT] = { "count", "COUNT", F_NUM, true, "messages queued; semaphores in a set; processes attached to a\n"
		"System V segment or with a FIFO open; connections of a socket" },
	[C_PID] = { "pid", "PID", F_NUM, true, "a process that has it: a lock's holder or waiter, a FIFO's or socket's\n"
		"(the lowest pid), the one an mq: queue will notify" },
	[C_COMMAND] = { "command", "COMMAND", F_STR, true, "that process's command name" },
	[C_STATE] = { "state", "STATE", F_STR, true, "a lock's kind, access, range; a socket's state; who is attached to a ring\n"
		"(and, but for a point-to-point ring, its mode and how far behind its consumers are)" },
	[C_NAME] = { "name", "NAME", F_STR, true, "the address 'lipc rm' takes (a lock: its file)" },
	[C_UID] = { "uid", "UID", F_NUM, false, "the owner's user id" },
	[C_USED] = { "used", "USED", F_BYTES, false, "bytes it holds now: messages queued, a ring's unread records, a\n"
		"segment's or object's memory" },
	[C_MODE] = { "mode", "MODE", F_STR, false, "a ring's mode: point (one producer, one consumer), multi (many producers),\n"
		"pub (many consumers, lossless), lossy (many consumers, lossy)" },
	[C_PRODUCERS] = { "producers", "PRODUCERS", F_NUM, false, "a ring's producers attached now" },
	[C_CONSUMERS] = { "consumers", "CONSUMERS", F_NUM, false, "a ring's consumers attached now" },
	[C_LAG] = { "lag", "LAG", F_BYTES_LIST, false, "how far behind each consumer of a ring is: the bytes it has not read" },
	[C_KEY] = { "key", "KEY", F_KEY, false, "System V: the key (0: private)" },
	[C_ID] = { "id", "ID", F_NUM, false, "System V: the identifier" },
	[C_CPID] = { "cpid", "CPID", F_NUM, false, "sysv-shm: the creator's pid" },
	[C_LPID] = { "lpid", "LPID", F_NUM, false, "sysv-shm: the pid of the last attach or detach" },
	[C_LSPID] = { "lspid", "LSPID", F_NUM, false, "sysv-mq: the pid of the last send" },
	[C_LRPID] = { "lrpid", "LRPID", F_NUM, false, "sysv-mq: the pid of the last receive" },
	[C_LOCK] = { "lock", "LOCK", F_STR, false, "a lock's kind: ofd, posix or flock" },
	[C_ACCESS] = { "access", "ACCESS", F_STR, false, "a lock's access: read (shared) or write (exclusive)" },
	[C_START] = { "start", "START", F_NUM, false, "a lock's first byte" },
	[C_END] = { "end", "END", F_NUM, false, "a lock's last byte (none: to the end of the file)" },
	[C_CHANGED] = { "changed", "CHANGED", F_TIME, false, "the last change of its owner or permissions (ctime)" },
	[C_LASTOP] = { "lastop", "LAST-OP", F_TIME, false, "the last operation on it: System V's send, receive, semop,\n"
		"attach or detach; a file's last write (mtime)" },
};
/* clang-format on */

/* --type also takes these names for several kinds at once. */
static const struct {
	const char *name;
	enum ls_kind kinds[3];
} groups[] = {
	{ "sysv", { LS_SYSV_SEM, LS_SYSV_MQ, LS_SYSV_SHM } },
	{ "socket", { LS_UNIX, LS_UNIX_DGRAM, LS_UNIX_SEQPACKET } },
};

/* Options with no short form. */
enum {
	OPT_JSON = 0x200, /* past cli.h's channel options */
	OPT_KINDS,
	OPT_MINE,
	OPT_NO_HEADINGS,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "type", required_argument, NULL, OPT_KINDS },
	{ "output", required_argument, NULL, 'o' },
	{ "mine", no_argument, NULL, OPT_MINE },
	{ "no-headings", no_argument, NULL, OPT_NO_HEADINGS },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static char *build_help(void)
{
	size_t size = 8192, len;
	char *h = malloc(size);

	if (!h)
		fail("%s", strerror(ENOMEM));
	len = (size_t)snprintf(
		h, size,
		"Usage: lipc ls [--json] [--type TYPES] [-o COLUMNS] [--mine] [--no-headings]\n"
		"List every live IPC object of the system: System V queues, semaphore sets and\n"
		"segments; POSIX shared memory, named semaphores and message queues; LinuxIPC\n"
		"rings; file locks; Unix sockets with a name; FIFOs that processes have open.\n"
		"\n"
		"Options:\n"
		"      --json           print JSON: {\"objects\": [{FIELD: VALUE, ...}, ...],\n"
		"                       \"notes\": [...]}, every column unless -o says which; a\n"
		"                       value that does not apply is null\n"
		"      --type TYPES     only these kinds, comma-separated: lock, fifo, sem,\n"
		"                       sysv-sem, mq, sysv-mq, shm, sysv-shm, ring, unix,\n"
		"                       unix-dgram, unix-seqpacket; sysv means the three sysv-\n"
		"                       kinds, socket the three unix ones\n"
		"  -o, --output COLUMNS the columns to show, comma-separated; +COLUMNS adds them\n"
		"                       to the default ones\n"
		"      --mine           only the objects of your user\n"
		"      --no-headings    no header line\n"
		"  -h, --help           show this help\n"
		"\n"
		"Columns (* shown by default):\n");
	for (int c = 0; c < N_COLUMNS && len < size; c++) {
		const char *text = columns[c].help;

		len += (size_t)snprintf(h + len, size - len, " %c %-8s ",
					columns[c].shown ? '*' : ' ', columns[c].name);
		/* Continuation lines of a column's help line up under its first. */
		for (const char *nl; len < size && (nl = strchr(text, '\n')); text = nl + 1)
			len += (size_t)snprintf(h + len, size - len, "%.*s\n%12s", (int)(nl - text),
						text, "");
		if (len < size)
			len += (size_t)snprintf(h + len, size - len, "%s\n", text);
	}
	if (len < size)
		snprintf(h + len, size - len,
			 "\n"
			 "POSIX message queues are listed only where an mqueue file system is "
			 "mounted\n"
			 "(mount -t mqueue none /dev/mqueue); FIFOs and the processes behind "
			 "sockets\n"
			 "only for the processes you may look into (root: all). What cannot be "
			 "listed\n"
			 "is said in a note on standard error. Times are ISO 8601, in local time.\n"
			 "Exit status: 0 listed, 1 failed (a write error), 2 usage error.\n");
	return h;
}

/* --type: a comma-separated list of kinds and groups. */
static void parse_types(const char *arg, bool want[LS_N_KINDS])
{
	char *copy = strdup(arg), *save = copy;

	if (!copy)
		fail("%s", strerror(ENOMEM));
	for (char *t; (t = strsep(&save, ","));) {
		bool found = false;

		if (!*t)
			usage_error("ls: an empty type in '%s'", arg);

		for (int k = 0; k < LS_N_KINDS; k++) {
			if (!strcmp(t, ls_kind_names[k])) {
				want[k] = true;
				found = true;
			}
		}
		for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
			if (strcmp(t, groups[g].name))
				continue;
			for (size_t k = 0; k < sizeof(groups[g].kinds) / sizeof(groups[g].kinds[0]);
			     k++)
				want[groups[g].kinds[k]] = true;
			found = true;
		}
		if (!found)
			usage_error(
				"ls: unknown type '%s' (types: lock, fifo, sem, sysv-sem, mq, "
				"sysv-mq, shm, sysv-shm, ring, unix, unix-dgram, unix-seqpacket, "
				"sysv, socket)",
				t);
	}
	free(copy);
}

/* -o: the columns, in the order given; "+..." adds them after the default ones. */
static size_t parse_columns(const char *arg, int *chosen)
{
	char *copy = strdup(arg + (arg[0] == '+')), *save = copy;
	size_t n = 0;

	if (!copy)
		fail("%s", strerror(ENOMEM));
	if (arg[0] == '+')
		for (int c = 0; c < N_COLUMNS; c++)
			if (columns[c].shown)
				chosen[n++] = c;
	for (char *t; (t = strsep(&save, ","));) {
		int c = 0;

		if (!*t)
			usage_error("ls: an empty column in '%s'", arg);

		while (c < N_COLUMNS && strcmp(t, columns[c].name))
			c++;
		if (c == N_COLUMNS) {
			char names[512] = "";

			for (int i = 0; i < N_COLUMNS; i++) {
				strcat(names, i ? ", " : "");
				strcat(names, columns[i].name);
			}
			usage_error("ls: unknown column '%s' (columns: %s)", t, names);
		}
		if (n < 2 * N_COLUMNS)
			chosen[n++] = c;
	}
	free(copy);
	if (n == 0)
		usage_error("ls: no columns in '%s'", arg);
	return n;
}

/* A user's name, or the number when the user has none; cached, as each object asks. */
static const char *user_name(uid_t uid)
{
	static struct {
		uid_t uid;
		char name[64];
	} cache[64];
	static size_t n;
	struct passwd *pw;

	for (size_t i = 0; i < n; i++)
		if (cache[i].uid == uid)
			return cache[i].name;
	if (n == sizeof(cache) / sizeof(cache[0]))
		n = 0; /* a small cache is enough: few users own IPC objects */
	cache[n].uid = uid;
	pw = getpwuid(uid);
	if (pw)
		snprintf(cache[n].name, sizeof(cache[n].name), "%s", pw->pw_name);
	else
		snprintf(cache[n].name, sizeof(cache[n].name), "%u", (unsigned)uid);
	return cache[n++].name;
}

/* A value of a column: a number, text (its bytes), or nothing (the column does not apply). */
struct value {
	enum {
		V_NONE,
		V_NUM,
		V_STR,
		V_LIST /* numbers: list[0..len), -1 for one not known */
	} type;
	long long num;
	const char *str;
	size_t len;
	const long long *list;
};

static struct value num(long long v, bool applies)
{
	return applies ? (struct value){ V_NUM, v, NULL, 0, NULL }
		       : (struct value){ V_NONE, 0, NULL, 0, NULL };
}

static struct value str(const char *s)
{
	return s && *s ? (struct value){ V_STR, 0, s, strlen(s), NULL }
		       : (struct value){ V_NONE, 0, NULL, 0, NULL };
}

/* ISO 8601 in local time with the offset from UTC: 2024-05-01T14:03:09+02:00. */
static const char *iso_time(time_t t, char *buf, size_t size)
{
	struct tm tm;
	char zone[8];

	if (!localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm) ||
	    !strftime(zone, sizeof(zone), "%z", &tm))
		return "";
	snprintf(buf + strlen(buf), size - strlen(buf), "%.3s:%.2s", zone, zone + 3);
	return buf;
}

static struct value value_of(const struct ls_object *o, int c, char *buf, size_t size)
{
	switch ((enum column_id)c) {
	case C_TYPE:
		return str(ls_kind_names[o->kind]);
	case C_NAME:
		return (struct value){ V_STR, 0, o->name, o->name_len, NULL };
	case C_OWNER:
		return o->has_uid ? str(user_name(o->uid)) : str(NULL);
	case C_UID:
		return num(o->uid, o->has_uid);
	case C_PERMS:
		if (o->perms < 0)
			return str(NULL);
		snprintf(buf, size, "%04o", (unsigned)o->perms);
		return str(buf);
	case C_SIZE:
		return num(o->size, o->size >= 0);
	case C_USED:
		return num(o->used, o->used >= 0);
	case C_COUNT:
		return num(o->count, o->count >= 0);
	case C_MODE:
		return str(o->mode);
	case C_PRODUCERS:
		return num(o->producers, o->producers >= 0);
	case C_CONSUMERS:
		return num(o->consumers, o->consumers >= 0);
	case C_LAG:
		if (o->n_lag < 0)
			return str(NULL);
		return (struct value){ V_LIST, 0, NULL, (size_t)o->n_lag, o->lag };
	case C_KEY:
		return num(o->key, o->has_key);
	case C_ID:
		return num(o->id, o->has_key);
	case C_PID:
		return num(o->pid, o->pid > 0);
	case C_COMMAND:
		return str(o->pid > 0 ? o->command : NULL);
	case C_CPID:
		return num(o->cpid, o->cpid > 0);
	case C_LPID:
		return num(o->lpid, o->lpid > 0);
	case C_LSPID:
		return num(o->lspid, o->lspid > 0);
	case C_LRPID:
		return num(o->lrpid, o->lrpid > 0);
	case C_STATE:
		return str(o->state);
	case C_LOCK:
		return str(o->lock_kind);
	case C_ACCESS:
		return str(o->access);
	case C_START:
		return num(o->start, o->kind == LS_LOCK);
	case C_END:
		return num(o->end, o->kind == LS_LOCK && o->end >= 0);
	case C_CHANGED:
		return str(o->changed > 0 ? iso_time(o->changed, buf, size) : NULL);
	case C_LASTOP:
		return str(o->lastop > 0 ? iso_time(o->lastop, buf, size) : NULL);
	case N_COLUMNS:
		break;
	}
	return str(NULL);
}

/* A list of byte counts for the table: "0,1.5K,?" ("-" when empty), in a new string. */
static char *list_text(const struct value *v)
{
	size_t size = v->len * 16 + 2, len = 0;
	char *t = malloc(size);

	if (!t)
		fail("%s", strerror(ENOMEM));
	t[0] = '\0';
	if (v->len == 0)
		snprintf(t, size, "-");
	for (size_t i = 0; i < v->len; i++) {
		char human[32] = "?";

		if (v->list[i] >= 0)
			ls_human_bytes(v->list[i], human, sizeof(human));
		len += (size_t)snprintf(t + len, size - len, "%s%s", i ? "," : "", human);
	}
	return t;
}

/* The text of a table cell, made safe for a terminal, in a new string. */
static char *cell_text(const struct ls_object *o, int c)
{
	char buf[64], human[32];
	struct value v = value_of(o, c, buf, sizeof(buf));

	if (v.type == V_NONE)
		return escape_text("-", 1);
	if (v.type == V_STR)
		return escape_text(v.str, v.len);
	if (v.type == V_LIST) {
		char *list = list_text(&v);
		char *t = escape_text(list, strlen(list));

		free(list);
		return t;
	}
	if (columns[c].format == F_BYTES)
		ls_human_bytes(v.num, human, sizeof(human));
	else if (columns[c].format == F_KEY)
		snprintf(human, sizeof(human), "0x%08llx", v.num);
	else
		snprintf(human, sizeof(human), "%lld", v.num);
	return escape_text(human, strlen(human));
}

static bool right_aligned(int c)
{
	return columns[c].format == F_NUM || columns[c].format == F_BYTES ||
	       columns[c].format == F_BYTES_LIST;
}

static void print_table(const struct ls_list *l, const int *chosen, size_t n_chosen, bool headings)
{
	size_t width[2 * N_COLUMNS];
	char **cells = calloc(l->n * n_chosen + 1, sizeof(*cells));

	if (!cells)
		fail("%s", strerror(ENOMEM));
	for (size_t j = 0; j < n_chosen; j++)
		width[j] = headings ? strlen(columns[chosen[j]].header) : 0;
	for (size_t i = 0; i < l->n; i++) {
		for (size_t j = 0; j < n_chosen; j++) {
			char *t = cell_text(&l->v[i], chosen[j]);
			size_t w = escape_width(t);

			cells[i * n_chosen + j] = t;
			if (w > width[j])
				width[j] = w;
		}
	}
	for (size_t i = headings ? 0 : 1; i <= l->n; i++) {
		for (size_t j = 0; j < n_chosen; j++) {
			const char *t =
				i == 0 ? columns[chosen[j]].header : cells[(i - 1) * n_chosen + j];
			size_t pad = width[j] - escape_width(t);
			bool last = j + 1 == n_chosen;

			if (j)
				putchar(' ');
			if (right_aligned(chosen[j]))
				printf("%*s%s", (int)pad, "", t);
			else
				printf("%s%*s", t, last ? 0 : (int)pad, "");
		}
		putchar('\n');
	}
	for (size_t i = 0; i < l->n * n_chosen; i++)
		free(cells[i]);
	free(cells);
}

/* [0, 4096, null]: the numbers, null for one not known. */
static void json_numbers(const long long *list, size_t n)
{
	putchar('[');
	for (size_t k = 0; k < n; k++) {
		if (list[k] < 0)
			printf("%snull", k ? ", " : "");
		else
			printf("%s%lld", k ? ", " : "", list[k]);
	}
	putchar(']');
}

static void print_json(const struct ls_list *l, const int *chosen, size_t n_chosen)
{
	printf("{\n  \"objects\": [");
	for (size_t i = 0; i < l->n; i++) {
		printf("%s\n    {", i ? "," : "");
		for (size_t j = 0; j < n_chosen; j++) {
			char buf[64];
			struct value v = value_of(&l->v[i], chosen[j], buf, sizeof(buf));

			printf("%s\"%s\": ", j ? ", " : "", columns[chosen[j]].name);
			if (v.type == V_NONE)
				fputs("null", stdout);
			else if (v.type == V_NUM)
				printf("%lld", v.num);
			else if (v.type == V_LIST)
				json_numbers(v.list, v.len);
			else
				json_string(stdout, v.str, v.len);
		}
		putchar('}');
	}
	printf("%s],\n  \"notes\": [", l->n ? "\n  " : "");
	for (size_t i = 0; i < l->n_notes; i++) {
		printf("%s\n    ", i ? "," : "");
		json_string(stdout, l->notes[i], strlen(l->notes[i]));
	}
	printf("%s]\n}\n", l->n_notes ? "\n  " : "");
}

static int compare_objects(const void *a, const void *b)
{
	const struct ls_object *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	c = memcmp(x->name, y->name, x->name_len < y->name_len ? x->name_len : y->name_len);
	if (c || x->name_len != y->name_len)
		return c ? c : x->name_len < y->name_len ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->start > y->start) - (x->start < y->start);
}

int cmd_ls(int argc, char **argv)
{
	struct ls_list l = { .n = 0 };
	int chosen[2 * N_COLUMNS], opt;
	size_t n_chosen = 0, kept = 0;
	bool json = false, mine = false, headings = true, some_type = false;
	char *help = build_help();

	while ((opt = next_option(argc, argv, "o:", longopts, help)) != -1) {
		switch (opt) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_KINDS:
			parse_types(optarg, l.want);
			some_type = true;
			break;
		case 'o':
			n_chosen = parse_columns(optarg, chosen);
			break;
		case OPT_MINE:
			mine = true;
			break;
		case OPT_NO_HEADINGS:
			headings = false;
			break;
		default:
			usage_error("ls: unknown option");
		}
	}
	free(help);
	if (optind < argc)
		usage_error("ls: unexpected argument '%s'", argv[optind]);
	if (!some_type)
		for (int k = 0; k < LS_N_KINDS; k++)
			l.want[k] = true;
	if (n_chosen == 0)
		for (int c = 0; c < N_COLUMNS; c++)
			if (json || columns[c].shown)
				chosen[n_chosen++] = c;

	ls_locks(&l);
	ls_sockets_and_fifos(&l);
	ls_sysv(&l);
	ls_dev_shm(&l);
	ls_mqueue(&l);

	for (size_t i = 0; i < l.n; i++) {
		if (!mine || (l.v[i].has_uid && l.v[i].uid == geteuid())) {
			l.v[kept++] = l.v[i];
		} else {
			free(l.v[i].name);
			free(l.v[i].lag);
		}
	}
	l.n = kept;
	if (l.n > 0)
		qsort(l.v, l.n, sizeof(*l.v), compare_objects);
	if (json)
		print_json(&l, chosen, n_chosen);
	else
		print_table(&l, chosen, n_chosen, headings);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		stdout_failed = true;
		fail("write error: %s", strerror(errno));
	}
	if (!json)
		for (size_t i = 0; i < l.n_notes; i++)
			warn_msg("note: %s", l.notes[i]);
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].name);
		free(l.v[i].lag);
	}
	for (size_t i = 0; i < l.n_notes; i++)
		free(l.notes[i]);
	free(l.v);
	return EXIT_SUCCESS;
}
