/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-policy.c - tests for policy/: parsing, compile errors with their
 * positions, evaluation and the index, export and import (including
 * corrupted images), and policy_load() with strict mode on real files.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* memmem() */
#endif
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "common/util.h"
#include "policy/policy-internal.h"
#include "policy/policy.h"
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
                                      &(struct policy_request){ AF_INET, SOCK_RAW, 1, NULL }, NULL),
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
        { 0, PEER_ALICE, { AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth0" }, POLICY_VERDICT_ALLOW, 0 },
        { 0, PEER_ALICE, { AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth1" }, POLICY_VERDICT_DENY, 1 },
        { 0, PEER_ALICE, { AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL }, POLICY_VERDICT_DENY, 1 },
        { 0, PEER_ALICE, { AF_INET, SOCK_RAW, IPPROTO_TCP, "eth0" }, POLICY_VERDICT_DENY, 1 },
        { 0, PEER_ALICE, { AF_INET6, SOCK_RAW, 58, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_ALICE, { AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_BOB, { AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL }, POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_BOB, { AF_INET, SOCK_RAW, 58, "eth9" }, POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_BOB, { AF_INET, SOCK_RAW, IPPROTO_TCP, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_BOB_PRIMARY, { AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL }, POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_BOB_NULL_GROUPS, { AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0" }, POLICY_VERDICT_ALLOW, 3 },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth12" }, POLICY_VERDICT_ALLOW, 3 },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth" }, POLICY_VERDICT_ALLOW, 3 },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth1" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth00" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_RAW, ETH_P_IP, "eth0" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_RAW, ETH_P_ALL, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_SHARK, { AF_PACKET, SOCK_DGRAM, ETH_P_ALL, "eth0" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_PTP, { AF_PACKET, SOCK_DGRAM, ETH_P_1588, "eth1" }, POLICY_VERDICT_ALLOW, 4 },
        { 0, PEER_PTP, { AF_PACKET, SOCK_DGRAM, ETH_P_1588, "eth10" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_MON, { AF_INET6, SOCK_RAW, 58, NULL }, POLICY_VERDICT_ALLOW, 5 },
        { 0, PEER_MON, { AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL }, POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_MON, { AF_CAN, SOCK_RAW, 1, "can0" }, POLICY_VERDICT_ALLOW, 8 },
        { 0, PEER_BOB, { AF_CAN, SOCK_RAW, 1, "can0" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_CAP, { AF_PACKET, SOCK_DGRAM, ETH_P_LLDP, "eth0" }, POLICY_VERDICT_ALLOW, 6 },
        { 0, PEER_CAP_EXACT, { AF_PACKET, SOCK_DGRAM, ETH_P_LLDP, NULL }, POLICY_VERDICT_ALLOW, 6 },
        { 0, PEER_CAP_SIBLING, { AF_PACKET, SOCK_DGRAM, ETH_P_LLDP, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_NOBODY, { AF_PACKET, SOCK_DGRAM, ETH_P_LLDP, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_GUEST, { AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL }, POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_GUEST, { AF_INET6, SOCK_RAW, 58, NULL }, POLICY_VERDICT_DENY, 7 },
        { 0, PEER_GUEST, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0" }, POLICY_VERDICT_DENY, 7 },
        { 0, PEER_GUEST, { AF_BLUETOOTH, SOCK_SEQPACKET, 0, NULL }, POLICY_VERDICT_DENY, 7 },
        { 0, PEER_NOBODY, { AF_INET, SOCK_RAW, IPPROTO_ICMP, "lo" }, POLICY_VERDICT_ALLOW, 9 },
        { 0, PEER_NOBODY, { AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth0" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_NOBODY, { AF_BLUETOOTH, SOCK_SEQPACKET, 0, NULL }, POLICY_VERDICT_ALLOW, 10 },
        { 0, PEER_NOBODY, { AF_BLUETOOTH, SOCK_STREAM, 0, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_NOBODY, { AF_UNIX, SOCK_STREAM, 0, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_NOBODY, { AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP, "lo" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 0, PEER_MANY, { AF_INET, SOCK_RAW, 58, NULL }, POLICY_VERDICT_ALLOW, 2 },
        { 0, PEER_MANY, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth0" }, POLICY_VERDICT_ALLOW, 3 },
        { 1, PEER_ALICE_NETMON, { AF_INET, SOCK_RAW, 1, NULL }, POLICY_VERDICT_ALLOW, 0 },
        { 1, PEER_ALICE, { AF_INET, SOCK_RAW, 1, NULL }, POLICY_VERDICT_DENY, 1 },
        { 1, PEER_NOBODY, { AF_INET, SOCK_RAW, 1, NULL }, POLICY_VERDICT_DENY, 2 },
        { 1, PEER_BOB, { AF_INET, SOCK_RAW, 1, NULL }, POLICY_VERDICT_ALLOW, 0 },
        { 1, PEER_ALICE_NETMON, { AF_INET6, SOCK_RAW, 58, NULL }, POLICY_VERDICT_ALLOW, 3 },
        { 1, PEER_BOB, { AF_INET6, SOCK_RAW, 58, NULL }, POLICY_VERDICT_DENY, 4 },
        { 1, PEER_NOBODY, { AF_INET6, SOCK_RAW, 58, NULL }, POLICY_VERDICT_ALLOW, 5 },
        { 1, PEER_BOB, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0" }, POLICY_VERDICT_DENY, 4 },
        { 1, PEER_BOB, { AF_CAN, SOCK_DGRAM, 2, NULL }, POLICY_VERDICT_DENY, 4 },
        { 1, PEER_NOBODY, { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0" }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 1, PEER_ALICE, { AF_INET6, SOCK_DGRAM, 17, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 2, PEER_ALICE_UNIT_X, { AF_INET, SOCK_RAW, 1, NULL }, POLICY_VERDICT_DENY, 0 },
        { 2, PEER_ALICE_CGROUP, { AF_INET, SOCK_RAW, 1, NULL }, POLICY_VERDICT_ALLOW, 1 },
        { 2, PEER_ALICE, { AF_INET, SOCK_RAW, 1, NULL }, POLICY_VERDICT_DENY, 2 },
        { 2, PEER_NOBODY, { AF_INET, SOCK_RAW, 1, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 3, PEER_ALICE, { AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth0" }, POLICY_VERDICT_ALLOW, 0 },
        { 3, PEER_ALICE, { AF_INET, SOCK_RAW, IPPROTO_TCP, NULL }, POLICY_VERDICT_ALLOW, 1 },
        { 3, PEER_ALICE, { AF_INET, SOCK_RAW, IPPROTO_UDP, NULL }, POLICY_VERDICT_DENY, 3 },
        { 3, PEER_ALICE, { AF_INET, SOCK_RAW, IPPROTO_ICMP, "eth1" }, POLICY_VERDICT_DENY, 3 },
        { 3, PEER_BOB, { AF_INET, SOCK_RAW, IPPROTO_UDP, NULL }, POLICY_VERDICT_ALLOW, 2 },
        { 3, PEER_NOBODY, { AF_INET, SOCK_RAW, IPPROTO_UDP, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 3, PEER_ALICE, { AF_INET6, SOCK_RAW, 58, NULL }, POLICY_VERDICT_NO_MATCH, NO_RULE },
        { 3, PEER_ALICE_STAFF, { AF_INET6, SOCK_RAW, 58, NULL }, POLICY_VERDICT_ALLOW, 5 },
};

/* The reference: a plain first-match scan over every rule. */
static enum policy_verdict linear_check(const policy *p, const struct policy_peer *peer,
                                        const struct policy_request *req, int *ret_rule)
{
        for (size_t i = 0; i < policy_n_rules(p); i++) {
                const struct policy_rule *rule = policy_get_rule(p, i);
                struct policy_rule as_allow = *rule;
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
                as_allow.allow = true;
                if (!policy_rule_permits(&as_allow, req))
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

START_TEST(test_eval_null)
{
        _cleanup_(policy_freep) policy *p = compile_ok("allow everyone any");
        const struct policy_request req = { AF_INET, SOCK_RAW, 1, NULL };
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
                struct policy_request req = {
                        AF_INET, SOCK_RAW, uids[i] % 2 ? IPPROTO_ICMP : IPPROTO_TCP, NULL,
                };
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
                                      &(struct policy_request){ AF_INET, SOCK_RAW, 1, NULL }, NULL),
                         POLICY_VERDICT_ALLOW);
        ck_assert_int_eq(policy_check(p, &(struct policy_peer){ .uid = 5, .gid = 5 },
                                      &(struct policy_request){ AF_INET6, SOCK_RAW, 1, NULL }, NULL),
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
                struct policy_request req = { AF_PACKET, SOCK_RAW, proto, "eth0" };
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
        { "allow everyone inet raw proto=icmp", { AF_INET, SOCK_RAW, 1, NULL }, true },
        { "allow everyone inet raw proto=icmp", { AF_INET, SOCK_RAW, 6, NULL }, false },
        { "allow everyone inet raw proto=icmp", { AF_INET6, SOCK_RAW, 1, NULL }, false },
        { "allow everyone inet raw proto=icmp", { AF_INET, SOCK_DGRAM, 1, NULL }, false },
        { "allow everyone inet raw proto=icmp", { AF_INET, SOCK_RAW, 1, "eth0" }, true },
        { "deny everyone inet raw", { AF_INET, SOCK_RAW, 1, NULL }, false },
        { "allow uid=5 any", { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0" }, true },
        { "allow uid=5 any", { AF_CAN, SOCK_RAW, 1, NULL }, true },
        { "allow uid=5 any", { AF_UNIX, SOCK_STREAM, 0, NULL }, false },
        { "allow uid=5 any", { AF_NETLINK, SOCK_RAW, 0, NULL }, false },
        { "allow uid=5 any", { 0, SOCK_RAW, 0, NULL }, false },
        { "allow uid=5 any", { AF_PACKET, SOCK_STREAM, 0, NULL }, false },
        { "allow uid=5 any", { AF_INET, SOCK_RDM, 0, NULL }, false },
        { "allow uid=5 any", { AF_INET, 0, 0, NULL }, false },
        { "allow uid=5 inet any", { AF_INET, SOCK_SEQPACKET, 132, NULL }, true },
        { "allow everyone inet raw", { AF_INET, SOCK_RAW | SOCK_NONBLOCK, 1, NULL }, false },
        { "allow everyone packet raw iface=eth*", { AF_PACKET, SOCK_RAW, 3, "eth0" }, true },
        { "allow everyone packet raw iface=eth*", { AF_PACKET, SOCK_RAW, 3, NULL }, false },
        { "allow everyone packet raw iface=eth*", { AF_PACKET, SOCK_RAW, 3, "" }, false },
        { "allow everyone packet raw iface=eth*", { AF_PACKET, SOCK_RAW, 3, "wlan0" }, false },
        { "allow everyone packet raw iface=eth*", { AF_PACKET, SOCK_RAW, 3, "eth0123456789ab" }, true },
        { "allow everyone packet raw iface=eth*", { AF_PACKET, SOCK_RAW, 3, "eth0123456789abc" }, false },
        { "allow everyone packet raw iface=eth[0-9]", { AF_PACKET, SOCK_RAW, 3, "eth5" }, true },
        { "allow everyone packet raw iface=eth[0-9]", { AF_PACKET, SOCK_RAW, 3, "ethx" }, false },
        { "allow everyone packet raw iface=eth[0-9]", { AF_PACKET, SOCK_RAW, 3, "eth10" }, false },
        { "allow everyone packet raw iface=?", { AF_PACKET, SOCK_RAW, 3, "a" }, true },
        { "allow everyone packet raw iface=?", { AF_PACKET, SOCK_RAW, 3, "ab" }, false },
        { "allow everyone packet raw iface=*", { AF_PACKET, SOCK_RAW, 3, ".hidden" }, true },
        { "allow everyone packet raw proto=all", { AF_PACKET, SOCK_RAW, ETH_P_IP, NULL }, false },
        { "allow everyone packet raw proto=all", { AF_PACKET, SOCK_RAW, ETH_P_ALL, NULL }, true },
        { "allow everyone packet raw proto=all,ip", { AF_PACKET, SOCK_RAW, ETH_P_IP, NULL }, true },
        { "allow everyone any iface=lo", { AF_INET6, SOCK_DGRAM, 17, "lo" }, true },
        { "allow everyone any iface=lo", { AF_INET6, SOCK_DGRAM, 17, NULL }, false },
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

static const struct {
        const char *text;
        uint64_t caps;
} caps_cases[] = {
        { "", 0 },
        { "allow everyone inet raw", NET_RAW },
        { "allow everyone inet dgram", 0 },
        { "allow everyone inet stream proto=tcp", 0 },
        { "allow everyone inet6 any", NET_RAW },
        { "allow everyone inet6 stream", 0 },
        { "allow everyone packet dgram", NET_RAW },
        { "allow everyone packet raw proto=all", NET_RAW },
        { "deny everyone packet raw", 0 },
        { "allow everyone any", NET_RAW },
        { "allow everyone any stream", NET_RAW },
        { "allow everyone can raw", 0 },
        { "allow everyone bluetooth raw", 0 },
        { "allow everyone inet stream\ndeny everyone inet raw", 0 },
        { "allow uid=1 inet dgram\nallow uid=2 packet raw", NET_RAW },
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
        { { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0" }, "packet/raw/all@eth0" },
        { { AF_PACKET, SOCK_DGRAM, ETH_P_1588, "eth1" }, "packet/dgram/ptp@eth1" },
        { { AF_PACKET, SOCK_DGRAM, 0x1234, NULL }, "packet/dgram/0x1234" },
        { { AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL }, "inet/raw/icmp" },
        { { AF_INET6, SOCK_RAW, 58, "lo" }, "inet6/raw/ipv6-icmp@lo" },
        { { AF_CAN, SOCK_RAW, 1, "can0" }, "can/raw/raw@can0" },
        { { AF_BLUETOOTH, SOCK_SEQPACKET, 0, NULL }, "bluetooth/seqpacket/l2cap" },
        { { AF_UNIX, SOCK_STREAM, 0, NULL }, "unix/stream/0" },
        { { AF_INET, SOCK_RAW, 300, NULL }, "inet/raw/300" },
        { { 99, 77, 5, NULL }, "99/77/5" },
        { { AF_INET, SOCK_RAW, 1, "e\nx\\ y" }, "inet/raw/icmp@e\\x0ax\\x5c\\x20y" },
        { { AF_INET, SOCK_RAW, 1, "" }, "inet/raw/icmp@" },
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
        const struct policy_request req = { AF_PACKET, SOCK_RAW, ETH_P_ALL, "eth0" };
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
static const char image_text_b[] = "allow uid=5 can raw proto=raw iface=can0\n";

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
        struct policy_image_header h;
        size_t rules;           /* offset of the first rule */
        size_t strings;         /* offset of the string table */
};

static void image_load(struct image *img)
{
        _cleanup_(policy_freep) policy *p = image_policy();
        void *buf;

        ck_assert_int_eq(policy_export(p, &buf, &img->len), 0);
        /* Room for mutations that append. */
        img->buf = realloc(buf, img->len + 16);
        ck_assert_ptr_nonnull(img->buf);
        memcpy(&img->h, img->buf, sizeof(img->h));
        img->rules = sizeof(img->h) + img->h.n_files * sizeof(uint32_t);
        img->strings = img->rules + img->h.n_rules * sizeof(struct policy_image_rule);
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

static void rule_put(struct image *img, size_t i, size_t field_offset, uint32_t v)
{
        put32(img, img->rules + i * sizeof(struct policy_image_rule) + field_offset, v);
}

#define RULE_SET(img, i, field, v) rule_put(img, i, offsetof(struct policy_image_rule, field), v)

static void string_replace(struct image *img, const char *from, const char *to)
{
        uint8_t *s = memmem(img->buf + img->strings, img->h.strings_size, from, strlen(from) + 1);

        ck_assert_ptr_nonnull(s);
        ck_assert_uint_eq(strlen(from), strlen(to));
        memcpy(s, to, strlen(to));
}

static void mut_magic(struct image *m) { m->buf[0] = 'X'; }
static void mut_version_2(struct image *m) { put32(m, HDR(version), 2); }
static void mut_version_0(struct image *m) { put32(m, HDR(version), 0); }
static void mut_no_files(struct image *m) { put32(m, HDR(n_files), 0); }
static void mut_many_files(struct image *m) { put32(m, HDR(n_files), POLICY_MAX_FILES + 1); }
static void mut_one_more_rule(struct image *m) { put32(m, HDR(n_rules), m->h.n_rules + 1); }
static void mut_many_rules(struct image *m) { put32(m, HDR(n_rules), POLICY_MAX_RULES + 1); }
static void mut_huge_rules(struct image *m) { put32(m, HDR(n_rules), UINT32_MAX); }
static void mut_huge_strings(struct image *m) { put32(m, HDR(strings_size), UINT32_MAX); }
static void mut_short_strings(struct image *m) { put32(m, HDR(strings_size), m->h.strings_size - 1); }
static void mut_append(struct image *m) { m->buf[m->len++] = 0; }
static void mut_truncate(struct image *m) { m->len--; }
static void mut_header_only(struct image *m) { m->len = sizeof(m->h) - 1; }
static void mut_file_offset_end(struct image *m) { put32(m, sizeof(m->h), m->h.strings_size); }
static void mut_file_offset_huge(struct image *m) { put32(m, sizeof(m->h), UINT32_MAX); }
static void mut_file_empty(struct image *m) { m->buf[m->strings + get32(m, sizeof(m->h))] = '\0'; }
static void mut_unterminated(struct image *m) { m->buf[m->len - 1] = 'x'; }
static void mut_flags_unknown(struct image *m) { RULE_SET(m, 0, flags, get32(m, RULE(m, 0, flags)) | 1u << 6); }
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
static void mut_n_protocols(struct image *m) { RULE_SET(m, 0, n_protocols, POLICY_MAX_LIST + 1); }
static void mut_n_protocols_huge(struct image *m) { RULE_SET(m, 0, n_protocols, UINT32_MAX); }
static void mut_protocol_range(struct image *m) { RULE_SET(m, 0, protocols[0], 256); }
static void mut_ethertype_range(struct image *m) { RULE_SET(m, 2, protocols[1], 0x10000); }
static void mut_protocol_stray(struct image *m) { RULE_SET(m, 0, protocols[5], 1); }
static void mut_protocol_dropped(struct image *m) { RULE_SET(m, 0, n_protocols, 0); }
static void mut_n_ifaces(struct image *m) { RULE_SET(m, 0, n_ifaces, POLICY_MAX_LIST + 1); }
static void mut_iface_offset(struct image *m) { RULE_SET(m, 0, ifaces[0], m->h.strings_size); }
static void mut_iface_stray(struct image *m) { RULE_SET(m, 0, ifaces[1], 3); }
static void mut_iface_last_stray(struct image *m) { RULE_SET(m, 2, ifaces[POLICY_MAX_LIST - 1], 1); }
static void mut_iface_string(struct image *m) { string_replace(m, "eth0", "et/0"); }
static void mut_iface_space(struct image *m) { string_replace(m, "veth?", "veth "); }
static void mut_iface_comma(struct image *m) { string_replace(m, "eth*", "e,h*"); }
static void mut_unit_string(struct image *m) { string_replace(m, "mon.service", "mon/service"); }
static void mut_cgroup_string(struct image *m) { string_replace(m, "/system.slice", "/system.slic/"); }
static void mut_unit_offset(struct image *m) { RULE_SET(m, 1, unit, get32(m, RULE(m, 0, ifaces[0]))); }
static void mut_unit_mid_string(struct image *m) { RULE_SET(m, 1, unit, get32(m, RULE(m, 1, unit)) + 11); }

static const struct {
        const char *name;
        void (*mutate)(struct image *m);
} corruption_cases[] = {
        { "magic", mut_magic },
        { "version 2", mut_version_2 },
        { "version 0", mut_version_0 },
        { "no files", mut_no_files },
        { "too many files", mut_many_files },
        { "one more rule", mut_one_more_rule },
        { "too many rules", mut_many_rules },
        { "huge rule count", mut_huge_rules },
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
        { "stray protocol", mut_protocol_stray },
        { "protocols dropped", mut_protocol_dropped },
        { "too many ifaces", mut_n_ifaces },
        { "iface offset", mut_iface_offset },
        { "stray iface", mut_iface_stray },
        { "stray last iface", mut_iface_last_stray },
        { "iface with '/'", mut_iface_string },
        { "iface with space", mut_iface_space },
        { "iface with ','", mut_iface_comma },
        { "unit name", mut_unit_string },
        { "cgroup path", mut_cgroup_string },
        { "unit points at a glob", mut_unit_offset },
        { "unit points at its NUL", mut_unit_mid_string },
};

START_TEST(test_image_corrupt)
{
        struct image img;
        policy *p = NULL;

        image_load(&img);
        /* The image as exported is fine. */
        ck_assert_int_eq(policy_import(img.buf, img.len, &p), 0);
        p = policy_free(p);

        corruption_cases[_i].mutate(&img);
        ck_assert_msg(policy_import(img.buf, img.len, &p) == -EBADMSG, "%s", corruption_cases[_i].name);
        ck_assert_ptr_null(p);
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
        ck_assert_uint_eq(img.h.n_rules, 4);
        ck_assert_uint_eq(get32(&img, RULE(&img, 3, file)), 1);
        ck_assert_uint_eq(get32(&img, RULE(&img, 1, line)), 2);
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
                { AF_INET, SOCK_RAW, 1, "eth0" },
                { AF_PACKET, SOCK_RAW, ETH_P_ALL, "veth1" },
                { AF_CAN, SOCK_RAW, 1, "can0" },
                { AF_INET6, SOCK_DGRAM, 17, NULL },
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
};

struct entry {
        const char *name;       /* relative to the test directory */
        enum entry_kind kind;
        const char *text;       /* file content, or symlink target */
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
          "@/policy.conf: refusing: writable by group or others (mode 0666)", 0, { 0 } },
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
                break;
        case ENTRY_FIFO:
                ck_assert_int_eq(mkfifo(path, e->mode), 0);
                break;
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

        if (geteuid() != 0 && load_case_needs_root(c))
                return;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        for (size_t i = 0; i < ELEMENTSOF(c->entries) && c->entries[i].name; i++)
                entry_create(dir, &c->entries[i]);

        (void)snprintf(path, sizeof(path), "%s/policy.conf", dir);
        (void)snprintf(dropins, sizeof(dropins), "%s/policy.d", dir);
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
        tcase_add_loop_test(tc, test_error, 0, ELEMENTSOF(error_cases));
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
        tcase_add_loop_test(tc, test_permits, 0, ELEMENTSOF(permit_cases));
        tcase_add_loop_test(tc, test_capabilities, 0, ELEMENTSOF(caps_cases));
        tcase_add_loop_test(tc, test_request_format, 0, ELEMENTSOF(request_format_cases));
        tcase_add_loop_test(tc, test_error_format, 0, ELEMENTSOF(error_format_cases));
        tcase_add_test(tc, test_format_small_buffer);
        suite_add_tcase(s, tc);

        tc = tcase_create("image");
        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_image_corrupt, 0, ELEMENTSOF(corruption_cases));
        tcase_add_test(tc, test_image_layout);
        tcase_add_test(tc, test_image_interning);
        tcase_add_test(tc, test_image_truncated);
        tcase_add_test(tc, test_image_bitflips);
        tcase_add_test(tc, test_image_random);
        tcase_add_test(tc, test_image_arguments);
        tcase_add_test(tc, test_image_empty);
        suite_add_tcase(s, tc);

        tc = tcase_create("load");
        tcase_add_loop_test(tc, test_load, 0, ELEMENTSOF(load_cases));
        tcase_add_test(tc, test_load_files);
        tcase_add_test(tc, test_load_too_large);
        tcase_add_test(tc, test_load_arguments);
        suite_add_tcase(s, tc);

        return s;
}
