/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conn.h - the broker's connections, their requests in flight and their
 * uids' shares (conn.c). For broker.c and broker-status.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/broker/audit.h"
#include "daemon/broker/broker-internal.h"
#include "daemon/shared/opener-proto.h"
#include "policy/policy-decide.h"
#include "proto/protocol.h"

/* ---- connections ---- */

/*
 * Accepts the connection fd (taken over): refused at once, with no state
 * kept, when its uid has all the connections it may, or when the table
 * is full and no uid holding more may give one up; else watched with
 * on_io. Returns 0, or a negative errno (fd closed).
 */
int conn_accept(struct broker *b, int fd, sd_event_io_handler_t on_io);

/* Frees c: only the I/O callback given to conn_accept() and the
 * broker's teardown call it. */
void conn_free(struct conn *c);

/* Ends c from outside its I/O callback, which then sees the hang-up and
 * frees it. Its slot is free at once. */
void conn_shutdown(struct conn *c);

/* Reads the rest of the peer's identity, which the first request needs. */
void conn_identify(struct conn *c);

/* Sends reply (its version filled in) with fd, if not -1, at once: a
 * client's replies are never queued. Returns 0, or a negative errno when
 * the client cannot take it now; the caller ends the connection. */
int conn_send_reply(struct conn *c, SbReply *reply, int fd);

/* A reply with an outcome, a message, the deciding rule ("file:line", or
 * NULL) and fd, if not -1; as conn_send_reply(). */
int conn_reply(struct conn *c, uint32_t id, int error, const char *message,
               const char *rule, int fd);

/* conn_reply() with an operation's result in Reply.data. */
int conn_reply_data(struct conn *c, uint32_t id, int error, const char *message,
                    const char *rule, int fd, const void *data, size_t n_data);

/* conn_reply() with a formatted message and no rule. */
_printf_(4, 5)
int conn_refuse(struct conn *c, uint32_t id, int error, const char *fmt, ...);

/* The policy's view of a connection's peer; its strings are c's. */
void conn_policy_peer(const struct conn *c, struct policy_peer *ret);

/* Writes an audit record about c's peer, within its uid's share. */
void conn_audit(struct conn *c, struct audit_record *r);
void conn_record(enum audit_kind kind, struct conn *c, const struct policy_request *req,
                 const char *what, const char *rule, int error, const char *reason);

/* ---- requests in flight ---- */

/* A slot for a request of c's, counted against c, its uid and all;
 * NULL when --max-inflight are in flight. */
struct pending *pending_push(struct conn *c);

/* Keeps the request in p for the record of its outcome. */
void pending_set_request(struct pending *p, const struct policy_request *req);

/* Takes the request in flight the opener's answer with seq is about;
 * NULL (and the loop ends with BROKER_EXIT_OPENER) when there is none of
 * that kind. p stays readable until the next pending_push(). */
struct pending *pending_pop(struct broker *b, uint32_t seq, enum opener_msg_type answer);

/* The record of a request whose client hung up before its answer. */
void pending_record_orphan(const struct pending *p, enum audit_kind kind, int error,
                           const char *reason);

/* Answers every request in flight with error, and forgets them: the
 * opener has gone or stopped answering. */
void pending_fail_all(struct broker *b, int error, const char *failure);

/* Turns reading on or off, as the limits and the opener allow, for u's
 * connections, or for all when u is NULL. */
void broker_update_io(struct broker *b, const struct broker_user *u);

/* Whether c may be read now: not between two openers, nor while it, its
 * uid or the broker has as many requests in flight as it may. */
bool conn_may_read(const struct conn *c);

/* Takes c out of the loop's set and puts it back as the limits allow:
 * put back, it is reported again if anything is unread (its reading is
 * edge-triggered). */
void conn_rearm(struct conn *c);

/* The timer of the oldest request's deadline (--opener-timeout). */
int pending_on_deadline(sd_event_source *s, uint64_t usec, void *userdata);

/* ---- uids ---- */

/* Counts a request read from u; a uid past its share of the window is
 * served after the others until the window ends. */
void user_account_read(struct broker *b, struct broker_user *u);

/* The timer that ends yielding uids' windows. */
int user_on_window_end(sd_event_source *s, uint64_t usec, void *userdata);

/* The timer that forgets uids with nothing open once their record
 * buckets have refilled, writing what those held back. */
int user_on_sweep(sd_event_source *s, uint64_t usec, void *userdata);

/* Frees every uid's state, writing what its bucket held back. */
void user_free_all(struct broker *b);
