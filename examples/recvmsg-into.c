/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * recvmsg-into.c - the reference's recvmsg_into() example, in C:
 *
 *   >>> s1, s2 = socket.socketpair()
 *   >>> b1 = bytearray(b'----')
 *   >>> b2 = bytearray(b'0123456789')
 *   >>> b3 = bytearray(b'--------------')
 *   >>> s1.send(b'Mary had a little lamb')
 *   22
 *   >>> s2.recvmsg_into([b1, memoryview(b2)[2:9], b3])
 *   (22, [], 0, None)
 *   >>> [b1, b2, b3]
 *   [bytearray(b'Mary'), bytearray(b'01 had a 9'), bytearray(b'little lamb---')]
 *
 * It prints the same three lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sockbroker/sockbroker.h>

int main(void)
{
        static const char lamb[] = "Mary had a little lamb";
        char b1[] = "----", b2[] = "0123456789", b3[] = "--------------";
        /* memoryview(b2)[2:9] is 7 bytes of b2 from offset 2. */
        struct iovec buffers[] = {
                { .iov_base = b1, .iov_len = strlen(b1) },
                { .iov_base = b2 + 2, .iov_len = 9 - 2 },
                { .iov_base = b3, .iov_len = strlen(b3) },
        };
        struct msghdr msg = { .msg_iov = buffers, .msg_iovlen = 3 };
        ssize_t sent, n;
        int s[2];

        if (sb_socketpair(0, 0, 0, s) < 0) {
                perror("socketpair");
                return 1;
        }
        sent = sb_send(s[0], lamb, strlen(lamb), 0);
        printf("%zd\n", sent);

        n = sb_recvmsg(s[1], &msg, 0);
        if (n < 0) {
                perror("recvmsg");
                return 1;
        }
        /* (nbytes, ancdata, msg_flags, address): no ancillary data and no
         * address on a connected stream. */
        printf("(%zd, [], %d, None)\n", n, msg.msg_flags);
        printf("[bytearray(b'%s'), bytearray(b'%s'), bytearray(b'%s')]\n", b1, b2, b3);
        close(s[0]);
        close(s[1]);
        return 0;
}
