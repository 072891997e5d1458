/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-peer.c - cgroup and unit parsing (daemon/peer.c), and the peer
 * identity of a real socketpair.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
        /* The broker never sets FD_CLOEXEC on a pidfd: the kernel has. */
        if (p.pidfd >= 0)
                ck_assert_int_eq(fcntl(p.pidfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        /* Where the pidfd tells the cgroup, it also names the process:
         * its inode, which fstat() of the same pidfd shows. */
        if (p.cgroup_id != 0) {
                struct stat st;

                ck_assert_int_eq(fstat(p.pidfd, &st), 0);
                ck_assert_uint_eq(p.pidfs_id, (uint64_t)st.st_ino);
                ck_assert_uint_ne(p.pidfs_id, 0);
        } else {
                ck_assert_uint_eq(p.pidfs_id, 0);
        }
        peer_done(&p);
        ck_assert_int_eq(p.pidfd, -1);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

/* Two connections of one process: the second is answered from the
 * cache, with the same cgroup, where the kernel tells cgroup ids; the
 * first always from /proc. */
START_TEST(test_socketpair_cached)
{
        struct peer_cache cache = {};
        struct peer a, b;
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(peer_from_socket_cred(sv[0], &a), 0);
        peer_from_socket_rest(sv[0], &a, &cache);
        ck_assert_int_eq(peer_from_socket_cred(sv[0], &b), 0);
        peer_from_socket_rest(sv[0], &b, &cache);
        if (a.cgroup_id != 0 && a.cgroup) {
                ck_assert_uint_eq(cache.misses, 1);
                ck_assert_uint_eq(cache.hits, 1);
                ck_assert_uint_eq(a.pidfs_id, b.pidfs_id);
                ck_assert_str_eq(a.cgroup, b.cgroup);
                ck_assert_ptr_ne(a.cgroup, b.cgroup);
        } else {
                ck_assert_uint_eq(cache.hits, 0);
        }
        peer_done(&a);
        peer_done(&b);
        peer_cache_done(&cache);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

/* The cache alone: a slot answers only for its process in its cgroup;
 * a moved process, another process in the same slot, a zero id and an
 * overlong path are not answered. */
START_TEST(test_cache_slots)
{
        struct peer_cache c = {};
        const struct peer_cache_slot *s;
        char long_path[PEER_CACHE_MAX_PATH + 1];

        ck_assert_ptr_null(peer_cache_find(&c, 0, 0));
        ck_assert_ptr_null(peer_cache_find(&c, 7, 100));

        peer_cache_store(&c, 7, 100, "/system.slice/a.service", "a.service");
        s = peer_cache_find(&c, 7, 100);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s->cgroup, "/system.slice/a.service");
        ck_assert_str_eq(s->unit, "a.service");
        ck_assert_ptr_null(peer_cache_find(&c, 7, 101));          /* moved */
        ck_assert_ptr_null(peer_cache_find(&c, 7 + PEER_CACHE_SLOTS, 100));

        /* Another process in the same slot takes it over. */
        peer_cache_store(&c, 7 + PEER_CACHE_SLOTS, 200, "/b", NULL);
        ck_assert_ptr_null(peer_cache_find(&c, 7, 100));
        s = peer_cache_find(&c, 7 + PEER_CACHE_SLOTS, 200);
        ck_assert_ptr_nonnull(s);
        ck_assert_ptr_null(s->unit);

        /* The same process, read again in another cgroup. */
        peer_cache_store(&c, 7 + PEER_CACHE_SLOTS, 201, "/c.slice/c.scope", "c.scope");
        ck_assert_ptr_null(peer_cache_find(&c, 7 + PEER_CACHE_SLOTS, 200));
        ck_assert_str_eq(peer_cache_find(&c, 7 + PEER_CACHE_SLOTS, 201)->unit, "c.scope");

        /* Kept: nothing without both ids or a path, nor past the bound. */
        peer_cache_store(&c, 0, 5, "/x", NULL);
        peer_cache_store(&c, 5, 0, "/x", NULL);
        peer_cache_store(&c, 6, 5, NULL, NULL);
        memset(long_path, 'p', sizeof(long_path) - 1);
        long_path[0] = '/';
        long_path[sizeof(long_path) - 1] = 0;
        peer_cache_store(&c, 8, 5, long_path, NULL);
        ck_assert_ptr_null(peer_cache_find(&c, 0, 5));
        ck_assert_ptr_null(peer_cache_find(&c, 5, 0));
        ck_assert_ptr_null(peer_cache_find(&c, 6, 5));
        ck_assert_ptr_null(peer_cache_find(&c, 8, 5));
        long_path[sizeof(long_path) - 2] = 0;                     /* at the bound - 1 */
        peer_cache_store(&c, 8, 5, long_path, NULL);
        ck_assert_ptr_nonnull(peer_cache_find(&c, 8, 5));

        peer_cache_done(&c);
        for (unsigned i = 0; i < PEER_CACHE_SLOTS; i++)
                ck_assert_uint_eq(c.slots[i].pidfs_id, 0);
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
        tcase_add_test(tc, test_socketpair_cached);
        tcase_add_test(tc, test_cache_slots);
        tcase_add_test(tc, test_idmap_text);
        tcase_add_test(tc, test_apply_idmap);
        suite_add_tcase(s, tc);
        return s;
}
