/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * supervise-probe - a statically linked program for
 * tests/integration/supervise.sh. It knows nothing of sockbroker and makes
 * its calls as raw system calls, which no preload library can see: only
 * the seccomp supervisor of `sockbroker run` can serve them. Each command
 * prints one line that says what it got, and exits 0 only when it got
 * what it asked for.
 *
 *   socket FAMILY TYPE PROTO [nonblock] [cloexec]
 *                     one socket(): "fd N" with its flags and whether N
 *                     was the lowest free number, or "error ENAME"
 *   ping ADDR         a raw ICMP echo to the IPv4 address ADDR, and its reply
 *   capture IFACE ETHERTYPE [options]
 *                     a packet socket for ETHERTYPE (hex), bound to IFACE;
 *                     one frame of that type within 10 s. With options,
 *                     SO_RCVBUF and PACKET_AUXDATA are set before the bind
 *                     and checked after it, on a socket that must be a
 *                     packet socket
 *   filtered IFACE ETHERTYPE COUNT before|after
 *                     a packet socket for every EtherType, bound to IFACE,
 *                     with a filter of its own for ETHERTYPE (hex) attached
 *                     before or after the bind; counts the frames it
 *                     receives, until COUNT of ETHERTYPE or 10 s:
 *                     "filtered: N of 0xTYPE, M other"
 *   unbound           a packet socket never bound: PACKET_FANOUT_DATA on it,
 *                     PACKET_HDRLEN read from it, then one read, which
 *                     must not wait
 *   bind PORT         a TCP socket bound to 0.0.0.0:PORT
 *   mark N            SO_MARK N on a UDP socket, read back
 *   bind-race N       N binds to port 80 while another thread flips the
 *                     address's port between 80 and 81; every bind must
 *                     end on port 80 or fail, never on 81
 *   emfile            a raw ICMP socket with the descriptor table full
 *   hci DEV raw       an HCI socket bound to controller DEV (a number) on
 *                     the raw channel; Read_BD_ADDR sent on it and its
 *                     Command Complete read: "hci DEV: address A"
 *   hci none monitor  an HCI socket bound to the monitor channel; the New
 *                     Index packets the kernel sends at bind, within 5 s:
 *                     "monitor: new index I address A" for each
 *   no-seccomp CMD [ARG...]
 *                     executes CMD where seccomp(2) fails with ENOSYS, as on
 *                     a kernel without it
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/inet-checksum.h"

static int sys_socket(int family, int type, int protocol)
{
        return (int)syscall(SYS_socket, family, type, protocol);
}

static int sys_bind(int fd, const void *sa, socklen_t len)
{
        return (int)syscall(SYS_bind, fd, sa, len);
}

static int sys_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
        return (int)syscall(SYS_setsockopt, fd, level, name, v, len);
}

static const char *errname(int e)
{
        return strerrorname_np(e) ?: "unknown";
}

static int fail(const char *what)
{
        printf("%s: error %s\n", what, errname(errno));
        return 1;
}

static int family_of(const char *s)
{
        return !strcmp(s, "inet") ? AF_INET : !strcmp(s, "inet6") ? AF_INET6 :
               !strcmp(s, "packet") ? AF_PACKET : atoi(s);
}

static int type_of(const char *s)
{
        return !strcmp(s, "raw") ? SOCK_RAW : !strcmp(s, "dgram") ? SOCK_DGRAM :
               !strcmp(s, "stream") ? SOCK_STREAM : atoi(s);
}

static int cmd_socket(int argc, char **argv)
{
        int type = type_of(argv[1]), lowest, fd;

        for (int i = 3; i < argc; i++)
                type |= !strcmp(argv[i], "nonblock") ? SOCK_NONBLOCK :
                        !strcmp(argv[i], "cloexec") ? SOCK_CLOEXEC : 0;
        /* The number a socket() made by the kernel would get. */
        lowest = fcntl(0, F_DUPFD, 0);
        if (lowest < 0)
                return fail("dup");
        close(lowest);

        fd = sys_socket(family_of(argv[0]), type, (int)strtol(argv[2], NULL, 0));
        if (fd < 0) {
                printf("error %s\n", errname(errno));
                return 1;
        }
        printf("fd %d%s%s%s\n", fd, fd == lowest ? " lowest" : "",
               fcntl(fd, F_GETFL) & O_NONBLOCK ? " nonblock" : "",
               fcntl(fd, F_GETFD) & FD_CLOEXEC ? " cloexec" : "");
        return 0;
}

static int cmd_ping(const char *addr)
{
        struct sockaddr_in to = { .sin_family = AF_INET };
        struct {
                struct icmphdr h;
                char data[16];
        } echo = { .h = { .type = ICMP_ECHO } , .data = "sockbroker" };
        uint16_t id = (uint16_t)getpid();
        int fd;

        if (inet_pton(AF_INET, addr, &to.sin_addr) != 1)
                return 2;
        fd = sys_socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        if (fd < 0)
                return fail("socket");
        echo.h.un.echo.id = htons(id);
        echo.h.un.echo.sequence = htons(1);
        echo.h.checksum = inet_checksum(&echo, sizeof(echo));
        if (sendto(fd, &echo, sizeof(echo), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                return fail("sendto");
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint8_t buf[1500];
                const struct icmphdr *h;
                ssize_t n;

                if (poll(&p, 1, 5000) <= 0) {
                        printf("no echo reply\n");
                        return 1;
                }
                n = recv(fd, buf, sizeof(buf), 0);
                if (n < 0)
                        return fail("recv");
                if ((size_t)n < sizeof(struct iphdr) + sizeof(*h) ||
                    (size_t)n < (size_t)(buf[0] & 15) * 4 + sizeof(*h))
                        continue;
                h = (const struct icmphdr *)(buf + (buf[0] & 15) * 4);
                if (h->type == ICMP_ECHOREPLY && h->un.echo.id == htons(id)) {
                        printf("echo reply from %s\n", addr);
                        return 0;
                }
        }
}

static int cmd_capture(const char *iface, const char *ethertype, const char *extra)
{
        uint16_t type = (uint16_t)strtoul(ethertype, NULL, 16);
        struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(type) };
        int fd, one = 1, rcvbuf = 1 << 20, v = 0;
        socklen_t len = sizeof(v);

        ll.sll_ifindex = (int)if_nametoindex(iface);
        if (ll.sll_ifindex == 0)
                return fail("if_nametoindex");
        fd = sys_socket(AF_PACKET, SOCK_RAW, htons(type));
        if (fd < 0)
                return fail("socket");
        if (extra && !strcmp(extra, "options") &&
            (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0 ||
             sys_setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0))
                return fail("setsockopt before bind");
        if (sys_bind(fd, &ll, sizeof(ll)) < 0)
                return fail("bind");
        if (extra && !strcmp(extra, "options")) {
                if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_PACKET) {
                        printf("not a packet socket after bind (domain %d)\n", v);
                        return 1;
                }
                len = sizeof(v);
                if (getsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &v, &len) < 0 || v != 1) {
                        printf("PACKET_AUXDATA lost in the bind\n");
                        return 1;
                }
                len = sizeof(v);
                if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0 || v < rcvbuf) {
                        printf("SO_RCVBUF lost in the bind (%d)\n", v);
                        return 1;
                }
                printf("options kept: ");
        }
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint8_t frame[2048];
                ssize_t n;

                if (poll(&p, 1, 10000) <= 0) {
                        printf("no frame\n");
                        return 1;
                }
                n = recv(fd, frame, sizeof(frame), 0);
                if (n < 0)
                        return fail("recv");
                if (n >= 14 && (frame[12] << 8 | frame[13]) == type) {
                        printf("captured %zd bytes of 0x%04x on %s\n", n, type, iface);
                        return 0;
                }
        }
}

static int cmd_filtered(const char *iface, const char *ethertype, const char *count,
                        const char *when)
{
        uint16_t type = (uint16_t)strtoul(ethertype, NULL, 16);
        unsigned long want = strtoul(count, NULL, 10), match = 0, other = 0;
        struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
        struct sock_filter code[] = {
                BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, type, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, 0xffff),
                BPF_STMT(BPF_RET | BPF_K, 0),
        };
        struct sock_fprog prog = { 4, code };
        bool before = !strcmp(when, "before");
        int fd;

        ll.sll_ifindex = (int)if_nametoindex(iface);
        if (ll.sll_ifindex == 0)
                return fail("if_nametoindex");
        fd = sys_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
        if (fd < 0)
                return fail("socket");
        if (before && sys_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
                return fail("SO_ATTACH_FILTER");
        if (sys_bind(fd, &ll, sizeof(ll)) < 0)
                return fail("bind");
        if (!before && sys_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
                return fail("SO_ATTACH_FILTER");
        while (match < want) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint8_t frame[2048];
                ssize_t n;

                if (poll(&p, 1, 10000) <= 0)
                        break;
                n = recv(fd, frame, sizeof(frame), 0);
                if (n < 0)
                        return fail("recv");
                if (n >= 14 && (frame[12] << 8 | frame[13]) == type)
                        match++;
                else
                        other++;
        }
        printf("filtered: %lu of 0x%04x, %lu other\n", match, type, other);
        return 0;
}

static int cmd_unbound(void)
{
        struct sock_filter accept_all[] = { BPF_STMT(BPF_RET | BPF_K, 0xffff) };
        struct sock_fprog prog = { 1, accept_all };
        struct pollfd p = { .events = POLLIN };
        char buf[64];
        ssize_t n;
        int e = 0, h = 0, hdrlen;
        socklen_t hlen = sizeof(hdrlen);

        p.fd = sys_socket(AF_PACKET, SOCK_RAW, htons(0x88b5));
        if (p.fd < 0)
                return fail("socket");
        if (sys_setsockopt(p.fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog, sizeof(prog)) < 0)
                e = errno;
        hdrlen = TPACKET_V3;
        if (getsockopt(p.fd, SOL_PACKET, PACKET_HDRLEN, &hdrlen, &hlen) < 0)
                h = errno;
        if (poll(&p, 1, 5000) == 0) {
                printf("the read would wait\n");
                return 1;
        }
        n = recv(p.fd, buf, sizeof(buf), 0);
        printf("fanout-data %s; hdrlen %s; read returned %zd%s%s\n", e ? errname(e) : "set",
               h ? errname(h) : "read", n, n < 0 ? " " : "", n < 0 ? errname(errno) : "");
        return 0;
}

/* Binds a new TCP socket to sa; returns the port it ended on, 0 when the
 * bind failed (errno set), -1 on any other failure. */
static int bind_tcp(const struct sockaddr_in *sa)
{
        struct sockaddr_in got;
        socklen_t len = sizeof(got);
        int fd, one = 1, r;

        fd = sys_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return -1;
        r = sys_bind(fd, sa, sizeof(*sa));
        if (r == 0)
                r = getsockname(fd, (struct sockaddr *)&got, &len) < 0 ? -1 : ntohs(got.sin_port);
        else
                r = 0;
        close(fd);
        return r;
}

static int cmd_bind(const char *port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
        int r = bind_tcp(&sa);

        if (r <= 0)
                return fail("bind");
        printf("bound to port %d\n", r);
        return 0;
}

static int cmd_mark(const char *value)
{
        int fd, mark = atoi(value), got = -1;
        socklen_t len = sizeof(got);

        fd = sys_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return fail("socket");
        if (sys_setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
                return fail("setsockopt");
        if (getsockopt(fd, SOL_SOCKET, SO_MARK, &got, &len) < 0)
                return fail("getsockopt");
        printf("mark %d\n", got);
        return got == mark ? 0 : 1;
}

/* The address a bind reads, while another thread rewrites its port. */
static struct sockaddr_in race_sa = { .sin_family = AF_INET };
static volatile bool race_done;

static void *race_flipper(void *arg)
{
        volatile uint16_t *port = &race_sa.sin_port;

        (void)arg;
        while (!race_done)
                *port = *port == htons(80) ? htons(81) : htons(80);
        return NULL;
}

static int cmd_bind_race(const char *count)
{
        unsigned n = (unsigned)atoi(count), on80 = 0, refused = 0, on81 = 0, other = 0;
        pthread_t t;

        race_sa.sin_port = htons(80);
        if (pthread_create(&t, NULL, race_flipper, NULL) != 0)
                return 2;
        for (unsigned i = 0; i < n; i++) {
                int r = bind_tcp(&race_sa);

                if (r == 80)
                        on80++;
                else if (r == 81)
                        on81++;
                else if (r == 0)
                        refused++;
                else
                        other++;
        }
        race_done = true;
        pthread_join(t, NULL);
        printf("bind-race: %u on 80, %u refused, %u on 81, %u failed otherwise\n",
               on80, refused, on81, other);
        return on81 == 0 && other == 0 && on80 > 0 ? 0 : 1;
}

static int cmd_emfile(void)
{
        struct rlimit rl = { 16, 16 };
        int fd;

        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                return fail("setrlimit");
        while (fcntl(0, F_DUPFD, 0) >= 0)
                ;
        fd = sys_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        if (fd >= 0) {
                printf("fd %d with a full table\n", fd);
                return 1;
        }
        printf("error %s\n", errname(errno));
        return errno == EMFILE ? 0 : 1;
}

/* Bluetooth addresses go over the air, and in HCI, least significant
 * byte first. */
static void print_bdaddr(const uint8_t *b)
{
        printf("%02X:%02X:%02X:%02X:%02X:%02X", b[5], b[4], b[3], b[2], b[1], b[0]);
}

static int cmd_hci(const char *dev, const char *channel)
{
        struct {
                uint16_t family, dev, channel;
        } sa = { AF_BLUETOOTH, 0xffff, 0 };
        struct {
                uint32_t type_mask;
                uint32_t event_mask[2];
                uint16_t opcode;
        } filter = { 1u << 4, { 1u << 0x0e, 0 }, 0 };
        static const uint8_t read_bd_addr[] = { 0x01, 0x09, 0x10, 0x00 };
        bool monitor = !strcmp(channel, "monitor");
        uint8_t buf[300];
        int fd, seen = 0;

        if (!monitor)
                sa.dev = (uint16_t)atoi(dev);
        sa.channel = monitor ? 2 : 0;
        fd = sys_socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, 1);
        if (fd < 0)
                return fail("socket");
        if (sys_bind(fd, &sa, sizeof(sa)) < 0)
                return fail("bind");
        if (!monitor) {
                /* SOL_HCI, HCI_FILTER: events, Command Complete only. */
                if (setsockopt(fd, 0, 2, &filter, sizeof(filter)) < 0)
                        return fail("HCI_FILTER");
                if (write(fd, read_bd_addr, sizeof(read_bd_addr)) != (ssize_t)sizeof(read_bd_addr))
                        return fail("write");
        }
        for (;;) {
                struct pollfd p = { fd, POLLIN, 0 };
                ssize_t n;

                if (poll(&p, 1, 5000) <= 0)
                        break;
                n = read(fd, buf, sizeof(buf));
                if (n < 0)
                        return fail("read");
                /* Monitor: opcode, index, length; New Index is opcode 0,
                 * with type, bus, the address and a name. */
                if (monitor && n >= 6 + 8 && buf[0] == 0 && buf[1] == 0) {
                        printf("monitor: new index %u address ", buf[2] | buf[3] << 8);
                        print_bdaddr(buf + 6 + 2);
                        printf("\n");
                        seen++;
                }
                /* Event 0x0e for opcode 0x1009: status, then the address. */
                if (!monitor && n >= 13 && buf[0] == 0x04 && buf[1] == 0x0e &&
                    buf[4] == 0x09 && buf[5] == 0x10) {
                        printf("hci %s: status 0x%02x address ", dev, buf[6]);
                        print_bdaddr(buf + 7);
                        printf("\n");
                        return buf[6] == 0 ? 0 : 1;
                }
        }
        if (seen > 0)
                return 0;
        printf("hci %s %s: nothing within 5 s\n", dev, channel);
        return 1;
}

static int cmd_no_seccomp(char **cmd)
{
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                return fail("seccomp");
        execvp(cmd[0], cmd);
        return fail("execvp");
}

int main(int argc, char **argv)
{
        const char *cmd = argc > 1 ? argv[1] : "";

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!strcmp(cmd, "socket") && argc >= 5)
                return cmd_socket(argc - 2, argv + 2);
        if (!strcmp(cmd, "ping") && argc == 3)
                return cmd_ping(argv[2]);
        if (!strcmp(cmd, "capture") && (argc == 4 || argc == 5))
                return cmd_capture(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
        if (!strcmp(cmd, "filtered") && argc == 6 &&
            (!strcmp(argv[5], "before") || !strcmp(argv[5], "after")))
                return cmd_filtered(argv[2], argv[3], argv[4], argv[5]);
        if (!strcmp(cmd, "unbound") && argc == 2)
                return cmd_unbound();
        if (!strcmp(cmd, "bind") && argc == 3)
                return cmd_bind(argv[2]);
        if (!strcmp(cmd, "mark") && argc == 3)
                return cmd_mark(argv[2]);
        if (!strcmp(cmd, "bind-race") && argc == 3)
                return cmd_bind_race(argv[2]);
        if (!strcmp(cmd, "emfile") && argc == 2)
                return cmd_emfile();
        if (!strcmp(cmd, "no-seccomp") && argc >= 3)
                return cmd_no_seccomp(argv + 2);
        if (!strcmp(cmd, "hci") && argc == 4 &&
            (!strcmp(argv[3], "raw") || !strcmp(argv[3], "monitor")))
                return cmd_hci(argv[2], argv[3]);
        fprintf(stderr, "usage: supervise-probe socket|ping|capture|filtered|unbound|bind|mark|bind-race|emfile|no-seccomp|hci ...\n");
        return 2;
}
