/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-preload.c - the preload shim's own decisions: which socket()
 * refusals it takes to the broker, and what a program sees when it
 * touches a filter the broker locked.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "client-lib/preload/rules.h"
#include "common/util.h"
#include "tests/check-suites.h"

static const struct {
        int family, protocol, error;
        bool want;
} socket_cases[] = {
        { AF_INET, IPPROTO_ICMP, EPERM, true },
        { AF_INET6, IPPROTO_ICMPV6, EACCES, true },
        { AF_PACKET, 0x0300 /* htons(ETH_P_ALL) */, EPERM, true },
        { AF_PACKET, 0xffff, EPERM, true },
        { AF_PACKET, 0x10000, EPERM, false },   /* no EtherType */
        { AF_INET, -1, EPERM, false },
        { AF_INET, IPPROTO_ICMP, EAFNOSUPPORT, false },
        { AF_INET, IPPROTO_ICMP, EMFILE, false },
        { AF_INET, IPPROTO_ICMP, 0, false },
        { AF_CAN, 1, EPERM, false },            /* needs an interface: sb_open() */
        { AF_BLUETOOTH, 1, EPERM, false },
        { AF_UNIX, 0, EPERM, false },
        { AF_NETLINK, 0, EPERM, false },
};

START_TEST(test_socket_brokered)
{
        ck_assert_int_eq(preload_socket_brokered(socket_cases[_i].family,
                                                 socket_cases[_i].protocol,
                                                 socket_cases[_i].error),
                         socket_cases[_i].want);
}
END_TEST

static const struct {
        int level, name, error;
        bool locked_packet;
        int want;
} filter_cases[] = {
        { SOL_SOCKET, SO_ATTACH_FILTER, EPERM, true, EPERM },
        { SOL_SOCKET, SO_DETACH_FILTER, EPERM, true, ENOENT },
        /* Not the broker's lock: the kernel's own answer stands. */
        { SOL_SOCKET, SO_ATTACH_FILTER, EPERM, false, 0 },
        { SOL_SOCKET, SO_DETACH_FILTER, EPERM, false, 0 },
        { SOL_SOCKET, SO_DETACH_FILTER, ENOENT, true, 0 },
        { SOL_SOCKET, SO_ATTACH_FILTER, EINVAL, true, 0 },
        { SOL_SOCKET, SO_LOCK_FILTER, EPERM, true, 0 },
        { SOL_SOCKET, SO_MARK, EPERM, true, 0 },
        { IPPROTO_IP, SO_ATTACH_FILTER, EPERM, true, 0 },
};

START_TEST(test_locked_filter_errno)
{
        ck_assert_int_eq(preload_locked_filter_errno(filter_cases[_i].level,
                                                     filter_cases[_i].name,
                                                     filter_cases[_i].error,
                                                     filter_cases[_i].locked_packet),
                         filter_cases[_i].want);
}
END_TEST

Suite *make_preload_suite(void)
{
        Suite *s = suite_create("preload");
        TCase *tc = tcase_create("rules");

        tcase_add_loop_test(tc, test_socket_brokered, 0, (int)ELEMENTSOF(socket_cases));
        tcase_add_loop_test(tc, test_locked_filter_errno, 0, (int)ELEMENTSOF(filter_cases));
        suite_add_tcase(s, tc);
        return s;
}
