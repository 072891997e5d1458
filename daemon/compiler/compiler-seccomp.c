/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compiler-seccomp.c - the system calls sockbroker-compiler makes, and no
 * others: it reads the policy files and the name service's answers,
 * compiles, and hands the opener a sealed memfd. It creates no socket
 * but AF_UNIX ones, writes no file, and starts nothing.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/socket.h>

#include "common/util.h"
#include "daemon/shared/seccomp-allow.h"

const struct seccomp_allow compiler_allow[] = {
        /* The opener. */
        SECCOMP_ALLOW(recvmsg),
        SECCOMP_ALLOW(sendmsg),
        /* The policy files, read only, and the image's memfd. */
        SECCOMP_ALLOW_CLEAR(openat, 2, SECCOMP_OPEN_WRITING),
        SECCOMP_ALLOW(read),
        SECCOMP_ALLOW(pread64),
        SECCOMP_ALLOW(readlinkat),
        SECCOMP_ALLOW(getdents64),
        SECCOMP_ALLOW(fstat),
        SECCOMP_ALLOW(fstatfs),
        SECCOMP_ALLOW(newfstatat),
        SECCOMP_ALLOW(lseek),
        SECCOMP_ALLOW(memfd_create),
        SECCOMP_ALLOW(ftruncate),
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_ADD_SEALS),
        /* The name service: nscd, or systemd-userdbd, which NSS's systemd
         * module waits for with an event loop of its own. */
        SECCOMP_ALLOW_EQ32(socket, 0, AF_UNIX),
        SECCOMP_ALLOW(connect),
        SECCOMP_ALLOW(sendto),
        SECCOMP_ALLOW(recvfrom),
        SECCOMP_ALLOW(poll),
        SECCOMP_ALLOW(ppoll),
        SECCOMP_ALLOW(epoll_create1),
        SECCOMP_ALLOW(epoll_ctl),
        SECCOMP_ALLOW(epoll_wait),
        SECCOMP_ALLOW(epoll_pwait),
        SECCOMP_ALLOW(timerfd_create),
        SECCOMP_ALLOW(timerfd_settime),
        SECCOMP_ALLOW(sched_getaffinity),
        /* The C library's qsort() asks how much memory the machine has
         * before it sorts a large array: the names of more than 128
         * drop-in files. (The decision's index, sorted too, is not
         * built here: policy_load_rules().) */
        SECCOMP_ALLOW(sysinfo),
};

const size_t compiler_allow_n = ELEMENTSOF(compiler_allow);
