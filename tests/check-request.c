/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-request.c - the pure request layer (daemon/broker/request.c):
 * from a decoded request to the policy request and the opener message,
 * case by case, and what sealing writes into the message.
 */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/can.h>
#include <linux/can/j1939.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/bt.h"
#include "daemon/broker/request.h"
#include "policy/policy-compile.h"
#include "tests/check-suites.h"

enum shape {
        OPEN_PACKET,
        OPEN_PACKET_ETHERTYPE_DIFFERS,
        OPEN_INET_PINNED,
        OPEN_INET_LOCAL_ADDRESS,
        OPEN_CAN_ISOTP,
        OPEN_CAN_ISOTP_NO_IDS,
        OPEN_CAN_J1939,
        OPEN_CAN_J1939_BARE,
        OPEN_BT_L2CAP,
        OPEN_BT_BDADDR,
        OPEN_UNIX,
        OPEN_NONBLOCK,
        BIND_INET,
        BIND_INET_ON_INET6,
        BIND_SCOPE_ON_INET,
        BIND_INET6_SCOPE,
        BIND_L2CAP,
        BIND_L2CAP_INET_ADDRESS,
        BIND_PACKET_SOCKET,
        SETOPT_MARK,
        SETOPT_PRIORITY,
        SETOPT_RCVBUFFORCE,
        SETOPT_SNDBUFFORCE,
        SETOPT_BINDTODEVICE,
        LINK_UP,
        LINK_DOWN,
        LINK_BITRATE,
        HCI_READ_BD_ADDR,
        HCI_SCAN_ENABLE_SHORT,
        HCI_UNKNOWN_ANY_LENGTH,
        STATUS,
};

static const struct request_case {
        const char *name;
        enum shape shape;
        int expect;               /* 0, or the positive errno of a refusal */
        const char *why;          /* a word of the refusal */
        enum opener_msg_type answer;
        bool client_socket;
} request_cases[] = {
        { "open packet@eth0", OPEN_PACKET, 0, NULL, OPENER_MSG_RESULT, false },
        { "open packet, address EtherType differs", OPEN_PACKET_ETHERTYPE_DIFFERS, EINVAL, "EtherType" },
        { "open raw IP pinned to eth0", OPEN_INET_PINNED, 0, NULL, OPENER_MSG_RESULT, false },
        { "open raw IP with a local address", OPEN_INET_LOCAL_ADDRESS, EOPNOTSUPP, "device only" },
        { "open ISO-TP with its ids", OPEN_CAN_ISOTP, 0, NULL, OPENER_MSG_RESULT, false },
        { "open ISO-TP without ids", OPEN_CAN_ISOTP_NO_IDS, EDESTADDRREQ, "rx and tx" },
        { "open J1939 bound", OPEN_CAN_J1939, 0, NULL, OPENER_MSG_RESULT, false },
        { "open J1939 unbound", OPEN_CAN_J1939_BARE, EDESTADDRREQ, "NAME" },
        { "open L2CAP on hci0, PSM 0x81", OPEN_BT_L2CAP, 0, NULL, OPENER_MSG_RESULT, false },
        { "open Bluetooth naming an address", OPEN_BT_BDADDR, EOPNOTSUPP, "controller" },
        { "open AF_UNIX", OPEN_UNIX, EAFNOSUPPORT, "family" },
        { "open nonblocking", OPEN_NONBLOCK, 0, NULL, OPENER_MSG_RESULT, false },
        { "bind inet socket to port 80", BIND_INET, 0, NULL, OPENER_MSG_DONE, true },
        { "bind an IPv4 address on an inet6 socket", BIND_INET_ON_INET6, EAFNOSUPPORT, "family" },
        { "bind with a scope id on inet", BIND_SCOPE_ON_INET, EAFNOSUPPORT, "scope" },
        { "bind inet6 with a scope id", BIND_INET6_SCOPE, 0, NULL, OPENER_MSG_DONE, true },
        { "bind L2CAP PSM 0x81", BIND_L2CAP, 0, NULL, OPENER_MSG_DONE, true },
        { "bind L2CAP socket to an inet address", BIND_L2CAP_INET_ADDRESS, EINVAL, "PSM" },
        { "bind a packet socket", BIND_PACKET_SOCKET, EAFNOSUPPORT, "L2CAP" },
        { "set mark", SETOPT_MARK, 0, NULL, OPENER_MSG_DONE, true },
        { "set priority", SETOPT_PRIORITY, 0, NULL, OPENER_MSG_DONE, true },
        { "set rcvbufforce", SETOPT_RCVBUFFORCE, 0, NULL, OPENER_MSG_DONE, true },
        { "set sndbufforce", SETOPT_SNDBUFFORCE, 0, NULL, OPENER_MSG_DONE, true },
        { "set bindtodevice", SETOPT_BINDTODEVICE, 0, NULL, OPENER_MSG_DONE, true },
        { "link up", LINK_UP, 0, NULL, OPENER_MSG_DONE, false },
        { "link down", LINK_DOWN, 0, NULL, OPENER_MSG_DONE, false },
        { "link bitrate", LINK_BITRATE, 0, NULL, OPENER_MSG_DONE, false },
        { "hci read-bd-addr", HCI_READ_BD_ADDR, 0, NULL, OPENER_MSG_HCI_DONE, false },
        { "hci le-set-scan-enable with 1 byte", HCI_SCAN_ENABLE_SHORT, EINVAL, "parameter" },
        { "hci vendor command, any length", HCI_UNKNOWN_ANY_LENGTH, 0, NULL, OPENER_MSG_HCI_DONE, false },
        { "status", STATUS, 0, NULL, 0, false },
};

struct built {
        SbRequest req;
        Sockbroker__Open open;
        Sockbroker__Bind bind;
        Sockbroker__SetOption setopt;
        Sockbroker__LinkConfig link;
        Sockbroker__HciCommand hci;
        Sockbroker__Status status;
        Sockbroker__Address addr;
        Sockbroker__PacketAddress packet;
        Sockbroker__InetAddress inet;
        Sockbroker__CanAddress can;
        Sockbroker__BluetoothAddress bt;
        struct policy_request sock;
        uint8_t ip[16];
        uint8_t bd[6];
        uint8_t params[4];
        char ifname[16];
};

static void build(enum shape s, struct built *b)
{
        *b = (struct built) {
                .req = SOCKBROKER__REQUEST__INIT,
                .open = SOCKBROKER__OPEN__INIT,
                .bind = SOCKBROKER__BIND__INIT,
                .setopt = SOCKBROKER__SET_OPTION__INIT,
                .link = SOCKBROKER__LINK_CONFIG__INIT,
                .hci = SOCKBROKER__HCI_COMMAND__INIT,
                .status = SOCKBROKER__STATUS__INIT,
                .addr = SOCKBROKER__ADDRESS__INIT,
                .packet = SOCKBROKER__PACKET_ADDRESS__INIT,
                .inet = SOCKBROKER__INET_ADDRESS__INIT,
                .can = SOCKBROKER__CAN_ADDRESS__INIT,
                .bt = SOCKBROKER__BLUETOOTH_ADDRESS__INIT,
                .ip = { 127, 0, 0, 1 },
                .bd = { 1, 2, 3, 4, 5, 6 },
                .params = { 1, 0 },
                .ifname = "eth0",
        };
        b->req.has_id = true;
        b->req.id = 9;
        b->req.op_case = SOCKBROKER__REQUEST__OP_OPEN;
        b->req.open = &b->open;
        b->open.has_family = b->open.has_type = b->open.has_protocol = true;
        b->open.address = &b->addr;

        switch (s) {
        case OPEN_PACKET:
        case OPEN_PACKET_ETHERTYPE_DIFFERS:
        case OPEN_NONBLOCK:
                b->open.family = AF_PACKET;
                b->open.type = SOCK_RAW;
                b->open.protocol = ETH_P_ALL;
                b->addr.kind_case = SOCKBROKER__ADDRESS__KIND_PACKET;
                b->addr.packet = &b->packet;
                b->packet.ifname = b->ifname;
                b->packet.has_protocol = s == OPEN_PACKET_ETHERTYPE_DIFFERS;
                b->packet.protocol = 0x88b5;
                b->open.has_flags = s == OPEN_NONBLOCK;
                b->open.flags = SOCKBROKER__OPEN_FLAGS__OPEN_FLAG_NONBLOCK;
                break;
        case OPEN_INET_PINNED:
        case OPEN_INET_LOCAL_ADDRESS:
                b->open.family = AF_INET;
                b->open.type = SOCK_RAW;
                b->open.protocol = IPPROTO_ICMP;
                b->addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                b->addr.inet = &b->inet;
                b->inet.ifname = b->ifname;
                b->inet.has_address = s == OPEN_INET_LOCAL_ADDRESS;
                b->inet.address.data = b->ip;
                b->inet.address.len = 4;
                break;
        case OPEN_CAN_ISOTP:
        case OPEN_CAN_ISOTP_NO_IDS:
        case OPEN_CAN_J1939:
        case OPEN_CAN_J1939_BARE:
                b->open.family = AF_CAN;
                b->open.type = SOCK_DGRAM;
                b->open.protocol = s == OPEN_CAN_ISOTP || s == OPEN_CAN_ISOTP_NO_IDS ? CAN_ISOTP : CAN_J1939;
                b->addr.kind_case = SOCKBROKER__ADDRESS__KIND_CAN;
                b->addr.can = &b->can;
                strcpy(b->ifname, "vcan0");
                b->can.ifname = b->ifname;
                b->can.has_rx_id = b->can.has_tx_id = s == OPEN_CAN_ISOTP;
                b->can.rx_id = 0x7e8;
                b->can.tx_id = 0x7e0;
                b->can.has_pgn = b->can.has_addr = s == OPEN_CAN_J1939;
                b->can.pgn = 0x12300;
                b->can.addr = 0x20;
                break;
        case OPEN_BT_L2CAP:
        case OPEN_BT_BDADDR:
                b->open.family = AF_BLUETOOTH;
                b->open.type = SOCK_SEQPACKET;
                b->open.protocol = BTPROTO_L2CAP;
                b->addr.kind_case = SOCKBROKER__ADDRESS__KIND_BLUETOOTH;
                b->addr.bluetooth = &b->bt;
                b->bt.has_dev = b->bt.has_psm = true;
                b->bt.psm = 0x81;
                b->bt.has_bdaddr = s == OPEN_BT_BDADDR;
                b->bt.bdaddr.data = b->bd;
                b->bt.bdaddr.len = 6;
                break;
        case OPEN_UNIX:
                b->open.family = AF_UNIX;
                b->open.type = SOCK_STREAM;
                b->open.address = NULL;
                break;
        case BIND_INET:
        case BIND_INET_ON_INET6:
        case BIND_SCOPE_ON_INET:
        case BIND_INET6_SCOPE:
        case BIND_L2CAP_INET_ADDRESS:
        case BIND_PACKET_SOCKET:
                b->req.op_case = SOCKBROKER__REQUEST__OP_BIND;
                b->req.bind = &b->bind;
                b->bind.address = &b->addr;
                b->addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                b->addr.inet = &b->inet;
                b->inet.has_port = true;
                b->inet.port = 80;
                b->inet.has_address = s != BIND_SCOPE_ON_INET;
                b->inet.address.data = b->ip;
                b->inet.address.len = s == BIND_INET6_SCOPE ? 16 : 4;
                b->inet.has_scope_id = s == BIND_SCOPE_ON_INET || s == BIND_INET6_SCOPE;
                b->inet.scope_id = 2;
                b->sock = (struct policy_request) { .family = AF_INET, .type = SOCK_STREAM,
                                                    .protocol = IPPROTO_TCP };
                if (s == BIND_INET_ON_INET6 || s == BIND_INET6_SCOPE)
                        b->sock.family = AF_INET6;
                if (s == BIND_L2CAP_INET_ADDRESS)
                        b->sock = (struct policy_request) { .family = AF_BLUETOOTH,
                                                            .type = SOCK_SEQPACKET,
                                                            .protocol = BTPROTO_L2CAP };
                if (s == BIND_PACKET_SOCKET)
                        b->sock = (struct policy_request) { .family = AF_PACKET, .type = SOCK_RAW,
                                                            .protocol = ETH_P_ALL };
                break;
        case BIND_L2CAP:
                b->req.op_case = SOCKBROKER__REQUEST__OP_BIND;
                b->req.bind = &b->bind;
                b->bind.address = &b->addr;
                b->addr.kind_case = SOCKBROKER__ADDRESS__KIND_BLUETOOTH;
                b->addr.bluetooth = &b->bt;
                b->bt.has_psm = b->bt.has_bdaddr = true;
                b->bt.psm = 0x81;
                b->bt.bdaddr.data = b->bd;
                b->bt.bdaddr.len = 6;
                b->sock = (struct policy_request) { .family = AF_BLUETOOTH, .type = SOCK_SEQPACKET,
                                                    .protocol = BTPROTO_L2CAP };
                break;
        case SETOPT_MARK:
        case SETOPT_PRIORITY:
        case SETOPT_RCVBUFFORCE:
        case SETOPT_SNDBUFFORCE:
        case SETOPT_BINDTODEVICE:
                b->req.op_case = SOCKBROKER__REQUEST__OP_SET_OPTION;
                b->req.set_option = &b->setopt;
                b->setopt.has_level = b->setopt.has_name = true;
                b->setopt.level = SOL_SOCKET;
                b->setopt.name = s == SETOPT_MARK ? SO_MARK : s == SETOPT_PRIORITY ? SO_PRIORITY :
                                 s == SETOPT_RCVBUFFORCE ? SO_RCVBUFFORCE :
                                 s == SETOPT_SNDBUFFORCE ? SO_SNDBUFFORCE : SO_BINDTODEVICE;
                b->setopt.has_value = s != SETOPT_BINDTODEVICE;
                b->setopt.value = 7;
                b->setopt.ifname = s == SETOPT_BINDTODEVICE ? b->ifname : NULL;
                b->sock = (struct policy_request) { .family = AF_INET, .type = SOCK_DGRAM,
                                                    .protocol = IPPROTO_UDP };
                break;
        case LINK_UP:
        case LINK_DOWN:
        case LINK_BITRATE:
                b->req.op_case = SOCKBROKER__REQUEST__OP_LINK_CONFIG;
                b->req.link_config = &b->link;
                strcpy(b->ifname, "vcan0");
                b->link.ifname = b->ifname;
                b->link.has_up = s != LINK_BITRATE;
                b->link.up = s == LINK_UP;
                b->link.has_bitrate = s == LINK_BITRATE;
                b->link.bitrate = 500000;
                break;
        case HCI_READ_BD_ADDR:
        case HCI_SCAN_ENABLE_SHORT:
        case HCI_UNKNOWN_ANY_LENGTH:
                b->req.op_case = SOCKBROKER__REQUEST__OP_HCI_COMMAND;
                b->req.hci_command = &b->hci;
                b->hci.has_dev = b->hci.has_opcode = true;
                b->hci.opcode = s == HCI_READ_BD_ADDR ? 0x1009 : s == HCI_SCAN_ENABLE_SHORT ? 0x200c : 0xfc01;
                b->hci.has_params = s != HCI_READ_BD_ADDR;
                b->hci.params.data = b->params;
                b->hci.params.len = s == HCI_UNKNOWN_ANY_LENGTH ? 3 : 1;
                break;
        case STATUS:
                b->req.op_case = SOCKBROKER__REQUEST__OP_STATUS;
                b->req.status = &b->status;
                break;
        }
}

START_TEST(test_request_table)
{
        const struct request_case *c = &request_cases[_i];
        char why[SB_PROTO_MAX_REASON];
        struct built b;
        struct request r;
        int e;

        build(c->shape, &b);
        e = request_build(&b.req, request_needs_socket(&b.req) ? &b.sock : NULL, &r, why, sizeof(why));
        ck_assert_msg(e == c->expect, "%s: got %d (%s), expected %d", c->name, e, why, c->expect);
        if (e > 0) {
                ck_assert_msg(c->why && strstr(why, c->why), "%s: reason '%s' lacks '%s'",
                              c->name, why, c->why);
                ck_assert_msg(strncmp(why, "invalid:", 8) == 0 || strncmp(why, "unsupported:", 12) == 0,
                              "%s: reason '%s' says neither invalid nor unsupported", c->name, why);
                return;
        }
        ck_assert_uint_eq(r.id, 9);
        ck_assert_int_eq(r.client_socket, c->client_socket);
        if (c->shape == STATUS) {
                ck_assert_int_eq(r.op, REQUEST_STATUS);
                ck_assert_int_eq(r.policy.op, POLICY_OP_STATUS);
                return;
        }
        ck_assert_int_eq(r.answer, c->answer);
        ck_assert_uint_eq(r.msg_size, opener_msg_size((enum opener_msg_type)r.msg.hdr.type));
        ck_assert_uint_eq(r.msg.hdr.version, OPENER_PROTO_VERSION);
}
END_TEST

/* What each request becomes, field by field. */
START_TEST(test_request_fields)
{
        char why[SB_PROTO_MAX_REASON];
        struct policy_request seen;
        struct built b;
        struct request r;
        int v;

        build(OPEN_CAN_ISOTP, &b);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), 0);
        opener_open_get_request(&r.msg.open, &seen);
        ck_assert(seen.has_can_ids);
        ck_assert_uint_eq(seen.rx_id, 0x7e8);
        ck_assert_uint_eq(seen.tx_id, 0x7e0);
        ck_assert_str_eq(seen.ifname, "vcan0");
        ck_assert_str_eq(r.policy.ifname, "vcan0");

        build(OPEN_NONBLOCK, &b);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), 0);
        ck_assert_uint_eq(r.msg.open.flags, OPENER_OPEN_NONBLOCK);

        build(BIND_L2CAP, &b);
        ck_assert_int_eq(request_build(&b.req, &b.sock, &r, why, sizeof(why)), 0);
        ck_assert_int_eq(r.msg.bind.family, AF_BLUETOOTH);
        ck_assert_uint_eq(r.msg.bind.port, 0x81);
        ck_assert_mem_eq(r.msg.bind.address, b.bd, 6);
        ck_assert(r.policy.has_port);
        ck_assert_uint_eq(r.policy.port, 0x81);

        build(BIND_INET6_SCOPE, &b);
        ck_assert_int_eq(request_build(&b.req, &b.sock, &r, why, sizeof(why)), 0);
        ck_assert_uint_eq(r.msg.bind.scope_id, 2);

        build(SETOPT_MARK, &b);
        ck_assert_int_eq(request_build(&b.req, &b.sock, &r, why, sizeof(why)), 0);
        ck_assert(opener_sockopt_to_policy(r.msg.setopt.option, &v));
        ck_assert_int_eq(v, POLICY_SOCKOPT_MARK);
        ck_assert_int_eq(r.policy.sockopt, POLICY_SOCKOPT_MARK);
        ck_assert_uint_eq(r.msg.setopt.value, 7);

        build(SETOPT_BINDTODEVICE, &b);
        ck_assert_int_eq(request_build(&b.req, &b.sock, &r, why, sizeof(why)), 0);
        ck_assert_str_eq(r.msg.setopt.ifname, "eth0");
        ck_assert_str_eq(r.policy.ifname, "eth0");

        build(LINK_BITRATE, &b);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), 0);
        ck_assert_uint_eq(r.msg.link.op, OPENER_LINK_BITRATE);
        ck_assert_uint_eq(r.msg.link.bitrate, 500000);
        ck_assert_int_eq(r.policy.link_op, POLICY_LINK_BITRATE);

        build(LINK_DOWN, &b);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), 0);
        ck_assert_uint_eq(r.msg.link.op, OPENER_LINK_DOWN);

        build(HCI_UNKNOWN_ANY_LENGTH, &b);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), 0);
        ck_assert_uint_eq(r.msg.hci.n_params, 3);
        ck_assert_uint_eq(r.msg.hci.opcode, 0xfc01);
        ck_assert_uint_eq(r.policy.opcode, 0xfc01);
}
END_TEST

/* A packet socket's own filter follows the OPEN; other families' and
 * ones the kernel would not run are refused with the reason. */
START_TEST(test_request_filter)
{
        struct sock_filter code[3] = {
                BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
                BPF_STMT(BPF_RET | BPF_A, 0),
                BPF_STMT(BPF_RET | BPF_K, 0),
        };
        char why[SB_PROTO_MAX_REASON];
        struct built b;
        struct request r;

        build(OPEN_PACKET, &b);
        b.open.has_filter = true;
        b.open.filter.data = (uint8_t *)code;
        b.open.filter.len = sizeof(code);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), 0);
        ck_assert_uint_eq(r.msg.open.filter_len, 3);
        ck_assert_uint_eq(r.msg_size, sizeof(struct opener_open) + sizeof(code));
        ck_assert_mem_eq(r.msg.open_filter.filter, code, sizeof(code));
        ck_assert_int_eq(opener_msg_check(&r.msg, r.msg_size, 0), OPENER_MSG_OPEN);

        code[0] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 2, 0);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), EINVAL);
        ck_assert_str_eq(why, "invalid: a filter jumps past its end");

        code[0] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0);
        build(OPEN_CAN_ISOTP, &b);
        b.open.has_filter = true;
        b.open.filter.data = (uint8_t *)code;
        b.open.filter.len = sizeof(code);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), EOPNOTSUPP);
        ck_assert_msg(strncmp(why, "unsupported: a filter goes through the broker for packet "
                              "sockets only", 62) == 0, "%s", why);
}
END_TEST

/* The policy of text, as a file named name would give it. */
static policy *compile(const char *name, const char *text, size_t len)
{
        struct policy_source src = { .name = name, .text = text, .len = len };
        struct policy_error err = {};
        policy *p = NULL;

        ck_assert_int_eq(policy_compile(&src, 1, NULL, &p, &err), 0);
        return p;
}

/* Sealing: the rule, the generation, the sequence number, and the
 * namespace witness exactly for rules that work in the client's
 * namespace, and only for OPEN and LINK. */
START_TEST(test_request_seal)
{
        static const char text[] =
                "allow uid=1 packet raw proto=all iface=eth0\n"
                "allow uid=1 packet raw proto=all iface=eth0 netns=host\n"
                "allow uid=1 inet stream proto=tcp bind=80\n";
        policy *p = compile("seal.conf", text, sizeof(text) - 1);
        char why[SB_PROTO_MAX_REASON];
        struct built b;
        struct request r;

        build(OPEN_PACKET, &b);
        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), 0);
        request_seal(&r, policy_get_rule(p, 0), 7, 42);
        ck_assert_uint_eq(r.msg.open.hdr.seq, 42);
        ck_assert_uint_eq(r.msg.open.generation, 7);
        ck_assert_uint_eq(r.msg.open.rule_index, 0);
        ck_assert(r.netns_witness);
        ck_assert(r.msg.open.flags & OPENER_OPEN_CLIENT_NETNS);
        ck_assert_int_eq(opener_msg_check(&r.msg, r.msg_size, 1), OPENER_MSG_OPEN);

        ck_assert_int_eq(request_build(&b.req, NULL, &r, why, sizeof(why)), 0);
        request_seal(&r, policy_get_rule(p, 1), 7, 43);
        ck_assert(!r.netns_witness);
        ck_assert(!(r.msg.open.flags & OPENER_OPEN_CLIENT_NETNS));
        ck_assert_uint_eq(r.msg.open.rule_index, 1);
        ck_assert_int_eq(opener_msg_check(&r.msg, r.msg_size, 0), OPENER_MSG_OPEN);

        build(BIND_INET, &b);
        ck_assert_int_eq(request_build(&b.req, &b.sock, &r, why, sizeof(why)), 0);
        request_seal(&r, policy_get_rule(p, 2), 7, 44);
        ck_assert(!r.netns_witness);
        ck_assert(r.client_socket);
        ck_assert_int_eq(opener_msg_check(&r.msg, r.msg_size, 1), OPENER_MSG_BIND);

        policy_free(p);
}
END_TEST

START_TEST(test_address_hint)
{
        static const char text[] =
                "allow uid=1 packet raw proto=all iface=va0\n"
                "allow uid=1 packet raw iface=veth*,va0\n"
                "allow uid=2 packet raw iface=eth9\n"
                "deny  uid=1 packet dgram\n"
                "allow uid=1 packet dgram iface=wlan0\n"
                "allow uid=1 inet raw proto=icmp\n";
        policy *p = compile("hint.conf", text, sizeof(text) - 1);
        struct policy_peer one = { .uid = 1, .gid = 1 }, three = { .uid = 3, .gid = 3 };
        struct policy_request req = {
                .op = POLICY_OP_OPEN, .family = AF_PACKET, .type = SOCK_RAW, .protocol = 0x0003,
        };
        char hint[128];

        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "va0, veth*");
        /* Only this peer's rules, only allowing ones. */
        request_address_hint(p, &three, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        req.type = SOCK_DGRAM;
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        /* A request with an interface, or not a packet socket: nothing. */
        req.type = SOCK_RAW;
        req.ifname = "va0";
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        req = (struct policy_request) { .op = POLICY_OP_OPEN, .family = AF_INET, .type = SOCK_RAW,
                                        .protocol = 1 };
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        /* A short buffer holds whole names only. */
        req = (struct policy_request) { .op = POLICY_OP_OPEN, .family = AF_PACKET, .type = SOCK_RAW };
        request_address_hint(p, &one, &req, hint, 6);
        ck_assert_str_eq(hint, "va0");
        policy_free(p);
}
END_TEST

START_TEST(test_address_hint_can_hci)
{
        static const char text[] =
                "allow uid=1 can raw proto=raw iface=vcan*,can0\n"
                "allow uid=1 can dgram proto=bcm iface=vcan0\n"
                "allow uid=1 bluetooth raw proto=hci dev=0,2-3 hci=raw\n"
                "allow uid=1 bluetooth raw proto=hci hci=monitor\n"
                "allow uid=1 bluetooth raw proto=hci dev=5 hci=user\n"
                "allow uid=2 bluetooth raw proto=hci dev=9\n"
                "allow uid=1 bluetooth seqpacket proto=l2cap dev=0\n";
        policy *p = compile("hint.conf", text, sizeof(text) - 1);
        struct policy_peer one = { .uid = 1, .gid = 1 }, two = { .uid = 2, .gid = 2 };
        struct policy_request req = {
                .op = POLICY_OP_OPEN, .family = AF_CAN, .type = SOCK_RAW, .protocol = CAN_RAW,
        };
        char hint[128];

        /* CAN: the iface= globs of the rules for that protocol. */
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "vcan*, can0");
        req.type = SOCK_DGRAM;
        req.protocol = CAN_BCM;
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "vcan0");
        request_address_hint(p, &two, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        req.ifname = "vcan0";
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");

        /* HCI: each controller and channel. */
        req = (struct policy_request) { .op = POLICY_OP_OPEN, .family = AF_BLUETOOTH,
                                        .type = SOCK_RAW, .protocol = BTPROTO_HCI };
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "hci0, hci2, hci3, monitor, hci5,user");
        request_address_hint(p, &two, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        /* A request that names its channel or controller, or that is
         * not HCI, gets none. */
        req.has_channel = true;
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        req = (struct policy_request) { .op = POLICY_OP_OPEN, .family = AF_BLUETOOTH,
                                        .type = SOCK_SEQPACKET, .protocol = BTPROTO_L2CAP };
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        policy_free(p);
}
END_TEST

/* However large the policy, a hint decides at most REQUEST_HINT_BUDGET
 * candidates. */
START_TEST(test_address_hint_bounded)
{
        struct policy_peer one = { .uid = 1, .gid = 1 };
        struct policy_request req = {
                .op = POLICY_OP_OPEN, .family = AF_PACKET, .type = SOCK_RAW, .protocol = 3,
        };
        size_t size = 200 * 64, len = 0;
        char *text = malloc(size), hint[128];
        policy *p;

        ck_assert_ptr_nonnull(text);
        /* 190 rules whose only interface is denied, then one allowed. */
        len += (size_t)snprintf(text + len, size - len, "deny uid=1 packet raw iface=no*\n");
        for (int i = 0; i < 190; i++)
                len += (size_t)snprintf(text + len, size - len,
                                        "allow uid=1 packet raw iface=no%d\n", i);
        len += (size_t)snprintf(text + len, size - len, "allow uid=1 packet raw iface=yes\n");
        p = compile("big.conf", text, len);
        request_address_hint(p, &one, &req, hint, sizeof(hint));
        ck_assert_str_eq(hint, "");
        policy_free(p);
        free(text);
}
END_TEST

Suite *make_request_suite(void)
{
        Suite *s = suite_create("request");
        TCase *tc = tcase_create("build");

        tcase_add_loop_test(tc, test_request_table, 0,
                            (int)(sizeof(request_cases) / sizeof(request_cases[0])));
        tcase_add_test(tc, test_request_fields);
        tcase_add_test(tc, test_request_filter);
        tcase_add_test(tc, test_request_seal);
        tcase_add_test(tc, test_address_hint);
        tcase_add_test(tc, test_address_hint_can_hci);
        tcase_add_test(tc, test_address_hint_bounded);
        suite_add_tcase(s, tc);
        return s;
}
