/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audit.h - one record per decision.
 *
 * Under systemd each record is a structured journal entry with a
 * MESSAGE_ID per kind of decision (see systemd/sockbroker.catalog) and
 * SOCKBROKER_* fields; elsewhere it is one line on stderr in a stable
 * key=value format.
 *
 * Every kind of record is rate-limited, per peer (a bucket the caller
 * keeps for each uid) and in all (one bucket here), so that no client can
 * fill the journal: what is held back is counted, and goes out as one
 * "suppressed" record for that uid before its next record that passes,
 * or when the caller flushes the peer's bucket.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/broker/peer.h"
#include "daemon/broker/ratelimit.h"
#include "policy/policy.h"

enum audit_kind {
        AUDIT_GRANTED,           /* a socket was handed over */
        AUDIT_DENIED,            /* the policy refused */
        AUDIT_BAD_REQUEST,       /* the request was malformed */
        AUDIT_OPERATION,         /* an operation on a client's socket was done */
        AUDIT_FAILED,            /* allowed, but the kernel refused */
        AUDIT_SUPPRESSED,        /* records of one peer held back */
        _AUDIT_KIND_MAX,
};

struct audit_record {
        enum audit_kind kind;
        const struct peer *peer;
        const struct policy_request *request;  /* NULL for a bad request */
        const char *what;        /* the request as text */
        const char *rule;        /* "file:line", or NULL */
        int error;               /* positive errno, or 0 */
        const char *reason;      /* bad request, failure: why */
        struct ratelimit *limit; /* the peer's bucket, or NULL for none */
};

/* journal: write to the journal rather than stderr. rate/burst bound
 * each peer's records per second (the caller's buckets are made with
 * them); all peers together get ten times as many. */
void audit_init(bool journal, uint32_t rate, uint32_t burst);
void audit_log(const struct audit_record *r);

/* Writes the "suppressed" record for the records limit has held back
 * from peer, if any, and resets its count. */
void audit_flush(const struct peer *peer, struct ratelimit *limit);

/* The stderr form of a record, for tests: "decision=... uid=... ...". */
int audit_format(const struct audit_record *r, uint64_t suppressed, char *buf, size_t size);
