/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-suites.h - the Check suites, and the runner each belongs to:
 *
 *   tests/check-daemon         the daemon, the policy, the wire protocols
 *   tests/check-socket         the socket API mirror (client-lib/socket/)
 *   tests/check-socket-timing  its cases that measure wall-clock time
 *   tests/check-client         the broker client (client-lib/broker/)
 *   tests/check-preload        the preload shim (client-lib/preload/)
 *   tests/check-supervise      the seccomp supervisor's rules (tools/supervise-rules.c)
 */
#pragma once

#include <check.h>
#include <stddef.h>

#define CHECK_MAIN(...)                                                         \
        int main(void)                                                          \
        {                                                                       \
                static Suite *(*const makers[])(void) = { __VA_ARGS__ };        \
                return check_run(makers, sizeof(makers) / sizeof(makers[0]));   \
        }

int check_run(Suite *(*const makers[])(void), size_t n);

Suite *make_names_suite(void);
Suite *make_policy_suite(void);
Suite *make_proto_suite(void);
Suite *make_opener_suite(void);
Suite *make_compiler_suite(void);
Suite *make_request_suite(void);
Suite *make_bluetooth_suite(void);
Suite *make_peer_suite(void);
Suite *make_audit_suite(void);
Suite *make_status_suite(void);
Suite *make_spares_suite(void);
Suite *make_seccomp_suite(void);

Suite *make_addr_suite(void);
Suite *make_socket_api_suite(void);
Suite *make_socket_timing_suite(void);

Suite *make_spec_suite(void);
Suite *make_client_suite(void);

Suite *make_preload_suite(void);

Suite *make_supervise_suite(void);
