/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fdmsg.c - datagrams with descriptors, received strictly.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "common/fdmsg.h"
#include "common/util.h"

void fdmsg_close_all(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                fds[i] = safe_close(fds[i]);
}

ssize_t fdmsg_send(int sock, const void *buf, size_t len,
                   const int *fds, size_t n_fds, int flags)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * FDMSG_MAX_FDS)];
        } control;
        struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (n_fds > FDMSG_MAX_FDS)
                return -EINVAL;
        if (n_fds > 0) {
                struct cmsghdr *c;

                memset(&control, 0, sizeof(control));
                msg.msg_control = control.buf;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }

        do
                n = sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
        while (n < 0 && errno == EINTR);
        return n < 0 ? negative_errno() : n;
}

ssize_t fdmsg_recv_lossy(int sock, void *buf, size_t size,
                         int *fds, size_t max_fds, size_t *n_fds, bool *ret_lost, int flags)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * FDMSG_MAX_FDS)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        int got[FDMSG_MAX_FDS * 2];
        size_t n_got = 0;
        ssize_t n;

        *n_fds = 0;
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();

        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                size_t k;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (n_got < ELEMENTSOF(got))
                                got[n_got++] = fd;
                        else
                                safe_close(fd);
                }
        }

        if (msg.msg_flags & MSG_TRUNC) {
                fdmsg_close_all(got, n_got);
                return -EMSGSIZE;
        }
        if (n_got > max_fds) {
                fdmsg_close_all(got, n_got);
                return -EBADMSG;
        }
        if (msg.msg_flags & MSG_CTRUNC) {
                fdmsg_close_all(got, n_got);
                if (!ret_lost)
                        return -ENOBUFS;
                *ret_lost = true;
                return n;
        }

        memcpy(fds, got, n_got * sizeof(int));
        *n_fds = n_got;
        if (ret_lost)
                *ret_lost = false;
        return n;
}

ssize_t fdmsg_recv(int sock, void *buf, size_t size,
                   int *fds, size_t max_fds, size_t *n_fds, int flags)
{
        return fdmsg_recv_lossy(sock, buf, size, fds, max_fds, n_fds, NULL, flags);
}
