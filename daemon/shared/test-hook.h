/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hook.h - a way for the tests to break a half of sockbrokerd on
 * purpose, compiled in only with ./configure --enable-test-hooks.
 *
 * SOCKBROKER_TEST_FORBIDDEN_SYSCALL=HALF[:CALL] makes HALF ("broker",
 * "opener", or "compiler", sockbroker-compiler from its second request,
 * a reload, on) make CALL as it starts on a request: a system call, or a
 * use of one with arguments, that its seccomp filter forbids, so that
 * tests/integration/seccomp.sh can show the filter kill it and the other
 * half then behave as documented. CALL is acct (the default), execve,
 * fork, socket-inet, connect (forbidden to a broker with a forked
 * opener), setns-user, ioctl-ifflags or mprotect-exec. In any
 * other build test_hook_forbidden_syscall() is empty.
 */
#pragma once

#if ENABLE_TEST_HOOKS
#include <linux/sockios.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEST_HOOK_ENV "SOCKBROKER_TEST_FORBIDDEN_SYSCALL"

static inline void test_hook_forbidden_syscall(const char *half)
{
        const char *v = getenv(TEST_HOOK_ENV), *call;
        size_t n = strlen(half);

        if (!v || strncmp(v, half, n) != 0 || (v[n] != '\0' && v[n] != ':'))
                return;
        call = v[n] ? v + n + 1 : "acct";
        if (strcmp(call, "acct") == 0) {
                (void)syscall(SYS_acct, NULL);
        } else if (strcmp(call, "execve") == 0) {
                char *const argv[] = { (char *)"true", NULL };

                (void)execve("/bin/true", argv, argv + 1);
        } else if (strcmp(call, "fork") == 0) {
                /* A raw clone() without CLONE_THREAD; the child, if any, leaves at once. */
                if (syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0) == 0)
                        _exit(0);
        } else if (strcmp(call, "socket-inet") == 0) {
                (void)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
        } else if (strcmp(call, "connect") == 0) {
                (void)syscall(SYS_connect, -1, NULL, 0);
        } else if (strcmp(call, "setns-user") == 0) {
                (void)syscall(SYS_setns, -1, CLONE_NEWUSER);
        } else if (strcmp(call, "ioctl-ifflags") == 0) {
                (void)syscall(SYS_ioctl, -1, SIOCSIFFLAGS, NULL);
        } else if (strcmp(call, "mprotect-exec") == 0) {
                long page = sysconf(_SC_PAGESIZE);
                void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

                if (p != MAP_FAILED)
                        (void)mprotect(p, (size_t)page, PROT_READ | PROT_EXEC);
        }
}
#else
static inline void test_hook_forbidden_syscall(const char *half)
{
        (void)half;
}
#endif
