/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * broker-status.c - the Status request: counters, limits, the policy in
 * use, and the record of the sockets granted.
 *
 * The broker hands each socket over and keeps nothing of it, so what
 * `sockbroker list` shows is a record, kept when the socket is handed
 * over: a ring of the newest max_grants grants, each with a serial that
 * counts every grant since the start. Nothing a client sends can make the
 * ring grow; only what it holds ages out.
 *
 * Whether the peer that asked still runs is answered from what names the
 * process, not from a pidfd kept per grant: a thousand grants would be a
 * thousand descriptors, against a limit the connections need. Where
 * pidfds live on pidfs (Linux 6.9) and tell a cgroup (6.13), the pidfd's
 * inode number names the process for the whole boot; it is had with the
 * connection's identity and compared with that of a pidfd opened for the
 * pid when the list is asked for. Elsewhere the start time of the process
 * (/proc/PID/stat) is read when the socket is granted, while the
 * connection's pidfd pins the pid, and compared when the list is asked
 * for. Where neither can be had, the state is unknown rather than
 * guessed.
 *
 * A reply must fit in one message of SB_PROTO_MAX_MESSAGE bytes, and
 * neither the policy's file list nor the ring does. Both are sent in
 * pages the client asks for one after the other: files from an offset,
 * grants above a serial (an index would shift while the ring turns).
 * Every string is truncated to SB_STATUS_MAX_STRING bytes, so one page
 * always has room for at least one file or one grant.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/broker/audit.h"
#include "daemon/broker/broker-internal.h"
#include "daemon/broker/conn.h"
#include "daemon/broker/broker-status.h"
#include "daemon/shared/log.h"
#include "daemon/broker/peer.h"
#include "policy/policy-decide.h"

_Static_assert(SB_STATUS_MAX_FILES == POLICY_MAX_FILES, "a status names every policy file");
_Static_assert(SB_STATUS_MAX_GRANTS == BROKER_MAX_GRANTS, "a list may hold every grant kept");

#define STATUS_MAX_PAGE_ENTRIES 128u
#define STATUS_MAX_PROC_STAT 1024u

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

enum broker_family broker_family_from_af(int af)
{
        switch (af) {
        case AF_INET:
                return BROKER_FAMILY_INET;
        case AF_INET6:
                return BROKER_FAMILY_INET6;
        case AF_PACKET:
                return BROKER_FAMILY_PACKET;
        case AF_CAN:
                return BROKER_FAMILY_CAN;
        case AF_BLUETOOTH:
                return BROKER_FAMILY_BLUETOOTH;
        default:
                return BROKER_FAMILY_OTHER;
        }
}

static uint64_t now_usec(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The length of s cut to at most max bytes, not inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
        size_t n = strnlen(s, max + 1);

        if (n <= max)
                return n;
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n--;
        return n;
}

/*
 * The strings of the records. A grant's text is most often that of the
 * grant before it (one client, one kind of socket, one rule), so a record
 * takes a reference to the newest record's copy when they are the same,
 * and a copy of its own, as long as it is, otherwise: the ring costs the
 * grants' numbers and little more.
 */
struct shared_string {
        unsigned refs;
        char s[];
};

static struct shared_string *shared_of(const char *s)
{
        return (struct shared_string *)(void *)(s - offsetof(struct shared_string, s));
}

/* s, cut to SB_STATUS_MAX_STRING bytes, as prev (NULL or a string of
 * this kind) when it is the same. NULL for NULL and without memory. */
static const char *shared_copy(const char *s, const char *prev)
{
        struct shared_string *c;
        size_t n;

        if (!s)
                return NULL;
        n = utf8_cut(s, SB_STATUS_MAX_STRING);
        if (prev && strncmp(prev, s, n) == 0 && prev[n] == 0) {
                shared_of(prev)->refs++;
                return prev;
        }
        c = malloc(sizeof(*c) + n + 1);
        if (!c)
                return NULL;
        c->refs = 1;
        memcpy(c->s, s, n);
        c->s[n] = 0;
        return c->s;
}

static void shared_unref(const char *s)
{
        struct shared_string *c;

        if (!s)
                return;
        c = shared_of(s);
        if (--c->refs == 0)
                free(c);
}

/* ---- the ring of grants ------------------------------------------------- */

int grant_ring_init(struct grant_ring *r, unsigned capacity)
{
        *r = (struct grant_ring) {};
        if (capacity == 0 || capacity > SB_STATUS_MAX_GRANTS)
                return -EINVAL;
        r->records = calloc(capacity, sizeof(*r->records));
        if (!r->records)
                return -ENOMEM;
        r->capacity = capacity;
        return 0;
}

static void grant_record_clear(struct grant_record *g)
{
        shared_unref(g->unit);
        shared_unref(g->cgroup);
        shared_unref(g->what);
        shared_unref(g->rule);
        *g = (struct grant_record) {};
}

void grant_ring_done(struct grant_ring *r)
{
        for (unsigned i = 0; i < r->n; i++)
                grant_record_clear(&r->records[(r->head + i) % r->capacity]);
        free(r->records);
        *r = (struct grant_ring) {};
}

void grant_ring_add(struct grant_ring *r, uint64_t time_usec, uid_t uid, gid_t gid, pid_t pid,
                    uint64_t start_time, uint64_t pidfs_id, const char *unit, const char *cgroup,
                    const char *what, const char *rule)
{
        struct grant_record *g, prev = {};

        if (r->capacity == 0)
                return;
        if (r->n > 0)
                prev = r->records[(r->head + r->n - 1) % r->capacity];
        if (r->n == r->capacity) {
                g = &r->records[r->head];
                r->head = (r->head + 1) % r->capacity;
        } else {
                g = &r->records[(r->head + r->n) % r->capacity];
                r->n++;
        }
        /* Copied before the oldest goes: with a ring of one, the newest
         * and the oldest are the same record. */
        unit = shared_copy(unit, prev.unit);
        cgroup = shared_copy(cgroup, prev.cgroup);
        what = shared_copy(what && *what ? what : NULL, prev.what);
        rule = shared_copy(rule && *rule ? rule : NULL, prev.rule);
        grant_record_clear(g);
        *g = (struct grant_record) {
                .serial = ++r->newest,
                .time_usec = time_usec,
                .uid = uid,
                .gid = gid,
                .pid = pid,
                .start_time = start_time,
                .pidfs_id = pidfs_id,
                .unit = unit,
                .cgroup = cgroup,
                .what = what,
                .rule = rule,
        };
}

const struct grant_record *grant_ring_get(const struct grant_ring *r, unsigned i)
{
        if (i >= r->n)
                return NULL;
        return &r->records[(r->head + i) % r->capacity];
}

const struct grant_record *grant_ring_find(const struct grant_ring *r, uint64_t serial)
{
        uint64_t oldest = r->newest - r->n + 1;

        if (r->n == 0 || serial < oldest || serial > r->newest)
                return NULL;
        return grant_ring_get(r, (unsigned)(serial - oldest));
}

size_t grant_page_fill(const struct grant_ring *r, uint64_t after, SbReply *reply,
                       Sockbroker__GrantPage *page, Sockbroker__Grant *entries,
                       Sockbroker__Grant **ptrs, size_t max_entries)
{
        uint64_t oldest = r->newest - r->n + 1;
        unsigned first;
        size_t k = 0;

        page->has_capacity = page->has_held = page->has_newest = true;
        page->capacity = r->capacity;
        page->held = r->n;
        page->newest = r->newest;
        page->grants = ptrs;
        page->n_grants = 0;
        if (r->n == 0 || after >= r->newest)
                return 0;
        first = after < oldest ? 0 : (unsigned)(after - oldest + 1);

        for (unsigned i = first; i < r->n && k < max_entries; i++) {
                const struct grant_record *g = grant_ring_get(r, i);
                Sockbroker__Grant *e = &entries[k];

                sockbroker__grant__init(e);
                e->has_serial = e->has_time_usec = e->has_uid = e->has_gid = e->has_pid = true;
                e->serial = g->serial;
                e->time_usec = g->time_usec;
                e->uid = g->uid;
                e->gid = g->gid;
                e->pid = (uint32_t)g->pid;
                e->unit = (char *)g->unit;
                e->cgroup = (char *)g->cgroup;
                e->what = (char *)(g->what ?: "");
                e->rule = (char *)g->rule;
                e->has_state = true;
                e->state = SOCKBROKER__PEER_STATE__PEER_STATE_UNKNOWN;
                ptrs[k] = e;
                page->n_grants = k + 1;
                if (sockbroker__reply__get_packed_size(reply) > SB_PROTO_MAX_MESSAGE) {
                        page->n_grants = k;
                        break;
                }
                k++;
        }
        return k;
}

/* ---- the peer's start time ------------------------------------------------ */

/* Parses the state (field 3) and start time (field 22) out of
 * /proc/PID/stat text; the command name (field 2) may hold anything, so
 * the fields are counted from its last ')'. */
static int parse_stat(const char *text, size_t len, char *ret_state, uint64_t *ret_start)
{
        const char *p = NULL, *end = text + len;
        uint64_t v = 0;

        for (const char *q = text; q < end; q++)
                if (*q == ')')
                        p = q;
        if (!p)
                return -EINVAL;
        p++;
        /* Fields 3..21 each follow one space. */
        for (unsigned field = 3; field <= 22; field++) {
                if (p >= end || *p != ' ')
                        return -EINVAL;
                p++;
                if (field == 3) {
                        if (p >= end)
                                return -EINVAL;
                        *ret_state = *p;
                }
                if (field == 22) {
                        const char *start = p;

                        for (; p < end && *p >= '0' && *p <= '9'; p++) {
                                if (v > (UINT64_MAX - 9) / 10)
                                        return -EINVAL;
                                v = v * 10 + (uint64_t)(*p - '0');
                        }
                        if (p == start || (p < end && *p != ' ' && *p != '\n'))
                                return -EINVAL;
                        *ret_start = v;
                        return 0;
                }
                while (p < end && *p != ' ')
                        p++;
        }
        return -EINVAL;
}

int status_parse_start_time(const char *text, size_t len, uint64_t *ret)
{
        char state;

        return parse_stat(text, len, &state, ret);
}

/* Reads /proc/PID/stat. Returns the length, or a negative errno. */
static ssize_t read_proc_stat(pid_t pid, char *buf, size_t size)
{
        char path[64];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        do
                n = read(fd, buf, size);
        while (n < 0 && errno == EINTR);
        return n < 0 ? negative_errno() : n;
}

uint64_t status_peer_start_time(struct peer *p)
{
        char buf[STATUS_MAX_PROC_STAT];
        uint64_t start = 0;
        ssize_t n;

        /* Once per connection, not per grant: the value is the process's. */
        if (p->start_time_read)
                return p->start_time;
        p->start_time_read = true;
        if (p->pidfd < 0 || p->pid <= 0 || p->pidfs_id != 0)
                return 0;
        n = read_proc_stat(p->pid, buf, sizeof(buf));
        if (n <= 0 || status_parse_start_time(buf, (size_t)n, &start) < 0)
                return 0;
        /* Only while the pidfd's process lives was the pid not reused. */
        if (!peer_pidfd_alive(p->pidfd))
                return 0;
        p->start_time = start;
        return start;
}

/* By pidfs id: the process is the one that asked while a pidfd opened
 * for its pid has the same inode, and runs while that pidfd does not
 * poll readable (a zombie's does). */
static Sockbroker__PeerState peer_state_pidfs(const struct grant_record *g)
{
        _cleanup_close_ int pidfd = peer_pidfd_open(g->pid);
        uint64_t id;

        if (pidfd < 0)
                return errno == ESRCH ? SOCKBROKER__PEER_STATE__PEER_STATE_EXITED
                                      : SOCKBROKER__PEER_STATE__PEER_STATE_UNKNOWN;
        if (peer_pidfs_id(pidfd, &id) < 0)
                return SOCKBROKER__PEER_STATE__PEER_STATE_UNKNOWN;
        if (id != g->pidfs_id || !peer_pidfd_alive(pidfd))
                return SOCKBROKER__PEER_STATE__PEER_STATE_EXITED;
        return SOCKBROKER__PEER_STATE__PEER_STATE_RUNNING;
}

static Sockbroker__PeerState peer_state(const struct grant_record *g)
{
        char buf[STATUS_MAX_PROC_STAT], state = 0;
        uint64_t start = 0;
        ssize_t n;

        if (g->pidfs_id != 0)
                return peer_state_pidfs(g);
        /* Without a start time from the grant, /proc did not show the
         * peer then, and its absence now proves nothing. */
        if (g->start_time == 0)
                return SOCKBROKER__PEER_STATE__PEER_STATE_UNKNOWN;
        n = read_proc_stat(g->pid, buf, sizeof(buf));
        if (n == -ENOENT || n == -ESRCH)
                return SOCKBROKER__PEER_STATE__PEER_STATE_EXITED;
        if (n <= 0 || parse_stat(buf, (size_t)n, &state, &start) < 0)
                return SOCKBROKER__PEER_STATE__PEER_STATE_UNKNOWN;
        /* Another process with the pid, or a zombie, which holds no files. */
        if (start != g->start_time || state == 'Z' || state == 'X')
                return SOCKBROKER__PEER_STATE__PEER_STATE_EXITED;
        return SOCKBROKER__PEER_STATE__PEER_STATE_RUNNING;
}

/* ---- the broker's side ------------------------------------------------------ */

void broker_status_start(struct broker *b)
{
        b->started_usec = now_usec(CLOCK_REALTIME);
        b->started_mono = now_usec(CLOCK_MONOTONIC);
}

void conn_record_grant(struct conn *c, const char *what, const char *rule, uint64_t start_time)
{
        grant_ring_add(&c->broker->grants, now_usec(CLOCK_REALTIME), c->peer.uid, c->peer.gid,
                       c->peer.pid, start_time, c->peer.pidfs_id, c->peer.unit, c->peer.cgroup,
                       what, rule);
}

static void fill_counters(Sockbroker__FamilyCounters *f, const uint64_t v[_BROKER_FAMILY_MAX])
{
        f->has_inet = f->has_inet6 = f->has_packet = f->has_can = f->has_bluetooth = true;
        f->has_other = f->has_admin = true;
        f->inet = v[BROKER_FAMILY_INET];
        f->inet6 = v[BROKER_FAMILY_INET6];
        f->packet = v[BROKER_FAMILY_PACKET];
        f->can = v[BROKER_FAMILY_CAN];
        f->bluetooth = v[BROKER_FAMILY_BLUETOOTH];
        f->other = v[BROKER_FAMILY_OTHER];
        f->admin = v[BROKER_FAMILY_ADMIN];
}

static int status_reply(struct conn *c, uint32_t id, const Sockbroker__Status *req)
{
        struct broker *b = c->broker;
        const struct broker_limits *l = &b->limits;
        SbReply reply = SOCKBROKER__REPLY__INIT;
        Sockbroker__StatusReply s = SOCKBROKER__STATUS_REPLY__INIT;
        Sockbroker__FamilyCounters granted = SOCKBROKER__FAMILY_COUNTERS__INIT;
        Sockbroker__FamilyCounters denied = SOCKBROKER__FAMILY_COUNTERS__INIT;
        Sockbroker__Limits limits = SOCKBROKER__LIMITS__INIT;
        char *files[SB_STATUS_MAX_FILES];
        /* Truncated names: each takes no more room here than in the page. */
        char arena[SB_PROTO_MAX_MESSAGE + SB_STATUS_MAX_STRING + 1];
        size_t n_files = policy_n_files(b->policy), used = 0;
        char version[] = PACKAGE_VERSION;

        reply.has_id = reply.has_error = true;
        reply.id = id;
        reply.status = &s;

        s.version = version;
        s.has_started_usec = s.has_uptime_usec = s.has_generation = true;
        s.started_usec = b->started_usec;
        s.uptime_usec = now_usec(CLOCK_MONOTONIC) - b->started_mono;
        s.generation = b->generation;
        s.has_n_rules = s.has_files_total = s.has_offset = true;
        s.n_rules = (uint32_t)policy_n_rules(b->policy);
        s.files_total = (uint32_t)MIN(n_files, (size_t)SB_STATUS_MAX_FILES);
        s.offset = MIN(req->has_offset ? req->offset : 0, s.files_total);

        fill_counters(&granted, b->counters.granted);
        fill_counters(&denied, b->counters.denied);
        s.granted = &granted;
        s.denied = &denied;
        s.has_operations = s.has_failed = s.has_bad_requests = true;
        s.operations = b->counters.operations;
        s.failed = b->counters.failed;
        s.bad_requests = b->counters.bad;
        s.has_connections = s.has_inflight = true;
        s.connections = b->n_conns;
        s.inflight = b->n_pending;

        limits.has_max_connections = limits.has_max_connections_per_uid = true;
        limits.has_max_pending = limits.has_max_inflight = true;
        limits.has_idle_timeout_sec = limits.has_log_rate = limits.has_max_grants = true;
        limits.max_connections = l->max_connections;
        limits.max_connections_per_uid = l->max_connections_per_uid;
        limits.max_pending = l->max_pending;
        limits.max_inflight = l->max_inflight;
        limits.idle_timeout_sec = l->idle_timeout_sec;
        limits.log_rate = l->log_rate;
        limits.max_grants = l->max_grants;
        s.limits = &limits;

        s.files = files;
        for (uint32_t i = s.offset; i < s.files_total; i++) {
                const char *name = policy_get_file(b->policy, i) ?: "";
                size_t n = utf8_cut(name, SB_STATUS_MAX_STRING);

                if (name[n]) {
                        if (used + n + 1 > sizeof(arena))
                                break;
                        memcpy(arena + used, name, n);
                        arena[used + n] = 0;
                        files[s.n_files] = arena + used;
                        used += n + 1;
                } else {
                        files[s.n_files] = (char *)name;
                }
                s.n_files++;
                if (sockbroker__reply__get_packed_size(&reply) > SB_PROTO_MAX_MESSAGE) {
                        s.n_files--;
                        break;
                }
        }
        return conn_send_reply(c, &reply, -1);
}

static int list_reply(struct conn *c, uint32_t id, const Sockbroker__Status *req)
{
        SbReply reply = SOCKBROKER__REPLY__INIT;
        Sockbroker__GrantPage page = SOCKBROKER__GRANT_PAGE__INIT;
        Sockbroker__Grant entries[STATUS_MAX_PAGE_ENTRIES], *ptrs[STATUS_MAX_PAGE_ENTRIES];
        const struct grant_ring *r = &c->broker->grants;
        size_t n;

        reply.has_id = reply.has_error = true;
        reply.id = id;
        reply.grants = &page;
        n = grant_page_fill(r, req->has_after ? req->after : 0, &reply, &page, entries, ptrs,
                            ELEMENTSOF(entries));
        for (size_t i = 0; i < n; i++) {
                const struct grant_record *g = grant_ring_find(r, entries[i].serial);

                if (g)
                        entries[i].state = peer_state(g);
        }
        return conn_send_reply(c, &reply, -1);
}

/* Replies with a refusal; the reason goes back as the client reads it. */
_printf_(5, 6)
static int status_refuse(struct conn *c, uint32_t id, int error, const char *rule,
                          const char *fmt, ...)
{
        char msg[SB_PROTO_MAX_REASON];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return conn_reply(c, id, error, msg, rule, -1);
}

int conn_handle_status(struct conn *c, const SbRequest *req)
{
        struct broker *b = c->broker;
        struct policy_request pr = { .op = POLICY_OP_STATUS };
        struct policy_peer peer;
        const struct policy_rule *rule = NULL;
        char what[32], where[300] = "";
        enum policy_verdict v;

        conn_policy_peer(c, &peer);
        /* Root may always look: it could read all of this from /proc. */
        v = c->peer.uid == 0 ? POLICY_VERDICT_ALLOW : policy_check(b->policy, &peer, &pr, &rule);
        if (rule)
                snprintf(where, sizeof(where), "%s:%u", rule->file, rule->line);
        policy_request_format(&pr, what, sizeof(what));

        switch (v) {
        case POLICY_VERDICT_NO_MATCH:
                b->counters.denied[BROKER_FAMILY_ADMIN]++;
                conn_audit(c, &(struct audit_record) {
                        .kind = AUDIT_DENIED, .request = &pr, .what = what, .error = EPERM,
                });
                return status_refuse(c, req->id, EPERM, NULL, "denied: the daemon's status is for root "
                              "and peers an 'admin' rule allows; no rule allows it for uid %u",
                              c->peer.uid);
        case POLICY_VERDICT_DENY:
                b->counters.denied[BROKER_FAMILY_ADMIN]++;
                conn_audit(c, &(struct audit_record) {
                        .kind = AUDIT_DENIED, .request = &pr, .what = what, .rule = where,
                        .error = EPERM,
                });
                return status_refuse(c, req->id, EPERM, where, "denied: %s refuses the daemon's status "
                              "to uid %u", where, c->peer.uid);
        case POLICY_VERDICT_ALLOW:
                break;
        }

        if (req->status->has_list && req->status->list)
                return list_reply(c, req->id, req->status);
        return status_reply(c, req->id, req->status);
}
