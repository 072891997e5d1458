/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-supervise.c - the seccomp supervisor's rules: which calls its
 * filter sends it, which of those it takes to the broker, how much of a
 * caller's memory it reads, and the status `sockbroker run` exits with.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <linux/can.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "common/bt.h"
#include "common/util.h"
#include "tests/check-suites.h"
#include "client-lib/broker/placeholder.h"
#include "tools/supervise-rules.h"

/* The high 32 bits of an int argument are garbage the kernel ignores. */
#define JUNK 0xdeadbeef00000000ull

static const struct {
        const char *what;
        int nr;
        uint64_t args[6];
        enum sv_action want;
} classify_cases[] = {
        { "packet socket", SYS_socket, { AF_PACKET, SOCK_RAW, 0x0300 }, SV_SOCKET },
        { "packet dgram socket", SYS_socket, { AF_PACKET, SOCK_DGRAM, 0x0008 }, SV_SOCKET },
        { "packet, flags", SYS_socket,
          { AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0 }, SV_SOCKET },
        { "packet, junk high bits", SYS_socket, { JUNK | AF_PACKET, JUNK | SOCK_RAW, 0 }, SV_SOCKET },
        { "packet, no EtherType", SYS_socket, { AF_PACKET, SOCK_RAW, 0x10000 }, SV_CONTINUE },
        { "packet, unknown type flag", SYS_socket, { AF_PACKET, SOCK_RAW | 0x100, 0 }, SV_CONTINUE },
        { "raw icmp", SYS_socket, { AF_INET, SOCK_RAW, IPPROTO_ICMP }, SV_SOCKET },
        { "raw icmpv6", SYS_socket, { AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6 }, SV_SOCKET },
        { "raw, negative protocol", SYS_socket, { AF_INET, SOCK_RAW, (uint32_t)-1 }, SV_CONTINUE },
        /* CAN_RAW and every Bluetooth protocol: the supervisor decides.
         * The broker's BCM, ISO-TP and J1939 sockets come connected or
         * bound, as no socket() makes them. */
        { "can raw", SYS_socket, { AF_CAN, SOCK_RAW | SOCK_CLOEXEC, 1 }, SV_SOCKET },
        { "can raw, junk high bits", SYS_socket, { JUNK | AF_CAN, SOCK_RAW, JUNK | 1 }, SV_SOCKET },
        { "can bcm", SYS_socket, { AF_CAN, SOCK_DGRAM, 2 }, SV_CONTINUE },
        { "can j1939", SYS_socket, { AF_CAN, SOCK_DGRAM | SOCK_CLOEXEC, 7 }, SV_CONTINUE },
        { "can, protocol 0", SYS_socket, { AF_CAN, SOCK_RAW, 0 }, SV_CONTINUE },
        { "bluetooth l2cap", SYS_socket, { AF_BLUETOOTH, SOCK_SEQPACKET, 0 }, SV_SOCKET },
        { "bluetooth hci", SYS_socket, { JUNK | AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, 1 },
          SV_SOCKET },
        { "bluetooth, protocol 9", SYS_socket, { AF_BLUETOOTH, SOCK_RAW, 9 }, SV_CONTINUE },
        { "bluetooth, negative protocol", SYS_socket, { AF_BLUETOOTH, SOCK_RAW, (uint32_t)-1 },
          SV_CONTINUE },
        { "tcp", SYS_socket, { AF_INET, SOCK_STREAM, 0 }, SV_CONTINUE },
        { "udp6", SYS_socket, { AF_INET6, SOCK_DGRAM, 0 }, SV_CONTINUE },
        { "ping socket", SYS_socket, { AF_INET, SOCK_DGRAM, IPPROTO_ICMP }, SV_CONTINUE },
        { "unix", SYS_socket, { AF_UNIX, SOCK_STREAM, 0 }, SV_CONTINUE },
        { "netlink raw", SYS_socket, { AF_NETLINK, SOCK_RAW, 0 }, SV_CONTINUE },
        { "bind sockaddr_in", SYS_bind, { 3, 0x1000, sizeof(struct sockaddr_in) }, SV_BIND },
        { "bind sockaddr_in6", SYS_bind, { 3, 0x1000, sizeof(struct sockaddr_in6) }, SV_BIND },
        { "bind sockaddr_l2", SYS_bind, { 3, 0x1000, sizeof(struct sockaddr_l2) }, SV_BIND },
        { "bind sockaddr_hci", SYS_bind, { 3, 0x1000, sizeof(struct sockaddr_hci) }, SV_BIND },
        { "bind sockaddr_un", SYS_bind, { 3, 0x1000, sizeof(struct sockaddr_un) }, SV_CONTINUE },
        { "bind sockaddr_can", SYS_bind, { 3, 0x1000, 24 }, SV_CONTINUE },
        /* A CAN placeholder's interface. */
        { "SIOCGIFINDEX", SYS_ioctl, { 3, SIOCGIFINDEX, 0x1000 }, SV_IFINDEX },
        { "SIOCGIFINDEX, junk high bits", SYS_ioctl, { 3, JUNK | SIOCGIFINDEX, 0x1000 }, SV_IFINDEX },
        { "SIOCGIFNAME", SYS_ioctl, { 3, SIOCGIFNAME, 0x1000 }, SV_CONTINUE },
        { "FIONREAD", SYS_ioctl, { 3, FIONREAD, 0x1000 }, SV_CONTINUE },
        { "bind short", SYS_bind, { 3, 0x1000, 2 }, SV_CONTINUE },
        { "SO_BINDTODEVICE", SYS_setsockopt, { 3, SOL_SOCKET, SO_BINDTODEVICE, 0x1000, 3 },
          SV_SETSOCKOPT },
        { "SO_MARK", SYS_setsockopt, { 3, SOL_SOCKET, SO_MARK, 0x1000, 4 }, SV_SETSOCKOPT },
        { "SO_PRIORITY", SYS_setsockopt, { 3, SOL_SOCKET, SO_PRIORITY, 0x1000, 4 }, SV_SETSOCKOPT },
        { "SO_RCVBUFFORCE", SYS_setsockopt, { 3, SOL_SOCKET, SO_RCVBUFFORCE, 0x1000, 4 },
          SV_SETSOCKOPT },
        { "SO_SNDBUFFORCE", SYS_setsockopt, { 3, SOL_SOCKET, SO_SNDBUFFORCE, 0x1000, 4 },
          SV_SETSOCKOPT },
        { "SO_DETACH_FILTER", SYS_setsockopt, { 3, SOL_SOCKET, SO_DETACH_FILTER, 0, 0 },
          SV_DETACH_FILTER },
        { "SO_ATTACH_FILTER", SYS_setsockopt, { 3, SOL_SOCKET, SO_ATTACH_FILTER, 0, 16 },
          SV_ATTACH_FILTER },
        { "SO_RCVBUF", SYS_setsockopt, { 3, SOL_SOCKET, SO_RCVBUF, 0x1000, 4 }, SV_CONTINUE },
        { "SO_REUSEADDR", SYS_setsockopt, { 3, SOL_SOCKET, SO_REUSEADDR, 0x1000, 4 }, SV_CONTINUE },
        { "IP_TOS", SYS_setsockopt, { 3, IPPROTO_IP, IP_TOS, 0x1000, 4 }, SV_CONTINUE },
        /* SO_MARK's number at another level is another option. */
        { "level IP, SO_MARK's number", SYS_setsockopt, { 3, IPPROTO_IP, SO_MARK, 0x1000, 4 },
          SV_CONTINUE },
        { "connect", SYS_connect, { 3, 0x1000, sizeof(struct sockaddr_in) }, SV_CONTINUE },
        { "getsockopt", SYS_getsockopt, { 3, SOL_SOCKET, SO_MARK, 0x1000, 0x2000 }, SV_CONTINUE },
        /* Placeholders: a packet bind names the interface; SOL_PACKET
         * options are held, and read as EPERM, until then. */
        { "bind sockaddr_ll", SYS_bind, { 3, 0x1000, sizeof(struct sockaddr_ll) }, SV_BIND },
        { "PACKET_VERSION", SYS_setsockopt, { 3, SOL_PACKET, PACKET_VERSION, 0x1000, 4 },
          SV_PACKET_OPTION },
        { "PACKET_ADD_MEMBERSHIP", SYS_setsockopt,
          { 3, JUNK | SOL_PACKET, PACKET_ADD_MEMBERSHIP, 0x1000, 16 }, SV_PACKET_OPTION },
        { "getsockopt PACKET_HDRLEN", SYS_getsockopt, { 3, SOL_PACKET, PACKET_HDRLEN, 0x1000, 0x2000 },
          SV_PACKET_GETOPT },
        { "getsockopt SOL_IP", SYS_getsockopt, { 3, IPPROTO_IP, IP_TOS, 0x1000, 0x2000 },
          SV_CONTINUE },
};

START_TEST(test_classify)
{
        ck_assert_msg(sv_classify(classify_cases[_i].nr, classify_cases[_i].args) ==
                              classify_cases[_i].want,
                      "%s", classify_cases[_i].what);
}
END_TEST

/* Every call the supervisor takes further is one the filter sends, and
 * every rule of the filter is one sv_classify() knows. */
START_TEST(test_rules_match_classify)
{
        for (size_t i = 0; i < sv_n_rules; i++) {
                /* An argument the rule does not test is one every call
                 * may have: socket()'s protocol 1 is CAN_RAW's. */
                uint64_t args[6] = { 0, 0, 1 };

                for (unsigned k = 0; k < sv_rules[i].n_tests; k++) {
                        const struct sv_arg_test *t = &sv_rules[i].tests[k];

                        args[t->arg] = (args[t->arg] & ~t->mask) | t->value;
                }
                ck_assert_msg(sv_classify(sv_rules[i].nr, args) != SV_CONTINUE, "rule %zu", i);
                ck_assert_uint_le(sv_rules[i].n_tests, ELEMENTSOF(sv_rules[i].tests));
        }
}
END_TEST

START_TEST(test_setsockopt_read_len)
{
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_MARK, 4, 16), 4);
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_MARK, 8, 16), 4);
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_MARK, 3, 16), 0);
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_MARK, JUNK | 4, 16), 4);
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_PRIORITY, 0, 16), 0);
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_BINDTODEVICE, 3, IFNAMSIZ), 3);
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_BINDTODEVICE, 0, IFNAMSIZ), 0);
        /* The kernel reads no more of a name than IFNAMSIZ. */
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_BINDTODEVICE, 4096, IFNAMSIZ), IFNAMSIZ);
        ck_assert_uint_eq(sv_setsockopt_read_len(SO_BINDTODEVICE, 4096, 8), 8);
}
END_TEST

START_TEST(test_setsockopt_value)
{
        int v;

        for (v = 0; v <= 6; v++)
                ck_assert(!sv_setsockopt_value_needs_broker(SO_PRIORITY, &v, sizeof(v)));
        v = 7;
        ck_assert(sv_setsockopt_value_needs_broker(SO_PRIORITY, &v, sizeof(v)));
        v = -1;
        ck_assert(sv_setsockopt_value_needs_broker(SO_PRIORITY, &v, sizeof(v)));
        v = 0;
        ck_assert(sv_setsockopt_value_needs_broker(SO_MARK, &v, sizeof(v)));
        ck_assert(sv_setsockopt_value_needs_broker(SO_BINDTODEVICE, "lo", 2));
        ck_assert(!sv_setsockopt_value_needs_broker(SO_PRIORITY, &v, 2));
}
END_TEST

START_TEST(test_bind_read_len)
{
        ck_assert_uint_eq(sv_bind_read_len(sizeof(struct sockaddr_in), 128), sizeof(struct sockaddr_in));
        ck_assert_uint_eq(sv_bind_read_len(sizeof(struct sockaddr_in6), 128),
                          sizeof(struct sockaddr_in6));
        ck_assert_uint_eq(sv_bind_read_len(JUNK | sizeof(struct sockaddr_in6), 128),
                          sizeof(struct sockaddr_in6));
        ck_assert_uint_eq(sv_bind_read_len(sizeof(struct sockaddr_l2), 128),
                          sizeof(struct sockaddr_l2));
        ck_assert_uint_eq(sv_bind_read_len(sizeof(struct sockaddr_hci), 128),
                          sizeof(struct sockaddr_hci));
        ck_assert_uint_eq(sv_bind_read_len(sizeof(struct sockaddr_in6), 16), 0);
        ck_assert_uint_eq(sv_bind_read_len(110, 128), 0);
        ck_assert_uint_eq(sv_bind_read_len(0, 128), 0);
}
END_TEST

START_TEST(test_exit_status)
{
        ck_assert_int_eq(sv_exit_status(0), 0);
        ck_assert_int_eq(sv_exit_status(3 << 8), 3);
        ck_assert_int_eq(sv_exit_status(255 << 8), 255);
        ck_assert_int_eq(sv_exit_status(SIGTERM), 128 + SIGTERM);
        ck_assert_int_eq(sv_exit_status(SIGKILL | 0x80), 128 + SIGKILL);      /* core dumped */
}
END_TEST

START_TEST(test_placeholder_waits)
{
        struct sb_spec packet = { .family = AF_PACKET, .type = SOCK_RAW, .protocol = 3 };
        struct sb_spec can = { .family = AF_CAN, .type = SOCK_RAW, .protocol = CAN_RAW };
        struct sb_spec hci = { .family = AF_BLUETOOTH, .type = SOCK_RAW, .protocol = BTPROTO_HCI };
        struct sb_spec other;

        /* Without the address a later call names: a placeholder. */
        ck_assert(sv_placeholder_waits(&packet));
        ck_assert(sv_placeholder_waits(&can));
        ck_assert(sv_placeholder_waits(&hci));
        /* With it, the refusal is final. */
        strcpy(packet.ifname, "eth0");
        strcpy(can.ifname, "vcan0");
        hci.has_channel = true;
        ck_assert(!sv_placeholder_waits(&packet));
        ck_assert(!sv_placeholder_waits(&can));
        ck_assert(!sv_placeholder_waits(&hci));
        /* No later call names what these need. */
        other = (struct sb_spec) { .family = AF_CAN, .type = SOCK_DGRAM, .protocol = CAN_BCM };
        ck_assert(!sv_placeholder_waits(&other));
        other = (struct sb_spec) { .family = AF_BLUETOOTH, .type = SOCK_SEQPACKET,
                                   .protocol = BTPROTO_L2CAP };
        ck_assert(!sv_placeholder_waits(&other));
        other = (struct sb_spec) { .family = AF_INET, .type = SOCK_RAW, .protocol = 1 };
        ck_assert(!sv_placeholder_waits(&other));
}
END_TEST

START_TEST(test_placeholders)
{
        static struct sb_placeholders t;
        struct sb_placeholder *p, *q;
        unsigned char big[SB_MAX_OPTION_LEN + 1] = {};
        int one = 1;

        memset(&t, 0, sizeof(t));
        p = sb_placeholder_add(&t, 7, 100, AF_PACKET, SOCK_RAW, 0x88b5);
        ck_assert_ptr_eq(sb_placeholder_find(&t, 7, 100), p);
        ck_assert_ptr_null(sb_placeholder_find(&t, 8, 100));   /* another filesystem */
        ck_assert_ptr_null(sb_placeholder_find(&t, 7, 101));
        ck_assert_int_eq(p->family, AF_PACKET);
        ck_assert_int_eq(p->type, SOCK_RAW);
        ck_assert_uint_eq(p->protocol, 0x88b5);

        /* Options: held in order, bounded in size and number. */
        ck_assert_int_eq(sb_placeholder_hold(p, PACKET_AUXDATA, &one, sizeof(one)), 0);
        ck_assert_int_eq(sb_placeholder_hold(p, PACKET_VERSION, &one, sizeof(one)), 0);
        ck_assert_int_eq(p->n_options, 2);
        ck_assert_int_eq(p->options[0].name, PACKET_AUXDATA);
        ck_assert_int_eq(p->options[1].name, PACKET_VERSION);
        ck_assert_int_eq(sb_placeholder_hold(p, PACKET_RX_RING, big, sizeof(big)), -EMSGSIZE);
        while (p->n_options < SB_MAX_HELD_OPTIONS)
                ck_assert_int_eq(sb_placeholder_hold(p, PACKET_RESERVE, &one, sizeof(one)), 0);
        ck_assert_int_eq(sb_placeholder_hold(p, PACKET_RESERVE, &one, sizeof(one)), -ENOBUFS);

        sb_placeholder_remove(p);
        ck_assert_ptr_null(sb_placeholder_find(&t, 7, 100));

        /* Full: the oldest gives way, and only it. */
        for (uint64_t i = 0; i < SB_MAX_PLACEHOLDERS; i++)
                sb_placeholder_add(&t, 7, 1000 + i, AF_PACKET, SOCK_RAW, 0);
        q = sb_placeholder_add(&t, 7, 5000, AF_CAN, SOCK_DGRAM, 2);
        ck_assert_ptr_eq(sb_placeholder_find(&t, 7, 5000), q);
        ck_assert_int_eq(q->family, AF_CAN);
        ck_assert_int_eq(q->type, SOCK_DGRAM);
        ck_assert_uint_eq(q->protocol, 2);
        ck_assert_int_eq(q->n_options, 0);
        ck_assert_ptr_null(sb_placeholder_find(&t, 7, 1000));
        for (uint64_t i = 1; i < SB_MAX_PLACEHOLDERS; i++)
                ck_assert_ptr_nonnull(sb_placeholder_find(&t, 7, 1000 + i));
}
END_TEST

START_TEST(test_packet_option_holdable)
{
        ck_assert(sb_packet_option_holdable(PACKET_VERSION, 4));
        ck_assert(sb_packet_option_holdable(PACKET_RX_RING, 28));
        ck_assert(sb_packet_option_holdable(PACKET_ADD_MEMBERSHIP, 16));
        ck_assert(!sb_packet_option_holdable(PACKET_RX_RING, SB_MAX_OPTION_LEN + 1));
        /* A pointer into the program's memory cannot be replayed. */
        ck_assert(!sb_packet_option_holdable(PACKET_FANOUT_DATA, 16));
        /* Needs a bound socket anyway. */
        ck_assert(!sb_packet_option_holdable(PACKET_FANOUT, 4));
        ck_assert(!sb_packet_option_holdable(-1, 4));
}
END_TEST

Suite *make_supervise_suite(void)
{
        Suite *s = suite_create("supervise");
        TCase *tc = tcase_create("rules");

        tcase_add_loop_test(tc, test_classify, 0, ELEMENTSOF(classify_cases));
        tcase_add_test(tc, test_rules_match_classify);
        tcase_add_test(tc, test_setsockopt_read_len);
        tcase_add_test(tc, test_setsockopt_value);
        tcase_add_test(tc, test_bind_read_len);
        tcase_add_test(tc, test_exit_status);
        tcase_add_test(tc, test_placeholders);
        tcase_add_test(tc, test_placeholder_waits);
        tcase_add_test(tc, test_packet_option_holdable);
        suite_add_tcase(s, tc);
        return s;
}
