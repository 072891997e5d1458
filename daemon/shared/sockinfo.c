/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockinfo.c - the family, type and protocol of a received socket.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include "common/util.h"
#include "daemon/shared/sockinfo.h"

int sockinfo_read(int fd, struct policy_request *req)
{
        static const int opts[3] = { SO_DOMAIN, SO_TYPE, SO_PROTOCOL };
        int v[3];

        for (size_t i = 0; i < ELEMENTSOF(opts); i++) {
                socklen_t len = sizeof(v[i]);

                if (getsockopt(fd, SOL_SOCKET, opts[i], &v[i], &len) < 0)
                        return negative_errno();
        }
        req->family = v[0];
        req->type = v[1];
        /* AF_PACKET keeps its protocol in network byte order. */
        req->protocol = v[0] == AF_PACKET ? ntohs((uint16_t)v[2]) : (uint32_t)v[2];
        return 0;
}
