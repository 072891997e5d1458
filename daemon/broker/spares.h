/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * spares.h - raw IP sockets the opener made ahead.
 *
 * A grant that waits for the opener crosses two processes twice; one
 * served from a spare is answered by the broker alone, like a minimal
 * broker would. Spares exist only where that changes nothing the client
 * could tell:
 *
 *  - raw IP (AF_INET, AF_INET6) only, the sockets whose making depends
 *    on the OPEN's fields alone: no address, no client, nothing received
 *    but what the drain below discards;
 *  - keyed by the whole OPEN the broker would have sent (policy
 *    generation, rule, family, type, protocol, interface, flags): a spare
 *    answers only a request decided by the same rule of the same
 *    generation with the same fields, and a new policy discards them all;
 *  - made in the opener's own network namespace, and handed only to a
 *    client whose connection is in it (under netns=client), or to any
 *    client where the rule makes its sockets there anyway (netns=opener);
 *  - drained before the hand-over: what a spare received while it waited
 *    is discarded unread, and one that keeps receiving is not used;
 *  - few and short-lived: SPARES_SHAPES kinds of OPEN, OPENER_MAX_SPARES
 *    each, none older than SPARES_MAX_AGE_USEC.
 *
 * The broker asks for spares of a kind after it has granted one; the
 * opener re-checks that request against its rule as it checks an OPEN.
 * This module keeps them: it does no I/O but close() and the drain's
 * recvmsg().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/shared/opener-proto.h"

#define SPARES_SHAPES 8u
/* A kind is refilled when no more than this many are left. */
#define SPARES_LOW 1u
#define SPARES_MAX_AGE_USEC (5 * UINT64_C(1000000))
/* Datagrams a spare may have queued and still be handed on. */
#define SPARES_MAX_DRAIN 64u

struct spare_shape {
        struct opener_open key;  /* hdr and count zero */
        int fds[OPENER_MAX_SPARES];
        uint64_t made_usec[OPENER_MAX_SPARES];
        unsigned n;
        bool used;               /* the slot holds a kind */
        bool stale;              /* of a policy gone: only its refill is awaited */
        bool refilling;          /* a SPARE with refill_seq is at the opener */
        uint32_t refill_seq;
        uint64_t last_used;
};

struct spares {
        struct spare_shape shapes[SPARES_SHAPES];
        unsigned n_fds;          /* spares held, all kinds */
};

/* Whether an OPEN of m's fields may be served from spares. */
bool spares_eligible(const struct opener_open *m);

/*
 * A spare for m, drained and taken out of the pool, or -1 when there is
 * none young enough (those too old are closed). The caller owns it.
 */
int spares_take(struct spares *s, const struct opener_open *m, uint64_t now);

/*
 * Whether to ask the opener for spares of m's kind now: when it holds
 * SPARES_LOW or fewer and none are on the way. Then fills *ret with the
 * SPARE to send (as seq) and marks the kind refilling; the caller sends
 * it, or calls spares_refill_failed(). A new kind takes a free slot, or
 * that of the kind used least recently with no refill on the way.
 */
bool spares_want(struct spares *s, const struct opener_open *m, uint32_t seq, uint64_t now,
                 struct opener_open *ret);

/* The SPARE with seq could not be sent. */
void spares_refill_failed(struct spares *s, uint32_t seq);

/*
 * The opener's SPARES for seq: fds (n of them; none on an error) join
 * their kind, or are closed when it is stale. Returns false, closing
 * them, when no refill with seq is on the way.
 */
bool spares_fill(struct spares *s, uint32_t seq, const int *fds, size_t n, uint64_t now);

/* Closes every spare. Refills on the way are still awaited, and their
 * sockets closed when they come; with forget, they are not (the opener
 * has gone and will not answer). */
void spares_clear(struct spares *s, bool forget);

/* Closes the spares older than SPARES_MAX_AGE_USEC. */
void spares_expire(struct spares *s, uint64_t now);

/* When the oldest spare expires, or UINT64_MAX with none. */
uint64_t spares_next_expiry(const struct spares *s);
