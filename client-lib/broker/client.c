/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client.c - libsockbroker: talking to the broker. The mirror's sb_socket()
 * and sb_open() (client-lib/socket/create.c) open sockets through it.
 *
 * Where a call's connection comes from is the product's choice
 * (client.h): libsockbroker keeps one per thread (conn-kept.c), the
 * preload shim makes one per call (client-lib/preload/conn-percall.c).
 * A call on a kept connection that the broker closed in the meantime
 * (its idle timeout, an eviction) finds the connection gone before any
 * reply, and is made again, once, on a new one.
 */
#include "config.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "client-lib/broker/client.h"
#include "common/bt.h"
#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"
#include "sockbroker/sockbroker.h"

#define SB_CLIENT_TIMEOUT_SEC 30

static __thread char last_message[SB_PROTO_MAX_REASON];
static __thread char last_rule[SB_PROTO_MAX_REASON];
static __thread uint32_t next_id;
static __thread bool reached;

bool sb_client_reached(void)
{
        return reached;
}

void sb_client_set_message(const char *message, const char *rule)
{
        snprintf(last_message, sizeof(last_message), "%s", message ?: "");
        snprintf(last_rule, sizeof(last_rule), "%s", rule ?: "");
}

SB_EXPORT const char *sb_broker_message(void)
{
        return last_message;
}

SB_EXPORT const char *sb_broker_rule(void)
{
        return last_rule;
}

const char *sb_client_socket_path(void)
{
        const char *p = secure_getenv("SOCKBROKER_SOCKET");

        return p && p[0] ? p : SOCKBROKER_DEFAULT_SOCKET;
}

int sb_client_connect(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = SB_CLIENT_TIMEOUT_SEC };
        const char *path = sb_client_socket_path();
        _cleanup_close_ int fd = -1;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        /* A broker that stops answering must not hang the caller forever. */
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = negative_errno();
                char msg[SB_PROTO_MAX_REASON];

                snprintf(msg, sizeof(msg), "cannot reach sockbrokerd at %s: %s", path, strerror(-r));
                sb_client_set_message(msg, NULL);
                return r;
        }
        return TAKE_FD(fd);
}

int sb_client_call(SbRequest *req, int fd_in)
{
        return sb_client_call_data(req, fd_in, NULL, 0, NULL);
}

int sb_client_call_data(SbRequest *req, int fd_in, void *data, size_t size, size_t *ret_n)
{
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char why[SB_PROTO_MAX_REASON];
        int fds[FDMSG_MAX_FDS];
        SbReply *reply = NULL;
        size_t n_fds = 0;
        bool reused;
        ssize_t n;
        int sock, len, r;

        sb_client_set_message(NULL, NULL);
        reached = false;
        req->has_version = true;
        req->version = SB_PROTO_VERSION;
        req->has_id = true;
        req->id = ++next_id;

        for (;;) {
                /* The reply lands in the same buffer (a signal handler's
                 * stack may be small), so a second try encodes anew. */
                len = sb_proto_request_encode(req, buf, sizeof(buf));
                if (len < 0)
                        return len;
                sock = sb_conn_get(&reused);
                if (sock < 0)
                        return sock;
                reached = true;

                n = fdmsg_send(sock, buf, (size_t)len, &fd_in, fd_in >= 0 ? 1 : 0, 0);
                if (n >= 0)
                        n = fdmsg_recv(sock, buf, sizeof(buf), fds, 1, &n_fds, 0);
                if (n > 0)
                        break;
                /* A hang-up, or a message of no bytes that may still
                 * carry a descriptor. */
                if (n == 0)
                        fdmsg_close_all(fds, n_fds);
                sb_conn_drop(sock);
                /* A kept connection the broker closed before reading the
                 * request: nothing was done, so it is asked again. */
                if (reused && (n == 0 || n == -EPIPE || n == -ECONNRESET))
                        continue;
                if (n == 0)
                        return -ECONNRESET;
                return n == -EAGAIN ? -ETIMEDOUT : (int)n;
        }

        r = sb_proto_reply_decode(buf, (size_t)n, n_fds, &reply, why, sizeof(why));
        if (r < 0) {
                fdmsg_close_all(fds, n_fds);
                sb_conn_drop(sock);
                sb_client_set_message(why, NULL);
                return -EPROTO;
        }
        sb_client_set_message(reply->message, reply->rule);

        /* One request at a time on the connection: a reply to another
         * is a broken conversation, and the connection goes. */
        if (reply->has_id && reply->id != 0 && reply->id != req->id) {
                sb_conn_drop(sock);
                sock = -1;
                r = -EPROTO;
        } else if (reply->has_error && reply->error != 0)
                r = -reply->error;
        else if (n_fds == 1)
                r = TAKE_FD(fds[0]);
        else
                r = 0;
        if (r >= 0 && ret_n) {
                *ret_n = reply->has_data ? reply->data.len : 0;
                if (*ret_n > size)
                        r = -EMSGSIZE;
                else if (*ret_n > 0)
                        memcpy(data, reply->data.data, *ret_n);
        }
        if (r < 0)
                fdmsg_close_all(fds, n_fds);
        if (sock >= 0)
                sb_conn_put(sock);
        sb_proto_reply_free(reply);
        return r;
}

int sb_client_open(const struct sb_spec *spec, int sock_flags)
{
        return sb_client_open_filter(spec, sock_flags, NULL, 0);
}

int sb_client_open_filter(const struct sb_spec *spec, int sock_flags,
                          const struct sock_filter *filter, size_t n_filter)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__Open open = SOCKBROKER__OPEN__INIT;
        Sockbroker__Address addr = SOCKBROKER__ADDRESS__INIT;
        Sockbroker__PacketAddress packet = SOCKBROKER__PACKET_ADDRESS__INIT;
        Sockbroker__InetAddress inet = SOCKBROKER__INET_ADDRESS__INIT;
        Sockbroker__CanAddress can = SOCKBROKER__CAN_ADDRESS__INIT;
        Sockbroker__BluetoothAddress bt = SOCKBROKER__BLUETOOTH_ADDRESS__INIT;
        char ifname[IFNAMSIZ];
        int r;

        open.has_family = open.has_type = open.has_protocol = true;
        open.family = spec->family;
        open.type = spec->type;
        open.protocol = (int32_t)spec->protocol;
        if (sock_flags & SOCK_NONBLOCK) {
                open.has_flags = true;
                open.flags = SOCKBROKER__OPEN_FLAGS__OPEN_FLAG_NONBLOCK;
        }
        memcpy(ifname, spec->ifname, sizeof(ifname));

        switch (spec->family) {
        case AF_CAN:
                /* None: every interface, as a CAN socket bound to ifindex 0. */
                can.ifname = ifname[0] ? ifname : NULL;
                can.has_rx_id = can.has_tx_id = spec->has_can_ids;
                can.rx_id = spec->rx_id;
                can.tx_id = spec->tx_id;
                can.has_name = can.has_pgn = can.has_addr = spec->has_j1939;
                can.name = spec->j1939_name;
                can.pgn = spec->j1939_pgn;
                can.addr = spec->j1939_addr;
                can.has_fd = spec->can_fd;
                can.fd = spec->can_fd;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_CAN;
                addr.can = &can;
                open.address = &addr;
                break;
        case AF_BLUETOOTH:
                bt.has_dev = spec->has_dev;
                bt.dev = spec->dev;
                bt.has_channel = spec->has_channel;
                bt.channel = spec->channel;
                bt.has_psm = spec->has_psm;
                bt.psm = spec->psm;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_BLUETOOTH;
                addr.bluetooth = &bt;
                open.address = &addr;
                break;
        case AF_PACKET:
                if (!spec->ifname[0])
                        break;
                packet.ifname = ifname;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_PACKET;
                addr.packet = &packet;
                open.address = &addr;
                break;
        default:
                if (!spec->ifname[0])
                        break;
                inet.ifname = ifname;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                addr.inet = &inet;
                open.address = &addr;
                break;
        }

        if (n_filter > 0) {
                if (n_filter > SB_PROTO_MAX_FILTER)
                        return -EMSGSIZE;
                open.has_filter = true;
                open.filter.len = n_filter * sizeof(*filter);
                open.filter.data = (uint8_t *)filter;
        }

        req.op_case = SOCKBROKER__REQUEST__OP_OPEN;
        req.open = &open;
        r = sb_client_call(&req, -1);
        /* A grant without a socket is not a grant. */
        return r == 0 ? -EPROTO : r;
}

int sb_client_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__Bind bind = SOCKBROKER__BIND__INIT;
        Sockbroker__Address addr = SOCKBROKER__ADDRESS__INIT;
        Sockbroker__InetAddress inet = SOCKBROKER__INET_ADDRESS__INIT;
        Sockbroker__BluetoothAddress bt = SOCKBROKER__BLUETOOTH_ADDRESS__INIT;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        struct sockaddr_l2 l2;

        if (!sa || len < (socklen_t)sizeof(sa_family_t))
                return -EINVAL;
        switch (sa->sa_family) {
        case AF_INET:
                if (len < (socklen_t)sizeof(in))
                        return -EINVAL;
                memcpy(&in, sa, sizeof(in));
                inet.has_address = true;
                inet.address.data = (uint8_t *)&in.sin_addr;
                inet.address.len = 4;
                inet.port = ntohs(in.sin_port);
                break;
        case AF_INET6:
                if (len < (socklen_t)sizeof(in6))
                        return -EINVAL;
                memcpy(&in6, sa, sizeof(in6));
                inet.has_address = true;
                inet.address.data = (uint8_t *)&in6.sin6_addr;
                inet.address.len = 16;
                inet.port = ntohs(in6.sin6_port);
                inet.has_scope_id = in6.sin6_scope_id != 0;
                inet.scope_id = in6.sin6_scope_id;
                break;
        case AF_BLUETOOTH:
                /* L2CAP: the caller has checked the socket's protocol. */
                if (len < (socklen_t)sizeof(l2))
                        return -EINVAL;
                memcpy(&l2, sa, sizeof(l2));
                bt.has_psm = true;
                bt.psm = le16toh(l2.l2_psm);
                bt.has_bdaddr = true;
                bt.bdaddr.data = l2.l2_bdaddr.b;
                bt.bdaddr.len = sizeof(l2.l2_bdaddr);
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_BLUETOOTH;
                addr.bluetooth = &bt;
                break;
        default:
                return -EAFNOSUPPORT;
        }
        if (addr.kind_case != SOCKBROKER__ADDRESS__KIND_BLUETOOTH) {
                inet.has_port = true;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                addr.inet = &inet;
        }
        bind.address = &addr;
        req.op_case = SOCKBROKER__REQUEST__OP_BIND;
        req.bind = &bind;
        return sb_client_call(&req, fd);
}

int sb_client_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__SetOption opt = SOCKBROKER__SET_OPTION__INIT;
        char ifname[IFNAMSIZ];
        int v;

        if (level != SOL_SOCKET)
                return -EOPNOTSUPP;
        opt.has_level = opt.has_name = true;
        opt.level = level;
        opt.name = name;
        switch (name) {
        case SO_MARK:
        case SO_PRIORITY:
        case SO_RCVBUFFORCE:
        case SO_SNDBUFFORCE:
                if (!value || len < (socklen_t)sizeof(int))
                        return -EINVAL;
                memcpy(&v, value, sizeof(v));
                opt.has_value = true;
                /* SO_MARK is a u32 carried in an int. */
                opt.value = name == SO_MARK ? (int64_t)(uint32_t)v : v;
                break;
        case SO_BINDTODEVICE:
                if (!value || len == 0 || len > IFNAMSIZ)
                        return -EINVAL;
                memset(ifname, 0, sizeof(ifname));
                memcpy(ifname, value, len);
                if (ifname[IFNAMSIZ - 1])
                        return -EINVAL;
                opt.ifname = ifname;
                break;
        default:
                return -EOPNOTSUPP;
        }
        req.op_case = SOCKBROKER__REQUEST__OP_SET_OPTION;
        req.set_option = &opt;
        return sb_client_call(&req, fd);
}

/* A LinkConfig: up or down when bitrate is 0, else the bitrate. */
static int link_config(const char *ifname, bool up, uint32_t bitrate)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__LinkConfig link = SOCKBROKER__LINK_CONFIG__INIT;
        int r;

        sb_client_set_message(NULL, NULL);
        if (!ifname || !sb_proto_ifname_valid(ifname)) {
                errno = EINVAL;
                return -1;
        }
        link.ifname = (char *)ifname;
        if (bitrate > 0) {
                link.has_bitrate = true;
                link.bitrate = bitrate;
        } else {
                link.has_up = true;
                link.up = up;
        }
        req.op_case = SOCKBROKER__REQUEST__OP_LINK_CONFIG;
        req.link_config = &link;
        r = sb_client_call(&req, -1);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        return 0;
}

SB_EXPORT int sb_link_set_up(const char *ifname, bool up)
{
        return link_config(ifname, up, 0);
}

SB_EXPORT int sb_link_set_bitrate(const char *ifname, uint32_t bitrate)
{
        if (bitrate == 0) {
                sb_client_set_message(NULL, NULL);
                errno = EINVAL;
                return -1;
        }
        return link_config(ifname, false, bitrate);
}

SB_EXPORT ssize_t sb_hci_command(unsigned dev, uint16_t opcode, const void *params, size_t n_params,
                                 void *ret, size_t ret_size)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__HciCommand cmd = SOCKBROKER__HCI_COMMAND__INIT;
        size_t n = 0;
        int r;

        sb_client_set_message(NULL, NULL);
        if (dev > 0xfffe || opcode == 0 || n_params > SB_PROTO_MAX_HCI_PARAMS ||
            (n_params > 0 && !params) || (ret_size > 0 && !ret)) {
                errno = EINVAL;
                return -1;
        }
        cmd.has_dev = cmd.has_opcode = true;
        cmd.dev = dev;
        cmd.opcode = opcode;
        if (n_params > 0) {
                cmd.has_params = true;
                cmd.params.data = (uint8_t *)params;
                cmd.params.len = n_params;
        }
        req.op_case = SOCKBROKER__REQUEST__OP_HCI_COMMAND;
        req.hci_command = &cmd;
        r = sb_client_call_data(&req, -1, ret, ret_size, &n);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        return (ssize_t)n;
}
