/*
 * examples/: each program builds alone, exactly as its header says (`cc -o NAME NAME.c`, no flags,
 * nothing of ours), and does what the guide says it does.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

/* Remove the binaries check_example() built. */
static void remove_binaries(void)
{
	static const char *const names[] = { "pipe_parent_child", "pipe_filter", "fifo_reader",
					     "fifo_writer" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_example_remove(names[i]);
}

static void pipe_parent_child(void)
{
	struct check_cmd c;

	CHECK_EQ(check_cmd_run(&c, NULL,
			       (const char *const[]){ check_example("pipe_parent_child"), NULL }),
		 0);
	CHECK_STR(check_no_numbers(c.out), "parent N: writing N lines to child N\n"
					   "child  N: got first line\n"
					   "child  N: got second line\n"
					   "child  N: got third line\n"
					   "child  N: end of file\n"
					   "parent N: child exited with status N\n");
	CHECK_STR(c.err, "");
	check_cmd_free(&c);
	remove_binaries();
}

static void pipe_filter(void)
{
	char dir[PATH_MAX], file[PATH_MAX + 8];
	struct check_cmd c;

	check_path(dir, sizeof(dir), "dir");
	CHECK_SYS(mkdir(dir, 0700));
	for (int i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s/f%d", dir, i);
		close((int)CHECK_SYS(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)));
	}
	CHECK_EQ(check_cmd_run(&c, NULL,
			       (const char *const[]){ check_example("pipe_filter"), dir, NULL }),
		 0);
	CHECK_STR(c.out, "3\n");
	check_cmd_free(&c);
	for (int i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s/f%d", dir, i);
		CHECK_SYS(unlink(file));
	}
	CHECK_SYS(rmdir(dir));
	remove_binaries();
}

/* Run fifo_reader on path and fifo_writer with input and args; check what the reader printed. */
static void reader_and_writer(const char *path, const char *input, const char *const *args,
			      bool fifo_exists)
{
	const char *argv[8] = { NULL, path };
	char reader[PATH_MAX], expected[PATH_MAX + 256];
	struct check_cmd r, w;

	snprintf(reader, sizeof(reader), "%s", check_example("fifo_reader"));
	check_cmd_start(&r, NULL, (const char *const[]){ reader, path, NULL });
	if (!fifo_exists)
		check_wait_for_path(path); /* the writer needs the reader's FIFO */
	argv[0] = check_example("fifo_writer");
	for (int i = 0; args[i]; i++)
		argv[i + 2] = args[i];
	CHECK_EQ(check_cmd_run(&w, input, argv), 0);
	CHECK_STR(w.err, "");
	CHECK_EQ(check_cmd_wait(&r), 0);
	snprintf(expected, sizeof(expected),
		 "reader N: waiting for a writer on %s\n"
		 "reader N: \"hello\"\n"
		 "reader N: \"world\"\n"
		 "reader N: end of file: every writer has closed the FIFO\n",
		 path);
	CHECK_STR(check_no_numbers(r.out), check_no_numbers(expected));
	check_cmd_free(&w);
	check_cmd_free(&r);
}

static void fifo_reader_and_writer(void)
{
	static const char *const words[] = { "hello", "world", NULL }, *const none[] = { NULL };
	char path[PATH_MAX];

	/* The reader creates the FIFO, and removes it when done. */
	check_path(path, sizeof(path), "fifo");
	reader_and_writer(path, NULL, words, false);
	CHECK_ERR(access(path, F_OK), ENOENT);

	/* A FIFO made by someone else is used, and left in place; lines come from stdin. */
	CHECK_SYS(mkfifo(path, 0600));
	reader_and_writer(path, "hello\nworld\n", none, true);
	CHECK_SYS(unlink(path));
	remove_binaries();
}

CHECK_MAIN(TEST(pipe_parent_child), TEST(pipe_filter), TEST(fifo_reader_and_writer))
