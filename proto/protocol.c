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
#include <inttypes.h>
#include <net/if.h>
#include <stdbool.h>
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
                /* 0x40000 is J1939_NO_PGN */
                if (a->can->has_pgn && a->can->pgn > 0x40000)
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
                /* 0xffff is HCI_DEV_NONE: leave dev out instead */
                if (a->bluetooth->has_dev && a->bluetooth->dev > 0xfffe)
                        return refuse(-EBADMSG, why, size, "device index %u out of range", a->bluetooth->dev);
                if (a->bluetooth->has_channel && a->bluetooth->channel > 0xffff)
                        return refuse(-EBADMSG, why, size, "channel %u out of range", a->bluetooth->channel);
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
        /* struct sock_filter: 8 bytes an instruction. */
        if (o->has_filter && (o->filter.len == 0 || o->filter.len % 8 != 0 ||
                              o->filter.len / 8 > SB_PROTO_MAX_FILTER))
                return refuse(-EBADMSG, why, size, "open: a filter of %zu bytes is not 1 to %u "
                              "instructions of 8 bytes", o->filter.len, SB_PROTO_MAX_FILTER);
        if (o->address)
                return address_validate(o->address, o->family, why, size);
        return 0;
}

static int status_validate(const Sockbroker__Status *s, char *why, size_t size)
{
        bool list = s->has_list && s->list;

        if (s->has_offset && list)
                return refuse(-EBADMSG, why, size, "status: 'offset' pages the status, not the list");
        if (s->has_after && !list)
                return refuse(-EBADMSG, why, size, "status: 'after' pages the list, not the status");
        if (s->has_offset && s->offset > SB_STATUS_MAX_FILES)
                return refuse(-EBADMSG, why, size, "status: offset %u out of range 0..%u",
                              s->offset, SB_STATUS_MAX_FILES);
        return 0;
}

/*
 * Bind: the address a client wants its own socket bound to, where the
 * kernel would refuse it. Which kinds apply depends on the socket's
 * family, which only the socket tells (the broker reads it); every field
 * is checked here, whatever that family turns out to be.
 */
static int bind_validate(const Sockbroker__Bind *b, char *why, size_t size)
{
        const Sockbroker__Address *a = b->address;

        if (!a)
                return refuse(-EINVAL, why, size, "bind: an address is required");
        switch (a->kind_case) {
        case SOCKBROKER__ADDRESS__KIND_INET:
                if (!a->inet->has_port)
                        return refuse(-EINVAL, why, size, "bind: an inet address needs a port");
                if (a->inet->ifname)
                        return refuse(-EINVAL, why, size, "bind: an inet address takes no interface; "
                                      "use the bindtodevice option");
                if (a->inet->has_address && a->inet->address.len != 4 && a->inet->address.len != 16)
                        return refuse(-EINVAL, why, size, "bind: address is %zu bytes, expected 4 or 16",
                                      a->inet->address.len);
                if (a->inet->has_scope_id && !(a->inet->has_address && a->inet->address.len == 16))
                        return refuse(-EINVAL, why, size, "bind: a scope id needs an IPv6 address");
                /* the family fits the socket's or not: the broker checks */
                return address_validate(a, a->inet->has_address && a->inet->address.len == 4 ?
                                        AF_INET : AF_INET6, why, size);
        case SOCKBROKER__ADDRESS__KIND_BLUETOOTH:
                if (!a->bluetooth->has_psm)
                        return refuse(-EINVAL, why, size, "bind: an L2CAP address needs a PSM");
                if (a->bluetooth->has_dev || a->bluetooth->has_channel)
                        return refuse(-EINVAL, why, size, "bind: an L2CAP address takes a bdaddr "
                                      "and a PSM only");
                if (a->bluetooth->has_bdaddr && a->bluetooth->bdaddr.len != 6)
                        return refuse(-EINVAL, why, size, "bind: bdaddr is %zu bytes, expected 6",
                                      a->bluetooth->bdaddr.len);
                return address_validate(a, AF_BLUETOOTH, why, size);
        case SOCKBROKER__ADDRESS__KIND_PACKET:
        case SOCKBROKER__ADDRESS__KIND_CAN:
                return refuse(-EAFNOSUPPORT, why, size, "bind: the broker binds inet, inet6 and "
                              "L2CAP sockets only");
        case SOCKBROKER__ADDRESS__KIND__NOT_SET:
        case _SOCKBROKER__ADDRESS__KIND__CASE_IS_INT_SIZE:
                break;
        }
        return refuse(-EINVAL, why, size, "bind: address has no kind");
}

/* SetOption: the socket options the broker sets, and their values. */
static int setopt_validate(const Sockbroker__SetOption *o, char *why, size_t size)
{
        int64_t max = INT32_MAX;

        if (!o->has_level || o->level != SOL_SOCKET || !o->has_name)
                return refuse(-EOPNOTSUPP, why, size, "set-option: only SOL_SOCKET options are brokered");
        switch (o->name) {
        case SO_BINDTODEVICE:
                if (o->has_value)
                        return refuse(-EINVAL, why, size, "set-option: bindtodevice takes an "
                                      "interface name, not a value");
                if (!o->ifname || !sb_proto_ifname_valid(o->ifname))
                        return refuse(-EINVAL, why, size, "set-option: bindtodevice needs a valid "
                                      "interface name");
                return 0;
        case SO_MARK:
                max = UINT32_MAX;
                break;
        case SO_PRIORITY:
        case SO_RCVBUFFORCE:
        case SO_SNDBUFFORCE:
                break;
        default:
                return refuse(-EOPNOTSUPP, why, size, "set-option: socket option %d is not brokered "
                              "(mark, priority, rcvbufforce, sndbufforce, bindtodevice are)", o->name);
        }
        if (o->ifname)
                return refuse(-EINVAL, why, size, "set-option: option %d takes a value, not an "
                              "interface name", o->name);
        if (!o->has_value || o->value < 0 || o->value > max)
                return refuse(-EINVAL, why, size, "set-option: value out of range 0..%" PRId64, max);
        return 0;
}

static int link_validate(const Sockbroker__LinkConfig *l, char *why, size_t size)
{
        if (!l->ifname || !sb_proto_ifname_valid(l->ifname))
                return refuse(-EBADMSG, why, size, "link: a valid interface name is required");
        if (l->has_up == l->has_bitrate)
                return refuse(-EBADMSG, why, size, "link: exactly one of 'up' and 'bitrate' is required");
        if (l->has_bitrate && l->bitrate == 0)
                return refuse(-EBADMSG, why, size, "link: bitrate 0");
        return 0;
}

static int hci_validate(const Sockbroker__HciCommand *h, char *why, size_t size)
{
        if (!h->has_dev || !h->has_opcode)
                return refuse(-EBADMSG, why, size, "hci: dev and opcode are required");
        if (h->dev > 0xfffe)
                return refuse(-EBADMSG, why, size, "hci: device index %u out of range", h->dev);
        if (h->opcode == 0 || h->opcode > 0xffff)
                return refuse(-EBADMSG, why, size, "hci: opcode 0x%x out of range", h->opcode);
        if (h->has_params && h->params.len > SB_PROTO_MAX_HCI_PARAMS)
                return refuse(-EBADMSG, why, size, "hci: %zu parameter bytes, at most %u",
                              h->params.len, SB_PROTO_MAX_HCI_PARAMS);
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
        case SOCKBROKER__REQUEST__OP_LINK_CONFIG:
        case SOCKBROKER__REQUEST__OP_HCI_COMMAND:
        case SOCKBROKER__REQUEST__OP_STATUS:
        case SOCKBROKER__REQUEST__OP__NOT_SET:
        case _SOCKBROKER__REQUEST__OP__CASE_IS_INT_SIZE:
                break;
        }
}

/* One varint at p, of at most len bytes: its length, or 0. */
static size_t wire_varint(const uint8_t *p, size_t len, uint64_t *ret)
{
        uint64_t v = 0;

        for (size_t i = 0; i < len && i < 10; i++) {
                v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
                if (!(p[i] & 0x80)) {
                        *ret = v;
                        return i + 1;
                }
        }
        return 0;
}

#define WIRE_MAX_DEPTH 8

/*
 * Refuses a string field of d, or of a message nested in it, that holds
 * a NUL byte. protobuf-c hands strings over NUL-terminated and keeps no
 * length, so "lo\0x" would be read as "lo": an interface name other
 * than the one the client sent. Runs on bytes protobuf-c has accepted.
 */
static int wire_strings_check(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len,
                              unsigned depth, char *why, size_t size)
{
        while (len > 0) {
                const ProtobufCFieldDescriptor *f;
                uint64_t key, n;
                size_t k, h;

                k = wire_varint(p, len, &key);
                if (k == 0)
                        return refuse(-EBADMSG, why, size, "malformed request: bad field key");
                p += k;
                len -= k;
                switch (key & 7) {
                case 0:
                        k = wire_varint(p, len, &n);
                        break;
                case 1:
                        k = 8;
                        break;
                case 5:
                        k = 4;
                        break;
                case 2:
                        h = wire_varint(p, len, &n);
                        if (h == 0 || n > len - h)
                                return refuse(-EBADMSG, why, size, "malformed request: bad length");
                        f = key >> 3 <= UINT32_MAX ?
                            protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3)) : NULL;
                        if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p + h, 0, n))
                                return refuse(-EINVAL, why, size, "%s.%s holds a NUL byte",
                                              d->short_name, f->name);
                        if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                                int r;

                                if (depth >= WIRE_MAX_DEPTH)
                                        return refuse(-EBADMSG, why, size, "malformed request: "
                                                      "nested too deep");
                                r = wire_strings_check(f->descriptor, p + h, n, depth + 1, why, size);
                                if (r < 0)
                                        return r;
                        }
                        k = h + n;
                        break;
                default:
                        k = 0;
                        break;
                }
                if (k == 0 || k > len)
                        return refuse(-EBADMSG, why, size, "malformed request: bad field");
                p += k;
                len -= k;
        }
        return 0;
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
        else if ((e = wire_strings_check(&sockbroker__request__descriptor, buf, len, 0,
                                         why, why_size)) < 0)
                ;
        else if (r->op_case == SOCKBROKER__REQUEST__OP_OPEN)
                e = open_validate(r->open, why, why_size);
        else if (r->op_case == SOCKBROKER__REQUEST__OP_BIND)
                e = bind_validate(r->bind, why, why_size);
        else if (r->op_case == SOCKBROKER__REQUEST__OP_SET_OPTION)
                e = setopt_validate(r->set_option, why, why_size);
        else if (r->op_case == SOCKBROKER__REQUEST__OP_STATUS)
                e = status_validate(r->status, why, why_size);
        else if (r->op_case == SOCKBROKER__REQUEST__OP_LINK_CONFIG)
                e = link_validate(r->link_config, why, why_size);
        else if (r->op_case == SOCKBROKER__REQUEST__OP_HCI_COMMAND)
                e = hci_validate(r->hci_command, why, why_size);

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

/* An optional string of at most max bytes. */
static bool string_ok(const char *s, size_t max)
{
        return !s || strnlen(s, max + 1) <= max;
}

static int status_reply_validate(const Sockbroker__StatusReply *s, char *why, size_t size)
{
        uint32_t total = s->has_files_total ? s->files_total : 0;
        uint32_t offset = s->has_offset ? s->offset : 0;

        if (!string_ok(s->version, SB_STATUS_MAX_VERSION))
                return refuse(-EBADMSG, why, size, "status: version longer than %u bytes",
                              SB_STATUS_MAX_VERSION);
        if (total > SB_STATUS_MAX_FILES)
                return refuse(-EBADMSG, why, size, "status: %u policy files, more than %u",
                              total, SB_STATUS_MAX_FILES);
        if (offset > total || s->n_files > total - offset)
                return refuse(-EBADMSG, why, size, "status: %zu files from %u, of %u in all",
                              s->n_files, offset, total);
        for (size_t i = 0; i < s->n_files; i++)
                if (!s->files[i] || !string_ok(s->files[i], SB_STATUS_MAX_STRING))
                        return refuse(-EBADMSG, why, size, "status: file name longer than %u bytes",
                                      SB_STATUS_MAX_STRING);
        return 0;
}

static int grant_page_validate(const Sockbroker__GrantPage *g, char *why, size_t size)
{
        uint32_t capacity = g->has_capacity ? g->capacity : 0;
        uint32_t held = g->has_held ? g->held : 0;
        uint64_t newest = g->has_newest ? g->newest : 0;
        uint64_t last = 0;

        if (capacity > SB_STATUS_MAX_GRANTS || held > capacity || held > newest)
                return refuse(-EBADMSG, why, size, "list: %u of %u grants held, newest %" PRIu64
                              ", limit %u", held, capacity, newest, SB_STATUS_MAX_GRANTS);
        if (g->n_grants > held)
                return refuse(-EBADMSG, why, size, "list: %zu grants in a page of %u held",
                              g->n_grants, held);
        for (size_t i = 0; i < g->n_grants; i++) {
                const Sockbroker__Grant *e = g->grants[i];

                if (!e->has_serial || e->serial <= last || e->serial > newest)
                        return refuse(-EBADMSG, why, size, "list: grant serials out of order");
                last = e->serial;
                if (!string_ok(e->unit, SB_STATUS_MAX_STRING) ||
                    !string_ok(e->cgroup, SB_STATUS_MAX_STRING) ||
                    !string_ok(e->what, SB_STATUS_MAX_STRING) ||
                    !string_ok(e->rule, SB_STATUS_MAX_STRING))
                        return refuse(-EBADMSG, why, size, "list: a grant's text is longer than %u bytes",
                                      SB_STATUS_MAX_STRING);
                if (e->has_state && (e->state < SOCKBROKER__PEER_STATE__PEER_STATE_UNKNOWN ||
                                     e->state > SOCKBROKER__PEER_STATE__PEER_STATE_EXITED))
                        return refuse(-EBADMSG, why, size, "list: unknown peer state %d", (int)e->state);
        }
        return 0;
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
        else if (r->status && r->grants)
                e = refuse(-EBADMSG, why, why_size, "reply carries both a status and a list");
        else if ((r->status || r->grants) && (n_fds > 0 || (r->has_error && r->error != 0)))
                e = refuse(-EBADMSG, why, why_size, "a status reply with an error or a descriptor");
        else if (r->status)
                e = status_reply_validate(r->status, why, why_size);
        else if (r->grants)
                e = grant_page_validate(r->grants, why, why_size);

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
