/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sbtest - the integration tests' client: gets sockets through
 * libsockbroker and shows that they carry real traffic. It runs as an
 * unprivileged uid; only "send" and "recv --direct" need privilege, for
 * the far end of a test. Malformed requests are tests/sbhostile's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/names.h"
#include "common/util.h"
#include "sockbroker/sockbroker.h"

static long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned long parse_num(const char *s)
{
        uint64_t v;

        if (names_parse_uint(s, UINT32_MAX, &v) < 0) {
                fprintf(stderr, "sbtest: '%s' is not a number\n", s);
                exit(2);
        }
        return (unsigned long)v;
}

static int cmd_open(int argc, char **argv)
{
        int fd;

        if (argc != 1)
                return 2;
        fd = sb_open(argv[0], 0);
        if (fd < 0) {
                printf("refused errno=%d (%s) message=\"%s\" rule=\"%s\"\n", errno, strerror(errno),
                       sb_broker_message(), sb_broker_rule());
                return 1;
        }
        printf("granted fd=%d message=\"%s\" rule=\"%s\"\n", fd, sb_broker_message(), sb_broker_rule());
        close(fd);
        return 0;
}

static int cmd_socket(int argc, char **argv)
{
        int family, type, protocol, fd;

        if (argc != 3)
                return 2;
        family = names_family_from_string(argv[0]);
        type = names_type_from_string(argv[1]);
        protocol = (int)parse_num(argv[2]);
        if (family == AF_PACKET)
                protocol = htons((uint16_t)protocol);
        fd = sb_socket(family, type, protocol);
        if (fd < 0) {
                printf("refused errno=%d (%s) message=\"%s\"\n", errno, strerror(errno), sb_broker_message());
                return 1;
        }
        printf("granted fd=%d cloexec=%d message=\"%s\"\n", fd,
               (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? 1 : 0, sb_broker_message());
        close(fd);
        return 0;
}

/* recv [--direct] SPEC|IFNAME ETHERTYPE TIMEOUT_MS [REBIND_IFNAME] */
static int cmd_recv(int argc, char **argv)
{
        bool direct = argc > 0 && streq(argv[0], "--direct");
        unsigned long ethertype, timeout;
        _cleanup_close_ int fd = -1;
        long deadline;

        if (direct) {
                argc--;
                argv++;
        }
        if (argc != 3 && argc != 4)
                return 2;
        ethertype = parse_num(argv[1]);
        timeout = parse_num(argv[2]);

        if (direct) {
                struct sockaddr_ll sll = {
                        .sll_family = AF_PACKET,
                        .sll_protocol = htons(ETH_P_ALL),
                        .sll_ifindex = (int)if_nametoindex(argv[0]),
                };

                fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
                if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                        printf("direct socket on %s: %m\n", argv[0]);
                        return 1;
                }
        } else {
                fd = sb_open(argv[0], 0);
                if (fd < 0) {
                        printf("refused errno=%d message=\"%s\"\n", errno, sb_broker_message());
                        return 1;
                }
        }

        if (argc == 4) {
                struct sockaddr_ll sll = {
                        .sll_family = AF_PACKET,
                        .sll_protocol = htons(ETH_P_ALL),
                        .sll_ifindex = (int)if_nametoindex(argv[3]),
                };

                if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                        printf("rebind to %s failed: %m\n", argv[3]);
                        return 1;
                }
                printf("rebound to %s\n", argv[3]);
        }
        fflush(stdout);

        deadline = now_ms() + (long)timeout;
        while (now_ms() < deadline) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                struct sockaddr_ll from;
                socklen_t fromlen = sizeof(from);
                uint8_t frame[2048];
                ssize_t n;

                if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
                        continue;
                n = recvfrom(fd, frame, sizeof(frame), 0, (struct sockaddr *)&from, &fromlen);
                if (n < 14)
                        continue;
                if (((unsigned)frame[12] << 8 | frame[13]) == ethertype) {
                        char name[IF_NAMESIZE] = "?";

                        if_indextoname((unsigned)from.sll_ifindex, name);
                        printf("received %zd bytes of 0x%04lx on %s\n", n, ethertype, name);
                        return 0;
                }
        }
        printf("timeout: no 0x%04lx frame in %lu ms\n", ethertype, timeout);
        return 3;
}

/* send IFNAME ETHERTYPE COUNT INTERVAL_MS */
static int cmd_send(int argc, char **argv)
{
        struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
        uint8_t frame[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1 };
        unsigned long ethertype, count, interval;
        _cleanup_close_ int fd = -1;

        if (argc != 4)
                return 2;
        ethertype = parse_num(argv[1]);
        count = parse_num(argv[2]);
        interval = parse_num(argv[3]);
        sll.sll_ifindex = (int)if_nametoindex(argv[0]);
        sll.sll_protocol = htons((uint16_t)ethertype);
        memset(sll.sll_addr, 0xff, ETH_ALEN);
        frame[12] = (uint8_t)(ethertype >> 8);
        frame[13] = (uint8_t)ethertype;
        memcpy(frame + 14, "sockbroker test frame", 21);

        fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0 || sll.sll_ifindex == 0) {
                fprintf(stderr, "sbtest send: %s: %m\n", argv[0]);
                return 1;
        }
        for (unsigned long i = 0; i < count; i++) {
                if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                        fprintf(stderr, "sbtest send: %m\n");
                        return 1;
                }
                usleep((useconds_t)interval * 1000);
        }
        return 0;
}

static uint16_t inet_checksum(const void *data, size_t len)
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

/* ping SPEC ADDR: an ICMP echo over a brokered raw socket. */
static int cmd_ping(int argc, char **argv)
{
        struct sockaddr_in to = { .sin_family = AF_INET };
        struct icmphdr req = { .type = ICMP_ECHO };
        uint8_t pkt[sizeof(req) + 16];
        uint16_t id = (uint16_t)getpid();
        _cleanup_close_ int fd = -1;
        long deadline;

        if (argc != 2 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
                return 2;
        fd = sb_open(argv[0], 0);
        if (fd < 0) {
                printf("refused errno=%d message=\"%s\"\n", errno, sb_broker_message());
                return 1;
        }
        req.un.echo.id = htons(id);
        req.un.echo.sequence = htons(1);
        memcpy(pkt, &req, sizeof(req));
        memcpy(pkt + sizeof(req), "sockbroker ping!", 16);
        ((struct icmphdr *)pkt)->checksum = inet_checksum(pkt, sizeof(pkt));
        if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
                printf("sendto: %m\n");
                return 1;
        }

        deadline = now_ms() + 3000;
        while (now_ms() < deadline) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                uint8_t buf[1500];
                struct icmphdr reply;
                ssize_t n;
                size_t ihl;

                if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf), 0);
                if (n < 20)
                        continue;
                ihl = (size_t)(buf[0] & 0x0f) * 4;
                if ((size_t)n < ihl + sizeof(reply))
                        continue;
                memcpy(&reply, buf + ihl, sizeof(reply));
                if (reply.type == ICMP_ECHOREPLY && ntohs(reply.un.echo.id) == id) {
                        printf("echo reply from %s, %zd bytes\n", argv[1], n);
                        return 0;
                }
        }
        printf("timeout: no echo reply\n");
        return 3;
}

/* bind PORT: a TCP socket on 127.0.0.1:PORT, through the broker when the
 * kernel refuses the port. */
static int cmd_bind(int argc, char **argv)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        _cleanup_close_ int fd = -1, peer = -1;
        int r;

        if (argc != 1)
                return 2;
        sa.sin_port = htons((uint16_t)parse_num(argv[0]));
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return 1;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
                printf("bound directly (no broker needed)\n");
        } else {
                printf("direct bind: %m\n");
                /* The public call: direct first, then the broker. */
                r = sb_bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
                if (r < 0) {
                        printf("refused errno=%d message=\"%s\" rule=\"%s\"\n", -r,
                               sb_broker_message(), sb_broker_rule());
                        return 1;
                }
        }
        if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || listen(fd, 1) < 0)
                return 1;
        peer = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (peer < 0 || connect(peer, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                printf("connect to the bound port failed: %m\n");
                return 1;
        }
        printf("bound to 127.0.0.1:%u and accepting connections\n", ntohs(sa.sin_port));
        return 0;
}

/* setopt mark|priority|rcvbufforce|bindtodevice VALUE on a UDP socket */
static int cmd_setopt(int argc, char **argv)
{
        static const struct {
                const char *name;
                int opt;
                int readback;
        } opts[] = {
                { "mark", SO_MARK, SO_MARK },
                { "priority", SO_PRIORITY, SO_PRIORITY },
                { "rcvbufforce", SO_RCVBUFFORCE, SO_RCVBUF },
                { "sndbufforce", SO_SNDBUFFORCE, SO_SNDBUF },
        };
        _cleanup_close_ int fd = -1;
        socklen_t len;
        int r, v, got = 0;

        if (argc != 2)
                return 2;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return 1;

        if (streq(argv[0], "bindtodevice")) {
                char dev[IFNAMSIZ] = "";

                /* The first binding needs no privilege; changing it does. */
                if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) < 0)
                        return 1;
                if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[1], (socklen_t)strlen(argv[1]) + 1) == 0) {
                        printf("changed directly (no broker needed)\n");
                        return 0;
                }
                printf("direct setsockopt: %m\n");
                r = sb_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[1],
                                  (socklen_t)strlen(argv[1]) + 1) < 0 ? -errno : 0;
                if (r < 0) {
                        printf("refused errno=%d message=\"%s\"\n", -r, sb_broker_message());
                        return 1;
                }
                len = sizeof(dev);
                getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len);
                printf("bindtodevice now %s\n", dev);
                return 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(opts); i++) {
                if (!streq(argv[0], opts[i].name))
                        continue;
                v = (int)parse_num(argv[1]);
                if (setsockopt(fd, SOL_SOCKET, opts[i].opt, &v, sizeof(v)) == 0) {
                        printf("set directly (no broker needed)\n");
                        return 0;
                }
                printf("direct setsockopt: %m\n");
                r = sb_setsockopt(fd, SOL_SOCKET, opts[i].opt, &v, sizeof(v)) < 0 ? -errno : 0;
                if (r < 0) {
                        printf("refused errno=%d message=\"%s\"\n", -r, sb_broker_message());
                        return 1;
                }
                len = sizeof(got);
                getsockopt(fd, SOL_SOCKET, opts[i].readback, &got, &len);
                printf("%s now %d\n", opts[i].name, got);
                return 0;
        }
        return 2;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(int, char **);
        } cmds[] = {
                { "open", cmd_open },
                { "socket", cmd_socket },
                { "recv", cmd_recv },
                { "send", cmd_send },
                { "ping", cmd_ping },
                { "bind", cmd_bind },
                { "setopt", cmd_setopt },
        };

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc >= 2)
                for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                        if (streq(argv[1], cmds[i].name))
                                return cmds[i].fn(argc - 2, argv + 2);
        fprintf(stderr, "usage: sbtest open|socket|recv|send|ping|bind|setopt ARGS...\n");
        return 2;
}
