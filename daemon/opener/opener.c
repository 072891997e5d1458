/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener.c - the privileged half of sockbrokerd.
 *
 * The opener is a small state machine in the OpenBSD privsep tradition.
 * It reads no client bytes: its only peer is the broker, over a
 * socketpair, and its only input from there is the fixed vocabulary of
 * opener-proto.h, checked exactly before use. It holds the compiled
 * policy itself and re-checks every OPEN against the allow rule the
 * broker names, ignoring identity: a broker that has been taken over can
 * obtain only sockets that some allow rule describes, bound and confined
 * as that rule says. Anything unexpected from the broker ends the opener.
 *
 * It runs as a user of its own and keeps only the capabilities the policy
 * needs, in every set, with no_new_privs. It parses no policy text
 * either: sockbroker-compiler, which it starts without privilege, reads
 * and compiles the files and hands back an image in a sealed memfd, which
 * the opener imports with the validating importer and forwards, the same
 * bytes, to the broker (compiler.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <linux/can.h>
#include <linux/can/isotp.h>
#include <linux/can/j1939.h>
#include <linux/can/raw.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bt.h"
#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/opener/bluetooth.h"
#include "daemon/opener/compiler.h"
#include "daemon/opener/link.h"
#include "daemon/opener/notify.h"
#include "daemon/opener/opener-internal.h"
#include "daemon/shared/privileges.h"
#include "daemon/shared/closer.h"
#include "daemon/shared/log.h"
#include "daemon/shared/opener-proto.h"
#include "daemon/shared/seccomp.h"
#include "daemon/opener/opener.h"
#include "daemon/shared/sockinfo.h"
#include "daemon/shared/test-hook.h"
#include "policy/policy.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER 44
#endif

static void opener_done(struct opener *o)
{
        o->current = policy_free(o->current);
        o->previous = policy_free(o->previous);
        o->image_fd = safe_close(o->image_fd);
        o->compiler = safe_close(o->compiler);
}

_printf_(1, 2) __attribute__((noreturn))
static void opener_fatal(const char *fmt, ...)
{
        char buf[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        log_error("%s; exiting", buf);
        _exit(EXIT_FAILURE);
}

/* ---- policy ------------------------------------------------------------ */

/* Sends a policy image (fd >= 0, still the caller's) or why there is
 * none (error != 0). */
static void send_policy(struct opener *o, int error, const char *message, int fd, uint64_t size)
{
        struct opener_policy m;
        ssize_t n;

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_POLICY, 0 };
        m.generation = o->generation;
        m.size = size;
        m.netns_cookie = o->netns_cookie;
        m.error = error;
        if (message)
                snprintf(m.message, sizeof(m.message), "%s", message);

        n = fdmsg_send(o->sock, &m, sizeof(m), &fd, error == 0 ? 1 : 0, 0);
        if (n < 0)
                opener_fatal("cannot send the policy to the broker: %s", strerror((int)-n));
}

/* The policy, from the compiler; a compiler that can no longer be asked
 * is let go of, and every later load says so. */
static int load_policy(struct opener *o, policy **ret, int *ret_fd, uint64_t *ret_size,
                       char *why, size_t size)
{
        bool lost;
        int r;

        r = compiler_load(o->compiler, ret, ret_fd, ret_size, why, size, &lost);
        if (r < 0 && lost)
                o->compiler = safe_close(o->compiler);
        return r;
}

/*
 * Loads the policy files and, only once the image is ready to send,
 * makes the new policy current. The broker switches when it receives
 * it; until then it may still name rules of the one before, which is
 * therefore kept. A broker that cannot take an image exits, so the two
 * never drift further apart than that.
 */
static void handle_reload(struct opener *o)
{
        char why[512];
        policy *p = NULL;
        uint64_t size;
        int fd, r;

        r = load_policy(o, &p, &fd, &size, why, sizeof(why));
        if (r < 0 && o->compiler < 0 && o->config->restartable) {
                /* Under a service manager, a new opener starts a new
                 * compiler; this one cannot, with fork and execve out of
                 * its seccomp filter. */
                log_notice("%s; exiting to be started again with a new one", why);
                send_policy(o, -r, why, -1, 0);
                o->restart = true;
                return;
        }
        if (r < 0) {
                if (o->compiler < 0)
                        strncat(why, "; restart sockbrokerd to load a policy",
                                sizeof(why) - strlen(why) - 1);
                send_policy(o, -r, why, -1, 0);
                return;
        }
        if (policy_capabilities(p) & ~o->caps) {
                policy_free(p);
                safe_close(fd);
                if (!o->config->restartable) {
                        send_policy(o, EPERM, "the new policy needs capabilities that were "
                                              "dropped at start; restart sockbrokerd to load it",
                                    -1, 0);
                        return;
                }
                /* Under a service manager, the next connection starts a
                 * new opener, which loads this policy with the unit's
                 * capabilities and keeps what it needs; the broker
                 * follows when this one hangs up. */
                log_notice("the new policy needs capabilities that were dropped at start; "
                           "exiting to be started again with them");
                send_policy(o, EPERM, "the new policy needs capabilities that the opener dropped "
                                      "at start; the opener and the broker restart to load it",
                            -1, 0);
                o->restart = true;
                return;
        }
        policy_free(o->previous);
        o->previous = o->current;
        o->current = p;
        safe_close(o->image_fd);
        o->image_fd = fd;
        o->image_size = size;
        o->generation++;
        send_policy(o, 0, NULL, o->image_fd, o->image_size);
}

/* The policy the broker decided with, or the end of the opener. */
static const policy *decided_with(struct opener *o, uint32_t generation)
{
        if (generation == o->generation)
                return o->current;
        if (generation + 1 == o->generation && o->previous)
                return o->previous;
        opener_fatal("broker used policy generation %u, opener has %u", generation, o->generation);
}

static const struct policy_rule *named_rule(const policy *p, uint32_t index)
{
        if (index >= policy_n_rules(p))
                opener_fatal("broker named rule %u of %zu", index, policy_n_rules(p));
        return policy_get_rule(p, index);
}

__attribute__((noreturn))
static void refuse_unpermitted(const struct policy_request *req, const struct policy_rule *rule)
{
        /* In numbers, the fields that decide: the words are the broker's
         * to log, and a broker that asks this has been taken over. */
        opener_fatal("broker asked for operation %d (family %d, type %d, protocol %" PRIu32
                     ", interface '%s', port %" PRIu32 ", channel %" PRIu32 ", device %" PRIu32
                     ", option %d=%" PRIu64 ", link operation %d, bitrate %" PRIu32
                     ", opcode 0x%04" PRIx32 ") under %s:%u, which does not allow it",
                     (int)req->op, req->family, req->type, req->protocol, strna(req->ifname),
                     req->port, req->channel, req->dev, (int)req->sockopt, req->value,
                     (int)req->link_op, req->bitrate, req->opcode, rule->file, rule->line);
}

/* ---- sockets ----------------------------------------------------------- */

/*
 * The filter of a packet socket, as one classic BPF program: first the
 * confinement, which drops every frame not on ifindex (when not 0) or
 * not of EtherType proto (when not 0); then the client's own program
 * (client, n), which starts as the kernel starts one, with A and X zero,
 * and decides what is left; without one, every frame that passes is
 * accepted whole. The client's jumps are forward only and stay within
 * its part (opener_filter_check()), so nothing it does skips a test.
 * Locked with SO_LOCK_FILTER when it confines (lock), so that re-binding
 * the socket gains the client no frame.
 */
static int attach_filter(int fd, uint32_t ifindex, uint32_t proto,
                         const struct sock_filter *client, size_t n, bool lock)
{
        struct sock_filter code[8 + OPENER_MAX_FILTER];
        struct sock_fprog prog = { .filter = code };
        size_t len = 0;
        int one = 1;

        assert(n <= OPENER_MAX_FILTER);
        if (ifindex) {
                code[len++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                            (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX));
                code[len++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ifindex, 1, 0);
                code[len++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0);
        }
        if (proto) {
                code[len++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                            (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL));
                code[len++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, proto, 1, 0);
                code[len++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0);
        }
        if (n > 0) {
                code[len++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_IMM, 0);
                code[len++] = (struct sock_filter) BPF_STMT(BPF_LDX | BPF_IMM, 0);
                memcpy(&code[len], client, n * sizeof(*client));
                len += n;
        } else
                code[len++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, UINT32_MAX);

        prog.len = (unsigned short)len;
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
                return negative_errno();
        if (lock && setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) < 0)
                return negative_errno();
        return 0;
}

static int open_packet(const struct opener_open *m, const struct policy_rule *rule,
                       int *ret_fd, enum opener_stage *stage)
{
        /* The message is as long as its filter (opener_msg_check()). */
        const struct sock_filter *client = ((const struct opener_open_filter *)m)->filter;
        int flags = SOCK_CLOEXEC | ((m->flags & OPENER_OPEN_NONBLOCK) ? SOCK_NONBLOCK : 0);
        _cleanup_close_ int fd = -1;
        unsigned ifindex = 0;
        uint32_t filter_proto = 0;

        if (m->ifname[0]) {
                *stage = OPENER_STAGE_INTERFACE;
                ifindex = if_nametoindex(m->ifname);
                if (ifindex == 0)
                        return negative_errno();
        }

        /* Protocol 0 at creation, the real one at bind: creating with a
         * protocol and re-binding would unregister a hook and wait for a
         * grace period. */
        *stage = OPENER_STAGE_CREATE;
        fd = socket(AF_PACKET, m->type | flags, 0);
        if (fd < 0)
                return negative_errno();

        if (rule->n_protocols > 0 && m->protocol != ETH_P_ALL)
                filter_proto = m->protocol;
        if (rule->n_ifaces > 0 || filter_proto || m->filter_len > 0) {
                bool confined = rule->n_ifaces > 0 || filter_proto;
                int r;

                *stage = OPENER_STAGE_FILTER;
                r = attach_filter(fd, rule->n_ifaces > 0 ? ifindex : 0, filter_proto,
                                  client, m->filter_len, confined);
                if (r < 0)
                        return r;
        }

        if (ifindex || m->protocol) {
                struct sockaddr_ll sll = {
                        .sll_family = AF_PACKET,
                        .sll_protocol = htons((uint16_t)m->protocol),
                        .sll_ifindex = (int)ifindex,
                };

                *stage = OPENER_STAGE_BIND;
                if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
                        return negative_errno();
        }

        *stage = OPENER_STAGE_NONE;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int open_inet(const struct opener_open *m, int *ret_fd, enum opener_stage *stage)
{
        int flags = SOCK_CLOEXEC | ((m->flags & OPENER_OPEN_NONBLOCK) ? SOCK_NONBLOCK : 0);
        _cleanup_close_ int fd = -1;

        *stage = OPENER_STAGE_CREATE;
        fd = socket(m->family, m->type | flags, (int)m->protocol);
        if (fd < 0)
                return negative_errno();

        if (m->ifname[0]) {
                *stage = OPENER_STAGE_PIN;
                if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, m->ifname,
                               (socklen_t)strlen(m->ifname) + 1) < 0)
                        return negative_errno();
        }

        *stage = OPENER_STAGE_NONE;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/*
 * CAN: what the broker adds is reach and pinning, not permission. The
 * socket is bound (BCM: connected) to the interface here; ISO-TP's
 * options are set before bind, after which the kernel freezes them.
 */
static int open_can(const struct opener_open *m, const struct policy_request *req,
                    int *ret_fd, enum opener_stage *stage)
{
        int flags = SOCK_CLOEXEC | ((m->flags & OPENER_OPEN_NONBLOCK) ? SOCK_NONBLOCK : 0);
        struct sockaddr_can addr = { .can_family = AF_CAN };
        _cleanup_close_ int fd = -1;
        int one = 1;

        if (m->ifname[0]) {
                *stage = OPENER_STAGE_INTERFACE;
                addr.can_ifindex = (int)if_nametoindex(m->ifname);
                if (addr.can_ifindex == 0)
                        return negative_errno();
        }

        *stage = OPENER_STAGE_CREATE;
        fd = socket(AF_CAN, m->type | flags, (int)m->protocol);
        if (fd < 0)
                return negative_errno();

        *stage = OPENER_STAGE_SETOPT;
        if (req->can_fd && m->protocol == CAN_RAW &&
            setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &one, sizeof(one)) < 0)
                return negative_errno();
        if (req->can_fd && m->protocol == CAN_ISOTP) {
                struct can_isotp_ll_options ll = { .mtu = CANFD_MTU, .tx_dl = CANFD_MAX_DLEN };

                if (setsockopt(fd, SOL_CAN_ISOTP, CAN_ISOTP_LL_OPTS, &ll, sizeof(ll)) < 0)
                        return negative_errno();
        }

        *stage = OPENER_STAGE_BIND;
        switch (m->protocol) {
        case CAN_BCM:
                /* BCM takes its interface at connect(), and once only. */
                if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                        return negative_errno();
                break;
        case CAN_ISOTP:
                if (!req->has_can_ids)
                        return -EDESTADDRREQ;
                addr.can_addr.tp.rx_id = req->rx_id;
                addr.can_addr.tp.tx_id = req->tx_id;
                if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                        return negative_errno();
                break;
        case CAN_J1939:
                if (!req->has_j1939)
                        return -EDESTADDRREQ;
                addr.can_addr.j1939.name = req->j1939_name;
                addr.can_addr.j1939.pgn = req->j1939_pgn;
                addr.can_addr.j1939.addr = (uint8_t)req->j1939_addr;
                if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                        return negative_errno();
                break;
        default:
                if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                        return negative_errno();
                break;
        }

        *stage = OPENER_STAGE_NONE;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/*
 * Bluetooth: created in the opener's (the host's) namespace, the only
 * one the kernel allows. HCI sockets are bound to their channel, raw
 * ones with the rule's event filter; L2CAP, RFCOMM and SCO sockets to
 * the controller's address and the PSM or channel asked for.
 */
static int open_bluetooth(const struct opener_open *m, const struct policy_rule *rule,
                          const struct policy_request *req, int *ret_fd, enum opener_stage *stage)
{
        int flags = SOCK_CLOEXEC | ((m->flags & OPENER_OPEN_NONBLOCK) ? SOCK_NONBLOCK : 0);
        _cleanup_close_ int fd = -1;
        bdaddr_t bdaddr = {};
        int r;

        if (req->has_dev && m->protocol != BTPROTO_HCI) {
                *stage = OPENER_STAGE_DEVICE;
                r = bt_device_address((uint16_t)req->dev, &bdaddr);
                if (r < 0)
                        return r;
        }

        *stage = OPENER_STAGE_CREATE;
        fd = socket(AF_BLUETOOTH, m->type | flags, (int)m->protocol);
        if (fd < 0)
                return negative_errno();

        *stage = OPENER_STAGE_BIND;
        switch (m->protocol) {
        case BTPROTO_HCI: {
                struct sockaddr_hci sa = {
                        .hci_family = AF_BLUETOOTH,
                        .hci_dev = req->has_dev ? (unsigned short)req->dev : HCI_DEV_NONE,
                        .hci_channel = (unsigned short)req->channel,
                };

                if (!req->has_channel)
                        return -EDESTADDRREQ;
                if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                        return negative_errno();
                if (req->channel == HCI_CHANNEL_RAW) {
                        *stage = OPENER_STAGE_FILTER;
                        r = bt_set_event_filter(fd, rule->events, rule->n_events);
                        if (r < 0)
                                return r;
                }
                break;
        }
        case BTPROTO_L2CAP: {
                struct sockaddr_l2 sa = {
                        .l2_family = AF_BLUETOOTH,
                        .l2_psm = htole16((uint16_t)req->port),
                        .l2_bdaddr = bdaddr,
                        .l2_bdaddr_type = BDADDR_BREDR,
                };

                if ((req->has_dev || req->has_port) &&
                    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                        return negative_errno();
                break;
        }
        case BTPROTO_RFCOMM: {
                struct sockaddr_rc sa = {
                        .rc_family = AF_BLUETOOTH,
                        .rc_bdaddr = bdaddr,
                        .rc_channel = (uint8_t)req->channel,
                };

                if ((req->has_dev || req->has_channel) &&
                    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                        return negative_errno();
                break;
        }
        case BTPROTO_SCO: {
                struct sockaddr_sco sa = { .sco_family = AF_BLUETOOTH, .sco_bdaddr = bdaddr };

                if (req->has_dev && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                        return negative_errno();
                break;
        }
        default:
                break;
        }

        *stage = OPENER_STAGE_NONE;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* req is m's request, as opener_open_get_request() gives it. */
static int open_socket(const struct opener_open *m, const struct policy_request *req,
                       const struct policy_rule *rule, int *ret_fd, enum opener_stage *stage)
{
        switch (m->family) {
        case AF_PACKET:
                return open_packet(m, rule, ret_fd, stage);
        case AF_INET:
        case AF_INET6:
                return open_inet(m, ret_fd, stage);
        case AF_CAN:
                return open_can(m, req, ret_fd, stage);
        case AF_BLUETOOTH:
                return open_bluetooth(m, rule, req, ret_fd, stage);
        default:
                *stage = OPENER_STAGE_CREATE;
                return -EAFNOSUPPORT;
        }
}

/* ---- the client's network namespace ------------------------------------ */

static int netns_cookie(int sock, uint64_t *ret)
{
        socklen_t len = sizeof(*ret);

        if (getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, ret, &len) < 0)
                return negative_errno();
        return 0;
}

/* Work to do in a network namespace: returns 0 or a negative errno,
 * and says where it failed in *stage. */
typedef int (*netns_work)(void *ctx, enum opener_stage *stage);

struct netns_job {
        netns_work work;
        void *ctx;
        int nsfd;
        int r;
        enum opener_stage stage;
};

/* setns() changes only the calling thread's namespace, so the work is
 * done in a thread that does nothing else and then ends. */
static void *netns_job_run(void *userdata)
{
        struct netns_job *j = userdata;

        if (setns(j->nsfd, CLONE_NEWNET) < 0) {
                j->r = negative_errno();
                j->stage = OPENER_STAGE_NETNS;
                return NULL;
        }
        j->r = j->work(j->ctx, &j->stage);
        return NULL;
}

/*
 * Does work in the network namespace of witness, a socket the client
 * created (the connection it asked on): a namespace the client is in,
 * reached without a path it names and without ptrace rights over it,
 * which entering through its pidfd would need.
 */
static int in_client_netns(struct opener *o, int witness, netns_work work, void *ctx,
                           enum opener_stage *stage)
{
        struct netns_job job = { .work = work, .ctx = ctx };
        _cleanup_close_ int nsfd = -1;
        uint64_t cookie;
        pthread_t t;
        int r;

        *stage = OPENER_STAGE_NETNS;
        r = netns_cookie(witness, &cookie);
        if (r < 0)
                return r;
        if (cookie == o->netns_cookie)
                return work(ctx, stage);

        nsfd = ioctl(witness, SIOCGSKNS);
        if (nsfd < 0)
                return negative_errno();
        (void)fcntl(nsfd, F_SETFD, FD_CLOEXEC);
        job.nsfd = nsfd;
        r = pthread_create(&t, NULL, netns_job_run, &job);
        if (r != 0)
                return -r;
        (void)pthread_join(t, NULL);
        *stage = job.stage;
        return job.r;
}

struct open_work {
        const struct opener_open *m;
        const struct policy_request *req;
        const struct policy_rule *rule;
        int fd;
};

static int open_work_run(void *ctx, enum opener_stage *stage)
{
        struct open_work *w = ctx;

        return open_socket(w->m, w->req, w->rule, &w->fd, stage);
}

/* The broker attaches a socket of the client's exactly when the rule works
 * in the client's namespace; anything else is a lie. */
static void check_witness(const struct policy_rule *rule, int witness)
{
        if ((policy_rule_netns(rule) == POLICY_NETNS_CLIENT) != (witness >= 0))
                opener_fatal("broker %s a namespace witness for %s:%u",
                             witness >= 0 ? "sent" : "did not send", rule->file, rule->line);
}

static void handle_open(struct opener *o, const struct opener_open *m, int witness)
{
        struct opener_result res;
        const struct policy_rule *rule;
        struct policy_request req;
        enum opener_stage stage = OPENER_STAGE_NONE;
        struct open_work w = { .m = m, .req = &req, .fd = -1 };
        _cleanup_close_ int fd = -1;
        ssize_t n;
        int r;

        test_hook_forbidden_syscall("opener");
        rule = named_rule(decided_with(o, m->generation), m->rule_index);

        opener_open_get_request(m, &req);
        if (!policy_rule_permits(rule, &req))
                refuse_unpermitted(&req, rule);
        check_witness(rule, witness);

        w.rule = rule;
        if (witness >= 0)
                r = in_client_netns(o, witness, open_work_run, &w, &stage);
        else
                r = open_work_run(&w, &stage);
        fd = w.fd;

        memset(&res, 0, sizeof(res));
        res.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_RESULT, m->hdr.seq };
        res.error = r < 0 ? -r : 0;
        res.stage = r < 0 ? stage : OPENER_STAGE_NONE;
        n = fdmsg_send(o->sock, &res, sizeof(res), &fd, r < 0 ? 0 : 1, 0);
        if (n < 0)
                opener_fatal("cannot send a result to the broker: %s", strerror((int)-n));
        /* The broker and the client may both be done with the socket
         * before this copy goes: then this close is the last. */
        closer_close(TAKE_FD(fd), m->family);
}

/*
 * Spares: raw IP sockets made ahead, so that the broker can answer the
 * next requests like one it has just granted without a round trip here.
 * The request is re-checked against its rule as an OPEN is. They are
 * made in this process's own network namespace only: under netns=client
 * the broker attaches the connection of a client in that namespace,
 * which this checks, and it hands them on only to clients there.
 */
_Static_assert(OPENER_MAX_SPARES <= FDMSG_MAX_FDS, "one SPARES message carries them all");

static void handle_spare(struct opener *o, const struct opener_open *m, int witness)
{
        int fds[OPENER_MAX_SPARES];
        struct opener_spares res;
        const struct policy_rule *rule;
        struct policy_request req;
        enum opener_stage stage = OPENER_STAGE_NONE;
        uint32_t n = 0;
        ssize_t sent;
        int r = 0;

        rule = named_rule(decided_with(o, m->generation), m->rule_index);
        opener_open_get_request(m, &req);
        if (!policy_rule_permits(rule, &req))
                refuse_unpermitted(&req, rule);
        check_witness(rule, witness);
        if (witness >= 0) {
                uint64_t cookie;

                stage = OPENER_STAGE_NETNS;
                r = netns_cookie(witness, &cookie);
                if (r == 0 && cookie != o->netns_cookie)
                        opener_fatal("broker asked for spares for a client in another network "
                                     "namespace (%s:%u)", rule->file, rule->line);
        }

        while (r == 0 && n < m->count) {
                r = open_inet(m, &fds[n], &stage);
                if (r == 0)
                        n++;
        }
        if (r < 0) {
                for (uint32_t i = 0; i < n; i++)
                        closer_close(fds[i], m->family);
                n = 0;
        }

        memset(&res, 0, sizeof(res));
        res.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_SPARES, m->hdr.seq };
        res.error = r < 0 ? -r : 0;
        res.stage = r < 0 ? stage : OPENER_STAGE_NONE;
        res.count = n;
        sent = fdmsg_send(o->sock, &res, sizeof(res), fds, n, 0);
        if (sent < 0)
                opener_fatal("cannot send spares to the broker: %s", strerror((int)-sent));
        for (uint32_t i = 0; i < n; i++)
                closer_close(fds[i], m->family);
}

/* ---- operations on a client's socket --------------------------------------- */

static void send_done(struct opener *o, uint32_t seq, int r, enum opener_stage stage)
{
        struct opener_done d;
        ssize_t n;

        memset(&d, 0, sizeof(d));
        d.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_DONE, seq };
        d.error = r < 0 ? -r : 0;
        d.stage = r < 0 ? stage : OPENER_STAGE_NONE;
        n = fdmsg_send(o->sock, &d, sizeof(d), NULL, 0, 0);
        if (n < 0)
                opener_fatal("cannot send a result to the broker: %s", strerror((int)-n));
}

/* The controllers a rule's dev= names, at most this many looked at. */
#define OPENER_MAX_CONTROLLERS 64u

/*
 * Whether an L2CAP socket may be bound to bdaddr under rule: with dev=,
 * only to the address of a controller it names (not to "any", which is
 * every controller); without, to any.
 */
static bool l2cap_address_permitted(const struct policy_rule *rule, const bdaddr_t *bdaddr)
{
        static const bdaddr_t any = {};

        if (rule->n_devs == 0)
                return true;
        if (memcmp(bdaddr, &any, sizeof(any)) == 0)
                return false;
        for (uint32_t dev = 0; dev < OPENER_MAX_CONTROLLERS; dev++) {
                bdaddr_t a;

                if (policy_ranges_contain(rule->devs, rule->n_devs, dev) &&
                    bt_device_address((uint16_t)dev, &a) == 0 && memcmp(&a, bdaddr, sizeof(a)) == 0)
                        return true;
        }
        return false;
}

static void handle_bind(struct opener *o, const struct opener_bind *m, int fd)
{
        const struct policy_rule *rule = named_rule(decided_with(o, m->generation), m->rule_index);
        struct policy_request req = { .op = POLICY_OP_BIND, .has_port = true, .port = m->port };
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
                struct sockaddr_l2 l2;
        } addr = {};
        socklen_t len;
        int r;

        r = sockinfo_read(fd, &req);
        if (r < 0) {
                send_done(o, m->hdr.seq, r, OPENER_STAGE_BIND);
                return;
        }
        /* The broker read the same socket; a different answer is a lie. */
        if (req.family != m->family || !policy_rule_permits(rule, &req))
                refuse_unpermitted(&req, rule);

        if (m->family == AF_INET) {
                addr.in.sin_family = AF_INET;
                addr.in.sin_port = htons((uint16_t)m->port);
                memcpy(&addr.in.sin_addr, m->address, 4);
                len = sizeof(addr.in);
        } else if (m->family == AF_INET6) {
                addr.in6.sin6_family = AF_INET6;
                addr.in6.sin6_port = htons((uint16_t)m->port);
                memcpy(&addr.in6.sin6_addr, m->address, 16);
                addr.in6.sin6_scope_id = m->scope_id;
                len = sizeof(addr.in6);
        } else {
                addr.l2.l2_family = AF_BLUETOOTH;
                addr.l2.l2_psm = htole16((uint16_t)m->port);
                memcpy(&addr.l2.l2_bdaddr, m->address, sizeof(bdaddr_t));
                addr.l2.l2_bdaddr_type = BDADDR_BREDR;
                len = sizeof(addr.l2);
                if (!l2cap_address_permitted(rule, &addr.l2.l2_bdaddr)) {
                        send_done(o, m->hdr.seq, -EADDRNOTAVAIL, OPENER_STAGE_DEVICE);
                        return;
                }
        }
        r = bind(fd, &addr.sa, len) < 0 ? negative_errno() : 0;
        send_done(o, m->hdr.seq, r, OPENER_STAGE_BIND);
}

static void handle_setopt(struct opener *o, const struct opener_setopt *m, int fd)
{
        const struct policy_rule *rule = named_rule(decided_with(o, m->generation), m->rule_index);
        struct policy_request req = {
                .op = POLICY_OP_SETOPT,
                .value = m->value,
                .ifname = m->ifname[0] ? m->ifname : NULL,
        };
        int r, v, sockopt, name = 0;

        /* opener_msg_check() let only known options through. */
        if (!opener_sockopt_to_policy(m->option, &sockopt))
                opener_fatal("broker sent socket option %u", m->option);
        req.sockopt = (enum policy_sockopt)sockopt;
        r = sockinfo_read(fd, &req);
        if (r < 0) {
                send_done(o, m->hdr.seq, r, OPENER_STAGE_SETOPT);
                return;
        }
        if (!policy_rule_permits(rule, &req))
                refuse_unpermitted(&req, rule);

        switch ((enum opener_sockopt)m->option) {
        case OPENER_SOCKOPT_BINDTODEVICE:
                r = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, m->ifname,
                               (socklen_t)strlen(m->ifname)) < 0 ? negative_errno() : 0;
                send_done(o, m->hdr.seq, r, OPENER_STAGE_SETOPT);
                return;
        case OPENER_SOCKOPT_MARK:
                name = SO_MARK;
                break;
        case OPENER_SOCKOPT_PRIORITY:
                name = SO_PRIORITY;
                break;
        case OPENER_SOCKOPT_RCVBUFFORCE:
                name = SO_RCVBUFFORCE;
                break;
        case OPENER_SOCKOPT_SNDBUFFORCE:
                name = SO_SNDBUFFORCE;
                break;
        }
        /* SO_MARK is a u32 the kernel takes through an int. */
        v = (int)(uint32_t)m->value;
        r = setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v)) < 0 ? negative_errno() : 0;
        send_done(o, m->hdr.seq, r, OPENER_STAGE_SETOPT);
}

struct link_work {
        const struct opener_link *m;
};

static int link_work_run(void *ctx, enum opener_stage *stage)
{
        const struct opener_link *m = ((struct link_work *)ctx)->m;

        *stage = OPENER_STAGE_LINK;
        switch ((enum opener_link_op)m->op) {
        case OPENER_LINK_UP:
        case OPENER_LINK_DOWN:
                return link_set_up(m->ifname, m->op == OPENER_LINK_UP);
        case OPENER_LINK_BITRATE:
                return link_set_can_bitrate(m->ifname, m->bitrate);
        }
        return -EINVAL;
}

static void handle_link(struct opener *o, const struct opener_link *m, int witness)
{
        const struct policy_rule *rule = named_rule(decided_with(o, m->generation), m->rule_index);
        struct policy_request req = {
                .op = POLICY_OP_LINK,
                .family = AF_CAN,
                .ifname = m->ifname,
                .bitrate = m->bitrate,
        };
        struct link_work w = { .m = m };
        enum opener_stage stage = OPENER_STAGE_LINK;
        int r, op;

        if (!opener_link_op_to_policy(m->op, &op))
                opener_fatal("broker sent link operation %u", m->op);
        req.link_op = (enum policy_link_op)op;

        if (!policy_rule_permits(rule, &req))
                refuse_unpermitted(&req, rule);
        check_witness(rule, witness);

        if (witness >= 0)
                r = in_client_netns(o, witness, link_work_run, &w, &stage);
        else
                r = link_work_run(&w, &stage);
        send_done(o, m->hdr.seq, r, stage);
}

/* HCI commands in flight at once; one more waits in the loop. */
#define OPENER_HCI_WORKERS 4

struct hci_job {
        int sock;
        unsigned timeout_ms;
        struct opener_hci m;
};

static atomic_uint hci_workers;

/* Sends the command and its answer; the answer goes to the broker as
 * soon as the controller gives it (or --hci-timeout passes), whatever
 * the opener does meanwhile. */
static void hci_job_run(const struct hci_job *j)
{
        const struct opener_hci *m = &j->m;
        struct opener_hci_done d;
        uint8_t event = 0;
        size_t len = 0;
        ssize_t n;
        int r;

        memset(&d, 0, sizeof(d));
        r = bt_hci_command((uint16_t)m->dev, (uint16_t)m->opcode, m->params, m->n_params,
                           j->timeout_ms, &event, d.data, &len);
        d.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_HCI_DONE, m->hdr.seq };
        d.error = r < 0 ? -r : 0;
        d.stage = r < 0 ? OPENER_STAGE_DEVICE : OPENER_STAGE_NONE;
        d.event = event;
        d.n_data = (uint32_t)len;
        /* On the job's own copy of the broker's socket: if that broker
         * has gone, the answer goes nowhere, not to the next one. */
        n = fdmsg_send(j->sock, &d, sizeof(d), NULL, 0, 0);
        if (n < 0)
                log_warning("cannot send an HCI command's answer to the broker: %s",
                            strerror((int)-n));
}

static void hci_job_free(struct hci_job *j)
{
        safe_close(j->sock);
        free(j);
}

static void *hci_job_thread(void *userdata)
{
        struct hci_job *j = userdata;

        hci_job_run(j);
        hci_job_free(j);
        atomic_fetch_sub(&hci_workers, 1);
        return NULL;
}

/*
 * A controller may take --hci-timeout to answer, or never answer: the
 * command runs in a thread of its own, so that no other request waits
 * for it; the broker matches answers to requests by their sequence
 * numbers. At OPENER_HCI_WORKERS commands in flight, the next runs here.
 */
static void handle_hci(struct opener *o, const struct opener_hci *m)
{
        const struct policy_rule *rule = named_rule(decided_with(o, m->generation), m->rule_index);
        struct policy_request req = {
                .op = POLICY_OP_HCI_COMMAND,
                .family = AF_BLUETOOTH,
                .protocol = BTPROTO_HCI,
                .has_dev = true,
                .dev = m->dev,
                .opcode = m->opcode,
        };
        struct hci_job *j;
        pthread_attr_t attr;
        pthread_t t;

        if (!policy_rule_permits(rule, &req))
                refuse_unpermitted(&req, rule);

        j = malloc(sizeof(*j));
        if (!j)
                opener_fatal("out of memory");
        *j = (struct hci_job) { .timeout_ms = o->config->hci_timeout_ms, .m = *m };
        j->sock = fcntl(o->sock, F_DUPFD_CLOEXEC, 3);
        if (j->sock < 0)
                opener_fatal("cannot duplicate the broker's socket: %m");
        if (atomic_fetch_add(&hci_workers, 1) >= OPENER_HCI_WORKERS ||
            pthread_attr_init(&attr) != 0) {
                atomic_fetch_sub(&hci_workers, 1);
                hci_job_run(j);
                hci_job_free(j);
                return;
        }
        (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, hci_job_thread, j) != 0) {
                atomic_fetch_sub(&hci_workers, 1);
                hci_job_run(j);
                hci_job_free(j);
        }
        pthread_attr_destroy(&attr);
}

/* ---- main loop ----------------------------------------------------------- */

/*
 * Loads the policy, notes the opener's network namespace and keeps only
 * the capabilities the policy needs. Returns 0, or a negative errno with
 * the reason in why.
 */
static int opener_setup(struct opener *o, char *why, size_t size)
{
        int pair[2], r;

        r = compiler_start(o->config, &o->compiler);
        if (r < 0)
                return refuse(r, why, size, "cannot start sockbroker-compiler: %s", strerror(-r));
        r = load_policy(o, &o->current, &o->image_fd, &o->image_size, why, size);
        if (r < 0)
                return r;

        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) < 0)
                return refuse(negative_errno(), why, size, "cannot read the opener's network namespace");
        r = netns_cookie(pair[0], &o->netns_cookie);
        safe_close(pair[0]);
        safe_close(pair[1]);
        if (r < 0)
                return refuse(r, why, size, "cannot read the opener's network namespace");

        o->caps = policy_capabilities(o->current) | o->config->extra_caps;
        r = privileges_drop(o->caps, o->config->uid, o->config->gid);
        if (r < 0)
                return refuse(r, why, size, "cannot switch to uid %u with only the capabilities "
                              "the policy needs: %s", (unsigned)o->config->uid, strerror(-r));
        /* With the privileges it keeps: capabilities are per thread. */
        r = closer_start();
        if (r < 0)
                return refuse(r, why, size, "cannot start the closer thread: %s", strerror(-r));
        r = seccomp_lock(&seccomp_filter_opener);
        if (r < 0)
                return refuse(r, why, size, "cannot load the seccomp filter: %s", strerror(-r));
        return 0;
}

void opener_dispatch(struct opener *o, const void *buf, size_t n, int *fds, size_t n_fds)
{
        int type = opener_msg_check(buf, n, n_fds);

        if (type < 0) {
                fdmsg_close_all(fds, n_fds);
                opener_fatal("invalid message from the broker: %s", strerror(-type));
        }

        switch ((enum opener_msg_type)type) {
        case OPENER_MSG_OPEN:
                handle_open(o, buf, n_fds ? fds[0] : -1);
                fdmsg_close_all(fds, n_fds);
                break;
        case OPENER_MSG_SPARE:
                handle_spare(o, buf, n_fds ? fds[0] : -1);
                fdmsg_close_all(fds, n_fds);
                break;
        case OPENER_MSG_RELOAD:
                handle_reload(o);
                break;
        case OPENER_MSG_CLOSE:
                /* A socket whose client left: this close is likely the
                 * last one, and slow, so neither the broker's event loop
                 * nor this one waits for it. */
                for (size_t i = 0; i < n_fds; i++)
                        closer_close(fds[i], AF_UNSPEC);
                break;
        case OPENER_MSG_BIND:
                handle_bind(o, buf, fds[0]);
                fdmsg_close_all(fds, n_fds);
                break;
        case OPENER_MSG_SETOPT:
                handle_setopt(o, buf, fds[0]);
                fdmsg_close_all(fds, n_fds);
                break;
        case OPENER_MSG_LINK:
                handle_link(o, buf, n_fds ? fds[0] : -1);
                fdmsg_close_all(fds, n_fds);
                break;
        case OPENER_MSG_HCI:
                handle_hci(o, buf);
                break;
        case OPENER_MSG_RESULT:
        case OPENER_MSG_POLICY:
        case OPENER_MSG_DONE:
        case OPENER_MSG_HCI_DONE:
        case OPENER_MSG_SPARES:
                fdmsg_close_all(fds, n_fds);
                opener_fatal("broker sent an opener-to-broker message (type %d)", type);
        }
}

/* Serves the broker on o->sock, first with the current policy, until it
 * hangs up. Anything unexpected from it ends the opener. */
static void opener_serve(struct opener *o)
{
        send_policy(o, 0, NULL, o->image_fd, o->image_size);

        for (;;) {
                union {
                        struct opener_hdr hdr;
                        struct opener_open open;
                        struct opener_bind bind;
                        struct opener_setopt setopt;
                        struct opener_link link;
                        struct opener_hci hci;
                        char raw[OPENER_MAX_MESSAGE];
                } buf;
                int fds[FDMSG_MAX_FDS];
                size_t n_fds;
                ssize_t n;

                n = fdmsg_recv(o->sock, &buf, sizeof(buf), fds, 1, &n_fds, 0);
                if (n == 0 && n_fds == 0)
                        break;             /* the broker is gone */
                if (n < 0)
                        opener_fatal("receiving from the broker: %s", strerror((int)-n));

                opener_dispatch(o, &buf, (size_t)n, fds, n_fds);
                if (o->restart)
                        break;
        }

}

/* Signals are for the broker, which tells the opener what to do; the
 * opener ends when the broker hangs up, or (forked) dies with it. */
static void ignore_signals(void)
{
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);
}

int opener_main(int sock, const struct opener_config *config)
{
        struct opener o = { .sock = sock, .config = config, .generation = 1, .compiler = -1,
                            .image_fd = -1 };
        char why[512];
        int r;

        log_set_ident("sockbrokerd[opener]");
        ignore_signals();

        r = opener_setup(&o, why, sizeof(why));
        if (r < 0) {
                send_policy(&o, -r, why, -1, 0);
                opener_done(&o);
                return EXIT_FAILURE;
        }
        /* No parent-death signal: the broker runs as another uid, and the
         * kernel sends that signal with the dying parent's credentials,
         * which may not signal the opener. The opener ends instead when
         * the socketpair hangs up, at its next read. */
        opener_serve(&o);
        opener_done(&o);
        return EXIT_SUCCESS;
}

/* Whether the peer of sock runs as uid, by the kernel's word. */
static bool peer_is(int sock, uid_t uid)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        return getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
               len == sizeof(cred) && cred.uid == uid;
}

int opener_listen(int listen_fd, uid_t broker_uid, const struct opener_config *config)
{
        struct opener o = { .sock = -1, .config = config, .generation = 1, .compiler = -1,
                            .image_fd = -1 };
        char why[512], status[128];
        int r;

        log_set_ident("sockbrokerd[opener]");
        /* On its own, the opener stops on SIGTERM like any service; the
         * broker's reload reaches it as a RELOAD message, not SIGHUP. */
        signal(SIGHUP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);

        r = opener_setup(&o, why, sizeof(why));
        if (r < 0) {
                struct pollfd p = { .fd = listen_fd, .events = POLLIN };

                log_error("policy not loaded: %s", why);
                /* The broker whose connection started the opener is told
                 * why too, as a forked opener tells it. */
                if (poll(&p, 1, 0) == 1) {
                        o.sock = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
                        if (o.sock >= 0 && peer_is(o.sock, broker_uid))
                                send_policy(&o, -r, why, -1, 0);
                        o.sock = safe_close(o.sock);
                }
                opener_done(&o);
                return EXIT_FAILURE;
        }
        snprintf(status, sizeof(status), "READY=1\nSTATUS=Waiting for the broker (uid %u)",
                 (unsigned)broker_uid);
        (void)notify_send(status);
        log_info("serving the broker (uid %u) on its socket", broker_uid);

        /* One broker at a time: the next is accepted when this one hangs up. */
        for (;;) {
                o.sock = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (o.sock < 0 && (errno == EINTR || errno == ECONNABORTED))
                        continue;
                if (o.sock < 0)
                        return log_error_errno(EXIT_FAILURE, "accept: %m");
                if (!peer_is(o.sock, broker_uid)) {
                        log_warning("refusing a connection that is not from the broker's uid %u",
                                    broker_uid);
                        o.sock = safe_close(o.sock);
                        continue;
                }
                (void)notify_send("STATUS=Serving the broker");
                opener_serve(&o);
                o.sock = safe_close(o.sock);
                if (o.restart) {
                        opener_done(&o);
                        return EXIT_SUCCESS;
                }
                (void)notify_send(status + strlen("READY=1\n"));
                log_info("the broker hung up; waiting for it to come back");
        }
}
