/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dataplane - the client of bench/run-dataplane.sh: frames per second
 * through a packet socket sockbrokerd granted, against one the program
 * made itself, as a program with CAP_NET_RAW does. After the grant the
 * broker is out of the path; what can differ is what it did to the
 * socket before handing it over: the locked classic BPF program that
 * confines it to its interface and EtherType, which runs on every frame
 * the socket is offered.
 *
 *   dataplane rx --target sockbroker|direct -i IFACE --source SRCIF -p ETHERTYPE -t MS
 *                [--filter] [--user UID] [--cpu N]
 *       A closed loop on one CPU: sends a batch of 64 broadcast frames of
 *       60 bytes and ETHERTYPE on SRCIF (the peer of IFACE on a veth
 *       pair) from a socket of its own, then receives them with
 *       recvmmsg(2) on the socket under test, bound to IFACE, and again,
 *       for MS milliseconds after a warm-up of a tenth of that. All the
 *       work of a frame, from sendmmsg(2) through the veth pair, the
 *       socket's filter and queue to recvmmsg(2), is done in turn on one
 *       CPU, so the rate is the inverse of its cost. Prints
 *         frames=.. seconds=.. frames_per_s=.. lost=..
 *       lost: frames sent that did not arrive within 100 ms. With
 *       --filter, the socket under test has a program of the client's
 *       own, "EtherType ETHERTYPE or nothing", attached first (on a
 *       granted socket through sb_attach_filter()).
 *   dataplane tx --target sockbroker|direct -i IFACE -p ETHERTYPE -t MS -s SIZE
 *                [--user UID] [--cpu N]
 *       Sends broadcast frames of SIZE bytes (14 to 1514) and ETHERTYPE
 *       on IFACE from the socket under test, as fast as sendmmsg(2) takes
 *       them, for MS after the same warm-up; prints
 *         frames=.. seconds=.. frames_per_s=..
 *
 * sockbroker: the socket comes from sb_open("packet/raw/ETHERTYPE@IFACE"),
 * as any client gets it (the broker's socket from $SOCKBROKER_SOCKET).
 * direct: socket(AF_PACKET, SOCK_RAW, 0) bound to IFACE and ETHERTYPE,
 * which needs CAP_NET_RAW.
 *
 * With --can, the same with CAN_RAW sockets: "can/raw@IFACE", and
 * socket(AF_CAN, SOCK_RAW, CAN_RAW) bound to IFACE; the frames are
 * classic CAN frames of 8 bytes, and rx's source may be IFACE itself
 * (a vcan interface hands each frame to every other socket on it). With --user, started as root, the program
 * makes the sockets it makes itself (direct, and rx's source), then
 * becomes UID, with no groups, and only then asks the broker for its
 * socket: both targets run the same loop as the same uid.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "sockbroker/sockbroker.h"

#define BATCH 64
#define FRAME_MAX 1514
/* How long rx waits for a frame it sent before it counts it lost. */
#define RX_WAIT_MS 100

struct args {
        const char *mode;
        const char *target;
        const char *ifname;
        const char *source;
        bool can;
        bool filter;
        unsigned ethertype;
        double seconds;
        unsigned size;
        long user;
        int cpu;
};

static void usage(void)
{
        fprintf(stderr,
                "usage: dataplane rx --target sockbroker|direct -i IFACE --source SRCIF -p ETHERTYPE -t MS\n"
                "                    [--can | --filter] [--user UID] [--cpu N]\n"
                "       dataplane tx --target sockbroker|direct -i IFACE -p ETHERTYPE -t MS -s SIZE\n"
                "                    [--can] [--user UID] [--cpu N]\n");
        exit(2);
}

_printf_(1, 2) __attribute__((noreturn))
static void die(const char *fmt, ...)
{
        va_list ap;

        fputs("dataplane: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(1);
}

static double clock_s(clockid_t id)
{
        struct timespec ts;

        clock_gettime(id, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
        return clock_s(CLOCK_MONOTONIC);
}

/* The counted interval: the turns of a loop after a warm-up of a tenth
 * of it, timed from the first of them, on the wall clock and on the
 * process's CPU clock. */
struct interval {
        double start, stop, cpu0;
};

static void interval_init(struct interval *iv, double seconds)
{
        iv->start = now() + seconds / 10;
        iv->stop = iv->start + seconds;
        iv->cpu0 = -1;
}

/* Whether the turn that ended at t counts; the first after the warm-up
 * only starts the clocks. */
static bool interval_counts(struct interval *iv, double t)
{
        if (t < iv->start)
                return false;
        if (iv->cpu0 < 0) {
                iv->start = t;
                iv->cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
                return false;
        }
        return true;
}

/* The CPU time per item since the clocks started, in ns. */
static double interval_cpu_ns(const struct interval *iv, uint64_t n)
{
        return (clock_s(CLOCK_PROCESS_CPUTIME_ID) - iv->cpu0) * 1e9 / (double)n;
}

static void pin(int cpu)
{
        cpu_set_t set;

        if (cpu < 0)
                return;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) < 0)
                die("cannot pin to CPU %d: %m", cpu);
}

static void become(long uid)
{
        if (uid < 0)
                return;
        if (setgroups(0, NULL) < 0 || setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) < 0 ||
            setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
                die("cannot become uid %ld: %m", uid);
}

/* A socket of its own, bound to ifname (and for a packet socket to
 * ethertype). */
static int direct_socket(bool can, const char *ifname, unsigned ethertype)
{
        union {
                struct sockaddr sa;
                struct sockaddr_ll ll;
                struct sockaddr_can can;
        } addr = {};
        socklen_t len;
        int ifindex = (int)if_nametoindex(ifname);
        int fd;

        if (can) {
                fd = socket(AF_CAN, SOCK_RAW | SOCK_CLOEXEC, CAN_RAW);
                addr.can = (struct sockaddr_can) { .can_family = AF_CAN, .can_ifindex = ifindex };
                len = sizeof(addr.can);
        } else {
                fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
                addr.ll = (struct sockaddr_ll) {
                        .sll_family = AF_PACKET,
                        .sll_protocol = htons((uint16_t)ethertype),
                        .sll_ifindex = ifindex,
                };
                len = sizeof(addr.ll);
        }
        if (fd < 0)
                die("socket(%s): %m", can ? "AF_CAN" : "AF_PACKET");
        if (ifindex == 0 || bind(fd, &addr.sa, len) < 0)
                die("cannot bind to %s: %m", ifname);
        return fd;
}

/*
 * The program's own filter, with --filter: what tcpdump and the like
 * attach, here "EtherType 0x88b5 or nothing". On a granted socket whose
 * filter the opener locked, libsockbroker has the broker make a socket
 * whose one program is the confinement followed by this one.
 */
static void attach_own_filter(int fd, const struct args *a)
{
        struct sock_filter code[] = {
                BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a->ethertype, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, UINT32_MAX),
                BPF_STMT(BPF_RET | BPF_K, 0),
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(code), .filter = code };
        int r;

        if (strcmp(a->target, "direct") == 0)
                r = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
        else
                r = sb_attach_filter(fd, &prog);
        if (r < 0)
                die("cannot attach the program's own filter: %m");
}

/* The socket under test: the target's, bound to a->ifname and
 * a->ethertype; the program is a->user from here on. */
static int tested_socket(const struct args *a)
{
        char spec[64];
        int fd;

        if (strcmp(a->target, "direct") == 0) {
                fd = direct_socket(a->can, a->ifname, a->ethertype);
                become(a->user);
                if (a->filter)
                        attach_own_filter(fd, a);
                return fd;
        }
        if (strcmp(a->target, "sockbroker") != 0)
                usage();
        become(a->user);
        if (a->can)
                snprintf(spec, sizeof(spec), "can/raw@%s", a->ifname);
        else
                snprintf(spec, sizeof(spec), "packet/raw/0x%04x@%s", a->ethertype, a->ifname);
        fd = sb_open(spec, 0);
        if (fd < 0)
                die("sb_open(%s): %m (%s)", spec, sb_broker_message() ? sb_broker_message() : "no message");
        if (a->filter)
                attach_own_filter(fd, a);
        return fd;
}

/* The batch of frames out of ifname in msgs: broadcast Ethernet frames of
 * size bytes and ethertype, or classic CAN frames of 8 bytes (the socket
 * is bound to its interface, so they need no address). */
static void make_batch(const struct args *a, struct mmsghdr *msgs, struct sockaddr_ll *to,
                       struct iovec *iov, uint8_t *frame, const char *ifname, unsigned size)
{
        if (a->can) {
                struct can_frame cf = { .can_id = 0x123, .len = CAN_MAX_DLEN };

                for (unsigned i = 0; i < CAN_MAX_DLEN; i++)
                        cf.data[i] = (uint8_t)i;
                size = sizeof(cf);
                memcpy(frame, &cf, size);
        } else {
                *to = (struct sockaddr_ll) {
                        .sll_family = AF_PACKET,
                        .sll_protocol = htons((uint16_t)a->ethertype),
                        .sll_ifindex = (int)if_nametoindex(ifname),
                        .sll_halen = ETH_ALEN,
                        .sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
                };
                memset(frame, 0xff, ETH_ALEN);
                memcpy(frame + ETH_ALEN, (const uint8_t[]) { 0x02, 0, 0, 0, 0, 1 }, ETH_ALEN);
                frame[12] = (uint8_t)(a->ethertype >> 8);
                frame[13] = (uint8_t)a->ethertype;
                for (unsigned i = ETH_HLEN; i < size; i++)
                        frame[i] = (uint8_t)i;
        }
        *iov = (struct iovec) { .iov_base = frame, .iov_len = size };
        for (size_t i = 0; i < BATCH; i++)
                msgs[i] = (struct mmsghdr) { .msg_hdr = {
                        .msg_name = a->can ? NULL : to,
                        .msg_namelen = a->can ? 0 : sizeof(*to),
                        .msg_iov = iov,
                        .msg_iovlen = 1,
                } };
}

/* Sends the whole batch, however many calls it takes. */
static void send_batch(int fd, struct mmsghdr *msgs)
{
        for (int done = 0; done < BATCH;) {
                int n = sendmmsg(fd, msgs + done, (unsigned)(BATCH - done), 0);

                if (n < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR))
                        continue;
                if (n < 0)
                        die("sendmmsg: %m");
                done += n;
        }
}

static void run_rx(const struct args *a)
{
        static uint8_t frame[FRAME_MAX], bufs[BATCH][FRAME_MAX];
        struct mmsghdr out[BATCH], in[BATCH];
        struct iovec iov, iovs[BATCH];
        struct sockaddr_ll to;
        uint64_t frames = 0, lost = 0;
        struct interval iv;
        double t;
        int src, fd;

        if (!a->source)
                usage();
        src = direct_socket(a->can, a->source, a->ethertype);
        fd = tested_socket(a);
        make_batch(a, out, &to, &iov, frame, a->source, 60);
        for (size_t i = 0; i < BATCH; i++) {
                iovs[i] = (struct iovec) { .iov_base = bufs[i], .iov_len = sizeof(bufs[i]) };
                in[i] = (struct mmsghdr) { .msg_hdr = { .msg_iov = &iovs[i], .msg_iovlen = 1 } };
        }

        interval_init(&iv, a->seconds);
        do {
                int got = 0;

                send_batch(src, out);
                while (got < BATCH) {
                        struct pollfd p = { .fd = fd, .events = POLLIN };
                        int n = recvmmsg(fd, in, (unsigned)(BATCH - got), MSG_DONTWAIT, NULL);

                        if (n > 0) {
                                got += n;
                                continue;
                        }
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                die("recvmmsg: %m");
                        n = poll(&p, 1, RX_WAIT_MS);
                        if (n < 0 && errno != EINTR)
                                die("poll: %m");
                        if (n == 0)
                                break;
                }
                t = now();
                if (!interval_counts(&iv, t))
                        continue;
                frames += (uint64_t)got;
                lost += (uint64_t)(BATCH - got);
        } while (t < iv.stop);
        if (frames == 0)
                die("no frame arrived on %s", a->ifname);
        printf("frames=%llu seconds=%.3f frames_per_s=%.0f cpu_ns_per_frame=%.1f lost=%llu\n",
               (unsigned long long)frames, t - iv.start, (double)frames / (t - iv.start),
               interval_cpu_ns(&iv, frames), (unsigned long long)lost);
        close(fd);
        close(src);
}

static void run_tx(const struct args *a)
{
        static uint8_t frame[FRAME_MAX];
        struct mmsghdr msgs[BATCH];
        struct sockaddr_ll to;
        struct iovec iov;
        uint64_t sent = 0;
        struct interval iv;
        double t;
        int fd = tested_socket(a);

        make_batch(a, msgs, &to, &iov, frame, a->ifname, a->size);
        interval_init(&iv, a->seconds);
        do {
                send_batch(fd, msgs);
                t = now();
                if (interval_counts(&iv, t))
                        sent += BATCH;
        } while (t < iv.stop);
        printf("frames=%llu seconds=%.3f frames_per_s=%.0f cpu_ns_per_frame=%.1f\n",
               (unsigned long long)sent, t - iv.start, (double)sent / (t - iv.start),
               interval_cpu_ns(&iv, sent));
        close(fd);
}

static unsigned long parse_ulong(const char *s, unsigned long max)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 0);
        if (errno || end == s || *end || v > max)
                usage();
        return v;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "target", required_argument, NULL, 'T' },
                { "source", required_argument, NULL, 'S' },
                { "user", required_argument, NULL, 'u' },
                { "cpu", required_argument, NULL, 'c' },
                { "can", no_argument, NULL, 'C' },
                { "filter", no_argument, NULL, 'F' },
                {},
        };
        struct args a = { .target = "", .ethertype = 0x88b5, .size = 60, .user = -1, .cpu = -1 };
        int c;

        if (argc < 2)
                usage();
        a.mode = argv[1];
        optind = 2;
        while ((c = getopt_long(argc, argv, "i:p:t:s:", opts, NULL)) != -1) {
                switch (c) {
                case 'T':
                        a.target = optarg;
                        break;
                case 'S':
                        a.source = optarg;
                        break;
                case 'C':
                        a.can = true;
                        break;
                case 'F':
                        a.filter = true;
                        break;
                case 'u':
                        a.user = (long)parse_ulong(optarg, UINT32_MAX - 1);
                        break;
                case 'c':
                        a.cpu = (int)parse_ulong(optarg, CPU_SETSIZE - 1);
                        break;
                case 'i':
                        a.ifname = optarg;
                        break;
                case 'p':
                        a.ethertype = (unsigned)parse_ulong(optarg, 0xffff);
                        break;
                case 't':
                        a.seconds = (double)parse_ulong(optarg, 3600000) / 1000.0;
                        break;
                case 's':
                        a.size = (unsigned)parse_ulong(optarg, FRAME_MAX);
                        break;
                default:
                        usage();
                }
        }
        if (optind != argc || !a.ifname || a.size < ETH_HLEN || a.ethertype < ETH_P_802_3_MIN ||
            a.seconds <= 0 || (a.filter && a.can))
                usage();
        pin(a.cpu);

        if (strcmp(a.mode, "rx") == 0)
                run_rx(&a);
        else if (strcmp(a.mode, "tx") == 0)
                run_tx(&a);
        else
                usage();
        return 0;
}
