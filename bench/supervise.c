/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * supervise - what `sockbroker run`'s seccomp supervisor costs a program,
 * run by bench/run-supervise.sh with and without the supervisor:
 *
 *   supervise tcp N     N TCP connects to a listener on 127.0.0.1 and their
 *                       closes (SO_LINGER 0: a reset, no TIME_WAIT), calls
 *                       the filter never sends on; prints
 *                       nanoseconds per connect + close
 *   supervise syscall N N getppid() system calls, the least a call can cost,
 *                       which the filter never sends on either; prints
 *                       nanoseconds per call
 *   supervise ifindex N N ioctl(SIOCGIFINDEX) calls for "lo" on a UDP
 *                       socket, which the filter sends to the supervisor
 *                       (for a placeholder CAN socket's) and the
 *                       supervisor returns to the kernel; prints
 *                       nanoseconds per call
 *   supervise grant N   N raw ICMP sockets, each created and closed, which
 *                       a uid without CAP_NET_RAW gets only from the broker
 *                       (through the supervisor or the preload shim);
 *                       prints the median and the 99th percentile of
 *                       socket() in nanoseconds
 *
 * Plain libc calls, no sockbroker code: the program is what the supervisor
 * or the shim sees.
 */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/* Accepts and closes, so that the backlog never fills. */
static void *acceptor(void *arg)
{
        int l = *(int *)arg;

        for (;;) {
                int c = accept(l, NULL, NULL);

                if (c >= 0)
                        close(c);
        }
        return NULL;
}

static int cmd_tcp(long n)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        struct linger rst = { .l_onoff = 1, .l_linger = 0 };
        pthread_t t;
        double t0;
        int l;

        l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 4096) < 0 ||
            getsockname(l, (struct sockaddr *)&sa, &len) < 0) {
                perror("listener");
                return 1;
        }
        if (pthread_create(&t, NULL, acceptor, &l) != 0)
                return 1;
        t0 = now_ns();
        for (long i = 0; i < n; i++) {
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

                /* A reset at close: no TIME_WAIT left behind to slow
                 * the next round's port search. */
                if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) < 0 ||
                    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                        perror("connect");
                        return 1;
                }
                close(fd);
        }
        printf("%.0f\n", (now_ns() - t0) / (double)n);
        return 0;
}

static int cmd_syscall(long n)
{
        double t0 = now_ns();

        for (long i = 0; i < n; i++)
                (void)syscall(SYS_getppid);
        printf("%.1f\n", (now_ns() - t0) / (double)n);
        return 0;
}

static int cmd_ifindex(long n)
{
        struct ifreq ifr = { .ifr_name = "lo" };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        double t0;

        if (fd < 0) {
                perror("socket");
                return 1;
        }
        t0 = now_ns();
        for (long i = 0; i < n; i++)
                if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
                        perror("SIOCGIFINDEX");
                        return 1;
                }
        printf("%.1f\n", (now_ns() - t0) / (double)n);
        close(fd);
        return 0;
}

static int cmd_grant(long n)
{
        double *lat = calloc((size_t)n, sizeof(*lat));

        if (!lat)
                return 1;
        for (long i = 0; i < n; i++) {
                double t0 = now_ns();
                int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);

                lat[i] = now_ns() - t0;
                if (fd < 0) {
                        perror("socket");
                        return 1;
                }
                close(fd);
        }
        qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
        printf("%.0f %.0f\n", lat[n / 2], lat[(n * 99 + 99) / 100 - 1]);
        free(lat);
        return 0;
}

int main(int argc, char **argv)
{
        long n = argc == 3 ? strtol(argv[2], NULL, 10) : 0;

        if (n <= 0) {
                fprintf(stderr, "usage: supervise tcp|syscall|ifindex|grant N\n");
                return 2;
        }
        if (!strcmp(argv[1], "tcp"))
                return cmd_tcp(n);
        if (!strcmp(argv[1], "syscall"))
                return cmd_syscall(n);
        if (!strcmp(argv[1], "grant"))
                return cmd_grant(n);
        if (!strcmp(argv[1], "ifindex"))
                return cmd_ifindex(n);
        fprintf(stderr, "usage: supervise tcp|syscall|ifindex|grant N\n");
        return 2;
}
