/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.c - token bucket.
 */
#include "config.h"

#include "daemon/broker/ratelimit.h"

void ratelimit_init(struct ratelimit *rl, uint32_t rate, uint32_t burst, uint64_t now_usec)
{
        *rl = (struct ratelimit) {
                .interval_usec = rate > 0 ? UINT64_C(1000000) / rate : UINT64_C(1000000),
                .burst = burst > 0 ? burst : 1,
                .tokens = burst > 0 ? burst : 1,
                .last_usec = now_usec,
        };
        if (rl->interval_usec == 0)
                rl->interval_usec = 1;
}

static void ratelimit_refill(struct ratelimit *rl, uint64_t now_usec)
{
        if (now_usec > rl->last_usec) {
                uint64_t add = (now_usec - rl->last_usec) / rl->interval_usec;

                if (add > 0) {
                        rl->tokens = add >= rl->burst - rl->tokens ? rl->burst : rl->tokens + (uint32_t)add;
                        rl->last_usec += add * rl->interval_usec;
                }
        } else if (now_usec < rl->last_usec) {
                /* The clock went back: start the interval again. */
                rl->last_usec = now_usec;
        }
}

bool ratelimit_full(struct ratelimit *rl, uint64_t now_usec)
{
        ratelimit_refill(rl, now_usec);
        return rl->tokens == rl->burst && rl->suppressed == 0;
}

bool ratelimit_pass(struct ratelimit *rl, uint64_t now_usec, uint64_t *ret_suppressed)
{
        ratelimit_refill(rl, now_usec);
        if (rl->tokens == 0) {
                rl->suppressed++;
                return false;
        }
        rl->tokens--;
        if (ret_suppressed)
                *ret_suppressed = rl->suppressed;
        rl->suppressed = 0;
        return true;
}
