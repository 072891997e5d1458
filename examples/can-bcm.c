/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * can-bcm.c - the reference's CAN broadcast manager variant: a CAN_BCM
 * socket connected to an interface (default vcan0), which sends one
 * frame with TX_SEND.
 *
 *   can-bcm [IFACE]
 *
 * Exits 77 where the kernel has no AF_CAN or no such interface.
 */
#include <errno.h>
#include <linux/can.h>
#include <linux/can/bcm.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sockbroker/sockbroker.h>

int main(int argc, char **argv)
{
        const char *iface = argc > 1 ? argv[1] : "vcan0";
        struct bcm_msg_head head = { .opcode = TX_SEND, .nframes = 1, .can_id = 0x01 };
        struct can_frame frame = { .can_id = 0x01, .len = 3, .data = { 1, 2, 3 } };
        /* The head ends in a flexible array of frames: one frame follows. */
        unsigned char msg[sizeof(head) + sizeof(frame)];
        struct sockaddr_storage ss;
        socklen_t len;
        int s;

        /* socket.socket(socket.AF_CAN, socket.SOCK_DGRAM, socket.CAN_BCM) */
        s = sb_socket(AF_CAN, SOCK_DGRAM, CAN_BCM);
        if (s < 0) {
                fprintf(stderr, "socket: %s\n", strerror(errno));
                return errno == EAFNOSUPPORT ? 77 : 1;
        }
        if (sb_addr_parse(AF_CAN, CAN_BCM, iface, &ss, &len) < 0) {
                fprintf(stderr, "%s: %s\n", iface, strerror(errno));
                return errno == ENODEV ? 77 : 1;
        }
        /* A BCM socket is connected, not bound. */
        if (sb_connect(s, (struct sockaddr *)&ss, len) < 0) {
                perror("connect");
                return 1;
        }
        memcpy(msg, &head, sizeof(head));
        memcpy(msg + sizeof(head), &frame, sizeof(frame));
        if (sb_send(s, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg)) {
                printf("Error sending CAN frame\n");
                return 1;
        }
        printf("sent can_id=1 on %s\n", iface);
        close(s);
        return 0;
}
