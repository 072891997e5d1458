/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener-internal.h - the opener's state and its entry for one message,
 * for opener.c and for the fuzz target that drives its handlers
 * (fuzz/fuzz-opener-handlers.c). Not for the broker.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/opener/opener.h"
#include "policy/policy.h"

struct opener {
        int sock;
        const struct opener_config *config;
        policy *current;         /* what the broker decides with now */
        policy *previous;        /* what it may still have decided with */
        uint32_t generation;
        uint64_t caps;           /* capabilities held */
        uint64_t netns_cookie;   /* of the opener's own network namespace */
        int compiler;            /* sockbroker-compiler's socket, or -1 */
        int image_fd;            /* the current policy's sealed image */
        uint64_t image_size;
        bool restart;            /* exit, to come back with what the policy needs */
};

/*
 * Checks one message from the broker, the n bytes at buf (aligned for
 * any message) with the n_fds descriptors that came with it, and carries
 * it out. It answers on o->sock, or ends the opener: a message that
 * opener_msg_check() refuses, or one that names a rule or a policy the
 * opener does not have, or asks for more than its rule allows, is
 * fatal. Either way the descriptors are the opener's to close.
 */
void opener_dispatch(struct opener *o, const void *buf, size_t n, int *fds, size_t n_fds);
