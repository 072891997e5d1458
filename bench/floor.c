/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * floor - the least a socket broker can be, to measure sockbrokerd's
 * grants against (bench/run-grant.sh).
 *
 *   floor SOCKET_PATH
 *
 * One process and one epoll loop on an AF_UNIX SOCK_SEQPACKET socket at
 * SOCKET_PATH (mode 0666), serving many connections, non-blocking, each
 * as many requests as it sends. A request is a struct
 * bench_floor_request (bench/bench-client.h); the floor calls socket(2)
 * and, for a packet socket with an interface, bind(2) to it, which is
 * the whole of its "policy", and replies with one byte and the socket
 * (SCM_RIGHTS), then closes its copy. It prints "ready" on stdout once
 * listening and runs until killed, as root (CAP_NET_RAW).
 *
 * What it leaves out is what sockbrokerd pays for: the peer's
 * credentials and the policy, protobuf, the privilege split (a second
 * process and a hop over a socket to it), and fairness between
 * clients. A grant from sockbrokerd can cost no less than one from here,
 * so the ratio of the two is what the broker adds.
 *
 * A peer that sends a message of another size, with descriptors, or
 * that does not read its replies (so that one cannot be sent at once) is
 * closed; the connections are bounded by MAX_CONNS.
 */
#include "config.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench/bench-client.h"
#include "bench/fdpass.h"

#define MAX_CONNS 1024u
/* Requests served on one connection before the loop turns to the
 * others; level-triggered epoll comes back to it. */
#define BATCH 16u
#define MAX_EVENTS 64u

static unsigned n_conns;

/* Makes the socket a request asks for; fd or -errno. */
static int floor_grant(const struct bench_floor_request *req)
{
        int fd, protocol;

        if (req->family != AF_INET && req->family != AF_INET6 && req->family != AF_PACKET)
                return -EAFNOSUPPORT;
        if (req->protocol > UINT16_MAX && req->family == AF_PACKET)
                return -EINVAL;
        protocol = req->family == AF_PACKET ? htons((uint16_t)req->protocol) : (int)req->protocol;
        fd = socket(req->family, req->type | SOCK_CLOEXEC, protocol);
        if (fd < 0)
                return -errno;
        if (req->family == AF_PACKET && req->ifindex > 0) {
                struct sockaddr_ll sll = {
                        .sll_family = AF_PACKET,
                        .sll_protocol = (uint16_t)protocol,
                        .sll_ifindex = req->ifindex,
                };

                if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                        int r = -errno;

                        close(fd);
                        return r;
                }
        }
        return fd;
}

/* One byte, and fd when >= 0; 0 or -errno. */
static int floor_reply(int conn, uint8_t status, int fd)
{
        return bench_send_status(conn, status, fd, MSG_DONTWAIT);
}

/* Serves up to BATCH requests on conn; 0 to keep it, or < 0 to close it. */
static int floor_serve(int conn)
{
        for (unsigned i = 0; i < BATCH; i++) {
                struct bench_floor_request req;
                /* One byte more, so that a longer message shows as one. */
                uint8_t buf[sizeof(req) + 1];
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
                ssize_t n;
                int fd, r;

                n = recvmsg(conn, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n <= 0)
                        return -ECONNRESET;
                /* No control buffer: descriptors sent are closed, and
                 * flagged MSG_CTRUNC. */
                if ((size_t)n != sizeof(req) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
                        return -EBADMSG;
                memcpy(&req, buf, sizeof(req));
                fd = floor_grant(&req);
                r = floor_reply(conn, fd >= 0 ? 0 : (uint8_t)(-fd > 255 ? 255 : -fd), fd);
                if (fd >= 0)
                        close(fd);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void floor_accept(int ep, int listener)
{
        for (;;) {
                struct epoll_event ev = { .events = EPOLLIN };
                int conn = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (conn < 0)
                        return;
                if (n_conns >= MAX_CONNS) {
                        close(conn);
                        continue;
                }
                ev.data.fd = conn;
                if (epoll_ctl(ep, EPOLL_CTL_ADD, conn, &ev) < 0) {
                        close(conn);
                        continue;
                }
                n_conns++;
        }
}

int main(int argc, char **argv)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct epoll_event ev = { .events = EPOLLIN };
        int listener, ep;

        if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: floor SOCKET_PATH\n");
                return 2;
        }
        memcpy(sa.sun_path, argv[1], strlen(argv[1]));
        (void)unlink(argv[1]);
        listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            chmod(argv[1], 0666) < 0 || listen(listener, 128) < 0) {
                fprintf(stderr, "floor: %s: %m\n", argv[1]);
                return 1;
        }
        ep = epoll_create1(EPOLL_CLOEXEC);
        ev.data.fd = listener;
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) {
                fprintf(stderr, "floor: epoll: %m\n");
                return 1;
        }
        printf("ready\n");
        fflush(stdout);

        for (;;) {
                struct epoll_event events[MAX_EVENTS];
                int n = epoll_wait(ep, events, MAX_EVENTS, -1);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        fprintf(stderr, "floor: epoll_wait: %m\n");
                        return 1;
                }
                for (int i = 0; i < n; i++) {
                        int fd = events[i].data.fd;

                        if (fd == listener) {
                                floor_accept(ep, listener);
                        } else if (floor_serve(fd) < 0) {
                                /* close() takes it out of the epoll set. */
                                close(fd);
                                n_conns--;
                        }
                }
        }
}
