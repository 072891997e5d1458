/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * grant - the client of bench/run-grant.sh: what one grant costs from
 * sockbrokerd, and from bench/floor.c, the least a broker can be, asked
 * for in the same way. Run as an unprivileged uid.
 *
 *   grant latency --target sockbroker|floor|fork-exec|spawn|dbus [--persistent]
 *                 [--cpu N] [-S PATH] [-t SECONDS] [-o FILE] -n N SPEC
 *       N grants of SPEC (inet/raw/icmp, packet/raw/all@lo, ...), one at
 *       a time: each on a connection of its own (connect, the request,
 *       close), or with --persistent all on one kept connection; to
 *       sockbroker, its protocol spoken directly. Each socket
 *       granted is closed at once. Prints one line,
 *         n=.. p50_us=.. p99_us=.. p999_us=.. max_us=.. refused=.. errors=..
 *       and the counts of bench/fairness.c's grant-loop; FILE gets each
 *       grant's latency in ns, one a line, for pooling. Stops early
 *       after SECONDS (default 60).
 *   grant throughput --target sockbroker|floor [--cpu N] [-S PATH]
 *                 -c CLIENTS -t SECONDS SPEC
 *       CLIENTS threads, each on a persistent connection of its own,
 *       each asking for the next grant as soon as the last is answered,
 *       for SECONDS; prints
 *         grants_per_s=.. granted=.. errors=.. busy=.. reset=.. clients=..
 *       counting the grants answered within the SECONDS.
 *
 * -S is the target's socket: for sockbroker it defaults to
 * $SOCKBROKER_SOCKET (or the default path); the floor has no default.
 * For fork-exec and spawn, latency only and without --persistent, -S is
 * bench/helper.c's program, run per grant. For dbus, latency and
 * --persistent only, -S is the address of a bus that
 * bench/dbus-service.c serves. --cpu N pins the client, all its threads,
 * to CPU N.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench-client.h"
#include "bench/bench-dbus.h"
#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"

#define MAX_SECONDS 3600u
#define MAX_GRANTS 10000000u
#define MAX_CLIENTS 1024u

/* ---- the floor as a target -------------------------------------------------------- */

static int floor_target_connect(const struct bench_target *t)
{
        return bench_broker_connect(t->path, false);
}

static int floor_target_call(const struct bench_target *t, int sock, uint32_t id, char *why,
                             size_t size)
{
        struct bench_floor_request req = {
                .family = t->spec->family,
                .type = t->spec->type,
                .protocol = t->spec->protocol,
                .ifindex = t->ifindex,
        };
        uint8_t buf[2];
        int fds[1];
        size_t n_fds;
        ssize_t n;

        n = fdmsg_send(sock, &req, sizeof(req), NULL, 0, 0);
        if (n == -EPIPE || n == -ECONNRESET)
                return BENCH_OUTCOME_RESET;
        if (n < 0) {
                snprintf(why, size, "send: %s", strerror((int)-n));
                return BENCH_OUTCOME_ERROR;
        }
        n = fdmsg_recv(sock, buf, sizeof(buf), fds, ELEMENTSOF(fds), &n_fds, 0);
        if (n == 0 || n == -ECONNRESET || n == -EPIPE)
                return BENCH_OUTCOME_RESET;
        if (n < 0) {
                snprintf(why, size, "receive: %s", strerror((int)-n));
                return BENCH_OUTCOME_ERROR;
        }
        fdmsg_close_all(fds, n_fds);
        if (n == 1 && buf[0] == 0 && n_fds == 1)
                return BENCH_OUTCOME_GRANTED;
        if (n == 1 && buf[0] == EPERM)
                return BENCH_OUTCOME_DENIED;
        snprintf(why, size, "%s", n == 1 && buf[0] ? strerror(buf[0]) : "a reply not understood");
        return BENCH_OUTCOME_ERROR;
}

static int floor_target_open(const struct bench_target *t, char *why, size_t size)
{
        int sock = floor_target_connect(t), r;

        if (sock < 0)
                return sock;
        r = floor_target_call(t, sock, 1, why, size);
        close(sock);
        return r;
}

/* ---- a helper per socket, as a target ---------------------------------------------- */

/*
 * bench/helper.c, run for each grant with fork() and execve()
 * (fork-exec) or posix_spawn() (spawn), -S naming it: the alternative to
 * a broker. It gets one end of a socketpair as descriptor 3 and sends
 * the socket on it. No connection outlives a grant, so only the
 * connecting loop uses it.
 */
static int helper_target_open(const struct bench_target *t, char *why, size_t size)
{
        char family[16], type[16], protocol[16], ifindex[16];
        char *argv[] = { (char *)t->path, family, type, protocol, ifindex, NULL };
        _cleanup_close_ int mine = -1, theirs = -1;
        int pair[2], fds[1], status, r;
        size_t n_fds;
        uint8_t byte;
        ssize_t n;
        pid_t pid;

        snprintf(family, sizeof(family), "%d", t->spec->family);
        snprintf(type, sizeof(type), "%d", t->spec->type);
        snprintf(protocol, sizeof(protocol), "%d", t->spec->protocol);
        snprintf(ifindex, sizeof(ifindex), "%d", t->ifindex);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return -errno;
        mine = pair[0];
        /* Above 3, so that dup2() to 3 makes a copy without CLOEXEC. */
        theirs = fcntl(pair[1], F_DUPFD_CLOEXEC, 4);
        safe_close(pair[1]);
        if (theirs < 0)
                return -errno;
        if (t->spawn) {
                posix_spawn_file_actions_t fa;

                posix_spawn_file_actions_init(&fa);
                posix_spawn_file_actions_adddup2(&fa, theirs, 3);
                r = posix_spawn(&pid, t->path, &fa, NULL, argv, environ);
                posix_spawn_file_actions_destroy(&fa);
                if (r != 0) {
                        snprintf(why, size, "posix_spawn: %s", strerror(r));
                        return BENCH_OUTCOME_ERROR;
                }
        } else {
                pid = fork();
                if (pid < 0) {
                        snprintf(why, size, "fork: %m");
                        return BENCH_OUTCOME_ERROR;
                }
                if (pid == 0) {
                        if (dup2(theirs, 3) == 3)
                                execve(t->path, argv, environ);
                        _exit(127);
                }
        }
        theirs = safe_close(theirs);
        n = fdmsg_recv(mine, &byte, 1, fds, ELEMENTSOF(fds), &n_fds, 0);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (n < 0) {
                snprintf(why, size, "receive: %s", strerror((int)-n));
                return BENCH_OUTCOME_ERROR;
        }
        fdmsg_close_all(fds, n_fds);
        if (n == 1 && byte == 0 && n_fds == 1)
                return BENCH_OUTCOME_GRANTED;
        if (n == 1 && (byte == EPERM || byte == EACCES))
                return BENCH_OUTCOME_DENIED;
        snprintf(why, size, "the helper: %s", n == 1 && byte ? strerror(byte) : "no answer");
        return BENCH_OUTCOME_ERROR;
}

/* ---- a D-Bus method call, as a target ---------------------------------------------- */

/*
 * bench/dbus-service.c on the bus at -S: one kept bus connection, and a
 * method call per grant that returns the socket. The loop's connection
 * is a copy of the bus's descriptor, so that closing it leaves sd-bus's
 * own alone; a new connection drops the old bus.
 */
static sd_bus *dbus;

static int dbus_target_connect(const struct bench_target *t)
{
        int r;

        dbus = sd_bus_flush_close_unref(dbus);
        r = bench_dbus_open(t->path, &dbus);
        if (r >= 0)
                r = sd_bus_get_fd(dbus);
        if (r >= 0 && (r = fcntl(r, F_DUPFD_CLOEXEC, 3)) < 0)
                r = -errno;
        return r;
}

static int dbus_target_call(const struct bench_target *t, int sock, uint32_t id, char *why,
                            size_t size)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int fd, r;

        r = sd_bus_call_method(dbus, BENCH_DBUS_NAME, BENCH_DBUS_PATH, BENCH_DBUS_NAME, "Open",
                               &error, &reply, "iiii",
                               t->spec->family, t->spec->type, t->spec->protocol, t->ifindex);
        if (r == -EPERM || r == -EACCES)
                return BENCH_OUTCOME_DENIED;
        if (r >= 0)
                r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0) {
                snprintf(why, size, "Open: %s", error.message ? error.message : strerror(-r));
                return BENCH_OUTCOME_ERROR;
        }
        /* The descriptor is the message's, closed with it. */
        return BENCH_OUTCOME_GRANTED;
}

/* ---- options ----------------------------------------------------------------------- */

struct options {
        const char *target;
        const char *path;
        const char *out;
        bool persistent;
        long cpu;                        /* -1: not pinned */
        unsigned long n, clients, seconds;
};

/* Parses what both commands take; returns the index of SPEC, or -1. */
static int parse_options(int argc, char **argv, bool latency, struct options *o)
{
        static const struct option opts[] = {
                { "target", required_argument, NULL, 'T' },
                { "persistent", no_argument, NULL, 'p' },
                { "cpu", required_argument, NULL, 'C' },
                {}
        };
        int c;

        *o = (struct options) { .cpu = -1, .seconds = latency ? 60 : 0 };
        while ((c = getopt_long(argc, argv, latency ? "+S:t:o:n:" : "+S:t:c:", opts, NULL)) >= 0) {
                switch (c) {
                case 'T':
                        o->target = optarg;
                        break;
                case 'p':
                        if (!latency)
                                return -1;
                        o->persistent = true;
                        break;
                case 'C': {
                        uint64_t v;

                        /* Not bench_parse_num(): CPU 0 is a CPU. */
                        if (names_parse_uint(optarg, CPU_SETSIZE - 1, &v) < 0) {
                                fprintf(stderr, "grant: --cpu: '%s' is not a CPU\n", optarg);
                                return -1;
                        }
                        o->cpu = (long)v;
                        break;
                }
                case 'S':
                        o->path = optarg;
                        break;
                case 't':
                        o->seconds = bench_parse_num("-t", optarg, MAX_SECONDS);
                        break;
                case 'o':
                        o->out = optarg;
                        break;
                case 'n':
                        o->n = bench_parse_num("-n", optarg, MAX_GRANTS);
                        break;
                case 'c':
                        o->clients = bench_parse_num("-c", optarg, MAX_CLIENTS);
                        break;
                default:
                        return -1;
                }
        }
        if (argc - optind != 1 || !o->target || (latency ? !o->n : !o->clients || !o->seconds))
                return -1;
        if (!streq(o->target, "sockbroker") && !streq(o->target, "floor") &&
            !streq(o->target, "fork-exec") && !streq(o->target, "spawn") && !streq(o->target, "dbus"))
                return -1;
        /* A bus connection is kept: only the persistent loop. */
        if (streq(o->target, "dbus") && (!o->persistent || !latency))
                return -1;
        if (!streq(o->target, "sockbroker") && !o->path)
                return -1;
        /* A helper is run per grant: there is nothing to keep. */
        if ((streq(o->target, "fork-exec") || streq(o->target, "spawn")) && (o->persistent || !latency))
                return -1;
        return optind;
}

/* The target, its spec parsed, and the client pinned; the program ends
 * with status 1 or 2 when it cannot be. */
static void setup(const struct options *o, const char *spec_text, struct sb_spec *spec,
                  struct bench_target *ret)
{
        bench_parse_spec(spec_text, spec);
        if (o->cpu >= 0) {
                cpu_set_t set;

                CPU_ZERO(&set);
                CPU_SET((size_t)o->cpu, &set);
                if (sched_setaffinity(0, sizeof(set), &set) < 0) {
                        fprintf(stderr, "grant: --cpu %ld: %m\n", o->cpu);
                        exit(1);
                }
        }
        if (streq(o->target, "sockbroker")) {
                bench_target_broker(ret, spec, spec_text);
                if (o->path)
                        ret->path = o->path;
                return;
        }
        if (streq(o->target, "dbus"))
                *ret = (struct bench_target) {
                        .connect = dbus_target_connect,
                        .call = dbus_target_call,
                };
        else if (streq(o->target, "floor"))
                *ret = (struct bench_target) {
                        .connect = floor_target_connect,
                        .call = floor_target_call,
                        .open = floor_target_open,
                };
        else
                *ret = (struct bench_target) {
                        .open = helper_target_open,
                        .spawn = streq(o->target, "spawn"),
                };
        ret->spec = spec;
        ret->spec_text = spec_text;
        ret->path = o->path;
        /* The broker resolves the name for each grant; the floor and
         * the helper have the client do it, once. */
        if (spec->ifname[0]) {
                ret->ifindex = (int)if_nametoindex(spec->ifname);
                if (ret->ifindex == 0) {
                        fprintf(stderr, "grant: %s: %m\n", spec->ifname);
                        exit(1);
                }
        }
}

/* ---- latency ------------------------------------------------------------------------ */

static int cmd_latency(int argc, char **argv)
{
        struct bench_target target;
        struct bench_tally t;
        struct options o;
        struct sb_spec spec;
        uint64_t deadline;
        int i, r;

        i = parse_options(argc, argv, true, &o);
        if (i < 0)
                return 2;
        setup(&o, argv[i], &spec, &target);
        if (bench_tally_init(&t, o.n) < 0) {
                fprintf(stderr, "grant: out of memory\n");
                return 1;
        }
        deadline = bench_now_ns() + o.seconds * UINT64_C(1000000000);
        if (o.persistent)
                bench_loop_persistent(&target, o.n, deadline, &t);
        else
                bench_loop_connecting(&target, o.n, deadline, &t);
        if (o.out && (r = bench_tally_write(&t, o.out)) < 0) {
                fprintf(stderr, "grant: %s: %s\n", o.out, strerror(-r));
                bench_tally_deinit(&t);
                return 1;
        }
        bench_tally_print(&t, o.persistent);
        bench_tally_deinit(&t);
        return 0;
}

/* ---- throughput --------------------------------------------------------------------- */

struct worker {
        pthread_t thread;
        const struct bench_target *target;
        size_t granted, busy, reset, errors;
        char last_error[BENCH_MAX_REASON];
};

/* All workers connect, then all start at once: the first barrier lets
 * main set the deadline once everyone is connected, the second starts. */
static pthread_barrier_t connected, go;
static uint64_t deadline;

static void *worker_run(void *arg)
{
        struct worker *w = arg;
        const struct bench_target *t = w->target;
        int sock = t->connect(t);

        pthread_barrier_wait(&connected);
        pthread_barrier_wait(&go);
        for (uint32_t id = 1; bench_now_ns() < deadline; id++) {
                char why[BENCH_MAX_REASON] = "";
                int r;

                /* A connection the server closed is made again; one
                 * that cannot be made ends this client. */
                if (sock < 0 && (sock = t->connect(t)) < 0) {
                        w->errors++;
                        snprintf(w->last_error, sizeof(w->last_error), "connect: %s",
                                 strerror(-sock));
                        break;
                }
                r = t->call(t, sock, id, why, sizeof(why));
                if (bench_now_ns() >= deadline)
                        break;
                switch ((enum bench_outcome)r) {
                case BENCH_OUTCOME_GRANTED:
                        w->granted++;
                        break;
                case BENCH_OUTCOME_BUSY:
                        w->busy++;
                        break;
                case BENCH_OUTCOME_RESET:
                        w->reset++;
                        break;
                case BENCH_OUTCOME_DENIED:
                case BENCH_OUTCOME_ERROR:
                        w->errors++;
                        snprintf(w->last_error, sizeof(w->last_error), "%s", why);
                        break;
                }
                if (r != BENCH_OUTCOME_GRANTED && r != BENCH_OUTCOME_DENIED)
                        sock = safe_close(sock);
        }
        safe_close(sock);
        return NULL;
}

static int cmd_throughput(int argc, char **argv)
{
        size_t granted = 0, busy = 0, reset = 0, errors = 0;
        const char *last_error = NULL;
        struct bench_target target;
        struct worker *workers;
        struct options o;
        struct sb_spec spec;
        int i;

        i = parse_options(argc, argv, false, &o);
        if (i < 0)
                return 2;
        setup(&o, argv[i], &spec, &target);
        workers = calloc(o.clients, sizeof(*workers));
        if (!workers)
                return 1;
        pthread_barrier_init(&connected, NULL, (unsigned)o.clients + 1);
        pthread_barrier_init(&go, NULL, (unsigned)o.clients + 1);
        for (unsigned long k = 0; k < o.clients; k++) {
                workers[k].target = &target;
                if (pthread_create(&workers[k].thread, NULL, worker_run, &workers[k]) != 0) {
                        fprintf(stderr, "grant: cannot start a thread\n");
                        exit(1);
                }
        }
        pthread_barrier_wait(&connected);
        deadline = bench_now_ns() + o.seconds * UINT64_C(1000000000);
        pthread_barrier_wait(&go);
        for (unsigned long k = 0; k < o.clients; k++) {
                pthread_join(workers[k].thread, NULL);
                granted += workers[k].granted;
                busy += workers[k].busy;
                reset += workers[k].reset;
                errors += workers[k].errors;
                if (workers[k].last_error[0])
                        last_error = workers[k].last_error;
        }
        printf("grants_per_s=%.0f granted=%zu errors=%zu busy=%zu reset=%zu clients=%lu "
               "seconds=%lu\n", (double)granted / (double)o.seconds, granted, errors, busy, reset,
               o.clients, o.seconds);
        if (last_error)
                fprintf(stderr, "grant: throughput: the last error: %s\n", last_error);
        free(workers);
        return 0;
}

int main(int argc, char **argv)
{
        static const struct bench_cmd cmds[] = {
                { "latency", cmd_latency },
                { "throughput", cmd_throughput },
        };

        return bench_main("grant", cmds, ELEMENTSOF(cmds), argc, argv);
}
