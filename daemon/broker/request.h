/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * request.h - from a decoded client request to what the policy decides
 * and what the opener is asked: one pure layer for every operation.
 *
 * The broker's handlers are I/O shells around three steps, none of which
 * does I/O:
 *
 *   request_build()   SbRequest (already decoded and range-checked by
 *                     sb_proto_request_decode()), and for Bind and
 *                     SetOption the family, type and protocol the kernel
 *                     reports for the client's socket, to a struct
 *                     request: the policy request and the opener
 *                     message, or a refusal with its reason;
 *   policy_check()    the decision (policy/);
 *   request_seal()    the allowing rule, the policy generation and the
 *                     sequence number written into the opener message.
 *
 * What request_seal() gives is what the opener validates
 * (opener_msg_check()) and re-checks against the rule it names
 * (policy_rule_permits()); fuzz/fuzz-request-chain.c drives all three
 * steps and those two checks, and fails if a message is ever built that
 * the named rule does not permit.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/shared/opener-proto.h"
#include "policy/policy-decide.h"
#include "proto/protocol.h"

enum request_op {
        REQUEST_OPEN,
        REQUEST_BIND,
        REQUEST_SETOPT,
        REQUEST_LINK,
        REQUEST_HCI,
        REQUEST_STATUS,
};

struct request {
        enum request_op op;
        uint32_t id;
        /* What the policy decides; its ifname points into msg or ifname. */
        struct policy_request policy;
        char ifname[IFNAMSIZ];
        /* What goes to the opener, once sealed; none for STATUS. */
        union {
                struct opener_hdr hdr;
                struct opener_open open;
                struct opener_open_filter open_filter; /* an OPEN with a filter */
                struct opener_bind bind;
                struct opener_setopt setopt;
                struct opener_link link;
                struct opener_hci hci;
        } msg;
        size_t msg_size;
        enum opener_msg_type answer;   /* the opener's answer to msg */
        bool client_socket;            /* Bind, SetOption: the client's socket goes along */
        bool netns_witness;            /* set by request_seal(): the connection goes along */
};

/* Whether the request operates on a socket the client sent, whose
 * family, type and protocol request_build() then needs. */
bool request_needs_socket(const SbRequest *req);

/*
 * Builds r from req. sock: for Bind and SetOption, the family, type and
 * protocol of the client's socket as the kernel reports them
 * (sockinfo_read()); NULL otherwise. Returns 0, or a positive errno with
 * the reason, starting "invalid:", "unsupported:", in why (the request
 * is then answered with it; it is not malformed).
 */
int request_build(const SbRequest *req, const struct policy_request *sock, struct request *r,
                  char *why, size_t why_size);

/*
 * Writes what the opener needs to know of the decision into r's message:
 * the rule allowing it, the policy generation and the sequence number,
 * and whether the connection goes along as the witness of the client's
 * network namespace (a rule working there, for OPEN and LINK).
 */
void request_seal(struct request *r, const struct policy_rule *rule, uint32_t generation,
                  uint32_t seq);

/*
 * For an OPEN no rule allows that names no address a later bind() could
 * name, where the rules would allow the socket on an address they name:
 * those addresses, deduplicated, in buf, as "va0, veth*" (at most
 * REQUEST_MAX_HINTS of them). They are
 * - for a packet or CAN socket without an interface, the iface= globs;
 * - for an HCI socket without a channel, "hci0", "hci2,user", "monitor"
 *   (controllers past hci7 are not listed).
 * Writes "" when there are none, or when req is something else. Each
 * candidate is decided as the request itself would be (policy_check()),
 * so a deny rule or another peer's rule never shows, and a glob that does
 * not match its own text (eth[01]) is left out. At most
 * REQUEST_HINT_BUDGET candidates that a rule of peer's permits are
 * decided, whatever the policy's size.
 */
#define REQUEST_MAX_HINTS 8
#define REQUEST_HINT_BUDGET 64
void request_address_hint(const policy *p, const struct policy_peer *peer,
                          const struct policy_request *req, char *buf, size_t size);

/* "open", "bind", ...: the operation's name, for records. */
const char *request_op_name(const SbRequest *req);
