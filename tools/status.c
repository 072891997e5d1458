/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * status.c - `sockbroker status` and `sockbroker list`: ask sockbrokerd
 * for its status or its record of grants, page after page on one
 * connection, and print it aligned for people or as one JSON document.
 *
 * Everything printed came from the daemon, and the unit, cgroup and file
 * names in it from whoever named them: control characters never reach
 * the terminal, and JSON strings are escaped, with any invalid UTF-8
 * replaced, so that every document parses.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

#include "client-lib/broker/client.h"
#include "common/fdmsg.h"
#include "common/util.h"
#include "proto/protocol.h"
#include "sockbroker/sockbroker.h"
#include "tools/sockbroker.h"

#define STATUS_TIMEOUT_SEC 30
/* A policy reloaded between two pages of files: start again, a few times. */
#define STATUS_MAX_RESTARTS 5

struct session {
        const char *verb;        /* "status" or "list", for messages */
        const char *path;
        int sock;
        uint32_t next_id;
};

static void help_status(void)
{
        printf("Usage: sockbroker status [--socket PATH] [--json]\n"
               "Show sockbrokerd's version, uptime, policy (generation, rules, files),\n"
               "counters of grants and denials by family, connections and limits.\n"
               "Root, and peers an 'admin' rule of the policy allows, may ask.\n\n"
               "  -s, --socket=PATH     broker socket (default $SOCKBROKER_SOCKET or %s)\n"
               "  -j, --json            print one JSON document\n\n"
               "Exit status: 0 success, 1 refused, 2 usage, 4 broker unreachable.\n",
               SOCKBROKER_DEFAULT_SOCKET);
}

static void help_list(void)
{
        printf("Usage: sockbroker list [--socket PATH] [--json]\n"
               "Show the sockets sockbrokerd granted lately, grouped by peer: when, the\n"
               "request, the rule that allowed it, and whether the process that asked\n"
               "still runs. The daemon records the newest grants only (--max-grants).\n"
               "Root, and peers an 'admin' rule of the policy allows, may ask.\n\n"
               "  -s, --socket=PATH     broker socket (default $SOCKBROKER_SOCKET or %s)\n"
               "  -j, --json            print one JSON document\n\n"
               "Exit status: 0 success, 1 refused, 2 usage, 4 broker unreachable.\n",
               SOCKBROKER_DEFAULT_SOCKET);
}

/* ---- talking to the daemon ------------------------------------------------- */

static int session_open(struct session *s)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = STATUS_TIMEOUT_SEC };
        _cleanup_close_ int fd = -1;
        size_t n;

        s->path = sb_client_socket_path();
        n = strlen(s->path);
        if (n >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, s->path, n);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return negative_errno();
        s->sock = TAKE_FD(fd);
        return 0;
}

/*
 * Sends one Status request and receives its reply. Returns EXIT_OK with
 * *ret set to a reply that carries the page asked for, or else prints
 * why and returns the exit status.
 */
static int session_call(struct session *s, Sockbroker__Status *st, SbReply **ret)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char why[SB_PROTO_MAX_REASON];
        int fds[FDMSG_MAX_FDS];
        SbReply *reply = NULL;
        size_t n_fds;
        ssize_t n;
        int len, r;

        req.has_version = req.has_id = true;
        req.version = SB_PROTO_VERSION;
        req.id = ++s->next_id;
        req.op_case = SOCKBROKER__REQUEST__OP_STATUS;
        req.status = st;
        len = sb_proto_request_encode(&req, buf, sizeof(buf));
        if (len < 0)
                return EXIT_REFUSED;

        n = fdmsg_send(s->sock, buf, (size_t)len, NULL, 0, 0);
        if (n >= 0)
                n = fdmsg_recv(s->sock, buf, sizeof(buf), fds, 1, &n_fds, 0);
        if (n == 0)
                n = -ECONNRESET;
        if (n < 0) {
                fprintf(stderr, "sockbroker %s: %s: %s\n", s->verb, s->path,
                        strerror(n == -EAGAIN ? ETIMEDOUT : (int)-n));
                return EXIT_REFUSED;
        }
        r = sb_proto_reply_decode(buf, (size_t)n, n_fds, &reply, why, sizeof(why));
        fdmsg_close_all(fds, n_fds);
        if (r < 0) {
                fprintf(stderr, "sockbroker %s: bad reply from the daemon: %s\n", s->verb, why);
                return EXIT_REFUSED;
        }
        if (reply->has_id && reply->id != 0 && reply->id != req.id) {
                fprintf(stderr, "sockbroker %s: the daemon answered another request\n", s->verb);
                sb_proto_reply_free(reply);
                return EXIT_REFUSED;
        }
        if (reply->has_error && reply->error != 0) {
                fprintf(stderr, "sockbroker %s: %s\n", s->verb,
                        reply->message && reply->message[0] ? reply->message : strerror(reply->error));
                sb_proto_reply_free(reply);
                return EXIT_REFUSED;
        }
        if (st->list ? !reply->grants : !reply->status) {
                fprintf(stderr, "sockbroker %s: the daemon sent no %s\n", s->verb,
                        st->list ? "list" : "status");
                sb_proto_reply_free(reply);
                return EXIT_REFUSED;
        }
        *ret = reply;
        return EXIT_OK;
}

/* ---- output ---------------------------------------------------------------------- */

/* The length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                len = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates, and beyond U+10FFFF. */
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

/* A JSON string, or null. */
static void json_string(const char *v)
{
        const unsigned char *s = (const unsigned char *)v;
        size_t n;

        if (!v) {
                fputs("null", stdout);
                return;
        }
        n = strlen(v);
        putchar('"');
        while (n > 0) {
                size_t k = utf8_len(s, n);

                if (k == 0) {
                        fputs("\\ufffd", stdout);
                        k = 1;
                } else if (*s == '"' || *s == '\\') {
                        printf("\\%c", *s);
                } else if (*s == '\n') {
                        fputs("\\n", stdout);
                } else if (*s == '\t') {
                        fputs("\\t", stdout);
                } else if (*s < 0x20 || *s == 0x7f) {
                        printf("\\u%04x", *s);
                } else {
                        fwrite(s, 1, k, stdout);
                }
                s += k;
                n -= k;
        }
        putchar('"');
}

static void json_key(const char *key, bool *first)
{
        if (!*first)
                putchar(',');
        *first = false;
        json_string(key);
        putchar(':');
}

static void json_u64(const char *key, uint64_t v, bool *first)
{
        json_key(key, first);
        printf("%" PRIu64, v);
}

static void json_str(const char *key, const char *v, bool *first)
{
        json_key(key, first);
        json_string(v);
}

/* Text for a terminal: control characters become '?'. */
static const char *safe(const char *v, char *buf, size_t size)
{
        size_t i = 0;

        if (!v)
                return "-";
        for (; v[i] && i + 1 < size; i++)
                buf[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
        buf[i] = 0;
        return buf;
}

/* "2026-11-26 10:00:00" in local time, or ISO 8601 UTC for JSON. */
static const char *format_time(uint64_t usec, bool iso, char *buf, size_t size)
{
        time_t t = (time_t)(usec / 1000000u);
        struct tm tm;

        if (iso) {
                if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                        return "?";
                snprintf(buf + strlen(buf), size - strlen(buf), ".%06uZ",
                         (unsigned)(usec % 1000000u));
                return buf;
        }
        if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                return "?";
        return buf;
}

static const char *format_duration(uint64_t usec, char *buf, size_t size)
{
        uint64_t s = usec / 1000000u;

        if (s >= 86400)
                snprintf(buf, size, "%" PRIu64 "d %" PRIu64 "h %" PRIu64 "min", s / 86400,
                         s / 3600 % 24, s / 60 % 60);
        else if (s >= 3600)
                snprintf(buf, size, "%" PRIu64 "h %" PRIu64 "min %" PRIu64 "s", s / 3600,
                         s / 60 % 60, s % 60);
        else if (s >= 60)
                snprintf(buf, size, "%" PRIu64 "min %" PRIu64 "s", s / 60, s % 60);
        else
                snprintf(buf, size, "%" PRIu64 "s", s);
        return buf;
}

/* ---- status ------------------------------------------------------------------------- */

static const struct {
        const char *name;
        size_t offset;
} family_fields[] = {
        { "inet", offsetof(Sockbroker__FamilyCounters, inet) },
        { "inet6", offsetof(Sockbroker__FamilyCounters, inet6) },
        { "packet", offsetof(Sockbroker__FamilyCounters, packet) },
        { "can", offsetof(Sockbroker__FamilyCounters, can) },
        { "bluetooth", offsetof(Sockbroker__FamilyCounters, bluetooth) },
        { "other", offsetof(Sockbroker__FamilyCounters, other) },
        { "admin", offsetof(Sockbroker__FamilyCounters, admin) },
};

static uint64_t family_count(const Sockbroker__FamilyCounters *f, size_t i)
{
        uint64_t v;

        if (!f)
                return 0;
        memcpy(&v, (const char *)f + family_fields[i].offset, sizeof(v));
        return v;
}

static void json_families(const char *key, const Sockbroker__FamilyCounters *f, bool *first)
{
        bool f2 = true;

        json_key(key, first);
        putchar('{');
        for (size_t i = 0; i < ELEMENTSOF(family_fields); i++)
                json_u64(family_fields[i].name, family_count(f, i), &f2);
        putchar('}');
}

static void print_status_json(const Sockbroker__StatusReply *st, char **files, size_t n_files)
{
        static const Sockbroker__Limits no_limits = SOCKBROKER__LIMITS__INIT;
        const Sockbroker__Limits *l = st->limits ?: &no_limits;
        char buf[64];
        bool first = true, f2 = true;

        putchar('{');
        json_str("version", st->version, &first);
        json_str("started", format_time(st->started_usec, true, buf, sizeof(buf)), &first);
        json_u64("started_usec", st->started_usec, &first);
        json_u64("uptime_usec", st->uptime_usec, &first);

        json_key("policy", &first);
        putchar('{');
        json_u64("generation", st->generation, &f2);
        json_u64("rules", st->n_rules, &f2);
        json_key("files", &f2);
        putchar('[');
        for (size_t i = 0; i < n_files; i++) {
                if (i > 0)
                        putchar(',');
                json_string(files[i]);
        }
        fputs("]}", stdout);

        json_key("counters", &first);
        f2 = true;
        putchar('{');
        json_families("granted", st->granted, &f2);
        json_families("denied", st->denied, &f2);
        json_u64("operations", st->operations, &f2);
        json_u64("failed", st->failed, &f2);
        json_u64("bad_requests", st->bad_requests, &f2);
        putchar('}');

        json_u64("connections", st->connections, &first);
        json_u64("inflight", st->inflight, &first);

        json_key("limits", &first);
        f2 = true;
        putchar('{');
        json_u64("max_connections", l->max_connections, &f2);
        json_u64("max_connections_per_uid", l->max_connections_per_uid, &f2);
        json_u64("max_pending", l->max_pending, &f2);
        json_u64("max_inflight", l->max_inflight, &f2);
        json_u64("idle_timeout_sec", l->idle_timeout_sec, &f2);
        json_u64("log_rate", l->log_rate, &f2);
        json_u64("max_grants", l->max_grants, &f2);
        fputs("}}\n", stdout);
}

static void print_status_text(const Sockbroker__StatusReply *st, char **files, size_t n_files)
{
        static const Sockbroker__Limits no_limits = SOCKBROKER__LIMITS__INIT;
        const Sockbroker__Limits *l = st->limits ?: &no_limits;
        char buf[600], when[64];

        printf("%-14s sockbrokerd %s\n", "Version:", safe(st->version, buf, sizeof(buf)));
        printf("%-14s %s, since %s\n", "Uptime:", format_duration(st->uptime_usec, buf, sizeof(buf)),
               format_time(st->started_usec, false, when, sizeof(when)));
        printf("%-14s generation %u, %u rule%s in %u file%s\n", "Policy:", st->generation,
               st->n_rules, st->n_rules == 1 ? "" : "s", st->files_total,
               st->files_total == 1 ? "" : "s");
        for (size_t i = 0; i < n_files; i++)
                printf("%-14s %s\n", "", safe(files[i], buf, sizeof(buf)));
        printf("%-14s %u (at most %u, %u per uid)\n", "Connections:", st->connections,
               l->max_connections, l->max_connections_per_uid);
        printf("%-14s %u (at most %u, %u per connection)\n", "In flight:", st->inflight,
               l->max_inflight, l->max_pending);
        printf("%-14s %u s\n", "Idle timeout:", l->idle_timeout_sec);
        printf("%-14s %u denial records per second, burst %u\n", "Log rate:", l->log_rate,
               l->log_rate * 5);
        printf("%-14s the newest %u\n", "Grants kept:", l->max_grants);

        printf("\n%-14s %12s %12s\n", "Requests", "granted", "denied");
        for (size_t i = 0; i < ELEMENTSOF(family_fields); i++)
                printf("  %-12s %12" PRIu64 " %12" PRIu64 "\n", family_fields[i].name,
                       family_count(st->granted, i), family_count(st->denied, i));
        printf("%-14s %12" PRIu64 "\n", "Operations:", st->operations);
        printf("%-14s %12" PRIu64 "\n", "Failed:", st->failed);
        printf("%-14s %12" PRIu64 "\n", "Bad requests:", st->bad_requests);
}

static int parse_options(const char *verb, int argc, char **argv, bool *json, void (*help)(void))
{
        static const struct option opts[] = {
                { "socket", required_argument, NULL, 's' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "s:jh", opts, NULL)) >= 0)
                switch (c) {
                case 's':
                        if (!optarg[0]) {
                                fprintf(stderr, "sockbroker %s: --socket needs a path\n", verb);
                                return EXIT_USAGE;
                        }
                        if (setenv("SOCKBROKER_SOCKET", optarg, 1) < 0)
                                return EXIT_REFUSED;
                        break;
                case 'j':
                        *json = true;
                        break;
                case 'h':
                        help();
                        return -1;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "sockbroker %s: unexpected argument '%s'\n", verb, argv[optind]);
                return EXIT_USAGE;
        }
        return EXIT_OK;
}

/* Connects, or says why not and returns EXIT_UNREACHABLE. */
static int session_start(struct session *s)
{
        int r = session_open(s);

        if (r < 0) {
                fprintf(stderr, "sockbroker %s: cannot reach sockbrokerd at %s: %s\n", s->verb,
                        s->path, strerror(-r));
                return EXIT_UNREACHABLE;
        }
        return EXIT_OK;
}

int cmd_status(int argc, char **argv)
{
        struct session s = { .verb = "status", .sock = -1 };
        SbReply *first = NULL;
        char **files = NULL;
        size_t n_files = 0;
        bool json = false;
        int r;

        r = parse_options("status", argc, argv, &json, help_status);
        if (r != EXIT_OK)
                return r < 0 ? EXIT_OK : r;
        r = session_start(&s);
        if (r != EXIT_OK)
                return r;

        /* The first page has the counters; the others only more files,
         * which must all be of the same policy generation. */
        for (unsigned attempt = 0; r == EXIT_OK; attempt++) {
                Sockbroker__Status st = SOCKBROKER__STATUS__INIT;
                SbReply *page = NULL;
                bool again = false;

                if (attempt > STATUS_MAX_RESTARTS) {
                        fprintf(stderr, "sockbroker status: the policy keeps changing; try again\n");
                        r = EXIT_REFUSED;
                        break;
                }
                first = sb_proto_reply_free(first);
                for (size_t i = 0; i < n_files; i++)
                        free(files[i]);
                n_files = 0;
                free(files);
                files = NULL;

                r = session_call(&s, &st, &first);
                if (r != EXIT_OK)
                        break;
                files = calloc(first->status->files_total + 1, sizeof(*files));
                if (!files) {
                        r = EXIT_REFUSED;
                        break;
                }
                page = first;
                for (;;) {
                        for (size_t i = 0; i < page->status->n_files; i++)
                                files[n_files++] = strdup(page->status->files[i]);
                        if (page != first)
                                page = sb_proto_reply_free(page);
                        if (n_files >= first->status->files_total)
                                break;
                        st.has_offset = true;
                        st.offset = (uint32_t)n_files;
                        r = session_call(&s, &st, &page);
                        if (r != EXIT_OK)
                                break;
                        if (page->status->generation != first->status->generation ||
                            page->status->files_total != first->status->files_total ||
                            page->status->offset != n_files) {
                                page = sb_proto_reply_free(page);
                                again = true;
                                break;
                        }
                        if (page->status->n_files == 0) {
                                fprintf(stderr, "sockbroker status: the daemon sent an empty page\n");
                                page = sb_proto_reply_free(page);
                                r = EXIT_REFUSED;
                                break;
                        }
                }
                if (!again)
                        break;
        }

        if (r == EXIT_OK) {
                for (size_t i = 0; i < n_files; i++)
                        if (!files[i])
                                r = EXIT_REFUSED;
                if (r != EXIT_OK)
                        fprintf(stderr, "sockbroker status: out of memory\n");
                else if (json)
                        print_status_json(first->status, files, n_files);
                else
                        print_status_text(first->status, files, n_files);
        }
        for (size_t i = 0; i < n_files; i++)
                free(files[i]);
        free(files);
        sb_proto_reply_free(first);
        safe_close(s.sock);
        return r;
}

/* ---- list --------------------------------------------------------------------------- */

static const char *state_name(const Sockbroker__Grant *g)
{
        switch (g->has_state ? g->state : SOCKBROKER__PEER_STATE__PEER_STATE_UNKNOWN) {
        case SOCKBROKER__PEER_STATE__PEER_STATE_RUNNING:
                return "running";
        case SOCKBROKER__PEER_STATE__PEER_STATE_EXITED:
                return "exited";
        case SOCKBROKER__PEER_STATE__PEER_STATE_UNKNOWN:
        case _SOCKBROKER__PEER_STATE_IS_INT_SIZE:
                break;
        }
        return "unknown";
}

static int strcmp_null(const char *a, const char *b)
{
        if (!a || !b)
                return (a != NULL) - (b != NULL);
        return strcmp(a, b);
}

/* Two grants are of the same peer when they agree on all it is known by. */
static int peer_compare(const Sockbroker__Grant *a, const Sockbroker__Grant *b)
{
        int r;

        if (a->uid != b->uid)
                return a->uid < b->uid ? -1 : 1;
        if (a->pid != b->pid)
                return a->pid < b->pid ? -1 : 1;
        if (a->gid != b->gid)
                return a->gid < b->gid ? -1 : 1;
        if (a->state != b->state)
                return a->state < b->state ? -1 : 1;
        r = strcmp_null(a->unit, b->unit);
        if (r == 0)
                r = strcmp_null(a->cgroup, b->cgroup);
        return r;
}

static int grant_compare(const void *x, const void *y)
{
        const Sockbroker__Grant *a = *(Sockbroker__Grant * const *)x;
        const Sockbroker__Grant *b = *(Sockbroker__Grant * const *)y;
        int r = peer_compare(a, b);

        if (r != 0)
                return r;
        return a->serial < b->serial ? -1 : a->serial > b->serial;
}

static void print_list_json(const Sockbroker__GrantPage *head, Sockbroker__Grant **g, size_t n)
{
        char buf[64];
        bool first = true;

        putchar('{');
        json_u64("capacity", head->capacity, &first);
        json_u64("held", head->held, &first);
        json_u64("newest", head->newest, &first);
        json_key("peers", &first);
        putchar('[');
        for (size_t i = 0; i < n; ) {
                bool f2 = true;
                size_t j;

                if (i > 0)
                        putchar(',');
                putchar('{');
                json_u64("uid", g[i]->uid, &f2);
                json_u64("gid", g[i]->gid, &f2);
                json_u64("pid", g[i]->pid, &f2);
                json_str("state", state_name(g[i]), &f2);
                json_str("unit", g[i]->unit, &f2);
                json_str("cgroup", g[i]->cgroup, &f2);
                json_key("grants", &f2);
                putchar('[');
                for (j = i; j < n && peer_compare(g[i], g[j]) == 0; j++) {
                        bool f3 = true;

                        if (j > i)
                                putchar(',');
                        putchar('{');
                        json_u64("serial", g[j]->serial, &f3);
                        json_str("time", format_time(g[j]->time_usec, true, buf, sizeof(buf)), &f3);
                        json_u64("time_usec", g[j]->time_usec, &f3);
                        json_str("what", g[j]->what, &f3);
                        json_str("rule", g[j]->rule, &f3);
                        putchar('}');
                }
                fputs("]}", stdout);
                i = j;
        }
        fputs("]}\n", stdout);
}

static void print_list_text(const Sockbroker__GrantPage *head, Sockbroker__Grant **g, size_t n)
{
        char buf[600], when[64];
        int width = 0;

        for (size_t i = 0; i < n; i++) {
                int w = (int)strlen(safe(g[i]->what, buf, sizeof(buf)));

                width = w > width ? w : width;
        }
        for (size_t i = 0; i < n; ) {
                size_t j;

                printf("%suid %u gid %u pid %u (%s)", i > 0 ? "\n" : "", g[i]->uid, g[i]->gid,
                       g[i]->pid, state_name(g[i]));
                if (g[i]->unit)
                        printf(" unit %s", safe(g[i]->unit, buf, sizeof(buf)));
                putchar('\n');
                if (g[i]->cgroup)
                        printf("  cgroup %s\n", safe(g[i]->cgroup, buf, sizeof(buf)));
                for (j = i; j < n && peer_compare(g[i], g[j]) == 0; j++) {
                        printf("  %s  %-*s", format_time(g[j]->time_usec, false, when, sizeof(when)),
                               width, safe(g[j]->what, buf, sizeof(buf)));
                        printf("  %s\n", safe(g[j]->rule, buf, sizeof(buf)));
                }
                i = j;
        }
        if (n > 0)
                putchar('\n');
        printf("%zu grant%s shown", n, n == 1 ? "" : "s");
        if (head->newest > head->held)
                printf("; %" PRIu64 " older forgotten", head->newest - head->held);
        printf(" (the daemon keeps the newest %u)\n", head->capacity);
}

int cmd_list(int argc, char **argv)
{
        struct session s = { .verb = "list", .sock = -1 };
        Sockbroker__Status st = SOCKBROKER__STATUS__INIT;
        _cleanup_free_ SbReply **pages = NULL;
        _cleanup_free_ Sockbroker__Grant **grants = NULL;
        size_t n_pages = 0, n_grants = 0;
        bool json = false;
        int r;

        r = parse_options("list", argc, argv, &json, help_list);
        if (r != EXIT_OK)
                return r < 0 ? EXIT_OK : r;
        r = session_start(&s);
        if (r != EXIT_OK)
                return r;

        /* Pages until the newest grant of the first one: those that come
         * in the meantime are for the next time. */
        st.has_list = st.list = true;
        st.has_after = true;
        st.after = 0;
        for (;;) {
                const Sockbroker__GrantPage *p;
                SbReply *page = NULL, **np;
                Sockbroker__Grant **ng;

                r = session_call(&s, &st, &page);
                if (r != EXIT_OK)
                        break;
                np = reallocarray(pages, n_pages + 1, sizeof(*pages));
                ng = np ? reallocarray(grants, n_grants + page->grants->n_grants + 1,
                                       sizeof(*grants)) : NULL;
                if (np)
                        pages = np;
                if (!ng) {
                        sb_proto_reply_free(page);
                        fprintf(stderr, "sockbroker list: out of memory\n");
                        r = EXIT_REFUSED;
                        break;
                }
                grants = ng;
                pages[n_pages++] = page;
                p = page->grants;
                for (size_t i = 0; i < p->n_grants; i++)
                        if (p->grants[i]->serial > st.after &&
                            p->grants[i]->serial <= pages[0]->grants->newest)
                                grants[n_grants++] = p->grants[i];
                if (p->n_grants == 0 || p->grants[p->n_grants - 1]->serial <= st.after)
                        break;
                st.after = p->grants[p->n_grants - 1]->serial;
                if (st.after >= pages[0]->grants->newest)
                        break;
        }

        if (r == EXIT_OK) {
                qsort(grants, n_grants, sizeof(*grants), grant_compare);
                if (json)
                        print_list_json(pages[0]->grants, grants, n_grants);
                else
                        print_list_text(pages[0]->grants, grants, n_grants);
        }
        for (size_t i = 0; i < n_pages; i++)
                sb_proto_reply_free(pages[i]);
        safe_close(s.sock);
        return r;
}
