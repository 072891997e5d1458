/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-memfd.h - a compiled policy image received in a sealed memfd.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* An importer: policy_import() to decide with, policy_import_rules() to
 * re-check named rules only. */
typedef int (*policy_importer)(const void *buf, size_t len, policy **ret);

/*
 * Imports, with import, the image of size bytes in fd, which must be
 * sealed against writing, shrinking and growing, be exactly size bytes
 * long and hold at most OPENER_MAX_POLICY_IMAGE. Returns 0, -EPERM for
 * missing seals, -EBADMSG for a size that does not match, or the
 * importer's error.
 */
int policy_memfd_import(int fd, uint64_t size, policy_importer import, policy **ret);
