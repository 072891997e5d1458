/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timeout.c - the reference's socket modes, kept in the kernel, and the
 * loop every waiting call of the socket API mirror goes through.
 *
 * Python keeps a socket's timeout in its socket object and puts the
 * descriptor in non-blocking mode. A library that works on plain
 * descriptors has no object to keep it in, and other code holding the
 * same descriptor should see the same mode. So the mode lives where every
 * holder can read it:
 *
 *   blocking      O_NONBLOCK clear, SO_RCVTIMEO = SO_SNDTIMEO = 0 (forever)
 *   non-blocking  O_NONBLOCK set, both timeouts 0
 *   timeout t     O_NONBLOCK clear, SO_RCVTIMEO = SO_SNDTIMEO = t
 *
 * A plain recv(2) or send(2) on a socket in timeout mode is then bounded
 * by the kernel and fails with EAGAIN. The sb_* calls read the mode on
 * each call, and in timeout mode do what CPython does: run the call with
 * MSG_DONTWAIT and poll(2) for the time left until one deadline. A signal
 * (EINTR, retried as PEP 475 asks) therefore never restarts the clock,
 * which retrying a blocking call with a kernel timeout would, and expiry
 * is reported as ETIMEDOUT rather than EAGAIN. Reading the mode costs an
 * fcntl(2) and a getsockopt(2) per call; that is the price of keeping no
 * state of our own.
 *
 * The kernel stores timeouts in clock ticks, so sb_gettimeout() returns
 * the value rounded up to a tick (1 to 10 ms).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "client-lib/socket/socket-internal.h"
#include "common/util.h"
#include "sockbroker/socket.h"

#define USEC_PER_SEC INT64_C(1000000)

/* The default timeout in microseconds, -1 for none. A plain int64_t
 * read and written atomically: one word, no ordering with anything. */
static int64_t default_timeout = -1;

int timeout_from_seconds(double seconds, int64_t *ret_usec)
{
        double usec;
        int64_t v;

        if (isnan(seconds))
                return -EINVAL;
        if (seconds < 0) {
                *ret_usec = -1;
                return 0;
        }
        if (seconds > SB_TIMEOUT_MAX)
                return -ERANGE;

        /* Round up: a positive timeout must not become 0, which is
         * non-blocking here and "forever" to SO_RCVTIMEO. */
        usec = seconds * (double)USEC_PER_SEC;
        v = (int64_t)usec;
        if ((double)v < usec)
                v++;
        *ret_usec = v;
        return 0;
}

double timeout_to_seconds(int64_t usec)
{
        if (usec < 0)
                return SB_TIMEOUT_NONE;
        return (double)usec / (double)USEC_PER_SEC;
}

int64_t now_usec(void)
{
        struct timespec ts;

        /* CLOCK_MONOTONIC cannot fail with a valid pointer. */
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int get_kernel_timeout(int fd, int optname, int64_t *ret_usec)
{
        struct timeval tv = {};
        socklen_t len = sizeof(tv);
        int64_t max = (int64_t)SB_TIMEOUT_MAX * USEC_PER_SEC;

        if (getsockopt(fd, SOL_SOCKET, optname, &tv, &len) < 0)
                return negative_errno();
        if (len != sizeof(tv) || tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= USEC_PER_SEC)
                return -EIO;
        /* Someone else may have set more than we allow; clamp, so the
         * deadline arithmetic cannot overflow. */
        if (tv.tv_sec >= (time_t)SB_TIMEOUT_MAX)
                *ret_usec = max;
        else
                *ret_usec = (int64_t)tv.tv_sec * USEC_PER_SEC + tv.tv_usec;
        return 0;
}

int sockwait_init(SockWait *w, int fd, int optname)
{
        int64_t usec;
        int flags, r;

        flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return negative_errno();
        if (flags & O_NONBLOCK) {
                *w = (SockWait){ .mode = SOCK_MODE_NONBLOCKING, .timeout_usec = 0, .deadline_usec = -1 };
                return 0;
        }

        r = get_kernel_timeout(fd, optname, &usec);
        if (r < 0)
                return r;
        if (usec == 0)
                *w = (SockWait){ .mode = SOCK_MODE_BLOCKING, .timeout_usec = -1, .deadline_usec = -1 };
        else
                *w = (SockWait){
                        .mode = SOCK_MODE_TIMEOUT,
                        .timeout_usec = usec,
                        .deadline_usec = now_usec() + usec,
                };
        return 0;
}

int sock_set_timeout(int fd, int64_t usec)
{
        struct timeval tv = {};
        int flags, want;

        if (usec > 0) {
                tv.tv_sec = (time_t)(usec / USEC_PER_SEC);
                tv.tv_usec = (suseconds_t)(usec % USEC_PER_SEC);
        }
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                return negative_errno();
        if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return negative_errno();

        flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return negative_errno();
        want = usec == 0 ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (want != flags && fcntl(fd, F_SETFL, want) < 0)
                return negative_errno();
        return 0;
}

int64_t default_timeout_usec(void)
{
        return __atomic_load_n(&default_timeout, __ATOMIC_RELAXED);
}

int sock_apply_default_timeout(int fd)
{
        int64_t usec = default_timeout_usec();

        /* A new socket is blocking already. */
        return usec < 0 ? 0 : sock_set_timeout(fd, usec);
}

int sock_wait(int fd, short events, int64_t deadline_usec)
{
        struct pollfd pfd = { .fd = fd, .events = events };

        for (;;) {
                int timeout_ms = -1, r;

                if (deadline_usec >= 0) {
                        int64_t left = deadline_usec - now_usec();

                        if (left <= 0)
                                return -ETIMEDOUT;
                        /* Round up, so poll() does not return just before
                         * the deadline and leave us spinning. */
                        left = (left + 999) / 1000;
                        timeout_ms = left > INT_MAX ? INT_MAX : (int)left;
                }

                r = poll(&pfd, 1, timeout_ms);
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return negative_errno();
                /* EINTR, or poll() timed out: the deadline decides. */
        }
}

ssize_t sockwait_run(SockWait *w, int fd, short events, sock_op_fn op, void *userdata)
{
        int extra = w->mode == SOCK_MODE_TIMEOUT ? MSG_DONTWAIT : 0;

        for (;;) {
                ssize_t n = op(fd, userdata, extra);
                int r;

                if (n >= 0)
                        return n;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN || w->mode != SOCK_MODE_TIMEOUT)
                        return negative_errno();

                r = sock_wait(fd, events, w->deadline_usec);
                if (r < 0)
                        return r;
        }
}

SB_EXPORT int sb_settimeout(int fd, double seconds)
{
        int64_t usec;
        int r;

        r = timeout_from_seconds(seconds, &usec);
        if (r >= 0)
                r = sock_set_timeout(fd, usec);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        return 0;
}

SB_EXPORT int sb_gettimeout(int fd, double *ret_seconds)
{
        SockWait w;
        int r;

        if (!ret_seconds) {
                errno = EINVAL;
                return -1;
        }
        r = sockwait_init(&w, fd, SO_RCVTIMEO);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        *ret_seconds = timeout_to_seconds(w.timeout_usec);
        return 0;
}

SB_EXPORT int sb_setblocking(int fd, int blocking)
{
        int r = sock_set_timeout(fd, blocking ? -1 : 0);

        if (r < 0) {
                errno = -r;
                return -1;
        }
        return 0;
}

SB_EXPORT int sb_getblocking(int fd)
{
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0)
                return -1;
        return !(flags & O_NONBLOCK);
}

SB_EXPORT int sb_setdefaulttimeout(double seconds)
{
        int64_t usec;
        int r;

        r = timeout_from_seconds(seconds, &usec);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        __atomic_store_n(&default_timeout, usec, __ATOMIC_RELAXED);
        return 0;
}

SB_EXPORT double sb_getdefaulttimeout(void)
{
        return timeout_to_seconds(default_timeout_usec());
}
