/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fdmsg.h - one datagram plus SCM_RIGHTS descriptors over AF_UNIX.
 *
 * Receiving is where descriptors leak and where hostile peers play, so
 * fdmsg_recv() is strict: it always uses MSG_CMSG_CLOEXEC, treats a
 * truncated message (MSG_TRUNC) or truncated control data (MSG_CTRUNC)
 * as an error, and closes every descriptor it received whenever it does
 * not hand them all to the caller.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Most descriptors fdmsg_recv() accepts in one message; the control
 * buffer is sized for this many, and more is MSG_CTRUNC. */
#define FDMSG_MAX_FDS 4u

/* Sends buf with n_fds descriptors (MSG_NOSIGNAL | flags), retrying on
 * EINTR. Returns the bytes sent or a negative errno. */
ssize_t fdmsg_send(int sock, const void *buf, size_t len,
                   const int *fds, size_t n_fds, int flags);

/*
 * Receives one message into buf (MSG_CMSG_CLOEXEC | flags), retrying on
 * EINTR. Descriptors go to fds[0..*n_fds). Returns the bytes received
 * (0 is end of stream for a connection), or a negative errno, with no
 * descriptor left open:
 *   -EMSGSIZE  the message was longer than size
 *   -EBADMSG   more descriptors than max_fds
 *   -ENOBUFS   control data truncated (MSG_CTRUNC): more descriptors
 *              than FDMSG_MAX_FDS were sent, or the receiver's
 *              descriptor table had no room for them
 */
ssize_t fdmsg_recv(int sock, void *buf, size_t size,
                   int *fds, size_t max_fds, size_t *n_fds, int flags);

/*
 * As fdmsg_recv(), but truncated control data is not an error: the
 * message is returned with no descriptor (all that came are closed) and
 * *ret_lost set. For a peer whose message must be answered even when
 * its descriptors could not be received (the opener's grants, when the
 * broker's table is full).
 */
ssize_t fdmsg_recv_lossy(int sock, void *buf, size_t size,
                         int *fds, size_t max_fds, size_t *n_fds, bool *ret_lost, int flags);

/* Closes fds[0..n) and sets each to -1. */
void fdmsg_close_all(int *fds, size_t n);
