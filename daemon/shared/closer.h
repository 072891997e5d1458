/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * closer.h - a thread of its own for the closes that wait.
 *
 * The last close of an AF_PACKET socket waits for an RCU grace period
 * (synchronize_net() in packet_release(): 8 to 16 ms on a kernel without
 * expedited RCU), and a CAN socket's may wait too. After a socket has
 * been handed on, whichever holder closes last pays, and the receiver
 * often closes before the sender gets to: a serving loop that closed its
 * copy itself would make every queued request wait behind a grace
 * period. The loop hands such descriptors here instead, for the price of
 * one write(2) to a pipe; the closer thread closes them.
 */
#include <stdbool.h>

/*
 * Starts the closer thread, with every signal blocked. Call it once the
 * process has the privileges it keeps (capabilities are per thread), and
 * either before its seccomp filter, which then must synchronise every
 * thread, or after it, where the filter allows a thread. 0 or -errno;
 * without it, closer_close() closes inline.
 */
int closer_start(void);

/* Whether a socket of this family may wait on its last close; AF_UNSPEC,
 * a family not known, may. */
bool closer_family_waits(int family);

/* Takes fd, a socket of family: closed by the closer thread when its
 * close may wait, here otherwise, or when the closer cannot take it. */
void closer_close(int fd, int family);
