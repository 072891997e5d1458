/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-all.c - runs every Check suite of the pure code, with TAP output
 * so each case is counted. One runner, one place to add a suite.
 */
#include "config.h"

#include <stdlib.h>

#include "tests/check-suites.h"

int main(void)
{
        SRunner *sr = srunner_create(make_names_suite());
        int failed;

        srunner_add_suite(sr, make_policy_suite());
        srunner_add_suite(sr, make_addr_suite());
        srunner_add_suite(sr, make_proto_suite());
        srunner_add_suite(sr, make_opener_suite());
        srunner_add_suite(sr, make_request_suite());
        srunner_add_suite(sr, make_bluetooth_suite());
        srunner_add_suite(sr, make_spec_suite());
        srunner_add_suite(sr, make_peer_suite());
        srunner_add_suite(sr, make_audit_suite());
        srunner_add_suite(sr, make_status_suite());
        srunner_add_suite(sr, make_socket_api_suite());

        /* TAP on stdout for the test driver; the summary goes to stderr. */
        srunner_set_tap(sr, "-");
        srunner_run_all(sr, CK_SILENT);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
