/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * raw-icmp.c - a raw socket on Linux, where the reference's example
 * (SIO_RCVALL) is Windows-only: one ICMP echo request to HOST (default
 * 127.0.0.1) and its reply.
 *
 * sb_socket() creates the raw socket directly when the program has
 * CAP_NET_RAW, and gets it from sockbrokerd otherwise, as its policy
 * allows. Exits 77 when neither can.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sockbroker/sockbroker.h>

static uint16_t checksum(const void *data, size_t len)
{
        const uint8_t *p = data;
        uint32_t sum = 0;

        for (size_t i = 0; i + 1 < len; i += 2)
                sum += (uint32_t)(p[i] << 8 | p[i + 1]);
        if (len & 1)
                sum += (uint32_t)p[len - 1] << 8;
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return htons((uint16_t)~sum);
}

int main(int argc, char **argv)
{
        const char *host = argc > 1 ? argv[1] : "127.0.0.1";
        struct sockaddr_in dst = { .sin_family = AF_INET }, from;
        socklen_t flen = sizeof(from);
        uint16_t id = (uint16_t)getpid();
        unsigned char pkt[sizeof(struct icmphdr) + 10], buf[1500];
        struct icmphdr icmp = { .type = ICMP_ECHO };
        char text[INET_ADDRSTRLEN];
        ssize_t n;
        int fd;

        if (inet_pton(AF_INET, host, &dst.sin_addr) != 1) {
                fprintf(stderr, "raw-icmp: %s is not an IPv4 address\n", host);
                return 2;
        }
        fd = sb_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        if (fd < 0) {
                fprintf(stderr, "socket: %s; broker: %s\n", strerror(errno), sb_broker_message());
                return errno == EPERM || errno == EACCES ? 77 : 1;
        }
        if (sb_settimeout(fd, 2.0) < 0) {
                perror("settimeout");
                return 1;
        }

        icmp.un.echo.id = htons(id);
        icmp.un.echo.sequence = htons(1);
        memcpy(pkt, &icmp, sizeof(icmp));
        memcpy(pkt + sizeof(icmp), "sockbroker", 10);
        icmp.checksum = checksum(pkt, sizeof(pkt));
        memcpy(pkt, &icmp, sizeof(icmp));
        if (sb_sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
                perror("sendto");
                return 1;
        }

        /* A raw socket sees every ICMP packet, our own request on
         * loopback included: wait for the reply to ours. */
        for (;;) {
                struct icmphdr reply;
                size_t ihl;

                n = sb_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
                if (n < 0) {
                        perror("recvfrom");
                        return 1;
                }
                ihl = (size_t)(buf[0] & 0x0f) * 4;
                if ((size_t)n < ihl + sizeof(reply))
                        continue;
                memcpy(&reply, buf + ihl, sizeof(reply));
                if (reply.type == ICMP_ECHOREPLY && ntohs(reply.un.echo.id) == id)
                        break;
        }
        inet_ntop(AF_INET, &from.sin_addr, text, sizeof(text));
        printf("reply from %s: icmp_seq=1\n", text);
        close(fd);
        return 0;
}
