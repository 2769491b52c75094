/* SPDX-License-Identifier: MIT */
/*
 * The library's version at run time. It comes from the headers the library was built with, so a
 * program that compares it with LIPC_VERSION_NUMBER learns whether the liblipc.so.1 it was loaded
 * with is older than the headers it was compiled against (then a function or a field it relies on
 * may be missing). The trap: making this an inline function or a macro would compile the
 * caller's headers into the caller, and tell it nothing.
 */
#include "lipc/version.h"

int lipc_version(void)
{
	return LIPC_VERSION_NUMBER;
}
