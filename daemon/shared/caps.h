/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * caps.h - a daemon process's capability sets, through the kernel's own
 * calls: the broker empties them, the opener keeps what its policy needs.
 */
#pragma once

#include <stdint.h>

/* Drops from the bounding set every capability this kernel knows that
 * is not in keep (a mask of 1 << CAP_*). 0 or a negative errno. */
int caps_bound_keep(uint64_t keep);

/* Makes the permitted and effective sets keep and the inheritable set
 * empty. 0 or a negative errno. */
int caps_set(uint64_t keep);
