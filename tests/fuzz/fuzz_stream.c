/* SPDX-License-Identifier: MIT */
/*
 * The stream decoder (lipc__stream_take and lipc__stream_fill, under every byte-stream channel)
 * fed any bytes through a pipe, in chunks of pseudo-random sizes so that frames and lines
 * arrive cut anywhere. The first byte picks lines or frames and the chunk sizes, then max_msg
 * comes from a small table or from the next 8 bytes as they are. The messages that come out
 * must be exactly the input's, in order; a failure must be the documented one (EMSGSIZE for
 * a message over max_msg, EPROTO for a frame cut by the end), and sticky.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "chan/chan.h" /* the decoder is the channel's: src/chan/stream.c */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* What the input says the next message is: its bytes at *off, and the bytes after it. */
struct expect {
	const uint8_t *in;
	size_t size, off;
};

/* Line mode: the next line's length (to its newline or the end), and whether it has one. */
static size_t next_line(const struct expect *e, bool *newline)
{
	const uint8_t *nl = memchr(e->in + e->off, '\n', e->size - e->off);

	*newline = nl != NULL;
	return nl ? (size_t)(nl - (e->in + e->off)) : e->size - e->off;
}

static void check_message(struct expect *e, unsigned flags, size_t max_msg,
			  const struct lipc_msg *m)
{
	FUZZ_ASSERT(m->len <= max_msg);
	if (flags & LIPC_CHAN_FRAMED) {
		const uint8_t *h = e->in + e->off;

		FUZZ_ASSERT(e->size - e->off >= 4);
		FUZZ_ASSERT(m->len ==
			    ((size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3]));
		FUZZ_ASSERT(e->size - e->off - 4 >= m->len);
		FUZZ_ASSERT(!memcmp(m->data, h + 4, m->len));
		e->off += 4 + m->len;
	} else {
		bool newline;
		size_t len = next_line(e, &newline);

		FUZZ_ASSERT(m->len == len && !memcmp(m->data, e->in + e->off, len));
		e->off += len + newline;
	}
}

/* Why the stream failed must be what the rest of the input holds. */
static void check_failure(const struct expect *e, unsigned flags, size_t max_msg, int err)
{
	size_t rest = e->size - e->off;

	if (flags & LIPC_CHAN_FRAMED) {
		const uint8_t *h = e->in + e->off;
		size_t len;

		if (err == EPROTO) {
			FUZZ_ASSERT(rest > 0);
			FUZZ_ASSERT(rest < 4 || ((size_t)h[0] << 24 | (size_t)h[1] << 16 |
						 (size_t)h[2] << 8 | h[3]) > rest - 4);
			return;
		}
		FUZZ_ASSERT(err == EMSGSIZE && rest >= 4);
		len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
		FUZZ_ASSERT(len > max_msg);
	} else {
		bool newline;

		FUZZ_ASSERT(err == EMSGSIZE);
		FUZZ_ASSERT(next_line(e, &newline) > max_msg);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t table[] = { 1, 2, 7, 64, 4096, 65536, LIPC_MSG_MAX_DEFAULT, 0 };
	struct expect e;
	struct lipc__stream s;
	unsigned flags = 0, rnd;
	size_t max_msg, written = 0;
	int fds[2];
	bool closed = false;

	if (size < 1)
		return 0;
	flags = data[0] & 1 ? LIPC_CHAN_FRAMED : 0;
	rnd = data[0] >> 4 | 1u;
	if (data[0] & 2) {
		if (size < 9)
			return 0;
		memcpy(&max_msg, data + 1, sizeof(max_msg));
		data += 9;
		size -= 9;
	} else {
		max_msg = table[(data[0] >> 2) & 7];
		data++;
		size--;
	}
	if (max_msg == 0)
		max_msg = LIPC_MSG_MAX_DEFAULT; /* what the channel makes of 0 */
	e = (struct expect){ data, size, 0 };

	FUZZ_ASSERT(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
	lipc__stream_init(&s, fds[0], false);
	for (long rounds = 0;; rounds++) {
		struct lipc_msg m = LIPC_MSG_INIT;
		int r = lipc__stream_take(&s, flags, max_msg, &m);

		/* Each round hands out a message, reads or writes: it cannot go on for ever. */
		FUZZ_ASSERT(rounds < 4 * (long)size + 64);
		if (r == LIPC__GOT) {
			check_message(&e, flags, max_msg, &m);
			continue;
		}
		if (r == LIPC__END) {
			FUZZ_ASSERT(closed && e.off == e.size);
			break;
		}
		if (r < 0) {
			int err = errno;

			check_failure(&e, flags, max_msg, err);
			/* Sticky: the stream has lost its place. */
			FUZZ_ASSERT(lipc__stream_take(&s, flags, max_msg, &m) == -1 &&
				    errno == err);
			break;
		}
		FUZZ_ASSERT(r == LIPC__MORE);
		if (lipc__stream_fill(&s, flags, max_msg) == 0)
			continue;
		FUZZ_ASSERT(errno == EAGAIN && !closed);
		/* The pipe is empty: the writer sends the next chunk, or closes at the end. */
		if (written == size) {
			close(fds[1]);
			closed = true;
			continue;
		}
		rnd = rnd * 1103515245u + 12345u;
		{
			size_t chunk = 1 + (rnd >> 8) % (rnd & 0x100 ? 7 : 70000);
			ssize_t n;

			if (chunk > size - written)
				chunk = size - written;
			n = write(fds[1], data + written, chunk);
			FUZZ_ASSERT(n > 0);
			written += (size_t)n;
		}
	}
	if (!closed)
		close(fds[1]);
	close(fds[0]);
	lipc__stream_free(&s);
	return 0;
}
