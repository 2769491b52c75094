/* SPDX-License-Identifier: MIT */
/*
 * Private to liblipc: how the library reads and writes the structs a caller allocates, each of
 * which begins with size_t struct_size (lipc/version.h). The trap these helpers exist for: the
 * caller's struct may be smaller than the library's (a program built against older headers) or
 * larger (built against newer ones), so the library never assigns, copies or clears a caller's
 * struct whole. It works on a struct of its own, filled with defaults, and copies only the
 * caller's struct_size bytes in or out; a struct_size below the 1.0 size means the caller did not
 * initialise it, and is refused before anything is touched.
 */
#ifndef LIPC_ABI_H
#define LIPC_ABI_H

#include <stddef.h>

/*
 * The size of a struct as version 1.0 has it: up to the end of its last 1.0 field. A later
 * version adds fields after it and leaves these as they are.
 */
#define LIPC__END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
#define LIPC__ADDR_1_0	       LIPC__END(struct lipc_addr, key)
#define LIPC__CHAN_OPTS_1_0    LIPC__END(struct lipc_chan_opts, on_create_arg)
#define LIPC__MSG_1_0	       LIPC__END(struct lipc_msg, gid)
#define LIPC__CHAN_STAT_1_0    LIPC__END(struct lipc_chan_stat, msg_size_limit)
#define LIPC__LOCK_1_0	       LIPC__END(struct lipc_lock, len)
#define LIPC__LOCK_OWNER_1_0   LIPC__END(struct lipc_lock_owner, pid)
#define LIPC__LOCK_INFO_1_0    LIPC__END(struct lipc_lock_info, fd)
#define LIPC__SHM_1_0	       LIPC__END(struct lipc_shm, read_only)
#define LIPC__RING_STAT_1_0    LIPC__END(struct lipc_ring_stat, consumer)
#define LIPC__RING_STAT_1_3    LIPC__END(struct lipc_ring_stat, consumers)
#define LIPC__CHILD_1_0	       LIPC__END(struct lipc_child, from_child)
#define LIPC__SIGNAL_INFO_1_0  LIPC__END(struct lipc_signal_info, value)

/* The caller's struct_size; 0 with errno EINVAL when it is below min (or theirs is NULL). */
size_t lipc__abi_size(const void *theirs, size_t min);

/*
 * Read the caller's struct into ours (our_size bytes, its defaults already in place, its
 * struct_size our_size): only the fields both know are copied; ours keeps its own struct_size
 * and its defaults for the rest. Returns 0, or -1 with errno: EINVAL for a struct_size below min,
 * E2BIG for a larger struct than ours whose extra bytes are not zero (fields this library cannot
 * honour).
 */
int lipc__abi_in(void *ours, size_t our_size, const void *theirs, size_t min);

/*
 * Write ours (our_size bytes) into the caller's struct, as much as its struct_size holds; its
 * struct_size stays, and bytes past our_size in a larger struct are left as they were (zero, when
 * the caller initialised it). The caller's struct_size was checked (lipc__abi_size) first.
 */
void lipc__abi_out(void *theirs, const void *ours, size_t our_size);

/*
 * Copy n structs of our_size bytes from ours into the caller's array, whose stride is stride
 * (its first element's struct_size): each element gets that struct_size, then as much of ours as
 * it holds.
 */
void lipc__abi_out_array(void *theirs, size_t stride, const void *ours, size_t our_size, size_t n);

#endif
