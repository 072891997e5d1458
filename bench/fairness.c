/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fairness - the clients of bench/run-fairness.sh: one that behaves and
 * measures, and three that press on what the broker shares between uids.
 * Each runs as the uid the script gives it, against $SOCKBROKER_SOCKET.
 *
 *   fairness grant-loop [--persistent] [-t SECONDS] [-o FILE] SPEC N
 *       N grants of SPEC, one at a time: each with sb_open() and so a
 *       connection of its own, or with --persistent all on one kept
 *       connection, the protocol spoken directly. Stops early after
 *       SECONDS (default 60). Prints one line:
 *         n=.. p50_us=.. p99_us=.. p999_us=.. max_us=.. refused=.. errors=..
 *       and then granted= and the refusals by kind: connect= (connect(2)
 *       failed with EAGAIN or ECONNREFUSED), busy= (a "busy:" reply) and
 *       reset= (the broker closed the connection before its reply), and
 *       with --persistent connect_max_us=, the longest connect(2) (which
 *       returns once the connection is queued, not accepted: the wait to
 *       be accepted is in the first grant's latency). The percentiles
 *       are over the grants; FILE gets each grant's latency in
 *       nanoseconds, one per line, for pooling. Errors other than
 *       refusals are counted in errors=, and the last is told on stderr.
 *   fairness churn SECONDS
 *       connect(2) and close(2), non-blocking, as fast as it can; prints
 *       "churning" once started and the counts at the end.
 *   fairness hoard [--refill] [-s SPEC] N
 *       opens N connections, each made sure of with one request the
 *       policy denies (SPEC, default inet6/raw/ipv6-icmp), prints
 *       "holding K" and holds them until stdin closes. With --refill a
 *       connection the broker closes is made again at once, over and
 *       over, as one that wants its share back would.
 *   fairness flood [-c CONNS] [-w WINDOW] [-s SPEC] SECONDS
 *       on CONNS connections (default 8) keeps WINDOW requests for SPEC
 *       (default 4, inet6/raw/ipv6-icmp) in flight each, sending the next
 *       as each reply comes in; prints "flooding" once started and the
 *       counts at the end. Granted sockets are closed as they arrive.
 *
 * churn, hoard and flood end on SIGTERM or SIGINT as well, and never run
 * longer than MAX_SECONDS.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client-lib/broker/client.h"
#include "client-lib/broker/spec.h"
#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"
#include "proto/protocol.h"
#include "sockbroker/sockbroker.h"

#define MAX_SECONDS 3600u
#define MAX_GRANTS 10000000u
#define MAX_CONNS 1024u
#define DENIED_SPEC "inet6/raw/ipv6-icmp"
#define REPLY_TIMEOUT_SEC 30

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
        stopping = 1;
}

/* No SA_RESTART: a blocking call returns EINTR and the loop sees it. */
static void catch_stop_signals(void)
{
        struct sigaction sa = { .sa_handler = on_stop };

        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned long parse_num(const char *what, const char *s, unsigned long max)
{
        uint64_t v;

        if (names_parse_uint(s, max, &v) < 0 || v == 0) {
                fprintf(stderr, "fairness: %s: '%s' is not a number from 1 to %lu\n", what, s, max);
                exit(2);
        }
        return (unsigned long)v;
}

static void parse_spec(const char *text, struct sb_spec *ret)
{
        char why[SB_PROTO_MAX_REASON];

        if (sb_spec_parse(text, ret, why, sizeof(why)) < 0) {
                fprintf(stderr, "fairness: %s: %s\n", text, why);
                exit(2);
        }
        if (ret->family != AF_INET && ret->family != AF_INET6 && ret->family != AF_PACKET) {
                fprintf(stderr, "fairness: %s: only inet, inet6 and packet specs are spoken here\n", text);
                exit(2);
        }
}

/* ---- the protocol, as client-lib/broker/client.c speaks it ------------------------------ */

/* Connects to the broker; -errno on failure. Blocking connections have
 * the library's timeouts, so that a broker that stops answering shows as
 * an error rather than a hang. */
static int broker_connect(bool nonblock)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = REPLY_TIMEOUT_SEC };
        const char *path = sb_client_socket_path();
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

/* What became of one request. */
enum outcome {
        OUTCOME_GRANTED,
        OUTCOME_DENIED,          /* EPERM: what a flood asks for */
        OUTCOME_BUSY,            /* a "busy:" reply: a limit refused it */
        OUTCOME_RESET,           /* the broker closed the connection first */
        OUTCOME_ERROR,           /* anything else */
};

/*
 * Reads one reply from sock, closing any socket it grants, and says what
 * it was. flags: 0 waits (up to the receive timeout), MSG_DONTWAIT does
 * not, and then returns -EAGAIN when there is nothing to read. *ret_id
 * gets the reply's id.
 */
static int read_reply(int sock, int flags, uint32_t *ret_id)
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
                return OUTCOME_RESET;
        if (n < 0)
                return OUTCOME_ERROR;
        fdmsg_close_all(fds, n_fds);
        if (sb_proto_reply_decode(buf, (size_t)n, n_fds, &reply, why, sizeof(why)) < 0)
                return OUTCOME_ERROR;
        *ret_id = reply->has_id ? reply->id : 0;
        if (reply->has_error && reply->error != 0)
                r = reply->error == EPERM ? OUTCOME_DENIED :
                    reply->message && strncmp(reply->message, "busy:", 5) == 0 ? OUTCOME_BUSY :
                    OUTCOME_ERROR;
        else
                r = n_fds == 1 ? OUTCOME_GRANTED : OUTCOME_ERROR;
        sb_proto_reply_free(reply);
        return r;
}

/* Sends one Open for spec on sock. Returns 0 or a negative errno. */
static int send_open(int sock, const struct sb_spec *spec, uint32_t id, int flags)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        int len = encode_open(spec, id, buf, sizeof(buf));
        ssize_t n;

        if (len < 0)
                return len;
        n = fdmsg_send(sock, buf, (size_t)len, NULL, 0, flags);
        return n < 0 ? (int)n : 0;
}

/* One request and its reply on a blocking connection. */
static int call_open(int sock, const struct sb_spec *spec, uint32_t id)
{
        uint32_t got = 0;
        int r = send_open(sock, spec, id, 0);

        if (r == -EPIPE || r == -ECONNRESET)
                return OUTCOME_RESET;
        if (r < 0)
                return OUTCOME_ERROR;
        r = read_reply(sock, 0, &got);
        /* A connection refused at accept is answered with id 0. */
        if (r != OUTCOME_RESET && r != OUTCOME_ERROR && got != id && got != 0)
                return OUTCOME_ERROR;
        return r;
}

/* ---- grant-loop ------------------------------------------------------------------ */

struct tally {
        uint64_t *lat;           /* ns per grant */
        size_t n, granted;
        size_t connect, busy, reset, errors;
        uint64_t connect_max;    /* persistent: the longest connect(2), ns */
        char last_error[SB_PROTO_MAX_REASON];
};

static void tally_connect_error(struct tally *t, int r)
{
        if (r == -EAGAIN || r == -ECONNREFUSED) {
                t->connect++;
        } else {
                t->errors++;
                snprintf(t->last_error, sizeof(t->last_error), "connect: %s", strerror(-r));
        }
}

static void tally_outcome(struct tally *t, int outcome, uint64_t ns)
{
        switch ((enum outcome)outcome) {
        case OUTCOME_GRANTED:
                t->lat[t->granted++] = ns;
                break;
        case OUTCOME_BUSY:
                t->busy++;
                break;
        case OUTCOME_RESET:
                t->reset++;
                break;
        case OUTCOME_DENIED:
        case OUTCOME_ERROR:
                t->errors++;
                break;
        }
}

/* Each grant on a connection of its own: what libsockbroker does. */
static void loop_connecting(const char *spec, unsigned long n, uint64_t deadline, struct tally *t)
{
        for (; t->n < n && now_ns() < deadline; t->n++) {
                uint64_t t0 = now_ns();
                int fd = sb_open(spec, 0);
                uint64_t t1 = now_ns();
                int e = errno;

                if (fd >= 0) {
                        close(fd);
                        tally_outcome(t, OUTCOME_GRANTED, t1 - t0);
                } else if (!sb_client_reached()) {
                        tally_connect_error(t, -e);
                } else if (strncmp(sb_broker_message(), "busy:", 5) == 0) {
                        tally_outcome(t, OUTCOME_BUSY, 0);
                } else if (e == ECONNRESET || e == EPIPE) {
                        tally_outcome(t, OUTCOME_RESET, 0);
                } else {
                        tally_outcome(t, OUTCOME_ERROR, 0);
                        snprintf(t->last_error, sizeof(t->last_error), "%s%s%s", strerror(e),
                                 sb_broker_message()[0] ? ": " : "", sb_broker_message());
                }
        }
}

/* All grants on one kept connection, one request at a time; a
 * connection the broker closes is made again. */
static void loop_persistent(const struct sb_spec *spec, unsigned long n, uint64_t deadline,
                            struct tally *t)
{
        int sock = -1;

        for (; t->n < n && now_ns() < deadline; t->n++) {
                uint64_t t0, t1;
                int r;

                if (sock < 0) {
                        t0 = now_ns();
                        sock = broker_connect(false);
                        t1 = now_ns();
                        if (t1 - t0 > t->connect_max)
                                t->connect_max = t1 - t0;
                        if (sock < 0) {
                                tally_connect_error(t, sock);
                                continue;
                        }
                }
                t0 = now_ns();
                r = call_open(sock, spec, (uint32_t)t->n + 1);
                tally_outcome(t, r, now_ns() - t0);
                if (r == OUTCOME_ERROR || r == OUTCOME_DENIED)
                        snprintf(t->last_error, sizeof(t->last_error), "%s",
                                 r == OUTCOME_DENIED ? "denied" : "no reply, or not one to this request");
                /* A connection refused at accept is answered "busy" and
                 * closed; a busy opener is not, but starting again costs
                 * nothing there. */
                if (r == OUTCOME_RESET || r == OUTCOME_ERROR || r == OUTCOME_BUSY)
                        sock = safe_close(sock);
        }
        safe_close(sock);
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return (x > y) - (x < y);
}

/* Nearest rank, in microseconds; 0 for no samples. */
static double percentile_us(const uint64_t *sorted, size_t n, double p)
{
        size_t rank;

        if (n == 0)
                return 0;
        rank = (size_t)ceil(p * (double)n);
        if (rank < 1)
                rank = 1;
        return (double)sorted[rank - 1] / 1000.0;
}

static int cmd_grant_loop(int argc, char **argv)
{
        static const struct option opts[] = {
                { "persistent", no_argument, NULL, 'p' },
                {}
        };
        unsigned long n, seconds = 60;
        const char *out = NULL;
        bool persistent = false;
        struct tally t = {};
        struct sb_spec spec;
        int c;

        while ((c = getopt_long(argc, argv, "+pt:o:", opts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        persistent = true;
                        break;
                case 't':
                        seconds = parse_num("-t", optarg, MAX_SECONDS);
                        break;
                case 'o':
                        out = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (argc - optind != 2)
                return 2;
        parse_spec(argv[optind], &spec);
        n = parse_num("N", argv[optind + 1], MAX_GRANTS);
        t.lat = calloc(n, sizeof(*t.lat));
        if (!t.lat) {
                fprintf(stderr, "fairness: out of memory\n");
                return 1;
        }

        if (persistent)
                loop_persistent(&spec, n, now_ns() + seconds * UINT64_C(1000000000), &t);
        else
                loop_connecting(argv[optind], n, now_ns() + seconds * UINT64_C(1000000000), &t);

        if (out) {
                FILE *f = fopen(out, "we");

                if (!f) {
                        fprintf(stderr, "fairness: %s: %m\n", out);
                        return 1;
                }
                for (size_t i = 0; i < t.granted; i++)
                        fprintf(f, "%" PRIu64 "\n", t.lat[i]);
                if (fclose(f) != 0) {
                        fprintf(stderr, "fairness: %s: %m\n", out);
                        return 1;
                }
        }
        qsort(t.lat, t.granted, sizeof(*t.lat), cmp_u64);
        printf("n=%zu p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f refused=%zu errors=%zu "
               "granted=%zu connect=%zu busy=%zu reset=%zu",
               t.n, percentile_us(t.lat, t.granted, 0.50), percentile_us(t.lat, t.granted, 0.99),
               percentile_us(t.lat, t.granted, 0.999), percentile_us(t.lat, t.granted, 1.0),
               t.connect + t.busy + t.reset, t.errors, t.granted, t.connect, t.busy, t.reset);
        if (persistent)
                printf(" connect_max_us=%.1f", (double)t.connect_max / 1000.0);
        printf("\n");
        if (t.errors > 0)
                fprintf(stderr, "fairness: grant-loop: %zu error(s), the last: %s\n", t.errors,
                        t.last_error);
        free(t.lat);
        return 0;
}

/* ---- churn ------------------------------------------------------------------------ */

static int cmd_churn(int argc, char **argv)
{
        unsigned long connects = 0, eagain = 0, refused = 0, errors = 0;
        uint64_t t0, deadline;

        if (argc != 2)
                return 2;
        t0 = now_ns();
        deadline = t0 + parse_num("SECONDS", argv[1], MAX_SECONDS) * UINT64_C(1000000000);
        catch_stop_signals();
        printf("churning\n");
        while (!stopping && now_ns() < deadline) {
                int fd = broker_connect(true);

                if (fd >= 0) {
                        connects++;
                        close(fd);
                } else if (fd == -EAGAIN) {
                        eagain++;
                } else if (fd == -ECONNREFUSED) {
                        refused++;
                } else {
                        errors++;
                }
        }
        printf("connects=%lu eagain=%lu refused=%lu errors=%lu seconds=%.2f\n",
               connects, eagain, refused, errors, (double)(now_ns() - t0) / 1e9);
        return 0;
}

/* ---- hoard ------------------------------------------------------------------------ */

/* A connection the broker holds for us, made sure of with one request:
 * a refused connection is answered "busy" and closed. */
static int hoard_one(const struct sb_spec *spec, unsigned long *refused)
{
        int sock = broker_connect(false);
        int r;

        if (sock < 0)
                return sock;
        r = call_open(sock, spec, 1);
        if (r == OUTCOME_DENIED || r == OUTCOME_GRANTED)
                return sock;
        (*refused)++;
        close(sock);
        return -EUSERS;
}

static int cmd_hoard(int argc, char **argv)
{
        static const struct option opts[] = {
                { "refill", no_argument, NULL, 'r' },
                {}
        };
        unsigned long n, held = 0, lost = 0, refilled = 0, refused = 0;
        const char *spec_text = DENIED_SPEC;
        struct pollfd *pfd;
        struct sb_spec spec;
        bool refill = false;
        uint64_t deadline;
        int c;

        while ((c = getopt_long(argc, argv, "+rs:", opts, NULL)) >= 0) {
                switch (c) {
                case 'r':
                        refill = true;
                        break;
                case 's':
                        spec_text = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (argc - optind != 1)
                return 2;
        parse_spec(spec_text, &spec);
        n = parse_num("N", argv[optind], MAX_CONNS);
        pfd = calloc(n + 1, sizeof(*pfd));
        if (!pfd)
                return 1;
        catch_stop_signals();
        deadline = now_ns() + MAX_SECONDS * UINT64_C(1000000000);

        pfd[0] = (struct pollfd) { .fd = STDIN_FILENO, .events = POLLIN };
        for (unsigned long i = 1; i <= n; i++) {
                pfd[i] = (struct pollfd) { .fd = hoard_one(&spec, &refused), .events = POLLIN };
                if (pfd[i].fd >= 0)
                        held++;
        }
        printf("holding %lu\n", held);

        while (!stopping && now_ns() < deadline) {
                /* Slots to win back are tried again at once. */
                bool empty = false;
                int r;

                for (unsigned long i = 1; i <= n; i++)
                        empty |= pfd[i].fd < 0;
                r = poll(pfd, n + 1, refill && empty ? 0 : 1000);
                if (r < 0 && errno != EINTR)
                        break;
                if (r > 0 && pfd[0].revents) {
                        char b[256];

                        if (read(STDIN_FILENO, b, sizeof(b)) <= 0)
                                break;
                }
                for (unsigned long i = 1; i <= n; i++) {
                        if (pfd[i].fd >= 0 && r > 0 && pfd[i].revents) {
                                /* Nothing is asked, so anything is the end. */
                                pfd[i].fd = safe_close(pfd[i].fd);
                                lost++;
                        }
                        if (pfd[i].fd < 0 && refill) {
                                pfd[i].fd = hoard_one(&spec, &refused);
                                if (pfd[i].fd >= 0)
                                        refilled++;
                        }
                        pfd[i].revents = 0;
                }
        }
        held = 0;
        for (unsigned long i = 1; i <= n; i++)
                if (pfd[i].fd >= 0) {
                        held++;
                        close(pfd[i].fd);
                }
        printf("held=%lu lost=%lu refilled=%lu refused=%lu\n", held, lost, refilled, refused);
        free(pfd);
        return 0;
}

/* ---- flood ------------------------------------------------------------------------ */

static int cmd_flood(int argc, char **argv)
{
        unsigned long n_conns = 8, window = 4;
        unsigned long sent = 0, counts[OUTCOME_ERROR + 1] = {}, connections = 0;
        const char *spec_text = DENIED_SPEC;
        struct sb_spec spec;
        struct pollfd *pfd;
        uint64_t t0, deadline;
        uint32_t id = 0;
        int c;

        while ((c = getopt(argc, argv, "+c:w:s:")) >= 0) {
                switch (c) {
                case 'c':
                        n_conns = parse_num("-c", optarg, MAX_CONNS);
                        break;
                case 'w':
                        window = parse_num("-w", optarg, 1024);
                        break;
                case 's':
                        spec_text = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (argc - optind != 1)
                return 2;
        parse_spec(spec_text, &spec);
        t0 = now_ns();
        deadline = t0 + parse_num("SECONDS", argv[optind], MAX_SECONDS) * UINT64_C(1000000000);
        pfd = calloc(n_conns, sizeof(*pfd));
        if (!pfd)
                return 1;
        catch_stop_signals();

        for (unsigned long i = 0; i < n_conns; i++)
                pfd[i] = (struct pollfd) { .fd = -1, .events = POLLIN };
        for (bool started = false; !stopping && now_ns() < deadline; started = true) {
                int r;

                /* (Re)connects and fills the window of each connection
                 * that has none: at the start, and after the broker
                 * closed one. */
                for (unsigned long i = 0; i < n_conns; i++) {
                        if (pfd[i].fd >= 0)
                                continue;
                        pfd[i].fd = broker_connect(false);
                        if (pfd[i].fd < 0) {
                                counts[OUTCOME_ERROR]++;
                                continue;
                        }
                        connections++;
                        for (unsigned long k = 0; k < window; k++)
                                if (send_open(pfd[i].fd, &spec, ++id, MSG_DONTWAIT) == 0)
                                        sent++;
                }
                if (!started)
                        printf("flooding\n");
                r = poll(pfd, n_conns, 100);
                if (r < 0 && errno != EINTR)
                        break;
                for (unsigned long i = 0; r > 0 && i < n_conns; i++) {
                        if (!pfd[i].revents)
                                continue;
                        pfd[i].revents = 0;
                        for (;;) {
                                uint32_t got;
                                int o = read_reply(pfd[i].fd, MSG_DONTWAIT, &got);

                                if (o == -EAGAIN)
                                        break;
                                counts[o]++;
                                if (o == OUTCOME_RESET || o == OUTCOME_ERROR) {
                                        pfd[i].fd = safe_close(pfd[i].fd);
                                        break;
                                }
                                if (send_open(pfd[i].fd, &spec, ++id, MSG_DONTWAIT) == 0)
                                        sent++;
                        }
                }
        }
        for (unsigned long i = 0; i < n_conns; i++)
                safe_close(pfd[i].fd);
        printf("sent=%lu granted=%lu denied=%lu busy=%lu closed=%lu errors=%lu connections=%lu "
               "seconds=%.2f\n", sent, counts[OUTCOME_GRANTED], counts[OUTCOME_DENIED],
               counts[OUTCOME_BUSY], counts[OUTCOME_RESET], counts[OUTCOME_ERROR], connections,
               (double)(now_ns() - t0) / 1e9);
        free(pfd);
        return 0;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(int, char **);
        } cmds[] = {
                { "grant-loop", cmd_grant_loop },
                { "churn", cmd_churn },
                { "hoard", cmd_hoard },
                { "flood", cmd_flood },
        };

        setvbuf(stdout, NULL, _IOLBF, 0);
        signal(SIGPIPE, SIG_IGN);
        if (argc >= 2)
                for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                        if (streq(argv[1], cmds[i].name)) {
                                int r = cmds[i].fn(argc - 1, argv + 1);

                                if (r == 2)
                                        fprintf(stderr, "fairness: %s: bad arguments; see the "
                                                "head of bench/fairness.c\n", argv[1]);
                                return r;
                        }
        fprintf(stderr, "usage: fairness grant-loop|churn|hoard|flood ARGS...\n");
        return 2;
}
