/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fd-passing.c - the reference's send_fds() and recv_fds(), in C.
 *
 * A pipe's write end goes over a socketpair with sb_send_fds(), comes back
 * as a new descriptor from sb_recv_fds(), and carries a line into the
 * pipe. Then three descriptors are sent to a receiver that takes two: the
 * kernel closes the third and says so with MSG_CTRUNC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sockbroker/sockbroker.h>

int main(void)
{
        static const char line[] = "hello through a passed descriptor\n";
        char msgbuf[16] = "", piped[64] = "";
        char tag[] = "pipe";
        struct iovec out = { .iov_base = tag, .iov_len = 4 };
        struct iovec in = { .iov_base = msgbuf, .iov_len = sizeof(msgbuf) - 1 };
        struct msghdr msg = { .msg_iov = &out, .msg_iovlen = 1 };
        struct msghdr rmsg = { .msg_iov = &in, .msg_iovlen = 1 };
        int s[2], p[2], three[3], fds[2];
        size_t n_fds = 0;
        ssize_t n;

        if (sb_socketpair(0, 0, 0, s) < 0 || pipe2(p, O_CLOEXEC) < 0) {
                perror("socketpair");
                return 1;
        }

        /* send_fds(sock, [b'pipe'], [p[1]]) */
        if (sb_send_fds(s[0], &msg, 0, &p[1], 1) < 0) {
                perror("send_fds");
                return 1;
        }
        close(p[1]);

        /* msg, fds, flags, addr = recv_fds(sock, 15, 1) */
        n = sb_recv_fds(s[1], &rmsg, 0, fds, 1, &n_fds);
        if (n < 0 || n_fds != 1) {
                perror("recv_fds");
                return 1;
        }
        printf("received b'%.*s' with %zu descriptor(s)\n", (int)n, msgbuf, n_fds);
        if (write(fds[0], line, strlen(line)) < 0)
                return 1;
        close(fds[0]);
        n = read(p[0], piped, sizeof(piped) - 1);
        if (n < 0)
                return 1;
        printf("read from the pipe: %s", piped);
        close(p[0]);

        /* More descriptors than the receiver takes. */
        for (int i = 0; i < 3; i++)
                three[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (sb_send_fds(s[0], &msg, 0, three, 3) < 0) {
                perror("send_fds");
                return 1;
        }
        n = sb_recv_fds(s[1], &rmsg, 0, fds, 2, &n_fds);
        if (n < 0) {
                perror("recv_fds");
                return 1;
        }
        printf("received %zu of 3 descriptors%s\n", n_fds,
               (rmsg.msg_flags & MSG_CTRUNC) ? ", MSG_CTRUNC" : "");
        for (size_t i = 0; i < n_fds; i++)
                close(fds[i]);
        for (int i = 0; i < 3; i++)
                close(three[i]);
        close(s[0]);
        close(s[1]);
        return 0;
}
