/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * broker.h - the unprivileged half of sockbrokerd.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Every limit a client can push against; each is a command-line option. */
struct broker_limits {
        unsigned max_connections;        /* open client connections */
        unsigned max_connections_per_uid;
        unsigned max_pending;            /* requests in flight per connection */
        unsigned max_inflight;           /* requests in flight to the opener */
        unsigned idle_timeout_sec;       /* close a connection quiet this long */
        unsigned log_rate;               /* denial records per second (burst: 5x) */
        unsigned max_grants;             /* grants recorded for `sockbroker list` */
};

/* The most grants max_grants may keep (SB_STATUS_MAX_GRANTS). */
#define BROKER_MAX_GRANTS 65536u

#define BROKER_LIMITS_DEFAULT                                   \
        ((struct broker_limits) {                               \
                .max_connections = 256,                         \
                .max_connections_per_uid = 32,                  \
                .max_pending = 4,                               \
                .max_inflight = 128,                            \
                .idle_timeout_sec = 60,                         \
                .log_rate = 20,                                 \
                .max_grants = 1024,                             \
        })

/* Runs the event loop on the listening socket until SIGTERM/SIGINT.
 * opener_fd is the broker's connection to the opener: its end of the
 * socketpair to a forked opener (opener_pid, collected at exit), or a
 * connection to one that runs on its own (opener_pid 0). The opener
 * sends the first policy; broker_main waits for it. Returns the process
 * exit status. */
int broker_main(int listen_fd, int opener_fd, pid_t opener_pid,
                const struct broker_limits *limits);
