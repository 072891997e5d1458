/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * protocol.h - encode, decode and validate sockbroker wire messages.
 *
 * Pure: buffers in, buffers out, no I/O. The daemon decodes every client
 * message with sb_proto_request_decode(), which refuses anything that is
 * not a well-formed request of this version, and says why in text that
 * goes back to the client unchanged.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/sockbroker.pb-c.h"

#define SB_PROTO_VERSION 1u
#define SB_PROTO_MAX_MESSAGE 4096u
/* Descriptors one message may carry: a request carries at most the
 * socket it operates on, a reply at most the socket it grants. */
#define SB_PROTO_MAX_FDS 1u
#define SB_PROTO_MAX_REASON 256u
/* Parameters of one HCI command: its length is a byte. */
#define SB_PROTO_MAX_HCI_PARAMS 255u
/* Instructions of a packet socket's own filter (Open.filter): a request
 * with this many still fits a message. */
#define SB_PROTO_MAX_FILTER 480u

/* Status replies: a string (file name, unit, cgroup, request, rule) of
 * at most this many bytes, which the daemon truncates to, so that a page
 * always has room for at least one file or grant; at most this many
 * policy files (POLICY_MAX_FILES) and grants recorded. */
#define SB_STATUS_MAX_STRING 512u
#define SB_STATUS_MAX_VERSION 64u
#define SB_STATUS_MAX_FILES 256u
#define SB_STATUS_MAX_GRANTS 65536u

typedef Sockbroker__Request SbRequest;
typedef Sockbroker__Reply SbReply;

/*
 * Decodes and validates one request. n_fds is the number of descriptors
 * that came with it. Returns 0 and sets *ret (free with
 * sb_proto_request_free()), or a negative errno with a reason in why:
 *   -EMSGSIZE         too large
 *   -EBADMSG          not a protobuf Request, or a field out of range
 *   -EPROTONOSUPPORT  another protocol version
 *   -EOPNOTSUPP       no operation, or one this daemon does not do (an
 *                     option other than the brokered SOL_SOCKET ones)
 *   -EBADF            descriptors the operation does not expect, or missing
 *   -EINVAL           a string holding a NUL byte; a Bind or SetOption
 *                     whose fields do not make a request
 *   -EAFNOSUPPORT     a Bind to an address kind the broker never binds
 * Every field the daemon reads afterwards is within its bounds: bytes
 * fields have the lengths they name (a bdaddr is 6 bytes, an address 4
 * or 16), strings are what the client sent, to the last byte.
 */
int sb_proto_request_decode(const void *buf, size_t len, size_t n_fds,
                            SbRequest **ret, char *why, size_t why_size);
SbRequest *sb_proto_request_free(SbRequest *r);

/* Packs a request or reply into buf (at most SB_PROTO_MAX_MESSAGE).
 * Returns the length, or -EMSGSIZE. */
int sb_proto_request_encode(const SbRequest *r, void *buf, size_t size);
int sb_proto_reply_encode(const SbReply *r, void *buf, size_t size);

/* Decodes a reply (client side); same error conventions. A Status
 * reply's page must be consistent in itself: counts within the limits
 * above, every string bounded, grants in ascending serial order. */
int sb_proto_reply_decode(const void *buf, size_t len, size_t n_fds,
                          SbReply **ret, char *why, size_t why_size);
SbReply *sb_proto_reply_free(SbReply *r);

/* How many descriptors the request's operation carries: at least *min,
 * at most *max. Bind and SetOption carry the socket they operate on;
 * nothing else carries one. (Rules with netns=client work in the
 * network namespace of the connection itself, which the client cannot
 * choose per request.) */
void sb_proto_request_fds(const SbRequest *r, unsigned *min, unsigned *max);

/* True for a valid interface name: 1..IFNAMSIZ-1 bytes, no '/', ':' or
 * whitespace, not "." or "..". */
int sb_proto_ifname_valid(const char *s);
