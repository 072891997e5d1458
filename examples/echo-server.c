/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * echo-server.c - the reference's echo server programs, in C.
 *
 *   echo-server [-6] [PORT]
 *
 * Without -6 it is the first, IPv4-only program: a TCP server on every
 * interface (HOST = ''), one client served, everything echoed. With -6 it
 * is the second, for IPv4 and IPv6, written the way the reference's
 * create_server() example recommends: one dual-stack socket where the
 * platform has them, else IPv4. PORT defaults to the reference's 50007;
 * 0 picks a free port. The address listened on is printed first, so a
 * script can find the port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sockbroker/sockbroker.h>

static int usage(void)
{
        fprintf(stderr, "usage: echo-server [-6] [PORT]\n");
        return 2;
}

int main(int argc, char **argv)
{
        char addr[SB_ADDR_STRLEN], data[1024];
        int dual = 0, s, conn;
        unsigned long port = 50007;
        char *end;
        ssize_t n;

        if (argc > 1 && strcmp(argv[1], "-6") == 0) {
                dual = 1;
                argc--;
                argv++;
        }
        if (argc > 2)
                return usage();
        if (argc == 2) {
                errno = 0;
                port = strtoul(argv[1], &end, 10);
                if (errno || *end || end == argv[1] || port > 65535)
                        return usage();
        }

        if (dual && sb_has_dualstack_ipv6())
                s = sb_create_server(NULL, (uint16_t)port, AF_INET6, 1, SB_DUALSTACK_IPV6);
        else
                s = sb_create_server(NULL, (uint16_t)port, AF_INET, 1, 0);
        if (s < 0) {
                fprintf(stderr, "could not open socket: %s\n", strerror(errno));
                return 1;
        }
        if (sb_getsockname_text(s, addr, sizeof(addr)) == 0)
                printf("Listening on %s\n", addr);
        fflush(stdout);

        conn = sb_accept(s, NULL, NULL, 0);
        if (conn < 0) {
                fprintf(stderr, "accept: %s\n", strerror(errno));
                return 1;
        }
        close(s);
        if (sb_getpeername_text(conn, addr, sizeof(addr)) == 0)
                printf("Connected by %s\n", addr);

        for (;;) {
                n = sb_recv(conn, data, sizeof(data), 0);
                if (n <= 0)
                        break;
                if (sb_sendall(conn, data, (size_t)n, 0, NULL) < 0) {
                        n = -1;
                        break;
                }
        }
        if (n < 0) {
                fprintf(stderr, "echo: %s\n", strerror(errno));
                close(conn);
                return 1;
        }
        close(conn);
        return 0;
}
