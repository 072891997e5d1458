/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-compile.h - the policy's text made into rules: the parser and
 * compiler (policy-compile.c), the files it reads and their checks
 * (policy-file.c), and the export of the image. sockbroker-compiler and
 * the sockbroker tool use it; the broker and the opener only import an
 * image (policy.h), and do not include this.
 */
#pragma once

#include "policy/policy-decide.h"

/* One source text, for policy_compile(). name is used in error messages
 * and recorded as the rules' file. */
struct policy_source {
        const char *name;
        const char *text;
        size_t len;
};

/* Name lookups for user= and group=. Return 0 and set *ret, or -ENOENT. */
struct policy_resolver {
        int (*user)(const char *name, uid_t *ret, void *userdata);
        int (*group)(const char *name, gid_t *ret, void *userdata);
        void *userdata;
};

/* The resolver that uses getpwnam_r()/getgrnam_r(). */
extern const struct policy_resolver policy_resolver_system;

struct policy_error {
        char file[256];
        unsigned line;           /* 1-based; 0 when not about a line */
        unsigned col;            /* 1-based; 0 when not about a column */
        char message[256];
};

/* Formats "file:line:col: message" (or less when line/col are 0). */
int policy_error_format(const struct policy_error *e, char *buf, size_t size);

/* Parses and compiles the sources, in order. On a parse error returns
 * -EINVAL and fills *err (if not NULL). */
int policy_compile(const struct policy_source *sources, size_t n_sources,
                   const struct policy_resolver *resolver,
                   policy **ret, struct policy_error *err);

/*
 * Reads path and then dropin_dir/\*.conf in lexical order (dropin_dir may
 * be NULL or missing) and compiles them. Unless strict is false (for
 * tests and `sockbroker check` on a scratch file), refuses with a message
 * in *err: a file or a directory that is not owned by root or is writable
 * by group or others; a directory on the way to path or dropin_dir that
 * is either, but for a sticky one whose entry is root's; a symbolic link
 * on the way that is not root's or sits in a directory others can write;
 * and a file of procfs, sysfs and the like. Paths are walked from /, each
 * component opened from the directory checked before it. This is the
 * only function here that does I/O (policy-file.c).
 */
int policy_load(const char *path, const char *dropin_dir, bool strict,
                const struct policy_resolver *resolver,
                policy **ret, struct policy_error *err);

/* As policy_compile() and policy_load(), without the index policy_check()
 * needs, as policy_import_rules() imports: for sockbroker-compiler,
 * which only exports what it compiled. Such a policy must never be given
 * to policy_check(). */
int policy_compile_rules(const struct policy_source *sources, size_t n_sources,
                         const struct policy_resolver *resolver,
                         policy **ret, struct policy_error *err);
int policy_load_rules(const char *path, const char *dropin_dir, bool strict,
                      const struct policy_resolver *resolver,
                      policy **ret, struct policy_error *err);

/* The image of p, which policy_import() and policy_import_rules() take:
 * a copy in *ret_buf, to free(). */
int policy_export(const policy *p, void **ret_buf, size_t *ret_len);
