/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-policy.c - tests for policy/: parsing, compile errors with their
 * positions, evaluation and the index, export and import (including
 * corrupted images), and policy_load() with strict mode on real files:
 * the walk of each path from /, decided step by step by
 * policy_path_step(), on trees built under /tmp.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* memmem() */
#endif
#include <check.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <ftw.h>
#include <limits.h>
#include <linux/can.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "common/names.h"
#include "common/util.h"
#include "policy/policy-internal.h"
#include "policy/policy-compile.h"
#include "policy/policy-path.h"
#include "tests/check-suites.h"


/* Users and groups for the tests, so they do not depend on /etc. */
static const struct {
        const char *name;
        uint32_t id;
} test_users[] = {
        { "root", 0 }, { "alice", 1000 }, { "bob", 1001 }, { "guest", 1002 }, { "ptp", 990 },
}, test_groups[] = {
        { "root", 0 }, { "wireshark", 200 }, { "netmon", 201 }, { "staff", 50 },
        { "nogroup", 65534 },
};

static int test_lookup(const char *name, uint32_t *ret, bool group)
{
        size_t n = group ? ELEMENTSOF(test_groups) : ELEMENTSOF(test_users);

        if (strcmp(name, "broken") == 0)
                return -EIO;
        for (size_t i = 0; i < n; i++) {
                const char *s = group ? test_groups[i].name : test_users[i].name;

                if (strcmp(s, name) == 0) {
                        *ret = group ? test_groups[i].id : test_users[i].id;
                        return 0;
                }
        }
        return -ENOENT;
}

static int test_user(const char *name, uid_t *ret, void *userdata)
{
        (void)userdata;
        return test_lookup(name, ret, false);
}

static int test_group(const char *name, gid_t *ret, void *userdata)
{
        (void)userdata;
        return test_lookup(name, ret, true);
}

static const struct policy_resolver test_resolver = {
        .user = test_user,
        .group = test_group,
};

static int compile_len(const char *text, size_t len, policy **ret, char *msg, size_t size)
{
        struct policy_source src = { .name = "test.conf", .text = text, .len = len };
        struct policy_error err;
        int r;

        r = policy_compile(&src, 1, &test_resolver, ret, &err);
        if (msg) {
                msg[0] = '\0';
                if (r < 0)
                        ck_assert_int_eq(policy_error_format(&err, msg, size), 0);
        }
        return r;
}

static int compile(const char *text, policy **ret, char *msg, size_t size)
{
        return compile_len(text, strlen(text), ret, msg, size);
}

static policy *compile_ok(const char *text)
{
        policy *p = NULL;
        char msg[512];
        int r = compile(text, &p, msg, sizeof(msg));

        ck_assert_msg(r == 0, "'%s': %d: %s", text, r, msg);
        ck_assert_ptr_nonnull(p);
        return p;
}

/* Requests, by operation. */
#define OPEN(f, t, p, i) \
        { .op = POLICY_OP_OPEN, .family = (f), .type = (t), .protocol = (p), .ifname = (i) }
#define BIND(f, t, p, n) \
        { .op = POLICY_OP_BIND, .family = (f), .type = (t), .protocol = (p), .has_port = true, .port = (n) }
#define SETOPT(f, t, p, opt, v) \
        { .op = POLICY_OP_SETOPT, .family = (f), .type = (t), .protocol = (p), \
          .sockopt = POLICY_SOCKOPT_##opt, .value = (v) }
#define SETDEV(f, t, p, i) \
        { .op = POLICY_OP_SETOPT, .family = (f), .type = (t), .protocol = (p), \
          .sockopt = POLICY_SOCKOPT_BINDTODEVICE, .ifname = (i) }
#define LINK(i, lop, rate) \
        { .op = POLICY_OP_LINK, .family = AF_CAN, .ifname = (i), .link_op = (lop), .bitrate = (rate) }
#define HCI_COMMAND(d, opc) \
        { .op = POLICY_OP_HCI_COMMAND, .family = AF_BLUETOOTH, .dev = (d), .opcode = (opc) }
#define STATUS { .op = POLICY_OP_STATUS }
#define OPEN_ISOTP(i, rx, tx) \
        { .family = AF_CAN, .type = SOCK_DGRAM, .protocol = CAN_ISOTP, .ifname = (i), \
          .has_can_ids = true, .rx_id = (rx), .tx_id = (tx) }
#define OPEN_J1939(i, n, p, a) \
        { .family = AF_CAN, .type = SOCK_DGRAM, .protocol = CAN_J1939, .ifname = (i), \
          .has_j1939 = true, .j1939_name = (n), .j1939_pgn = (p), .j1939_addr = (a) }
#define OPEN_L2CAP(psm, d) \
        { .family = AF_BLUETOOTH, .type = SOCK_SEQPACKET, .protocol = BTPROTO_L2CAP, \
          .has_port = true, .port = (psm), .has_dev = true, .dev = (d) }
#define OPEN_HCI(c, d) \
        { .family = AF_BLUETOOTH, .type = SOCK_RAW, .protocol = BTPROTO_HCI, \
          .has_channel = true, .channel = (c), .has_dev = true, .dev = (d) }
#define OPEN_RFCOMM(c) \
        { .family = AF_BLUETOOTH, .type = SOCK_STREAM, .protocol = BTPROTO_RFCOMM, \
          .has_channel = true, .channel = (c) }

/* BlueZ's numbers, which the kernel UAPI headers do not have. */
enum { BTPROTO_L2CAP = 0, BTPROTO_HCI = 1, BTPROTO_RFCOMM = 3 };
enum { HCI_RAW = 0, HCI_USER = 1, HCI_MONITOR = 2, HCI_CONTROL = 3 };

/* ---- Valid rules: what each word compiles to. ---- */

#define NO_ID (-1)

static const struct parse_case {
        const char *text;
        bool allow;
        bool everyone;
        int64_t uid;
        int64_t gid;
        const char *unit;
        const char *cgroup;
        int family;
        int type;
        uint32_t n_protocols;
        uint32_t protocols[10];
        uint32_t n_ifaces;
        const char *ifaces[4];
} parse_cases[] = {
        { .text = "allow everyone any", .allow = true, .everyone = true, .uid = NO_ID, .gid = NO_ID },
        { .text = "deny everyone any", .everyone = true, .uid = NO_ID, .gid = NO_ID },
        { .text = "allow user=alice inet raw proto=icmp", .allow = true, .uid = 1000, .gid = NO_ID,
          .family = AF_INET, .type = SOCK_RAW, .n_protocols = 1, .protocols = { IPPROTO_ICMP } },
        { .text = "allow uid=1000 inet raw", .allow = true, .uid = 1000, .gid = NO_ID,
          .family = AF_INET, .type = SOCK_RAW },
        { .text = "allow uid=0x3e8 inet", .allow = true, .uid = 1000, .gid = NO_ID, .family = AF_INET },
        { .text = "allow uid=0 inet", .allow = true, .uid = 0, .gid = NO_ID, .family = AF_INET },
        { .text = "allow uid=4294967294 inet", .allow = true, .uid = 4294967294u, .gid = NO_ID,
          .family = AF_INET },
        { .text = "allow group=wireshark packet raw proto=all iface=eth0,veth*", .allow = true,
          .uid = NO_ID, .gid = 200, .family = AF_PACKET, .type = SOCK_RAW,
          .n_protocols = 1, .protocols = { ETH_P_ALL }, .n_ifaces = 2, .ifaces = { "eth0", "veth*" } },
        { .text = "allow gid=201 inet6 raw proto=ipv6-icmp", .allow = true, .uid = NO_ID, .gid = 201,
          .family = AF_INET6, .type = SOCK_RAW, .n_protocols = 1, .protocols = { 58 } },
        { .text = "allow user=ptp packet dgram proto=0x88f7 iface=eth1", .allow = true, .uid = 990,
          .gid = NO_ID, .family = AF_PACKET, .type = SOCK_DGRAM, .n_protocols = 1,
          .protocols = { ETH_P_1588 }, .n_ifaces = 1, .ifaces = { "eth1" } },
        { .text = "allow group=netmon unit=mon.service inet raw proto=icmp iface=eth0", .allow = true,
          .uid = NO_ID, .gid = 201, .unit = "mon.service", .family = AF_INET, .type = SOCK_RAW,
          .n_protocols = 1, .protocols = { 1 }, .n_ifaces = 1, .ifaces = { "eth0" } },
        { .text = "allow cgroup=/system.slice/mon.service inet raw", .allow = true, .uid = NO_ID,
          .gid = NO_ID, .cgroup = "/system.slice/mon.service", .family = AF_INET, .type = SOCK_RAW },
        { .text = "allow cgroup=/ any", .allow = true, .uid = NO_ID, .gid = NO_ID, .cgroup = "/" },
        { .text = "deny user=alice group=netmon unit=a.service cgroup=/a inet raw", .uid = 1000,
          .gid = 201, .unit = "a.service", .cgroup = "/a", .family = AF_INET, .type = SOCK_RAW },
        { .text = "deny gid=7 uid=8 inet", .uid = 8, .gid = 7, .family = AF_INET },
        { .text = "\tallow   everyone\tinet  raw  # comment proto=x", .allow = true, .everyone = true,
          .uid = NO_ID, .gid = NO_ID, .family = AF_INET, .type = SOCK_RAW },
        { .text = "allow everyone inet raw proto=icmp # trailing", .allow = true, .everyone = true,
          .uid = NO_ID, .gid = NO_ID, .family = AF_INET, .type = SOCK_RAW, .n_protocols = 1,
          .protocols = { 1 } },
        { .text = "allow everyone inet raw proto=icmp,igmp,6,0x11", .allow = true, .everyone = true,
          .uid = NO_ID, .gid = NO_ID, .family = AF_INET, .type = SOCK_RAW, .n_protocols = 4,
          .protocols = { 1, 2, 6, 17 } },
        { .text = "allow everyone packet raw proto=1588", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .family = AF_PACKET, .type = SOCK_RAW, .n_protocols = 1,
          .protocols = { 0x88f7 } },
        { .text = "allow everyone packet dgram proto=lldp,eapol,8021q,8021ad,mpls,pppoe,arp,ipv6,ip",
          .allow = true, .everyone = true, .uid = NO_ID, .gid = NO_ID, .family = AF_PACKET,
          .type = SOCK_DGRAM, .n_protocols = 9,
          .protocols = { 0x88cc, 0x888e, 0x8100, 0x88a8, 0x8847, 0x8864, 0x0806, 0x86dd, 0x0800 } },
        { .text = "allow everyone packet raw proto=0xffff,0", .allow = true, .everyone = true,
          .uid = NO_ID, .gid = NO_ID, .family = AF_PACKET, .type = SOCK_RAW, .n_protocols = 2,
          .protocols = { 0xffff, 0 } },
        { .text = "allow everyone can raw proto=raw", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .family = AF_CAN, .type = SOCK_RAW, .n_protocols = 1, .protocols = { 1 } },
        { .text = "allow everyone can dgram proto=bcm,isotp,j1939", .allow = true, .everyone = true,
          .uid = NO_ID, .gid = NO_ID, .family = AF_CAN, .type = SOCK_DGRAM, .n_protocols = 3,
          .protocols = { 2, 6, 7 } },
        { .text = "allow everyone bluetooth seqpacket proto=l2cap", .allow = true, .everyone = true,
          .uid = NO_ID, .gid = NO_ID, .family = AF_BLUETOOTH, .type = SOCK_SEQPACKET,
          .n_protocols = 1, .protocols = { 0 } },
        { .text = "allow everyone bt raw proto=hci", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .family = AF_BLUETOOTH, .type = SOCK_RAW, .n_protocols = 1, .protocols = { 1 } },
        { .text = "allow everyone inet any proto=tcp", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .family = AF_INET, .n_protocols = 1, .protocols = { 6 } },
        { .text = "allow everyone inet6 stream", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .family = AF_INET6, .type = SOCK_STREAM },
        { .text = "allow everyone inet seqpacket proto=sctp", .allow = true, .everyone = true,
          .uid = NO_ID, .gid = NO_ID, .family = AF_INET, .type = SOCK_SEQPACKET, .n_protocols = 1,
          .protocols = { 132 } },
        { .text = "allow everyone any any iface=eth0", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .n_ifaces = 1, .ifaces = { "eth0" } },
        { .text = "allow everyone any stream", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .type = SOCK_STREAM },
        { .text = "allow everyone inet raw iface=eth[0-9],wl?,*,abcdefghijklmno", .allow = true,
          .everyone = true, .uid = NO_ID, .gid = NO_ID, .family = AF_INET, .type = SOCK_RAW,
          .n_ifaces = 4, .ifaces = { "eth[0-9]", "wl?", "*", "abcdefghijklmno" } },
        { .text = "allow everyone inet raw iface=eth#0", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .family = AF_INET, .type = SOCK_RAW, .n_ifaces = 1, .ifaces = { "eth#0" } },
        { .text = "allow everyone inet raw iface=eth0 proto=icmp", .allow = true, .everyone = true,
          .uid = NO_ID, .gid = NO_ID, .family = AF_INET, .type = SOCK_RAW, .n_protocols = 1,
          .protocols = { 1 }, .n_ifaces = 1, .ifaces = { "eth0" } },
        { .text = "allow unit=foo@bar.service inet raw", .allow = true, .uid = NO_ID, .gid = NO_ID,
          .unit = "foo@bar.service", .family = AF_INET, .type = SOCK_RAW },
        { .text = "allow everyone inet raw proto=255", .allow = true, .everyone = true, .uid = NO_ID,
          .gid = NO_ID, .family = AF_INET, .type = SOCK_RAW, .n_protocols = 1, .protocols = { 255 } },
        { .text = "allow group=nogroup inet raw proto=icmp", .allow = true, .uid = NO_ID, .gid = 65534,
          .family = AF_INET, .type = SOCK_RAW, .n_protocols = 1, .protocols = { 1 } },
        { .text = "# comment\n\n   \n\tallow everyone inet raw\n# after", .allow = true,
          .everyone = true, .uid = NO_ID, .gid = NO_ID, .family = AF_INET, .type = SOCK_RAW },
};

static void assert_rule(const struct policy_rule *rule, const struct parse_case *c)
{
        ck_assert_int_eq(rule->allow, c->allow);
        ck_assert_int_eq(rule->everyone, c->everyone);
        ck_assert_int_eq(rule->has_uid, c->uid != NO_ID);
        if (c->uid != NO_ID)
                ck_assert_uint_eq(rule->uid, (uint32_t)c->uid);
        ck_assert_int_eq(rule->has_gid, c->gid != NO_ID);
        if (c->gid != NO_ID)
                ck_assert_uint_eq(rule->gid, (uint32_t)c->gid);
        if (c->unit)
                ck_assert_str_eq(rule->unit, c->unit);
        else
                ck_assert_ptr_null(rule->unit);
        if (c->cgroup)
                ck_assert_str_eq(rule->cgroup, c->cgroup);
        else
                ck_assert_ptr_null(rule->cgroup);
        ck_assert_int_eq(rule->family, c->family);
        ck_assert_int_eq(rule->type, c->type);
        ck_assert_uint_eq(rule->n_protocols, c->n_protocols);
        for (uint32_t i = 0; i < c->n_protocols; i++)
                ck_assert_uint_eq(rule->protocols[i], c->protocols[i]);
        ck_assert_uint_eq(rule->n_ifaces, c->n_ifaces);
        for (uint32_t i = 0; i < c->n_ifaces; i++)
                ck_assert_str_eq(rule->ifaces[i], c->ifaces[i]);
}

START_TEST(test_parse)
{
        const struct parse_case *c = &parse_cases[_i];
        _cleanup_(policy_freep) policy *p = compile_ok(c->text);
        const struct policy_rule *rule;

        ck_assert_uint_eq(policy_n_rules(p), 1);
        ck_assert_uint_eq(policy_n_files(p), 1);
        ck_assert_str_eq(policy_get_file(p, 0), "test.conf");
        rule = policy_get_rule(p, 0);
        ck_assert_ptr_nonnull(rule);
        ck_assert_uint_eq(rule->index, 0);
        ck_assert_str_eq(rule->file, "test.conf");
        assert_rule(rule, c);
}
END_TEST

/* Every valid policy survives export and import unchanged, and its image
 * is canonical: exporting the import gives the same bytes. */
START_TEST(test_parse_round_trip)
{
        const struct parse_case *c = &parse_cases[_i];
        _cleanup_(policy_freep) policy *p = compile_ok(c->text);
        _cleanup_(policy_freep) policy *q = NULL;
        _cleanup_free_ void *a = NULL, *b = NULL;
        size_t a_len, b_len;

        ck_assert_int_eq(policy_export(p, &a, &a_len), 0);
        ck_assert_int_eq(policy_import(a, a_len, &q), 0);
        ck_assert_uint_eq(policy_n_rules(q), 1);
        ck_assert_str_eq(policy_get_file(q, 0), "test.conf");
        assert_rule(policy_get_rule(q, 0), c);
        ck_assert_uint_eq(policy_get_rule(q, 0)->line, policy_get_rule(p, 0)->line);
        ck_assert_int_eq(policy_export(q, &b, &b_len), 0);
        ck_assert_uint_eq(a_len, b_len);
        ck_assert_mem_eq(a, b, a_len);
}
END_TEST

/* ---- The words of operations, namespaces and addresses. ---- */

#define MAX_EXPECT 8
#define R(lo, hi) { (lo), (hi) }
#define CLIENT POLICY_NETNS_CLIENT
#define HOST POLICY_NETNS_HOST
#define BIT(opt) (1u << POLICY_SOCKOPT_##opt)
#define ALL_U32 R(0, UINT32_MAX)
#define ALL_INT R(0, INT32_MAX)

struct ranges_expect {
        uint32_t n;
        struct policy_range r[MAX_EXPECT];
};

static const struct word_case {
        const char *text;
        enum policy_netns effective;    /* policy_rule_netns() */
        bool admin;
        enum policy_netns netns;
        struct ranges_expect ports, bitrates, rx, tx, addrs, pgns, names, devs, channels;
        uint32_t sockopts;
        struct policy_range sockopt_range[_POLICY_SOCKOPT_MAX];
        uint32_t link_ops;
        bool can_fd;
        uint32_t hci_channels;
        uint32_t n_events;
        uint8_t events[MAX_EXPECT];
        uint32_t n_commands;
        uint16_t commands[MAX_EXPECT];
} word_cases[] = {
        /* defaults */
        { "allow everyone inet raw", CLIENT },
        { "allow everyone inet6 dgram", CLIENT },
        { "allow everyone packet raw", CLIENT },
        { "allow everyone any", CLIENT },
        { "allow everyone can raw", HOST },
        { "allow everyone bluetooth raw", HOST },
        { "deny everyone inet raw", CLIENT },
        /* netns= */
        { "allow everyone inet raw netns=host", HOST, .netns = HOST },
        { "allow everyone inet raw netns=client", CLIENT, .netns = CLIENT },
        { "allow everyone packet raw netns=host", HOST, .netns = HOST },
        { "allow everyone any netns=host", HOST, .netns = HOST },
        { "allow everyone can raw netns=client", CLIENT, .netns = CLIENT },
        { "allow everyone can raw netns=host", HOST, .netns = HOST },
        { "allow everyone bluetooth raw netns=host", HOST, .netns = HOST },
        /* admin */
        { "allow everyone admin", HOST, .admin = true },
        { "deny uid=5 admin", HOST, .admin = true },
        { "allow group=wireshark admin # status", HOST, .admin = true },
        /* bind= */
        { "allow everyone inet stream bind=80", CLIENT, .ports = { 1, { R(80, 80) } } },
        { "allow everyone inet6 stream proto=tcp bind=80,443,8000-8080,0x1f90", CLIENT,
          .ports = { 4, { R(80, 80), R(443, 443), R(8000, 8080), R(8080, 8080) } } },
        { "allow everyone inet dgram bind=0-65535,0,65535", CLIENT,
          .ports = { 3, { R(0, 65535), R(0, 0), R(65535, 65535) } } },
        { "allow everyone bluetooth seqpacket proto=l2cap bind=0x1001-0x10ff,0x19", HOST,
          .ports = { 2, { R(0x1001, 0x10ff), R(0x19, 0x19) } } },
        { "allow everyone bt seqpacket bind=0xffff", HOST, .ports = { 1, { R(0xffff, 0xffff) } } },
        { "allow everyone inet stream bind=80 netns=host iface=eth0 proto=tcp", HOST, .netns = HOST,
          .ports = { 1, { R(80, 80) } } },
        /* option= */
        { "allow everyone inet raw option=mark", CLIENT, .sockopts = BIT(MARK),
          .sockopt_range = { [POLICY_SOCKOPT_MARK] = ALL_U32 } },
        { "allow everyone inet raw option=mark:1-10,priority:6,rcvbufforce,sndbufforce:0-0x100000,bindtodevice",
          CLIENT,
          .sockopts = BIT(MARK) | BIT(PRIORITY) | BIT(RCVBUFFORCE) | BIT(SNDBUFFORCE) | BIT(BINDTODEVICE),
          .sockopt_range = { [POLICY_SOCKOPT_MARK] = R(1, 10), [POLICY_SOCKOPT_PRIORITY] = R(6, 6),
                             [POLICY_SOCKOPT_RCVBUFFORCE] = ALL_INT,
                             [POLICY_SOCKOPT_SNDBUFFORCE] = R(0, 0x100000) } },
        { "allow everyone packet raw option=bindtodevice iface=eth*", CLIENT, .sockopts = BIT(BINDTODEVICE) },
        { "allow everyone can raw option=priority:0-7", HOST, .sockopts = BIT(PRIORITY),
          .sockopt_range = { [POLICY_SOCKOPT_PRIORITY] = R(0, 7) } },
        { "allow everyone bluetooth seqpacket option=priority", HOST, .sockopts = BIT(PRIORITY),
          .sockopt_range = { [POLICY_SOCKOPT_PRIORITY] = ALL_INT } },
        { "allow everyone inet6 raw option=mark:4294967295,priority:2147483647", CLIENT,
          .sockopts = BIT(MARK) | BIT(PRIORITY),
          .sockopt_range = { [POLICY_SOCKOPT_MARK] = R(UINT32_MAX, UINT32_MAX),
                             [POLICY_SOCKOPT_PRIORITY] = R(INT32_MAX, INT32_MAX) } },
        /* link= and bitrate= */
        { "allow everyone can link=up,down", HOST, .link_ops = POLICY_LINK_UP | POLICY_LINK_DOWN },
        { "allow everyone can link=bitrate,up bitrate=125000,250000-500000,1000000", HOST,
          .link_ops = POLICY_LINK_BITRATE | POLICY_LINK_UP,
          .bitrates = { 3, { R(125000, 125000), R(250000, 500000), R(1000000, 1000000) } } },
        { "allow everyone can raw link=bitrate bitrate=1-16000000 iface=can*", HOST,
          .link_ops = POLICY_LINK_BITRATE, .bitrates = { 1, { R(1, 16000000) } } },
        /* CAN addresses */
        { "allow everyone can dgram proto=isotp rx=0x7e8 tx=0x7e0", HOST,
          .rx = { 1, { R(0x7e8, 0x7e8) } }, .tx = { 1, { R(0x7e0, 0x7e0) } } },
        { "allow everyone can dgram proto=isotp rx=0x700-0x7ff,0x18da00f1 tx=0-0x1fffffff", HOST,
          .rx = { 2, { R(0x700, 0x7ff), R(0x18da00f1, 0x18da00f1) } },
          .tx = { 1, { R(0, 0x1fffffff) } } },
        { "allow everyone can dgram proto=j1939 addr=0x80-0x8f,0xfe pgn=0xfeca,0xef00-0xefff "
          "name=0x1234,0x8000000000000000-0xffffffffffffffff", HOST,
          .addrs = { 2, { R(0x80, 0x8f), R(0xfe, 0xfe) } },
          .pgns = { 2, { R(0xfeca, 0xfeca), R(0xef00, 0xefff) } },
          .names = { 2, { R(0x1234, 0x1234), R(UINT64_C(0x8000000000000000), UINT64_MAX) } } },
        { "allow everyone can dgram proto=j1939 addr=255 pgn=0x3ffff name=18446744073709551615", HOST,
          .addrs = { 1, { R(255, 255) } }, .pgns = { 1, { R(0x3ffff, 0x3ffff) } },
          .names = { 1, { R(UINT64_MAX, UINT64_MAX) } } },
        { "allow everyone can raw fd=yes", HOST, .can_fd = true },
        { "allow everyone can raw fd=no", HOST },
        /* Bluetooth */
        { "allow everyone bluetooth raw proto=hci dev=0,2-3 hci=raw,user,monitor,control", HOST,
          .devs = { 2, { R(0, 0), R(2, 3) } }, .hci_channels = 0xf },
        { "allow everyone bt raw proto=hci hci=monitor", HOST, .hci_channels = 1u << HCI_MONITOR },
        { "allow everyone bluetooth stream proto=rfcomm channel=1,5-30", HOST,
          .channels = { 2, { R(1, 1), R(5, 30) } } },
        { "allow everyone bluetooth raw proto=hci events=le-meta,command-complete,command-status,"
          "inquiry-result,0x05,255", HOST,
          .n_events = 6, .events = { 0x3e, 0x0e, 0x0f, 0x02, 0x05, 0xff } },
        { "allow everyone bluetooth raw proto=hci command=le-set-scan-parameters,le-set-scan-enable,"
          "read-bd-addr,reset,read-local-version,le-set-ext-scan-parameters,le-set-ext-scan-enable,0xfc00",
          HOST, .n_commands = 8,
          .commands = { 0x200b, 0x200c, 0x1009, 0x0c03, 0x1001, 0x2041, 0x2042, 0xfc00 } },
        { "allow group=wireshark bluetooth raw proto=hci hci=raw events=le-meta,command-complete,"
          "command-status command=le-set-scan-parameters,le-set-scan-enable dev=0", HOST,
          .hci_channels = 1u << HCI_RAW, .devs = { 1, { R(0, 0) } },
          .n_events = 3, .events = { 0x3e, 0x0e, 0x0f },
          .n_commands = 2, .commands = { 0x200b, 0x200c } },
};

static void assert_ranges(const char *what, const struct policy_range *r, uint32_t n,
                          const struct ranges_expect *e)
{
        ck_assert_msg(n == e->n, "%s: %u ranges, expected %u", what, n, e->n);
        for (uint32_t i = 0; i < n; i++) {
                ck_assert_msg(r[i].lo == e->r[i].lo && r[i].hi == e->r[i].hi,
                              "%s[%u]: %" PRIu64 "-%" PRIu64 ", expected %" PRIu64 "-%" PRIu64,
                              what, i, r[i].lo, r[i].hi, e->r[i].lo, e->r[i].hi);
        }
}

static void assert_words(const struct policy_rule *rule, const struct word_case *c)
{
        ck_assert_int_eq(rule->admin, c->admin);
        if (c->admin)
                ck_assert_int_eq(rule->family, 0);
        ck_assert_int_eq(rule->netns, c->netns);
        ck_assert_int_eq(policy_rule_netns(rule), c->effective);
        assert_ranges("ports", rule->ports, rule->n_ports, &c->ports);
        ck_assert_uint_eq(rule->sockopts, c->sockopts);
        for (size_t i = 0; i < _POLICY_SOCKOPT_MAX; i++) {
                ck_assert_uint_eq(rule->sockopt_range[i].lo, c->sockopt_range[i].lo);
                ck_assert_uint_eq(rule->sockopt_range[i].hi, c->sockopt_range[i].hi);
        }
        ck_assert_uint_eq(rule->link_ops, c->link_ops);
        assert_ranges("bitrates", rule->bitrates, rule->n_bitrates, &c->bitrates);
        assert_ranges("rx", rule->rx, rule->n_rx, &c->rx);
        assert_ranges("tx", rule->tx, rule->n_tx, &c->tx);
        assert_ranges("addrs", rule->addrs, rule->n_addrs, &c->addrs);
        assert_ranges("pgns", rule->pgns, rule->n_pgns, &c->pgns);
        assert_ranges("names", rule->names, rule->n_names, &c->names);
        ck_assert_int_eq(rule->can_fd, c->can_fd);
        assert_ranges("devs", rule->devs, rule->n_devs, &c->devs);
        ck_assert_uint_eq(rule->hci_channels, c->hci_channels);
        assert_ranges("channels", rule->channels, rule->n_channels, &c->channels);
        ck_assert_uint_eq(rule->n_events, c->n_events);
        for (uint32_t i = 0; i < c->n_events; i++)
                ck_assert_uint_eq(rule->events[i], c->events[i]);
        ck_assert_uint_eq(rule->n_commands, c->n_commands);
        for (uint32_t i = 0; i < c->n_commands; i++)
                ck_assert_uint_eq(rule->commands[i], c->commands[i]);
}

START_TEST(test_words)
{
        const struct word_case *c = &word_cases[_i];
        _cleanup_(policy_freep) policy *p = compile_ok(c->text);

        ck_assert_uint_eq(policy_n_rules(p), 1);
        assert_words(policy_get_rule(p, 0), c);
}
END_TEST

/* The new words survive export and import, and their image is canonical. */
START_TEST(test_words_round_trip)
{
        const struct word_case *c = &word_cases[_i];
        _cleanup_(policy_freep) policy *p = compile_ok(c->text);
        _cleanup_(policy_freep) policy *q = NULL;
        _cleanup_free_ void *a = NULL, *b = NULL;
        size_t a_len, b_len;

        ck_assert_int_eq(policy_export(p, &a, &a_len), 0);
        ck_assert_int_eq(policy_import(a, a_len, &q), 0);
        assert_words(policy_get_rule(q, 0), c);
        ck_assert_int_eq(policy_export(q, &b, &b_len), 0);
        ck_assert_uint_eq(a_len, b_len);
        ck_assert_mem_eq(a, b, a_len);
        ck_assert_uint_eq(policy_capabilities(q), policy_capabilities(p));
}
END_TEST

/* The HCI names of events= and command=, both ways. */
START_TEST(test_hci_names)
{
        static const struct {
                const char *name;
                uint32_t value;
        } events[] = {
                { "le-meta", 0x3e }, { "command-complete", 0x0e }, { "command-status", 0x0f },
                { "inquiry-result", 0x02 }, { "vendor", 0xff },
        }, commands[] = {
                { "le-set-scan-parameters", 0x200b }, { "le-set-scan-enable", 0x200c },
                { "read-bd-addr", 0x1009 }, { "reset", 0x0c03 }, { "read-local-version", 0x1001 },
                { "le-set-ext-scan-parameters", 0x2041 }, { "le-set-ext-scan-enable", 0x2042 },
        };
        uint32_t v;

        for (size_t i = 0; i < ELEMENTSOF(events); i++) {
                ck_assert_int_eq(names_hci_event_from_string(events[i].name, &v), 0);
                ck_assert_uint_eq(v, events[i].value);
                ck_assert_str_eq(names_hci_event_to_string(events[i].value), events[i].name);
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                ck_assert_int_eq(names_hci_command_from_string(commands[i].name, &v), 0);
                ck_assert_uint_eq(v, commands[i].value);
                ck_assert_str_eq(names_hci_command_to_string(commands[i].value), commands[i].name);
        }
        ck_assert_int_eq(names_hci_event_from_string("0xff", &v), 0);
        ck_assert_uint_eq(v, 0xff);
        ck_assert_int_eq(names_hci_event_from_string("0x100", &v), -ERANGE);
        ck_assert_int_eq(names_hci_event_from_string("LE-META", &v), -EINVAL);
        ck_assert_int_eq(names_hci_event_from_string(NULL, &v), -EINVAL);
        ck_assert_int_eq(names_hci_command_from_string("0xffff", NULL), 0);
        ck_assert_int_eq(names_hci_command_from_string("65536", &v), -ERANGE);
        ck_assert_int_eq(names_hci_command_from_string("", &v), -EINVAL);
        ck_assert_ptr_null(names_hci_event_to_string(0x00));
        ck_assert_ptr_null(names_hci_command_to_string(0xfc00));
}
END_TEST

/* ---- Errors: exact position and text. ---- */

static const struct {
        const char *text;
        int r;                  /* 0 means -EINVAL */
        const char *error;
} error_cases[] = {
        { "foo everyone any", 0, "test.conf:1:1: expected 'allow' or 'deny', got 'foo'" },
        { "ALLOW everyone any", 0, "test.conf:1:1: expected 'allow' or 'deny', got 'ALLOW'" },
        { "allow inet raw", 0, "test.conf:1:7: rule has no selector; use 'everyone' to match every peer" },
        { "allow", 0, "test.conf:1:6: rule has no selector; use 'everyone' to match every peer" },
        { "deny", 0, "test.conf:1:5: rule has no selector; use 'everyone' to match every peer" },
        { "allow everyone", 0, "test.conf:1:15: missing family" },
        { "allow everyone # any", 0, "test.conf:1:15: missing family" },
        { "allow uid=1", 0, "test.conf:1:12: missing family" },
        { "allow user=alice unit=a.service # inet", 0, "test.conf:1:32: missing family" },
        { "allow everyone foo", 0, "test.conf:1:16: unknown family 'foo'" },
        { "allow everyone unix", 0, "test.conf:1:16: family 'unix' cannot be used in rules" },
        { "allow everyone netlink", 0, "test.conf:1:16: family 'netlink' cannot be used in rules" },
        { "allow everyone inet foo", 0, "test.conf:1:21: unknown type 'foo'" },
        { "allow everyone inet raw#c", 0, "test.conf:1:21: unknown type 'raw#c'" },
        { "allow everyone inet rdm", 0, "test.conf:1:21: type 'rdm' cannot be used in rules" },
        { "allow everyone packet stream", 0,
          "test.conf:1:23: type 'stream' is not valid for family 'packet'" },
        { "allow everyone can seqpacket", 0,
          "test.conf:1:20: type 'seqpacket' is not valid for family 'can'" },
        { "allow everyone inet raw dgram", 0,
          "test.conf:1:25: expected an option (key=value), got 'dgram'" },
        { "  allow everyone inet raw proto=icmp iface=eth0 extra", 0,
          "test.conf:1:49: expected an option (key=value), got 'extra'" },
        { "allow everyone inet raw foo=bar", 0, "test.conf:1:25: unknown option 'foo'" },
        { "allow everyone inet raw =x", 0, "test.conf:1:25: missing name before '='" },
        { "allow everyone inet raw proto=icmp proto=tcp", 0, "test.conf:1:36: duplicate option 'proto'" },
        { "allow everyone inet raw iface=eth0 iface=eth1", 0, "test.conf:1:36: duplicate option 'iface'" },
        { "allow everyone any proto=icmp", 0, "test.conf:1:20: proto= needs a family" },
        { "allow everyone any stream proto=tcp", 0, "test.conf:1:27: proto= needs a family" },
        { "allow everyone inet raw proto=icmp,,tcp", 0, "test.conf:1:36: empty item in list" },
        { "allow everyone inet raw proto=icmp,", 0, "test.conf:1:36: empty item in list" },
        { "allow everyone inet raw proto=", 0, "test.conf:1:31: empty item in list" },
        { "allow everyone inet raw iface=", 0, "test.conf:1:31: empty item in list" },
        { "allow everyone inet raw iface=eth0,,eth1", 0, "test.conf:1:36: empty item in list" },
        { "allow\teveryone\tinet\traw\tproto=icmp,", 0, "test.conf:1:36: empty item in list" },
        { "allow everyone inet raw proto=bogus", 0,
          "test.conf:1:31: unknown protocol 'bogus' for family 'inet'" },
        { "allow everyone inet raw proto=icmp,bogus", 0,
          "test.conf:1:36: unknown protocol 'bogus' for family 'inet'" },
        { "allow everyone inet raw proto=256", 0,
          "test.conf:1:31: protocol '256' is out of range for family 'inet'" },
        { "allow everyone inet raw proto=arp", 0,
          "test.conf:1:31: unknown protocol 'arp' for family 'inet'" },
        { "allow everyone packet raw proto=0x10000", 0,
          "test.conf:1:33: protocol '0x10000' is out of range for family 'packet'" },
        { "allow everyone packet raw proto=icmp", 0,
          "test.conf:1:33: unknown protocol 'icmp' for family 'packet'" },
        { "allow everyone can raw proto=0x100", 0,
          "test.conf:1:30: protocol '0x100' is out of range for family 'can'" },
        { "allow everyone bluetooth raw proto=rfcomm,bogus", 0,
          "test.conf:1:43: unknown protocol 'bogus' for family 'bluetooth'" },
        { "allow everyone bt seqpacket proto=tcp", 0,
          "test.conf:1:35: unknown protocol 'tcp' for family 'bluetooth'" },
        { "allow everyone inet raw iface=eth0,a/b", 0,
          "test.conf:1:36: invalid interface name or glob 'a/b': contains '/', ':' or ','" },
        { "allow everyone inet raw iface=abcdefghijklmnop", 0,
          "test.conf:1:31: invalid interface name or glob 'abcdefghijklmnop': longer than 15 characters" },
        { "allow everyone inet raw iface=eth0:1", 0,
          "test.conf:1:31: invalid interface name or glob 'eth0:1': contains '/', ':' or ','" },
        { "allow everyone inet raw iface=..", 0,
          "test.conf:1:31: invalid interface name or glob '..': not an interface name" },
        { "allow user=nobody inet raw", 0, "test.conf:1:7: unknown user 'nobody'" },
        { "allow group=nope inet raw", 0, "test.conf:1:7: unknown group 'nope'" },
        { "allow user=broken inet", -EIO, "test.conf:1:7: cannot resolve user 'broken': Input/output error" },
        { "allow group=broken inet", -EIO,
          "test.conf:1:7: cannot resolve group 'broken': Input/output error" },
        { "allow uid=1 user=alice inet", 0, "test.conf:1:13: duplicate selector 'user'" },
        { "allow user=alice uid=1 inet", 0, "test.conf:1:18: duplicate selector 'uid'" },
        { "allow gid=1 gid=2 inet", 0, "test.conf:1:13: duplicate selector 'gid'" },
        { "allow group=netmon gid=2 inet", 0, "test.conf:1:20: duplicate selector 'gid'" },
        { "allow unit=a.service unit=b.service inet", 0, "test.conf:1:22: duplicate selector 'unit'" },
        { "allow cgroup=/a cgroup=/b inet", 0, "test.conf:1:17: duplicate selector 'cgroup'" },
        { "allow everyone everyone inet", 0, "test.conf:1:16: duplicate selector 'everyone'" },
        { "allow everyone uid=1 inet", 0,
          "test.conf:1:16: 'everyone' cannot be combined with other selectors" },
        { "allow uid=1 everyone inet", 0,
          "test.conf:1:13: 'everyone' cannot be combined with other selectors" },
        { "allow user=alice group=netmon unit=x.service cgroup=/x everyone inet", 0,
          "test.conf:1:56: 'everyone' cannot be combined with other selectors" },
        { "allow uid=abc inet", 0, "test.conf:1:7: invalid uid 'abc'" },
        { "allow uid=4294967295 inet", 0, "test.conf:1:7: uid '4294967295' is out of range" },
        { "allow uid=99999999999999999999999 inet", 0,
          "test.conf:1:7: uid '99999999999999999999999' is out of range" },
        { "allow uid=-1 inet", 0, "test.conf:1:7: invalid uid '-1'" },
        { "allow uid=0100 inet", 0, "test.conf:1:7: invalid uid '0100'" },
        { "allow gid=0x inet", 0, "test.conf:1:7: invalid gid '0x'" },
        { "allow gid=4294967295 inet", 0, "test.conf:1:7: gid '4294967295' is out of range" },
        { "allow uid= inet", 0, "test.conf:1:7: missing value for 'uid'" },
        { "allow group= inet", 0, "test.conf:1:7: missing value for 'group'" },
        { "allow foo=bar inet", 0, "test.conf:1:7: unknown selector 'foo'" },
        { "allow =bar inet", 0, "test.conf:1:7: missing name before '='" },
        { "allow everyone proto=icmp", 0, "test.conf:1:16: missing family before option 'proto'" },
        { "allow everyone inet raw user=alice", 0,
          "test.conf:1:25: selector 'user' must come before the family" },
        { "allow unit=foo inet", 0,
          "test.conf:1:7: invalid unit name 'foo': has no type suffix, like .service" },
        { "allow unit=.service inet", 0,
          "test.conf:1:7: invalid unit name '.service': has no type suffix, like .service" },
        { "allow unit=a/b.service inet", 0,
          "test.conf:1:7: invalid unit name 'a/b.service': contains a character not valid in a unit name" },
        { "allow cgroup=system.slice inet", 0,
          "test.conf:1:7: invalid cgroup path 'system.slice': does not start with '/'" },
        { "allow cgroup=/a//b inet", 0,
          "test.conf:1:7: invalid cgroup path '/a//b': has an empty component or a trailing '/'" },
        { "allow cgroup=/a/ inet", 0,
          "test.conf:1:7: invalid cgroup path '/a/': has an empty component or a trailing '/'" },
        { "allow cgroup=/a/../b inet", 0,
          "test.conf:1:7: invalid cgroup path '/a/../b': has a '.' or '..' component" },
        { "allow cgroup=/a/. inet", 0,
          "test.conf:1:7: invalid cgroup path '/a/.': has a '.' or '..' component" },
        { "allow everyone inet raw\r", 0, "test.conf:1:24: invalid character 0x0d" },
        { "allow everyone inet\x01", 0, "test.conf:1:20: invalid character 0x01" },
        { "allow everyone\vinet", 0, "test.conf:1:15: invalid character 0x0b" },
        { "allow everyone inet raw iface=\xc3\xa9", 0, "test.conf:1:31: invalid character 0xc3" },
        { "allow everyone inet raw\x7f", 0, "test.conf:1:24: invalid character 0x7f" },
        { "# ok\n\nallow everyone inet raw\nbad", 0,
          "test.conf:4:1: expected 'allow' or 'deny', got 'bad'" },
        { "# comment \xc3\xa9 \x01 is fine\nallow everyone\n", 0, "test.conf:2:15: missing family" },
        { "allow everyone inet\r\nallow everyone inet\r\n", 0, "test.conf:1:20: invalid character 0x0d" },
        { "allow everyone packet raw bind=80", 0,
          "test.conf:1:27: bind= needs family inet, inet6 or bluetooth" },
        { "allow everyone can raw bind=80", 0,
          "test.conf:1:24: bind= needs family inet, inet6 or bluetooth" },
        { "allow everyone any bind=80", 0,
          "test.conf:1:20: bind= needs family inet, inet6 or bluetooth" },
        { "allow everyone inet stream bind=", 0,
          "test.conf:1:33: empty item in list" },
        { "allow everyone inet stream bind=80,,81", 0,
          "test.conf:1:36: empty item in list" },
        { "allow everyone inet stream bind=80,", 0,
          "test.conf:1:36: empty item in list" },
        { "allow everyone inet stream bind=http", 0,
          "test.conf:1:33: invalid port range 'http'" },
        { "allow everyone inet stream bind=80,65536", 0,
          "test.conf:1:36: port '65536' is out of range (0 to 65535)" },
        { "allow everyone inet stream bind=90-80", 0,
          "test.conf:1:33: reversed port range '90-80'" },
        { "allow everyone inet stream bind=80-", 0,
          "test.conf:1:33: invalid port range '80-'" },
        { "allow everyone inet stream bind=-80", 0,
          "test.conf:1:33: invalid port range '-80'" },
        { "allow everyone inet stream bind=1-2-3", 0,
          "test.conf:1:33: invalid port range '1-2-3'" },
        { "allow everyone inet stream bind=1-x", 0,
          "test.conf:1:33: invalid port range '1-x'" },
        { "allow everyone inet stream bind=99999999999999999999999-x", 0,
          "test.conf:1:33: invalid port range '99999999999999999999999-x'" },
        { "allow everyone inet stream bind=070", 0,
          "test.conf:1:33: invalid port range '070'" },
        { "allow everyone inet stream bind=0x", 0,
          "test.conf:1:33: invalid port range '0x'" },
        { "allow everyone inet stream bind=+80", 0,
          "test.conf:1:33: invalid port range '+80'" },
        { "allow everyone inet stream bind=99999999999999999999999", 0,
          "test.conf:1:33: port '99999999999999999999999' is out of range (0 to 65535)" },
        { "allow everyone inet stream bind=1-70000", 0,
          "test.conf:1:33: port '70000' is out of range (0 to 65535)" },
        { "allow everyone inet stream bind=70000-1", 0,
          "test.conf:1:33: port '70000' is out of range (0 to 65535)" },
        { "allow everyone bt seqpacket bind=0x10000", 0,
          "test.conf:1:34: PSM '0x10000' is out of range (0x0 to 0xffff)" },
        { "allow everyone inet stream bind=80 bind=81", 0,
          "test.conf:1:36: duplicate option 'bind'" },
        { "deny everyone inet stream bind=80", 0,
          "test.conf:1:27: bind= cannot be used in a deny rule, which matches by family, type, proto and iface alone" },
        { "allow everyone bind=80", 0,
          "test.conf:1:16: missing family before option 'bind'" },
        { "allow everyone any option=mark", 0,
          "test.conf:1:20: option= needs a family" },
        { "allow everyone inet raw option=foo", 0,
          "test.conf:1:32: unknown socket option 'foo'" },
        { "allow everyone inet raw option=mark:1,MARK", 0,
          "test.conf:1:39: unknown socket option 'MARK'" },
        { "allow everyone inet raw option=mark,mark:1", 0,
          "test.conf:1:37: socket option 'mark' given twice" },
        { "allow everyone inet raw option=bindtodevice:1", 0,
          "test.conf:1:32: socket option 'bindtodevice' takes no range" },
        { "allow everyone inet raw option=mark:", 0,
          "test.conf:1:32: invalid mark range ''" },
        { "allow everyone inet raw option=mark:4294967296", 0,
          "test.conf:1:32: mark '4294967296' is out of range (0 to 4294967295)" },
        { "allow everyone inet raw option=priority:0x80000000", 0,
          "test.conf:1:32: priority '0x80000000' is out of range (0 to 2147483647)" },
        { "allow everyone inet raw option=rcvbufforce:10-1", 0,
          "test.conf:1:32: reversed rcvbufforce range '10-1'" },
        { "allow everyone inet raw option=sndbufforce:1,sndbufforce:-1", 0,
          "test.conf:1:46: socket option 'sndbufforce' given twice" },
        { "allow everyone inet raw option=,mark", 0,
          "test.conf:1:32: empty item in list" },
        { "deny everyone inet raw option=mark", 0,
          "test.conf:1:24: option= cannot be used in a deny rule, which matches by family, type, proto and iface alone" },
        { "allow everyone inet link=up", 0,
          "test.conf:1:21: link= needs family can" },
        { "allow everyone can link=sideways", 0,
          "test.conf:1:25: unknown link operation 'sideways'" },
        { "allow everyone can link=up,up", 0,
          "test.conf:1:28: link operation 'up' given twice" },
        { "allow everyone can link=bitrate", 0,
          "test.conf:1:20: link=bitrate needs bitrate=" },
        { "allow everyone can link=up,bitrate iface=can0", 0,
          "test.conf:1:20: link=bitrate needs bitrate=" },
        { "allow everyone can link=up bitrate=500000", 0,
          "test.conf:1:28: bitrate= needs link=bitrate" },
        { "allow everyone can bitrate=500000", 0,
          "test.conf:1:20: bitrate= needs link=bitrate" },
        { "allow everyone inet bitrate=1", 0,
          "test.conf:1:21: bitrate= needs family can" },
        { "allow everyone can link=bitrate bitrate=0", 0,
          "test.conf:1:41: bitrate '0' is out of range (1 to 16000000)" },
        { "allow everyone can link=bitrate bitrate=500000,16000001", 0,
          "test.conf:1:48: bitrate '16000001' is out of range (1 to 16000000)" },
        { "allow everyone can link=", 0,
          "test.conf:1:25: empty item in list" },
        { "deny everyone can link=up", 0,
          "test.conf:1:19: link= cannot be used in a deny rule, which matches by family, type, proto and iface alone" },
        { "allow everyone inet raw netns=guest", 0,
          "test.conf:1:25: invalid value 'guest' for netns=: expected 'client' or 'host'" },
        { "allow everyone inet raw netns=", 0,
          "test.conf:1:25: invalid value '' for netns=: expected 'client' or 'host'" },
        { "allow everyone bluetooth raw netns=client", 0,
          "test.conf:1:30: Bluetooth sockets exist only in the host network namespace" },
        { "allow everyone inet raw netns=host netns=client", 0,
          "test.conf:1:36: duplicate option 'netns'" },
        { "deny everyone inet netns=host", 0,
          "test.conf:1:20: netns= cannot be used in a deny rule, which matches by family, type, proto and iface alone" },
        { "allow everyone inet rx=1", 0,
          "test.conf:1:21: rx= needs family can" },
        { "allow everyone bluetooth tx=1", 0,
          "test.conf:1:26: tx= needs family can" },
        { "allow everyone any addr=1", 0,
          "test.conf:1:20: addr= needs family can" },
        { "allow everyone packet pgn=1", 0,
          "test.conf:1:23: pgn= needs family can" },
        { "allow everyone inet6 name=1", 0,
          "test.conf:1:22: name= needs family can" },
        { "allow everyone inet fd=yes", 0,
          "test.conf:1:21: fd= needs family can" },
        { "allow everyone can dgram rx=0x20000000", 0,
          "test.conf:1:29: ISO-TP id '0x20000000' is out of range (0x0 to 0x1fffffff)" },
        { "allow everyone can dgram rx=1 tx=0x7e0,0x7e8-0x7e0", 0,
          "test.conf:1:40: reversed ISO-TP id range '0x7e8-0x7e0'" },
        { "allow everyone can dgram addr=256", 0,
          "test.conf:1:31: J1939 address '256' is out of range (0x0 to 0xff)" },
        { "allow everyone can dgram pgn=0x40000", 0,
          "test.conf:1:30: PGN '0x40000' is out of range (0x0 to 0x3ffff)" },
        { "allow everyone can dgram name=0x10000000000000000", 0,
          "test.conf:1:31: J1939 NAME '0x10000000000000000' is out of range (0x0 to 0xffffffffffffffff)" },
        { "allow everyone can dgram name=2-1", 0,
          "test.conf:1:31: reversed J1939 NAME range '2-1'" },
        { "allow everyone can dgram name=x", 0,
          "test.conf:1:31: invalid J1939 NAME range 'x'" },
        { "allow everyone can raw fd=maybe", 0,
          "test.conf:1:24: invalid value 'maybe' for fd=: expected 'yes' or 'no'" },
        { "allow everyone can raw fd=", 0,
          "test.conf:1:24: invalid value '' for fd=: expected 'yes' or 'no'" },
        { "allow everyone can raw fd=no fd=yes", 0,
          "test.conf:1:30: duplicate option 'fd'" },
        { "deny everyone can rx=1", 0,
          "test.conf:1:19: rx= cannot be used in a deny rule, which matches by family, type, proto and iface alone" },
        { "allow everyone can dev=0", 0,
          "test.conf:1:20: dev= needs family bluetooth" },
        { "allow everyone inet hci=raw", 0,
          "test.conf:1:21: hci= needs family bluetooth" },
        { "allow everyone any channel=1", 0,
          "test.conf:1:20: channel= needs family bluetooth" },
        { "allow everyone packet events=le-meta", 0,
          "test.conf:1:23: events= needs family bluetooth" },
        { "allow everyone can command=reset", 0,
          "test.conf:1:20: command= needs family bluetooth" },
        { "allow everyone bluetooth dev=0x10000", 0,
          "test.conf:1:30: HCI device '0x10000' is out of range (0 to 65535)" },
        { "allow everyone bluetooth hci=bogus", 0,
          "test.conf:1:30: unknown HCI channel 'bogus'" },
        { "allow everyone bluetooth hci=raw,raw", 0,
          "test.conf:1:34: HCI channel 'raw' given twice" },
        { "allow everyone bluetooth channel=0", 0,
          "test.conf:1:34: RFCOMM channel '0' is out of range (1 to 30)" },
        { "allow everyone bluetooth channel=1,31", 0,
          "test.conf:1:36: RFCOMM channel '31' is out of range (1 to 30)" },
        { "allow everyone bluetooth channel=5-1", 0,
          "test.conf:1:34: reversed RFCOMM channel range '5-1'" },
        { "allow everyone bluetooth events=le-meta,foo", 0,
          "test.conf:1:41: unknown HCI event 'foo'" },
        { "allow everyone bluetooth events=256", 0,
          "test.conf:1:33: HCI event '256' is out of range (0x0 to 0xff)" },
        { "allow everyone bluetooth events=le-meta,,x", 0,
          "test.conf:1:41: empty item in list" },
        { "allow everyone bluetooth command=le-set-scan", 0,
          "test.conf:1:34: unknown HCI command 'le-set-scan'" },
        { "allow everyone bluetooth command=reset,0x10000", 0,
          "test.conf:1:40: HCI command '0x10000' is out of range (0x0 to 0xffff)" },
        { "deny everyone bluetooth hci=user", 0,
          "test.conf:1:25: hci= cannot be used in a deny rule, which matches by family, type, proto and iface alone" },
        { "allow everyone admin raw", 0,
          "test.conf:1:22: the family word 'admin' takes no type or options" },
        { "allow everyone admin iface=eth0", 0,
          "test.conf:1:22: the family word 'admin' takes no type or options" },
        { "deny everyone admin netns=host", 0,
          "test.conf:1:21: the family word 'admin' takes no type or options" },
        { "allow admin", 0,
          "test.conf:1:7: rule has no selector; use 'everyone' to match every peer" },
        { "allow everyone inet admin", 0,
          "test.conf:1:21: unknown type 'admin'" },

};

START_TEST(test_error)
{
        policy *p = NULL;
        char msg[512];
        int r = compile(error_cases[_i].text, &p, msg, sizeof(msg));

        ck_assert_msg(r == (error_cases[_i].r ? error_cases[_i].r : -EINVAL), "'%s': %d",
                      error_cases[_i].text, r);
        ck_assert_ptr_null(p);
        ck_assert_str_eq(msg, error_cases[_i].error);
}
END_TEST

START_TEST(test_error_nul_byte)
{
        static const char text[] = "allow everyone\0inet";
        policy *p = NULL;
        char msg[256];

        ck_assert_int_eq(compile_len(text, sizeof(text) - 1, &p, msg, sizeof(msg)), -EINVAL);
        ck_assert_str_eq(msg, "test.conf:1:15: invalid character 0x00");
}
END_TEST

START_TEST(test_line_length)
{
        char text[POLICY_MAX_LINE + 64];
        policy *p = NULL;
        char msg[256];

        /* A comment of exactly POLICY_MAX_LINE bytes, then a rule. */
        memset(text, 'x', sizeof(text));
        text[0] = '#';
        memcpy(text + POLICY_MAX_LINE, "\nallow everyone any", sizeof("\nallow everyone any"));
        p = compile_ok(text);
        ck_assert_uint_eq(policy_n_rules(p), 1);
        ck_assert_uint_eq(policy_get_rule(p, 0)->line, 2);
        p = policy_free(p);

        /* One byte more. */
        memset(text, 'x', sizeof(text));
        text[0] = '#';
        memcpy(text + POLICY_MAX_LINE + 1, "\nallow everyone any", sizeof("\nallow everyone any"));
        ck_assert_int_eq(compile(text, &p, msg, sizeof(msg)), -EINVAL);
        ck_assert_str_eq(msg, "test.conf:1:4097: line too long (max 4096 bytes)");

        /* The last line counts too, newline or not. */
        memset(text, ' ', POLICY_MAX_LINE + 1);
        text[POLICY_MAX_LINE + 1] = '\0';
        ck_assert_int_eq(compile(text, &p, msg, sizeof(msg)), -EINVAL);
        ck_assert_str_eq(msg, "test.conf:1:4097: line too long (max 4096 bytes)");
}
END_TEST

START_TEST(test_list_limit)
{
        char text[512], msg[256], expected[256];
        size_t len, col = 0;
        policy *p = NULL;

        len = (size_t)snprintf(text, sizeof(text), "allow everyone inet raw proto=");
        for (unsigned i = 1; i <= POLICY_MAX_LIST; i++)
                len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%u", i > 1 ? "," : "", i);
        p = compile_ok(text);
        ck_assert_uint_eq(policy_get_rule(p, 0)->n_protocols, POLICY_MAX_LIST);
        ck_assert_uint_eq(policy_get_rule(p, 0)->protocols[POLICY_MAX_LIST - 1], POLICY_MAX_LIST);
        p = policy_free(p);

        col = len + 2;          /* after the comma, 1-based */
        (void)snprintf(text + len, sizeof(text) - len, ",33");
        ck_assert_int_eq(compile(text, &p, msg, sizeof(msg)), -EINVAL);
        (void)snprintf(expected, sizeof(expected), "test.conf:1:%zu: too many items in list (max 32)", col);
        ck_assert_str_eq(msg, expected);

        len = (size_t)snprintf(text, sizeof(text), "allow everyone inet raw iface=");
        for (unsigned i = 0; i <= POLICY_MAX_LIST; i++)
                len += (size_t)snprintf(text + len, sizeof(text) - len, "%se%u", i > 0 ? "," : "", i);
        ck_assert_int_eq(compile(text, &p, msg, sizeof(msg)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(msg, "too many items in list (max 32)"));

        /* Range lists and name lists have the same limit. */
        len = (size_t)snprintf(text, sizeof(text), "allow everyone inet stream bind=");
        for (unsigned i = 1; i <= POLICY_MAX_LIST; i++)
                len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%u-%u", i > 1 ? "," : "",
                                        i, i + 1);
        p = compile_ok(text);
        ck_assert_uint_eq(policy_get_rule(p, 0)->n_ports, POLICY_MAX_LIST);
        ck_assert_uint_eq(policy_get_rule(p, 0)->ports[POLICY_MAX_LIST - 1].hi, POLICY_MAX_LIST + 1);
        p = policy_free(p);
        (void)snprintf(text + len, sizeof(text) - len, ",1");
        ck_assert_int_eq(compile(text, &p, msg, sizeof(msg)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(msg, "too many items in list (max 32)"));

        len = (size_t)snprintf(text, sizeof(text), "allow everyone bluetooth command=");
        for (unsigned i = 0; i <= POLICY_MAX_LIST; i++)
                len += (size_t)snprintf(text + len, sizeof(text) - len, "%sreset", i > 0 ? "," : "");
        ck_assert_int_eq(compile(text, &p, msg, sizeof(msg)), -EINVAL);
        (void)snprintf(expected, sizeof(expected), "test.conf:1:%zu: too many items in list (max 32)",
                       len - strlen("reset") + 1);
        ck_assert_str_eq(msg, expected);
}
END_TEST

START_TEST(test_rule_limit)
{
        static const char line[] = "allow everyone any\n";
        size_t n = POLICY_MAX_RULES + 1, len = n * (sizeof(line) - 1);
        _cleanup_free_ char *text = malloc(len + 1);
        char msg[256];
        policy *p = NULL;

        ck_assert_ptr_nonnull(text);
        for (size_t i = 0; i < n; i++)
                memcpy(text + i * (sizeof(line) - 1), line, sizeof(line) - 1);
        text[len] = '\0';
        ck_assert_int_eq(compile_len(text, len, &p, msg, sizeof(msg)), -EINVAL);
        ck_assert_str_eq(msg, "test.conf:100001:1: too many rules (max 100000)");
}
END_TEST

/* Rule indexes and files run across all sources, in order. */
START_TEST(test_sources)
{
        const struct policy_source src[] = {
                { .name = "main.conf", .text = "allow uid=1 inet raw\n\nallow uid=2 inet raw\n",
                  .len = sizeof("allow uid=1 inet raw\n\nallow uid=2 inet raw\n") - 1 },
                { .name = "empty.conf", .text = NULL, .len = 0 },
                { .name = "d/10.conf", .text = "# x\ndeny uid=3 any", .len = sizeof("# x\ndeny uid=3 any") - 1 },
        };
        static const struct { uint32_t uid; const char *file; uint32_t line; } expect[] = {
                { 1, "main.conf", 1 }, { 2, "main.conf", 3 }, { 3, "d/10.conf", 2 },
        };
        _cleanup_(policy_freep) policy *p = NULL;
        struct policy_error err;

        ck_assert_int_eq(policy_compile(src, ELEMENTSOF(src), &test_resolver, &p, &err), 0);
        ck_assert_uint_eq(policy_n_files(p), 3);
        ck_assert_str_eq(policy_get_file(p, 0), "main.conf");
        ck_assert_str_eq(policy_get_file(p, 1), "empty.conf");
        ck_assert_str_eq(policy_get_file(p, 2), "d/10.conf");
        ck_assert_ptr_null(policy_get_file(p, 3));
        ck_assert_uint_eq(policy_n_rules(p), ELEMENTSOF(expect));
        for (size_t i = 0; i < ELEMENTSOF(expect); i++) {
                const struct policy_rule *rule = policy_get_rule(p, i);

                ck_assert_uint_eq(rule->index, i);
                ck_assert_uint_eq(rule->uid, expect[i].uid);
                ck_assert_str_eq(rule->file, expect[i].file);
                ck_assert_uint_eq(rule->line, expect[i].line);
        }
        ck_assert_ptr_null(policy_get_rule(p, ELEMENTSOF(expect)));
}
END_TEST

START_TEST(test_sources_error_position)
{
        const struct policy_source src[] = {
                { .name = "a.conf", .text = "allow uid=1 inet\n", .len = sizeof("allow uid=1 inet\n") - 1 },
                { .name = "b.conf", .text = "\n\n  deny uid=2 inet6 raw proto=nope\n",
                  .len = sizeof("\n\n  deny uid=2 inet6 raw proto=nope\n") - 1 },
        };
        policy *p = NULL;
        struct policy_error err;
        char msg[256];

        ck_assert_int_eq(policy_compile(src, ELEMENTSOF(src), &test_resolver, &p, &err), -EINVAL);
        ck_assert_ptr_null(p);
        ck_assert_str_eq(err.file, "b.conf");
        ck_assert_uint_eq(err.line, 3);
        ck_assert_uint_eq(err.col, 30);
        ck_assert_int_eq(policy_error_format(&err, msg, sizeof(msg)), 0);
        ck_assert_str_eq(msg, "b.conf:3:30: unknown protocol 'nope' for family 'inet6'");
}
END_TEST

START_TEST(test_compile_arguments)
{
        struct policy_source src = { .name = "x.conf", .text = "allow everyone any", .len = 18 };
        struct policy_source many[POLICY_MAX_FILES + 1];
        struct policy_error err;
        policy *p = NULL;

        ck_assert_int_eq(policy_compile(&src, 1, &test_resolver, NULL, &err), -EINVAL);
        ck_assert_int_eq(policy_compile(NULL, 1, &test_resolver, &p, &err), -EINVAL);

        /* No sources: an empty policy that denies everything. */
        ck_assert_int_eq(policy_compile(NULL, 0, NULL, &p, NULL), 0);
        ck_assert_uint_eq(policy_n_rules(p), 0);
        ck_assert_uint_eq(policy_n_files(p), 0);
        ck_assert_int_eq(policy_check(p, &(struct policy_peer){ .uid = 0 },
                                      &(struct policy_request)OPEN(AF_INET, SOCK_RAW, 1, NULL), NULL),
                         POLICY_VERDICT_NO_MATCH);
        p = policy_free(p);

        src.name = "";
        ck_assert_int_eq(policy_compile(&src, 1, &test_resolver, &p, &err), -EINVAL);
        ck_assert_str_eq(err.message, "invalid policy file name");
        src.name = NULL;
        ck_assert_int_eq(policy_compile(&src, 1, &test_resolver, &p, &err), -EINVAL);

        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = (struct policy_source){ .name = "m.conf", .text = "", .len = 0 };
        ck_assert_int_eq(policy_compile(many, ELEMENTSOF(many), &test_resolver, &p, &err), -EINVAL);
        ck_assert_str_eq(err.message, "too many policy files (max 256)");
        ck_assert_int_eq(policy_compile(many, POLICY_MAX_FILES, &test_resolver, &p, &err), 0);
        ck_assert_uint_eq(policy_n_files(p), POLICY_MAX_FILES);
        p = policy_free(p);

        /* Without a resolver, names cannot be used; numbers can. */
        src = (struct policy_source){ .name = "x.conf", .text = "allow user=alice inet", .len = 21 };
        ck_assert_int_eq(policy_compile(&src, 1, NULL, &p, &err), -EINVAL);
        ck_assert_str_eq(err.message, "cannot resolve user 'alice': no resolver");
        src = (struct policy_source){ .name = "x.conf", .text = "allow uid=5 inet", .len = 16 };
        ck_assert_int_eq(policy_compile(&src, 1, NULL, &p, &err), 0);
        p = policy_free(p);

        ck_assert_ptr_null(policy_free(NULL));
        ck_assert_uint_eq(policy_n_rules(NULL), 0);
        ck_assert_ptr_null(policy_get_rule(NULL, 0));
}
END_TEST

START_TEST(test_system_resolver)
{
        _cleanup_(policy_freep) policy *p = NULL;
        struct policy_source src = { .name = "s.conf", .text = "allow user=root group=root inet raw" };
        struct policy_error err;
        uid_t uid = 1;
        gid_t gid = 1;

        ck_assert_int_eq(policy_resolver_system.user("root", &uid, NULL), 0);
        ck_assert_uint_eq(uid, 0);
        ck_assert_int_eq(policy_resolver_system.group("root", &gid, NULL), 0);
        ck_assert_uint_eq(gid, 0);
        ck_assert_int_eq(policy_resolver_system.user("sockbroker-no-such-user", &uid, NULL), -ENOENT);
        ck_assert_int_eq(policy_resolver_system.group("sockbroker-no-such-group", &gid, NULL), -ENOENT);

        src.len = strlen(src.text);
        ck_assert_int_eq(policy_compile(&src, 1, &policy_resolver_system, &p, &err), 0);
        ck_assert_uint_eq(policy_get_rule(p, 0)->uid, 0);
        ck_assert_uint_eq(policy_get_rule(p, 0)->gid, 0);
}
END_TEST

/* ---- Evaluation. ---- */

static const char *const eval_policies[] = {
        /* 0: a realistic policy */
        "# main\n"
        "allow user=alice inet raw proto=icmp iface=eth0\n"                     /* 0 */
        "deny  user=alice inet raw\n"                                           /* 1 */
        "allow group=netmon inet raw proto=icmp,ipv6-icmp\n"                    /* 2 */
        "allow group=wireshark packet raw proto=all iface=eth0,veth*\n"         /* 3 */
        "allow user=ptp packet dgram proto=ptp iface=eth1\n"                    /* 4 */
        "allow unit=mon.service inet6 raw proto=ipv6-icmp\n"                    /* 5 */
        "allow cgroup=/system.slice/cap.service packet dgram proto=lldp\n"      /* 6 */
        "deny  user=guest any\n"                                                /* 7 */
        "allow group=netmon unit=mon.service can raw\n"                         /* 8 */
        "allow everyone inet raw proto=icmp iface=lo\n"                         /* 9 */
        "allow everyone bluetooth seqpacket proto=l2cap\n",                     /* 10 */
        /* 1: order across the uid, gid and other lists */
        "allow group=netmon inet raw\n"                                         /* 0 */
        "deny uid=1000 inet raw\n"                                              /* 1 */
        "deny everyone inet raw\n"                                              /* 2 */
        "allow uid=1000 inet6 raw\n"                                            /* 3 */
        "deny gid=201 any\n"                                                    /* 4 */
        "allow everyone inet6 raw\n",                                           /* 5 */
        /* 2: the "other" list before a later uid rule */
        "deny unit=x.service inet raw\n"                                        /* 0 */
        "allow cgroup=/ inet raw\n"                                             /* 1 */
        "deny uid=1000 inet raw\n",                                             /* 2 */
        /* 3: several rules in one uid bucket */
        "allow uid=1000 inet raw proto=icmp iface=eth0\n"                       /* 0 */
        "allow uid=1000 inet raw proto=tcp\n"                                   /* 1 */
        "allow uid=1001 inet raw\n"                                             /* 2 */
        "deny uid=1000 inet raw\n"                                              /* 3 */
        "allow uid=1000 inet raw proto=udp\n"                                   /* 4 */
        "allow uid=1000 group=staff inet6 raw\n",                               /* 5 */
        /* 4: operations other than OPEN, and the addresses of OPEN */
        "allow group=netmon inet stream proto=tcp bind=80,443\n"                /* 0 */
        "deny  user=guest any\n"                                                /* 1 */
        "allow user=alice inet any option=mark:1-100,bindtodevice iface=eth*\n" /* 2 */
        "deny  user=alice inet raw\n"                                           /* 3 */
        "allow everyone can link=up,down,bitrate bitrate=125000,500000 iface=can*,vcan*\n" /* 4 */
        "allow group=wireshark admin\n"                                         /* 5 */
        "allow everyone bluetooth raw proto=hci hci=raw "
        "command=le-set-scan-parameters,le-set-scan-enable dev=0\n"             /* 6 */
        "deny  everyone admin\n"                                                /* 7 */
        "allow everyone admin\n"                                                /* 8 */
        "allow user=bob inet6 stream bind=1-1023\n"                             /* 9 */
        "allow everyone bluetooth seqpacket proto=l2cap bind=0x1001-0x10ff\n"   /* 10 */
        "allow user=ptp can dgram proto=isotp rx=0x7e8 tx=0x7e0\n"              /* 11 */
        "allow user=ptp can dgram proto=j1939 addr=0x80-0x8f pgn=0xfeca "
        "name=0x1000-0x1fff fd=yes\n"                                           /* 12 */
        "allow user=ptp bluetooth stream proto=rfcomm channel=1-5\n"            /* 13 */
        "allow user=ptp can raw fd=yes iface=can0\n",                           /* 14 */
};

static const gid_t groups_netmon[] = { 201 };
static const gid_t groups_many[] = { 50, 7, 201, 201, 200 };

enum {
        PEER_ALICE,
        PEER_ALICE_NETMON,
        PEER_ALICE_STAFF,
        PEER_ALICE_UNIT_X,
        PEER_ALICE_CGROUP,
        PEER_BOB,
        PEER_BOB_PRIMARY,
        PEER_BOB_NULL_GROUPS,
        PEER_SHARK,
        PEER_PTP,
        PEER_GUEST,
        PEER_MON,
        PEER_CAP,
        PEER_CAP_EXACT,
        PEER_CAP_SIBLING,
        PEER_NOBODY,
        PEER_MANY,
};

static const struct policy_peer peers[] = {
        [PEER_ALICE] = { .uid = 1000, .gid = 1000 },
        [PEER_ALICE_NETMON] = { .uid = 1000, .gid = 1000, .groups = groups_netmon, .n_groups = 1 },
        [PEER_ALICE_STAFF] = { .uid = 1000, .gid = 50 },
        [PEER_ALICE_UNIT_X] = { .uid = 1000, .gid = 1000, .unit = "x.service",
                                .cgroup = "/system.slice/x.service" },
        [PEER_ALICE_CGROUP] = { .uid = 1000, .gid = 1000, .cgroup = "/user.slice" },
        [PEER_BOB] = { .uid = 1001, .gid = 1001, .groups = groups_netmon, .n_groups = 1 },
        [PEER_BOB_PRIMARY] = { .uid = 1001, .gid = 201 },
        [PEER_BOB_NULL_GROUPS] = { .uid = 1001, .gid = 1001, .groups = NULL, .n_groups = 3 },
        [PEER_SHARK] = { .uid = 1003, .gid = 200 },
        [PEER_PTP] = { .uid = 990, .gid = 990 },
        [PEER_GUEST] = { .uid = 1002, .gid = 1002, .groups = groups_netmon, .n_groups = 1 },
        [PEER_MON] = { .uid = 5000, .gid = 5000, .groups = groups_netmon, .n_groups = 1,
                       .unit = "mon.service", .cgroup = "/system.slice/mon.service" },
        [PEER_CAP] = { .uid = 6000, .gid = 6000, .unit = "cap.service",
                       .cgroup = "/system.slice/cap.service/sub" },
        [PEER_CAP_EXACT] = { .uid = 6000, .gid = 6000, .cgroup = "/system.slice/cap.service" },
        [PEER_CAP_SIBLING] = { .uid = 6000, .gid = 6000, .cgroup = "/system.slice/cap.serviceX" },
        [PEER_NOBODY] = { .uid = 7777, .gid = 7777 },
        [PEER_MANY] = { .uid = 8888, .gid = 8888, .groups = groups_many, .n_groups = 5 },
};

#define NO_RULE (-1)

static const struct {
        unsigned policy;
        unsigned peer;
        struct policy_request req;
        enum policy_verdict verdict;
        int rule;
} eval_cases[] = {
        { 0, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth0"), POLICY_VERDICT_ALLOW, 0 },
        { 0, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth1"), POLICY_VERDICT_DENY, 1 },
        { 0, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_DENY, 1 },
        { 0, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_TCP, "eth0"), POLICY_VERDICT_DENY, 1 },
        { 0, PEER_ALICE, OPEN(AF_INET6, SOCK_RAW, 58, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_ALICE, OPEN(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_BOB, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_BOB, OPEN(AF_INET, SOCK_RAW, 58, "eth9"), POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_BOB, OPEN(AF_INET, SOCK_RAW, IPPROTO_TCP, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_BOB_PRIMARY, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_BOB_NULL_GROUPS, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0"), POLICY_VERDICT_ALLOW, 3 },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth12"), POLICY_VERDICT_ALLOW, 3 },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth"), POLICY_VERDICT_ALLOW, 3 },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth1"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth00"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_RAW, ETH_P_IP, "eth0"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, ""), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, OPEN(AF_PACKET, SOCK_DGRAM, ETH_P_ALL, "eth0"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_PTP, OPEN(AF_PACKET, SOCK_DGRAM, ETH_P_1588, "eth1"), POLICY_VERDICT_ALLOW, 4 },
        { 0, PEER_PTP, OPEN(AF_PACKET, SOCK_DGRAM, ETH_P_1588, "eth10"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_MON, OPEN(AF_INET6, SOCK_RAW, 58, NULL), POLICY_VERDICT_ALLOW, 5 },
        { 0, PEER_MON, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_MON, OPEN(AF_CAN, SOCK_RAW, 1, "can0"), POLICY_VERDICT_ALLOW, 8 },
        { 0, PEER_BOB, OPEN(AF_CAN, SOCK_RAW, 1, "can0"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_CAP, OPEN(AF_PACKET, SOCK_DGRAM, ETH_P_LLDP, "eth0"), POLICY_VERDICT_ALLOW, 6 },
        { 0, PEER_CAP_EXACT, OPEN(AF_PACKET, SOCK_DGRAM, ETH_P_LLDP, NULL), POLICY_VERDICT_ALLOW, 6 },
        { 0, PEER_CAP_SIBLING, OPEN(AF_PACKET, SOCK_DGRAM, ETH_P_LLDP, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_NOBODY, OPEN(AF_PACKET, SOCK_DGRAM, ETH_P_LLDP, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_GUEST, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_GUEST, OPEN(AF_INET6, SOCK_RAW, 58, NULL), POLICY_VERDICT_DENY, 7 },
        { 0, PEER_GUEST, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0"), POLICY_VERDICT_DENY, 7 },
        { 0, PEER_GUEST, OPEN(AF_BLUETOOTH, SOCK_SEQPACKET, 0, NULL), POLICY_VERDICT_DENY, 7 },
        { 0, PEER_NOBODY, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, "lo"), POLICY_VERDICT_ALLOW, 9 },
        { 0, PEER_NOBODY, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth0"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_NOBODY, OPEN(AF_BLUETOOTH, SOCK_SEQPACKET, 0, NULL), POLICY_VERDICT_ALLOW, 10 },
        { 0, PEER_NOBODY, OPEN(AF_BLUETOOTH, SOCK_STREAM, 0, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_NOBODY, OPEN(AF_UNIX, SOCK_STREAM, 0, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_NOBODY, OPEN(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP, "lo"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_MANY, OPEN(AF_INET, SOCK_RAW, 58, NULL), POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_MANY, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth0"), POLICY_VERDICT_ALLOW, 3 },
        { 1, PEER_ALICE_NETMON, OPEN(AF_INET, SOCK_RAW, 1, NULL), POLICY_VERDICT_ALLOW, 0 },
        { 1, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, 1, NULL), POLICY_VERDICT_DENY, 1 },
        { 1, PEER_NOBODY, OPEN(AF_INET, SOCK_RAW, 1, NULL), POLICY_VERDICT_DENY, 2 },
        { 1, PEER_BOB, OPEN(AF_INET, SOCK_RAW, 1, NULL), POLICY_VERDICT_ALLOW, 0 },
        { 1, PEER_ALICE_NETMON, OPEN(AF_INET6, SOCK_RAW, 58, NULL), POLICY_VERDICT_ALLOW, 3 },
        { 1, PEER_BOB, OPEN(AF_INET6, SOCK_RAW, 58, NULL), POLICY_VERDICT_DENY, 4 },
        { 1, PEER_NOBODY, OPEN(AF_INET6, SOCK_RAW, 58, NULL), POLICY_VERDICT_ALLOW, 5 },
        { 1, PEER_BOB, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0"), POLICY_VERDICT_DENY, 4 },
        { 1, PEER_BOB, OPEN(AF_CAN, SOCK_DGRAM, 2, NULL), POLICY_VERDICT_DENY, 4 },
        { 1, PEER_NOBODY, OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 1, PEER_ALICE, OPEN(AF_INET6, SOCK_DGRAM, 17, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 2, PEER_ALICE_UNIT_X, OPEN(AF_INET, SOCK_RAW, 1, NULL), POLICY_VERDICT_DENY, 0 },
        { 2, PEER_ALICE_CGROUP, OPEN(AF_INET, SOCK_RAW, 1, NULL), POLICY_VERDICT_ALLOW, 1 },
        { 2, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, 1, NULL), POLICY_VERDICT_DENY, 2 },
        { 2, PEER_NOBODY, OPEN(AF_INET, SOCK_RAW, 1, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 3, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth0"), POLICY_VERDICT_ALLOW, 0 },
        { 3, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_TCP, NULL), POLICY_VERDICT_ALLOW, 1 },
        { 3, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_UDP, NULL), POLICY_VERDICT_DENY, 3 },
        { 3, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth1"), POLICY_VERDICT_DENY, 3 },
        { 3, PEER_BOB, OPEN(AF_INET, SOCK_RAW, IPPROTO_UDP, NULL), POLICY_VERDICT_ALLOW, 2 },
        { 3, PEER_NOBODY, OPEN(AF_INET, SOCK_RAW, IPPROTO_UDP, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 3, PEER_ALICE, OPEN(AF_INET6, SOCK_RAW, 58, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 3, PEER_ALICE_STAFF, OPEN(AF_INET6, SOCK_RAW, 58, NULL), POLICY_VERDICT_ALLOW, 5 },
        /* STATUS matches admin rules only */
        { 0, PEER_GUEST, STATUS, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 1, PEER_BOB, STATUS, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_GUEST, STATUS, POLICY_VERDICT_DENY, 7 },
        { 4, PEER_SHARK, STATUS, POLICY_VERDICT_ALLOW, 5 },
        { 4, PEER_NOBODY, STATUS, POLICY_VERDICT_DENY, 7 },
        /* BIND */
        { 4, PEER_BOB, BIND(AF_INET, SOCK_STREAM, IPPROTO_TCP, 80), POLICY_VERDICT_ALLOW, 0 },
        { 4, PEER_BOB, BIND(AF_INET, SOCK_STREAM, IPPROTO_TCP, 443), POLICY_VERDICT_ALLOW, 0 },
        { 4, PEER_BOB, BIND(AF_INET, SOCK_STREAM, IPPROTO_TCP, 81), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_BOB, BIND(AF_INET, SOCK_DGRAM, IPPROTO_UDP, 80), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_BOB, BIND(AF_INET6, SOCK_STREAM, IPPROTO_TCP, 22), POLICY_VERDICT_ALLOW, 9 },
        { 4, PEER_BOB, BIND(AF_INET6, SOCK_STREAM, IPPROTO_TCP, 1024), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_GUEST, BIND(AF_INET, SOCK_STREAM, IPPROTO_TCP, 80), POLICY_VERDICT_ALLOW, 0 },
        { 4, PEER_GUEST, BIND(AF_INET6, SOCK_STREAM, IPPROTO_TCP, 22), POLICY_VERDICT_DENY, 1 },
        { 4, PEER_NOBODY, BIND(AF_BLUETOOTH, SOCK_SEQPACKET, BTPROTO_L2CAP, 0x1003), POLICY_VERDICT_ALLOW, 10 },
        { 4, PEER_NOBODY, BIND(AF_BLUETOOTH, SOCK_SEQPACKET, BTPROTO_L2CAP, 0x1100), POLICY_VERDICT_NO_MATCH, NO_RULE },
        /* OPEN is allowed by a rule with operation words too */
        { 4, PEER_GUEST, OPEN(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL), POLICY_VERDICT_ALLOW, 0 },
        { 4, PEER_GUEST, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_DENY, 1 },
        { 4, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_DENY, 3 },
        { 4, PEER_ALICE, OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth0"), POLICY_VERDICT_ALLOW, 2 },
        /* SETOPT */
        { 4, PEER_ALICE, SETOPT(AF_INET, SOCK_RAW, IPPROTO_ICMP, MARK, 5), POLICY_VERDICT_ALLOW, 2 },
        { 4, PEER_ALICE, SETOPT(AF_INET, SOCK_RAW, IPPROTO_ICMP, MARK, 100), POLICY_VERDICT_ALLOW, 2 },
        { 4, PEER_ALICE, SETOPT(AF_INET, SOCK_RAW, IPPROTO_ICMP, MARK, 101), POLICY_VERDICT_DENY, 3 },
        { 4, PEER_ALICE, SETOPT(AF_INET, SOCK_RAW, IPPROTO_ICMP, MARK, 0), POLICY_VERDICT_DENY, 3 },
        { 4, PEER_ALICE, SETOPT(AF_INET, SOCK_DGRAM, IPPROTO_UDP, MARK, 101), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_ALICE, SETOPT(AF_INET, SOCK_RAW, IPPROTO_ICMP, PRIORITY, 1), POLICY_VERDICT_DENY, 3 },
        { 4, PEER_ALICE, SETOPT(AF_INET, SOCK_RAW, IPPROTO_ICMP, NONE, 1), POLICY_VERDICT_DENY, 3 },
        { 4, PEER_ALICE, SETDEV(AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth1"), POLICY_VERDICT_ALLOW, 2 },
        { 4, PEER_ALICE, SETDEV(AF_INET, SOCK_RAW, IPPROTO_ICMP, "wlan0"), POLICY_VERDICT_DENY, 3 },
        { 4, PEER_ALICE, SETDEV(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_ALICE, SETDEV(AF_INET, SOCK_DGRAM, IPPROTO_UDP, "eth0"), POLICY_VERDICT_ALLOW, 2 },
        { 4, PEER_ALICE, SETOPT(AF_INET6, SOCK_RAW, 58, MARK, 5), POLICY_VERDICT_NO_MATCH, NO_RULE },
        /* LINK */
        { 4, PEER_NOBODY, LINK("vcan0", POLICY_LINK_UP, 0), POLICY_VERDICT_ALLOW, 4 },
        { 4, PEER_NOBODY, LINK("can1", POLICY_LINK_DOWN, 0), POLICY_VERDICT_ALLOW, 4 },
        { 4, PEER_NOBODY, LINK("eth0", POLICY_LINK_UP, 0), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_NOBODY, LINK("can0", POLICY_LINK_BITRATE, 500000), POLICY_VERDICT_ALLOW, 4 },
        { 4, PEER_NOBODY, LINK("can0", POLICY_LINK_BITRATE, 250000), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_NOBODY, LINK(NULL, POLICY_LINK_DOWN, 0), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_NOBODY, LINK("can0", POLICY_LINK_UP | POLICY_LINK_DOWN, 0), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_GUEST, LINK("can0", POLICY_LINK_UP, 0), POLICY_VERDICT_DENY, 1 },
        { 4, PEER_GUEST, { .op = POLICY_OP_LINK, .ifname = "can0", .link_op = POLICY_LINK_UP },
          POLICY_VERDICT_DENY, 1 },
        { 4, PEER_NOBODY, { .op = POLICY_OP_LINK, .ifname = "can0", .link_op = POLICY_LINK_UP },
          POLICY_VERDICT_ALLOW, 4 },
        { 4, PEER_NOBODY, { .op = POLICY_OP_LINK, .family = AF_INET, .ifname = "can0",
                            .link_op = POLICY_LINK_UP }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        /* HCI_COMMAND */
        { 4, PEER_NOBODY, HCI_COMMAND(0, 0x200c), POLICY_VERDICT_ALLOW, 6 },
        { 4, PEER_NOBODY, HCI_COMMAND(0, 0x200b), POLICY_VERDICT_ALLOW, 6 },
        { 4, PEER_NOBODY, HCI_COMMAND(0, 0x0c03), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_NOBODY, HCI_COMMAND(1, 0x200b), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_GUEST, HCI_COMMAND(0, 0x200c), POLICY_VERDICT_DENY, 1 },
        { 4, PEER_NOBODY, { .op = POLICY_OP_HCI_COMMAND, .opcode = 0x200c }, POLICY_VERDICT_ALLOW, 6 },
        { 4, PEER_GUEST, { .op = POLICY_OP_HCI_COMMAND, .opcode = 0x200c }, POLICY_VERDICT_DENY, 1 },
        { 4, PEER_NOBODY, { .op = POLICY_OP_HCI_COMMAND, .family = AF_CAN, .opcode = 0x200c },
          POLICY_VERDICT_NO_MATCH, NO_RULE },
        /* OPEN with addresses */
        { 4, PEER_NOBODY, OPEN_HCI(HCI_RAW, 0), POLICY_VERDICT_ALLOW, 6 },
        { 4, PEER_NOBODY, OPEN_HCI(HCI_USER, 0), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_NOBODY, OPEN_HCI(HCI_RAW, 1), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_NOBODY, OPEN_L2CAP(0x1001, 0), POLICY_VERDICT_ALLOW, 10 },
        { 4, PEER_NOBODY, OPEN_L2CAP(0x0001, 0), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_PTP, OPEN_ISOTP("vcan0", 0x7e8, 0x7e0), POLICY_VERDICT_ALLOW, 4 },
        { 4, PEER_PTP, OPEN_ISOTP("slcan0", 0x7e8, 0x7e0), POLICY_VERDICT_ALLOW, 11 },
        { 4, PEER_PTP, OPEN_ISOTP("slcan0", 0x7e0, 0x7e8), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_PTP, OPEN_ISOTP("vcan0", 0x7e0, 0x7e8), POLICY_VERDICT_ALLOW, 4 },
        { 4, PEER_PTP, OPEN_ISOTP("eth0", 0x7e0, 0x7e8), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_PTP, OPEN(AF_CAN, SOCK_DGRAM, CAN_ISOTP, "eth0"), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_PTP, OPEN_J1939("eth0", 0x1234, 0xfeca, 0x85), POLICY_VERDICT_ALLOW, 12 },
        { 4, PEER_PTP, OPEN_J1939("eth0", 0x1234, 0xfeca, 0x90), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_PTP, OPEN_RFCOMM(3), POLICY_VERDICT_ALLOW, 13 },
        { 4, PEER_PTP, OPEN_RFCOMM(6), POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_PTP, { .family = AF_CAN, .type = SOCK_RAW, .protocol = CAN_RAW, .ifname = "can0",
                         .can_fd = true }, POLICY_VERDICT_ALLOW, 14 },
        { 4, PEER_NOBODY, { .family = AF_CAN, .type = SOCK_RAW, .protocol = CAN_RAW, .ifname = "can0",
                            .can_fd = true }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_NOBODY, OPEN(AF_CAN, SOCK_RAW, CAN_RAW, "can0"), POLICY_VERDICT_ALLOW, 4 },
        /* operations outside the vocabulary */
        { 4, PEER_NOBODY, { .op = (enum policy_op)42, .family = AF_CAN, .ifname = "can0" },
          POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 4, PEER_GUEST, { .op = (enum policy_op)-1, .family = AF_INET, .type = SOCK_RAW },
          POLICY_VERDICT_NO_MATCH, NO_RULE },
};

/* The reference for deny rules, written out on its own: a deny rule
 * matches by family, type, protocol and interface, for every operation. */
static bool ref_type_valid(int family, int type)
{
        if (family != AF_INET && family != AF_INET6 && family != AF_PACKET && family != AF_CAN &&
            family != AF_BLUETOOTH)
                return false;
        if (type == SOCK_RAW || type == SOCK_DGRAM)
                return true;
        return (type == SOCK_STREAM || type == SOCK_SEQPACKET) && family != AF_PACKET &&
               family != AF_CAN;
}

static bool ref_deny_matches(const struct policy_rule *rule, const struct policy_request *req)
{
        bool socket = true, check_iface = false, need_iface = false, found;
        bool ifname_ok = req->ifname && req->ifname[0] && strlen(req->ifname) < IFNAMSIZ;
        int family = req->family;

        if (req->op == POLICY_OP_STATUS)
                return rule->admin;
        if (rule->admin)
                return false;
        switch (req->op) {
        case POLICY_OP_OPEN:
                check_iface = true;
                break;
        case POLICY_OP_BIND:
                break;
        case POLICY_OP_SETOPT:
                check_iface = need_iface = req->sockopt == POLICY_SOCKOPT_BINDTODEVICE;
                break;
        case POLICY_OP_LINK:
                if (req->family != 0 && req->family != AF_CAN)
                        return false;
                family = AF_CAN;
                socket = false;
                check_iface = need_iface = true;
                break;
        case POLICY_OP_HCI_COMMAND:
                if (req->family != 0 && req->family != AF_BLUETOOTH)
                        return false;
                family = AF_BLUETOOTH;
                socket = false;
                break;
        case POLICY_OP_STATUS:
        default:
                return false;
        }

        if (socket && !ref_type_valid(family, req->type))
                return false;
        if (rule->family != 0 && rule->family != family)
                return false;
        if (socket && rule->type != 0 && rule->type != req->type)
                return false;
        if (socket && rule->n_protocols > 0) {
                found = false;
                for (uint32_t i = 0; i < rule->n_protocols; i++)
                        found = found || rule->protocols[i] == req->protocol;
                if (!found)
                        return false;
        }
        if (need_iface && !ifname_ok)
                return false;
        if (check_iface && rule->n_ifaces > 0) {
                found = false;
                for (uint32_t i = 0; ifname_ok && i < rule->n_ifaces; i++)
                        found = found || fnmatch(rule->ifaces[i], req->ifname, 0) == 0;
                if (!found)
                        return false;
        }
        return true;
}

/* The reference: a plain first-match scan over every rule. */
static enum policy_verdict linear_check(const policy *p, const struct policy_peer *peer,
                                        const struct policy_request *req, int *ret_rule)
{
        for (size_t i = 0; i < policy_n_rules(p); i++) {
                const struct policy_rule *rule = policy_get_rule(p, i);
                bool in_group = rule->has_gid && peer->gid == rule->gid;

                for (size_t k = 0; peer->groups && k < peer->n_groups; k++)
                        in_group = in_group || (rule->has_gid && peer->groups[k] == rule->gid);

                if (!rule->everyone) {
                        if (rule->has_uid && rule->uid != peer->uid)
                                continue;
                        if (rule->has_gid && !in_group)
                                continue;
                        if (rule->unit && (!peer->unit || strcmp(rule->unit, peer->unit) != 0))
                                continue;
                        if (rule->cgroup) {
                                size_t n = strlen(rule->cgroup);

                                if (!peer->cgroup || strncmp(peer->cgroup, rule->cgroup, n) != 0)
                                        continue;
                                if (n > 1 && peer->cgroup[n] != '\0' && peer->cgroup[n] != '/')
                                        continue;
                        }
                }
                if (rule->allow ? !policy_rule_permits(rule, req) : !ref_deny_matches(rule, req))
                        continue;
                *ret_rule = (int)i;
                return rule->allow ? POLICY_VERDICT_ALLOW : POLICY_VERDICT_DENY;
        }
        *ret_rule = NO_RULE;
        return POLICY_VERDICT_NO_MATCH;
}

START_TEST(test_eval)
{
        _cleanup_(policy_freep) policy *p = compile_ok(eval_policies[eval_cases[_i].policy]);
        const struct policy_peer *peer = &peers[eval_cases[_i].peer];
        const struct policy_request *req = &eval_cases[_i].req;
        const struct policy_rule *rule = (void *)1;
        enum policy_verdict v;
        int linear_rule;

        v = policy_check(p, peer, req, &rule);
        ck_assert_int_eq(v, eval_cases[_i].verdict);
        if (eval_cases[_i].rule == NO_RULE) {
                ck_assert_ptr_null(rule);
        } else {
                ck_assert_ptr_nonnull(rule);
                ck_assert_int_eq((int)rule->index, eval_cases[_i].rule);
                ck_assert_ptr_eq(rule, policy_get_rule(p, rule->index));
                /* The opener's re-check agrees with the broker's verdict. */
                ck_assert_int_eq(policy_rule_permits(rule, req), v == POLICY_VERDICT_ALLOW);
        }

        ck_assert_int_eq(linear_check(p, peer, req, &linear_rule), v);
        ck_assert_int_eq(linear_rule, eval_cases[_i].rule);

        ck_assert_int_eq(policy_check(p, peer, req, NULL), v);
}
END_TEST

/* libpcap opens packet sockets with protocol 0 and binds later. */
START_TEST(test_packet_protocol_zero)
{
        _cleanup_(policy_freep) policy *all = compile_ok("allow everyone packet raw proto=all\n");
        _cleanup_(policy_freep) policy *ip = compile_ok("allow everyone packet raw proto=ip\n");
        _cleanup_(policy_freep) policy *any = compile_ok("allow everyone packet raw\n");
        struct policy_request req = { .family = AF_PACKET, .type = SOCK_RAW, .protocol = 0 };

        ck_assert(policy_rule_permits(policy_get_rule(all, 0), &req));
        ck_assert(policy_rule_permits(policy_get_rule(any, 0), &req));
        ck_assert(!policy_rule_permits(policy_get_rule(ip, 0), &req));
        req.family = AF_INET;
        ck_assert(!policy_rule_permits(policy_get_rule(all, 0), &req));
}
END_TEST

START_TEST(test_eval_null)
{
        _cleanup_(policy_freep) policy *p = compile_ok("allow everyone any");
        const struct policy_request req = OPEN(AF_INET, SOCK_RAW, 1, NULL);
        const struct policy_rule *rule = (void *)1;

        ck_assert_int_eq(policy_check(NULL, &peers[0], &req, &rule), POLICY_VERDICT_NO_MATCH);
        ck_assert_ptr_null(rule);
        ck_assert_int_eq(policy_check(p, NULL, &req, NULL), POLICY_VERDICT_NO_MATCH);
        ck_assert_int_eq(policy_check(p, &peers[0], NULL, NULL), POLICY_VERDICT_NO_MATCH);
        ck_assert_int_eq(policy_check(p, &peers[0], &req, NULL), POLICY_VERDICT_ALLOW);
        ck_assert(!policy_rule_permits(NULL, &req));
        ck_assert(!policy_rule_permits(policy_get_rule(p, 0), NULL));
}
END_TEST

/* Ten thousand per-uid rules, then a catch-all: the index must find the
 * right one for each uid, and the catch-all for others. */
START_TEST(test_eval_many)
{
        enum { N = 10000 };
        _cleanup_free_ char *text = malloc((size_t)N * 64 + 64);
        _cleanup_(policy_freep) policy *p = NULL, *q = NULL;
        _cleanup_free_ void *image = NULL;
        static const uint32_t uids[] = { 0, 1, 2, 4999, 5000, 7777, 9998, 9999 };
        size_t len = 0, image_len;

        ck_assert_ptr_nonnull(text);
        for (unsigned i = 0; i < N; i++)
                len += (size_t)sprintf(text + len, "%s uid=%u inet raw proto=%s\n",
                                       i % 3 ? "allow" : "deny", i, i % 2 ? "icmp" : "tcp");
        len += (size_t)sprintf(text + len, "allow everyone inet raw\n");
        p = compile_ok(text);
        ck_assert_uint_eq(policy_n_rules(p), N + 1);

        ck_assert_int_eq(policy_export(p, &image, &image_len), 0);
        ck_assert_int_eq(policy_import(image, image_len, &q), 0);

        for (size_t i = 0; i < ELEMENTSOF(uids); i++) {
                struct policy_peer peer = { .uid = uids[i], .gid = 100000 };
                struct policy_request req =
                        OPEN(AF_INET, SOCK_RAW, uids[i] % 2 ? IPPROTO_ICMP : IPPROTO_TCP, NULL);
                const struct policy_rule *rule;
                enum policy_verdict v = policy_check(p, &peer, &req, &rule);

                ck_assert_ptr_nonnull(rule);
                ck_assert_uint_eq(rule->index, uids[i]);
                ck_assert_uint_eq(rule->uid, uids[i]);
                ck_assert_int_eq(v, uids[i] % 3 ? POLICY_VERDICT_ALLOW : POLICY_VERDICT_DENY);
                ck_assert_int_eq(policy_check(q, &peer, &req, &rule), v);
                ck_assert_uint_eq(rule->index, uids[i]);

                /* The other protocol falls through to the catch-all. */
                req.protocol = uids[i] % 2 ? IPPROTO_TCP : IPPROTO_ICMP;
                ck_assert_int_eq(policy_check(p, &peer, &req, &rule), POLICY_VERDICT_ALLOW);
                ck_assert_uint_eq(rule->index, N);
        }

        ck_assert_int_eq(policy_check(p, &(struct policy_peer){ .uid = N, .gid = N },
                                      &(struct policy_request)OPEN(AF_INET, SOCK_RAW, 1, NULL), NULL),
                         POLICY_VERDICT_ALLOW);
        ck_assert_int_eq(policy_check(p, &(struct policy_peer){ .uid = 5, .gid = 5 },
                                      &(struct policy_request)OPEN(AF_INET6, SOCK_RAW, 1, NULL), NULL),
                         POLICY_VERDICT_NO_MATCH);
}
END_TEST

/* Many rules per group and a peer in many groups. */
START_TEST(test_eval_many_groups)
{
        enum { N = 2000 };
        _cleanup_free_ char *text = malloc((size_t)N * 64);
        _cleanup_(policy_freep) policy *p = NULL;
        gid_t groups[64];
        size_t len = 0;

        ck_assert_ptr_nonnull(text);
        for (unsigned i = 0; i < N; i++)
                len += (size_t)sprintf(text + len, "allow gid=%u packet raw proto=%u\n", i % 100, i);
        p = compile_ok(text);

        for (size_t i = 0; i < ELEMENTSOF(groups); i++)
                groups[i] = (gid_t)(99 - i);    /* 99 .. 36 */

        for (unsigned proto = 0; proto < N; proto += 37) {
                struct policy_peer peer = { .uid = 1, .gid = 5, .groups = groups, .n_groups = ELEMENTSOF(groups) };
                struct policy_request req = OPEN(AF_PACKET, SOCK_RAW, proto, "eth0");
                const struct policy_rule *rule;
                enum policy_verdict v = policy_check(p, &peer, &req, &rule);
                int expect, linear;

                expect = (proto % 100 == 5 || proto % 100 >= 36) ? (int)proto : NO_RULE;
                ck_assert_int_eq(v, expect == NO_RULE ? POLICY_VERDICT_NO_MATCH : POLICY_VERDICT_ALLOW);
                ck_assert_int_eq(rule ? (int)rule->index : NO_RULE, expect);
                ck_assert_int_eq(linear_check(p, &peer, &req, &linear), v);
                ck_assert_int_eq(linear, expect);
        }
}
END_TEST

/* ---- policy_rule_permits(): identity is not looked at. ---- */

static const struct {
        const char *rule;
        struct policy_request req;
        bool permits;
} permit_cases[] = {
        { "allow everyone inet raw proto=icmp", OPEN(AF_INET, SOCK_RAW, 1, NULL), true },
        { "allow everyone inet raw proto=icmp", OPEN(AF_INET, SOCK_RAW, 6, NULL), false },
        { "allow everyone inet raw proto=icmp", OPEN(AF_INET6, SOCK_RAW, 1, NULL), false },
        { "allow everyone inet raw proto=icmp", OPEN(AF_INET, SOCK_DGRAM, 1, NULL), false },
        { "allow everyone inet raw proto=icmp", OPEN(AF_INET, SOCK_RAW, 1, "eth0"), true },
        { "deny everyone inet raw", OPEN(AF_INET, SOCK_RAW, 1, NULL), false },
        { "allow uid=5 any", OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0"), true },
        { "allow uid=5 any", OPEN(AF_CAN, SOCK_RAW, 1, NULL), true },
        { "allow uid=5 any", OPEN(AF_UNIX, SOCK_STREAM, 0, NULL), false },
        { "allow uid=5 any", OPEN(AF_NETLINK, SOCK_RAW, 0, NULL), false },
        { "allow uid=5 any", OPEN(0, SOCK_RAW, 0, NULL), false },
        { "allow uid=5 any", OPEN(AF_PACKET, SOCK_STREAM, 0, NULL), false },
        { "allow uid=5 any", OPEN(AF_INET, SOCK_RDM, 0, NULL), false },
        { "allow uid=5 any", OPEN(AF_INET, 0, 0, NULL), false },
        { "allow uid=5 inet any", OPEN(AF_INET, SOCK_SEQPACKET, 132, NULL), true },
        { "allow everyone inet raw", OPEN(AF_INET, SOCK_RAW | SOCK_NONBLOCK, 1, NULL), false },
        { "allow everyone packet raw iface=eth*", OPEN(AF_PACKET, SOCK_RAW, 3, "eth0"), true },
        { "allow everyone packet raw iface=eth*", OPEN(AF_PACKET, SOCK_RAW, 3, NULL), false },
        { "allow everyone packet raw iface=eth*", OPEN(AF_PACKET, SOCK_RAW, 3, ""), false },
        { "allow everyone packet raw iface=eth*", OPEN(AF_PACKET, SOCK_RAW, 3, "wlan0"), false },
        { "allow everyone packet raw iface=eth*", OPEN(AF_PACKET, SOCK_RAW, 3, "eth0123456789ab"), true },
        { "allow everyone packet raw iface=eth*", OPEN(AF_PACKET, SOCK_RAW, 3, "eth0123456789abc"), false },
        { "allow everyone packet raw iface=eth[0-9]", OPEN(AF_PACKET, SOCK_RAW, 3, "eth5"), true },
        { "allow everyone packet raw iface=eth[0-9]", OPEN(AF_PACKET, SOCK_RAW, 3, "ethx"), false },
        { "allow everyone packet raw iface=eth[0-9]", OPEN(AF_PACKET, SOCK_RAW, 3, "eth10"), false },
        { "allow everyone packet raw iface=?", OPEN(AF_PACKET, SOCK_RAW, 3, "a"), true },
        { "allow everyone packet raw iface=?", OPEN(AF_PACKET, SOCK_RAW, 3, "ab"), false },
        { "allow everyone packet raw iface=*", OPEN(AF_PACKET, SOCK_RAW, 3, ".hidden"), true },
        { "allow everyone packet raw proto=all", OPEN(AF_PACKET, SOCK_RAW, ETH_P_IP, NULL), false },
        { "allow everyone packet raw proto=all", OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, NULL), true },
        { "allow everyone packet raw proto=all,ip", OPEN(AF_PACKET, SOCK_RAW, ETH_P_IP, NULL), true },
        { "allow everyone any iface=lo", OPEN(AF_INET6, SOCK_DGRAM, 17, "lo"), true },
        { "allow everyone any iface=lo", OPEN(AF_INET6, SOCK_DGRAM, 17, NULL), false },
        /* every operation but OPEN needs its word */
        { "allow everyone any", BIND(AF_INET, SOCK_STREAM, 6, 80), false },
        { "allow everyone any", SETOPT(AF_INET, SOCK_RAW, 1, MARK, 1), false },
        { "allow everyone any", LINK("can0", POLICY_LINK_UP, 0), false },
        { "allow everyone any", HCI_COMMAND(0, 0x0c03), false },
        { "allow everyone any", STATUS, false },
        { "allow everyone inet stream", STATUS, false },
        { "allow everyone admin", STATUS, true },
        { "deny everyone admin", STATUS, false },
        { "allow everyone admin", OPEN(AF_INET, SOCK_RAW, 1, NULL), false },
        { "allow everyone admin", LINK("can0", POLICY_LINK_UP, 0), false },
        { "allow everyone admin", { .op = POLICY_OP_STATUS, .family = AF_INET }, true },
        /* BIND */
        { "allow everyone inet stream bind=80", BIND(AF_INET, SOCK_STREAM, 6, 80), true },
        { "allow everyone inet stream bind=80", BIND(AF_INET, SOCK_STREAM, 6, 81), false },
        { "allow everyone inet stream bind=80", BIND(AF_INET6, SOCK_STREAM, 6, 80), false },
        { "allow everyone inet stream bind=80", BIND(AF_INET, SOCK_DGRAM, 17, 80), false },
        { "allow everyone inet stream bind=80", OPEN(AF_INET, SOCK_STREAM, 6, NULL), true },
        { "allow everyone inet bind=1-1023 iface=eth0", BIND(AF_INET, SOCK_DGRAM, 17, 1023), true },
        { "allow everyone inet bind=1-1023 iface=eth0", BIND(AF_INET, SOCK_DGRAM, 17, 0), false },
        { "allow everyone inet bind=1-1023 iface=eth0", BIND(AF_INET, SOCK_DGRAM, 17, 65536 + 80), false },
        { "allow everyone inet stream", BIND(AF_INET, SOCK_STREAM, 6, 80), false },
        { "allow everyone inet stream bind=80", { .op = POLICY_OP_BIND, .family = AF_INET, .type = SOCK_STREAM }, false },
        { "allow everyone bluetooth bind=0x1001", BIND(AF_BLUETOOTH, SOCK_SEQPACKET, BTPROTO_L2CAP, 0x1001), true },
        { "allow everyone bluetooth bind=0x1001", BIND(AF_BLUETOOTH, SOCK_STREAM, BTPROTO_RFCOMM, 0x1001), false },
        { "allow everyone bluetooth bind=0x1001", BIND(AF_BLUETOOTH, SOCK_SEQPACKET, BTPROTO_L2CAP, 0x1003), false },
        /* SETOPT */
        { "allow everyone inet raw option=mark", SETOPT(AF_INET, SOCK_RAW, 1, MARK, UINT32_MAX), true },
        { "allow everyone inet raw option=mark", SETOPT(AF_INET, SOCK_RAW, 1, MARK, UINT64_C(1) << 32), false },
        { "allow everyone inet raw option=mark", SETOPT(AF_INET, SOCK_RAW, 1, PRIORITY, 0), false },
        { "allow everyone inet raw option=mark:5-6", SETOPT(AF_INET, SOCK_RAW, 1, MARK, 6), true },
        { "allow everyone inet raw option=mark:5-6", SETOPT(AF_INET, SOCK_RAW, 1, MARK, 7), false },
        { "allow everyone inet raw option=priority:0-6", SETOPT(AF_INET, SOCK_RAW, 1, PRIORITY, 6), true },
        { "allow everyone inet raw option=priority:0-6", SETOPT(AF_INET, SOCK_RAW, 1, PRIORITY, 7), false },
        { "allow everyone inet raw option=rcvbufforce", SETOPT(AF_INET, SOCK_RAW, 1, RCVBUFFORCE, INT32_MAX), true },
        { "allow everyone inet raw option=rcvbufforce", SETOPT(AF_INET, SOCK_RAW, 1, RCVBUFFORCE, UINT32_MAX), false },
        { "allow everyone inet raw option=rcvbufforce", SETOPT(AF_INET, SOCK_RAW, 1, SNDBUFFORCE, 1), false },
        { "allow everyone inet raw option=sndbufforce:4096", SETOPT(AF_INET, SOCK_RAW, 1, SNDBUFFORCE, 4096), true },
        { "allow everyone inet raw option=mark", SETOPT(AF_INET, SOCK_RAW, 1, NONE, 0), false },
        { "allow everyone inet raw option=mark", { .op = POLICY_OP_SETOPT, .family = AF_INET, .type = SOCK_RAW,
                                                   .sockopt = _POLICY_SOCKOPT_MAX }, false },
        { "allow everyone inet raw option=mark", { .op = POLICY_OP_SETOPT, .family = AF_INET, .type = SOCK_RAW,
                                                   .sockopt = (enum policy_sockopt)-1 }, false },
        { "allow everyone inet raw option=mark", SETOPT(AF_INET, SOCK_DGRAM, 17, MARK, 1), false },
        { "allow everyone packet raw option=bindtodevice", SETDEV(AF_PACKET, SOCK_RAW, 3, "eth1"), true },
        { "allow everyone packet raw option=bindtodevice", SETDEV(AF_PACKET, SOCK_RAW, 3, NULL), false },
        { "allow everyone packet raw option=bindtodevice", SETDEV(AF_PACKET, SOCK_RAW, 3, ""), false },
        { "allow everyone packet raw option=bindtodevice", SETDEV(AF_PACKET, SOCK_RAW, 3, "eth0123456789abc"), false },
        { "allow everyone packet raw option=bindtodevice iface=eth*", SETDEV(AF_PACKET, SOCK_RAW, 3, "eth1"), true },
        { "allow everyone packet raw option=bindtodevice iface=eth*", SETDEV(AF_PACKET, SOCK_RAW, 3, "wlan0"), false },
        { "allow everyone packet raw option=mark iface=eth*", SETOPT(AF_PACKET, SOCK_RAW, 3, MARK, 1), true },
        { "allow everyone packet raw option=mark iface=eth*", SETDEV(AF_PACKET, SOCK_RAW, 3, "eth0"), false },
        /* LINK */
        { "allow everyone can link=up", LINK("can0", POLICY_LINK_UP, 0), true },
        { "allow everyone can link=up", LINK("can0", POLICY_LINK_DOWN, 0), false },
        { "allow everyone can link=up", LINK(NULL, POLICY_LINK_UP, 0), false },
        { "allow everyone can link=up", LINK("", POLICY_LINK_UP, 0), false },
        { "allow everyone can link=up", { .op = POLICY_OP_LINK, .family = AF_INET, .ifname = "can0",
                                          .link_op = POLICY_LINK_UP }, false },
        { "allow everyone can link=up,down", LINK("can0", 0, 0), false },
        { "allow everyone can link=up,down", LINK("can0", 8, 0), false },
        { "allow everyone can raw proto=raw link=down", LINK("can0", POLICY_LINK_DOWN, 0), true },
        { "allow everyone can link=up iface=vcan*", LINK("vcan1", POLICY_LINK_UP, 0), true },
        { "allow everyone can link=up iface=vcan*", LINK("can1", POLICY_LINK_UP, 0), false },
        { "allow everyone can link=bitrate bitrate=500000", LINK("can0", POLICY_LINK_BITRATE, 500000), true },
        { "allow everyone can link=bitrate bitrate=500000", LINK("can0", POLICY_LINK_BITRATE, 500001), false },
        { "allow everyone can link=bitrate bitrate=500000", LINK("can0", POLICY_LINK_UP, 0), false },
        { "allow everyone can link=bitrate,down bitrate=10000-1000000", LINK("can0", POLICY_LINK_BITRATE, 10000), true },
        /* HCI_COMMAND */
        { "allow everyone bluetooth command=reset", HCI_COMMAND(0, 0x0c03), true },
        { "allow everyone bluetooth command=reset", HCI_COMMAND(7, 0x0c03), true },
        { "allow everyone bluetooth command=reset", HCI_COMMAND(0, 0x0c01), false },
        { "allow everyone bluetooth command=reset dev=1", HCI_COMMAND(0, 0x0c03), false },
        { "allow everyone bluetooth command=reset dev=1", HCI_COMMAND(1, 0x0c03), true },
        { "allow everyone bluetooth raw proto=hci", HCI_COMMAND(0, 0x0c03), false },
        { "allow everyone bluetooth command=reset", { .op = POLICY_OP_HCI_COMMAND, .family = AF_CAN,
                                                      .opcode = 0x0c03 }, false },
        /* OPEN: Bluetooth addresses */
        { "allow everyone bluetooth raw proto=hci", OPEN_HCI(HCI_RAW, 0), true },
        { "allow everyone bluetooth raw proto=hci", OPEN_HCI(HCI_MONITOR, 0), false },
        { "allow everyone bluetooth raw proto=hci hci=monitor", OPEN_HCI(HCI_MONITOR, 0), true },
        { "allow everyone bluetooth raw proto=hci hci=monitor", OPEN_HCI(HCI_RAW, 0), false },
        { "allow everyone bluetooth raw proto=hci hci=user,control", OPEN_HCI(HCI_CONTROL, 3), true },
        { "allow everyone bluetooth raw proto=hci hci=user,control", OPEN_HCI(4, 3), false },
        { "allow everyone bluetooth raw proto=hci hci=user,control", OPEN_HCI(33, 3), false },
        { "allow everyone bluetooth raw proto=hci dev=1-2", OPEN_HCI(HCI_RAW, 2), true },
        { "allow everyone bluetooth raw proto=hci dev=1-2", OPEN_HCI(HCI_RAW, 0), false },
        { "allow everyone bluetooth raw proto=hci dev=1-2",
          { .family = AF_BLUETOOTH, .type = SOCK_RAW, .protocol = BTPROTO_HCI }, false },
        { "allow everyone bluetooth raw proto=hci",
          { .family = AF_BLUETOOTH, .type = SOCK_RAW, .protocol = BTPROTO_HCI }, false },
        { "allow everyone bluetooth raw proto=hci",
          { .family = AF_BLUETOOTH, .type = SOCK_RAW, .protocol = BTPROTO_HCI, .has_channel = true }, true },
        { "allow everyone bluetooth raw", OPEN(AF_BLUETOOTH, SOCK_RAW, BTPROTO_L2CAP, NULL), true },
        { "allow everyone bluetooth dev=0", OPEN(AF_BLUETOOTH, SOCK_RAW, BTPROTO_L2CAP, NULL), false },
        { "allow everyone bluetooth bind=0x1001",
          { .family = AF_BLUETOOTH, .type = SOCK_STREAM, .protocol = BTPROTO_RFCOMM,
            .has_port = true, .port = 0x1001 }, false },
        { "allow everyone packet",
          { .family = AF_PACKET, .type = SOCK_RAW, .protocol = 3, .has_port = true, .port = 1 }, false },
        { "allow everyone can", { .family = AF_CAN, .type = SOCK_RAW, .protocol = CAN_RAW,
                                  .has_can_ids = true }, false },
        { "allow everyone can", { .family = AF_CAN, .type = SOCK_DGRAM, .protocol = CAN_ISOTP,
                                  .has_j1939 = true }, false },
        { "allow everyone can rx=1", OPEN(AF_CAN, SOCK_RAW, CAN_RAW, "can0"), false },
        { "allow everyone bluetooth", OPEN_L2CAP(0x1001, 0), false },
        { "allow everyone bluetooth bind=0x1001", OPEN_L2CAP(0x1001, 0), true },
        { "allow everyone bluetooth bind=0x1001", OPEN(AF_BLUETOOTH, SOCK_SEQPACKET, 0, NULL), true },
        { "allow everyone bluetooth bind=0x1001", OPEN(AF_BLUETOOTH, SOCK_STREAM, BTPROTO_RFCOMM, NULL), true },
        { "allow everyone bluetooth stream proto=rfcomm", OPEN_RFCOMM(30), true },
        { "allow everyone bluetooth stream proto=rfcomm", OPEN_RFCOMM(0), true },
        { "allow everyone bluetooth stream proto=rfcomm", OPEN_RFCOMM(31), false },
        { "allow everyone bluetooth stream proto=rfcomm", OPEN_RFCOMM(261), false },
        { "allow everyone any stream iface=lo",
          { .family = AF_BLUETOOTH, .type = SOCK_STREAM, .protocol = BTPROTO_RFCOMM, .ifname = "lo",
            .has_channel = true, .channel = 261 }, false },
        { "allow everyone bluetooth stream proto=rfcomm channel=1-3", OPEN_RFCOMM(3), true },
        { "allow everyone bluetooth stream proto=rfcomm channel=1-3", OPEN_RFCOMM(4), false },
        { "allow everyone bluetooth stream proto=rfcomm channel=1-3", OPEN(AF_BLUETOOTH, SOCK_STREAM, 3, NULL), false },
        { "allow everyone bluetooth", { .family = AF_BLUETOOTH, .type = SOCK_SEQPACKET, .protocol = BTPROTO_L2CAP,
                                        .has_channel = true, .channel = 1 }, false },
        /* OPEN: CAN addresses */
        { "allow everyone can dgram proto=isotp", OPEN_ISOTP("can0", 1, 2), true },
        { "allow everyone can dgram proto=isotp rx=1", OPEN_ISOTP("can0", 1, 2), true },
        { "allow everyone can dgram proto=isotp rx=1", OPEN_ISOTP("can0", 2, 1), false },
        { "allow everyone can dgram proto=isotp tx=0x700-0x7ff", OPEN_ISOTP("can0", 0, 0x7ff), true },
        { "allow everyone can dgram proto=isotp tx=0x700-0x7ff", OPEN_ISOTP("can0", 0, 0x800), false },
        { "allow everyone can dgram proto=isotp tx=0x700-0x7ff", OPEN(AF_CAN, SOCK_DGRAM, CAN_ISOTP, "can0"), false },
        /* 29-bit ids carry CAN_EFF_FLAG; the rule gives the id alone */
        { "allow everyone can dgram proto=isotp rx=0x18da00f1 tx=0x18daf100",
          OPEN_ISOTP("can0", 0x98da00f1u, 0x98daf100u), true },
        { "allow everyone can dgram proto=isotp rx=0x18da00f1 tx=0x18daf100",
          OPEN_ISOTP("can0", 0x98da00f2u, 0x98daf100u), false },
        { "allow everyone can", OPEN_J1939("can0", 1, 2, 3), true },
        { "allow everyone can addr=3", OPEN_J1939("can0", 1, 2, 3), true },
        { "allow everyone can addr=3", OPEN_J1939("can0", 1, 2, 4), false },
        { "allow everyone can pgn=2", OPEN_J1939("can0", 1, 3, 3), false },
        { "allow everyone can name=0xffffffffffffffff", OPEN_J1939("can0", UINT64_MAX, 3, 3), true },
        { "allow everyone can name=0xffffffffffffffff", OPEN_J1939("can0", UINT64_MAX - 1, 3, 3), false },
        { "allow everyone can name=1", OPEN(AF_CAN, SOCK_DGRAM, CAN_J1939, "can0"), false },
        { "allow everyone inet", { .family = AF_INET, .type = SOCK_DGRAM, .protocol = 17,
                                   .has_can_ids = true }, false },
        { "allow everyone inet", { .family = AF_INET, .type = SOCK_DGRAM, .protocol = 17,
                                   .has_j1939 = true }, false },
        { "allow everyone inet", { .family = AF_INET, .type = SOCK_DGRAM, .protocol = 17,
                                   .has_dev = true }, false },
        { "allow everyone inet", { .family = AF_INET, .type = SOCK_DGRAM, .protocol = 17,
                                   .can_fd = true }, false },
        { "allow everyone inet", { .family = AF_INET, .type = SOCK_DGRAM, .protocol = 17,
                                   .has_port = true, .port = 80 }, false },
        { "allow everyone inet bind=80", { .family = AF_INET, .type = SOCK_DGRAM, .protocol = 17,
                                           .has_port = true, .port = 80 }, true },
        { "allow everyone can raw", { .family = AF_CAN, .type = SOCK_RAW, .protocol = 1, .can_fd = true }, false },
        { "allow everyone can raw fd=yes", { .family = AF_CAN, .type = SOCK_RAW, .protocol = 1, .can_fd = true }, true },
        { "allow everyone can raw fd=yes", OPEN(AF_CAN, SOCK_RAW, 1, NULL), true },
};

START_TEST(test_permits)
{
        _cleanup_(policy_freep) policy *p = compile_ok(permit_cases[_i].rule);

        ck_assert_int_eq(policy_rule_permits(policy_get_rule(p, 0), &permit_cases[_i].req),
                         permit_cases[_i].permits);
}
END_TEST

/* ---- Capabilities. ---- */

#define NET_RAW (UINT64_C(1) << CAP_NET_RAW)
#define NET_ADMIN (UINT64_C(1) << CAP_NET_ADMIN)
#define NET_BIND (UINT64_C(1) << CAP_NET_BIND_SERVICE)
/* Entering the client's network namespace: SIOCGSKNS and setns(2). */
#define CLIENT_NETNS ((UINT64_C(1) << CAP_SYS_ADMIN) | (UINT64_C(1) << CAP_NET_ADMIN))

static const struct {
        const char *text;
        uint64_t caps;
} caps_cases[] = {
        { "", 0 },
        /* OPEN, and the client's namespace by default for IP and packet */
        { "allow everyone inet raw", NET_RAW | CLIENT_NETNS },
        { "allow everyone inet raw netns=host", NET_RAW },
        { "allow everyone inet dgram", CLIENT_NETNS },
        { "allow everyone inet dgram netns=host", 0 },
        { "allow everyone inet stream proto=tcp netns=host", 0 },
        { "allow everyone inet6 any netns=host", NET_RAW },
        { "allow everyone inet6 stream", CLIENT_NETNS },
        { "allow everyone packet dgram", NET_RAW | CLIENT_NETNS },
        { "allow everyone packet raw proto=all netns=host", NET_RAW },
        { "allow everyone packet raw netns=client", NET_RAW | CLIENT_NETNS },
        { "deny everyone packet raw", 0 },
        { "allow everyone any", NET_RAW | CLIENT_NETNS },
        { "allow everyone any stream netns=host", NET_RAW },
        { "allow everyone can raw", 0 },
        { "allow everyone can dgram proto=isotp,j1939 rx=1 tx=2 addr=3 pgn=4 name=5 fd=yes", 0 },
        { "allow everyone can raw netns=client", CLIENT_NETNS },
        /* Bluetooth */
        { "allow everyone bluetooth raw", NET_RAW },
        { "allow everyone bluetooth any proto=l2cap", NET_RAW },
        { "allow everyone bluetooth raw proto=l2cap,hci", NET_RAW },
        { "allow everyone bluetooth seqpacket proto=l2cap", 0 },
        { "allow everyone bluetooth raw proto=hci", 0 },
        { "allow everyone bluetooth raw proto=hci dev=0 hci=raw,control", 0 },
        { "allow everyone bluetooth stream proto=rfcomm channel=1", 0 },
        { "allow everyone bluetooth raw proto=hci hci=monitor", NET_RAW },
        { "allow everyone bluetooth raw proto=hci hci=user", NET_ADMIN },
        { "allow everyone bluetooth raw proto=hci hci=user,monitor", NET_ADMIN | NET_RAW },
        { "allow everyone bluetooth raw proto=hci events=le-meta", NET_RAW },
        { "allow everyone bluetooth raw proto=hci command=reset", NET_RAW },
        { "allow everyone bluetooth seqpacket proto=l2cap bind=0x1001", NET_BIND },
        /* operation words */
        { "allow everyone inet stream proto=tcp bind=80 netns=host", NET_BIND },
        { "allow everyone inet6 stream bind=8080", NET_BIND | CLIENT_NETNS },
        { "allow everyone inet dgram option=mark netns=host", NET_RAW },
        { "allow everyone inet dgram option=priority:0-6 netns=host", NET_RAW },
        { "allow everyone packet dgram option=bindtodevice netns=host", NET_RAW },
        { "allow everyone inet stream option=rcvbufforce netns=host", NET_ADMIN },
        { "allow everyone can raw option=sndbufforce:0-1000000", NET_ADMIN },
        { "allow everyone can raw option=mark", NET_RAW },
        { "allow everyone can link=up,down", NET_ADMIN },
        { "allow everyone can link=bitrate bitrate=500000 netns=client", NET_ADMIN | CLIENT_NETNS },
        /* admin, deny rules and combinations */
        { "allow everyone admin", 0 },
        { "deny everyone admin", 0 },
        { "deny everyone any\nallow everyone admin", 0 },
        { "allow everyone inet stream\ndeny everyone inet raw", CLIENT_NETNS },
        { "allow uid=1 inet dgram netns=host\nallow uid=2 packet raw netns=host", NET_RAW },
        /* the example policy's active rules */
        { "allow group=nogroup inet raw proto=icmp\nallow group=nogroup packet raw proto=all",
          NET_RAW | CLIENT_NETNS },
        { "allow everyone inet stream bind=80 option=rcvbufforce netns=host\n"
          "allow everyone can link=up\n"
          "allow everyone packet raw", NET_BIND | NET_ADMIN | NET_RAW | CLIENT_NETNS },
};

START_TEST(test_capabilities)
{
        _cleanup_(policy_freep) policy *p = compile_ok(caps_cases[_i].text);

        ck_assert_uint_eq(policy_capabilities(p), caps_cases[_i].caps);
}
END_TEST

/* ---- Formatting. ---- */

static const struct {
        struct policy_request req;
        const char *text;
} request_format_cases[] = {
        { OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0"), "packet/raw/all@eth0" },
        { OPEN(AF_PACKET, SOCK_DGRAM, ETH_P_1588, "eth1"), "packet/dgram/ptp@eth1" },
        { OPEN(AF_PACKET, SOCK_DGRAM, 0x1234, NULL), "packet/dgram/0x1234" },
        { OPEN(AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), "inet/raw/icmp" },
        { OPEN(AF_INET6, SOCK_RAW, 58, "lo"), "inet6/raw/ipv6-icmp@lo" },
        { OPEN(AF_CAN, SOCK_RAW, 1, "can0"), "can/raw/raw@can0" },
        { OPEN(AF_BLUETOOTH, SOCK_SEQPACKET, 0, NULL), "bluetooth/seqpacket/l2cap" },
        { OPEN(AF_UNIX, SOCK_STREAM, 0, NULL), "unix/stream/0" },
        { OPEN(AF_INET, SOCK_RAW, 300, NULL), "inet/raw/300" },
        { OPEN(99, 77, 5, NULL), "99/77/5" },
        { OPEN(AF_INET, SOCK_RAW, 1, "e\nx\\ y"), "inet/raw/icmp@e\\x0ax\\x5c\\x20y" },
        { OPEN(AF_INET, SOCK_RAW, 1, ""), "inet/raw/icmp@" },
        /* OPEN with addresses */
        { OPEN_ISOTP("vcan0", 0x7e8, 0x7e0), "can/dgram/isotp@vcan0 rx=0x7e8 tx=0x7e0" },
        { OPEN_J1939("can0", 0x1234, 0xfeca, 0x80), "can/dgram/j1939@can0 name=0x1234 pgn=0xfeca addr=0x80" },
        { { .family = AF_CAN, .type = SOCK_RAW, .protocol = 1, .ifname = "can0", .can_fd = true },
          "can/raw/raw@can0 fd=yes" },
        { OPEN_L2CAP(0x1001, 0), "bluetooth/seqpacket/l2cap psm=0x1001 dev=0" },
        { OPEN_HCI(HCI_MONITOR, 1), "bluetooth/raw/hci channel=monitor dev=1" },
        { OPEN_HCI(9, 0), "bluetooth/raw/hci channel=9 dev=0" },
        { OPEN_HCI(UINT32_MAX, 0), "bluetooth/raw/hci channel=4294967295 dev=0" },
        { OPEN_RFCOMM(3), "bluetooth/stream/rfcomm channel=3" },
        { { .family = AF_INET, .type = SOCK_STREAM, .protocol = 6, .has_port = true, .port = 80 },
          "inet/stream/tcp port=80" },
        /* other operations */
        { BIND(AF_INET, SOCK_STREAM, IPPROTO_TCP, 80), "bind inet/stream/tcp port 80" },
        { BIND(AF_BLUETOOTH, SOCK_SEQPACKET, 0, 0x1001), "bind bluetooth/seqpacket/l2cap psm 0x1001" },
        { SETOPT(AF_INET, SOCK_RAW, IPPROTO_ICMP, MARK, 5), "setopt inet/raw/icmp mark=5" },
        { SETOPT(AF_INET6, SOCK_DGRAM, 17, PRIORITY, 6), "setopt inet6/dgram/udp priority=6" },
        { SETOPT(AF_CAN, SOCK_RAW, 1, RCVBUFFORCE, 65536), "setopt can/raw/raw rcvbufforce=65536" },
        { SETOPT(AF_INET, SOCK_RAW, 1, SNDBUFFORCE, 1), "setopt inet/raw/icmp sndbufforce=1" },
        { SETOPT(AF_INET, SOCK_RAW, 1, NONE, 1), "setopt inet/raw/icmp option-0=1" },
        { { .op = POLICY_OP_SETOPT, .family = AF_INET, .type = SOCK_RAW, .protocol = 1, .sockopt = 9 },
          "setopt inet/raw/icmp option-9=0" },
        { SETDEV(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth1"), "setopt packet/raw/all bindtodevice=eth1" },
        { SETDEV(AF_PACKET, SOCK_RAW, ETH_P_ALL, "a b"), "setopt packet/raw/all bindtodevice=a\\x20b" },
        { SETDEV(AF_PACKET, SOCK_RAW, ETH_P_ALL, NULL), "setopt packet/raw/all bindtodevice=" },
        { LINK("vcan0", POLICY_LINK_UP, 0), "link vcan0 up" },
        { LINK("vcan0", POLICY_LINK_DOWN, 0), "link vcan0 down" },
        { LINK("can0", POLICY_LINK_BITRATE, 500000), "link can0 bitrate 500000" },
        { LINK("can0", POLICY_LINK_UP | POLICY_LINK_DOWN, 0), "link can0 op-0x3" },
        { LINK(NULL, POLICY_LINK_UP, 0), "link - up" },
        { LINK("c\n", POLICY_LINK_UP, 0), "link c\\x0a up" },
        { HCI_COMMAND(0, 0x200b), "hci-command hci0 opcode 0x200b" },
        { HCI_COMMAND(1, 0x0c03), "hci-command hci1 opcode 0x0c03" },
        { STATUS, "status" },
        { { .op = (enum policy_op)42 }, "op-42" },
        { { .op = (enum policy_op)-1 }, "op--1" },
};

START_TEST(test_request_format)
{
        char buf[128];

        ck_assert_int_eq(policy_request_format(&request_format_cases[_i].req, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, request_format_cases[_i].text);
}
END_TEST

static const struct {
        struct policy_error e;
        const char *text;
} error_format_cases[] = {
        { { "a.conf", 3, 7, "msg" }, "a.conf:3:7: msg" },
        { { "a.conf", 3, 0, "msg" }, "a.conf:3: msg" },
        { { "a.conf", 0, 0, "msg" }, "a.conf: msg" },
        { { "a.conf", 0, 5, "msg" }, "a.conf: msg" },
        { { "", 0, 0, "msg" }, "msg" },
        { { "", 0, 0, "" }, "" },
};

START_TEST(test_error_format)
{
        char buf[128];

        ck_assert_int_eq(policy_error_format(&error_format_cases[_i].e, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, error_format_cases[_i].text);
}
END_TEST

START_TEST(test_format_small_buffer)
{
        const struct policy_request req = OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0");
        const struct policy_error e = { "a.conf", 3, 7, "msg" };
        struct policy_error full;
        char buf[64];

        ck_assert_int_eq(policy_request_format(&req, buf, 20), 0);
        ck_assert_int_eq(policy_request_format(&req, buf, 19), -ENOBUFS);
        ck_assert_str_eq(buf, "packet/raw/all@eth");
        ck_assert_int_eq(policy_request_format(&req, buf, 0), -ENOBUFS);
        ck_assert_int_eq(policy_request_format(NULL, buf, sizeof(buf)), -ENOBUFS);

        ck_assert_int_eq(policy_error_format(&e, buf, 16), 0);
        ck_assert_int_eq(policy_error_format(&e, buf, 15), -ENOBUFS);
        ck_assert_str_eq(buf, "a.conf:3:7: ms");

        /* Fields that fill their arrays without a NUL are not overread. */
        memset(&full, 'x', sizeof(full));
        full.line = 1;
        full.col = 1;
        ck_assert_int_eq(policy_error_format(&full, buf, sizeof(buf)), -ENOBUFS);
}
END_TEST

/* ---- The image. ---- */

static const char image_text_a[] =
        "allow user=alice inet raw proto=icmp iface=eth0\n"
        "deny group=netmon unit=mon.service cgroup=/system.slice inet6 any\n"
        "allow everyone packet raw proto=all,ip iface=eth*,veth?\n";
static const char image_text_b[] =
        "allow uid=5 can raw proto=raw iface=can0\n"                                       /* 3 */
        "allow group=netmon inet stream bind=80,8000-8080 "
        "option=mark:1-10,priority,bindtodevice netns=host\n"                              /* 4 */
        "allow uid=7 can dgram proto=isotp,j1939 link=up,bitrate bitrate=125000,500000 "
        "rx=0x7e8 tx=0x7e0-0x7e7 addr=0x80 pgn=0xfeca name=0x1-0xffffffffffffffff fd=yes "
        "netns=client\n"                                                                   /* 5 */
        "allow uid=8 bluetooth raw dev=0-1 hci=raw,monitor channel=1-3 events=le-meta,0x0e "
        "command=le-set-scan-enable bind=0x1001\n"                                         /* 6 */
        "allow uid=9 admin\n"                                                              /* 7 */
        "allow everyone any iface=lo netns=host\n"                                         /* 8 */
        "deny uid=10 admin\n";                                                             /* 9 */

static policy *image_policy(void)
{
        const struct policy_source src[] = {
                { .name = "a.conf", .text = image_text_a, .len = sizeof(image_text_a) - 1 },
                { .name = "b.conf", .text = image_text_b, .len = sizeof(image_text_b) - 1 },
        };
        policy *p = NULL;

        ck_assert_int_eq(policy_compile(src, ELEMENTSOF(src), &test_resolver, &p, NULL), 0);
        return p;
}

struct image {
        uint8_t *buf;
        size_t len;
        size_t size;            /* allocated */
        struct policy_image_header h;
        size_t rules;           /* offset of the first rule */
        size_t words;           /* offset of the list items */
        size_t strings;         /* offset of the string table */
};

static void image_offsets(struct image *img)
{
        memcpy(&img->h, img->buf, sizeof(img->h));
        img->rules = sizeof(img->h) + img->h.n_files * sizeof(uint32_t);
        img->words = img->rules + img->h.n_rules * sizeof(struct policy_image_rule);
        img->strings = img->words + img->h.n_words * sizeof(uint32_t);
}

static void image_load(struct image *img)
{
        _cleanup_(policy_freep) policy *p = image_policy();
        void *buf;

        ck_assert_int_eq(policy_export(p, &buf, &img->len), 0);
        /* Room for mutations that append or insert. */
        img->size = img->len + 256;
        img->buf = realloc(buf, img->size);
        ck_assert_ptr_nonnull(img->buf);
        image_offsets(img);
        ck_assert_uint_eq(img->strings + img->h.strings_size, img->len);
}

static void put32(struct image *img, size_t offset, uint32_t v)
{
        ck_assert_uint_le(offset + 4, img->len);
        memcpy(img->buf + offset, &v, sizeof(v));
}

static uint32_t get32(const struct image *img, size_t offset)
{
        uint32_t v;

        memcpy(&v, img->buf + offset, sizeof(v));
        return v;
}

#define HDR(field) offsetof(struct policy_image_header, field)
#define RULE(img, i, field) \
        ((img)->rules + (i) * sizeof(struct policy_image_rule) + offsetof(struct policy_image_rule, field))
#define RULE_SET(img, i, field, v) put32(img, RULE(img, i, field), v)
#define RULE_SET2(img, i, field, k, v) put32(img, RULE(img, i, field) + (k) * sizeof(uint32_t), v)
#define N_ITEMS(list) n_items[POLICY_IMAGE_##list]

/* The offset of word k of rule i's list, counted over its items. */
static size_t item(const struct image *img, size_t i, enum policy_image_list list, size_t k)
{
        size_t w = 0;

        for (size_t r = 0; r <= i; r++)
                for (size_t l = 0; l < _POLICY_IMAGE_LISTS; l++) {
                        if (r == i && l == list)
                                return img->words + (w + k) * sizeof(uint32_t);
                        w += (size_t)get32(img, RULE(img, r, n_items[l])) * policy_image_item_words[l];
                }
        ck_abort();
}

#define ITEM_SET(img, i, list, k, v) put32(img, item(img, i, POLICY_IMAGE_##list, k), v)

/* Appends an item to rule i's list, moving what follows, so that the image
 * stays consistent in its counts and lengths. */
static void item_add(struct image *img, size_t i, enum policy_image_list list, const uint32_t *v)
{
        size_t n = policy_image_item_words[list] * sizeof(uint32_t);
        size_t at = item(img, i, list, get32(img, RULE(img, i, n_items[list])) * policy_image_item_words[list]);

        ck_assert_uint_le(img->len + n, img->size);
        memmove(img->buf + at + n, img->buf + at, img->len - at);
        memcpy(img->buf + at, v, n);
        img->len += n;
        put32(img, RULE(img, i, n_items[list]), get32(img, RULE(img, i, n_items[list])) + 1);
        put32(img, HDR(n_words), img->h.n_words + (uint32_t)(n / sizeof(uint32_t)));
        image_offsets(img);
}

#define ITEM_ADD(img, i, list, ...) item_add(img, i, POLICY_IMAGE_##list, (const uint32_t[]){ __VA_ARGS__ })

/* Removes every item of rule i's list, keeping the image consistent. */
static void items_clear(struct image *img, size_t i, enum policy_image_list list)
{
        size_t n = get32(img, RULE(img, i, n_items[list])) * policy_image_item_words[list];
        size_t at = item(img, i, list, 0), bytes = n * sizeof(uint32_t);

        memmove(img->buf + at, img->buf + at + bytes, img->len - at - bytes);
        img->len -= bytes;
        put32(img, RULE(img, i, n_items[list]), 0);
        put32(img, HDR(n_words), img->h.n_words - (uint32_t)n);
        image_offsets(img);
}

static void string_replace(struct image *img, const char *from, const char *to)
{
        uint8_t *s = memmem(img->buf + img->strings, img->h.strings_size, from, strlen(from) + 1);

        ck_assert_ptr_nonnull(s);
        ck_assert_uint_eq(strlen(from), strlen(to));
        memcpy(s, to, strlen(to));
}

static void mut_magic(struct image *m) { m->buf[0] = 'X'; }
static void mut_version_1(struct image *m) { put32(m, HDR(version), 1); }
static void mut_version_2(struct image *m) { put32(m, HDR(version), 2); }
static void mut_version_4(struct image *m) { put32(m, HDR(version), 4); }
static void mut_version_0(struct image *m) { put32(m, HDR(version), 0); }
static void mut_no_files(struct image *m) { put32(m, HDR(n_files), 0); }
static void mut_many_files(struct image *m) { put32(m, HDR(n_files), POLICY_MAX_FILES + 1); }
static void mut_one_more_rule(struct image *m) { put32(m, HDR(n_rules), m->h.n_rules + 1); }
static void mut_many_rules(struct image *m) { put32(m, HDR(n_rules), POLICY_MAX_RULES + 1); }
static void mut_huge_rules(struct image *m) { put32(m, HDR(n_rules), UINT32_MAX); }
static void mut_huge_words(struct image *m) { put32(m, HDR(n_words), UINT32_MAX); }
static void mut_one_more_word(struct image *m) { put32(m, HDR(n_words), m->h.n_words + 1); }
static void mut_word_to_strings(struct image *m)
{
        /* The lengths add up; the rules' counts do not. */
        put32(m, HDR(n_words), m->h.n_words - 1);
        put32(m, HDR(strings_size), m->h.strings_size + 4);
}
static void mut_string_to_words(struct image *m)
{
        put32(m, HDR(n_words), m->h.n_words + 1);
        put32(m, HDR(strings_size), m->h.strings_size - 4);
}
static void mut_huge_strings(struct image *m) { put32(m, HDR(strings_size), UINT32_MAX); }
static void mut_short_strings(struct image *m) { put32(m, HDR(strings_size), m->h.strings_size - 1); }
static void mut_append(struct image *m) { m->buf[m->len++] = 0; }
static void mut_truncate(struct image *m) { m->len--; }
static void mut_header_only(struct image *m) { m->len = sizeof(m->h) - 1; }
static void mut_file_offset_end(struct image *m) { put32(m, sizeof(m->h), m->h.strings_size); }
static void mut_file_offset_huge(struct image *m) { put32(m, sizeof(m->h), UINT32_MAX); }
static void mut_file_empty(struct image *m) { m->buf[m->strings + get32(m, sizeof(m->h))] = '\0'; }
static void mut_unterminated(struct image *m) { m->buf[m->len - 1] = 'x'; }
static void mut_flags_unknown(struct image *m) { RULE_SET(m, 0, flags, get32(m, RULE(m, 0, flags)) | 1u << 8); }
static void mut_flags_high(struct image *m) { RULE_SET(m, 0, flags, get32(m, RULE(m, 0, flags)) | 1u << 31); }
static void mut_file_index(struct image *m) { RULE_SET(m, 0, file, m->h.n_files); }
static void mut_line_zero(struct image *m) { RULE_SET(m, 0, line, 0); }
static void mut_family_unix(struct image *m) { RULE_SET(m, 0, family, AF_UNIX); }
static void mut_family_netlink(struct image *m) { RULE_SET(m, 0, family, AF_NETLINK); }
static void mut_family_negative(struct image *m) { RULE_SET(m, 0, family, 0x80000002u); }
static void mut_family_any_proto(struct image *m) { RULE_SET(m, 0, family, 0); }
static void mut_type_stream_packet(struct image *m) { RULE_SET(m, 2, type, SOCK_STREAM); }
static void mut_type_rdm(struct image *m) { RULE_SET(m, 0, type, SOCK_RDM); }
static void mut_type_huge(struct image *m) { RULE_SET(m, 0, type, UINT32_MAX); }
static void mut_type_flags(struct image *m) { RULE_SET(m, 0, type, SOCK_RAW | SOCK_CLOEXEC); }
static void mut_everyone_and_uid(struct image *m)
{
        RULE_SET(m, 0, flags, get32(m, RULE(m, 0, flags)) | POLICY_IMAGE_RULE_EVERYONE);
}
static void mut_no_selector(struct image *m)
{
        RULE_SET(m, 0, flags, get32(m, RULE(m, 0, flags)) & ~(uint32_t)POLICY_IMAGE_RULE_UID);
        RULE_SET(m, 0, uid, 0);
}
static void mut_no_everyone(struct image *m)
{
        RULE_SET(m, 2, flags, get32(m, RULE(m, 2, flags)) & ~(uint32_t)POLICY_IMAGE_RULE_EVERYONE);
}
static void mut_uid_invalid(struct image *m) { RULE_SET(m, 0, uid, UINT32_MAX); }
static void mut_gid_invalid(struct image *m) { RULE_SET(m, 1, gid, UINT32_MAX); }
static void mut_stray_uid(struct image *m) { RULE_SET(m, 2, uid, 7); }
static void mut_stray_gid(struct image *m) { RULE_SET(m, 2, gid, 7); }
static void mut_stray_unit(struct image *m) { RULE_SET(m, 2, unit, 1); }
static void mut_stray_cgroup(struct image *m) { RULE_SET(m, 2, cgroup, 1); }
static void mut_n_protocols(struct image *m) { RULE_SET(m, 0, N_ITEMS(PROTOCOLS), POLICY_MAX_LIST + 1); }
static void mut_n_protocols_huge(struct image *m) { RULE_SET(m, 0, N_ITEMS(PROTOCOLS), UINT32_MAX); }
static void mut_protocol_range(struct image *m) { ITEM_SET(m, 0, PROTOCOLS, 0, 256); }
static void mut_ethertype_range(struct image *m) { ITEM_SET(m, 2, PROTOCOLS, 1, 0x10000); }
static void mut_protocol_more(struct image *m) { RULE_SET(m, 0, N_ITEMS(PROTOCOLS), 2); }
static void mut_protocol_dropped(struct image *m) { RULE_SET(m, 0, N_ITEMS(PROTOCOLS), 0); }
static void mut_protocols_full(struct image *m)
{
        /* 33 items, each a valid protocol, and the words to hold them. */
        for (unsigned k = 0; k < POLICY_MAX_LIST; k++)
                ITEM_ADD(m, 0, PROTOCOLS, IPPROTO_ICMP);
}
static void mut_n_ifaces(struct image *m) { RULE_SET(m, 0, N_ITEMS(IFACES), POLICY_MAX_LIST + 1); }
static void mut_iface_offset(struct image *m) { ITEM_SET(m, 0, IFACES, 0, m->h.strings_size); }
static void mut_iface_more(struct image *m) { RULE_SET(m, 2, N_ITEMS(IFACES), 3); }
static void mut_iface_string(struct image *m) { string_replace(m, "eth0", "et/0"); }
static void mut_iface_space(struct image *m) { string_replace(m, "veth?", "veth "); }
static void mut_iface_comma(struct image *m) { string_replace(m, "eth*", "e,h*"); }
static void mut_unit_string(struct image *m) { string_replace(m, "mon.service", "mon/service"); }
static void mut_cgroup_string(struct image *m) { string_replace(m, "/system.slice", "/system.slic/"); }
static void mut_unit_offset(struct image *m) { RULE_SET(m, 1, unit, get32(m, item(m, 0, POLICY_IMAGE_IFACES, 0))); }
static void mut_unit_mid_string(struct image *m) { RULE_SET(m, 1, unit, get32(m, RULE(m, 1, unit)) + 11); }
static void flag_add(struct image *m, size_t i, uint32_t flag) { RULE_SET(m, i, flags, get32(m, RULE(m, i, flags)) | flag); }
static void mut_netns_range(struct image *m) { RULE_SET(m, 4, netns, 3); }
static void mut_netns_huge(struct image *m) { RULE_SET(m, 4, netns, UINT32_MAX); }
static void mut_netns_bt_client(struct image *m) { RULE_SET(m, 6, netns, POLICY_NETNS_CLIENT); }
static void mut_netns_deny(struct image *m) { RULE_SET(m, 1, netns, POLICY_NETNS_HOST); }
static void mut_netns_admin(struct image *m) { RULE_SET(m, 7, netns, POLICY_NETNS_HOST); }
static void mut_netns_deny_admin(struct image *m) { RULE_SET(m, 9, netns, POLICY_NETNS_HOST); }
static void mut_admin_family(struct image *m) { RULE_SET(m, 7, family, AF_INET); }
static void mut_admin_type(struct image *m) { RULE_SET(m, 7, type, SOCK_RAW); }
static void mut_admin_iface(struct image *m)
{
        /* Rule 8 with its iface=lo, and no netns=, as an admin rule. */
        flag_add(m, 8, POLICY_IMAGE_RULE_ADMIN);
        RULE_SET(m, 8, netns, 0);
}
static void mut_admin_on_inet(struct image *m) { flag_add(m, 0, POLICY_IMAGE_RULE_ADMIN); }
static void mut_admin_on_any(struct image *m) { flag_add(m, 8, POLICY_IMAGE_RULE_ADMIN); }
static void mut_can_fd_inet(struct image *m) { flag_add(m, 4, POLICY_IMAGE_RULE_CAN_FD); }
static void mut_can_fd_deny(struct image *m) { flag_add(m, 1, POLICY_IMAGE_RULE_CAN_FD); }
static void mut_can_fd_admin(struct image *m) { flag_add(m, 7, POLICY_IMAGE_RULE_CAN_FD); }
static void mut_ports_many(struct image *m) { RULE_SET(m, 4, N_ITEMS(PORTS), POLICY_MAX_LIST + 1); }
static void mut_port_reversed(struct image *m) { ITEM_SET(m, 4, PORTS, 2, 9000); }
static void mut_port_high(struct image *m) { ITEM_SET(m, 4, PORTS, 3, 0x10000); }
static void mut_port_more(struct image *m) { RULE_SET(m, 4, N_ITEMS(PORTS), 3); }
static void mut_ports_packet(struct image *m) { ITEM_ADD(m, 2, PORTS, 80, 80); }
static void mut_ports_can(struct image *m) { ITEM_ADD(m, 5, PORTS, 80, 80); }
static void mut_ports_deny(struct image *m) { ITEM_ADD(m, 1, PORTS, 80, 80); }
static void mut_psm_high(struct image *m) { ITEM_SET(m, 6, PORTS, 1, 0x10000); }
static void mut_sockopt_unknown(struct image *m) { RULE_SET(m, 4, sockopts, get32(m, RULE(m, 4, sockopts)) | 1u << 6); }
static void mut_sockopt_high(struct image *m) { RULE_SET(m, 4, sockopts, get32(m, RULE(m, 4, sockopts)) | 1u << 31); }
static void mut_sockopt_none(struct image *m) { RULE_SET(m, 4, sockopts, get32(m, RULE(m, 4, sockopts)) | 1u); }
static void mut_sockopt_reversed(struct image *m) { RULE_SET2(m, 4, sockopt_range, 2 * POLICY_SOCKOPT_MARK, 11); }
static void mut_priority_high(struct image *m) { RULE_SET2(m, 4, sockopt_range, 2 * POLICY_SOCKOPT_PRIORITY + 1, 0x80000000u); }
static void mut_sockopt_unset_range(struct image *m) { RULE_SET2(m, 4, sockopt_range, 2 * POLICY_SOCKOPT_RCVBUFFORCE + 1, 1); }
static void mut_bindtodevice_range(struct image *m) { RULE_SET2(m, 4, sockopt_range, 2 * POLICY_SOCKOPT_BINDTODEVICE + 1, 1); }
static void mut_none_range(struct image *m) { RULE_SET2(m, 4, sockopt_range, 1, 1); }
static void mut_sockopt_any(struct image *m)
{
        RULE_SET(m, 8, sockopts, 1u << POLICY_SOCKOPT_MARK);
        RULE_SET2(m, 8, sockopt_range, 2 * POLICY_SOCKOPT_MARK + 1, 1);
}
static void mut_sockopt_dropped(struct image *m) { RULE_SET(m, 4, sockopts, 1u << POLICY_SOCKOPT_BINDTODEVICE); }
static void mut_link_unknown(struct image *m) { RULE_SET(m, 5, link_ops, get32(m, RULE(m, 5, link_ops)) | 8); }
static void mut_link_inet(struct image *m) { RULE_SET(m, 4, link_ops, POLICY_LINK_UP); }
static void mut_link_no_bitrate_op(struct image *m) { RULE_SET(m, 5, link_ops, POLICY_LINK_UP); }
static void mut_link_no_bitrates(struct image *m) { items_clear(m, 5, POLICY_IMAGE_BITRATES); }
static void mut_bitrate_zero(struct image *m) { ITEM_SET(m, 5, BITRATES, 0, 0); }
static void mut_bitrate_high(struct image *m) { ITEM_SET(m, 5, BITRATES, 3, 16000001); }
static void mut_bitrate_more(struct image *m) { RULE_SET(m, 5, N_ITEMS(BITRATES), 3); }
static void mut_rx_high(struct image *m) { ITEM_SET(m, 5, RX, 1, 0x20000000); }
static void mut_rx_inet(struct image *m) { ITEM_ADD(m, 4, RX, 1, 1); }
static void mut_tx_reversed(struct image *m) { ITEM_SET(m, 5, TX, 0, 0x7e8); }
static void mut_tx_many(struct image *m) { RULE_SET(m, 5, N_ITEMS(TX), POLICY_MAX_LIST + 1); }
static void mut_tx_more(struct image *m) { RULE_SET(m, 5, N_ITEMS(TX), 2); }
static void mut_addr_high(struct image *m) { ITEM_SET(m, 5, ADDRS, 1, 0x100); }
static void mut_addr_bt(struct image *m) { ITEM_ADD(m, 6, ADDRS, 1, 1); }
static void mut_pgn_high(struct image *m) { ITEM_SET(m, 5, PGNS, 1, 0x40000); }
static void mut_pgn_more(struct image *m) { RULE_SET(m, 5, N_ITEMS(PGNS), 2); }
static void mut_name_reversed(struct image *m)
{
        ITEM_SET(m, 5, NAMES, 2, 0);
        ITEM_SET(m, 5, NAMES, 3, 0);
}
static void mut_name_more(struct image *m) { RULE_SET(m, 5, N_ITEMS(NAMES), 2); }
static void mut_name_bt(struct image *m) { ITEM_ADD(m, 6, NAMES, 1, 0, 1, 0); }
static void mut_dev_high(struct image *m) { ITEM_SET(m, 6, DEVS, 1, 0x10000); }
static void mut_dev_can(struct image *m) { ITEM_ADD(m, 5, DEVS, 0, 0); }
static void mut_hci_unknown(struct image *m) { RULE_SET(m, 6, hci_channels, get32(m, RULE(m, 6, hci_channels)) | 16); }
static void mut_hci_can(struct image *m) { RULE_SET(m, 5, hci_channels, 1); }
static void mut_channel_zero(struct image *m) { ITEM_SET(m, 6, CHANNELS, 0, 0); }
static void mut_channel_high(struct image *m) { ITEM_SET(m, 6, CHANNELS, 1, 31); }
static void mut_channel_any(struct image *m) { ITEM_ADD(m, 8, CHANNELS, 1, 1); }
static void mut_event_high(struct image *m) { ITEM_SET(m, 6, EVENTS, 0, 0x100); }
static void mut_event_more(struct image *m) { RULE_SET(m, 6, N_ITEMS(EVENTS), 3); }
static void mut_events_many(struct image *m) { RULE_SET(m, 6, N_ITEMS(EVENTS), POLICY_MAX_LIST + 1); }
static void mut_events_can(struct image *m) { ITEM_ADD(m, 5, EVENTS, 1); }
static void mut_command_high(struct image *m) { ITEM_SET(m, 6, COMMANDS, 0, 0x10000); }
static void mut_command_more(struct image *m) { RULE_SET(m, 6, N_ITEMS(COMMANDS), 2); }
static void mut_commands_inet(struct image *m) { ITEM_ADD(m, 4, COMMANDS, 1); }
static void mut_commands_deny(struct image *m) { ITEM_ADD(m, 1, COMMANDS, 1); }

static const struct {
        const char *name;
        void (*mutate)(struct image *m);
} corruption_cases[] = {
        { "magic", mut_magic },
        { "version 1", mut_version_1 },
        { "version 2", mut_version_2 },
        { "version 4", mut_version_4 },
        { "version 0", mut_version_0 },
        { "no files", mut_no_files },
        { "too many files", mut_many_files },
        { "one more rule", mut_one_more_rule },
        { "too many rules", mut_many_rules },
        { "huge rule count", mut_huge_rules },
        { "huge word count", mut_huge_words },
        { "one more word", mut_one_more_word },
        { "a word given to the strings", mut_word_to_strings },
        { "a word taken from the strings", mut_string_to_words },
        { "huge string table", mut_huge_strings },
        { "short string table", mut_short_strings },
        { "trailing byte", mut_append },
        { "truncated", mut_truncate },
        { "header only", mut_header_only },
        { "file name at end", mut_file_offset_end },
        { "file name offset huge", mut_file_offset_huge },
        { "empty file name", mut_file_empty },
        { "unterminated string", mut_unterminated },
        { "unknown flag", mut_flags_unknown },
        { "high flag", mut_flags_high },
        { "file index", mut_file_index },
        { "line 0", mut_line_zero },
        { "family unix", mut_family_unix },
        { "family netlink", mut_family_netlink },
        { "family negative", mut_family_negative },
        { "protocols without family", mut_family_any_proto },
        { "packet stream", mut_type_stream_packet },
        { "type rdm", mut_type_rdm },
        { "type huge", mut_type_huge },
        { "type with flags", mut_type_flags },
        { "everyone and uid", mut_everyone_and_uid },
        { "no selector", mut_no_selector },
        { "no everyone", mut_no_everyone },
        { "uid -1", mut_uid_invalid },
        { "gid -1", mut_gid_invalid },
        { "stray uid", mut_stray_uid },
        { "stray gid", mut_stray_gid },
        { "stray unit", mut_stray_unit },
        { "stray cgroup", mut_stray_cgroup },
        { "too many protocols", mut_n_protocols },
        { "huge protocol count", mut_n_protocols_huge },
        { "protocol out of range", mut_protocol_range },
        { "ethertype out of range", mut_ethertype_range },
        { "one protocol more than the words", mut_protocol_more },
        { "protocols dropped", mut_protocol_dropped },
        { "too many protocols, with their words", mut_protocols_full },
        { "too many ifaces", mut_n_ifaces },
        { "iface offset", mut_iface_offset },
        { "one iface more than the words", mut_iface_more },
        { "iface with '/'", mut_iface_string },
        { "iface with space", mut_iface_space },
        { "iface with ','", mut_iface_comma },
        { "unit name", mut_unit_string },
        { "cgroup path", mut_cgroup_string },
        { "unit points at a glob", mut_unit_offset },
        { "unit points at its NUL", mut_unit_mid_string },
        { "netns out of range", mut_netns_range },
        { "netns huge", mut_netns_huge },
        { "netns client for bluetooth", mut_netns_bt_client },
        { "netns on a deny rule", mut_netns_deny },
        { "netns on an admin rule", mut_netns_admin },
        { "netns on a deny admin rule", mut_netns_deny_admin },
        { "admin with a family", mut_admin_family },
        { "admin with a type", mut_admin_type },
        { "admin with an iface", mut_admin_iface },
        { "admin flag on an inet rule", mut_admin_on_inet },
        { "admin flag on a rule with words", mut_admin_on_any },
        { "fd=yes on inet", mut_can_fd_inet },
        { "fd=yes on a deny rule", mut_can_fd_deny },
        { "fd=yes on admin", mut_can_fd_admin },
        { "too many ports", mut_ports_many },
        { "port range reversed", mut_port_reversed },
        { "port out of range", mut_port_high },
        { "one port more than the words", mut_port_more },
        { "ports on packet", mut_ports_packet },
        { "ports on can", mut_ports_can },
        { "ports on a deny rule", mut_ports_deny },
        { "PSM out of range", mut_psm_high },
        { "unknown socket option", mut_sockopt_unknown },
        { "high socket option bit", mut_sockopt_high },
        { "socket option NONE", mut_sockopt_none },
        { "option range reversed", mut_sockopt_reversed },
        { "priority out of range", mut_priority_high },
        { "range of an option not allowed", mut_sockopt_unset_range },
        { "range of bindtodevice", mut_bindtodevice_range },
        { "range of NONE", mut_none_range },
        { "option on family any", mut_sockopt_any },
        { "options dropped, ranges kept", mut_sockopt_dropped },
        { "unknown link operation", mut_link_unknown },
        { "link on inet", mut_link_inet },
        { "bitrates without link=bitrate", mut_link_no_bitrate_op },
        { "link=bitrate without bitrates", mut_link_no_bitrates },
        { "bitrate zero", mut_bitrate_zero },
        { "bitrate out of range", mut_bitrate_high },
        { "one bitrate more than the words", mut_bitrate_more },
        { "ISO-TP id out of range", mut_rx_high },
        { "rx on inet", mut_rx_inet },
        { "tx range reversed", mut_tx_reversed },
        { "too many tx", mut_tx_many },
        { "one tx more than the words", mut_tx_more },
        { "J1939 address out of range", mut_addr_high },
        { "addr on bluetooth", mut_addr_bt },
        { "PGN out of range", mut_pgn_high },
        { "one PGN more than the words", mut_pgn_more },
        { "NAME range reversed", mut_name_reversed },
        { "one NAME more than the words", mut_name_more },
        { "name on bluetooth", mut_name_bt },
        { "HCI device out of range", mut_dev_high },
        { "dev on can", mut_dev_can },
        { "unknown HCI channel", mut_hci_unknown },
        { "hci on can", mut_hci_can },
        { "RFCOMM channel zero", mut_channel_zero },
        { "RFCOMM channel out of range", mut_channel_high },
        { "channel on family any", mut_channel_any },
        { "HCI event out of range", mut_event_high },
        { "one HCI event more than the words", mut_event_more },
        { "too many HCI events", mut_events_many },
        { "events on can", mut_events_can },
        { "HCI opcode out of range", mut_command_high },
        { "one HCI opcode more than the words", mut_command_more },
        { "command on inet", mut_commands_inet },
        { "command on a deny rule", mut_commands_deny },
};

/* The same additions, made to a list where the policy allows them, give
 * an image that imports: what the cases above refuse is the value, not
 * the way it was added. */
static void ok_port_added(struct image *m) { ITEM_ADD(m, 4, PORTS, 443, 443); }
static void ok_rx_added(struct image *m) { ITEM_ADD(m, 5, RX, 0x100, 0x1ff); }
static void ok_event_added(struct image *m) { ITEM_ADD(m, 6, EVENTS, 0x3e); }
static void ok_name_added(struct image *m) { ITEM_ADD(m, 5, NAMES, 0, 0, 0, 0); }
static void ok_protocols_cleared(struct image *m) { items_clear(m, 2, POLICY_IMAGE_PROTOCOLS); }

static const struct {
        const char *name;
        void (*mutate)(struct image *m);
} edit_cases[] = {
        { "a port added", ok_port_added },
        { "an rx range added", ok_rx_added },
        { "an HCI event added", ok_event_added },
        { "a NAME added", ok_name_added },
        { "the protocols of a packet rule cleared", ok_protocols_cleared },
};

START_TEST(test_image_edit)
{
        _cleanup_(policy_freep) policy *p = NULL;
        _cleanup_free_ void *out = NULL;
        struct image img;
        size_t out_len;

        image_load(&img);
        edit_cases[_i].mutate(&img);
        ck_assert_msg(policy_import(img.buf, img.len, &p) == 0, "%s", edit_cases[_i].name);
        ck_assert_uint_eq(policy_n_rules(p), 10);
        /* Canonical: the policy exports to the very bytes. */
        ck_assert_int_eq(policy_export(p, &out, &out_len), 0);
        ck_assert_uint_eq(out_len, img.len);
        ck_assert_mem_eq(out, img.buf, img.len);
        free(img.buf);
}
END_TEST

/* The cases above that corrupt only a rule's selectors, which the
 * opener's import, policy_import_rules(), does not read: who may ask is
 * the broker's to decide, and the opener re-checks what a rule permits. */
static bool corrupts_selectors(const char *name)
{
        static const char *const names[] = {
                "everyone and uid", "no selector", "no everyone", "uid -1", "gid -1",
                "stray uid", "stray gid", "stray unit", "stray cgroup", "unit name",
                "cgroup path", "unit points at a glob", "unit points at its NUL",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(names[i], name))
                        return true;
        return false;
}

START_TEST(test_image_corrupt)
{
        const char *name = corruption_cases[_i].name;
        struct image img;
        policy *p = NULL;
        int r;

        image_load(&img);
        /* The image as exported is fine. */
        ck_assert_int_eq(policy_import(img.buf, img.len, &p), 0);
        p = policy_free(p);

        corruption_cases[_i].mutate(&img);
        ck_assert_msg(policy_import(img.buf, img.len, &p) == -EBADMSG, "%s", name);
        ck_assert_ptr_null(p);

        /* The opener refuses the same, but for the selectors. */
        r = policy_import_rules(img.buf, img.len, &p);
        if (corrupts_selectors(name)) {
                ck_assert_msg(r == 0, "%s: %d", name, r);
                ck_assert_uint_eq(policy_n_rules(p), 10);
                ck_assert_int_eq(policy_import_selectors(p), -EBADMSG);
                p = policy_free(p);
        } else {
                ck_assert_msg(r == -EBADMSG, "%s: %d", name, r);
                ck_assert_ptr_null(p);
        }
        free(img.buf);
}
END_TEST

START_TEST(test_image_layout)
{
        struct image img;

        image_load(&img);
        ck_assert_mem_eq(img.buf, "SBPOLICY", 8);
        ck_assert_uint_eq(img.h.version, POLICY_IMAGE_VERSION);
        ck_assert_uint_eq(img.h.n_files, 2);
        ck_assert_uint_eq(img.h.n_rules, 10);
        ck_assert_uint_eq(get32(&img, RULE(&img, 3, file)), 1);
        ck_assert_uint_eq(get32(&img, RULE(&img, 1, line)), 2);
        /* 64-bit values as two halves, low first */
        ck_assert_uint_eq(get32(&img, item(&img, 5, POLICY_IMAGE_NAMES, 0)), 1);
        ck_assert_uint_eq(get32(&img, item(&img, 5, POLICY_IMAGE_NAMES, 1)), 0);
        ck_assert_uint_eq(get32(&img, item(&img, 5, POLICY_IMAGE_NAMES, 2)), UINT32_MAX);
        ck_assert_uint_eq(get32(&img, item(&img, 5, POLICY_IMAGE_NAMES, 3)), UINT32_MAX);
        ck_assert_uint_eq(get32(&img, item(&img, 4, POLICY_IMAGE_PORTS, 2)), 8000);
        ck_assert_uint_eq(get32(&img, item(&img, 4, POLICY_IMAGE_PORTS, 3)), 8080);
        /* The lists' items, rule after rule: the first is rule 0's protocol,
         * the last rule 8's iface; a rule's lists follow the enum's order. */
        ck_assert_uint_eq(get32(&img, img.words), IPPROTO_ICMP);
        ck_assert_uint_eq(item(&img, 0, POLICY_IMAGE_IFACES, 0), img.words + 4);
        ck_assert_uint_eq(item(&img, 5, POLICY_IMAGE_TX, 0), item(&img, 5, POLICY_IMAGE_RX, 2));
        ck_assert_uint_eq(item(&img, 8, POLICY_IMAGE_IFACES, 1), img.strings);
        ck_assert_uint_eq(get32(&img, RULE(&img, 6, N_ITEMS(EVENTS))), 2);
        ck_assert_uint_eq(get32(&img, RULE(&img, 9, N_ITEMS(PROTOCOLS))), 0);
        ck_assert_uint_eq(get32(&img, RULE(&img, 4, sockopt_range[POLICY_SOCKOPT_PRIORITY][1])), INT32_MAX);
        ck_assert_uint_eq(get32(&img, RULE(&img, 7, flags)),
                          POLICY_IMAGE_RULE_ALLOW | POLICY_IMAGE_RULE_UID | POLICY_IMAGE_RULE_ADMIN);
        ck_assert_uint_eq(get32(&img, RULE(&img, 5, flags)),
                          POLICY_IMAGE_RULE_ALLOW | POLICY_IMAGE_RULE_UID | POLICY_IMAGE_RULE_CAN_FD);
        ck_assert_uint_eq(get32(&img, RULE(&img, 6, hci_channels)), 0x5);
        ck_assert_uint_eq(get32(&img, RULE(&img, 8, netns)), POLICY_NETNS_HOST);
        free(img.buf);
}
END_TEST

/* A string used by many rules is stored once. */
START_TEST(test_image_interning)
{
        enum { N = 500 };
        _cleanup_free_ char *text = malloc(N * 64);
        _cleanup_(policy_freep) policy *p = NULL;
        _cleanup_free_ void *image = NULL;
        size_t len = 0, image_len;

        ck_assert_ptr_nonnull(text);
        for (unsigned i = 0; i < N; i++)
                len += (size_t)sprintf(text + len, "allow uid=%u unit=a.service inet raw iface=eth0,eth0\n", i);
        p = compile_ok(text);
        ck_assert_int_eq(policy_export(p, &image, &image_len), 0);
        ck_assert_uint_eq(image_len, sizeof(struct policy_image_header) + sizeof(uint32_t) +
                                     N * sizeof(struct policy_image_rule) +
                                     N * 2 * sizeof(uint32_t) +
                                     sizeof("test.conf") + sizeof("a.service") + sizeof("eth0"));
}
END_TEST

START_TEST(test_image_truncated)
{
        struct image img;

        image_load(&img);
        for (size_t len = 0; len < img.len; len++) {
                policy *p = NULL;

                ck_assert_int_eq(policy_import(img.buf, len, &p), -EBADMSG);
                ck_assert_ptr_null(p);
        }
        free(img.buf);
}
END_TEST

/* Whatever a flipped byte does, import fails cleanly or yields a policy
 * that is self-consistent: it exports to the same bytes and evaluates. */
static void import_any(const uint8_t *buf, size_t len)
{
        static const struct policy_request reqs[] = {
                OPEN(AF_INET, SOCK_RAW, 1, "eth0"),
                OPEN(AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth1"),
                OPEN(AF_CAN, SOCK_RAW, 1, "can0"),
                OPEN(AF_INET6, SOCK_DGRAM, 17, NULL),
                BIND(AF_INET, SOCK_STREAM, 6, 8000),
                SETOPT(AF_INET, SOCK_STREAM, 6, MARK, 3),
                LINK("can0", POLICY_LINK_BITRATE, 500000),
                HCI_COMMAND(1, 0x200c),
                OPEN_HCI(HCI_MONITOR, 0),
                STATUS,
        };
        _cleanup_(policy_freep) policy *p = NULL;
        _cleanup_free_ void *out = NULL;
        size_t out_len;
        int r;

        r = policy_import(buf, len, &p);
        ck_assert_msg(r == 0 || r == -EBADMSG, "%d", r);
        if (r < 0) {
                ck_assert_ptr_null(p);
                return;
        }

        ck_assert_int_eq(policy_export(p, &out, &out_len), 0);
        ck_assert_uint_eq(out_len, len);
        ck_assert_mem_eq(out, buf, len);

        for (size_t i = 0; i < ELEMENTSOF(peers); i++)
                for (size_t k = 0; k < ELEMENTSOF(reqs); k++) {
                        const struct policy_rule *rule;
                        enum policy_verdict v = policy_check(p, &peers[i], &reqs[k], &rule);
                        int linear;

                        ck_assert_int_eq(linear_check(p, &peers[i], &reqs[k], &linear), v);
                        ck_assert_int_eq(rule ? (int)rule->index : NO_RULE, linear);
                }
        (void)policy_capabilities(p);
}

START_TEST(test_image_bitflips)
{
        static const uint8_t masks[] = { 0x01, 0x02, 0x10, 0x80, 0xff };
        struct image img;

        image_load(&img);
        for (size_t i = 0; i < img.len; i++)
                for (size_t k = 0; k < ELEMENTSOF(masks); k++) {
                        img.buf[i] ^= masks[k];
                        import_any(img.buf, img.len);
                        img.buf[i] ^= masks[k];
                }
        free(img.buf);
}
END_TEST

START_TEST(test_image_random)
{
        struct image img;
        uint32_t seed = 0x5b9011c7;

        image_load(&img);
        for (unsigned round = 0; round < 3000; round++) {
                _cleanup_free_ uint8_t *copy = malloc(img.len);

                ck_assert_ptr_nonnull(copy);
                memcpy(copy, img.buf, img.len);
                for (unsigned n = 0; n < 1 + round % 4; n++) {
                        seed = seed * 1103515245u + 12345u;
                        copy[(seed >> 8) % img.len] = (uint8_t)(seed >> 24);
                }
                import_any(copy, img.len);
        }
        free(img.buf);
}
END_TEST

START_TEST(test_image_arguments)
{
        struct image img;
        policy *p = NULL;
        void *buf;
        size_t len;

        image_load(&img);
        ck_assert_int_eq(policy_import(NULL, 0, &p), -EBADMSG);
        ck_assert_int_eq(policy_import(NULL, 10, &p), -EINVAL);
        ck_assert_int_eq(policy_import(img.buf, img.len, NULL), -EINVAL);
        /* Refused on the length alone, before anything is read or copied. */
        ck_assert_int_eq(policy_import(img.buf, POLICY_IMAGE_MAX_SIZE + 1, &p), -EBADMSG);
        ck_assert_int_eq(policy_import(img.buf, SIZE_MAX, &p), -EBADMSG);
        ck_assert_ptr_null(p);
        ck_assert_int_eq(policy_export(NULL, &buf, &len), -EINVAL);
        free(img.buf);
}
END_TEST

/* The bound on a rule's words, written out in policy-internal.h, is
 * what the table of item sizes gives for lists of the longest length. */
START_TEST(test_image_max_rule_words)
{
        size_t words = 0;

        for (size_t k = 0; k < _POLICY_IMAGE_LISTS; k++) {
                ck_assert_uint_ge(policy_image_item_words[k], 1);
                words += policy_image_item_words[k];
        }
        ck_assert_uint_eq(words * POLICY_MAX_LIST, POLICY_IMAGE_MAX_RULE_WORDS);
}
END_TEST

/* An empty policy has an image too. */
START_TEST(test_image_empty)
{
        _cleanup_(policy_freep) policy *p = NULL, *q = NULL;
        _cleanup_free_ void *buf = NULL;
        size_t len;

        ck_assert_int_eq(policy_compile(NULL, 0, NULL, &p, NULL), 0);
        ck_assert_int_eq(policy_export(p, &buf, &len), 0);
        ck_assert_uint_eq(len, sizeof(struct policy_image_header));
        ck_assert_int_eq(policy_import(buf, len, &q), 0);
        ck_assert_uint_eq(policy_n_rules(q), 0);
}
END_TEST

/* ---- policy_load(): files, drop-ins and strict mode. ---- */

enum entry_kind {
        ENTRY_FILE,
        ENTRY_DIR,
        ENTRY_SYMLINK,
        ENTRY_FIFO,
        ENTRY_HARDLINK,
};

struct entry {
        const char *name;       /* relative to the test directory */
        enum entry_kind kind;
        const char *text;       /* file content, symlink target, or hard link's file */
        mode_t mode;            /* 0: 0644 for files, 0755 for directories */
        uid_t uid;              /* 0: root */
};

#define MAIN_OK(text) { "policy.conf", ENTRY_FILE, text, 0, 0 }
#define DIR_OK { "policy.d", ENTRY_DIR, NULL, 0, 0 }

static const struct load_case {
        const char *name;
        struct entry entries[8];
        bool strict;
        bool no_dropins;
        int r;
        const char *error;      /* '@' stands for the test directory */
        size_t n_rules;
        uint32_t uids[6];
        const char *main;       /* the policy file; NULL: policy.conf */
        const char *dropins;    /* the drop-in directory; NULL: policy.d */
} load_cases[] = {
        { "plain", { MAIN_OK("allow uid=1 inet raw\n") }, false, false, 0, NULL, 1, { 1 } },
        { "plain strict", { MAIN_OK("allow uid=1 inet raw\n") }, true, false, 0, NULL, 1, { 1 } },
        { "no drop-in dir given", { MAIN_OK("allow uid=1 inet raw\n"), DIR_OK,
                { "policy.d/a.conf", ENTRY_FILE, "allow uid=2 inet raw", 0, 0 } },
          true, true, 0, NULL, 1, { 1 } },
        { "main group-writable",
          { { "policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0664, 0 } }, true, false, -EPERM,
          "@/policy.conf: refusing: writable by group or others (mode 0664)", 0, { 0 } },
        { "main others-writable",
          { { "policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0646, 0 } }, true, false, -EPERM,
          "@/policy.conf: refusing: writable by group or others (mode 0646)", 0, { 0 } },
        { "main group-writable, not strict",
          { { "policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0664, 0 } }, false, false, 0, NULL,
          1, { 1 } },
        { "main not root's",
          { { "policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0644, 65534 } }, true, false, -EPERM,
          "@/policy.conf: refusing: not owned by root (uid 65534)", 0, { 0 } },
        { "main not root's, not strict",
          { { "policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0644, 65534 } }, false, false, 0,
          NULL, 1, { 1 } },
        { "main read-only for root", { { "policy.conf", ENTRY_FILE, "", 0400, 0 } }, true, false, 0,
          NULL, 0, { 0 } },
        { "main missing", { DIR_OK }, true, false, -ENOENT,
          "@/policy.conf: cannot open: No such file or directory", 0, { 0 } },
        { "main is a directory", { { "policy.conf", ENTRY_DIR, NULL, 0, 0 } }, false, false, -EISDIR,
          "@/policy.conf: refusing: not a regular file", 0, { 0 } },
        { "main is a fifo", { { "policy.conf", ENTRY_FIFO, NULL, 0644, 0 } }, false, false, -EINVAL,
          "@/policy.conf: refusing: not a regular file", 0, { 0 } },
        { "main is a symlink to a good file",
          { { "real.conf", ENTRY_FILE, "allow uid=4 inet raw\n", 0, 0 },
            { "policy.conf", ENTRY_SYMLINK, "real.conf", 0, 0 } }, true, false, 0, NULL, 1, { 4 } },
        { "main is a symlink to a bad file",
          { { "real.conf", ENTRY_FILE, "allow uid=4 inet raw\n", 0666, 0 },
            { "policy.conf", ENTRY_SYMLINK, "real.conf", 0, 0 } }, true, false, -EPERM,
          "@/policy.conf: refusing: @/real.conf is writable by group or others (mode 0666)", 0, { 0 } },
        { "drop-ins in order",
          { MAIN_OK("allow uid=1 inet raw\n"), DIR_OK,
            { "policy.d/10-b.conf", ENTRY_FILE, "allow uid=3 inet raw\n", 0, 0 },
            { "policy.d/02-a.conf", ENTRY_FILE, "# a\nallow uid=2 inet raw\n", 0, 0 },
            { "policy.d/9.conf", ENTRY_FILE, "allow uid=4 inet raw\nallow uid=5 inet raw", 0, 0 },
            { "policy.d/.hidden.conf", ENTRY_FILE, "bad", 0, 0 },
            { "policy.d/README", ENTRY_FILE, "bad", 0, 0 },
            { "policy.d/x.conf.bak", ENTRY_FILE, "bad", 0, 0 } },
          true, false, 0, NULL, 5, { 1, 2, 3, 4, 5 } },
        { "drop-in dir missing", { MAIN_OK("allow uid=1 inet raw\n") }, true, false, 0, NULL, 1, { 1 } },
        { "drop-in dir empty", { MAIN_OK("allow uid=1 inet raw\n"), DIR_OK }, true, false, 0, NULL, 1, { 1 } },
        { "drop-in dir group-writable",
          { MAIN_OK(""), { "policy.d", ENTRY_DIR, NULL, 0775, 0 } }, true, false, -EPERM,
          "@/policy.d: refusing: writable by group or others (mode 0775)", 0, { 0 } },
        { "drop-in dir sticky and world-writable",
          { MAIN_OK(""), { "policy.d", ENTRY_DIR, NULL, 01777, 0 } }, true, false, -EPERM,
          "@/policy.d: refusing: writable by group or others (mode 1777)", 0, { 0 } },
        { "drop-in dir not root's",
          { MAIN_OK(""), { "policy.d", ENTRY_DIR, NULL, 0755, 65534 } }, true, false, -EPERM,
          "@/policy.d: refusing: not owned by root (uid 65534)", 0, { 0 } },
        { "drop-in dir group-writable, not strict",
          { MAIN_OK(""), { "policy.d", ENTRY_DIR, NULL, 0775, 65534 },
            { "policy.d/a.conf", ENTRY_FILE, "allow uid=2 inet raw", 0, 0 } },
          false, false, 0, NULL, 1, { 2 } },
        { "drop-in dir is a file", { MAIN_OK(""), { "policy.d", ENTRY_FILE, "", 0, 0 } }, false, false,
          -ENOTDIR, "@/policy.d: cannot open: Not a directory", 0, { 0 } },
        { "drop-in writable",
          { MAIN_OK(""), DIR_OK, { "policy.d/50-x.conf", ENTRY_FILE, "allow uid=2 inet", 0666, 0 } },
          true, false, -EPERM, "@/policy.d/50-x.conf: refusing: writable by group or others (mode 0666)",
          0, { 0 } },
        { "drop-in not root's",
          { MAIN_OK(""), DIR_OK, { "policy.d/50-x.conf", ENTRY_FILE, "allow uid=2 inet", 0644, 1000 } },
          true, false, -EPERM, "@/policy.d/50-x.conf: refusing: not owned by root (uid 1000)", 0, { 0 } },
        { "drop-in private", { MAIN_OK(""), DIR_OK,
            { "policy.d/50-x.conf", ENTRY_FILE, "allow uid=2 inet", 0600, 0 } },
          true, false, 0, NULL, 1, { 2 } },
        { "drop-in symlink",
          { MAIN_OK(""), DIR_OK, { "other.conf", ENTRY_FILE, "allow uid=2 inet", 0, 0 },
            { "policy.d/50-x.conf", ENTRY_SYMLINK, "../other.conf", 0, 0 } },
          false, false, -ELOOP, "@/policy.d/50-x.conf: refusing: a symbolic link", 0, { 0 } },
        { "drop-in directory",
          { MAIN_OK(""), DIR_OK, { "policy.d/50-x.conf", ENTRY_DIR, NULL, 0, 0 } }, false, false,
          -EISDIR, "@/policy.d/50-x.conf: refusing: not a regular file", 0, { 0 } },
        { "drop-in fifo",
          { MAIN_OK(""), DIR_OK, { "policy.d/50-x.conf", ENTRY_FIFO, NULL, 0644, 0 } }, false, false,
          -EINVAL, "@/policy.d/50-x.conf: refusing: not a regular file", 0, { 0 } },
        { "drop-in syntax error",
          { MAIN_OK("allow uid=1 inet raw\n"), DIR_OK,
            { "policy.d/50-x.conf", ENTRY_FILE, "\nallow inet raw\n", 0, 0 } }, true, false, -EINVAL,
          "@/policy.d/50-x.conf:2:7: rule has no selector; use 'everyone' to match every peer", 0, { 0 } },
        { "main syntax error", { MAIN_OK("allow uid=1 inet raw\nallow everyone inet bogus\n") },
          true, false, -EINVAL, "@/policy.conf:2:21: unknown type 'bogus'", 0, { 0 } },

        /* Strict mode walks the whole path: every directory above counts. */
        { .name = "safe path, three levels down",
          .entries = { { "a", ENTRY_DIR, NULL, 0, 0 }, { "a/b", ENTRY_DIR, NULL, 0711, 0 },
                       { "a/b/c", ENTRY_DIR, NULL, 0, 0 },
                       { "a/b/c/policy.conf", ENTRY_FILE, "allow uid=7 inet raw\n", 0, 0 } },
          .strict = true, .n_rules = 1, .uids = { 7 }, .main = "a/b/c/policy.conf" },
        { .name = "safe path with . and ..",
          .entries = { { "a", ENTRY_DIR, NULL, 0, 0 }, MAIN_OK("allow uid=7 inet raw\n") },
          .strict = true, .n_rules = 1, .uids = { 7 }, .main = "a/./../policy.conf" },
        { .name = "group-writable parent",
          .entries = { { "d", ENTRY_DIR, NULL, 0775, 0 },
                       { "d/policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0, 0 } },
          .strict = true, .r = -EPERM, .main = "d/policy.conf",
          .error = "@/d/policy.conf: refusing: @/d is writable by group or others (mode 0775)" },
        { .name = "group-writable parent, not strict",
          .entries = { { "d", ENTRY_DIR, NULL, 0775, 0 },
                       { "d/policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0, 0 } },
          .n_rules = 1, .uids = { 1 }, .main = "d/policy.conf" },
        { .name = "world-writable parent, not sticky",
          .entries = { { "d", ENTRY_DIR, NULL, 0777, 0 },
                       { "d/policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0, 0 } },
          .strict = true, .r = -EPERM, .main = "d/policy.conf",
          .error = "@/d/policy.conf: refusing: @/d is writable by group or others (mode 0777)" },
        { .name = "world-writable grandparent",
          .entries = { { "d", ENTRY_DIR, NULL, 0777, 0 }, { "d/e", ENTRY_DIR, NULL, 0, 0 },
                       { "d/e/policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0, 0 } },
          .strict = true, .r = -EPERM, .main = "d/e/policy.conf",
          .error = "@/d/e/policy.conf: refusing: @/d is writable by group or others (mode 0777)" },
        { .name = "parent not root's",
          .entries = { { "d", ENTRY_DIR, NULL, 0755, 65534 },
                       { "d/policy.conf", ENTRY_FILE, "allow uid=1 inet raw\n", 0, 0 } },
          .strict = true, .r = -EPERM, .main = "d/policy.conf",
          .error = "@/d/policy.conf: refusing: @/d is not owned by root (uid 65534)" },
        { .name = "sticky parent, entry root's",
          .entries = { { "t", ENTRY_DIR, NULL, 01777, 0 },
                       { "t/policy.conf", ENTRY_FILE, "allow uid=3 inet raw\n", 0, 0 } },
          .strict = true, .n_rules = 1, .uids = { 3 }, .main = "t/policy.conf" },
        { .name = "sticky parent, directory below root's",
          .entries = { { "t", ENTRY_DIR, NULL, 01777, 0 }, { "t/s", ENTRY_DIR, NULL, 0, 0 },
                       { "t/s/policy.conf", ENTRY_FILE, "allow uid=3 inet raw\n", 0, 0 } },
          .strict = true, .n_rules = 1, .uids = { 3 }, .main = "t/s/policy.conf" },
        { .name = "sticky parent, entry not root's",
          .entries = { { "t", ENTRY_DIR, NULL, 01777, 0 },
                       { "t/policy.conf", ENTRY_FILE, "allow uid=3 inet raw\n", 0644, 65534 } },
          .strict = true, .r = -EPERM, .main = "t/policy.conf",
          .error = "@/t/policy.conf: refusing: not owned by root (uid 65534) in a directory others can write" },
        { .name = "sticky parent, directory below not root's",
          .entries = { { "t", ENTRY_DIR, NULL, 01777, 0 }, { "t/s", ENTRY_DIR, NULL, 0755, 65534 },
                       { "t/s/policy.conf", ENTRY_FILE, "allow uid=3 inet raw\n", 0, 0 } },
          .strict = true, .r = -EPERM, .main = "t/s/policy.conf",
          .error = "@/t/s/policy.conf: refusing: @/t/s is not owned by root (uid 65534) in a directory "
                   "others can write" },
        { .name = "sticky parent, root's file hard-linked into it",
          .entries = { { "real.conf", ENTRY_FILE, "allow uid=3 inet raw\n", 0444, 0 },
                       { "t", ENTRY_DIR, NULL, 01777, 0 },
                       { "t/policy.conf", ENTRY_HARDLINK, "real.conf", 0, 0 } },
          .strict = true, .r = -EPERM, .main = "t/policy.conf",
          .error = "@/t/policy.conf: refusing: 2 hard links in a directory others can write" },
        { .name = "drop-in dir under a world-writable directory",
          .entries = { MAIN_OK(""), { "d", ENTRY_DIR, NULL, 0777, 0 }, { "d/policy.d", ENTRY_DIR, NULL, 0, 0 },
                       { "d/policy.d/a.conf", ENTRY_FILE, "allow uid=2 inet raw", 0, 0 } },
          .strict = true, .r = -EPERM, .dropins = "d/policy.d",
          .error = "@/d/policy.d: refusing: @/d is writable by group or others (mode 0777)" },
        { .name = "drop-in dir missing under a safe directory",
          .entries = { MAIN_OK("allow uid=1 inet raw\n"), { "d", ENTRY_DIR, NULL, 0, 0 } },
          .strict = true, .n_rules = 1, .uids = { 1 }, .dropins = "d/policy.d" },
        { .name = "drop-in dir a root-owned symlink to a safe directory",
          .entries = { MAIN_OK(""), { "real.d", ENTRY_DIR, NULL, 0, 0 },
                       { "real.d/a.conf", ENTRY_FILE, "allow uid=2 inet raw", 0, 0 },
                       { "policy.d", ENTRY_SYMLINK, "real.d", 0, 0 } },
          .strict = true, .n_rules = 1, .uids = { 2 } },

        /* Symbolic links: followed from a safe directory when root's. */
        { .name = "symlink in a world-writable directory",
          .entries = { { "real.conf", ENTRY_FILE, "allow uid=5 inet raw\n", 0444, 0 },
                       { "d", ENTRY_DIR, NULL, 0777, 0 },
                       { "d/policy.conf", ENTRY_SYMLINK, "../real.conf", 0, 0 } },
          .strict = true, .r = -EPERM, .main = "d/policy.conf",
          .error = "@/d/policy.conf: refusing: a symbolic link in a directory others can write" },
        { .name = "symlink in a world-writable directory, not strict",
          .entries = { { "real.conf", ENTRY_FILE, "allow uid=5 inet raw\n", 0444, 0 },
                       { "d", ENTRY_DIR, NULL, 0777, 0 },
                       { "d/policy.conf", ENTRY_SYMLINK, "../real.conf", 0, 0 } },
          .n_rules = 1, .uids = { 5 }, .main = "d/policy.conf" },
        { .name = "symlink not root's in a safe directory",
          .entries = { { "real.conf", ENTRY_FILE, "allow uid=5 inet raw\n", 0, 0 },
                       { "policy.conf", ENTRY_SYMLINK, "real.conf", 0, 65534 } },
          .strict = true, .r = -EPERM,
          .error = "@/policy.conf: refusing: a symbolic link not owned by root (uid 65534)" },
        { .name = "root's symlink in a safe directory to a safe file in another",
          .entries = { { "etc", ENTRY_DIR, NULL, 0, 0 },
                       { "etc/real.conf", ENTRY_FILE, "allow uid=6 inet raw\n", 0, 0 },
                       { "policy.conf", ENTRY_SYMLINK, "etc/./real.conf", 0, 0 } },
          .strict = true, .n_rules = 1, .uids = { 6 } },
        { .name = "root's symlink to a directory on the way",
          .entries = { { "etc", ENTRY_DIR, NULL, 0, 0 },
                       { "etc/policy.conf", ENTRY_FILE, "allow uid=6 inet raw\n", 0, 0 },
                       { "conf", ENTRY_SYMLINK, "etc", 0, 0 } },
          .strict = true, .n_rules = 1, .uids = { 6 }, .main = "conf/policy.conf" },
        { .name = "root's symlink, relative target, through a world-writable directory",
          .entries = { { "d", ENTRY_DIR, NULL, 0777, 0 },
                       { "d/real.conf", ENTRY_FILE, "allow uid=6 inet raw\n", 0, 0 },
                       { "policy.conf", ENTRY_SYMLINK, "d/real.conf", 0, 0 } },
          .strict = true, .r = -EPERM,
          .error = "@/policy.conf: refusing: @/d is writable by group or others (mode 0777)" },
        { .name = "root's symlink to a symlink in a world-writable directory",
          .entries = { { "real.conf", ENTRY_FILE, "allow uid=6 inet raw\n", 0, 0 },
                       { "d", ENTRY_DIR, NULL, 0777, 0 },
                       { "d/link.conf", ENTRY_SYMLINK, "../real.conf", 0, 0 },
                       { "policy.conf", ENTRY_SYMLINK, "d/link.conf", 0, 0 } },
          .strict = true, .r = -EPERM,
          .error = "@/policy.conf: refusing: @/d/link.conf is a symbolic link in a directory others can write" },
        { .name = "symlink loop",
          .entries = { { "policy.conf", ENTRY_SYMLINK, "loop.conf", 0, 0 },
                       { "loop.conf", ENTRY_SYMLINK, "policy.conf", 0, 0 } },
          .strict = true, .r = -ELOOP, .error = "@/policy.conf: refusing: more than 32 symbolic links" },
        { .name = "dangling symlink",
          .entries = { { "policy.conf", ENTRY_SYMLINK, "gone.conf", 0, 0 } },
          .strict = true, .r = -ENOENT, .error = "@/policy.conf: cannot open @/gone.conf: No such file or directory" },
        { .name = "a file on the way",
          .entries = { MAIN_OK("") }, .strict = true, .r = -ENOTDIR, .main = "policy.conf/x",
          .error = "@/policy.conf/x: cannot open @/policy.conf: Not a directory" },
        { .name = "a file with a slash after it",
          .entries = { MAIN_OK("") }, .strict = true, .r = -ENOTDIR, .main = "policy.conf/",
          .error = "@/policy.conf/: cannot open @/policy.conf: Not a directory" },
        { .name = "a drop-in dir with a slash after it",
          .entries = { MAIN_OK(""), DIR_OK,
                       { "policy.d/a.conf", ENTRY_FILE, "allow uid=2 inet raw", 0, 0 } },
          .strict = true, .n_rules = 1, .uids = { 2 }, .dropins = "policy.d//" },
        { .name = "main is a fifo, strict",
          .entries = { { "policy.conf", ENTRY_FIFO, NULL, 0644, 0 } }, .strict = true, .r = -EINVAL,
          .error = "@/policy.conf: refusing: not a regular file" },
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path) < 0 ? -1 : 0;
}

static void rm_rf(const char *dir)
{
        ck_assert_int_eq(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void entry_create(const char *dir, const struct entry *e)
{
        char path[PATH_MAX];
        _cleanup_close_ int fd = -1;

        (void)snprintf(path, sizeof(path), "%s/%s", dir, e->name);
        switch (e->kind) {
        case ENTRY_FILE:
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                ck_assert_int_ge(fd, 0);
                ck_assert_int_eq(write(fd, e->text, strlen(e->text)), (ssize_t)strlen(e->text));
                ck_assert_int_eq(fchmod(fd, e->mode ? e->mode : 0644), 0);
                if (e->uid != 0)
                        ck_assert_int_eq(fchown(fd, e->uid, e->uid), 0);
                break;
        case ENTRY_DIR:
                ck_assert_int_eq(mkdir(path, 0700), 0);
                ck_assert_int_eq(chmod(path, e->mode ? e->mode : 0755), 0);
                if (e->uid != 0)
                        ck_assert_int_eq(chown(path, e->uid, e->uid), 0);
                break;
        case ENTRY_SYMLINK:
                ck_assert_int_eq(symlink(e->text, path), 0);
                if (e->uid != 0)
                        ck_assert_int_eq(lchown(path, e->uid, e->uid), 0);
                break;
        case ENTRY_FIFO:
                ck_assert_int_eq(mkfifo(path, e->mode), 0);
                break;
        case ENTRY_HARDLINK: {
                char target[PATH_MAX];

                (void)snprintf(target, sizeof(target), "%s/%s", dir, e->text);
                ck_assert_int_eq(link(target, path), 0);
                break;
        }
        }
}

static void expand(char *buf, size_t size, const char *pattern, const char *dir)
{
        size_t len = 0;

        for (const char *c = pattern; *c; c++) {
                const char *s = *c == '@' ? dir : (char[2]){ *c, 0 };

                ck_assert_uint_lt(len + strlen(s), size);
                memcpy(buf + len, s, strlen(s));
                len += strlen(s);
        }
        buf[len] = '\0';
}

/* Strict mode wants root's files, and chown() wants root. The tests run
 * as root; elsewhere these cases cannot be set up and pass vacuously. */
static bool load_case_needs_root(const struct load_case *c)
{
        if (c->strict)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(c->entries) && c->entries[i].name; i++)
                if (c->entries[i].uid != 0)
                        return true;
        return false;
}

START_TEST(test_load)
{
        const struct load_case *c = &load_cases[_i];
        char dir[] = "/tmp/check-policy-XXXXXX", path[128], dropins[128];
        char msg[512], expected[512];
        _cleanup_(policy_freep) policy *p = NULL;
        struct policy_error err;
        int r;

        if (geteuid() != 0 && load_case_needs_root(c)) {
                fprintf(stderr, "load: %s: skipped: building root-owned trees needs root\n", c->name);
                return;
        }

        ck_assert_ptr_nonnull(mkdtemp(dir));
        for (size_t i = 0; i < ELEMENTSOF(c->entries) && c->entries[i].name; i++)
                entry_create(dir, &c->entries[i]);

        (void)snprintf(path, sizeof(path), "%s/%s", dir, c->main ?: "policy.conf");
        (void)snprintf(dropins, sizeof(dropins), "%s/%s", dir, c->dropins ?: "policy.d");
        r = policy_load(path, c->no_dropins ? NULL : dropins, c->strict, &test_resolver, &p, &err);
        ck_assert_int_eq(policy_error_format(&err, msg, sizeof(msg)), 0);
        ck_assert_msg(r == c->r, "%s: %d: %s", c->name, r, msg);

        if (c->error) {
                ck_assert_ptr_null(p);
                expand(expected, sizeof(expected), c->error, dir);
                ck_assert_str_eq(msg, expected);
        } else {
                ck_assert_uint_eq(policy_n_rules(p), c->n_rules);
                for (size_t i = 0; i < c->n_rules; i++)
                        ck_assert_uint_eq(policy_get_rule(p, i)->uid, c->uids[i]);
        }

        rm_rf(dir);
}
END_TEST

/* Files are recorded by path, drop-ins after the main file. */
START_TEST(test_load_files)
{
        char dir[] = "/tmp/check-policy-XXXXXX", path[128], dropins[128], expected[256];
        _cleanup_(policy_freep) policy *p = NULL;
        struct policy_error err;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        entry_create(dir, &(struct entry){ "policy.conf", ENTRY_FILE, "allow uid=1 inet", 0, 0 });
        entry_create(dir, &(struct entry){ "policy.d", ENTRY_DIR, NULL, 0, 0 });
        entry_create(dir, &(struct entry){ "policy.d/b.conf", ENTRY_FILE, "allow uid=3 inet", 0, 0 });
        entry_create(dir, &(struct entry){ "policy.d/a.conf", ENTRY_FILE, "", 0, 0 });
        (void)snprintf(path, sizeof(path), "%s/policy.conf", dir);
        (void)snprintf(dropins, sizeof(dropins), "%s/policy.d", dir);

        ck_assert_int_eq(policy_load(path, dropins, geteuid() == 0, &test_resolver, &p, &err), 0);
        ck_assert_uint_eq(policy_n_files(p), 3);
        ck_assert_str_eq(policy_get_file(p, 0), path);
        (void)snprintf(expected, sizeof(expected), "%s/a.conf", dropins);
        ck_assert_str_eq(policy_get_file(p, 1), expected);
        (void)snprintf(expected, sizeof(expected), "%s/b.conf", dropins);
        ck_assert_str_eq(policy_get_file(p, 2), expected);
        ck_assert_str_eq(policy_get_rule(p, 1)->file, expected);

        rm_rf(dir);
}
END_TEST

START_TEST(test_load_too_large)
{
        char dir[] = "/tmp/check-policy-XXXXXX", path[128], msg[512], expected[256];
        policy *p = NULL;
        struct policy_error err;
        _cleanup_close_ int fd = -1;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        (void)snprintf(path, sizeof(path), "%s/policy.conf", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, (16 << 20) + 1), 0);

        ck_assert_int_eq(policy_load(path, NULL, geteuid() == 0, &test_resolver, &p, &err), -EFBIG);
        ck_assert_ptr_null(p);
        ck_assert_int_eq(policy_error_format(&err, msg, sizeof(msg)), 0);
        (void)snprintf(expected, sizeof(expected), "%s: refusing: larger than 16777216 bytes", path);
        ck_assert_str_eq(msg, expected);

        rm_rf(dir);
}
END_TEST

/* Kernel pseudo-files are refused even when owned by root and read-only,
 * as /proc/PID/cmdline of a root process is: whoever ran it chose it. */
START_TEST(test_load_pseudo_fs)
{
        static const struct {
                const char *path;
                const char *error;      /* '@' stands for our pid */
        } cases[] = {
                { "/proc/self/cmdline", "/proc/self/cmdline: refusing: /proc/@/cmdline is on proc, "
                                        "a kernel pseudo-file system" },
                { "/proc/version", "/proc/version: refusing: on proc, a kernel pseudo-file system" },
        };
        char pid[32], msg[512], expected[512];

        if (geteuid() != 0) {
                fprintf(stderr, "load: pseudo-files: skipped: the walk wants root's directories, "
                                "and /proc/self is ours only as root\n");
                return;
        }
        (void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                policy *p = NULL;
                struct policy_error err;

                ck_assert_int_eq(policy_load(cases[i].path, NULL, true, &test_resolver, &p, &err), -EPERM);
                ck_assert_ptr_null(p);
                ck_assert_int_eq(policy_error_format(&err, msg, sizeof(msg)), 0);
                expand(expected, sizeof(expected), cases[i].error, pid);
                ck_assert_str_eq(msg, expected);
        }
}
END_TEST

/* One step of the walk, decided on two struct stats. */
#define ST(mode, uid, nlink) { .st_mode = (mode), .st_uid = (uid), .st_nlink = (nlink) }
#define DIR_(mode, uid) ST(S_IFDIR | (mode), uid, 2)
#define REG_(mode, uid) ST(S_IFREG | (mode), uid, 1)
#define LNK_(uid) ST(S_IFLNK | 0777, uid, 1)

static const struct path_step_case {
        const char *name;
        struct stat dir, entry;
        bool last;
        bool anonymous;         /* the entry is the path the error is about */
        const char *error;      /* NULL: safe */
} path_step_cases[] = {
        { "safe", DIR_(0755, 0), REG_(0644, 0), true, false, NULL },
        { "private", DIR_(0700, 0), REG_(0400, 0), true, false, NULL },
        { "setgid directory", DIR_(02755, 0), REG_(0644, 0), true, false, NULL },
        { "/ as its own entry", DIR_(0755, 0), DIR_(0755, 0), false, false, NULL },
        { "directory not root's", DIR_(0755, 1000), REG_(0644, 0), true, false,
          "D is not owned by root (uid 1000)" },
        { "directory group-writable", DIR_(0775, 0), REG_(0644, 0), true, false,
          "D is writable by group or others (mode 0775)" },
        { "directory others-writable", DIR_(0757, 0), DIR_(0755, 0), false, false,
          "D is writable by group or others (mode 0757)" },
        { "directory world-writable", DIR_(0777, 0), REG_(0444, 0), true, false,
          "D is writable by group or others (mode 0777)" },
        { "symlink in a world-writable directory", DIR_(0777, 0), LNK_(0), false, false,
          "E is a symbolic link in a directory others can write" },
        { "symlink in a group-writable directory", DIR_(0770, 0), LNK_(0), false, false,
          "E is a symbolic link in a directory others can write" },
        { "sticky: root's file", DIR_(01777, 0), REG_(0644, 0), true, false, NULL },
        { "sticky: root's directory", DIR_(01777, 0), DIR_(0755, 0), false, false, NULL },
        { "sticky: root's directory, many links", DIR_(01777, 0), ST(S_IFDIR | 0755, 0, 9), false, false,
          NULL },
        { "sticky: root's symlink", DIR_(01777, 0), LNK_(0), false, false, NULL },
        { "sticky, group-writable: root's file", DIR_(01775, 0), REG_(0644, 0), true, false, NULL },
        { "sticky: someone's file", DIR_(01777, 0), REG_(0644, 65534), true, false,
          "E is not owned by root (uid 65534) in a directory others can write" },
        { "sticky: someone's directory", DIR_(01777, 0), DIR_(0755, 1000), false, false,
          "E is not owned by root (uid 1000) in a directory others can write" },
        { "sticky: someone's symlink", DIR_(01777, 0), LNK_(65534), false, false,
          "E is not owned by root (uid 65534) in a directory others can write" },
        { "sticky: root's file with another link", DIR_(01777, 0), ST(S_IFREG | 0444, 0, 2), true, false,
          "E has 2 hard links in a directory others can write" },
        { "sticky: root's symlink with another link", DIR_(01777, 0), ST(S_IFLNK | 0777, 0, 3), false,
          false, "E has 3 hard links in a directory others can write" },
        { "sticky directory not root's", DIR_(01777, 1000), REG_(0644, 0), true, false,
          "D is not owned by root (uid 1000)" },
        { "symlink not root's", DIR_(0755, 0), LNK_(1000), false, false,
          "E is a symbolic link not owned by root (uid 1000)" },
        { "root's symlink", DIR_(0755, 0), LNK_(0), false, false, NULL },
        { "file not root's", DIR_(0755, 0), REG_(0644, 1000), true, false,
          "E is not owned by root (uid 1000)" },
        { "directory below not root's", DIR_(0755, 0), DIR_(0755, 1000), false, false,
          "E is not owned by root (uid 1000)" },
        { "file group-writable", DIR_(0755, 0), REG_(0664, 0), true, false,
          "E is writable by group or others (mode 0664)" },
        { "file world-writable", DIR_(0755, 0), REG_(0666, 0), true, false,
          "E is writable by group or others (mode 0666)" },
        { "the file asked for, group-writable", DIR_(0755, 0), REG_(0664, 0), true, true,
          "writable by group or others (mode 0664)" },
        { "the file asked for, in a sticky directory, not root's", DIR_(01777, 0), REG_(0644, 7), true,
          true, "not owned by root (uid 7) in a directory others can write" },
        { "the symlink asked for, in a world-writable directory", DIR_(0777, 0), LNK_(0), false, true,
          "a symbolic link in a directory others can write" },
        { "world-writable directory on the way", DIR_(0755, 0), DIR_(0777, 0), false, false, NULL },
        { "world-writable directory at the end", DIR_(0755, 0), DIR_(0777, 0), true, false,
          "E is writable by group or others (mode 0777)" },
        { "sticky directory at the end", DIR_(0755, 0), DIR_(01777, 0), true, false,
          "E is writable by group or others (mode 1777)" },
};

START_TEST(test_path_step)
{
        const struct path_step_case *c = &path_step_cases[_i];
        char why[256] = "";
        int r;

        r = policy_path_step(&c->dir, "D", &c->entry, c->anonymous ? NULL : "E", c->last,
                             why, sizeof(why));
        if (!c->error) {
                ck_assert_msg(r == 0, "%s: refused: %s", c->name, why);
                return;
        }
        ck_assert_msg(r == -EPERM, "%s: %d", c->name, r);
        ck_assert_str_eq(why, c->error);
        /* No buffer: the verdict alone. */
        ck_assert_int_eq(policy_path_step(&c->dir, "D", &c->entry, "E", c->last, NULL, 0), -EPERM);
}
END_TEST

START_TEST(test_path_pseudo_fs)
{
        ck_assert_str_eq(policy_path_pseudo_fs(PROC_SUPER_MAGIC), "proc");
        ck_assert_str_eq(policy_path_pseudo_fs(SYSFS_MAGIC), "sysfs");
        ck_assert_str_eq(policy_path_pseudo_fs(CGROUP2_SUPER_MAGIC), "cgroup2");
        ck_assert_ptr_null(policy_path_pseudo_fs(EXT4_SUPER_MAGIC));
        ck_assert_ptr_null(policy_path_pseudo_fs(TMPFS_MAGIC));
        ck_assert_ptr_null(policy_path_pseudo_fs(0));
}
END_TEST

START_TEST(test_load_arguments)
{
        policy *p = NULL;
        struct policy_error err;

        ck_assert_int_eq(policy_load(NULL, NULL, true, &test_resolver, &p, &err), -EINVAL);
        ck_assert_int_eq(policy_load("/nonexistent/x", NULL, true, &test_resolver, NULL, &err), -EINVAL);
        ck_assert_int_eq(policy_load("/nonexistent/x", NULL, true, &test_resolver, &p, NULL), -ENOENT);
}
END_TEST

Suite *make_policy_suite(void)
{
        Suite *s = suite_create("policy");
        TCase *tc;

        tc = tcase_create("parse");
        tcase_add_loop_test(tc, test_parse, 0, ELEMENTSOF(parse_cases));
        tcase_add_loop_test(tc, test_parse_round_trip, 0, ELEMENTSOF(parse_cases));
        tcase_add_loop_test(tc, test_words, 0, ELEMENTSOF(word_cases));
        tcase_add_loop_test(tc, test_words_round_trip, 0, ELEMENTSOF(word_cases));
        tcase_add_loop_test(tc, test_error, 0, ELEMENTSOF(error_cases));
        tcase_add_test(tc, test_hci_names);
        tcase_add_test(tc, test_error_nul_byte);
        tcase_add_test(tc, test_line_length);
        tcase_add_test(tc, test_list_limit);
        tcase_add_test(tc, test_sources);
        tcase_add_test(tc, test_sources_error_position);
        tcase_add_test(tc, test_compile_arguments);
        tcase_add_test(tc, test_system_resolver);
        suite_add_tcase(s, tc);

        tc = tcase_create("limits");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_rule_limit);
        tcase_add_test(tc, test_eval_many);
        tcase_add_test(tc, test_eval_many_groups);
        suite_add_tcase(s, tc);

        tc = tcase_create("eval");
        tcase_add_loop_test(tc, test_eval, 0, ELEMENTSOF(eval_cases));
        tcase_add_test(tc, test_eval_null);
        tcase_add_test(tc, test_packet_protocol_zero);
        tcase_add_loop_test(tc, test_permits, 0, ELEMENTSOF(permit_cases));
        tcase_add_loop_test(tc, test_capabilities, 0, ELEMENTSOF(caps_cases));
        tcase_add_loop_test(tc, test_request_format, 0, ELEMENTSOF(request_format_cases));
        tcase_add_loop_test(tc, test_error_format, 0, ELEMENTSOF(error_format_cases));
        tcase_add_test(tc, test_format_small_buffer);
        suite_add_tcase(s, tc);

        tc = tcase_create("image");
        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_image_corrupt, 0, ELEMENTSOF(corruption_cases));
        tcase_add_loop_test(tc, test_image_edit, 0, ELEMENTSOF(edit_cases));
        tcase_add_test(tc, test_image_layout);
        tcase_add_test(tc, test_image_interning);
        tcase_add_test(tc, test_image_truncated);
        tcase_add_test(tc, test_image_bitflips);
        tcase_add_test(tc, test_image_random);
        tcase_add_test(tc, test_image_arguments);
        tcase_add_test(tc, test_image_max_rule_words);
        tcase_add_test(tc, test_image_empty);
        suite_add_tcase(s, tc);

        tc = tcase_create("load");
        tcase_add_loop_test(tc, test_load, 0, ELEMENTSOF(load_cases));
        tcase_add_test(tc, test_load_files);
        tcase_add_test(tc, test_load_too_large);
        tcase_add_test(tc, test_load_arguments);
        tcase_add_test(tc, test_load_pseudo_fs);
        tcase_add_loop_test(tc, test_path_step, 0, ELEMENTSOF(path_step_cases));
        tcase_add_test(tc, test_path_pseudo_fs);
        suite_add_tcase(s, tc);

        return s;
}
