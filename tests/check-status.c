/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-status.c - the record of grants and its pages
 * (daemon/broker/broker-status.c): the ring turns, serials stay
 * consecutive, records like the one before share its strings, a page
 * never exceeds one message and always holds a grant, and the
 * start time of a process is read from /proc/PID/stat text.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/broker/broker-status.h"
#include "tests/check-suites.h"

static void add(struct grant_ring *r, const char *what, const char *cgroup)
{
        grant_ring_add(r, 1000, 65534, 65534, 42, 7, 0, "mon.service", cgroup, what,
                       "/etc/sockbroker/policy.conf:1");
}

START_TEST(test_ring_turns)
{
        struct grant_ring r;

        ck_assert_int_eq(grant_ring_init(&r, 0), -EINVAL);
        ck_assert_int_eq(grant_ring_init(&r, SB_STATUS_MAX_GRANTS + 1), -EINVAL);
        ck_assert_int_eq(grant_ring_init(&r, 4), 0);
        ck_assert_ptr_null(grant_ring_find(&r, 0));
        ck_assert_ptr_null(grant_ring_find(&r, 1));

        for (int i = 0; i < 10; i++)
                add(&r, i % 2 ? "inet/raw/icmp" : "packet/raw/all@eth0", "/system.slice/mon.service");
        ck_assert_uint_eq(r.n, 4);
        ck_assert_uint_eq(r.newest, 10);
        for (unsigned i = 0; i < 4; i++)
                ck_assert_uint_eq(grant_ring_get(&r, i)->serial, 7 + i);
        ck_assert_ptr_null(grant_ring_get(&r, 4));
        ck_assert_ptr_null(grant_ring_find(&r, 6));
        ck_assert_ptr_null(grant_ring_find(&r, 11));
        ck_assert_uint_eq(grant_ring_find(&r, 8)->serial, 8);
        ck_assert_str_eq(grant_ring_find(&r, 8)->what, "inet/raw/icmp");
        ck_assert_str_eq(grant_ring_find(&r, 8)->unit, "mon.service");
        grant_ring_done(&r);
        ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(test_ring_truncates)
{
        static char cgroup[4096];
        struct grant_ring r;

        /* "é" is two bytes; a cut must not fall between them. */
        memset(cgroup, 'a', sizeof(cgroup) - 1);
        memcpy(cgroup + SB_STATUS_MAX_STRING - 1, "\xc3\xa9", 2);
        ck_assert_int_eq(grant_ring_init(&r, 2), 0);
        add(&r, "inet/raw/icmp", cgroup);
        ck_assert_uint_eq(strlen(grant_ring_get(&r, 0)->cgroup), SB_STATUS_MAX_STRING - 1);
        add(&r, "inet/raw/icmp", NULL);
        ck_assert_ptr_null(grant_ring_get(&r, 1)->cgroup);
        grant_ring_done(&r);
}
END_TEST

/* Pages through the ring as `sockbroker list` does; every page fits in
 * one message and the serials come out consecutive, each once. */
static void page_through(const struct grant_ring *r, uint64_t expect_first, size_t *ret_pages)
{
        Sockbroker__Grant entries[128], *ptrs[128];
        uint64_t after = 0, next = expect_first;
        size_t pages = 0;

        for (;;) {
                SbReply reply = SOCKBROKER__REPLY__INIT;
                Sockbroker__GrantPage page = SOCKBROKER__GRANT_PAGE__INIT;
                size_t n;

                reply.has_version = reply.has_id = reply.has_error = true;
                reply.version = SB_PROTO_VERSION;
                reply.id = UINT32_MAX;
                reply.grants = &page;
                n = grant_page_fill(r, after, &reply, &page, entries, ptrs, 128);
                ck_assert_uint_le(sockbroker__reply__get_packed_size(&reply), SB_PROTO_MAX_MESSAGE);
                ck_assert_uint_eq(page.n_grants, n);
                ck_assert_uint_eq(page.newest, r->newest);
                if (n == 0)
                        break;
                pages++;
                for (size_t i = 0; i < n; i++)
                        ck_assert_uint_eq(page.grants[i]->serial, next++);
                after = page.grants[n - 1]->serial;
        }
        ck_assert_uint_eq(next, r->newest + 1);
        *ret_pages = pages;
}

/* A grant like the one before shares its strings; one that differs
 * has its own, and each survives the records it was shared with. */
START_TEST(test_ring_shares)
{
        const struct grant_record *a, *b, *c;
        struct grant_ring r;

        ck_assert_int_eq(grant_ring_init(&r, 3), 0);
        add(&r, "inet/raw/icmp", "/system.slice/mon.service");
        add(&r, "inet/raw/icmp", "/system.slice/mon.service");
        add(&r, "packet/raw/all@lo", "/system.slice/mon.service");
        a = grant_ring_get(&r, 0);
        b = grant_ring_get(&r, 1);
        c = grant_ring_get(&r, 2);
        ck_assert_ptr_eq(a->what, b->what);
        ck_assert_ptr_eq(a->cgroup, b->cgroup);
        ck_assert_ptr_eq(a->unit, c->unit);
        ck_assert_ptr_eq(a->rule, c->rule);
        ck_assert_ptr_ne(b->what, c->what);
        ck_assert_str_eq(c->what, "packet/raw/all@lo");

        /* The first two go; the third's strings, shared with them, stay. */
        add(&r, "packet/raw/all@lo", NULL);
        add(&r, "", NULL);
        ck_assert_str_eq(grant_ring_get(&r, 0)->what, "packet/raw/all@lo");
        ck_assert_str_eq(grant_ring_get(&r, 0)->cgroup, "/system.slice/mon.service");
        ck_assert_str_eq(grant_ring_get(&r, 0)->rule, "/etc/sockbroker/policy.conf:1");
        ck_assert_ptr_eq(grant_ring_get(&r, 0)->what, grant_ring_get(&r, 1)->what);
        ck_assert_ptr_null(grant_ring_get(&r, 1)->cgroup);
        ck_assert_ptr_null(grant_ring_get(&r, 2)->what);
        grant_ring_done(&r);

        /* A ring of one: the newest record is the one that goes. */
        ck_assert_int_eq(grant_ring_init(&r, 1), 0);
        for (int i = 0; i < 3; i++)
                add(&r, "inet/raw/icmp", "/system.slice/mon.service");
        ck_assert_uint_eq(grant_ring_get(&r, 0)->serial, 3);
        ck_assert_str_eq(grant_ring_get(&r, 0)->what, "inet/raw/icmp");
        grant_ring_done(&r);
}
END_TEST

START_TEST(test_pages)
{
        static char cgroup[SB_STATUS_MAX_STRING + 100], what[160];
        struct grant_ring r;
        size_t pages;

        ck_assert_int_eq(grant_ring_init(&r, 100), 0);
        page_through(&r, 1, &pages);
        ck_assert_uint_eq(pages, 0);

        for (int i = 0; i < 30; i++)
                add(&r, "inet/raw/icmp", "/system.slice/mon.service");
        page_through(&r, 1, &pages);
        ck_assert_uint_eq(pages, 1);

        /* The longest grants there can be: still at least one a page. */
        memset(cgroup, 'c', sizeof(cgroup) - 1);
        memset(what, 'w', sizeof(what) - 1);
        for (int i = 0; i < 300; i++)
                grant_ring_add(&r, UINT64_MAX, UINT32_MAX, UINT32_MAX, INT32_MAX, UINT64_MAX,
                               UINT64_MAX, cgroup, cgroup, what, cgroup);
        ck_assert_uint_eq(r.newest, 330);
        page_through(&r, 231, &pages);
        /* Two of them fit in a message, not three. */
        ck_assert_uint_eq(pages, 50);

        /* After the newest, or after what the ring still holds. */
        {
                Sockbroker__Grant entries[4], *ptrs[4];
                SbReply reply = SOCKBROKER__REPLY__INIT;
                Sockbroker__GrantPage page = SOCKBROKER__GRANT_PAGE__INIT;

                reply.grants = &page;
                ck_assert_uint_eq(grant_page_fill(&r, 330, &reply, &page, entries, ptrs, 4), 0);
                ck_assert_uint_eq(grant_page_fill(&r, 5, &reply, &page, entries, ptrs, 1), 1);
                ck_assert_uint_eq(page.grants[0]->serial, 231);
                ck_assert_uint_eq(grant_page_fill(&r, 300, &reply, &page, entries, ptrs, 1), 1);
                ck_assert_uint_eq(page.grants[0]->serial, 301);
        }
        grant_ring_done(&r);
}
END_TEST

static const struct stat_case {
        const char *text;
        int expect;
        uint64_t start;
} stat_cases[] = {
        { "42 (sleep) S 1 42 42 0 -1 4194560 95 0 0 0 0 0 0 0 20 0 1 0 123456 8531968 128 "
          "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n", 0, 123456 },
        /* The command name may hold spaces and parentheses. */
        { "7 (a) b (c) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0\n", 0, 99 },
        { "7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5", 0, 5 },
        { "7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n", -EINVAL, 0 },
        { "7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12x 0\n", -EINVAL, 0 },
        { "7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999999 0\n", -EINVAL, 0 },
        { "7 x S 1 7 7", -EINVAL, 0 },
        { "", -EINVAL, 0 },
};

START_TEST(test_stat_table)
{
        const struct stat_case *c = &stat_cases[_i];
        uint64_t start = 0;

        ck_assert_int_eq(status_parse_start_time(c->text, strlen(c->text), &start), c->expect);
        if (c->expect == 0)
                ck_assert_uint_eq(start, c->start);
}
END_TEST

START_TEST(test_families)
{
        ck_assert_int_eq(broker_family_from_af(AF_INET), BROKER_FAMILY_INET);
        ck_assert_int_eq(broker_family_from_af(AF_INET6), BROKER_FAMILY_INET6);
        ck_assert_int_eq(broker_family_from_af(AF_PACKET), BROKER_FAMILY_PACKET);
        ck_assert_int_eq(broker_family_from_af(AF_CAN), BROKER_FAMILY_CAN);
        ck_assert_int_eq(broker_family_from_af(AF_BLUETOOTH), BROKER_FAMILY_BLUETOOTH);
        ck_assert_int_eq(broker_family_from_af(AF_UNIX), BROKER_FAMILY_OTHER);
        ck_assert_int_eq(broker_family_from_af(0), BROKER_FAMILY_OTHER);
        ck_assert_int_eq(broker_family_from_af(-1), BROKER_FAMILY_OTHER);
}
END_TEST

Suite *make_status_suite(void)
{
        Suite *s = suite_create("status");
        TCase *tc = tcase_create("grants");

        tcase_add_test(tc, test_ring_turns);
        tcase_add_test(tc, test_ring_truncates);
        tcase_add_test(tc, test_ring_shares);
        tcase_add_test(tc, test_pages);
        tcase_add_test(tc, test_families);
        suite_add_tcase(s, tc);

        tc = tcase_create("proc");
        tcase_add_loop_test(tc, test_stat_table, 0, (int)(sizeof(stat_cases) / sizeof(stat_cases[0])));
        suite_add_tcase(s, tc);
        return s;
}
