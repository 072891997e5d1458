/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-socket-timing: the mirror's timeouts and signals, against the clock. */
#include "config.h"

#include "tests/check-suites.h"

CHECK_MAIN(make_socket_timing_suite)
