/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-run.c - runs a list of Check suites with TAP output, so that each
 * case is counted. Each tests/check-*-main.c is one runner: one product,
 * or the wall-clock-sensitive cases kept apart so that a loaded machine
 * cannot fail the others.
 */
#include "config.h"

#include <stdlib.h>

#include "tests/check-suites.h"

int check_run(Suite *(*const makers[])(void), size_t n)
{
        SRunner *sr = srunner_create(NULL);
        int failed;

        for (size_t i = 0; i < n; i++)
                srunner_add_suite(sr, makers[i]());

        /* TAP on stdout for the test driver; the summary goes to stderr. */
        srunner_set_tap(sr, "-");
        srunner_run_all(sr, CK_SILENT);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
