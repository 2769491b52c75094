/* SPDX-License-Identifier: MIT */
/*
 * The structs a caller allocates, read and written by their struct_size (abi.h). The rule for a
 * larger struct than ours is Linux's copy_struct_from_user() (openat2, clone3): accepted when the
 * fields this library does not know are all zero, since then the caller asked for nothing it
 * cannot have; refused with E2BIG otherwise, rather than ignored.
 */
#include <errno.h>
#include <string.h>

#include "abi.h"

size_t lipc__abi_size(const void *theirs, size_t min)
{
	size_t size;

	if (!theirs) {
		errno = EINVAL;
		return 0;
	}
	memcpy(&size, theirs, sizeof(size));
	if (size < min || size < sizeof(size_t)) {
		errno = EINVAL;
		return 0;
	}
	return size;
}

int lipc__abi_in(void *ours, size_t our_size, const void *theirs, size_t min)
{
	size_t size = lipc__abi_size(theirs, min);
	const unsigned char *t = theirs;

	if (!size)
		return -1;
	for (size_t i = our_size; i < size; i++)
		if (t[i]) {
			errno = E2BIG;
			return -1;
		}
	if (size > our_size)
		size = our_size;
	memcpy((unsigned char *)ours + sizeof(size_t), t + sizeof(size_t), size - sizeof(size_t));
	return 0;
}

void lipc__abi_out(void *theirs, const void *ours, size_t our_size)
{
	size_t size;

	memcpy(&size, theirs, sizeof(size));
	if (size > our_size)
		size = our_size;
	memcpy((unsigned char *)theirs + sizeof(size_t),
	       (const unsigned char *)ours + sizeof(size_t), size - sizeof(size_t));
}

void lipc__abi_out_array(void *theirs, size_t stride, const void *ours, size_t our_size, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char *t = (unsigned char *)theirs + i * stride;

		memcpy(t, &stride, sizeof(stride));
		lipc__abi_out(t, (const unsigned char *)ours + i * our_size, our_size);
	}
}
