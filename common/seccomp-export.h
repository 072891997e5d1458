/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-export.h - a libseccomp filter as the BPF program the kernel
 * takes. For the programs that build filters with libseccomp
 * (seccomp-gen at build time, `sockbroker run`); no library of the
 * daemon links it.
 */
#pragma once

#include <linux/filter.h>
#include <seccomp.h>

/* The program libseccomp makes of ctx, in ret->filter (to free()) and
 * ret->len. 0 or a negative errno: -EINVAL for a program the kernel
 * would not take, empty or longer than BPF_MAXINSNS. */
int seccomp_export_program(scmp_filter_ctx ctx, struct sock_fprog *ret);
