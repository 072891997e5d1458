/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-spec.c - socket spec text (client-lib/spec.c).
 */
#include "config.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "client-lib/spec.h"
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
        { "packet/raw/34997", 0, AF_PACKET, SOCK_RAW, 0x88b5, "", NULL },
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
};

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
                ck_assert_mem_eq(&s, &t, sizeof(s));
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
        tcase_add_test(tc, test_spec_format_small_buffer);
        tcase_add_test(tc, test_spec_too_long);
        suite_add_tcase(s, tc);
        return s;
}
