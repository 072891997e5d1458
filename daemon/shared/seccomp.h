/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp.h - loads the seccomp filter of a process of the daemon.
 *
 * The filters are BPF programs that the build compiles from the tables
 * of seccomp-allow.h with libseccomp (seccomp-gen.c) and writes out as C:
 * each program links its own, and none links libseccomp. A program
 * with privilege thus maps no filter compiler, and building the filter
 * costs no heap at start.
 */
#pragma once

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Where a filter allows tgkill() only to the process itself, the value
 * it compares the first argument with, which seccomp_lock() replaces by
 * the pid: above any pid the kernel gives (PID_MAX_LIMIT is 2^22), so
 * that an unpatched filter allows no signal to anyone.
 */
#define SECCOMP_SELF_PID 0x5ecc0bd5u

/* The filters seccomp-gen writes: each is n instructions at filter. */
struct seccomp_filter {
        const struct sock_filter *filter;
        size_t n;
};

extern const struct seccomp_filter seccomp_filter_opener;
extern const struct seccomp_filter seccomp_filter_broker;
extern const struct seccomp_filter seccomp_filter_broker_reconnect;
extern const struct seccomp_filter seccomp_filter_compiler;

/* Makes the n instructions of code that compare with SECCOMP_SELF_PID
 * compare with pid instead, and returns how many there were: one in a
 * filter seccomp_lock() loads. */
size_t seccomp_self_pid_set(struct sock_filter *code, size_t n, uint32_t pid);

/*
 * Loads f into every thread of the process, with the pid of this process
 * where f compares with SECCOMP_SELF_PID, which it must do exactly once.
 * Sets no_new_privs, which a filter needs without CAP_SYS_ADMIN. Returns
 * 0 or a negative errno; on failure nothing is loaded.
 */
int seccomp_lock(const struct seccomp_filter *f);
