/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-preload: what the preload shim brokers, and how. */
#include "config.h"

#include "tests/check-suites.h"

CHECK_MAIN(make_preload_suite)
