/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timeouts.c - the reference's notes on socket timeouts, shown one by one:
 * connect() to a listener whose backlog is full, recv() with nothing to
 * read, sendall() to a peer that does not read (one deadline for the whole
 * call), and recv() in non-blocking mode.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sockbroker/sockbroker.h>

#define BIG (8u << 20)

static void report(const char *what, int r)
{
        printf("%s: %s\n", what, r < 0 ? strerror(errno) : "no error");
}

int main(void)
{
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char buf[64], *big;
        size_t sent = 0;
        int l, first, c, s[2], r;

        /* A listener with backlog 0 queues one connection; the next one
         * waits for room that never comes. */
        l = sb_create_server("127.0.0.1", 0, AF_INET, 0, 0);
        if (l < 0 || sb_listen(l, 0) < 0 || getsockname(l, (struct sockaddr *)&ss, &len) < 0) {
                perror("listener");
                return 1;
        }
        first = sb_socket(AF_INET, SOCK_STREAM, 0);
        if (first < 0 || sb_connect(first, (struct sockaddr *)&ss, len) < 0) {
                perror("connect");
                return 1;
        }
        c = sb_socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || sb_settimeout(c, 0.2) < 0) {
                perror("socket");
                return 1;
        }
        report("connect to a full backlog, timeout 0.2 s", sb_connect(c, (struct sockaddr *)&ss, len));
        close(c);
        close(first);
        close(l);

        if (sb_socketpair(0, 0, 0, s) < 0 || sb_settimeout(s[0], 0.2) < 0) {
                perror("socketpair");
                return 1;
        }
        report("recv with nothing to read, timeout 0.2 s",
               (int)sb_recv(s[0], buf, sizeof(buf), 0));

        big = calloc(1, BIG);
        if (!big || sb_settimeout(s[0], 0.5) < 0)
                return 1;
        r = sb_sendall(s[0], big, BIG, 0, &sent);
        report("sendall of 8 MiB nobody reads, timeout 0.5 s", r);
        printf("  sent %s of it\n", sent == 0 ? "none" : sent < BIG ? "part" : "all");
        free(big);

        if (sb_setblocking(s[1], 0) < 0)
                return 1;
        /* s[1] has data waiting now; drain it, then there is none. */
        while (sb_recv(s[1], buf, sizeof(buf), 0) > 0)
                ;
        report("recv in non-blocking mode", (int)sb_recv(s[1], buf, sizeof(buf), 0));
        close(s[0]);
        close(s[1]);
        return 0;
}
