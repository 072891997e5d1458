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
 * It keeps uid 0, because it must read root-owned policy files on
 * reload, but drops every capability the policy does not need, from the
 * bounding set too, and sets no_new_privs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/log.h"
#include "daemon/opener-proto.h"
#include "daemon/opener.h"
#include "daemon/sockinfo.h"
#include "policy/policy.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER 44
#endif

struct opener {
        int sock;
        const struct opener_config *config;
        policy *current;         /* what the broker decides with now */
        policy *previous;        /* what it may still have decided with */
        uint32_t generation;
        uint64_t caps;           /* capabilities held */
        uint64_t netns_cookie;   /* of the opener's own network namespace */
};

static void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}

static void opener_done(struct opener *o)
{
        o->current = policy_free(o->current);
        o->previous = policy_free(o->previous);
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

/* ---- capabilities ---------------------------------------------------- */

static int caps_restrict(uint64_t keep)
{
        cap_value_t list[64];
        int n = 0, last = (int)cap_max_bits() - 1;
        _cleanup_(cap_freep) cap_t c = NULL;

        for (int i = 0; i <= last && i < 64; i++) {
                if (keep & (UINT64_C(1) << i))
                        list[n++] = i;
                else if (CAP_IS_SUPPORTED(i) && cap_drop_bound(i) < 0)
                        return negative_errno();
        }

        c = cap_init();
        if (!c)
                return negative_errno();
        if (n > 0 &&
            (cap_set_flag(c, CAP_PERMITTED, n, list, CAP_SET) < 0 ||
             cap_set_flag(c, CAP_EFFECTIVE, n, list, CAP_SET) < 0))
                return negative_errno();
        if (cap_set_proc(c) < 0)
                return negative_errno();
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return negative_errno();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();
        return 0;
}

/* ---- policy ------------------------------------------------------------ */

static int image_memfd(const policy *p, int *ret_fd, uint64_t *ret_size)
{
        _cleanup_free_ void *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t len, off = 0;
        int r;

        r = policy_export(p, &buf, &len);
        if (r < 0)
                return r;
        if (len > OPENER_MAX_POLICY_IMAGE)
                return -EFBIG;
        fd = memfd_create("sockbroker-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return negative_errno();
        while (off < len) {
                ssize_t n = write(fd, (char *)buf + off, len - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                off += (size_t)n;
        }
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return negative_errno();
        *ret_fd = TAKE_FD(fd);
        *ret_size = len;
        return 0;
}

/* Sends a policy image (fd >= 0) or why there is none (error != 0). */
static void send_policy(struct opener *o, int error, const char *message, int fd, uint64_t size)
{
        struct opener_policy m;
        ssize_t n;

        memset(&m, 0, sizeof(m));
        m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_POLICY, 0 };
        m.generation = o->generation;
        m.size = size;
        m.error = error;
        if (message)
                snprintf(m.message, sizeof(m.message), "%s", message);

        n = fdmsg_send(o->sock, &m, sizeof(m), &fd, error == 0 ? 1 : 0, 0);
        safe_close(fd);
        if (n < 0)
                opener_fatal("cannot send the policy to the broker: %s", strerror((int)-n));
}

static int load_policy(struct opener *o, policy **ret, char *why, size_t size)
{
        struct policy_error err = {};
        int r;

        r = policy_load(o->config->policy_path, o->config->policy_dir, true,
                        &policy_resolver_system, ret, &err);
        if (r < 0) {
                if (err.message[0])
                        policy_error_format(&err, why, size);
                else
                        snprintf(why, size, "%s: %s", o->config->policy_path, strerror(-r));
        }
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

        r = load_policy(o, &p, why, sizeof(why));
        if (r < 0) {
                send_policy(o, -r, why, -1, 0);
                return;
        }
        if (policy_capabilities(p) & ~o->caps) {
                policy_free(p);
                send_policy(o, EPERM, "the new policy needs capabilities that were dropped at "
                                      "start; restart sockbrokerd to load it", -1, 0);
                return;
        }
        r = image_memfd(p, &fd, &size);
        if (r < 0) {
                policy_free(p);
                send_policy(o, -r, "cannot export the compiled policy", -1, 0);
                return;
        }
        policy_free(o->previous);
        o->previous = o->current;
        o->current = p;
        o->generation++;
        send_policy(o, 0, NULL, fd, size);
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
        char what[160];

        policy_request_format(req, what, sizeof(what));
        opener_fatal("broker asked for %s under %s:%u, which does not allow it",
                     what, rule->file, rule->line);
}

/* ---- sockets ----------------------------------------------------------- */

/*
 * A classic BPF program that accepts only frames on ifindex (when not 0)
 * and of EtherType proto (when not 0). Locked with SO_LOCK_FILTER, it
 * confines what the socket receives however the client re-binds it.
 */
static int attach_confinement(int fd, uint32_t ifindex, uint32_t proto)
{
        struct sock_filter code[6];
        struct sock_fprog prog = { .filter = code };
        unsigned n = 0, one = 1;

        if (ifindex) {
                code[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                          (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX));
                /* Jump distances are patched below, once the length is known. */
                code[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ifindex, 0, 0);
        }
        if (proto) {
                code[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                          (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL));
                code[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, proto, 0, 0);
        }
        code[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, UINT32_MAX);
        code[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0);

        /* Every JEQ falls through on a match and jumps to the final "drop". */
        for (unsigned i = 0; i < n; i++)
                if (BPF_CLASS(code[i].code) == BPF_JMP)
                        code[i].jf = (uint8_t)(n - 1 - i - 1);

        prog.len = (unsigned short)n;
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
                return negative_errno();
        if (setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) < 0)
                return negative_errno();
        return 0;
}

static int open_packet(const struct opener_open *m, const struct policy_rule *rule,
                       int *ret_fd, enum opener_stage *stage)
{
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
        if (rule->n_ifaces > 0 || filter_proto) {
                int r;

                *stage = OPENER_STAGE_FILTER;
                r = attach_confinement(fd, rule->n_ifaces > 0 ? ifindex : 0, filter_proto);
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

static int open_socket(const struct opener_open *m, const struct policy_rule *rule,
                       int *ret_fd, enum opener_stage *stage)
{
        switch (m->family) {
        case AF_PACKET:
                return open_packet(m, rule, ret_fd, stage);
        case AF_INET:
        case AF_INET6:
                return open_inet(m, ret_fd, stage);
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

struct netns_job {
        const struct opener_open *m;
        const struct policy_rule *rule;
        int nsfd;
        int fd;
        int r;
        enum opener_stage stage;
};

/* setns() changes only the calling thread's namespace, so the socket is
 * made in a thread that does nothing else and then ends. */
static void *netns_job_run(void *userdata)
{
        struct netns_job *j = userdata;

        if (setns(j->nsfd, CLONE_NEWNET) < 0) {
                j->r = negative_errno();
                j->stage = OPENER_STAGE_NETNS;
                return NULL;
        }
        j->r = open_socket(j->m, j->rule, &j->fd, &j->stage);
        return NULL;
}

/*
 * Creates the socket in the network namespace of witness, a socket the
 * client created (the connection it asked on): a namespace the client
 * is in, reached without a path it names and without ptrace rights over
 * it, which entering through its pidfd would need.
 */
static int open_in_client_netns(struct opener *o, const struct opener_open *m,
                                const struct policy_rule *rule, int witness,
                                int *ret_fd, enum opener_stage *stage)
{
        struct netns_job job = { .m = m, .rule = rule, .fd = -1 };
        _cleanup_close_ int nsfd = -1;
        uint64_t cookie;
        pthread_t t;
        int r;

        *stage = OPENER_STAGE_NETNS;
        r = netns_cookie(witness, &cookie);
        if (r < 0)
                return r;
        if (cookie == o->netns_cookie)
                return open_socket(m, rule, ret_fd, stage);

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
        if (job.r < 0)
                return job.r;
        *ret_fd = job.fd;
        return 0;
}

static void handle_open(struct opener *o, const struct opener_open *m, int witness)
{
        struct opener_result res;
        const struct policy_rule *rule;
        struct policy_request req;
        enum opener_stage stage = OPENER_STAGE_NONE;
        _cleanup_close_ int fd = -1;
        ssize_t n;
        int r;

        rule = named_rule(decided_with(o, m->generation), m->rule_index);

        req = (struct policy_request) {
                .family = m->family,
                .type = m->type,
                .protocol = m->protocol,
                .ifname = m->ifname[0] ? m->ifname : NULL,
        };
        if (!policy_rule_permits(rule, &req))
                refuse_unpermitted(&req, rule);

        /* The broker attaches the client's socket exactly when the rule
         * creates in the client's namespace; anything else is a lie. */
        if ((policy_rule_netns(rule) == POLICY_NETNS_CLIENT) != (witness >= 0))
                opener_fatal("broker %s a namespace witness for %s:%u",
                             witness >= 0 ? "sent" : "did not send", rule->file, rule->line);

        if (witness >= 0)
                r = open_in_client_netns(o, m, rule, witness, &fd, &stage);
        else
                r = open_socket(m, rule, &fd, &stage);

        memset(&res, 0, sizeof(res));
        res.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_RESULT, m->hdr.seq };
        res.error = r < 0 ? -r : 0;
        res.stage = r < 0 ? stage : OPENER_STAGE_NONE;
        n = fdmsg_send(o->sock, &res, sizeof(res), &fd, r < 0 ? 0 : 1, 0);
        if (n < 0)
                opener_fatal("cannot send a result to the broker: %s", strerror((int)-n));
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

static void handle_bind(struct opener *o, const struct opener_bind *m, int fd)
{
        const struct policy_rule *rule = named_rule(decided_with(o, m->generation), m->rule_index);
        struct policy_request req = { .op = POLICY_OP_BIND, .has_port = true, .port = m->port };
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
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
        } else {
                addr.in6.sin6_family = AF_INET6;
                addr.in6.sin6_port = htons((uint16_t)m->port);
                memcpy(&addr.in6.sin6_addr, m->address, 16);
                addr.in6.sin6_scope_id = m->scope_id;
                len = sizeof(addr.in6);
        }
        r = bind(fd, &addr.sa, len) < 0 ? negative_errno() : 0;
        send_done(o, m->hdr.seq, r, OPENER_STAGE_BIND);
}

static void handle_setopt(struct opener *o, const struct opener_setopt *m, int fd)
{
        const struct policy_rule *rule = named_rule(decided_with(o, m->generation), m->rule_index);
        struct policy_request req = {
                .op = POLICY_OP_SETOPT,
                .sockopt = (enum policy_sockopt)m->option,
                .value = m->value,
                .ifname = m->ifname[0] ? m->ifname : NULL,
        };
        int r, v, name = 0;

        r = sockinfo_read(fd, &req);
        if (r < 0) {
                send_done(o, m->hdr.seq, r, OPENER_STAGE_SETOPT);
                return;
        }
        if (!policy_rule_permits(rule, &req))
                refuse_unpermitted(&req, rule);

        switch ((enum policy_sockopt)m->option) {
        case POLICY_SOCKOPT_BINDTODEVICE:
                r = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, m->ifname,
                               (socklen_t)strlen(m->ifname)) < 0 ? negative_errno() : 0;
                send_done(o, m->hdr.seq, r, OPENER_STAGE_SETOPT);
                return;
        case POLICY_SOCKOPT_MARK:
                name = SO_MARK;
                break;
        case POLICY_SOCKOPT_PRIORITY:
                name = SO_PRIORITY;
                break;
        case POLICY_SOCKOPT_RCVBUFFORCE:
                name = SO_RCVBUFFORCE;
                break;
        case POLICY_SOCKOPT_SNDBUFFORCE:
                name = SO_SNDBUFFORCE;
                break;
        case POLICY_SOCKOPT_NONE:
        case _POLICY_SOCKOPT_MAX:
                opener_fatal("broker sent socket option %u", m->option);
        }
        /* SO_MARK is a u32 the kernel takes through an int. */
        v = (int)(uint32_t)m->value;
        r = setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v)) < 0 ? negative_errno() : 0;
        send_done(o, m->hdr.seq, r, OPENER_STAGE_SETOPT);
}

/* ---- main loop ----------------------------------------------------------- */

int opener_main(int sock, const struct opener_config *config)
{
        struct opener o = { .sock = sock, .config = config, .generation = 1 };
        char why[512];
        uint64_t size = 0;
        int fd = -1, r;

        log_set_ident("sockbrokerd[opener]");

        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return log_error_errno(EXIT_FAILURE, "PR_SET_PDEATHSIG: %m");

        /* Signals are for the broker, the main process; the opener ends
         * when the broker hangs up, or dies with it. */
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);

        r = load_policy(&o, &o.current, why, sizeof(why));
        if (r < 0) {
                send_policy(&o, -r, why, -1, 0);
                return EXIT_FAILURE;
        }

        {
                int pair[2];

                if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) < 0 ||
                    netns_cookie(pair[0], &o.netns_cookie) < 0) {
                        send_policy(&o, errno, "cannot read the opener's network namespace", -1, 0);
                        return EXIT_FAILURE;
                }
                safe_close(pair[0]);
                safe_close(pair[1]);
        }

        o.caps = policy_capabilities(o.current) | config->extra_caps;
        r = caps_restrict(o.caps);
        if (r >= 0)
                r = image_memfd(o.current, &fd, &size);
        if (r < 0) {
                send_policy(&o, -r, "cannot drop capabilities or export the policy", -1, 0);
                opener_done(&o);
                return EXIT_FAILURE;
        }
        send_policy(&o, 0, NULL, fd, size);

        for (;;) {
                union {
                        struct opener_hdr hdr;
                        struct opener_open open;
                        struct opener_bind bind;
                        struct opener_setopt setopt;
                        char raw[OPENER_MAX_MESSAGE];
                } buf;
                int fds[FDMSG_MAX_FDS];
                size_t n_fds;
                ssize_t n;
                int type;

                n = fdmsg_recv(sock, &buf, sizeof(buf), fds, 1, &n_fds, 0);
                if (n == 0)
                        break;             /* the broker is gone */
                if (n < 0)
                        opener_fatal("receiving from the broker: %s", strerror((int)-n));

                type = opener_msg_check(&buf, (size_t)n, n_fds);
                if (type < 0) {
                        fdmsg_close_all(fds, n_fds);
                        opener_fatal("invalid message from the broker: %s", strerror(-type));
                }

                switch ((enum opener_msg_type)type) {
                case OPENER_MSG_OPEN:
                        handle_open(&o, &buf.open, n_fds ? fds[0] : -1);
                        fdmsg_close_all(fds, n_fds);
                        break;
                case OPENER_MSG_RELOAD:
                        handle_reload(&o);
                        break;
                case OPENER_MSG_CLOSE:
                        /* A socket whose client left: this close may be the
                         * last one, and slow, so it happens here and not in
                         * the broker's event loop. */
                        fdmsg_close_all(fds, n_fds);
                        break;
                case OPENER_MSG_BIND:
                        handle_bind(&o, &buf.bind, fds[0]);
                        fdmsg_close_all(fds, n_fds);
                        break;
                case OPENER_MSG_SETOPT:
                        handle_setopt(&o, &buf.setopt, fds[0]);
                        fdmsg_close_all(fds, n_fds);
                        break;
                case OPENER_MSG_RESULT:
                case OPENER_MSG_POLICY:
                case OPENER_MSG_DONE:
                        fdmsg_close_all(fds, n_fds);
                        opener_fatal("broker sent an opener-to-broker message (type %d)", type);
                }
        }

        opener_done(&o);
        return EXIT_SUCCESS;
}
