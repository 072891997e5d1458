/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-daemon: the daemon's pure layers, the policy and the wire protocols. */
#include "config.h"

#include "tests/check-suites.h"

CHECK_MAIN(make_names_suite, make_policy_suite, make_proto_suite, make_opener_suite, make_compiler_suite,
           make_request_suite, make_bluetooth_suite, make_peer_suite, make_audit_suite,
           make_status_suite, make_spares_suite, make_seccomp_suite)
