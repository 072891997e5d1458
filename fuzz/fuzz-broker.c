/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-broker.c - the whole broker: its real dispatch, on a real event
 * loop, with clients on socketpairs and a scripted opener on the other
 * end of the broker's socketpair.
 *
 * The input is a script, one action a byte (its low three bits; the
 * high bits choose a client, an answer, a descriptor):
 *
 *   0  a client connects
 *   1  a client sends a message: the next byte is its length, the bytes
 *      after it the message, and bit 7 of the action attaches a
 *      descriptor (a socket or a pipe)
 *   2  a client hangs up
 *   3  the opener answers what it has been asked: each message with a
 *      socket, a failure, or (rarely) an answer out of place
 *   4  the loop runs until it is idle
 *   5  a client reads its replies, and closes the descriptors in them
 *   6  the opener hangs up
 *   7  a client sends a well-formed Open, Bind or Status
 *
 * After every turn of the loop the broker's books must balance:
 * connections and their uids' counts, requests in flight in all, per
 * connection and per uid. At the end every client hangs up, and once the
 * loop is idle no connection and no request in flight may remain. The
 * sanitizers see the rest: every free, every read of a connection.
 *
 * broker.c is compiled into this target, so that its static handlers run
 * as they do in sockbrokerd.
 */
#include "daemon/broker/broker.c"

#include <netinet/in.h>

#include "fuzz/fuzz.h"
#include "policy/policy-compile.h"

#define FUZZ_CLIENTS 6

static struct broker B;
static int opener_peer = -1;
static int clients[FUZZ_CLIENTS];
static bool exited;
static policy *the_policy;

static void fuzz_policy(void)
{
        char text[1024];
        struct policy_source src = { .name = "fuzz.conf", .text = text };
        struct policy_error err = {};
        unsigned uid = (unsigned)getuid();

        if (the_policy)
                return;
        snprintf(text, sizeof(text),
                 "allow uid=%u inet raw proto=icmp netns=host\n"
                 "allow uid=%u packet raw proto=all iface=lo\n"
                 "allow uid=%u inet stream proto=tcp bind=80\n"
                 "allow uid=%u inet dgram option=mark:1-100\n"
                 "allow uid=%u can raw iface=vcan0 link=up,down\n"
                 "allow uid=%u admin\n",
                 uid, uid, uid, uid, uid, uid);
        src.len = strlen(text);
        if (policy_compile(&src, 1, NULL, &the_policy, &err) < 0) {
                fprintf(stderr, "fuzz-broker: policy: %s\n", err.message);
                abort();
        }
}

static int on_exit_seen(sd_event_source *s, void *userdata)
{
        exited = true;
        return 0;
}

static void broker_up(void)
{
        int pair[2];

        fuzz_policy();
        memset(&B, 0, sizeof(B));
        B.limits = BROKER_LIMITS_DEFAULT;
        B.limits.max_connections = 5;
        B.limits.max_connections_per_uid = 4;
        B.limits.max_pending = 2;
        B.limits.max_inflight = 4;
        B.limits.max_inflight_per_uid = 3;
        B.limits.max_grants = 8;
        B.limits.log_rate = 1;
        B.next_seq = 1;
        B.generation = 1;
        B.opener_ready = true;
        B.listen_fd = -1;
        B.pending = calloc(B.limits.max_inflight, sizeof(*B.pending));
        if (!B.pending || grant_ring_init(&B.grants, B.limits.max_grants) < 0)
                abort();
        broker_status_start(&B);
        B.idmap = (struct peer_idmap) { .all_uids = true, .all_gids = true };
        /* A fresh import of the policy each time: what the broker frees is
         * its own. */
        {
                void *image = NULL;
                size_t len = 0;

                if (policy_export(the_policy, &image, &len) < 0 || policy_import(image, len, &B.policy) < 0)
                        abort();
                free(image);
        }
        FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) == 0,
                    "the opener's socketpair: %m");
        B.opener_fd = pair[0];
        opener_peer = pair[1];
        /* The scripted opener is in this namespace, as are the clients:
         * spares reach them under netns=client too. */
        FUZZ_ASSERT(getsockopt(pair[1], SOL_SOCKET, SO_NETNS_COOKIE, &B.opener_netns_cookie,
                               &(socklen_t){ sizeof(B.opener_netns_cookie) }) == 0,
                    "SO_NETNS_COOKIE: %m");
        exited = false;
        if (sd_event_new(&B.event) < 0 ||
            sd_event_add_io(B.event, &B.opener_io, B.opener_fd, EPOLLIN, on_opener_io, &B) < 0 ||
            sd_event_add_time(B.event, &B.opener_watch, CLOCK_MONOTONIC, 0, 0, pending_on_deadline, &B) < 0 ||
            sd_event_source_set_enabled(B.opener_watch, SD_EVENT_OFF) < 0 ||
            sd_event_add_time(B.event, &B.shares, CLOCK_MONOTONIC, 0, 0, user_on_window_end, &B) < 0 ||
            sd_event_source_set_enabled(B.shares, SD_EVENT_OFF) < 0 ||
            sd_event_add_time(B.event, &B.spares_expiry, CLOCK_MONOTONIC, 0, 0, on_spares_expiry, &B) < 0 ||
            sd_event_source_set_enabled(B.spares_expiry, SD_EVENT_OFF) < 0 ||
            sd_event_add_time_relative(B.event, &B.users_sweep, CLOCK_MONOTONIC, USEC_PER_SEC, 0,
                                       user_on_sweep, &B) < 0 ||
            sd_event_source_set_enabled(B.users_sweep, SD_EVENT_OFF) < 0 ||
            sd_event_add_exit(B.event, NULL, on_exit_seen, NULL) < 0)
                abort();
        for (int i = 0; i < FUZZ_CLIENTS; i++)
                clients[i] = -1;
}

static void books_balance(void)
{
        unsigned conns = 0, used = 0, user_conns = 0, user_inflight = 0;

        for (struct conn *c = B.conns; c; c = c->next) {
                unsigned mine = 0;

                if (!c->closing)
                        conns++;
                for (unsigned i = 0; i < B.limits.max_inflight; i++)
                        if (B.pending[i].used && B.pending[i].conn == c)
                                mine++;
                FUZZ_ASSERT(mine == c->n_pending, "connection %" PRIu64 ": %u in flight, counted %u",
                            c->id, mine, c->n_pending);
                FUZZ_ASSERT(c->n_pending <= B.limits.max_pending, "%u in flight on one connection",
                            c->n_pending);
        }
        for (unsigned i = 0; i < B.limits.max_inflight; i++)
                used += B.pending[i].used;
        for (struct broker_user *u = B.users; u; u = u->next) {
                user_conns += u->n_conns;
                user_inflight += u->n_inflight;
                FUZZ_ASSERT(u->n_inflight <= B.limits.max_inflight_per_uid, "uid %u: %u in flight",
                            (unsigned)u->uid, u->n_inflight);
        }
        FUZZ_ASSERT(conns == B.n_conns, "%u connections, counted %u", conns, B.n_conns);
        FUZZ_ASSERT(user_conns == B.n_conns, "uids hold %u connections, counted %u", user_conns, B.n_conns);
        FUZZ_ASSERT(used == B.n_pending, "%u slots in flight, counted %u", used, B.n_pending);
        FUZZ_ASSERT(user_inflight == B.n_pending, "uids have %u in flight, counted %u",
                    user_inflight, B.n_pending);
        FUZZ_ASSERT(B.n_conns <= B.limits.max_connections, "%u connections", B.n_conns);

        used = 0;
        for (unsigned i = 0; i < SPARES_SHAPES; i++) {
                const struct spare_shape *sh = &B.spares.shapes[i];

                FUZZ_ASSERT(sh->n <= OPENER_MAX_SPARES, "a kind holds %u spares", sh->n);
                FUZZ_ASSERT(sh->used || (sh->n == 0 && !sh->refilling), "a free slot holds spares");
                FUZZ_ASSERT(!sh->stale || (sh->refilling && sh->n == 0), "a stale kind holds spares");
                for (unsigned j = 0; j < sh->n; j++)
                        FUZZ_ASSERT(fcntl(sh->fds[j], F_GETFD) >= 0, "spare %u of kind %u is closed", j, i);
                used += sh->n;
        }
        FUZZ_ASSERT(used == B.spares.n_fds, "%u spares held, counted %u", used, B.spares.n_fds);
}

static void run_loop(void)
{
        for (int i = 0; i < 64 && !exited; i++) {
                int r = sd_event_run(B.event, 0);

                if (r <= 0)
                        break;
                books_balance();
        }
}

static int attachment(uint8_t kind)
{
        int p[2];

        switch (kind % 3) {
        case 0:
                return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        case 1:
                return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        default:
                if (pipe2(p, O_CLOEXEC) < 0)
                        return -1;
                safe_close(p[1]);
                return p[0];
        }
}

/* The scripted opener: answers every message it has been sent. */
static void opener_answers(uint8_t how)
{
        union {
                struct opener_hdr hdr;
                char raw[OPENER_MAX_MESSAGE];
        } in;
        int fds[FDMSG_MAX_FDS];
        size_t n_fds;
        ssize_t n;

        while ((n = fdmsg_recv(opener_peer, &in, sizeof(in), fds, FDMSG_MAX_FDS, &n_fds, MSG_DONTWAIT)) > 0) {
                int type = opener_msg_check(&in, (size_t)n, n_fds);

                fdmsg_close_all(fds, n_fds);
                FUZZ_ASSERT(type > 0, "the broker sent the opener a message it refuses: %d", type);
                switch ((enum opener_msg_type)type) {
                case OPENER_MSG_OPEN: {
                        struct opener_result m = { .hdr = { OPENER_PROTO_VERSION, OPENER_MSG_RESULT,
                                                            in.hdr.seq } };
                        int fd = -1;

                        if (how & 1) {
                                m.error = EPERM;
                                m.stage = OPENER_STAGE_CREATE;
                        } else {
                                fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                        }
                        if (how & 0x80)
                                m.hdr.seq += 1000;      /* an answer out of place */
                        (void)fdmsg_send(opener_peer, &m, sizeof(m), &fd, fd >= 0 ? 1 : 0, MSG_DONTWAIT);
                        safe_close(fd);
                        break;
                }
                case OPENER_MSG_SPARE: {
                        const struct opener_open *q = (const void *)&in;
                        struct opener_spares m = { .hdr = { OPENER_PROTO_VERSION, OPENER_MSG_SPARES,
                                                            in.hdr.seq } };
                        int made[OPENER_MAX_SPARES];

                        if (how & 4) {
                                m.error = EMFILE;
                                m.stage = OPENER_STAGE_CREATE;
                        } else {
                                for (m.count = 0; m.count < q->count; m.count++)
                                        made[m.count] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                        }
                        (void)fdmsg_send(opener_peer, &m, sizeof(m), made, m.count, MSG_DONTWAIT);
                        for (uint32_t i = 0; i < m.count; i++)
                                safe_close(made[i]);
                        break;
                }
                case OPENER_MSG_BIND:
                case OPENER_MSG_SETOPT:
                case OPENER_MSG_LINK: {
                        struct opener_done m = { .hdr = { OPENER_PROTO_VERSION, OPENER_MSG_DONE, in.hdr.seq },
                                                 .error = (how & 2) ? EACCES : 0 };

                        (void)fdmsg_send(opener_peer, &m, sizeof(m), NULL, 0, MSG_DONTWAIT);
                        break;
                }
                case OPENER_MSG_HCI: {
                        struct opener_hci_done m = { .hdr = { OPENER_PROTO_VERSION, OPENER_MSG_HCI_DONE,
                                                              in.hdr.seq },
                                                     .event = 0x0e, .n_data = 1 };

                        (void)fdmsg_send(opener_peer, &m, sizeof(m), NULL, 0, MSG_DONTWAIT);
                        break;
                }
                case OPENER_MSG_RELOAD:
                case OPENER_MSG_CLOSE:
                        break;
                case OPENER_MSG_RESULT:
                case OPENER_MSG_POLICY:
                case OPENER_MSG_DONE:
                case OPENER_MSG_HCI_DONE:
                case OPENER_MSG_SPARES:
                        FUZZ_ASSERT(false, "the broker sent an opener-to-broker message (type %d)", type);
                }
        }
}

static void client_reads(int fd)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        int fds[FDMSG_MAX_FDS];
        size_t n_fds;

        while (fdmsg_recv(fd, buf, sizeof(buf), fds, FDMSG_MAX_FDS, &n_fds, MSG_DONTWAIT) > 0)
                fdmsg_close_all(fds, n_fds);
}

/* A well-formed request the policy has a rule for. */
static size_t good_request(uint8_t kind, uint8_t *buf, size_t size)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__Open open = SOCKBROKER__OPEN__INIT;
        Sockbroker__Status status = SOCKBROKER__STATUS__INIT;
        Sockbroker__LinkConfig link = SOCKBROKER__LINK_CONFIG__INIT;
        char vcan[] = "vcan0";
        int n;

        req.has_version = req.has_id = true;
        req.version = SB_PROTO_VERSION;
        req.id = kind;
        switch (kind % 3) {
        case 0:
                req.op_case = SOCKBROKER__REQUEST__OP_OPEN;
                req.open = &open;
                open.has_family = open.has_type = open.has_protocol = true;
                open.family = AF_INET;
                open.type = SOCK_RAW;
                open.protocol = IPPROTO_ICMP;
                break;
        case 1:
                req.op_case = SOCKBROKER__REQUEST__OP_STATUS;
                req.status = &status;
                break;
        default:
                req.op_case = SOCKBROKER__REQUEST__OP_LINK_CONFIG;
                req.link_config = &link;
                link.ifname = vcan;
                link.has_up = link.up = true;
                break;
        }
        n = sb_proto_request_encode(&req, buf, size);
        return n > 0 ? (size_t)n : 0;
}

static void broker_down(void)
{
        for (int i = 0; i < FUZZ_CLIENTS; i++)
                clients[i] = safe_close(clients[i]);
        /* What the clients sent before they hung up is still read and
         * asked of the opener; answer until nothing is left. */
        for (int i = 0; i < 64 && !exited; i++) {
                opener_answers(0);
                run_loop();
                if (B.n_pending == 0 && !B.conns)
                        break;
        }
        if (!exited) {
                FUZZ_ASSERT(B.n_conns == 0, "%u connections left after every client hung up", B.n_conns);
                FUZZ_ASSERT(B.n_pending == 0 || !B.conns, "requests in flight with no client");
        }
        opener_peer = safe_close(opener_peer);
        broker_done(&B);
        safe_close(B.opener_fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static bool quiet;
        unsigned fds_before;
        size_t i = 0;

        if (!quiet) {
                /* Each decision is a record on stderr: a few a second
                 * are enough here (B.limits.log_rate too). */
                signal(SIGPIPE, SIG_IGN);
                audit_init(false, 1, 1);
                quiet = true;
        }
        fds_before = fuzz_fds_open();
        broker_up();
        while (i < size && !exited) {
                uint8_t op = data[i++], who = (uint8_t)((op >> 3) % FUZZ_CLIENTS);
                int *c = &clients[who];

                switch (op & 7) {
                case 0:
                        if (*c < 0) {
                                int pair[2];

                                FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
                                                       0, pair) == 0, "a client's socketpair: %m");
                                *c = pair[0];
                                (void)conn_accept(&B, pair[1], on_conn_io);
                                books_balance();
                        }
                        break;
                case 1: {
                        size_t n = i < size ? data[i++] : 0;
                        int fd = (op & 0x80) ? attachment(op >> 5) : -1;

                        if (n > size - i)
                                n = size - i;
                        if (*c >= 0)
                                (void)fdmsg_send(*c, data + i, n, &fd, fd >= 0 ? 1 : 0, MSG_DONTWAIT);
                        safe_close(fd);
                        i += n;
                        break;
                }
                case 2:
                        *c = safe_close(*c);
                        break;
                case 3:
                        opener_answers(op);
                        break;
                case 4:
                        run_loop();
                        break;
                case 5:
                        if (*c >= 0)
                                client_reads(*c);
                        break;
                case 6:
                        if (op & 0x80)
                                opener_peer = safe_close(opener_peer);
                        break;
                case 7: {
                        uint8_t buf[SB_PROTO_MAX_MESSAGE];
                        size_t n = good_request(op >> 3, buf, sizeof(buf));

                        if (*c >= 0 && n > 0)
                                (void)fdmsg_send(*c, buf, n, NULL, 0, MSG_DONTWAIT);
                        break;
                }
                }
        }
        run_loop();
        broker_down();
        FUZZ_ASSERT(fuzz_fds_open() == fds_before, "%u descriptors open after the script, %u before",
                    fuzz_fds_open(), fds_before);
        return 0;
}
