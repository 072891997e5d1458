/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * privileges.h - a daemon process's user and capabilities.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/*
 * Leaves the process with exactly the capabilities keep, in the
 * permitted and effective sets and the bounding set, as uid/gid with no
 * supplementary groups and no_new_privs. Started as root, it switches to
 * that user keeping those capabilities across the switch
 * (PR_SET_KEEPCAPS); started as that user already (under systemd, with
 * them as ambient capabilities), it only lets go of the rest. Ambient
 * capabilities are cleared. With keep 0 (the compiler, the broker)
 * nothing is kept in any set. Returns 0, or a negative errno; -EPERM
 * when the process would still be root.
 */
int privileges_drop(uint64_t keep, uid_t uid, gid_t gid);

/* Makes the permitted and effective sets keep and the inheritable set
 * empty. 0 or a negative errno. */
int privileges_caps_set(uint64_t keep);
