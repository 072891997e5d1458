/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * child-env.c - the environment of the programs sockbrokerd executes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"
#include "daemon/shared/child-env.h"
#include "daemon/shared/test-hook.h"

static const char *const child_env_keep[] = {
        "JOURNAL_STREAM", "SOCKBROKER_LOG_LEVEL", "ASAN_OPTIONS", "UBSAN_OPTIONS",
        "LSAN_OPTIONS",
#if ENABLE_TEST_HOOKS
        TEST_HOOK_ENV,
#endif
};

_Static_assert(ELEMENTSOF(child_env_keep) + CHILD_ENV_MAX_EXTRA + 1 <= CHILD_ENV_MAX,
               "CHILD_ENV_MAX holds every name");

static int add(char **env, size_t *n, const char *name)
{
        const char *v = getenv(name);

        if (!v)
                return 0;
        if (asprintf(&env[*n], "%s=%s", name, v) < 0)
                return -ENOMEM;
        (*n)++;
        return 0;
}

int child_env(char *env[CHILD_ENV_MAX], const char *const *extra, size_t n_extra)
{
        size_t n = 0;

        if (n_extra > CHILD_ENV_MAX_EXTRA)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(child_env_keep); i++)
                if (add(env, &n, child_env_keep[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < n_extra; i++)
                if (add(env, &n, extra[i]) < 0)
                        return -ENOMEM;
        env[n] = NULL;
        return (int)n;
}
