/* LinuxIPC: every public module of liblipc. */
#ifndef LIPC_LIPC_H
#define LIPC_LIPC_H

#include "lipc/chan.h"
#include "lipc/fifo.h"
#include "lipc/key.h"
#include "lipc/pipe.h"
#include "lipc/sock.h"

#endif
