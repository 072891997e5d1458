/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify.h - the service manager's protocol, as much of it as the opener
 * speaks: readiness and status on $NOTIFY_SOCKET, and the listening
 * socket it passes ($LISTEN_FDS). Written out here so that the opener
 * need not link libsystemd.
 */
#pragma once

#include <stdbool.h>

/* Sends state ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET, if set.
 * Returns 1 when sent, 0 when there is no service manager, or a
 * negative errno. */
int notify_send(const char *state);

/* The one listening AF_UNIX SOCK_SEQPACKET socket the service manager
 * passed (fd 3), or -ENOENT when it passed none, or a negative errno
 * when it passed something else. Unsets $LISTEN_* either way. */
int notify_listen_fd(void);
