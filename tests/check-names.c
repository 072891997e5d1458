/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-names.c - tests for common/names.c: the family, type and protocol
 * tables and the number parser.
 */
#include <check.h>
#include <linux/can.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/names.h"
#include "common/util.h"
#include "tests/check-suites.h"


static const struct {
        const char *name;
        int r;
} family_cases[] = {
        { "inet",       AF_INET },
        { "inet6",      AF_INET6 },
        { "packet",     AF_PACKET },
        { "can",        AF_CAN },
        { "bluetooth",  AF_BLUETOOTH },
        { "bt",         AF_BLUETOOTH },
        { "unix",       AF_UNIX },
        { "netlink",    AF_NETLINK },
        { "INET",       -EINVAL },
        { "inet4",      -EINVAL },
        { "any",        -EINVAL },
        { "",           -EINVAL },
        { "inet ",      -EINVAL },
        { "2",          -EINVAL },
};

START_TEST(test_family_from_string)
{
        ck_assert_int_eq(names_family_from_string(family_cases[_i].name), family_cases[_i].r);
}
END_TEST

static const struct {
        int family;
        const char *name;
} family_name_cases[] = {
        { AF_INET,      "inet" },
        { AF_INET6,     "inet6" },
        { AF_PACKET,    "packet" },
        { AF_CAN,       "can" },
        { AF_BLUETOOTH, "bluetooth" },  /* canonical, not the alias "bt" */
        { AF_UNIX,      "unix" },
        { AF_NETLINK,   "netlink" },
        { AF_IPX,       NULL },
        { 0,            NULL },
        { -1,           NULL },
};

START_TEST(test_family_to_string)
{
        const char *s = names_family_to_string(family_name_cases[_i].family);

        if (family_name_cases[_i].name)
                ck_assert_str_eq(s, family_name_cases[_i].name);
        else
                ck_assert_ptr_null(s);
}
END_TEST

static const struct {
        const char *name;
        int r;
} type_cases[] = {
        { "raw",        SOCK_RAW },
        { "dgram",      SOCK_DGRAM },
        { "stream",     SOCK_STREAM },
        { "seqpacket",  SOCK_SEQPACKET },
        { "rdm",        SOCK_RDM },
        { "any",        -EINVAL },
        { "RAW",        -EINVAL },
        { "",           -EINVAL },
        { "3",          -EINVAL },
};

START_TEST(test_type_from_string)
{
        ck_assert_int_eq(names_type_from_string(type_cases[_i].name), type_cases[_i].r);
        if (type_cases[_i].r > 0)
                ck_assert_str_eq(names_type_to_string(type_cases[_i].r), type_cases[_i].name);
}
END_TEST

START_TEST(test_null_and_unknown)
{
        uint32_t v = 7;

        ck_assert_int_eq(names_family_from_string(NULL), -EINVAL);
        ck_assert_int_eq(names_type_from_string(NULL), -EINVAL);
        ck_assert_ptr_null(names_type_to_string(0));
        ck_assert_ptr_null(names_type_to_string(-1));
        ck_assert_ptr_null(names_type_to_string(SOCK_PACKET));
        ck_assert_int_eq(names_protocol_from_string(AF_INET, NULL, &v), -EINVAL);
        ck_assert_int_eq(names_protocol_from_string(AF_IPX, "1", &v), -EINVAL);
        ck_assert_int_eq(names_protocol_from_string(0, "tcp", &v), -EINVAL);
        ck_assert_uint_eq(v, 7);
        ck_assert_int_eq(names_parse_uint(NULL, 10, NULL), -EINVAL);
}
END_TEST

static const struct {
        const char *s;
        uint64_t max;
        int r;
        uint64_t v;
} uint_cases[] = {
        { "0",                          10,             0,       0 },
        { "10",                         10,             0,       10 },
        { "11",                         10,             -ERANGE, 0 },
        { "0x0",                        10,             0,       0 },
        { "0xa",                        10,             0,       10 },
        { "0XA",                        10,             0,       10 },
        { "0x0800",                     0xffff,         0,       0x800 },
        { "0xFfFf",                     0xffff,         0,       0xffff },
        { "0x10000",                    0xffff,         -ERANGE, 0 },
        { "18446744073709551615",       UINT64_MAX,     0,       UINT64_MAX },
        { "18446744073709551616",       UINT64_MAX,     -ERANGE, 0 },
        { "0xffffffffffffffff",         UINT64_MAX,     0,       UINT64_MAX },
        { "0x10000000000000000",        UINT64_MAX,     -ERANGE, 0 },
        { "99999999999999999999x",      UINT64_MAX,     -EINVAL, 0 },
        { "",                           10,             -EINVAL, 0 },
        { "0x",                         10,             -EINVAL, 0 },
        { "010",                        100,            -EINVAL, 0 },  /* not octal */
        { "00",                         100,            -EINVAL, 0 },
        { "-1",                         100,            -EINVAL, 0 },
        { "+1",                         100,            -EINVAL, 0 },
        { " 1",                         100,            -EINVAL, 0 },
        { "1 ",                         100,            -EINVAL, 0 },
        { "1e3",                        10000,          -EINVAL, 0 },
        { "0xg",                        100,            -EINVAL, 0 },
        { "0b1",                        100,            -EINVAL, 0 },
        { "4294967294",                 UINT32_MAX - 1, 0,       4294967294u },
        { "4294967295",                 UINT32_MAX - 1, -ERANGE, 0 },
};

START_TEST(test_parse_uint)
{
        uint64_t v = 12345;
        int r = names_parse_uint(uint_cases[_i].s, uint_cases[_i].max, &v);

        ck_assert_msg(r == uint_cases[_i].r, "'%s': %d", uint_cases[_i].s, r);
        if (r == 0)
                ck_assert_uint_eq(v, uint_cases[_i].v);
        else
                ck_assert_uint_eq(v, 12345);    /* untouched on failure */
}
END_TEST

static const struct {
        int family;
        const char *s;
        int r;
        uint32_t v;
} protocol_cases[] = {
        { AF_INET,      "icmp",         0,       IPPROTO_ICMP },
        { AF_INET,      "igmp",         0,       IPPROTO_IGMP },
        { AF_INET,      "tcp",          0,       IPPROTO_TCP },
        { AF_INET,      "udp",          0,       IPPROTO_UDP },
        { AF_INET,      "ipv6",         0,       41 },
        { AF_INET,      "gre",          0,       47 },
        { AF_INET,      "esp",          0,       50 },
        { AF_INET,      "ah",           0,       51 },
        { AF_INET6,     "ipv6-icmp",    0,       58 },
        { AF_INET6,     "icmpv6",       0,       58 },
        { AF_INET6,     "sctp",         0,       132 },
        { AF_INET6,     "udplite",      0,       136 },
        { AF_INET,      "raw",          0,       255 },
        { AF_INET,      "0",            0,       0 },
        { AF_INET,      "255",          0,       255 },
        { AF_INET,      "0xff",         0,       255 },
        { AF_INET,      "256",          -ERANGE, 0 },
        { AF_INET,      "ICMP",         -EINVAL, 0 },
        { AF_INET,      "arp",          -EINVAL, 0 },   /* an EtherType */
        { AF_INET,      "",             -EINVAL, 0 },
        { AF_PACKET,    "all",          0,       ETH_P_ALL },
        { AF_PACKET,    "ip",           0,       ETH_P_IP },
        { AF_PACKET,    "arp",          0,       ETH_P_ARP },
        { AF_PACKET,    "ipv6",         0,       ETH_P_IPV6 },
        { AF_PACKET,    "8021q",        0,       ETH_P_8021Q },
        { AF_PACKET,    "8021ad",       0,       ETH_P_8021AD },
        { AF_PACKET,    "lldp",         0,       ETH_P_LLDP },
        { AF_PACKET,    "ptp",          0,       ETH_P_1588 },
        { AF_PACKET,    "1588",         0,       ETH_P_1588 },  /* a name, not decimal 1588 */
        { AF_PACKET,    "eapol",        0,       ETH_P_PAE },
        { AF_PACKET,    "mpls",         0,       ETH_P_MPLS_UC },
        { AF_PACKET,    "pppoe",        0,       ETH_P_PPP_SES },
        { AF_PACKET,    "0x88f7",       0,       0x88f7 },
        { AF_PACKET,    "1589",         0,       1589 },
        { AF_PACKET,    "0xffff",       0,       0xffff },
        { AF_PACKET,    "65536",        -ERANGE, 0 },
        { AF_PACKET,    "icmp",         -EINVAL, 0 },
        { AF_CAN,       "raw",          0,       CAN_RAW },
        { AF_CAN,       "bcm",          0,       CAN_BCM },
        { AF_CAN,       "isotp",        0,       CAN_ISOTP },
        { AF_CAN,       "j1939",        0,       CAN_J1939 },
        { AF_CAN,       "256",          -ERANGE, 0 },
        { AF_BLUETOOTH, "l2cap",        0,       0 },
        { AF_BLUETOOTH, "hci",          0,       1 },
        { AF_BLUETOOTH, "sco",          0,       2 },
        { AF_BLUETOOTH, "rfcomm",       0,       3 },
        { AF_BLUETOOTH, "tcp",          -EINVAL, 0 },
        { AF_NETLINK,   "route",        0,       0 },
        { AF_NETLINK,   "generic",      0,       16 },
        { AF_NETLINK,   "32",           -ERANGE, 0 },
        { AF_UNIX,      "0",            0,       0 },
        { AF_UNIX,      "1",            -ERANGE, 0 },
};

START_TEST(test_protocol_from_string)
{
        uint32_t v = 0;
        int r = names_protocol_from_string(protocol_cases[_i].family, protocol_cases[_i].s, &v);

        ck_assert_msg(r == protocol_cases[_i].r, "'%s': %d", protocol_cases[_i].s, r);
        if (r == 0) {
                ck_assert_uint_eq(v, protocol_cases[_i].v);
                ck_assert(names_protocol_is_valid(protocol_cases[_i].family, v));
        }
}
END_TEST

static const struct {
        int family;
        uint32_t v;
        const char *s;
} protocol_name_cases[] = {
        { AF_INET,      IPPROTO_ICMP,   "icmp" },
        { AF_INET6,     58,             "ipv6-icmp" },  /* canonical, not "icmpv6" */
        { AF_INET,      0,              "0" },
        { AF_INET,      200,            "200" },
        { AF_PACKET,    ETH_P_ALL,      "all" },
        { AF_PACKET,    ETH_P_1588,     "ptp" },
        { AF_PACKET,    ETH_P_8021Q,    "8021q" },
        { AF_PACKET,    0x1234,         "0x1234" },
        { AF_PACKET,    0,              "0x0000" },
        { AF_CAN,       CAN_ISOTP,      "isotp" },
        { AF_CAN,       99,             "99" },
        { AF_BLUETOOTH, 3,              "rfcomm" },
        { AF_NETLINK,   9,              "audit" },
        { AF_UNIX,      0,              "0" },
        { AF_IPX,       4,              "4" },          /* no table: a number */
};

START_TEST(test_protocol_to_string)
{
        char buf[32];

        ck_assert_int_eq(names_protocol_to_string(protocol_name_cases[_i].family,
                                                  protocol_name_cases[_i].v, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, protocol_name_cases[_i].s);
}
END_TEST

START_TEST(test_protocol_to_string_small)
{
        char buf[8];

        ck_assert_int_eq(names_protocol_to_string(AF_PACKET, ETH_P_ALL, buf, 4), 0);
        ck_assert_str_eq(buf, "all");
        ck_assert_int_eq(names_protocol_to_string(AF_PACKET, ETH_P_ALL, buf, 3), -ENOBUFS);
        ck_assert_int_eq(names_protocol_to_string(AF_PACKET, 0x1234, buf, 6), -ENOBUFS);
        ck_assert_int_eq(names_protocol_to_string(AF_PACKET, 0x1234, buf, 7), 0);
        ck_assert_int_eq(names_protocol_to_string(AF_INET, 1, buf, 0), -ENOBUFS);
        ck_assert_int_eq(names_protocol_to_string(AF_INET, 1, NULL, 8), -ENOBUFS);
}
END_TEST

static const struct {
        int family;
        uint32_t max;
} range_cases[] = {
        { AF_INET,      0xff },
        { AF_INET6,     0xff },
        { AF_PACKET,    0xffff },
        { AF_CAN,       0xff },
        { AF_BLUETOOTH, 0xff },
        { AF_NETLINK,   31 },
        { AF_UNIX,      0 },
};

/* Every number of each family prints as something that reads back as
 * the same number: names and numbers never disagree. */
START_TEST(test_protocol_round_trip)
{
        int family = range_cases[_i].family;

        for (uint32_t v = 0; v <= range_cases[_i].max; v++) {
                char buf[32];
                uint32_t back;

                ck_assert(names_protocol_is_valid(family, v));
                ck_assert_int_eq(names_protocol_to_string(family, v, buf, sizeof(buf)), 0);
                ck_assert_int_eq(names_protocol_from_string(family, buf, &back), 0);
                ck_assert_msg(back == v, "%s: %u -> '%s' -> %u", names_family_to_string(family),
                              v, buf, back);
        }
        ck_assert(!names_protocol_is_valid(family, range_cases[_i].max + 1));
        ck_assert(!names_protocol_is_valid(family, UINT32_MAX));
}
END_TEST

START_TEST(test_protocol_is_valid_unknown)
{
        ck_assert(!names_protocol_is_valid(0, 0));
        ck_assert(!names_protocol_is_valid(AF_IPX, 0));
        ck_assert(!names_protocol_is_valid(-1, 0));
}
END_TEST

/* Every named HCI command with a fixed length has it recorded, and the
 * scanning commands have the lengths of the Core specification. */
START_TEST(test_hci_command_params)
{
        uint32_t op;

        ck_assert_int_eq(names_hci_command_from_string("le-set-scan-enable", &op), 0);
        ck_assert_int_eq(names_hci_command_params(op), 2);
        ck_assert_int_eq(names_hci_command_from_string("le-set-scan-parameters", &op), 0);
        ck_assert_int_eq(names_hci_command_params(op), 7);
        ck_assert_int_eq(names_hci_command_from_string("read-bd-addr", &op), 0);
        ck_assert_int_eq(names_hci_command_params(op), 0);
        ck_assert_int_eq(names_hci_command_from_string("le-set-ext-scan-parameters", &op), 0);
        ck_assert_int_eq(names_hci_command_params(op), -1);
        ck_assert_int_eq(names_hci_command_params(0xfc00), -1);
        for (op = 0; op <= 0xffff; op++)
                if (names_hci_command_params(op) >= 0)
                        ck_assert_ptr_nonnull(names_hci_command_to_string(op));
}
END_TEST

Suite *make_names_suite(void)
{
        Suite *s = suite_create("names");
        TCase *tc = tcase_create("names");

        tcase_set_timeout(tc, 60);

        tcase_add_loop_test(tc, test_family_from_string, 0, ELEMENTSOF(family_cases));
        tcase_add_loop_test(tc, test_family_to_string, 0, ELEMENTSOF(family_name_cases));
        tcase_add_loop_test(tc, test_type_from_string, 0, ELEMENTSOF(type_cases));
        tcase_add_test(tc, test_null_and_unknown);
        tcase_add_loop_test(tc, test_parse_uint, 0, ELEMENTSOF(uint_cases));
        tcase_add_loop_test(tc, test_protocol_from_string, 0, ELEMENTSOF(protocol_cases));
        tcase_add_loop_test(tc, test_protocol_to_string, 0, ELEMENTSOF(protocol_name_cases));
        tcase_add_test(tc, test_protocol_to_string_small);
        tcase_add_loop_test(tc, test_protocol_round_trip, 0, ELEMENTSOF(range_cases));
        tcase_add_test(tc, test_protocol_is_valid_unknown);
        tcase_add_test(tc, test_hci_command_params);
        suite_add_tcase(s, tc);
        return s;
}
