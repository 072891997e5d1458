/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * privileges.c - the switch to a daemon process's user with only the
 * capabilities it keeps: for the opener, those its policy needs
 * (opener.c); for the compiler it starts (compiler.c) and for the
 * broker (daemon/broker/main.c), none at all. prctl(2) and capset(2)
 * are all a C library of capabilities would call.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/shared/privileges.h"

int privileges_caps_set(uint64_t keep)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
                { .permitted = (uint32_t)keep, .effective = (uint32_t)keep },
                { .permitted = (uint32_t)(keep >> 32), .effective = (uint32_t)(keep >> 32) },
        };

        return syscall(SYS_capset, &h, d) < 0 ? negative_errno() : 0;
}

int privileges_drop(uint64_t keep, uid_t uid, gid_t gid)
{
        int r;

        /* Every capability this kernel knows leaves the bounding set but
         * those kept; PR_CAPBSET_READ fails past the last one. */
        for (int i = 0; i < 64 && prctl(PR_CAPBSET_READ, i, 0, 0, 0) >= 0; i++)
                if (!(keep & (UINT64_C(1) << i)) && prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0)
                        return negative_errno();

        if (getuid() != uid || geteuid() != uid) {
                if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                        return negative_errno();
                if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
                    setresuid(uid, uid, uid) < 0)
                        return negative_errno();
                if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                        return negative_errno();
        } else if (getgid() != gid && setresgid(gid, gid, gid) < 0) {
                return negative_errno();
        }

        r = privileges_caps_set(keep);
        if (r < 0)
                return r;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return negative_errno();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();
        if (getuid() == 0 || geteuid() == 0)
                return -EPERM;
        return 0;
}
