/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * can-raw.c - the reference's CAN example, in C: a raw CAN socket bound
 * to an interface (default vcan0) that prints each frame it receives and
 * sends it back, and then sends a frame of its own.
 *
 *   can-raw [IFACE [COUNT]]
 *
 * The reference loops forever; COUNT (default 0: forever) stops after
 * that many frames. Exits 77 where the kernel has no AF_CAN or no such
 * interface.
 */
#include <errno.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sockbroker/sockbroker.h>

/* struct can_frame, as the reference's "=IB3x8s". */
static struct can_frame build_can_frame(canid_t can_id, const void *data, size_t len)
{
        struct can_frame f = { .can_id = can_id, .len = (__u8)len };

        memcpy(f.data, data, len);
        return f;
}

static void dissect_can_frame(const struct can_frame *f)
{
        printf("Received: can_id=%x, can_dlc=%x, data=b'", f->can_id, f->len);
        for (unsigned i = 0; i < f->len && i < CAN_MAX_DLEN; i++)
                printf("\\x%02x", f->data[i]);
        printf("'\n");
}

int main(int argc, char **argv)
{
        const char *iface = argc > 1 ? argv[1] : "vcan0";
        unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
        struct sockaddr_storage ss;
        socklen_t len;
        struct can_frame cf;
        int s;

        s = sb_socket(AF_CAN, SOCK_RAW, CAN_RAW);
        if (s < 0) {
                fprintf(stderr, "socket: %s\n", strerror(errno));
                return errno == EAFNOSUPPORT ? 77 : 1;
        }
        /* s.bind(('vcan0',)) */
        if (sb_addr_parse(AF_CAN, CAN_RAW, iface, &ss, &len) < 0) {
                fprintf(stderr, "%s: %s\n", iface, strerror(errno));
                return errno == ENODEV ? 77 : 1;
        }
        if (sb_bind(s, (struct sockaddr *)&ss, len) < 0) {
                perror("bind");
                return 1;
        }

        for (unsigned long i = 0; count == 0 || i < count; i++) {
                ssize_t n = sb_recv(s, &cf, sizeof(cf), 0);

                if (n != (ssize_t)sizeof(cf)) {
                        perror("recv");
                        return 1;
                }
                dissect_can_frame(&cf);
                if (sb_send(s, &cf, sizeof(cf), 0) < 0)
                        printf("Error sending CAN frame\n");
        }

        cf = build_can_frame(0x01, "\x01\x02\x03", 3);
        if (sb_send(s, &cf, sizeof(cf), 0) < 0)
                printf("Error sending CAN frame\n");
        close(s);
        return 0;
}
