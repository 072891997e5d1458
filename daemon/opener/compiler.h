/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compiler.h - the opener's side of sockbroker-compiler.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/opener/opener.h"
#include "policy/policy.h"

/* How long a COMPILE may take before the opener gives up on the compiler. */
#define COMPILER_TIMEOUT_MS 30000

/*
 * Starts sockbroker-compiler, from the opener's own directory, for
 * config's policy files, as config's uid and gid with no capability.
 * Sets *ret_sock to the opener's end of the socketpair. Returns 0 or a
 * negative errno.
 */
int compiler_start(const struct opener_config *config, int *ret_sock);

/*
 * Asks the compiler on sock (-1 when there is none) for the policy.
 * Returns 0 with the imported policy, the sealed memfd it came in
 * (*ret_fd, the caller's) and its size; or a negative errno with why in
 * why. *ret_lost says whether the compiler can no longer be asked: it
 * exited, did not answer in COMPILER_TIMEOUT_MS, or answered out of
 * protocol.
 */
int compiler_load(int sock, policy **ret, int *ret_fd, uint64_t *ret_size,
                  char *why, size_t size, bool *ret_lost);
