/* SPDX-License-Identifier: MIT */
/*
 * The version of LinuxIPC, and of its ABI. The macros are the version of the headers a program was
 * compiled with; lipc_version() is the version of the library it runs with, which may be newer
 * (liblipc.so.1 keeps every 1.x binary working). The major number is the soname's: it changes
 * only when a binary built before could break. A minor release adds functions (each listed under
 * a new version node of the symbol map) or fields at the end of the structs that carry a
 * struct_size, and never moves or removes anything; a patch release changes no interface, though
 * a call may then do what it refused before with ENOTSUP (1.3.1: lipc_ring_fd() on every mode).
 * CMakeLists.txt states the same version in project(): configuring fails when the two disagree.
 */
#ifndef LIPC_VERSION_H
#define LIPC_VERSION_H

#define LIPC_VERSION_MAJOR 1
#define LIPC_VERSION_MINOR 3
#define LIPC_VERSION_PATCH 1

/* The three as one number that compares in order: 10000 * major + 100 * minor + patch. */
#define LIPC_VERSION_NUMBER                                                                        \
	(LIPC_VERSION_MAJOR * 10000 + LIPC_VERSION_MINOR * 100 + LIPC_VERSION_PATCH)

/*
 * The library's version, as LIPC_VERSION_NUMBER gives the headers': a number rather than a text,
 * so that a program checks in one comparison that the library it runs with is at least the one
 * it needs (lipc_version() >= 10100 for 1.1), as SQLite's sqlite3_libversion_number() does.
 */
int lipc_version(void);

/*
 * Every struct of LinuxIPC that a caller allocates begins with size_t struct_size, which the
 * caller sets to the struct's size as its headers have it, most simply with the struct's
 * LIPC_<NAME>_INIT macro (or ".struct_size = sizeof(struct lipc_x)" in an initializer of its own).
 * A later version adds fields only at the end, and reads and writes only the first struct_size
 * bytes of the caller's struct: a program built against older headers keeps working with a newer
 * library, which gives the fields that program does not know their defaults. A struct_size below
 * the struct's 1.0 size (0: the struct was not initialised) is EINVAL; a larger one than the
 * library knows (a program built against newer headers) is accepted when the bytes the library
 * does not know are zero (E2BIG otherwise), as Linux's openat2() and clone3() do with their
 * structs. An array of structs (lipc_lock_list()) is read with the first element's struct_size
 * as its stride.
 */

#endif
