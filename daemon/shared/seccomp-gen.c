/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-gen.c - compiles the allowlists of seccomp-allow.h into the
 * BPF programs the daemon's processes load, and writes them out as C.
 *
 *   seccomp-gen NAME...
 *
 * For each NAME (opener, broker, broker_reconnect, compiler) it writes
 * to stdout the definition of seccomp_filter_NAME (seccomp.h): the
 * table of that name, with the calls every process of ours makes, as
 * libseccomp compiles them for the architecture it is built for. Only
 * the build runs it; the programs it serves link no libseccomp.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/seccomp-export.h"
#include "common/util.h"
#include "daemon/shared/seccomp-allow.h"
#include "daemon/shared/seccomp.h"

static int allow_add(scmp_filter_ctx ctx, const struct seccomp_allow *a)
{
        uint32_t action = a->errno_instead ? SCMP_ACT_ERRNO((uint32_t)a->errno_instead)
                                           : SCMP_ACT_ALLOW;
        int r;

        /* A call this architecture does not have: nothing to allow. */
        if (a->nr < 0)
                return 0;
        r = seccomp_rule_add_array(ctx, action, a->nr, a->n_args, a->args);
        /* libseccomp refuses a second rule with no arguments for a call
         * it already allows unconditionally; that is no error here. */
        return r == -EEXIST ? 0 : r;
}

static int allow_add_all(scmp_filter_ctx ctx, const struct seccomp_allow *a, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int r = allow_add(ctx, &a[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* A table of seccomp-allow.h, with the number of its entries. */
struct table {
        const struct seccomp_allow *allow;
        const size_t *n;
};

/* The filter of the calls in the tables and those of every process, as
 * the kernel takes it, into *ret (its filter to free). */
static int filter_build(const struct table *tables, size_t n_tables, struct sock_fprog *ret)
{
        /* Signals to itself only: raise() and abort() send with tgkill(). */
        const struct seccomp_allow self[] = {
                SECCOMP_ALLOW_EQ(tgkill, 0, SECCOMP_SELF_PID),
        };
        scmp_filter_ctx ctx;
        int r;

#ifdef SECCOMP_DISCOVER
        ctx = seccomp_init(SCMP_ACT_LOG);
#else
        ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
#endif
        if (!ctx)
                return -ENOMEM;
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r >= 0)
                r = allow_add_all(ctx, seccomp_common, seccomp_common_n);
        if (r >= 0)
                r = allow_add_all(ctx, self, ELEMENTSOF(self));
#if SB_SANITIZED
        if (r >= 0)
                r = allow_add_all(ctx, seccomp_sanitizer, seccomp_sanitizer_n);
#endif
        for (size_t i = 0; r >= 0 && i < n_tables; i++)
                r = allow_add_all(ctx, tables[i].allow, *tables[i].n);
        if (r >= 0)
                r = seccomp_export_program(ctx, ret);
        seccomp_release(ctx);
        return r;
}

/* The filters, each of its tables. */
static const struct {
        const char *name;
        struct table tables[2];
        size_t n_tables;
} filters[] = {
        { "opener", { { opener_allow, &opener_allow_n } }, 1 },
        { "broker", { { broker_allow, &broker_allow_n } }, 1 },
        { "broker_reconnect",
          { { broker_allow, &broker_allow_n }, { broker_allow_reconnect, &broker_allow_reconnect_n } },
          2 },
        { "compiler", { { compiler_allow, &compiler_allow_n } }, 1 },
};

static int emit(const char *name)
{
        struct sock_fprog prog = {};
        _cleanup_free_ struct sock_filter *code = NULL;
        size_t i, self;
        int r;

        for (i = 0; i < ELEMENTSOF(filters); i++)
                if (streq(filters[i].name, name))
                        break;
        if (i == ELEMENTSOF(filters)) {
                fprintf(stderr, "seccomp-gen: no table '%s'\n", name);
                return -EINVAL;
        }
        r = filter_build(filters[i].tables, filters[i].n_tables, &prog);
        if (r < 0) {
                fprintf(stderr, "seccomp-gen: %s: %s\n", name, strerror(-r));
                return r;
        }
        code = prog.filter;
        /* Counted as seccomp_lock() will, changing nothing. */
        self = seccomp_self_pid_set(code, prog.len, SECCOMP_SELF_PID);
        if (self != 1) {
                fprintf(stderr, "seccomp-gen: %s: %zu instructions compare with SECCOMP_SELF_PID "
                        "(1 wanted)\n", name, self);
                return -EBADMSG;
        }

        printf("\nstatic const struct sock_filter %s_code[] = {\n", name);
        for (i = 0; i < prog.len; i++)
                printf("\t{ 0x%04x, %u, %u, 0x%08x },\n", code[i].code, code[i].jt, code[i].jf,
                       code[i].k);
        printf("};\n\nconst struct seccomp_filter seccomp_filter_%s = { %s_code, %u };\n",
               name, name, (unsigned)prog.len);
        return 0;
}

int main(int argc, char *argv[])
{
        printf("/* Written by seccomp-gen from the tables of seccomp-allow.h: do not edit. */\n"
               "#include \"config.h\"\n\n#include \"daemon/shared/seccomp.h\"\n");
        for (int i = 1; i < argc; i++)
                if (emit(argv[i]) < 0)
                        return EXIT_FAILURE;
        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
