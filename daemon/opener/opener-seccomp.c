/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener-seccomp.c - the system calls the opener's loop makes, and no
 * others.
 *
 * The opener holds the capabilities the policy needs. The filter fences
 * what they reach: sockets only of the families sockbrokerd serves (and
 * AF_UNIX and NETLINK_ROUTE for its own use), socket options only those
 * opener.c sets, ioctls only the four it issues, and setns() only into a
 * network namespace, which is what CAP_SYS_ADMIN is held for when a rule
 * says netns=client. It mounts, traces, loads and executes nothing; its
 * threads are threads (clone() with CLONE_THREAD), never processes.
 *
 * It opens no file: a reload asks sockbroker-compiler, which it started
 * before this filter was loaded, and imports the image that comes back in
 * a sealed memfd (fcntl(F_GET_SEALS), fstat(), mmap() read-only). The
 * name service runs there too, not here.
 */
#include "config.h"

#include <fcntl.h>
#include <linux/can.h>
#include <linux/can/isotp.h>
#include <linux/can/raw.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <sys/socket.h>

#include "common/bt.h"
#include "common/util.h"
#include "daemon/shared/seccomp-allow.h"

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#endif

const struct seccomp_allow opener_allow[] = {
        /* The broker, and the service manager's socket when on its own. */
        SECCOMP_ALLOW(recvmsg),
        SECCOMP_ALLOW(sendmsg),
        SECCOMP_ALLOW(sendto),
        SECCOMP_ALLOW(accept4),
        SECCOMP_ALLOW(poll),
        SECCOMP_ALLOW(ppoll),

        /* The sockets it creates, and those it asks the kernel about. */
        SECCOMP_ALLOW_EQ32(socket, 0, AF_INET),
        SECCOMP_ALLOW_EQ32(socket, 0, AF_INET6),
        SECCOMP_ALLOW_EQ32(socket, 0, AF_PACKET),
        SECCOMP_ALLOW_EQ32(socket, 0, AF_CAN),
        SECCOMP_ALLOW_EQ32(socket, 0, AF_BLUETOOTH),
        SECCOMP_ALLOW_EQ32(socket, 0, AF_UNIX),
        SECCOMP_ALLOW_PAIR32(socket, 0, AF_NETLINK, 2, NETLINK_ROUTE),
        SECCOMP_ALLOW(bind),
        SECCOMP_ALLOW(connect),
        SECCOMP_ALLOW(getsockname),
        SECCOMP_ALLOW(getsockopt),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_BINDTODEVICE),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_ATTACH_FILTER),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_LOCK_FILTER),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_MARK),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_PRIORITY),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_RCVBUFFORCE),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUFFORCE),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_RCVTIMEO),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_SOCKET, 2, SO_RCVTIMEO_NEW),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_CAN_RAW, 2, CAN_RAW_FD_FRAMES),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_CAN_ISOTP, 2, CAN_ISOTP_LL_OPTS),
        SECCOMP_ALLOW_PAIR32(setsockopt, 1, SOL_HCI, 2, HCI_FILTER),
        /* A client's namespace from its socket; a controller's state; an
         * interface's index and hardware address. */
        SECCOMP_ALLOW_EQ32(ioctl, 1, SIOCGSKNS),
        SECCOMP_ALLOW_EQ32(ioctl, 1, HCIGETDEVINFO),
        SECCOMP_ALLOW_EQ32(ioctl, 1, SIOCGIFINDEX),
        SECCOMP_ALLOW_EQ32(ioctl, 1, SIOCGIFHWADDR),
        /* netns=client: a thread enters the client's network namespace,
         * and no other kind. */
        SECCOMP_ALLOW_EQ32(setns, 1, CLONE_NEWNET),
        SECCOMP_ALLOW_SET(clone, 0, CLONE_THREAD),
        SECCOMP_FAIL(clone3, ENOSYS),
        SECCOMP_ALLOW(set_robust_list),
        SECCOMP_ALLOW(rseq),
        /* The C library's malloc, the first time a thread allocates while
         * another holds the main arena, sizes its arenas by the CPUs the
         * thread may run on. */
        SECCOMP_ALLOW(sched_getaffinity),

        /* The policy, on reload: the compiler's image, imported and
         * forwarded; and the reads of the closer's pipe and of HCI
         * events. */
        SECCOMP_ALLOW(read),
        SECCOMP_ALLOW(fstat),
        /* fstat() as the C library makes it: on the descriptor itself. */
        SECCOMP_ALLOW_EQ32(newfstatat, 3, AT_EMPTY_PATH),
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_GET_SEALS),
};

const size_t opener_allow_n = ELEMENTSOF(opener_allow);
