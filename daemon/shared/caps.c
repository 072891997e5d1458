/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * caps.c - a daemon process's capability sets, with prctl(2) and
 * capset(2), which is all a C library of capabilities would do here.
 */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/shared/caps.h"

int caps_bound_keep(uint64_t keep)
{
        /* PR_CAPBSET_READ fails past the last capability the kernel knows. */
        for (int i = 0; i < 64 && prctl(PR_CAPBSET_READ, i, 0, 0, 0) >= 0; i++)
                if (!(keep & (UINT64_C(1) << i)) && prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0)
                        return negative_errno();
        return 0;
}

int caps_set(uint64_t keep)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
                { .permitted = (uint32_t)keep, .effective = (uint32_t)keep },
                { .permitted = (uint32_t)(keep >> 32), .effective = (uint32_t)(keep >> 32) },
        };

        return syscall(SYS_capset, &h, d) < 0 ? negative_errno() : 0;
}
