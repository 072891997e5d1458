/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * helper - the alternative to a broker that bench/run-grant.sh measures
 * sockbrokerd against: a small program with CAP_NET_RAW in its file
 * capabilities (the setcap, authbind and rawsocket model), run once per
 * socket, that creates it and hands it back.
 *
 *   helper FAMILY TYPE PROTOCOL IFINDEX
 *
 * Creates socket(FAMILY, TYPE, PROTOCOL) (for AF_PACKET, PROTOCOL is the
 * EtherType in host order, as in a spec), for AF_PACKET bound to
 * IFINDEX when it is not 0, and sends it on descriptor 3, an AF_UNIX
 * socket, with one byte: 0, or the errno that stopped it (then with no
 * descriptor). No policy: what it costs is the fork (or posix_spawn),
 * the exec and the loader. libc alone, so that it links statically as
 * well (bench/helper-static).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/fdpass.h"

#define REPLY_FD 3

static int reply(int error, int fd)
{
        return bench_send_status(REPLY_FD, (uint8_t)error, fd, 0) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
        int family, type, protocol, ifindex, fd;

        if (argc != 5)
                return 2;
        family = atoi(argv[1]);
        type = atoi(argv[2]);
        protocol = atoi(argv[3]);
        /* As in a spec: an EtherType in host order. */
        if (family == AF_PACKET)
                protocol = htons((uint16_t)protocol);
        ifindex = atoi(argv[4]);
        fd = socket(family, type, protocol);
        if (fd < 0)
                return reply(errno, -1);
        if (family == AF_PACKET && ifindex > 0) {
                struct sockaddr_ll sll = {
                        .sll_family = AF_PACKET,
                        .sll_protocol = (unsigned short)protocol,
                        .sll_ifindex = ifindex,
                };

                if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
                        return reply(errno, -1);
        }
        return reply(0, fd);
}
