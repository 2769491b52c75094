/* SPDX-License-Identifier: MIT */
/*
 * The address parser (lipc_addr_parse) and the System V key parser (lipc_key_parse) on any
 * text: either a parsed address that keeps every promise of lipc/chan.h, or -1 with one of the
 * documented errors. sysv-mq:@PATH calls ftok(), which stats PATH: harmless, and it is the code
 * users reach.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fuzz.h"
#include "lipc/chan.h"
#include "lipc/key.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Errors a stat() of a user's path may give, through ftok(). */
static int stat_error(int err)
{
	return err == ENOENT || err == ENOTDIR || err == EACCES || err == ELOOP ||
	       err == ENAMETOOLONG || err == EOVERFLOW;
}

static void check_posix_name(const char *name)
{
	size_t n = strlen(name);

	FUZZ_ASSERT(name[0] == '/' && n > 1 && n - 1 <= NAME_MAX - 4);
	FUZZ_ASSERT(!strchr(name + 1, '/'));
	FUZZ_ASSERT(strcmp(name, "/.") && strcmp(name, "/.."));
}

static void check_parsed(const struct lipc_addr *a, const char *where)
{
	size_t n = a->path ? strlen(a->path) : 0;

	FUZZ_ASSERT(a->struct_size == sizeof(*a));
	switch (a->scheme) {
	case LIPC_SCHEME_FIFO:
		FUZZ_ASSERT(n > 0 && !strcmp(a->path, where));
		break;
	case LIPC_SCHEME_MQ:
	case LIPC_SCHEME_SHM:
	case LIPC_SCHEME_SHM_MULTI:
	case LIPC_SCHEME_SHM_PUB:
	case LIPC_SCHEME_SHM_LOSSY:
		check_posix_name(a->path);
		FUZZ_ASSERT(!strcmp(a->path, where));
		break;
	case LIPC_SCHEME_SYSV_MQ:
		FUZZ_ASSERT(a->key != 0 && !a->path);
		break;
	case LIPC_SCHEME_UNIX:
	case LIPC_SCHEME_UNIX_DGRAM:
	case LIPC_SCHEME_UNIX_SEQPACKET:
		/* sun_path's 108 bytes hold the path and its NUL, or a NUL and the name. */
		FUZZ_ASSERT(n > 0 && n <= 107 + (a->path[0] == '@') && strcmp(a->path, "@"));
		FUZZ_ASSERT(!strcmp(a->path, where));
		break;
	case LIPC_SCHEME_TCP:
		FUZZ_ASSERT(!a->path && a->port <= 65535);
		FUZZ_ASSERT(strnlen(a->host, sizeof(a->host)) < sizeof(a->host));
		/* The host came from the text, brackets taken off. */
		FUZZ_ASSERT(strstr(where, a->host) != NULL);
		break;
	case LIPC_SCHEME_STDIO:
		/* "stdio:" names one thing: nothing may follow the colon. */
		FUZZ_ASSERT(!a->path && where[0] == '\0');
		break;
	default:
		FUZZ_ASSERT(!"an unknown scheme was parsed");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[PATH_MAX + 256];
	struct lipc_addr a = LIPC_ADDR_INIT;
	key_t key;
	int r;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&a, 0xA5, sizeof(a)); /* no field may be left as it was */
	a.struct_size = sizeof(a);
	errno = 0;
	r = lipc_addr_parse(&a, text);
	if (r == 0) {
		check_parsed(&a, strchr(text, ':') + 1);
		/* Every error explained for this mechanism is a string. */
		for (int err = 0; err < 140; err++)
			FUZZ_ASSERT(lipc_addr_strerror(&a, err) != NULL);
	} else {
		FUZZ_ASSERT(r == -1);
		FUZZ_ASSERT(errno == EINVAL || errno == EPROTONOSUPPORT || errno == ENAMETOOLONG ||
			    stat_error(errno));
	}

	errno = 0;
	r = lipc_key_parse(text, &key);
	/*
	 * Never IPC_PRIVATE. 0xffffffff is key_t -1, a key like any other, but ftok() says -1
	 * when it fails: from a path, -1 is never a success.
	 */
	if (r == 0)
		FUZZ_ASSERT(key != 0 && (text[0] != '@' || key != (key_t)-1));
	else
		FUZZ_ASSERT(r == -1 && (errno == EINVAL || stat_error(errno)));
	return 0;
}
