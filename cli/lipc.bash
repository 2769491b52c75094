# SPDX-License-Identifier: MIT
# Bash completion for lipc: its commands, each command's options (and its actions' options),
# the address schemes, and the names `lipc ls` shows where that is cheap (lipc rm, and the
# address of send and recv once its scheme is typed). Installed as
# ${datadir}/bash-completion/completions/lipc; try it with `source cli/lipc.bash`.
#
# The trap is the colon: bash splits "mq:/name" into three words (mq, :, /name) because ':' is
# in COMP_WORDBREAKS. The current word is put back together from COMP_WORDS, and the replies are
# given without what bash already has before the last colon. tests/test_completion.c checks
# that every command of `lipc --help` and every option of each --help is known here.

_lipc_commands="send recv relay lock signal sem shm ls rm demo tour bench"
_lipc_schemes="fifo: mq:/ sysv-mq: shm:/ shm-multi:/ shm-pub:/ shm-lossy:/ unix: unix-dgram: unix-seqpacket: tcp: stdio:"
_lipc_rm_schemes="fifo: mq:/ sysv-mq: sem:/ sysv-sem: / sysv-shm: shm:/ unix: unix-dgram: unix-seqpacket:"
_lipc_chan_opts="-f --framed -m --mode -c --capacity -t --timeout --type --max-msgs --msg-size --owner"
_lipc_techniques="lock pipe fifo signal sem mq shm socket"
_lipc_kinds="lock fifo sem sysv-sem mq sysv-mq shm sysv-shm ring unix unix-dgram unix-seqpacket sysv socket"
_lipc_columns="type owner perms size count pid command state name uid used mode producers consumers lag key id cpid lpid lspid lrpid lock access start end changed lastop"

# The options of a command (and of its action, for signal, sem and shm).
_lipc_options()
{
	case "$1" in
	send) echo "$_lipc_chan_opts --priority -h --help" ;;
	recv) echo "$_lipc_chan_opts -n --count -k --keep --allow-uid --max-clients -v --verbose --truncate -h --help" ;;
	relay) echo "-f --framed -m --mode -c --capacity -t --timeout --max-msgs --msg-size --owner -n --count -k --keep --allow-uid --max-clients -v --verbose -h --help" ;;
	lock) echo "-x --exclusive -s --shared -n --nonblock -w --wait -k --kind -r --range -m --mode --status -h --help" ;;
	signal)
		case "$2" in
		send) echo "-v --value -h --help" ;;
		wait) echo "-n --count -t --timeout -h --help" ;;
		*) echo "-h --help" ;;
		esac
		;;
	sem) echo "-m --mode -n --no-wait -t --timeout -h --help" ;;
	shm)
		case "$2" in
		create) echo "-m --mode -h --help" ;;
		write) echo "-o --offset -h --help" ;;
		read) echo "-o --offset -l --length -h --help" ;;
		*) echo "-h --help" ;;
		esac
		;;
	ls) echo "--json --type -o --output --mine --no-headings -h --help" ;;
	rm) echo "-f --force -v --verbose -h --help" ;;
	demo) echo "--color --color= -h --help" ;;
	tour) echo "--technique --color --color= --clean -h --help" ;;
	bench) echo "-o --only -s --sizes -d --duration -r --round-trips -p --pin --json --csv --svg -l --list -h --help" ;;
	esac
}

# The options of a command (and action) that take an argument.
_lipc_arg_options()
{
	local chan="-m --mode -c --capacity -t --timeout --type --max-msgs --msg-size --owner"
	case "$1:$2" in
	send:*) echo "$chan --priority" ;;
	recv:*) echo "$chan -n --count --allow-uid --max-clients --truncate" ;;
	relay:*) echo "-m --mode -c --capacity -t --timeout --max-msgs --msg-size --owner -n --count --allow-uid --max-clients" ;;
	lock:*) echo "-w --wait -k --kind -r --range -m --mode" ;;
	signal:send) echo "-v --value" ;;
	signal:wait) echo "-n --count -t --timeout" ;;
	sem:*) echo "-m --mode -t --timeout" ;;
	shm:create) echo "-m --mode" ;;
	shm:write) echo "-o --offset" ;;
	shm:read) echo "-o --offset -l --length" ;;
	ls:*) echo "--type -o --output" ;;
	tour:*) echo "--technique" ;;
	bench:*) echo "-o --only -s --sizes -d --duration -p --pin --json --csv --svg" ;;
	esac
}

# The actions of the commands that have them.
_lipc_actions()
{
	case "$1" in
	signal) echo "send wait" ;;
	sem) echo "create post wait get rm" ;;
	shm) echo "create write read rm" ;;
	esac
}

# The names `lipc ls` shows (the addresses lipc rm takes), of your own objects.
_lipc_names()
{
	"$_lipc_bin" ls --mine --no-headings -o name 2>/dev/null
}

# The same as addresses to send to or receive from: a ring of another mode than point to point
# also under the scheme of its mode (shm-pub:/NAME), which joins only a ring of that mode.
_lipc_addresses()
{
	"$_lipc_bin" ls --mine --no-headings -o mode,name 2>/dev/null |
		awk '{ print $2 } $1 ~ /^(multi|pub|lossy)$/ { sub(/^shm:/, "shm-" $1 ":", $2); print $2 }'
}

# COMPREPLY from the words in $1 that start with $cur.
_lipc_reply()
{
	local w
	COMPREPLY=()
	for w in $1; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
	# Readline replaces only what follows the last break character (':' or '=' where they are
	# in COMP_WORDBREAKS): the replies leave out what comes before it.
	local breaks="" strip
	[[ $COMP_WORDBREAKS == *:* ]] && breaks+=":"
	[[ $COMP_WORDBREAKS == *=* ]] && breaks+="="
	if [[ -n $breaks && $cur == *["$breaks"]* ]]; then
		strip=${cur%"${cur##*["$breaks"]}"}
		COMPREPLY=("${COMPREPLY[@]#"$strip"}")
	fi
}

_lipc()
{
	local cur prev i j cmd="" action=""
	_lipc_bin=${COMP_WORDS[0]}
	COMPREPLY=()

	# The current word, with the pieces bash split at ':' and '=' put back ("mq" ":" "/x").
	cur=${COMP_WORDS[COMP_CWORD]}
	i=$COMP_CWORD
	while ((i > 1)) && [[ $cur == [:=]* || ${COMP_WORDS[i - 1]} == *[:=] ]]; do
		cur=${COMP_WORDS[i - 1]}$cur
		((i--))
	done
	prev=${COMP_WORDS[i - 1]}

	# The command, and its action, from the words before; the arguments of options skipped.
	local npos=0 w
	for ((j = 1; j < i; j++)); do
		w=${COMP_WORDS[j]}
		# A piece of a word bash split ("mq" ":" "/x") belongs to the word before.
		[[ $w == [:=]* || ${COMP_WORDS[j - 1]} == *[:=] ]] && ((j > 1)) && continue
		if [[ -z $cmd ]]; then
			[[ $w != -* ]] && cmd=$w
		elif [[ " $(_lipc_arg_options "$cmd" "$action") " == *" $w "* ]]; then
			((j++))
		elif [[ -z $action && $w != -* && " $(_lipc_actions "$cmd") " == *" $w "* ]]; then
			action=$w
		elif [[ $w != -* ]]; then
			((npos++))
		fi
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_lipc_reply "-h --help -V --version"
		else
			_lipc_reply "$_lipc_commands"
		fi
		return 0
	fi

	# The argument of an option: the values it takes, where there is a list of them.
	if [[ " $(_lipc_arg_options "$cmd" "$action") " == *" $prev "* ]]; then
		case "$cmd:$prev" in
		lock:-k | lock:--kind) _lipc_reply "ofd posix flock" ;;
		ls:--type) _lipc_reply "$_lipc_kinds" ;;
		ls:-o | ls:--output) _lipc_reply "$_lipc_columns" ;;
		tour:--technique) _lipc_reply "$_lipc_techniques" ;;
		bench:-o | bench:--only)
			_lipc_reply "$("$_lipc_bin" bench --list 2>/dev/null | awk '{ print $1 }')"
			;;
		bench:--json | bench:--csv | bench:--svg)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			;;
		esac
		return 0
	fi

	if [[ $cur == --color=* ]]; then
		_lipc_reply "--color=auto --color=always --color=never"
		return 0
	fi
	if [[ $cur == -* ]]; then
		_lipc_reply "$(_lipc_options "$cmd" "$action")"
		return 0
	fi
	if [[ -n $(_lipc_actions "$cmd") && -z $action ]]; then
		_lipc_reply "$(_lipc_actions "$cmd")"
		return 0
	fi

	case "$cmd" in
	send | recv)
		# The address (the first operand; every one of recv's): a scheme, then the names lipc
		# ls shows.
		if ((npos == 0)) || [[ $cmd == recv ]]; then
			if [[ $cur == *:* ]]; then
				_lipc_reply "$(_lipc_addresses) $_lipc_schemes"
			else
				_lipc_reply "$_lipc_schemes"
			fi
		fi
		;;
	relay)
		# FROM and TO: a scheme, then the names lipc ls shows.
		if ((npos <= 1)); then
			if [[ $cur == *:* ]]; then
				_lipc_reply "$(_lipc_addresses) $_lipc_schemes"
			else
				_lipc_reply "$_lipc_schemes"
			fi
		fi
		;;
	rm)
		_lipc_reply "$(_lipc_names) $_lipc_rm_schemes"
		;;
	demo)
		_lipc_reply "$_lipc_techniques"
		;;
	lock)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	esac
	# A scheme ("fifo:", "mq:/") is only the start of an address.
	[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *[:/] ]] && compopt -o nospace 2>/dev/null
	return 0
}

complete -F _lipc lipc
