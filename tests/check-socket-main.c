/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-socket: the socket API mirror, but for its wall-clock cases. */
#include "config.h"

#include "tests/check-suites.h"

CHECK_MAIN(make_addr_suite, make_socket_api_suite)
