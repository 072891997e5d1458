/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * protocol.c - wire message validation.
 *
 * protobuf-c checks that the bytes are a well-formed Request; everything
 * about meaning is checked here, before any other code looks at a field:
 * the version, that exactly one operation is present, the ranges of every
 * number, interface names, that the address kind matches the family, and
 * that the descriptors that came along are the ones the operation takes.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "proto/protocol.h"

int sb_proto_ifname_valid(const char *s)
{
        size_t n;

        if (!s)
                return 0;
        n = strlen(s);
        if (n == 0 || n >= IFNAMSIZ)
                return 0;
        if (streq(s, ".") || streq(s, ".."))
                return 0;
        for (const char *p = s; *p; p++)
                if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
                        return 0;
        return 1;
}

static int address_validate(const Sockbroker__Address *a, int family, char *why, size_t size)
{
        switch (a->kind_case) {
        case SOCKBROKER__ADDRESS__KIND_PACKET:
                if (family != AF_PACKET)
                        break;
                if (a->packet->ifname && !sb_proto_ifname_valid(a->packet->ifname))
                        return refuse(-EBADMSG, why, size, "invalid interface name");
                if (a->packet->has_protocol && a->packet->protocol > 0xffff)
                        return refuse(-EBADMSG, why, size, "EtherType %u out of range", a->packet->protocol);
                return 0;
        case SOCKBROKER__ADDRESS__KIND_INET:
                if (family != AF_INET && family != AF_INET6)
                        break;
                if (a->inet->ifname && !sb_proto_ifname_valid(a->inet->ifname))
                        return refuse(-EBADMSG, why, size, "invalid interface name");
                if (a->inet->has_address &&
                    a->inet->address.len != (family == AF_INET ? 4u : 16u))
                        return refuse(-EBADMSG, why, size, "address is %zu bytes, expected %u",
                                    a->inet->address.len, family == AF_INET ? 4u : 16u);
                if (a->inet->has_port && a->inet->port > 0xffff)
                        return refuse(-EBADMSG, why, size, "port %u out of range", a->inet->port);
                return 0;
        case SOCKBROKER__ADDRESS__KIND_CAN:
                if (family != AF_CAN)
                        break;
                if (a->can->ifname && !sb_proto_ifname_valid(a->can->ifname))
                        return refuse(-EBADMSG, why, size, "invalid interface name");
                if (a->can->has_pgn && a->can->pgn > 0x3ffff)
                        return refuse(-EBADMSG, why, size, "PGN 0x%x out of range", a->can->pgn);
                if (a->can->has_addr && a->can->addr > 0xff)
                        return refuse(-EBADMSG, why, size, "J1939 address %u out of range", a->can->addr);
                return 0;
        case SOCKBROKER__ADDRESS__KIND_BLUETOOTH:
                if (family != AF_BLUETOOTH)
                        break;
                if (a->bluetooth->has_bdaddr && a->bluetooth->bdaddr.len != 6)
                        return refuse(-EBADMSG, why, size, "bdaddr is %zu bytes, expected 6",
                                    a->bluetooth->bdaddr.len);
                if (a->bluetooth->has_dev && a->bluetooth->dev > 0xffff)
                        return refuse(-EBADMSG, why, size, "device index %u out of range", a->bluetooth->dev);
                if (a->bluetooth->has_psm && a->bluetooth->psm > 0xffff)
                        return refuse(-EBADMSG, why, size, "PSM %u out of range", a->bluetooth->psm);
                return 0;
        case SOCKBROKER__ADDRESS__KIND__NOT_SET:
        case _SOCKBROKER__ADDRESS__KIND__CASE_IS_INT_SIZE:
                return refuse(-EBADMSG, why, size, "address has no kind");
        }
        return refuse(-EBADMSG, why, size, "address kind does not match family %d", family);
}

static int open_validate(const Sockbroker__Open *o, char *why, size_t size)
{
        if (!o->has_family || !o->has_type)
                return refuse(-EBADMSG, why, size, "open: family and type are required");
        if (o->family <= 0 || o->family >= AF_MAX)
                return refuse(-EBADMSG, why, size, "open: family %d out of range", o->family);
        if (o->type <= 0 || o->type > SOCK_PACKET)
                return refuse(-EBADMSG, why, size, "open: type %d out of range (flags go in 'flags')", o->type);
        if (o->has_protocol && (o->protocol < 0 || o->protocol > 0xffff))
                return refuse(-EBADMSG, why, size, "open: protocol %d out of range", o->protocol);
        if (o->has_flags && (o->flags & ~(uint32_t)SOCKBROKER__OPEN_FLAGS__OPEN_FLAG_NONBLOCK))
                return refuse(-EBADMSG, why, size, "open: unknown flags 0x%x", o->flags);
        if (o->address)
                return address_validate(o->address, o->family, why, size);
        return 0;
}

void sb_proto_request_fds(const SbRequest *r, unsigned *min, unsigned *max)
{
        *min = *max = 0;
        switch (r->op_case) {
        case SOCKBROKER__REQUEST__OP_BIND:
        case SOCKBROKER__REQUEST__OP_SET_OPTION:
                *min = *max = 1;
                break;
        case SOCKBROKER__REQUEST__OP_OPEN:
                *max = 1;
                break;
        case SOCKBROKER__REQUEST__OP_LINK_CONFIG:
        case SOCKBROKER__REQUEST__OP_HCI_COMMAND:
        case SOCKBROKER__REQUEST__OP_STATUS:
        case SOCKBROKER__REQUEST__OP__NOT_SET:
        case _SOCKBROKER__REQUEST__OP__CASE_IS_INT_SIZE:
                break;
        }
}

int sb_proto_request_decode(const void *buf, size_t len, size_t n_fds,
                            SbRequest **ret, char *why, size_t why_size)
{
        unsigned min_fds = 0, max_fds = 0;
        SbRequest *r;
        int e = 0;

        if (len > SB_PROTO_MAX_MESSAGE)
                return refuse(-EMSGSIZE, why, why_size, "request of %zu bytes exceeds %u", len, SB_PROTO_MAX_MESSAGE);
        if (len == 0)
                return refuse(-EBADMSG, why, why_size, "empty request");

        r = sockbroker__request__unpack(NULL, len, buf);
        if (!r)
                return refuse(-EBADMSG, why, why_size, "malformed request: not a sockbroker Request");

        sb_proto_request_fds(r, &min_fds, &max_fds);
        if (!r->has_version)
                e = refuse(-EBADMSG, why, why_size, "request has no version");
        else if (r->version != SB_PROTO_VERSION)
                e = refuse(-EPROTONOSUPPORT, why, why_size, "protocol version %u not supported (daemon speaks %u)",
                         r->version, SB_PROTO_VERSION);
        else if (r->op_case == SOCKBROKER__REQUEST__OP__NOT_SET)
                e = refuse(-EOPNOTSUPP, why, why_size, "request names no operation");
        else if (n_fds < min_fds || n_fds > max_fds)
                e = refuse(-EBADF, why, why_size, "request carries %zu descriptor(s), operation takes %u to %u",
                           n_fds, min_fds, max_fds);
        else if (r->op_case == SOCKBROKER__REQUEST__OP_OPEN)
                e = open_validate(r->open, why, why_size);

        if (e < 0) {
                sockbroker__request__free_unpacked(r, NULL);
                return e;
        }
        *ret = r;
        return 0;
}

SbRequest *sb_proto_request_free(SbRequest *r)
{
        if (r)
                sockbroker__request__free_unpacked(r, NULL);
        return NULL;
}

int sb_proto_request_encode(const SbRequest *r, void *buf, size_t size)
{
        size_t n = sockbroker__request__get_packed_size(r);

        if (n > size || n > SB_PROTO_MAX_MESSAGE)
                return -EMSGSIZE;
        return (int)sockbroker__request__pack(r, buf);
}

int sb_proto_reply_encode(const SbReply *r, void *buf, size_t size)
{
        size_t n = sockbroker__reply__get_packed_size(r);

        if (n > size || n > SB_PROTO_MAX_MESSAGE)
                return -EMSGSIZE;
        return (int)sockbroker__reply__pack(r, buf);
}

int sb_proto_reply_decode(const void *buf, size_t len, size_t n_fds,
                          SbReply **ret, char *why, size_t why_size)
{
        SbReply *r;
        int e = 0;

        if (len > SB_PROTO_MAX_MESSAGE)
                return refuse(-EMSGSIZE, why, why_size, "reply of %zu bytes exceeds %u", len, SB_PROTO_MAX_MESSAGE);

        r = sockbroker__reply__unpack(NULL, len, buf);
        if (!r)
                return refuse(-EBADMSG, why, why_size, "malformed reply");

        if (!r->has_version || r->version != SB_PROTO_VERSION)
                e = refuse(-EPROTONOSUPPORT, why, why_size, "reply of another protocol version");
        else if (r->has_error && (r->error < 0 || r->error > 4095))
                e = refuse(-EBADMSG, why, why_size, "reply error %d out of range", r->error);
        else if (n_fds != (r->has_n_fds ? r->n_fds : 0))
                e = refuse(-EBADF, why, why_size, "reply announces %u descriptor(s), carries %zu",
                         r->has_n_fds ? r->n_fds : 0, n_fds);

        if (e < 0) {
                sockbroker__reply__free_unpacked(r, NULL);
                return e;
        }
        *ret = r;
        return 0;
}

SbReply *sb_proto_reply_free(SbReply *r)
{
        if (r)
                sockbroker__reply__free_unpacked(r, NULL);
        return NULL;
}
