/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-socket-api.c - tests for the socket API mirror: client-lib/socket/timeout.c,
 * sockops.c, sockio.c, create.c and netinfo.c.
 *
 * The pure decisions (timeouts in microseconds, which refusals go to the
 * broker, getaddrinfo errors, makefile modes, CMSG sizes, walking control
 * data, AF_ALG control messages) are tables. The rest runs on real
 * sockets over loopback and socketpairs: the reference's examples
 * (recvmsg_into, send_fds and recv_fds), and the timeout rules: connect
 * to a listener whose backlog is full, recv, the sendall deadline, EAGAIN
 * in non-blocking mode, and signals that must not restart a deadline.
 *
 * Timing assertions allow for slow machines and valgrind: a 0.2 s timeout
 * must take at least 0.15 s and at most 3 s. Nothing here needs a broker
 * or privilege; the tests that need an unprivileged caller switch to
 * nobody in a child when run as root.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/if_alg.h>
#include <math.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bt.h"
#include "client-lib/socket/socket-internal.h"
#include "common/util.h"
#include "sockbroker/sockbroker.h"
#include "tests/check-suites.h"

/* ---- helpers ------------------------------------------------------------ */

static double since(int64_t start)
{
        return (double)(now_usec() - start) / 1e6;
}

#define ck_assert_elapsed(start, lo, hi)                                        \
        do {                                                                    \
                double _e = since(start);                                       \
                ck_assert_msg(_e >= (lo) && _e <= (hi),                         \
                              "took %.3f s, expected %.2f..%.2f", _e, (lo), (hi)); \
        } while (0)

static bool fd_is_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0;
}

static bool fd_is_cloexec(int fd)
{
        int flags = fcntl(fd, F_GETFD);

        return flags >= 0 && (flags & FD_CLOEXEC);
}

static int kernel_nonblock(int fd)
{
        int flags = fcntl(fd, F_GETFL);

        ck_assert_int_ge(flags, 0);
        return !!(flags & O_NONBLOCK);
}

static int64_t kernel_timeout_usec(int fd, int optname)
{
        struct timeval tv;
        socklen_t len = sizeof(tv);

        ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, optname, &tv, &len), 0);
        return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* A TCP listener on the loopback address of family, on a free port. */
static int tcp_listener(int family, int backlog, uint16_t *ret_port)
{
        struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
        socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        int fd;

        if (family == AF_INET)
                ((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        else
                ((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
        fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
        ck_assert_int_eq(listen(fd, backlog), 0);
        len = sizeof(ss);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
        *ret_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
        return fd;
}

static socklen_t loopback_addr(int family, uint16_t port, struct sockaddr_storage *ss)
{
        memset(ss, 0, sizeof(*ss));
        ss->ss_family = (sa_family_t)family;
        if (family == AF_INET) {
                ((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                ((struct sockaddr_in *)ss)->sin_port = htons(port);
                return sizeof(struct sockaddr_in);
        }
        ((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
        return sizeof(struct sockaddr_in6);
}

/* An AF_UNIX stream listener in the abstract namespace. */
static int unix_listener(int backlog, struct sockaddr_un *sun, socklen_t *ret_len)
{
        static unsigned counter;
        int fd, n;

        memset(sun, 0, sizeof(*sun));
        sun->sun_family = AF_UNIX;
        n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "sb-check-%d-%u",
                     (int)getpid(), counter++);
        *ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)sun, *ret_len), 0);
        ck_assert_int_eq(listen(fd, backlog), 0);
        return fd;
}

static size_t count_open_fds(void)
{
        size_t n = 0;

        for (int fd = 0; fd < 1024; fd++)
                if (fd_is_open(fd))
                        n++;
        return n;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
        (void)sig;
        alarms++;
}

/* SIGALRM every interval_ms, without SA_RESTART, so system calls see EINTR. */
static void start_alarms(int interval_ms)
{
        struct sigaction sa = { .sa_handler = on_alarm };
        struct itimerval it = {
                .it_interval = { .tv_usec = interval_ms * 1000 },
                .it_value = { .tv_usec = interval_ms * 1000 },
        };

        alarms = 0;
        sigemptyset(&sa.sa_mask);
        ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
        ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void stop_alarms(void)
{
        struct itimerval it = {};

        /*
         * The handler stays: a signal generated before the timer stopped may
         * still be pending (valgrind delivers them late), and the default
         * action would end the test run.
         */
        (void)setitimer(ITIMER_REAL, &it, NULL);
}

static void teardown(void)
{
        stop_alarms();
        (void)sb_setdefaulttimeout(-1);
}

/* Runs fn in a child as nobody when we are root; returns its exit status. */
static int run_unprivileged(void (*fn)(void))
{
        pid_t pid;
        int status;

        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (geteuid() == 0 &&
                    (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                     setresuid(65534, 65534, 65534) < 0))
                        _exit(99);
                /* Nobody answers here: the broker is "absent". */
                setenv("SOCKBROKER_SOCKET", "/nonexistent/sockbroker.sock", 1);
                fn();
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status), "child died with signal %d", WTERMSIG(status));
        return WEXITSTATUS(status);
}

/* ---- pure: timeouts ------------------------------------------------------ */

static const struct {
        double seconds;
        int r;
        int64_t usec;
} timeout_cases[] = {
        { -1.0, 0, -1 },
        { -0.001, 0, -1 },
        { -INFINITY, 0, -1 },
        { 0.0, 0, 0 },
        { 1e-9, 0, 1 },         /* rounded up: never "forever" */
        { 1e-6, 0, 1 },
        { 1.5e-6, 0, 2 },
        { 0.2, 0, 200000 },
        { 2.5, 0, 2500000 },
        { SB_TIMEOUT_MAX, 0, INT64_C(1000000000000000) },
        { 2e9, -ERANGE, 0 },
        { INFINITY, -ERANGE, 0 },
        { NAN, -EINVAL, 0 },
};

START_TEST(test_timeout_from_seconds)
{
        int64_t usec = 12345;
        int r = timeout_from_seconds(timeout_cases[_i].seconds, &usec);

        ck_assert_int_eq(r, timeout_cases[_i].r);
        if (r == 0) {
                ck_assert_int_eq(usec, timeout_cases[_i].usec);
                if (usec >= 0)
                        ck_assert(fabs(timeout_to_seconds(usec) - timeout_cases[_i].seconds) <= 1e-6);
        } else {
                ck_assert_int_eq(usec, 12345);
        }
}
END_TEST

START_TEST(test_default_timeout)
{
        ck_assert(sb_getdefaulttimeout() < 0);
        ck_assert_int_eq(sb_setdefaulttimeout(1.25), 0);
        ck_assert(sb_getdefaulttimeout() == 1.25);
        errno = 0;
        ck_assert_int_eq(sb_setdefaulttimeout(NAN), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert(sb_getdefaulttimeout() == 1.25);
        ck_assert_int_eq(sb_setdefaulttimeout(SB_TIMEOUT_NONE), 0);
        ck_assert(sb_getdefaulttimeout() == SB_TIMEOUT_NONE);
}
END_TEST

/* ---- pure: decisions ------------------------------------------------------ */

START_TEST(test_listen_backlog)
{
        ck_assert_int_eq(listen_backlog(-1), SOMAXCONN < 128 ? SOMAXCONN : 128);
        ck_assert_int_eq(listen_backlog(INT_MIN), SB_LISTEN_BACKLOG);
        ck_assert_int_eq(listen_backlog(0), 0);
        ck_assert_int_eq(listen_backlog(5), 5);
        ck_assert_int_eq(SB_LISTEN_BACKLOG, 128);
}
END_TEST

/* The reference's gaierror: a resolver's code is never an errno. */
static const struct {
        int eai, saved, want;
} eai_cases[] = {
        { 0, 0, 0 },
        { EAI_NONAME, 0, SB_EAI_ERRNO(EAI_NONAME) },
        { EAI_NODATA, 0, SB_EAI_ERRNO(EAI_NODATA) },
        { EAI_ADDRFAMILY, 0, SB_EAI_ERRNO(EAI_ADDRFAMILY) },
        { EAI_AGAIN, EAGAIN, SB_EAI_ERRNO(EAI_AGAIN) },  /* not "would block" */
        { EAI_MEMORY, 0, SB_EAI_ERRNO(EAI_MEMORY) },
        { EAI_SERVICE, 0, SB_EAI_ERRNO(EAI_SERVICE) },
        { EAI_FAIL, 0, SB_EAI_ERRNO(EAI_FAIL) },
        { EAI_IDN_ENCODE, 0, SB_EAI_ERRNO(EAI_IDN_ENCODE) },
        /* EAI_SYSTEM carries its errno, which is the error. */
        { EAI_SYSTEM, EMFILE, EMFILE },
        { EAI_SYSTEM, 0, EIO },
};

START_TEST(test_eai_error)
{
        int e = eai_error(eai_cases[_i].eai, eai_cases[_i].saved);

        ck_assert_int_eq(e, eai_cases[_i].want);
        if (eai_cases[_i].eai != 0 && eai_cases[_i].eai != EAI_SYSTEM) {
                ck_assert(sb_is_gaierror(e));
                ck_assert_int_eq(sb_gaierror_code(e), eai_cases[_i].eai);
                ck_assert_int_gt(e, 4095);      /* beyond every errno value */
        } else {
                ck_assert(!sb_is_gaierror(e));
                ck_assert_int_eq(sb_gaierror_code(e), 0);
        }
}
END_TEST

static const struct {
        const char *mode;
        int r;
        const char *want;
} makefile_cases[] = {
        { NULL, 0, "r" },
        { "r", 0, "r" },
        { "w", 0, "w" },
        { "rb", 0, "r" },
        { "wb", 0, "w" },
        { "rw", 0, "r+" },
        { "wr", 0, "r+" },
        { "rwb", 0, "r+" },
        { "b", -EINVAL, NULL },
        { "", -EINVAL, NULL },
        { "a", -EINVAL, NULL },
        { "r+", -EINVAL, NULL },
        { "rt", -EINVAL, NULL },
};

START_TEST(test_makefile_mode)
{
        const char *m = NULL;

        ck_assert_int_eq(makefile_mode(makefile_cases[_i].mode, &m), makefile_cases[_i].r);
        if (makefile_cases[_i].want)
                ck_assert_str_eq(m, makefile_cases[_i].want);
}
END_TEST

#define SPACE_MAX ((((size_t)INT_MAX - CMSG_SPACE(0)) & ~(sizeof(size_t) - 1)))

static const struct {
        bool space;
        size_t length;
        ssize_t want;   /* -1: EOVERFLOW */
} cmsg_cases[] = {
        { false, 0, (ssize_t)CMSG_LEN(0) },
        { false, 1, (ssize_t)CMSG_LEN(1) },
        { false, sizeof(int) * 3, (ssize_t)CMSG_LEN(sizeof(int) * 3) },
        { false, (size_t)INT_MAX - CMSG_LEN(0), INT_MAX },
        { false, (size_t)INT_MAX - CMSG_LEN(0) + 1, -1 },
        { false, SIZE_MAX, -1 },
        { true, 0, (ssize_t)CMSG_SPACE(0) },
        { true, 1, (ssize_t)CMSG_SPACE(1) },
        { true, sizeof(int) * 3, (ssize_t)CMSG_SPACE(sizeof(int) * 3) },
        { true, SPACE_MAX, (ssize_t)CMSG_SPACE(SPACE_MAX) },
        { true, SPACE_MAX + 1, -1 },
        { true, SIZE_MAX, -1 },
};

START_TEST(test_cmsg_sizes)
{
        ssize_t r;

        errno = 0;
        r = cmsg_cases[_i].space ? sb_cmsg_space(cmsg_cases[_i].length)
                                 : sb_cmsg_len(cmsg_cases[_i].length);
        ck_assert_int_eq(r, cmsg_cases[_i].want);
        if (r < 0)
                ck_assert_int_eq(errno, EOVERFLOW);
        else
                ck_assert_int_le(r, INT_MAX);
}
END_TEST

/* ---- pure: descriptors in control data ------------------------------- */

typedef struct FdItem {
        int level, type;
        unsigned n_ints;        /* descriptors placed in the item */
        unsigned extra;         /* bytes after them: a truncated int */
        size_t bad_len;         /* if set, the header's cmsg_len instead */
} FdItem;

/*
 * outcome has one letter per descriptor placed, in order: T taken (in
 * order, into fds), C closed, U untouched (not ours: another kind of item,
 * or beyond msg_controllen).
 */
static const struct {
        const char *name;
        FdItem items[3];
        size_t n_items;
        ssize_t cut;    /* bytes taken off msg_controllen */
        size_t max_fds;
        const char *outcome;
} take_cases[] = {
        { "all taken", { { SOL_SOCKET, SCM_RIGHTS, 3, 0, 0 } }, 1, 0, 3, "TTT" },
        { "more than max", { { SOL_SOCKET, SCM_RIGHTS, 3, 0, 0 } }, 1, 0, 2, "TTC" },
        { "max 0 closes all", { { SOL_SOCKET, SCM_RIGHTS, 2, 0, 0 } }, 1, 0, 0, "CC" },
        { "truncated int ignored", { { SOL_SOCKET, SCM_RIGHTS, 2, 2, 0 } }, 1, 0, 4, "TT" },
        { "credentials first",
          { { SOL_SOCKET, SCM_CREDENTIALS, 1, 8, 0 }, { SOL_SOCKET, SCM_RIGHTS, 2, 0, 0 } },
          2, 0, 4, "UTT" },
        { "two items", { { SOL_SOCKET, SCM_RIGHTS, 1, 0, 0 }, { SOL_SOCKET, SCM_RIGHTS, 2, 0, 0 } },
          2, 0, 3, "TTT" },
        { "two items, max between",
          { { SOL_SOCKET, SCM_RIGHTS, 1, 0, 0 }, { SOL_SOCKET, SCM_RIGHTS, 2, 0, 0 } },
          2, 0, 2, "TTC" },
        { "item beyond controllen", { { SOL_SOCKET, SCM_RIGHTS, 3, 0, 0 } }, 1,
          (ssize_t)(CMSG_SPACE(3 * sizeof(int)) - CMSG_LEN(2 * sizeof(int))), 4, "TTU" },
        { "other level", { { IPPROTO_IP, SCM_RIGHTS, 1, 0, 0 }, { SOL_SOCKET, SCM_RIGHTS, 1, 0, 0 } },
          2, 0, 4, "UT" },
        { "first length too short", { { SOL_SOCKET, SCM_RIGHTS, 2, 0, 8 } }, 1, 0, 4, "UU" },
        { "length beyond buffer, part inside taken",
          { { SOL_SOCKET, SCM_RIGHTS, 2, 0, CMSG_LEN(64 * sizeof(int)) } }, 1, 0, 4, "TT" },
};

START_TEST(test_cmsg_take_fds)
{
        union {
                struct cmsghdr align;
                unsigned char buf[512];
        } control;
        int placed[16], got[16];
        size_t n_placed = 0, off = 0, n, taken = 0;
        struct msghdr msg = {};
        const char *outcome = take_cases[_i].outcome;

        memset(&control, 0, sizeof(control));
        for (size_t k = 0; k < take_cases[_i].n_items; k++) {
                const FdItem *it = &take_cases[_i].items[k];
                size_t data = it->n_ints * sizeof(int) + it->extra;
                struct cmsghdr h = {
                        .cmsg_len = it->bad_len ? it->bad_len : CMSG_LEN(data),
                        .cmsg_level = it->level,
                        .cmsg_type = it->type,
                };

                memcpy(control.buf + off, &h, sizeof(h));
                for (unsigned i = 0; i < it->n_ints; i++) {
                        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

                        ck_assert_int_ge(fd, 0);
                        placed[n_placed++] = fd;
                        memcpy(control.buf + off + CMSG_LEN(0) + i * sizeof(int), &fd, sizeof(fd));
                }
                memset(control.buf + off + CMSG_LEN(0) + it->n_ints * sizeof(int), 0xff, it->extra);
                off += CMSG_SPACE(data);
        }
        ck_assert_uint_eq(n_placed, strlen(outcome));
        msg.msg_control = control.buf;
        msg.msg_controllen = off - (size_t)take_cases[_i].cut;

        n = cmsg_take_fds(&msg, got, take_cases[_i].max_fds);

        for (size_t i = 0; i < n_placed; i++)
                switch (outcome[i]) {
                case 'T':
                        ck_assert_msg(taken < n && got[taken] == placed[i], "%s: fd %zu not taken",
                                      take_cases[_i].name, i);
                        ck_assert(fd_is_open(placed[i]));
                        taken++;
                        break;
                case 'C':
                        ck_assert_msg(!fd_is_open(placed[i]), "%s: fd %zu left open",
                                      take_cases[_i].name, i);
                        break;
                case 'U':
                        ck_assert_msg(fd_is_open(placed[i]), "%s: fd %zu closed",
                                      take_cases[_i].name, i);
                        break;
                default:
                        ck_abort();
                }
        ck_assert_uint_eq(n, taken);
        for (size_t i = 0; i < n_placed; i++)
                safe_close(placed[i]);
}
END_TEST

START_TEST(test_cmsg_take_fds_empty)
{
        struct msghdr msg = {};
        int fds[2];

        ck_assert_uint_eq(cmsg_take_fds(&msg, fds, 2), 0);
        msg.msg_controllen = 64;        /* a length without a buffer */
        ck_assert_uint_eq(cmsg_take_fds(&msg, fds, 2), 0);
        cmsg_close_fds(&msg);
}
END_TEST

START_TEST(test_afalg_control)
{
        union {
                struct cmsghdr align;
                unsigned char buf[256];
        } control;
        unsigned char iv[16];
        struct msghdr msg = { .msg_control = control.buf };
        struct cmsghdr *c;
        size_t len = 0;
        uint32_t v;

        for (size_t i = 0; i < sizeof(iv); i++)
                iv[i] = (unsigned char)i;
        ck_assert_int_eq(afalg_control(control.buf, sizeof(control.buf), ALG_OP_ENCRYPT, iv,
                                       sizeof(iv), 20, &len),
                         0);
        ck_assert_uint_eq(len, CMSG_SPACE(4) * 2 + CMSG_SPACE(4 + sizeof(iv)));
        msg.msg_controllen = len;

        c = CMSG_FIRSTHDR(&msg);
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->cmsg_level, SOL_ALG);
        ck_assert_int_eq(c->cmsg_type, ALG_SET_OP);
        ck_assert_uint_eq(c->cmsg_len, CMSG_LEN(4));
        memcpy(&v, CMSG_DATA(c), 4);
        ck_assert_uint_eq(v, ALG_OP_ENCRYPT);

        c = CMSG_NXTHDR(&msg, c);
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->cmsg_type, ALG_SET_IV);
        ck_assert_uint_eq(c->cmsg_len, CMSG_LEN(4 + sizeof(iv)));
        memcpy(&v, CMSG_DATA(c), 4);
        ck_assert_uint_eq(v, sizeof(iv));
        ck_assert_int_eq(memcmp(CMSG_DATA(c) + 4, iv, sizeof(iv)), 0);

        c = CMSG_NXTHDR(&msg, c);
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->cmsg_type, ALG_SET_AEAD_ASSOCLEN);
        memcpy(&v, CMSG_DATA(c), 4);
        ck_assert_uint_eq(v, 20);
        ck_assert_ptr_null(CMSG_NXTHDR(&msg, c));

        /* Only the operation. */
        ck_assert_int_eq(afalg_control(control.buf, sizeof(control.buf), ALG_OP_DECRYPT, NULL, 0,
                                       -1, &len),
                         0);
        ck_assert_uint_eq(len, CMSG_SPACE(4));

        ck_assert_int_eq(afalg_control(control.buf, CMSG_SPACE(4), ALG_OP_ENCRYPT, iv, sizeof(iv),
                                       -1, &len),
                         -ENOBUFS);
        ck_assert_int_eq(afalg_control(control.buf, sizeof(control.buf), ALG_OP_ENCRYPT, NULL, 3,
                                       -1, &len),
                         -EINVAL);
        ck_assert_int_eq(afalg_control(control.buf, sizeof(control.buf), -1, NULL, 0, -1, &len),
                         -EINVAL);
        ck_assert_int_eq(afalg_control(control.buf, sizeof(control.buf), ALG_OP_ENCRYPT, iv,
                                       SB_AFALG_IV_MAX + 1, -1, &len),
                         -EINVAL);
}
END_TEST

/* ---- modes ---------------------------------------------------------------- */

static const struct {
        double set, get;
        int nonblock;
        int64_t kernel_usec;
} mode_cases[] = {
        { -1.0, -1.0, 0, 0 },
        { 0.0, 0.0, 1, 0 },
        { 0.2, 0.2, 0, 200000 },
        { 2.5, 2.5, 0, 2500000 },
};

START_TEST(test_settimeout_in_kernel)
{
        int sv[2], copy;
        double t = 99;

        ck_assert_int_eq(sb_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        /* Start from the opposite mode, so every field must change. */
        ck_assert_int_eq(sb_settimeout(sv[0], mode_cases[_i].set == 0 ? 7.0 : 0.0), 0);
        ck_assert_int_eq(sb_settimeout(sv[0], mode_cases[_i].set), 0);

        ck_assert_int_eq(sb_gettimeout(sv[0], &t), 0);
        ck_assert_msg(fabs(t - mode_cases[_i].get) < 1e-9, "got %f", t);
        ck_assert_int_eq(sb_getblocking(sv[0]), mode_cases[_i].set != 0);

        /* The mode is the kernel's: another descriptor of the socket sees it. */
        copy = dup(sv[0]);
        ck_assert_int_ge(copy, 0);
        ck_assert_int_eq(kernel_nonblock(copy), mode_cases[_i].nonblock);
        ck_assert_int_eq(kernel_timeout_usec(copy, SO_RCVTIMEO), mode_cases[_i].kernel_usec);
        ck_assert_int_eq(kernel_timeout_usec(copy, SO_SNDTIMEO), mode_cases[_i].kernel_usec);
        ck_assert_int_eq(sb_gettimeout(copy, &t), 0);
        ck_assert_msg(fabs(t - mode_cases[_i].get) < 1e-9, "got %f", t);
        close(copy);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

START_TEST(test_settimeout_errors)
{
        int sv[2], fd;
        double t;

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        errno = 0;
        ck_assert_int_eq(sb_settimeout(sv[0], NAN), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_settimeout(sv[0], 1e10), -1);
        ck_assert_int_eq(errno, ERANGE);
        ck_assert_int_eq(sb_gettimeout(sv[0], NULL), -1);
        ck_assert_int_eq(errno, EINVAL);

        /* A tiny timeout stays a timeout: the kernel rounds it up to a tick. */
        ck_assert_int_eq(sb_settimeout(sv[0], 1e-9), 0);
        ck_assert_int_eq(sb_gettimeout(sv[0], &t), 0);
        ck_assert(t > 0 && t <= 0.011);

        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        ck_assert_int_eq(sb_settimeout(fd, 1), -1);
        ck_assert_int_eq(errno, ENOTSOCK);
        ck_assert_int_eq(sb_gettimeout(fd, &t), -1);
        ck_assert_int_eq(errno, ENOTSOCK);
        close(fd);
        ck_assert_int_eq(sb_getblocking(-1), -1);
        ck_assert_int_eq(errno, EBADF);

        ck_assert_int_eq(sb_setblocking(sv[0], 0), 0);
        ck_assert_int_eq(sb_getblocking(sv[0]), 0);
        ck_assert_int_eq(kernel_nonblock(sv[0]), 1);
        ck_assert_int_eq(sb_setblocking(sv[0], 1), 0);
        ck_assert_int_eq(sb_getblocking(sv[0]), 1);
        ck_assert_int_eq(sb_gettimeout(sv[0], &t), 0);
        ck_assert(t == -1.0);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

/* ---- creating sockets ------------------------------------------------ */

START_TEST(test_socketpair)
{
        int sv[2], v;
        double t;

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        for (int i = 0; i < 2; i++) {
                ck_assert(fd_is_cloexec(sv[i]));
                ck_assert_int_eq(sb_getsockopt_int(sv[i], SOL_SOCKET, SO_DOMAIN, &v), 0);
                ck_assert_int_eq(v, AF_UNIX);
                ck_assert_int_eq(sb_getsockopt_int(sv[i], SOL_SOCKET, SO_TYPE, &v), 0);
                ck_assert_int_eq(v, SOCK_STREAM);
                ck_assert_int_eq(kernel_nonblock(sv[i]), 0);
                close(sv[i]);
        }

        ck_assert_int_eq(sb_socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
        ck_assert_int_eq(sb_getsockopt_int(sv[0], SOL_SOCKET, SO_TYPE, &v), 0);
        ck_assert_int_eq(v, SOCK_DGRAM);
        ck_assert_int_eq(kernel_nonblock(sv[0]), 1);
        ck_assert_int_eq(kernel_nonblock(sv[1]), 1);
        close(sv[0]);
        close(sv[1]);

        /* The default timeout, unless SOCK_NONBLOCK. */
        ck_assert_int_eq(sb_setdefaulttimeout(0.5), 0);
        ck_assert_int_eq(sb_socketpair(0, SOCK_SEQPACKET, 0, sv), 0);
        ck_assert_int_eq(sb_gettimeout(sv[1], &t), 0);
        ck_assert(t == 0.5);
        close(sv[0]);
        close(sv[1]);
        ck_assert_int_eq(sb_socketpair(0, SOCK_NONBLOCK, 0, sv), 0);
        ck_assert_int_eq(sb_gettimeout(sv[1], &t), 0);
        ck_assert(t == 0.0);
        close(sv[0]);
        close(sv[1]);

        ck_assert_int_eq(sb_socketpair(AF_INET, SOCK_STREAM, 0, sv), -1);
        ck_assert_int_eq(errno, EOPNOTSUPP);
        ck_assert_int_eq(sb_socketpair(0, 0, 0, NULL), -1);
        ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_fromfd)
{
        int sv[2], fd, v;
        double t;

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);    /* inheritable */
        fd = sb_fromfd(sv[0]);
        ck_assert_int_ge(fd, 3);
        ck_assert_int_ne(fd, sv[0]);
        ck_assert(fd_is_cloexec(fd));
        ck_assert(!fd_is_cloexec(sv[0]));
        ck_assert_int_eq(sb_getsockopt_int(fd, SOL_SOCKET, SO_TYPE, &v), 0);
        ck_assert_int_eq(v, SOCK_DGRAM);
        /* The same socket: closing the original leaves the copy working. */
        close(sv[0]);
        ck_assert_int_eq(sb_send(fd, "x", 1, 0), 1);
        ck_assert_int_eq(sb_recv(sv[1], &v, sizeof(v), 0), 1);
        close(fd);

        /* The default timeout applies, to the socket both share. */
        ck_assert_int_eq(sb_setdefaulttimeout(0.2), 0);
        fd = sb_fromfd(sv[1]);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(sb_gettimeout(sv[1], &t), 0);
        ck_assert(t == 0.2);
        close(fd);
        close(sv[1]);

        ck_assert_int_eq(sb_fromfd(-1), -1);
        ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* The reference: dup() gives a socket "with the same timeout" as the
 * original's, where fromfd() applies the default. */
START_TEST(test_dup)
{
        int sv[2], fd, p[2];
        double t;

        ck_assert_int_eq(sb_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        ck_assert_int_eq(sb_settimeout(sv[0], 5.0), 0);
        ck_assert_int_eq(sb_setdefaulttimeout(2.0), 0);
        fd = sb_dup(sv[0]);
        ck_assert_int_ge(fd, 3);
        ck_assert(fd_is_cloexec(fd));
        ck_assert_int_eq(sb_gettimeout(fd, &t), 0);
        ck_assert(t == 5.0);
        ck_assert_int_eq(sb_gettimeout(sv[0], &t), 0);
        ck_assert(t == 5.0);
        close(fd);

        /* Non-blocking stays non-blocking, also with a default set. */
        ck_assert_int_eq(sb_setblocking(sv[0], 0), 0);
        fd = sb_dup(sv[0]);
        ck_assert_int_ge(fd, 3);
        ck_assert_int_eq(sb_getblocking(fd), 0);
        ck_assert_int_eq(sb_getblocking(sv[0]), 0);
        close(fd);

        /* What sb_fromfd() does instead: the default, on the shared socket. */
        fd = sb_fromfd(sv[0]);
        ck_assert_int_ge(fd, 3);
        ck_assert_int_eq(sb_gettimeout(sv[0], &t), 0);
        ck_assert(t == 2.0);
        close(fd);

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        ck_assert_int_eq(sb_dup(p[0]), -1);
        ck_assert_int_eq(errno, ENOTSOCK);
        ck_assert_int_eq(sb_dup(-1), -1);
        ck_assert_int_eq(errno, EBADF);
        close(p[0]);
        close(p[1]);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

/* The reference: every socket the module creates starts in the default
 * mode, sockets from socket() included. */
START_TEST(test_socket_default_timeout)
{
        int fd;
        double t;

        ck_assert_int_eq(sb_setdefaulttimeout(1.5), 0);
        fd = sb_socket(AF_INET, SOCK_DGRAM, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(sb_gettimeout(fd, &t), 0);
        ck_assert(t == 1.5);
        close(fd);

        /* SOCK_NONBLOCK asks for a mode of its own. */
        fd = sb_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(sb_gettimeout(fd, &t), 0);
        ck_assert(t == 0.0);
        close(fd);

        /* sb_create_connection() takes its own: blocking means blocking. */
        ck_assert_int_eq(sb_setdefaulttimeout(SB_TIMEOUT_NONE), 0);
        fd = sb_socket(AF_UNIX, SOCK_STREAM, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(sb_gettimeout(fd, &t), 0);
        ck_assert(t < 0);
        close(fd);
}
END_TEST

START_TEST(test_has_ipv6)
{
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        ck_assert_int_eq(sb_has_ipv6(), fd >= 0);
        if (fd >= 0)
                close(fd);
        /* Dual stack needs IPv6 first. */
        if (sb_has_dualstack_ipv6())
                ck_assert(sb_has_ipv6());
}
END_TEST

/* Every flag of the API is its own bit, clear of the socket(2) flags the
 * same arguments take, so a flag given to the wrong call is EINVAL. */
START_TEST(test_flags_distinct)
{
        static const int flags[] = {
                SB_ALL_ERRORS, SB_REUSE_PORT, SB_DUALSTACK_IPV6, SOCK_NONBLOCK, SOCK_CLOEXEC,
        };

        for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
                ck_assert_int_eq(__builtin_popcount((unsigned)flags[i]), 1);
                for (size_t j = i + 1; j < ELEMENTSOF(flags); j++)
                        ck_assert_int_eq(flags[i] & flags[j], 0);
        }
        ck_assert_int_eq(sb_create_connection("127.0.0.1", 1, 1.0, NULL, 0, SB_REUSE_PORT, NULL,
                                              NULL),
                         -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_create_server(NULL, 0, AF_INET, 0, SB_ALL_ERRORS), -1);
        ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- accept ---------------------------------------------------------------- */

START_TEST(test_accept_modes)
{
        struct sockaddr_storage ss;
        socklen_t len;
        uint16_t port;
        int l, c, a;
        double t;
        char text[SB_ADDR_STRLEN];

        l = tcp_listener(AF_INET, 8, &port);
        len = loopback_addr(AF_INET, port, &ss);

        /* A listener in timeout mode hands a blocking socket out. */
        ck_assert_int_eq(sb_settimeout(l, 2.0), 0);
        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_connect(c, (struct sockaddr *)&ss, len), 0);
        len = sizeof(ss);
        a = sb_accept(l, (struct sockaddr *)&ss, &len, 0);
        ck_assert_int_ge(a, 0);
        ck_assert(fd_is_cloexec(a));
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&ss, len, 0, text, sizeof(text)), 0);
        ck_assert(strncmp(text, "127.0.0.1:", 10) == 0);
        ck_assert_int_eq(sb_gettimeout(a, &t), 0);
        ck_assert(t == -1.0);
        ck_assert_int_eq(kernel_timeout_usec(a, SO_SNDTIMEO), 0);
        close(a);
        close(c);

        /* SOCK_NONBLOCK wins; the listener's timeout is not handed on. */
        len = loopback_addr(AF_INET, port, &ss);
        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_connect(c, (struct sockaddr *)&ss, len), 0);
        a = sb_accept(l, NULL, NULL, SOCK_NONBLOCK);
        ck_assert_int_ge(a, 0);
        ck_assert_int_eq(sb_gettimeout(a, &t), 0);
        ck_assert(t == 0.0);
        ck_assert_int_eq(kernel_timeout_usec(a, SO_RCVTIMEO), 0);
        close(a);
        close(c);

        /* The default timeout, when set, is the new socket's. */
        ck_assert_int_eq(sb_setdefaulttimeout(0.5), 0);
        ck_assert_int_eq(sb_setblocking(l, 1), 0);
        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_connect(c, (struct sockaddr *)&ss, len), 0);
        a = sb_accept(l, NULL, NULL, 0);
        ck_assert_int_ge(a, 0);
        ck_assert_int_eq(sb_gettimeout(a, &t), 0);
        ck_assert(t == 0.5);
        close(a);
        close(c);

        ck_assert_int_eq(sb_accept(l, NULL, NULL, SOCK_DGRAM), -1);
        ck_assert_int_eq(errno, EINVAL);
        close(l);
}
END_TEST

START_TEST(test_accept_timeout)
{
        uint16_t port;
        int64_t start;
        int l;

        l = tcp_listener(AF_INET, 8, &port);
        ck_assert_int_eq(sb_settimeout(l, 0.2), 0);
        start = now_usec();
        ck_assert_int_eq(sb_accept(l, NULL, NULL, 0), -1);
        ck_assert_int_eq(errno, ETIMEDOUT);
        ck_assert_elapsed(start, 0.15, 3.0);

        ck_assert_int_eq(sb_setblocking(l, 0), 0);
        start = now_usec();
        ck_assert_int_eq(sb_accept(l, NULL, NULL, 0), -1);
        ck_assert_int_eq(errno, EAGAIN);
        ck_assert_elapsed(start, 0.0, 0.1);
        close(l);
}
END_TEST

/* ---- connect ------------------------------------------------------------- */

/* Fills the backlog of a listener that never accepts: listen(fd, 0)
 * queues one connection, and the next one waits. */
static const int connect_full_families[] = { AF_INET, AF_INET6, AF_UNIX };

START_TEST(test_connect_timeout_backlog_full)
{
        int family = connect_full_families[_i];
        struct sockaddr_storage ss;
        struct sockaddr_un sun;
        struct sockaddr *sa;
        socklen_t len;
        uint16_t port = 0;
        int64_t start;
        int l, first, c;

        if (family == AF_UNIX) {
                l = unix_listener(0, &sun, &len);
                sa = (struct sockaddr *)&sun;
        } else {
                if (family == AF_INET6 && !sb_has_dualstack_ipv6())
                        return;
                l = tcp_listener(family, 0, &port);
                len = loopback_addr(family, port, &ss);
                sa = (struct sockaddr *)&ss;
        }

        first = sb_socket(family, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_connect(first, sa, len), 0);

        c = sb_socket(family, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_settimeout(c, 0.2), 0);
        start = now_usec();
        ck_assert_int_eq(sb_connect(c, sa, len), -1);
        ck_assert_int_eq(errno, ETIMEDOUT);
        ck_assert_elapsed(start, 0.15, 3.0);
        /* The mode is back as it was. */
        ck_assert_int_eq(kernel_nonblock(c), 0);
        close(c);

        /* connect_ex returns the same error as a value. */
        c = sb_socket(family, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_settimeout(c, 0.2), 0);
        ck_assert_int_eq(sb_connect_ex(c, sa, len), ETIMEDOUT);
        close(c);

        /* Non-blocking: the caller waits. */
        c = sb_socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
        errno = 0;
        ck_assert_int_eq(sb_connect(c, sa, len), -1);
        ck_assert_int_eq(errno, family == AF_UNIX ? EAGAIN : EINPROGRESS);
        close(c);

        close(first);
        close(l);
}
END_TEST

START_TEST(test_connect_ex)
{
        struct sockaddr_storage ss;
        socklen_t len;
        uint16_t port;
        int l, c;

        /* A port that was just free: nothing listens there any more. */
        l = tcp_listener(AF_INET, 1, &port);
        close(l);
        len = loopback_addr(AF_INET, port, &ss);
        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_connect_ex(c, (struct sockaddr *)&ss, len), ECONNREFUSED);
        ck_assert_int_eq(errno, ECONNREFUSED);
        close(c);

        /* The same, in timeout mode: the error comes from SO_ERROR. */
        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_settimeout(c, 2.0), 0);
        ck_assert_int_eq(sb_connect(c, (struct sockaddr *)&ss, len), -1);
        ck_assert_int_eq(errno, ECONNREFUSED);
        close(c);

        l = tcp_listener(AF_INET, 1, &port);
        len = loopback_addr(AF_INET, port, &ss);
        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_settimeout(c, 2.0), 0);
        ck_assert_int_eq(sb_connect_ex(c, (struct sockaddr *)&ss, len), 0);
        close(c);
        close(l);
}
END_TEST

/*
 * PEP 475: a signal during a blocking connect does not end it. The
 * listener's backlog is full, so the SYN is dropped until a child accepts
 * the queued connection; the client's SYN is then retransmitted (after
 * one second) and the connection completes, with SIGALRM arriving every
 * 50 ms all along.
 */
START_TEST(test_connect_eintr)
{
        struct sockaddr_storage ss;
        socklen_t len;
        uint16_t port;
        int l, first, c;
        pid_t pid;

        l = tcp_listener(AF_INET, 0, &port);
        len = loopback_addr(AF_INET, port, &ss);
        first = sb_socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_connect(first, (struct sockaddr *)&ss, len), 0);

        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                usleep(300 * 1000);
                (void)close(accept(l, NULL, NULL));
                _exit(0);
        }

        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        start_alarms(50);
        ck_assert_int_eq(sb_connect(c, (struct sockaddr *)&ss, len), 0);
        stop_alarms();
        ck_assert_int_gt(alarms, 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        close(c);
        close(first);
        close(l);
}
END_TEST

/* ---- recv and send ------------------------------------------------------- */

START_TEST(test_recv_modes)
{
        char buf[16];
        int64_t start;
        int sv[2];

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);

        ck_assert_int_eq(sb_settimeout(sv[0], 0.2), 0);
        start = now_usec();
        ck_assert_int_eq(sb_recv(sv[0], buf, sizeof(buf), 0), -1);
        ck_assert_int_eq(errno, ETIMEDOUT);
        ck_assert_elapsed(start, 0.15, 3.0);

        /* A plain recv(2) sees the same timeout, from the kernel. */
        start = now_usec();
        ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), -1);
        ck_assert_int_eq(errno, EAGAIN);
        ck_assert_elapsed(start, 0.15, 3.0);

        ck_assert_int_eq(sb_setblocking(sv[0], 0), 0);
        start = now_usec();
        ck_assert_int_eq(sb_recv(sv[0], buf, sizeof(buf), 0), -1);
        ck_assert_int_eq(errno, EAGAIN);
        ck_assert_elapsed(start, 0.0, 0.1);

        /* Data waiting: every mode returns it at once. */
        ck_assert_int_eq(sb_send(sv[1], "hello", 5, 0), 5);
        ck_assert_int_eq(sb_recv(sv[0], buf, sizeof(buf), MSG_PEEK), 5);
        ck_assert_int_eq(sb_settimeout(sv[0], 5.0), 0);
        ck_assert_int_eq(sb_recv(sv[0], buf, 2, 0), 2);
        ck_assert_int_eq(sb_setblocking(sv[0], 1), 0);
        ck_assert_int_eq(sb_recv(sv[0], buf + 2, sizeof(buf) - 2, 0), 3);
        ck_assert_int_eq(memcmp(buf, "hello", 5), 0);

        /* End of stream. */
        close(sv[1]);
        ck_assert_int_eq(sb_recv(sv[0], buf, sizeof(buf), 0), 0);
        close(sv[0]);
}
END_TEST

/* PEP 475: signals neither end a wait nor restart its clock. */
START_TEST(test_recv_timeout_with_signals)
{
        char buf[4];
        int64_t start;
        int sv[2];

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        ck_assert_int_eq(sb_settimeout(sv[0], 0.4), 0);
        start_alarms(30);
        start = now_usec();
        ck_assert_int_eq(sb_recv(sv[0], buf, sizeof(buf), 0), -1);
        ck_assert_int_eq(errno, ETIMEDOUT);
        stop_alarms();
        ck_assert_elapsed(start, 0.35, 3.0);
        ck_assert_int_gt(alarms, 3);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

START_TEST(test_recv_blocking_with_signals)
{
        char buf[4] = "";
        int sv[2];
        pid_t pid;

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                usleep(250 * 1000);
                _exit(send(sv[1], "late", 4, 0) == 4 ? 0 : 1);
        }
        start_alarms(30);
        ck_assert_int_eq(sb_recv(sv[0], buf, sizeof(buf), MSG_WAITALL), 4);
        stop_alarms();
        ck_assert_int_gt(alarms, 0);
        ck_assert_int_eq(memcmp(buf, "late", 4), 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

START_TEST(test_recvfrom_sendto)
{
        struct sockaddr_storage ss, from;
        socklen_t len, flen = sizeof(from);
        char text[SB_ADDR_STRLEN], want[SB_ADDR_STRLEN], buf[8];
        int a, b;

        a = sb_socket(AF_INET, SOCK_DGRAM, 0);
        b = sb_socket(AF_INET, SOCK_DGRAM, 0);
        len = loopback_addr(AF_INET, 0, &ss);
        ck_assert_int_eq(sb_bind(a, (struct sockaddr *)&ss, len), 0);
        ck_assert_int_eq(sb_bind(b, (struct sockaddr *)&ss, len), 0);
        len = sizeof(ss);
        ck_assert_int_eq(getsockname(a, (struct sockaddr *)&ss, &len), 0);

        ck_assert_int_eq(sb_sendto(b, "ping", 4, 0, (struct sockaddr *)&ss, len), 4);
        ck_assert_int_eq(sb_settimeout(a, 2.0), 0);
        ck_assert_int_eq(sb_recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
        ck_assert_uint_eq(flen, sizeof(struct sockaddr_in));
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&from, flen, 0, text, sizeof(text)), 0);
        ck_assert_int_eq(sb_getsockname_text(b, want, sizeof(want)), 0);
        ck_assert_str_eq(text, want);

        ck_assert_int_eq(sb_recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from, NULL), -1);
        ck_assert_int_eq(errno, EINVAL);
        close(a);
        close(b);
}
END_TEST

START_TEST(test_send_epipe_not_sigpipe)
{
        int sv[2];

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        close(sv[1]);
        /* Without MSG_NOSIGNAL, SIGPIPE would end this test process. */
        ck_assert_int_eq(sb_send(sv[0], "x", 1, 0), -1);
        ck_assert_int_eq(errno, EPIPE);
        ck_assert_int_eq(sb_sendall(sv[0], "x", 1, 0, NULL), -1);
        ck_assert_int_eq(errno, EPIPE);
        close(sv[0]);
}
END_TEST

/* ---- sendall ---------------------------------------------------------------- */

#define BIG (8u << 20)

START_TEST(test_sendall_complete)
{
        _cleanup_free_ char *buf = malloc(BIG);
        size_t sent = 0, got = 0;
        int sv[2];
        pid_t pid;

        ck_assert_ptr_nonnull(buf);
        for (size_t i = 0; i < BIG; i++)
                buf[i] = (char)(i * 7);
        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                char chunk[65536];
                ssize_t n;

                buf = mfree(buf);       /* the parent's; valgrind counts it */
                close(sv[0]);
                while ((n = read(sv[1], chunk, sizeof(chunk))) > 0)
                        for (ssize_t i = 0; i < n; i++, got++)
                                if (chunk[i] != (char)(got * 7))
                                        _exit(2);
                _exit(got == BIG ? 0 : 1);
        }
        close(sv[1]);
        ck_assert_int_eq(sb_settimeout(sv[0], 10.0), 0);
        ck_assert_int_eq(sb_sendall(sv[0], buf, BIG, 0, &sent), 0);
        ck_assert_uint_eq(sent, BIG);
        close(sv[0]);
        {
                int status;

                ck_assert_int_eq(waitpid(pid, &status, 0), pid);
                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
}
END_TEST

/*
 * The timeout bounds the whole sendall, though data keeps moving: the
 * reader takes 4 KiB every 50 ms, so each send makes progress and a
 * per-send timeout would never expire.
 */
/*
 * sb_sendfile() in timeout mode under a signal every 0.1 s, to a peer that
 * never reads: the 0.3 s timeout ends the call once the buffers are full,
 * where a fresh kernel wait per interrupted call never ran out.
 */
START_TEST(test_sendfile_timeout_with_signals)
{
        char path[] = "/tmp/sb-sendfile-XXXXXX";
        uint64_t sent = 0;
        int64_t start;
        int sv[2], f;

        f = mkostemp(path, O_CLOEXEC);
        ck_assert_int_ge(f, 0);
        unlink(path);
        ck_assert_int_eq(ftruncate(f, 64 << 20), 0);
        ck_assert_int_eq(sb_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        ck_assert_int_eq(sb_settimeout(sv[0], 0.3), 0);

        start_alarms(100);
        start = now_usec();
        ck_assert_int_eq(sb_sendfile(sv[0], f, 0, 0, &sent), -1);
        ck_assert_int_eq(errno, ETIMEDOUT);
        ck_assert_elapsed(start, 0.25, 2.0);
        stop_alarms();
        ck_assert_int_gt(alarms, 1);
        ck_assert_uint_gt(sent, 0);
        ck_assert_uint_lt(sent, 64 << 20);
        /* The file's position says what was sent. */
        ck_assert_int_eq(lseek(f, 0, SEEK_CUR), (off_t)sent);
        close(sv[0]);
        close(sv[1]);
        close(f);
}
END_TEST

START_TEST(test_sendall_deadline)
{
        _cleanup_free_ char *buf = calloc(1, BIG);
        size_t sent = 0;
        int64_t start;
        int sv[2];
        pid_t pid;

        ck_assert_ptr_nonnull(buf);
        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                char chunk[4096];

                buf = mfree(buf);
                close(sv[0]);
                while (read(sv[1], chunk, sizeof(chunk)) > 0)
                        usleep(50 * 1000);
                _exit(0);
        }
        close(sv[1]);
        ck_assert_int_eq(sb_settimeout(sv[0], 0.5), 0);
        start = now_usec();
        ck_assert_int_eq(sb_sendall(sv[0], buf, BIG, 0, &sent), -1);
        ck_assert_int_eq(errno, ETIMEDOUT);
        ck_assert_elapsed(start, 0.45, 3.0);
        ck_assert_uint_gt(sent, 0);
        ck_assert_uint_lt(sent, BIG);
        close(sv[0]);
        kill(pid, SIGKILL);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

START_TEST(test_sendall_nonblocking)
{
        _cleanup_free_ char *buf = calloc(1, BIG);
        size_t sent = 0;
        int sv[2];

        ck_assert_ptr_nonnull(buf);
        ck_assert_int_eq(sb_socketpair(0, SOCK_NONBLOCK, 0, sv), 0);
        ck_assert_int_eq(sb_sendall(sv[0], buf, BIG, 0, &sent), -1);
        ck_assert_int_eq(errno, EAGAIN);
        ck_assert_uint_gt(sent, 0);
        ck_assert_uint_lt(sent, BIG);
        ck_assert_int_eq(sb_send(sv[0], buf, 1, 0), -1);
        ck_assert_int_eq(errno, EAGAIN);
        close(sv[0]);
        close(sv[1]);

        /* Nothing to send: one empty datagram, as the reference. */
        ck_assert_int_eq(sb_socketpair(0, SOCK_DGRAM, 0, sv), 0);
        ck_assert_int_eq(sb_sendall(sv[0], NULL, 0, 0, &sent), 0);
        ck_assert_uint_eq(sent, 0);
        ck_assert_int_eq(sb_recv(sv[1], buf, 1, MSG_DONTWAIT), 0);
        ck_assert_int_eq(sb_sendall(sv[0], NULL, 1, 0, &sent), -1);
        ck_assert_int_eq(errno, EINVAL);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

/* ---- recvmsg_into, sendmsg --------------------------------------------- */

/* The reference's example, byte for byte:
 *   b1 = bytearray(b'----'); b2 = bytearray(b'0123456789');
 *   b3 = bytearray(b'--------------'); s1.send(b'Mary had a little lamb')
 *   s2.recvmsg_into([b1, memoryview(b2)[2:9], b3]) -> (22, [], 0, None) */
START_TEST(test_recvmsg_into_example)
{
        char b1[] = "----", b2[] = "0123456789", b3[] = "--------------";
        struct iovec iov[3] = {
                { .iov_base = b1, .iov_len = 4 },
                { .iov_base = b2 + 2, .iov_len = 7 },
                { .iov_base = b3, .iov_len = 14 },
        };
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 3 };
        int sv[2];

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        ck_assert_int_eq(sb_send(sv[0], "Mary had a little lamb", 22, 0), 22);
        ck_assert_int_eq(sb_recvmsg(sv[1], &msg, 0), 22);
        ck_assert_uint_eq(msg.msg_controllen, 0);
        ck_assert_int_eq(msg.msg_flags, 0);
        ck_assert_str_eq(b1, "Mary");
        ck_assert_str_eq(b2, "01 had a 9");
        ck_assert_str_eq(b3, "little lamb---");
        close(sv[0]);
        close(sv[1]);
}
END_TEST

START_TEST(test_sendmsg_gather_with_ancillary)
{
        char a[] = "gath", b[] = "ered", out[16] = "";
        struct iovec iov[2] = { { .iov_base = a, .iov_len = 4 }, { .iov_base = b, .iov_len = 4 } };
        struct iovec in = { .iov_base = out, .iov_len = sizeof(out) };
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(struct ucred))];
        } ctl;
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
        struct msghdr rmsg = {
                .msg_iov = &in, .msg_iovlen = 1, .msg_control = ctl.buf,
                .msg_controllen = sizeof(ctl.buf),
        };
        struct cmsghdr *c;
        struct ucred cred;
        int sv[2];

        ck_assert_int_eq(sb_socketpair(0, SOCK_DGRAM, 0, sv), 0);
        ck_assert_int_eq(sb_setsockopt_int(sv[1], SOL_SOCKET, SO_PASSCRED, 1), 0);
        ck_assert_int_eq(sb_sendmsg(sv[0], &msg, 0), 8);
        ck_assert_int_eq(sb_recvmsg(sv[1], &rmsg, 0), 8);
        ck_assert_str_eq(out, "gathered");
        c = CMSG_FIRSTHDR(&rmsg);
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->cmsg_level, SOL_SOCKET);
        ck_assert_int_eq(c->cmsg_type, SCM_CREDENTIALS);
        memcpy(&cred, CMSG_DATA(c), sizeof(cred));
        ck_assert_int_eq(cred.pid, getpid());
        close(sv[0]);
        close(sv[1]);
}
END_TEST

/* ---- send_fds and recv_fds ----------------------------------------------- */

START_TEST(test_send_recv_fds)
{
        char data[] = "fds";
        struct iovec iov = { .iov_base = data, .iov_len = 3 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        char buf[8] = "";
        struct iovec riov = { .iov_base = buf, .iov_len = sizeof(buf) };
        struct msghdr rmsg = { .msg_iov = &riov, .msg_iovlen = 1 };
        int sv[2], p[2], got[4];
        size_t n = 99;

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        ck_assert_int_eq(pipe(p), 0);   /* not close-on-exec */

        ck_assert_int_eq(sb_send_fds(sv[0], &msg, 0, p, 2), 3);
        ck_assert_int_eq(sb_recv_fds(sv[1], &rmsg, 0, got, 4, &n), 3);
        ck_assert_str_eq(buf, "fds");
        ck_assert_uint_eq(n, 2);
        ck_assert_int_eq(rmsg.msg_flags & MSG_CTRUNC, 0);
        /* New descriptors, close-on-exec, of the same pipe. */
        ck_assert(fd_is_cloexec(got[0]) && fd_is_cloexec(got[1]));
        ck_assert_int_eq(write(p[1], "z", 1), 1);
        ck_assert_int_eq(read(got[0], buf, 1), 1);
        ck_assert_int_eq(buf[0], 'z');
        close(got[0]);
        close(got[1]);

        /* No descriptors: just the data. */
        ck_assert_int_eq(sb_send_fds(sv[0], &msg, 0, NULL, 0), 3);
        ck_assert_int_eq(sb_recv_fds(sv[1], &rmsg, 0, got, 4, &n), 3);
        ck_assert_uint_eq(n, 0);

        close(p[0]);
        close(p[1]);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

START_TEST(test_recv_fds_truncated)
{
        char data[] = "x";
        struct iovec iov = { .iov_base = data, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        char buf[1];
        struct iovec riov = { .iov_base = buf, .iov_len = 1 };
        struct msghdr rmsg = { .msg_iov = &riov, .msg_iovlen = 1 };
        int sv[2], fds[3], got[3];
        size_t before, n = 0;

        ck_assert_int_eq(sb_socketpair(0, SOCK_SEQPACKET, 0, sv), 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_ge(fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
        before = count_open_fds();

        /* Three sent, two wanted: two arrive, one is closed, none leaks. */
        ck_assert_int_eq(sb_send_fds(sv[0], &msg, 0, fds, 3), 1);
        ck_assert_int_eq(sb_recv_fds(sv[1], &rmsg, 0, got, 2, &n), 1);
        ck_assert_uint_eq(n, 2);
        ck_assert(rmsg.msg_flags & MSG_CTRUNC);
        close(got[0]);
        close(got[1]);
        ck_assert_uint_eq(count_open_fds(), before);

        /* None wanted: all closed. */
        ck_assert_int_eq(sb_send_fds(sv[0], &msg, 0, fds, 3), 1);
        ck_assert_int_eq(sb_recv_fds(sv[1], &rmsg, 0, NULL, 0, &n), 1);
        ck_assert_uint_eq(n, 0);
        ck_assert_uint_eq(count_open_fds(), before);

        /* Misuse. */
        msg.msg_control = buf;
        msg.msg_controllen = 1;
        ck_assert_int_eq(sb_send_fds(sv[0], &msg, 0, fds, 1), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_recv_fds(sv[1], &msg, 0, got, 1, &n), -1);
        ck_assert_int_eq(errno, EINVAL);
        msg.msg_control = NULL;
        msg.msg_controllen = 0;
        ck_assert_int_eq(sb_send_fds(sv[0], &msg, 0, fds, 254), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_send_fds(sv[0], &msg, 0, NULL, 1), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_recv_fds(sv[1], &rmsg, 0, got, 1, NULL), -1);
        ck_assert_int_eq(errno, EINVAL);

        for (int i = 0; i < 3; i++)
                close(fds[i]);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

START_TEST(test_recv_fds_timeout)
{
        struct msghdr msg = {};
        size_t n;
        int sv[2], got[1];
        int64_t start;

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        ck_assert_int_eq(sb_settimeout(sv[1], 0.2), 0);
        start = now_usec();
        ck_assert_int_eq(sb_recv_fds(sv[1], &msg, 0, got, 1, &n), -1);
        ck_assert_int_eq(errno, ETIMEDOUT);
        ck_assert_elapsed(start, 0.15, 3.0);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

/* ---- names and options ------------------------------------------------- */

START_TEST(test_name_text)
{
        char text[SB_ADDR_STRLEN], want[SB_ADDR_STRLEN];
        struct sockaddr_storage ss;
        struct sockaddr_un sun;
        socklen_t len;
        uint16_t port;
        int l, c, sv[2];

        l = tcp_listener(AF_INET, 1, &port);
        snprintf(want, sizeof(want), "127.0.0.1:%u", (unsigned)port);
        ck_assert_int_eq(sb_getsockname_text(l, text, sizeof(text)), 0);
        ck_assert_str_eq(text, want);
        len = loopback_addr(AF_INET, port, &ss);
        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(sb_connect(c, (struct sockaddr *)&ss, len), 0);
        ck_assert_int_eq(sb_getpeername_text(c, text, sizeof(text)), 0);
        ck_assert_str_eq(text, want);
        ck_assert_int_eq(sb_getpeername_text(c, text, 5), -1);
        ck_assert_int_eq(errno, ENOSPC);
        ck_assert_str_eq(text, "");
        ck_assert_int_eq(sb_getpeername_text(l, text, sizeof(text)), -1);
        ck_assert_int_eq(errno, ENOTCONN);
        close(c);
        close(l);

        /* Unnamed AF_UNIX is "", a named one its text form. */
        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        ck_assert_int_eq(sb_getsockname_text(sv[0], text, sizeof(text)), 0);
        ck_assert_str_eq(text, "");
        close(sv[0]);
        close(sv[1]);
        l = unix_listener(1, &sun, &len);
        ck_assert_int_eq(sb_getsockname_text(l, text, sizeof(text)), 0);
        ck_assert(text[0] == '@' && strncmp(text + 1, sun.sun_path + 1, len - 3) == 0);
        close(l);
}
END_TEST

/* The reference's family, type and proto attributes. */
static const struct {
        int family, type, protocol;
        int want_protocol;
} attribute_cases[] = {
        { AF_INET, SOCK_STREAM, 0, IPPROTO_TCP },
        { AF_INET, SOCK_DGRAM, 0, IPPROTO_UDP },
        { AF_INET6, SOCK_STREAM, IPPROTO_TCP, IPPROTO_TCP },
        { AF_UNIX, SOCK_STREAM, 0, 0 },
        { AF_UNIX, SOCK_SEQPACKET, 0, 0 },
        { AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0, IPPROTO_TCP },
};

START_TEST(test_attributes)
{
        int fd, v;

        fd = sb_socket(attribute_cases[_i].family, attribute_cases[_i].type,
                       attribute_cases[_i].protocol);
        if (fd < 0 && errno == EAFNOSUPPORT)
                return;
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(sb_getsockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &v), 0);
        ck_assert_int_eq(v, attribute_cases[_i].family);
        /* As in the reference, the type has no SOCK_NONBLOCK in it. */
        ck_assert_int_eq(sb_getsockopt_int(fd, SOL_SOCKET, SO_TYPE, &v), 0);
        ck_assert_int_eq(v, attribute_cases[_i].type & ~SOCK_NONBLOCK);
        ck_assert_int_eq(sb_getsockopt_int(fd, SOL_SOCKET, SO_PROTOCOL, &v), 0);
        ck_assert_int_eq(v, attribute_cases[_i].want_protocol);
        close(fd);
}
END_TEST

START_TEST(test_sockopt_forms)
{
        struct linger lg = { .l_onoff = 1, .l_linger = 7 }, got = {};
        socklen_t len = sizeof(got);
        int fd, v;

        fd = sb_socket(AF_INET, SOCK_STREAM, 0);
        /* int */
        ck_assert_int_eq(sb_setsockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
        ck_assert_int_eq(sb_getsockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE, &v), 0);
        ck_assert_int_eq(v, 1);
        /* buffer */
        ck_assert_int_eq(sb_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
        ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_LINGER, &got, &len), 0);
        ck_assert_int_eq(got.l_linger, 7);
        /* NULL and a length: SO_BINDTODEVICE with none unbinds. */
        ck_assert_int_eq(sb_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, NULL, 0), 0);
        /* Errors the broker cannot help with come back unchanged. */
        ck_assert_int_eq(sb_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, 1), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_getsockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE, NULL), -1);
        ck_assert_int_eq(errno, EINVAL);
        close(fd);
}
END_TEST

static void unprivileged_fallbacks(void)
{
        struct sockaddr_storage ss;
        socklen_t len = loopback_addr(AF_INET, 80, &ss);
        int fd = sb_socket(AF_INET, SOCK_STREAM, 0);

        if (fd < 0)
                _exit(10);
        /* The kernel refuses, the broker is absent: the kernel's errno. */
        if (sb_bind(fd, (struct sockaddr *)&ss, len) != -1 || errno != EACCES)
                _exit(11);
        if (strstr(sb_broker_message(), "cannot reach") == NULL)
                _exit(12);
        if (sb_setsockopt_int(fd, SOL_SOCKET, SO_MARK, 42) != -1 || errno != EPERM)
                _exit(13);
        if (sb_setsockopt_int(fd, SOL_SOCKET, SO_PRIORITY, 7) != -1 || errno != EPERM)
                _exit(14);
        /* Allowed without privilege: no broker involved. */
        if (sb_setsockopt_int(fd, SOL_SOCKET, SO_PRIORITY, 6) != 0)
                _exit(15);
        if (sb_create_server("127.0.0.1", 80, AF_INET, 0, 0) != -1 || errno != EACCES)
                _exit(16);
        close(fd);
}

START_TEST(test_broker_fallback_keeps_kernel_errno)
{
        int port_start = 1024;
        FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");

        if (f) {
                if (fscanf(f, "%d", &port_start) != 1)
                        port_start = 1024;
                fclose(f);
        }
        if (port_start <= 80)
                return;         /* port 80 is not privileged here */
        ck_assert_int_eq(run_unprivileged(unprivileged_fallbacks), 0);
}
END_TEST

START_TEST(test_listen_default_backlog)
{
        struct sockaddr_storage ss;
        struct tcp_info ti;
        socklen_t len = loopback_addr(AF_INET, 0, &ss), tlen = sizeof(ti);
        int fd = sb_socket(AF_INET, SOCK_STREAM, 0);

        ck_assert_int_eq(sb_bind(fd, (struct sockaddr *)&ss, len), 0);
        ck_assert_int_eq(sb_listen(fd, -1), 0);
        /* A listening socket's tcpi_sacked is its backlog. */
        ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
        ck_assert_uint_eq(ti.tcpi_sacked, SB_LISTEN_BACKLOG);
        ck_assert_int_eq(sb_listen(fd, 3), 0);
        ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
        ck_assert_uint_eq(ti.tcpi_sacked, 3);
        close(fd);
}
END_TEST

/* ---- makefile, sendfile ------------------------------------------------- */

START_TEST(test_makefile)
{
        char line[64] = "";
        FILE *w, *r;
        int sv[2];

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        w = sb_makefile(sv[0], "wb");
        r = sb_makefile(sv[1], NULL);
        ck_assert_ptr_nonnull(w);
        ck_assert_ptr_nonnull(r);
        ck_assert(fd_is_cloexec(fileno(w)));
        ck_assert_int_ne(fileno(w), sv[0]);
        ck_assert_int_ge(fprintf(w, "hello %d\n", 42), 0);
        ck_assert_int_eq(fclose(w), 0);
        /* Closing the stream leaves the socket open. */
        ck_assert(fd_is_open(sv[0]));
        ck_assert_ptr_nonnull(fgets(line, sizeof(line), r));
        ck_assert_str_eq(line, "hello 42\n");
        ck_assert_int_eq(fclose(r), 0);
        ck_assert(fd_is_open(sv[1]));

        errno = 0;
        ck_assert_ptr_null(sb_makefile(sv[0], "a"));
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_ptr_null(sb_makefile(-1, "r"));
        ck_assert_int_eq(errno, EBADF);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

static int temp_file_with(const char *data, size_t len)
{
        char path[] = "/tmp/sb-check-sendfile-XXXXXX";
        int fd = mkostemp(path, O_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
        return fd;
}

static const struct {
        uint64_t offset, count;
        const char *want;
} sendfile_cases[] = {
        { 0, 0, "The quick brown fox" },
        { 4, 0, "quick brown fox" },
        { 4, 5, "quick" },
        { 16, 100, "fox" },
        { 19, 0, "" },
        { 100, 0, "" },
};

START_TEST(test_sendfile_regular)
{
        const char *data = "The quick brown fox";
        char buf[64] = "";
        uint64_t sent = 99;
        int sv[2], f;
        ssize_t n;

        f = temp_file_with(data, strlen(data));
        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        ck_assert_int_eq(sb_sendfile(sv[0], f, sendfile_cases[_i].offset, sendfile_cases[_i].count,
                                     &sent),
                         0);
        ck_assert_uint_eq(sent, strlen(sendfile_cases[_i].want));
        /* The file's position is offset + sent, as in the reference. */
        ck_assert_int_eq(lseek(f, 0, SEEK_CUR), (off_t)(sendfile_cases[_i].offset + sent));
        close(sv[0]);
        n = sb_recv(sv[1], buf, sizeof(buf) - 1, MSG_WAITALL);
        ck_assert_int_eq(n, (ssize_t)sent);
        ck_assert_str_eq(buf, sendfile_cases[_i].want);
        close(sv[1]);
        close(f);
}
END_TEST

START_TEST(test_sendfile_fallback_and_errors)
{
        char buf[64] = "";
        uint64_t sent = 0;
        int sv[2], p[2], f;

        ck_assert_int_eq(sb_socketpair(0, 0, 0, sv), 0);
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        ck_assert_int_eq(write(p[1], "through a pipe", 14), 14);
        close(p[1]);
        /* Not a regular file: read and send. */
        ck_assert_int_eq(sb_sendfile(sv[0], p[0], 0, 7, &sent), 0);
        ck_assert_uint_eq(sent, 7);
        ck_assert_int_eq(sb_sendfile(sv[0], p[0], 0, 0, &sent), 0);
        ck_assert_uint_eq(sent, 7);
        ck_assert_int_eq(sb_recv(sv[1], buf, 14, MSG_WAITALL), 14);
        ck_assert_str_eq(buf, "through a pipe");
        /* A pipe cannot start anywhere but where it is. */
        ck_assert_int_eq(sb_sendfile(sv[0], p[0], 3, 0, &sent), -1);
        ck_assert_int_eq(errno, ESPIPE);
        close(p[0]);

        f = temp_file_with("x", 1);
        ck_assert_int_eq(sb_setblocking(sv[0], 0), 0);
        ck_assert_int_eq(sb_sendfile(sv[0], f, 0, 0, &sent), -1);
        ck_assert_int_eq(errno, EINVAL);
        close(sv[0]);
        close(sv[1]);
        ck_assert_int_eq(sb_socketpair(0, SOCK_DGRAM, 0, sv), 0);
        ck_assert_int_eq(sb_sendfile(sv[0], f, 0, 0, &sent), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_sendfile(sv[0], f, UINT64_MAX, 0, &sent), -1);
        ck_assert_int_eq(errno, EINVAL);
        close(sv[0]);
        close(sv[1]);
        close(f);
}
END_TEST

/* A file sent to a peer that has gone: EPIPE, as every send here, never
 * SIGPIPE, whose default action would end this process; and the calling
 * thread's signal mask as it was. */
START_TEST(test_sendfile_epipe_not_sigpipe)
{
        char path[] = "/tmp/sb-sendfile-XXXXXX";
        sigset_t before, after, pending;
        uint64_t sent = 1;
        int sv[2], f;

        ck_assert_ptr_ne(signal(SIGPIPE, SIG_DFL), SIG_ERR);
        f = mkostemp(path, O_CLOEXEC);
        ck_assert_int_ge(f, 0);
        unlink(path);
        ck_assert_int_eq(ftruncate(f, 1 << 20), 0);
        ck_assert_int_eq(sb_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        close(sv[1]);

        ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &before), 0);
        ck_assert_int_eq(sb_sendfile(sv[0], f, 0, 0, &sent), -1);
        ck_assert_int_eq(errno, EPIPE);
        ck_assert_uint_eq(sent, 0);
        ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &after), 0);
        ck_assert(!sigismember(&after, SIGPIPE));
        ck_assert_int_eq(sigismember(&before, SIGPIPE), sigismember(&after, SIGPIPE));
        ck_assert_int_eq(sigpending(&pending), 0);
        ck_assert(!sigismember(&pending, SIGPIPE));

        /* A SIGPIPE the caller had pending, blocked, is left to the caller. */
        {
                sigset_t pipe;

                sigemptyset(&pipe);
                sigaddset(&pipe, SIGPIPE);
                ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &pipe, NULL), 0);
                ck_assert_int_eq(raise(SIGPIPE), 0);
                ck_assert_int_eq(sb_sendfile(sv[0], f, 0, 0, NULL), -1);
                ck_assert_int_eq(errno, EPIPE);
                ck_assert_int_eq(sigpending(&pending), 0);
                ck_assert(sigismember(&pending, SIGPIPE));
                ck_assert_int_eq(sigwaitinfo(&pipe, NULL), SIGPIPE);
                ck_assert_int_eq(pthread_sigmask(SIG_UNBLOCK, &pipe, NULL), 0);
        }
        close(sv[0]);
        close(f);
}
END_TEST

START_TEST(test_sendmsg_afalg)
{
        char data[] = "0123456789abcdef";
        struct iovec iov = { .iov_base = data, .iov_len = 16 };
        int fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        if (fd < 0) {
                /* No AF_ALG in this kernel; afalg_control() is tested above. */
                ck_assert_int_eq(errno, EAFNOSUPPORT);
                ck_assert_int_eq(sb_sendmsg_afalg(-1, &iov, 1, ALG_OP_ENCRYPT, NULL, 0, -1, 0), -1);
                ck_assert_int_eq(errno, EBADF);
                return;
        }
        {
                struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "skcipher",
                                           .salg_name = "cbc(aes)" };
                unsigned char key[16] = {}, iv[16] = {}, out[16];
                int op;

                ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
                ck_assert_int_eq(setsockopt(fd, SOL_ALG, ALG_SET_KEY, key, sizeof(key)), 0);
                op = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                ck_assert_int_ge(op, 0);
                ck_assert_int_eq(sb_sendmsg_afalg(op, &iov, 1, ALG_OP_ENCRYPT, iv, sizeof(iv), -1, 0),
                                 16);
                ck_assert_int_eq(sb_recv(op, out, sizeof(out), 0), 16);
                close(op);
        }
        close(fd);
}
END_TEST

/* ---- create_connection, create_server ------------------------------------ */

START_TEST(test_create_server_and_connection)
{
        char text[SB_ADDR_STRLEN], want[SB_ADDR_STRLEN];
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        uint16_t port;
        int s, c, a, v;
        double t;

        s = sb_create_server("127.0.0.1", 0, AF_INET, 0, 0);
        ck_assert_int_ge(s, 0);
        ck_assert(fd_is_cloexec(s));
        ck_assert_int_eq(sb_getsockopt_int(s, SOL_SOCKET, SO_REUSEADDR, &v), 0);
        ck_assert_int_eq(v, 1);
        ck_assert_int_eq(sb_getsockopt_int(s, SOL_SOCKET, SO_REUSEPORT, &v), 0);
        ck_assert_int_eq(v, 0);
        ck_assert_int_eq(sb_getsockopt_int(s, SOL_SOCKET, SO_ACCEPTCONN, &v), 0);
        ck_assert_int_eq(v, 1);
        ck_assert_int_eq(getsockname(s, (struct sockaddr *)&ss, &len), 0);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);

        c = sb_create_connection("127.0.0.1", port, 1.5, NULL, 0, 0, NULL, NULL);
        ck_assert_int_ge(c, 0);
        ck_assert(fd_is_cloexec(c));
        /* The timeout given is the socket's. */
        ck_assert_int_eq(sb_gettimeout(c, &t), 0);
        ck_assert(t == 1.5);
        a = sb_accept(s, NULL, NULL, 0);
        ck_assert_int_ge(a, 0);
        ck_assert_int_eq(sb_getpeername_text(a, text, sizeof(text)), 0);
        ck_assert_int_eq(sb_getsockname_text(c, want, sizeof(want)), 0);
        ck_assert_str_eq(text, want);
        close(a);
        close(c);

        /* A source address, of the same family. */
        c = sb_create_connection("127.0.0.1", port, SB_TIMEOUT_NONE, "127.0.0.1", 0, 0, NULL, NULL);
        ck_assert_int_ge(c, 0);
        ck_assert_int_eq(sb_gettimeout(c, &t), 0);
        ck_assert(t == -1.0);
        ck_assert_int_eq(sb_getsockname_text(c, text, sizeof(text)), 0);
        ck_assert(strncmp(text, "127.0.0.1:", 10) == 0);
        close(c);
        close(s);
}
END_TEST

START_TEST(test_create_connection_all_errors)
{
        struct sb_attempt attempts[4];
        size_t n;
        uint16_t port;
        int l, c, family;
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
        size_t n_addr = 0;
        char msg[SB_STRERROR_MAX];

        /* A port nothing listens on, on every address of "localhost". */
        l = tcp_listener(AF_INET, 1, &port);
        close(l);
        ck_assert_int_eq(getaddrinfo("localhost", NULL, &hints, &res), 0);
        for (ai = res; ai; ai = ai->ai_next)
                n_addr++;
        family = res->ai_family;
        freeaddrinfo(res);

        n = ELEMENTSOF(attempts);
        c = sb_create_connection("localhost", port, 2.0, NULL, 0, SB_ALL_ERRORS, attempts, &n);
        ck_assert_int_eq(c, -1);
        ck_assert_uint_eq(n, n_addr);
        ck_assert_uint_le(n, ELEMENTSOF(attempts));
        /* errno is the last attempt's error, as in the reference. */
        ck_assert_int_eq(errno, attempts[n - 1].error);
        for (size_t i = 0; i < n && i < ELEMENTSOF(attempts); i++) {
                ck_assert_msg(attempts[i].error == ECONNREFUSED ||
                                      attempts[i].error == EADDRNOTAVAIL ||
                                      attempts[i].error == ENETUNREACH,
                              "attempt %zu: %s", i,
                              sb_strerror(attempts[i].error, msg, sizeof(msg)));
                ck_assert(strchr(attempts[i].address, ':') != NULL);
        }
        if (family == AF_INET)
                ck_assert(strncmp(attempts[0].address, "127.0.0.1:", 10) == 0);

        /* Without SB_ALL_ERRORS: the last attempt only. */
        n = ELEMENTSOF(attempts);
        ck_assert_int_eq(sb_create_connection("localhost", port, 2.0, NULL, 0, 0, attempts, &n), -1);
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(errno, attempts[0].error);

        /* Capacity 1 with SB_ALL_ERRORS: the count is of all of them. */
        n = 1;
        ck_assert_int_eq(sb_create_connection("localhost", port, 2.0, NULL, 0, SB_ALL_ERRORS,
                                              attempts, &n),
                         -1);
        ck_assert_uint_eq(n, n_addr);
}
END_TEST

START_TEST(test_create_connection_errors)
{
        struct sb_attempt attempts[2];
        char msg[SB_STRERROR_MAX];
        size_t n = ELEMENTSOF(attempts);

        /* A name that cannot resolve (not even reaching DNS). */
        ck_assert_int_eq(sb_create_connection("bad host!", 80, 1.0, NULL, 0, SB_ALL_ERRORS,
                                              attempts, &n),
                         -1);
        ck_assert_int_eq(errno, SB_EAI_ERRNO(EAI_NONAME));
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(attempts[0].error, SB_EAI_ERRNO(EAI_NONAME));
        ck_assert_str_eq(attempts[0].address, "");
        ck_assert_str_eq(sb_strerror(attempts[0].error, msg, sizeof(msg)), gai_strerror(EAI_NONAME));

        /* A port that is no service of services(5): the resolver's own
         * error, with no name server asked. */
        n = ELEMENTSOF(attempts);
        ck_assert_int_eq(sb_create_connection_service("127.0.0.1", "no-such-service", 1.0, NULL,
                                                      NULL, 0, attempts, &n),
                         -1);
        ck_assert_int_eq(errno, SB_EAI_ERRNO(EAI_SERVICE));
        ck_assert_str_eq(sb_strerror(errno, msg, sizeof(msg)), gai_strerror(EAI_SERVICE));
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(attempts[0].error, SB_EAI_ERRNO(EAI_SERVICE));

        ck_assert_int_eq(sb_create_connection("127.0.0.1", 80, 1.0, NULL, 0, 0x100, NULL, NULL), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_create_connection("127.0.0.1", 80, 1.0, NULL, 0, 0, attempts, NULL), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_create_connection("127.0.0.1", 80, NAN, NULL, 0, 0, NULL, NULL), -1);
        ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_create_connection_timeout)
{
        int l, first, c;
        uint16_t port;
        int64_t start;
        struct sb_attempt attempt;
        size_t n = 1;

        l = tcp_listener(AF_INET, 0, &port);
        first = sb_create_connection("127.0.0.1", port, 1.0, NULL, 0, 0, NULL, NULL);
        ck_assert_int_ge(first, 0);
        start = now_usec();
        c = sb_create_connection("127.0.0.1", port, 0.2, NULL, 0, 0, &attempt, &n);
        ck_assert_int_eq(c, -1);
        ck_assert_int_eq(errno, ETIMEDOUT);
        ck_assert_elapsed(start, 0.15, 3.0);
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(attempt.error, ETIMEDOUT);
        close(first);
        close(l);
}
END_TEST

START_TEST(test_create_server_ipv6)
{
        char text[SB_ADDR_STRLEN];
        struct sockaddr_in6 sin6;
        socklen_t len = sizeof(sin6);
        int s, c, a, v;

        if (!sb_has_dualstack_ipv6())
                return;
        s = sb_create_server(NULL, 0, AF_INET6, 4, SB_DUALSTACK_IPV6 | SB_REUSE_PORT);
        ck_assert_int_ge(s, 0);
        ck_assert_int_eq(sb_getsockopt_int(s, IPPROTO_IPV6, IPV6_V6ONLY, &v), 0);
        ck_assert_int_eq(v, 0);
        ck_assert_int_eq(sb_getsockopt_int(s, SOL_SOCKET, SO_REUSEPORT, &v), 0);
        ck_assert_int_eq(v, 1);
        ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin6, &len), 0);

        /* IPv4 reaches it, seen as an IPv4-mapped IPv6 address. */
        c = sb_create_connection("127.0.0.1", ntohs(sin6.sin6_port), 2.0, NULL, 0, 0, NULL, NULL);
        ck_assert_int_ge(c, 0);
        a = sb_accept(s, NULL, NULL, 0);
        ck_assert_int_ge(a, 0);
        ck_assert_int_eq(sb_getpeername_text(a, text, sizeof(text)), 0);
        ck_assert(strncmp(text, "[::ffff:127.0.0.1]:", 19) == 0);
        close(a);
        close(c);
        c = sb_create_connection("::1", ntohs(sin6.sin6_port), 2.0, NULL, 0, 0, NULL, NULL);
        ck_assert_int_ge(c, 0);
        close(c);
        close(s);

        /* Without the flag, IPv6 only. */
        s = sb_create_server("::1", 0, AF_INET6, 0, 0);
        ck_assert_int_ge(s, 0);
        ck_assert_int_eq(sb_getsockopt_int(s, IPPROTO_IPV6, IPV6_V6ONLY, &v), 0);
        ck_assert_int_eq(v, 1);
        close(s);
}
END_TEST

START_TEST(test_create_server_errors)
{
        struct tcp_info ti;
        socklen_t tlen = sizeof(ti);
        int s;
        double t;

        ck_assert_int_eq(sb_create_server(NULL, 0, AF_INET, 0, SB_DUALSTACK_IPV6), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_create_server(NULL, 0, AF_INET, 0, 0x80), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(sb_create_server(NULL, 0, AF_UNIX, 0, 0), -1);
        ck_assert_int_eq(errno, EAFNOSUPPORT);
        ck_assert_int_eq(sb_create_server("bad host!", 0, AF_INET, 0, 0), -1);
        ck_assert_int_eq(errno, SB_EAI_ERRNO(EAI_NONAME));
        /* A flag of another function is not one of this one's. */
        ck_assert_int_eq(sb_create_server(NULL, 0, AF_INET, 0, SB_ALL_ERRORS), -1);
        ck_assert_int_eq(errno, EINVAL);

        /* Family 0 is AF_INET; backlog 0 the default; the default timeout. */
        ck_assert_int_eq(sb_setdefaulttimeout(3.0), 0);
        s = sb_create_server("", 0, 0, 0, 0);
        ck_assert_int_ge(s, 0);
        ck_assert_int_eq(getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
        ck_assert_uint_eq(ti.tcpi_sacked, SB_LISTEN_BACKLOG);
        ck_assert_int_eq(sb_gettimeout(s, &t), 0);
        ck_assert(t == 3.0);
        close(s);
}
END_TEST

/* ---- netinfo ------------------------------------------------------------------ */

START_TEST(test_if_names)
{
        struct sb_if_nameindex *list = NULL;
        char name[SB_IF_NAMESIZE];
        size_t n = 0;
        bool found = false;
        int lo;

        lo = sb_if_nametoindex("lo");
        ck_assert_int_gt(lo, 0);
        ck_assert_int_eq((unsigned)lo, if_nametoindex("lo"));
        ck_assert_int_eq(sb_if_indextoname((unsigned)lo, name, sizeof(name)), 0);
        ck_assert_str_eq(name, "lo");
        ck_assert_int_eq(sb_if_indextoname((unsigned)lo, name, 2), -1);
        ck_assert_int_eq(errno, ENOSPC);
        ck_assert_str_eq(name, "");
        ck_assert_int_eq(sb_if_indextoname(0, name, sizeof(name)), -1);
        ck_assert_int_eq(errno, ENXIO);
        ck_assert_int_eq(sb_if_indextoname(0x7ffffff0, name, sizeof(name)), -1);
        ck_assert_int_eq(errno, ENXIO);

        ck_assert_int_eq(sb_if_nametoindex("nosuchif0"), -1);
        ck_assert_int_eq(errno, ENODEV);
        ck_assert_int_eq(sb_if_nametoindex("a-name-much-too-long-for-an-interface"), -1);
        ck_assert_int_eq(errno, ENODEV);
        ck_assert_int_eq(sb_if_nametoindex(""), -1);
        ck_assert_int_eq(errno, ENODEV);
        ck_assert_int_eq(sb_if_nametoindex(NULL), -1);
        ck_assert_int_eq(errno, EINVAL);

        ck_assert_int_eq(sb_if_nameindex(&list, &n), 0);
        ck_assert_uint_gt(n, 0);
        for (size_t i = 0; i < n; i++) {
                ck_assert_uint_gt(list[i].index, 0);
                if (streq(list[i].name, "lo"))
                        found = list[i].index == (unsigned)lo;
        }
        ck_assert(found);
        ck_assert_uint_eq(list[n].index, 0);
        ck_assert_str_eq(list[n].name, "");
        ck_assert_ptr_null(sb_if_nameindex_free(list));
        ck_assert_ptr_null(sb_if_nameindex_free(NULL));
        ck_assert_int_eq(sb_if_nameindex(NULL, &n), -1);
        ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_getfqdn)
{
        char buf[SB_FQDN_MAX], big[SB_FQDN_MAX + 8];

        ck_assert_int_eq(sb_getfqdn("localhost", buf, sizeof(buf)), 0);
        ck_assert_msg(strstr(buf, "localhost") || strchr(buf, '.'), "got %s", buf);
        ck_assert_int_eq(sb_getfqdn("  localhost\t", buf, sizeof(buf)), 0);
        ck_assert_msg(strstr(buf, "localhost") || strchr(buf, '.'), "got %s", buf);
        ck_assert_int_eq(sb_getfqdn(NULL, buf, sizeof(buf)), 0);
        ck_assert_uint_gt(strlen(buf), 0);
        ck_assert_int_eq(sb_getfqdn("0.0.0.0", buf, sizeof(buf)), 0);
        ck_assert_uint_gt(strlen(buf), 0);
        /* A name that does not resolve comes back unchanged. */
        ck_assert_int_eq(sb_getfqdn("bad host!", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "bad host!");

        ck_assert_int_eq(sb_getfqdn("bad host!", buf, 4), -1);
        ck_assert_int_eq(errno, ENOSPC);
        ck_assert_str_eq(buf, "");
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        ck_assert_int_eq(sb_getfqdn(big, buf, sizeof(buf)), -1);
        ck_assert_int_eq(errno, ENAMETOOLONG);
        ck_assert_int_eq(sb_getfqdn("x", NULL, 4), -1);
        ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_strerror)
{
        char buf[SB_STRERROR_MAX], small[8];

        ck_assert_str_eq(sb_strerror(ETIMEDOUT, buf, sizeof(buf)), strerror(ETIMEDOUT));
        ck_assert_str_eq(sb_strerror(EAI_AGAIN, buf, sizeof(buf)), gai_strerror(EAI_AGAIN));
        ck_assert_str_eq(sb_strerror(SB_EAI_ERRNO(EAI_AGAIN), buf, sizeof(buf)),
                         gai_strerror(EAI_AGAIN));
        ck_assert_str_eq(sb_strerror(0, buf, sizeof(buf)), strerror(0));
        ck_assert_uint_gt(strlen(sb_strerror(99999, buf, sizeof(buf))), 0);
        ck_assert_ptr_eq(sb_strerror(EPERM, small, sizeof(small)), small);
        ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
        ck_assert_str_eq(sb_strerror(EPERM, NULL, 10), "");
        ck_assert_str_eq(sb_strerror(EPERM, buf, 0), "");
}
END_TEST

Suite *make_socket_api_suite(void)
{
        Suite *s = suite_create("socket-api");
        TCase *tc;

        tc = tcase_create("pure");
        tcase_add_loop_test(tc, test_timeout_from_seconds, 0, (int)ELEMENTSOF(timeout_cases));
        tcase_add_test(tc, test_listen_backlog);
        tcase_add_loop_test(tc, test_eai_error, 0, (int)ELEMENTSOF(eai_cases));
        tcase_add_loop_test(tc, test_makefile_mode, 0, (int)ELEMENTSOF(makefile_cases));
        tcase_add_loop_test(tc, test_cmsg_sizes, 0, (int)ELEMENTSOF(cmsg_cases));
        tcase_add_loop_test(tc, test_cmsg_take_fds, 0, (int)ELEMENTSOF(take_cases));
        tcase_add_test(tc, test_cmsg_take_fds_empty);
        tcase_add_test(tc, test_afalg_control);
        suite_add_tcase(s, tc);

        tc = tcase_create("modes");
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, test_default_timeout);
        tcase_add_loop_test(tc, test_settimeout_in_kernel, 0, (int)ELEMENTSOF(mode_cases));
        tcase_add_test(tc, test_settimeout_errors);
        tcase_add_test(tc, test_socketpair);
        tcase_add_test(tc, test_fromfd);
        tcase_add_test(tc, test_dup);
        tcase_add_test(tc, test_socket_default_timeout);
        tcase_add_test(tc, test_has_ipv6);
        tcase_add_test(tc, test_flags_distinct);
        suite_add_tcase(s, tc);

        tc = tcase_create("methods");
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_accept_modes);
        tcase_add_test(tc, test_connect_ex);
        tcase_add_test(tc, test_recvfrom_sendto);
        tcase_add_test(tc, test_send_epipe_not_sigpipe);
        tcase_add_test(tc, test_sendall_complete);
        tcase_add_test(tc, test_sendall_nonblocking);
        tcase_add_test(tc, test_recvmsg_into_example);
        tcase_add_test(tc, test_sendmsg_gather_with_ancillary);
        tcase_add_test(tc, test_send_recv_fds);
        tcase_add_test(tc, test_recv_fds_truncated);
        tcase_add_test(tc, test_name_text);
        tcase_add_loop_test(tc, test_attributes, 0, (int)ELEMENTSOF(attribute_cases));
        tcase_add_test(tc, test_sockopt_forms);
        tcase_add_test(tc, test_broker_fallback_keeps_kernel_errno);
        tcase_add_test(tc, test_listen_default_backlog);
        tcase_add_test(tc, test_makefile);
        tcase_add_loop_test(tc, test_sendfile_regular, 0, (int)ELEMENTSOF(sendfile_cases));
        tcase_add_test(tc, test_sendfile_fallback_and_errors);
        tcase_add_test(tc, test_sendfile_epipe_not_sigpipe);
        tcase_add_test(tc, test_sendmsg_afalg);
        suite_add_tcase(s, tc);

        tc = tcase_create("create");
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_create_server_and_connection);
        tcase_add_test(tc, test_create_connection_all_errors);
        tcase_add_test(tc, test_create_connection_errors);
        tcase_add_test(tc, test_create_server_ipv6);
        tcase_add_test(tc, test_create_server_errors);
        suite_add_tcase(s, tc);

        tc = tcase_create("netinfo");
        tcase_add_test(tc, test_if_names);
        tcase_add_test(tc, test_getfqdn);
        tcase_add_test(tc, test_strerror);
        suite_add_tcase(s, tc);

        return s;
}

/*
 * The cases that hold a call to the clock: timeouts that must expire
 * within bounds, and signals that must not restart them. They have a
 * runner of their own, tests/check-socket-timing, so that a loaded
 * machine can only fail these.
 */
Suite *make_socket_timing_suite(void)
{
        Suite *s = suite_create("socket-timing");
        TCase *tc = tcase_create("clock");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_accept_timeout);
        tcase_add_loop_test(tc, test_connect_timeout_backlog_full, 0,
                            (int)ELEMENTSOF(connect_full_families));
        tcase_add_test(tc, test_connect_eintr);
        tcase_add_test(tc, test_recv_modes);
        tcase_add_test(tc, test_recv_timeout_with_signals);
        tcase_add_test(tc, test_recv_blocking_with_signals);
        tcase_add_test(tc, test_sendall_deadline);
        tcase_add_test(tc, test_sendfile_timeout_with_signals);
        tcase_add_test(tc, test_recv_fds_timeout);
        tcase_add_test(tc, test_create_connection_timeout);
        suite_add_tcase(s, tc);
        return s;
}
