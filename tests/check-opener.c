/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-opener.c - the opener's exact message checks (daemon/opener-proto.c).
 */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "daemon/shared/opener-proto.h"
#include "daemon/broker/opener-send.h"
#include "policy/policy.h"
#include "tests/check-suites.h"

enum defect {
        DEFECT_NONE,
        DEFECT_SHORT,
        DEFECT_LONG,
        DEFECT_VERSION,
        DEFECT_TYPE,
        DEFECT_IFNAME_UNTERMINATED,
        DEFECT_FLAGS,
        DEFECT_ERROR_NEGATIVE,
        DEFECT_ERROR_HUGE,
        DEFECT_STAGE,
        DEFECT_MESSAGE_UNTERMINATED,
        DEFECT_IMAGE_TOO_BIG,
        DEFECT_SET_ERROR,
        DEFECT_RESERVED,
        DEFECT_PORT,
        DEFECT_FAMILY,
        DEFECT_OPTION_ZERO,
        DEFECT_OPTION_HUGE,
        DEFECT_WITNESS,
        DEFECT_ADDR_FLAGS,
        DEFECT_LINK_OP,
        DEFECT_IFNAME_EMPTY,
        DEFECT_HCI_N_PARAMS,
        DEFECT_HCI_TAIL,
        DEFECT_HCI_DEV,
        DEFECT_OPEN_LIMITS,      /* every address field at its largest */
        DEFECT_OPEN_UNFLAGGED,   /* every address field set, none flagged */
        DEFECT_OPEN_PSM_UNFLAGGED,
        DEFECT_OPEN_CHANNEL_UNFLAGGED,
        DEFECT_OPEN_IDS_UNFLAGGED,
        DEFECT_OPEN_DEV,
        DEFECT_OPEN_CHANNEL,
        DEFECT_OPEN_PSM,
        DEFECT_OPEN_J1939_ADDR,
        DEFECT_OPEN_J1939_PGN,
        DEFECT_COUNT_ZERO,
        DEFECT_COUNT_HUGE,       /* OPEN: 2; SPARE, SPARES: OPENER_MAX_SPARES + 1 */
        DEFECT_SPARE_PACKET,     /* a SPARE for a packet socket */
        DEFECT_SPARES_ERROR_COUNTED, /* SPARES: an error, and sockets counted */
};

static const struct opener_case {
        const char *name;
        enum opener_msg_type type;
        enum defect defect;
        size_t n_fds;
        int expect;              /* the type, or a negative errno */
} opener_cases[] = {
        { "open", OPENER_MSG_OPEN, DEFECT_NONE, 0, OPENER_MSG_OPEN },
        { "open with a descriptor but no witness flag", OPENER_MSG_OPEN, DEFECT_NONE, 1, -EBADF },
        { "open with its namespace witness", OPENER_MSG_OPEN, DEFECT_WITNESS, 1, OPENER_MSG_OPEN },
        { "open, witness flag without a socket", OPENER_MSG_OPEN, DEFECT_WITNESS, 0, -EBADF },
        { "open one byte short", OPENER_MSG_OPEN, DEFECT_SHORT, 0, -EBADMSG },
        { "open one byte long", OPENER_MSG_OPEN, DEFECT_LONG, 0, -EBADMSG },
        { "open of version 2", OPENER_MSG_OPEN, DEFECT_VERSION, 0, -EBADMSG },
        { "open, ifname not terminated", OPENER_MSG_OPEN, DEFECT_IFNAME_UNTERMINATED, 0, -EBADMSG },
        { "open with unknown flags", OPENER_MSG_OPEN, DEFECT_FLAGS, 0, -EBADMSG },
        { "unknown type 99", OPENER_MSG_OPEN, DEFECT_TYPE, 0, -EBADRQC },
        { "reload", OPENER_MSG_RELOAD, DEFECT_NONE, 0, OPENER_MSG_RELOAD },
        { "reload with a descriptor", OPENER_MSG_RELOAD, DEFECT_NONE, 1, -EBADF },
        { "reload one byte long", OPENER_MSG_RELOAD, DEFECT_LONG, 0, -EBADMSG },
        { "close with its descriptor", OPENER_MSG_CLOSE, DEFECT_NONE, 1, OPENER_MSG_CLOSE },
        { "close without a descriptor", OPENER_MSG_CLOSE, DEFECT_NONE, 0, -EBADF },
        { "close with two descriptors", OPENER_MSG_CLOSE, DEFECT_NONE, 2, -EBADF },
        { "result with a socket", OPENER_MSG_RESULT, DEFECT_NONE, 1, OPENER_MSG_RESULT },
        { "result without its socket", OPENER_MSG_RESULT, DEFECT_NONE, 0, -EBADF },
        { "error result", OPENER_MSG_RESULT, DEFECT_SET_ERROR, 0, OPENER_MSG_RESULT },
        { "error result with a socket", OPENER_MSG_RESULT, DEFECT_SET_ERROR, 1, -EBADF },
        { "result, negative errno", OPENER_MSG_RESULT, DEFECT_ERROR_NEGATIVE, 0, -EBADMSG },
        { "result, errno 5000", OPENER_MSG_RESULT, DEFECT_ERROR_HUGE, 0, -EBADMSG },
        { "result, unknown stage", OPENER_MSG_RESULT, DEFECT_STAGE, 0, -EBADMSG },
        { "result one byte short", OPENER_MSG_RESULT, DEFECT_SHORT, 1, -EBADMSG },
        { "policy with its image", OPENER_MSG_POLICY, DEFECT_NONE, 1, OPENER_MSG_POLICY },
        { "policy without its image", OPENER_MSG_POLICY, DEFECT_NONE, 0, -EBADF },
        { "policy error", OPENER_MSG_POLICY, DEFECT_SET_ERROR, 0, OPENER_MSG_POLICY },
        { "policy, message not terminated", OPENER_MSG_POLICY, DEFECT_MESSAGE_UNTERMINATED, 1, -EBADMSG },
        { "policy, image too large", OPENER_MSG_POLICY, DEFECT_IMAGE_TOO_BIG, 1, -EBADMSG },
        { "bind with its socket", OPENER_MSG_BIND, DEFECT_NONE, 1, OPENER_MSG_BIND },
        { "bind without a socket", OPENER_MSG_BIND, DEFECT_NONE, 0, -EBADF },
        { "bind, reserved field set", OPENER_MSG_BIND, DEFECT_RESERVED, 1, -EBADMSG },
        { "bind, port 65536", OPENER_MSG_BIND, DEFECT_PORT, 1, -EBADMSG },
        { "bind, family packet", OPENER_MSG_BIND, DEFECT_FAMILY, 1, -EBADMSG },
        { "setopt with its socket", OPENER_MSG_SETOPT, DEFECT_NONE, 1, OPENER_MSG_SETOPT },
        { "setopt without a socket", OPENER_MSG_SETOPT, DEFECT_NONE, 0, -EBADF },
        { "setopt, option 0", OPENER_MSG_SETOPT, DEFECT_OPTION_ZERO, 1, -EBADMSG },
        { "setopt, option 99", OPENER_MSG_SETOPT, DEFECT_OPTION_HUGE, 1, -EBADMSG },
        { "setopt, reserved field set", OPENER_MSG_SETOPT, DEFECT_RESERVED, 1, -EBADMSG },
        { "setopt, ifname not terminated", OPENER_MSG_SETOPT, DEFECT_IFNAME_UNTERMINATED, 1, -EBADMSG },
        { "done", OPENER_MSG_DONE, DEFECT_NONE, 0, OPENER_MSG_DONE },
        { "done with a descriptor", OPENER_MSG_DONE, DEFECT_NONE, 1, -EBADF },
        { "done, errno 5000", OPENER_MSG_DONE, DEFECT_ERROR_HUGE, 0, -EBADMSG },
        { "open, unknown address flags", OPENER_MSG_OPEN, DEFECT_ADDR_FLAGS, 0, -EBADMSG },
        { "open, address fields at their largest", OPENER_MSG_OPEN, DEFECT_OPEN_LIMITS, 0, OPENER_MSG_OPEN },
        { "open, address fields set but not flagged", OPENER_MSG_OPEN, DEFECT_OPEN_UNFLAGGED, 0, -EBADMSG },
        { "open, a PSM without its flag", OPENER_MSG_OPEN, DEFECT_OPEN_PSM_UNFLAGGED, 0, -EBADMSG },
        { "open, a channel without its flag", OPENER_MSG_OPEN, DEFECT_OPEN_CHANNEL_UNFLAGGED, 0, -EBADMSG },
        { "open, ISO-TP ids without their flag", OPENER_MSG_OPEN, DEFECT_OPEN_IDS_UNFLAGGED, 0, -EBADMSG },
        { "open, device 0xffff", OPENER_MSG_OPEN, DEFECT_OPEN_DEV, 0, -EBADMSG },
        { "open, channel 0x10000", OPENER_MSG_OPEN, DEFECT_OPEN_CHANNEL, 0, -EBADMSG },
        { "open, PSM 0x10000", OPENER_MSG_OPEN, DEFECT_OPEN_PSM, 0, -EBADMSG },
        { "open, J1939 address 0x100", OPENER_MSG_OPEN, DEFECT_OPEN_J1939_ADDR, 0, -EBADMSG },
        { "open, J1939 PGN 0x40001", OPENER_MSG_OPEN, DEFECT_OPEN_J1939_PGN, 0, -EBADMSG },
        { "link", OPENER_MSG_LINK, DEFECT_NONE, 0, OPENER_MSG_LINK },
        { "link with its namespace witness", OPENER_MSG_LINK, DEFECT_WITNESS, 1, OPENER_MSG_LINK },
        { "link with a descriptor but no witness flag", OPENER_MSG_LINK, DEFECT_NONE, 1, -EBADF },
        { "link, operation 4", OPENER_MSG_LINK, DEFECT_LINK_OP, 0, -EBADMSG },
        { "link, no interface", OPENER_MSG_LINK, DEFECT_IFNAME_EMPTY, 0, -EBADMSG },
        { "link, ifname not terminated", OPENER_MSG_LINK, DEFECT_IFNAME_UNTERMINATED, 0, -EBADMSG },
        { "link, reserved field set", OPENER_MSG_LINK, DEFECT_RESERVED, 0, -EBADMSG },
        { "link one byte short", OPENER_MSG_LINK, DEFECT_SHORT, 0, -EBADMSG },
        { "hci", OPENER_MSG_HCI, DEFECT_NONE, 0, OPENER_MSG_HCI },
        { "hci with a descriptor", OPENER_MSG_HCI, DEFECT_NONE, 1, -EBADF },
        { "hci, 256 parameter bytes", OPENER_MSG_HCI, DEFECT_HCI_N_PARAMS, 0, -EBADMSG },
        { "hci, bytes beyond the parameters", OPENER_MSG_HCI, DEFECT_HCI_TAIL, 0, -EBADMSG },
        { "hci, device 0xffff", OPENER_MSG_HCI, DEFECT_HCI_DEV, 0, -EBADMSG },
        { "hci done", OPENER_MSG_HCI_DONE, DEFECT_NONE, 0, OPENER_MSG_HCI_DONE },
        { "hci done with a descriptor", OPENER_MSG_HCI_DONE, DEFECT_NONE, 1, -EBADF },
        { "hci done, 256 data bytes", OPENER_MSG_HCI_DONE, DEFECT_HCI_N_PARAMS, 0, -EBADMSG },
        { "hci done, unknown stage", OPENER_MSG_HCI_DONE, DEFECT_STAGE, 0, -EBADMSG },
        { "open of no socket", OPENER_MSG_OPEN, DEFECT_COUNT_ZERO, 0, -EBADMSG },
        { "open of two sockets", OPENER_MSG_OPEN, DEFECT_COUNT_HUGE, 0, -EBADMSG },
        { "open, reserved field set", OPENER_MSG_OPEN, DEFECT_RESERVED, 0, -EBADMSG },
        { "spare", OPENER_MSG_SPARE, DEFECT_NONE, 0, OPENER_MSG_SPARE },
        { "spare with its namespace witness", OPENER_MSG_SPARE, DEFECT_WITNESS, 1, OPENER_MSG_SPARE },
        { "spare, witness flag without a socket", OPENER_MSG_SPARE, DEFECT_WITNESS, 0, -EBADF },
        { "spare with a descriptor but no witness flag", OPENER_MSG_SPARE, DEFECT_NONE, 1, -EBADF },
        { "spare of no socket", OPENER_MSG_SPARE, DEFECT_COUNT_ZERO, 0, -EBADMSG },
        { "spare of five sockets", OPENER_MSG_SPARE, DEFECT_COUNT_HUGE, 0, -EBADMSG },
        { "spare of a packet socket", OPENER_MSG_SPARE, DEFECT_SPARE_PACKET, 0, -EBADMSG },
        { "spare with address fields", OPENER_MSG_SPARE, DEFECT_OPEN_LIMITS, 0, -EBADMSG },
        { "spare, reserved field set", OPENER_MSG_SPARE, DEFECT_RESERVED, 0, -EBADMSG },
        { "spare one byte short", OPENER_MSG_SPARE, DEFECT_SHORT, 0, -EBADMSG },
        { "spares with their sockets", OPENER_MSG_SPARES, DEFECT_NONE, 4, OPENER_MSG_SPARES },
        { "spares, one socket short", OPENER_MSG_SPARES, DEFECT_NONE, 3, -EBADF },
        { "spares, counted none", OPENER_MSG_SPARES, DEFECT_COUNT_ZERO, 0, -EBADMSG },
        { "spares, five counted", OPENER_MSG_SPARES, DEFECT_COUNT_HUGE, 5, -EBADMSG },
        { "spares error", OPENER_MSG_SPARES, DEFECT_SET_ERROR, 0, OPENER_MSG_SPARES },
        { "spares error with sockets counted", OPENER_MSG_SPARES, DEFECT_SPARES_ERROR_COUNTED, 4, -EBADMSG },
        { "spares, errno 5000", OPENER_MSG_SPARES, DEFECT_ERROR_HUGE, 0, -EBADMSG },
        { "spares, unknown stage", OPENER_MSG_SPARES, DEFECT_STAGE, 0, -EBADMSG },
        { "spares, reserved field set", OPENER_MSG_SPARES, DEFECT_RESERVED, 4, -EBADMSG },
};

START_TEST(test_opener_table)
{
        const struct opener_case *c = &opener_cases[_i];
        union {
                struct opener_hdr hdr;
                struct opener_open open;
                struct opener_result result;
                struct opener_policy policy;
                struct opener_bind bind;
                struct opener_setopt setopt;
                struct opener_done done;
                struct opener_link link;
                struct opener_hci hci;
                struct opener_hci_done hci_done;
                struct opener_spares spares;
                char raw[OPENER_MAX_MESSAGE];
        } m;
        size_t len = opener_msg_size(c->type);
        int r;

        memset(&m, 0, sizeof(m));
        m.hdr.version = OPENER_PROTO_VERSION;
        m.hdr.type = (uint16_t)c->type;
        if (c->type == OPENER_MSG_OPEN) {
                m.open.family = AF_PACKET;
                m.open.type = SOCK_RAW;
                strcpy(m.open.ifname, "eth0");
                m.open.count = 1;
        }
        if (c->type == OPENER_MSG_SPARE) {
                m.open.family = AF_INET;
                m.open.type = SOCK_RAW;
                m.open.protocol = IPPROTO_ICMP;
                m.open.count = OPENER_MAX_SPARES;
        }
        if (c->type == OPENER_MSG_SPARES)
                m.spares.count = OPENER_MAX_SPARES;
        if (c->type == OPENER_MSG_BIND) {
                m.bind.family = AF_INET;
                m.bind.port = 80;
        }
        if (c->type == OPENER_MSG_SETOPT)
                m.setopt.option = OPENER_SOCKOPT_MARK;
        if (c->type == OPENER_MSG_LINK) {
                m.link.op = OPENER_LINK_UP;
                strcpy(m.link.ifname, "vcan0");
        }
        if (c->type == OPENER_MSG_HCI) {
                m.hci.opcode = 0x1009;
                m.hci.n_params = 2;
                m.hci.params[0] = m.hci.params[1] = 1;
        }

        switch (c->defect) {
        case DEFECT_NONE:
                break;
        case DEFECT_SHORT:
                len--;
                break;
        case DEFECT_LONG:
                len++;
                break;
        case DEFECT_VERSION:
                m.hdr.version = OPENER_PROTO_VERSION + 1;
                break;
        case DEFECT_TYPE:
                m.hdr.type = 99;
                break;
        case DEFECT_IFNAME_UNTERMINATED:
                if (c->type == OPENER_MSG_SETOPT)
                        memset(m.setopt.ifname, 'a', sizeof(m.setopt.ifname));
                else if (c->type == OPENER_MSG_LINK)
                        memset(m.link.ifname, 'a', sizeof(m.link.ifname));
                else
                        memset(m.open.ifname, 'a', sizeof(m.open.ifname));
                break;
        case DEFECT_RESERVED:
                if (c->type == OPENER_MSG_BIND)
                        m.bind.reserved = 1;
                else if (c->type == OPENER_MSG_OPEN || c->type == OPENER_MSG_SPARE)
                        m.open.reserved = 1;
                else if (c->type == OPENER_MSG_SPARES)
                        m.spares.reserved = 1;
                else if (c->type == OPENER_MSG_LINK)
                        m.link.reserved = 1;
                else
                        m.setopt.reserved = 1;
                break;
        case DEFECT_PORT:
                m.bind.port = 65536;
                break;
        case DEFECT_FAMILY:
                m.bind.family = AF_PACKET;
                break;
        case DEFECT_OPTION_ZERO:
                m.setopt.option = 0;
                break;
        case DEFECT_OPTION_HUGE:
                m.setopt.option = 99;
                break;
        case DEFECT_WITNESS:
                if (c->type == OPENER_MSG_LINK)
                        m.link.flags = OPENER_OPEN_CLIENT_NETNS;
                else
                        m.open.flags = OPENER_OPEN_CLIENT_NETNS;
                break;
        case DEFECT_ADDR_FLAGS:
                m.open.addr_flags = 1u << 20;
                break;
        case DEFECT_LINK_OP:
                m.link.op = 4;
                break;
        case DEFECT_IFNAME_EMPTY:
                m.link.ifname[0] = 0;
                break;
        case DEFECT_HCI_N_PARAMS:
                if (c->type == OPENER_MSG_HCI)
                        m.hci.n_params = OPENER_HCI_MAX_PARAMS + 1;
                else
                        m.hci_done.n_data = OPENER_HCI_MAX_PARAMS + 1;
                break;
        case DEFECT_HCI_TAIL:
                m.hci.params[2] = 1;
                break;
        case DEFECT_HCI_DEV:
                m.hci.dev = 0xffff;
                break;
        case DEFECT_FLAGS:
                m.open.flags = 0x100;
                break;
        case DEFECT_COUNT_ZERO:
                if (c->type == OPENER_MSG_SPARES)
                        m.spares.count = 0;
                else
                        m.open.count = 0;
                break;
        case DEFECT_COUNT_HUGE:
                if (c->type == OPENER_MSG_SPARES)
                        m.spares.count = OPENER_MAX_SPARES + 1;
                else
                        m.open.count = c->type == OPENER_MSG_OPEN ? 2 : OPENER_MAX_SPARES + 1;
                break;
        case DEFECT_SPARE_PACKET:
                m.open.family = AF_PACKET;
                break;
        case DEFECT_OPEN_LIMITS:
        case DEFECT_OPEN_UNFLAGGED:
                m.open.addr_flags = c->defect == DEFECT_OPEN_LIMITS ? _OPENER_ADDR_ALL : 0;
                m.open.dev = c->defect == DEFECT_OPEN_LIMITS ? 0xfffe : UINT32_MAX;
                m.open.channel = m.open.psm = c->defect == DEFECT_OPEN_LIMITS ? 0xffff : UINT32_MAX;
                m.open.j1939_addr = c->defect == DEFECT_OPEN_LIMITS ? 0xff : UINT32_MAX;
                m.open.j1939_pgn = c->defect == DEFECT_OPEN_LIMITS ? 0x40000 : UINT32_MAX;
                break;
        case DEFECT_OPEN_PSM_UNFLAGGED:
                m.open.addr_flags = OPENER_ADDR_DEV;
                m.open.psm = 0x1;
                break;
        case DEFECT_OPEN_CHANNEL_UNFLAGGED:
                m.open.addr_flags = OPENER_ADDR_DEV;
                m.open.channel = 5;
                break;
        case DEFECT_OPEN_IDS_UNFLAGGED:
                m.open.rx_id = 0x7e8;
                break;
        case DEFECT_OPEN_DEV:
                m.open.addr_flags = OPENER_ADDR_DEV;
                m.open.dev = 0xffff;
                break;
        case DEFECT_OPEN_CHANNEL:
                m.open.addr_flags = OPENER_ADDR_CHANNEL;
                m.open.channel = 0x10000;
                break;
        case DEFECT_OPEN_PSM:
                m.open.addr_flags = OPENER_ADDR_PSM;
                m.open.psm = 0x10000;
                break;
        case DEFECT_OPEN_J1939_ADDR:
                m.open.addr_flags = OPENER_ADDR_J1939;
                m.open.j1939_addr = 0x100;
                break;
        case DEFECT_OPEN_J1939_PGN:
                m.open.addr_flags = OPENER_ADDR_J1939;
                m.open.j1939_pgn = 0x40001;
                break;
        case DEFECT_ERROR_NEGATIVE:
                m.result.error = -1;
                break;
        case DEFECT_ERROR_HUGE:
                if (c->type == OPENER_MSG_DONE)
                        m.done.error = 5000;
                else
                        m.result.error = 5000;
                if (c->type == OPENER_MSG_SPARES)
                        m.spares.count = 0;
                break;
        case DEFECT_STAGE:
                if (c->type == OPENER_MSG_HCI_DONE) {
                        m.hci_done.error = EPERM;
                        m.hci_done.stage = 99;
                } else {
                        m.result.error = EPERM;
                        m.result.stage = 99;
                }
                if (c->type == OPENER_MSG_SPARES)
                        m.spares.count = 0;
                break;
        case DEFECT_MESSAGE_UNTERMINATED:
                memset(m.policy.message, 'x', sizeof(m.policy.message));
                break;
        case DEFECT_IMAGE_TOO_BIG:
                m.policy.size = (uint64_t)OPENER_MAX_POLICY_IMAGE + 1;
                break;
        case DEFECT_SET_ERROR:
                if (c->type == OPENER_MSG_RESULT)
                        m.result.error = EPERM;
                else if (c->type == OPENER_MSG_SPARES)
                        m.spares = (struct opener_spares) { .hdr = m.hdr, .error = EMFILE,
                                                            .stage = OPENER_STAGE_CREATE };
                else
                        m.policy.error = EINVAL;
                break;
        case DEFECT_SPARES_ERROR_COUNTED:
                m.spares.error = EMFILE;
                break;
        }

        r = opener_msg_check(&m, len, c->n_fds);
        ck_assert_msg(r == c->expect, "%s: got %d, expected %d", c->name, r, c->expect);
}
END_TEST

START_TEST(test_every_length)
{
        char buf[OPENER_MAX_MESSAGE];
        struct opener_hdr hdr = { OPENER_PROTO_VERSION, OPENER_MSG_OPEN, 0 };

        memset(buf, 0, sizeof(buf));
        memcpy(buf, &hdr, sizeof(hdr));
        ((struct opener_open *)(void *)buf)->count = 1;
        for (size_t len = 0; len <= sizeof(buf); len++) {
                int r = opener_msg_check(buf, len, 0);

                if (len == sizeof(struct opener_open))
                        ck_assert_int_eq(r, OPENER_MSG_OPEN);
                else
                        ck_assert_int_lt(r, 0);
        }
}
END_TEST

START_TEST(test_stage_names)
{
        for (unsigned s = OPENER_STAGE_NONE; s < _OPENER_STAGE_MAX; s++)
                ck_assert_str_ne(opener_stage_to_string((enum opener_stage)s), "unknown");
        ck_assert_str_eq(opener_stage_to_string((enum opener_stage)99), "unknown");
}
END_TEST

/* An OPEN request, address fields and all, survives the trip to the opener. */
START_TEST(test_open_request_round_trip)
{
        const struct policy_request reqs[] = {
                { .op = POLICY_OP_OPEN, .family = AF_CAN, .type = SOCK_DGRAM, .protocol = 6,
                  .ifname = "vcan0", .has_can_ids = true, .rx_id = 0x7e8, .tx_id = 0x800007e0u,
                  .can_fd = true },
                { .op = POLICY_OP_OPEN, .family = AF_CAN, .type = SOCK_DGRAM, .protocol = 7,
                  .ifname = "can1", .has_j1939 = true, .j1939_name = 0xa000000000000001ull,
                  .j1939_pgn = 0x40000, .j1939_addr = 0xff },
                { .op = POLICY_OP_OPEN, .family = AF_BLUETOOTH, .type = SOCK_SEQPACKET,
                  .protocol = 0, .has_dev = true, .dev = 3, .has_port = true, .port = 0x81 },
                { .op = POLICY_OP_OPEN, .family = AF_BLUETOOTH, .type = SOCK_RAW, .protocol = 1,
                  .has_channel = true, .channel = 2 },
                { .op = POLICY_OP_OPEN, .family = AF_PACKET, .type = SOCK_RAW, .protocol = 0x88f7,
                  .ifname = "eth0" },
        };

        for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
                const struct policy_request *a = &reqs[i];
                struct opener_open m;
                struct policy_request b;

                memset(&m, 0, sizeof(m));
                m.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_OPEN, 0 };
                opener_open_set_request(&m, a);
                ck_assert_int_eq(opener_msg_check(&m, sizeof(m), 0), OPENER_MSG_OPEN);
                opener_open_get_request(&m, &b);

                ck_assert_int_eq(b.op, POLICY_OP_OPEN);
                ck_assert_int_eq(b.family, a->family);
                ck_assert_int_eq(b.type, a->type);
                ck_assert_uint_eq(b.protocol, a->protocol);
                ck_assert_str_eq(b.ifname ?: "", a->ifname ?: "");
                ck_assert_int_eq(b.has_can_ids, a->has_can_ids);
                ck_assert_uint_eq(b.rx_id, a->rx_id);
                ck_assert_uint_eq(b.tx_id, a->tx_id);
                ck_assert_int_eq(b.has_j1939, a->has_j1939);
                ck_assert_uint_eq(b.j1939_name, a->j1939_name);
                ck_assert_uint_eq(b.j1939_pgn, a->j1939_pgn);
                ck_assert_uint_eq(b.j1939_addr, a->j1939_addr);
                ck_assert_int_eq(b.can_fd, a->can_fd);
                ck_assert_int_eq(b.has_dev, a->has_dev);
                ck_assert_uint_eq(b.dev, a->dev);
                ck_assert_int_eq(b.has_channel, a->has_channel);
                ck_assert_uint_eq(b.channel, a->channel);
                ck_assert_int_eq(b.has_port, a->has_port);
                ck_assert_uint_eq(b.port, a->port);
        }
}
END_TEST

/*
 * The wire between a broker and an opener installed apart: every value
 * and every layout, pinned. A change here is a change of
 * OPENER_PROTO_VERSION.
 */
START_TEST(test_wire_pinned)
{
        ck_assert_uint_eq(OPENER_PROTO_VERSION, 5);
        ck_assert_uint_eq(OPENER_MAX_FILTER, 480);
        ck_assert_uint_eq(OPENER_MAX_MESSAGE, 4096);
        ck_assert_uint_eq(OPENER_MSG_OPEN, 1);
        ck_assert_uint_eq(OPENER_MSG_RELOAD, 2);
        ck_assert_uint_eq(OPENER_MSG_CLOSE, 3);
        ck_assert_uint_eq(OPENER_MSG_BIND, 4);
        ck_assert_uint_eq(OPENER_MSG_SETOPT, 5);
        ck_assert_uint_eq(OPENER_MSG_LINK, 6);
        ck_assert_uint_eq(OPENER_MSG_HCI, 7);
        ck_assert_uint_eq(OPENER_MSG_SPARE, 8);
        ck_assert_uint_eq(OPENER_MSG_RESULT, 16);
        ck_assert_uint_eq(OPENER_MSG_POLICY, 17);
        ck_assert_uint_eq(OPENER_MSG_DONE, 18);
        ck_assert_uint_eq(OPENER_MSG_HCI_DONE, 19);
        ck_assert_uint_eq(OPENER_MSG_SPARES, 20);
        ck_assert_uint_eq(OPENER_MAX_SPARES, 4);
        ck_assert_uint_eq(OPENER_OPEN_NONBLOCK, 1);
        ck_assert_uint_eq(OPENER_OPEN_CLIENT_NETNS, 2);
        ck_assert_uint_eq(OPENER_ADDR_CAN_IDS, 1);
        ck_assert_uint_eq(OPENER_ADDR_J1939, 2);
        ck_assert_uint_eq(OPENER_ADDR_CAN_FD, 4);
        ck_assert_uint_eq(OPENER_ADDR_DEV, 8);
        ck_assert_uint_eq(OPENER_ADDR_CHANNEL, 16);
        ck_assert_uint_eq(OPENER_ADDR_PSM, 32);
        ck_assert_uint_eq(OPENER_SOCKOPT_MARK, 1);
        ck_assert_uint_eq(OPENER_SOCKOPT_PRIORITY, 2);
        ck_assert_uint_eq(OPENER_SOCKOPT_RCVBUFFORCE, 3);
        ck_assert_uint_eq(OPENER_SOCKOPT_SNDBUFFORCE, 4);
        ck_assert_uint_eq(OPENER_SOCKOPT_BINDTODEVICE, 5);
        ck_assert_uint_eq(OPENER_LINK_UP, 1);
        ck_assert_uint_eq(OPENER_LINK_DOWN, 2);
        ck_assert_uint_eq(OPENER_LINK_BITRATE, 3);
        ck_assert_uint_eq(OPENER_STAGE_NONE, 0);
        ck_assert_uint_eq(OPENER_STAGE_CREATE, 1);
        ck_assert_uint_eq(OPENER_STAGE_INTERFACE, 2);
        ck_assert_uint_eq(OPENER_STAGE_BIND, 3);
        ck_assert_uint_eq(OPENER_STAGE_PIN, 4);
        ck_assert_uint_eq(OPENER_STAGE_FILTER, 5);
        ck_assert_uint_eq(OPENER_STAGE_SETOPT, 6);
        ck_assert_uint_eq(OPENER_STAGE_NETNS, 7);
        ck_assert_uint_eq(OPENER_STAGE_LINK, 8);
        ck_assert_uint_eq(OPENER_STAGE_DEVICE, 9);

        ck_assert_uint_eq(sizeof(struct opener_hdr), 8);
        ck_assert_uint_eq(sizeof(struct opener_open), 96);
        ck_assert_uint_eq(offsetof(struct opener_open, count), 88);
        ck_assert_uint_eq(offsetof(struct opener_open, filter_len), 92);
        ck_assert_uint_eq(offsetof(struct opener_open_filter, filter), 96);
        ck_assert_uint_eq(sizeof(struct opener_open_filter), 96 + 480 * 8);
        ck_assert_uint_eq(offsetof(struct opener_open, ifname), 32);
        ck_assert_uint_eq(offsetof(struct opener_open, j1939_name), 64);
        ck_assert_uint_eq(sizeof(struct opener_bind), 48);
        ck_assert_uint_eq(offsetof(struct opener_bind, address), 24);
        ck_assert_uint_eq(sizeof(struct opener_setopt), 48);
        ck_assert_uint_eq(offsetof(struct opener_setopt, option), 16);
        ck_assert_uint_eq(offsetof(struct opener_setopt, value), 24);
        ck_assert_uint_eq(sizeof(struct opener_link), 48);
        ck_assert_uint_eq(offsetof(struct opener_link, op), 16);
        ck_assert_uint_eq(sizeof(struct opener_hci), 284);
        ck_assert_uint_eq(sizeof(struct opener_hci_done), 280);
        ck_assert_uint_eq(sizeof(struct opener_result), 16);
        ck_assert_uint_eq(sizeof(struct opener_done), 16);
        ck_assert_uint_eq(sizeof(struct opener_spares), 24);
        ck_assert_uint_eq(offsetof(struct opener_spares, count), 16);
        ck_assert_uint_eq(sizeof(struct opener_policy), 544);
        ck_assert_uint_eq(offsetof(struct opener_policy, netns_cookie), 24);
}
END_TEST

/* Every policy value maps to the wire and back to itself. */
START_TEST(test_wire_mapping)
{
        static const int sockopts[] = {
                POLICY_SOCKOPT_MARK, POLICY_SOCKOPT_PRIORITY, POLICY_SOCKOPT_RCVBUFFORCE,
                POLICY_SOCKOPT_SNDBUFFORCE, POLICY_SOCKOPT_BINDTODEVICE,
        };
        static const int links[] = { POLICY_LINK_UP, POLICY_LINK_DOWN, POLICY_LINK_BITRATE };
        int v;

        for (size_t i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++) {
                ck_assert(opener_sockopt_to_policy(opener_sockopt_from_policy(sockopts[i]), &v));
                ck_assert_int_eq(v, sockopts[i]);
        }
        for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
                ck_assert(opener_link_op_to_policy(opener_link_op_from_policy(links[i]), &v));
                ck_assert_int_eq(v, links[i]);
        }
        ck_assert_uint_eq(opener_sockopt_from_policy(POLICY_SOCKOPT_NONE), 0);
        ck_assert(!opener_sockopt_to_policy(0, &v));
        ck_assert(!opener_sockopt_to_policy(6, &v));
        ck_assert(!opener_link_op_to_policy(0, &v));
        ck_assert(!opener_link_op_to_policy(4, &v));
}
END_TEST

/* An OPEN of a packet socket with the client's filter: as long as its
 * filter, and only a packet socket's, and only one that checks out. */
START_TEST(test_open_filter)
{
        struct opener_open_filter m = {};
        const size_t base = sizeof(struct opener_open);

        m.open.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_OPEN, 0 };
        m.open.family = AF_PACKET;
        m.open.type = SOCK_RAW;
        m.open.count = 1;
        m.open.filter_len = 2;
        m.filter[0] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12);
        m.filter[1] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0xffff);
        ck_assert_int_eq(opener_msg_check(&m, base + 16, 0), OPENER_MSG_OPEN);
        ck_assert_int_eq(opener_msg_check(&m, base + 8, 0), -EBADMSG);
        ck_assert_int_eq(opener_msg_check(&m, base + 24, 0), -EBADMSG);
        ck_assert_int_eq(opener_msg_check(&m, base, 0), -EBADMSG);

        m.open.family = AF_INET;
        ck_assert_int_eq(opener_msg_check(&m, base + 16, 0), -EBADMSG);
        m.open.family = AF_PACKET;
        m.open.hdr.type = OPENER_MSG_SPARE;
        ck_assert_int_eq(opener_msg_check(&m, base + 16, 0), -EBADMSG);
        m.open.hdr.type = OPENER_MSG_OPEN;

        m.filter[1] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_IMM, 0);
        ck_assert_int_eq(opener_msg_check(&m, base + 16, 0), -EBADMSG);
        m.filter[1] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_A, 0);
        ck_assert_int_eq(opener_msg_check(&m, base + 16, 0), OPENER_MSG_OPEN);

        m.open.filter_len = OPENER_MAX_FILTER + 1;
        ck_assert_int_eq(opener_msg_check(&m, sizeof(m), 0), -EBADMSG);
        m.open.filter_len = OPENER_MAX_FILTER;
        for (size_t i = 0; i < OPENER_MAX_FILTER; i++)
                m.filter[i] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0);
        ck_assert_int_eq(opener_msg_check(&m, sizeof(m), 0), OPENER_MSG_OPEN);
}
END_TEST

static const struct {
        const char *name;
        struct sock_filter code[4];
        size_t n;
        const char *why;         /* NULL: accepted */
} filter_cases[] = {
        { "accept all", { BPF_STMT(BPF_RET | BPF_K, 0xffffffff) }, 1, NULL },
        { "an EtherType", { BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
                            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x800, 0, 1),
                            BPF_STMT(BPF_RET | BPF_K, 0xffff), BPF_STMT(BPF_RET | BPF_K, 0) }, 4, NULL },
        { "ancillary and scratch", { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
                                     BPF_STMT(BPF_ST, 15), BPF_STMT(BPF_LDX | BPF_MEM, 15),
                                     BPF_STMT(BPF_RET | BPF_A, 0) }, 4, NULL },
        { "empty", { BPF_STMT(BPF_RET | BPF_K, 0) }, 0, "a filter has 1 to 480 instructions" },
        { "481", { BPF_STMT(BPF_RET | BPF_K, 0) }, 481, "a filter has 1 to 480 instructions" },
        { "no return last", { BPF_STMT(BPF_LD | BPF_IMM, 1) }, 1, "a filter does not end with a return" },
        { "jt past the end", { BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 1, 1, 0),
                               BPF_STMT(BPF_RET | BPF_K, 0) }, 2, "a filter jumps past its end" },
        { "jf past the end", { BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 1, 0, 200),
                               BPF_STMT(BPF_RET | BPF_K, 0) }, 2, "a filter jumps past its end" },
        { "ja past the end", { BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), BPF_STMT(BPF_RET | BPF_K, 0) }, 2,
          "a filter jumps past its end" },
        { "ja to the last", { BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), BPF_STMT(BPF_RET | BPF_K, 1),
                              BPF_STMT(BPF_RET | BPF_K, 0) }, 3, NULL },
        { "eBPF's call", { { BPF_JMP | 0x80, 0, 0, 1 }, BPF_STMT(BPF_RET | BPF_K, 0) }, 2,
          "a filter instruction has an unknown opcode" },
        { "ret x", { BPF_STMT(BPF_RET | BPF_X, 0) }, 1, "a filter instruction has an unknown opcode" },
        { "M[16]", { BPF_STMT(BPF_LD | BPF_MEM, 16), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          "a filter uses scratch memory beyond M[15]" },
        { "stx M[1000]", { BPF_STMT(BPF_STX, 1000), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          "a filter uses scratch memory beyond M[15]" },
        { "div 0", { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          "a filter divides by a constant zero" },
        { "mod 0", { BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2,
          "a filter divides by a constant zero" },
        { "div x", { BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2, NULL },
};

START_TEST(test_filter_check)
{
        static struct sock_filter code[OPENER_MAX_FILTER + 1];
        const char *why;

        memset(code, 0, sizeof(code));
        memcpy(code, filter_cases[_i].code, sizeof(filter_cases[_i].code));
        for (size_t k = 4; k < filter_cases[_i].n; k++)
                code[k] = code[0];
        why = opener_filter_check(code, filter_cases[_i].n);
        if (filter_cases[_i].why)
                ck_assert_msg(why && strcmp(why, filter_cases[_i].why) == 0, "%s: %s",
                              filter_cases[_i].name, why ?: "accepted");
        else
                ck_assert_msg(!why, "%s: %s", filter_cases[_i].name, why);
}
END_TEST

Suite *make_opener_suite(void)
{
        Suite *s = suite_create("opener");
        TCase *tc = tcase_create("messages");

        tcase_add_loop_test(tc, test_opener_table, 0, (int)(sizeof(opener_cases) / sizeof(opener_cases[0])));
        tcase_add_test(tc, test_every_length);
        tcase_add_test(tc, test_stage_names);
        tcase_add_test(tc, test_open_request_round_trip);
        tcase_add_test(tc, test_wire_pinned);
        tcase_add_test(tc, test_wire_mapping);
        tcase_add_test(tc, test_open_filter);
        tcase_add_loop_test(tc, test_filter_check, 0,
                            (int)(sizeof(filter_cases) / sizeof(filter_cases[0])));
        suite_add_tcase(s, tc);
        return s;
}
