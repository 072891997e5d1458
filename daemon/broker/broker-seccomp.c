/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * broker-seccomp.c - the system calls the broker's loop makes, and no
 * others.
 *
 * The broker reads every client byte, so this is the filter an attacker
 * meets first. Once the loop runs it accepts and serves connections on
 * sockets it already has, reads its peers' /proc files, and talks to the
 * journal and the service manager. It creates no socket but AF_UNIX
 * ones (sd_notify(), the journal), binds and listens nothing, connects
 * only to an opener that runs on its own (the next one, when it restarts),
 * starts no thread or process, executes nothing, and sets no socket
 * option but the journal socket's buffer size: the opener does the rest,
 * or nobody does.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/socket.h>

#include "common/util.h"
#include "daemon/broker/peer.h"
#include "daemon/shared/seccomp-allow.h"

const struct seccomp_allow broker_allow[] = {
        /* The event loop: sd-event's epoll, timers and signalfd. */
        SECCOMP_ALLOW(epoll_wait),
        SECCOMP_ALLOW(epoll_pwait),
        SECCOMP_ALLOW(epoll_pwait2),
        SECCOMP_ALLOW(epoll_ctl),
        SECCOMP_ALLOW(timerfd_create),
        SECCOMP_ALLOW(timerfd_settime),
        SECCOMP_ALLOW(timerfd_gettime),
        SECCOMP_ALLOW(signalfd4),
        SECCOMP_ALLOW(read),
        SECCOMP_ALLOW(ppoll),
        SECCOMP_ALLOW(poll),
        /* Clients and the opener. */
        SECCOMP_ALLOW(accept4),
        SECCOMP_ALLOW(recvmsg),
        SECCOMP_ALLOW(sendmsg),
        SECCOMP_ALLOW(sendto),
        SECCOMP_ALLOW(getsockopt),
        SECCOMP_ALLOW(getsockname),
        SECCOMP_ALLOW(shutdown),
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_GET_SEALS),
        /* A new policy's index: the C library's qsort() asks how much
         * memory the machine has before it sorts a large array. */
        SECCOMP_ALLOW(sysinfo),
        /* The journal and the service manager. */
        SECCOMP_ALLOW_EQ32(socket, 0, AF_UNIX),
        SECCOMP_ALLOW(memfd_create),
        /* sd-journal grows its socket's send buffer, by force if it may. */
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUF),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUFFORCE),
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_ADD_SEALS),
        /* Peers: a pidfd pins each, and its /proc files say who it is. */
        SECCOMP_ALLOW(pidfd_open),
        SECCOMP_ALLOW_EQ32(ioctl, 1, PEER_PIDFD_GET_INFO),
        /* Opened for reading only, never created: /proc/PID/{stat,cgroup}. */
        SECCOMP_ALLOW_CLEAR(openat, 2, SECCOMP_OPEN_WRITING),
        SECCOMP_ALLOW(fstat),
        SECCOMP_ALLOW(newfstatat),
        SECCOMP_ALLOW(lseek),
        /* A forked opener, collected when it ends. */
        SECCOMP_ALLOW(wait4),
        SECCOMP_ALLOW(waitid),
};

const size_t broker_allow_n = ELEMENTSOF(broker_allow);

/* With --opener-socket, connect() as well: to the next opener's AF_UNIX
 * socket. The address is in memory a filter cannot read; socket() above
 * makes only AF_UNIX sockets to connect. */
const struct seccomp_allow broker_allow_reconnect[] = {
        SECCOMP_ALLOW(connect),
};
const size_t broker_allow_reconnect_n = ELEMENTSOF(broker_allow_reconnect);
