/* LinuxIPC: every public module of liblipc. */
#ifndef LIPC_LIPC_H
#define LIPC_LIPC_H

#include "lipc/chan.h"
#include "lipc/fifo.h"
#include "lipc/key.h"
#include "lipc/lock.h"
#include "lipc/msgq.h"
#include "lipc/pipe.h"
#include "lipc/ring.h"
#include "lipc/sem.h"
#include "lipc/signal.h"
#include "lipc/shm.h"
#include "lipc/sock.h"
#include "lipc/version.h"

#endif
