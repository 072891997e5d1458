/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * broker-internal.h - the broker's state, shared by broker.c and the
 * modules that answer requests beside it (broker-status.c). Not for the
 * opener, nor for anything outside daemon/.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <systemd/sd-event.h>

#include "daemon/broker/audit.h"
#include "daemon/broker/broker-status.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/peer.h"
#include "daemon/broker/ratelimit.h"
#include "daemon/broker/spares.h"
#include "policy/policy.h"
#include "proto/protocol.h"

#define USEC_PER_SEC UINT64_C(1000000)
/* A uid that has had more than BROKER_SHARE_READS requests read in a
 * window of BROKER_SHARE_WINDOW_USEC is served after the others until
 * the window ends: it loses nothing while the daemon is otherwise idle. */
#define BROKER_SHARE_WINDOW_USEC (10 * UINT64_C(1000))
#define BROKER_SHARE_READS 16u
#define BROKER_PRIORITY_YIELDING (SD_EVENT_PRIORITY_NORMAL + 10)

struct broker;

/*
 * What one uid holds, across its connections: the share of the daemon
 * that fairness gives each uid is kept here. It lives while the uid has
 * a connection or a request in flight, and after that until its record
 * bucket has refilled, so that connecting anew does not refill it.
 */
struct broker_user {
        struct broker_user *next;
        uid_t uid;
        unsigned n_conns;        /* connections, closing ones not counted */
        unsigned n_inflight;     /* requests at the opener */
        uint64_t window_start;   /* CLOCK_MONOTONIC usec of the share window */
        unsigned window_reads;   /* requests read in it */
        bool yielding;           /* over its share: served after the others */
        struct peer peer;        /* uid, gid, pid of its latest connection,
                                  * for records written with none open */
        struct ratelimit log;    /* its audit records */
};

/*
 * A client connection. Exactly one place frees it: its I/O callback,
 * on_conn_io(), after a handler returned a negative errno or after the
 * connection was shut down (conn_shutdown()), which anything may do and
 * which the callback then sees as a hang-up. Nothing else frees it, so a
 * handler never has to ask whether its connection still exists.
 */
struct conn {
        struct broker *broker;
        struct conn *prev, *next;
        struct broker_user *user;
        uint64_t id;
        int fd;
        sd_event_source *io;
        sd_event_source *idle;
        struct peer peer;        /* uid, gid, pid from accept; the rest once
                                  * it asks something (identified) */
        bool identified;
        bool closing;            /* shut down; on_conn_io() frees it */
        unsigned n_pending;
        unsigned n_bad;          /* malformed requests so far */
        uint64_t last_active;    /* CLOCK_MONOTONIC usec: accept or last request */
        uint64_t netns_cookie;   /* of the client's network namespace, once read */
};

/* A request the opener is working on. */
struct pending {
        bool used;
        uint64_t sent_usec;      /* CLOCK_MONOTONIC, when it went to the opener */
        struct conn *conn;       /* NULL once the client has gone */
        struct broker_user *user;
        uint16_t answer;         /* the opener's answer: OPENER_MSG_RESULT (OPEN),
                                  * OPENER_MSG_HCI_DONE (HCI) or OPENER_MSG_DONE */
        uint32_t seq;
        uint32_t request_id;
        char what[160];          /* "packet/raw/all@eth0" */
        char rule[300];          /* "file:line" */
        struct policy_request request; /* for the record; ifname points below */
        char ifname[IFNAMSIZ];
};

struct broker {
        sd_event *event;
        struct broker_limits limits;
        struct peer_idmap idmap;         /* to tell peers the kernel cannot name */
        struct peer_cache peer_cache;    /* cgroups by process, where pidfds say which */

        int listen_fd;
        sd_event_source *listen_io;
        sd_event_source *listen_retry;

        int opener_fd;           /* -1 between two openers on their own */
        pid_t opener_pid;
        const char *opener_socket;       /* an opener on its own: where the next listens */
        bool opener_ready;       /* it has sent its policy: requests may be read */
        uint64_t opener_lost_usec;       /* CLOCK_MONOTONIC: when the last one hung up */
        sd_event_source *opener_io;
        sd_event_source *opener_reconnect;

        policy *policy;
        uint32_t generation;
        bool reloading;
        uint64_t opener_netns_cookie;    /* the opener's network namespace */

        struct spares spares;            /* raw IP sockets made ahead (spares.h) */
        sd_event_source *spares_expiry;

        struct conn *conns;
        unsigned n_conns;        /* closing ones not counted */
        uint64_t next_conn_id;
        struct broker_user *users;
        sd_event_source *users_sweep;
        sd_event_source *shares;         /* ends yielding uids' windows */

        struct pending *pending; /* limits.max_inflight slots */
        unsigned n_pending;
        sd_event_source *opener_watch;   /* the oldest request's deadline */
        uint32_t next_seq;

        /* For Status (broker-status.c). */
        uint64_t started_usec;   /* CLOCK_REALTIME */
        uint64_t started_mono;   /* CLOCK_MONOTONIC */
        struct broker_counters counters;
        struct grant_ring grants;
};

static inline uint64_t now_mono(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

