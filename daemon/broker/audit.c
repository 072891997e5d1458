/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audit.c - decision records for the journal or stderr.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include <syslog.h>
#include <time.h>

#include "common/names.h"
#include "common/util.h"
#include "daemon/broker/audit.h"
#include "daemon/broker/ratelimit.h"

static const struct {
        const char *name;
        const char *message_id;
        int priority;
} kinds[_AUDIT_KIND_MAX] = {
        [AUDIT_GRANTED] = { "granted", "1bcbfb09968e472f9d046888a2fdf6c3", LOG_INFO },
        [AUDIT_DENIED] = { "denied", "2c981655505b4d6dab2000c6cafdf403", LOG_NOTICE },
        [AUDIT_BAD_REQUEST] = { "bad-request", "456136f13dd44be69ddfe7b29ec5877f", LOG_NOTICE },
        [AUDIT_OPERATION] = { "operation", "7559ff96db1c4f42bb4f43f25081e610", LOG_INFO },
        [AUDIT_FAILED] = { "failed", "99ea309d26cf4add8c2fce374020a0fd", LOG_WARNING },
        [AUDIT_SUPPRESSED] = { "suppressed", "c3d1c8b0a0f84d3e9d6f2a51e0b7c4a2", LOG_NOTICE },
};

/* All peers together may write this many times one peer's records. */
#define AUDIT_TOTAL_FACTOR 10u

static bool audit_journal;
static struct ratelimit audit_limit;

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void audit_init(bool journal, uint32_t rate, uint32_t burst)
{
        audit_journal = journal;
        ratelimit_init(&audit_limit, rate * AUDIT_TOTAL_FACTOR, burst * AUDIT_TOTAL_FACTOR, now_usec());
}

/* Text fields: "-" when unknown; a value with a space or quote in quotes,
 * with quotes and backslashes escaped, so every line splits the same way. */
static void put_value(char **p, size_t *left, const char *key, const char *v)
{
        bool quote;
        int n;

        if (!v || !v[0])
                v = "-";
        quote = strpbrk(v, " \t\"\\=") != NULL;
        n = snprintf(*p, *left, " %s=%s", key, quote ? "\"" : "");
        if (n < 0 || (size_t)n >= *left)
                goto full;
        *p += n;
        *left -= (size_t)n;
        for (const char *c = v; *c; c++) {
                if (*left < 3)
                        goto full;
                if (*c == '"' || *c == '\\')
                        *(*p)++ = '\\', (*left)--;
                *(*p)++ = (unsigned char)*c < ' ' ? '?' : *c;
                (*left)--;
        }
        if (quote) {
                if (*left < 2)
                        goto full;
                *(*p)++ = '"';
                (*left)--;
        }
        **p = 0;
        return;
full:
        *left = 0;
}

static const char *protocol_text(const struct policy_request *q, char *buf, size_t size)
{
        if (!q || names_protocol_to_string(q->family, q->protocol, buf, size) < 0)
                return NULL;
        return buf;
}

int audit_format(const struct audit_record *r, uint64_t suppressed, char *buf, size_t size)
{
        const struct policy_request *q = r->request;
        char num[64], proto[32], *p = buf;
        size_t left = size;
        int n;

        n = snprintf(p, left, "decision=%s", kinds[r->kind].name);
        if (n < 0 || (size_t)n >= left)
                return -ENOBUFS;
        p += n;
        left -= (size_t)n;

#define PUT_NUM(key, fmt, v) do { snprintf(num, sizeof(num), fmt, v); put_value(&p, &left, key, num); } while (0)
        PUT_NUM("uid", "%u", (unsigned)r->peer->uid);
        PUT_NUM("gid", "%u", (unsigned)r->peer->gid);
        PUT_NUM("pid", "%d", (int)r->peer->pid);
        put_value(&p, &left, "unit", r->peer->unit);
        put_value(&p, &left, "cgroup", r->peer->cgroup);
        put_value(&p, &left, "family", q ? names_family_to_string(q->family) : NULL);
        put_value(&p, &left, "type", q ? names_type_to_string(q->type) : NULL);
        put_value(&p, &left, "protocol", protocol_text(q, proto, sizeof(proto)));
        put_value(&p, &left, "interface", q ? q->ifname : NULL);
        put_value(&p, &left, "rule", r->rule);
        PUT_NUM("errno", "%d", r->error);
        put_value(&p, &left, "request", r->what);
        if (r->reason)
                put_value(&p, &left, "reason", r->reason);
        if (suppressed > 0)
                PUT_NUM("suppressed", "%" PRIu64, suppressed);
#undef PUT_NUM
        return left > 0 ? 0 : -ENOBUFS;
}

static void audit_write(const struct audit_record *r, uint64_t suppressed);

/* "N more from uid U suppressed": the records one peer's bucket held. */
static void audit_write_suppressed(const struct peer *peer, uint64_t n)
{
        char reason[128];

        snprintf(reason, sizeof(reason), "%" PRIu64 " more from uid %u suppressed", n,
                 (unsigned)peer->uid);
        audit_write(&(struct audit_record) {
                .kind = AUDIT_SUPPRESSED,
                .peer = peer,
                .reason = reason,
        }, n);
}

void audit_flush(const struct peer *peer, struct ratelimit *limit)
{
        uint64_t n = limit->suppressed;

        if (n == 0)
                return;
        limit->suppressed = 0;
        audit_write_suppressed(peer, n);
}

void audit_log(const struct audit_record *r)
{
        uint64_t now = now_usec(), held = 0, suppressed = 0;

        if (r->limit) {
                if (!ratelimit_pass(r->limit, now, &held))
                        return;
        }
        if (!ratelimit_pass(&audit_limit, now, &suppressed))
                return;
        if (held > 0)
                audit_write_suppressed(r->peer, held);
        audit_write(r, suppressed);
}

/* suppressed: for a SUPPRESSED record, how many of the peer's records
 * were held back; for any other, how many of all peers' were. */
static void audit_write(const struct audit_record *r, uint64_t suppressed)
{
        const struct policy_request *q = r->request;
        char line[1536], proto[32];

        (void)audit_format(r, suppressed, line, sizeof(line));
        if (!audit_journal) {
                fprintf(stderr, "sockbrokerd: %s\n", line);
                return;
        }

        sd_journal_send("MESSAGE=%s", line,
                        "MESSAGE_ID=%s", kinds[r->kind].message_id,
                        "PRIORITY=%d", kinds[r->kind].priority,
                        "SOCKBROKER_DECISION=%s", kinds[r->kind].name,
                        "SOCKBROKER_UID=%u", (unsigned)r->peer->uid,
                        "SOCKBROKER_GID=%u", (unsigned)r->peer->gid,
                        "SOCKBROKER_PID=%d", (int)r->peer->pid,
                        "SOCKBROKER_UNIT=%s", strna(r->peer->unit),
                        "SOCKBROKER_CGROUP=%s", strna(r->peer->cgroup),
                        "SOCKBROKER_FAMILY=%s", q ? strna(names_family_to_string(q->family)) : "n/a",
                        "SOCKBROKER_TYPE=%s", q ? strna(names_type_to_string(q->type)) : "n/a",
                        "SOCKBROKER_PROTOCOL=%s", strna(protocol_text(q, proto, sizeof(proto))),
                        "SOCKBROKER_INTERFACE=%s", q ? strna(q->ifname) : "n/a",
                        "SOCKBROKER_REQUEST=%s", strna(r->what),
                        "SOCKBROKER_RULE=%s", strna(r->rule),
                        "SOCKBROKER_RESULT=%s", r->error ? "error" : "ok",
                        "SOCKBROKER_ERRNO=%d", r->error,
                        "SOCKBROKER_REASON=%s", strna(r->reason),
                        "SOCKBROKER_SUPPRESSED=%" PRIu64, suppressed,
                        NULL);
}
