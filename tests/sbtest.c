/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sbtest - the integration tests' client: gets sockets through
 * libsockbroker and shows that they carry real traffic, and sends the
 * daemon malformed requests. It runs as an unprivileged uid; only
 * "send" and "recv --direct" need privilege, for the far end of a test.
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
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client-lib/client.h"
#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"
#include "proto/protocol.h"
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

/* ---- malformed requests ---------------------------------------------------- */

static int broker_connect(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = 5 };
        int fd;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sb_client_socket_path());
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Reads one reply; returns its errno (> 0), 0 for success, -1 for none. */
static int read_reply(int fd, char *msg, size_t size)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char why[256];
        int fds[FDMSG_MAX_FDS];
        SbReply *r = NULL;
        size_t n_fds;
        ssize_t n;
        int e;

        n = fdmsg_recv(fd, buf, sizeof(buf), fds, FDMSG_MAX_FDS, &n_fds, 0);
        if (n <= 0)
                return -1;
        fdmsg_close_all(fds, n_fds);
        if (sb_proto_reply_decode(buf, (size_t)n, n_fds, &r, why, sizeof(why)) < 0) {
                snprintf(msg, size, "undecodable reply: %s", why);
                return -1;
        }
        snprintf(msg, size, "%s", r->message ?: "");
        e = r->error;
        sb_proto_reply_free(r);
        return e;
}

static int encode_open(uint8_t *buf, size_t size, uint32_t version, int family, int type,
                       int protocol, const char *ifname, bool with_op, bool inet_address)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__Open open = SOCKBROKER__OPEN__INIT;
        Sockbroker__Address addr = SOCKBROKER__ADDRESS__INIT;
        Sockbroker__PacketAddress packet = SOCKBROKER__PACKET_ADDRESS__INIT;
        Sockbroker__InetAddress inet = SOCKBROKER__INET_ADDRESS__INIT;

        req.has_version = req.has_id = true;
        req.version = version;
        req.id = 1;
        if (with_op) {
                req.op_case = SOCKBROKER__REQUEST__OP_OPEN;
                req.open = &open;
        }
        open.has_family = open.has_type = open.has_protocol = true;
        open.family = family;
        open.type = type;
        open.protocol = protocol;
        if (ifname || inet_address) {
                open.address = &addr;
                if (inet_address) {
                        addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                        addr.inet = &inet;
                } else {
                        addr.kind_case = SOCKBROKER__ADDRESS__KIND_PACKET;
                        addr.packet = &packet;
                        packet.ifname = (char *)ifname;
                }
        }
        return (int)sockbroker__request__pack(&req, buf);
}

enum bad_kind {
        BAD_GARBAGE,
        BAD_EMPTY,
        BAD_OVERSIZE,
        BAD_VERSION,
        BAD_NO_OP,
        BAD_FAMILY,
        BAD_TYPE_FLAGS,
        BAD_PROTOCOL,
        BAD_IFNAME,
        BAD_KIND_MISMATCH,
        BAD_FD_ON_OPEN,
        BAD_THREE_FDS,
        BAD_TEN_FDS,
        BAD_TRUNCATED,
        BAD_STATUS,
        BAD_BIND_NO_FD,
};

static const struct bad_case {
        const char *name;
        enum bad_kind kind;
        int expect;              /* errno in the reply */
} bad_cases[] = {
        { "garbage bytes", BAD_GARBAGE, EBADMSG },
        { "empty message", BAD_EMPTY, EBADMSG },
        { "8 KiB message", BAD_OVERSIZE, EMSGSIZE },
        { "protocol version 99", BAD_VERSION, EPROTONOSUPPORT },
        { "no operation", BAD_NO_OP, EOPNOTSUPP },
        { "family 200", BAD_FAMILY, EBADMSG },
        { "type with SOCK_CLOEXEC", BAD_TYPE_FLAGS, EBADMSG },
        { "protocol 0x12345", BAD_PROTOCOL, EBADMSG },
        { "interface name with a slash", BAD_IFNAME, EBADMSG },
        { "inet address on a packet socket", BAD_KIND_MISMATCH, EBADMSG },
        { "two descriptors attached to an open", BAD_FD_ON_OPEN, EBADF },
        { "three descriptors attached", BAD_THREE_FDS, EBADF },
        { "ten descriptors attached", BAD_TEN_FDS, EBADMSG },
        { "truncated protobuf", BAD_TRUNCATED, EBADMSG },
        { "status paging the list without asking for it", BAD_STATUS, EBADMSG },
        { "bind without its socket", BAD_BIND_NO_FD, EBADF },
};

static int send_bad(int sock, enum bad_kind kind)
{
        static uint8_t big[8192];
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        int fds[10], n_fds = 0, len = 0;
        struct msghdr msg = {};
        struct iovec iov;
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * 10)];
        } control;
        ssize_t r;

        switch (kind) {
        case BAD_GARBAGE:
                memcpy(buf, "\xde\xad\xbe\xef\x00\xff\x13\x37", 8);
                len = 8;
                break;
        case BAD_EMPTY:
                len = 0;
                break;
        case BAD_OVERSIZE:
                break;
        case BAD_VERSION:
                len = encode_open(buf, sizeof(buf), 99, AF_INET, SOCK_RAW, 1, NULL, true, false);
                break;
        case BAD_NO_OP:
                len = encode_open(buf, sizeof(buf), 1, AF_INET, SOCK_RAW, 1, NULL, false, false);
                break;
        case BAD_FAMILY:
                len = encode_open(buf, sizeof(buf), 1, 200, SOCK_RAW, 1, NULL, true, false);
                break;
        case BAD_TYPE_FLAGS:
                len = encode_open(buf, sizeof(buf), 1, AF_INET, SOCK_RAW | SOCK_CLOEXEC, 1, NULL, true, false);
                break;
        case BAD_PROTOCOL:
                len = encode_open(buf, sizeof(buf), 1, AF_PACKET, SOCK_RAW, 0x12345, NULL, true, false);
                break;
        case BAD_IFNAME:
                len = encode_open(buf, sizeof(buf), 1, AF_PACKET, SOCK_RAW, 3, "../../etc", true, false);
                break;
        case BAD_KIND_MISMATCH:
                len = encode_open(buf, sizeof(buf), 1, AF_PACKET, SOCK_RAW, 3, NULL, true, true);
                break;
        case BAD_FD_ON_OPEN:
        case BAD_THREE_FDS:
        case BAD_TEN_FDS:
                len = encode_open(buf, sizeof(buf), 1, AF_INET, SOCK_RAW, 1, NULL, true, false);
                n_fds = kind == BAD_FD_ON_OPEN ? 2 : kind == BAD_THREE_FDS ? 3 : 10;
                for (int i = 0; i < n_fds; i++)
                        fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                break;
        case BAD_TRUNCATED:
                len = encode_open(buf, sizeof(buf), 1, AF_INET, SOCK_RAW, 1, "eth0", true, false) - 3;
                break;
        case BAD_STATUS: {
                SbRequest req = SOCKBROKER__REQUEST__INIT;
                Sockbroker__Status st = SOCKBROKER__STATUS__INIT;

                req.has_version = true;
                req.version = 1;
                req.op_case = SOCKBROKER__REQUEST__OP_STATUS;
                req.status = &st;
                st.has_after = true;
                st.after = 5;
                len = (int)sockbroker__request__pack(&req, buf);
                break;
        }
        case BAD_BIND_NO_FD: {
                SbRequest req = SOCKBROKER__REQUEST__INIT;
                Sockbroker__Bind b = SOCKBROKER__BIND__INIT;

                req.has_version = true;
                req.version = 1;
                req.op_case = SOCKBROKER__REQUEST__OP_BIND;
                req.bind = &b;
                len = (int)sockbroker__request__pack(&req, buf);
                break;
        }
        }

        iov.iov_base = kind == BAD_OVERSIZE ? big : buf;
        iov.iov_len = kind == BAD_OVERSIZE ? sizeof(big) : (size_t)len;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        if (n_fds) {
                struct cmsghdr *c;

                msg.msg_control = control.buf;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n_fds);
                c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n_fds);
        }
        r = sendmsg(sock, &msg, MSG_NOSIGNAL);
        for (int i = 0; i < n_fds; i++)
                close(fds[i]);
        return r < 0 ? -1 : 0;
}

/* Prints one TAP line per case ("ok - ..."), without numbers or plan:
 * the calling script numbers them. */
static int cmd_malformed(int argc, char **argv)
{
        int failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                const struct bad_case *c = &bad_cases[i];
                char msg[SB_PROTO_MAX_REASON] = "", msg2[SB_PROTO_MAX_REASON] = "";
                uint8_t buf[SB_PROTO_MAX_MESSAGE];
                int sock, e, e2 = -1, len;

                sock = broker_connect();
                if (sock < 0) {
                        printf("not ok - %s: cannot connect: %m\n", c->name);
                        failed++;
                        continue;
                }
                if (send_bad(sock, c->kind) < 0) {
                        printf("not ok - %s: send: %m\n", c->name);
                        failed++;
                        close(sock);
                        continue;
                }
                e = read_reply(sock, msg, sizeof(msg));

                /* The same connection still answers a good request. */
                len = encode_open(buf, sizeof(buf), 1, AF_INET6, SOCK_RAW, 58, NULL, true, false);
                if (len > 0 && send(sock, buf, (size_t)len, MSG_NOSIGNAL) == len)
                        e2 = read_reply(sock, msg2, sizeof(msg2));
                close(sock);

                if (e == c->expect && msg[0] && e2 >= 0)
                        printf("ok - %s: errno %d, \"%s\"; connection still served\n", c->name, e, msg);
                else {
                        printf("not ok - %s: errno %d (expected %d), \"%s\"; next request: %d \"%s\"\n",
                               c->name, e, c->expect, msg, e2, msg2);
                        failed++;
                }
        }
        return failed ? 1 : 0;
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
                { "malformed", cmd_malformed },
                { "bind", cmd_bind },
                { "setopt", cmd_setopt },
        };

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc >= 2)
                for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                        if (streq(argv[1], cmds[i].name))
                                return cmds[i].fn(argc - 2, argv + 2);
        fprintf(stderr, "usage: sbtest open|socket|recv|send|ping|malformed|bind|setopt ARGS...\n");
        return 2;
}
