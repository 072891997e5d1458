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
        unsigned max_inflight_per_uid;   /* of those, one uid's */
        unsigned idle_timeout_sec;       /* close a connection quiet this long */
        unsigned log_rate;               /* denial records per second (burst: 5x) */
        unsigned max_grants;             /* grants recorded for `sockbroker list` */
        unsigned opener_timeout_sec;     /* the opener's answer to the oldest request */
};

/* The broker's exit status when the opener has died or stopped
 * answering; 1 is any other runtime error. */
#define BROKER_EXIT_OPENER 4

/* Malformed requests after which a connection is closed. */
#define BROKER_MAX_BAD_REQUESTS 3u

/* Descriptors the broker needs besides two per connection (the socket
 * and the peer's pidfd): the listening socket, the opener's, the event
 * loop's, a policy image, the journal, those a message brings, and 32
 * spares (SPARES_SHAPES * OPENER_MAX_SPARES, spares.h). */
#define BROKER_FD_RESERVE 64u

/*
 * Checks that RLIMIT_NOFILE leaves room for what limits allow, raising
 * the soft limit towards the hard one if it must. Returns 0, or -EMFILE
 * with the reason logged.
 */
int broker_check_nofile(const struct broker_limits *limits);

/* The most grants max_grants may keep (SB_STATUS_MAX_GRANTS). */
#define BROKER_MAX_GRANTS 65536u

#define BROKER_LIMITS_DEFAULT                                   \
        ((struct broker_limits) {                               \
                .max_connections = 256,                         \
                .max_connections_per_uid = 32,                  \
                .max_pending = 4,                               \
                .max_inflight = 128,                            \
                .max_inflight_per_uid = 32,                     \
                .idle_timeout_sec = 60,                         \
                .log_rate = 20,                                 \
                .max_grants = 1024,                             \
                .opener_timeout_sec = 30,                       \
        })

/*
 * Connects to the opener's socket at path, once. Returns the connected
 * descriptor, or a negative errno: -ENOENT or -ECONNREFUSED while no
 * opener listens there yet, -EAGAIN when its backlog is full.
 */
int broker_connect_opener(const char *path);

/* Runs the event loop on the listening socket until SIGTERM/SIGINT.
 * opener_fd is the broker's connection to the opener: its end of the
 * socketpair to a forked opener (opener_pid, collected at exit), or a
 * connection to one that runs on its own at opener_socket (opener_pid
 * 0). The opener sends the first policy; broker_main waits for it. One
 * on its own that hangs up is connected to again: its service manager
 * starts the next. Returns the process exit status. */
int broker_main(int listen_fd, int opener_fd, pid_t opener_pid, const char *opener_socket,
                const struct broker_limits *limits);
