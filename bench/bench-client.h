/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-client.h - what the benchmark clients share (bench/fairness.c,
 * bench/grant.c): the broker's protocol spoken directly, the grant loops
 * that time it, percentiles, and the wire format of bench/floor.c, the
 * least a socket broker can be.
 *
 * A target is what the loops ask for grants: the broker, or the floor.
 * Its three calls say what became of a request as an enum bench_outcome,
 * so that the loops, and the tallies they keep, are the same for both.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client-lib/broker/spec.h"

/* ---- the floor's wire format ----------------------------------------------------- */

/*
 * One request, one SEQPACKET message of exactly this size. The floor
 * calls socket(family, type, protocol) (for packet, protocol is the
 * EtherType in host order, as in struct sb_spec) and, for packet with
 * ifindex > 0, binds it there. Its reply is one byte: 0 with the socket
 * (SCM_RIGHTS), or an errno (at most 255) with none.
 */
struct bench_floor_request {
        int32_t family;
        int32_t type;
        uint32_t protocol;
        int32_t ifindex;
};

/* ---- small things ---------------------------------------------------------------- */

#define BENCH_REPLY_TIMEOUT_SEC 30
#define BENCH_MAX_REASON 256u

/* The program's name, for messages; each main() sets it. */
extern const char *bench_program;

/* A subcommand: its name and what runs it, with argv[0] the name. */
struct bench_cmd {
        const char *name;
        int (*fn)(int argc, char **argv);
};

/* The main() of a bench client named program: runs the subcommand
 * argv[1] names, with SIGPIPE ignored and stdout line-buffered; 2, with
 * a word on stderr, for bad arguments or an unknown subcommand. */
int bench_main(const char *program, const struct bench_cmd *cmds, size_t n, int argc,
               char **argv);

uint64_t bench_now_ns(void);

/* A number from 1 to max, or the program ends with status 2. */
unsigned long bench_parse_num(const char *what, const char *s, unsigned long max);

/* An inet, inet6 or packet spec, or the program ends with status 2. */
void bench_parse_spec(const char *text, struct sb_spec *ret);

/* ---- requests and what became of them ------------------------------------------- */

enum bench_outcome {
        BENCH_OUTCOME_GRANTED,
        BENCH_OUTCOME_DENIED,    /* EPERM: what a flood asks for */
        BENCH_OUTCOME_BUSY,      /* a "busy:" reply: a limit refused it */
        BENCH_OUTCOME_RESET,     /* the server closed the connection first */
        BENCH_OUTCOME_ERROR,     /* anything else */
};

struct bench_target {
        /* A blocking connection of its own, with BENCH_REPLY_TIMEOUT_SEC
         * to send and receive; or -errno. */
        int (*connect)(const struct bench_target *t);
        /* One grant on sock, asked with id and waited for; the socket
         * granted is closed at once. An enum bench_outcome; on
         * BENCH_OUTCOME_ERROR, why says what (it may be left as is). */
        int (*call)(const struct bench_target *t, int sock, uint32_t id, char *why, size_t size);
        /* One grant on a connection made for it and closed after: an
         * enum bench_outcome, or -errno when the connection was not
         * made. */
        int (*open)(const struct bench_target *t, char *why, size_t size);
        const struct sb_spec *spec;
        const char *spec_text;
        const char *path;                /* the server's socket */
        int ifindex;                     /* the floor's: spec's interface */
        bool spawn;                      /* a helper: posix_spawn, not fork and exec */
};

/* The broker at $SOCKBROKER_SOCKET (or the default), its protocol
 * spoken directly: open makes a connection for the one grant, as
 * libsockbroker did before it kept one per thread. Strings are
 * borrowed. */
void bench_target_broker(struct bench_target *ret, const struct sb_spec *spec,
                         const char *spec_text);

/* The broker's connection, blocking or not; fd or -errno. */
int bench_broker_connect(const char *path, bool nonblock);

/* An Open for spec with id, sent on sock with fdmsg flags; 0 or -errno. */
int bench_broker_send_open(int sock, const struct sb_spec *spec, uint32_t id, int flags);

/*
 * Reads one reply from the broker, closing any socket it grants, and
 * says what it was. flags: 0 waits (up to the receive timeout),
 * MSG_DONTWAIT does not, and then returns -EAGAIN when there is nothing
 * to read. *ret_id gets the reply's id.
 */
int bench_broker_read_reply(int sock, int flags, uint32_t *ret_id);

/* One Open and its reply on a blocking connection: an outcome. A
 * reply with another id than id (or 0, a refusal at accept) is an
 * error. */
int bench_broker_call_open(int sock, const struct sb_spec *spec, uint32_t id);

/* ---- grant loops ----------------------------------------------------------------- */

struct bench_tally {
        uint64_t *lat;                   /* ns per grant, room for n */
        size_t n, granted;
        size_t connect, busy, reset, errors;
        uint64_t connect_max;            /* persistent: the longest connect(2), ns */
        char last_error[BENCH_MAX_REASON];
};

/* A tally with room for n grants; -ENOMEM. */
int bench_tally_init(struct bench_tally *t, size_t n);
void bench_tally_deinit(struct bench_tally *t);

/* Up to n grants, one at a time until deadline (bench_now_ns()): each
 * on a connection of its own ... */
void bench_loop_connecting(const struct bench_target *target, size_t n, uint64_t deadline,
                           struct bench_tally *t);
/* ... or all on one kept connection, made again when the server closes
 * it or answers "busy". */
void bench_loop_persistent(const struct bench_target *target, size_t n, uint64_t deadline,
                           struct bench_tally *t);

/* Each grant's latency in ns, one a line, to path; 0 or -errno. */
int bench_tally_write(const struct bench_tally *t, const char *path);

/* Sorts the latencies, then prints one line,
 *   n=.. p50_us=.. p99_us=.. p999_us=.. max_us=.. refused=.. errors=..
 *   granted=.. connect=.. busy=.. reset=..
 * and, when persistent, connect_max_us=..; then tells the last error,
 * if any, on stderr. */
void bench_tally_print(struct bench_tally *t, bool persistent);

/* Nearest rank over sorted ns, in microseconds; 0 for no samples. */
double bench_percentile_us(const uint64_t *sorted, size_t n, double p);
