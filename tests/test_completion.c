/* SPDX-License-Identifier: MIT */
/*
 * The bash completion of lipc (cli/lipc.bash), sourced in bash as bash-completion would: a few
 * completions checked reply by reply (COMP_WORDS and COMP_CWORD in, COMPREPLY out, with ':' and
 * '=' splitting words as they do in an interactive bash), the names lipc ls shows, and that it
 * knows every command of `lipc --help` and every option of every command's and action's --help,
 * so that it cannot fall behind the command.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

/*
 * Run script in bash after sourcing the completion, with $LIPC the command under test and
 * t WORDS... printing "WORDS -> REPLIES" for the completion of the last word.
 */
static void bash_with_completion(struct check_cmd *c, const char *script)
{
	char file[4096], *text;
	const char *argv[] = { "bash", "--norc", "--noprofile", "-c", NULL,
			       "bash", file,	 check_lipc(),	NULL };
	size_t size;

	snprintf(file, sizeof(file), "%s/cli/lipc.bash", check_source_dir());
	size = strlen(script) + 1024;
	text = malloc(size);
	CHECK(text != NULL);
	snprintf(text, size,
		 "set -u\n"
		 "COMP_WORDBREAKS=$' \\t\\n\"\\'><=;|&(:'\n"
		 "source \"$1\" || exit 3\n"
		 "LIPC=$2\n"
		 "t() { COMP_WORDS=(\"$LIPC\" \"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));\n"
		 "      COMPREPLY=(); _lipc; echo \"$* -> ${COMPREPLY[*]}\"; }\n"
		 "%s",
		 script);
	argv[4] = text;
	check_cmd_run(c, NULL, argv);
	free(text);
	if (c->status != 0)
		fprintf(stderr, "bash: status %d, stderr: %s", c->status, c->err);
	CHECK_EQ(c->status, 0);
	CHECK_STR(c->err, "");
}

static void completes_commands_options_and_schemes(void)
{
	struct check_cmd c;

	/*
	 * lipc ls answers nothing here: the objects that other tests, or other users' runs, have
	 * at this moment are no part of what these completions must be (completes_names_from_ls
	 * tries the names).
	 */
	bash_with_completion(&c, "real=$LIPC\n"
				 "quiet() { [ \"$1\" = ls ] || \"$real\" \"$@\"; }\n"
				 "LIPC=quiet\n"
				 "t se\n"
				 "t ''\n"
				 "t -\n"
				 "t send f\n"
				 "t send mq : /\n"
				 "t recv -t 5 --m\n"
				 "t relay -k mq : /a s\n"
				 "t send --timeout 2 s\n"
				 "t send fifo : /tmp/x hel\n"
				 "t shm ''\n"
				 "t shm read -\n"
				 "t signal wait --\n"
				 "t demo --color = a\n"
				 "t tour --technique s\n"
				 "t ls --type sysv\n"
				 "t lock -k o\n"
				 "t bench --only posix\n"
				 "t rm sysv-s\n");
	CHECK_STR(c.out, "se -> send sem\n"
			 " -> send recv relay lock signal sem shm ls rm demo tour bench\n"
			 "- -> -h --help -V --version\n"
			 "send f -> fifo:\n"
			 "send mq : / -> /\n"
			 "recv -t 5 --m -> --mode --max-msgs --msg-size --max-clients\n"
			 "relay -k mq : /a s -> sysv-mq: shm:/ shm-multi:/ shm-pub:/ shm-lossy:/ "
			 "stdio:\n"
			 "send --timeout 2 s -> sysv-mq: shm:/ shm-multi:/ shm-pub:/ shm-lossy:/ "
			 "stdio:\n"
			 "send fifo : /tmp/x hel -> \n"
			 "shm  -> create write read rm\n"
			 "shm read - -> -o --offset -l --length -h --help\n"
			 "signal wait -- -> --count --timeout --help\n"
			 "demo --color = a -> auto always\n"
			 "tour --technique s -> signal sem shm socket\n"
			 "ls --type sysv -> sysv-sem sysv-mq sysv-shm sysv\n"
			 "lock -k o -> ofd\n"
			 "bench --only posix -> posix-lock posix-sem\n"
			 "rm sysv-s -> sysv-sem: sysv-shm:\n");
	check_cmd_free(&c);
}

/* lipc rm, and an address after its scheme, offer the names lipc ls shows: here a segment. */
static void completes_names_from_ls(void)
{
	char name[64], script[512], want[256];
	struct check_cmd c;
	int fd;

	name[0] = '/';
	check_name(name + 1, sizeof(name) - 1, "completion");
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK_SYS(fd);
	close(fd);
	snprintf(script, sizeof(script), "t rm %.*s\n", (int)strlen(name) - 3, name);
	bash_with_completion(&c, script);
	shm_unlink(name);
	snprintf(want, sizeof(want), "rm %.*s -> %s\n", (int)strlen(name) - 3, name, name);
	CHECK_STR(c.out, want);
	check_cmd_free(&c);
}

/*
 * Every command that `lipc --help` lists, and every option that the --help of each command and
 * of each of its actions lists, is a completion: an option added to the command without its
 * completion fails here.
 */
static void knows_every_command_and_option(void)
{
	struct check_cmd c;

	bash_with_completion(
		&c,
		"commands=$(\"$LIPC\" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ { "
		"print $1 }')\n"
		"n=0\n"
		"for cmd in $commands; do\n"
		"  t '' >/dev/null\n"
		"  [[ \" ${COMPREPLY[*]} \" == *\" $cmd \"* ]] || echo \"missing command: $cmd\"\n"
		"  # The actions: an Actions: section, or a usage line per action (lipc signal).\n"
		"  actions=$( (\"$LIPC\" $cmd --help | sed -n '/^Actions:/,/^$/p' |\n"
		"             awk '/^  [a-z]/ { print $1 }'\n"
		"             \"$LIPC\" $cmd --help | grep -oE \"^ *(Usage|or): lipc $cmd [a-z]+\" "
		"|\n"
		"             awk '{ print $4 }') | sort -u)\n"
		"  for action in '' $actions; do\n"
		"    opts=$(\"$LIPC\" $cmd $action --help |\n"
		"           grep -oE '^ +(-[a-zA-Z0-9], )?--[a-z][a-z-]*' | tr -d ' ,')\n"
		"    [[ -n $opts || (-z $action && -n $actions) ]] ||\n"
		"      echo \"no options in: lipc $cmd $action --help\"\n"
		"    for opt in $(echo \"$opts\" | sed -E 's/^(-[a-zA-Z0-9])(--)/\\1 \\2/'); do\n"
		"      t $cmd $action - >/dev/null\n"
		"      [[ \" ${COMPREPLY[*]} \" == *\" $opt \"* ]] ||\n"
		"        echo \"missing option: lipc $cmd $action $opt\"\n"
		"      n=$((n + 1))\n"
		"    done\n"
		"  done\n"
		"done\n"
		"echo \"checked $n options\"\n");
	if (strstr(c.out, "missing") || strstr(c.out, "no options"))
		fprintf(stderr, "%s", c.out);
	CHECK(!strstr(c.out, "missing"));
	CHECK(!strstr(c.out, "no options"));
	CHECK_CONTAINS(c.out, "checked ");
	CHECK(atoi(strstr(c.out, "checked ") + 8) >= 60);
	check_cmd_free(&c);
}

CHECK_MAIN(TEST(completes_commands_options_and_schemes), TEST(completes_names_from_ls),
	   TEST(knows_every_command_and_option))
