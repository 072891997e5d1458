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
#include <systemd/sd-event.h>

#include "daemon/broker-status.h"
#include "daemon/broker.h"
#include "daemon/peer.h"
#include "policy/policy.h"
#include "proto/protocol.h"

struct broker;

struct conn {
        struct broker *broker;
        struct conn *prev, *next;
        uint64_t id;
        int fd;
        sd_event_source *io;
        sd_event_source *idle;
        struct peer peer;
        unsigned n_pending;
};

/* A request the opener is working on. */
struct pending {
        struct conn *conn;       /* NULL once the client has gone */
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

        int listen_fd;
        sd_event_source *listen_io;
        sd_event_source *listen_retry;

        int opener_fd;
        pid_t opener_pid;
        sd_event_source *opener_io;

        policy *policy;
        uint32_t generation;
        bool reloading;

        struct conn *conns;
        unsigned n_conns;
        uint64_t next_conn_id;

        struct pending *pending; /* ring of limits.max_inflight */
        unsigned pending_head, n_pending;
        uint32_t next_seq;

        /* For Status (broker-status.c). */
        uint64_t started_usec;   /* CLOCK_REALTIME */
        uint64_t started_mono;   /* CLOCK_MONOTONIC */
        struct broker_counters counters;
        struct grant_ring grants;
};

/* Sends reply (its version filled in) with fd, if not -1. A client that
 * cannot take it now is disconnected: its replies are never queued.
 * Returns false when c was freed. */
bool conn_send_reply(struct conn *c, SbReply *reply, int fd);

/* A reply with an outcome, a message, the deciding rule ("file:line", or
 * NULL) and fd, if not -1; as conn_send_reply(). */
bool conn_reply(struct conn *c, uint32_t id, int error, const char *message,
                const char *rule, int fd);

/* The policy's view of a connection's peer; its strings are c's. */
void conn_policy_peer(const struct conn *c, struct policy_peer *ret);

/* Closes the connection and forgets it; requests it has in flight are
 * answered into the void. */
void conn_free(struct conn *c);
