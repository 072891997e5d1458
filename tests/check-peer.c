/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-peer.c - cgroup and unit parsing (daemon/peer.c), and the peer
 * identity of a real socketpair.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/broker/peer.h"
#include "tests/check-suites.h"

static const struct unit_case {
        const char *cgroup;
        const char *unit;
} unit_cases[] = {
        { "/system.slice/mon.service", "mon.service" },
        { "/system.slice/mon.service/sub", "mon.service" },
        { "/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service" },
        { "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
        { "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service", "user@1000.service" },
        { "/init.scope", "init.scope" },
        { "/", NULL },
        { "", NULL },
        { "/system.slice", NULL },
        { "/system.slice/", NULL },
        { "/docker/0123abcd", NULL },
        { "system.slice/a.service", NULL },
        { "/a.slice/b.slice/c.scope/d.service", "c.scope" },
        { "/.service", NULL },
};

START_TEST(test_unit_table)
{
        const struct unit_case *c = &unit_cases[_i];
        char *u = peer_unit_from_cgroup(c->cgroup);

        if (c->unit)
                ck_assert_msg(u && strcmp(u, c->unit) == 0, "'%s': got '%s', expected '%s'",
                              c->cgroup, u ? u : "(null)", c->unit);
        else
                ck_assert_msg(u == NULL, "'%s': got '%s', expected none", c->cgroup, u);
        free(u);
}
END_TEST

static const struct proc_case {
        const char *text;
        const char *cgroup;
} proc_cases[] = {
        { "0::/system.slice/a.service\n", "/system.slice/a.service" },
        { "0::/system.slice/a.service", "/system.slice/a.service" },
        { "12:cpu:/x\n0::/user.slice\n", "/user.slice" },
        { "12:cpu:/x\n", NULL },
        { "", NULL },
        { "0::\n", NULL },
        { "0::relative\n", NULL },
        { "1::/not-unified\n", NULL },
};

START_TEST(test_proc_table)
{
        const struct proc_case *c = &proc_cases[_i];
        char *cg = peer_cgroup_from_proc(c->text, strlen(c->text));

        if (c->cgroup)
                ck_assert_msg(cg && strcmp(cg, c->cgroup) == 0, "got '%s'", cg ? cg : "(null)");
        else
                ck_assert_msg(cg == NULL, "got '%s'", cg);
        free(cg);
}
END_TEST

START_TEST(test_socketpair_identity)
{
        struct peer p;
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(peer_from_socket(sv[0], &p), 0);
        ck_assert_uint_eq(p.uid, getuid());
        ck_assert_uint_eq(p.gid, getgid());
        ck_assert_int_eq(p.pid, getpid());
        /* Our own process is alive, so when /proc is there we know our cgroup. */
        if (p.pidfd >= 0 && access("/proc/self/cgroup", R_OK) == 0)
                ck_assert_ptr_nonnull(p.cgroup);
        peer_done(&p);
        ck_assert_int_eq(p.pidfd, -1);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

/* Which /proc/PID/uid_map texts map every id. */
START_TEST(test_idmap_text)
{
        static const struct {
                const char *text;
                bool all;
        } cases[] = {
                { "         0          0 4294967295\n", true },
                { "0 100000 4294967295\n", true },
                { "         0          0       1000\n", false },
                { "0 0 1\n1 100000 65536\n", false },
                { "", false },
                { "garbage\n", false },
                { "1 1 4294967295\n", false },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ck_assert_msg(peer_idmap_text_maps_all(cases[i].text, strlen(cases[i].text)) == cases[i].all,
                              "'%s'", cases[i].text);
}
END_TEST

/* A peer the kernel reports with the overflow ids, in a namespace that
 * does not map every id: its uid is unknown and its overflow gids match
 * nothing. In the initial namespace nothing changes. */
START_TEST(test_apply_idmap)
{
        const struct peer_idmap partial = { .overflow_uid = 65534, .overflow_gid = 65534 };
        const struct peer_idmap all = { .all_uids = true, .all_gids = true,
                                        .overflow_uid = 65534, .overflow_gid = 65534 };
        gid_t groups[] = { 65534, 10, 65534, 20 };
        struct peer p = { .uid = 65534, .gid = 65534, .groups = groups, .n_groups = 4 };

        peer_apply_idmap(&p, &all);
        ck_assert(!p.unmapped);
        ck_assert_uint_eq(p.gid, 65534);
        ck_assert_uint_eq(p.n_groups, 4);

        peer_apply_idmap(&p, &partial);
        ck_assert(p.unmapped);
        ck_assert_uint_eq(p.gid, (gid_t)-1);
        ck_assert_uint_eq(p.n_groups, 2);
        ck_assert_uint_eq(groups[0], 10);
        ck_assert_uint_eq(groups[1], 20);

        p = (struct peer) { .uid = 7, .gid = 7 };
        peer_apply_idmap(&p, &partial);
        ck_assert(!p.unmapped);
        ck_assert_uint_eq(p.gid, 7);
}
END_TEST

Suite *make_peer_suite(void)
{
        Suite *s = suite_create("peer");
        TCase *tc = tcase_create("parse");

        tcase_add_loop_test(tc, test_unit_table, 0, (int)(sizeof(unit_cases) / sizeof(unit_cases[0])));
        tcase_add_loop_test(tc, test_proc_table, 0, (int)(sizeof(proc_cases) / sizeof(proc_cases[0])));
        suite_add_tcase(s, tc);
        tc = tcase_create("socket");
        tcase_add_test(tc, test_socketpair_identity);
        tcase_add_test(tc, test_idmap_text);
        tcase_add_test(tc, test_apply_idmap);
        suite_add_tcase(s, tc);
        return s;
}
