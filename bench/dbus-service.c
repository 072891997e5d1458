/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbus-service - the D-Bus alternative to a broker that
 * bench/run-grant.sh measures sockbrokerd against: one method call that
 * returns a socket, on a bus of the benchmark's own.
 *
 *   dbus-service ADDRESS
 *
 * Connects to the bus at ADDRESS, takes the name org.sockbroker.Bench,
 * prints "ready" and serves until killed: Open(iiii) with family, type,
 * protocol and interface index makes the socket (for AF_PACKET the
 * protocol is the EtherType in host order and the socket is bound to the
 * interface when it is not 0) and returns it as a unix fd ("h"). No
 * policy; run as root, for CAP_NET_RAW.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench-dbus.h"

static int method_open(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        int32_t family, type, protocol, ifindex;
        int fd, r;

        r = sd_bus_message_read(m, "iiii", &family, &type, &protocol, &ifindex);
        if (r < 0)
                return r;
        if (family == AF_PACKET)
                protocol = htons((uint16_t)protocol);
        fd = socket(family, type | SOCK_CLOEXEC, protocol);
        if (fd < 0)
                return sd_bus_error_set_errno(error, errno);
        if (family == AF_PACKET && ifindex > 0) {
                struct sockaddr_ll sll = {
                        .sll_family = AF_PACKET,
                        .sll_protocol = (uint16_t)protocol,
                        .sll_ifindex = ifindex,
                };

                if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                        r = sd_bus_error_set_errno(error, errno);
                        close(fd);
                        return r;
                }
        }
        r = sd_bus_reply_method_return(m, "h", fd);
        close(fd);
        return r;
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Open", "iiii", "h", method_open, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int main(int argc, char **argv)
{
        sd_bus *bus = NULL;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: dbus-service ADDRESS\n");
                return 2;
        }
        r = bench_dbus_open(argv[1], &bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, BENCH_DBUS_PATH, BENCH_DBUS_NAME, vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, BENCH_DBUS_NAME, 0);
        if (r < 0) {
                fprintf(stderr, "dbus-service: %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "dbus-service: %s\n", strerror(-r));
                        return 1;
                }
                if (r == 0 && (r = sd_bus_wait(bus, UINT64_MAX)) < 0 && r != -EINTR) {
                        fprintf(stderr, "dbus-service: %s\n", strerror(-r));
                        return 1;
                }
        }
}
