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
#include <sys/prctl.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/opener/privileges.h"
#include "daemon/shared/caps.h"

int privileges_drop(uint64_t keep, uid_t uid, gid_t gid)
{
        int r;

        r = caps_bound_keep(keep);
        if (r < 0)
                return r;

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

        r = caps_set(keep);
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
