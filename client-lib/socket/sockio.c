/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockio.c - the data path of the mirror: recv and send in all their
 * forms, sendall, sendfile, makefile, descriptors and ancillary data.
 *
 * Every receive is a recvmsg(2) and every send a sendmsg(2), run by
 * sockwait_run() in the socket's mode (timeout.c), so one loop handles
 * EINTR, timeouts and deadlines for all of them. Sends add MSG_NOSIGNAL:
 * a library must not kill its caller with SIGPIPE, and the reference's
 * interpreter ignores SIGPIPE, so EPIPE is what it sees too. Receives add
 * MSG_CMSG_CLOEXEC, so no descriptor we hand out leaks into an exec.
 *
 * Descriptors that arrive are counted by cmsg_take_fds(), a pure function
 * over the control data: it trusts no length the kernel (or a test) puts
 * there beyond msg_controllen, and closes whatever it does not hand out.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_alg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "client-lib/socket/socket-internal.h"
#include "common/util.h"
#include "sockbroker/socket.h"

/* Bytes per read(2) when sendfile(2) does not apply (CPython uses 8 KiB). */
#define SENDFILE_CHUNK 8192u
/* Bytes per sendfile(2) call; the kernel moves at most 0x7ffff000. */
#define SENDFILE_MAX (1u << 30)

static ssize_t fail(ssize_t r)
{
        errno = (int)-r;
        return -1;
}

/* ---- recv and send ------------------------------------------------------ */

typedef struct MsgOp {
        struct msghdr *msg;
        int flags;
} MsgOp;

static ssize_t op_recvmsg(int fd, void *userdata, int extra)
{
        MsgOp *o = userdata;

        return recvmsg(fd, o->msg, o->flags | extra | MSG_CMSG_CLOEXEC);
}

static ssize_t op_sendmsg(int fd, void *userdata, int extra)
{
        MsgOp *o = userdata;

        return sendmsg(fd, o->msg, o->flags | extra | MSG_NOSIGNAL);
}

static ssize_t run_recvmsg(int fd, struct msghdr *msg, int flags)
{
        MsgOp o = { .msg = msg, .flags = flags };
        SockWait w;
        ssize_t n;
        int r;

        r = sockwait_init(&w, fd, SO_RCVTIMEO);
        if (r < 0)
                return r;
        n = sockwait_run(&w, fd, POLLIN, op_recvmsg, &o);
        /* The kernel echoes MSG_CMSG_CLOEXEC in msg_flags; the flag is
         * ours, not the caller's. */
        if (n >= 0 && !(flags & MSG_CMSG_CLOEXEC))
                msg->msg_flags &= ~MSG_CMSG_CLOEXEC;
        return n;
}

static ssize_t run_sendmsg(int fd, struct msghdr *msg, int flags)
{
        MsgOp o = { .msg = msg, .flags = flags };
        SockWait w;
        int r;

        r = sockwait_init(&w, fd, SO_SNDTIMEO);
        if (r < 0)
                return r;
        return sockwait_run(&w, fd, POLLOUT, op_sendmsg, &o);
}

SB_EXPORT ssize_t sb_recvfrom(int fd, void *buf, size_t len, int flags,
                              struct sockaddr *sa, socklen_t *salen)
{
        struct iovec iov = { .iov_base = buf, .iov_len = len };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (sa) {
                if (!salen)
                        return fail(-EINVAL);
                msg.msg_name = sa;
                msg.msg_namelen = *salen;
        }
        n = run_recvmsg(fd, &msg, flags);
        if (n < 0)
                return fail(n);
        /* As recvfrom(2): the address's full length, even if truncated;
         * 0 when there is none (a connected stream). */
        if (sa)
                *salen = msg.msg_namelen;
        return n;
}

SB_EXPORT ssize_t sb_recv(int fd, void *buf, size_t len, int flags)
{
        return sb_recvfrom(fd, buf, len, flags, NULL, NULL);
}

SB_EXPORT ssize_t sb_recvmsg(int fd, struct msghdr *msg, int flags)
{
        ssize_t n;

        if (!msg)
                return fail(-EINVAL);
        n = run_recvmsg(fd, msg, flags);
        return n < 0 ? fail(n) : n;
}

SB_EXPORT ssize_t sb_sendto(int fd, const void *buf, size_t len, int flags,
                            const struct sockaddr *sa, socklen_t salen)
{
        struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
        struct msghdr msg = {
                .msg_name = (void *)sa,
                .msg_namelen = sa ? salen : 0,
                .msg_iov = &iov,
                .msg_iovlen = 1,
        };
        ssize_t n = run_sendmsg(fd, &msg, flags);

        return n < 0 ? fail(n) : n;
}

SB_EXPORT ssize_t sb_send(int fd, const void *buf, size_t len, int flags)
{
        return sb_sendto(fd, buf, len, flags, NULL, 0);
}

SB_EXPORT ssize_t sb_sendmsg(int fd, const struct msghdr *msg, int flags)
{
        struct msghdr copy;
        ssize_t n;

        if (!msg)
                return fail(-EINVAL);
        copy = *msg;
        n = run_sendmsg(fd, &copy, flags);
        return n < 0 ? fail(n) : n;
}

/* ---- sendall ------------------------------------------------------------ */

SB_EXPORT int sb_sendall(int fd, const void *buf, size_t len, int flags, size_t *ret_sent)
{
        const char *p = buf;
        size_t sent = 0;
        SockWait w;
        int r;

        if (ret_sent)
                *ret_sent = 0;
        if (!buf && len > 0)
                return (int)fail(-EINVAL);

        /* One deadline for the whole call: it is set here, once. */
        r = sockwait_init(&w, fd, SO_SNDTIMEO);
        if (r < 0)
                return (int)fail(r);

        do {
                /* No arithmetic on a NULL buf (len 0 sends once, as the
                 * reference does: an empty datagram). */
                struct iovec iov = {
                        .iov_base = len > 0 ? (void *)(p + sent) : NULL,
                        .iov_len = len - sent,
                };
                struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
                MsgOp o = { .msg = &msg, .flags = flags };
                ssize_t n;

                n = sockwait_run(&w, fd, POLLOUT, op_sendmsg, &o);
                if (n < 0)
                        return (int)fail(n);
                sent += (size_t)n;
                if (ret_sent)
                        *ret_sent = sent;
        } while (sent < len);
        return 0;
}

/* ---- sendfile ----------------------------------------------------------- */

/* The transfer with read(2) and send, for what sendfile(2) cannot read.
 * Advances *offset and *sent by what went out. */
static int sendfile_copy(int fd, int file_fd, bool seekable, uint64_t *offset, uint64_t count,
                         uint64_t *sent)
{
        char buf[SENDFILE_CHUNK];

        for (;;) {
                size_t want = sizeof(buf), done = 0;
                ssize_t n;

                if (count > 0) {
                        if (*sent >= count)
                                return 0;
                        if (count - *sent < want)
                                want = (size_t)(count - *sent);
                }
                if (seekable)
                        n = pread(file_fd, buf, want, (off_t)*offset);
                else
                        n = read(file_fd, buf, want);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return 0;

                /* Each chunk gets the socket's timeout afresh, as each
                 * wait does in the reference's implementation. */
                if (sb_sendall(fd, buf, (size_t)n, 0, &done) < 0) {
                        *offset += done;
                        *sent += done;
                        return negative_errno();
                }
                *offset += (uint64_t)n;
                *sent += (uint64_t)n;
        }
}

/*
 * The transfer with sendfile(2), which has no MSG_DONTWAIT and no
 * MSG_NOSIGNAL. In timeout mode each wait polls first, against a deadline
 * that only progress moves on, so a signal that interrupts the kernel's
 * own wait (SO_SNDTIMEO, which would start afresh) costs no time.
 */
static int sendfile_kernel(int fd, int file_fd, uint64_t *offset, uint64_t count,
                           uint64_t *sent, bool *ret_unsupported)
{
        SockWait w;
        int r;

        *ret_unsupported = false;
        r = sockwait_init(&w, fd, SO_SNDTIMEO);
        if (r < 0)
                return r;
        for (;;) {
                size_t want = SENDFILE_MAX;
                off_t off = (off_t)*offset;
                ssize_t n;

                if (count > 0) {
                        if (*sent >= count)
                                return 0;
                        if (count - *sent < want)
                                want = (size_t)(count - *sent);
                }
                if (w.mode == SOCK_MODE_TIMEOUT) {
                        r = sock_wait(fd, POLLOUT, w.deadline_usec);
                        if (r < 0)
                                return r;
                }
                n = sendfile(fd, file_fd, &off, want);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        /* The kernel's SO_SNDTIMEO ran out: ours too, or
                         * we wait for what is left of it. */
                        if (errno == EAGAIN) {
                                if (w.mode != SOCK_MODE_TIMEOUT || now_usec() >= w.deadline_usec)
                                        return -ETIMEDOUT;
                                continue;
                        }
                        if (*sent == 0 && (errno == EINVAL || errno == ENOSYS ||
                                           errno == EOPNOTSUPP)) {
                                *ret_unsupported = true;
                                return 0;
                        }
                        return negative_errno();
                }
                if (n == 0)
                        return 0;
                *offset += (uint64_t)n;
                *sent += (uint64_t)n;
                if (w.mode == SOCK_MODE_TIMEOUT)
                        w.deadline_usec = now_usec() + w.timeout_usec;
        }
}

/*
 * sendfile(2) raises SIGPIPE when the peer has gone, and takes no flag
 * against it. The calling thread blocks the signal for the call; one the
 * call raised is then taken back with sigtimedwait(2) before the old mask
 * returns, unless one was pending already, which is the caller's. The
 * process's disposition is never touched, so other threads are not
 * affected.
 */
typedef struct SigpipeGuard {
        sigset_t old;
        bool pending_before;
} SigpipeGuard;

static void sigpipe_block(SigpipeGuard *g)
{
        sigset_t pipe, pending;

        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        sigemptyset(&pending);
        (void)sigpending(&pending);
        g->pending_before = sigismember(&pending, SIGPIPE) == 1;
        (void)pthread_sigmask(SIG_BLOCK, &pipe, &g->old);
}

static void sigpipe_restore(const SigpipeGuard *g, bool raised)
{
        static const struct timespec zero;
        int saved = errno;
        sigset_t pipe;

        if (raised && !g->pending_before) {
                sigemptyset(&pipe);
                sigaddset(&pipe, SIGPIPE);
                while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
                        ;
        }
        (void)pthread_sigmask(SIG_SETMASK, &g->old, NULL);
        errno = saved;
}

SB_EXPORT int sb_sendfile(int fd, int file_fd, uint64_t offset, uint64_t count,
                          uint64_t *ret_sent)
{
        uint64_t pos = offset, sent = 0;
        bool seekable, unsupported = true;
        struct stat st;
        int type, r;

        if (ret_sent)
                *ret_sent = 0;
        if (offset > (uint64_t)INT64_MAX || count > (uint64_t)INT64_MAX - offset)
                return (int)fail(-EINVAL);
        if (sb_getsockopt_int(fd, SOL_SOCKET, SO_TYPE, &type) < 0)
                return -1;
        if (type != SOCK_STREAM)
                return (int)fail(-EINVAL);
        r = sb_getblocking(fd);
        if (r < 0)
                return -1;
        if (r == 0)
                return (int)fail(-EINVAL);
        if (fstat(file_fd, &st) < 0)
                return -1;

        seekable = lseek(file_fd, 0, SEEK_CUR) >= 0;
        if (!seekable && offset > 0)
                return (int)fail(-ESPIPE);

        r = 0;
        if (S_ISREG(st.st_mode)) {
                SigpipeGuard g;

                sigpipe_block(&g);
                r = sendfile_kernel(fd, file_fd, &pos, count, &sent, &unsupported);
                sigpipe_restore(&g, r == -EPIPE);
        }
        if (r >= 0 && unsupported)
                r = sendfile_copy(fd, file_fd, seekable, &pos, count, &sent);

        /* As the reference: the file's position tells what was sent,
         * also after an error. */
        if (seekable && lseek(file_fd, (off_t)pos, SEEK_SET) < 0 && r >= 0)
                r = negative_errno();
        if (ret_sent)
                *ret_sent = sent;
        return r < 0 ? (int)fail(r) : 0;
}

/* ---- makefile ----------------------------------------------------------- */

int makefile_mode(const char *mode, const char **ret_fdopen_mode)
{
        bool reading = false, writing = false;

        if (!mode)
                mode = "r";
        for (const char *p = mode; *p; p++)
                switch (*p) {
                case 'r':
                        reading = true;
                        break;
                case 'w':
                        writing = true;
                        break;
                case 'b':
                        break;
                default:
                        return -EINVAL;
                }
        if (reading && writing)
                *ret_fdopen_mode = "r+";
        else if (reading)
                *ret_fdopen_mode = "r";
        else if (writing)
                *ret_fdopen_mode = "w";
        else
                return -EINVAL;
        return 0;
}

SB_EXPORT FILE *sb_makefile(int fd, const char *mode)
{
        _cleanup_close_ int copy = -1;
        const char *m;
        FILE *f;
        int r;

        r = makefile_mode(mode, &m);
        if (r < 0) {
                errno = -r;
                return NULL;
        }
        copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0)
                return NULL;
        f = fdopen(copy, m);
        if (!f)
                return NULL;
        copy = -1;
        return f;
}

/* ---- ancillary data ----------------------------------------------------- */

ssize_t cmsg_len_checked(size_t length)
{
        if (length > (size_t)INT_MAX - CMSG_LEN(0))
                return -EOVERFLOW;
        return (ssize_t)CMSG_LEN(length);
}

ssize_t cmsg_space_checked(size_t length)
{
        /* CMSG_SPACE() rounds length up to the alignment, sizeof(size_t)
         * in glibc and musl; the largest length is the aligned one below
         * the limit. */
        size_t max = ((size_t)INT_MAX - CMSG_SPACE(0)) & ~(sizeof(size_t) - 1);

        if (length > max)
                return -EOVERFLOW;
        return (ssize_t)CMSG_SPACE(length);
}

SB_EXPORT ssize_t sb_cmsg_len(size_t length)
{
        ssize_t r = cmsg_len_checked(length);

        return r < 0 ? fail(r) : r;
}

SB_EXPORT ssize_t sb_cmsg_space(size_t length)
{
        ssize_t r = cmsg_space_checked(length);

        return r < 0 ? fail(r) : r;
}

/*
 * Walks the control data by offsets rather than CMSG_NXTHDR(), so that
 * every length is checked against msg_controllen by us: the first header's
 * cmsg_len is not checked by CMSG_FIRSTHDR(), and an item may claim more
 * than the buffer holds (the reference: "return the part of it which is
 * inside the buffer").
 */
static size_t cmsg_walk_fds(const struct msghdr *msg, int *fds, size_t max_fds)
{
        const unsigned char *base = msg->msg_control;
        size_t total = msg->msg_control ? msg->msg_controllen : 0, off = 0, n = 0;

        while (total - off >= sizeof(struct cmsghdr)) {
                struct cmsghdr h;
                size_t item, data, k;

                memcpy(&h, base + off, sizeof(h));
                if (h.cmsg_len < CMSG_LEN(0))
                        break;
                item = h.cmsg_len < total - off ? h.cmsg_len : total - off;
                data = item > CMSG_LEN(0) ? item - CMSG_LEN(0) : 0;

                if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
                        /* Whole ints only: the bytes of a truncated one
                         * at the end are ignored. */
                        k = data / sizeof(int);
                        for (size_t i = 0; i < k; i++) {
                                int fd;

                                memcpy(&fd, base + off + CMSG_LEN(0) + i * sizeof(int), sizeof(fd));
                                if (n < max_fds)
                                        fds[n++] = fd;
                                else
                                        safe_close(fd);
                        }
                }

                /* The next item starts at the aligned end of this one. */
                if (h.cmsg_len > total - off || CMSG_ALIGN(h.cmsg_len) > total - off)
                        break;
                off += CMSG_ALIGN(h.cmsg_len);
        }
        return n;
}

size_t cmsg_take_fds(const struct msghdr *msg, int *fds, size_t max_fds)
{
        return cmsg_walk_fds(msg, fds, fds ? max_fds : 0);
}

void cmsg_close_fds(const struct msghdr *msg)
{
        (void)cmsg_walk_fds(msg, NULL, 0);
}

typedef union FdControl {
        struct cmsghdr align;
        unsigned char buf[CMSG_SPACE(sizeof(int) * SB_SCM_MAX_FD)];
} FdControl;

SB_EXPORT ssize_t sb_send_fds(int fd, const struct msghdr *msg, int flags, const int *fds,
                              size_t n_fds)
{
        FdControl control;
        struct msghdr m;
        ssize_t n;

        if (!msg || msg->msg_control || msg->msg_controllen || n_fds > SB_SCM_MAX_FD ||
            (n_fds > 0 && !fds))
                return fail(-EINVAL);

        m = *msg;
        if (n_fds > 0) {
                struct cmsghdr *c;

                memset(&control, 0, sizeof(control));
                m.msg_control = control.buf;
                m.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                c = CMSG_FIRSTHDR(&m);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        n = run_sendmsg(fd, &m, flags);
        return n < 0 ? fail(n) : n;
}

SB_EXPORT ssize_t sb_recv_fds(int fd, struct msghdr *msg, int flags, int *fds, size_t max_fds,
                              size_t *ret_n_fds)
{
        FdControl control;
        struct msghdr m;
        ssize_t n;

        if (!msg || msg->msg_control || msg->msg_controllen || !ret_n_fds ||
            (max_fds > 0 && !fds))
                return fail(-EINVAL);
        *ret_n_fds = 0;
        if (max_fds > SB_SCM_MAX_FD)
                max_fds = SB_SCM_MAX_FD;

        m = *msg;
        if (max_fds > 0) {
                memset(&control, 0, sizeof(control));
                m.msg_control = control.buf;
                /* CMSG_LEN, not CMSG_SPACE: the padding of CMSG_SPACE
                 * could make room for one descriptor more. */
                m.msg_controllen = CMSG_LEN(sizeof(int) * max_fds);
        }
        n = run_recvmsg(fd, &m, flags);
        if (n < 0)
                return fail(n);

        *ret_n_fds = cmsg_take_fds(&m, fds, max_fds);
        msg->msg_namelen = m.msg_namelen;
        msg->msg_flags = m.msg_flags;
        return n;
}

/* ---- AF_ALG ------------------------------------------------------------- */

static void *cmsg_put(unsigned char *buf, size_t size, size_t *off, int level, int type,
                      size_t len)
{
        struct cmsghdr h = {};

        if (CMSG_SPACE(len) > size - *off)
                return NULL;
        h.cmsg_len = CMSG_LEN(len);
        h.cmsg_level = level;
        h.cmsg_type = type;
        memset(buf + *off, 0, CMSG_SPACE(len));
        memcpy(buf + *off, &h, sizeof(h));
        *off += CMSG_SPACE(len);
        return buf + *off - CMSG_SPACE(len) + CMSG_LEN(0);
}

int afalg_control(void *buf, size_t size, int op, const void *iv, size_t ivlen, int assoclen,
                  size_t *ret_len)
{
        unsigned char *p;
        size_t off = 0;
        uint32_t v;

        if (!buf || op < 0 || (!iv && ivlen > 0) || ivlen > SB_AFALG_IV_MAX)
                return -EINVAL;

        p = cmsg_put(buf, size, &off, SOL_ALG, ALG_SET_OP, sizeof(v));
        if (!p)
                return -ENOBUFS;
        v = (uint32_t)op;
        memcpy(p, &v, sizeof(v));

        if (iv) {
                p = cmsg_put(buf, size, &off, SOL_ALG, ALG_SET_IV, sizeof(v) + ivlen);
                if (!p)
                        return -ENOBUFS;
                /* struct af_alg_iv: a u32 length and the bytes. */
                v = (uint32_t)ivlen;
                memcpy(p, &v, sizeof(v));
                if (ivlen > 0)
                        memcpy(p + sizeof(v), iv, ivlen);
        }

        if (assoclen >= 0) {
                p = cmsg_put(buf, size, &off, SOL_ALG, ALG_SET_AEAD_ASSOCLEN, sizeof(v));
                if (!p)
                        return -ENOBUFS;
                v = (uint32_t)assoclen;
                memcpy(p, &v, sizeof(v));
        }
        *ret_len = off;
        return 0;
}

SB_EXPORT ssize_t sb_sendmsg_afalg(int fd, const struct iovec *iov, size_t iovcnt, int op,
                                   const void *iv, size_t ivlen, int assoclen, int flags)
{
        union {
                struct cmsghdr align;
                unsigned char buf[CMSG_SPACE(sizeof(uint32_t)) * 2 +
                                  CMSG_SPACE(sizeof(uint32_t) + SB_AFALG_IV_MAX)];
        } control;
        struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };
        size_t len;
        ssize_t n;
        int r;

        if (!iov && iovcnt > 0)
                return fail(-EINVAL);
        r = afalg_control(control.buf, sizeof(control.buf), op, iv, ivlen, assoclen, &len);
        if (r < 0)
                return fail(r);
        m.msg_control = control.buf;
        m.msg_controllen = len;
        n = run_sendmsg(fd, &m, flags);
        return n < 0 ? fail(n) : n;
}
