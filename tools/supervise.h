/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * supervise.h - `sockbroker run --mode=seccomp`: a seccomp
 * user-notification supervisor that serves a program's socket(), bind()
 * and setsockopt() calls from sockbrokerd, whatever the program is built
 * with (tools/supervise.c).
 */
#include <stdbool.h>

struct supervise_options {
        int debug;              /* 1: refusals on stderr; 2: grants too */
        const char *iface;      /* packet sockets bound to this, or NULL */
        bool optional;          /* --mode=auto: run unsupervised when the kernel
                                 * refuses the filter, with the shim alone */
};

/*
 * Runs cmd (execvp) as a child under a filter whose listener this
 * process serves, until every process of the tree the filter covers has
 * ended; returns the status to exit with: the command's own, or 126 and
 * 127 as a shell would when it cannot be executed, or 1 when the
 * supervisor could not start. May not return: when the command was
 * killed by a signal, this process ends by the same signal.
 */
int supervise_run(char **cmd, const struct supervise_options *o);
