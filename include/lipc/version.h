/*
 * The version of LinuxIPC, and of its ABI. The macros are the version of the headers a program was
 * compiled with; lipc_version() is the version of the library it runs with, which may be newer
 * (liblipc.so.1 keeps every 1.x binary working). The major number is the soname's: it changes
 * only when a binary built before could break. A minor release adds functions (each listed under
 * a new version node of the symbol map) or fields at the end of the structs that carry a
 * struct_size, and never moves or removes anything; a patch release changes no interface.
 * CMakeLists.txt states the same version in project(): configuring fails when the two disagree.
 */
#ifndef LIPC_VERSION_H
#define LIPC_VERSION_H

#define LIPC_VERSION_MAJOR 1
#define LIPC_VERSION_MINOR 0
#define LIPC_VERSION_PATCH 0

/* The three as one number that compares in order: 10000 * major + 100 * minor + patch. */
#define LIPC_VERSION_NUMBER                                                                        \
	(LIPC_VERSION_MAJOR * 10000 + LIPC_VERSION_MINOR * 100 + LIPC_VERSION_PATCH)

/*
 * The library's version, as LIPC_VERSION_NUMBER gives the headers': a number rather than a text,
 * so that a program checks in one comparison that the library it runs with is at least the one
 * it needs (lipc_version() >= 10100 for 1.1), as SQLite's sqlite3_libversion_number() does.
 */
int lipc_version(void);

#endif
