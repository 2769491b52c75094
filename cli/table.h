/* SPDX-License-Identifier: MIT */
/*
 * Tables the command prints (lipc lock --status, lipc bench; lipc ls keeps one line per object, its
 * name last and whole): no line wider than TABLE_WIDTH columns, so that a table reads in a terminal
 * of that width and in a mail. A line that would be wider (a long path, a CPU's long name, a
 * process name full of escapes) is folded: it goes on, on as many lines as it needs, under an
 * indent, cut where a reader would cut it (after "; ", ", " or '/', at a blank, before an escape),
 * never inside a UTF-8 character.
 */
#ifndef LIPC_CLI_TABLE_H
#define LIPC_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TABLE_WIDTH 100

/* The columns that len bytes of UTF-8 take: their characters (the first byte of each). */
size_t table_columns(const char *s, size_t len);
/*
 * Write the len bytes of line (no newline in them), folded at TABLE_WIDTH; each further line
 * starts with indent blanks (at most TABLE_WIDTH - 40, so that 40 columns are left: more, and
 * 2 is used). No newline after the last piece.
 */
void table_fold(FILE *out, const char *line, size_t len, size_t indent);

#endif
