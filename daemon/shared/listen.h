/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * listen.h - a listening AF_UNIX SOCK_SEQPACKET socket made at a path.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/*
 * Makes a listening socket at path, with mode and, when group is not -1,
 * that group; non-blocking when nonblock is set. The socket is made only
 * in a directory owned by root (or by the calling user) and writable by
 * no one else, which is created 0755 when missing; only a stale socket
 * there is replaced. Its mode is set by the umask at bind(), it is bound
 * through the directory that was checked, and its group is set through
 * that directory, never by a path that could have changed in between.
 * Returns 0, or a negative errno with the reason logged.
 */
int listen_socket_at(const char *path, mode_t mode, gid_t group, bool nonblock, int *ret_fd);
