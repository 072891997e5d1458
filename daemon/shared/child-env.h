/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * child-env.h - the environment a program of sockbrokerd passes to one it
 * executes (the broker to the opener, the opener to the compiler): only
 * the variables those read, never the caller's whole environment.
 */
#pragma once

#include <stddef.h>

/* The most entries child_env() writes, the terminating NULL included,
 * for at most CHILD_ENV_MAX_EXTRA extra names. */
#define CHILD_ENV_MAX_EXTRA 4
#define CHILD_ENV_MAX (6 + CHILD_ENV_MAX_EXTRA + 1)

/*
 * Fills env[CHILD_ENV_MAX] with "NAME=value" for each variable every
 * child reads that is set (where the journal is, the log level, a
 * sanitizer's options, and in a test build the test hook's), then for
 * each of extra[0..n_extra) that is set, and a NULL. Returns the number
 * of entries, or -ENOMEM; the strings are the caller's, and are left to
 * the exec that follows.
 */
int child_env(char *env[CHILD_ENV_MAX], const char *const *extra, size_t n_extra);
