/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockops.c - the socket methods of the mirror that set a socket up:
 * accept, bind, connect, listen, options, names; socketpair and fromfd.
 *
 * bind and setsockopt have a second path: when the kernel refuses one of
 * the few operations the broker can perform for us (a privileged port, a
 * device binding, a mark), the socket travels to the broker, which checks
 * its policy and performs exactly that operation on it. Which refusals
 * qualify is a pure decision the preload shim shares
 * (client-lib/broker/refusal.c). When the broker does
 * not help, the caller sees the kernel's errno, as if there were none.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/bt.h"
#include "client-lib/broker/client.h"
#include "client-lib/broker/refilter.h"
#include "client-lib/broker/refusal.h"
#include "client-lib/socket/socket-internal.h"
#include "common/util.h"
#include "sockbroker/sockbroker.h"
#include "sockbroker/socket.h"

static int fail(int r)
{
        errno = -r;
        return -1;
}

int listen_backlog(int backlog)
{
        return backlog < 0 ? SB_LISTEN_BACKLOG : backlog;
}

/* ---- accept ---------------------------------------------------------- */

SB_EXPORT int sb_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
        _cleanup_close_ int conn = -1;
        int64_t def;
        SockWait w;
        int r;

        if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
                return fail(-EINVAL);
        r = sockwait_init(&w, fd, SO_RCVTIMEO);
        if (r < 0)
                return fail(r);

        for (;;) {
                /*
                 * In timeout mode, wait for a connection first; accept4()
                 * has no MSG_DONTWAIT. Should another holder take the
                 * connection between the two, the kernel's SO_RCVTIMEO,
                 * which is this same timeout, still bounds accept4().
                 */
                if (w.mode == SOCK_MODE_TIMEOUT) {
                        r = sock_wait(fd, POLLIN, w.deadline_usec);
                        if (r < 0)
                                return fail(r);
                }
                conn = accept4(fd, sa, len, SOCK_CLOEXEC | (flags & SOCK_NONBLOCK));
                if (conn >= 0)
                        break;
                if (errno == EINTR || (errno == EAGAIN && w.mode == SOCK_MODE_TIMEOUT))
                        continue;
                return -1;
        }

        /*
         * The reference's rules for the new socket's mode. The kernel
         * copies SO_RCVTIMEO and SO_SNDTIMEO from the listening socket
         * (sk_clone_lock), so a listener in timeout mode would hand its
         * timeout on; the reference says blocking.
         */
        def = default_timeout_usec();
        r = 0;
        if (flags & SOCK_NONBLOCK) {
                if (w.mode == SOCK_MODE_TIMEOUT)
                        r = sock_set_timeout(conn, 0);
        } else if (def >= 0) {
                r = sock_set_timeout(conn, def);
        } else if (w.mode == SOCK_MODE_TIMEOUT) {
                r = sock_set_timeout(conn, -1);
        }
        if (r < 0)
                return fail(r);
        return TAKE_FD(conn);
}

/* ---- bind ------------------------------------------------------------ */

SB_EXPORT int sb_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
        int protocol = 0, saved, r;
        socklen_t plen = sizeof(protocol);

        if (bind(fd, sa, len) == 0)
                return 0;
        saved = errno;
        if (!sa || len < sizeof(sa_family_t))
                return -1;
        if (sa->sa_family == AF_BLUETOOTH &&
            getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &plen) < 0) {
                errno = saved;
                return -1;
        }
        if (!sb_refusal_bind(sa->sa_family, protocol, saved)) {
                errno = saved;
                return -1;
        }

        r = sb_client_bind(fd, sa, len);
        if (r < 0) {
                /* The broker's reason is in sb_broker_message(). */
                errno = saved;
                return -1;
        }
        return 0;
}

/* ---- connect --------------------------------------------------------- */

static int connect_finish(int fd, int64_t deadline_usec)
{
        socklen_t len = sizeof(int);
        int err = 0, r;

        r = sock_wait(fd, POLLOUT, deadline_usec);
        if (r < 0)
                return r;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                return negative_errno();
        return err > 0 ? -err : 0;
}

static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len, int64_t deadline)
{
        int flags, k, saved;

        /*
         * Non-blocking just for the connect(2) call, so the timeout is
         * ours to keep; the mode is back before we wait. Others holding
         * the socket may see O_NONBLOCK for the duration of one system
         * call: the reference's note that modes are shared applies.
         */
        flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return negative_errno();
        if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return negative_errno();
        k = connect(fd, sa, len);
        saved = errno;
        if (fcntl(fd, F_SETFL, flags) < 0)
                return negative_errno();
        if (k == 0)
                return 0;

        switch (saved) {
        case EINPROGRESS:
        case EINTR:
                return connect_finish(fd, deadline);
        case EAGAIN:
                /*
                 * AF_UNIX with the listener's backlog full. poll(2) cannot
                 * wait for room there (an unconnected socket is always
                 * writable); a blocking connect(2) can, bounded by
                 * SO_SNDTIMEO, which is this same timeout.
                 */
                for (;;) {
                        if (now_usec() >= deadline)
                                return -ETIMEDOUT;
                        if (connect(fd, sa, len) == 0)
                                return 0;
                        if (errno == EAGAIN)
                                return -ETIMEDOUT;
                        if (errno != EINTR)
                                return negative_errno();
                }
        default:
                return -saved;
        }
}

int sock_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
        bool interrupted = false;
        SockWait w;
        int r;

        /* The kernel bounds connect(2) by SO_SNDTIMEO. */
        r = sockwait_init(&w, fd, SO_SNDTIMEO);
        if (r < 0)
                return r;

        switch (w.mode) {
        case SOCK_MODE_NONBLOCKING:
                /* EINPROGRESS, and EINTR, are the caller's to handle. */
                return connect(fd, sa, len) < 0 ? negative_errno() : 0;
        case SOCK_MODE_TIMEOUT:
                return connect_timeout(fd, sa, len, w.deadline_usec);
        case SOCK_MODE_BLOCKING:
                /*
                 * PEP 475: wait for the connection to complete. Linux
                 * lets a blocking connect(2) be called again for that:
                 * TCP waits for the handshake under way and returns 0, or
                 * EISCONN if it completed meanwhile; AF_UNIX starts over.
                 */
                for (;;) {
                        if (connect(fd, sa, len) == 0)
                                return 0;
                        if (errno == EINTR) {
                                interrupted = true;
                                continue;
                        }
                        if (interrupted && errno == EISCONN)
                                return 0;
                        if (interrupted && errno == EALREADY)
                                return connect_finish(fd, -1);
                        return negative_errno();
                }
        }
        return -EINVAL;
}

SB_EXPORT int sb_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
        int r = sock_connect(fd, sa, len);

        return r < 0 ? fail(r) : 0;
}

SB_EXPORT int sb_connect_ex(int fd, const struct sockaddr *sa, socklen_t len)
{
        int r = sock_connect(fd, sa, len);

        if (r < 0) {
                errno = -r;
                return -r;
        }
        return 0;
}

/* ---- listen, names, options ------------------------------------------ */

SB_EXPORT int sb_listen(int fd, int backlog)
{
        return listen(fd, listen_backlog(backlog));
}

static int name_text(int fd, bool peer, char *buf, size_t size)
{
        struct sockaddr_storage ss = {};
        socklen_t len = sizeof(ss), plen = sizeof(int);
        int protocol = 0, r;

        if (!buf && size > 0)
                return fail(-EINVAL);
        if (size > 0)
                buf[0] = '\0';

        r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                 : getsockname(fd, (struct sockaddr *)&ss, &len);
        if (r < 0)
                return -1;
        if (len > sizeof(ss))
                return fail(-EINVAL);

        /* An unnamed AF_UNIX socket (socketpair, unbound) is "". */
        if (ss.ss_family == AF_UNIX && len <= offsetof(struct sockaddr_un, sun_path))
                return size > 0 ? 0 : fail(-ENOSPC);

        /* The protocol selects the form of these families only. */
        if ((ss.ss_family == AF_CAN || ss.ss_family == AF_BLUETOOTH) &&
            getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &plen) < 0)
                return -1;
        return sb_addr_format((struct sockaddr *)&ss, len, protocol, buf, size);
}

SB_EXPORT int sb_getsockname_text(int fd, char *buf, size_t size)
{
        return name_text(fd, false, buf, size);
}

SB_EXPORT int sb_getpeername_text(int fd, char *buf, size_t size)
{
        return name_text(fd, true, buf, size);
}

SB_EXPORT int sb_getsockopt_int(int fd, int level, int name, int *ret_value)
{
        unsigned char raw[sizeof(int)] = {};
        socklen_t len = sizeof(raw);
        int v;

        if (!ret_value)
                return fail(-EINVAL);
        if (getsockopt(fd, level, name, raw, &len) < 0)
                return -1;
        if (len == sizeof(int)) {
                memcpy(&v, raw, sizeof(v));
                *ret_value = v;
        } else if (len == 1) {
                /* IP_MULTICAST_TTL and friends may answer with one byte. */
                *ret_value = raw[0];
        } else {
                return fail(-EINVAL);
        }
        return 0;
}

/* Puts the broker's socket with filter (n instructions) in fd's place;
 * 0, or -1 with EPERM, the kernel's answer, and the reason kept. */
static int refilter(int fd, const struct sock_filter *filter, size_t n)
{
        char why[SB_PROTO_MAX_REASON];
        int r;

        r = sb_refilter_replace(fd, filter, n, why, sizeof(why));
        if (r >= 0)
                return 0;
        if (why[0])
                sb_client_set_message(why, NULL);
        return fail(-EPERM);
}

SB_EXPORT int sb_attach_filter(int fd, const struct sock_fprog *prog)
{
        if (!prog || !prog->filter || prog->len == 0)
                return fail(-EINVAL);
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, sizeof(*prog)) == 0)
                return 0;
        /* The kernel checks the program before the lock: EPERM means a
         * valid program met the broker's locked filter. */
        if (errno != EPERM || !sb_refilter_locked(fd))
                return -1;
        if (prog->len > SB_PROTO_MAX_FILTER) {
                sb_client_set_message("the broker takes a filter of at most 480 instructions",
                                      NULL);
                return fail(-EPERM);
        }
        return refilter(fd, prog->filter, prog->len);
}

SB_EXPORT int sb_detach_filter(int fd)
{
        int dummy = 0;

        if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)) == 0)
                return 0;
        if (errno != EPERM || !sb_refilter_locked(fd))
                return -1;
        /* The bare confinement is not the program's to detach: as on a
         * socket without a filter. */
        if (sb_refilter_fd_has_own(fd) <= 0)
                return fail(-ENOENT);
        return refilter(fd, NULL, 0);
}

SB_EXPORT int sb_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        int saved, r;

        if (level == SOL_SOCKET && name == SO_ATTACH_FILTER && len == sizeof(struct sock_fprog))
                return sb_attach_filter(fd, value);
        if (level == SOL_SOCKET && name == SO_DETACH_FILTER)
                return sb_detach_filter(fd);
        if (setsockopt(fd, level, name, value, len) == 0)
                return 0;
        saved = errno;
        if (!sb_refusal_setsockopt(level, name, value, len, saved))
                return -1;

        r = sb_client_setsockopt(fd, level, name, value, len);
        if (r < 0) {
                errno = saved;
                return -1;
        }
        return 0;
}

SB_EXPORT int sb_setsockopt_int(int fd, int level, int name, int value)
{
        return sb_setsockopt(fd, level, name, &value, sizeof(value));
}

/* ---- socketpair, fromfd ----------------------------------------------- */

SB_EXPORT int sb_socketpair(int family, int type, int protocol, int sv[2])
{
        int pair[2], r;

        if (!sv)
                return fail(-EINVAL);
        if (family == AF_UNSPEC)
                family = AF_UNIX;
        if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == 0)
                type |= SOCK_STREAM;

        if (socketpair(family, type | SOCK_CLOEXEC, protocol, pair) < 0)
                return -1;
        if (!(type & SOCK_NONBLOCK)) {
                r = sock_apply_default_timeout(pair[0]);
                if (r >= 0)
                        r = sock_apply_default_timeout(pair[1]);
                if (r < 0) {
                        safe_close(pair[0]);
                        safe_close(pair[1]);
                        return fail(r);
                }
        }
        sv[0] = pair[0];
        sv[1] = pair[1];
        return 0;
}

SB_EXPORT int sb_fromfd(int fd)
{
        _cleanup_close_ int copy = -1;
        int r;

        /* 3 or above: never stand in for a closed stdin, stdout or stderr. */
        copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0)
                return -1;
        r = sock_apply_default_timeout(copy);
        if (r < 0)
                return fail(r);
        return TAKE_FD(copy);
}

SB_EXPORT int sb_dup(int fd)
{
        int type;

        /* The mode is the socket's, in the kernel: a plain duplicate keeps
         * it. Only a socket, as the reference's method is a socket's. */
        if (sb_getsockopt_int(fd, SOL_SOCKET, SO_TYPE, &type) < 0)
                return -1;
        return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}
