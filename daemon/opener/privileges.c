/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * privileges.c - the switch to the opener's user with only the
 * capabilities it keeps: for the opener itself (opener.c), and with none
 * at all for the compiler it starts (compiler.c).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/opener/privileges.h"

static void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}

int privileges_drop(uint64_t keep, uid_t uid, gid_t gid)
{
        cap_value_t list[64];
        int n = 0, last = (int)cap_max_bits() - 1;
        _cleanup_(cap_freep) cap_t c = NULL;

        for (int i = 0; i <= last && i < 64; i++) {
                if (keep & (UINT64_C(1) << i))
                        list[n++] = i;
                else if (CAP_IS_SUPPORTED(i) && cap_drop_bound(i) < 0)
                        return negative_errno();
        }

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

        c = cap_init();
        if (!c)
                return negative_errno();
        if (n > 0 &&
            (cap_set_flag(c, CAP_PERMITTED, n, list, CAP_SET) < 0 ||
             cap_set_flag(c, CAP_EFFECTIVE, n, list, CAP_SET) < 0))
                return negative_errno();
        if (cap_set_proc(c) < 0)
                return negative_errno();
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return negative_errno();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();
        if (getuid() == 0 || geteuid() == 0)
                return -EPERM;
        return 0;
}
