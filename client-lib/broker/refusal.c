/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * refusal.c - which of the kernel's refusals the broker can serve.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "client-lib/broker/refusal.h"
#include "common/bt.h"

bool sb_refusal_bind(int family, int protocol, int error)
{
        if (error != EACCES)
                return false;
        switch (family) {
        case AF_INET:
        case AF_INET6:
                return true;
        case AF_BLUETOOTH:
                return protocol == BTPROTO_L2CAP;
        default:
                return false;
        }
}

const char *sb_refusal_setsockopt(int level, int name, const void *value, socklen_t len,
                                  int error)
{
        int v;

        if (error != EPERM || level != SOL_SOCKET)
                return NULL;
        if (name == SO_BINDTODEVICE)    /* the first binding is free; a change is not */
                return "SO_BINDTODEVICE";
        if (!value || len < sizeof(int))
                return NULL;
        switch (name) {
        case SO_MARK:
                return "SO_MARK";
        case SO_RCVBUFFORCE:
                return "SO_RCVBUFFORCE";
        case SO_SNDBUFFORCE:
                return "SO_SNDBUFFORCE";
        case SO_PRIORITY:
                memcpy(&v, value, sizeof(v));
                return v > 6 ? "SO_PRIORITY" : NULL;
        default:
                return NULL;
        }
}
