/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * preload.c - libsockbroker-preload.so: socket(), bind(), setsockopt()
 * and getsockopt() for programs that cannot be changed, falling back to
 * sockbrokerd.
 *
 * `sockbroker run` puts this library in LD_PRELOAD. Every call goes to
 * the kernel first. Only when the kernel refuses with EPERM or EACCES,
 * and only for a request sockbrokerd can serve, does the shim ask the
 * broker, through the same code as libsockbroker (client-lib/broker/client.c).
 * When the broker is absent or refuses, the kernel's errno comes back, so
 * the program prints its usual message.
 *
 * Under the seccomp supervisor. `sockbroker run --mode=auto` also starts
 * the supervisor of tools/supervise.c, which meets the same calls in the
 * kernel and has asked the broker before the kernel answers. It sets
 * SOCKBROKER_SUPERVISED for the command; with it, every wrapper is the
 * direct call, so no request is made twice. The shim then serves only
 * when the kernel refused the supervisor's filter, and one thing the
 * supervisor cannot do: a program's filter on a socket with a mapped
 * ring, which only the program's own process can map anew, and which
 * the supervisor leaves to the kernel's EPERM.
 *
 * Recursion. Preloaded, this library's own socket() and setsockopt()
 * calls (the AF_UNIX connection to the broker, its timeouts) land in the
 * wrappers below. A thread-local flag marks "this thread is asking the
 * broker"; while it is set, every wrapper is the direct call and nothing
 * more. The flag uses the initial-exec TLS model (the whole library is
 * built with -ftls-model=initial-exec): a load relative to the thread
 * pointer, never __tls_get_addr(), which may allocate.
 *
 * The real functions. dlsym() is not async-signal-safe and may allocate,
 * so the real socket(), bind(), setsockopt() and getsockopt() (the next
 * definitions after this library: libc's, or another interposer's) are
 * resolved once, in a constructor. A call that arrives before it has run
 * (from another library's constructor) makes the raw system call. The library is
 * linked with -z now, so no call goes through the lazy binder either.
 *
 * Async-signal safety. POSIX lets a signal handler call socket(), bind(),
 * setsockopt() and getsockopt(). On the direct path a wrapper loads a
 * pointer and calls it: no allocation, no lock. On the broker path,
 * nothing locks but the placeholder table (below), and the one
 * allocator, protobuf-c's reply decoder, is redirected at link time
 * (--wrap) to an arena on this thread's stack; so a handler that
 * interrupted malloc() can still be granted a socket. A handler
 * that interrupts this thread's own broker call gets the direct call
 * only (the flag is set), and so the kernel's errno.
 *
 * Descriptors. The connection to the broker is opened per call,
 * close-on-exec, and closed before the wrapper returns. The granted
 * socket gets exactly the flags socket() was asked for: SOCK_NONBLOCK
 * from the broker, close-on-exec only with SOCK_CLOEXEC.
 *
 * Placeholders. A packet socket the broker grants only on an interface
 * that a later bind() names starts as a placeholder
 * (client-lib/broker/placeholder.h), as under the supervisor. Their
 * table is the shim's one state: static, bounded, taken under a spin
 * lock held for memory operations and the two system calls that make a
 * placeholder, never across a broker call, and never taken twice by one
 * thread (a signal handler that interrupts its holder gets the kernel's
 * answer). fork() copies it with the descriptors it describes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <protobuf-c/protobuf-c.h>
#include <sched.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client-lib/broker/client.h"
#include "client-lib/broker/placeholder.h"
#include "client-lib/broker/refilter.h"
#include "client-lib/broker/refusal.h"
#include "client-lib/preload/rules.h"
#include "client-lib/broker/spec.h"
#include "common/util.h"
#include "proto/protocol.h"
#include "sockbroker/sockbroker.h"

/* Large enough for any reply sockbrokerd sends (two texts of at most
 * SB_PROTO_MAX_REASON bytes); a larger one fails to decode, and the
 * caller gets the kernel's errno. */
#define PRELOAD_ARENA_SIZE 2048u

typedef int (*socket_fn)(int, int, int);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);
typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);

static socket_fn real_socket;
static bind_fn real_bind;
static setsockopt_fn real_setsockopt;
static getsockopt_fn real_getsockopt;

struct preload_arena {
        ProtobufCAllocator allocator;
        size_t used;
        alignas(max_align_t) unsigned char buf[PRELOAD_ARENA_SIZE];
};

/* Set while this thread asks the broker; see the top of the file. */
static __thread bool in_broker __attribute__((tls_model("initial-exec")));
static __thread struct preload_arena *arena __attribute__((tls_model("initial-exec")));
static __thread bool in_table __attribute__((tls_model("initial-exec")));

static struct sb_placeholders placeholders;
static bool placeholders_lock;
/* Placeholders made, ever: none, and bind() and setsockopt() never look. */
static unsigned n_placeholders_made;
/* Under `sockbroker run`'s seccomp supervisor (tools/supervise.c), which
 * has already asked the broker before the kernel answered: the kernel's
 * answer stands. */
static bool supervised;

__attribute__((constructor))
static void preload_init(void)
{
        /* Relaxed stores: a signal handler on this thread may read them. */
        __atomic_store_n(&real_socket, (socket_fn)dlsym(RTLD_NEXT, "socket"), __ATOMIC_RELAXED);
        __atomic_store_n(&real_bind, (bind_fn)dlsym(RTLD_NEXT, "bind"), __ATOMIC_RELAXED);
        __atomic_store_n(&real_setsockopt, (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt"),
                         __ATOMIC_RELAXED);
        __atomic_store_n(&real_getsockopt, (getsockopt_fn)dlsym(RTLD_NEXT, "getsockopt"),
                         __ATOMIC_RELAXED);
        __atomic_store_n(&supervised, secure_getenv("SOCKBROKER_SUPERVISED") != NULL,
                         __ATOMIC_RELAXED);
}

static int direct_socket(int family, int type, int protocol)
{
        socket_fn f = __atomic_load_n(&real_socket, __ATOMIC_RELAXED);

        return f ? f(family, type, protocol) : (int)syscall(SYS_socket, family, type, protocol);
}

static int direct_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
        bind_fn f = __atomic_load_n(&real_bind, __ATOMIC_RELAXED);

        return f ? f(fd, sa, len) : (int)syscall(SYS_bind, fd, sa, len);
}

static int direct_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        setsockopt_fn f = __atomic_load_n(&real_setsockopt, __ATOMIC_RELAXED);

        return f ? f(fd, level, name, value, len) :
                   (int)syscall(SYS_setsockopt, fd, level, name, value, len);
}

static int direct_getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
        getsockopt_fn f = __atomic_load_n(&real_getsockopt, __ATOMIC_RELAXED);

        return f ? f(fd, level, name, value, len) :
                   (int)syscall(SYS_getsockopt, fd, level, name, value, len);
}

/* ---- the decoder's allocator ---------------------------------------------- */

static void *arena_alloc(void *data, size_t size)
{
        struct preload_arena *a = data;
        size_t n = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
        void *p;

        if (n < size || n > sizeof(a->buf) - a->used)
                return NULL;
        p = a->buf + a->used;
        a->used += n;
        return p;
}

static void arena_free(void *data, void *p)
{
        /* Everything goes at once, with the stack frame. */
}

/*
 * The library is linked with --wrap for these two, so the generated
 * sockbroker__reply__unpack() and _free_unpacked() of this library (and
 * only those) come here. They pass no allocator, which means malloc();
 * during a broker call, the arena is used instead.
 */
ProtobufCMessage *__real_protobuf_c_message_unpack(const ProtobufCMessageDescriptor *d,
                                                   ProtobufCAllocator *allocator,
                                                   size_t len, const uint8_t *data);
ProtobufCMessage *__wrap_protobuf_c_message_unpack(const ProtobufCMessageDescriptor *d,
                                                   ProtobufCAllocator *allocator,
                                                   size_t len, const uint8_t *data);
void __real_protobuf_c_message_free_unpacked(ProtobufCMessage *m, ProtobufCAllocator *allocator);
void __wrap_protobuf_c_message_free_unpacked(ProtobufCMessage *m, ProtobufCAllocator *allocator);

ProtobufCMessage *__wrap_protobuf_c_message_unpack(const ProtobufCMessageDescriptor *d,
                                                   ProtobufCAllocator *allocator,
                                                   size_t len, const uint8_t *data)
{
        if (!allocator && arena)
                allocator = &arena->allocator;
        return __real_protobuf_c_message_unpack(d, allocator, len, data);
}

void __wrap_protobuf_c_message_free_unpacked(ProtobufCMessage *m, ProtobufCAllocator *allocator)
{
        if (!allocator && arena)
                allocator = &arena->allocator;
        __real_protobuf_c_message_free_unpacked(m, allocator);
}

/* ---- the placeholder table -------------------------------------------------- */

static bool table_lock(void)
{
        if (in_table)
                return false;
        while (__atomic_test_and_set(&placeholders_lock, __ATOMIC_ACQUIRE))
                sched_yield();
        in_table = true;
        return true;
}

static void table_unlock(void)
{
        in_table = false;
        __atomic_clear(&placeholders_lock, __ATOMIC_RELEASE);
}

/* A copy of fd's entry, if fd is a placeholder. */
static bool placeholder_get(int fd, struct sb_placeholder *ret)
{
        struct sb_placeholder *p;

        if (__atomic_load_n(&n_placeholders_made, __ATOMIC_RELAXED) == 0 || !table_lock())
                return false;
        p = sb_placeholder_of(&placeholders, fd);
        if (p)
                *ret = *p;
        table_unlock();
        return p != NULL;
}

/* ---- which refusals go to the broker ---------------------------------------- */

/* A bind the broker may do (client-lib/broker/refusal.c); only an
 * AF_BLUETOOTH address needs the socket's protocol. */
static bool bind_brokered(int fd, const struct sockaddr *sa, socklen_t len, int error)
{
        int protocol = -1;
        socklen_t plen = sizeof(protocol);

        if (!sa || len < sizeof(sa_family_t))
                return false;
        if (sa->sa_family == AF_BLUETOOTH &&
            getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &plen) < 0)
                return false;
        return sb_refusal_bind(sa->sa_family, protocol, error);
}

/* ---- SOCKBROKER_DEBUG ----------------------------------------------------- */

static int debug_level(void)
{
        const char *v = secure_getenv("SOCKBROKER_DEBUG");

        if (!v || !v[0] || streq(v, "0"))
                return 0;
        return streq(v, "1") ? 1 : 2;
}

/* One line on stderr, with one write(2): no stdio, no lock, no allocation. */
_printf_(1, 2)
static void debug_line(const char *fmt, ...)
{
        char line[SB_PROTO_MAX_REASON * 3];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t)n >= sizeof(line) - 1)
                n = (int)sizeof(line) - 2;
        line[n++] = '\n';
        (void)!write(STDERR_FILENO, line, (size_t)n);
}

/* Reports a broker call: refusals at level 1, grants too at level 2. */
static void debug_result(const char *call, int r, int kernel_errno)
{
        int level = debug_level();
        const char *msg = sb_broker_message(), *rule = sb_broker_rule();

        if (level == 0 || (r >= 0 && level < 2))
                return;
        if (r >= 0)
                debug_line("sockbroker-preload: %s: granted%s%s", call,
                           rule[0] ? " by " : "", rule);
        else
                debug_line("sockbroker-preload: %s: %s%s%s%s; returning %s", call,
                           msg[0] ? msg : strerrorname_np(-r) ?: "refused",
                           rule[0] ? " (" : "", rule, rule[0] ? ")" : "",
                           kernel_errno == EACCES ? "EACCES" : "EPERM");
}

/* ---- the wrappers ------------------------------------------------------------ */

/*
 * The kernel would have returned the lowest free descriptor, close-on-exec
 * only if asked. The broker's arrives close-on-exec (MSG_CMSG_CLOEXEC),
 * above the connection that has just been closed; some programs count on
 * the lowest number (close(0); socket()). Returns fd or a negative errno.
 */
static int settle_fd(int fd, bool cloexec)
{
        int low = fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 0);

        if (low >= 0 && low < fd) {
                safe_close(fd);
                return low;
        }
        if (low >= 0)
                safe_close(low);
        if (!cloexec && fcntl(fd, F_SETFD, 0) < 0) {
                int r = negative_errno();

                safe_close(fd);
                return r;
        }
        return fd;
}

/* Runs one broker call with the arena and the recursion flag set. */
#define BROKER_CALL(r, expr)                                                    \
        do {                                                                    \
                struct preload_arena _a_ = {                                    \
                        .allocator = { arena_alloc, arena_free, NULL },         \
                };                                                              \
                _a_.allocator.allocator_data = &_a_;                            \
                arena = &_a_;                                                   \
                in_broker = true;                                               \
                (r) = (expr);                                                   \
                in_broker = false;                                              \
                arena = NULL;                                                   \
        } while (0)

/*
 * The broker paths, out of line and cold: a wrapper's direct path is the
 * call, a look at errno and nothing else. Each takes the kernel's errno
 * and returns as the call it replaces does, with that errno on failure.
 */
__attribute__((noinline, cold))
static int broker_socket(int family, int type, int protocol, int kernel_errno)
{
        int fd, flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct sb_spec spec;

        /* libpcap binds its packet socket only later; the hint lets an
         * iface= rule match, and the broker binds and confines it. An
         * invalid one is left out. */
        if (sb_spec_from_socket(family, type, protocol, secure_getenv("SOCKBROKER_IFACE"), &spec) < 0)
                (void)sb_spec_from_socket(family, type, protocol, NULL, &spec);

        BROKER_CALL(fd, sb_client_open(&spec, flags & SOCK_NONBLOCK));
        if (fd >= 0)
                fd = settle_fd(fd, flags & SOCK_CLOEXEC);
        else if ((fd == -EPERM || fd == -EACCES) && family == AF_PACKET && !spec.ifname[0] &&
                 table_lock()) {
                /* Perhaps granted on the interface bind() will name. */
                BROKER_CALL(fd, sb_placeholder_new(&placeholders, &spec, type));
                if (fd >= 0)
                        __atomic_add_fetch(&n_placeholders_made, 1, __ATOMIC_RELAXED);
                table_unlock();
                if (fd >= 0) {
                        fd = settle_fd(fd, flags & SOCK_CLOEXEC);
                        if (debug_level() > 0)
                                debug_line("sockbroker-preload: socket(packet): no unbound packet "
                                           "socket for this user; a placeholder until bind() "
                                           "names the interface");
                        return fd >= 0 ? fd : (errno = kernel_errno, -1);
                }
        }

        if (debug_level() > 0) {
                char what[SB_SPEC_MAX], call[SB_SPEC_MAX + 16];

                if (sb_spec_format(&spec, what, sizeof(what)) < 0)
                        snprintf(what, sizeof(what), "%d/%d/%d", family, spec.type, protocol);
                snprintf(call, sizeof(call), "socket(%s)", what);
                debug_result(call, fd, kernel_errno);
        }
        if (fd < 0) {
                errno = kernel_errno;
                return -1;
        }
        return fd;
}

__attribute__((noinline, cold))
static int broker_bind(int fd, const struct sockaddr *sa, socklen_t len, int kernel_errno)
{
        char call[64];
        int r;

        BROKER_CALL(r, sb_client_bind(fd, sa, len));

        if (debug_level() > 0) {
                snprintf(call, sizeof(call), "bind(fd %d, %s)", fd,
                         sa->sa_family == AF_INET ? "inet" :
                         sa->sa_family == AF_INET6 ? "inet6" : "l2cap");
                debug_result(call, r, kernel_errno);
        }
        if (r < 0) {
                errno = kernel_errno;
                return -1;
        }
        return 0;
}

/*
 * bind() of a placeholder to a packet address, which the kernel refuses
 * (EINVAL, an AF_UNIX socket): the broker's socket on the interface it
 * names takes the placeholder's number (dup3(), close-on-exec as it
 * was). The kernel's EINVAL stands for any other socket.
 */
__attribute__((noinline, cold))
static int broker_bind_placeholder(int fd, const struct sockaddr *sa, int kernel_errno)
{
        char call[SB_SPEC_MAX + 16], why[SB_PROTO_MAX_REASON];
        struct sb_placeholder p;
        struct sockaddr_ll ll;
        int granted, fdflags, e;

        if (!placeholder_get(fd, &p)) {
                errno = kernel_errno;
                return -1;
        }
        memcpy(&ll, sa, sizeof(ll));
        BROKER_CALL(granted, sb_placeholder_open(&p, fd, &ll, call, sizeof(call), why, sizeof(why)));
        if (granted >= 0) {
                fdflags = fcntl(fd, F_GETFD);
                if (fdflags < 0 ||
                    dup3(granted, fd, (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
                        e = errno;
                        safe_close(granted);
                        errno = e;
                        return -1;
                }
                safe_close(granted);
                if (table_lock()) {
                        struct sb_placeholder *q = sb_placeholder_find(&placeholders, p.dev, p.ino);

                        if (q)
                                sb_placeholder_remove(q);
                        table_unlock();
                }
                debug_result(call, 0, EPERM);
                return 0;
        }
        if (why[0]) {
                if (debug_level() > 0)
                        debug_line("sockbroker-preload: %s: %s", call, why);
                errno = -granted;
        } else {
                /* What the kernel says to a packet socket it refuses. */
                debug_result(call, granted, EPERM);
                errno = EPERM;
        }
        return -1;
}

/* A SOL_PACKET option on a placeholder, which the kernel refuses, is
 * held for the socket that replaces it. */
__attribute__((noinline, cold))
static int hold_placeholder_option(int fd, int name, const void *value, socklen_t len,
                                   int kernel_errno)
{
        struct sb_placeholder *p;
        int r = -ENOENT;

        if (!table_lock()) {
                errno = kernel_errno;
                return -1;
        }
        p = sb_placeholder_of(&placeholders, fd);
        if (p && (!sb_packet_option_holdable(name, len) || (len > 0 && !value)))
                r = -EINVAL;
        else if (p)
                r = sb_placeholder_hold(p, name, value, len) < 0 ? -EINVAL : 0;
        table_unlock();
        if (r == -ENOENT) {
                errno = kernel_errno;
                return -1;
        }
        if (r < 0) {
                if (debug_level() > 0)
                        debug_line("sockbroker-preload: setsockopt(SOL_PACKET, %d) before bind(): "
                                   "this option cannot be held until the interface is known; "
                                   "EINVAL", name);
                errno = EINVAL;
                return -1;
        }
        return 0;
}

/* A SOL_PACKET option read from a placeholder, which is no packet socket
 * yet: EPERM, the error of a packet socket refused (libpcap reads the
 * ring's header length before it maps a ring, and "any" is never bound). */
__attribute__((noinline, cold))
static int placeholder_getsockopt(int fd, int name, int kernel_errno)
{
        struct sb_placeholder p;

        if (!placeholder_get(fd, &p)) {
                errno = kernel_errno;
                return -1;
        }
        if (debug_level() > 0)
                debug_line("sockbroker-preload: getsockopt(SOL_PACKET, %d): the packet socket is "
                           "not bound to an interface, and the broker grants this user none that "
                           "is not%s%s; EPERM", name,
                           p.allowed_on[0] ? "; the policy allows them on: " : "", p.allowed_on);
        errno = EPERM;
        return -1;
}

/*
 * The program's own filter on a packet socket whose filter sockbrokerd
 * locked: the broker's socket with the confinement and then the
 * program's filter takes fd's place (client-lib/broker/refilter.h), and
 * SO_DETACH_FILTER goes back to the bare confinement the same way. A
 * program with nothing of its own attached has nothing to detach:
 * ENOENT, which libpcap takes as "nothing to remove". When the broker
 * cannot, the kernel's EPERM stands, and libpcap filters in userland.
 * Returns 0, or -1 with errno; -2 when fd is not such a socket.
 */
static int broker_filter(int fd, int name, const void *value, socklen_t len, int kernel_errno)
{
        const struct sock_fprog *prog = value;
        const char *opt = name == SO_ATTACH_FILTER ? "SO_ATTACH_FILTER" : "SO_DETACH_FILTER";
        char why[SB_PROTO_MAX_REASON] = "";
        int e, r;

        if (!preload_locked_filter_errno(SOL_SOCKET, name, kernel_errno, sb_refilter_locked(fd)))
                return -2;
        if (name == SO_DETACH_FILTER && sb_refilter_fd_has_own(fd) <= 0) {
                e = ENOENT;
                snprintf(why, sizeof(why), "nothing of the program's is attached");
        } else if (name == SO_ATTACH_FILTER &&
                   (!prog || len != sizeof(*prog) || !prog->filter || prog->len > SB_PROTO_MAX_FILTER)) {
                e = EPERM;
                snprintf(why, sizeof(why), "the broker takes a filter of 1 to %u instructions",
                         SB_PROTO_MAX_FILTER);
        } else {
                BROKER_CALL(r, sb_refilter_replace(fd, name == SO_ATTACH_FILTER ? prog->filter : NULL,
                                                   name == SO_ATTACH_FILTER ? prog->len : 0,
                                                   why, sizeof(why)));
                if (r >= 0 && debug_level() >= 2)
                        debug_line("sockbroker-preload: setsockopt(fd %d, %s): a socket with the "
                                   "confinement%s took its place", fd, opt,
                                   name == SO_ATTACH_FILTER ? " and then this filter" : " alone");
                if (r >= 0)
                        return 0;
                e = EPERM;
                if (!why[0])
                        snprintf(why, sizeof(why), "%s", sb_broker_message()[0] ?
                                 sb_broker_message() : strerror(-r));
        }
        if (debug_level() > 0)
                debug_line("sockbroker-preload: setsockopt(fd %d, %s): the socket's filter was "
                           "locked by sockbrokerd; %s; returning %s", fd, opt, why,
                           e == EPERM ? "EPERM" : "ENOENT");
        errno = e;
        return -1;
}

__attribute__((noinline, cold))
static int broker_setsockopt(int fd, int level, int name, const void *value, socklen_t len,
                             int kernel_errno)
{
        const char *opt;
        char call[64];
        int r;

        if (level == SOL_SOCKET && (name == SO_ATTACH_FILTER || name == SO_DETACH_FILTER)) {
                r = broker_filter(fd, name, value, len, kernel_errno);
                if (r != -2)
                        return r;
        }

        opt = sb_refusal_setsockopt(level, name, value, len, kernel_errno);
        if (!opt) {
                errno = kernel_errno;
                return -1;
        }

        BROKER_CALL(r, sb_client_setsockopt(fd, level, name, value, len));

        if (debug_level() > 0) {
                snprintf(call, sizeof(call), "setsockopt(fd %d, %s)", fd, opt);
                debug_result(call, r, kernel_errno);
        }
        if (r < 0) {
                errno = kernel_errno;
                return -1;
        }
        return 0;
}

/* ---- the interposed functions ------------------------------------------------ */

/* The kernel's answer stands: this thread is asking the broker, or the
 * supervisor already has. */
static inline bool direct_only(void)
{
        return in_broker || __atomic_load_n(&supervised, __ATOMIC_RELAXED);
}

SB_EXPORT int socket(int family, int type, int protocol)
{
        int fd = direct_socket(family, type, protocol);

        if (fd >= 0 || direct_only() || !preload_socket_brokered(family, protocol, errno))
                return fd;
        return broker_socket(family, type, protocol, errno);
}

SB_EXPORT int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
        int r = direct_bind(fd, sa, len);
        int saved = errno;

        if (r == 0 || direct_only())
                return r;
        if (saved == EINVAL && sa && len >= sizeof(struct sockaddr_ll) &&
            sa->sa_family == AF_PACKET &&
            __atomic_load_n(&n_placeholders_made, __ATOMIC_RELAXED) != 0)
                return broker_bind_placeholder(fd, sa, saved);
        if ((saved != EPERM && saved != EACCES) || !bind_brokered(fd, sa, len, saved)) {
                errno = saved;
                return r;
        }
        return broker_bind(fd, sa, len, saved);
}

/* What the supervisor leaves to the shim: a filter on a locked socket
 * whose ring it cannot move. */
static inline bool filter_option(int level, int name)
{
        return level == SOL_SOCKET && (name == SO_ATTACH_FILTER || name == SO_DETACH_FILTER);
}

SB_EXPORT int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        int r = direct_setsockopt(fd, level, name, value, len);

        if (r < 0 && level == SOL_PACKET && (errno == EOPNOTSUPP || errno == ENOPROTOOPT) &&
            !direct_only() && __atomic_load_n(&n_placeholders_made, __ATOMIC_RELAXED) != 0)
                return hold_placeholder_option(fd, name, value, len, errno);
        if (r == 0 || (errno != EPERM && errno != EACCES) || in_broker ||
            (direct_only() && !filter_option(level, name)))
                return r;
        return broker_setsockopt(fd, level, name, value, len, errno);
}

SB_EXPORT int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
        int r = direct_getsockopt(fd, level, name, value, len);

        if (r == 0 || level != SOL_PACKET || (errno != EOPNOTSUPP && errno != ENOPROTOOPT) ||
            direct_only() || __atomic_load_n(&n_placeholders_made, __ATOMIC_RELAXED) == 0)
                return r;
        return placeholder_getsockopt(fd, name, errno);
}
