/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * preload-count.c - a second LD_PRELOAD library for preload.sh. Loaded
 * after libsockbroker-preload.so, it sees every socket() the shim passes
 * on to the next definition (libc's) and counts them by family; on exit
 * it prints the counts. One brokered call must show one direct call and
 * one AF_UNIX socket for the connection to the broker: no recursion.
 *
 * Compiled by the test itself: cc -shared -fPIC preload-count.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <sys/socket.h>

static int (*next_socket)(int, int, int);
static unsigned n_unix, n_inet, n_other;

__attribute__((constructor))
static void count_init(void)
{
        next_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
}

int socket(int family, int type, int protocol)
{
        __atomic_add_fetch(family == AF_UNIX ? &n_unix :
                           family == AF_INET || family == AF_INET6 ? &n_inet : &n_other,
                           1, __ATOMIC_RELAXED);
        return next_socket(family, type, protocol);
}

__attribute__((destructor))
static void count_report(void)
{
        dprintf(2, "preload-count: inet=%u unix=%u other=%u\n", n_inet, n_unix, n_other);
}
