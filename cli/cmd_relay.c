/* SPDX-License-Identifier: MIT */
/*
 * lipc relay: every message that arrives at FROM is sent to TO, boundaries kept, in batches
 * (lipc_chan_recv_many() then lipc_chan_send_many(), up to LIPC_CHAN_BATCH_MAX messages a call),
 * so a stream of small messages goes at the speed of the two mechanisms. There is no buffer of
 * our own: the next batch is taken from FROM only once the last one was handed whole to TO (a
 * send waits for room), so a slow TO slows FROM's senders through FROM's own limits.
 *
 * What is guaranteed: a message is acknowledged once it has been handed to TO (it is in TO's
 * queue or ring, or written to TO's socket, pipe or FIFO); nothing is taken from FROM before the
 * last batch was acknowledged whole. From shm:, a batch's records are released only by the next
 * receive, after they were handed over: a relay killed in between leaves them to the next
 * consumer, which may so deliver a record twice (at least once, never lost). With -k, when TO
 * goes away (EPIPE, ECONNREFUSED, ECONNRESET, ENOENT), the messages of the batch not yet handed
 * over are kept, TO is reopened with a backoff (10 ms doubling to 1 s) and they are sent again:
 * nothing taken from FROM is dropped. Without -k the relay exits 1 saying how many it had taken
 * and not delivered. Messages in a dead receiver's socket buffer are lost with it (no
 * acknowledgement of ours crosses a socket); a queue or a ring as TO keeps them.
 *
 * The traps. A batch in hand would be half relayed if SIGINT, SIGTERM or SIGHUP ended the
 * process, so they are held from the moment a batch arrives until it is handed over, and let in
 * only while TO takes nothing (a full queue, a reader that stopped reading), so that a stuck TO
 * cannot make the relay unkillable: the batch then dies with the relay (unless it came from a
 * ring), as lipc recv's does. A message-atomic TO (a queue, a ring, datagrams) is therefore sent
 * to with a timeout of at most SLICE_MS, and a byte stream waited on with ppoll(), signals let in.
 * Two channels may each create a file (a FIFO, a socket file): util.c's remove_on_signal()
 * removes both.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h" /* lipc__deadline */

#define BATCH	    LIPC_CHAN_BATCH_MAX
#define SLICE_MS    100	 /* the longest wait for room with SIGINT, SIGTERM, SIGHUP held */
#define BACKOFF_MIN 10	 /* ms: the first wait before TO is reopened (-k) */
#define BACKOFF_MAX 1000 /* ms: the longest */
#define GIVEN(opt)  (1u << ((opt)-OPT_PRIORITY)) /* chan_args.given, as cli.h says */

static const char help[] =
	"Usage: lipc relay [OPTIONS] FROM TO\n"
	"Send every message that arrives at FROM to TO, each message whole, until COUNT\n"
	"messages or every sender of FROM has gone. stdio: is standard input as FROM and\n"
	"standard output as TO: lipc relay mq:/jobs stdio: --framed | ssh host lipc relay\n"
	"stdio: mq:/jobs --framed carries a queue to another machine's.\n"
	"\n"
	"Options:\n"
	"  -n, --count COUNT      exit after relaying COUNT messages\n"
	"  -k, --keep             FROM: go on when its last sender leaves; TO: when it goes\n"
	"                         away (its reader, listener or ring consumer), reopen it,\n"
	"                         waiting 10 ms doubling to 1 s, and send again what it had\n"
	"                         not taken\n"
	"  -f, --framed           the byte-stream ends (fifo, unix, tcp, stdio), FROM and\n"
	"                         TO: length-prefixed frames instead of lines\n"
	"  -t, --timeout SECONDS  FROM: give up when no message arrives within SECONDS; TO:\n"
	"                         when it takes nothing for SECONDS (default: wait for ever)\n"
	"  -m, --mode MODE        permissions of what lipc creates at either end (octal,\n"
	"                         default 0600)\n"
	"  -c, --capacity BYTES   the shm: end(s): the size of a ring lipc creates\n"
	"      --max-msgs N       the mq: end(s): a queue lipc creates holds N messages\n"
	"      --msg-size BYTES   the mq: end(s): a queue lipc creates takes messages of up\n"
	"                         to BYTES\n"
	"      --owner USER       either end: join a FIFO, queue or ring that USER owns; TO\n"
	"                         unix*: send to a socket USER listens on\n"
	"      --allow-uid USER   FROM unix*: take messages only from processes of USER\n"
	"      --max-clients N    FROM unix, unix-seqpacket, tcp: serve at most N clients\n"
	"  -v, --verbose          say where FROM listens (\"lipc: listening on ADDRESS\"),\n"
	"                         and when TO went away and was reopened\n"
	"  -h, --help             show this help\n"
	"\n"
	"What is guaranteed: a message is acknowledged once it has been handed to TO (it is\n"
	"in TO's queue or ring, or written to TO's socket, pipe or FIFO), and relay takes\n"
	"more from FROM only after that. From shm:, the records of a batch are released only\n"
	"by the next receive, after they were handed to TO: a relay killed in between leaves\n"
	"them in the ring for the next one (at least once: a record may come twice, never\n"
	"lost). When TO fails and -k is given, the messages of the batch not yet handed over\n"
	"are kept and sent after TO is reopened: nothing taken from FROM is dropped. Without\n"
	"-k, relay exits 1 saying how many messages it took from FROM and did not deliver.\n"
	"Messages already in the socket buffer of a receiver that dies are lost with it (no\n"
	"acknowledgement crosses a socket); a queue or a ring as TO keeps them.\n"
	"SIGINT, SIGTERM and SIGHUP wait until the batch in hand is handed over, unless TO\n"
	"takes nothing at that moment: then relay dies and the batch with it (unless it came\n"
	"from a ring). When standard output's reader goes away, relay dies of SIGPIPE, as\n"
	"lipc recv does. A message keeps its priority (mq) or type (sysv-mq) when TO is a\n"
	"queue of the same kind. FROM and TO take the forms 'lipc --help' lists; they must\n"
	"differ (a relay to its own FROM would loop).\n"
	"Exit status: 0 done, 1 failed or timed out (either end), 2 usage error.\n";

static const struct option longopts[] = {
	{ "framed", no_argument, NULL, 'f' },
	{ "mode", required_argument, NULL, 'm' },
	{ "timeout", required_argument, NULL, 't' },
	{ "capacity", required_argument, NULL, 'c' },
	{ "max-msgs", required_argument, NULL, OPT_MAX_MSGS },
	{ "msg-size", required_argument, NULL, OPT_MSG_SIZE },
	{ "owner", required_argument, NULL, OPT_OWNER },
	{ "allow-uid", required_argument, NULL, OPT_ALLOW_UID },
	{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
	{ "count", required_argument, NULL, 'n' },
	{ "keep", no_argument, NULL, 'k' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static struct {
	struct chan_args from_args, to_args;
	struct lipc_chan *from, *to;
	bool keep_to; /* -k, and TO can be reopened */
	bool sliced;  /* TO is message-atomic: sent to with a timeout of at most SLICE_MS */
	bool verbose;
	bool keep_records; /* exit without closing FROM: a ring keeps the batch not delivered */
	int to_fd;	   /* TO's descriptor for ppoll(), or -1 */
	struct held_signals held; /* SIGINT, SIGTERM, SIGHUP while a batch is in hand */
} relay = { .to_fd = -1 };

/* Close TO, forgetting its entry in the same instant (close_channel()). */
static int close_to(void)
{
	int ret = close_channel(&relay.to_args, relay.to);

	relay.to = NULL;
	relay.to_fd = -1;
	return ret;
}

/* FROM is closed by an exit from anywhere (a failed open of TO), removing what it created. */
static void close_from_at_exit(void)
{
	if (relay.from && !relay.keep_records)
		close_channel(&relay.from_args, relay.from);
	relay.from = NULL;
}

/* A receiver that went away, as each mechanism says it: worth reopening TO for (-k). */
static bool peer_gone(int err)
{
	return err == EPIPE || err == ECONNREFUSED || err == ECONNRESET || err == ENOENT ||
	       err == ENOTCONN;
}

static bool is_stream(enum lipc_scheme s)
{
	return s == LIPC_SCHEME_FIFO || s == LIPC_SCHEME_UNIX || s == LIPC_SCHEME_TCP ||
	       s == LIPC_SCHEME_STDIO;
}

static bool is_unix_socket(enum lipc_scheme s)
{
	return s == LIPC_SCHEME_UNIX || s == LIPC_SCHEME_UNIX_DGRAM ||
	       s == LIPC_SCHEME_UNIX_SEQPACKET;
}

/*
 * Open TO (waiting for a receiver as -t says); NULL with errno. A message-atomic TO then sends
 * with a timeout of at most SLICE_MS, a byte stream is waited on with ppoll() where its
 * descriptor is known.
 */
static struct lipc_chan *try_open_to(void)
{
	struct lipc_chan_opts o = relay.to_args.opts;
	struct lipc_chan *c;

	o.on_create = remove_on_signal;
	o.on_create_arg = &relay.to_args;
	c = lipc_chan_open(relay.to_args.address, LIPC_SEND, &o);
	if (!c) {
		close_channel(&relay.to_args, NULL); /* a failed open removed what it made */
		return NULL;
	}
	if (relay.sliced && (o.timeout_ms < 0 || o.timeout_ms > SLICE_MS) &&
	    lipc_chan_set_timeout(c, SLICE_MS) < 0) {
		int err = errno;

		close_channel(&relay.to_args, c);
		errno = err;
		return NULL;
	}
	relay.to_fd = relay.sliced ? -1 : lipc_chan_fd(c);
	return c;
}

/* Say why TO could not be opened, as lipc send does (open_channel's words). */
static void open_to_failed(int err)
{
	struct chan_args *ca = &relay.to_args;

	if (err == ETIMEDOUT)
		warn_msg("%s: no receiver within %s s", ca->address, ca->timeout);
	else if (err == EPERM)
		warn_msg("cannot open %s: %s (--owner USER trusts USER's, whatever the mode)",
			 ca->address, chan_strerror(ca, err));
	else
		warn_msg("cannot open %s: %s", ca->address, chan_strerror(ca, err));
}

/* Sleep ms with the held signals let in (so that a relay waiting for TO can be stopped). */
static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	ppoll(NULL, 0, &ts, held_wait_mask(&relay.held));
}

/*
 * TO went away (err): wait *delay ms (doubled for the next time, up to BACKOFF_MAX) and make it
 * sendable again. A connection (a socket, a FIFO) is reopened, for as long as the receiver is
 * missing. A ring is not: closing its producer would tell a new consumer that the stream has
 * ended, and the ring takes records again as soon as a consumer drains it, so the send is only
 * tried again. 0, or -1 after saying why (another error).
 */
static int recover_to(int err, int *delay, bool *outage)
{
	if (relay.verbose && !*outage)
		warn_msg("%s: %s; %s", relay.to_args.address, chan_strerror(&relay.to_args, err),
			 ring_scheme(relay.to_args.addr.scheme) ? "waiting for a consumer"
								: "reopening it");
	*outage = true;
	if (ring_scheme(relay.to_args.addr.scheme)) {
		nap(*delay);
		*delay = *delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : *delay * 2;
		return 0;
	}
	close_to();
	for (;;) {
		nap(*delay);
		*delay = *delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : *delay * 2;
		relay.to = try_open_to();
		if (relay.to)
			return 0;
		if (!peer_gone(errno)) {
			open_to_failed(errno);
			return -1;
		}
	}
}

/* A send to TO failed with err: say why, as lipc send does, with what was not delivered. */
static void send_failed(int err, size_t undelivered)
{
	struct chan_args *ca = &relay.to_args;
	struct lipc_chan_stat st = LIPC_CHAN_STAT_INIT;
	bool queue = relay.to && lipc_chan_stat(relay.to, &st) == 0;
	char lost[160] = "";

	if (undelivered > 0)
		snprintf(lost, sizeof(lost), " (%zu message%s taken from %s not delivered%s)",
			 undelivered, undelivered == 1 ? "" : "s", relay.from_args.address,
			 ring_scheme(relay.from_args.addr.scheme) ? ": the ring keeps them" : "");
	if (err == ETIMEDOUT && queue)
		warn_msg("%s: no room within %s s: %s%s", ca->address, ca->timeout,
			 chan_strerror(ca, err), lost);
	else if ((err == ETIMEDOUT || err == EAGAIN) && !queue)
		warn_msg("%s: the receiver took nothing for %s s%s", ca->address, ca->timeout,
			 lost);
	else
		warn_msg("cannot send to %s: %s%s", ca->address, chan_strerror(ca, err), lost);
}

/*
 * Wait for room in a byte-stream TO with the held signals let in, until d: 1 room (or an error
 * the send will report), 0 the time ran out.
 */
static int wait_room(const struct lipc__deadline *d)
{
	for (;;) {
		struct pollfd p = { .fd = relay.to_fd, .events = POLLOUT };
		int ms = lipc__remaining_ms(d), r;
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

		r = ppoll(&p, 1, ms < 0 ? NULL : &ts, held_wait_mask(&relay.held));
		if (r > 0 || (r < 0 && errno != EINTR))
			return 1;
		if (r == 0)
			return 0;
	}
}

/*
 * Hand msgs[0..n) to TO, all of them (the acknowledgement), with the fatal signals held: 0, or
 * -1 after saying why and what was not delivered.
 */
static int hand_over(struct lipc_msg *msgs, size_t n)
{
	struct lipc__deadline d;
	size_t done = 0;
	int delay = BACKOFF_MIN;
	bool outage = false;

	lipc__deadline_start(&d, relay.to_args.opts.timeout_ms);
	hold_signals(&relay.held);
	while (done < n) {
		int k, err;

		if (relay.to_fd >= 0 && relay.to_args.opts.timeout_ms != 0 && wait_room(&d) == 0) {
			send_failed(ETIMEDOUT, n - done);
			return -1;
		}
		k = lipc_chan_send_many(relay.to, msgs + done, n - done);
		if (k > 0) {
			if (outage && relay.verbose)
				warn_msg("%s: taking messages again", relay.to_args.address);
			outage = false;
			delay = BACKOFF_MIN;
			done += (size_t)k;
			continue;
		}
		err = errno;
		if ((err == ETIMEDOUT || err == EAGAIN) && relay.sliced &&
		    relay.to_args.opts.timeout_ms != 0) {
			/* A slice ran out: a signal may come in now, the batch dying with us. */
			if (held_signal_pending()) {
				release_signals(&relay.held);
				hold_signals(&relay.held);
			}
			if (lipc__remaining_ms(&d) != 0)
				continue;
			err = ETIMEDOUT;
		}
		if (relay.keep_to && peer_gone(err)) {
			if (recover_to(err, &delay, &outage) < 0)
				return -1;
			continue;
		}
		send_failed(err, n - done);
		return -1;
	}
	release_signals(&relay.held);
	return 0;
}

/* A socket receiver that lost one sender's message goes on (as lipc recv does). */
static bool lost_one(const struct chan_args *ca, int err)
{
	return (err == EPROTO || err == EMSGSIZE) &&
	       (is_unix_socket(ca->addr.scheme) || ca->addr.scheme == LIPC_SCHEME_TCP);
}

/* Could FROM and TO be one place? Then every message would come back: a loop. */
static bool same_place(const struct lipc_addr *a, const struct lipc_addr *b)
{
	/* A ring is one place whatever mode its address names (shm:/x joins shm-pub:/x's). */
	if (ring_scheme(a->scheme) && ring_scheme(b->scheme))
		return !strcmp(a->path, b->path);
	if (a->scheme != b->scheme || a->scheme == LIPC_SCHEME_STDIO)
		return false;
	if (a->path || b->path)
		return a->path && b->path && !strcmp(a->path, b->path);
	if (a->scheme == LIPC_SCHEME_TCP)
		return a->port == b->port && !strcmp(a->host, b->host);
	return a->key == b->key;
}

/*
 * The options given apply to the ends whose mechanism uses them. One that neither end uses
 * stays with FROM, whose check (chan_address) then refuses it with the usual words.
 */
static void split_options(struct chan_args *from, struct chan_args *to)
{
	enum lipc_scheme f = from->addr.scheme, t = to->addr.scheme;
	static const struct {
		int opt;
		enum lipc_scheme scheme;
	} only[] = {
		{ OPT_CAPACITY, LIPC_SCHEME_SHM },
		{ OPT_MAX_MSGS, LIPC_SCHEME_MQ },
		{ OPT_MSG_SIZE, LIPC_SCHEME_MQ },
	};

	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
		/* The ring's option is every ring mode's. */
		bool to_uses = t == only[i].scheme ||
			       (only[i].scheme == LIPC_SCHEME_SHM && ring_scheme(t));
		bool from_uses = f == only[i].scheme ||
				 (only[i].scheme == LIPC_SCHEME_SHM && ring_scheme(f));

		if (!(from->given & GIVEN(only[i].opt)))
			continue;
		if (!to_uses)
			to->given &= ~GIVEN(only[i].opt);
		if (!from_uses && to_uses)
			from->given &= ~GIVEN(only[i].opt);
	}
	if (from->opts.flags & LIPC_CHAN_FRAMED) {
		if (!is_stream(t))
			to->opts.flags &= ~LIPC_CHAN_FRAMED;
		if (!is_stream(f) && is_stream(t))
			from->opts.flags &= ~LIPC_CHAN_FRAMED;
	}
	if (from->given & GIVEN(OPT_OWNER)) {
		/* TCP knows no owner; a unix receiver makes its socket (--allow-uid chooses). */
		bool to_takes = t != LIPC_SCHEME_TCP && t != LIPC_SCHEME_STDIO;
		bool from_takes =
			f != LIPC_SCHEME_TCP && f != LIPC_SCHEME_STDIO && !is_unix_socket(f);

		if (!to_takes) {
			to->given &= ~GIVEN(OPT_OWNER);
			to->opts.flags &= ~LIPC_CHAN_OWNER;
		}
		if (!from_takes && to_takes) {
			from->given &= ~GIVEN(OPT_OWNER);
			from->opts.flags &= ~LIPC_CHAN_OWNER;
		}
	}
}

static void parse_args(int argc, char **argv, long *count)
{
	struct chan_args *from = &relay.from_args, *to = &relay.to_args;
	int opt;
	bool keep = false;

	chan_args_init(from, LIPC_RECV);
	chan_args_init(to, LIPC_SEND);
	while ((opt = next_option(argc, argv, CHAN_SHORTOPTS "kn:v", longopts, help)) != -1) {
		if (opt == 'n')
			*count = parse_long("count", optarg, 1, LONG_MAX);
		else if (opt == 'k')
			keep = true;
		else if (opt == 'v')
			relay.verbose = true;
		else if (opt == OPT_ALLOW_UID || opt == OPT_MAX_CLIENTS)
			chan_option(from, opt, optarg); /* a receiver's: FROM's only */
		else if (chan_option(from, opt, optarg))
			chan_option(to, opt, optarg);
	}
	if (argc - optind < 2)
		usage_error("relay: missing %s", optind >= argc ? "FROM and TO" : "TO");
	if (argc - optind > 2)
		usage_error("relay: unexpected argument '%s'", argv[optind + 2]);
	/* The addresses first, alone, for their own errors; then the options, split. */
	{
		struct chan_args bare;

		chan_args_init(&bare, LIPC_RECV);
		chan_address(&bare, argv[optind]);
		from->addr = bare.addr;
		chan_args_init(&bare, LIPC_SEND);
		chan_address(&bare, argv[optind + 1]);
		to->addr = bare.addr;
	}
	split_options(from, to);
	chan_address(from, argv[optind]);
	chan_address(to, argv[optind + 1]);
	if (to->addr.scheme == LIPC_SCHEME_TCP && to->addr.port == 0)
		usage_error("relay: port 0 is for a receiver (FROM), which then says its real port "
			    "(-v)");
	if (same_place(&from->addr, &to->addr))
		usage_error("relay: FROM and TO are the same place (%s): every message would come "
			    "back",
			    to->address);
	if (keep)
		from->opts.flags |= LIPC_CHAN_KEEP;
	relay.keep_to = keep && to->addr.scheme != LIPC_SCHEME_STDIO;
	relay.sliced = !is_stream(to->addr.scheme);
}

/* "lipc: listening on tcp:127.0.0.1:40123", so that a script that asked for port 0 learns it. */
static void say_where(void)
{
	char where[PATH_MAX + 64];
	enum lipc_scheme s = relay.from_args.addr.scheme;

	if ((is_unix_socket(s) || s == LIPC_SCHEME_TCP) &&
	    lipc_chan_address(relay.from, where, sizeof(where)) == 0)
		warn_msg("listening on %s", where);
}

/* Open TO: with -k, wait for a receiver that is missing; else fail at once. 0, or -1 said. */
static int open_to(void)
{
	int delay = BACKOFF_MIN;

	for (;;) {
		relay.to = try_open_to();
		if (relay.to)
			return 0;
		if (!relay.keep_to || !peer_gone(errno)) {
			open_to_failed(errno);
			return -1;
		}
		nap(delay);
		delay = delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2;
	}
}

int cmd_relay(int argc, char **argv)
{
	static struct lipc_msg msgs[BATCH];
	struct chan_args *from = &relay.from_args;
	long count = -1, got = 0;
	int r = 0, ret = EXIT_SUCCESS;

	parse_args(argc, argv, &count);
	for (size_t i = 0; i < BATCH; i++)
		msgs[i] = (struct lipc_msg)LIPC_MSG_INIT;
	/*
	 * A receiver that goes away must be an error (to reopen it, or to say so), not a silent
	 * death; but standard output's reader going away ends the relay by SIGPIPE, as lipc recv.
	 */
	if (relay.to_args.addr.scheme != LIPC_SCHEME_STDIO)
		signal(SIGPIPE, SIG_IGN);
	else
		stdout_failed =
			true; /* relay writes its own duplicate of 1: main's check is ours */
	atexit(close_from_at_exit);
	/*
	 * A stdio: end is opened first: with descriptor 0 or 1 closed, the other end's open could
	 * take that number, and stdio: would then read or write the other channel's descriptor.
	 */
	if (relay.to_args.addr.scheme == LIPC_SCHEME_STDIO && open_to() < 0)
		return EXIT_FAILURE;
	relay.from = open_channel(from, LIPC_RECV);
	if (relay.verbose)
		say_where();
	if (!relay.to && open_to() < 0)
		return EXIT_FAILURE; /* FROM is closed at exit */
	while (got != count) {
		size_t want = count < 0 || count - got > BATCH ? BATCH : (size_t)(count - got);

		r = lipc_chan_recv_many(relay.from, msgs, want);
		if (r == 0)
			break;
		if (r < 0 && ring_lost(from, errno)) {
			warn_msg("%s: %s", from->address, chan_strerror(from, errno));
			continue;
		}
		if (r < 0) {
			if (!lost_one(from, errno))
				break;
			warn_msg("%s: a message was lost: %s", from->address,
				 chan_strerror(from, errno));
			ret = EXIT_FAILURE;
			continue;
		}
		if (hand_over(msgs, (size_t)r) < 0) {
			/* A ring keeps what was not delivered if it is not released: leave it so.
			 */
			relay.keep_records = ring_scheme(from->addr.scheme);
			release_signals(&relay.held);
			close_to();
			return EXIT_FAILURE;
		}
		got += r;
	}
	if (r < 0) {
		if (errno == ETIMEDOUT || errno == EAGAIN)
			warn_msg("%s: no message within %s s", from->address, from->timeout);
		else
			warn_msg("cannot receive from %s: %s", from->address,
				 chan_strerror(from, errno));
		ret = EXIT_FAILURE;
	}
	if (close_to() < 0 && ret == EXIT_SUCCESS) {
		warn_msg("cannot close %s: %s", relay.to_args.address,
			 chan_strerror(&relay.to_args, errno));
		ret = EXIT_FAILURE;
	}
	if (close_channel(&relay.from_args, relay.from) < 0 && ret == EXIT_SUCCESS) {
		warn_msg("cannot close %s: %s", from->address, chan_strerror(from, errno));
		ret = EXIT_FAILURE;
	}
	relay.from = NULL;
	return ret;
}
