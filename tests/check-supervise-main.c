/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-supervise: what the seccomp supervisor of `sockbroker run` is sent,
 * and what it does with it. */
#include "config.h"

#include "tests/check-suites.h"

CHECK_MAIN(make_supervise_suite)
