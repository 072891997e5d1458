/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * echo-client.c - the reference's echo client programs, in C.
 *
 *   echo-client HOST [PORT]
 *
 * create_connection() tries every address HOST resolves to, IPv4 and
 * IPv6, until one connects, which is what the reference's second client
 * does by hand (and the first one, for IPv4 only). It sends "Hello,
 * world", and prints what comes back as the reference does, with repr().
 * When no address connects, it prints the error of each attempt
 * (all_errors=True).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sockbroker/sockbroker.h>

#define MAX_ATTEMPTS 8

/* Python's repr() of a bytes object. */
static void print_repr(const unsigned char *p, size_t n)
{
        fputs("b'", stdout);
        for (size_t i = 0; i < n; i++) {
                if (p[i] == '\'' || p[i] == '\\')
                        printf("\\%c", p[i]);
                else if (p[i] >= 0x20 && p[i] < 0x7f)
                        putchar(p[i]);
                else
                        printf("\\x%02x", p[i]);
        }
        putchar('\'');
}

int main(int argc, char **argv)
{
        static const char hello[] = "Hello, world";
        struct sb_attempt attempts[MAX_ATTEMPTS];
        size_t n_attempts = MAX_ATTEMPTS;
        unsigned char data[1024];
        unsigned long port = 50007;
        char *end, text[SB_STRERROR_MAX];
        ssize_t n;
        int s;

        if (argc < 2 || argc > 3) {
                fprintf(stderr, "usage: echo-client HOST [PORT]\n");
                return 2;
        }
        if (argc == 3) {
                errno = 0;
                port = strtoul(argv[2], &end, 10);
                if (errno || *end || end == argv[2] || port > 65535) {
                        fprintf(stderr, "echo-client: bad port %s\n", argv[2]);
                        return 2;
                }
        }

        s = sb_create_connection(argv[1], (uint16_t)port, sb_getdefaulttimeout(), NULL, 0,
                                 SB_ALL_ERRORS, attempts, &n_attempts);
        if (s < 0) {
                printf("could not open socket\n");
                for (size_t i = 0; i < n_attempts && i < MAX_ATTEMPTS; i++)
                        printf("  %s: %s\n", attempts[i].address[0] ? attempts[i].address : argv[1],
                               sb_strerror(attempts[i].error, text, sizeof(text)));
                return 1;
        }

        if (sb_sendall(s, hello, strlen(hello), 0, NULL) < 0) {
                fprintf(stderr, "sendall: %s\n", strerror(errno));
                return 1;
        }
        n = sb_recv(s, data, sizeof(data), 0);
        if (n < 0) {
                fprintf(stderr, "recv: %s\n", strerror(errno));
                return 1;
        }
        printf("Received ");
        print_repr(data, (size_t)n);
        putchar('\n');
        close(s);
        return 0;
}
