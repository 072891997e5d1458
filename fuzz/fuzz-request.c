/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-request.c - sb_proto_request_decode(), the first code in the daemon
 * that sees a client's bytes.
 *
 * The input is one message as it arrives on the socket. It is decoded as
 * if it came with no descriptor and with one, so operations that take the
 * client's socket (Bind, SetOption) get past the descriptor check too.
 * Whatever is accepted must survive a round trip: encoded again and
 * decoded with the same descriptor count, it is accepted, and encoding
 * that gives the same bytes (protobuf-c writes one canonical form).
 *
 * An accepted request must also keep the decoder's promises that the
 * daemon relies on without looking again (proto/protocol.h): bytes
 * fields of the lengths they name (an inet address 4 bytes for AF_INET
 * and 16 for AF_INET6, 4 or 16 in a Bind; a bdaddr 6; HCI parameters at
 * most 255), interface names that sb_proto_ifname_valid() accepts,
 * numbers within the kernel's fields, a Bind and a SetOption of the
 * shapes the broker handles, and no string holding a NUL byte anywhere
 * in the input, which a walk over the wire bytes (strings_without_nul()
 * below, written apart from the decoder's) confirms.
 *
 * The round trip leaves out unknown fields, which protobuf-c keeps and
 * writes back verbatim but does not judge: libprotobuf-c 1.4.1 accepts
 * field number 0 when its tag is written overlong ("80 00"), keeps it as
 * an unknown field, writes it back as "00" and then refuses that. The
 * daemon never re-encodes a request, so only the known fields matter.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "fuzz/fuzz-proto.h"
#include "fuzz/fuzz.h"
#include "proto/protocol.h"

/* Request > Open > Address > PacketAddress is the deepest nesting. */
#define MAX_MESSAGES 8

/* One varint: its length, or 0 when the bytes end first. */
static size_t varint(const uint8_t *p, size_t len, uint64_t *ret)
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

/*
 * Whether no string field of message d, nor of any message in it, holds
 * a NUL byte in p[0..len), every occurrence counted. The input has been
 * accepted, so it parses; anything this walk cannot follow ends it.
 */
static bool strings_without_nul(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len,
                                unsigned depth)
{
        while (len > 0 && depth < MAX_MESSAGES) {
                const ProtobufCFieldDescriptor *f;
                uint64_t key, n = 0;
                size_t k = varint(p, len, &key), skip;

                if (k == 0)
                        return true;
                p += k;
                len -= k;
                switch (key & 7) {
                case 0:
                        skip = varint(p, len, &n);
                        break;
                case 1:
                        skip = 8;
                        break;
                case 5:
                        skip = 4;
                        break;
                case 2:
                        k = varint(p, len, &n);
                        if (k == 0 || n > len - k)
                                return true;
                        f = key >> 3 <= UINT32_MAX ?
                            protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3)) : NULL;
                        if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p + k, '\0', n))
                                return false;
                        if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                            !strings_without_nul(f->descriptor, p + k, n, depth + 1))
                                return false;
                        skip = k + n;
                        break;
                default:
                        return true;
                }
                if (skip == 0 || skip > len)
                        return true;
                p += skip;
                len -= skip;
        }
        return true;
}

static void check_ifname(const char *s, const char *what)
{
        FUZZ_ASSERT(!s || sb_proto_ifname_valid(s), "%s: interface name '%s' accepted", what, s);
}

static void check_address(const Sockbroker__Address *a, int family, bool bind)
{
        switch (a->kind_case) {
        case SOCKBROKER__ADDRESS__KIND_PACKET:
                FUZZ_ASSERT(!bind && family == AF_PACKET, "packet address for family %d", family);
                check_ifname(a->packet->ifname, "packet");
                FUZZ_ASSERT(!a->packet->has_protocol || a->packet->protocol <= 0xffff,
                            "EtherType 0x%x", a->packet->protocol);
                break;
        case SOCKBROKER__ADDRESS__KIND_INET:
                FUZZ_ASSERT(bind || family == AF_INET || family == AF_INET6,
                            "inet address for family %d", family);
                check_ifname(a->inet->ifname, "inet");
                if (bind) {
                        FUZZ_ASSERT(a->inet->has_port && !a->inet->ifname, "bind: inet port or ifname");
                        FUZZ_ASSERT(!a->inet->has_address || a->inet->address.len == 4 ||
                                    a->inet->address.len == 16, "bind: address of %zu bytes",
                                    a->inet->address.len);
                        FUZZ_ASSERT(!a->inet->has_scope_id ||
                                    (a->inet->has_address && a->inet->address.len == 16),
                                    "bind: scope id without an IPv6 address");
                } else {
                        FUZZ_ASSERT(!a->inet->has_address ||
                                    a->inet->address.len == (family == AF_INET ? 4u : 16u),
                                    "open: address of %zu bytes for family %d",
                                    a->inet->address.len, family);
                }
                FUZZ_ASSERT(!a->inet->has_port || a->inet->port <= 0xffff, "port %u", a->inet->port);
                break;
        case SOCKBROKER__ADDRESS__KIND_CAN:
                FUZZ_ASSERT(!bind && family == AF_CAN, "CAN address for family %d", family);
                check_ifname(a->can->ifname, "can");
                FUZZ_ASSERT((!a->can->has_pgn || a->can->pgn <= 0x40000) &&
                            (!a->can->has_addr || a->can->addr <= 0xff), "J1939 address");
                break;
        case SOCKBROKER__ADDRESS__KIND_BLUETOOTH:
                FUZZ_ASSERT(bind || family == AF_BLUETOOTH, "Bluetooth address for family %d",
                            family);
                FUZZ_ASSERT(!a->bluetooth->has_bdaddr || a->bluetooth->bdaddr.len == 6,
                            "bdaddr of %zu bytes", a->bluetooth->bdaddr.len);
                FUZZ_ASSERT((!a->bluetooth->has_dev || a->bluetooth->dev <= 0xfffe) &&
                            (!a->bluetooth->has_channel || a->bluetooth->channel <= 0xffff) &&
                            (!a->bluetooth->has_psm || a->bluetooth->psm <= 0xffff),
                            "Bluetooth numbers out of range");
                if (bind)
                        FUZZ_ASSERT(a->bluetooth->has_psm && !a->bluetooth->has_dev &&
                                    !a->bluetooth->has_channel, "bind: L2CAP takes a PSM only");
                break;
        case SOCKBROKER__ADDRESS__KIND__NOT_SET:
        case _SOCKBROKER__ADDRESS__KIND__CASE_IS_INT_SIZE:
                FUZZ_ASSERT(false, "an address of no kind accepted");
        }
}

/* The promises proto/protocol.h makes of an accepted request. */
static void check_promises(const SbRequest *r)
{
        FUZZ_ASSERT(r->has_version && r->version == SB_PROTO_VERSION, "version accepted");
        switch (r->op_case) {
        case SOCKBROKER__REQUEST__OP_OPEN:
                FUZZ_ASSERT(r->open->has_family && r->open->has_type, "open without family or type");
                if (r->open->address)
                        check_address(r->open->address, r->open->family, false);
                break;
        case SOCKBROKER__REQUEST__OP_BIND:
                FUZZ_ASSERT(r->bind->address, "bind without an address");
                FUZZ_ASSERT(r->bind->address->kind_case == SOCKBROKER__ADDRESS__KIND_INET ||
                            r->bind->address->kind_case == SOCKBROKER__ADDRESS__KIND_BLUETOOTH,
                            "bind to address kind %d", r->bind->address->kind_case);
                check_address(r->bind->address, 0, true);
                break;
        case SOCKBROKER__REQUEST__OP_SET_OPTION: {
                const Sockbroker__SetOption *o = r->set_option;

                FUZZ_ASSERT(o->has_level && o->level == SOL_SOCKET && o->has_name, "set-option level");
                if (o->name == SO_BINDTODEVICE) {
                        FUZZ_ASSERT(!o->has_value && o->ifname && sb_proto_ifname_valid(o->ifname),
                                    "bindtodevice without a valid name, or with a value");
                } else {
                        FUZZ_ASSERT(o->name == SO_MARK || o->name == SO_PRIORITY ||
                                    o->name == SO_RCVBUFFORCE || o->name == SO_SNDBUFFORCE,
                                    "option %d accepted", o->name);
                        FUZZ_ASSERT(!o->ifname && o->has_value && o->value >= 0 &&
                                    o->value <= (o->name == SO_MARK ? (int64_t)UINT32_MAX : INT32_MAX),
                                    "option %d with value %jd", o->name, (intmax_t)o->value);
                }
                break;
        }
        case SOCKBROKER__REQUEST__OP_LINK_CONFIG:
                FUZZ_ASSERT(r->link_config->ifname && sb_proto_ifname_valid(r->link_config->ifname),
                            "link without a valid interface");
                FUZZ_ASSERT(r->link_config->has_up != r->link_config->has_bitrate,
                            "link: not one of up and bitrate");
                break;
        case SOCKBROKER__REQUEST__OP_HCI_COMMAND:
                FUZZ_ASSERT(r->hci_command->has_dev && r->hci_command->dev <= 0xfffe &&
                            r->hci_command->has_opcode && r->hci_command->opcode >= 1 &&
                            r->hci_command->opcode <= 0xffff, "hci: dev or opcode");
                FUZZ_ASSERT(!r->hci_command->has_params ||
                            r->hci_command->params.len <= SB_PROTO_MAX_HCI_PARAMS,
                            "hci: %zu parameter bytes", r->hci_command->params.len);
                break;
        case SOCKBROKER__REQUEST__OP_STATUS:
                break;
        case SOCKBROKER__REQUEST__OP__NOT_SET:
        case _SOCKBROKER__REQUEST__OP__CASE_IS_INT_SIZE:
                FUZZ_ASSERT(false, "a request with no operation accepted");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        for (size_t n_fds = 0; n_fds <= SB_PROTO_MAX_FDS; n_fds++) {
                SbRequest *req = NULL, *again = NULL;
                struct fuzz_hidden hidden[MAX_MESSAGES];
                size_t n_hidden = 0;
                uint8_t buf[SB_PROTO_MAX_MESSAGE], buf2[SB_PROTO_MAX_MESSAGE];
                char why[SB_PROTO_MAX_REASON] = "";
                int r, len, len2;

                r = sb_proto_request_decode(data, size, n_fds, &req, why, sizeof(why));
                if (r < 0) {
                        FUZZ_ASSERT(why[0] != '\0', "refused with %d and no reason", r);
                        continue;
                }
                FUZZ_ASSERT(req, "accepted without a request");
                check_promises(req);
                FUZZ_ASSERT(strings_without_nul(&sockbroker__request__descriptor, data, size, 0),
                            "a string with a NUL byte accepted");
                {
                        unsigned lo, hi;

                        sb_proto_request_fds(req, &lo, &hi);
                        FUZZ_ASSERT(lo <= n_fds && n_fds <= hi, "accepted with %zu fds, op takes %u to %u",
                                    n_fds, lo, hi);
                }

                /* A field protobuf-c writes longer than it may be read
                 * (a negative int32 sent as 5 bytes) can push the
                 * canonical form over the limit; that is not a fault. */
                fuzz_unknown_fields_hide(&req->base, hidden, &n_hidden, MAX_MESSAGES);
                len = sb_proto_request_encode(req, buf, sizeof(buf));
                fuzz_unknown_fields_restore(hidden, n_hidden);
                if (len == -EMSGSIZE) {
                        sb_proto_request_free(req);
                        continue;
                }
                FUZZ_ASSERT(len >= 0, "re-encoding failed: %d", len);

                r = sb_proto_request_decode(buf, (size_t)len, n_fds, &again, why, sizeof(why));
                FUZZ_ASSERT(r == 0, "re-encoded request refused: %d (%s)", r, why);
                len2 = sb_proto_request_encode(again, buf2, sizeof(buf2));
                FUZZ_ASSERT(len2 == len && memcmp(buf, buf2, (size_t)len) == 0,
                            "encoding is not stable: %d then %d bytes", len, len2);

                sb_proto_request_free(again);
                sb_proto_request_free(req);
        }
        return 0;
}
