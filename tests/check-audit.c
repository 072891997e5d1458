/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-audit.c - the denial rate limit and the key=value record format
 * (daemon/ratelimit.c, daemon/audit.c).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/broker/audit.h"
#include "daemon/broker/ratelimit.h"
#include "tests/check-suites.h"

START_TEST(test_burst_then_rate)
{
        struct ratelimit rl;
        uint64_t suppressed = 99;
        unsigned passed = 0;

        ratelimit_init(&rl, 10, 5, 1000);
        for (int i = 0; i < 20; i++)
                passed += ratelimit_pass(&rl, 1000, NULL);
        ck_assert_uint_eq(passed, 5);

        /* 100 ms later one token is back, and the 15 refused are reported. */
        ck_assert(ratelimit_pass(&rl, 1000 + 100000, &suppressed));
        ck_assert_uint_eq(suppressed, 15);
        ck_assert(!ratelimit_pass(&rl, 1000 + 100000, NULL));

        /* A long pause refills to the burst, not beyond. */
        passed = 0;
        for (int i = 0; i < 20; i++)
                passed += ratelimit_pass(&rl, 1000 + 100000000, NULL);
        ck_assert_uint_eq(passed, 5);
}
END_TEST

START_TEST(test_clock_back)
{
        struct ratelimit rl;

        ratelimit_init(&rl, 1, 1, 5000000);
        ck_assert(ratelimit_pass(&rl, 5000000, NULL));
        ck_assert(!ratelimit_pass(&rl, 1000, NULL));
        ck_assert(ratelimit_pass(&rl, 1000 + 1000000, NULL));
}
END_TEST

START_TEST(test_format)
{
        struct peer peer = { .uid = 1000, .gid = 100, .pid = 42, .unit = (char *)"mon.service",
                             .cgroup = (char *)"/system.slice/mon.service" };
        struct policy_request req = { .family = AF_INET, .type = SOCK_RAW, .protocol = IPPROTO_ICMP,
                                      .ifname = "eth0" };
        struct audit_record r = {
                .kind = AUDIT_GRANTED, .peer = &peer, .request = &req,
                .what = "inet/raw/icmp@eth0", .rule = "/etc/sockbroker/policy.conf:3",
        };
        char buf[1024];

        ck_assert_int_eq(audit_format(&r, 0, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "decision=granted uid=1000 gid=100 pid=42 unit=mon.service "
                              "cgroup=/system.slice/mon.service family=inet type=raw protocol=icmp "
                              "interface=eth0 rule=/etc/sockbroker/policy.conf:3 errno=0 "
                              "request=inet/raw/icmp@eth0");

        r = (struct audit_record) { .kind = AUDIT_BAD_REQUEST, .peer = &peer, .error = EBADMSG,
                                    .reason = "say \"hi\"\\ there" };
        ck_assert_int_eq(audit_format(&r, 7, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "decision=bad-request uid=1000 gid=100 pid=42 unit=mon.service "
                              "cgroup=/system.slice/mon.service family=- type=- protocol=- "
                              "interface=- rule=- errno=74 request=- "
                              "reason=\"say \\\"hi\\\"\\\\ there\" suppressed=7");

        ck_assert_int_eq(audit_format(&r, 0, buf, 10), -ENOBUFS);
}
END_TEST

Suite *make_audit_suite(void)
{
        Suite *s = suite_create("audit");
        TCase *tc = tcase_create("ratelimit");

        tcase_add_test(tc, test_burst_then_rate);
        tcase_add_test(tc, test_clock_back);
        suite_add_tcase(s, tc);
        tc = tcase_create("format");
        tcase_add_test(tc, test_format);
        suite_add_tcase(s, tc);
        return s;
}
