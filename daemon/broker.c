/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * broker.c - the unprivileged half of sockbrokerd.
 *
 * The broker runs the event loop. It accepts client connections on the
 * listening SOCK_SEQPACKET socket, pins each peer's identity, decodes
 * requests (every byte of which is hostile), decides them with the
 * compiled policy and, for a grant, asks the opener for the socket. The
 * opener answers in order, so requests in flight form a FIFO; their
 * replies go back asynchronously and a slow opener never blocks a
 * client, nor a client the loop.
 *
 * Every resource a client can consume is bounded (struct broker_limits):
 * connections in all and per uid, requests in flight per connection (the
 * connection is not read while it is at its limit) and in all, and idle
 * time. A client that does not read its replies is disconnected rather
 * than buffered for.
 *
 * Descriptors: the broker passes each granted socket on at once and
 * closes its copy right after the send, while the client still holds
 * one. A socket whose client has gone goes back to the opener to be
 * closed, since the last close of a packet socket waits for an RCU grace
 * period and must not stall this loop.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/can.h>
#include <linux/can/j1939.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <poll.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "common/bt.h"
#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"
#include "daemon/audit.h"
#include "daemon/broker-internal.h"
#include "daemon/broker.h"
#include "daemon/log.h"
#include "daemon/opener-proto.h"
#include "daemon/peer.h"
#include "daemon/sockinfo.h"
#include "policy/policy.h"
#include "proto/protocol.h"

#define USEC_PER_SEC UINT64_C(1000000)
#define BROKER_POLICY_TIMEOUT_MS (60 * 1000)

static void broker_set_status(struct broker *b)
{
        sd_notifyf(false, "STATUS=Serving %zu rules from %zu file(s), policy generation %u",
                   policy_n_rules(b->policy), policy_n_files(b->policy), b->generation);
}

/* ---- replies ----------------------------------------------------------- */

bool conn_send_reply(struct conn *c, SbReply *reply, int fd)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        ssize_t n;
        int len;

        reply->has_version = true;
        reply->version = SB_PROTO_VERSION;
        len = sb_proto_reply_encode(reply, buf, sizeof(buf));
        if (len < 0) {
                log_error("uid=%u pid=%d: cannot encode a reply", c->peer.uid, c->peer.pid);
                conn_free(c);
                return false;
        }
        n = fdmsg_send(c->fd, buf, (size_t)len, &fd, fd >= 0 ? 1 : 0, MSG_DONTWAIT);
        if (n < 0) {
                log_warning("uid=%u pid=%d: cannot send reply (%s); disconnecting",
                            c->peer.uid, c->peer.pid, strerror((int)-n));
                conn_free(c);
                return false;
        }
        return true;
}

/* conn_reply() with an operation's result in Reply.data. */
static bool conn_reply_data(struct conn *c, uint32_t id, int error, const char *message,
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

bool conn_reply(struct conn *c, uint32_t id, int error, const char *message,
                const char *rule, int fd)
{
        return conn_reply_data(c, id, error, message, rule, fd, NULL, 0);
}

_printf_(4, 5)
static bool conn_refuse(struct conn *c, uint32_t id, int error, const char *fmt, ...)
{
        char msg[SB_PROTO_MAX_REASON];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return conn_reply(c, id, error, msg, NULL, -1);
}

/* ---- opener ------------------------------------------------------------ */

static void opener_close_later(struct broker *b, int fd)
{
        struct opener_close m;

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_CLOSE, 0 };
        if (fdmsg_send(b->opener_fd, &m, sizeof(m), &fd, 1, MSG_DONTWAIT) < 0)
                log_warning("cannot hand a socket back to the opener; closing it here");
        safe_close(fd);
}

static int import_policy(int fd, uint64_t size, policy **ret)
{
        struct stat st;
        void *map;
        int seals, r;

        seals = fcntl(fd, F_GET_SEALS);
        if (seals < 0)
                return negative_errno();
        if ((seals & (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)) !=
            (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW))
                return -EPERM;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (size == 0 || (uint64_t)st.st_size != size || size > OPENER_MAX_POLICY_IMAGE)
                return -EBADMSG;

        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return negative_errno();
        r = policy_import(map, size, ret);
        munmap(map, size);
        return r;
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
        r = import_policy(fd, m->size, &p);
        if (r < 0)
                return log_error_errno(r, "cannot import the compiled policy: %s", strerror(-r));

        policy_free(b->policy);
        b->policy = p;
        b->generation = m->generation;
        log_info("policy generation %u: %zu rule(s) from %zu file(s)", b->generation,
                 policy_n_rules(p), policy_n_files(p));
        return 0;
}

static struct pending *pending_push(struct broker *b)
{
        struct pending *p;

        if (b->n_pending >= b->limits.max_inflight)
                return NULL;
        p = &b->pending[(b->pending_head + b->n_pending) % b->limits.max_inflight];
        b->n_pending++;
        memset(p, 0, sizeof(*p));
        return p;
}

/* Keeps the request in p for the record of its outcome. */
static void pending_set_request(struct pending *p, const struct policy_request *req)
{
        p->request = *req;
        p->request.ifname = NULL;
        if (req->ifname) {
                snprintf(p->ifname, sizeof(p->ifname), "%s", req->ifname);
                p->request.ifname = p->ifname;
        }
}

static void audit(enum audit_kind kind, const struct conn *c, const struct policy_request *req,
                  const char *what, const char *rule, int error, const char *reason)
{
        audit_log(&(struct audit_record) {
                .kind = kind,
                .peer = &c->peer,
                .request = req,
                .what = what,
                .rule = rule && rule[0] ? rule : NULL,
                .error = error,
                .reason = reason,
        });
}

static void conn_resume(struct conn *c)
{
        if (c->n_pending < c->broker->limits.max_pending)
                (void)sd_event_source_set_enabled(c->io, SD_EVENT_ON);
}

/* Takes the oldest request in flight, which the opener's answer with
 * seq must be about. NULL (and the loop ends) when it is not. */
static struct pending *pending_pop(struct broker *b, uint32_t seq, enum opener_msg_type answer)
{
        struct pending *p;

        if (b->n_pending == 0 || b->pending[b->pending_head].seq != seq ||
            b->pending[b->pending_head].answer != answer) {
                log_error("opener answered request %u out of order", seq);
                sd_event_exit(b->event, EXIT_FAILURE);
                return NULL;
        }
        p = &b->pending[b->pending_head];
        b->pending_head = (b->pending_head + 1) % b->limits.max_inflight;
        b->n_pending--;
        return p;
}

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

        c->n_pending--;
        if (error != 0) {
                b->counters.failed++;
                snprintf(msg, sizeof(msg), "failed: %s allowed by %s, but %s: %s",
                         p->what, p->rule, failure, strerror(error));
                audit(AUDIT_FAILED, c, &p->request, p->what, p->rule, error, msg);
                data = NULL;
                n_data = 0;
        } else {
                b->counters.operations++;
                snprintf(msg, sizeof(msg), "done: %s by %s%s", p->what, p->rule, result ?: "");
                audit(AUDIT_OPERATION, c, &p->request, p->what, p->rule, 0, NULL);
        }
        if (conn_reply_data(c, p->request_id, error, msg, p->rule, -1, data, n_data))
                conn_resume(c);
}

static void broker_take_done(struct broker *b, const struct opener_done *m)
{
        struct pending *p = pending_pop(b, m->hdr.seq, OPENER_MSG_DONE);
        char failure[64];

        if (!p || !p->conn)
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

        if (!p || !p->conn)
                return;
        snprintf(result, sizeof(result), "; %s, status 0x%02x",
                 m->event == HCI_EV_CMD_STATUS ? "command status" : "command complete",
                 m->n_data ? m->data[0] : 0);
        op_finish(b, p, m->error, m->error == ETIMEDOUT ? "the controller did not answer"
                                                        : "the controller failed",
                  result, m->data, m->n_data);
}

static void broker_take_result(struct broker *b, const struct opener_result *m, int fd)
{
        struct pending *p;
        struct conn *c;

        p = pending_pop(b, m->hdr.seq, OPENER_MSG_RESULT);
        if (!p) {
                safe_close(fd);
                return;
        }

        c = p->conn;
        if (!c) {
                if (fd >= 0)
                        opener_close_later(b, fd);
                return;
        }
        c->n_pending--;

        if (m->error != 0) {
                char msg[SB_PROTO_MAX_REASON];

                b->counters.failed++;
                snprintf(msg, sizeof(msg), "failed: %s allowed by %s, but %s failed: %s",
                         p->what, p->rule, opener_stage_to_string(m->stage), strerror(m->error));
                audit(AUDIT_FAILED, c, &p->request, p->what, p->rule, m->error, msg);
                if (conn_reply(c, p->request_id, m->error, msg, p->rule, -1))
                        conn_resume(c);
                return;
        }

        b->counters.granted[broker_family_from_af(p->request.family)]++;
        audit(AUDIT_GRANTED, c, &p->request, p->what, p->rule, 0, NULL);
        {
                char msg[SB_PROTO_MAX_REASON];
                /* Before the reply, while the client surely waits for it. */
                uint64_t start = status_peer_start_time(&c->peer);
                bool alive;

                snprintf(msg, sizeof(msg), "granted %s by %s", p->what, p->rule);
                alive = conn_reply(c, p->request_id, 0, msg, p->rule, fd);
                /* Our copy goes now, while the client holds its own. */
                safe_close(fd);
                if (alive) {
                        conn_record_grant(c, p->what, p->rule, start);
                        conn_resume(c);
                }
        }
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
                char raw[OPENER_MAX_MESSAGE];
        } buf;
        int fds[FDMSG_MAX_FDS];
        size_t n_fds;
        ssize_t n;
        int type;

        n = fdmsg_recv(fd, &buf, sizeof(buf), fds, 1, &n_fds, MSG_DONTWAIT);
        if (n == -EAGAIN)
                return 0;
        if (n <= 0) {
                log_error("the opener has gone (%s); exiting", n == 0 ? "hung up" : strerror((int)-n));
                return sd_event_exit(b->event, EXIT_FAILURE);
        }

        type = opener_msg_check(&buf, (size_t)n, n_fds);
        if (type < 0) {
                fdmsg_close_all(fds, n_fds);
                log_error("invalid message from the opener: %s", strerror(-type));
                return sd_event_exit(b->event, EXIT_FAILURE);
        }

        switch ((enum opener_msg_type)type) {
        case OPENER_MSG_RESULT:
                broker_take_result(b, &buf.result, n_fds ? fds[0] : -1);
                break;
        case OPENER_MSG_DONE:
                broker_take_done(b, &buf.done);
                break;
        case OPENER_MSG_HCI_DONE:
                broker_take_hci_done(b, &buf.hci_done);
                break;
        case OPENER_MSG_POLICY: {
                int r;

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
                fdmsg_close_all(fds, n_fds);
                log_error("opener sent a broker-to-opener message (type %d)", type);
                return sd_event_exit(b->event, EXIT_FAILURE);
        }
        return 0;
}

/* ---- requests ------------------------------------------------------------ */

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

/*
 * Decides pr for c. On an allow, returns the rule, with pr's text in what
 * and the rule's "file:line" in where. Otherwise counts, audits and
 * answers the denial itself and returns NULL.
 */
static const struct policy_rule *conn_decide(struct conn *c, uint32_t id,
                                             const struct policy_request *pr,
                                             char *what, size_t what_size,
                                             char *where, size_t where_size)
{
        struct broker *b = c->broker;
        const struct policy_rule *rule = NULL;
        struct policy_peer peer;
        enum policy_verdict v;

        conn_policy_peer(c, &peer);
        policy_request_format(pr, what, what_size);
        v = policy_check(b->policy, &peer, pr, &rule);
        where[0] = 0;
        if (rule)
                snprintf(where, where_size, "%s:%u", rule->file, rule->line);

        switch (v) {
        case POLICY_VERDICT_NO_MATCH:
                b->counters.denied[broker_family_from_af(pr->family)]++;
                audit(AUDIT_DENIED, c, pr, what, NULL, EPERM, NULL);
                conn_refuse(c, id, EPERM, "denied: no rule allows %s for uid %u (%zu rules in %zu file(s))",
                            what, c->peer.uid, policy_n_rules(b->policy), policy_n_files(b->policy));
                return NULL;
        case POLICY_VERDICT_DENY:
                b->counters.denied[broker_family_from_af(pr->family)]++;
                audit(AUDIT_DENIED, c, pr, what, where, EPERM, NULL);
                conn_reply(c, id, EPERM, "denied by rule", where, -1);
                return NULL;
        case POLICY_VERDICT_ALLOW:
                break;
        }
        return rule;
}

/*
 * The socket of the client's that shows its network namespace, to go to
 * the opener with a request under rule: *witness when the rule works in
 * the client's namespace, else none (-1). Refuses the request and returns
 * false when the rule needs one and the client sent none.
 */
static bool conn_netns_witness(struct conn *c, uint32_t id, const struct policy_rule *rule,
                               const char *where, int *witness)
{
        if (policy_rule_netns(rule) != POLICY_NETNS_CLIENT) {
                *witness = -1;
                return true;
        }
        if (*witness >= 0)
                return true;
        conn_refuse(c, id, EPERM, "denied: %s works in the client's network namespace, and the "
                    "request carried no socket of the client's to show which one it is "
                    "(libsockbroker sends it)", where);
        return false;
}

/* witness: a socket the client sent to show its network namespace, or -1;
 * not taken over. */
static void conn_handle_open(struct conn *c, const SbRequest *req, int witness)
{
        struct broker *b = c->broker;
        const Sockbroker__Open *o = req->open;
        const struct policy_rule *rule = NULL;
        struct policy_request pr = {
                .family = o->family,
                .type = o->type,
                .protocol = o->has_protocol ? (uint32_t)o->protocol : 0,
        };
        struct opener_open m;
        struct pending *p;
        char what[128], where[300];
        ssize_t n;

        if (o->address) {
                switch (o->address->kind_case) {
                case SOCKBROKER__ADDRESS__KIND_PACKET:
                        pr.ifname = o->address->packet->ifname;
                        if (o->address->packet->has_protocol &&
                            o->address->packet->protocol != pr.protocol) {
                                conn_refuse(c, req->id, EINVAL, "invalid: the address's EtherType "
                                            "0x%04x differs from the socket's 0x%04x",
                                            o->address->packet->protocol, pr.protocol);
                                return;
                        }
                        break;
                case SOCKBROKER__ADDRESS__KIND_INET:
                        pr.ifname = o->address->inet->ifname;
                        if (o->address->inet->has_address || o->address->inet->has_port ||
                            o->address->inet->has_scope_id) {
                                conn_refuse(c, req->id, EOPNOTSUPP, "unsupported: the broker pins "
                                            "raw IP sockets to a device only; bind a local address "
                                            "yourself, it needs no privilege");
                                return;
                        }
                        break;
                case SOCKBROKER__ADDRESS__KIND_CAN: {
                        const Sockbroker__CanAddress *a = o->address->can;

                        pr.ifname = a->ifname;
                        pr.has_can_ids = a->has_rx_id || a->has_tx_id;
                        pr.rx_id = a->rx_id;
                        pr.tx_id = a->tx_id;
                        pr.has_j1939 = a->has_name || a->has_pgn || a->has_addr;
                        pr.j1939_name = a->has_name ? a->name : J1939_NO_NAME;
                        pr.j1939_pgn = a->has_pgn ? a->pgn : J1939_NO_PGN;
                        pr.j1939_addr = a->has_addr ? a->addr : J1939_NO_ADDR;
                        pr.can_fd = a->has_fd && a->fd;
                        break;
                }
                case SOCKBROKER__ADDRESS__KIND_BLUETOOTH: {
                        const Sockbroker__BluetoothAddress *a = o->address->bluetooth;

                        if (a->has_bdaddr) {
                                conn_refuse(c, req->id, EOPNOTSUPP, "unsupported: the broker binds "
                                            "to the controller's own address; name the controller "
                                            "(dev), not an address");
                                return;
                        }
                        pr.has_dev = a->has_dev;
                        pr.dev = a->dev;
                        pr.has_channel = a->has_channel;
                        pr.channel = a->channel;
                        pr.has_port = a->has_psm;
                        pr.port = a->psm;
                        break;
                }
                case SOCKBROKER__ADDRESS__KIND__NOT_SET:
                case _SOCKBROKER__ADDRESS__KIND__CASE_IS_INT_SIZE:
                        break;
                }
        }
        if (pr.ifname && !pr.ifname[0])
                pr.ifname = NULL;

        rule = conn_decide(c, req->id, &pr, what, sizeof(what), where, sizeof(where));
        if (!rule)
                return;

        if (!conn_netns_witness(c, req->id, rule, where, &witness))
                return;

        if (pr.family != AF_PACKET && pr.family != AF_INET && pr.family != AF_INET6 &&
            pr.family != AF_CAN && pr.family != AF_BLUETOOTH) {
                conn_refuse(c, req->id, EAFNOSUPPORT, "unsupported: %s is allowed by %s, but this "
                            "daemon does not broker family %s", what, where,
                            names_family_to_string(pr.family) ?: "?");
                return;
        }
        /* ISO-TP and J1939 sockets are handed over bound, or not at all. */
        if (pr.family == AF_CAN && ((pr.protocol == CAN_ISOTP && !pr.has_can_ids) ||
                                    (pr.protocol == CAN_J1939 && !pr.has_j1939))) {
                conn_refuse(c, req->id, EDESTADDRREQ, "invalid: %s sockets are handed over bound; "
                            "the request needs their %s", pr.protocol == CAN_ISOTP ? "ISO-TP" : "J1939",
                            pr.protocol == CAN_ISOTP ? "rx and tx ids" : "NAME, PGN and address");
                return;
        }

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_OPEN, b->next_seq };
        m.generation = b->generation;
        m.rule_index = rule->index;
        m.flags = (o->has_flags && (o->flags & SOCKBROKER__OPEN_FLAGS__OPEN_FLAG_NONBLOCK)) ?
                  OPENER_OPEN_NONBLOCK : 0;
        if (witness >= 0)
                m.flags |= OPENER_OPEN_CLIENT_NETNS;
        opener_open_set_request(&m, &pr);

        if (b->n_pending >= b->limits.max_inflight) {
                conn_refuse(c, req->id, EAGAIN, "busy: %u requests in flight; try again",
                            b->n_pending);
                return;
        }
        n = fdmsg_send(b->opener_fd, &m, sizeof(m), &witness, witness >= 0 ? 1 : 0, MSG_DONTWAIT);
        if (n < 0) {
                conn_refuse(c, req->id, EAGAIN, "busy: the opener is not keeping up; try again");
                return;
        }

        /* Cannot fail: n_pending < max_inflight was checked above. */
        p = pending_push(b);
        assert(p);
        p->answer = OPENER_MSG_RESULT;
        pending_set_request(p, &pr);
        p->conn = c;
        p->seq = b->next_seq++;
        p->request_id = req->id;
        snprintf(p->what, sizeof(p->what), "%s", what);
        snprintf(p->rule, sizeof(p->rule), "%s", where);

        if (++c->n_pending >= b->limits.max_pending)
                (void)sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
}

/*
 * Decides an operation (BIND, SETOPT, LINK, HCI) and, when allowed,
 * hands its opener message to the opener, with f->fd: the client's
 * socket to operate on, or for LINK the client's socket that shows its
 * network namespace, sent only when the rule works there. Replies itself
 * otherwise. Takes no ownership of f->fd.
 */
struct op_forward {
        void *msg;               /* an opener message; its seq is filled in */
        size_t size;
        uint32_t *generation;    /* the message's fields to fill in */
        uint32_t *rule_index;
        uint32_t *netns_flags;   /* LINK: set OPENER_OPEN_CLIENT_NETNS here */
        int fd;
        enum opener_msg_type answer;
};

static void conn_forward_op(struct conn *c, uint32_t id, const struct policy_request *pr,
                            const struct op_forward *f)
{
        struct broker *b = c->broker;
        const struct policy_rule *rule = NULL;
        struct opener_hdr *hdr = f->msg;
        int fd = f->fd;
        char what[160], where[300] = "";
        struct pending *p;

        rule = conn_decide(c, id, pr, what, sizeof(what), where, sizeof(where));
        if (!rule)
                return;

        if (b->n_pending >= b->limits.max_inflight) {
                conn_refuse(c, id, EAGAIN, "busy: %u requests in flight; try again", b->n_pending);
                return;
        }
        if (f->netns_flags) {
                if (!conn_netns_witness(c, id, rule, where, &fd))
                        return;
                if (fd >= 0)
                        *f->netns_flags |= OPENER_OPEN_CLIENT_NETNS;
        }
        hdr->seq = b->next_seq;
        *f->generation = b->generation;
        *f->rule_index = rule->index;
        if (fdmsg_send(b->opener_fd, f->msg, f->size, &fd, fd >= 0 ? 1 : 0, MSG_DONTWAIT) < 0) {
                conn_refuse(c, id, EAGAIN, "busy: the opener is not keeping up; try again");
                return;
        }
        p = pending_push(b);
        assert(p);
        pending_set_request(p, pr);
        p->answer = f->answer;
        p->conn = c;
        p->seq = b->next_seq++;
        p->request_id = id;
        snprintf(p->what, sizeof(p->what), "%s", what);
        snprintf(p->rule, sizeof(p->rule), "%s", where);
        if (++c->n_pending >= b->limits.max_pending)
                (void)sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
}

/* Reads the family, type and protocol of the socket a client sent into
 * pr, from the kernel; refuses the request and returns false when it is
 * not a socket. */
static bool conn_read_socket(struct conn *c, uint32_t id, int fd, struct policy_request *pr)
{
        int r = sockinfo_read(fd, pr);

        if (r < 0)
                conn_refuse(c, id, -r, "bad request: the descriptor sent is not a socket");
        return r >= 0;
}

static void conn_handle_bind(struct conn *c, const SbRequest *req, int fd)
{
        const Sockbroker__Address *a = req->bind->address;
        struct policy_request pr = { .op = POLICY_OP_BIND };
        struct opener_bind m;

        if (!conn_read_socket(c, req->id, fd, &pr))
                return;

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_BIND, 0 };
        m.family = pr.family;

        if (pr.family == AF_BLUETOOTH && pr.protocol == BTPROTO_L2CAP) {
                /* an L2CAP PSM, on the controller with address bdaddr (or any) */
                if (!a || a->kind_case != SOCKBROKER__ADDRESS__KIND_BLUETOOTH || !a->bluetooth->has_psm) {
                        conn_refuse(c, req->id, EINVAL, "invalid: binding an L2CAP socket needs a PSM");
                        return;
                }
                if (a->bluetooth->has_dev || a->bluetooth->has_channel) {
                        conn_refuse(c, req->id, EINVAL, "invalid: an L2CAP bind takes an address and a PSM");
                        return;
                }
                m.port = a->bluetooth->psm;
                if (a->bluetooth->has_bdaddr)
                        memcpy(m.address, a->bluetooth->bdaddr.data, sizeof(bdaddr_t));
        } else if (pr.family == AF_INET || pr.family == AF_INET6) {
                if (!a || a->kind_case != SOCKBROKER__ADDRESS__KIND_INET || !a->inet->has_port) {
                        conn_refuse(c, req->id, EINVAL, "invalid: bind needs an inet address with a port");
                        return;
                }
                if (a->inet->has_address && a->inet->address.len != (pr.family == AF_INET ? 4u : 16u)) {
                        conn_refuse(c, req->id, EAFNOSUPPORT, "invalid: the address does not match the "
                                    "socket's family");
                        return;
                }
                m.port = a->inet->port;
                if (a->inet->has_address)
                        memcpy(m.address, a->inet->address.data, a->inet->address.len);
                m.scope_id = a->inet->has_scope_id ? a->inet->scope_id : 0;
        } else {
                conn_refuse(c, req->id, EAFNOSUPPORT, "unsupported: the broker binds inet, inet6 "
                            "and L2CAP sockets only (this one is %s)",
                            names_family_to_string(pr.family) ?: "of another family");
                return;
        }

        pr.has_port = true;
        pr.port = m.port;
        conn_forward_op(c, req->id, &pr, &(struct op_forward) {
                .msg = &m, .size = sizeof(m), .generation = &m.generation,
                .rule_index = &m.rule_index, .fd = fd, .answer = OPENER_MSG_DONE });
}

static void conn_handle_setopt(struct conn *c, const SbRequest *req, int fd)
{
        const Sockbroker__SetOption *o = req->set_option;
        struct policy_request pr = { .op = POLICY_OP_SETOPT };
        struct opener_setopt m;

        if (!conn_read_socket(c, req->id, fd, &pr))
                return;
        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_SETOPT, 0 };

        if (!o->has_level || o->level != SOL_SOCKET || !o->has_name) {
                conn_refuse(c, req->id, EOPNOTSUPP, "unsupported: only SOL_SOCKET options are brokered");
                return;
        }
        switch (o->name) {
        case SO_MARK:
                pr.sockopt = POLICY_SOCKOPT_MARK;
                break;
        case SO_PRIORITY:
                pr.sockopt = POLICY_SOCKOPT_PRIORITY;
                break;
        case SO_RCVBUFFORCE:
                pr.sockopt = POLICY_SOCKOPT_RCVBUFFORCE;
                break;
        case SO_SNDBUFFORCE:
                pr.sockopt = POLICY_SOCKOPT_SNDBUFFORCE;
                break;
        case SO_BINDTODEVICE:
                pr.sockopt = POLICY_SOCKOPT_BINDTODEVICE;
                break;
        default:
                conn_refuse(c, req->id, EOPNOTSUPP, "unsupported: socket option %d is not brokered "
                            "(mark, priority, rcvbufforce, sndbufforce, bindtodevice are)", o->name);
                return;
        }

        if (pr.sockopt == POLICY_SOCKOPT_BINDTODEVICE) {
                if (!o->ifname || !sb_proto_ifname_valid(o->ifname)) {
                        conn_refuse(c, req->id, EINVAL, "invalid: bindtodevice needs an interface name");
                        return;
                }
                snprintf(m.ifname, sizeof(m.ifname), "%s", o->ifname);
                pr.ifname = m.ifname;
        } else {
                int64_t max = pr.sockopt == POLICY_SOCKOPT_MARK ? UINT32_MAX : INT32_MAX;

                if (!o->has_value || o->value < 0 || o->value > max) {
                        conn_refuse(c, req->id, EINVAL, "invalid: option value out of range 0..%" PRId64, max);
                        return;
                }
                pr.value = (uint64_t)o->value;
        }
        m.option = pr.sockopt;
        m.value = pr.value;
        conn_forward_op(c, req->id, &pr, &(struct op_forward) {
                .msg = &m, .size = sizeof(m), .generation = &m.generation,
                .rule_index = &m.rule_index, .fd = fd, .answer = OPENER_MSG_DONE });
}

static void conn_handle_link(struct conn *c, const SbRequest *req, int witness)
{
        const Sockbroker__LinkConfig *l = req->link_config;
        struct policy_request pr = { .op = POLICY_OP_LINK, .family = AF_CAN, .ifname = l->ifname };
        struct opener_link m;

        if (l->has_bitrate) {
                pr.link_op = POLICY_LINK_BITRATE;
                pr.bitrate = l->bitrate;
        } else {
                pr.link_op = l->up ? POLICY_LINK_UP : POLICY_LINK_DOWN;
        }

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_LINK, 0 };
        m.op = pr.link_op;
        m.bitrate = pr.bitrate;
        snprintf(m.ifname, sizeof(m.ifname), "%s", l->ifname);
        conn_forward_op(c, req->id, &pr, &(struct op_forward) {
                .msg = &m, .size = sizeof(m), .generation = &m.generation,
                .rule_index = &m.rule_index, .netns_flags = &m.flags, .fd = witness,
                .answer = OPENER_MSG_DONE });
}

static void conn_handle_hci(struct conn *c, const SbRequest *req)
{
        const Sockbroker__HciCommand *h = req->hci_command;
        struct policy_request pr = {
                .op = POLICY_OP_HCI_COMMAND,
                .family = AF_BLUETOOTH,
                .protocol = BTPROTO_HCI,
                .has_dev = true,
                .dev = h->dev,
                .opcode = h->opcode,
        };
        struct opener_hci m;
        int want = names_hci_command_params(h->opcode);
        size_t n = h->has_params ? h->params.len : 0;

        /* A controller may take a short command at its word. */
        if (want >= 0 && n != (size_t)want) {
                conn_refuse(c, req->id, EINVAL, "invalid: %s takes %d parameter byte(s), not %zu",
                            names_hci_command_to_string(h->opcode), want, n);
                return;
        }

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_HCI, 0 };
        m.dev = h->dev;
        m.opcode = h->opcode;
        if (h->has_params) {
                m.n_params = (uint32_t)h->params.len;
                memcpy(m.params, h->params.data, h->params.len);
        }
        conn_forward_op(c, req->id, &pr, &(struct op_forward) {
                .msg = &m, .size = sizeof(m), .generation = &m.generation,
                .rule_index = &m.rule_index, .fd = -1, .answer = OPENER_MSG_HCI_DONE });
}

static const char *op_name(const SbRequest *r)
{
        switch (r->op_case) {
        case SOCKBROKER__REQUEST__OP_OPEN:
                return "open";
        case SOCKBROKER__REQUEST__OP_BIND:
                return "bind";
        case SOCKBROKER__REQUEST__OP_SET_OPTION:
                return "set-option";
        case SOCKBROKER__REQUEST__OP_LINK_CONFIG:
                return "link-config";
        case SOCKBROKER__REQUEST__OP_HCI_COMMAND:
                return "hci-command";
        case SOCKBROKER__REQUEST__OP_STATUS:
                return "status";
        case SOCKBROKER__REQUEST__OP__NOT_SET:
        case _SOCKBROKER__REQUEST__OP__CASE_IS_INT_SIZE:
                break;
        }
        return "none";
}

/* Handles one message. Returns false when c was freed. */
static bool conn_handle_message(struct conn *c)
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
                return true;
        if (n == 0) {
                /* SOCK_SEQPACKET: 0 is either the end of the connection or
                 * a message of no bytes; only a hang-up sets POLLRDHUP. */
                struct pollfd pfd = { .fd = c->fd, .events = POLLRDHUP };

                if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP))) {
                        conn_free(c);
                        return false;
                }
                b->counters.bad++;
                audit(AUDIT_BAD_REQUEST, c, NULL, NULL, NULL, EBADMSG, "empty message");
                return conn_refuse(c, 0, EBADMSG, "bad request: empty message");
        }
        if (n == -ECONNRESET) {
                conn_free(c);
                return false;
        }
        if (n == -EMSGSIZE) {
                b->counters.bad++;
                audit(AUDIT_BAD_REQUEST, c, NULL, NULL, NULL, EMSGSIZE, "larger than the maximum");
                return conn_refuse(c, 0, EMSGSIZE, "bad request: larger than %u bytes",
                                   SB_PROTO_MAX_MESSAGE);
        }
        if (n == -EBADMSG) {
                b->counters.bad++;
                audit(AUDIT_BAD_REQUEST, c, NULL, NULL, NULL, EBADMSG, "too many descriptors");
                return conn_refuse(c, 0, EBADMSG, "bad request: more than %u descriptors attached",
                                   SB_PROTO_MAX_FDS);
        }
        if (n < 0) {
                log_warning("uid=%u pid=%d: receive failed: %s; disconnecting",
                            c->peer.uid, c->peer.pid, strerror((int)-n));
                conn_free(c);
                return false;
        }

        (void)sd_event_source_set_time_relative(c->idle, b->limits.idle_timeout_sec * USEC_PER_SEC);
        (void)sd_event_source_set_enabled(c->idle, SD_EVENT_ONESHOT);

        r = sb_proto_request_decode(buf, (size_t)n, n_fds, &req, why, sizeof(why));
        if (r < 0) {
                fdmsg_close_all(fds, n_fds);
                b->counters.bad++;
                audit(AUDIT_BAD_REQUEST, c, NULL, NULL, NULL, -r, why);
                return conn_refuse(c, 0, -r, "bad request: %s", why);
        }

        if (c->peer.unmapped) {
                fdmsg_close_all(fds, n_fds);
                b->counters.denied[BROKER_FAMILY_OTHER]++;
                audit(AUDIT_DENIED, c, NULL, op_name(req), NULL, EPERM, "uid not mapped here");
                conn_refuse(c, req->id, EPERM, "denied: uid %u is what the kernel reports for any uid "
                            "this daemon's user namespace does not map, so the peer cannot be told "
                            "apart from others", c->peer.uid);
                sb_proto_request_free(req);
                return true;
        }

        switch (req->op_case) {
        case SOCKBROKER__REQUEST__OP_OPEN:
                conn_handle_open(c, req, n_fds ? fds[0] : -1);
                fdmsg_close_all(fds, n_fds);
                break;
        case SOCKBROKER__REQUEST__OP_BIND:
                conn_handle_bind(c, req, fds[0]);
                fdmsg_close_all(fds, n_fds);
                break;
        case SOCKBROKER__REQUEST__OP_SET_OPTION:
                conn_handle_setopt(c, req, fds[0]);
                fdmsg_close_all(fds, n_fds);
                break;
        case SOCKBROKER__REQUEST__OP_STATUS:
                fdmsg_close_all(fds, n_fds);
                conn_handle_status(c, req);
                break;
        case SOCKBROKER__REQUEST__OP_LINK_CONFIG:
                conn_handle_link(c, req, n_fds ? fds[0] : -1);
                fdmsg_close_all(fds, n_fds);
                break;
        case SOCKBROKER__REQUEST__OP_HCI_COMMAND:
                conn_handle_hci(c, req);
                break;
        case SOCKBROKER__REQUEST__OP__NOT_SET:
        case _SOCKBROKER__REQUEST__OP__CASE_IS_INT_SIZE:
                fdmsg_close_all(fds, n_fds);
                conn_refuse(c, req->id, EOPNOTSUPP, "unsupported: this daemon does not do '%s'",
                            op_name(req));
                break;
        }
        sb_proto_request_free(req);
        /* conn_handle_open() may have freed c; its callers only look at
         * the result of the next read, which the event loop drives. */
        return true;
}

/* ---- connections ------------------------------------------------------- */

void conn_free(struct conn *c)
{
        struct broker *b = c->broker;

        for (unsigned i = 0; i < b->n_pending; i++) {
                struct pending *p = &b->pending[(b->pending_head + i) % b->limits.max_inflight];

                if (p->conn == c)
                        p->conn = NULL;
        }
        if (c->prev)
                c->prev->next = c->next;
        else
                b->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        b->n_conns--;

        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->idle);
        safe_close(c->fd);
        peer_done(&c->peer);
        free(c);
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;

        if (revents & EPOLLIN) {
                (void)conn_handle_message(c);
                return 0;
        }
        if (revents & (EPOLLHUP | EPOLLERR))
                conn_free(c);
        return 0;
}

static int on_conn_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct conn *c = userdata;

        if (c->n_pending > 0) {
                (void)sd_event_source_set_time_relative(s, c->broker->limits.idle_timeout_sec * USEC_PER_SEC);
                return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        log_debug("uid=%u pid=%d: idle for %us; disconnecting", c->peer.uid, c->peer.pid,
                  c->broker->limits.idle_timeout_sec);
        conn_free(c);
        return 0;
}

static unsigned conns_of_uid(struct broker *b, uid_t uid)
{
        unsigned n = 0;

        for (struct conn *c = b->conns; c; c = c->next)
                if (c->peer.uid == uid)
                        n++;
        return n;
}

static int on_listen_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct broker *b = userdata;

        return sd_event_source_set_enabled(b->listen_io, SD_EVENT_ON);
}

static int on_listen_io(sd_event_source *s, int lfd, uint32_t revents, void *userdata)
{
        struct broker *b = userdata;
        _cleanup_close_ int fd = -1;
        struct conn *c;
        int r;

        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
                if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                        return 0;
                /* Out of descriptors or memory: pause accepting for a moment
                 * rather than spin on a listening socket that stays readable. */
                log_warning("accept: %m; pausing for 1s");
                (void)sd_event_source_set_enabled(b->listen_io, SD_EVENT_OFF);
                (void)sd_event_source_set_time_relative(b->listen_retry, USEC_PER_SEC);
                (void)sd_event_source_set_enabled(b->listen_retry, SD_EVENT_ONESHOT);
                return 0;
        }

        c = calloc(1, sizeof(*c));
        if (!c)
                return 0;
        c->broker = b;
        c->fd = -1;
        c->id = b->next_conn_id++;
        r = peer_from_socket(fd, &c->peer);
        if (r < 0) {
                log_warning("cannot identify a peer: %s", strerror(-r));
                free(c);
                return 0;
        }
        peer_apply_idmap(&c->peer, &b->idmap);
        c->fd = TAKE_FD(fd);
        c->next = b->conns;
        if (b->conns)
                b->conns->prev = c;
        b->conns = c;
        b->n_conns++;

        if (b->n_conns > b->limits.max_connections) {
                conn_refuse(c, 0, EUSERS, "busy: too many connections (limit %u)",
                            b->limits.max_connections);
                conn_free(c);
                return 0;
        }
        if (conns_of_uid(b, c->peer.uid) > b->limits.max_connections_per_uid) {
                conn_refuse(c, 0, EUSERS, "busy: too many connections from uid %u (limit %u)",
                            c->peer.uid, b->limits.max_connections_per_uid);
                conn_free(c);
                return 0;
        }

        r = sd_event_add_io(b->event, &c->io, c->fd, EPOLLIN, on_conn_io, c);
        if (r >= 0)
                r = sd_event_add_time_relative(b->event, &c->idle, CLOCK_MONOTONIC,
                                               b->limits.idle_timeout_sec * USEC_PER_SEC, 0,
                                               on_conn_idle, c);
        if (r < 0) {
                log_warning("cannot watch a connection: %s", strerror(-r));
                conn_free(c);
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
        sd_event_source_disable_unref(b->listen_io);
        sd_event_source_disable_unref(b->listen_retry);
        sd_event_source_disable_unref(b->opener_io);
        b->event = sd_event_unref(b->event);
        b->policy = policy_free(b->policy);
        free(b->pending);
        b->pending = NULL;
        grant_ring_done(&b->grants);
}

int broker_main(int listen_fd, int opener_fd, pid_t opener_pid,
                const struct broker_limits *limits)
{
        struct broker b = {
                .limits = *limits,
                .listen_fd = listen_fd,
                .opener_fd = opener_fd,
                .opener_pid = opener_pid,
                .next_seq = 1,
        };
        sigset_t mask;
        int r, exit_status = EXIT_FAILURE;

        if (b.limits.max_inflight == 0 || b.limits.max_pending == 0)
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

        audit_init(getenv("JOURNAL_STREAM") != NULL, b.limits.log_rate, b.limits.log_rate * 5);

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

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
                r = sd_event_add_time_relative(b.event, &b.listen_retry, CLOCK_MONOTONIC,
                                               USEC_PER_SEC, 0, on_listen_retry, &b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b.listen_retry, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_io(b.event, &b.opener_io, opener_fd, EPOLLIN, on_opener_io, &b);
        if (r >= 0)
                r = sd_event_set_watchdog(b.event, true);
        if (r < 0) {
                log_error("cannot set up the event loop: %s", strerror(-r));
                goto finish;
        }

        sd_notify(false, "READY=1");
        broker_set_status(&b);
        log_info("ready: %u max connections, %u per uid, %u pending per connection, %us idle timeout",
                 b.limits.max_connections, b.limits.max_connections_per_uid,
                 b.limits.max_pending, b.limits.idle_timeout_sec);

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
                (void)waitpid(b.opener_pid, NULL, 0);
        return exit_status;
}
