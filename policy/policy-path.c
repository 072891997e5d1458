/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-path.c - the decisions of strict mode's path walk, without I/O:
 * whether one step from a directory to an entry in it is safe, and which
 * file systems are the kernel's own.
 *
 * Checking only the policy file lets whoever can write a directory on its
 * path put a different file there: a symbolic link to a root-owned file
 * whose content they choose (/proc/PID/cmdline of a setuid program) passes
 * every check on the file itself. So, as sshd's StrictModes does, each
 * directory from / down must be root's and writable by nobody else. The
 * one exception is a sticky directory such as /tmp: there only an entry's
 * owner may rename or remove it, so an entry owned by root is as safe as
 * in a directory only root can write. Not a file with other hard links,
 * though: where protected_hardlinks is off anyone may link a root-owned
 * file into /tmp, and the link is then an entry owned by root.
 *
 * policy-file.c does the walk and calls policy_path_step() for every
 * component, symbolic links included.
 */
#include <linux/magic.h>
#include <stdint.h>
#include <sys/stat.h>

#include "policy/policy-internal.h"
#include "policy/policy-path.h"

static bool writable_by_others(mode_t mode)
{
        /* With a POSIX ACL the group bits are its mask, so a write grant
         * to any named user or group shows here too. */
        return (mode & (S_IWGRP | S_IWOTH)) != 0;
}

int policy_path_step(const struct stat *dir, const char *dir_name,
                     const struct stat *entry, const char *entry_name,
                     bool last, char *why, size_t size)
{
        /* A NULL name is the file the error is about: no subject then. */
        const char *d = dir_name ?: "", *ds = dir_name ? " is " : "";
        const char *e = entry_name ?: "", *es = entry_name ? " is " : "";
        bool link = S_ISLNK(entry->st_mode);

        if (dir->st_uid != 0)
                return refuse(-EPERM, why, size, "%s%snot owned by root (uid %u)", d, ds,
                              (unsigned)dir->st_uid);

        if (writable_by_others(dir->st_mode)) {
                if (!(dir->st_mode & S_ISVTX)) {
                        if (link)
                                return refuse(-EPERM, why, size,
                                              "%s%sa symbolic link in a directory others can write",
                                              e, es);
                        return refuse(-EPERM, why, size, "%s%swritable by group or others (mode %04o)",
                                      d, ds, (unsigned)(dir->st_mode & 07777));
                }
                /* Sticky: only the entry's owner can rename or remove it. */
                if (entry->st_uid != 0)
                        return refuse(-EPERM, why, size,
                                      "%s%snot owned by root (uid %u) in a directory others can write",
                                      e, es, (unsigned)entry->st_uid);
                if (!S_ISDIR(entry->st_mode) && entry->st_nlink > 1)
                        return refuse(-EPERM, why, size,
                                      "%s%s%lu hard links in a directory others can write",
                                      e, entry_name ? " has " : "", (unsigned long)entry->st_nlink);
        }

        if (entry->st_uid != 0)
                return refuse(-EPERM, why, size, "%s%s%snot owned by root (uid %u)", e, es,
                              link ? "a symbolic link " : "", (unsigned)entry->st_uid);

        /* A symbolic link's mode means nothing; what it leads to is walked. */
        if (last && !link && writable_by_others(entry->st_mode))
                return refuse(-EPERM, why, size, "%s%swritable by group or others (mode %04o)", e, es,
                              (unsigned)(entry->st_mode & 07777));

        return 0;
}

const char *policy_path_pseudo_fs(uint32_t f_type)
{
        static const struct {
                uint32_t magic;
                const char *name;
        } table[] = {
                { PROC_SUPER_MAGIC, "proc" },
                { SYSFS_MAGIC, "sysfs" },
                { DEBUGFS_MAGIC, "debugfs" },
                { TRACEFS_MAGIC, "tracefs" },
                { SECURITYFS_MAGIC, "securityfs" },
                { CGROUP_SUPER_MAGIC, "cgroup" },
                { CGROUP2_SUPER_MAGIC, "cgroup2" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].magic == f_type)
                        return table[i].name;
        return NULL;
}
