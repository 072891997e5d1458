/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sbtest - the integration tests' client: gets sockets through
 * libsockbroker and shows that they carry real traffic, and measures
 * what a granted socket still lets its holder do. It runs as an
 * unprivileged uid; only "send", "recv --direct", "sniff",
 * "chown-raw" and "echo-direct" need privilege, for the far end of a
 * test. Malformed requests are tests/sbhostile's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include "common/names.h"
#include "common/util.h"
#include "sockbroker/sockbroker.h"
#include "tests/inet-checksum.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36
#endif

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

/* The mode of a granted socket, as sb_gettimeout() reads it. */
static double mode_of(int fd)
{
        double t = -2.0;

        (void)sb_gettimeout(fd, &t);
        return t;
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
        printf("granted fd=%d timeout=%g message=\"%s\" rule=\"%s\"\n", fd, mode_of(fd),
               sb_broker_message(), sb_broker_rule());
        close(fd);
        return 0;
}

/* One sb_open(), told as "WHAT granted|refused errno=E pid=P". */
static void open_once(const char *what, const char *spec)
{
        int fd = sb_open(spec, 0);

        if (fd < 0)
                printf("%s refused errno=%d pid=%d\n", what, errno, (int)getpid());
        else
                printf("%s granted pid=%d\n", what, (int)getpid());
        if (fd >= 0)
                close(fd);
}

/*
 * identity SPEC UID: libsockbroker keeps its connection to the broker,
 * and must never speak for whoever made it once that has changed. Opens
 * SPEC, opens it again (on the kept connection), switches to UID, opens
 * it once more (as UID, on a new connection), then opens it in a forked
 * child (its own connection, its own pid).
 */
static int cmd_identity(int argc, char **argv)
{
        uid_t uid;
        pid_t pid;
        int status;

        if (argc != 2)
                return 2;
        uid = (uid_t)parse_num(argv[1]);
        open_once("first", argv[0]);
        open_once("again", argv[0]);
        if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0) {
                printf("cannot become uid %u: %s\n", (unsigned)uid, strerror(errno));
                return 1;
        }
        open_once("dropped", argv[0]);
        pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                open_once("child", argv[0]);
                _exit(0);
        }
        if (waitpid(pid, &status, 0) < 0)
                return 1;
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
        printf("granted fd=%d cloexec=%d timeout=%g message=\"%s\"\n", fd,
               (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? 1 : 0, mode_of(fd), sb_broker_message());
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

/* ---- what a granted socket can still do ---------------------------------- */

/*
 * These commands measure what the kernel lets the holder of a granted
 * socket do after the hand-over (tests/integration/confinement.sh).
 * Each sends a payload carrying a marker, which "sniff" looks for on the
 * far end of a veth pair.
 */

/* sniff IFNAME MARKER TIMEOUT_MS: waits, on a direct packet socket, for
 * an incoming frame that carries MARKER, and says what it was. Prints
 * "ready" once it sees every frame. */
static int cmd_sniff(int argc, char **argv)
{
        struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
        _cleanup_close_ int fd = -1;
        unsigned long timeout;
        long deadline;

        if (argc != 3)
                return 2;
        timeout = parse_num(argv[2]);
        sll.sll_ifindex = (int)if_nametoindex(argv[0]);
        fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0 || sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                printf("direct socket on %s: %m\n", argv[0]);
                return 1;
        }
        printf("ready\n");

        deadline = now_ms() + (long)timeout;
        while (now_ms() < deadline) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                struct sockaddr_ll from;
                socklen_t fromlen = sizeof(from);
                uint8_t f[2048];
                char src[INET6_ADDRSTRLEN] = "";
                unsigned type, proto = 0;
                ssize_t n;

                if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
                        continue;
                n = recvfrom(fd, f, sizeof(f), 0, (struct sockaddr *)&from, &fromlen);
                /* The far end's own answers carry the marker too. */
                if (n < 14 || from.sll_pkttype == PACKET_OUTGOING ||
                    !memmem(f, (size_t)n, argv[1], strlen(argv[1])))
                        continue;
                type = (unsigned)f[12] << 8 | f[13];
                if (type == ETH_P_IP && n >= 34) {
                        proto = f[23];
                        inet_ntop(AF_INET, f + 26, src, sizeof(src));
                } else if (type == ETH_P_IPV6 && n >= 54) {
                        proto = f[20];
                        inet_ntop(AF_INET6, f + 22, src, sizeof(src));
                }
                printf("seen %s on %s: ethertype 0x%04x", argv[1], argv[0], type);
                if (src[0])
                        printf(" protocol %u source %s", proto, src);
                printf("\n");
                return 0;
        }
        printf("timeout: no frame with %s on %s in %lu ms\n", argv[1], argv[0], timeout);
        return 3;
}

static int open_granted(const char *spec)
{
        int fd = sb_open(spec, 0);

        if (fd < 0)
                printf("refused errno=%d message=\"%s\"\n", errno, sb_broker_message());
        return fd;
}

static void print_errno(const char *what)
{
        printf("%s: errno=%d (%s)\n", what, errno, strerror(errno));
}

/* An ICMP or ICMPv6 echo request with marker as its data. */
static size_t echo_request(int family, const char *marker, uint8_t *buf, size_t size)
{
        size_t len = 8 + strlen(marker);

        if (len > size)
                return 0;
        memset(buf, 0, 8);
        buf[0] = family == AF_INET ? ICMP_ECHO : 128;
        buf[5] = 1;
        memcpy(buf + 8, marker, len - 8);
        /* The kernel computes the ICMPv6 checksum itself. */
        if (family == AF_INET) {
                uint16_t sum = inet_checksum(buf, len);

                memcpy(buf + 2, &sum, 2);
        }
        return len;
}

/*
 * oif-send SPEC MODE IFNAME DEST MARKER: an echo request to DEST over a
 * granted raw IP socket, with IFNAME chosen as MODE says:
 *   none          not at all (the socket's pin decides)
 *   pktinfo       IP_PKTINFO / IPV6_PKTINFO on the message
 *   scope         sin6_scope_id of a link-local DEST
 *   unicast-if    IP_UNICAST_IF on the socket
 *   bindtodevice  SO_BINDTODEVICE on the socket
 */
static int cmd_oif_send(int argc, char **argv)
{
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } to = {};
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        } control = {};
        struct msghdr msg = {};
        struct iovec iov;
        _cleanup_close_ int fd = -1;
        const char *mode;
        uint8_t pkt[256];
        unsigned ifindex;
        int family;

        if (argc != 5)
                return 2;
        mode = argv[1];
        ifindex = if_nametoindex(argv[2]);
        if (ifindex == 0) {
                print_errno(argv[2]);
                return 2;
        }
        if (inet_pton(AF_INET, argv[3], &to.in.sin_addr) == 1) {
                family = to.in.sin_family = AF_INET;
                msg.msg_namelen = sizeof(to.in);
        } else if (inet_pton(AF_INET6, argv[3], &to.in6.sin6_addr) == 1) {
                family = to.in6.sin6_family = AF_INET6;
                msg.msg_namelen = sizeof(to.in6);
        } else
                return 2;

        fd = open_granted(argv[0]);
        if (fd < 0)
                return 1;
        iov.iov_base = pkt;
        iov.iov_len = echo_request(family, argv[4], pkt, sizeof(pkt));
        msg.msg_name = &to;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;

        if (streq(mode, "pktinfo")) {
                struct cmsghdr *c;

                msg.msg_control = control.buf;
                msg.msg_controllen = family == AF_INET ? CMSG_SPACE(sizeof(struct in_pktinfo))
                                                       : CMSG_SPACE(sizeof(struct in6_pktinfo));
                c = CMSG_FIRSTHDR(&msg);
                if (family == AF_INET) {
                        struct in_pktinfo pi = { .ipi_ifindex = (int)ifindex };

                        c->cmsg_level = IPPROTO_IP;
                        c->cmsg_type = IP_PKTINFO;
                        c->cmsg_len = CMSG_LEN(sizeof(pi));
                        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
                } else {
                        struct in6_pktinfo pi = { .ipi6_ifindex = ifindex };

                        c->cmsg_level = IPPROTO_IPV6;
                        c->cmsg_type = IPV6_PKTINFO;
                        c->cmsg_len = CMSG_LEN(sizeof(pi));
                        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
                }
        } else if (streq(mode, "scope")) {
                if (family != AF_INET6)
                        return 2;
                to.in6.sin6_scope_id = ifindex;
        } else if (streq(mode, "unicast-if")) {
                uint32_t v = htonl(ifindex);

                if (setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &v, sizeof(v)) < 0) {
                        print_errno("IP_UNICAST_IF");
                        return 1;
                }
        } else if (streq(mode, "bindtodevice")) {
                if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[2],
                               (socklen_t)strlen(argv[2]) + 1) < 0) {
                        print_errno("SO_BINDTODEVICE");
                        return 1;
                }
        } else if (!streq(mode, "none"))
                return 2;

        if (sendmsg(fd, &msg, 0) < 0) {
                print_errno("sendmsg");
                return 1;
        }
        printf("sent %s with %s %s\n", argv[4], mode, argv[2]);
        return 0;
}

/* hdrincl-send SPEC PROTOCOL SOURCE DEST MARKER: an IP packet of
 * PROTOCOL from SOURCE, header and all, over a granted raw socket. */
static int cmd_hdrincl_send(int argc, char **argv)
{
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } to = {};
        _cleanup_close_ int fd = -1;
        uint8_t pkt[256] = {};
        uint8_t proto;
        size_t hlen, len;
        socklen_t tolen;
        int one = 1, r;

        if (argc != 5)
                return 2;
        proto = (uint8_t)parse_num(argv[1]);
        if (inet_pton(AF_INET, argv[3], &to.in.sin_addr) == 1) {
                struct iphdr ip = { .version = 4, .ihl = 5, .ttl = 64, .protocol = proto };

                to.in.sin_family = AF_INET;
                tolen = sizeof(to.in);
                hlen = sizeof(ip);
                len = hlen + 8 + strlen(argv[4]);
                if (inet_pton(AF_INET, argv[2], &ip.saddr) != 1 || len > sizeof(pkt))
                        return 2;
                ip.daddr = to.in.sin_addr.s_addr;
                ip.tot_len = htons((uint16_t)len);
                memcpy(pkt, &ip, sizeof(ip));
        } else if (inet_pton(AF_INET6, argv[3], &to.in6.sin6_addr) == 1) {
                struct ip6_hdr ip6 = { .ip6_vfc = 0x60, .ip6_nxt = proto, .ip6_hlim = 64 };

                to.in6.sin6_family = AF_INET6;
                tolen = sizeof(to.in6);
                hlen = sizeof(ip6);
                len = hlen + 8 + strlen(argv[4]);
                if (inet_pton(AF_INET6, argv[2], &ip6.ip6_src) != 1 || len > sizeof(pkt))
                        return 2;
                ip6.ip6_dst = to.in6.sin6_addr;
                ip6.ip6_plen = htons((uint16_t)(len - hlen));
                memcpy(pkt, &ip6, sizeof(ip6));
        } else
                return 2;
        /* Eight bytes of the protocol's header (for UDP: ports 9 to 9 and
         * the length), then the marker. */
        pkt[hlen + 1] = pkt[hlen + 3] = 9;
        pkt[hlen + 4] = (uint8_t)((len - hlen) >> 8);
        pkt[hlen + 5] = (uint8_t)(len - hlen);
        memcpy(pkt + hlen + 8, argv[4], strlen(argv[4]));

        fd = open_granted(argv[0]);
        if (fd < 0)
                return 1;
        r = to.sa.sa_family == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))
                                       : setsockopt(fd, IPPROTO_IPV6, IPV6_HDRINCL, &one, sizeof(one));
        if (r < 0) {
                print_errno("HDRINCL");
                return 1;
        }
        printf("HDRINCL set\n");
        if (sendto(fd, pkt, len, 0, &to.sa, tolen) < 0) {
                print_errno("sendto");
                return 1;
        }
        printf("sent protocol %s from %s to %s\n", argv[1], argv[2], argv[3]);
        return 0;
}

/* packet-send SPEC IFNAME ETHERTYPE MARKER: a broadcast frame on IFNAME,
 * named in sendto(), over a granted packet socket. */
static int cmd_packet_send(int argc, char **argv)
{
        struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
        uint8_t frame[128] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 2 };
        _cleanup_close_ int fd = -1;
        unsigned long ethertype;
        size_t len;

        if (argc != 4)
                return 2;
        ethertype = parse_num(argv[2]);
        len = 14 + strlen(argv[3]);
        if (len > sizeof(frame))
                return 2;
        sll.sll_ifindex = (int)if_nametoindex(argv[1]);
        sll.sll_protocol = htons((uint16_t)ethertype);
        memset(sll.sll_addr, 0xff, ETH_ALEN);
        frame[12] = (uint8_t)(ethertype >> 8);
        frame[13] = (uint8_t)ethertype;
        memcpy(frame + 14, argv[3], strlen(argv[3]));
        if (len < 60)
                len = 60;

        fd = open_granted(argv[0]);
        if (fd < 0)
                return 1;
        if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                print_errno("sendto");
                return 1;
        }
        printf("sent %s on %s\n", argv[3], argv[1]);
        return 0;
}

/* promisc SPEC IFNAME: PACKET_MR_PROMISC on IFNAME through a granted
 * packet socket, held until standard input ends. */
static int cmd_promisc(int argc, char **argv)
{
        struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
        _cleanup_close_ int fd = -1;
        char c;

        if (argc != 2)
                return 2;
        mr.mr_ifindex = (int)if_nametoindex(argv[1]);
        fd = open_granted(argv[0]);
        if (fd < 0)
                return 1;
        if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
                print_errno("PACKET_ADD_MEMBERSHIP");
                return 1;
        }
        printf("promisc set on %s\n", argv[1]);
        while (read(STDIN_FILENO, &c, 1) > 0)
                ;
        return 0;
}

/* uid-of SPEC: the owner of a granted socket's inode, which is the
 * socket's sk_uid, the uid routing rules see. */
static int cmd_uid_of(int argc, char **argv)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (argc != 1)
                return 2;
        fd = open_granted(argv[0]);
        if (fd < 0)
                return 1;
        if (fstat(fd, &st) < 0) {
                print_errno("fstat");
                return 1;
        }
        printf("owner uid %u\n", (unsigned)st.st_uid);
        return 0;
}

static int echo_to(int fd, const char *dest, const char *marker)
{
        struct sockaddr_in to = { .sin_family = AF_INET };
        uint8_t pkt[256];
        size_t len;

        if (inet_pton(AF_INET, dest, &to.sin_addr) != 1)
                return -EINVAL;
        len = echo_request(AF_INET, marker, pkt, sizeof(pkt));
        if (sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                return -errno;
        return 0;
}

/* chown-raw UID DEST MARKER: what giving a raw socket to UID would take.
 * Creates one directly (privileged), fchown()s it to UID and sends an
 * echo to DEST. */
static int cmd_chown_raw(int argc, char **argv)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (argc != 3)
                return 2;
        fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        if (fd < 0) {
                print_errno("socket");
                return 1;
        }
        if (fchown(fd, (uid_t)parse_num(argv[0]), (gid_t)-1) < 0) {
                print_errno("fchown");
                return 1;
        }
        if (fstat(fd, &st) < 0)
                return 1;
        printf("owner uid %u\n", (unsigned)st.st_uid);
        r = echo_to(fd, argv[1], argv[2]);
        if (r < 0) {
                errno = -r;
                print_errno("sendto");
                return 1;
        }
        printf("sent %s\n", argv[2]);
        return 0;
}

/* udp-send DEST MARKER: a datagram to DEST port 9 from a UDP socket of
 * the caller's own. */
static int cmd_udp_send(int argc, char **argv)
{
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
        _cleanup_close_ int fd = -1;

        if (argc != 2 || inet_pton(AF_INET, argv[0], &to.sin_addr) != 1)
                return 2;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
                print_errno("sendto");
                return 1;
        }
        printf("sent %s\n", argv[1]);
        return 0;
}

/*
 * queued SPEC: what a granted socket holds when it arrives, and where
 * it lives: "granted queued=N same-netns=yes|no", N the datagrams
 * already queued on it (none, from a broker that drains its spares), and
 * whether its network namespace is this process's own.
 */
static int cmd_queued(int argc, char **argv)
{
        _cleanup_close_ int fd = -1, mine = -1;
        uint64_t cookie = 0, my_cookie = 0;
        unsigned queued = 0;

        if (argc != 1)
                return 2;
        fd = open_granted(argv[0]);
        if (fd < 0)
                return 1;
        while (queued < 100000 && recv(fd, NULL, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0)
                queued++;
        mine = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (mine < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &(socklen_t){ 8 }) < 0 ||
            getsockopt(mine, SOL_SOCKET, SO_NETNS_COOKIE, &my_cookie, &(socklen_t){ 8 }) < 0) {
                print_errno("SO_NETNS_COOKIE");
                return 1;
        }
        printf("granted queued=%u same-netns=%s\n", queued, cookie == my_cookie ? "yes" : "no");
        return 0;
}

/* echo-direct COUNT: COUNT ICMP echo requests to 127.0.0.1 from a raw
 * socket of its own (needs CAP_NET_RAW): traffic for every raw ICMP
 * socket of the namespace to queue. */
static int cmd_echo_direct(int argc, char **argv)
{
        _cleanup_close_ int fd = -1;
        unsigned long count;

        if (argc != 1)
                return 2;
        count = parse_num(argv[0]);
        fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        if (fd < 0) {
                print_errno("socket");
                return 1;
        }
        for (unsigned long i = 0; i < count; i++)
                if (echo_to(fd, "127.0.0.1", "before the grant") < 0) {
                        print_errno("sendto");
                        return 1;
                }
        printf("sent %lu\n", count);
        return 0;
}

/*
 * filter SPEC ETHERTYPE COUNT TIMEOUT_MS [detach|rebind IFACE]: a packet
 * socket from the broker with the program's own filter, "ether proto
 * ETHERTYPE", attached with sb_attach_filter() after an SO_RCVBUF of its
 * own; counts the frames the socket then receives until COUNT of
 * ETHERTYPE or the timeout. "detach" then detaches it and counts again,
 * and detaches once more; "rebind IFACE" first binds the socket to
 * another interface, which its confinement must still hold it off.
 */
static void count_frames(int fd, unsigned long ethertype, unsigned long count, long timeout_ms,
                         const char *label)
{
        unsigned long match = 0, other = 0;
        long deadline = now_ms() + timeout_ms;
        uint8_t frame[2048];

        while (match < count && now_ms() < deadline) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (poll(&p, 1, (int)(deadline - now_ms())) <= 0)
                        continue;
                n = recv(fd, frame, sizeof(frame), MSG_DONTWAIT);
                if (n < 14)
                        continue;
                if (((unsigned)frame[12] << 8 | frame[13]) == ethertype)
                        match++;
                else
                        other++;
        }
        printf("%s: %lu of 0x%04lx, %lu other\n", label, match, ethertype, other);
}

static int cmd_filter(int argc, char **argv)
{
        unsigned long ethertype, count, timeout;
        struct sock_filter code[] = {
                BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, 0xffff),
                BPF_STMT(BPF_RET | BPF_K, 0),
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(code), .filter = code };
        int fd, before, rcvbuf = 0;
        socklen_t len = sizeof(rcvbuf);

        if (argc != 4 && argc != 5 && argc != 6)
                return 2;
        ethertype = parse_num(argv[1]);
        count = parse_num(argv[2]);
        timeout = parse_num(argv[3]);
        code[1].k = (uint32_t)ethertype;

        fd = sb_open(argv[0], 0);
        if (fd < 0) {
                printf("refused errno=%d (%s) message=\"%s\"\n", errno, strerror(errno),
                       sb_broker_message());
                return 1;
        }
        before = fd;
        if (sb_setsockopt_int(fd, SOL_SOCKET, SO_RCVBUF, 65536) < 0)
                return 1;
        if (sb_attach_filter(fd, &prog) < 0) {
                printf("attach: errno=%d (%s) message=\"%s\"\n", errno, strerror(errno),
                       sb_broker_message());
                return 1;
        }
        (void)getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
        printf("attached: same number %s, rcvbuf %d\n", fd == before ? "yes" : "no", rcvbuf);
        if (argc == 6 && streq(argv[4], "rebind")) {
                struct sockaddr_ll sll = {
                        .sll_family = AF_PACKET,
                        .sll_protocol = htons(ETH_P_ALL),
                        .sll_ifindex = (int)if_nametoindex(argv[5]),
                };

                if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                        printf("rebind: %m\n");
                        return 1;
                }
                printf("rebound to %s\n", argv[5]);
        }
        count_frames(fd, ethertype, count, (long)timeout, "filtered");
        if (argc == 5 && streq(argv[4], "detach")) {
                if (sb_detach_filter(fd) < 0) {
                        printf("detach: errno=%d (%s) message=\"%s\"\n", errno, strerror(errno),
                               sb_broker_message());
                        return 1;
                }
                count_frames(fd, ethertype, count, (long)timeout, "detached");
                printf("detach again: %s\n", sb_detach_filter(fd) < 0 ? strerrorname_np(errno) : "0");
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(int, char **);
        } cmds[] = {
                { "open", cmd_open },
                { "identity", cmd_identity },
                { "socket", cmd_socket },
                { "recv", cmd_recv },
                { "send", cmd_send },
                { "ping", cmd_ping },
                { "bind", cmd_bind },
                { "setopt", cmd_setopt },
                { "sniff", cmd_sniff },
                { "oif-send", cmd_oif_send },
                { "hdrincl-send", cmd_hdrincl_send },
                { "packet-send", cmd_packet_send },
                { "promisc", cmd_promisc },
                { "uid-of", cmd_uid_of },
                { "chown-raw", cmd_chown_raw },
                { "udp-send", cmd_udp_send },
                { "queued", cmd_queued },
                { "echo-direct", cmd_echo_direct },
                { "filter", cmd_filter },
        };

        setvbuf(stdout, NULL, _IOLBF, 0);
        /* The default timeout the granted sockets should get. */
        if (getenv("SBTEST_DEFAULT_TIMEOUT") &&
            sb_setdefaulttimeout(strtod(getenv("SBTEST_DEFAULT_TIMEOUT"), NULL)) < 0)
                return 2;
        if (argc >= 2)
                for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                        if (streq(argv[1], cmds[i].name))
                                return cmds[i].fn(argc - 2, argv + 2);
        fprintf(stderr, "usage: sbtest open|socket|recv|send|ping|bind|setopt|sniff|oif-send|"
                        "hdrincl-send|packet-send|promisc|uid-of|chown-raw|udp-send|queued|"
                        "echo-direct|filter ARGS...\n");
        return 2;
}
