/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audit.h - one record per decision.
 *
 * Under systemd each record is a structured journal entry with a
 * MESSAGE_ID per kind of decision (see systemd/sockbroker.catalog) and
 * SOCKBROKER_* fields; elsewhere it is one line on stderr in a stable
 * key=value format. Denials and bad requests are rate-limited.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/peer.h"
#include "policy/policy.h"

enum audit_kind {
        AUDIT_GRANTED,           /* a socket was handed over */
        AUDIT_DENIED,            /* the policy refused */
        AUDIT_BAD_REQUEST,       /* the request was malformed */
        AUDIT_OPERATION,         /* an operation on a client's socket was done */
        AUDIT_FAILED,            /* allowed, but the kernel refused */
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
};

/* journal: write to the journal rather than stderr. rate/burst bound
 * denial and bad-request records per second. */
void audit_init(bool journal, uint32_t rate, uint32_t burst);
void audit_log(const struct audit_record *r);

/* The stderr form of a record, for tests: "decision=... uid=... ...". */
int audit_format(const struct audit_record *r, uint64_t suppressed, char *buf, size_t size);
