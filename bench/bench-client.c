/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-client.c - what the benchmark clients share; see bench-client.h.
 *
 * The broker's protocol is spoken here as client-lib/broker/client.c
 * speaks it, but on a connection the caller keeps, which libsockbroker
 * never does: that is how a grant is timed apart from its connect(2).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench-client.h"
#include "client-lib/broker/client.h"
#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"
#include "proto/protocol.h"

const char *bench_program = "bench";

uint64_t bench_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

unsigned long bench_parse_num(const char *what, const char *s, unsigned long max)
{
        uint64_t v;

        if (names_parse_uint(s, max, &v) < 0 || v == 0) {
                fprintf(stderr, "%s: %s: '%s' is not a number from 1 to %lu\n", bench_program,
                        what, s, max);
                exit(2);
        }
        return (unsigned long)v;
}

void bench_parse_spec(const char *text, struct sb_spec *ret)
{
        char why[SB_PROTO_MAX_REASON];

        if (sb_spec_parse(text, ret, why, sizeof(why)) < 0) {
                fprintf(stderr, "%s: %s: %s\n", bench_program, text, why);
                exit(2);
        }
        if (ret->family != AF_INET && ret->family != AF_INET6 && ret->family != AF_PACKET) {
                fprintf(stderr, "%s: %s: only inet, inet6 and packet specs are spoken here\n",
                        bench_program, text);
                exit(2);
        }
}

/* ---- the protocol, as client-lib/broker/client.c speaks it ------------------------------ */

/* Blocking connections have the library's timeouts, so that a broker
 * that stops answering shows as an error rather than a hang. */
int bench_broker_connect(const char *path, bool nonblock)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = BENCH_REPLY_TIMEOUT_SEC };
        int fd, r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
        if (fd < 0)
                return negative_errno();
        if (!nonblock) {
                (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = negative_errno();
                close(fd);
                return r;
        }
        return fd;
}

/* An Open for spec, as sb_client_open() builds it, with id. Returns its
 * length or a negative errno. */
static int encode_open(const struct sb_spec *spec, uint32_t id, void *buf, size_t size)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__Open open = SOCKBROKER__OPEN__INIT;
        Sockbroker__Address addr = SOCKBROKER__ADDRESS__INIT;
        Sockbroker__PacketAddress packet = SOCKBROKER__PACKET_ADDRESS__INIT;
        Sockbroker__InetAddress inet = SOCKBROKER__INET_ADDRESS__INIT;
        char ifname[IFNAMSIZ];

        open.has_family = open.has_type = open.has_protocol = true;
        open.family = spec->family;
        open.type = spec->type;
        open.protocol = (int32_t)spec->protocol;
        memcpy(ifname, spec->ifname, sizeof(ifname));
        if (ifname[0] && spec->family == AF_PACKET) {
                packet.ifname = ifname;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_PACKET;
                addr.packet = &packet;
                open.address = &addr;
        } else if (ifname[0]) {
                inet.ifname = ifname;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                addr.inet = &inet;
                open.address = &addr;
        }
        req.has_version = req.has_id = true;
        req.version = SB_PROTO_VERSION;
        req.id = id;
        req.op_case = SOCKBROKER__REQUEST__OP_OPEN;
        req.open = &open;
        return sb_proto_request_encode(&req, buf, size);
}

int bench_broker_read_reply(int sock, int flags, uint32_t *ret_id)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char why[SB_PROTO_MAX_REASON];
        int fds[FDMSG_MAX_FDS];
        SbReply *reply = NULL;
        size_t n_fds;
        ssize_t n;
        int r;

        n = fdmsg_recv(sock, buf, sizeof(buf), fds, SB_PROTO_MAX_FDS, &n_fds, flags);
        if (n == -EAGAIN && (flags & MSG_DONTWAIT))
                return -EAGAIN;
        if (n == 0 || n == -ECONNRESET || n == -EPIPE)
                return BENCH_OUTCOME_RESET;
        if (n < 0)
                return BENCH_OUTCOME_ERROR;
        fdmsg_close_all(fds, n_fds);
        if (sb_proto_reply_decode(buf, (size_t)n, n_fds, &reply, why, sizeof(why)) < 0)
                return BENCH_OUTCOME_ERROR;
        *ret_id = reply->has_id ? reply->id : 0;
        if (reply->has_error && reply->error != 0)
                r = reply->error == EPERM ? BENCH_OUTCOME_DENIED :
                    reply->message && strneq(reply->message, "busy:", 5) ? BENCH_OUTCOME_BUSY :
                    BENCH_OUTCOME_ERROR;
        else
                r = n_fds == 1 ? BENCH_OUTCOME_GRANTED : BENCH_OUTCOME_ERROR;
        sb_proto_reply_free(reply);
        return r;
}

int bench_broker_send_open(int sock, const struct sb_spec *spec, uint32_t id, int flags)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        int len = encode_open(spec, id, buf, sizeof(buf));
        ssize_t n;

        if (len < 0)
                return len;
        n = fdmsg_send(sock, buf, (size_t)len, NULL, 0, flags);
        return n < 0 ? (int)n : 0;
}

int bench_broker_call_open(int sock, const struct sb_spec *spec, uint32_t id)
{
        uint32_t got = 0;
        int r = bench_broker_send_open(sock, spec, id, 0);

        if (r == -EPIPE || r == -ECONNRESET)
                return BENCH_OUTCOME_RESET;
        if (r < 0)
                return BENCH_OUTCOME_ERROR;
        r = bench_broker_read_reply(sock, 0, &got);
        /* A connection refused at accept is answered with id 0. */
        if (r != BENCH_OUTCOME_RESET && r != BENCH_OUTCOME_ERROR && got != id && got != 0)
                return BENCH_OUTCOME_ERROR;
        return r;
}

/* ---- the broker as a target ------------------------------------------------------ */

static int broker_target_connect(const struct bench_target *t)
{
        return bench_broker_connect(t->path, false);
}

static int broker_target_call(const struct bench_target *t, int sock, uint32_t id, char *why,
                              size_t size)
{
        int r = bench_broker_call_open(sock, t->spec, id);

        if (r == BENCH_OUTCOME_DENIED)
                snprintf(why, size, "denied");
        else if (r == BENCH_OUTCOME_ERROR)
                snprintf(why, size, "no reply, or not one to this request");
        return r;
}

/*
 * A connection of its own, the Open and its reply, and close: what
 * libsockbroker did for each call before it kept a connection per thread
 * (client-lib/broker/conn-kept.c). Spoken here rather than through
 * sb_open(), so that the figure stays a connect per grant whatever the
 * library does with its connections.
 */
static int broker_target_open(const struct bench_target *t, char *why, size_t size)
{
        int sock = bench_broker_connect(t->path, false), r;

        if (sock < 0)
                return sock;
        r = broker_target_call(t, sock, 1, why, size);
        close(sock);
        return r;
}

void bench_target_broker(struct bench_target *ret, const struct sb_spec *spec,
                         const char *spec_text)
{
        *ret = (struct bench_target) {
                .connect = broker_target_connect,
                .call = broker_target_call,
                .open = broker_target_open,
                .spec = spec,
                .spec_text = spec_text,
                .path = sb_client_socket_path(),
        };
}

/* ---- grant loops ----------------------------------------------------------------- */

int bench_tally_init(struct bench_tally *t, size_t n)
{
        *t = (struct bench_tally) {};
        t->lat = calloc(n ? n : 1, sizeof(*t->lat));
        return t->lat ? 0 : -ENOMEM;
}

void bench_tally_deinit(struct bench_tally *t)
{
        t->lat = mfree(t->lat);
}

static void tally_connect_error(struct bench_tally *t, int r)
{
        if (r == -EAGAIN || r == -ECONNREFUSED) {
                t->connect++;
        } else {
                t->errors++;
                snprintf(t->last_error, sizeof(t->last_error), "connect: %s", strerror(-r));
        }
}

static void tally_outcome(struct bench_tally *t, int outcome, uint64_t ns, const char *why)
{
        switch ((enum bench_outcome)outcome) {
        case BENCH_OUTCOME_GRANTED:
                t->lat[t->granted++] = ns;
                break;
        case BENCH_OUTCOME_BUSY:
                t->busy++;
                break;
        case BENCH_OUTCOME_RESET:
                t->reset++;
                break;
        case BENCH_OUTCOME_DENIED:
        case BENCH_OUTCOME_ERROR:
                t->errors++;
                snprintf(t->last_error, sizeof(t->last_error), "%s", why[0] ? why : "failed");
                break;
        }
}

void bench_loop_connecting(const struct bench_target *target, size_t n, uint64_t deadline,
                           struct bench_tally *t)
{
        for (; t->n < n && bench_now_ns() < deadline; t->n++) {
                char why[BENCH_MAX_REASON] = "";
                uint64_t t0 = bench_now_ns();
                int r = target->open(target, why, sizeof(why));
                uint64_t t1 = bench_now_ns();

                if (r < 0)
                        tally_connect_error(t, r);
                else
                        tally_outcome(t, r, t1 - t0, why);
        }
}

void bench_loop_persistent(const struct bench_target *target, size_t n, uint64_t deadline,
                           struct bench_tally *t)
{
        int sock = -1;

        for (; t->n < n && bench_now_ns() < deadline; t->n++) {
                char why[BENCH_MAX_REASON] = "";
                uint64_t t0, t1;
                int r;

                if (sock < 0) {
                        t0 = bench_now_ns();
                        sock = target->connect(target);
                        t1 = bench_now_ns();
                        if (t1 - t0 > t->connect_max)
                                t->connect_max = t1 - t0;
                        if (sock < 0) {
                                tally_connect_error(t, sock);
                                continue;
                        }
                }
                t0 = bench_now_ns();
                r = target->call(target, sock, (uint32_t)t->n + 1, why, sizeof(why));
                tally_outcome(t, r, bench_now_ns() - t0, why);
                /* A connection refused at accept is answered "busy" and
                 * closed; a busy opener is not, but starting again costs
                 * nothing there. */
                if (r == BENCH_OUTCOME_RESET || r == BENCH_OUTCOME_ERROR || r == BENCH_OUTCOME_BUSY)
                        sock = safe_close(sock);
        }
        safe_close(sock);
}

int bench_tally_write(const struct bench_tally *t, const char *path)
{
        FILE *f = fopen(path, "we");
        int r;

        if (!f)
                return negative_errno();
        for (size_t i = 0; i < t->granted; i++)
                fprintf(f, "%" PRIu64 "\n", t->lat[i]);
        if (ferror(f)) {
                fclose(f);
                return -EIO;
        }
        r = fclose(f) == 0 ? 0 : negative_errno();
        return r;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return (x > y) - (x < y);
}

double bench_percentile_us(const uint64_t *sorted, size_t n, double p)
{
        size_t rank;

        if (n == 0)
                return 0;
        rank = (size_t)ceil(p * (double)n);
        if (rank < 1)
                rank = 1;
        return (double)sorted[rank - 1] / 1000.0;
}

void bench_tally_print(struct bench_tally *t, bool persistent)
{
        qsort(t->lat, t->granted, sizeof(*t->lat), cmp_u64);
        printf("n=%zu p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f refused=%zu errors=%zu "
               "granted=%zu connect=%zu busy=%zu reset=%zu",
               t->n, bench_percentile_us(t->lat, t->granted, 0.50),
               bench_percentile_us(t->lat, t->granted, 0.99),
               bench_percentile_us(t->lat, t->granted, 0.999),
               bench_percentile_us(t->lat, t->granted, 1.0),
               t->connect + t->busy + t->reset, t->errors, t->granted, t->connect, t->busy,
               t->reset);
        if (persistent)
                printf(" connect_max_us=%.1f", (double)t->connect_max / 1000.0);
        printf("\n");
        if (t->errors > 0)
                fprintf(stderr, "%s: %zu error(s), the last: %s\n", bench_program, t->errors,
                        t->last_error);
}

int bench_main(const char *program, const struct bench_cmd *cmds, size_t n, int argc,
               char **argv)
{
        bench_program = program;
        setvbuf(stdout, NULL, _IOLBF, 0);
        signal(SIGPIPE, SIG_IGN);
        for (size_t i = 0; argc >= 2 && i < n; i++)
                if (strcmp(argv[1], cmds[i].name) == 0) {
                        int r = cmds[i].fn(argc - 1, argv + 1);

                        if (r == 2)
                                fprintf(stderr, "%s: %s: bad arguments; see the head of "
                                        "bench/%s.c\n", program, argv[1], program);
                        return r;
                }
        fprintf(stderr, "usage: %s", program);
        for (size_t i = 0; i < n; i++)
                fprintf(stderr, "%c%s", i == 0 ? ' ' : '|', cmds[i].name);
        fprintf(stderr, " ARGS...\n");
        return 2;
}
