/* SPDX-License-Identifier: MIT */
/*
 * lipc shm: create, write, read and remove shared memory objects, POSIX (/name) or System V
 * (sysv:KEY). Binary safe: write stores exactly the bytes given, read prints exactly the bytes
 * asked for, with no newline added (pipe it into od -c or xxd to see it). A range outside the
 * object is refused whole, never clamped, and nothing is written before the whole range is known
 * to fit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lipc/key.h"
#include "lipc/shm.h"

static const char help[] =
	"Usage: lipc shm ACTION [OPTIONS] NAME [ARGUMENTS]\n"
	"Create, write, read and remove shared memory objects.\n"
	"\n"
	"Actions:\n"
	"  create [-m MODE] NAME SIZE        create NAME, SIZE bytes, all zero; never reuses\n"
	"                                    an existing NAME\n"
	"  write [-o OFFSET] NAME [DATA|-]   store the bytes of DATA, or of standard input\n"
	"                                    (- or no DATA), at OFFSET (default 0)\n"
	"  read [-o OFFSET] [-l LENGTH] NAME print LENGTH bytes from OFFSET (default: all of\n"
	"                                    them to the end), with no newline added\n"
	"  rm NAME                           remove NAME\n"
	"\n"
	"NAME is /NAME for a POSIX object (a file in /dev/shm) or sysv:KEY for a System V\n"
	"segment, KEY decimal, 0x hexadecimal, or @PATH[:PROJ] for ftok(PATH, PROJ);\n"
	"sysv:KEY may also be written sysv-shm:KEY, as lipc rm takes it.\n"
	"SIZE, OFFSET and LENGTH are bytes, or K, M or G of them (4096, 64K, 1M).\n"
	"A range that does not fit in the object is refused, not cut short.\n"
	"Run 'lipc shm ACTION --help' for the options of an action.\n"
	"Exit status: 0 done, 1 failed, 2 usage error.\n";

static const char help_create[] =
	"Usage: lipc shm create [OPTIONS] NAME SIZE\n"
	"Create the shared memory object NAME (/NAME or sysv:KEY), SIZE bytes (4096, 64K, 1M),\n"
	"all zero. An existing NAME is an error: it is never reused or resized. The pages of a\n"
	"POSIX object are reserved at once, so a full /dev/shm is an error now, not a crash of\n"
	"the first program that touches the memory.\n"
	"\n"
	"Options:\n"
	"  -m, --mode MODE  permissions (octal, at most 0777; default 0600); the umask\n"
	"                   applies to POSIX objects, not to System V segments\n"
	"  -h, --help       show this help\n"
	"\n"
	"Exit status: 0 created, 1 failed, 2 usage error.\n";

static const char help_write[] =
	"Usage: lipc shm write [OPTIONS] NAME [DATA | -]\n"
	"Store the bytes of DATA in the shared memory object NAME, as they are (no newline is\n"
	"added); with - or no DATA, the bytes of standard input. Nothing is written unless all\n"
	"of them fit between OFFSET and the end of the object.\n"
	"\n"
	"Options:\n"
	"  -o, --offset OFFSET  where to start (bytes, or with K, M or G; default 0)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Put -- before DATA that begins with '-'.\n"
	"Exit status: 0 written, 1 failed, 2 usage error.\n";

static const char help_read[] =
	"Usage: lipc shm read [OPTIONS] NAME\n"
	"Print bytes of the shared memory object NAME to standard output, exactly as they are:\n"
	"no newline is added, and a new object holds zero bytes (pipe into od -c or xxd).\n"
	"\n"
	"Options:\n"
	"  -o, --offset OFFSET  where to start (bytes, or with K, M or G; default 0)\n"
	"  -l, --length LENGTH  how many bytes (default: up to the end); a range past the end\n"
	"                       is refused\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 done, 1 failed, 2 usage error.\n";

static const char help_rm[] =
	"Usage: lipc shm rm NAME\n"
	"Remove the shared memory object NAME. A POSIX name is gone at once; a System V\n"
	"segment is freed when the last process attached to it detaches, but its key is free\n"
	"at once. Processes that have the object mapped keep their memory either way.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 removed, 1 failed, 2 usage error.\n";

static const struct option help_only[] = { { "help", no_argument, NULL, 'h' }, { 0 } };

static bool is_sysv(const char *name)
{
	return sysv_key_text(name, "sysv-shm") != NULL;
}

/* lipc_shm_open() for /NAME, lipc_shm_sysv_open() for a System V NAME (its key checked already). */
static int shm_open_name(struct lipc_shm *shm, const char *name, int flags, size_t size,
			 mode_t mode)
{
	key_t key;

	if (!is_sysv(name))
		return lipc_shm_open(shm, name, flags, size, mode);
	if (lipc_key_parse(sysv_key_text(name, "sysv-shm"), &key) < 0)
		return -1;
	return lipc_shm_sysv_open(shm, key, flags, size, mode);
}

static int shm_unlink_name(const char *name)
{
	key_t key;

	if (!is_sysv(name))
		return lipc_shm_unlink(name);
	if (lipc_key_parse(sysv_key_text(name, "sysv-shm"), &key) < 0)
		return -1;
	return lipc_shm_sysv_unlink(key);
}

/* The shape of NAME, as far as the command can tell before using it. */
static void check_name(const char *name)
{
	key_t key;

	if (is_sysv(name)) {
		if (lipc_key_parse(sysv_key_text(name, "sysv-shm"), &key) == 0)
			return;
		if (errno == EINVAL || errno == ENAMETOOLONG)
			usage_error("'%s' is not a System V key (decimal, 0x hex, or @PATH[:PROJ])",
				    sysv_key_text(name, "sysv-shm"));
		fail("%s: cannot make a key: %s", name, strerror(errno));
	}
	if (name[0] != '/')
		usage_error("'%s' is not a shared memory name (/NAME or sysv:KEY)", name);
}

/* What went wrong with NAME, in its family's terms. */
static const char *why(const char *name, int err)
{
	bool sysv = is_sysv(name);

	switch (err) {
	case EEXIST:
		return "it exists already";
	case ENOENT:
		return "no such shared memory object";
	case ENOSPC:
		return sysv ? "the system's limit on shared memory is reached (kernel.shmall, "
			      "kernel.shmmni)"
			    : "no space left in /dev/shm";
	case EINVAL:
		return sysv ? "the size is over the system's limit for one segment "
			      "(kernel.shmmax)"
			    : strerror(err);
	case ERANGE:
		return "the object is smaller than when it was opened (another process truncated "
		       "it)";
	default:
		return strerror(err);
	}
}

/* A POSIX name the library refused for its form (an inner slash, "/.", too long). */
static void check_refusal(const char *name, int err)
{
	if (is_sysv(name))
		return;
	if (err == EINVAL)
		usage_error("'%s' is not a POSIX shared memory name (one leading slash, no other; "
			    "not /. or /..)",
			    name);
	if (err == ENAMETOOLONG)
		usage_error("'%s' is too long for a POSIX shared memory name (at most 251 bytes "
			    "after the slash)",
			    name);
}

/* Open NAME, or exit saying why. */
static void open_object(struct lipc_shm *shm, const char *name, int flags)
{
	check_name(name);
	if (shm_open_name(shm, name, flags, 0, 0) == 0)
		return;
	check_refusal(name, errno);
	fail("cannot open %s: %s", name, why(name, errno));
}

static int shm_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct lipc_shm shm = LIPC_SHM_INIT;
	mode_t mode = 0600;
	size_t size;
	int opt;

	while ((opt = next_option(argc, argv, "m:", longopts, help_create)) != -1) {
		mode = parse_mode("mode", optarg);
		if (mode & ~(mode_t)0777)
			usage_error("mode '%s' holds more than permission bits (at most 0777)",
				    optarg);
	}
	if (argc - optind < 2)
		usage_error("shm create: missing %s", optind < argc ? "SIZE" : "NAME");
	if (argc - optind > 2)
		usage_error("shm create: unexpected argument '%s'", argv[optind + 2]);
	check_name(argv[optind]);
	size = parse_size("size", argv[optind + 1], 1);
	if (shm_open_name(&shm, argv[optind], LIPC_CREATE | LIPC_EXCL, size, mode) < 0) {
		check_refusal(argv[optind], errno);
		fail("cannot create %s: %s", argv[optind], why(argv[optind], errno));
	}
	if (lipc_shm_close(&shm) < 0)
		fail("cannot close %s: %s", argv[optind], strerror(errno));
	return EXIT_SUCCESS;
}

/* Standard input, all of it, as long as it holds at most max bytes: its length, or exit 1. */
static size_t slurp_stdin(char **data, size_t max, const char *name, size_t offset)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		size_t n;

		if (len == cap) {
			/* Up to max + 1 bytes: one more than fits tells us the data is too long. */
			size_t want = cap ? cap * 2 : 65536;

			if (want > max + 1 || want < cap)
				want = max + 1;
			if (want == cap)
				break;
			buf = realloc(buf, want);
			if (!buf)
				fail("cannot read standard input: %s", strerror(errno));
			cap = want;
		}
		n = fread(buf + len, 1, cap - len, stdin);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(stdin))
		fail("cannot read standard input: %s", strerror(errno));
	if (len > max)
		fail("standard input holds more than the %zu bytes from offset %zu to the end of "
		     "%s",
		     max, offset, name);
	*data = buf;
	return len;
}

static int shm_write(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *name, *arg = NULL, *data;
	struct lipc_shm shm = LIPC_SHM_INIT;
	size_t offset = 0, len;
	char *input = NULL;
	int opt;

	while ((opt = next_option(argc, argv, "o:", longopts, help_write)) != -1)
		offset = parse_size("offset", optarg, 0);
	if (optind >= argc)
		usage_error("shm write: missing NAME");
	name = argv[optind++];
	if (optind < argc)
		arg = argv[optind++];
	if (optind < argc)
		usage_error("shm write: unexpected argument '%s'", argv[optind]);

	open_object(&shm, name, 0);
	if (offset > shm.size)
		fail("offset %zu is past the end of %s (%zu bytes)", offset, name, shm.size);
	if (arg && strcmp(arg, "-")) {
		data = arg;
		len = strlen(arg);
	} else {
		len = slurp_stdin(&input, shm.size - offset, name, offset);
		data = input;
	}
	if (len > shm.size - offset)
		fail("%zu bytes at offset %zu do not fit in %s (%zu bytes)", len, offset, name,
		     shm.size);
	if (lipc_shm_write(&shm, offset, data, len) < 0)
		fail("cannot write %s: %s", name, why(name, errno));
	free(input);
	if (lipc_shm_close(&shm) < 0)
		fail("cannot close %s: %s", name, strerror(errno));
	return EXIT_SUCCESS;
}

static int shm_read(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char buf[65536];
	struct lipc_shm shm = LIPC_SHM_INIT;
	size_t offset = 0, length = 0, done = 0;
	bool have_length = false;
	const char *name;
	int opt;

	while ((opt = next_option(argc, argv, "o:l:", longopts, help_read)) != -1) {
		if (opt == 'o') {
			offset = parse_size("offset", optarg, 0);
		} else {
			length = parse_size("length", optarg, 0);
			have_length = true;
		}
	}
	if (optind >= argc)
		usage_error("shm read: missing NAME");
	if (optind + 1 < argc)
		usage_error("shm read: unexpected argument '%s'", argv[optind + 1]);
	name = argv[optind];

	open_object(&shm, name, LIPC_SHM_RDONLY);
	if (offset > shm.size)
		fail("offset %zu is past the end of %s (%zu bytes)", offset, name, shm.size);
	if (!have_length)
		length = shm.size - offset;
	else if (length > shm.size - offset)
		fail("%zu bytes at offset %zu go past the end of %s (%zu bytes)", length, offset,
		     name, shm.size);
	while (done < length) {
		size_t n = length - done < sizeof(buf) ? length - done : sizeof(buf);

		if (lipc_shm_read(&shm, offset + done, buf, n) < 0)
			fail("cannot read %s: %s", name, why(name, errno));
		if (fwrite(buf, 1, n, stdout) != n) {
			warn_msg("write error: %s", strerror(errno));
			stdout_failed = true;
			lipc_shm_close(&shm);
			return EXIT_FAILURE;
		}
		done += n;
	}
	if (lipc_shm_close(&shm) < 0)
		fail("cannot close %s: %s", name, strerror(errno));
	return EXIT_SUCCESS;
}

static int shm_rm(int argc, char **argv)
{
	const char *name;

	while (next_option(argc, argv, "", help_only, help_rm) != -1)
		;
	if (optind >= argc)
		usage_error("shm rm: missing NAME");
	if (optind + 1 < argc)
		usage_error("shm rm: unexpected argument '%s'", argv[optind + 1]);
	name = argv[optind];
	check_name(name);
	if (shm_unlink_name(name) < 0) {
		check_refusal(name, errno);
		fail("cannot remove %s: %s", name, why(name, errno));
	}
	return EXIT_SUCCESS;
}

int cmd_shm(int argc, char **argv)
{
	static const struct {
		const char *name, *cmd;
		int (*run)(int argc, char **argv);
	} actions[] = {
		{ "create", "shm create", shm_create },
		{ "write", "shm write", shm_write },
		{ "read", "shm read", shm_read },
		{ "rm", "shm rm", shm_rm },
	};

	/* '+': stop at the action, whose options are its own. */
	while (next_option(argc, argv, "+", help_only, help) != -1)
		;
	if (optind >= argc)
		usage_error("shm: missing ACTION (create, write, read or rm)");
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (!strcmp(argv[optind], actions[i].name)) {
			int at = optind;

			cli_cmd = actions[i].cmd;
			optind = 0; /* getopt starts afresh on the action's arguments */
			return actions[i].run(argc - at, argv + at);
		}
	}
	usage_error("shm: unknown action '%s' (create, write, read or rm)", argv[optind]);
}
