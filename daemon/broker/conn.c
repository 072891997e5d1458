/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conn.c - the broker's connections: their lifetime, their replies and
 * refusals, the requests they have in flight, and the share of the
 * daemon each uid gets.
 *
 * A connection is freed in one place only, the broker's I/O callback
 * (conn_free()); anything else that wants it ended shuts it down
 * (conn_shutdown()), which the callback then sees as a hang-up.
 * Replies are sent at once or not at all: a client that cannot take one
 * is ended, never buffered for.
 *
 * Requests in flight are slots of their own (struct pending), matched to
 * the opener's answers by sequence number; pending_push() and
 * pending_done() keep the counts per connection, per uid and in all, and
 * turn reading off and on as the limits say (back-pressure, not refusal).
 * The oldest request in flight has a deadline (--opener-timeout).
 *
 * Each uid has a struct broker_user: its connections, its requests in
 * flight, its record bucket, and its share of reads in a window; a uid
 * past its share is served after the others until the window ends.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/broker/audit.h"
#include "daemon/broker/broker-internal.h"
#include "daemon/broker/conn.h"
#include "daemon/broker/peer.h"
#include "daemon/shared/log.h"
#include "proto/protocol.h"

static void user_release(struct broker *b, struct broker_user *u);
static void pending_done(struct broker *b, struct pending *p);

int conn_send_reply(struct conn *c, SbReply *reply, int fd)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        ssize_t n;
        int len;

        if (c->closing)
                return -ECONNRESET;
        reply->has_version = true;
        reply->version = SB_PROTO_VERSION;
        len = sb_proto_reply_encode(reply, buf, sizeof(buf));
        if (len < 0) {
                log_error("uid=%u pid=%d: cannot encode a reply", c->peer.uid, c->peer.pid);
                return len;
        }
        n = fdmsg_send(c->fd, buf, (size_t)len, &fd, fd >= 0 ? 1 : 0, MSG_DONTWAIT);
        if (n < 0) {
                if (n != -EPIPE && n != -ECONNRESET)
                        log_warning("uid=%u pid=%d: cannot send reply (%s); disconnecting",
                                    c->peer.uid, c->peer.pid, strerror((int)-n));
                return (int)n;
        }
        return 0;
}

/* conn_reply() with an operation's result in Reply.data. */
int conn_reply_data(struct conn *c, uint32_t id, int error, const char *message,
                           const char *rule, int fd, const void *data, size_t n_data)
{
        SbReply reply = SOCKBROKER__REPLY__INIT;
        char msg[SB_PROTO_MAX_REASON];

        snprintf(msg, sizeof(msg), "%s", message ? message : "");
        reply.has_id = true;
        reply.id = id;
        reply.has_error = true;
        reply.error = error;
        reply.message = msg;
        reply.rule = (char *)(rule && rule[0] ? rule : NULL);
        reply.has_n_fds = fd >= 0;
        reply.n_fds = fd >= 0 ? 1 : 0;
        reply.has_data = data != NULL;
        reply.data.data = (uint8_t *)data;
        reply.data.len = n_data;
        return conn_send_reply(c, &reply, fd);
}

int conn_reply(struct conn *c, uint32_t id, int error, const char *message,
               const char *rule, int fd)
{
        return conn_reply_data(c, id, error, message, rule, fd, NULL, 0);
}

_printf_(4, 5)
int conn_refuse(struct conn *c, uint32_t id, int error, const char *fmt, ...)
{
        char msg[SB_PROTO_MAX_REASON];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return conn_reply(c, id, error, msg, NULL, -1);
}

bool conn_may_read(const struct conn *c)
{
        const struct broker *b = c->broker;

        return b->opener_ready && c->n_pending < b->limits.max_pending &&
               c->user->n_inflight < b->limits.max_inflight_per_uid &&
               b->n_pending < b->limits.max_inflight;
}

/* Turns c's reading on or off as conn_may_read() says. A closing
 * connection is always watched: its hang-up is how it gets freed. */
static void conn_update_io(struct conn *c)
{
        bool on = c->closing || conn_may_read(c);

        (void)sd_event_source_set_enabled(c->io, on ? SD_EVENT_ON : SD_EVENT_OFF);
}

void conn_rearm(struct conn *c)
{
        (void)sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
        conn_update_io(c);
}

/* conn_update_io() for u's connections, or for all when u is NULL. */
void broker_update_io(struct broker *b, const struct broker_user *u)
{
        for (struct conn *c = b->conns; c; c = c->next)
                if (!u || c->user == u)
                        conn_update_io(c);
}

/* c's priority: a uid over its share of the window is served after the
 * others, however many connections it has. */
static void conn_update_priority(struct conn *c)
{
        (void)sd_event_source_set_priority(c->io, c->user->yielding ? BROKER_PRIORITY_YIELDING
                                                                   : SD_EVENT_PRIORITY_NORMAL);
}

static void user_set_yielding(struct broker *b, struct broker_user *u, bool yielding)
{
        if (yielding == u->yielding)
                return;
        u->yielding = yielding;
        for (struct conn *c = b->conns; c; c = c->next)
                if (c->user == u)
                        conn_update_priority(c);
}

/* Arms the share timer for the earliest end of a yielding uid's window;
 * the timer, not the uid's next request, ends it: a connection at the
 * lower priority may not be read at all while others keep the loop busy. */
static void broker_arm_shares(struct broker *b)
{
        uint64_t next = UINT64_MAX;

        for (struct broker_user *u = b->users; u; u = u->next)
                if (u->yielding && u->window_start + BROKER_SHARE_WINDOW_USEC < next)
                        next = u->window_start + BROKER_SHARE_WINDOW_USEC;
        if (next == UINT64_MAX) {
                (void)sd_event_source_set_enabled(b->shares, SD_EVENT_OFF);
                return;
        }
        (void)sd_event_source_set_time(b->shares, next);
        (void)sd_event_source_set_enabled(b->shares, SD_EVENT_ONESHOT);
}

/* Counts a request read from u; moves u behind the others once it has
 * had its share of the current window, until the window ends. */
void user_account_read(struct broker *b, struct broker_user *u)
{
        uint64_t now = now_mono();

        if (now - u->window_start >= BROKER_SHARE_WINDOW_USEC) {
                u->window_start = now;
                u->window_reads = 0;
        }
        u->window_reads++;
        if (u->window_reads > BROKER_SHARE_READS && !u->yielding) {
                user_set_yielding(b, u, true);
                broker_arm_shares(b);
        }
}

/* A share window has ended: its uid is served as everyone is again. */
int user_on_window_end(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct broker *b = userdata;
        uint64_t now = now_mono();

        for (struct broker_user *u = b->users; u; u = u->next)
                if (u->yielding && now - u->window_start >= BROKER_SHARE_WINDOW_USEC) {
                        u->window_start = now;
                        u->window_reads = 0;
                        user_set_yielding(b, u, false);
                }
        broker_arm_shares(b);
        return 0;
}

void conn_audit(struct conn *c, struct audit_record *r)
{
        r->peer = &c->peer;
        r->limit = &c->user->log;
        audit_log(r);
}

void conn_record(enum audit_kind kind, struct conn *c, const struct policy_request *req,
                  const char *what, const char *rule, int error, const char *reason)
{
        conn_audit(c, &(struct audit_record) {
                .kind = kind,
                .request = req,
                .what = what,
                .rule = rule && rule[0] ? rule : NULL,
                .error = error,
                .reason = reason,
        });
}

/* The record of a request whose client hung up before its answer. */
void pending_record_orphan(const struct pending *p, enum audit_kind kind, int error, const char *reason)
{
        audit_log(&(struct audit_record) {
                .kind = kind,
                .peer = &p->user->peer,
                .request = &p->request,
                .what = p->what,
                .rule = p->rule[0] ? p->rule : NULL,
                .error = error,
                .reason = reason,
                .limit = &p->user->log,
        });
}

/* The oldest request in flight, or NULL. */
static struct pending *pending_oldest(struct broker *b)
{
        struct pending *oldest = NULL;

        for (unsigned i = 0; i < b->limits.max_inflight; i++)
                if (b->pending[i].used && (!oldest || b->pending[i].sent_usec < oldest->sent_usec))
                        oldest = &b->pending[i];
        return oldest;
}

/* Arms the opener's deadline for the oldest request in flight, unless it
 * is armed already. */
static void pending_watch(struct broker *b)
{
        struct pending *oldest;
        int enabled = SD_EVENT_OFF;

        (void)sd_event_source_get_enabled(b->opener_watch, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;
        oldest = pending_oldest(b);
        if (!oldest)
                return;
        (void)sd_event_source_set_time(b->opener_watch, oldest->sent_usec +
                                       b->limits.opener_timeout_sec * USEC_PER_SEC);
        (void)sd_event_source_set_enabled(b->opener_watch, SD_EVENT_ONESHOT);
}

/*
 * Answers every request in flight with error, and forgets them: the
 * opener has gone or stopped answering, and none of them will be
 * answered. Each client is told, rather than left to find its
 * connection closed.
 */
void pending_fail_all(struct broker *b, int error, const char *failure)
{
        char msg[SB_PROTO_MAX_REASON];

        for (unsigned i = 0; i < b->limits.max_inflight; i++) {
                struct pending *p = &b->pending[i];

                if (!p->used)
                        continue;
                snprintf(msg, sizeof(msg), "failed: %s allowed by %s, but %s", p->what, p->rule,
                         failure);
                b->counters.failed++;
                if (p->conn) {
                        conn_record(AUDIT_FAILED, p->conn, &p->request, p->what, p->rule, error, msg);
                        (void)conn_reply(p->conn, p->request_id, error, msg, p->rule, -1);
                } else {
                        pending_record_orphan(p, AUDIT_FAILED, error, msg);
                }
                p->used = false;
                b->n_pending--;
                pending_done(b, p);
        }
}

/* The oldest request in flight has had no answer for --opener-timeout:
 * the opener is stopped or stuck, and the broker cannot tell which
 * answers would still come. */
int pending_on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct broker *b = userdata;
        struct pending *oldest = pending_oldest(b);
        char failure[96];

        if (!oldest)
                return 0;
        if (now_mono() < oldest->sent_usec + b->limits.opener_timeout_sec * USEC_PER_SEC) {
                pending_watch(b);
                return 0;
        }
        snprintf(failure, sizeof(failure), "the opener did not answer within %us",
                 b->limits.opener_timeout_sec);
        log_error("%s; answering %u request(s) in flight and exiting", failure, b->n_pending);
        pending_fail_all(b, ETIMEDOUT, failure);
        return sd_event_exit(b->event, BROKER_EXIT_OPENER);
}

struct pending *pending_push(struct conn *c)
{
        struct broker *b = c->broker;
        struct pending *p;

        if (b->n_pending >= b->limits.max_inflight)
                return NULL;
        p = NULL;
        for (unsigned i = 0; i < b->limits.max_inflight && !p; i++)
                if (!b->pending[i].used)
                        p = &b->pending[i];
        assert(p);
        b->n_pending++;
        memset(p, 0, sizeof(*p));
        p->used = true;
        p->sent_usec = now_mono();
        p->conn = c;
        p->user = c->user;
        pending_watch(b);
        c->n_pending++;
        c->user->n_inflight++;
        /* Reaching a limit stops reading: this connection, its uid's, or
         * every one. */
        if (b->n_pending == b->limits.max_inflight)
                broker_update_io(b, NULL);
        else if (c->user->n_inflight == b->limits.max_inflight_per_uid)
                broker_update_io(b, c->user);
        else
                conn_update_io(c);
        return p;
}

/* Keeps the request in p for the record of its outcome. */
void pending_set_request(struct pending *p, const struct policy_request *req)
{
        p->request = *req;
        p->request.ifname = NULL;
        if (req->ifname) {
                snprintf(p->ifname, sizeof(p->ifname), "%s", req->ifname);
                p->request.ifname = p->ifname;
        }
}

/* Ends p's accounting; the connection (if any) and its uid may be read
 * again. p stays readable until the next pending_push(). */
static void pending_done(struct broker *b, struct pending *p)
{
        bool was_full = b->n_pending + 1 == b->limits.max_inflight;
        struct broker_user *u = p->user;
        bool user_was_full = u->n_inflight == b->limits.max_inflight_per_uid;

        u->n_inflight--;
        if (p->conn)
                p->conn->n_pending--;
        if (was_full)
                broker_update_io(b, NULL);
        else if (user_was_full)
                broker_update_io(b, u);
        else if (p->conn)
                conn_update_io(p->conn);
        user_release(b, u);
}

/* Takes the request in flight that the opener's answer with seq is
 * about. The opener answers most requests in order, and HCI commands
 * when their controller does; an answer to no request in flight, or of
 * the wrong kind, is a broken opener: NULL, and the loop ends. */
struct pending *pending_pop(struct broker *b, uint32_t seq, enum opener_msg_type answer)
{
        struct pending *p = NULL;

        for (unsigned i = 0; i < b->limits.max_inflight && !p; i++)
                if (b->pending[i].used && b->pending[i].seq == seq)
                        p = &b->pending[i];
        if (!p || p->answer != answer) {
                log_error("the opener answered request %u, which is not in flight as such", seq);
                sd_event_exit(b->event, BROKER_EXIT_OPENER);
                return NULL;
        }
        p->used = false;
        b->n_pending--;
        pending_done(b, p);
        return p;
}

void conn_policy_peer(const struct conn *c, struct policy_peer *ret)
{
        *ret = (struct policy_peer) {
                .uid = c->peer.uid,
                .gid = c->peer.gid,
                .groups = c->peer.groups,
                .n_groups = c->peer.n_groups,
                .unit = c->peer.unit,
                .cgroup = c->peer.cgroup,
        };
}

/* The rest of the peer's identity, which the first request needs. */
void conn_identify(struct conn *c)
{
        if (c->identified)
                return;
        peer_from_socket_rest(c->fd, &c->peer, &c->broker->peer_cache);
        peer_apply_idmap(&c->peer, &c->broker->idmap);
        c->identified = true;
}

static struct broker_user *user_find(struct broker *b, uid_t uid)
{
        for (struct broker_user *u = b->users; u; u = u->next)
                if (u->uid == uid)
                        return u;
        return NULL;
}

static struct broker_user *user_get(struct broker *b, const struct peer *peer)
{
        struct broker_user *u = user_find(b, peer->uid);

        if (!u) {
                u = calloc(1, sizeof(*u));
                if (!u)
                        return NULL;
                u->uid = peer->uid;
                u->window_start = now_mono();
                ratelimit_init(&u->log, b->limits.log_rate, b->limits.log_rate * 5, u->window_start);
                u->next = b->users;
                b->users = u;
        }
        u->peer = (struct peer) { .uid = peer->uid, .gid = peer->gid, .pid = peer->pid, .pidfd = -1 };
        return u;
}

/*
 * Called when u may have become unused. A uid with nothing open keeps its
 * record bucket until it has refilled (users_sweep), so that it cannot
 * get a fresh one by reconnecting.
 */
static void user_release(struct broker *b, struct broker_user *u)
{
        int enabled = SD_EVENT_OFF;
        uint64_t now;

        if (u->n_conns > 0 || u->n_inflight > 0)
                return;
        (void)sd_event_source_get_enabled(b->users_sweep, &enabled);
        if (enabled != SD_EVENT_OFF || sd_event_now(b->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        (void)sd_event_source_set_time(b->users_sweep, now + USEC_PER_SEC);
        (void)sd_event_source_set_enabled(b->users_sweep, SD_EVENT_ON);
}

/* Every second while some uid has nothing open: writes what its bucket
 * held back, and forgets it once the bucket is as a new one. */
int user_on_sweep(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct broker *b = userdata;
        struct broker_user **pu = &b->users;
        bool lingering = false;
        uint64_t now = now_mono();

        while (*pu) {
                struct broker_user *u = *pu;

                if (u->n_conns > 0 || u->n_inflight > 0) {
                        pu = &u->next;
                        continue;
                }
                audit_flush(&u->peer, &u->log);
                if (ratelimit_full(&u->log, now)) {
                        *pu = u->next;
                        free(u);
                        continue;
                }
                lingering = true;
                pu = &u->next;
        }
        (void)sd_event_source_set_time(s, now + USEC_PER_SEC);
        return sd_event_source_set_enabled(s, lingering ? SD_EVENT_ON : SD_EVENT_OFF);
}

/* Only on_conn_io() and the broker's teardown call this. */
void conn_free(struct conn *c)
{
        struct broker *b = c->broker;

        for (unsigned i = 0; i < b->limits.max_inflight; i++)
                if (b->pending[i].used && b->pending[i].conn == c)
                        b->pending[i].conn = NULL;
        if (c->prev)
                c->prev->next = c->next;
        else
                b->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        if (!c->closing) {
                b->n_conns--;
                c->user->n_conns--;
        }
        user_release(b, c->user);

        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->idle);
        safe_close(c->fd);
        peer_done(&c->peer);
        free(c);
}

void conn_shutdown(struct conn *c)
{
        if (c->closing)
                return;
        c->closing = true;
        /* Its slot is free from now on; the memory goes next turn. */
        c->broker->n_conns--;
        c->user->n_conns--;
        (void)shutdown(c->fd, SHUT_RDWR);
        (void)sd_event_source_set_enabled(c->idle, SD_EVENT_OFF);
        conn_update_io(c);
}

static int on_conn_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct conn *c = userdata;

        if (c->n_pending > 0) {
                (void)sd_event_source_set_time(s, usec + c->broker->limits.idle_timeout_sec * USEC_PER_SEC);
                return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        log_debug("uid=%u pid=%d: no valid request for %us; disconnecting", c->peer.uid, c->peer.pid,
                  c->broker->limits.idle_timeout_sec);
        conn_shutdown(c);
        return 0;
}

/*
 * When the table is full: the connection to give up for one from a uid
 * that holds `have` connections. The uid holding the most gives up its
 * longest-idle connection with nothing in flight, if it holds at least
 * two more than the newcomer's uid, so that taking turns never goes
 * round in circles. NULL when there is none to give.
 */
static struct conn *broker_pick_eviction(struct broker *b, unsigned have)
{
        struct broker_user *rich = NULL;
        struct conn *victim = NULL;

        for (struct broker_user *u = b->users; u; u = u->next)
                if (!rich || u->n_conns > rich->n_conns)
                        rich = u;
        if (!rich || rich->n_conns < have + 2)
                return NULL;
        for (struct conn *c = b->conns; c; c = c->next)
                if (c->user == rich && !c->closing && c->n_pending == 0 &&
                    (!victim || c->last_active < victim->last_active))
                        victim = c;
        return victim;
}

/* Refuses a connection that never became one: one reply, then the
 * caller closes it. No state is kept for it. */
_printf_(2, 3)
static void refuse_connection(int fd, const char *fmt, ...)
{
        SbReply reply = SOCKBROKER__REPLY__INIT;
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char msg[SB_PROTO_MAX_REASON];
        va_list ap;
        int len;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        reply.has_version = reply.has_id = reply.has_error = true;
        reply.version = SB_PROTO_VERSION;
        reply.error = EUSERS;
        reply.message = msg;
        len = sb_proto_reply_encode(&reply, buf, sizeof(buf));
        if (len > 0)
                (void)send(fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Takes the connection fd; returns 0, or a negative errno when it was
 * refused or could not be watched (and is closed). */
int conn_accept(struct broker *b, int fd, sd_event_io_handler_t on_io)
{
        _cleanup_close_ int fd_close = fd;
        struct broker_user *u;
        struct conn *c;
        struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };
        struct peer peer;
        int r;

        /* A peer that has gone already asked nothing it could be answered
         * for: it costs no state, and a uid that connects and closes in a
         * loop costs three system calls a connection. */
        if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP)))
                return -ECONNRESET;
        r = peer_from_socket_cred(fd, &peer);
        if (r < 0) {
                log_warning("cannot identify a peer: %s", strerror(-r));
                return r;
        }
        u = user_find(b, peer.uid);
        if (u && u->n_conns >= b->limits.max_connections_per_uid) {
                refuse_connection(fd, "busy: too many connections from uid %u (limit %u)",
                                  peer.uid, b->limits.max_connections_per_uid);
                return -EUSERS;
        }
        if (b->n_conns >= b->limits.max_connections) {
                struct conn *victim = broker_pick_eviction(b, u ? u->n_conns : 0);

                if (!victim) {
                        refuse_connection(fd, "busy: too many connections (limit %u)",
                                          b->limits.max_connections);
                        return -EUSERS;
                }
                log_info("connection table full: closing an idle connection of uid %u for uid %u",
                         victim->peer.uid, peer.uid);
                conn_shutdown(victim);
        }

        u = user_get(b, &peer);
        c = calloc(1, sizeof(*c));
        if (!u || !c) {
                free(c);
                if (u)
                        user_release(b, u);
                return -ENOMEM;
        }
        c->broker = b;
        c->user = u;
        c->peer = peer;
        c->id = b->next_conn_id++;
        c->last_active = now_mono();
        peer_apply_idmap(&c->peer, &b->idmap);

        /* Edge-triggered: epoll reports a connection once per arrival,
         * not on every turn of the loop while it has something unread,
         * which with many clients waiting costs a poll of each of them
         * per request served. on_io reads until the socket is empty. */
        r = sd_event_add_io(b->event, &c->io, fd, EPOLLIN | EPOLLET, on_io, c);
        if (r >= 0)
                r = sd_event_add_time(b->event, &c->idle, CLOCK_MONOTONIC,
                                      c->last_active + b->limits.idle_timeout_sec * USEC_PER_SEC, 0,
                                      on_conn_idle, c);
        if (r < 0) {
                log_warning("cannot watch a connection: %s", strerror(-r));
                sd_event_source_disable_unref(c->io);
                peer_done(&c->peer);
                free(c);
                user_release(b, u);
                return r;
        }
        c->fd = TAKE_FD(fd_close);
        c->next = b->conns;
        if (b->conns)
                b->conns->prev = c;
        b->conns = c;
        b->n_conns++;
        u->n_conns++;
        conn_update_priority(c);
        conn_update_io(c);
        return 0;
}

void user_free_all(struct broker *b)
{
        while (b->users) {
                struct broker_user *u = b->users;

                b->users = u->next;
                audit_flush(&u->peer, &u->log);
                free(u);
        }
}
