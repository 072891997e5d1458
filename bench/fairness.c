/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fairness - the clients of bench/run-fairness.sh: one that behaves and
 * measures, and three that press on what the broker shares between uids.
 * Each runs as the uid the script gives it, against $SOCKBROKER_SOCKET.
 *
 *   fairness grant-loop [--persistent] [-t SECONDS] [-o FILE] SPEC N
 *       N grants of SPEC, one at a time, the protocol spoken directly:
 *       each on a connection of its own (connect, the request, close),
 *       or with --persistent all on one kept connection. Stops early after
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
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench-client.h"
#include "client-lib/broker/client.h"
#include "common/util.h"

#define MAX_SECONDS 3600u
#define MAX_GRANTS 10000000u
#define MAX_CONNS 1024u
#define DENIED_SPEC "inet6/raw/ipv6-icmp"

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

/* ---- grant-loop ------------------------------------------------------------------ */

static int cmd_grant_loop(int argc, char **argv)
{
        static const struct option opts[] = {
                { "persistent", no_argument, NULL, 'p' },
                {}
        };
        unsigned long n, seconds = 60;
        struct bench_target target;
        const char *out = NULL;
        bool persistent = false;
        struct bench_tally t;
        struct sb_spec spec;
        uint64_t deadline;
        int c, r;

        while ((c = getopt_long(argc, argv, "+pt:o:", opts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        persistent = true;
                        break;
                case 't':
                        seconds = bench_parse_num("-t", optarg, MAX_SECONDS);
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
        bench_parse_spec(argv[optind], &spec);
        bench_target_broker(&target, &spec, argv[optind]);
        n = bench_parse_num("N", argv[optind + 1], MAX_GRANTS);
        if (bench_tally_init(&t, n) < 0) {
                fprintf(stderr, "fairness: out of memory\n");
                return 1;
        }

        deadline = bench_now_ns() + seconds * UINT64_C(1000000000);
        if (persistent)
                bench_loop_persistent(&target, n, deadline, &t);
        else
                bench_loop_connecting(&target, n, deadline, &t);

        if (out && (r = bench_tally_write(&t, out)) < 0) {
                fprintf(stderr, "fairness: %s: %s\n", out, strerror(-r));
                bench_tally_deinit(&t);
                return 1;
        }
        bench_tally_print(&t, persistent);
        bench_tally_deinit(&t);
        return 0;
}

/* ---- churn ------------------------------------------------------------------------ */

static int cmd_churn(int argc, char **argv)
{
        unsigned long connects = 0, eagain = 0, refused = 0, errors = 0;
        uint64_t t0, deadline;

        if (argc != 2)
                return 2;
        t0 = bench_now_ns();
        deadline = t0 + bench_parse_num("SECONDS", argv[1], MAX_SECONDS) * UINT64_C(1000000000);
        catch_stop_signals();
        printf("churning\n");
        while (!stopping && bench_now_ns() < deadline) {
                int fd = bench_broker_connect(sb_client_socket_path(), true);

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
               connects, eagain, refused, errors, (double)(bench_now_ns() - t0) / 1e9);
        return 0;
}

/* ---- hoard ------------------------------------------------------------------------ */

/* A connection the broker holds for us, made sure of with one request:
 * a refused connection is answered "busy" and closed. */
static int hoard_one(const struct sb_spec *spec, unsigned long *refused)
{
        int sock = bench_broker_connect(sb_client_socket_path(), false);
        int r;

        if (sock < 0)
                return sock;
        r = bench_broker_call_open(sock, spec, 1);
        if (r == BENCH_OUTCOME_DENIED || r == BENCH_OUTCOME_GRANTED)
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
        bench_parse_spec(spec_text, &spec);
        n = bench_parse_num("N", argv[optind], MAX_CONNS);
        pfd = calloc(n + 1, sizeof(*pfd));
        if (!pfd)
                return 1;
        catch_stop_signals();
        deadline = bench_now_ns() + MAX_SECONDS * UINT64_C(1000000000);

        pfd[0] = (struct pollfd) { .fd = STDIN_FILENO, .events = POLLIN };
        for (unsigned long i = 1; i <= n; i++) {
                pfd[i] = (struct pollfd) { .fd = hoard_one(&spec, &refused), .events = POLLIN };
                if (pfd[i].fd >= 0)
                        held++;
        }
        printf("holding %lu\n", held);

        while (!stopping && bench_now_ns() < deadline) {
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
        unsigned long sent = 0, counts[BENCH_OUTCOME_ERROR + 1] = {}, connections = 0;
        const char *spec_text = DENIED_SPEC;
        struct sb_spec spec;
        struct pollfd *pfd;
        uint64_t t0, deadline;
        uint32_t id = 0;
        int c;

        while ((c = getopt(argc, argv, "+c:w:s:")) >= 0) {
                switch (c) {
                case 'c':
                        n_conns = bench_parse_num("-c", optarg, MAX_CONNS);
                        break;
                case 'w':
                        window = bench_parse_num("-w", optarg, 1024);
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
        bench_parse_spec(spec_text, &spec);
        t0 = bench_now_ns();
        deadline = t0 + bench_parse_num("SECONDS", argv[optind], MAX_SECONDS) * UINT64_C(1000000000);
        pfd = calloc(n_conns, sizeof(*pfd));
        if (!pfd)
                return 1;
        catch_stop_signals();

        for (unsigned long i = 0; i < n_conns; i++)
                pfd[i] = (struct pollfd) { .fd = -1, .events = POLLIN };
        for (bool started = false; !stopping && bench_now_ns() < deadline; started = true) {
                int r;

                /* (Re)connects and fills the window of each connection
                 * that has none: at the start, and after the broker
                 * closed one. */
                for (unsigned long i = 0; i < n_conns; i++) {
                        if (pfd[i].fd >= 0)
                                continue;
                        pfd[i].fd = bench_broker_connect(sb_client_socket_path(), false);
                        if (pfd[i].fd < 0) {
                                counts[BENCH_OUTCOME_ERROR]++;
                                continue;
                        }
                        connections++;
                        for (unsigned long k = 0; k < window; k++)
                                if (bench_broker_send_open(pfd[i].fd, &spec, ++id, MSG_DONTWAIT) == 0)
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
                                int o = bench_broker_read_reply(pfd[i].fd, MSG_DONTWAIT, &got);

                                if (o == -EAGAIN)
                                        break;
                                counts[o]++;
                                if (o == BENCH_OUTCOME_RESET || o == BENCH_OUTCOME_ERROR) {
                                        pfd[i].fd = safe_close(pfd[i].fd);
                                        break;
                                }
                                if (bench_broker_send_open(pfd[i].fd, &spec, ++id, MSG_DONTWAIT) == 0)
                                        sent++;
                        }
                }
        }
        for (unsigned long i = 0; i < n_conns; i++)
                safe_close(pfd[i].fd);
        printf("sent=%lu granted=%lu denied=%lu busy=%lu closed=%lu errors=%lu connections=%lu "
               "seconds=%.2f\n", sent, counts[BENCH_OUTCOME_GRANTED],
               counts[BENCH_OUTCOME_DENIED], counts[BENCH_OUTCOME_BUSY],
               counts[BENCH_OUTCOME_RESET], counts[BENCH_OUTCOME_ERROR], connections,
               (double)(bench_now_ns() - t0) / 1e9);
        free(pfd);
        return 0;
}

int main(int argc, char **argv)
{
        static const struct bench_cmd cmds[] = {
                { "grant-loop", cmd_grant_loop },
                { "churn", cmd_churn },
                { "hoard", cmd_hoard },
                { "flood", cmd_flood },
        };

        return bench_main("fairness", cmds, ELEMENTSOF(cmds), argc, argv);
}
