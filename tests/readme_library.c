/* SPDX-License-Identifier: MIT */
/* tests/readme_library.c: one message through an address, e.g. ./readme_library unix:@hello */
#define _POSIX_C_SOURCE 200809L /* what <lipc/lipc.h> needs of libc */
#include <stdio.h>

#include <lipc/lipc.h>

int main(int argc, char **argv)
{
	struct lipc_chan *rx = argc == 2 ? lipc_chan_open(argv[1], LIPC_RECV, NULL) : NULL;
	struct lipc_chan *tx = rx ? lipc_chan_open(argv[1], LIPC_SEND, NULL) : NULL;
	struct lipc_msg m = LIPC_MSG_INIT;
	int ok = tx && lipc_chan_send(tx, "hello", 5) == 0 && lipc_chan_recv(rx, &m) == 1;

	if (ok)
		printf("%.*s\n", (int)m.len, (const char *)m.data);
	else if (argc != 2)
		fprintf(stderr, "usage: %s ADDRESS\n", argv[0]);
	else
		perror(argv[1]);
	lipc_chan_close(tx); /* every close takes NULL */
	lipc_chan_close(rx);
	return !ok;
}
