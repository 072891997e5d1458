/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-spares.c - the broker's pool of sockets made ahead
 * (daemon/broker/spares.c): which requests it serves, when it asks for
 * more, what it hands out (drained, young, of the same kind only), and
 * that every descriptor it gives up is closed. UDP sockets on loopback
 * stand in for the opener's raw ones.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/broker/spares.h"
#include "tests/check-suites.h"

static struct opener_open icmp(uint32_t generation, uint32_t rule)
{
        struct opener_open m;

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_OPEN, 77 };
        m.generation = generation;
        m.rule_index = rule;
        m.family = AF_INET;
        m.type = SOCK_RAW;
        m.protocol = IPPROTO_ICMP;
        m.count = 1;
        return m;
}

static int udp(void)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

/* Queues n datagrams on fd. */
static void queue(int fd, unsigned n)
{
        struct sockaddr_in sa;
        socklen_t len = sizeof(sa);
        int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        for (unsigned i = 0; i < n; i++)
                ck_assert_int_eq(sendto(tx, "x", 1, 0, (struct sockaddr *)&sa, len), 1);
        close(tx);
}

static bool is_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0;
}

/* Asks for spares of m's kind as seq and fills them with n new sockets,
 * made at now; their descriptors go to fds. */
static void refill(struct spares *s, const struct opener_open *m, uint32_t seq, unsigned n,
                   uint64_t now, int *fds)
{
        struct opener_open ask;

        ck_assert(spares_want(s, m, seq, now, &ask));
        ck_assert_uint_eq(ask.count, n);
        for (unsigned i = 0; i < n; i++)
                fds[i] = udp();
        ck_assert(spares_fill(s, seq, fds, n, now));
}

START_TEST(test_eligible)
{
        struct opener_open m = icmp(1, 0);

        ck_assert(spares_eligible(&m));
        m.family = AF_INET6;
        ck_assert(spares_eligible(&m));
        m.family = AF_PACKET;
        ck_assert(!spares_eligible(&m));
        m = icmp(1, 0);
        m.addr_flags = OPENER_ADDR_DEV;
        ck_assert(!spares_eligible(&m));
}
END_TEST

START_TEST(test_want_fill_take)
{
        struct spares s = {};
        struct opener_open m = icmp(1, 2), ask;
        int fds[OPENER_MAX_SPARES];

        ck_assert_int_eq(spares_take(&s, &m, 0), -1);
        ck_assert(spares_want(&s, &m, 10, 0, &ask));
        ck_assert_uint_eq(ask.hdr.type, OPENER_MSG_SPARE);
        ck_assert_uint_eq(ask.hdr.seq, 10);
        ck_assert_uint_eq(ask.count, OPENER_MAX_SPARES);
        ck_assert_uint_eq(ask.rule_index, 2);
        ck_assert_uint_eq(ask.generation, 1);
        ck_assert_int_eq(ask.family, AF_INET);
        ck_assert_int_eq(opener_msg_check(&ask, sizeof(ask), 0), OPENER_MSG_SPARE);
        /* One refill of a kind at a time. */
        ck_assert(!spares_want(&s, &m, 11, 0, &ask));
        ck_assert_int_eq(spares_take(&s, &m, 0), -1);

        for (unsigned i = 0; i < OPENER_MAX_SPARES; i++)
                fds[i] = udp();
        ck_assert(spares_fill(&s, 10, fds, OPENER_MAX_SPARES, 100));
        ck_assert_uint_eq(s.n_fds, OPENER_MAX_SPARES);
        /* Full: nothing to ask for. */
        ck_assert(!spares_want(&s, &m, 12, 100, &ask));

        /* The youngest first; a kind with SPARES_LOW left is refilled
         * up to OPENER_MAX_SPARES. */
        for (unsigned i = OPENER_MAX_SPARES; i > SPARES_LOW; i--) {
                int fd = spares_take(&s, &m, 200);

                ck_assert_int_eq(fd, fds[i - 1]);
                close(fd);
        }
        ck_assert_uint_eq(s.n_fds, SPARES_LOW);
        ck_assert(spares_want(&s, &m, 13, 200, &ask));
        ck_assert_uint_eq(ask.count, OPENER_MAX_SPARES - SPARES_LOW);
        spares_clear(&s, true);
        ck_assert_uint_eq(s.n_fds, 0);
        ck_assert(!is_open(fds[0]));
}
END_TEST

/* A spare answers only the same OPEN: rule, generation, fields. */
START_TEST(test_kind_must_match)
{
        struct spares s = {};
        struct opener_open m = icmp(1, 2), other;
        int fds[OPENER_MAX_SPARES];

        refill(&s, &m, 1, OPENER_MAX_SPARES, 0, fds);
        other = icmp(2, 2);
        ck_assert_int_eq(spares_take(&s, &other, 0), -1);
        other = icmp(1, 3);
        ck_assert_int_eq(spares_take(&s, &other, 0), -1);
        other = icmp(1, 2);
        other.flags = OPENER_OPEN_NONBLOCK;
        ck_assert_int_eq(spares_take(&s, &other, 0), -1);
        other = icmp(1, 2);
        strcpy(other.ifname, "lo");
        ck_assert_int_eq(spares_take(&s, &other, 0), -1);
        /* The header and the count are not part of the kind. */
        other = icmp(1, 2);
        other.hdr.seq = 999;
        other.count = 3;
        ck_assert_int_ge(spares_take(&s, &other, 0), 0);
        spares_clear(&s, true);
}
END_TEST

START_TEST(test_answers)
{
        struct spares s = {};
        struct opener_open m = icmp(1, 2), ask;
        int fds[2] = { udp(), udp() }, more[OPENER_MAX_SPARES + 1];

        /* Not asked for: refused, and closed. */
        ck_assert(!spares_fill(&s, 5, fds, 2, 0));
        ck_assert(!is_open(fds[0]) && !is_open(fds[1]));

        /* An error answer ends the refill; the next may be asked. */
        ck_assert(spares_want(&s, &m, 6, 0, &ask));
        ck_assert(spares_fill(&s, 6, NULL, 0, 0));
        ck_assert(spares_want(&s, &m, 7, 0, &ask));
        /* More than asked for: the rest is closed. */
        for (unsigned i = 0; i < OPENER_MAX_SPARES + 1; i++)
                more[i] = udp();
        ck_assert(spares_fill(&s, 7, more, OPENER_MAX_SPARES + 1, 0));
        ck_assert_uint_eq(s.n_fds, OPENER_MAX_SPARES);
        ck_assert(!is_open(more[OPENER_MAX_SPARES]));

        /* A SPARE that could not be sent may be asked again. */
        spares_clear(&s, true);
        ck_assert(spares_want(&s, &m, 8, 0, &ask));
        spares_refill_failed(&s, 8);
        ck_assert(spares_want(&s, &m, 9, 0, &ask));
        spares_clear(&s, true);
}
END_TEST

/* A new policy: what is held is closed, and what is on the way is
 * closed when it comes; an opener gone answers nothing. */
START_TEST(test_clear)
{
        struct spares s = {};
        struct opener_open m = icmp(1, 2), n = icmp(1, 3), ask;
        int fds[OPENER_MAX_SPARES], late[2] = { udp(), udp() };

        refill(&s, &m, 1, OPENER_MAX_SPARES, 0, fds);
        ck_assert(spares_want(&s, &n, 2, 0, &ask));
        spares_clear(&s, false);
        ck_assert_uint_eq(s.n_fds, 0);
        for (unsigned i = 0; i < OPENER_MAX_SPARES; i++)
                ck_assert(!is_open(fds[i]));
        /* The stale kind serves nothing, and a new refill of it is a
         * new kind. */
        ck_assert_int_eq(spares_take(&s, &n, 0), -1);
        ck_assert(spares_fill(&s, 2, late, 2, 0));
        ck_assert(!is_open(late[0]) && !is_open(late[1]));
        ck_assert_uint_eq(s.n_fds, 0);

        ck_assert(spares_want(&s, &n, 3, 0, &ask));
        spares_clear(&s, true);
        late[0] = udp();
        ck_assert(!spares_fill(&s, 3, late, 1, 0));
        ck_assert(!is_open(late[0]));
}
END_TEST

START_TEST(test_age)
{
        struct spares s = {};
        struct opener_open m = icmp(1, 2);
        int fds[OPENER_MAX_SPARES];

        ck_assert_uint_eq(spares_next_expiry(&s), UINT64_MAX);
        refill(&s, &m, 1, OPENER_MAX_SPARES, 1000, fds);
        ck_assert_uint_eq(spares_next_expiry(&s), 1000 + SPARES_MAX_AGE_USEC);
        spares_expire(&s, 1000 + SPARES_MAX_AGE_USEC);
        ck_assert_uint_eq(s.n_fds, OPENER_MAX_SPARES);
        /* Too old to hand out: closed instead. */
        ck_assert_int_eq(spares_take(&s, &m, 1001 + SPARES_MAX_AGE_USEC), -1);
        ck_assert_uint_eq(s.n_fds, 0);
        for (unsigned i = 0; i < OPENER_MAX_SPARES; i++)
                ck_assert(!is_open(fds[i]));

        refill(&s, &m, 2, OPENER_MAX_SPARES, 2000, fds);
        spares_expire(&s, 2001 + SPARES_MAX_AGE_USEC);
        ck_assert_uint_eq(s.n_fds, 0);
        ck_assert(!is_open(fds[0]));
        ck_assert_uint_eq(spares_next_expiry(&s), UINT64_MAX);
        spares_clear(&s, true);
}
END_TEST

/* What a spare queued is discarded before it is handed out; one that
 * queued more than SPARES_MAX_DRAIN is not handed out. */
START_TEST(test_drain)
{
        struct spares s = {};
        struct opener_open m = icmp(1, 2), ask;
        int fds[2] = { udp(), udp() }, fd;
        char c;

        queue(fds[0], 3);
        queue(fds[1], SPARES_MAX_DRAIN + 2);
        ck_assert(spares_want(&s, &m, 1, 0, &ask));
        ck_assert(spares_fill(&s, 1, fds, 2, 0));

        /* fds[1], the youngest, keeps too much: closed; then fds[0]. */
        fd = spares_take(&s, &m, 0);
        ck_assert_int_eq(fd, fds[0]);
        ck_assert(!is_open(fds[1]));
        ck_assert_int_eq(recv(fd, &c, 1, MSG_DONTWAIT), -1);
        ck_assert_int_eq(errno, EAGAIN);
        close(fd);
        spares_clear(&s, true);
}
END_TEST

/* Eight kinds at most: a ninth takes the slot used least recently, of
 * those with no refill on the way. */
START_TEST(test_kinds_bounded)
{
        struct spares s = {};
        struct opener_open ask, m;
        int fds[SPARES_SHAPES][OPENER_MAX_SPARES];

        for (uint32_t k = 0; k < SPARES_SHAPES; k++) {
                m = icmp(1, k);
                refill(&s, &m, 100 + k, OPENER_MAX_SPARES, 10 + k, fds[k]);
        }
        ck_assert_uint_eq(s.n_fds, SPARES_SHAPES * OPENER_MAX_SPARES);
        m = icmp(1, 1);
        close(spares_take(&s, &m, 50));    /* kind 1 used last: kind 0 goes */
        m = icmp(1, SPARES_SHAPES);
        ck_assert(spares_want(&s, &m, 200, 60, &ask));
        for (unsigned i = 0; i < OPENER_MAX_SPARES; i++)
                ck_assert(!is_open(fds[0][i]));
        m = icmp(1, 1);
        ck_assert_int_ge(spares_take(&s, &m, 60), 0);
        ck_assert_uint_le(s.n_fds, SPARES_SHAPES * OPENER_MAX_SPARES);
        spares_clear(&s, true);
}
END_TEST

Suite *make_spares_suite(void)
{
        Suite *s = suite_create("spares");
        TCase *tc = tcase_create("pool");

        tcase_add_test(tc, test_eligible);
        tcase_add_test(tc, test_want_fill_take);
        tcase_add_test(tc, test_kind_must_match);
        tcase_add_test(tc, test_answers);
        tcase_add_test(tc, test_clear);
        tcase_add_test(tc, test_age);
        tcase_add_test(tc, test_drain);
        tcase_add_test(tc, test_kinds_bounded);
        suite_add_tcase(s, tc);
        return s;
}
