/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-path.h - the checks of strict mode's path walk, for the
 * compiler's file reader (policy-file.c). Pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether stepping from the directory dir to its entry is safe: 0, or
 * -EPERM with the reason in why. dir must be root's and writable by
 * nobody else, unless it is sticky and the entry is root's (and, not a
 * directory, has no other hard links); the entry must be root's; when it
 * is the last (the policy file or the drop-in directory, never a
 * symbolic link), writable by nobody else. A name is NULL when it is the
 * path the error is about, so the reason has no subject then. "/" is
 * checked as its own entry, and so is a directory the walk comes back to
 * with "..".
 */
struct stat;
int policy_path_step(const struct stat *dir, const char *dir_name,
                     const struct stat *entry, const char *entry_name,
                     bool last, char *why, size_t size);

/* The name of a kernel pseudo-file system by its statfs(2) magic, or NULL:
 * a policy file is never one of its files. */
const char *policy_path_pseudo_fs(uint32_t f_type);
