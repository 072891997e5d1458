/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.h - a token bucket, pure: the caller supplies the time.
 *
 * Used so that a hostile client cannot flood the journal with denials:
 * records beyond the rate are counted, not written, and the count goes
 * out with the next record that is.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
        uint64_t interval_usec;  /* one token per interval */
        uint32_t burst;          /* bucket size */
        uint32_t tokens;
        uint64_t last_usec;      /* time of the last refill */
        uint64_t suppressed;     /* refused since the last pass */
};

/* rate per second (> 0) and burst (> 0). */
void ratelimit_init(struct ratelimit *rl, uint32_t rate, uint32_t burst, uint64_t now_usec);

/* True when an event at now_usec may pass. *ret_suppressed (may be NULL)
 * receives the number refused since the previous pass, and is reset. */
bool ratelimit_pass(struct ratelimit *rl, uint64_t now_usec, uint64_t *ret_suppressed);

/* True when the bucket is as a new one would be: full, nothing refused
 * since the last pass. Such a bucket can be dropped without loss. */
bool ratelimit_full(struct ratelimit *rl, uint64_t now_usec);
