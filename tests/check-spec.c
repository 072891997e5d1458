/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-spec.c - socket spec text (client-lib/broker/spec.c).
 */
#include "config.h"

#include <errno.h>
#include <linux/can.h>
#include <linux/can/j1939.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "client-lib/broker/spec.h"
#include "common/bt.h"
#include "sockbroker/addr.h"
#include "tests/check-suites.h"

static const struct spec_case {
        const char *text;
        int expect;
        int family, type;
        uint32_t protocol;
        const char *ifname;
        const char *canonical;
} spec_cases[] = {
        { "packet/raw/all@eth0", 0, AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0", "packet/raw/all@eth0" },
        { "packet/dgram/0x88f7@eth1", 0, AF_PACKET, SOCK_DGRAM, 0x88f7, "eth1", NULL },
        { "packet/raw@veth0", 0, AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth0", "packet/raw/all@veth0" },
        { "packet/raw", 0, AF_PACKET, SOCK_RAW, ETH_P_ALL, "", "packet/raw/all" },
        { "packet/raw/ip", 0, AF_PACKET, SOCK_RAW, ETH_P_IP, "", NULL },
        /* EtherTypes are names or 0x hex: "1588" is PTP's name, other decimals are refused. */
        { "packet/raw/1588", 0, AF_PACKET, SOCK_RAW, 0x88f7, "", "packet/raw/ptp" },
        { "packet/raw/0x88b5", 0, AF_PACKET, SOCK_RAW, 0x88b5, "", "packet/raw/0x88b5" },
        { "packet/raw/34997", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/0", -EINVAL, 0, 0, 0, NULL, NULL },
        /* The address grammar's IFACE[,PROTO[,...]]: PROTO is the socket's. */
        { "packet/raw@eth0,0x0800", 0, AF_PACKET, SOCK_RAW, ETH_P_IP, "eth0", "packet/raw/ip@eth0" },
        { "packet/raw/ip@eth0,ip", 0, AF_PACKET, SOCK_RAW, ETH_P_IP, "eth0", "packet/raw/ip@eth0" },
        { "packet/dgram/ptp@eth1,1588", 0, AF_PACKET, SOCK_DGRAM, 0x88f7, "eth1", "packet/dgram/ptp@eth1" },
        { "packet/raw/all@eth0,0x0000", 0, AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0", "packet/raw/all@eth0" },
        { "packet/raw/all@any", 0, AF_PACKET, SOCK_RAW, ETH_P_ALL, "", "packet/raw/all" },
        { "packet/raw@eth0,0x0003,host,1,02:00:5e:10:00:01", 0, AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0",
          "packet/raw/all@eth0" },
        { "packet/raw/ip@eth0,0x0806", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw@eth0,2048", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw@3", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw@eth0,", -EINVAL, 0, 0, 0, NULL, NULL },
        { "inet/raw/icmp", 0, AF_INET, SOCK_RAW, IPPROTO_ICMP, "", "inet/raw/icmp" },
        { "inet/raw/1", 0, AF_INET, SOCK_RAW, IPPROTO_ICMP, "", "inet/raw/icmp" },
        { "inet/raw/udp@lo", 0, AF_INET, SOCK_RAW, IPPROTO_UDP, "lo", "inet/raw/udp@lo" },
        { "inet6/raw/ipv6-icmp@eth0", 0, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "eth0", NULL },
        { "inet/dgram", 0, AF_INET, SOCK_DGRAM, 0, "", NULL },
        { "inet/stream/tcp", 0, AF_INET, SOCK_STREAM, IPPROTO_TCP, "", NULL },
        { "packet/raw/all@abcdefghijklmno", 0, AF_PACKET, SOCK_RAW, ETH_P_ALL, "abcdefghijklmno", NULL },
        /* invalid */
        { "", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/", -EINVAL, 0, 0, 0, NULL, NULL },
        { "/raw", -EINVAL, 0, 0, 0, NULL, NULL },
        { "ipx/raw", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/bogus", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/nosuchproto", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/0x10000", -EINVAL, 0, 0, 0, NULL, NULL },
        { "inet/raw/256", -EINVAL, 0, 0, 0, NULL, NULL },
        { "inet/raw/-1", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/all/extra", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/all@", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/all@abcdefghijklmnop", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/all@eth/0", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/all@eth0@eth1", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/all@a b", -EINVAL, 0, 0, 0, NULL, NULL },
        { "unix/stream", -EINVAL, 0, 0, 0, NULL, NULL },
        { "inet/raw/icmp ", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet//raw", -EINVAL, 0, 0, 0, NULL, NULL },
        { "/packet/raw", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/", -EINVAL, 0, 0, 0, NULL, NULL },
        { "packet/raw/all/", -EINVAL, 0, 0, 0, NULL, NULL },
        /* CAN and Bluetooth: "FAMILY/PROTOCOL" takes the usual type */
        { "can/raw@vcan0", 0, AF_CAN, SOCK_RAW, CAN_RAW, "vcan0", "can/raw/raw@vcan0" },
        { "can/raw/raw@can1", 0, AF_CAN, SOCK_RAW, CAN_RAW, "can1", NULL },
        { "can/bcm@vcan0", 0, AF_CAN, SOCK_DGRAM, CAN_BCM, "vcan0", "can/dgram/bcm@vcan0" },
        { "can/isotp@vcan0,0x7e8,0x7e0", 0, AF_CAN, SOCK_DGRAM, CAN_ISOTP, "vcan0",
          "can/dgram/isotp@vcan0,0x7e8,0x7e0" },
        { "can/isotp@vcan0,2024,2016,fd", 0, AF_CAN, SOCK_DGRAM, CAN_ISOTP, "vcan0",
          "can/dgram/isotp@vcan0,0x7e8,0x7e0,fd" },
        { "can/j1939@vcan0,0,0x12300,0x20", 0, AF_CAN, SOCK_DGRAM, CAN_J1939, "vcan0",
          "can/dgram/j1939@vcan0,-,0x12300,0x20" },
        /* J1939's "no NAME/PGN/address" is "-"; the magic numbers are old spellings of it. */
        { "can/j1939@vcan0,0,0x40000,0xff", 0, AF_CAN, SOCK_DGRAM, CAN_J1939, "vcan0",
          "can/dgram/j1939@vcan0,-,-,-" },
        { "can/j1939@vcan0,-,-,-", 0, AF_CAN, SOCK_DGRAM, CAN_J1939, "vcan0", NULL },
        /* ISO-TP: an id above 0x7ff is extended, CAN_EFF_FLAG implied; written without it. */
        { "can/isotp@vcan0,0x18da00f1,0x18daf100", 0, AF_CAN, SOCK_DGRAM, CAN_ISOTP, "vcan0", NULL },
        { "can/isotp@vcan0,0x98da00f1,0x98daf100", 0, AF_CAN, SOCK_DGRAM, CAN_ISOTP, "vcan0",
          "can/dgram/isotp@vcan0,0x18da00f1,0x18daf100" },
        { "can/isotp@vcan0,0x80000123,0x7e0", 0, AF_CAN, SOCK_DGRAM, CAN_ISOTP, "vcan0", NULL },
        { "can/raw@any", 0, AF_CAN, SOCK_RAW, CAN_RAW, "", "can/raw/raw@any" },
        { "can/raw@", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/raw@3", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/isotp@vcan0,0x20000000,1", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/j1939@vcan0,-,-,-,fd", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci@none,monitor", 0, AF_BLUETOOTH, SOCK_RAW, 1, "", "bluetooth/raw/hci@monitor" },
        { "bluetooth/hci@2", 0, AF_BLUETOOTH, SOCK_RAW, 1, "", "bluetooth/raw/hci@hci2" },
        { "bluetooth/hci@hci0,raw", 0, AF_BLUETOOTH, SOCK_RAW, 1, "", "bluetooth/raw/hci@hci0" },
        { "bluetooth/hci@control", 0, AF_BLUETOOTH, SOCK_RAW, 1, "", "bluetooth/raw/hci@control" },
        { "bluetooth/hci@none", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci@logging", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci@hci0,7", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/raw@vcan0,fd", 0, AF_CAN, SOCK_RAW, CAN_RAW, "vcan0", "can/raw/raw@vcan0,fd" },
        { "bt/hci@hci0", 0, AF_BLUETOOTH, SOCK_RAW, 1, "", "bluetooth/raw/hci@hci0" },
        { "bluetooth/hci@hci1,user", 0, AF_BLUETOOTH, SOCK_RAW, 1, "", "bluetooth/raw/hci@hci1,user" },
        { "bluetooth/hci@monitor", 0, AF_BLUETOOTH, SOCK_RAW, 1, "", "bluetooth/raw/hci@monitor" },
        { "bluetooth/l2cap@hci0,0x1001", 0, AF_BLUETOOTH, SOCK_SEQPACKET, 0, "",
          "bluetooth/seqpacket/l2cap@hci0,0x1001" },
        { "bluetooth/raw/l2cap@hci0", 0, AF_BLUETOOTH, SOCK_RAW, 0, "", NULL },
        { "bluetooth/rfcomm@hci0,3", 0, AF_BLUETOOTH, SOCK_STREAM, 3, "", "bluetooth/stream/rfcomm@hci0,3" },
        { "bluetooth/sco@hci0", 0, AF_BLUETOOTH, SOCK_SEQPACKET, 2, "", "bluetooth/seqpacket/sco@hci0" },
        { "can/raw", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/dgram@vcan0", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/isotp@vcan0", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/isotp@vcan0,1,2,3", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/isotp@vcan0,1,", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/isotp@vcan0,0x100000000,1", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/j1939@vcan0,0,0x40001,0x20", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/j1939@vcan0,0,0x100,0x100", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/bcm@vcan0,fd", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/raw@vcan0,1", -EINVAL, 0, 0, 0, NULL, NULL },
        { "can/raw@a b", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci@eth0", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci@hci", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci@hci-1", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci@hci65535", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/hci@hci0,monitor", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/l2cap@hci0,0x1000", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/l2cap@hci0,0x0101", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/rfcomm@hci0,31", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/rfcomm@hci0,0", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/sco@hci0,1", -EINVAL, 0, 0, 0, NULL, NULL },
        { "bluetooth/l2cap@monitor", -EINVAL, 0, 0, 0, NULL, NULL },
};

static void ck_assert_spec_eq(const struct sb_spec *a, const struct sb_spec *b)
{
        ck_assert_int_eq(a->family, b->family);
        ck_assert_int_eq(a->type, b->type);
        ck_assert_uint_eq(a->protocol, b->protocol);
        ck_assert_str_eq(a->ifname, b->ifname);
        ck_assert_int_eq(a->has_can_ids, b->has_can_ids);
        ck_assert_uint_eq(a->rx_id, b->rx_id);
        ck_assert_uint_eq(a->tx_id, b->tx_id);
        ck_assert_int_eq(a->has_j1939, b->has_j1939);
        ck_assert_uint_eq(a->j1939_name, b->j1939_name);
        ck_assert_uint_eq(a->j1939_pgn, b->j1939_pgn);
        ck_assert_uint_eq(a->j1939_addr, b->j1939_addr);
        ck_assert_int_eq(a->can_fd, b->can_fd);
        ck_assert_int_eq(a->has_dev, b->has_dev);
        ck_assert_uint_eq(a->dev, b->dev);
        ck_assert_int_eq(a->has_channel, b->has_channel);
        ck_assert_uint_eq(a->channel, b->channel);
        ck_assert_int_eq(a->has_psm, b->has_psm);
        ck_assert_uint_eq(a->psm, b->psm);
}

START_TEST(test_spec_table)
{
        const struct spec_case *c = &spec_cases[_i];
        struct sb_spec s;
        char why[256] = "", buf[SB_SPEC_MAX];
        int r;

        r = sb_spec_parse(c->text, &s, why, sizeof(why));
        ck_assert_msg(r == c->expect, "'%s': got %d (%s), expected %d", c->text, r, why, c->expect);
        if (r < 0) {
                ck_assert_msg(why[0], "'%s': no reason", c->text);
                return;
        }
        ck_assert_int_eq(s.family, c->family);
        ck_assert_int_eq(s.type, c->type);
        ck_assert_uint_eq(s.protocol, c->protocol);
        ck_assert_str_eq(s.ifname, c->ifname);

        /* format(parse(x)) parses back to the same spec. */
        ck_assert_int_eq(sb_spec_format(&s, buf, sizeof(buf)), 0);
        if (c->canonical)
                ck_assert_str_eq(buf, c->canonical);
        {
                struct sb_spec t;

                ck_assert_int_eq(sb_spec_parse(buf, &t, why, sizeof(why)), 0);
                ck_assert_spec_eq(&s, &t);
        }
}
END_TEST

/* The addresses of CAN and Bluetooth specs, field by field. */
START_TEST(test_spec_addresses)
{
        struct sb_spec s;
        char why[256];

        ck_assert_int_eq(sb_spec_parse("can/isotp@vcan0,0x7e8,0x800007e0", &s, why, sizeof(why)), 0);
        ck_assert(s.has_can_ids && !s.has_j1939 && !s.can_fd);
        ck_assert_uint_eq(s.rx_id, 0x7e8);
        ck_assert_uint_eq(s.tx_id, 0x800007e0u);

        ck_assert_int_eq(sb_spec_parse("can/j1939@can0,0xa00000ff00000000,0x40000,0xff", &s, why,
                                       sizeof(why)), 0);
        ck_assert(s.has_j1939 && !s.has_can_ids);
        ck_assert_uint_eq(s.j1939_name, 0xa00000ff00000000ull);
        ck_assert_uint_eq(s.j1939_pgn, J1939_NO_PGN);
        ck_assert_uint_eq(s.j1939_addr, J1939_NO_ADDR);

        ck_assert_int_eq(sb_spec_parse("bt/hci@hci3,user", &s, why, sizeof(why)), 0);
        ck_assert(s.has_dev && s.has_channel && !s.has_psm);
        ck_assert_uint_eq(s.dev, 3);
        ck_assert_uint_eq(s.channel, SB_HCI_CHANNEL_USER);

        ck_assert_int_eq(sb_spec_parse("bt/hci@monitor", &s, why, sizeof(why)), 0);
        ck_assert(!s.has_dev && s.has_channel);
        ck_assert_uint_eq(s.channel, SB_HCI_CHANNEL_MONITOR);

        ck_assert_int_eq(sb_spec_parse("bt/l2cap@hci1,0x0019", &s, why, sizeof(why)), 0);
        ck_assert(s.has_dev && s.has_psm && !s.has_channel);
        ck_assert_uint_eq(s.dev, 1);
        ck_assert_uint_eq(s.psm, 0x19);

        ck_assert_int_eq(sb_spec_parse("bt/l2cap@hci1", &s, why, sizeof(why)), 0);
        ck_assert(s.has_dev && !s.has_psm);

        ck_assert_int_eq(sb_spec_parse("bt/rfcomm@hci0,30", &s, why, sizeof(why)), 0);
        ck_assert(s.has_channel);
        ck_assert_uint_eq(s.channel, 30);
}
END_TEST

/* ---- sb_addr_format() -> spec -> open ---------------------------------- */

/*
 * The address text sb_addr_format() writes, put after "FAMILY/TYPE/PROTO@",
 * is a spec whose address is that sockaddr; and the address the spec
 * writes parses with sb_addr_parse() to it again. For every family a spec
 * carries the socket's address for: CAN, Bluetooth HCI and packet. No
 * socket is opened: this machine has no AF_CAN or AF_BLUETOOTH.
 */
struct addr_spec_case {
        const char *prefix;     /* "can/isotp" */
        int protocol;           /* for sb_addr_format() */
        bool lo;                /* the interface index is set to lo's */
        union {
                struct sockaddr sa;
                struct sockaddr_can can;
                struct sockaddr_hci hci;
                struct sockaddr_ll ll;
        } u;
        socklen_t len;
        const char *address;    /* what sb_addr_format() writes */
};

#define CAN_LEN sizeof(struct sockaddr_can)
#define HCI_LEN sizeof(struct sockaddr_hci)
#define LL_LEN sizeof(struct sockaddr_ll)

static const struct addr_spec_case addr_spec_cases[] = {
        { "can/raw", CAN_RAW, true, .u.can = { .can_family = AF_CAN }, CAN_LEN, "lo" },
        { "can/raw", CAN_RAW, false, .u.can = { .can_family = AF_CAN }, CAN_LEN, "any" },
        { "can/bcm", CAN_BCM, true, .u.can = { .can_family = AF_CAN }, CAN_LEN, "lo" },
        { "can/isotp", CAN_ISOTP, true,
          .u.can = { .can_family = AF_CAN, .can_addr.tp = { 0x7e8, 0x7e0 } }, CAN_LEN, "lo,0x7e8,0x7e0" },
        /* An extended id above 0x7ff is written without CAN_EFF_FLAG; the spec sets it. */
        { "can/isotp", CAN_ISOTP, true,
          .u.can = { .can_family = AF_CAN, .can_addr.tp = { CAN_EFF_FLAG | 0x18da00f1,
                                                             CAN_EFF_FLAG | 0x18daf100 } },
          CAN_LEN, "lo,0x18da00f1,0x18daf100" },
        /* An extended id below 0x800 is written with the flag. */
        { "can/isotp", CAN_ISOTP, true,
          .u.can = { .can_family = AF_CAN, .can_addr.tp = { CAN_EFF_FLAG | 0x123, 0x7ff } },
          CAN_LEN, "lo,0x80000123,0x7ff" },
        { "can/j1939", CAN_J1939, true,
          .u.can = { .can_family = AF_CAN,
                     .can_addr.j1939 = { 0xa00000000000cafe, 0xfeca, 0x80 } },
          CAN_LEN, "lo,0xa00000000000cafe,0xfeca,0x80" },
        /* J1939_NO_NAME, J1939_NO_PGN and J1939_NO_ADDR are "-". */
        { "can/j1939", CAN_J1939, true,
          .u.can = { .can_family = AF_CAN,
                     .can_addr.j1939 = { J1939_NO_NAME, J1939_NO_PGN, J1939_NO_ADDR } },
          CAN_LEN, "lo,-,-,-" },
        { "bluetooth/hci", SB_BTPROTO_HCI, false,
          .u.hci = { .hci_family = AF_BLUETOOTH, .hci_dev = 0, .hci_channel = SB_HCI_CHANNEL_RAW },
          HCI_LEN, "hci0" },
        { "bluetooth/hci", SB_BTPROTO_HCI, false,
          .u.hci = { .hci_family = AF_BLUETOOTH, .hci_dev = 7, .hci_channel = SB_HCI_CHANNEL_USER },
          HCI_LEN, "hci7,user" },
        /* Channels without a controller are written alone. */
        { "bluetooth/hci", SB_BTPROTO_HCI, false,
          .u.hci = { .hci_family = AF_BLUETOOTH, .hci_dev = HCI_DEV_NONE,
                     .hci_channel = SB_HCI_CHANNEL_MONITOR },
          HCI_LEN, "monitor" },
        { "bluetooth/hci", SB_BTPROTO_HCI, false,
          .u.hci = { .hci_family = AF_BLUETOOTH, .hci_dev = HCI_DEV_NONE,
                     .hci_channel = SB_HCI_CHANNEL_CONTROL },
          HCI_LEN, "control" },
        /* Protocol 0 keeps the socket's, which the spec gives. */
        { "packet/raw/all", 0, true, .u.ll = { .sll_family = AF_PACKET }, LL_LEN, "lo" },
        { "packet/raw", 0, true,
          .u.ll = { .sll_family = AF_PACKET, .sll_protocol = __constant_htons(ETH_P_IP) },
          LL_LEN, "lo,0x0800" },
        { "packet/dgram/ptp", 0, true,
          .u.ll = { .sll_family = AF_PACKET, .sll_protocol = __constant_htons(ETH_P_1588) },
          LL_LEN, "lo,0x88f7" },
        /* What getsockname(2) gives: PKTTYPE, HATYPE and HWADDR, which bind(2) ignores. */
        { "packet/raw", 0, true,
          .u.ll = { .sll_family = AF_PACKET, .sll_protocol = __constant_htons(ETH_P_ALL),
                    .sll_hatype = 772, .sll_halen = 6 },
          LL_LEN, "lo,0x0003,host,772,00:00:00:00:00:00" },
};

START_TEST(test_spec_from_addr_format)
{
        const struct addr_spec_case *c = &addr_spec_cases[_i];
        char address[SB_ADDR_STRLEN_MAX], text[SB_SPEC_MAX], canon[SB_SPEC_MAX], why[256] = "";
        char ifname[IF_NAMESIZE] = "";
        struct sockaddr_storage ss;
        struct sb_spec spec;
        union {
                struct sockaddr sa;
                struct sockaddr_can can;
                struct sockaddr_hci hci;
                struct sockaddr_ll ll;
                struct sockaddr_storage ss;
        } u = {};
        const char *at;
        socklen_t len;
        int ifindex = 0;

        memcpy(&u, &c->u, sizeof(c->u));
        if (c->lo) {
                ifindex = (int)if_nametoindex("lo");
                ck_assert_msg(ifindex > 0, "these tests need the loopback interface \"lo\"");
                ck_assert_ptr_nonnull(if_indextoname((unsigned)ifindex, ifname));
                if (u.sa.sa_family == AF_CAN)
                        u.can.can_ifindex = ifindex;
                else
                        u.ll.sll_ifindex = ifindex;
        }

        ck_assert_int_eq(sb_addr_format(&u.sa, c->len, c->protocol, address, sizeof(address)), 0);
        ck_assert_str_eq(address, c->address);

        /* format -> spec: the text, verbatim, after "@". */
        snprintf(text, sizeof(text), "%s@%s", c->prefix, address);
        ck_assert_msg(sb_spec_parse(text, &spec, why, sizeof(why)) == 0, "'%s': %s", text, why);
        ck_assert_int_eq(spec.family, u.sa.sa_family);
        switch (u.sa.sa_family) {
        case AF_CAN:
                ck_assert_str_eq(spec.ifname, ifname);
                ck_assert_int_eq(spec.has_can_ids, c->protocol == CAN_ISOTP);
                ck_assert_int_eq(spec.has_j1939, c->protocol == CAN_J1939);
                if (spec.has_can_ids) {
                        ck_assert_uint_eq(spec.rx_id, u.can.can_addr.tp.rx_id);
                        ck_assert_uint_eq(spec.tx_id, u.can.can_addr.tp.tx_id);
                }
                if (spec.has_j1939) {
                        ck_assert_uint_eq(spec.j1939_name, u.can.can_addr.j1939.name);
                        ck_assert_uint_eq(spec.j1939_pgn, u.can.can_addr.j1939.pgn);
                        ck_assert_uint_eq(spec.j1939_addr, u.can.can_addr.j1939.addr);
                }
                break;
        case AF_BLUETOOTH:
                ck_assert_int_eq(spec.has_dev, u.hci.hci_dev != HCI_DEV_NONE);
                if (spec.has_dev)
                        ck_assert_uint_eq(spec.dev, u.hci.hci_dev);
                ck_assert(spec.has_channel);
                ck_assert_uint_eq(spec.channel, u.hci.hci_channel);
                break;
        default:
                ck_assert_str_eq(spec.ifname, ifname);
                if (u.ll.sll_protocol != 0)
                        ck_assert_uint_eq(spec.protocol, ntohs(u.ll.sll_protocol));
                break;
        }

        /* spec -> address: what the spec writes after "@" parses to the sockaddr. */
        ck_assert_int_eq(sb_spec_format(&spec, canon, sizeof(canon)), 0);
        at = strchr(canon, '@');
        ck_assert_msg(at || ifindex == 0, "'%s' lost its interface", canon);
        ck_assert_int_eq(sb_addr_parse(u.sa.sa_family, c->protocol, at ? at + 1 : "", &ss, &len), 0);
        if (u.sa.sa_family == AF_PACKET) {
                struct sockaddr_ll sll;

                /* The spec writes PROTO before "@"; only the interface is after it. */
                memcpy(&sll, &ss, sizeof(sll));
                ck_assert_int_eq(sll.sll_ifindex, ifindex);
                ck_assert_uint_eq(sll.sll_protocol, 0);
                ck_assert_uint_eq(spec.protocol, u.ll.sll_protocol ? ntohs(u.ll.sll_protocol)
                                                                   : ETH_P_ALL);
        } else {
                ck_assert_uint_eq(len, c->len);
                ck_assert_mem_eq(&ss, &u, c->len);
        }
}
END_TEST

START_TEST(test_spec_format_small_buffer)
{
        struct sb_spec s;
        char why[256], buf[64];

        ck_assert_int_eq(sb_spec_parse("packet/raw/all@eth0", &s, why, sizeof(why)), 0);
        for (size_t n = 0; n < strlen("packet/raw/all@eth0") + 1; n++)
                ck_assert_int_eq(sb_spec_format(&s, buf, n), -ENOBUFS);
        ck_assert_int_eq(sb_spec_format(&s, buf, strlen("packet/raw/all@eth0") + 1), 0);
}
END_TEST

START_TEST(test_spec_too_long)
{
        char text[SB_SPEC_MAX + 8], why[256];
        struct sb_spec s;

        memset(text, 'a', sizeof(text) - 1);
        text[sizeof(text) - 1] = 0;
        ck_assert_int_eq(sb_spec_parse(text, &s, why, sizeof(why)), -EINVAL);
        ck_assert_int_eq(sb_spec_parse(NULL, &s, why, sizeof(why)), -EINVAL);
}
END_TEST

Suite *make_spec_suite(void)
{
        Suite *s = suite_create("spec");
        TCase *tc = tcase_create("parse");

        tcase_add_loop_test(tc, test_spec_table, 0, (int)(sizeof(spec_cases) / sizeof(spec_cases[0])));
        tcase_add_test(tc, test_spec_addresses);
        tcase_add_loop_test(tc, test_spec_from_addr_format, 0,
                            (int)(sizeof(addr_spec_cases) / sizeof(addr_spec_cases[0])));
        tcase_add_test(tc, test_spec_format_small_buffer);
        tcase_add_test(tc, test_spec_too_long);
        suite_add_tcase(s, tc);
        return s;
}
