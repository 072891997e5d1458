/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * broker.c - the unprivileged half of sockbrokerd.
 *
 * The broker runs the event loop. It accepts client connections on the
 * listening SOCK_SEQPACKET socket (conn.c keeps them), decodes requests
 * (every byte of which is hostile), maps them through the pure request
 * layer (request.c), decides them with the compiled policy and, for a
 * grant, asks the opener for the socket. The opener's answers are
 * matched to their requests by sequence number; replies go back
 * asynchronously, and a slow opener never blocks a client, nor a client
 * the loop. This file holds the I/O shells: the loop, the listening
 * socket, the opener's socket (and, for an opener on its own, the
 * connection to the next one when it restarts), and the one path every
 * request takes.
 *
 * Every resource a client can consume is bounded (struct broker_limits):
 * connections in all and per uid, requests in flight per connection, per
 * uid and in all, malformed requests per connection, and idle time. A
 * client that does not read its replies is disconnected rather than
 * buffered for. What is bounded is also shared fairly between uids:
 *
 *  - accepting costs one getsockopt() until the connection first asks
 *    something, and a loop turn accepts a bounded batch, so a uid that
 *    connects and closes in a loop cannot hold the loop;
 *  - when the connection table is full, a uid holding fewer connections
 *    than the uid holding the most takes that uid's longest-idle one;
 *  - a uid at its share of requests in flight, or of requests read in a
 *    window (BROKER_SHARE_*), waits (its connections are not read, or
 *    read after everyone else's) rather than being refused;
 *  - every audit record is rate-limited per uid, with a summary of what
 *    was held back.
 *
 * Ownership: a connection is freed in one place only, its I/O callback
 * (see struct conn). Handlers return a negative errno when the
 * connection must end; anything else that wants it ended (an idle timer,
 * an eviction, a reply that could not be sent from the opener's
 * callback) shuts it down, which the I/O callback then sees.
 *
 * Descriptors: the broker passes each granted socket on at once and
 * closes its copy right after the send, while the client still holds
 * one. A socket whose client has gone goes back to the opener to be
 * closed, since the last close of a packet socket waits for an RCU grace
 * period and must not stall this loop. When the broker cannot receive a
 * granted socket (its descriptor table is full), the client is told so;
 * the limits are checked against RLIMIT_NOFILE at start so that this
 * stays an exception.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/can.h>
#include <linux/can/j1939.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <poll.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "common/bt.h"
#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"
#include "daemon/broker/audit.h"
#include "daemon/broker/broker-internal.h"
#include "daemon/broker/conn.h"
#include "daemon/broker/broker.h"
#include "daemon/shared/closer.h"
#include "daemon/shared/log.h"
#include "daemon/shared/opener-proto.h"
#include "daemon/broker/opener-send.h"
#include "daemon/shared/policy-memfd.h"
#include "daemon/shared/seccomp.h"
#include "daemon/broker/peer.h"
#include "daemon/broker/request.h"
#include "daemon/shared/sockinfo.h"
#include "daemon/shared/test-hook.h"
#include "policy/policy-decide.h"
#include "proto/protocol.h"

#define BROKER_POLICY_TIMEOUT_MS (60 * 1000)
/* Between two openers on their own, the next is connected to this often. */
#define BROKER_RECONNECT_USEC (100 * UINT64_C(1000))
/* How long a broker whose opener failed waits for it to be collected. */
#define BROKER_REAP_WAIT_MS 2000
/* Messages read from one connection in one turn of the loop. */
#define BROKER_READS_PER_TURN 4u
/* Connections accepted in one turn of the loop. */
#define BROKER_ACCEPT_BATCH 32u
/* Accepting waits while requests of connections already made are ready
 * to be read, and goes before a yielding uid's (BROKER_PRIORITY_YIELDING):
 * a uid that connects and closes in a loop keeps the listening socket
 * always ready, and must not delay what others have already asked. */
#define BROKER_PRIORITY_ACCEPT (SD_EVENT_PRIORITY_NORMAL + 5)
/* The listening socket's backlog. A connection waits in it for its
 * turn, behind every one queued before it, whoever made them: a short
 * queue, drained fast, bounds that wait; a client finding it full waits
 * in connect() for room (or gets EAGAIN, when it does not block). */
#define BROKER_LISTEN_BACKLOG 128

static void broker_set_status(struct broker *b)
{
        sd_notifyf(false, "STATUS=Serving %zu rules from %zu file(s), policy generation %u",
                   policy_n_rules(b->policy), policy_n_files(b->policy), b->generation);
}

/* ---- opener ------------------------------------------------------------ */

static void opener_close_later(struct broker *b, int fd, int family)
{
        struct opener_close m;

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_CLOSE, 0 };
        if (fdmsg_send(b->opener_fd, &m, sizeof(m), &fd, 1, MSG_DONTWAIT) < 0)
                log_warning("cannot hand a socket back to the opener; closing it here");
        /* Should the opener close its copy first, this one is the last. */
        closer_close(fd, family);
}

/* Takes a POLICY message from the opener. Returns 0, or a negative errno
 * when no policy was installed (the message was logged). */
static int broker_take_policy(struct broker *b, const struct opener_policy *m, int fd)
{
        policy *p = NULL;
        int r;

        if (m->error != 0) {
                log_error("policy not loaded: %s", m->message[0] ? m->message : strerror(m->error));
                return -m->error;
        }
        r = policy_memfd_import(fd, m->size, policy_import, &p);
        if (r < 0)
                return log_error_errno(r, "cannot import the compiled policy: %s", strerror(-r));

        policy_free(b->policy);
        b->policy = p;
        b->generation = m->generation;
        b->opener_netns_cookie = m->netns_cookie;
        /* Spares answer only requests of the policy they were made for. */
        spares_clear(&b->spares, false);
        log_info("policy generation %u: %zu rule(s) from %zu file(s)", b->generation,
                 policy_n_rules(p), policy_n_files(p));
        return 0;
}

/* ---- answers from the opener --------------------------------------------- */

/*
 * Answers the client of an operation the opener has done or failed:
 * "failed: WHAT allowed by RULE, but FAILURE: strerror", or "done: WHAT by
 * RULE" and any result, with data in the reply.
 */
static void op_finish(struct broker *b, struct pending *p, int error, const char *failure,
                      const char *result, const void *data, size_t n_data)
{
        char msg[SB_PROTO_MAX_REASON];
        struct conn *c = p->conn;

        if (error != 0) {
                b->counters.failed++;
                snprintf(msg, sizeof(msg), "failed: %s allowed by %s, but %s: %s",
                         p->what, p->rule, failure, strerror(error));
                data = NULL;
                n_data = 0;
        } else {
                b->counters.operations++;
                snprintf(msg, sizeof(msg), "done: %s by %s%s", p->what, p->rule, result ?: "");
        }
        if (!c) {
                pending_record_orphan(p, error ? AUDIT_FAILED : AUDIT_OPERATION, error ?: ECONNRESET,
                             "the client hung up before the answer");
                return;
        }
        conn_record(error ? AUDIT_FAILED : AUDIT_OPERATION, c, &p->request, p->what, p->rule, error,
              error ? msg : NULL);
        if (conn_reply_data(c, p->request_id, error, msg, p->rule, -1, data, n_data) < 0)
                conn_shutdown(c);
}

static void broker_take_done(struct broker *b, const struct opener_done *m)
{
        struct pending *p = pending_pop(b, m->hdr.seq, OPENER_MSG_DONE);
        char failure[64];

        if (!p)
                return;
        snprintf(failure, sizeof(failure), "%s failed", opener_stage_to_string(m->stage));
        op_finish(b, p, m->error, failure, NULL, NULL, 0);
}

/* The answer to an HCI command: its return parameters go back in the
 * reply's data, the status byte first. */
static void broker_take_hci_done(struct broker *b, const struct opener_hci_done *m)
{
        struct pending *p = pending_pop(b, m->hdr.seq, OPENER_MSG_HCI_DONE);
        char result[64];

        if (!p)
                return;
        snprintf(result, sizeof(result), "; %s, status 0x%02x",
                 m->event == HCI_EV_CMD_STATUS ? "command status" : "command complete",
                 m->n_data ? m->data[0] : 0);
        op_finish(b, p, m->error, m->error == ETIMEDOUT ? "the controller did not answer"
                                                        : "the controller failed",
                  result, m->data, m->n_data);
}

/*
 * Hands c the socket granted for its request id, with the reply: counted,
 * audited (before the reply, so that no socket is held unaudited) and
 * recorded for Status. Returns 0, with fd passed on and closed, or the
 * negative errno of a reply that could not be sent, fd still the
 * caller's.
 */
static int conn_grant(struct conn *c, uint32_t id, const struct policy_request *req,
                      const char *what, const char *rule, int fd)
{
        struct broker *b = c->broker;
        char msg[SB_PROTO_MAX_REASON];
        uint64_t start;
        int r;

        b->counters.granted[broker_family_from_af(req->family)]++;
        conn_record(AUDIT_GRANTED, c, req, what, rule, 0, NULL);
        /* Before the reply, while the client surely waits for it. */
        start = status_peer_start_time(&c->peer);
        snprintf(msg, sizeof(msg), "granted %s by %s", what, rule);
        r = conn_reply(c, id, 0, msg, rule, fd);
        if (r < 0)
                return r;
        /* Our copy goes now. The client may have closed its own
         * already, which makes this close the last: the closer thread
         * waits for the packet socket's grace period, not the loop. */
        closer_close(fd, req->family);
        conn_record_grant(c, what, rule, start);
        return 0;
}

/* fd: the granted socket, or -1 when the opener failed, or when it sent
 * one and the broker could not receive it (lost). */
static void broker_take_result(struct broker *b, const struct opener_result *m, int fd, bool lost)
{
        char msg[SB_PROTO_MAX_REASON];
        struct pending *p;
        struct conn *c;
        int error = m->error;

        p = pending_pop(b, m->hdr.seq, OPENER_MSG_RESULT);
        if (!p) {
                safe_close(fd);
                return;
        }
        c = p->conn;

        if (error == 0 && lost) {
                error = EMFILE;
                snprintf(msg, sizeof(msg), "failed: %s allowed by %s, but the broker could not "
                         "receive the socket: its descriptor table is full", p->what, p->rule);
                log_warning("a granted socket could not be received: the descriptor table is full");
        } else if (error != 0) {
                snprintf(msg, sizeof(msg), "failed: %s allowed by %s, but %s failed: %s",
                         p->what, p->rule, opener_stage_to_string(m->stage), strerror(error));
        }

        if (!c) {
                if (fd >= 0)
                        opener_close_later(b, fd, p->request.family);
                pending_record_orphan(p, error ? AUDIT_FAILED : AUDIT_GRANTED, error ?: ECONNRESET,
                             error ? msg : "the client hung up before the answer; the socket "
                             "went back to the opener to be closed");
                return;
        }

        if (error != 0) {
                b->counters.failed++;
                conn_record(AUDIT_FAILED, c, &p->request, p->what, p->rule, error, msg);
                if (conn_reply(c, p->request_id, error, msg, p->rule, -1) < 0)
                        conn_shutdown(c);
                return;
        }

        if (conn_grant(c, p->request_id, &p->request, p->what, p->rule, fd) < 0) {
                /* The client has gone: the opener closes the socket. */
                opener_close_later(b, fd, p->request.family);
                conn_shutdown(c);
        }
}

/* ---- spares --------------------------------------------------------------- */

static void broker_spares_arm(struct broker *b)
{
        uint64_t next = spares_next_expiry(&b->spares);

        if (next == UINT64_MAX) {
                (void)sd_event_source_set_enabled(b->spares_expiry, SD_EVENT_OFF);
                return;
        }
        (void)sd_event_source_set_time(b->spares_expiry, next + 1);
        (void)sd_event_source_set_enabled(b->spares_expiry, SD_EVENT_ONESHOT);
}

static int on_spares_expiry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct broker *b = userdata;

        spares_expire(&b->spares, now_mono());
        broker_spares_arm(b);
        return 0;
}

/*
 * Whether c's request m may be answered with a spare: one of the kind
 * spares are made for, and under netns=client only for a client in the
 * opener's network namespace. The broker's end of a connection is in
 * the namespace of the client's socket (conn_forward()); its cookie is
 * read once.
 */
static bool conn_spares_reach(struct conn *c, const struct opener_open *m)
{
        socklen_t len = sizeof(c->netns_cookie);

        if (!spares_eligible(m))
                return false;
        if (!(m->flags & OPENER_OPEN_CLIENT_NETNS))
                return true;
        if (c->netns_cookie == 0 &&
            getsockopt(c->fd, SOL_SOCKET, SO_NETNS_COOKIE, &c->netns_cookie, &len) < 0)
                c->netns_cookie = 0;
        return c->netns_cookie != 0 && c->netns_cookie == c->broker->opener_netns_cookie;
}

/* After a grant of m to c: asks the opener for spares of its kind when
 * few are left, with c's connection as the witness the opener checks
 * under netns=client. */
static void conn_want_spares(struct conn *c, const struct opener_open *m)
{
        struct broker *b = c->broker;
        struct opener_open msg;
        int fd;

        if (!spares_want(&b->spares, m, b->next_seq, now_mono(), &msg))
                return;
        fd = (msg.flags & OPENER_OPEN_CLIENT_NETNS) ? c->fd : -1;
        if (fdmsg_send(b->opener_fd, &msg, sizeof(msg), &fd, fd >= 0 ? 1 : 0, MSG_DONTWAIT) < 0) {
                spares_refill_failed(&b->spares, b->next_seq);
                return;
        }
        b->next_seq++;
}

/* Spares from the opener; none when it could not make them (the next
 * request of their kind then goes to it, and says why) or when the
 * descriptor table had no room. */
static void broker_take_spares(struct broker *b, const struct opener_spares *m, int *fds, size_t n_fds)
{
        if (!spares_fill(&b->spares, m->hdr.seq, fds, n_fds, now_mono())) {
                log_error("the opener answered request %u, which is not in flight as such", m->hdr.seq);
                sd_event_exit(b->event, BROKER_EXIT_OPENER);
                return;
        }
        broker_spares_arm(b);
}

/* ---- the next opener ------------------------------------------------------ */

/*
 * An opener on its own (--opener-socket) is one its service manager
 * restarts: after a crash, or to load a policy that needs capabilities
 * it dropped. The broker then stays. It answers what was in flight,
 * stops reading requests, connects to the opener's socket again (which
 * starts the next one), and serves again once that one has sent its
 * policy; a client meanwhile waits, unread, for at most as long as an
 * opener may take to answer (--opener-timeout). A forked opener is gone
 * for good, and so is its broker.
 */

static int on_opener_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

int broker_connect_opener(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t len = strlen(path);
        _cleanup_close_ int fd = -1;

        if (len >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, len);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

static void broker_reconnect_at(struct broker *b, uint64_t usec)
{
        (void)sd_event_source_set_time(b->opener_reconnect, usec);
        (void)sd_event_source_set_enabled(b->opener_reconnect, SD_EVENT_ONESHOT);
}

static uint64_t broker_reconnect_deadline(const struct broker *b)
{
        return b->opener_lost_usec + b->limits.opener_timeout_sec * USEC_PER_SEC;
}

static int broker_opener_lost(struct broker *b, const char *why)
{
        /* Its spares are good, but the next may serve another policy. */
        spares_clear(&b->spares, true);
        broker_spares_arm(b);
        if (!b->opener_socket) {
                log_error("the opener has gone (%s); answering %u request(s) in flight and exiting",
                          why, b->n_pending);
                pending_fail_all(b, EPIPE, "the opener has gone");
                return sd_event_exit(b->event, BROKER_EXIT_OPENER);
        }
        b->opener_io = sd_event_source_disable_unref(b->opener_io);
        b->opener_fd = safe_close(b->opener_fd);
        if (!b->opener_ready) {
                /* One that takes the connection and drops it (a broker
                 * of another uid, say) is not tried again at once. */
                log_warning("the next opener hung up before sending its policy (%s)", why);
                broker_reconnect_at(b, now_mono() + BROKER_RECONNECT_USEC);
                return 0;
        }
        log_warning("the opener has gone (%s); answering %u request(s) in flight and connecting "
                    "to the next", why, b->n_pending);
        b->opener_ready = false;
        b->opener_lost_usec = now_mono();
        pending_fail_all(b, EPIPE, "the opener has gone");
        broker_update_io(b, NULL);
        sd_notify(false, "STATUS=Waiting for the next opener");
        broker_reconnect_at(b, b->opener_lost_usec);
        return 0;
}

/* Every BROKER_RECONNECT_USEC until the next opener listens; once
 * connected, at the deadline for its policy. */
static int on_opener_reconnect(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct broker *b = userdata;
        int fd, r;

        if (now_mono() >= broker_reconnect_deadline(b)) {
                log_error("no opener at %s sent a policy within %us; exiting", b->opener_socket,
                          b->limits.opener_timeout_sec);
                return sd_event_exit(b->event, BROKER_EXIT_OPENER);
        }
        if (b->opener_fd >= 0) {
                /* Connected: its policy may still come in time. */
                broker_reconnect_at(b, broker_reconnect_deadline(b));
                return 0;
        }
        fd = broker_connect_opener(b->opener_socket);
        if (fd == -ENOENT || fd == -ECONNREFUSED || fd == -EAGAIN) {
                uint64_t next = now_mono() + BROKER_RECONNECT_USEC;

                broker_reconnect_at(b, next < broker_reconnect_deadline(b) ? next
                                                                         : broker_reconnect_deadline(b));
                return 0;
        }
        if (fd < 0) {
                log_error("cannot reach the opener at %s: %s; exiting", b->opener_socket, strerror(-fd));
                return sd_event_exit(b->event, BROKER_EXIT_OPENER);
        }
        r = sd_event_add_io(b->event, &b->opener_io, fd, EPOLLIN, on_opener_io, b);
        if (r < 0) {
                safe_close(fd);
                log_error("cannot watch the opener's socket: %s; exiting", strerror(-r));
                return sd_event_exit(b->event, BROKER_EXIT_OPENER);
        }
        b->opener_fd = fd;
        log_info("connected to the opener at %s; waiting for its policy", b->opener_socket);
        broker_reconnect_at(b, broker_reconnect_deadline(b));
        return 0;
}

/* The next opener's first message: its policy, which the broker serves
 * from now on. One that has none is no opener to serve with. */
static int broker_opener_found(struct broker *b, const struct opener_policy *m, int fd)
{
        if (broker_take_policy(b, m, fd) < 0) {
                log_error("the next opener has no policy to serve; exiting");
                return sd_event_exit(b->event, BROKER_EXIT_OPENER);
        }
        b->opener_ready = true;
        b->reloading = false;
        (void)sd_event_source_set_enabled(b->opener_reconnect, SD_EVENT_OFF);
        broker_update_io(b, NULL);
        log_info("the next opener serves policy generation %u", b->generation);
        sd_notify(false, "READY=1");
        broker_set_status(b);
        return 0;
}

static int on_opener_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct broker *b = userdata;
        union {
                struct opener_hdr hdr;
                struct opener_result result;
                struct opener_done done;
                struct opener_hci_done hci_done;
                struct opener_policy policy;
                struct opener_spares spares;
                char raw[OPENER_MAX_MESSAGE];
        } buf;
        int fds[FDMSG_MAX_FDS];
        size_t n_fds, sent_fds;
        bool lost;
        ssize_t n;
        int type;

        /* A descriptor lost to a full table still leaves the message,
         * which says whom to tell. */
        n = fdmsg_recv_lossy(fd, &buf, sizeof(buf), fds, OPENER_MAX_SPARES, &n_fds, &lost,
                             MSG_DONTWAIT);
        if (n == -EAGAIN)
                return 0;
        if (n <= 0)
                return broker_opener_lost(b, n == 0 ? "hung up" : strerror((int)-n));

        /* The descriptors sent, as far as the message says: checked with
         * the rest of it. */
        sent_fds = n_fds;
        if (lost)
                sent_fds = buf.hdr.type == OPENER_MSG_SPARES ? buf.spares.count : 1;
        type = opener_msg_check(&buf, (size_t)n, sent_fds);
        if (type >= 0 && !b->opener_ready && type != OPENER_MSG_POLICY)
                type = -EPROTO;     /* a new opener speaks first with its policy */
        if (lost && type != OPENER_MSG_RESULT && type != OPENER_MSG_SPARES) {
                log_error("a message from the opener lost its descriptor: the descriptor table "
                          "is full; exiting");
                return sd_event_exit(b->event, EXIT_FAILURE);
        }
        if (type < 0) {
                fdmsg_close_all(fds, n_fds);
                log_error("invalid message from the opener: %s", strerror(-type));
                pending_fail_all(b, EPROTO, "the opener broke the protocol");
                return sd_event_exit(b->event, BROKER_EXIT_OPENER);
        }

        switch ((enum opener_msg_type)type) {
        case OPENER_MSG_RESULT:
                broker_take_result(b, &buf.result, n_fds ? fds[0] : -1, lost);
                break;
        case OPENER_MSG_DONE:
                broker_take_done(b, &buf.done);
                break;
        case OPENER_MSG_HCI_DONE:
                broker_take_hci_done(b, &buf.hci_done);
                break;
        case OPENER_MSG_SPARES:
                broker_take_spares(b, &buf.spares, fds, n_fds);
                break;
        case OPENER_MSG_POLICY: {
                int r;

                if (!b->opener_ready) {
                        r = broker_opener_found(b, &buf.policy, n_fds ? fds[0] : -1);
                        fdmsg_close_all(fds, n_fds);
                        return r;
                }
                b->reloading = false;
                r = broker_take_policy(b, &buf.policy, n_fds ? fds[0] : -1);
                fdmsg_close_all(fds, n_fds);
                if (r < 0 && buf.policy.error == 0) {
                        /* The opener has switched to an image we cannot use. */
                        log_error("cannot follow the opener to policy generation %u; exiting",
                                  buf.policy.generation);
                        return sd_event_exit(b->event, EXIT_FAILURE);
                }
                if (r < 0)
                        log_warning("reload failed; still serving policy generation %u", b->generation);
                sd_notify(false, "READY=1");
                broker_set_status(b);
                break;
        }
        case OPENER_MSG_OPEN:
        case OPENER_MSG_RELOAD:
        case OPENER_MSG_CLOSE:
        case OPENER_MSG_BIND:
        case OPENER_MSG_SETOPT:
        case OPENER_MSG_LINK:
        case OPENER_MSG_HCI:
        case OPENER_MSG_SPARE:
                fdmsg_close_all(fds, n_fds);
                log_error("opener sent a broker-to-opener message (type %d)", type);
                pending_fail_all(b, EPROTO, "the opener broke the protocol");
                return sd_event_exit(b->event, BROKER_EXIT_OPENER);
        }
        return 0;
}

/* ---- requests ------------------------------------------------------------ */

/*
 * Decides pr for c. On an allow, sets *ret_rule, with pr's text in what
 * and the rule's "file:line" in where. Otherwise counts, audits and
 * answers the denial itself and sets *ret_rule to NULL. Returns 0, or the
 * negative errno of an answer that could not be sent.
 */
static int conn_decide(struct conn *c, uint32_t id, const struct policy_request *pr,
                       char *what, size_t what_size, char *where, size_t where_size,
                       const struct policy_rule **ret_rule)
{
        struct broker *b = c->broker;
        const struct policy_rule *rule = NULL;
        struct policy_peer peer;
        enum policy_verdict v;

        *ret_rule = NULL;
        conn_policy_peer(c, &peer);
        policy_request_format(pr, what, what_size);
        v = policy_check(b->policy, &peer, pr, &rule);
        where[0] = 0;
        if (rule)
                snprintf(where, where_size, "%s:%u", rule->file, rule->line);

        switch (v) {
        case POLICY_VERDICT_NO_MATCH: {
                char hint[128];

                b->counters.denied[broker_family_from_af(pr->family)]++;
                conn_record(AUDIT_DENIED, c, pr, what, NULL, EPERM, NULL);
                /* A socket asked for without the address a bind() names
                 * later: say on which the rules would allow it. */
                request_address_hint(b->policy, &peer, pr, hint, sizeof(hint));
                return conn_refuse(c, id, EPERM, "denied: no rule allows %s for uid %u (%zu rules in %zu file(s))%s%s",
                                   what, c->peer.uid, policy_n_rules(b->policy), policy_n_files(b->policy),
                                   hint[0] ? "; allowed on: " : "", hint);
        }
        case POLICY_VERDICT_DENY:
                b->counters.denied[broker_family_from_af(pr->family)]++;
                conn_record(AUDIT_DENIED, c, pr, what, where, EPERM, NULL);
                return conn_reply(c, id, EPERM, "denied by rule", where, -1);
        case POLICY_VERDICT_ALLOW:
                break;
        }
        *ret_rule = rule;
        return 0;
}

/*
 * Seals an allowed request and hands its message to the opener, with the
 * client's socket for Bind and SetOption, or the connection itself when
 * the rule works in the client's network namespace: the kernel made the
 * broker's end of it in the namespace of the socket the client connected
 * with (unix_stream_connect()), so no client can name another one per
 * request. Keeps it in flight; replies itself when it cannot. Returns as
 * conn_decide().
 */
static int conn_forward(struct conn *c, struct request *r, const struct policy_rule *rule,
                        const char *what, const char *where, int client_fd)
{
        struct broker *b = c->broker;
        struct pending *p;
        bool spare;
        int fd;

        /* Reading stops before any limit is reached (conn_may_read()),
         * so this is a defence, not a path. */
        if (b->n_pending >= b->limits.max_inflight)
                return conn_refuse(c, r->id, EAGAIN, "busy: %u requests in flight; try again",
                                   b->n_pending);
        request_seal(r, rule, b->generation, b->next_seq);
        spare = r->op == REQUEST_OPEN && conn_spares_reach(c, &r->msg.open);
        if (spare) {
                int e;

                fd = spares_take(&b->spares, &r->msg.open, now_mono());
                if (fd >= 0) {
                        e = conn_grant(c, r->id, &r->policy, what, where, fd);
                        if (e < 0)
                                safe_close(fd);
                        else
                                conn_want_spares(c, &r->msg.open);
                        return e;
                }
        }
        fd = r->client_socket ? client_fd : r->netns_witness ? c->fd : -1;
        if (fdmsg_send(b->opener_fd, &r->msg, r->msg_size, &fd, fd >= 0 ? 1 : 0, MSG_DONTWAIT) < 0)
                return conn_refuse(c, r->id, EAGAIN, "busy: the opener is not keeping up; try again");

        p = pending_push(c);
        assert(p);
        pending_set_request(p, &r->policy);
        p->answer = r->answer;
        p->seq = b->next_seq++;
        p->request_id = r->id;
        snprintf(p->what, sizeof(p->what), "%s", what);
        snprintf(p->rule, sizeof(p->rule), "%s", where);
        if (spare)
                conn_want_spares(c, &r->msg.open);
        return 0;
}

/*
 * Every operation takes the same path: the pure request layer maps it
 * (request_build()), the policy decides, and an allowed one goes to the
 * opener. fd: the socket the client sent with a Bind or SetOption.
 */
static int conn_handle_request(struct conn *c, const SbRequest *req, int fd)
{
        struct policy_request sock = {};
        const struct policy_rule *rule;
        char what[160], where[300], why[SB_PROTO_MAX_REASON];
        struct request r;
        int e;

        test_hook_forbidden_syscall("broker");
        if (request_needs_socket(req)) {
                e = sockinfo_read(fd, &sock);
                if (e < 0)
                        return conn_refuse(c, req->id, -e, "bad request: the descriptor sent is not "
                                           "a socket");
        }
        e = request_build(req, request_needs_socket(req) ? &sock : NULL, &r, why, sizeof(why));
        if (e > 0)
                return conn_refuse(c, req->id, e, "%s", why);
        if (r.op == REQUEST_STATUS)
                return conn_handle_status(c, req);

        e = conn_decide(c, r.id, &r.policy, what, sizeof(what), where, sizeof(where), &rule);
        if (e < 0 || !rule)
                return e;
        return conn_forward(c, &r, rule, what, where, fd);
}

/*
 * Answers a malformed request: counted, audited within the uid's share,
 * and refused. The connection is ended after BROKER_MAX_BAD_REQUESTS of
 * them: a client that speaks the protocol does not send many, and one
 * that sends a stray byte now and then must not keep its slot.
 */
_printf_(4, 5)
static int conn_bad_request(struct conn *c, uint32_t id, int error, const char *fmt, ...)
{
        char why[SB_PROTO_MAX_REASON];
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        c->broker->counters.bad++;
        c->n_bad++;
        conn_identify(c);
        conn_record(AUDIT_BAD_REQUEST, c, NULL, NULL, NULL, error, why);
        if (c->n_bad < BROKER_MAX_BAD_REQUESTS)
                return conn_refuse(c, id, error, "bad request: %s", why);
        r = conn_refuse(c, id, error, "bad request: %s; closing the connection after %u malformed "
                        "requests", why, BROKER_MAX_BAD_REQUESTS);
        return r < 0 ? r : -EPROTO;
}

/* Handles one message. Returns 0, CONN_EMPTY when there was none to
 * read, or a negative errno when the connection must end (-ECONNRESET:
 * the client hung up). */
#define CONN_EMPTY 1
static int conn_handle_message(struct conn *c)
{
        struct broker *b = c->broker;
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char why[SB_PROTO_MAX_REASON];
        int fds[FDMSG_MAX_FDS];
        SbRequest *req = NULL;
        size_t n_fds;
        ssize_t n;
        int r;

        n = fdmsg_recv(c->fd, buf, sizeof(buf), fds, FDMSG_MAX_FDS, &n_fds, MSG_DONTWAIT);
        if (n == -EAGAIN)
                return CONN_EMPTY;
        if (n == 0) {
                /* SOCK_SEQPACKET: 0 is either the end of the connection or
                 * a message of no bytes; only a hang-up sets POLLRDHUP. A
                 * message of no bytes may still carry descriptors. */
                struct pollfd pfd = { .fd = c->fd, .events = POLLRDHUP };

                fdmsg_close_all(fds, n_fds);
                if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP)))
                        return -ECONNRESET;
                return conn_bad_request(c, 0, EBADMSG, "empty message");
        }
        if (n == -ECONNRESET)
                return -ECONNRESET;
        if (n == -EMSGSIZE)
                return conn_bad_request(c, 0, EMSGSIZE, "larger than %u bytes", SB_PROTO_MAX_MESSAGE);
        if (n == -EBADMSG || n == -ENOBUFS)
                return conn_bad_request(c, 0, EBADMSG, "%s (a request carries at most %u)",
                                        n == -ENOBUFS ? "control data truncated: too many descriptors"
                                                      : "too many descriptors", SB_PROTO_MAX_FDS);
        if (n < 0) {
                log_warning("uid=%u pid=%d: receive failed: %s; disconnecting",
                            c->peer.uid, c->peer.pid, strerror((int)-n));
                return (int)n;
        }
        user_account_read(b, c->user);

        r = sb_proto_request_decode(buf, (size_t)n, n_fds, &req, why, sizeof(why));
        if (r == -EOPNOTSUPP || r == -EAFNOSUPPORT) {
                /* Well formed, but for something this daemon does not do:
                 * answered, not held against the connection. */
                fdmsg_close_all(fds, n_fds);
                return conn_refuse(c, 0, -r, "unsupported: %s", why);
        }
        if (r < 0) {
                fdmsg_close_all(fds, n_fds);
                return conn_bad_request(c, 0, -r, "%s", why);
        }

        /* Only a request that means something keeps the connection. */
        c->last_active = now_mono();
        (void)sd_event_source_set_time(c->idle, c->last_active +
                                       b->limits.idle_timeout_sec * USEC_PER_SEC);
        (void)sd_event_source_set_enabled(c->idle, SD_EVENT_ONESHOT);
        conn_identify(c);

        if (c->peer.unmapped) {
                b->counters.denied[BROKER_FAMILY_OTHER]++;
                conn_record(AUDIT_DENIED, c, NULL, request_op_name(req), NULL, EPERM, "uid not mapped here");
                r = conn_refuse(c, req->id, EPERM, "denied: uid %u is what the kernel reports for any uid "
                                "this daemon's user namespace does not map, so the peer cannot be told "
                                "apart from others", c->peer.uid);
        } else {
                r = conn_handle_request(c, req, n_fds ? fds[0] : -1);
        }
        fdmsg_close_all(fds, n_fds);
        sb_proto_request_free(req);
        return r;
}

/* ---- connections ------------------------------------------------------- */

/*
 * The one place a connection is freed (struct conn). Its reading is
 * edge-triggered (conn_accept()): it reads until the socket is empty,
 * until the limits stop reading (conn_may_read(), which takes it out of
 * the loop's set until they allow it again), or for at most
 * BROKER_READS_PER_TURN messages, after which it goes back into the set
 * behind the others.
 */
static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;
        unsigned n = 0;
        int r = 0;

        if (!c->closing) {
                if (revents & EPOLLIN) {
                        do
                                r = conn_handle_message(c);
                        while (r == 0 && !c->closing && conn_may_read(c) &&
                               ++n < BROKER_READS_PER_TURN);
                        if (r == 0 && !c->closing && conn_may_read(c))
                                conn_rearm(c);
                } else if (revents & (EPOLLHUP | EPOLLERR)) {
                        r = -ECONNRESET;
                }
        }
        if (r < 0 || c->closing)
                conn_free(c);
        return 0;
}

static int on_listen_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct broker *b = userdata;

        return sd_event_source_set_enabled(b->listen_io, SD_EVENT_ON);
}

/* Accepts a bounded batch, so that connections cannot crowd out the
 * requests of those already made. */
static int on_listen_io(sd_event_source *s, int lfd, uint32_t revents, void *userdata)
{
        struct broker *b = userdata;

        for (unsigned i = 0; i < BROKER_ACCEPT_BATCH; i++) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

                if (fd < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                return 0;
                        /* Out of descriptors or memory: pause accepting for a
                         * moment rather than spin on a socket that stays
                         * readable. */
                        log_warning("accept: %m; pausing for 1s");
                        (void)sd_event_source_set_enabled(b->listen_io, SD_EVENT_OFF);
                        (void)sd_event_source_set_time_relative(b->listen_retry, USEC_PER_SEC);
                        (void)sd_event_source_set_enabled(b->listen_retry, SD_EVENT_ONESHOT);
                        return 0;
                }
                (void)conn_accept(b, fd, on_conn_io);
        }
        return 0;
}

/* ---- signals and main ---------------------------------------------------- */

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct broker *b = userdata;
        struct opener_reload m;

        if (b->reloading) {
                log_notice("reload already in progress");
                return 0;
        }
        if (!b->opener_ready) {
                log_notice("no reload: the next opener loads the policy as it starts");
                return 0;
        }
        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_RELOAD, 0 };
        if (fdmsg_send(b->opener_fd, &m, sizeof(m), NULL, 0, MSG_DONTWAIT) < 0) {
                log_warning("cannot ask the opener to reload; try again");
                return 0;
        }
        b->reloading = true;
        {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
                           (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000);
        }
        log_info("reloading the policy");
        return 0;
}

static int broker_first_policy(struct broker *b)
{
        union {
                struct opener_hdr hdr;
                struct opener_policy policy;
                char raw[OPENER_MAX_MESSAGE];
        } buf;
        struct pollfd pfd = { .fd = b->opener_fd, .events = POLLIN };
        int fds[FDMSG_MAX_FDS];
        size_t n_fds;
        ssize_t n;
        int r;

        r = poll(&pfd, 1, BROKER_POLICY_TIMEOUT_MS);
        if (r <= 0)
                return log_error_errno(-ETIMEDOUT, "the opener sent no policy");
        n = fdmsg_recv(b->opener_fd, &buf, sizeof(buf), fds, 1, &n_fds, MSG_DONTWAIT);
        if (n <= 0)
                return log_error_errno(-EPIPE, "the opener exited before sending a policy");
        if (opener_msg_check(&buf, (size_t)n, n_fds) != OPENER_MSG_POLICY) {
                fdmsg_close_all(fds, n_fds);
                return log_error_errno(-EBADMSG, "the opener sent something other than a policy");
        }
        r = broker_take_policy(b, &buf.policy, n_fds ? fds[0] : -1);
        fdmsg_close_all(fds, n_fds);
        return r;
}

static void broker_done(struct broker *b)
{
        while (b->conns)
                conn_free(b->conns);
        user_free_all(b);
        sd_event_source_disable_unref(b->users_sweep);
        sd_event_source_disable_unref(b->shares);
        sd_event_source_disable_unref(b->opener_watch);
        sd_event_source_disable_unref(b->listen_io);
        sd_event_source_disable_unref(b->listen_retry);
        sd_event_source_disable_unref(b->opener_io);
        sd_event_source_disable_unref(b->opener_reconnect);
        sd_event_source_disable_unref(b->spares_expiry);
        spares_clear(&b->spares, true);
        b->event = sd_event_unref(b->event);
        b->policy = policy_free(b->policy);
        free(b->pending);
        b->pending = NULL;
        grant_ring_done(&b->grants);
        peer_cache_done(&b->peer_cache);
}

/*
 * Collects a forked opener and says how it ended. One that stopped
 * answering may be stopped, not just slow: the broker, another uid,
 * cannot signal it, and waits only for one that has exited already; the
 * opener ends by itself when it next reads the socketpair and finds it
 * hung up.
 */
static void broker_reap_opener(pid_t pid, bool failed)
{
        int status;
        pid_t r;

        /* One that hung up is exiting: give it a moment to be collected. */
        if (failed) {
                _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
                struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

                if (pidfd >= 0)
                        (void)poll(&pfd, 1, BROKER_REAP_WAIT_MS);
        }
        do
                r = waitpid(pid, &status, failed ? WNOHANG : 0);
        while (r < 0 && errno == EINTR);
        if (r != pid) {
                if (failed)
                        log_error("the opener (pid %d) is still there; it ends when it next reads "
                                  "and finds the broker gone", (int)pid);
                return;
        }
        if (WIFSIGNALED(status))
                log_full(failed ? LOG_ERR : LOG_INFO, "the opener (pid %d) was killed by signal %d (%s)",
                         (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
        else if (WIFEXITED(status) && (failed || WEXITSTATUS(status) != 0))
                log_full(failed ? LOG_ERR : LOG_WARNING, "the opener (pid %d) exited with status %d",
                         (int)pid, WEXITSTATUS(status));
}

int broker_check_nofile(const struct broker_limits *limits)
{
        uint64_t need = 2 * (uint64_t)limits->max_connections + BROKER_FD_RESERVE;
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return log_error_errno(negative_errno(), "getrlimit(RLIMIT_NOFILE): %m");
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need)
                return 0;
        if (rl.rlim_cur == RLIM_INFINITY)
                return 0;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
                return log_error_errno(-EMFILE, "--max-connections=%u needs %" PRIu64 " descriptors "
                                       "(two per connection and %u more), but RLIMIT_NOFILE allows "
                                       "%llu; raise the limit (LimitNOFILE= under systemd) or lower "
                                       "--max-connections", limits->max_connections, need,
                                       BROKER_FD_RESERVE, (unsigned long long)rl.rlim_max);
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                return log_error_errno(negative_errno(), "setrlimit(RLIMIT_NOFILE, %" PRIu64 "): %m",
                                       need);
        log_info("raised the soft RLIMIT_NOFILE to %" PRIu64 " for --max-connections=%u",
                 need, limits->max_connections);
        return 0;
}

int broker_main(int listen_fd, int opener_fd, pid_t opener_pid, const char *opener_socket,
                const struct broker_limits *limits)
{
        struct broker b = {
                .limits = *limits,
                .listen_fd = listen_fd,
                .opener_fd = opener_fd,
                .opener_pid = opener_pid,
                .opener_socket = opener_socket,
                .next_seq = 1,
        };
        sigset_t mask;
        int r, exit_status = EXIT_FAILURE;

        if (b.limits.max_inflight == 0 || b.limits.max_pending == 0 ||
            b.limits.max_inflight_per_uid == 0)
                return log_error_errno(EXIT_FAILURE, "limits must be at least 1");
        b.pending = calloc(b.limits.max_inflight, sizeof(*b.pending));
        if (!b.pending || grant_ring_init(&b.grants, b.limits.max_grants) < 0) {
                free(b.pending);
                return log_error_errno(EXIT_FAILURE, "out of memory");
        }
        broker_status_start(&b);

        (void)peer_idmap_read(&b.idmap);
        if (!b.idmap.all_uids)
                log_info("in a user namespace that does not map every uid: peers reported as "
                         "uid %u are refused, as the kernel reports any uid it cannot name so",
                         b.idmap.overflow_uid);
        if (broker_first_policy(&b) < 0)
                goto finish;
        b.opener_ready = true;

        audit_init(getenv("JOURNAL_STREAM") != NULL, b.limits.log_rate, b.limits.log_rate * 5);

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        /* The backlog the service manager or listen_socket() set, made
         * short (see BROKER_LISTEN_BACKLOG). */
        if (listen(listen_fd, BROKER_LISTEN_BACKLOG) < 0)
                log_warning("cannot shorten the listen backlog: %m");

        r = sd_event_default(&b.event);
        if (r >= 0)
                r = sd_event_add_signal(b.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(b.event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(b.event, NULL, SIGHUP, on_sighup, &b);
        if (r >= 0)
                r = sd_event_add_io(b.event, &b.listen_io, listen_fd, EPOLLIN, on_listen_io, &b);
        if (r >= 0)
                r = sd_event_source_set_priority(b.listen_io, BROKER_PRIORITY_ACCEPT);
        if (r >= 0)
                r = sd_event_add_time_relative(b.event, &b.listen_retry, CLOCK_MONOTONIC,
                                               USEC_PER_SEC, 0, on_listen_retry, &b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b.listen_retry, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(b.event, &b.opener_watch, CLOCK_MONOTONIC, 0, 0,
                                      pending_on_deadline, &b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b.opener_watch, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(b.event, &b.shares, CLOCK_MONOTONIC, 0, 0, user_on_window_end, &b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b.shares, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(b.event, &b.users_sweep, CLOCK_MONOTONIC,
                                               USEC_PER_SEC, 0, user_on_sweep, &b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b.users_sweep, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(b.event, &b.spares_expiry, CLOCK_MONOTONIC, 0, 0,
                                      on_spares_expiry, &b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b.spares_expiry, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(b.event, &b.opener_reconnect, CLOCK_MONOTONIC, 0, 0,
                                      on_opener_reconnect, &b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b.opener_reconnect, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_io(b.event, &b.opener_io, opener_fd, EPOLLIN, on_opener_io, &b);
        if (r >= 0)
                r = sd_event_set_watchdog(b.event, true);
        if (r < 0) {
                log_error("cannot set up the event loop: %s", strerror(-r));
                goto finish;
        }

        /* Unprivileged already: the closer thread has nothing to drop. */
        r = closer_start();
        if (r < 0) {
                log_error("cannot start the closer thread: %s", strerror(-r));
                goto finish;
        }
        /* From here on the loop makes only the calls it needs. */
        r = seccomp_lock(opener_socket ? &seccomp_filter_broker_reconnect : &seccomp_filter_broker);
        if (r < 0) {
                log_error("cannot load the seccomp filter: %s", strerror(-r));
                goto finish;
        }
        sd_notify(false, "READY=1");
        broker_set_status(&b);
        log_info("ready: %u max connections, %u per uid, %u pending per connection, "
                 "%u in flight per uid, %us idle timeout",
                 b.limits.max_connections, b.limits.max_connections_per_uid,
                 b.limits.max_pending, b.limits.max_inflight_per_uid, b.limits.idle_timeout_sec);

        r = sd_event_loop(b.event);
        exit_status = r < 0 ? EXIT_FAILURE : r;
        sd_notify(false, "STOPPING=1");
        log_info("stopping");

finish:
        broker_done(&b);
        /* Closing our end makes a forked opener exit; collect it. An
         * opener of its own (opener_pid 0) waits for the next broker. */
        safe_close(b.opener_fd);
        if (b.opener_pid > 0)
                broker_reap_opener(b.opener_pid, exit_status == BROKER_EXIT_OPENER);
        return exit_status;
}
