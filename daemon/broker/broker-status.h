/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * broker-status.h - what `sockbroker status` and `sockbroker list` read:
 * the broker's counters and its bounded record of the sockets it granted.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/protocol.h"

struct broker;
struct conn;
struct peer;

/* The families counters are kept for. OTHER: a family the daemon does
 * not broker; ADMIN: Status requests. */
enum broker_family {
        BROKER_FAMILY_INET,
        BROKER_FAMILY_INET6,
        BROKER_FAMILY_PACKET,
        BROKER_FAMILY_CAN,
        BROKER_FAMILY_BLUETOOTH,
        BROKER_FAMILY_OTHER,
        BROKER_FAMILY_ADMIN,
        _BROKER_FAMILY_MAX,
};

enum broker_family broker_family_from_af(int af);

struct broker_counters {
        uint64_t granted[_BROKER_FAMILY_MAX];   /* sockets handed over */
        uint64_t denied[_BROKER_FAMILY_MAX];    /* refused by the policy */
        uint64_t operations;                    /* binds and options done */
        uint64_t failed;                        /* allowed; the kernel refused */
        uint64_t bad;                           /* malformed requests */
};

/* One socket granted. The socket itself went to the client, so this is
 * all the broker knows of it. */
struct grant_record {
        uint64_t serial;
        uint64_t time_usec;      /* CLOCK_REALTIME */
        uid_t uid;
        gid_t gid;
        pid_t pid;
        uint64_t start_time;     /* the peer's start, /proc/PID/stat; 0: unknown */
        uint64_t pidfs_id;       /* the peer's pidfs inode; 0: unknown */
        /* Shared with the records next to it when the same: NULL when
         * unknown or empty. */
        const char *unit;
        const char *cgroup;
        const char *what;        /* "inet/raw/icmp" */
        const char *rule;        /* "file:line" */
};

/* The newest `capacity` grants, oldest first from `head`. Serials are
 * consecutive, so the record with serial s sits at s - oldest. */
struct grant_ring {
        struct grant_record *records;
        unsigned capacity;
        unsigned head;
        unsigned n;
        uint64_t newest;         /* serial of the last grant; 0 before the first */
};

int grant_ring_init(struct grant_ring *r, unsigned capacity);
void grant_ring_done(struct grant_ring *r);

/* Records a grant and gives it the next serial. The strings are copied,
 * or shared with the newest record's when the same, truncated to
 * SB_STATUS_MAX_STRING bytes; without memory for them they are recorded
 * as unknown. */
void grant_ring_add(struct grant_ring *r, uint64_t time_usec, uid_t uid, gid_t gid, pid_t pid,
                    uint64_t start_time, uint64_t pidfs_id, const char *unit, const char *cgroup,
                    const char *what, const char *rule);

/* The i-th record held, 0 being the oldest. */
const struct grant_record *grant_ring_get(const struct grant_ring *r, unsigned i);

/* The record with this serial, or NULL when it is not held. */
const struct grant_record *grant_ring_find(const struct grant_ring *r, uint64_t serial);

/*
 * Fills page, which must be reply->grants, with the grants whose serial
 * is above `after`, oldest first: as many as keep the packed reply within
 * SB_PROTO_MAX_MESSAGE, and at most max_entries. entries[] and ptrs[]
 * hold them; their strings point into the ring. Each state is UNKNOWN,
 * for the caller to fill in (it takes I/O) without changing the size.
 * Pure. Returns the number of grants in the page.
 */
size_t grant_page_fill(const struct grant_ring *r, uint64_t after, SbReply *reply,
                       Sockbroker__GrantPage *page, Sockbroker__Grant *entries,
                       Sockbroker__Grant **ptrs, size_t max_entries);

/* The start time (field 22, clock ticks after boot) in the text of
 * /proc/PID/stat. Pure. Returns 0, or -EINVAL. */
int status_parse_start_time(const char *text, size_t len, uint64_t *ret);

/* The start time of a peer, read from /proc at its first grant and
 * trusted only while its pidfd showed the process alive; later grants on
 * the connection get the same value without a read. 0 when it cannot be
 * had, and without a read when the peer has a pidfs id, which names the
 * process as well. */
uint64_t status_peer_start_time(struct peer *p);

/* Notes the time the broker starts serving, for the uptime. */
void broker_status_start(struct broker *b);

/* Records the socket just handed to c's peer; start_time is
 * status_peer_start_time() of the peer, read before the reply went out,
 * since a client may exit as soon as it has its socket. */
void conn_record_grant(struct conn *c, const char *what, const char *rule, uint64_t start_time);

/* Answers a Status request on c: decides with root and the policy's
 * admin rules, audits a refusal, and replies. Returns 0, or the
 * negative errno of a reply that could not be sent. */
int conn_handle_status(struct conn *c, const SbRequest *req);
