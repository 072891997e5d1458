/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-suites.h - the Check suites collected by tests/check-all.c.
 */
#pragma once

#include <check.h>

Suite *make_names_suite(void);
Suite *make_policy_suite(void);
Suite *make_addr_suite(void);
Suite *make_proto_suite(void);
Suite *make_opener_suite(void);
Suite *make_request_suite(void);
Suite *make_bluetooth_suite(void);
Suite *make_spec_suite(void);
Suite *make_peer_suite(void);
Suite *make_audit_suite(void);
Suite *make_status_suite(void);
Suite *make_socket_api_suite(void);
