/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-client: the broker client, its spec grammar and its calls. */
#include "config.h"

#include "tests/check-suites.h"

CHECK_MAIN(make_spec_suite, make_client_suite)
