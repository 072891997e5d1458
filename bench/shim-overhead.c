/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shim-overhead - the cost of one socket(AF_INET, SOCK_DGRAM, 0) and
 * close() pair, a socket the kernel grants, so that the preload shim adds
 * only its direct call. bench/run-shim-overhead.sh runs it.
 *
 *   shim-overhead [ITERATIONS]
 *       nanoseconds per pair through socket(), whatever it resolves to:
 *       run with and without LD_PRELOAD and compare.
 *   shim-overhead --blocks BLOCKS [ITERATIONS]
 *       in one process, with the shim preloaded: BLOCKS blocks of
 *       ITERATIONS pairs (default 200), alternating between socket()
 *       (the shim) and libc's own socket(); prints the median nanoseconds
 *       per pair of each. Alternating every millisecond or so, both see
 *       the same load.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef int (*socket_fn)(int, int, int);

static double now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Nanoseconds per pair over n pairs, or a negative number on failure. */
static double run(socket_fn f, long n)
{
        double t0 = now_ns();

        for (long i = 0; i < n; i++) {
                int fd = f(AF_INET, SOCK_DGRAM, 0);

                if (fd < 0) {
                        perror("socket");
                        return -1;
                }
                close(fd);
        }
        return (now_ns() - t0) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

static double median(double *v, long n)
{
        qsort(v, (size_t)n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int blocks(long n_blocks, long n)
{
        void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        socket_fn direct = libc ? (socket_fn)dlsym(libc, "socket") : NULL;
        double *with = calloc((size_t)n_blocks, sizeof(double));
        double *without = calloc((size_t)n_blocks, sizeof(double));

        if (!direct || !with || !without) {
                fprintf(stderr, "shim-overhead: cannot find libc's socket()\n");
                return 1;
        }
        if (direct == socket)
                fprintf(stderr, "shim-overhead: warning: socket() is libc's; is the shim preloaded?\n");
        if (run(socket, n) < 0 || run(direct, n) < 0)
                return 1;
        for (long b = 0; b < n_blocks; b++) {
                /* Alternate which goes first, so neither always follows. */
                if (b % 2) {
                        with[b] = run(socket, n);
                        without[b] = run(direct, n);
                } else {
                        without[b] = run(direct, n);
                        with[b] = run(socket, n);
                }
                if (with[b] < 0 || without[b] < 0)
                        return 1;
        }
        printf("%.1f %.1f\n", median(without, n_blocks), median(with, n_blocks));
        free(with);
        free(without);
        return 0;
}

int main(int argc, char **argv)
{
        double t;
        long n;

        if (argc >= 3 && strcmp(argv[1], "--blocks") == 0)
                return blocks(atol(argv[2]), argc > 3 ? atol(argv[3]) : 200);
        n = argc > 1 ? atol(argv[1]) : 200000;
        if (n <= 0) {
                fprintf(stderr, "usage: shim-overhead [ITERATIONS] | --blocks BLOCKS [ITERATIONS]\n");
                return 2;
        }
        /* Warm up: page faults, the first socket of the process, caches. */
        if (run(socket, n / 10 + 1) < 0)
                return 1;
        t = run(socket, n);
        if (t < 0)
                return 1;
        printf("%.1f\n", t);
        return 0;
}
