/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-client.c - the broker client's pure decisions: which of the
 * kernel's refusals the mirror and the shim take to the broker.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "client-lib/broker/refilter.h"
#include "client-lib/broker/refusal.h"
#include "common/bt.h"
#include "common/util.h"
#include "tests/check-suites.h"

static const struct {
        int family, protocol, error;
        bool want;
} bind_cases[] = {
        { AF_INET, 0, EACCES, true },
        { AF_INET6, 0, EACCES, true },
        { AF_INET, 0, EADDRINUSE, false },
        { AF_INET, 0, EPERM, false },   /* a cgroup hook, not the port */
        { AF_UNIX, 0, EACCES, false },  /* the file system's answer */
        { AF_BLUETOOTH, BTPROTO_L2CAP, EACCES, true },
        { AF_BLUETOOTH, BTPROTO_RFCOMM, EACCES, false },
        { AF_BLUETOOTH, BTPROTO_HCI, EACCES, false },
        { AF_PACKET, 0, EACCES, false },
        { AF_CAN, 1, EACCES, false },
};

START_TEST(test_refusal_bind)
{
        ck_assert_int_eq(sb_refusal_bind(bind_cases[_i].family, bind_cases[_i].protocol,
                                         bind_cases[_i].error),
                         bind_cases[_i].want);
}
END_TEST

#define NO_VALUE INT_MIN

static const struct {
        int level, name, value;  /* NO_VALUE: NULL */
        socklen_t len;
        int error;
        const char *want;
} setsockopt_cases[] = {
        { SOL_SOCKET, SO_MARK, 1, sizeof(int), EPERM, "SO_MARK" },
        { SOL_SOCKET, SO_MARK, 1, sizeof(int), EINVAL, NULL },
        { SOL_SOCKET, SO_BINDTODEVICE, NO_VALUE, 0, EPERM, "SO_BINDTODEVICE" },
        { SOL_SOCKET, SO_PRIORITY, 7, sizeof(int), EPERM, "SO_PRIORITY" },
        { SOL_SOCKET, SO_PRIORITY, 100, sizeof(int), EPERM, "SO_PRIORITY" },
        { SOL_SOCKET, SO_PRIORITY, 6, sizeof(int), EPERM, NULL },
        { SOL_SOCKET, SO_PRIORITY, 0, sizeof(int), EPERM, NULL },
        { SOL_SOCKET, SO_PRIORITY, -1, sizeof(int), EPERM, NULL },
        { SOL_SOCKET, SO_PRIORITY, NO_VALUE, sizeof(int), EPERM, NULL },
        { SOL_SOCKET, SO_PRIORITY, 7, 2, EPERM, NULL },
        { SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20, sizeof(int), EPERM, "SO_RCVBUFFORCE" },
        { SOL_SOCKET, SO_SNDBUFFORCE, 1 << 20, sizeof(int), EPERM, "SO_SNDBUFFORCE" },
        { SOL_SOCKET, SO_RCVBUF, 1 << 20, sizeof(int), EPERM, NULL },
        { SOL_SOCKET, SO_REUSEADDR, 1, sizeof(int), EPERM, NULL },
        { IPPROTO_IP, IP_TRANSPARENT, 1, sizeof(int), EPERM, NULL },
        { IPPROTO_TCP, SO_MARK, 1, sizeof(int), EPERM, NULL },
};

START_TEST(test_refusal_setsockopt)
{
        int v = setsockopt_cases[_i].value;
        const void *p = v == NO_VALUE ? NULL : &v;

        const char *got = sb_refusal_setsockopt(setsockopt_cases[_i].level,
                                                setsockopt_cases[_i].name, p,
                                                setsockopt_cases[_i].len,
                                                setsockopt_cases[_i].error);

        if (setsockopt_cases[_i].want)
                ck_assert_pstr_eq(got, setsockopt_cases[_i].want);
        else
                ck_assert_ptr_null(got);
}
END_TEST

/* Which locked programs carry one of the client's, as the opener
 * composes them: the confinement's tests, then "ld #0; ldx #0" and the
 * client's, or "ret #-1" alone. */
START_TEST(test_refilter_has_own)
{
        const struct sock_filter test[3] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_IFINDEX),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, 0),
        };
        const struct sock_filter own[3] = {
                BPF_STMT(BPF_LD | BPF_IMM, 0),
                BPF_STMT(BPF_LDX | BPF_IMM, 0),
                BPF_STMT(BPF_RET | BPF_K, 0xffff),
        };
        const struct sock_filter bare = BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
        struct sock_filter prog[12];

        memcpy(prog, test, sizeof(test));
        prog[3] = bare;
        ck_assert(!sb_refilter_has_own(prog, 4));
        memcpy(prog + 3, own, sizeof(own));
        ck_assert(sb_refilter_has_own(prog, 6));
        ck_assert(!sb_refilter_has_own(prog, 5));        /* cut short */
        memcpy(prog + 3, test, sizeof(test));             /* ifindex and protocol */
        memcpy(prog + 6, own, sizeof(own));
        ck_assert(sb_refilter_has_own(prog, 9));
        ck_assert(sb_refilter_has_own(own, 3));           /* no confinement: unlocked */
        ck_assert(!sb_refilter_has_own(&bare, 1));
        ck_assert(!sb_refilter_has_own(prog, 0));
}
END_TEST

Suite *make_client_suite(void)
{
        Suite *s = suite_create("client");
        TCase *tc = tcase_create("refusal");

        tcase_add_loop_test(tc, test_refusal_bind, 0, (int)ELEMENTSOF(bind_cases));
        tcase_add_loop_test(tc, test_refusal_setsockopt, 0, (int)ELEMENTSOF(setsockopt_cases));
        tcase_add_test(tc, test_refilter_has_own);
        suite_add_tcase(s, tc);
        return s;
}
