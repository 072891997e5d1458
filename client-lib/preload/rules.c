/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rules.c - the preload shim's own decisions.
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "client-lib/preload/rules.h"

bool preload_socket_brokered(int family, int protocol, int error)
{
        if (error != EPERM && error != EACCES)
                return false;
        if (family != AF_INET && family != AF_INET6 && family != AF_PACKET)
                return false;
        return protocol >= 0 && protocol <= 0xffff;
}

int preload_locked_filter_errno(int level, int name, int error, bool locked_packet)
{
        if (level != SOL_SOCKET || error != EPERM || !locked_packet)
                return 0;
        switch (name) {
        case SO_ATTACH_FILTER:
                return EPERM;
        case SO_DETACH_FILTER:
                return ENOENT;
        default:
                return 0;
        }
}
