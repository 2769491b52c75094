/* SPDX-License-Identifier: MIT */
/*
 * check_internal.h: what the harness's own files (check.c, check_cmd.c, check_ipc.c) share, and
 * tests do not see. Tests include check.h alone.
 */
#ifndef LIPC_CHECK_INTERNAL_H
#define LIPC_CHECK_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

/* CTest's SKIP_RETURN_CODE: the status of a test, or a process of it, that skipped. */
#define SKIP_CODE 77

/*
 * What every process of a test tells the runner, in a page they all share (mapped before the
 * test forks): that one of them skipped (so that check_wait() can tell a child's CHECK_SKIP from
 * a program that happened to exit 77), and that the test left out a part (check_other_uid()),
 * which makes a test that passed a skipped one. NULL before check_main() maps it.
 */
struct check_shared {
	int skips;
	int parts_left_out;
};
extern struct check_shared *check_shared;

/* Wait for a child: its exit status, or 128 + the signal that killed it (a 77 is no skip). */
int check_wait_status(pid_t pid);
/* Status 77 from a child that called check_skip(), not from a program that exits 77. */
bool check_skipped(int status);
/* At the end of a test run in-process (-t): remove the other user's directory it made. */
void check_remove_own_other_dir(void);

#endif
