/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-allow.h - the system call allowlists of the daemon's processes,
 * as tables, for the build.
 *
 * Each process describes the calls its loop makes, with the arguments
 * that matter, as a table of struct seccomp_allow: opener-seccomp.c,
 * broker-seccomp.c and compiler-seccomp.c. seccomp-gen, which only the
 * build runs, adds what every process of ours needs (memory, exit,
 * signals to itself, the stderr log), compiles each table into a BPF
 * program with libseccomp, and writes it out as C; the programs load
 * that with seccomp_lock() (seccomp.h) and link no filter compiler.
 * From then on any other call kills the whole process
 * (SECCOMP_RET_KILL_PROCESS): a process that has been taken over gets no
 * second try. docs/SECURITY.md says what each table allows and why.
 */
#pragma once

#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>

/* openat() flags that would create, truncate or write: an entry of
 * SECCOMP_ALLOW_CLEAR(openat, 2, SECCOMP_OPEN_WRITING) allows opening to
 * read only. */
#define SECCOMP_OPEN_WRITING (O_ACCMODE | O_CREAT | O_TRUNC | (O_TMPFILE & ~O_DIRECTORY))

/* The most argument comparisons one entry makes. */
#define SECCOMP_ALLOW_MAX_ARGS 2

/*
 * One allowed call: nr is SCMP_SYS(name), negative for a call this
 * architecture does not have (then the entry is skipped). With n_args,
 * the call is allowed only when every comparison holds; several entries
 * for one call allow it when any of them does. errno_instead, if not 0,
 * makes the call fail with that errno instead of allowing it (clone3,
 * whose arguments live in memory a filter cannot read, fails with ENOSYS
 * so that the C library falls back to clone, whose flags it can).
 */
struct seccomp_allow {
        int nr;
        unsigned n_args;
        struct scmp_arg_cmp args[SECCOMP_ALLOW_MAX_ARGS];
        int errno_instead;
};

#define SECCOMP_ARG(i, o, a) { .arg = (i), .op = (o), .datum_a = (scmp_datum_t)(a) }
#define SECCOMP_ARG_MASKED(i, mask, v) \
        { .arg = (i), .op = SCMP_CMP_MASKED_EQ, .datum_a = (scmp_datum_t)(mask), \
          .datum_b = (scmp_datum_t)(v) }

#define SECCOMP_ALLOW(name) { .nr = SCMP_SYS(name) }
/* Allowed when argument i equals v. */
#define SECCOMP_ALLOW_EQ(name, i, v) \
        { .nr = SCMP_SYS(name), .n_args = 1, .args = { SECCOMP_ARG(i, SCMP_CMP_EQ, v) } }
/* Allowed when the low 32 bits of argument i equal v: an int or an
 * unsigned int argument (an ioctl number, a socket level) whatever the
 * caller left in the upper half of the register. */
#define SECCOMP_ALLOW_EQ32(name, i, v) \
        { .nr = SCMP_SYS(name), .n_args = 1, \
          .args = { SECCOMP_ARG_MASKED(i, 0xffffffffu, (uint32_t)(v)) } }
/* Allowed when argument i has none of the bits in mask set. */
#define SECCOMP_ALLOW_CLEAR(name, i, mask) \
        { .nr = SCMP_SYS(name), .n_args = 1, .args = { SECCOMP_ARG_MASKED(i, mask, 0) } }
/* Allowed when the low 32 bits of argument i equal a and of argument j equal b. */
#define SECCOMP_ALLOW_PAIR32(name, i, a, j, b) \
        { .nr = SCMP_SYS(name), .n_args = 2, \
          .args = { SECCOMP_ARG_MASKED(i, 0xffffffffu, (uint32_t)(a)), \
                    SECCOMP_ARG_MASKED(j, 0xffffffffu, (uint32_t)(b)) } }
/* Allowed when argument i has all the bits in mask set. */
#define SECCOMP_ALLOW_SET(name, i, mask) \
        { .nr = SCMP_SYS(name), .n_args = 1, .args = { SECCOMP_ARG_MASKED(i, mask, mask) } }
#define SECCOMP_FAIL(name, e) { .nr = SCMP_SYS(name), .errno_instead = (e) }

/* The tables, each with its number of entries: the calls of every
 * process (seccomp-common.c), those the sanitizers' runtimes make in a
 * build with them, and each process's own. */
extern const struct seccomp_allow seccomp_common[];
extern const size_t seccomp_common_n;
extern const struct seccomp_allow seccomp_sanitizer[];
extern const size_t seccomp_sanitizer_n;
extern const struct seccomp_allow opener_allow[];
extern const size_t opener_allow_n;
extern const struct seccomp_allow broker_allow[];
extern const size_t broker_allow_n;
extern const struct seccomp_allow broker_allow_reconnect[];
extern const size_t broker_allow_reconnect_n;
extern const struct seccomp_allow compiler_allow[];
extern const size_t compiler_allow_n;
