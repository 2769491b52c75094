/* SPDX-License-Identifier: MIT */
/*
 * The channel's batch calls: many messages per call, for programs that move a stream of small
 * messages (lipc send reads standard input in large blocks and sends its lines in batches).
 * Internal (lipc__) in ABI 1.0: the public batch API needs a 1.1 version node. The call is shaped
 * to become it unchanged, as lipc_chan_send_many() beside lipc_chan_sendmsg(): sendmmsg(2)'s
 * contract, which C programmers know already.
 *
 * What a batch is, per mechanism: on a byte stream (fifo, unix, tcp, a pipe) one write() of many
 * messages, their newlines or length prefixes included, each message whole in one write; on a
 * pipe or a FIFO, which several processes may write at once, a write holds at most PIPE_BUF bytes
 * (or one longer message alone), so that no message of ours is ever interleaved with another
 * writer's. Elsewhere (queues, datagrams, the ring) one call per message: all the kernel has,
 * or for the ring one record per message.
 */
#ifndef LIPC_CHAN_BATCH_H
#define LIPC_CHAN_BATCH_H

#include <stddef.h>

#include "lipc/chan.h"

/*
 * Send msgs[0..n) in order, as lipc_chan_sendmsg() sends one (its errors, its waits: a timeout
 * applies to each wait for room). Returns how many were sent: n, or fewer when a message could
 * not be sent after others were (the next call, starting with that message, then reports why),
 * or -1 with errno when not even the first was sent. n == 0 returns 0.
 */
int lipc__chan_send_many(struct lipc_chan *chan, const struct lipc_msg *msgs, size_t n);

#endif
