/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * supervise-rules.c - what the seccomp supervisor is sent, and what it
 * does with it.
 */
#include "config.h"

#include <linux/can.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/bt.h"
#include "common/util.h"
#include "tools/supervise-rules.h"

#define LOW32 0xffffffffu
/* socket(2)'s type carries SOCK_NONBLOCK and SOCK_CLOEXEC above these. */
#define SOCK_TYPE_MASK 0xfu

#define SOCKET_FAMILY(f) { SYS_socket, 1, { { 0, LOW32, (f) } } }
#define SOCKET_RAW(f) { SYS_socket, 2, { { 0, LOW32, (f) }, { 1, SOCK_TYPE_MASK, SOCK_RAW } } }
#define SOCKET_PROTO(f, p) { SYS_socket, 2, { { 0, LOW32, (f) }, { 2, LOW32, (p) } } }
#define BIND_LEN(n) { SYS_bind, 1, { { 2, LOW32, (n) } } }
#define SOCKOPT(name) { SYS_setsockopt, 2, { { 1, LOW32, SOL_SOCKET }, { 2, LOW32, (name) } } }
#define SOCKOPT_LEVEL(level) { SYS_setsockopt, 1, { { 1, LOW32, (level) } } }
#define IOCTL(cmd) { SYS_ioctl, 1, { { 1, LOW32, (cmd) } } }
#define GETSOCKOPT_LEVEL(level) { SYS_getsockopt, 1, { { 1, LOW32, (level) } } }

/*
 * socket(): the families and types whose creation needs CAP_NET_RAW,
 * which the broker creates; and every Bluetooth socket and CAN_RAW one,
 * which need no privilege but may need reach: Bluetooth sockets exist
 * only in the host's network namespace, and a CAN socket in a namespace
 * without a CAN interface reaches no bus. The supervisor decides which of
 * those the kernel makes (tools/supervise.c). The broker hands BCM,
 * ISO-TP and J1939 sockets over connected or bound, as no socket() makes
 * them: those are the kernel's.
 *
 * bind(): a filter cannot read the address, so a bind notifies by its
 * length, that of the addresses whose binding may need a privilege
 * (sockaddr_in, sockaddr_in6, sockaddr_l2, sockaddr_hci, whose monitor and
 * user channels do); the supervisor then binds the socket itself, as the
 * caller would, and asks the broker only when the kernel refuses for want
 * of a privilege. And sockaddr_ll's, for a placeholder packet socket,
 * whose bind names the interface; sockaddr_hci's names a placeholder HCI
 * socket's controller and channel.
 *
 * ioctl(SIOCGIFINDEX): on a placeholder CAN socket it names the
 * interface; the broker's socket takes the placeholder's place and the
 * kernel then answers the ioctl on it, in the host's namespace.
 *
 * setsockopt(): the SOL_SOCKET options the kernel refuses without
 * CAP_NET_RAW or CAP_NET_ADMIN, SO_ATTACH_FILTER and SO_DETACH_FILTER
 * for a filter the broker locked, and every SOL_PACKET option, which
 * only packet sockets and placeholders take.
 *
 * getsockopt(): SOL_PACKET, which a placeholder cannot answer: the
 * program reads the ring's header length before it maps a ring, and a
 * placeholder then says EPERM, the error of a packet socket refused.
 */
const struct sv_rule sv_rules[] = {
        SOCKET_FAMILY(AF_PACKET),
        SOCKET_RAW(AF_INET),
        SOCKET_RAW(AF_INET6),
        SOCKET_PROTO(AF_CAN, CAN_RAW),
        SOCKET_FAMILY(AF_BLUETOOTH),
        BIND_LEN(sizeof(struct sockaddr_in)),
        BIND_LEN(sizeof(struct sockaddr_in6)),
        BIND_LEN(sizeof(struct sockaddr_l2)),
        BIND_LEN(sizeof(struct sockaddr_ll)),
        BIND_LEN(sizeof(struct sockaddr_hci)),
        IOCTL(SIOCGIFINDEX),
        SOCKOPT(SO_BINDTODEVICE),
        SOCKOPT(SO_MARK),
        SOCKOPT(SO_PRIORITY),
        SOCKOPT(SO_RCVBUFFORCE),
        SOCKOPT(SO_SNDBUFFORCE),
        SOCKOPT(SO_ATTACH_FILTER),
        SOCKOPT(SO_DETACH_FILTER),
        SOCKOPT_LEVEL(SOL_PACKET),
        GETSOCKOPT_LEVEL(SOL_PACKET),
};
const size_t sv_n_rules = ELEMENTSOF(sv_rules);

static bool rule_matches(const struct sv_rule *r, int nr, const uint64_t args[6])
{
        if (r->nr != nr)
                return false;
        for (unsigned i = 0; i < r->n_tests; i++)
                if ((args[r->tests[i].arg] & r->tests[i].mask) != r->tests[i].value)
                        return false;
        return true;
}

enum sv_action sv_classify(int nr, const uint64_t args[6])
{
        bool notifies = false;

        /* The filter sent it; a call it would not have sent is the
         * kernel's, whatever else it is. */
        for (size_t i = 0; i < sv_n_rules && !notifies; i++)
                notifies = rule_matches(&sv_rules[i], nr, args);
        if (!notifies)
                return SV_CONTINUE;

        switch (nr) {
        case SYS_socket:
                /* The broker serves the protocols a request can name. */
                if ((uint32_t)args[0] != AF_PACKET && (int32_t)args[2] < 0)
                        return SV_CONTINUE;
                if ((uint32_t)args[0] == AF_PACKET && (uint32_t)args[2] > 0xffff)
                        return SV_CONTINUE;
                if ((uint32_t)args[1] & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
                        return SV_CONTINUE;
                /* CAN_RAW; BTPROTO_L2CAP to BTPROTO_ISO. */
                if ((uint32_t)args[0] == AF_CAN && (uint32_t)args[2] != CAN_RAW)
                        return SV_CONTINUE;
                if ((uint32_t)args[0] == AF_BLUETOOTH && (int32_t)args[2] > 8)
                        return SV_CONTINUE;
                return SV_SOCKET;
        case SYS_bind:
                return SV_BIND;
        case SYS_setsockopt:
                if ((uint32_t)args[1] == SOL_PACKET)
                        return SV_PACKET_OPTION;
                if ((int32_t)args[2] == SO_ATTACH_FILTER)
                        return SV_ATTACH_FILTER;
                return (int32_t)args[2] == SO_DETACH_FILTER ? SV_DETACH_FILTER : SV_SETSOCKOPT;
        case SYS_getsockopt:
                return SV_PACKET_GETOPT;
        case SYS_ioctl:
                return SV_IFINDEX;
        default:
                return SV_CONTINUE;
        }
}

size_t sv_setsockopt_read_len(int name, uint64_t optlen, size_t size)
{
        uint32_t len = (uint32_t)optlen;

        if (name == SO_BINDTODEVICE) {
                /* The kernel reads at most IFNAMSIZ - 1 bytes of a name. */
                size_t n = size < IFNAMSIZ ? size : IFNAMSIZ;

                return len < n ? len : n;
        }
        if (len < sizeof(int) || size < sizeof(int))
                return 0;
        return sizeof(int);
}

bool sv_setsockopt_value_needs_broker(int name, const void *value, size_t len)
{
        int v;

        if (name != SO_PRIORITY)
                return true;
        if (len < sizeof(v))
                return false;
        memcpy(&v, value, sizeof(v));
        return v < 0 || v > 6;
}

bool sv_placeholder_waits(const struct sb_spec *spec)
{
        switch (spec->family) {
        case AF_PACKET:
                return !spec->ifname[0];
        case AF_CAN:
                return spec->protocol == CAN_RAW && !spec->ifname[0];
        case AF_BLUETOOTH:
                return spec->protocol == BTPROTO_HCI && !spec->has_channel;
        default:
                return false;
        }
}

size_t sv_bind_read_len(uint64_t addrlen, size_t size)
{
        uint32_t len = (uint32_t)addrlen;

        if (len != sizeof(struct sockaddr_in) && len != sizeof(struct sockaddr_in6) &&
            len != sizeof(struct sockaddr_l2) && len != sizeof(struct sockaddr_ll) &&
            len != sizeof(struct sockaddr_hci))
                return 0;
        return len <= size ? len : 0;
}

int sv_exit_status(int wstatus)
{
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 1;
}

