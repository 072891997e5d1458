/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * supervise.c - the seccomp supervisor of `sockbroker run`.
 *
 * The preload shim reaches only programs that call socket() through a
 * dynamically linked libc. A static binary, a Go program or a raw system
 * call goes straight to the kernel. This supervisor meets them there:
 *
 *   1. It builds a filter (tools/supervise-rules.c) whose only
 *      non-default action is SECCOMP_RET_USER_NOTIF, for the socket(),
 *      bind() and setsockopt() calls the kernel may refuse for want of
 *      a capability, for CAN and Bluetooth sockets, which a program in a
 *      container may need from the host's namespace, and for the calls
 *      that name a placeholder's address. Every other call runs at full
 *      speed.
 *   2. It forks. The child sets no_new_privs, so no privilege is needed,
 *      loads the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER, sends the
 *      listener back and executes the command. The filter is inherited:
 *      the whole tree the command starts is served, threads included.
 *   3. The parent, unprivileged (it drops every capability it has), reads
 *      notifications and answers each one:
 *      - socket(): it asks sockbrokerd, exactly as the shim does, and
 *        installs the granted socket in the caller with
 *        SECCOMP_IOCTL_NOTIF_ADDFD and SECCOMP_ADDFD_FLAG_SEND, so the
 *        number is the call's own result; for a CAN or Bluetooth socket,
 *        only when the caller's own would reach nothing (kernel_reaches());
 *        and a placeholder where the address comes later;
 *      - bind() and setsockopt(): it takes its own copy of the caller's
 *        descriptor (pidfd_getfd) and makes the call on it as an
 *        unprivileged process; only when the kernel refuses for want of
 *        a privilege does it ask the broker, as libsockbroker does.
 *      When the broker refuses, or cannot be reached, the call goes on
 *      to the kernel (SECCOMP_USER_NOTIF_FLAG_CONTINUE), which answers
 *      as it would have without the supervisor: the program sees its
 *      usual error, and a program that has the privilege itself still
 *      uses it.
 *
 * The caller is hostile and its memory can change under us. An address
 * or an option value is read once, into our own buffer, and only that
 * copy is used; the call acts on our own descriptor, never on a pointer
 * read again. Everything read about the caller (its credentials and
 * namespaces in /proc, its memory) is trusted only once
 * SECCOMP_IOCTL_NOTIF_ID_VALID says it is still blocked in that very
 * call, so its pid cannot have been reused.
 *
 * The supervisor speaks for the caller to the broker, under its own
 * identity. It does so only for a caller with exactly its own user and
 * group ids, supplementary groups, user and network namespace, and no
 * effective capability: one that changed any of them (a root program
 * dropping to "nobody", a program in a namespace of its own) or has a
 * privilege of its own is left to the kernel.
 *
 * One thread serves every notification in turn. No step waits for the
 * caller, and the broker calls have timeouts, so a tree of many threads
 * cannot deadlock it. A caller interrupted by a signal before its
 * notification is read restarts the call (Go's preemption signal, for
 * one); once it is read, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux
 * 5.19) keeps it waiting for the answer. An answer to a caller that has
 * gone fails with ENOENT, and the granted socket is closed.
 *
 * The supervisor is a child subreaper, so every process of the tree stays
 * its descendant. It exits when the command has ended and the filter's
 * last task has gone, with the command's status.
 */
#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/can.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client-lib/broker/client.h"
#include "client-lib/broker/refilter.h"
#include "client-lib/broker/refusal.h"
#include "client-lib/broker/spec.h"
#include "common/bt.h"
#include "common/fdmsg.h"
#include "common/seccomp-export.h"
#include "common/util.h"
#include "sockbroker/sockbroker.h"
#include "tools/sockbroker.h"
#include "tools/supervise-rules.h"
#include "tools/supervise.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

#define MAX_GROUPS 256

/* Who the supervisor is; a caller must be the same to be served. */
struct identity {
        uid_t uid[3];
        gid_t gid[3];
        int n_groups;
        gid_t groups[MAX_GROUPS];
        struct stat netns, userns;
};

struct supervisor {
        const struct supervise_options *opt;
        int listener;
        uint32_t arch;          /* AUDIT_ARCH_* of the calls the rules describe */
        struct identity self;
        struct seccomp_notif *req;
        size_t req_size;
        struct seccomp_notif_resp *resp;
        size_t resp_size;
        struct sb_placeholders *placeholders;
};

/* What /proc says of a caller. */
struct caller {
        pid_t pid;              /* the thread that made the call */
        pid_t tgid;
        unsigned long long cap_eff;
        struct identity id;
};

_printf_(2, 3)
static void debug(const struct supervisor *s, const char *fmt, ...)
{
        char line[SB_PROTO_MAX_REASON * 3];
        va_list ap;
        int n;

        if (s->opt->debug == 0)
                return;
        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (n >= 0)
                fprintf(stderr, "sockbroker run: %s\n", line);
}

/* ---- the filter ------------------------------------------------------------ */

/* The filter as a classic BPF program, built by libseccomp for this
 * architecture; calls of any other architecture are allowed. */
static int filter_build(struct sock_fprog *ret)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        if (!ctx)
                return -ENOMEM;
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
        for (size_t i = 0; r == 0 && i < sv_n_rules; i++) {
                const struct sv_rule *rule = &sv_rules[i];
                struct scmp_arg_cmp cmp[ELEMENTSOF(rule->tests)];

                for (unsigned k = 0; k < rule->n_tests; k++)
                        cmp[k] = SCMP_CMP(rule->tests[k].arg, SCMP_CMP_MASKED_EQ,
                                          rule->tests[k].mask, rule->tests[k].value);
                r = seccomp_rule_add_exact_array(ctx, SCMP_ACT_NOTIFY, rule->nr,
                                                 rule->n_tests, cmp);
        }
        if (r == 0)
                r = seccomp_export_program(ctx, ret);
        seccomp_release(ctx);
        return r;
}

/* In the child: loads the filter; returns the listener or -errno. */
/*
 * SECCOMP_FILTER_FLAG_SPEC_ALLOW: the filter serves the program, it does
 * not confine it, so it must not also switch on the speculative store
 * bypass mitigation the kernel gives seccomp tasks by default, which
 * slows every system call of the program (bench/run-supervise.sh).
 */
static int filter_load(const struct sock_fprog *prog)
{
        static const unsigned long optional[] = {
                SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                SECCOMP_FILTER_FLAG_SPEC_ALLOW,         /* before Linux 5.19 */
                0,
        };
        int fd = -1;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();
        for (size_t i = 0; i < ELEMENTSOF(optional); i++) {
                fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                  SECCOMP_FILTER_FLAG_NEW_LISTENER | optional[i], prog);
                if (fd >= 0 || errno != EINVAL)
                        break;
        }
        return fd < 0 ? negative_errno() : fd;
}

/* ---- who may be served ------------------------------------------------------- */

static int ns_stat(const char *pid, const char *ns, struct stat *ret)
{
        char path[64];

        snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns);
        return stat(path, ret) < 0 ? negative_errno() : 0;
}

static int identity_self(struct identity *id)
{
        int r;

        if (getresuid(&id->uid[0], &id->uid[1], &id->uid[2]) < 0 ||
            getresgid(&id->gid[0], &id->gid[1], &id->gid[2]) < 0)
                return negative_errno();
        id->n_groups = getgroups(MAX_GROUPS, id->groups);
        if (id->n_groups < 0)
                return negative_errno();
        r = ns_stat("self", "net", &id->netns);
        return r < 0 ? r : ns_stat("self", "user", &id->userns);
}

static int gid_cmp(const void *a, const void *b)
{
        gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

        return x < y ? -1 : x > y;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool identity_equal(struct identity *a, struct identity *b)
{
        if (memcmp(a->uid, b->uid, sizeof(a->uid)) != 0 ||
            memcmp(a->gid, b->gid, sizeof(a->gid)) != 0 || a->n_groups != b->n_groups)
                return false;
        qsort(a->groups, (size_t)a->n_groups, sizeof(gid_t), gid_cmp);
        qsort(b->groups, (size_t)b->n_groups, sizeof(gid_t), gid_cmp);
        return memcmp(a->groups, b->groups, (size_t)a->n_groups * sizeof(gid_t)) == 0 &&
               same_file(&a->netns, &b->netns) && same_file(&a->userns, &b->userns);
}

/* Reads the caller's thread group, ids, groups and namespaces from /proc.
 * Valid only once the notification is checked to be still pending. */
static int caller_read(pid_t pid, struct caller *c)
{
        char path[64], buf[16384], num[16];
        _cleanup_close_ int fd = -1;
        unsigned long u[4], g[4];
        const char *p;
        ssize_t n;
        int r;

        c->pid = pid;
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        /* Room for 256 groups and more; a status that does not fit is
         * not trusted. */
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
                return -EIO;
        buf[n] = '\0';

        p = strstr(buf, "\nTgid:");
        if (!p || sscanf(p, "\nTgid: %d", &c->tgid) != 1)
                return -EIO;
        /* A caller with a capability of its own makes its calls itself. */
        p = strstr(buf, "\nCapEff:");
        if (!p || sscanf(p, "\nCapEff: %llx", &c->cap_eff) != 1)
                return -EIO;
        p = strstr(buf, "\nUid:");
        if (!p || sscanf(p, "\nUid: %lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
                return -EIO;
        p = strstr(buf, "\nGid:");
        if (!p || sscanf(p, "\nGid: %lu %lu %lu %lu", &g[0], &g[1], &g[2], &g[3]) != 4)
                return -EIO;
        for (int i = 0; i < 3; i++) {
                c->id.uid[i] = (uid_t)u[i];
                c->id.gid[i] = (gid_t)g[i];
        }
        p = strstr(buf, "\nGroups:");
        if (!p)
                return -EIO;
        p += strlen("\nGroups:");
        c->id.n_groups = 0;
        for (;;) {
                char *end;
                unsigned long v;

                p += strspn(p, " \t");
                if (*p < '0' || *p > '9')
                        break;
                v = strtoul(p, &end, 10);
                if (c->id.n_groups == MAX_GROUPS)
                        return -E2BIG;
                c->id.groups[c->id.n_groups++] = (gid_t)v;
                p = end;
        }

        snprintf(num, sizeof(num), "%d", (int)pid);
        r = ns_stat(num, "net", &c->id.netns);
        return r < 0 ? r : ns_stat(num, "user", &c->id.userns);
}

/* ---- answering ------------------------------------------------------------ */

static bool notif_valid(const struct supervisor *s, uint64_t id)
{
        return ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* Answers the call: with error (a positive errno) or val, or by letting
 * the kernel run it. A caller that has gone (ENOENT) needs no answer. */
static void respond(struct supervisor *s, uint64_t id, int error, int64_t val, bool cont)
{
        memset(s->resp, 0, s->resp_size);
        s->resp->id = id;
        s->resp->error = -error;
        s->resp->val = error ? 0 : val;
        s->resp->flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
        if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, s->resp) < 0 && errno != ENOENT)
                debug(s, "cannot answer a call: %m");
}

static void respond_continue(struct supervisor *s, uint64_t id)
{
        respond(s, id, 0, 0, true);
}

/* Reads exactly len bytes at addr in the caller; false otherwise. */
static bool caller_copy(pid_t pid, uint64_t addr, void *buf, size_t len)
{
        struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

        return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/*
 * The caller, if we may speak for it: same identity, and the
 * notification still pending once /proc was read. With want_fd, also our
 * own copy of its descriptor fd in *ret_fd.
 */
static bool caller_served(struct supervisor *s, const struct seccomp_notif *n, int fd,
                          int *ret_fd, pid_t *ret_tgid)
{
        struct caller c;
        _cleanup_close_ int pidfd = -1;
        int r;

        r = caller_read((pid_t)n->pid, &c);
        if (r < 0) {
                debug(s, "pid %d: cannot read its identity: %s", (int)n->pid, strerror(-r));
                return false;
        }
        if (c.cap_eff != 0 || !identity_equal(&c.id, &s->self)) {
                debug(s, "pid %d has privileges, ids or namespaces of its own; "
                      "the kernel answers its call", (int)n->pid);
                return false;
        }
        if (ret_fd) {
                pidfd = (int)syscall(SYS_pidfd_open, c.tgid, 0);
                if (pidfd < 0)
                        return false;
        }
        if (!notif_valid(s, n->id))
                return false;
        if (ret_fd) {
                *ret_fd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
                if (*ret_fd < 0)
                        return false;
        }
        if (ret_tgid)
                *ret_tgid = c.tgid;
        return true;
}

static void debug_broker(const struct supervisor *s, pid_t pid, const char *call, int r)
{
        const char *msg = sb_broker_message(), *rule = sb_broker_rule();

        if (r >= 0 && s->opt->debug >= 2)
                debug(s, "%s by pid %d: granted%s%s", call, (int)pid, rule[0] ? " by " : "", rule);
        else if (r < 0)
                debug(s, "%s by pid %d: %s%s%s%s; the kernel answers the call", call, (int)pid,
                      msg[0] ? msg : strerrorname_np(-r) ?: "refused",
                      rule[0] ? " (" : "", rule, rule[0] ? ")" : "");
}

/* ---- placeholders ---------------------------------------------------------- */

/* Whether descriptor fd of process tgid is close-on-exec, from
 * /proc/TGID/fdinfo/FD (its "flags:" are octal open flags). */
static bool caller_fd_cloexec(pid_t tgid, int fd)
{
        char path[64], buf[256];
        _cleanup_close_ int f = -1;
        unsigned long flags;
        const char *p;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tgid, fd);
        f = open(path, O_RDONLY | O_CLOEXEC);
        if (f < 0)
                return true;
        n = read(f, buf, sizeof(buf) - 1);
        if (n <= 0)
                return true;
        buf[n] = '\0';
        p = strstr(buf, "flags:");
        if (!p || sscanf(p, "flags: %lo", &flags) != 1)
                return true;
        return flags & O_CLOEXEC;
}

/*
 * Puts our descriptor fd in place of the caller's descriptor that the
 * call names (its first argument), as dup2() would, close-on-exec as
 * that one was (SECCOMP_ADDFD_FLAG_SETFD). Returns false when the caller
 * has gone, or when the kernel refused, which then answers the call.
 */
static bool install_in_place(struct supervisor *s, const struct seccomp_notif *n, int fd,
                             pid_t tgid)
{
        struct seccomp_notif_addfd addfd = {
                .id = n->id,
                .flags = SECCOMP_ADDFD_FLAG_SETFD,
                .srcfd = (uint32_t)fd,
                .newfd = (uint32_t)n->data.args[0],
                .newfd_flags = caller_fd_cloexec(tgid, (int)n->data.args[0]) ? O_CLOEXEC : 0,
        };

        /* It returns the number the descriptor got in the caller. */
        if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) >= 0)
                return true;
        if (errno != ENOENT)
                respond(s, n->id, errno, 0, false);
        return false;
}

/* Whether this network namespace has a CAN interface (ARPHRD_CAN). One
 * that cannot be told is taken to have one: the kernel then decides. */
static bool netns_has_can(void)
{
        struct if_nameindex *ifs = if_nameindex();
        _cleanup_close_ int fd = -1;
        bool found = false;

        if (!ifs)
                return true;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        for (const struct if_nameindex *i = ifs; i->if_index != 0 && !found; i++) {
                struct ifreq ifr = {};

                snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
                found = fd < 0 || (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 &&
                                   ifr.ifr_hwaddr.sa_family == ARPHRD_CAN);
        }
        if_freenameindex(ifs);
        return found;
}

/*
 * A CAN or Bluetooth socket needs no privilege to be made, but it may
 * need reach. Bluetooth sockets exist only in the host's network
 * namespace (elsewhere socket() says EAFNOSUPPORT), a raw L2CAP socket
 * needs CAP_NET_RAW, and a CAN socket in a namespace without a CAN
 * interface reaches no bus. The supervisor, in the caller's namespace and
 * with its identity (caller_served()), makes the same socket: when that
 * works, and for CAN the namespace has a CAN interface, the kernel makes
 * the caller's own; so it does when it fails for a reason the broker does
 * not change. True in those cases.
 */
static bool kernel_reaches(int family, int type, int protocol)
{
        _cleanup_close_ int fd = socket(family, (type & ~SOCK_NONBLOCK) | SOCK_CLOEXEC, protocol);

        if (fd < 0)
                return errno != EAFNOSUPPORT && errno != EPERM && errno != EACCES;
        return family != AF_CAN || netns_has_can();
}

static void serve_socket(struct supervisor *s, const struct seccomp_notif *n)
{
        int family = (int)n->data.args[0], type = (int)n->data.args[1];
        int protocol = (int)n->data.args[2];
        struct seccomp_notif_addfd addfd = { .id = n->id, .flags = SECCOMP_ADDFD_FLAG_SEND };
        char what[SB_SPEC_MAX], call[SB_SPEC_MAX + 16];
        struct sb_spec spec;
        int fd, r;

        if (!caller_served(s, n, -1, NULL, NULL) ||
            ((family == AF_CAN || family == AF_BLUETOOTH) && kernel_reaches(family, type, protocol)) ||
            sb_spec_from_socket(family, type, protocol, s->opt->iface, &spec) < 0) {
                respond_continue(s, n->id);
                return;
        }
        if (sb_spec_format(&spec, what, sizeof(what)) < 0)
                snprintf(what, sizeof(what), "%d/%d/%d", family, spec.type, protocol);
        snprintf(call, sizeof(call), "socket(%s)", what);

        fd = sb_client_open(&spec, type & SOCK_NONBLOCK);
        if ((fd == -EPERM || fd == -EACCES) && sv_placeholder_waits(&spec) &&
            (r = sb_placeholder_new(s->placeholders, &spec, type)) >= 0) {
                /* Perhaps granted on the address a later call names. */
                debug(s, "%s by pid %d: none for this user without %s; a placeholder until %s",
                      call, (int)n->pid,
                      family == AF_BLUETOOTH ? "a controller and channel" : "an interface",
                      family == AF_PACKET ? "bind() names the interface" :
                      family == AF_CAN ? "ioctl(SIOCGIFINDEX) names the interface" :
                      "bind() names them");
                fd = r;
        } else
                debug_broker(s, (pid_t)n->pid, call, fd);
        if (fd < 0) {
                respond_continue(s, n->id);
                return;
        }
        addfd.srcfd = (uint32_t)fd;
        addfd.newfd_flags = type & SOCK_CLOEXEC ? O_CLOEXEC : 0;
        r = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
        if (r < 0 && errno != ENOENT) {
                /* EMFILE: the caller's table is full; it gets what its
                 * own socket() would have got. */
                r = errno;
                respond(s, n->id, r, 0, false);
        }
        safe_close(fd);
}

/* The placeholder our copy fd of a caller's descriptor is, if it is one
 * of family. */
static struct sb_placeholder *placeholder_of(struct supervisor *s, int fd, int family)
{
        struct sb_placeholder *p = sb_placeholder_of(s->placeholders, fd);

        return p && p->family == family ? p : NULL;
}

/*
 * ioctl(SIOCGIFINDEX) on a placeholder CAN socket names its interface,
 * as a CAN program does before bind() (candump, Python's socket module):
 * the broker's socket on it takes the placeholder's number, and the
 * kernel then answers the ioctl on that socket, in its namespace. On any
 * other descriptor it is the kernel's.
 */
static void serve_ifindex(struct supervisor *s, const struct seccomp_notif *n)
{
        _cleanup_close_ int fd = -1, granted = -1;
        char ifname[IFNAMSIZ], what[SB_SPEC_MAX], why[SB_PROTO_MAX_REASON];
        struct sb_placeholder *p;
        struct sb_spec spec;
        pid_t tgid = 0;

        if (!caller_served(s, n, (int)n->data.args[0], &fd, &tgid) ||
            !(p = placeholder_of(s, fd, AF_CAN)) ||
            !caller_copy((pid_t)n->pid, n->data.args[2], ifname, sizeof(ifname))) {
                respond_continue(s, n->id);
                return;
        }
        ifname[IFNAMSIZ - 1] = '\0';
        if (!notif_valid(s, n->id))
                return;
        if (sb_spec_from_socket(AF_CAN, p->type, p->protocol, ifname, &spec) < 0 ||
            sb_spec_format(&spec, what, sizeof(what)) < 0) {
                respond_continue(s, n->id);
                return;
        }
        granted = sb_placeholder_open_spec(p, fd, &spec, why, sizeof(why));
        if (granted < 0) {
                /* On the placeholder the kernel says ENODEV, as for a
                 * CAN socket where no such interface is. */
                debug(s, "ioctl(SIOCGIFINDEX) naming %s by pid %d: %s; the kernel answers the call",
                      what, (int)n->pid, why[0] ? why : sb_broker_message()[0] ?
                      sb_broker_message() : strerror(-granted));
                respond_continue(s, n->id);
                return;
        }
        if (!install_in_place(s, n, granted, tgid))
                return;
        sb_placeholder_remove(p);
        if (s->opt->debug >= 2)
                debug(s, "ioctl(SIOCGIFINDEX) naming %s by pid %d: granted%s%s", what, (int)n->pid,
                      sb_broker_rule()[0] ? " by " : "", sb_broker_rule());
        respond_continue(s, n->id);
}

/*
 * bind() of a placeholder names the interface: the broker's socket for
 * it, with what the program set on the placeholder, takes the
 * placeholder's number (SECCOMP_ADDFD_FLAG_SETFD, as dup2() would), and
 * the bind returns 0; the broker has bound it. Any other packet socket's
 * bind is the kernel's.
 */
static void serve_bind_packet(struct supervisor *s, const struct seccomp_notif *n,
                              const struct sockaddr_ll *ll)
{
        _cleanup_close_ int fd = -1, granted = -1;
        char call[SB_SPEC_MAX + 16], why[SB_PROTO_MAX_REASON];
        struct sb_placeholder *p;
        pid_t tgid = 0;

        if (!caller_served(s, n, (int)n->data.args[0], &fd, &tgid) ||
            !(p = placeholder_of(s, fd, AF_PACKET))) {
                respond_continue(s, n->id);
                return;
        }
        granted = sb_placeholder_open(p, fd, ll, call, sizeof(call), why, sizeof(why));
        if (granted < 0 && why[0]) {
                debug(s, "%s by pid %d: %s", call, (int)n->pid, why);
                respond(s, n->id, -granted, 0, false);
                return;
        }
        debug_broker(s, (pid_t)n->pid, call, granted);
        if (granted < 0) {
                /* What the kernel says to a packet socket it refuses. */
                respond(s, n->id, EPERM, 0, false);
                return;
        }

        if (!install_in_place(s, n, granted, tgid))
                return;
        sb_placeholder_remove(p);
        respond(s, n->id, 0, 0, false);
}

/*
 * bind() of an HCI socket names its controller and channel. A
 * placeholder's, or that of the program's own socket where the kernel
 * refuses the channel for want of a privilege (monitor: CAP_NET_RAW;
 * user: CAP_NET_ADMIN): the broker's socket bound there takes its number,
 * and the bind returns 0. Any other is the program's own bind.
 */
static void serve_bind_hci(struct supervisor *s, const struct seccomp_notif *n,
                           const struct sockaddr_hci *sa)
{
        _cleanup_close_ int fd = -1, granted = -1;
        char what[SB_SPEC_MAX], why[SB_PROTO_MAX_REASON];
        struct sb_placeholder *p;
        struct sb_spec spec;
        int type = SOCK_RAW, protocol = -1;
        socklen_t len = sizeof(int);
        pid_t tgid = 0;

        if (!caller_served(s, n, (int)n->data.args[0], &fd, &tgid)) {
                respond_continue(s, n->id);
                return;
        }
        p = placeholder_of(s, fd, AF_BLUETOOTH);
        if (!p) {
                if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0 ||
                    protocol != BTPROTO_HCI || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
                        respond_continue(s, n->id);
                        return;
                }
                /* As an unprivileged process would: done, or refused
                 * for a reason no privilege changes. */
                if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
                        respond(s, n->id, 0, 0, false);
                        return;
                }
                if (errno != EPERM) {
                        respond(s, n->id, errno, 0, false);
                        return;
                }
        }
        spec = (struct sb_spec) {
                .family = AF_BLUETOOTH,
                .type = p ? p->type : type,
                .protocol = BTPROTO_HCI,
                .has_dev = sa->hci_dev != HCI_DEV_NONE,
                .dev = sa->hci_dev != HCI_DEV_NONE ? sa->hci_dev : 0,
                .has_channel = true,
                .channel = sa->hci_channel,
        };
        if (sb_spec_format(&spec, what, sizeof(what)) < 0)
                snprintf(what, sizeof(what), "bluetooth/raw/hci");
        granted = sb_placeholder_open_spec(p, fd, &spec, why, sizeof(why));
        if (granted < 0) {
                /* What the kernel says to an HCI bind it refuses. */
                debug(s, "bind(%s) by pid %d: %s; EPERM", what, (int)n->pid,
                      why[0] ? why : sb_broker_message()[0] ? sb_broker_message() :
                      strerror(-granted));
                respond(s, n->id, EPERM, 0, false);
                return;
        }
        if (!install_in_place(s, n, granted, tgid))
                return;
        if (p)
                sb_placeholder_remove(p);
        if (s->opt->debug >= 2)
                debug(s, "bind(%s) by pid %d: granted%s%s", what, (int)n->pid,
                      sb_broker_rule()[0] ? " by " : "", sb_broker_rule());
        respond(s, n->id, 0, 0, false);
}

static void serve_bind(struct supervisor *s, const struct seccomp_notif *n)
{
        struct sockaddr_storage ss = {};
        size_t len = sv_bind_read_len(n->data.args[2], sizeof(ss));
        _cleanup_close_ int fd = -1;
        int protocol = -1, r;
        socklen_t plen = sizeof(protocol);

        if (len == 0 || !caller_copy((pid_t)n->pid, n->data.args[1], &ss, len)) {
                respond_continue(s, n->id);
                return;
        }
        if (ss.ss_family == AF_PACKET && len == sizeof(struct sockaddr_ll)) {
                serve_bind_packet(s, n, (const struct sockaddr_ll *)&ss);
                return;
        }
        if (ss.ss_family == AF_BLUETOOTH && len == sizeof(struct sockaddr_hci)) {
                serve_bind_hci(s, n, (const struct sockaddr_hci *)&ss);
                return;
        }
        if ((ss.ss_family != AF_INET && ss.ss_family != AF_INET6 && ss.ss_family != AF_BLUETOOTH) ||
            len == sizeof(struct sockaddr_ll) ||
            !caller_served(s, n, (int)n->data.args[0], &fd, NULL)) {
                respond_continue(s, n->id);
                return;
        }
        /* As an unprivileged process would: done, or refused for a
         * reason no privilege changes. */
        if (bind(fd, (struct sockaddr *)&ss, (socklen_t)len) == 0) {
                respond(s, n->id, 0, 0, false);
                return;
        }
        r = errno;
        if (ss.ss_family == AF_BLUETOOTH)
                (void)getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &plen);
        if (!sb_refusal_bind(ss.ss_family, protocol, r)) {
                respond(s, n->id, r, 0, r == EACCES || r == EPERM);
                return;
        }
        r = sb_client_bind(fd, (struct sockaddr *)&ss, (socklen_t)len);
        debug_broker(s, (pid_t)n->pid, ss.ss_family == AF_INET ? "bind(inet)" :
                     ss.ss_family == AF_INET6 ? "bind(inet6)" : "bind(l2cap)", r);
        if (r < 0)
                respond_continue(s, n->id);
        else
                respond(s, n->id, 0, 0, false);
}

static void serve_setsockopt(struct supervisor *s, const struct seccomp_notif *n)
{
        int name = (int)n->data.args[2];
        char value[IFNAMSIZ] = "";
        size_t len = sv_setsockopt_read_len(name, n->data.args[4], sizeof(value));
        _cleanup_close_ int fd = -1;
        const char *opt;
        char call[64];
        int r;

        if ((len > 0 && !caller_copy((pid_t)n->pid, n->data.args[3], value, len)) ||
            (name != SO_BINDTODEVICE && len == 0) ||
            !sv_setsockopt_value_needs_broker(name, value, len) ||
            !caller_served(s, n, (int)n->data.args[0], &fd, NULL)) {
                respond_continue(s, n->id);
                return;
        }
        if (setsockopt(fd, SOL_SOCKET, name, value, (socklen_t)len) == 0) {
                respond(s, n->id, 0, 0, false);
                return;
        }
        r = errno;
        opt = sb_refusal_setsockopt(SOL_SOCKET, name, value, (socklen_t)len, r);
        if (!opt) {
                respond(s, n->id, r, 0, r == EPERM || r == EACCES);
                return;
        }
        r = sb_client_setsockopt(fd, SOL_SOCKET, name, value, (socklen_t)len);
        snprintf(call, sizeof(call), "setsockopt(%s)", opt);
        debug_broker(s, (pid_t)n->pid, call, r);
        if (r < 0)
                respond_continue(s, n->id);
        else
                respond(s, n->id, 0, 0, false);
}

/*
 * Puts the broker's socket with filter (n instructions; none for the
 * bare confinement) in place of the caller's locked packet socket fd,
 * under its number, as bind() of a placeholder does. A socket with a
 * ring is left to the kernel, which says EPERM: only the program itself
 * can map a new ring where the old one is, which the preload shim does
 * when it is loaded too (--mode=auto).
 */
static void refilter(struct supervisor *s, const struct seccomp_notif *n, int fd, pid_t tgid,
                     const struct sock_filter *filter, size_t n_filter, const char *call)
{
        _cleanup_close_ int granted = -1;
        char why[SB_PROTO_MAX_REASON];

        granted = sb_refilter_open(fd, filter, n_filter, false, why, sizeof(why));
        if (granted < 0) {
                debug(s, "%s by pid %d: the filter is locked by sockbrokerd, which did not replace "
                      "the socket: %s; the kernel answers the call", call, (int)n->pid,
                      why[0] ? why : sb_broker_message()[0] ? sb_broker_message() :
                      strerror(-granted));
                respond_continue(s, n->id);
                return;
        }
        if (!notif_valid(s, n->id))
                return;
        if (!install_in_place(s, n, granted, tgid))
                return;
        if (s->opt->debug >= 2)
                debug(s, "%s by pid %d: a socket with the confinement%s took its place", call,
                      (int)n->pid, n_filter ? " and then this filter" : " alone");
        respond(s, n->id, 0, 0, false);
}

/*
 * SO_ATTACH_FILTER on a packet socket whose filter the broker locked,
 * which the kernel refuses: the program's filter after the confinement,
 * in the broker's socket (client-lib/broker/refilter.h). The program is
 * read once, into our buffer. Any other socket's is the kernel's.
 */
static void serve_attach(struct supervisor *s, const struct seccomp_notif *n)
{
        struct sock_filter filter[SB_PROTO_MAX_FILTER];
        _cleanup_close_ int fd = -1;
        struct sock_fprog prog;
        pid_t tgid = 0;

        if ((uint32_t)n->data.args[4] != sizeof(prog) ||
            !caller_served(s, n, (int)n->data.args[0], &fd, &tgid) || !sb_refilter_locked(fd) ||
            !caller_copy((pid_t)n->pid, n->data.args[3], &prog, sizeof(prog)) ||
            prog.len == 0 || prog.len > ELEMENTSOF(filter) ||
            !caller_copy((pid_t)n->pid, (uint64_t)(uintptr_t)prog.filter, filter,
                         prog.len * sizeof(*filter))) {
                respond_continue(s, n->id);
                return;
        }
        refilter(s, n, fd, tgid, filter, prog.len, "setsockopt(SO_ATTACH_FILTER)");
}

/*
 * SO_DETACH_FILTER on a packet socket whose filter the broker locked: back
 * to the bare confinement when the program's own filter follows it. When
 * the confinement is alone, the program never attached it (its attach
 * failed): for the program there is then nothing to remove, ENOENT,
 * which libpcap takes as "no kernel filter" before it filters in user
 * space; with the kernel's EPERM it would give up.
 */
static void serve_detach(struct supervisor *s, const struct seccomp_notif *n)
{
        _cleanup_close_ int fd = -1;
        pid_t tgid = 0;
        int own;

        if (!caller_served(s, n, (int)n->data.args[0], &fd, &tgid) || !sb_refilter_locked(fd) ||
            (own = sb_refilter_fd_has_own(fd)) < 0) {
                respond_continue(s, n->id);
                return;
        }
        if (own) {
                refilter(s, n, fd, tgid, NULL, 0, "setsockopt(SO_DETACH_FILTER)");
                return;
        }
        debug(s, "setsockopt(SO_DETACH_FILTER) by pid %d: the filter was locked by sockbrokerd; "
              "returning ENOENT", (int)n->pid);
        respond(s, n->id, ENOENT, 0, false);
}

/* A SOL_PACKET option on a placeholder is held for its replacement; on
 * any other socket it is the kernel's. */
static void serve_packet_option(struct supervisor *s, const struct seccomp_notif *n)
{
        int name = (int)n->data.args[2];
        uint32_t len = (uint32_t)n->data.args[4];
        unsigned char value[SB_MAX_OPTION_LEN];
        _cleanup_close_ int fd = -1;
        struct sb_placeholder *p;

        if (!caller_served(s, n, (int)n->data.args[0], &fd, NULL) ||
            !(p = placeholder_of(s, fd, AF_PACKET))) {
                respond_continue(s, n->id);
                return;
        }
        if (!sb_packet_option_holdable(name, len) ||
            (len > 0 && !caller_copy((pid_t)n->pid, n->data.args[3], value, len)) ||
            sb_placeholder_hold(p, name, value, len) < 0) {
                debug(s, "setsockopt(SOL_PACKET, %d) by pid %d before bind(): this option cannot "
                      "be held until the interface is known; EINVAL", name, (int)n->pid);
                respond(s, n->id, EINVAL, 0, false);
                return;
        }
        respond(s, n->id, 0, 0, false);
}

/* A placeholder still waits for bind() to name its interface; the
 * program goes on as with a packet socket it was refused. */
static void serve_packet_getopt(struct supervisor *s, const struct seccomp_notif *n)
{
        _cleanup_close_ int fd = -1;
        struct sb_placeholder *p;

        if (!caller_served(s, n, (int)n->data.args[0], &fd, NULL) ||
            !(p = placeholder_of(s, fd, AF_PACKET))) {
                respond_continue(s, n->id);
                return;
        }
        debug(s, "getsockopt(SOL_PACKET, %d) by pid %d: the packet socket is not bound to an "
              "interface, and the broker grants this user none that is not%s%s; EPERM",
              (int)n->data.args[2], (int)n->pid,
              p->allowed_on[0] ? "; the policy allows them on: " : "", p->allowed_on);
        respond(s, n->id, EPERM, 0, false);
}

static void serve_one(struct supervisor *s)
{
        struct seccomp_notif *n = s->req;
        uint64_t args[6];

        memset(n, 0, s->req_size);
        if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, n) < 0) {
                /* ENOENT: the caller was interrupted before we read it. */
                if (errno != ENOENT && errno != EINTR)
                        debug(s, "cannot receive a call: %m");
                return;
        }
        if (n->data.arch != s->arch) {
                respond_continue(s, n->id);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(args); i++)
                args[i] = n->data.args[i];
        switch (sv_classify(n->data.nr, args)) {
        case SV_SOCKET:
                serve_socket(s, n);
                break;
        case SV_BIND:
                serve_bind(s, n);
                break;
        case SV_SETSOCKOPT:
                serve_setsockopt(s, n);
                break;
        case SV_ATTACH_FILTER:
                serve_attach(s, n);
                break;
        case SV_DETACH_FILTER:
                serve_detach(s, n);
                break;
        case SV_PACKET_OPTION:
                serve_packet_option(s, n);
                break;
        case SV_PACKET_GETOPT:
                serve_packet_getopt(s, n);
                break;
        case SV_IFINDEX:
                serve_ifindex(s, n);
                break;
        case SV_CONTINUE:
        default:
                respond_continue(s, n->id);
                break;
        }
}

/* ---- the process tree ---------------------------------------------------------- */

/* Gives up every capability this process has: whatever it does for a
 * caller, an unprivileged process could do. */
static int drop_capabilities(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return negative_errno();
        if (!d[0].permitted && !d[1].permitted && !d[0].effective && !d[1].effective)
                return 0;
        memset(d, 0, sizeof(d));
        return syscall(SYS_capset, &h, d) < 0 ? negative_errno() : 0;
}

/* Executes cmd in this process, as execvp() would; returns the status to
 * exit with when it cannot. */
static int exec_unsupervised(char **cmd)
{
        int e;

        execvp(cmd[0], cmd);
        e = errno;
        fprintf(stderr, "sockbroker run: cannot execute %s: %s\n", cmd[0], strerror(e));
        return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/* The child: filter, listener to the parent, command. Never returns. */
static _Noreturn void child_run(char **cmd, const struct sock_fprog *prog, int sock,
                      const struct supervise_options *o, const sigset_t *mask)
{
        int listener, e;

        sigprocmask(SIG_SETMASK, mask, NULL);
        listener = filter_load(prog);
        if (listener < 0) {
                e = -listener;
                if (fdmsg_send(sock, &e, sizeof(e), NULL, 0, 0) < 0 || !o->optional)
                        _exit(EXIT_REFUSED);
        } else {
                e = 0;
                if (setenv("SOCKBROKER_SUPERVISED", "1", 1) < 0 ||
                    fdmsg_send(sock, &e, sizeof(e), &listener, 1, 0) < 0)
                        _exit(EXIT_REFUSED);
                safe_close(listener);
        }
        /* The command runs only once the parent holds no capability
         * (supervise_run()): not a moment beside a privileged one. */
        if (read(sock, &(char){ 0 }, 1) != 1)
                _exit(EXIT_REFUSED);
        safe_close(sock);

        _exit(exec_unsupervised(cmd));
}

/* Ends this process as the command ended: by the same signal when it was
 * killed (without a core of our own), or with its exit status. */
static int end_like(int wstatus)
{
        if (WIFSIGNALED(wstatus)) {
                int sig = WTERMSIG(wstatus);
                struct rlimit no_core = { 0, 0 };
                sigset_t m;

                (void)setrlimit(RLIMIT_CORE, &no_core);
                signal(sig, SIG_DFL);
                sigemptyset(&m);
                sigaddset(&m, sig);
                sigprocmask(SIG_UNBLOCK, &m, NULL);
                raise(sig);
        }
        return sv_exit_status(wstatus);
}

int supervise_run(char **cmd, const struct supervise_options *o)
{
        struct supervisor s = { .opt = o, .listener = -1, .arch = seccomp_arch_native() };
        struct seccomp_notif_sizes sizes = {};
        struct sock_fprog prog = {};
        _cleanup_close_ int sfd = -1;
        sigset_t block, old;
        int sp[2], fds[1], e = 0, wstatus = 0, r;
        size_t n_fds = 0;
        bool cmd_done = false, tree_done = false;
        pid_t child;

        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
                if (!o->optional) {
                        fprintf(stderr, "sockbroker run: this kernel has no seccomp user "
                                "notification: %m\n");
                        return EXIT_REFUSED;
                }
                debug(&s, "no seccomp user notification here (%m); the preload shim alone "
                      "serves the command");
                return exec_unsupervised(cmd);
        }
        r = filter_build(&prog);
        if (r < 0) {
                if (!o->optional) {
                        fprintf(stderr, "sockbroker run: cannot build the seccomp filter: %s\n",
                                strerror(-r));
                        return EXIT_REFUSED;
                }
                debug(&s, "cannot build the seccomp filter (%s); the preload shim alone "
                      "serves the command", strerror(-r));
                return exec_unsupervised(cmd);
        }
        /* The kernel's structures may be larger than ours; never smaller. */
        s.req_size = sizes.seccomp_notif > sizeof(*s.req) ? sizes.seccomp_notif : sizeof(*s.req);
        s.resp_size = sizes.seccomp_notif_resp > sizeof(*s.resp) ? sizes.seccomp_notif_resp :
                      sizeof(*s.resp);
        s.req = calloc(1, s.req_size);
        s.resp = calloc(1, s.resp_size);
        s.placeholders = calloc(1, sizeof(*s.placeholders));
        if (!s.req || !s.resp || !s.placeholders || identity_self(&s.self) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
                fprintf(stderr, "sockbroker run: cannot start the supervisor: %m\n");
                free(prog.filter);
                free(s.req);
                free(s.resp);
                free(s.placeholders);
                return EXIT_REFUSED;
        }

        /* Orphans of the tree come to us, and stay our descendants. */
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        /* Blocked before the fork, so no SIGCHLD is lost. */
        sigemptyset(&block);
        sigaddset(&block, SIGCHLD);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGQUIT);
        sigprocmask(SIG_BLOCK, &block, &old);

        child = fork();
        if (child < 0) {
                fprintf(stderr, "sockbroker run: cannot fork: %m\n");
                free(prog.filter);
                free(s.req);
                free(s.resp);
                free(s.placeholders);
                return EXIT_REFUSED;
        }
        if (child == 0) {
                safe_close(sp[0]);
                child_run(cmd, &prog, sp[1], o, &old);
        }
        safe_close(sp[1]);
        free(prog.filter);

        r = drop_capabilities();
        if (r >= 0) {
                sfd = signalfd(-1, &block, SFD_CLOEXEC);
                r = sfd < 0 ? negative_errno() : 0;
        }
        if (r >= 0) {
                ssize_t k = fdmsg_recv(sp[0], &e, sizeof(e), fds, 1, &n_fds, 0);

                r = k == (ssize_t)sizeof(e) ? 0 : k < 0 ? (int)k : -EPROTO;
        }
        /* Capabilities gone: the command may start. A child whose filter
         * was refused, when that is fatal, has already exited. */
        if (r >= 0 && (e == 0 || o->optional) && send(sp[0], "", 1, MSG_NOSIGNAL) != 1)
                r = negative_errno();
        safe_close(sp[0]);
        if (r < 0) {
                fprintf(stderr, "sockbroker run: cannot start the supervisor: %s\n", strerror(-r));
                kill(child, SIGKILL);
        } else if (e != 0) {
                if (!o->optional)
                        fprintf(stderr, "sockbroker run: the kernel refused the seccomp filter: %s\n",
                                strerror(e));
                else
                        debug(&s, "the kernel refused the seccomp filter (%s); "
                              "the preload shim alone serves the command", strerror(e));
        } else if (n_fds == 1) {
                s.listener = fds[0];
        }
        tree_done = s.listener < 0;

        while (!cmd_done || !tree_done) {
                struct pollfd p[2] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = s.listener, .events = POLLIN },
                };

                if (poll(p, tree_done ? 1 : 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "sockbroker run: poll: %m\n");
                        break;
                }
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
                            si.ssi_signo != SIGCHLD && si.ssi_code == SI_USER && !cmd_done)
                                /* Sent to us alone; the terminal's go to
                                 * the whole process group anyway. */
                                kill(child, (int)si.ssi_signo);
                        for (;;) {
                                int st;
                                pid_t pid = waitpid(-1, &st, WNOHANG);

                                if (pid <= 0)
                                        break;
                                if (pid == child) {
                                        wstatus = st;
                                        cmd_done = true;
                                }
                        }
                }
                if (!tree_done && (p[1].revents & POLLIN))
                        serve_one(&s);
                else if (!tree_done && (p[1].revents & (POLLHUP | POLLERR)))
                        /* The filter's last task has gone. */
                        tree_done = true;
        }
        s.listener = safe_close(s.listener);
        free(s.req);
        free(s.resp);
        free(s.placeholders);
        if (r < 0)
                return EXIT_REFUSED;
        return end_like(wstatus);
}
