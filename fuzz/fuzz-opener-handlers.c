/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-opener-handlers.c - the privileged opener's dispatch and handlers,
 * opener_dispatch() and all it calls, with the kernel replaced by stubs
 * that record what the opener asked of it.
 *
 * opener.c is compiled into this target. The system headers it uses come
 * first, then macros that rename its calls to socket(), bind(),
 * setsockopt(), setns() and the rest, and to the Bluetooth, link and
 * policy-file helpers, to stubs here; the headers' own declarations are
 * already seen, so only opener.c's call sites change. A stubbed socket is
 * a memfd, whose inode tells it apart from every other descriptor; each
 * stub notes its arguments, and fails with an errno when the input says
 * so. opener_fatal() ends in _exit(), which here jumps back to the
 * harness: for a message the opener refuses, that is the right outcome.
 * Its log lines are kept, not printed. Descriptor passing is real: the
 * opener talks on one end of an AF_UNIX SOCK_SEQPACKET socketpair, as in
 * sockbrokerd, and the harness reads its answers from the other.
 *
 * Input: one byte for the opener's start (its policy generation, and
 * whether it kept every capability its policy needs), then messages, each
 *
 *   control   bits 0-2 the kind: OPEN, BIND, SETOPT, LINK, HCI, CLOSE,
 *             RELOAD, or OTHER, a message of the type the next byte
 *             picks (below 0x80 from a table, from 0xf0 by its own bytes,
 *             and in between SPARE); an OTHER that picks SPARE is the
 *             kind SPARE, built as the other kinds are; bits 3-4 the
 *             descriptors: as the message wants, none, one, two; bits
 *             5-7 from 0 to 5 a well-formed message, 6 one damaged as
 *             the next byte says, 7 the message's bytes as they come
 *   fault     bits 0-3: which stubbed call of this message fails (0:
 *             none), bits 4-7 with which errno
 *   fields    one byte a field, mostly an index into a table of values
 *             that mean something to the opener (0xf0 and above: the
 *             value's own bytes follow); the generation relative to the
 *             opener's, the rule index modulo the named policy's rules.
 *             An OPEN's count is 1; a SPARE's fields are an OPEN's, the
 *             family mostly AF_INET or AF_INET6, then a byte for the
 *             count (0 to OPENER_MAX_SPARES + 1) and one for addr_flags
 *             (0 below 0xe0, else the address fields follow as for an
 *             OPEN)
 *   per descriptor: what it is (the socket it claims to be, or none) and
 *             whether it is in the opener's network namespace
 *
 * Random bytes alone would almost never pass opener_msg_check(), so the
 * fields are built, and the header, the length and the strings are
 * repaired unless the control byte says otherwise.
 *
 * The properties checked for every message:
 *   1. a message that opener_msg_check() refuses ends the opener, with
 *      every descriptor that came with it closed and no stub reached; any
 *      other refusal ends it before a privileged call;
 *   2. whenever the opener made a privileged call (socket, bind, connect,
 *      setsockopt, setns, a link change, an HCI command or filter), the
 *      message named a rule of the generation it named, and that rule
 *      permits the request rebuilt from the recorded calls alone: family,
 *      type and protocol from socket(), the interface from the index in
 *      bind() or connect() or the SO_BINDTODEVICE name, ports, PSMs,
 *      channels and controllers from the addresses bound, options and
 *      values from setsockopt(), links and HCI commands from their calls.
 *      For a SPARE, each socket() call is such a request on its own, with
 *      the SO_BINDTODEVICE of its socket. Where the rule confines a
 *      socket, the confinement is there: a locked packet filter that
 *      passes the bound interface and protocol and no other, the rule's
 *      HCI event filter;
 *   3. setns() only for CLONE_NEWNET, into the namespace of the witness
 *      the broker attached, under a netns=client rule; and under such a
 *      rule nothing is created before the opener is in the client's
 *      namespace. Spares are made only in the opener's own namespace:
 *      never a setns() for a SPARE, and a witness in another namespace
 *      ends the opener before any socket is made;
 *   4. every answer has the request's seq (a policy 0), its type, a
 *      descriptor exactly with success (for OPEN the socket the stubs
 *      made, for SPARE as many as its count, each a socket the stubs made
 *      for it, in the order made; for RELOAD a sealed memfd holding the
 *      current policy's image), a stage where it failed, and the errno a
 *      stub failed with; a RELOAD moves the generation on by one exactly
 *      when it succeeds;
 *   5. no descriptor leaks: the count of open descriptors is the same
 *      after each message as before it, and the opener keeps no socket
 *      it made for an OPEN or a SPARE, whether it sent them or failed on
 *      the way. After a fatal end the descriptors that came with the
 *      message are still the opener's (its process would exit); the
 *      harness closes them.
 *
 * No compiler runs: compiler_load() is a stub too, which hands over one
 * of a few images in a sealed memfd, or the error of a text that does not
 * compile, or of a file that is missing.
 * policy_free() is one as well, for the policy every opener starts with,
 * which is imported once and lent to each.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
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
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <inttypes.h>
#include <setjmp.h>
#include <sys/stat.h>

#include "common/bt.h"
#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/opener/bluetooth.h"
#include "daemon/opener/link.h"
#include "daemon/opener/notify.h"
#include "daemon/opener/opener-internal.h"
#include "daemon/opener/opener.h"
#include "daemon/shared/log.h"
#include "daemon/shared/opener-proto.h"
#include "daemon/broker/opener-send.h"
#include "daemon/shared/sockinfo.h"
#include "daemon/shared/test-hook.h"
#include "fuzz/fuzz.h"
#include "policy/policy-compile.h"

static int fuzz_socket(int domain, int type, int protocol);
static int fuzz_bind(int fd, const struct sockaddr *sa, socklen_t len);
static int fuzz_connect(int fd, const struct sockaddr *sa, socklen_t len);
static int fuzz_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
static int fuzz_getsockopt(int fd, int level, int name, void *value, socklen_t *len);
static int fuzz_ioctl(int fd, unsigned long request);
static int fuzz_setns(int fd, int nstype);
static unsigned fuzz_if_nametoindex(const char *name);
static int fuzz_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
static int fuzz_pthread_join(pthread_t t, void **ret);
static int fuzz_sockinfo_read(int fd, struct policy_request *req);
static int fuzz_bt_device_address(uint16_t dev, bdaddr_t *ret);
static int fuzz_bt_set_event_filter(int fd, const uint8_t *events, size_t n_events);
static int fuzz_bt_hci_command(uint16_t dev, uint16_t opcode, const uint8_t *params, size_t n_params,
                               unsigned timeout_ms, uint8_t *ret_event, uint8_t *data, size_t *ret_n);
static int fuzz_link_set_up(const char *ifname, bool up);
static int fuzz_link_set_can_bitrate(const char *ifname, uint32_t bitrate);
static int fuzz_compiler_load(int sock, policy **ret, int *ret_fd, uint64_t *ret_size,
                              char *why, size_t size, bool *ret_lost);
static policy *fuzz_policy_free(policy *p);
_printf_(2, 3) static void fuzz_log(int priority, const char *fmt, ...);
__attribute__((noreturn)) static void fuzz_exit(int status);

#define socket(d, t, p) fuzz_socket(d, t, p)
#define bind(fd, sa, len) fuzz_bind(fd, sa, len)
#define connect(fd, sa, len) fuzz_connect(fd, sa, len)
#define setsockopt(fd, level, name, v, len) fuzz_setsockopt(fd, level, name, v, len)
#define getsockopt(fd, level, name, v, len) fuzz_getsockopt(fd, level, name, v, len)
#define ioctl(fd, request) fuzz_ioctl(fd, request)
#define setns(fd, nstype) fuzz_setns(fd, nstype)
#define if_nametoindex(name) fuzz_if_nametoindex(name)
#define pthread_create(t, attr, fn, arg) fuzz_pthread_create(t, attr, fn, arg)
#define pthread_join(t, ret) fuzz_pthread_join(t, ret)
#define sockinfo_read(fd, req) fuzz_sockinfo_read(fd, req)
#define bt_device_address(dev, ret) fuzz_bt_device_address(dev, ret)
#define bt_set_event_filter(fd, events, n) fuzz_bt_set_event_filter(fd, events, n)
#define bt_hci_command(...) fuzz_bt_hci_command(__VA_ARGS__)
#define link_set_up(ifname, up) fuzz_link_set_up(ifname, up)
#define link_set_can_bitrate(ifname, bitrate) fuzz_link_set_can_bitrate(ifname, bitrate)
#define compiler_load(...) fuzz_compiler_load(__VA_ARGS__)
#define policy_free(p) fuzz_policy_free(p)
#define log_full(...) fuzz_log(__VA_ARGS__)
#define _exit(status) fuzz_exit(status)

#include "daemon/opener/opener.c"

#undef socket
#undef bind
#undef connect
#undef setsockopt
#undef getsockopt
#undef ioctl
#undef setns
#undef if_nametoindex
#undef pthread_create
#undef pthread_join
#undef sockinfo_read
#undef bt_device_address
#undef bt_set_event_filter
#undef bt_hci_command
#undef link_set_up
#undef link_set_can_bitrate
#undef compiler_load
#undef policy_free
#undef log_full
#undef _exit

/* ---- the policies --------------------------------------------------------- */

/* Every family and operation; the uids do not matter to the opener,
 * which checks a request against the rule named, identity aside. */
static const char policy_text[] =
        "allow uid=1 inet raw proto=icmp\n"
        "allow uid=1 inet raw proto=icmp iface=lo netns=host\n"
        "allow uid=1 inet6 raw proto=ipv6-icmp iface=lo,eth*\n"
        "allow uid=1 packet raw proto=all iface=lo\n"
        "allow uid=1 packet dgram proto=0x88b5,lldp iface=eth*\n"
        "allow uid=1 packet raw proto=all netns=host\n"
        "allow uid=1 inet stream proto=tcp bind=80,443\n"
        "allow uid=1 inet6 dgram proto=udp bind=53 netns=host\n"
        "allow uid=1 inet dgram option=mark:1-100,priority:0-7,rcvbufforce:0-4194304,"
        "sndbufforce:4096-8192\n"
        "allow uid=1 inet dgram option=bindtodevice iface=lo,eth0\n"
        "allow uid=1 inet6 stream option=bindtodevice\n"
        "allow uid=2 can raw iface=vcan0 link=up,down,bitrate bitrate=500000,125000\n"
        "allow uid=2 can raw proto=raw iface=vcan* fd=yes netns=host\n"
        "allow uid=2 can raw iface=vcan1 link=up netns=client\n"
        "allow uid=2 can dgram proto=bcm iface=vcan0\n"
        "allow uid=2 can dgram proto=isotp iface=vcan0 rx=0x7e0-0x7ef tx=0x7e0-0x7ef fd=yes\n"
        "allow uid=2 can dgram proto=j1939 iface=vcan0 addr=0x20-0x30 pgn=0x12300 name=0-0xffff\n"
        "allow uid=2 can dgram proto=j1939 iface=can0\n"
        "allow uid=3 bluetooth raw proto=hci dev=0 hci=raw events=le-meta,command-complete "
        "command=read-bd-addr,le-set-scan-enable\n"
        "allow uid=3 bluetooth raw proto=hci hci=monitor,user,control\n"
        "allow uid=3 bluetooth raw proto=hci dev=1 command=reset\n"
        "allow uid=3 bluetooth seqpacket proto=l2cap dev=0,1 bind=0x0001-0x1001\n"
        "allow uid=3 bluetooth seqpacket proto=l2cap bind=0x19\n"
        "allow uid=3 bluetooth stream proto=rfcomm dev=0,1 channel=1-30\n"
        "allow uid=3 bluetooth stream proto=rfcomm\n"
        "allow uid=3 bluetooth seqpacket proto=sco dev=0\n"
        "allow uid=4 packet\n"
        "allow uid=4 inet netns=client\n"
        "allow uid=4 inet6\n"
        "allow uid=4 can\n"
        "allow uid=4 bluetooth\n"
        "deny uid=0 any\n"
        "allow uid=0 admin\n";

static const char policy_broken[] = "allow uid=1 inet raw proto=icmp\nallow uid=1 inet bogus=1\n";

/* What a RELOAD finds: the policy, the same rules the other way round (so
 * that an index means another rule in the next generation), a text that
 * does not compile, or no file. */
enum reload_variant {
        RELOAD_SAME,
        RELOAD_REVERSED,
        RELOAD_BROKEN,
        RELOAD_MISSING,
};

static const struct opener_config config = {
        .policy_path = "/fuzz/policy.conf",
        .policy_dir = "/fuzz/policy.d",
        .uid = 65534,
        .gid = 65534,
        .hci_timeout_ms = 1234,
};

static int no_name(const char *name, uint32_t *ret, void *userdata)
{
        return -ENOENT;
}

static const struct policy_resolver no_names = {
        .user = (int (*)(const char *, uid_t *, void *))no_name,
        .group = (int (*)(const char *, gid_t *, void *))no_name,
};

struct image {
        void *buf;
        size_t len;
        uint64_t caps;
};

/* The two policies, compiled once and kept as images, for RELOAD to
 * import afresh. */
static struct image images[2];

static void images_init(void)
{
        static char reversed[sizeof(policy_text)];
        const char *text[2] = { policy_text, reversed };
        size_t n = 0, len = sizeof(policy_text) - 1;

        if (images[0].buf)
                return;
        /* The lines from last to first. */
        for (size_t end = len; end > 0;) {
                size_t start = end - 1;

                while (start > 0 && policy_text[start - 1] != '\n')
                        start--;
                memcpy(reversed + n, policy_text + start, end - start);
                n += end - start;
                end = start;
        }
        for (size_t i = 0; i < 2; i++) {
                struct policy_source src = { .name = "fuzz.conf", .text = text[i], .len = len };
                struct policy_error err = {};
                policy *p = NULL;

                if (policy_compile(&src, 1, &no_names, &p, &err) < 0) {
                        fprintf(stderr, "the fuzz policy does not compile: %s:%u: %s\n", err.file,
                                err.line, err.message);
                        abort();
                }
                if (policy_export(p, &images[i].buf, &images[i].len) < 0)
                        abort();
                images[i].caps = policy_capabilities(p);
                policy_free(p);
        }
}

/* im as the opener's compiler_load() imports it: what the rules permit,
 * without their selectors. */
static policy *image_policy(const struct image *im)
{
        policy *p = NULL;

        FUZZ_ASSERT(policy_import_rules(im->buf, im->len, &p) == 0, "the fuzz policy does not import");
        return p;
}

/* im in a sealed memfd, as the compiler sends it. */
static int image_memfd(const struct image *im)
{
        int fd = memfd_create("fuzz-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        FUZZ_ASSERT(fd >= 0 && write(fd, im->buf, im->len) == (ssize_t)im->len &&
                    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0,
                    "a sealed memfd of the policy: %m");
        return fd;
}

/*
 * The policy every opener starts with is imported once and lent to each:
 * importing it again for every input would take most of the time. The
 * opener gives it back through policy_free(), exactly once an input. The
 * policies a RELOAD loads are fresh, and freed for real.
 */
static policy *first_policy;
static bool first_lent;
/* Its image, of which each opener gets a copy to keep and close. */
static int first_image_fd = -1;

static policy *fuzz_policy_free(policy *p)
{
        if (p && p == first_policy) {
                FUZZ_ASSERT(first_lent, "the opener frees its first policy twice");
                first_lent = false;
                return NULL;
        }
        return policy_free(p);
}

/* ---- what the stubs saw ---------------------------------------------------- */

enum call_kind {
        CALL_IFNAMETOINDEX,
        CALL_SOCKET,
        CALL_BIND,
        CALL_CONNECT,
        CALL_SETSOCKOPT,
        CALL_GETSOCKOPT,
        CALL_IOCTL,
        CALL_THREAD,
        CALL_SETNS,
        CALL_SOCKINFO,
        CALL_BT_ADDRESS,
        CALL_BT_FILTER,
        CALL_HCI,
        CALL_LINK_UP,
        CALL_LINK_BITRATE,
        CALL_POLICY_LOAD,
};

struct call {
        enum call_kind kind;
        int fd;                  /* the descriptor it was made on, or -1 */
        int err;                 /* the errno it failed with, or 0 */
        int a, b, c;             /* socket: family, type, protocol; setsockopt:
                                  * level, name; setns: nstype; link: up */
        uint32_t u;              /* dev, ifindex handed out, bitrate */
        uint32_t v;              /* opcode */
        size_t len;              /* of data, as the opener gave it */
        uint8_t data[256];       /* address, option value, filter program */
        char name[IFNAMSIZ + 1];
};

#define MAX_CALLS 160

/* Descriptors the harness made and knows: stubbed sockets, what came
 * with a message, and the namespaces SIOCGSKNS handed out. */
enum fake_kind {
        FAKE_SOCKET,
        FAKE_ATTACHED,
        FAKE_NETNS,
};

struct fake {
        int fd;
        enum fake_kind kind;
        ino_t ino;
        bool is_socket;          /* attached: a socket, or not */
        int family, type;
        uint32_t protocol;       /* host order, as sockinfo_read() gives it */
        bool same_netns;         /* attached: in the opener's namespace */
};

#define MAX_FAKES 8
#define OPENER_COOKIE UINT64_C(0x5eed0001)
#define CLIENT_COOKIE UINT64_C(0x5eed0002)
/* Controllers 0..N_CONTROLLERS-1 exist, with made-up addresses. */
#define N_CONTROLLERS 4
#define BDADDR_TAG 0x5b

struct hci_answer {
        uint8_t event;
        size_t n;
        uint8_t data[OPENER_HCI_MAX_PARAMS];
};

static struct {
        struct call calls[MAX_CALLS];
        unsigned n_calls;
        unsigned fault_at;       /* the call that fails, 1-based; 0: none */
        int fault_errno;
        int fault_call;          /* index into calls of the failed one, or -1 */

        struct fake fakes[MAX_FAKES];
        unsigned n_fakes;

        const struct opener_hci *hci;   /* the HCI message being dispatched */
        struct hci_answer answer;
        enum reload_variant reload;
        const policy *loaded;    /* what policy_load() gave the opener */

        bool in_dispatch;
        jmp_buf fatal;
        char why[512];           /* the opener's last error line */

        /* interface names the stub resolved that are not in ifnames[] */
        char names[32][IFNAMSIZ];
        unsigned n_names;
} S;

static const char *const ifnames[] = { "lo", "eth0", "eth1", "vcan0", "vcan1", "can0", "wlan0" };
#define DYNAMIC_IFINDEX 100u

static struct fake *fake_find(int fd)
{
        for (unsigned i = S.n_fakes; i > 0; i--)
                if (S.fakes[i - 1].fd == fd)
                        return &S.fakes[i - 1];
        return NULL;
}

static struct fake *fake_new(enum fake_kind kind)
{
        struct fake *f;
        struct stat st;
        int fd;

        FUZZ_ASSERT(S.n_fakes < MAX_FAKES, "more than %u descriptors in one message", MAX_FAKES);
        fd = memfd_create("fuzz-fake", MFD_CLOEXEC);
        FUZZ_ASSERT(fd >= 0 && fstat(fd, &st) == 0, "memfd_create: %m");
        f = &S.fakes[S.n_fakes++];
        *f = (struct fake) { .fd = fd, .kind = kind, .ino = st.st_ino };
        return f;
}

/* Notes a call and decides whether it fails. */
static struct call *call_add(enum call_kind kind, int fd)
{
        struct call *c;

        FUZZ_ASSERT(S.in_dispatch, "a stub reached outside opener_dispatch()");
        FUZZ_ASSERT(S.n_calls < MAX_CALLS, "more than %u calls for one message", MAX_CALLS);
        c = &S.calls[S.n_calls];
        memset(c, 0, sizeof(*c));
        c->kind = kind;
        c->fd = fd;
        if (S.n_calls + 1 == S.fault_at) {
                c->err = S.fault_errno;
                S.fault_call = (int)S.n_calls;
        }
        S.n_calls++;
        return c;
}

static int call_fail(const struct call *c)
{
        errno = c->err;
        return -1;
}

/* A descriptor a socket call may be made on: a socket the stubs made, or
 * the client's socket that came with the message. */
static struct fake *fake_socket_fd(int fd, const char *what)
{
        struct fake *f = fake_find(fd);

        FUZZ_ASSERT(f && (f->kind == FAKE_SOCKET || f->kind == FAKE_ATTACHED),
                    "%s on descriptor %d, which is no socket the opener has", what, fd);
        return f;
}

static void copy_data(struct call *c, const void *p, size_t len)
{
        c->len = len;
        memcpy(c->data, p, len < sizeof(c->data) ? len : sizeof(c->data));
}

/* ---- the stubs --------------------------------------------------------------- */

static int fuzz_socket(int domain, int type, int protocol)
{
        struct call *c = call_add(CALL_SOCKET, -1);

        c->a = domain;
        c->b = type;
        c->c = protocol;
        if (c->err)
                return call_fail(c);
        c->fd = fake_new(FAKE_SOCKET)->fd;
        return c->fd;
}

static int fuzz_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
        struct call *c = call_add(CALL_BIND, fd);

        fake_socket_fd(fd, "bind()");
        copy_data(c, sa, len);
        return c->err ? call_fail(c) : 0;
}

static int fuzz_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
        struct call *c = call_add(CALL_CONNECT, fd);

        fake_socket_fd(fd, "connect()");
        copy_data(c, sa, len);
        return c->err ? call_fail(c) : 0;
}

/* The confinement's tests (6), A and X cleared (2), and a client's
 * program of at most FUZZ_CLIENT_FILTER instructions. */
#define FUZZ_CLIENT_FILTER 16
#define MAX_FILTER (8 + FUZZ_CLIENT_FILTER)
_Static_assert(MAX_FILTER * sizeof(struct sock_filter) <= sizeof(((struct call *)0)->data),
               "a call holds the whole filter");

static int fuzz_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        struct call *c = call_add(CALL_SETSOCKOPT, fd);

        fake_socket_fd(fd, "setsockopt()");
        c->a = level;
        c->b = name;
        if (level == SOL_SOCKET && name == SO_ATTACH_FILTER) {
                const struct sock_fprog *prog = value;

                FUZZ_ASSERT(len == sizeof(*prog), "SO_ATTACH_FILTER of %u bytes", (unsigned)len);
                FUZZ_ASSERT(prog->len > 0 && prog->len <= MAX_FILTER, "a filter of %u instructions",
                            prog->len);
                c->u = prog->len;
                copy_data(c, prog->filter, prog->len * sizeof(struct sock_filter));
        } else {
                copy_data(c, value, len);
        }
        return c->err ? call_fail(c) : 0;
}

static int fuzz_getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
        struct call *c = call_add(CALL_GETSOCKOPT, fd);
        struct fake *f = fake_find(fd);
        uint64_t cookie;

        c->a = level;
        c->b = name;
        /* The opener asks only for the namespace of the client's socket. */
        FUZZ_ASSERT(f && f->kind == FAKE_ATTACHED, "getsockopt() on descriptor %d", fd);
        FUZZ_ASSERT(level == SOL_SOCKET && name == SO_NETNS_COOKIE && *len == sizeof(cookie),
                    "getsockopt(%d, %d) of %u bytes", level, name, (unsigned)*len);
        if (c->err)
                return call_fail(c);
        if (!f->is_socket) {
                errno = ENOTSOCK;
                return -1;
        }
        cookie = f->same_netns ? OPENER_COOKIE : CLIENT_COOKIE;
        memcpy(value, &cookie, sizeof(cookie));
        return 0;
}

static int fuzz_ioctl(int fd, unsigned long request)
{
        struct call *c = call_add(CALL_IOCTL, fd);
        struct fake *f = fake_find(fd);

        FUZZ_ASSERT(request == SIOCGSKNS, "ioctl %#lx", request);
        FUZZ_ASSERT(f && f->kind == FAKE_ATTACHED && f->is_socket, "SIOCGSKNS on descriptor %d", fd);
        if (c->err)
                return call_fail(c);
        c->u = (uint32_t)fake_new(FAKE_NETNS)->fd;
        return (int)c->u;
}

static int fuzz_setns(int fd, int nstype)
{
        struct call *c = call_add(CALL_SETNS, fd);

        c->a = nstype;
        return c->err ? call_fail(c) : 0;
}

static unsigned fuzz_if_nametoindex(const char *name)
{
        struct call *c = call_add(CALL_IFNAMETOINDEX, -1);

        FUZZ_ASSERT(strnlen(name, IFNAMSIZ) < IFNAMSIZ, "an interface name of 16 bytes or more");
        snprintf(c->name, sizeof(c->name), "%s", name);
        if (c->err) {
                errno = c->err;
                return 0;
        }
        for (unsigned i = 0; i < ELEMENTSOF(ifnames); i++)
                if (streq(name, ifnames[i]))
                        return c->u = i + 1;
        for (unsigned i = 0; i < S.n_names; i++)
                if (streq(name, S.names[i]))
                        return c->u = DYNAMIC_IFINDEX + i;
        FUZZ_ASSERT(S.n_names < ELEMENTSOF(S.names), "too many interface names");
        snprintf(S.names[S.n_names], IFNAMSIZ, "%s", name);
        return c->u = DYNAMIC_IFINDEX + S.n_names++;
}

/* The name the stub gave ifindex, or NULL. */
static const char *ifindex_name(uint32_t ifindex)
{
        if (ifindex >= 1 && ifindex <= ELEMENTSOF(ifnames))
                return ifnames[ifindex - 1];
        if (ifindex >= DYNAMIC_IFINDEX && ifindex - DYNAMIC_IFINDEX < S.n_names)
                return S.names[ifindex - DYNAMIC_IFINDEX];
        return NULL;
}

/* Threads run at once, in the caller's: what matters is what they do. */
static int fuzz_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
        struct call *c = call_add(CALL_THREAD, -1);

        if (c->err)
                return c->err;
        *t = pthread_self();
        (void)fn(arg);
        return 0;
}

static int fuzz_pthread_join(pthread_t t, void **ret)
{
        if (ret)
                *ret = NULL;
        return 0;
}

static int fuzz_sockinfo_read(int fd, struct policy_request *req)
{
        struct call *c = call_add(CALL_SOCKINFO, fd);
        struct fake *f = fake_find(fd);

        FUZZ_ASSERT(f && f->kind == FAKE_ATTACHED, "sockinfo_read() on descriptor %d", fd);
        if (c->err)
                return -c->err;
        if (!f->is_socket)
                return -ENOTSOCK;
        req->family = f->family;
        req->type = f->type;
        req->protocol = f->protocol;
        return 0;
}

static void controller_address(uint16_t dev, bdaddr_t *ret)
{
        *ret = (bdaddr_t) { { (uint8_t)dev, (uint8_t)(dev >> 8), BDADDR_TAG, BDADDR_TAG, BDADDR_TAG,
                              BDADDR_TAG } };
}

/* The controller with address a, or -1 for none; -2 for "any". */
static int controller_of(const bdaddr_t *a)
{
        static const bdaddr_t any = {};

        for (int dev = 0; dev < N_CONTROLLERS; dev++) {
                bdaddr_t b;

                controller_address((uint16_t)dev, &b);
                if (memcmp(a, &b, sizeof(b)) == 0)
                        return dev;
        }
        return memcmp(a, &any, sizeof(any)) == 0 ? -2 : -1;
}

static int fuzz_bt_device_address(uint16_t dev, bdaddr_t *ret)
{
        struct call *c = call_add(CALL_BT_ADDRESS, -1);

        c->u = dev;
        if (c->err)
                return -c->err;
        if (dev >= N_CONTROLLERS)
                return -ENODEV;
        controller_address(dev, ret);
        return 0;
}

static int fuzz_bt_set_event_filter(int fd, const uint8_t *events, size_t n_events)
{
        struct call *c = call_add(CALL_BT_FILTER, fd);

        fake_socket_fd(fd, "the HCI filter");
        FUZZ_ASSERT(n_events <= POLICY_MAX_LIST, "%zu HCI events", n_events);
        copy_data(c, events, n_events);
        return c->err ? -c->err : 0;
}

static int fuzz_bt_hci_command(uint16_t dev, uint16_t opcode, const uint8_t *params, size_t n_params,
                               unsigned timeout_ms, uint8_t *ret_event, uint8_t *data, size_t *ret_n)
{
        struct call *c = call_add(CALL_HCI, -1);

        c->u = dev;
        c->v = opcode;
        FUZZ_ASSERT(S.hci, "an HCI command for a message that is none");
        FUZZ_ASSERT(n_params == S.hci->n_params && memcmp(params, S.hci->params, n_params) == 0,
                    "HCI parameters are not the message's");
        FUZZ_ASSERT(timeout_ms == config.hci_timeout_ms, "HCI timeout %u", timeout_ms);
        if (c->err)
                return -c->err;
        *ret_event = S.answer.event;
        memcpy(data, S.answer.data, S.answer.n);
        *ret_n = S.answer.n;
        return 0;
}

static int fuzz_link_set_up(const char *ifname, bool up)
{
        struct call *c = call_add(CALL_LINK_UP, -1);

        snprintf(c->name, sizeof(c->name), "%s", ifname);
        c->a = up;
        return c->err ? -c->err : 0;
}

static int fuzz_link_set_can_bitrate(const char *ifname, uint32_t bitrate)
{
        struct call *c = call_add(CALL_LINK_BITRATE, -1);

        snprintf(c->name, sizeof(c->name), "%s", ifname);
        c->u = bitrate;
        return c->err ? -c->err : 0;
}

static int fuzz_compiler_load(int sock, policy **ret, int *ret_fd, uint64_t *ret_size,
                              char *why, size_t size, bool *ret_lost)
{
        struct call *c = call_add(CALL_POLICY_LOAD, -1);
        struct policy_source src = { .name = "broken.conf", .text = policy_broken,
                                     .len = sizeof(policy_broken) - 1 };
        struct policy_error err = {};
        const struct image *im;
        int r;

        *ret_lost = false;
        if (c->err) {
                snprintf(why, size, "the compiler failed: %s", strerror(c->err));
                return -c->err;
        }
        switch (S.reload) {
        case RELOAD_SAME:
        case RELOAD_REVERSED:
                im = &images[S.reload == RELOAD_SAME ? 0 : 1];
                *ret = image_policy(im);
                *ret_fd = image_memfd(im);
                *ret_size = im->len;
                S.loaded = *ret;
                return 0;
        case RELOAD_BROKEN:
                r = policy_compile(&src, 1, &no_names, ret, &err);
                FUZZ_ASSERT(r < 0, "the broken policy compiles");
                policy_error_format(&err, why, size);
                return r;
        case RELOAD_MISSING:
                break;
        }
        snprintf(why, size, "%s: %s", config.policy_path, strerror(ENOENT));
        return -ENOENT;
}

static void fuzz_log(int priority, const char *fmt, ...)
{
        va_list ap;

        if (priority > LOG_ERR)
                return;
        va_start(ap, fmt);
        vsnprintf(S.why, sizeof(S.why), fmt, ap);
        va_end(ap);
}

static void fuzz_exit(int status)
{
        FUZZ_ASSERT(S.in_dispatch && status == EXIT_FAILURE, "_exit(%d) outside a message", status);
        longjmp(S.fatal, 1);
}

/* ---- reading the input ------------------------------------------------------ */

struct input {
        const uint8_t *p;
        size_t n;
};

/* Past the end, every byte is 0. */
static uint8_t take8(struct input *in)
{
        if (in->n == 0)
                return 0;
        in->n--;
        return *in->p++;
}

static uint32_t take32(struct input *in)
{
        uint32_t v = 0;

        for (unsigned i = 0; i < 4; i++)
                v |= (uint32_t)take8(in) << (8 * i);
        return v;
}

static uint64_t take64(struct input *in)
{
        uint64_t lo = take32(in);

        return lo | (uint64_t)take32(in) << 32;
}

static void take_bytes(struct input *in, void *buf, size_t n)
{
        uint8_t *b = buf;

        for (size_t i = 0; i < n; i++)
                b[i] = take8(in);
}

/* A value from the table, or (a byte from 0xf0) its own four bytes. */
static uint32_t pick32(struct input *in, const uint32_t *table, size_t n)
{
        uint8_t b = take8(in);

        return b >= 0xf0 ? take32(in) : table[b % n];
}

static uint64_t pick64(struct input *in, const uint64_t *table, size_t n)
{
        uint8_t b = take8(in);

        return b >= 0xf0 ? take64(in) : table[b % n];
}

#define PICK(in, table) pick32(in, table, ELEMENTSOF(table))

static const uint32_t families[] = { AF_INET, AF_INET6, AF_PACKET, AF_CAN, AF_BLUETOOTH, AF_UNIX, 0,
                                     AF_NETLINK };
static const uint32_t types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, 0, SOCK_RDM,
                                  SOCK_PACKET, SOCK_RAW | SOCK_NONBLOCK };
static const uint32_t filter_codes[] = {
        BPF_RET | BPF_K, BPF_RET | BPF_A, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_W | BPF_ABS,
        BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM, BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JA,
        BPF_ST, BPF_LD | BPF_MEM, BPF_ALU | BPF_DIV | BPF_K, BPF_MISC | BPF_TAX,
        BPF_JMP | 0x80 /* eBPF's call */, BPF_RET | BPF_X, 0xffff,
};
static const uint32_t filter_ks[] = { 0, 1, 2, 12, 15, 16, 0xffff, 0x88b5, UINT32_MAX,
                                      (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX) };
static const uint32_t protocols[] = { 0, 1, 2, 3, 6, 7, IPPROTO_UDP, IPPROTO_ICMPV6, 0x88b5, 0x88cc,
                                      ETH_P_IP, 0x10003, IPPROTO_RAW, ETH_P_IPV6, 4, 5 };
static const uint32_t can_ids[] = { 0x7e0, 0x7e8, 0x7ef, 0x7f0, 0x123, CAN_EFF_FLAG | 0x7e0,
                                    CAN_EFF_MASK, 0 };
static const uint64_t j1939_names[] = { 0, 1, 0x1234, UINT64_MAX };
static const uint32_t j1939_pgns[] = { 0x12300, 0x12400, OPENER_J1939_NO_PGN, 0, 0x3ffff, 0xef00 };
static const uint32_t j1939_addrs[] = { 0x20, 0x30, 0x31, 0xfe, 0xff, 0 };
static const uint32_t devs[] = { 0, 1, 2, 3, 4, 0xfffe, 0xffff, 100 };
static const uint32_t channels[] = { 0, 1, 2, 3, 4, 5, 30, 31 };
static const uint32_t psms[] = { 1, 3, 0x19, 0x1001, 0x1003, 0, 0xffff, 0x10000 };
static const uint32_t ports[] = { 80, 443, 53, 0, 1, 0x1001, 8080, 0x10000, 0x19 };
static const uint32_t sockopts[] = { OPENER_SOCKOPT_MARK, OPENER_SOCKOPT_PRIORITY,
                                     OPENER_SOCKOPT_RCVBUFFORCE, OPENER_SOCKOPT_SNDBUFFORCE,
                                     OPENER_SOCKOPT_BINDTODEVICE, 0, 6 };
static const uint64_t values[] = { 0, 1, 7, 8, 100, 101, 4194304, 4194305, 4096, UINT32_MAX,
                                   UINT64_C(0x100000001) };
static const uint32_t link_ops[] = { OPENER_LINK_UP, OPENER_LINK_DOWN, OPENER_LINK_BITRATE, 0, 4 };
static const uint32_t bitrates[] = { 500000, 125000, 1000000, 0 };
static const uint32_t opcodes[] = { 0x1009, 0x200c, 0x0c03, 0x200b, 0, 0xfc00 };
static const uint32_t other_types[] = { OPENER_MSG_RESULT, OPENER_MSG_POLICY, OPENER_MSG_DONE,
                                        OPENER_MSG_HCI_DONE, 0, OPENER_MSG_SPARE, OPENER_MSG_SPARES,
                                        0xffff };
/* Spares are raw IP sockets; any other family is refused by the check. */
static const uint32_t spare_families[] = { AF_INET, AF_INET6, AF_INET, AF_INET6, AF_INET, AF_INET6,
                                           AF_PACKET, AF_CAN };
static const int fault_errnos[16] = { EPERM, EACCES, ENODEV, EADDRINUSE, ENOBUFS, EINVAL, EBUSY,
                                      ENOMEM, EPROTONOSUPPORT, ETIMEDOUT, ENETDOWN, EOPNOTSUPP,
                                      EAGAIN, EIO, ENXIO, EHOSTDOWN };

/* The sockets a descriptor that comes with a message may claim to be;
 * family 0 is a descriptor that is no socket. */
static const struct {
        int family, type;
        uint32_t protocol;
} identities[16] = {
        { AF_INET, SOCK_STREAM, IPPROTO_TCP },
        { AF_INET6, SOCK_STREAM, IPPROTO_TCP },
        { AF_INET, SOCK_DGRAM, IPPROTO_UDP },
        { AF_INET6, SOCK_DGRAM, IPPROTO_UDP },
        { AF_INET, SOCK_RAW, IPPROTO_ICMP },
        { AF_BLUETOOTH, SOCK_SEQPACKET, BTPROTO_L2CAP },
        { AF_BLUETOOTH, SOCK_STREAM, BTPROTO_RFCOMM },
        { AF_PACKET, SOCK_RAW, ETH_P_ALL },
        { AF_CAN, SOCK_RAW, CAN_RAW },
        { AF_UNIX, SOCK_STREAM, 0 },
        { AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
        { AF_BLUETOOTH, SOCK_RAW, BTPROTO_HCI },
        { AF_INET6, SOCK_RAW, IPPROTO_ICMPV6 },
        { 0, 0, 0 },
        { 0, 0, 0 },
        { AF_PACKET, SOCK_DGRAM, 0x88b5 },
};

static void take_ifname(struct input *in, char *ifname)
{
        static const char *const names[] = { "", "lo", "eth0", "eth1", "vcan0", "vcan1", "can0", "wlan0" };
        uint8_t b = take8(in);

        memset(ifname, 0, IFNAMSIZ);
        if (b >= 0xf0)
                take_bytes(in, ifname, IFNAMSIZ);
        else
                snprintf(ifname, IFNAMSIZ, "%s", names[b % ELEMENTSOF(names)]);
}

/* ---- the opener and one message ----------------------------------------------- */

static struct opener O;
static int peer = -1;
static uint32_t next_seq;

/* The policy the broker names with generation, as decided_with() should
 * find it, or NULL. */
static const policy *named_policy(uint32_t generation)
{
        if (generation == O.generation)
                return O.current;
        if (generation + 1 == O.generation)
                return O.previous;
        return NULL;
}

static uint32_t take_generation(struct input *in)
{
        uint8_t b = take8(in);

        switch (b >> 5) {
        case 4:
                return O.generation - 1;
        case 5:
                return O.generation - 2;
        case 6:
                return O.generation + 1;
        case 7:
                return take32(in);
        default:
                return O.generation;
        }
}

/* The type of a message of the kind OTHER: SPARE for half the bytes,
 * since it has no kind of its own in the control byte; the old values
 * below 0x80 and from 0xf0 pick what they did. */
static uint16_t take_other_type(struct input *in)
{
        uint8_t b = take8(in);

        if (b >= 0xf0)
                return (uint16_t)take32(in);
        return b < 0x80 ? (uint16_t)other_types[b % ELEMENTSOF(other_types)] : OPENER_MSG_SPARE;
}

/* Mostly a rule of the policy named; otherwise just past its end. */
static uint32_t take_rule(struct input *in, uint32_t generation)
{
        const policy *p = named_policy(generation);
        uint32_t n = (uint32_t)policy_n_rules(p ? p : O.current);
        uint8_t b = take8(in);

        return b < 0xf8 ? b % n : n + (b & 7u);
}

union message {
        struct opener_hdr hdr;
        struct opener_open open;
        struct opener_bind bind;
        struct opener_setopt setopt;
        struct opener_link link;
        struct opener_hci hci;
        struct opener_reload reload;
        struct opener_close close;
        struct opener_result result;
        struct opener_done done;
        struct opener_hci_done hci_done;
        struct opener_policy policy;
        struct opener_spares spares;
        uint8_t raw[OPENER_MAX_MESSAGE];
};

enum kind {
        KIND_OPEN,
        KIND_BIND,
        KIND_SETOPT,
        KIND_LINK,
        KIND_HCI,
        KIND_CLOSE,
        KIND_RELOAD,
        KIND_OTHER,
        KIND_SPARE,     /* an OTHER that picks the type SPARE */
};

static const uint16_t kind_types[] = {
        [KIND_OPEN] = OPENER_MSG_OPEN,     [KIND_BIND] = OPENER_MSG_BIND,
        [KIND_SETOPT] = OPENER_MSG_SETOPT, [KIND_LINK] = OPENER_MSG_LINK,
        [KIND_HCI] = OPENER_MSG_HCI,       [KIND_CLOSE] = OPENER_MSG_CLOSE,
        [KIND_RELOAD] = OPENER_MSG_RELOAD, [KIND_OTHER] = 0,
        [KIND_SPARE] = OPENER_MSG_SPARE,
};

/* The address fields of an OPEN or a SPARE that its addr_flags set. */
static void take_address(struct input *in, struct opener_open *m)
{
        if (m->addr_flags & OPENER_ADDR_CAN_IDS) {
                m->rx_id = PICK(in, can_ids);
                m->tx_id = PICK(in, can_ids);
        }
        if (m->addr_flags & OPENER_ADDR_J1939) {
                m->j1939_name = pick64(in, j1939_names, ELEMENTSOF(j1939_names));
                m->j1939_pgn = PICK(in, j1939_pgns);
                m->j1939_addr = PICK(in, j1939_addrs);
        }
        if (m->addr_flags & OPENER_ADDR_DEV)
                m->dev = PICK(in, devs);
        if (m->addr_flags & OPENER_ADDR_CHANNEL)
                m->channel = PICK(in, channels);
        if (m->addr_flags & OPENER_ADDR_PSM)
                m->psm = PICK(in, psms);
}

static void build_open(struct input *in, struct opener_open *m)
{
        m->generation = take_generation(in);
        m->rule_index = take_rule(in, m->generation);
        m->family = (int32_t)PICK(in, families);
        m->type = (int32_t)PICK(in, types);
        m->protocol = PICK(in, protocols);
        m->flags = take8(in) & (OPENER_OPEN_NONBLOCK | OPENER_OPEN_CLIENT_NETNS);
        take_ifname(in, m->ifname);
        m->addr_flags = take8(in) & _OPENER_ADDR_ALL;
        take_address(in, m);
        m->count = 1;
        /* Now and then a packet socket's own filter: opcodes the kernel
         * knows and some it does not, jumps in and out of range. */
        if (m->family == AF_PACKET && (take8(in) & 3) == 0) {
                struct sock_filter *f = ((struct opener_open_filter *)m)->filter;

                m->filter_len = (uint16_t)(1 + take8(in) % FUZZ_CLIENT_FILTER);
                for (unsigned i = 0; i < m->filter_len; i++)
                        f[i] = (struct sock_filter) {
                                .code = (uint16_t)PICK(in, filter_codes),
                                .jt = (uint8_t)(take8(in) % 4),
                                .jf = (uint8_t)(take8(in) % 4),
                                .k = PICK(in, filter_ks),
                        };
        }
}

/* A SPARE as the broker asks it, mostly: raw IP sockets with no
 * address, from none to one more than one message carries. */
static void build_spare(struct input *in, struct opener_open *m)
{
        uint8_t b;

        m->generation = take_generation(in);
        m->rule_index = take_rule(in, m->generation);
        m->family = (int32_t)PICK(in, spare_families);
        m->type = (int32_t)PICK(in, types);
        m->protocol = PICK(in, protocols);
        m->flags = take8(in) & (OPENER_OPEN_NONBLOCK | OPENER_OPEN_CLIENT_NETNS);
        take_ifname(in, m->ifname);
        m->count = take8(in) % (OPENER_MAX_SPARES + 2);
        b = take8(in);
        m->addr_flags = b < 0xe0 ? 0 : b & _OPENER_ADDR_ALL;
        take_address(in, m);
}

static void build_bind(struct input *in, struct opener_bind *m)
{
        static const uint8_t loopback6[16] = { [15] = 1 };
        uint8_t b;

        m->generation = take_generation(in);
        m->rule_index = take_rule(in, m->generation);
        m->family = (int32_t)PICK(in, families);
        m->port = PICK(in, ports);
        b = take8(in);
        switch (b % 8) {
        case 0:
                break;
        case 1:
                memcpy(m->address, &(uint32_t){ htonl(INADDR_LOOPBACK) }, 4);
                break;
        case 2:
                memcpy(m->address, loopback6, 16);
                break;
        case 3:
        case 4:
        case 5:
                /* controllers 0, 1 and 2, as an L2CAP socket would name them */
                controller_address((uint16_t)(b % 8 - 3), (bdaddr_t *)m->address);
                break;
        default:
                take_bytes(in, m->address, sizeof(m->address));
                break;
        }
        m->scope_id = take8(in);
}

static void build_setopt(struct input *in, struct opener_setopt *m)
{
        m->generation = take_generation(in);
        m->rule_index = take_rule(in, m->generation);
        m->option = PICK(in, sockopts);
        m->value = pick64(in, values, ELEMENTSOF(values));
        take_ifname(in, m->ifname);
}

static void build_link(struct input *in, struct opener_link *m)
{
        m->generation = take_generation(in);
        m->rule_index = take_rule(in, m->generation);
        m->op = PICK(in, link_ops);
        m->bitrate = PICK(in, bitrates);
        m->flags = take8(in) & OPENER_OPEN_CLIENT_NETNS;
        take_ifname(in, m->ifname);
}

static void build_hci(struct input *in, struct opener_hci *m)
{
        uint8_t b;

        m->generation = take_generation(in);
        m->rule_index = take_rule(in, m->generation);
        m->dev = PICK(in, devs);
        m->opcode = PICK(in, opcodes);
        m->n_params = take8(in) % 16;
        take_bytes(in, m->params, m->n_params);
        /* what the controller answers */
        b = take8(in);
        S.answer.event = (b & 1) ? HCI_EV_CMD_STATUS : HCI_EV_CMD_COMPLETE;
        S.answer.n = (b & 1) ? 1 : (size_t)(b >> 1) % 9;
        for (size_t i = 0; i < S.answer.n; i++)
                S.answer.data[i] = (uint8_t)(0xa0 + i);
}

/* Breaks a well-formed message as b says; returns its new length. */
static size_t damage(union message *m, size_t len, uint8_t b, struct input *in)
{
        switch (b & 7) {
        case 0:
                m->hdr.version = (uint16_t)(OPENER_PROTO_VERSION + 1 + (b >> 3));
                return len;
        case 1:
                m->hdr.type = (uint16_t)take32(in);
                return len;
        case 2:
                return len - 1;
        case 3:
                return len + 1;
        case 4:
                return b & 0x80 ? sizeof(struct opener_hdr) - 1 : sizeof(struct opener_hdr);
        case 5:
                /* strings without their NUL */
                switch (m->hdr.type) {
                case OPENER_MSG_OPEN:
                case OPENER_MSG_SPARE:
                        memset(m->open.ifname, 'x', IFNAMSIZ);
                        break;
                case OPENER_MSG_SETOPT:
                        memset(m->setopt.ifname, 'x', IFNAMSIZ);
                        break;
                case OPENER_MSG_LINK:
                        memset(m->link.ifname, (b & 0x80) ? 0 : 'x', IFNAMSIZ);
                        break;
                default:
                        m->hdr.version = 0;
                        break;
                }
                return len;
        case 6:
                /* a field that must be zero is not; or an OPEN's count
                 * is not 1 */
                switch (m->hdr.type) {
                case OPENER_MSG_OPEN:
                case OPENER_MSG_SPARE:
                        if ((b >> 3) == 30)
                                m->open.reserved = 1;
                        else if ((b >> 3) == 31 && m->hdr.type == OPENER_MSG_OPEN)
                                m->open.count = (b & 0x80) ? 0 : 2;
                        else
                                m->open.flags |= 1u << (2 + (b >> 3) % 30);
                        break;
                case OPENER_MSG_BIND:
                        m->bind.reserved = 1;
                        break;
                case OPENER_MSG_SETOPT:
                        m->setopt.reserved = 1;
                        break;
                case OPENER_MSG_LINK:
                        m->link.reserved = 1;
                        break;
                case OPENER_MSG_HCI:
                        m->hci.params[OPENER_HCI_MAX_PARAMS] = 1;
                        break;
                default:
                        m->hdr.version = 2;
                        break;
                }
                return len;
        default:
                /* an OPEN or SPARE address field its flag does not set */
                if (m->hdr.type == OPENER_MSG_OPEN || m->hdr.type == OPENER_MSG_SPARE) {
                        uint32_t *fields[] = { &m->open.rx_id, &m->open.tx_id, &m->open.j1939_pgn,
                                               &m->open.j1939_addr, &m->open.dev, &m->open.channel,
                                               &m->open.psm };

                        m->open.addr_flags = 0;
                        *fields[(b >> 3) % ELEMENTSOF(fields)] = 1;
                        return len;
                }
                return 0;
        }
}

/* The descriptors that come with a message as a broker would send them. */
static size_t wanted_fds(const union message *m)
{
        switch (m->hdr.type) {
        case OPENER_MSG_OPEN:
        case OPENER_MSG_SPARE:
                return (m->open.flags & OPENER_OPEN_CLIENT_NETNS) ? 1 : 0;
        case OPENER_MSG_LINK:
                return (m->link.flags & OPENER_OPEN_CLIENT_NETNS) ? 1 : 0;
        case OPENER_MSG_BIND:
        case OPENER_MSG_SETOPT:
        case OPENER_MSG_CLOSE:
                return 1;
        case OPENER_MSG_RESULT:
                return m->result.error == 0 ? 1 : 0;
        case OPENER_MSG_POLICY:
                return m->policy.error == 0 ? 1 : 0;
        case OPENER_MSG_SPARES:
                return m->spares.count <= OPENER_MAX_SPARES ? m->spares.count : 0;
        default:
                return 0;
        }
}

static bool fd_is_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* ---- checking what happened ---------------------------------------------------- */

struct reply {
        union {
                struct opener_hdr hdr;
                struct opener_result result;
                struct opener_done done;
                struct opener_hci_done hci_done;
                struct opener_policy policy;
                struct opener_spares spares;
                uint8_t raw[OPENER_MAX_MESSAGE];
        } m;
        size_t n;
        int fds[FDMSG_MAX_FDS];
        size_t n_fds;
};

static bool call_is_privileged(enum call_kind kind)
{
        switch (kind) {
        case CALL_SOCKET:
        case CALL_BIND:
        case CALL_CONNECT:
        case CALL_SETSOCKOPT:
        case CALL_SETNS:
        case CALL_BT_FILTER:
        case CALL_HCI:
        case CALL_LINK_UP:
        case CALL_LINK_BITRATE:
                return true;
        case CALL_IFNAMETOINDEX:
        case CALL_GETSOCKOPT:
        case CALL_IOCTL:
        case CALL_THREAD:
        case CALL_SOCKINFO:
        case CALL_BT_ADDRESS:
        case CALL_POLICY_LOAD:
                return false;
        }
        return true;
}

/* The first call of kind on fd (fd -1: any), from index from on, or NULL. */
static const struct call *call_find(enum call_kind kind, int fd, unsigned from)
{
        for (unsigned i = from; i < S.n_calls; i++)
                if (S.calls[i].kind == kind && (fd < 0 || S.calls[i].fd == fd))
                        return &S.calls[i];
        return NULL;
}

static const struct call *sockopt_find(int fd, int level, int name)
{
        for (unsigned i = 0; i < S.n_calls; i++) {
                const struct call *c = &S.calls[i];

                if (c->kind == CALL_SETSOCKOPT && c->fd == fd && c->a == level && c->b == name)
                        return c;
        }
        return NULL;
}

static unsigned call_index(const struct call *c)
{
        return (unsigned)(c - S.calls);
}

/* What the opener's packet filter does with a frame. */
enum filter_outcome {
        FILTER_DROP,
        FILTER_PASS,
        FILTER_CLIENT,          /* the client's own program decides */
};

/* Runs the packet filter the opener attached over a frame from ifindex
 * of EtherType proto, as the kernel's SKF_AD_IFINDEX and SKF_AD_PROTOCOL
 * (host order) give them, up to the client's own program, which starts
 * with "ld #0" (the confinement never loads a constant). */
static enum filter_outcome filter_run(const struct call *c, uint32_t ifindex, uint32_t proto)
{
        struct sock_filter code[MAX_FILTER];
        uint32_t a = 0;

        FUZZ_ASSERT(c->u <= MAX_FILTER, "a filter of %u instructions", c->u);
        memcpy(code, c->data, c->u * sizeof(code[0]));
        for (uint32_t pc = 0; pc < c->u; pc++) {
                const struct sock_filter *f = &code[pc];

                switch (f->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        FUZZ_ASSERT(f->k == (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX) ||
                                    f->k == (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL),
                                    "the filter loads %#x", f->k);
                        a = f->k == (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX) ? ifindex : proto;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                        pc += a == f->k ? f->jt : f->jf;
                        FUZZ_ASSERT(pc + 1 < c->u, "the filter jumps out of itself");
                        break;
                case BPF_RET | BPF_K:
                        return f->k != 0 ? FILTER_PASS : FILTER_DROP;
                case BPF_LD | BPF_IMM:
                        FUZZ_ASSERT(f->k == 0 && pc + 1 < c->u &&
                                    code[pc + 1].code == (BPF_LDX | BPF_IMM) && code[pc + 1].k == 0,
                                    "the client's program does not start with A and X zero");
                        return FILTER_CLIENT;
                default:
                        FUZZ_ASSERT(false, "the filter has instruction %#x", f->code);
                }
        }
        FUZZ_ASSERT(false, "the filter runs off its end");
        return FILTER_DROP;
}

/* The client's own program, as the message carried it, ends the
 * attached filter, right after "ld #0; ldx #0". */
static void check_client_filter(const struct call *filter, const struct opener_open *m)
{
        const struct sock_filter *own = ((const struct opener_open_filter *)m)->filter;
        size_t n = m->filter_len, at;

        FUZZ_ASSERT(filter && filter->u >= n + 2, "the client's filter is not attached");
        at = filter->u - n;
        FUZZ_ASSERT(memcmp(filter->data + at * sizeof(*own), own, n * sizeof(*own)) == 0,
                    "the attached filter does not end with the client's");
}

/* The interface an index stands for in a packet or CAN address. */
static const char *bound_ifname(int32_t ifindex)
{
        const char *name;

        if (ifindex == 0)
                return NULL;
        name = ifindex_name((uint32_t)ifindex);
        FUZZ_ASSERT(name, "bound to interface %d, which the opener was not given", ifindex);
        return name;
}

/* Fills has_dev and dev from a bound Bluetooth address. */
static void bound_controller(const bdaddr_t *a, struct policy_request *req)
{
        int dev = controller_of(a);

        FUZZ_ASSERT(dev != -1, "bound to the address of no controller");
        req->has_dev = dev >= 0;
        req->dev = dev >= 0 ? (uint32_t)dev : 0;
}

/*
 * The request the calls for the socket s of an OPEN or a SPARE make, from
 * the calls alone where they were made. A socket that failed on the way
 * was closed again; what the opener did not get to ask of the kernel is
 * then taken from the message.
 */
static void open_seen(const struct opener_open *m, const struct policy_rule *rule, const struct call *s,
                      bool done, struct policy_request *seen)
{
        const struct call *a, *ifc;
        struct policy_request view;
        int fd;

        opener_open_get_request(m, &view);
        FUZZ_ASSERT(s, "no socket");
        fd = s->fd;
        *seen = (struct policy_request) {
                .op = POLICY_OP_OPEN,
                .family = s->a,
                .type = s->b & ~(SOCK_CLOEXEC | SOCK_NONBLOCK),
                .protocol = (uint32_t)s->c,
        };
        FUZZ_ASSERT(s->b & SOCK_CLOEXEC, "a socket without SOCK_CLOEXEC");
        FUZZ_ASSERT(seen->family == m->family && seen->type == m->type &&
                    (seen->family == AF_PACKET || seen->protocol == m->protocol),
                    "socket(%d, %d, %u) for (%d, %d, %u)", seen->family, seen->type, seen->protocol,
                    m->family, m->type, m->protocol);
        FUZZ_ASSERT(!(s->b & SOCK_NONBLOCK) == !(m->flags & OPENER_OPEN_NONBLOCK),
                    "SOCK_NONBLOCK %s asked", (s->b & SOCK_NONBLOCK) ? "not" : "but");
        if (s->err) {
                /* Nothing was created: what it would have been is the
                 * message's. A packet socket's protocol comes later. */
                struct policy_request r = view;

                r.family = seen->family;
                r.type = seen->type;
                if (seen->family != AF_PACKET)
                        r.protocol = seen->protocol;
                *seen = r;
                return;
        }
        /* The options each family's sockets are given, and no other. */
        for (unsigned i = 0; i < S.n_calls; i++) {
                const struct call *c = &S.calls[i];
                bool known;

                if (c->kind != CALL_SETSOCKOPT)
                        continue;
                FUZZ_ASSERT(call_find(CALL_SOCKET, c->fd, 0), "an option on descriptor %d, not a socket made",
                            c->fd);
                if (c->fd != fd)
                        continue;
                switch (s->a) {
                case AF_PACKET:
                        known = c->a == SOL_SOCKET && (c->b == SO_ATTACH_FILTER || c->b == SO_LOCK_FILTER);
                        break;
                case AF_INET:
                case AF_INET6:
                        known = c->a == SOL_SOCKET && c->b == SO_BINDTODEVICE;
                        break;
                case AF_CAN:
                        known = (c->a == SOL_CAN_RAW && c->b == CAN_RAW_FD_FRAMES) ||
                                (c->a == SOL_CAN_ISOTP && c->b == CAN_ISOTP_LL_OPTS);
                        break;
                default:
                        known = false;
                        break;
                }
                FUZZ_ASSERT(known, "option (%d, %d) on a socket of family %d", c->a, c->b, s->a);
        }
        ifc = call_find(CALL_IFNAMETOINDEX, -1, 0);
        a = call_find(CALL_BIND, fd, 0);
        if (!a)
                a = call_find(CALL_CONNECT, fd, 0);

        switch (s->a) {
        case AF_PACKET: {
                struct sockaddr_ll sll = {};
                const struct call *filter = sockopt_find(fd, SOL_SOCKET, SO_ATTACH_FILTER);
                const struct call *lock = sockopt_find(fd, SOL_SOCKET, SO_LOCK_FILTER);
                bool by_iface, by_proto;
                uint32_t ifindex = 0;

                /* Created with protocol 0, given the real one at bind(). */
                FUZZ_ASSERT(s->c == 0, "a packet socket created with protocol %#x", s->c);
                if (a) {
                        FUZZ_ASSERT(a->kind == CALL_BIND && a->len == sizeof(sll), "packet address");
                        memcpy(&sll, a->data, sizeof(sll));
                        FUZZ_ASSERT(sll.sll_family == AF_PACKET, "packet address of family %u",
                                    sll.sll_family);
                        seen->protocol = ntohs(sll.sll_protocol);
                        seen->ifname = bound_ifname(sll.sll_ifindex);
                        ifindex = (uint32_t)sll.sll_ifindex;
                } else if (!done) {
                        seen->protocol = view.protocol;
                        seen->ifname = ifc ? ifc->name : NULL;
                }
                if (!done)
                        break;
                /* A client may bind its packet socket again, to anything:
                 * the locked filter is what keeps it to the rule. */
                by_iface = rule->n_ifaces > 0;
                by_proto = rule->n_protocols > 0 && seen->protocol != 0 && seen->protocol != ETH_P_ALL;
                if (by_iface || by_proto) {
                        uint32_t proto = by_proto ? seen->protocol : ETH_P_IP;

                        FUZZ_ASSERT(filter && lock && call_index(lock) > call_index(filter) &&
                                    lock->len == sizeof(int) &&
                                    memcmp(lock->data, &(int){ 1 }, sizeof(int)) == 0,
                                    "a packet socket under a rule with %s has no locked filter",
                                    by_iface ? "iface=" : "proto=");
                        FUZZ_ASSERT(filter_run(filter, ifindex, proto) ==
                                    (m->filter_len ? FILTER_CLIENT : FILTER_PASS),
                                    "the filter drops what the socket is bound to");
                        /* Whatever the client's program is, it never sees
                         * a frame the confinement refuses. */
                        FUZZ_ASSERT(!by_iface || filter_run(filter, ifindex + 1, proto) == FILTER_DROP,
                                    "the filter passes another interface");
                        FUZZ_ASSERT(!by_proto || filter_run(filter, ifindex, proto ^ 1) == FILTER_DROP,
                                    "the filter passes another protocol");
                } else if (m->filter_len) {
                        /* No confinement: the client's program alone, which
                         * the client may replace. */
                        FUZZ_ASSERT(filter && !lock && filter_run(filter, ifindex, 0) == FILTER_CLIENT,
                                    "an unconfined packet socket's own filter");
                }
                if (m->filter_len)
                        check_client_filter(filter, m);
                break;
        }
        case AF_INET:
        case AF_INET6: {
                const struct call *pin = sockopt_find(fd, SOL_SOCKET, SO_BINDTODEVICE);

                FUZZ_ASSERT(!a, "an inet socket bound or connected by the opener");
                if (pin) {
                        FUZZ_ASSERT(pin->len >= 1 && pin->len <= IFNAMSIZ &&
                                    pin->data[pin->len - 1] == 0,
                                    "SO_BINDTODEVICE of %zu bytes", pin->len);
                        seen->ifname = (const char *)pin->data;
                } else if (!done) {
                        seen->ifname = view.ifname;
                }
                break;
        }
        case AF_CAN: {
                struct sockaddr_can addr = {};
                const struct call *fd_frames = sockopt_find(fd, SOL_CAN_RAW, CAN_RAW_FD_FRAMES);
                const struct call *ll = sockopt_find(fd, SOL_CAN_ISOTP, CAN_ISOTP_LL_OPTS);

                if (fd_frames) {
                        FUZZ_ASSERT(fd_frames->len == sizeof(int), "CAN_RAW_FD_FRAMES");
                        seen->can_fd = fd_frames->data[0] != 0;
                }
                if (ll) {
                        struct can_isotp_ll_options o = {};

                        FUZZ_ASSERT(ll->len == sizeof(o), "CAN_ISOTP_LL_OPTS");
                        memcpy(&o, ll->data, sizeof(o));
                        seen->can_fd = o.mtu == CANFD_MTU;
                }
                if (a) {
                        FUZZ_ASSERT(a->len == sizeof(addr), "CAN address of %zu bytes", a->len);
                        FUZZ_ASSERT((a->kind == CALL_CONNECT) == (seen->protocol == CAN_BCM),
                                    "a CAN socket of protocol %u %s", seen->protocol,
                                    a->kind == CALL_CONNECT ? "connected" : "bound");
                        memcpy(&addr, a->data, sizeof(addr));
                        FUZZ_ASSERT(addr.can_family == AF_CAN, "CAN address of family %u",
                                    addr.can_family);
                        seen->ifname = bound_ifname(addr.can_ifindex);
                        if (seen->protocol == CAN_ISOTP) {
                                seen->has_can_ids = true;
                                seen->rx_id = addr.can_addr.tp.rx_id;
                                seen->tx_id = addr.can_addr.tp.tx_id;
                        } else if (seen->protocol == CAN_J1939) {
                                seen->has_j1939 = true;
                                seen->j1939_name = addr.can_addr.j1939.name;
                                seen->j1939_pgn = addr.can_addr.j1939.pgn;
                                seen->j1939_addr = addr.can_addr.j1939.addr;
                        }
                } else if (!done) {
                        seen->ifname = ifc ? ifc->name : NULL;
                        seen->has_can_ids = view.has_can_ids;
                        seen->rx_id = view.rx_id;
                        seen->tx_id = view.tx_id;
                        seen->has_j1939 = view.has_j1939;
                        seen->j1939_name = view.j1939_name;
                        seen->j1939_pgn = view.j1939_pgn;
                        seen->j1939_addr = view.j1939_addr;
                        seen->can_fd = view.can_fd;
                }
                break;
        }
        case AF_BLUETOOTH:
                if (a) {
                        FUZZ_ASSERT(a->kind == CALL_BIND, "a Bluetooth socket connected");
                        switch (seen->protocol) {
                        case BTPROTO_HCI: {
                                struct sockaddr_hci sa;

                                FUZZ_ASSERT(a->len == sizeof(sa), "HCI address");
                                memcpy(&sa, a->data, sizeof(sa));
                                seen->has_dev = sa.hci_dev != HCI_DEV_NONE;
                                seen->dev = seen->has_dev ? sa.hci_dev : 0;
                                seen->has_channel = true;
                                seen->channel = sa.hci_channel;
                                break;
                        }
                        case BTPROTO_L2CAP: {
                                struct sockaddr_l2 sa;

                                FUZZ_ASSERT(a->len == sizeof(sa), "L2CAP address");
                                memcpy(&sa, a->data, sizeof(sa));
                                bound_controller(&sa.l2_bdaddr, seen);
                                seen->port = le16toh(sa.l2_psm);
                                seen->has_port = seen->port != 0;
                                break;
                        }
                        case BTPROTO_RFCOMM: {
                                struct sockaddr_rc sa;

                                FUZZ_ASSERT(a->len == sizeof(sa), "RFCOMM address");
                                memcpy(&sa, a->data, sizeof(sa));
                                bound_controller(&sa.rc_bdaddr, seen);
                                seen->channel = sa.rc_channel;
                                seen->has_channel = seen->channel != 0;
                                break;
                        }
                        case BTPROTO_SCO: {
                                struct sockaddr_sco sa;

                                FUZZ_ASSERT(a->len == sizeof(sa), "SCO address");
                                memcpy(&sa, a->data, sizeof(sa));
                                bound_controller(&sa.sco_bdaddr, seen);
                                break;
                        }
                        default:
                                FUZZ_ASSERT(false, "a Bluetooth socket of protocol %u bound",
                                            seen->protocol);
                        }
                } else if (!done) {
                        seen->has_dev = view.has_dev;
                        seen->dev = view.dev;
                        seen->has_channel = view.has_channel;
                        seen->channel = view.channel;
                        seen->has_port = view.has_port;
                        seen->port = view.port;
                }
                if (done && seen->protocol == BTPROTO_HCI) {
                        const struct call *f = call_find(CALL_BT_FILTER, fd, 0);

                        /* An HCI socket always has a channel: one the
                         * rule allows, and it is bound to it. */
                        FUZZ_ASSERT(a, "an HCI socket left unbound");
                        if (seen->channel == HCI_CHANNEL_RAW)
                                FUZZ_ASSERT(f && f->len == rule->n_events &&
                                            memcmp(f->data, rule->events, f->len) == 0,
                                            "a raw HCI socket without its rule's event filter");
                }
                break;
        default:
                FUZZ_ASSERT(false, "a socket of family %d", s->a);
        }
        if (!done || s->a == AF_BLUETOOTH)
                return;

        /* And the socket is the one asked for, where the kernel has a
         * field for it. */
        FUZZ_ASSERT(!seen->ifname == !view.ifname && (!seen->ifname || streq(seen->ifname, view.ifname)),
                    "on interface %s, asked %s", strna(seen->ifname), strna(view.ifname));
        /* sll_protocol has 16 bits: a wider EtherType, which only a rule
         * that allows every protocol lets through, is cut. */
        FUZZ_ASSERT(s->a != AF_PACKET || seen->protocol == (uint16_t)view.protocol,
                    "packet protocol %#x, asked %#x", seen->protocol, view.protocol);
        FUZZ_ASSERT(!seen->has_can_ids || (seen->rx_id == view.rx_id && seen->tx_id == view.tx_id),
                    "ISO-TP ids %#x/%#x, asked %#x/%#x", seen->rx_id, seen->tx_id, view.rx_id, view.tx_id);
        FUZZ_ASSERT(!seen->has_j1939 || (seen->j1939_name == view.j1939_name &&
                                         seen->j1939_pgn == view.j1939_pgn &&
                                         seen->j1939_addr == view.j1939_addr),
                    "not the J1939 address asked for");
}

/* The privileged calls a message of each type may make, each at most
 * this many times; count is a SPARE's. */
static void check_call_kinds(int type, uint32_t count)
{
        unsigned n[CALL_POLICY_LOAD + 1] = {}, max[CALL_POLICY_LOAD + 1] = {};

        for (unsigned i = 0; i < S.n_calls; i++)
                n[S.calls[i].kind]++;
        switch (type) {
        case OPENER_MSG_OPEN:
                max[CALL_SOCKET] = 1;
                max[CALL_BIND] = max[CALL_CONNECT] = 1;
                max[CALL_SETSOCKOPT] = 2;
                max[CALL_SETNS] = 1;
                max[CALL_BT_FILTER] = 1;
                FUZZ_ASSERT(n[CALL_BIND] + n[CALL_CONNECT] <= 1, "a socket bound and connected");
                break;
        case OPENER_MSG_SPARE:
                /* socket() and SO_BINDTODEVICE for each */
                max[CALL_SOCKET] = max[CALL_SETSOCKOPT] = count;
                break;
        case OPENER_MSG_BIND:
                max[CALL_BIND] = 1;
                break;
        case OPENER_MSG_SETOPT:
                max[CALL_SETSOCKOPT] = 1;
                break;
        case OPENER_MSG_LINK:
                max[CALL_SETNS] = 1;
                max[CALL_LINK_UP] = max[CALL_LINK_BITRATE] = 1;
                FUZZ_ASSERT(n[CALL_LINK_UP] + n[CALL_LINK_BITRATE] <= 1, "two link changes");
                break;
        case OPENER_MSG_HCI:
                max[CALL_HCI] = 1;
                break;
        default:
                break;
        }
        for (unsigned k = 0; k <= CALL_POLICY_LOAD; k++)
                FUZZ_ASSERT(!call_is_privileged((enum call_kind)k) || n[k] <= max[k],
                            "%u calls of kind %u for a message of type %d", n[k], k, type);
}

/* What a BIND, SETOPT, LINK or HCI did, from its calls. Returns false
 * when it made no privileged call. */
static bool client_op_seen(const union message *m, const struct fake *sock, const struct policy_rule *rule,
                           struct policy_request *seen)
{
        const struct call *c;

        switch (m->hdr.type) {
        case OPENER_MSG_BIND: {
                union {
                        struct sockaddr sa;
                        struct sockaddr_in in;
                        struct sockaddr_in6 in6;
                        struct sockaddr_l2 l2;
                } addr = {};

                c = call_find(CALL_BIND, -1, 0);
                if (!c)
                        return false;
                FUZZ_ASSERT(sock && c->fd == sock->fd, "bound a descriptor other than the client's");
                memcpy(&addr, c->data, c->len < sizeof(addr) ? c->len : sizeof(addr));
                FUZZ_ASSERT(addr.sa.sa_family == sock->family,
                            "bound an address of family %u to a socket of %d", addr.sa.sa_family,
                            sock->family);
                *seen = (struct policy_request) {
                        .op = POLICY_OP_BIND,
                        .family = sock->family,
                        .type = sock->type,
                        .protocol = sock->protocol,
                        .has_port = true,
                };
                if (sock->family == AF_INET) {
                        FUZZ_ASSERT(c->len == sizeof(addr.in) &&
                                    memcmp(&addr.in.sin_addr, m->bind.address, 4) == 0,
                                    "not the inet address asked for");
                        seen->port = ntohs(addr.in.sin_port);
                } else if (sock->family == AF_INET6) {
                        FUZZ_ASSERT(c->len == sizeof(addr.in6) &&
                                    memcmp(&addr.in6.sin6_addr, m->bind.address, 16) == 0 &&
                                    addr.in6.sin6_scope_id == m->bind.scope_id,
                                    "not the inet6 address asked for");
                        seen->port = ntohs(addr.in6.sin6_port);
                } else {
                        FUZZ_ASSERT(c->len == sizeof(addr.l2) &&
                                    memcmp(&addr.l2.l2_bdaddr, m->bind.address, sizeof(bdaddr_t)) == 0,
                                    "not the L2CAP address asked for");
                        seen->port = le16toh(addr.l2.l2_psm);
                        /* With dev=, only to a controller it names. */
                        if (rule->n_devs > 0) {
                                int dev = controller_of(&addr.l2.l2_bdaddr);

                                FUZZ_ASSERT(dev >= 0 && policy_ranges_contain(rule->devs, rule->n_devs,
                                                                              (uint32_t)dev),
                                            "L2CAP bound to controller %d under %s:%u", dev,
                                            rule->file, rule->line);
                        }
                }
                return true;
        }
        case OPENER_MSG_SETOPT: {
                static const struct {
                        int name;
                        enum policy_sockopt opt;
                } names[] = {
                        { SO_MARK, POLICY_SOCKOPT_MARK },
                        { SO_PRIORITY, POLICY_SOCKOPT_PRIORITY },
                        { SO_RCVBUFFORCE, POLICY_SOCKOPT_RCVBUFFORCE },
                        { SO_SNDBUFFORCE, POLICY_SOCKOPT_SNDBUFFORCE },
                        { SO_BINDTODEVICE, POLICY_SOCKOPT_BINDTODEVICE },
                };
                static char ifname[IFNAMSIZ + 1];

                c = call_find(CALL_SETSOCKOPT, -1, 0);
                if (!c)
                        return false;
                FUZZ_ASSERT(sock && c->fd == sock->fd, "an option on a descriptor other than the client's");
                FUZZ_ASSERT(c->a == SOL_SOCKET, "an option of level %d", c->a);
                *seen = (struct policy_request) {
                        .op = POLICY_OP_SETOPT,
                        .family = sock->family,
                        .type = sock->type,
                        .protocol = sock->protocol,
                };
                for (size_t i = 0; i < ELEMENTSOF(names); i++)
                        if (names[i].name == c->b)
                                seen->sockopt = names[i].opt;
                FUZZ_ASSERT(seen->sockopt != POLICY_SOCKOPT_NONE, "socket option %d", c->b);
                if (seen->sockopt == POLICY_SOCKOPT_BINDTODEVICE) {
                        /* The kernel takes the name up to the length given. */
                        FUZZ_ASSERT(c->len <= IFNAMSIZ, "SO_BINDTODEVICE of %zu bytes", c->len);
                        memset(ifname, 0, sizeof(ifname));
                        memcpy(ifname, c->data, c->len);
                        seen->ifname = ifname;
                } else {
                        int v;

                        FUZZ_ASSERT(c->len == sizeof(v), "an option of %zu bytes", c->len);
                        memcpy(&v, c->data, sizeof(v));
                        seen->value = (uint32_t)v;
                }
                return true;
        }
        case OPENER_MSG_LINK:
                c = call_find(CALL_LINK_UP, -1, 0);
                if (!c)
                        c = call_find(CALL_LINK_BITRATE, -1, 0);
                if (!c)
                        return false;
                *seen = (struct policy_request) {
                        .op = POLICY_OP_LINK,
                        .family = AF_CAN,
                        .ifname = c->name,
                        .link_op = c->kind == CALL_LINK_BITRATE ? POLICY_LINK_BITRATE
                                   : c->a                        ? POLICY_LINK_UP
                                                                 : POLICY_LINK_DOWN,
                        .bitrate = c->kind == CALL_LINK_BITRATE ? c->u : 0,
                };
                return true;
        case OPENER_MSG_HCI:
                c = call_find(CALL_HCI, -1, 0);
                if (!c)
                        return false;
                *seen = (struct policy_request) {
                        .op = POLICY_OP_HCI_COMMAND,
                        .family = AF_BLUETOOTH,
                        .protocol = BTPROTO_HCI,
                        .has_dev = true,
                        .dev = c->u,
                        .opcode = c->v,
                };
                return true;
        default:
                return false;
        }
}

/* What a BIND, SETOPT, LINK or HCI did is also what its message asked,
 * not merely something else the rule allows. */
static void check_as_asked(const union message *m, const struct policy_request *seen)
{
        int v = 0;

        switch (m->hdr.type) {
        case OPENER_MSG_BIND:
                FUZZ_ASSERT(seen->port == m->bind.port, "bound to %u, asked %u", seen->port, m->bind.port);
                break;
        case OPENER_MSG_SETOPT:
                FUZZ_ASSERT(opener_sockopt_to_policy(m->setopt.option, &v) && (int)seen->sockopt == v,
                            "option %d set, %u asked", (int)seen->sockopt, m->setopt.option);
                if (seen->sockopt == POLICY_SOCKOPT_BINDTODEVICE)
                        FUZZ_ASSERT(streq(seen->ifname, m->setopt.ifname), "bound to device %s, asked %s",
                                    seen->ifname, m->setopt.ifname);
                else
                        FUZZ_ASSERT(seen->value == (uint32_t)m->setopt.value,
                                    "value %" PRIu64 " set, %" PRIu64 " asked", seen->value, m->setopt.value);
                break;
        case OPENER_MSG_LINK:
                FUZZ_ASSERT(opener_link_op_to_policy(m->link.op, &v) && (int)seen->link_op == v &&
                            streq(seen->ifname, m->link.ifname) &&
                            (v != POLICY_LINK_BITRATE || seen->bitrate == m->link.bitrate),
                            "link %s op %d, asked %s op %u", seen->ifname, (int)seen->link_op,
                            m->link.ifname, m->link.op);
                break;
        case OPENER_MSG_HCI:
                FUZZ_ASSERT(seen->dev == m->hci.dev && seen->opcode == m->hci.opcode,
                            "HCI command %#x to hci%u, asked %#x to hci%u", seen->opcode, seen->dev,
                            m->hci.opcode, m->hci.dev);
                break;
        default:
                break;
        }
}

/* Property 3: into which namespace, and when. */
static void check_netns(const struct policy_rule *rule, const struct fake *witness)
{
        const struct call *ns = call_find(CALL_SETNS, -1, 0);
        bool client = rule && policy_rule_netns(rule) == POLICY_NETNS_CLIENT;
        unsigned first = S.n_calls;

        for (unsigned i = 0; i < S.n_calls; i++)
                if (call_is_privileged(S.calls[i].kind) && S.calls[i].kind != CALL_SETNS) {
                        first = i;
                        break;
                }

        if (ns) {
                const struct call *sk = call_find(CALL_IOCTL, -1, 0);

                FUZZ_ASSERT(!call_find(CALL_SETNS, -1, call_index(ns) + 1), "setns() twice");
                FUZZ_ASSERT(ns->a == CLONE_NEWNET, "setns(%#x)", ns->a);
                FUZZ_ASSERT(witness && client, "setns() %s",
                            witness ? "under a rule that is not netns=client" : "with no witness");
                FUZZ_ASSERT(sk && sk->fd == witness->fd && !sk->err && ns->fd == (int)sk->u,
                            "setns() into a namespace not the witness's");
        }
        if (!client) {
                FUZZ_ASSERT(!call_find(CALL_IOCTL, -1, 0) && !call_find(CALL_GETSOCKOPT, -1, 0),
                            "a namespace looked up under a rule that is not netns=client");
                return;
        }
        /* Whatever is created is created in the client's namespace: the
         * witness's cookie said it is the opener's, or setns() got there. */
        if (first < S.n_calls) {
                const struct call *ck = call_find(CALL_GETSOCKOPT, -1, 0);
                const struct fake *w = ck ? fake_find(ck->fd) : NULL;

                FUZZ_ASSERT(ck && call_index(ck) < first && !ck->err && w && w->is_socket,
                            "created before the client's namespace was known");
                FUZZ_ASSERT(w->same_netns || (ns && !ns->err && call_index(ns) < first),
                            "created in the opener's namespace for a netns=client rule");
        }
}

/* The stage a failed call reports. */
static enum opener_stage fault_stage(const struct call *c, uint16_t type)
{
        const struct call *s;

        switch (c->kind) {
        case CALL_IFNAMETOINDEX:
                return OPENER_STAGE_INTERFACE;
        case CALL_SOCKET:
                return OPENER_STAGE_CREATE;
        case CALL_BIND:
        case CALL_CONNECT:
                return OPENER_STAGE_BIND;
        case CALL_SETSOCKOPT:
                if (type == OPENER_MSG_SETOPT)
                        return OPENER_STAGE_SETOPT;
                s = call_find(CALL_SOCKET, -1, 0);
                FUZZ_ASSERT(s, "setsockopt() with no socket");
                return s->a == AF_PACKET ? OPENER_STAGE_FILTER
                       : s->a == AF_CAN  ? OPENER_STAGE_SETOPT
                                         : OPENER_STAGE_PIN;
        case CALL_GETSOCKOPT:
        case CALL_IOCTL:
        case CALL_THREAD:
        case CALL_SETNS:
                return OPENER_STAGE_NETNS;
        case CALL_SOCKINFO:
                return type == OPENER_MSG_BIND ? OPENER_STAGE_BIND : OPENER_STAGE_SETOPT;
        case CALL_BT_ADDRESS:
        case CALL_HCI:
                return OPENER_STAGE_DEVICE;
        case CALL_BT_FILTER:
                return OPENER_STAGE_FILTER;
        case CALL_LINK_UP:
        case CALL_LINK_BITRATE:
                return OPENER_STAGE_LINK;
        case CALL_POLICY_LOAD:
                break;
        }
        return OPENER_STAGE_NONE;
}

/* A failure whose error the opener passes on; the few it gets past
 * (a controller that cannot be asked its address while looking for the
 * one a BIND names; a thread for an HCI command, which then runs in the
 * opener's own) leave only the outcome without them. */
static const struct call *passed_fault(uint16_t type)
{
        const struct call *c;

        if (S.fault_call < 0)
                return NULL;
        c = &S.calls[S.fault_call];
        if ((type == OPENER_MSG_BIND && c->kind == CALL_BT_ADDRESS) ||
            (type == OPENER_MSG_HCI && c->kind == CALL_THREAD))
                return NULL;
        return c;
}

/* Property 4 for OPEN, SPARE, BIND, SETOPT, LINK and HCI: error and stage. */
static void check_outcome(uint16_t type, int32_t error, uint32_t stage)
{
        const struct call *f = passed_fault(type);

        FUZZ_ASSERT(stage < _OPENER_STAGE_MAX, "stage %u", stage);
        FUZZ_ASSERT((error == 0) == (stage == OPENER_STAGE_NONE), "error %d at stage %s", error,
                    opener_stage_to_string(stage));
        if (f) {
                FUZZ_ASSERT(error == f->err && stage == fault_stage(f, type),
                            "a call failed with %d, and the answer is %d at stage %s", f->err, error,
                            opener_stage_to_string(stage));
                return;
        }
        /* Otherwise only what the opener itself refuses, or what the
         * stubs answer without a fault. */
        switch (error) {
        case 0:
                return;
        case EDESTADDRREQ:
                FUZZ_ASSERT(type == OPENER_MSG_OPEN && stage == OPENER_STAGE_BIND, "EDESTADDRREQ");
                return;
        case EAFNOSUPPORT:
                FUZZ_ASSERT(type == OPENER_MSG_OPEN && stage == OPENER_STAGE_CREATE, "EAFNOSUPPORT");
                return;
        case ENODEV:
                FUZZ_ASSERT(type == OPENER_MSG_OPEN && stage == OPENER_STAGE_DEVICE, "ENODEV");
                return;
        case EADDRNOTAVAIL:
                FUZZ_ASSERT(type == OPENER_MSG_BIND && stage == OPENER_STAGE_DEVICE, "EADDRNOTAVAIL");
                return;
        case ENOTSOCK:
                FUZZ_ASSERT(stage == (type == OPENER_MSG_BIND     ? OPENER_STAGE_BIND
                                      : type == OPENER_MSG_SETOPT ? OPENER_STAGE_SETOPT
                                                                  : OPENER_STAGE_NETNS),
                            "ENOTSOCK at stage %s", opener_stage_to_string(stage));
                return;
        default:
                FUZZ_ASSERT(false, "error %d at stage %s with no call failing", error,
                            opener_stage_to_string(stage));
        }
}

static size_t read_replies(struct reply *r, size_t max)
{
        size_t n = 0;

        for (;;) {
                struct reply scratch, *p = n < max ? &r[n] : &scratch;
                ssize_t k = fdmsg_recv(peer, &p->m, sizeof(p->m), p->fds, FDMSG_MAX_FDS, &p->n_fds,
                                       MSG_DONTWAIT);

                if (k == -EAGAIN)
                        return n;
                FUZZ_ASSERT(k > 0, "reading the opener's answer: %zd", k);
                p->n = (size_t)k;
                if (p == &scratch)
                        fdmsg_close_all(scratch.fds, scratch.n_fds);
                n++;
        }
}

/* An answer to a RELOAD: a sealed image of the policy now current,
 * which was imported from im, and exports to the same bytes. */
static void check_policy_reply(const struct opener_policy *m, int fd, const struct image *im)
{
        int seals = fcntl(fd, F_GET_SEALS);
        struct stat st;
        void *p;

        FUZZ_ASSERT(seals >= 0 && (seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)) ==
                                          (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL),
                    "a policy image that is not sealed: %#x", seals);
        FUZZ_ASSERT(fstat(fd, &st) == 0 && (uint64_t)st.st_size == m->size && m->size == im->len,
                    "an image of %" PRIu64 " bytes in a file of %jd, for one of %zu", m->size,
                    (intmax_t)st.st_size, im->len);
        p = mmap(NULL, im->len, PROT_READ, MAP_PRIVATE, fd, 0);
        FUZZ_ASSERT(p != MAP_FAILED, "mmap: %m");
        FUZZ_ASSERT(memcmp(p, im->buf, im->len) == 0, "the image is not the policy loaded");
        munmap(p, im->len);
}

/* Whether the opener still has the descriptor of f open: the same
 * number on the same file. */
static bool fake_open(const struct fake *f)
{
        struct stat st;

        return fstat(f->fd, &st) == 0 && st.st_ino == f->ino;
}

/* A failed call on descriptor fd, or NULL. */
static const struct call *failed_on(int fd)
{
        for (unsigned i = 0; i < S.n_calls; i++)
                if (S.calls[i].fd == fd && S.calls[i].err)
                        return &S.calls[i];
        return NULL;
}

/*
 * Properties 2 and 4 for the answer r to a SPARE m: every socket() call
 * asks for what the rule permits and the message asked, and so does
 * whatever was done to the socket; with success the answer carries all
 * the sockets made, in order, as many as asked; with a failure none, and
 * no socket() call after it.
 */
static void check_spares(const struct opener_open *m, const struct policy_rule *rule, const struct reply *r)
{
        const struct call *made[OPENER_MAX_SPARES];
        unsigned n_made = 0, n_sockets = 0;

        for (unsigned i = 0; i < S.n_calls; i++) {
                const struct call *c = &S.calls[i];
                struct policy_request seen;

                if (c->kind != CALL_SOCKET)
                        continue;
                n_sockets++;
                FUZZ_ASSERT(rule, "a spare made under no rule");
                open_seen(m, rule, c, !c->err && !failed_on(c->fd), &seen);
                FUZZ_ASSERT(policy_rule_permits(rule, &seen), "%s:%u does not permit spare %u", rule->file,
                            rule->line, n_sockets);
                if (c->err) {
                        FUZZ_ASSERT(!call_find(CALL_SOCKET, -1, i + 1), "a spare made after one failed");
                        continue;
                }
                FUZZ_ASSERT(n_made < OPENER_MAX_SPARES, "more than %u spares made", OPENER_MAX_SPARES);
                made[n_made++] = c;
        }
        FUZZ_ASSERT(n_sockets <= m->count, "%u sockets made for %u spares", n_sockets, m->count);
        FUZZ_ASSERT(r->m.spares.reserved == 0, "spares with a reserved field set");
        if (r->m.spares.error != 0) {
                FUZZ_ASSERT(r->m.spares.count == 0 && r->n_fds == 0, "%u spares (%zu attached) with error %d",
                            r->m.spares.count, r->n_fds, r->m.spares.error);
                return;
        }
        FUZZ_ASSERT(r->m.spares.count == m->count && r->n_fds == m->count && n_made == m->count,
                    "%u spares (%zu attached, %u made) for %u asked", r->m.spares.count, r->n_fds, n_made,
                    m->count);
        for (unsigned i = 0; i < n_made; i++) {
                const struct fake *f = fake_find(made[i]->fd);
                struct stat st;

                FUZZ_ASSERT(f && f->kind == FAKE_SOCKET && fstat(r->fds[i], &st) == 0 && st.st_ino == f->ino,
                            "spare %u sent is not socket %u made", i + 1, i + 1);
        }
}

/* ---- one message -------------------------------------------------------------- */

static bool dispatch(void *buf, size_t len, int *fds, size_t n_fds)
{
        S.in_dispatch = true;
        if (setjmp(S.fatal) != 0) {
                S.in_dispatch = false;
                return true;
        }
        opener_dispatch(&O, buf, len, fds, n_fds);
        S.in_dispatch = false;
        return false;
}

static void run_message(struct input *in)
{
        uint8_t control = take8(in), fault = take8(in);
        unsigned kind = control & 7, fd_mode = (control >> 3) & 3, form = control >> 5;
        union message m;
        uint8_t *buf;
        size_t len, n_fds, n_replies;
        int fds[FDMSG_MAX_FDS] = { -1, -1, -1, -1 };
        struct fake *attached[FDMSG_MAX_FDS] = {};
        struct reply replies[2];
        uint32_t gen_before = O.generation;
        const policy *cur_before = O.current, *prev_before = O.previous;
        const policy *named = NULL;
        const struct policy_rule *rule = NULL;
        struct policy_request seen;
        uint32_t generation = 0, rule_index = 0;
        unsigned before;
        bool fatal, privileged = false, handler_fatal;
        int checked;

        memset(&m, 0, sizeof(m));
        memset(&S.answer, 0, sizeof(S.answer));
        S.n_calls = 0;
        S.n_fakes = 0;
        S.fault_at = fault & 0x0f;
        S.fault_errno = fault_errnos[fault >> 4];
        S.fault_call = -1;
        S.hci = NULL;
        S.why[0] = '\0';
        S.reload = RELOAD_SAME;
        S.loaded = NULL;

        m.hdr.version = OPENER_PROTO_VERSION;
        m.hdr.type = kind == KIND_OTHER ? take_other_type(in) : kind_types[kind];
        if (m.hdr.type == OPENER_MSG_SPARE)
                kind = KIND_SPARE;
        m.hdr.seq = ++next_seq;
        len = opener_msg_size((enum opener_msg_type)m.hdr.type);
        if (len == 0)
                len = sizeof(struct opener_hdr) + (take8(in) & 0x3f);

        if (form == 7) {
                /* The bytes as they come, header and all. */
                take_bytes(in, m.raw, len);
        } else {
                switch (kind) {
                case KIND_OPEN:
                        build_open(in, &m.open);
                        len += m.open.filter_len * sizeof(struct sock_filter);
                        break;
                case KIND_SPARE:
                        build_spare(in, &m.open);
                        break;
                case KIND_BIND:
                        build_bind(in, &m.bind);
                        break;
                case KIND_SETOPT:
                        build_setopt(in, &m.setopt);
                        break;
                case KIND_LINK:
                        build_link(in, &m.link);
                        break;
                case KIND_HCI:
                        build_hci(in, &m.hci);
                        break;
                case KIND_RELOAD: {
                        static const enum reload_variant variants[8] = {
                                RELOAD_SAME, RELOAD_SAME, RELOAD_SAME, RELOAD_REVERSED,
                                RELOAD_REVERSED, RELOAD_BROKEN, RELOAD_MISSING, RELOAD_SAME,
                        };

                        S.reload = variants[take8(in) & 7];
                        break;
                }
                case KIND_CLOSE:
                        break;
                case KIND_OTHER:
                        take_bytes(in, m.raw + sizeof(m.hdr), len - sizeof(m.hdr));
                        break;
                }
                if (form == 6)
                        len = damage(&m, len, take8(in), in);
        }
        if (m.hdr.type == OPENER_MSG_HCI && len >= sizeof(m.hci))
                S.hci = &m.hci;

        n_fds = fd_mode == 0 ? wanted_fds(&m) : fd_mode - 1;
        before = fuzz_fds_open();
        for (size_t i = 0; i < n_fds; i++) {
                uint8_t d = take8(in);
                struct fake *f = fake_new(FAKE_ATTACHED);

                f->family = identities[d & 15].family;
                f->type = identities[d & 15].type;
                f->protocol = identities[d & 15].protocol;
                f->is_socket = f->family != 0;
                f->same_netns = d & 0x10;
                attached[i] = f;
                fds[i] = f->fd;
        }

        /* A buffer of exactly the message's length, for ASan. */
        buf = malloc(len ? len : 1);
        FUZZ_ASSERT(buf, "out of memory");
        memcpy(buf, m.raw, len);
        checked = opener_msg_check(buf, len, n_fds);
        switch (checked) {
        case OPENER_MSG_OPEN:
        case OPENER_MSG_SPARE:
        case OPENER_MSG_BIND:
        case OPENER_MSG_SETOPT:
        case OPENER_MSG_LINK:
        case OPENER_MSG_HCI:
                /* Each of these has generation and rule_index first
                 * after its header. */
                generation = m.open.generation;
                rule_index = m.open.rule_index;
                named = named_policy(generation);
                if (named && rule_index < policy_n_rules(named))
                        rule = policy_get_rule(named, rule_index);
                break;
        default:
                break;
        }

        fatal = dispatch(buf, len, fds, n_fds);

        /* Property 1 */
        if (checked < 0 || checked >= OPENER_MSG_RESULT) {
                FUZZ_ASSERT(fatal, "the opener took a message its check refuses (%d)", checked);
                FUZZ_ASSERT(S.n_calls == 0, "a refused message reached a stub");
        }
        handler_fatal = fatal && checked > 0 && checked < OPENER_MSG_RESULT;
        for (unsigned i = 0; i < S.n_calls; i++)
                privileged |= call_is_privileged(S.calls[i].kind);
        FUZZ_ASSERT(!fatal || !privileged || strneq(S.why, "cannot send", 11),
                    "a privileged call for a message the opener then refused: %s", S.why);

        /* Property 2 */
        if (privileged) {
                FUZZ_ASSERT(named, "a privileged call under generation %u (the opener's: %u)",
                            generation, gen_before);
                FUZZ_ASSERT(rule, "a privileged call under rule %u of %zu", rule_index,
                            policy_n_rules(named));
        }

        /* The descriptors that came are closed, unless the opener is
         * ending in a way that would have closed them with its process. */
        for (size_t i = 0; i < n_fds; i++) {
                if (handler_fatal) {
                        if (fd_is_open(attached[i]->fd))
                                close(attached[i]->fd);
                        continue;
                }
                FUZZ_ASSERT(!fd_is_open(attached[i]->fd), "a %s message's descriptor left open",
                            fatal ? "refused" : "handled");
        }
        /* A failed answer is the one fatal end that can leave a socket
         * of the opener's own open; the process would end with it. */
        if (fatal && strneq(S.why, "cannot send", 11))
                for (unsigned i = 0; i < S.n_fakes; i++)
                        if (S.fakes[i].kind == FAKE_SOCKET && fd_is_open(S.fakes[i].fd))
                                close(S.fakes[i].fd);
        /* Property 5: otherwise the sockets made are the broker's alone,
         * or closed again when the opener failed on the way. */
        for (unsigned i = 0; i < S.n_fakes; i++)
                FUZZ_ASSERT(S.fakes[i].kind != FAKE_SOCKET || !fake_open(&S.fakes[i]),
                            "the opener keeps a socket it made for a message of type %d", checked);

        n_replies = read_replies(replies, ELEMENTSOF(replies));
        if (fatal) {
                FUZZ_ASSERT(n_replies == 0, "an answer to a message that ended the opener: %s", S.why);
        } else {
                uint16_t want = 0;

                switch (checked) {
                case OPENER_MSG_OPEN:
                        want = OPENER_MSG_RESULT;
                        break;
                case OPENER_MSG_SPARE:
                        want = OPENER_MSG_SPARES;
                        break;
                case OPENER_MSG_BIND:
                case OPENER_MSG_SETOPT:
                case OPENER_MSG_LINK:
                        want = OPENER_MSG_DONE;
                        break;
                case OPENER_MSG_HCI:
                        want = OPENER_MSG_HCI_DONE;
                        break;
                case OPENER_MSG_RELOAD:
                        want = OPENER_MSG_POLICY;
                        break;
                default:
                        break;
                }
                FUZZ_ASSERT(n_replies == (want ? 1u : 0u), "%zu answers to a message of type %d",
                            n_replies, checked);
        }

        if (!fatal && n_replies == 1) {
                struct reply *r = &replies[0];
                int type = opener_msg_check(&r->m, r->n, r->n_fds);

                FUZZ_ASSERT(type >= OPENER_MSG_RESULT, "an answer the broker refuses: %d", type);
                switch (checked) {
                case OPENER_MSG_OPEN: {
                        const struct call *s = call_find(CALL_SOCKET, -1, 0);
                        struct stat st;

                        FUZZ_ASSERT(type == OPENER_MSG_RESULT, "type %d answers an OPEN", type);
                        FUZZ_ASSERT(r->m.hdr.seq == m.hdr.seq, "seq %u for %u", r->m.hdr.seq, m.hdr.seq);
                        check_outcome(OPENER_MSG_OPEN, r->m.result.error, r->m.result.stage);
                        if (r->m.result.error == 0) {
                                const struct fake *f = s ? fake_find(s->fd) : NULL;

                                FUZZ_ASSERT(f && fstat(r->fds[0], &st) == 0 && st.st_ino == f->ino,
                                            "the socket sent is not the one created");
                        }
                        if (s && rule) {
                                open_seen(&m.open, rule, s, r->m.result.error == 0, &seen);
                                FUZZ_ASSERT(policy_rule_permits(rule, &seen),
                                            "%s:%u does not permit the socket made", rule->file,
                                            rule->line);
                        }
                        break;
                }
                case OPENER_MSG_SPARE:
                        FUZZ_ASSERT(type == OPENER_MSG_SPARES, "type %d answers a SPARE", type);
                        FUZZ_ASSERT(r->m.hdr.seq == m.hdr.seq, "seq %u for %u", r->m.hdr.seq, m.hdr.seq);
                        check_outcome(OPENER_MSG_SPARE, r->m.spares.error, r->m.spares.stage);
                        check_spares(&m.open, rule, r);
                        break;
                case OPENER_MSG_BIND:
                case OPENER_MSG_SETOPT:
                case OPENER_MSG_LINK:
                        FUZZ_ASSERT(type == OPENER_MSG_DONE, "type %d answers type %d", type, checked);
                        FUZZ_ASSERT(r->m.hdr.seq == m.hdr.seq, "seq %u for %u", r->m.hdr.seq, m.hdr.seq);
                        check_outcome((uint16_t)checked, r->m.done.error, r->m.done.stage);
                        break;
                case OPENER_MSG_HCI:
                        FUZZ_ASSERT(type == OPENER_MSG_HCI_DONE, "type %d answers an HCI", type);
                        FUZZ_ASSERT(r->m.hdr.seq == m.hdr.seq, "seq %u for %u", r->m.hdr.seq, m.hdr.seq);
                        check_outcome(OPENER_MSG_HCI, r->m.hci_done.error, r->m.hci_done.stage);
                        if (r->m.hci_done.error == 0)
                                FUZZ_ASSERT(r->m.hci_done.event == S.answer.event &&
                                            r->m.hci_done.n_data == S.answer.n &&
                                            memcmp(r->m.hci_done.data, S.answer.data, S.answer.n) == 0,
                                            "the controller's answer is not what the broker gets");
                        break;
                case OPENER_MSG_RELOAD: {
                        const struct call *l = call_find(CALL_POLICY_LOAD, -1, 0);
                        int want = 0;

                        FUZZ_ASSERT(type == OPENER_MSG_POLICY, "type %d answers a RELOAD", type);
                        /* A policy answers no request: the broker takes it
                         * whenever it comes, by its generation. */
                        FUZZ_ASSERT(r->m.hdr.seq == 0, "a policy with seq %u", r->m.hdr.seq);
                        FUZZ_ASSERT(l, "a RELOAD that loads nothing");
                        if (l->err)
                                want = l->err;
                        else if (S.reload == RELOAD_BROKEN)
                                want = EINVAL;
                        else if (S.reload == RELOAD_MISSING)
                                want = ENOENT;
                        else if (images[S.reload == RELOAD_SAME ? 0 : 1].caps & ~O.caps)
                                want = EPERM;
                        FUZZ_ASSERT(r->m.policy.error == want, "a reload ends in %d, not %d",
                                    r->m.policy.error, want);
                        if (want == 0) {
                                FUZZ_ASSERT(O.generation == gen_before + 1 && O.previous == cur_before &&
                                            O.current == S.loaded,
                                            "a reload that does not move the generation on");
                                check_policy_reply(&r->m.policy, r->fds[0],
                                                   &images[S.reload == RELOAD_SAME ? 0 : 1]);
                        } else {
                                FUZZ_ASSERT(r->m.policy.message[0] != '\0',
                                            "a failed reload without a reason");
                        }
                        FUZZ_ASSERT(r->m.policy.generation == O.generation, "a policy of generation %u, "
                                    "the opener's is %u", r->m.policy.generation, O.generation);
                        break;
                }
                default:
                        FUZZ_ASSERT(false, "an answer to a message of type %d", checked);
                }
                fdmsg_close_all(r->fds, r->n_fds);
        }
        if (checked != OPENER_MSG_RELOAD || fatal || replies[0].m.policy.error != 0)
                FUZZ_ASSERT(O.generation == gen_before && O.current == cur_before &&
                            O.previous == prev_before, "the policy changed without a reload");

        /* Property 2 for the operations on a client's socket, links and
         * HCI: rebuilt from the calls. */
        check_call_kinds(checked, m.open.count);
        if (!fatal && checked != OPENER_MSG_OPEN && client_op_seen(&m, attached[0], rule, &seen)) {
                FUZZ_ASSERT(policy_rule_permits(rule, &seen), "%s:%u does not permit what was done",
                            rule->file, rule->line);
                check_as_asked(&m, &seen);
        }

        /* Property 3 */
        if (checked == OPENER_MSG_OPEN || checked == OPENER_MSG_LINK || checked == OPENER_MSG_SPARE)
                check_netns(rule, n_fds == 1 ? attached[0] : NULL);
        if (checked != OPENER_MSG_OPEN && checked != OPENER_MSG_LINK)
                FUZZ_ASSERT(!call_find(CALL_SETNS, -1, 0), "setns() for a message of type %d", checked);
        if (checked == OPENER_MSG_SPARE) {
                const struct call *ck = call_find(CALL_GETSOCKOPT, -1, 0);
                const struct fake *w = ck ? fake_find(ck->fd) : NULL;

                FUZZ_ASSERT(!call_find(CALL_IOCTL, -1, 0) && !call_find(CALL_THREAD, -1, 0),
                            "a SPARE looks for another namespace");
                if (w && !ck->err && w->is_socket && !w->same_netns)
                        FUZZ_ASSERT(fatal && !call_find(CALL_SOCKET, -1, 0),
                                    "spares for a client in another namespace");
        }

        /* Property 5 */
        FUZZ_ASSERT(fuzz_fds_open() == before, "%u descriptors open after a message, %u before",
                    fuzz_fds_open(), before);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const uint32_t generations[4] = { 1, UINT32_MAX, 0, 0x80000000u };
        struct input in = { data, size };
        int pair[2];
        uint8_t start;

        images_init();
        if (!first_policy)
                first_policy = image_policy(&images[0]);
        if (first_image_fd < 0)
                first_image_fd = image_memfd(&images[0]);
        if (size == 0)
                return 0;
        start = take8(&in);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                abort();
        O = (struct opener) {
                .sock = pair[0],
                .config = &config,
                .current = first_policy,
                .generation = generations[start & 3],
                .caps = images[0].caps,
                .netns_cookie = OPENER_COOKIE,
                .compiler = -1,
                .image_fd = fcntl(first_image_fd, F_DUPFD_CLOEXEC, 3),
        };
        /* An opener that kept less than its policy needs refuses to
         * reload it. */
        if ((start & 0x0c) == 0x0c)
                O.caps &= O.caps - 1;
        first_lent = true;
        peer = pair[1];
        next_seq = 0;
        S.n_names = 0;

        for (unsigned i = 0; i < 64 && in.n > 0; i++)
                run_message(&in);

        opener_done(&O);
        FUZZ_ASSERT(!first_lent, "the opener did not free its first policy");
        safe_close(pair[0]);
        peer = safe_close(peer);
        return 0;
}
